//! Tables of error codes (the general one of `common.yaml` and each API's own): known roles
//! given once, sourced codes, unique codes and snake_case names.

use std::collections::BTreeSet;
use std::path::Path;

use heck::{ToSnakeCase, ToUpperCamelCase};

use super::names::is_snake;
use super::sources::Sources;
use super::Ctx;
use crate::ir::ErrorCode;
use crate::spec::{pos, RawErrorCode, Spanned};

/// Roles an error code may have (what it answers, for servers that speak the protocol).
pub const ROLES: &[&str] = &[
    "invalid_token",
    "invalid_request",
    "invalid_credentials",
    "access",
    "unknown_action",
    "missing_parameter",
    "invalid_parameter",
];

/// Roles the general table must provide (the sandbox's fallbacks).
pub const GENERAL_ROLES: &[&str] = &[
    "invalid_token",
    "invalid_request",
    "invalid_credentials",
    "access",
];

/// A table of codes; an API's codes must not repeat a `general` one.
pub(super) fn lower(
    cx: &mut Ctx,
    sources: &Sources,
    file: &Path,
    raw: &[RawErrorCode],
    general: &[ErrorCode],
) -> Vec<ErrorCode> {
    let mut seen_codes = BTreeSet::new();
    let mut seen_names = BTreeSet::new();
    let mut seen_roles = BTreeSet::new();
    let mut out = Vec::new();
    for e in raw {
        if let Some(role) = &e.role {
            check_role(cx, file, role, &mut seen_roles);
        }
        sources.check(cx, file, &e.source);
        if !seen_codes.insert(e.code.value) {
            cx.err(
                file,
                pos(&e.code),
                format!("duplicate error code {}", e.code.value),
                "list each code once",
            );
        }
        if general.iter().any(|g| g.code == e.code.value) {
            cx.err(
                file,
                pos(&e.code),
                format!("error code {} is already a general code", e.code.value),
                "general codes are declared once, in common.yaml",
            );
        }
        check_name(cx, file, &e.name, &mut seen_names);
        out.push(ErrorCode {
            code: e.code.value,
            variant: e.name.value.to_upper_camel_case(),
            wire: e.wire.clone(),
            message: e.message.clone(),
            doc: e.doc.trim().to_string(),
            retryable: e.retryable,
            consent: e.consent,
            role: e.role.as_ref().map(|r| r.value.clone()),
            source: e.source.value.clone(),
        });
    }
    out
}

/// A known role, given to one code of the table.
fn check_role(cx: &mut Ctx, file: &Path, role: &Spanned<String>, seen: &mut BTreeSet<String>) {
    if !ROLES.contains(&role.value.as_str()) {
        cx.err(
            file,
            pos(role),
            format!("unknown error role `{}`", role.value),
            format!("use one of: {}", ROLES.join(", ")),
        );
    }
    if !seen.insert(role.value.clone()) {
        cx.err(
            file,
            pos(role),
            format!("two codes have the role `{}`", role.value),
            "give each role to one code",
        );
    }
}

/// A snake_case name, not the reserved `unknown`, unique in the table.
fn check_name(cx: &mut Ctx, file: &Path, name: &Spanned<String>, seen: &mut BTreeSet<String>) {
    if !is_snake(&name.value) {
        cx.err(
            file,
            pos(name),
            format!("error name `{}` is not snake_case", name.value),
            format!("write it as `{}`", name.value.to_snake_case()),
        );
    }
    if name.value == "unknown" {
        cx.err(
            file,
            pos(name),
            "error name `unknown` is reserved for codes the spec does not list",
            "choose another name",
        );
    }
    if !seen.insert(name.value.clone()) {
        cx.err(
            file,
            pos(name),
            format!("duplicate error name `{}`", name.value),
            "give each code its own name",
        );
    }
}
