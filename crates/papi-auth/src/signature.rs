//! The HTTP-POST-SimpleSign signature (SAML 2.0 bindings §3.5.4).

use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::error::AuthError;
use crate::form::PostedForm;

/// `SigAlg` of RSA PKCS#1 v1.5 with SHA-256.
pub const SIG_ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// `SigAlg` of RSA PKCS#1 v1.5 with SHA-1 (weak; see [`crate::ServiceProvider::with_rsa_sha1`]).
pub const SIG_ALG_RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";

/// The octets an HTTP-POST-SimpleSign signature covers:
/// `SAMLResponse=<value>&RelayState=<value>&SigAlg=<value>`, with the values as posted
/// (form-decoded, not URL-encoded) and `RelayState=…&` left out when there is none.
///
/// `with_relay_state` chooses whether a present `RelayState` is included; see
/// [`crate::ServiceProvider::consume`]: an empty one is tried both ways.
pub fn signed_octets(form: &PostedForm, with_relay_state: bool) -> Vec<u8> {
    let mut out = String::new();
    out.push_str("SAMLResponse=");
    out.push_str(form.saml_response());
    if let (true, Some(rs)) = (with_relay_state, form.relay_state()) {
        out.push_str("&RelayState=");
        out.push_str(rs);
    }
    out.push_str("&SigAlg=");
    out.push_str(form.sig_alg().unwrap_or_default());
    out.into_bytes()
}

enum Alg {
    Sha256,
    Sha1,
}

/// Verifies the form's SimpleSign signature with any of `keys`.
///
/// The caller has checked that `SigAlg` and `Signature` are present. A present but empty
/// `RelayState` is tried included and left out: implementations differ on it, and both
/// octet strings carry the same meaning, so neither choice lets a forger in.
pub(crate) fn verify(
    form: &PostedForm,
    keys: &[RsaPublicKey],
    allow_sha1: bool,
) -> Result<(), AuthError> {
    let sig_alg = form.sig_alg().unwrap_or_default();
    let alg = match sig_alg.trim() {
        SIG_ALG_RSA_SHA256 => Alg::Sha256,
        SIG_ALG_RSA_SHA1 if allow_sha1 => Alg::Sha1,
        other => {
            return Err(AuthError::UnsupportedSignatureAlgorithm {
                sig_alg: other.chars().take(200).collect(),
            })
        }
    };
    if keys.is_empty() {
        return Err(AuthError::NoTrustedKey);
    }
    let signature = crate::b64::decode(form.signature().unwrap_or_default())
        .ok_or(AuthError::Base64 { field: "Signature" })?;

    let mut variants = vec![signed_octets(form, true)];
    if form.relay_state() == Some("") {
        variants.push(signed_octets(form, false));
    }
    for octets in &variants {
        let (scheme, digest) = match alg {
            Alg::Sha256 => (
                Pkcs1v15Sign::new::<Sha256>(),
                Sha256::digest(octets).to_vec(),
            ),
            Alg::Sha1 => (Pkcs1v15Sign::new::<Sha1>(), Sha1::digest(octets).to_vec()),
        };
        for key in keys {
            if key.verify(scheme.clone(), &digest, &signature).is_ok() {
                return Ok(());
            }
        }
    }
    Err(AuthError::BadSignature)
}
