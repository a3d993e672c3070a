//! `src/client.rs` and `src/blocking.rs` of a generated crate: the async and the blocking
//! client, one method per action.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::crate_files::descriptor_ident;
use super::operation::{endpoint_variant, groups_note, operation_name, param_doc, param_types};
use super::types::response_ty;
use super::util::{doc, ident, inner_doc, source_note};
use crate::ir::*;

/// The client of the API: async (`client.rs`) or blocking (`blocking.rs`, feature
/// `blocking`). Both run the operations of `operation.rs` through one `call` method, so
/// they cannot differ in what they check, send or decode.
pub(super) fn emit_client(common: &Common, api: &Api, blocking: bool) -> TokenStream {
    let title = &api.title;
    let example = doc(&format!(
        "\n# Example\n\n{}",
        super::example::client(api, blocking)
    ));
    let struct_doc = doc(&if blocking {
        format!(
            "Blocking client of the {title} (feature `blocking`, on reqwest's blocking client): one\nmethod per action, with the same checks, requests, retries and answers as the async\n[`crate::Client`]. Build it once and reuse it. Do not call it from an async runtime's\nworker thread (use `spawn_blocking` there)."
        )
    } else {
        format!(
            "Async client of the {title}: one method per action. Build it once and reuse it; it\nkeeps the HTTP connection pool and the resolved endpoint."
        )
    });
    let _ = common;
    let struct_doc = quote! {
        #struct_doc
        #example
    };
    let transport_ty = if blocking {
        quote!(papi_core::blocking::Transport)
    } else {
        quote!(papi_core::Transport)
    };
    let methods = api.actions.iter().map(|a| emit_method(api, a, blocking));
    let call = emit_call(api, blocking);
    let moved: Vec<&Action> = api
        .actions
        .iter()
        .filter(|a| a.endpoint.is_some())
        .collect();
    let moved_fields = moved.iter().map(|a| {
        let f = format_ident!("{}_transport", a.rust);
        let d = doc(&format!(
            "Transport of `{}`, served on its own endpoint (or why it cannot be reached).",
            a.wire
        ));
        quote!(#d #f: Result<#transport_ty, papi_core::ConfigError>,)
    });
    let moved_init: Vec<TokenStream> = moved
        .iter()
        .map(|a| {
            let f = format_ident!("{}_transport", a.rust);
            let desc = descriptor_ident(a);
            quote!(#f: #transport_ty::new(config, &crate::#desc),)
        })
        .collect();
    let module_doc = inner_doc(if blocking {
        "The blocking client of this API (feature `blocking`)."
    } else {
        "The client of this API."
    });
    quote! {
        #module_doc

        #struct_doc
        #[derive(Debug, Clone)]
        pub struct Client {
            transport: #transport_ty,
            #(#moved_fields)*
        }

        impl Client {
            /// A client for the environment of `config`. Fails when the endpoint of that
            /// environment is undocumented (see the crate documentation); use a custom base
            /// URL or [`Client::with_endpoint`] then.
            pub fn new(config: &papi_core::Config) -> Result<Self, papi_core::ConfigError> {
                Ok(Self {
                    transport: #transport_ty::new(config, &crate::API)?,
                    #(#moved_init)*
                })
            }

            /// A client calling `endpoint` (the full URL of this API), whatever the
            /// environment of `config`.
            pub fn with_endpoint(config: &papi_core::Config, endpoint: &str) -> Result<Self, papi_core::ConfigError> {
                Ok(Self {
                    transport: #transport_ty::with_endpoint(config, &crate::API, endpoint)?,
                    #(#moved_init)*
                })
            }

            /// The endpoint this client calls.
            pub fn endpoint(&self) -> &papi_core::url::Url {
                self.transport.endpoint()
            }

            #call

            #(#methods)*
        }
    }
}

/// `Client::call`: runs any operation of the API on the endpoint that serves it.
fn emit_call(api: &Api, blocking: bool) -> TokenStream {
    let own: Vec<TokenStream> = api
        .actions
        .iter()
        .filter(|a| a.endpoint.is_some())
        .map(|a| {
            let v = endpoint_variant(a);
            let f = format_ident!("{}_transport", a.rust);
            quote! {
                crate::operation::Endpoint::#v => self.#f.as_ref().map_err(|e| papi_core::Error::Config(e.clone()))?,
            }
        })
        .collect();
    let transport = if own.is_empty() {
        quote!(let transport = &self.transport;)
    } else {
        quote! {
            let transport = match O::ENDPOINT {
                crate::operation::Endpoint::Api => &self.transport,
                #(#own)*
            };
        }
    };
    let (asyncness, awaited) = if blocking {
        (quote!(), quote!())
    } else {
        (quote!(async), quote!(.await))
    };
    let d = doc(&format!(
        "Runs `operation`: checks its parameters (nothing is sent when one is refused), sends \
         it with `token`, and decodes the answer. Every operation of the {} is in \
         [`crate::operation`]; the methods named after the actions are shorthands for this. \
         To change the timeout or the retry policy of one call, see [`Client::call_with`].\n\n\
         # Errors\n\n[`papi_core::Error::InvalidParam`] before anything is sent when a parameter \
         is invalid; otherwise the transport, API (general or [`ErrorCode`](crate::ErrorCode)) \
         or decode error.",
        api.title
    ));
    let d_with = doc(
        "[`Client::call`] with `options` in place of the configuration's settings for this \
         call only: a deadline for the whole call, a timeout per attempt, another retry policy \
         (see [`papi_core::CallOptions`]).\n\n\
         # Errors\n\nAs [`Client::call`]; a call cut by its deadline fails with a transport \
         error of kind [`Timeout`](papi_core::TransportErrorKind::Timeout).",
    );
    quote! {
        #d
        pub #asyncness fn call<O: crate::operation::Operation>(
            &self,
            token: &papi_core::UserToken,
            operation: O,
        ) -> crate::Result<<O as papi_core::Operation>::Output> {
            self.call_with(token, operation, papi_core::CallOptions::new()) #awaited
        }

        #d_with
        pub #asyncness fn call_with<O: crate::operation::Operation>(
            &self,
            token: &papi_core::UserToken,
            operation: O,
            options: papi_core::CallOptions,
        ) -> crate::Result<<O as papi_core::Operation>::Output> {
            papi_core::check::token(token)?;
            let request = papi_core::Operation::into_request(operation)?;
            #transport
            transport.call_with_options(request, token, &options, <O as papi_core::Operation>::decode) #awaited
        }
    }
}

