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

/// Whether `text` can be an id [`random_hex`] made of `n` bytes: `2n` lowercase hex
/// digits. Ids that cannot be are refused before any lookup.
pub(crate) fn is_random_hex(text: &str, n: usize) -> bool {
    text.len() == 2 * n && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_ids_are_recognised_and_others_are_not() {
        let id = random_hex(16).unwrap();
        assert!(is_random_hex(&id, 16));
        assert!(!is_random_hex(&id, 32));
        for other in ["", "zz", &id.to_uppercase(), &format!("{id}0"), &id[1..]] {
            assert!(!is_random_hex(other, 16), "{other}");
        }
    }
}
