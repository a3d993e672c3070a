//! Faults injected on purpose by the sandbox (`SandboxConfig::faults`, `papi sandbox
//! --faults`), each driven through a generated client, which must give the typed error a
//! real server's failure would give.

use std::time::Duration;

use papi_core::{
    ApiErrorKind, Config, Error, GeneralError, RetryPolicy, TransportErrorKind, UserToken,
};
use papi_sandbox::{AutoConsent, Fault, FaultRule, Faults, RunningSandbox, Sandbox, SandboxConfig};

struct Env {
    running: RunningSandbox,
    config: Config,
    token: UserToken,
}

async fn start(rules: Vec<FaultRule>) -> Env {
    let sandbox = Sandbox::open(SandboxConfig {
        auto_consent: AutoConsent::All,
        faults: Faults::new(7, rules),
        ..SandboxConfig::default()
    })
    .unwrap();
    let running = sandbox.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    // No retries: each injected fault is seen once, as it is.
    let config = Config::custom(running.base_url().as_str(), sandbox.service_credentials())
        .unwrap()
        .with_retry(RetryPolicy::none())
        .with_request_timeout(Duration::from_secs(2));
    Env {
        token: sandbox.issue_token("alice").unwrap(),
        running,
        config,
    }
}

fn general(code: i64, status: Option<u16>) -> Option<Fault> {
    Some(Fault::General { code, status })
}

#[tokio::test]
async fn every_fault_gives_the_client_the_typed_error_of_a_real_failure() {
    let env = start(vec![
        FaultRule::new("contacts/getcontact", general(-2, None)),
        FaultRule::new(
            "contacts/findcontactlist",
            Some(Fault::Api {
                code: 100,
                status: Some(500),
            }),
        ),
        FaultRule::new("calendar/addevent", general(-9, Some(500))),
        FaultRule::new("messages/getPersonalMessages", Some(Fault::Truncated)),
        FaultRule::new("rich_profile/*", Some(Fault::Closed)),
        FaultRule::new("messages/getPNS", None).with_latency_ms(3_000, 3_000),
    ])
    .await;
    let t = &env.token;
    let contacts = papi_contacts::Client::new(&env.config).unwrap();

    // A general error of the spec's table, as the documents print it.
    let e = contacts.get_contact(t, "1").await.unwrap_err();
    let Error::Api(api) = &e else { panic!("{e:?}") };
    assert_eq!(
        api.general(),
        Some(GeneralError::ServiceEnablerNotFound),
        "{e}"
    );

    // The API's own code, with HTTP 500.
    let e = contacts.find_contact_list(t, "a").await.unwrap_err();
    let Error::Api(api) = &e else { panic!("{e:?}") };
    assert_eq!((api.code, api.status), (100, 500), "{e}");
    assert_eq!(
        api.kind,
        ApiErrorKind::Specific(papi_contacts::ErrorCode::DataNotFound)
    );

    // A general code with another status.
    let calendar = papi_calendar::Client::new(&env.config).unwrap();
    let op = papi_calendar::operation::AddEvent::new().title("x");
    let e = calendar.add_event(t, op).await.unwrap_err();
    let Error::Api(api) = &e else { panic!("{e:?}") };
    assert_eq!((api.code, api.status), (-9, 500), "{e}");

    // A truncated answer and a connection closed before the body: transport errors.
    let messages = papi_messages::Client::new(&env.config).unwrap();
    let infos = [papi_messages::types::MessagesInfo::NoSms];
    let e = messages.get_personal_messages(t, &infos).await.unwrap_err();
    assert!(matches!(&e, Error::Transport(_)), "{e:?}");
    let rich = papi_rich_profile::Client::new(&env.config).unwrap();
    let infos = [papi_rich_profile::types::RichProfileInfo::Firstname];
    let e = rich.get_personal_rich_profile(t, &infos).await.unwrap_err();
    assert!(matches!(&e, Error::Transport(_)), "{e:?}");

    // Latency beyond the client's timeout.
    let e = messages
        .get_pns(t, papi_messages::operation::GetPns::new())
        .await
        .unwrap_err();
    let Error::Transport(te) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(te.kind(), TransportErrorKind::Timeout, "{e}");

    env.running.shutdown().await;
}

#[tokio::test]
async fn a_faulted_write_changes_nothing_and_the_same_seed_gives_the_same_faults() {
    let rules =
        vec![FaultRule::new("contacts/addcontact", general(-2, None)).with_probability(0.5)];
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let env = start(rules.clone()).await;
        let contacts = papi_contacts::Client::new(&env.config).unwrap();
        let mut run = Vec::new();
        for i in 0..16 {
            let op = papi_contacts::operation::AddContact::new().lastname(format!("N{i}"));
            run.push(
                contacts
                    .add_contact(&env.token, op)
                    .await
                    .ok()
                    .map(|a| a.id),
            );
        }
        // Only the answered adds were stored.
        let stored = contacts
            .find_contact_list(&env.token, "N")
            .await
            .unwrap()
            .contacts
            .map_or(0, |c| c.entries.len());
        assert_eq!(stored, run.iter().filter(|r| r.is_some()).count());
        outcomes.push(run.iter().map(Option::is_some).collect::<Vec<_>>());
        env.running.shutdown().await;
    }
    assert_eq!(outcomes[0], outcomes[1]);
    assert!(
        outcomes[0].contains(&true) && outcomes[0].contains(&false),
        "{outcomes:?}"
    );
}

#[test]
fn faults_outside_the_spec_tables_are_refused_when_the_sandbox_is_made() {
    let e = Sandbox::open(SandboxConfig {
        faults: Faults::new(
            1,
            vec![FaultRule::new(
                "contacts/*",
                Some(Fault::Api {
                    code: 103,
                    status: None,
                }),
            )],
        ),
        ..SandboxConfig::default()
    })
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("103 is not a code of the contacts API"),
        "{e}"
    );
}
