//! `src/error.rs` of a generated crate: the API's own `ErrorCode` and its `Error` and
//! `Result` aliases.

use proc_macro2::TokenStream;
use quote::quote;

use super::util::{code_lit, doc, ident, matches_any, source_note};
use crate::ir::*;

/// The `ErrorCode` enum of the API's own codes, with its lookups, and the `Error` and
/// `Result` aliases.
pub(super) fn emit_error(api: &Api) -> TokenStream {
    let title = &api.title;
    let enum_doc = doc(&format!(
        "Error codes specific to the {title}. Codes the spec does not list are kept in\n[`ErrorCode::Unknown`]; the general codes `-1`..`-10` are [`papi_core::GeneralError`]."
    ));
    let variants = api.errors.iter().map(variant);
    let to = api.errors.iter().map(|e| {
        let v = ident(&e.variant);
        let n = code_lit(e.code);
        quote!(Self::#v => #n,)
    });
    let descr = api.errors.iter().map(|e| {
        let v = ident(&e.variant);
        let d = e.doc.split_whitespace().collect::<Vec<_>>().join(" ");
        quote!(Self::#v => #d,)
    });
    let from_body = from_code_body(&api.errors);
    let retry_body = matches_any(
        api.errors
            .iter()
            .filter(|e| e.retryable)
            .map(|e| &e.variant),
    );
    quote! {
        //! Errors of this API: the runtime's [`papi_core::Error`] with this API's codes.

        #enum_doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #(#variants)*
            /// A code the spec does not list, kept as received.
            Unknown(i64),
        }

        impl ErrorCode {
            /// What the code means, in the spec's words.
            pub fn description(&self) -> &'static str {
                match self {
                    #(#descr)*
                    Self::Unknown(_) => "a code the spec does not list",
                }
            }
        }

        impl papi_core::ApiCode for ErrorCode {
            fn from_code(code: i64) -> Self {
                #from_body
            }

            fn code(&self) -> i64 {
                match self {
                    #(#to)*
                    Self::Unknown(code) => *code,
                }
            }

            fn is_retryable(&self) -> bool {
                #retry_body
            }
        }

        impl std::fmt::Display for ErrorCode {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} {}", papi_core::ApiCode::code(self), self.description())
            }
        }

        /// Any failure of a call to this API.
        pub type Error = papi_core::Error<ErrorCode>;

        /// Result of a call to this API.
        pub type Result<T, E = Error> = std::result::Result<T, E>;
    }
}

/// A variant of `ErrorCode`, documented with its code, wire text, meaning, printed message
/// and source.
fn variant(e: &ErrorCode) -> TokenStream {
    let v = ident(&e.variant);
    let mut text = format!("`{}`", e.code);
    if let Some(w) = &e.wire {
        if w != &e.code.to_string() {
            text.push_str(&format!(" ({w})"));
        }
    }
    text.push_str(&format!(": {}", e.doc));
    if let Some(m) = &e.message {
        text.push_str(&format!("\n\nMessage printed by the documents: \"{m}\"."));
    }
    text.push_str(&format!("\n\n{}", source_note(&e.source)));
    let d = doc(&text);
    quote!(#d #v,)
}

/// The body of `ApiCode::from_code`: the listed codes, anything else kept as `Unknown`.
fn from_code_body(errors: &[ErrorCode]) -> TokenStream {
    if errors.is_empty() {
        return quote!(Self::Unknown(code));
    }
    let from = errors.iter().map(|e| {
        let v = ident(&e.variant);
        let n = code_lit(e.code);
        quote!(#n => Self::#v,)
    });
    quote! {
        match code {
            #(#from)*
            other => Self::Unknown(other),
        }
    }
}
