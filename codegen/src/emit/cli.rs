//! `crates/papi-cli/src/generated.rs`: every operation of every client API, for `papi
//! call`: the table of API ids and actions, and the dispatch from an (API, action) pair to
//! the operation that reads, checks, sends and decodes it.

use quote::quote;

use super::operation::operation_name;
use super::util::{crate_ident, render_suite};
use crate::error::CodegenError;
use crate::ir::*;
use crate::GeneratedFile;

/// `crates/papi-cli/src/generated.rs`.
pub fn emit_cli(suite: &Suite) -> Result<GeneratedFile, CodegenError> {
    let apis: Vec<&Api> = suite.apis.iter().filter(|a| a.is_client()).collect();
    let table = apis.iter().map(|api| {
        let id = &api.id;
        let actions = api.actions.iter().map(|a| &a.wire);
        quote!((#id, &[#(#actions),*]),)
    });
    let mut arms = Vec::new();
    for api in &apis {
        let krate = crate_ident(api);
        let id = &api.id;
        for a in &api.actions {
            let wire = &a.wire;
            let op = operation_name(a);
            arms.push(quote! {
                (#id, #wire) => Some(call.run::<#krate::operation::#op>().await),
            });
        }
    }
    let tokens = quote! {
        //! Every operation of every client API, for `papi call`, generated from the spec.

        /// Each client API's id and its actions' wire names, in the spec's order.
        pub const APIS: &[(&str, &[&str])] = &[#(#table)*];

        /// Runs `action` of `api` through its operation: `None` when the pair is unknown.
        pub async fn dispatch(
            api: &str,
            action: &str,
            call: crate::runner::Call,
        ) -> Option<Result<serde_json::Value, crate::runner::CallError>> {
            match (api, action) {
                #(#arms)*
                _ => None,
            }
        }
    };
    render_suite("crates/papi-cli/src/generated.rs", "every API file", tokens)
}
