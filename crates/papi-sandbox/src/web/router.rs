//! The routes (see the crate documentation), with request logging.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::api::pipeline;
use crate::domain::consent_url::consent_page_path;
use crate::idp::provider::{METADATA_PATH, SSO_PATH};
use crate::web::app::App;
use crate::web::log::log_requests;
use crate::web::login::{login, LOGIN_PATH};
use crate::web::pages::{DECISION_PATH, SAML_LOGIN_PATH};
use crate::web::{consent, saml};

/// The routes, with request logging.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(&consent_page_path(), get(consent::page))
        .route(DECISION_PATH, post(consent::decision))
        .route(LOGIN_PATH, post(login))
        .route(SSO_PATH, get(saml::sso))
        .route(METADATA_PATH, get(saml::metadata))
        .route(SAML_LOGIN_PATH, post(saml::login))
        .fallback(api_call)
        .layer(middleware::from_fn(log_requests))
        .with_state(app)
}

/// An API call (any path not routed otherwise).
async fn api_call(State(app): State<Arc<App>>, req: Request) -> Response {
    pipeline::call(&app.service, &app.endpoints, req).await
}
