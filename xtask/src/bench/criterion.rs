//! The criterion sections of `cargo xtask bench`: reads criterion's results
//! (`<criterion home>/<group>/<function>/<input>/new/{benchmark,sample}.json`) and the
//! benches' side results (`memory.json`, `client.json`), and writes the targets, decoding,
//! peak memory and client-call sections of the report.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::shared::{median, met, CLIENT_TARGET, DECODE_TARGET, MEMORY_TARGET};

pub(crate) struct Measured {
    group: String,
    function: String,
    input: String,
    bytes: Option<u64>,
    /// Per-iteration time of each sample, ns, sorted.
    times: Vec<f64>,
}

impl Measured {
    fn min(&self) -> f64 {
        self.times.first().copied().unwrap_or(f64::NAN)
    }
    fn max(&self) -> f64 {
        self.times.last().copied().unwrap_or(f64::NAN)
    }
    fn median(&self) -> f64 {
        median(&self.times)
    }
    /// MB/s (10^6 bytes per second) at a per-iteration time in ns.
    fn mbps(&self, ns: f64) -> Option<f64> {
        self.bytes.map(|b| b as f64 / ns * 1e3)
    }
}

/// Every criterion result under `criterion_home`, sorted by group, input and function; an
/// error when there is none.
pub(crate) fn results(criterion_home: &Path) -> Result<Vec<Measured>, String> {
    let mut measured = Vec::new();
    collect(criterion_home, &mut measured)?;
    measured
        .sort_by(|a, b| (&a.group, &a.input, &a.function).cmp(&(&b.group, &b.input, &b.function)));
    if measured.is_empty() {
        return Err(format!(
            "no criterion results under {}",
            criterion_home.display()
        ));
    }
    Ok(measured)
}

/// A JSON file of the benches' results.
pub(crate) fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every `new/benchmark.json` under `dir`, with its `new/sample.json`.
fn collect(dir: &Path, out: &mut Vec<Measured>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") && path.join("benchmark.json").exists() {
            let meta = read_json(&path.join("benchmark.json"))?;
            let sample = read_json(&path.join("sample.json"))?;
            let floats = |v: &Value| -> Vec<f64> {
                v.as_array()
                    .map(|a| a.iter().filter_map(Value::as_f64).collect())
                    .unwrap_or_default()
            };
            let iters = floats(&sample["iters"]);
            let times = floats(&sample["times"]);
            let mut per_iter: Vec<f64> = iters
                .iter()
                .zip(&times)
                .filter(|(i, _)| **i > 0.0)
                .map(|(i, t)| t / i)
                .collect();
            per_iter.sort_by(f64::total_cmp);
            let text = |k: &str| meta[k].as_str().unwrap_or_default().to_owned();
            out.push(Measured {
                group: text("group_id"),
                function: text("function_id"),
                input: text("value_str"),
                bytes: meta["throughput"]["Bytes"].as_u64(),
                times: per_iter,
            });
        } else {
            collect(&path, out)?;
        }
    }
    Ok(())
}

fn time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn mb(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.1}"))
}

fn command_output(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown", |(_, m)| m.trim())
        .to_owned();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or("unknown".into(), |kb| {
            format!("{:.1} GiB", kb as f64 / 1_048_576.0)
        });
    let rustc = command_output("rustc", &["--version"]);
    let kernel = command_output("uname", &["-sr"]);
    format!(
        "- CPUs (`nproc`): {cpus}; CPU: {model}; memory: {memory}; {kernel}\n- {rustc}; bench profile (release, opt-level 3)\n"
    )
}

fn find<'a>(m: &'a [Measured], group: &str, function: &str, input: &str) -> Option<&'a Measured> {
    m.iter()
        .find(|x| x.group == group && x.function == function && x.input == input)
}

/// The decode groups compared with their baselines.
const DECODE_GROUPS: [&str; 2] = ["decode_findcontactlist", "decode_getpicture"];

/// The client bench's interleaved rounds (`client.json`): per variant, the mean time per
/// call of each round.
struct Rounds<'a> {
    interleaved: &'a Value,
    raw: Vec<f64>,
}

