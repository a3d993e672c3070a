//! The service's tests against the papi sandbox, embedded: consent skipped with
//! `auto_consent` where the test is not about it, and Orange's failures injected with
//! `faults` (the same as `papi sandbox --auto-consent --faults FILE` for a standalone one).

use std::time::Duration;

use address_book_example::{add_if_missing, Added, SyncError};
use papi_core::{Config, RetryPolicy, UserToken};
use papi_sandbox::{AutoConsent, Fault, FaultRule, Faults, RunningSandbox, Sandbox, SandboxConfig};

async fn sandbox(config: SandboxConfig) -> (RunningSandbox, papi_contacts::Client, UserToken) {
    let sandbox = Sandbox::open(config).unwrap();
    let running = sandbox.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let config = Config::custom(running.base_url().as_str(), sandbox.service_credentials())
        .unwrap()
        .with_retry(RetryPolicy::none())
        .with_request_timeout(Duration::from_secs(2));
    let client = papi_contacts::Client::new(&config).unwrap();
    (running, client, sandbox.issue_token("alice").unwrap())
}

/// Consent already granted: the test is about the service's logic.
fn granted() -> SandboxConfig {
    SandboxConfig {
        auto_consent: AutoConsent::All,
        ..SandboxConfig::default()
    }
}

/// With `fault` injected on every call of `action` (consent granted), adding a contact is
/// `Unavailable`.
async fn assert_unavailable_with(action: &str, fault: Fault) {
    let config = SandboxConfig {
        faults: Faults::new(1, vec![FaultRule::new(action, Some(fault))]),
        ..granted()
    };
    let (running, client, token) = sandbox(config).await;
    let e = add_if_missing(&client, &token, "Hopper").await.unwrap_err();
    assert!(matches!(e, SyncError::Unavailable(_)), "{e:?}");
    running.shutdown().await;
}

#[tokio::test]
async fn adds_once_then_finds_the_contact() {
    let (running, client, token) = sandbox(granted()).await;
    let Added::New(id) = add_if_missing(&client, &token, "Lovelace").await.unwrap() else {
        panic!("not added")
    };
    assert_eq!(
        add_if_missing(&client, &token, "Lovelace").await.unwrap(),
        Added::Existing(id)
    );
    running.shutdown().await;
}

#[tokio::test]
async fn orange_failing_is_unavailable_and_changes_nothing() {
    let fault = Fault::General {
        code: -2,
        status: Some(500),
    };
    assert_unavailable_with("contacts/addcontact", fault).await;
}

#[tokio::test]
async fn a_cut_answer_is_unavailable_too() {
    assert_unavailable_with("contacts/findcontactlist", Fault::Truncated).await;
}

#[tokio::test]
async fn without_consent_the_user_is_sent_to_the_consent_page() {
    let (running, client, token) = sandbox(SandboxConfig::default()).await;
    let e = add_if_missing(&client, &token, "Hopper").await.unwrap_err();
    let SyncError::NeedsConsent(url) = e else {
        panic!("{e:?}")
    };
    assert!(url.starts_with(running.base_url().as_str()), "{url}");
    running.shutdown().await;
}
