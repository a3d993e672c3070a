//! `crates/papi-sandbox/src/generated.rs`: the tables the sandbox server serves every
//! client API from, and the reading of each call through its action's operation.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::crate_files::descriptor_ident;
use super::operation::operation_name;
use super::util::{code_lit, crate_ident, doc, ident, opt_str, render_suite};
use crate::error::CodegenError;
use crate::ir::*;
use crate::GeneratedFile;

/// The generated file, as named in error messages.
const PATH: &str = "crates/papi-sandbox/src/generated.rs";

/// The code an error kind of `role` is answered with, in `errors`.
fn role_code(errors: &[ErrorCode], role: &str) -> Option<i64> {
    errors
        .iter()
        .find(|e| e.role.as_deref() == Some(role))
        .map(|e| e.code)
}

/// The `ActionId` variant of an action: its API's id and its method, in camel case. The
/// CLI table names actions by the same variants.
pub(super) fn action_id(api: &Api, a: &Action) -> Ident {
    format_ident!(
        "{}{}",
        api.id.to_upper_camel_case(),
        a.rust.to_upper_camel_case()
    )
}

/// The general codes the sandbox answers violations with.
struct GeneralCodes {
    invalid_token: TokenStream,
    invalid_request: TokenStream,
    invalid_credentials: TokenStream,
    access: TokenStream,
    privacy: TokenStream,
    /// Every general code, in the spec's order.
    all: TokenStream,
}

