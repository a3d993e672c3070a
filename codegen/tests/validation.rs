//! Every validation error of the spec loader, on a small fixture spec: each mutation of the
//! fixture must be reported with its file, line, column, message and fix.

use std::path::{Path, PathBuf};

use papi_codegen::{CodegenError, SpecError};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture_dir().join(name)).unwrap()
}

/// Load the fixture with `common` and `mini` texts, and `samples` as the files on disk.
fn load(
    common: &str,
    mini: &str,
    samples: &[&str],
) -> Result<papi_codegen::ir::Suite, Vec<SpecError>> {
    let samples: Vec<String> = samples.iter().map(|s| s.to_string()).collect();
    match papi_codegen::load_from_texts(
        &fixture_dir(),
        (Path::new("common.yaml"), common),
        &[(PathBuf::from("mini.yaml"), mini.to_string())],
        &samples,
    ) {
        Ok(s) => Ok(s),
        Err(CodegenError::Spec(e)) => Err(e.0),
        Err(other) => panic!("unexpected error kind: {other}"),
    }
}

/// Apply `from` → `to` to mini.yaml and expect exactly one error containing `message`, located
/// in `file` at the line of the first line containing `at` in the mutated text.
fn expect_mini(from: &str, to: &str, message: &str, at: &str) -> SpecError {
    let mini = text("mini.yaml");
    assert!(mini.contains(from), "fixture lacks {from:?}");
    let mutated = mini.replacen(from, to, 1);
    expect(
        &text("common.yaml"),
        &mutated,
        &["samples/mini/ok.xml"],
        "mini.yaml",
        message,
        at,
        &mutated,
    )
}

fn expect(
    common: &str,
    mini: &str,
    samples: &[&str],
    file: &str,
    message: &str,
    at: &str,
    located_in: &str,
) -> SpecError {
    let errors = load(common, mini, samples).expect_err("the mutated spec must be rejected");
    let found: Vec<&SpecError> = errors
        .iter()
        .filter(|e| e.message.contains(message))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one error containing {message:?}, got: {errors:#?}"
    );
    let e = found[0].clone();
    assert_eq!(e.file, PathBuf::from(file), "{e}");
    if !at.is_empty() {
        let offset = located_in.find(at).expect("marker in the mutated text");
        let line = located_in[..offset].lines().count().max(1) as u64
            + u64::from(located_in[..offset].ends_with('\n'));
        assert_eq!(e.pos.line, line, "wrong line for {e}");
        assert!(e.pos.column > 0, "no column for {e}");
    }
    assert!(!e.fix.is_empty(), "no fix for {e}");
    let shown = e.to_string();
    assert!(
        shown.starts_with(&format!("{file}:{}:{}: ", e.pos.line, e.pos.column)),
        "{shown}"
    );
    assert!(shown.contains("(fix: "), "{shown}");
    e
}

#[test]
fn the_fixture_is_valid() {
    let suite = load(
        &text("common.yaml"),
        &text("mini.yaml"),
        &["samples/mini/ok.xml"],
    )
    .unwrap();
    assert_eq!(suite.apis.len(), 1);
    assert_eq!(suite.apis[0].actions[0].rust, "get_thing");
}

#[test]
fn unknown_field_type() {
    expect_mini(
        "type: integer, doc: How many.",
        "type: integr, doc: How many.",
        "unknown type `integr`",
        "type: integr,",
    );
}

#[test]
fn unknown_param_type() {
    expect_mini(
        "type: Color, doc: Filter",
        "type: Colour, doc: Filter",
        "unknown type `Colour`",
        "Colour",
    );
}

#[test]
fn unknown_response_type() {
    expect_mini(
        "type: Thing }",
        "type: Thin }",
        "unknown response type `Thin`",
        "type: Thin }",
    );
}

