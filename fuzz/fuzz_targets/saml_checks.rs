//! papi-auth's document checks, structure-aware and with real signatures.
//!
//! Each input is a list of edits (read with `arbitrary`) applied to a parsed template: a
//! valid HTTP-POST-SimpleSign answer. Edits delete, duplicate, move and rename elements,
//! change their namespace prefix or redeclare a prefix, and set attributes and text to
//! values that matter to the checks (instants around "now", the skew and the maximum age;
//! the ACS URL and others; request ids; confirmation methods; namespaces). The edited
//! document is written back with quick-xml, signed with a key made at start-up (so every
//! input reaches the document checks, unlike random bytes) and given to
//! `ServiceProvider::consume_once` with a fresh replay cache.
//!
//! When the answer is accepted, the target checks what the Web Browser SSO profile
//! demands, independently of papi-auth's own reading (its namespaces resolved here from
//! the edited tree): the root is a protocol `Response` with one assertion-namespace
//! `Assertion`, whose `Subject` has a bearer `SubjectConfirmation` whose
//! `SubjectConfirmationData` names the ACS URL as `Recipient` and has a `NotOnOrAfter`
//! after now minus the skew; the answer's instants are within the skew and the maximum
//! age; and the same answer posted again is refused as a replay. Errors must render
//! without panicking.
#![no_main]

use std::collections::HashMap;
use std::sync::OnceLock;

use base64::Engine;
use libfuzzer_sys::arbitrary::{Result as ArbResult, Unstructured};
use libfuzzer_sys::fuzz_target;
use papi_auth::chrono::{DateTime, TimeDelta, Utc};
use papi_auth::{AuthError, IdentityProviderConfig, PostedForm, ReplayCache, ServiceProvider};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256};

/// Bits of the key made at start-up (the smallest papi-auth accepts: fast). The key is
/// random per process: it only signs what it then verifies, so no verdict depends on it
/// and a crashing input reproduces with any key.
const KEY_BITS: usize = 1024;

const IDP: &str = "https://idp.test/saml";
const SP: &str = "https://my.site/saml";
const ACS: &str = "https://my.site/saml/acs";
const REQUEST_ID: &str = "_0123456789abcdef0123456789abcdef01234567";
/// "Now": 2024-01-01T00:00:00Z, the template's instant.
const NOW: i64 = 1_704_067_200;
const SIG_ALG: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// The valid answer every input starts from.
const TEMPLATE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:evil="urn:x" ID="_r1" Version="2.0" IssueInstant="2024-01-01T00:00:00Z" Destination="https://my.site/saml/acs" InResponseTo="_0123456789abcdef0123456789abcdef01234567">
<saml:Issuer>https://idp.test/saml</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
<saml:Assertion ID="_a1" Version="2.0" IssueInstant="2024-01-01T00:00:00Z">
<saml:Issuer>https://idp.test/saml</saml:Issuer>
<saml:Subject>
<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">a8f1c3e5-persistent-pseudonym</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
<saml:SubjectConfirmationData InResponseTo="_0123456789abcdef0123456789abcdef01234567" Recipient="https://my.site/saml/acs" NotOnOrAfter="2024-01-01T00:05:00Z"/>
</saml:SubjectConfirmation>
</saml:Subject>
<saml:Conditions NotBefore="2023-12-31T23:59:00Z" NotOnOrAfter="2024-01-01T00:05:00Z"><saml:AudienceRestriction><saml:Audience>https://my.site/saml</saml:Audience></saml:AudienceRestriction></saml:Conditions>
<saml:AuthnStatement AuthnInstant="2024-01-01T00:00:00Z" SessionIndex="s-42"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>
<saml:AttributeStatement><saml:Attribute Name="OrangeAPIToken" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic"><saml:AttributeValue>B64Zm9v|sau=|ted=1208277327|c2VjcmV0</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>
</saml:Assertion>
</samlp:Response>"#;

