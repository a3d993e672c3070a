//! What an API call is answered with: a document of the API (success, general or API
//! error), a sandbox failure, or a refused method; and how it becomes an HTTP response.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use papi_core::encode::EncodeError;
use papi_core::GeneralError;
use url::Url;

use crate::api::endpoint::Endpoint;
use crate::generated::{ErrorAnswer, INVALID_CREDENTIALS};
use crate::store::StoreError;

const XML: &str = "text/xml; charset=UTF-8";
const TEXT: &str = "text/plain; charset=utf-8";
/// Realm of the Basic challenge.
const REALM: &str = "Basic realm=\"papi-sandbox\"";

/// An answer of an API call.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    body: Body,
    challenge: bool,
}

/// The body of an [`Answer`].
enum Body {
    /// An XML document, or why it could not be encoded.
    Xml(Result<String, EncodeError>),
    /// A plain-text explanation of a sandbox failure (not a document of the API).
    Failure(String),
    /// HTTP 405: the action is sent with another method (the one in `Allow`).
    WrongMethod(&'static str),
}

impl Answer {
    /// A success document.
    pub(crate) fn ok(body: Result<String, EncodeError>) -> Self {
        Self {
            status: StatusCode::OK,
            body: Body::Xml(body),
            challenge: false,
        }
    }

    /// A change that could not be stored (HTTP 500, plain text; logged): the sandbox's own
    /// failure, not an answer of the API.
    pub(crate) fn not_stored(e: &StoreError) -> Self {
        Self::store_failed(e, "cannot store a change", "store this change")
    }

    /// Data that could not be read (HTTP 500, plain text; logged): the sandbox's own
    /// failure, not an answer of the API.
    pub(crate) fn not_read(e: &StoreError) -> Self {
        Self::store_failed(e, "cannot read the user's data", "read its data")
    }

    /// The store failed: the cause (file paths, the database's words) goes to the log as
    /// `logged`, the caller reads that the sandbox cannot `what`.
    fn store_failed(e: &StoreError, logged: &str, what: &str) -> Self {
        tracing::error!(target: "papi_sandbox", error = %e, "{logged}");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: Body::Failure(format!("the sandbox cannot {what}; see its log\n")),
            challenge: false,
        }
    }

    /// HTTP 405 for an action sent with another method than its own, named in `Allow`.
    pub(crate) fn wrong_method(allow: &'static str) -> Self {
        Self {
            status: StatusCode::METHOD_NOT_ALLOWED,
            body: Body::WrongMethod(allow),
            challenge: false,
        }
    }

    /// A sandbox failure (HTTP 500, plain text).
    pub(crate) fn failure(message: String) -> Self {
        tracing::error!(target: "papi_sandbox", error = %message, "cannot answer a call");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: Body::Failure(message),
            challenge: false,
        }
    }

    /// A general error document: HTTP 401 for bad credentials, else 500.
    pub(crate) fn general(code: i64, detail: &str, url: Option<&Url>) -> Self {
        // The documents' general envelope carries the code's name as its detail; the
        // sandbox's explanation goes to the log instead.
        let detail = match GeneralError::from_code(code) {
            Some(g) => {
                tracing::debug!(code, explanation = detail, "general error answered");
                g.wire_name().to_owned()
            }
            None => detail.to_owned(),
        };
        let credentials = code == INVALID_CREDENTIALS;
        Self {
            status: if credentials {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            },
            body: Body::Xml(papi_core::encode::general_error(
                code,
                &detail,
                url.map(Url::as_str),
            )),
            challenge: credentials,
        }
    }

    /// The documented answer to a kind of violation, in the envelope the table names.
    pub(crate) fn api(endpoint: Endpoint, answer: ErrorAnswer, detail: String) -> Self {
        if !answer.in_api_envelope {
            return Self::general(answer.code, &detail, None);
        }
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: Body::Xml(papi_core::encode::api_error(
                endpoint.descriptor,
                answer.code,
                &detail,
                None,
            )),
            challenge: false,
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = match self.body {
            Body::WrongMethod(allow) => (self.status, [(header::ALLOW, allow)]).into_response(),
            Body::Failure(text) => {
                (self.status, [(header::CONTENT_TYPE, TEXT)], text).into_response()
            }
            Body::Xml(Ok(xml)) => (self.status, [(header::CONTENT_TYPE, XML)], xml).into_response(),
            Body::Xml(Err(e)) => {
                tracing::error!(target: "papi_sandbox", error = %e, "cannot encode an answer");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, TEXT)],
                    format!("the sandbox cannot encode its answer: {e}"),
                )
                    .into_response()
            }
        };
        if self.challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(REALM));
        }
        response
    }
}
