//! Hooks around every attempt of every request, for cross-cutting concerns: metrics, trace
//! propagation, wire logs, test assertions. An [`Interceptor`] sees each attempt before it is sent
//! (and may add headers) and after it ends (status or failure, latency, whether it is retried).
//!
//! What an interceptor is shown is what is safe to show: the URL with personal parameters
//! redacted, the headers without the credentials (their header's name only), the request id.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::error::Error;
use super::meta::OperationMeta;

/// A hook the client calls around each attempt, in the order interceptors were added
/// ([`ClientBuilder::interceptor`](super::ClientBuilder::interceptor)). Both methods do nothing
/// by default; they run on the request's task, so they should be quick and must not block.
pub trait Interceptor: Send + Sync + 'static {
    /// Before an attempt is sent: observe it, or add headers with
    /// [`insert_header`](AttemptRequest::insert_header).
    fn before_attempt(&self, request: &mut AttemptRequest<'_>) {
        let _ = request;
    }

    /// After an attempt ended: its status (or failure), how long it took, whether it is retried.
    fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        let _ = outcome;
    }
}

/// One attempt about to be sent.
pub struct AttemptRequest<'a> {
    pub(crate) operation: &'static OperationMeta,
    pub(crate) attempt: u32,
    pub(crate) request_id: &'a str,
    pub(crate) method: &'a reqwest::Method,
    pub(crate) shown_url: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) credential_header: Option<&'a HeaderName>,
    pub(crate) added: HeaderMap,
}

impl AttemptRequest<'_> {
    /// The operation.
    pub fn operation(&self) -> &'static OperationMeta {
        self.operation
    }

    /// The attempt's number, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The id sent as `x-request-id`, the same for every attempt of a call.
    pub fn request_id(&self) -> &str {
        self.request_id
    }

    /// The HTTP method.
    pub fn method(&self) -> &str {
        self.method.as_str()
    }

    /// The URL, with the values of parameters the spec marks personal replaced by `[redacted]`.
    pub fn shown_url(&self) -> &str {
        self.shown_url
    }

    /// The request's headers, without the credentials.
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// The name of the header that will carry the credentials (`authorization`, an API key
    /// header), if the operation sends any; its value is never shown.
    pub fn credential_header(&self) -> Option<&HeaderName> {
        self.credential_header
    }

    /// Adds (or replaces) a header on this attempt. The credentials' header cannot be replaced.
    pub fn insert_header(&mut self, name: HeaderName, value: HeaderValue) {
        if Some(&name) != self.credential_header {
            self.added.insert(name, value);
        }
    }
}

impl fmt::Debug for AttemptRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptRequest")
            .field("operation", &self.operation.operation_id)
            .field("attempt", &self.attempt)
            .field("request_id", &self.request_id)
            .field("method", &self.method.as_str())
            .field("url", &self.shown_url)
            .field("headers", &super::redact::Headers(self.headers))
            .finish_non_exhaustive()
    }
}

/// How one attempt ended.
#[derive(Debug)]
pub struct AttemptOutcome<'a> {
    pub(crate) operation: &'static OperationMeta,
    pub(crate) attempt: u32,
    pub(crate) request_id: &'a str,
    pub(crate) status: Option<u16>,
    pub(crate) error: Option<&'a Error>,
    pub(crate) elapsed: Duration,
    pub(crate) retrying: bool,
}

impl AttemptOutcome<'_> {
    /// The operation.
    pub fn operation(&self) -> &'static OperationMeta {
        self.operation
    }

    /// The attempt's number, from 1 (the number of retries before it is one less).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The id sent as `x-request-id`.
    pub fn request_id(&self) -> &str {
        self.request_id
    }

    /// The response's status, when one arrived.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Why no response arrived (a transport failure or a timeout).
    pub fn error(&self) -> Option<&Error> {
        self.error
    }

    /// From sending to the response's headers (or the failure).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Whether the client will try again.
    pub fn retrying(&self) -> bool {
        self.retrying
    }
}

/// A fresh request id: 128 random bits as 32 hexadecimal digits.
pub(crate) fn new_request_id() -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bits = (u128::from(fastrand::u64(..)) << 64) | u128::from(fastrand::u64(..));
    let mut digits = [0u8; 32];
    for (i, digit) in digits.iter_mut().enumerate() {
        *digit = HEX[((bits >> ((31 - i) * 4)) & 0xf) as usize];
    }
    // Only ASCII digits and letters.
    std::str::from_utf8(&digits).map(str::to_owned).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_are_32_hex_digits_and_differ() {
        let (a, b) = (super::new_request_id(), super::new_request_id());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{a}");
        assert_ne!(a, b);
    }
}
