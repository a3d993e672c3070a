//! Hostile YAML given to the spec loader: alias and merge-key bombs, huge documents, deep
//! nesting, duplicate keys, wrong types, several documents, unknown tags. Each one is a
//! spec error naming the file, a line and a column, found within the loader's budgets:
//! never a hang, a panic or an exhausted memory.

use std::path::{Path, PathBuf};

use papi_codegen::{CodegenError, SpecError};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture_dir().join(name)).unwrap()
}

/// Loads the fixture suite with `mini.yaml` replaced by `mini`, or `common.yaml` by
/// `common`; returns the errors (the load must fail).
fn errors(common: &str, mini: &str) -> Vec<SpecError> {
    let result = std::panic::catch_unwind(|| {
        papi_codegen::load_from_texts(
            &fixture_dir(),
            (Path::new("common.yaml"), common),
            &[(PathBuf::from("mini.yaml"), mini.to_owned())],
            &["samples/mini/ok.xml".to_owned()],
        )
    });
    match result {
        Err(_) => panic!("the loader panicked"),
        Ok(Ok(_)) => panic!("hostile YAML was accepted"),
        Ok(Err(CodegenError::Spec(e))) => e.0,
        Ok(Err(other)) => panic!("not a located spec error: {other}"),
    }
}

/// One located error in `file` whose message contains `message`.
fn located(errors: &[SpecError], file: &str, message: &str) -> SpecError {
    let e = errors
        .iter()
        .find(|e| e.message.contains(message))
        .unwrap_or_else(|| panic!("no error containing {message:?}: {errors:#?}"))
        .clone();
    assert_eq!(e.file, PathBuf::from(file), "{e}");
    assert!(e.pos.line > 0 && e.pos.column > 0, "not located: {e}");
    assert!(!e.fix.is_empty(), "{e}");
    e
}

fn api(hostile: &str) -> Vec<SpecError> {
    errors(&text("common.yaml"), hostile)
}

/// `mini.yaml` with `value` as the API-level `defects:` (a list of strings), given right
/// after the first line so that it is read before anything else can fail.
fn with_defects(value: &str) -> String {
    let mini = text("mini.yaml");
    let (first, rest) = mini.split_once('\n').unwrap();
    format!("{first}\ndefects: {value}\n{rest}")
}

/// The YAML "billion laughs": 10 levels of 10 aliases each, 10^10 strings if expanded.
fn alias_bomb() -> String {
    let mut y = String::from("\n  - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..=9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        y.push_str(&format!("  - &a{i} [{refs}]\n"));
    }
    y
}

fn budget_breach(errors: &[SpecError], what: &str) -> SpecError {
    let e = located(errors, "mini.yaml", "budget breached");
    assert!(e.message.contains(what), "{e}");
    e
}

#[test]
fn a_nested_alias_bomb_is_refused_before_any_expansion() {
    // `defects` holds strings: the first nested list fails at its first event.
    let errors = api(&with_defects(&alias_bomb()));
    let e = located(&errors, "mini.yaml", "expected string");
    assert_eq!(e.pos.line, 3, "{e}");
}

#[test]
fn an_alias_bomb_in_an_open_position_is_refused_by_the_alias_budget() {
    // Type-valid all along (every alias is a string): stopped by the alias count.
    let refs = vec!["*x"; 100].join(", ");
    let errors = api(&with_defects(&format!("[&x lol, {refs}]")));
    budget_breach(&errors, "Aliases");
}

#[test]
fn a_wide_alias_replay_is_refused_by_the_replay_budget() {
    // A 4 000-string list anchored once and replayed in three other string lists: 12 000
    // replayed events, type-valid, beyond the 10 000 replay budget.
    let words = vec!["w"; 4000].join(", ");
    let mut mini = with_defects(&format!("&d [{words}]"));
    for doc in [
        "    doc: Get a thing.\n",
        "    doc: Add a thing (seen only in a third-party capture).\n",
        "    doc: A sample.\n",
    ] {
        assert!(mini.contains(doc), "fixture lacks {doc:?}");
        mini = mini.replacen(doc, &format!("{doc}    defects: *d\n"), 1);
    }
    let errors = api(&mini);
    let e = located(&errors, "mini.yaml", "");
    assert!(
        e.message.contains("replay") || e.message.contains("budget"),
        "{e}"
    );
}

