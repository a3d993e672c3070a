//! Sending a call again when it failed in a way that may pass: only reads, a bounded number
//! of times, with exponential backoff and jitter.
//!
//! The policy is **off by default** ([`RetryPolicy::none`]): a library that retries behind
//! its caller's back multiplies the load on a failing server and hides the latency budget
//! the caller set with its timeouts, so a caller turns retries on knowingly, with
//! [`Config::with_retry`](crate::Config::with_retry).
//!
//! When it is on, a call is sent again only if **all** of these hold:
//!
//! - the action is a read ([`Effect::Read`], from the `effect:` of the action in the spec)
//!   and sends no file ([`Request::is_idempotent`](crate::Request::is_idempotent)): a write
//!   (`add*`, every upload) that failed may have been applied, so it is never sent twice;
//! - the failure may pass ([`Error::is_retryable`]): the connection could not be made, was
//!   closed before an answer, or timed out; the API answered a code its documents call an
//!   internal error (the general `-2`, `-4`, `-5`, `-6`, `-9` and the API codes marked
//!   `retryable` in the spec); or a 429/500/502/503/504 status came without an error
//!   document;
//! - fewer than [`RetryPolicy::max_attempts`] attempts were made.
//!
//! Before attempt `n + 1` the client waits [`RetryPolicy::delay`]`(n)`: "equal jitter" on an
//! exponential backoff, i.e. half of `min(max_delay, base_delay · 2^(n-1))` plus a uniformly
//! random part up to the other half, so that clients failing together do not come back
//! together.
//!
//! **`Retry-After`.** When the failed answer carries a `Retry-After` header (seconds, or an
//! HTTP date), the server has said when to come back: the client waits exactly that long
//! instead of the backoff, if it is no longer than the policy's
//! [`max_delay`](RetryPolicy::max_delay). A server asking for a longer wait gets no retry: the
//! error is returned at once rather than waiting past the latency budget the policy sets,
//! or coming back before the server is ready ([`RetryPolicy::wait`]). A call's own deadline
//! ([`CallOptions::with_timeout`](crate::CallOptions::with_timeout)) is kept as well: no
//! retry starts whose wait would end after it.

use std::time::Duration;

use crate::api::Effect;
use crate::error::{ApiCode, Error};

/// Base delay of [`RetryPolicy::new`]: 200 ms before the second attempt (before jitter).
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(200);

/// Longest wait between two attempts of [`RetryPolicy::new`]: 5 s (before jitter).
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(5);

/// How failed reads are retried (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    /// [`RetryPolicy::none`].
    fn default() -> Self {
        Self::none()
    }
}

impl RetryPolicy {
    /// Never retry: every call is sent once (the default of [`Config`](crate::Config)).
    pub const fn none() -> Self {
        Self {
            max_attempts: 1,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
        }
    }

