//! What an API file records beside its calls: the actions known to exist but undocumented, and
//! the documented facts left out of the generated code, each with its source.

use super::{ApiScope, Ctx};
use crate::ir::LeftOut;

/// The undocumented actions, as (description, source).
pub(super) fn undocumented_actions(cx: &mut Ctx, scope: &ApiScope) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for u in &scope.api.undocumented_actions {
        scope.source(cx, &u.source);
        out.push((u.doc.trim().to_string(), u.source.value.clone()));
    }
    out
}

/// The facts left out, with why.
pub(super) fn left_out(cx: &mut Ctx, scope: &ApiScope) -> Vec<LeftOut> {
    let mut out = Vec::new();
    for l in &scope.api.left_out {
        scope.source(cx, &l.source);
        out.push(LeftOut {
            fact: l.fact.trim().to_string(),
            reason: l.reason.trim().to_string(),
            source: l.source.value.clone(),
        });
    }
    out
}
