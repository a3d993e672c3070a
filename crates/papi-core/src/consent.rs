//! The privacy consent flow: the `-3 PrivacyAccessDeniedException` carries a URL of a
//! privacy page; the service redirects the user's browser to it with
//! `urlRetour=<return URL>` appended, the user decides, and the service calls again.

use std::fmt;

use url::{form_urlencoded, Url};

use crate::general::{
    CONSENT_OTHER_HOSTS, CONSENT_PAGE_INTEGRATION, CONSENT_PAGE_PRODUCTION, CONSENT_URL,
};

/// Why a consent URL or a return URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConsentError {
    /// The consent URL answered by the API is not an absolute http(s) URL.
    #[error("invalid consent URL {url:?}: {reason}")]
    InvalidConsentUrl {
        /// The URL as received.
        url: String,
        /// Why it is refused.
        reason: String,
    },
    /// The consent URL answered by the API points where this configuration does not send
    /// users (see [`crate::Config::with_consent_origin`]); `url` keeps it as received, for
    /// logs.
    #[error("consent URL refused ({reason}): {url:?}")]
    UntrustedConsentUrl {
        /// The URL as received.
        url: String,
        /// Why it is refused.
        reason: String,
    },
    /// The return URL is not an absolute http(s) URL.
    #[error("invalid return URL {url:?}: {reason}")]
    InvalidReturnUrl {
        /// The URL given.
        url: String,
        /// Why it is refused.
        reason: String,
    },
}

/// A consent request read from a privacy error's URL: a call refused with `-3` carries
/// one ([`Error::consent`](crate::Error::consent)), and the user's browser is sent to its
/// [`redirect_url`](ConsentRequest::redirect_url) (see also [`ConsentFlow`](crate::ConsentFlow)).
///
/// Boxed inside so that errors carrying it stay small.
///
/// ```
/// use papi_core::ConsentRequest;
///
/// // The URL of the documentation's privacy error (the servers XML-escape it).
/// let consent = ConsentRequest::parse(
///     "http://privacy.orange.fr/urm-gui/interaction.do?family=contact&serviceId=MYSERVICE&attributes=,see",
/// )?;
/// assert_eq!(consent.family(), Some("contact"));
/// assert_eq!(consent.service_id(), Some("MYSERVICE"));
/// assert_eq!(consent.attributes(), ["see"]);
/// // Where to send the user: the consent page, coming back to the service afterwards.
/// let redirect = consent.redirect_url("https://my.service.example/back?step=2")?;
/// assert_eq!(
///     redirect.as_str(),
///     "http://privacy.orange.fr/urm-gui/interaction.do?family=contact&serviceId=MYSERVICE&attributes=,see\
///      &urlRetour=https%3A%2F%2Fmy.service.example%2Fback%3Fstep%3D2"
/// );
/// # Ok::<(), papi_core::ConsentError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRequest(Box<Parsed>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Parsed {
    raw: String,
    url: Url,
    family: Option<String>,
    service_id: Option<String>,
    attributes: Vec<String>,
}