impl<'a> Rounds<'a> {
    fn new(client: &'a Value) -> Self {
        let interleaved = &client["interleaved"];
        let mut rounds = Rounds {
            interleaved,
            raw: Vec::new(),
        };
        rounds.raw = rounds.series("raw_reqwest");
        rounds
    }

    /// One variant's per-round times, in round order.
    fn series(&self, name: &str) -> Vec<f64> {
        self.interleaved[name]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default()
    }

    /// Median over rounds of (variant / raw) in the same round.
    fn paired(&self, name: &str) -> f64 {
        let mut r: Vec<f64> = self
            .series(name)
            .iter()
            .zip(&self.raw)
            .map(|(v, raw)| v / raw)
            .collect();
        r.sort_by(f64::total_cmp);
        median(&r)
    }
}

/// The report region's criterion part: run facts, targets, decoding, memory, client call
/// and the "Reproduce" notes (markdown).
pub(crate) fn report(
    m: &[Measured],
    memory: &Value,
    client: &Value,
    command: &str,
    mode: &str,
) -> String {
    let mut r = String::new();
    run_facts(&mut r, command, mode);
    let rows = memory.as_array().cloned().unwrap_or_default();
    let rounds = Rounds::new(client);
    let mut targets = decode_targets(m);
    targets.extend(memory_target(&rows));
    targets.extend(client_targets(&rounds));
    let _ = writeln!(r, "## Targets\n\n| target | measured | |\n|---|---|---|");
    for (what, figure, ok) in &targets {
        let _ = writeln!(r, "| {what} | {figure} | {} |", met(*ok));
    }
    decode_section(&mut r, m);
    memory_section(&mut r, &rows);
    client_section(&mut r, m, client, &rounds);
    let _ = writeln!(
        r,
        "\n## Reproduce\n\n```sh\ncargo xtask bench            # full run, rewrites this region of BENCHMARKS.md\ncargo xtask bench --quick    # CI smoke: short run, report in a temporary folder\ncargo xtask bench --sandbox  # sections 4 and 5's sandbox table only, printed (nothing written)\ncargo xtask bench --downstream  # section 3's clean builds of a program on papi against bare reqwest, printed\ncargo build --release -p papi-bench --example profile_decode   # decode driver for profilers\ncargo build --release -p papi-bench --example profile_client   # client-call driver for profilers\n```\n"
    );
    r
}

