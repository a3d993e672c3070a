//! The data in memory: the default store, and the read path of the SQLite store, which
//! keeps each change in its file before making it here (the `*_with` methods take that
//! step as a hook, called under the lock of the data it changes).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use crate::domain::consent::{Access, ConsentKey, Consents, Decision};
use crate::domain::seeds::Seeds;
use crate::domain::session::{Session, Sessions};
use crate::domain::sign_in::{AuthnRequest, Client, NoAttempt, PendingLogin, PendingLogins};
use crate::domain::token::{IssuedToken, TokenHash, TokenProblem, Tokens};
use crate::domain::user::{UserChange, UserData};
use crate::store::{GenerateKey, Store, StoreError};
use crate::util::sync::lock;

/// Users' data, tokens and consents, each behind its own lock.
pub(crate) struct MemoryStore {
    users: HashMap<String, Mutex<UserData>>,
    tokens: Mutex<Tokens>,
    consents: Mutex<Consents>,
    sessions: Mutex<Sessions>,
    sign_ins: PendingLogins,
    signing_key: Mutex<Option<String>>,
}

impl MemoryStore {
    /// Fresh data: every login gets the seed data.
    pub(crate) fn seeded<'a>(logins: impl IntoIterator<Item = &'a str>, seeds: &Seeds) -> Self {
        let users = logins
            .into_iter()
            .map(|login| (login.to_owned(), UserData::seeded(seeds)))
            .collect();
        Self::restored(users, Tokens::default(), Consents::default())
    }

    /// Data read back from elsewhere.
    pub(crate) fn restored(
        users: HashMap<String, UserData>,
        tokens: Tokens,
        consents: Consents,
    ) -> Self {
        Self {
            users: users
                .into_iter()
                .map(|(login, data)| (login, Mutex::new(data)))
                .collect(),
            tokens: Mutex::new(tokens),
            consents: Mutex::new(consents),
            sessions: Mutex::new(Sessions::default()),
            sign_ins: PendingLogins::default(),
            signing_key: Mutex::new(None),
        }
    }

    /// [`Store::change_user`], where `keep` is called with the change before it is made
    /// (if it fails, nothing changes).
    pub(crate) fn change_user_with(
        &self,
        login: &str,
        plan: &mut dyn FnMut(&UserData) -> Option<UserChange>,
        keep: impl FnOnce(&UserChange) -> Result<(), StoreError>,
    ) -> Result<bool, StoreError> {
        let Some(user) = self.users.get(login) else {
            return Ok(false);
        };
        let mut data = lock(user);
        let Some(change) = plan(&data) else {
            return Ok(false);
        };
        keep(&change)?;
        data.apply(change);
        Ok(true)
    }

    /// [`Store::save_token`], where `keep` is called before the token is kept here.
    pub(crate) fn save_token_with(
        &self,
        token: IssuedToken,
        keep: impl FnOnce(&IssuedToken) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut tokens = lock(&self.tokens);
        tokens.sweep(Instant::now());
        keep(&token)?;
        tokens.insert(token.hash, token.login, token.expires);
        Ok(())
    }

    /// [`Store::token_user`], where `forget` is told of an expired token.
    pub(crate) fn token_user_with(
        &self,
        hash: &TokenHash,
        forget: impl FnOnce(&TokenHash),
    ) -> Result<String, TokenProblem> {
        lock(&self.tokens).login_of(hash, Instant::now(), forget)
    }

    /// [`Store::check_consent`], where `consume` is called before a one-call grant is
    /// removed (the consents' lock is held throughout, so exactly one call gets it).
    pub(crate) fn check_consent_with(
        &self,
        key: &ConsentKey,
        consume: impl FnOnce(&ConsentKey, Decision) -> Result<(), StoreError>,
    ) -> Result<Access, StoreError> {
        lock(&self.consents).check_with(key, consume)
    }

    /// [`Store::decide_consent`], where `keep` is called before the decision is made.
    pub(crate) fn decide_consent_with(
        &self,
        id: &str,
        decision: Decision,
        keep: impl FnOnce(&ConsentKey, Decision) -> Result<(), StoreError>,
    ) -> Result<Option<ConsentKey>, StoreError> {
        lock(&self.consents).decide_with(id, decision, keep)
    }
}

impl Store for MemoryStore {
    fn path(&self) -> Option<&Path> {
        None
    }

    fn waits(&self) -> bool {
        false
    }

    fn read_user(&self, login: &str, read: &mut dyn FnMut(&UserData)) -> Result<bool, StoreError> {
        let Some(user) = self.users.get(login) else {
            return Ok(false);
        };
        read(&lock(user));
        Ok(true)
    }

    fn change_user(
        &self,
        login: &str,
        plan: &mut dyn FnMut(&UserData) -> Option<UserChange>,
    ) -> Result<bool, StoreError> {
        self.change_user_with(login, plan, |_| Ok(()))
    }

    fn save_token(&self, token: IssuedToken) -> Result<(), StoreError> {
        self.save_token_with(token, |_| Ok(()))
    }

    fn token_user(&self, hash: &TokenHash) -> Result<String, TokenProblem> {
        self.token_user_with(hash, |_| {})
    }

    fn check_consent(&self, key: &ConsentKey) -> Result<Access, StoreError> {
        self.check_consent_with(key, |_, _| Ok(()))
    }

    fn ask_consent(&self, key: ConsentKey, id: String) -> Result<(), StoreError> {
        lock(&self.consents).ask(key, id);
        Ok(())
    }

    fn pending_consent(&self, id: &str) -> Result<Option<ConsentKey>, StoreError> {
        Ok(lock(&self.consents).pending(id).cloned())
    }

    fn decide_consent(
        &self,
        id: &str,
        decision: Decision,
    ) -> Result<Option<ConsentKey>, StoreError> {
        self.decide_consent_with(id, decision, |_, _| Ok(()))
    }

    fn open_session(&self, id: &str, login: &str, csrf: &str) -> Result<(), StoreError> {
        lock(&self.sessions).open(
            id.to_owned(),
            login.to_owned(),
            csrf.to_owned(),
            Instant::now(),
        );
        Ok(())
    }

    fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        Ok(lock(&self.sessions).get(id, Instant::now()).cloned())
    }

    fn start_sign_in(
        &self,
        client: Client,
        request: AuthnRequest,
        relay_state: Option<String>,
    ) -> Result<Option<String>, StoreError> {
        Ok(self.sign_ins.start(client, request, relay_state))
    }

    fn attempt_sign_in(&self, id: &str) -> Result<Result<AuthnRequest, NoAttempt>, StoreError> {
        Ok(self.sign_ins.attempt(id))
    }

    fn sign_in_attempts_left(&self, id: &str) -> Result<u32, StoreError> {
        Ok(self.sign_ins.attempts_left(id))
    }

    fn finish_sign_in(&self, id: &str) -> Result<Option<PendingLogin>, StoreError> {
        Ok(self.sign_ins.finish(id))
    }

    fn signing_key(&self, generate: GenerateKey<'_>) -> Result<String, StoreError> {
        let mut key = lock(&self.signing_key);
        if let Some(pem) = key.as_ref() {
            return Ok(pem.clone());
        }
        let pem = generate().map_err(StoreError)?;
        *key = Some(pem.clone());
        Ok(pem)
    }
}
