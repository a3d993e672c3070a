//! Enums: a name in the types' namespace, a source, and at least one value, each value with a
//! unique wire value and a unique snake_case name other than the reserved `other`.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

use super::names::is_snake;
use super::namespace::Namespace;
use super::{ApiScope, Ctx};
use crate::ir::{Enum, EnumValue};
use crate::spec::{pos, RawEnum};

/// One enum, its name declared in `namespace`.
pub(super) fn lower(
    cx: &mut Ctx,
    scope: &ApiScope,
    namespace: &mut Namespace,
    e: &RawEnum,
) -> Enum {
    let f = scope.file;
    namespace.declare(cx, &e.name, "enum");
    scope.source(cx, &e.source);
    if e.values.value.is_empty() {
        cx.err(
            f,
            pos(&e.values),
            format!("enum `{}` has no values", e.name.value),
            "list its documented values, or use `type: string` if they are unknown",
        );
    }
    let mut wires = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut values = Vec::new();
    for v in &e.values.value {
        if !wires.insert(v.wire.value.clone()) {
            cx.err(
                f,
                pos(&v.wire),
                format!(
                    "duplicate value `{}` in enum `{}`",
                    v.wire.value, e.name.value
                ),
                "list each value once",
            );
        }
        if !is_snake(&v.name.value) {
            cx.err(
                f,
                pos(&v.name),
                format!("enum value name `{}` is not snake_case", v.name.value),
                format!("write it as `{}`", v.name.value.to_snake_case()),
            );
        }
        if v.name.value == "other" {
            cx.err(
                f,
                pos(&v.name),
                "enum value name `other` is reserved for values the spec does not list",
                "choose another name",
            );
        }
        if !names.insert(v.name.value.clone()) {
            cx.err(
                f,
                pos(&v.name),
                format!(
                    "duplicate value name `{}` in enum `{}`",
                    v.name.value, e.name.value
                ),
                "give each value its own name",
            );
        }
        values.push(EnumValue {
            wire: v.wire.value.clone(),
            variant: v.name.value.to_upper_camel_case(),
            doc: v.doc.trim().to_string(),
        });
    }
    Enum {
        name: e.name.value.clone(),
        doc: e.doc.trim().to_string(),
        values,
        source: e.source.value.clone(),
    }
}
