//! Secrets as types: the user token and the service password never print themselves.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The user token returned by the Authentication API (the `OrangeAPIToken` SAML attribute).
///
/// It is sent as the `token` query parameter of every call. `Debug` prints `UserToken(***)`
/// and `Display` prints `***`; use [`UserToken::expose`] to read the value on purpose.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
///
/// use papi_core::UserToken;
///
/// // A token as the sign-in gives it (`papi_auth`), or `UserToken::from_env()` (`PAPI_TOKEN`).
/// let token = UserToken::new("B64c2VjcmV0=|sau=|ted=1208277327|c2lnbmF0dXJl");
/// assert_eq!(format!("{token} {token:?}"), "*** UserToken(***)");
/// assert!(!format!("{token:?}").contains("c2VjcmV0"));
/// // Its expiry, as third-party clients read the layout (a warning is traced when a call
/// // is sent with a token past it).
/// assert_eq!(token.expires_at(), Some(UNIX_EPOCH + Duration::from_secs(1208277327)));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UserToken(String);

impl UserToken {
    /// Wraps a token value.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// When the token expires, as third-party clients read it: the expiry field of the
    /// spec's token layout (`ted=<Unix seconds>` between
    /// `|`). Orange never documented it: this is a third-party interpretation. `None` when
    /// the token has no such field, or the spec describes no layout.
    pub fn expires_at(&self) -> Option<SystemTime> {
        let layout = crate::general::TOKEN_LAYOUT?;
        let value = self
            .0
            .split(layout.separator)
            .find_map(|field| field.strip_prefix(layout.expiry_field)?.strip_prefix('='))?;
        let seconds: u64 = value.trim().parse().ok()?;
        UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
    }

    /// Whether [`UserToken::expires_at`] is before `now`.
    pub fn is_past_expiry(&self, now: SystemTime) -> bool {
        self.expires_at().is_some_and(|at| at < now)
    }
}

impl fmt::Debug for UserToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserToken(***)")
    }
}

impl fmt::Display for UserToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The credentials of the calling service (`SERVICE_ID` / `SERVICE_PWD`), sent as
/// `Authorization: Basic base64(id:password)` with every call.
///
/// `Debug` prints the id and `***` in place of the password.
///
/// ```
/// use papi_core::{Config, ServiceCredentials};
///
/// let credentials = ServiceCredentials::new("my-service", "my-password");
/// assert_eq!(credentials.id(), "my-service");
/// assert_eq!(
///     format!("{credentials:?}"),
///     r#"ServiceCredentials { id: "my-service", password: *** }"#
/// );
/// // Every client built from this configuration sends them as HTTP Basic credentials.
/// let config = Config::integration(credentials);
/// assert!(!format!("{config:?}").contains("my-password"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ServiceCredentials {
    id: String,
    password: String,
}

impl ServiceCredentials {
    /// Service id and password, as issued when the service subscribed to the APIs.
    pub fn new(id: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            password: password.into(),
        }
    }

    /// The service id (not a secret).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The service password, for the one place that must send it.
    pub fn expose_password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for ServiceCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceCredentials")
            .field("id", &self.id)
            .field("password", &format_args!("***"))
            .finish()
    }
}

/// The `Authorization: Basic base64(id:password)` header value of one set of service
/// credentials, built once per client rather than on every call (the same bytes reqwest's
/// `basic_auth` would write, marked sensitive). `Debug` prints `BasicAuth(***)`.
#[derive(Clone)]
pub(crate) struct BasicAuth(reqwest::header::HeaderValue);

impl BasicAuth {
    /// The header of `credentials`; `None` only if its bytes could not be a header value,
    /// which base64 text after `Basic ` always can.
    pub(crate) fn new(credentials: &ServiceCredentials) -> Option<Self> {
        use base64::Engine as _;
        let mut value = String::from("Basic ");
        base64::engine::general_purpose::STANDARD.encode_string(
            format!("{}:{}", credentials.id, credentials.password),
            &mut value,
        );
        let mut header = reqwest::header::HeaderValue::from_str(&value).ok()?;
        header.set_sensitive(true);
        Some(Self(header))
    }

    /// The header value (a cheap, shared copy).
    pub(crate) fn header(&self) -> reqwest::header::HeaderValue {
        self.0.clone()
    }
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BasicAuth(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_redacted() {
        let t = UserToken::new("Hjlkzjlfkzef23423kjlkjr");
        assert_eq!(format!("{t:?}"), "UserToken(***)");
        assert_eq!(t.to_string(), "***");
        assert_eq!(format!("{:#?}", Some(&t)), "Some(\n    UserToken(***),\n)");
        assert_eq!(t.expose(), "Hjlkzjlfkzef23423kjlkjr");
    }

    #[test]
    fn password_is_redacted() {
        let c = ServiceCredentials::new("myDemoSP", "s3cr3t-pwd");
        let dbg = format!("{c:?}");
        assert_eq!(
            dbg,
            r#"ServiceCredentials { id: "myDemoSP", password: *** }"#
        );
        assert!(!format!("{c:#?}").contains("s3cr3t"));
        assert_eq!(c.id(), "myDemoSP");
        assert_eq!(c.expose_password(), "s3cr3t-pwd");
    }

    #[test]
    fn basic_auth_is_what_reqwest_would_send_and_never_shows() {
        let creds = ServiceCredentials::new("sp-id", "hunter2:pwd");
        let built = BasicAuth::new(&creds).unwrap();
        let reference = crate::tls::client_builder()
            .build()
            .unwrap()
            .get("http://127.0.0.1/")
            .basic_auth("sp-id", Some("hunter2:pwd"))
            .build()
            .unwrap();
        let expected = &reference.headers()[reqwest::header::AUTHORIZATION];
        assert_eq!(&built.header(), expected);
        assert!(built.header().is_sensitive());
        let shown = format!("{built:?}");
        assert_eq!(shown, "BasicAuth(***)");
    }

    #[test]
    fn the_expiry_is_read_from_the_layout() {
        let t = UserToken::new("B64ab+c/d==|sau=|ted=1208280413|xyz");
        assert_eq!(
            t.expires_at(),
            Some(UNIX_EPOCH + Duration::from_secs(1_208_280_413))
        );
        assert!(t.is_past_expiry(SystemTime::now()));
        assert!(!t.is_past_expiry(UNIX_EPOCH + Duration::from_secs(1_208_280_000)));
        for none in ["opaque", "a|ted=|b", "a|ted=soon|b", "a|xted=5|b", ""] {
            assert_eq!(UserToken::new(none).expires_at(), None, "{none:?}");
        }
    }
}
