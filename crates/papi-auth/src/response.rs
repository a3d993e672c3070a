//! Consuming the identity provider's answer: verify, parse, check, and take the token.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use papi_core::UserToken;
use url::Url;

use crate::config::ServiceProvider;
use crate::error::AuthError;
use crate::form::PostedForm;
use crate::idp::TOKEN_ATTRIBUTE;
use crate::replay::ReplayCache;
use crate::xml::{self, Element};
use crate::{NS_ASSERTION, NS_PROTOCOL};

/// Top-level status of a successful answer (SAML core §3.2.2.2).
const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// The bearer subject confirmation method (SAML profiles §3.3), the one the Web Browser SSO
/// profile requires.
const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

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
    /// The assertion's `ID`.
    pub assertion_id: String,
    /// The response's `ID`.
    pub response_id: String,
    /// The assertion's `IssueInstant`.
    pub issue_instant: DateTime<Utc>,
    /// The earliest `NotOnOrAfter` of the conditions and of the bearer subject confirmation
    /// that was accepted (the latter is required, so there always is one).
    pub not_on_or_after: DateTime<Utc>,
    /// The last instant at which the same answer would be accepted again: the earliest of
    /// [`not_on_or_after`](Self::not_on_or_after) and the response's and assertion's
    /// `IssueInstant` plus the maximum age, plus the clock skew. A bearer answer is good for
    /// whoever posts it until then: [`ServiceProvider::consume_once`] remembers its ids in a
    /// [`ReplayCache`] until this instant; a service that keeps its own store of accepted
    /// ids keeps them this long.
    pub replayable_until: DateTime<Utc>,
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
    ///   user was redirected. When given, the `InResponseTo` of the response and of the
    ///   bearer subject confirmation must equal it (an unsolicited answer is refused);
    ///   `None` accepts IdP-initiated answers and checks neither.
    /// * `now`: the current time (`SystemTime::now().into()`), compared with the instants
    ///   of the answer with the configured clock skew.
    ///
    /// This does not remember the answer: the same answer posted again is accepted again
    /// until it expires. Use [`consume_once`](Self::consume_once) with a [`ReplayCache`]
    /// to refuse replays.
    ///
    /// # What is checked
    ///
    /// In order, each failure a distinct [`AuthError`]:
    ///
    /// 1. The signature: `SigAlg` rsa-sha256 (or rsa-sha1 unless refused) over
    ///    `SAMLResponse=…&RelayState=…&SigAlg=…`, with the identity provider's configured
    ///    keys — never with the posted `KeyInfo`.
    /// 2. Namespaces: every element read must be in its SAML namespace (protocol
    ///    `urn:oasis:names:tc:SAML:2.0:protocol` for `Response`, `Status`, `StatusCode`,
    ///    `StatusMessage`; assertion `urn:oasis:names:tc:SAML:2.0:assertion` for the rest).
    ///    An element with a SAML local name in another namespace is refused
    ///    ([`AuthError::WrongNamespace`]); only unqualified XML attributes are read.
    /// 3. The `Response`: version 2.0, an `ID`, an `IssueInstant` neither later than now
    ///    plus the skew ([`AuthError::IssuedInTheFuture`]) nor older than the maximum age
    ///    plus the skew ([`AuthError::IssuedTooLongAgo`], see
    ///    [`with_max_age`](Self::with_max_age)), status success, `Issuer` (if any) the
    ///    IdP's entity id, `Destination` (if any) the assertion consumer URL,
    ///    `InResponseTo` the expected request, exactly one plain `Assertion`.
    /// 4. The `Assertion`: version 2.0, an `ID`, its `IssueInstant` as above, its `Issuer`
    ///    the IdP's entity id, its `Conditions` window (`NotBefore` / `NotOnOrAfter`, if
    ///    given) around now, an audience restriction naming this service.
    /// 5. The subject confirmation of the Web Browser SSO profile (SAML profiles
    ///    §4.1.4.2–4.1.4.3): a `SubjectConfirmation` with the bearer method
    ///    ([`AuthError::MissingSubjectConfirmation`],
    ///    [`AuthError::UnsupportedConfirmationMethod`] for holder-of-key or sender-vouches
    ///    alone) whose `SubjectConfirmationData` ([`AuthError::MissingConfirmationData`])
    ///    has a `NotOnOrAfter` not reached ([`AuthError::MissingExpiry`],
    ///    [`AuthError::Expired`]: an answer without expiry is refused), no `NotBefore`, the
    ///    assertion consumer URL as `Recipient` ([`AuthError::MissingXmlAttribute`],
    ///    [`AuthError::WrongDestination`]) and the expected request as `InResponseTo`.
    /// 6. A non-empty `NameID` and the token attribute.
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

    /// [`consume`](Self::consume), then refuses the answer if its response or assertion `ID`
    /// is in `replays` ([`AuthError::Replayed`]) and remembers both until
    /// [`Authenticated::replayable_until`]. Share one [`ReplayCache`] between all the
    /// threads that consume answers for this service.
    pub fn consume_once(
        &self,
        form: &PostedForm,
        expected_request_id: Option<&str>,
        now: DateTime<Utc>,
        replays: &ReplayCache,
    ) -> Result<Authenticated, AuthError> {
        let user = self.consume(form, expected_request_id, now)?;
        replays.remember(
            &[&user.response_id, &user.assertion_id],
            user.replayable_until,
            now,
        )?;
        Ok(user)
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
        root.expect_ns(NS_PROTOCOL, "Response")?;
        version(root, "Response")?;
        let response_id = required_attr(root, "Response", "ID")?;
        let response_issued = self.issue_instant(root, "Response")?;
        self.status(root)?;
        if let Some(issuer) = root.child(NS_ASSERTION, "Issuer")? {
            self.issuer(Some(issuer))?;
        }
        if let Some(destination) = root.attr("Destination") {
            self.destination(destination)?;
        }
        self.in_response_to(root.attr("InResponseTo"))?;

        let assertions = root.children_named(NS_ASSERTION, "Assertion")?;
        let assertion = match assertions.as_slice() {
            [one] => *one,
            [] if root.child(NS_ASSERTION, "EncryptedAssertion")?.is_some() => {
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
        let mut user = self.assertion(assertion, relay_state, response_id)?;
        // The answer can be accepted again (replayed) until the first of: its expiry, and
        // the maximum age of either instant; plus the skew every comparison allows.
        let max_age = self.sp.max_age_delta();
        let last = [
            user.not_on_or_after,
            shift(response_issued, max_age),
            shift(user.issue_instant, max_age),
        ]
        .into_iter()
        .min()
        .unwrap_or(user.not_on_or_after);
        user.replayable_until = shift(last, self.sp.skew());
        Ok(user)
    }

    fn status(&self, root: &Element) -> Result<(), AuthError> {
        let status = root.child(NS_PROTOCOL, "Status")?;
        let code = match status {
            Some(status) => status.child(NS_PROTOCOL, "StatusCode")?,
            None => None,
        }
        .ok_or_else(|| AuthError::xml("the Response has no Status/StatusCode"))?;
        let value = code.attr("Value").unwrap_or_default();
        if value == STATUS_SUCCESS {
            return Ok(());
        }
        let message = match status {
            Some(status) => status.child(NS_PROTOCOL, "StatusMessage")?,
            None => None,
        };
        Err(AuthError::StatusNotSuccess {
            code: value.to_owned(),
            sub_code: code
                .child(NS_PROTOCOL, "StatusCode")?
                .and_then(|c| c.attr("Value"))
                .map(str::to_owned),
            message: message.map(|m| m.text().to_owned()),
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

    /// When the caller expects a request id, `found` must be it (on the `Response` and on
    /// the bearer confirmation data alike: SAML profiles §4.1.4.2).
    fn in_response_to(&self, found: Option<&str>) -> Result<(), AuthError> {
        let Some(expected) = self.expected_request_id else {
            return Ok(());
        };
        match found {
            Some(found) if found == expected => Ok(()),
            found => Err(AuthError::InResponseToMismatch {
                expected: expected.to_owned(),
                found: found.map(str::to_owned),
            }),
        }
    }

    /// The `IssueInstant` of `el` (the `Response` or the `Assertion`): required, not later
    /// than now plus the skew, not older than the maximum age plus the skew.
    fn issue_instant(
        &self,
        el: &Element,
        element: &'static str,
    ) -> Result<DateTime<Utc>, AuthError> {
        let value = required_attr(el, element, "IssueInstant")?;
        let issue_instant = parse_instant("IssueInstant", value)?;
        let skew = self.sp.skew();
        if issue_instant > shift(self.now, skew) {
            return Err(AuthError::IssuedInTheFuture {
                element,
                issue_instant,
                now: self.now,
            });
        }
        if issue_instant < shift(shift(self.now, -self.sp.max_age_delta()), -skew) {
            return Err(AuthError::IssuedTooLongAgo {
                element,
                issue_instant,
                now: self.now,
                max_age: self.sp.max_age(),
            });
        }
        Ok(issue_instant)
    }

    fn assertion(
        &self,
        assertion: &Element,
        relay_state: Option<&str>,
        response_id: &str,
    ) -> Result<Authenticated, AuthError> {
        version(assertion, "Assertion")?;
        let assertion_id = required_attr(assertion, "Assertion", "ID")?;
        let issue_instant = self.issue_instant(assertion, "Assertion")?;
        self.issuer(assertion.child(NS_ASSERTION, "Issuer")?)?;

        let mut conditions_end = None;
        match assertion.child(NS_ASSERTION, "Conditions")? {
            Some(conditions) => {
                conditions_end = self.window(conditions)?;
                self.audience(conditions)?;
            }
            None => self.audience(&Element::default())?,
        }

        let subject = assertion
            .child(NS_ASSERTION, "Subject")?
            .ok_or(AuthError::MissingNameId)?;
        let confirmation_end = self.bearer_confirmation(subject)?;
        let not_on_or_after = conditions_end.map_or(confirmation_end, |c| c.min(confirmation_end));
        let name_id = match subject.child(NS_ASSERTION, "NameID")? {
            Some(n) if !n.text().is_empty() => n,
            Some(_) => return Err(AuthError::MissingNameId),
            None if subject.child(NS_ASSERTION, "EncryptedID")?.is_some() => {
                return Err(AuthError::Encrypted {
                    element: "EncryptedID",
                })
            }
            None => return Err(AuthError::MissingNameId),
        };

        let authn = assertion.child(NS_ASSERTION, "AuthnStatement")?;
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
            assertion_id: assertion_id.to_owned(),
            response_id: response_id.to_owned(),
            issue_instant,
            not_on_or_after,
            // Set by `response` once the response's instant is known too.
            replayable_until: not_on_or_after,
        })
    }

    /// The Web Browser SSO profile's subject confirmation (SAML profiles §4.1.4.2): at least
    /// one `SubjectConfirmation` with the bearer method whose `SubjectConfirmationData` has
    /// the assertion consumer URL as `Recipient`, a `NotOnOrAfter` not reached, no
    /// `NotBefore`, and the expected request id as `InResponseTo`. Other methods are
    /// ignored. Returns the `NotOnOrAfter` of the confirmation that passed; when none
    /// passes, the error of the first bearer one.
    fn bearer_confirmation(&self, subject: &Element) -> Result<DateTime<Utc>, AuthError> {
        let confirmations = subject.children_named(NS_ASSERTION, "SubjectConfirmation")?;
        if confirmations.is_empty() {
            return Err(AuthError::MissingSubjectConfirmation);
        }
        let mut first_error = None;
        for confirmation in &confirmations {
            if confirmation.attr("Method").map(str::trim) != Some(CM_BEARER) {
                continue;
            }
            match self.bearer_data(confirmation) {
                Ok(end) => return Ok(end),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(
            first_error.unwrap_or_else(|| AuthError::UnsupportedConfirmationMethod {
                methods: confirmations
                    .iter()
                    .map(|c| {
                        c.attr("Method")
                            .unwrap_or_default()
                            .chars()
                            .take(200)
                            .collect()
                    })
                    .collect(),
            }),
        )
    }

    fn bearer_data(&self, confirmation: &Element) -> Result<DateTime<Utc>, AuthError> {
        const DATA: &str = "SubjectConfirmationData";
        let data = confirmation
            .child(NS_ASSERTION, DATA)?
            .ok_or(AuthError::MissingConfirmationData)?;
        if data.attr("NotBefore").is_some() {
            return Err(AuthError::ForbiddenXmlAttribute {
                element: DATA,
                attribute: "NotBefore",
            });
        }
        let end = self
            .window(data)?
            .ok_or(AuthError::MissingExpiry { element: DATA })?;
        self.destination(required_attr(data, DATA, "Recipient")?)?;
        self.in_response_to(data.attr("InResponseTo"))?;
        Ok(end)
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
        let restrictions = conditions.children_named(NS_ASSERTION, "AudienceRestriction")?;
        let mut audiences = Vec::new();
        let mut all_name_us = true;
        for restriction in &restrictions {
            let names = restriction.children_named(NS_ASSERTION, "Audience")?;
            all_name_us &= names.iter().any(|a| a.text() == expected);
            audiences.extend(names.iter().map(|a| a.text().to_owned()));
        }
        if !restrictions.is_empty() && all_name_us {
            return Ok(());
        }
        Err(AuthError::WrongAudience {
            expected: expected.to_owned(),
            found: audiences,
        })
    }

    fn token(&self, assertion: &Element) -> Result<UserToken, AuthError> {
        let statements = assertion.children_named(NS_ASSERTION, "AttributeStatement")?;
        let mut values = Vec::new();
        for statement in &statements {
            for attribute in statement.children_named(NS_ASSERTION, "Attribute")? {
                if attribute.attr("Name") != Some(TOKEN_ATTRIBUTE) {
                    continue;
                }
                for value in attribute.children_named(NS_ASSERTION, "AttributeValue")? {
                    if !value.text().is_empty() {
                        values.push(value.text());
                    }
                }
            }
        }
        let Some((first, others)) = values.split_first() else {
            let mut encrypted = false;
            for statement in &statements {
                encrypted |= statement
                    .child(NS_ASSERTION, "EncryptedAttribute")?
                    .is_some();
            }
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
        if others.iter().any(|other| other != first) {
            return Err(AuthError::xml(format!(
                "the {TOKEN_ATTRIBUTE} attribute has several different values"
            )));
        }
        Ok(UserToken::new(*first))
    }
}

/// `Version` must be `2.0`.
fn version(el: &Element, element: &'static str) -> Result<(), AuthError> {
    match el.attr("Version") {
        Some("2.0") => Ok(()),
        Some(v) => Err(AuthError::xml(format!(
            "{element} has SAML version {v}, not 2.0"
        ))),
        None => Err(AuthError::xml(format!("{element} has no Version"))),
    }
}

fn required_attr<'e>(
    el: &'e Element,
    element: &'static str,
    attribute: &'static str,
) -> Result<&'e str, AuthError> {
    el.attr(attribute)
        .ok_or(AuthError::MissingXmlAttribute { element, attribute })
}

pub(crate) fn parse_instant(what: &str, value: &str) -> Result<DateTime<Utc>, AuthError> {
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
