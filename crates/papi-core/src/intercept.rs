//! Hooks between the clients and the wire: an [`Interceptor`] sees every attempt of every
//! call before it is sent and after its answer came (or did not), for logs, metrics,
//! audits or tests.
//!
//! What an interceptor sees is redacted by construction: the [`RequestView`] holds the URL
//! with the token shown as `***` and no header at all (the service credentials travel in
//! `Authorization`), and the user token itself is never in it. The answer is seen whole:
//! status, headers, body and timing.
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use std::sync::Arc;
//!
//! use papi_core::intercept::{Interceptor, RequestView, ResponseView};
//! use papi_core::{Config, ServiceCredentials};
//!
//! /// Counts the answers and logs the slow ones.
//! #[derive(Default)]
//! struct Metrics {
//!     answers: AtomicU64,
//! }
//!
//! impl Interceptor for Metrics {
//!     fn after_receive(&self, request: &RequestView<'_>, response: &ResponseView<'_>) {
//!         self.answers.fetch_add(1, Ordering::Relaxed);
//!         if response.elapsed().as_secs() >= 2 {
//!             eprintln!("slow: {} took {:?}", request.url(), response.elapsed());
//!         }
//!     }
//! }
//!
//! let metrics = Arc::new(Metrics::default());
//! let config = Config::integration(ServiceCredentials::new("my-service", "my-password"))
//!     .with_interceptor(metrics.clone());
//! // Every client built from `config` now reports to `metrics`.
//! # let _ = config;
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::TransportError;
use crate::operation::Method;
use crate::request::{Redacted, Request};
use crate::value::Upload;

/// A hook called around every attempt of every call (a retried read is seen once per
/// attempt). Every method has an empty default: implement the ones you need.
///
/// The methods are called on the task (or thread) that makes the call, in the order the
/// interceptors were added, and must not block for long: they delay the call.
pub trait Interceptor: Send + Sync + 'static {
    /// Called just before an attempt is sent.
    fn before_send(&self, request: &RequestView<'_>) {
        let _ = request;
    }

    /// Called when an attempt's answer has been read whole (whatever its status: an error
    /// document is an answer too).
    fn after_receive(&self, request: &RequestView<'_>, response: &ResponseView<'_>) {
        let _ = (request, response);
    }

    /// Called when an attempt got no whole answer: the connection failed, timed out or was
    /// closed, or the answer was larger than the configured cap or a redirect.
    fn on_transport_error(&self, request: &RequestView<'_>, error: &TransportError) {
        let _ = (request, error);
    }
}

impl<T: Interceptor + ?Sized> Interceptor for Arc<T> {
    fn before_send(&self, request: &RequestView<'_>) {
        (**self).before_send(request);
    }

    fn after_receive(&self, request: &RequestView<'_>, response: &ResponseView<'_>) {
        (**self).after_receive(request, response);
    }

    fn on_transport_error(&self, request: &RequestView<'_>, error: &TransportError) {
        (**self).on_transport_error(request, error);
    }
}

/// One attempt of a call as an interceptor sees it: no token, no password.
pub struct RequestView<'r> {
    pub(crate) redacted: Redacted<'r>,
    pub(crate) req: &'r Request,
    pub(crate) api: &'static str,
    pub(crate) attempt: u32,
}

impl RequestView<'_> {
    /// The name of the API called (e.g. `"Personal Contacts API"`).
    pub fn api(&self) -> &'static str {
        self.api
    }

    /// The action's wire name.
    pub fn action(&self) -> &'static str {
        self.req.action()
    }

    /// How the call is sent: a GET, or a multipart POST carrying a file.
    pub fn method(&self) -> Method {
        if self.req.is_multipart() {
            Method::MultipartPost
        } else {
            Method::Get
        }
    }

    /// The URL, with the token shown as `***` (a multipart POST: the endpoint alone).
    pub fn url(&self) -> String {
        self.redacted.url()
    }

    /// The action's parameters (wire name, value), in the order they are sent; neither the
    /// action nor the token is among them.
    pub fn params(&self) -> &[(&'static str, String)] {
        self.req.params()
    }

    /// The file sent (its part name and the file), for a multipart POST.
    pub fn upload(&self) -> Option<(&'static str, &Upload)> {
        self.req.upload()
    }

    /// Which attempt this is, from 1 (a retried read has several).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

impl fmt::Debug for RequestView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestView")
            .field("api", &self.api)
            .field("action", &self.action())
            .field("method", &self.method())
            .field("url", &self.url())
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

/// The answer to one attempt, read whole.
#[derive(Debug)]
pub struct ResponseView<'r> {
    pub(crate) status: u16,
    pub(crate) headers: &'r reqwest::header::HeaderMap,
    pub(crate) body: &'r [u8],
    pub(crate) headers_after: Duration,
    pub(crate) elapsed: Duration,
}

impl ResponseView<'_> {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The answer's headers.
    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        self.headers
    }

    /// The answer's body (at most the configured cap).
    pub fn body(&self) -> &[u8] {
        self.body
    }

    /// From sending the request to the answer's headers.
    pub fn headers_after(&self) -> Duration {
        self.headers_after
    }

    /// From sending the request to the end of the answer's body.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

/// The interceptors of a configuration, in the order added. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Interceptors(Vec<Arc<dyn Interceptor>>);

impl Interceptors {
    pub(crate) fn push(&mut self, interceptor: Arc<dyn Interceptor>) {
        self.0.push(interceptor);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn before_send(&self, request: &RequestView<'_>) {
        for i in &self.0 {
            i.before_send(request);
        }
    }

    pub(crate) fn after_receive(&self, request: &RequestView<'_>, response: &ResponseView<'_>) {
        for i in &self.0 {
            i.after_receive(request, response);
        }
    }

    pub(crate) fn on_transport_error(&self, request: &RequestView<'_>, error: &TransportError) {
        for i in &self.0 {
            i.on_transport_error(request, error);
        }
    }
}

impl fmt::Debug for Interceptors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} interceptor(s)", self.0.len())
    }
}
