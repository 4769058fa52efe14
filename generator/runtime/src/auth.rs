//! Bearer tokens: the API key exchange (performed by the generated exchange operation) with a
//! shared, single-flight token cache, and the [`TokenProvider`] extension point.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::client::Client;
use super::error::{Error, TimeoutKind};
use super::meta::OperationMeta;
use super::secret::BearerToken;

/// How an API key is exchanged for a bearer token: a generated function that calls the exchange
/// operation and reads the token and its lifetime from the generated response model.
#[derive(Debug)]
pub struct TokenExchange {
    /// The operation that performs the exchange.
    pub operation: &'static OperationMeta,
    /// Calls the operation with the client's API key.
    pub exchange: fn(Client) -> BoxFuture<'static, Result<IssuedCredential, Error>>,
    /// The wire name of the response field holding the token (the CLI does not print it unless
    /// asked).
    pub token_field: &'static str,
}

/// A bearer token obtained by a [`TokenExchange`].
pub struct IssuedCredential {
    /// The token.
    pub token: String,
    /// How long it is valid, when the server says.
    pub lifetime: Option<Duration>,
}

impl std::fmt::Debug for IssuedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCredential").field("token", &"[redacted]").field("lifetime", &self.lifetime).finish()
    }
}

pub use super::vocab::BoxFuture;

/// A source of bearer tokens, for callers who obtain tokens themselves.
///
/// The client calls [`token`](TokenProvider::token) before each bearer-authenticated request
/// (so cache inside the provider), and [`refresh`](TokenProvider::refresh) once when the server
/// answers 401, before retrying the request once.
pub trait TokenProvider: Send + Sync + 'static {
    /// Returns a currently valid token.
    fn token(&self) -> BoxFuture<'_, Result<BearerToken, Error>>;

    /// Returns a new token after the server rejected `rejected` with 401. Defaults to
    /// [`token`](TokenProvider::token).
    fn refresh(&self, rejected: &BearerToken) -> BoxFuture<'_, Result<BearerToken, Error>> {
        let _ = rejected;
        self.token()
    }
}

/// The longest bearer token accepted (16 KiB): a token is sent with every call.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Checks that a token can be sent: not empty or blank, at most [`MAX_TOKEN_BYTES`], and a valid
/// header value; its `Authorization` header value (`Bearer <token>`, marked sensitive).
pub(crate) fn check_token(token: &str) -> Result<reqwest::header::HeaderValue, Error> {
    if token.trim().is_empty() {
        return Err(Error::auth("the bearer token is empty"));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Error::auth(format!(
            "the bearer token is {} bytes long, more than the {MAX_TOKEN_BYTES} accepted",
            token.len()
        )));
    }
    match reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")) {
        Ok(mut header) if token.trim() == token => {
            header.set_sensitive(true);
            Ok(header)
        }
        _ => Err(Error::auth("the bearer token is not a valid header value")),
    }
}

/// A checked bearer token with its `Authorization` header value, made once per token (not per
/// request).
#[derive(Clone)]
pub(crate) struct SendableToken {
    pub(crate) token: BearerToken,
    /// `Bearer <token>`, marked sensitive.
    pub(crate) header: reqwest::header::HeaderValue,
}

impl SendableToken {
    /// Checks `token` (see [`check_token`]) and makes its header value.
    pub(crate) fn new(token: BearerToken) -> Result<Self, Error> {
        let header = check_token(token.expose_secret())?;
        Ok(SendableToken { token, header })
    }
}

/// How the client obtains bearer tokens.
#[derive(Clone)]
pub(crate) enum TokenSource {
    /// No bearer credentials configured.
    None,
    /// A fixed token that cannot be refreshed.
    Fixed(SendableToken),
    /// A user-supplied provider.
    Provider(Arc<dyn TokenProvider>),
    /// The API key exchange described by the API.
    Exchange(Arc<ExchangedTokens>),
}

