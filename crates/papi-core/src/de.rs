//! Pull decoding of XML elements into the generated types.
//!
//! Every generated response type implements [`FromXml`]: a loop over quick-xml [`Reader`]
//! events (through [`Events`]) that reads the attributes and child elements it knows, skips
//! the others and fills the struct; nothing goes through serde. The helpers here hold what
//! every generated decoder shares: text reading (character data, CDATA, references),
//! unknown-element skipping, the nesting depth cap, value parsing and the XML path of errors
//! ([`DeError`], built only when something fails).
//!
//! The semantics are those of the serde deserializer they replace (quick-xml's): text is
//! kept as written (not trimmed; references resolved, line ends normalised), an element
//! met twice for a single field is an error, an element inside a text value is an error,
//! optional numbers, booleans and dates treat an empty or blank value as absent, unknown
//! attributes and elements are ignored.

use std::borrow::Cow;
use std::fmt::{Display, Write as _};
use std::str::FromStr;

pub use quick_xml::events::BytesStart;
use quick_xml::events::{BytesRef, Event};
use quick_xml::{Reader, XmlVersion};

use crate::error::DecodeErrorKind;
use crate::value::Base64Binary;

/// Deepest element nesting accepted, counted from the document element (the decoders
/// recurse once per known element, so this bounds their stack).
pub const MAX_DEPTH: usize = 256;

/// A type decoded from an XML element (implemented by the generated response types).
pub trait FromXml: Sized {
    /// Decodes the element whose start tag `start` was just read from `x` (`empty` for
    /// `<x/>`), reading its content up to and including its end tag.
    fn from_xml(x: &mut Events<'_>, start: &BytesStart<'_>, empty: bool) -> Result<Self, DeError>;
}

/// The element's text, as written.
impl FromXml for String {
    fn from_xml(x: &mut Events<'_>, _: &BytesStart<'_>, empty: bool) -> Result<Self, DeError> {
        x.text(empty)
    }
}

/// One step of the XML path of an error, innermost first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A child element (`/name`).
    Child(&'static str),
    /// An attribute (`/@name`).
    Attr(&'static str),
    /// The position in a repeated element (`[i]`).
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DeKind {
    Missing,
    Invalid(String),
    NotXml { position: usize, message: String },
}

/// A decoding failure inside an element, with its path below that element.
///
/// Boxed: every `Result` of the decoders carries it, and failures are rare, so the
/// success path moves one pointer instead of the whole error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError(Box<DeInner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct DeInner {
    kind: DeKind,
    /// Innermost first.
    path: Vec<Seg>,
}

impl DeError {
    fn new(kind: DeKind, path: Vec<Seg>) -> Self {
        Self(Box::new(DeInner { kind, path }))
    }

    /// A required item is absent.
    #[cold]
    pub fn missing(seg: Seg) -> Self {
        Self::new(DeKind::Missing, vec![seg])
    }

    /// A value is not acceptable.
    #[cold]
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(DeKind::Invalid(message.into()), Vec::new())
    }

    /// An element or text given twice for a single field.
    pub fn duplicate(name: &str) -> Self {
        Self::invalid(format!("duplicate field `{name}`"))
    }

    #[cold]
    fn not_xml(position: usize, message: impl Into<String>) -> Self {
        Self::new(
            DeKind::NotXml {
                position,
                message: message.into(),
            },
            Vec::new(),
        )
    }

    /// Whether the XML itself is not well-formed (the reader cannot go on).
    pub fn is_not_xml(&self) -> bool {
        matches!(self.0.kind, DeKind::NotXml { .. })
    }

    /// The same error, one level further out.
    #[cold]
    pub fn at(mut self, seg: Seg) -> Self {
        self.0.path.push(seg);
        self
    }

    /// The error as a [`DecodeErrorKind`], its path under `prefix` (the XML path of the
    /// decoded element); `offset` is the element's byte offset in the body.
    pub fn into_kind(self, prefix: String, offset: usize) -> DecodeErrorKind {
        let DeInner { kind, path: segs } = *self.0;
        let mut path = prefix;
        for seg in segs.iter().rev() {
            let _ = match seg {
                Seg::Child(n) => write!(path, "/{n}"),
                Seg::Attr(n) => write!(path, "/@{n}"),
                Seg::Index(i) => write!(path, "[{i}]"),
            };
        }
        match kind {
            DeKind::Missing => DecodeErrorKind::Missing { path },
            DeKind::Invalid(message) => DecodeErrorKind::Invalid { path, message },
            DeKind::NotXml { position, message } => DecodeErrorKind::NotXml {
                position: position.saturating_add(offset),
                message,
            },
        }
    }
}

