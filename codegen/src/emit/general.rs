//! `crates/papi-core/src/general.rs`: the general error codes and the wire names shared by
//! every API of the suite.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::util::{code_lit, doc, ident, inner_doc, matches_any, render};
use crate::error::CodegenError;
use crate::ir::*;
use crate::GeneratedFile;

/// `crates/papi-core/src/general.rs`: the general error codes and shared wire names.
pub fn emit_general(c: &Common) -> Result<GeneratedFile, CodegenError> {
    let module_doc = inner_doc(&format!(
        "Facts shared by every API of the suite ({}): the general error codes and their\nenvelope, the common request parameters and the consent URL parameters.",
        c.suite
    ));
    let consts = shared_consts(c);
    let general_error = general_error(&c.errors);
    let tokens = quote! {
        #module_doc

        #consts

        #general_error
    };
    render("crates/papi-core/src/general.rs", "common.yaml", tokens)
}

/// The wire names shared by every API: the general error envelope, the common request
/// parameters, whether HTTPS is required, and the consent URL and pages.
fn shared_consts(c: &Common) -> TokenStream {
    let e = &c.envelope;
    let (root, code, detail, url) = (&e.root, &e.code, &e.detail, &e.url);
    let action = &c.action_param;
    let token = &c.token_param;
    let fams = &c.consent.family_params;
    let (sid, attrs, lead, ret) = (
        &c.consent.service_id,
        &c.consent.attributes,
        &c.consent.attributes_lead,
        &c.consent.return_url,
    );
    let (prod, int) = (&c.consent.production, &c.consent.integration);
    let others = &c.consent.other_hosts;
    let token_layout = match &c.token_layout {
        Some(t) => {
            let (sep, fields, expiry) = (&t.separator, &t.fields, &t.expiry_field);
            let d = doc(&t.doc);
            quote! {
                /// How the user token's fields are laid out, as third-party clients read it
                /// (see [`crate::UserToken::expires_at`]).
                ///
                #d
                pub const TOKEN_LAYOUT: Option<crate::api::TokenLayout> = Some(crate::api::TokenLayout {
                    separator: #sep,
                    fields: &[#(#fields),*],
                    expiry_field: #expiry,
                });
            }
        }
        None => quote! {
            /// How the user token's fields are laid out: not described by the sources.
            pub const TOKEN_LAYOUT: Option<crate::api::TokenLayout> = None;
        },
    };
    let env_doc = doc(&e.doc);
    let consent_doc = doc(&c.consent.doc);
    let https = c.https_required;
    let cred_doc = doc(&c.credentials_doc);
    quote! {
        /// Wire names of the general error document.
        ///
        #env_doc
        pub const GENERAL_ENVELOPE: crate::api::GeneralEnvelope = crate::api::GeneralEnvelope {
            root: #root,
            code: #code,
            detail: #detail,
            url: #url,
        };

        /// Query parameter naming the action of a call.
        pub const ACTION_PARAM: &str = #action;

        /// Query parameter carrying the user token.
        pub const TOKEN_PARAM: &str = #token;

        /// Whether the documents require the calling service to use HTTPS.
        ///
        #cred_doc
        pub const HTTPS_REQUIRED: bool = #https;

        /// Query parameters of the privacy consent URL.
        ///
        #consent_doc
        pub const CONSENT_URL: crate::api::ConsentUrlParams = crate::api::ConsentUrlParams {
            family: &[#(#fams),*],
            service_id: #sid,
            attributes: #attrs,
            attributes_lead: #lead,
            return_url: #ret,
        };

        /// The documented privacy page of production.
        pub const CONSENT_PAGE_PRODUCTION: &str = #prod;

        /// The documented privacy page of integration.
        pub const CONSENT_PAGE_INTEGRATION: &str = #int;

        /// Other hosts the documents show consent URLs on, their environment not stated:
        /// accepted for production and integration alike.
        pub const CONSENT_OTHER_HOSTS: &[&str] = &[#(#others),*];

        #token_layout
    }
}

/// The `GeneralError` enum of the general codes, with its lookups and `Display`.
fn general_error(errors: &[ErrorCode]) -> TokenStream {
    let variants = errors.iter().map(|x| {
        let v = ident(&x.variant);
        let d = doc(&format!(
            "`{}` {}: {}",
            x.code,
            x.wire.as_deref().unwrap_or(""),
            x.doc
        ));
        quote!(#d #v,)
    });
    let from_code = errors.iter().map(|x| {
        let v = ident(&x.variant);
        let n = code_lit(x.code);
        quote!(#n => Some(Self::#v),)
    });
    let code_arms = errors.iter().map(|x| {
        let v = ident(&x.variant);
        let a = Literal::i64_unsuffixed(-x.code);
        quote!(Self::#v => -#a,)
    });
    let wire_arms = errors.iter().map(|x| {
        let v = ident(&x.variant);
        let w = x.wire.clone().unwrap_or_default();
        quote!(Self::#v => #w,)
    });
    let advice_arms = errors.iter().map(|x| {
        let v = ident(&x.variant);
        let a = x.doc.split_whitespace().collect::<Vec<_>>().join(" ");
        quote!(Self::#v => #a,)
    });
    let retry_body = matches_any(errors.iter().filter(|x| x.retryable).map(|x| &x.variant));
    let consent_body = matches_any(errors.iter().filter(|x| x.consent).map(|x| &x.variant));
    quote! {
        /// The general error codes any API of the suite may answer.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum GeneralError {
            #(#variants)*
        }

        impl GeneralError {
            /// The variant for a general code, `None` if the code is not a general one.
            pub fn from_code(code: i64) -> Option<Self> {
                match code {
                    #(#from_code)*
                    _ => None,
                }
            }

            /// The numeric code on the wire.
            pub fn code(&self) -> i64 {
                match self {
                    #(#code_arms)*
                }
            }

            /// The `detail` text documented for this code.
            pub fn wire_name(&self) -> &'static str {
                match self {
                    #(#wire_arms)*
                }
            }

            /// What the calling service should do about it.
            pub fn advice(&self) -> &'static str {
                match self {
                    #(#advice_arms)*
                }
            }

            /// Whether the same call may succeed later (documented as an internal server error).
            pub fn is_retryable(&self) -> bool {
                #retry_body
            }

            /// Whether the error document carries a consent URL.
            pub fn carries_consent(&self) -> bool {
                #consent_body
            }
        }

        impl std::fmt::Display for GeneralError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} {}", self.code(), self.wire_name())
            }
        }
    }
}
