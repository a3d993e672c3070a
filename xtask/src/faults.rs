//! `cargo xtask faults`: the sandbox fault tests (`tests/tests/sandbox_faults.rs`)
//! including the ones too long for every CI run (`#[ignore]`d: 64 clients × 1,000
//! writes), in the debug build CI tests with (no extra build).

use std::process::{Command, ExitCode};

pub fn run() -> ExitCode {
    let root = papi_codegen::workspace_root();
    let status = Command::new("cargo")
        .current_dir(&root)
        .env("INSTA_UPDATE", "no")
        .args([
            "test",
            "-p",
            "papi-tests",
            "--test",
            "sandbox_faults",
            "--",
            "--include-ignored",
            "--nocapture",
        ])
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}
