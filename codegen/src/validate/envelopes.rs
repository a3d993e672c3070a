//! The envelopes of `common.yaml`: a known kind with every name it needs, XML names only,
//! each envelope declared once.

use std::collections::BTreeMap;
use std::path::Path;

use super::names::XML_NAME_FIX;
use super::sources::Sources;
use super::Ctx;
use crate::ir::Envelope;
use crate::spec::{pos, RawCommon, RawEnvelope};

/// The envelopes, by name (the first of two with the same name is kept).
pub(super) fn lower(
    cx: &mut Ctx,
    sources: &Sources,
    cf: &Path,
    c: &RawCommon,
) -> BTreeMap<String, Envelope> {
    let mut envelopes: BTreeMap<String, Envelope> = BTreeMap::new();
    for e in &c.envelopes {
        sources.check(cx, cf, &e.source);
        let names = [
            &e.root,
            &e.code,
            &e.detail,
            &e.result,
            &e.code_attr,
            &e.subtype_attr,
        ]
        .into_iter()
        .flatten()
        .chain(std::iter::once(&e.error))
        .chain(&e.command_path);
        cx.xml_names(
            cf,
            pos(&e.name),
            names,
            &format!("in envelope `{}`", e.name.value),
            XML_NAME_FIX,
        );
        let lowered = lower_one(cx, cf, e);
        if envelopes.contains_key(&e.name.value) {
            cx.err(
                cf,
                pos(&e.name),
                format!("duplicate envelope `{}`", e.name.value),
                "give each envelope a unique name",
            );
        }
        if let Some(l) = lowered {
            envelopes.insert(e.name.value.clone(), l);
        }
    }
    envelopes
}

/// One envelope of a known kind, with the names its kind needs.
fn lower_one(cx: &mut Ctx, cf: &Path, e: &RawEnvelope) -> Option<Envelope> {
    match e.kind.value.as_str() {
        "return_wrapper" => match (&e.root, &e.code, &e.detail) {
            (Some(root), Some(code), Some(detail)) => Some(Envelope::ReturnWrapper {
                root: root.clone(),
                error: e.error.clone(),
                code: code.clone(),
                detail: detail.clone(),
            }),
            _ => {
                cx.err(
                    cf,
                    pos(&e.kind),
                    format!(
                        "envelope `{}` of kind return_wrapper lacks root, code or detail",
                        e.name.value
                    ),
                    "give `root`, `code` and `detail`",
                );
                None
            }
        },
        "command_result" => match (&e.root, &e.result, &e.code_attr, &e.subtype_attr) {
            (Some(root), Some(result), Some(code_attr), Some(subtype_attr))
                if !e.command_path.is_empty() =>
            {
                Some(Envelope::CommandResult {
                    root: root.clone(),
                    command_path: e.command_path.clone(),
                    result: result.clone(),
                    error: e.error.clone(),
                    code_attr: code_attr.clone(),
                    subtype_attr: subtype_attr.clone(),
                })
            }
            _ => {
                cx.err(
                    cf,
                    pos(&e.kind),
                    format!(
                        "envelope `{}` of kind command_result lacks root, command_path, result, code_attr or subtype_attr",
                        e.name.value
                    ),
                    "give all of them",
                );
                None
            }
        },
        other => {
            cx.err(
                cf,
                pos(&e.kind),
                format!("unknown envelope kind `{other}`"),
                "use `return_wrapper` or `command_result`",
            );
            None
        }
    }
}
