//! What one call may change of its client's configuration: its timeouts and its retry
//! policy ([`CallOptions`], given to a client's `call_with`).

use std::time::{Duration, Instant};

use crate::retry::RetryPolicy;

/// Settings of one call that override the client's [`Config`](crate::Config) for that call
/// only; what is not set keeps the configuration's value.
///
/// - [`CallOptions::with_timeout`]: a deadline for the whole call, retries and the waits
///   between them included. The attempt in flight when it passes is cut
///   ([`TransportErrorKind::Timeout`](crate::TransportErrorKind::Timeout)), and no retry
///   starts that could not finish its wait before it.
/// - [`CallOptions::with_attempt_timeout`]: each attempt's own timeout, from sending to the end
///   of the answer's body, in place of [`Config::with_request_timeout`](crate::Config::with_request_timeout)
///   (it applies to an injected HTTP client too).
/// - [`CallOptions::with_retry`]: another retry policy. Writes are still never retried.
///
/// ```
/// use std::time::Duration;
///
/// use papi_core::{CallOptions, RetryPolicy};
///
/// // Two seconds for this call whatever happens, up to three attempts within them.
/// let options = CallOptions::new()
///     .with_timeout(Duration::from_secs(2))
///     .with_retry(RetryPolicy::new(3));
/// assert_eq!(options.timeout(), Some(Duration::from_secs(2)));
/// // `client.call_with(&token, operation, options)` runs an operation with them.
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// No override: the call runs as the configuration says.
    pub fn new() -> Self {
        Self::default()
    }

    /// The whole call, retries included, must end within `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Each attempt must end within `timeout` (in place of the configuration's request
    /// timeout).
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Retries this call as `policy` says (reads only, as always).
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The deadline of the whole call, if set.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The timeout of each attempt, if set.
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// The retry policy of this call, if set.
    pub fn retry(&self) -> Option<&RetryPolicy> {
        self.retry.as_ref()
    }
}

/// The time and attempts one call may still use: its options resolved against the
/// client's retry policy when the call starts.
#[derive(Debug)]
pub(crate) struct Budget<'a> {
    pub(crate) retry: &'a RetryPolicy,
    deadline: Option<Instant>,
    attempt_timeout: Option<Duration>,
}

impl<'a> Budget<'a> {
    /// The budget of a call starting now.
    pub(crate) fn start(options: &'a CallOptions, configured: &'a RetryPolicy) -> Self {
        Self {
            retry: options.retry.as_ref().unwrap_or(configured),
            deadline: options.timeout.map(|t| Instant::now() + t),
            attempt_timeout: options.attempt_timeout,
        }
    }

    /// The timeout to set on the next attempt: the attempt timeout, shortened to what is
    /// left before the deadline; `None` leaves the HTTP client's own.
    pub(crate) fn attempt_timeout(&self) -> Option<Duration> {
        let left = self
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now()));
        match (self.attempt_timeout, left) {
            (Some(a), Some(l)) => Some(a.min(l)),
            (a, l) => a.or(l),
        }
    }

    /// Whether a wait of `delay` still leaves time before the deadline.
    pub(crate) fn allows_wait(&self, delay: Duration) -> bool {
        self.deadline
            .is_none_or(|d| Instant::now().checked_add(delay).is_some_and(|end| end < d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_takes_the_calls_policy_and_the_shorter_timeout() {
        let configured = RetryPolicy::none();
        let options = CallOptions::new();
        let budget = Budget::start(&options, &configured);
        assert_eq!(budget.retry, &RetryPolicy::none());
        assert_eq!(budget.attempt_timeout(), None);
        assert!(budget.allows_wait(Duration::from_secs(3600)));

        let options = CallOptions::new()
            .with_retry(RetryPolicy::new(4))
            .with_attempt_timeout(Duration::from_secs(30))
            .with_timeout(Duration::from_secs(5));
        let budget = Budget::start(&options, &configured);
        assert_eq!(budget.retry.max_attempts(), 4);
        let t = budget.attempt_timeout().unwrap();
        assert!(
            t <= Duration::from_secs(5) && t > Duration::from_secs(4),
            "{t:?}"
        );
        assert!(budget.allows_wait(Duration::from_secs(1)));
        assert!(!budget.allows_wait(Duration::from_secs(6)));

        let options = CallOptions::new().with_attempt_timeout(Duration::from_millis(10));
        let budget = Budget::start(&options, &configured);
        assert_eq!(budget.attempt_timeout(), Some(Duration::from_millis(10)));
    }
}
