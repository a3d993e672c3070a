//! The identity provider's answer: the SAML 2.0 `Response` carrying the user token, and
//! the fields of the HTTP-POST-SimpleSign form that posts it, signed.
//!
//! Wire facts of the Authentication API (the token attribute, the NameID format) come from
//! `papi_auth::idp`; the signed octets and `SigAlg` from papi-auth too, so the sandbox
//! signs exactly what papi-auth verifies. What is spelled here is standard SAML 2.0
//! (namespaces, status and confirmation URIs, form field names).

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use papi_auth::idp::{PRODUCTION, TOKEN_ATTRIBUTE};
use papi_auth::{PostedForm, SIG_ALG_RSA_SHA256};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use sha2::{Digest, Sha256};

use crate::domain::sign_in::AuthnRequest;
use crate::idp::signing::Signing;

/// How long the assertion may be presented to the service.
const ASSERTION_LIFETIME: TimeDelta = TimeDelta::minutes(5);

/// SAML 2.0 protocol namespace (`samlp:`).
const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML 2.0 assertion namespace (`saml:`).
const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// Top-level status of a successful answer.
const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// Subject confirmation method of the Web SSO profile.
const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// Authentication context: a password over an unprotected transport (the sandbox is HTTP).
const AC_PASSWORD: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password";
/// Name format of the token attribute.
const ATTRNAME_BASIC: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";

/// Form fields of the HTTP-POST-SimpleSign binding (`RelayState` is the HTTP-Redirect
/// binding's query parameter too).
const SAML_RESPONSE: &str = "SAMLResponse";
pub(crate) const RELAY_STATE: &str = "RelayState";
const SIG_ALG: &str = "SigAlg";
const SIGNATURE: &str = "Signature";

/// The NameID format of the answers: the one of the production identity provider's metadata
/// (persistent).
pub(crate) fn name_id_format() -> Option<&'static str> {
    PRODUCTION.nameid_formats.first().copied()
}

/// A stable, opaque persistent NameID for a test user (the same at every start).
pub(crate) fn persistent_name_id(login: &str) -> String {
    let digest = Sha256::digest(format!("papi-sandbox persistent NameID\0{login}").as_bytes());
    let mut id = String::from("sandbox-");
    for b in digest.iter().take(16) {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

/// Everything a `Response` says.
pub(crate) struct SamlResponse<'a> {
    pub(crate) entity_id: &'a str,
    pub(crate) request: &'a AuthnRequest,
    pub(crate) name_id: &'a str,
    pub(crate) token: &'a str,
    pub(crate) now: DateTime<Utc>,
    /// When the token expires (`SessionNotOnOrAfter`).
    pub(crate) session_end: DateTime<Utc>,
    pub(crate) response_id: &'a str,
    pub(crate) assertion_id: &'a str,
    pub(crate) session_index: &'a str,
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A small wrapper that writes elements with escaped attribute values and text.
struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
        let mut start = BytesStart::new(name);
        for attr in attrs {
            start.push_attribute(*attr);
        }
        self.0.write_event(Event::Start(start))
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
        let mut start = BytesStart::new(name);
        for attr in attrs {
            start.push_attribute(*attr);
        }
        self.0.write_event(Event::Empty(start))
    }

    fn close(&mut self, name: &str) -> std::io::Result<()> {
        self.0.write_event(Event::End(BytesEnd::new(name)))
    }

    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> std::io::Result<()> {
        self.open(name, attrs)?;
        self.0.write_event(Event::Text(BytesText::new(text)))?;
        self.close(name)
    }
}

