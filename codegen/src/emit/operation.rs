//! `src/operation.rs` of a generated crate: one operation type per action, implementing
//! `papi_core::Operation`: its parameters (required ones in `new`, optional ones by
//! setters), its wire facts, and the one implementation of its checks, of writing the
//! request, of reading the parameters from the wire, and of decoding the answer.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::crate_files::descriptor_ident;
use super::types::response_ty;
use super::util::{doc, ident, source_note};
use crate::ir::*;

/// Rust type of a parameter: (owned type held by the operation, argument type of the
/// client's positional method).
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

/// The documentation of a parameter: the spec's text, its wire name and its checks.
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

pub(super) use super::util::operation_name;

/// The variant of `Endpoint` that serves `a`: `Api`, or the action's own.
pub(super) fn endpoint_variant(a: &Action) -> Ident {
    match &a.endpoint {
        None => format_ident!("Api"),
        Some(_) => operation_name(a),
    }
}

/// `src/operation.rs`: the crate's operation trait and one operation per action.
pub(super) fn emit_operations(api: &Api) -> TokenStream {
    let own = api
        .actions
        .iter()
        .filter(|a| a.endpoint.is_some())
        .map(|a| {
            let v = operation_name(a);
            let d = doc(&format!(
                "The own endpoint of `{}` ([`crate::{}`]).",
                a.wire,
                descriptor_ident(a)
            ));
            quote!(#d #v,)
        });
    let ops = api.actions.iter().map(|a| emit_operation(api, a));
    let title = &api.title;
    let trait_doc = doc(&format!(
        "An operation of the {title}: what [`Client::call`](crate::Client::call) runs. Sealed: \
         the operations are the ones this module defines."
    ));
    quote! {
        //! One operation per action: its parameters, checks, request, wire reader and
        //! decoder, shared by the async and the blocking client (and by any program that
        //! reads calls from the wire).

        /// The endpoints a client of this API calls.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Endpoint {
            /// The API's endpoint ([`crate::API`]).
            Api,
            #(#own)*
        }

        mod sealed {
            /// Only this module's operations are operations of this API.
            pub trait Sealed {}
        }

        #trait_doc
        pub trait Operation: papi_core::Operation<Code = crate::ErrorCode> + sealed::Sealed {
            /// The endpoint that serves it.
            const ENDPOINT: Endpoint;
        }

        #(#ops)*
    }
}

/// The struct of an action's operation, its constructor and setters, and its impls.
fn emit_operation(api: &Api, a: &Action) -> TokenStream {
    let name = operation_name(a);
    let d = doc(&operation_doc(api, a));
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
    let derive = if a.params.iter().any(|p| p.required) {
        quote!(#[derive(Debug, Clone, PartialEq)])
    } else {
        quote!(#[derive(Debug, Clone, PartialEq, Default)])
    };
    let constructor = emit_constructor(a);
    let checks = emit_checks(a);
    let trait_impl = emit_trait_impl(api, a);
    let endpoint = endpoint_variant(a);
    quote! {
        #d
        #derive
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            #constructor

            /// Every check [`Client::call`](crate::Client::call) makes before sending, in
            /// the order the errors are reported: at-least-one-of groups, each parameter,
            /// allowed pairs. Call it to check a user's input early; nothing is sent.
            ///
            /// # Errors
            ///
            /// The first [`papi_core::ParamError`], naming the parameter.
            pub fn validate(&self) -> Result<(), papi_core::ParamError> {
                #checks
                Ok(())
            }
        }

        impl sealed::Sealed for #name {}

        impl Operation for #name {
            const ENDPOINT: Endpoint = Endpoint::#endpoint;
        }

        #trait_impl
    }
}

fn operation_doc(api: &Api, a: &Action) -> String {
    let rust = &a.rust;
    let mut text = format!(
        "{}\n\nThe operation of action `{}`: run it with [`Client::call`](crate::Client::call) \
         (or [`Client::{rust}`](crate::Client::{rust})). Required parameters go to `new`, \
         optional ones are set with the methods of their name; every check is made before \
         anything is sent.",
        a.doc, a.wire
    );
    text.push_str(&groups_note(a));
    text.push_str("\n\n# Example\n\n");
    text.push_str(&super::example::operation_struct(api, a));
    text
}

/// "At least one of `a`, `b` must be set." for each at-least-one-of group of `a`.
pub(super) fn groups_note(a: &Action) -> String {
    a.groups
        .iter()
        .map(|g| {
            let names: Vec<String> = g.iter().map(|w| format!("`{w}`")).collect();
            format!("\n\nAt least one of {} must be set.", names.join(", "))
        })
        .collect()
}

