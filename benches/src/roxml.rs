//! Another way a user might decode: parse the whole answer into a roxmltree DOM, then
//! walk it and fill the same generated structs, with the same checks (roxmltree itself
//! refuses DTDs, unknown entities, mismatched tags and content after the root).

use std::str::FromStr;

use papi_contacts::types::{
    ContactList, ContactSummary, FindContactListResult, MediaFile, PictureData,
};
use papi_core::Base64Binary;
use roxmltree::{Document, Node};

/// A decode failure.
pub type Error = String;
type Result<T> = std::result::Result<T, Error>;

/// Decodes a findcontactlist answer.
pub fn find_contact_list(body: &[u8]) -> Result<FindContactListResult> {
    let text = body_text(body)?;
    let doc = Document::parse(text).map_err(|e| e.to_string())?;
    let command = command(&doc)?;
    let contacts = match first_child(command, "data-list")? {
        None => None,
        Some(list) => {
            // Outside their crate the generated structs are built from `Default`, field by
            // field.
            let mut contacts = ContactList::default();
            contacts.total_data = empty_as_none(list.attribute("total-data"))?;
            contacts.nbpage = empty_as_none(list.attribute("nbpage"))?;
            contacts.page = empty_as_none(list.attribute("page"))?;
            contacts.nbentries = empty_as_none(list.attribute("nbentries"))?;
            contacts.entries = list
                .children()
                .filter(|n| n.has_tag_name("data"))
                .map(contact_summary)
                .collect::<Result<Vec<_>>>()?;
            Some(contacts)
        }
    };
    let mut out = FindContactListResult::default();
    out.request = command.attribute("request").map(str::to_owned);
    out.action = command.attribute("action").map(str::to_owned);
    out.contacts = contacts;
    Ok(out)
}

/// Decodes a getpicture answer, decoding the base64.
pub fn get_picture(body: &[u8]) -> Result<PictureData> {
    let text = body_text(body)?;
    let doc = Document::parse(text).map_err(|e| e.to_string())?;
    let command = command(&doc)?;
    let list = first_child(command, "data-list")?
        .ok_or("missing required `xpage/command-list/command/data-list`")?;
    let file = first_child(list, "filename")?.ok_or("missing required `data-list/filename`")?;
    let content = file
        .attribute("content")
        .ok_or("missing required `filename/@content`")?;
    let mut media = MediaFile::default();
    media.content = Base64Binary::decode(content)
        .map_err(|e| format!("filename/@content: invalid base64: {e}"))?;
    media.display = empty_as_none(file.attribute("display"))?;
    media.id = file.attribute("id").map(str::to_owned);
    media.info_type = file.attribute("info-type").map(str::to_owned);
    media.order = empty_as_none(file.attribute("order"))?;
    media.subtype = file.attribute("subtype").map(str::to_owned);
    media.kind = file.attribute("type").map(str::to_owned);
    let mut picture = PictureData::default();
    picture.file = media;
    picture.type_image = first_child(list, "typeImage")?.map(text_of);
    Ok(picture)
}

fn contact_summary(n: Node<'_, '_>) -> Result<ContactSummary> {
    let mut summary = ContactSummary::default();
    summary.view = n.attribute("view").map(str::to_owned);
    summary.id = n
        .attribute("id")
        .ok_or("missing required `data/@id`")?
        .to_owned();
    summary.kind = n.attribute("type").map(str::to_owned);
    summary.firstname = first_child(n, "firstname")?.map(text_of);
    summary.lastname = first_child(n, "lastname")?.map(text_of);
    Ok(summary)
}

/// The root `xpage`, its first `command-list/command`, whose `result` must be 0 (or,
/// without a result, which must have no `error`).
fn command<'a, 'i>(doc: &'a Document<'i>) -> Result<Node<'a, 'i>> {
    let root = doc.root_element();
    if root.tag_name().name() != "xpage" {
        return Err(format!("wrong root element <{}>", root.tag_name().name()));
    }
    let command = root
        .children()
        .filter(|n| n.has_tag_name("command-list"))
        .flat_map(|l| l.children().filter(|n| n.has_tag_name("command")))
        .next()
        .ok_or("missing required `xpage/command-list/command`")?;
    let failed = match first_child(command, "result")? {
        Some(r) => {
            let text = text_of(r);
            let code: i64 = text
                .parse()
                .map_err(|_| format!("expected an integer code, found {text:?}"))?;
            code != 0
        }
        None => command.children().any(|n| n.has_tag_name("error")),
    };
    if failed {
        return Err("API error".into());
    }
    Ok(command)
}

/// The first child element named `name`; a second one is an error (a duplicate field).
fn first_child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Result<Option<Node<'a, 'i>>> {
    let mut found = n.children().filter(|c| c.has_tag_name(name));
    let first = found.next();
    if first.is_some() && name != "result" && found.next().is_some() {
        return Err(format!("duplicate field `{name}`"));
    }
    Ok(first)
}

/// Text content (text and CDATA children), trimmed.
fn text_of(n: Node<'_, '_>) -> String {
    let mut s = String::new();
    for c in n.children().filter(Node::is_text) {
        s.push_str(c.text().unwrap_or_default());
    }
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
        .to_owned()
}

fn empty_as_none<T: FromStr>(v: Option<&str>) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|e| format!("expected a value, found {t:?}: {e}")),
    }
}

fn body_text(body: &[u8]) -> Result<&str> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("empty body".into());
    }
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}
