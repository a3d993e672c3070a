//! The `PAPI_*` environment variables read by [`Config::from_env`] and
//! [`UserToken::from_env`], the same names as the examples, `papi call` and CI use.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | [`PAPI_SERVICE_ID`](SERVICE_ID) | the service id of the access key | required |
//! | [`PAPI_SERVICE_PASSWORD`](SERVICE_PASSWORD) | the service password (never shown) | required |
//! | [`PAPI_BASE_URL`](BASE_URL) | a custom base URL (a sandbox, a proxy) | one of the two is required |
//! | [`PAPI_ENV`](ENV) | `production` or `integration`: the documented endpoints | |
//! | [`PAPI_ALLOW_PLAIN_HTTP`](ALLOW_PLAIN_HTTP) | `true` accepts a plain `http` base URL off loopback | `false` |
//! | [`PAPI_CONNECT_TIMEOUT`](CONNECT_TIMEOUT) | connect timeout, in seconds (`2.5` allowed) | 10 |
//! | [`PAPI_REQUEST_TIMEOUT`](REQUEST_TIMEOUT) | whole-request timeout, in seconds | 60 |
//! | [`PAPI_MAX_BODY_BYTES`](MAX_BODY_BYTES) | largest answer read, in bytes | 16 MiB |
//! | [`PAPI_RETRY_ATTEMPTS`](RETRY_ATTEMPTS) | attempts of a read in all ([`RetryPolicy::new`]) | 1: no retry |
//! | [`PAPI_TOKEN`](TOKEN) | a user token, for [`UserToken::from_env`] (never shown) | required there |
//!
//! An empty variable counts as unset. A missing or unreadable variable is a
//! [`ConfigError::MissingEnv`] or [`ConfigError::InvalidEnv`] naming it; the error never
//! holds the value of the password or the token.

use std::ffi::{OsStr, OsString};
use std::time::Duration;

use crate::config::Config;
use crate::error::ConfigError;
use crate::retry::RetryPolicy;
use crate::secret::{ServiceCredentials, UserToken};

/// The service id.
pub const SERVICE_ID: &str = "PAPI_SERVICE_ID";
/// The service password.
pub const SERVICE_PASSWORD: &str = "PAPI_SERVICE_PASSWORD";
/// A custom base URL ([`Config::custom`]).
pub const BASE_URL: &str = "PAPI_BASE_URL";
/// `production` or `integration` ([`Config::production`], [`Config::integration`]).
pub const ENV: &str = "PAPI_ENV";
/// `true` or `1`: a plain `http` base URL is accepted off loopback
/// ([`Config::custom_allowing_plain_http`]); `false` or `0`: refused.
pub const ALLOW_PLAIN_HTTP: &str = "PAPI_ALLOW_PLAIN_HTTP";
/// Connect timeout in seconds ([`Config::with_connect_timeout`]).
pub const CONNECT_TIMEOUT: &str = "PAPI_CONNECT_TIMEOUT";
/// Whole-request timeout in seconds ([`Config::with_request_timeout`]).
pub const REQUEST_TIMEOUT: &str = "PAPI_REQUEST_TIMEOUT";
/// Largest answer read, in bytes ([`Config::with_max_body_bytes`]).
pub const MAX_BODY_BYTES: &str = "PAPI_MAX_BODY_BYTES";
/// Attempts of a read in all ([`Config::with_retry`] with [`RetryPolicy::new`]).
pub const RETRY_ATTEMPTS: &str = "PAPI_RETRY_ATTEMPTS";
/// A user token ([`UserToken::from_env`]).
pub const TOKEN: &str = "PAPI_TOKEN";

/// The variables whose values are secrets: never put into an error.
const SECRETS: &[&str] = &[SERVICE_PASSWORD, TOKEN];

/// Reads variables through `lookup`, as text.
struct Vars<F>(F);

impl<F: Fn(&str) -> Option<OsString>> Vars<F> {
    /// The value of `var`; `None` when unset or empty.
    fn get(&self, var: &'static str) -> Result<Option<String>, ConfigError> {
        match (self.0)(var) {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => v
                .into_string()
                .map(Some)
                .map_err(|_| invalid(var, "is not valid UTF-8".to_owned())),
        }
    }

    fn required(&self, var: &'static str, help: &'static str) -> Result<String, ConfigError> {
        self.get(var)?.ok_or(ConfigError::MissingEnv { var, help })
    }

