//! The identity provider's routes: `GET /saml/sso` shows the login page of a sign-in
//! request, `POST /saml/login` checks the password and answers the service with a page
//! that posts the signed answer to it, and opens the user's browser session (its cookie).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use url::form_urlencoded;

use crate::domain::sign_in::{Client, NoAttempt};
use crate::idp::sign_in::{self, NotStarted};
use crate::store::StoreError;
use crate::web::app::{host, off_workers, App};
use crate::web::pages::{
    auto_post_page, login_page, no_store_html, sign_in_problem_page, LOGIN_FIELD, PASSWORD_FIELD,
    PENDING_FIELD,
};
use crate::web::session::open_session;

/// `GET /saml/sso`: reads the `AuthnRequest` and shows the login page. The sign-in counts
/// against the client's address (the peer's, when the server was given it: see
/// [`crate::web::serve`]).
pub(crate) async fn sso(State(app): State<Arc<App>>, req: Request) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let query = req.uri().query().unwrap_or_default().to_owned();
    let started = off_workers(&app, move |app| {
        sign_in::start(&app.service, &app.idp, Client::of(peer), &query)
    })
    .await
    .unwrap_or_else(|e| {
        tracing::error!(target: "papi_sandbox", error = %e, "the sign-in task failed");
        Err(NotStarted::Unavailable(
            "The sandbox cannot start this sign-in (see its log).".to_owned(),
        ))
    });
    match started {
        Ok(started) => no_store_html(
            StatusCode::OK,
            login_page(
                &app.service.settings.users,
                &started.id,
                &started.issuer,
                &started.acs_url,
                None,
            ),
        ),
        Err(NotStarted::Refused(message)) => {
            no_store_html(StatusCode::BAD_REQUEST, sign_in_problem_page(&message))
        }
        Err(NotStarted::Unavailable(message)) => no_store_html(
            StatusCode::INTERNAL_SERVER_ERROR,
            sign_in_problem_page(&message),
        ),
    }
}

/// `GET /saml/metadata`: the identity provider's SAML 2.0 metadata, for the entity id the
/// sandbox answers with (its bound address, else the one the client reached).
pub(crate) async fn metadata(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let Some(base) = app.service.base_url(host(&headers)) else {
        return (
            StatusCode::BAD_REQUEST,
            "the sandbox does not know its base URL (no Host header)\n",
        )
            .into_response();
    };
    match app.idp.metadata(&base) {
        Ok(xml) => (
            [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
            xml,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot serve the SAML metadata");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the identity provider has no signing key (see the sandbox's log)\n",
            )
                .into_response()
        }
    }
}

/// The store's answer; `None` when the store (or the task that asked it) failed, logged.
fn logged<T>(answer: Result<Result<T, StoreError>, String>) -> Option<T> {
    match answer.and_then(|r| r.map_err(|e| e.to_string())) {
        Ok(value) => Some(value),
        Err(e) => {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot read or change a sign-in");
            None
        }
    }
}

/// `POST /saml/login`: checks the password, then answers the service.
pub(crate) async fn login(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const GONE: &str = "This sign-in request is unknown, expired or already answered: start \
                        again from the service.";
    const TOO_MANY: &str = "Too many wrong passwords: this sign-in request is cancelled. \
                            Start again from the service.";
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let pending_id = field(PENDING_FIELD);
    let store_failed = || {
        no_store_html(
            StatusCode::INTERNAL_SERVER_ERROR,
            sign_in_problem_page("The sandbox cannot read this sign-in (see its log)."),
        )
    };
    let attempt = {
        let id = pending_id.to_owned();
        off_workers(&app, move |app| app.service.store().attempt_sign_in(&id)).await
    };
    let request = match logged(attempt) {
        None => return store_failed(),
        Some(Ok(request)) => request,
        Some(Err(NoAttempt::Gone)) => {
            return no_store_html(StatusCode::BAD_REQUEST, sign_in_problem_page(GONE))
        }
        Some(Err(NoAttempt::TooMany)) => {
            return no_store_html(StatusCode::BAD_REQUEST, sign_in_problem_page(TOO_MANY))
        }
    };
    let login = field(LOGIN_FIELD);
    if !app.service.check_password(login, field(PASSWORD_FIELD)) {
        let left = {
            let id = pending_id.to_owned();
            off_workers(&app, move |app| {
                app.service.store().sign_in_attempts_left(&id)
            })
            .await
        };
        match logged(left) {
            None => return store_failed(),
            Some(0) => {
                return no_store_html(StatusCode::UNAUTHORIZED, sign_in_problem_page(TOO_MANY))
            }
            Some(_) => {}
        }
        return no_store_html(
            StatusCode::UNAUTHORIZED,
            login_page(
                &app.service.settings.users,
                pending_id,
                &request.issuer,
                &request.acs_url,
                Some("Wrong login or password."),
            ),
        );
    }
    let finished = {
        let id = pending_id.to_owned();
        off_workers(&app, move |app| app.service.store().finish_sign_in(&id)).await
    };
    let pending = match logged(finished) {
        None => return store_failed(),
        Some(None) => return no_store_html(StatusCode::BAD_REQUEST, sign_in_problem_page(GONE)),
        Some(Some(pending)) => pending,
    };
    // Off the async workers: issuing the token may write to the database, and signing
    // takes a while. The bound address wins, so the entity id matches
    // `RunningSandbox::identity_provider`; else the one the client reached.
    let cookie = open_session(&app, login).await;
    let worker = Arc::clone(&app);
    let login = login.to_owned();
    let host = host(&headers).map(str::to_owned);
    let answered = tokio::task::spawn_blocking(move || {
        let base = worker
            .service
            .base_url(host.as_deref())
            .ok_or("the sandbox does not know its base URL")?;
        let fields = sign_in::answer(&worker.service, &worker.idp, &base, &login, &pending)?;
        Ok::<_, String>(auto_post_page(&pending.request.acs_url, &fields))
    })
    .await
    .unwrap_or_else(|e| Err(format!("the sign-in task failed: {e}")));
    match answered {
        Ok(page) => {
            let mut response = no_store_html(StatusCode::OK, page);
            if let Some(cookie) = cookie {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(e) => {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot answer a SAML sign-in");
            no_store_html(
                StatusCode::INTERNAL_SERVER_ERROR,
                sign_in_problem_page("The sandbox cannot build its answer (see its log)."),
            )
        }
    }
}
