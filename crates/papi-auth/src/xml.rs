//! A small, bounded element tree over quick-xml's pull parser.
//!
//! SAML documents use namespace prefixes freely (`samlp:`, `saml2:`, `ns2:` or a default
//! namespace), so each element keeps its local name and the namespace its prefix resolves
//! to (quick-xml's `NsReader`); the lookups ([`Element::child`],
//! [`Element::children_named`]) match both, and refuse an element that has the local name
//! asked for in another namespace ([`AuthError::WrongNamespace`]) rather than skip it
//! silently. An undeclared prefix is malformed XML. Only attributes in no namespace are
//! kept: SAML's own attributes (`ID`, `Destination`, `NotOnOrAfter`, …) are unqualified
//! (SAML core schema, `attributeFormDefault="unqualified"`), so `x:NotOnOrAfter` is never
//! read as `NotOnOrAfter`. Document type declarations are refused (SAML forbids them; this
//! also rules out entity expansion), as are documents deeper or larger than the limits
//! below.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use quick_xml::XmlVersion;

use crate::error::AuthError;

/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 48;
/// Most elements accepted in one document.
const MAX_ELEMENTS: usize = 10_000;

/// One element: local name, namespace, unqualified attributes, text content and children.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    /// The namespace URI the element's prefix (or the default namespace) resolves to;
    /// `None`: no namespace.
    pub(crate) ns: Option<String>,
    attrs: Vec<(String, String)>,
    text: String,
    pub(crate) children: Vec<Element>,
}

impl Element {
    /// The value of an attribute in no namespace.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Refuses this element unless it is in namespace `ns` (`name`: its expected local name,
    /// for the error).
    pub(crate) fn expect_ns(&self, ns: &'static str, name: &'static str) -> Result<(), AuthError> {
        if self.ns.as_deref() == Some(ns) {
            Ok(())
        } else {
            Err(AuthError::WrongNamespace {
                element: name,
                expected: ns,
                found: self.ns.clone(),
            })
        }
    }

    /// The first child `{ns}name`; a child with that local name in another namespace is an
    /// error ([`AuthError::WrongNamespace`]).
    pub(crate) fn child(
        &self,
        ns: &'static str,
        name: &'static str,
    ) -> Result<Option<&Element>, AuthError> {
        Ok(self.children_named(ns, name)?.into_iter().next())
    }

    /// The children `{ns}name`, in document order; a child with that local name in another
    /// namespace is an error ([`AuthError::WrongNamespace`]).
    pub(crate) fn children_named(
        &self,
        ns: &'static str,
        name: &'static str,
    ) -> Result<Vec<&Element>, AuthError> {
        let mut found = Vec::new();
        for child in self.children.iter().filter(|c| c.name == name) {
            child.expect_ns(ns, name)?;
            found.push(child);
        }
        Ok(found)
    }

    /// The text content, without surrounding XML whitespace.
    pub(crate) fn text(&self) -> &str {
        self.text
            .trim_matches(|c: char| matches!(c, ' ' | '\t' | '\r' | '\n'))
    }

    /// Whether this element or a descendant has that local name (in any namespace: used only
    /// to explain a refusal, never to accept).
    pub(crate) fn contains(&self, name: &str) -> bool {
        // The tree is at most MAX_DEPTH deep, so recursion is bounded.
        self.name == name || self.children.iter().any(|c| c.contains(name))
    }
}

/// Parses a whole document into its root element.
pub(crate) fn parse(xml: &str) -> Result<Element, AuthError> {
    let mut reader = NsReader::from_str(xml);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;

    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;

    loop {
        let event = reader.read_event().map_err(|e| {
            AuthError::xml(format!(
                "{} (at byte {})",
                describe(&e),
                reader.error_position()
            ))
        })?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(AuthError::xml("content after the root element"));
            }
            Event::Start(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(AuthError::xml(format!("more than {MAX_ELEMENTS} elements")));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(AuthError::xml(format!("nested deeper than {MAX_DEPTH}")));
                }
                stack.push(element(&reader, &start)?);
            }
            Event::Empty(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(AuthError::xml(format!("more than {MAX_ELEMENTS} elements")));
                }
                let el = element(&reader, &start)?;
                attach(&mut stack, &mut root, el);
            }
            Event::End(_) => match stack.pop() {
                Some(el) => attach(&mut stack, &mut root, el),
                None => return Err(AuthError::xml("unexpected end tag")),
            },
            Event::Text(text) => {
                let content = text.xml10_content();
                push_text(&mut stack, &content)?;
            }
            Event::CData(cdata) => {
                let content = cdata.into_inner();
                push_text(&mut stack, &content)?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match resolve_predefined_entity(&reference) {
                        Some(s) => s.to_owned(),
                        None => return Err(AuthError::xml("reference to an undeclared entity")),
                    },
                    Err(_) => return Err(AuthError::xml("invalid character reference")),
                };
                push_text(&mut stack, &resolved)?;
            }
            Event::DocType(_) => {
                return Err(AuthError::xml("document type declarations are not allowed"))
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(AuthError::xml("truncated document: unclosed elements"));
    }
    root.ok_or_else(|| AuthError::xml("no root element"))
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), AuthError> {
    match stack.last_mut() {
        Some(el) => {
            el.text.push_str(text);
            Ok(())
        }
        None if text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) => Ok(()),
        None => Err(AuthError::xml("text outside the root element")),
    }
}

fn element(reader: &NsReader<&[u8]>, start: &BytesStart<'_>) -> Result<Element, AuthError> {
    let resolver = reader.resolver();
    let (resolved, local) = resolver.resolve_element(start.name());
    let name = local.as_ref().to_owned();
    let ns = match resolved {
        ResolveResult::Bound(ns) => Some(ns.as_ref().to_owned()),
        ResolveResult::Unbound => None,
        ResolveResult::Unknown(_) => {
            return Err(AuthError::xml(format!(
                "<{name}> uses an undeclared namespace prefix"
            )))
        }
    };
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| AuthError::xml(format!("bad attribute in <{name}>: {e}")))?;
        if attr.key.as_namespace_binding().is_some() {
            continue;
        }
        match resolver.resolve_attribute(attr.key).0 {
            ResolveResult::Unbound => {}
            // Qualified attributes are not SAML's own: skipped.
            ResolveResult::Bound(_) => continue,
            ResolveResult::Unknown(_) => {
                return Err(AuthError::xml(format!(
                    "an attribute of <{name}> uses an undeclared namespace prefix"
                )))
            }
        }
        let key = attr.key.local_name().as_ref().to_owned();
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|_| AuthError::xml(format!("bad value of attribute {key} in <{name}>")))?;
        attrs.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        ns,
        attrs,
        text: String::new(),
        children: Vec::new(),
    })
}

/// Describes a parser error without quoting the document's text.
fn describe(e: &quick_xml::Error) -> String {
    match e {
        quick_xml::Error::Syntax(s) => s.to_string(),
        quick_xml::Error::IllFormed(i) => i.to_string(),
        quick_xml::Error::InvalidAttr(_) => "invalid attribute".to_owned(),
        quick_xml::Error::Encoding(_) => "invalid encoding".to_owned(),
        quick_xml::Error::Escape(_) => "invalid escape".to_owned(),
        quick_xml::Error::Namespace(_) => "invalid namespace declaration".to_owned(),
        quick_xml::Error::Io(_) => "read error".to_owned(),
    }
}
