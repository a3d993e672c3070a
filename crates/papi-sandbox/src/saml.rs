//! The sandbox's SAML 2.0 identity provider: the signing key and its certificate, the
//! `AuthnRequest` of the HTTP-Redirect binding, the login page, and the signed answer of the
//! HTTP-POST-SimpleSign binding that carries the user token.
//!
//! Wire facts of the Authentication API (the token attribute, the bindings, the NameID
//! format) come from `papi_auth::idp`; the signed octets and `SigAlg` from papi-auth too, so
//! the sandbox signs exactly what papi-auth verifies. What is spelled here is standard SAML
//! 2.0 (namespaces, status and confirmation URIs, form field names).

use std::collections::HashMap;
use std::fmt;
use std::io::Read as _;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use papi_auth::idp::{PRODUCTION, RESPONSE_BINDING, TOKEN_ATTRIBUTE};
use papi_auth::{PostedForm, SIG_ALG_RSA_SHA256};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer, XmlVersion};
use sha2::{Digest, Sha256};
use url::{form_urlencoded, Url};

use crate::idp::{AuthnRequest, Idp, PendingLogin, Signing};
use crate::privacy::{escape, page};
use crate::state::Shared;
use crate::util::random_hex;
use crate::Sandbox;

/// `GET`: the single sign-on service (HTTP-Redirect binding).
pub(crate) const SSO_PATH: &str = "/saml/sso";
/// `POST`: the login form.
pub(crate) const LOGIN_PATH: &str = "/saml/login";
/// The entity id's path, relative to the sandbox's base URL.
const ENTITY_REL: &str = "saml/idp";
/// The SSO URL's path, relative to the sandbox's base URL.
const SSO_REL: &str = "saml/sso";

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

/// How long the assertion may be presented to the service.
const ASSERTION_LIFETIME: TimeDelta = TimeDelta::minutes(5);

/// SAML 2.0 protocol namespace (`samlp:`).
const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML 2.0 assertion namespace (`saml:`).
const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// Top-level status of a successful answer.
const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// Subject confirmation method of the Web SSO profile.
const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// Authentication context: a password over an unprotected transport (the sandbox is HTTP).
const AC_PASSWORD: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password";
/// Name format of the token attribute.
const ATTRNAME_BASIC: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";

/// Query parameters and form fields of the SAML bindings.
const SAML_REQUEST: &str = "SAMLRequest";
const SAML_RESPONSE: &str = "SAMLResponse";
const RELAY_STATE: &str = "RelayState";
const SIG_ALG: &str = "SigAlg";
const SIGNATURE: &str = "Signature";

/// Form fields of the login page.
const PENDING_FIELD: &str = "pending";
const LOGIN_FIELD: &str = "login";
const PASSWORD_FIELD: &str = "password";

/// The NameID format of the answers: the one of the production identity provider's metadata
/// (persistent).
fn name_id_format() -> Option<&'static str> {
    PRODUCTION.nameid_formats.first().copied()
}

/// The identity provider's entity id for a sandbox at `base` (`{base}saml/idp`).
pub(crate) fn entity_id(base: &Url) -> String {
    base.join(ENTITY_REL)
        .map_or_else(|_| format!("{base}{ENTITY_REL}"), |u| u.to_string())
}

/// The single sign-on URL for a sandbox at `base` (`{base}saml/sso`).
pub(crate) fn sso_url(base: &Url) -> String {
    base.join(SSO_REL)
        .map_or_else(|_| format!("{base}{SSO_REL}"), |u| u.to_string())
}

/// The configuration papi-auth needs to trust the sandbox served at `base`.
pub(crate) fn identity_provider(
    idp: &Idp,
    base: &Url,
) -> Result<papi_auth::IdentityProviderConfig, papi_auth::AuthError> {
    let signing = idp
        .signing
        .as_ref()
        .map_err(|_| papi_auth::AuthError::NoTrustedKey)?;
    papi_auth::IdentityProviderConfig::new(entity_id(base), &sso_url(base))?
        .with_nameid_formats(name_id_format())
        .with_certificate_pem(&signing.certificate_pem)
}

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