#[test]
fn duplicate_action() {
    let mini = text("mini.yaml");
    let start = mini.find("  - wire: getthing").unwrap();
    let end = mini.find("samples:").unwrap();
    let action = &mini[start..end];
    let copy = action.replace("name: get_thing", "name: get_thing_again");
    let mutated = mini.replacen(action, &format!("{action}{copy}"), 1);
    let e = expect(
        &text("common.yaml"),
        &mutated,
        &["samples/mini/ok.xml"],
        "mini.yaml",
        "duplicate action `getthing`",
        "",
        &mutated,
    );
    let second = mutated.match_indices("- wire: getthing").nth(1).unwrap().0;
    assert_eq!(e.pos.line as usize, mutated[..second].lines().count());
}

#[test]
fn duplicate_param() {
    expect_mini(
        "- { wire: label, type: string",
        "- { wire: color, name: other_color, type: string",
        "duplicate parameter `color`",
        "other_color",
    );
}

#[test]
fn duplicate_field() {
    expect_mini(
        "- { wire: count, optional: true",
        "- { wire: color, name: colour2, optional: true",
        "duplicate field `color`",
        "colour2",
    );
}

#[test]
fn duplicate_error_code() {
    expect_mini(
        "  - { code: 7, name: broken, doc: Something broke., retryable: true, source: doc }",
        "  - { code: 7, name: broken, doc: Something broke., retryable: true, source: doc }\n  - { code: 7, name: broken_again, doc: Again., source: doc }",
        "duplicate error code 7",
        "broken_again",
    );
}

#[test]
fn api_code_clashing_with_a_general_code() {
    expect_mini(
        "code: 7, name: broken",
        "code: -1, name: broken",
        "already a general code",
        "name: broken",
    );
}

#[test]
fn at_least_one_of_names_a_missing_param() {
    expect_mini(
        "- [color, label]",
        "- [color, lable]",
        "names `lable`, which is not a parameter",
        "[color, lable]",
    );
}

#[test]
fn at_least_one_of_names_a_required_param() {
    expect_mini(
        "- [color, label]",
        "- [color, tid]",
        "names `tid`, which is already required",
        "[color, tid]",
    );
}

#[test]
fn enum_without_values() {
    expect_mini(
        "    values:\n      - { wire: r, name: red, doc: Red. }\n      - { wire: g, name: green, doc: Green. }",
        "    values: []",
        "enum `Color` has no values",
        "values: []",
    );
}

#[test]
fn duplicate_enum_value() {
    expect_mini(
        "{ wire: g, name: green",
        "{ wire: r, name: green",
        "duplicate value `r` in enum `Color`",
        "name: green",
    );
}

#[test]
fn duplicate_type_name() {
    expect_mini(
        "  - name: Thing\n    doc: A thing.",
        "  - name: Color\n    doc: A thing.",
        "duplicate type `Color`",
        "- name: Color\n    doc: A thing.",
    );
}

#[test]
fn names_must_be_snake_case() {
    expect_mini(
        "name: get_thing",
        "name: getThing",
        "action name `getThing` is not snake_case",
        "getThing",
    );
}

#[test]
fn type_names_must_be_camel_case() {
    expect_mini(
        "  - name: Thing\n",
        "  - name: thing\n",
        "type name `thing` is not UpperCamelCase",
        "- name: thing",
    );
}

#[test]
fn unknown_envelope() {
    expect_mini(
        "envelope: wrapper",
        "envelope: wraper",
        "unknown envelope `wraper`",
        "envelope: wraper",
    );
}

#[test]
fn unknown_privacy_family() {
    expect_mini(
        "family: things",
        "family: thingz",
        "unknown privacy family `thingz`",
        "family: thingz",
    );
}

#[test]
fn privacy_attribute_outside_the_family() {
    expect_mini(
        "privacy_attribute: see",
        "privacy_attribute: peek",
        "`peek` is not an attribute of family",
        "peek",
    );
}

#[test]
fn unknown_source() {
    expect_mini(
        "source: doc\n    doc: Get a thing.",
        "source: docs\n    doc: Get a thing.",
        "unknown source `docs`",
        "source: docs",
    );
}

#[test]
fn endpoint_needs_url_or_unknown() {
    expect_mini(
        "integration: { unknown: Never documented., source: doc }",
        "integration: { source: doc }",
        "exactly one of `url` and `unknown`",
        "integration:",
    );
}

