//! The service: the sandbox's use cases over its store, whatever the transport.
//! Authenticating the service and the users, authorizing a call by its token, issuing
//! tokens, and checking, asking and deciding consent.

pub(crate) mod auth;
pub(crate) mod consent;
pub(crate) mod state;
