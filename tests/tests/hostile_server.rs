//! Hostile servers (issue 8): a real server on loopback — wiremock where it can express the
//! behaviour, otherwise the raw server in `hostile/` — misbehaving in each way a production client
//! meets, one test per behaviour. Every test is bounded to a few seconds.

#![allow(deprecated)]

mod common;
mod hostile;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use trustx::runtime::{TimeoutKind, TransportFailure};
use trustx::{ApiKey, Client, Error, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const WL: &str = "/api/watchlist-manager/watchlists/w1";
const LIST: &str = "/api/watchlist-manager/watchlists";

/// The whole error chain, as an error reporter prints it.
fn chain(err: &Error) -> Vec<String> {
    let mut out = vec![err.to_string()];
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        out.push(c.to_string());
        cause = c.source();
    }
    out
}

fn raw_client(url: &str) -> trustx::ClientBuilder {
    Client::builder()
        .base_url(url)
        .allow_insecure_http(true)
        .api_key(ApiKey::new(API_KEY))
        .retry_policy(fast_retry())
        .timeout(Duration::from_secs(5))
}

// --- Size limits -------------------------------------------------------------------------------

#[tokio::test]
async fn a_body_over_the_limit_is_refused_from_content_length_and_while_reading() {
    let server = hostile::serve(|head, socket| async move {
        match head.path() {
            TOKEN_PATH => hostile::reply_token(socket, "tok").await,
            _ => {
                let announce = head.query().contains("announce");
                hostile::stream_json(socket, 200, 200_000, announce, Arc::default()).await
            }
        }
    })
    .await;
    let client = raw_client(&server.url).max_response_bytes(100_000).build().unwrap();
    for announce in [false, true] {
        let mut request = client.watchlist_manager().list_watchlists();
        if announce {
            request = request.query_param("announce", "1");
        }
        let err = request.send().await.unwrap_err();
        match &err {
            Error::ResponseTooLarge { operation_id, limit, setting, content_length } => {
                assert_eq!((*operation_id, *limit, *setting), ("listWatchlists", 100_000, "max_response_bytes"));
                assert_eq!(*content_length, announce.then_some(200_000));
            }
            other => panic!("{other:?}"),
        }
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn a_huge_error_body_is_kept_cut_with_a_flag() {
    let server = hostile::serve(|head, socket| async move {
        match head.path() {
            TOKEN_PATH => hostile::reply_token(socket, "tok").await,
            _ => hostile::stream_json(socket, 500, 50_000_000, true, Arc::default()).await,
        }
    })
    .await;
    let client = raw_client(&server.url).build().unwrap();
    let started = Instant::now();
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    let http = err.http_error().expect("an HTTP error");
    assert_eq!(http.status, 500);
    assert!(http.body_truncated);
    assert_eq!(http.body.len(), 64 * 1024, "64 KiB kept of 50 MB");
    let debug = format!("{err:?}");
    assert!(debug.len() < 5_000, "Debug is {} bytes", debug.len());
    assert!(err.to_string().contains("body cut at 65536 bytes"), "{err}");
    println!("50 MB error body: {} bytes kept, Debug {} bytes, {:?}", http.body.len(), debug.len(), started.elapsed());
}

#[tokio::test]
async fn a_byte_stream_download_is_not_limited() {
    let server = hostile::serve(|head, socket| async move {
        match head.path() {
            TOKEN_PATH => hostile::reply_token(socket, "tok").await,
            _ => hostile::stream_json(socket, 200, 3_000_000, false, Arc::default()).await,
        }
    })
    .await;
    let client = raw_client(&server.url).max_response_bytes(1024).build().unwrap();
    let stream = client.process_manager().export_process_instances_to_csv().send().await.unwrap();
    assert_eq!(stream.collect().await.unwrap().len(), 3_000_000);
}

#[tokio::test]
async fn an_oversized_or_unusable_token_is_an_auth_error() {
    // 10 MB token response: refused by the token response limit, before reading it.
    let big = format!("{{\"token\":\"{}\",\"ttl\":60}}", "a".repeat(10_000_000));
    let bad_tokens = [
        (big, "max_token_response_bytes"),
        (format!("{{\"token\":\"{}\",\"ttl\":60}}", "a".repeat(20_000)), "more than the 16384"),
        ("{\"token\":\"\",\"ttl\":60}".to_owned(), "empty"),
        ("{\"token\":\"a\\r\\nX-Evil: 1\",\"ttl\":60}".to_owned(), "not a valid header value"),
    ];
    for (body, expected) in bad_tokens {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"))
            .mount(&server)
            .await;
        let client = builder(&server).max_token_response_bytes(if body.len() > 1 << 20 { 64 << 10 } else { 1 << 20 });
        let err = get_watchlist(&client.build().unwrap(), "w1").await.unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
        let text = chain(&err).join(" | ");
        assert!(text.contains(expected), "{expected}: {text}");
        assert!(requests_to(&server, WL).await.is_empty(), "no call made with a bad token");
    }
}

// --- Token single flight -----------------------------------------------------------------------

/// A token endpoint that reads the request and never answers.
async fn stalled_token_server() -> hostile::Raw {
    hostile::serve(|head, socket| async move {
        if head.path() == TOKEN_PATH {
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(socket);
        } else {
            hostile::reply(socket, 200, "", b"{}").await;
        }
    })
    .await
}

async fn ten_callers(client: &Client) -> Vec<(Duration, Error)> {
    let started = Instant::now();
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let err = get_watchlist(&client, "w1").await.unwrap_err();
                (started.elapsed(), err)
            })
        })
        .collect();
    let mut out = Vec::new();
    for call in calls {
        out.push(call.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_behind_a_stalled_token_endpoint_share_one_exchange_per_retry() {
    let server = stalled_token_server().await;
    let policy = RetryPolicy::new().max_attempts(3).base_delay(Duration::from_millis(50));
    let client = raw_client(&server.url).timeout(Duration::from_secs(1)).retry_policy(policy).build().unwrap();
    let results = ten_callers(&client).await;
    let slowest = results.iter().map(|(t, _)| *t).max().unwrap();
    for (_, err) in &results {
        assert!(matches!(err, Error::Auth { .. }) && err.is_timeout(), "{err:?}");
    }
    let exchanges = server.requests_to(TOKEN_PATH);
    println!("stalled token endpoint, 10 callers, 1 s timeout, 3 attempts: slowest {slowest:?}, {exchanges} exchanges");
    // 3 attempts of 1 s plus two backoffs of at most 100 ms.
    assert!(slowest < Duration::from_millis(3_600), "{slowest:?}");
    assert_eq!(exchanges, 3, "one exchange per retry, not per caller");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_timeout_bounds_the_wait_for_a_stalled_token() {
    let server = stalled_token_server().await;
    let client = raw_client(&server.url)
        .timeout(Duration::from_secs(1))
        .operation_timeout(Duration::from_secs(1))
        .retry_policy(RetryPolicy::new().base_delay(Duration::from_millis(50)))
        .build()
        .unwrap();
    let results = ten_callers(&client).await;
    let slowest = results.iter().map(|(t, _)| *t).max().unwrap();
    println!("stalled token endpoint, 10 callers, 1 s operation timeout: slowest {slowest:?}");
    assert!(slowest < Duration::from_millis(1_300), "{slowest:?}");
    assert!(results.iter().all(|(_, e)| e.is_timeout()));
    assert_eq!(server.requests_to(TOKEN_PATH), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_exchange_is_shared_with_every_waiter() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(401)
                .set_delay(Duration::from_millis(300))
                .set_body_json(serde_json::json!({"code": 1, "message": "bad key"})),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let results = ten_callers(&client).await;
    for (_, err) in &results {
        assert_eq!(err.status(), Some(401), "{err:?}");
    }
    assert_eq!(token_issues(&server).await, 1, "ten callers, one exchange, one shared failure");
}

#[tokio::test]
async fn retry_after_is_honoured_on_the_token_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    token_mock("tok", 3600).with_priority(2).mount(&server).await;
    Mock::given(method("GET"))
        .and(path(WL))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "w1"})))
        .mount(&server)
        .await;
    let client =
        builder(&server).retry_policy(RetryPolicy::new().base_delay(Duration::from_millis(1))).build().unwrap();
    let started = Instant::now();
    get_watchlist(&client, "w1").await.unwrap();
    let took = started.elapsed();
    println!(
        "token call 429 with Retry-After: 1 -> succeeded after {took:?}, {} exchanges",
        token_issues(&server).await
    );
    assert!(took >= Duration::from_millis(950), "waited {took:?}");
    assert_eq!(token_issues(&server).await, 2);
}