#[test]
fn sample_file_missing() {
    expect_mini(
        "file: samples/mini/ok.xml",
        "file: samples/mini/gone.xml",
        "sample file `samples/mini/gone.xml` is missing",
        "gone.xml",
    );
}

#[test]
fn sample_not_listed() {
    let mini = text("mini.yaml");
    expect(
        &text("common.yaml"),
        &mini,
        &["samples/mini/ok.xml", "samples/mini/stray.xml"],
        "samples/mini/stray.xml",
        "sample `samples/mini/stray.xml` is not listed",
        "",
        "",
    );
}

#[test]
fn sample_naming_an_unknown_action() {
    expect_mini(
        "action: getthing",
        "action: getthings",
        "sample names unknown action `getthings`",
        "getthings",
    );
}

#[test]
fn corrected_copy_without_defect() {
    expect_mini(
        "    doc: A sample.\n",
        "    doc: A sample.\n    corrected: samples/mini/ok.xml\n",
        "has a corrected copy but no recorded defect",
        "- file: samples/mini/ok.xml",
    );
}

#[test]
fn unknown_yaml_key_is_located() {
    let e = expect_mini(
        "    effect: read\n",
        "    effect: read\n    colour: red\n",
        "unknown field `colour`",
        "colour: red",
    );
    assert!(e.message.contains("expected one of"), "{e}");
}

#[test]
fn wrong_value_type_is_located() {
    expect_mini("code: 7,", "code: seven,", "invalid YAML", "code: seven");
}

#[test]
fn duplicate_yaml_key_is_located() {
    expect_mini(
        "    effect: read\n",
        "    effect: read\n    effect: write\n",
        "invalid YAML",
        "effect: write",
    );
}

#[test]
fn forbid_chars_on_a_non_string() {
    expect_mini(
        "{ wire: color, type: Color, doc",
        "{ wire: color, type: Color, forbid_chars: [\"*\"], doc",
        "on non-string parameter `color`",
        "Color, forbid_chars",
    );
}

#[test]
fn list_of_a_non_enum() {
    expect_mini(
        "{ wire: label, type: string,",
        "{ wire: label, type: string, list: true,",
        "is a list of a non-enum type",
        "list: true",
    );
}

#[test]
fn every_error_is_reported_not_only_the_first() {
    let mini = text("mini.yaml")
        .replacen(
            "type: integer, doc: How many.",
            "type: integr, doc: How many.",
            1,
        )
        .replacen("envelope: wrapper", "envelope: wraper", 1);
    let errors = load(&text("common.yaml"), &mini, &["samples/mini/ok.xml"]).unwrap_err();
    assert!(errors.len() >= 2, "{errors:#?}");
}

#[test]
fn errors_in_common_yaml_are_located_there() {
    let common = text("common.yaml").replacen(
        "  - { family: things, api: mini, attributes: [see, add], source: doc }",
        "  - { family: things, api: mini, attributes: [see, add], source: doc }\n  - { family: things, api: x, attributes: [], source: doc }",
        1,
    );
    let mini = text("mini.yaml");
    let e = expect(
        &common,
        &mini,
        &["samples/mini/ok.xml"],
        "common.yaml",
        "duplicate privacy family `things`",
        "api: x",
        &common,
    );
    assert_eq!(e.file, PathBuf::from("common.yaml"));
}

