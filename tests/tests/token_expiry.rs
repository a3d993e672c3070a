//! The token's expiry as third-party clients read it (`ted`, spec: `token_layout`): read by
//! `UserToken::expires_at`, a tracing warning (never an error) when a token past it is
//! used, and the sandbox's tokens laid out the same way. One test per binary: the
//! capturing subscriber is global.

mod support;

use std::time::{Duration, SystemTime};

use support::{capturing_subscriber, credentials};
use tracing_subscriber::util::SubscriberInitExt;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_past_its_expiry_is_sent_with_a_warning() {
    let (subscriber, captured) = capturing_subscriber();
    subscriber.init();
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            papi_tests::sample("samples/contacts/findcontactlist.corrected.xml"),
            "text/xml",
        ))
        .mount(&server)
        .await;
    let config = papi_core::Config::custom(&server.uri(), credentials()).unwrap();
    let contacts = papi_contacts::Client::new(&config).unwrap();

    let later = SystemTime::now() + Duration::from_secs(3600);
    let secs = later
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let fresh = papi_core::UserToken::new(format!("FreshHead|sau=|ted={secs}|tail"));
    let stale = papi_core::UserToken::new("StaleHead|sau=|ted=1208280413|tail");
    assert!(fresh.expires_at().is_some() && !fresh.is_past_expiry(SystemTime::now()));
    assert!(stale.is_past_expiry(SystemTime::now()));

    contacts.find_contact_list(&fresh, "Orange").await.unwrap();
    assert!(
        !captured.text().contains("past the expiry"),
        "{}",
        captured.text()
    );
    // Sent anyway: the reading of `ted` is a third party's, not Orange's.
    contacts.find_contact_list(&stale, "Orange").await.unwrap();
    let trace = captured.text();
    let warnings: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("past the expiry"))
        .collect();
    assert_eq!(warnings.len(), 1, "{trace}");
    assert!(warnings[0].contains("WARN"), "{trace}");
    assert!(
        !trace.contains("StaleHead") && !trace.contains("FreshHead"),
        "{trace}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    // The sandbox's tokens carry the layout, their expiry where the sandbox ends them.
    let sandbox = papi_sandbox::Sandbox::new(papi_sandbox::SandboxConfig::default());
    let token = sandbox.issue_token("alice").unwrap();
    let at = token
        .expires_at()
        .expect("a sandbox token has an expiry field");
    let now = SystemTime::now();
    assert!(
        at > now && at < now + Duration::from_secs(7 * 24 * 3600),
        "{at:?}"
    );
}
