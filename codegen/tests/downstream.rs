//! The common documentation changes do not break downstream crates: code written against
//! the fixture's generated crate still compiles against the crate generated after an
//! optional parameter, an answer field, an enum value, an error code and an action are
//! added to the spec — the changes `spec-diff` rates non-breaking. A control shows the
//! harness sees a real break (a removed answer field).
//!
//! Each crate is generated into `target/downstream/<variant>/` with a downstream crate
//! beside it and checked by `cargo check --offline` in a target directory of their own (the
//! outer `cargo test` holds the workspace's), reusing the workspace's `Cargo.lock` so no
//! version changes.

use std::path::{Path, PathBuf};
use std::process::Command;

use papi_codegen::diff::{diff, Class};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture().join(name)).unwrap()
}

fn load(mini: &str) -> papi_codegen::ir::Suite {
    papi_codegen::load_from_texts(
        &fixture(),
        (Path::new("common.yaml"), &read("common.yaml")),
        &[(PathBuf::from("mini.yaml"), mini.to_owned())],
        &["samples/mini/ok.xml".to_owned()],
    )
    .unwrap_or_else(|e| panic!("the variant does not load: {e}"))
}

/// The fixture after the common documentation changes, each an addition.
fn grown(mini: &str) -> String {
    let edits = [
        // An optional parameter of an action that has optional ones.
        (
            "      - { wire: label, type: string, doc: Filter by label. }\n",
            "      - { wire: label, type: string, doc: Filter by label. }\n      - { wire: size, type: integer, doc: Size. }\n",
        ),
        // An optional field of an answer.
        (
            "      - { wire: count, optional: true, type: integer, doc: How many. }\n",
            "      - { wire: count, optional: true, type: integer, doc: How many. }\n      - { wire: note, optional: true, type: string, doc: A note. }\n",
        ),
        // An enum value.
        (
            "      - { wire: g, name: green, doc: Green. }\n",
            "      - { wire: g, name: green, doc: Green. }\n      - { wire: b, name: blue, doc: Blue. }\n",
        ),
        // An error code.
        (
            "errors:\n",
            "errors:\n  - { code: 8, name: busy, doc: Busy., retryable: true, source: doc }\n",
        ),
        // An action.
        (
            "  - wire: addthing\n",
            "  - wire: dropthing\n    name: drop_thing\n    method: get\n    effect: write\n    privacy_attribute: add\n    source: doc\n    doc: Drop a thing.\n    params:\n      - { wire: tid, name: thing_id, type: string, required: true, doc: Thing id. }\n    response: { unknown: Not documented. }\n  - wire: addthing\n",
        ),
    ];
    let mut out = mini.to_owned();
    for (from, to) in edits {
        assert!(out.contains(from), "the fixture lacks {from:?}");
        out = out.replacen(from, to, 1);
    }
    out
}

/// Code written against the fixture's crate as it is today.
const DOWNSTREAM: &str = r#"
use papi_mini::operation::{AddThing, GetThing};
use papi_mini::types::{Color, Thing};
use papi_mini::{Client, ErrorCode, UserToken};

pub async fn use_it(client: &Client, token: &UserToken) -> papi_mini::Result<Option<i64>> {
    let operation = GetThing::new("t1").color(Color::Red).label("x");
    let thing: Thing = client.call(token, operation).await?;
    let again = client.get_thing(token, GetThing::new("t2").label("y")).await?;
    client.add_thing(token, AddThing::new().title("T")).await?;
    let color = match &thing.color {
        Some(Color::Red) => "red",
        Some(Color::Green) => "green",
        _ => "other",
    };
    let _ = (color, &thing.id, again.count);
    Ok(thing.count)
}

pub fn a_mock_answer() -> Thing {
    Thing::default().with_id("a").with_color(Color::Green).with_count(3)
}

pub fn retry_hint(code: &ErrorCode) -> bool {
    match code {
        ErrorCode::Broken => true,
        _ => false,
    }
}
"#;

