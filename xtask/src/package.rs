//! `cargo xtask package`: `cargo package` of every publishable crate of the workspace (those
//! without `publish = false`) in one cargo command, which orders them by their
//! dependencies; then the packages are built from their `.crate` files alone, as crates.io
//! would serve them: a file a crate reads from outside its folder (`include_str!`, a build
//! input), a missing README or a dependency without a version fails here.
//!
//! The build is this task's, not `cargo package`'s own verification: cargo unpacks the
//! packages it verifies into `$CARGO_HOME/registry/src/<overlay>/` and reuses an unpacked
//! `<name>-<version>` found there, so with a version that does not change between commits it
//! would verify the sources of its first run. Here the `.crate` files are unpacked afresh
//! into `<target>/package/verify/`, made one workspace whose `[patch.crates-io]` points every
//! crate's dependencies on the others at their unpacked packages, and built there (the
//! workspace's `Cargo.lock` copied, so the same versions).
//!
//! `--allow-dirty`: a package is made of the working tree, so this also runs before a
//! commit; CI runs it on a clean clone.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, ExitCode};

use serde_json::Value;

use crate::target::target_dir;

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
    let crates: Vec<(String, String)> = publishable(&metadata)
        .into_iter()
        .map(|c| {
            let version = version_of(&metadata, &c).unwrap_or("?").to_owned();
            (c, version)
        })
        .collect();
    if crates.is_empty() {
        return Err("no publishable crate in the workspace".into());
    }
    let names: Vec<&str> = crates.iter().map(|(c, _)| c.as_str()).collect();
    println!("== cargo package of {}", names.join(", "));
    let mut cmd = Command::new(&cargo);
    cmd.args(["package", "--locked", "--allow-dirty", "--no-verify"])
        .current_dir(root);
    for c in &names {
        cmd.args(["-p", c]);
    }
    status(&mut cmd, "cargo package")?;
    let dir = target_dir(root).join("package");
    let verify = dir.join("verify");
    if verify.exists() {
        std::fs::remove_dir_all(&verify).map_err(|e| format!("{}: {e}", verify.display()))?;
    }
    std::fs::create_dir_all(&verify).map_err(|e| format!("{}: {e}", verify.display()))?;
    for (c, version) in &crates {
        let file = dir.join(format!("{c}-{version}.crate"));
        let size = std::fs::metadata(&file)
            .map_err(|e| format!("{}: {e}", file.display()))?
            .len();
        println!(
            "packaged {} ({:.1} KiB)",
            file.display(),
            size as f64 / 1024.0
        );
        status(
            Command::new("tar")
                .arg("-xzf")
                .arg(&file)
                .arg("-C")
                .arg(&verify),
            "tar",
        )?;
    }
    let write = |name: &str, text: &str| {
        let path = verify.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write("Cargo.toml", &verify_manifest(&crates))?;
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    write("Cargo.lock", &lock)?;
    println!(
        "== cargo build of the unpacked packages ({})",
        verify.display()
    );
    status(
        Command::new(&cargo)
            .args(["build", "--workspace"])
            .current_dir(&verify)
            .env("CARGO_TARGET_DIR", dir.join("verify-target")),
        "cargo build of the packages",
    )
}

/// The workspace of the unpacked packages: each a member, and each the crates.io
/// dependency of the others.
fn verify_manifest(crates: &[(String, String)]) -> String {
    let mut text = String::from(
        "# Written by `cargo xtask package`: the packages, unpacked, built together.\n\
         [workspace]\nresolver = \"2\"\nmembers = [\n",
    );
    for (c, version) in crates {
        let _ = writeln!(text, "    \"{c}-{version}\",");
    }
    text.push_str("]\n\n[patch.crates-io]\n");
    for (c, version) in crates {
        let _ = writeln!(text, "{c} = {{ path = \"{c}-{version}\" }}");
    }
    text
}

fn status(cmd: &mut Command, shown: &str) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
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

    #[test]
    fn the_packages_are_patched_in_for_each_other() {
        let crates = [
            ("papi-core".to_owned(), "0.1.0".to_owned()),
            ("papi-contacts".to_owned(), "0.1.0".to_owned()),
        ];
        let text = verify_manifest(&crates);
        assert!(
            text.contains("members = [\n    \"papi-core-0.1.0\",\n    \"papi-contacts-0.1.0\",\n]")
        );
        assert!(text.contains("[patch.crates-io]\npapi-core = { path = \"papi-core-0.1.0\" }\n"));
    }
}
