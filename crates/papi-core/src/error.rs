//! Errors: invalid parameters, configuration, transport, API errors and decode errors.
//!
//! Every error that comes from an answer keeps the HTTP status and the raw body.

use std::fmt;

use crate::consent::ConsentRequest;
use crate::general::GeneralError;

/// An API's own error code table, generated per API.
///
/// `from_code` is total: a generated table has an `Unknown(i64)`-like variant for codes
/// it does not know.
pub trait ApiCode: Clone + fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// The variant for `code` (an unknown variant when the table lacks the code).
    fn from_code(code: i64) -> Self;
    /// The numeric code on the wire.
    fn code(&self) -> i64;
    /// Whether the same call may succeed later.
    fn is_retryable(&self) -> bool;
}

/// A bare numeric code, for callers (and tests) that have no generated table.
impl ApiCode for i64 {
    fn from_code(code: i64) -> Self {
        code
    }
    fn code(&self) -> i64 {
        *self
    }
    fn is_retryable(&self) -> bool {
        false
    }
}

/// Everything a call can fail with. `S` is the API's own error code table.
///
/// Each layer says what it knows once: the text of a parameter, configuration, API or
/// decoding error is whole in its `Display`, and such an error has no `source()`. A
/// transport error shows what failed and where, and its `source()` chain leads, without
/// repeating that text, to the root cause (for example the refused connection);
/// [`report`] writes the whole chain on one line.
///
/// Each client crate names it with its own codes (`papi_contacts::Error` is
/// `Error<papi_contacts::ErrorCode>`).
///
/// ```
/// use papi_core::{Config, Error, ServiceCredentials, TransportErrorKind, UserToken};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// # let free = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
/// # let base_url = format!("http://{free}");
/// // Nothing listens at `base_url`.
/// let config = Config::custom(&base_url, ServiceCredentials::new("my-service", "my-password"))?;
/// let contacts = papi_contacts::Client::new(&config)?;
/// let token = UserToken::new("a-token");
///
/// // Refused before anything is sent, naming the parameter.
/// let error = contacts.find_contact_list(&token, "Ada*").await.unwrap_err();
/// assert!(matches!(error, Error::InvalidParam(_)));
/// assert_eq!(error.to_string(), "invalid parameter: parameter `search` must not contain '*'");
///
/// // Sent, but no answer came: a failure that may pass.
/// let error = contacts.find_contact_list(&token, "Ada").await.unwrap_err();
/// match &error {
///     Error::Transport(e) => {
///         assert_eq!(e.kind(), TransportErrorKind::Connect);
///         assert!(error.is_retryable());
///         // The whole chain of causes on one line, the token shown as `***`.
///         println!("{}", papi_core::report(&error));
///     }
///     // `-3`: the user must consent (see `ConsentFlow`).
///     Error::Api(_) if error.is_privacy_denied() => println!("consent needed"),
///     // Any other error document: its code, classified, and the server's message.
///     Error::Api(e) => println!("API error {} ({}): {}", e.code, e.kind, e.detail),
///     other => println!("{other}"),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
pub enum Error<S> {
    /// A parameter was refused before anything was sent.
    #[error("invalid parameter: {0}")]
    InvalidParam(ParamError),
    /// The configuration cannot be used.
    #[error("configuration error: {0}")]
    Config(ConfigError),
    /// The request could not be sent or the answer could not be read.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The API answered with an error document.
    #[error("{0}")]
    Api(ApiError<S>),
    /// The answer could not be decoded.
    #[error("cannot decode the answer: {0}")]
    Decode(DecodeError),
    /// A non-2xx status without a recognisable error document.
    #[error("unexpected HTTP status {status}")]
    UnexpectedStatus {
        /// HTTP status.
        status: u16,
        /// Raw body (lossily decoded as UTF-8).
        body: String,
    },
}

impl<S> From<ApiError<S>> for Error<S> {
    fn from(e: ApiError<S>) -> Self {
        Error::Api(e)
    }
}

impl<S> From<ParamError> for Error<S> {
    fn from(e: ParamError) -> Self {
        Error::InvalidParam(e)
    }
}

impl<S> From<ConfigError> for Error<S> {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl<S> From<DecodeError> for Error<S> {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e)
    }
}

/// An error and its causes on one line, `: ` between them; a cause whose text the line
/// already holds is left out (a library that repeats its cause in its own text).
pub fn report(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = c.source();
    }
    line
}

