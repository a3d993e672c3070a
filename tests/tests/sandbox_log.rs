//! The sandbox's request log, captured from the real tracing output: requests are logged,
//! and no user token, service password, Basic header value or consent id ever appears in
//! it.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use papi_core::{Config, UserToken};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::ErrorKind::Other)?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_names_requests_but_never_a_secret() {
    let captured = Captured::default();
    // The server logs from its own tasks: a global subscriber for this test binary.
    tracing_subscriber::fmt()
        // Everything but the HTML parser of the test's own browser (the user agent reading
        // the consent page, which shows the consent id): the server's side is under test.
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "trace,html5ever=off,selectors=off",
        ))
        .with_writer(captured.clone())
        .with_ansi(false)
        .init();

    let sandbox = papi_sandbox::Sandbox::new(papi_sandbox::SandboxConfig {
        site_origins: vec!["https://my.site".to_owned()],
        ..papi_sandbox::SandboxConfig::default()
    });
    let running = sandbox
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let token = sandbox.issue_token("alice").unwrap();
    let creds = sandbox.service_credentials();
    let config = Config::custom(running.base_url().as_str(), creds.clone()).unwrap();

    // The token in a query string, in a multipart body, and an unknown token.
    let contacts = papi_contacts::Client::new(&config).unwrap();
    let refused = contacts
        .find_contact_list(&token, "Orange")
        .await
        .expect_err("no consent yet");
    // The consent page opened and answered (the user signs in on it): the consent id in
    // its query string and in the decision form, the password in the form.
    let redirect = refused
        .consent()
        .expect("a consent URL")
        .redirect_url("https://my.site/back")
        .unwrap();
    let consent_id = redirect
        .query_pairs()
        .find(|(k, _)| k == "consent")
        .map(|(_, v)| v.into_owned())
        .expect("the sandbox's consent id");
    let browser = papi_core::tls::client_builder()
        .redirect(papi_core::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    papi_sandbox::user_agent::answer_consent_signing_in(
        &browser,
        &redirect,
        papi_sandbox::ConsentChoice::GrantOnce,
        "alice",
        "alice-pw",
    )
    .await
    .unwrap();
    let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
    let _ = contacts
        .add_picture(&token, "1", papi_core::Upload::new(jpeg.to_vec(), "p.jpg"))
        .await;
    let _ = contacts
        .find_contact_list(&UserToken::new("secret-unknown-token-value"), "x")
        .await;
    // The login shortcut with the password in a form body.
    let _ = papi_core::tls::client_builder()
        .build()
        .unwrap()
        .post(running.base_url().join("sandbox/login").unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("login=alice&password=alice-pw")
        .send()
        .await;
    running.shutdown().await;

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("PersonalContacts"),
        "no request line in the log:\n{log}"
    );
    assert!(
        log.contains("/privacy/interaction.do"),
        "the consent page's request is logged:\n{log}"
    );
    let basic = papi_core::url::form_urlencoded::byte_serialize(creds.expose_password().as_bytes())
        .collect::<String>();
    for secret in [
        token.expose(),
        "secret-unknown-token-value",
        creds.expose_password(),
        basic.as_str(),
        "alice-pw",
        consent_id.as_str(),
        // base64 of "sandbox-service:sandbox-secret", as sent in the Basic header
        "c2FuZGJveC1zZXJ2aWNlOnNhbmRib3gtc2VjcmV0",
    ] {
        assert!(
            !log.contains(secret),
            "the log shows a secret ({secret}):\n{log}"
        );
    }
}
