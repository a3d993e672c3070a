//! `src/encode.rs` of a generated crate: the encoder of each action's successful answer
//! and of the API's error document.

use proc_macro2::TokenStream;
use quote::quote;

use super::crate_files::descriptor_ident;
use super::types::encoded_ty;
use super::util::{doc, ident};
use crate::ir::*;

pub(super) fn emit_encode(api: &Api) -> TokenStream {
    let fns = api.actions.iter().filter_map(|a| {
        let name = ident(&a.rust);
        let ty = encoded_ty(a)?;
        let desc = descriptor_ident(a);
        Some(match &a.response.inferred {
            Some(inf) if a.response.ty.is_none() => {
                let root = &inf.root;
                let d = doc(&format!(
                    "Encode an answer to `{}` in its inferred shape, a `<{root}>` document (what a server\nsends; the inverse of the typed case of [`crate::decode::{}`]). The shape is an\ninference (source: `{}`), not documented.",
                    a.wire, a.rust, inf.source
                ));
                quote! {
                    #d
                    pub fn #name(value: &#ty) -> Result<String, papi_core::encode::EncodeError> {
                        papi_core::encode::document(#root, value)
                    }
                }
            }
            _ => {
                let d = doc(&format!(
                    "Encode a successful answer to `{}` in this API's envelope (what a server sends;\nthe inverse of [`crate::decode::{}`]).",
                    a.wire, a.rust
                ));
                quote! {
                    #d
                    pub fn #name(value: &#ty) -> Result<String, papi_core::encode::EncodeError> {
                        papi_core::encode::response(&crate::#desc, crate::decode::paths::#name, value)
                    }
                }
            }
        })
    });
    quote! {
        //! Encoders of this API's answers, for servers that speak the protocol (the sandbox)
        //! and round-trip tests.

        #(#fns)*

        /// Encode an error document of this API (its own envelope, or the general one).
        pub fn error(code: i64, detail: &str, subtype: Option<&str>) -> Result<String, papi_core::encode::EncodeError> {
            papi_core::encode::api_error(&crate::API, code, detail, subtype)
        }
    }
}
