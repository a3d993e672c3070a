//! Developer tasks of the papi workspace.
//!
//! `cargo xtask codegen` regenerates every generated file from `api-spec/` (the OpenAPI
//! 3.1 export `openapi/papi.yaml` included); `cargo xtask codegen --check` fails, listing
//! them, when committed files are stale. `cargo xtask spec-diff <rev>` tells what changed in the spec since a revision and whether it breaks the crates.
//! `cargo xtask bench [--quick]` runs the benchmarks of `benches/` and writes `BENCHMARKS.md`.
//! `cargo xtask fuzz --time N [--target T]` runs the fuzz targets of `fuzz/` (see `fuzz.rs`).
//! `cargo xtask faults` runs the sandbox fault tests, the long ones included.

use std::process::ExitCode;

mod bench_wrk;
mod faults;
mod fuzz;
mod spec_diff;

const USAGE: &str = "usage: cargo xtask <task>

  codegen          regenerate the generated crates, tests, openapi/papi.yaml and README coverage table from api-spec/
  codegen --check  exit non-zero and list the files that are stale
  coverage         print, per API, actions documented / third-party / unknown and samples pinned
  bench            run the benchmarks (benches/, criterion; the sandbox under wrk; callgrind counts) and write BENCHMARKS.md
  bench --quick    short smoke run (CI); writes the report to a temporary folder and prints it
  bench --instructions [--quick]
                   only the callgrind instruction counts (deterministic); prints them, writes nothing
  spec-diff <rev>  what changed in api-spec/ since a git revision, per API: breaking or not, semver advice
  fuzz --time N [--target T]
                   seed and run the fuzz targets (cargo-fuzz) N seconds each; print executions
  faults           sandbox fault tests with the long ones (64 clients x 1,000 writes)";

