//! A local server serving fixed bytes at one path, counting connections and requests.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::routing::get;
use axum::serve::ListenerExt as _;
use axum::Router;

/// Counters of a running [`FixedServer`].
#[derive(Debug, Default)]
pub struct Counters {
    /// TCP connections accepted.
    pub connections: AtomicU64,
    /// Requests answered.
    pub requests: AtomicU64,
}

impl Counters {
    /// Current (connections, requests).
    pub fn get(&self) -> (u64, u64) {
        (
            self.connections.load(Ordering::Relaxed),
            self.requests.load(Ordering::Relaxed),
        )
    }
}

/// A server on 127.0.0.1 (its own thread and single-threaded tokio runtime) answering
/// `GET <path>` with fixed bytes (`text/xml`), whatever the query.
pub struct FixedServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its counters.
    pub counters: Arc<Counters>,
}

impl FixedServer {
    /// Starts the server; it runs until the process ends.
    pub fn start(path: &str, body: Vec<u8>) -> std::io::Result<Self> {
        let counters = Arc::new(Counters::default());
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let body = axum::body::Bytes::from(body);
        let (c1, c2) = (counters.clone(), counters.clone());
        let app = Router::new().route(
            path,
            get(move || {
                let body = body.clone();
                c1.requests.fetch_add(1, Ordering::Relaxed);
                async move { ([("content-type", "text/xml; charset=UTF-8")], body) }
            }),
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("fixed-server".into())
            .spawn(move || {
                rt.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(std_listener) {
                        Ok(l) => l,
                        Err(e) => {
                            eprintln!("fixed server: {e}");
                            return;
                        }
                    };
                    let listener = listener.tap_io(move |_io| {
                        c2.connections.fetch_add(1, Ordering::Relaxed);
                    });
                    if let Err(e) = axum::serve(listener, app).await {
                        eprintln!("fixed server: {e}");
                    }
                })
            })?;
        Ok(Self { addr, counters })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
