//! `cargo xtask bench [--quick]`: runs `cargo bench -p papi-bench` and the sections measured
//! outside criterion, and writes the report region of `BENCHMARKS.md`.
//!
//! One module a section, importing only `shared` (and `callgrind` the `wrk` server it
//! drives): `compile` (generator against compiler), `downstream` (the clean build of a
//! program on a client against bare reqwest), `criterion` (decoding, memory, client call),
//! `wrk` (sandbox throughput), `stores` (the same by store, with the `wrk` server and
//! runner), `callgrind` (instruction counts).

mod callgrind;
mod compile;
mod criterion;
mod downstream;
mod shared;
mod stores;
mod wrk;

use std::path::Path;
use std::process::{Command, ExitCode};

use crate::target::target_dir;

/// Start and end of the region of `BENCHMARKS.md` this task writes; the text around it
/// (what was changed, profiles, what is left) is kept as written.
const START: &str = "<!-- bench:start (written by `cargo xtask bench`; do not edit) -->";
const END: &str = "<!-- bench:end -->";

/// `cargo xtask bench [--quick]`.
pub fn run(quick: bool) -> ExitCode {
    exit(run_inner(quick).map(|()| None))
}

/// `cargo xtask bench --instructions [--quick]`: the callgrind section alone, printed.
pub fn instructions(quick: bool) -> ExitCode {
    let root = papi_codegen::workspace_root();
    let target = target_dir(&root);
    exit(callgrind::section(&root, &target, &target.join("papi-bench"), quick).map(Some))
}

/// `cargo xtask bench --downstream [--quick]`: the downstream build section alone, printed.
pub fn downstream(quick: bool) -> ExitCode {
    let root = papi_codegen::workspace_root();
    let target = target_dir(&root);
    exit(downstream::section(&root, &target.join("papi-bench"), quick).map(Some))
}

/// `cargo xtask bench --sandbox`: the sandbox sections alone (wrk, then the sandbox's
/// instruction counts), printed; `BENCHMARKS.md` is not touched.
pub fn sandbox() -> ExitCode {
    let root = papi_codegen::workspace_root();
    let target = target_dir(&root);
    let counted = || {
        let wrk = wrk::run(&root, &target, false)?;
        let counts = callgrind::sandbox_section(&root, &target, &target.join("papi-bench"))?;
        Ok(format!("{wrk}{counts}"))
    };
    exit(counted().map(Some))
}

/// `cargo xtask bench --stores`: the sandbox's throughput with its data in memory, in
/// SQLite and in PostgreSQL, printed; `BENCHMARKS.md` is not touched.
pub fn stores() -> ExitCode {
    let root = papi_codegen::workspace_root();
    let target = target_dir(&root);
    exit(stores::run(&root, &target).map(Some))
}

/// Prints what there is to print and turns the outcome into an exit code.
fn exit(outcome: Result<Option<String>, String>) -> ExitCode {
    match outcome {
        Ok(printed) => {
            if let Some(text) = printed {
                println!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_inner(quick: bool) -> Result<(), String> {
    let root = papi_codegen::workspace_root();
    let target = target_dir(&root);
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
    let compile = compile::section(&root, &target.join("papi-bench"), quick)?;
    let downstream = downstream::section(&root, &target.join("papi-bench"), quick)?;
    let mode = if quick { "quick" } else { "full" };
    cargo_bench(&root, &out, &criterion_home, mode)?;

    let measured = criterion::results(&criterion_home)?;
    let memory = criterion::read_json(&out.join("memory.json"))?;
    let client = criterion::read_json(&out.join("client.json"))?;
    let shown_command = if quick {
        "cargo xtask bench --quick"
    } else {
        "cargo xtask bench"
    };
    let region = criterion::report(&measured, &memory, &client, shown_command, mode);
    let sandbox = wrk::run(&root, &target, quick)?;
    let instructions = callgrind::section(&root, &target, &out, quick)?;
    // The compile-time, sandbox and instruction-count sections go before the
    // "Reproduce" notes.
    let sections = format!("{compile}{downstream}{sandbox}{instructions}");
    let region = match region.find(
        "
## Reproduce",
    ) {
        Some(i) => format!("{}{sections}{}", &region[..i], &region[i..]),
        None => region + &sections,
    };
    if quick {
        write_quick(&out, &region)
    } else {
        write_report(&root, &region)
    }
}

/// `PAPI_BENCH_MODE=<mode> cargo bench -p papi-bench`, results under `out`.
fn cargo_bench(root: &Path, out: &Path, criterion_home: &Path, mode: &str) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let command = "cargo bench -p papi-bench";
    println!(
        "== PAPI_BENCH_MODE={mode} {command} (results in {})",
        out.display()
    );
    let status = Command::new(&cargo)
        .args(["bench", "-p", "papi-bench"])
        .current_dir(root)
        .env("PAPI_BENCH_MODE", mode)
        .env("PAPI_BENCH_OUT", out)
        .env("CRITERION_HOME", criterion_home)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("`{command}` failed ({status})"));
    }
    Ok(())
}

/// Quick mode: the report goes to a temporary folder and the terminal.
fn write_quick(out: &Path, region: &str) -> Result<(), String> {
    let path = out.join("BENCHMARKS.quick.md");
    std::fs::write(&path, format!("{START}\n{region}{END}\n"))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{region}");
    println!(
        "quick report written to {} (BENCHMARKS.md untouched)",
        path.display()
    );
    Ok(())
}

/// Full mode: the region of `BENCHMARKS.md` between its markers is rewritten.
fn write_report(root: &Path, region: &str) -> Result<(), String> {
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
    Ok(())
}
