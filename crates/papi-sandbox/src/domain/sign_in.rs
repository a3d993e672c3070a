//! The SAML sign-ins waiting for the user's password, kept server-side under a random id
//! (the login page carries only that id, so nothing in it can be tampered with): what the
//! sandbox takes from a service's `AuthnRequest`, and the bounds on what one client starts.
//! Kept by the store (shared by the processes of a PostgreSQL store).
//!
//! Anyone can start a sign-in, so what one client starts is bounded: each client address
//! keeps at most [`MAX_PENDING_PER_CLIENT`] sign-ins (its oldest goes first), and when all
//! [`MAX_PENDING`] places are taken, the oldest sign-in of the client holding the most
//! goes. A flood from one address therefore only ever pushes out its own sign-ins. Each
//! sign-in takes at most [`MAX_ATTEMPTS`] passwords, then is dropped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use url::Url;

use crate::util::random::random_hex;
use crate::util::sync::lock;

/// What the sandbox takes from an `AuthnRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthnRequest {
    /// `ID`, echoed as `InResponseTo`.
    pub(crate) id: String,
    /// `Issuer`: the service provider's entity id, the assertion's audience.
    pub(crate) issuer: String,
    /// `AssertionConsumerServiceURL`: where the answer is posted.
    pub(crate) acs_url: Url,
}

/// Random bytes of a sign-in's id.
pub(crate) const SIGN_IN_ID_BYTES: usize = 16;
/// Sign-ins waiting for the user's password.
pub(crate) const MAX_PENDING: usize = 1024;
/// Sign-ins waiting for the password that one client address keeps at most.
pub(crate) const MAX_PENDING_PER_CLIENT: usize = 32;
/// Passwords tried at most on one sign-in.
pub(crate) const MAX_ATTEMPTS: u32 = 5;
/// How long a sign-in waits for the user's password.
pub(crate) const PENDING_TTL: Duration = Duration::from_secs(15 * 60);

/// Who started a sign-in: the client's IPv4 address, or the /64 network of its IPv6
/// address (one host usually holds a whole /64); `None` when the sandbox is served
/// without the peer's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Client(Option<IpAddr>);

impl Client {
    /// As stored: the address (or network), `-` when unknown.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))] // Only the shared store reads back.
    pub(crate) fn key(self) -> String {
        self.0.map_or_else(|| "-".to_owned(), |ip| ip.to_string())
    }
}

impl Client {
    /// The client at `addr` (`None`: unknown, all such clients count as one).
    pub(crate) fn of(addr: Option<IpAddr>) -> Self {
        Self(addr.map(|ip| match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::from(segments)
            }
            v4 => v4,
        }))
    }
}

/// A sign-in waiting for the user's password.
pub(crate) struct PendingLogin {
    pub(crate) request: AuthnRequest,
    pub(crate) relay_state: Option<String>,
    client: Client,
    created: Instant,
    attempts: u32,
}

impl PendingLogin {
    /// A sign-in read back from a store that keeps them elsewhere, to be answered.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))] // Only the shared store reads back.
    pub(crate) fn restored(request: AuthnRequest, relay_state: Option<String>) -> Self {
        Self {
            request,
            relay_state,
            client: Client(None),
            created: Instant::now(),
            attempts: 0,
        }
    }

    fn expired(&self, now: Instant) -> bool {
        now.duration_since(self.created) >= PENDING_TTL
    }
}

/// Why a password cannot be tried on a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoAttempt {
    /// Unknown, expired or already answered.
    Gone,
    /// Its passwords are used up: it is dropped.
    TooMany,
}

/// The sign-ins in progress.
#[derive(Default)]
pub(crate) struct PendingLogins {
    by_id: Mutex<HashMap<String, PendingLogin>>,
}

impl PendingLogins {
    /// Records a sign-in of `client` waiting for the password; returns its id. Expired
    /// sign-ins are dropped; then the bounds of the module documentation make room.
    pub(crate) fn start(
        &self,
        client: Client,
        request: AuthnRequest,
        relay_state: Option<String>,
    ) -> Option<String> {
        let id = random_hex(SIGN_IN_ID_BYTES)?;
        let now = Instant::now();
        let mut pending = lock(&self.by_id);
        pending.retain(|_, p| !p.expired(now));
        let own = pending.values().filter(|p| p.client == client).count();
        if own >= MAX_PENDING_PER_CLIENT {
            drop_oldest_of(&mut pending, client);
        } else if pending.len() >= MAX_PENDING {
            if let Some(greediest) = greediest_client(&pending) {
                drop_oldest_of(&mut pending, greediest);
            }
        }
        pending.insert(
            id.clone(),
            PendingLogin {
                request,
                relay_state,
                client,
                created: now,
                attempts: 0,
            },
        );
        Some(id)
    }

