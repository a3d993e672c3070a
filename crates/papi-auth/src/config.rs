//! Who is who: the identity provider (Orange) and the service provider (your site).

use std::fmt;
use std::time::Duration;

use chrono::TimeDelta;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPublicKey;
use url::Url;
use x509_cert::der::{Decode, DecodePem, Encode};
use x509_cert::Certificate;

use crate::error::AuthError;
use crate::idp::{IdentityProvider, REQUEST_BINDING};

/// Smallest RSA modulus accepted as a trust anchor, in bits.
pub const MIN_RSA_BITS: usize = 1024;

/// Clock skew allowed by default between the identity provider and this service: 3 minutes.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(180);

/// Oldest answer accepted by default: 5 minutes. An answer whose response or assertion
/// `IssueInstant` is older than this (plus the clock skew) is refused, whatever its
/// `NotOnOrAfter` says: the browser posts the answer as soon as it is issued.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);

/// An identity provider as this crate uses it: owned, and holding the keys that verify its
/// answers.
///
/// Start from the generated metadata ([`IdentityProviderConfig::from_metadata`] with
/// [`crate::idp::PRODUCTION`] or [`crate::idp::INTEGRATION`]) or describe any IdP with
/// [`IdentityProviderConfig::new`]; then add its signing certificate. The Orange
/// certificates were not recovered, so the generated metadata carries none and
/// [`crate::ServiceProvider::consume`] answers [`AuthError::NoTrustedKey`] until one is
/// added.
///
/// Only the certificate's public key is used: its validity dates and its own signature are
/// not checked (SAML metadata certificates are key containers; Orange's 2008 production
/// certificate is self-signed with MD5 and expired in 2018).
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityProviderConfig {
    entity_id: String,
    sso_url: Url,
    sso_bindings: Vec<String>,
    nameid_formats: Vec<String>,
    keys: Vec<RsaPublicKey>,
}

impl IdentityProviderConfig {
    /// A custom identity provider: its entity id (the `Issuer` of its answers) and its
    /// single sign-on URL, assumed to accept the HTTP-Redirect binding. No NameID format is
    /// known and no key is configured yet.
    pub fn new(entity_id: impl Into<String>, sso_url: &str) -> Result<Self, AuthError> {
        let entity_id = entity_id.into();
        if entity_id.trim().is_empty() {
            return Err(AuthError::config(
                "the identity provider's entity id is empty",
            ));
        }
        let sso_url = parse_http_url("SSO URL", sso_url)?;
        Ok(Self {
            entity_id,
            sso_url,
            sso_bindings: vec![REQUEST_BINDING.to_owned()],
            nameid_formats: Vec::new(),
            keys: Vec::new(),
        })
    }

    /// The identity provider described by generated metadata (entity id, SSO URL and
    /// bindings, NameID formats, and its certificate when one was recovered).
    pub fn from_metadata(idp: &IdentityProvider) -> Result<Self, AuthError> {
        let mut config = Self::new(idp.entity_id, idp.sso_url)?;
        config.sso_bindings = idp.sso_bindings.iter().map(|b| (*b).to_owned()).collect();
        config.nameid_formats = idp.nameid_formats.iter().map(|f| (*f).to_owned()).collect();
        match idp.certificate_pem {
            Some(pem) => config.with_certificate_pem(pem),
            None => Ok(config),
        }
    }

    /// Adds the signing certificate, PEM (`-----BEGIN CERTIFICATE-----`) or the bare base64
    /// body as found in `<ds:X509Certificate>` of SAML metadata. Several keys may be added
    /// (key rollover): an answer is accepted when it verifies with any of them.
    pub fn with_certificate_pem(self, pem: &str) -> Result<Self, AuthError> {
        let cert = if pem.contains("-----BEGIN") {
            Certificate::from_pem(pem.trim().as_bytes()).map_err(AuthError::certificate)?
        } else {
            let der = crate::b64::decode(pem).ok_or_else(|| {
                AuthError::certificate("neither PEM nor base64 of a DER certificate")
            })?;
            Certificate::from_der(&der).map_err(AuthError::certificate)?
        };
        self.with_certificate(&cert)
    }

