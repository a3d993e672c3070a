//! The data in PostgreSQL ([`crate::SandboxConfig::postgres`]), shared by every sandbox
//! process given the same database: they behave as one.
//!
//! - **Users' data.** Each process keeps a copy of each user's data, with the version it
//!   reflects. A read first asks the database for the user's version (one query) and, when
//!   the copy is behind, reads what changed above it ([`db::Delta`]). A change locks the
//!   user's row (`FOR UPDATE`), brings the copy up to date, works out the change on it,
//!   writes it at the next version and commits before the copy changes and the call is
//!   answered: ids are given out under that lock, so they are unique across processes, and
//!   an answered write is stored.
//! - **Tokens** are stored when issued; a process that does not know a token looks it up
//!   (a token does not change until it expires, so a process keeps those it has seen).
//! - **Consents**: decisions and waiting requests are read from the database at each use;
//!   a one-call grant is consumed by a `DELETE` that exactly one caller wins.
//! - **Browser sessions** (by the SHA-256 of their ids) are in the database: a user signed
//!   in through one process's pages is signed in on every process's consent page.
//! - **SAML sign-ins in progress** are in the database: the login page of one process is
//!   answered on any, within the same bounds per client and attempts per sign-in.
//! - **The identity provider's key**: the first process to start stores its own; every
//!   other one signs with that.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::domain::consent::{
    Access, ConsentKey, Decision, StoredDecision, CONSENT_ID_BYTES, MAX_PENDING, PENDING_TTL,
};
use crate::domain::seeds::Seeds;
use crate::domain::session::{Session, MAX_SESSIONS, SESSION_ID_BYTES, SESSION_TTL};
use crate::domain::sign_in::{
    AuthnRequest, Client, NoAttempt, PendingLogin, MAX_ATTEMPTS, MAX_PENDING as MAX_SIGN_INS,
    MAX_PENDING_PER_CLIENT, PENDING_TTL as SIGN_IN_TTL, SIGN_IN_ID_BYTES,
};
use crate::domain::token::{
    hash_hex, instant_after, token_hash, unix_ms, IssuedToken, TokenHash, TokenProblem, Tokens,
};
use crate::domain::user::{UserChange, UserData};
use crate::store::postgres_url::PostgresUrl;
use crate::store::{GenerateKey, SandboxError, Store, StoreError};
use crate::util::random::{is_random_hex, random_hex};
use crate::util::sync::lock;

mod cached;
mod consents;
mod db;
mod error;
mod schema;
mod sign_ins;
pub mod testing;
#[cfg(test)]
mod tests;

use db::{Db, Delta, StoredPending};
use sign_ins::{Bounds, NewSignIn};

/// How many times a consent check reads the decisions again after another call consumed
/// the one-call grant it was about to consume.
const CONSENT_ATTEMPTS: usize = 4;

/// A process's copy of a user's data, and the user's version it reflects.
struct Replica {
    data: UserData,
    version: i64,
}

impl Replica {
    /// Makes the changes stored above this copy's version.
    fn catch_up(&mut self, delta: Delta) {
        if delta.version <= self.version {
            return;
        }
        for contact in delta.contacts {
            self.data.apply(UserChange::Contact {
                contact: Box::new(contact),
                next_id: delta.next_id,
            });
        }
        for (contact_id, bytes) in delta.pictures {
            self.data.apply(UserChange::Picture { contact_id, bytes });
        }
        for event in delta.events {
            self.data.apply(UserChange::Event(event));
        }
        self.data.next_id = self.data.next_id.max(delta.next_id);
        self.version = delta.version;
    }
}

/// The data in a PostgreSQL database, with this process's copies of it.
pub(crate) struct PgStore {
    db: Db,
    users: HashMap<String, Mutex<Replica>>,
    /// The tokens this process has issued or looked up (a token never changes).
    tokens: Mutex<Tokens>,
}

