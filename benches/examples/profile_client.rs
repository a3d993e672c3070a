//! A driver for profilers of the client call overhead (`benches/benches/client.rs`): N calls
//! of one variant against the local fixed-bytes server, on one current-thread runtime. The
//! N measured calls run inside `measured_raw` / `measured_papi` (after one warm-up call that
//! opens the connection), so a profiler can count them on the client side alone (the server
//! runs on its own thread):
//!
//! ```sh
//! cargo build --release -p papi-bench --example profile_client
//! valgrind --tool=callgrind --toggle-collect='profile_client::measured_*' \
//!     target/release/examples/profile_client papi 2000
//! ```
//!
//! `cargo xtask bench` runs it so (section "Instruction counts" of `BENCHMARKS.md`).
//!
//! Variants: `raw` (a `reqwest::Client` GET of the prepared URL, then the generated
//! decoder), `papi` (`papi_contacts::Client` on the same kind of `reqwest::Client`).

use std::process::ExitCode;

use papi_bench::server::FixedServer;
use papi_contacts::{Client, Config, ServiceCredentials, UserToken};

const SERVICE_ID: &str = "bench-service";
const SERVICE_PASSWORD: &str = "bench-password";
const TOKEN: &str = "bench-token";
const SEARCH: &str = "Orange";

#[inline(never)]
fn calls_raw(
    rt: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    url: &reqwest::Url,
    n: u32,
) -> u32 {
    rt.block_on(async {
        let mut ok = 0;
        for _ in 0..n {
            let Ok(response) = http
                .get(url.clone())
                .basic_auth(SERVICE_ID, Some(SERVICE_PASSWORD))
                .send()
                .await
            else {
                continue;
            };
            let status = response.status().as_u16();
            let Ok(bytes) = response.bytes().await else {
                continue;
            };
            ok += u32::from(papi_contacts::decode::find_contact_list(status, &bytes).is_ok());
        }
        ok
    })
}

#[inline(never)]
fn measured_raw(
    rt: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    url: &reqwest::Url,
    n: u32,
) -> u32 {
    calls_raw(rt, http, url, n)
}

#[inline(never)]
fn measured_papi(rt: &tokio::runtime::Runtime, client: &Client, token: &UserToken, n: u32) -> u32 {
    calls_papi(rt, client, token, n)
}

#[inline(never)]
fn calls_papi(rt: &tokio::runtime::Runtime, client: &Client, token: &UserToken, n: u32) -> u32 {
    rt.block_on(async {
        let mut ok = 0;
        for _ in 0..n {
            ok += u32::from(client.find_contact_list(token, SEARCH).await.is_ok());
        }
        ok
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let variant = args.first().map_or("papi", String::as_str);
    let n: u32 = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let run = || -> Result<u32, String> {
        let body = papi_bench::samples::load("samples/contacts/findcontactlist.corrected.xml")
            .map_err(|e| e.to_string())?;
        let server =
            FixedServer::start(papi_contacts::API.path, body).map_err(|e| e.to_string())?;
        let base = server.base_url();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let http = papi_core::tls::client_builder()
            .build()
            .map_err(|e| e.to_string())?;
        match variant {
            "raw" => {
                let url = reqwest::Url::parse(&format!(
                    "{base}{}?action=findcontactlist&search={SEARCH}&token={TOKEN}",
                    papi_contacts::API.path
                ))
                .map_err(|e| e.to_string())?;
                // One warm-up call opens the connection.
                if calls_raw(&rt, &http, &url, 1) != 1 {
                    return Err("the warm-up call failed".into());
                }
                Ok(measured_raw(&rt, &http, &url, n))
            }
            "papi" => {
                let config =
                    Config::custom(&base, ServiceCredentials::new(SERVICE_ID, SERVICE_PASSWORD))
                        .map_err(|e| e.to_string())?
                        .with_http_client(http);
                let client = Client::new(&config).map_err(|e| e.to_string())?;
                let token = UserToken::new(TOKEN);
                if calls_papi(&rt, &client, &token, 1) != 1 {
                    return Err("the warm-up call failed".into());
                }
                Ok(measured_papi(&rt, &client, &token, n))
            }
            other => Err(format!("unknown variant {other:?} (raw or papi)")),
        }
    };
    match run() {
        Ok(ok) if ok == n => {
            println!("{variant}: {ok} calls decoded");
            ExitCode::SUCCESS
        }
        Ok(ok) => {
            eprintln!("{variant}: only {ok} of {n} calls decoded");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
