//! Enums and types: their names share one namespace (UpperCamelCase, not reserved, declared
//! once, no clash with the helpers a consent split generates), their fields are lowered, and
//! no type contains itself without a list in between.

use std::collections::BTreeSet;

use super::names::XML_NAME_FIX;
use super::namespace::Namespace;
use super::{enums, fields, ApiScope, Ctx};
use crate::ir::{ConsentSplit, Enum, FieldTy, Type};
use crate::spec::{pos, RawType};

/// The enums and types an API declares, lowered.
pub(super) struct Declared {
    pub(super) enums: Vec<Enum>,
    pub(super) types: Vec<Type>,
}

/// The enums, then the types, of an API.
pub(super) fn lower(cx: &mut Ctx, scope: &ApiScope) -> Declared {
    let a = scope.api;
    let mut namespace = Namespace::new(scope.file);
    let mut enums = Vec::new();
    for e in &a.enums {
        enums.push(enums::lower(cx, scope, &mut namespace, e));
    }
    for t in &a.types {
        namespace.declare(cx, &t.name, "type");
    }
    consent_helpers(cx, scope, &namespace);
    let mut types = Vec::new();
    for t in &a.types {
        types.push(lower_type(cx, scope, &enums, t));
    }
    cycles(cx, scope, &types);
    Declared { enums, types }
}

/// A type with a consent split generates private helper types; none may be declared.
fn consent_helpers(cx: &mut Ctx, scope: &ApiScope, namespace: &Namespace) {
    for t in &scope.api.types {
        if t.consent_split.is_some() {
            for suffix in ["Wire", "Granted", "Protected"] {
                let helper = format!("{}{suffix}", t.name.value);
                if namespace.contains(&helper) {
                    cx.err(
                        scope.file,
                        pos(&t.name),
                        format!(
                            "type `{}` needs a private helper `{helper}`, which is also declared",
                            t.name.value
                        ),
                        format!("rename `{helper}`"),
                    );
                }
            }
        }
    }
}

/// One type: sourced, the containers of its consent split XML names, its fields.
fn lower_type(cx: &mut Ctx, scope: &ApiScope, enums: &[Enum], t: &RawType) -> Type {
    scope.source(cx, &t.source);
    if let Some(split) = &t.consent_split {
        cx.xml_names(
            scope.file,
            pos(&t.name),
            [&split.granted, &split.protected],
            &format!("(consent_split of `{}`)", t.name.value),
            XML_NAME_FIX,
        );
    }
    let mut seen = fields::Seen::default();
    let mut lowered = Vec::new();
    for fd in &t.fields {
        if let Some(field) = fields::lower(cx, scope, enums, t, fd, &mut seen) {
            lowered.push(field);
        }
    }
    Type {
        name: t.name.value.clone(),
        doc: t.doc.trim().to_string(),
        split: t.consent_split.as_ref().map(|s| ConsentSplit {
            granted: s.granted.clone(),
            protected: s.protected.clone(),
            note: s.note.clone(),
        }),
        fields: lowered,
        source: t.source.value.clone(),
    }
}

/// A type that contains itself without a list in between has no finite size.
fn cycles(cx: &mut Ctx, scope: &ApiScope, types: &[Type]) {
    for t in types {
        let mut stack: Vec<&str> = vec![&t.name];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            let Some(ty) = types.iter().find(|x| x.name == n) else {
                continue;
            };
            for fd in ty.fields.iter().filter(|fd| !fd.repeated) {
                if let FieldTy::Struct(inner) = &fd.ty {
                    if inner == &t.name {
                        let at = scope
                            .api
                            .types
                            .iter()
                            .find(|x| x.name.value == t.name)
                            .map(|x| pos(&x.name))
                            .unwrap_or_default();
                        cx.err(
                            scope.file,
                            at,
                            format!("type `{}` contains itself (through `{}`)", t.name, fd.wire),
                            "break the cycle with a repeated field",
                        );
                        stack.clear();
                        break;
                    }
                    if seen.insert(inner.clone()) {
                        stack.push(inner);
                    }
                }
            }
        }
    }
}