/// A `Retry-After` on the token exchange is capped like any other retry (at the policy's
/// `max_delay`), not held for as long as the server asks.
#[tokio::test]
async fn a_huge_retry_after_on_the_token_call_is_capped_at_max_delay() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "100000"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    token_mock("tok", 3600).with_priority(2).mount(&server).await;
    Mock::given(method("GET"))
        .and(path(WL))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "w1"})))
        .mount(&server)
        .await;
    let policy = RetryPolicy::new().base_delay(Duration::from_millis(1)).max_delay(Duration::from_millis(300));
    let client = builder(&server).retry_policy(policy).timeout(Duration::from_secs(20)).build().unwrap();
    let started = Instant::now();
    get_watchlist(&client, "w1").await.unwrap();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(250), "the capped Retry-After was honoured: {took:?}");
    assert!(took < Duration::from_secs(3), "Retry-After: 100000 held the callers for {took:?}");
    assert_eq!(token_issues(&server).await, 2);
}

// --- Timeouts ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_slow_but_live_download_outlasts_the_attempt_timeout_and_a_stalled_one_does_not() {
    let server = hostile::serve(|head, mut socket| async move {
        use tokio::io::AsyncWriteExt as _;
        if head.path() == TOKEN_PATH {
            return hostile::reply_token(socket, "tok").await;
        }
        let stall = head.query().contains("stall");
        let _ = socket
            .write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            )
            .await;
        for _ in 0..8 {
            if socket.write_all(b"4\r\nrow\n\r\n").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(if stall { 5_000 } else { 200 })).await;
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
    })
    .await;
    let client = raw_client(&server.url)
        .timeout(Duration::from_millis(700))
        .read_timeout(Duration::from_millis(600))
        .build()
        .unwrap();
    let started = Instant::now();
    let body =
        client.process_manager().export_process_instances_to_csv().send().await.unwrap().collect().await.unwrap();
    assert_eq!(body.len(), 32);
    assert!(started.elapsed() > Duration::from_millis(1_400), "the download took longer than one attempt timeout");

    let stream =
        client.process_manager().export_process_instances_to_csv().query_param("stall", "1").send().await.unwrap();
    let err = stream.collect().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { kind: TimeoutKind::Read, .. }), "{err:?}");
}