/// Element names an edit may give (SAML's, and look-alikes).
const NAMES: &[&str] = &[
    "Response",
    "Assertion",
    "Issuer",
    "Status",
    "StatusCode",
    "Subject",
    "NameID",
    "SubjectConfirmation",
    "SubjectConfirmationData",
    "Conditions",
    "AudienceRestriction",
    "Audience",
    "AuthnStatement",
    "AttributeStatement",
    "Attribute",
    "AttributeValue",
    "EncryptedAssertion",
    "EncryptedID",
    "Signature",
    "Extensions",
];
/// Attribute names an edit may set.
const ATTRS: &[&str] = &[
    "ID",
    "Version",
    "IssueInstant",
    "Destination",
    "InResponseTo",
    "Recipient",
    "NotBefore",
    "NotOnOrAfter",
    "Method",
    "Value",
    "Name",
    "Format",
    "SessionNotOnOrAfter",
    "xmlns",
    "xmlns:saml",
    "xmlns:samlp",
    "xmlns:evil",
    "evil:NotOnOrAfter",
    "evil:Recipient",
];
/// Prefixes an element may be given (`evil` is bound to `urn:x` on the root).
const PREFIXES: &[Option<&str>] = &[Some("saml"), Some("samlp"), Some("evil"), None];
/// Values that matter to the checks.
const VALUES: &[&str] = &[
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:01:40Z",
    "2024-01-01T00:03:20Z",
    "2024-01-01T00:10:00Z",
    "2024-01-01T01:00:00Z",
    "2023-12-31T23:56:40Z",
    "2023-12-31T23:53:20Z",
    "2023-12-31T23:52:00Z",
    "2023-12-31T23:00:00Z",
    "2040-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2024-01-01T00:00:00",
    "2024-01-01T00:00:00+14:00",
    "not a date",
    ACS,
    "https://my.site/saml/acs/",
    "https://other.site/acs",
    SP,
    IDP,
    "https://evil.idp/",
    REQUEST_ID,
    "_other",
    "_r1",
    "_a1",
    CM_BEARER,
    "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key",
    "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches",
    NS_PROTOCOL,
    NS_ASSERTION,
    "urn:x",
    "urn:oasis:names:tc:SAML:2.0:status:Success",
    "urn:oasis:names:tc:SAML:2.0:status:Requester",
    "2.0",
    "1.1",
    "OrangeAPIToken",
    "token|sau=",
    "",
    " ",
];

#[derive(Clone, Debug)]
struct Node {
    prefix: Option<String>,
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn new(start: &BytesStart<'_>) -> Node {
        let qname = start.name().as_ref().to_owned();
        let (prefix, name) = match qname.split_once(':') {
            Some((p, n)) => (Some(p.to_owned()), n.to_owned()),
            None => (None, qname),
        };
        let attrs = start
            .attributes()
            .map(|a| {
                let a = a.expect("template attribute");
                (
                    a.key.as_ref().to_owned(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("template value")
                        .into_owned(),
                )
            })
            .collect();
        Node {
            prefix,
            name,
            attrs,
            text: String::new(),
            children: Vec::new(),
        }
    }

    fn qname(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p}:{}", self.name),
            None => self.name.clone(),
        }
    }

    fn count(&self) -> usize {
        1 + self.children.iter().map(Node::count).sum::<usize>()
    }

    /// The `i`-th node in document order.
    fn nth_mut(&mut self, i: usize) -> Option<&mut Node> {
        if i == 0 {
            return Some(self);
        }
        let mut i = i - 1;
        for child in &mut self.children {
            let n = child.count();
            if i < n {
                return child.nth_mut(i);
            }
            i -= n;
        }
        None
    }

    /// Detaches the `i`-th node (not the root, `i` > 0).
    fn detach(&mut self, i: usize) -> Option<Node> {
        let mut i = i.checked_sub(1)?;
        for k in 0..self.children.len() {
            let n = self.children[k].count();
            if i == 0 {
                return Some(self.children.remove(k));
            }
            if i < n {
                return self.children[k].detach(i);
            }
            i -= n;
        }
        None
    }

    fn set_attr(&mut self, key: &str, value: &str) {
        match self.attrs.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.to_owned(),
            None => self.attrs.push((key.to_owned(), value.to_owned())),
        }
    }

    fn write(&self, w: &mut quick_xml::Writer<Vec<u8>>) {
        let qname = self.qname();
        let mut start = BytesStart::new(qname.as_str());
        for (k, v) in &self.attrs {
            start.push_attribute((k.as_str(), v.as_str()));
        }
        w.write_event(Event::Start(start)).expect("write");
        if !self.text.is_empty() {
            w.write_event(Event::Text(BytesText::new(&self.text)))
                .expect("write");
        }
        for child in &self.children {
            child.write(w);
        }
        w.write_event(Event::End(BytesEnd::new(qname.as_str())))
            .expect("write");
    }
}

