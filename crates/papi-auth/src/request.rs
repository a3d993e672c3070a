//! The login redirect: a SAML 2.0 `AuthnRequest` sent with the HTTP-Redirect binding.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use flate2::write::DeflateEncoder;
use flate2::Compression;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use url::Url;

use crate::config::ServiceProvider;
use crate::error::AuthError;
use crate::idp::{REQUEST_BINDING, RESPONSE_BINDING};
use crate::{NS_ASSERTION, NS_PROTOCOL};

/// Longest `RelayState` allowed by the SAML bindings (§3.4.3), in bytes.
pub const MAX_RELAY_STATE_BYTES: usize = 80;

/// Random bytes in a request id (160 bits).
const ID_BYTES: usize = 20;

/// Where to send the user's browser to sign in, and what to remember until the answer comes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginRedirect {
    /// The identity provider's SSO URL with `SAMLRequest` (and `RelayState`) in its query:
    /// answer the browser with `302 Found` and this `Location`.
    pub url: Url,
    /// The `ID` of the `AuthnRequest`: keep it (in the user's session) and pass it to
    /// [`ServiceProvider::consume`] to check the answer's `InResponseTo`.
    pub request_id: String,
    /// The `IssueInstant` written in the request.
    pub issue_instant: DateTime<Utc>,
}

impl ServiceProvider {
    /// Builds the login redirect: an `AuthnRequest` (random 160-bit `ID`, `IssueInstant` =
    /// `now`, `Destination` = the SSO URL, this service's assertion consumer URL, answer
    /// binding HTTP-POST-SimpleSign, `Issuer` = this service, `NameIDPolicy` with
    /// `AllowCreate`), DEFLATE-compressed, base64-encoded and put in the SSO URL's query
    /// with the optional `RelayState` (at most 80 bytes; an empty one is left out).
    ///
    /// The request is not signed: the production metadata says
    /// `WantAuthnRequestsSigned="false"` ([`crate::idp::WANT_AUTHN_REQUESTS_SIGNED`]).
    pub fn login_redirect(
        &self,
        relay_state: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<LoginRedirect, AuthError> {
        if !self
            .idp()
            .sso_bindings()
            .iter()
            .any(|b| b == REQUEST_BINDING)
        {
            return Err(AuthError::UnsupportedBinding {
                reason: "the identity provider's SSO service does not accept HTTP-Redirect",
            });
        }
        let relay_state = relay_state.filter(|r| !r.is_empty());
        if let Some(rs) = relay_state {
            if rs.len() > MAX_RELAY_STATE_BYTES {
                return Err(AuthError::InvalidRelayState {
                    message: format!(
                        "{} bytes, at most {MAX_RELAY_STATE_BYTES} allowed",
                        rs.len()
                    ),
                });
            }
        }
        let request_id = new_id()?;
        let xml = self.authn_request_xml(&request_id, now)?;
        let deflated = deflate(&xml).map_err(|e| AuthError::Encode {
            message: e.to_string(),
        })?;
        let encoded = crate::b64::encode(&deflated);

        let mut url = self.idp().sso_url().clone();
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("SAMLRequest", &encoded);
            if let Some(rs) = relay_state {
                query.append_pair("RelayState", rs);
            }
        }
        Ok(LoginRedirect {
            url,
            request_id,
            issue_instant: now,
        })
    }

    /// The `AuthnRequest` document for a given id and instant, as sent (before compression)
    /// by [`ServiceProvider::login_redirect`]; useful for logs and tests.
    pub fn authn_request_xml(&self, id: &str, now: DateTime<Utc>) -> Result<String, AuthError> {
        let encode = |e: std::io::Error| AuthError::Encode {
            message: e.to_string(),
        };
        let instant = now.to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut w = Writer::new(Vec::new());
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .map_err(encode)?;

        let mut root = BytesStart::new("samlp:AuthnRequest");
        root.push_attribute(("xmlns:samlp", NS_PROTOCOL));
        root.push_attribute(("xmlns:saml", NS_ASSERTION));
        root.push_attribute(("ID", id));
        root.push_attribute(("Version", "2.0"));
        root.push_attribute(("IssueInstant", instant.as_str()));
        root.push_attribute(("Destination", self.idp().sso_url().as_str()));
        root.push_attribute(("AssertionConsumerServiceURL", self.acs_url().as_str()));
        root.push_attribute(("ProtocolBinding", RESPONSE_BINDING));
        w.write_event(Event::Start(root)).map_err(encode)?;

        w.write_event(Event::Start(BytesStart::new("saml:Issuer")))
            .map_err(encode)?;
        w.write_event(Event::Text(BytesText::new(self.entity_id())))
            .map_err(encode)?;
        w.write_event(Event::End(BytesEnd::new("saml:Issuer")))
            .map_err(encode)?;

        let mut policy = BytesStart::new("samlp:NameIDPolicy");
        if let Some(format) = self.name_id_format() {
            policy.push_attribute(("Format", format));
        }
        policy.push_attribute(("AllowCreate", "true"));
        w.write_event(Event::Empty(policy)).map_err(encode)?;

        w.write_event(Event::End(BytesEnd::new("samlp:AuthnRequest")))
            .map_err(encode)?;
        String::from_utf8(w.into_inner()).map_err(|e| AuthError::Encode {
            message: e.to_string(),
        })
    }
}

fn deflate(xml: &str) -> std::io::Result<Vec<u8>> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(xml.as_bytes())?;
    encoder.finish()
}

/// A fresh request id: `_` then 40 hex digits (160 random bits); the leading `_` keeps it a
/// valid `xs:ID` (an NCName cannot start with a digit).
fn new_id() -> Result<String, AuthError> {
    let mut bytes = [0u8; ID_BYTES];
    getrandom::getrandom(&mut bytes).map_err(|e| AuthError::Random {
        message: e.to_string(),
    })?;
    let mut id = String::with_capacity(1 + 2 * ID_BYTES);
    id.push('_');
    for b in bytes {
        id.push_str(&format!("{b:02x}"));
    }
    Ok(id)
}