#[tokio::test]
async fn an_operation_timeout_spans_all_retries() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600).await;
    Mock::given(method("GET"))
        .and(path(WL))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(400))
        .operation_timeout(Duration::from_millis(1_000))
        .retry_policy(RetryPolicy::new().max_attempts(10).base_delay(Duration::from_millis(10)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    let took = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(took < Duration::from_millis(1_300), "{took:?}");
    assert!(requests_to(&server, WL).await.len() <= 3);
}

// --- Pagination --------------------------------------------------------------------------------

#[tokio::test]
async fn a_never_ending_page_sequence_stops() {
    for body in [
        // The number is echoed: always page 0.
        serde_json::json!({"content": [{"id": "a"}], "last": false, "number": 0}),
        // No number, the same items every time.
        serde_json::json!({"content": [{"id": "a"}]}),
    ] {
        let server = MockServer::start().await;
        mount_token(&server, "tok", 3600).await;
        Mock::given(method("GET"))
            .and(path(LIST))
            .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
            .mount(&server)
            .await;
        let client = client(&server);
        let started = Instant::now();
        let err = client.watchlist_manager().list_watchlists().into_stream().collect_all().await.unwrap_err();
        assert!(matches!(err, Error::Pagination { .. }), "{err:?}");
        assert_eq!(requests_to(&server, LIST).await.len(), 2, "{body}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // Pages that advance forever stop at the page limit.
    let server = hostile::serve(|head, socket| async move {
        if head.path() == TOKEN_PATH {
            return hostile::reply_token(socket, "tok").await;
        }
        let page: u64 = head.query().split('&').find_map(|p| p.strip_prefix("page=")).unwrap_or("0").parse().unwrap();
        let body = serde_json::json!({"content": [{"id": page.to_string()}], "last": false, "number": page});
        hostile::reply(socket, 200, "", body.to_string().as_bytes()).await;
    })
    .await;
    let client = raw_client(&server.url).build().unwrap();
    let mut stream = client.watchlist_manager().list_watchlists().into_stream().max_pages(20);
    let mut items = 0;
    let err = loop {
        match stream.next().await {
            Some(Ok(_)) => items += 1,
            Some(Err(e)) => break e,
            None => panic!("ended without an error"),
        }
    };
    assert_eq!(items, 20);
    assert!(err.to_string().contains("limit of 20 pages"), "{err}");
    assert_eq!(server.requests_to(LIST), 20);
}

// --- Redirects ---------------------------------------------------------------------------------

#[tokio::test]
async fn no_credential_reaches_a_second_host_with_a_caller_supplied_client() {
    let elsewhere = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"token": "stolen", "ttl": 60, "id": "w1"})),
        )
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    for p in [TOKEN_PATH, WL] {
        Mock::given(path(p))
            .respond_with(ResponseTemplate::new(307).insert_header("Location", format!("{}{p}", elsewhere.uri())))
            .mount(&server)
            .await;
    }
    // The caller's builder follows redirects (reqwest's default); the SDK turns that off.
    let caller = reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(10));
    let client = builder(&server).http_client_builder(caller).build().unwrap();
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    assert_eq!(err.status(), Some(307), "the redirect is returned, not followed: {err:?}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty(), "nothing reached the second host");

    let bearer = Client::builder()
        .base_url(server.uri())
        .allow_insecure_http(true)
        .bearer_token("tok-secret".into())
        .http_client_builder(reqwest::Client::builder())
        .build()
        .unwrap();
    let _ = get_watchlist(&bearer, "w1").await;
    assert!(elsewhere.received_requests().await.unwrap().is_empty(), "nothing reached the second host");
}

