//! The SAML answer consumer (`ServiceProvider::consume`). Byte 0 picks the mode:
//!
//! * even: the rest is the posted form body (`PostedForm::parse`, then `consume`: form
//!   fields, base64, the SimpleSign signature). A fuzzer cannot sign with the identity
//!   provider's key, so an accepted answer here means the signature check was bypassed:
//!   the target asserts that none is accepted.
//! * odd: the rest is the SAML `Response` document itself, checked as after a valid
//!   signature (`consume_unsigned_for_fuzzing`, compiled only under `cfg(fuzzing)`):
//!   XML parsing, status, issuers, destination, audience, validity window, token.
//!
//! Errors and results are rendered (`Display`, `Debug`), which must not panic.
#![no_main]

use std::sync::OnceLock;

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use papi_auth::chrono::{DateTime, Utc};
use papi_auth::{IdentityProviderConfig, PostedForm, ServiceProvider};

/// Request id the seeds answer.
const REQUEST_ID: &str = "_0123456789abcdef0123456789abcdef01234567";
/// "Now" for the validity window: 2024-01-01T00:00:00Z (the seeds' instants surround it).
const NOW: i64 = 1_704_067_200;
/// A 1024-bit public key nobody holds the private half of in this repository.
const IDP_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC5qga2Ms8ikcmE4XcH2qrnC9Sc
Kgr09i3tOTacVo43lrophwmYOj1QAEB+wPVM4C8LbenlZV8FtD0HxH0tL16qg4aQ
nHqVB/39XCRC+RaPhcRZm+QfBxwaPV/mWz/RaAiZMXztaQMYhS6gOEOSDANVXHqv
mw7IZW2itmPZY/8BPQIDAQAB
-----END PUBLIC KEY-----";

fn sp() -> &'static ServiceProvider {
    static SP: OnceLock<ServiceProvider> = OnceLock::new();
    SP.get_or_init(|| {
        let idp = IdentityProviderConfig::new("https://idp.test/saml", "https://idp.test/sso")
            .and_then(|idp| idp.with_public_key_pem(IDP_PUBLIC_KEY))
            .map(|idp| {
                idp.with_nameid_formats(["urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"])
            })
            .expect("identity provider");
        ServiceProvider::new("https://my.site/saml", "https://my.site/saml/acs", idp)
            .expect("service provider")
    })
}

fuzz_target!(|data: &[u8]| {
    let [mode, rest @ ..] = data else {
        return;
    };
    let now = DateTime::<Utc>::from_timestamp(NOW, 0).expect("fixed instant");
    if mode % 2 == 0 {
        let Ok(form) = PostedForm::parse(rest) else {
            return;
        };
        let _ = format!("{form:?}");
        match sp().consume(&form, Some(REQUEST_ID), now) {
            Ok(user) => panic!("accepted an answer no one signed: {user}"),
            Err(e) => {
                let _ = format!("{e} {e:?}");
            }
        }
    } else {
        let response = base64::engine::general_purpose::STANDARD.encode(rest);
        let Ok(form) = PostedForm::from_pairs([("SAMLResponse", response.as_str())]) else {
            return;
        };
        match sp().consume_unsigned_for_fuzzing(&form, Some(REQUEST_ID), now) {
            Ok(user) => {
                let _ = format!("{user} {user:?}");
            }
            Err(e) => {
                let _ = format!("{e} {e:?}");
            }
        }
    }
});