/// `new` taking the required parameters, and a setter per optional one.
fn emit_constructor(a: &Action) -> TokenStream {
    let required: Vec<&Param> = a.params.iter().filter(|p| p.required).collect();
    let new_args = required.iter().map(|p| {
        let f = ident(&p.rust);
        let (owned, _) = param_types(p);
        if p.ty == ParamTy::String && !p.list {
            quote!(#f: impl Into<String>)
        } else {
            quote!(#f: #owned)
        }
    });
    let new_fields = a.params.iter().map(|p| {
        let f = ident(&p.rust);
        match (p.required, p.ty == ParamTy::String && !p.list) {
            (true, true) => quote!(#f: #f.into(),),
            (true, false) => quote!(#f,),
            (false, _) => quote!(#f: None,),
        }
    });
    let setters = a.params.iter().filter(|p| !p.required).map(|p| {
        let f = ident(&p.rust);
        let (owned, _) = param_types(p);
        let d = doc(&format!("Sets `{}`: {}", p.wire, p.doc));
        if p.ty == ParamTy::String && !p.list {
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
    quote! {
        /// The operation with its required parameters; optional ones unset.
        pub fn new(#(#new_args),*) -> Self {
            Self {
                #(#new_fields)*
            }
        }

        #(#setters)*
    }
}

/// The checks of `validate`, on `self`.
fn emit_checks(a: &Action) -> TokenStream {
    let mut out = TokenStream::new();
    for g in &a.groups {
        let present = g.iter().map(|w| {
            let p = a.params.iter().find(|p| &p.wire == w).expect("validated");
            let f = ident(&p.rust);
            quote!(self.#f.is_some())
        });
        out.extend(quote!(papi_core::check::at_least_one_of(&[#(#g),*], &[#(#present),*])?;));
    }
    for p in &a.params {
        let f = ident(&p.rust);
        if p.required {
            out.extend(value_check(p, quote!(self.#f), quote!(&self.#f)));
        } else {
            let check = value_check(p, quote!(value), quote!(value));
            if !check.is_empty() {
                out.extend(quote!(if let Some(value) = &self.#f { #check }));
            }
        }
    }
    for p in &a.params {
        if let Some((other, pairs)) = &p.pairs {
            let o = a
                .params
                .iter()
                .find(|x| &x.wire == other)
                .expect("validated");
            let (this, that) = (ident(&p.rust), ident(&o.rust));
            let pw = &p.wire;
            // `allowed_pair` takes (this value, other value) rows; the IR holds (other, this).
            let rows = pairs.iter().map(|(w, v)| quote!((#v, #w)));
            out.extend(quote! {
                papi_core::check::allowed_pair(#pw, self.#this.wire(), #other, self.#that.wire(), &[#(#rows),*])?;
            });
        }
    }
    out
}

/// The checks of one value: `v` names it for method calls, `r` is a reference to it; empty
/// when its type needs none.
fn value_check(p: &Param, v: TokenStream, r: TokenStream) -> TokenStream {
    let wire = &p.wire;
    match &p.ty {
        ParamTy::String => {
            let forbid = if p.forbid_chars.is_empty() {
                quote!()
            } else {
                let chars = &p.forbid_chars;
                quote!(papi_core::check::forbid_chars(#wire, #r, &[#(#chars),*])?;)
            };
            quote! {
                papi_core::check::not_empty(#wire, #r)?;
                papi_core::check::xml_text(#wire, #r)?;
                #forbid
            }
        }
        ParamTy::Integer | ParamTy::Date => quote!(),
        ParamTy::File => {
            let formats = p.accepted_formats.iter().map(|f| ident(f));
            quote!(papi_core::check::image_upload(#wire, #r, &[#(papi_core::ImageType::#formats),*])?;)
        }
        ParamTy::Enum(n) => {
            let e = ident(n);
            if p.list {
                quote! {
                    papi_core::check::non_empty_list(#wire, #v.len())?;
                    for item in #v.iter() {
                        papi_core::check::known_enum(#wire, item.wire(), item.is_known(), crate::types::#e::WIRE_VALUES)?;
                    }
                }
            } else {
                quote!(papi_core::check::known_enum(#wire, #v.wire(), #v.is_known(), crate::types::#e::WIRE_VALUES)?;)
            }
        }
    }
}

/// Adds the value `v` (owned) of parameter `p` to `request`.
fn write_value(p: &Param, v: TokenStream) -> TokenStream {
    let wire = &p.wire;
    match &p.ty {
        ParamTy::String if p.quote_if_complex => {
            quote!(request.param(#wire, papi_core::check::quote_if_complex(&#v));)
        }
        ParamTy::String => quote!(request.param(#wire, #v);),
        ParamTy::Integer => quote!(request.param(#wire, #v.to_string());),
        ParamTy::Date => quote!(request.param(#wire, #v.format("%Y-%m-%d").to_string());),
        ParamTy::File => quote!(request.file(#wire, #v);),
        ParamTy::Enum(_) if p.list => quote! {
            request.param(#wire, #v.iter().map(|item| item.wire()).collect::<Vec<_>>().join(","));
        },
        ParamTy::Enum(_) => quote!(request.param(#wire, #v.wire());),
    }
}

/// The value of a text parameter read from `text` (a `&str`), and whether the
/// expression is a `Result`.
fn conversion(p: &Param, text: TokenStream) -> (TokenStream, bool) {
    let wire = &p.wire;
    match &p.ty {
        ParamTy::String => (quote!(#text.to_owned()), false),
        ParamTy::Integer => (
            quote!(papi_core::operation::parse_integer(#wire, #text)),
            true,
        ),
        ParamTy::Date => (quote!(papi_core::operation::parse_date(#wire, #text)), true),
        ParamTy::File => unreachable!("files are read as parts"),
        ParamTy::Enum(n) => {
            let e = ident(n);
            if p.list {
                (
                    quote!(papi_core::operation::split_list(#text).map(crate::types::#e::from_wire).collect::<Vec<_>>()),
                    false,
                )
            } else {
                (quote!(crate::types::#e::from_wire(#text)), false)
            }
        }
    }
}

/// `field: value,` reading parameter `p` from `params`.
fn read_field(p: &Param) -> TokenStream {
    let f = ident(&p.rust);
    let wire = &p.wire;
    match (&p.ty, p.required) {
        (ParamTy::File, true) => quote!(#f: params.required_file(#wire)?,),
        (ParamTy::File, false) => quote!(#f: params.take_file(#wire),),
        (ParamTy::Enum(n), false) if !p.list => {
            let e = ident(n);
            quote!(#f: params.optional(#wire).map(crate::types::#e::from_wire),)
        }
        (_, true) => match conversion(p, quote!(params.required(#wire)?)) {
            (value, true) => quote!(#f: #value?,),
            (value, false) => quote!(#f: #value,),
        },
        (_, false) => match conversion(p, quote!(text)) {
            (value, true) => quote!(#f: params.optional(#wire).map(|text| #value).transpose()?,),
            (value, false) => quote!(#f: params.optional(#wire).map(|text| #value),),
        },
    }
}

/// The wire facts of `a`.
fn emit_info(api: &Api, a: &Action) -> TokenStream {
    let wire = &a.wire;
    let descriptor = match &a.endpoint {
        None => quote!(crate::API),
        Some(_) => {
            let d = descriptor_ident(a);
            quote!(crate::#d)
        }
    };
    let method = match a.method {
        Method::Get => quote!(papi_core::Method::Get),
        Method::MultipartPost => quote!(papi_core::Method::MultipartPost),
    };
    let effect = match a.effect {
        Effect::Read => quote!(papi_core::Effect::Read),
        Effect::Write => quote!(papi_core::Effect::Write),
    };
    let privacy = match &api.privacy {
        Ok(f) => {
            let family = &f.family;
            let attribute = match &a.privacy_attribute {
                Some(attr) => quote!(Some(#attr)),
                None => quote!(None),
            };
            quote!(Some(papi_core::Privacy { family: #family, attribute: #attribute }))
        }
        Err(_) => quote!(None),
    };
    let params = a.params.iter().map(|p| &p.wire);
    quote! {
        papi_core::OperationInfo {
            api: &#descriptor,
            action: #wire,
            method: #method,
            effect: #effect,
            privacy: #privacy,
            params: &[#(#params),*],
        }
    }
}

/// `impl papi_core::Operation`: info, request, wire reader, decoder.
fn emit_trait_impl(api: &Api, a: &Action) -> TokenStream {
    let name = operation_name(a);
    let output = response_ty(a);
    let info = emit_info(api, a);
    let wire = &a.wire;
    let effect = match a.effect {
        Effect::Read => quote!(papi_core::Effect::Read),
        Effect::Write => quote!(papi_core::Effect::Write),
    };
    let writes = a.params.iter().map(|p| {
        let f = ident(&p.rust);
        if p.required {
            write_value(p, quote!(self.#f))
        } else {
            let w = write_value(p, quote!(value));
            quote!(if let Some(value) = self.#f { #w })
        }
    });
    let reads = a.params.iter().map(read_field);
    let (mut_request, params_arg) = if a.params.is_empty() {
        (quote!(), quote!(_params))
    } else {
        (quote!(mut), quote!(params))
    };
    let decode_fn = ident(&a.rust);
    quote! {
        impl papi_core::Operation for #name {
            type Output = #output;
            type Code = crate::ErrorCode;
            const INFO: papi_core::OperationInfo = #info;

            fn into_request(self) -> Result<papi_core::Request, papi_core::ParamError> {
                self.validate()?;
                let #mut_request request = papi_core::Request::with_effect(#wire, #effect);
                #(#writes)*
                Ok(request)
            }

            fn from_wire(#params_arg: &mut papi_core::WireParams) -> Result<Self, papi_core::ParamError> {
                let operation = Self {
                    #(#reads)*
                };
                operation.validate()?;
                Ok(operation)
            }

            fn decode(status: u16, body: &[u8]) -> crate::Result<Self::Output> {
                crate::decode::#decode_fn(status, body)
            }
        }
    }
}
