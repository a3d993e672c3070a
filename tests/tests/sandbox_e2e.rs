//! End-to-end tests of `papi-sandbox`: each test starts a sandbox on a free loopback port
//! and talks to it with the generated clients, or with raw requests where the clients
//! would refuse to send.

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use papi_core::reqwest;
use papi_core::{
    ApiCode, ApiErrorKind, Config, ConsentRequest, Consented, Error, GeneralError, ImageType,
    Upload, UserToken,
};
use papi_messages::types::PnsStatus;
use papi_sandbox::{RunningSandbox, Sandbox, SandboxConfig, TestUser};

const RETURN_URL: &str = "https://my.service.example/back?step=2&x=a b";
/// The service's web site, registered with the sandbox (`SandboxConfig::site_origins`).
const SITE_ORIGIN: &str = "https://my.service.example";

/// A 1×1 JPEG header, enough to be sniffed as one.
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

struct Env {
    sandbox: Sandbox,
    running: RunningSandbox,
    config: Config,
    token: UserToken,
    http: reqwest::Client,
    /// The test users, whose passwords the user types on the consent page.
    users: Vec<TestUser>,
}

impl Env {
    async fn start() -> Env {
        Env::start_with(SandboxConfig::default()).await
    }

    /// A sandbox of `config`, with the service's site ([`SITE_ORIGIN`]) registered.
    async fn start_with(mut config: SandboxConfig) -> Env {
        config.site_origins.push(SITE_ORIGIN.to_owned());
        let users = config.users.clone();
        let sandbox = Sandbox::new(config);
        let running = sandbox.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let config =
            Config::custom(running.base_url().as_str(), sandbox.service_credentials()).unwrap();
        let token = sandbox.issue_token("alice").unwrap();
        let http = papi_core::tls::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Env {
            sandbox,
            running,
            config,
            token,
            http,
            users,
        }
    }

    fn url(&self, path: &str) -> String {
        self.running.base_url().join(path).unwrap().to_string()
    }

    fn contacts(&self) -> papi_contacts::Client {
        papi_contacts::Client::new(&self.config).unwrap()
    }

    fn messages(&self) -> papi_messages::Client {
        papi_messages::Client::new(&self.config).unwrap()
    }

    fn rich_profile(&self) -> papi_rich_profile::Client {
        papi_rich_profile::Client::new(&self.config).unwrap()
    }

    fn calendar(&self) -> papi_calendar::Client {
        papi_calendar::Client::new(&self.config).unwrap()
    }

    /// Answers the consent request as a user would in a browser without a session: opens
    /// the page the service redirects to, checks its three buttons, types the password of
    /// the user the page names, posts the chosen button and checks the 303 back to the
    /// service.
    async fn decide(&self, consent: &ConsentRequest, decision: &str) {
        let page_url = consent.redirect_url(RETURN_URL).unwrap();
        assert_eq!(
            page_url.host_str(),
            self.running.base_url().host_str(),
            "{page_url}"
        );
        let page = self.http.get(page_url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        for choice in ["once", "permanent", "refuse"] {
            assert!(
                html.contains(&format!("name=\"decision\" value=\"{choice}\"")),
                "{html}"
            );
        }
        let action = attribute_after(&html, "<form method=\"post\" action=\"");
        let login = hidden(&html, "login");
        let user = self.users.iter().find(|u| u.login == login).unwrap();
        let form = papi_core::url::form_urlencoded::Serializer::new(String::new())
            .append_pair("consent", &hidden(&html, "consent"))
            .append_pair("urlRetour", &hidden(&html, "urlRetour"))
            .append_pair("login", &login)
            .append_pair("password", &user.password)
            .append_pair("decision", decision)
            .finish();
        let answer = self
            .http
            .post(self.url(&action))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 303);
        // The return URL, normalised (a raw space cannot go into a header).
        let expected = papi_core::url::Url::parse(RETURN_URL).unwrap();
        assert_eq!(
            answer.headers()["location"].to_str().unwrap(),
            expected.as_str()
        );
    }

    /// Calls; on a privacy error, answers it with `decision` and calls again.
    async fn with_consent<T, S, F, Fut>(&self, decision: &str, call: F) -> Result<T, Error<S>>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, Error<S>>>,
        S: ApiCode + std::fmt::Debug,
    {
        match call().await {
            Err(e) if e.is_privacy_denied() => {
                self.decide(e.consent().expect("a consent URL"), decision)
                    .await;
                call().await
            }
            other => other,
        }
    }

    /// A raw GET on an API path, with the service credentials.
    async fn raw_get(&self, path: &str, query: &[(&str, &str)]) -> (u16, Vec<u8>) {
        let creds = self.sandbox.service_credentials();
        let mut url = self.running.base_url().join(path).unwrap();
        url.query_pairs_mut().extend_pairs(query);
        let r = self
            .http
            .get(url)
            .basic_auth(creds.id(), Some(creds.expose_password()))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.bytes().await.unwrap().to_vec())
    }
}

/// The value of `<input … name="NAME" value="…">`, unescaped.
fn hidden(html: &str, name: &str) -> String {
    attribute_after(html, &format!("name=\"{name}\" value=\""))
}

