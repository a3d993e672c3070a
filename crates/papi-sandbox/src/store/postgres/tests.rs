//! Two stores on one database behave as one store: what one writes, the other reads; ids,
//! one-call grants and the signing key are shared. Each store stands for a sandbox process
//! (its own connections and its own copy of the data); the multi-process figures are in
//! papi-cli's `sandbox_postgres` test.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use papi_contacts::types::Contact;

use super::testing::TestDatabase;
use super::PgStore;
use crate::domain::consent::{family_of, Access, ConsentKey, Decision};
use crate::domain::seeds::Seeds;
use crate::domain::token::{hash_hex, token_hash, unix_ms, IssuedToken, TokenProblem};
use crate::domain::user::{UserChange, UserData};
use crate::generated::APIS;
use crate::store::postgres_url::PostgresUrl;
use crate::store::{read_user, SandboxError, Store};

const LOGINS: [&str; 2] = ["alice", "bob"];
/// Session ids as the sandbox makes them (32 random bytes, hex).
const SESSION_1: &str = "0101010101010101010101010101010101010101010101010101010101010101";
const SESSION_2: &str = "0202020202020202020202020202020202020202020202020202020202020202";

fn open(db: &TestDatabase) -> PgStore {
    PgStore::open(db.url(), LOGINS, &Seeds::load()).unwrap()
}

/// Adds a contact with a fresh id; returns the id.
fn add_contact(store: &dyn Store, login: &str, firstname: &str) -> String {
    let mut added = None;
    let changed = store
        .change_user(login, &mut |data: &UserData| {
            let mut ids = data.ids();
            let id = ids.fresh();
            added = Some(id.clone());
            let mut contact = Contact::default().with_id(id);
            contact.firstname = Some(firstname.to_owned());
            Some(UserChange::Contact {
                contact: Box::new(contact),
                next_id: ids.next(),
            })
        })
        .unwrap();
    assert!(changed);
    added.unwrap()
}

fn contacts(store: &dyn Store, login: &str) -> Vec<Contact> {
    read_user(store, login, |d| d.contacts().to_vec())
        .unwrap()
        .unwrap()
}

/// A consent request id as the sandbox makes them (16 random bytes, hex).
fn request_id(n: u8) -> String {
    format!("{n:032x}")
}

/// Asks for `key` through `asker` (request `n`) and has the user decide through `decider`.
fn decided(asker: &dyn Store, decider: &dyn Store, key: &ConsentKey, n: u8, decision: Decision) {
    asker.ask_consent(key.clone(), request_id(n)).unwrap();
    assert_eq!(
        decider.decide_consent(&request_id(n), decision).unwrap(),
        Some(key.clone())
    );
}

fn key() -> ConsentKey {
    ConsentKey {
        user: "alice".into(),
        service: "sandbox-service".into(),
        family: family_of(APIS[0]),
        attribute: None,
    }
}

#[test]
fn what_one_store_writes_the_other_reads() {
    let Some(db) = TestDatabase::create("pg_store_shared") else {
        return;
    };
    let (a, b) = (open(&db), open(&db));
    // The seed data is stored once, however many processes start.
    let seeded = UserData::seeded(&Seeds::load()).contacts().to_vec();
    assert_eq!(contacts(&a, "alice"), seeded);
    assert_eq!(
        db.count("SELECT count(*) FROM papi_sandbox.contacts WHERE login = 'alice'"),
        i64::try_from(seeded.len()).unwrap()
    );
    // Contacts, pictures and events.
    let id = add_contact(&a, "alice", "Zoé");
    let back = contacts(&b, "alice");
    assert_eq!(back.last().map(|c| c.id.as_str()), Some(id.as_str()));
    assert_eq!(back, contacts(&a, "alice"));
    b.change_user("alice", &mut |_| {
        Some(UserChange::Picture {
            contact_id: id.clone(),
            bytes: vec![1, 2, 3],
        })
    })
    .unwrap();
    a.change_user("alice", &mut |_| {
        Some(UserChange::Event(vec![("summary".into(), "été".into())]))
    })
    .unwrap();
    let seen = |s: &dyn Store| {
        read_user(s, "alice", |d| {
            (d.pictures.get(&id).cloned(), d.events.clone())
        })
        .unwrap()
        .unwrap()
    };
    assert_eq!(seen(&a), seen(&b));
    assert_eq!(seen(&a).0, Some(vec![1, 2, 3]));
    // A changed contact replaces the one with its id, everywhere.
    let mut changed = back.last().unwrap().clone();
    changed.lastname = Some("Martin".into());
    let new = changed.clone();
    a.change_user("alice", &mut |data| {
        Some(UserChange::Contact {
            contact: Box::new(new.clone()),
            next_id: data.next_id,
        })
    })
    .unwrap();
    assert_eq!(contacts(&b, "alice").last(), Some(&changed));
    assert_eq!(contacts(&b, "alice").len(), back.len());
    // Bob's data is his own.
    assert_eq!(contacts(&b, "bob"), seeded);
    // A store opened later starts from everything stored.
    assert_eq!(contacts(&open(&db), "alice"), contacts(&a, "alice"));
}

