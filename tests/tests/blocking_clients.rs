//! The client tests of `clients/suite.rs` (see `clients.rs`), run with the blocking clients
//! (feature `blocking`): each call goes through reqwest's blocking client on the blocking
//! pool, and must send and surface exactly what the async client does.

#[path = "clients/modes.rs"]
mod modes;

const MODE: modes::Mode = modes::Mode::Blocking;

include!("clients/suite.rs");
