//! `cargo xtask fuzz --time N [--target T]`: seeds the corpora of the fuzz targets
//! (`fuzz/`, a cargo-fuzz crate outside the workspace) from `api-spec/` and
//! `fuzz/seeds/`, runs each target for N seconds with libFuzzer, and prints the
//! executions reached per target. Exits non-zero when a target finds a crash (the input
//! is left in `fuzz/artifacts/<target>/`).
//!
//! cargo-fuzz passes `-Z` flags to rustc; on the stable toolchain `RUSTC_BOOTSTRAP=1`
//! allows them. No sanitizer (`-s none`): the code under test is safe Rust, and
//! AddressSanitizer would cost most of the executions; overflow checks and debug
//! assertions stay on (`--debug-assertions`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use papi_codegen::ir::{SampleKind, Suite};

/// The fuzz targets (`fuzz/fuzz_targets/<name>.rs`).
pub const TARGETS: [&str; 5] = [
    "decode",
    "spec_loader",
    "consent_url",
    "saml_response",
    "saml_checks",
];

/// Statuses the decoder target's byte 1 picks from (`papi_fuzz::STATUSES`, same order).
const STATUSES: [u16; 4] = [200, 500, 400, 302];

const USAGE: &str = "usage: cargo xtask fuzz --time SECONDS [--target decode|spec_loader|consent_url|saml_response|saml_checks]";

pub fn run(args: &[&str]) -> ExitCode {
    let mut time = None;
    let mut only = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match (*arg, it.next()) {
            ("--time", Some(v)) => match v.parse::<u64>() {
                Ok(t) if t > 0 => time = Some(t),
                _ => {
                    return usage(&format!(
                        "--time takes a positive number of seconds, not {v:?}"
                    ))
                }
            },
            ("--target", Some(t)) if TARGETS.contains(t) => only = Some(*t),
            ("--target", Some(t)) => return usage(&format!("unknown target {t:?}")),
            (other, _) => return usage(&format!("unexpected argument {other:?}")),
        }
    }
    let Some(time) = time else {
        return usage("--time is required");
    };
    match run_inner(time, only) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("error: {problem}\n{USAGE}");
    ExitCode::from(2)
}

/// What one run of a target reached.
struct Outcome {
    target: &'static str,
    executions: u64,
    per_second: u64,
    corpus: usize,
    crashed: bool,
}

fn run_inner(time: u64, only: Option<&str>) -> Result<bool, String> {
    let root = papi_codegen::workspace_root();
    let fuzz_dir = root.join("fuzz");
    let version = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !version.status.success() {
        return Err("cargo-fuzz is not installed: cargo install cargo-fuzz --locked".into());
    }
    let suite = papi_codegen::load(&root.join("api-spec")).map_err(|e| e.to_string())?;
    let targets: Vec<&'static str> = TARGETS
        .into_iter()
        .filter(|t| only.is_none_or(|o| o == *t))
        .collect();
    for target in &targets {
        let seeds = seeds(target, &root, &suite)?;
        let dir = fuzz_dir.join("corpus").join(target);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for (name, bytes) in &seeds {
            let path = dir.join(name);
            std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        println!("{target}: {} seeds", seeds.len());
    }
    // Build once, so that the time budget goes to fuzzing.
    let status = fuzz_command(&fuzz_dir)
        .args(["build", "-s", "none", "--debug-assertions"])
        .status()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    if !status.success() {
        return Err("cargo fuzz build failed".into());
    }
    let mut outcomes = Vec::new();
    for target in targets {
        outcomes.push(run_target(&fuzz_dir, target, time)?);
    }
    println!("\n| target | seconds | executions | executions/s | corpus | crash |");
    println!("|---|---:|---:|---:|---:|---|");
    for o in &outcomes {
        println!(
            "| {} | {time} | {} | {} | {} | {} |",
            o.target,
            o.executions,
            o.per_second,
            o.corpus,
            if o.crashed {
                "YES (see fuzz/artifacts/)"
            } else {
                "none"
            }
        );
    }
    Ok(outcomes.iter().all(|o| !o.crashed))
}

fn fuzz_command(fuzz_dir: &Path) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(fuzz_dir)
        .env("RUSTC_BOOTSTRAP", "1")
        .arg("fuzz");
    cmd
}