/// Most paths [`Events::track`] follows at once (an envelope has at most four).
pub(crate) const MAX_TRACKED: usize = 4;

/// A path tracked while reading, relative to the document element: `prefix`, then
/// `last` if any (so that an envelope's `command/result` needs no allocated path).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TrackPath<'a> {
    pub(crate) prefix: &'a [&'a str],
    pub(crate) last: Option<&'a str>,
}

impl<'a> TrackPath<'a> {
    /// The path `prefix`.
    pub(crate) fn of(prefix: &'a [&'a str]) -> Self {
        Self { prefix, last: None }
    }

    /// The path `prefix/last`.
    pub(crate) fn with(prefix: &'a [&'a str], last: &'a str) -> Self {
        Self {
            prefix,
            last: Some(last),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.prefix.len() + usize::from(self.last.is_some())
    }

    /// Component `i` (0-based).
    fn comp(&self, i: usize) -> Option<&'a str> {
        match self.prefix.get(i) {
            Some(c) => Some(c),
            None if i == self.prefix.len() => self.last,
            None => None,
        }
    }

    /// The components, in order.
    pub(crate) fn comps(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.prefix.iter().copied().chain(self.last)
    }
}

/// Where the first element at a tracked path is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Located {
    /// The whole element, start tag to end tag.
    pub(crate) span: std::ops::Range<usize>,
    /// Its content, between the tags (empty for `<x/>`), when known.
    pub(crate) inner: Option<std::ops::Range<usize>>,
}

/// One path being tracked while reading (see [`Events::track`]).
#[derive(Debug, Clone, Default)]
struct Tracked<'a> {
    path: TrackPath<'a>,
    len: usize,
    /// How many leading components the open elements match.
    matched: usize,
    /// Start of the element's start tag, and of its content.
    start: usize,
    inner_start: usize,
    found: Option<Located>,
}

/// quick-xml's reader over a document (or one element of it), with the checks of the
/// decoder: well-formedness, references (character references and the five predefined
/// entities only), no declaration inside the document element, the depth cap. It can
/// also record where the first element at some paths is (the envelope's `result`,
/// `error`…), whoever reads the events.
pub struct Events<'a> {
    reader: Reader<&'a [u8]>,
    /// Open elements below the document element.
    depth: usize,
    root: Cow<'a, str>,
    root_closed: bool,
    /// The tracked paths: `tracked[..n_tracked]` (a fixed array: this is set up for
    /// every answer, small ones included, and allocates nothing).
    tracked: [Tracked<'a>; MAX_TRACKED],
    n_tracked: usize,
    /// The longest tracked path: deeper elements need no tracking.
    max_len: usize,
    /// The value of the last reference read (each is resolved once, when read).
    last_ref: Resolved,
}

impl<'a> Events<'a> {
    /// Reads `text` (a whole document, or one element).
    pub fn new(text: &'a str) -> Self {
        Self {
            reader: Reader::from_str(text),
            depth: 0,
            root: Cow::Borrowed(""),
            root_closed: false,
            tracked: Default::default(),
            n_tracked: 0,
            max_len: 0,
            last_ref: Resolved::Str(""),
        }
    }

    /// Byte offset of the reader.
    pub(crate) fn pos(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    #[cold]
    #[inline(never)]
    fn reader_error(&self, e: impl Display) -> DeError {
        DeError::not_xml(
            usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX),
            e.to_string(),
        )
    }