impl<S: ApiCode> Error<S> {
    /// Whether the same call may succeed later: timeouts and connection failures, API
    /// codes documented as internal server errors, and 429/500/502/503/504 statuses
    /// without an error document.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(e) => e.is_retryable(),
            Error::Api(e) => e.is_retryable(),
            Error::UnexpectedStatus { status, .. } => {
                matches!(status, 429 | 500 | 502 | 503 | 504)
            }
            Error::InvalidParam(_) | Error::Config(_) | Error::Decode(_) => false,
        }
    }
}

impl<S> Error<S> {
    /// Whether this is the general `-3 PrivacyAccessDeniedException`: the user has to grant
    /// consent (see [`Error::consent`]).
    pub fn is_privacy_denied(&self) -> bool {
        matches!(self, Error::Api(e) if e.is_privacy_denied())
    }

    /// The consent request carried by a privacy error, if any.
    pub fn consent(&self) -> Option<&ConsentRequest> {
        match self {
            Error::Api(e) => e.consent(),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => e.status,
            Error::UnexpectedStatus { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The raw body of the answer, when there was one.
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::Api(e) => Some(&e.body),
            Error::Decode(e) => Some(&e.body),
            Error::UnexpectedStatus { body, .. } => Some(body),
            _ => None,
        }
    }
}

/// Which table an API error code belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiErrorKind<S> {
    /// A general code (`-1` to `-10`), whatever envelope carried it.
    General(GeneralError),
    /// A code of the API's own table.
    Specific(S),
}

impl<S: ApiCode> ApiErrorKind<S> {
    /// Classifies a code: general table first, then the API's table.
    pub fn classify(code: i64) -> Self {
        match GeneralError::from_code(code) {
            Some(g) => ApiErrorKind::General(g),
            None => ApiErrorKind::Specific(S::from_code(code)),
        }
    }

    /// Whether the same call may succeed later.
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiErrorKind::General(g) => g.is_retryable(),
            ApiErrorKind::Specific(s) => s.is_retryable(),
        }
    }
}

impl<S: fmt::Display> fmt::Display for ApiErrorKind<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiErrorKind::General(g) => fmt::Display::fmt(g, f),
            ApiErrorKind::Specific(s) => fmt::Display::fmt(s, f),
        }
    }
}

/// An error document answered by the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError<S> {
    /// HTTP status of the answer (a `-3` came with 500 on the real servers).
    pub status: u16,
    /// The code, classified.
    pub kind: ApiErrorKind<S>,
    /// The numeric code as answered.
    pub code: i64,
    /// The message (`detail`, or the text of the command's `error` element), trimmed.
    pub detail: String,
    /// The internal subtype (command envelopes only).
    pub subtype: Option<String>,
    /// The consent request of a privacy error, when its URL could be read and points where
    /// the configuration sends users (see [`crate::Config::with_consent_origin`]).
    pub consent: Option<ConsentRequest>,
    /// A consent URL refused because it points elsewhere (a hostile or misconfigured
    /// server); it keeps the URL as received, for logs. Never redirect a user there.
    pub untrusted_consent: Option<Box<crate::consent::ConsentError>>,
    /// Raw body (lossily decoded as UTF-8).
    pub body: String,
}

impl<S: ApiCode> ApiError<S> {
    /// Builds an API error, classifying `code`.
    pub fn new(
        status: u16,
        code: i64,
        detail: impl Into<String>,
        subtype: Option<String>,
        consent: Option<ConsentRequest>,
        body: impl Into<String>,
    ) -> Self {
        Self {
            status,
            kind: ApiErrorKind::classify(code),
            code,
            detail: detail.into(),
            subtype,
            consent,
            untrusted_consent: None,
            body: body.into(),
        }
    }

    /// Whether the same call may succeed later.
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

impl<S> ApiError<S> {
    /// Whether this is the general privacy error (consent needed).
    pub fn is_privacy_denied(&self) -> bool {
        matches!(&self.kind, ApiErrorKind::General(g) if g.carries_consent())
    }

    /// The consent request, if the error carried a readable consent URL.
    pub fn consent(&self) -> Option<&ConsentRequest> {
        self.consent.as_ref()
    }

    /// The general error, if the code is a general one.
    pub fn general(&self) -> Option<GeneralError> {
        match &self.kind {
            ApiErrorKind::General(g) => Some(*g),
            ApiErrorKind::Specific(_) => None,
        }
    }

