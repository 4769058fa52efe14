//! The one error type of the SDK, and the HTTP error with the parsed error body.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;

use super::decode::DecodeError;
use super::error_code::ErrorCodeInfo;
use super::meta::OperationMeta;
use super::text::{self, Secrets};
use super::vocab::{ErrorBodyFields, QueryState};

/// Every failure of an SDK call.
///
/// `Display` and `Debug` are safe to log: they never show a response body, a value from one, or
/// the server's free-text message (which may repeat an applicant's data), unless the client was
/// built with [`show_server_messages`](super::ClientBuilder::show_server_messages); then the
/// message is escaped (control and bidi characters), bounded, and the client's API key and bearer
/// token in it are `[redacted]`. The body and the message stay readable through accessors
/// ([`HttpError::body`], [`Error::message`]). A cause is told once: either in the message or as
/// [`source()`](std::error::Error::source).
#[non_exhaustive]
pub enum Error {
    /// The client is misconfigured (bad base URL, missing credentials, ...).
    Config {
        /// What is wrong.
        message: String,
    },
    /// The request could not be sent or the response not received. The message names what failed
    /// and the host (never the path or query); the source is the HTTP library's error, URL removed.
    Transport {
        /// What failed.
        failure: TransportFailure,
        /// The host (and port) of the request.
        host: String,
        /// The underlying error.
        source: reqwest::Error,
    },
    /// A timeout elapsed: connecting, one attempt, waiting for the next bytes of a body, or the
    /// whole operation.
    Timeout {
        /// Which timeout.
        kind: TimeoutKind,
        /// Its length.
        after: Duration,
        /// The host (and port) of the request.
        host: String,
    },
    /// A response body is larger than the client's limit; nothing past the limit was read.
    ResponseTooLarge {
        /// The operation whose response it is.
        operation_id: &'static str,
        /// The limit in bytes.
        limit: u64,
        /// Which limit (the builder setter's name).
        setting: &'static str,
        /// The `Content-Length` the server announced, when it did.
        content_length: Option<u64>,
    },
    /// The server answered with a status >= 400.
    Http(Box<HttpError>),
    /// The server answered with a success or redirect status the operation does not document.
    UnexpectedStatus(Box<HttpError>),
    /// The response body could not be decoded: the operation, the JSON path and the expected and
    /// found types, never a value. The body is kept ([`DecodeError::body`]). In a page stream, an
    /// item that cannot be decoded is this error with [`DecodeError::item`] set, and the stream
    /// goes on (see [`Error::stream_continues`]).
    Decode(Box<DecodeError>),
    /// A request parameter or body could not be encoded.
    Encode {
        /// What could not be encoded, and why.
        message: String,
    },
    /// The client-side permission preflight found the token lacks the operation's permission.
    /// Nothing was sent.
    PermissionDenied {
        /// The missing permission, rendered for the tenant.
        required: String,
        /// The operation that was not sent.
        operation_id: &'static str,
    },
    /// Obtaining a bearer token failed (e.g. the API key exchange was rejected), or a token is
    /// unusable. Callers that waited on the same exchange share its cause.
    Auth {
        /// What failed.
        message: String,
        /// The cause: usually [`Error::Http`], [`Error::Transport`] or [`Error::Timeout`].
        source: Option<Arc<Error>>,
    },
    /// A long-running query ended in `FAILED` or `CANCELLED`.
    QueryFailed {
        /// The terminal state.
        state: QueryState,
        /// The reason reported by the server, if any (raw; neither `Display` nor `Debug` shows it).
        message: Option<String>,
    },
    /// Polling a long-running query exceeded its deadline.
    Deadline {
        /// How long was waited.
        elapsed: Duration,
        /// The last state seen.
        last_state: QueryState,
    },
    /// A paged list cannot be followed safely: the server does not advance, repeats a page, or
    /// the page limit was reached. The items before it were delivered.
    Pagination {
        /// What went wrong.
        message: String,
    },
}

/// What failed in an [`Error::Transport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The host refused the connection (nothing listens there).
    ConnectionRefused,
    /// The host name could not be resolved.
    Dns,
    /// The TLS handshake failed (e.g. an untrusted or mismatched certificate).
    Tls,
    /// Connecting failed for another reason.
    Connect,
    /// The connection was reset or closed before the response was complete.
    ConnectionReset,
    /// The response body broke off or could not be read.
    Body,
    /// Sending the request failed for another reason.
    Other,
}

