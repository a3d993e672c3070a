//! Which servers to call, with which service credentials and which HTTP client.

use std::fmt;
use std::net::Ipv6Addr;
use std::time::Duration;

use url::{Host, Url};

use crate::api::ApiDescriptor;
use crate::error::ConfigError;
use crate::intercept::{Interceptor, Interceptors};
use crate::retry::RetryPolicy;
use crate::secret::ServiceCredentials;

/// Connect timeout of the default HTTP client: 10 s (see [`Config::with_connect_timeout`]).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whole-request timeout of the default HTTP client, from sending the request to the end of
/// the answer's body: 60 s (see [`Config::with_request_timeout`]).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Largest answer body read by default: 16 MiB (see [`Config::with_max_body_bytes`]).
///
/// The largest documented answers carry one contact picture in base64; 16 MiB holds a
/// 12 MiB image. Anything bigger is refused while it streams in, so a hostile or broken
/// server cannot make a client allocate more than this per call.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// Which deployment of the APIs to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// The documented production endpoints.
    Production,
    /// The documented integration endpoints.
    Integration,
    /// Any base URL (a sandbox, a proxy, a test server); each API's
    /// [`ApiDescriptor::path`] is appended to its path.
    Custom(Url),
}

/// Client configuration shared by every API client.
///
/// Besides the environment and the credentials it holds the reliability settings, each with
/// a default: connect and request timeouts ([`DEFAULT_CONNECT_TIMEOUT`],
/// [`DEFAULT_REQUEST_TIMEOUT`]), the answer size cap ([`DEFAULT_MAX_BODY_BYTES`]) and the
/// retry policy (off: [`RetryPolicy::none`]). Plain `http` is refused for any host but a
/// loopback one unless [`Config::allow_plain_http`] was called.
///
/// Build one per service and share it: every client built from it (`Client::new(&config)`
/// of each API crate) keeps its settings.
///
/// ```
/// use std::time::Duration;
///
/// use papi_core::{Config, ConfigError, Environment, RetryPolicy, ServiceCredentials};
///
/// let credentials = ServiceCredentials::new("my-service", "my-password");
/// // The documented integration endpoints, with reliability settings of one's own.
/// let config = Config::integration(credentials.clone())
///     .with_connect_timeout(Duration::from_secs(3))
///     .with_request_timeout(Duration::from_secs(20))
///     .with_retry(RetryPolicy::new(3));
/// assert_eq!(config.environment(), &Environment::Integration);
///
/// // A server of one's own: a sandbox, a proxy. Plain http only on this machine.
/// let local = Config::custom("http://127.0.0.1:8080/int", credentials.clone())?;
/// assert!(matches!(local.environment(), Environment::Custom(url) if url.path() == "/int"));
/// let refused = Config::custom("http://api.example.com", credentials).unwrap_err();
/// assert!(matches!(refused, ConfigError::InsecureUrl { .. }));
/// # Ok::<(), ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Config {
    environment: Environment,
    credentials: ServiceCredentials,
    http_client: Option<reqwest::Client>,
    #[cfg(feature = "blocking")]
    blocking_http_client: Option<reqwest::blocking::Client>,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_body_bytes: u64,
    retry: RetryPolicy,
    allow_plain_http: bool,
    max_redirects: usize,
    consent_origins: Vec<url::Origin>,
    interceptors: Interceptors,
}

impl Config {
    /// A configuration for `environment`, with the default timeouts, size cap and no retry.
    ///
    /// An [`Environment::Custom`] `http` URL of a host that is not loopback is refused when
    /// a client is built ([`ConfigError::InsecureUrl`]) unless [`Config::allow_plain_http`]
    /// is called; [`Config::custom`] refuses it at once.
    pub fn new(environment: Environment, credentials: ServiceCredentials) -> Self {
        Self {
            environment,
            credentials,
            http_client: None,
            #[cfg(feature = "blocking")]
            blocking_http_client: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            retry: RetryPolicy::none(),
            allow_plain_http: false,
            max_redirects: 0,
            consent_origins: Vec::new(),
            interceptors: Interceptors::default(),
        }
    }

    /// The documented production endpoints.
    pub fn production(credentials: ServiceCredentials) -> Self {
        Self::new(Environment::Production, credentials)
    }

    /// The documented integration endpoints.
    pub fn integration(credentials: ServiceCredentials) -> Self {
        Self::new(Environment::Integration, credentials)
    }

