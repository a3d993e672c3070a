//! `spec-diff` on variants of the fixture spec (`tests/fixtures/mini`): each class of change
//! is found and classified, and the semver advice follows the worst change.

use std::path::{Path, PathBuf};

use papi_codegen::diff::{advice, diff, report, Advice, Change, Class};
use papi_codegen::ir::Suite;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

fn text(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap()
}

fn load(mini: &str) -> Suite {
    papi_codegen::load_from_texts(
        &dir(),
        (Path::new("common.yaml"), &text("common.yaml")),
        &[(PathBuf::from("mini.yaml"), mini.to_owned())],
        &["samples/mini/ok.xml".to_owned()],
    )
    .unwrap_or_else(|e| panic!("the variant does not load: {e}"))
}

/// The changes from the fixture to the fixture with `from` replaced by `to`.
fn changes(from: &str, to: &str) -> Vec<Change> {
    let mini = text("mini.yaml");
    assert!(mini.contains(from), "the fixture lacks {from:?}");
    diff(&load(&mini), &load(&mini.replacen(from, to, 1)))
}

/// Exactly one change, of `class`, whose text contains `what`.
fn one(changes: &[Change], class: Class, what: &str) {
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].class, class, "{changes:#?}");
    assert_eq!(changes[0].api, "mini");
    assert!(
        changes[0].what.contains(what),
        "{:?} lacks {what:?}",
        changes[0].what
    );
}

const ADD_THING: &str = "  - wire: addthing";
const NEW_ACTION: &str = "  - wire: dropthing
    name: drop_thing
    method: get
    effect: write
    privacy_attribute: add
    source: doc
    doc: Drop a thing.
    params:
      - { wire: tid, name: thing_id, type: string, required: true, doc: Thing id. }
    response: { unknown: Not documented. }
";

#[test]
fn no_change_no_report() {
    let mini = text("mini.yaml");
    let suite = load(&mini);
    assert!(diff(&suite, &suite).is_empty());
    // Documentation text is not an API fact.
    let changed = diff(
        &suite,
        &load(&mini.replacen("doc: Get a thing.", "doc: Fetch one thing.", 1)),
    );
    assert!(changed.is_empty(), "{changed:#?}");
}

#[test]
fn action_added_is_non_breaking() {
    let c = changes(ADD_THING, &format!("{NEW_ACTION}{ADD_THING}"));
    one(
        &c,
        Class::NonBreaking,
        "action dropthing added (method drop_thing)",
    );
}

#[test]
fn action_removed_is_breaking() {
    let mini = text("mini.yaml");
    let start = mini.find(ADD_THING).unwrap();
    let end = mini.find("samples:").unwrap();
    let removed = format!("{}{}", &mini[..start], &mini[end..]);
    let c = diff(&load(&mini), &load(&removed));
    one(
        &c,
        Class::Breaking,
        "action addthing removed (method add_thing)",
    );
}

#[test]
fn optional_param_added_to_an_operation_is_non_breaking() {
    let c = changes(
        "      - { wire: label, type: string, doc: Filter by label. }\n",
        "      - { wire: label, type: string, doc: Filter by label. }\n      - { wire: size, type: integer, doc: Size. }\n",
    );
    one(
        &c,
        Class::NonBreaking,
        "parameter `size` added, optional (a new setter of the operation",
    );
}

#[test]
fn a_first_optional_param_changes_the_shorthand_method() {
    // `dropthing` takes its one parameter as an argument; an optional one added makes its
    // method take the operation: the method's callers break, `Client::call` ones do not.
    let mini = text("mini.yaml");
    let base = mini.replacen(ADD_THING, &format!("{NEW_ACTION}{ADD_THING}"), 1);
    let tid = "      - { wire: tid, name: thing_id, type: string, required: true, doc: Thing id. }\n    response: { unknown";
    assert!(base.contains(tid));
    let variant = base.replacen(
        tid,
        "      - { wire: tid, name: thing_id, type: string, required: true, doc: Thing id. }\n      - { wire: why, type: string, doc: Why. }\n    response: { unknown",
        1,
    );
    let c = diff(&load(&base), &load(&variant));
    assert_eq!(c.len(), 2, "{c:#?}");
    assert_eq!(c[0].class, Class::Breaking, "{c:#?}");
    assert!(
        c[0].what
            .contains("now takes the operation instead of positional arguments"),
        "{c:#?}"
    );
    assert_eq!(c[1].class, Class::NonBreaking, "{c:#?}");
    assert!(
        c[1].what.contains("parameter `why` added, optional"),
        "{c:#?}"
    );
}

#[test]
fn mandatory_param_added_is_breaking() {
    let c = changes(
        "      - { wire: label, type: string, doc: Filter by label. }\n",
        "      - { wire: label, type: string, doc: Filter by label. }\n      - { wire: size, type: integer, required: true, doc: Size. }\n",
    );
    one(
        &c,
        Class::Breaking,
        "parameter `size` added, mandatory (a new argument of the operation's `new`",
    );
}