impl TransportFailure {
    /// Whether the request certainly never reached the server (so any method may be retried).
    pub fn before_sending(self) -> bool {
        matches!(self, TransportFailure::ConnectionRefused | TransportFailure::Dns | TransportFailure::Connect)
    }

    fn describe(self) -> &'static str {
        match self {
            TransportFailure::ConnectionRefused => "connection refused",
            TransportFailure::Dns => "DNS lookup failed",
            TransportFailure::Tls => "TLS handshake failed",
            TransportFailure::Connect => "could not connect",
            TransportFailure::ConnectionReset => "connection reset or closed early",
            TransportFailure::Body => "the response body broke off",
            TransportFailure::Other => "the request could not be sent",
        }
    }

    /// Classifies a reqwest error by walking its causes.
    fn classify(err: &reqwest::Error) -> Self {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
        let mut texts = String::new();
        while let Some(c) = cause {
            if let Some(io) = c.downcast_ref::<std::io::Error>() {
                match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => return TransportFailure::ConnectionRefused,
                    std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof => return TransportFailure::ConnectionReset,
                    _ => {}
                }
            }
            texts.push_str(&c.to_string().to_lowercase());
            texts.push('\n');
            cause = c.source();
        }
        if texts.contains("dns error") || texts.contains("failed to lookup address") {
            TransportFailure::Dns
        } else if texts.contains("certificate") || texts.contains("tls") || texts.contains("handshake") {
            TransportFailure::Tls
        } else if texts.contains("connection refused") {
            TransportFailure::ConnectionRefused
        } else if texts.contains("connection reset")
            || texts.contains("connection closed")
            || texts.contains("incomplete")
            || texts.contains("broken pipe")
        {
            TransportFailure::ConnectionReset
        } else if err.is_connect() {
            TransportFailure::Connect
        } else if err.is_body() || err.is_decode() {
            TransportFailure::Body
        } else {
            TransportFailure::Other
        }
    }
}

/// Which timeout an [`Error::Timeout`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Connecting (`connect_timeout`).
    Connect,
    /// One attempt: sending and reading a buffered response (`timeout`).
    Attempt,
    /// No bytes arrived for this long while reading a body (`read_timeout`).
    Read,
    /// The whole call, across retries and waiting for a token (`operation_timeout`).
    Operation,
}

impl TimeoutKind {
    fn describe(self) -> &'static str {
        match self {
            TimeoutKind::Connect => "connect timeout",
            TimeoutKind::Attempt => "attempt timeout",
            TimeoutKind::Read => "read timeout: no data",
            TimeoutKind::Operation => "operation timeout",
        }
    }
}

/// The host and port of a URL, for messages (never its path or query).
pub(crate) fn host_of(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => "?".to_owned(),
    }
}

