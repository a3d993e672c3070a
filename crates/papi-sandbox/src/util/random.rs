//! Randomness.

use std::fmt::Write as _;

/// `n` random bytes from the system's source, as lowercase hex.
pub(crate) fn random_hex(n: usize) -> Option<String> {
    let mut bytes = vec![0u8; n];
    if let Err(e) = getrandom::getrandom(&mut bytes) {
        tracing::error!(target: "papi_sandbox", error = %e, "no randomness available");
        return None;
    }
    let mut s = String::with_capacity(2 * n);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    Some(s)
}
