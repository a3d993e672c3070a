//! The web: the router ([`router`]) over the API pipeline, the consent page, the identity
//! provider's pages and the login shortcut; the request log ([`log`]); every HTML page
//! ([`pages`]); the browser session's cookie ([`session`]); and serving on a socket
//! ([`serve`]) within limits on the connections ([`connections`]).

pub(crate) mod app;
pub(crate) mod connections;
pub(crate) mod consent;
pub(crate) mod log;
pub(crate) mod login;
pub(crate) mod pages;
pub(crate) mod router;
pub(crate) mod saml;
pub(crate) mod serve;
pub(crate) mod session;
