//! Retries, through every generated client action against local servers that count what
//! reaches them: reads are sent again on connection failures, timeouts and the documented
//! internal-error codes; writes (`add*`, uploads) never are, whatever the failure. The
//! read/write marker comes from the spec (`effect:`), checked here against the table the
//! tests use.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use papi_core::{Config, Effect, RetryPolicy, TransportErrorKind};
use papi_tests::{sample, spec_dir};
use support::{call, credentials, Clients, Outcome, ACTIONS};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

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

/// A general error document (`<error><code>n</code>…`), as any API may answer it.
fn general_error(code: i64) -> String {
    format!("<?xml version=\"1.0\"?><error><code>{code}</code><detail>Exception</detail></error>")
}

async fn always(server: &MockServer, status: u16, body: &str) {
    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_raw(body.to_owned(), "text/xml"))
        .mount(server)
        .await;
}

#[test]
fn the_test_table_of_effects_is_the_specs() {
    let suite = papi_codegen::load(&spec_dir()).expect("the spec loads");
    let mut from_spec: Vec<(String, Effect)> = suite
        .apis
        .iter()
        .flat_map(|api| &api.actions)
        .map(|a| {
            let effect = match a.effect {
                papi_codegen::ir::Effect::Read => Effect::Read,
                papi_codegen::ir::Effect::Write => Effect::Write,
            };
            (a.wire.clone(), effect)
        })
        .collect();
    let mut table: Vec<(String, Effect)> = ACTIONS
        .iter()
        .map(|a| (a.wire.to_owned(), a.effect))
        .collect();
    from_spec.sort_by(|a, b| a.0.cmp(&b.0));
    table.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(table, from_spec);
    // Every add* action and every upload is a write.
    for api in &suite.apis {
        for a in &api.actions {
            if a.wire.starts_with("add") || a.method == papi_codegen::ir::Method::MultipartPost {
                assert_eq!(a.effect, papi_codegen::ir::Effect::Write, "{}", a.wire);
            }
        }
    }
}

#[tokio::test]
async fn reads_are_retried_on_internal_error_codes_and_writes_never_are() {
    let server = MockServer::start().await;
    let c = clients(&server.uri(), policy(ATTEMPTS));
    let mut executions = 0;
    let mut writes_checked = 0;
    // The general codes documented as internal errors, with the status the real servers
    // used for errors (500) and with 200; and a 503 without an error document.
    let faults: Vec<(u16, String, Outcome)> = vec![
        (500, general_error(-2), Outcome::Api(-2)),
        (200, general_error(-4), Outcome::Api(-4)),
        (500, general_error(-5), Outcome::Api(-5)),
        (200, general_error(-6), Outcome::Api(-6)),
        (500, general_error(-9), Outcome::Api(-9)),
        (
            503,
            "Service Unavailable".to_owned(),
            Outcome::Unexpected(503),
        ),
    ];
    for action in ACTIONS {
        for (status, body, expected) in &faults {
            always(&server, *status, body).await;
            let (got, _) = call(&c, action.wire).await;
            executions += 1;
            assert_eq!(&got, expected, "{}", action.wire);
            let sent = server.received_requests().await.unwrap().len();
            match action.effect {
                Effect::Read => assert_eq!(sent, ATTEMPTS as usize, "{} {body}", action.wire),
                Effect::Write => {
                    assert_eq!(sent, 1, "write {} sent {sent} times", action.wire);
                    writes_checked += 1;
                }
            }
        }
    }
    eprintln!("retries on codes: {executions} calls, {writes_checked} writes checked sent once");
}

#[tokio::test]
async fn errors_that_will_not_pass_are_never_retried() {
    let server = MockServer::start().await;
    let c = clients(&server.uri(), policy(ATTEMPTS));
    // Invalid token, consent needed, invalid request, credentials refused, access error,
    // an unknown status, a decode error.
    let faults = [
        (500, general_error(-1)),
        (500, general_error(-3)),
        (200, general_error(-7)),
        (500, general_error(-8)),
        (200, general_error(-10)),
        (404, "Not Found".to_owned()),
        (200, "<html/>".to_owned()),
    ];
    for action in ACTIONS {
        for (status, body) in &faults {
            always(&server, *status, body).await;
            let (got, _) = call(&c, action.wire).await;
            assert!(!matches!(got, Outcome::Ok(_)), "{} {body}", action.wire);
            let sent = server.received_requests().await.unwrap().len();
            // An undocumented answer (`<html/>` with 200) is a success for those actions.
            assert_eq!(sent, 1, "{} {body}: {got:?}", action.wire);
        }
    }
}