/// The arguments of an action's named method (after the token), and the operation they
/// build.
fn method_args(a: &Action) -> (Vec<TokenStream>, TokenStream) {
    let op = operation_name(a);
    if a.has_input() {
        return (
            vec![quote!(operation: crate::operation::#op)],
            quote!(operation),
        );
    }
    let (args, pass): (Vec<TokenStream>, Vec<TokenStream>) = a
        .params
        .iter()
        .map(|p| {
            let f = ident(&p.rust);
            let (_, arg) = param_types(p);
            let pass = if p.list {
                quote!(#f.to_vec())
            } else {
                quote!(#f)
            };
            (quote!(#f: #arg), pass)
        })
        .unzip();
    (args, quote!(crate::operation::#op::new(#(#pass),*)))
}

fn action_doc(api: &Api, a: &Action) -> String {
    let mut text = format!("{}\n\nAction `{}`", a.doc, a.wire);
    text.push_str(match a.method {
        Method::Get => ", sent as an HTTP GET",
        Method::MultipartPost => ", sent as a multipart/form-data POST",
    });
    text.push_str(match a.effect {
        Effect::Read => "; reads user data (sent again on a passing failure when the configuration's\n[`papi_core::RetryPolicy`] allows).",
        Effect::Write => "; writes user data (never retried automatically).",
    });
    match (&api.privacy, &a.privacy_attribute) {
        (Ok(f), Some(attr)) => text.push_str(&format!(
            " Privacy: family `{}`, attribute `{attr}`{}.",
            f.family,
            a.privacy_source
                .as_ref()
                .map(|s| format!(" (source: `{s}`)"))
                .unwrap_or_default()
        )),
        (Ok(f), None) => text.push_str(&format!(
            " Privacy: family `{}`; the attribute is undocumented.",
            f.family
        )),
        (Err(_), _) => text.push_str(" Privacy: family undocumented."),
    }
    text.push_str(&format!(" {}", source_note(&a.source)));
    if let (Some(_), Some(ty)) = (&a.response.picture, &a.response.ty) {
        text.push_str(&format!(
            "\n\n[`{ty}::picture`](crate::types::{ty}::picture) on the answer gives the decoded bytes and\nthe image type."
        ));
    }
    if let Some(e) = &a.endpoint {
        text.push_str(&format!(
            "\n\nServed on its own endpoint, `{}` under a custom base ([`crate::{}`]); the call fails\nwith [`papi_core::Error::Config`] where that endpoint is undocumented.",
            e.path,
            descriptor_ident(a)
        ));
    }
    if !a.has_input() && !a.params.is_empty() {
        text.push_str("\n\n# Parameters\n");
        for p in &a.params {
            text.push_str(&format!(
                "\n- `{}`: {}",
                p.rust,
                param_doc(p)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
    }
    text.push_str(&groups_note(a));
    text.push_str("\n\n# Errors\n\n[`papi_core::Error::InvalidParam`] before anything is sent when a parameter is invalid;\notherwise the transport, API (general or [`ErrorCode`](crate::ErrorCode)) or decode error.");
    if !a.defects.is_empty() {
        text.push_str("\n\n# Defects of the documents\n");
        for d in &a.defects {
            text.push_str(&format!("\n- {d}"));
        }
    }
    text
}

/// The method of an action on the async or the blocking client: a shorthand for `call`.
fn emit_method(api: &Api, a: &Action, blocking: bool) -> TokenStream {
    let name = ident(&a.rust);
    let d = doc(&action_doc(api, a));
    let ty = response_ty(a);
    let (args, operation) = method_args(a);
    let (asyncness, awaited) = if blocking {
        (quote!(), quote!())
    } else {
        (quote!(async), quote!(.await))
    };
    quote! {
        #d
        pub #asyncness fn #name(&self, token: &papi_core::UserToken, #(#args),*) -> crate::Result<#ty> {
            self.call(token, #operation) #awaited
        }
    }
}
