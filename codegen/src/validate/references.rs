//! What an API file names in `common.yaml`: its privacy family (or why it is unknown) and its
//! envelope.

use super::{ApiScope, Ctx};
use crate::ir::{Envelope, Family};
use crate::spec::pos;

/// The API's privacy family, or why it is unknown (empty when the spec is wrong).
pub(super) fn privacy(cx: &mut Ctx, scope: &ApiScope) -> Result<Family, String> {
    let (a, f) = (scope.api, scope.file);
    match (&a.privacy.family, &a.privacy.unknown) {
        (Some(fam), None) => match scope.common.families.iter().find(|x| x.family == fam.value) {
            Some(x) => Ok(x.clone()),
            None => {
                cx.err(
                    f,
                    pos(fam),
                    format!("unknown privacy family `{}`", fam.value),
                    "declare it under `privacy_families:` in common.yaml",
                );
                Err(String::new())
            }
        },
        (None, Some(why)) => Err(why.clone()),
        _ => {
            cx.err(
                f,
                pos(&a.api),
                "privacy must have exactly one of `family` and `unknown`",
                "name the family, or say why it is unknown",
            );
            Err(String::new())
        }
    }
}

/// The API's envelope, when it names one of `common.yaml`.
pub(super) fn envelope(cx: &mut Ctx, scope: &ApiScope) -> Option<Envelope> {
    let envelopes = &scope.common.envelopes;
    let name = scope.api.envelope.as_ref()?;
    match envelopes.get(&name.value) {
        Some(e) => Some(e.clone()),
        None => {
            cx.err(
                scope.file,
                pos(name),
                format!("unknown envelope `{}`", name.value),
                format!(
                    "use one of the envelopes of common.yaml ({})",
                    envelopes.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
            None
        }
    }
}
