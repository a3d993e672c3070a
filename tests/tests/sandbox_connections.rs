//! The sandbox's limits on connections, attacked over raw TCP: a request head sent slowly
//! (slowloris) or not at all is cut off, a kept-alive connection left idle is closed, and
//! at the cap the connection idle the longest makes room for a new one, while a new one
//! is closed at once when every connection is answering a request. The flood of idle
//! connections under a small descriptor limit, with the defaults, is
//! `crates/papi-cli/tests/cli.rs` `an_idle_flood_does_not_keep_a_request_from_being_answered`.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use base64::Engine as _;
use papi_sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn serve(config: SandboxConfig) -> RunningSandbox {
    Sandbox::new(config)
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap()
}

fn addr(running: &RunningSandbox) -> String {
    running
        .base_url()
        .as_str()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// How long until the server closes `stream` (reads until end of stream or an error),
/// giving up after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    let read_all = async {
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    };
    tokio::time::timeout(limit, read_all)
        .await
        .ok()
        .map(|()| start.elapsed())
}

/// A whole request for a path no API serves, answered 404 by the sandbox.
fn request(addr: &str, close: bool) -> Vec<u8> {
    let connection = if close { "close" } else { "keep-alive" };
    format!("GET /nowhere HTTP/1.1\r\nHost: {addr}\r\nConnection: {connection}\r\n\r\n")
        .into_bytes()
}

/// Sends a request on a new connection and reads the whole answer.
async fn answered(addr: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(&request(addr, true)).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_sent_slowly_or_not_at_all_is_cut_off() {
    let running = serve(SandboxConfig {
        header_read_timeout: Duration::from_millis(400),
        ..SandboxConfig::default()
    })
    .await;
    let addr = addr(&running);
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Slowloris: one more byte of a header every 50 ms, never the end of the head.
    let trickle = async {
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if slow.write_all(b"a").await.is_err() {
                break;
            }
        }
        slow
    };
    let (mut slow, silent_closed) =
        tokio::join!(trickle, closed_within(&mut silent, Duration::from_secs(5)));
    let silent_closed = silent_closed.expect("a silent connection is closed");
    assert!(
        silent_closed >= Duration::from_millis(300),
        "{silent_closed:?}"
    );
    // The trickle stopped because the server closed the connection (well before 100
    // bytes at 50 ms each).
    assert!(
        closed_within(&mut slow, Duration::from_millis(500))
            .await
            .is_some(),
        "a slow head is cut off"
    );
    assert!(answered(&addr).await.starts_with("HTTP/1.1 404"));
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_left_idle_is_closed() {
    let running = serve(SandboxConfig {
        idle_timeout: Duration::from_millis(300),
        ..SandboxConfig::default()
    })
    .await;
    let addr = addr(&running);
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    stream.write_all(&request(&addr, false)).await.unwrap();
    let mut head = vec![0u8; 512];
    let n = stream.read(&mut head).await.unwrap();
    assert!(head[..n].starts_with(b"HTTP/1.1 404"));
    // Kept alive: a second request is answered on the same connection…
    stream.write_all(&request(&addr, false)).await.unwrap();
    let n = stream.read(&mut head).await.unwrap();
    assert!(head[..n].starts_with(b"HTTP/1.1 404"));
    // …then, idle, the connection is closed (well before the head read timeout, 10 s).
    let closed = closed_within(&mut stream, Duration::from_secs(5))
        .await
        .expect("an idle kept-alive connection is closed");
    assert!(closed >= Duration::from_millis(200), "{closed:?}");
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_the_connection_idle_the_longest_makes_room() {
    let running = serve(SandboxConfig {
        max_connections: 3,
        ..SandboxConfig::default()
    })
    .await;
    let addr = addr(&running);
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(&addr).await.unwrap());
        // Accepted in this order.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A fourth connection is served; the first one, idle the longest, is closed for it.
    let start = Instant::now();
    assert!(answered(&addr).await.starts_with("HTTP/1.1 404"));
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(
        closed_within(&mut idle[0], Duration::from_secs(1))
            .await
            .is_some(),
        "the oldest idle connection is closed"
    );
    for stream in &mut idle[1..] {
        assert!(
            closed_within(stream, Duration::from_millis(100))
                .await
                .is_none(),
            "only one connection makes room per new one"
        );
    }
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_with_every_connection_busy_a_new_one_is_closed_at_once() {
    let sandbox = Sandbox::new(SandboxConfig {
        max_connections: 2,
        ..SandboxConfig::default()
    });
    let running = sandbox
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let addr = addr(&running);
    let creds = sandbox.service_credentials();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        creds.id(),
        creds.expose_password()
    ));
    let path = papi_contacts::API.path;
    // Two uploads whose bodies never come: both connections are answering a request.
    let mut busy = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {basic}\r\n\
             Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1000\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        busy.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut refused = TcpStream::connect(&addr).await.unwrap();
    let _ = refused.write_all(&request(&addr, true)).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(1), refused.read_to_end(&mut answer))
        .await
        .expect("the connection over the cap is closed at once");
    assert!(
        read.is_err() || answer.is_empty(),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // The busy ones are not cut: one of them ends, and a new connection is served.
    drop(busy.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(answered(&addr).await.starts_with("HTTP/1.1 404"));
    drop(busy);
    running.shutdown().await;
}