impl PgStore {
    /// The data in the database at `url` (its schema created in an empty one). Users the
    /// database does not know yet get the seed data, stored once whichever process gets
    /// there first.
    pub(crate) fn open<'a>(
        url: &PostgresUrl,
        logins: impl IntoIterator<Item = &'a str>,
        seeds: &Seeds,
    ) -> Result<Self, SandboxError> {
        let db = Db::open(url)?;
        let fail = |cause: String| SandboxError::Postgres {
            url: db.shown().to_owned(),
            cause,
        };
        let mut users = HashMap::new();
        for login in logins {
            if users.contains_key(login) {
                continue;
            }
            let seeded = UserData::seeded(seeds);
            let contacts: Vec<_> = seeded.contacts().iter().collect();
            db.seed_user(login, seeded.next_id, &contacts, &seeded.pictures)
                .map_err(|e| fail(format!("cannot store the seed data of `{login}`: {e}")))?;
            let mut replica = Replica {
                data: UserData::restored(seeds, 1, Vec::new(), HashMap::new(), Vec::new()),
                version: 0,
            };
            let delta = db
                .delta(login, 0)
                .map_err(|e| fail(e.0))?
                .ok_or_else(|| fail(format!("the user `{login}` was not stored")))?;
            replica.catch_up(delta);
            users.insert(login.to_owned(), Mutex::new(replica));
        }
        Ok(Self {
            db,
            users,
            tokens: Mutex::new(Tokens::default()),
        })
    }

    /// The key of a stored consent request; `None` when the spec no longer has its family
    /// or attribute.
    fn pending_key(pending: StoredPending) -> Option<ConsentKey> {
        ConsentKey::from_stored(
            pending.login,
            pending.service,
            &pending.family,
            Some(pending.attribute.as_str()).filter(|a| !a.is_empty()),
        )
    }

    /// Looks up a token this process has not seen (another process issued it).
    fn stored_token_user(&self, hash: &TokenHash) -> Result<String, TokenProblem> {
        let hex = hash_hex(hash);
        let stored = self.db.token(&hex).map_err(|e| {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot look up a token");
            TokenProblem::Unchecked
        })?;
        let Some(stored) = stored else {
            return Err(TokenProblem::Unknown);
        };
        let now = Instant::now();
        let left_ms = stored.expires_ms.saturating_sub(unix_ms(SystemTime::now()));
        if left_ms <= 0 {
            self.forget_token(&hex);
            return Err(TokenProblem::Expired);
        }
        let expires = instant_after(now, Duration::from_millis(left_ms.unsigned_abs()));
        let mut tokens = lock(&self.tokens);
        tokens.sweep(now);
        tokens.insert(*hash, stored.login.clone(), expires);
        Ok(stored.login)
    }

    fn forget_token(&self, hex: &str) {
        // Expired anyway: a failure only leaves a row that the next issue removes.
        if let Err(e) = self.db.delete_token(hex) {
            tracing::warn!(target: "papi_sandbox", error = %e, "cannot forget an expired token");
        }
    }
}

/// The oldest creation time (Unix milliseconds) of a sign-in still waiting.
fn sign_in_expired_ms() -> i64 {
    let ttl = i64::try_from(SIGN_IN_TTL.as_millis()).unwrap_or(i64::MAX);
    unix_ms(SystemTime::now()).saturating_sub(ttl)
}

/// The oldest creation time (Unix milliseconds) of a consent request still waiting.
fn pending_expired_ms() -> i64 {
    let ttl = i64::try_from(PENDING_TTL.as_millis()).unwrap_or(i64::MAX);
    unix_ms(SystemTime::now()).saturating_sub(ttl)
}

impl Store for PgStore {
    fn path(&self) -> Option<&Path> {
        None
    }

    fn waits(&self) -> bool {
        true
    }

    fn in_postgres(&self) -> bool {
        true
    }

    fn read_user(&self, login: &str, read: &mut dyn FnMut(&UserData)) -> Result<bool, StoreError> {
        let Some(cell) = self.users.get(login) else {
            return Ok(false);
        };
        let Some(version) = self.db.version(login)? else {
            return Ok(false);
        };
        let mut replica = lock(cell);
        if replica.version < version {
            if let Some(delta) = self.db.delta(login, replica.version)? {
                replica.catch_up(delta);
            }
        }
        read(&replica.data);
        Ok(true)
    }

    fn change_user(
        &self,
        login: &str,
        plan: &mut dyn FnMut(&UserData) -> Option<UserChange>,
    ) -> Result<bool, StoreError> {
        let Some(cell) = self.users.get(login) else {
            return Ok(false);
        };
        let mut replica = lock(cell);
        let since = replica.version;
        let changed = self.db.change_user(login, since, &mut |delta| {
            replica.catch_up(delta);
            plan(&replica.data)
        })?;
        let Some((change, version)) = changed else {
            return Ok(false);
        };
        replica.data.apply(change);
        replica.version = version;
        Ok(true)
    }

    fn save_token(&self, token: IssuedToken) -> Result<(), StoreError> {
        let now_ms = unix_ms(SystemTime::now());
        self.db.save_token(
            &hash_hex(&token.hash),
            &token.login,
            token.expires_ms,
            now_ms,
        )?;
        let mut tokens = lock(&self.tokens);
        tokens.sweep(Instant::now());
        tokens.insert(token.hash, token.login, token.expires);
        Ok(())
    }

    fn token_user(&self, hash: &TokenHash) -> Result<String, TokenProblem> {
        let mut expired = false;
        let known = lock(&self.tokens).login_of(hash, Instant::now(), |_| expired = true);
        if expired {
            self.forget_token(&hash_hex(hash));
        }
        match known {
            Err(TokenProblem::Unknown) => self.stored_token_user(hash),
            known => known,
        }
    }

