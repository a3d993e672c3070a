//! Sending a [`Request`] and reading its answer: the HTTPS rule, timeouts, the body size
//! cap and retries of reads.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use tracing::{field, Instrument, Span};
use url::Url;

use crate::api::ApiDescriptor;
use crate::config::{parse_http_url, require_https, Config};
use crate::decode;
use crate::error::{ApiCode, ConfigError, Error, TransportError};
use crate::general::{ACTION_PARAM, TOKEN_PARAM};
use crate::intercept::{Interceptors, RequestView, ResponseView};
use crate::options::{Budget, CallOptions};
use crate::request::{Redacted, Request};
use crate::retry::RetryPolicy;
use crate::secret::{BasicAuth, UserToken};
use crate::value::Upload;

pub use crate::config::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT};

/// The HTTP side of one API client: the HTTP client, the resolved endpoint, the service
/// credentials, the body cap and the retry policy. Built once per client; cheap to clone.
///
/// Every call runs in a `tracing` span `papi.call` with the fields `api`, `action`,
/// `attempts`, `status` (the last HTTP status, when an answer came), `outcome` and
/// `duration_ms`; the token is never a field (URLs in events show it as `***`).
#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::Client,
    route: Route,
}

impl Transport {
    /// A transport for `api` at the endpoint of the configured environment.
    pub fn new(config: &Config, api: &'static ApiDescriptor) -> Result<Self, ConfigError> {
        Self::build(config, Route::for_environment(config, api)?)
    }

    /// A transport for `api` at an explicit endpoint (absolute http(s) URL; plain `http`
    /// only for a loopback host unless the configuration allows it).
    pub fn with_endpoint(
        config: &Config,
        api: &'static ApiDescriptor,
        endpoint: &str,
    ) -> Result<Self, ConfigError> {
        Self::build(config, Route::for_endpoint(config, api, endpoint)?)
    }

    /// Builds the transport; the HTTP client is the injected one, or a default one with the
    /// configuration's connect and request timeouts.
    fn build(config: &Config, route: Route) -> Result<Self, ConfigError> {
        let client = match config.http_client() {
            Some(client) => client.clone(),
            None => crate::tls::client_builder()
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

    /// Sends `req` with `token` and decodes the element at `path` of the answer into `T`
    /// (see [`decode::response`]); a read that fails in a way that may pass is sent again
    /// as the retry policy says (see [`Transport::call_with`]).
    ///
    /// A plain call is `GET endpoint?action=…&params…&token=…`; a call with a file is a
    /// multipart/form-data POST (fields `action`, params, `token`, then the file part).
    /// Both carry `Authorization: Basic base64(id:password)`.
    pub async fn call<T: crate::de::FromXml, S: ApiCode>(
        &self,
        req: Request,
        token: &UserToken,
        path: &'static [&'static str],
    ) -> Result<T, Error<S>> {
        let api = self.route.api();
        self.call_with(req, token, |status, body| {
            decode::response(api, path, status, body)
        })
        .await
    }

    /// Sends `req` with `token` and reads the answer with `decode` (status, body).
    ///
    /// When the call fails — to send, or in `decode` (an error document is an error) — and
    /// the configuration's [`RetryPolicy`] says so (only for reads, see
    /// [`crate::retry`]), the call is sent again after the policy's delay. The last error
    /// is returned.
    pub async fn call_with<T, S, F>(
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
            .await
    }

    /// [`Transport::call_with`] with the settings of `options` in place of the
    /// configuration's for this call: its deadline, its attempts' timeout, its retry
    /// policy (see [`CallOptions`]).
    pub async fn call_with_options<T, S, F>(
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
        warn_if_past_expiry(&self.route, token);
        let budget = Budget::start(options, self.route.retry());
        let mut call = CallTrace::start(&self.route, &req);
        let span = call.span.clone();
        let outcome = async {
            loop {
                let timeout = budget.attempt_timeout();
                let sent = self.send_ref(&req, token, call.attempts, timeout).await;
                match self
                    .route
                    .after_attempt(&req, &mut call, &budget, sent, &decode)
                {
                    ControlFlow::Break(outcome) => return outcome,
                    ControlFlow::Continue(delay) => tokio::time::sleep(delay).await,
                }
            }
        }
        .instrument(span)
        .await;
        let outcome = self.route.vet(outcome);
        call.finish(&outcome);
        outcome
    }

    /// Sends `req` once and returns the status and the raw body, without decoding and
    /// without retrying. The body is read up to the configured cap.
    pub async fn send(
        &self,
        req: Request,
        token: &UserToken,
    ) -> Result<(u16, Vec<u8>), TransportError> {
        let answer = self.send_ref(&req, token, 1, None).await?;
        Ok((answer.status, answer.body))
    }

    /// One attempt: the interceptors are told before and after.
    async fn send_ref(
        &self,
        req: &Request,
        token: &UserToken,
        attempt: u32,
        timeout: Option<Duration>,
    ) -> Result<Answer, TransportError> {
        let prepared = self.route.prepare(req, token, attempt);
        let watch = self.route.watch(req, prepared.redacted, attempt);
        let received = self.exchange(prepared, timeout, watch.is_some()).await;
        self.route.received(req, watch.as_ref(), received)
    }

    async fn exchange(
        &self,
        prepared: Prepared<'_>,
        timeout: Option<Duration>,
        watched: bool,
    ) -> Result<Received, TransportError> {
        // The URL to show is written only when an error or a trace needs it.
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
            .await
            .map_err(|e| TransportError::new(e, redacted.url()))?;
        let received = Received::start(&response, started);
        refuse_redirect(
            response.status(),
            response.headers(),
            response.url(),
            &redacted,
        )?;
        let mut body = self
            .route
            .body_buffer(response.content_length(), &redacted)?;
        // Read chunk by chunk so that an endless or oversized body stops at the cap; the
        // connection is dropped (not reused) when the answer is abandoned.
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| TransportError::new(e, redacted.url()))?
        {
            self.route.append_capped(&mut body, &chunk, &redacted)?;
        }
        Ok(received.finish(body))
    }
}

