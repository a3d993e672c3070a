//! The baseline: a hand-written quick-xml event loop filling the generated structs.
//!
//! It makes the same checks as the generated path (`papi_core::decode`): UTF-8 body,
//! well-formed XML (end names, references: only character references and the five
//! predefined entities, no DOCTYPE with entities, nothing but whitespace, comments and PIs
//! after the document element), root element name, the element path, the command's
//! `result` code and `error` element, required attributes and elements, duplicate
//! fields, numbers parsed with empty-as-none, text unescaped and trimmed, base64 decoded
//! ignoring whitespace. It is written for these two answers only, as a user writing it by
//! hand would: the wire names are spelled here (a bench, not runtime code).

use std::borrow::Cow;
use std::str::FromStr;

use papi_contacts::types::{
    ContactList, ContactSummary, FindContactListResult, MediaFile, PictureData,
};
use papi_core::Base64Binary;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// A decode failure: what went wrong, and where.
pub type Error = String;
type Result<T> = std::result::Result<T, Error>;

const ROOT: &str = "xpage";
const COMMAND_LIST: &str = "command-list";
const COMMAND: &str = "command";
const RESULT: &str = "result";
const ERROR: &str = "error";
const DATA_LIST: &str = "data-list";

/// Decodes a findcontactlist answer (the command at `xpage/command-list/command`).
pub fn find_contact_list(body: &[u8]) -> Result<FindContactListResult> {
    let found = command_answer(
        body,
        |cmd| {
            let mut out = FindContactListResult::default();
            for a in cmd.attributes() {
                let a = a.map_err(|e| e.to_string())?;
                match a.key.as_ref() {
                    "request" => out.request = Some(attr_value(&a)?.into_owned()),
                    "action" => out.action = Some(attr_value(&a)?.into_owned()),
                    _ => {}
                }
            }
            Ok(out)
        },
        |p, out, e, empty| {
            if e.local_name().as_ref() != DATA_LIST {
                return Ok(false);
            }
            if out.contacts.is_some() {
                return Err("xpage/command-list/command: duplicate field `data-list`".into());
            }
            out.contacts = Some(contact_list(p, e, empty)?);
            Ok(true)
        },
    )?;
    found.ok_or_else(|| "missing required `xpage/command-list/command`".into())
}

/// Decodes a getpicture answer (the `data-list` of the command), decoding the base64.
pub fn get_picture(body: &[u8]) -> Result<PictureData> {
    let found = command_answer(
        body,
        |_| Ok(None),
        |p, out: &mut Option<PictureData>, e, empty| {
            if e.local_name().as_ref() != DATA_LIST || out.is_some() {
                return Ok(false);
            }
            *out = Some(picture_data(p, empty)?);
            Ok(true)
        },
    )?;
    found
        .flatten()
        .ok_or_else(|| "missing required `xpage/command-list/command/data-list`".into())
}

fn contact_list<'a>(p: &mut Pull<'a>, start: &BytesStart<'a>, empty: bool) -> Result<ContactList> {
    let mut list = ContactList::default();
    for a in start.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let slot = match a.key.as_ref() {
            "total-data" => &mut list.total_data,
            "nbpage" => &mut list.nbpage,
            "page" => &mut list.page,
            "nbentries" => &mut list.nbentries,
            _ => continue,
        };
        *slot = empty_as_none(&attr_value(&a)?)?;
    }
    if empty {
        return Ok(list);
    }
    loop {
        match p.next()? {
            Event::Start(e) if e.local_name().as_ref() == "data" => {
                list.entries.push(contact_summary(p, &e, false)?)
            }
            Event::Empty(e) if e.local_name().as_ref() == "data" => {
                list.entries.push(contact_summary(p, &e, true)?)
            }
            Event::Start(_) => p.skip()?,
            Event::End(_) => return Ok(list),
            _ => {}
        }
    }
}

fn contact_summary<'a>(
    p: &mut Pull<'a>,
    start: &BytesStart<'a>,
    empty: bool,
) -> Result<ContactSummary> {
    let (mut view, mut id, mut kind) = (None, None, None);
    for a in start.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let slot = match a.key.as_ref() {
            "view" => &mut view,
            "id" => &mut id,
            "type" => &mut kind,
            _ => continue,
        };
        *slot = Some(attr_value(&a)?.into_owned());
    }
    let (mut firstname, mut lastname) = (None, None);
    if !empty {
        loop {
            match p.next()? {
                Event::Start(e) => {
                    let slot = match e.local_name().as_ref() {
                        "firstname" => &mut firstname,
                        "lastname" => &mut lastname,
                        _ => {
                            p.skip()?;
                            continue;
                        }
                    };
                    if slot.is_some() {
                        return Err("data: duplicate field".into());
                    }
                    *slot = Some(p.text()?);
                }
                Event::Empty(e) => {
                    let slot = match e.local_name().as_ref() {
                        "firstname" => &mut firstname,
                        "lastname" => &mut lastname,
                        _ => continue,
                    };
                    if slot.is_some() {
                        return Err("data: duplicate field".into());
                    }
                    *slot = Some(String::new());
                }
                Event::End(_) => break,
                _ => {}
            }
        }
    }
    // Outside their crate the generated structs are built from `Default`, field by field.
    let mut summary = ContactSummary::default();
    summary.view = view;
    summary.id = id.ok_or("missing required `data/@id`")?;
    summary.kind = kind;
    summary.firstname = firstname;
    summary.lastname = lastname;
    Ok(summary)
}

