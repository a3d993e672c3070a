//! The first step of a call: the service's HTTP Basic credentials.

use axum::http::{header, HeaderMap};
use base64::Engine as _;

use crate::service::state::Service;

/// Whether the request's HTTP Basic credentials are the configured service's.
pub(crate) fn credentials_ok(service: &Service, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Ok(decoded) = String::from_utf8(decoded) else {
        return false;
    };
    let Some((id, password)) = decoded.split_once(':') else {
        return false;
    };
    service.service_credentials_ok(id, password)
}
