//! Bearer tokens: the API key exchange (performed by the generated exchange operation) with a
//! shared, single-flight token cache, and the [`TokenProvider`] extension point.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::api::TokenExchange;
use super::client::Client;
use super::error::Error;
use super::secret::BearerToken;

/// A boxed, `Send` future, as returned by [`TokenProvider`] methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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

/// How the client obtains bearer tokens.
#[derive(Clone)]
pub(crate) enum TokenSource {
    /// No bearer credentials configured.
    None,
    /// A fixed token that cannot be refreshed.
    Fixed(BearerToken),
    /// A user-supplied provider.
    Provider(Arc<dyn TokenProvider>),
    /// The API key exchange described by the API.
    Exchange(Arc<ExchangedTokens>),
}

impl TokenSource {
    pub(crate) async fn token(&self, client: &Client) -> Result<Option<BearerToken>, Error> {
        match self {
            TokenSource::None => Ok(None),
            TokenSource::Fixed(t) => Ok(Some(t.clone())),
            TokenSource::Provider(p) => p.token().await.map(Some),
            TokenSource::Exchange(e) => e.current(client, None).await.map(Some),
        }
    }

    /// Whether [`refresh`](Self::refresh) can return a new token.
    pub(crate) fn is_refreshable(&self) -> bool {
        matches!(self, TokenSource::Provider(_) | TokenSource::Exchange(_))
    }

    /// A new token after a 401, or `None` when the token cannot be refreshed.
    pub(crate) async fn refresh(&self, client: &Client, rejected: &BearerToken) -> Result<Option<BearerToken>, Error> {
        match self {
            TokenSource::Provider(p) => p.refresh(rejected).await.map(Some),
            TokenSource::Exchange(e) => e.current(client, Some(rejected)).await.map(Some),
            _ => Ok(None),
        }
    }
}

struct CachedToken {
    token: BearerToken,
    refresh_at: Instant,
}

/// The lifetime assumed when the exchange response gives none.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// Exchanges the client's API key for tokens with the generated exchange operation, caching the
/// token until shortly before it expires. Concurrent callers share one exchange (the cache lock is
/// held while exchanging).
pub(crate) struct ExchangedTokens {
    exchange: &'static TokenExchange,
    refresh_margin: Option<Duration>,
    cache: tokio::sync::Mutex<Option<CachedToken>>,
}

impl ExchangedTokens {
    pub(crate) fn new(exchange: &'static TokenExchange, refresh_margin: Option<Duration>) -> Self {
        ExchangedTokens { exchange, refresh_margin, cache: tokio::sync::Mutex::new(None) }
    }

    async fn current(&self, client: &Client, rejected: Option<&BearerToken>) -> Result<BearerToken, Error> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref() {
            let is_rejected = rejected.is_some_and(|r| *r == cached.token);
            if !is_rejected && Instant::now() < cached.refresh_at {
                return Ok(cached.token.clone());
            }
        }
        let started = Instant::now();
        let issued = (self.exchange.exchange)(client.clone()).await.map_err(|cause| Error::Auth {
            message: format!("the API key exchange (`{}`) failed", self.exchange.operation.operation_id),
            source: Some(Box::new(cause)),
        })?;
        let lifetime = issued.lifetime.filter(|l| !l.is_zero()).unwrap_or(DEFAULT_LIFETIME);
        let margin = self.refresh_margin.unwrap_or_else(|| (lifetime / 10).min(Duration::from_secs(30)));
        tracing::debug!(lifetime_secs = lifetime.as_secs_f64(), "exchanged the API key for a bearer token");
        let token = BearerToken::new(issued.token);
        *cache = Some(CachedToken { token: token.clone(), refresh_at: started + lifetime.saturating_sub(margin) });
        Ok(token)
    }
}