impl Error {
    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config { message: message.into() }
    }

    /// An authentication error without a cause, e.g. for a [`TokenProvider`](super::TokenProvider).
    pub fn auth(message: impl Into<String>) -> Self {
        Error::Auth { message: message.into(), source: None }
    }

    pub(crate) fn encode(message: impl Into<String>) -> Self {
        Error::Encode { message: message.into() }
    }

    /// Maps a reqwest error for a request to `host`, removing its URL (which may contain query
    /// values). `attempt_timeout` is the timeout that was in force, for a timeout reported by reqwest.
    pub(crate) fn from_reqwest(err: reqwest::Error, host: &str, attempt_timeout: Duration) -> Self {
        let err = err.without_url();
        if err.is_timeout() {
            let kind = if err.is_connect() { TimeoutKind::Connect } else { TimeoutKind::Attempt };
            Error::Timeout { kind, after: attempt_timeout, host: host.to_owned() }
        } else {
            Error::Transport { failure: TransportFailure::classify(&err), host: host.to_owned(), source: err }
        }
    }

    /// An authentication error with a cause.
    pub(crate) fn auth_caused(message: impl Into<String>, cause: Arc<Error>) -> Self {
        Error::Auth { message: message.into(), source: Some(cause) }
    }

    /// How long the server asked to wait before retrying (`Retry-After` of an HTTP error, also
    /// inside an [`Error::Auth`]).
    pub fn retry_after(&self) -> Option<Duration> {
        self.http_error().and_then(|e| super::retry::retry_after(&e.headers))
    }

    /// The HTTP error, for [`Error::Http`], [`Error::UnexpectedStatus`] and an [`Error::Auth`]
    /// caused by one.
    pub fn http_error(&self) -> Option<&HttpError> {
        match self {
            Error::Http(e) | Error::UnexpectedStatus(e) => Some(e),
            Error::Auth { source: Some(inner), .. } => inner.http_error(),
            _ => None,
        }
    }

    /// Whether a [`PageStream`](super::PageStream) yields more items after this error: true only
    /// for a page item that could not be decoded; every other error ends the stream.
    pub fn stream_continues(&self) -> bool {
        matches!(self, Error::Decode(e) if e.item().is_some())
    }

    /// The decode error, when the response body could not be decoded.
    pub fn decode_error(&self) -> Option<&DecodeError> {
        match self {
            Error::Decode(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Decode(e) => Some(e.status()),
            _ => self.http_error().map(|e| e.status),
        }
    }

    /// The numeric error code from the error body, when present.
    pub fn code(&self) -> Option<i64> {
        self.http_error().and_then(HttpError::code)
    }

    /// The documented error code (name and description), when the operation's service documents
    /// the code in the body.
    pub fn error_code_info(&self) -> Option<&'static ErrorCodeInfo> {
        self.http_error().and_then(|e| e.error_code)
    }

    /// The error message from the error body, when present.
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::QueryFailed { message, .. } => message.as_deref(),
            _ => self.http_error().and_then(HttpError::message),
        }
    }

    /// Whether the failure is transient: connection errors, timeouts, 429, 502, 503, 504.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { failure, .. } => failure.before_sending(),
            Error::Timeout { kind, .. } => *kind != TimeoutKind::Operation,
            Error::Http(e) => super::retry::retryable_status(e.status),
            Error::Auth { source: Some(inner), .. } => inner.is_retryable(),
            _ => false,
        }
    }

    /// A short, stable name of the error's kind (`"http"`, `"timeout"`, `"connection_refused"`,
    /// ...), for metrics and the `error.type` of traces.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Config { .. } => "config",
            Error::Transport { failure, .. } => match failure {
                TransportFailure::ConnectionRefused => "connection_refused",
                TransportFailure::Dns => "dns",
                TransportFailure::Tls => "tls",
                TransportFailure::Connect => "connect",
                TransportFailure::ConnectionReset => "connection_reset",
                TransportFailure::Body => "body",
                TransportFailure::Other => "transport",
            },
            Error::Timeout { .. } => "timeout",
            Error::ResponseTooLarge { .. } => "response_too_large",
            Error::Http(_) => "http",
            Error::UnexpectedStatus(_) => "unexpected_status",
            Error::Decode(_) => "decode",
            Error::Encode { .. } => "encode",
            Error::PermissionDenied { .. } => "permission_denied",
            Error::Auth { .. } => "auth",
            Error::QueryFailed { .. } => "query_failed",
            Error::Deadline { .. } => "deadline",
            Error::Pagination { .. } => "pagination",
        }
    }

    /// Whether the failure is a timeout (connect, attempt, read or operation timeout, or polling
    /// deadline).
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::Deadline { .. } => true,
            Error::Auth { source: Some(inner), .. } => inner.is_timeout(),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config { message } => write!(f, "invalid client configuration: {message}"),
            Error::Transport { failure, host, .. } => {
                write!(f, "transport error: {} (host `{host}`)", failure.describe())
            }
            Error::Timeout { kind, after, host } => {
                write!(f, "timed out ({} for {:.1} s, host `{host}`)", kind.describe(), after.as_secs_f64())
            }
            Error::ResponseTooLarge { operation_id, limit, setting, content_length } => {
                write!(f, "the response of `{operation_id}` is larger than the limit of {limit} bytes (`{setting}`)")?;
                match content_length {
                    Some(len) => write!(f, "; Content-Length {len}"),
                    None => Ok(()),
                }
            }
            Error::Http(e) => write!(f, "{e}"),
            Error::UnexpectedStatus(e) => write!(f, "unexpected status: {e}"),
            Error::Decode(e) => write!(f, "{e}"),
            Error::Encode { message } => write!(f, "could not encode the request: {message}"),
            Error::PermissionDenied { required, operation_id } => {
                write!(f, "the token lacks permission `{required}` required by `{operation_id}`")
            }
            // The cause is part of the message (a refused connection, a timeout, the server's
            // status and code), so `source()` goes on from the cause's own source.
            Error::Auth { message, source: Some(cause) } => write!(f, "authentication failed: {message}: {cause}"),
            Error::Auth { message, source: None } => write!(f, "authentication failed: {message}"),
            Error::QueryFailed { state, message } => match message {
                Some(m) => write!(
                    f,
                    "query ended in state {state} (the server's reason has {} characters: `message()`)",
                    m.chars().count()
                ),
                None => write!(f, "query ended in state {state}"),
            },
            Error::Deadline { elapsed, last_state } => {
                write!(f, "query still {last_state} after {:.1} s, past the deadline", elapsed.as_secs_f64())
            }
            Error::Pagination { message } => write!(f, "paging stopped: {message}"),
        }
    }
}

