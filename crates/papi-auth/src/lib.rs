//! Sign-in with the Orange Authentication API (2008 "Personal APIs" suite): SAML 2.0 Web
//! Browser SSO, seen from the service provider (your site).
//!
//! 1. [`ServiceProvider::login_redirect`] builds the `AuthnRequest` and the identity
//!    provider URL to redirect the browser to (HTTP-Redirect binding); keep its
//!    [`LoginRedirect::request_id`].
//! 2. The identity provider posts its answer to your assertion consumer URL with the
//!    HTTP-POST-SimpleSign binding. Parse the body with [`PostedForm::parse`] and hand it
//!    to [`ServiceProvider::consume_once`] with the stored request id, the current time
//!    and the service's [`ReplayCache`] (which refuses the same answer posted twice).
//! 3. The result, [`Authenticated`], carries the [`papi_core::UserToken`] every other
//!    Personal API takes, and the user's `NameID`.
//!
//! ```
//! use std::time::SystemTime;
//!
//! use papi_auth::{IdentityProviderConfig, PostedForm, ReplayCache, ServiceProvider};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! # let sandbox = papi_sandbox::Sandbox::new(papi_sandbox::SandboxConfig {
//! #     allowed_acs_origins: vec!["https://my.site".to_owned()],
//! #     ..Default::default()
//! # });
//! # let running = sandbox.bind(([127, 0, 0, 1], 0).into()).await?;
//! # use papi_core::reqwest;
//! # let browser = papi_core::tls::client_builder().redirect(reqwest::redirect::Policy::none()).build()?;
//!
//! // Orange's identity provider is `IdentityProviderConfig::from_metadata(&idp::PRODUCTION)?`
//! // `.with_certificate_pem(certificate)?`, with the certificate you were given; here the
//! // embedded sandbox plays it.
//! let orange: IdentityProviderConfig = running.identity_provider()?;
//! let sp = ServiceProvider::new("https://my.site/saml", "https://my.site/saml/acs", orange)?;
//! let replays = ReplayCache::default(); // one per service, shared by its threads
//!
//! // GET /login
//! let login = sp.login_redirect(Some("/calendar"), SystemTime::now().into())?;
//! // … store login.request_id in the session, answer 302 with Location: login.url
//! # let login_url = &login.url;
//! # let posted_body = papi_sandbox::user_agent::log_in_body(&browser, login_url, "alice", "alice-pw").await?;
//!
//! // POST /saml/acs, from the page the identity provider answered the browser with
//! let form = PostedForm::parse(&posted_body)?;
//! let stored_id = &login.request_id;
//! let user = sp.consume_once(&form, Some(stored_id), SystemTime::now().into(), &replays)?;
//! println!("{user}"); // never prints the token
//! // `user.token` is the `papi_core::UserToken` every other API takes. The same answer
//! // posted again is refused.
//! assert!(sp.consume_once(&form, Some(stored_id), SystemTime::now().into(), &replays).is_err());
//! # Ok(())
//! # }
//! ```
//!
//! # What is verified, and what is not supported
//!
//! The answer's signature is the SimpleSign one (SAML 2.0 bindings §3.5.4): RSA PKCS#1 v1.5
//! with SHA-256 or SHA-1 over the posted form fields, checked against the identity
//! provider's configured certificate or public key. The document must then follow the Web
//! Browser SSO profile (SAML profiles §4.1.4): namespaces, issue instants within the clock
//! skew and the maximum age, issuer, audience, validity window, a bearer subject
//! confirmation with `Recipient`, `NotOnOrAfter` and `InResponseTo`; the full list is in
//! [`ServiceProvider::consume`]. The plain HTTP-POST binding signs with
//! XML-DSig inside the document; no well-kept Rust crate verifies XML-DSig, so such answers
//! are refused ([`AuthError::UnsupportedBinding`]), never accepted unverified. Encrypted
//! assertions, signed `AuthnRequest`s, single logout and the ManageNameID service are not
//! supported.
//!
//! Orange's signing certificates were not recovered (see [`idp`]): you must add the one
//! you were given. Wire facts (attribute name, URLs, bindings) come from the generated
//! [`idp`] module.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod b64;
mod config;
mod error;
mod form;
mod metadata;
// Generated (compared byte for byte by `cargo xtask codegen --check`): rustfmt must not touch it.
#[rustfmt::skip]
pub mod idp;
mod replay;
mod request;
mod response;
mod signature;
mod xml;

pub use config::{
    IdentityProviderConfig, ServiceProvider, DEFAULT_CLOCK_SKEW, DEFAULT_MAX_AGE, MIN_RSA_BITS,
};
pub use error::AuthError;
pub use form::{PostedForm, MAX_FORM_BYTES};
pub use metadata::MAX_METADATA_BYTES;
pub use replay::ReplayCache;
pub use request::{LoginRedirect, MAX_RELAY_STATE_BYTES};
pub use response::Authenticated;
pub use signature::{signed_octets, SIG_ALG_RSA_SHA1, SIG_ALG_RSA_SHA256};

/// Re-exported: instants are `chrono::DateTime<chrono::Utc>`.
pub use chrono;
/// Re-exported: the user token type.
pub use papi_core::UserToken;
/// Re-exported: the RSA public key type of [`IdentityProviderConfig::with_key`].
pub use rsa::RsaPublicKey;

/// Namespace of SAML 2.0 protocol elements (`samlp:`).
pub(crate) const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// Namespace of SAML 2.0 assertion elements (`saml:`).
pub(crate) const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
