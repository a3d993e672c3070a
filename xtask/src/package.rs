//! `cargo xtask package`: `cargo package` of every publishable crate of the workspace (those
//! without `publish = false`), in one cargo command. Cargo orders them by their
//! dependencies, and verifies each by building it from its unpacked `.crate` against the
//! packages of the others (a local registry overlay), not against the workspace: a file a
//! crate reads from outside its folder (`include_str!`, a build input), a missing README or
//! a dependency without a version fails here as it would on crates.io.
//!
//! `--allow-dirty`: a package is made of the working tree, so this also runs before a
//! commit; CI runs it on a clean clone.

use std::path::Path;
use std::process::{Command, ExitCode};

use serde_json::Value;

/// `cargo xtask package`.
pub fn run() -> ExitCode {
    let root = papi_codegen::workspace_root();
    match run_inner(&root) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_inner(root: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let metadata = crate::msrv::metadata(root, &["--no-deps"])?;
    let crates = publishable(&metadata);
    if crates.is_empty() {
        return Err("no publishable crate in the workspace".into());
    }
    println!(
        "== cargo package (verified: each built from its package) of {}",
        crates.join(", ")
    );
    let mut cmd = Command::new(&cargo);
    cmd.args(["package", "--locked", "--allow-dirty"])
        .current_dir(root);
    for c in &crates {
        cmd.args(["-p", c]);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run cargo package: {e}"))?;
    if !status.success() {
        return Err(format!("cargo package failed ({status})"));
    }
    // Cargo's target directory: `CARGO_TARGET_DIR`, else `<root>/target`.
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), std::path::PathBuf::from)
        .join("package");
    for c in &crates {
        let version = version_of(&metadata, c).unwrap_or("?");
        let file = dir.join(format!("{c}-{version}.crate"));
        let size = std::fs::metadata(&file)
            .map_err(|e| format!("{}: {e}", file.display()))?
            .len();
        println!(
            "packaged {} ({:.1} KiB)",
            file.display(),
            size as f64 / 1024.0
        );
    }
    Ok(())
}

/// The workspace members without `publish = false` (`publish` is `null` when any registry
/// may have them), sorted by name.
pub(crate) fn publishable(metadata: &Value) -> Vec<String> {
    let mut names: Vec<String> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["publish"].as_array().is_none_or(|r| !r.is_empty()))
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

fn version_of<'a>(metadata: &'a Value, name: &str) -> Option<&'a str> {
    metadata["packages"]
        .as_array()?
        .iter()
        .find(|p| p["name"].as_str() == Some(name))?["version"]
        .as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_crates_without_publish_false_are_packaged() {
        let m = serde_json::json!({ "packages": [
            { "name": "papi-core", "version": "0.1.0", "publish": null },
            { "name": "xtask", "version": "0.1.0", "publish": [] },
            { "name": "orange-papi", "version": "0.1.0", "publish": ["crates-io"] },
        ]});
        assert_eq!(publishable(&m), ["orange-papi", "papi-core"]);
        assert_eq!(version_of(&m, "xtask"), Some("0.1.0"));
    }
}
