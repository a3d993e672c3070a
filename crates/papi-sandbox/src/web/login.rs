//! `POST /sandbox/login`: the developer shortcut that gives a user token for a login and
//! password, skipping the SAML sign-in.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use url::form_urlencoded;

use crate::web::app::App;
use crate::web::pages::{LOGIN_FIELD, PASSWORD_FIELD};

/// The shortcut's path; its form has the login page's fields.
pub(crate) const LOGIN_PATH: &str = "/sandbox/login";

const TEXT: &str = "text/plain; charset=utf-8";

/// `POST /sandbox/login`: a token for a login and password.
pub(crate) async fn login(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let (Some(login), Some(password)) = (form.get(LOGIN_FIELD), form.get(PASSWORD_FIELD)) else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, TEXT)],
            "give `login` and `password` as a form\n",
        )
            .into_response();
    };
    if !app.service.check_password(login, password) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, TEXT)],
            "wrong login or password\n",
        )
            .into_response();
    }
    let login = login.clone();
    let service = Arc::clone(&app.service);
    let issued = tokio::task::spawn_blocking(move || service.issue_token(&login))
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
