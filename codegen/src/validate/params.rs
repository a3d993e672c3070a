//! The parameters of an action: sourced, a unique wire name, a unique snake_case Rust name
//! that the generated method does not take already, a known type, and options that fit it
//! (lists of enums, forbidden characters on strings, files only in multipart actions, known
//! image formats on files only); a multipart action has a file.

use std::collections::BTreeSet;
use std::path::Path;

use heck::ToSnakeCase;

use super::names::is_snake;
use super::{groups, ActionScope, Checked, Ctx};
use crate::ir::{Method, Param, ParamTy};
use crate::spec::{pos, RawAction, RawParam};

/// Builtin parameter types.
pub const PARAM_BUILTINS: &[&str] = &["string", "integer", "date", "file"];
/// Image formats the runtime can recognise, with their `ImageType` variant.
pub const IMAGE_FORMATS: &[(&str, &str)] = &[
    ("jpeg", "Jpeg"),
    ("gif", "Gif"),
    ("bmp", "Bmp"),
    ("png", "Png"),
];

/// Rust names the generated method takes already.
const RESERVED: [&str; 3] = ["token", "input", "request"];

/// The wire and Rust names of the action's parameters so far.
#[derive(Default)]
struct Seen {
    wires: BTreeSet<String>,
    rusts: BTreeSet<String>,
}

/// The parameters of `act`, then their pairs (which refer to parameters of the same action).
pub(super) fn lower(cx: &mut Ctx, s: &ActionScope, act: &RawAction, method: Method) -> Vec<Param> {
    let mut seen = Seen::default();
    let mut checked = Vec::new();
    for p in &act.params {
        checked.push(check(cx, s, act, method, p, &mut seen));
    }
    if method == Method::MultipartPost && !checked.iter().any(|c| c.ty == Some(ParamTy::File)) {
        cx.err(
            s.api.file,
            pos(&act.method),
            format!(
                "multipart action `{}` has no file parameter",
                act.wire.value
            ),
            "add a `type: file` parameter or use `method: get`",
        );
    }

    let mut lowered = Vec::new();
    for c in &checked {
        let p = c.raw;
        let pairs = p
            .pairs_with
            .as_ref()
            .and_then(|pw| groups::pairs(cx, s, act, &checked, c, pw));
        if let Some(ty) = c.ty.clone() {
            lowered.push(Param {
                wire: p.wire.value.clone(),
                rust: c.rust.clone(),
                ty,
                list: p.list,
                required: p.required,
                forbid_chars: p.forbid_chars.clone(),
                quote_if_complex: p.quote_if_complex,
                pairs,
                accepted_formats: c.formats.clone(),
                mandatory_unknown: p.mandatory_unknown,
                source: p.source.as_ref().map(|s| s.value.clone()),
                doc: p.doc.trim().to_string(),
            });
        }
    }
    lowered
}

/// One parameter on its own.
fn check<'a>(
    cx: &mut Ctx,
    s: &ActionScope,
    act: &RawAction,
    method: Method,
    p: &'a RawParam,
    seen: &mut Seen,
) -> Checked<'a> {
    let f = s.api.file;
    if let Some(src) = &p.source {
        s.api.source(cx, src);
    }
    if p.mandatory_unknown && p.required {
        cx.err(
            f,
            pos(&p.wire),
            format!(
                "parameter `{}` is both required and of unknown mandatoriness",
                p.wire.value
            ),
            "remove `required` or `mandatory_unknown`",
        );
    }
    let rust = rust_name(cx, f, act, p, seen);
    let ty = param_ty(cx, s, p);
    check_options(cx, f, p, ty.as_ref(), method);
    let formats = formats(cx, f, p);
    Checked {
        raw: p,
        rust,
        ty,
        formats,
    }
}

