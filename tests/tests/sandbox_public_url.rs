//! A sandbox behind a load balancer or a proxy (`SandboxConfig::public_url`, `papi sandbox
//! --public-url`): the URLs it gives out (consent pages, the identity provider's endpoints
//! and metadata) are written with the public URL, not with the address it listens on.

use std::net::{Ipv4Addr, SocketAddr};

use papi_core::url::Url;
use papi_core::Config;
use papi_sandbox::{Sandbox, SandboxConfig, SandboxError};

const PUBLIC: &str = "https://sandbox.example:8443/";

#[tokio::test]
async fn what_the_sandbox_gives_out_names_its_public_url() {
    let public = Url::parse(PUBLIC).unwrap();
    let sandbox = Sandbox::open(SandboxConfig {
        public_url: Some(public.clone()),
        ..SandboxConfig::default()
    })
    .unwrap();
    let running = sandbox
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    assert_eq!(running.public_url(), &public);
    assert_ne!(
        running.base_url(),
        &public,
        "clients still reach it where it listens"
    );

    // A call without consent: its consent URL is on the public URL (which the client is
    // told to trust: it is not where the client calls).
    let config = Config::custom(running.base_url().as_str(), sandbox.service_credentials())
        .unwrap()
        .with_consent_origin(PUBLIC)
        .unwrap();
    let contacts = papi_contacts::Client::new(&config).unwrap();
    let token = sandbox.issue_token("alice").unwrap();
    let e = contacts.find_contact_list(&token, "a").await.unwrap_err();
    let consent = e.consent().expect("a consent request");
    let redirect = consent.redirect_url("http://127.0.0.1:9/").unwrap();
    assert!(redirect.as_str().starts_with(PUBLIC), "{redirect}");

    // The identity provider's endpoints, as papi-auth is given them and as its metadata says.
    let idp = running.identity_provider().unwrap();
    assert!(idp.entity_id().starts_with(PUBLIC), "{}", idp.entity_id());
    assert!(running.login_url().starts_with(PUBLIC));
    assert!(running.metadata_url().starts_with(PUBLIC));
    let metadata = papi_core::tls::client_builder()
        .build()
        .unwrap()
        .get(running.base_url().join("saml/metadata").unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metadata.contains(&format!("{PUBLIC}saml/sso")),
        "{metadata}"
    );
    assert!(!metadata.contains("127.0.0.1"), "{metadata}");
    running.shutdown().await;
}

#[test]
fn a_public_url_the_sandbox_cannot_be_reached_at_is_refused() {
    for bad in [
        "ftp://sandbox.example/",
        "https://sandbox.example/papi/",
        "https://sandbox.example/?x=1",
        "https://user:pw@sandbox.example/",
    ] {
        let refused = Sandbox::open(SandboxConfig {
            public_url: Some(Url::parse(bad).unwrap()),
            ..SandboxConfig::default()
        })
        .err()
        .unwrap_or_else(|| panic!("{bad} was taken"));
        assert!(
            matches!(refused, SandboxError::PublicUrl { .. }),
            "{refused:?}"
        );
        assert!(
            !format!("{refused} {refused:?}").contains("pw"),
            "{refused}"
        );
    }
}
