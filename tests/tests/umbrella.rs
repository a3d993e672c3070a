//! The umbrella crate `orange-papi` (generated): each API crate is reachable under the module of its
//! feature, as the very same types, and a call through it reaches a real server.

use papi_sandbox::{Sandbox, SandboxConfig};

/// The umbrella modules are the API crates themselves, not copies: a value built through
/// one path is accepted where the other is expected.
#[test]
fn modules_are_the_api_crates() {
    let credentials = orange_papi::ServiceCredentials::new("svc", "pwd");
    let config: papi_core::Config =
        orange_papi::Config::custom("http://127.0.0.1:9", credentials).expect("loopback base URL");
    let contacts: papi_contacts::Client = orange_papi::contacts::Client::new(&config).unwrap();
    let messages: papi_messages::Client = orange_papi::messages::Client::new(&config).unwrap();
    let rich: papi_rich_profile::Client = orange_papi::rich_profile::Client::new(&config).unwrap();
    let calendar: papi_calendar::Client = orange_papi::calendar::Client::new(&config).unwrap();
    let photos: papi_photos::Client = orange_papi::photos::Client::new(&config).unwrap();
    assert!(contacts
        .endpoint()
        .as_str()
        .ends_with(orange_papi::contacts::API.path));
    assert!(messages
        .endpoint()
        .as_str()
        .ends_with(orange_papi::messages::API.path));
    assert!(rich
        .endpoint()
        .as_str()
        .ends_with(orange_papi::rich_profile::API.path));
    assert!(calendar
        .endpoint()
        .as_str()
        .ends_with(orange_papi::calendar::API.path));
    assert!(photos
        .endpoint()
        .as_str()
        .ends_with(orange_papi::photos::API.path));
    // The modules without a client crate of their own still resolve.
    let _: &papi_core::ApiDescriptor = &orange_papi::content::API;
    let _: &papi_core::ApiDescriptor = &orange_papi::favourites::API;
    let _: &papi_core::ApiDescriptor = &orange_papi::profile::API;
    let _: usize = orange_papi::authentication::MAX_FORM_BYTES;
    let _ = orange_papi::authentication::AuthError::clone;
}

/// A call made through the umbrella path gets the sandbox's answer: here the documented
/// `-3` consent request, since alice has not consented yet.
#[tokio::test]
async fn a_call_through_the_umbrella_reaches_the_sandbox() {
    let sandbox = Sandbox::new(SandboxConfig::default());
    let running = sandbox.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let config =
        orange_papi::Config::custom(running.base_url().as_str(), sandbox.service_credentials())
            .unwrap();
    let token: orange_papi::UserToken = sandbox.issue_token("alice").unwrap();
    let client = orange_papi::contacts::Client::new(&config).unwrap();
    let err = client
        .find_contact_list(&token, "a")
        .await
        .expect_err("no consent yet");
    assert!(
        err.consent().is_some(),
        "expected the -3 consent request, got {err:?}"
    );
}
