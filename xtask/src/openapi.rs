//! `cargo xtask openapi [--check]`: write (or check) `openapi/papi.yaml`, the OpenAPI 3.1
//! export of the spec (see `papi_codegen::openapi`). `cargo xtask codegen` writes it too.

use std::process::ExitCode;

/// Writes the export, or with `check` fails when the committed copy is stale.
pub fn run(check: bool) -> ExitCode {
    let root = papi_codegen::workspace_root();
    let file = match papi_codegen::load(&root.join("api-spec"))
        .and_then(|suite| papi_codegen::openapi::render(&suite, env!("CARGO_PKG_VERSION")))
    {
        Ok(file) => file,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let files = [file];
    if check {
        if papi_codegen::stale_files(&root, &files).is_empty() {
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "{} is stale; run `cargo xtask openapi` and commit it",
            papi_codegen::openapi::OPENAPI_PATH
        );
        return ExitCode::FAILURE;
    }
    match papi_codegen::write_files(&root, &files) {
        Ok(written) => {
            for path in written {
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
