//! End-to-end tests of the SAML sign-in: a test identity provider with its own RSA key and
//! self-signed certificate answers with HTTP-POST-SimpleSign forms built here.

use std::io::Read;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use papi_auth::{
    idp, AuthError, Authenticated, IdentityProviderConfig, PostedForm, ReplayCache,
    ServiceProvider, SIG_ALG_RSA_SHA1, SIG_ALG_RSA_SHA256,
};
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::EncodePem;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;

// Test keys are 1024 bits (the smallest the crate accepts) to keep debug builds fast.
const BITS: usize = 1024;
const IDP_ENTITY: &str = "https://idp.test/saml";
const IDP_SSO: &str = "https://idp.test/sso?tenant=a";
const SP_ENTITY: &str = "https://my.site/saml";
const ACS: &str = "https://my.site/saml/acs";
const REQUEST_ID: &str = "_0123456789abcdef0123456789abcdef01234567";
// Shaped like the 2008 integration tokens: contains `+`, `/`, `=` and `|`.
const TOKEN: &str = "B64Zm9v+YmFy/YmF6==|sau=|ted=1208277327|c2VjcmV0K3Rva2VuL3ZhbHVlPT0=";
const NAME_ID: &str = "a8f1c3e5-persistent-pseudonym";
const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const CM_HOLDER_OF_KEY: &str = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key";
const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

fn idp_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, BITS).unwrap())
}

fn other_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, BITS).unwrap())
}

