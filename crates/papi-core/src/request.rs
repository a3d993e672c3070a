//! A call to build: the action, its parameters and an optional file.

use url::form_urlencoded;

use crate::general::{ACTION_PARAM, TOKEN_PARAM};
use crate::secret::UserToken;
use crate::value::Upload;

/// One call: `action=<wire>` plus parameters in order, and optionally a file (which turns
/// the call into a multipart/form-data POST).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    action: &'static str,
    params: Vec<(&'static str, String)>,
    file: Option<(&'static str, Upload)>,
}

impl Request {
    /// A call of `action` (its wire name).
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            params: Vec::new(),
            file: None,
        }
    }

    /// Adds a parameter (sent in the order added).
    pub fn param(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        self.params.push((name, value.into()));
        self
    }

    /// Attaches a file under the part name `name`; the call becomes a multipart POST.
    pub fn file(&mut self, name: &'static str, upload: Upload) -> &mut Self {
        self.file = Some((name, upload));
        self
    }

    /// The action's wire name.
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// The parameters, in order.
    pub fn params(&self) -> &[(&'static str, String)] {
        &self.params
    }

    /// The file part, if any.
    pub fn upload(&self) -> Option<(&'static str, &Upload)> {
        self.file.as_ref().map(|(n, u)| (*n, u))
    }

    /// Whether the call is a multipart POST.
    pub fn is_multipart(&self) -> bool {
        self.file.is_some()
    }

    /// The form-urlencoded query `action=…&params…&token=…` (space `+`, `"` `%22`,
    /// `+` `%2B`, `|` `%7C`).
    pub fn query(&self, token: &UserToken) -> String {
        self.query_with_token(token.expose())
    }

    /// The query with the token shown as `***`, for messages and traces.
    pub fn redacted_query(&self) -> String {
        self.query_with_token("***")
    }

    fn query_with_token(&self, token: &str) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair(ACTION_PARAM, self.action);
        for (name, value) in &self.params {
            q.append_pair(name, value);
        }
        q.append_pair(TOKEN_PARAM, token);
        q.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_encoding() {
        let mut r = Request::new("findcontactlist");
        r.param("search", "\"complex string\"");
        assert_eq!(
            r.query(&UserToken::new("a+b|c")),
            "action=findcontactlist&search=%22complex+string%22&token=a%2Bb%7Cc"
        );
        assert_eq!(
            r.redacted_query(),
            "action=findcontactlist&search=%22complex+string%22&token=***"
        );
        assert!(!format!("{r:?}").contains("a+b|c"));
    }
}