#[test]
fn merge_keys_are_refused() {
    let errors = api(&format!("<<: {{ api: mini }}\n{}", text("mini.yaml")));
    let e = located(&errors, "mini.yaml", "merge");
    assert_eq!(e.pos.line, 1, "{e}");
}

#[test]
fn a_huge_file_is_refused_before_parsing() {
    let huge = format!(
        "{}\n# {}\n",
        text("mini.yaml"),
        "x".repeat(papi_codegen::spec::MAX_SPEC_FILE_BYTES)
    );
    let errors = api(&huge);
    let e = located(&errors, "mini.yaml", "-byte limit of a spec file");
    assert_eq!((e.pos.line, e.pos.column), (1, 1));
}

#[test]
fn a_document_with_too_many_nodes_is_refused() {
    // Under the size limit (about 400 KB) and type-valid, but 200 000 nodes.
    let items = "a,".repeat(200_000);
    let errors = api(&with_defects(&format!("[{items}]")));
    budget_breach(&errors, "Nodes");
}

#[test]
fn deep_flow_nesting_is_refused() {
    let depth = 100_000;
    let errors = api(&with_defects(&format!(
        "{}{}",
        "[".repeat(depth),
        "]".repeat(depth)
    )));
    let e = located(&errors, "mini.yaml", "");
    assert_eq!(e.pos.line, 2, "{e}");
}

#[test]
fn deep_block_nesting_is_refused() {
    // 300 levels of block sequences (about 90 KB): beyond the 32-level depth budget.
    let mut y = String::new();
    for level in 1..300 {
        y.push_str(&format!("\n{}- ", "  ".repeat(level)));
    }
    let errors = api(&with_defects(&format!("{y}x")));
    let e = located(&errors, "mini.yaml", "");
    assert!(e.pos.line <= 40, "{e}");
    assert!(!e.message.contains("-byte limit"), "{e}");
}

#[test]
fn duplicate_top_level_keys_are_refused_at_the_second() {
    let mini = text("mini.yaml");
    let errors = api(&format!("{mini}title: Again\n"));
    let e = located(&errors, "mini.yaml", "invalid YAML");
    assert_eq!(e.pos.line as usize, mini.lines().count() + 1, "{e}");
}

#[test]
fn wrong_types_are_located() {
    let mini = text("mini.yaml");
    for (from, to, at) in [
        ("actions:\n", "actions: 5\nx_actions:\n", "actions: 5"),
        (
            "    effect: read\n",
            "    effect: [read]\n",
            "effect: [read]",
        ),
        ("code: 7,", "code: [7],", "code: [7]"),
        ("code: 7,", "code: 99999999999999999999999,", "code: 9999"),
        ("retryable: true", "retryable: maybe", "retryable: maybe"),
        ("- name: Color", "- name: { a: b }", "name: { a: b }"),
    ] {
        assert!(mini.contains(from), "fixture lacks {from:?}");
        let hostile = mini.replacen(from, to, 1);
        let errors = api(&hostile);
        let e = located(&errors, "mini.yaml", "");
        let line = hostile[..hostile.find(at).unwrap()].lines().count();
        assert!(
            (e.pos.line as usize).abs_diff(line) <= 1,
            "{to:?}: reported at {e}, written at line {line}"
        );
    }
}

#[test]
fn several_documents_are_refused() {
    let mini = text("mini.yaml");
    let errors = api(&format!("{mini}---\n{mini}"));
    located(&errors, "mini.yaml", "invalid YAML");
}

#[test]
fn unknown_tags_are_refused() {
    let mini = text("mini.yaml").replacen("title:", "title: !python/object:os.system", 1);
    let errors = api(&mini);
    located(&errors, "mini.yaml", "invalid YAML");
}

#[test]
fn broken_syntax_is_located() {
    for hostile in [
        "api: mini\n\t- tab: indented\n",
        "api: [unclosed\n",
        "api: \"unterminated\n",
        ": : :\n",
        "api: mini\n  bad indentation: here\n",
        "\u{feff}\u{0}\u{1}",
    ] {
        let errors = api(hostile);
        assert!(!errors.is_empty(), "{hostile:?}");
        assert!(
            errors.iter().all(|e| e.file == Path::new("mini.yaml")),
            "{hostile:?}: {errors:#?}"
        );
    }
}

#[test]
fn hostile_common_yaml_is_located_in_common_yaml() {
    let errors = errors(
        &format!("{}{}", text("common.yaml"), alias_bomb()),
        &text("mini.yaml"),
    );
    located(&errors, "common.yaml", "invalid YAML");
}
