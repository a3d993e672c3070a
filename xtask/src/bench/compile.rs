//! The generator's cost against the compiler's (issue 5, item 4), for `cargo xtask bench`:
//!
//! - `codegen`: `papi_codegen::generate` (spec → every generated file), timed in-process,
//!   plus one `cargo xtask codegen --check` run (the same work behind a `cargo run`);
//! - `check`: `cargo check` of each generated API crate, its dependencies already checked,
//!   in a scratch target directory (`<target>/papi-bench/compile`); the crate is made to
//!   compile again by a changing `--cfg` given only to it (`cargo rustc`), so nothing else is
//!   rebuilt;
//!
//! What a downstream user pays once, the clean build of a client with every dependency, is
//! `downstream.rs`.
//!
//! Times are wall-clock on a machine shared with other builds: the report gives min /
//! median / max and compares minimums (the least disturbed run).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::shared::{rebuild_one, run};

/// Target of issue 5: generating the code costs at most this share of checking it.
const CODEGEN_SHARE_TARGET: f64 = 0.10;

/// Measures and returns the report section (markdown).
pub fn section(root: &Path, out: &Path, quick: bool) -> Result<String, String> {
    let spec = root.join("api-spec");
    let suite = papi_codegen::load(&spec).map_err(|e| e.to_string())?;
    let crates: Vec<String> = suite
        .apis
        .iter()
        .filter(|a| a.is_client())
        .map(|a| a.crate_name.clone())
        .collect();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let runs = if quick { 1 } else { 3 };

    // The generator, in-process.
    let mut generate = Vec::new();
    let mut files = 0;
    for _ in 0..if quick { 3 } else { 10 } {
        let t = Instant::now();
        files = papi_codegen::generate(&spec)
            .map_err(|e| e.to_string())?
            .len();
        generate.push(t.elapsed());
    }
    // The generator as a command (cargo's start-up included; xtask already built).
    let t = Instant::now();
    run(Command::new(&cargo)
        .args(["xtask", "codegen", "--check"])
        .current_dir(root))?;
    let generate_cmd = t.elapsed();

    // `cargo check` of the generated crates, dependencies warm.
    let scratch = out.join("compile");
    let check_dir = scratch.join("check-target");
    println!("== compile-time: cargo check of the generated crates (warming the dependencies)");
    let mut warm = Command::new(&cargo);
    warm.arg("check")
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &check_dir);
    for c in &crates {
        warm.args(["-p", c]);
    }
    run(&mut warm)?;
    let mut per_crate: Vec<(String, Vec<Duration>)> = Vec::new();
    for c in &crates {
        let mut times = Vec::new();
        for _ in 0..runs {
            times.push(rebuild_one(&cargo, root, &check_dir, c, "check", &[])?);
        }
        times.sort();
        per_crate.push((c.clone(), times));
    }

    generate.sort();
    Ok(render(&generate, files, generate_cmd, &per_crate, runs))
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

fn median(sorted: &[Duration]) -> Duration {
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

fn render(
    generate: &[Duration],
    files: usize,
    generate_cmd: Duration,
    per_crate: &[(String, Vec<Duration>)],
    runs: usize,
) -> String {
    let mut r = String::new();
    let first = |v: &[Duration]| v.first().copied().unwrap_or_default();
    let last = |v: &[Duration]| v.last().copied().unwrap_or_default();
    let check_min: Duration = per_crate.iter().map(|(_, t)| first(t)).sum();
    let check_median: Duration = per_crate.iter().map(|(_, t)| median(t)).sum();
    let gen_min = first(generate);
    let share = gen_min.as_secs_f64() / check_min.as_secs_f64().max(f64::MIN_POSITIVE);
    let _ = writeln!(r, "\n## 3. Generator and compile time\n");
    let _ = writeln!(
        r,
        "`codegen` = `papi_codegen::generate` (spec → all {files} generated files) timed in-process; \
         `check` = `cargo check` of each generated API crate alone, its dependencies already \
         checked (scratch target directory; the crate is recompiled by a fresh `--cfg` given to \
         it only, through `cargo rustc --profile check`; cargo's own start-up included). \
         {runs} run(s) per crate. Wall-clock times on a shared machine: ratios use minimums.\n"
    );
    let _ = writeln!(
        r,
        "| target | measured | |\n|---|---|---|\n| `cargo xtask codegen` ≤ 10% of `cargo check` of the generated crates | {:.1}% ({} / {}) | {} |\n",
        share * 100.0,
        secs(gen_min),
        secs(check_min),
        super::shared::met(share <= CODEGEN_SHARE_TARGET)
    );
    let _ = writeln!(
        r,
        "| step | min | median | max |\n|---|---:|---:|---:|\n| codegen (in-process, {} runs) | {} | {} | {} |\n| `cargo xtask codegen --check` (one command, cargo start-up included) | {} | | |",
        generate.len(),
        secs(gen_min),
        secs(median(generate)),
        secs(last(generate)),
        secs(generate_cmd),
    );
    for (c, t) in per_crate {
        let _ = writeln!(
            r,
            "| check `{c}` | {} | {} | {} |",
            secs(first(t)),
            secs(median(t)),
            secs(last(t))
        );
    }
    let _ = writeln!(
        r,
        "| check, all generated crates (sum) | {} | {} | |\n",
        secs(check_min),
        secs(check_median)
    );
    r
}
