//! The data in a SQLite file ([`crate::SandboxConfig::db`]), written through: the data in
//! memory stays the read path, and every change goes to the file first (one transaction,
//! under the same lock as the change in memory), so a change is answered only once it is
//! stored.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use crate::domain::consent::{Access, ConsentKey, Consents, Decision};
use crate::domain::seeds::Seeds;
use crate::domain::session::Session;
use crate::domain::sign_in::{AuthnRequest, Client, NoAttempt, PendingLogin};
use crate::domain::token::{
    hash_from_hex, hash_hex, instant_after, unix_ms, IssuedToken, TokenHash, TokenProblem, Tokens,
};
use crate::domain::user::{UserChange, UserData};
use crate::store::memory::MemoryStore;
use crate::store::sql::Db;
use crate::store::{GenerateKey, SandboxError, Store, StoreError};

/// The data in memory, kept in a SQLite file.
pub(crate) struct SqliteStore {
    memory: MemoryStore,
    db: Db,
}

impl SqliteStore {
    /// The data stored at `path` (created if absent). Users the database does not know yet
    /// (a new database, or a login added to the configuration) get the seed data, stored at
    /// once; the others get their stored data, so seeds are never added twice.
    pub(crate) fn open<'a>(
        path: &Path,
        logins: impl IntoIterator<Item = &'a str>,
        seeds: &Seeds,
    ) -> Result<Self, SandboxError> {
        let db = Db::open(path)?;
        let mut users = HashMap::new();
        for login in logins {
            if users.contains_key(login) {
                continue;
            }
            let data = match db.load_user(login)? {
                Some(stored) => UserData::restored(
                    seeds,
                    stored.next_id,
                    stored.contacts,
                    stored.pictures,
                    stored.events,
                ),
                None => {
                    let data = UserData::seeded(seeds);
                    let contacts: Vec<_> = data.contacts().iter().collect();
                    db.seed_user(login, data.next_id, &contacts, &data.pictures)?;
                    data
                }
            };
            users.insert(login.to_owned(), data);
        }
        let now = Instant::now();
        let now_ms = unix_ms(SystemTime::now());
        let mut tokens = Tokens::default();
        for t in db.load_tokens(now_ms)? {
            let left = Duration::from_millis(
                u64::try_from(t.expires_ms.saturating_sub(now_ms)).unwrap_or(0),
            );
            if let Some(hash) = hash_from_hex(&t.hash) {
                tokens.insert(hash, t.login, instant_after(now, left));
            }
        }
        let consents = Consents::restored(db.load_decisions()?);
        Ok(Self {
            memory: MemoryStore::restored(users, tokens, consents),
            db,
        })
    }
}

impl Store for SqliteStore {
    fn path(&self) -> Option<&Path> {
        Some(self.db.path())
    }

    fn waits(&self) -> bool {
        true
    }

    fn read_user(&self, login: &str, read: &mut dyn FnMut(&UserData)) -> Result<bool, StoreError> {
        self.memory.read_user(login, read)
    }

    fn change_user(
        &self,
        login: &str,
        plan: &mut dyn FnMut(&UserData) -> Option<UserChange>,
    ) -> Result<bool, StoreError> {
        self.memory
            .change_user_with(login, plan, |change| self.db.keep_change(login, change))
    }

    fn save_token(&self, token: IssuedToken) -> Result<(), StoreError> {
        self.memory.save_token_with(token, |t| {
            let now_ms = unix_ms(SystemTime::now());
            self.db
                .save_token(&hash_hex(&t.hash), &t.login, t.expires_ms, now_ms)
        })
    }

    fn token_user(&self, hash: &TokenHash) -> Result<String, TokenProblem> {
        self.memory.token_user_with(hash, |hash| {
            // Expired anyway: a failure only leaves a row that the next issue removes.
            if let Err(e) = self.db.delete_token(&hash_hex(hash)) {
                tracing::warn!(target: "papi_sandbox", error = %e, "cannot forget an expired token");
            }
        })
    }

    fn check_consent(&self, key: &ConsentKey) -> Result<Access, StoreError> {
        self.memory
            .check_consent_with(key, |k, d| self.db.consume_decision(k, d.form_value()))
    }

