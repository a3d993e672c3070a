//! The service: the sandbox's use cases over its store, whatever the transport.
//! Authenticating the service and the users, authorizing a call by its token, issuing
//! tokens, the users' browser sessions, and checking, asking and deciding consent (only
//! the consent's own user decides), and where a user may be sent back to.

pub(crate) mod auth;
pub(crate) mod consent;
pub(crate) mod session;
pub(crate) mod state;
