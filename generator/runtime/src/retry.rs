//! Retry policy: which failures are retried, and the jittered exponential backoff.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// When and how often failed requests are retried.
///
/// By default up to 3 attempts in all. Retried are: connection failures (the request never
/// reached the server, so for every method), and for idempotent methods only (`GET`, `HEAD`,
/// `PUT`, `DELETE`, `OPTIONS`) timeouts and the statuses 429, 502, 503 and 504. `POST` and
/// `PATCH` are retried on those only with [`RetryPolicy::retry_non_idempotent`]. The delay is
/// exponential from `base_delay` with jitter, capped at `max_delay`; a `Retry-After` header
/// (seconds or an HTTP date) is honoured, also capped at `max_delay`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// The longest delay before a retry (also the cap on `Retry-After`).
    pub(crate) fn max_delay_value(&self) -> Duration {
        self.max_delay
    }

    /// The default policy: 3 attempts, 200 ms base delay, 10 s maximum delay.
    pub fn new() -> Self {
        Self::default()
    }

    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::default() }
    }

    /// Sets the total number of attempts, including the first (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the delay before the first retry; later delays double.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Caps every delay, including one asked for by `Retry-After`.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Also retries `POST` and `PATCH` (which may not be idempotent).
    pub fn retry_non_idempotent(mut self, enabled: bool) -> Self {
        self.retry_non_idempotent = enabled;
        self
    }

    /// The total number of attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn allows(&self, idempotent: bool) -> bool {
        idempotent || self.retry_non_idempotent
    }

    /// The delay before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff(&self, retry: u32, headers: Option<&HeaderMap>) -> Duration {
        self.backoff_for(retry, headers.and_then(retry_after))
    }

    /// The delay before retry number `retry`: what the server asked for (`Retry-After`), capped at
    /// the maximum delay, or the jittered exponential backoff.
    pub(crate) fn backoff_for(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_delay);
        }
        let exp = self.base_delay.saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        let capped = exp.min(self.max_delay);
        // Equal jitter: half fixed, half random.
        let half = capped / 2;
        let jitter = half.mul_f64(fastrand::f64());
        half + jitter
    }
}

/// Whether a status is retried (for methods the policy allows).
pub(crate) fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// Parses `Retry-After` as delta seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(86_400.0)));
        }
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let target: SystemTime = date.with_timezone(&chrono::Utc).into();
    Some(target.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    #[test]
    fn parses_retry_after() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        let future = chrono::Utc::now() + chrono::Duration::seconds(100);
        let s = future.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        h.insert(RETRY_AFTER, HeaderValue::from_str(&s).unwrap());
        let d = retry_after(&h).unwrap();
        assert!(d > Duration::from_secs(95) && d <= Duration::from_secs(100), "{d:?}");
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_is_capped() {
        let p = RetryPolicy::new().base_delay(Duration::from_millis(100)).max_delay(Duration::from_millis(300));
        for retry in 1..40 {
            assert!(p.backoff(retry, None) <= Duration::from_millis(300));
        }
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(p.backoff(1, Some(&h)), Duration::from_millis(300));
        assert!(RetryPolicy::none().attempts() == 1);
    }
}
