//! `papi-sandbox` under faults (RELIABILITY.md, "Sandbox under faults"):
//!
//! * 64 concurrent clients adding contacts: every acknowledged id stored exactly once, and
//!   still there after a restart on the same `--db` file (64 × 25 always; the full
//!   64 × 1,000 is `#[ignore]`d, run by `cargo xtask faults`);
//! * the server stopped while writes are in flight: every write acknowledged before the
//!   stop is there after the restart;
//! * malformed multipart bodies, oversized uploads and garbage query strings get the
//!   documented general code `-7` (Invalid Request), `-1` or the API's own codes, and the
//!   server keeps answering;
//! * a one-call consent is consumed by exactly one of 64 concurrent calls.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use papi_contacts::operation::AddContact;
use papi_core::reqwest;
use papi_core::{ApiCode, Error, UserToken};
use papi_sandbox::ConsentChoice;

mod sandbox_env;

use sandbox_env::Env;

const CONTACTS_PATH: &str = papi_contacts::API.path;

impl Env {
    /// Grants the contacts family permanently for `token` (add and search).
    async fn grant_contacts(&self, token: &UserToken) {
        let contacts = self.contacts();
        for _ in 0..2 {
            let e = match contacts
                .add_contact(token, AddContact::new().lastname("Probe"))
                .await
            {
                Ok(_) => break,
                Err(e) => e,
            };
            assert!(e.is_privacy_denied(), "{e:?}");
            self.decide(&e, ConsentChoice::GrantPermanently).await;
        }
        if let Err(e) = contacts.find_contact_list(token, "Probe").await {
            assert!(e.is_privacy_denied(), "{e:?}");
            self.decide(&e, ConsentChoice::GrantPermanently).await;
        }
    }

    /// A raw request to an API path with the service credentials: (HTTP status, body).
    async fn raw(&self, request: reqwest::RequestBuilder) -> (u16, Vec<u8>) {
        let creds = self.sandbox.service_credentials();
        let r = request
            .basic_auth(creds.id(), Some(creds.expose_password()))
            .send()
            .await
            .expect("the sandbox answers");
        let status = r.status().as_u16();
        (status, r.bytes().await.unwrap().to_vec())
    }

    fn url(&self, path_and_query: &str) -> String {
        format!(
            "{}{}",
            self.running.base_url().as_str().trim_end_matches('/'),
            path_and_query
        )
    }

    /// The server still serves a normal call.
    async fn still_answers(&self, token: &UserToken) {
        self.contacts()
            .find_contact_list(token, "Probe")
            .await
            .expect("the sandbox still answers after the fault");
    }
}

/// What an answer is, read with the clients' own decoder for `action`: a value, or the
/// code of the error document (general, or the Contacts API's own). Panics on anything
/// else (an answer that is no document of the API).
fn outcome<T>(what: &str, status: u16, answer: Result<T, papi_contacts::Error>) -> String {
    match answer {
        Ok(_) => format!("HTTP {status}, an answer"),
        Err(Error::Api(a)) => match (a.general(), a.specific()) {
            (Some(g), _) => format!("HTTP {status}, general code {}", g.code()),
            (None, Some(s)) => format!("HTTP {status}, Contacts code {}", s.code()),
            (None, None) => panic!("{what}: an error document without a code: {a:?}"),
        },
        Err(e) => panic!("{what}: HTTP {status}, not a document of the API: {e}"),
    }
}

