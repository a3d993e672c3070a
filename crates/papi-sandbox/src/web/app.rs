//! What the routes share: the service, the identity provider and the served paths.

use std::sync::Arc;

use crate::api::endpoint::Endpoints;
use crate::idp::provider::Idp;
use crate::service::state::Service;

/// The state of every route.
pub(crate) struct App {
    pub(crate) service: Arc<Service>,
    pub(crate) idp: Idp,
    pub(crate) endpoints: Endpoints,
}

/// Runs `work` on the app: off the async workers (on tokio's blocking threads) when its
/// store waits on I/O, else here. `Err` when the blocking task failed.
pub(crate) async fn off_workers<T: Send + 'static>(
    app: &Arc<App>,
    work: impl FnOnce(&App) -> T + Send + 'static,
) -> Result<T, String> {
    if app.service.store().waits() {
        let app = Arc::clone(app);
        tokio::task::spawn_blocking(move || work(&app))
            .await
            .map_err(|e| e.to_string())
    } else {
        Ok(work(app))
    }
}

/// The `Host` header of a request, as text.
pub(crate) fn host(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
}
