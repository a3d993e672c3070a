//! The identity provider's SAML 2.0 metadata (SAML metadata §2.3.2, §2.4.3): its entity id,
//! its single sign-on service and binding, the NameID format and the signing certificate,
//! for services to trust it (papi-auth reads it with
//! `IdentityProviderConfig::from_metadata_xml` or `fetch_metadata`).
//!
//! What is spelled here is standard SAML 2.0 metadata; the binding and NameID format come
//! from `papi_auth::idp`, as in the answers.

use papi_auth::idp::REQUEST_BINDING;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use url::Url;

use crate::idp::provider::{entity_id, sso_url, Idp};
use crate::idp::response::name_id_format;

/// SAML 2.0 metadata namespace (`md:`).
const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// XML signature namespace (`ds:`), for `KeyInfo`.
const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// SAML 2.0 protocol namespace: what the descriptor supports.
const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

type Out = Writer<Vec<u8>>;

impl Idp {
    /// The metadata of the identity provider of the sandbox at `base`; `Err` when it has no
    /// signing key (why).
    pub(crate) fn metadata(&self, base: &Url) -> Result<String, String> {
        let signing = self.signing.as_ref().map_err(Clone::clone)?;
        let certificate: String = signing
            .certificate_pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        write(&entity_id(base), &sso_url(base), &certificate)
            .map_err(|e| format!("cannot write the metadata: {e}"))
    }
}

fn write(entity_id: &str, sso_url: &str, certificate: &str) -> std::io::Result<String> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut root = BytesStart::new("md:EntityDescriptor");
    root.push_attribute(("xmlns:md", NS_METADATA));
    root.push_attribute(("xmlns:ds", NS_DSIG));
    root.push_attribute(("entityID", entity_id));
    w.write_event(Event::Start(root))?;
    let mut idp = BytesStart::new("md:IDPSSODescriptor");
    idp.push_attribute(("WantAuthnRequestsSigned", "false"));
    idp.push_attribute(("protocolSupportEnumeration", NS_PROTOCOL));
    w.write_event(Event::Start(idp))?;
    let mut key = BytesStart::new("md:KeyDescriptor");
    key.push_attribute(("use", "signing"));
    w.write_event(Event::Start(key))?;
    for name in ["ds:KeyInfo", "ds:X509Data"] {
        w.write_event(Event::Start(BytesStart::new(name)))?;
    }
    text_element(&mut w, "ds:X509Certificate", certificate)?;
    for name in ["ds:X509Data", "ds:KeyInfo", "md:KeyDescriptor"] {
        w.write_event(Event::End(BytesEnd::new(name)))?;
    }
    if let Some(format) = name_id_format() {
        text_element(&mut w, "md:NameIDFormat", format)?;
    }
    let mut sso = BytesStart::new("md:SingleSignOnService");
    sso.push_attribute(("Binding", REQUEST_BINDING));
    sso.push_attribute(("Location", sso_url));
    w.write_event(Event::Empty(sso))?;
    w.write_event(Event::End(BytesEnd::new("md:IDPSSODescriptor")))?;
    w.write_event(Event::End(BytesEnd::new("md:EntityDescriptor")))?;
    String::from_utf8(w.into_inner())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

fn text_element(w: &mut Out, name: &str, text: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::origin::Origins;
    use crate::idp::signing::{generate_pem, Signing};

    #[test]
    fn papi_auth_trusts_the_metadata_it_reads() {
        let signing = Signing::from_pem(&generate_pem().unwrap());
        let idp = Idp::new(signing, Origins::default());
        let base = Url::parse("http://127.0.0.1:8080/").unwrap();
        let xml = idp.metadata(&base).unwrap();
        let read =
            papi_auth::IdentityProviderConfig::from_metadata_xml(&xml, chrono::Utc::now()).unwrap();
        assert_eq!(read, idp.identity_provider(&base).unwrap());
    }

    #[test]
    fn without_a_key_there_is_no_metadata() {
        let idp = Idp::new(Err("no key".into()), Origins::default());
        let base = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(idp.metadata(&base).unwrap_err(), "no key");
    }
}
