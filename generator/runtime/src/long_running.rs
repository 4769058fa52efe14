//! Long-running queries (audit queries, event queries): start, poll the status until
//! `SUCCEEDED`, `FAILED` or `CANCELLED`, then fetch the results (following a continuation
//! token when the results are paged).

use std::future::Future;
use std::time::{Duration, Instant};

use super::error::Error;

pub use super::vocab::QueryState;

/// A polled status: the state and, for failures, the server's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryStatus {
    /// The state.
    pub state: QueryState,
    /// Why the query failed or was cancelled, when reported.
    pub message: Option<String>,
}

impl QueryStatus {
    /// Reads the state (see [`QueryState::from_json`]) and a reason from a `message`, `error`,
    /// `errorMessage`, `reason` or `stateChangeReason` string field.
    pub fn from_json(value: &serde_json::Value) -> QueryStatus {
        let message = value.as_object().and_then(|map| {
            ["message", "error", "errorMessage", "reason", "stateChangeReason"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| v.as_str()).map(str::to_owned))
        });
        QueryStatus { state: QueryState::from_json(value), message }
    }
}

impl From<QueryState> for QueryStatus {
    fn from(state: QueryState) -> Self {
        QueryStatus { state, message: None }
    }
}

/// How a long-running query is polled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollOptions {
    /// The wait before the first status poll; it doubles after each poll (default 500 ms).
    pub initial_delay: Duration,
    /// The longest wait between polls (default 5 s).
    pub max_delay: Duration,
    /// Give up with [`Error::Deadline`] after this long (default 5 minutes; `None`: never).
    pub deadline: Option<Duration>,
}

impl Default for PollOptions {
    fn default() -> Self {
        PollOptions {
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
            deadline: Some(Duration::from_secs(300)),
        }
    }
}

/// Runs a long-running query: `start()` returns the query id, `poll_status(id)` its status
/// until terminal, and `fetch_results(id)` the results after `SUCCEEDED`.
///
/// `FAILED` and `CANCELLED` give [`Error::QueryFailed`]; exceeding `options.deadline` gives
/// [`Error::Deadline`]. Errors of the closures are returned as they are. For paged results,
/// use [`collect_continuation`] inside `fetch_results`.
pub async fn run_query<Id, S, R, Start, StartFut, PollFn, PollFut, Fetch, FetchFut>(
    start: Start,
    mut poll_status: PollFn,
    fetch_results: Fetch,
    options: PollOptions,
) -> Result<R, Error>
where
    Id: Clone,
    S: Into<QueryStatus>,
    Start: FnOnce() -> StartFut,
    StartFut: Future<Output = Result<Id, Error>>,
    PollFn: FnMut(Id) -> PollFut,
    PollFut: Future<Output = Result<S, Error>>,
    Fetch: FnOnce(Id) -> FetchFut,
    FetchFut: Future<Output = Result<R, Error>>,
{
    let started = Instant::now();
    let id = start().await?;
    let mut delay = options.initial_delay;
    let mut last_state = QueryState::Queued;
    loop {
        if let Some(deadline) = options.deadline {
            let elapsed = started.elapsed();
            if elapsed >= deadline {
                return Err(Error::Deadline { elapsed, last_state });
            }
            tokio::time::sleep(delay.min(deadline - elapsed)).await;
        } else {
            tokio::time::sleep(delay).await;
        }
        let status: QueryStatus = poll_status(id.clone()).await?.into();
        tracing::debug!(state = status.state.as_str(), "polled query status");
        match status.state {
            QueryState::Succeeded => return fetch_results(id).await,
            QueryState::Failed | QueryState::Cancelled => {
                return Err(Error::QueryFailed { state: status.state, message: status.message })
            }
            other => last_state = other,
        }
        delay = delay.saturating_mul(2).min(options.max_delay);
    }
}

/// Fetches result pages following a continuation token: `fetch(None)` first, then
/// `fetch(Some(token))` while the previous page returned a non-empty token different from the
/// one just used. Collects all items.
pub async fn collect_continuation<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, Error>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), Error>>,
{
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let (page, next) = fetch(token.clone()).await?;
        items.extend(page);
        match next.filter(|t| !t.is_empty()) {
            Some(next) if Some(&next) != token.as_ref() => token = Some(next),
            _ => return Ok(items),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_leniently() {
        assert_eq!(QueryState::parse("succeeded"), QueryState::Succeeded);
        assert_eq!(QueryState::parse(" CANCELED "), QueryState::Cancelled);
        assert_eq!(QueryState::from_json(&json!({"status": "RUNNING"})), QueryState::Running);
        assert_eq!(QueryState::from_json(&json!({"state": {"status": "FAILED"}})), QueryState::Failed);
        assert_eq!(QueryState::parse("WEIRD"), QueryState::Unknown("WEIRD".into()));
        let s: QueryState = serde_json::from_value(json!("QUEUED")).unwrap();
        assert_eq!(s, QueryState::Queued);
        let st = QueryStatus::from_json(&json!({"status": "FAILED", "message": "bad sql"}));
        assert_eq!(st.message.as_deref(), Some("bad sql"));
    }
}
