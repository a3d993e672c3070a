//! papi-sandbox: a local server that speaks the Orange Personal APIs, driven by the same
//! spec as the clients.

#![deny(missing_docs)]

/// Routes, actions, parameter rules and seed data, generated from `api-spec/`.
#[rustfmt::skip]
pub mod generated;
