//! The consent page (`GET` on the documented privacy page's path) and the user's decision
//! (`POST /privacy/decision`); and the form a program posts for the user.
//!
//! Only the consent's own user decides it, signed in one of two ways:
//!
//! - a browser session ([`crate::web::session`]) of that user, opened by the identity
//!   provider's login page or by this page's own login form; the decision then carries the
//!   session's form token (`csrf`), and must come from the sandbox's own page (`Origin`,
//!   else `Referer`, when the browser sends them);
//! - or the user's login and password in the decision itself: the consent page's login
//!   form, and the shortcut for scripts ([`decision_form`]). This also opens a session.
//!
//! The service's credentials and the consent id are never enough. The page sends the user
//! back (`urlRetour`) only to loopback or to one of the service's registered sites
//! ([`crate::SandboxConfig::site_origins`]); another return URL gets an error page, before
//! and after the decision, never a redirect.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use papi_core::general::CONSENT_URL;
use url::{form_urlencoded, Url};

use crate::domain::consent::{ConsentChoice, ConsentKey, Decision};
use crate::domain::consent_url::CONSENT_ID_PARAM;
use crate::domain::session::Session;
use crate::service::consent::Decided;
use crate::util::secret::constant_time_eq;
use crate::web::app::off_workers;
use crate::web::app::App;
use crate::web::pages::{
    consent_page, consent_problem_page, decided_page, no_store_html, Answering, CSRF_FIELD,
    DECISION_FIELD, DECISION_PATH, LOGIN_FIELD, PASSWORD_FIELD,
};
use crate::web::session::{open_session, same_origin, session_id};

const UNKNOWN: &str = "This consent request is unknown or has already been answered.";
const OTHER_USER: &str = "This consent request is another user's: only they can answer it.";

fn query_value(uri: &Uri, name: &str) -> Option<String> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A page of the consent flow saying what went wrong.
fn problem(status: StatusCode, message: &str) -> Response {
    no_store_html(status, consent_problem_page(message))
}

/// `GET` on the consent page: the decision form for the consent's signed-in user, else a
/// form that asks for their login and password too.
pub(crate) async fn page(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let id = query_value(&uri, CONSENT_ID_PARAM).unwrap_or_default();
    let return_url = query_value(&uri, CONSENT_URL.return_url).filter(|r| !r.is_empty());
    let key = match pending(&app, &id).await {
        Ok(Some(key)) => key,
        Ok(None) => return problem(StatusCode::NOT_FOUND, UNKNOWN),
        Err(page) => return page,
    };
    if let Some(Err(why)) = return_url.as_deref().map(|r| app.service.return_url(r)) {
        return problem(StatusCode::BAD_REQUEST, &why);
    }
    let session = session(&app, &headers).await;
    let other;
    let answering = match &session {
        Some(s) if s.login == key.user => Answering::Session { csrf: &s.csrf },
        Some(s) => {
            other = format!(
                "You are signed in as {}; this request is for {}.",
                s.login, key.user
            );
            Answering::SignIn { note: Some(&other) }
        }
        None => Answering::SignIn { note: None },
    };
    no_store_html(
        StatusCode::OK,
        consent_page(&id, &key, return_url.as_deref(), answering),
    )
}

/// Who answers a decision, once signed in.
struct Answerer {
    login: String,
    /// The `Set-Cookie` of a session opened by this answer (signed in by password).
    new_session: Option<HeaderValue>,
}

