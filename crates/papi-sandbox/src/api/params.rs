//! The parameters of a call (query, form or multipart body), read from the HTTP request
//! and handed to the action's operation as [`WireParams`]; the operation's refusals as the
//! API's answers.

use std::ops::Range;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, Method};
use papi_core::{ParamError, Upload, WireParams};
use url::form_urlencoded;

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
    files: Vec<(String, Upload)>,
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
                    .map(|(k, u)| (k, u.bytes().len()))
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
                // Only shown in messages: cut short like any echoed value.
                let file_name = field
                    .file_name()
                    .map(|f| f.chars().take(ECHO_LIMIT).collect::<String>());
                let bytes = field.bytes().await.map_err(|e| e.body_text())?;
                if let Some(file_name) = file_name {
                    params
                        .files
                        .push((name, Upload::new(bytes.to_vec(), file_name)));
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
    fn file(&self, name: &str) -> Option<&Upload> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, u)| u)
    }

    /// The text parameters, for logging the action name and storing events.
    pub(crate) fn raw(&self, name: &str) -> Option<&str> {
        self.text().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The parameters of an action whose operation reads `known` (its parameters' wire
    /// names), as its reader takes them: text parameters and file parts of those names.
    ///
    /// A blank text value counts as absent, as it always has here; any other name (the
    /// action and token parameters, names the action does not know) is left out. A known
    /// name given twice, in any form, is refused: which value a server would take is
    /// unknown. Only known names are kept, so a call with many parameters costs no more
    /// than the action's few.
    pub(crate) fn wire(&self, known: &'static [&'static str]) -> Result<WireParams, ParamError> {
        let mut seen = vec![false; known.len()];
        let mut wire = WireParams::new();
        let mut mark = |name: &str| -> Result<Option<&'static str>, ParamError> {
            let Some(i) = known.iter().position(|k| *k == name) else {
                return Ok(None);
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(ParamError::Repeated {
                    param: known[i].to_owned(),
                });
            }
            Ok(Some(known[i]))
        };
        for (name, value) in self.text() {
            if let Some(name) = mark(name)? {
                if !value.trim().is_empty() {
                    wire.push(name, value)?;
                }
            }
        }
        for (name, upload) in &self.files {
            if let Some(name) = mark(name)? {
                wire.push_file(name, upload.clone())?;
            }
        }
        Ok(wire)
    }
}

/// Why a call's parameters are refused, as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Violation {
    /// A mandatory parameter, or a whole at-least-one-of group, is absent.
    Missing(String),
    /// A parameter's value is refused.
    Invalid(String),
}

/// Cuts a value echoed in an error detail to [`ECHO_LIMIT`] characters.
fn clip(value: &mut String) {
    if let Some((cut, _)) = value.char_indices().nth(ECHO_LIMIT) {
        value.truncate(cut);
        value.push('…');
    }
}

impl Violation {
    /// The answer to a refusal of the action's operation: `Missing` and `AtLeastOneOf` are
    /// missing parameters, anything else an invalid one, with the refusal's own words (the
    /// clients') as the detail, echoed values cut short.
    ///
    /// A mandatory parameter that was sent, but in the other form (a text field where a
    /// file part is expected, or a file part for a text), is invalid, not missing.
    pub(crate) fn of(mut e: ParamError, params: &Params) -> Self {
        match &mut e {
            ParamError::Missing { param } => {
                let param = *param;
                if params.file(param).is_some() {
                    return Self::Invalid(format!(
                        "parameter `{param}` must be sent as text, not as a file part"
                    ));
                }
                if params.get(param).is_some() {
                    return Self::Invalid(format!(
                        "parameter `{param}` must be sent as a file part of a multipart/form-data POST"
                    ));
                }
                return Self::Missing(e.to_string());
            }
            ParamError::AtLeastOneOf { .. } => return Self::Missing(e.to_string()),
            ParamError::InvalidEnum { value, .. } | ParamError::Malformed { value, .. } => {
                clip(value);
            }
            ParamError::InvalidCombination {
                value, other_value, ..
            } => {
                clip(value);
                clip(other_value);
            }
            ParamError::Repeated { param } | ParamError::Unknown { param, .. } => clip(param),
            ParamError::UnsupportedFile { reason, .. } => clip_long(reason),
            _ => {}
        }
        Self::Invalid(e.to_string())
    }
}

/// Cuts a whole explanation that holds an echoed value (a file name) to a few times
/// [`ECHO_LIMIT`].
fn clip_long(text: &mut String) {
    if let Some((cut, _)) = text.char_indices().nth(4 * ECHO_LIMIT) {
        text.truncate(cut);
        text.push('…');
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

#[cfg(test)]
mod wire_tests {
    use papi_core::{ParamError, Upload};

    use super::{Params, Violation};

    const KNOWN: &[&str] = &["cid", "file", "search"];

    fn params(query: &[u8]) -> Params {
        let mut p = Params::default();
        p.extend_form(query);
        p
    }

    #[test]
    fn only_known_names_go_to_the_operation_and_blanks_count_as_absent() {
        let p = params(b"action=x&cid=C1&search=+&other=1&other=2&token=t");
        let wire = p.wire(KNOWN).unwrap();
        assert_eq!(wire.names().collect::<Vec<_>>(), ["cid"]);
        assert_eq!(wire.optional("cid"), Some("C1"));
    }

    #[test]
    fn a_known_name_given_twice_is_refused_even_blank_or_as_a_file() {
        for query in [&b"cid=1&cid=2"[..], b"cid=&cid=2", b"cid=1&cid="] {
            assert_eq!(
                params(query).wire(KNOWN).unwrap_err(),
                ParamError::Repeated {
                    param: "cid".into()
                }
            );
        }
        let mut p = params(b"file=x");
        p.files.push(("file".into(), Upload::new(vec![1], "a.jpg")));
        assert!(matches!(p.wire(KNOWN), Err(ParamError::Repeated { .. })));
    }

    #[test]
    fn refusals_map_to_missing_or_invalid() {
        let p = params(b"search=Ora");
        let missing = Violation::of(ParamError::Missing { param: "cid" }, &p);
        assert_eq!(
            missing,
            Violation::Missing("parameter `cid` is missing".into())
        );
        let group = Violation::of(ParamError::AtLeastOneOf { params: KNOWN }, &p);
        assert!(matches!(group, Violation::Missing(_)));
        let empty = Violation::of(ParamError::EmptyList { param: "search" }, &p);
        assert!(matches!(empty, Violation::Invalid(_)));
        // Sent, but as text where a file part is expected (or the other way round).
        let p = params(b"file=abc");
        let Violation::Invalid(detail) = Violation::of(ParamError::Missing { param: "file" }, &p)
        else {
            panic!("a file sent as text is invalid");
        };
        assert!(detail.contains("file part"), "{detail}");
        let mut p = Params::default();
        p.files.push(("cid".into(), Upload::new(vec![1], "c")));
        assert!(matches!(
            Violation::of(ParamError::Missing { param: "cid" }, &p),
            Violation::Invalid(_)
        ));
    }

    #[test]
    fn echoed_values_are_cut_short() {
        let long = "x".repeat(10_000);
        let e = ParamError::InvalidEnum {
            param: "civility",
            value: long.clone(),
            allowed: &["1", "2"],
        };
        let Violation::Invalid(detail) = Violation::of(e, &Params::default()) else {
            panic!()
        };
        assert!(detail.len() < 200, "{detail}");
        assert!(
            detail.contains('…') && detail.contains("`1`, `2`"),
            "{detail}"
        );
    }
}
