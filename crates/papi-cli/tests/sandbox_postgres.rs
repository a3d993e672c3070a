//! Two `papi sandbox` processes on one PostgreSQL database behave as one sandbox (issue
//! 18's figures, recorded in RELIABILITY.md): 2 processes × 32 clients × 1,000 `addcontact`
//! for one user store exactly 64,000 contacts with no id twice; a one-call grant raced by
//! 64 calls across both processes lets exactly one through; a process killed with SIGKILL
//! in the middle of writes loses none that it acknowledged.
//!
//! Needs a PostgreSQL server (`eval "$(bash .ci/postgres)"`); skipped loudly without one,
//! required in CI.

#![cfg(unix)]

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use papi_contacts::operation::AddContact;
use papi_core::reqwest;
use papi_core::{RetryPolicy, UserToken};
use papi_messages::types::MessagesInfo;
use papi_sandbox::postgres_testing::TestDatabase;
use papi_sandbox::user_agent::{answer_consent_signing_in, post_form};
use papi_sandbox::ConsentChoice;

mod support;
use support::Standalone;

/// Clients per process, and `addcontact` calls per client (the figures).
const CLIENTS: usize = 32;
const ADDS: usize = 1_000;

/// `papi sandbox` on the database, consent granted for the contacts (not for messages).
fn start(db: &TestDatabase) -> Standalone {
    Standalone::start(&["--db", db.url().expose(), "--auto-consent", "contact"])
}

fn contacts(sandbox: &Standalone) -> papi_contacts::Client {
    let config = sandbox
        .config()
        .with_retry(RetryPolicy::none())
        .with_request_timeout(Duration::from_secs(30));
    papi_contacts::Client::new(&config).unwrap()
}

/// A token from the sandbox's shortcut for scripts (`POST /sandbox/login`).
async fn token(sandbox: &Standalone, login: &str, password: &str) -> UserToken {
    let browser = papi_core::tls::client_builder().build().unwrap();
    let url = sandbox.base.join("sandbox/login").unwrap();
    let fields = [
        ("login", login.to_owned()),
        ("password", password.to_owned()),
    ];
    let answer = post_form(&browser, url, &fields).send().await.unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
    UserToken::new(answer.text().await.unwrap())
}

/// The contacts of `login` in the database, and how many distinct ids they have.
fn stored(db: &TestDatabase, login: &str) -> (i64, i64) {
    let rows = db.query(&format!(
        "SELECT count(*), count(DISTINCT id) FROM papi_sandbox.contacts WHERE login = '{login}'"
    ));
    let n = |i: usize| rows[0][i].as_deref().unwrap().parse().unwrap();
    (n(0), n(1))
}

