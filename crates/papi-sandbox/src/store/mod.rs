//! Where the sandbox keeps its data: the [`Store`] trait, the seam between the service and
//! its storage, with an implementation in memory ([`memory`]), one that writes through
//! to a SQLite file ([`sqlite`], its SQL in [`sql`]), and (feature `postgres`) one in a
//! PostgreSQL database that several processes share (`postgres`).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::domain::consent::{Access, ConsentKey, Decision};
use crate::domain::session::Session;
use crate::domain::sign_in::{AuthnRequest, Client, NoAttempt, PendingLogin};
use crate::domain::token::{IssuedToken, TokenHash, TokenProblem};
use crate::domain::user::{UserChange, UserData};

pub(crate) mod memory;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
pub(crate) mod postgres_url;
pub(crate) mod sql;
pub(crate) mod sqlite;

/// The data of a sandbox: each user's data, the issued tokens, the consent decisions and
/// the consent requests waiting for the user. Object-safe: the service holds a
/// `Box<dyn Store>`.
///
/// Every change is made all or nothing: when it cannot be kept, the method says why with a
/// [`StoreError`] and nothing changed. The methods may wait on I/O (a database); where
/// [`Store::waits`] says so, the sandbox calls them off the async workers.
pub(crate) trait Store: Send + Sync {
    /// The file the data is kept in; `None` when it is in memory only.
    fn path(&self) -> Option<&Path>;

    /// Whether the data is in a PostgreSQL database.
    fn in_postgres(&self) -> bool {
        false
    }

    /// Whether the methods may wait on I/O (and are then called on blocking threads).
    fn waits(&self) -> bool;

    /// Reads a user's data (as every change stored so far left it); `Ok(false)` for a
    /// login the store does not know.
    fn read_user(&self, login: &str, read: &mut dyn FnMut(&UserData)) -> Result<bool, StoreError>;

    /// Changes a user's data: `plan` works out the change from the data as it is (`None`:
    /// nothing to change), then the change is kept and made, with the data locked all
    /// along. `Ok(false)` when nothing changed (no plan, or an unknown login).
    fn change_user(
        &self,
        login: &str,
        plan: &mut dyn FnMut(&UserData) -> Option<UserChange>,
    ) -> Result<bool, StoreError>;

    /// Keeps an issued token (and forgets the expired ones).
    fn save_token(&self, token: IssuedToken) -> Result<(), StoreError>;

    /// The login of the token's user; an expired token is forgotten.
    fn token_user(&self, hash: &TokenHash) -> Result<String, TokenProblem>;

    /// Whether a call needing `key` may proceed; a one-call grant is consumed, by exactly
    /// one call even under concurrency.
    fn check_consent(&self, key: &ConsentKey) -> Result<Access, StoreError>;

    /// Records a consent request waiting for the user's answer, under `id`.
    fn ask_consent(&self, key: ConsentKey, id: String) -> Result<(), StoreError>;

    /// The consent request waiting under `id`, unless it has expired.
    fn pending_consent(&self, id: &str) -> Result<Option<ConsentKey>, StoreError>;

    /// Applies the user's decision to the consent request `id` (which is then answered);
    /// `Ok(None)` when there is no such request.
    fn decide_consent(
        &self,
        id: &str,
        decision: Decision,
    ) -> Result<Option<ConsentKey>, StoreError>;

    /// Opens a browser session of `login` under `id` (a bearer secret) with the form token
    /// `csrf`, for [`SESSION_TTL`](crate::domain::session::SESSION_TTL).
    fn open_session(&self, id: &str, login: &str, csrf: &str) -> Result<(), StoreError>;

    /// The browser session `id`, unless unknown or expired.
    fn session(&self, id: &str) -> Result<Option<Session>, StoreError>;

    /// Records a SAML sign-in of `client` waiting for the user's password, within the
    /// bounds of [`crate::domain::sign_in`]; its id (random), `Ok(None)` without
    /// randomness.
    fn start_sign_in(
        &self,
        client: Client,
        request: AuthnRequest,
        relay_state: Option<String>,
    ) -> Result<Option<String>, StoreError>;

    /// Counts one more password tried on the sign-in `id`, before it is checked, and gives
    /// its request; with its passwords used up, the sign-in is dropped.
    fn attempt_sign_in(&self, id: &str) -> Result<Result<AuthnRequest, NoAttempt>, StoreError>;

    /// After a wrong password on the sign-in `id`: how many passwords it still takes; at
    /// none left it is dropped.
    fn sign_in_attempts_left(&self, id: &str) -> Result<u32, StoreError>;

    /// Ends the sign-in `id` (each is answered at most once), unless expired.
    fn finish_sign_in(&self, id: &str) -> Result<Option<PendingLogin>, StoreError>;

