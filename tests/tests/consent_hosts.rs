//! Attack: a hostile (or misconfigured) server answers the privacy error `-3` with a
//! consent URL of another site (`http://evil.example/phish`, or
//! `https://mdsp.orange.fr@evil.example/…`, whose host is `evil.example`); a service would
//! then send its users there. The clients keep a consent URL only where the configuration
//! sends users: the documented privacy hosts of production (`https` only) or of
//! integration, a custom base URL's own origin, and origins the caller adds. A refused URL
//! is kept, as received, in `ApiError::untrusted_consent`, for logs.

use papi_core::{Config, ConsentError, Environment, Error, ServiceCredentials, UserToken};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONTACTS: &str = "/PersonalContacts/V1";

/// A server answering every call with a `-3` carrying `url`.
async fn privacy_error(url: &str) -> MockServer {
    let escaped = url.replace('&', "&amp;");
    let body = format!(
        "<error><code>-3</code><detail>PrivacyAccessDeniedException</detail><url>{escaped}</url></error>"
    );
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500).set_body_string(body))
        .mount(&server)
        .await;
    server
}

/// The `-3` of a call to a new server answering `url`, in `environment` (a custom one uses
/// that server as its base): (consent kept, refusal reason).
async fn outcome(environment: Environment, url: &str) -> (Option<String>, Option<String>) {
    let server = privacy_error(url).await;
    let credentials = ServiceCredentials::new("svc", "pwd");
    let config = match environment {
        Environment::Custom(_) => Config::custom(&server.uri(), credentials).unwrap(),
        other => Config::new(other, credentials),
    };
    let client =
        papi_contacts::Client::with_endpoint(&config, &format!("{}{CONTACTS}", server.uri()))
            .unwrap();
    let err = client
        .find_contact_list(&UserToken::new("t"), "Orange")
        .await
        .unwrap_err();
    assert!(err.is_privacy_denied(), "{err:?}");
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    let kept = err.consent().map(|c| c.url().to_string());
    let refused = api.untrusted_consent.as_deref().map(|e| match e {
        ConsentError::UntrustedConsentUrl { url: raw, reason } => {
            assert_eq!(raw, url, "the refused URL is kept as received");
            assert!(err.to_string().contains("consent URL refused"), "{err}");
            reason.clone()
        }
        other => panic!("{other:?}"),
    });
    assert!(kept.is_some() != refused.is_some(), "{kept:?} {refused:?}");
    (kept, refused)
}

const HOSTILE: [&str; 4] = [
    "http://evil.example/phish?family=contact",
    "https://evil.example/privacy/interaction.do?family=contact",
    "https://mdsp.orange.fr@evil.example/privacy/interaction.do?family=contact",
    "https://privacy.orange.fr:8443/urm-gui/interaction.do?family=contact",
];

#[tokio::test]
async fn hostile_consent_urls_are_refused_in_every_environment() {
    let custom = Environment::Custom("http://127.0.0.1/".parse().unwrap());
    for environment in [Environment::Production, Environment::Integration, custom] {
        for url in HOSTILE {
            let (kept, refused) = outcome(environment.clone(), url).await;
            assert!(kept.is_none(), "{environment:?} kept {url}");
            assert!(refused.is_some(), "{environment:?} {url}");
        }
    }
}

#[tokio::test]
async fn the_documented_privacy_hosts_are_kept_for_their_environment() {
    let page = "https://privacy.orange.fr/urm-gui/interaction.do?family=contact&attributes=,see";
    let (kept, _) = outcome(Environment::Production, page).await;
    assert_eq!(kept.as_deref(), Some(page));
    // Production pages are https only.
    let (kept, refused) =
        outcome(Environment::Production, &page.replacen("https", "http", 1)).await;
    assert!(kept.is_none(), "{refused:?}");
    assert!(refused.unwrap().contains("https only"));
    // The integration page (documented over http) is not a production host, and back.
    let int = "http://int4.mdsp.rec.orange.fr/privacy/interaction.do?family=contact";
    assert!(outcome(Environment::Integration, int).await.0.is_some());
    assert!(outcome(Environment::Production, int).await.0.is_none());
    assert!(outcome(Environment::Integration, page).await.0.is_none());
    // The host of the documented -3 example, environment not stated: both.
    let example = "https://mdsp.orange.fr/privacy/interaction.do?family=photos";
    assert!(outcome(Environment::Production, example).await.0.is_some());
    assert!(outcome(Environment::Integration, example).await.0.is_some());
}

#[tokio::test]
async fn a_custom_base_keeps_its_own_origin_and_the_origins_added() {
    // Another port of this machine is another origin than the base URL's.
    let elsewhere = MockServer::start().await;
    let url = format!("{}/privacy/interaction.do?family=contact", elsewhere.uri());
    let custom = Environment::Custom(elsewhere.uri().parse().unwrap());
    let (kept, refused) = outcome(custom, &url).await;
    assert!(kept.is_none(), "{refused:?}");

    let other = privacy_error("https://consent.example/page?family=contact").await;
    let credentials = ServiceCredentials::new("svc", "pwd");
    let trusting = Config::custom(&other.uri(), credentials.clone())
        .unwrap()
        .with_consent_origin("https://consent.example")
        .unwrap();
    let err = papi_contacts::Client::new(&trusting)
        .unwrap()
        .find_contact_list(&UserToken::new("t"), "Orange")
        .await
        .unwrap_err();
    assert!(err.consent().is_some(), "{err}");

    // Its own origin: what the sandbox answers.
    let same = MockServer::start().await;
    let url = format!("{}/privacy/interaction.do?family=contact", same.uri());
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500).set_body_string(format!(
            "<error><code>-3</code><detail>x</detail><url>{url}</url></error>"
        )))
        .mount(&same)
        .await;
    let config = Config::custom(&same.uri(), credentials).unwrap();
    let err = papi_contacts::Client::new(&config)
        .unwrap()
        .find_contact_list(&UserToken::new("t"), "Orange")
        .await
        .unwrap_err();
    assert_eq!(err.consent().map(|c| c.url().to_string()), Some(url));
}