/// A unique wire name, and a unique snake_case Rust name (given or derived) not reserved.
fn rust_name(cx: &mut Ctx, f: &Path, act: &RawAction, p: &RawParam, seen: &mut Seen) -> String {
    let w = &p.wire.value;
    if !seen.wires.insert(w.clone()) {
        cx.err(
            f,
            pos(&p.wire),
            format!("duplicate parameter `{w}` in action `{}`", act.wire.value),
            "list each parameter once",
        );
    }
    let rust = p
        .name
        .as_ref()
        .map(|n| n.value.clone())
        .unwrap_or_else(|| w.to_snake_case());
    if !is_snake(&rust) {
        cx.err(
            f,
            pos(p.name.as_ref().unwrap_or(&p.wire)),
            format!("parameter name `{rust}` is not snake_case"),
            "set `name:` to a snake_case name",
        );
    }
    if RESERVED.contains(&rust.as_str()) {
        cx.err(
            f,
            pos(p.name.as_ref().unwrap_or(&p.wire)),
            format!("parameter name `{rust}` is reserved by the generated method"),
            "set another `name:`",
        );
    }
    if !seen.rusts.insert(rust.clone()) {
        cx.err(
            f,
            pos(p.name.as_ref().unwrap_or(&p.wire)),
            format!("two parameters of `{}` are named `{rust}`", act.wire.value),
            "set a distinct `name:`",
        );
    }
    rust
}

/// A builtin, or an enum of the API.
fn param_ty(cx: &mut Ctx, s: &ActionScope, p: &RawParam) -> Option<ParamTy> {
    match p.ty.value.as_str() {
        "string" => Some(ParamTy::String),
        "integer" => Some(ParamTy::Integer),
        "date" => Some(ParamTy::Date),
        "file" => Some(ParamTy::File),
        n if s.is_enum(n) => Some(ParamTy::Enum(n.to_string())),
        n => {
            cx.err(
                s.api.file,
                pos(&p.ty),
                format!("unknown type `{n}`"),
                format!(
                    "use a builtin ({}) or an enum declared under `enums:`",
                    PARAM_BUILTINS.join(", ")
                ),
            );
            None
        }
    }
}

/// Options that fit the type: lists of enums, forbidden characters and quoting on strings,
/// files required and in multipart actions, accepted formats on files.
fn check_options(cx: &mut Ctx, f: &Path, p: &RawParam, ty: Option<&ParamTy>, method: Method) {
    let w = &p.wire.value;
    if p.list && !matches!(ty, Some(ParamTy::Enum(_))) {
        cx.err(
            f,
            pos(&p.ty),
            format!("parameter `{w}` is a list of a non-enum type"),
            "lists are comma-separated enum values; use an enum",
        );
    }
    if (!p.forbid_chars.is_empty() || p.quote_if_complex) && ty != Some(&ParamTy::String) {
        cx.err(
            f,
            pos(&p.ty),
            format!("`forbid_chars`/`quote_if_complex` on non-string parameter `{w}`"),
            "use them on string parameters only",
        );
    }
    if ty == Some(&ParamTy::File) {
        if method != Method::MultipartPost {
            cx.err(
                f,
                pos(&p.ty),
                format!("file parameter `{w}` in a `get` action"),
                "files are sent by `method: multipart_post`",
            );
        }
        if !p.required {
            cx.err(
                f,
                pos(&p.wire),
                format!("file parameter `{w}` must be required"),
                "set `required: true`",
            );
        }
    } else if !p.accepted_formats.is_empty() {
        cx.err(
            f,
            pos(&p.wire),
            format!("`accepted_formats` on non-file parameter `{w}`"),
            "use it on `type: file` only",
        );
    }
}

/// The `ImageType` variants of the accepted formats, each known.
fn formats(cx: &mut Ctx, f: &Path, p: &RawParam) -> Vec<String> {
    let mut formats = Vec::new();
    for fm in &p.accepted_formats {
        match IMAGE_FORMATS.iter().find(|(n, _)| n == fm) {
            Some((_, v)) => formats.push(v.to_string()),
            None => cx.err(
                f,
                pos(&p.wire),
                format!("unknown file format `{fm}`"),
                format!(
                    "use one of: {}",
                    IMAGE_FORMATS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }
    formats
}
