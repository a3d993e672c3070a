//! The consent step of a call: an action needs its privacy attribute (or the whole family)
//! granted; without it, the privacy error carries the URL of a new consent request.

use url::Url;

use crate::api::answer::Answer;
use crate::domain::consent::{Access, ConsentKey};
use crate::domain::consent_url::consent_url;
use crate::generated::{Action, Api, PRIVACY_DENIED};
use crate::service::state::Service;

/// Whether the call of `login` to `action` may proceed: `Ok(false)` granted, `Ok(true)`
/// refused but answered with the consented items protected; else the answer (the privacy
/// error, with a consent URL on the sandbox at `base`, worked out only then).
pub(crate) fn consent(
    service: &Service,
    login: &str,
    api: &'static Api,
    action: &Action,
    base: impl FnOnce() -> Option<Url>,
) -> Result<bool, Answer> {
    let key = service.consent_key(login, api, action.privacy_attribute);
    if service.settings.auto_consent.covers(key.family) {
        return Ok(false);
    }
    match service.check_consent(&key) {
        Ok(Access::Granted) => Ok(false),
        Ok(Access::Refused) if action.protected_answer => Ok(true),
        Ok(Access::Refused | Access::Denied) => Err(privacy_denied(service, &key, base().as_ref())),
        Err(e) => Err(Answer::not_stored(&e)),
    }
}

/// The privacy error, with the URL of a new consent request.
fn privacy_denied(service: &Service, key: &ConsentKey, base: Option<&Url>) -> Answer {
    let Some(base) = base else {
        return cannot_ask();
    };
    let id = match service.ask_consent(key) {
        Ok(Some(id)) => id,
        Ok(None) => return cannot_ask(),
        Err(e) => return Answer::not_stored(&e),
    };
    let url = consent_url(base, key, &id);
    let detail = match key.attribute {
        Some(a) => format!(
            "the user has not consented to `{a}` of the family `{}`",
            key.family
        ),
        None => format!("the user has not consented to the family `{}`", key.family),
    };
    Answer::general(PRIVACY_DENIED, &detail, url.as_ref())
}

fn cannot_ask() -> Answer {
    Answer::general(
        PRIVACY_DENIED,
        "no consent; the sandbox cannot make a consent request",
        None,
    )
}