/// A tracing warning (never an error) when `token` is past the expiry its layout gives:
/// the spec's reading of the expiry field is a third-party interpretation.
pub(crate) fn warn_if_past_expiry(route: &Route, token: &UserToken) {
    if token.is_past_expiry(std::time::SystemTime::now()) {
        tracing::warn!(
            target: "papi",
            api = route.api.name,
            "the user token is past the expiry its layout gives (a third-party reading of the token); the call is sent anyway"
        );
    }
}

/// A redirect answer (3xx but 304) is an error: the default clients follow none, and one
/// the configured policy stopped is not an answer either (see
/// [`Config::follow_redirects`](crate::Config::follow_redirects)).
pub(crate) fn refuse_redirect(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    url: &Url,
    redacted: &Redacted<'_>,
) -> Result<(), TransportError> {
    if !status.is_redirection() || status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(());
    }
    let location = headers
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(|l| crate::error::shown_location(url, l));
    Err(TransportError::redirect(
        status.as_u16(),
        location,
        redacted.url(),
    ))
}

/// The `User-Agent` of the default HTTP clients.
pub(crate) const USER_AGENT: &str = concat!("papi/", env!("CARGO_PKG_VERSION"));

/// What the transports of one API client share, whichever HTTP client sends: where calls
/// go, with which credentials, the body cap and the retry policy.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    endpoint: Url,
    /// The service credentials' `Authorization` header, built once.
    authorization: BasicAuth,
    api: &'static ApiDescriptor,
    max_body_bytes: u64,
    retry: RetryPolicy,
    /// Where consent URLs of privacy errors may send users.
    consent: crate::consent::ConsentPolicy,
    interceptors: Interceptors,
}

/// One call ready for an HTTP client: the URL (the full GET URL, or the endpoint of a
/// multipart POST), the URL to show (token as `***`), and the multipart body, if any.
pub(crate) struct Prepared<'r> {
    pub(crate) url: Url,
    pub(crate) redacted: Redacted<'r>,
    pub(crate) multipart: Option<Multipart<'r>>,
}

/// The parts of a multipart/form-data POST: text fields in order (`action`, the params,
/// `token`), then the file under `part_name`.
pub(crate) struct Multipart<'r> {
    pub(crate) fields: Vec<(&'static str, String)>,
    pub(crate) part_name: &'static str,
    pub(crate) upload: &'r Upload,
}

impl Route {
    /// The route of `api` in the configured environment.
    pub(crate) fn for_environment(
        config: &Config,
        api: &'static ApiDescriptor,
    ) -> Result<Self, ConfigError> {
        Self::new(config, api, config.endpoint(api)?)
    }

    /// The route of `api` at an explicit endpoint (absolute http(s) URL).
    pub(crate) fn for_endpoint(
        config: &Config,
        api: &'static ApiDescriptor,
        endpoint: &str,
    ) -> Result<Self, ConfigError> {
        Self::new(config, api, parse_http_url(endpoint)?)
    }