fn picture_data(p: &mut Pull<'_>, empty: bool) -> Result<PictureData> {
    let (mut file, mut type_image) = (None, None);
    if !empty {
        loop {
            match p.next()? {
                Event::Start(e) => match e.local_name().as_ref() {
                    "filename" if file.is_none() => {
                        file = Some(media_file(&e)?);
                        p.skip()?;
                    }
                    "typeImage" if type_image.is_none() => type_image = Some(p.text()?),
                    "filename" | "typeImage" => return Err("data-list: duplicate field".into()),
                    _ => p.skip()?,
                },
                Event::Empty(e) => match e.local_name().as_ref() {
                    "filename" if file.is_none() => file = Some(media_file(&e)?),
                    "typeImage" if type_image.is_none() => type_image = Some(String::new()),
                    "filename" | "typeImage" => return Err("data-list: duplicate field".into()),
                    _ => {}
                },
                Event::End(_) => break,
                _ => {}
            }
        }
    }
    let mut picture = PictureData::default();
    picture.file = file.ok_or("missing required `data-list/filename`")?;
    picture.type_image = type_image;
    Ok(picture)
}

fn media_file(start: &BytesStart<'_>) -> Result<MediaFile> {
    let mut f = MediaFile::default();
    let mut content = false;
    for a in start.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        match a.key.as_ref() {
            "content" => {
                f.content = Base64Binary::decode(&attr_value(&a)?)
                    .map_err(|e| format!("filename/@content: invalid base64: {e}"))?;
                content = true;
            }
            "display" => f.display = empty_as_none(&attr_value(&a)?)?,
            "id" => f.id = Some(attr_value(&a)?.into_owned()),
            "info-type" => f.info_type = Some(attr_value(&a)?.into_owned()),
            "order" => f.order = empty_as_none(&attr_value(&a)?)?,
            "subtype" => f.subtype = Some(attr_value(&a)?.into_owned()),
            "type" => f.kind = Some(attr_value(&a)?.into_owned()),
            _ => {}
        }
    }
    if !content {
        return Err("missing required `filename/@content`".into());
    }
    Ok(f)
}

/// Walks the command-result envelope: root `xpage`, the first `command-list/command`
/// (`begin` reads its attributes, `child` its children of interest), its `result` and
/// `error`, then what follows the document element. `None` when there is no command.
fn command_answer<'a, C>(
    body: &'a [u8],
    begin: impl FnOnce(&BytesStart<'a>) -> Result<C>,
    mut child: impl FnMut(&mut Pull<'a>, &mut C, &BytesStart<'a>, bool) -> Result<bool>,
) -> Result<Option<C>> {
    let mut p = Pull::new(body)?;
    let (root, root_empty) = p.root()?;
    if root.local_name().as_ref() != ROOT {
        return Err(format!(
            "wrong root element <{}>",
            root.local_name().as_ref()
        ));
    }
    let mut begin = Some(begin);
    let mut out: Option<C> = None;
    let mut result: Option<i64> = None;
    let mut error = false;
    if !root_empty {
        loop {
            match p.next()? {
                Event::Start(e) if e.local_name().as_ref() == COMMAND_LIST && out.is_none() => {
                    loop {
                        match p.next()? {
                            Event::Start(e)
                                if e.local_name().as_ref() == COMMAND && out.is_none() =>
                            {
                                let mut state = (begin.take().ok_or("command read twice")?)(&e)?;
                                loop {
                                    match p.next()? {
                                        Event::Start(e) => {
                                            let name = e.local_name();
                                            if name.as_ref() == RESULT && result.is_none() {
                                                let text = p.text()?;
                                                result = Some(text.parse().map_err(|_| {
                                                    format!(
                                                        "expected an integer code, found {text:?}"
                                                    )
                                                })?);
                                            } else if name.as_ref() == ERROR {
                                                error = true;
                                                p.skip()?;
                                            } else if !child(&mut p, &mut state, &e, false)? {
                                                p.skip()?;
                                            }
                                        }
                                        Event::Empty(e) => {
                                            if e.local_name().as_ref() == ERROR {
                                                error = true;
                                            } else {
                                                child(&mut p, &mut state, &e, true)?;
                                            }
                                        }
                                        Event::End(_) => break,
                                        _ => {}
                                    }
                                }
                                out = Some(state);
                            }
                            Event::Empty(e)
                                if e.local_name().as_ref() == COMMAND && out.is_none() =>
                            {
                                out = Some((begin.take().ok_or("command read twice")?)(&e)?);
                            }
                            Event::Start(_) => p.skip()?,
                            Event::End(_) => break,
                            _ => {}
                        }
                    }
                }
                Event::Start(_) => p.skip()?,
                Event::End(_) => break,
                _ => {}
            }
        }
    }
    p.trailing()?;
    let failed = match result {
        Some(code) => code != 0,
        None => error,
    };
    if failed {
        return Err(format!("API error (result {result:?})"));
    }
    Ok(out)
}

