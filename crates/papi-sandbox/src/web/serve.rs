//! Serving the router on a socket: a tokio accept loop handing each connection to hyper's
//! HTTP/1.1 server, with a time limit on request heads, an idle limit on kept-alive
//! connections and a cap on connections; until told to stop, then the requests in
//! progress finish. Each request carries its peer's address (`ConnectInfo<SocketAddr>`):
//! the identity provider bounds the sign-ins each client address starts.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

use crate::web::connections::{Admitted, Busy, Full, Registry};

/// What a client is allowed on its connections.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// From when a connection is ready for a request (accepted, or its previous answer
    /// sent) until the request's head is read.
    pub(crate) header_read_timeout: Duration,
    /// How long a kept-alive connection waits after an answer for its next request.
    pub(crate) idle_timeout: Duration,
    /// Most connections served at once.
    pub(crate) max_connections: usize,
}

/// How long the accept loop pauses after an error that is not one connection's (out of
/// file descriptors, most likely), so that it never spins.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// Least time between two warnings about refused connections or accept errors.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` within `limits` until `stop` is sent (or its sender
/// dropped), then lets the requests in progress finish.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    mut stop: oneshot::Receiver<()>,
) -> io::Result<()> {
    let registry = Registry::new(limits.max_connections);
    // Every connection task holds a receiver: the sender sees them all gone.
    let (done, running) = watch::channel(());
    let mut sweep = tokio::time::interval(sweep_period(limits.idle_timeout));
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut warned: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = sweep.tick() => {
                registry.close_idle(limits.idle_timeout);
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match registry.admit() {
                    Ok(admitted) => {
                        let task = connection(stream, peer, router.clone(), admitted, limits);
                        let running = running.clone();
                        tokio::spawn(async move {
                            task.await;
                            drop(running);
                        });
                    }
                    Err(Full) => {
                        warn_rarely(&mut warned, || tracing::warn!(
                            target: "papi_sandbox",
                            max_connections = limits.max_connections,
                            "every connection is answering a request: new connections are closed"
                        ));
                        drop(stream);
                    }
                },
                Err(e) if is_connection_error(&e) => {}
                Err(e) => {
                    warn_rarely(&mut warned, || tracing::warn!(
                        target: "papi_sandbox",
                        error = %e,
                        "cannot accept a connection; closing the one idle the longest"
                    ));
                    registry.make_room();
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
        }
    }
    drop(listener);
    registry.close_all();
    drop(running);
    done.closed().await;
    Ok(())
}

/// How often kept-alive connections are checked for idleness: a few times per limit.
fn sweep_period(idle_timeout: Duration) -> Duration {
    (idle_timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
}

/// Runs `warn` unless it ran less than [`WARN_EVERY`] ago: a flood does not flood the log.
fn warn_rarely(last: &mut Option<Instant>, warn: impl FnOnce()) {
    if last.is_none_or(|t| t.elapsed() >= WARN_EVERY) {
        *last = Some(Instant::now());
        warn();
    }
}

/// An error of one connection, gone before it was accepted.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// Serves one connection until it ends, or until it is told to close: at once when no
/// request is being answered, else after the answer in progress.
/// The connection is forgotten when `admitted` is dropped, at the end. Its requests carry
/// `peer`, the client's address.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    admitted: Admitted,
    limits: Limits,
) {
    let this = Arc::clone(admitted.connection());
    let for_requests = Arc::clone(&this);
    let tower = TowerToHyperService::new(router);
    let service = service_fn(move |req: hyper::Request<Incoming>| {
        // Busy from the request's head read until its answer is sent (the body, with the
        // mark, dropped).
        let busy = for_requests.busy();
        let mut req = req.map(Body::new);
        req.extensions_mut().insert(ConnectInfo(peer));
        let answer = hyper::service::Service::call(&tower, req);
        async move {
            let answer = answer.await?;
            Ok::<_, Infallible>(answer.map(|body| Answering { body, _busy: busy }))
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let served = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(served);
    let told = this.told_to_close();
    tokio::pin!(told);
    let mut closing = false;
    loop {
        tokio::select! {
            result = served.as_mut() => {
                if let Err(e) = result {
                    tracing::trace!(target: "papi_sandbox", error = %e, "connection ended");
                }
                break;
            }
            () = told.as_mut(), if !closing => {
                if !this.is_busy() {
                    // Nothing to finish (a head half read is no request yet): close now.
                    break;
                }
                closing = true;
                served.as_mut().graceful_shutdown();
            }
        }
    }
}

/// An answer's body, which keeps its connection marked busy until it is sent.
struct Answering {
    body: Body,
    _busy: Busy,
}

impl HttpBody for Answering {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
