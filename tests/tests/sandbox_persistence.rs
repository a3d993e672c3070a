//! Persistence of `papi-sandbox` (`SandboxConfig::db`): data written through the generated
//! clients survives a restart on the same SQLite file; seeds are not added twice; concurrent
//! writes are each stored exactly once; an unusable file is a typed error.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use papi_contacts::operation::AddContact;
use papi_contacts::types::{AddDeviceSubtype, Civility, DeviceType};
use papi_core::{Error, GeneralError, ImageType, Upload, UserToken};
use papi_sandbox::{ConsentChoice, Sandbox, SandboxConfig, SandboxError};

mod sandbox_env;

use sandbox_env::Env;

/// A 1×1 JPEG header, enough to be sniffed as one.
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
];

fn config_with(db: &Path) -> SandboxConfig {
    SandboxConfig {
        db: Some(db.to_owned()),
        ..SandboxConfig::default()
    }
}

fn general<S: std::fmt::Debug>(e: &Error<S>) -> Option<GeneralError> {
    match e {
        Error::Api(a) => a.general(),
        _ => None,
    }
}

/// The ids found by a search.
async fn ids(contacts: &papi_contacts::Client, token: &UserToken, search: &str) -> Vec<String> {
    contacts
        .find_contact_list(token, search)
        .await
        .unwrap()
        .contacts
        .map(|l| l.entries.into_iter().map(|e| e.id).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn data_tokens_and_consents_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sandbox.db");

    // First run: a new database, seeded.
    let env = Env::open(config_with(&db)).await;
    assert_eq!(env.sandbox.db_path(), Some(db.as_path()));
    let token = env.sandbox.issue_token("alice").unwrap();
    let t = &token;
    let contacts = env.contacts();
    env.with_consent(ConsentChoice::GrantPermanently, || {
        contacts.find_contact_list(t, "orange")
    })
    .await
    .unwrap();
    let seeds_orange = ids(&contacts, t, "orange").await;
    assert!(!seeds_orange.is_empty());
    let robert = ids(&contacts, t, "Robert Smith").await;
    assert_eq!(robert.len(), 1);

    let input = AddContact::new()
        .firstname("Hello")
        .lastname("Persisted")
        .nickname("hp")
        .company("Example & Co <SA>")
        .civility(Civility::Mrs)
        .birthday(papi_core::chrono::NaiveDate::from_ymd_opt(1990, 5, 17).unwrap())
        .email_perso("hello@example.org");
    let added = env
        .with_consent(ConsentChoice::GrantPermanently, || {
            contacts.add_contact(t, input.clone())
        })
        .await
        .unwrap();
    env.with_consent(ConsentChoice::GrantPermanently, || {
        contacts.add_device(
            t,
            &added.id,
            DeviceType::Phone,
            AddDeviceSubtype::Mobile,
            "1",
            "0600000000",
        )
    })
    .await
    .unwrap();
    env.with_consent(ConsentChoice::GrantPermanently, || {
        contacts.add_picture(t, &added.id, Upload::new(JPEG.to_vec(), "me.jpg"))
    })
    .await
    .unwrap();
    let before = env
        .with_consent(ConsentChoice::GrantPermanently, || {
            contacts.get_contact(t, &added.id)
        })
        .await
        .unwrap();
    assert_eq!(before.company.as_deref(), Some("Example & Co <SA>"));
    assert_eq!(before.devices.as_ref().unwrap().devices.len(), 2);

    let calendar = papi_calendar::Client::new(&env.config).unwrap();
    let event = |title: &'static str| {
        calendar.add_event(
            t,
            papi_calendar::operation::AddEvent::new()
                .title(title)
                .start_date("2026-01-02"),
        )
    };
    env.with_consent(ConsentChoice::GrantPermanently, || event("One"))
        .await
        .unwrap();
    event("Two").await.unwrap();
    assert_eq!(env.sandbox.event_count("alice"), Some(2));

    // A one-call grant, left unused before the restart.
    use papi_rich_profile::types::RichProfileInfo;
    let rich = papi_rich_profile::Client::new(&env.config).unwrap();
    let e = rich
        .get_personal_rich_profile(t, &[RichProfileInfo::Firstname])
        .await
        .unwrap_err();
    assert!(e.is_privacy_denied(), "{e:?}");
    env.decide(&e, ConsentChoice::GrantOnce).await;
    env.stop().await;

    // Second run on the same file.
    let env = Env::open(config_with(&db)).await;
    let contacts = env.contacts();
    // The same token, the same permanent consents: no -3 anywhere below.
    let found = ids(&contacts, t, "Hello").await;
    assert!(found.contains(&added.id), "{found:?}");
    let after = contacts.get_contact(t, &added.id).await.unwrap();
    assert_eq!(after, before);
    let values: Vec<_> = after
        .devices
        .unwrap()
        .devices
        .into_iter()
        .map(|d| d.value)
        .collect();
    assert_eq!(values, ["hello@example.org", "0600000000"]);
    let picture = contacts.get_picture(t, &added.id).await.unwrap().picture();
    assert_eq!(picture.bytes, JPEG);
    assert_eq!(picture.image_type, ImageType::Jpeg);
    assert_eq!(env.sandbox.event_count("alice"), Some(2));
    assert_eq!(env.sandbox.event_count("bob"), Some(0));

    // Seeds are not added again.
    assert_eq!(ids(&contacts, t, "orange").await, seeds_orange);
    assert_eq!(ids(&contacts, t, "Robert Smith").await, robert);
    // The seeded picture is still there.
    let seeded = contacts.get_picture(t, &robert[0]).await.unwrap().picture();
    assert_eq!(seeded.image_type, ImageType::Jpeg);

    // The one-call grant is still there, and still good for one call only.
    let rich = papi_rich_profile::Client::new(&env.config).unwrap();
    rich.get_personal_rich_profile(t, &[RichProfileInfo::Firstname])
        .await
        .unwrap();
    let e = rich
        .get_personal_rich_profile(t, &[RichProfileInfo::Firstname])
        .await
        .unwrap_err();
    assert!(e.is_privacy_denied(), "{e:?}");

    // New ids never reuse stored ones (contacts or devices).
    let mut taken: HashSet<String> = seeds_orange.iter().chain(&robert).cloned().collect();
    taken.insert(added.id.clone());
    taken.extend(
        before
            .devices
            .iter()
            .flat_map(|l| &l.devices)
            .filter_map(|d| d.id.clone()),
    );
    let newer = contacts
        .add_contact(
            t,
            AddContact::new()
                .lastname("Later")
                .email_perso("l@example.org"),
        )
        .await
        .unwrap();
    assert!(!taken.contains(&newer.id), "{} reused", newer.id);
    assert_ne!(newer.id, added.id);
    env.stop().await;

    // Third run: the one-call grant consumed in the second run stays consumed.
    let env = Env::open(config_with(&db)).await;
    let rich = papi_rich_profile::Client::new(&env.config).unwrap();
    let e = rich
        .get_personal_rich_profile(t, &[RichProfileInfo::Firstname])
        .await
        .unwrap_err();
    assert!(e.is_privacy_denied(), "{e:?}");
    let contacts = env.contacts();
    assert_eq!(ids(&contacts, t, "Later").await, vec![newer.id]);
    env.stop().await;
}

