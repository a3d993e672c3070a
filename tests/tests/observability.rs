//! Every call runs in a `papi.call` span carrying the API, the action, the attempts, the
//! last HTTP status, the outcome and the duration, for the async and the blocking clients
//! alike. One test per binary: the capturing subscriber is global.

mod support;

use support::{capturing_subscriber, credentials, token};
use tracing_subscriber::util::SubscriberInitExt;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The fields of the `papi.call` span in the line announcing the end of each call.
fn finished_calls(trace: &str) -> Vec<String> {
    trace
        .lines()
        .filter(|l| l.contains("papi: call done"))
        .map(|l| {
            let start = l.find("papi.call{").expect("the event is inside the span");
            let end = start + l[start..].find('}').expect("span fields end");
            l[start + "papi.call{".len()..end].to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_call_is_a_span_with_api_action_status_outcome_and_duration() {
    let (subscriber, captured) = capturing_subscriber();
    subscriber.init();

    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            papi_tests::sample("samples/contacts/findcontactlist.corrected.xml"),
            "text/xml",
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            papi_tests::sample("samples/common/error_invalid_token.xml"),
            "text/xml",
        ))
        .mount(&server)
        .await;
    let config = papi_core::Config::custom(&server.uri(), credentials()).unwrap();

    let contacts = papi_contacts::Client::new(&config).unwrap();
    contacts
        .find_contact_list(&token(), "Orange")
        .await
        .unwrap();

    let blocking_config = config.clone();
    let refused = tokio::task::spawn_blocking(move || {
        let messages = papi_messages::blocking::Client::new(&blocking_config).unwrap();
        messages.get_personal_messages(&token(), &[papi_messages::types::MessagesInfo::NoSms])
    })
    .await
    .unwrap();
    assert!(refused.is_err());

    let calls = finished_calls(&captured.text());
    assert_eq!(calls.len(), 2, "{}", captured.text());
    let expect = [
        (
            &calls[0],
            "api=\"Personal Contacts API\" action=\"findcontactlist\" attempts=1 status=200 outcome=\"ok\" duration_ms=",
        ),
        (
            &calls[1],
            "api=\"Personal Messages API\" action=\"getPersonalMessages\" attempts=1 status=200 outcome=\"API code -1\" duration_ms=",
        ),
    ];
    for (fields, prefix) in expect {
        assert!(fields.starts_with(prefix), "{fields}");
        let ms = &fields[prefix.len()..];
        assert!(
            ms.parse::<u64>().is_ok(),
            "duration_ms is a number: {fields}"
        );
    }
}
