//! The `AuthnRequest` of the HTTP-Redirect binding: base64, raw DEFLATE, then the document,
//! read within size limits (no document type, no entity but the predefined ones).
//!
//! What is spelled here is standard SAML 2.0 (element and attribute names).

use std::fmt;
use std::io::Read as _;

use crate::domain::sign_in::AuthnRequest;

use base64::Engine as _;
use papi_auth::idp::RESPONSE_BINDING;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use url::Url;

/// Longest `SAMLRequest` query value accepted (base64 text), in bytes.
const MAX_REQUEST_B64: usize = 16 * 1024;
/// Largest inflated `AuthnRequest` accepted, in bytes.
const MAX_REQUEST_XML: usize = 64 * 1024;
/// Most elements in an `AuthnRequest`.
const MAX_ELEMENTS: usize = 256;
/// Deepest nesting in an `AuthnRequest`.
const MAX_DEPTH: usize = 16;
/// Longest `ID` or `Issuer` accepted, in bytes.
const MAX_VALUE: usize = 1024;
/// Longest assertion consumer URL accepted, in bytes.
const MAX_ACS_URL: usize = 2048;

/// Why a `SAMLRequest` is refused (shown to the user, so never a copy of the document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadRequest(String);

impl fmt::Display for BadRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(message: impl Into<String>) -> BadRequest {
    BadRequest(message.into())
}

/// Decodes the `SAMLRequest` of the HTTP-Redirect binding: base64, raw DEFLATE, then the
/// `AuthnRequest` document.
pub(crate) fn decode_redirect(saml_request: &str) -> Result<AuthnRequest, BadRequest> {
    if saml_request.len() > MAX_REQUEST_B64 {
        return Err(bad(format!(
            "the SAMLRequest is longer than {MAX_REQUEST_B64} bytes"
        )));
    }
    let compact: Vec<u8> = saml_request
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|_| bad("the SAMLRequest is not base64"))?;
    let mut xml = Vec::new();
    let limit = u64::try_from(MAX_REQUEST_XML).unwrap_or(u64::MAX) + 1;
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .take(limit)
        .read_to_end(&mut xml)
        .map_err(|_| bad("the SAMLRequest is not DEFLATE-compressed (HTTP-Redirect binding)"))?;
    if xml.len() > MAX_REQUEST_XML {
        return Err(bad(format!(
            "the inflated SAMLRequest is larger than {MAX_REQUEST_XML} bytes"
        )));
    }
    let xml = std::str::from_utf8(&xml).map_err(|_| bad("the SAMLRequest is not UTF-8"))?;
    parse_authn_request(xml)
}

/// Reads `ID`, `Issuer` and `AssertionConsumerServiceURL` of an `AuthnRequest` (elements and
/// attributes matched by local name; document types refused).
pub(crate) fn parse_authn_request(xml: &str) -> Result<AuthnRequest, BadRequest> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;

    let mut depth = 0usize;
    let mut elements = 0usize;
    let mut root_seen = false;
    let mut attrs: Vec<(String, String)> = Vec::new();
    let mut issuer: Option<String> = None;
    // Whether the current text belongs to the root's `Issuer` child.
    let mut in_issuer = false;

    loop {
        let event = reader
            .read_event()
            .map_err(|_| bad("the SAMLRequest is not well-formed XML"))?;
        match event {
            Event::Start(_) | Event::Empty(_) if root_seen && depth == 0 => {
                return Err(bad("the SAMLRequest has content after its root element"));
            }
            Event::Start(ref start) | Event::Empty(ref start) => {
                elements += 1;
                if elements > MAX_ELEMENTS || depth >= MAX_DEPTH {
                    return Err(bad("the SAMLRequest is too large or too deeply nested"));
                }
                let empty = matches!(event, Event::Empty(_));
                let local = start.local_name();
                let name = local.as_ref().to_owned();
                if depth == 0 {
                    if name != "AuthnRequest" {
                        return Err(bad(format!(
                            "the SAMLRequest is a {}, not an AuthnRequest",
                            shorten(&name)
                        )));
                    }
                    root_seen = true;
                    attrs = attributes(start)?;
                } else if depth == 1 && name == "Issuer" {
                    if issuer.is_some() {
                        return Err(bad("the AuthnRequest has more than one Issuer"));
                    }
                    issuer = Some(String::new());
                    in_issuer = !empty;
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    in_issuer = false;
                }
            }
            Event::Text(text) => push_issuer_text(&mut issuer, in_issuer, &text.xml10_content())?,
            Event::CData(cdata) => {
                push_issuer_text(&mut issuer, in_issuer, &cdata.into_inner())?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => resolve_predefined_entity(&reference)
                        .ok_or_else(|| bad("the SAMLRequest refers to an undeclared entity"))?
                        .to_owned(),
                    Err(_) => {
                        return Err(bad("the SAMLRequest has an invalid character reference"))
                    }
                };
                push_issuer_text(&mut issuer, in_issuer, &resolved)?;
            }
            Event::DocType(_) => {
                return Err(bad("document type declarations are not allowed in SAML"));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !root_seen {
        return Err(bad("the SAMLRequest has no root element"));
    }
    if depth != 0 {
        return Err(bad("the SAMLRequest is truncated"));
    }

    let attr = |name: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match attr("Version") {
        Some("2.0") => {}
        Some(_) => return Err(bad("the AuthnRequest's Version is not 2.0")),
        None => return Err(bad("the AuthnRequest has no Version")),
    }
    if let Some(binding) = attr("ProtocolBinding") {
        if binding.trim() != RESPONSE_BINDING {
            return Err(bad(format!(
                "the AuthnRequest asks for the binding {}; this identity provider answers \
                 only with {RESPONSE_BINDING}",
                shorten(binding)
            )));
        }
    }
    let id = attr("ID")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad("the AuthnRequest has no ID"))?;
    if id.len() > MAX_VALUE {
        return Err(bad("the AuthnRequest's ID is too long"));
    }
    let issuer = issuer
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad("the AuthnRequest has no Issuer (the service's entity id)"))?;
    let acs = attr("AssertionConsumerServiceURL")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            bad(
                "the AuthnRequest has no AssertionConsumerServiceURL (the sandbox keeps no \
                 service metadata, so it needs the URL in the request)",
            )
        })?;
    if acs.len() > MAX_ACS_URL {
        return Err(bad("the AssertionConsumerServiceURL is too long"));
    }
    let acs_url = Url::parse(acs)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| bad("the AssertionConsumerServiceURL is not an absolute http(s) URL"))?;
    Ok(AuthnRequest {
        id: id.to_owned(),
        issuer: issuer.to_owned(),
        acs_url,
    })
}

