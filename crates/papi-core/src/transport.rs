//! Sending a [`Request`] and decoding its answer.

use reqwest::multipart::{Form, Part};
use serde::de::DeserializeOwned;
use url::Url;

use crate::api::ApiDescriptor;
use crate::config::{parse_http_url, Config};
use crate::decode;
use crate::error::{ApiCode, ConfigError, Error, TransportError};
use crate::general::{ACTION_PARAM, TOKEN_PARAM};
use crate::request::Request;
use crate::secret::{ServiceCredentials, UserToken};

/// Connect timeout of the default HTTP client (an injected client keeps its own settings).
pub const DEFAULT_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Whole-request timeout of the default HTTP client (an injected client keeps its own).
pub const DEFAULT_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The HTTP side of one API client: the HTTP client, the resolved endpoint and the service
/// credentials. Built once per client; cheap to clone.
#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::Client,
    endpoint: Url,
    credentials: ServiceCredentials,
    api: &'static ApiDescriptor,
}

impl Transport {
    /// A transport for `api` at the endpoint of the configured environment.
    pub fn new(config: &Config, api: &'static ApiDescriptor) -> Result<Self, ConfigError> {
        let endpoint = config.endpoint(api)?;
        Self::build(config, api, endpoint)
    }

    /// A transport for `api` at an explicit endpoint (absolute http(s) URL).
    pub fn with_endpoint(
        config: &Config,
        api: &'static ApiDescriptor,
        endpoint: &str,
    ) -> Result<Self, ConfigError> {
        let endpoint = parse_http_url(endpoint)?;
        Self::build(config, api, endpoint)
    }

    /// Builds the transport; the HTTP client is the injected one, or a default one with
    /// [`DEFAULT_CONNECT_TIMEOUT`] and [`DEFAULT_REQUEST_TIMEOUT`].
    fn build(
        config: &Config,
        api: &'static ApiDescriptor,
        endpoint: Url,
    ) -> Result<Self, ConfigError> {
        let client = match config.http_client() {
            Some(client) => client.clone(),
            None => reqwest::Client::builder()
                .user_agent(concat!("papi/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
                .timeout(DEFAULT_REQUEST_TIMEOUT)
                .build()
                .map_err(|e| ConfigError::HttpClient(e.without_url().to_string()))?,
        };
        Ok(Self {
            client,
            endpoint,
            credentials: config.credentials().clone(),
            api,
        })
    }

    /// The endpoint every call goes to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The API this transport serves.
    pub fn api(&self) -> &'static ApiDescriptor {
        self.api
    }

    /// Sends `req` with `token` and decodes the element at `path` of the answer into `T`
    /// (see [`decode::response`]).
    ///
    /// A plain call is `GET endpoint?action=…&params…&token=…`; a call with a file is a
    /// multipart/form-data POST (fields `action`, params, `token`, then the file part).
    /// Both carry `Authorization: Basic base64(id:password)`.
    pub async fn call<T: DeserializeOwned, S: ApiCode>(
        &self,
        req: Request,
        token: &UserToken,
        path: &'static [&'static str],
    ) -> Result<T, Error<S>> {
        let (status, body) = self.send(req, token).await?;
        decode::response(self.api, path, status, &body)
    }

    /// Sends `req` and returns the status and the raw body, without decoding.
    pub async fn send(
        &self,
        req: Request,
        token: &UserToken,
    ) -> Result<(u16, Vec<u8>), TransportError> {
        let (builder, redacted) = if let Some((part_name, upload)) = req.upload() {
            let mut form = Form::new().text(ACTION_PARAM, req.action());
            for (name, value) in req.params() {
                form = form.text(*name, value.clone());
            }
            form = form.text(TOKEN_PARAM, token.expose().to_owned());
            let redacted = self.endpoint.to_string();
            let part = Part::bytes(upload.bytes().to_vec())
                .file_name(upload.filename().to_owned())
                .mime_str(upload.content_type())
                .map_err(|e| TransportError::new(e, redacted.clone()))?;
            form = form.part(part_name, part);
            (
                self.client.post(self.endpoint.clone()).multipart(form),
                redacted,
            )
        } else {
            let mut url = self.endpoint.clone();
            let mut redacted = self.endpoint.clone();
            url.set_query(Some(&join_query(url.query(), &req.query(token))));
            redacted.set_query(Some(&join_query(redacted.query(), &req.redacted_query())));
            (self.client.get(url), redacted.to_string())
        };
        let response = builder
            .basic_auth(
                self.credentials.id(),
                Some(self.credentials.expose_password()),
            )
            .send()
            .await
            .map_err(|e| TransportError::new(e, redacted.clone()))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| TransportError::new(e, redacted))?;
        Ok((status, body.to_vec()))
    }
}

fn join_query(existing: Option<&str>, extra: &str) -> String {
    match existing {
        Some(q) if !q.is_empty() => format!("{q}&{extra}"),
        _ => extra.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Envelope;
    use crate::error::TransportErrorKind;

    static API: ApiDescriptor = ApiDescriptor {
        name: "Test API",
        path: "/T/V1",
        production: None,
        integration: None,
        envelope: Some(Envelope::ReturnWrapper {
            root: "r",
            error: "error",
            code: "code",
            detail: "detail",
        }),
    };

    #[tokio::test]
    async fn transport_errors_never_show_the_token_or_password() {
        // A port that was just free: the connection is refused.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let cfg = Config::custom(
            &format!("http://127.0.0.1:{port}/base"),
            ServiceCredentials::new("sp", "hunter2-pwd"),
        )
        .unwrap();
        let t = Transport::new(&cfg, &API).unwrap();
        let mut req = Request::new("getit");
        req.param("q", "a b");
        let err = t
            .call::<String, i64>(req, &UserToken::new("tok|en+SECRET"), &[])
            .await
            .unwrap_err();
        let Error::Transport(te) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(te.kind(), TransportErrorKind::Connect);
        assert!(err.is_retryable());
        assert_eq!(
            te.url(),
            format!("http://127.0.0.1:{port}/base/T/V1?action=getit&q=a+b&token=***")
        );
        let display = te.to_string();
        assert!(display.contains("token=***"), "{display}");
        for shown in [
            display,
            err.to_string(),
            format!("{err:?}"),
            format!("{t:?}"),
        ] {
            assert!(!shown.contains("SECRET"), "{shown}");
            assert!(!shown.contains("tok%7Cen"), "{shown}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }
}
