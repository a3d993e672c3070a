//! Decoding of answers: error envelopes first, then the element at a path into `T`.
//!
//! The document is read once with quick-xml's [`Reader`]: the root
//! element, the elements of the envelope (`result`, `error`…), anything after the document
//! element, and — in the same pass — the element at the requested path, decoded by its
//! generated [`FromXml`] pull parser as the reader reaches it. The envelope decides what
//! the answer is (an error document wins over a decoded value); a decoding failure names
//! its XML path.

use std::borrow::Cow;
use std::convert::Infallible;
use std::ops::Range;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::api::{ApiDescriptor, Envelope};
use crate::consent::ConsentRequest;
use crate::de::{DeError, Events, FromXml, Located, TrackPath, MAX_TRACKED};
use crate::error::{ApiCode, ApiError, DecodeError, DecodeErrorKind, Error};
use crate::general::GENERAL_ENVELOPE;

/// Decodes an API answer.
///
/// 1. An empty body, a body that is not UTF-8 or not well-formed XML is a [`DecodeError`].
/// 2. A general `<error>` document is an [`Error::Api`] (with its consent request, if any).
/// 3. The root must be the envelope's root (for [`Envelope::CommandResult`], the command
///    element is accepted too), else [`DecodeErrorKind::WrongRoot`].
/// 4. An envelope error (an `error` child; a `result` other than 0) is an [`Error::Api`].
/// 5. Content after the document element is [`DecodeErrorKind::TrailingContent`].
/// 6. The element at `path` (relative to the root, e.g. `["command-list", "command"]`) is
///    decoded into `T` (the first one in document order); a failure names the XML path.
///
/// A non-2xx `status` whose body is not an error document gives
/// [`Error::UnexpectedStatus`]. Every error keeps the status and the raw body.
pub fn response<T: FromXml, S: ApiCode>(
    api: &ApiDescriptor,
    path: &[&str],
    status: u16,
    body: &[u8],
) -> Result<T, Error<S>> {
    let mut decoded = Decoded::<T>::default();
    let answer = analyse(
        api.envelope.as_ref(),
        path,
        body,
        Some(&mut |x, start, empty| decoded.run(x, start, empty)),
    );
    match answer {
        Err(kind) => Err(decode_failure(kind, status, body)),
        Ok(Answer::Failure(f)) => Err(api_failure(f, status, body)),
        Ok(Answer::Success(s)) => {
            if !is_success(status) {
                return Err(Error::UnexpectedStatus {
                    status,
                    body: lossy(body),
                });
            }
            s.finish(decoded)
                .map_err(|kind| decode_failure(kind, status, body))
        }
    }
}

/// Called with an element's start tag when the reader reaches it; it reads the element
/// to its end tag. An `Err` (only for XML that is not well-formed) stops the reading.
type Hook<'h, 'a> = dyn FnMut(&mut Events<'a>, &BytesStart<'a>, bool) -> Result<(), DeError> + 'h;

/// What the element's decoder gave, kept aside while the rest of the document is read.
struct Decoded<T>(Option<Result<T, DeError>>);

impl<T> Default for Decoded<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T: FromXml> Decoded<T> {
    fn run(
        &mut self,
        x: &mut Events<'_>,
        start: &BytesStart<'_>,
        empty: bool,
    ) -> Result<(), DeError> {
        match T::from_xml(x, start, empty) {
            // The reader cannot go on: the document is not well-formed.
            Err(e) if e.is_not_xml() => Err(e),
            // A value the type refuses: the envelope may still say it is an error answer,
            // so reading goes on (the decoder stopped inside the element; the reader
            // keeps track of the nesting whoever reads).
            other => {
                self.0 = Some(other);
                Ok(())
            }
        }
    }
}

/// Decodes a general error document (`<error><code>…`), which any API may answer, without
/// any API's envelope: always an error — [`Error::Api`] for a general error document,
/// else a [`DecodeError`] (or [`Error::UnexpectedStatus`] for a non-2xx status).
pub fn general<S: ApiCode>(status: u16, body: &[u8]) -> Result<Infallible, Error<S>> {
    Err(match analyse(None, &[], body, None) {
        Err(kind) => decode_failure(kind, status, body),
        Ok(Answer::Failure(f)) => api_failure(f, status, body),
        // Without an envelope only a general error document is recognised.
        Ok(Answer::Success(s)) => decode_failure(
            DecodeErrorKind::WrongRoot {
                expected: GENERAL_ENVELOPE.root.to_owned(),
                found: s.root.into_owned(),
            },
            status,
            body,
        ),
    })
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

fn lossy(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

/// A decode failure; with a non-2xx status the answer is rather an unexpected status.
fn decode_failure<S>(kind: DecodeErrorKind, status: u16, body: &[u8]) -> Error<S> {
    if is_success(status) {
        Error::Decode(DecodeError {
            kind,
            status: Some(status),
            body: lossy(body),
        })
    } else {
        Error::UnexpectedStatus {
            status,
            body: lossy(body),
        }
    }
}

fn api_failure<S: ApiCode>(f: Failure, status: u16, body: &[u8]) -> Error<S> {
    let consent = f.url.as_deref().and_then(|u| ConsentRequest::parse(u).ok());
    Error::Api(ApiError::new(
        status,
        f.code,
        f.detail,
        f.subtype,
        consent,
        lossy(body),
    ))
}

/// The answer of an action whose answer shape is undocumented, returned as received once it
/// is known not to be an error document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Undecoded {
    /// HTTP status.
    pub status: u16,
    /// Body (lossy UTF-8).
    pub body: String,
}

/// Checks an answer whose shape is undocumented: an error document (general, or the API's
/// envelope when known) is an [`Error::Api`]; a non-2xx status otherwise is
/// [`Error::UnexpectedStatus`]; anything else is returned as [`Undecoded`], never guessed at.
pub fn undecoded<S: ApiCode>(
    api: &ApiDescriptor,
    status: u16,
    body: &[u8],
) -> Result<Undecoded, Error<S>> {
    let lossy = || String::from_utf8_lossy(body).into_owned();
    match analyse(api.envelope.as_ref(), &[], body, None) {
        Ok(Answer::Failure(f)) => {
            let consent = f.url.as_deref().and_then(|u| ConsentRequest::parse(u).ok());
            Err(Error::Api(ApiError::new(
                status,
                f.code,
                f.detail,
                f.subtype,
                consent,
                lossy(),
            )))
        }
        // An error document that cannot be read is not a success, whatever its status.
        Err(kind) if (200..300).contains(&status) && is_error_document(api, body) => {
            Err(Error::Decode(DecodeError {
                kind,
                status: Some(status),
                body: lossy(),
            }))
        }
        _ if (200..300).contains(&status) => Ok(Undecoded {
            status,
            body: lossy(),
        }),
        _ => Err(Error::UnexpectedStatus {
            status,
            body: lossy(),
        }),
    }
}

/// The answer of an action whose shape is not documented but inferred from other evidence
/// (the spec says from what): the typed value when the answer has the inferred shape, the
/// answer as received when it has not. Neither is an error: an answer that does not match
/// an inference is not a broken answer.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum InferredAnswer<T> {
    /// The answer has the inferred shape, decoded.
    Typed(T),
    /// The answer has another shape: returned as received, as for an undocumented answer.
    Undecoded(Undecoded),
}

