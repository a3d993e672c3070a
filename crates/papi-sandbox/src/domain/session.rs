//! Browser sessions of the sandbox's users: opened when a user signs in (the identity
//! provider's login page, or the consent page's), they tie the consent page to the
//! signed-in user and carry the token the consent form must send back (against forms
//! forged by another site). Kept in memory only, under random ids.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

/// Random bytes of a session id (a bearer secret).
pub(crate) const SESSION_ID_BYTES: usize = 32;
/// How long a session lasts after it is opened.
pub(crate) const SESSION_TTL: Duration = Duration::from_secs(3600);
/// Sessions kept at most; beyond it the oldest goes.
pub(crate) const MAX_SESSIONS: usize = 10_000;

/// A signed-in user's session.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Session {
    /// The user.
    pub(crate) login: String,
    /// The token the session's forms carry and their answers must send back.
    pub(crate) csrf: String,
    expires: Instant,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("login", &self.login)
            .field("csrf", &format_args!("***"))
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session of `login` with the form token `csrf`, ending at `expires` (read back from
    /// a store that keeps sessions elsewhere).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))] // Only the shared store reads back.
    pub(crate) fn restored(login: String, csrf: String, expires: Instant) -> Self {
        Self {
            login,
            csrf,
            expires,
        }
    }
}

/// The open sessions, by id, and their ids in the order opened (so also the order they
/// expire in: every session lasts [`SESSION_TTL`]).
#[derive(Default)]
pub(crate) struct Sessions {
    by_id: HashMap<String, Session>,
    opened: VecDeque<(Instant, String)>,
}

impl Sessions {
    /// Opens a session of `login` under `id` with the form token `csrf`, at `now`. The
    /// expired sessions are forgotten first; beyond [`MAX_SESSIONS`] the oldest goes.
    pub(crate) fn open(&mut self, id: String, login: String, csrf: String, now: Instant) {
        self.sweep(now);
        while self.by_id.len() >= MAX_SESSIONS {
            let Some((_, oldest)) = self.opened.pop_front() else {
                break;
            };
            self.by_id.remove(&oldest);
        }
        let expires = now.checked_add(SESSION_TTL).unwrap_or(now);
        self.opened.push_back((expires, id.clone()));
        self.by_id.insert(
            id,
            Session {
                login,
                csrf,
                expires,
            },
        );
    }

    /// The session `id` at `now`, unless it has expired.
    pub(crate) fn get(&self, id: &str, now: Instant) -> Option<&Session> {
        self.by_id.get(id).filter(|s| s.expires > now)
    }

    /// Forgets the sessions expired at `now`: only those are visited.
    fn sweep(&mut self, now: Instant) {
        while let Some((expires, id)) = self.opened.front() {
            if *expires > now {
                break;
            }
            self.by_id.remove(id);
            self.opened.pop_front();
        }
    }

    /// How many sessions are kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_id.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_expires_and_is_forgotten() {
        let mut sessions = Sessions::default();
        let t0 = Instant::now();
        sessions.open("a".into(), "alice".into(), "c1".into(), t0);
        let s = sessions.get("a", t0).unwrap();
        assert_eq!((s.login.as_str(), s.csrf.as_str()), ("alice", "c1"));
        assert!(sessions.get("b", t0).is_none());
        let later = t0 + SESSION_TTL;
        assert!(sessions.get("a", later).is_none(), "expired");
        sessions.open("b".into(), "bob".into(), "c2".into(), later);
        assert_eq!(sessions.len(), 1, "the expired session is forgotten");
        assert!(!format!("{:?}", sessions.get("b", later)).contains("c2"));
    }

    #[test]
    fn beyond_the_cap_the_oldest_session_goes() {
        let mut sessions = Sessions::default();
        let t0 = Instant::now();
        for i in 0..=MAX_SESSIONS {
            sessions.open(i.to_string(), "alice".into(), "c".into(), t0);
        }
        assert_eq!(sessions.len(), MAX_SESSIONS);
        assert!(sessions.get("0", t0).is_none());
        assert!(sessions.get(&MAX_SESSIONS.to_string(), t0).is_some());
    }
}
