//! Serving the router on a socket until told to stop, then letting the requests in
//! progress finish. Each request carries its peer's address (`ConnectInfo<SocketAddr>`):
//! the identity provider bounds the sign-ins each client address starts.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Serves `router` on `listener` until `stop` is sent (or its sender dropped).
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        // A dropped sender stops the server too.
        let _ = stop.await;
    })
    .await
}
