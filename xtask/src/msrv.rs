//! `cargo xtask msrv`: no crate of the workspace declares a `rust-version` older than one
//! of its dependencies needs.
//!
//! The dependency tree is the locked one (`cargo metadata --locked`) with every feature
//! enabled (the TLS backends and `blocking` included), through normal and build
//! dependencies (what a user of the crate compiles; dev-dependencies are not). Every
//! package that declares a `rust-version` is checked against the newest `rust-version` its
//! tree declares; a publishable crate must declare one. A crate may declare more than its
//! dependencies need (its own code may need it; clippy's `incompatible_msrv` lint checks
//! the standard library items it uses against the declared version): that is shown, not
//! refused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, ExitCode};

use serde_json::Value;

/// `cargo xtask msrv`.
pub fn run() -> ExitCode {
    let root = papi_codegen::workspace_root();
    match metadata(&root, &["--all-features"]).and_then(|m| check(&m)) {
        Ok(report) => {
            print!("{}", report.text);
            if report.failures.is_empty() {
                println!("every declared rust-version covers its dependencies");
                ExitCode::SUCCESS
            } else {
                for f in &report.failures {
                    eprintln!("error: {f}");
                }
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo metadata --locked` of the workspace at `root`, with `args`, as JSON.
pub(crate) fn metadata(root: &Path, args: &[&str]) -> Result<Value, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata's output: {e}"))
}

/// A `rust-version` as comparable numbers (`1.88` and `1.88.0` are equal).
pub(crate) fn version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.trim().split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next().unwrap_or(Some(0))?;
    let patch = parts.next().unwrap_or(Some(0))?;
    Some((major, minor, patch))
}

/// What `check` found: the table to print and the refusals.
pub(crate) struct Report {
    pub text: String,
    pub failures: Vec<String>,
}

/// Checks every workspace member of `cargo metadata`'s output `m`.
pub(crate) fn check(m: &Value) -> Result<Report, String> {
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let packages: BTreeMap<String, Value> = list(&m["packages"])
        .into_iter()
        .filter_map(|p| Some((p["id"].as_str()?.to_owned(), p)))
        .collect();
    let nodes: BTreeMap<String, Value> = list(&m["resolve"]["nodes"])
        .into_iter()
        .filter_map(|n| Some((n["id"].as_str()?.to_owned(), n)))
        .collect();
    let mut text = String::from("crate | declared | dependencies need | by\n---|---|---|---\n");
    let mut failures = Vec::new();
    for member in list(&m["workspace_members"]) {
        let id = member.as_str().ok_or("a workspace member without id")?;
        let package = packages
            .get(id)
            .ok_or("a workspace member not in packages")?;
        let name = package["name"].as_str().unwrap_or("?");
        let publishable = package["publish"]
            .as_array()
            .is_none_or(|registries| !registries.is_empty());
        let (needed, by) = newest_dependency(id, &packages, &nodes);
        let needed_text = needed.map_or("-".to_owned(), |(a, b, c)| format!("{a}.{b}.{c}"));
        let declared_text = package["rust_version"].as_str();
        let _ = std::fmt::Write::write_fmt(
            &mut text,
            format_args!(
                "{name} | {} | {needed_text} | {}\n",
                declared_text.unwrap_or("(none)"),
                by.join(", ")
            ),
        );
        let Some(declared_text) = declared_text else {
            if publishable {
                failures.push(format!(
                    "{name} is publishable but declares no rust-version (dependencies need {needed_text})"
                ));
            }
            continue;
        };
        let declared = version(declared_text)
            .ok_or_else(|| format!("{name}: unreadable rust-version {declared_text:?}"))?;
        if needed.is_some_and(|n| n > declared) {
            failures.push(format!(
                "{name} declares rust-version {declared_text}, but {} need(s) {needed_text}",
                by.join(", ")
            ));
        }
    }
    Ok(Report { text, failures })
}

/// The newest `rust-version` among what `root` depends on (normal and build edges, all
/// targets), and the packages that declare it.
fn newest_dependency(
    root: &str,
    packages: &BTreeMap<String, Value>,
    nodes: &BTreeMap<String, Value>,
) -> (Option<(u64, u64, u64)>, Vec<String>) {
    let mut seen = BTreeSet::new();
    let mut stack = vec![root.to_owned()];
    while let Some(id) = stack.pop() {
        let deps = nodes.get(&id).and_then(|n| n["deps"].as_array());
        for dep in deps.into_iter().flatten() {
            let kinds = dep["dep_kinds"].as_array().into_iter().flatten();
            let used = kinds
                .map(|k| &k["kind"])
                .any(|k| k.is_null() || k.as_str() == Some("build"));
            if let (true, Some(pkg)) = (used, dep["pkg"].as_str()) {
                if seen.insert(pkg.to_owned()) {
                    stack.push(pkg.to_owned());
                }
            }
        }
    }
    let mut newest = None;
    let mut by = Vec::new();
    for id in &seen {
        let Some(p) = packages.get(id) else { continue };
        let Some(v) = p["rust_version"].as_str().and_then(version) else {
            continue;
        };
        let shown = format!(
            "{} {}",
            p["name"].as_str().unwrap_or("?"),
            p["version"].as_str().unwrap_or("?")
        );
        if newest.is_none_or(|n| v > n) {
            newest = Some(v);
            by = vec![shown];
        } else if newest == Some(v) {
            by.push(shown);
        }
    }
    by.sort();
    if by.len() > 4 {
        let more = by.len() - 3;
        by.truncate(3);
        by.push(format!("{more} more"));
    }
    (newest, by)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(id: &str, rust_version: Option<&str>, publish: Value) -> Value {
        serde_json::json!({
            "id": id, "name": id, "version": "1.0.0",
            "rust_version": rust_version, "publish": publish,
        })
    }

    fn metadata(core_declares: &str, dev_only: &str) -> Value {
        serde_json::json!({
            "workspace_members": ["core", "tool"],
            "packages": [
                package("core", Some(core_declares), Value::Null),
                package("tool", None, serde_json::json!([])),
                package("icu", Some("1.88"), Value::Null),
                package("cc", Some("1.63.0"), Value::Null),
                package("mock", Some(dev_only), Value::Null),
            ],
            "resolve": { "nodes": [
                { "id": "core", "deps": [
                    { "pkg": "icu", "dep_kinds": [{ "kind": null }] },
                    { "pkg": "cc", "dep_kinds": [{ "kind": "build" }] },
                    { "pkg": "mock", "dep_kinds": [{ "kind": "dev" }] },
                ]},
                { "id": "tool", "deps": [{ "pkg": "core", "dep_kinds": [{ "kind": null }] }] },
                { "id": "icu", "deps": [] },
                { "id": "cc", "deps": [] },
                { "id": "mock", "deps": [] },
            ]},
        })
    }

    #[test]
    fn a_dependency_newer_than_the_declared_version_is_refused() {
        let report = check(&metadata("1.85", "1.99")).unwrap();
        assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
        assert!(report.failures[0].contains("core declares rust-version 1.85"));
        assert!(report.failures[0].contains("icu 1.0.0"));
    }

    #[test]
    fn enough_passes_and_dev_dependencies_do_not_count() {
        let report = check(&metadata("1.88.0", "1.99")).unwrap();
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        assert!(report.text.contains("core | 1.88.0 | 1.88.0 | icu 1.0.0"));
        // The unpublished crate declares nothing: shown, not refused.
        assert!(report.text.contains("tool | (none) | 1.88.0"));
    }

    #[test]
    fn a_publishable_crate_must_declare_one() {
        let mut m = metadata("1.88", "1.0");
        m["packages"][0]["rust_version"] = Value::Null;
        let report = check(&m).unwrap();
        assert!(report.failures[0].contains("declares no rust-version"));
    }

    #[test]
    fn versions_compare_as_numbers() {
        assert!(version("1.100") > version("1.99.9"));
        assert_eq!(version("1.88"), version("1.88.0"));
        assert_eq!(version("x"), None);
    }
}
