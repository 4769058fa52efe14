//! The one error type of the SDK, and the HTTP error with the parsed error body.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;

use super::api::ErrorBodyFields;
use super::error_code::ErrorCodeInfo;
use super::long_running::QueryState;
use super::meta::OperationMeta;

/// Every failure of an SDK call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The client is misconfigured (bad base URL, missing credentials, ...).
    Config {
        /// What is wrong.
        message: String,
    },
    /// The request could not be sent or the response not received (connection refused, reset,
    /// TLS failure, ...). The URL is stripped from the source error.
    Transport {
        /// The underlying error.
        source: reqwest::Error,
    },
    /// The connect or request timeout elapsed.
    Timeout {
        /// The underlying error.
        source: reqwest::Error,
    },
    /// The server answered with a status >= 400.
    Http(Box<HttpError>),
    /// The server answered with a success or redirect status the operation does not document.
    UnexpectedStatus(Box<HttpError>),
    /// The response body could not be decoded. The body is kept.
    Decode {
        /// The HTTP status.
        status: u16,
        /// The raw body.
        body: Bytes,
        /// The JSON error.
        source: serde_json::Error,
    },
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
    /// Obtaining a bearer token failed (e.g. the API key exchange was rejected).
    Auth {
        /// What failed.
        message: String,
        /// The cause: usually [`Error::Http`], [`Error::Transport`] or [`Error::Timeout`].
        source: Option<Box<Error>>,
    },
    /// A long-running query ended in `FAILED` or `CANCELLED`.
    QueryFailed {
        /// The terminal state.
        state: QueryState,
        /// The reason reported by the server, if any.
        message: Option<String>,
    },
    /// Polling a long-running query exceeded its deadline.
    Deadline {
        /// How long was waited.
        elapsed: Duration,
        /// The last state seen.
        last_state: QueryState,
    },
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

    /// Maps a reqwest error, removing its URL (which may contain query values).
    pub(crate) fn from_reqwest(err: reqwest::Error) -> Self {
        let err = err.without_url();
        if err.is_timeout() {
            Error::Timeout { source: err }
        } else {
            Error::Transport { source: err }
        }
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

    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Decode { status, .. } => Some(*status),
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
            Error::Transport { source } => source.is_connect(),
            Error::Timeout { .. } => true,
            Error::Http(e) => super::retry::retryable_status(e.status),
            Error::Auth { source: Some(inner), .. } => inner.is_retryable(),
            _ => false,
        }
    }

    /// Whether the failure is a timeout (connect or request timeout, or polling deadline).
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
            Error::Transport { source } => write!(f, "transport error: {source}"),
            Error::Timeout { .. } => f.write_str("request timed out"),
            Error::Http(e) => write!(f, "{e}"),
            Error::UnexpectedStatus(e) => write!(f, "unexpected status: {e}"),
            Error::Decode { status, body, source } => {
                write!(f, "could not decode the response body (HTTP {status}, {} bytes): {source}", body.len())
            }
            Error::Encode { message } => write!(f, "could not encode the request: {message}"),
            Error::PermissionDenied { required, operation_id } => {
                write!(f, "the token lacks permission `{required}` required by `{operation_id}`")
            }
            Error::Auth { message, source } => match source {
                Some(s) => write!(f, "authentication failed: {message}: {s}"),
                None => write!(f, "authentication failed: {message}"),
            },
            Error::QueryFailed { state, message } => match message {
                Some(m) => write!(f, "query ended in state {state}: {m}"),
                None => write!(f, "query ended in state {state}"),
            },
            Error::Deadline { elapsed, last_state } => {
                write!(f, "query still {last_state} after {:.1} s, past the deadline", elapsed.as_secs_f64())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source } | Error::Timeout { source } => Some(source),
            Error::Decode { source, .. } => Some(source),
            Error::Auth { source: Some(s), .. } => Some(s.as_ref()),
            _ => None,
        }
    }
}

/// An HTTP response with an error status (or an undocumented status), with its body kept.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpError {
    /// The operation that failed.
    pub operation: &'static OperationMeta,
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The raw response body.
    pub body: Bytes,
    /// The error code from the body, when it has one (an integer or a numeric string).
    pub code: Option<i64>,
    /// The error message from the body, when it has one.
    pub message: Option<String>,
    /// The documented error code, when the operation's service documents `code`.
    pub error_code: Option<&'static ErrorCodeInfo>,
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
    ) -> Self {
        let object = match serde_json::from_slice::<serde_json::Value>(&body) {
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
        HttpError { operation, status, headers, body, code, message, error_code }
    }

    /// The id of the operation that failed.
    pub fn operation_id(&self) -> &'static str {
        self.operation.operation_id
    }

    /// The numeric error code, when the body has one.
    pub fn code(&self) -> Option<i64> {
        self.code
    }

    /// The error message from the body, when present.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The raw body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Decodes the body as JSON into `T` (e.g. the API's generated error model).
    pub fn body_json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
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
            (Some(known), _) => write!(f, ": {} ({})", known.name, known.code)?,
            (None, Some(code)) => write!(f, ": code {code}")?,
            (None, None) => {}
        }
        if let Some(message) = self.message() {
            const MAX: usize = 300;
            if message.chars().count() > MAX {
                let cut: String = message.chars().take(MAX).collect();
                write!(f, ": {cut}…")?;
            } else {
                write!(f, ": {message}")?;
            }
        }
        Ok(())
    }
}
