//! The domain: users and their data, tokens, consents, browser sessions, the origins users
//! may be sent to, and the seed data, as plain values with their rules. No HTTP and no
//! storage here: the store keeps these values, the service and the API use them.

pub(crate) mod consent;
pub(crate) mod consent_url;
pub(crate) mod faults;
pub(crate) mod limits;
pub(crate) mod origin;
pub(crate) mod seeds;
pub(crate) mod session;
pub(crate) mod sign_in;
pub(crate) mod token;
pub(crate) mod user;
