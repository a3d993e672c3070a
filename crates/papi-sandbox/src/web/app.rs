//! What the routes share: the service, the identity provider and the served paths.

use std::sync::Arc;

use crate::api::endpoint::Endpoints;
use crate::idp::provider::Idp;
use crate::service::state::Service;

/// The state of every route.
pub(crate) struct App {
    pub(crate) service: Arc<Service>,
    pub(crate) idp: Idp,
    pub(crate) endpoints: Endpoints,
}

/// The `Host` header of a request, as text.
pub(crate) fn host(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
}