// --- Display -----------------------------------------------------------------------------------

#[tokio::test]
async fn control_characters_arrive_escaped() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600).await;
    let nasty = "denied\x1b[2J\r\nINFO fake log line\u{0}\u{202e}gnp.exe\u{2066}";
    Mock::given(method("GET"))
        .and(path(WL))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({"code": 7, "message": nasty})))
        .mount(&server)
        .await;
    let showing = builder(&server).show_server_messages(true).build().unwrap();
    let err = get_watchlist(&showing, "w1").await.unwrap_err();
    assert_eq!(err.message(), Some(nasty), "the raw message stays available");
    for text in [err.to_string(), format!("{err:?}")] {
        for bad in ['\x1b', '\r', '\n', '\0', '\u{202e}', '\u{2066}'] {
            assert!(!text.contains(bad), "{bad:?} in {text:?}");
        }
    }
    assert!(err.to_string().contains("denied\\u{1b}[2J\\r\\nINFO fake log line"), "{err}");

    let long = "x".repeat(100_000);
    Mock::given(method("GET"))
        .and(path("/api/watchlist-manager/watchlists/w2"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({"message": long})))
        .mount(&server)
        .await;
    let err = showing.watchlist_manager().get_watchlist("w2").send().await.unwrap_err();
    assert!(err.to_string().len() < 1_000, "bounded: {} bytes", err.to_string().len());
}

#[tokio::test]
async fn an_echoed_api_key_or_token_is_redacted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"message": format!("unknown key {API_KEY}, key={API_KEY}")})),
        )
        .mount(&server)
        .await;
    // With the server's messages shown (they are not by default), the key in them is redacted.
    let showing = builder(&server).show_server_messages(true).build().unwrap();
    let err = get_watchlist(&showing, "w1").await.unwrap_err();
    let text = format!("{} {err:?}", chain(&err).join(" | "));
    assert!(!text.contains(API_KEY), "{text}");
    assert!(text.contains("unknown key [redacted], key=[redacted]"), "{text}");

    let server = MockServer::start().await;
    mount_token(&server, "tok-SECRET-123", 3600).await;
    Mock::given(method("GET"))
        .and(path(WL))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(serde_json::json!({"message": "token tok-SECRET-123 lacks scope"})),
        )
        .mount(&server)
        .await;
    let showing = builder(&server).show_server_messages(true).build().unwrap();
    let err = get_watchlist(&showing, "w1").await.unwrap_err();
    let text = format!("{} {err:?}", chain(&err).join(" | "));
    assert!(!text.contains("tok-SECRET-123"), "{text}");
    assert!(text.contains("token [redacted] lacks scope"), "{text}");
}