#[test]
fn tokens_consents_and_the_signing_key_are_shared() {
    let Some(db) = TestDatabase::create("pg_store_auth") else {
        return;
    };
    let (a, b) = (open(&db), open(&db));
    let hash = [7u8; 32];
    let expires_ms = unix_ms(SystemTime::now()) + 60_000;
    a.save_token(IssuedToken {
        hash,
        login: "alice".into(),
        expires: Instant::now() + Duration::from_secs(60),
        expires_ms,
    })
    .unwrap();
    assert_eq!(b.token_user(&hash).unwrap(), "alice");
    assert_eq!(b.token_user(&[8u8; 32]), Err(TokenProblem::Unknown));
    // An expired token, issued elsewhere, is refused and forgotten.
    let old = [9u8; 32];
    a.save_token(IssuedToken {
        hash: old,
        login: "bob".into(),
        expires: Instant::now(),
        expires_ms: unix_ms(SystemTime::now()) - 1,
    })
    .unwrap();
    assert_eq!(b.token_user(&old), Err(TokenProblem::Expired));
    assert_eq!(
        db.count("SELECT count(*) FROM papi_sandbox.tokens WHERE login = 'bob'"),
        0,
        "the expired token is forgotten in the database too"
    );
    // A consent asked through one process is decided through the other.
    let key = key();
    a.ask_consent(key.clone(), request_id(1)).unwrap();
    assert_eq!(
        b.pending_consent(&request_id(1)).unwrap(),
        Some(key.clone())
    );
    assert_eq!(
        b.decide_consent(&request_id(1), Decision::Permanent)
            .unwrap(),
        Some(key.clone())
    );
    assert_eq!(a.pending_consent(&request_id(1)).unwrap(), None, "answered");
    assert_eq!(
        a.decide_consent(&request_id(1), Decision::Once).unwrap(),
        None
    );
    assert_eq!(a.check_consent(&key).unwrap(), Access::Granted);
    // A later refusal, through the other process, wins everywhere.
    decided(&b, &a, &key, 2, Decision::Refused);
    assert_eq!(b.check_consent(&key).unwrap(), Access::Refused);
    // A browser session opened through one process is open on the other, by its id only
    // (the database keeps a hash of it).
    a.open_session(SESSION_1, "alice", "form-token").unwrap();
    let session = b.session(SESSION_1).unwrap().expect("shared");
    assert_eq!(
        (session.login.as_str(), session.csrf.as_str()),
        ("alice", "form-token")
    );
    assert_eq!(b.session(SESSION_2).unwrap(), None);
    assert_eq!(
        db.query("SELECT id_hash FROM papi_sandbox.sessions"),
        [[Some(hash_hex(&token_hash(SESSION_1)))]],
        "the session id is stored as its SHA-256 only"
    );
    // An id the sandbox cannot have made is not looked up.
    assert_eq!(b.session("not-an-id").unwrap(), None);
    assert_eq!(b.pending_consent("not-an-id").unwrap(), None);
    // One key: the first process's.
    let first = a.signing_key(&mut || Ok("FIRST".to_owned())).unwrap();
    let second = b.signing_key(&mut || Ok("SECOND".to_owned())).unwrap();
    assert_eq!((first.as_str(), second.as_str()), ("FIRST", "FIRST"));
}

