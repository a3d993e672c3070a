//! Serving the router on a socket until told to stop, then letting the requests in
//! progress finish.

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Serves `router` on `listener` until `stop` is sent (or its sender dropped).
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            // A dropped sender stops the server too.
            let _ = stop.await;
        })
        .await
}
