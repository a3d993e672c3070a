//! Which servers to call, with which service credentials and which HTTP client.

use std::fmt;

use url::Url;

use crate::api::ApiDescriptor;
use crate::error::ConfigError;
use crate::secret::ServiceCredentials;

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
#[derive(Clone)]
pub struct Config {
    environment: Environment,
    credentials: ServiceCredentials,
    http_client: Option<reqwest::Client>,
}

impl Config {
    /// A configuration for `environment`.
    pub fn new(environment: Environment, credentials: ServiceCredentials) -> Self {
        Self {
            environment,
            credentials,
            http_client: None,
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
    pub fn custom(base: &str, credentials: ServiceCredentials) -> Result<Self, ConfigError> {
        let url = parse_http_url(base)?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(ConfigError::InvalidUrl {
                url: base.to_owned(),
                reason: "a base URL cannot have a query or a fragment".into(),
            });
        }
        Ok(Self::new(Environment::Custom(url), credentials))
    }

    /// Uses `client` for every request (timeouts, proxies, middleware-like settings).
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
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
            .finish()
    }
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
    fn debug_hides_password() {
        let c = Config::production(ServiceCredentials::new("sp", "hunter2"));
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
