//! Bearer tokens: the API key exchange with a shared, single-flight token cache, and the
//! [`TokenProvider`] extension point.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument as _;

use crate::runtime::error::{Error, HttpError};
use crate::runtime::secret::{sensitive_header, ApiKey, BearerToken};

/// A boxed, `Send` future, as returned by [`TokenProvider`] methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The path of the API key exchange, appended to the base URL.
pub const TOKEN_ISSUE_PATH: &str = "/api/arthr/apiKeys/issue";

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
    /// The API key exchange or a user-supplied provider.
    Provider(Arc<dyn TokenProvider>),
}

impl TokenSource {
    pub(crate) async fn token(&self) -> Result<Option<BearerToken>, Error> {
        match self {
            TokenSource::None => Ok(None),
            TokenSource::Fixed(t) => Ok(Some(t.clone())),
            TokenSource::Provider(p) => p.token().await.map(Some),
        }
    }

    /// Whether [`refresh`](Self::refresh) can return a new token.
    pub(crate) fn is_refreshable(&self) -> bool {
        matches!(self, TokenSource::Provider(_))
    }

    /// A new token after a 401, or `None` when the token cannot be refreshed.
    pub(crate) async fn refresh(&self, rejected: &BearerToken) -> Result<Option<BearerToken>, Error> {
        match self {
            TokenSource::Provider(p) => p.refresh(rejected).await.map(Some),
            _ => Ok(None),
        }
    }
}

struct CachedToken {
    token: BearerToken,
    refresh_at: Instant,
}

/// Exchanges an API key for tokens, caching the token until shortly before it expires.
/// Concurrent callers share one exchange (the cache lock is held while issuing).
pub(crate) struct ApiKeyTokens {
    pub(crate) key: ApiKey,
    pub(crate) http: reqwest::Client,
    pub(crate) issue_url: String,
    pub(crate) refresh_margin: Option<Duration>,
    pub(crate) timeout: Duration,
    pub(crate) user_agent: &'static str,
    cache: tokio::sync::Mutex<Option<CachedToken>>,
}

#[derive(serde::Deserialize)]
struct IssuedToken {
    #[serde(alias = "accessToken", alias = "access_token", alias = "jwt")]
    token: String,
    #[serde(default, alias = "expiresIn", alias = "expires_in", deserialize_with = "lenient_seconds")]
    ttl: Option<f64>,
}

fn lenient_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    use serde::Deserialize as _;
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// The ttl assumed when the issue response has none.
const DEFAULT_TTL: Duration = Duration::from_secs(300);

impl ApiKeyTokens {
    pub(crate) fn new(
        key: ApiKey,
        http: reqwest::Client,
        base_url: &str,
        refresh_margin: Option<Duration>,
        timeout: Duration,
        user_agent: &'static str,
    ) -> Self {
        ApiKeyTokens {
            key,
            http,
            issue_url: format!("{base_url}{TOKEN_ISSUE_PATH}"),
            refresh_margin,
            timeout,
            user_agent,
            cache: tokio::sync::Mutex::new(None),
        }
    }

    async fn current(&self, rejected: Option<&BearerToken>) -> Result<BearerToken, Error> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref() {
            let is_rejected = rejected.is_some_and(|r| *r == cached.token);
            if !is_rejected && Instant::now() < cached.refresh_at {
                return Ok(cached.token.clone());
            }
        }
        let fresh = self.issue().await?;
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    async fn issue(&self) -> Result<CachedToken, Error> {
        let span = tracing::debug_span!("trustx.token_issue", path = TOKEN_ISSUE_PATH, status = tracing::field::Empty);
        let fut = async {
            let header = sensitive_header(self.key.expose_secret())
                .ok_or_else(|| Error::config("the API key is not a valid header value"))?;
            let started = Instant::now();
            let response = self
                .http
                .post(&self.issue_url)
                .header("X-API-Key", header)
                .header(reqwest::header::ACCEPT, "application/json")
                .header(reqwest::header::USER_AGENT, self.user_agent)
                .timeout(self.timeout)
                .send()
                .await
                .map_err(|e| auth_error(Error::from_reqwest(e)))?;
            let status = response.status().as_u16();
            tracing::Span::current().record("status", status);
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(|e| auth_error(Error::from_reqwest(e)))?;
            if status >= 300 {
                return Err(auth_error(Error::Http(Box::new(HttpError::new(
                    "issueToken",
                    "arthr",
                    status,
                    headers,
                    body,
                )))));
            }
            let issued: IssuedToken = match serde_json::from_slice(&body) {
                Ok(issued) => issued,
                Err(source) => return Err(auth_error(Error::Decode { status, body, source })),
            };
            let ttl = issued
                .ttl
                .filter(|t| t.is_finite() && *t > 0.0)
                .map(|t| Duration::from_secs_f64(t.min(1e9)))
                .unwrap_or(DEFAULT_TTL);
            let margin = self.refresh_margin.unwrap_or_else(|| (ttl / 10).min(Duration::from_secs(30)));
            let refresh_at = started + ttl.saturating_sub(margin);
            tracing::debug!(ttl_secs = ttl.as_secs_f64(), "issued a bearer token");
            Ok(CachedToken { token: BearerToken::new(issued.token), refresh_at })
        };
        fut.instrument(span).await
    }
}

fn auth_error(cause: Error) -> Error {
    Error::Auth { message: "the API key exchange failed".to_owned(), source: Some(Box::new(cause)) }
}

impl TokenProvider for ApiKeyTokens {
    fn token(&self) -> BoxFuture<'_, Result<BearerToken, Error>> {
        Box::pin(self.current(None))
    }

    fn refresh(&self, rejected: &BearerToken) -> BoxFuture<'_, Result<BearerToken, Error>> {
        let rejected = rejected.clone();
        Box::pin(async move { self.current(Some(&rejected)).await })
    }
}
