//! The one error type of the SDK, and the HTTP error with the parsed TrustX error body.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;

use crate::error_codes::ErrorCode;
use crate::runtime::long_running::QueryState;

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

    /// An authentication error without a cause, e.g. for a [`TokenProvider`](crate::runtime::TokenProvider).
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

    /// The numeric TrustX error code from the error body, when present.
    pub fn code(&self) -> Option<i64> {
        self.http_error().and_then(HttpError::code)
    }

    /// The typed error code, when the operation's service documents it.
    pub fn error_code(&self) -> Option<&ErrorCode> {
        self.http_error().and_then(|e| e.error_code.as_ref())
    }

    /// The error message from the TrustX error body, when present.
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
            Error::Http(e) => matches!(e.status, 429 | 502 | 503 | 504),
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

/// The TrustX error body, e.g. `{"code": 20, "message": "Watchlist not found"}`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ApiErrorBody {
    /// The error code: an integer, sometimes a numeric string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<serde_json::Value>,
    /// The human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Any other fields.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl ApiErrorBody {
    /// The code as an integer, parsed from a JSON integer or a numeric string.
    pub fn code_number(&self) -> Option<i64> {
        match self.code.as_ref()? {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// An HTTP response with an error status (or an undocumented status), with its body kept.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpError {
    /// The operation that failed.
    pub operation_id: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The raw response body.
    pub body: Bytes,
    /// The parsed TrustX error body, when the body is a JSON object.
    pub api_error: Option<ApiErrorBody>,
    /// The typed error code, when the operation's service documents the code.
    pub error_code: Option<ErrorCode>,
}

impl HttpError {
    /// Builds the error from a response's parts, parsing the body when it is JSON.
    pub(crate) fn new(operation_id: &'static str, service: &str, status: u16, headers: HeaderMap, body: Bytes) -> Self {
        let api_error = serde_json::from_slice::<ApiErrorBody>(&body).ok();
        let error_code =
            api_error.as_ref().and_then(ApiErrorBody::code_number).and_then(|code| ErrorCode::lookup(service, code));
        HttpError { operation_id, status, headers, body, api_error, error_code }
    }

    /// The numeric TrustX error code, when the body has one.
    pub fn code(&self) -> Option<i64> {
        self.api_error.as_ref().and_then(ApiErrorBody::code_number)
    }

    /// The error message from the body, when present.
    pub fn message(&self) -> Option<&str> {
        self.api_error.as_ref().and_then(|b| b.message.as_deref())
    }

    /// The raw body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(reason) = reqwest::StatusCode::from_u16(self.status).ok().and_then(|s| s.canonical_reason()) {
            write!(f, " {reason}")?;
        }
        write!(f, " from `{}`", self.operation_id)?;
        match (&self.error_code, self.code()) {
            (Some(typed), _) => write!(f, ": {} ({})", typed.name(), typed.code())?,
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
