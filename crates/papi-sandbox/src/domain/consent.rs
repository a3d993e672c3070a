//! Privacy consent: decisions per (user, service, family, attribute), the pending consent
//! requests, and what the user can answer.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::generated::{Api, APIS};

/// Random bytes of a consent request's id.
pub(crate) const CONSENT_ID_BYTES: usize = 16;
/// How long an unanswered consent request is kept.
pub(crate) const PENDING_TTL: Duration = Duration::from_secs(3600);
/// Consent requests kept at most; the oldest are dropped first.
pub(crate) const MAX_PENDING: usize = 10_000;

/// The privacy family of an API; for an API whose family is undocumented, its spec id
/// (a sandbox-only family name).
pub(crate) fn family_of(api: &'static Api) -> &'static str {
    api.family.unwrap_or(api.id)
}

/// What a consent covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ConsentKey {
    pub(crate) user: String,
    pub(crate) service: String,
    pub(crate) family: &'static str,
    /// `None`: the whole family.
    pub(crate) attribute: Option<&'static str>,
}

impl ConsentKey {
    /// The keys whose decisions a call needing this key follows, first to last: its own,
    /// then (for an attribute) its whole family's. A decision on the attribute wins.
    pub(crate) fn followed(&self) -> Vec<ConsentKey> {
        let mut keys = vec![self.clone()];
        if self.attribute.is_some() {
            keys.push(ConsentKey {
                attribute: None,
                ..self.clone()
            });
        }
        keys
    }

    /// The key a stored decision or request names; `None` when its family or attribute is
    /// not the spec's (the spec changed since it was stored).
    pub(crate) fn from_stored(
        user: String,
        service: String,
        family: &str,
        attribute: Option<&str>,
    ) -> Option<Self> {
        let family = known_family(family)?;
        let attribute = match attribute {
            None => None,
            Some(a) => Some(known_attribute(a)?),
        };
        Some(Self {
            user,
            service,
            family,
            attribute,
        })
    }
}

/// The user's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// For one call.
    Once,
    /// Until changed.
    Permanent,
    /// Refused.
    Refused,
}

impl Decision {
    /// Every decision.
    const ALL: [Self; 3] = [Self::Once, Self::Permanent, Self::Refused];

    /// The decision named by the consent page's form ([`Self::form_value`]).
    pub(crate) fn from_form(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.form_value() == value)
    }

    /// The form value naming the decision.
    pub(crate) fn form_value(self) -> &'static str {
        match self {
            Self::Once => "once",
            Self::Permanent => "permanent",
            Self::Refused => "refuse",
        }
    }

    /// What the decision did, in words (for the page shown after it).
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Once => "granted for one call",
            Self::Permanent => "granted permanently",
            Self::Refused => "refused",
        }
    }
}

/// The result of a privacy check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Granted,
    Refused,
    Denied,
}

struct Pending {
    key: ConsentKey,
    created: Instant,
}

/// Decisions and pending requests.
#[derive(Default)]
pub(crate) struct Consents {
    decisions: HashMap<ConsentKey, Decision>,
    pending: HashMap<String, Pending>,
}

impl Consents {
    /// The stored decisions; those naming a family, attribute or decision this sandbox
    /// does not know (the spec changed) are left out, with a warning.
    pub(crate) fn restored(stored: Vec<StoredDecision>) -> Self {
        let mut consents = Self::default();
        for d in stored {
            let key =
                ConsentKey::from_stored(d.login, d.service, &d.family, d.attribute.as_deref());
            match (key, Decision::from_form(&d.decision)) {
                (Some(key), Some(decision)) => {
                    consents.decisions.insert(key, decision);
                }
                _ => tracing::warn!(
                    target: "papi_sandbox",
                    family = %d.family,
                    attribute = ?d.attribute,
                    decision = %d.decision,
                    "stored consent decision ignored: unknown family, attribute or decision"
                ),
            }
        }
        consents
    }

