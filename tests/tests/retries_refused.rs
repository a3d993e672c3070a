//! A refused connection is retried for a read, never for an upload, then reported. Nothing
//! reaches a server to count, so the attempts are counted in papi's own trace, with a
//! global capturing subscriber: this test has its own binary, so no other test's threads
//! race the subscriber (a thread-local subscriber made it flaky in the shared binary).

mod support;

use std::time::Duration;

use papi_core::{Config, RetryPolicy, TransportErrorKind};
use support::{call, credentials, Clients, Outcome};
use tracing_subscriber::util::SubscriberInitExt;

const ATTEMPTS: u32 = 3;

fn policy(attempts: u32) -> RetryPolicy {
    RetryPolicy::new(attempts).with_backoff(Duration::from_millis(1), Duration::from_millis(2))
}

fn clients(base: &str, retry: RetryPolicy) -> Clients {
    Clients::new(
        &Config::custom(base, credentials())
            .unwrap()
            .with_retry(retry),
    )
}

#[tokio::test]
async fn a_refused_connection_is_retried_for_a_read_then_reported() {
    // A port that was just free: every attempt is refused; the last error is returned.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Nothing reaches a server to count, so the attempts are counted in papi's own trace.
    let (subscriber, captured) = support::capturing_subscriber();
    subscriber.init();
    let c = clients(&format!("http://127.0.0.1:{port}"), policy(ATTEMPTS));
    for (wire, attempts) in [("getcontact", ATTEMPTS as usize), ("addpicture", 1)] {
        let before = captured.text().len();
        let (got, _) = call(&c, wire).await;
        assert_eq!(
            got,
            Outcome::Transport(TransportErrorKind::Connect),
            "{wire}"
        );
        let trace = captured.text()[before..].to_owned();
        let sent = trace
            .lines()
            .filter(|l| l.contains("papi: sending") && l.contains(&format!("action=\"{wire}\"")))
            .count();
        assert_eq!(sent, attempts, "{wire}:\n{trace}");
        let retried = trace.matches("papi: retrying a read").count();
        assert_eq!(retried, attempts - 1, "{wire}:\n{trace}");
    }
}