impl TokenSource {
    /// A token, waiting at most `wait` for it (the caller's own timeout).
    pub(crate) async fn token(&self, wait: Wait) -> Result<Option<SendableToken>, Error> {
        match self {
            TokenSource::None => Ok(None),
            TokenSource::Fixed(t) => Ok(Some(t.clone())),
            TokenSource::Provider(p) => Ok(Some(SendableToken::new(wait.bound(p.token()).await??)?)),
            // Checked when it was issued.
            TokenSource::Exchange(e) => Ok(Some(e.current(None, wait).await?)),
        }
    }

    /// Whether [`refresh`](Self::refresh) can return a new token.
    pub(crate) fn is_refreshable(&self) -> bool {
        matches!(self, TokenSource::Provider(_) | TokenSource::Exchange(_))
    }

    /// Whether any bearer credentials are configured.
    pub(crate) fn is_none(&self) -> bool {
        matches!(self, TokenSource::None)
    }

    /// A new token after a 401, or `None` when the token cannot be refreshed.
    pub(crate) async fn refresh(&self, rejected: &BearerToken, wait: Wait) -> Result<Option<SendableToken>, Error> {
        match self {
            TokenSource::Provider(p) => Ok(Some(SendableToken::new(wait.bound(p.refresh(rejected)).await??)?)),
            TokenSource::Exchange(e) => Ok(Some(e.current(Some(rejected), wait).await?)),
            _ => Ok(None),
        }
    }
}

/// How long a caller may wait for a token: until its attempt or operation ends.
#[derive(Debug, Clone)]
pub(crate) struct Wait {
    pub(crate) until: Instant,
    pub(crate) kind: TimeoutKind,
    pub(crate) after: Duration,
    pub(crate) host: Arc<str>,
}

impl Wait {
    async fn bound<T>(&self, fut: impl Future<Output = T>) -> Result<T, Error> {
        match tokio::time::timeout_at(self.until.into(), fut).await {
            Ok(v) => Ok(v),
            Err(_) => Err(Error::auth_caused(
                "no bearer token within the caller's timeout",
                Arc::new(Error::Timeout { kind: self.kind, after: self.after, host: self.host.to_string() }),
            )),
        }
    }
}

struct CachedToken {
    token: SendableToken,
    refresh_at: Instant,
}

/// The lifetime assumed when the exchange response gives none.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

type Outcome = Result<SendableToken, Arc<Error>>;

#[derive(Default)]
struct TokenState {
    cached: Option<CachedToken>,
    /// The exchange under way: its outcome is sent to every caller waiting on it.
    inflight: Option<tokio::sync::watch::Receiver<Option<Outcome>>>,
    /// No exchange starts before this (the last failure's `Retry-After`).
    not_before: Option<Instant>,
}

/// Exchanges the client's API key for tokens with the generated exchange operation, caching the
/// token until shortly before it expires.
///
/// Single flight: one exchange runs at a time, as a task of its own, and its outcome (token or
/// failure) goes to every caller waiting on it. Each caller waits at most until its own attempt or
/// operation timeout. The exchange is sent once per call of [`current`](Self::current) that finds
/// none under way (no retries of its own: the callers' retry loops retry), and not before the
/// `Retry-After` of a failed one.
pub(crate) struct ExchangedTokens {
    exchange: &'static TokenExchange,
    refresh_margin: Option<Duration>,
    /// A client with the same settings that makes one attempt per call.
    client: Client,
    /// The longest `Retry-After` of a failed exchange that holds back the next one: the callers'
    /// `max_delay`, as for any other retry.
    max_hold: Duration,
    state: Arc<Mutex<TokenState>>,
}

