//! Signing a user in to the sandbox's pages: a browser session, opened once the password
//! is checked, that the consent page and the decision require.

use std::time::Instant;

use crate::domain::session::Session;
use crate::service::state::Service;
use crate::util::random::random_hex;
use crate::util::sync::lock;

impl Service {
    /// Opens a session for `login` (whose password was checked) and gives its id (random,
    /// 256 bits; its form token is random too, 128 bits); `None` for an unknown user or
    /// without randomness.
    pub(crate) fn open_session(&self, login: &str) -> Option<String> {
        self.user(login)?;
        let (id, csrf) = (random_hex(32)?, random_hex(16)?);
        lock(&self.sessions).open(id.clone(), login.to_owned(), csrf, Instant::now());
        Some(id)
    }

    /// The session `id`, unless unknown or expired.
    pub(crate) fn session(&self, id: &str) -> Option<Session> {
        lock(&self.sessions).get(id, Instant::now()).cloned()
    }
}
