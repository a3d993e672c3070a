//! The one namespace of an API's enums and types: UpperCamelCase names, none reserved by the
//! generated crate, each declared once.

use std::collections::BTreeMap;
use std::path::Path;

use heck::ToUpperCamelCase;

use super::names::{is_camel, RESERVED_TYPES};
use super::Ctx;
use crate::spec::{pos, Pos, Spanned};

/// The names of enums and types declared so far, with where.
pub(super) struct Namespace<'a> {
    file: &'a Path,
    names: BTreeMap<String, Pos>,
}

impl<'a> Namespace<'a> {
    /// No name declared yet in `file`.
    pub(super) fn new(file: &'a Path) -> Self {
        Namespace {
            file,
            names: BTreeMap::new(),
        }
    }

    /// Declares the name of an enum or type (`what`).
    pub(super) fn declare(&mut self, cx: &mut Ctx, name: &Spanned<String>, what: &str) {
        let f = self.file;
        if !is_camel(&name.value) {
            cx.err(
                f,
                pos(name),
                format!("{what} name `{}` is not UpperCamelCase", name.value),
                format!("write it as `{}`", name.value.to_upper_camel_case()),
            );
        }
        if RESERVED_TYPES.contains(&name.value.as_str()) {
            cx.err(
                f,
                pos(name),
                format!(
                    "{what} name `{}` is reserved by the generated crate",
                    name.value
                ),
                "choose another name",
            );
        }
        if let Some(first) = self.names.get(&name.value) {
            cx.err(
                f,
                pos(name),
                format!(
                    "duplicate type `{}` (first declared at line {})",
                    name.value, first.line
                ),
                "enums and types share one namespace; rename one",
            );
        } else {
            self.names.insert(name.value.clone(), pos(name));
        }
    }

    /// Whether `name` is declared already.
    pub(super) fn contains(&self, name: &str) -> bool {
        self.names.contains_key(name)
    }
}