fn template() -> &'static Node {
    static TREE: OnceLock<Node> = OnceLock::new();
    TREE.get_or_init(|| {
        let mut reader = quick_xml::Reader::from_str(TEMPLATE);
        let mut stack: Vec<Node> = Vec::new();
        loop {
            match reader.read_event().expect("template") {
                Event::Start(s) => stack.push(Node::new(&s)),
                Event::Empty(s) => {
                    let node = Node::new(&s);
                    stack.last_mut().expect("root").children.push(node);
                }
                Event::End(_) => {
                    let node = stack.pop().expect("open element");
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None => return node,
                    }
                }
                Event::Text(t) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(t.xml10_content().trim());
                    }
                }
                Event::Eof => panic!("template without root"),
                _ => {}
            }
        }
    })
}

fn value(u: &mut Unstructured<'_>) -> ArbResult<String> {
    if u.ratio(1, 8)? {
        let s: String = u.arbitrary()?;
        Ok(s.chars().take(64).collect())
    } else {
        Ok((*u.choose(VALUES)?).to_owned())
    }
}

/// Applies one edit chosen by `u`.
fn edit(root: &mut Node, u: &mut Unstructured<'_>) -> ArbResult<()> {
    let count = root.count();
    let target = u.choose_index(count)?;
    match u.int_in_range(0u8..=8)? {
        0 => {
            root.detach(target);
        }
        1 => {
            if let Some(node) = root.nth_mut(target) {
                if !node.attrs.is_empty() {
                    let k = u.choose_index(node.attrs.len())?;
                    node.attrs.remove(k);
                }
            }
        }
        2 => {
            let v = value(u)?;
            if let Some(node) = root.nth_mut(target) {
                let key = if !node.attrs.is_empty() && u.ratio(2, 3)? {
                    node.attrs[u.choose_index(node.attrs.len())?].0.clone()
                } else {
                    (*u.choose(ATTRS)?).to_owned()
                };
                node.set_attr(&key, &v);
            }
        }
        3 => {
            let prefix = *u.choose(PREFIXES)?;
            if let Some(node) = root.nth_mut(target) {
                node.prefix = prefix.map(str::to_owned);
            }
        }
        4 => {
            if target > 0 {
                if let Some(node) = root.detach(target) {
                    let copy = node.clone();
                    let parent_count = root.count();
                    let at = u.choose_index(parent_count)?;
                    if let Some(parent) = root.nth_mut(at) {
                        parent.children.push(node);
                        parent.children.push(copy);
                    }
                }
            }
        }
        5 => {
            if target > 0 {
                if let Some(node) = root.detach(target) {
                    let at = u.choose_index(root.count())?;
                    if let Some(parent) = root.nth_mut(at) {
                        let pos = u.int_in_range(0..=parent.children.len())?;
                        parent.children.insert(pos, node);
                    }
                }
            }
        }
        6 => {
            let name = *u.choose(NAMES)?;
            if let Some(node) = root.nth_mut(target) {
                node.name = name.to_owned();
            }
        }
        7 => {
            let v = value(u)?;
            if let Some(node) = root.nth_mut(target) {
                node.text = v;
            }
        }
        _ => {
            // Redeclare a prefix (or the default namespace) somewhere.
            let key = *u.choose(&["xmlns", "xmlns:saml", "xmlns:samlp", "xmlns:evil"])?;
            let ns = *u.choose(&[NS_PROTOCOL, NS_ASSERTION, "urn:x"])?;
            if let Some(node) = root.nth_mut(target) {
                node.set_attr(key, ns);
            }
        }
    }
    Ok(())
}

fn serialize(root: &Node) -> Vec<u8> {
    let mut w = quick_xml::Writer::new(Vec::new());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .expect("write");
    root.write(&mut w);
    w.into_inner()
}

fn key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, KEY_BITS).expect("key"))
}

fn sp() -> &'static ServiceProvider {
    static SP_: OnceLock<ServiceProvider> = OnceLock::new();
    SP_.get_or_init(|| {
        let idp = IdentityProviderConfig::new(IDP, "https://idp.test/sso")
            .and_then(|idp| idp.with_key(key().to_public_key()))
            .expect("identity provider");
        ServiceProvider::new(SP, ACS, idp).expect("service provider")
    })
}

/// The SimpleSign form of `doc`, signed with the test key.
fn signed_form(doc: &[u8]) -> PostedForm {
    let response = base64::engine::general_purpose::STANDARD.encode(doc);
    let octets = format!("SAMLResponse={response}&SigAlg={SIG_ALG}");
    let signature = key()
        .sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(octets.as_bytes()),
        )
        .expect("sign");
    let signature = base64::engine::general_purpose::STANDARD.encode(signature);
    PostedForm::from_pairs([
        ("SAMLResponse", response.as_str()),
        ("SigAlg", SIG_ALG),
        ("Signature", signature.as_str()),
    ])
    .expect("form")
}

