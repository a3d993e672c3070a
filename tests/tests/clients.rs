//! The generated clients against a local HTTP server (wiremock): exactly what each action
//! sends, what is refused before sending, and how every kind of answer is surfaced.
//!
//! The tests are in `clients/suite.rs`; `blocking_clients.rs` runs the very same tests with
//! the blocking clients.

#[path = "clients/modes.rs"]
mod modes;

const MODE: modes::Mode = modes::Mode::Async;

include!("clients/suite.rs");