    /// Whether a call needing `key` may proceed. A decision on the attribute wins over one
    /// on the whole family; a *once* grant is consumed here (the caller holds the lock, so
    /// exactly one call gets it).
    #[cfg(test)]
    pub(crate) fn check(&mut self, key: &ConsentKey) -> Access {
        match self.check_with(key, |_, _| Ok::<(), std::convert::Infallible>(())) {
            Ok(access) => access,
            Err(never) => match never {},
        }
    }

    /// [`Consents::check`], where `consume` is called before a *once* grant is removed;
    /// if it fails, the grant stays and the error is returned.
    pub(crate) fn check_with<E>(
        &mut self,
        key: &ConsentKey,
        consume: impl FnOnce(&ConsentKey, Decision) -> Result<(), E>,
    ) -> Result<Access, E> {
        for k in &key.followed() {
            match self.decisions.get(k) {
                Some(Decision::Permanent) => return Ok(Access::Granted),
                Some(Decision::Once) => {
                    consume(k, Decision::Once)?;
                    self.decisions.remove(k);
                    return Ok(Access::Granted);
                }
                Some(Decision::Refused) => return Ok(Access::Refused),
                None => {}
            }
        }
        Ok(Access::Denied)
    }

    /// Records a consent request; its id goes into the consent URL.
    /// Expired requests are dropped; beyond [`MAX_PENDING`] the oldest goes.
    pub(crate) fn ask(&mut self, key: ConsentKey, id: String) {
        let now = Instant::now();
        self.pending
            .retain(|_, p| now.duration_since(p.created) < PENDING_TTL);
        if self.pending.len() >= MAX_PENDING {
            if let Some(oldest) = self
                .pending
                .iter()
                .min_by_key(|(_, p)| p.created)
                .map(|(k, _)| k.clone())
            {
                self.pending.remove(&oldest);
            }
        }
        self.pending.insert(id, Pending { key, created: now });
    }

    /// The pending request with that id, unless it has expired.
    pub(crate) fn pending(&self, id: &str) -> Option<&ConsentKey> {
        self.pending
            .get(id)
            .filter(|p| p.created.elapsed() < PENDING_TTL)
            .map(|p| &p.key)
    }

    /// Applies the user's decision to a pending request (which is then answered).
    #[cfg(test)]
    pub(crate) fn decide(&mut self, id: &str, decision: Decision) -> Option<ConsentKey> {
        match self.decide_with(id, decision, |_, _| Ok::<(), std::convert::Infallible>(())) {
            Ok(key) => key,
            Err(never) => match never {},
        }
    }

    /// [`Consents::decide`], where `store` is called before the decision is made; if it
    /// fails, the request stays pending and the error is returned.
    pub(crate) fn decide_with<E>(
        &mut self,
        id: &str,
        decision: Decision,
        store: impl FnOnce(&ConsentKey, Decision) -> Result<(), E>,
    ) -> Result<Option<ConsentKey>, E> {
        let Some(pending) = self
            .pending
            .get(id)
            .filter(|p| p.created.elapsed() < PENDING_TTL)
        else {
            return Ok(None);
        };
        store(&pending.key, decision)?;
        let Some(pending) = self.pending.remove(id) else {
            return Ok(None);
        };
        self.decisions.insert(pending.key.clone(), decision);
        Ok(Some(pending.key))
    }
}

/// The spec's name of a privacy family (as [`family_of`] gives it), if it is one.
fn known_family(name: &str) -> Option<&'static str> {
    APIS.iter().map(|api| family_of(api)).find(|f| *f == name)
}

/// The spec's name of a privacy attribute, if it is one.
fn known_attribute(name: &str) -> Option<&'static str> {
    APIS.iter()
        .flat_map(|api| api.actions.iter())
        .filter_map(|a| a.privacy_attribute)
        .find(|a| *a == name)
}