    /// Adds the signing certificate, DER-encoded.
    pub fn with_certificate_der(self, der: &[u8]) -> Result<Self, AuthError> {
        let cert = Certificate::from_der(der).map_err(AuthError::certificate)?;
        self.with_certificate(&cert)
    }

    /// Adds a bare RSA public key as trust anchor: SubjectPublicKeyInfo PEM
    /// (`-----BEGIN PUBLIC KEY-----`) or PKCS#1 PEM (`-----BEGIN RSA PUBLIC KEY-----`).
    pub fn with_public_key_pem(self, pem: &str) -> Result<Self, AuthError> {
        let pem = pem.trim();
        let key = if pem.contains("BEGIN RSA PUBLIC KEY") {
            RsaPublicKey::from_pkcs1_pem(pem).map_err(AuthError::certificate)?
        } else {
            RsaPublicKey::from_public_key_pem(pem).map_err(AuthError::certificate)?
        };
        self.with_key(key)
    }

    /// Adds an RSA public key as trust anchor.
    pub fn with_key(mut self, key: RsaPublicKey) -> Result<Self, AuthError> {
        let bits = key.n().bits();
        if bits < MIN_RSA_BITS {
            return Err(AuthError::certificate(format!(
                "RSA key of {bits} bits, at least {MIN_RSA_BITS} required"
            )));
        }
        self.keys.push(key);
        Ok(self)
    }

    /// Replaces the NameID formats the identity provider supports (metadata order; the first
    /// one is asked for by default in the `NameIDPolicy`).
    pub fn with_nameid_formats<I, S>(mut self, formats: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.nameid_formats = formats.into_iter().map(Into::into).collect();
        self
    }

    /// Replaces the bindings the single sign-on URL accepts (from metadata).
    pub(crate) fn with_sso_bindings(mut self, bindings: Vec<String>) -> Self {
        self.sso_bindings = bindings;
        self
    }

    fn with_certificate(self, cert: &Certificate) -> Result<Self, AuthError> {
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(AuthError::certificate)?;
        let key = RsaPublicKey::from_public_key_der(&spki)
            .map_err(|e| AuthError::certificate(format!("not an RSA public key: {e}")))?;
        self.with_key(key)
    }

    /// The entity id, compared with the `Issuer` of answers.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The single sign-on URL the login redirect goes to.
    pub fn sso_url(&self) -> &Url {
        &self.sso_url
    }

    /// Bindings the single sign-on service accepts.
    pub fn sso_bindings(&self) -> &[String] {
        &self.sso_bindings
    }

    /// NameID formats the identity provider supports.
    pub fn nameid_formats(&self) -> &[String] {
        &self.nameid_formats
    }

    /// The keys that verify answers.
    pub fn keys(&self) -> &[RsaPublicKey] {
        &self.keys
    }
}

impl TryFrom<&IdentityProvider> for IdentityProviderConfig {
    type Error = AuthError;

    fn try_from(idp: &IdentityProvider) -> Result<Self, AuthError> {
        Self::from_metadata(idp)
    }
}

impl fmt::Debug for IdentityProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<String> = self
            .keys
            .iter()
            .map(|k| format!("RSA-{}", k.n().bits()))
            .collect();
        f.debug_struct("IdentityProviderConfig")
            .field("entity_id", &self.entity_id)
            .field("sso_url", &self.sso_url.as_str())
            .field("sso_bindings", &self.sso_bindings)
            .field("nameid_formats", &self.nameid_formats)
            .field("keys", &keys)
            .finish()
    }
}

/// This service as a SAML service provider: its entity id, its assertion consumer URL, the
/// identity provider it trusts, and how strictly answers are checked.
///
/// ```
/// use papi_auth::{idp, IdentityProviderConfig, ServiceProvider};
/// # fn main() -> Result<(), papi_auth::AuthError> {
/// let orange = IdentityProviderConfig::from_metadata(&idp::INTEGRATION)?;
/// let sp = ServiceProvider::new("https://my.site/saml", "https://my.site/saml/acs", orange)?;
/// let now = std::time::SystemTime::now().into();
/// let login = sp.login_redirect(Some("/calendar"), now)?;
/// // store login.request_id in the user's session, then redirect to login.url
/// assert!(login.url.as_str().starts_with(idp::INTEGRATION.sso_url));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProvider {
    entity_id: String,
    acs_url: Url,
    idp: IdentityProviderConfig,
    clock_skew: TimeDelta,
    max_age: TimeDelta,
    name_id_format: Option<String>,
    allow_rsa_sha1: bool,
}