#[test]
fn an_inferred_answer_shape_is_checked() {
    let unknown = "response: { unknown: \"The answer was not captured.\" }";
    let inferred = |root: &str, ty: &str, source: &str, doc: &str| {
        format!(
            "response: {{ unknown: \"The answer was not captured.\", inferred: {{ root: {root}, type: {ty}, source: {source}, doc: \"{doc}\" }} }}"
        )
    };
    // A well-formed one loads.
    let mini = text("mini.yaml").replacen(
        unknown,
        &inferred("thingReturn", "Thing", "capture", "Same names."),
        1,
    );
    load(&text("common.yaml"), &mini, &["samples/mini/ok.xml"]).unwrap();
    for (to, message, at) in [
        (
            inferred("thingReturn", "Nothing", "capture", "Same names."),
            "unknown inferred type `Nothing`",
            "type: Nothing",
        ),
        (
            inferred("\"a b\"", "Thing", "capture", "Same names."),
            "as the inferred root of `addthing`",
            "root: \"a b\"",
        ),
        (
            inferred("thingReturn", "Thing", "nowhere", "Same names."),
            "unknown source `nowhere`",
            "source: nowhere",
        ),
        (
            inferred("thingReturn", "Thing", "capture", " "),
            "needs its reasoning",
            "root: thingReturn",
        ),
    ] {
        expect_mini(unknown, &to, message, at);
    }
    expect_mini(
        "response: { path: [Data], type: Thing }",
        "response: { path: [Data], type: Thing, inferred: { root: r, type: Thing, source: doc, doc: \"x\" } }",
        "only for an answer whose shape is unknown",
        "root: r",
    );
}

#[test]
fn an_embedded_document_is_only_on_an_optional_string_element() {
    expect_mini(
        "      - { wire: count, optional: true, type: integer, doc: How many. }",
        "      - { wire: count, optional: true, type: integer, doc: How many. }\n      - { wire: note, optional: true, type: string, embedded: { root: note, type: Nothing }, doc: A note. }",
        "unknown embedded type `Nothing`",
        "type: Nothing",
    );
    expect_mini(
        "      - { wire: count, optional: true, type: integer, doc: How many. }",
        "      - { wire: count, optional: true, type: integer, embedded: { root: c, type: Thing }, doc: How many. }",
        "field `count` cannot carry an embedded document",
        "root: c",
    );
}

#[test]
fn the_sandbox_namespace_is_an_absolute_uri() {
    let common =
        text("common.yaml").replacen("namespace: urn:x-papi:sandbox", "namespace: sandbox", 1);
    let mini = text("mini.yaml");
    expect(
        &common,
        &mini,
        &["samples/mini/ok.xml"],
        "common.yaml",
        "`sandbox` is not an absolute URI",
        "namespace: sandbox",
        &common,
    );
}

#[test]
fn response_needs_exactly_one_of_type_and_unknown() {
    expect_mini(
        "response: { unknown: \"The answer was not captured.\" }",
        "response: { unknown: \"The answer was not captured.\", type: Thing }",
        "exactly one of `type` and `unknown`",
        "- wire: addthing",
    );
}

#[test]
fn required_and_mandatory_unknown_conflict() {
    expect_mini(
        "{ wire: title, type: string, mandatory_unknown: true,",
        "{ wire: title, type: string, required: true, mandatory_unknown: true,",
        "both required and of unknown mandatoriness",
        "wire: title",
    );
}

#[test]
fn a_typed_response_needs_an_envelope() {
    expect_mini(
        "envelope: wrapper\n",
        "",
        "a typed response needs the API's envelope",
        "type: Thing }",
    );
}

#[test]
fn unknown_source_kind() {
    let common = text("common.yaml").replacen("kind: third_party", "kind: hearsay", 1);
    let mini = text("mini.yaml");
    expect(
        &common,
        &mini,
        &["samples/mini/ok.xml"],
        "common.yaml",
        "unknown source kind `hearsay`",
        "hearsay",
        &common,
    );
}

#[test]
fn undocumented_actions_and_left_out_facts_are_checked_for_sources() {
    expect_mini(
        "{ fact: \"The page shows a logo.\", reason: \"Not part of any call.\", source: doc }",
        "{ fact: \"The page shows a logo.\", reason: \"Not part of any call.\", source: nowhere }",
        "unknown source `nowhere`",
        "source: nowhere",
    );
}

