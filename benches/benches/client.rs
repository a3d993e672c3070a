//! Client call overhead: `papi_contacts::Client::find_contact_list` against a raw
//! `reqwest` GET of the identical URL (same Basic auth header) followed by the same
//! generated decoder, both through one shared `reqwest::Client` (one connection pool),
//! against a local server answering the corrected findcontactlist sample. A third
//! variant uses the papi client's own default HTTP client (built once, with timeouts).
//!
//! The server counts the connections it accepts: with a reused pool each variant opens
//! one. Counts are written to `client.json` in `papi_bench::out_dir()`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use papi_bench::server::FixedServer;
use papi_contacts::{Client, Config, ServiceCredentials, UserToken};

const SERVICE_ID: &str = "bench-service";
const SERVICE_PASSWORD: &str = "bench-password";
const TOKEN: &str = "bench-token";
const SEARCH: &str = "Orange";

struct Counted {
    variant: &'static str,
    connections: u64,
    requests: u64,
}

fn main() {
    let quick = papi_bench::quick();
    // About this many measured calls per variant (plus criterion's warm-up).
    let calls: u32 = if quick { 500 } else { 10_000 };
    let body = papi_bench::samples::load("samples/contacts/findcontactlist.corrected.xml")
        .expect("read the findcontactlist sample");
    let server =
        FixedServer::start(papi_contacts::API.path, body.clone()).expect("start the server");
    let base = server.base_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");

    // One pool shared by the papi client and the raw calls.
    let http = papi_core::tls::client_builder()
        .build()
        .expect("HTTP client");
    let credentials = ServiceCredentials::new(SERVICE_ID, SERVICE_PASSWORD);
    let config = Config::custom(&base, credentials.clone()).expect("config");
    let papi_shared = Client::new(&config.clone().with_http_client(http.clone())).expect("client");
    let papi_default = Client::new(&config).expect("client");
    let token = UserToken::new(TOKEN);
    let url = reqwest::Url::parse(&format!(
        "{base}{}?action=findcontactlist&search={SEARCH}&token={TOKEN}",
        papi_contacts::API.path
    ))
    .expect("url");

    let raw = |http: reqwest::Client, url: reqwest::Url| async move {
        let response = http
            .get(url)
            .basic_auth(SERVICE_ID, Some(SERVICE_PASSWORD))
            .send()
            .await
            .expect("raw call");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("raw body");
        papi_contacts::decode::find_contact_list(status, &bytes).expect("decode")
    };

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("client_call");
    let mut counted = Vec::new();
    // Each variant's window counts everything it sends, from its first call on.
    let mut window = |variant: &'static str, f: &mut dyn FnMut()| {
        let (c0, r0) = server.counters.get();
        f();
        let (c1, r1) = server.counters.get();
        counted.push(Counted {
            variant,
            connections: c1 - c0,
            requests: r1 - r0,
        });
    };

    let mut expected = None;
    window("raw_reqwest", &mut || {
        expected = Some(rt.block_on(raw(http.clone(), url.clone())));
        // Measurement time for about `calls` calls, from a short pilot.
        let pilot = 200u32;
        let start = Instant::now();
        for _ in 0..pilot {
            black_box(rt.block_on(raw(http.clone(), url.clone())));
        }
        let per_call = start.elapsed() / pilot;
        let measurement =
            (per_call * calls).clamp(Duration::from_millis(300), Duration::from_secs(30));
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(if quick { 10 } else { 100 })
            .warm_up_time(Duration::from_millis(if quick { 100 } else { 1000 }))
            .measurement_time(measurement);
        group.bench_function("raw_reqwest", |b| {
            b.to_async(&rt).iter(|| raw(http.clone(), url.clone()))
        });
    });
    window("papi_shared_pool", &mut || {
        let answer = rt.block_on(papi_shared.find_contact_list(&token, SEARCH));
        assert_eq!(answer.ok(), expected, "papi and raw answers differ");
        group.bench_function("papi_shared_pool", |b| {
            b.to_async(&rt).iter(|| async {
                papi_shared
                    .find_contact_list(&token, SEARCH)
                    .await
                    .expect("papi call")
            })
        });
    });
    window("papi_default_client", &mut || {
        let answer = rt.block_on(papi_default.find_contact_list(&token, SEARCH));
        assert_eq!(answer.ok(), expected, "papi and raw answers differ");
        group.bench_function("papi_default_client", |b| {
            b.to_async(&rt).iter(|| async {
                papi_default
                    .find_contact_list(&token, SEARCH)
                    .await
                    .expect("papi call")
            })
        });
    });
    group.finish();
    c.final_summary();

    // Interleaved pass: exactly `calls` calls per variant, in rounds of 100 calls of each
    // variant (order rotated every round), so that the machine's slow phases hit all
    // variants alike. One sample per round and variant: the mean time per call.
    let rounds = calls / 100;
    let (c0, r0) = server.counters.get();
    let mut interleaved: [Vec<f64>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for round in 0..rounds {
        for k in 0..3 {
            let v = (round as usize + k) % 3;
            let start = Instant::now();
            rt.block_on(async {
                for _ in 0..100 {
                    match v {
                        0 => {
                            black_box(raw(http.clone(), url.clone()).await);
                        }
                        1 => {
                            black_box(
                                papi_shared
                                    .find_contact_list(&token, SEARCH)
                                    .await
                                    .expect("papi call"),
                            );
                        }
                        _ => {
                            black_box(
                                papi_default
                                    .find_contact_list(&token, SEARCH)
                                    .await
                                    .expect("papi call"),
                            );
                        }
                    }
                }
            });
            interleaved[v].push(start.elapsed().as_nanos() as f64 / 100.0);
        }
    }
    let (c1, r1) = server.counters.get();
    println!(
        "interleaved pass: {} requests over {} new connections",
        r1 - r0,
        c1 - c0
    );
    let samples = |v: &[f64]| {
        v.iter()
            .map(|t| format!("{t:.1}"))
            .collect::<Vec<_>>()
            .join(",")
    };

    let rows: Vec<String> = counted
        .iter()
        .map(|c| {
            format!(
                "{{\"variant\":\"{}\",\"connections\":{},\"requests\":{}}}",
                c.variant, c.connections, c.requests
            )
        })
        .collect();
    for c in &counted {
        println!(
            "{}: {} requests over {} new connections",
            c.variant, c.requests, c.connections
        );
    }
    let dir = papi_bench::out_dir();
    let json = format!(
        "{{\"body_bytes\":{},\"target_calls\":{calls},\"variants\":[\n{}\n],\n\"interleaved\":{{\"calls_per_variant\":{},\"connections\":{},\"requests\":{},\"raw_reqwest\":[{}],\"papi_shared_pool\":[{}],\"papi_default_client\":[{}]}}}}\n",
        body.len(),
        rows.join(",\n"),
        rounds * 100,
        c1 - c0,
        r1 - r0,
        samples(&interleaved[0]),
        samples(&interleaved[1]),
        samples(&interleaved[2]),
    );
    if let Err(e) =
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(dir.join("client.json"), json))
    {
        eprintln!("cannot write {}: {e}", dir.display());
        std::process::exit(1);
    }
}
