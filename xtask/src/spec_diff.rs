//! `cargo xtask spec-diff <git-rev>`: what changed in `api-spec/` between a git revision and
//! the working tree, per API, each change classified as breaking, needs-review or
//! non-breaking for the generated crates, with semver advice per crate
//! (`papi_codegen::diff`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Runs the comparison; exit 1 on an unknown revision or a spec that does not load.
pub fn run(rev: &str) -> ExitCode {
    let root = papi_codegen::workspace_root();
    match compare(&root, rev) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("spec-diff: {message}");
            ExitCode::FAILURE
        }
    }
}

fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

fn compare(root: &Path, rev: &str) -> Result<String, String> {
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a git revision"));
    }
    let commit = git(root, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
        .map_err(|_| format!("unknown git revision `{rev}` (try a commit, a branch or a tag, e.g. `main` or `HEAD~1`)"))?;
    let commit = String::from_utf8_lossy(&commit).trim().to_owned();
    let dir = std::env::temp_dir().join(format!(
        "papi-spec-diff-{}-{}",
        std::process::id(),
        &commit[..12.min(commit.len())]
    ));
    let result = extract(root, &commit, &dir).and_then(|spec_dir| {
        let old = papi_codegen::load(&spec_dir)
            .map_err(|e| format!("the spec at `{rev}` does not load:\n{e}"))?;
        let new = papi_codegen::load(&root.join("api-spec"))
            .map_err(|e| format!("the working tree's spec does not load:\n{e}"))?;
        let changes = papi_codegen::diff::diff(&old, &new);
        Ok(format!(
            "api-spec/ at {rev} ({}) → working tree\n\n{}",
            &commit[..12.min(commit.len())],
            papi_codegen::diff::report(&changes, &new, &old)
        ))
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Writes `api-spec/` of `commit` under `dir`; returns the spec directory.
fn extract(root: &Path, commit: &str, dir: &Path) -> Result<PathBuf, String> {
    let list = git(
        root,
        &[
            "ls-tree",
            "-r",
            "-z",
            "--name-only",
            commit,
            "--",
            "api-spec",
        ],
    )?;
    let files: Vec<String> = list
        .split(|b| *b == 0)
        .filter(|f| !f.is_empty())
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    if files.is_empty() {
        return Err(format!("revision {commit} has no api-spec/ folder"));
    }
    for file in &files {
        let contents = git(root, &["show", &format!("{commit}:{file}")])?;
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, contents)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(dir.join("api-spec"))
}
