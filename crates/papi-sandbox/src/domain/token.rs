//! User tokens: how they are laid out, kept (by their SHA-256, never in clear) and expire.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

/// The SHA-256 of a token: tokens are kept in memory by these 32 bytes and stored as their
/// lowercase hex ([`hash_hex`]); the token itself is never kept.
pub(crate) type TokenHash = [u8; 32];

/// The hash a token is kept by.
pub(crate) fn token_hash(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A token hash as stored: lowercase hex.
pub(crate) fn hash_hex(hash: &TokenHash) -> String {
    let mut s = String::with_capacity(64);
    for b in hash {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

/// A stored hash back: `None` unless 64 lowercase hex digits (what [`hash_hex`] writes; any
/// other row could match no token, before as now).
pub(crate) fn hash_from_hex(hex: &str) -> Option<TokenHash> {
    let digit = |c: u8| {
        HEX.iter()
            .position(|&h| h == c)
            .and_then(|d| u8::try_from(d).ok())
    };
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut hash = [0u8; 32];
    for (out, pair) in hash.iter_mut().zip(bytes.chunks_exact(2)) {
        *out = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(hash)
}

/// Milliseconds since the Unix epoch of `t` (0 before it, `i64::MAX` far after it).
pub(crate) fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A token `<head><sep><fields><sep><tail>` in the spec's layout: each field empty but the
/// expiry field, which holds `expires_s` (Unix seconds); `head` alone without a layout.
pub(crate) fn laid_out_token(head: &str, tail: &str, expires_s: i64) -> String {
    let Some(layout) = papi_core::general::TOKEN_LAYOUT else {
        return format!("{head}{tail}");
    };
    let mut token = head.to_owned();
    for field in layout.fields {
        token.push_str(layout.separator);
        token.push_str(field);
        token.push('=');
        if *field == layout.expiry_field {
            token.push_str(&expires_s.to_string());
        }
    }
    token.push_str(layout.separator);
    token.push_str(tail);
    token
}

/// `now + d`, or a century from now when `d` is too large to represent.
pub(crate) fn instant_after(now: Instant, d: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    now.checked_add(d)
        .or_else(|| now.checked_add(CENTURY))
        .unwrap_or(now)
}

/// Why a token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    Missing,
    Unknown,
    Expired,
    /// The store cannot tell now (it failed; logged where it failed). Only a store that
    /// looks tokens up in a database shared with other processes says so.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Unchecked,
}

impl TokenProblem {
    pub(crate) fn explain(self) -> &'static str {
        match self {
            TokenProblem::Missing => "no user token was sent",
            TokenProblem::Unknown => "the user token is unknown",
            TokenProblem::Expired => "the user token has expired",
            TokenProblem::Unchecked => {
                "the sandbox cannot check the user token now: its store failed (see its log)"
            }
        }
    }
}

/// A token just issued, as it is kept: its hash, its user and its expiry (on the monotonic
/// clock for checks, in Unix milliseconds for storage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IssuedToken {
    pub(crate) hash: TokenHash,
    pub(crate) login: String,
    pub(crate) expires: Instant,
    pub(crate) expires_ms: i64,
}

struct TokenEntry {
    login: String,
    expires: Instant,
}

/// The valid tokens, by [`token_hash`], and the same tokens in the order they expire: a
/// lookup is one hash-map probe, and forgetting the expired tokens visits only those (and
/// the first one still valid), never the valid ones.
#[derive(Default)]
pub(crate) struct Tokens {
    by_hash: HashMap<TokenHash, TokenEntry>,
    by_expiry: BTreeSet<(Instant, TokenHash)>,
}

impl Tokens {
    /// Forgets the tokens expired at `now`; returns how many tokens it looked at (those
    /// forgotten, and the first one still valid if any).
    pub(crate) fn sweep(&mut self, now: Instant) -> usize {
        let mut visited = 0;
        while let Some(&(expires, hash)) = self.by_expiry.first() {
            visited += 1;
            if expires > now {
                break;
            }
            self.by_expiry.pop_first();
            self.by_hash.remove(&hash);
        }
        visited
    }

    /// Keeps a token (replacing one with the same hash).
    pub(crate) fn insert(&mut self, hash: TokenHash, login: String, expires: Instant) {
        if let Some(old) = self.by_hash.insert(hash, TokenEntry { login, expires }) {
            self.by_expiry.remove(&(old.expires, hash));
        }
        self.by_expiry.insert((expires, hash));
    }

    /// The login of the token's user at `now`; an expired token is forgotten (and
    /// `forget` told, to forget it where it is stored too).
    pub(crate) fn login_of(
        &mut self,
        hash: &TokenHash,
        now: Instant,
        forget: impl FnOnce(&TokenHash),
    ) -> Result<String, TokenProblem> {
        let entry = self.by_hash.get(hash).ok_or(TokenProblem::Unknown)?;
        if entry.expires <= now {
            let expires = entry.expires;
            self.by_hash.remove(hash);
            self.by_expiry.remove(&(expires, *hash));
            forget(hash);
            return Err(TokenProblem::Expired);
        }
        Ok(entry.login.clone())
    }

    /// How many tokens are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_hash.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_kept_by_their_sha256_and_stored_in_lowercase_hex() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let stored = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(hash_hex(&token_hash("abc")), stored);
        assert_eq!(hash_from_hex(stored), Some(token_hash("abc")));
        // Only what `hash_hex` writes is read back.
        assert_eq!(hash_from_hex(&stored.to_uppercase()), None);
        assert_eq!(hash_from_hex(&stored[1..]), None);
        assert_eq!(hash_from_hex(&format!("{stored}0")), None);
        assert_eq!(hash_from_hex(&stored.replacen('b', "g", 1)), None);
        assert_eq!(hash_from_hex(&"é".repeat(32)), None);
    }

    #[test]
    fn a_sweep_visits_only_the_expired_tokens_and_forgets_them() {
        let mut tokens = Tokens::default();
        let t0 = Instant::now();
        let hash = |i: u32| token_hash(&i.to_string());
        // 100,000 valid tokens, and 3 that expire first.
        for i in 0..100_000 {
            tokens.insert(hash(i), "alice".into(), t0 + Duration::from_secs(3600));
        }
        for i in 100_000..100_003 {
            tokens.insert(hash(i), "bob".into(), t0 + Duration::from_secs(1));
        }
        assert_eq!(tokens.len(), 100_003);
        // Nothing expired yet: one token looked at, not 100,003.
        assert_eq!(tokens.sweep(t0), 1);
        // Three expired: those three and the first valid one.
        let later = t0 + Duration::from_secs(2);
        assert_eq!(tokens.sweep(later), 4);
        assert_eq!(tokens.len(), 100_000);
        assert_eq!(tokens.by_expiry.len(), 100_000);
        let mut forgotten = None;
        let e = tokens.login_of(&hash(100_001), later, |h| forgotten = Some(*h));
        assert_eq!(e, Err(TokenProblem::Unknown), "gone after the sweep");
        assert_eq!(forgotten, None);
        assert_eq!(
            tokens.login_of(&hash(7), later, |_| {}).as_deref(),
            Ok("alice")
        );
        // A token found expired on use is forgotten in both maps.
        tokens.insert(hash(1), "alice".into(), later);
        assert_eq!(
            tokens.login_of(&hash(1), later, |h| forgotten = Some(*h)),
            Err(TokenProblem::Expired)
        );
        assert_eq!(forgotten, Some(hash(1)));
        assert_eq!((tokens.len(), tokens.by_expiry.len()), (99_999, 99_999));
    }
}