    /// The API-specific code, if the code is not a general one.
    pub fn specific(&self) -> Option<&S> {
        match &self.kind {
            ApiErrorKind::General(_) => None,
            ApiErrorKind::Specific(s) => Some(s),
        }
    }
}

impl<S: fmt::Display> fmt::Display for ApiError<S> {
    /// `API error <code> <name> [HTTP <status>]`, then the server's detail when it says
    /// more than the name, the advice of a general code, and the consent URL of a privacy
    /// error: each once.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind.to_string();
        write!(f, "API error {kind}")?;
        if let Some(sub) = &self.subtype {
            write!(f, " (subtype {sub})")?;
        }
        write!(f, " [HTTP {}]", self.status)?;
        let detail = self.detail.trim();
        if !detail.is_empty() && !kind.to_lowercase().contains(&detail.to_lowercase()) {
            write!(f, ": {detail}")?;
        }
        if let ApiErrorKind::General(g) = &self.kind {
            write!(f, " — {}", g.advice())?;
        }
        if let Some(consent) = &self.consent {
            write!(f, " Consent URL: {}", consent.url())?;
        }
        if let Some(refused) = &self.untrusted_consent {
            write!(f, " The {refused}.")?;
        }
        Ok(())
    }
}

impl<S: fmt::Debug + fmt::Display> std::error::Error for ApiError<S> {}

/// A parameter refused before anything was sent; each variant names the parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamError {
    /// A mandatory parameter is empty.
    #[error("parameter `{param}` must not be empty")]
    Empty {
        /// Wire name of the parameter.
        param: &'static str,
    },
    /// None of a group of parameters is set.
    #[error("at least one of {} must be set", list(params))]
    AtLeastOneOf {
        /// Wire names of the group.
        params: &'static [&'static str],
    },
    /// A value holds a character the API forbids (e.g. `*` in a contact search).
    #[error("parameter `{param}` must not contain {ch:?}")]
    ForbiddenChar {
        /// Wire name of the parameter.
        param: &'static str,
        /// The forbidden character found.
        ch: char,
    },
    /// A value outside the documented set.
    #[error("parameter `{param}`: {value:?} is not one of {}", list(allowed))]
    InvalidEnum {
        /// Wire name of the parameter.
        param: &'static str,
        /// The value given.
        value: String,
        /// The documented values.
        allowed: &'static [&'static str],
    },
    /// Two values that the API does not accept together.
    #[error("parameter `{param}`={value:?} is not allowed with `{other}`={other_value:?}")]
    InvalidCombination {
        /// Wire name of the parameter.
        param: &'static str,
        /// Its value.
        value: String,
        /// Wire name of the other parameter.
        other: &'static str,
        /// The other parameter's value.
        other_value: String,
    },
    /// A list parameter is empty.
    #[error("parameter `{param}` needs at least one value")]
    EmptyList {
        /// Wire name of the parameter.
        param: &'static str,
    },
    /// A file the API would refuse.
    #[error("file parameter `{param}`: {reason}")]
    UnsupportedFile {
        /// Wire name of the parameter.
        param: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// A mandatory parameter is not given at all (reading parameters from the wire).
    #[error("parameter `{param}` is missing")]
    Missing {
        /// Wire name of the parameter.
        param: &'static str,
    },
    /// A parameter given twice (reading parameters from the wire).
    #[error("parameter `{param}` is given more than once")]
    Repeated {
        /// The name as given.
        param: String,
    },
    /// A name that is not a parameter of the action (reading parameters from the wire).
    #[error(
        "parameter `{param}` is not a parameter of this action; known: {}",
        list(known)
    )]
    Unknown {
        /// The name as given.
        param: String,
        /// The action's parameters.
        known: &'static [&'static str],
    },
    /// A value that cannot be read as the parameter's type (reading parameters from the
    /// wire).
    #[error("parameter `{param}`: {value:?} is not {expected}")]
    Malformed {
        /// Wire name of the parameter.
        param: &'static str,
        /// The value given.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
}

fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    quoted.join(", ")
}

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A base URL or endpoint that is not an absolute http(s) URL.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// Why it is refused.
        reason: String,
    },
    /// The documentation gives no endpoint for this API in this environment.
    #[error("the {environment} endpoint of the {api} is not documented; use Config::custom or Transport::with_endpoint")]
    UndocumentedEndpoint {
        /// Name of the API.
        api: &'static str,
        /// `production` or `integration`.
        environment: &'static str,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
    /// A plain `http` URL of a host that is not loopback: the service password and the
    /// user token would cross the network in clear text.
    #[error("plain http to {host:?} would send the service password and the user token in clear text; use https, or opt out explicitly with Config::custom_allowing_plain_http or Config::allow_plain_http")]
    InsecureUrl {
        /// The host of the refused URL.
        host: String,
    },
    /// An environment variable [`Config::from_env`](crate::Config::from_env) needs is not
    /// set (or is empty).
    #[error("the environment variable {var} is not set: {help}")]
    MissingEnv {
        /// The variable (see [`crate::env`]).
        var: &'static str,
        /// What to set it to.
        help: &'static str,
    },
    /// An environment variable cannot be read as what it stands for. The reason never
    /// holds the value of a secret (the password, the token).
    #[error("the environment variable {var} cannot be used: {reason}")]
    InvalidEnv {
        /// The variable (see [`crate::env`]).
        var: &'static str,
        /// Why.
        reason: String,
    },
}

/// What went wrong while sending a request or reading its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The request timed out (connect or whole-request timeout).
    Timeout,
    /// The connection could not be made.
    Connect,
    /// The connection was closed or reset before a whole answer arrived.
    ConnectionClosed,
    /// The request could not be built.
    Builder,
    /// The answer's body could not be read.
    Body,
    /// The answer's body is larger than the configured cap
    /// ([`Config::with_max_body_bytes`](crate::Config::with_max_body_bytes)); reading
    /// stopped at the cap.
    BodyTooLarge,
    /// The server answered with a redirect that was not followed (none is by default,
    /// see [`Config::follow_redirects`](crate::Config::follow_redirects)).
    Redirect,
    /// Any other failure of the HTTP client.
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Timeout => "request timed out",
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::ConnectionClosed => "connection closed before a whole answer",
            TransportErrorKind::Builder => "request could not be built",
            TransportErrorKind::Body => "answer body could not be read",
            TransportErrorKind::BodyTooLarge => "answer body too large",
            TransportErrorKind::Redirect => "redirect not followed",
            TransportErrorKind::Other => "request failed",
        })
    }
}

/// A failure of the HTTP exchange. Never prints the token or the password: the URL it
/// keeps is redacted (`token=***`) and the client error is stripped of its URL.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    url: String,
    /// The body cap, for [`TransportErrorKind::BodyTooLarge`].
    limit: Option<u64>,
    /// For [`TransportErrorKind::Redirect`]: the status and where it pointed (origin and
    /// path only).
    redirect: Option<(u16, Option<String>)>,
    source: Option<reqwest::Error>,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.kind, self.url)?;
        if let Some(limit) = self.limit {
            write!(f, ": more than the {limit}-byte cap")?;
        }
        if let Some((status, location)) = &self.redirect {
            write!(f, ": HTTP {status}")?;
            if let Some(location) = location {
                write!(f, " to {location}")?;
            }
        }
        // The client error is the `source()`, not repeated here.
        Ok(())
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl TransportError {
    /// Wraps a client error; `redacted_url` must not hold secrets.
    pub(crate) fn new(source: reqwest::Error, redacted_url: String) -> Self {
        let kind = if source.is_timeout() {
            TransportErrorKind::Timeout
        } else if source.is_connect() {
            TransportErrorKind::Connect
        } else if source.is_builder() {
            TransportErrorKind::Builder
        } else if closed_early(&source) {
            TransportErrorKind::ConnectionClosed
        } else if source.is_body() || source.is_decode() {
            TransportErrorKind::Body
        } else {
            TransportErrorKind::Other
        };
        Self {
            kind,
            url: redacted_url,
            limit: None,
            redirect: None,
            source: Some(source.without_url()),
        }
    }

    /// Wraps a failure to read a blocking answer's body; `redacted_url` must not hold
    /// secrets.
    #[cfg(feature = "blocking")]
    pub(crate) fn from_io(error: std::io::Error, redacted_url: String) -> Self {
        use std::io::ErrorKind;
        let kind = error.kind();
        if let Some(inner) = error.into_inner() {
            if let Ok(source) = inner.downcast::<reqwest::Error>() {
                return Self::new(*source, redacted_url);
            }
        }
        let kind = match kind {
            ErrorKind::TimedOut => TransportErrorKind::Timeout,
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof => TransportErrorKind::ConnectionClosed,
            _ => TransportErrorKind::Body,
        };
        Self {
            kind,
            url: redacted_url,
            limit: None,
            redirect: None,
            source: None,
        }
    }

    /// An answer body larger than `limit` bytes; `redacted_url` must not hold secrets.
    pub(crate) fn body_too_large(limit: u64, redacted_url: String) -> Self {
        Self {
            kind: TransportErrorKind::BodyTooLarge,
            url: redacted_url,
            limit: Some(limit),
            redirect: None,
            source: None,
        }
    }

    /// A redirect answer that was not followed; `location` as [`shown_location`] gives it.
    pub(crate) fn redirect(status: u16, location: Option<String>, redacted_url: String) -> Self {
        Self {
            kind: TransportErrorKind::Redirect,
            url: redacted_url,
            limit: None,
            redirect: Some((status, location)),
            source: None,
        }
    }

    /// The status and target (origin and path) of a redirect that was not followed.
    pub fn redirect_target(&self) -> Option<(u16, Option<&str>)> {
        self.redirect
            .as_ref()
            .map(|(status, location)| (*status, location.as_deref()))
    }

    /// What went wrong.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The request URL, with the token replaced by `***`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The body cap that was passed, for [`TransportErrorKind::BodyTooLarge`].
    pub fn body_limit(&self) -> Option<u64> {
        self.limit
    }

    /// Whether retrying may help: timeouts, connections that failed or were closed
    /// before a whole answer.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Timeout
                | TransportErrorKind::Connect
                | TransportErrorKind::ConnectionClosed
        )
    }
}