/// Code that names a field: removing the field must break it (the harness's control).
const NAMES_COUNT: &str = "pub fn count(t: &papi_mini::types::Thing) -> Option<i64> { t.count }\n";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // Unchanged files keep their time stamps: cargo then rebuilds nothing.
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap();
    }
}

/// A workspace `target/downstream/<variant>` with the crate generated from `mini` and a
/// downstream crate holding `code`; whether `cargo check` passes, and its output.
///
/// The variants share one target directory. Cargo names a path package's build by its
/// path relative to its workspace, so each variant's crates live under folders named after
/// it: the same relative path in two variants would share (and confuse) one build.
fn check(variant: &str, mini: &str, code: &str) -> (bool, String) {
    let root = papi_codegen::workspace_root();
    let base = root.join("target/downstream");
    let dir = base.join(variant);
    let suite = load(mini);
    let api = &suite.apis[0];
    let generated = format!("papi-mini-{variant}");
    let downstream = format!("downstream-{variant}");
    for f in papi_codegen::emit::emit_api(&suite.common, api).unwrap() {
        let path = f
            .path
            .strip_prefix("crates/papi-mini")
            .expect("the crate's folder");
        // The dev-dependencies (the sandbox the doc examples call) are the crate's own
        // tests', not its users': a downstream build never resolves them.
        let contents = match f.contents.find("\n[dev-dependencies]") {
            Some(at) if path == Path::new("Cargo.toml") => &f.contents[..=at],
            _ => &f.contents[..],
        };
        write(&dir.join(&generated).join(path), contents);
    }
    let core = root.join("crates/papi-core");
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[workspace]\nresolver = \"2\"\nmembers = [\"{generated}\", \"{downstream}\"]\n\n\
             [workspace.package]\nedition = \"2021\"\nversion = \"0.1.0\"\nlicense = \"MIT\"\n\
             rust-version = \"1.88\"\n\n\
             [workspace.dependencies]\npapi-core = {{ path = {:?} }}\n",
            core.display().to_string()
        ),
    );
    write(
        &dir.join(&downstream).join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{downstream}\"\nedition = \"2021\"\nversion = \"0.1.0\"\npublish = false\n\n\
             [dependencies]\npapi-mini = {{ path = \"../{generated}\" }}\n"
        ),
    );
    write(&dir.join(&downstream).join("src/lib.rs"), code);
    write(
        &dir.join("Cargo.lock"),
        &std::fs::read_to_string(root.join("Cargo.lock")).unwrap(),
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["check", "--offline", "--quiet", "-p", &downstream])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", base.join("target"))
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn code_written_before_the_common_changes_still_compiles() {
    let mini = read("mini.yaml");
    let after = grown(&mini);
    let changes = diff(&load(&mini), &load(&after));
    assert_eq!(changes.len(), 5, "{changes:#?}");
    assert!(
        changes.iter().all(|c| c.class == Class::NonBreaking),
        "spec-diff rates every one of them non-breaking: {changes:#?}"
    );
    let (ok, log) = check("before", &mini, DOWNSTREAM);
    assert!(
        ok,
        "the snippet does not compile against today's crate:\n{log}"
    );
    let (ok, log) = check("after", &after, DOWNSTREAM);
    assert!(ok, "the snippet broke after additions only:\n{log}");

    // Control: a removed field is a break, and the harness sees it.
    let removed = mini.replacen(
        "      - { wire: count, optional: true, type: integer, doc: How many. }\n",
        "",
        1,
    );
    let c = diff(&load(&mini), &load(&removed));
    assert!(c.iter().any(|c| c.class == Class::Breaking), "{c:#?}");
    let (ok, log) = check("removed", &removed, NAMES_COUNT);
    assert!(!ok, "a removed field went unnoticed");
    assert!(log.contains("count"), "{log}");
}
