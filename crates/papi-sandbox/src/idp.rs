//! The sandbox identity provider's state: its signing key and self-signed certificate, and
//! the sign-ins waiting for a password. The SAML exchange itself is `saml.rs`.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use papi_auth::PostedForm;
use rsa::pkcs8::LineEnding;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use url::Url;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::EncodePem as _;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

use crate::util::{lock, random_hex};

/// Size of the generated RSA signing key, in bits.
pub(crate) const KEY_BITS: usize = 2048;
/// How long the self-signed certificate is valid: ten years.
const CERTIFICATE_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// Subject (and issuer) of the self-signed certificate.
const CERTIFICATE_SUBJECT: &str = "CN=papi sandbox identity provider,O=papi sandbox";
/// Sign-ins waiting for the user's password.
const MAX_PENDING: usize = 1024;
/// How long a sign-in waits for the user's password.
const PENDING_TTL: Duration = Duration::from_secs(15 * 60);

/// The signing key and its self-signed certificate. No `Debug`: it holds the private key.
pub(crate) struct Signing {
    key: RsaPrivateKey,
    pub(crate) certificate_pem: String,
}

impl Signing {
    /// A fresh RSA key and a self-signed certificate for it.
    fn generate() -> Result<Self, String> {
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, KEY_BITS)
            .map_err(|e| format!("RSA key generation: {e}"))?;
        let certificate_pem = self_signed_pem(&key)?;
        Ok(Self {
            key,
            certificate_pem,
        })
    }

    /// The SimpleSign signature (RSA PKCS#1 v1.5, SHA-256) of the octets papi-auth checks.
    pub(crate) fn sign(&self, form: &PostedForm) -> Result<String, String> {
        let octets = papi_auth::signed_octets(form, true);
        let digest = Sha256::digest(&octets);
        let signature = self
            .key
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .map_err(|e| format!("signing: {e}"))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(signature))
    }
}

fn self_signed_pem(key: &RsaPrivateKey) -> Result<String, String> {
    let cert_error = |e: &dyn fmt::Display| format!("self-signed certificate: {e}");
    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.clone());
    let spki =
        SubjectPublicKeyInfoOwned::from_key(RsaPublicKey::from(key)).map_err(|e| cert_error(&e))?;
    let mut serial = [0u8; 8];
    getrandom::getrandom(&mut serial).map_err(|e| cert_error(&e))?;
    let builder = CertificateBuilder::new(
        Profile::Root,
        SerialNumber::from(u64::from_be_bytes(serial) >> 1 | 1),
        Validity::from_now(CERTIFICATE_VALIDITY).map_err(|e| cert_error(&e))?,
        Name::from_str(CERTIFICATE_SUBJECT).map_err(|e| cert_error(&e))?,
        spki,
        &signer,
    )
    .map_err(|e| cert_error(&e))?;
    let cert = builder
        .build::<rsa::pkcs1v15::Signature>()
        .map_err(|e| cert_error(&e))?;
    cert.to_pem(LineEnding::LF).map_err(|e| cert_error(&e))
}

/// The identity provider's state: its key and the sign-ins in progress.
pub(crate) struct Idp {
    /// The signing key, or why there is none (the SAML routes then answer 500).
    pub(crate) signing: Result<Signing, String>,
    pending: Mutex<HashMap<String, PendingLogin>>,
}

impl Idp {
    /// Generates the key and its certificate.
    pub(crate) fn new() -> Self {
        let signing = Signing::generate();
        if let Err(e) = &signing {
            tracing::error!(target: "papi_sandbox", error = %e, "no SAML signing key");
        }
        Self {
            signing,
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// Records a sign-in waiting for the password; returns its id.
    pub(crate) fn start(
        &self,
        request: AuthnRequest,
        relay_state: Option<String>,
    ) -> Option<String> {
        let id = random_hex(16)?;
        let now = Instant::now();
        let mut pending = lock(&self.pending);
        pending.retain(|_, p| now.duration_since(p.created) < PENDING_TTL);
        if pending.len() >= MAX_PENDING {
            let oldest = pending
                .iter()
                .min_by_key(|(_, p)| p.created)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                pending.remove(&oldest);
            }
        }
        pending.insert(
            id.clone(),
            PendingLogin {
                request,
                relay_state,
                created: now,
            },
        );
        Some(id)
    }

    /// The request of a sign-in in progress (a copy; it stays pending).
    pub(crate) fn pending(&self, id: &str) -> Option<AuthnRequest> {
        let pending = lock(&self.pending);
        pending
            .get(id)
            .filter(|p| p.created.elapsed() < PENDING_TTL)
            .map(|p| p.request.clone())
    }

    /// Ends a sign-in in progress (each is answered at most once).
    pub(crate) fn finish(&self, id: &str) -> Option<PendingLogin> {
        lock(&self.pending)
            .remove(id)
            .filter(|p| p.created.elapsed() < PENDING_TTL)
    }
}

/// A sign-in waiting for the user's password.
pub(crate) struct PendingLogin {
    pub(crate) request: AuthnRequest,
    pub(crate) relay_state: Option<String>,
    created: Instant,
}

/// What the sandbox takes from an `AuthnRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthnRequest {
    /// `ID`, echoed as `InResponseTo`.
    pub(crate) id: String,
    /// `Issuer`: the service provider's entity id, the assertion's audience.
    pub(crate) issuer: String,
    /// `AssertionConsumerServiceURL`: where the answer is posted.
    pub(crate) acs_url: Url,
}