    /// Counts one more password tried on the sign-in `id`, before it is checked, and gives
    /// its request (a copy; it stays pending). With its passwords used up, the sign-in is
    /// dropped.
    pub(crate) fn attempt(&self, id: &str) -> Result<AuthnRequest, NoAttempt> {
        let mut pending = lock(&self.by_id);
        let login = match pending.get_mut(id) {
            Some(p) if !p.expired(Instant::now()) => p,
            _ => return Err(NoAttempt::Gone),
        };
        if login.attempts >= MAX_ATTEMPTS {
            pending.remove(id);
            return Err(NoAttempt::TooMany);
        }
        login.attempts += 1;
        Ok(login.request.clone())
    }

    /// After a wrong password on the sign-in `id`: how many passwords it still takes; at
    /// none left it is dropped.
    pub(crate) fn attempts_left(&self, id: &str) -> u32 {
        let mut pending = lock(&self.by_id);
        let left = pending
            .get(id)
            .map_or(0, |p| MAX_ATTEMPTS.saturating_sub(p.attempts));
        if left == 0 {
            pending.remove(id);
        }
        left
    }

    /// Ends a sign-in in progress (each is answered at most once).
    pub(crate) fn finish(&self, id: &str) -> Option<PendingLogin> {
        lock(&self.by_id)
            .remove(id)
            .filter(|p| !p.expired(Instant::now()))
    }
}

/// The client holding the most sign-ins.
fn greediest_client(pending: &HashMap<String, PendingLogin>) -> Option<Client> {
    let mut held: HashMap<Client, usize> = HashMap::new();
    for p in pending.values() {
        *held.entry(p.client).or_default() += 1;
    }
    held.into_iter().max_by_key(|(_, n)| *n).map(|(c, _)| c)
}

/// Drops the oldest sign-in of `client`.
fn drop_oldest_of(pending: &mut HashMap<String, PendingLogin>, client: Client) {
    let oldest = pending
        .iter()
        .filter(|(_, p)| p.client == client)
        .min_by_key(|(_, p)| p.created)
        .map(|(k, _)| k.clone());
    if let Some(oldest) = oldest {
        pending.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_request() -> AuthnRequest {
        AuthnRequest {
            id: "_a".into(),
            issuer: "https://sp.example/saml".into(),
            acs_url: Url::parse("http://127.0.0.1:9/acs").unwrap(),
        }
    }

    fn client(ip: &str) -> Client {
        Client::of(Some(ip.parse().unwrap()))
    }

    #[test]
    fn a_flood_from_one_address_never_pushes_out_another_addresses_sign_in() {
        let logins = PendingLogins::default();
        let victim = logins
            .start(client("192.0.2.1"), sample_request(), None)
            .unwrap();
        for _ in 0..1100 {
            logins
                .start(client("198.51.100.7"), sample_request(), None)
                .unwrap();
        }
        assert!(logins.attempt(&victim).is_ok());
        let held = lock(&logins.by_id).len();
        assert_eq!(held, 1 + MAX_PENDING_PER_CLIENT);
        // Many addresses filling every place: the one holding the most gives way.
        for i in 0..MAX_PENDING {
            let ip = format!("2001:db8:{:x}::1", i / MAX_PENDING_PER_CLIENT);
            logins.start(client(&ip), sample_request(), None).unwrap();
        }
        assert!(logins.attempt(&victim).is_ok());
        assert!(lock(&logins.by_id).len() <= MAX_PENDING);
    }

    #[test]
    fn one_ipv6_network_counts_as_one_client() {
        assert_eq!(client("2001:db8::1"), client("2001:db8::ffff:2"));
        assert_ne!(client("2001:db8::1"), client("2001:db8:0:1::1"));
        assert_eq!(client("::ffff:192.0.2.1"), client("192.0.2.1"));
    }

    #[test]
    fn a_sign_in_takes_a_few_passwords_then_is_dropped() {
        let logins = PendingLogins::default();
        let id = logins
            .start(Client::of(None), sample_request(), None)
            .unwrap();
        for left in (0..MAX_ATTEMPTS).rev() {
            assert!(logins.attempt(&id).is_ok());
            assert_eq!(logins.attempts_left(&id), left);
        }
        assert_eq!(logins.attempt(&id), Err(NoAttempt::Gone));
        assert!(logins.finish(&id).is_none());
        // Reserved attempts count even before they are answered.
        let id = logins
            .start(Client::of(None), sample_request(), None)
            .unwrap();
        for _ in 0..MAX_ATTEMPTS {
            assert!(logins.attempt(&id).is_ok());
        }
        assert_eq!(logins.attempt(&id), Err(NoAttempt::TooMany));
        assert_eq!(logins.attempt(&id), Err(NoAttempt::Gone));
    }
}
