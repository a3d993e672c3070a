//! The partly recovered APIs: Calendar's one action (`addevent`) against a local HTTP server
//! (wiremock); the endpoints, descriptors and error tables of the Calendar, Content,
//! Favourites, Photos and Profile clients as the spec gives them; the Authentication API's
//! identity-provider facts; and the spec's unknowns reaching the generated documentation.
//!
//! Expected values are written out here (wire names included) and, where the spec holds
//! them, also checked against the spec as `papi_codegen::load` reads it, so that a change on
//! either side fails.

use std::fmt::{Debug, Display};

use papi_calendar::operation::AddEvent;
use papi_core::url::{form_urlencoded, Url};
use papi_core::{
    ApiCode, ApiDescriptor, ApiErrorKind, Config, ConfigError, Error, GeneralError, ParamError,
    ServiceCredentials, Undecoded, UserToken,
};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A token holding every character that form-urlencoding must escape (`+ / = |`).
const TOKEN: &str = "B64ab+c/d==|sau=|ted=1208277327|xyz";
/// [`TOKEN`] as it must appear in a query string.
const TOKEN_QUERY: &str = "B64ab%2Bc%2Fd%3D%3D%7Csau%3D%7Cted%3D1208277327%7Cxyz";
const PASSWORD: &str = "svc-pwd";
/// `Basic base64("svc-id:svc-pwd")`.
const BASIC: &str = "Basic c3ZjLWlkOnN2Yy1wd2Q=";

const CALENDAR: &str = "/PersonalCalendar/V1";

/// The 2008 ZXID script's `addevent` call as it printed it, up to `&token=…` (`:` raw).
const REFERENCE_QUERY: &str = "action=addevent&title=Demo+meet&location=Townhall&description=Come+all+and+see+the+demo&startdate=2008-05-09&starttime=13:40&enddate=2008-05-09&endtime=14:15&datepattern=yyyy-MM-dd&timepattern=HH:mm";

/// The same call as form-urlencoding writes it: `:` becomes `%3A`, the rest is identical.
const SENT_QUERY: &str = "action=addevent&title=Demo+meet&location=Townhall&description=Come+all+and+see+the+demo&startdate=2008-05-09&starttime=13%3A40&enddate=2008-05-09&endtime=14%3A15&datepattern=yyyy-MM-dd&timepattern=HH%3Amm";

/// The reference call's parameters, decoded, in order.
const REFERENCE_PAIRS: [(&str, &str); 10] = [
    ("action", "addevent"),
    ("title", "Demo meet"),
    ("location", "Townhall"),
    ("description", "Come all and see the demo"),
    ("startdate", "2008-05-09"),
    ("starttime", "13:40"),
    ("enddate", "2008-05-09"),
    ("endtime", "14:15"),
    ("datepattern", "yyyy-MM-dd"),
    ("timepattern", "HH:mm"),
];

/// A `-3` general error as the real servers sent it (HTTP 500), for the `agenda` family.
const AGENDA_PRIVACY_ERROR: &str = r#"<?xml version="1.0" encoding="UTF-8"?><error><code>-3</code><detail>PrivacyAccessDeniedException</detail><url>http://int4.mdsp.rec.orange.fr/privacy/interaction.do?family=agenda&amp;serviceId=YOURSERVIC1234567890&amp;attributes=,add_event</url></error>"#;

fn token() -> UserToken {
    UserToken::new(TOKEN)
}

fn credentials() -> ServiceCredentials {
    ServiceCredentials::new("svc-id", PASSWORD)
}

fn calendar(server: &MockServer) -> papi_calendar::Client {
    let config = Config::custom(&server.uri(), credentials()).expect("custom base URL");
    papi_calendar::Client::new(&config).unwrap()
}

/// The Calendar call of the 2008 script, every parameter set.
fn reference_input() -> AddEvent {
    AddEvent::new()
        .title("Demo meet")
        .location("Townhall")
        .description("Come all and see the demo")
        .start_date("2008-05-09")
        .start_time("13:40")
        .end_date("2008-05-09")
        .end_time("14:15")
        .date_pattern("yyyy-MM-dd")
        .time_pattern("HH:mm")
}

