//! Successful (status < 400) responses: JSON, text, bytes, streams and bodyless results.

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::future::Either;
use futures_util::StreamExt as _;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::api::ErrorBodyFields;
use super::error::{Error, HttpError, TimeoutKind};
use super::meta::OperationMeta;
use super::text::Secrets;

/// How a response body may be read: its size limits and timeouts, and what to hide in errors.
#[derive(Debug, Clone)]
pub(crate) struct BodyRules {
    /// The host (and port), for error messages.
    pub(crate) host: std::sync::Arc<str>,
    /// The largest buffered body, in bytes.
    pub(crate) limit: u64,
    /// The builder setting of that limit, for the error message.
    pub(crate) limit_setting: &'static str,
    /// How much of an error body is kept.
    pub(crate) error_limit: usize,
    /// When reading a buffered body must have finished: the attempt's or the operation's end,
    /// whichever is first, with that timeout's kind and length.
    pub(crate) deadline: Option<(Instant, TimeoutKind, Duration)>,
    /// The longest wait for the next bytes of a body.
    pub(crate) read_timeout: Duration,
    /// What error messages hide.
    pub(crate) secrets: Secrets,
    /// Whether an error's `Display` includes the server's message.
    pub(crate) show_message: bool,
}

impl BodyRules {
    fn content_length(headers: &HeaderMap) -> Option<u64> {
        headers.get(reqwest::header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
    }

    /// When waiting for the next bytes must end, from `now`: the read timeout, or the deadline when
    /// it is nearer; with that timeout's kind and length.
    fn next_wait(&self, now: Instant) -> (Instant, TimeoutKind, Duration) {
        let idle = now + self.read_timeout;
        match self.deadline {
            Some((at, kind, after)) if at < idle => (at, kind, after),
            _ => (idle, TimeoutKind::Read, self.read_timeout),
        }
    }

    /// The next chunk, within the read timeout and the deadline.
    async fn chunk(&self, response: &mut reqwest::Response) -> Result<Option<Bytes>, Error> {
        let (at, kind, after) = self.next_wait(Instant::now());
        match tokio::time::timeout_at(at.into(), response.chunk()).await {
            Ok(Ok(chunk)) => Ok(chunk),
            Ok(Err(e)) => Err(Error::from_reqwest(e, &self.host, after)),
            Err(_) => Err(Error::Timeout { kind, after, host: self.host.to_string() }),
        }
    }

    /// Reads a whole body of at most `limit` bytes, chunk by chunk: refused from `Content-Length`
    /// before reading, and as soon as more bytes arrive than allowed.
    pub(crate) async fn read_limited(
        &self,
        mut response: reqwest::Response,
        operation_id: &'static str,
    ) -> Result<Bytes, Error> {
        let announced = Self::content_length(response.headers());
        let too_large = |content_length| Error::ResponseTooLarge {
            operation_id,
            limit: self.limit,
            setting: self.limit_setting,
            content_length,
        };
        if announced.is_some_and(|len| len > self.limit) {
            return Err(too_large(announced));
        }
        // One timer for the whole read, moved forward as bytes arrive.
        let (at, mut kind, mut after) = self.next_wait(Instant::now());
        let mut timer = std::pin::pin!(tokio::time::sleep_until(at.into()));
        let mut buf: Option<Vec<u8>> = None;
        let mut single: Option<Bytes> = None;
        loop {
            let next = std::pin::pin!(response.chunk());
            let chunk = match futures_util::future::select(next, timer.as_mut()).await {
                Either::Left((Ok(Some(chunk)), _)) => chunk,
                Either::Left((Ok(None), _)) => break,
                Either::Left((Err(e), _)) => return Err(Error::from_reqwest(e, &self.host, after)),
                Either::Right(((), _)) => return Err(Error::Timeout { kind, after, host: self.host.to_string() }),
            };
            let have = buf.as_ref().map_or(0, Vec::len) + single.as_ref().map_or(0, Bytes::len);
            if (have + chunk.len()) as u64 > self.limit {
                return Err(too_large(announced));
            }
            // A body in one chunk is kept as it came, without a copy.
            match (single.take(), buf.as_mut()) {
                (None, None) => single = Some(chunk),
                (first, _) => {
                    let capacity = announced.unwrap_or(0).min(self.limit).min(1 << 20) as usize;
                    let buf = buf.get_or_insert_with(|| Vec::with_capacity(capacity));
                    if let Some(first) = first {
                        buf.extend_from_slice(&first);
                    }
                    buf.extend_from_slice(&chunk);
                }
            }
            let (at, k, a) = self.next_wait(Instant::now());
            (kind, after) = (k, a);
            timer.as_mut().reset(at.into());
        }
        Ok(match (single, buf) {
            (Some(one), None) => one,
            (_, Some(buf)) => Bytes::from(buf),
            (None, None) => Bytes::new(),
        })
    }

    /// The response as an [`HttpError`] of `operation`: its status and headers, and the start of
    /// its body (see [`read_prefix`](Self::read_prefix)), with these rules' secrets hidden.
    pub(crate) async fn http_error(
        &self,
        response: reqwest::Response,
        operation: &'static OperationMeta,
        fields: ErrorBodyFields,
    ) -> HttpError {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let (body, cut) = self.read_prefix(response).await;
        HttpError::new(operation, fields, status, headers, body, cut, self.secrets.clone())
            .showing_message(self.show_message)
    }

    /// Reads at most `error_limit` bytes of an error body; `true` when the body was longer. A body
    /// that breaks off or stalls keeps what arrived.
    pub(crate) async fn read_prefix(&self, mut response: reqwest::Response) -> (Bytes, bool) {
        let max = self.error_limit;
        let mut buf = Vec::new();
        // Even when Content-Length is over the limit, the start is read: it holds the code and message.
        while let Ok(Some(chunk)) = self.chunk(&mut response).await {
            if buf.len() + chunk.len() > max {
                let room = max - buf.len();
                buf.extend_from_slice(&chunk[..room]);
                return (Bytes::from(buf), true);
            }
            buf.extend_from_slice(&chunk);
        }
        (Bytes::from(buf), false)
    }
}

/// A response with a status below 400, as returned by
/// [`RequestBuilder::send`](super::RequestBuilder::send).
#[derive(Debug)]
pub struct Response {
    inner: reqwest::Response,
    meta: &'static OperationMeta,
    error_body: ErrorBodyFields,
    rules: BodyRules,
}

impl Response {
    pub(crate) fn new(
        inner: reqwest::Response,
        meta: &'static OperationMeta,
        error_body: ErrorBodyFields,
        rules: BodyRules,
    ) -> Self {
        Response { inner, meta, error_body, rules }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.inner.status().as_u16()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The `Content-Type` header, when present and valid text.
    pub fn content_type(&self) -> Option<&str> {
        content_type(self.inner.headers())
    }

    /// Reads the whole body, at most the client's `max_response_bytes` (or, for the token
    /// exchange, `max_token_response_bytes`); a larger body is [`Error::ResponseTooLarge`].
    /// Bounded by the attempt and operation timeouts, and by the read timeout between chunks.
    pub async fn bytes(self) -> Result<Bytes, Error> {
        self.rules.read_limited(self.inner, self.meta.operation_id).await
    }

    /// Reads the whole body as text (invalid UTF-8 is replaced).
    pub async fn text(self) -> Result<String, Error> {
        let bytes = self.bytes().await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Reads and decodes a JSON body (see [`decode::json`](super::decode::json): a byte-order mark
    /// and an empty body are read, fields of an inferred shape are tolerated); on failure the
    /// [`Error::Decode`] names the operation and the JSON path, and keeps the body.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let status = self.status();
        let operation_id = self.meta.operation_id;
        let body = self.bytes().await?;
        super::decode::json(operation_id, status, body)
    }

    /// Streams the body without buffering it. No size limit and no total timeout apply, so a
    /// slow but live download can run; the read timeout bounds the wait for each chunk.
    pub fn into_byte_stream(self) -> ByteStream {
        let status = self.status();
        let headers = detached(self.inner.headers());
        let read_timeout = self.rules.read_timeout;
        let stream = IdleTimed {
            body: Box::pin(self.inner.bytes_stream()),
            timer: Box::pin(tokio::time::sleep(read_timeout)),
            read_timeout,
            last_progress: tokio::time::Instant::now(),
            host: self.rules.host,
            done: false,
        };
        ByteStream { status, headers, stream: Box::pin(stream) }
    }

    /// Discards the body, keeping status and headers.
    pub fn into_empty(self) -> EmptyResponse {
        EmptyResponse { status: self.status(), headers: self.inner.headers().clone() }
    }

    /// Turns a status the operation does not document into [`Error::UnexpectedStatus`],
    /// keeping the start of the body (see `max_error_body_bytes`).
    pub async fn unexpected(self) -> Error {
        Error::UnexpectedStatus(Box::new(self.rules.http_error(self.inner, self.meta, self.error_body).await))
    }
}

/// A copy of `headers` whose values own their bytes. hyper's header values are slices of its read
/// buffer, which usually also holds the start of the body: a stream that kept them would keep that
/// buffer from being reused, and hyper would copy every later read into a new one.
fn detached(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let Ok(mut owned) = reqwest::header::HeaderValue::from_bytes(value.as_bytes()) else { continue };
        owned.set_sensitive(value.is_sensitive());
        out.append(name.clone(), owned);
    }
    out
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers.get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

/// A decoded response body with the response's status and headers (from `send_with_meta()`).
/// Derefs to the value.
#[derive(Debug, Clone)]
pub struct ResponseValue<T> {
    status: u16,
    headers: HeaderMap,
    value: T,
}

/// The headers that commonly carry a request id, in the order they are tried.
const REQUEST_ID_HEADERS: &[&str] =
    &["x-request-id", "request-id", "x-correlation-id", "x-amzn-requestid", "traceparent"];

/// The request id in response headers, from the first of [`REQUEST_ID_HEADERS`] present.
pub(crate) fn request_id_of(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS.iter().find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
}

impl<T> ResponseValue<T> {
    /// Pairs a value with the status and headers it came with.
    pub fn new(status: u16, headers: HeaderMap, value: T) -> Self {
        ResponseValue { status, headers, value }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request id the server sent, from the first present of `x-request-id`, `request-id`,
    /// `x-correlation-id`, `x-amzn-requestid` and `traceparent`.
    pub fn request_id(&self) -> Option<&str> {
        request_id_of(&self.headers)
    }

    /// The value.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// Applies `f` to the value, keeping status and headers.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ResponseValue<U> {
        ResponseValue { status: self.status, headers: self.headers, value: f(self.value) }
    }
}

impl<T> std::ops::Deref for ResponseValue<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A response without a (meaningful) body: its status and headers.
#[derive(Debug, Clone)]
pub struct EmptyResponse {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
}

impl EmptyResponse {
    /// The `Location` header (e.g. of a 201 or a redirect), when present.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok())
    }
}

/// A body stream whose wait for the next bytes is bounded by the read timeout: one timer, armed
/// lazily. Each chunk only notes the time it arrived; when the timer fires, it is moved to that
/// time plus the timeout if bytes came since, and fails the read otherwise. Ends after the first
/// error.
struct IdleTimed {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    timer: Pin<Box<tokio::time::Sleep>>,
    read_timeout: Duration,
    /// When the last chunk arrived.
    last_progress: tokio::time::Instant,
    host: std::sync::Arc<str>,
    done: bool,
}

impl Stream for IdleTimed {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let this = &mut *self;
        match this.body.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.last_progress = tokio::time::Instant::now();
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                Poll::Ready(Some(Err(Error::from_reqwest(e, &this.host, this.read_timeout))))
            }
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => loop {
                match this.timer.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(()) => {
                        let due = this.last_progress + this.read_timeout;
                        if due > tokio::time::Instant::now() {
                            // Bytes came since the timer was armed: wait the rest from then.
                            this.timer.as_mut().reset(due);
                            continue;
                        }
                        this.done = true;
                        let host = this.host.to_string();
                        return Poll::Ready(Some(Err(Error::Timeout {
                            kind: TimeoutKind::Read,
                            after: this.read_timeout,
                            host,
                        })));
                    }
                }
            },
        }
    }
}

