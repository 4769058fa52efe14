//! Shared helpers of the end-to-end tests: a client pointed at a wiremock server, token mocks.
#![allow(dead_code)]

use std::time::Duration;

use base64::Engine as _;
use trustx::{ApiKey, Client, ClientBuilder, RetryPolicy};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const API_KEY: &str = "sk-test-SECRETKEY-0123456789";
pub const TOKEN_PATH: &str = "/api/arthr/apiKeys/issue";

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Fast retries for tests.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::new().base_delay(ms(1)).max_delay(ms(20))
}

/// A client builder for the mock server, authenticating with [`API_KEY`].
pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .allow_insecure_http(true)
        .api_key(ApiKey::new(API_KEY))
        .retry_policy(fast_retry())
        .timeout(Duration::from_secs(5))
}

pub fn client(server: &MockServer) -> Client {
    builder(server).build().expect("client builds")
}

/// A JWT-looking token (unsigned) carrying `claims`.
pub fn jwt(claims: serde_json::Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims.to_string()),
        b64.encode("signature")
    )
}

/// Mounts the token issue endpoint returning `token` with `ttl` seconds.
pub async fn mount_token(server: &MockServer, token: &str, ttl: u64) {
    token_mock(token, ttl).mount(server).await;
}

pub fn token_mock(token: &str, ttl: u64) -> Mock {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(header("X-API-Key", API_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({ "token": token, "ttl": ttl })))
}

/// The requests the server received on `p`.
pub async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default().into_iter().filter(|r| r.url.path() == p).collect()
}

pub async fn token_issues(server: &MockServer) -> usize {
    requests_to(server, TOKEN_PATH).await.len()
}

pub fn header_of<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

/// `GET /api/watchlist-manager/watchlists/{id}` through the generated operation.
#[allow(deprecated)]
pub async fn get_watchlist(client: &Client, id: &str) -> Result<trustx::models::Watchlist, trustx::Error> {
    client.watchlist_manager().get_watchlist(id).send().await
}

/// `POST /api/watchlist-manager/watchlists` through the generated operation.
#[allow(deprecated)]
pub async fn create_watchlist(client: &Client) -> Result<trustx::models::Watchlist, trustx::Error> {
    let body = trustx::models::WatchlistRequest::default().with_name("PEP");
    client.watchlist_manager().create_watchlist(body).send().await
}

/// A `tracing` writer that keeps everything a subscriber writes, to search it afterwards.
#[derive(Clone, Default)]
pub struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Everything a TRACE-level subscriber receives, for the whole test binary (tracing caches each
/// call site's interest across threads, so a per-thread subscriber could miss events).
pub fn capture_traces() -> Logs {
    static LOGS: std::sync::OnceLock<Logs> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(logs.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        logs
    })
    .clone()
}