/// The machine, the command and the commit measured.
fn run_facts(r: &mut String, command: &str, mode: &str) {
    let commit = command_output("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = !command_output("git", &["status", "--porcelain"]).is_empty();
    let _ = writeln!(r, "\n## Run\n");
    r.push_str(&machine());
    let _ = writeln!(
        r,
        "- command: `{command}` (runs `PAPI_BENCH_MODE={mode} cargo bench -p papi-bench`); commit {commit}{}",
        if dirty { " with uncommitted changes" } else { "" }
    );
    let _ = writeln!(
        r,
        "- times are per call, over criterion's samples (min / median / max of the samples' mean \
         time per iteration); MB/s = 10^6 bytes per second at the median; ratios compare medians\n"
    );
}

/// A target row: what, the figure, whether it is met.
type TargetRow = (String, String, bool);

/// Generated decoding against the hand-written loop, per decode group and input.
fn decode_targets(m: &[Measured]) -> Vec<TargetRow> {
    let mut targets = Vec::new();
    for g in DECODE_GROUPS {
        let mut inputs: Vec<&str> = m
            .iter()
            .filter(|x| x.group == g)
            .map(|x| x.input.as_str())
            .collect();
        inputs.dedup();
        for input in inputs {
            if let (Some(gen), Some(hw)) = (
                find(m, g, "generated", input),
                find(m, g, "handwritten", input),
            ) {
                let ratio = hw.median() / gen.median();
                let by_min = hw.min() / gen.min();
                targets.push((
                    format!(
                        "decode `{}` {input}: generated ≥ {DECODE_TARGET}× hand-written throughput",
                        g.trim_start_matches("decode_")
                    ),
                    format!("{ratio:.2}× (best samples: {by_min:.2}×)"),
                    ratio >= DECODE_TARGET,
                ));
            }
        }
    }
    targets
}

/// Peak memory decoding the 100k list against its size.
fn memory_target(rows: &[Value]) -> Vec<TargetRow> {
    let mut targets = Vec::new();
    for row in rows {
        if row["input"] == "findcontactlist_100k" && row["decoder"] == "generated" {
            let ratio = row["peak_bytes"].as_f64().unwrap_or(f64::NAN)
                / row["input_bytes"].as_f64().unwrap_or(f64::NAN);
            targets.push((
                format!("peak memory decoding the 100k list ≤ {MEMORY_TARGET}× its size"),
                format!("{ratio:.2}×"),
                ratio <= MEMORY_TARGET,
            ));
        }
    }
    targets
}

/// The client call against raw reqwest, paired within rounds.
fn client_targets(rounds: &Rounds) -> Vec<TargetRow> {
    let mut targets = Vec::new();
    if !rounds.raw.is_empty() {
        let ratio = rounds.paired("papi_shared_pool");
        targets.push((
            format!("client call ≤ {CLIENT_TARGET:.2}× raw reqwest GET + decode (shared pool)"),
            format!("{ratio:.3}×"),
            ratio <= CLIENT_TARGET,
        ));
        let ratio = rounds.paired("papi_default_client");
        targets.push((
            "(for reference) papi client with its default HTTP client vs raw".into(),
            format!("{ratio:.3}×"),
            ratio <= CLIENT_TARGET,
        ));
    }
    targets
}

/// Section 1: decoding against the baselines, and every documented sample.
fn decode_section(r: &mut String, m: &[Measured]) {
    // Decoding against the baselines.
    let _ = writeln!(
        r,
        "\n## 1. Response decoding\n\n`generated` = `papi_contacts::decode::*` (one quick-xml \
         `Reader` pass: papi-core's envelope scan hands the element to its generated `FromXml` \
         pull parser); `handwritten` = a quick-xml event loop \
         filling the same structs with the same checks (the baseline, `benches/src/handwritten.rs`); \
         `roxmltree` = a roxmltree DOM walked into the same structs (`benches/src/roxml.rs`). Large \
         inputs are built with the generated encoders (`benches/src/large.rs`).\n"
    );
    for g in DECODE_GROUPS {
        let _ = writeln!(
            r,
            "### `{g}`\n\n| input | decoder | bytes | min | median | max | MB/s (median) | MB/s (min–max) | throughput vs handwritten | vs roxmltree |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for x in m.iter().filter(|x| x.group == g) {
            let hw = find(m, g, "handwritten", &x.input);
            let rx = find(m, g, "roxmltree", &x.input);
            let vs = |b: Option<&Measured>| {
                b.map_or("–".into(), |b| format!("{:.2}×", b.median() / x.median()))
            };
            let _ = writeln!(
                r,
                "| {} | {} | {} | {} | {} | {} | {} | {}–{} | {} | {} |",
                x.input,
                x.function,
                x.bytes.unwrap_or(0),
                time(x.min()),
                time(x.median()),
                time(x.max()),
                mb(x.mbps(x.median())),
                mb(x.mbps(x.max())),
                mb(x.mbps(x.min())),
                vs(hw),
                vs(rx)
            );
        }
        r.push('\n');
    }
    let _ = writeln!(
        r,
        "### Every documented sample (generated decoder)\n\n| sample | bytes | min | median | max | MB/s (median) |\n|---|---:|---:|---:|---:|---:|"
    );
    let mut samples: Vec<&Measured> = m.iter().filter(|x| x.group == "decode_samples").collect();
    samples.sort_by(|a, b| a.input.cmp(&b.input));
    for x in samples {
        let _ = writeln!(
            r,
            "| {} | {} | {} | {} | {} | {} |",
            x.input,
            x.bytes.unwrap_or(0),
            time(x.min()),
            time(x.median()),
            time(x.max()),
            mb(x.mbps(x.median()))
        );
    }
}

/// Peak memory of each decoder.
fn memory_section(r: &mut String, rows: &[Value]) {
    // Memory.
    let _ = writeln!(
        r,
        "\n### Peak memory\n\nCounting global allocator (`benches/benches/memory.rs`): the most bytes \
         allocated at once during one decode, the input excluded; `result` = bytes still held by the \
         decoded value.\n\n| input | decoder | input bytes | peak bytes | peak / input | result bytes |\n|---|---|---:|---:|---:|---:|"
    );
    for row in rows {
        let input = row["input_bytes"].as_f64().unwrap_or(f64::NAN);
        let peak = row["peak_bytes"].as_f64().unwrap_or(f64::NAN);
        let _ = writeln!(
            r,
            "| {} | {} | {} | {} | {:.2}× | {} |",
            row["input"].as_str().unwrap_or("?"),
            row["decoder"].as_str().unwrap_or("?"),
            row["input_bytes"],
            row["peak_bytes"],
            peak / input,
            row["result_bytes"]
        );
    }
}

/// Section 2: the client call, interleaved rounds and criterion runs.
fn client_section(r: &mut String, m: &[Measured], client: &Value, rounds: &Rounds) {
    let inter = &client["interleaved"];
    let raw = find(m, "client_call", "raw_reqwest", "");
    // Client.
    let _ = writeln!(
        r,
        "\n## 2. Client call overhead\n\nLocal axum server on 127.0.0.1 answering the corrected \
         findcontactlist sample ({} bytes). `raw_reqwest` = `reqwest::Client` GET of the identical URL \
         with the same Basic auth, then `papi_contacts::decode::find_contact_list`; \
         `papi_shared_pool` = `papi_contacts::Client::find_contact_list` on the same `reqwest::Client` \
         (`Config::with_http_client`); `papi_default_client` = the papi client's own default HTTP \
         client (built once; connect and request timeouts). About {} measured calls per variant \
         (plus warm-up); new connections counted by the server.\n",
        client["body_bytes"], client["target_calls"]
    );
    let _ = writeln!(
        r,
        "Interleaved pass ({} calls per variant in rounds of 100 calls of each variant, order \
         rotated; one sample per round = mean time per call; {} requests over {} new connections): \
         the basis of the target.\n\n| variant | min | median | max | median vs raw | per-round ratio vs raw (median) |\n|---|---:|---:|---:|---:|---:|",
        inter["calls_per_variant"], inter["requests"], inter["connections"]
    );
    let raw_median = {
        let mut v = rounds.raw.clone();
        v.sort_by(f64::total_cmp);
        median(&v)
    };
    for name in ["raw_reqwest", "papi_shared_pool", "papi_default_client"] {
        let mut v = rounds.series(name);
        v.sort_by(f64::total_cmp);
        let _ = writeln!(
            r,
            "| {name} | {} | {} | {} | {:.3}× | {:.3}× |",
            time(v.first().copied().unwrap_or(f64::NAN)),
            time(median(&v)),
            time(v.last().copied().unwrap_or(f64::NAN)),
            median(&v) / raw_median,
            rounds.paired(name)
        );
    }
    let _ = writeln!(
        r,
        "\nCriterion runs (one variant after the other; more exposed to the machine's slow phases):\n\n| variant | min | median | max | vs raw | requests served | new connections |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    let variants = client["variants"].as_array().cloned().unwrap_or_default();
    for x in m.iter().filter(|x| x.group == "client_call") {
        let counts = variants
            .iter()
            .find(|v| v["variant"] == x.function.as_str());
        let vs = raw.map_or("–".into(), |raw| {
            format!("{:.3}×", x.median() / raw.median())
        });
        let _ = writeln!(
            r,
            "| {} | {} | {} | {} | {} | {} | {} |",
            x.function,
            time(x.min()),
            time(x.median()),
            time(x.max()),
            vs,
            counts.map_or("?".into(), |c| c["requests"].to_string()),
            counts.map_or("?".into(), |c| c["connections"].to_string()),
        );
    }
}
