//! `crates/papi-cli/src/generated.rs`: the table decoding any action's answer into JSON.

use quote::quote;

use super::sandbox::action_id;
use super::util::{crate_ident, ident, render_suite};
use crate::error::CodegenError;
use crate::ir::*;
use crate::GeneratedFile;

/// `crates/papi-cli/src/generated.rs`: decoding any action's answer into JSON, for
/// `papi call`.
pub fn emit_cli(suite: &Suite) -> Result<GeneratedFile, CodegenError> {
    let mut arms = Vec::new();
    for api in suite.apis.iter().filter(|a| a.is_client()) {
        let krate = crate_ident(api);
        for a in &api.actions {
            let variant = action_id(api, a);
            let f = ident(&a.rust);
            arms.push(quote! {
                ActionId::#variant => match #krate::decode::#f(status, body) {
                    Ok(value) => serde_json::to_value(&value).map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                },
            });
        }
    }
    let tokens = quote! {
        //! Decoding of any action's answer into JSON (for `papi call`), generated from the spec.

        use papi_sandbox::generated::ActionId;

        /// Decodes an answer of `action` with its generated decoder and renders it as JSON;
        /// the error's text otherwise (never the token: errors redact it).
        pub fn decode_json(action: ActionId, status: u16, body: &[u8]) -> Result<serde_json::Value, String> {
            match action {
                #(#arms)*
            }
        }
    };
    render_suite("crates/papi-cli/src/generated.rs", "every API file", tokens)
}
