//! `tests/tests/samples.rs`: one snapshot test per documented sample of the spec.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::util::{crate_ident, doc, ident, render_suite};
use crate::error::CodegenError;
use crate::ir::*;
use crate::GeneratedFile;

/// `tests/tests/samples.rs`: one test per documented sample, snapshotting what it decodes to.
pub fn emit_sample_tests(suite: &Suite) -> Result<GeneratedFile, CodegenError> {
    let mut tests = TokenStream::new();
    for s in &suite.common.samples {
        tests.extend(sample_tests(None, s));
    }
    for api in &suite.apis {
        for s in &api.samples {
            tests.extend(sample_tests(Some(api), s));
        }
    }
    let tokens = quote! {
        //! Every documented sample listed by the spec, decoded with the generated crates and
        //! snapshotted. A broken printed sample snapshots the error it gives; its corrected
        //! copy snapshots the decoded value.
        #![allow(non_snake_case)]

        #tests
    };
    render_suite("tests/tests/samples.rs", "samples of every file", tokens)
}

/// The test of sample `s` of `api` (of the common file when `None`), then the test of its
/// corrected copy when it has one.
fn sample_tests(api: Option<&Api>, s: &Sample) -> TokenStream {
    let prefix = api.map(|a| a.id.as_str()).unwrap_or("common");
    let stem = s
        .file
        .rsplit('/')
        .next()
        .unwrap_or(&s.file)
        .trim_end_matches(".xml")
        .to_string();
    let mut tests = sample_test(
        &format_ident!("{}__{}", prefix, stem.replace('-', "_")),
        &format!("{prefix}__{stem}"),
        &format!("`{}`: {}", s.file, s.doc),
        decode_expr(api, s, &s.file),
        outcome_check(s, s.is_broken()),
    );
    if let Some(c) = &s.corrected {
        tests.extend(sample_test(
            &format_ident!("{}__{}_corrected", prefix, stem.replace('-', "_")),
            &format!("{prefix}__{stem}.corrected"),
            &format!("`{c}`: corrected copy of `{}`.", s.file),
            decode_expr(api, s, c),
            outcome_check(s, false),
        ));
    }
    tests
}

/// One snapshot test: `body` computes the outcome, `check` asserts on it.
fn sample_test(
    name: &Ident,
    snap: &str,
    text: &str,
    body: TokenStream,
    check: TokenStream,
) -> TokenStream {
    let d = doc(text);
    quote! {
        #d
        #[test]
        fn #name() {
            let outcome = #body;
            #check
            insta::assert_snapshot!(#snap, outcome);
        }
    }
}

/// The expression decoding `file` (sample `s` or its corrected copy) into an outcome text:
/// with the action's decoder, as a fragment of its type, or as a general error document.
fn decode_expr(api: Option<&Api>, s: &Sample, file: &str) -> TokenStream {
    let status = s.status;
    match (&s.kind, api) {
        (SampleKind::Response(w) | SampleKind::Error(Some(w)), Some(api)) => {
            let krate = crate_ident(api);
            let a = api
                .actions
                .iter()
                .find(|a| &a.wire == w)
                .expect("validated");
            let f = ident(&a.rust);
            quote!(papi_tests::outcome(&#krate::decode::#f(#status, &papi_tests::sample(#file))))
        }
        (SampleKind::Fragment(t), Some(api)) => {
            let krate = crate_ident(api);
            // The fragment's root is the element that holds this type where it is used.
            let root = api
                .types
                .iter()
                .flat_map(|x| &x.fields)
                .find(|f| f.ty == FieldTy::Struct(t.clone()))
                .map(|f| f.wire.clone())
                .unwrap_or_else(|| t.clone());
            let t = ident(t);
            quote!(papi_tests::fragment_outcome::<#krate::types::#t>(#root, &papi_tests::sample(#file)))
        }
        _ => quote!(papi_tests::general_outcome(#status, &papi_tests::sample(#file))),
    }
}

/// The assertion on the outcome of sample `s`: none for a template, an error for a broken
/// sample, else what its kind leads to expect.
fn outcome_check(s: &Sample, broken: bool) -> TokenStream {
    let expect_ok = !matches!(s.kind, SampleKind::Error(_));
    if s.template {
        quote!()
    } else if broken {
        let why = format!(
            "the printed sample is broken ({}): decoding must fail",
            s.defects.join("; ")
        );
        quote!(assert!(outcome.starts_with("error"), "{}\n{}", #why, outcome);)
    } else if expect_ok {
        quote!(assert!(outcome.starts_with("ok"), "{}", outcome);)
    } else {
        quote!(assert!(outcome.starts_with("error: api"), "{}", outcome);)
    }
}
