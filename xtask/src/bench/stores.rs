//! `cargo xtask bench --stores` (issue 18, item 7): one sandbox process's throughput with
//! its data in memory, in a SQLite file and in PostgreSQL, under `wrk`, side by side.
//!
//! Each round starts the load target (`crates/papi-sandbox/examples/load_target.rs`) once
//! per store, on fresh data (a new file, a new database), in an order that turns from round
//! to round, and runs `wrk` on its read (findcontactlist) and its write (addcontact, one new
//! contact per request, all for one user). Ratios to memory are taken within each round.
//! PostgreSQL is the server `PAPI_TEST_POSTGRES` names (`eval "$(bash .ci/postgres)"`);
//! nothing here is a pass/fail.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use super::shared::{build_with, median};
use super::wrk::{latency, load_average, sorted, spread, Load, Run, Server, Target, INSTALL};

/// The stores, as `PAPI_BENCH_STORE` names them, and as the report shows them.
const STORES: [(&str, &str); 3] = [
    ("memory", "memory"),
    ("sqlite", "SQLite file (WAL, synchronous = FULL)"),
    ("postgres", "PostgreSQL (same machine, loopback)"),
];

const ROUNDS: usize = 3;
const LOAD: Load = Load {
    threads: 2,
    connections: 32,
    seconds: 5,
};

/// One measured run: round, store (index in [`STORES`]), target.
type Measured = (usize, usize, Target, Run);

pub fn run(root: &Path, target_dir: &Path) -> Result<String, String> {
    if Command::new("wrk").arg("--version").output().is_err() {
        return Err(format!("the store comparison needs wrk: {INSTALL}"));
    }
    if std::env::var_os("PAPI_TEST_POSTGRES").is_none() {
        return Err(
            "the store comparison needs a PostgreSQL server: run `eval \"$(bash .ci/postgres)\"` first (it sets PAPI_TEST_POSTGRES)"
                .to_owned(),
        );
    }
    build_with(root, &[("papi-sandbox", "load_target")], &["postgres"])?;
    let binary = target_dir.join("release/examples/load_target");
    let load_before = load_average();
    let mut runs: Vec<Measured> = Vec::new();
    for round in 0..ROUNDS {
        for turn in 0..STORES.len() {
            let store = (turn + round) % STORES.len();
            runs.extend(measure(&binary, round, store)?);
        }
    }
    let load_after = load_average();
    let errors: u64 = runs
        .iter()
        .map(|(_, _, _, r)| r.wrk.non_2xx + r.wrk.socket_errors)
        .sum();
    let section = report(&runs, load_before, load_after);
    if errors > 0 {
        return Err(format!(
            "wrk saw {errors} errors or answers other than 2xx: a store or the harness is broken\n{section}"
        ));
    }
    Ok(section)
}

/// One round of one store: a load target on fresh data, warmed up, then the read and the
/// write.
fn measure(binary: &Path, round: usize, store: usize) -> Result<Vec<Measured>, String> {
    let (name, _) = STORES[store];
    let mut command = Command::new(binary);
    command.env("PAPI_BENCH_STORE", name);
    let mut server = Server::start_command(command, &format!("load_target ({name})"))?;
    let auth = server.value("AUTH")?.to_owned();
    let warm = Load { seconds: 1, ..LOAD };
    let mut out = Vec::new();
    for target in [Target::SandboxRead, Target::SandboxWrite] {
        let url = server.value(target.key())?.to_owned();
        let label = format!("{} ({name})", target.label());
        warm.run(&server, &url, &auth, &label)?;
        println!(
            "== round {}/{ROUNDS}: wrk -t{} -c{} -d{}s --latency on {label}",
            round + 1,
            LOAD.threads,
            LOAD.connections,
            LOAD.seconds
        );
        out.push((
            round,
            store,
            target,
            LOAD.run(&server, &url, &auth, &label)?,
        ));
    }
    server.stop();
    Ok(out)
}

fn report(runs: &[Measured], load_before: Option<f64>, load_after: Option<f64>) -> String {
    let mut r = String::new();
    let shown = |l: Option<f64>| l.map_or("unknown".into(), |l| format!("{l:.2}"));
    let _ = writeln!(
        r,
        "\n### Sandbox throughput by store (`cargo xtask bench --stores`)\n\n`wrk -t{} -c{} -d{}s --latency` on loopback, {ROUNDS} rounds; each round starts one \
         process per store on fresh data (the order turns), consent granted; reads as one user, writes \
         (one new contact per request) as the other. 1-minute load average before / after: {} / {}.\n",
        LOAD.threads,
        LOAD.connections,
        LOAD.seconds,
        shown(load_before),
        shown(load_after)
    );
    let _ = writeln!(
        r,
        "| store | action | requests/s (min / median / max) | p99 (median) | server CPU per request (median) | requests/s / memory's, per round (median) |\n|---|---|---:|---:|---:|---:|"
    );
    for (store, (_, shown)) in STORES.iter().enumerate() {
        for (action, target) in [
            ("read", Target::SandboxRead),
            ("write", Target::SandboxWrite),
        ] {
            let of = |s: usize| {
                runs.iter()
                    .filter(move |(_, x, t, _)| *x == s && *t == target)
            };
            let rps = sorted(of(store).map(|(_, _, _, x)| x.wrk.requests_per_s).collect());
            let p99 = sorted(of(store).map(|(_, _, _, x)| x.wrk.p99_us).collect());
            let cpu = sorted(
                of(store)
                    .filter_map(|(_, _, _, x)| x.cpu_us_per_request())
                    .collect(),
            );
            let ratios = sorted(
                of(store)
                    .filter_map(|(round, _, _, x)| {
                        let memory = of(0).find(|(r, ..)| r == round)?;
                        Some(x.wrk.requests_per_s / memory.3.wrk.requests_per_s)
                    })
                    .collect(),
            );
            let _ = writeln!(
                r,
                "| {shown} | {action} | {} | {} | {} | {:.2}× |",
                spread(&rps, |v| format!("{v:.0}")),
                latency(median(&p99)),
                if cpu.is_empty() {
                    "–".to_owned()
                } else {
                    format!("{:.1} µs", median(&cpu))
                },
                median(&ratios)
            );
        }
    }
    r
}