/// A server answering each of `calls` requests with `status` and `body`.
async fn answering_n(calls: u64, status: u16, body: impl Into<Vec<u8>>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_raw(body.into(), "text/xml"))
        .expect(calls)
        .named("the expected calls")
        .mount(&server)
        .await;
    server
}

/// A server answering exactly one request with `status` and `body`.
async fn answering(status: u16, body: impl Into<Vec<u8>>) -> MockServer {
    answering_n(1, status, body).await
}

/// A server that must receive nothing.
async fn silent() -> MockServer {
    answering_n(0, 200, "").await
}

/// Every request `server` received, after checking the expected count.
async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.verify().await;
    server.received_requests().await.unwrap()
}

/// The single request `server` received.
async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut received = requests(server).await;
    assert_eq!(received.len(), 1, "{received:?}");
    received.remove(0)
}

/// `GET /PersonalCalendar/V1?<query>&token=<TOKEN, encoded>` with the service's Basic header.
fn assert_calendar_get(request: &wiremock::Request, query: &str) {
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.path(), CALENDAR);
    assert_eq!(
        request.url.query(),
        Some(format!("{query}&token={TOKEN_QUERY}").as_str())
    );
    let auth = request.headers.get("authorization").expect("Authorization");
    assert_eq!(auth.to_str().unwrap(), BASIC);
}

/// The query pairs as a server decodes them, in order.
fn decoded_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Neither the token (raw or encoded) nor the service password shows in `text`.
fn assert_no_secret_in(text: &str) {
    for secret in [TOKEN, TOKEN_QUERY, PASSWORD, "B64ab", "1208277327"] {
        assert!(!text.contains(secret), "{secret:?} shown in: {text}");
    }
}

fn assert_secret_free<T: Debug + Display>(value: &T) {
    assert_no_secret_in(&format!("{value:?}"));
    assert_no_secret_in(&format!("{value:#?}"));
    assert_no_secret_in(&format!("{value}"));
}

/// The parameter error of a call refused before sending.
fn param_error<T: Debug, S: Debug + Display>(result: Result<T, Error<S>>) -> ParamError {
    match result {
        Err(Error::InvalidParam(e)) => {
            assert_secret_free(&e);
            e
        }
        other => panic!("expected Error::InvalidParam, got {other:?}"),
    }
}

/// One API of the spec, as `papi_codegen` reads it.
fn spec_api(id: &str) -> papi_codegen::ir::Api {
    let suite = papi_codegen::load(&papi_tests::spec_dir()).unwrap_or_else(|e| panic!("{e}"));
    suite
        .apis
        .into_iter()
        .find(|a| a.id == id)
        .unwrap_or_else(|| panic!("no API `{id}` in the spec"))
}

// ---------------------------------------------------------------------------------------
// 1. Calendar `addevent` against a local server
// ---------------------------------------------------------------------------------------

#[test]
fn the_raw_and_the_encoded_reference_queries_decode_alike() {
    // Form-urlencoding escapes `:` (`13:40` → `13%3A40`); the script printed it raw. A server
    // reads both the same way, which is what makes our query the reference's.
    assert_ne!(REFERENCE_QUERY, SENT_QUERY);
    assert_eq!(SENT_QUERY.replace("%3A", ":"), REFERENCE_QUERY);
    assert_eq!(decoded_pairs(REFERENCE_QUERY), owned(&REFERENCE_PAIRS));
    assert_eq!(decoded_pairs(SENT_QUERY), owned(&REFERENCE_PAIRS));
}