impl fmt::Debug for Error {
    /// Like the derived form, without server text: the query failure's reason is shown by length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config { message } => f.debug_struct("Config").field("message", message).finish(),
            Error::Transport { failure, host, source } => f
                .debug_struct("Transport")
                .field("failure", failure)
                .field("host", host)
                .field("source", source)
                .finish(),
            Error::Timeout { kind, after, host } => {
                f.debug_struct("Timeout").field("kind", kind).field("after", after).field("host", host).finish()
            }
            Error::ResponseTooLarge { operation_id, limit, setting, content_length } => f
                .debug_struct("ResponseTooLarge")
                .field("operation_id", operation_id)
                .field("limit", limit)
                .field("setting", setting)
                .field("content_length", content_length)
                .finish(),
            Error::Http(e) => f.debug_tuple("Http").field(e).finish(),
            Error::UnexpectedStatus(e) => f.debug_tuple("UnexpectedStatus").field(e).finish(),
            Error::Decode(e) => f.debug_tuple("Decode").field(e).finish(),
            Error::Encode { message } => f.debug_struct("Encode").field("message", message).finish(),
            Error::PermissionDenied { required, operation_id } => f
                .debug_struct("PermissionDenied")
                .field("required", required)
                .field("operation_id", operation_id)
                .finish(),
            Error::Auth { message, source } => {
                f.debug_struct("Auth").field("message", message).field("source", source).finish()
            }
            Error::QueryFailed { state, message } => f
                .debug_struct("QueryFailed")
                .field("state", state)
                .field("message_chars", &message.as_ref().map(|m| m.chars().count()))
                .finish(),
            Error::Deadline { elapsed, last_state } => {
                f.debug_struct("Deadline").field("elapsed", elapsed).field("last_state", last_state).finish()
            }
            Error::Pagination { message } => f.debug_struct("Pagination").field("message", message).finish(),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source),
            Error::Auth { source: Some(s), .. } => std::error::Error::source(s.as_ref()),
            _ => None,
        }
    }
}

/// An HTTP response with an error status (or an undocumented status), with (a bounded prefix of)
/// its body kept.
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpError {
    /// The operation that failed.
    pub operation: &'static OperationMeta,
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The raw response body, or its first bytes when [`body_truncated`](Self::body_truncated)
    /// (see `ClientBuilder::max_error_body_bytes`).
    pub body: Bytes,
    /// Whether the body was longer than the error-body limit and only its start is kept.
    pub body_truncated: bool,
    /// The error code from the body, when it has one (an integer or a numeric string).
    pub code: Option<i64>,
    /// The error message from the body, when it has one (as sent; `Display` escapes it and hides
    /// the client's secrets).
    pub message: Option<String>,
    /// The documented error code, when the operation's service documents `code`.
    pub error_code: Option<&'static ErrorCodeInfo>,
    secrets: Secrets,
    /// Whether `Display` includes the server's message.
    show_message: bool,
    /// The `x-request-id` the client sent.
    sent_request_id: Option<String>,
}