impl GeneralCodes {
    /// The codes of their roles among the general errors; every role but privacy must
    /// have one (privacy falls back to `0`).
    fn of(c: &Common) -> Result<Self, CodegenError> {
        let general = |role: &str| -> Result<TokenStream, CodegenError> {
            role_code(&c.errors, role)
                .map(code_lit)
                .ok_or_else(|| CodegenError::Emit {
                    file: PATH.into(),
                    message: format!("no general code has the role {role}"),
                })
        };
        Ok(Self {
            invalid_token: general("invalid_token")?,
            invalid_request: general("invalid_request")?,
            invalid_credentials: general("invalid_credentials")?,
            access: general("access")?,
            privacy: c
                .errors
                .iter()
                .find(|e| e.consent)
                .map(|e| code_lit(e.code))
                .unwrap_or_else(|| quote!(0)),
            all: {
                let all = c.errors.iter().map(|e| code_lit(e.code));
                quote!(&[#(#all),*])
            },
        })
    }

    /// The constants naming the codes.
    fn consts(&self) -> TokenStream {
        let Self {
            invalid_token,
            invalid_request,
            invalid_credentials,
            access,
            privacy,
            all,
        } = self;
        quote! {
            /// General code answering an unknown or expired token.
            pub const INVALID_TOKEN: i64 = #invalid_token;
            /// General code answering invalid parameters, where an API documents none of its own.
            pub const INVALID_REQUEST: i64 = #invalid_request;
            /// General code answering bad service credentials.
            pub const INVALID_CREDENTIALS: i64 = #invalid_credentials;
            /// General code answering a path that is no endpoint.
            pub const ACCESS: i64 = #access;
            /// General code answering a call without consent (it carries the consent URL).
            pub const PRIVACY_DENIED: i64 = #privacy;
            /// Every general code of the suite's table, in the spec's order.
            pub const GENERAL_CODES: &[i64] = #all;
        }
    }
}

/// `crates/papi-sandbox/src/generated.rs`: what a server needs to speak every client API —
/// routes (descriptors), actions, privacy attributes, the code answering each kind of
/// violation, the reading of each call through its action's operation (the clients'
/// checks), and the documented samples to seed its data with.
pub fn emit_sandbox(suite: &Suite) -> Result<GeneratedFile, CodegenError> {
    let codes = GeneralCodes::of(&suite.common)?;
    let clients: Vec<&Api> = suite.apis.iter().filter(|a| a.is_client()).collect();
    let consts = codes.consts();
    let variants = clients.iter().flat_map(|api| {
        api.actions.iter().map(|a| {
            let v = action_id(api, a);
            let d = doc(&format!("`{v}`."));
            quote!(#d #v,)
        })
    });
    let declarations = declarations();
    let apis = clients
        .iter()
        .map(|api| api_static(api, &codes.invalid_request));
    let api_refs = clients.iter().map(|api| {
        let api_const = ident(&api.id.to_uppercase());
        quote!(&#api_const)
    });
    let seeds = clients.iter().flat_map(|api| seeds(api));
    let reading = reading(&clients);
    let unknown_answer = unknown_answer(&suite.common)?;
    let tokens = quote! {
        //! What the sandbox needs to speak every client API, generated from `api-spec/`: the
        //! same descriptors as the clients, each action's privacy attribute, the code
        //! answering each kind of violation, the reading of each call through its action's
        //! operation (with the clients' checks), and the documented samples used as seed
        //! data.

        #consts

        /// Every action of every client API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ActionId {
            #(#variants)*
        }

        #declarations

        #(#apis)*

        #reading

        #unknown_answer

        /// Every client API.
        pub static APIS: &[&Api] = &[#(#api_refs),*];

        /// Documented answers (corrected copies where the printed one is broken), to seed
        /// the sandbox's data with.
        pub static SEEDS: &[(ActionId, &str)] = &[#(#seeds),*];
    };
    render_suite(PATH, "every API file", tokens)
}

/// The sandbox's own document answering an action whose answer no source gives (a fact of
/// the sandbox, in `common.yaml`'s `sandbox:`, not of the API).
fn unknown_answer(c: &Common) -> Result<TokenStream, CodegenError> {
    let facts = c.sandbox.as_ref().ok_or_else(|| CodegenError::Emit {
        file: PATH.into(),
        message: "common.yaml has no `sandbox.unknown_answer`: the sandbox needs it to answer actions whose answer is unknown".into(),
    })?;
    let SandboxFacts {
        root,
        namespace,
        action_attribute,
        text,
        doc: facts_doc,
    } = facts;
    let d = doc(&format!(
        "{facts_doc}\n\nWrites `<{root} xmlns=\"{namespace}\" {action_attribute}=\"…\">` holding the note, for `action`."
    ));
    Ok(quote! {
        #d
        pub fn unknown_answer(action: &str) -> Result<String, papi_core::encode::EncodeError> {
            papi_core::encode::text_document(#root, &[("xmlns", #namespace), (#action_attribute, action)], #text)
        }
    })
}

/// The types of the tables, the same for every suite.
fn declarations() -> TokenStream {
    quote! {
        /// How an action is sent.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Method {
            /// Query-string GET.
            Get,
            /// multipart/form-data POST.
            MultipartPost,
        }

        /// The code that answers a kind of violation, and in which envelope.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct ErrorAnswer {
            /// The code.
            pub code: i64,
            /// In the API's own envelope (else the general one).
            pub in_api_envelope: bool,
        }

        /// An action.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct Action {
            /// Which action.
            pub id: ActionId,
            /// Wire name.
            pub wire: &'static str,
            /// The descriptor it is served under (its API's, or its own older endpoint's).
            pub descriptor: &'static papi_core::ApiDescriptor,
            /// How it is sent.
            pub method: Method,
            /// Its privacy attribute, when documented.
            pub privacy_attribute: Option<&'static str>,
            /// The wire names of its parameters, from its operation.
            pub params: &'static [&'static str],
            /// Its answer splits granted and protected (withheld) items.
            pub protected_answer: bool,
        }

        /// An API.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct Api {
            /// Spec id.
            pub id: &'static str,
            /// The clients' descriptor (paths, endpoints, envelope).
            pub descriptor: &'static papi_core::ApiDescriptor,
            /// Privacy family, when documented.
            pub family: Option<&'static str>,
            /// Answer to an unknown action.
            pub unknown_action: ErrorAnswer,
            /// Answer to a missing mandatory parameter.
            pub missing_parameter: ErrorAnswer,
            /// Answer to an invalid parameter.
            pub invalid_parameter: ErrorAnswer,
            /// The API's own error codes (its error table), in the spec's order.
            pub codes: &'static [i64],
            /// Actions.
            pub actions: &'static [Action],
        }
    }
}

/// The `pub static` describing one client API, `invalid_request` answering its violations
/// where it documents no code of its own.
fn api_static(api: &Api, invalid_request: &TokenStream) -> TokenStream {
    let krate = crate_ident(api);
    let api_const = ident(&api.id.to_uppercase());
    let id = &api.id;
    let family = opt_str(&api.privacy.as_ref().ok().map(|f| f.family.clone()));
    let answer = |role: &str| match role_code(&api.errors, role) {
        Some(code) => {
            let code = code_lit(code);
            quote!(ErrorAnswer { code: #code, in_api_envelope: true })
        }
        None => quote!(ErrorAnswer { code: #invalid_request, in_api_envelope: false }),
    };
    let (unknown, missing, invalid) = (
        answer("unknown_action"),
        answer("missing_parameter"),
        answer("invalid_parameter"),
    );
    let actions = api.actions.iter().map(|a| action_entry(api, a));
    let codes = api.errors.iter().map(|e| code_lit(e.code));
    let d = doc(&format!("The {} as the sandbox serves it.", api.title));
    quote! {
        #d
        pub static #api_const: Api = Api {
            id: #id,
            descriptor: &#krate::API,
            family: #family,
            unknown_action: #unknown,
            missing_parameter: #missing,
            invalid_parameter: #invalid,
            codes: &[#(#codes),*],
            actions: &[#(#actions),*],
        };
    }
}

/// The `Action` entry of one action of `api`.
fn action_entry(api: &Api, a: &Action) -> TokenStream {
    let krate = crate_ident(api);
    let variant = action_id(api, a);
    let wire = &a.wire;
    let desc = descriptor_ident(a);
    let method = match a.method {
        Method::Get => quote!(Method::Get),
        Method::MultipartPost => quote!(Method::MultipartPost),
    };
    let attr = opt_str(&a.privacy_attribute);
    let op = operation_name(a);
    let protected_answer = a
        .response
        .ty
        .as_ref()
        .and_then(|t| api.types.iter().find(|x| &x.name == t))
        .is_some_and(|t| t.split.is_some());
    quote! {
        Action {
            id: ActionId::#variant,
            wire: #wire,
            descriptor: &#krate::#desc,
            method: #method,
            privacy_attribute: #attr,
            params: <#krate::operation::#op as papi_core::Operation>::INFO.params,
            protected_answer: #protected_answer,
        }
    }
}

/// Each action's reading through its operation: the `Input` enum (one variant per action,
/// holding the operation), `read` (the operation's `from_wire`: the clients' checks), and
/// the wire names of each action's parameters by field, for handlers that name one.
fn reading(clients: &[&Api]) -> TokenStream {
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    let mut names = Vec::new();
    for api in clients {
        let krate = crate_ident(api);
        for a in &api.actions {
            let v = action_id(api, a);
            let op = operation_name(a);
            let d = doc(&format!("`{v}`, read by its operation."));
            variants.push(quote!(#d #v(#krate::operation::#op),));
            arms.push(quote! {
                ActionId::#v => Input::#v(
                    <#krate::operation::#op as papi_core::Operation>::from_wire(params)?
                ),
            });
            let module = format_ident!("{}", v.to_string().to_snake_case());
            let consts = a.params.iter().map(|p| {
                let c = format_ident!("{}", p.rust.to_shouty_snake_case());
                let w = &p.wire;
                let d = doc(&format!("The wire name of the field `{}`.", p.rust));
                quote!(#d pub const #c: &str = #w;)
            });
            let d = doc(&format!("`{v}`."));
            names.push(quote!(#d pub mod #module { #(#consts)* }));
        }
    }
    quote! {
        /// A call read by its action's operation: the parameters typed and checked.
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum Input {
            #(#variants)*
        }

        /// Reads the parameters of a call of `action` through its operation, with the same
        /// checks as the clients; names the action does not know are left in `params`.
        pub fn read(
            action: ActionId,
            params: &mut papi_core::WireParams,
        ) -> Result<Input, papi_core::ParamError> {
            Ok(match action {
                #(#arms)*
            })
        }

        /// The wire names of each action's parameters, by the operation's field names.
        pub mod param_names {
            #(#names)*
        }
    }
}

/// The seed entries of `api`: each documented answer of an action (its corrected copy when
/// the printed one is broken), its text written out (a published crate holds no file of
/// `api-spec/`).
fn seeds(api: &Api) -> Vec<TokenStream> {
    let mut seeds = Vec::new();
    for s in &api.samples {
        if let SampleKind::Response(w) = &s.kind {
            let Some(a) = api.actions.iter().find(|a| &a.wire == w) else {
                continue;
            };
            let variant = action_id(api, a);
            let text = &s.served;
            seeds.push(quote!((ActionId::#variant, #text)));
        }
    }
    seeds
}
