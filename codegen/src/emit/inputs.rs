//! `src/input.rs` of a generated crate: the input structs (builders) of the actions that
//! take optional parameters.

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::util::{doc, ident, source_note};
use crate::ir::*;

/// Rust type of a parameter: (owned type used in inputs, argument type for positional use).
pub(super) fn param_types(p: &Param) -> (TokenStream, TokenStream) {
    let base = match &p.ty {
        ParamTy::String => quote!(String),
        ParamTy::Integer => quote!(i64),
        ParamTy::Date => quote!(papi_core::chrono::NaiveDate),
        ParamTy::File => quote!(papi_core::Upload),
        ParamTy::Enum(n) => {
            let i = ident(n);
            quote!(crate::types::#i)
        }
    };
    if p.list {
        (quote!(Vec<#base>), quote!(&[#base]))
    } else if p.ty == ParamTy::String {
        (base, quote!(&str))
    } else {
        (base.clone(), base)
    }
}

pub(super) fn param_doc(p: &Param) -> String {
    let mut text = p.doc.clone();
    text.push_str(&format!("\n\nSent as `{}`", p.wire));
    if p.list {
        text.push_str(" (comma-separated)");
    }
    text.push('.');
    if p.mandatory_unknown {
        text.push_str(" Undocumented whether it is mandatory: sent only when set.");
    }
    if let Some(s) = &p.source {
        text.push(' ');
        text.push_str(&source_note(s));
    }
    if !p.forbid_chars.is_empty() {
        text.push_str(&format!(
            " Refused before sending if it contains {}.",
            p.forbid_chars
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    text
}

pub(super) fn input_name(a: &Action) -> Ident {
    format_ident!("{}Input", a.rust.to_upper_camel_case())
}

/// `src/input.rs`: the input struct of every action that has one.
pub(super) fn emit_inputs(api: &Api) -> TokenStream {
    let items = api.actions.iter().filter(|a| a.has_input()).map(emit_input);
    quote! {
        //! Inputs of the actions that take optional parameters.

        #(#items)*
    }
}

/// The input struct of action `a`: its parameters, `new` taking the required ones, and a
/// builder method per optional one.
fn emit_input(a: &Action) -> TokenStream {
    let name = input_name(a);
    let method = &a.rust;
    let mut text = format!(
        "Input of [`Client::{method}`](crate::Client::{method}): required parameters go to\n[`{name}::new`], optional ones are set with the builder methods."
    );
    for g in &a.groups {
        text.push_str(&format!(
            "\n\nAt least one of {} must be set; this is checked before anything is sent.",
            g.iter()
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let d = doc(&text);
    let required: Vec<&Param> = a.params.iter().filter(|p| p.required).collect();
    let fields = a.params.iter().map(|p| {
        let f = ident(&p.rust);
        let (owned, _) = param_types(p);
        let d = doc(&param_doc(p));
        if p.required {
            quote!(#d pub #f: #owned,)
        } else {
            quote!(#d pub #f: Option<#owned>,)
        }
    });
    let new_args = required.iter().map(|p| {
        let f = ident(&p.rust);
        let (owned, _) = param_types(p);
        if p.ty == ParamTy::String {
            quote!(#f: impl Into<String>)
        } else {
            quote!(#f: #owned)
        }
    });
    let new_fields = a.params.iter().map(|p| {
        let f = ident(&p.rust);
        if p.required {
            if p.ty == ParamTy::String {
                quote!(#f: #f.into(),)
            } else {
                quote!(#f,)
            }
        } else {
            quote!(#f: None,)
        }
    });
    let setters = a.params.iter().filter(|p| !p.required).map(|p| {
        let f = ident(&p.rust);
        let (owned, _) = param_types(p);
        let d = doc(&format!("Set `{}`: {}", p.wire, p.doc));
        if p.ty == ParamTy::String {
            quote! {
                #d
                pub fn #f(mut self, value: impl Into<String>) -> Self {
                    self.#f = Some(value.into());
                    self
                }
            }
        } else {
            quote! {
                #d
                pub fn #f(mut self, value: #owned) -> Self {
                    self.#f = Some(value);
                    self
                }
            }
        }
    });
    let derive_default = if required.is_empty() {
        quote!(#[derive(Debug, Clone, PartialEq, Default)])
    } else {
        quote!(#[derive(Debug, Clone, PartialEq)])
    };
    quote! {
        #d
        #derive_default
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            /// A new input with the required parameters; optional ones unset.
            pub fn new(#(#new_args),*) -> Self {
                Self {
                    #(#new_fields)*
                }
            }

            #(#setters)*
        }
    }
}
