//! Consent: what a call needs, whether it has it, asking the user, and the user's decision.

use url::Url;

use crate::domain::consent::{family_of, Access, ConsentKey, Decision, CONSENT_ID_BYTES};
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
    /// 128 bits); `Ok(None)` when there is no randomness.
    pub(crate) fn ask_consent(&self, key: &ConsentKey) -> Result<Option<String>, StoreError> {
        let Some(id) = random_hex(CONSENT_ID_BYTES) else {
            return Ok(None);
        };
        self.store().ask_consent(key.clone(), id.clone())?;
        Ok(Some(id))
    }

    /// The consent request waiting under `id`.
    pub(crate) fn pending_consent(&self, id: &str) -> Result<Option<ConsentKey>, StoreError> {
        self.store().pending_consent(id)
    }

    /// Applies the decision of the user `login` to the consent request `id`, stored first:
    /// only the request's own user decides it.
    pub(crate) fn decide_consent(
        &self,
        login: &str,
        id: &str,
        decision: Decision,
    ) -> Result<Decided, StoreError> {
        // A request's user never changes: checked here, it holds when deciding.
        match self.pending_consent(id)? {
            None => return Ok(Decided::Unknown),
            Some(key) if key.user != login => return Ok(Decided::OtherUser),
            Some(_) => {}
        }
        Ok(match self.store().decide_consent(id, decision)? {
            Some(key) => Decided::Made(key),
            None => Decided::Unknown,
        })
    }

    /// Where a consent page may send the user back to: the return URL `raw` the service
    /// gave, when it is an absolute http(s) URL on loopback or on one of the service's
    /// registered sites; else why not (a sentence for the user).
    pub(crate) fn return_url(&self, raw: &str) -> Result<Url, String> {
        let url = Url::parse(raw).map_err(|_| {
            "The service asked to send you back to a page whose address is not a URL.".to_owned()
        })?;
        if self.settings.site_origins.allow(&url) {
            return Ok(url);
        }
        let origin = url.origin();
        let shown = if origin.is_tuple() {
            origin.ascii_serialization()
        } else {
            format!("a `{}:` address", url.scheme())
        };
        Err(format!(
            "The service asked to send you back to {shown}, which is not one of its registered \
             web sites: this sandbox does not send you there."
        ))
    }
}

/// What became of a user's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decided {
    /// Made (and stored): what it covers.
    Made(ConsentKey),
    /// No such request (unknown, expired or already answered).
    Unknown,
    /// The request is another user's: nothing changed.
    OtherUser,
}
