//! An identity provider from its SAML 2.0 metadata (SAML metadata §2.3.2, §2.4.3): a
//! document the provider publishes, or fetched from its URL.
//!
//! The metadata is the trust anchor (it carries the signing certificate), so where it
//! comes from matters: a document you hold, or a URL fetched over HTTPS (plain HTTP only
//! on a loopback address, as for a local sandbox). A signature over the metadata itself is
//! not verified (no well-kept Rust crate verifies XML-DSig); the channel is what is trusted.

use chrono::{DateTime, Utc};
use papi_core::reqwest;
use url::Url;

use crate::config::IdentityProviderConfig;
use crate::error::AuthError;
use crate::idp::REQUEST_BINDING;
use crate::xml::{self, Element};

/// Namespace of SAML 2.0 metadata.
const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// Namespace of XML signatures (`KeyInfo`).
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The protocol an identity provider's descriptor must support.
const SAML2_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

/// Largest metadata document fetched: 1 MiB.
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;

impl IdentityProviderConfig {
    /// The identity provider a SAML 2.0 metadata document describes: its `entityID`, the
    /// `SingleSignOnService` of the HTTP-Redirect binding (the one login redirects use), its
    /// NameID formats and every signing certificate (`KeyDescriptor` with `use="signing"` or
    /// no `use`: several mean key rollover).
    ///
    /// Refused ([`AuthError::InvalidMetadata`]): a document that is not an
    /// `EntityDescriptor` with one `IDPSSODescriptor` supporting SAML 2.0, a `validUntil`
    /// before `now`, no SSO service of the HTTP-Redirect binding, or a certificate that is not
    /// a usable RSA key of at least [`crate::MIN_RSA_BITS`] bits. A document without any
    /// signing certificate is refused too: answers could never be verified.
    ///
    /// ```
    /// # fn main() -> Result<(), papi_auth::AuthError> {
    /// let xml = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example/saml">
    ///   <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ///     <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>
    ///   </md:IDPSSODescriptor>
    /// </md:EntityDescriptor>"#;
    /// let refused = papi_auth::IdentityProviderConfig::from_metadata_xml(xml, std::time::SystemTime::now().into());
    /// // No signing certificate: answers could never be verified.
    /// assert!(matches!(refused, Err(papi_auth::AuthError::InvalidMetadata { .. })));
    /// # Ok(()) }
    /// ```
    pub fn from_metadata_xml(xml: &str, now: DateTime<Utc>) -> Result<Self, AuthError> {
        let root = xml::parse(xml).map_err(|e| invalid(format!("not well-formed: {e}")))?;
        if root.name != "EntityDescriptor" {
            return Err(invalid(format!(
                "the root is `{}`, not an `EntityDescriptor` (an aggregate of several entities is not read: extract the one to trust)",
                root.name
            )));
        }
        root.expect_ns(MD, "EntityDescriptor")?;
        check_valid_until(&root, now)?;
        let entity_id = root
            .attr("entityID")
            .ok_or_else(|| invalid("the `EntityDescriptor` has no `entityID`"))?;
        let idp = identity_provider_descriptor(&root)?;
        check_valid_until(idp, now)?;
        let services = idp.children_named(MD, "SingleSignOnService")?;
        let redirect = services
            .iter()
            .find(|s| s.attr("Binding") == Some(REQUEST_BINDING))
            .ok_or_else(|| {
                invalid(format!(
                    "no `SingleSignOnService` with the binding {REQUEST_BINDING}"
                ))
            })?;
        let location = redirect
            .attr("Location")
            .ok_or_else(|| invalid("the `SingleSignOnService` has no `Location`"))?;
        let mut config = Self::new(entity_id, location)?;
        let bindings: Vec<String> = services
            .iter()
            .filter(|s| s.attr("Location") == Some(location))
            .filter_map(|s| s.attr("Binding").map(str::to_owned))
            .collect();
        config = config.with_sso_bindings(bindings);
        let formats: Vec<String> = idp
            .children_named(MD, "NameIDFormat")?
            .iter()
            .map(|f| f.text().to_owned())
            .filter(|f| !f.is_empty())
            .collect();
        config = config.with_nameid_formats(formats);
        let certificates = signing_certificates(idp)?;
        if certificates.is_empty() {
            return Err(invalid(
                "no signing certificate (`KeyDescriptor` with `X509Certificate`): answers could never be verified",
            ));
        }
        for certificate in certificates {
            config = config.with_certificate_pem(certificate)?;
        }
        Ok(config)
    }

