//! `src/requests.rs` of a generated crate: per action, the checks made before sending and
//! the request, shared by the async and the blocking client.

use proc_macro2::TokenStream;
use quote::quote;

use super::inputs::{input_name, param_types};
use super::util::{doc, ident};
use crate::ir::*;

/// Statements that validate one parameter and add it to `request`. `accessor` reads the
/// parameter: a method argument, or a field of the method's input struct.
fn param_stmts(p: &Param, accessor: &TokenStream, from_input: bool) -> TokenStream {
    let wire = &p.wire;
    // `v` is an expression of the parameter's value: `&str` for strings, the value or a
    // reference to it otherwise.
    let body = |v: TokenStream| -> TokenStream {
        match &p.ty {
            ParamTy::String => {
                let forbid = if p.forbid_chars.is_empty() {
                    quote!()
                } else {
                    let chars = &p.forbid_chars;
                    quote!(papi_core::check::forbid_chars(#wire, #v, &[#(#chars),*])?;)
                };
                let send = if p.quote_if_complex {
                    quote!(request.param(#wire, papi_core::check::quote_if_complex(#v));)
                } else {
                    quote!(request.param(#wire, #v);)
                };
                quote! {
                    papi_core::check::not_empty(#wire, #v)?;
                    #forbid
                    #send
                }
            }
            ParamTy::Integer => quote!(request.param(#wire, #v.to_string());),
            ParamTy::Date => quote!(request.param(#wire, #v.format("%Y-%m-%d").to_string());),
            ParamTy::File => {
                let formats = p.accepted_formats.iter().map(|f| ident(f));
                quote! {
                    papi_core::check::image_upload(#wire, &#v, &[#(papi_core::ImageType::#formats),*])?;
                    request.file(#wire, #v);
                }
            }
            ParamTy::Enum(n) => {
                let e = ident(n);
                if p.list {
                    quote! {
                        papi_core::check::non_empty_list(#wire, #v.len())?;
                        for item in #v.iter() {
                            papi_core::check::known_enum(#wire, item.wire(), item.is_known(), crate::types::#e::WIRE_VALUES)?;
                        }
                        request.param(#wire, #v.iter().map(|item| item.wire()).collect::<Vec<_>>().join(","));
                    }
                } else {
                    quote! {
                        papi_core::check::known_enum(#wire, #v.wire(), #v.is_known(), crate::types::#e::WIRE_VALUES)?;
                        request.param(#wire, #v.wire());
                    }
                }
            }
        }
    };
    if p.required {
        let v = if p.ty == ParamTy::String && from_input {
            quote!(#accessor.as_str())
        } else {
            quote!(#accessor)
        };
        body(v)
    } else {
        let v = if p.ty == ParamTy::String {
            quote!(value.as_str())
        } else {
            quote!(value)
        };
        let b = body(v);
        quote! {
            if let Some(value) = &#accessor {
                #b
            }
        }
    }
}

/// `requests.rs`: per action, the checks and the request, shared by both clients.
pub(super) fn emit_requests(api: &Api) -> TokenStream {
    let fns = api.actions.iter().map(emit_request_fn);
    quote! {
        //! The request of each action, with every check made before sending; shared by the
        //! async and the blocking client.

        #(#fns)*
    }
}

/// The arguments of an action's method (after the token), and the expressions that pass
/// them on to its request function.
pub(super) fn method_args(a: &Action) -> (Vec<TokenStream>, Vec<TokenStream>) {
    if a.has_input() {
        let input = input_name(a);
        (
            vec![quote!(input: crate::input::#input)],
            vec![quote!(input)],
        )
    } else {
        a.params
            .iter()
            .map(|p| {
                let f = ident(&p.rust);
                let (_, arg) = param_types(p);
                (quote!(#f: #arg), quote!(#f))
            })
            .unzip()
    }
}

/// `requests::<action>`: the checks made before sending, then the request.
fn emit_request_fn(a: &Action) -> TokenStream {
    let name = ident(&a.rust);
    let wire = &a.wire;
    let with_input = a.has_input();
    let accessor = |p: &Param| -> TokenStream {
        let f = ident(&p.rust);
        if with_input {
            quote!(input.#f)
        } else {
            quote!(#f)
        }
    };
    let (args, _) = method_args(a);
    let mut checks = TokenStream::new();
    let mut pair_checks = TokenStream::new();
    for g in &a.groups {
        let present = g.iter().map(|w| {
            let p = a.params.iter().find(|p| &p.wire == w).expect("validated");
            let acc = accessor(p);
            quote!(#acc.is_some())
        });
        checks.extend(quote!(papi_core::check::at_least_one_of(&[#(#g),*], &[#(#present),*])?;));
    }
    for p in &a.params {
        if let Some((other, pairs)) = &p.pairs {
            let o = a
                .params
                .iter()
                .find(|x| &x.wire == other)
                .expect("validated");
            let this = accessor(p);
            let that = accessor(o);
            let pw = &p.wire;
            // `allowed_pair` takes (this value, other value) rows; the IR holds (other, this).
            let rows = pairs.iter().map(|(w, v)| quote!((#v, #w)));
            pair_checks.extend(quote! {
                papi_core::check::allowed_pair(#pw, #this.wire(), #other, #that.wire(), &[#(#rows),*])?;
            });
        }
    }
    let stmts = a
        .params
        .iter()
        .map(|p| param_stmts(p, &accessor(p), with_input));
    let effect = match a.effect {
        Effect::Read => quote!(papi_core::Effect::Read),
        Effect::Write => quote!(papi_core::Effect::Write),
    };
    let mut_kw = if a.params.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    let d = doc(&format!(
        "The `{wire}` request, after the checks of [`crate::Client::{}`].",
        a.rust
    ));
    quote! {
        #d
        pub(crate) fn #name(token: &papi_core::UserToken, #(#args),*) -> crate::Result<papi_core::Request> {
            papi_core::check::token(token)?;
            #checks
            let #mut_kw request = papi_core::Request::with_effect(#wire, #effect);
            #(#stmts)*
            #pair_checks
            Ok(request)
        }
    }
}
