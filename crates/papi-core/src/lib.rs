//! Runtime of the generated clients of the Orange "Personal APIs" (2008): configuration,
//! service credentials and user tokens, the HTTP transport, error envelopes, the consent
//! flow and XML decoding.
//!
//! The runtime knows no API: every wire name reaches it from the generated crates, as an
//! argument or through an [`ApiDescriptor`]. See `INTERFACE.md` for the contract.
#![deny(missing_docs)]

pub mod api;
#[cfg(feature = "blocking")]
pub mod blocking;
pub mod check;
pub mod config;
pub mod consent;
pub mod de;
pub mod decode;
pub mod encode;
pub mod error;
// Generated (prettyplease output compared byte for byte by `cargo xtask codegen --check`):
// rustfmt must not touch it.
#[rustfmt::skip]
pub mod general;
pub mod operation;
pub mod request;
pub mod retry;
pub mod secret;
pub mod tls;
pub mod transport;
pub mod value;

pub use api::{ApiDescriptor, ConsentUrlParams, Effect, Envelope, GeneralEnvelope, TokenLayout};
pub use config::{Config, Environment};
pub use consent::{ConsentError, ConsentRequest};
pub use decode::{InferredAnswer, Undecoded};
pub use error::{
    report, ApiCode, ApiError, ApiErrorKind, ConfigError, DecodeError, DecodeErrorKind, Error,
    ParamError, TransportError, TransportErrorKind,
};
pub use general::GeneralError;
pub use operation::{Method, Operation, OperationInfo, Privacy, WireParams};
pub use request::Request;
pub use retry::RetryPolicy;
pub use secret::{ServiceCredentials, UserToken};
pub use transport::Transport;
pub use value::{Base64Binary, Consented, ImageType, Picture, Present, Upload};

/// Re-exported so that generated crates need no direct dependency (dates are `chrono::NaiveDate`).
pub use chrono;
pub use quick_xml;
pub use reqwest;
/// With the `serde` feature: serde's `Serialize` and `Deserialize` on the answer types.
#[cfg(feature = "serde")]
pub use serde;
pub use url;
