//! The Messages V1 action `getPNS`, served on its own endpoint (`/PersonalMessages/V1`).

use papi_core::{Config, ConfigError, Error, ServiceCredentials, UserToken};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn creds() -> ServiceCredentials {
    ServiceCredentials::new("svc-id", "svc-pwd")
}

#[tokio::test]
async fn get_pns_goes_to_the_v1_path_with_the_2008_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/PersonalMessages/V1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<anything/>"))
        .expect(1)
        .mount(&server)
        .await;
    let client =
        papi_messages::Client::new(&Config::custom(&server.uri(), creds()).unwrap()).unwrap();
    let input = papi_messages::operation::GetPns::new().infos("NoUnReadMails,NoEMails");
    let answer = client
        .get_pns(&UserToken::new("tok|1"), input)
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, "<anything/>");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].url.query(),
        Some("action=getPNS&infos=NoUnReadMails%2CNoEMails&token=tok%7C1")
    );
}

#[tokio::test]
async fn get_pns_reports_a_general_error() {
    let server = MockServer::start().await;
    Mock::given(path("/PersonalMessages/V1"))
        .respond_with(ResponseTemplate::new(500).set_body_string(
            "<error><code>-1</code><detail>InvalidTokenException</detail></error>",
        ))
        .mount(&server)
        .await;
    let client =
        papi_messages::Client::new(&Config::custom(&server.uri(), creds()).unwrap()).unwrap();
    let err = client
        .get_pns(
            &UserToken::new("t"),
            papi_messages::operation::GetPns::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.code == -1 && e.status == 500),
        "{err:?}"
    );
}

#[tokio::test]
async fn get_pns_in_production_is_a_config_error_not_a_request() {
    // Both Messages production URLs are undocumented: a plain client cannot be built, and
    // one given an explicit V2 endpoint still cannot call getPNS, whose V1 URL is unknown.
    assert!(matches!(
        papi_messages::Client::new(&Config::production(creds())),
        Err(ConfigError::UndocumentedEndpoint {
            environment: "production",
            ..
        })
    ));
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let v2 = format!("{}/PersonalMessages/V2", server.uri());
    let client = papi_messages::Client::with_endpoint(&Config::production(creds()), &v2).unwrap();
    let err = client
        .get_pns(
            &UserToken::new("t"),
            papi_messages::operation::GetPns::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config(ConfigError::UndocumentedEndpoint {
                environment: "production",
                ..
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn with_endpoint_for_v2_still_resolves_get_pns_from_the_environment() {
    let config = Config::integration(creds());
    let client =
        papi_messages::Client::with_endpoint(&config, "http://127.0.0.1:9/PersonalMessages/V2")
            .unwrap();
    assert_eq!(
        client.endpoint().as_str(),
        "http://127.0.0.1:9/PersonalMessages/V2"
    );
    assert_eq!(
        papi_messages::GET_PNS_API.integration,
        Some("https://personal.alpha.orange-api.net/int/PersonalMessages/V1")
    );
}