    /// A value read by `parse`, whose error says what was expected.
    fn parsed<T>(
        &self,
        var: &'static str,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Result<Option<T>, ConfigError> {
        let Some(text) = self.get(var)? else {
            return Ok(None);
        };
        match parse(text.trim()) {
            Some(value) => Ok(Some(value)),
            None if SECRETS.contains(&var) => Err(invalid(var, format!("is not {expected}"))),
            None => Err(invalid(var, format!("{text:?} is not {expected}"))),
        }
    }
}

fn invalid(var: &'static str, reason: String) -> ConfigError {
    ConfigError::InvalidEnv { var, reason }
}

fn seconds(text: &str) -> Option<Duration> {
    let value: f64 = text.parse().ok()?;
    (value > 0.0).then(|| Duration::try_from_secs_f64(value).ok())?
}

fn flag(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

impl Config {
    /// The configuration the `PAPI_*` environment variables describe (see [`crate::env`]
    /// for the list): the service's access key from `PAPI_SERVICE_ID` and
    /// `PAPI_SERVICE_PASSWORD`, where to call from `PAPI_BASE_URL` or `PAPI_ENV`
    /// (`production` or `integration`), and the optional timeouts, size cap and retry
    /// attempts.
    ///
    /// # Errors
    ///
    /// [`ConfigError::MissingEnv`] naming the first missing variable,
    /// [`ConfigError::InvalidEnv`] naming one that cannot be used (a malformed number, an
    /// unknown environment, a base URL [`Config::custom`] refuses, both `PAPI_BASE_URL`
    /// and `PAPI_ENV`). Neither ever holds the password.
    ///
    /// ```
    /// use papi_core::{Config, ConfigError};
    ///
    /// // What a deployment sets (here, for the example, in the process's environment).
    /// std::env::set_var("PAPI_SERVICE_ID", "my-service");
    /// std::env::set_var("PAPI_SERVICE_PASSWORD", "my-password");
    /// std::env::set_var("PAPI_ENV", "integration");
    /// std::env::set_var("PAPI_REQUEST_TIMEOUT", "20");
    /// let config = Config::from_env()?;
    /// assert_eq!(config.request_timeout().as_secs(), 20);
    ///
    /// std::env::set_var("PAPI_REQUEST_TIMEOUT", "soon");
    /// let error = Config::from_env().unwrap_err();
    /// assert!(matches!(error, ConfigError::InvalidEnv { var: "PAPI_REQUEST_TIMEOUT", .. }));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        config(|name| std::env::var_os(name))
    }

    /// [`Config::from_env`] reading `vars` (name, value pairs) instead of the process's
    /// environment: a `.env` file's pairs, a secret store's, a test's.
    ///
    /// ```
    /// use papi_core::Config;
    ///
    /// let config = Config::from_vars([
    ///     ("PAPI_SERVICE_ID", "my-service"),
    ///     ("PAPI_SERVICE_PASSWORD", "my-password"),
    ///     ("PAPI_BASE_URL", "http://127.0.0.1:8080"),
    ///     ("PAPI_RETRY_ATTEMPTS", "3"),
    /// ])?;
    /// assert_eq!(config.retry().max_attempts(), 3);
    /// # Ok::<(), papi_core::ConfigError>(())
    /// ```
    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Result<Self, ConfigError>
    where
        K: AsRef<std::ffi::OsStr>,
        V: Into<std::ffi::OsString>,
    {
        config(lookup_in(vars))
    }
}

impl UserToken {
    /// The token in the `PAPI_TOKEN` environment variable (see [`crate::env`]).
    ///
    /// # Errors
    ///
    /// [`ConfigError::MissingEnv`] when it is unset or
    /// empty, [`ConfigError::InvalidEnv`] when it is not
    /// UTF-8 (the value is never shown).
    pub fn from_env() -> Result<Self, crate::ConfigError> {
        token(|name| std::env::var_os(name))
    }
}