#[tokio::test]
async fn an_api_specific_internal_code_is_retried_for_a_read() {
    let server = MockServer::start().await;
    let c = clients(&server.uri(), policy(ATTEMPTS));
    // Messages documents 203, 204, 501, 503, 504 as internal errors.
    always(
        &server,
        200,
        "<getPersonalMessagesReturn><error><code>503</code><detail>Internal</detail></error></getPersonalMessagesReturn>",
    )
    .await;
    let (got, _) = call(&c, "getPersonalMessages").await;
    assert_eq!(got, Outcome::Api(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_read_that_passes_on_a_later_attempt_succeeds() {
    let server = MockServer::start().await;
    let c = clients(&server.uri(), policy(ATTEMPTS));
    for action in ACTIONS
        .iter()
        .filter(|a| a.effect == Effect::Read && a.decoded)
    {
        server.reset().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(500).set_body_string(general_error(-2)))
            .up_to_n_times(2)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(sample(action.sample.unwrap()), "text/xml"),
            )
            .with_priority(2)
            .mount(&server)
            .await;
        let (got, _) = call(&c, action.wire).await;
        assert!(matches!(got, Outcome::Ok(_)), "{}: {got:?}", action.wire);
        assert_eq!(server.received_requests().await.unwrap().len(), 3);
    }
}

#[tokio::test]
async fn without_a_policy_nothing_is_retried() {
    let server = MockServer::start().await;
    let c = Clients::at(&server.uri());
    for action in ACTIONS {
        always(&server, 500, &general_error(-2)).await;
        let (got, _) = call(&c, action.wire).await;
        assert_eq!(got, Outcome::Api(-2));
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}

/// How the front spoils the first connections.
#[derive(Clone, Copy)]
enum Fault {
    /// Accept, then close at once: the request gets no answer.
    Close,
    /// Accept and never answer (the client's request timeout fires).
    Silent,
}

/// A TCP front for `target` that spoils the first `faults` connections and forwards the
/// others byte for byte; counts every connection.
async fn flaky_front(
    target: SocketAddr,
    faults: usize,
    fault: Fault,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                return;
            };
            let n = count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if n < faults {
                    match fault {
                        Fault::Close => drop(inbound),
                        // Swallow the request until the client gives up and closes.
                        Fault::Silent => {
                            let _ = tokio::io::copy(&mut inbound, &mut tokio::io::sink()).await;
                        }
                    }
                } else if let Ok(mut outbound) = TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (format!("http://{addr}"), connections)
}

#[tokio::test]
async fn reads_are_retried_on_closed_connections_and_writes_never_are() {
    let server = MockServer::start().await;
    let mut executions = 0;
    for action in ACTIONS {
        let body = action
            .sample
            .map(sample)
            .unwrap_or_else(|| b"<ok/>".to_vec());
        server.reset().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/xml"))
            .mount(&server)
            .await;
        // Two connections closed under the request, then a working one.
        let (base, connections) = flaky_front(*server.address(), 2, Fault::Close).await;
        let (got, _) = call(&clients(&base, policy(ATTEMPTS)), action.wire).await;
        executions += 1;
        let reached = server.received_requests().await.unwrap().len();
        match action.effect {
            Effect::Read => {
                assert!(
                    matches!(got, Outcome::Ok(_) | Outcome::Undecoded { .. }),
                    "{}: {got:?}",
                    action.wire
                );
                assert_eq!(connections.load(Ordering::SeqCst), 3, "{}", action.wire);
                assert_eq!(reached, 1);
            }
            Effect::Write => {
                assert_eq!(
                    got,
                    Outcome::Transport(TransportErrorKind::ConnectionClosed),
                    "{}",
                    action.wire
                );
                assert_eq!(connections.load(Ordering::SeqCst), 1, "{}", action.wire);
                assert_eq!(reached, 0);
            }
        }
    }
    eprintln!("retries on closed connections: {executions} calls");
}

#[tokio::test]
async fn reads_are_retried_after_a_timeout_and_writes_never_are() {
    let server = MockServer::start().await;
    always(&server, 200, &general_error(-1)).await;
    for wire in ["getcontact", "addcontact"] {
        let (base, connections) = flaky_front(*server.address(), 1, Fault::Silent).await;
        let config = Config::custom(&base, credentials())
            .unwrap()
            .with_request_timeout(Duration::from_millis(500))
            .with_retry(policy(4));
        let (got, _) = call(&Clients::new(&config), wire).await;
        if wire == "getcontact" {
            // The silent first connection timed out; a later attempt got the answer.
            assert_eq!(got, Outcome::Api(-1), "{wire}");
            assert!(connections.load(Ordering::SeqCst) >= 2);
        } else {
            assert_eq!(
                got,
                Outcome::Transport(TransportErrorKind::Timeout),
                "{wire}"
            );
            assert_eq!(connections.load(Ordering::SeqCst), 1);
        }
    }
}
