//! The request log: each request at INFO (target `papi_sandbox`), with method, path, the
//! query with its secrets (the user token, a password, the consent id) shown as `***`,
//! action, status and duration.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use papi_core::general::TOKEN_PARAM;
use url::form_urlencoded;

use crate::api::pipeline::{request_log_enabled, LoggedAction};
use crate::domain::consent_url::CONSENT_ID_PARAM;
use crate::web::pages::PASSWORD_FIELD;

/// The query parameters whose values are never logged: the user token, a password, and
/// the consent id (it names a user's pending consent request; before decisions were bound
/// to the user's session, whoever held it could answer for the user).
const SECRET_PARAMS: [&str; 3] = [TOKEN_PARAM, PASSWORD_FIELD, CONSENT_ID_PARAM];

/// The query with the values of [`SECRET_PARAMS`] shown as `***`.
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|segment| {
            let key = form_urlencoded::parse(segment.as_bytes())
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            if SECRET_PARAMS.contains(&key.as_str()) {
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

    #[test]
    fn the_consent_id_and_passwords_never_reach_the_log() {
        let query = format!(
            "family=contact&{CONSENT_ID_PARAM}=0123abcd&urlRetour=https%3A%2F%2Fmy.site%2F"
        );
        assert_eq!(
            redact_query(&query),
            format!("family=contact&{CONSENT_ID_PARAM}=***&urlRetour=https%3A%2F%2Fmy.site%2F")
        );
        assert_eq!(
            redact_query("password=pw&login=alice"),
            "password=***&login=alice"
        );
    }
}