/// Many more rules, one mutation of mini.yaml each: (from, to, message, marker of the line).
const API_FILE_RULES: &[(&str, &str, &str, &str)] = &[
    (
        "api: mini",
        "api: Mini",
        "api id `Mini` is not snake_case",
        "api: Mini",
    ),
    (
        "crate: papi-mini",
        "crate: mini-crate",
        "does not follow the naming rule",
        "crate: mini-crate",
    ),
    (
        "path: /Mini/V1",
        "path: Mini/V1",
        "must start with `/`",
        "path: Mini/V1",
    ),
    (
        "{ url: \"https://api.example/Mini/V1\", source: doc }",
        "{ url: \"http://api.example/Mini/V1\", source: doc }",
        "plain HTTP but common.yaml requires HTTPS",
        "http://api.example",
    ),
    (
        "{ url: \"https://api.example/Mini/V1\", source: doc }",
        "{ url: \"ftp.example/Mini\", source: doc }",
        "is not an absolute http(s) URL",
        "ftp.example",
    ),
    (
        "privacy:\n  family: things",
        "privacy:\n  unknown: why\n  family: things",
        "exactly one of `family` and `unknown`",
        "api: mini",
    ),
    (
        "name: broken, doc",
        "name: unknown, doc",
        "reserved for codes the spec does not list",
        "name: unknown, doc",
    ),
    (
        "name: broken, doc",
        "name: Broken, doc",
        "error name `Broken` is not snake_case",
        "name: Broken",
    ),
    (
        "{ wire: g, name: green",
        "{ wire: g, name: other",
        "`other` is reserved",
        "name: other",
    ),
    (
        "{ wire: g, name: green",
        "{ wire: g, name: red",
        "duplicate value name `red`",
        "wire: g, name: red",
    ),
    (
        "  - name: Thing\n    doc: A thing.",
        "  - name: Client\n    doc: A thing.",
        "is reserved by the generated crate",
        "- name: Client",
    ),
    (
        "  - name: Thing\n    doc: A thing.",
        "  - name: Self\n    doc: A thing.",
        "is not UpperCamelCase",
        "- name: Self",
    ),
    (
        "{ wire: id, attribute: true, type: string",
        "{ wire: id, attribute: true, type: Thing",
        "cannot have an element type",
        "type: Thing, doc: Identifier",
    ),
    (
        "{ wire: id, attribute: true, type: string",
        "{ wire: id, attribute: true, repeated: true, type: string",
        "cannot be repeated",
        "repeated: true",
    ),
    (
        "{ wire: count, optional: true",
        "{ wire: count, optional: true, repeated: true",
        "both repeated and optional",
        "wire: count",
    ),
    (
        "{ wire: count, optional: true",
        "{ wire: count, consented: true",
        "has no consent_split",
        "wire: count",
    ),
    (
        "{ wire: count, optional: true",
        "{ wire: $text, optional: true",
        "the text content needs a Rust name",
        "wire: $text",
    ),
    (
        "{ wire: count, optional: true",
        "{ wire: count, name: self, optional: true",
        "field name `self` is not snake_case",
        "name: self",
    ),
    (
        "method: get\n    effect: read",
        "method: put\n    effect: read",
        "unknown method `put`",
        "method: put",
    ),
    (
        "method: get\n    effect: read",
        "method: get\n    effect: reads",
        "unknown effect `reads`",
        "effect: reads",
    ),
    (
        "name: get_thing",
        "name: new",
        "clashes with a Client method",
        "name: new",
    ),
    (
        "{ wire: label, type: string,",
        "{ wire: label, name: request, type: string,",
        "is reserved by the generated method",
        "name: request",
    ),
    (
        "{ wire: label, type: string,",
        "{ wire: label, type: file,",
        "in a `get` action",
        "type: file",
    ),
    (
        "{ wire: label, type: string,",
        "{ wire: label, type: string, accepted_formats: [jpeg],",
        "on non-file parameter",
        "accepted_formats",
    ),
    (
        "method: get\n    effect: read",
        "method: multipart_post\n    effect: read",
        "has no file parameter",
        "method: multipart_post",
    ),
    (
        "- [color, label]",
        "- [color]",
        "needs two or more parameters",
        "- [color]",
    ),
    (
        "response: { path: [Data], type: Thing }",
        "response: { path: [], type: Thing }",
        "empty response path",
        "path: [], type: Thing",
    ),
    (
        "privacy_attribute: see\n",
        "privacy_attribute: see\n    privacy_source: rumour\n",
        "unknown source `rumour`",
        "privacy_source: rumour",
    ),
    (
        "kind: response",
        "kind: reply",
        "unknown sample kind `reply`",
        "kind: reply",
    ),
    (
        "file: samples/mini/ok.xml",
        "file: samples/other/ok.xml",
        "is outside samples/mini/",
        "samples/other/ok.xml",
    ),
    (
        "file: samples/mini/ok.xml",
        "file: samples/mini/o-k.xml",
        "is not made of a-z",
        "samples/mini/o-k.xml",
    ),
];