/// Sends `GET <target> HTTP/1.1` as raw bytes and reads the status line: `HTTP <code>`,
/// or `closed` when the server closes the connection without an answer.
async fn raw_http(base: &papi_core::url::Url, target: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = format!(
        "{}:{}",
        base.host_str().unwrap(),
        base.port_or_known_default().unwrap()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = [
        b"GET ".as_slice(),
        target,
        b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    ]
    .concat();
    // The server may answer and close before reading everything: a failed write is fine.
    let _ = stream.write_all(&request).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let head = String::from_utf8_lossy(&answer);
    match head.split(' ').nth(1) {
        Some(code) if head.starts_with("HTTP/1.1 ") => format!("HTTP {code}"),
        _ => "closed".to_owned(),
    }
}

/// The ids a search finds.
async fn ids(contacts: &papi_contacts::Client, token: &UserToken, search: &str) -> Vec<String> {
    contacts
        .find_contact_list(token, search)
        .await
        .unwrap()
        .contacts
        .map(|l| l.entries.into_iter().map(|e| e.id).collect())
        .unwrap_or_default()
}

/// `clients` concurrent clients add `each` contacts (last name `Zload`); then checks
/// that every acknowledged id is stored once, before and after a restart on the same
/// database file, and that no first name is stored twice.
async fn concurrent_adds(clients: usize, each: usize) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sandbox.db");
    let env = Env::open_db(Some(&db)).await;
    let token = env.sandbox.issue_token("bob").unwrap();
    env.grant_contacts(&token).await;

    let mut tasks = Vec::new();
    for client in 0..clients {
        let contacts = env.contacts();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::with_capacity(each);
            for i in 0..each {
                let input = AddContact::new()
                    .firstname(format!("c{client}-{i}"))
                    .lastname("Zload");
                ids.push(contacts.add_contact(&token, input).await.unwrap().id);
            }
            ids
        }));
    }
    let mut acknowledged = HashSet::new();
    for task in tasks {
        for id in task.await.unwrap() {
            assert!(acknowledged.insert(id.clone()), "id {id} given twice");
        }
    }
    assert_eq!(acknowledged.len(), clients * each);
    let stored = ids(&env.contacts(), &token, "Zload").await;
    assert_eq!(stored.len(), clients * each, "stored before the restart");
    env.stop().await;

    let env = Env::open_db(Some(&db)).await;
    let page = env
        .contacts()
        .find_contact_list(&token, "Zload")
        .await
        .unwrap();
    let entries = page.contacts.map(|l| l.entries).unwrap_or_default();
    assert_eq!(entries.len(), clients * each, "stored after the restart");
    let stored: HashSet<String> = entries.iter().map(|e| e.id.clone()).collect();
    assert_eq!(stored, acknowledged);
    let names: HashSet<&str> = entries
        .iter()
        .filter_map(|e| e.firstname.as_deref())
        .collect();
    assert_eq!(names.len(), clients * each, "a first name stored twice");
    // Figures for RELIABILITY.md (`--nocapture`).
    println!(
        "concurrent adds: {clients} clients x {each} = {} writes acknowledged, {} stored after the restart, none twice",
        acknowledged.len(),
        stored.len()
    );
    env.stop().await;
}

/// Always on: 64 clients × 25 adds (1,600 writes checked, before and after a restart).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_clients_each_write_stored_once() {
    concurrent_adds(64, 25).await;
}

/// The full load of the reliability issue: 64 clients × 1,000 adds = 64,000 writes.
/// Run by `cargo xtask faults` (release build); figures in RELIABILITY.md.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "64,000 writes: run by `cargo xtask faults`"]
async fn sixty_four_clients_times_a_thousand() {
    concurrent_adds(64, 1000).await;
}

/// The server is stopped while 16 clients write: whatever was acknowledged before the
/// stop is there after the restart; nothing is stored twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_a_stop_in_flight() {
    const CLIENTS: usize = 16;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sandbox.db");
    let env = Env::open_db(Some(&db)).await;
    let token = env.sandbox.issue_token("bob").unwrap();
    env.grant_contacts(&token).await;

    let stop = Arc::new(AtomicBool::new(false));
    // Writes acknowledged so far, by every client.
    let acked = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let contacts = env.contacts();
        let token = token.clone();
        let stop = stop.clone();
        let acked = acked.clone();
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut i = 0;
            // Until the server is gone: a failed call is one the stop cut.
            while !stop.load(Ordering::Relaxed) || i < 5 {
                let input = AddContact::new()
                    .firstname(format!("s{client}-{i}"))
                    .lastname("Zstop");
                i += 1;
                match contacts.add_contact(&token, input).await {
                    Ok(added) => {
                        acknowledged.push(added.id);
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => break,
                }
            }
            acknowledged
        }));
    }
    // Let the writers run (some writes acknowledged, then a while more), then stop the
    // server under them.
    tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while acked.load(Ordering::Relaxed) < CLIENTS {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("no writes acknowledged within 60 s");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    env.stop().await;
    let mut acknowledged = HashSet::new();
    for task in tasks {
        for id in task.await.unwrap() {
            assert!(acknowledged.insert(id.clone()), "id {id} given twice");
        }
    }
    assert!(
        acknowledged.len() >= CLIENTS,
        "too few writes before the stop"
    );

    let env = Env::open_db(Some(&db)).await;
    let found = ids(&env.contacts(), &token, "Zstop").await;
    let stored: HashSet<String> = found.iter().cloned().collect();
    assert_eq!(
        stored.len(),
        found.len(),
        "a contact stored twice: {found:?}"
    );
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged, then lost: {lost:?}");
    println!(
        "stop in flight: {} writes acknowledged before the stop, all {} found after the restart ({} stored)",
        acknowledged.len(),
        acknowledged.len(),
        stored.len()
    );
    env.stop().await;
}