    /// Records, from now on, where the first element at each of `paths` is (relative
    /// to the document element `root`, which must have been read). At most
    /// [`MAX_TRACKED`] paths are followed; further ones are ignored.
    pub(crate) fn track(&mut self, root: Cow<'a, str>, paths: &[TrackPath<'a>]) {
        self.root = root;
        self.n_tracked = paths.len().min(MAX_TRACKED);
        self.max_len = 0;
        for (t, p) in self.tracked.iter_mut().zip(paths) {
            let len = p.len();
            self.max_len = self.max_len.max(len);
            *t = Tracked {
                path: *p,
                len,
                ..Tracked::default()
            };
        }
    }

    /// Where the first element at tracked path `i` is, once found.
    pub(crate) fn located(&self, i: usize) -> Option<&Located> {
        self.tracked[..self.n_tracked]
            .get(i)
            .and_then(|t| t.found.as_ref())
    }

    /// Whether the tracked path `i` has just been entered: the start tag just read is the
    /// first element at it.
    pub(crate) fn entered(&self, i: usize) -> bool {
        self.tracked[..self.n_tracked]
            .get(i)
            .is_some_and(|t| t.found.is_none() && t.matched == self.depth)
    }

    /// Whether the end tag of the document element has been read.
    pub(crate) fn root_closed(&self) -> bool {
        self.root_closed
    }

    /// How many elements are open below the document element.
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// The raw next event (prolog, epilog).
    pub(crate) fn raw(&mut self) -> Result<Event<'a>, quick_xml::Error> {
        self.reader.read_event()
    }

    /// The error position of the reader.
    pub(crate) fn error_position(&self) -> usize {
        usize::try_from(self.reader.error_position()).unwrap_or(usize::MAX)
    }

    /// The next event inside the document element, checked and tracked. The end tag of
    /// the document element is returned like any other.
    pub fn next_event(&mut self) -> Result<Event<'a>, DeError> {
        // The rare parts (tracking near the root, errors) are out of line: this runs for
        // every event of every answer.
        let before = self.pos();
        let event = match self.reader.read_event() {
            Ok(event) => event,
            Err(e) => return Err(self.reader_error(e)),
        };
        match &event {
            Event::Start(e) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(too_deep(before));
                }
                if self.depth <= self.max_len {
                    self.track_start(e, before);
                }
            }
            Event::Empty(e) if self.depth < self.max_len => self.track_empty(e, before),
            Event::End(_) => {
                if self.depth > 0 {
                    if self.depth <= self.max_len {
                        self.track_end(before);
                    }
                    self.depth -= 1;
                } else {
                    self.root_closed = true;
                }
            }
            Event::GeneralRef(r) => self.last_ref = checked_ref(r, before)?,
            Event::Eof => return Err(self.unclosed(before)),
            Event::DocType(_) | Event::Decl(_) => return Err(declaration_inside(before)),
            _ => {}
        }
        Ok(event)
    }

    /// A start tag at `depth <= max_len` (`before`: its offset) for the tracker.
    #[inline(never)]
    fn track_start(&mut self, e: &BytesStart<'_>, before: usize) {
        let depth = self.depth;
        let name = e.local_name();
        let inner_start = self.pos();
        for t in self.tracked[..self.n_tracked].iter_mut() {
            if t.found.is_none()
                && t.matched == depth - 1
                && t.path.comp(depth - 1) == Some(name.as_ref())
            {
                t.matched = depth;
                t.start = before;
                t.inner_start = inner_start;
            }
        }
    }

    /// An empty element one level above `max_len` for the tracker.
    #[inline(never)]
    fn track_empty(&mut self, e: &BytesStart<'_>, before: usize) {
        let depth = self.depth;
        let name = e.local_name();
        let end = self.pos();
        for t in self.tracked[..self.n_tracked].iter_mut() {
            if t.found.is_none()
                && t.matched == depth
                && t.len == depth + 1
                && t.path.comp(depth) == Some(name.as_ref())
            {
                t.found = Some(Located {
                    span: before..end,
                    inner: Some(end..end),
                });
            }
        }
    }

    /// An end tag at `depth <= max_len` (`before`: its offset) for the tracker.
    #[inline(never)]
    fn track_end(&mut self, before: usize) {
        let depth = self.depth;
        let end = self.pos();
        for t in self.tracked[..self.n_tracked].iter_mut() {
            if t.found.is_none() && t.matched == depth {
                t.matched = depth - 1;
                if t.len == depth {
                    t.found = Some(Located {
                        span: t.start..end,
                        inner: Some(t.inner_start..before),
                    });
                }
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn unclosed(&self, before: usize) -> DeError {
        DeError::not_xml(
            before,
            format!("unexpected end of document: <{}> is not closed", self.root),
        )
    }

    /// The first element of a standalone element's text (see [`Events::new`]): its start
    /// tag and whether it is empty.
    pub(crate) fn first_element(&mut self) -> Result<(BytesStart<'a>, bool), DeError> {
        loop {
            let before = self.pos();
            match self.reader.read_event().map_err(|e| self.reader_error(e))? {
                Event::Start(e) => return Ok((e, false)),
                Event::Empty(e) => return Ok((e, true)),
                Event::Eof => return Err(DeError::not_xml(before, "no element")),
                _ => {}
            }
        }
    }

    /// The next child element of the element being read (start tag, empty?), or `None`
    /// at its end tag. Text between children is ignored.
    pub fn child(&mut self) -> Result<Option<(BytesStart<'a>, bool)>, DeError> {
        loop {
            match self.next_event()? {
                Event::Start(e) => return Ok(Some((e, false))),
                Event::Empty(e) => return Ok(Some((e, true))),
                Event::End(_) => return Ok(None),
                _ => {}
            }
        }
    }

    /// Like [`Events::child`], collecting the element's own text into `text`.
    pub fn child_text(
        &mut self,
        text: &mut Text,
    ) -> Result<Option<(BytesStart<'a>, bool)>, DeError> {
        loop {
            match self.next_event()? {
                Event::Start(e) => {
                    text.end_run()?;
                    return Ok(Some((e, false)));
                }
                Event::Empty(e) => {
                    text.end_run()?;
                    return Ok(Some((e, true)));
                }
                Event::End(_) => {
                    text.end_run()?;
                    return Ok(None);
                }
                Event::Text(t) => text.run.push_str(&t.xml10_content()),
                Event::CData(c) => text.run.push_str(&c.xml10_content()),
                Event::GeneralRef(_) => self.last_ref.push_to(&mut text.run),
                _ => {}
            }
        }
    }

    /// Skips the rest of the element whose start tag was just read.
    pub fn skip(&mut self, empty: bool) -> Result<(), DeError> {
        if empty {
            return Ok(());
        }
        let mut depth = 1usize;
        loop {
            match self.next_event()? {
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }

    /// The text of the element whose start tag was just read: character data, CDATA and
    /// references, as written (not trimmed; line ends normalised). An element inside is
    /// an error.
    pub fn text(&mut self, empty: bool) -> Result<String, DeError> {
        if empty {
            return Ok(String::new());
        }
        let mut out: Cow<'a, str> = Cow::Borrowed("");
        loop {
            match self.next_event()? {
                Event::Text(t) => append(&mut out, t.xml10_content()),
                Event::CData(c) => append(&mut out, c.xml10_content()),
                Event::GeneralRef(_) => {
                    let r = self.last_ref;
                    if let Cow::Borrowed(before) = out {
                        // One allocation for the whole text: what remains of it runs to
                        // the next markup, and a reference is never longer resolved.
                        let rest = self.reader.get_ref();
                        let rest = rest.iter().position(|&b| b == b'<').unwrap_or(rest.len());
                        let mut s = String::with_capacity(before.len() + r.len() + rest);
                        s.push_str(before);
                        out = Cow::Owned(s);
                    }
                    r.push_to(out.to_mut());
                }
                Event::Start(e) | Event::Empty(e) => {
                    return Err(DeError::invalid(format!(
                        "cannot deserialize primitive type from mixed content, found unexpected tag <{}>",
                        e.local_name().as_ref()
                    )))
                }
                Event::End(_) => return Ok(out.into_owned()),
                _ => {}
            }
        }
    }
}

/// A reference's value, or a well-formedness error at `before`.
#[inline(never)]
fn checked_ref(r: &BytesRef<'_>, before: usize) -> Result<Resolved, DeError> {
    resolve(r).map_err(|m| DeError::not_xml(before, m))
}

#[cold]
#[inline(never)]
fn too_deep(before: usize) -> DeError {
    DeError::not_xml(before, format!("elements nested deeper than {MAX_DEPTH}"))
}

#[cold]
#[inline(never)]
fn declaration_inside(before: usize) -> DeError {
    DeError::not_xml(before, "declaration inside the document element")
}

fn append<'a>(out: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if out.is_empty() {
        *out = piece;
    } else {
        out.to_mut().push_str(&piece);
    }
}

/// The element's own text (the `$text` field of a generated type): each run of text
/// between child elements that is not blank is one value; two are an error.
#[derive(Debug, Default)]
pub struct Text {
    run: String,
    value: Option<String>,
}

impl Text {
    fn end_run(&mut self) -> Result<(), DeError> {
        if self
            .run
            .chars()
            .all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
        {
            self.run.clear();
            return Ok(());
        }
        if self.value.is_some() {
            return Err(DeError::duplicate("$text"));
        }
        self.value = Some(std::mem::take(&mut self.run));
        Ok(())
    }

    /// The text, if any (as a `Cow`, like attribute values, so that the generated code
    /// converts both alike).
    pub fn into_value(self) -> Option<Cow<'static, str>> {
        self.value.map(Cow::Owned)
    }
}

/// The value of a reference: a character, or one of the five predefined entities.
#[derive(Debug, Clone, Copy)]
enum Resolved {
    Char(char),
    Str(&'static str),
}

impl Resolved {
    fn len(self) -> usize {
        match self {
            Resolved::Char(c) => c.len_utf8(),
            Resolved::Str(s) => s.len(),
        }
    }

    fn push_to(self, out: &mut String) {
        match self {
            Resolved::Char(c) => out.push(c),
            Resolved::Str(s) => out.push_str(s),
        }
    }
}

fn resolve(r: &BytesRef<'_>) -> Result<Resolved, String> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(Resolved::Char(c)),
            _ => Err(format!(
                "unknown or invalid reference &{};",
                r.borrow().into_inner()
            )),
        };
    }
    let name = r.borrow().into_inner();
    quick_xml::escape::resolve_predefined_entity(&name)
        .map(Resolved::Str)
        .ok_or_else(|| format!("unknown or invalid reference &{name};"))
}