    /// Fetches the identity provider's metadata from `url` with `http` (your client, with
    /// its timeouts and TLS settings; start it from `papi_core::tls::client_builder()`,
    /// which selects the TLS backend papi's features chose) and reads it with
    /// [`Self::from_metadata_xml`].
    ///
    /// `url` must be HTTPS, or plain HTTP on a loopback address (a local sandbox); a
    /// redirect to another origin, a status other than 200 and a document over
    /// [`MAX_METADATA_BYTES`] are refused ([`AuthError::MetadataUnavailable`]).
    pub async fn fetch_metadata(
        http: &reqwest::Client,
        url: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, AuthError> {
        let url = metadata_url(url)?;
        let unavailable = |reason: String| AuthError::MetadataUnavailable {
            url: url.to_string(),
            reason,
        };
        let mut response = http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| unavailable(papi_core::report(&e)))?;
        if response.url().origin() != url.origin() {
            return Err(unavailable(format!(
                "redirected to another origin ({})",
                response.url().origin().ascii_serialization()
            )));
        }
        if response.status() != reqwest::StatusCode::OK {
            return Err(unavailable(format!("HTTP {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unavailable(papi_core::report(&e)))?
        {
            if body.len() + chunk.len() > MAX_METADATA_BYTES {
                return Err(unavailable(format!(
                    "larger than {MAX_METADATA_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(body).map_err(|_| invalid("not UTF-8"))?;
        Self::from_metadata_xml(&text, now)
    }
}

/// The one `IDPSSODescriptor` supporting SAML 2.0.
fn identity_provider_descriptor(root: &Element) -> Result<&Element, AuthError> {
    let descriptors: Vec<&Element> = root
        .children_named(MD, "IDPSSODescriptor")?
        .into_iter()
        .filter(|d| {
            d.attr("protocolSupportEnumeration")
                .is_some_and(|p| p.split_whitespace().any(|p| p == SAML2_PROTOCOL))
        })
        .collect();
    match descriptors.as_slice() {
        [one] => Ok(one),
        [] => Err(invalid(
            "no `IDPSSODescriptor` supporting SAML 2.0: not an identity provider's metadata",
        )),
        _ => Err(invalid("several `IDPSSODescriptor`s supporting SAML 2.0")),
    }
}

/// The base64 bodies of the signing certificates (`use="signing"` or no `use`).
fn signing_certificates(idp: &Element) -> Result<Vec<&str>, AuthError> {
    let mut found = Vec::new();
    for key in idp.children_named(MD, "KeyDescriptor")? {
        if key.attr("use").is_some_and(|u| u != "signing") {
            continue;
        }
        let Some(info) = key.child(DS, "KeyInfo")? else {
            continue;
        };
        for data in info.children_named(DS, "X509Data")? {
            for cert in data.children_named(DS, "X509Certificate")? {
                found.push(cert.text());
            }
        }
    }
    Ok(found)
}

/// Refuses an element whose `validUntil` is past (or unreadable).
fn check_valid_until(element: &Element, now: DateTime<Utc>) -> Result<(), AuthError> {
    let Some(raw) = element.attr("validUntil") else {
        return Ok(());
    };
    let until = DateTime::parse_from_rfc3339(raw.trim())
        .map_err(|e| invalid(format!("`validUntil` {raw:?} is not a date-time: {e}")))?;
    if until < now {
        return Err(invalid(format!(
            "`{}` is valid until {raw}, which is past",
            element.name
        )));
    }
    Ok(())
}

/// A metadata URL: HTTPS, or HTTP on a loopback address.
fn metadata_url(raw: &str) -> Result<Url, AuthError> {
    let url =
        Url::parse(raw.trim()).map_err(|e| AuthError::config(format!("metadata URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        other => Err(AuthError::config(format!(
            "metadata URL: scheme {other:?} on {}: the metadata carries the trust anchor, so it is fetched over HTTPS (plain HTTP only on a loopback address)",
            url.host_str().unwrap_or("no host")
        ))),
    }
}

fn invalid(message: impl Into<String>) -> AuthError {
    AuthError::InvalidMetadata {
        message: message.into(),
    }
}