#[test]
fn ids_stay_unique_and_a_one_call_grant_is_consumed_once_under_concurrency() {
    let Some(db) = TestDatabase::create("pg_store_race") else {
        return;
    };
    let stores = [open(&db), open(&db)];
    const THREADS: usize = 8;
    const ADDS: usize = 25;
    let before = contacts(&stores[0], "alice").len();
    let ids: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let store = &stores[t % 2];
                scope.spawn(move || {
                    (0..ADDS)
                        .map(|i| add_contact(store, "alice", &format!("t{t}-{i}")))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(ids.len(), THREADS * ADDS);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "an id given twice"
    );
    for store in &stores {
        let all = contacts(store, "alice");
        assert_eq!(all.len(), before + THREADS * ADDS);
        assert_eq!(
            all.iter().map(|c| &c.id).collect::<HashSet<_>>().len(),
            all.len()
        );
    }
    // One one-call grant, raced by calls through both stores: exactly one gets it.
    let key = key();
    decided(&stores[1], &stores[0], &key, 3, Decision::Once);
    let granted = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for t in 0..16 {
            let (store, key, granted) = (&stores[t % 2], &key, &granted);
            scope.spawn(move || {
                if store.check_consent(key).unwrap() == Access::Granted {
                    granted.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    assert_eq!(granted.load(Ordering::SeqCst), 1);
}

#[test]
fn a_schema_of_another_program_or_a_newer_sandbox_is_refused() {
    let Some(db) = TestDatabase::create("pg_store_schema") else {
        return;
    };
    db.query("CREATE SCHEMA papi_sandbox; CREATE TABLE papi_sandbox.other (x int)");
    let refused = PgStore::open(db.url(), LOGINS, &Seeds::load())
        .err()
        .unwrap();
    assert!(
        refused.to_string().contains("not a papi sandbox's"),
        "{refused}"
    );
    db.query("DROP SCHEMA papi_sandbox CASCADE");
    drop(open(&db));
    // A database made before the sessions and sign-ins were shared gets their tables.
    db.query("DROP TABLE papi_sandbox.sessions; DROP TABLE papi_sandbox.sign_ins");
    let older = open(&db);
    older.open_session(SESSION_1, "alice", "t").unwrap();
    assert!(older.session(SESSION_1).unwrap().is_some());
    drop(older);
    db.query("UPDATE papi_sandbox.meta SET schema_version = 99");
    let refused = PgStore::open(db.url(), LOGINS, &Seeds::load())
        .err()
        .unwrap();
    assert!(
        refused.to_string().contains("schema version is 99"),
        "{refused}"
    );
}

#[test]
fn an_unreachable_server_is_a_typed_error_that_hides_the_password() {
    // Port 1 on loopback: nothing listens there.
    let url: PostgresUrl = "postgres://papi:hunter2-secret@127.0.0.1:1/sandbox"
        .parse()
        .unwrap();
    let refused = PgStore::open(&url, LOGINS, &Seeds::load()).err().unwrap();
    assert!(
        matches!(refused, SandboxError::Postgres { .. }),
        "{refused:?}"
    );
    for shown in [refused.to_string(), format!("{refused:?}")] {
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(shown.contains("127.0.0.1:1"), "{shown}");
        // The cause is said, not only its kind.
        assert!(shown.to_lowercase().contains("refused"), "{shown}");
    }
}

#[test]
fn a_database_that_does_not_exist_is_named_by_the_servers_own_words() {
    let Some(db) = TestDatabase::create("pg_store_missing") else {
        return;
    };
    let mut url = url::Url::parse(db.url().expose()).unwrap();
    url.set_path("papi_no_such_database");
    let url: PostgresUrl = url.as_str().parse().unwrap();
    let refused = PgStore::open(&url, LOGINS, &Seeds::load()).err().unwrap();
    let shown = refused.to_string();
    assert!(
        shown.contains("3D000") && shown.contains("does not exist"),
        "{shown}"
    );
}

#[test]
fn an_attribute_decision_wins_over_the_familys_across_processes() {
    let Some(db) = TestDatabase::create("pg_store_attribute") else {
        return;
    };
    let (a, b) = (open(&db), open(&db));
    let family = key();
    let attribute = APIS
        .iter()
        .flat_map(|api| api.actions.iter().map(move |action| (api, action)))
        .find_map(|(api, action)| {
            (family_of(api) == family.family)
                .then_some(action.privacy_attribute)
                .flatten()
        })
        .expect("an attribute of the family");
    let on_attribute = ConsentKey {
        attribute: Some(attribute),
        ..family.clone()
    };
    // The family granted for good, the attribute refused: the attribute's call is refused,
    // another of the family granted.
    decided(&a, &b, &family, 4, Decision::Permanent);
    decided(&b, &a, &on_attribute, 5, Decision::Refused);
    assert_eq!(b.check_consent(&on_attribute).unwrap(), Access::Refused);
    assert_eq!(a.check_consent(&family).unwrap(), Access::Granted);
    // A one-call grant on the attribute is used first, then the family's decision holds.
    decided(&a, &b, &on_attribute, 6, Decision::Once);
    assert_eq!(a.check_consent(&on_attribute).unwrap(), Access::Granted);
    assert_eq!(
        b.check_consent(&on_attribute).unwrap(),
        Access::Granted,
        "the family's"
    );
    assert_eq!(
        db.count("SELECT count(*) FROM papi_sandbox.consents WHERE attribute <> ''"),
        0,
        "the one-call grant is consumed"
    );
}

#[test]
fn a_change_in_the_middle_is_caught_up_with_the_contacts_added_after_it() {
    let Some(db) = TestDatabase::create("pg_store_middle") else {
        return;
    };
    let (a, b) = (open(&db), open(&db));
    let first = add_contact(&a, "alice", "first");
    contacts(&b, "alice");
    // B's copy is now behind by: a new contact, a change of an older one, another new one.
    add_contact(&a, "alice", "second");
    let mut changed = contacts(&a, "alice")
        .into_iter()
        .find(|c| c.id == first)
        .unwrap();
    changed.lastname = Some("Changed".into());
    let new = changed.clone();
    a.change_user("alice", &mut |data| {
        Some(UserChange::Contact {
            contact: Box::new(new.clone()),
            next_id: data.next_id,
        })
    })
    .unwrap();
    add_contact(&a, "alice", "third");
    assert_eq!(contacts(&b, "alice"), contacts(&a, "alice"));
    assert!(contacts(&b, "alice").contains(&changed));
}

#[test]
fn a_sign_in_started_on_one_process_is_answered_on_another_within_its_bounds() {
    use crate::domain::sign_in::{
        AuthnRequest, Client, NoAttempt, MAX_ATTEMPTS, MAX_PENDING_PER_CLIENT,
    };
    let Some(db) = TestDatabase::create("pg_store_sign_in") else {
        return;
    };
    let (a, b) = (open(&db), open(&db));
    let request = AuthnRequest {
        id: "_req".into(),
        issuer: "https://sp.example/saml".into(),
        acs_url: url::Url::parse("http://127.0.0.1:9/acs").unwrap(),
    };
    let client = |ip: &str| Client::of(Some(ip.parse().unwrap()));
    let id = a
        .start_sign_in(client("192.0.2.1"), request.clone(), Some("state".into()))
        .unwrap()
        .unwrap();
    // A wrong password through B, then the right one through A.
    assert_eq!(b.attempt_sign_in(&id).unwrap(), Ok(request.clone()));
    assert_eq!(b.sign_in_attempts_left(&id).unwrap(), MAX_ATTEMPTS - 1);
    assert_eq!(a.attempt_sign_in(&id).unwrap(), Ok(request.clone()));
    let finished = b.finish_sign_in(&id).unwrap().expect("pending");
    assert_eq!(finished.request, request);
    assert_eq!(finished.relay_state.as_deref(), Some("state"));
    assert!(a.finish_sign_in(&id).unwrap().is_none(), "answered once");
    assert_eq!(a.attempt_sign_in(&id).unwrap(), Err(NoAttempt::Gone));
    // Passwords are counted across processes.
    let id = a
        .start_sign_in(client("192.0.2.1"), request.clone(), None)
        .unwrap()
        .unwrap();
    for n in 0..MAX_ATTEMPTS {
        let store: &dyn Store = if n % 2 == 0 { &a } else { &b };
        assert!(store.attempt_sign_in(&id).unwrap().is_ok());
    }
    assert_eq!(b.attempt_sign_in(&id).unwrap(), Err(NoAttempt::TooMany));
    assert_eq!(a.attempt_sign_in(&id).unwrap(), Err(NoAttempt::Gone));
    // A flood from one address, through both processes, pushes out only its own sign-ins.
    let victim = a
        .start_sign_in(client("192.0.2.9"), request.clone(), None)
        .unwrap()
        .unwrap();
    for n in 0..MAX_PENDING_PER_CLIENT + 8 {
        let store: &dyn Store = if n % 2 == 0 { &a } else { &b };
        store
            .start_sign_in(client("198.51.100.7"), request.clone(), None)
            .unwrap();
    }
    assert_eq!(
        db.count("SELECT count(*) FROM papi_sandbox.sign_ins WHERE client = '198.51.100.7'"),
        i64::try_from(MAX_PENDING_PER_CLIENT).unwrap()
    );
    assert!(b.attempt_sign_in(&victim).unwrap().is_ok());
}