/// A stable, opaque persistent NameID for a test user (the same at every start).
pub(crate) fn persistent_name_id(login: &str) -> String {
    let digest = Sha256::digest(format!("papi-sandbox persistent NameID\0{login}").as_bytes());
    let mut id = String::from("sandbox-");
    for b in digest.iter().take(16) {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

/// Everything a `Response` says.
pub(crate) struct Answer<'a> {
    pub(crate) entity_id: &'a str,
    pub(crate) request: &'a AuthnRequest,
    pub(crate) name_id: &'a str,
    pub(crate) token: &'a str,
    pub(crate) now: DateTime<Utc>,
    /// When the token expires (`SessionNotOnOrAfter`).
    pub(crate) session_end: DateTime<Utc>,
    pub(crate) response_id: &'a str,
    pub(crate) assertion_id: &'a str,
    pub(crate) session_index: &'a str,
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A small wrapper that writes elements with escaped attribute values and text.
struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
        let mut start = BytesStart::new(name);
        for attr in attrs {
            start.push_attribute(*attr);
        }
        self.0.write_event(Event::Start(start))
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
        let mut start = BytesStart::new(name);
        for attr in attrs {
            start.push_attribute(*attr);
        }
        self.0.write_event(Event::Empty(start))
    }

    fn close(&mut self, name: &str) -> std::io::Result<()> {
        self.0.write_event(Event::End(BytesEnd::new(name)))
    }

    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> std::io::Result<()> {
        self.open(name, attrs)?;
        self.0.write_event(Event::Text(BytesText::new(text)))?;
        self.close(name)
    }
}