/// quick-xml's reader over the body, with the checks of the generated path.
struct Pull<'a> {
    r: Reader<&'a [u8]>,
}

impl<'a> Pull<'a> {
    fn new(body: &'a [u8]) -> Result<Self> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err("empty body".into());
        }
        let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Ok(Self {
            r: Reader::from_str(text),
        })
    }

    fn not_xml(&self, message: impl std::fmt::Display) -> Error {
        format!("not XML at byte {}: {message}", self.r.error_position())
    }

    /// The document element, after the prolog; `true` when it is empty (`<x/>`).
    fn root(&mut self) -> Result<(BytesStart<'a>, bool)> {
        loop {
            match self.r.read_event() {
                Err(e) => return Err(self.not_xml(e)),
                Ok(Event::Start(e)) => return Ok((e, false)),
                Ok(Event::Empty(e)) => return Ok((e, true)),
                Ok(Event::DocType(d)) => {
                    if d.to_ascii_uppercase().contains("<!ENTITY") {
                        return Err("DOCTYPE with entities refused".into());
                    }
                }
                Ok(Event::Text(t)) if t.trim_ascii().is_empty() => {}
                Ok(Event::Decl(_) | Event::PI(_) | Event::Comment(_)) => {}
                Ok(_) => return Err(self.not_xml("no root element")),
            }
        }
    }

    /// The next event inside the document element.
    fn next(&mut self) -> Result<Event<'a>> {
        match self.r.read_event() {
            Err(e) => Err(self.not_xml(e)),
            Ok(Event::Eof) => Err(self.not_xml("unexpected end of document")),
            Ok(Event::DocType(_) | Event::Decl(_)) => {
                Err(self.not_xml("declaration inside the document element"))
            }
            Ok(Event::GeneralRef(r)) => {
                resolve(&r).map_err(|m| self.not_xml(m))?;
                Ok(Event::GeneralRef(r))
            }
            Ok(e) => Ok(e),
        }
    }

    /// Skips the rest of the element whose start was just read.
    fn skip(&mut self) -> Result<()> {
        let mut depth = 1usize;
        loop {
            match self.next()? {
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

    /// The text of the element whose start was just read, unescaped and trimmed;
    /// child elements are skipped.
    fn text(&mut self) -> Result<String> {
        let mut s = String::new();
        loop {
            match self.next()? {
                Event::Text(t) => s.push_str(&t.xml10_content()),
                Event::CData(c) => s.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => resolve(&r).map(|v| v.push_to(&mut s))?,
                Event::Start(_) => self.skip()?,
                Event::End(_) => break,
                _ => {}
            }
        }
        let trimmed = s.trim_matches(is_xml_space);
        Ok(if trimmed.len() == s.len() {
            s
        } else {
            trimmed.to_owned()
        })
    }

    /// After the document element: only whitespace, comments and PIs.
    fn trailing(&mut self) -> Result<()> {
        loop {
            match self.r.read_event() {
                Ok(Event::Eof) => return Ok(()),
                Ok(Event::Text(t)) if t.trim_ascii().is_empty() => {}
                Ok(Event::Comment(_) | Event::PI(_)) => {}
                _ => return Err(self.not_xml("content after the document element")),
            }
        }
    }
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// The value of a reference: a character, or one of the five predefined entities.
enum Resolved {
    Char(char),
    Str(&'static str),
}

impl Resolved {
    fn push_to(self, s: &mut String) {
        match self {
            Resolved::Char(c) => s.push(c),
            Resolved::Str(v) => s.push_str(v),
        }
    }
}

fn resolve(r: &BytesRef<'_>) -> std::result::Result<Resolved, String> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(Resolved::Char(c)),
            _ => Err("invalid character reference".into()),
        };
    }
    let name = r.borrow().into_inner();
    quick_xml::escape::resolve_predefined_entity(&name)
        .map(Resolved::Str)
        .ok_or_else(|| format!("unknown reference &{name};"))
}

fn attr_value<'a>(a: &quick_xml::events::attributes::Attribute<'a>) -> Result<Cow<'a, str>> {
    a.normalized_value(XmlVersion::Implicit1_0)
        .map_err(|e| e.to_string())
}

/// Empty or blank gives `None`; anything else is trimmed and parsed.
fn empty_as_none<T: FromStr>(v: &str) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match v.trim() {
        "" => Ok(None),
        t => t
            .parse()
            .map(Some)
            .map_err(|e| format!("expected a value, found {t:?}: {e}")),
    }
}
