//! Fails when the committed generated code differs from what the spec generates now
//! (the same check as `cargo xtask codegen --check`, run with the tests).

#[test]
fn generated_code_is_up_to_date() {
    let root = papi_codegen::workspace_root();
    let files = papi_codegen::generate(&root.join("api-spec")).unwrap_or_else(|e| panic!("{e}"));
    let stale = papi_codegen::stale_files(&root, &files);
    assert!(
        stale.is_empty(),
        "generated files are stale; run `cargo xtask codegen` and commit:\n{}",
        stale
            .iter()
            .map(|p| format!("  {}", p.display()))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn generation_is_deterministic() {
    let root = papi_codegen::workspace_root();
    let a = papi_codegen::generate(&root.join("api-spec")).unwrap();
    let b = papi_codegen::generate(&root.join("api-spec")).unwrap();
    assert_eq!(a, b);
}
