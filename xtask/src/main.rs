//! Developer tasks of the papi workspace.
//!
//! `cargo xtask codegen` regenerates every generated file from `api-spec/` (the OpenAPI
//! 3.1 export `openapi/papi.yaml` included); `cargo xtask codegen --check` fails, listing
//! them, when committed files are stale. `cargo xtask spec-diff <rev>` tells what changed in the spec since a revision and whether it breaks the crates.
//! `cargo xtask bench [--quick]` runs the benchmarks of `benches/` and writes `BENCHMARKS.md`.
//! `cargo xtask fuzz --time N [--target T]` runs the fuzz targets of `fuzz/` (see `fuzz.rs`).
//! `cargo xtask faults` runs the sandbox fault tests, the long ones included.
//! `cargo xtask msrv` checks each crate's `rust-version` against its dependencies' (`msrv.rs`);
//! `cargo xtask package` packages every publishable crate and builds the packages (`package.rs`).

use std::process::ExitCode;

mod bench;
mod faults;
mod fuzz;
mod msrv;
mod package;
mod spec_diff;
mod target;

const USAGE: &str = "usage: cargo xtask <task>

  codegen          regenerate the generated crates, tests, openapi/papi.yaml and README coverage table from api-spec/
  codegen --check  exit non-zero and list the files that are stale
  coverage         print, per API, actions documented / third-party / unknown and samples pinned
  bench            run the benchmarks (benches/, criterion; the sandbox under wrk; callgrind counts) and write BENCHMARKS.md
  bench --quick    short smoke run (CI); writes the report to a temporary folder and prints it
  bench --instructions [--quick]
                   only the callgrind instruction counts (deterministic); prints them, writes nothing
  bench --downstream [--quick]
                   only the clean build of a program on papi against bare reqwest, per TLS backend
                   (--quick: counts the crates, builds nothing); prints it, writes nothing
  bench --sandbox  only the sandbox sections (wrk rounds, then the sandbox's instruction counts); prints them, writes nothing
  bench --stores   the sandbox's throughput in memory, SQLite and PostgreSQL (needs PAPI_TEST_POSTGRES: .ci/postgres); prints it
  spec-diff <rev>  what changed in api-spec/ since a git revision, per API: breaking or not, semver advice
  fuzz --time N [--target T]
                   seed and run the fuzz targets (cargo-fuzz) N seconds each; print executions
  faults           sandbox fault tests with the long ones (64 clients x 1,000 writes)
  msrv             fail when a dependency of a crate needs a newer Rust than the crate's rust-version
  package          cargo package every publishable crate (dependency order) and build the packages";

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
        ["bench", "--downstream"] => bench::downstream(false),
        ["bench", "--downstream", "--quick"] => bench::downstream(true),
        ["bench", "--sandbox"] => bench::sandbox(),
        ["bench", "--stores"] => bench::stores(),
        ["spec-diff", rev] => spec_diff::run(rev),
        ["fuzz", rest @ ..] => fuzz::run(rest),
        ["faults"] => faults::run(),
        ["msrv"] => msrv::run(),
        ["package"] => package::run(),
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
