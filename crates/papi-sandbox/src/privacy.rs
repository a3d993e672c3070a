//! Privacy consent: decisions per (user, service, family, attribute), pending consent
//! requests, the consent URL and the consent page.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use papi_core::general::{CONSENT_PAGE_INTEGRATION, CONSENT_URL};
use url::{form_urlencoded, Url};

use crate::generated::Api;

/// Sandbox-only query parameter of the consent URL: the id of the pending request (the
/// real page knew the user from its own login; the sandbox knows them from this id).
pub(crate) const CONSENT_ID_PARAM: &str = "consent";

/// Form field of the decision (`once`, `permanent` or `refuse`).
pub(crate) const DECISION_FIELD: &str = "decision";

/// Where the consent page's form posts.
pub(crate) const DECISION_PATH: &str = "/privacy/decision";

/// How long an unanswered consent request is kept.
const PENDING_TTL: Duration = Duration::from_secs(3600);
/// Consent requests kept at most; the oldest are dropped first.
const MAX_PENDING: usize = 10_000;

/// The path of the consent page: the documented privacy page's path.
pub(crate) fn consent_page_path() -> String {
    Url::parse(CONSENT_PAGE_INTEGRATION)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| "/sandbox/consent".to_owned())
}

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
    /// The decision named by the consent page's form.
    pub(crate) fn from_form(value: &str) -> Option<Self> {
        match value {
            "once" => Some(Self::Once),
            "permanent" => Some(Self::Permanent),
            "refuse" => Some(Self::Refused),
            _ => None,
        }
    }

    /// The form value naming the decision.
    pub(crate) fn form_value(self) -> &'static str {
        match self {
            Self::Once => "once",
            Self::Permanent => "permanent",
            Self::Refused => "refuse",
        }
    }

    fn describe(self) -> &'static str {
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
            let family = known_family(&d.family);
            let attribute = match d.attribute.as_deref() {
                None => Some(None),
                Some(a) => known_attribute(a).map(Some),
            };
            match (family, attribute, Decision::from_form(&d.decision)) {
                (Some(family), Some(attribute), Some(decision)) => {
                    consents.decisions.insert(
                        ConsentKey {
                            user: d.login,
                            service: d.service,
                            family,
                            attribute,
                        },
                        decision,
                    );
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
        let family = ConsentKey {
            attribute: None,
            ..key.clone()
        };
        let keys: &[&ConsentKey] = if key.attribute.is_some() {
            &[key, &family]
        } else {
            &[key]
        };
        for k in keys {
            match self.decisions.get(*k) {
                Some(Decision::Permanent) => return Ok(Access::Granted),
                Some(Decision::Once) => {
                    consume(k, Decision::Once)?;
                    self.decisions.remove(*k);
                    return Ok(Access::Granted);
                }
                Some(Decision::Refused) => return Ok(Access::Refused),
                None => {}
            }
        }
        Ok(Access::Denied)
    }

    /// Grants `key` permanently, as a *grant permanently* answer would.
    pub(crate) fn grant(&mut self, key: ConsentKey) {
        self.decisions.insert(key, Decision::Permanent);
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
    crate::generated::APIS
        .iter()
        .map(|api| family_of(api))
        .find(|f| *f == name)
}

/// The spec's name of a privacy attribute, if it is one.
fn known_attribute(name: &str) -> Option<&'static str> {
    crate::generated::APIS
        .iter()
        .flat_map(|api| api.actions.iter())
        .filter_map(|a| a.privacy_attribute)
        .find(|a| *a == name)
}

/// The consent URL for a pending request: the consent page on `base` with the documented
/// family, service id and attributes parameters and the sandbox's request id.
///
/// The attribute list is written as the 2008 capture writes it, its commas raw
/// (`attributes=,see`); every other character is form-urlencoded.
pub(crate) fn consent_url(base: &Url, key: &ConsentKey, id: &str) -> Option<Url> {
    let mut url = base.join(&consent_page_path()).ok()?;
    let encode =
        |value: &str| -> String { form_urlencoded::byte_serialize(value.as_bytes()).collect() };
    let mut pairs: Vec<String> = Vec::new();
    if let Some(family_param) = CONSENT_URL.family.first() {
        pairs.push(format!("{}={}", encode(family_param), encode(key.family)));
    }
    pairs.push(format!(
        "{}={}",
        encode(CONSENT_URL.service_id),
        encode(&key.service)
    ));
    if let Some(attribute) = key.attribute {
        let list = format!("{}{attribute}", CONSENT_URL.attributes_lead);
        let written: Vec<String> = list.split(',').map(encode).collect();
        pairs.push(format!(
            "{}={}",
            encode(CONSENT_URL.attributes),
            written.join(",")
        ));
    }
    pairs.push(format!("{}={}", encode(CONSENT_ID_PARAM), encode(id)));
    url.set_query(Some(&pairs.join("&")));
    Some(url)
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole HTML page with a title and a body (already escaped).
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n<h1>{}</h1>\n{body}\n</body>\n</html>\n",
        escape(title),
        escape(title)
    )
}