/// Every contact id of `login` in the database.
fn stored_ids(db: &TestDatabase, login: &str) -> HashSet<String> {
    db.query(&format!(
        "SELECT id FROM papi_sandbox.contacts WHERE login = '{login}'"
    ))
    .into_iter()
    .filter_map(|row| row.into_iter().next().flatten())
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_database_behave_as_one() {
    let Some(db) = TestDatabase::create("multi_process") else {
        return;
    };
    let db = Arc::new(db);
    let (a, b) = {
        let db = Arc::clone(&db);
        tokio::task::spawn_blocking(move || (start(&db), start(&db)))
            .await
            .unwrap()
    };
    assert!(a.banner.contains("stored in PostgreSQL at"), "{}", a.banner);
    let (seeded, _) = stored(&db, "alice");

    // A token issued by one process is good on the other.
    let token = token(&a, "alice", "alice-pw").await;
    contacts(&b)
        .find_contact_list(&token, "a")
        .await
        .expect("a token issued by A is good on B");

    // 2 processes × 32 clients × 1,000 addcontact, all for alice.
    let clients: Vec<_> = (0..2 * CLIENTS)
        .map(|i| contacts(if i % 2 == 0 { &a } else { &b }))
        .collect();
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, client)| {
            let token = token.clone();
            tokio::spawn(async move {
                let mut ids = Vec::with_capacity(ADDS);
                for n in 0..ADDS {
                    let added = client
                        .add_contact(&token, AddContact::new().lastname(format!("load-{i}-{n}")))
                        .await
                        .unwrap_or_else(|e| panic!("client {i}, call {n}: {e}"));
                    ids.push(added.id);
                }
                ids
            })
        })
        .collect();
    let mut acknowledged = Vec::with_capacity(2 * CLIENTS * ADDS);
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    let distinct: HashSet<_> = acknowledged.iter().cloned().collect();
    assert_eq!(acknowledged.len(), 2 * CLIENTS * ADDS);
    assert_eq!(distinct.len(), acknowledged.len(), "an id given twice");
    let (count, ids) = stored(&db, "alice");
    assert_eq!(count - seeded, i64::try_from(2 * CLIENTS * ADDS).unwrap());
    assert_eq!(ids, count, "two stored contacts share an id");
    assert!(distinct.is_subset(&stored_ids(&db, "alice")));
    eprintln!(
        "figure: {} addcontact through 2 processes × {CLIENTS} clients in {:.1} s ({:.0} per s); stored {}, distinct ids {}",
        acknowledged.len(),
        elapsed.as_secs_f64(),
        acknowledged.len() as f64 / elapsed.as_secs_f64(),
        count - seeded,
        ids - seeded,
    );
    // Each process reads what the other wrote.
    let last = acknowledged.last().unwrap();
    for sandbox in [&a, &b] {
        let contact = contacts(sandbox).get_contact(&token, last).await.unwrap();
        assert_eq!(&contact.id, last);
    }

    once_grant_race(&a, &b, &token).await;
    sigkill_loses_no_acknowledged_write(&db, &a, &token).await;
}

/// A one-call grant, decided on the other process's consent page, raced by 64 calls
/// across both processes: exactly one goes through.
async fn once_grant_race(a: &Standalone, b: &Standalone, token: &UserToken) {
    let messages = |s: &Standalone| papi_messages::Client::new(&s.config()).unwrap();
    let err = messages(a)
        .get_personal_messages(token, &[MessagesInfo::NoSms])
        .await
        .unwrap_err();
    let consent = err.consent().expect("a consent request").clone();
    let mut redirect = consent.redirect_url("http://127.0.0.1:9/").unwrap();
    // The request was made through A; the user answers on B's page.
    redirect.set_port(b.base.port()).unwrap();
    let browser = papi_core::tls::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    answer_consent_signing_in(
        &browser,
        &redirect,
        ConsentChoice::GrantOnce,
        "alice",
        "alice-pw",
    )
    .await
    .unwrap();
    let calls: Vec<_> = (0..64)
        .map(|i| {
            let (client, token) = (messages(if i % 2 == 0 { a } else { b }), token.clone());
            tokio::spawn(async move {
                client
                    .get_personal_messages(&token, &[MessagesInfo::NoSms])
                    .await
            })
        })
        .collect();
    let mut granted = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => granted += 1,
            Err(e) => assert!(e.is_privacy_denied(), "{e}"),
        }
    }
    eprintln!(
        "figure: a one-call grant raced by 64 calls across 2 processes: {granted} went through"
    );
    assert_eq!(granted, 1);
}

