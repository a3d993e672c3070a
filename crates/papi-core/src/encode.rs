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

/// Encodes a successful answer: `value` as the element at `path` under the envelope root
/// (the inverse of [`crate::decode::response`]). For [`Envelope::CommandResult`] the command
/// element also gets its `result` child with `0`.
pub fn response<T: Serialize>(
    api: &ApiDescriptor,
    path: &[&str],
    value: &T,
) -> Result<String, EncodeError> {
    let Some(envelope) = api.envelope else {
        return Err(EncodeError::NoEnvelope { api: api.name });
    };
    let (payload_name, parents) = path.split_last().ok_or(EncodeError::EmptyPath)?;
    let (root, command): (&str, Option<(Vec<&str>, &str)>) = match envelope {
        Envelope::ReturnWrapper { root, .. } => (root, None),
        Envelope::CommandResult {
            root,
            command_path,
            result,
            ..
        } => (root, Some((command_path.to_vec(), result))),
    };
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
