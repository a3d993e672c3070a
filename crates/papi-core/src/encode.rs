//! Encoding of answers: the inverse of [`crate::decode`], used by servers that speak the
//! protocol (the sandbox) and by round-trip tests. The payload is serialized with
//! quick-xml's serde serializer and placed in the API's envelope; every wire name comes from
//! the descriptors, as for decoding.

use std::io::Cursor;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use serde::Serialize;

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

fn text_element(w: &mut Out, name: &str, text: &str) -> Result<(), EncodeError> {
    start(w, name)?;
    w.write_event(Event::Text(BytesText::new(text)))
        .map_err(ser_err)?;
    end(w, name)
}

/// The XML declaration every document starts with (what [`new_writer`] writes).
const DECL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// Encodes a successful answer: `value` as the element at `path` under the envelope root
/// (the inverse of [`crate::decode::response`]). For [`Envelope::CommandResult`] the command
/// element also gets its `result` child with `0`, as its last child.
pub fn response<T: Serialize>(
    api: &ApiDescriptor,
    path: &[&str],
    value: &T,
) -> Result<String, EncodeError> {
    response_serde(api, path, value)
}

/// [`response`] through quick-xml's serde serializer: the reference that the equivalence
/// tests compare the generated writers with, byte for byte. Not for servers.
///
/// Written in one pass: the envelope is written around the serializer's output, and the
/// `result` child goes in as the command element is closed. Only when the command element
/// lies inside the payload (no API's spec does that) is the payload read back to find it.
#[doc(hidden)]
pub fn response_serde<T: Serialize>(
    api: &ApiDescriptor,
    path: &[&str],
    value: &T,
) -> Result<String, EncodeError> {
    let Some(envelope) = api.envelope else {
        return Err(EncodeError::NoEnvelope { api: api.name });
    };
    let (payload_name, parents) = path.split_last().ok_or(EncodeError::EmptyPath)?;
    let (root, command): (&str, Option<(&[&str], &str)>) = match envelope {
        Envelope::ReturnWrapper { root, .. } => (root, None),
        Envelope::CommandResult {
            root,
            command_path,
            result,
            ..
        } => (root, Some((command_path, result))),
    };
    // How many elements below the root are open when the command element closes: the
    // command path must be a prefix of `path` (then the result is written as that level
    // closes), or lie deeper inside the payload (then it is found by reading the payload).
    let result_level = match command {
        None => None,
        Some(([], _)) => None,
        Some((command_path, _)) if command_path.len() > path.len() => {
            if command_path[..path.len()] == *path {
                return response_reread(root, command, payload_name, parents, value);
            }
            None
        }
        Some((command_path, _)) => {
            (path[..command_path.len()] == *command_path).then_some(command_path.len())
        }
    };
    let result = command.map_or("", |(_, result)| result);

    let mut out = String::with_capacity(512);
    out.push_str(DECL);
    push_start(&mut out, root);
    for p in parents {
        push_start(&mut out, p);
    }
    let payload_start = out.len();
    {
        let mut ser =
            quick_xml::se::Serializer::with_root(&mut out, Some(payload_name)).map_err(ser_err)?;
        // As the read-back writer did: `<a></a>`, never `<a/>`.
        ser.expand_empty_elements(true);
        value.serialize(ser).map_err(ser_err)?;
    }
    if result_level == Some(path.len()) {
        // The payload is the command element: its result goes in before its end tag. A
        // payload of several elements (a sequence) gets it in each, as when read back.
        let end_tag = format!("</{payload_name}>");
        let sequence = format!("{end_tag}<{payload_name}");
        let payload = &out[payload_start..];
        if !payload.ends_with(&end_tag) || payload.contains(&sequence) {
            return response_reread(root, command, payload_name, parents, value);
        }
        out.truncate(out.len() - end_tag.len());
        push_text_element(&mut out, result, "0");
        out.push_str(&end_tag);
    }
    for level in (1..=parents.len()).rev() {
        if result_level == Some(level) {
            push_text_element(&mut out, result, "0");
        }
        push_end(&mut out, parents[level - 1]);
    }
    push_end(&mut out, root);
    Ok(out)
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

/// [`response`] by serializing the payload, then reading it back to write it inside the
/// envelope, giving the command element its `result` wherever it is.
fn response_reread<T: Serialize>(
    root: &str,
    command: Option<(&[&str], &str)>,
    payload_name: &str,
    parents: &[&str],
    value: &T,
) -> Result<String, EncodeError> {
    let payload = quick_xml::se::to_string_with_root(payload_name, value).map_err(ser_err)?;

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
    let mut reader = Reader::from_str(&payload);
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
            e.push_attribute((subtype_attr, subtype.unwrap_or("")));
            e.push_attribute((code_attr, code_text.as_str()));
            w.write_event(Event::Start(e)).map_err(ser_err)?;
            w.write_event(Event::Text(BytesText::new(detail)))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Device {
        #[serde(rename = "@type")]
        kind: &'static str,
        value: &'static str,
    }

    #[derive(Serialize)]
    struct Devices {
        device: Vec<Device>,
    }

    #[derive(Serialize)]
    struct Payload {
        #[serde(rename = "@view")]
        view: Option<&'static str>,
        id: &'static str,
        name: Option<&'static str>,
        nickname: Option<&'static str>,
        empty: &'static str,
        devices: Option<Devices>,
        nothing: (),
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
            nothing: (),
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
    fn same_as_reread<T: Serialize>(api: &ApiDescriptor, path: &[&str], value: &T) -> String {
        let (root, command) = match api.envelope {
            Some(Envelope::CommandResult {
                root,
                command_path,
                result,
                ..
            }) => (root, Some((command_path, result))),
            Some(Envelope::ReturnWrapper { root, .. }) => (root, None),
            None => unreachable!("the tests' descriptors have an envelope"),
        };
        let (payload_name, parents) = path.split_last().unwrap();
        let one_pass = response(api, path, value).unwrap();
        let reread = response_reread(root, command, payload_name, parents, value).unwrap();
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
        assert!(xml.starts_with(DECL));
        assert!(xml.ends_with("<result>0</result></command></command-list></xpage>"));
        assert!(xml.contains("<empty></empty>"), "{xml}");
        assert!(xml.contains("1 &lt; 2 &amp;"), "{xml}");
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
        let xml = same_as_reread(&command(&["list", "item"]), &["list", "item"], &vec![1, 2]);
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
}