    /// A custom base URL (absolute `http` or `https`, without query or fragment), e.g.
    /// `http://127.0.0.1:9/int`: the Contacts endpoint is then
    /// `http://127.0.0.1:9/int/PersonalContacts/V1`.
    ///
    /// The service password and the user token travel with every call, so `http` is only
    /// accepted for a loopback host (`127.0.0.0/8`, `::1`, `localhost`); any other `http`
    /// base is [`ConfigError::InsecureUrl`]. To call a plain-HTTP host on purpose (a sandbox
    /// on another machine of a private network), use [`Config::custom_allowing_plain_http`].
    pub fn custom(base: &str, credentials: ServiceCredentials) -> Result<Self, ConfigError> {
        let config = Self::custom_allowing_plain_http(base, credentials)?;
        let Environment::Custom(url) = &config.environment else {
            unreachable!("custom_allowing_plain_http builds a custom environment")
        };
        require_https(url)?;
        Ok(Self {
            allow_plain_http: false,
            ..config
        })
    }

    /// [`Config::custom`] without the HTTPS requirement: the caller opts out explicitly,
    /// and the password and tokens then cross the network in clear text.
    pub fn custom_allowing_plain_http(
        base: &str,
        credentials: ServiceCredentials,
    ) -> Result<Self, ConfigError> {
        let url = parse_http_url(base)?;
        if url.query().is_some() || url.fragment().is_some() {
            // Never echo the query: a token may have been put there by mistake.
            let mut shown = url.clone();
            shown.set_query(None);
            shown.set_fragment(None);
            return Err(ConfigError::InvalidUrl {
                url: format!("{shown}?…"),
                reason: "a base URL cannot have a query or a fragment".into(),
            });
        }
        Ok(Self::new(Environment::Custom(url), credentials).allow_plain_http())
    }

    /// Accepts plain `http` endpoints of any host (an explicit opt-out of the HTTPS
    /// requirement; the password and tokens then cross the network in clear text).
    pub fn allow_plain_http(mut self) -> Self {
        self.allow_plain_http = true;
        self
    }

    /// Whether plain `http` endpoints of non-loopback hosts are accepted.
    pub fn allows_plain_http(&self) -> bool {
        self.allow_plain_http
    }

    /// Follows up to `max` redirects of an answer (the default clients follow none: a
    /// redirect answer is a [`TransportErrorKind::Redirect`](crate::TransportErrorKind)
    /// error). Even then a redirect is followed only within the endpoint's origin (same
    /// scheme, host and port: the token in the query never goes to another host, nor from
    /// `https` to `http`) and never to plain `http` off loopback.
    pub fn follow_redirects(mut self, max: usize) -> Self {
        self.max_redirects = max;
        self
    }

    /// Also accepts consent URLs on `origin` (scheme, host and port of an absolute http(s)
    /// URL). By default a privacy error's consent URL is kept only when it points to a
    /// documented privacy page host of the environment (`https` only in production), or,
    /// for a custom base URL, to that base URL's origin; any other is moved to
    /// [`ApiError::untrusted_consent`](crate::ApiError::untrusted_consent), so that a hostile
    /// answer cannot send users to another site.
    pub fn with_consent_origin(mut self, origin: &str) -> Result<Self, ConfigError> {
        let url = parse_http_url(origin)?;
        self.consent_origins.push(url.origin());
        Ok(self)
    }

    /// The consent policy of calls to `endpoint` in this configuration.
    pub(crate) fn consent_policy(&self, endpoint: &Url) -> crate::consent::ConsentPolicy {
        use crate::consent::ConsentPolicy;
        let mut origins = self.consent_origins.clone();
        match &self.environment {
            Environment::Production => ConsentPolicy::production(origins),
            Environment::Integration => ConsentPolicy::integration(origins),
            Environment::Custom(base) => {
                origins.push(base.origin());
                origins.push(endpoint.origin());
                ConsentPolicy::origins(origins)
            }
        }
    }

    /// How many redirects the default clients follow (0 unless
    /// [`Config::follow_redirects`] was called).
    pub fn max_redirects(&self) -> usize {
        self.max_redirects
    }

    /// The redirect policy of the default HTTP clients: none followed, or up to
    /// [`Config::max_redirects`] within the first URL's origin and never to plain `http`
    /// off loopback.
    pub(crate) fn redirect_policy(&self) -> reqwest::redirect::Policy {
        let max = self.max_redirects;
        if max == 0 {
            return reqwest::redirect::Policy::none();
        }
        reqwest::redirect::Policy::custom(move |attempt| {
            let first = attempt.previous().first().map(Url::origin);
            let next = attempt.url();
            let same_origin = first.is_some_and(|o| o == next.origin());
            let clear_text = next.scheme() == "http" && !is_loopback(next);
            if attempt.previous().len() > max || !same_origin || clear_text {
                attempt.stop()
            } else {
                attempt.follow()
            }
        })
    }

