//! The runtime's shared vocabulary: small types that several modules speak (a boxed future, the
//! fields of an error body, the state of a long-running query). It imports no other runtime module,
//! so the modules that use these types do not import each other for them.

use std::future::Future;
use std::pin::Pin;

/// A boxed, `Send` future, as returned by [`TokenProvider`](super::TokenProvider) methods and the
/// generated token exchange.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The JSON fields of an error body that hold its code and message.
#[derive(Debug, Clone, Copy, Default)]
pub struct ErrorBodyFields {
    /// The field holding the error code (an integer or a numeric string).
    pub code: Option<&'static str>,
    /// The field holding the human-readable message.
    pub message: Option<&'static str>,
}

impl ErrorBodyFields {
    /// No known error body.
    pub const NONE: ErrorBodyFields = ErrorBodyFields { code: None, message: None };
}

/// The state of a long-running query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum QueryState {
    /// Waiting to run.
    Queued,
    /// Running.
    Running,
    /// Finished; results can be fetched.
    Succeeded,
    /// Failed.
    Failed,
    /// Cancelled.
    Cancelled,
    /// A state this SDK does not know, as sent.
    Unknown(String),
}

impl QueryState {
    /// Parses a state name, ignoring case, surrounding space and `-`/`_` differences
    /// (`"SUCCEEDED"`, `"succeeded"`, `"CANCELED"` ...).
    pub fn parse(value: &str) -> QueryState {
        let norm: String = value
            .trim()
            .chars()
            .filter(|c| *c != '_' && *c != '-' && *c != ' ')
            .collect::<String>()
            .to_ascii_uppercase();
        match norm.as_str() {
            "QUEUED" | "PENDING" | "SUBMITTED" | "CREATED" => QueryState::Queued,
            "RUNNING" | "INPROGRESS" | "STARTED" => QueryState::Running,
            "SUCCEEDED" | "SUCCESS" | "SUCCESSFUL" | "COMPLETED" | "COMPLETE" | "DONE" | "FINISHED" => {
                QueryState::Succeeded
            }
            "FAILED" | "FAILURE" | "ERROR" => QueryState::Failed,
            "CANCELLED" | "CANCELED" => QueryState::Cancelled,
            _ => QueryState::Unknown(value.trim().to_owned()),
        }
    }

    /// Reads the state from JSON: a string, or an object with a `status`, `state`,
    /// `queryStatus` or `queryState` field (itself a string or such an object).
    pub fn from_json(value: &serde_json::Value) -> QueryState {
        match value {
            serde_json::Value::String(s) => QueryState::parse(s),
            serde_json::Value::Object(map) => {
                for key in ["status", "state", "queryStatus", "queryState"] {
                    if let Some(v) = map.get(key) {
                        return QueryState::from_json(v);
                    }
                }
                QueryState::Unknown(value.to_string())
            }
            other => QueryState::Unknown(other.to_string()),
        }
    }

    /// Whether the query has ended (`SUCCEEDED`, `FAILED` or `CANCELLED`).
    pub fn is_terminal(&self) -> bool {
        matches!(self, QueryState::Succeeded | QueryState::Failed | QueryState::Cancelled)
    }

    /// The state name, e.g. `"SUCCEEDED"`.
    pub fn as_str(&self) -> &str {
        match self {
            QueryState::Queued => "QUEUED",
            QueryState::Running => "RUNNING",
            QueryState::Succeeded => "SUCCEEDED",
            QueryState::Failed => "FAILED",
            QueryState::Cancelled => "CANCELLED",
            QueryState::Unknown(s) => s,
        }
    }
}

impl std::fmt::Display for QueryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for QueryState {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(QueryState::parse(s))
    }
}

impl serde::Serialize for QueryState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for QueryState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Ok(QueryState::from_json(&value))
    }
}
