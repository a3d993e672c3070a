//! The parameters of a call (query, form or multipart body) and their checks against the
//! rules of the generated table.

use std::ops::Range;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, Method};
use papi_core::chrono::NaiveDate;
use papi_core::ImageType;
use url::form_urlencoded;

use crate::generated::{Action, Param, ParamKind};

/// Largest form-urlencoded body read.
const FORM_LIMIT: usize = 2 * 1024 * 1024;

/// Longest value echoed in an error detail.
const ECHO_LIMIT: usize = 64;

/// Parameters of a call, in the order received. `Debug` shows names and sizes only: the
/// token is one of the parameters.
///
/// The text parameters are decoded into one buffer, names and values one after the other,
/// and kept as ranges of it: one allocation for a query instead of two `String`s per
/// parameter (most names and values need no decoding and are copied as they are).
#[derive(Default)]
pub(crate) struct Params {
    buf: String,
    text: Vec<(Range<usize>, Range<usize>)>,
    files: Vec<(String, Vec<u8>)>,
    posted: bool,
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Params")
            .field(
                "text",
                &self.text().map(|(k, v)| (k, v.len())).collect::<Vec<_>>(),
            )
            .field(
                "files",
                &self
                    .files
                    .iter()
                    .map(|(k, v)| (k, v.len()))
                    .collect::<Vec<_>>(),
            )
            .field("posted", &self.posted)
            .finish()
    }
}

impl Params {
    /// Reads the query and, for a POST, a multipart or form-urlencoded body.
    pub(crate) async fn read(req: Request) -> Result<Self, String> {
        let mut params = Params::default();
        if let Some(query) = req.uri().query() {
            params.extend_form(query.as_bytes());
        }
        if req.method() != Method::POST {
            return Ok(params);
        }
        params.posted = true;
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("multipart/form-data") {
            let mut multipart = Multipart::from_request(req, &())
                .await
                .map_err(|e| e.body_text())?;
            while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
                let name = field.name().unwrap_or_default().to_owned();
                let is_file = field.file_name().is_some();
                let bytes = field.bytes().await.map_err(|e| e.body_text())?;
                if is_file {
                    params.files.push((name, bytes.to_vec()));
                } else {
                    params.push_text(&name, &String::from_utf8_lossy(&bytes));
                }
            }
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            let body = axum::body::to_bytes(req.into_body(), FORM_LIMIT)
                .await
                .map_err(|e| format!("cannot read the form body: {e}"))?;
            params.extend_form(&body);
        }
        Ok(params)
    }

    /// Adds the parameters of a form-urlencoded text (a query or a form body).
    fn extend_form(&mut self, form: &[u8]) {
        // Decoding never lengthens a name or value.
        self.buf.reserve(form.len());
        for (name, value) in form_urlencoded::parse(form) {
            self.push_text(&name, &value);
        }
    }

    fn push_text(&mut self, name: &str, value: &str) {
        let start = self.buf.len();
        self.buf.push_str(name);
        let middle = self.buf.len();
        self.buf.push_str(value);
        self.text.push((start..middle, middle..self.buf.len()));
    }

    /// The text parameters, in the order received.
    fn text(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.text
            .iter()
            .map(|(n, v)| (&self.buf[n.clone()], &self.buf[v.clone()]))
    }

    /// Whether the call came as a POST (else a GET).
    pub(crate) fn posted(&self) -> bool {
        self.posted
    }

    /// The first value of a text parameter, `None` when absent or blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.raw(name).filter(|v| !v.trim().is_empty())
    }

    /// The first file part of that name.
    pub(crate) fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }

    /// Whether the parameter was sent (non-blank text, or a file part).
    fn given(&self, name: &str) -> bool {
        self.get(name).is_some() || self.file(name).is_some()
    }

    /// The parameter at position `index` of the action's row in the table.
    pub(crate) fn arg(&self, action: &Action, index: usize) -> Option<&str> {
        action.params.get(index).and_then(|p| self.get(p.wire))
    }

    /// The text parameters, for logging the action name and storing events.
    pub(crate) fn raw(&self, name: &str) -> Option<&str> {
        self.text().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// A rule the call breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Violation {
    /// A mandatory parameter, or a whole at-least-one-of group, is absent.
    Missing(String),
    /// A parameter's value is refused.
    Invalid(String),
}