impl ServiceProvider {
    /// A service provider with entity id `entity_id` (the `Issuer` of its requests and the
    /// `Audience` it expects) whose assertion consumer service is at `acs_url`.
    ///
    /// Defaults: clock skew [`DEFAULT_CLOCK_SKEW`]; maximum age of an answer
    /// [`DEFAULT_MAX_AGE`]; NameID format asked for: the identity
    /// provider's first one (persistent for Orange); rsa-sha1 accepted (2008 servers).
    pub fn new(
        entity_id: impl Into<String>,
        acs_url: &str,
        idp: IdentityProviderConfig,
    ) -> Result<Self, AuthError> {
        let entity_id = entity_id.into();
        if entity_id.trim().is_empty() {
            return Err(AuthError::config(
                "the service provider's entity id is empty",
            ));
        }
        let acs_url = parse_http_url("assertion consumer service URL", acs_url)?;
        let name_id_format = idp.nameid_formats.first().cloned();
        Ok(Self {
            entity_id,
            acs_url,
            idp,
            clock_skew: skew_delta(DEFAULT_CLOCK_SKEW),
            max_age: skew_delta(DEFAULT_MAX_AGE),
            name_id_format,
            allow_rsa_sha1: true,
        })
    }

    /// Sets the clock skew allowed when checking `IssueInstant`, `NotBefore` and
    /// `NotOnOrAfter` (at most a day).
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew_delta(skew);
        self
    }

    /// Sets the maximum age of an answer: one whose response or assertion `IssueInstant` is
    /// older than `max_age` plus the clock skew is refused ([`AuthError::IssuedTooLongAgo`]).
    /// At most a day.
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = skew_delta(max_age);
        self
    }

    /// Sets the NameID format asked for in the `NameIDPolicy` (`None`: no format, the
    /// identity provider chooses).
    pub fn with_name_id_format(mut self, format: Option<&str>) -> Self {
        self.name_id_format = format.map(str::to_owned);
        self
    }

    /// Whether answers signed with rsa-sha1 are accepted (default `true`: the 2008 identity
    /// provider may well have used it; SHA-1 is weak, refuse it if your IdP signs with
    /// rsa-sha256).
    pub fn with_rsa_sha1(mut self, allow: bool) -> Self {
        self.allow_rsa_sha1 = allow;
        self
    }

    /// The entity id of this service.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The assertion consumer service URL.
    pub fn acs_url(&self) -> &Url {
        &self.acs_url
    }

    /// The trusted identity provider.
    pub fn idp(&self) -> &IdentityProviderConfig {
        &self.idp
    }

    /// The allowed clock skew.
    pub fn clock_skew(&self) -> Duration {
        self.clock_skew.to_std().unwrap_or(Duration::ZERO)
    }

    /// The maximum age of an answer.
    pub fn max_age(&self) -> Duration {
        self.max_age.to_std().unwrap_or(Duration::ZERO)
    }

    /// The NameID format asked for.
    pub fn name_id_format(&self) -> Option<&str> {
        self.name_id_format.as_deref()
    }

    pub(crate) fn skew(&self) -> TimeDelta {
        self.clock_skew
    }

    pub(crate) fn max_age_delta(&self) -> TimeDelta {
        self.max_age
    }

    pub(crate) fn allows_rsa_sha1(&self) -> bool {
        self.allow_rsa_sha1
    }
}

/// Skews and ages beyond a day make no sense; clamping also keeps date arithmetic far from
/// overflow.
fn skew_delta(skew: Duration) -> TimeDelta {
    let max = Duration::from_secs(24 * 3600);
    TimeDelta::from_std(skew.min(max)).unwrap_or(TimeDelta::zero())
}

fn parse_http_url(what: &str, s: &str) -> Result<Url, AuthError> {
    let url = Url::parse(s.trim()).map_err(|e| AuthError::config(format!("{what}: {e}")))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(AuthError::config(format!(
            "{what}: scheme {other:?} is not http or https"
        ))),
    }
}