    fn new(
        config: &Config,
        api: &'static ApiDescriptor,
        endpoint: Url,
    ) -> Result<Self, ConfigError> {
        if !config.allows_plain_http() {
            require_https(&endpoint)?;
        }
        let authorization = BasicAuth::new(config.credentials()).ok_or_else(|| {
            ConfigError::HttpClient("the service credentials make no header value".to_owned())
        })?;
        Ok(Self {
            consent: config.consent_policy(&endpoint),
            endpoint,
            authorization,
            api,
            max_body_bytes: config.max_body_bytes(),
            retry: config.retry().clone(),
            interceptors: config.interceptors().clone(),
        })
    }

    /// The configured retry policy.
    pub(crate) fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Tells the interceptors, if any, that an attempt is about to be sent, and returns
    /// the view they are shown again with its outcome.
    pub(crate) fn watch<'r>(
        &'r self,
        req: &'r Request,
        redacted: Redacted<'r>,
        attempt: u32,
    ) -> Option<RequestView<'r>> {
        if self.interceptors.is_empty() {
            return None;
        }
        let view = RequestView {
            redacted,
            req,
            api: self.api.name,
            attempt,
        };
        self.interceptors.before_send(&view);
        Some(view)
    }

    /// The end of one attempt: traced, told to the interceptors (`watched`: the view
    /// they were shown), and reduced to what the call needs.
    pub(crate) fn received(
        &self,
        req: &Request,
        watched: Option<&RequestView<'_>>,
        outcome: Result<Received, TransportError>,
    ) -> Result<Answer, TransportError> {
        if let Ok(r) = &outcome {
            self.answered(req, r.status, &r.body);
        }
        if let Some(view) = watched {
            self.report(view, &outcome);
        }
        outcome.map(Received::into_answer)
    }

    /// What follows one attempt (`sent`) of `req`: the call's outcome, or the wait before
    /// the next attempt (counted in `call`).
    pub(crate) fn after_attempt<T, S, F>(
        &self,
        req: &Request,
        call: &mut CallTrace,
        budget: &Budget<'_>,
        sent: Result<Answer, TransportError>,
        decode: &F,
    ) -> ControlFlow<Result<T, Error<S>>, Duration>
    where
        S: ApiCode,
        F: Fn(u16, &[u8]) -> Result<T, Error<S>>,
    {
        let (result, server_wait) = match sent {
            Ok(answer) => {
                call.status = Some(answer.status);
                (decode(answer.status, &answer.body), answer.retry_after)
            }
            Err(e) => (Err(Error::Transport(e)), None),
        };
        let error = match result {
            Ok(answer) => return ControlFlow::Break(Ok(answer)),
            Err(error) => error,
        };
        match self.next_wait(req, call.attempts, &error, server_wait, budget) {
            Some(delay) => {
                call.attempts += 1;
                ControlFlow::Continue(delay)
            }
            None => ControlFlow::Break(Err(error)),
        }
    }

    /// Tells the interceptors how a watched attempt ended.
    fn report(&self, view: &RequestView<'_>, outcome: &Result<Received, TransportError>) {
        match outcome {
            Ok(received) => {
                let empty = reqwest::header::HeaderMap::new();
                let response = ResponseView {
                    status: received.status,
                    headers: received.headers.as_ref().unwrap_or(&empty),
                    body: &received.body,
                    headers_after: received.headers_after,
                    elapsed: received.elapsed,
                };
                self.interceptors.after_receive(view, &response);
            }
            Err(error) => self.interceptors.on_transport_error(view, error),
        }
    }

    /// The endpoint every call goes to.
    pub(crate) fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The outcome of a call, a consent URL that points where users are not sent moved
    /// aside (see [`crate::Config::with_consent_origin`]).
    pub(crate) fn vet<T, S>(&self, outcome: Result<T, Error<S>>) -> Result<T, Error<S>> {
        outcome.map_err(|e| self.consent.vet(e))
    }

    /// The API this route serves.
    pub(crate) fn api(&self) -> &'static ApiDescriptor {
        self.api
    }

    /// The `Authorization` header every call carries.
    pub(crate) fn authorization(&self) -> reqwest::header::HeaderValue {
        self.authorization.header()
    }

    /// The wire form of `req` (see [`Transport::call`]).
    pub(crate) fn prepare<'r>(
        &'r self,
        req: &'r Request,
        token: &UserToken,
        attempt: u32,
    ) -> Prepared<'r> {
        let redacted = Redacted::new(&self.endpoint, req);
        let prepared = if let Some((part_name, upload)) = req.upload() {
            let mut fields = Vec::with_capacity(req.params().len() + 2);
            fields.push((ACTION_PARAM, req.action().to_owned()));
            fields.extend(req.params().iter().cloned());
            fields.push((TOKEN_PARAM, token.expose().to_owned()));
            Prepared {
                url: self.endpoint.clone(),
                redacted,
                multipart: Some(Multipart {
                    fields,
                    part_name,
                    upload,
                }),
            }
        } else {
            let mut url = self.endpoint.clone();
            req.append_query(&mut url, token);
            Prepared {
                url,
                redacted,
                multipart: None,
            }
        };
        tracing::debug!(
            api = self.api.name,
            action = req.action(),
            attempt,
            url = %prepared.redacted,
            multipart = req.is_multipart(),
            "papi: sending"
        );
        prepared
    }

    /// An empty buffer for an answer of `content_length`, or the cap error when the
    /// announced length is over the cap.
    pub(crate) fn body_buffer(
        &self,
        content_length: Option<u64>,
        redacted: &Redacted<'_>,
    ) -> Result<Vec<u8>, TransportError> {
        let cap = self.max_body_bytes;
        if content_length.is_some_and(|len| len > cap) {
            return Err(TransportError::body_too_large(cap, redacted.url()));
        }
        let capacity = content_length.unwrap_or(0).min(cap);
        Ok(Vec::with_capacity(usize::try_from(capacity).unwrap_or(0)))
    }

    /// Appends `chunk` to `body`, or fails when that would pass the cap.
    pub(crate) fn append_capped(
        &self,
        body: &mut Vec<u8>,
        chunk: &[u8],
        redacted: &Redacted<'_>,
    ) -> Result<(), TransportError> {
        let cap = self.max_body_bytes;
        if (body.len() as u64).saturating_add(chunk.len() as u64) > cap {
            return Err(TransportError::body_too_large(cap, redacted.url()));
        }
        body.extend_from_slice(chunk);
        Ok(())
    }

    /// Traces a complete answer.
    pub(crate) fn answered(&self, req: &Request, status: u16, body: &[u8]) {
        tracing::debug!(
            api = self.api.name,
            action = req.action(),
            status,
            bytes = body.len(),
            "papi: answered"
        );
    }

    /// How long to wait before sending `req` again after attempt `attempt` failed with
    /// `error` (whose answer asked for `server_wait`, if it carried `Retry-After`), or
    /// `None` when it must not be sent again (see [`crate::retry`]).
    pub(crate) fn next_wait<S: ApiCode>(
        &self,
        req: &Request,
        attempt: u32,
        error: &Error<S>,
        server_wait: Option<Duration>,
        budget: &Budget<'_>,
    ) -> Option<Duration> {
        if !(req.is_idempotent() && budget.retry.should_retry(req.effect(), attempt, error)) {
            return None;
        }
        let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let Some(delay) = budget.retry.wait(attempt, server_wait) else {
            tracing::warn!(
                api = self.api.name,
                action = req.action(),
                attempt,
                retry_after_ms = server_wait.map(millis),
                "papi: not retrying: the server asks for a longer wait than the retry policy's longest"
            );
            return None;
        };
        if !budget.allows_wait(delay) {
            tracing::warn!(
                api = self.api.name,
                action = req.action(),
                attempt,
                delay_ms = millis(delay),
                "papi: not retrying: the call's timeout would pass"
            );
            return None;
        }
        tracing::warn!(
            api = self.api.name,
            action = req.action(),
            attempt,
            reason = %retry_reason(error),
            delay_ms = millis(delay),
            server_asked = server_wait.is_some(),
            "papi: retrying a read"
        );
        Some(delay)
    }
}