/// A self-signed certificate for the IdP key, as PEM.
fn idp_certificate_pem() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| {
        let key = idp_key();
        let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.clone());
        let spki = SubjectPublicKeyInfoOwned::from_key(key.to_public_key()).unwrap();
        let builder = CertificateBuilder::new(
            Profile::Root,
            SerialNumber::from(2u32),
            Validity::from_now(Duration::from_secs(3600)).unwrap(),
            Name::from_str("CN=Test IdP,O=papi tests,C=FR").unwrap(),
            spki,
            &signer,
        )
        .unwrap();
        let cert = builder.build::<rsa::pkcs1v15::Signature>().unwrap();
        cert.to_pem(LineEnding::LF).unwrap()
    })
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2008-04-15T16:35:27Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn instant(offset_secs: i64) -> String {
    (now() + TimeDelta::seconds(offset_secs))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn test_idp() -> IdentityProviderConfig {
    IdentityProviderConfig::new(IDP_ENTITY, IDP_SSO)
        .unwrap()
        .with_nameid_formats([PERSISTENT])
        .with_certificate_pem(idp_certificate_pem())
        .unwrap()
}

fn sp() -> ServiceProvider {
    ServiceProvider::new(SP_ENTITY, ACS, test_idp()).unwrap()
}

/// The knobs of a test response; `Default` is a valid answer.
#[derive(Clone)]
struct Resp {
    response_issuer: Option<String>,
    assertion_issuer: Option<String>,
    destination: Option<String>,
    recipient: Option<String>,
    in_response_to: Option<String>,
    audience: Option<String>,
    not_before: i64,
    not_on_or_after: i64,
    confirmation_not_on_or_after: i64,
    status: String,
    token: Option<String>,
    name_id: Option<String>,
    envelope_signature: bool,
    assertions: usize,
    /// The `Method` of the subject confirmation; `None`: no `SubjectConfirmation` at all.
    method: Option<String>,
    /// Whether the confirmation has a `SubjectConfirmationData`.
    confirmation_data: bool,
    /// Whether the confirmation data carries `InResponseTo` (the value of `in_response_to`).
    data_in_response_to: bool,
    /// Whether the confirmation data carries a `NotBefore` (the profile forbids it).
    data_not_before: bool,
    /// Whether `Conditions` and the confirmation data carry their `NotOnOrAfter`.
    conditions_expiry: bool,
    confirmation_expiry: bool,
    /// `IssueInstant` of the response and of the assertion, in seconds from `now()`;
    /// `None`: absent.
    issue_instant: Option<i64>,
    assertion_issue_instant: Option<i64>,
    response_id: String,
    assertion_id: String,
}

impl Default for Resp {
    fn default() -> Self {
        Self {
            response_issuer: Some(IDP_ENTITY.into()),
            assertion_issuer: Some(IDP_ENTITY.into()),
            destination: Some(ACS.into()),
            recipient: Some(ACS.into()),
            in_response_to: Some(REQUEST_ID.into()),
            audience: Some(SP_ENTITY.into()),
            not_before: -60,
            not_on_or_after: 300,
            confirmation_not_on_or_after: 300,
            status: "urn:oasis:names:tc:SAML:2.0:status:Success".into(),
            token: Some(TOKEN.into()),
            name_id: Some(NAME_ID.into()),
            envelope_signature: false,
            assertions: 1,
            method: Some(CM_BEARER.into()),
            confirmation_data: true,
            data_in_response_to: true,
            data_not_before: false,
            conditions_expiry: true,
            confirmation_expiry: true,
            issue_instant: Some(0),
            assertion_issue_instant: Some(0),
            response_id: "_r1".into(),
            assertion_id: "_a1".into(),
        }
    }
}

impl Resp {
    fn xml(&self) -> String {
        let irt = self
            .in_response_to
            .as_ref()
            .map(|v| format!(r#" InResponseTo="{v}""#))
            .unwrap_or_default();
        let dest = self
            .destination
            .as_ref()
            .map(|v| format!(r#" Destination="{v}""#))
            .unwrap_or_default();
        let recipient = self
            .recipient
            .as_ref()
            .map(|v| format!(r#" Recipient="{v}""#))
            .unwrap_or_default();
        let resp_issuer = self
            .response_issuer
            .as_ref()
            .map(|v| format!("<saml:Issuer>{v}</saml:Issuer>"))
            .unwrap_or_default();
        let assertion_issuer = self
            .assertion_issuer
            .as_ref()
            .map(|v| format!("<saml:Issuer>{v}</saml:Issuer>"))
            .unwrap_or_default();
        let audience = self
            .audience
            .as_ref()
            .map(|v| {
                format!(
                    "<saml:AudienceRestriction><saml:Audience>{v}</saml:Audience></saml:AudienceRestriction>"
                )
            })
            .unwrap_or_default();
        let token = self
            .token
            .as_ref()
            .map(|v| {
                format!(
                    r#"<saml:AttributeStatement>
      <saml:Attribute Name="OtherAttribute"><saml:AttributeValue>x</saml:AttributeValue></saml:Attribute>
      <saml:Attribute Name="OrangeAPIToken" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">
        <saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">{v}</saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>"#
                )
            })
            .unwrap_or_default();
        let name_id = self
            .name_id
            .as_ref()
            .map(|v| format!(r#"<saml:NameID Format="{PERSISTENT}">{v}</saml:NameID>"#))
            .unwrap_or_default();
        let dsig = if self.envelope_signature {
            r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>"#
        } else {
            ""
        };
        let data_irt = if self.data_in_response_to {
            irt.as_str()
        } else {
            ""
        };
        let data_nb = if self.data_not_before {
            format!(r#" NotBefore="{}""#, instant(-60))
        } else {
            String::new()
        };
        let scd_end = if self.confirmation_expiry {
            format!(
                r#" NotOnOrAfter="{}""#,
                instant(self.confirmation_not_on_or_after)
            )
        } else {
            String::new()
        };
        let data = if self.confirmation_data {
            format!("<saml:SubjectConfirmationData{data_irt}{recipient}{data_nb}{scd_end}/>")
        } else {
            String::new()
        };
        let confirmation = self
            .method
            .as_ref()
            .map(|m| {
                format!(
                    r#"<saml:SubjectConfirmation Method="{m}">
        {data}
      </saml:SubjectConfirmation>"#
                )
            })
            .unwrap_or_default();
        let noa = if self.conditions_expiry {
            format!(r#" NotOnOrAfter="{}""#, instant(self.not_on_or_after))
        } else {
            String::new()
        };
        let issued = |offset: Option<i64>| {
            offset
                .map(|o| format!(r#" IssueInstant="{}""#, instant(o)))
                .unwrap_or_default()
        };
        let assertion = format!(
            r#"<saml:Assertion ID="{aid}" Version="2.0"{a_issued}>
    {assertion_issuer}
    <saml:Subject>
      {name_id}
      {confirmation}
    </saml:Subject>
    <saml:Conditions NotBefore="{nb}"{noa}>{audience}</saml:Conditions>
    <saml:AuthnStatement AuthnInstant="{now}" SessionIndex="s-42" SessionNotOnOrAfter="{session}">
      <saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext>
    </saml:AuthnStatement>
    {token}
  </saml:Assertion>"#,
            now = instant(0),
            aid = self.assertion_id,
            a_issued = issued(self.assertion_issue_instant),
            nb = instant(self.not_before),
            session = instant(8 * 3600),
        );
        let assertions = assertion.repeat(self.assertions);
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{rid}" Version="2.0"{r_issued}{dest}{irt}>
  {resp_issuer}{dsig}
  <samlp:Status><samlp:StatusCode Value="{status}"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode><samlp:StatusMessage>denied by user</samlp:StatusMessage></samlp:Status>
  {assertions}
</samlp:Response>"#,
            rid = self.response_id,
            r_issued = issued(self.issue_instant),
            status = self.status,
        )
    }
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Signs like a SimpleSign IdP: over `SAMLResponse=…&RelayState=…&SigAlg=…`.
fn sign(key: &RsaPrivateKey, response: &str, relay_state: Option<&str>, sig_alg: &str) -> String {
    let mut octets = format!("SAMLResponse={response}");
    if let Some(rs) = relay_state {
        octets.push_str(&format!("&RelayState={rs}"));
    }
    octets.push_str(&format!("&SigAlg={sig_alg}"));
    let sig = if sig_alg == SIG_ALG_RSA_SHA1 {
        key.sign(
            Pkcs1v15Sign::new::<Sha1>(),
            &Sha1::digest(octets.as_bytes()),
        )
    } else {
        key.sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(octets.as_bytes()),
        )
    };
    b64(&sig.unwrap())
}

/// The urlencoded body an IdP's auto-submitting form would post.
fn body(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

/// A signed form for `xml` (raw bytes of the document), parsed back from its body.
fn signed_form_raw(key: &RsaPrivateKey, doc: &[u8], relay_state: Option<&str>) -> PostedForm {
    let response = b64(doc);
    let sig = sign(key, &response, relay_state, SIG_ALG_RSA_SHA256);
    let mut fields = vec![("SAMLResponse", response.as_str())];
    if let Some(rs) = relay_state {
        fields.push(("RelayState", rs));
    }
    fields.push(("SigAlg", SIG_ALG_RSA_SHA256));
    fields.push(("Signature", sig.as_str()));
    PostedForm::parse(&body(&fields)).unwrap()
}

fn signed_form(resp: &Resp) -> PostedForm {
    signed_form_raw(
        idp_key(),
        resp.xml().as_bytes(),
        Some("/calendar?x=1&y=a+b"),
    )
}

fn consume(resp: &Resp) -> Result<Authenticated, AuthError> {
    sp().consume(&signed_form(resp), Some(REQUEST_ID), now())
}

/// Asserts that neither `Debug` nor `Display` of `value` shows the token.
fn assert_no_token<T: std::fmt::Debug + std::fmt::Display>(value: &T) {
    for shown in [
        format!("{value:?}"),
        format!("{value:#?}"),
        value.to_string(),
    ] {
        assert!(!shown.contains(TOKEN), "token shown in {shown}");
        assert!(!shown.contains("sau="), "token shown in {shown}");
    }
}

fn expect_err(result: Result<Authenticated, AuthError>) -> AuthError {
    let err = result.expect_err("the answer must be refused");
    assert_no_token(&err);
    err
}

// ---------------------------------------------------------------------------------------
// Valid answers

#[test]
fn valid_answer_yields_token_and_name_id() {
    let user = consume(&Resp::default()).unwrap();
    assert_eq!(user.token.expose(), TOKEN);
    assert_eq!(user.name_id, NAME_ID);
    assert_eq!(user.name_id_format.as_deref(), Some(PERSISTENT));
    assert_eq!(user.session_index.as_deref(), Some("s-42"));
    assert_eq!(
        user.session_not_on_or_after,
        Some(now() + TimeDelta::hours(8))
    );
    assert_eq!(user.relay_state.as_deref(), Some("/calendar?x=1&y=a+b"));
    assert_eq!(user.assertion_id, "_a1");
    assert_eq!(user.response_id, "_r1");
    assert_eq!(user.issue_instant, now());
    assert_eq!(user.not_on_or_after, now() + TimeDelta::seconds(300));
    // The earliest of NotOnOrAfter (+300 s) and IssueInstant + max age (+300 s), plus skew.
    assert_eq!(user.replayable_until, now() + TimeDelta::seconds(300 + 180));
    assert_no_token(&user);
    assert!(format!("{user:?}").contains("UserToken(***)"));
}

#[test]
fn valid_answer_signed_with_rsa_sha1() {
    let response = b64(Resp::default().xml().as_bytes());
    let sig = sign(idp_key(), &response, None, SIG_ALG_RSA_SHA1);
    let form = PostedForm::from_pairs([
        ("SAMLResponse", response.as_str()),
        ("SigAlg", SIG_ALG_RSA_SHA1),
        ("Signature", sig.as_str()),
    ])
    .unwrap();
    let user = sp().consume(&form, Some(REQUEST_ID), now()).unwrap();
    assert_eq!(user.token.expose(), TOKEN);
    assert_eq!(user.relay_state, None);

    // … unless SHA-1 is refused.
    let strict = sp().with_rsa_sha1(false);
    let err = expect_err(strict.consume(&form, Some(REQUEST_ID), now()));
    assert!(matches!(
        err,
        AuthError::UnsupportedSignatureAlgorithm { ref sig_alg } if sig_alg == SIG_ALG_RSA_SHA1
    ));
}

#[test]
fn valid_answer_from_a_map_with_wrapped_base64() {
    // Posted forms often wrap base64 at 76 columns; the signature covers the value as posted.
    let plain = b64(Resp::default().xml().as_bytes());
    let wrapped: String = plain
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    let sig = sign(idp_key(), &wrapped, Some("rs"), SIG_ALG_RSA_SHA256);
    let map: std::collections::HashMap<&str, &str> = [
        ("SAMLResponse", wrapped.as_str()),
        ("RelayState", "rs"),
        ("SigAlg", SIG_ALG_RSA_SHA256),
        ("Signature", sig.as_str()),
        ("KeyInfo", "ignored"),
    ]
    .into_iter()
    .collect();
    let form = PostedForm::from_pairs(map).unwrap();
    let user = sp().consume(&form, Some(REQUEST_ID), now()).unwrap();
    assert_eq!(user.token.expose(), TOKEN);
    assert_eq!(form.key_info(), Some("ignored"));
    assert!(!format!("{form:?}").contains(&wrapped[..40]));
}

#[test]
fn empty_relay_state_signed_either_way_is_accepted() {
    let response = b64(Resp::default().xml().as_bytes());
    for signed_rs in [None, Some("")] {
        let sig = sign(idp_key(), &response, signed_rs, SIG_ALG_RSA_SHA256);
        let form = PostedForm::parse(&body(&[
            ("SAMLResponse", &response),
            ("RelayState", ""),
            ("SigAlg", SIG_ALG_RSA_SHA256),
            ("Signature", &sig),
        ]))
        .unwrap();
        sp().consume(&form, Some(REQUEST_ID), now()).unwrap();
    }
}

#[test]
fn other_prefixes_and_default_namespaces_are_read() {
    let xml = Resp::default()
        .xml()
        .replace("samlp:", "saml2p:")
        .replace("xmlns:samlp", "xmlns:saml2p")
        .replace("<saml:", "<")
        .replace("</saml:", "</")
        .replace(
            "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
            "xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
        );
    assert!(xml.contains("<saml2p:Response") && xml.contains("<Assertion"));
    let form = signed_form_raw(idp_key(), xml.as_bytes(), None);
    let user = sp().consume(&form, Some(REQUEST_ID), now()).unwrap();
    assert_eq!(user.token.expose(), TOKEN);
}

#[test]
fn integration_metadata_with_a_supplied_certificate() {
    let orange = IdentityProviderConfig::from_metadata(&idp::INTEGRATION)
        .unwrap()
        .with_certificate_pem(idp_certificate_pem())
        .unwrap();
    let sp = ServiceProvider::new(SP_ENTITY, ACS, orange).unwrap();
    let resp = Resp {
        response_issuer: Some(idp::INTEGRATION.entity_id.into()),
        assertion_issuer: Some(idp::INTEGRATION.entity_id.into()),
        ..Resp::default()
    };
    let user = sp
        .consume(&signed_form(&resp), Some(REQUEST_ID), now())
        .unwrap();
    assert_eq!(user.token.expose(), TOKEN);
}

#[test]
fn public_key_and_bare_base64_certificate_are_trust_anchors() {
    let spki_pem = idp_key()
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let by_key = IdentityProviderConfig::new(IDP_ENTITY, IDP_SSO)
        .unwrap()
        .with_public_key_pem(&spki_pem)
        .unwrap();
    let sp = ServiceProvider::new(SP_ENTITY, ACS, by_key).unwrap();
    sp.consume(&signed_form(&Resp::default()), None, now())
        .unwrap();

    // The body of <ds:X509Certificate> in metadata: base64 without PEM armour.
    let body: String = idp_certificate_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n");
    let by_cert = IdentityProviderConfig::new(IDP_ENTITY, IDP_SSO)
        .unwrap()
        .with_certificate_pem(&body)
        .unwrap();
    assert_eq!(by_cert.keys(), test_idp().keys());
}

#[test]
fn any_of_several_keys_verifies() {
    let rollover = IdentityProviderConfig::new(IDP_ENTITY, IDP_SSO)
        .unwrap()
        .with_key(other_key().to_public_key())
        .unwrap()
        .with_certificate_pem(idp_certificate_pem())
        .unwrap();
    let sp = ServiceProvider::new(SP_ENTITY, ACS, rollover).unwrap();
    sp.consume(&signed_form(&Resp::default()), None, now())
        .unwrap();
}

// ---------------------------------------------------------------------------------------
// Signature

#[test]
fn tampered_response_is_bad_signature() {
    let form = signed_form(&Resp::default());
    let tampered_xml = Resp::default().xml().replace(NAME_ID, "someone-else");
    let fields = [
        ("SAMLResponse", b64(tampered_xml.as_bytes())),
        ("RelayState", form.relay_state().unwrap().to_owned()),
        ("SigAlg", form.sig_alg().unwrap().to_owned()),
        ("Signature", form.signature().unwrap().to_owned()),
    ];
    let tampered = PostedForm::from_pairs(fields).unwrap();
    let err = expect_err(sp().consume(&tampered, Some(REQUEST_ID), now()));
    assert_eq!(err, AuthError::BadSignature);
}

#[test]
fn tampered_relay_state_or_sig_alg_is_bad_signature() {
    let form = signed_form(&Resp::default());
    let with = |rs: Option<&str>, alg: &str| {
        let mut fields = vec![
            ("SAMLResponse", form.saml_response().to_owned()),
            ("SigAlg", alg.to_owned()),
            ("Signature", form.signature().unwrap().to_owned()),
        ];
        if let Some(rs) = rs {
            fields.push(("RelayState", rs.to_owned()));
        }
        PostedForm::from_pairs(fields).unwrap()
    };
    for tampered in [
        with(Some("https://evil.example/"), SIG_ALG_RSA_SHA256),
        with(None, SIG_ALG_RSA_SHA256),
        with(form.relay_state(), SIG_ALG_RSA_SHA1),
    ] {
        let err = expect_err(sp().consume(&tampered, Some(REQUEST_ID), now()));
        assert_eq!(err, AuthError::BadSignature);
    }
}

#[test]
fn signed_with_another_key_is_bad_signature() {
    let form = signed_form_raw(other_key(), Resp::default().xml().as_bytes(), None);
    let err = expect_err(sp().consume(&form, Some(REQUEST_ID), now()));
    assert_eq!(err, AuthError::BadSignature);
}

#[test]
fn unsigned_answers_are_refused() {
    let response = b64(Resp::default().xml().as_bytes());
    let bare = PostedForm::from_pairs([("SAMLResponse", response.as_str())]).unwrap();
    assert_eq!(
        expect_err(sp().consume(&bare, None, now())),
        AuthError::Unsigned
    );

    let sig_alg_only = PostedForm::from_pairs([
        ("SAMLResponse", response.as_str()),
        ("SigAlg", SIG_ALG_RSA_SHA256),
    ])
    .unwrap();
    assert_eq!(
        expect_err(sp().consume(&sig_alg_only, None, now())),
        AuthError::Unsigned
    );

    let sig_only =
        PostedForm::from_pairs([("SAMLResponse", response.as_str()), ("Signature", "AAAA")])
            .unwrap();
    assert!(matches!(
        expect_err(sp().consume(&sig_only, None, now())),
        AuthError::MalformedForm { .. }
    ));

    // Garbage without a signature is still refused as unsigned, without panicking.
    let garbage = PostedForm::from_pairs([("SAMLResponse", "%%%not base64")]).unwrap();
    assert_eq!(
        expect_err(sp().consume(&garbage, None, now())),
        AuthError::Unsigned
    );
}

#[test]
fn plain_http_post_binding_is_unsupported() {
    let resp = Resp {
        envelope_signature: true,
        ..Resp::default()
    };
    let form = PostedForm::parse(&body(&[
        ("SAMLResponse", &b64(resp.xml().as_bytes())),
        ("RelayState", "x"),
    ]))
    .unwrap();
    let err = expect_err(sp().consume(&form, Some(REQUEST_ID), now()));
    assert!(
        matches!(err, AuthError::UnsupportedBinding { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("XML-DSig"));
}

#[test]
fn unsupported_sig_alg_and_bad_signature_encoding() {
    let response = b64(Resp::default().xml().as_bytes());
    let dsa = "http://www.w3.org/2000/09/xmldsig#dsa-sha1";
    let sig = sign(idp_key(), &response, None, dsa);
    let form = PostedForm::from_pairs([
        ("SAMLResponse", response.as_str()),
        ("SigAlg", dsa),
        ("Signature", sig.as_str()),
    ])
    .unwrap();
    assert!(matches!(
        expect_err(sp().consume(&form, None, now())),
        AuthError::UnsupportedSignatureAlgorithm { ref sig_alg } if sig_alg == dsa
    ));

    for bad_sig in ["***", "", "AAAA"] {
        let form = PostedForm::from_pairs([
            ("SAMLResponse", response.as_str()),
            ("SigAlg", SIG_ALG_RSA_SHA256),
            ("Signature", bad_sig),
        ])
        .unwrap();
        let err = expect_err(sp().consume(&form, None, now()));
        assert!(
            matches!(
                err,
                AuthError::Base64 { field: "Signature" } | AuthError::BadSignature
            ),
            "{err:?}"
        );
    }
}

#[test]
fn no_configured_key_is_no_trusted_key() {
    let orange = IdentityProviderConfig::from_metadata(&idp::PRODUCTION).unwrap();
    assert!(orange.keys().is_empty());
    let sp = ServiceProvider::new(SP_ENTITY, ACS, orange).unwrap();
    let err = expect_err(sp.consume(&signed_form(&Resp::default()), None, now()));
    assert_eq!(err, AuthError::NoTrustedKey);
}

#[test]
fn unusable_trust_anchors_are_certificate_errors() {
    let base = IdentityProviderConfig::new(IDP_ENTITY, IDP_SSO).unwrap();
    let small = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 512).unwrap();
    for result in [
        base.clone().with_key(small.to_public_key()),
        base.clone()
            .with_certificate_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"),
        base.clone().with_certificate_pem("not base64 !"),
        base.clone().with_certificate_der(b"\x30\x03\x02\x01\x01"),
        base.clone()
            .with_public_key_pem("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----"),
    ] {
        assert!(
            matches!(result, Err(AuthError::Certificate { .. })),
            "{result:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Document checks

#[test]
fn expired_and_not_yet_valid() {
    let expired = Resp {
        not_before: -600,
        not_on_or_after: -200,
        ..Resp::default()
    };
    let err = expect_err(consume(&expired));
    assert!(matches!(err, AuthError::Expired { .. }), "{err:?}");
    assert!(err.is_clock_related());

    let scd_expired = Resp {
        confirmation_not_on_or_after: -200,
        ..Resp::default()
    };
    assert!(matches!(
        expect_err(consume(&scd_expired)),
        AuthError::Expired { .. }
    ));

    let future = Resp {
        not_before: 200,
        not_on_or_after: 600,
        ..Resp::default()
    };
    let err = expect_err(consume(&future));
    assert!(matches!(err, AuthError::NotYetValid { .. }), "{err:?}");
}

#[test]
fn clock_skew_is_allowed_and_configurable() {
    // 100 s past NotOnOrAfter and 100 s before NotBefore: inside the default 3 minutes.
    let late = Resp {
        not_on_or_after: -100,
        confirmation_not_on_or_after: -100,
        not_before: -600,
        ..Resp::default()
    };
    let early = Resp {
        not_before: 100,
        ..Resp::default()
    };
    consume(&late).unwrap();
    consume(&early).unwrap();
    let strict = sp().with_clock_skew(Duration::from_secs(30));
    assert_eq!(strict.clock_skew(), Duration::from_secs(30));
    assert!(strict
        .consume(&signed_form(&late), Some(REQUEST_ID), now())
        .is_err());
    assert!(strict
        .consume(&signed_form(&early), Some(REQUEST_ID), now())
        .is_err());
}

#[test]
fn wrong_audience() {
    let err = expect_err(consume(&Resp {
        audience: Some("https://other.site/saml".into()),
        ..Resp::default()
    }));
    assert_eq!(
        err,
        AuthError::WrongAudience {
            expected: SP_ENTITY.into(),
            found: vec!["https://other.site/saml".into()],
        }
    );
    let err = expect_err(consume(&Resp {
        audience: None,
        ..Resp::default()
    }));
    assert!(matches!(err, AuthError::WrongAudience { .. }));
}

#[test]
fn wrong_issuer() {
    let err = expect_err(consume(&Resp {
        assertion_issuer: Some("https://evil.idp/".into()),
        ..Resp::default()
    }));
    assert_eq!(
        err,
        AuthError::WrongIssuer {
            expected: IDP_ENTITY.into(),
            found: Some("https://evil.idp/".into()),
        }
    );
    let err = expect_err(consume(&Resp {
        response_issuer: Some("https://evil.idp/".into()),
        ..Resp::default()
    }));
    assert!(matches!(err, AuthError::WrongIssuer { .. }));
    // The response's Issuer is optional, the assertion's is not.
    consume(&Resp {
        response_issuer: None,
        ..Resp::default()
    })
    .unwrap();
    let err = expect_err(consume(&Resp {
        assertion_issuer: None,
        ..Resp::default()
    }));
    assert!(matches!(err, AuthError::WrongIssuer { found: None, .. }));
}

#[test]
fn wrong_destination_or_recipient() {
    for resp in [
        Resp {
            destination: Some("https://other.site/acs".into()),
            ..Resp::default()
        },
        Resp {
            recipient: Some("https://other.site/acs".into()),
            ..Resp::default()
        },
    ] {
        let err = expect_err(consume(&resp));
        assert!(matches!(err, AuthError::WrongDestination { .. }), "{err:?}");
    }
    // The response's Destination is optional; the bearer confirmation's Recipient is not
    // (SAML profiles §4.1.4.2).
    consume(&Resp {
        destination: None,
        ..Resp::default()
    })
    .unwrap();
    let err = expect_err(consume(&Resp {
        recipient: None,
        ..Resp::default()
    }));
    assert_eq!(
        err,
        AuthError::MissingXmlAttribute {
            element: "SubjectConfirmationData",
            attribute: "Recipient"
        }
    );
}

#[test]
fn in_response_to_mismatch() {
    let err = expect_err(consume(&Resp {
        in_response_to: Some("_another".into()),
        ..Resp::default()
    }));
    assert_eq!(
        err,
        AuthError::InResponseToMismatch {
            expected: REQUEST_ID.into(),
            found: Some("_another".into()),
        }
    );
    let unsolicited = Resp {
        in_response_to: None,
        ..Resp::default()
    };
    let err = expect_err(consume(&unsolicited));
    assert!(matches!(
        err,
        AuthError::InResponseToMismatch { found: None, .. }
    ));
    // Without an expected id, unsolicited (IdP-initiated) answers are accepted.
    sp().consume(&signed_form(&unsolicited), None, now())
        .unwrap();
}

#[test]
fn missing_token_attribute() {
    let err = expect_err(consume(&Resp {
        token: None,
        ..Resp::default()
    }));
    assert_eq!(
        err,
        AuthError::MissingAttribute {
            name: idp::TOKEN_ATTRIBUTE
        }
    );
    assert!(err.to_string().contains("OrangeAPIToken"));
    let err = expect_err(consume(&Resp {
        token: Some("   ".into()),
        ..Resp::default()
    }));
    assert!(matches!(err, AuthError::MissingAttribute { .. }));
}

#[test]
fn missing_name_id() {
    let err = expect_err(consume(&Resp {
        name_id: None,
        ..Resp::default()
    }));
    assert_eq!(err, AuthError::MissingNameId);
}

#[test]
fn status_not_success() {
    let err = expect_err(consume(&Resp {
        status: "urn:oasis:names:tc:SAML:2.0:status:Responder".into(),
        token: None,
        ..Resp::default()
    }));
    assert_eq!(
        err,
        AuthError::StatusNotSuccess {
            code: "urn:oasis:names:tc:SAML:2.0:status:Responder".into(),
            sub_code: Some("urn:oasis:names:tc:SAML:2.0:status:AuthnFailed".into()),
            message: Some("denied by user".into()),
        }
    );
}

#[test]
fn several_assertions_are_refused() {
    let err = expect_err(consume(&Resp {
        assertions: 2,
        ..Resp::default()
    }));
    assert!(matches!(err, AuthError::MalformedXml { .. }), "{err:?}");
}

// ---------------------------------------------------------------------------------------
// What the Web Browser SSO profile forbids (SAML profiles §4.1.4.2–4.1.4.3). Each answer
// below is signed with the trusted key and was accepted before these checks existed.

#[test]
fn no_subject_confirmation_is_refused() {
    let err = expect_err(consume(&Resp {
        method: None,
        ..Resp::default()
    }));
    assert_eq!(err, AuthError::MissingSubjectConfirmation);
}

#[test]
fn holder_of_key_confirmation_is_not_bearer() {
    let err = expect_err(consume(&Resp {
        method: Some(CM_HOLDER_OF_KEY.into()),
        ..Resp::default()
    }));
    assert_eq!(
        err,
        AuthError::UnsupportedConfirmationMethod {
            methods: vec![CM_HOLDER_OF_KEY.into()]
        }
    );
    // Next to a valid bearer confirmation, another method is ignored.
    let xml = Resp::default().xml().replace(
        "<saml:SubjectConfirmation ",
        &format!(
            r#"<saml:SubjectConfirmation Method="{CM_HOLDER_OF_KEY}"><saml:SubjectConfirmationData/></saml:SubjectConfirmation><saml:SubjectConfirmation "#
        ),
    );
    let form = signed_form_raw(idp_key(), xml.as_bytes(), None);
    sp().consume(&form, Some(REQUEST_ID), now()).unwrap();
}

#[test]
fn bearer_confirmation_needs_its_data() {
    let err = expect_err(consume(&Resp {
        confirmation_data: false,
        ..Resp::default()
    }));
    assert_eq!(err, AuthError::MissingConfirmationData);
    let err = expect_err(consume(&Resp {
        data_not_before: true,
        ..Resp::default()
    }));
    assert_eq!(
        err,
        AuthError::ForbiddenXmlAttribute {
            element: "SubjectConfirmationData",
            attribute: "NotBefore"
        }
    );
    // Solicited: the confirmation data must answer the request too.
    let no_irt = Resp {
        data_in_response_to: false,
        ..Resp::default()
    };
    let err = expect_err(consume(&no_irt));
    assert_eq!(
        err,
        AuthError::InResponseToMismatch {
            expected: REQUEST_ID.into(),
            found: None
        }
    );
    // … and when the caller expects no request, nothing is compared.
    sp().consume(&signed_form(&no_irt), None, now()).unwrap();
}

/// `xml` with the element `saml:{name}` moved to a foreign namespace `urn:x`.
fn foreign(xml: &str, name: &str) -> String {
    let renamed = xml
        .replace(
            &format!("<saml:{name} "),
            &format!(r#"<evil:{name} xmlns:evil="urn:x" "#),
        )
        .replace(
            &format!("<saml:{name}>"),
            &format!(r#"<evil:{name} xmlns:evil="urn:x">"#),
        )
        .replace(&format!("</saml:{name}>"), &format!("</evil:{name}>"));
    assert_ne!(renamed, xml, "no saml:{name} in the document");
    renamed
}

fn wrong_namespace(element: &'static str, expected: &'static str) -> AuthError {
    AuthError::WrongNamespace {
        element,
        expected,
        found: Some("urn:x".into()),
    }
}

#[test]
fn foreign_namespace_assertion_is_refused() {
    let xml = foreign(&Resp::default().xml(), "Assertion");
    assert!(xml.contains(r#"<evil:Assertion xmlns:evil="urn:x" ID="_a1""#));
    let form = signed_form_raw(idp_key(), xml.as_bytes(), None);
    let err = expect_err(sp().consume(&form, Some(REQUEST_ID), now()));
    assert_eq!(err, wrong_namespace("Assertion", NS_ASSERTION));

    // The same for the root, the status and the elements the checks read.
    let cases = [
        ("Issuer", NS_ASSERTION),
        ("Subject", NS_ASSERTION),
        ("SubjectConfirmation", NS_ASSERTION),
        ("Conditions", NS_ASSERTION),
        ("Audience", NS_ASSERTION),
        ("NameID", NS_ASSERTION),
        ("AttributeValue", NS_ASSERTION),
    ];
    for (name, ns) in cases {
        let xml = foreign(&Resp::default().xml(), name);
        let form = signed_form_raw(idp_key(), xml.as_bytes(), None);
        let err = expect_err(sp().consume(&form, Some(REQUEST_ID), now()));
        assert_eq!(err, wrong_namespace(name, ns), "{name}");
    }
    for name in ["Response", "Status", "StatusCode"] {
        let xml = Resp::default()
            .xml()
            .replace(
                &format!("<samlp:{name} "),
                &format!(r#"<evil:{name} xmlns:evil="urn:x" "#),
            )
            .replace(
                &format!("<samlp:{name}>"),
                &format!(r#"<evil:{name} xmlns:evil="urn:x">"#),
            )
            .replace(&format!("</samlp:{name}>"), &format!("</evil:{name}>"));
        let form = signed_form_raw(idp_key(), xml.as_bytes(), None);
        let err = expect_err(sp().consume(&form, Some(REQUEST_ID), now()));
        assert_eq!(err, wrong_namespace(name, NS_PROTOCOL), "{name}");
    }
}

#[test]
fn foreign_namespace_not_on_or_after_is_refused() {
    // The only NotOnOrAfter is on a SubjectConfirmationData of another namespace.
    let xml = foreign(
        &Resp {
            conditions_expiry: false,
            ..Resp::default()
        }
        .xml(),
        "SubjectConfirmationData",
    );
    let form = signed_form_raw(idp_key(), xml.as_bytes(), None);
    let err = expect_err(sp().consume(&form, Some(REQUEST_ID), now()));
    assert_eq!(
        err,
        wrong_namespace("SubjectConfirmationData", NS_ASSERTION)
    );

    // A qualified attribute is not SAML's unqualified NotOnOrAfter.
    let xml = Resp {
        conditions_expiry: false,
        ..Resp::default()
    }
    .xml()
    .replace(
        r#" NotOnOrAfter=""#,
        r#" xmlns:evil="urn:x" evil:NotOnOrAfter=""#,
    );
    let form = signed_form_raw(idp_key(), xml.as_bytes(), None);
    let err = expect_err(sp().consume(&form, Some(REQUEST_ID), now()));
    assert_eq!(
        err,
        AuthError::MissingExpiry {
            element: "SubjectConfirmationData"
        }
    );
}

#[test]
fn answer_without_expiry_is_refused() {
    let forever = Resp {
        conditions_expiry: false,
        confirmation_expiry: false,
        ..Resp::default()
    };
    let err = expect_err(consume(&forever));
    assert_eq!(
        err,
        AuthError::MissingExpiry {
            element: "SubjectConfirmationData"
        }
    );
    // Thirty-two years later it is refused for its age, first.
    let in_2040 = DateTime::parse_from_rfc3339("2040-04-15T16:35:27Z")
        .unwrap()
        .with_timezone(&Utc);
    let err = expect_err(sp().consume(&signed_form(&forever), Some(REQUEST_ID), in_2040));
    assert!(
        matches!(
            err,
            AuthError::IssuedTooLongAgo {
                element: "Response",
                ..
            }
        ),
        "{err:?}"
    );
    // Conditions without NotOnOrAfter are fine when the bearer confirmation has one.
    consume(&Resp {
        conditions_expiry: false,
        ..Resp::default()
    })
    .unwrap();
}

#[test]
fn issue_instant_is_checked() {
    // Far-off expiries, so that only the issue instants can refuse.
    let base = Resp {
        not_on_or_after: 365 * 24 * 3600,
        confirmation_not_on_or_after: 365 * 24 * 3600,
        not_before: -365 * 24 * 3600,
        ..Resp::default()
    };
    let hour_ago = Resp {
        issue_instant: Some(-3600),
        assertion_issue_instant: Some(-3600),
        ..base.clone()
    };
    let err = expect_err(consume(&hour_ago));
    assert_eq!(
        err,
        AuthError::IssuedTooLongAgo {
            element: "Response",
            issue_instant: now() - TimeDelta::hours(1),
            now: now(),
            max_age: papi_auth::DEFAULT_MAX_AGE,
        }
    );
    assert!(err.is_clock_related());
    let err = expect_err(consume(&Resp {
        assertion_issue_instant: Some(-3600),
        ..base.clone()
    }));
    assert!(
        matches!(
            err,
            AuthError::IssuedTooLongAgo {
                element: "Assertion",
                ..
            }
        ),
        "{err:?}"
    );
    let err = expect_err(consume(&Resp {
        issue_instant: Some(3600),
        ..base.clone()
    }));
    assert_eq!(
        err,
        AuthError::IssuedInTheFuture {
            element: "Response",
            issue_instant: now() + TimeDelta::hours(1),
            now: now(),
        }
    );
    let err = expect_err(consume(&Resp {
        assertion_issue_instant: Some(3600),
        ..base.clone()
    }));
    assert!(
        matches!(
            err,
            AuthError::IssuedInTheFuture {
                element: "Assertion",
                ..
            }
        ),
        "{err:?}"
    );
    for (issue_instant, assertion_issue_instant, element) in
        [(None, Some(0), "Response"), (Some(0), None, "Assertion")]
    {
        let err = expect_err(consume(&Resp {
            issue_instant,
            assertion_issue_instant,
            ..base.clone()
        }));
        assert_eq!(
            err,
            AuthError::MissingXmlAttribute {
                element,
                attribute: "IssueInstant"
            }
        );
    }

    // Inside the skew (3 min) and the maximum age (5 min): accepted.
    consume(&Resp {
        issue_instant: Some(170),
        assertion_issue_instant: Some(170),
        ..base.clone()
    })
    .unwrap();
    let eight_minutes_ago = Resp {
        issue_instant: Some(-470),
        assertion_issue_instant: Some(-470),
        ..base.clone()
    };
    consume(&eight_minutes_ago).unwrap();
    // The maximum age is configurable.
    let strict = sp().with_max_age(Duration::from_secs(60));
    assert_eq!(strict.max_age(), Duration::from_secs(60));
    let err = expect_err(strict.consume(&signed_form(&eight_minutes_ago), Some(REQUEST_ID), now()));
    assert!(matches!(err, AuthError::IssuedTooLongAgo { .. }), "{err:?}");
}

#[test]
fn replayed_answer_is_refused_with_the_cache() {
    let replays = ReplayCache::new(100);
    let form = signed_form(&Resp::default());
    // Without a cache the same answer passes twice (the caller must remember ids).
    sp().consume(&form, Some(REQUEST_ID), now()).unwrap();
    sp().consume(&form, Some(REQUEST_ID), now()).unwrap();

    let user = sp()
        .consume_once(&form, Some(REQUEST_ID), now(), &replays)
        .unwrap();
    assert_eq!(user.token.expose(), TOKEN);
    let later = now() + TimeDelta::seconds(30);
    let err = expect_err(sp().consume_once(&form, Some(REQUEST_ID), later, &replays));
    assert_eq!(err, AuthError::Replayed { id: "_r1".into() });
    // The same assertion in a new response is a replay too.
    let rewrapped = signed_form(&Resp {
        response_id: "_r2".into(),
        ..Resp::default()
    });
    let err = expect_err(sp().consume_once(&rewrapped, Some(REQUEST_ID), later, &replays));
    assert_eq!(err, AuthError::Replayed { id: "_a1".into() });
    // Another answer passes.
    sp().consume_once(
        &signed_form(&Resp {
            response_id: "_r3".into(),
            assertion_id: "_a3".into(),
            ..Resp::default()
        }),
        Some(REQUEST_ID),
        later,
        &replays,
    )
    .unwrap();
    assert_eq!(replays.len(), 4);
    // Once the cache forgets the answer, the answer itself has expired.
    let after = user.replayable_until + TimeDelta::seconds(1);
    let err = expect_err(sp().consume_once(&form, Some(REQUEST_ID), after, &replays));
    assert!(err.is_clock_related(), "{err:?}");
}

#[test]
fn the_sandbox_shape_and_a_valid_answer_still_pass() {
    // The answer every check above starts from is accepted, with and without a cache.
    consume(&Resp::default()).unwrap();
    sp().consume_once(
        &signed_form(&Resp::default()),
        Some(REQUEST_ID),
        now(),
        &ReplayCache::default(),
    )
    .unwrap();
}

#[test]
fn garbage_and_broken_documents_are_typed_errors() {
    let full = Resp::default().xml();
    let truncated = &full[..full.len() / 2];
    let cases: Vec<(&[u8], &str)> = vec![
        (b"\xff\xfe not utf-8", "MalformedXml"),
        (b"this is not XML at all", "MalformedXml"),
        (b"  \n ", "MalformedXml"),
        (truncated.as_bytes(), "MalformedXml"),
        (b"<a><b></a></b>", "MalformedXml"),
        (
            b"<!DOCTYPE r [<!ENTITY x \"y\">]><samlp:Response/>",
            "MalformedXml",
        ),
        (b"<Response Version=\"2.0\">&bogus;</Response>", "MalformedXml"),
        (b"<Response/><Response/>", "MalformedXml"),
        (b"<AuthnRequest/>", "MalformedXml"),
        (b"<p:Response Version=\"2.0\"/>", "MalformedXml"),
        (b"<Response Version=\"2.0\"/>", "WrongNamespace"),
        (b"<Response xmlns=\"urn:oasis:names:tc:SAML:2.0:protocol\" Version=\"2.0\"/>", "MissingXmlAttribute"),
        (
            b"<Response xmlns=\"urn:oasis:names:tc:SAML:2.0:protocol\" Version=\"2.0\" ID=\"_r\" IssueInstant=\"2008-04-15T16:35:27Z\"/>",
            "MalformedXml",
        ),
        (
            b"<Response xmlns=\"urn:oasis:names:tc:SAML:2.0:protocol\" Version=\"2.0\" ID=\"_r\" IssueInstant=\"2008-04-15T16:35:27Z\"><Status><StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></Status></Response>",
            "MalformedXml",
        ),
    ];
    for (doc, kind) in cases {
        let form = signed_form_raw(idp_key(), doc, None);
        let err = expect_err(sp().consume(&form, None, now()));
        assert!(format!("{err:?}").starts_with(kind), "{doc:?}: {err:?}");
    }
    // Deep nesting is bounded, not a stack overflow.
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let form = signed_form_raw(idp_key(), deep.as_bytes(), None);
    assert!(matches!(
        expect_err(sp().consume(&form, None, now())),
        AuthError::MalformedXml { .. }
    ));

    // Not base64 at all, but validly signed.
    let sig = sign(idp_key(), "!!!not*base64!!!", None, SIG_ALG_RSA_SHA256);
    let form = PostedForm::from_pairs([
        ("SAMLResponse", "!!!not*base64!!!"),
        ("SigAlg", SIG_ALG_RSA_SHA256),
        ("Signature", sig.as_str()),
    ])
    .unwrap();
    assert_eq!(
        expect_err(sp().consume(&form, None, now())),
        AuthError::Base64 {
            field: "SAMLResponse"
        }
    );
}

#[test]
fn malformed_forms() {
    assert!(matches!(
        PostedForm::parse(b"RelayState=x"),
        Err(AuthError::MalformedForm { .. })
    ));
    assert!(matches!(
        PostedForm::parse(b"SAMLRequest=abc"),
        Err(AuthError::MalformedForm { .. })
    ));
    assert!(matches!(
        PostedForm::parse(b"SAMLResponse=abc&SAMLResponse=def"),
        Err(AuthError::MalformedForm { .. })
    ));
    assert!(matches!(
        PostedForm::parse(b"SAMLResponse="),
        Err(AuthError::MalformedForm { .. })
    ));
    assert!(matches!(
        PostedForm::parse(b"\xff\x00&&==&%zz"),
        Err(AuthError::MalformedForm { .. })
    ));
    let huge = vec![b'A'; papi_auth::MAX_FORM_BYTES + 10];
    let mut body = b"SAMLResponse=".to_vec();
    body.extend_from_slice(&huge);
    assert!(matches!(
        PostedForm::parse(&body),
        Err(AuthError::TooLarge { .. })
    ));
    // `+` in a urlencoded body is a space; `%2B` is a plus.
    let form = PostedForm::parse(b"SAMLResponse=a%2Bb+c&RelayState=%2F%3D").unwrap();
    assert_eq!(form.saml_response(), "a+b c");
    assert_eq!(form.relay_state(), Some("/="));
}

// ---------------------------------------------------------------------------------------
// Login redirect

struct ParsedRequest {
    attrs: std::collections::HashMap<String, String>,
    issuer: String,
    policy: std::collections::HashMap<String, String>,
}

fn parse_authn_request(xml: &str) -> ParsedRequest {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = ParsedRequest {
        attrs: Default::default(),
        issuer: String::new(),
        policy: Default::default(),
    };
    let mut in_issuer = false;
    let attrs_of = |e: &quick_xml::events::BytesStart| {
        e.attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    a.key.as_ref().to_owned(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect()
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.name().as_ref() == "samlp:AuthnRequest" => {
                out.attrs = attrs_of(&e)
            }
            Event::Start(e) if e.name().as_ref() == "saml:Issuer" => in_issuer = true,
            Event::Text(t) if in_issuer => out.issuer.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_issuer => out
                .issuer
                .push_str(quick_xml::escape::resolve_predefined_entity(&r).unwrap()),
            Event::End(e) if e.name().as_ref() == "saml:Issuer" => in_issuer = false,
            Event::Empty(e) if e.name().as_ref() == "samlp:NameIDPolicy" => {
                out.policy = attrs_of(&e)
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn inflate(saml_request: &str) -> String {
    use base64::Engine;
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(saml_request)
        .unwrap();
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[test]
fn login_redirect_round_trips() {
    let sp = sp();
    let relay = "/back?a=1&b=x+y/z=";
    let login = sp.login_redirect(Some(relay), now()).unwrap();
    assert_eq!(login.issue_instant, now());

    // The SSO URL keeps its own query and gains SAMLRequest and RelayState.
    assert_eq!(login.url.host_str(), Some("idp.test"));
    assert_eq!(login.url.path(), "/sso");
    let pairs: Vec<(String, String)> = login.url.query_pairs().into_owned().collect();
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["tenant", "SAMLRequest", "RelayState"]);
    assert_eq!(pairs[2].1, relay);

    // Percent-encoding: no raw `+`, `/` or `=` inside the values.
    let raw_query = login.url.query().unwrap();
    let raw_request = raw_query
        .split('&')
        .find_map(|p| p.strip_prefix("SAMLRequest="))
        .unwrap();
    assert!(!raw_request.contains(['+', '/', '=']), "{raw_request}");
    let raw_relay = raw_query
        .split('&')
        .find_map(|p| p.strip_prefix("RelayState="))
        .unwrap();
    assert_eq!(raw_relay, "%2Fback%3Fa%3D1%26b%3Dx%2By%2Fz%3D");
    let base64_value = &pairs[1].1;
    if base64_value.contains('+') {
        assert!(raw_request.contains("%2B"));
    }
    if base64_value.contains('/') {
        assert!(raw_request.contains("%2F"));
    }
    if base64_value.ends_with('=') {
        assert!(raw_request.ends_with("%3D"));
    }

    let xml = inflate(base64_value);
    assert_eq!(xml, sp.authn_request_xml(&login.request_id, now()).unwrap());
    let req = parse_authn_request(&xml);
    assert_eq!(req.attrs["ID"], login.request_id);
    assert_eq!(req.attrs["Version"], "2.0");
    assert_eq!(req.attrs["IssueInstant"], "2008-04-15T16:35:27Z");
    assert_eq!(req.attrs["Destination"], IDP_SSO);
    assert_eq!(req.attrs["AssertionConsumerServiceURL"], ACS);
    assert_eq!(req.attrs["ProtocolBinding"], idp::RESPONSE_BINDING);
    assert_eq!(req.issuer, SP_ENTITY);
    assert_eq!(req.policy["Format"], PERSISTENT);
    assert_eq!(req.policy["AllowCreate"], "true");
}

#[test]
fn request_ids_are_random_and_long() {
    let sp = sp();
    let a = sp.login_redirect(None, now()).unwrap();
    let b = sp.login_redirect(None, now()).unwrap();
    assert_ne!(a.request_id, b.request_id);
    // `_` + at least 128 bits of hex, a valid xs:ID.
    assert!(a.request_id.starts_with('_'));
    assert!(a.request_id.len() > 32);
    assert!(a.request_id[1..].chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!a.url.query().unwrap().contains("RelayState"));
    let empty = sp.login_redirect(Some(""), now()).unwrap();
    assert!(!empty.url.query().unwrap().contains("RelayState"));
}

#[test]
fn login_redirect_escapes_values_and_checks_relay_state() {
    let odd = "urn:x:a&b\"c<d>";
    let sp = ServiceProvider::new(odd, "https://my.site/acs?x=1&y=\"2\"", test_idp())
        .unwrap()
        .with_name_id_format(None);
    let login = sp.login_redirect(None, now()).unwrap();
    let xml = inflate(
        &login
            .url
            .query_pairs()
            .find(|(k, _)| k == "SAMLRequest")
            .unwrap()
            .1,
    );
    assert!(xml.contains("urn:x:a&amp;b&quot;c&lt;d&gt;"), "{xml}");
    let req = parse_authn_request(&xml);
    assert_eq!(req.issuer, odd);
    assert_eq!(
        req.attrs["AssertionConsumerServiceURL"],
        sp.acs_url().as_str()
    );
    assert!(!req.policy.contains_key("Format"));

    let too_long = "x".repeat(papi_auth::MAX_RELAY_STATE_BYTES + 1);
    assert!(matches!(
        sp.login_redirect(Some(&too_long), now()),
        Err(AuthError::InvalidRelayState { .. })
    ));
}

#[test]
fn production_and_integration_metadata_build_redirects() {
    for meta in [idp::PRODUCTION, idp::INTEGRATION] {
        let orange = IdentityProviderConfig::from_metadata(&meta).unwrap();
        assert_eq!(orange.entity_id(), meta.entity_id);
        let sp = ServiceProvider::new(SP_ENTITY, ACS, orange).unwrap();
        let login = sp.login_redirect(Some("state"), now()).unwrap();
        assert!(login.url.as_str().starts_with(meta.sso_url));
        let xml = inflate(
            &login
                .url
                .query_pairs()
                .find(|(k, _)| k == "SAMLRequest")
                .unwrap()
                .1,
        );
        let req = parse_authn_request(&xml);
        assert_eq!(req.attrs["Destination"], meta.sso_url);
        assert_eq!(req.policy["Format"], meta.nameid_formats[0]);
    }
}

#[test]
fn invalid_configuration_is_an_error() {
    assert!(matches!(
        IdentityProviderConfig::new("", IDP_SSO),
        Err(AuthError::InvalidConfig { .. })
    ));
    assert!(matches!(
        IdentityProviderConfig::new(IDP_ENTITY, "not a url"),
        Err(AuthError::InvalidConfig { .. })
    ));
    assert!(matches!(
        IdentityProviderConfig::new(IDP_ENTITY, "ftp://idp.test/sso"),
        Err(AuthError::InvalidConfig { .. })
    ));
    assert!(matches!(
        ServiceProvider::new(SP_ENTITY, "/relative", test_idp()),
        Err(AuthError::InvalidConfig { .. })
    ));
    assert!(matches!(
        ServiceProvider::new(" ", ACS, test_idp()),
        Err(AuthError::InvalidConfig { .. })
    ));
    // An IdP whose SSO service takes no HTTP-Redirect cannot be sent an AuthnRequest.
    let mut post_only = idp::INTEGRATION;
    post_only.sso_bindings = &["urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"];
    let orange = IdentityProviderConfig::from_metadata(&post_only).unwrap();
    let sp = ServiceProvider::new(SP_ENTITY, ACS, orange).unwrap();
    assert!(matches!(
        sp.login_redirect(None, now()),
        Err(AuthError::UnsupportedBinding { .. })
    ));
}

#[test]
fn debug_of_configuration_and_form_is_readable_and_secret_free() {
    let dbg = format!("{:?}", sp());
    assert!(dbg.contains("RSA-1024"), "{dbg}");
    let form = signed_form(&Resp::default());
    let dbg = format!("{form:?}");
    assert!(dbg.contains("bytes"), "{dbg}");
    assert!(!dbg.contains(form.saml_response()));
}

// ---------------------------------------------------------------------------------------
// Identity provider metadata
// ---------------------------------------------------------------------------------------

const MD_NS: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/// The base64 body of the IdP certificate, as `<ds:X509Certificate>` holds it.
fn certificate_body() -> String {
    idp_certificate_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect()
}

/// Metadata of the test IdP; `descriptor_extra` goes inside the `IDPSSODescriptor`.
fn metadata(root_attrs: &str, descriptor_extra: &str) -> String {
    let sso = IDP_SSO.replace('&', "&amp;");
    format!(
        r#"<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="{MD_NS}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{IDP_ENTITY}" {root_attrs}>
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="{NS_PROTOCOL}">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
{cert}
    </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>{PERSISTENT}</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.test/sso-post"/>
    <md:SingleSignOnService Binding="{REDIRECT}" Location="{sso}"/>
    {descriptor_extra}
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#,
        cert = certificate_body()
    )
}

#[test]
fn metadata_gives_the_identity_provider_and_its_key() {
    let from_metadata =
        IdentityProviderConfig::from_metadata_xml(&metadata("", ""), now()).unwrap();
    assert_eq!(from_metadata.entity_id(), IDP_ENTITY);
    assert_eq!(from_metadata.sso_url().as_str(), IDP_SSO);
    assert_eq!(from_metadata.sso_bindings(), [REDIRECT]);
    assert_eq!(from_metadata.nameid_formats(), [PERSISTENT]);
    assert_eq!(from_metadata.keys(), test_idp().keys());
    // And it verifies the identity provider's answers.
    let sp = ServiceProvider::new(SP_ENTITY, ACS, from_metadata).unwrap();
    let user = sp
        .consume(&signed_form(&Resp::default()), Some(REQUEST_ID), now())
        .unwrap();
    assert_eq!(user.name_id, NAME_ID);
}

#[test]
fn metadata_that_cannot_anchor_trust_is_refused() {
    let good = metadata("", "");
    let cases: Vec<(String, &str)> = vec![
        ("<a/>".into(), "not an `EntityDescriptor`"),
        ("<md:EntityDescriptor".into(), "not well-formed"),
        (
            good.replace(
                &format!("protocolSupportEnumeration=\"{NS_PROTOCOL}\""),
                "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:1.1:protocol\"",
            ),
            "no `IDPSSODescriptor` supporting SAML 2.0",
        ),
        (
            good.replace(REDIRECT, "urn:x:other"),
            "no `SingleSignOnService` with the binding",
        ),
        (
            metadata("validUntil=\"2008-04-15T16:00:00Z\"", ""),
            "which is past",
        ),
        (metadata("validUntil=\"soon\"", ""), "is not a date-time"),
        (
            good.replace("use=\"signing\"", "use=\"encryption\""),
            "no signing certificate",
        ),
        (
            good.replace(&format!("entityID=\"{IDP_ENTITY}\""), ""),
            "has no `entityID`",
        ),
        (
            good.replace(&certificate_body(), "bm90IGEgY2VydGlmaWNhdGU="),
            "certificate",
        ),
    ];
    for (doc, expected) in cases {
        let err = IdentityProviderConfig::from_metadata_xml(&doc, now()).unwrap_err();
        assert!(err.to_string().contains(expected), "{expected}: {err}");
    }
    // A `KeyDescriptor` in another namespace is not silently skipped.
    let wrong_ns = good
        .replace(
            "<md:KeyDescriptor use=\"signing\">",
            "<x:KeyDescriptor xmlns:x=\"urn:x\" use=\"signing\">",
        )
        .replace("</md:KeyDescriptor>", "</x:KeyDescriptor>");
    assert!(matches!(
        IdentityProviderConfig::from_metadata_xml(&wrong_ns, now()),
        Err(AuthError::WrongNamespace { .. })
    ));
    // A validity in the future is fine.
    IdentityProviderConfig::from_metadata_xml(
        &metadata("validUntil=\"2030-01-01T00:00:00Z\"", ""),
        now(),
    )
    .unwrap();
}

#[test]
fn metadata_is_only_fetched_over_https_or_from_loopback() {
    let runtime = tokio_runtime();
    let http = papi_core::tls::client_builder().build().unwrap();
    for url in [
        "http://idp.example/metadata",
        "ftp://127.0.0.1/m",
        "not a url",
    ] {
        let err = runtime
            .block_on(IdentityProviderConfig::fetch_metadata(&http, url, now()))
            .unwrap_err();
        assert!(
            matches!(err, AuthError::InvalidConfig { .. }),
            "{url}: {err}"
        );
    }
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn fetched_metadata_is_read_and_its_failures_are_typed() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let runtime = tokio_runtime();
    runtime.block_on(async {
        let server = MockServer::start().await;
        let doc = metadata("", "");
        Mock::given(path("/metadata"))
            .respond_with(ResponseTemplate::new(200).set_body_string(doc.clone()))
            .mount(&server)
            .await;
        Mock::given(path("/missing"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        Mock::given(path("/huge"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string("x".repeat(papi_auth::MAX_METADATA_BYTES + 1)),
            )
            .mount(&server)
            .await;
        // Another origin serving the same document: a redirect there is refused.
        let other = MockServer::start().await;
        Mock::given(path("/metadata"))
            .respond_with(ResponseTemplate::new(200).set_body_string(doc.clone()))
            .mount(&other)
            .await;
        Mock::given(path("/elsewhere"))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("location", format!("{}/metadata", other.uri()).as_str()),
            )
            .mount(&server)
            .await;
        let http = papi_core::tls::client_builder().build().unwrap();
        let fetch = |p: &str| {
            let url = format!("{}{p}", server.uri());
            let http = http.clone();
            async move { IdentityProviderConfig::fetch_metadata(&http, &url, now()).await }
        };
        let idp = fetch("/metadata").await.unwrap();
        assert_eq!(idp.keys(), test_idp().keys());
        for (p, expected) in [
            ("/missing", "HTTP 404"),
            ("/huge", "larger than"),
            ("/elsewhere", "another origin"),
        ] {
            let err = fetch(p).await.unwrap_err();
            assert!(
                matches!(&err, AuthError::MetadataUnavailable { reason, .. } if reason.contains(expected)),
                "{p}: {err}"
            );
        }
    });
}
