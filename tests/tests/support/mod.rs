//! Shared by the reliability tests: every client action called through the public API, its
//! result reduced to an [`Outcome`] that tests can compare whatever the API's error table.

#![allow(dead_code)] // each test binary uses its own part

use std::fmt::Debug;

use papi_contacts::operation::AddContact;
use papi_contacts::types::{AddDeviceSubtype, DeviceType};
use papi_core::{
    ApiCode, Config, DecodeErrorKind, Effect, Error, ServiceCredentials, TransportErrorKind,
    Upload, UserToken,
};

/// A token holding characters form-urlencoding must escape.
pub const TOKEN: &str = "B64ab+c/d==|sau=|ted=1208277327|TOKEN-SECRET";
/// The service password.
pub const PASSWORD: &str = "svc-PASSWORD-SECRET";
/// The service id.
pub const SERVICE_ID: &str = "svc-id";

/// A tiny JPEG (magic bytes and an end marker).
pub const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0xFF, 0xD9,
];

pub fn token() -> UserToken {
    UserToken::new(TOKEN)
}

pub fn credentials() -> ServiceCredentials {
    ServiceCredentials::new(SERVICE_ID, PASSWORD)
}

/// Every secret and every form it may take on the wire or in a message.
pub fn secret_forms() -> Vec<String> {
    use base64::Engine;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{SERVICE_ID}:{PASSWORD}"));
    let query_token: String = url::form_urlencoded::byte_serialize(TOKEN.as_bytes()).collect();
    vec![
        TOKEN.to_owned(),
        query_token,
        "TOKEN-SECRET".to_owned(),
        PASSWORD.to_owned(),
        "PASSWORD-SECRET".to_owned(),
        basic.clone(),
        format!("Basic {basic}"),
    ]
}

/// The clients of every API with a documented action, all pointed at `base`.
pub struct Clients {
    pub contacts: papi_contacts::Client,
    pub messages: papi_messages::Client,
    pub rich_profile: papi_rich_profile::Client,
    pub calendar: papi_calendar::Client,
}

impl Clients {
    pub fn new(config: &Config) -> Self {
        Self {
            contacts: papi_contacts::Client::new(config).expect("contacts client"),
            messages: papi_messages::Client::new(config).expect("messages client"),
            rich_profile: papi_rich_profile::Client::new(config).expect("rich profile client"),
            calendar: papi_calendar::Client::new(config).expect("calendar client"),
        }
    }

    pub fn at(base: &str) -> Self {
        Self::new(&Config::custom(base, credentials()).expect("loopback base"))
    }
}

/// One action of a generated client.
#[derive(Debug, Clone, Copy)]
pub struct Action {
    /// Wire name.
    pub wire: &'static str,
    /// What the spec says it does.
    pub effect: Effect,
    /// Whether its answer has a documented shape (else it is returned undecoded).
    pub decoded: bool,
    /// A documented valid answer (path under `api-spec/`), when one is pinned.
    pub sample: Option<&'static str>,
}

/// Every generated action (the spec's `effect:` repeated here on purpose: the retry tests
/// check the generated clients against it).
pub const ACTIONS: &[Action] = &[
    Action {
        wire: "findcontactlist",
        effect: Effect::Read,
        decoded: true,
        sample: Some("samples/contacts/findcontactlist.corrected.xml"),
    },
    Action {
        wire: "getcontact",
        effect: Effect::Read,
        decoded: true,
        sample: Some("samples/contacts/getcontact.corrected.xml"),
    },
    Action {
        wire: "getpicture",
        effect: Effect::Read,
        decoded: true,
        sample: Some("samples/contacts/getpicture.xml"),
    },
    Action {
        wire: "addcontact",
        effect: Effect::Write,
        decoded: true,
        sample: Some("samples/contacts/addcontact.corrected.xml"),
    },
    Action {
        wire: "adddevice",
        effect: Effect::Write,
        decoded: true,
        sample: Some("samples/contacts/adddevice.corrected.xml"),
    },
    Action {
        wire: "addpicture",
        effect: Effect::Write,
        decoded: true,
        sample: Some("samples/contacts/addpicture.corrected.xml"),
    },
    Action {
        wire: "getPersonalMessages",
        effect: Effect::Read,
        decoded: true,
        sample: Some("samples/messages/get_personal_messages.corrected.xml"),
    },
    Action {
        wire: "getPNS",
        effect: Effect::Read,
        decoded: false,
        sample: None,
    },
    Action {
        wire: "getPersonalRichProfile",
        effect: Effect::Read,
        decoded: true,
        sample: Some("samples/rich_profile/get_personal_rich_profile_1.corrected.xml"),
    },
    Action {
        wire: "addevent",
        effect: Effect::Write,
        decoded: false,
        sample: None,
    },
];

