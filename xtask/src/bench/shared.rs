//! What every section of `cargo xtask bench` shares: the targets, the verdict and median
//! helpers and the release build of the profiling drivers. A leaf: it imports no other
//! bench module.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Target of issue 5: generated decoding at least this share of the hand-written loop's
/// throughput.
pub(crate) const DECODE_TARGET: f64 = 0.8;
/// Target of issue 5: peak memory decoding the 100k list at most this multiple of its size.
pub(crate) const MEMORY_TARGET: f64 = 3.0;
/// Target of issue 5: a client call at most this multiple of raw reqwest GET + decode.
pub(crate) const CLIENT_TARGET: f64 = 1.10;
/// Target of issue 16 (0.7 in issue 5): sandbox requests/s at least this share of the
/// bare handler's.
pub(crate) const SANDBOX_TARGET: f64 = 0.8;

/// The median of sorted values (NaN for none).
pub(crate) fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// A target's verdict, as every section of the report writes it.
pub(crate) fn met(ok: bool) -> &'static str {
    if ok {
        "**met**"
    } else {
        "**not met**"
    }
}

/// Builds each `(package, example)` in release mode.
pub(crate) fn build(root: &Path, examples: &[(&str, &str)]) -> Result<(), String> {
    build_with(root, examples, &[])
}

/// [`build`], with these features of the packages on.
pub(crate) fn build_with(
    root: &Path,
    examples: &[(&str, &str)],
    features: &[&str],
) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let features = features.join(",");
    for (package, example) in examples {
        let mut args = vec!["build", "--release", "-p", package, "--example", example];
        if !features.is_empty() {
            args.extend(["--features", features.as_str()]);
        }
        let shown = format!("cargo {}", args.join(" "));
        println!("== {shown}");
        let status = Command::new(&cargo)
            .args(&args)
            .current_dir(root)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("`{shown}` failed ({status})"));
        }
    }
    Ok(())
}

/// Compiles `krate` (library) again, alone, in the package or workspace at `dir` with the
/// target directory `target`: a `--cfg` that changes each time is given to it only, which
/// invalidates it and nothing else (`cargo rustc` builds no dependent). `env` is set on
/// the command.
pub(crate) fn rebuild_one(
    cargo: &str,
    dir: &Path,
    target: &Path,
    krate: &str,
    profile: &str,
    env: &[(&str, &str)],
) -> Result<Duration, String> {
    let nonce = format!(
        "papi_compile_bench=\"{}\"",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let mut cmd = Command::new(cargo);
    cmd.args(["rustc", "--lib", "-p", krate, "--profile", profile, "--"])
        .args(["--cfg", &nonce, "-A", "unexpected_cfgs"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let t = Instant::now();
    run(&mut cmd)?;
    Ok(t.elapsed())
}

/// Runs `cmd`, its output captured; a failure carries its standard error.
pub(crate) fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{shown} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
