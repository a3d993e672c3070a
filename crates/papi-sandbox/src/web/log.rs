//! The request log: each request at INFO (target `papi_sandbox`), with method, path, the
//! query with its secrets shown as `***`, action, status and duration.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use papi_core::general::TOKEN_PARAM;
use url::form_urlencoded;

use crate::api::pipeline::{request_log_enabled, LoggedAction};
use crate::web::pages::PASSWORD_FIELD;

/// The query with the token (and any password) shown as `***`.
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|segment| {
            let key = form_urlencoded::parse(segment.as_bytes())
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            if key == TOKEN_PARAM || key == PASSWORD_FIELD {
                let raw_key = segment.split('=').next().unwrap_or_default();
                format!("{raw_key}=***")
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Logs each request: method, path, redacted query, action, status, duration.
pub(crate) async fn log_requests(req: Request, next: Next) -> Response {
    if !request_log_enabled() {
        return next.run(req).await;
    }
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(redact_query).unwrap_or_default();
    let response = next.run(req).await;
    let action = response
        .extensions()
        .get::<LoggedAction>()
        .map(|a| a.0.clone());
    tracing::info!(
        target: "papi_sandbox",
        method = %method,
        path = %path,
        query = %query,
        action = ?action.as_deref().unwrap_or("-"),
        status = response.status().as_u16(),
        duration_ms = start.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_reaches_the_log() {
        assert_eq!(
            redact_query("action=getcontact&cid=1&token=s%2Bcret"),
            "action=getcontact&cid=1&token=***"
        );
        assert_eq!(redact_query("token=abc"), "token=***");
        assert_eq!(redact_query("a=1"), "a=1");
    }
}
