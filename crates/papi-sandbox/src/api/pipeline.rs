//! A call of a client API, step by step: the endpoint, the method, the service's
//! credentials, the parameters read from the request, then (on a blocking thread when the
//! store waits on I/O) the user token, the action, its operation's reading of the
//! parameters, the consent, and the action's handler.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use papi_core::general::{ACTION_PARAM, TOKEN_PARAM};

use crate::api::actions;
use crate::api::answer::Answer;
use crate::api::call::Call;
use crate::api::credentials::credentials_ok;
use crate::api::endpoint::{Endpoint, Endpoints};
use crate::api::faults;
use crate::api::params::{Params, Violation};
use crate::api::privacy::consent;
use crate::domain::faults::Drawn;
use crate::domain::token::TokenProblem;
use crate::generated::{self, ACCESS, INVALID_CREDENTIALS, INVALID_REQUEST, INVALID_TOKEN};
use crate::service::state::Service;

/// Longest action name logged.
const LOG_LIMIT: usize = 64;

/// The action named by a call, for the request log (an extension of the response).
#[derive(Debug, Clone)]
pub(crate) struct LoggedAction(pub(crate) String);

/// Whether the request log is written (a subscriber wants `papi_sandbox` at INFO): when
/// it is not, its fields are not worked out at all.
pub(crate) fn request_log_enabled() -> bool {
    tracing::enabled!(target: "papi_sandbox", tracing::Level::INFO)
}

/// An API call (any path; unknown paths answer 404).
pub(crate) async fn call(service: &Arc<Service>, endpoints: &Endpoints, req: Request) -> Response {
    let Some(endpoint) = endpoints.get(req.uri().path()).copied() else {
        // No endpoint here: the general "access error", as the documents describe it.
        let mut answer = Answer::general(ACCESS, "no API endpoint at this path", None);
        answer.status = StatusCode::NOT_FOUND;
        return answer.into_response();
    };
    if req.method() != Method::GET && req.method() != Method::POST {
        // POST only where an upload action is served.
        let upload = endpoint.api.actions.iter().any(|a| {
            a.descriptor.path == endpoint.descriptor.path
                && a.method == generated::Method::MultipartPost
        });
        let allow = if upload { "GET, POST" } else { "GET" };
        return Answer::wrong_method(allow).into_response();
    }
    if !credentials_ok(service, req.headers()) {
        return Answer::general(
            INVALID_CREDENTIALS,
            "missing or wrong HTTP Basic service credentials",
            None,
        )
        .into_response();
    }
    // Kept to work out the base URL, which only a privacy error needs (a cheap clone: the
    // value shares the request's buffer).
    let host = req.headers().get(header::HOST).cloned();
    let params = match Params::read(req).await {
        Ok(params) => params,
        Err(e) => {
            return Answer::general(INVALID_REQUEST, &format!("unreadable request: {e}"), None)
                .into_response()
        }
    };
    let logged = request_log_enabled()
        .then(|| params.raw(ACTION_PARAM))
        .flatten()
        .map(|a| LoggedAction(a.chars().take(LOG_LIMIT).collect()));
    // Faults injected on purpose: the latency, then an error in place of the action.
    let drawn = if service.faults.is_active() {
        service
            .faults
            .draw(endpoint.api.id, params.get(ACTION_PARAM))
    } else {
        Drawn::default()
    };
    faults::wait(&drawn).await;
    if let Some(answer) = faults::answer(endpoint, &drawn) {
        return answer.into_response();
    }
    // With a database, off the async workers (the call may write to it); in memory the
    // work is a few microseconds under a lock, and the hand-off to the blocking pool cost
    // more than the call itself (profiled under wrk: BENCHMARKS.md).
    let answer = if service.store().waits() {
        let worker = Arc::clone(service);
        tokio::task::spawn_blocking(move || handle(&worker, endpoint, &params, host.as_ref()))
            .await
            .unwrap_or_else(|e| Answer::failure(format!("the call failed: {e}\n")))
    } else {
        handle(service, endpoint, &params, host.as_ref())
    };
    let mut response = faults::deliver(answer.into_response(), &drawn).await;
    if let Some(logged) = logged {
        response.extensions_mut().insert(logged);
    }
    response
}

/// The steps after the parameters are read: token, action, operation, consent, handler.
fn handle(
    service: &Service,
    endpoint: Endpoint,
    params: &Params,
    host: Option<&HeaderValue>,
) -> Answer {
    let user = match service.authorize(params.get(TOKEN_PARAM)) {
        Ok(user) => user,
        Err(TokenProblem::Unchecked) => {
            return Answer::failure(format!("{}\n", TokenProblem::Unchecked.explain()))
        }
        Err(problem) => return Answer::general(INVALID_TOKEN, problem.explain(), None),
    };
    let api = endpoint.api;
    let Some(name) = params.get(ACTION_PARAM) else {
        return Answer::api(
            endpoint,
            api.unknown_action,
            format!("the parameter `{ACTION_PARAM}` is missing"),
        );
    };
    let Some(action) = api
        .actions
        .iter()
        .find(|a| a.wire == name && a.descriptor.path == endpoint.descriptor.path)
    else {
        let shown: String = name.chars().take(LOG_LIMIT).collect();
        return Answer::api(
            endpoint,
            api.unknown_action,
            format!(
                "the action `{shown}` is unknown at {} (parameter `{ACTION_PARAM}`)",
                endpoint.descriptor.path
            ),
        );
    };
    // Each action has its own method: a GET action sent by POST, or an upload sent by GET,
    // is refused before its parameters are read.
    let upload = action.method == generated::Method::MultipartPost;
    if params.posted() != upload {
        return Answer::wrong_method(if upload { "POST" } else { "GET" });
    }
    // The parameters, read and checked by the action's operation, as the clients check
    // them before sending.
    let input = params
        .wire(action.params)
        .and_then(|mut wire| generated::read(action.id, &mut wire));
    let input = match input {
        Ok(input) => input,
        Err(e) => {
            return match Violation::of(e, params) {
                Violation::Missing(detail) => Answer::api(endpoint, api.missing_parameter, detail),
                Violation::Invalid(detail) => Answer::api(endpoint, api.invalid_parameter, detail),
            }
        }
    };
    let protected = match consent(service, &user.login, api, action, || {
        service.base_url(host.and_then(|h| h.to_str().ok()))
    }) {
        Ok(protected) => protected,
        Err(answer) => return answer,
    };
    let call = Call {
        service,
        user,
        endpoint,
        api,
        protected,
    };
    actions::run(&call, input)
}
