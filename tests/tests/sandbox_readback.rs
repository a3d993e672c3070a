//! What is written is read back: every value `addcontact` accepts comes back from
//! `getcontact` (issue 18, item 5), for random valid contacts, in memory and from a
//! database reopened by another sandbox.

use std::path::PathBuf;
use std::sync::OnceLock;

use papi_contacts::operation::AddContact;
use papi_contacts::types::{Civility, Contact, DeviceType};
use papi_core::chrono::NaiveDate;
use papi_core::{Config, UserToken};
use papi_sandbox::{AutoConsent, RunningSandbox, Sandbox, SandboxConfig};
use proptest::prelude::*;

/// A runtime for the sandboxes and their clients (one per test, shared by its cases).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// A sandbox (consent skipped: these tests are not about it), its data in `db` if given,
/// serving on a free port, with a Contacts client and a token of `alice`.
struct Served {
    running: RunningSandbox,
    client: papi_contacts::Client,
    token: UserToken,
}

impl Served {
    fn start(runtime: &tokio::runtime::Runtime, db: Option<PathBuf>) -> Self {
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
        Self {
            client: papi_contacts::Client::new(&config).unwrap(),
            token: sandbox.issue_token("alice").unwrap(),
            running,
        }
    }

    /// Stops serving (the connections closed) and drops the sandbox: its store is closed.
    fn stop(self, runtime: &tokio::runtime::Runtime) {
        runtime.block_on(self.running.shutdown());
    }
}

/// One sandbox in memory and its runtime, shared by every case.
fn in_memory() -> &'static (tokio::runtime::Runtime, Served) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, Served)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = runtime();
        let served = Served::start(&runtime, None);
        (runtime, served)
    })
}

/// A SQLite file the database cases write to and read back from (contacts are stored as
/// encoded answers there, so a field the encoder dropped would be lost), and a runtime.
fn database() -> &'static (tokio::runtime::Runtime, tempfile::TempDir) {
    static SHARED: OnceLock<(tokio::runtime::Runtime, tempfile::TempDir)> = OnceLock::new();
    SHARED.get_or_init(|| (runtime(), tempfile::tempdir().unwrap()))
}

fn db_file(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("readback.db")
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
        let (runtime, served) = in_memory();
        let want = expected(&op);
        let id = add(runtime, served, op);
        prop_assert_eq!(read_back(&get(runtime, served, &id)), want);
    }
}

proptest! {
    // Each case writes several contacts, so that the sandboxes are opened only twice a case.
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Written by one sandbox, which is then stopped and dropped; read by another opened on
    /// the same file: what comes back was stored, not remembered.
    #[test]
    fn every_value_addcontact_accepts_is_read_back_from_a_reopened_database(
        ops in proptest::collection::vec(contact_input(), 1..=8),
    ) {
        let (runtime, dir) = database();
        let db = db_file(dir);
        let writer = Served::start(runtime, Some(db.clone()));
        let written: Vec<_> = ops
            .into_iter()
            .map(|op| (expected(&op), add(runtime, &writer, op)))
            .collect();
        writer.stop(runtime);
        let reader = Served::start(runtime, Some(db));
        let read: Vec<_> = written
            .iter()
            .map(|(_, id)| read_back(&get(runtime, &reader, id)))
            .collect();
        reader.stop(runtime);
        let want: Vec<_> = written.into_iter().map(|(want, _)| want).collect();
        prop_assert_eq!(read, want);
    }
}

/// Adds the contact; its id.
fn add(runtime: &tokio::runtime::Runtime, s: &Served, op: AddContact) -> String {
    let added = runtime
        .block_on(s.client.add_contact(&s.token, op))
        .unwrap();
    added.id
}

/// The contact `id`, read with `getcontact` (its id checked).
fn get(runtime: &tokio::runtime::Runtime, s: &Served, id: &str) -> Contact {
    let contact = runtime
        .block_on(s.client.get_contact(&s.token, id))
        .unwrap();
    assert_eq!(contact.id, id);
    contact
}
