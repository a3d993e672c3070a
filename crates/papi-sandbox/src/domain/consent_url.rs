//! The consent URL a privacy error carries: the sandbox's consent page with the documented
//! family, service id and attributes parameters, and the pending request's id.

use papi_core::general::{CONSENT_PAGE_INTEGRATION, CONSENT_URL};
use url::{form_urlencoded, Url};

use crate::domain::consent::ConsentKey;

/// Sandbox-only query parameter of the consent URL: the id of the pending request (the
/// real page knew the user from its own login; the sandbox knows them from this id).
pub(crate) const CONSENT_ID_PARAM: &str = "consent";

/// The path of the consent page: the documented privacy page's path.
pub(crate) fn consent_page_path() -> String {
    Url::parse(CONSENT_PAGE_INTEGRATION)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| "/sandbox/consent".to_owned())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::consent::test_key as key;

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
}
