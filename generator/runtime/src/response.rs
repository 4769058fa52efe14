//! Successful (status < 400) responses: JSON, text, bytes, streams and bodyless results.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt as _;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::api::ErrorBodyFields;
use super::error::{Error, HttpError};
use super::meta::OperationMeta;

/// A response with a status below 400, as returned by
/// [`RequestBuilder::send`](super::RequestBuilder::send).
#[derive(Debug)]
pub struct Response {
    inner: reqwest::Response,
    meta: &'static OperationMeta,
    error_body: ErrorBodyFields,
}

impl Response {
    pub(crate) fn new(inner: reqwest::Response, meta: &'static OperationMeta, error_body: ErrorBodyFields) -> Self {
        Response { inner, meta, error_body }
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

    /// Reads the whole body.
    pub async fn bytes(self) -> Result<Bytes, Error> {
        self.inner.bytes().await.map_err(Error::from_reqwest)
    }

    /// Reads the whole body as text (invalid UTF-8 is replaced).
    pub async fn text(self) -> Result<String, Error> {
        let bytes = self.bytes().await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Reads and decodes a JSON body; on failure the body is kept in [`Error::Decode`].
    pub async fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let status = self.status();
        let body = self.bytes().await?;
        serde_json::from_slice(&body).map_err(|source| Error::Decode { status, body, source })
    }

    /// Streams the body without buffering it.
    pub fn into_byte_stream(self) -> ByteStream {
        let status = self.status();
        let headers = self.inner.headers().clone();
        let stream = self.inner.bytes_stream().map(|chunk| chunk.map_err(Error::from_reqwest));
        ByteStream { status, headers, stream: Box::pin(stream) }
    }

    /// Discards the body, keeping status and headers.
    pub fn into_empty(self) -> EmptyResponse {
        EmptyResponse { status: self.status(), headers: self.inner.headers().clone() }
    }

    /// Turns a status the operation does not document into [`Error::UnexpectedStatus`],
    /// keeping the body.
    pub async fn unexpected(self) -> Error {
        let status = self.status();
        let headers = self.inner.headers().clone();
        let meta = self.meta;
        match self.inner.bytes().await {
            Ok(body) => Error::UnexpectedStatus(Box::new(HttpError::new(meta, self.error_body, status, headers, body))),
            Err(e) => Error::from_reqwest(e),
        }
    }
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
        REQUEST_ID_HEADERS.iter().find_map(|h| self.headers.get(*h).and_then(|v| v.to_str().ok()))
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
