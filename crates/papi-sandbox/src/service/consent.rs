//! Consent: what a call needs, whether it has it, asking the user, and the user's decision.

use crate::domain::consent::{family_of, Access, ConsentKey, Decision};
use crate::generated::Api;
use crate::service::state::Service;
use crate::store::StoreError;
use crate::util::random::random_hex;

impl Service {
    /// What a call of `login` to an action of `api` with that privacy attribute needs
    /// (the whole family for an action without one).
    pub(crate) fn consent_key(
        &self,
        login: &str,
        api: &'static Api,
        attribute: Option<&'static str>,
    ) -> ConsentKey {
        ConsentKey {
            user: login.to_owned(),
            service: self.settings.service_id.clone(),
            family: family_of(api),
            attribute,
        }
    }

    /// Whether a call needing `key` may proceed; a one-call grant is consumed.
    pub(crate) fn check_consent(&self, key: &ConsentKey) -> Result<Access, StoreError> {
        self.store().check_consent(key)
    }

    /// Asks the user for `key`: records a consent request and returns its id (random,
    /// 128 bits); `None` when there is no randomness.
    pub(crate) fn ask_consent(&self, key: &ConsentKey) -> Option<String> {
        let id = random_hex(16)?;
        self.store().ask_consent(key.clone(), id.clone());
        Some(id)
    }

    /// The consent request waiting under `id`.
    pub(crate) fn pending_consent(&self, id: &str) -> Option<ConsentKey> {
        self.store().pending_consent(id)
    }

    /// Applies the user's decision to the consent request `id`, stored first; `Ok(None)`
    /// when there is no such request (unknown, expired or already answered).
    pub(crate) fn decide_consent(
        &self,
        id: &str,
        decision: Decision,
    ) -> Result<Option<ConsentKey>, StoreError> {
        self.store().decide_consent(id, decision)
    }
}