impl<T> InferredAnswer<T> {
    /// The typed value, when the answer had the inferred shape.
    pub fn typed(&self) -> Option<&T> {
        match self {
            Self::Typed(value) => Some(value),
            Self::Undecoded(_) => None,
        }
    }

    /// The answer as received, when it did not have the inferred shape.
    pub fn undecoded(&self) -> Option<&Undecoded> {
        match self {
            Self::Typed(_) => None,
            Self::Undecoded(raw) => Some(raw),
        }
    }
}

/// Checks an answer whose shape is inferred: first as an undocumented answer (see
/// [`undecoded`]: error documents and unexpected statuses are errors), then, when it is a
/// success, as a document rooted at `root` decoded into `T`. A success of any other shape
/// (another root, a missing element, a value of another type) is returned as received in
/// [`InferredAnswer::Undecoded`], never guessed at.
pub fn inferred<T: FromXml, S: ApiCode>(
    api: &ApiDescriptor,
    root: &str,
    status: u16,
    body: &[u8],
) -> Result<InferredAnswer<T>, Error<S>> {
    let raw = undecoded(api, status, body)?;
    Ok(match fragment::<T>(root, body) {
        Ok(value) => InferredAnswer::Typed(value),
        Err(_) => InferredAnswer::Undecoded(raw),
    })
}

/// Whether `body` is rooted at the general error element or at the API's own envelope: a
/// document of the protocol, so one that cannot be read is a decode error, not a success.
fn is_error_document(api: &ApiDescriptor, body: &[u8]) -> bool {
    let Ok(text) = body_text(body) else {
        return false;
    };
    let Ok(root) = Scanner::new(text).root() else {
        return false;
    };
    root.name == GENERAL_ENVELOPE.root
        || match api.envelope {
            Some(Envelope::ReturnWrapper { root: r, .. }) => root.name == r,
            Some(Envelope::CommandResult {
                root: r,
                command_path,
                ..
            }) => root.name == r || command_path.last().is_some_and(|c| root.name == *c),
            None => false,
        }
}

/// Decodes a standalone element rooted at `root` (a documented fragment) into `T`, with
/// the same well-formedness checks and path-naming errors as [`response`].
pub fn fragment<T: FromXml>(root: &str, body: &[u8]) -> Result<T, DecodeError> {
    let run = || -> Result<T, DecodeErrorKind> {
        let text = body_text(body)?;
        let mut scanner = Scanner::new(text);
        let found_root = scanner.root()?;
        if found_root.name != root {
            return Err(DecodeErrorKind::WrongRoot {
                expected: root.to_owned(),
                found: found_root.name.into_owned(),
            });
        }
        let mut decoded = Decoded::<T>::default();
        let found = scanner.rest(
            &found_root,
            &[TrackPath::of(&[])],
            Some(&mut |x, start, empty| decoded.run(x, start, empty)),
        )?;
        Success {
            text,
            span: found.span(0),
            root: found_root.name.clone(),
            rel: &[],
            trailing: found.trailing,
        }
        .finish(decoded)
    };
    run().map_err(|kind| DecodeError {
        kind,
        status: None,
        body: lossy(body),
    })
}

/// What the envelope said.
enum Answer<'a> {
    Failure(Failure),
    Success(Success<'a>),
}

struct Failure {
    code: i64,
    detail: String,
    subtype: Option<String>,
    url: Option<String>,
}

struct Success<'a> {
    text: &'a str,
    /// Span of the element to deserialize, if present.
    span: Option<Range<usize>>,
    /// XML path of that element: the root's name, then `rel` (built only on failure).
    root: Cow<'a, str>,
    rel: &'a [&'a str],
    /// Offset of content after the document element.
    trailing: Option<usize>,
}

impl Success<'_> {
    /// The XML path of the element (`root/p1/p2`).
    fn prefix(&self) -> String {
        xml_path(&self.root, self.rel.iter().copied())
    }

    /// The decoded value, once the whole document is known to be a success.
    fn finish<T: FromXml>(self, decoded: Decoded<T>) -> Result<T, DecodeErrorKind> {
        if let Some(position) = self.trailing {
            return Err(DecodeErrorKind::TrailingContent { position });
        }
        let Some(span) = self.span.clone() else {
            return Err(DecodeErrorKind::Missing {
                path: self.prefix(),
            });
        };
        match decoded.0 {
            Some(Ok(value)) => Ok(value),
            Some(Err(e)) => Err(e.into_kind(self.prefix(), span.start)),
            // Found but not handed to the decoder (the reader hands it the first element
            // at the path, so this is only a safety net): decoded on its own.
            None => {
                let mut x = Events::new(&self.text[span.clone()]);
                x.first_element()
                    .and_then(|(start, empty)| T::from_xml(&mut x, &start, empty))
                    .map_err(|e| e.into_kind(self.prefix(), span.start))
            }
        }
    }
}