fn push_issuer_text(
    issuer: &mut Option<String>,
    in_issuer: bool,
    text: &str,
) -> Result<(), BadRequest> {
    if let (true, Some(issuer)) = (in_issuer, issuer.as_mut()) {
        issuer.push_str(text);
        if issuer.len() > MAX_VALUE {
            return Err(bad("the AuthnRequest's Issuer is too long"));
        }
    }
    Ok(())
}

/// The unprefixed attributes of an element.
fn attributes(start: &BytesStart<'_>) -> Result<Vec<(String, String)>, BadRequest> {
    let mut out = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|_| bad("the AuthnRequest has a malformed attribute"))?;
        if attr.key.prefix().is_some() || attr.key.as_namespace_binding().is_some() {
            continue;
        }
        let key = attr.key.local_name().as_ref().to_owned();
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|_| bad("the AuthnRequest has a malformed attribute value"))?;
        out.push((key, value.into_owned()));
    }
    Ok(out)
}

/// At most 64 characters of a value, for messages.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn deflate_b64(xml: &str) -> String {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(xml.as_bytes()).unwrap();
        base64::engine::general_purpose::STANDARD.encode(e.finish().unwrap())
    }

    const GOOD: &str = r#"<?xml version="1.0"?>
<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_abc" Version="2.0" IssueInstant="2024-01-01T00:00:00Z" AssertionConsumerServiceURL="https://sp.example/acs?a=1&amp;b=2" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign">
  <saml:Issuer>https://sp.example/&lt;saml&gt;</saml:Issuer>
  <samlp:NameIDPolicy AllowCreate="true"/>
</samlp:AuthnRequest>"#;

    #[test]
    fn a_redirect_request_is_read() {
        let r = decode_redirect(&deflate_b64(GOOD)).unwrap();
        assert_eq!(r.id, "_abc");
        assert_eq!(r.issuer, "https://sp.example/<saml>");
        assert_eq!(r.acs_url.as_str(), "https://sp.example/acs?a=1&b=2");
    }

    #[test]
    fn bad_requests_are_refused_with_a_reason() {
        let cases = [("not base64 !!", "base64"), ("aGVsbG8=", "DEFLATE")];
        for (raw, why) in cases {
            let e = decode_redirect(raw).unwrap_err();
            assert!(e.0.contains(why), "{raw}: {e}");
        }
        let xml_cases = [
            (GOOD.replace(r#" ID="_abc""#, ""), "no ID"),
            (
                GOOD.replace(
                    "<saml:Issuer>https://sp.example/&lt;saml&gt;</saml:Issuer>",
                    "",
                ),
                "no Issuer",
            ),
            (
                GOOD.replace("https://sp.example/acs?a=1&amp;b=2", "javascript:alert(1)"),
                "http(s)",
            ),
            (
                GOOD.replace("AuthnRequest", "LogoutRequest"),
                "not an AuthnRequest",
            ),
            (
                GOOD.replace("HTTP-POST-SimpleSign", "HTTP-Artifact"),
                "binding",
            ),
            (
                GOOD.replace(r#"Version="2.0""#, r#"Version="1.1""#),
                "Version",
            ),
            (
                "<!DOCTYPE x [<!ENTITY a \"b\">]><x/>".to_owned(),
                "document type",
            ),
            ("<AuthnRequest><b></AuthnRequest>".to_owned(), "well-formed"),
            (String::new(), "no root"),
            (format!("{GOOD}<x/>"), "after its root"),
            (format!("<AuthnRequest>{}", "<x>".repeat(40)), "nested"),
        ];
        for (xml, why) in xml_cases {
            let e = decode_redirect(&deflate_b64(&xml)).unwrap_err();
            assert!(e.0.contains(why), "{why}: {e}");
        }
        // A bomb: a megabyte of zeros compresses to about a kilobyte.
        let bomb = deflate_b64(&" ".repeat(1 << 20));
        assert!(decode_redirect(&bomb).unwrap_err().0.contains("larger"));
        assert!(decode_redirect(&"A".repeat(MAX_REQUEST_B64 + 1))
            .unwrap_err()
            .0
            .contains("longer"));
    }
}