/// [`Config::from_env`] with `lookup` in place of the process environment.
pub(crate) fn config(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Config, ConfigError> {
    let vars = Vars(lookup);
    let id = vars.required(SERVICE_ID, "set it to the service id of your access key")?;
    let password = vars.required(
        SERVICE_PASSWORD,
        "set it to the service password of your access key",
    )?;
    let credentials = ServiceCredentials::new(id, password);
    let plain_http = vars
        .parsed(ALLOW_PLAIN_HTTP, flag, "true or false")?
        .unwrap_or(false);
    let environment = vars.parsed(
        ENV,
        |e| match e {
            "production" => Some(true),
            "integration" => Some(false),
            _ => None,
        },
        "production or integration",
    )?;
    let mut config = match (vars.get(BASE_URL)?, environment) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                ENV,
                format!("{BASE_URL} is set too; set only one of them"),
            ))
        }
        (Some(base), None) => {
            let built = if plain_http {
                Config::custom_allowing_plain_http(&base, credentials)
            } else {
                Config::custom(&base, credentials)
            };
            built.map_err(|e| invalid(BASE_URL, e.to_string()))?
        }
        (None, Some(true)) => Config::production(credentials),
        (None, Some(false)) => Config::integration(credentials),
        (None, None) => {
            return Err(ConfigError::MissingEnv {
                var: BASE_URL,
                help: "set it to a base URL, or set PAPI_ENV to production or integration",
            })
        }
    };
    if plain_http {
        config = config.allow_plain_http();
    }
    let positive = |t: &str| t.parse::<u64>().ok().filter(|n| *n > 0);
    if let Some(t) = vars.parsed(CONNECT_TIMEOUT, seconds, "a positive number of seconds")? {
        config = config.with_connect_timeout(t);
    }
    if let Some(t) = vars.parsed(REQUEST_TIMEOUT, seconds, "a positive number of seconds")? {
        config = config.with_request_timeout(t);
    }
    if let Some(max) = vars.parsed(MAX_BODY_BYTES, positive, "a positive number of bytes")? {
        config = config.with_max_body_bytes(max);
    }
    let attempts = |t: &str| t.parse::<u32>().ok().filter(|n| *n > 0);
    if let Some(n) = vars.parsed(RETRY_ATTEMPTS, attempts, "a whole number from 1")? {
        config = config.with_retry(RetryPolicy::new(n));
    }
    Ok(config)
}

/// [`UserToken::from_env`] with `lookup` in place of the process environment.
pub(crate) fn token(lookup: impl Fn(&str) -> Option<OsString>) -> Result<UserToken, ConfigError> {
    Vars(lookup)
        .required(TOKEN, "set it to a user token from the Authentication API")
        .map(UserToken::new)
}

