//! Signing a user in to the sandbox's pages: a browser session, opened once the password
//! is checked, that the consent page and the decision require. Kept by the store (shared by
//! the processes of a PostgreSQL store).

use crate::domain::session::{Session, SESSION_ID_BYTES};
use crate::service::state::Service;
use crate::util::random::random_hex;

impl Service {
    /// Opens a session for `login` (whose password was checked) and gives its id (random,
    /// 256 bits; its form token is random too, 128 bits); `None` for an unknown user,
    /// without randomness, or when the store refuses it (logged).
    pub(crate) fn open_session(&self, login: &str) -> Option<String> {
        self.user(login)?;
        let (id, csrf) = (random_hex(SESSION_ID_BYTES)?, random_hex(16)?);
        match self.store().open_session(&id, login, &csrf) {
            Ok(()) => Some(id),
            Err(e) => {
                tracing::error!(target: "papi_sandbox", error = %e, "cannot open a browser session");
                None
            }
        }
    }

    /// The session `id`, unless unknown or expired; `None` too when the store cannot be
    /// read (logged): the user is then asked to sign in again.
    pub(crate) fn session(&self, id: &str) -> Option<Session> {
        self.store().session(id).unwrap_or_else(|e| {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot read a browser session");
            None
        })
    }
}