impl ConsentRequest {
    /// Reads a consent URL (already XML-unescaped). Whitespace (Unicode, so the no-break
    /// spaces of the documentation count) is removed first: a URL holds none, and the
    /// documentation printed the URL broken over two indented lines.
    pub fn parse(raw: &str) -> Result<Self, ConsentError> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let invalid = |reason: String| ConsentError::InvalidConsentUrl {
            url: raw.to_owned(),
            reason,
        };
        let url = Url::parse(&compact).map_err(|e| invalid(e.to_string()))?;
        if !is_web_url(&url) {
            return Err(invalid("expected an absolute http or https URL".into()));
        }
        let mut family = None;
        let mut service_id = None;
        let mut attributes = Vec::new();
        for (key, value) in url.query_pairs() {
            if family.is_none() && CONSENT_URL.family.contains(&key.as_ref()) {
                family = Some(value.into_owned());
            } else if service_id.is_none() && key == CONSENT_URL.service_id {
                service_id = Some(value.into_owned());
            } else if key == CONSENT_URL.attributes {
                attributes.extend(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .map(str::to_owned),
                );
            }
        }
        Ok(Self(Box::new(Parsed {
            raw: raw.to_owned(),
            url,
            family,
            service_id,
            attributes,
        })))
    }

    /// The URL as received (XML-unescaped, whitespace kept).
    pub fn raw(&self) -> &str {
        &self.0.raw
    }

    /// The parsed URL (whitespace removed).
    pub fn url(&self) -> &Url {
        &self.0.url
    }

    /// The privacy family (e.g. `contact`, `photos`), whichever spelling carried it.
    pub fn family(&self) -> Option<&str> {
        self.0.family.as_deref()
    }

    /// The service id the consent is asked for.
    pub fn service_id(&self) -> Option<&str> {
        self.0.service_id.as_deref()
    }

    /// The privacy attributes asked for (`,see` gives `["see"]`).
    pub fn attributes(&self) -> &[String] {
        &self.0.attributes
    }

    /// The URL to redirect the user's browser to: the consent URL with
    /// `urlRetour=<return_url, form-urlencoded>` appended (replacing any previous one).
    /// The other parameters are kept byte for byte.
    pub fn redirect_url(&self, return_url: &str) -> Result<Url, ConsentError> {
        parse_return_url(return_url)?;
        Ok(self.redirect_to(return_url))
    }

    /// [`ConsentRequest::redirect_url`] with a return URL already checked, appended as
    /// given.
    pub(crate) fn redirect_to(&self, back: &str) -> Url {
        let name = CONSENT_URL.return_url;
        let mut query: Vec<String> = self
            .0
            .url
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|seg| !seg.is_empty())
            .filter(|seg| {
                form_urlencoded::parse(seg.as_bytes())
                    .next()
                    .is_none_or(|(key, _)| key != name)
            })
            .map(str::to_owned)
            .collect();
        let pair = form_urlencoded::Serializer::new(String::new())
            .append_pair(name, back)
            .finish();
        query.push(pair);
        let mut url = self.0.url.clone();
        url.set_query(Some(&query.join("&")));
        url
    }
}

/// A return URL: an absolute http(s) URL.
pub(crate) fn parse_return_url(return_url: &str) -> Result<Url, ConsentError> {
    let back = Url::parse(return_url).map_err(|e| ConsentError::InvalidReturnUrl {
        url: return_url.to_owned(),
        reason: e.to_string(),
    })?;
    if !is_web_url(&back) {
        return Err(ConsentError::InvalidReturnUrl {
            url: return_url.to_owned(),
            reason: "expected an absolute http or https URL".into(),
        });
    }
    Ok(back)
}

/// Where consent URLs answered by the API may send users: in production the documented
/// privacy page's host and the other documented hosts, over `https` only; in integration
/// those of integration; for a custom base URL, its origin. The origins the caller adds
/// ([`crate::Config::with_consent_origin`]) count in every environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConsentPolicy {
    hosts: Vec<String>,
    https_only: bool,
    origins: Vec<url::Origin>,
}

/// The host of a documented page URL (validated by the generator).
fn page_host(page: &str) -> Option<String> {
    Url::parse(page)
        .ok()?
        .host_str()
        .map(str::to_ascii_lowercase)
}

impl ConsentPolicy {
    /// The documented production hosts, `https` only, and `origins`.
    pub(crate) fn production(origins: Vec<url::Origin>) -> Self {
        Self::documented(CONSENT_PAGE_PRODUCTION, true, origins)
    }

    /// The documented integration hosts, and `origins`.
    pub(crate) fn integration(origins: Vec<url::Origin>) -> Self {
        Self::documented(CONSENT_PAGE_INTEGRATION, false, origins)
    }

    /// Exactly `origins` (a custom base URL's, and the caller's).
    pub(crate) fn origins(origins: Vec<url::Origin>) -> Self {
        Self {
            hosts: Vec::new(),
            https_only: true,
            origins,
        }
    }

    fn documented(page: &str, https_only: bool, origins: Vec<url::Origin>) -> Self {
        let mut hosts: Vec<String> = CONSENT_OTHER_HOSTS.iter().map(|h| h.to_string()).collect();
        hosts.extend(page_host(page));
        Self {
            hosts,
            https_only,
            origins,
        }
    }

    /// Whether a consent URL may be shown to the caller; why not otherwise.
    pub(crate) fn check(&self, url: &Url) -> Result<(), String> {
        if !url.username().is_empty() || url.password().is_some() {
            return Err("it carries user information before its host".to_owned());
        }
        if self.origins.contains(&url.origin()) {
            return Ok(());
        }
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        if self.hosts.is_empty() {
            return Err(format!(
                "origin `{}` is neither the service's base URL nor an added consent origin",
                url.origin().ascii_serialization()
            ));
        }
        if url.port().is_some() || !self.hosts.contains(&host) {
            return Err(format!(
                "host `{host}` is not a documented privacy host ({})",
                self.hosts.join(", ")
            ));
        }
        if self.https_only && url.scheme() != "https" {
            return Err("production consent pages are https only".to_owned());
        }
        Ok(())
    }