/// `POST` of the consent page's form.
pub(crate) async fn decision(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !same_origin(&headers, app.service.settings.public_origin.as_ref()) {
        return problem(
            StatusCode::FORBIDDEN,
            "This answer was sent from another site: answer on the consent page itself.",
        );
    }
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let Some(decision) = field(DECISION_FIELD).and_then(Decision::from_form) else {
        return problem(StatusCode::BAD_REQUEST, "Choose one of the three answers.");
    };
    let id = field(CONSENT_ID_PARAM).unwrap_or_default().to_owned();
    let return_url = match field(CONSENT_URL.return_url).map(|r| app.service.return_url(r)) {
        None => None,
        Some(Ok(url)) => Some(url),
        Some(Err(why)) => return problem(StatusCode::BAD_REQUEST, &why),
    };
    let answerer = match field(LOGIN_FIELD) {
        Some(login) => by_password(&app, login, field(PASSWORD_FIELD)).await,
        None => by_session(&app, &headers, field(CSRF_FIELD)).await,
    };
    let answerer = match answerer {
        Ok(answerer) => answerer,
        Err(not) => return not.answer(&app, &id, return_url.as_ref()).await,
    };
    let service = Arc::clone(&app.service);
    let login = answerer.login.clone();
    let decided =
        tokio::task::spawn_blocking(move || service.decide_consent(&login, &id, decision))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
    let mut response = match decided {
        Ok(Decided::Made(key)) => after_decision(&key, decision, return_url),
        Ok(Decided::Unknown) => problem(StatusCode::NOT_FOUND, UNKNOWN),
        Ok(Decided::OtherUser) => problem(StatusCode::FORBIDDEN, OTHER_USER),
        Err(e) => {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot store a consent decision");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The sandbox cannot store this decision (see its log).",
            )
        }
    };
    if let Some(cookie) = answerer.new_session {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The consent request waiting under `id` (read off the async workers when the store waits
/// on I/O); else the page saying that the store cannot be read.
async fn pending(app: &Arc<App>, id: &str) -> Result<Option<ConsentKey>, Response> {
    let id = id.to_owned();
    let read = off_workers(app, move |app| {
        app.service.pending_consent(&id).map_err(|e| e.to_string())
    })
    .await
    .and_then(|read| read);
    read.map_err(|e| {
        tracing::error!(target: "papi_sandbox", error = %e, "cannot read a consent request");
        problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The sandbox cannot read this consent request (see its log).",
        )
    })
}

/// The browser session the request's cookie names, if open (read off the async workers
/// when the store waits on I/O).
async fn session(app: &Arc<App>, headers: &HeaderMap) -> Option<Session> {
    let id = session_id(headers)?;
    off_workers(app, move |app| app.service.session(&id))
        .await
        .unwrap_or_else(|e| {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot read a browser session");
            None
        })
}

/// The answer to a decision made: back to the service, or a page saying what was decided.
fn after_decision(key: &ConsentKey, decision: Decision, return_url: Option<Url>) -> Response {
    match return_url.and_then(|u| HeaderValue::from_str(u.as_str()).ok()) {
        Some(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        None => no_store_html(StatusCode::OK, decided_page(key, decision)),
    }
}

/// Why a decision is refused before it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotAnswerer {
    /// A wrong login or password.
    WrongPassword,
    /// No session, or an expired one.
    NotSignedIn,
    /// The form token is not the session's: not the consent page's own form.
    NotFromThePage,
}

impl NotAnswerer {
    /// The answer: the consent page again after a wrong password (if the request is
    /// known), else a page saying why.
    async fn answer(self, app: &Arc<App>, id: &str, return_url: Option<&Url>) -> Response {
        match self {
            Self::WrongPassword => match pending(app, id).await {
                Ok(Some(key)) => {
                    let page = consent_page(
                        id,
                        &key,
                        return_url.map(Url::as_str),
                        Answering::SignIn {
                            note: Some("Wrong login or password."),
                        },
                    );
                    no_store_html(StatusCode::UNAUTHORIZED, page)
                }
                Ok(None) => problem(StatusCode::NOT_FOUND, UNKNOWN),
                Err(page) => page,
            },
            Self::NotSignedIn => problem(
                StatusCode::FORBIDDEN,
                "You are not signed in (or your session has expired): open the consent page \
                 again and sign in.",
            ),
            Self::NotFromThePage => problem(
                StatusCode::FORBIDDEN,
                "This answer does not come from the consent page: open it again and answer \
                 there.",
            ),
        }
    }
}

/// The answerer of a decision made with a login and password: the user, signed in by it.
async fn by_password(
    app: &Arc<App>,
    login: &str,
    password: Option<&str>,
) -> Result<Answerer, NotAnswerer> {
    if !app
        .service
        .check_password(login, password.unwrap_or_default())
    {
        return Err(NotAnswerer::WrongPassword);
    }
    let new_session = open_session(app, login).await;
    Ok(Answerer {
        login: login.to_owned(),
        new_session,
    })
}

/// The answerer of a decision made in a browser session: its user, when the form carries
/// the session's form token.
async fn by_session(
    app: &Arc<App>,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<Answerer, NotAnswerer> {
    let session = session(app, headers)
        .await
        .ok_or(NotAnswerer::NotSignedIn)?;
    let sent = csrf.unwrap_or_default();
    if !constant_time_eq(sent.as_bytes(), session.csrf.as_bytes()) {
        return Err(NotAnswerer::NotFromThePage);
    }
    Ok(Answerer {
        login: session.login,
        new_session: None,
    })
}

/// The form that answers a consent request with `choice` as the user `login` (with their
/// `password`), for programs that act as the user (demos, tests, scripts): the decision
/// URL and its form fields, to post as `application/x-www-form-urlencoded`.
/// `consent_redirect` is the URL the service sent the browser to (the `-3` URL with
/// `urlRetour` appended); `None` when it is not one of this sandbox's consent URLs.
///
/// This is the documented shortcut past the browser session: it takes the user's own
/// login and password, never the service's credentials. The answer is a redirect (303) to
/// the return URL when there is one.
pub fn decision_form(
    consent_redirect: &Url,
    choice: ConsentChoice,
    login: &str,
    password: &str,
) -> Option<(Url, Vec<(&'static str, String)>)> {
    let pairs: HashMap<String, String> = consent_redirect.query_pairs().into_owned().collect();
    let id = pairs.get(CONSENT_ID_PARAM)?.clone();
    let decision = Decision::from(choice);
    let mut fields = vec![
        (CONSENT_ID_PARAM, id),
        (DECISION_FIELD, decision.form_value().to_owned()),
        (LOGIN_FIELD, login.to_owned()),
        (PASSWORD_FIELD, password.to_owned()),
    ];
    if let Some(back) = pairs.get(CONSENT_URL.return_url) {
        fields.push((CONSENT_URL.return_url, back.clone()));
    }
    let url = consent_redirect.join(DECISION_PATH).ok()?;
    Some((url, fields))
}