fn run_target(fuzz_dir: &Path, target: &'static str, time: u64) -> Result<Outcome, String> {
    println!("== fuzz {target} ({time} s)");
    let corpus = fuzz_dir.join("corpus").join(target);
    let output = fuzz_command(fuzz_dir)
        .args(["run", "-s", "none", "--debug-assertions", target])
        .arg(&corpus)
        .args([
            "--",
            &format!("-max_total_time={time}"),
            "-print_final_stats=1",
            "-max_len=262144",
            "-timeout=10",
            "-rss_limit_mb=2048",
        ])
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    let log = String::from_utf8_lossy(&output.stderr);
    let stat = |name: &str| -> u64 {
        log.lines()
            .filter_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .filter_map(|v| v.trim().parse().ok())
            .next_back()
            .unwrap_or(0)
    };
    let crashed = !output.status.success();
    if crashed {
        // Show the end of libFuzzer's log: the panic and the artifact path.
        let lines: Vec<&str> = log.lines().collect();
        for line in &lines[lines.len().saturating_sub(40)..] {
            eprintln!("{line}");
        }
    }
    let corpus_len = std::fs::read_dir(&corpus).map(|d| d.count()).unwrap_or(0);
    Ok(Outcome {
        target,
        executions: stat("number_of_executed_units"),
        per_second: stat("average_exec_per_sec"),
        corpus: corpus_len,
        crashed,
    })
}

/// Seeds of a target: (file name, bytes).
fn seeds(target: &str, root: &Path, suite: &Suite) -> Result<Vec<(String, Vec<u8>)>, String> {
    let spec_dir = root.join("api-spec");
    let read = |path: &Path| std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()));
    let mut out = Vec::new();
    match target {
        "decode" => {
            // Every documented sample (verbatim and corrected), prefixed with the index of
            // the decoder it answers and its status; error documents for every decoder of
            // their API (general ones: of every API).
            let decoders = papi_codegen::emit::fuzz_decoders(suite);
            let mut samples: Vec<(Option<&str>, &papi_codegen::ir::Sample)> =
                suite.common.samples.iter().map(|s| (None, s)).collect();
            for api in &suite.apis {
                samples.extend(api.samples.iter().map(|s| (Some(api.id.as_str()), s)));
            }
            for (api, sample) in samples {
                let status = STATUSES
                    .iter()
                    .position(|s| *s == sample.status)
                    .unwrap_or(0) as u8;
                let files: Vec<&String> = std::iter::once(&sample.file)
                    .chain(sample.corrected.as_ref())
                    .collect();
                for (index, (d_api, action)) in decoders.iter().enumerate() {
                    let fits = match (&sample.kind, api) {
                        (SampleKind::Response(wire), Some(api)) => {
                            d_api.id == api && &action.wire == wire
                        }
                        (SampleKind::Error(_), Some(api)) => d_api.id == api,
                        (SampleKind::Error(_), None) => true,
                        _ => false,
                    };
                    if !fits {
                        continue;
                    }
                    let index = u8::try_from(index)
                        .map_err(|_| "more than 256 decoders: widen the selector byte")?;
                    for file in &files {
                        let mut bytes = vec![index, status];
                        bytes.extend(read(&spec_dir.join(file))?);
                        out.push((format!("{index:03}-{}", file.replace('/', "_")), bytes));
                    }
                }
            }
        }
        "spec_loader" => {
            // Byte 0: even, common.yaml; odd (2i+1), API file i of the sorted list.
            let mut bytes = vec![0u8];
            bytes.extend(read(&spec_dir.join("common.yaml"))?);
            out.push(("common.yaml".into(), bytes));
            let mut names: Vec<String> = std::fs::read_dir(&spec_dir)
                .map_err(|e| format!("{}: {e}", spec_dir.display()))?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".yaml") && n != "common.yaml")
                .collect();
            names.sort();
            for (i, name) in names.iter().enumerate() {
                let which = u8::try_from(2 * i + 1).map_err(|_| "more than 127 API files")?;
                let mut bytes = vec![which];
                bytes.extend(read(&spec_dir.join(name))?);
                out.push((name.clone(), bytes));
            }
        }
        "consent_url" => {
            // The consent URLs of the documented privacy errors, with a return URL.
            for sample in &suite.common.samples {
                let text =
                    String::from_utf8_lossy(&read(&spec_dir.join(&sample.file))?).into_owned();
                if let Some(url) = element_text(&text, &suite.common.envelope.url) {
                    let seed = format!("{url}\nhttps://my.site/back?to=/calendar&x=1");
                    out.push((sample.file.replace('/', "_"), seed.into_bytes()));
                }
            }
        }
        _ => {}
    }
    // Hand-written seeds (`fuzz/seeds/<target>/`): inputs no sample covers.
    let dir = root.join("fuzz").join("seeds").join(target);
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let path: PathBuf = entry.path();
            out.push((
                format!("seed-{}", entry.file_name().to_string_lossy()),
                read(&path)?,
            ));
        }
    }
    out.sort();
    Ok(out)
}

/// The text of the first `<name>` element, with `&amp;` unescaped (the only entity the
/// documented consent URLs use): enough to pick seeds, not an XML reader.
fn element_text(text: &str, name: &str) -> Option<String> {
    let start = text.find(&format!("<{name}>"))? + name.len() + 2;
    let end = start + text[start..].find(&format!("</{name}>"))?;
    Some(text[start..end].replace("&amp;", "&"))
}
