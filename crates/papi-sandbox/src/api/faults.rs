//! The injected faults of a call (see [`crate::Faults`]): the latency waited, an error of
//! the spec's tables answered in place of the action (which then does not run), or the
//! action's answer cut short or dropped on the wire.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream;

use crate::api::answer::Answer;
use crate::api::endpoint::Endpoint;
use crate::domain::faults::{Drawn, Fault};
use crate::generated::ErrorAnswer;

/// What the detail of an injected error says.
const DETAIL: &str = "fault injected by the papi sandbox (see its --faults)";

/// The error answered in place of the action, when the fault is one.
pub(crate) fn answer(endpoint: Endpoint, drawn: &Drawn) -> Option<Answer> {
    let (mut answer, status) = match drawn.fault? {
        Fault::General { code, status } => (Answer::general(code, DETAIL, None), status),
        Fault::Api { code, status } => (
            Answer::api(
                endpoint,
                ErrorAnswer {
                    code,
                    in_api_envelope: true,
                },
                DETAIL.to_owned(),
            ),
            status,
        ),
        _ => return None,
    };
    if let Some(status) = status.and_then(|s| StatusCode::from_u16(s).ok()) {
        answer.status = status;
    }
    Some(answer)
}

/// Waits the drawn latency, if any.
pub(crate) async fn wait(drawn: &Drawn) {
    if let Some(latency) = drawn.latency.filter(|l| *l > Duration::ZERO) {
        tokio::time::sleep(latency).await;
    }
}

/// The action's answer as the fault delivers it: cut after half its body, or with no body
/// at all; in both cases the connection ends there (its `Content-Length` announces the
/// whole body).
pub(crate) async fn deliver(response: Response, drawn: &Drawn) -> Response {
    let keep = match drawn.fault {
        Some(Fault::Truncated) => Keep::Half,
        Some(Fault::Closed) => Keep::Nothing,
        _ => return response,
    };
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let kept = match keep {
        Keep::Half => bytes.slice(..bytes.len() / 2),
        Keep::Nothing => bytes.slice(..0),
    };
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let cut = std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "fault injected");
    let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> = if kept.is_empty() {
        vec![Err(cut)]
    } else {
        vec![Ok(kept), Err(cut)]
    };
    Response::from_parts(parts, Body::from_stream(stream::iter(chunks)))
}

enum Keep {
    Half,
    Nothing,
}