/// An API key is `<id>.<secret>`; a 401 that repeats only the secret half shows it neither in the
/// error (`{}`, `{:?}`, with the server's message shown) nor in the SDK's DEBUG line of the failed
/// exchange.
#[tokio::test]
async fn the_secret_half_of_an_api_key_is_redacted_too() {
    const ID: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            serde_json::json!({"code": 1, "message": format!("secret {SECRET} is not valid for key {ID}")}),
        ))
        .mount(&server)
        .await;
    let logs = capture_traces();
    let client = raw_client(&server.uri())
        .api_key(ApiKey::new(format!("{ID}.{SECRET}")))
        .show_server_messages(true)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    let text = format!("{} {err:?} {err:#?}", chain(&err).join(" | "));
    assert!(text.contains("is not valid"), "the message is shown: {text}");
    let logged = logs.text();
    assert!(logged.contains("the API key exchange failed") && logged.contains("is not valid"), "{logged}");
    for shown in [&text, &logged] {
        assert!(!shown.contains(SECRET) && !shown.contains(ID), "{shown}");
    }
    assert!(text.contains("secret [redacted] is not valid for key [redacted]"), "{text}");
}

// --- Transport errors --------------------------------------------------------------------------

#[tokio::test]
async fn transport_errors_name_the_failure_and_the_host_once() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = raw_client(&format!("http://127.0.0.1:{port}")).retry_policy(RetryPolicy::none()).build().unwrap();
    let err = client.watchlist_manager().get_watchlist("w1").query_param("q", "QUERY-SECRET").send().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "the token call failed first: {err:?}");
    let texts = chain(&err);
    let all = texts.join(" | ");
    assert!(all.contains("connection refused") && all.contains(&format!("127.0.0.1:{port}")), "{all}");
    assert!(!all.contains("/api/") && !all.contains("QUERY-SECRET"), "{all}");
    for (i, t) in texts.iter().enumerate() {
        for later in &texts[i + 1..] {
            assert!(!t.contains(later.as_str()), "a cause is repeated: {all}");
        }
    }
    println!("connection refused: {all}");

    // Reset: the server accepts and closes without answering.
    let server = hostile::serve(|_, socket| async move { drop(socket) }).await;
    let client = Client::builder()
        .base_url(&server.url)
        .allow_insecure_http(true)
        .allow_unauthenticated(true)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    assert!(matches!(err, Error::Transport { failure: TransportFailure::ConnectionReset, .. }), "{err:?}");
    println!("closed early: {}", chain(&err).join(" | "));

    // DNS.
    let client = Client::builder()
        .base_url("https://no-such-host.invalid")
        .bearer_token("t".into())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    assert!(matches!(err, Error::Transport { failure: TransportFailure::Dns, .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-host.invalid"), "{err}");
}

// --- Credentials at build and before sending ---------------------------------------------------

#[tokio::test]
async fn an_empty_api_key_fails_at_build_and_no_credentials_fail_before_sending() {
    for key in ["", "   ", "\t\n"] {
        let err = Client::builder().base_url("https://x.example").api_key(ApiKey::new(key)).build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }) && err.to_string().contains("API key is empty"), "{err}");
    }
    let err = Client::builder().base_url("https://x.example").bearer_token("".into()).build().unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err}");

    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path(WL)).respond_with(ResponseTemplate::new(401)).mount(&server).await;
    let anonymous = Client::builder().base_url(server.uri()).allow_insecure_http(true);
    let err = get_watchlist(&anonymous.build().unwrap(), "w1").await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }) && err.to_string().contains("allow_unauthenticated"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing sent");

    let anonymous = Client::builder().base_url(server.uri()).allow_insecure_http(true).allow_unauthenticated(true);
    let err = get_watchlist(&anonymous.build().unwrap(), "w1").await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    let sent = requests_to(&server, WL).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(header_of(&sent[0], "authorization"), None);
}

// --- Secrets in generated models ---------------------------------------------------------------

#[test]
fn sensitive_model_fields_are_redacted_in_debug() {
    let token = trustx::models::IssuedToken::new("eyJ-ISSUED-SECRET", 60);
    let secret = trustx::models::CloudSecretRequest::new("CLOUD-SECRET-VALUE").with_name("db");
    let shown = format!("{token:?} {secret:?} {token:#?}");
    assert!(!shown.contains("ISSUED-SECRET") && !shown.contains("CLOUD-SECRET-VALUE"), "{shown}");
    assert!(shown.contains("[redacted]") && shown.contains("\"db\"") && shown.contains("60"), "{shown}");
}