#[tokio::test]
async fn add_event_sends_the_2008_reference_call() {
    let body = "<?xml version=\"1.0\"?><anything>as served</anything>";
    let server = answering(200, body).await;
    let client = calendar(&server);
    assert_eq!(
        client.endpoint().as_str(),
        format!("{}{CALENDAR}", server.uri())
    );
    let answer = client.add_event(&token(), reference_input()).await.unwrap();
    assert_eq!(
        answer,
        Undecoded {
            status: 200,
            body: body.to_owned()
        }
    );

    let request = only_request(&server).await;
    // Exactly what we send…
    assert_calendar_get(&request, SENT_QUERY);
    // …and what the server reads: the reference's values, in the reference's order, then
    // the token.
    let mut expected = owned(&REFERENCE_PAIRS);
    expected.push(("token".to_owned(), TOKEN.to_owned()));
    let read: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(read, expected);
    let mut reference = decoded_pairs(REFERENCE_QUERY);
    reference.push(("token".to_owned(), TOKEN.to_owned()));
    assert_eq!(read, reference);
}

#[tokio::test]
async fn add_event_sends_only_the_parameters_that_are_set() {
    // Every parameter's mandatoriness is unknown: each is sent only when set, in the spec's
    // order whatever the order of the builder calls.
    let cases: Vec<(AddEvent, &str)> = vec![
        (AddEvent::new(), "action=addevent"),
        (
            AddEvent::new().title("Demo meet"),
            "action=addevent&title=Demo+meet",
        ),
        (
            AddEvent::new()
                .time_pattern("HH:mm")
                .start_date("2008-05-09"),
            "action=addevent&startdate=2008-05-09&timepattern=HH%3Amm",
        ),
        (
            AddEvent::new()
                .end_time("14:15")
                .location("Town hall & café")
                .description("a+b=c"),
            "action=addevent&location=Town+hall+%26+caf%C3%A9&description=a%2Bb%3Dc&endtime=14%3A15",
        ),
    ];
    let server = answering_n(cases.len() as u64, 200, "OK").await;
    let client = calendar(&server);
    for (input, _) in &cases {
        client.add_event(&token(), input.clone()).await.unwrap();
    }
    let received = requests(&server).await;
    assert_eq!(received.len(), cases.len());
    for (request, (input, query)) in received.iter().zip(&cases) {
        assert_calendar_get(request, query);
        // Nothing unset travels, not even empty.
        let names: Vec<String> = request
            .url
            .query_pairs()
            .map(|(k, _)| k.into_owned())
            .collect();
        let set = [
            ("title", input.title.is_some()),
            ("location", input.location.is_some()),
            ("description", input.description.is_some()),
            ("startdate", input.start_date.is_some()),
            ("starttime", input.start_time.is_some()),
            ("enddate", input.end_date.is_some()),
            ("endtime", input.end_time.is_some()),
            ("datepattern", input.date_pattern.is_some()),
            ("timepattern", input.time_pattern.is_some()),
        ];
        for (name, is_set) in set {
            assert_eq!(names.iter().any(|n| n == name), is_set, "{name} in {query}");
        }
    }
}

#[tokio::test]
async fn add_event_answers_come_back_undecoded_as_served() {
    // The answer's shape is unknown: anything that is not an error document is handed back
    // byte for byte (lossy UTF-8), with its status.
    let cases: [(u16, &str); 4] = [
        (200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<addEventReturn><id>E1</id></addEventReturn>\n"),
        (200, "OK"),
        (201, "<event id=\"42\"/>"),
        (200, ""),
    ];
    for (status, body) in cases {
        let server = answering(status, body).await;
        let answer = calendar(&server)
            .add_event(&token(), reference_input())
            .await
            .unwrap_or_else(|e| panic!("{status} {body:?}: {e:?}"));
        assert_eq!(
            answer,
            Undecoded {
                status,
                body: body.to_owned()
            }
        );
        only_request(&server).await;
    }
}

#[tokio::test]
async fn add_event_privacy_error_with_http_500_names_the_agenda_family() {
    let server = answering(500, AGENDA_PRIVACY_ERROR).await;
    // The integration privacy host, trusted explicitly: the base URL is a local server.
    let config = Config::custom(&server.uri(), credentials())
        .unwrap()
        .with_consent_origin("http://int4.mdsp.rec.orange.fr")
        .unwrap();
    let err = papi_calendar::Client::new(&config)
        .unwrap()
        .add_event(&token(), reference_input())
        .await
        .unwrap_err();
    assert_secret_free(&err);
    assert!(err.is_privacy_denied());
    assert!(!err.is_retryable());
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.body(), Some(AGENDA_PRIVACY_ERROR));
    let consent = err.consent().expect("consent request");
    assert_eq!(consent.family(), Some("agenda"));
    assert_eq!(consent.service_id(), Some("YOURSERVIC1234567890"));
    assert_eq!(consent.attributes(), ["add_event"]);
    assert_eq!(
        consent.redirect_url("https://my.site/back").unwrap().as_str(),
        "http://int4.mdsp.rec.orange.fr/privacy/interaction.do?family=agenda&serviceId=YOURSERVIC1234567890&attributes=,add_event&urlRetour=https%3A%2F%2Fmy.site%2Fback"
    );
    let Error::Api(e) = err else {
        panic!("expected Error::Api, got {err:?}")
    };
    assert_eq!(
        e.kind,
        ApiErrorKind::General(GeneralError::PrivacyAccessDenied)
    );
    assert_eq!(e.code, -3);
    assert_eq!(e.detail, "PrivacyAccessDeniedException");
    assert_eq!(e.status, 500);
    assert_eq!(e.body, AGENDA_PRIVACY_ERROR);
    only_request(&server).await;
}

