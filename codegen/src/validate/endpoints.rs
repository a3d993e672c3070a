//! Endpoints, of an API and of an action that has its own: a path from the root, and for each
//! environment a sourced absolute URL (HTTPS when `common.yaml` requires it) or the reason it
//! is unknown.

use super::{ApiScope, Ctx};
use crate::ir::{ActionEndpoint, Endpoint};
use crate::spec::{pos, RawEndpoint, RawEndpoints};

/// The API's production and integration endpoints.
pub(super) fn api(cx: &mut Ctx, scope: &ApiScope) -> (Endpoint, Endpoint) {
    let (a, f) = (scope.api, scope.file);
    if !a.endpoints.path.value.starts_with('/') {
        cx.err(
            f,
            pos(&a.endpoints.path),
            format!(
                "endpoint path `{}` must start with `/`",
                a.endpoints.path.value
            ),
            "write it as on the server, e.g. `/PersonalContacts/V1`",
        );
    }
    // The SAML identity provider's URLs are browser redirects, not API calls.
    let https_check = scope.common.https_required && a.sso.is_none();
    let production = lower(
        cx,
        scope,
        &a.endpoints.production,
        "production",
        https_check,
    );
    let integration = lower(
        cx,
        scope,
        &a.endpoints.integration,
        "integration",
        https_check,
    );
    (production, integration)
}

/// The endpoints of an action that differ from its API's (an older version).
pub(super) fn action(cx: &mut Ctx, scope: &ApiScope, e: &RawEndpoints) -> ActionEndpoint {
    if !e.path.value.starts_with('/') {
        cx.err(
            scope.file,
            pos(&e.path),
            format!("endpoint path `{}` must start with `/`", e.path.value),
            "write it as on the server, e.g. `/PersonalMessages/V1`",
        );
    }
    let https_required = scope.common.https_required;
    ActionEndpoint {
        path: e.path.value.clone(),
        production: lower(cx, scope, &e.production, "production", https_required),
        integration: lower(cx, scope, &e.integration, "integration", https_required),
    }
}

/// One environment's endpoint (`which`).
fn lower(
    cx: &mut Ctx,
    scope: &ApiScope,
    e: &RawEndpoint,
    which: &str,
    https_required: bool,
) -> Endpoint {
    let f = scope.file;
    scope.source(cx, &e.source);
    match (&e.url, &e.unknown) {
        (Some(u), None) => {
            if https_required && u.value.starts_with("http://") {
                cx.err(
                    f,
                    pos(u),
                    format!(
                        "{which} endpoint `{}` is plain HTTP but common.yaml requires HTTPS",
                        u.value
                    ),
                    "write the https:// URL the documents give",
                );
            }
            if !(u.value.starts_with("https://") || u.value.starts_with("http://")) {
                cx.err(
                    f,
                    pos(u),
                    format!(
                        "{which} endpoint `{}` is not an absolute http(s) URL",
                        u.value
                    ),
                    "write the full URL",
                );
            }
        }
        (None, Some(_)) => {}
        _ => cx.err(
            f,
            pos(&e.source),
            format!("{which} endpoint must have exactly one of `url` and `unknown`"),
            "give the URL, or say why it is unknown",
        ),
    }
    Endpoint {
        url: e.url.as_ref().map(|u| u.value.clone()),
        unknown: e.unknown.clone(),
        source: e.source.value.clone(),
    }
}