mod bench_callgrind;
mod bench_compile;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["coverage"] => coverage(),
        ["bench"] => bench::run(false),
        ["bench", "--quick"] => bench::run(true),
        ["bench", "--instructions"] => bench::instructions(false),
        ["bench", "--instructions", "--quick"] => bench::instructions(true),
        ["spec-diff", rev] => spec_diff::run(rev),
        ["fuzz", rest @ ..] => fuzz::run(rest),
        ["faults"] => faults::run(),
        ["-h" | "--help" | "help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn codegen(check: bool) -> ExitCode {
    let root = papi_codegen::workspace_root();
    let files = match papi_codegen::generate(&root.join("api-spec")) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("nothing was written");
            return ExitCode::FAILURE;
        }
    };
    if check {
        let stale = papi_codegen::stale_files(&root, &files);
        if stale.is_empty() {
            println!("generated code is up to date ({} files)", files.len());
            return ExitCode::SUCCESS;
        }
        eprintln!("generated code is stale; run `cargo xtask codegen` and commit:");
        for p in stale {
            eprintln!("  {}", p.display());
        }
        return ExitCode::FAILURE;
    }
    match papi_codegen::write_files(&root, &files) {
        Ok(written) if written.is_empty() => {
            println!("generated code is up to date ({} files)", files.len());
            ExitCode::SUCCESS
        }
        Ok(written) => {
            for p in &written {
                println!("wrote {}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn coverage() -> ExitCode {
    let root = papi_codegen::workspace_root();
    match papi_codegen::load(&root.join("api-spec")) {
        Ok(suite) => {
            print!("{}", papi_codegen::coverage::table(&suite));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask bench [--quick]`: runs `cargo bench -p papi-bench`, reads criterion's
/// results (`<criterion home>/<group>/<function>/<input>/new/{benchmark,sample}.json`) and
/// the benches' side results (`memory.json`, `client.json`), and writes the report.
mod bench {
    use std::fmt::Write as _;
    use std::path::{Path, PathBuf};
    use std::process::{Command, ExitCode};

    use serde_json::Value;

    /// Start and end of the region of `BENCHMARKS.md` this task writes; the text around it
    /// (what was changed, profiles, what is left) is kept as written.
    const START: &str = "<!-- bench:start (written by `cargo xtask bench`; do not edit) -->";
    const END: &str = "<!-- bench:end -->";

    /// Targets of issue 5.
    pub(crate) const DECODE_TARGET: f64 = 0.8;
    const MEMORY_TARGET: f64 = 3.0;
    pub(crate) const CLIENT_TARGET: f64 = 1.10;

    pub fn run(quick: bool) -> ExitCode {
        match run_inner(quick) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    }

    /// `cargo xtask bench --instructions [--quick]`: the callgrind section alone, printed.
    pub fn instructions(quick: bool) -> ExitCode {
        let root = papi_codegen::workspace_root();
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        match crate::bench_callgrind::section(&root, &target, &target.join("papi-bench"), quick) {
            Ok(section) => {
                println!("{section}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    }

    struct Measured {
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

    fn run_inner(quick: bool) -> Result<(), String> {
        let root = papi_codegen::workspace_root();
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        // Quick mode never touches the full results nor the committed report.
        let out = if quick {
            std::env::temp_dir().join(format!("papi-bench-quick-{}", std::process::id()))
        } else {
            target.join("papi-bench")
        };
        let criterion_home = out.join("criterion");
        if criterion_home.exists() {
            std::fs::remove_dir_all(&criterion_home)
                .map_err(|e| format!("cannot clear {}: {e}", criterion_home.display()))?;
        }
        std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;

        // Generator and compile time (item 4), first: it fails early if cargo cannot build.
        let compile = crate::bench_compile::section(&root, &target.join("papi-bench"), quick)?;

        let mode = if quick { "quick" } else { "full" };
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let command = "cargo bench -p papi-bench";
        println!(
            "== PAPI_BENCH_MODE={mode} {command} (results in {})",
            out.display()
        );
        let status = Command::new(&cargo)
            .args(["bench", "-p", "papi-bench"])
            .current_dir(&root)
            .env("PAPI_BENCH_MODE", mode)
            .env("PAPI_BENCH_OUT", &out)
            .env("CRITERION_HOME", &criterion_home)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("`{command}` failed ({status})"));
        }

        let mut measured = Vec::new();
        collect(&criterion_home, &mut measured)?;
        measured.sort_by(|a, b| {
            (&a.group, &a.input, &a.function).cmp(&(&b.group, &b.input, &b.function))
        });
        if measured.is_empty() {
            return Err(format!(
                "no criterion results under {}",
                criterion_home.display()
            ));
        }
        let memory = read_json(&out.join("memory.json"))?;
        let client = read_json(&out.join("client.json"))?;
        let shown_command = if quick {
            "cargo xtask bench --quick"
        } else {
            "cargo xtask bench"
        };
        let region = report(&measured, &memory, &client, shown_command, mode);
        let sandbox = crate::bench_wrk::run(&root, &target, quick)?;
        let instructions = crate::bench_callgrind::section(&root, &target, &out, quick)?;
        // The compile-time, sandbox and instruction-count sections go before the
        // "Reproduce" notes.
        let sections = format!("{compile}{sandbox}{instructions}");
        let region = match region.find(
            "
## Reproduce",
        ) {
            Some(i) => format!("{}{sections}{}", &region[..i], &region[i..]),
            None => region + &sections,
        };

        if quick {
            let path = out.join("BENCHMARKS.quick.md");
            std::fs::write(&path, format!("{START}\n{region}{END}\n"))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            println!("{region}");
            println!(
                "quick report written to {} (BENCHMARKS.md untouched)",
                path.display()
            );
        } else {
            let path = root.join("BENCHMARKS.md");
            let old = std::fs::read_to_string(&path).unwrap_or_default();
            let new = match (old.find(START), old.find(END)) {
                (Some(s), Some(e)) if s < e => {
                    format!(
                        "{}{START}\n{region}{END}{}",
                        &old[..s],
                        &old[e + END.len()..]
                    )
                }
                _ => format!("# Benchmarks\n\n{START}\n{region}{END}\n"),
            };
            std::fs::write(&path, new).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("wrote {}", path.display());
        }
        Ok(())
    }

    fn read_json(path: &Path) -> Result<Value, String> {
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
            if path.file_name().is_some_and(|n| n == "new") && path.join("benchmark.json").exists()
            {
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

    /// The median of sorted values (NaN for none).
    pub(crate) fn median(sorted: &[f64]) -> f64 {
        let n = sorted.len();
        match n {
            0 => f64::NAN,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        }
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

    /// A target's verdict, as every section of the report writes it.
    pub(crate) fn met(ok: bool) -> &'static str {
        if ok {
            "**met**"
        } else {
            "**not met**"
        }
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

    fn find<'a>(
        m: &'a [Measured],
        group: &str,
        function: &str,
        input: &str,
    ) -> Option<&'a Measured> {
        m.iter()
            .find(|x| x.group == group && x.function == function && x.input == input)
    }

    fn report(m: &[Measured], memory: &Value, client: &Value, command: &str, mode: &str) -> String {
        let mut r = String::new();
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

        // Targets.
        let mut targets = Vec::new();
        let decode_groups = ["decode_findcontactlist", "decode_getpicture"];
        for g in decode_groups {
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
        let rows = memory.as_array().cloned().unwrap_or_default();
        for row in &rows {
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
        let raw = find(m, "client_call", "raw_reqwest", "");
        let inter = &client["interleaved"];
        let series = |name: &str| -> Vec<f64> {
            inter[name]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default()
        };
        let raw_rounds = series("raw_reqwest");
        // Median over rounds of (variant / raw) in the same round.
        let paired = |name: &str| -> f64 {
            let mut r: Vec<f64> = series(name)
                .iter()
                .zip(&raw_rounds)
                .map(|(v, raw)| v / raw)
                .collect();
            r.sort_by(f64::total_cmp);
            median(&r)
        };
        if !raw_rounds.is_empty() {
            let ratio = paired("papi_shared_pool");
            targets.push((
                format!("client call ≤ {CLIENT_TARGET:.2}× raw reqwest GET + decode (shared pool)"),
                format!("{ratio:.3}×"),
                ratio <= CLIENT_TARGET,
            ));
            let ratio = paired("papi_default_client");
            targets.push((
                "(for reference) papi client with its default HTTP client vs raw".into(),
                format!("{ratio:.3}×"),
                ratio <= CLIENT_TARGET,
            ));
        }
        let _ = writeln!(r, "## Targets\n\n| target | measured | |\n|---|---|---|");
        for (what, figure, ok) in &targets {
            let _ = writeln!(r, "| {what} | {figure} | {} |", met(*ok));
        }

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
        for g in decode_groups {
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
        let mut samples: Vec<&Measured> =
            m.iter().filter(|x| x.group == "decode_samples").collect();
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

        // Memory.
        let _ = writeln!(
            r,
            "\n### Peak memory\n\nCounting global allocator (`benches/benches/memory.rs`): the most bytes \
             allocated at once during one decode, the input excluded; `result` = bytes still held by the \
             decoded value.\n\n| input | decoder | input bytes | peak bytes | peak / input | result bytes |\n|---|---|---:|---:|---:|---:|"
        );
        for row in &rows {
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
            let mut v = raw_rounds.clone();
            v.sort_by(f64::total_cmp);
            median(&v)
        };
        for name in ["raw_reqwest", "papi_shared_pool", "papi_default_client"] {
            let mut v = series(name);
            v.sort_by(f64::total_cmp);
            let _ = writeln!(
                r,
                "| {name} | {} | {} | {} | {:.3}× | {:.3}× |",
                time(v.first().copied().unwrap_or(f64::NAN)),
                time(median(&v)),
                time(v.last().copied().unwrap_or(f64::NAN)),
                median(&v) / raw_median,
                paired(name)
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
        let _ = writeln!(
            r,
            "\n## Reproduce\n\n```sh\ncargo xtask bench            # full run, rewrites this region of BENCHMARKS.md\ncargo xtask bench --quick    # CI smoke: short run, report in a temporary folder\ncargo build --release -p papi-bench --example profile_decode   # decode driver for profilers\ncargo build --release -p papi-bench --example profile_client   # client-call driver for profilers\n```\n"
        );
        r
    }
}