    fn check_consent(&self, key: &ConsentKey) -> Result<Access, StoreError> {
        'attempt: for _ in 0..CONSENT_ATTEMPTS {
            let stored = self.db.decisions(key)?;
            for k in key.followed() {
                let attribute = k.attribute.unwrap_or_default();
                let decision = stored
                    .iter()
                    .find(|(a, _)| a == attribute)
                    .and_then(|(_, d)| Decision::from_form(d));
                match decision {
                    Some(Decision::Permanent) => return Ok(Access::Granted),
                    Some(Decision::Refused) => return Ok(Access::Refused),
                    Some(Decision::Once) => {
                        if self.db.consume_decision(&k, Decision::Once.form_value())? {
                            return Ok(Access::Granted);
                        }
                        // Another call consumed it first: read the decisions again.
                        continue 'attempt;
                    }
                    None => {}
                }
            }
            return Ok(Access::Denied);
        }
        // Every attempt lost its one-call grant to another call, and found a new one: say
        // so rather than ask the user for consent they gave.
        Err(StoreError(format!(
            "the consent decisions changed under {CONSENT_ATTEMPTS} checks in a row"
        )))
    }

    fn ask_consent(&self, key: ConsentKey, id: String) -> Result<(), StoreError> {
        let now_ms = unix_ms(SystemTime::now());
        self.db
            .ask_consent(&key, &id, now_ms, pending_expired_ms(), MAX_PENDING)
    }

    fn pending_consent(&self, id: &str) -> Result<Option<ConsentKey>, StoreError> {
        if !is_random_hex(id, CONSENT_ID_BYTES) {
            return Ok(None);
        }
        Ok(self
            .db
            .pending_consent(id, pending_expired_ms())?
            .and_then(Self::pending_key))
    }

    fn decide_consent(
        &self,
        id: &str,
        decision: Decision,
    ) -> Result<Option<ConsentKey>, StoreError> {
        if !is_random_hex(id, CONSENT_ID_BYTES) {
            return Ok(None);
        }
        self.db.decide_consent(id, pending_expired_ms(), |pending| {
            let key = Self::pending_key(pending)?;
            let stored = StoredDecision {
                login: key.user.clone(),
                service: key.service.clone(),
                family: key.family.to_owned(),
                attribute: key.attribute.map(str::to_owned),
                decision: decision.form_value().to_owned(),
            };
            Some((key, stored))
        })
    }

    fn open_session(&self, id: &str, login: &str, csrf: &str) -> Result<(), StoreError> {
        let now_ms = unix_ms(SystemTime::now());
        let ttl = i64::try_from(SESSION_TTL.as_millis()).unwrap_or(i64::MAX);
        self.db.open_session(
            &hash_hex(&token_hash(id)),
            login,
            csrf,
            now_ms,
            now_ms.saturating_add(ttl),
            MAX_SESSIONS,
        )
    }

    fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        if !is_random_hex(id, SESSION_ID_BYTES) {
            return Ok(None);
        }
        let now_ms = unix_ms(SystemTime::now());
        let stored = self.db.session(&hash_hex(&token_hash(id)), now_ms)?;
        Ok(stored.map(|(login, csrf, expires_ms)| {
            let left = Duration::from_millis(expires_ms.saturating_sub(now_ms).unsigned_abs());
            Session::restored(login, csrf, instant_after(Instant::now(), left))
        }))
    }

    fn start_sign_in(
        &self,
        client: Client,
        request: AuthnRequest,
        relay_state: Option<String>,
    ) -> Result<Option<String>, StoreError> {
        let Some(id) = random_hex(SIGN_IN_ID_BYTES) else {
            return Ok(None);
        };
        let new = NewSignIn {
            id: &id,
            client: &client.key(),
            request: &request,
            relay_state: relay_state.as_deref(),
            now_ms: unix_ms(SystemTime::now()),
        };
        let bounds = Bounds {
            expired_ms: sign_in_expired_ms(),
            per_client: MAX_PENDING_PER_CLIENT,
            all: MAX_SIGN_INS,
        };
        self.db.start_sign_in(&new, &bounds)?;
        Ok(Some(id))
    }

    fn attempt_sign_in(&self, id: &str) -> Result<Result<AuthnRequest, NoAttempt>, StoreError> {
        if !is_random_hex(id, SIGN_IN_ID_BYTES) {
            return Ok(Err(NoAttempt::Gone));
        }
        self.db
            .attempt_sign_in(id, sign_in_expired_ms(), MAX_ATTEMPTS)
    }

    fn sign_in_attempts_left(&self, id: &str) -> Result<u32, StoreError> {
        if !is_random_hex(id, SIGN_IN_ID_BYTES) {
            return Ok(0);
        }
        self.db.sign_in_attempts_left(id, MAX_ATTEMPTS)
    }

    fn finish_sign_in(&self, id: &str) -> Result<Option<PendingLogin>, StoreError> {
        if !is_random_hex(id, SIGN_IN_ID_BYTES) {
            return Ok(None);
        }
        Ok(self
            .db
            .finish_sign_in(id, sign_in_expired_ms())?
            .map(|(request, relay_state)| PendingLogin::restored(request, relay_state)))
    }

    fn signing_key(&self, generate: GenerateKey<'_>) -> Result<String, StoreError> {
        self.db.signing_key(generate)
    }
}
