//! A small, bounded element tree over quick-xml's pull parser.
//!
//! SAML documents use namespace prefixes freely (`samlp:`, `saml2:`, `ns2:` or a default
//! namespace), so elements are matched by local name. Only unprefixed attributes are kept:
//! SAML's own attributes (`ID`, `Destination`, `NotOnOrAfter`, …) are never qualified.
//! Document type declarations are refused (SAML forbids them; this also rules out entity
//! expansion), as are documents deeper or larger than the limits below.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use quick_xml::XmlVersion;

use crate::error::AuthError;

/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 48;
/// Most elements accepted in one document.
const MAX_ELEMENTS: usize = 10_000;

/// One element: local name, unprefixed attributes, text content and children.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    attrs: Vec<(String, String)>,
    text: String,
    pub(crate) children: Vec<Element>,
}

impl Element {
    /// The value of an unprefixed attribute.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child of that local name.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The children of that local name.
    pub(crate) fn children_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text content, without surrounding XML whitespace.
    pub(crate) fn text(&self) -> &str {
        self.text
            .trim_matches(|c: char| matches!(c, ' ' | '\t' | '\r' | '\n'))
    }

    /// Whether this element or a descendant has that local name.
    pub(crate) fn contains(&self, name: &str) -> bool {
        // The tree is at most MAX_DEPTH deep, so recursion is bounded.
        self.name == name || self.children.iter().any(|c| c.contains(name))
    }
}

/// Parses a whole document into its root element.
pub(crate) fn parse(xml: &str) -> Result<Element, AuthError> {
    let mut reader = Reader::from_str(xml);
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
                stack.push(element(&start)?);
            }
            Event::Empty(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(AuthError::xml(format!("more than {MAX_ELEMENTS} elements")));
                }
                let el = element(&start)?;
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

fn element(start: &BytesStart<'_>) -> Result<Element, AuthError> {
    let name = start.local_name().as_ref().to_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| AuthError::xml(format!("bad attribute in <{name}>: {e}")))?;
        if attr.key.prefix().is_some() || attr.key.as_namespace_binding().is_some() {
            continue;
        }
        let key = attr.key.local_name().as_ref().to_owned();
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|_| AuthError::xml(format!("bad value of attribute {key} in <{name}>")))?;
        attrs.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
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