    /// Moves an untrusted consent request of `error` to its
    /// [`ApiError::untrusted_consent`](crate::ApiError::untrusted_consent).
    pub(crate) fn vet<S>(&self, error: crate::Error<S>) -> crate::Error<S> {
        match error {
            crate::Error::Api(mut api) => {
                if let Some(consent) = api.consent.take() {
                    match self.check(consent.url()) {
                        Ok(()) => api.consent = Some(consent),
                        Err(reason) => {
                            api.untrusted_consent =
                                Some(Box::new(ConsentError::UntrustedConsentUrl {
                                    url: consent.raw().to_owned(),
                                    reason,
                                }))
                        }
                    }
                }
                crate::Error::Api(api)
            }
            other => other,
        }
    }
}

impl fmt::Display for ConsentRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.url.as_str())
    }
}

fn is_web_url(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https") && url.host().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_URL: &str = "http://mdsp.orange.fr/privacy/interaction.do?\n     family=photos&serviceId=myDemoSP&attributes=,see";

    #[test]
    fn parses_the_whitespace_broken_url_from_the_docs() {
        let c = ConsentRequest::parse(DOC_URL).unwrap();
        assert_eq!(c.raw(), DOC_URL);
        assert_eq!(
            c.url().as_str(),
            "http://mdsp.orange.fr/privacy/interaction.do?family=photos&serviceId=myDemoSP&attributes=,see"
        );
        assert_eq!(c.family(), Some("photos"));
        assert_eq!(c.service_id(), Some("myDemoSP"));
        assert_eq!(c.attributes(), ["see"]);
    }

    #[test]
    fn removes_no_break_spaces_too() {
        let c = ConsentRequest::parse(
            "http://mdsp.orange.fr/privacy/interaction.do?\n\u{a0}\u{a0}\u{a0}\u{a0} family=photos&serviceId=myDemoSP&attributes=,see",
        )
        .unwrap();
        assert_eq!(c.family(), Some("photos"));
        assert_eq!(
            c.url().as_str(),
            "http://mdsp.orange.fr/privacy/interaction.do?family=photos&serviceId=myDemoSP&attributes=,see"
        );
    }

    #[test]
    fn reads_both_family_spellings() {
        let c = ConsentRequest::parse(
            "http://privacy.orange.fr/urm-gui/interaction.do?familly=contact&serviceId=S1&attributes=,see,add",
        )
        .unwrap();
        assert_eq!(c.family(), Some("contact"));
        assert_eq!(c.attributes(), ["see", "add"]);
        let c = ConsentRequest::parse("http://p.example/i.do?family=contact&serviceId=S1").unwrap();
        assert_eq!(c.family(), Some("contact"));
        assert!(c.attributes().is_empty());
    }

    #[test]
    fn refuses_non_web_urls() {
        for bad in [
            "[privacy_redirection_url]",
            "javascript:alert(1)",
            "",
            "/relative?family=x",
        ] {
            assert!(ConsentRequest::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn redirect_url_appends_the_encoded_return_url() {
        let c = ConsentRequest::parse(DOC_URL).unwrap();
        let r = c
            .redirect_url("http://myservice.com/displaypage.php")
            .unwrap();
        assert_eq!(
            r.as_str(),
            "http://mdsp.orange.fr/privacy/interaction.do?family=photos&serviceId=myDemoSP&attributes=,see&urlRetour=http%3A%2F%2Fmyservice.com%2Fdisplaypage.php"
        );
        // Calling again on a URL that already has one replaces it.
        let again = ConsentRequest::parse(r.as_str())
            .unwrap()
            .redirect_url("https://my.site/back?x=1&y=a b")
            .unwrap();
        assert_eq!(
            again.query(),
            Some("family=photos&serviceId=myDemoSP&attributes=,see&urlRetour=https%3A%2F%2Fmy.site%2Fback%3Fx%3D1%26y%3Da+b")
        );
    }

    #[test]
    fn redirect_url_requires_an_absolute_web_return_url() {
        let c = ConsentRequest::parse(DOC_URL).unwrap();
        for bad in ["/displaypage.php", "javascript:alert(1)", "not a url"] {
            assert!(
                matches!(
                    c.redirect_url(bad),
                    Err(ConsentError::InvalidReturnUrl { .. })
                ),
                "{bad}"
            );
        }
    }
}