#[test]
fn param_made_mandatory_is_breaking() {
    let c = changes(
        "{ wire: title, type: string, mandatory_unknown: true,",
        "{ wire: title, type: string, required: true,",
    );
    // Its only optional parameter became an argument: the input struct goes too.
    assert_eq!(c.len(), 2, "{c:#?}");
    assert!(c.iter().all(|c| c.class == Class::Breaking), "{c:#?}");
    assert!(
        c[0].what
            .contains("takes positional arguments instead of the operation"),
        "{c:#?}"
    );
    assert!(
        c[1].what.contains("parameter `title` made mandatory"),
        "{c:#?}"
    );
}

#[test]
fn enum_value_added_is_non_breaking_and_removed_is_breaking() {
    let c = changes(
        "      - { wire: g, name: green, doc: Green. }\n",
        "      - { wire: g, name: green, doc: Green. }\n      - { wire: b, name: blue, doc: Blue. }\n",
    );
    one(&c, Class::NonBreaking, "enum Color: value `b` added");
    let c = changes("      - { wire: g, name: green, doc: Green. }\n", "");
    one(&c, Class::Breaking, "enum Color: value `g` removed");
}

#[test]
fn a_rust_name_changed_under_the_same_wire_name_is_breaking() {
    let c = changes(
        "      - { wire: g, name: green, doc: Green. }\n",
        "      - { wire: g, name: verde, doc: Green. }\n",
    );
    one(
        &c,
        Class::Breaking,
        "enum Color: value `g` renamed in Rust: Green → Verde",
    );
    let c = changes(
        "{ wire: tid, name: thing_id, type: string, required: true, forbid_chars",
        "{ wire: tid, name: thing, type: string, required: true, forbid_chars",
    );
    one(
        &c,
        Class::Breaking,
        "parameter `tid` renamed in Rust: thing_id → thing",
    );
    let c = changes(
        "      - { wire: count, optional: true, type: integer, doc: How many. }\n",
        "      - { wire: count, name: how_many, optional: true, type: integer, doc: How many. }\n",
    );
    one(
        &c,
        Class::Breaking,
        "response type Thing: field `count` renamed in Rust: count → how_many",
    );
}

#[test]
fn param_type_narrowed_or_widened_is_breaking() {
    let c = changes(
        "{ wire: label, type: string,",
        "{ wire: label, type: integer,",
    );
    one(
        &c,
        Class::Breaking,
        "parameter `label` type narrowed: string → integer",
    );
    let c = changes(
        "{ wire: color, type: Color, doc: Filter",
        "{ wire: color, type: string, doc: Filter",
    );
    one(
        &c,
        Class::Breaking,
        "parameter `color` type widened: enum Color → string",
    );
}

#[test]
fn error_code_added_is_non_breaking() {
    let c = changes(
        "errors:\n",
        "errors:\n  - { code: 8, name: busy, doc: Busy., retryable: true, source: doc }\n",
    );
    one(&c, Class::NonBreaking, "error code 8 (Busy) added");
}

#[test]
fn response_field_added_is_non_breaking_and_removed_is_breaking() {
    let c = changes(
        "      - { wire: count, optional: true, type: integer, doc: How many. }\n",
        "      - { wire: count, optional: true, type: integer, doc: How many. }\n      - { wire: size, optional: true, type: integer, doc: Size. }\n",
    );
    one(
        &c,
        Class::NonBreaking,
        "response type Thing: field `size` (optional integer) added (the struct is #[non_exhaustive])",
    );
    let c = changes(
        "      - { wire: count, optional: true, type: integer, doc: How many. }\n",
        "      - { wire: count, optional: true, type: integer, doc: How many. }\n      - { wire: size, type: integer, doc: Size. }\n",
    );
    one(
        &c,
        Class::Breaking,
        "field `size` (integer) added (required: answers without it no longer decode)",
    );
    let c = changes(
        "      - { wire: count, optional: true, type: integer, doc: How many. }\n",
        "",
    );
    one(
        &c,
        Class::Breaking,
        "response type Thing: field `count` removed",
    );
}

#[test]
fn endpoint_changed_needs_review() {
    let c = changes(
        "url: \"https://api.example/Mini/V1\"",
        "url: \"https://api2.example/Mini/V1\"",
    );
    one(
        &c,
        Class::NeedsReview,
        "production endpoint changed: https://api.example/Mini/V1 → https://api2.example/Mini/V1",
    );
}

#[test]
fn advice_follows_the_worst_change_per_crate() {
    let mini = text("mini.yaml");
    let old = load(&mini);
    let added = load(&mini.replacen(ADD_THING, &format!("{NEW_ACTION}{ADD_THING}"), 1));
    let c = diff(&old, &added);
    assert_eq!(
        advice(&c, &added, &old),
        [("papi-mini".to_owned(), Advice::Minor)]
    );
    let both = load(
        &mini
            .replacen(ADD_THING, &format!("{NEW_ACTION}{ADD_THING}"), 1)
            .replacen("      - { wire: g, name: green, doc: Green. }\n", "", 1),
    );
    let c = diff(&old, &both);
    assert_eq!(c.len(), 2, "{c:#?}");
    assert_eq!(
        advice(&c, &both, &old),
        [("papi-mini".to_owned(), Advice::Major)]
    );
    let text = report(&c, &both, &old);
    assert!(text.starts_with("mini:\n"), "{text}");
    assert!(
        text.contains("  [breaking] enum Color: value `g` removed\n"),
        "{text}"
    );
    assert!(text.contains("papi-mini: major"), "{text}");
}