#[tokio::test]
async fn an_expired_token_stays_expired_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sandbox.db");
    let config = SandboxConfig {
        token_lifetime: Duration::from_millis(300),
        ..config_with(&db)
    };
    let env = Env::open(config.clone()).await;
    let short = env.sandbox.issue_token("alice").unwrap();
    env.stop().await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let env = Env::open(config).await;
    let e = env
        .contacts()
        .find_contact_list(&short, "x")
        .await
        .unwrap_err();
    assert_eq!(general(&e), Some(GeneralError::InvalidToken), "{e:?}");
    env.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_adds_are_each_stored_once() {
    const CLIENTS: usize = 16;
    const EACH: usize = 50;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sandbox.db");
    let env = Env::open(config_with(&db)).await;
    let token = env.sandbox.issue_token("bob").unwrap();
    let contacts = env.contacts();
    // Consent first (permanently), so that the concurrent calls all proceed.
    let probe = env
        .with_consent(ConsentChoice::GrantPermanently, || {
            contacts.add_contact(&token, AddContact::new().lastname("Probe"))
        })
        .await
        .unwrap();
    env.with_consent(ConsentChoice::GrantPermanently, || {
        contacts.find_contact_list(&token, "Zload")
    })
    .await
    .unwrap();

    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let contacts = env.contacts();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::with_capacity(EACH);
            for i in 0..EACH {
                let input = AddContact::new()
                    .firstname(format!("c{client}-{i}"))
                    .lastname("Zload");
                ids.push(contacts.add_contact(&token, input).await.unwrap().id);
            }
            ids
        }));
    }
    let mut added = HashSet::new();
    for task in tasks {
        for id in task.await.unwrap() {
            assert!(added.insert(id.clone()), "id {id} given twice");
        }
    }
    assert_eq!(added.len(), CLIENTS * EACH);
    assert!(!added.contains(&probe.id));
    env.stop().await;

    let env = Env::open(config_with(&db)).await;
    let stored = ids(&env.contacts(), &token, "Zload").await;
    assert_eq!(stored.len(), CLIENTS * EACH);
    assert_eq!(stored.iter().cloned().collect::<HashSet<_>>(), added);
    // Each first name once: nothing stored twice.
    let page = env.contacts().find_contact_list(&token, "c").await.unwrap();
    let names: Vec<String> = page
        .contacts
        .unwrap()
        .entries
        .into_iter()
        .filter(|e| e.lastname.as_deref() == Some("Zload"))
        .filter_map(|e| e.firstname)
        .collect();
    assert_eq!(names.len(), CLIENTS * EACH);
    assert_eq!(names.iter().collect::<HashSet<_>>().len(), CLIENTS * EACH);
    env.stop().await;
}