fn attribute_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"))
        + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end]
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn general<S: std::fmt::Debug>(e: &Error<S>) -> Option<GeneralError> {
    match e {
        Error::Api(a) => a.general(),
        _ => None,
    }
}

fn contacts_code(e: &papi_contacts::Error) -> papi_contacts::ErrorCode {
    match e {
        Error::Api(a) => match &a.kind {
            ApiErrorKind::Specific(code) => *code,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn every_action_of_every_client_succeeds() {
    let env = Env::start().await;
    let t = &env.token;

    // Calendar: its answer is unknown; the sandbox answers its own well-formed note (never an
    // empty 200), which the client returns undecoded.
    let calendar = env.calendar();
    let event = || {
        calendar.add_event(
            t,
            papi_calendar::operation::AddEvent::new()
                .title("Review")
                .start_date("2026-01-02"),
        )
    };
    let answer = env.with_consent("permanent", event).await.unwrap();
    assert_eq!(answer.status, 200);
    assert!(
        papi_core::decode::fragment::<papi_core::Present>("unknownAnswer", answer.body.as_bytes())
            .is_ok(),
        "{}",
        answer.body
    );
    assert!(answer
        .body
        .contains(r#"xmlns="urn:x-papi:sandbox" action="addevent""#));

    // Contacts: the seeds, then each write and its effect.
    let contacts = env.contacts();
    let page = env
        .with_consent("permanent", || contacts.find_contact_list(t, "orange"))
        .await
        .unwrap();
    let entries = &page.contacts.as_ref().unwrap().entries;
    let names: Vec<_> = entries
        .iter()
        .map(|e| e.lastname.clone().unwrap())
        .collect();
    assert_eq!(names, ["World", "Partner"]);

    let robert = contacts.find_contact_list(t, "Robert Smith").await.unwrap();
    let robert_id = robert.contacts.unwrap().entries[0].id.clone();
    let deep = contacts.get_contact(t, &robert_id).await.unwrap();
    assert_eq!(deep.lastname.as_deref(), Some("Smith"));
    assert_eq!(deep.devices.unwrap().devices.len(), 3);
    let seeded_picture = contacts.get_picture(t, &robert_id).await.unwrap().picture();
    assert_eq!(seeded_picture.image_type, ImageType::Jpeg);

    let input = papi_contacts::operation::AddContact::new()
        .firstname("Hello")
        .lastname("World")
        .civility(papi_contacts::types::Civility::Mrs)
        .birthday(papi_core::chrono::NaiveDate::from_ymd_opt(1990, 5, 17).unwrap())
        .email_perso("hello@example.org");
    let added = env
        .with_consent("permanent", || contacts.add_contact(t, input.clone()))
        .await
        .unwrap();
    let found = contacts.find_contact_list(t, "hello").await.unwrap();
    assert!(found
        .contacts
        .unwrap()
        .entries
        .iter()
        .any(|e| e.id == added.id));
    let mine = contacts.get_contact(t, &added.id).await.unwrap();
    assert_eq!(mine.firstname.as_deref(), Some("Hello"));
    assert_eq!(mine.civility, Some(papi_contacts::types::Civility::Mrs));
    assert_eq!(mine.birthday.unwrap().to_string(), "1990-05-17");

    contacts
        .add_device(
            t,
            &added.id,
            papi_contacts::types::DeviceType::Phone,
            papi_contacts::types::AddDeviceSubtype::Mobile,
            "1",
            "0600000000",
        )
        .await
        .unwrap();
    let mine = contacts.get_contact(t, &added.id).await.unwrap();
    let values: Vec<_> = mine
        .devices
        .unwrap()
        .devices
        .into_iter()
        .map(|d| d.value)
        .collect();
    assert_eq!(values, ["hello@example.org", "0600000000"]);

    contacts
        .add_picture(t, &added.id, Upload::new(JPEG.to_vec(), "me.jpg"))
        .await
        .unwrap();
    let picture = contacts.get_picture(t, &added.id).await.unwrap().picture();
    assert_eq!(picture.bytes, JPEG);
    assert_eq!(picture.image_type, ImageType::Jpeg);
    assert!(!picture.declared_mismatch());

    // Messages: the sample's count and the sandbox's other values.
    use papi_messages::types::MessagesInfo;
    let messages = env.messages();
    let infos = [
        MessagesInfo::NoEmails,
        MessagesInfo::NoUnreadMails,
        MessagesInfo::NoSms,
        MessagesInfo::EmailsLastNDetailed,
    ];
    let mailbox = env
        .with_consent("permanent", || messages.get_personal_messages(t, &infos))
        .await
        .unwrap();
    assert_eq!(mailbox.no_emails, Consented::Granted(3));
    assert_eq!(mailbox.no_unread_mails, Consented::Granted(0));
    assert_eq!(mailbox.no_sms, Consented::Granted(1));
    let last = mailbox.emails_last_n_detailed.granted().unwrap().clone();
    // V1: the inferred shape, decoded, with the same mailbox.
    let pns = messages
        .get_pns(t, papi_messages::operation::GetPns::new())
        .await
        .unwrap();
    let pns = pns
        .typed()
        .expect("the sandbox answers getPNS in its inferred shape");
    assert_eq!(pns.process.status, PnsStatus::Ok);
    let syndication = pns.data.syndication_data.as_ref().unwrap();
    assert_eq!(
        (
            syndication.no_sms,
            syndication.no_unread_mails,
            syndication.no_mms
        ),
        (Some(1), Some(0), None)
    );
    assert_eq!(pns.data.extension.as_ref().unwrap().no_emails, Some(3));
    let summary = syndication
        .emails_last_n_detailed_document()
        .unwrap()
        .unwrap();
    assert_eq!(summary.messages, last.messages);
    assert_eq!(summary.count.as_deref(), Some("3"));

    // RichProfile: from the test user.
    use papi_rich_profile::types::RichProfileInfo;
    let rich = env.rich_profile();
    let infos = [
        RichProfileInfo::Firstname,
        RichProfileInfo::Lastname,
        RichProfileInfo::DisplayName,
        RichProfileInfo::UserEmail,
    ];
    let profile = env
        .with_consent("permanent", || rich.get_personal_rich_profile(t, &infos))
        .await
        .unwrap();
    assert_eq!(profile.firstname, Consented::Granted("Alice".into()));
    assert_eq!(profile.lastname, Consented::Granted("Martin".into()));
    assert_eq!(
        profile.display_name,
        Consented::Granted("Alice Martin".into())
    );
    assert_eq!(profile.user_email, Consented::NotReturned);

    env.running.shutdown().await;
}

#[tokio::test]
async fn the_integration_prefix_is_served_too() {
    let env = Env::start().await;
    let base = env.running.base_url().join("int/").unwrap();
    let config = Config::custom(base.as_str(), env.sandbox.service_credentials()).unwrap();
    let contacts = papi_contacts::Client::new(&config).unwrap();
    let e = contacts
        .find_contact_list(&env.token, "x")
        .await
        .unwrap_err();
    assert!(e.is_privacy_denied(), "{e:?}");
    let (status, body) = env.raw_get("/nowhere/V1", &[]).await;
    assert_eq!(status, 404);
    // No endpoint there: the general "access error" document.
    let e = papi_core::decode::general::<i64>(status, &body).unwrap_err();
    assert_eq!(general(&e), Some(GeneralError::Access), "{e:?}");
}

#[tokio::test]
async fn an_unknown_or_expired_token_is_refused() {
    let env = Env::start_with(SandboxConfig {
        token_lifetime: Duration::from_millis(100),
        ..SandboxConfig::default()
    })
    .await;
    let contacts = env.contacts();
    let e = contacts
        .find_contact_list(&UserToken::new("not-a-token"), "x")
        .await
        .unwrap_err();
    assert_eq!(general(&e), Some(GeneralError::InvalidToken), "{e:?}");

    tokio::time::sleep(Duration::from_millis(250)).await;
    let e = contacts
        .find_contact_list(&env.token, "x")
        .await
        .unwrap_err();
    assert_eq!(general(&e), Some(GeneralError::InvalidToken), "{e:?}");
    let Error::Api(api) = &e else { panic!() };
    // The general envelope carries the exception's name as its detail, as documented.
    assert_eq!(api.detail, GeneralError::InvalidToken.wire_name());

    assert!(env.sandbox.issue_token("mallory").is_none());
}

#[tokio::test]
async fn wrong_service_credentials_are_refused() {
    let env = Env::start().await;
    let config = Config::custom(
        env.running.base_url().as_str(),
        papi_core::ServiceCredentials::new("sandbox-service", "wrong"),
    )
    .unwrap();
    let contacts = papi_contacts::Client::new(&config).unwrap();
    let e = contacts
        .find_contact_list(&env.token, "x")
        .await
        .unwrap_err();
    assert_eq!(general(&e), Some(GeneralError::InvalidCredentials), "{e:?}");
    assert_eq!(e.status(), Some(401));
    // No credentials at all.
    let r = env
        .http
        .get(env.url("/PersonalContacts/V1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn the_service_credentials_are_read_in_any_spelling_of_basic_and_only_them() {
    use base64::Engine as _;
    let env = Env::start().await;
    let creds = env.sandbox.service_credentials();
    let b64 = |pair: &str| base64::engine::general_purpose::STANDARD.encode(pair);
    let right = b64(&format!("{}:{}", creds.id(), creds.expose_password()));
    let wrong = b64(&format!("{}:{}x", creds.id(), creds.expose_password()));
    let url = env.url("/PersonalContacts/V1");
    let status = |header: String| {
        let request = env.http.get(url.clone()).header("authorization", header);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // The cached form clients send, and the spellings only decoding accepts: past the
    // credentials (the missing token is the next step's refusal), not 401.
    for header in [
        format!("Basic {right}"),
        format!("basic {right}"),
        format!("BASIC  {right} "),
    ] {
        assert_ne!(status(header.clone()).await, 401, "{header}");
    }
    for header in [
        format!("Basic {wrong}"),
        format!("Basic {right}x"),
        format!("Bearer {right}"),
        "Basic".to_owned(),
    ] {
        assert_eq!(status(header.clone()).await, 401, "{header}");
    }
}

#[tokio::test]
async fn consent_through_the_page_then_success() {
    let env = Env::start().await;
    let contacts = env.contacts();
    let e = contacts
        .find_contact_list(&env.token, "Orange")
        .await
        .unwrap_err();
    assert_eq!(general(&e), Some(GeneralError::PrivacyAccessDenied));
    assert_eq!(e.status(), Some(500));
    let consent = e.consent().unwrap();
    assert_eq!(consent.family(), Some("contact"));
    assert_eq!(consent.service_id(), Some("sandbox-service"));
    assert_eq!(consent.attributes(), ["see"]);

    env.decide(consent, "permanent").await;
    for _ in 0..3 {
        contacts
            .find_contact_list(&env.token, "Orange")
            .await
            .unwrap();
    }
    // The grant was for `see`, not for `add`; nor for another user.
    let e = contacts
        .add_contact(
            &env.token,
            papi_contacts::operation::AddContact::new().lastname("X"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.consent().unwrap().attributes(), ["add"]);
    let bob = env.sandbox.issue_token("bob").unwrap();
    assert!(contacts
        .find_contact_list(&bob, "Orange")
        .await
        .unwrap_err()
        .is_privacy_denied());

    // An answered request cannot be answered again.
    let page = env
        .http
        .get(consent.redirect_url(RETURN_URL).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
}

#[tokio::test]
async fn a_once_grant_serves_exactly_one_call() {
    let env = Env::start().await;
    let contacts = env.contacts();
    let e = contacts
        .find_contact_list(&env.token, "Orange")
        .await
        .unwrap_err();
    env.decide(e.consent().unwrap(), "once").await;
    contacts
        .find_contact_list(&env.token, "Orange")
        .await
        .unwrap();
    let e = contacts
        .find_contact_list(&env.token, "Orange")
        .await
        .unwrap_err();
    assert!(e.is_privacy_denied(), "{e:?}");
}

#[tokio::test]
async fn a_decision_without_return_url_shows_a_page_and_an_unusable_one_is_refused() {
    let env = Env::start().await;
    let e = env
        .contacts()
        .find_contact_list(&env.token, "Orange")
        .await
        .unwrap_err();
    let consent = e.consent().unwrap();
    let page = env
        .http
        .get(consent.url().clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let post = |return_url: Option<&str>| {
        let mut form = papi_core::url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("consent", &hidden(&page, "consent"))
            .append_pair("login", "alice")
            .append_pair("password", "alice-pw")
            .append_pair("decision", "permanent");
        if let Some(r) = return_url {
            form.append_pair("urlRetour", r);
        }
        env.http
            .post(env.url("/privacy/decision"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.finish())
            .send()
    };
    // Not a web page of the service: an error page, no redirect, nothing decided.
    for bad in ["javascript:alert(1)", "/back", "ftp://my.service.example/"] {
        let r = post(Some(bad)).await.unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        assert!(r.headers().get("location").is_none());
    }
    let r = post(None).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("granted permanently"));
}

#[tokio::test]
async fn a_contact_holds_at_most_100_devices_and_1024_bytes_per_value() {
    use papi_contacts::operation::AddContact;
    use papi_contacts::types::{AddDeviceSubtype, DeviceType};
    use papi_contacts::ErrorCode;
    let env = Env::start().await;
    let contacts = env.contacts();
    let t = &env.token;
    let added = env
        .with_consent("permanent", || {
            contacts.add_contact(t, AddContact::new().lastname("Full"))
        })
        .await
        .unwrap();
    let add = |value: &str| {
        let value = value.to_owned();
        let (contacts, id) = (contacts.clone(), added.id.clone());
        async move {
            contacts
                .add_device(
                    t,
                    &id,
                    DeviceType::Email,
                    AddDeviceSubtype::Internet,
                    "1",
                    &value,
                )
                .await
        }
    };
    // The attack: one contact made ever larger, every write of it slower.
    env.with_consent("permanent", || add("a@example.org"))
        .await
        .unwrap();
    for i in 1..100 {
        add(&format!("{i}@example.org")).await.unwrap();
    }
    let e = add("101@example.org").await.unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::InvalidParameter, "{e:?}");
    assert!(
        format!("{e:?}").contains("at most 100 per contact"),
        "{e:?}"
    );
    let kept = env
        .with_consent("permanent", || contacts.get_contact(t, &added.id))
        .await
        .unwrap();
    assert_eq!(kept.devices.unwrap().devices.len(), 100);

    // Values: 1,024 bytes are kept, one more is refused, on adddevice as on addcontact.
    let other = contacts
        .add_contact(t, AddContact::new().lastname("x".repeat(1024)))
        .await
        .unwrap();
    let kept = "é".repeat(512);
    contacts
        .add_device(
            t,
            &other.id,
            DeviceType::Email,
            AddDeviceSubtype::Internet,
            "1",
            &kept,
        )
        .await
        .unwrap();
    let longer = format!("{kept}a");
    let e = contacts
        .add_device(
            t,
            &other.id,
            DeviceType::Email,
            AddDeviceSubtype::Internet,
            "1",
            &longer,
        )
        .await
        .unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::InvalidParameter, "{e:?}");
    assert!(format!("{e:?}").contains("1025 bytes"), "{e:?}");
    for long in [
        AddContact::new().lastname("x".repeat(1025)),
        AddContact::new().company("x".repeat(60_000)),
        AddContact::new()
            .lastname("y")
            .email_perso("x".repeat(1025)),
    ] {
        let e = contacts.add_contact(t, long).await.unwrap_err();
        assert_eq!(contacts_code(&e), ErrorCode::InvalidParameter, "{e:?}");
    }
}

#[tokio::test]
async fn a_refusal_protects_messages_and_rich_profile_items_and_denies_the_others() {
    let env = Env::start().await;
    use papi_messages::types::MessagesInfo;
    let messages = env.messages();
    let infos = [MessagesInfo::NoUnreadMails, MessagesInfo::NoSms];
    let mailbox = env
        .with_consent("refuse", || {
            messages.get_personal_messages(&env.token, &infos)
        })
        .await
        .unwrap();
    assert_eq!(mailbox.no_unread_mails, Consented::Protected);
    assert_eq!(mailbox.no_sms, Consented::Protected);
    assert_eq!(mailbox.no_emails, Consented::NotReturned);

    use papi_rich_profile::types::RichProfileInfo;
    let rich = env.rich_profile();
    let profile = env
        .with_consent("refuse", || {
            rich.get_personal_rich_profile(&env.token, &[RichProfileInfo::Firstname])
        })
        .await
        .unwrap();
    assert_eq!(profile.firstname, Consented::Protected);

    let contacts = env.contacts();
    let e = env
        .with_consent("refuse", || {
            contacts.find_contact_list(&env.token, "Orange")
        })
        .await
        .unwrap_err();
    assert!(e.is_privacy_denied(), "{e:?}");
}

#[tokio::test]
async fn the_sandbox_checks_the_parameter_rules_itself() {
    use papi_contacts::ErrorCode;
    let env = Env::start().await;
    let token = env.token.expose();
    let contacts = "/PersonalContacts/V1";

    // Missing mandatory parameter, in the Contacts envelope.
    let (status, body) = env
        .raw_get(contacts, &[("action", "getcontact"), ("token", token)])
        .await;
    assert!(String::from_utf8_lossy(&body).contains("<xpage"));
    let e = papi_contacts::decode::get_contact(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::MissingParameter);
    let Error::Api(api) = &e else { panic!() };
    assert!(api.detail.contains("`cid`"), "{}", api.detail);

    // None of an at-least-one-of group.
    let (status, body) = env
        .raw_get(
            contacts,
            &[
                ("action", "addcontact"),
                ("civility", "1"),
                ("token", token),
            ],
        )
        .await;
    let e = papi_contacts::decode::add_contact(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::MissingParameter);

    // A value outside the enumeration; a bad date.
    for (name, value) in [("civility", "9"), ("birthday", "2020-13-01")] {
        let (status, body) = env
            .raw_get(
                contacts,
                &[
                    ("action", "addcontact"),
                    ("lastname", "X"),
                    (name, value),
                    ("token", token),
                ],
            )
            .await;
        let e = papi_contacts::decode::add_contact(status, &body).unwrap_err();
        assert_eq!(contacts_code(&e), ErrorCode::InvalidParameter, "{name}");
        let Error::Api(api) = &e else { panic!() };
        assert!(api.detail.contains(name), "{}", api.detail);
    }

    // `*` in a search.
    let (status, body) = env
        .raw_get(
            contacts,
            &[
                ("action", "findcontactlist"),
                ("search", "Or*"),
                ("token", token),
            ],
        )
        .await;
    let e = papi_contacts::decode::find_contact_list(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::InvalidParameter);

    // A subtype that does not go with the type.
    let (status, body) = env
        .raw_get(
            contacts,
            &[
                ("action", "adddevice"),
                ("cid", "1"),
                ("type", "email"),
                ("subtype", "voice"),
                ("order", "1"),
                ("value", "x"),
                ("token", token),
            ],
        )
        .await;
    let e = papi_contacts::decode::add_device(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::InvalidParameter);

    // An unknown action.
    let (status, body) = env
        .raw_get(contacts, &[("action", "frobnicate"), ("token", token)])
        .await;
    let e = papi_contacts::decode::get_contact(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::UnknownAction);

    // Messages documents no codes of its own for these: the general -7.
    let (status, body) = env
        .raw_get(
            "/PersonalMessages/V2",
            &[
                ("action", "getPersonalMessages"),
                ("infos", "NoSMS,Bogus"),
                ("token", token),
            ],
        )
        .await;
    assert!(String::from_utf8_lossy(&body).contains("<error>"));
    let e = papi_messages::decode::get_personal_messages(status, &body).unwrap_err();
    assert_eq!(general(&e), Some(GeneralError::InvalidRequest), "{e:?}");
    let (status, body) = env
        .raw_get(
            "/PersonalCalendar/V1",
            &[("action", "nothing"), ("token", token)],
        )
        .await;
    let e = papi_calendar::decode::add_event(status, &body).unwrap_err();
    assert_eq!(general(&e), Some(GeneralError::InvalidRequest), "{e:?}");

    // An upload that is not a JPEG, GIF or BMP file.
    let creds = env.sandbox.service_credentials();
    let form = reqwest::multipart::Form::new()
        .text("action", "addpicture")
        .text("cid", "1")
        .text("token", token.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("p.png"),
        );
    let r = env
        .http
        .post(env.url(contacts))
        .basic_auth(creds.id(), Some(creds.expose_password()))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body = r.bytes().await.unwrap();
    let e = papi_contacts::decode::add_picture(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::InvalidParameter);
    let Error::Api(api) = &e else { panic!() };
    assert!(api.detail.contains("`file`"), "{}", api.detail);

    // No token at all.
    let (status, body) = env
        .raw_get(contacts, &[("action", "getcontact"), ("cid", "1")])
        .await;
    let e = papi_contacts::decode::get_contact(status, &body).unwrap_err();
    assert_eq!(general(&e), Some(GeneralError::InvalidToken), "{e:?}");
}

/// The detail a client gets from its own operation for the same parameters: the sandbox
/// reads calls through the same operations, so it answers with the same words.
fn client_refusal<O: papi_core::Operation + std::fmt::Debug>(pairs: &[(&str, &str)]) -> String {
    let mut wire = papi_core::WireParams::new();
    for (k, v) in pairs {
        wire.push(*k, *v).unwrap();
    }
    O::from_wire(&mut wire).unwrap_err().to_string()
}

#[tokio::test]
async fn the_sandbox_refuses_with_the_clients_words_and_never_echoes_markup() {
    use papi_contacts::operation::AddContact;
    use papi_contacts::ErrorCode;
    let env = Env::start().await;
    let token = env.token.expose();
    let contacts = "/PersonalContacts/V1";
    let detail = |e: &papi_contacts::Error| match e {
        Error::Api(api) => api.detail.clone(),
        other => panic!("{other:?}"),
    };

    // A value holding markup: escaped in the document, given back as sent, in the words
    // of the client's own refusal.
    let hostile = "</detail><b>&amp;\"x";
    let (status, body) = env
        .raw_get(
            contacts,
            &[
                ("action", "addcontact"),
                ("lastname", "X"),
                ("civility", hostile),
                ("token", token),
            ],
        )
        .await;
    let text = String::from_utf8_lossy(&body);
    assert!(
        !text.contains("<b>") && text.contains("&lt;b&gt;"),
        "{text}"
    );
    let e = papi_contacts::decode::add_contact(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::InvalidParameter);
    assert_eq!(
        detail(&e),
        client_refusal::<AddContact>(&[("lastname", "X"), ("civility", hostile)])
    );

    // A long value is cut short; control characters never break the document.
    let long = format!("\u{1}{}", "9".repeat(5000));
    let (status, body) = env
        .raw_get(
            contacts,
            &[
                ("action", "addcontact"),
                ("lastname", "X"),
                ("birthday", &long),
                ("token", token),
            ],
        )
        .await;
    let e = papi_contacts::decode::add_contact(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::InvalidParameter);
    assert!(detail(&e).len() < 300, "{}", detail(&e));
    assert!(detail(&e).contains("`birthday`"), "{}", detail(&e));
    let (status, body) = env
        .raw_get(contacts, &[("action", "\u{1}<x>"), ("token", token)])
        .await;
    // XML 1.0 allows no U+0001, even escaped: the document must not carry it.
    assert!(!body.contains(&1), "{}", String::from_utf8_lossy(&body));
    let e = papi_contacts::decode::get_contact(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::UnknownAction);

    // Attack: a control character in a text parameter (`lastname=a%01b`) is refused on
    // reading, as the clients refuse it, before any handler runs.
    let (status, body) = env
        .raw_get(
            contacts,
            &[
                ("action", "addcontact"),
                ("lastname", "a\u{1}b"),
                ("token", token),
            ],
        )
        .await;
    assert!(!body.contains(&1), "{}", String::from_utf8_lossy(&body));
    let e = papi_contacts::decode::add_contact(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::InvalidParameter);
    assert_eq!(
        detail(&e),
        client_refusal::<AddContact>(&[("lastname", "a\u{1}b")])
    );

    // A parameter given twice is refused; blank values count as absent, as before.
    let (status, body) = env
        .raw_get(
            contacts,
            &[
                ("action", "getcontact"),
                ("cid", "1"),
                ("cid", "2"),
                ("token", token),
            ],
        )
        .await;
    let e = papi_contacts::decode::get_contact(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::InvalidParameter);
    assert_eq!(detail(&e), "parameter `cid` is given more than once");
    let (status, body) = env
        .raw_get(
            contacts,
            &[("action", "getcontact"), ("cid", " "), ("token", token)],
        )
        .await;
    let e = papi_contacts::decode::get_contact(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::MissingParameter);
    assert_eq!(detail(&e), "parameter `cid` is missing");

    // Names the action does not know are ignored, even repeated.
    let (status, body) = env
        .raw_get(
            contacts,
            &[
                ("action", "findcontactlist"),
                ("search", "Orange"),
                ("unknown", "1"),
                ("unknown", "2"),
                ("token", token),
            ],
        )
        .await;
    // Past the parameters: on to the consent check.
    let e = papi_contacts::decode::find_contact_list(status, &body).unwrap_err();
    assert!(e.is_privacy_denied(), "{e:?}");

    // An upload's file sent as a text field: invalid, not missing (as before).
    let creds = env.sandbox.service_credentials();
    let form = reqwest::multipart::Form::new()
        .text("action", "addpicture")
        .text("cid", "1")
        .text("file", "not a file part")
        .text("token", token.to_owned());
    let r = env
        .http
        .post(env.url(contacts))
        .basic_auth(creds.id(), Some(creds.expose_password()))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body = r.bytes().await.unwrap();
    let e = papi_contacts::decode::add_picture(status, &body).unwrap_err();
    assert_eq!(contacts_code(&e), ErrorCode::InvalidParameter);
    assert!(detail(&e).contains("file part"), "{}", detail(&e));
}

#[tokio::test]
async fn the_login_shortcut_issues_working_tokens() {
    let env = Env::start().await;
    let login = |password: &str| {
        env.http
            .post(env.url("/sandbox/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("login=bob&password={password}"))
            .send()
    };
    let r = login("wrong").await.unwrap();
    assert_eq!(r.status(), 401);
    let r = login("bob-pw").await.unwrap();
    assert_eq!(r.status(), 200);
    let token = UserToken::new(r.text().await.unwrap());
    let rich = env.rich_profile();
    let infos = [papi_rich_profile::types::RichProfileInfo::Firstname];
    let profile = env
        .with_consent("permanent", || {
            rich.get_personal_rich_profile(&token, &infos)
        })
        .await
        .unwrap();
    assert_eq!(profile.firstname, Consented::Granted("Bob".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_adds_are_all_kept() {
    let env = Env::start().await;
    let first = env.contacts();
    let input = || papi_contacts::operation::AddContact::new().lastname("Seed");
    env.with_consent("permanent", || first.add_contact(&env.token, input()))
        .await
        .unwrap();
    env.with_consent("permanent", || first.find_contact_list(&env.token, "x"))
        .await
        .unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..16 {
        let contacts = env.contacts();
        let token = env.token.clone();
        tasks.spawn(async move {
            let mut calls = tokio::task::JoinSet::new();
            for n in 0..50 {
                let contacts = contacts.clone();
                let token = token.clone();
                calls.spawn(async move {
                    let input = papi_contacts::operation::AddContact::new()
                        .firstname(format!("c{client}-{n}"))
                        .lastname("Concurrent");
                    contacts.add_contact(&token, input).await.unwrap().id
                });
            }
            calls.join_all().await
        });
    }
    let ids: Vec<String> = tasks.join_all().await.into_iter().flatten().collect();
    assert_eq!(ids.len(), 800);
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 800);

    let found = first
        .find_contact_list(&env.token, "Concurrent")
        .await
        .unwrap()
        .contacts
        .unwrap();
    assert_eq!(found.total_data, Some(800));
    let found: HashSet<String> = found.entries.into_iter().map(|e| e.id).collect();
    assert_eq!(found, ids.into_iter().collect::<HashSet<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_once_grant_serves_one_of_twenty_concurrent_calls() {
    let env = Env::start().await;
    let contacts = env.contacts();
    let e = contacts
        .find_contact_list(&env.token, "Orange")
        .await
        .unwrap_err();
    env.decide(e.consent().unwrap(), "once").await;

    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let contacts = contacts.clone();
        let token = env.token.clone();
        calls.spawn(async move { contacts.find_contact_list(&token, "Orange").await });
    }
    let results = calls.join_all().await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1);
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| e.is_privacy_denied()));
}

#[tokio::test]
async fn each_action_answers_only_its_own_method() {
    let env = Env::start().await;
    let creds = env.sandbox.service_credentials();
    let token = env.token.expose();
    let contacts = env.url(papi_contacts::API.path);
    let with_query = |pairs: &[(&str, &str)]| {
        let mut url = papi_core::url::Url::parse(&contacts).unwrap();
        url.query_pairs_mut().extend_pairs(pairs);
        url
    };
    let query = [
        ("action", "findcontactlist"),
        ("search", "a"),
        ("token", token),
    ];
    // A GET action sent by POST, with its parameters in the query or in a form body.
    let by_query = env
        .http
        .post(with_query(&query))
        .basic_auth(creds.id(), Some(creds.expose_password()));
    let form = papi_core::url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    let by_form = env
        .http
        .post(&contacts)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .basic_auth(creds.id(), Some(creds.expose_password()));
    for request in [by_query, by_form] {
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 405);
        assert_eq!(r.headers()["allow"], "GET");
    }
    // The upload sent by GET.
    let r = env
        .http
        .get(with_query(&[
            ("action", "addpicture"),
            ("cid", "1"),
            ("token", token),
        ]))
        .basic_auth(creds.id(), Some(creds.expose_password()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    // Other methods: `Allow` names the methods of the path's actions.
    for (path, allow) in [
        (papi_contacts::API.path, "GET, POST"),
        (papi_calendar::API.path, "GET"),
    ] {
        let r = env
            .http
            .delete(env.url(path))
            .basic_auth(creds.id(), Some(creds.expose_password()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405);
        assert_eq!(r.headers()["allow"], allow, "{path}");
    }
    // The same action by its own method is answered.
    let (status, _) = env.raw_get(papi_contacts::API.path, &query).await;
    assert_ne!(status, 405);
}

/// The request of each action with valid inputs, from its operation (so that it is the
/// request a client sends). The match is exhaustive: an action added to the spec fails to
/// compile here until it is given one.
fn valid_request(id: papi_sandbox::generated::ActionId) -> papi_core::Request {
    use papi_core::Operation as _;
    use papi_sandbox::generated::ActionId;
    let request = match id {
        ActionId::CalendarAddEvent => papi_calendar::operation::AddEvent::new()
            .title("Review")
            .into_request(),
        ActionId::ContactsFindContactList => {
            papi_contacts::operation::FindContactList::new("a").into_request()
        }
        ActionId::ContactsGetContact => {
            papi_contacts::operation::GetContact::new("1").into_request()
        }
        ActionId::ContactsAddContact => papi_contacts::operation::AddContact::new()
            .firstname("Zoé")
            .into_request(),
        ActionId::ContactsAddDevice => papi_contacts::operation::AddDevice::new(
            "1",
            papi_contacts::types::DeviceType::Email,
            papi_contacts::types::AddDeviceSubtype::Internet,
            "1",
            "zoe@example.org",
        )
        .into_request(),
        ActionId::ContactsGetPicture => {
            papi_contacts::operation::GetPicture::new("1").into_request()
        }
        ActionId::ContactsAddPicture => {
            papi_contacts::operation::AddPicture::new("1", Upload::new(JPEG, "p.jpg"))
                .into_request()
        }
        ActionId::MessagesGetPersonalMessages => {
            papi_messages::operation::GetPersonalMessages::new(vec![
                papi_messages::types::MessagesInfo::NoSms,
            ])
            .into_request()
        }
        ActionId::MessagesGetPns => papi_messages::operation::GetPns::new().into_request(),
        ActionId::RichProfileGetPersonalRichProfile => {
            papi_rich_profile::operation::GetPersonalRichProfile::new(vec![
                papi_rich_profile::types::RichProfileInfo::Firstname,
            ])
            .into_request()
        }
    };
    request.unwrap()
}

impl Env {
    /// Sends `request` to `path` as a client would (query string, or multipart form with the
    /// file), with the service credentials.
    async fn send(&self, path: &str, request: &papi_core::Request) -> (u16, Vec<u8>) {
        let creds = self.sandbox.service_credentials();
        let mut url = self.running.base_url().join(path).unwrap();
        let builder = match request.upload() {
            None => {
                url.set_query(Some(&request.query(&self.token)));
                self.http.get(url)
            }
            Some((name, upload)) => {
                let mut form = reqwest::multipart::Form::new()
                    .text("action", request.action())
                    .text("token", self.token.expose().to_owned());
                for (k, v) in request.params() {
                    form = form.text(*k, v.clone());
                }
                let part = reqwest::multipart::Part::bytes(upload.bytes().to_vec())
                    .file_name(upload.filename().to_owned());
                self.http.post(url).multipart(form.part(name, part))
            }
        };
        let r = builder
            .basic_auth(creds.id(), Some(creds.expose_password()))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.bytes().await.unwrap().to_vec())
    }
}

/// Whether `body` is one well-formed XML document (quick-xml reads it to the end).
fn well_formed(body: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let mut reader = papi_core::quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut elements = 0;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            papi_core::quick_xml::events::Event::Start(_)
            | papi_core::quick_xml::events::Event::Empty(_) => elements += 1,
            papi_core::quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    if elements == 0 {
        return Err("no element".into());
    }
    Ok(())
}

#[tokio::test]
async fn every_action_of_the_spec_is_answered_with_a_non_empty_well_formed_document() {
    let env = Env::start().await;
    let mut answered = 0;
    // The writes first, so that each read finds something (a picture to get).
    let mut calls: Vec<_> = papi_sandbox::generated::APIS
        .iter()
        .flat_map(|api| api.actions)
        .map(|action| (action, valid_request(action.id)))
        .collect();
    calls.sort_by_key(|(_, request)| request.effect() != papi_core::Effect::Write);
    {
        for (action, request) in calls {
            let path = action.descriptor.path;
            let (mut status, mut body) = env.send(path, &request).await;
            // A privacy error first: consent as the user would, then call again.
            if let Err(Error::Api(e)) =
                papi_core::decode::general::<papi_contacts::ErrorCode>(status, &body)
            {
                if let Some(consent) = e.consent() {
                    env.decide(consent, "permanent").await;
                    (status, body) = env.send(path, &request).await;
                }
            }
            let text = String::from_utf8_lossy(&body);
            assert_eq!(status, 200, "{}: {text}", action.wire);
            assert!(!body.is_empty(), "{}: an empty 200", action.wire);
            if let Err(e) = well_formed(&body) {
                panic!("{}: not a well-formed document ({e}): {text}", action.wire);
            }
            answered += 1;
        }
    }
    let total: usize = papi_sandbox::generated::APIS
        .iter()
        .map(|api| api.actions.len())
        .sum();
    assert_eq!(answered, total);
    assert!(total >= 10, "{total}");
    env.running.shutdown().await;
}
