//! `src/encode.rs` of a generated crate: the encoder of each action's successful answer
//! and of the API's error document.

use proc_macro2::TokenStream;
use quote::quote;

use super::crate_files::descriptor_ident;
use super::types::response_ty;
use super::util::{doc, ident};
use crate::ir::*;

pub(super) fn emit_encode(api: &Api) -> TokenStream {
    let fns = api.actions.iter().filter(|a| a.response.ty.is_some()).map(|a| {
        let name = ident(&a.rust);
        let ty = response_ty(a);
        let desc = descriptor_ident(a);
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
