//! Operations: one generated type per action, the unit that clients, the command line and
//! the sandbox share.
//!
//! An [`Operation`] holds the parameters of one call of one action. It has one
//! implementation of each thing done with them, generated from the spec:
//!
//! - checking them and writing the request ([`Operation::into_request`]);
//! - reading them from a wire query or form with the same checks ([`Operation::from_wire`]);
//! - decoding the answer ([`Operation::decode`]).
//!
//! Its wire facts (action, method, effect, privacy family and attribute, endpoint, parameter
//! names) are in [`Operation::INFO`]. The runtime knows no API: every name here reaches it
//! from a generated crate.

use chrono::NaiveDate;

use crate::api::{ApiDescriptor, Effect};
use crate::error::{ApiCode, Error, ParamError};
use crate::request::Request;
use crate::value::Upload;

/// How an action is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// An HTTP GET with every parameter in the query.
    Get,
    /// A multipart/form-data POST carrying a file.
    MultipartPost,
}

/// The privacy family and attribute that guard an action: what the user consents to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Privacy {
    /// The family (e.g. the contacts family).
    pub family: &'static str,
    /// The attribute of the family; `None` when the sources do not document it.
    pub attribute: Option<&'static str>,
}

/// The wire facts of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    /// The API, and so the endpoint and path, that serves the action.
    pub api: &'static ApiDescriptor,
    /// The action's wire name (the value of the action parameter).
    pub action: &'static str,
    /// How the action is sent.
    pub method: Method,
    /// What it does to the user's data.
    pub effect: Effect,
    /// The privacy family and attribute; `None` when the family is undocumented.
    pub privacy: Option<Privacy>,
    /// The wire names of its parameters, in the order they are sent.
    pub params: &'static [&'static str],
}

/// One call of one action, generated per action.
///
/// Required parameters are taken by the generated `new`, optional ones by setters; the
/// generated types are `#[non_exhaustive]`, so a parameter added to the spec is an addition,
/// not a breaking change.
pub trait Operation: Sized {
    /// The decoded answer.
    type Output;
    /// The API's own error codes.
    type Code: ApiCode;
    /// The action's wire facts.
    const INFO: OperationInfo;

    /// Checks every parameter (values, allowed pairs, at-least-one-of groups, files) and
    /// writes the request. Nothing is sent by this.
    fn into_request(self) -> Result<Request, ParamError>;

    /// Reads the parameters from the wire (a query, a form, or `name=value` pairs given
    /// on a command line), with the same checks as [`Operation::into_request`]. Names it
    /// does not know are left in `params` (see [`WireParams::refuse_unknown`]).
    fn from_wire(params: &mut WireParams) -> Result<Self, ParamError>;

    /// Decodes the answer (HTTP status and body): the answer, or the error document it is.
    fn decode(status: u16, body: &[u8]) -> Result<Self::Output, Error<Self::Code>>;
}

/// Parameters as received on the wire: text parameters in order, each name at most once,
/// and files by part name. `Debug` shows names and sizes only.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct WireParams {
    text: Vec<(String, String)>,
    files: Vec<(String, Upload)>,
}

impl std::fmt::Debug for WireParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text: Vec<(&str, usize)> = self.text.iter().map(|(k, v)| (&**k, v.len())).collect();
        let files: Vec<(&str, usize)> = self
            .files
            .iter()
            .map(|(k, u)| (&**k, u.bytes().len()))
            .collect();
        f.debug_struct("WireParams")
            .field("text", &text)
            .field("files", &files)
            .finish()
    }
}