/// An answer read whole, with what the interceptors and the retry rule need of it.
pub(crate) struct Received {
    pub(crate) status: u16,
    /// Only kept when an interceptor will see them.
    pub(crate) headers: Option<reqwest::header::HeaderMap>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body: Vec<u8>,
    pub(crate) headers_after: Duration,
    pub(crate) elapsed: Duration,
    /// When the request was sent; only timed when an interceptor will see the timing.
    started: Option<Instant>,
}

impl Received {
    /// What is known when the headers have come; `started` (when the request was sent)
    /// is given when an interceptor watches: the headers are then kept and the timing
    /// taken (otherwise the clock is not read).
    pub(crate) fn start(response: &impl ResponseHead, started: Option<Instant>) -> Self {
        let headers = response.head_headers();
        let headers_after = started.map_or(Duration::ZERO, |s| s.elapsed());
        Self {
            status: response.head_status(),
            retry_after: crate::retry::server_wait(headers, std::time::SystemTime::now),
            headers: started.map(|_| headers.clone()),
            body: Vec::new(),
            headers_after,
            elapsed: headers_after,
            started,
        }
    }

    /// The answer read whole: its body, and the time taken when it is timed.
    pub(crate) fn finish(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        if let Some(started) = self.started {
            self.elapsed = started.elapsed();
        }
        self
    }