fn body_text(body: &[u8]) -> Result<&str, DecodeErrorKind> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeErrorKind::EmptyBody);
    }
    let text = std::str::from_utf8(body).map_err(|e| DecodeErrorKind::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// `root/c1/c2…`: an XML path of an error (built only when one is reported).
fn xml_path<'c>(root: &str, comps: impl Iterator<Item = &'c str>) -> String {
    let mut p = root.to_owned();
    for c in comps {
        p.push('/');
        p.push_str(c);
    }
    p
}

/// Reads the whole answer once; `hook`, if any, is called on the element at `path`.
fn analyse<'a>(
    envelope: Option<&'a Envelope>,
    path: &'a [&'a str],
    body: &'a [u8],
    hook: Option<&mut Hook<'_, 'a>>,
) -> Result<Answer<'a>, DecodeErrorKind> {
    let text = body_text(body)?;
    let mut scanner = Scanner::new(text);
    let root = scanner.root()?;
    let doc = Doc {
        text,
        root: &root.name,
    };

    let g = GENERAL_ENVELOPE;
    if root.name == g.root {
        // The general error document; anything after it does not hide the error.
        let (code, detail, url) = (
            TrackPath::with(&[], g.code),
            TrackPath::with(&[], g.detail),
            TrackPath::with(&[], g.url),
        );
        let found = scanner.rest(&root, &[code, detail, url], None)?;
        let code = doc.code(found.at(0), code)?;
        let detail = doc.text(found.at(1), detail)?;
        let url = doc.text(found.at(2), url)?;
        return Ok(Answer::Failure(Failure {
            code,
            detail: detail.unwrap_or_default(),
            subtype: None,
            url,
        }));
    }

    let Some(envelope) = envelope else {
        return Err(DecodeErrorKind::WrongRoot {
            expected: g.root.to_owned(),
            found: root.name.into_owned(),
        });
    };
    match envelope {
        Envelope::ReturnWrapper {
            root: expected,
            error,
            code,
            detail,
        } => {
            if root.name != *expected {
                return Err(DecodeErrorKind::WrongRoot {
                    expected: (*expected).to_owned(),
                    found: root.name.into_owned(),
                });
            }
            let error_el: &'a [&'a str] = std::slice::from_ref(error);
            let (code, detail) = (
                TrackPath::with(error_el, code),
                TrackPath::with(error_el, detail),
            );
            let found = scanner.rest(
                &root,
                &[TrackPath::of(path), TrackPath::of(error_el), code, detail],
                hook,
            )?;
            if found.at(1).is_some() {
                return Ok(Answer::Failure(Failure {
                    code: doc.code(found.at(2), code)?,
                    detail: doc.text(found.at(3), detail)?.unwrap_or_default(),
                    subtype: None,
                    url: None,
                }));
            }
            Ok(Answer::Success(Success {
                text,
                span: found.span(0),
                root: root.name.clone(),
                rel: path,
                trailing: found.trailing,
            }))
        }
        Envelope::CommandResult {
            root: expected,
            command_path,
            result,
            error,
            code_attr,
            subtype_attr,
        } => {
            let command = command_path.last().copied().unwrap_or(expected);
            let (command_rel, data_rel): (&[&str], &[&str]) = if root.name == *expected {
                (command_path, path)
            } else if root.name == command {
                (&[], path.strip_prefix(*command_path).unwrap_or(path))
            } else {
                return Err(DecodeErrorKind::WrongRoot {
                    expected: (*expected).to_owned(),
                    found: root.name.into_owned(),
                });
            };
            let result_path = TrackPath::with(command_rel, result);
            let error_path = TrackPath::with(command_rel, error);
            let found = scanner.rest(
                &root,
                &[TrackPath::of(data_rel), result_path, error_path],
                hook,
            )?;
            let result_code = match found.at(1) {
                Some(_) => Some(doc.code(found.at(1), result_path)?),
                None => None,
            };
            let failed = match result_code {
                Some(code) => code != 0,
                None => found.at(2).is_some(),
            };
            if failed {
                let error_at = found.at(2);
                let detail = doc.text(error_at, error_path)?.unwrap_or_default();
                let attr = |name| match error_at {
                    Some(at) => doc.attr(&at.span, error_path, name),
                    None => Ok(None),
                };
                let subtype = attr(subtype_attr)?.filter(|s| !s.is_empty());
                // The documented code is the `type` attribute; `result` holds its negation,
                // so without a usable `type` the code is `-result`.
                let code = attr(code_attr)?
                    .and_then(|c| c.trim().parse::<i64>().ok())
                    .or(result_code.map(|r| r.checked_neg().unwrap_or(r)))
                    .unwrap_or(0);
                return Ok(Answer::Failure(Failure {
                    code,
                    detail,
                    subtype,
                    url: None,
                }));
            }
            Ok(Answer::Success(Success {
                text,
                span: found.span(0),
                root: root.name.clone(),
                rel: data_rel,
                trailing: found.trailing,
            }))
        }
    }
}

/// Helpers reading small elements of a scanned document.
struct Doc<'a, 'r> {
    text: &'a str,
    root: &'r str,
}