impl WireParams {
    /// No parameter yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a text parameter; a name given twice is refused (the documents never repeat a
    /// parameter, and which of two values a server would take is unknown).
    pub fn push(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<(), ParamError> {
        let name = name.into();
        self.refuse_repeated(&name)?;
        self.text.push((name, value.into()));
        Ok(())
    }

    /// Adds a file part; a name given twice is refused.
    pub fn push_file(&mut self, name: impl Into<String>, upload: Upload) -> Result<(), ParamError> {
        let name = name.into();
        self.refuse_repeated(&name)?;
        self.files.push((name, upload));
        Ok(())
    }

    fn refuse_repeated(&self, name: &str) -> Result<(), ParamError> {
        let seen = self
            .text
            .iter()
            .map(|(k, _)| k)
            .chain(self.files.iter().map(|(k, _)| k));
        for known in seen {
            if known == name {
                return Err(ParamError::Repeated {
                    param: name.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// The names given, text and files, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.text
            .iter()
            .map(|(k, _)| k.as_str())
            .chain(self.files.iter().map(|(k, _)| k.as_str()))
    }

    /// Refuses any name that is not in `known` (an operation's [`OperationInfo::params`]).
    pub fn refuse_unknown(&self, known: &'static [&'static str]) -> Result<(), ParamError> {
        match self.names().find(|n| !known.contains(n)) {
            Some(name) => Err(ParamError::Unknown {
                param: name.to_owned(),
                known,
            }),
            None => Ok(()),
        }
    }

    /// The value of a text parameter, if given.
    pub fn optional(&self, param: &'static str) -> Option<&str> {
        self.text
            .iter()
            .find(|(k, _)| k == param)
            .map(|(_, v)| v.as_str())
    }

    /// The value of a mandatory text parameter.
    pub fn required(&self, param: &'static str) -> Result<&str, ParamError> {
        self.optional(param).ok_or(ParamError::Missing { param })
    }

    /// Takes a file part out, if given.
    pub fn take_file(&mut self, param: &'static str) -> Option<Upload> {
        let i = self.files.iter().position(|(k, _)| k == param)?;
        Some(self.files.remove(i).1)
    }

    /// Takes a mandatory file part out.
    pub fn required_file(&mut self, param: &'static str) -> Result<Upload, ParamError> {
        self.take_file(param).ok_or(ParamError::Missing { param })
    }
}

/// Reads a whole-number parameter.
pub fn parse_integer(param: &'static str, value: &str) -> Result<i64, ParamError> {
    value.trim().parse().map_err(|_| ParamError::Malformed {
        param,
        value: value.to_owned(),
        expected: "a whole number",
    })
}

/// Reads a date parameter, written as the documents send it: ISO 8601 `YYYY-MM-DD`.
pub fn parse_date(param: &'static str, value: &str) -> Result<NaiveDate, ParamError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| ParamError::Malformed {
        param,
        value: value.to_owned(),
        expected: "a date written YYYY-MM-DD",
    })
}

/// Splits a list parameter (comma-separated on the wire) into its items.
pub fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').filter(|item| !item.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_given_once() {
        let mut p = WireParams::new();
        p.push("a", "1").unwrap();
        assert_eq!(
            p.push("a", "2"),
            Err(ParamError::Repeated { param: "a".into() })
        );
        let upload = Upload::new(vec![1, 2], "x.bin");
        assert!(p.push_file("a", upload.clone()).is_err());
        p.push_file("f", upload.clone()).unwrap();
        assert!(p.push("f", "x").is_err());
        assert_eq!(p.names().collect::<Vec<_>>(), ["a", "f"]);
    }

    #[test]
    fn values_are_read_by_name() {
        let mut p = WireParams::new();
        p.push("a", "1").unwrap();
        p.push_file("f", Upload::new(vec![1], "x")).unwrap();
        assert_eq!(p.optional("a"), Some("1"));
        assert_eq!(p.optional("b"), None);
        assert_eq!(p.required("b"), Err(ParamError::Missing { param: "b" }));
        assert!(p.required_file("g").is_err());
        assert_eq!(p.take_file("f").map(|u| u.bytes().to_vec()), Some(vec![1]));
        assert!(p.take_file("f").is_none());
    }

    #[test]
    fn unknown_names_are_refused_with_the_known_ones() {
        let mut p = WireParams::new();
        p.push("a", "1").unwrap();
        p.push("zz", "2").unwrap();
        assert!(p.refuse_unknown(&["a", "zz"]).is_ok());
        let e = p.refuse_unknown(&["a", "b"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "parameter `zz` is not a parameter of this action; known: `a`, `b`"
        );
    }

    #[test]
    fn numbers_dates_and_lists() {
        assert_eq!(parse_integer("n", " 42 "), Ok(42));
        assert!(parse_integer("n", "4x").is_err());
        assert_eq!(
            parse_date("d", "2008-02-29"),
            Ok(NaiveDate::from_ymd_opt(2008, 2, 29).unwrap())
        );
        let e = parse_date("d", "not-a-date").unwrap_err();
        assert_eq!(
            e.to_string(),
            "parameter `d`: \"not-a-date\" is not a date written YYYY-MM-DD"
        );
        assert_eq!(split_list("a,b,,c").collect::<Vec<_>>(), ["a", "b", "c"]);
    }

    #[test]
    fn debug_shows_no_value() {
        let mut p = WireParams::new();
        p.push("token", "secret-value").unwrap();
        assert!(!format!("{p:?}").contains("secret-value"));
    }
}