    fn ask_consent(&self, key: ConsentKey, id: String) -> Result<(), StoreError> {
        // Waiting requests are not stored: they live as long as the process.
        self.memory.ask_consent(key, id)
    }

    fn pending_consent(&self, id: &str) -> Result<Option<ConsentKey>, StoreError> {
        self.memory.pending_consent(id)
    }

    fn decide_consent(
        &self,
        id: &str,
        decision: Decision,
    ) -> Result<Option<ConsentKey>, StoreError> {
        self.memory.decide_consent_with(id, decision, |k, d| {
            self.db.save_decision(k, d.form_value())
        })
    }

    fn open_session(&self, id: &str, login: &str, csrf: &str) -> Result<(), StoreError> {
        // Browser sessions are not stored: they live as long as the process.
        self.memory.open_session(id, login, csrf)
    }

    fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        self.memory.session(id)
    }

    fn start_sign_in(
        &self,
        client: Client,
        request: AuthnRequest,
        relay_state: Option<String>,
    ) -> Result<Option<String>, StoreError> {
        // Sign-ins in progress are not stored: they live as long as the process.
        self.memory.start_sign_in(client, request, relay_state)
    }

    fn attempt_sign_in(&self, id: &str) -> Result<Result<AuthnRequest, NoAttempt>, StoreError> {
        self.memory.attempt_sign_in(id)
    }

    fn sign_in_attempts_left(&self, id: &str) -> Result<u32, StoreError> {
        self.memory.sign_in_attempts_left(id)
    }

    fn finish_sign_in(&self, id: &str) -> Result<Option<PendingLogin>, StoreError> {
        self.memory.finish_sign_in(id)
    }

    fn signing_key(&self, generate: GenerateKey<'_>) -> Result<String, StoreError> {
        self.db.signing_key(generate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::consent::family_of;
    use crate::generated::APIS;
    use crate::store::read_user;
    use crate::store::testing::{remove, temp_db};
    use papi_contacts::types::Contact;

    const LOGINS: [&str; 2] = ["alice", "bob"];

    fn contacts(store: &dyn Store, login: &str) -> Vec<Contact> {
        read_user(store, login, |d| d.contacts().to_vec())
            .unwrap()
            .unwrap()
    }

    #[test]
    fn seeds_round_trip_through_the_database_and_are_stored_once() {
        let db = temp_db("seeds");
        let seeds = Seeds::load();
        let memory = MemoryStore::seeded(LOGINS, &seeds);
        let first = SqliteStore::open(&db, LOGINS, &seeds).unwrap();
        let second = SqliteStore::open(&db, LOGINS, &seeds).unwrap();
        for login in LOGINS {
            // Every field of every seeded contact (addresses, devices…) comes back.
            assert_eq!(contacts(&second, login), contacts(&memory, login));
            assert_eq!(contacts(&first, login), contacts(&memory, login));
            let pictures = |s: &dyn Store| {
                read_user(s, login, |d| d.pictures.clone())
                    .unwrap()
                    .unwrap()
            };
            assert_eq!(pictures(&second), pictures(&memory));
            let next_id = |s: &dyn Store| read_user(s, login, |d| d.next_id).unwrap().unwrap();
            assert_eq!(next_id(&second), next_id(&memory));
        }
        drop((first, second));
        remove(&db);
    }

    #[test]
    fn a_one_call_grant_is_consumed_in_the_database_too() {
        let db = temp_db("once");
        let seeds = Seeds::load();
        let key = ConsentKey {
            user: "alice".into(),
            service: "sandbox-service".into(),
            family: family_of(APIS[0]),
            attribute: None,
        };
        let store = SqliteStore::open(&db, LOGINS, &seeds).unwrap();
        store.ask_consent(key.clone(), "id".into()).unwrap();
        assert_eq!(
            store.decide_consent("id", Decision::Once).unwrap(),
            Some(key.clone())
        );
        drop(store);
        let store = SqliteStore::open(&db, LOGINS, &seeds).unwrap();
        assert_eq!(store.check_consent(&key).unwrap(), Access::Granted);
        assert_eq!(store.check_consent(&key).unwrap(), Access::Denied);
        drop(store);
        let store = SqliteStore::open(&db, LOGINS, &seeds).unwrap();
        assert_eq!(store.check_consent(&key).unwrap(), Access::Denied);
        drop(store);
        remove(&db);
    }
}
