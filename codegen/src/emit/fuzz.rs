//! `fuzz/src/generated.rs`: every generated response decoder in one table, for the decoder
//! fuzz target.

use quote::quote;

use super::util::{crate_ident, ident, render_suite};
use crate::error::CodegenError;
use crate::ir::*;
use crate::GeneratedFile;

/// Every generated response decoder, in the order of the fuzzing dispatch table
/// (`fuzz/src/generated.rs`): `(API, action)` for each action of each client API. The
/// xtask seeds the decoder fuzz target in this same order.
pub fn fuzz_decoders(suite: &Suite) -> Vec<(&Api, &Action)> {
    suite
        .apis
        .iter()
        .filter(|a| a.is_client())
        .flat_map(|api| api.actions.iter().map(move |a| (api, a)))
        .collect()
}

/// `fuzz/src/generated.rs`: every generated response decoder in one table, for the
/// generic decoder fuzz target (the first input byte picks the entry).
pub fn emit_fuzz(suite: &Suite) -> Result<GeneratedFile, CodegenError> {
    let mut entries = Vec::new();
    for (api, a) in fuzz_decoders(suite) {
        let krate = crate_ident(api);
        let f = ident(&a.rust);
        let name = format!("{}/{}", api.id, a.wire);
        entries.push(quote! {
            (#name, |status, body| match #krate::decode::#f(status, body) {
                Ok(value) => format!("{value:?}"),
                Err(e) => format!("{e} {e:?}"),
            })
        });
    }
    let tokens = quote! {
        //! Every generated response decoder, for the generic decoder fuzz target.

        /// Runs one action's generated decoder on an answer (HTTP status, body) and renders
        /// the outcome: the value's `Debug`, or the error's `Display` and `Debug`.
        pub type Decoder = fn(u16, &[u8]) -> String;

        /// `("<api>/<action wire name>", decoder)` for every action of every client API.
        pub static DECODERS: &[(&str, Decoder)] = &[#(#entries),*];
    };
    render_suite("fuzz/src/generated.rs", "every API file", tokens)
}
