//! Comparing secrets.

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// Whether two byte strings are equal, in a time that tells neither where they differ nor
/// whether their lengths do: their SHA-256 digests (of a fixed length) are compared in
/// constant time by `subtle`, which alone would answer early on different lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.as_slice().ct_eq(b.as_slice()).into()
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn equal_only_when_every_byte_and_the_length_are() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3creT"));
        assert!(!constant_time_eq(b"s3cret", b"s3cre"));
        assert!(!constant_time_eq(b"s3cre", b"s3cret"));
        assert!(!constant_time_eq(b"", b"s"));
        // A prefix padded with zero bytes is not the same secret.
        assert!(!constant_time_eq(b"ab", b"ab\0"));
    }
}