/// The consent page of a pending request.
pub(crate) fn consent_page(id: &str, key: &ConsentKey, return_url: Option<&str>) -> String {
    let what = match key.attribute {
        Some(attribute) => format!(
            "the <strong>{}</strong> data of the <strong>{}</strong> family",
            escape(attribute),
            escape(key.family)
        ),
        None => format!(
            "all the data of the <strong>{}</strong> family",
            escape(key.family)
        ),
    };
    let return_field = return_url
        .map(|r| {
            format!(
                // tidy: not the API's wire format: HTML of the sandbox's own pages
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape(CONSENT_URL.return_url),
                escape(r)
            )
        })
        .unwrap_or_default();
    let body = format!(
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        "<p>Sandbox user <strong>{user}</strong>: the service <strong>{service}</strong> asks to access {what}.</p>\n\
         <form method=\"post\" action=\"{action}\">\n\
         <input type=\"hidden\" name=\"{id_field}\" value=\"{id}\">\n\
         {return_field}\
         <button type=\"submit\" name=\"{decision}\" value=\"once\">Grant once</button>\n\
         <button type=\"submit\" name=\"{decision}\" value=\"permanent\">Grant permanently</button>\n\
         <button type=\"submit\" name=\"{decision}\" value=\"refuse\">Refuse</button>\n\
         </form>",
        user = escape(&key.user),
        service = escape(&key.service),
        action = escape(DECISION_PATH),
        id_field = escape(CONSENT_ID_PARAM),
        id = escape(id),
        decision = escape(DECISION_FIELD),
    );
    page("Privacy consent (papi sandbox)", &body)
}

/// The page shown after a decision when there is no usable return URL.
pub(crate) fn decided_page(key: &ConsentKey, decision: Decision) -> String {
    let body = format!(
        "<p>Access of the service <strong>{}</strong> to the <strong>{}</strong> family{} was {}.</p>",
        escape(&key.service),
        escape(key.family),
        key.attribute
            .map(|a| format!(" (<strong>{}</strong>)", escape(a)))
            .unwrap_or_default(),
        decision.describe()
    );
    page("Privacy consent recorded (papi sandbox)", &body)
}

/// A page saying what went wrong.
pub(crate) fn problem_page(message: &str) -> String {
    page(
        "Privacy consent (papi sandbox)",
        &format!("<p>{}</p>", escape(message)),
    )
}

/// The return URL, if it is an absolute http(s) URL.
pub(crate) fn usable_return_url(raw: Option<&str>) -> Option<Url> {
    let url = Url::parse(raw?).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(attribute: Option<&'static str>) -> ConsentKey {
        ConsentKey {
            user: "alice".into(),
            service: "svc".into(),
            family: "contact",
            attribute,
        }
    }

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

    #[test]
    fn the_consent_url_reads_back() {
        let base = Url::parse("http://127.0.0.1:9/").unwrap();
        let url = consent_url(&base, &key(Some("see")), "abc").unwrap();
        let parsed = papi_core::ConsentRequest::parse(url.as_str()).unwrap();
        assert_eq!(parsed.family(), Some("contact"));
        assert_eq!(parsed.service_id(), Some("svc"));
        assert_eq!(parsed.attributes(), ["see"]);
        assert_eq!(url.path(), "/privacy/interaction.do");
        // The attribute list as the 2008 capture writes it: its comma raw.
        assert!(url.as_str().contains("attributes=,see"), "{url}");
        // The client reads both spellings alike.
        let encoded = url.as_str().replace("attributes=,see", "attributes=%2Csee");
        let again = papi_core::ConsentRequest::parse(&encoded).unwrap();
        assert_eq!(again.attributes(), ["see"]);
        // Other values stay form-urlencoded.
        let odd = ConsentKey {
            service: "svc &x=1".into(),
            ..key(Some("see"))
        };
        let url = consent_url(&base, &odd, "abc").unwrap();
        let parsed = papi_core::ConsentRequest::parse(url.as_str()).unwrap();
        assert_eq!(parsed.service_id(), Some("svc &x=1"));
    }

    #[test]
    fn pages_escape_everything() {
        let mut k = key(Some("see"));
        k.user = "<script>".into();
        let page = consent_page("i\"d", &k, Some("http://x/?a=1&b=\"<"));
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("i&quot;d"));
        assert!(page.contains("a=1&amp;b=&quot;&lt;"));
    }

    #[test]
    fn only_absolute_web_return_urls_are_followed() {
        assert!(usable_return_url(Some("https://my.site/back?x=1")).is_some());
        for bad in ["/back", "javascript:alert(1)", "ftp://x/", ""] {
            assert!(usable_return_url(Some(bad)).is_none(), "{bad}");
        }
    }
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

/// The form the consent page posts for `choice`, for programs that act as the user's
/// browser (demos, tests): the decision URL and its form fields. `consent_redirect` is the
/// URL the service sent the browser to (the `-3` URL with `urlRetour` appended); `None` when
/// it is not one of this sandbox's consent URLs.
pub fn decision_form(
    consent_redirect: &url::Url,
    choice: ConsentChoice,
) -> Option<(url::Url, Vec<(&'static str, String)>)> {
    let pairs: HashMap<String, String> = consent_redirect.query_pairs().into_owned().collect();
    let id = pairs.get(CONSENT_ID_PARAM)?.clone();
    let decision = match choice {
        ConsentChoice::GrantOnce => Decision::Once,
        ConsentChoice::GrantPermanently => Decision::Permanent,
        ConsentChoice::Refuse => Decision::Refused,
    };
    let mut fields = vec![
        (CONSENT_ID_PARAM, id),
        (DECISION_FIELD, decision.form_value().to_owned()),
    ];
    if let Some(back) = pairs.get(papi_core::general::CONSENT_URL.return_url) {
        fields.push((papi_core::general::CONSENT_URL.return_url, back.clone()));
    }
    let url = consent_redirect.join(DECISION_PATH).ok()?;
    Some((url, fields))
}