#[test]
fn every_rule_of_an_api_file_is_reported_where_it_is_broken() {
    let mut failures = Vec::new();
    for (from, to, message, at) in API_FILE_RULES {
        let result = std::panic::catch_unwind(|| expect_mini(from, to, message, at));
        if result.is_err() {
            failures.push(message.to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "rules not reported as expected: {failures:#?}"
    );
}

#[test]
fn a_type_that_contains_itself_is_refused() {
    expect_mini(
        "      - { wire: count, optional: true, type: integer, doc: How many. }",
        "      - { wire: count, optional: true, type: integer, doc: How many. }\n      - { wire: inner, optional: true, type: Thing, doc: Itself. }",
        "contains itself",
        "  - name: Thing",
    );
}

#[test]
fn error_roles_are_checked() {
    expect_mini(
        "name: broken, doc",
        "name: broken, role: mystery, doc",
        "unknown error role `mystery`",
        "role: mystery",
    );
    let common = text("common.yaml").replacen("role: invalid_request, ", "", 1);
    let mini = text("mini.yaml");
    let errors = load(&common, &mini, &["samples/mini/ok.xml"]).unwrap_err();
    assert!(
        errors.iter().any(|e| e
            .message
            .contains("no general error code has the role `invalid_request`")
            && e.file == std::path::Path::new("common.yaml")),
        "{errors:#?}"
    );
}

#[test]
fn an_add_action_marked_read_is_refused() {
    // Reads may be retried automatically: a write must never pass for one.
    let e = expect_mini(
        "    effect: write\n",
        "    effect: read # was write\n",
        "action `addthing` is marked `effect: read` but its name says it adds data",
        "read # was write",
    );
    assert!(e.fix.contains("effect: write"), "{e}");
}

#[test]
fn an_upload_marked_read_is_refused() {
    expect_mini(
        "    method: get\n    effect: read\n",
        "    method: multipart_post\n    effect: read\n",
        "uploads a file (a multipart_post always writes)",
        "effect: read",
    );
}

/// Wire names are written unchecked by the generated encoders and matched by local name by
/// the decoders: each must be an XML name without a prefix.
#[test]
fn a_field_name_that_is_no_xml_name() {
    expect_mini(
        "{ wire: count, optional: true",
        "{ wire: \"co unt\", optional: true",
        "`co unt` (field of `Thing`) is not an XML name",
        "co unt",
    );
    expect_mini(
        "{ wire: count, optional: true",
        "{ wire: x:count, optional: true",
        "`x:count` (field of `Thing`) is not an XML name",
        "x:count",
    );
    expect_mini(
        "{ wire: id, attribute: true",
        "{ wire: 1id, attribute: true",
        "`1id` (field of `Thing`) is not an XML name",
        "1id",
    );
}

#[test]
fn an_alias_that_is_no_xml_name() {
    expect_mini(
        "{ wire: color, optional: true,",
        "{ wire: color, aliases: [\"colour<\"], optional: true,",
        "`colour<` (field of `Thing`) is not an XML name",
        "colour<",
    );
}

#[test]
fn the_text_content_is_no_attribute_and_holds_one_scalar() {
    expect_mini(
        "{ wire: id, attribute: true",
        "{ wire: $text, name: id, attribute: true",
        "`$text` (field of `Thing`) is not an XML name",
        "$text",
    );
    expect_mini(
        "{ wire: count, optional: true, type: integer",
        "{ wire: $text, name: count, repeated: true, type: integer",
        "the text content `$text` cannot be repeated or have aliases",
        "$text",
    );
    expect_mini(
        "{ wire: count, optional: true, type: integer",
        "{ wire: $text, name: count, optional: true, type: Thing",
        "the text content `$text` cannot have a structure type",
        "type: Thing",
    );
}

#[test]
fn a_response_path_that_is_no_xml_name() {
    expect_mini(
        "response: { path: [Data], type: Thing }",
        "response: { path: [\"Da ta\"], type: Thing }",
        "`Da ta` in the response path of `getthing` is not an XML name",
        "Da ta",
    );
}

#[test]
fn a_consent_container_that_is_no_xml_name() {
    expect_mini(
        "  - name: Thing\n",
        "  - name: Thing\n    consent_split: { granted: \"Granted Data\", protected: Protected }\n",
        "`Granted Data` (consent_split of `Thing`) is not an XML name",
        "name: Thing",
    );
}

#[test]
fn an_envelope_name_that_is_no_xml_name() {
    let common = text("common.yaml").replacen("root: miniReturn", "root: mini<Return", 1);
    expect(
        &common,
        &text("mini.yaml"),
        &["samples/mini/ok.xml"],
        "common.yaml",
        "`mini<Return` in envelope `wrapper` is not an XML name",
        "name: wrapper",
        &common,
    );
}

#[test]
fn xml_names() {
    use papi_codegen::validate::is_xml_ncname;
    for ok in ["a", "_a", "a-b.c_1", "Zoë", "données", "日本", "a\u{b7}b"] {
        assert!(is_xml_ncname(ok), "{ok}");
    }
    for bad in [
        "", "1a", "-a", ".a", "a b", "a:b", "a<b", "a&b", "a\"b", "$text", "a/b",
    ] {
        assert!(!is_xml_ncname(bad), "{bad}");
    }
}

#[test]
fn consent_hosts_are_host_names_with_a_source() {
    let common = text("common.yaml");
    let mini = text("mini.yaml");
    let with = |hosts: &str| {
        common.replacen(
            "  doc: Consent page.\n",
            &format!("  other_hosts:\n{hosts}  doc: Consent page.\n"),
            1,
        )
    };
    let bad_host = with("    - { host: \"evil.example/x\", doc: Seen., source: doc }\n");
    expect(
        &bad_host,
        &mini,
        &["samples/mini/ok.xml"],
        "common.yaml",
        "`evil.example/x` is not a host name",
        "evil.example/x",
        &bad_host,
    );
    let no_source = with("    - { host: seen.example, doc: Seen., source: nowhere }\n");
    expect(
        &no_source,
        &mini,
        &["samples/mini/ok.xml"],
        "common.yaml",
        "unknown source `nowhere`",
        "source: nowhere",
        &no_source,
    );
    let bad_page = common.replacen(
        "production: https://privacy.example/interaction",
        "production: privacy.example/interaction",
        1,
    );
    expect(
        &bad_page,
        &mini,
        &["samples/mini/ok.xml"],
        "common.yaml",
        "the production privacy page `privacy.example/interaction`",
        "",
        &bad_page,
    );
}

#[test]
fn a_token_layout_names_its_expiry_field_among_its_fields() {
    let mini = text("mini.yaml");
    let layout = |body: &str| {
        text("common.yaml").replacen(
            "consent_url:\n",
            &format!("token_layout:\n{body}  doc: Fields.\n  source: doc\nconsent_url:\n"),
            1,
        )
    };
    let no_expiry = layout("  separator: \"|\"\n  fields: [sau, ted]\n  expiry_field: tcd\n");
    expect(
        &no_expiry,
        &mini,
        &["samples/mini/ok.xml"],
        "common.yaml",
        "expiry field `tcd` is not one of the token's fields",
        "expiry_field: tcd",
        &no_expiry,
    );
    let bad_sep = layout("  separator: \"||\"\n  fields: [ted]\n  expiry_field: ted\n");
    expect(
        &bad_sep,
        &mini,
        &["samples/mini/ok.xml"],
        "common.yaml",
        "token separator `||` is not one character",
        "\"||\"",
        &bad_sep,
    );
    let fine = layout("  separator: \"|\"\n  fields: [sau, ted]\n  expiry_field: ted\n");
    assert!(load(&fine, &mini, &["samples/mini/ok.xml"]).is_ok());
}
