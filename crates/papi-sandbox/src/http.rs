//! Routes and request handling: credentials, token, action, parameters (read by the
//! action's operation), privacy, then the action; plus the consent page, the decision form and the login shortcut.

use std::collections::HashMap;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use papi_core::general::{ACTION_PARAM, CONSENT_URL, TOKEN_PARAM};
use url::{form_urlencoded, Url};

use crate::actions::{self, Call};
use crate::answer::Answer;
use crate::endpoint::Endpoint;
use crate::generated::{
    self, ACCESS, INVALID_CREDENTIALS, INVALID_REQUEST, INVALID_TOKEN, PRIVACY_DENIED,
};
use crate::params::{Params, Violation};
use crate::privacy::{self, Access, ConsentKey, Decision, CONSENT_ID_PARAM, DECISION_FIELD};
use crate::saml;
use crate::state::{base_url_from, Shared};
use crate::util::{constant_time_eq, lock, random_hex};
use crate::Sandbox;

/// The developer login shortcut.
const LOGIN_PATH: &str = "/sandbox/login";
/// Its form fields.
const LOGIN_FIELD: &str = "login";
const PASSWORD_FIELD: &str = "password";
/// Longest action name logged.
const LOG_LIMIT: usize = 64;

const TEXT: &str = "text/plain; charset=utf-8";

/// The routes, with request logging.
pub(crate) fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route(&privacy::consent_page_path(), get(consent_page))
        .route(privacy::DECISION_PATH, post(decision))
        .route(LOGIN_PATH, post(login))
        .route(saml::SSO_PATH, get(saml::sso))
        .route(saml::LOGIN_PATH, post(saml::login))
        .fallback(api_call)
        .layer(middleware::from_fn(log_requests))
        .with_state(sandbox)
}

/// The action named by a call, for the request log.
#[derive(Debug, Clone)]
struct LoggedAction(String);

/// Whether the HTTP Basic credentials are the configured service's.
fn credentials_ok(shared: &Shared, headers: &HeaderMap) -> bool {
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
    let config = &shared.config;
    // Both compared, whatever the first gives.
    let id_ok = constant_time_eq(id.as_bytes(), config.service_id.as_bytes());
    let password_ok = constant_time_eq(password.as_bytes(), config.service_password.as_bytes());
    id_ok & password_ok
}

