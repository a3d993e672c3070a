//! Load target for `cargo xtask bench` (`xtask/src/bench/wrk.rs`, `callgrind.rs`): a
//! sandbox on a free loopback port with two test users whose consent is granted, and a bare
//! axum handler answering the very same bytes. Reads (findcontactlist) are made as one
//! user, writes (addcontact) as the other, so every read searches the same seeded list
//! however many contacts the writes have added. The bare handler is served by the
//! sandbox's own serving code ([`papi_sandbox::serve_router`]), in the same runtime; the
//! same handler is also served by plain `axum::serve` (`AXUM_SERVE_*`, not a target of the
//! bench) to compare the two serving paths. Prints `KEY=VALUE` lines for its driver, then
//! serves until its standard input closes.
//!
//! `PAPI_BENCH_STORE` chooses where the sandbox keeps its data (`cargo xtask bench
//! --stores`): `memory` (the default), `sqlite` (a new temporary file, removed at the end)
//! or `postgres` (a new database on the server `PAPI_TEST_POSTGRES` names, dropped at the
//! end; needs the crate's `postgres` feature).

use std::io::BufRead;
use std::net::{Ipv4Addr, SocketAddr};

use axum::routing::get;
use papi_core::url::Url;
use papi_core::{ConsentRequest, UserToken};

/// Grants a refused consent permanently as the user `login` (with their `password`),
/// through the decision form's shortcut for scripts (`papi_sandbox::decision_form`).
async fn grant(
    browser: &papi_core::reqwest::Client,
    base: &Url,
    consent: Option<&ConsentRequest>,
    user: &papi_sandbox::TestUser,
) -> Result<(), Box<dyn std::error::Error>> {
    let consent = consent.ok_or("no consent URL")?;
    let redirect = consent.redirect_url(base.as_str())?;
    let (action, fields) = papi_sandbox::decision_form(
        &redirect,
        papi_sandbox::ConsentChoice::GrantPermanently,
        &user.login,
        &user.password,
    )
    .ok_or("not a consent URL of the sandbox")?;
    let answer = papi_sandbox::user_agent::post_form(browser, action, &fields)
        .send()
        .await?;
    if !answer.status().is_redirection() {
        return Err(format!("the consent form answered HTTP {}", answer.status()).into());
    }
    Ok(())
}

/// The runtime both servers share: tokio's multi-thread default (one worker a CPU), or
/// `PAPI_BENCH_WORKERS` workers (to study scheduling; the bench leaves it unset).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = std::env::var("PAPI_BENCH_WORKERS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        runtime.worker_threads(n);
    }
    runtime.enable_all().build()?.block_on(serve())
}

/// Where the sandbox keeps its data, and what to remove at the end.
enum Store {
    Memory,
    Sqlite(std::path::PathBuf),
    #[cfg(feature = "postgres")]
    Postgres(papi_sandbox::postgres_testing::TestDatabase),
}

impl Store {
    fn from_env() -> Result<Self, Box<dyn std::error::Error>> {
        match std::env::var("PAPI_BENCH_STORE").as_deref() {
            Err(_) | Ok("memory") => Ok(Self::Memory),
            Ok("sqlite") => Ok(Self::Sqlite(
                std::env::temp_dir().join(format!("papi-load-target-{}.db", std::process::id())),
            )),
            #[cfg(feature = "postgres")]
            Ok("postgres") => papi_sandbox::postgres_testing::TestDatabase::create("load_target")
                .map(Self::Postgres)
                .ok_or_else(|| "PAPI_BENCH_STORE=postgres needs PAPI_TEST_POSTGRES".into()),
            Ok(other) => Err(format!(
                "PAPI_BENCH_STORE={other}: memory, sqlite or postgres (with the `postgres` feature)"
            )
            .into()),
        }
    }

