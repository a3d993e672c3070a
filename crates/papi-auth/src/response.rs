//! Consuming the identity provider's answer: verify, parse, check, and take the token.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use papi_core::UserToken;
use url::Url;

use crate::config::ServiceProvider;
use crate::error::AuthError;
use crate::form::PostedForm;
use crate::idp::TOKEN_ATTRIBUTE;
use crate::xml::{self, Element};

/// Top-level status of a successful answer (SAML core §3.2.2.2).
const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// A signed-in user: what a verified answer says about them.
///
/// `Debug` and `Display` never show the token ([`UserToken`] prints `***`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Authenticated {
    /// The user token (the answer's token attribute, see [`crate::idp::TOKEN_ATTRIBUTE`]),
    /// to pass to every Personal-API call.
    pub token: UserToken,
    /// The subject's `NameID`: a stable pseudonym of the user with the persistent format.
    pub name_id: String,
    /// The `NameID`'s `Format`, when given.
    pub name_id_format: Option<String>,
    /// `SessionIndex` of the authentication statement, when given.
    pub session_index: Option<String>,
    /// `SessionNotOnOrAfter` of the authentication statement: when the IdP wants the
    /// session it opened to end, when given. Not enforced here.
    pub session_not_on_or_after: Option<DateTime<Utc>>,
    /// The `RelayState` posted with the answer (as sent in the login redirect, if the IdP
    /// echoed it). It is covered by the signature.
    pub relay_state: Option<String>,
    /// The assertion's `ID`. A bearer assertion can be replayed until it expires: to refuse
    /// replays, remember the ids you accepted until [`Authenticated::not_on_or_after`].
    pub assertion_id: Option<String>,
    /// The earliest `NotOnOrAfter` of the conditions and subject confirmations, if any.
    pub not_on_or_after: Option<DateTime<Utc>>,
}

impl fmt::Display for Authenticated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "signed in as NameID {}", self.name_id)
    }
}

impl ServiceProvider {
    /// Verifies and reads the answer posted to the assertion consumer URL with the
    /// HTTP-POST-SimpleSign binding.
    ///
    /// * `form`: the posted fields ([`PostedForm::parse`] on the raw body, or
    ///   [`PostedForm::from_pairs`] on a framework's form map).
    /// * `expected_request_id`: the [`crate::LoginRedirect::request_id`] stored when the
    ///   user was redirected. When given, the answer's `InResponseTo` must equal it (an
    ///   unsolicited answer is refused); `None` accepts IdP-initiated answers and checks
    ///   nothing.
    /// * `now`: the current time (`SystemTime::now().into()`), compared with the validity
    ///   window with the configured clock skew.
    ///
    /// In order: the signature (`SigAlg` rsa-sha256 or rsa-sha1 over
    /// `SAMLResponse=…&RelayState=…&SigAlg=…`, with the identity provider's configured
    /// keys — never with the posted `KeyInfo`), then the document: a `Response` whose
    /// status is success, whose `Issuer` (if any) and whose single assertion's `Issuer` are
    /// the IdP's entity id, whose `Destination` and each subject confirmation's `Recipient`
    /// (if any) are the assertion consumer URL, with an audience restriction naming this
    /// service, inside its `NotBefore` / `NotOnOrAfter` window, answering the expected
    /// request, with a `NameID` and the token attribute.
    ///
    /// An answer without the form fields `SigAlg` and `Signature` is refused: as
    /// [`AuthError::UnsupportedBinding`] when the document carries an enveloped XML
    /// signature (plain HTTP-POST binding, which this crate cannot verify), as
    /// [`AuthError::Unsigned`] otherwise.
    pub fn consume(
        &self,
        form: &PostedForm,
        expected_request_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Authenticated, AuthError> {
        match (form.sig_alg(), form.signature()) {
            (_, None) => return Err(self.classify_unsigned(form)),
            (None, Some(_)) => return Err(AuthError::form("Signature without SigAlg")),
            (Some(_), Some(_)) => {
                crate::signature::verify(form, self.idp().keys(), self.allows_rsa_sha1())?
            }
        }
        self.consume_document(form, expected_request_id, now)
    }

    /// Fuzzing only (`--cfg fuzzing`, set by `cargo fuzz`): the document checks of
    /// [`consume`](Self::consume) without the form signature, which a fuzzer cannot forge.
    /// Not compiled in any other build.
    #[cfg(fuzzing)]
    #[doc(hidden)]
    pub fn consume_unsigned_for_fuzzing(
        &self,
        form: &PostedForm,
        expected_request_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Authenticated, AuthError> {
        self.consume_document(form, expected_request_id, now)
    }

    /// The document checks of [`consume`](Self::consume), once the signature is verified.
    fn consume_document(
        &self,
        form: &PostedForm,
        expected_request_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Authenticated, AuthError> {
        let bytes = crate::b64::decode(form.saml_response()).ok_or(AuthError::Base64 {
            field: "SAMLResponse",
        })?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| AuthError::xml("the decoded SAMLResponse is not UTF-8"))?;
        let root = xml::parse(text)?;
        Check {
            sp: self,
            expected_request_id,
            now,
        }
        .response(&root, form.relay_state())
    }

    /// Why an answer without a form signature is refused.
    fn classify_unsigned(&self, form: &PostedForm) -> AuthError {
        let enveloped = crate::b64::decode(form.saml_response())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| xml::parse(&text).ok())
            .is_some_and(|root| root.contains("Signature"));
        if enveloped {
            AuthError::UnsupportedBinding {
                reason: "the answer uses the plain HTTP-POST binding (XML-DSig signature inside \
                         the document), which cannot be verified: no well-kept Rust crate \
                         verifies XML-DSig; configure the IdP for HTTP-POST-SimpleSign",
            }
        } else {
            AuthError::Unsigned
        }
    }
}

struct Check<'a> {
    sp: &'a ServiceProvider,
    expected_request_id: Option<&'a str>,
    now: DateTime<Utc>,
}