impl Answer<'_> {
    /// The SAML 2.0 `Response` document: status success and one assertion with the subject
    /// (persistent NameID, bearer confirmation), the conditions (validity window, audience:
    /// the requesting service), the authentication statement and the token attribute.
    pub(crate) fn xml(&self) -> std::io::Result<String> {
        let now = instant(self.now);
        let end = instant(self.now + ASSERTION_LIFETIME);
        let session_end = instant(self.session_end);
        let acs = self.request.acs_url.as_str();
        let irt = self.request.id.as_str();

        let mut w = Xml(Writer::new(Vec::new()));
        w.0.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        w.open(
            "samlp:Response",
            &[
                ("xmlns:samlp", NS_PROTOCOL),
                ("xmlns:saml", NS_ASSERTION),
                ("ID", self.response_id),
                ("Version", "2.0"),
                ("IssueInstant", &now),
                ("Destination", acs),
                ("InResponseTo", irt),
            ],
        )?;
        w.leaf("saml:Issuer", &[], self.entity_id)?;
        w.open("samlp:Status", &[])?;
        w.empty("samlp:StatusCode", &[("Value", STATUS_SUCCESS)])?;
        w.close("samlp:Status")?;

        w.open(
            "saml:Assertion",
            &[
                ("ID", self.assertion_id),
                ("Version", "2.0"),
                ("IssueInstant", &now),
            ],
        )?;
        w.leaf("saml:Issuer", &[], self.entity_id)?;

        w.open("saml:Subject", &[])?;
        let mut name_id_attrs = vec![
            ("NameQualifier", self.entity_id),
            ("SPNameQualifier", self.request.issuer.as_str()),
        ];
        if let Some(format) = name_id_format() {
            name_id_attrs.insert(0, ("Format", format));
        }
        w.leaf("saml:NameID", &name_id_attrs, self.name_id)?;
        w.open("saml:SubjectConfirmation", &[("Method", CM_BEARER)])?;
        w.empty(
            "saml:SubjectConfirmationData",
            &[
                ("InResponseTo", irt),
                ("Recipient", acs),
                ("NotOnOrAfter", &end),
            ],
        )?;
        w.close("saml:SubjectConfirmation")?;
        w.close("saml:Subject")?;

        w.open(
            "saml:Conditions",
            &[("NotBefore", &now), ("NotOnOrAfter", &end)],
        )?;
        w.open("saml:AudienceRestriction", &[])?;
        w.leaf("saml:Audience", &[], &self.request.issuer)?;
        w.close("saml:AudienceRestriction")?;
        w.close("saml:Conditions")?;

        w.open(
            "saml:AuthnStatement",
            &[
                ("AuthnInstant", &now),
                ("SessionIndex", self.session_index),
                ("SessionNotOnOrAfter", &session_end),
            ],
        )?;
        w.open("saml:AuthnContext", &[])?;
        w.leaf("saml:AuthnContextClassRef", &[], AC_PASSWORD)?;
        w.close("saml:AuthnContext")?;
        w.close("saml:AuthnStatement")?;

        w.open("saml:AttributeStatement", &[])?;
        w.open(
            "saml:Attribute",
            &[("Name", TOKEN_ATTRIBUTE), ("NameFormat", ATTRNAME_BASIC)],
        )?;
        w.leaf("saml:AttributeValue", &[], self.token)?;
        w.close("saml:Attribute")?;
        w.close("saml:AttributeStatement")?;

        w.close("saml:Assertion")?;
        w.close("samlp:Response")?;
        String::from_utf8(w.0.into_inner())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

/// The fields of the HTTP-POST-SimpleSign form, in order: `SAMLResponse`, `RelayState`
/// (when there is one), `SigAlg`, `Signature`.
pub(crate) fn simple_sign_fields(
    signing: &Signing,
    response_xml: &str,
    relay_state: Option<&str>,
) -> Result<Vec<(&'static str, String)>, String> {
    let mut fields = vec![(
        SAML_RESPONSE,
        base64::engine::general_purpose::STANDARD.encode(response_xml),
    )];
    if let Some(rs) = relay_state.filter(|r| !r.is_empty()) {
        fields.push((RELAY_STATE, rs.to_owned()));
    }
    fields.push((SIG_ALG, SIG_ALG_RSA_SHA256.to_owned()));
    let form = PostedForm::from_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
        .map_err(|e| e.to_string())?;
    fields.push((SIGNATURE, signing.sign(&form)?));
    Ok(fields)
}

// ---------------------------------------------------------------------------------------
// Pages

/// The login page of a sign-in in progress.
fn login_page(
    shared: &Shared,
    pending_id: &str,
    issuer: &str,
    acs: &Url,
    error: Option<&str>,
) -> String {
    let mut logins: Vec<&str> = shared
        .config
        .users
        .iter()
        .map(|u| u.login.as_str())
        .collect();
    logins.dedup();
    let users = logins
        .iter()
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        .map(|l| format!("<code>{}</code>", escape(l)))
        .collect::<Vec<_>>()
        .join(", ");
    let error = error
        .map(|e| format!("<p role=\"alert\"><strong>{}</strong></p>\n", escape(e)))
        .unwrap_or_default();
    let body = format!(
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        "<p>The service <strong>{issuer}</strong> asks you to sign in; your sign-in will be \
         sent to <strong>{acs}</strong>.</p>\n\
         <p>This is the papi sandbox's test identity provider. Test users: {users} (passwords \
         in the <code>papi-sandbox</code> documentation).</p>\n\
         {error}\
         <form method=\"post\" action=\"{action}\">\n\
         <input type=\"hidden\" name=\"{pending_field}\" value=\"{pending}\">\n\
         <p><label>Login <input name=\"{login_field}\" autocomplete=\"username\" required></label></p>\n\
         <p><label>Password <input type=\"password\" name=\"{password_field}\" autocomplete=\"current-password\" required></label></p>\n\
         <p><button type=\"submit\">Sign in</button></p>\n\
         </form>",
        issuer = escape(issuer),
        acs = escape(&acs.origin().ascii_serialization()),
        action = escape(LOGIN_PATH),
        pending_field = escape(PENDING_FIELD),
        pending = escape(pending_id),
        login_field = escape(LOGIN_FIELD),
        password_field = escape(PASSWORD_FIELD),
    );
    page("Sign in (papi sandbox)", &body)
}

/// The page that posts the answer to the service: submitted by script, or by the visible
/// button without JavaScript.
pub(crate) fn auto_post_page(acs_url: &Url, fields: &[(&'static str, String)]) -> String {
    let inputs: String = fields
        .iter()
        .map(|(name, value)| {
            format!(
                // tidy: not the API's wire format: HTML of the sandbox's own pages
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape(name),
                escape(value)
            )
        })
        .collect();
    let body = format!(
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        "<noscript><p>JavaScript is off: press the button to go back to the service.</p></noscript>\n\
         <form id=\"saml-answer\" method=\"post\" action=\"{action}\">\n\
         {inputs}\
         <button type=\"submit\">Continue to the service</button>\n\
         </form>\n\
         <script>document.getElementById(\"saml-answer\").submit();</script>",
        action = escape(acs_url.as_str()),
    );
    page("Signing in (papi sandbox)", &body)
}

fn problem_page(message: &str) -> String {
    page(
        "Sign in (papi sandbox)",
        &format!("<p>{}</p>", escape(message)),
    )
}

/// An HTML answer that no cache keeps (it may carry a token).
fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, Html(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

// ---------------------------------------------------------------------------------------
// Handlers

/// The identity provider's base URL: the bound one (so the entity id matches
/// [`crate::RunningSandbox::identity_provider`]), else the one the client reached.
fn idp_base(shared: &Shared, headers: &HeaderMap) -> Option<Url> {
    shared
        .bound_base()
        .or_else(|| crate::state::base_url(shared, headers))
}

/// `GET /saml/sso`: reads the `AuthnRequest` and shows the login page.
pub(crate) async fn sso(State(sandbox): State<Sandbox>, uri: Uri) -> Response {
    let shared = &sandbox.shared;
    let mut saml_request = None;
    let mut relay_state = None;
    for (key, value) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        let slot = match key.as_ref() {
            SAML_REQUEST => &mut saml_request,
            RELAY_STATE => &mut relay_state,
            _ => continue,
        };
        if slot.is_some() {
            return html(
                StatusCode::BAD_REQUEST,
                problem_page(&format!("The query gives {key} more than once.")),
            );
        }
        *slot = Some(value.into_owned());
    }
    let Some(saml_request) = saml_request else {
        return html(
            StatusCode::BAD_REQUEST,
            problem_page(
                "No SAMLRequest: start signing in from the service, which sends an \
                 AuthnRequest with the HTTP-Redirect binding.",
            ),
        );
    };
    let request = match decode_redirect(&saml_request) {
        Ok(request) => request,
        Err(e) => {
            return html(
                StatusCode::BAD_REQUEST,
                problem_page(&format!("This sign-in request cannot be used: {e}.")),
            )
        }
    };
    let relay_state = relay_state.filter(|r| !r.is_empty());
    if relay_state
        .as_ref()
        .is_some_and(|r| r.len() > papi_auth::MAX_RELAY_STATE_BYTES)
    {
        return html(
            StatusCode::BAD_REQUEST,
            problem_page(&format!(
                "The RelayState is longer than {} bytes (SAML bindings §3.4.3).",
                papi_auth::MAX_RELAY_STATE_BYTES
            )),
        );
    }
    if shared.idp.signing.is_err() {
        return html(
            StatusCode::INTERNAL_SERVER_ERROR,
            problem_page("The sandbox has no signing key (see its log)."),
        );
    }
    let origin = request.acs_url.origin().ascii_serialization();
    let allowed = &shared.config.allowed_acs_origins;
    if !allowed.is_empty() && !allowed.iter().any(|a| a.trim_end_matches('/') == origin) {
        return html(
            StatusCode::BAD_REQUEST,
            problem_page(&format!(
                "This sandbox does not answer to {origin}: it is not among the services it is \
                 configured for."
            )),
        );
    }
    let issuer = request.issuer.clone();
    let acs = request.acs_url.clone();
    match shared.idp.start(request, relay_state) {
        Some(id) => html(StatusCode::OK, login_page(shared, &id, &issuer, &acs, None)),
        None => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            problem_page("The sandbox cannot make a random id."),
        ),
    }
}

/// `POST /saml/login`: checks the password, then answers the service.
pub(crate) async fn login(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const GONE: &str = "This sign-in request is unknown, expired or already answered: start \
                        again from the service.";
    let shared = &sandbox.shared;
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let pending_id = form
        .get(PENDING_FIELD)
        .map(String::as_str)
        .unwrap_or_default();
    let Some(request) = shared.idp.pending(pending_id) else {
        return html(StatusCode::BAD_REQUEST, problem_page(GONE));
    };
    let login = form
        .get(LOGIN_FIELD)
        .map(String::as_str)
        .unwrap_or_default();
    let password = form
        .get(PASSWORD_FIELD)
        .map(String::as_str)
        .unwrap_or_default();
    if !shared.check_password(login, password) {
        return html(
            StatusCode::UNAUTHORIZED,
            login_page(
                shared,
                pending_id,
                &request.issuer,
                &request.acs_url,
                Some("Wrong login or password."),
            ),
        );
    }
    let Some(pending) = shared.idp.finish(pending_id) else {
        return html(StatusCode::BAD_REQUEST, problem_page(GONE));
    };
    // Off the async workers: issuing the token may write to the database, and signing
    // takes a while.
    let worker = sandbox.clone();
    let login = login.to_owned();
    let answered =
        tokio::task::spawn_blocking(move || answer(&worker.shared, &headers, &login, &pending))
            .await
            .unwrap_or_else(|e| Err(format!("the sign-in task failed: {e}")));
    match answered {
        Ok(page) => html(StatusCode::OK, page),
        Err(e) => {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot answer a SAML sign-in");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                problem_page("The sandbox cannot build its answer (see its log)."),
            )
        }
    }
}

/// The auto-post page answering a sign-in of `login` (whose password was checked).
fn answer(
    shared: &Shared,
    headers: &HeaderMap,
    login: &str,
    pending: &PendingLogin,
) -> Result<String, String> {
    let signing = shared.idp.signing.as_ref().map_err(Clone::clone)?;
    let base = idp_base(shared, headers).ok_or("the sandbox does not know its base URL")?;
    let entity_id = entity_id(&base);
    let token = shared
        .issue_token(login)
        .ok_or("the token could not be issued")?;
    let random_id = || {
        random_hex(20)
            .map(|h| format!("_{h}"))
            .ok_or("no randomness")
    };
    let (response_id, assertion_id, session_index) = (random_id()?, random_id()?, random_id()?);
    let now = DateTime::<Utc>::from(std::time::SystemTime::now());
    let lifetime = TimeDelta::from_std(shared.config.token_lifetime).unwrap_or(TimeDelta::MAX);
    let session_end = now
        .checked_add_signed(lifetime)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let xml = Answer {
        entity_id: &entity_id,
        request: &pending.request,
        name_id: &persistent_name_id(login),
        token: token.expose(),
        now,
        session_end,
        response_id: &response_id,
        assertion_id: &assertion_id,
        session_index: &session_index,
    }
    .xml()
    .map_err(|e| format!("writing the SAML response: {e}"))?;
    let fields = simple_sign_fields(signing, &xml, pending.relay_state.as_deref())?;
    Ok(auto_post_page(&pending.request.acs_url, &fields))
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

    #[test]
    fn name_ids_are_stable_and_opaque() {
        assert_eq!(persistent_name_id("alice"), persistent_name_id("alice"));
        assert_ne!(persistent_name_id("alice"), persistent_name_id("bob"));
        assert!(!persistent_name_id("alice").contains("alice"));
    }

    #[test]
    fn pages_escape_what_they_show() {
        let acs = Url::parse("https://sp.example/acs?a=1&b=\"<x>").unwrap();
        let page = auto_post_page(&acs, &[(RELAY_STATE, "\"><script>x</script>".to_owned())]);
        assert!(!page.contains("<script>x"), "{page}");
        assert!(page.contains("&quot;&gt;&lt;script&gt;"), "{page}");
        assert!(page.contains("a=1&amp;b=%22%3Cx%3E"), "{page}");
    }
}
