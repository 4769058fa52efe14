//! End-to-end: API key exchange, token cache, refresh, 401 handling, permission preflight —
//! through the generated `trustx` operations against a wiremock server on loopback.
#![allow(deprecated)]

mod common;

use std::time::Duration;

use common::*;
use trustx::runtime::{BoxFuture, TokenProvider};
use trustx::{BearerToken, Client, Error};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const WL_PATH: &str = "/api/watchlist-manager/watchlists/w1";
const CREATE_PATH: &str = "/api/watchlist-manager/watchlists";

async fn mount_watchlist(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(WL_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "w1", "name": "PEP"})))
        .mount(server)
        .await;
}

#[tokio::test]
async fn api_key_is_exchanged_for_a_bearer_token() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 3600).await;
    mount_watchlist(&server).await;
    let client = client(&server);

    let wl = get_watchlist(&client, "w1").await.unwrap();
    assert_eq!(wl.id.as_deref(), Some("w1"));
    assert_eq!(wl.name.as_deref(), Some("PEP"));

    let issues = requests_to(&server, TOKEN_PATH).await;
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].method.as_str(), "POST");
    assert_eq!(issues[0].url.path(), "/api/arthr/apiKeys/issue");
    assert_eq!(header_of(&issues[0], "x-api-key"), Some(API_KEY));
    let calls = requests_to(&server, WL_PATH).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method.as_str(), "GET");
    assert_eq!(header_of(&calls[0], "authorization"), Some("Bearer tok-1"));
    assert_eq!(header_of(&calls[0], "x-api-key"), None, "the API key only goes to the issue call");
    assert_eq!(header_of(&calls[0], "accept"), Some("application/json"));
    assert!(header_of(&calls[0], "user-agent").unwrap().starts_with("trustx/"));
}

#[tokio::test]
async fn many_calls_share_one_token() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 3600).await;
    mount_watchlist(&server).await;
    let client = client(&server);
    for _ in 0..5 {
        get_watchlist(&client, "w1").await.unwrap();
    }
    // Clones share the cache, and so do the service clients.
    let clone = client.clone();
    get_watchlist(&clone, "w1").await.unwrap();
    clone.watchlist_manager().get_watchlist("w1").send().await.unwrap();
    assert_eq!(token_issues(&server).await, 1);
    assert_eq!(requests_to(&server, WL_PATH).await.len(), 7);
}

