//! The response of an action: a declared type reached by a path of XML names inside the API's
//! envelope, or the reason its shape is unknown; a picture in it is a path of fields to a
//! base64 content and to the string of its declared type.

use super::names::XML_NAME_FIX;
use super::{ActionScope, Ctx};
use crate::ir::{Field, FieldTy, InferredResponse, PictureAccess, Response, Type};
use crate::spec::{pos, RawAction, RawInferred, RawPicture};

/// The response of `act`.
pub(super) fn lower(cx: &mut Ctx, s: &ActionScope, act: &RawAction) -> Response {
    let f = s.api.file;
    let resp_ty = act.response.ty.as_ref();
    match (resp_ty, &act.response.unknown) {
        (Some(t), None) => {
            if !s.api.is_struct(&t.value) {
                cx.err(
                    f,
                    pos(t),
                    format!("unknown response type `{}`", t.value),
                    "declare it under `types:`",
                );
            }
            if act.response.path.is_empty() {
                cx.err(
                    f,
                    pos(t),
                    "empty response path",
                    "give the element path from the envelope root to the decoded element",
                );
            }
            cx.xml_names(
                f,
                pos(t),
                &act.response.path,
                &format!("in the response path of `{}`", act.wire.value),
                XML_NAME_FIX,
            );
            if s.api.api.envelope.is_none() {
                cx.err(
                    f,
                    pos(t),
                    "a typed response needs the API's envelope",
                    "name the envelope, or make the response `unknown`",
                );
            }
        }
        (None, Some(_)) => {
            if !act.response.path.is_empty() || act.response.picture.is_some() {
                cx.err(
                    f,
                    pos(&act.wire),
                    "an unknown response has no path or picture",
                    "remove them, or give the response type",
                );
            }
        }
        _ => cx.err(
            f,
            pos(&act.wire),
            "the response needs exactly one of `type` and `unknown`",
            "give the declared type, or say why the answer is unknown",
        ),
    }
    let picture = match (&act.response.picture, resp_ty) {
        (Some(pic), Some(resp_ty)) => picture(cx, s, pic, &resp_ty.value),
        _ => None,
    };
    let inferred = act
        .response
        .inferred
        .as_ref()
        .map(|inf| inferred(cx, s, act, inf));
    Response {
        path: act.response.path.clone(),
        ty: resp_ty.map(|t| t.value.clone()),
        unknown: act.response.unknown.clone(),
        picture,
        inferred,
    }
}

/// An inferred shape: only beside `unknown` (the answer stays undocumented), a declared
/// type, an XML root name, a known source and the reasoning.
fn inferred(cx: &mut Ctx, s: &ActionScope, act: &RawAction, inf: &RawInferred) -> InferredResponse {
    let f = s.api.file;
    if act.response.unknown.is_none() {
        cx.err(
            f,
            pos(&inf.root),
            "an inferred shape is only for an answer whose shape is unknown",
            "say why the answer is unknown under `unknown:`, or drop `inferred:`",
        );
    }
    s.api
        .document_root(cx, &inf.root, &inf.ty, "inferred", &act.wire.value);
    s.api.source(cx, &inf.source);
    if inf.doc.trim().is_empty() {
        cx.err(
            f,
            pos(&inf.root),
            "an inferred shape needs its reasoning",
            "say in `doc:` what the inference rests on and what ties it to this action",
        );
    }
    InferredResponse {
        root: inf.root.value.clone(),
        ty: inf.ty.value.clone(),
        source: inf.source.value.clone(),
        doc: inf.doc.trim().to_owned(),
    }
}

/// Where the picture lives in the response type `root`.
fn picture(cx: &mut Ctx, s: &ActionScope, pic: &RawPicture, root: &str) -> Option<PictureAccess> {
    let f = s.api.file;
    let content = resolve_field_path(s.types, root, &pic.content.value);
    let declared = resolve_field_path(s.types, root, &pic.declared_type.value);
    match content {
        Some(fd) if fd.ty == FieldTy::Base64 && !fd.optional => {}
        _ => cx.err(
            f,
            pos(&pic.content),
            "picture content must be a path of required fields ending in a base64 field",
            "give the Rust field names, e.g. `[file, content]`",
        ),
    }
    match declared {
        Some(fd) if fd.ty == FieldTy::String && !fd.repeated => Some(PictureAccess {
            content: pic.content.value.clone(),
            declared_type: pic.declared_type.value.clone(),
            declared_optional: fd.optional,
        }),
        _ => {
            cx.err(
                f,
                pos(&pic.declared_type),
                "picture declared type must be a path of fields ending in a string field",
                "give the Rust field names, e.g. `[type_image]`",
            );
            None
        }
    }
}

/// The field at the end of `path` (Rust field names) from type `root`, through fields that
/// are present once (not optional, repeated or consented) and of a declared type.
fn resolve_field_path<'a>(types: &'a [Type], root: &str, path: &[String]) -> Option<&'a Field> {
    let mut ty = types.iter().find(|t| t.name == root)?;
    let mut found = None;
    for (i, seg) in path.iter().enumerate() {
        let fd = ty.fields.iter().find(|f| &f.rust == seg)?;
        if i + 1 < path.len() {
            if fd.optional || fd.repeated || fd.consented {
                return None;
            }
            match &fd.ty {
                FieldTy::Struct(n) => ty = types.iter().find(|t| &t.name == n)?,
                _ => return None,
            }
        }
        found = Some(fd);
    }
    found
}