/// The attributes of a start tag: (name, value) pairs, values normalised (references
/// resolved, tabs and line breaks as spaces). Names are local names, except namespace
/// declarations (skipped) and `xml:` attributes (full name).
pub struct Attrs<'s> {
    inner: quick_xml::events::attributes::Attributes<'s>,
}

impl<'s> Attrs<'s> {
    /// The attributes of `start`.
    pub fn new(start: &'s BytesStart<'_>) -> Self {
        Self {
            inner: start.attributes(),
        }
    }

    /// The next attribute.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<(&'s str, Cow<'s, str>)>, DeError> {
        for a in self.inner.by_ref() {
            let a = a.map_err(|e| DeError::invalid(e.to_string()))?;
            let key: &'s str = a.key.0;
            // Most names have no prefix: one forward scan decides.
            let name = match key.bytes().position(|b| b == b':') {
                None if key == "xmlns" => continue,
                None => key,
                Some(i) => match &key[..i] {
                    "xmlns" => continue,
                    "xml" => key,
                    _ => key.rsplit_once(':').map_or(key, |(_, local)| local),
                },
            };
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| DeError::invalid(e.to_string()))?;
            return Ok(Some((name, value)));
        }
        Ok(None)
    }
}

/// Sets a single field once: a second occurrence is an error; a failure is placed at `seg`.
pub fn set<T>(
    slot: &mut Option<T>,
    name: &'static str,
    seg: Seg,
    value: impl FnOnce() -> Result<T, DeError>,
) -> Result<(), DeError> {
    if slot.is_some() {
        return Err(DeError::duplicate(name));
    }
    *slot = Some(value().map_err(|e| e.at(seg))?);
    Ok(())
}