#[tokio::test]
async fn token_is_refreshed_after_its_ttl() {
    let server = MockServer::start().await;
    token_mock("tok-1", 1).up_to_n_times(1).with_priority(1).mount(&server).await;
    token_mock("tok-2", 1).with_priority(2).mount(&server).await;
    mount_watchlist(&server).await;
    let client = builder(&server).token_refresh_margin(Duration::ZERO).build().unwrap();

    get_watchlist(&client, "w1").await.unwrap();
    get_watchlist(&client, "w1").await.unwrap();
    assert_eq!(token_issues(&server).await, 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    get_watchlist(&client, "w1").await.unwrap();
    assert_eq!(token_issues(&server).await, 2);
    let calls = requests_to(&server, WL_PATH).await;
    assert_eq!(header_of(&calls[1], "authorization"), Some("Bearer tok-1"));
    assert_eq!(header_of(&calls[2], "authorization"), Some("Bearer tok-2"));
}

#[tokio::test]
async fn refresh_margin_refreshes_early() {
    let server = MockServer::start().await;
    mount_token(&server, "tok-1", 2).await;
    mount_watchlist(&server).await;
    // A margin of 2 s on a 2 s ttl: every call needs a fresh token.
    let client = builder(&server).token_refresh_margin(Duration::from_secs(2)).build().unwrap();
    get_watchlist(&client, "w1").await.unwrap();
    get_watchlist(&client, "w1").await.unwrap();
    assert_eq!(token_issues(&server).await, 2);
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_retries() {
    let server = MockServer::start().await;
    token_mock("stale", 3600).up_to_n_times(1).with_priority(1).mount(&server).await;
    token_mock("fresh", 3600).with_priority(2).mount(&server).await;
    Mock::given(method("GET"))
        .and(path(WL_PATH))
        .and(header("authorization", "Bearer stale"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({"message": "expired"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(WL_PATH))
        .and(header("authorization", "Bearer fresh"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "w1"})))
        .mount(&server)
        .await;
    let client = client(&server);

    let wl = get_watchlist(&client, "w1").await.unwrap();
    assert_eq!(wl.id.as_deref(), Some("w1"));
    assert_eq!(token_issues(&server).await, 2);
    let calls = requests_to(&server, WL_PATH).await;
    assert_eq!(calls.len(), 2);
    assert_eq!(header_of(&calls[0], "authorization"), Some("Bearer stale"));
    assert_eq!(header_of(&calls[1], "authorization"), Some("Bearer fresh"));
}

#[tokio::test]
async fn a_persistent_401_is_returned_after_one_refresh() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600).await;
    Mock::given(method("POST")).and(path(CREATE_PATH)).respond_with(ResponseTemplate::new(401)).mount(&server).await;
    let client = client(&server);
    let err = create_watchlist(&client).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(token_issues(&server).await, 2);
    assert_eq!(requests_to(&server, CREATE_PATH).await.len(), 2);
}

#[tokio::test]
async fn concurrent_calls_cause_a_single_token_issue() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"token": "tok-1", "ttl": 3600}))
                .set_delay(Duration::from_millis(150)),
        )
        .mount(&server)
        .await;
    mount_watchlist(&server).await;
    let client = client(&server);
    let calls = (0..20).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.watchlist_manager().get_watchlist("w1").send().await })
    });
    for r in futures_util::future::join_all(calls).await {
        r.unwrap().unwrap();
    }
    assert_eq!(token_issues(&server).await, 1);
    assert_eq!(requests_to(&server, WL_PATH).await.len(), 20);
}

#[tokio::test]
async fn concurrent_401s_cause_a_single_refresh() {
    let server = MockServer::start().await;
    token_mock("stale", 3600).up_to_n_times(1).with_priority(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"token": "fresh", "ttl": 3600}))
                .set_delay(Duration::from_millis(100)),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(WL_PATH))
        .and(header("authorization", "Bearer stale"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(WL_PATH))
        .and(header("authorization", "Bearer fresh"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "w1"})))
        .mount(&server)
        .await;
    let client = client(&server);
    // Get the stale token cached first (w0 is not mounted: a plain 404).
    assert_eq!(get_watchlist(&client, "w0").await.unwrap_err().status(), Some(404));
    assert_eq!(token_issues(&server).await, 1);
    let calls = (0..20).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.watchlist_manager().get_watchlist("w1").send().await })
    });
    for r in futures_util::future::join_all(calls).await {
        assert_eq!(r.unwrap().unwrap().id.as_deref(), Some("w1"));
    }
    let stale = requests_to(&server, WL_PATH)
        .await
        .iter()
        .filter(|r| header_of(r, "authorization") == Some("Bearer stale"))
        .count();
    assert!(stale >= 1, "the stale token was used first");
    assert_eq!(token_issues(&server).await, 2, "twenty 401s, one refresh");
}

#[tokio::test]
async fn failed_token_issue_is_an_auth_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({"code": 3, "message": "bad key"})))
        .mount(&server)
        .await;
    let client = client(&server);
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.message(), Some("bad key"));
    assert!(requests_to(&server, WL_PATH).await.is_empty());
    // The cause is told once: in the source chain, not repeated in the message.
    let mut chain = vec![err.to_string()];
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        chain.push(c.to_string());
        cause = c.source();
    }
    let shown = chain.join(" | ");
    assert!(!shown.contains(API_KEY), "{shown}");
    // The server's message is not shown by default (it may echo request data); the accessor has it.
    assert_eq!(shown.matches("bad key").count(), 0, "{shown}");
}