/// Malformed multipart bodies: each answered with the general `-7` (Invalid Request);
/// the server keeps answering.
#[tokio::test]
async fn malformed_multipart_gets_invalid_request() {
    let env = Env::open_db(None).await;
    let token = env.sandbox.issue_token("bob").unwrap();
    env.grant_contacts(&token).await;
    let url = env.url(&format!(
        "{CONTACTS_PATH}?action=addpicture&token={}&cid=1",
        token.expose()
    ));
    let part = |boundary: &str, body: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n{body}\r\n"
        )
    };
    let cases: Vec<(&str, String, Vec<u8>)> = vec![
        // No boundary parameter at all.
        (
            "no boundary",
            "multipart/form-data".into(),
            b"--x\r\n\r\n".to_vec(),
        ),
        // A body with no part: the closing delimiter never comes.
        (
            "truncated",
            "multipart/form-data; boundary=XyZ".into(),
            part("XyZ", "abc").into_bytes(),
        ),
        // Garbage instead of parts.
        (
            "garbage",
            "multipart/form-data; boundary=XyZ".into(),
            b"\x00\xff\xfe not multipart at all \r\n\r\n--".to_vec(),
        ),
        // A part whose headers never end.
        (
            "endless headers",
            "multipart/form-data; boundary=XyZ".into(),
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\nX: ".to_vec(),
        ),
        // A part without Content-Disposition.
        (
            "no disposition",
            "multipart/form-data; boundary=XyZ".into(),
            b"--XyZ\r\nContent-Type: text/plain\r\n\r\nabc\r\n--XyZ--\r\n".to_vec(),
        ),
        // A boundary longer than the RFC allows, and the body using it.
        (
            "huge boundary",
            format!("multipart/form-data; boundary={}", "b".repeat(10_000)),
            part(&"b".repeat(10_000), "abc").into_bytes(),
        ),
    ];
    let mut rejected = 0;
    let mut answered = Vec::new();
    for (what, content_type, body) in cases {
        let (status, answer) = env
            .raw(
                env.http
                    .post(&url)
                    .header("content-type", content_type)
                    .body(body),
            )
            .await;
        let read = outcome(
            what,
            status,
            papi_contacts::decode::add_picture(status, &answer),
        );
        // Either unreadable (general -7), or read as a call without its mandatory
        // parameters (the Contacts API's own code for a missing parameter).
        assert!(
            read.ends_with("general code -7") || read.contains("Contacts code"),
            "{what}: {read}: {}",
            String::from_utf8_lossy(&answer)
        );
        assert_eq!(status, 500, "{what}");
        answered.push(format!("{what}: {read}"));
        rejected += 1;
        env.still_answers(&token).await;
    }
    assert_eq!(rejected, 6);
    insta::assert_snapshot!(answered.join("\n"));
    env.stop().await;
}