#[tokio::test]
async fn add_event_general_and_unknown_codes_are_api_errors() {
    // A general code on a 200, and a code no table lists (Calendar has no table of its own).
    let invalid_token = "<error><code>-1</code><detail>InvalidTokenException</detail></error>";
    let server = answering(200, invalid_token).await;
    let err = calendar(&server)
        .add_event(&token(), AddEvent::new().title("x"))
        .await
        .unwrap_err();
    assert_secret_free(&err);
    let Error::Api(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(e.general(), Some(GeneralError::InvalidToken));
    assert_eq!(e.status, 200);
    assert_eq!(e.consent, None);

    let unknown = "<error><code>7</code><detail>Something new</detail></error>";
    let server = answering(400, unknown).await;
    let err = calendar(&server)
        .add_event(&token(), AddEvent::new().title("x"))
        .await
        .unwrap_err();
    let Error::Api(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        e.kind,
        ApiErrorKind::Specific(papi_calendar::ErrorCode::Unknown(7))
    );
    assert_eq!(e.specific(), Some(&papi_calendar::ErrorCode::Unknown(7)));
    assert_eq!(e.detail, "Something new");
    assert_eq!(e.status, 400);
    assert!(!e.is_privacy_denied());
}

#[tokio::test]
async fn add_event_non_2xx_without_an_error_document_is_an_unexpected_status() {
    let cases: [(u16, &str, bool); 4] = [
        (502, "Bad Gateway", true),
        (503, "<html><body>Service Unavailable</body></html>", true),
        (404, "Not Found", false),
        (500, "", true),
    ];
    for (status, body, retryable) in cases {
        let server = answering(status, body).await;
        let err = calendar(&server)
            .add_event(&token(), reference_input())
            .await
            .unwrap_err();
        assert_secret_free(&err);
        match &err {
            Error::UnexpectedStatus { status: s, body: b } => {
                assert_eq!(*s, status);
                assert_eq!(b, body);
            }
            other => panic!("{status} {body:?}: expected UnexpectedStatus, got {other:?}"),
        }
        assert_eq!(err.is_retryable(), retryable, "{status}");
        assert_eq!(err.to_string(), format!("unexpected HTTP status {status}"));
        only_request(&server).await;
    }
}

#[tokio::test]
async fn add_event_refuses_an_empty_token_or_value_before_sending() {
    let server = silent().await;
    let client = calendar(&server);
    for t in ["", "  "] {
        let e = param_error(
            client
                .add_event(&UserToken::new(t), reference_input())
                .await,
        );
        assert_eq!(e, ParamError::Empty { param: "token" });
    }
    // A parameter that is set must hold something (sent as given otherwise).
    let e = param_error(
        client
            .add_event(&token(), reference_input().title(" "))
            .await,
    );
    assert_eq!(e, ParamError::Empty { param: "title" });
    let e = param_error(
        client
            .add_event(&token(), AddEvent::new().time_pattern(""))
            .await,
    );
    assert_eq!(
        e,
        ParamError::Empty {
            param: "timepattern"
        }
    );
    assert!(requests(&server).await.is_empty());
}

// ---------------------------------------------------------------------------------------
// 2. Endpoints, descriptors and error tables of the five partial clients
// ---------------------------------------------------------------------------------------

/// What the spec says of one partial API, written out.
struct Case {
    spec_id: &'static str,
    crate_name: &'static str,
    descriptor: &'static ApiDescriptor,
    name: &'static str,
    path: &'static str,
    production: Option<&'static str>,
    integration: Option<&'static str>,
    /// `Client::new(config)` and its endpoint.
    endpoint: fn(&Config) -> Result<Url, ConfigError>,
}

fn cases() -> [Case; 5] {
    [
        Case {
            spec_id: "calendar",
            crate_name: "papi-calendar",
            descriptor: &papi_calendar::API,
            name: "Personal Calendar API",
            path: "/PersonalCalendar/V1",
            production: None,
            integration: Some("https://personal.alpha.orange-api.net/int/PersonalCalendar/V1"),
            endpoint: |c| papi_calendar::Client::new(c).map(|c| c.endpoint().clone()),
        },
        Case {
            spec_id: "content",
            crate_name: "papi-content",
            descriptor: &papi_content::API,
            name: "Personal Content API",
            path: "/PersonalContent/V1",
            production: None,
            integration: None,
            endpoint: |c| papi_content::Client::new(c).map(|c| c.endpoint().clone()),
        },
        Case {
            spec_id: "favourites",
            crate_name: "papi-favourites",
            descriptor: &papi_favourites::API,
            name: "Personal Favourites API",
            path: "/PersonalFavourites/V1",
            production: None,
            integration: None,
            endpoint: |c| papi_favourites::Client::new(c).map(|c| c.endpoint().clone()),
        },
        Case {
            spec_id: "photos",
            crate_name: "papi-photos",
            descriptor: &papi_photos::API,
            name: "Personal Photos API",
            path: "/PersonalPhotos/V1",
            production: None,
            integration: Some("https://personal.alpha.orange-api.net/int/PersonalPhotos/V1"),
            endpoint: |c| papi_photos::Client::new(c).map(|c| c.endpoint().clone()),
        },
        Case {
            spec_id: "profile",
            crate_name: "papi-profile",
            descriptor: &papi_profile::API,
            name: "Personal Profile API",
            path: "/PersonalProfile/V1",
            production: None,
            integration: None,
            endpoint: |c| papi_profile::Client::new(c).map(|c| c.endpoint().clone()),
        },
    ]
}

#[test]
fn the_written_out_expectations_are_the_specs() {
    for case in cases() {
        let api = spec_api(case.spec_id);
        assert_eq!(api.crate_name, case.crate_name);
        assert_eq!(api.title, case.name, "{}", case.spec_id);
        assert_eq!(api.path, case.path, "{}", case.spec_id);
        assert_eq!(
            api.production.url.as_deref(),
            case.production,
            "{}",
            case.spec_id
        );
        assert_eq!(
            api.integration.url.as_deref(),
            case.integration,
            "{}",
            case.spec_id
        );
        // An unknown endpoint says why.
        assert_eq!(
            api.production.unknown.is_some(),
            case.production.is_none(),
            "{}",
            case.spec_id
        );
        assert_eq!(
            api.integration.unknown.is_some(),
            case.integration.is_none(),
            "{}",
            case.spec_id
        );
        assert!(api.envelope.is_none(), "{}", case.spec_id);
        assert!(api.errors.is_empty(), "{}", case.spec_id);
    }
}

#[test]
fn each_descriptor_matches_the_spec() {
    for case in cases() {
        assert_eq!(
            *case.descriptor,
            ApiDescriptor {
                name: case.name,
                path: case.path,
                production: case.production,
                integration: case.integration,
                envelope: None,
            },
            "{}",
            case.crate_name
        );
    }
}

#[test]
fn production_is_refused_where_the_spec_has_no_endpoint() {
    for case in cases() {
        let result = (case.endpoint)(&Config::production(credentials()));
        match case.production {
            Some(url) => assert_eq!(result.unwrap().as_str(), url, "{}", case.crate_name),
            None => {
                let err = result.unwrap_err();
                assert_eq!(
                    err,
                    ConfigError::UndocumentedEndpoint {
                        api: case.name,
                        environment: "production"
                    },
                    "{}",
                    case.crate_name
                );
                let shown = err.to_string();
                assert!(shown.contains(case.name), "{shown}");
                assert!(shown.contains("production"), "{shown}");
                assert!(shown.contains("not documented"), "{shown}");
                assert_no_secret_in(&format!("{err:?}"));
            }
        }
    }
}

#[test]
fn integration_is_the_spec_url_or_refused() {
    for case in cases() {
        let result = (case.endpoint)(&Config::integration(credentials()));
        match case.integration {
            Some(url) => assert_eq!(result.unwrap().as_str(), url, "{}", case.crate_name),
            None => {
                let err = result.unwrap_err();
                assert_eq!(
                    err,
                    ConfigError::UndocumentedEndpoint {
                        api: case.name,
                        environment: "integration"
                    },
                    "{}",
                    case.crate_name
                );
                let shown = err.to_string();
                assert!(shown.contains(case.name), "{shown}");
                assert!(shown.contains("integration"), "{shown}");
                assert!(shown.contains("not documented"), "{shown}");
            }
        }
    }
}

#[test]
fn a_custom_base_gets_the_spec_path() {
    for case in cases() {
        for (base, prefix) in [
            ("http://127.0.0.1:9/int", "http://127.0.0.1:9/int"),
            ("http://127.0.0.1:9/int/", "http://127.0.0.1:9/int"),
            ("http://127.0.0.1:9", "http://127.0.0.1:9"),
            ("https://sandbox.example/a/b", "https://sandbox.example/a/b"),
        ] {
            let config = Config::custom(base, credentials()).unwrap();
            assert_eq!(
                (case.endpoint)(&config).unwrap().as_str(),
                format!("{prefix}{}", case.path),
                "{} with {base}",
                case.crate_name
            );
        }
    }
}

/// A table with no code of its own: every code is kept as `Unknown`, none is retryable, and
/// the general codes still classify as general.
fn assert_no_specific_codes<C: ApiCode + PartialEq>(unknown: fn(i64) -> C, crate_name: &str) {
    assert_eq!(C::from_code(7), unknown(7), "{crate_name}");
    for code in [7, 0, 1, 100, 103, -11, i64::MIN] {
        let c = C::from_code(code);
        assert_eq!(c, unknown(code), "{crate_name} {code}");
        assert_eq!(c.code(), code, "{crate_name}");
        assert!(!c.is_retryable(), "{crate_name} {code}");
        assert!(c.to_string().starts_with(&format!("{code} ")), "{c}");
        assert_eq!(
            ApiErrorKind::<C>::classify(code),
            ApiErrorKind::Specific(unknown(code)),
            "{crate_name} {code}"
        );
    }
    assert_eq!(
        ApiErrorKind::<C>::classify(-3),
        ApiErrorKind::General(GeneralError::PrivacyAccessDenied),
        "{crate_name}"
    );
}

#[test]
fn no_partial_api_has_codes_of_its_own() {
    assert_no_specific_codes(papi_calendar::ErrorCode::Unknown, "papi-calendar");
    assert_no_specific_codes(papi_content::ErrorCode::Unknown, "papi-content");
    assert_no_specific_codes(papi_favourites::ErrorCode::Unknown, "papi-favourites");
    assert_no_specific_codes(papi_photos::ErrorCode::Unknown, "papi-photos");
    assert_no_specific_codes(papi_profile::ErrorCode::Unknown, "papi-profile");
}

// ---------------------------------------------------------------------------------------
// 3. Authentication API: identity-provider facts and the login redirect
// ---------------------------------------------------------------------------------------

#[test]
fn identity_providers_are_the_specs() {
    use papi_auth::idp::{IdentityProvider, INTEGRATION, PRODUCTION, TOKEN_ATTRIBUTE};

    assert_eq!(TOKEN_ATTRIBUTE, "OrangeAPIToken");
    assert_eq!(PRODUCTION.environment, "production");
    assert_eq!(PRODUCTION.entity_id, "http://auth.orange.fr");
    assert_eq!(PRODUCTION.sso_url, "http://auth.orange.fr/sso");
    assert_eq!(
        PRODUCTION.sso_bindings,
        ["urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"]
    );
    assert_eq!(
        PRODUCTION.manage_name_id_url,
        Some("http://auth.orange.fr/managenameid")
    );
    assert_eq!(
        PRODUCTION.nameid_formats,
        ["urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"]
    );
    assert_eq!(PRODUCTION.certificate_pem, None);

    assert_eq!(INTEGRATION.environment, "integration");
    assert_eq!(INTEGRATION.entity_id, "http://auth-int.orange.fr");
    assert_eq!(INTEGRATION.sso_url, "http://auth-int.orange.fr/sso");
    assert_eq!(
        INTEGRATION.sso_bindings,
        [
            "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
            "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
        ]
    );
    assert_eq!(
        INTEGRATION.manage_name_id_url,
        Some("http://auth-int.orange.fr/managenameid")
    );
    assert_eq!(
        INTEGRATION.nameid_formats,
        [
            "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
        ]
    );
    assert_eq!(INTEGRATION.certificate_pem, None);

    // The same facts, read from the spec.
    let api = spec_api("authentication");
    assert_eq!(api.crate_name, "papi-auth");
    assert_eq!(api.production.url.as_deref(), Some(PRODUCTION.sso_url));
    assert_eq!(api.integration.url.as_deref(), Some(INTEGRATION.sso_url));
    let sso = api.sso.expect("sso section");
    assert_eq!(sso.token_attribute, TOKEN_ATTRIBUTE);
    assert_eq!(sso.idps.len(), 2);
    let generated: [&IdentityProvider; 2] = [&PRODUCTION, &INTEGRATION];
    for (spec, ours) in sso.idps.iter().zip(generated) {
        assert_eq!(spec.environment, ours.environment);
        assert_eq!(spec.entity_id, ours.entity_id);
        assert_eq!(spec.sso_url, ours.sso_url);
        assert_eq!(spec.sso_bindings, ours.sso_bindings);
        assert_eq!(spec.manage_name_id_url.as_deref(), ours.manage_name_id_url);
        assert_eq!(spec.nameid_formats, ours.nameid_formats);
        // Both certificates are unknown in the spec.
        assert!(spec.certificate.is_err(), "{}", spec.environment);
    }
}

#[test]
fn login_redirect_goes_to_the_integration_sso_url_with_a_saml_request() {
    use papi_auth::{idp, IdentityProviderConfig, ServiceProvider};

    let orange = IdentityProviderConfig::from_metadata(&idp::INTEGRATION).unwrap();
    assert_eq!(orange.entity_id(), "http://auth-int.orange.fr");
    let sp =
        ServiceProvider::new("https://my.site/saml", "https://my.site/saml/acs", orange).unwrap();
    let now = papi_auth::chrono::DateTime::from_timestamp(1_208_277_327, 0).unwrap();
    let login = sp.login_redirect(Some("/calendar"), now).unwrap();
    let url = login.url.as_str();
    assert!(url.starts_with("http://auth-int.orange.fr/sso?"), "{url}");
    assert!(url.starts_with(idp::INTEGRATION.sso_url), "{url}");
    assert!(url.contains("SAMLRequest="), "{url}");
    let pairs = decoded_pairs(login.url.query().unwrap());
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["SAMLRequest", "RelayState"]);
    assert!(!pairs[0].1.is_empty());
    assert_eq!(pairs[1].1, "/calendar");
    assert!(!login.request_id.is_empty());
    assert_eq!(login.issue_instant, now);
}