    /// Uses `client` for every request (proxies, TLS roots, middleware-like settings). The
    /// injected client keeps its own timeouts and its own redirect policy:
    /// [`Config::with_connect_timeout`], [`Config::with_request_timeout`] and
    /// [`Config::follow_redirects`] only shape the default client, so build yours with
    /// `redirect(reqwest::redirect::Policy::none())` unless you mean it to follow redirects
    /// (with the token in the query). The body size cap and the retry policy apply whatever
    /// the client.
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Uses `client` for every request of the blocking clients (feature `blocking`), as
    /// [`Config::with_http_client`] does for the async ones.
    #[cfg(feature = "blocking")]
    pub fn with_blocking_http_client(mut self, client: reqwest::blocking::Client) -> Self {
        self.blocking_http_client = Some(client);
        self
    }

    /// The injected blocking HTTP client, if any (feature `blocking`).
    #[cfg(feature = "blocking")]
    pub fn blocking_http_client(&self) -> Option<&reqwest::blocking::Client> {
        self.blocking_http_client.as_ref()
    }

    /// Connect timeout of the default HTTP client (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Whole-request timeout of the default HTTP client, up to the end of the answer's body
    /// (default [`DEFAULT_REQUEST_TIMEOUT`]); each attempt of a retried call has its own.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Largest answer body read, in bytes (default [`DEFAULT_MAX_BODY_BYTES`]). A larger
    /// answer fails with [`TransportErrorKind::BodyTooLarge`](crate::TransportErrorKind):
    /// at once when its `Content-Length` says so, else as soon as the bytes streamed in
    /// pass the cap, so at most this much is ever held.
    pub fn with_max_body_bytes(mut self, max: u64) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// How calls that fail in a way that may pass are retried (default
    /// [`RetryPolicy::none`]: never). Only actions the spec marks as reads are ever retried.
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Adds `interceptor`, which every client built from this configuration calls around
    /// each attempt of each call: before it is sent, with a redacted view of the request,
    /// and after its answer, with the status, headers, body and timing (see
    /// [`crate::intercept`]). Interceptors are called in the order they were added.
    pub fn with_interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(std::sync::Arc::new(interceptor));
        self
    }

    /// The interceptors, in the order added.
    pub(crate) fn interceptors(&self) -> &Interceptors {
        &self.interceptors
    }

    /// Connect timeout of the default HTTP client.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Whole-request timeout of the default HTTP client.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// Largest answer body read, in bytes.
    pub fn max_body_bytes(&self) -> u64 {
        self.max_body_bytes
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// The service credentials.
    pub fn credentials(&self) -> &ServiceCredentials {
        &self.credentials
    }

    /// The injected HTTP client, if any.
    pub fn http_client(&self) -> Option<&reqwest::Client> {
        self.http_client.as_ref()
    }

    /// The endpoint of `api` in this configuration's environment.
    pub fn endpoint(&self, api: &ApiDescriptor) -> Result<Url, ConfigError> {
        let documented = |url: Option<&'static str>, environment: &'static str| match url {
            Some(url) => parse_http_url(url),
            None => Err(ConfigError::UndocumentedEndpoint {
                api: api.name,
                environment,
            }),
        };
        match &self.environment {
            Environment::Production => documented(api.production, "production"),
            Environment::Integration => documented(api.integration, "integration"),
            Environment::Custom(base) => {
                let mut url = base.clone();
                let joined = format!(
                    "{}/{}",
                    base.path().trim_end_matches('/'),
                    api.path.trim_start_matches('/')
                );
                url.set_path(&joined);
                Ok(url)
            }
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("environment", &self.environment)
            .field("credentials", &self.credentials)
            .field(
                "http_client",
                &if self.http_client.is_some() {
                    "injected"
                } else {
                    "default"
                },
            )
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("retry", &self.retry)
            .field("allow_plain_http", &self.allow_plain_http)
            .field("max_redirects", &self.max_redirects)
            .field("consent_origins", &self.consent_origins)
            .field("interceptors", &self.interceptors)
            .finish()
    }
}

/// Whether `url` names this machine: `127.0.0.0/8`, `::1` (or `::ffff:127.x.y.z`) or
/// `localhost` (and its subdomains, which RFC 6761 reserves for loopback).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip == Ipv6Addr::LOCALHOST || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => false,
    }
}

/// Refuses a plain `http` URL of a host that is not loopback.
pub(crate) fn require_https(url: &Url) -> Result<(), ConfigError> {
    if url.scheme() == "https" || is_loopback(url) {
        return Ok(());
    }
    Err(ConfigError::InsecureUrl {
        host: url.host_str().unwrap_or_default().to_owned(),
    })
}

