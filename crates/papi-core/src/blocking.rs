//! The blocking transport (feature `blocking`): the same calls as [`crate::Transport`] —
//! same wire form, HTTPS rule, body cap, retry policy and `papi.call` span — sent with
//! reqwest's blocking client, for programs without an async runtime.
//!
//! As with `reqwest::blocking`, a blocking transport must not be used (nor its last clone
//! dropped) from inside an async runtime's worker thread: call it from plain threads, or
//! from `tokio::task::spawn_blocking`.

use std::io::Read;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use reqwest::blocking::multipart::{Form, Part};
use url::Url;

use crate::api::ApiDescriptor;
use crate::config::Config;
use crate::decode;
use crate::error::{ApiCode, ConfigError, Error, TransportError};
use crate::options::{Budget, CallOptions};
use crate::request::Request;
use crate::secret::UserToken;
use crate::transport::{Answer, CallTrace, Prepared, Received, Route, USER_AGENT};

/// The blocking HTTP side of one API client; see [`crate::Transport`] for what it holds and
/// sends. Built once per client; cheap to clone.
#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::blocking::Client,
    route: Route,
}

impl Transport {
    /// A blocking transport for `api` at the endpoint of the configured environment.
    pub fn new(config: &Config, api: &'static ApiDescriptor) -> Result<Self, ConfigError> {
        Self::build(config, Route::for_environment(config, api)?)
    }

    /// A blocking transport for `api` at an explicit endpoint (absolute http(s) URL).
    pub fn with_endpoint(
        config: &Config,
        api: &'static ApiDescriptor,
        endpoint: &str,
    ) -> Result<Self, ConfigError> {
        Self::build(config, Route::for_endpoint(config, api, endpoint)?)
    }

    fn build(config: &Config, route: Route) -> Result<Self, ConfigError> {
        let client = match config.blocking_http_client() {
            Some(client) => client.clone(),
            None => crate::tls::blocking_client_builder()
                .user_agent(USER_AGENT)
                .redirect(config.redirect_policy())
                .connect_timeout(config.connect_timeout())
                .timeout(config.request_timeout())
                .build()
                .map_err(|e| ConfigError::HttpClient(e.without_url().to_string()))?,
        };
        Ok(Self { client, route })
    }

    /// The endpoint every call goes to.
    pub fn endpoint(&self) -> &Url {
        self.route.endpoint()
    }

    /// The API this transport serves.
    pub fn api(&self) -> &'static ApiDescriptor {
        self.route.api()
    }

    /// Blocking [`crate::Transport::call`].
    pub fn call<T: crate::de::FromXml, S: ApiCode>(
        &self,
        req: Request,
        token: &UserToken,
        path: &'static [&'static str],
    ) -> Result<T, Error<S>> {
        let api = self.route.api();
        self.call_with(req, token, |status, body| {
            decode::response(api, path, status, body)
        })
    }

    /// Blocking [`crate::Transport::call_with`]: the same retry rule, waiting with
    /// `std::thread::sleep`.
    pub fn call_with<T, S, F>(
        &self,
        req: Request,
        token: &UserToken,
        decode: F,
    ) -> Result<T, Error<S>>
    where
        S: ApiCode,
        F: Fn(u16, &[u8]) -> Result<T, Error<S>>,
    {
        self.call_with_options(req, token, &CallOptions::new(), decode)
    }

    /// Blocking [`crate::Transport::call_with_options`].
    pub fn call_with_options<T, S, F>(
        &self,
        req: Request,
        token: &UserToken,
        options: &CallOptions,
        decode: F,
    ) -> Result<T, Error<S>>
    where
        S: ApiCode,
        F: Fn(u16, &[u8]) -> Result<T, Error<S>>,
    {
        crate::transport::warn_if_past_expiry(&self.route, token);
        let budget = Budget::start(options, self.route.retry());
        let mut call = CallTrace::start(&self.route, &req);
        let span = call.span.clone();
        let outcome = span.in_scope(|| loop {
            let timeout = budget.attempt_timeout();
            let sent = self.send_ref(&req, token, call.attempts, timeout);
            match self
                .route
                .after_attempt(&req, &mut call, &budget, sent, &decode)
            {
                ControlFlow::Break(outcome) => return outcome,
                ControlFlow::Continue(delay) => std::thread::sleep(delay),
            }
        });
        let outcome = self.route.vet(outcome);
        call.finish(&outcome);
        outcome
    }

    /// Blocking [`crate::Transport::send`]: one attempt, the raw answer.
    pub fn send(&self, req: Request, token: &UserToken) -> Result<(u16, Vec<u8>), TransportError> {
        let answer = self.send_ref(&req, token, 1, None)?;
        Ok((answer.status, answer.body))
    }

    /// One attempt: the interceptors are told before and after.
    fn send_ref(
        &self,
        req: &Request,
        token: &UserToken,
        attempt: u32,
        timeout: Option<Duration>,
    ) -> Result<Answer, TransportError> {
        let prepared = self.route.prepare(req, token, attempt);
        let watch = self.route.watch(req, prepared.redacted, attempt);
        let received = self.exchange(prepared, timeout, watch.is_some());
        self.route.received(req, watch.as_ref(), received)
    }

    fn exchange(
        &self,
        prepared: Prepared<'_>,
        timeout: Option<Duration>,
        watched: bool,
    ) -> Result<Received, TransportError> {
        let redacted = prepared.redacted;
        let builder = match prepared.multipart {
            Some(multipart) => {
                let mut form = Form::new();
                for (name, value) in multipart.fields {
                    form = form.text(name, value);
                }
                let part = Part::bytes(multipart.upload.bytes().to_vec())
                    .file_name(multipart.upload.filename().to_owned())
                    .mime_str(multipart.upload.content_type())
                    .map_err(|e| TransportError::new(e, redacted.url()))?;
                self.client
                    .post(prepared.url)
                    .multipart(form.part(multipart.part_name, part))
            }
            None => self.client.get(prepared.url),
        };
        let builder = match timeout {
            Some(timeout) => builder.timeout(timeout),
            None => builder,
        };
        let started = watched.then(Instant::now);
        let mut response = builder
            .header(reqwest::header::AUTHORIZATION, self.route.authorization())
            .send()
            .map_err(|e| TransportError::new(e, redacted.url()))?;
        let received = Received::start(&response, started);
        crate::transport::refuse_redirect(
            response.status(),
            response.headers(),
            response.url(),
            &redacted,
        )?;
        let mut body = self
            .route
            .body_buffer(response.content_length(), &redacted)?;
        // Read piece by piece into the one buffer, as the async transport does, so that an
        // endless or oversized body stops at the cap and is never held twice.
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let n = match response.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(TransportError::from_io(e, redacted.url())),
            };
            self.route
                .append_capped(&mut body, &chunk[..n], &redacted)?;
        }
        Ok(received.finish(body))
    }
}

impl crate::transport::ResponseHead for reqwest::blocking::Response {
    fn head_status(&self) -> u16 {
        self.status().as_u16()
    }
    fn head_headers(&self) -> &reqwest::header::HeaderMap {
        self.headers()
    }
}
