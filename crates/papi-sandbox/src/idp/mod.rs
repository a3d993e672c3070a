//! The sandbox's SAML 2.0 identity provider, without HTTP: [`provider`] (its key, its
//! URLs, the services it answers), [`request`] (the
//! `AuthnRequest` of the HTTP-Redirect binding), [`response`] (the signed answer of the
//! HTTP-POST-SimpleSign binding that carries the user token) and [`sign_in`] (the steps
//! of a sign-in). The web layer serves its pages.

pub(crate) mod metadata;
pub(crate) mod provider;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod sign_in;
pub(crate) mod signing;
