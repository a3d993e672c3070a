//! The answer size cap: a 1 GiB answer streamed by a local server (never held by the test
//! either) is refused once the cap is passed, and the heap in use stays bounded by about
//! the cap. Heap use is measured by a counting global allocator, so this binary holds a
//! single test: nothing else allocates while it measures.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, Request, Response};
use papi_core::config::DEFAULT_MAX_BODY_BYTES;
use papi_core::{Config, Error, TransportErrorKind};
use papi_tests::sample;
use support::{credentials, token, Clients};
use tokio::sync::Notify;

/// Heap in use and its peak, in bytes.
struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;
/// One chunk of the endless answer, served from static memory (no allocation per chunk).
static CHUNK: [u8; 64 * 1024] = [b' '; 64 * 1024];

/// What the streaming server did.
#[derive(Default)]
struct Served {
    /// Bytes handed to the HTTP server so far.
    produced: AtomicU64,
    /// Signalled when a body stream is dropped (the server gave up on it).
    dropped: Notify,
}

/// Signals [`Served::dropped`] when the body stream goes away.
struct DropGuard(Arc<Served>);
impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.dropped.notify_one();
    }
}

/// 1 GiB of spaces after an XML start, in 64 KiB chunks; with `declared`, announced by a
/// `Content-Length` header, else sent chunked.
fn gigabyte(served: Arc<Served>, declared: bool) -> Response<Body> {
    let start = Bytes::from_static(b"<?xml version=\"1.0\"?><xpage>");
    let guard = DropGuard(served);
    let stream = futures_util::stream::unfold((0u64, guard), |(sent, guard)| async move {
        if sent >= GIB {
            return None;
        }
        let chunk = Bytes::from_static(&CHUNK);
        guard
            .0
            .produced
            .fetch_add(chunk.len() as u64, Ordering::Relaxed);
        Some((
            Ok::<_, Infallible>(chunk),
            (sent + CHUNK.len() as u64, guard),
        ))
    });
    let head = futures_util::stream::iter([Ok::<_, Infallible>(start)]);
    let body = Body::from_stream(futures_util::StreamExt::chain(head, stream));
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if declared {
        response.headers_mut().insert(
            header::CONTENT_LENGTH,
            HeaderValue::from(GIB + 29), // the XML start and the spaces
        );
    }
    response
}

async fn start_server(served: Arc<Served>) -> String {
    let app = axum::Router::new().fallback(move |req: Request<Body>| {
        let served = served.clone();
        async move { gigabyte(served, req.uri().path().starts_with("/declared")) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Calls getcontact against `base` with `cap`, returns the error and the peak heap growth.
async fn refused(base: &str, cap: u64) -> (papi_core::TransportError, usize) {
    let config = Config::custom(base, credentials())
        .unwrap()
        .with_max_body_bytes(cap);
    let clients = Clients::new(&config);
    let baseline = CURRENT.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let err = clients
        .contacts
        .get_contact(&token(), "1")
        .await
        .expect_err("a 1 GiB answer must be refused");
    let growth = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);
    let Error::Transport(t) = err else {
        panic!("{err:?}")
    };
    (t, growth)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gigabyte_answer_is_refused_at_the_cap_with_bounded_memory() {
    // 1. The cap is a limit, not a guess: an answer just under it passes, just over fails.
    let server = wiremock::MockServer::start().await;
    let valid = sample("samples/contacts/getcontact.corrected.xml");
    let cap = 256 * 1024;
    for (pad, passes) in [
        (cap as usize - valid.len(), true),
        (cap as usize - valid.len() + 1, false),
    ] {
        let mut body = valid.clone();
        body.extend(std::iter::repeat_n(b'\n', pad));
        server.reset().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_raw(body, "text/xml"))
            .mount(&server)
            .await;
        let config = Config::custom(&server.uri(), credentials())
            .unwrap()
            .with_max_body_bytes(cap);
        let result = Clients::new(&config)
            .contacts
            .get_contact(&token(), "1")
            .await;
        match result {
            Ok(_) => assert!(
                passes,
                "{} bytes passed a {cap}-byte cap",
                valid.len() + pad
            ),
            Err(Error::Transport(t)) => {
                assert!(!passes, "{t}");
                assert_eq!(t.kind(), TransportErrorKind::BodyTooLarge);
            }
            Err(other) => panic!("{other:?}"),
        }
    }

    // 2. 1 GiB streamed, chunked (no length announced) and with its Content-Length.
    let served = Arc::new(Served::default());
    let base = start_server(served.clone()).await;
    let mut figures = Vec::new();
    for (mode, cap) in [
        ("chunked", DEFAULT_MAX_BODY_BYTES),
        ("chunked", MIB),
        ("declared", DEFAULT_MAX_BODY_BYTES),
    ] {
        served.produced.store(0, Ordering::Relaxed);
        let dropped = served.dropped.notified();
        let (err, growth) = refused(&format!("{base}/{mode}"), cap).await;
        assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge, "{err}");
        assert_eq!(err.body_limit(), Some(cap));
        assert!(!err.is_retryable());
        assert!(
            err.to_string().contains(&format!("{cap}-byte cap")),
            "{err}"
        );
        // The server notices the client went away and stops producing.
        dropped.await;
        let produced = served.produced.load(Ordering::Relaxed);
        figures.push(format!(
            "{mode}, cap {cap} B: server produced {produced} B of 1 GiB, client heap peak +{growth} B"
        ));
        // What was produced is the cap plus what the socket buffers held: far from 1 GiB.
        assert!(produced < cap + 64 * MIB, "{}", figures.last().unwrap());
        // The heap holds the body read so far (at most the cap) plus one growth step of it
        // and the HTTP buffers; never the answer.
        assert!(
            (growth as u64) < 2 * cap + 4 * MIB,
            "{}",
            figures.last().unwrap()
        );
        if mode == "declared" {
            // Refused from the announced length alone, before reading the body.
            assert!((growth as u64) < 4 * MIB, "{}", figures.last().unwrap());
        }
    }

    // 3. The blocking transport: the same cap, read into the same one buffer.
    let cap = MIB;
    served.produced.store(0, Ordering::Relaxed);
    let config = Config::custom(&format!("{base}/chunked"), credentials())
        .unwrap()
        .with_max_body_bytes(cap);
    let baseline = CURRENT.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let err = tokio::task::spawn_blocking(move || {
        papi_contacts::blocking::Client::new(&config)
            .unwrap()
            .get_contact(&token(), "1")
            .expect_err("a 1 GiB answer must be refused")
    })
    .await
    .unwrap();
    let growth = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);
    let Error::Transport(t) = err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::BodyTooLarge, "{t}");
    assert_eq!(t.body_limit(), Some(cap));
    figures.push(format!(
        "blocking, chunked, cap {cap} B: client heap peak +{growth} B"
    ));
    assert!(
        (growth as u64) < 2 * cap + 4 * MIB,
        "{}",
        figures.last().unwrap()
    );
    for f in &figures {
        eprintln!("body cap: {f}");
    }
}