/// Where a redirect points, for messages: resolved against the request URL, origin and
/// path only (a query could hold the token).
pub(crate) fn shown_location(base: &url::Url, location: &str) -> String {
    match base.join(location) {
        Ok(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => "an unreadable location".to_owned(),
    }
}

/// Whether the connection was closed or reset under the request: an I/O error of that kind
/// somewhere in the error's causes, or hyper's "connection closed before message completed".
fn closed_early(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            ) {
                return true;
            }
        }
        if let Some(h) = c.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
                return true;
            }
        }
        cause = c.source();
    }
    false
}

/// An answer that could not be decoded. Keeps the HTTP status and the raw body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}{}", status.map(|s| format!(" [HTTP {s}]")).unwrap_or_default())]
pub struct DecodeError {
    /// What went wrong.
    pub kind: DecodeErrorKind,
    /// HTTP status of the answer (`None` for a standalone fragment).
    pub status: Option<u16>,
    /// Raw body (lossily decoded as UTF-8).
    pub body: String,
}

impl DecodeError {
    /// The XML path the error is about, when it is about one
    /// (e.g. `xpage/command-list/command/data-list/data[1]/@id`; indexes count from 0).
    pub fn path(&self) -> Option<&str> {
        match &self.kind {
            DecodeErrorKind::Missing { path } | DecodeErrorKind::Invalid { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// Why an answer could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The body is empty (or only whitespace).
    #[error("empty body")]
    EmptyBody,
    /// The body is not UTF-8.
    #[error("body is not valid UTF-8 (valid up to byte {valid_up_to})")]
    NotUtf8 {
        /// Length of the valid prefix.
        valid_up_to: usize,
    },
    /// The body is not well-formed XML.
    #[error("not well-formed XML at byte {position}: {message}")]
    NotXml {
        /// Byte offset of the problem.
        position: usize,
        /// What is wrong.
        message: String,
    },
    /// The document declares entities in a DOCTYPE; they are refused, never expanded.
    #[error("DOCTYPE with entity declarations refused")]
    DoctypeRefused,
    /// The document element is not the expected one.
    #[error("expected root element <{expected}>, found <{found}>")]
    WrongRoot {
        /// Expected root element.
        expected: String,
        /// Root element found.
        found: String,
    },
    /// Something follows the document element (e.g. a duplicated document).
    #[error("content after the document element at byte {position}")]
    TrailingContent {
        /// Byte offset where the extra content starts.
        position: usize,
    },
    /// A required element or attribute is absent.
    #[error("missing required `{path}`")]
    Missing {
        /// XML path of the missing item.
        path: String,
    },
    /// An element or attribute holds a value of the wrong shape.
    #[error("at `{path}`: {message}")]
    Invalid {
        /// XML path of the value.
        path: String,
        /// What was found and what was expected.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_stay_small() {
        // Generated methods return `Result<T, Error<S>>`; keep clippy's `result_large_err`
        // (128 bytes) quiet for them with a typical 16-byte code table.
        #[allow(dead_code)]
        #[derive(Debug, Clone)]
        enum Code {
            Known(u8),
            Unknown(i64),
        }
        assert!(
            std::mem::size_of::<Error<Code>>() <= 128,
            "{}",
            std::mem::size_of::<Error<Code>>()
        );
    }
}