/// Parses an absolute `http`/`https` URL.
pub(crate) fn parse_http_url(s: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(s).map_err(|e| ConfigError::InvalidUrl {
        url: s.to_owned(),
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError::InvalidUrl {
            url: s.to_owned(),
            reason: "expected an absolute http or https URL".into(),
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo the URL: it holds a secret.
        return Err(ConfigError::InvalidUrl {
            url: "(redacted: the URL carries credentials)".to_owned(),
            reason: "credentials in the URL are refused; pass them as ServiceCredentials".into(),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_with_credentials_is_refused_without_echoing_them() {
        let creds = ServiceCredentials::new("id", "pwd");
        let err = Config::custom("http://user:s3cret@127.0.0.1:8080", creds).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(
            shown.contains("credentials in the URL are refused"),
            "{shown}"
        );
        assert!(!shown.contains("s3cret"), "{shown}");
    }
    use crate::api::Envelope;

    static API: ApiDescriptor = ApiDescriptor {
        name: "Test API",
        path: "/PersonalContacts/V1",
        production: Some("https://example.invalid/PersonalContacts/V1"),
        integration: None,
        envelope: Some(Envelope::ReturnWrapper {
            root: "r",
            error: "error",
            code: "code",
            detail: "detail",
        }),
    };

    fn creds() -> ServiceCredentials {
        ServiceCredentials::new("sp", "pwd")
    }

    #[test]
    fn custom_base_gets_the_api_path() {
        let c = Config::custom("http://127.0.0.1:9/int", creds()).unwrap();
        assert_eq!(
            c.endpoint(&API).unwrap().as_str(),
            "http://127.0.0.1:9/int/PersonalContacts/V1"
        );
        let c = Config::custom("http://127.0.0.1:9/", creds()).unwrap();
        assert_eq!(
            c.endpoint(&API).unwrap().as_str(),
            "http://127.0.0.1:9/PersonalContacts/V1"
        );
    }

    #[test]
    fn documented_and_undocumented_endpoints() {
        let c = Config::production(creds());
        assert_eq!(
            c.endpoint(&API).unwrap().as_str(),
            "https://example.invalid/PersonalContacts/V1"
        );
        let err = Config::integration(creds()).endpoint(&API).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::UndocumentedEndpoint {
                environment: "integration",
                ..
            }
        ));
    }

    #[test]
    fn bad_bases_are_refused() {
        for bad in ["not a url", "ftp://x/", "http://x/?a=1", "mailto:a@b"] {
            assert!(Config::custom(bad, creds()).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_http_is_refused_off_loopback_unless_allowed() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.8.9.10/x",
            "http://[::1]:9",
            "http://localhost:8080",
            "http://LOCALHOST./",
            "http://sandbox.localhost/",
            "https://example.com/base",
        ] {
            assert!(Config::custom(ok, creds()).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.5:8080",
            "http://[2001:db8::1]/",
            "http://localhost.example.com/",
            "http://128.0.0.1/",
        ] {
            let err = Config::custom(bad, creds()).unwrap_err();
            assert!(
                matches!(err, ConfigError::InsecureUrl { .. }),
                "{bad}: {err:?}"
            );
            assert!(
                err.to_string().contains("custom_allowing_plain_http"),
                "{err}"
            );
            let c = Config::custom_allowing_plain_http(bad, creds()).unwrap();
            assert!(c.allows_plain_http());
            assert!(c.endpoint(&API).is_ok());
        }
        assert!(!Config::custom("http://127.0.0.1", creds())
            .unwrap()
            .allows_plain_http());
    }

    #[test]
    fn reliability_settings_default_and_change() {
        let c = Config::production(creds());
        assert_eq!(c.connect_timeout(), DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(c.request_timeout(), DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(c.max_body_bytes(), DEFAULT_MAX_BODY_BYTES);
        assert_eq!(c.retry(), &RetryPolicy::none());
        let c = c
            .with_connect_timeout(Duration::from_secs(1))
            .with_request_timeout(Duration::from_secs(2))
            .with_max_body_bytes(1000)
            .with_retry(RetryPolicy::new(3));
        assert_eq!(c.connect_timeout(), Duration::from_secs(1));
        assert_eq!(c.request_timeout(), Duration::from_secs(2));
        assert_eq!(c.max_body_bytes(), 1000);
        assert_eq!(c.retry().max_attempts(), 3);
    }

    #[test]
    fn debug_hides_password() {
        let c = Config::production(ServiceCredentials::new("sp", "hunter2"));
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
