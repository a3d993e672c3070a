//! Encoding of answers: the inverse of [`crate::decode`], used by servers that speak the
//! protocol (the sandbox) and by round-trip tests. The payload is written by its generated
//! [`ToXml`] impl (names as literals, checked when the spec was loaded) straight into the
//! document, inside the API's envelope; every wire name comes from the descriptors or the
//! generated code, as for decoding.
//!
//! The output is byte for byte what quick-xml's serde serializer wrote when it was the
//! encoder (pinned by the snapshots of `tests/tests/encode_equivalence.rs`): empty elements
//! expanded (`<a></a>`), text escaped as by [`quick_xml::escape::partial_escape`] (`&`, `<`,
//! `>`, `\r`), attribute values also escaping `"`, `\n` and `\t`.

use std::io::Cursor;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

use crate::api::{ApiDescriptor, Envelope};
use crate::general::GENERAL_ENVELOPE;

/// Why an answer could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The API's own envelope is undocumented, so no success document can be written.
    #[error("the envelope of the {api} is undocumented: no answer can be encoded")]
    NoEnvelope {
        /// Name of the API.
        api: &'static str,
    },
    /// The payload path is empty.
    #[error("an answer needs a non-empty element path")]
    EmptyPath,
    /// The serializer refused the value.
    #[error("cannot serialize the answer: {0}")]
    Serialize(String),
    /// The payload's element name is not an XML name (as quick-xml's serde serializer
    /// refused it).
    #[error("`{name}` is not an XML name: no answer can be encoded under it")]
    InvalidName {
        /// The name given.
        name: String,
    },
}

fn ser_err(e: impl std::fmt::Display) -> EncodeError {
    EncodeError::Serialize(e.to_string())
}

type Out = Writer<Cursor<Vec<u8>>>;

fn new_writer() -> Result<Out, EncodeError> {
    let mut w = Writer::new(Cursor::new(Vec::new()));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(ser_err)?;
    Ok(w)
}

fn finish(w: Out) -> Result<String, EncodeError> {
    String::from_utf8(w.into_inner().into_inner()).map_err(ser_err)
}

fn start(w: &mut Out, name: &str) -> Result<(), EncodeError> {
    w.write_event(Event::Start(BytesStart::new(name)))
        .map_err(ser_err)
}

fn end(w: &mut Out, name: &str) -> Result<(), EncodeError> {
    w.write_event(Event::End(BytesEnd::new(name)))
        .map_err(ser_err)
}