/// A third process, killed with SIGKILL while 16 clients write through it: every write it
/// acknowledged is stored, and readable through another process.
async fn sigkill_loses_no_acknowledged_write(
    db: &Arc<TestDatabase>,
    a: &Standalone,
    token: &UserToken,
) {
    let mut victim = {
        let db = Arc::clone(db);
        tokio::task::spawn_blocking(move || start(&db))
            .await
            .unwrap()
    };
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..16)
        .map(|i| {
            let (client, token, stop) = (contacts(&victim), token.clone(), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    let op = AddContact::new().lastname(format!("kill-{i}-{n}"));
                    match client.add_contact(&token, op).await {
                        Ok(added) => acknowledged.push(added.id),
                        Err(_) => break,
                    }
                    n += 1;
                }
                acknowledged
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let status = tokio::task::block_in_place(|| victim.signal(libc::SIGKILL));
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL)
    );
    stop.store(true, Ordering::SeqCst);
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    assert!(
        !acknowledged.is_empty(),
        "nothing was written before the kill"
    );
    let stored = stored_ids(db, "alice");
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|id| !stored.contains(*id))
        .collect();
    eprintln!(
        "figure: SIGKILL during writes: {} acknowledged, {} lost",
        acknowledged.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    let last = acknowledged.last().unwrap();
    let contact = contacts(a).get_contact(token, last).await.unwrap();
    assert_eq!(&contact.id, last);
}

/// A round-robin load balancer in front of `backends`: each new connection goes to the
/// next one, so a browser that opens a connection per request meets them all in turn.
async fn round_robin(listener: tokio::net::TcpListener, backends: Vec<std::net::SocketAddr>) {
    let mut next = 0;
    while let Ok((mut inbound, _)) = listener.accept().await {
        let backend = backends[next % backends.len()];
        next += 1;
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(backend).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

fn addr_of(sandbox: &Standalone) -> std::net::SocketAddr {
    let host = sandbox.base.host_str().unwrap();
    format!("{host}:{}", sandbox.base.port().unwrap())
        .parse()
        .unwrap()
}

/// Behind a load balancer with no sticky sessions, every request of a browser goes to the
/// other process: papi-auth signs in (metadata, login page and its form answered by
/// different processes), the user grants consent (the page and the decision on different
/// processes, with the session the sign-in opened), and the call goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_round_robin_load_balancer_a_browser_needs_no_sticky_session() {
    let Some(db) = TestDatabase::create("load_balancer") else {
        return;
    };
    let balancer = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public = format!("http://{}/", balancer.local_addr().unwrap());
    let (a, b) = {
        let (url, public) = (db.url().expose().to_owned(), public.clone());
        tokio::task::spawn_blocking(move || {
            let start = || Standalone::start(&["--db", &url, "--public-url", &public]);
            (start(), start())
        })
        .await
        .unwrap()
    };
    assert!(a.banner.contains(&public), "{}", a.banner);
    tokio::spawn(round_robin(balancer, vec![addr_of(&a), addr_of(&b)]));
    // A browser that opens a new connection for every request.
    let browser = papi_core::tls::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let idp = papi_auth::IdentityProviderConfig::fetch_metadata(
        &browser,
        &format!("{public}saml/metadata"),
        std::time::SystemTime::now().into(),
    )
    .await
    .unwrap();
    let service = papi_core::url::Url::parse("http://127.0.0.1:9/").unwrap();
    let signed_in =
        papi_sandbox::user_agent::sign_in_trusting(&browser, idp, &service, "alice", "alice-pw")
            .await
            .unwrap();
    let token = signed_in.authenticated.token;
    let creds = papi_core::ServiceCredentials::new("sandbox-service", "sandbox-secret");
    let config = papi_core::Config::custom(&public, creds)
        .unwrap()
        .with_retry(RetryPolicy::none());
    let contacts = papi_contacts::Client::new(&config).unwrap();
    let err = contacts.find_contact_list(&token, "a").await.unwrap_err();
    let consent = err
        .consent()
        .expect("a consent request on the public URL")
        .clone();
    let redirect = consent
        .redirect_url(service.join("back").unwrap().as_str())
        .unwrap();
    papi_sandbox::user_agent::answer_consent(
        &browser,
        &signed_in.session,
        &redirect,
        ConsentChoice::GrantPermanently,
    )
    .await
    .unwrap();
    for _ in 0..4 {
        contacts.find_contact_list(&token, "a").await.unwrap();
    }
}