impl SamlResponse<'_> {
    /// The SAML 2.0 `Response` document: status success and one assertion with the subject
    /// (persistent NameID, bearer confirmation), the conditions (validity window, audience:
    /// the requesting service), the authentication statement and the token attribute.
    pub(crate) fn xml(&self) -> std::io::Result<String> {
        let now = instant(self.now);
        let end = instant(self.now + ASSERTION_LIFETIME);
        let session_end = instant(self.session_end);
        let acs = self.request.acs_url.as_str();
        let irt = self.request.id.as_str();

        let mut w = Xml(Writer::new(Vec::new()));
        w.0.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        w.open(
            "samlp:Response",
            &[
                ("xmlns:samlp", NS_PROTOCOL),
                ("xmlns:saml", NS_ASSERTION),
                ("ID", self.response_id),
                ("Version", "2.0"),
                ("IssueInstant", &now),
                ("Destination", acs),
                ("InResponseTo", irt),
            ],
        )?;
        w.leaf("saml:Issuer", &[], self.entity_id)?;
        w.open("samlp:Status", &[])?;
        w.empty("samlp:StatusCode", &[("Value", STATUS_SUCCESS)])?;
        w.close("samlp:Status")?;

        w.open(
            "saml:Assertion",
            &[
                ("ID", self.assertion_id),
                ("Version", "2.0"),
                ("IssueInstant", &now),
            ],
        )?;
        w.leaf("saml:Issuer", &[], self.entity_id)?;

        w.open("saml:Subject", &[])?;
        let mut name_id_attrs = vec![
            ("NameQualifier", self.entity_id),
            ("SPNameQualifier", self.request.issuer.as_str()),
        ];
        if let Some(format) = name_id_format() {
            name_id_attrs.insert(0, ("Format", format));
        }
        w.leaf("saml:NameID", &name_id_attrs, self.name_id)?;
        w.open("saml:SubjectConfirmation", &[("Method", CM_BEARER)])?;
        w.empty(
            "saml:SubjectConfirmationData",
            &[
                ("InResponseTo", irt),
                ("Recipient", acs),
                ("NotOnOrAfter", &end),
            ],
        )?;
        w.close("saml:SubjectConfirmation")?;
        w.close("saml:Subject")?;

        w.open(
            "saml:Conditions",
            &[("NotBefore", &now), ("NotOnOrAfter", &end)],
        )?;
        w.open("saml:AudienceRestriction", &[])?;
        w.leaf("saml:Audience", &[], &self.request.issuer)?;
        w.close("saml:AudienceRestriction")?;
        w.close("saml:Conditions")?;

        w.open(
            "saml:AuthnStatement",
            &[
                ("AuthnInstant", &now),
                ("SessionIndex", self.session_index),
                ("SessionNotOnOrAfter", &session_end),
            ],
        )?;
        w.open("saml:AuthnContext", &[])?;
        w.leaf("saml:AuthnContextClassRef", &[], AC_PASSWORD)?;
        w.close("saml:AuthnContext")?;
        w.close("saml:AuthnStatement")?;

        w.open("saml:AttributeStatement", &[])?;
        w.open(
            "saml:Attribute",
            &[("Name", TOKEN_ATTRIBUTE), ("NameFormat", ATTRNAME_BASIC)],
        )?;
        w.leaf("saml:AttributeValue", &[], self.token)?;
        w.close("saml:Attribute")?;
        w.close("saml:AttributeStatement")?;

        w.close("saml:Assertion")?;
        w.close("samlp:Response")?;
        String::from_utf8(w.0.into_inner())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

/// The fields of the HTTP-POST-SimpleSign form, in order: `SAMLResponse`, `RelayState`
/// (when there is one), `SigAlg`, `Signature`.
pub(crate) fn simple_sign_fields(
    signing: &Signing,
    response_xml: &str,
    relay_state: Option<&str>,
) -> Result<Vec<(&'static str, String)>, String> {
    let mut fields = vec![(
        SAML_RESPONSE,
        base64::engine::general_purpose::STANDARD.encode(response_xml),
    )];
    if let Some(rs) = relay_state.filter(|r| !r.is_empty()) {
        fields.push((RELAY_STATE, rs.to_owned()));
    }
    fields.push((SIG_ALG, SIG_ALG_RSA_SHA256.to_owned()));
    let form = PostedForm::from_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
        .map_err(|e| e.to_string())?;
    fields.push((SIGNATURE, signing.sign(&form)?));
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_ids_are_stable_and_opaque() {
        assert_eq!(persistent_name_id("alice"), persistent_name_id("alice"));
        assert_ne!(persistent_name_id("alice"), persistent_name_id("bob"));
        assert!(!persistent_name_id("alice").contains("alice"));
    }
}