fn open_error(db: PathBuf) -> SandboxError {
    match Sandbox::open(config_with(&db)) {
        Ok(_) => panic!("{} opened", db.display()),
        Err(e) => e,
    }
}

#[test]
fn an_unusable_file_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();

    // Not a database.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(
        &garbage,
        "this is not a SQLite database, just text. ".repeat(200),
    )
    .unwrap();
    let e = open_error(garbage.clone());
    assert!(matches!(e, SandboxError::Open { .. }), "{e:?}");
    assert_eq!(e.path(), Some(garbage.as_path()));
    let message = e.to_string();
    assert!(
        message.contains(&garbage.display().to_string()),
        "{message}"
    );
    assert!(message.contains("not a database"), "{message}");

    // A directory that does not exist, a directory in place of the file.
    for db in [
        dir.path().join("missing").join("sandbox.db"),
        dir.path().to_owned(),
    ] {
        let e = open_error(db.clone());
        assert!(matches!(e, SandboxError::Open { .. }), "{e:?}");
        assert!(e.to_string().contains(&db.display().to_string()), "{e}");
    }

    // A SQLite database of another program, and one of a newer sandbox.
    let other = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE things (x)").unwrap();
    }
    let e = open_error(other);
    assert!(e.to_string().contains("not a papi sandbox database"), "{e}");
    let newer = dir.path().join("newer.db");
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
    }
    let e = open_error(newer);
    assert!(
        matches!(e, SandboxError::Version { found: 99, .. }),
        "{e:?}"
    );

    // A contact that cannot be read back: a load error naming the file.
    let broken = dir.path().join("broken.db");
    drop(Sandbox::open(config_with(&broken)).unwrap());
    {
        let conn = rusqlite::Connection::open(&broken).unwrap();
        conn.execute("UPDATE contacts SET document = '<not xml'", [])
            .unwrap();
    }
    let e = open_error(broken.clone());
    assert!(matches!(e, SandboxError::Load { .. }), "{e:?}");
    assert_eq!(e.path(), Some(broken.as_path()));

    // `new` never panics: it falls back to memory, and says so through `db_path`.
    let fallback = Sandbox::new(config_with(&garbage));
    assert_eq!(fallback.db_path(), None);
    assert!(fallback.issue_token("alice").is_some());
}

#[tokio::test]
async fn in_memory_is_still_the_default() {
    let sandbox = Sandbox::open(SandboxConfig::default()).unwrap();
    assert_eq!(sandbox.db_path(), None);
    assert_eq!(sandbox.event_count("alice"), Some(0));
    assert_eq!(sandbox.event_count("nobody"), None);
}
