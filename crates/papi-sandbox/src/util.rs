//! Small helpers every part of the sandbox uses: locking, randomness, comparing secrets.
//! A leaf: it imports no other module of the crate.

use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks a mutex; a panic elsewhere while holding it leaves data that is still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

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

/// Compares two byte strings without stopping at the first difference.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}