// ---------------------------------------------------------------------------------------
// 4. The unknowns reach the generated documentation
// ---------------------------------------------------------------------------------------

/// The crate documentation (`//!` lines) of a generated crate's `lib.rs`, one entry a line.
fn crate_doc_lines(crate_name: &str) -> Vec<String> {
    let path = papi_codegen::workspace_root()
        .join("crates")
        .join(crate_name)
        .join("src/lib.rs");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert!(text.starts_with("// @generated"), "{}", path.display());
    text.lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(str::to_owned)
        .collect()
}

/// The one crate-doc line holding `needle`.
fn doc_line_with<'a>(lines: &'a [String], needle: &str, crate_name: &str) -> &'a str {
    let found: Vec<&String> = lines.iter().filter(|l| l.contains(needle)).collect();
    assert_eq!(
        found.len(),
        1,
        "{crate_name}: expected one crate-doc line with {needle:?}, found {found:?}"
    );
    found[0]
}

#[test]
fn favourites_docs_say_what_is_undocumented() {
    // Read as text, independently of the spec.
    let path = papi_codegen::workspace_root().join("crates/papi-favourites/src/lib.rs");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("undocumented"));
    assert!(text.contains(
        "Add a bookmark to the user's \"Mes favoris\", pointing to the service's website"
    ));

    // Against the spec: its undocumented action and both unknown endpoints are in the
    // crate documentation, marked undocumented.
    let api = spec_api("favourites");
    let lines = crate_doc_lines("papi-favourites");
    assert_eq!(api.undocumented_actions.len(), 1);
    let (action, _source) = &api.undocumented_actions[0];
    assert!(action.contains("add_bookmark"), "{action}");
    let line = doc_line_with(&lines, action, "papi-favourites");
    assert!(line.contains("undocumented action"), "{line}");
    assert!(line.contains("no method is generated"), "{line}");

    for (environment, endpoint) in [
        ("production", &api.production),
        ("integration", &api.integration),
    ] {
        let why = endpoint.unknown.as_deref().expect("unknown endpoint");
        let line = doc_line_with(&lines, why, "papi-favourites");
        assert!(
            line.contains(&format!("{environment}: undocumented")),
            "{line}"
        );
    }
}