/// What a call gave, whatever the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A decoded value (its `Debug`).
    Ok(String),
    /// An undocumented answer returned as received.
    Undecoded {
        status: u16,
        body: String,
    },
    Decode(DecodeErrorKind),
    Unexpected(u16),
    Transport(TransportErrorKind),
    Api(i64),
    Other(String),
}

impl Outcome {
    /// The decode error kind's variant name (`NotXml`, `WrongRoot`, …).
    pub fn decode_kind(&self) -> Option<String> {
        match self {
            Outcome::Decode(k) => Some(
                format!("{k:?}")
                    .split([' ', '{', '('])
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

fn outcome<T: Debug, S: ApiCode>(r: Result<T, Error<S>>) -> Outcome {
    match r {
        Ok(v) => Outcome::Ok(format!("{v:?}")),
        Err(Error::Decode(d)) => Outcome::Decode(d.kind),
        Err(Error::UnexpectedStatus { status, .. }) => Outcome::Unexpected(status),
        Err(Error::Transport(t)) => Outcome::Transport(t.kind()),
        Err(Error::Api(a)) => Outcome::Api(a.code),
        Err(other) => Outcome::Other(other.to_string()),
    }
}

fn undecoded<S: ApiCode>(r: Result<papi_core::Undecoded, Error<S>>) -> Outcome {
    match r {
        Ok(u) => Outcome::Undecoded {
            status: u.status,
            body: u.body,
        },
        Err(e) => outcome::<(), S>(Err(e)),
    }
}

fn inferred<T: Debug, S: ApiCode>(r: Result<papi_core::InferredAnswer<T>, Error<S>>) -> Outcome {
    match r {
        Ok(papi_core::InferredAnswer::Typed(v)) => Outcome::Ok(format!("{v:?}")),
        Ok(papi_core::InferredAnswer::Undecoded(u)) => undecoded::<S>(Ok(u)),
        Ok(other) => Outcome::Other(format!("{other:?}")),
        Err(e) => outcome::<(), S>(Err(e)),
    }
}

/// Calls `action` with valid arguments and reduces the result; also returns the error's
/// `Display` and `Debug` (empty on success) for secret checks.
pub async fn call(clients: &Clients, action: &str) -> (Outcome, String) {
    fn shown<T: Debug, S: ApiCode>(r: &Result<T, Error<S>>) -> String {
        match r {
            Ok(_) => String::new(),
            Err(e) => format!("{e} {e:?}"),
        }
    }
    let t = token();
    macro_rules! run {
        ($fut:expr) => {{
            let r = $fut.await;
            let s = shown(&r);
            (outcome(r), s)
        }};
        (undecoded $fut:expr) => {{
            let r = $fut.await;
            let s = shown(&r);
            (undecoded(r), s)
        }};
        (inferred $fut:expr) => {{
            let r = $fut.await;
            let s = shown(&r);
            (inferred(r), s)
        }};
    }
    let c = &clients.contacts;
    match action {
        "findcontactlist" => run!(c.find_contact_list(&t, "Smith")),
        "getcontact" => run!(c.get_contact(&t, "1")),
        "getpicture" => run!(c.get_picture(&t, "1")),
        "addcontact" => run!(c.add_contact(&t, AddContact::new().lastname("Smith"))),
        "adddevice" => run!(c.add_device(
            &t,
            "1",
            DeviceType::Phone,
            AddDeviceSubtype::Mobile,
            "1",
            "0600000000"
        )),
        "addpicture" => run!(c.add_picture(&t, "1", Upload::new(JPEG.to_vec(), "me.jpg"))),
        "getPersonalMessages" => run!(clients
            .messages
            .get_personal_messages(&t, &[papi_messages::types::MessagesInfo::NoUnreadMails])),
        "getPNS" => run!(inferred clients
            .messages
            .get_pns(&t, papi_messages::operation::GetPns::new().infos("NoUnReadMails"))),
        "getPersonalRichProfile" => run!(clients.rich_profile.get_personal_rich_profile(
            &t,
            &[papi_rich_profile::types::RichProfileInfo::Firstname]
        )),
        "addevent" => run!(undecoded clients
            .calendar
            .add_event(&t, papi_calendar::operation::AddEvent::new().title("Demo meet"))),
        other => panic!("no such action in the test table: {other}"),
    }
}

/// Everything a `tracing` subscriber printed, at every level.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A subscriber printing every event and span of every target at TRACE level, with all
/// their fields, into the returned buffer.
pub fn capturing_subscriber() -> (impl tracing::Subscriber + Send + Sync, Captured) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    (subscriber, captured)
}
