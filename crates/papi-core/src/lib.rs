//! Runtime of the generated clients of the Orange "Personal APIs" (2008): configuration,
//! service credentials and user tokens, the HTTP transport, error envelopes, the consent
//! flow and XML decoding.
//!
//! The runtime knows no API: every wire name reaches it from the generated crates, as an
//! argument or through an [`ApiDescriptor`]. See `INTERFACE.md` for the contract. A program
//! uses it through a client crate (`papi-contacts`, `papi-messages`, …), which re-exports
//! the types every call takes:
//!
//! - [`Config`]: where to call, with which [`ServiceCredentials`], and how (timeouts, size
//!   cap, [`RetryPolicy`], [interceptors](intercept), [`Config::from_env`]);
//! - [`UserToken`]: the signed-in user's token, sent with every call;
//! - [`Error`]: what a call fails with, [`Error::consent`] carrying the [`ConsentRequest`]
//!   of a `-3` refusal, and [`ConsentFlow`] the round trip through the consent page;
//! - [`CallOptions`]: one call's own deadline, attempt timeout and retry policy.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! # let sandbox = papi_sandbox::Sandbox::new(Default::default());
//! # let running = sandbox.bind(([127, 0, 0, 1], 0).into()).await?;
//! # let base_url = running.base_url().as_str();
//! # let token = sandbox.issue_token("alice").ok_or("no such user")?;
//! use papi_core::{Config, RetryPolicy, ServiceCredentials};
//!
//! // An embedded sandbox at `base_url` here; `Config::from_env()` reads PAPI_* variables.
//! let config = Config::custom(base_url, ServiceCredentials::new("sandbox-service", "sandbox-secret"))?
//!     .with_retry(RetryPolicy::new(3));
//! let contacts = papi_contacts::Client::new(&config)?;
//! match contacts.find_contact_list(&token, "A").await {
//!     Ok(page) => println!("{} contacts", page.contacts.map_or(0, |l| l.entries.len())),
//!     // -3: the user has not consented yet; send their browser to the consent page.
//!     Err(e) if e.is_privacy_denied() => {
//!         let consent = e.consent().ok_or("a refusal without a consent URL")?;
//!         println!("redirect the user to {}", consent.redirect_url("https://my.site/back")?);
//!     }
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Modules the generated crates, the sandbox and the command line use, not programs:
// public, but left out of the documentation (their items that programs meet are
// re-exported at the root).
#[doc(hidden)]
pub mod api;
#[cfg(feature = "blocking")]
#[doc(hidden)]
pub mod blocking;
#[doc(hidden)]
pub mod check;
pub mod config;
pub mod consent;
pub mod consent_flow;
#[doc(hidden)]
pub mod de;
#[doc(hidden)]
pub mod decode;
#[doc(hidden)]
pub mod encode;
pub mod env;
pub mod error;
// Generated (prettyplease output compared byte for byte by `cargo xtask codegen --check`):
// rustfmt must not touch it.
#[rustfmt::skip]
#[doc(hidden)]
pub mod general;
pub mod intercept;
#[doc(hidden)]
pub mod operation;
mod options;
#[doc(hidden)]
pub mod request;
pub mod retry;
pub mod secret;
pub mod tls;
#[doc(hidden)]
pub mod transport;
pub mod value;

pub use api::{ApiDescriptor, Effect};
#[doc(hidden)]
pub use api::{ConsentUrlParams, Envelope, GeneralEnvelope, TokenLayout};
pub use config::{Config, Environment};
pub use consent::{ConsentError, ConsentRequest};
pub use consent_flow::{ConsentFlow, ConsentStep};
pub use decode::{InferredAnswer, Undecoded};
pub use error::{
    report, ApiCode, ApiError, ApiErrorKind, ConfigError, DecodeError, DecodeErrorKind, Error,
    ParamError, TransportError, TransportErrorKind,
};
pub use general::GeneralError;
#[doc(hidden)]
pub use operation::WireParams;
pub use operation::{Method, Operation, OperationInfo, Privacy};
pub use options::CallOptions;
pub use request::Request;
pub use retry::RetryPolicy;
pub use secret::{ServiceCredentials, UserToken};
#[doc(hidden)]
pub use transport::Transport;
pub use value::{Base64Binary, Consented, ImageType, Picture, Present, Upload};

/// Re-exported so that programs and generated crates need no direct dependency: dates are
/// `chrono::NaiveDate`, an HTTP client of one's own a `reqwest::Client`, URLs `url::Url`.
pub use chrono;
#[doc(hidden)]
pub use quick_xml;
pub use reqwest;
/// With the `serde` feature: serde's `Serialize` and `Deserialize` on the answer types.
#[cfg(feature = "serde")]
#[doc(hidden)]
pub use serde;
pub use url;
