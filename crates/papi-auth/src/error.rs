//! The ways signing in can fail.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Why a login redirect could not be built or an identity provider's answer was refused.
///
/// No variant carries the user token or the posted document: `Display` and `Debug` are safe
/// to log. Values that come from the answer (issuer, audience, status code) are only
/// reported after its signature has been verified, so they were written by the trusted
/// identity provider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The service-provider or identity-provider configuration is not usable (a URL that
    /// does not parse, an empty entity id, …).
    #[error("invalid SAML configuration: {message}")]
    InvalidConfig {
        /// What is wrong.
        message: String,
    },
    /// The `RelayState` given for a login redirect is not acceptable (SAML bindings §3.4.3
    /// limits it to 80 bytes).
    #[error("invalid RelayState: {message}")]
    InvalidRelayState {
        /// What is wrong.
        message: String,
    },
    /// The operating system's random generator failed while making a request id.
    #[error("could not generate a random request id: {message}")]
    Random {
        /// The generator's error.
        message: String,
    },
    /// The `AuthnRequest` could not be serialised or compressed.
    #[error("could not encode the AuthnRequest: {message}")]
    Encode {
        /// The writer's error.
        message: String,
    },
    /// The posted form is not a SAML answer (no `SAMLResponse`, a field given twice, …).
    #[error("malformed SAML form: {message}")]
    MalformedForm {
        /// What is wrong.
        message: String,
    },
    /// The posted form is larger than this crate accepts.
    #[error("the posted SAML form exceeds {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A form field that must be base64 is not.
    #[error("form field {field} is not valid base64")]
    Base64 {
        /// The field name (`SAMLResponse` or `Signature`).
        field: &'static str,
    },
    /// The decoded `SAMLResponse` is not well-formed XML, or not a SAML `Response` of the
    /// expected shape.
    #[error("malformed SAML response: {message}")]
    MalformedXml {
        /// What is wrong (never a copy of the document's text).
        message: String,
    },
    /// The answer uses a binding this crate cannot verify. The plain HTTP-POST binding signs
    /// with an XML-DSig signature enveloped in the document; no well-kept Rust crate
    /// verifies XML-DSig (canonicalisation, references, transforms), so such an answer is
    /// refused rather than accepted unverified.
    #[error("unsupported SAML binding: {reason}")]
    UnsupportedBinding {
        /// Why.
        reason: &'static str,
    },
    /// `SigAlg` names an algorithm other than rsa-sha256 or rsa-sha1 (or rsa-sha1 was
    /// disabled with [`crate::ServiceProvider::with_rsa_sha1`]).
    #[error("unsupported signature algorithm {sig_alg:?}")]
    UnsupportedSignatureAlgorithm {
        /// The `SigAlg` value (at most 200 characters of it).
        sig_alg: String,
    },
    /// The answer carries no `Signature` form field.
    #[error("the SAML answer is not signed")]
    Unsigned,
    /// The `Signature` does not verify with any key configured for the identity provider.
    #[error("the SAML answer's signature does not verify with the identity provider's key")]
    BadSignature,
    /// No certificate or public key is configured for the identity provider, so no answer
    /// can be verified (the production certificate was not recovered: supply it with
    /// [`crate::IdentityProviderConfig::with_certificate_pem`]).
    #[error("no signing certificate or public key is configured for the identity provider")]
    NoTrustedKey,
    /// A certificate or public key given as trust anchor cannot be used.
    #[error("unusable identity-provider certificate or key: {message}")]
    Certificate {
        /// What is wrong.
        message: String,
    },
    /// The `Issuer` of the response or assertion is not the identity provider's entity id.
    #[error("wrong issuer: expected {expected:?}, found {found:?}")]
    WrongIssuer {
        /// The configured identity-provider entity id.
        expected: String,
        /// The issuer found (`None`: the assertion has none).
        found: Option<String>,
    },
    /// The assertion is not addressed to this service (no `Audience` equal to its entity id).
    #[error("wrong audience: expected {expected:?}, found {found:?}")]
    WrongAudience {
        /// The service's entity id.
        expected: String,
        /// The audiences found (all restrictions together).
        found: Vec<String>,
    },
    /// The response's `Destination` or the subject confirmation's `Recipient` is not this
    /// service's assertion consumer URL.
    #[error("wrong destination: expected {expected:?}, found {found:?}")]
    WrongDestination {
        /// The configured assertion consumer URL.
        expected: String,
        /// The value found.
        found: String,
    },
    /// The assertion is not valid yet (`NotBefore` later than now plus the allowed skew).
    #[error("the assertion is not valid before {not_before} (now {now})")]
    NotYetValid {
        /// The `NotBefore` instant.
        not_before: DateTime<Utc>,
        /// The `now` given by the caller.
        now: DateTime<Utc>,
    },
    /// The assertion or its subject confirmation has expired (`NotOnOrAfter` reached, even
    /// with the allowed skew).
    #[error("the assertion expired at {not_on_or_after} (now {now})")]
    Expired {
        /// The `NotOnOrAfter` instant.
        not_on_or_after: DateTime<Utc>,
        /// The `now` given by the caller.
        now: DateTime<Utc>,
    },
    /// The answer does not reply to the request the caller expects (`InResponseTo`).
    #[error("InResponseTo mismatch: expected {expected:?}, found {found:?}")]
    InResponseToMismatch {
        /// The request id the caller stored.
        expected: String,
        /// The value in the answer (`None`: absent, an unsolicited answer).
        found: Option<String>,
    },
    /// The identity provider answered with a status other than success (for example the
    /// user cancelled, or `NoPassive`).
    #[error("the identity provider answered {code}{}", sub_code.as_deref().map(|s| format!(" / {s}")).unwrap_or_default())]
    StatusNotSuccess {
        /// The top-level `StatusCode` value.
        code: String,
        /// The second-level `StatusCode` value, if any.
        sub_code: Option<String>,
        /// The `StatusMessage`, if any.
        message: Option<String>,
    },
    /// The assertion has no attribute of that name with a non-empty value.
    #[error("the assertion carries no {name} attribute")]
    MissingAttribute {
        /// The attribute name.
        name: &'static str,
    },
    /// The assertion's subject has no `NameID`.
    #[error("the assertion's subject has no NameID")]
    MissingNameId,
    /// The answer encrypts what must be read (XML encryption is not supported).
    #[error("encrypted SAML content is not supported ({element})")]
    Encrypted {
        /// The encrypted element (`EncryptedAssertion`, `EncryptedID`, `EncryptedAttribute`).
        element: &'static str,
    },
    /// An element has the local name of a SAML element but is in another namespace (for
    /// example `<evil:Assertion xmlns:evil="urn:x">`): it is refused, never read as the SAML
    /// element nor skipped.
    #[error("<{element}> is in namespace {found:?}, expected {expected}")]
    WrongNamespace {
        /// The local name.
        element: &'static str,
        /// The SAML namespace it must be in.
        expected: &'static str,
        /// Its namespace (`None`: no namespace).
        found: Option<String>,
    },
    /// A required XML attribute is missing (for example the `IssueInstant` of the response
    /// or the assertion, an `ID`, or the `Recipient` of the bearer confirmation).
    #[error("<{element}> has no {attribute} attribute")]
    MissingXmlAttribute {
        /// The element's local name.
        element: &'static str,
        /// The attribute.
        attribute: &'static str,
    },
    /// An XML attribute the Web Browser SSO profile forbids is present (`NotBefore` on the
    /// bearer `SubjectConfirmationData`, SAML profiles §4.1.4.2).
    #[error("<{element}> must not have a {attribute} attribute")]
    ForbiddenXmlAttribute {
        /// The element's local name.
        element: &'static str,
        /// The attribute.
        attribute: &'static str,
    },
    /// The assertion's subject has no `SubjectConfirmation` (the Web Browser SSO profile
    /// requires a bearer one, SAML profiles §4.1.4.2).
    #[error("the assertion's subject has no SubjectConfirmation")]
    MissingSubjectConfirmation,
    /// No `SubjectConfirmation` of the subject uses the bearer method
    /// (`urn:oasis:names:tc:SAML:2.0:cm:bearer`); holder-of-key and sender-vouches cannot be
    /// confirmed by a browser post.
    #[error("no bearer SubjectConfirmation: the subject is confirmed with {methods:?}")]
    UnsupportedConfirmationMethod {
        /// The `Method` of each confirmation (empty string when absent).
        methods: Vec<String>,
    },
    /// The bearer `SubjectConfirmation` has no `SubjectConfirmationData` (which must carry
    /// `Recipient` and `NotOnOrAfter`).
    #[error("the bearer SubjectConfirmation has no SubjectConfirmationData")]
    MissingConfirmationData,
    /// The answer sets no expiry: the bearer `SubjectConfirmationData` has no
    /// `NotOnOrAfter` (SAML profiles §4.1.4.2 requires one).
    #[error("the answer has no expiry: <{element}> has no NotOnOrAfter")]
    MissingExpiry {
        /// The element that must carry `NotOnOrAfter`.
        element: &'static str,
    },
    /// The `IssueInstant` of the response or assertion is later than now plus the allowed
    /// clock skew.
    #[error("the {element} was issued at {issue_instant}, in the future (now {now})")]
    IssuedInTheFuture {
        /// `Response` or `Assertion`.
        element: &'static str,
        /// Its `IssueInstant`.
        issue_instant: DateTime<Utc>,
        /// The `now` given by the caller.
        now: DateTime<Utc>,
    },
    /// The `IssueInstant` of the response or assertion is older than the configured maximum
    /// age plus the allowed clock skew ([`crate::ServiceProvider::with_max_age`]).
    #[error("the {element} was issued at {issue_instant}, more than {}s before now ({now})", max_age.as_secs())]
    IssuedTooLongAgo {
        /// `Response` or `Assertion`.
        element: &'static str,
        /// Its `IssueInstant`.
        issue_instant: DateTime<Utc>,
        /// The `now` given by the caller.
        now: DateTime<Utc>,
        /// The configured maximum age.
        max_age: Duration,
    },
    /// The answer was accepted before: its response or assertion `ID` is in the
    /// [`crate::ReplayCache`].
    #[error("replayed SAML answer: ID {id:?} was already accepted")]
    Replayed {
        /// The `ID` seen before.
        id: String,
    },
    /// A SAML metadata document cannot describe a trusted identity provider (see
    /// [`crate::IdentityProviderConfig::from_metadata_xml`]).
    #[error("unusable identity provider metadata: {message}")]
    InvalidMetadata {
        /// What is wrong.
        message: String,
    },
    /// The identity provider's metadata could not be fetched.
    #[error("cannot fetch identity provider metadata from {url}: {reason}")]
    MetadataUnavailable {
        /// The metadata URL.
        url: String,
        /// Why (transport error, status, size).
        reason: String,
    },
    /// The [`crate::ReplayCache`] is full of ids that may still be replayed: the answer is
    /// refused rather than an id forgotten early.
    #[error("the replay cache is full ({capacity} ids not yet expired)")]
    ReplayCacheFull {
        /// The cache's capacity, in ids.
        capacity: usize,
    },
}

impl AuthError {
    pub(crate) fn xml(message: impl Into<String>) -> Self {
        Self::MalformedXml {
            message: message.into(),
        }
    }

    pub(crate) fn form(message: impl Into<String>) -> Self {
        Self::MalformedForm {
            message: message.into(),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::InvalidConfig {
            message: message.into(),
        }
    }

    pub(crate) fn certificate(message: impl std::fmt::Display) -> Self {
        Self::Certificate {
            message: message.to_string(),
        }
    }

    /// Whether the failure may be a clock problem (`NotYetValid`, `Expired`,
    /// `IssuedInTheFuture` or `IssuedTooLongAgo`): worth checking the server's clock or the
    /// configured skew.
    pub fn is_clock_related(&self) -> bool {
        matches!(
            self,
            Self::NotYetValid { .. }
                | Self::Expired { .. }
                | Self::IssuedInTheFuture { .. }
                | Self::IssuedTooLongAgo { .. }
        )
    }
}