impl<'a> Doc<'a, '_> {
    fn path(&self, rel: TrackPath<'_>) -> String {
        xml_path(self.root, rel.comps())
    }

    /// Trimmed text content of an optional element. Content without markup, references
    /// or carriage returns (the common case: `<result>0</result>`) is taken as it lies in
    /// the document, which the reader has already checked; anything else is read again
    /// with the decoder's text reader.
    fn text_ref(
        &self,
        at: Option<&Located>,
        rel: TrackPath<'_>,
    ) -> Result<Option<Cow<'a, str>>, DecodeErrorKind> {
        let Some(at) = at else { return Ok(None) };
        if let Some(content) = at.inner.clone().and_then(|inner| self.text.get(inner)) {
            if !content.contains(['<', '&', '\r']) {
                return Ok(Some(Cow::Borrowed(content.trim())));
            }
        }
        let span = at.span.clone();
        let mut x = Events::new(self.text.get(span.clone()).unwrap_or_default());
        x.first_element()
            .and_then(|(_, empty)| x.text(empty))
            .map(|s| Some(Cow::Owned(s.trim().to_owned())))
            .map_err(|e| e.into_kind(self.path(rel), span.start))
    }

    /// Trimmed text content of an optional element, owned.
    fn text(
        &self,
        at: Option<&Located>,
        rel: TrackPath<'_>,
    ) -> Result<Option<String>, DecodeErrorKind> {
        self.text_ref(at, rel).map(|t| t.map(Cow::into_owned))
    }

    /// A required integer code.
    fn code(&self, at: Option<&Located>, rel: TrackPath<'_>) -> Result<i64, DecodeErrorKind> {
        let text = self
            .text_ref(at, rel)?
            .ok_or_else(|| DecodeErrorKind::Missing {
                path: self.path(rel),
            })?;
        text.parse().map_err(|_| DecodeErrorKind::Invalid {
            path: self.path(rel),
            message: format!("expected an integer code, found {text:?}"),
        })
    }

    /// A trimmed attribute of the element at `span`.
    fn attr(
        &self,
        span: &Range<usize>,
        rel: TrackPath<'_>,
        name: &str,
    ) -> Result<Option<String>, DecodeErrorKind> {
        let invalid = |message: String| DecodeErrorKind::Invalid {
            path: format!("{}/@{name}", self.path(rel)),
            message,
        };
        let mut reader = Reader::from_str(self.text.get(span.clone()).unwrap_or_default());
        let start = match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => e,
            Ok(_) => return Ok(None),
            Err(e) => return Err(invalid(e.to_string())),
        };
        for a in start.attributes() {
            let a = a.map_err(|e| invalid(e.to_string()))?;
            if a.key.local_name().as_ref() == name {
                let v = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| invalid(e.to_string()))?;
                return Ok(Some(v.trim().to_owned()));
            }
        }
        Ok(None)
    }
}

/// The document element.
struct Root<'a> {
    name: Cow<'a, str>,
    start: usize,
    tag: BytesStart<'a>,
    empty: bool,
}

/// What [`Scanner::rest`] found.
struct Found {
    /// For each requested path, where its first element in document order is.
    located: [Option<Located>; MAX_TRACKED],
    /// Offset of anything but whitespace, comments and PIs after the document element.
    trailing: Option<usize>,
}

impl Found {
    fn at(&self, i: usize) -> Option<&Located> {
        self.located.get(i).and_then(Option::as_ref)
    }

    fn span(&self, i: usize) -> Option<Range<usize>> {
        self.at(i).map(|l| l.span.clone())
    }
}

/// One pass of quick-xml's reader over the whole document.
struct Scanner<'a> {
    text: &'a str,
    events: Events<'a>,
}