    fn config(&self) -> papi_sandbox::SandboxConfig {
        let mut config = papi_sandbox::SandboxConfig::default();
        match self {
            Self::Memory => {}
            Self::Sqlite(path) => config.db = Some(path.clone()),
            #[cfg(feature = "postgres")]
            Self::Postgres(db) => config.postgres = Some(db.url().clone()),
        }
        config
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Self::Sqlite(path) = self {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::from_env()?;
    let sandbox = papi_sandbox::Sandbox::open(store.config())?;
    let running = sandbox
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await?;
    let base = running.base_url().clone();
    let users = papi_sandbox::SandboxConfig::default().users;
    let (reader_user, writer_user) = match users.as_slice() {
        [first, second, ..] => (first, second),
        _ => return Err("the sandbox has fewer than two test users".into()),
    };
    let reader: UserToken = sandbox
        .issue_token(&reader_user.login)
        .ok_or("no token for the first test user")?;
    let writer: UserToken = sandbox
        .issue_token(&writer_user.login)
        .ok_or("no token for the second test user")?;
    let creds = sandbox.service_credentials();
    let config = papi_core::Config::custom(base.as_str(), creds.clone())?;
    let contacts = papi_contacts::Client::new(&config)?;

    // Consent for reads to the reader, for writes to the writer.
    let browser = papi_core::tls::client_builder()
        .redirect(papi_core::reqwest::redirect::Policy::none())
        .build()?;
    if let Err(e) = contacts.find_contact_list(&reader, "Orange").await {
        if !e.is_privacy_denied() {
            return Err(e.into());
        }
        grant(&browser, &base, e.consent(), reader_user).await?;
    }
    let warm = || papi_contacts::operation::AddContact::new().firstname("Warm");
    if let Err(e) = contacts.add_contact(&writer, warm()).await {
        if !e.is_privacy_denied() {
            return Err(e.into());
        }
        grant(&browser, &base, e.consent(), writer_user).await?;
    }
    contacts.find_contact_list(&reader, "Orange").await?;
    contacts.add_contact(&writer, warm()).await?;

    // The same answers the sandbox gives, served by a bare handler.
    // The same calls as the clients', written by their operations.
    let path = papi_contacts::API.path;
    let mut read = base.join(path.trim_start_matches('/'))?;
    let find = papi_core::Operation::into_request(papi_contacts::operation::FindContactList::new(
        "Orange",
    ))?;
    read.set_query(Some(&find.query(&reader)));
    let mut write = base.join(path.trim_start_matches('/'))?;
    let add = papi_core::Operation::into_request(
        papi_contacts::operation::AddContact::new().lastname("Load"),
    )?;
    write.set_query(Some(&add.query(&writer)));
    let auth = format!(
        "Basic {}",
        base64_basic(creds.id(), creds.expose_password())
    );
    let client = papi_core::tls::client_builder().build()?;
    let read_body = client
        .get(read.clone())
        .header("authorization", &auth)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let write_body = client
        .get(write.clone())
        .header("authorization", &auth)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    let bare = axum::Router::new()
        .route(
            "/read",
            get(move || {
                let b = read_body.clone();
                async move { ([("content-type", "text/xml; charset=UTF-8")], b) }
            }),
        )
        .route(
            "/write",
            get(move || {
                let b = write_body.clone();
                async move { ([("content-type", "text/xml; charset=UTF-8")], b) }
            }),
        );
    // Served by the sandbox's own serving code (accept loop, hyper connection, limits),
    // so that the two differ only by what answers the request.
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let bare_base = format!("http://{}", listener.local_addr()?);
    let (_stop_bare, stopped) = tokio::sync::oneshot::channel();
    let config = papi_sandbox::SandboxConfig::default();
    tokio::spawn(papi_sandbox::serve_router(
        listener,
        bare.clone(),
        &config,
        stopped,
    ));
    // The same bare handler served by plain `axum::serve`, to see what the sandbox's
    // serving code costs (not one of the bench's targets).
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let axum_base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, bare).await });

    println!("SANDBOX_READ={read}");
    println!("SANDBOX_WRITE={write}");
    println!("BARE_READ={bare_base}/read");
    println!("BARE_WRITE={bare_base}/write");
    println!("AXUM_SERVE_READ={axum_base}/read");
    println!("AXUM_SERVE_WRITE={axum_base}/write");
    println!("AUTH={auth}");
    println!("READY=1");
    // Serve until the script closes our standard input.
    tokio::task::spawn_blocking(|| {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            if line.is_err() {
                break;
            }
        }
    })
    .await?;
    running.shutdown().await;
    drop(sandbox);
    drop(store);
    Ok(())
}

fn base64_basic(id: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{password}"))
}