/// `text` with each character XML 1.0 forbids replaced by U+FFFD (borrowed when there is
/// none, the common case).
pub fn xml_chars(text: &str) -> std::borrow::Cow<'_, str> {
    // A byte scan first: the forbidden characters are C0 bytes or start with 0xEF.
    let suspect = text
        .bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF);
    if suspect && text.chars().any(crate::check::is_forbidden_in_xml) {
        let cleaned = text
            .chars()
            .map(|c| {
                if crate::check::is_forbidden_in_xml(c) {
                    char::REPLACEMENT_CHARACTER
                } else {
                    c
                }
            })
            .collect();
        std::borrow::Cow::Owned(cleaned)
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

fn text_element(w: &mut Out, name: &str, text: &str) -> Result<(), EncodeError> {
    start(w, name)?;
    w.write_event(Event::Text(BytesText::new(&xml_chars(text))))
        .map_err(ser_err)?;
    end(w, name)
}

/// The XML declaration every document starts with (what [`new_writer`] writes).
const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// Encodes a successful answer: `value` as the element at `path` under the envelope root
/// (the inverse of [`crate::decode::response`]). For [`Envelope::CommandResult`] the command
/// element also gets its `result` child with `0`, as its last child.
///
/// Written in one pass: the envelope, then the payload by its [`ToXml`] impl, the `result`
/// child going in as the command element is closed. Only when the command element lies
/// inside the payload (no API's spec does that) is the payload read back to find it.
pub fn response<T: ToXml + ?Sized>(
    api: &ApiDescriptor,
    path: &[&str],
    value: &T,
) -> Result<String, EncodeError> {
    let Some(envelope) = api.envelope else {
        return Err(EncodeError::NoEnvelope { api: api.name });
    };
    let (payload_name, parents) = path.split_last().ok_or(EncodeError::EmptyPath)?;
    check_name(payload_name)?;
    let (root, command) = envelope_parts(envelope);
    let result_level = match command {
        None => None,
        Some(([], _)) => None,
        Some((command_path, _)) if command_path.len() > path.len() => {
            if command_path[..path.len()] == *path {
                let mut payload = String::with_capacity(256);
                element(&mut payload, payload_name, value);
                return response_reread(root, command, parents, &payload);
            }
            None
        }
        Some((command_path, _)) => {
            (path[..command_path.len()] == *command_path).then_some(command_path.len())
        }
    };
    let result = command.map_or("", |(_, result)| result);

    let mut out = String::with_capacity(1024);
    out.push_str(DECL);
    push_start(&mut out, root);
    for p in parents {
        push_start(&mut out, p);
    }
    out.push('<');
    out.push_str(payload_name);
    value.write_attributes(&mut out);
    out.push('>');
    value.write_content(&mut out);
    if result_level == Some(path.len()) {
        // The payload is the command element: its result goes in before its end tag.
        push_text_element(&mut out, result, "0");
    }
    push_end(&mut out, payload_name);
    for level in (1..=parents.len()).rev() {
        if result_level == Some(level) {
            push_text_element(&mut out, result, "0");
        }
        push_end(&mut out, parents[level - 1]);
    }
    push_end(&mut out, root);
    Ok(out)
}

/// Encodes a document rooted at `root` holding `value` (the inverse of
/// [`crate::decode::fragment`]): for answers outside the API's envelope, such as an
/// inferred answer shape.
pub fn document<T: ToXml + ?Sized>(root: &str, value: &T) -> Result<String, EncodeError> {
    check_name(root)?;
    let mut out = String::with_capacity(DECL.len() + 256);
    out.push_str(DECL);
    element(&mut out, root, value);
    Ok(out)
}

/// Encodes a document of one element holding text: `<root a="v"…>text</root>`, attribute
/// values and text escaped (what a server writes for a note of its own, such as a
/// namespace declaration and a message).
pub fn text_document(
    root: &str,
    attributes: &[(&str, &str)],
    text: &str,
) -> Result<String, EncodeError> {
    check_name(root)?;
    for (name, _) in attributes {
        if *name != "xmlns" && !name.starts_with("xmlns:") {
            check_name(name)?;
        }
    }
    let mut w = new_writer()?;
    let mut start_tag = BytesStart::new(root);
    for (name, value) in attributes {
        start_tag.push_attribute((*name, xml_chars(value).as_ref()));
    }
    w.write_event(Event::Start(start_tag)).map_err(ser_err)?;
    w.write_event(Event::Text(BytesText::new(&xml_chars(text))))
        .map_err(ser_err)?;
    end(&mut w, root)?;
    finish(w)
}

/// A name the encoder writes (the payload's, a document's root, an attribute's) is checked
/// as quick-xml's serde serializer checked the payload name (the envelope's were written as
/// given): a refusal is [`EncodeError::InvalidName`].
fn check_name(name: &str) -> Result<(), EncodeError> {
    if is_xml_name(name) {
        Ok(())
    } else {
        Err(EncodeError::InvalidName {
            name: name.to_owned(),
        })
    }
}

/// Whether `name` is an XML 1.1 `Name` (§2.3), the rule quick-xml's serde serializer applied
/// to element names (a unit test compares the two over every character). Written out so
/// that papi-core needs no serde: the serializer is quick-xml's optional `serialize`.
fn is_xml_name(name: &str) -> bool {
    fn start(c: char) -> bool {
        matches!(c,
            ':' | 'A'..='Z' | '_' | 'a'..='z'
            | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
            | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
            | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
            | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
    }
    fn rest(c: char) -> bool {
        start(c)
            || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
    }
    let mut chars = name.chars();
    chars.next().is_none_or(start) && chars.all(rest)
}

type CommandParts<'a> = Option<(&'a [&'a str], &'a str)>;

/// The root, and for [`Envelope::CommandResult`] the command path and result element.
fn envelope_parts(envelope: Envelope) -> (&'static str, CommandParts<'static>) {
    match envelope {
        Envelope::ReturnWrapper { root, .. } => (root, None),
        Envelope::CommandResult {
            root,
            command_path,
            result,
            ..
        } => (root, Some((command_path, result))),
    }
}

fn push_start(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn push_end(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// An element holding `text`, which needs no escaping.
fn push_text_element(out: &mut String, name: &str, text: &str) {
    push_start(out, name);
    out.push_str(text);
    push_end(out, name);
}

/// The document holding `payload` (written already) inside the envelope, read back to give
/// the command element its `result` wherever it is.
fn response_reread(
    root: &str,
    command: CommandParts<'_>,
    parents: &[&str],
    payload: &str,
) -> Result<String, EncodeError> {
    let mut w = new_writer()?;
    start(&mut w, root)?;
    // Elements opened so far, below the root.
    let mut open: Vec<String> = Vec::new();
    // Writes `<result>0</result>` when `open` is the command path.
    let result_here = |open: &[String], w: &mut Out| -> Result<(), EncodeError> {
        if let Some((command_path, result)) = &command {
            if open.len() == command_path.len()
                && open.iter().zip(command_path.iter()).all(|(a, b)| a == b)
            {
                text_element(w, result, "0")?;
            }
        }
        Ok(())
    };
    for p in parents {
        start(&mut w, p)?;
        open.push((*p).to_owned());
    }
    let mut reader = Reader::from_str(payload);
    loop {
        match reader.read_event().map_err(ser_err)? {
            Event::Start(e) => {
                open.push(e.name().as_ref().to_owned());
                w.write_event(Event::Start(e)).map_err(ser_err)?;
            }
            Event::Empty(e) => {
                open.push(e.name().as_ref().to_owned());
                let name = open.last().cloned().unwrap_or_default();
                w.write_event(Event::Start(e)).map_err(ser_err)?;
                result_here(&open, &mut w)?;
                end(&mut w, &name)?;
                open.pop();
            }
            Event::End(e) => {
                result_here(&open, &mut w)?;
                w.write_event(Event::End(e)).map_err(ser_err)?;
                open.pop();
            }
            Event::Eof => break,
            other => w.write_event(other).map_err(ser_err)?,
        }
    }
    // The payload is complete; close the parents, giving the command its result.
    while !open.is_empty() {
        result_here(&open, &mut w)?;
        let Some(name) = open.pop() else { break };
        end(&mut w, &name)?;
    }
    end(&mut w, root)?;
    finish(w)
}

/// Encodes a general error document (`<error><code/><detail/>[<url/>]</error>`).
pub fn general_error(code: i64, detail: &str, url: Option<&str>) -> Result<String, EncodeError> {
    let g = GENERAL_ENVELOPE;
    let mut w = new_writer()?;
    start(&mut w, g.root)?;
    text_element(&mut w, g.code, &code.to_string())?;
    text_element(&mut w, g.detail, detail)?;
    if let Some(url) = url {
        text_element(&mut w, g.url, url)?;
    }
    end(&mut w, g.root)?;
    finish(w)
}

/// Encodes an error in the API's own envelope (the general one when it has none).
/// `subtype` is used by [`Envelope::CommandResult`] only.
pub fn api_error(
    api: &ApiDescriptor,
    code: i64,
    detail: &str,
    subtype: Option<&str>,
) -> Result<String, EncodeError> {
    match api.envelope {
        None => general_error(code, detail, None),
        Some(Envelope::ReturnWrapper {
            root,
            error,
            code: code_el,
            detail: detail_el,
        }) => {
            let mut w = new_writer()?;
            start(&mut w, root)?;
            start(&mut w, error)?;
            text_element(&mut w, code_el, &code.to_string())?;
            text_element(&mut w, detail_el, detail)?;
            end(&mut w, error)?;
            end(&mut w, root)?;
            finish(w)
        }
        Some(Envelope::CommandResult {
            root,
            command_path,
            result,
            error,
            code_attr,
            subtype_attr,
        }) => {
            let mut w = new_writer()?;
            start(&mut w, root)?;
            for p in command_path {
                start(&mut w, p)?;
            }
            let negated = code.checked_neg().unwrap_or(code);
            text_element(&mut w, result, &negated.to_string())?;
            let code_text = code.to_string();
            let mut e = BytesStart::new(error);
            e.push_attribute((subtype_attr, &*xml_chars(subtype.unwrap_or(""))));
            e.push_attribute((code_attr, code_text.as_str()));
            w.write_event(Event::Start(e)).map_err(ser_err)?;
            w.write_event(Event::Text(BytesText::new(&xml_chars(detail))))
                .map_err(ser_err)?;
            end(&mut w, error)?;
            for p in command_path.iter().rev() {
                end(&mut w, p)?;
            }
            end(&mut w, root)?;
            finish(w)
        }
    }
}

/// A response type that writes itself as an XML element straight into a `String`: the
/// inverse of [`crate::de::FromXml`], generated per response type. The element's name is
/// given by where it is used (the answer's path, the field's wire name). Writing cannot
/// fail: names are literals checked when the spec was loaded, and text is escaped.
pub trait ToXml {
    /// Writes the start tag's attributes, each as ` name="value"`.
    fn write_attributes(&self, out: &mut String);
    /// Writes the content: child elements and text, in the order of the fields.
    fn write_content(&self, out: &mut String);
}

impl<T: ToXml + ?Sized> ToXml for &T {
    fn write_attributes(&self, out: &mut String) {
        (**self).write_attributes(out)
    }
    fn write_content(&self, out: &mut String) {
        (**self).write_content(out)
    }
}

/// Where a text value goes, which decides its escaping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// An element's text content.
    Text,
    /// A double-quoted attribute value.
    Attribute,
}

/// A value written as text: an attribute value or an element's text content (scalars,
/// enums by their wire value).
pub trait XmlText {
    /// Appends the value, escaped for `place`.
    fn write_text(&self, out: &mut String, place: Place);
}

impl<T: XmlText + ?Sized> XmlText for &T {
    fn write_text(&self, out: &mut String, place: Place) {
        (**self).write_text(out, place)
    }
}

impl XmlText for str {
    fn write_text(&self, out: &mut String, place: Place) {
        escape(out, self, place)
    }
}

impl XmlText for String {
    fn write_text(&self, out: &mut String, place: Place) {
        escape(out, self, place)
    }
}

/// Digits and a sign only: nothing to escape.
impl XmlText for i64 {
    fn write_text(&self, out: &mut String, _: Place) {
        out.push_str(itoa::Buffer::new().format(*self))
    }
}

/// `true` or `false`.
impl XmlText for bool {
    fn write_text(&self, out: &mut String, _: Place) {
        out.push_str(if *self { "true" } else { "false" })
    }
}

/// ISO 8601 (`YYYY-MM-DD`, a signed year outside 0..=9999), as chrono's `Display` and
/// `Serialize` write it: nothing to escape.
impl XmlText for chrono::NaiveDate {
    fn write_text(&self, out: &mut String, _: Place) {
        use std::fmt::Write as _;
        // Writing into a `String` cannot fail.
        let _ = write!(out, "{self}");
    }
}

/// Standard base64, unbroken: nothing to escape.
impl XmlText for crate::value::Base64Binary {
    fn write_text(&self, out: &mut String, _: Place) {
        base64::Engine::encode_string(&crate::value::BASE64, &self.0, out)
    }
}

/// Nothing: a present element is written empty (`<Name></Name>`).
impl XmlText for crate::value::Present {
    fn write_text(&self, _: &mut String, _: Place) {}
}

/// Appends `text` escaped for `place`, as quick-xml's serde serializer escaped it: in text,
/// `&`, `<`, `>` and `\r` ([`quick_xml::escape::partial_escape`]); in a double-quoted
/// attribute, also `"`, `\n` and `\t` (quick-xml has no public function for that set; the
/// equivalence tests compare both with the serializer for every ASCII character).
///
/// A character XML 1.0 forbids ([`crate::check::is_forbidden_in_xml`]) is written as
/// U+FFFD: no character reference can stand for it, and a document holding it is refused
/// by strict parsers.
pub fn escape(out: &mut String, text: &str, place: Place) {
    let text = xml_chars(text);
    let text = text.as_ref();
    match place {
        Place::Text => out.push_str(&quick_xml::escape::partial_escape(text)),
        Place::Attribute => {
            let mut rest = text;
            while let Some(i) = rest
                .bytes()
                .position(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\r' | b'\n' | b'\t'))
            {
                out.push_str(&rest[..i]);
                out.push_str(match rest.as_bytes()[i] {
                    b'&' => "&amp;",
                    b'<' => "&lt;",
                    b'>' => "&gt;",
                    b'"' => "&quot;",
                    b'\r' => "&#13;",
                    b'\n' => "&#10;",
                    _ => "&#9;",
                });
                rest = &rest[i + 1..];
            }
            out.push_str(rest);
        }
    }
}

/// Writes ` name="value"` for each value (an `Option` gives none or one).
pub fn attribute<'a, V: XmlText + ?Sized + 'a>(
    out: &mut String,
    name: &str,
    values: impl IntoIterator<Item = &'a V>,
) {
    for v in values {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        v.write_text(out, Place::Attribute);
        out.push('"');
    }
}

/// Writes each value as the element's own text content.
pub fn text<'a, V: XmlText + ?Sized + 'a>(
    out: &mut String,
    values: impl IntoIterator<Item = &'a V>,
) {
    for v in values {
        v.write_text(out, Place::Text);
    }
}

/// Writes `<name>text</name>` for each value (`Option`, `Vec`, or `[&value]`).
pub fn text_elements<'a, V: XmlText + ?Sized + 'a>(
    out: &mut String,
    name: &str,
    values: impl IntoIterator<Item = &'a V>,
) {
    for v in values {
        push_start(out, name);
        v.write_text(out, Place::Text);
        push_end(out, name);
    }
}

/// Writes the element `name` of each value (`Option`, `Vec`, or `[&value]`).
pub fn elements<'a, T: ToXml + ?Sized + 'a>(
    out: &mut String,
    name: &str,
    values: impl IntoIterator<Item = &'a T>,
) {
    for v in values {
        element(out, name, v);
    }
}

/// Writes `value` as the element `name`: start tag with attributes, content, end tag.
pub fn element<T: ToXml + ?Sized>(out: &mut String, name: &str, value: &T) {
    out.push('<');
    out.push_str(name);
    value.write_attributes(out);
    out.push('>');
    value.write_content(out);
    push_end(out, name);
}

/// Writes the start tag `<name>` (of a container whose content the caller writes).
pub fn start_tag(out: &mut String, name: &str) {
    push_start(out, name)
}

/// Writes the end tag `</name>`.
pub fn end_tag(out: &mut String, name: &str) {
    push_end(out, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    use base64::Engine as _;

    #[test]
    fn a_text_document_escapes_its_attributes_and_text() {
        let doc = text_document(
            "note",
            &[("xmlns", "urn:x-test:n"), ("about", "a\"b<c>&d")],
            "1 < 2 & \u{1} gone",
        )
        .unwrap();
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><note xmlns=\"urn:x-test:n\" about=\"a&quot;b&lt;c&gt;&amp;d\">1 &lt; 2 &amp; \u{FFFD} gone</note>"
        );
        // Well-formed: the runtime's own decoder reads it back.
        assert!(crate::decode::fragment::<crate::value::Present>("note", doc.as_bytes()).is_ok());
    }

    #[test]
    fn a_text_document_refuses_names_that_are_not_xml_names() {
        assert!(matches!(
            text_document("a b", &[], ""),
            Err(EncodeError::InvalidName { .. })
        ));
        assert!(matches!(
            text_document("a", &[("x=\"1\" y", "v")], ""),
            Err(EncodeError::InvalidName { .. })
        ));
    }

    use crate::value::Present;

    struct Device {
        kind: &'static str,
        value: &'static str,
    }

    struct Devices {
        device: Vec<Device>,
    }

    // Options written only when `Some`, as in the generated types.
    struct Payload {
        view: Option<&'static str>,
        id: &'static str,
        name: Option<&'static str>,
        nickname: Option<&'static str>,
        empty: &'static str,
        devices: Option<Devices>,
        nothing: Present,
    }

    // What the code generator writes for these shapes.
    impl ToXml for Device {
        fn write_attributes(&self, out: &mut String) {
            attribute(out, "type", [self.kind]);
        }
        fn write_content(&self, out: &mut String) {
            text_elements(out, "value", [self.value]);
        }
    }

    impl ToXml for Devices {
        fn write_attributes(&self, _: &mut String) {}
        fn write_content(&self, out: &mut String) {
            elements(out, "device", &self.device);
        }
    }

    impl ToXml for Payload {
        fn write_attributes(&self, out: &mut String) {
            attribute(out, "view", self.view);
        }
        fn write_content(&self, out: &mut String) {
            text_elements(out, "id", [self.id]);
            text_elements(out, "name", self.name);
            text_elements(out, "nickname", self.nickname);
            text_elements(out, "empty", [self.empty]);
            elements(out, "devices", &self.devices);
            text_elements(out, "nothing", [&self.nothing]);
        }
    }

    fn payload() -> Payload {
        Payload {
            view: Some("full"),
            id: "1 < 2 & \"3\"",
            name: Some("Zoë"),
            nickname: None,
            empty: "",
            devices: Some(Devices {
                device: vec![
                    Device {
                        kind: "email",
                        value: "a@b",
                    },
                    Device {
                        kind: "fix",
                        value: "",
                    },
                ],
            }),
            nothing: Present,
        }
    }

    fn api(envelope: Envelope) -> ApiDescriptor {
        ApiDescriptor {
            name: "Test API",
            path: "/Test/V1",
            production: None,
            integration: None,
            envelope: Some(envelope),
        }
    }

    fn command(command_path: &'static [&'static str]) -> ApiDescriptor {
        api(Envelope::CommandResult {
            root: "xpage",
            command_path,
            result: "result",
            error: "error",
            code_attr: "type",
            subtype_attr: "subtype",
        })
    }

    /// The one-pass encoding is byte for byte what reading the payload back gives.
    fn same_as_reread<T: ToXml>(api: &ApiDescriptor, path: &[&str], value: &T) -> String {
        let (root, command) = envelope_parts(api.envelope.unwrap());
        let (payload_name, parents) = path.split_last().unwrap();
        let one_pass = response(api, path, value).unwrap();
        let mut payload = String::new();
        element(&mut payload, payload_name, value);
        let reread = response_reread(root, command, parents, &payload).unwrap();
        assert_eq!(one_pass, reread);
        one_pass
    }

    #[test]
    fn the_payload_as_command_gets_its_result_last() {
        let xml = same_as_reread(
            &command(&["command-list", "command"]),
            &["command-list", "command"],
            &payload(),
        );
        // What quick-xml's serde serializer wrote for this payload, when it was the encoder.
        assert_eq!(
            xml,
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><xpage><command-list><command view="full">"#,
                r#"<id>1 &lt; 2 &amp; "3"</id><name>Zoë</name><empty></empty><devices>"#,
                r#"<device type="email"><value>a@b</value></device>"#,
                r#"<device type="fix"><value></value></device></devices><nothing></nothing>"#,
                r#"<result>0</result></command></command-list></xpage>"#
            )
        );
    }

    #[test]
    fn a_payload_below_the_command_is_followed_by_the_result() {
        let xml = same_as_reread(
            &command(&["command-list", "command"]),
            &["command-list", "command", "data-list", "data"],
            &payload(),
        );
        assert!(
            xml.ends_with("</data></data-list><result>0</result></command></command-list></xpage>")
        );
    }

    #[test]
    fn a_command_inside_the_payload_is_found_by_reading_it_back() {
        let xml = same_as_reread(
            &command(&["command-list", "command", "devices"]),
            &["command-list", "command"],
            &payload(),
        );
        assert!(
            xml.contains("</device><result>0</result></devices>"),
            "{xml}"
        );
    }

    #[test]
    fn no_result_outside_the_command_path() {
        let cases: [(&'static [&'static str], &[&str]); 3] = [
            (&["other"], &["command-list", "command"]),
            (
                &["command-list", "other", "x"],
                &["command-list", "command"],
            ),
            (&[], &["command"]),
        ];
        for (command_path, path) in cases {
            let xml = same_as_reread(&command(command_path), path, &payload());
            assert!(!xml.contains("<result>"), "{xml}");
        }
    }

    #[test]
    fn a_sequence_payload_gives_each_element_its_result() {
        // A `ToXml` value is one element; reading back takes any payload.
        let api = command(&["list", "item"]);
        let (root, command) = envelope_parts(api.envelope.unwrap());
        let xml =
            response_reread(root, command, &["list"], "<item>1</item><item>2</item>").unwrap();
        assert!(
            xml.contains("<item>1<result>0</result></item><item>2<result>0</result></item>"),
            "{xml}"
        );
    }

    #[test]
    fn a_return_wrapper_has_no_result() {
        let xml = same_as_reread(
            &api(Envelope::ReturnWrapper {
                root: "getReturn",
                error: "error",
                code: "code",
                detail: "detail",
            }),
            &["data"],
            &payload(),
        );
        assert!(xml.ends_with("</data></getReturn>"), "{xml}");
        assert!(!xml.contains("<result>"));
    }

    /// Every ASCII character and some others, alone and in company, in an attribute and as
    /// text: escaped as the serde serializer escaped them when it was the encoder (`&`, `<`,
    /// `>`, `\r` in text; also `"`, `\n`, `\t` in an attribute; nothing else).
    #[test]
    fn escaping_is_the_serializers() {
        struct One<'a> {
            a: &'a str,
            t: &'a str,
        }
        impl ToXml for One<'_> {
            fn write_attributes(&self, out: &mut String) {
                attribute(out, "a", [self.a]);
            }
            fn write_content(&self, out: &mut String) {
                text(out, [self.t]);
            }
        }
        let mut texts: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
        texts.extend(
            [
                "é", "\u{a0}", "\u{2028}", "\u{fffd}", "🦀", "]]>", "&amp;", "",
            ]
            .map(String::from),
        );
        texts.push(texts.concat());
        let api = api(Envelope::ReturnWrapper {
            root: "r",
            error: "error",
            code: "code",
            detail: "detail",
        });
        let escaped = |t: &str, attribute: bool| -> String {
            t.chars()
                .map(|c| match c {
                    '&' => "&amp;".to_owned(),
                    '<' => "&lt;".to_owned(),
                    '>' => "&gt;".to_owned(),
                    '\r' => "&#13;".to_owned(),
                    '"' if attribute => "&quot;".to_owned(),
                    '\n' if attribute => "&#10;".to_owned(),
                    '\t' if attribute => "&#9;".to_owned(),
                    c if crate::check::is_forbidden_in_xml(c) => '\u{fffd}'.to_string(),
                    c => c.to_string(),
                })
                .collect()
        };
        for t in &texts {
            let value = One { a: t, t };
            assert_eq!(
                response(&api, &["one"], &value).unwrap(),
                format!(
                    "{DECL}<r><one a=\"{}\">{}</one></r>",
                    escaped(t, true),
                    escaped(t, false)
                ),
                "{t:?}"
            );
        }
    }

    /// Numbers and booleans as Rust writes them, dates as chrono's `Display` (ISO 8601, a
    /// signed year outside 0..=9999), bytes as unbroken padded standard base64: as the serde
    /// serializer wrote them when it was the encoder.
    #[test]
    fn numbers_dates_booleans_base64_are_the_serializers() {
        struct Scalars {
            n: i64,
            b: bool,
            d: chrono::NaiveDate,
            bytes: crate::value::Base64Binary,
        }
        impl ToXml for Scalars {
            fn write_attributes(&self, out: &mut String) {
                attribute(out, "n", [&self.n]);
                attribute(out, "b", [&self.b]);
            }
            fn write_content(&self, out: &mut String) {
                text_elements(out, "d", [&self.d]);
                text_elements(out, "bytes", [&self.bytes]);
            }
        }
        let api = command(&["c"]);
        for (n, b, d, len) in [
            (0, true, chrono::NaiveDate::MIN, 0),
            (i64::MIN, false, chrono::NaiveDate::MAX, 1),
            (
                i64::MAX,
                true,
                chrono::NaiveDate::from_ymd_opt(-5, 3, 1).unwrap(),
                2,
            ),
            (
                -1,
                false,
                chrono::NaiveDate::from_ymd_opt(12345, 6, 7).unwrap(),
                300,
            ),
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
            let base64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let value = Scalars {
                n,
                b,
                d,
                bytes: crate::value::Base64Binary(bytes),
            };
            assert_eq!(
                same_as_reread(&api, &["c"], &value),
                format!(
                    "{DECL}<xpage><c n=\"{n}\" b=\"{b}\"><d>{d}</d><bytes>{base64}</bytes><result>0</result></c></xpage>"
                )
            );
        }
    }

    /// The serde encoder refused a payload name that is not an XML name; the writer refuses
    /// it too, with a typed error. The envelope's names were never checked.
    #[test]
    fn a_payload_name_that_is_no_xml_name_is_refused() {
        let api = command(&["command-list", "command"]);
        for name in ["a b", "1a", "a<b", "-a", "a\"", "a/b"] {
            assert_eq!(
                response(&api, &["command-list", name], &payload()),
                Err(EncodeError::InvalidName {
                    name: name.to_owned()
                })
            );
        }
        for name in ["a", "a-b.c_d", "é", "x:y", "_1"] {
            same_as_reread(&api, &["command-list", name], &payload());
        }
    }

    /// The written-out rule is quick-xml's (its serde serializer, enabled for the tests by
    /// the dev-dependency), character by character, first and later.
    #[test]
    fn the_name_rule_is_quick_xml_s() {
        let quick_xml_accepts = |name: &str| {
            let mut sink = String::new();
            quick_xml::se::Serializer::with_root(&mut sink, Some(name)).is_ok()
        };
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let first = c.to_string();
            assert_eq!(
                is_xml_name(&first),
                quick_xml_accepts(&first),
                "{c:?} first"
            );
            let later = format!("a{c}");
            assert_eq!(
                is_xml_name(&later),
                quick_xml_accepts(&later),
                "{c:?} later"
            );
        }
        assert!(is_xml_name("") && quick_xml_accepts(""));
    }

    #[test]
    fn characters_xml_forbids_are_never_written() {
        for place in [Place::Text, Place::Attribute] {
            let mut out = String::new();
            escape(&mut out, "a\u{1}b\u{0}c\u{b}\u{fffe}d\tok", place);
            assert!(
                !out.chars().any(crate::check::is_forbidden_in_xml),
                "{out:?}"
            );
            assert_eq!(out.matches('\u{fffd}').count(), 4, "{out:?}");
        }
        let doc = general_error(-2, "bad value a\u{1}b", None).unwrap();
        assert!(!doc.chars().any(crate::check::is_forbidden_in_xml), "{doc}");
        assert!(doc.contains("a\u{fffd}b"), "{doc}");
        assert!(matches!(
            xml_chars("plain é"),
            std::borrow::Cow::Borrowed(_)
        ));
        // Both kinds of API error document too: the detail may echo a caller's value.
        let envelopes = [
            Envelope::ReturnWrapper {
                root: "r",
                error: "error",
                code: "code",
                detail: "detail",
            },
            Envelope::CommandResult {
                root: "xpage",
                command_path: &["command-list", "command"],
                result: "result",
                error: "error",
                code_attr: "type",
                subtype_attr: "subtype",
            },
        ];
        for envelope in envelopes {
            let doc = api_error(&api(envelope), 4, "bad a\u{1}b", Some("s\u{2}")).unwrap();
            assert!(!doc.chars().any(crate::check::is_forbidden_in_xml), "{doc}");
            assert!(doc.contains("a\u{fffd}b"), "{doc}");
        }
    }
}