impl HttpError {
    /// Builds the error from a response's parts, reading the code and message from the body
    /// when it is a JSON object with the API's error-body fields.
    pub(crate) fn new(
        operation: &'static OperationMeta,
        fields: ErrorBodyFields,
        status: u16,
        headers: HeaderMap,
        body: Bytes,
        body_truncated: bool,
        secrets: Secrets,
    ) -> Self {
        let object = match serde_json::from_slice::<serde_json::Value>(super::decode::trimmed(&body)) {
            Ok(serde_json::Value::Object(map)) => Some(map),
            _ => None,
        };
        let field = |name: Option<&str>| name.and_then(|n| object.as_ref()?.get(n));
        let code = field(fields.code).and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        let message = field(fields.message).and_then(|v| v.as_str()).map(str::to_owned);
        let error_code = code.and_then(|c| operation.error_codes?.lookup(c));
        HttpError {
            operation,
            status,
            headers,
            body,
            body_truncated,
            code,
            message,
            error_code,
            secrets,
            show_message: false,
            sent_request_id: None,
        }
    }

    pub(crate) fn with_sent_request_id(mut self, id: String) -> Self {
        self.sent_request_id = Some(id);
        self
    }

    /// The request's id: the one the server answered with (`x-request-id`, `request-id`,
    /// `x-correlation-id`, ...), else the `x-request-id` the client sent. Quote it to the API's
    /// support; it is server text, so escape it before printing (`Display` does).
    pub fn request_id(&self) -> Option<&str> {
        super::response::request_id_of(&self.headers).or(self.sent_request_id.as_deref())
    }

    /// Sets whether `Display` includes the server's message (see
    /// `ClientBuilder::show_server_messages`).
    pub(crate) fn showing_message(mut self, show: bool) -> Self {
        self.show_message = show;
        self
    }

    /// The server's message made safe to print on a terminal: control and bidi characters
    /// escaped, at most 300 characters, the client's API key and token `[redacted]`. It is still
    /// the server's free text and may name a person: do not log it.
    pub fn shown_message(&self) -> Option<String> {
        self.message.as_deref().map(|m| text::shown(m, &self.secrets))
    }

    /// The `Content-Type` of the response, when present.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    /// The id of the operation that failed.
    pub fn operation_id(&self) -> &'static str {
        self.operation.operation_id
    }

    /// The numeric error code, when the body has one.
    pub fn code(&self) -> Option<i64> {
        self.code
    }

    /// The error message from the body, when present (as sent: escape it before printing, or use
    /// `Display`).
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The raw body as text (lossy UTF-8), as sent: may contain control characters.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as text safe to print: secrets redacted, control and bidi characters escaped,
    /// at most 300 characters.
    pub fn body_preview(&self) -> String {
        text::shown(&String::from_utf8_lossy(&self.body), &self.secrets)
    }

    /// Decodes the body as JSON into `T` (e.g. the API's generated error model).
    pub fn body_json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

impl fmt::Debug for HttpError {
    /// The status, operation, code, content type and body length; header names with the values of
    /// the few that describe the message. Never the body or the server's message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpError")
            .field("operation_id", &self.operation.operation_id)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("error_code", &self.error_code.map(|c| c.name))
            .field("content_type", &self.content_type())
            .field("body_len", &self.body.len())
            .field("body_truncated", &self.body_truncated)
            .field("message_chars", &self.message.as_ref().map(|m| m.chars().count()))
            .field("request_id", &self.request_id())
            .field("headers", &super::redact::Headers(&self.headers))
            .finish()
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(reason) = reqwest::StatusCode::from_u16(self.status).ok().and_then(|s| s.canonical_reason()) {
            write!(f, " {reason}")?;
        }
        write!(f, " from `{}`", self.operation.operation_id)?;
        match (self.error_code, self.code) {
            (Some(known), _) => write!(f, ": {} ({}): {}", known.name, known.code, known.description)?,
            (None, Some(code)) => write!(f, ": code {code}")?,
            (None, None) => {}
        }
        match self.message() {
            Some(message) if self.show_message => write!(f, ": {}", text::shown(message, &self.secrets))?,
            _ => {}
        }
        if self.body_truncated {
            write!(f, " (body cut at {} bytes)", self.body.len())?;
        }
        if let Some(id) = self.request_id() {
            write!(f, " [request id {}]", super::text::printable(id, 80))?;
        }
        Ok(())
    }
}
