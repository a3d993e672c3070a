//! Developer tasks of the papi workspace.
//!
//! `cargo xtask codegen` regenerates every generated file from `api-spec/`;
//! `cargo xtask codegen --check` fails, listing them, when committed files are stale.

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

  codegen          regenerate the generated crates, tests and README coverage table from api-spec/
  codegen --check  exit non-zero and list the files that are stale
  coverage         print, per API, actions documented / third-party / unknown and samples pinned";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["coverage"] => coverage(),
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
