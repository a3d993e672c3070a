//! The identity provider's signing key (generated, or kept in a file or the store so that
//! services keep trusting it across restarts), its self-signed certificate, and the
//! SimpleSign signature it makes.

use std::fmt;
use std::str::FromStr as _;
use std::time::Duration;

use base64::Engine as _;
use papi_auth::PostedForm;
use std::path::Path;

use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, LineEnding};
use rsa::traits::PublicKeyParts as _;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::EncodePem as _;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

/// Size of the generated RSA signing key, in bits.
pub(crate) const KEY_BITS: usize = 2048;
/// How long the self-signed certificate is valid: ten years.
const CERTIFICATE_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// Subject (and issuer) of the self-signed certificate.
const CERTIFICATE_SUBJECT: &str = "CN=papi sandbox identity provider,O=papi sandbox";

/// The signing key and its self-signed certificate. No `Debug`: it holds the private key.
pub(crate) struct Signing {
    key: RsaPrivateKey,
    pub(crate) certificate_pem: String,
}

impl Signing {
    /// The key of `pem` (PKCS#8, as [`generate_pem`] writes it) and a self-signed
    /// certificate for it (made at each start: only the key is the trust anchor).
    pub(crate) fn from_pem(pem: &str) -> Result<Self, String> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem)
            .map_err(|e| format!("the identity provider key is not a PKCS#8 RSA key: {e}"))?;
        if key.size() * 8 < papi_auth::MIN_RSA_BITS {
            return Err(format!(
                "the identity provider key has {} bits; at least {} are required",
                key.size() * 8,
                papi_auth::MIN_RSA_BITS
            ));
        }
        Self::from_key(key)
    }

    fn from_key(key: RsaPrivateKey) -> Result<Self, String> {
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

fn new_key() -> Result<RsaPrivateKey, String> {
    RsaPrivateKey::new(&mut rsa::rand_core::OsRng, KEY_BITS)
        .map_err(|e| format!("RSA key generation: {e}"))
}

/// A fresh RSA key of [`KEY_BITS`], PKCS#8 PEM.
pub(crate) fn generate_pem() -> Result<String, String> {
    new_key()?
        .to_pkcs8_pem(LineEnding::LF)
        .map(|pem| pem.to_string())
        .map_err(|e| format!("RSA key encoding: {e}"))
}

/// The key kept in the file at `path`: read when it exists, else generated and written
/// (created new, readable by its owner only).
pub(crate) fn key_file(path: &Path) -> Result<String, String> {
    let shown = path.display();
    match std::fs::read_to_string(path) {
        Ok(pem) => return Ok(pem),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!(
                "cannot read the identity provider key {shown}: {e}"
            ))
        }
        Err(_) => {}
    }
    let pem = generate_pem()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, pem.as_bytes()));
    match written {
        Ok(()) => Ok(pem),
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the identity provider key {shown}: {e}")),
        Err(e) => Err(format!(
            "cannot write the identity provider key {shown}: {e}"
        )),
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
