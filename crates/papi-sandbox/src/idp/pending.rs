//! The sign-ins waiting for the user's password, kept server-side under a random id (the
//! login page carries only that id, so nothing in it can be tampered with).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::idp::request::AuthnRequest;
use crate::util::random::random_hex;
use crate::util::sync::lock;

/// Sign-ins waiting for the user's password.
const MAX_PENDING: usize = 1024;
/// How long a sign-in waits for the user's password.
const PENDING_TTL: Duration = Duration::from_secs(15 * 60);

/// A sign-in waiting for the user's password.
pub(crate) struct PendingLogin {
    pub(crate) request: AuthnRequest,
    pub(crate) relay_state: Option<String>,
    created: Instant,
}

/// The sign-ins in progress.
#[derive(Default)]
pub(crate) struct PendingLogins {
    by_id: Mutex<HashMap<String, PendingLogin>>,
}

impl PendingLogins {
    /// Records a sign-in waiting for the password; returns its id. Expired sign-ins are
    /// dropped; beyond [`MAX_PENDING`] the oldest goes.
    pub(crate) fn start(
        &self,
        request: AuthnRequest,
        relay_state: Option<String>,
    ) -> Option<String> {
        let id = random_hex(16)?;
        let now = Instant::now();
        let mut pending = lock(&self.by_id);
        pending.retain(|_, p| now.duration_since(p.created) < PENDING_TTL);
        if pending.len() >= MAX_PENDING {
            let oldest = pending
                .iter()
                .min_by_key(|(_, p)| p.created)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                pending.remove(&oldest);
            }
        }
        pending.insert(
            id.clone(),
            PendingLogin {
                request,
                relay_state,
                created: now,
            },
        );
        Some(id)
    }

    /// The request of a sign-in in progress (a copy; it stays pending).
    pub(crate) fn pending(&self, id: &str) -> Option<AuthnRequest> {
        let pending = lock(&self.by_id);
        pending
            .get(id)
            .filter(|p| p.created.elapsed() < PENDING_TTL)
            .map(|p| p.request.clone())
    }

    /// Ends a sign-in in progress (each is answered at most once).
    pub(crate) fn finish(&self, id: &str) -> Option<PendingLogin> {
        lock(&self.by_id)
            .remove(id)
            .filter(|p| p.created.elapsed() < PENDING_TTL)
    }
}
