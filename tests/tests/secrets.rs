//! Secrets never print: with a global subscriber capturing every `tracing` event (and `log`
//! record) of every crate at TRACE level, every action of every client is called through
//! every kind of failure and success, and `format!("{:?}")` and `format!("{}")` of every
//! public configuration, request, client and error type of papi-core, papi-auth, the
//! generated clients and papi-sandbox's configuration are collected. Neither the capture nor
//! any of those texts may hold the user token, the service password or the Basic header
//! value, in any of their encodings. One test per binary: the subscriber is global.

mod support;

use std::fmt::{Debug, Display};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use papi_core::{
    ApiDescriptor, Config, ConfigError, Effect, Environment, Request, RetryPolicy, Transport,
    Upload,
};
use support::{call, credentials, secret_forms, token, Clients, ACTIONS, PASSWORD, TOKEN};
use tracing_subscriber::util::SubscriberInitExt;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Collects `Debug` (plain and pretty) and `Display` texts.
#[derive(Default)]
struct Shown(Vec<(String, String)>);

impl Shown {
    fn debug<T: Debug>(&mut self, what: &str, v: &T) {
        self.0.push((what.to_owned(), format!("{v:?}")));
        self.0.push((what.to_owned(), format!("{v:#?}")));
    }
    fn both<T: Debug + Display>(&mut self, what: &str, v: &T) {
        self.debug(what, v);
        self.0.push((what.to_owned(), v.to_string()));
    }
    /// An error, its `Debug`, `Display` and the `Display` of each of its causes.
    fn error<E: std::error::Error>(&mut self, what: &str, e: &E) {
        self.both(what, &e);
        let mut cause = e.source();
        while let Some(c) = cause {
            self.0
                .push((format!("{what} (cause)"), format!("{c} {c:?}")));
            cause = c.source();
        }
    }
}

/// The first secret form `text` holds, if any.
fn leaked(text: &str) -> Option<String> {
    secret_forms()
        .into_iter()
        .find(|s| text.contains(s.as_str()))
}

fn assert_free(what: &str, text: &str) {
    if let Some(secret) = leaked(text) {
        panic!("{what} shows the secret {secret:?}:\n{text}");
    }
}

#[test]
fn the_check_itself_can_fail() {
    // A check that cannot fail proves nothing: each secret form is caught.
    for secret in secret_forms() {
        assert!(
            leaked(&format!("x {secret} y")).is_some(),
            "{secret:?} not caught"
        );
    }
    assert_eq!(leaked("token=*** password=*** Basic ***"), None);
}