impl Check<'_> {
    fn response(
        &self,
        root: &Element,
        relay_state: Option<&str>,
    ) -> Result<Authenticated, AuthError> {
        if root.name != "Response" {
            return Err(AuthError::xml(format!(
                "the root element is {}, not Response",
                root.name
            )));
        }
        match root.attr("Version") {
            Some("2.0") => {}
            Some(v) => return Err(AuthError::xml(format!("SAML version {v}, not 2.0"))),
            None => return Err(AuthError::xml("Response has no Version")),
        }
        self.status(root)?;
        if let Some(issuer) = root.child("Issuer") {
            self.issuer(Some(issuer))?;
        }
        if let Some(destination) = root.attr("Destination") {
            self.destination(destination)?;
        }
        self.in_response_to(root.attr("InResponseTo"), true)?;

        let assertions: Vec<&Element> = root.children_named("Assertion").collect();
        let assertion = match assertions.as_slice() {
            [one] => *one,
            [] if root.child("EncryptedAssertion").is_some() => {
                return Err(AuthError::Encrypted {
                    element: "EncryptedAssertion",
                })
            }
            [] => return Err(AuthError::xml("the Response has no Assertion")),
            more => {
                return Err(AuthError::xml(format!(
                    "the Response has {} assertions, expected one",
                    more.len()
                )))
            }
        };
        self.assertion(assertion, relay_state)
    }

    fn status(&self, root: &Element) -> Result<(), AuthError> {
        let code = root
            .child("Status")
            .and_then(|s| s.child("StatusCode"))
            .ok_or_else(|| AuthError::xml("the Response has no Status/StatusCode"))?;
        let value = code.attr("Value").unwrap_or_default();
        if value == STATUS_SUCCESS {
            return Ok(());
        }
        Err(AuthError::StatusNotSuccess {
            code: value.to_owned(),
            sub_code: code
                .child("StatusCode")
                .and_then(|c| c.attr("Value"))
                .map(str::to_owned),
            message: root
                .child("Status")
                .and_then(|s| s.child("StatusMessage"))
                .map(|m| m.text().to_owned()),
        })
    }

    fn issuer(&self, issuer: Option<&Element>) -> Result<(), AuthError> {
        let expected = self.sp.idp().entity_id();
        match issuer.map(Element::text) {
            Some(found) if found == expected => Ok(()),
            found => Err(AuthError::WrongIssuer {
                expected: expected.to_owned(),
                found: found.map(str::to_owned),
            }),
        }
    }

    fn destination(&self, found: &str) -> Result<(), AuthError> {
        let expected = self.sp.acs_url();
        let same = found == expected.as_str() || Url::parse(found).is_ok_and(|u| &u == expected);
        if same {
            Ok(())
        } else {
            Err(AuthError::WrongDestination {
                expected: expected.to_string(),
                found: found.to_owned(),
            })
        }
    }

    /// `required`: whether an absent value is a mismatch (on the `Response`; on subject
    /// confirmations the value is checked only when present).
    fn in_response_to(&self, found: Option<&str>, required: bool) -> Result<(), AuthError> {
        let Some(expected) = self.expected_request_id else {
            return Ok(());
        };
        match found {
            Some(found) if found == expected => Ok(()),
            None if !required => Ok(()),
            found => Err(AuthError::InResponseToMismatch {
                expected: expected.to_owned(),
                found: found.map(str::to_owned),
            }),
        }
    }

    fn assertion(
        &self,
        assertion: &Element,
        relay_state: Option<&str>,
    ) -> Result<Authenticated, AuthError> {
        self.issuer(assertion.child("Issuer"))?;

        let mut earliest_end: Option<DateTime<Utc>> = None;
        if let Some(conditions) = assertion.child("Conditions") {
            let end = self.window(conditions)?;
            earliest_end = min_opt(earliest_end, end);
            self.audience(conditions)?;
        } else {
            self.audience(&Element::default())?;
        }

        let subject = assertion.child("Subject").ok_or(AuthError::MissingNameId)?;
        for confirmation in subject.children_named("SubjectConfirmation") {
            if let Some(data) = confirmation.child("SubjectConfirmationData") {
                let end = self.window(data)?;
                earliest_end = min_opt(earliest_end, end);
                if let Some(recipient) = data.attr("Recipient") {
                    self.destination(recipient)?;
                }
                self.in_response_to(data.attr("InResponseTo"), false)?;
            }
        }
        let name_id = match subject.child("NameID") {
            Some(n) if !n.text().is_empty() => n,
            Some(_) => return Err(AuthError::MissingNameId),
            None if subject.child("EncryptedID").is_some() => {
                return Err(AuthError::Encrypted {
                    element: "EncryptedID",
                })
            }
            None => return Err(AuthError::MissingNameId),
        };

        let authn = assertion.child("AuthnStatement");
        let session_not_on_or_after = authn
            .and_then(|a| a.attr("SessionNotOnOrAfter"))
            .map(|v| parse_instant("SessionNotOnOrAfter", v))
            .transpose()?;

        let token = self.token(assertion)?;
        Ok(Authenticated {
            token,
            name_id: name_id.text().to_owned(),
            name_id_format: name_id.attr("Format").map(str::to_owned),
            session_index: authn
                .and_then(|a| a.attr("SessionIndex"))
                .map(str::to_owned),
            session_not_on_or_after,
            relay_state: relay_state.map(str::to_owned),
            assertion_id: assertion.attr("ID").map(str::to_owned),
            not_on_or_after: earliest_end,
        })
    }

    /// Checks `NotBefore` / `NotOnOrAfter` of `el` against now and the skew; returns the
    /// `NotOnOrAfter`.
    fn window(&self, el: &Element) -> Result<Option<DateTime<Utc>>, AuthError> {
        let skew = self.sp.skew();
        if let Some(v) = el.attr("NotBefore") {
            let not_before = parse_instant("NotBefore", v)?;
            if shift(self.now, skew) < not_before {
                return Err(AuthError::NotYetValid {
                    not_before,
                    now: self.now,
                });
            }
        }
        let mut end = None;
        if let Some(v) = el.attr("NotOnOrAfter") {
            let not_on_or_after = parse_instant("NotOnOrAfter", v)?;
            if shift(self.now, -skew) >= not_on_or_after {
                return Err(AuthError::Expired {
                    not_on_or_after,
                    now: self.now,
                });
            }
            end = Some(not_on_or_after);
        }
        Ok(end)
    }

    /// Each `AudienceRestriction` must name this service, and there must be at least one
    /// (Web SSO profile, SAML profiles §4.1.4.2).
    fn audience(&self, conditions: &Element) -> Result<(), AuthError> {
        let expected = self.sp.entity_id();
        let restrictions: Vec<&Element> =
            conditions.children_named("AudienceRestriction").collect();
        let all_name_us = restrictions
            .iter()
            .all(|r| r.children_named("Audience").any(|a| a.text() == expected));
        if !restrictions.is_empty() && all_name_us {
            return Ok(());
        }
        Err(AuthError::WrongAudience {
            expected: expected.to_owned(),
            found: restrictions
                .iter()
                .flat_map(|r| r.children_named("Audience"))
                .map(|a| a.text().to_owned())
                .collect(),
        })
    }

    fn token(&self, assertion: &Element) -> Result<UserToken, AuthError> {
        let mut values = assertion
            .children_named("AttributeStatement")
            .flat_map(|s| s.children_named("Attribute"))
            .filter(|a| a.attr("Name") == Some(TOKEN_ATTRIBUTE))
            .flat_map(|a| a.children_named("AttributeValue"))
            .map(Element::text)
            .filter(|v| !v.is_empty());
        let Some(first) = values.next() else {
            let encrypted = assertion
                .children_named("AttributeStatement")
                .any(|s| s.child("EncryptedAttribute").is_some());
            return Err(if encrypted {
                AuthError::Encrypted {
                    element: "EncryptedAttribute",
                }
            } else {
                AuthError::MissingAttribute {
                    name: TOKEN_ATTRIBUTE,
                }
            });
        };
        if values.any(|other| other != first) {
            return Err(AuthError::xml(format!(
                "the {TOKEN_ATTRIBUTE} attribute has several different values"
            )));
        }
        Ok(UserToken::new(first))
    }
}

fn parse_instant(what: &str, value: &str) -> Result<DateTime<Utc>, AuthError> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| AuthError::xml(format!("{what} is not an xs:dateTime with a time zone")))
}

fn shift(t: DateTime<Utc>, by: TimeDelta) -> DateTime<Utc> {
    t.checked_add_signed(by)
        .unwrap_or(if by < TimeDelta::zero() {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        })
}

fn min_opt(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