#[test]
fn every_partial_crate_documents_its_unknowns() {
    for case in cases() {
        let api = spec_api(case.spec_id);
        let lines = crate_doc_lines(case.crate_name);
        assert!(
            !api.undocumented_actions.is_empty(),
            "{}: the spec lists no undocumented action",
            case.spec_id
        );
        for (action, _) in &api.undocumented_actions {
            let line = doc_line_with(&lines, action, case.crate_name);
            assert!(line.contains("undocumented action"), "{line}");
        }
        for (environment, endpoint) in [
            ("production", &api.production),
            ("integration", &api.integration),
        ] {
            if let Some(why) = endpoint.unknown.as_deref() {
                let line = doc_line_with(&lines, why, case.crate_name);
                assert!(
                    line.contains(&format!("{environment}: undocumented")),
                    "{line}"
                );
            }
        }
    }
}

#[tokio::test]
async fn add_event_broken_error_document_on_200_is_not_a_success() {
    for (body, path) in [
        (
            "<error><detail>InvalidTokenException</detail></error>",
            "error/code",
        ),
        (
            "<error><code>abc</code><detail>PrivacyAccessDeniedException</detail></error>",
            "error/code",
        ),
    ] {
        // What the runtime's other decoders make of the same answer: a decode error naming
        // the code's path.
        match papi_core::decode::general::<i64>(200, body.as_bytes()) {
            Err(Error::Decode(d)) => assert_eq!(d.path(), Some(path), "{body}"),
            other => panic!("{body}: decode::general gave {other:?}"),
        }
        let server = answering(200, body).await;
        let result = calendar(&server)
            .add_event(&token(), reference_input())
            .await;
        match result {
            Err(Error::Decode(d)) => {
                assert_eq!(d.path(), Some(path), "{body}");
                assert_eq!(d.status, Some(200));
                assert_eq!(d.body, body);
            }
            other => panic!("{body}: expected Error::Decode, got {other:?}"),
        }
        only_request(&server).await;
    }
}