/// A stored consent decision, as text (mapped back to the spec's names by the caller).
pub(crate) struct StoredDecision {
    pub(crate) login: String,
    pub(crate) service: String,
    pub(crate) family: String,
    /// `None`: the whole family.
    pub(crate) attribute: Option<String>,
    pub(crate) decision: String,
}

/// What a user can answer on the consent page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentChoice {
    /// Grant access for one call.
    GrantOnce,
    /// Grant access until changed.
    GrantPermanently,
    /// Refuse access.
    Refuse,
}

impl ConsentChoice {
    /// The value the consent page's button for this choice sends.
    pub fn form_value(self) -> &'static str {
        Decision::from(self).form_value()
    }
}

impl From<ConsentChoice> for Decision {
    fn from(choice: ConsentChoice) -> Self {
        match choice {
            ConsentChoice::GrantOnce => Decision::Once,
            ConsentChoice::GrantPermanently => Decision::Permanent,
            ConsentChoice::Refuse => Decision::Refused,
        }
    }
}

/// Which privacy families count as already granted, for tests that are not about consent
/// ([`crate::SandboxConfig::auto_consent`]). Consent stays the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AutoConsent {
    /// Every call needs the user's consent, as with the real APIs (the default).
    #[default]
    Off,
    /// Every family counts as granted permanently: no call asks for consent.
    All,
    /// These families (as the consent URL names them: `contact`, `messages`, `agenda`,
    /// …; see [`AutoConsent::families`]) count as granted permanently; the others ask.
    Families(Vec<String>),
}

impl AutoConsent {
    /// Whether calls to `family` skip consent.
    pub(crate) fn covers(&self, family: &str) -> bool {
        match self {
            Self::Off => false,
            Self::All => true,
            Self::Families(families) => families.iter().any(|f| f == family),
        }
    }

    /// The privacy families the sandbox's actions belong to: the values
    /// [`AutoConsent::Families`] accepts.
    pub fn families() -> Vec<&'static str> {
        let mut families: Vec<&'static str> = crate::generated::APIS
            .iter()
            .filter(|api| !api.actions.is_empty())
            .map(|api| family_of(api))
            .collect();
        families.sort_unstable();
        families.dedup();
        families
    }

    /// The first family listed that no action belongs to, if any.
    pub(crate) fn unknown_family(&self) -> Option<&str> {
        let Self::Families(families) = self else {
            return None;
        };
        let known = Self::families();
        families
            .iter()
            .find(|f| !known.contains(&f.as_str()))
            .map(String::as_str)
    }
}

/// A key of `alice` and the service `svc` to the `contact` family, for tests.
#[cfg(test)]
pub(crate) fn test_key(attribute: Option<&'static str>) -> ConsentKey {
    ConsentKey {
        user: "alice".into(),
        service: "svc".into(),
        family: "contact",
        attribute,
    }
}

#[cfg(test)]
mod tests {
    use super::test_key as key;
    use super::*;

    #[test]
    fn once_is_consumed_and_family_grants_cover_attributes() {
        let mut c = Consents::default();
        assert_eq!(c.check(&key(Some("see"))), Access::Denied);
        c.ask(key(Some("see")), "id1".into());
        assert_eq!(c.decide("id1", Decision::Once), Some(key(Some("see"))));
        assert_eq!(c.decide("id1", Decision::Once), None);
        assert_eq!(c.check(&key(Some("see"))), Access::Granted);
        assert_eq!(c.check(&key(Some("see"))), Access::Denied);
        c.ask(key(None), "id2".into());
        c.decide("id2", Decision::Permanent);
        assert_eq!(c.check(&key(Some("add"))), Access::Granted);
        assert_eq!(c.check(&key(None)), Access::Granted);
        c.ask(key(Some("add")), "id3".into());
        c.decide("id3", Decision::Refused);
        assert_eq!(c.check(&key(Some("add"))), Access::Refused);
    }
}