/// An upload over the sandbox's body limit (2 MiB, axum's default for multipart bodies)
/// is refused with `-7`, whatever its announced length; the server keeps answering.
#[tokio::test]
async fn oversized_upload_gets_invalid_request() {
    let env = Env::open_db(None).await;
    let token = env.sandbox.issue_token("bob").unwrap();
    env.grant_contacts(&token).await;
    let added = env
        .contacts()
        .add_contact(&token, AddContact::new().lastname("Big"))
        .await
        .unwrap();
    let url = env.url(&format!(
        "{CONTACTS_PATH}?action=addpicture&token={}&cid={}",
        token.expose(),
        added.id
    ));
    // A JPEG header then 3 MiB.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.resize(3 * 1024 * 1024, 0x20);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(jpeg)
            .file_name("big.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let (status, answer) = env.raw(env.http.post(&url).multipart(form)).await;
    assert_eq!(status, 500);
    let read = outcome(
        "oversized",
        status,
        papi_contacts::decode::add_picture(status, &answer),
    );
    assert_eq!(
        read,
        "HTTP 500, general code -7",
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // The picture was not stored.
    let e = env
        .contacts()
        .get_picture(&token, &added.id)
        .await
        .expect_err("no picture stored");
    assert!(!e.is_privacy_denied(), "{e:?}");
    env.still_answers(&token).await;
    env.stop().await;
}

/// Garbage query strings: invalid percent-encoding, NUL bytes, repeated and huge
/// parameters. Each gets a documented answer (a general code, or the API's own code in
/// its envelope, or HTTP 414/431 from the HTTP layer for a request line over its limit);
/// the server keeps answering.
#[tokio::test]
async fn garbage_query_strings_get_documented_errors() {
    let env = Env::open_db(None).await;
    let token = env.sandbox.issue_token("bob").unwrap();
    env.grant_contacts(&token).await;
    let t = token.expose();
    let repeated = "action=findcontactlist&".repeat(1_000);
    let many_tokens = format!("token={t}&").repeat(500);
    let long_value = "x".repeat(30_000);
    let queries: Vec<(&str, String)> = vec![
        (
            "bad percent",
            format!("action=find%ZZcontactlist&token={t}&search=%"),
        ),
        ("lone percent", format!("action=%&token=%{t}")),
        (
            "NUL in action",
            format!("action=findcontactlist%00&token={t}&search=a"),
        ),
        (
            "NUL in token",
            format!("action=findcontactlist&token={t}%00&search=a"),
        ),
        (
            "NUL in search",
            format!("action=findcontactlist&token={t}&search=a%00b"),
        ),
        (
            "invalid UTF-8",
            format!("action=findcontactlist&token={t}&search=%FF%FE"),
        ),
        ("repeated action", format!("{repeated}token={t}&search=a")),
        (
            "repeated token",
            format!("action=findcontactlist&{many_tokens}search=a"),
        ),
        (
            "long value",
            format!("action=findcontactlist&token={t}&search={long_value}"),
        ),
        ("no value", format!("action&token&search={t}")),
        ("only separators", "&&&===&&&".to_owned()),
        ("empty names", format!("=findcontactlist&={t}")),
    ];
    let mut answered = Vec::new();
    for (what, query) in &queries {
        let (status, answer) = env
            .raw(env.http.get(env.url(&format!("{CONTACTS_PATH}?{query}"))))
            .await;
        let read = outcome(
            what,
            status,
            papi_contacts::decode::find_contact_list(status, &answer),
        );
        answered.push(format!("{what}: {read}"));
        env.still_answers(&token).await;
    }
    // Request targets no HTTP client library sends (raw bytes on the socket): refused by
    // the HTTP layer with 400 / 414 / 431, or the connection closed; never a crash.
    let path = |query: &[u8]| [CONTACTS_PATH.as_bytes(), b"?", query].concat();
    let huge = format!(
        "action=findcontactlist&token={t}&search={}",
        "y".repeat(1 << 20)
    );
    let targets: Vec<(&str, Vec<u8>)> = vec![
        ("raw NUL", path(b"action=findcontactlist&search=a\0b")),
        ("raw space", path(b"action=find contactlist")),
        ("raw bytes over 0x7f", path(b"action=\xff\xfe&search=\x80")),
        ("1 MiB query", path(huge.as_bytes())),
    ];
    for (what, target) in targets {
        let status = raw_http(env.running.base_url(), &target).await;
        answered.push(format!("{what}: {status}"));
        env.still_answers(&token).await;
    }
    env.still_answers(&token).await;
    insta::assert_snapshot!(answered.join("\n"));
    env.stop().await;
}

/// A one-call consent ("grant once") is consumed by exactly one of 64 concurrent calls;
/// the 63 others get the privacy error (`-3`). In memory and with a database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn consent_once_is_consumed_by_exactly_one_concurrent_call() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sandbox.db");
    for db in [None, Some(db.as_path())] {
        let env = Env::open_db(db).await;
        let token = env.sandbox.issue_token("alice").unwrap();
        let rich = papi_rich_profile::Client::new(&env.config).unwrap();
        use papi_rich_profile::types::RichProfileInfo;
        for round in 0..3 {
            let e = rich
                .get_personal_rich_profile(&token, &[RichProfileInfo::Firstname])
                .await
                .unwrap_err();
            assert!(e.is_privacy_denied(), "{e:?}");
            env.decide(&e, ConsentChoice::GrantOnce).await;
            let mut tasks = Vec::new();
            for _ in 0..64 {
                let rich = papi_rich_profile::Client::new(&env.config).unwrap();
                let token = token.clone();
                tasks.push(tokio::spawn(async move {
                    rich.get_personal_rich_profile(&token, &[RichProfileInfo::Firstname])
                        .await
                }));
            }
            let (mut granted, mut denied) = (0, 0);
            for task in tasks {
                match task.await.unwrap() {
                    Ok(_) => granted += 1,
                    Err(e) if e.is_privacy_denied() => denied += 1,
                    Err(e) => panic!("round {round}: {e:?}"),
                }
            }
            assert_eq!((granted, denied), (1, 63), "round {round}, db {db:?}");
        }
        env.stop().await;
    }
}
