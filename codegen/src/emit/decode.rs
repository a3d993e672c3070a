//! `src/decode.rs` of a generated crate: the decoder of each action's answer.

use proc_macro2::TokenStream;
use quote::quote;

use super::crate_files::descriptor_ident;
use super::types::response_ty;
use super::util::{doc, ident};
use crate::ir::*;

pub(super) fn emit_decode(api: &Api) -> TokenStream {
    let fns = api.actions.iter().map(|a| {
        let name = ident(&a.rust);
        let ty = response_ty(a);
        match (&a.response.ty, &api.envelope, &a.response.inferred) {
            (Some(t), Some(env), _) => {
                let d = doc(&format!(
                    "Decode an answer to `{}` (HTTP status and body as received): the {t} at\n`{}/{}`, or the error the body reports.",
                    a.wire,
                    env.root(),
                    a.response.path.join("/")
                ));
                let desc = descriptor_ident(a);
                quote! {
                    #d
                    pub fn #name(status: u16, body: &[u8]) -> crate::Result<#ty> {
                        papi_core::decode::response(&crate::#desc, paths::#name, status, body)
                    }
                }
            }
            (None, _, Some(inf)) => {
                let d = doc(&format!(
                    "Check an answer to `{}`: undocumented: {} An inferred shape is decoded: a\n`<{}>` document as the {} (an inference, source: `{}`); an error document\nis the error it reports; any other answer is returned as received.",
                    a.wire,
                    a.response.unknown.as_deref().unwrap_or("its shape is unknown."),
                    inf.root,
                    inf.ty,
                    inf.source
                ));
                let desc = descriptor_ident(a);
                let root = &inf.root;
                let t = ident(&inf.ty);
                quote! {
                    #d
                    pub fn #name(status: u16, body: &[u8]) -> crate::Result<#ty> {
                        papi_core::decode::inferred::<crate::types::#t, _>(&crate::#desc, #root, status, body)
                    }
                }
            }
            _ => {
                let d = doc(&format!(
                    "Check an answer to `{}`: undocumented: {} The body is returned as received\nunless it is an error document.",
                    a.wire,
                    a.response.unknown.as_deref().unwrap_or("its shape is unknown.")
                ));
                let desc = descriptor_ident(a);
                quote! {
                    #d
                    pub fn #name(status: u16, body: &[u8]) -> crate::Result<#ty> {
                        papi_core::decode::undecoded(&crate::#desc, status, body)
                    }
                }
            }
        }
    });
    let paths = api
        .actions
        .iter()
        .filter(|a| a.response.ty.is_some())
        .map(|a| {
            let name = ident(&a.rust);
            let p = &a.response.path;
            quote! {
                #[allow(non_upper_case_globals)]
                pub(crate) const #name: &[&str] = &[#(#p),*];
            }
        });
    quote! {
        //! Decoders of this API's answers, usable without a client (recorded answers, tests).

        #(#fns)*

        /// Element paths, from the envelope root, of each action's answer.
        pub(crate) mod paths {
            #(#paths)*
        }
    }
}
