//! A call to build: the action, its parameters and an optional file.

use url::form_urlencoded;

use crate::api::Effect;
use crate::general::{ACTION_PARAM, TOKEN_PARAM};
use crate::secret::UserToken;
use crate::value::Upload;

/// One call: `action=<wire>` plus parameters in order, and optionally a file (which turns
/// the call into a multipart/form-data POST), with the action's [`Effect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    action: &'static str,
    effect: Effect,
    params: Vec<(&'static str, String)>,
    file: Option<(&'static str, Upload)>,
}

impl Request {
    /// A call of `action` (its wire name), taken as a write: it is never retried. Generated
    /// clients use [`Request::with_effect`] with the effect the spec gives.
    pub fn new(action: &'static str) -> Self {
        Self::with_effect(action, Effect::Write)
    }

    /// A call of `action` with its effect; only a [`Effect::Read`] without a file may be
    /// retried (see [`RetryPolicy`](crate::RetryPolicy)).
    pub fn with_effect(action: &'static str, effect: Effect) -> Self {
        Self {
            action,
            effect,
            params: Vec::new(),
            file: None,
        }
    }

    /// What the action does to the user's data.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Whether the call may be sent again after a failure: a read without a file.
    pub fn is_idempotent(&self) -> bool {
        self.effect == Effect::Read && self.file.is_none()
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

    /// Appends the query of [`Request::query`] to `url`'s own query (after a `&` when it
    /// has one), encoding each pair once: the URL is not parsed again.
    pub(crate) fn append_query(&self, url: &mut url::Url, token: &UserToken) {
        self.write_pairs(&mut url.query_pairs_mut(), token.expose());
    }

    /// [`Request::append_query`] with the token shown as `***`.
    pub(crate) fn append_redacted_query(&self, url: &mut url::Url) {
        self.write_pairs(&mut url.query_pairs_mut(), "***");
    }

    fn write_pairs<T: form_urlencoded::Target>(
        &self,
        q: &mut form_urlencoded::Serializer<'_, T>,
        token: &str,
    ) {
        q.append_pair(ACTION_PARAM, self.action);
        for (name, value) in &self.params {
            q.append_pair(name, value);
        }
        q.append_pair(TOKEN_PARAM, token);
    }

    fn query_with_token(&self, token: &str) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        self.write_pairs(&mut q, token);
        q.finish()
    }
}

/// The URL of one call as shown in errors and traces (token as `***`), written only when
/// asked for: a successful call without a trace subscriber never builds it.
#[derive(Clone, Copy)]
pub(crate) struct Redacted<'r> {
    endpoint: &'r url::Url,
    req: &'r Request,
}

impl<'r> Redacted<'r> {
    /// The call `req` to `endpoint`, as shown.
    pub(crate) fn new(endpoint: &'r url::Url, req: &'r Request) -> Self {
        Self { endpoint, req }
    }

    /// The URL to show: the endpoint of a multipart POST, or the GET URL with `token=***`.
    pub(crate) fn url(&self) -> String {
        if self.req.is_multipart() {
            return self.endpoint.to_string();
        }
        let mut url = self.endpoint.clone();
        self.req.append_redacted_query(&mut url);
        url.into()
    }
}

impl std::fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url())
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

    #[test]
    fn the_query_appended_to_a_url_is_the_query() {
        let mut r = Request::new("findcontactlist");
        r.param("search", "\"complex string\" & é");
        let token = UserToken::new("a+b|c");
        for (endpoint, joined) in [
            ("http://h/p", "http://h/p?"),
            ("http://h/p?", "http://h/p?"),
            ("http://h/p?k=v%20w", "http://h/p?k=v%20w&"),
        ] {
            let mut url = url::Url::parse(endpoint).unwrap();
            r.append_query(&mut url, &token);
            assert_eq!(url.as_str(), format!("{joined}{}", r.query(&token)));
            let mut redacted = url::Url::parse(endpoint).unwrap();
            r.append_redacted_query(&mut redacted);
            assert_eq!(redacted.as_str(), format!("{joined}{}", r.redacted_query()));
            // What the URL says is what it holds: parsing its text gives it back.
            assert_eq!(url::Url::parse(url.as_str()).unwrap(), url);
        }
    }

    #[test]
    fn only_reads_without_a_file_are_idempotent() {
        assert!(!Request::new("addcontact").is_idempotent());
        assert_eq!(Request::new("x").effect(), Effect::Write);
        let mut read = Request::with_effect("getcontact", Effect::Read);
        assert!(read.is_idempotent());
        read.file("file", Upload::new(vec![0xFF, 0xD8, 0xFF], "a.jpg"));
        assert!(!read.is_idempotent());
    }
}