/// A lookup in `vars` (later pairs win, as in a shell).
pub(crate) fn lookup_in<K, V>(
    vars: impl IntoIterator<Item = (K, V)>,
) -> impl Fn(&str) -> Option<OsString>
where
    K: AsRef<OsStr>,
    V: Into<OsString>,
{
    let map: std::collections::HashMap<OsString, OsString> = vars
        .into_iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v.into()))
        .collect();
    move |name| map.get(OsStr::new(name)).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        config(lookup_in(pairs.iter().map(|(k, v)| (*k, *v))))
    }

    const KEY: [(&str, &str); 2] = [
        ("PAPI_SERVICE_ID", "svc"),
        ("PAPI_SERVICE_PASSWORD", "hunter2-secret"),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        KEY.iter().chain(extra).copied().collect()
    }

    #[test]
    fn a_base_url_or_an_environment_and_the_settings() {
        let c = from(&with(&[("PAPI_BASE_URL", "http://127.0.0.1:8080/")])).unwrap();
        assert!(
            matches!(c.environment(), Environment::Custom(u) if u.as_str() == "http://127.0.0.1:8080/")
        );
        assert_eq!(c.credentials().id(), "svc");
        assert_eq!(c.credentials().expose_password(), "hunter2-secret");
        assert!(!c.allows_plain_http());
        let c = from(&with(&[("PAPI_ENV", "integration")])).unwrap();
        assert_eq!(c.environment(), &Environment::Integration);
        let c = from(&with(&[
            ("PAPI_ENV", "production"),
            ("PAPI_BASE_URL", ""),
            ("PAPI_CONNECT_TIMEOUT", "2.5"),
            ("PAPI_REQUEST_TIMEOUT", "30"),
            ("PAPI_MAX_BODY_BYTES", "1024"),
            ("PAPI_RETRY_ATTEMPTS", "3"),
        ]))
        .unwrap();
        assert_eq!(c.environment(), &Environment::Production);
        assert_eq!(c.connect_timeout(), Duration::from_millis(2500));
        assert_eq!(c.request_timeout(), Duration::from_secs(30));
        assert_eq!(c.max_body_bytes(), 1024);
        assert_eq!(c.retry().max_attempts(), 3);
        let c = from(&with(&[
            ("PAPI_BASE_URL", "http://sandbox.lan:8080/"),
            ("PAPI_ALLOW_PLAIN_HTTP", "true"),
        ]))
        .unwrap();
        assert!(c.allows_plain_http());
    }

    #[test]
    fn a_missing_variable_is_named() {
        let missing = |pairs: &[(&str, &str)], name: &str| match from(pairs) {
            Err(ConfigError::MissingEnv { var, .. }) => assert_eq!(var, name),
            other => panic!("{other:?}"),
        };
        missing(&[], "PAPI_SERVICE_ID");
        missing(&[("PAPI_SERVICE_ID", "svc")], "PAPI_SERVICE_PASSWORD");
        missing(
            &[("PAPI_SERVICE_ID", ""), ("PAPI_SERVICE_PASSWORD", "x")],
            "PAPI_SERVICE_ID",
        );
        missing(&with(&[]), "PAPI_BASE_URL");
        let e = from(&with(&[])).unwrap_err().to_string();
        assert!(e.contains("PAPI_BASE_URL") && e.contains("PAPI_ENV"), "{e}");
        match token(lookup_in([("PAPI_TOKEN", "")])) {
            Err(ConfigError::MissingEnv {
                var: "PAPI_TOKEN", ..
            }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(
            token(lookup_in([("PAPI_TOKEN", "tok")])).unwrap().expose(),
            "tok"
        );
    }

    #[test]
    fn a_malformed_variable_is_named_with_what_was_expected() {
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: &[Case] = &[
            (
                &[("PAPI_ENV", "staging")],
                "PAPI_ENV",
                "production or integration",
            ),
            (
                &[
                    ("PAPI_ENV", "production"),
                    ("PAPI_BASE_URL", "https://x.example/"),
                ],
                "PAPI_ENV",
                "set only one",
            ),
            (
                &[("PAPI_BASE_URL", "not a url")],
                "PAPI_BASE_URL",
                "invalid URL",
            ),
            (
                &[("PAPI_BASE_URL", "http://10.0.0.5/")],
                "PAPI_BASE_URL",
                "plain http",
            ),
            (
                &[
                    ("PAPI_ENV", "integration"),
                    ("PAPI_REQUEST_TIMEOUT", "soon"),
                ],
                "PAPI_REQUEST_TIMEOUT",
                "\"soon\" is not a positive number of seconds",
            ),
            (
                &[("PAPI_ENV", "integration"), ("PAPI_CONNECT_TIMEOUT", "-1")],
                "PAPI_CONNECT_TIMEOUT",
                "positive",
            ),
            (
                &[("PAPI_ENV", "integration"), ("PAPI_MAX_BODY_BYTES", "0")],
                "PAPI_MAX_BODY_BYTES",
                "positive number of bytes",
            ),
            (
                &[("PAPI_ENV", "integration"), ("PAPI_RETRY_ATTEMPTS", "many")],
                "PAPI_RETRY_ATTEMPTS",
                "whole number",
            ),
            (
                &[
                    ("PAPI_ENV", "integration"),
                    ("PAPI_ALLOW_PLAIN_HTTP", "maybe"),
                ],
                "PAPI_ALLOW_PLAIN_HTTP",
                "true or false",
            ),
        ];
        for (extra, name, says) in cases {
            let err =
                from(&KEY.iter().chain(extra.iter()).copied().collect::<Vec<_>>()).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(
                matches!(&err, ConfigError::InvalidEnv { var, .. } if var == name),
                "{name}: {shown}"
            );
            assert!(shown.contains(name) && shown.contains(says), "{shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }

    #[test]
    #[cfg(unix)]
    fn secrets_are_never_echoed_even_when_unreadable() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(b"hunter2-\xff".to_vec());
        let vars = vec![
            (OsString::from("PAPI_SERVICE_ID"), OsString::from("svc")),
            (OsString::from("PAPI_SERVICE_PASSWORD"), bad.clone()),
        ];
        let err = config(lookup_in(vars)).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(
            shown.contains("PAPI_SERVICE_PASSWORD") && shown.contains("UTF-8"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        let err = token(lookup_in([(OsString::from("PAPI_TOKEN"), bad)])).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hunter2"));
    }
}