/// The local name of `e`, borrowed from the document `text` it was read from (the
/// reader reads a `&str`, so its tags borrow from it; a copy is made otherwise).
fn local_name<'a>(text: &'a str, e: &BytesStart<'_>) -> Cow<'a, str> {
    let name = e.local_name().into_inner();
    let offset = (name.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    match text.get(offset..offset.wrapping_add(name.len())) {
        Some(s) if std::ptr::eq(s.as_ptr(), name.as_ptr()) => Cow::Borrowed(s),
        _ => Cow::Owned(name.to_owned()),
    }
}

/// A reading failure (only well-formedness can fail while reading events).
fn not_xml(e: DeError) -> DecodeErrorKind {
    e.into_kind(String::new(), 0)
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            events: Events::new(text),
        }
    }

    fn pos(&self) -> usize {
        self.events.pos()
    }

    fn not_xml(&self, message: impl Into<String>) -> DecodeErrorKind {
        DecodeErrorKind::NotXml {
            position: self.events.error_position(),
            message: message.into(),
        }
    }

    /// Reads the prolog up to the document element.
    fn root(&mut self) -> Result<Root<'a>, DecodeErrorKind> {
        loop {
            let before = self.pos();
            let not_xml_here = |message: &str| DecodeErrorKind::NotXml {
                position: before,
                message: message.to_owned(),
            };
            match self.events.raw() {
                Err(e) => return Err(self.not_xml(e.to_string())),
                Ok(Event::Start(e)) => {
                    return Ok(Root {
                        name: local_name(self.text, &e),
                        start: before,
                        tag: e,
                        empty: false,
                    })
                }
                Ok(Event::Empty(e)) => {
                    return Ok(Root {
                        name: local_name(self.text, &e),
                        start: before,
                        tag: e,
                        empty: true,
                    })
                }
                Ok(Event::DocType(d)) => {
                    if d.to_ascii_uppercase().contains("<!ENTITY") {
                        return Err(DecodeErrorKind::DoctypeRefused);
                    }
                }
                Ok(Event::Text(t)) if t.trim_ascii().is_empty() => {}
                Ok(Event::Decl(_) | Event::PI(_) | Event::Comment(_)) => {}
                Ok(Event::Eof) => return Err(not_xml_here("no root element")),
                Ok(_) => return Err(not_xml_here("content before the root element")),
            }
        }
    }

    /// Reads the document element (after [`Scanner::root`]) and what follows it,
    /// locating the first element at each of `paths` (relative to the root; an empty
    /// path is the root itself). `hook` is handed the first element at `paths[0]`, and
    /// reads it through the same reader, so the locating goes on while it reads.
    fn rest(
        &mut self,
        root: &Root<'a>,
        paths: &[TrackPath<'a>],
        mut hook: Option<&mut Hook<'_, 'a>>,
    ) -> Result<Found, DecodeErrorKind> {
        self.events.track(root.name.clone(), paths);
        let root_is_data = paths
            .first()
            .is_some_and(|p| p.prefix.is_empty() && p.last.is_none());
        let root_end = match hook.take() {
            Some(hook) if root_is_data => {
                hook(&mut self.events, &root.tag, root.empty).map_err(not_xml)?;
                if root.empty || self.events.root_closed() {
                    self.pos()
                } else {
                    // The decoder stopped early (a value it refuses): read on.
                    self.document_element(paths, None)?
                }
            }
            other => {
                hook = other;
                if root.empty {
                    self.pos()
                } else {
                    self.document_element(paths, hook)?
                }
            }
        };
        let mut located: [Option<Located>; MAX_TRACKED] = Default::default();
        for (i, (l, p)) in located.iter_mut().zip(paths).enumerate() {
            *l = if p.prefix.is_empty() && p.last.is_none() {
                // The root itself (its content is not needed: only data is there).
                Some(Located {
                    span: root.start..root_end,
                    inner: None,
                })
            } else {
                self.events.located(i).cloned()
            };
        }
        let trailing = self.trailing();
        Ok(Found { located, trailing })
    }

    /// Reads the content of the document element up to its end tag; its end offset.
    fn document_element(
        &mut self,
        paths: &[TrackPath<'a>],
        mut hook: Option<&mut Hook<'_, 'a>>,
    ) -> Result<usize, DecodeErrorKind> {
        let data_len = paths.first().map_or(0, |p| p.len());
        loop {
            let before = self.pos();
            let depth = self.events.depth();
            match self.events.next_event().map_err(not_xml)? {
                Event::End(_) if depth == 0 => return Ok(self.pos()),
                Event::Start(e) => {
                    if let Some(h) = hook.as_mut() {
                        if self.events.depth() == data_len && self.events.entered(0) {
                            h(&mut self.events, &e, false).map_err(not_xml)?;
                            hook = None;
                        }
                    }
                }
                Event::Empty(e) => {
                    if let Some(h) = hook.as_mut() {
                        if self
                            .events
                            .located(0)
                            .is_some_and(|l| l.span.start == before)
                        {
                            h(&mut self.events, &e, true).map_err(not_xml)?;
                            hook = None;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Offset of the first thing after the document element other than whitespace,
    /// comments and processing instructions (a second document, junk, broken markup).
    fn trailing(&mut self) -> Option<usize> {
        loop {
            let before = self.pos();
            match self.events.raw() {
                Ok(Event::Eof) => return None,
                Ok(Event::Text(t)) if t.trim_ascii().is_empty() => {}
                Ok(Event::Comment(_) | Event::PI(_)) => {}
                _ => return Some(before),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiErrorKind;
    use crate::general::GeneralError;

    static CONTACTS: ApiDescriptor = ApiDescriptor {
        name: "Test Contacts",
        path: "/PersonalContacts/V1",
        production: None,
        integration: None,
        envelope: Some(Envelope::CommandResult {
            root: "xpage",
            command_path: &["command-list", "command"],
            result: "result",
            error: "error",
            code_attr: "type",
            subtype_attr: "subtype",
        }),
    };

    static MESSAGES: ApiDescriptor = ApiDescriptor {
        name: "Test Messages",
        path: "/PersonalMessages/V1",
        production: None,
        integration: None,
        envelope: Some(Envelope::ReturnWrapper {
            root: "getPersonalMessagesReturn",
            error: "error",
            code: "code",
            detail: "detail",
        }),
    };

    const COMMAND: &[&str] = &["command-list", "command"];

    // The shapes of these tests, with pull parsers written as the generator writes them.
    use crate::de::{self as de, Seg};

    #[derive(Debug, PartialEq)]
    struct Added {
        request: String,
        id: String,
    }

    impl FromXml for Added {
        fn from_xml(
            x: &mut Events<'_>,
            start: &BytesStart<'_>,
            empty: bool,
        ) -> Result<Self, DeError> {
            let (mut request, mut id) = (None, None);
            let mut attrs = de::Attrs::new(start);
            while let Some((name, value)) = attrs.next()? {
                if name == "request" {
                    de::set(&mut request, "@request", Seg::Attr("request"), || {
                        Ok(String::from(value))
                    })?;
                }
            }
            if !empty {
                while let Some((child, child_empty)) = x.child()? {
                    match child.local_name().as_ref() {
                        "id" => de::set(&mut id, "id", Seg::Child("id"), || x.text(child_empty))?,
                        _ => x.skip(child_empty)?,
                    }
                }
            }
            Ok(Self {
                request: de::required(request, Seg::Attr("request"))?,
                id: de::required(id, Seg::Child("id"))?,
            })
        }
    }

    #[derive(Debug)]
    struct Found {
        list: DataList,
    }

    impl FromXml for Found {
        fn from_xml(x: &mut Events<'_>, _: &BytesStart<'_>, empty: bool) -> Result<Self, DeError> {
            let mut list = None;
            if !empty {
                while let Some((child, child_empty)) = x.child()? {
                    match child.local_name().as_ref() {
                        "data-list" => {
                            de::set(&mut list, "data-list", Seg::Child("data-list"), || {
                                DataList::from_xml(x, &child, child_empty)
                            })?
                        }
                        _ => x.skip(child_empty)?,
                    }
                }
            }
            Ok(Self {
                list: de::required(list, Seg::Child("data-list"))?,
            })
        }
    }

    #[derive(Debug)]
    struct DataList {
        data: Vec<Data>,
    }

    impl FromXml for DataList {
        fn from_xml(x: &mut Events<'_>, _: &BytesStart<'_>, empty: bool) -> Result<Self, DeError> {
            let mut data = Vec::new();
            if !empty {
                while let Some((child, child_empty)) = x.child()? {
                    match child.local_name().as_ref() {
                        "data" => {
                            de::push(&mut data, "data", || Data::from_xml(x, &child, child_empty))?
                        }
                        _ => x.skip(child_empty)?,
                    }
                }
            }
            Ok(Self { data })
        }
    }

    #[derive(Debug)]
    struct Data {
        id: u32,
        firstname: Option<String>,
    }

    impl FromXml for Data {
        fn from_xml(
            x: &mut Events<'_>,
            start: &BytesStart<'_>,
            empty: bool,
        ) -> Result<Self, DeError> {
            let (mut id, mut firstname) = (None, None);
            let mut attrs = de::Attrs::new(start);
            while let Some((name, value)) = attrs.next()? {
                if name == "id" {
                    de::set(&mut id, "@id", Seg::Attr("id"), || de::parse::<u32>(&value))?;
                }
            }
            if !empty {
                while let Some((child, child_empty)) = x.child()? {
                    match child.local_name().as_ref() {
                        "firstname" => {
                            de::set(&mut firstname, "firstname", Seg::Child("firstname"), || {
                                x.text(child_empty)
                            })?
                        }
                        _ => x.skip(child_empty)?,
                    }
                }
            }
            Ok(Self {
                id: de::required(id, Seg::Attr("id"))?,
                firstname,
            })
        }
    }

    #[derive(Debug)]
    struct Messages {
        count: u32,
    }

    impl FromXml for Messages {
        fn from_xml(x: &mut Events<'_>, _: &BytesStart<'_>, empty: bool) -> Result<Self, DeError> {
            let mut count = None;
            if !empty {
                while let Some((child, child_empty)) = x.child()? {
                    match child.local_name().as_ref() {
                        "count" => de::set(&mut count, "count", Seg::Child("count"), || {
                            x.text(child_empty).and_then(|t| de::parse::<u32>(&t))
                        })?,
                        _ => x.skip(child_empty)?,
                    }
                }
            }
            Ok(Self {
                count: de::required(count, Seg::Child("count"))?,
            })
        }
    }

    fn contacts<T: FromXml>(status: u16, body: &str) -> Result<T, Error<i64>> {
        response::<T, i64>(&CONTACTS, COMMAND, status, body.as_bytes())
    }

    fn decode_kind<T: std::fmt::Debug>(r: Result<T, Error<i64>>) -> DecodeErrorKind {
        match r {
            Err(Error::Decode(e)) => e.kind,
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    const ADDED: &str = r#"<xpage version="1.0"><command-list><command request="g10" action="x"><result>0</result><id>c6</id></command></command-list></xpage>"#;

    #[test]
    fn contacts_success() {
        let added: Added = contacts(200, ADDED).unwrap();
        assert_eq!(
            added,
            Added {
                request: "g10".into(),
                id: "c6".into()
            }
        );
        // With a prolog, whitespace, a BOM and a trailing comment.
        let body = format!(
            "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n  {ADDED}\n<!-- end -->\n"
        );
        let added: Added = contacts(200, &body).unwrap();
        assert_eq!(added.id, "c6");
    }

    #[test]
    fn command_error_rooted_at_command() {
        let body = r#"<command request="" action="action">
     <result>-2</result>
     <error subtype="s" type="2">msg</error>
</command>"#;
        let err = contacts::<Added>(200, body).unwrap_err();
        let Error::Api(e) = err else {
            panic!("{err:?}")
        };
        assert_eq!(e.code, 2);
        assert_eq!(e.kind, ApiErrorKind::Specific(2));
        assert_eq!(e.detail, "msg");
        assert_eq!(e.subtype.as_deref(), Some("s"));
        assert_eq!(e.status, 200);
        assert_eq!(e.body, body);
        assert!(e.consent.is_none());
    }

    #[test]
    fn command_error_under_xpage_and_code_from_result() {
        let body = r#"<xpage><command-list><command><result>-1</result><error>bad token</error></command></command-list></xpage>"#;
        let Err(Error::Api(e)) = contacts::<Added>(200, body) else {
            panic!()
        };
        // No `type` attribute: `result` holds the negated code (the documents print
        // `<result>-yyy</result>` beside `type="yyy"`), so the code is 1, an API code, not
        // the general -1.
        assert_eq!(e.code, 1);
        assert!(matches!(e.kind, ApiErrorKind::Specific(1)), "{:?}", e.kind);
        assert_eq!(e.detail, "bad token");
    }

    #[test]
    fn return_wrapper_error_103() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
  <getPersonalMessagesReturn>
      <error>
          <code>103</code>
          <detail>Error encountered. Please contact api support team with the error code number</detail>
      </error>
  </getPersonalMessagesReturn>"#;
        let err =
            response::<Messages, i64>(&MESSAGES, &["Data"], 200, body.as_bytes()).unwrap_err();
        let Error::Api(e) = err else {
            panic!("{err:?}")
        };
        assert_eq!(e.code, 103);
        assert_eq!(e.kind, ApiErrorKind::Specific(103));
        assert!(e.detail.starts_with("Error encountered."));
        assert!(!e.is_retryable());
        // Success through the same envelope.
        let ok =
            "<getPersonalMessagesReturn><Data><count>4</count></Data></getPersonalMessagesReturn>";
        let m: Messages = response::<_, i64>(&MESSAGES, &["Data"], 200, ok.as_bytes()).unwrap();
        assert_eq!(m.count, 4);
    }

    #[test]
    fn general_privacy_error_with_status_500() {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error>\n     <code>-3</code>\n     <detail>PrivacyAccessDeniedException</detail>\n     <url>http://mdsp.orange.fr/privacy/interaction.do?\n     family=photos&amp;serviceId=myDemoSP&amp;attributes=,see</url>\n</error>";
        let err = contacts::<Added>(500, body).unwrap_err();
        assert!(err.is_privacy_denied());
        assert!(!err.is_retryable());
        assert_eq!(err.status(), Some(500));
        let consent = err.consent().expect("consent");
        assert_eq!(consent.family(), Some("photos"));
        assert_eq!(consent.service_id(), Some("myDemoSP"));
        assert_eq!(consent.attributes(), ["see"]);
        let Error::Api(e) = err else { unreachable!() };
        assert_eq!(
            e.kind,
            ApiErrorKind::General(GeneralError::PrivacyAccessDenied)
        );
        assert_eq!(e.detail, "PrivacyAccessDeniedException");
        assert_eq!(e.body, body);
        // The same document through a ReturnWrapper API.
        let err =
            response::<Messages, i64>(&MESSAGES, &["Data"], 500, body.as_bytes()).unwrap_err();
        assert!(err.is_privacy_denied());
    }

    #[test]
    fn general_error_without_usable_url_and_retryable_code() {
        let body = "<error><code>-3</code><detail>PrivacyAccessDeniedException</detail><url> [privacy_redirection_url] </url></error>";
        let err = contacts::<Added>(200, body).unwrap_err();
        assert!(err.is_privacy_denied());
        assert!(err.consent().is_none());
        let err = contacts::<Added>(
            500,
            "<error><code>-9</code><detail>Routing error</detail></error>",
        )
        .unwrap_err();
        assert!(err.is_retryable());
        assert_eq!(
            err.to_string(),
            format!(
                "API error -9 Routing error [HTTP 500] — {}",
                GeneralError::Routing.advice()
            )
        );
    }

    #[test]
    fn general_documents_without_an_api() {
        let body = b"<error><code>-8</code><detail>Invalid Username/Password or Not authorized</detail></error>";
        let Err(Error::Api(e)) = general::<i64>(401, body) else {
            panic!()
        };
        assert_eq!(
            e.kind,
            ApiErrorKind::General(GeneralError::InvalidCredentials)
        );
        assert_eq!(e.status, 401);
        let Err(Error::Decode(e)) = general::<i64>(200, ADDED.as_bytes()) else {
            panic!()
        };
        assert_eq!(
            e.kind,
            DecodeErrorKind::WrongRoot {
                expected: "error".into(),
                found: "xpage".into()
            }
        );
        let err = general::<i64>(200, b"<error><detail>no code</detail></error>").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot decode the answer: missing required `error/code` [HTTP 200]"
        );
    }

    #[test]
    fn wrong_root() {
        let kind = decode_kind(contacts::<Added>(
            200,
            "<html><body>Bad gateway</body></html>",
        ));
        assert_eq!(
            kind,
            DecodeErrorKind::WrongRoot {
                expected: "xpage".into(),
                found: "html".into()
            }
        );
        // The same page with a non-2xx status is an unexpected status, body kept.
        match contacts::<Added>(502, "<html>Bad gateway</html>") {
            Err(Error::UnexpectedStatus { status: 502, body }) => {
                assert!(body.contains("Bad gateway"))
            }
            other => panic!("{other:?}"),
        }
        // A success document with a non-2xx status is not trusted either.
        assert!(matches!(
            contacts::<Added>(500, ADDED),
            Err(Error::UnexpectedStatus { status: 500, .. })
        ));
    }

    #[test]
    fn empty_body() {
        assert_eq!(
            decode_kind(contacts::<Added>(200, "")),
            DecodeErrorKind::EmptyBody
        );
        assert_eq!(
            decode_kind(contacts::<Added>(200, " \n")),
            DecodeErrorKind::EmptyBody
        );
        let Err(Error::Decode(e)) = contacts::<Added>(200, "") else {
            panic!()
        };
        assert_eq!(e.status, Some(200));
        assert!(matches!(
            contacts::<Added>(503, ""),
            Err(Error::UnexpectedStatus { status: 503, .. })
        ));
    }

    #[test]
    fn trailing_duplicated_document() {
        let body = format!("<?xml version=\"1.0\"?>{ADDED}\n<?xml version=\"1.0\"?>{ADDED}");
        assert!(matches!(
            decode_kind(contacts::<Added>(200, &body)),
            DecodeErrorKind::TrailingContent { .. }
        ));
        let body = format!("{ADDED}{ADDED}");
        assert_eq!(
            decode_kind(contacts::<Added>(200, &body)),
            DecodeErrorKind::TrailingContent {
                position: ADDED.len()
            }
        );
        assert!(matches!(
            decode_kind(contacts::<Added>(200, &format!("{ADDED} junk"))),
            DecodeErrorKind::TrailingContent { .. }
        ));
        // An error document stays an API error even when followed by junk.
        let err = contacts::<Added>(
            500,
            "<error><code>-1</code><detail>x</detail></error><error/>",
        );
        assert!(matches!(err, Err(Error::Api(_))));
    }

    #[test]
    fn missing_required_field_names_the_path() {
        let body = r#"<xpage version="1.0"><command-list><command request="g10"><result>0</result></command></command-list></xpage>"#;
        let Err(Error::Decode(e)) = contacts::<Added>(200, body) else {
            panic!()
        };
        assert_eq!(
            e.kind,
            DecodeErrorKind::Missing {
                path: "xpage/command-list/command/id".into()
            }
        );
        assert_eq!(e.path(), Some("xpage/command-list/command/id"));
        assert_eq!(
            e.to_string(),
            "missing required `xpage/command-list/command/id` [HTTP 200]"
        );
        // A missing attribute.
        let body = r#"<xpage><command-list><command><result>0</result><id>c6</id></command></command-list></xpage>"#;
        let Err(Error::Decode(e)) = contacts::<Added>(200, body) else {
            panic!()
        };
        assert_eq!(e.path(), Some("xpage/command-list/command/@request"));
        // The element at the path itself.
        let kind = decode_kind(contacts::<Added>(200, "<xpage><command-list/></xpage>"));
        assert_eq!(
            kind,
            DecodeErrorKind::Missing {
                path: "xpage/command-list/command".into()
            }
        );
    }

    #[test]
    fn envelope_result_read_in_place_or_again_alike() {
        let answer = |result: &str| {
            format!(
                "<xpage><command-list><command request=\"g\">{result}<id>c6</id></command></command-list></xpage>"
            )
        };
        // Taken from the document in place, or read again with the text reader (markup,
        // references, CDATA, carriage returns): the same code either way.
        for ok in [
            "<result>0</result>",
            "<result> 0 </result>",
            "<result>\r\n0\r\n</result>",
            "<result><!-- c -->0</result>",
            "<result>&#48;</result>",
            "<result><![CDATA[0]]></result>",
        ] {
            let added: Added = contacts(200, &answer(ok)).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(added.id, "c6");
        }
        for (failed, code) in [
            ("<result>-2</result>", 2),
            ("<result>&#45;2</result>", 2),
            ("<result> <![CDATA[-3]]> </result>", 3),
        ] {
            let Err(Error::Api(e)) = contacts::<Added>(200, &answer(failed)) else {
                panic!("{failed}")
            };
            assert_eq!(e.code, code, "{failed}");
        }
        let path = "xpage/command-list/command/result";
        for (bad, message) in [
            ("<result/>", "expected an integer code, found \"\""),
            (
                "<result>zero</result>",
                "expected an integer code, found \"zero\"",
            ),
            ("<result>0<x/></result>", "mixed content"),
        ] {
            let kind = decode_kind(contacts::<Added>(200, &answer(bad)));
            let DecodeErrorKind::Invalid {
                path: p,
                message: m,
            } = &kind
            else {
                panic!("{bad}: {kind:?}")
            };
            assert_eq!(p, path, "{bad}");
            assert!(m.contains(message), "{bad}: {m}");
        }
    }

    #[test]
    fn invalid_value_names_the_path_with_index() {
        let body = r#"<xpage><command-list><command><data-list>
            <data id="1"><firstname>Orange</firstname></data>
            <data id="two"/>
        </data-list><result>0</result></command></command-list></xpage>"#;
        let kind = decode_kind(contacts::<Found>(200, body));
        let DecodeErrorKind::Invalid { path, message } = kind else {
            panic!("{kind:?}")
        };
        assert_eq!(path, "xpage/command-list/command/data-list/data[1]/@id");
        assert!(message.contains("expected u32"), "{message}");
        let ok = body.replace("two", "2");
        let found: Found = contacts(200, &ok).unwrap();
        assert_eq!(found.list.data.len(), 2);
        assert_eq!(found.list.data[0].firstname.as_deref(), Some("Orange"));
        assert_eq!(found.list.data[1].id, 2);
    }

    #[test]
    fn doctype_entity_bomb_is_refused() {
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<xpage><command-list><command><result>0</result><id>&lol3;</id></command></command-list></xpage>"#;
        assert_eq!(
            decode_kind(contacts::<Added>(200, bomb)),
            DecodeErrorKind::DoctypeRefused
        );
        let err = fragment::<Data>("lolz", bomb.as_bytes()).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::DoctypeRefused);
    }

    #[test]
    fn malformed_documents_are_decode_errors() {
        let cases = [
            "<xpage><command-list><command><result>0</result><id>&nbsp;</id></command></command-list></xpage>",
            "<xpage><command-list><command><result>0</result><id>a & b</id></command></command-list></xpage>",
            // The verbatim findcontactlist sample lacks </command-list>.
            "<xpage><command-list><command><result>0</result></command></xpage>",
            "<xpage><command-list>",
            "not xml at all",
            "</xpage>",
            "<xpage attr=\"unterminated></xpage>",
        ];
        for body in cases {
            let kind = decode_kind(contacts::<Added>(200, body));
            assert!(
                matches!(kind, DecodeErrorKind::NotXml { .. }),
                "{body}: {kind:?}"
            );
        }
        assert_eq!(
            decode_kind(contacts::<Added>(200, "\u{0}\u{ff}")),
            decode_kind(contacts::<Added>(200, "\u{0}\u{ff}"))
        );
        let bad_utf8: &[u8] = b"<xpage>\xff</xpage>";
        assert!(matches!(
            response::<Added, i64>(&CONTACTS, COMMAND, 200, bad_utf8),
            Err(Error::Decode(DecodeError {
                kind: DecodeErrorKind::NotUtf8 { valid_up_to: 7 },
                ..
            }))
        ));
    }

    #[test]
    fn no_panic_on_any_prefix() {
        let body = "<?xml version=\"1.0\"?><xpage><command-list><command request=\"a&amp;b\"><data-list><data id=\"1\"><firstname>O&#233;</firstname></data></data-list><result>0</result></command></command-list></xpage>";
        for end in 0..=body.len() {
            if body.is_char_boundary(end) {
                let _ = contacts::<Found>(200, &body[..end]);
                let _ = contacts::<Found>(500, &body[..end]);
                let _ = fragment::<Found>("xpage", &body.as_bytes()[..end]);
            }
        }
        let deep = "<a>".repeat(100_000);
        assert!(matches!(
            decode_kind(contacts::<Added>(200, &format!("<xpage>{deep}"))),
            DecodeErrorKind::NotXml { .. }
        ));
    }

    #[test]
    fn fragments() {
        let x = r#"<data view="deep" id="7"><firstname>Hello</firstname></data>"#;
        let d: Data = fragment("data", x.as_bytes()).unwrap();
        assert_eq!(d.id, 7);
        let e = fragment::<Data>("data", b"<data id=\"x\"/>").unwrap_err();
        assert_eq!(e.path(), Some("data/@id"));
        assert_eq!(e.status, None);
        let e = fragment::<Data>("contact", x.as_bytes()).unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::WrongRoot { .. }));
    }
}
