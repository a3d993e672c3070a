//! `tests/tests/samples.rs`: one snapshot test per documented sample of the spec.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::util::{doc, ident, render};
use crate::error::CodegenError;
use crate::ir::*;
use crate::GeneratedFile;

/// `tests/tests/samples.rs`: one test per documented sample, snapshotting what it decodes to.
pub fn emit_sample_tests(suite: &Suite) -> Result<GeneratedFile, CodegenError> {
    let mut tests = TokenStream::new();
    let mut gen = |api: Option<&Api>, s: &Sample| {
        let prefix = api.map(|a| a.id.as_str()).unwrap_or("common");
        let stem = s
            .file
            .rsplit('/')
            .next()
            .unwrap_or(&s.file)
            .trim_end_matches(".xml")
            .to_string();
        let decode = |file: &str| -> TokenStream {
            let status = s.status;
            match (&s.kind, api) {
                (SampleKind::Response(w) | SampleKind::Error(Some(w)), Some(api)) => {
                    let krate = ident(&api.crate_name.replace('-', "_"));
                    let a = api
                        .actions
                        .iter()
                        .find(|a| &a.wire == w)
                        .expect("validated");
                    let f = ident(&a.rust);
                    quote!(papi_tests::outcome(&#krate::decode::#f(#status, &papi_tests::sample(#file))))
                }
                (SampleKind::Fragment(t), Some(api)) => {
                    let krate = ident(&api.crate_name.replace('-', "_"));
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
        };
        let expect_ok = !matches!(s.kind, SampleKind::Error(_));
        let check = |broken: bool| -> TokenStream {
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
        };
        let verbatim_name = format_ident!("{}__{}", prefix, stem.replace('-', "_"));
        let snap = format!("{prefix}__{stem}");
        let file = &s.file;
        let body = decode(file);
        let chk = check(s.is_broken());
        let d = doc(&format!("`{}`: {}", s.file, s.doc));
        tests.extend(quote! {
            #d
            #[test]
            fn #verbatim_name() {
                let outcome = #body;
                #chk
                insta::assert_snapshot!(#snap, outcome);
            }
        });
        if let Some(c) = &s.corrected {
            let name = format_ident!("{}__{}_corrected", prefix, stem.replace('-', "_"));
            let snap = format!("{prefix}__{stem}.corrected");
            let body = decode(c);
            let chk = check(false);
            let d = doc(&format!("`{c}`: corrected copy of `{}`.", s.file));
            tests.extend(quote! {
                #d
                #[test]
                fn #name() {
                    let outcome = #body;
                    #chk
                    insta::assert_snapshot!(#snap, outcome);
                }
            });
        }
    };
    for s in &suite.common.samples {
        gen(None, s);
    }
    for api in &suite.apis {
        for s in &api.samples {
            gen(Some(api), s);
        }
    }
    let tokens = quote! {
        //! Every documented sample listed by the spec, decoded with the generated crates and
        //! snapshotted. A broken printed sample snapshots the error it gives; its corrected
        //! copy snapshots the decoded value.
        #![allow(non_snake_case)]

        #tests
    };
    let mut f = render("tests/tests/samples.rs", "*.yaml", tokens)?;
    f.contents = f
        .contents
        .replace("api-spec/*.yaml", "api-spec/ (samples of every file)");
    Ok(f)
}