    /// Up to `max_attempts` attempts in all (at least 1) for a read, waiting
    /// [`DEFAULT_BASE_DELAY`] doubling up to [`DEFAULT_MAX_DELAY`] (with jitter) in between.
    pub fn new(max_attempts: u32) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            base_delay: DEFAULT_BASE_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
        }
    }

    /// Changes the backoff: `base` before the second attempt, doubling at each further one,
    /// never more than `max` (both before jitter; `max` below `base` is raised to `base`).
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
    }

    /// Attempts in all, the first one included (1 = never retry).
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Delay before the second attempt, before jitter.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// Largest delay between two attempts, before jitter.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// Whether a call of `effect` whose attempt number `attempt` (from 1) failed with
    /// `error` is sent again. Writes never are.
    pub fn should_retry<S: ApiCode>(&self, effect: Effect, attempt: u32, error: &Error<S>) -> bool {
        effect == Effect::Read && attempt < self.max_attempts && error.is_retryable()
    }

    /// How long to wait after the failed attempt number `attempt` (from 1), given the
    /// wait the server asked for in a `Retry-After` header, if any: that wait when it is at
    /// most [`RetryPolicy::max_delay`], else `None` (do not retry); without one, the
    /// backoff [`RetryPolicy::delay`].
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use papi_core::RetryPolicy;
    ///
    /// let policy = RetryPolicy::new(3).with_backoff(Duration::from_millis(100), Duration::from_secs(10));
    /// assert_eq!(policy.wait(1, Some(Duration::from_secs(2))), Some(Duration::from_secs(2)));
    /// assert_eq!(policy.wait(1, Some(Duration::from_secs(60))), None);
    /// assert!(policy.wait(1, None).unwrap() <= Duration::from_millis(100));
    /// ```
    pub fn wait(&self, attempt: u32, server_wait: Option<Duration>) -> Option<Duration> {
        match server_wait {
            Some(wait) if wait > self.max_delay => None,
            Some(wait) => Some(wait),
            None => Some(self.delay(attempt)),
        }
    }

    /// How long to wait after the failed attempt number `attempt` (from 1): a random
    /// duration between half of and the whole of `min(max_delay, base_delay · 2^(attempt-1))`.
    pub fn delay(&self, attempt: u32) -> Duration {
        self.delay_with(attempt, fastrand::f64())
    }

    /// [`RetryPolicy::delay`] with the random draw `unit` (in `[0, 1)`) given.
    fn delay_with(&self, attempt: u32, unit: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let half = ceiling / 2;
        half + (ceiling - half).mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// The wait a `Retry-After` header asks for at `now`: whole seconds, or an HTTP date
/// (a date in the past asks for no wait). `None` without the header, or when it cannot be
/// read (then the policy's backoff applies). The clock (`now`) is read only for a date.
pub(crate) fn server_wait(
    headers: &reqwest::header::HeaderMap,
    now: impl FnOnce() -> std::time::SystemTime,
) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now()).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, ParamError};

    fn api(code: i64) -> Error<i64> {
        Error::Api(ApiError::new(500, code, "", None, None, ""))
    }

    #[test]
    fn only_reads_failing_transiently_are_retried_and_only_up_to_the_limit() {
        let p = RetryPolicy::new(3);
        for code in [-2, -4, -5, -6, -9] {
            assert!(p.should_retry(Effect::Read, 1, &api(code)), "{code}");
            assert!(p.should_retry(Effect::Read, 2, &api(code)), "{code}");
            assert!(!p.should_retry(Effect::Read, 3, &api(code)), "{code}");
            assert!(!p.should_retry(Effect::Write, 1, &api(code)), "{code}");
        }
        for code in [-1, -3, -7, -8, -10, 1, 7] {
            assert!(!p.should_retry(Effect::Read, 1, &api(code)), "{code}");
        }
        for status in [429, 500, 502, 503, 504] {
            let e = Error::<i64>::UnexpectedStatus {
                status,
                body: String::new(),
            };
            assert!(p.should_retry(Effect::Read, 1, &e), "{status}");
            assert!(!p.should_retry(Effect::Write, 1, &e), "{status}");
        }
        let e = Error::<i64>::UnexpectedStatus {
            status: 404,
            body: String::new(),
        };
        assert!(!p.should_retry(Effect::Read, 1, &e));
        let e = Error::<i64>::InvalidParam(ParamError::Empty { param: "cid" });
        assert!(!p.should_retry(Effect::Read, 1, &e));
        assert!(!RetryPolicy::none().should_retry(Effect::Read, 1, &api(-2)));
        assert_eq!(RetryPolicy::new(0).max_attempts(), 1);
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
        use std::time::{SystemTime, UNIX_EPOCH};
        let at = |value: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(RETRY_AFTER, HeaderValue::from_static(value));
            h
        };
        // 1994-11-06T08:49:37Z, the date of RFC 9110's examples.
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(server_wait(&HeaderMap::new(), || now), None);
        assert_eq!(
            server_wait(&at("120"), || now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(server_wait(&at(" 0 "), || now), Some(Duration::ZERO));
        for date in [
            "Sun, 06 Nov 1994 08:50:07 GMT",
            "Sunday, 06-Nov-94 08:50:07 GMT",
            "Sun Nov  6 08:50:07 1994",
        ] {
            assert_eq!(
                server_wait(&at(date), || now),
                Some(Duration::from_secs(30)),
                "{date}"
            );
        }
        assert_eq!(
            server_wait(&at("Sun, 06 Nov 1994 08:00:00 GMT"), || now),
            Some(Duration::ZERO)
        );
        for unreadable in ["-5", "soon", "1.5", ""] {
            assert_eq!(server_wait(&at(unreadable), || now), None, "{unreadable}");
        }
        assert!(server_wait(&at("5"), SystemTime::now).is_some());
    }

    #[test]
    fn a_server_wait_within_the_policy_replaces_the_backoff_and_a_longer_one_stops_retries() {
        let p = RetryPolicy::new(5)
            .with_backoff(Duration::from_millis(100), Duration::from_millis(1000));
        assert_eq!(
            p.wait(1, Some(Duration::from_millis(700))),
            Some(Duration::from_millis(700))
        );
        assert_eq!(p.wait(4, Some(Duration::ZERO)), Some(Duration::ZERO));
        assert_eq!(
            p.wait(1, Some(Duration::from_millis(1000))),
            Some(Duration::from_millis(1000))
        );
        assert_eq!(p.wait(1, Some(Duration::from_millis(1001))), None);
        let backoff = p.wait(2, None).unwrap();
        assert!((Duration::from_millis(100)..=Duration::from_millis(200)).contains(&backoff));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let p = RetryPolicy::new(10)
            .with_backoff(Duration::from_millis(100), Duration::from_millis(1000));
        let ms = |attempt, unit| p.delay_with(attempt, unit).as_millis();
        // No jitter drawn: half the ceiling; the largest draw: the whole ceiling.
        assert_eq!(
            [1, 2, 3, 4, 5, 40].map(|a| ms(a, 0.0)),
            [50, 100, 200, 400, 500, 500]
        );
        assert_eq!(
            [1, 2, 3, 4, 5, 40].map(|a| ms(a, 1.0)),
            [100, 200, 400, 800, 1000, 1000]
        );
        // Random draws stay within [ceiling/2, ceiling] and are not all the same.
        let draws: Vec<Duration> = (0..200).map(|_| p.delay(3)).collect();
        assert!(draws
            .iter()
            .all(|d| (Duration::from_millis(200)..=Duration::from_millis(400)).contains(d)));
        assert!(draws.iter().any(|d| *d != draws[0]), "no jitter");
        assert_eq!(RetryPolicy::none().delay(1), Duration::ZERO);
        // A huge attempt number neither overflows nor passes the cap.
        assert_eq!(p.delay_with(u32::MAX, 1.0), Duration::from_millis(1000));
    }
}
