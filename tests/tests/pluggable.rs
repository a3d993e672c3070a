//! What a program can plug between the clients and the wire, through the public API of the
//! generated clients: interceptors on the configuration (before send with a redacted view,
//! after receive with status, headers, body and timing), `Retry-After` within the retry
//! policy, and per-call options (a deadline, an attempt timeout, another retry policy).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use papi_core::intercept::{Interceptor, RequestView, ResponseView};
use papi_core::{CallOptions, Config, Error, RetryPolicy, TransportError, TransportErrorKind};
use papi_tests::sample;
use support::{credentials, secret_forms, token};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

/// What an interceptor saw, as text (secrets would show here if they leaked).
#[derive(Default)]
struct Seen {
    events: Mutex<Vec<String>>,
    sent_at: Mutex<Vec<Instant>>,
}

impl Seen {
    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }
}

impl Interceptor for Seen {
    fn before_send(&self, request: &RequestView<'_>) {
        self.sent_at.lock().unwrap().push(Instant::now());
        self.events.lock().unwrap().push(format!(
            "send {} {} {:?} attempt {} {} params {:?} upload {:?} {request:?}",
            request.api(),
            request.action(),
            request.method(),
            request.attempt(),
            request.url(),
            request.params(),
            request
                .upload()
                .map(|(part, u)| (part, u.filename().to_owned())),
        ));
    }

    fn after_receive(&self, request: &RequestView<'_>, response: &ResponseView<'_>) {
        assert!(response.headers_after() <= response.elapsed());
        self.events.lock().unwrap().push(format!(
            "received {} attempt {}: {} x-server={:?} {} bytes",
            request.action(),
            request.attempt(),
            response.status(),
            response.headers().get("x-server"),
            response.body().len(),
        ));
    }

    fn on_transport_error(&self, request: &RequestView<'_>, error: &TransportError) {
        self.events.lock().unwrap().push(format!(
            "failed {} attempt {}: {:?}",
            request.action(),
            request.attempt(),
            error.kind()
        ));
    }
}

/// Asserts that `event` holds `part`.
fn holds(event: &str, part: &str) {
    assert!(event.contains(part), "{part:?} not in {event}");
}

fn ok_contact() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("x-server", "test")
        .set_body_raw(
            sample("samples/contacts/getcontact.corrected.xml"),
            "text/xml",
        )
}

/// Answers the given templates in turn, then the last one again; counts the requests.
struct Sequence {
    answers: Vec<ResponseTemplate>,
    count: Arc<AtomicUsize>,
}

impl Respond for Sequence {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let n = self.count.fetch_add(1, Ordering::SeqCst);
        self.answers[n.min(self.answers.len() - 1)].clone()
    }
}

async fn serve(answers: Vec<ResponseTemplate>) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    Mock::given(any())
        .respond_with(Sequence {
            answers,
            count: count.clone(),
        })
        .mount(&server)
        .await;
    (server, count)
}

fn config(server: &MockServer) -> Config {
    Config::custom(&server.uri(), credentials()).unwrap()
}

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::new(attempts).with_backoff(Duration::from_millis(1), Duration::from_secs(5))
}

fn busy(retry_after: &str) -> ResponseTemplate {
    ResponseTemplate::new(503).insert_header("retry-after", retry_after)
}

#[tokio::test]
async fn interceptors_see_each_attempt_redacted_and_each_answer_whole() {
    let (server, _) = serve(vec![ResponseTemplate::new(503), ok_contact()]).await;
    let seen = Arc::new(Seen::default());
    let second = Arc::new(Seen::default());
    let config = config(&server)
        .with_retry(fast_retries(3))
        .with_interceptor(seen.clone())
        .with_interceptor(second.clone());
    let contacts = papi_contacts::Client::new(&config).unwrap();
    contacts.get_contact(&token(), "42").await.unwrap();
    let events = seen.events();
    assert_eq!(events.len(), 4, "{events:#?}");
    holds(
        &events[0],
        "send Personal Contacts API getcontact Get attempt 1 ",
    );
    holds(&events[0], "action=getcontact&cid=42&token=***");
    holds(&events[0], "params [(\"cid\", \"42\")] upload None");
    assert_eq!(
        events[1],
        "received getcontact attempt 1: 503 x-server=None 0 bytes"
    );
    holds(&events[2], "attempt 2");
    holds(
        &events[3],
        "received getcontact attempt 2: 200 x-server=Some(\"test\")",
    );
    // Every interceptor is called, in turn.
    assert_eq!(second.events(), events);
    for event in &events {
        for secret in secret_forms() {
            assert!(!event.contains(&secret), "{secret} in {event}");
        }
    }
}

#[tokio::test]
async fn interceptors_see_uploads_and_transport_errors() {
    let (server, _) = serve(vec![ResponseTemplate::new(200).set_body_raw(
        sample("samples/contacts/addpicture.corrected.xml"),
        "text/xml",
    )])
    .await;
    let seen = Arc::new(Seen::default());
    let contacts =
        papi_contacts::Client::new(&config(&server).with_interceptor(seen.clone())).unwrap();
    let upload = papi_core::Upload::new(support::JPEG.to_vec(), "me.jpg");
    contacts.add_picture(&token(), "7", upload).await.unwrap();
    let events = seen.events();
    holds(&events[0], "addpicture MultipartPost");
    holds(&events[0], "upload Some((\"file\", \"me.jpg\"))");
    assert!(!events[0].contains("token"), "{}", events[0]);

    // A port that was just free: the connection is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let seen = Arc::new(Seen::default());
    let config = Config::custom(&format!("http://127.0.0.1:{port}"), credentials())
        .unwrap()
        .with_interceptor(seen.clone());
    let contacts = papi_contacts::Client::new(&config).unwrap();
    assert!(contacts.get_contact(&token(), "1").await.is_err());
    assert_eq!(seen.events()[1], "failed getcontact attempt 1: Connect");
}