/// Adds one element of a repeated field; a failure is placed at `name[index]`.
pub fn push<T>(
    list: &mut Vec<T>,
    name: &'static str,
    value: impl FnOnce() -> Result<T, DeError>,
) -> Result<(), DeError> {
    let index = list.len();
    list.push(value().map_err(|e| e.at(Seg::Index(index)).at(Seg::Child(name)))?);
    Ok(())
}

/// A value read from text: an attribute, an element's text or the `$text` of an element
/// (the generated decoders set their fields through [`attr`], [`text_child`] and
/// [`push_text_child`], so that each field is one call).
pub trait FromText: Sized {
    /// The value of `text` (as written: references resolved, not trimmed).
    fn from_text(text: Cow<'_, str>) -> Result<Self, DeError>;
}

impl FromText for String {
    #[inline]
    fn from_text(text: Cow<'_, str>) -> Result<Self, DeError> {
        Ok(text.into_owned())
    }
}

/// Present whatever its text.
impl FromText for crate::Present {
    #[inline]
    fn from_text(_: Cow<'_, str>) -> Result<Self, DeError> {
        Ok(crate::Present)
    }
}

impl FromText for Base64Binary {
    #[inline]
    fn from_text(text: Cow<'_, str>) -> Result<Self, DeError> {
        base64(&text)
    }
}

/// Numbers, booleans and dates: required ones with [`parse`], optional ones (`Option`,
/// empty or blank meaning absent) with [`parse_opt`].
macro_rules! parsed_from_text {
    ($($t:ty),*) => {$(
        impl FromText for $t {
            #[inline]
            fn from_text(text: Cow<'_, str>) -> Result<Self, DeError> {
                parse(&text)
            }
        }
        impl FromText for Option<$t> {
            #[inline]
            fn from_text(text: Cow<'_, str>) -> Result<Self, DeError> {
                parse_opt(&text)
            }
        }
    )*};
}
parsed_from_text!(i64, bool, chrono::NaiveDate);

/// Any element, its content skipped: marks presence.
impl FromXml for crate::Present {
    fn from_xml(x: &mut Events<'_>, _: &BytesStart<'_>, empty: bool) -> Result<Self, DeError> {
        x.skip(empty).map(|()| crate::Present)
    }
}

#[cold]
#[inline(never)]
fn duplicate_attr(name: &str) -> DeError {
    DeError::invalid(format!("duplicate field `@{name}`"))
}

/// Sets the field of attribute `name` once (a second one is an error); a failure is
/// placed at `@name`.
#[inline]
pub fn attr<T: FromText>(
    slot: &mut Option<T>,
    name: &'static str,
    value: Cow<'_, str>,
) -> Result<(), DeError> {
    attr_with(slot, name, value, T::from_text)
}

/// [`attr`] with a conversion of its own (an enumeration's `from_wire`).
#[inline]
pub fn attr_with<T>(
    slot: &mut Option<T>,
    name: &'static str,
    value: Cow<'_, str>,
    convert: impl FnOnce(Cow<'_, str>) -> Result<T, DeError>,
) -> Result<(), DeError> {
    if slot.is_some() {
        return Err(duplicate_attr(name));
    }
    *slot = Some(convert(value).map_err(|e| e.at(Seg::Attr(name)))?);
    Ok(())
}

/// Sets the field of child element `name` (whose start tag was just read) from its text,
/// once; a failure is placed at `name`.
#[inline]
pub fn text_child<T: FromText>(
    slot: &mut Option<T>,
    name: &'static str,
    x: &mut Events<'_>,
    empty: bool,
) -> Result<(), DeError> {
    text_child_with(slot, name, x, empty, T::from_text)
}

/// [`text_child`] with a conversion of its own (an enumeration's `from_wire`).
#[inline]
pub fn text_child_with<T>(
    slot: &mut Option<T>,
    name: &'static str,
    x: &mut Events<'_>,
    empty: bool,
    convert: impl FnOnce(Cow<'_, str>) -> Result<T, DeError>,
) -> Result<(), DeError> {
    set(slot, name, Seg::Child(name), || {
        x.text(empty).and_then(|t| convert(Cow::Owned(t)))
    })
}

/// Adds one repeated child element `name` read from its text; a failure is placed at
/// `name[index]`.
#[inline]
pub fn push_text_child<T: FromText>(
    list: &mut Vec<T>,
    name: &'static str,
    x: &mut Events<'_>,
    empty: bool,
) -> Result<(), DeError> {
    push_text_child_with(list, name, x, empty, T::from_text)
}

/// [`push_text_child`] with a conversion of its own (an enumeration's `from_wire`).
#[inline]
pub fn push_text_child_with<T>(
    list: &mut Vec<T>,
    name: &'static str,
    x: &mut Events<'_>,
    empty: bool,
    convert: impl FnOnce(Cow<'_, str>) -> Result<T, DeError>,
) -> Result<(), DeError> {
    push(list, name, || {
        x.text(empty).and_then(|t| convert(Cow::Owned(t)))
    })
}

/// Sets the field of child element `name` (start tag `start`, just read) from its
/// decoder, once; a failure is placed at `name`.
#[inline]
pub fn child<T: FromXml>(
    slot: &mut Option<T>,
    name: &'static str,
    x: &mut Events<'_>,
    start: &BytesStart<'_>,
    empty: bool,
) -> Result<(), DeError> {
    set(slot, name, Seg::Child(name), || {
        T::from_xml(x, start, empty)
    })
}

/// Adds one repeated child element `name` (start tag `start`, just read) from its
/// decoder; a failure is placed at `name[index]`.
#[inline]
pub fn push_child<T: FromXml>(
    list: &mut Vec<T>,
    name: &'static str,
    x: &mut Events<'_>,
    start: &BytesStart<'_>,
    empty: bool,
) -> Result<(), DeError> {
    push(list, name, || T::from_xml(x, start, empty))
}

/// The content of a list wrapper, an element whose only field is the repeated child
/// `name` (such as `<device-list>`): each `name` child decoded in order with
/// [`push_child`], any other child skipped.
pub fn list<T: FromXml>(
    x: &mut Events<'_>,
    name: &'static str,
    empty: bool,
) -> Result<Vec<T>, DeError> {
    let mut items = Vec::new();
    if !empty {
        while let Some((child, child_empty)) = x.child()? {
            let local = child.local_name();
            let local: &str = local.as_ref();
            if local == name {
                push_child(&mut items, name, x, &child, child_empty)?;
            } else {
                x.skip(child_empty)?;
            }
        }
    }
    Ok(items)
}

/// A required field: absent is [`DeError::missing`] at `seg`.
pub fn required<T>(slot: Option<T>, seg: Seg) -> Result<T, DeError> {
    slot.ok_or_else(|| DeError::missing(seg))
}

/// An optional number, boolean or date: missing, empty or blank gives `None`, anything
/// else is trimmed and parsed with [`FromStr`].
pub fn parse_opt<T: FromStr>(text: &str) -> Result<Option<T>, DeError>
where
    T::Err: Display,
{
    match text.trim() {
        "" => Ok(None),
        t => parse(t).map(Some),
    }
}

/// A required number, boolean or date: trimmed and parsed with [`FromStr`].
pub fn parse<T: FromStr>(text: &str) -> Result<T, DeError>
where
    T::Err: Display,
{
    let t = text.trim();
    t.parse().map_err(|e| {
        DeError::invalid(format!(
            "expected {}, found {t:?}: {e}",
            std::any::type_name::<T>()
        ))
    })
}

/// Base64 content (whitespace ignored).
pub fn base64(text: &str) -> Result<Base64Binary, DeError> {
    Base64Binary::decode(text).map_err(|e| DeError::invalid(format!("invalid base64: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_scalars_empty_missing_blank_and_values() {
        assert_eq!(parse_opt::<u32>(""), Ok(None));
        assert_eq!(parse_opt::<u32>("  \u{a0}"), Ok(None));
        assert_eq!(parse_opt::<i64>(" 7 "), Ok(Some(7)));
        let e = parse_opt::<u32>("x").unwrap_err();
        let kind = e.into_kind("r/n".into(), 0);
        let DecodeErrorKind::Invalid { path, message } = kind else {
            panic!("{kind:?}")
        };
        assert_eq!(path, "r/n");
        assert!(message.contains("expected u32"), "{message}");
    }

    #[test]
    fn text_is_kept_as_written_and_mixed_content_refused() {
        let mut x = Events::new("<x> a &amp; <![CDATA[ q ]]><!-- c --> b </x>");
        let (_, empty) = x.first_element().unwrap();
        assert_eq!(x.text(empty).unwrap(), " a &  q  b ");
        let mut x = Events::new("<x>a<y/>b</x>");
        let (_, empty) = x.first_element().unwrap();
        let e = x.text(empty).unwrap_err();
        assert!(
            matches!(e.0.kind, DeKind::Invalid(ref m) if m.contains("<y>")),
            "{e:?}"
        );
    }

    #[test]
    fn references_anywhere_in_a_text() {
        for (xml, text) in [
            ("<x>&amp;</x>", "&"),
            ("<x>&amp;b</x>", "&b"),
            ("<x>a&amp;</x>", "a&"),
            ("<x>Lee &amp; 12345</x>", "Lee & 12345"),
            ("<x>&#233;&lt;&#x10FFFF;</x>", "\u{e9}<\u{10ffff}"),
            ("<x>a&amp;b<![CDATA[ c&amp; ]]>d&gt;</x>", "a&b c&amp; d>"),
            ("<x>a\r\n&amp;\rb</x>", "a\n&\nb"),
        ] {
            let mut x = Events::new(xml);
            let (_, empty) = x.first_element().unwrap();
            assert_eq!(x.text(empty).unwrap(), text, "{xml}");
        }
        let mut x = Events::new("<x>a&nbsp;</x>");
        let (_, empty) = x.first_element().unwrap();
        assert!(x.text(empty).unwrap_err().is_not_xml());
    }

    #[test]
    fn attribute_names_drop_prefixes_and_namespace_declarations() {
        let xml = r#"<x xmlns="u" xmlns:p="v" p:a="1" xml:lang="fr" b="2" p:q:c="3"/>"#;
        let mut x = Events::new(xml);
        let (start, _) = x.first_element().unwrap();
        let mut attrs = Attrs::new(&start);
        let mut seen = Vec::new();
        while let Some((name, value)) = attrs.next().unwrap() {
            seen.push((name, value.into_owned()));
        }
        let expected = [("a", "1"), ("xml:lang", "fr"), ("b", "2"), ("c", "3")];
        assert_eq!(
            seen,
            expected.map(|(n, v)| (n, v.to_owned())).to_vec(),
            "{xml}"
        );
    }

    /// A decoder written with the helpers the generated ones use.
    #[derive(Debug, PartialEq)]
    struct Item {
        id: i64,
        size: Option<i64>,
        name: Option<String>,
        tags: Vec<String>,
        flag: Option<crate::Present>,
    }

    impl FromXml for Item {
        fn from_xml(
            x: &mut Events<'_>,
            start: &BytesStart<'_>,
            empty: bool,
        ) -> Result<Self, DeError> {
            let (mut id, mut size, mut name, mut tags, mut flag) =
                (None, None, None, Vec::new(), None);
            let mut attrs = Attrs::new(start);
            while let Some((n, value)) = attrs.next()? {
                match n {
                    // `ident`: an alias, as the spec can give.
                    "id" | "ident" => attr(&mut id, "id", value)?,
                    "size" => attr::<Option<i64>>(&mut size, "size", value)?,
                    _ => continue,
                }
            }
            if !empty {
                while let Some((child_start, child_empty)) = x.child()? {
                    match child_start.local_name().as_ref() {
                        "name" => text_child(&mut name, "name", x, child_empty)?,
                        "tag" => push_text_child(&mut tags, "tag", x, child_empty)?,
                        "flag" => child(&mut flag, "flag", x, &child_start, child_empty)?,
                        _ => x.skip(child_empty)?,
                    }
                }
            }
            Ok(Self {
                id: required(id, Seg::Attr("id"))?,
                size: size.flatten(),
                name,
                tags,
                flag,
            })
        }
    }

    fn item(xml: &str) -> Result<Item, DecodeErrorKind> {
        let mut x = Events::new(xml);
        let (start, empty) = x.first_element().map_err(|e| e.into_kind("i".into(), 0))?;
        Item::from_xml(&mut x, &start, empty).map_err(|e| e.into_kind("i".into(), 0))
    }

    /// A list wrapper decoded with [`list`], as the generated ones are.
    #[derive(Debug, PartialEq)]
    struct Items(Vec<Item>);

    impl FromXml for Items {
        fn from_xml(x: &mut Events<'_>, _: &BytesStart<'_>, empty: bool) -> Result<Self, DeError> {
            Ok(Self(list(x, "i", empty)?))
        }
    }

    fn items(xml: &str) -> Result<Items, DecodeErrorKind> {
        let mut x = Events::new(xml);
        let (start, empty) = x.first_element().map_err(|e| e.into_kind("l".into(), 0))?;
        Items::from_xml(&mut x, &start, empty).map_err(|e| e.into_kind("l".into(), 0))
    }

    #[test]
    fn a_list_keeps_its_items_in_order_and_names_the_failing_one() {
        let one = |id| Item {
            id,
            size: None,
            name: None,
            tags: Vec::new(),
            flag: None,
        };
        assert_eq!(
            items(r#"<l><i id="1"/><other><i id="9"/></other><i id="2"></i></l>"#),
            Ok(Items(vec![one(1), one(2)]))
        );
        assert_eq!(items("<l/>"), Ok(Items(Vec::new())));
        assert_eq!(items("<l></l>"), Ok(Items(Vec::new())));
        assert_eq!(
            items(r#"<l><i id="1"/><i/></l>"#),
            Err(DecodeErrorKind::Missing {
                path: "l/i[1]/@id".into()
            })
        );
    }

    #[test]
    fn field_helpers_set_once_and_name_the_path() {
        let ok =
            item(r#"<i id=" 7 " size=" "><name> a </name><tag>x</tag><tag/><flag><z/></flag></i>"#);
        assert_eq!(
            ok,
            Ok(Item {
                id: 7,
                size: None,
                name: Some(" a ".into()),
                tags: vec!["x".into(), String::new()],
                flag: Some(crate::Present),
            })
        );
        let invalid = |xml| match item(xml) {
            Err(DecodeErrorKind::Invalid { path, message }) => (path, message),
            other => panic!("{xml}: {other:?}"),
        };
        let (path, message) = invalid(r#"<i id="1" id2="" size="x"/>"#);
        assert_eq!(path, "i/@size");
        assert!(message.contains("expected i64"), "{message}");
        let (path, message) = invalid(r#"<i id="1"><name/><name/></i>"#);
        assert_eq!(
            (path.as_str(), message.as_str()),
            ("i", "duplicate field `name`")
        );
        let (path, message) = invalid(r#"<i id="1"><tag>a</tag><tag>b<z/></tag></i>"#);
        assert_eq!(path, "i/tag[1]");
        assert!(message.contains("mixed content"), "{message}");
        let (path, message) = invalid(r#"<i id="1"><flag/><flag/></i>"#);
        assert_eq!(
            (path.as_str(), message.as_str()),
            ("i", "duplicate field `flag`")
        );
        assert_eq!(
            item("<i/>"),
            Err(DecodeErrorKind::Missing {
                path: "i/@id".into()
            })
        );
        let (path, message) = invalid(r#"<i id="1" ident="2"/>"#);
        assert_eq!(
            (path.as_str(), message.as_str()),
            ("i", "duplicate field `@id`")
        );
        // A duplicate attribute is refused by the reader before the field sees it.
        assert!(item(r#"<i id="1" id="2"/>"#).is_err());
    }

    #[test]
    fn paths_are_built_outwards() {
        let e = DeError::missing(Seg::Attr("id"))
            .at(Seg::Index(3))
            .at(Seg::Child("data"))
            .at(Seg::Child("data-list"));
        assert_eq!(
            e.into_kind("xpage".into(), 0),
            DecodeErrorKind::Missing {
                path: "xpage/data-list/data[3]/@id".into()
            }
        );
    }

    #[test]
    fn depth_is_capped_without_recursion() {
        let deep = format!("<a>{}", "<a>".repeat(MAX_DEPTH + 10));
        let mut x = Events::new(&deep);
        let (_, empty) = x.first_element().unwrap();
        let e = x.skip(empty).unwrap_err();
        assert!(
            matches!(e.0.kind, DeKind::NotXml { ref message, .. } if message.contains("deeper"))
        );
    }
}