fn lock(state: &Mutex<TokenState>) -> std::sync::MutexGuard<'_, TokenState> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ExchangedTokens {
    pub(crate) fn new(
        exchange: &'static TokenExchange,
        refresh_margin: Option<Duration>,
        client: Client,
        max_hold: Duration,
    ) -> Self {
        ExchangedTokens { exchange, refresh_margin, client, max_hold, state: Arc::default() }
    }

    /// The cached token, if any (to hide it in error messages).
    pub(crate) fn cached(&self) -> Option<BearerToken> {
        lock(&self.state).cached.as_ref().map(|c| c.token.token.clone())
    }

    async fn current(&self, rejected: Option<&BearerToken>, wait: Wait) -> Result<SendableToken, Error> {
        let mut rx = {
            let mut state = lock(&self.state);
            if let Some(cached) = state.cached.as_ref() {
                let is_rejected = rejected.is_some_and(|r| *r == cached.token.token);
                if !is_rejected && Instant::now() < cached.refresh_at {
                    return Ok(cached.token.clone());
                }
            }
            match &state.inflight {
                Some(rx) => rx.clone(),
                None => {
                    let rx = self.start(state.not_before);
                    state.inflight = Some(rx.clone());
                    rx
                }
            }
        };
        let outcome = wait.bound(rx.wait_for(Option::is_some)).await?;
        let outcome = match outcome {
            Ok(value) => value.clone(),
            Err(_) => None,
        };
        let name = self.exchange.operation.operation_id;
        match outcome {
            Some(Ok(token)) => Ok(token),
            Some(Err(cause)) => Err(Error::auth_caused(format!("the API key exchange (`{name}`) failed"), cause)),
            None => Err(Error::auth(format!("the API key exchange (`{name}`) was abandoned"))),
        }
    }

    /// Starts an exchange as a task of its own; its outcome is published on the returned channel.
    fn start(&self, not_before: Option<Instant>) -> tokio::sync::watch::Receiver<Option<Outcome>> {
        let (tx, rx) = tokio::sync::watch::channel(None);
        let exchange = self.exchange;
        let client = self.client.clone();
        let state = Arc::clone(&self.state);
        let margin = self.refresh_margin;
        let max_hold = self.max_hold;
        // The exchange's spans and events belong to the caller that started it.
        let exchange_task = async move {
            if let Some(at) = not_before {
                tokio::time::sleep_until(at.into()).await;
            }
            let started = Instant::now();
            let outcome = match (exchange.exchange)(client).await {
                Ok(issued) => SendableToken::new(BearerToken::new(issued.token)).map(|token| (token, issued.lifetime)),
                Err(e) => Err(e),
            };
            let mut st = lock(&state);
            st.inflight = None;
            let outcome = match outcome {
                Ok((token, lifetime)) => {
                    let lifetime = lifetime.filter(|l| !l.is_zero()).unwrap_or(DEFAULT_LIFETIME);
                    let margin = margin.unwrap_or_else(|| (lifetime / 10).min(Duration::from_secs(30)));
                    tracing::debug!(lifetime_secs = lifetime.as_secs_f64(), "exchanged the API key for a bearer token");
                    st.cached = Some(CachedToken {
                        token: token.clone(),
                        refresh_at: started + lifetime.saturating_sub(margin),
                    });
                    st.not_before = None;
                    Ok(token)
                }
                Err(e) => {
                    st.not_before = e.retry_after().map(|d| Instant::now() + d.min(max_hold));
                    tracing::debug!(error = %e, "the API key exchange failed");
                    Err(Arc::new(e))
                }
            };
            drop(st);
            let _ = tx.send(Some(outcome));
        };
        tokio::spawn(tracing::Instrument::in_current_span(exchange_task));
        rx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_tokens() {
        let header = check_token("abc.def.ghi").unwrap();
        assert_eq!(header, "Bearer abc.def.ghi");
        assert!(header.is_sensitive());
        assert!(check_token(" abc").is_err());
        assert!(check_token("").is_err());
        assert!(check_token("   ").is_err());
        assert!(check_token("a\r\nX-Injected: 1").is_err());
        assert!(check_token(&"a".repeat(MAX_TOKEN_BYTES)).is_ok());
        let err = check_token(&"a".repeat(MAX_TOKEN_BYTES + 1)).unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    }
}