/// A read answered `503` with `retry_after`, then the contact: the wait between the two
/// attempts, as an interceptor saw them sent (the backoff alone waits at most 1 ms).
async fn wait_asked_by(retry_after: &str) -> Duration {
    let (server, count) = serve(vec![busy(retry_after), ok_contact()]).await;
    let seen = Arc::new(Seen::default());
    let config = config_for(&server, 3).with_interceptor(seen.clone());
    let contacts = papi_contacts::Client::new(&config).unwrap();
    contacts.get_contact(&token(), "42").await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 2);
    let sent = seen.sent_at.lock().unwrap().clone();
    sent[1] - sent[0]
}

#[tokio::test]
async fn a_retry_after_within_the_policy_is_waited_for_exactly() {
    let waited = wait_asked_by("1").await;
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
}

#[tokio::test]
async fn a_retry_after_date_is_honoured_too() {
    let waited = wait_asked_by(&httpdate_in(Duration::from_secs(3))).await;
    // The date has a one-second resolution: about two seconds at least are left of the
    // three when the answer comes; the backoff alone would have waited 1 ms at most.
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
}

/// An HTTP date `after` from now (IMF-fixdate, as servers write it).
fn httpdate_in(after: Duration) -> String {
    let at = papi_core::chrono::DateTime::<papi_core::chrono::Utc>::from(
        std::time::SystemTime::now() + after,
    );
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[tokio::test]
async fn a_retry_after_longer_than_the_policy_allows_ends_the_call_at_once() {
    let (server, count) = serve(vec![busy("3600"), ok_contact()]).await;
    let config = config(&server).with_retry(fast_retries(3));
    let contacts = papi_contacts::Client::new(&config).unwrap();
    let started = Instant::now();
    let err = contacts.get_contact(&token(), "42").await.unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedStatus { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(started.elapsed() < Duration::from_secs(60));
    // A write is never retried, Retry-After or not.
    let (server, count) = serve(vec![busy("0"), ok_contact()]).await;
    let contacts = papi_contacts::Client::new(&config_for(&server, 3)).unwrap();
    let add = papi_contacts::operation::AddContact::new().lastname("X");
    assert!(contacts.add_contact(&token(), add).await.is_err());
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

fn config_for(server: &MockServer, attempts: u32) -> Config {
    config(server).with_retry(fast_retries(attempts))
}

fn slow(delay: Duration) -> ResponseTemplate {
    ok_contact().set_delay(delay)
}

#[tokio::test]
async fn a_calls_deadline_cuts_the_attempt_in_flight_and_starts_no_retry() {
    let (server, count) = serve(vec![slow(Duration::from_secs(5))]).await;
    // The configuration would retry three times with a 60 s timeout each.
    let contacts = papi_contacts::Client::new(&config_for(&server, 3)).unwrap();
    let op = papi_contacts::operation::GetContact::new("42");
    let started = Instant::now();
    let options = CallOptions::new().with_timeout(Duration::from_millis(300));
    let err = contacts.call_with(&token(), op, options).await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.kind() == TransportErrorKind::Timeout),
        "{err:?}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn an_attempt_timeout_and_a_retry_policy_apply_to_one_call_only() {
    let (server, count) = serve(vec![slow(Duration::from_secs(5))]).await;
    // No retry configured: the call's own policy retries, each attempt cut at 100 ms.
    let contacts = papi_contacts::Client::new(&config(&server)).unwrap();
    let options = CallOptions::new()
        .with_attempt_timeout(Duration::from_millis(100))
        .with_retry(fast_retries(3));
    let op = papi_contacts::operation::GetContact::new("42");
    let err = contacts.call_with(&token(), op, options).await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.kind() == TransportErrorKind::Timeout),
        "{err:?}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 3);
    // The next call runs with the configuration again: one attempt.
    let (server, count) = server_ok_after(ResponseTemplate::new(503)).await;
    let contacts = papi_contacts::Client::new(&config(&server)).unwrap();
    assert!(contacts.get_contact(&token(), "42").await.is_err());
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

async fn server_ok_after(first: ResponseTemplate) -> (MockServer, Arc<AtomicUsize>) {
    serve(vec![first, ok_contact()]).await
}

#[test]
fn the_blocking_client_has_the_same_options_hooks_and_retry_after() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (server, count) = runtime.block_on(serve(vec![busy("1"), ok_contact()]));
    let seen = Arc::new(Seen::default());
    let config = config_for(&server, 3).with_interceptor(seen.clone());
    let contacts = papi_contacts::blocking::Client::new(&config).unwrap();
    contacts.get_contact(&token(), "42").unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 2);
    let sent = seen.sent_at.lock().unwrap().clone();
    assert!(sent[1] - sent[0] >= Duration::from_secs(1));
    assert_eq!(seen.events().len(), 4);

    let (slow_server, count) = runtime.block_on(serve(vec![slow(Duration::from_secs(5))]));
    let contacts = papi_contacts::blocking::Client::new(&config_for(&slow_server, 3)).unwrap();
    let options = CallOptions::new().with_timeout(Duration::from_millis(300));
    let op = papi_contacts::operation::GetContact::new("42");
    let err = contacts.call_with(&token(), op, options).unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.kind() == TransportErrorKind::Timeout),
        "{err:?}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
}
