//! The request shape on the wire, against a local wiremock server.

use papi_core::de::{self, BytesStart, DeError, Events, FromXml, Seg};
use papi_core::{
    ApiDescriptor, Config, Envelope, Error, Request, ServiceCredentials, Transport, Upload,
    UserToken,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

static CONTACTS: ApiDescriptor = ApiDescriptor {
    name: "Test Contacts",
    path: "/PersonalContacts/V1",
    production: None,
    integration: None,
    envelope: Some(Envelope::CommandResult {
        root: "xpage",
        command_path: &["command-list", "command"],
        result: "result",
        error: "error",
        code_attr: "type",
        subtype_attr: "subtype",
    }),
};

const COMMAND: &[&str] = &["command-list", "command"];

const ADDED: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<xpage version="1.0"><command-list><command request="g10" action="ctcaddmedia"><result>0</result><id>c6</id></command></command-list></xpage>"#;

/// `base64("myDemoSP:s3cr3t-pwd")`.
const BASIC: &str = "Basic bXlEZW1vU1A6czNjcjN0LXB3ZA==";

#[derive(Debug)]
struct Added {
    id: String,
}

/// Decoded as a generated type is: the `id` child element.
impl FromXml for Added {
    fn from_xml(x: &mut Events<'_>, _: &BytesStart<'_>, empty: bool) -> Result<Self, DeError> {
        let mut id = None;
        if !empty {
            while let Some((child, child_empty)) = x.child()? {
                match child.local_name().as_ref() {
                    "id" => de::set(&mut id, "id", Seg::Child("id"), || x.text(child_empty))?,
                    _ => x.skip(child_empty)?,
                }
            }
        }
        Ok(Self {
            id: de::required(id, Seg::Child("id"))?,
        })
    }
}

fn config(server: &MockServer) -> Config {
    Config::custom(
        &format!("{}/int", server.uri()),
        ServiceCredentials::new("myDemoSP", "s3cr3t-pwd"),
    )
    .unwrap()
}

#[tokio::test]
async fn get_sends_the_exact_query_and_basic_auth() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/int/PersonalContacts/V1"))
        .and(header("authorization", BASIC))
        .and(|req: &wiremock::Request| {
            req.url.query()
                == Some("action=findcontactlist&search=%22complex+string%22&token=a%2Bb%7Cc")
        })
        .respond_with(ResponseTemplate::new(200).set_body_string(ADDED))
        .expect(1)
        .mount(&server)
        .await;

    let transport = Transport::new(&config(&server), &CONTACTS).unwrap();
    assert_eq!(
        transport.endpoint().as_str(),
        format!("{}/int/PersonalContacts/V1", server.uri())
    );
    let mut req = Request::new("findcontactlist");
    req.param(
        "search",
        papi_core::check::quote_if_complex("complex string"),
    );
    let added: Added = transport
        .call::<Added, i64>(req, &UserToken::new("a+b|c"), COMMAND)
        .await
        .unwrap();
    assert_eq!(added.id, "c6");
}

#[tokio::test]
async fn multipart_post_carries_fields_then_the_file_part() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/PersonalContacts/V1"))
        .and(header("authorization", BASIC))
        .respond_with(ResponseTemplate::new(200).set_body_string(ADDED))
        .expect(1)
        .mount(&server)
        .await;

    let endpoint = format!("{}/PersonalContacts/V1", server.uri());
    let transport = Transport::with_endpoint(&config(&server), &CONTACTS, &endpoint).unwrap();
    let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    let mut req = Request::new("addpicture");
    req.param("cid", "C1");
    req.file("file", Upload::new(jpeg.clone(), "picture.jpg"));
    let token = UserToken::new("Hjlkzjlfkzef23423kjlkjr");
    let _: Added = transport
        .call::<Added, i64>(req, &token, COMMAND)
        .await
        .unwrap();

    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(
        r.url.query(),
        None,
        "the token travels in the body, not the URL"
    );
    let content_type = r.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let body = String::from_utf8_lossy(&r.body);
    let at = |needle: &str| {
        body.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in body:\n{body}"))
    };
    let action = at("name=\"action\"\r\n\r\naddpicture\r\n");
    let cid = at("name=\"cid\"\r\n\r\nC1\r\n");
    let token_field = at("name=\"token\"\r\n\r\nHjlkzjlfkzef23423kjlkjr\r\n");
    let file = at("name=\"file\"; filename=\"picture.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n");
    assert!(action < cid && cid < token_field && token_field < file);
    assert!(r.body.windows(jpeg.len()).any(|w| w == jpeg.as_slice()));
}

#[tokio::test]
async fn privacy_error_with_status_500_is_an_api_error() {
    let server = MockServer::start().await;
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><error><!--Warning : operation non autorisee--><code>-3</code><detail>PrivacyAccessDeniedException</detail><url>http://int4.mdsp.rec.orange.fr/privacy/interaction.do?family=contact&amp;serviceId=[serviceId]&amp;attributes=,see</url></error>";
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string(body))
        .mount(&server)
        .await;
    // The integration privacy host, trusted explicitly: the base URL is a local server.
    let config = config(&server)
        .with_consent_origin("http://int4.mdsp.rec.orange.fr")
        .unwrap();
    let transport = Transport::new(&config, &CONTACTS).unwrap();
    let err = transport
        .call::<Added, i64>(Request::new("getcontact"), &UserToken::new("t"), COMMAND)
        .await
        .unwrap_err();
    assert!(err.is_privacy_denied(), "{err:?}");
    assert_eq!(err.status(), Some(500));
    let consent = err.consent().unwrap();
    assert_eq!(consent.family(), Some("contact"));
    let back = consent.redirect_url("https://my.site/back").unwrap();
    assert!(back
        .as_str()
        .ends_with("&attributes=,see&urlRetour=https%3A%2F%2Fmy.site%2Fback"));
}

#[tokio::test]
async fn injected_client_is_used_and_timeouts_are_transport_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(ADDED)
                .set_delay(std::time::Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = papi_core::tls::client_builder()
        .timeout(std::time::Duration::from_millis(100))
        .build()
        .unwrap();
    let cfg = config(&server).with_http_client(client);
    let transport = Transport::new(&cfg, &CONTACTS).unwrap();
    let err = transport
        .call::<Added, i64>(
            Request::new("getcontact"),
            &UserToken::new("sekret-token"),
            COMMAND,
        )
        .await
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), papi_core::TransportErrorKind::Timeout);
    assert!(err.is_retryable());
    for shown in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
        assert!(!shown.contains("sekret-token"), "{shown}");
        assert!(!shown.contains("s3cr3t-pwd"), "{shown}");
    }
    assert!(
        t.url().ends_with("action=getcontact&token=***"),
        "{}",
        t.url()
    );
}
