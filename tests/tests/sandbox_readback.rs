//! What is written is read back: every value `addcontact` accepts comes back from
//! `getcontact` (issue 18, item 5), for random valid contacts, in memory and with a database.

use std::sync::OnceLock;

use papi_contacts::operation::AddContact;
use papi_contacts::types::{Civility, Contact, DeviceType};
use papi_core::chrono::NaiveDate;
use papi_core::{Config, UserToken};
use papi_sandbox::{AutoConsent, RunningSandbox, Sandbox, SandboxConfig};
use proptest::prelude::*;

/// One embedded sandbox (consent skipped: these tests are not about it) and a runtime,
/// shared by every case.
struct Shared {
    runtime: tokio::runtime::Runtime,
    _running: RunningSandbox,
    client: papi_contacts::Client,
    token: UserToken,
}

fn in_memory() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| start(None))
}

/// The same, its data written through to a SQLite file (contacts are stored as encoded
/// answers there, so a field the encoder dropped would be lost on the next start).
fn in_a_database() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    SHARED.get_or_init(|| {
        let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
        start(Some(dir.path().join("readback.db")))
    })
}

fn start(db: Option<std::path::PathBuf>) -> Shared {
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = Sandbox::open(SandboxConfig {
            auto_consent: AutoConsent::All,
            db,
            ..SandboxConfig::default()
        })
        .unwrap();
        let running = runtime
            .block_on(sandbox.bind("127.0.0.1:0".parse().unwrap()))
            .unwrap();
        let config =
            Config::custom(running.base_url().as_str(), sandbox.service_credentials()).unwrap();
        Shared {
            client: papi_contacts::Client::new(&config).unwrap(),
            token: sandbox.issue_token("alice").unwrap(),
            runtime,
            _running: running,
        }
    }
}

/// Text a client accepts: any characters but controls, and not only spaces (a value the
/// XML answer could not tell from an empty one).
fn text() -> impl Strategy<Value = String> {
    "[\\PC]{1,24}".prop_filter("not blank", |s| !s.trim().is_empty())
}

fn civility() -> impl Strategy<Value = Civility> {
    prop_oneof![
        Just(Civility::Unknown),
        Just(Civility::Mr),
        Just(Civility::Mrs),
        Just(Civility::Miss)
    ]
}

prop_compose! {
    fn contact_input()(
        lastname in proptest::option::of(text()),
        firstname in proptest::option::of(text()),
        nickname in proptest::option::of(text()),
        company in proptest::option::of(text()),
        job_function in proptest::option::of(text()),
        department in proptest::option::of(text()),
        email in proptest::option::of("[a-z0-9.]{1,12}@[a-z]{1,8}\\.example"),
        birthday in proptest::option::of((1900i32..2030, 1u32..13, 1u32..29)),
        civility in proptest::option::of(civility()),
    ) -> AddContact {
        let mut op = AddContact::new();
        // At least one of these four is required; default to a last name.
        let lastname = if lastname.is_none() && firstname.is_none() && nickname.is_none() && company.is_none() {
            Some("Doe".to_owned())
        } else {
            lastname
        };
        if let Some(v) = lastname { op = op.lastname(v); }
        if let Some(v) = firstname { op = op.firstname(v); }
        if let Some(v) = nickname { op = op.nickname(v); }
        if let Some(v) = company { op = op.company(v); }
        if let Some(v) = job_function { op = op.job_function(v); }
        if let Some(v) = department { op = op.department(v); }
        if let Some(v) = email { op = op.email_perso(v); }
        if let Some((y, m, d)) = birthday {
            op = op.birthday(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        }
        if let Some(v) = civility { op = op.civility(v); }
        op
    }
}

/// The values of `op` as a contact shows them.
fn expected(op: &AddContact) -> Vec<(&'static str, Option<String>)> {
    let s = |v: &Option<String>| v.clone();
    vec![
        ("lastname", s(&op.lastname)),
        ("firstname", s(&op.firstname)),
        ("nickname", s(&op.nickname)),
        ("company", s(&op.company)),
        ("function", s(&op.job_function)),
        ("department", s(&op.department)),
        ("emailperso", s(&op.email_perso)),
        ("birthday", op.birthday.map(|d| d.to_string())),
        ("civility", op.civility.as_ref().map(|c| format!("{c:?}"))),
    ]
}

fn read_back(contact: &Contact) -> Vec<(&'static str, Option<String>)> {
    let s = |v: &Option<String>| v.clone();
    let email = contact
        .devices
        .as_ref()
        .and_then(|d| d.devices.iter().find(|d| d.kind == Some(DeviceType::Email)))
        .map(|d| d.value.clone());
    vec![
        ("lastname", s(&contact.lastname)),
        ("firstname", s(&contact.firstname)),
        ("nickname", s(&contact.nickname)),
        ("company", s(&contact.company)),
        ("function", s(&contact.job_function)),
        ("department", s(&contact.department)),
        ("emailperso", email),
        ("birthday", contact.birthday.map(|d| d.to_string())),
        (
            "civility",
            contact.civility.as_ref().map(|c| format!("{c:?}")),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_value_addcontact_accepts_is_read_back_by_getcontact(op in contact_input()) {
        check(in_memory(), op)?;
    }

    #[test]
    fn every_value_addcontact_accepts_is_read_back_from_a_database(op in contact_input()) {
        check(in_a_database(), op)?;
    }
}

fn check(s: &Shared, op: AddContact) -> Result<(), TestCaseError> {
    {
        let want = expected(&op);
        let (added, contact) = s.runtime.block_on(async {
            let added = s.client.add_contact(&s.token, op).await.unwrap();
            let contact = s
                .client
                .get_contact(&s.token, added.id.as_str())
                .await
                .unwrap();
            (added, contact)
        });
        prop_assert_eq!(&contact.id, &added.id);
        prop_assert_eq!(read_back(&contact), want);
    }
    Ok(())
}
