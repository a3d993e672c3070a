//! The Messages V1 action `getPNS`, served on its own endpoint (`/PersonalMessages/V1`).

use papi_core::{Config, ConfigError, Error, InferredAnswer, ServiceCredentials, UserToken};
use papi_messages::types::PnsStatus;
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
    // Not the inferred shape: returned as received.
    let raw = answer.undecoded().expect("another shape is not decoded");
    assert_eq!((raw.status, raw.body.as_str()), (200, "<anything/>"));
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

// The answer shape inferred from Orange's mod_dup captures (extras.md §9.2): the capture's
// elements, nesting and CDATA wrapping, with numbers where it anonymised the counts.
const INFERRED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<getPNSReturn>
  <Process><Status>OK</Status></Process>
  <Data>
    <SyndicationData>
      <NoMMS>0</NoMMS><NoSMS>2</NoSMS><NoUnReadMails>-1</NoUnReadMails>
      <EmailsLastNDetailed><![CDATA[<?xml version='1.0' encoding='UTF-8'?>
<result><unseenmsg>12</unseenmsg><nbmsg>40</nbmsg><nextUID>4711</nextUID>
<msgs><msg><msg_id>17</msg_id><msg_from>0612345678 &lt;noreply@example.fr&gt;</msg_from>
<msg_date>Sun, 7 Mar 2006 15:35:06 +0100 (CET)</msg_date><msg_subject>Demande d'informations</msg_subject>
<msg_url_access>http://webmail.example.fr/webmail/fr_FR/read_syn.html?idm=17%26idb=xxx</msg_url_access></msg></msgs></result>]]></EmailsLastNDetailed>
    </SyndicationData>
    <Extension><NoEMails>-1</NoEMails><NoFutureCount>5</NoFutureCount></Extension>
  </Data>
</getPNSReturn>
"#;

/// Only `OK` was recovered: another status is kept as received, and the answer with it.
#[test]
fn an_unrecovered_get_pns_status_keeps_the_answer() {
    let other = INFERRED.replace("<Status>OK</Status>", "<Status>KO</Status>");
    let answer = papi_messages::decode::get_pns(200, other.as_bytes()).unwrap();
    let InferredAnswer::Typed(pns) = answer else {
        panic!("not decoded: {answer:?}");
    };
    assert_eq!(pns.process.status, PnsStatus::Other("KO".to_owned()));
    assert!(!pns.process.status.is_known());
    let s = pns.data.syndication_data.as_ref().unwrap();
    assert_eq!(s.no_sms, Some(2));
}

#[test]
fn the_inferred_get_pns_shape_is_decoded() {
    let answer = papi_messages::decode::get_pns(200, INFERRED.as_bytes()).unwrap();
    let InferredAnswer::Typed(pns) = answer else {
        panic!("not decoded: {answer:?}");
    };
    assert_eq!(pns.process.status, PnsStatus::Ok);
    let s = pns.data.syndication_data.as_ref().unwrap();
    assert_eq!(
        (s.no_mms, s.no_sms, s.no_unread_mails),
        (Some(0), Some(2), Some(-1))
    );
    // An element the shape does not name (`NoFutureCount`) is skipped, as in every answer.
    assert_eq!(pns.data.extension.as_ref().unwrap().no_emails, Some(-1));
    // The e-mail overview is kept as the text received, and decodes on demand.
    let text = s.emails_last_n_detailed.as_deref().unwrap();
    assert!(text.starts_with("<?xml version='1.0' encoding='UTF-8'?>\n<result>"));
    let summary = s.emails_last_n_detailed_document().unwrap().unwrap();
    assert_eq!(
        (
            summary.unseen.as_deref(),
            summary.count.as_deref(),
            summary.next_uid.as_deref()
        ),
        (Some("12"), Some("40"), Some("4711"))
    );
    let mails = &summary.messages.as_ref().unwrap().items;
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].from.as_deref(),
        Some("0612345678 <noreply@example.fr>")
    );
    assert_eq!(mails[0].subject.as_deref(), Some("Demande d'informations"));
}

#[test]
fn an_inferred_get_pns_answer_encodes_and_decodes_back() {
    let InferredAnswer::Typed(pns) =
        papi_messages::decode::get_pns(200, INFERRED.as_bytes()).unwrap()
    else {
        panic!("not decoded");
    };
    let encoded = papi_messages::encode::get_pns(&pns).unwrap();
    let again = papi_messages::decode::get_pns(200, encoded.as_bytes()).unwrap();
    assert_eq!(again, InferredAnswer::Typed(pns));
}

#[test]
fn a_get_pns_answer_of_another_shape_is_returned_as_received() {
    let cases = [
        // The capture as published, with its anonymised counts: not integers.
        INFERRED.replace("<NoSMS>2</NoSMS>", "<NoSMS>x</NoSMS>"),
        // No `Process`, which every capture has.
        INFERRED.replace("<Process><Status>OK</Status></Process>", ""),
        // Another root.
        INFERRED.replace("getPNSReturn", "getPersonalMessagesReturn"),
        // Not XML at all.
        "NoUnReadMails=3".to_owned(),
        String::new(),
    ];
    for body in cases {
        let answer = papi_messages::decode::get_pns(200, body.as_bytes()).unwrap();
        assert_eq!(
            answer,
            InferredAnswer::Undecoded(papi_core::Undecoded {
                status: 200,
                body: body.clone()
            }),
            "{body}"
        );
    }
    // The embedded overview is only decoded on demand: a broken one does not make the
    // answer fall back, and its own error is reported when asked for.
    let broken = INFERRED.replace("</msgs></result>", "</msgs>");
    let InferredAnswer::Typed(pns) =
        papi_messages::decode::get_pns(200, broken.as_bytes()).unwrap()
    else {
        panic!("the answer itself has the shape");
    };
    let s = pns.data.syndication_data.unwrap();
    assert!(s.emails_last_n_detailed_document().unwrap().is_err());
}

#[test]
fn a_get_pns_error_document_is_still_an_error() {
    let body = "<error><code>-3</code><detail>PrivacyAccessDeniedException</detail></error>";
    let err = papi_messages::decode::get_pns(200, body.as_bytes()).unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.code == -3), "{err:?}");
    let err = papi_messages::decode::get_pns(502, INFERRED.as_bytes()).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedStatus { status: 502, .. }),
        "{err:?}"
    );
}
