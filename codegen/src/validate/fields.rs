//! The fields of a type: a Rust name (given or derived, snake_case, unique), XML wire names,
//! a known type, and a shape that fits (attributes hold one scalar, the text content `$text`
//! holds one scalar, consented fields belong to a consent split).

use std::collections::BTreeSet;
use std::path::Path;

use heck::ToSnakeCase;

use super::names::{is_snake, XML_NAME_FIX};
use super::{ApiScope, Ctx};
use crate::ir::{Embedded, Enum, Field, FieldTy};
use crate::spec::{pos, RawEmbedded, RawField, RawType};

/// Builtin field types.
pub const FIELD_BUILTINS: &[&str] = &["string", "integer", "bool", "date", "base64", "empty"];

/// The wire names (with whether an attribute) and Rust names of a type's fields so far.
#[derive(Default)]
pub(super) struct Seen {
    wires: BTreeSet<(String, bool)>,
    rusts: BTreeSet<String>,
}

/// One field of `t`; `None` when its type is unknown.
pub(super) fn lower(
    cx: &mut Ctx,
    scope: &ApiScope,
    enums: &[Enum],
    t: &RawType,
    fd: &RawField,
    seen: &mut Seen,
) -> Option<Field> {
    let f = scope.file;
    if let Some(s) = &fd.source {
        scope.source(cx, s);
    }
    let w = &fd.wire.value;
    let rust = rust_name(cx, f, fd);
    let is_text = w == "$text" && !fd.attribute;
    let wire_names = std::iter::once(w).filter(|_| !is_text).chain(&fd.aliases);
    cx.xml_names(
        f,
        pos(&fd.wire),
        wire_names,
        &format!("(field of `{}`)", t.name.value),
        &format!("{XML_NAME_FIX}; `$text` names the element's text content"),
    );
    if is_text && (fd.repeated || !fd.aliases.is_empty()) {
        cx.err(
            f,
            pos(&fd.wire),
            "the text content `$text` cannot be repeated or have aliases",
            "an element has one text content: remove `repeated` and `aliases`",
        );
    }
    if !seen.wires.insert((w.clone(), fd.attribute)) {
        cx.err(
            f,
            pos(&fd.wire),
            format!("duplicate field `{w}` in type `{}`", t.name.value),
            "list each element or attribute once",
        );
    }
    if !seen.rusts.insert(rust.clone()) {
        cx.err(
            f,
            pos(fd.name.as_ref().unwrap_or(&fd.wire)),
            format!("two fields of `{}` are named `{rust}`", t.name.value),
            "set a distinct `name:` on one of them",
        );
    }
    let ty = field_ty(cx, scope, enums, fd);
    check_shape(cx, f, t, fd, ty.as_ref(), is_text);
    let embedded = fd
        .embedded
        .as_ref()
        .map(|e| embedded(cx, scope, fd, ty.as_ref(), is_text, e));
    Some(Field {
        wire: w.clone(),
        rust,
        ty: ty?,
        attribute: fd.attribute,
        optional: fd.optional,
        repeated: fd.repeated,
        consented: fd.consented,
        aliases: fd.aliases.clone(),
        doc: fd.doc.trim().to_string(),
        source: fd.source.as_ref().map(|s| s.value.clone()),
        embedded,
    })
}

/// An embedded document: on an optional, single string element only, of a declared type,
/// with an XML root name.
fn embedded(
    cx: &mut Ctx,
    scope: &ApiScope,
    fd: &RawField,
    ty: Option<&FieldTy>,
    is_text: bool,
    e: &RawEmbedded,
) -> Embedded {
    let f = scope.file;
    let plain = !is_text && !fd.attribute && !fd.repeated && !fd.consented && fd.optional;
    if ty != Some(&FieldTy::String) || !plain {
        cx.err(
            f,
            pos(&e.root),
            format!("field `{}` cannot carry an embedded document", fd.wire.value),
            "only an optional, single (not repeated, consented or attribute) element of type `string` can",
        );
    }
    scope.document_root(cx, &e.root, &e.ty, "embedded", &fd.wire.value);
    Embedded {
        root: e.root.value.clone(),
        ty: e.ty.value.clone(),
    }
}