/// An API call (any path not routed otherwise; unknown paths answer 404).
async fn api_call(State(sandbox): State<Sandbox>, req: Request) -> Response {
    let shared = &sandbox.shared;
    let Some(endpoint) = shared.endpoints.get(req.uri().path()).copied() else {
        // No endpoint here: the general "access error", as the documents describe it.
        let mut answer = Answer::general(ACCESS, "no API endpoint at this path", None);
        answer.status = StatusCode::NOT_FOUND;
        return answer.into_response();
    };
    if req.method() != Method::GET && req.method() != Method::POST {
        // POST only where an upload action is served.
        let upload = endpoint.api.actions.iter().any(|a| {
            a.descriptor.path == endpoint.descriptor.path
                && a.method == crate::generated::Method::MultipartPost
        });
        let allow = if upload { "GET, POST" } else { "GET" };
        return Answer::wrong_method(allow).into_response();
    }
    if !credentials_ok(shared, req.headers()) {
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
    // With a database, off the async workers (the call may write to it); in memory the
    // work is a few microseconds under a lock, and the hand-off to the blocking pool cost
    // more than the call itself (profiled under wrk: BENCHMARKS.md).
    let answer = if sandbox.shared.store.is_some() {
        let worker = sandbox.clone();
        tokio::task::spawn_blocking(move || {
            handle(&worker.shared, endpoint, &params, host.as_ref())
        })
        .await
        .unwrap_or_else(|e| Answer::failure(format!("the call failed: {e}\n")))
    } else {
        handle(&sandbox.shared, endpoint, &params, host.as_ref())
    };
    let mut response = answer.into_response();
    if let Some(logged) = logged {
        response.extensions_mut().insert(logged);
    }
    response
}

fn handle(
    shared: &Shared,
    endpoint: Endpoint,
    params: &Params,
    host: Option<&HeaderValue>,
) -> Answer {
    let login = match shared.user_of(params.get(TOKEN_PARAM)) {
        Ok(login) => login,
        Err(problem) => return Answer::general(INVALID_TOKEN, problem.explain(), None),
    };
    let Some(user) = shared.users.get(&login) else {
        return Answer::general(INVALID_TOKEN, "the token's user is unknown", None);
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
    let upload = action.method == crate::generated::Method::MultipartPost;
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
    let key = ConsentKey {
        user: login,
        service: shared.config.service_id.clone(),
        family: privacy::family_of(api),
        attribute: action.privacy_attribute,
    };
    let access = match shared.check_consent(&key) {
        Ok(access) => access,
        Err(e) => return Answer::not_stored(&e),
    };
    let protected = match access {
        Access::Granted => false,
        Access::Refused if action.protected_answer => true,
        Access::Refused | Access::Denied => {
            return privacy_denied(shared, key, base_url_from(shared, host).as_ref())
        }
    };
    let call = Call {
        shared,
        user,
        endpoint,
        api,
        protected,
    };
    actions::run(&call, input)
}

/// The privacy error, with the URL of a new consent request.
fn privacy_denied(shared: &Shared, key: ConsentKey, base: Option<&Url>) -> Answer {
    let (Some(id), Some(base)) = (random_hex(16), base) else {
        return Answer::general(
            PRIVACY_DENIED,
            "no consent; the sandbox cannot make a consent request",
            None,
        );
    };
    let url = privacy::consent_url(base, &key, &id);
    let detail = match key.attribute {
        Some(a) => format!(
            "the user has not consented to `{a}` of the family `{}`",
            key.family
        ),
        None => format!("the user has not consented to the family `{}`", key.family),
    };
    lock(&shared.consents).ask(key, id);
    Answer::general(PRIVACY_DENIED, &detail, url.as_ref())
}

fn query_value(uri: &Uri, name: &str) -> Option<String> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn html(status: StatusCode, page: String) -> Response {
    (status, Html(page)).into_response()
}

/// `GET` on the consent page.
async fn consent_page(State(sandbox): State<Sandbox>, uri: Uri) -> Response {
    let id = query_value(&uri, CONSENT_ID_PARAM).unwrap_or_default();
    let return_url = query_value(&uri, CONSENT_URL.return_url);
    let consents = lock(&sandbox.shared.consents);
    match consents.pending(&id) {
        Some(key) => html(
            StatusCode::OK,
            privacy::consent_page(&id, key, return_url.as_deref()),
        ),
        None => html(
            StatusCode::NOT_FOUND,
            privacy::problem_page("This consent request is unknown or has already been answered."),
        ),
    }
}

/// `POST` of the consent page's form.
async fn decision(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let Some(decision) = form
        .get(DECISION_FIELD)
        .and_then(|d| Decision::from_form(d))
    else {
        return html(
            StatusCode::BAD_REQUEST,
            privacy::problem_page("Choose one of the three answers."),
        );
    };
    let id = form
        .get(CONSENT_ID_PARAM)
        .map(String::as_str)
        .unwrap_or_default();
    let id = id.to_owned();
    let worker = sandbox.clone();
    let decided = tokio::task::spawn_blocking(move || worker.shared.decide(&id, decision))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    let key = match decided {
        Ok(Some(key)) => key,
        Ok(None) => {
            return html(
                StatusCode::NOT_FOUND,
                privacy::problem_page(
                    "This consent request is unknown or has already been answered.",
                ),
            )
        }
        Err(e) => {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot store a consent decision");
            return html(
                StatusCode::INTERNAL_SERVER_ERROR,
                privacy::problem_page("The sandbox cannot store this decision (see its log)."),
            );
        }
    };
    let back = privacy::usable_return_url(form.get(CONSENT_URL.return_url).map(String::as_str));
    match back.and_then(|u| HeaderValue::from_str(u.as_str()).ok()) {
        Some(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        None => html(StatusCode::OK, privacy::decided_page(&key, decision)),
    }
}

/// `POST /sandbox/login`: a token for a login and password.
async fn login(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let (Some(login), Some(password)) = (form.get(LOGIN_FIELD), form.get(PASSWORD_FIELD)) else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, TEXT)],
            "give `login` and `password` as a form\n",
        )
            .into_response();
    };
    if !sandbox.shared.check_password(login, password) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, TEXT)],
            "wrong login or password\n",
        )
            .into_response();
    }
    let login = login.clone();
    let worker = sandbox.clone();
    let issued = tokio::task::spawn_blocking(move || worker.issue_token(&login))
        .await
        .ok()
        .flatten();
    match issued {
        Some(token) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, TEXT)],
            token.expose().to_owned(),
        )
            .into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

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

/// Whether the request log is written (a subscriber wants `papi_sandbox` at INFO): when
/// it is not, its fields are not worked out at all.
fn request_log_enabled() -> bool {
    tracing::enabled!(target: "papi_sandbox", tracing::Level::INFO)
}

/// Logs each request: method, path, redacted query, action, status, duration.
async fn log_requests(req: Request, next: Next) -> Response {
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
    use crate::endpoint::endpoints;

    #[test]
    fn every_api_is_served_at_the_root_and_under_int() {
        let map = endpoints();
        for path in [
            "/PersonalContacts/V1",
            "/int/PersonalContacts/V1",
            "/PersonalMessages/V2",
            "/PersonalMessages/V1",
            "/int/PersonalMessages/V1",
            "/PersonalRichProfile/V1",
            "/int/PersonalRichProfile/V1",
            "/PersonalCalendar/V1",
            "/int/PersonalCalendar/V1",
        ] {
            assert!(map.contains_key(path), "{path}");
        }
        assert_eq!(map["/PersonalMessages/V1"].api.id, "messages");
        assert_eq!(
            map["/PersonalMessages/V1"].descriptor.path,
            "/PersonalMessages/V1"
        );
    }

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
