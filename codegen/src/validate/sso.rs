//! Single sign-on: an API described by its SAML exchange rather than by actions, every fact
//! sourced, one identity provider per known environment, each with its certificate or the
//! reason it is unknown.

use std::collections::BTreeSet;

use super::{ApiScope, Ctx};
use crate::ir::{Idp, Sso};
use crate::spec::{pos, RawIdp, RawSso};

/// The API's `sso:`, when it has one; such an API has no query-string actions.
pub(super) fn lower(cx: &mut Ctx, scope: &ApiScope) -> Option<Sso> {
    let a = scope.api;
    let sso = a.sso.as_ref().map(|sso| lower_sso(cx, scope, sso));
    if sso.is_some() && !a.actions.is_empty() {
        cx.err(
            scope.file,
            pos(&a.api),
            "an API with `sso` has no query-string actions",
            "describe the SAML exchange under `sso:` only",
        );
    }
    sso
}

fn lower_sso(cx: &mut Ctx, scope: &ApiScope, sso: &RawSso) -> Sso {
    scope.source(cx, &sso.source);
    scope.source(cx, &sso.token_attribute.source);
    scope.source(cx, &sso.request_binding.source);
    scope.source(cx, &sso.response_binding.source);
    if let Some(w) = &sso.want_authn_requests_signed {
        scope.source(cx, &w.source);
    }
    if let Some(t) = &sso.token_shape {
        scope.source(cx, &t.source);
    }
    let mut envs = BTreeSet::new();
    let mut idps = Vec::new();
    for idp in &sso.idp {
        idps.push(lower_idp(cx, scope, idp, &mut envs));
    }
    Sso {
        protocol: sso.protocol.clone(),
        token_attribute: sso.token_attribute.value.clone(),
        request_binding: sso.request_binding.uri.clone(),
        response_binding: sso.response_binding.uri.clone(),
        response_binding_note: sso.response_binding.note.clone(),
        want_authn_requests_signed: sso.want_authn_requests_signed.as_ref().map(|w| w.value),
        idps,
        token_shape: sso.token_shape.as_ref().map(|t| t.doc.trim().to_string()),
        source: sso.source.value.clone(),
    }
}

/// One identity provider, for an environment not seen yet (`envs`).
fn lower_idp(cx: &mut Ctx, scope: &ApiScope, idp: &RawIdp, envs: &mut BTreeSet<String>) -> Idp {
    let f = scope.file;
    scope.source(cx, &idp.source);
    scope.source(cx, &idp.certificate.source);
    let env = &idp.environment;
    if !["production", "integration"].contains(&env.value.as_str()) {
        cx.err(
            f,
            pos(env),
            format!("unknown environment `{}`", env.value),
            "use `production` or `integration`",
        );
    }
    if !envs.insert(env.value.clone()) {
        cx.err(
            f,
            pos(env),
            format!("duplicate identity provider for `{}`", env.value),
            "list each environment once",
        );
    }
    let certificate = match (&idp.certificate.pem, &idp.certificate.unknown) {
        (Some(p), None) => Ok(p.clone()),
        (None, Some(u)) => Err(u.clone()),
        _ => {
            cx.err(
                f,
                pos(&idp.certificate.source),
                "certificate must have exactly one of `pem` and `unknown`",
                "give the PEM, or say why it is unknown",
            );
            Err(String::new())
        }
    };
    Idp {
        environment: env.value.clone(),
        entity_id: idp.entity_id.clone(),
        sso_url: idp.sso_url.clone(),
        sso_bindings: idp.sso_bindings.clone(),
        manage_name_id_url: idp.manage_name_id_url.clone(),
        nameid_formats: idp.nameid_formats.clone(),
        certificate,
        source: idp.source.value.clone(),
    }
}