static DESCRIPTOR: ApiDescriptor = ApiDescriptor {
    name: "Probe API",
    path: "/Probe/V1",
    production: Some("https://probe.example/Probe/V1"),
    integration: None,
    envelope: None,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_is_ever_printed_or_traced() {
    let (subscriber, captured) = support::capturing_subscriber();
    // Global (server tasks run on other threads), and with `log` records bridged in.
    subscriber
        .try_init()
        .expect("the only subscriber of this binary");
    let mut shown = Shown::default();

    // 1. Every action against answers of every kind: success, consent needed (-3 with its
    //    URL), invalid token, internal error retried, broken XML, HTML, an empty body.
    let server = MockServer::start().await;
    let retrying = Config::custom(&server.uri(), credentials())
        .unwrap()
        .with_retry(RetryPolicy::new(2).with_backoff(Duration::ZERO, Duration::ZERO));
    let clients = Clients::new(&retrying);
    let privacy =
        std::fs::read(papi_tests::spec_dir().join("samples/common/error_privacy_denied.xml"))
            .unwrap();
    let answers: Vec<(u16, Vec<u8>)> = vec![
        (500, privacy),
        (
            200,
            b"<error><code>-1</code><detail>InvalidTokenException</detail></error>".to_vec(),
        ),
        (
            500,
            b"<error><code>-2</code><detail>ServiceEnablerNotFoundException</detail></error>"
                .to_vec(),
        ),
        (200, b"<xpage><command-list>".to_vec()),
        (502, b"<html>Bad Gateway</html>".to_vec()),
        (200, Vec::new()),
    ];
    let mut calls = 0;
    for (status, body) in &answers {
        server.reset().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(*status).set_body_raw(body.clone(), "text/xml"))
            .mount(&server)
            .await;
        for action in ACTIONS {
            let (_, text) = call(&clients, action.wire).await;
            calls += 1;
            shown.0.push((format!("{} error", action.wire), text));
        }
    }
    for action in ACTIONS.iter().filter(|a| a.sample.is_some()) {
        server.reset().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(papi_tests::sample(action.sample.unwrap()), "text/xml"),
            )
            .mount(&server)
            .await;
        let (outcome, text) = call(&clients, action.wire).await;
        calls += 1;
        shown.0.push((
            format!("{} outcome", action.wire),
            format!("{outcome:?} {text}"),
        ));
    }
    // The secrets did reach the server: the checks below look for something that exists.
    let sent = server.received_requests().await.unwrap();
    assert!(sent
        .iter()
        .any(|r| r.url.as_str().contains(&secret_forms()[1])));

    // 2. Transport failures: refused connection, timeout, a body over the cap.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = Clients::at(&format!("http://127.0.0.1:{port}"));
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_base = format!("http://{}", silent.local_addr().unwrap());
    let timing_out = Clients::new(
        &Config::custom(&silent_base, credentials())
            .unwrap()
            .with_request_timeout(Duration::from_millis(200)),
    );
    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(vec![b' '; 4096], "text/xml"))
        .mount(&server)
        .await;
    let capped = Clients::new(
        &Config::custom(&server.uri(), credentials())
            .unwrap()
            .with_max_body_bytes(100),
    );
    for c in [&refused, &timing_out, &capped] {
        for action in ACTIONS {
            let (_, text) = call(c, action.wire).await;
            calls += 1;
            shown
                .0
                .push((format!("{} transport error", action.wire), text));
        }
    }
    drop(silent);
    let err = refused
        .contacts
        .get_contact(&token(), "1")
        .await
        .unwrap_err();
    shown.error("Error<contacts::ErrorCode>", &err);

    // 3. The sandbox, signing a user in and serving calls (its own log included).
    let sandbox_config = papi_sandbox::SandboxConfig {
        service_password: PASSWORD.to_owned(),
        service_id: support::SERVICE_ID.to_owned(),
        ..Default::default()
    };
    let sandbox = papi_sandbox::Sandbox::new(sandbox_config.clone());
    let running = sandbox
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let alice = sandbox.issue_token("alice").unwrap();
    let sandbox_clients = Clients::at(running.base_url().as_str());
    for action in ACTIONS {
        let (outcome, text) = call(&sandbox_clients, action.wire).await;
        calls += 1;
        shown.0.push((
            format!("{} via sandbox", action.wire),
            format!("{outcome:?} {text}"),
        ));
    }
    let found = sandbox_clients
        .contacts
        .find_contact_list(&alice, "a")
        .await;
    shown.0.push(("sandbox find".into(), format!("{found:?}")));
    shown.debug("SandboxConfig", &sandbox_config);
    shown.debug("Sandbox", &sandbox);
    shown.debug("RunningSandbox", &running);
    shown.debug("issued token", &alice);
    running.shutdown().await;

    // 4. Every public configuration, request and client type, and configuration errors.
    let creds = credentials();
    shown.debug("ServiceCredentials", &creds);
    shown.both("UserToken", &token());
    for config in [
        Config::production(creds.clone()),
        Config::integration(creds.clone()),
        Config::new(Environment::Production, creds.clone()).allow_plain_http(),
        retrying.clone(),
        Config::custom("https://api.example/base", creds.clone())
            .unwrap()
            .with_http_client(papi_core::tls::client_builder().build().unwrap()),
    ] {
        shown.debug("Config", &config);
        shown.debug("Transport", &Transport::new(&config, &DESCRIPTOR));
        shown.debug("contacts::Client", &papi_contacts::Client::new(&config));
        shown.debug("messages::Client", &papi_messages::Client::new(&config));
        shown.debug(
            "rich_profile::Client",
            &papi_rich_profile::Client::new(&config),
        );
        shown.debug("calendar::Client", &papi_calendar::Client::new(&config));
        shown.debug("content::Client", &papi_content::Client::new(&config));
        shown.debug("favourites::Client", &papi_favourites::Client::new(&config));
        shown.debug("photos::Client", &papi_photos::Client::new(&config));
        shown.debug("profile::Client", &papi_profile::Client::new(&config));
    }
    shown.debug("RetryPolicy", &RetryPolicy::new(3));
    let mut request = Request::with_effect("getcontact", Effect::Read);
    request.param("cid", "1");
    request.file("file", Upload::new(support::JPEG.to_vec(), "me.jpg"));
    shown.debug("Request", &request);
    shown
        .0
        .push(("Request::redacted_query".into(), request.redacted_query()));
    let config_errors: Vec<ConfigError> = vec![
        Config::custom(
            &format!("http://svc-id:{PASSWORD}@127.0.0.1/"),
            creds.clone(),
        )
        .unwrap_err(),
        Config::custom(&format!("http://api.example/?token={TOKEN}"), creds.clone()).unwrap_err(),
        Config::custom("http://api.example/", creds.clone()).unwrap_err(),
        Config::integration(creds.clone())
            .endpoint(&DESCRIPTOR)
            .unwrap_err(),
    ];
    for e in &config_errors {
        shown.error("ConfigError", e);
    }

    // 5. papi-auth: identity and service provider configurations, a login redirect, and
    //    the errors of answers that do not verify (one carrying the token).
    let idp =
        papi_auth::IdentityProviderConfig::from_metadata(&papi_auth::idp::INTEGRATION).unwrap();
    let sp = papi_auth::ServiceProvider::new(
        "https://svc.example/sp",
        "https://svc.example/acs",
        idp.clone(),
    )
    .unwrap();
    shown.debug("IdentityProviderConfig", &idp);
    shown.debug("ServiceProvider", &sp);
    let redirect = sp.login_redirect(
        Some("state"),
        papi_core::chrono::DateTime::<papi_core::chrono::Utc>::from(std::time::SystemTime::now()),
    );
    shown.debug("LoginRedirect", &redirect);
    use base64::Engine;
    let saml = base64::engine::general_purpose::STANDARD.encode(format!(
        "<samlp:Response><saml:Attribute Name=\"OrangeAPIToken\"><saml:AttributeValue>{TOKEN}</saml:AttributeValue></saml:Attribute></samlp:Response>"
    ));
    for form in [
        vec![("SAMLResponse", saml.clone())],
        vec![
            ("SAMLResponse", saml.clone()),
            (
                "SigAlg",
                "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256".to_owned(),
            ),
            ("Signature", "AAAA".to_owned()),
        ],
    ] {
        let posted = papi_auth::PostedForm::from_pairs(form).unwrap();
        let result = sp.consume(
            &posted,
            None,
            papi_core::chrono::DateTime::<papi_core::chrono::Utc>::from(
                std::time::SystemTime::now(),
            ),
        );
        match &result {
            Ok(user) => shown.both("Authenticated", user),
            Err(e) => shown.error("AuthError", e),
        }
    }

    // Nothing printed or traced shows a secret; and the trace is not empty: papi's own
    // events (sending, retrying) and the sandbox's request log were captured.
    for (what, text) in &shown.0 {
        assert_free(what, text);
    }
    let trace = captured.text();
    assert!(trace.contains("papi: sending"), "papi traced nothing");
    assert!(trace.contains("papi: retrying a read"), "no retry traced");
    assert!(trace.contains("token=***"), "no redacted URL traced");
    assert!(trace.contains("PersonalContacts"), "no request traced");
    assert_free("the tracing capture", &trace);
    eprintln!(
        "secrets: {calls} calls, {} texts checked, {} bytes of trace checked, {} secret forms",
        shown.0.len(),
        trace.len(),
        secret_forms().len()
    );
}