    /// The identity provider's signing key: the one kept, else `generate`'s, kept first
    /// (exactly one is kept, even when several processes start at once on one database).
    /// A store that keeps nothing across restarts returns the same generated key for its
    /// own lifetime.
    fn signing_key(&self, generate: GenerateKey<'_>) -> Result<String, StoreError>;
}

/// The identity provider's signing key (PKCS#8 PEM) a store keeps: the stored one, or
/// `generate`'s, stored first so that every later start (and every process sharing the
/// store) signs with the same key.
pub(crate) type GenerateKey<'a> = &'a mut dyn FnMut() -> Result<String, String>;

/// Reads a user's data with `read`; `Ok(None)` for a login the store does not know.
pub(crate) fn read_user<T>(
    store: &dyn Store,
    login: &str,
    read: impl FnOnce(&UserData) -> T,
) -> Result<Option<T>, StoreError> {
    let mut read = Some(read);
    let mut out = None;
    store.read_user(login, &mut |data| {
        out = read.take().map(|read| read(data));
    })?;
    Ok(out)
}

/// A write the store refused; the change was not made.
#[derive(Debug)]
pub(crate) struct StoreError(pub(crate) String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why [`Sandbox::open`](crate::Sandbox::open) failed. Each message names the database file and the cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The file cannot be opened or set up as the sandbox's database: missing directory,
    /// no permission, read-only, not a SQLite database or corrupt, a SQLite database of
    /// another program, or write-ahead logging unavailable.
    #[error("cannot open the sandbox database {}: {cause}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// What went wrong.
        cause: String,
    },
    /// The database was written by a newer sandbox (its `user_version` is unknown here).
    #[error(
        "cannot open the sandbox database {}: its schema version is {found}, this sandbox knows {known}",
        path.display()
    )]
    Version {
        /// The database file.
        path: PathBuf,
        /// The file's schema version.
        found: i64,
        /// The schema version this sandbox writes.
        known: i64,
    },
    /// The identity provider's key file ([`crate::SandboxConfig::idp_key`]) cannot be
    /// read, written or used.
    #[error("cannot use the identity provider key {}: {cause}", path.display())]
    IdpKey {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        cause: String,
    },
    /// [`crate::SandboxConfig::faults`] names an action or a code the spec does not have,
    /// or a probability, latency or status out of range.
    #[error("faults refused: {message}")]
    Faults {
        /// What is wrong, and in which rule.
        message: String,
    },
    /// [`crate::SandboxConfig::auto_consent`] names a family no action belongs to.
    #[error("no action belongs to the privacy family `{family}` (auto-consent); known: {known}")]
    UnknownFamily {
        /// The family named.
        family: String,
        /// The families the sandbox's actions belong to.
        known: String,
    },
    /// The PostgreSQL database ([`crate::SandboxConfig::postgres`]) cannot be used: no
    /// connection, refused credentials, a schema `papi_sandbox` of another program or of a
    /// newer sandbox, data that cannot be read back, or a sandbox built without its
    /// `postgres` feature.
    #[error("cannot use the sandbox database {url}: {cause}")]
    Postgres {
        /// The database's URL, its password hidden.
        url: String,
        /// What went wrong.
        cause: String,
    },
    /// [`crate::SandboxConfig::public_url`] is not a URL the sandbox can be reached at.
    #[error("the public URL {url} is refused: {reason}")]
    PublicUrl {
        /// The URL given.
        url: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// Both [`crate::SandboxConfig::db`] and [`crate::SandboxConfig::postgres`] are set:
    /// the data is kept in one place.
    #[error("both a SQLite file ({}) and a PostgreSQL database ({url}) are given: choose one", path.display())]
    TwoDatabases {
        /// The SQLite file.
        path: PathBuf,
        /// The PostgreSQL database's URL, its password hidden.
        url: String,
    },
    /// The stored data cannot be read back (or the seed data cannot be stored).
    #[error("cannot load the sandbox database {}: {cause}", path.display())]
    Load {
        /// The database file.
        path: PathBuf,
        /// What went wrong.
        cause: String,
    },
}

impl SandboxError {
    /// The database file, for the errors about it.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Open { path, .. }
            | Self::Version { path, .. }
            | Self::Load { path, .. }
            | Self::IdpKey { path, .. }
            | Self::TwoDatabases { path, .. } => Some(path),
            Self::UnknownFamily { .. }
            | Self::Faults { .. }
            | Self::Postgres { .. }
            | Self::PublicUrl { .. } => None,
        }
    }
}

/// Database files for the tests of the stores.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::{Path, PathBuf};

    use crate::util::random::random_hex;

    /// A fresh database path under the system's temporary directory.
    pub(crate) fn temp_db(name: &str) -> PathBuf {
        let unique = format!(
            "papi-sandbox-{name}-{}-{}.db",
            std::process::id(),
            random_hex(8).unwrap()
        );
        std::env::temp_dir().join(unique)
    }

    /// Removes a database file and its write-ahead log.
    pub(crate) fn remove(db: &Path) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
}
