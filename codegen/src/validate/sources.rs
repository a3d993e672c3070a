//! The sources of `common.yaml` (known kinds, unique ids), and the check every pass makes
//! that a `source:` names one of them.

use std::collections::BTreeSet;
use std::path::Path;

use super::Ctx;
use crate::ir::{Source, SourceKind};
use crate::spec::{pos, RawCommon, Spanned};

/// The source ids declared under `sources:`.
pub(super) struct Sources(BTreeSet<String>);

impl Sources {
    /// An error unless `s` names a declared source.
    pub(super) fn check(&self, cx: &mut Ctx, file: &Path, s: &Spanned<String>) {
        if !self.0.contains(&s.value) {
            cx.err(
                file,
                pos(s),
                format!("unknown source `{}`", s.value),
                format!(
                    "use one of the ids under `sources:` in common.yaml ({})",
                    self.0.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }
}

/// The sources: known kinds, unique ids.
pub(super) fn lower(cx: &mut Ctx, cf: &Path, c: &RawCommon) -> (Sources, Vec<Source>) {
    let mut sources = BTreeSet::new();
    let mut sources_ir = Vec::new();
    for s in &c.sources {
        let kind = match s.kind.value.as_str() {
            "document" => Some(SourceKind::Document),
            "reference" => Some(SourceKind::Reference),
            "third_party" => Some(SourceKind::ThirdParty),
            "inferred" => Some(SourceKind::Inferred),
            other => {
                cx.err(
                    cf,
                    pos(&s.kind),
                    format!("unknown source kind `{other}`"),
                    "use `document`, `reference`, `third_party` or `inferred`",
                );
                None
            }
        };
        if let Some(kind) = kind {
            sources_ir.push(Source {
                id: s.id.value.clone(),
                kind,
                location: s.location.clone(),
                doc: s.doc.trim().to_string(),
            });
        }
        if !sources.insert(s.id.value.clone()) {
            cx.err(
                cf,
                pos(&s.id),
                format!("duplicate source id `{}`", s.id.value),
                "give each source a unique id",
            );
        }
    }
    (Sources(sources), sources_ir)
}