/// A streamed binary response body: a `Stream` of `Result<Bytes, Error>` chunks.
pub struct ByteStream {
    status: u16,
    headers: HeaderMap,
    stream: Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl ByteStream {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `Content-Type` header, when present.
    pub fn content_type(&self) -> Option<&str> {
        content_type(&self.headers)
    }

    /// The `Content-Length` header, when present.
    pub fn content_length(&self) -> Option<u64> {
        self.headers.get(reqwest::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
    }

    /// Reads the rest of the stream into memory.
    pub async fn collect(mut self) -> Result<Bytes, Error> {
        let mut buf = Vec::new();
        while let Some(chunk) = self.stream.next().await {
            buf.extend_from_slice(&chunk?);
        }
        Ok(Bytes::from(buf))
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream.as_mut().poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn detached_headers_keep_every_value_and_mark_but_not_the_buffer() {
        let buffer = Bytes::from_static(b"HTTP/1.1 200 OK\r\nx-a: 1\r\n\r\nbody");
        let shared = HeaderValue::from_maybe_shared(buffer.slice(22..23)).unwrap();
        let mut secret = HeaderValue::from_static("s3cr3t");
        secret.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.append("x-a", shared.clone());
        headers.append("x-a", HeaderValue::from_static("2"));
        headers.insert("set-cookie", secret);
        let copy = detached(&headers);
        assert_eq!(copy, headers);
        assert!(copy.get("set-cookie").unwrap().is_sensitive());
        // The copy's value lives in its own allocation, not in the read buffer.
        let value = copy.get("x-a").unwrap().as_bytes();
        let range = buffer.as_ptr() as usize..buffer.as_ptr() as usize + buffer.len();
        assert_eq!(value, b"1");
        assert!(!range.contains(&(value.as_ptr() as usize)));
        assert!(range.contains(&(shared.as_bytes().as_ptr() as usize)));
    }
}