#[tokio::test]
async fn fixed_bearer_token_is_sent() {
    let server = MockServer::start().await;
    mount_watchlist(&server).await;
    let client = Client::builder()
        .base_url(server.uri())
        .allow_insecure_http(true)
        .bearer_token(BearerToken::new("fixed-tok"))
        .build()
        .unwrap();
    get_watchlist(&client, "w1").await.unwrap();
    let calls = requests_to(&server, WL_PATH).await;
    assert_eq!(header_of(&calls[0], "authorization"), Some("Bearer fixed-tok"));
    assert_eq!(token_issues(&server).await, 0);
}

struct Counting(std::sync::atomic::AtomicUsize);

impl TokenProvider for Counting {
    fn token(&self) -> BoxFuture<'_, Result<BearerToken, Error>> {
        Box::pin(async move {
            let n = self.0.load(std::sync::atomic::Ordering::SeqCst);
            Ok(BearerToken::new(format!("prov-{n}")))
        })
    }

    fn refresh(&self, _rejected: &BearerToken) -> BoxFuture<'_, Result<BearerToken, Error>> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.token()
    }
}

#[tokio::test]
async fn token_provider_is_used_and_refreshed_on_401() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(WL_PATH))
        .and(header("authorization", "Bearer prov-0"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    mount_watchlist(&server).await;
    let client = Client::builder()
        .base_url(server.uri())
        .allow_insecure_http(true)
        .token_provider(Counting(Default::default()))
        .build()
        .unwrap();
    get_watchlist(&client, "w1").await.unwrap();
    let calls = requests_to(&server, WL_PATH).await;
    assert_eq!(calls.len(), 2);
    assert_eq!(header_of(&calls[0], "authorization"), Some("Bearer prov-0"));
    assert_eq!(header_of(&calls[1], "authorization"), Some("Bearer prov-1"));
}

#[tokio::test]
async fn issue_token_operation_sends_the_key_not_a_bearer() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 60).await;
    let client = client(&server);
    let issued = client.arthr().issue_token().send().await.unwrap();
    assert_eq!(issued.token, "tok");
    assert_eq!(issued.ttl, 60);
    let issues = requests_to(&server, TOKEN_PATH).await;
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].method.as_str(), "POST");
    assert_eq!(header_of(&issues[0], "authorization"), None);
    assert_eq!(header_of(&issues[0], "x-api-key"), Some(API_KEY));
}

#[tokio::test]
async fn permission_preflight_fails_before_sending() {
    let server = MockServer::start().await;
    let token = jwt(serde_json::json!({"sub": "x", "permissions": ["TNT#acme#WatchlistManager:listWatchlistsV2"]}));
    mount_token(&server, &token, 3600).await;
    mount_watchlist(&server).await;
    let client = builder(&server).tenant("acme").permission_preflight(true).build().unwrap();
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    match &err {
        Error::PermissionDenied { required, operation_id } => {
            assert_eq!(required, "TNT#acme#WatchlistManager:getWatchlistV2");
            assert_eq!(*operation_id, "getWatchlist");
        }
        other => panic!("expected PermissionDenied, got {other:?}"),
    }
    assert!(requests_to(&server, WL_PATH).await.is_empty());
}

#[tokio::test]
async fn permission_preflight_accepts_wildcards() {
    let server = MockServer::start().await;
    let token = jwt(serde_json::json!({"permissions": ["TNT#acme#WatchlistManager*"]}));
    mount_token(&server, &token, 3600).await;
    mount_watchlist(&server).await;
    let client = builder(&server).tenant("acme").permission_preflight(true).build().unwrap();
    get_watchlist(&client, "w1").await.unwrap();
    assert_eq!(requests_to(&server, WL_PATH).await.len(), 1);
    // A token without permission claims is not checked.
    let server2 = MockServer::start().await;
    mount_token(&server2, &jwt(serde_json::json!({"sub": "x"})), 3600).await;
    mount_watchlist(&server2).await;
    let client2 = builder(&server2).tenant("acme").permission_preflight(true).build().unwrap();
    get_watchlist(&client2, "w1").await.unwrap();
    assert_eq!(requests_to(&server2, WL_PATH).await.len(), 1);
}
