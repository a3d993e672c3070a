//! The connections being served, for the cap and the idle limit: which are answering a
//! request, since when the others are idle, and how to tell one to close.
//!
//! A connection told to close is closed at once when no request is being answered on it
//! (none read yet, a head half read, or between requests), else after the answer in
//! progress. Telling a busy connection to close is therefore never wrong, only slower to
//! free its place.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::util::sync::lock;

/// One connection.
pub(crate) struct Connection {
    /// The registry's start, which its times count from.
    epoch: Instant,
    /// Requests being answered on it (their head read, their answer not yet sent).
    busy: AtomicUsize,
    /// Since when it is idle: when accepted, then when each answer was sent; in
    /// milliseconds since the registry's start.
    idle_since_ms: AtomicU64,
    /// Whether it has answered a request: it is then a kept-alive connection.
    answered: AtomicBool,
    /// Whether it was told to close.
    closing: AtomicBool,
    /// Wakes its task to close it.
    close: Notify,
}

impl Connection {
    /// Marks a request as being answered, until the returned guard is dropped.
    pub(crate) fn busy(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::AcqRel);
        Busy(Arc::clone(self))
    }

    /// Resolves when the connection is told to close.
    pub(crate) async fn told_to_close(&self) {
        self.close.notified().await;
    }

    /// Whether a request is being answered on it.
    pub(crate) fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire) > 0
    }

    fn idle_since(&self) -> Option<u64> {
        (self.busy.load(Ordering::Acquire) == 0).then(|| self.idle_since_ms.load(Ordering::Acquire))
    }

    /// Tells it to close, once; `false` when it already was.
    fn tell_to_close(&self) -> bool {
        let first = !self.closing.swap(true, Ordering::AcqRel);
        if first {
            // A permit is kept if its task is not waiting yet.
            self.close.notify_one();
        }
        first
    }
}

/// A request being answered on a connection; dropped when its answer is sent.
pub(crate) struct Busy(Arc<Connection>);

impl Drop for Busy {
    fn drop(&mut self) {
        let c = &self.0;
        c.idle_since_ms.store(ms_since(c.epoch), Ordering::Release);
        c.answered.store(true, Ordering::Release);
        c.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Milliseconds since `epoch`.
fn ms_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Full;

/// The connections being served.
pub(crate) struct Registry {
    start: Instant,
    max: usize,
    next_id: AtomicU64,
    live: Mutex<HashMap<u64, Arc<Connection>>>,
}

impl Registry {
    /// No connection yet; at most `max` served at once (at least one).
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            max: max.max(1),
            next_id: AtomicU64::new(0),
            live: Mutex::new(HashMap::new()),
        })
    }

    /// Admits a new connection. At the cap, the connection idle the longest is told to
    /// close to make room (and counts no more); when every connection is answering a
    /// request, the new one is refused.
    pub(crate) fn admit(self: &Arc<Self>) -> Result<Admitted, Full> {
        let mut live = lock(&self.live);
        let open = live
            .values()
            .filter(|c| !c.closing.load(Ordering::Acquire))
            .count();
        if open >= self.max && !Self::close_longest_idle(&live) {
            return Err(Full);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let connection = Arc::new(Connection {
            epoch: self.start,
            busy: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(ms_since(self.start)),
            answered: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            close: Notify::new(),
        });
        live.insert(id, Arc::clone(&connection));
        Ok(Admitted {
            id,
            connection,
            registry: Arc::clone(self),
        })
    }

    /// Tells the connection idle the longest (not already closing) to close; `false`
    /// when every connection is answering a request.
    fn close_longest_idle(live: &HashMap<u64, Arc<Connection>>) -> bool {
        live.values()
            .filter(|c| !c.closing.load(Ordering::Acquire))
            .filter_map(|c| c.idle_since().map(|since| (since, c)))
            .min_by_key(|(since, _)| *since)
            .is_some_and(|(_, c)| c.tell_to_close())
    }

    /// Makes room when the process cannot take one more connection (out of file
    /// descriptors): the connection idle the longest is told to close.
    pub(crate) fn make_room(&self) -> bool {
        Self::close_longest_idle(&lock(&self.live))
    }

    /// Tells the kept-alive connections idle for `idle_timeout` or more to close; returns
    /// how many.
    pub(crate) fn close_idle(&self, idle_timeout: Duration) -> usize {
        let limit = u64::try_from(idle_timeout.as_millis()).unwrap_or(u64::MAX);
        let now = ms_since(self.start);
        lock(&self.live)
            .values()
            .filter(|c| c.answered.load(Ordering::Acquire))
            .filter(|c| {
                c.idle_since()
                    .is_some_and(|since| now.saturating_sub(since) >= limit)
            })
            .filter(|c| c.tell_to_close())
            .count()
    }

    /// Tells every connection to close (the server is stopping).
    pub(crate) fn close_all(&self) {
        for c in lock(&self.live).values() {
            c.tell_to_close();
        }
    }

    /// How many connections are being served.
    #[cfg(test)]
    fn len(&self) -> usize {
        lock(&self.live).len()
    }
}

/// An admitted connection; dropped when its task ends, which forgets it.
pub(crate) struct Admitted {
    id: u64,
    connection: Arc<Connection>,
    registry: Arc<Registry>,
}

impl Admitted {
    /// The connection.
    pub(crate) fn connection(&self) -> &Arc<Connection> {
        &self.connection
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        lock(&self.registry.live).remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_cap_the_longest_idle_connection_makes_room_and_busy_ones_never_do() {
        let registry = Registry::new(2);
        let first = registry.admit().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        let second = registry.admit().unwrap();
        // The first is idle the longest: it is told to close, the third admitted.
        let third = registry.admit().unwrap();
        assert!(first.connection().closing.load(Ordering::Acquire));
        assert!(!second.connection().closing.load(Ordering::Acquire));
        drop(first);
        // Both left answering a request: a fourth is refused.
        let _busy = [second.connection().busy(), third.connection().busy()];
        assert_eq!(registry.admit().err(), Some(Full));
        assert_eq!(registry.len(), 2);
    }

    #[test]
    fn only_kept_alive_connections_idle_long_enough_are_closed_as_idle() {
        let registry = Registry::new(8);
        let fresh = registry.admit().unwrap();
        let kept = registry.admit().unwrap();
        drop(kept.connection().busy());
        assert_eq!(registry.close_idle(Duration::from_secs(60)), 0);
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(registry.close_idle(Duration::from_millis(10)), 1);
        assert!(kept.connection().closing.load(Ordering::Acquire));
        // A fresh connection is the head read timeout's business.
        assert!(!fresh.connection().closing.load(Ordering::Acquire));
    }
}
