//! `crates/papi-auth/src/idp.rs`: the identity-provider facts of the SAML API.

use proc_macro2::TokenStream;
use quote::quote;

use super::util::{doc, ident, inner_doc, opt_str, render, source_note};
use crate::error::CodegenError;
use crate::ir::*;
use crate::GeneratedFile;

/// `crates/papi-auth/src/idp.rs`: the identity-provider facts of the SAML API.
pub fn emit_sso(api: &Api) -> Result<GeneratedFile, CodegenError> {
    let Some(sso) = &api.sso else {
        return Err(CodegenError::Emit {
            file: api.file.clone(),
            message: "emit_sso called for an API without `sso`".into(),
        });
    };
    let token = &sso.token_attribute;
    let (req, resp) = (&sso.request_binding, &sso.response_binding);
    let resp_doc = doc(&format!(
        "Binding of the identity provider's answer.{}",
        sso.response_binding_note
            .as_ref()
            .map(|n| format!(" Note: {n}"))
            .unwrap_or_default()
    ));
    let signed = match sso.want_authn_requests_signed {
        Some(b) => quote!(Some(#b)),
        None => quote!(None),
    };
    let idps = sso.idps.iter().map(idp_const);
    let module_doc = inner_doc(&format!(
        "Facts about the {} identity providers ({}), from `api-spec/{}`. {}",
        api.title,
        sso.protocol,
        api.file,
        source_note(&sso.source)
    ));
    let shape = sso
        .token_shape
        .as_ref()
        .map(|t| doc(&format!("\n\nObserved token shape: {t}")))
        .unwrap_or_default();
    let tokens = quote! {
        #module_doc

        /// Name of the SAML attribute that carries the user token of the Personal APIs.
        #shape
        pub const TOKEN_ATTRIBUTE: &str = #token;

        /// Binding of the authentication request sent to the identity provider.
        pub const REQUEST_BINDING: &str = #req;

        #resp_doc
        pub const RESPONSE_BINDING: &str = #resp;

        /// Whether the production identity provider wants signed authentication requests
        /// (`None` when undocumented).
        pub const WANT_AUTHN_REQUESTS_SIGNED: Option<bool> = #signed;

        /// An identity provider of the suite.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct IdentityProvider {
            /// `production` or `integration`.
            pub environment: &'static str,
            /// SAML entity id (the expected `Issuer`).
            pub entity_id: &'static str,
            /// Single sign-on service URL.
            pub sso_url: &'static str,
            /// Bindings the single sign-on service accepts.
            pub sso_bindings: &'static [&'static str],
            /// ManageNameID service URL, when known.
            pub manage_name_id_url: Option<&'static str>,
            /// NameID formats the identity provider supports.
            pub nameid_formats: &'static [&'static str],
            /// Signing certificate (PEM), when known.
            pub certificate_pem: Option<&'static str>,
        }

        #(#idps)*
    };
    render(
        &format!("crates/{}/src/idp.rs", api.crate_name),
        &api.file,
        tokens,
    )
}

/// The `IdentityProvider` constant of one environment.
fn idp_const(i: &Idp) -> TokenStream {
    let name = ident(&i.environment.to_uppercase());
    let env = &i.environment;
    let (entity, url) = (&i.entity_id, &i.sso_url);
    let bindings = &i.sso_bindings;
    let manage = opt_str(&i.manage_name_id_url);
    let formats = &i.nameid_formats;
    let (cert, cert_doc) = match &i.certificate {
        Ok(pem) => (quote!(Some(#pem)), String::new()),
        Err(why) => (
            quote!(None),
            format!("\n\nSigning certificate: undocumented: {why}"),
        ),
    };
    let d = doc(&format!(
        "The {env} identity provider. {}{cert_doc}",
        source_note(&i.source)
    ));
    quote! {
        #d
        pub const #name: IdentityProvider = IdentityProvider {
            environment: #env,
            entity_id: #entity,
            sso_url: #url,
            sso_bindings: &[#(#bindings),*],
            manage_name_id_url: #manage,
            nameid_formats: &[#(#formats),*],
            certificate_pem: #cert,
        };
    }
}
