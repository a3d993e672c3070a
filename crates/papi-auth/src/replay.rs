//! Refusing replayed answers: a bounded, thread-safe memory of the ids already accepted.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};

use crate::error::AuthError;

/// The response and assertion `ID`s of the answers accepted, each kept until the answer
/// could no longer be accepted anyway ([`crate::Authenticated::replayable_until`]), so that
/// the same answer posted twice is refused ([`AuthError::Replayed`]).
///
/// A bearer answer is good for whoever posts it until it expires (SAML profiles §4.1.4.5
/// asks the service to remember what it accepted). Use one cache per service provider,
/// shared by all the threads that consume answers (it is `Sync`; wrap it in an `Arc` or a
/// `static`), with [`crate::ServiceProvider::consume_once`].
///
/// It is bounded: it holds at most [`capacity`](Self::capacity) ids. Expired ids are
/// dropped as new ones come; when the cache is full of ids that could still be replayed,
/// the new answer is refused ([`AuthError::ReplayCacheFull`]) rather than an id forgotten
/// early. Each id stays at most the service's maximum age plus its clock skew (minutes
/// by default), so filling it takes that many genuine sign-ins in that window.
///
/// The memory is per process: several processes behind a load balancer need a shared
/// store (remember [`crate::Authenticated::assertion_id`] and
/// [`crate::Authenticated::response_id`] until
/// [`crate::Authenticated::replayable_until`] there instead).
///
/// ```
/// use papi_auth::ReplayCache;
/// use papi_auth::chrono::{DateTime, TimeDelta, Utc};
/// let cache = ReplayCache::new(10_000);
/// let now: DateTime<Utc> = std::time::SystemTime::now().into();
/// let until = now + TimeDelta::minutes(5);
/// cache.remember(&["_response-1", "_assertion-1"], until, now)?;
/// assert!(cache.remember(&["_response-2", "_assertion-1"], until, now).is_err());
/// // Once its answer can no longer be accepted, an id is forgotten.
/// cache.remember(&["_response-2", "_assertion-1"], until, until + TimeDelta::seconds(1))?;
/// # Ok::<(), papi_auth::AuthError>(())
/// ```
#[derive(Debug)]
pub struct ReplayCache {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Each id and the instant after which it is forgotten.
    until: HashMap<String, DateTime<Utc>>,
    /// The same entries ordered by that instant, to drop the expired ones first.
    by_expiry: BTreeSet<(DateTime<Utc>, String)>,
}

impl ReplayCache {
    /// Capacity of [`ReplayCache::default`], in ids (two per answer).
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// An empty cache holding at most `capacity` ids (at least 2: one answer).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(2),
            state: Mutex::new(State::default()),
        }
    }

    /// The most ids held.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The ids held now (expired ones included until the next
    /// [`remember`](Self::remember)).
    pub fn len(&self) -> usize {
        self.lock().until.len()
    }

    /// Whether no id is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Remembers `ids` until `until`, unless one of them is held already
    /// ([`AuthError::Replayed`], and nothing is remembered) or there is no room
    /// ([`AuthError::ReplayCacheFull`]). Ids whose `until` is before `now` are dropped first.
    /// The check and the insertion are one step: two threads posting the same answer at
    /// once cannot both pass.
    pub fn remember(
        &self,
        ids: &[&str],
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        let mut state = self.lock();
        state.drop_expired(now);
        if let Some(seen) = ids.iter().find(|id| state.until.contains_key(**id)) {
            return Err(AuthError::Replayed {
                id: (*seen).to_owned(),
            });
        }
        let mut fresh: Vec<&str> = ids.to_vec();
        fresh.sort_unstable();
        fresh.dedup();
        if state.until.len().saturating_add(fresh.len()) > self.capacity {
            return Err(AuthError::ReplayCacheFull {
                capacity: self.capacity,
            });
        }
        for id in fresh {
            state.until.insert(id.to_owned(), until);
            state.by_expiry.insert((until, id.to_owned()));
        }
        Ok(())
    }

    /// The state; a panic in another thread while holding the lock cannot leave it
    /// inconsistent (each step above is complete before the next), so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for ReplayCache {
    /// A cache of [`ReplayCache::DEFAULT_CAPACITY`] ids.
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

impl State {
    fn drop_expired(&mut self, now: DateTime<Utc>) {
        while let Some(first) = self.by_expiry.first() {
            if first.0 >= now {
                break;
            }
            if let Some((_, id)) = self.by_expiry.pop_first() {
                self.until.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;
    use std::sync::Arc;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_208_277_327 + secs, 0).unwrap()
    }

    #[test]
    fn an_id_is_refused_until_it_expires() {
        let cache = ReplayCache::new(10);
        cache.remember(&["r1", "a1"], t(300), t(0)).unwrap();
        assert_eq!(
            cache.remember(&["r2", "a1"], t(300), t(10)),
            Err(AuthError::Replayed { id: "a1".into() })
        );
        // Nothing of a refused answer is remembered.
        assert_eq!(cache.len(), 2);
        cache.remember(&["r2", "a2"], t(300), t(10)).unwrap();
        // `until` itself is still inside the window; after it the id is forgotten.
        assert!(cache.remember(&["a1"], t(900), t(300)).is_err());
        cache.remember(&["a1"], t(900), t(301)).unwrap();
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_full_cache_refuses_rather_than_forgets() {
        let cache = ReplayCache::new(4);
        cache.remember(&["r1", "a1"], t(300), t(0)).unwrap();
        cache.remember(&["r2", "a2"], t(600), t(0)).unwrap();
        assert_eq!(
            cache.remember(&["r3", "a3"], t(600), t(1)),
            Err(AuthError::ReplayCacheFull { capacity: 4 })
        );
        assert!(cache.remember(&["r1"], t(300), t(2)).is_err());
        // Once the first answer expired there is room again.
        cache.remember(&["r3", "a3"], t(600), t(301)).unwrap();
        assert_eq!(cache.len(), 4);
        assert_eq!(ReplayCache::new(0).capacity(), 2);
        assert!(ReplayCache::default().is_empty());
    }

    #[test]
    fn threads_posting_the_same_answer_at_once_pass_once() {
        let cache = Arc::new(ReplayCache::default());
        let accepted: usize = (0..8)
            .map(|_| {
                let cache = Arc::clone(&cache);
                std::thread::spawn(move || {
                    usize::from(
                        cache
                            .remember(&["r", "a"], t(0) + TimeDelta::minutes(5), t(0))
                            .is_ok(),
                    )
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum();
        assert_eq!(accepted, 1);
    }
}