/// The Rust name: the given `name:`, snake_case, or one derived from the wire name.
fn rust_name(cx: &mut Ctx, f: &Path, fd: &RawField) -> String {
    match &fd.name {
        Some(n) => {
            if !is_snake(&n.value) {
                cx.err(
                    f,
                    pos(n),
                    format!("field name `{}` is not snake_case", n.value),
                    format!("write it as `{}`", n.value.to_snake_case()),
                );
            }
            n.value.clone()
        }
        None => {
            let derived = fd.wire.value.to_snake_case();
            if !is_snake(&derived) {
                cx.err(
                    f,
                    pos(&fd.wire),
                    format!("no Rust name can be derived from `{}`", fd.wire.value),
                    "give the field a `name:`",
                );
            }
            derived
        }
    }
}

/// A builtin, or an enum or type of the API.
fn field_ty(cx: &mut Ctx, scope: &ApiScope, enums: &[Enum], fd: &RawField) -> Option<FieldTy> {
    match fd.ty.value.as_str() {
        "string" => Some(FieldTy::String),
        "integer" => Some(FieldTy::Integer),
        "bool" => Some(FieldTy::Bool),
        "date" => Some(FieldTy::Date),
        "base64" => Some(FieldTy::Base64),
        "empty" => Some(FieldTy::Empty),
        n if enums.iter().any(|e| e.name == n) => Some(FieldTy::Enum(n.to_string())),
        n if scope.is_struct(n) => Some(FieldTy::Struct(n.to_string())),
        n => {
            cx.err(
                scope.file,
                pos(&fd.ty),
                format!("unknown type `{n}`"),
                format!(
                    "use a builtin ({}) or declare `{n}` under `enums:` or `types:`",
                    FIELD_BUILTINS.join(", ")
                ),
            );
            None
        }
    }
}

/// What an attribute, the text content, a repeated and a consented field may be.
fn check_shape(
    cx: &mut Ctx,
    f: &Path,
    t: &RawType,
    fd: &RawField,
    ty: Option<&FieldTy>,
    is_text: bool,
) {
    let w = &fd.wire.value;
    if is_text && matches!(ty, Some(FieldTy::Struct(_))) {
        cx.err(
            f,
            pos(&fd.ty),
            "the text content `$text` cannot have a structure type",
            "text holds no elements: use a builtin scalar or an enum",
        );
    }
    if fd.attribute && matches!(ty, Some(FieldTy::Struct(_)) | Some(FieldTy::Empty)) {
        cx.err(
            f,
            pos(&fd.ty),
            format!("attribute `{w}` cannot have an element type"),
            "attributes hold text: use a builtin scalar or an enum",
        );
    }
    if fd.attribute && fd.repeated {
        cx.err(
            f,
            pos(&fd.wire),
            format!("attribute `{w}` cannot be repeated"),
            "remove `repeated`",
        );
    }
    if fd.repeated && fd.optional {
        cx.err(
            f,
            pos(&fd.wire),
            format!("field `{w}` is both repeated and optional"),
            "a repeated field is already allowed to be absent: remove `optional`",
        );
    }
    if fd.consented && t.consent_split.is_none() {
        cx.err(
            f,
            pos(&fd.wire),
            format!(
                "field `{w}` is consented but `{}` has no consent_split",
                t.name.value
            ),
            "add `consent_split:` to the type or remove `consented`",
        );
    }
    if fd.consented && (fd.attribute || fd.repeated || fd.optional) {
        cx.err(
            f,
            pos(&fd.wire),
            format!("consented field `{w}` cannot be an attribute, repeated or optional"),
            "a consented field is already granted, protected or not returned",
        );
    }
    if w == "$text" && fd.name.is_none() {
        cx.err(
            f,
            pos(&fd.wire),
            "the text content needs a Rust name",
            "add `name:`, e.g. `name: value`",
        );
    }
}