/// The accepted formats, as the spec lists them, for a message.
fn formats_text(accepted: &[ImageType]) -> String {
    accepted
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn echo(value: &str) -> String {
    let mut s: String = value.chars().take(ECHO_LIMIT).collect();
    if value.chars().count() > ECHO_LIMIT {
        s.push('…');
    }
    s
}

/// Checks the call against the action's rules: absent parameters first, then values.
pub(crate) fn validate(action: &Action, params: &Params) -> Result<(), Violation> {
    for rule in action.params {
        if rule.required && !params.given(rule.wire) {
            return Err(Violation::Missing(format!(
                "the mandatory parameter `{}` is missing",
                rule.wire
            )));
        }
    }
    for group in action.at_least_one_of {
        if !group.iter().any(|w| params.given(w)) {
            let names: Vec<String> = group.iter().map(|w| format!("`{w}`")).collect();
            return Err(Violation::Missing(format!(
                "at least one of the parameters {} must be given",
                names.join(", ")
            )));
        }
    }
    for rule in action.params {
        check_value(rule, params).map_err(Violation::Invalid)?;
    }
    Ok(())
}

fn check_value(rule: &Param, params: &Params) -> Result<(), String> {
    let name = rule.wire;
    if let ParamKind::File(accepted) = rule.kind {
        return match (params.file(name), params.get(name)) {
            (Some([]), _) => Err(format!("the file parameter `{name}` is empty")),
            (Some(bytes), _) => match ImageType::sniff(bytes) {
                Some(t) if accepted.contains(&t) => Ok(()),
                Some(t) => Err(format!(
                    "the file parameter `{name}` is a {t} image; expected one of: {}",
                    formats_text(accepted)
                )),
                None => Err(format!(
                    "the file parameter `{name}` is not a recognised image; expected one of: {}",
                    formats_text(accepted)
                )),
            },
            (None, Some(_)) => Err(format!(
                "the parameter `{name}` must be sent as a file part of a multipart/form-data POST"
            )),
            (None, None) => Ok(()),
        };
    }
    let Some(value) = params.get(name) else {
        return Ok(());
    };
    let items: Vec<&str> = if rule.list {
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    } else {
        vec![value]
    };
    if items.is_empty() {
        return Err(format!("the parameter `{name}` lists no value"));
    }
    for item in items {
        if let Some(c) = item.chars().find(|c| rule.forbid_chars.contains(c)) {
            return Err(format!(
                "the parameter `{name}` must not contain `{c}` (got `{}`)",
                echo(item)
            ));
        }
        match rule.kind {
            ParamKind::String | ParamKind::File(_) => {}
            ParamKind::Integer => {
                if item.trim().parse::<i64>().is_err() {
                    return Err(format!(
                        "the parameter `{name}` must be an integer (got `{}`)",
                        echo(item)
                    ));
                }
            }
            ParamKind::Date => {
                if !is_iso_date(item) {
                    return Err(format!(
                        "the parameter `{name}` must be a date as YYYY-MM-DD (got `{}`)",
                        echo(item)
                    ));
                }
            }
            ParamKind::Enum(values) => {
                if !values.contains(&item) {
                    return Err(format!(
                        "the parameter `{name}` has the value `{}`, which is not one of: {}",
                        echo(item),
                        values.join(", ")
                    ));
                }
            }
        }
    }
    if let Some((other, allowed)) = rule.pairs {
        if let Some(other_value) = params.get(other) {
            if !allowed
                .iter()
                .any(|(v, o)| *v == value && *o == other_value)
            {
                let fits: Vec<&str> = allowed
                    .iter()
                    .filter(|(_, o)| *o == other_value)
                    .map(|(v, _)| *v)
                    .collect();
                return Err(format!(
                    "the parameter `{name}` = `{}` does not go with `{other}` = `{}` (allowed with it: {})",
                    echo(value),
                    echo(other_value),
                    if fits.is_empty() { "none".to_owned() } else { fits.join(", ") }
                ));
            }
        }
    }
    Ok(())
}

/// `YYYY-MM-DD`, a real calendar date.
pub(crate) fn is_iso_date(s: &str) -> bool {
    s.len() == 10 && NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// Parses a date checked by [`is_iso_date`].
pub(crate) fn date(s: &str) -> Option<NaiveDate> {
    if is_iso_date(s) {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    } else {
        None
    }
}

#[cfg(test)]
mod buffer_tests {
    use super::Params;

    #[test]
    fn a_query_is_decoded_into_one_buffer_in_order() {
        let mut p = Params::default();
        p.extend_form(b"action=find&name=J%C3%A9r%C3%B4me+D&empty=&blank=+&name=second&%26k%3D=v%3D1%262&token=s3cr3t&bad=%FF");
        let all: Vec<(&str, &str)> = p.text().collect();
        assert_eq!(
            all,
            [
                ("action", "find"),
                ("name", "Jérôme D"),
                ("empty", ""),
                ("blank", " "),
                ("name", "second"),
                ("&k=", "v=1&2"),
                ("token", "s3cr3t"),
                ("bad", "\u{fffd}"),
            ]
        );
        // The first value wins; blank values count as absent for `get`, not for `raw`.
        assert_eq!(p.get("name"), Some("Jérôme D"));
        assert_eq!(p.get("&k="), Some("v=1&2"));
        assert_eq!(p.get("empty"), None);
        assert_eq!(p.get("blank"), None);
        assert_eq!(p.raw("blank"), Some(" "));
        assert_eq!(p.raw("missing"), None);
        // A form body adds to the query's parameters.
        p.extend_form(b"late=1");
        assert_eq!(p.get("late"), Some("1"));
        assert_eq!(p.get("action"), Some("find"));
    }

    #[test]
    fn debug_shows_names_and_sizes_only() {
        let mut p = Params::default();
        p.extend_form(b"token=s3cr3t-t0k3n&action=find");
        let shown = format!("{p:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("(\"token\", 12)"), "{shown}");
    }
}