/// A node with its namespace resolved from the `xmlns` attributes in scope.
struct Resolved<'a> {
    node: &'a Node,
    ns: Option<String>,
    children: Vec<Resolved<'a>>,
}

fn resolve<'a>(node: &'a Node, scope: &HashMap<Option<String>, String>) -> Resolved<'a> {
    let mut scope = scope.clone();
    for (k, v) in &node.attrs {
        if k == "xmlns" {
            scope.insert(None, v.clone());
        } else if let Some(p) = k.strip_prefix("xmlns:") {
            scope.insert(Some(p.to_owned()), v.clone());
        }
    }
    Resolved {
        node,
        ns: scope.get(&node.prefix).cloned().filter(|ns| !ns.is_empty()),
        children: node.children.iter().map(|c| resolve(c, &scope)).collect(),
    }
}

impl Resolved<'_> {
    fn is(&self, ns: &str, name: &str) -> bool {
        self.node.name == name && self.ns.as_deref() == Some(ns)
    }

    fn kids<'s>(&'s self, ns: &'s str, name: &'s str) -> impl Iterator<Item = &'s Resolved<'s>> {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    /// An unqualified attribute, whitespace-normalised as an XML parser reads it.
    fn attr(&self, key: &str) -> Option<String> {
        self.node
            .attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.replace(['\t', '\r', '\n'], " "))
    }
}

fn instant(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// What an accepted answer must show in the tree that was signed.
fn check_profile(root: &Node, now: DateTime<Utc>) {
    let tree = resolve(root, &HashMap::new());
    let skew = TimeDelta::from_std(sp().clock_skew()).expect("skew");
    assert!(
        tree.is(NS_PROTOCOL, "Response"),
        "accepted a root that is not samlp:Response"
    );
    let assertions: Vec<_> = tree.kids(NS_ASSERTION, "Assertion").collect();
    assert_eq!(
        assertions.len(),
        1,
        "accepted without exactly one saml:Assertion"
    );
    let bearer_ok = assertions[0]
        .kids(NS_ASSERTION, "Subject")
        .take(1)
        .flat_map(|s| s.kids(NS_ASSERTION, "SubjectConfirmation"))
        .filter(|c| c.attr("Method").is_some_and(|m| m.trim() == CM_BEARER))
        .flat_map(|c| c.kids(NS_ASSERTION, "SubjectConfirmationData").take(1))
        .any(|d| {
            let recipient_ok = d
                .attr("Recipient")
                .is_some_and(|r| r == ACS || url::Url::parse(&r).is_ok_and(|u| u.as_str() == ACS));
            let expiry_ok = d
                .attr("NotOnOrAfter")
                .and_then(|v| instant(&v))
                .is_some_and(|t| t > now - skew);
            recipient_ok && expiry_ok && d.attr("NotBefore").is_none()
        });
    assert!(
        bearer_ok,
        "accepted without a valid bearer SubjectConfirmationData"
    );
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut root = template().clone();
    let edits = u.int_in_range(0u8..=12).unwrap_or(0);
    for _ in 0..edits {
        if edit(&mut root, &mut u).is_err() {
            break;
        }
    }
    let doc = serialize(&root);
    let form = signed_form(&doc);
    let now = DateTime::<Utc>::from_timestamp(NOW, 0).expect("fixed instant");
    let replays = ReplayCache::new(16);
    match sp().consume_once(&form, Some(REQUEST_ID), now, &replays) {
        Ok(user) => {
            let _ = format!("{user} {user:?}");
            check_profile(&root, now);
            let skew = TimeDelta::from_std(sp().clock_skew()).expect("skew");
            let max_age = TimeDelta::from_std(sp().max_age()).expect("max age");
            assert!(
                user.not_on_or_after > now - skew,
                "accepted an expired answer"
            );
            assert!(
                user.issue_instant <= now + skew,
                "accepted an answer from the future"
            );
            assert!(
                user.issue_instant >= now - max_age - skew,
                "accepted a stale answer"
            );
            assert!(user.replayable_until >= now);
            match sp().consume_once(&form, Some(REQUEST_ID), now, &replays) {
                Err(AuthError::Replayed { .. }) => {}
                other => panic!("a replay was not refused as one: {other:?}"),
            }
        }
        Err(e) => {
            let _ = format!("{e} {e:?}");
        }
    }
});