    pub(crate) fn into_answer(self) -> Answer {
        Answer {
            status: self.status,
            retry_after: self.retry_after,
            body: self.body,
        }
    }
}

/// The status line and headers of an answer, whichever client read it.
pub(crate) trait ResponseHead {
    fn head_status(&self) -> u16;
    fn head_headers(&self) -> &reqwest::header::HeaderMap;
}

impl ResponseHead for reqwest::Response {
    fn head_status(&self) -> u16 {
        self.status().as_u16()
    }
    fn head_headers(&self) -> &reqwest::header::HeaderMap {
        self.headers()
    }
}

/// What a call's decoder and retry rule get of one attempt's answer.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body: Vec<u8>,
}

/// The `papi.call` span of one call and what is recorded in it when the call ends.
pub(crate) struct CallTrace {
    pub(crate) span: Span,
    pub(crate) attempts: u32,
    pub(crate) status: Option<u16>,
    started: Instant,
}

impl CallTrace {
    pub(crate) fn start(route: &Route, req: &Request) -> Self {
        let span = tracing::info_span!(
            "papi.call",
            api = route.api.name,
            action = req.action(),
            attempts = field::Empty,
            status = field::Empty,
            outcome = field::Empty,
            duration_ms = field::Empty,
        );
        Self {
            span,
            attempts: 1,
            status: None,
            started: Instant::now(),
        }
    }

    /// Records the end of the call and emits one event `papi: call done` in its span.
    pub(crate) fn finish<T, S: ApiCode>(&self, outcome: &Result<T, Error<S>>) {
        // Nobody records the span's fields when no subscriber wants it: skip their making.
        if !self.span.is_disabled() {
            let elapsed = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let summary = match outcome {
                Ok(_) => "ok".to_owned(),
                Err(e) => retry_reason(e),
            };
            self.span.record("attempts", self.attempts);
            if let Some(status) = self.status {
                self.span.record("status", status);
            }
            self.span.record("outcome", summary.as_str());
            self.span.record("duration_ms", elapsed);
        }
        self.span.in_scope(|| tracing::debug!("papi: call done"));
    }
}

/// Why a call is retried, for the trace: never the answer's text, which a server controls.
fn retry_reason<S: ApiCode>(error: &Error<S>) -> String {
    match error {
        Error::Transport(e) => e.kind().to_string(),
        Error::Api(e) => format!("API code {}", e.code),
        Error::UnexpectedStatus { status, .. } => format!("HTTP {status}"),
        Error::Decode(_) => "decode error".to_owned(),
        Error::InvalidParam(_) => "invalid parameter".to_owned(),
        Error::Config(_) => "configuration error".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Envelope;
    use crate::config::Environment;
    use crate::error::TransportErrorKind;
    use crate::secret::ServiceCredentials;

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

    #[test]
    fn every_way_to_an_endpoint_requires_https_off_loopback() {
        let creds = ServiceCredentials::new("sp", "pwd");
        let strict = Config::custom("https://api.example", creds.clone()).unwrap();
        let insecure = |r: Result<Transport, ConfigError>| matches!(r, Err(ConfigError::InsecureUrl { ref host }) if host == "api.example");
        assert!(insecure(Transport::with_endpoint(
            &strict,
            &API,
            "http://api.example/T/V1"
        )));
        let custom = Environment::Custom(Url::parse("http://api.example/").unwrap());
        let built = Config::new(custom.clone(), creds.clone());
        assert!(insecure(Transport::new(&built, &API)));
        // The explicit opt-out, and loopback, and https.
        let allowed = Config::new(custom, creds.clone()).allow_plain_http();
        assert!(Transport::new(&allowed, &API).is_ok());
        assert!(Transport::with_endpoint(&allowed, &API, "http://api.example/T/V1").is_ok());
        assert!(Transport::with_endpoint(&strict, &API, "http://127.0.0.1:1/T/V1").is_ok());
        assert!(Transport::with_endpoint(&strict, &API, "https://api.example/T/V1").is_ok());
    }

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
