//! The parameters of a call (query, form or multipart body) and their checks against the
//! rules of the generated table.

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
#[derive(Default)]
pub(crate) struct Params {
    text: Vec<(String, String)>,
    files: Vec<(String, Vec<u8>)>,
    posted: bool,
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Params")
            .field(
                "text",
                &self
                    .text
                    .iter()
                    .map(|(k, v)| (k, v.len()))
                    .collect::<Vec<_>>(),
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
            params
                .text
                .extend(form_urlencoded::parse(query.as_bytes()).into_owned());
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
                    params
                        .text
                        .push((name, String::from_utf8_lossy(&bytes).into_owned()));
                }
            }
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            let body = axum::body::to_bytes(req.into_body(), FORM_LIMIT)
                .await
                .map_err(|e| format!("cannot read the form body: {e}"))?;
            params
                .text
                .extend(form_urlencoded::parse(&body).into_owned());
        }
        Ok(params)
    }

    /// Whether the call came as a POST (else a GET).
    pub(crate) fn posted(&self) -> bool {
        self.posted
    }

    /// The first value of a text parameter, `None` when absent or blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.text
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
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
        self.text
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
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
