//! End-to-end: retries, timeouts, error bodies, path and query encoding, binary downloads,
//! redirects — through the generated `trustx` operations against a wiremock server on loopback.
#![allow(deprecated)]

mod common;

use std::time::Instant;

use bytes::Bytes;
use common::*;
use futures_util::StreamExt as _;
use trustx::error_codes::WatchlistManagerErrorCode;
use trustx::{Client, Error, ErrorCode, RetryPolicy};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const WL_PATH: &str = "/api/watchlist-manager/watchlists/w1";
const CREATE_PATH: &str = "/api/watchlist-manager/watchlists";
const CSV_PATH: &str = "/api/process-manager/processInstances/csv";
const REDIRECT_PATH: &str = "/api/process-manager/processInstances";

async fn server_with_token() -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600).await;
    server
}

fn ok_watchlist() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "w1"}))
}

#[tokio::test]
async fn retry_after_503_is_honoured_and_capped_then_succeeds() {
    let server = server_with_token().await;
    Mock::given(method("GET"))
        .and(path(WL_PATH))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path(WL_PATH)).respond_with(ok_watchlist()).with_priority(2).mount(&server).await;
    // Base delay 1 ms: a wait of >= 150 ms comes from Retry-After, capped by max_delay (150 ms).
    let client =
        builder(&server).retry_policy(RetryPolicy::new().base_delay(ms(1)).max_delay(ms(150))).build().unwrap();
    let started = Instant::now();
    let wl = get_watchlist(&client, "w1").await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(wl.id.as_deref(), Some("w1"));
    let calls = requests_to(&server, WL_PATH).await;
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|r| r.method.as_str() == "GET"));
    assert!(elapsed >= ms(150), "Retry-After not honoured: {elapsed:?}");
    assert!(elapsed < ms(900), "Retry-After not capped: {elapsed:?}");
}

#[tokio::test]
async fn post_is_not_retried() {
    let server = server_with_token().await;
    Mock::given(method("POST"))
        .and(path(CREATE_PATH))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .mount(&server)
        .await;
    let client = client(&server);
    let err = create_watchlist(&client).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable());
    let calls = requests_to(&server, CREATE_PATH).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method.as_str(), "POST");
    let sent: serde_json::Value = serde_json::from_slice(&calls[0].body).unwrap();
    assert_eq!(sent, serde_json::json!({"name": "PEP"}));
}

#[tokio::test]
async fn post_is_retried_when_opted_in() {
    let server = server_with_token().await;
    Mock::given(method("POST")).and(path(CREATE_PATH)).respond_with(ResponseTemplate::new(502)).mount(&server).await;
    let client = builder(&server).retry_policy(fast_retry().retry_non_idempotent(true)).build().unwrap();
    let err = create_watchlist(&client).await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(requests_to(&server, CREATE_PATH).await.len(), 3);
}

#[tokio::test]
async fn retries_give_up_after_the_configured_attempts() {
    let server = server_with_token().await;
    Mock::given(method("GET")).and(path(WL_PATH)).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let client = builder(&server).retry_policy(fast_retry().max_attempts(4)).build().unwrap();
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    assert!(matches!(err, Error::Http(_)), "{err:?}");
    assert_eq!(err.status(), Some(503));
    assert_eq!(requests_to(&server, WL_PATH).await.len(), 4);

    // RetryPolicy::none sends once.
    let server = server_with_token().await;
    Mock::given(method("GET")).and(path(WL_PATH)).respond_with(ResponseTemplate::new(429)).mount(&server).await;
    let client = builder(&server).retry_policy(RetryPolicy::none()).build().unwrap();
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(requests_to(&server, WL_PATH).await.len(), 1);
}

#[tokio::test]
async fn not_found_is_not_retried() {
    let server = server_with_token().await;
    Mock::given(method("GET")).and(path(WL_PATH)).respond_with(ResponseTemplate::new(404)).mount(&server).await;
    let client = client(&server);
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(!err.is_retryable());
    assert_eq!(requests_to(&server, WL_PATH).await.len(), 1);
}

#[tokio::test]
async fn a_timeout_surfaces_as_a_timeout_error() {
    let server = server_with_token().await;
    Mock::given(method("GET")).and(path(WL_PATH)).respond_with(ok_watchlist().set_delay(ms(600))).mount(&server).await;
    let client = builder(&server).timeout(ms(100)).retry_policy(RetryPolicy::none()).build().unwrap();
    let started = Instant::now();
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < ms(550));
    assert_eq!(requests_to(&server, WL_PATH).await.len(), 1);
}

#[tokio::test]
async fn timeouts_are_retried_for_get_only() {
    let server = server_with_token().await;
    Mock::given(method("GET")).and(path(WL_PATH)).respond_with(ok_watchlist().set_delay(ms(400))).mount(&server).await;
    Mock::given(method("POST"))
        .and(path(CREATE_PATH))
        .respond_with(ok_watchlist().set_delay(ms(400)))
        .mount(&server)
        .await;
    let client = builder(&server).timeout(ms(80)).build().unwrap();
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(requests_to(&server, WL_PATH).await.len(), 3);
    let err = create_watchlist(&client).await.unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(requests_to(&server, CREATE_PATH).await.len(), 1);
}

#[tokio::test]
async fn connection_errors_are_transport_errors() {
    // Bind and drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .allow_insecure_http(true)
        .bearer_token("t".into())
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { failure: trustx::runtime::TransportFailure::ConnectionRefused, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    let shown = err.to_string();
    assert!(shown.contains("connection refused") && shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
    assert!(!shown.contains("/api/") && !format!("{err:?}").contains("/api/"), "no path: {err:?}");
}

#[tokio::test]
async fn documented_error_code_is_typed() {
    let server = server_with_token().await;
    Mock::given(method("GET"))
        .and(path(WL_PATH))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(serde_json::json!({"code": 20, "message": "Watchlist w1 not found", "traceId": "abc"})),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some(20));
    assert_eq!(
        ErrorCode::of(&err),
        Some(trustx::ErrorCode::WatchlistManager(trustx::error_codes::WatchlistManagerErrorCode::WatchlistNotFound))
    );
    assert_eq!(err.message(), Some("Watchlist w1 not found"));
    let http = err.http_error().unwrap();
    assert_eq!(http.operation_id(), "getWatchlist");
    let body: trustx::models::ErrorBody = http.body_json().unwrap();
    assert_eq!(body.additional_properties["traceId"], "abc");
    assert_eq!(err.error_code_info().map(|c| c.name), Some("WatchlistNotFound"));
    let shown = err.to_string();
    assert!(shown.contains("404"), "{shown}");
    assert!(shown.contains("WatchlistNotFound (20)"), "{shown}");
    let documented = err.error_code_info().map(|c| c.description).unwrap_or_default();
    assert!(!documented.is_empty() && shown.contains(documented), "the documented description: {shown}");
    assert!(!shown.contains("Watchlist w1 not found"), "the server's message only when asked: {shown}");
    assert!(!shown.contains("traceId"), "no full body in Display: {shown}");
    // Asked for: the message joins the Display, escaped; the body still does not.
    let showing = builder(&server).show_server_messages(true).build().unwrap();
    let shown = get_watchlist(&showing, "w1").await.unwrap_err().to_string();
    assert!(shown.contains("Watchlist w1 not found") && !shown.contains("traceId"), "{shown}");
}

#[tokio::test]
async fn string_codes_unknown_codes_and_non_json_bodies() {
    let server = server_with_token().await;
    Mock::given(method("GET"))
        .and(path("/api/watchlist-manager/watchlists/str"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({"code": "20"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/watchlist-manager/watchlists/unknown"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({"code": 999, "message": "new"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/watchlist-manager/watchlists/html"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(CSV_PATH))
        .respond_with(ResponseTemplate::new(409).set_body_json(serde_json::json!({"code": 7, "message": "m"})))
        .mount(&server)
        .await;
    let client = builder(&server).retry_policy(RetryPolicy::none()).build().unwrap();

    let err = get_watchlist(&client, "str").await.unwrap_err();
    assert_eq!(err.code(), Some(20));
    assert_eq!(ErrorCode::of(&err).map(|c| c.name()), Some("WatchlistNotFound"));

    // An unknown code is kept, as a number and as `Unknown`.
    let err = get_watchlist(&client, "unknown").await.unwrap_err();
    assert_eq!(err.code(), Some(999));
    assert_eq!(ErrorCode::of(&err), Some(ErrorCode::WatchlistManager(WatchlistManagerErrorCode::Unknown(999))));
    assert_eq!(err.message(), Some("new"));
    assert!(!err.to_string().contains("new"), "{err}");
    assert!(err.to_string().contains("999"), "{err}");

    // A non-JSON body is kept byte for byte (but not shown in Display).
    let err = get_watchlist(&client, "html").await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    let http = err.http_error().unwrap();
    assert!(http.code.is_none() && http.message.is_none());
    assert_eq!(http.body, Bytes::from_static(b"<html>bad gateway</html>"));
    assert_eq!(err.code(), None);
    assert!(!err.to_string().contains("<html>"));

    // A service without documented codes: the number is kept, untyped.
    let err = client.process_manager().export_process_instances_to_csv().send().await.unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.code(), Some(7));
    assert_eq!(ErrorCode::of(&err), None);
    assert!(err.to_string().contains("code 7"), "{err}");
}

#[tokio::test]
async fn undecodable_success_body_is_kept() {
    let server = server_with_token().await;
    Mock::given(method("GET"))
        .and(path(WL_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("{not json"))
        .mount(&server)
        .await;
    let err = get_watchlist(&client(&server), "w1").await.unwrap_err();
    match err {
        Error::Decode(e) => {
            assert_eq!(e.status(), 200);
            assert_eq!(e.operation_id(), "getWatchlist");
            assert_eq!(e.body(), &Bytes::from_static(b"{not json"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn undocumented_status_is_unexpected() {
    let server = server_with_token().await;
    // The redirect operation documents only 3xx.
    Mock::given(method("POST"))
        .and(path(REDIRECT_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_string("no redirect"))
        .mount(&server)
        .await;
    let err = client(&server).process_manager().create_process_instance_and_redirect("pt-1").send().await.unwrap_err();
    match &err {
        Error::UnexpectedStatus(e) => {
            assert_eq!(e.status, 200);
            assert_eq!(e.body, Bytes::from_static(b"no redirect"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(200));
}

#[tokio::test]
async fn hostile_path_values_stay_in_their_segment() {
    let server = server_with_token().await;
    Mock::given(method("GET")).respond_with(ok_watchlist()).mount(&server).await;
    let client = client(&server);
    let cases = [
        ("a/../b", "/api/watchlist-manager/watchlists/a%2F..%2Fb"),
        ("x?y#z", "/api/watchlist-manager/watchlists/x%3Fy%23z"),
        ("50% off", "/api/watchlist-manager/watchlists/50%25%20off"),
        ("...", "/api/watchlist-manager/watchlists/..."),
        ("ünï", "/api/watchlist-manager/watchlists/%C3%BCn%C3%AF"),
    ];
    for (value, expected) in cases {
        get_watchlist(&client, value).await.unwrap();
        let all = server.received_requests().await.unwrap();
        let last = all.last().unwrap();
        assert_eq!(last.url.path(), expected, "value {value:?}");
        assert_eq!(last.url.query(), None, "value {value:?}");
        assert_eq!(last.url.fragment(), None, "value {value:?}");
    }
    // Two path parameters: each stays in its own segment.
    client.watchlist_manager().get_face_watchlist_member_image("a/b", "c?d").send().await.unwrap();
    let all = server.received_requests().await.unwrap();
    assert_eq!(
        all.last().unwrap().url.path(),
        "/api/watchlist-manager/facewatchlists/a%2Fb/watchlist-members/c%3Fd/image"
    );
    let before = all.len();
    for value in ["..", ".", ""] {
        let err = get_watchlist(&client, value).await.unwrap_err();
        assert!(matches!(err, Error::Encode { .. }), "{value:?}: {err:?}");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), before, "nothing sent");
}

#[tokio::test]
async fn query_parameters_and_extra_options() {
    let server = server_with_token().await;
    Mock::given(method("GET"))
        .and(path(CREATE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"content": [], "last": true})))
        .mount(&server)
        .await;
    let client = client(&server);
    client
        .watchlist_manager()
        .list_watchlists()
        .page(2)
        .sort(vec!["name,asc".to_owned(), "id,desc".to_owned()])
        .send()
        .await
        .unwrap();
    let r = requests_to(&server, CREATE_PATH).await.pop().unwrap();
    assert_eq!(r.url.query(), Some("page=2&sort=name%2Casc&sort=id%2Cdesc"));

    Mock::given(method("GET")).and(path(WL_PATH)).respond_with(ok_watchlist()).mount(&server).await;
    client
        .watchlist_manager()
        .get_watchlist("w1")
        .query_param("extra", "a b&c")
        .header("X-Correlation-Id", "corr-1")
        .header("Accept", "application/vnd.custom+json")
        .send()
        .await
        .unwrap();
    let r = requests_to(&server, WL_PATH).await.pop().unwrap();
    assert_eq!(r.url.query(), Some("extra=a%20b%26c"));
    assert_eq!(header_of(&r, "x-correlation-id"), Some("corr-1"));
    let accepts: Vec<_> = r.headers.get_all("accept").iter().collect();
    assert_eq!(accepts.len(), 1, "caller header replaces the generated one");
    assert_eq!(accepts[0], "application/vnd.custom+json");
}

fn binary_data() -> Vec<u8> {
    (0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
}

#[tokio::test]
async fn binary_download_is_byte_for_byte() {
    let server = server_with_token().await;
    let data = binary_data();
    let image_path = "/api/watchlist-manager/facewatchlists/wl-1/watchlist-members/m-1/image";
    Mock::given(method("GET"))
        .and(path(image_path))
        .respond_with(ResponseTemplate::new(200).set_body_raw(data.clone(), "image/jpeg"))
        .mount(&server)
        .await;
    let client = client(&server);
    let image = || client.watchlist_manager().get_face_watchlist_member_image("wl-1", "m-1").send();
    let stream = image().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.content_type(), Some("image/jpeg"));
    assert_eq!(stream.content_length(), Some(data.len() as u64));
    let got = stream.collect().await.unwrap();
    assert_eq!(got.as_ref(), data.as_slice());

    // Streaming chunk by chunk gives the same bytes.
    let mut stream = image().await.unwrap();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        buf.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(buf, data);
    let r = requests_to(&server, image_path).await.pop().unwrap();
    assert_eq!(header_of(&r, "accept"), Some("image/jpeg"));
}

#[tokio::test]
async fn csv_export_is_byte_for_byte() {
    let server = server_with_token().await;
    let mut csv = b"id,status,name\n".to_vec();
    for i in 0..5000 {
        csv.extend_from_slice(format!("pi-{i},ACTIVE,\"Zoë \"\"{i}\"\"\"\r\n").as_bytes());
    }
    csv.extend_from_slice(&[0xEF, 0xBB, 0xBF, 0x00, 0xFF]);
    Mock::given(method("POST"))
        .and(path(CSV_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_raw(csv.clone(), "text/csv"))
        .mount(&server)
        .await;
    let client = client(&server);
    let mut filter = serde_json::Map::new();
    filter.insert("status".into(), "ACTIVE".into());
    let got = client
        .process_manager()
        .export_process_instances_to_csv()
        .body(filter)
        .send()
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(got.len(), csv.len());
    assert_eq!(got.as_ref(), csv.as_slice());
    let r = requests_to(&server, CSV_PATH).await.pop().unwrap();
    assert_eq!(header_of(&r, "accept"), Some("text/csv"));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&r.body).unwrap(), serde_json::json!({"status": "ACTIVE"}));
}

#[tokio::test]
async fn redirect_yields_its_location_and_no_second_request() {
    let server = server_with_token().await;
    let target = format!("{}/elsewhere/start?x=1", server.uri());
    Mock::given(method("POST"))
        .and(path(REDIRECT_PATH))
        .and(query_param("pt", "pt-1"))
        .respond_with(ResponseTemplate::new(307).insert_header("Location", target.as_str()))
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::path_regex("^/elsewhere"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server);
    let resp = client.process_manager().create_process_instance_and_redirect("pt-1").send().await.unwrap();
    assert_eq!(resp.status, 307);
    assert_eq!(resp.location(), Some(target.as_str()));
    let calls = requests_to(&server, REDIRECT_PATH).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method.as_str(), "POST");
    assert_eq!(calls[0].url.query(), Some("pt=pt-1"));
    let all = server.received_requests().await.unwrap();
    assert!(all.iter().all(|r| !r.url.path().starts_with("/elsewhere")), "the redirect was followed");
    assert_eq!(all.len(), 2, "one token issue, one call, nothing else");
}

#[tokio::test]
async fn plain_http_needs_an_opt_in() {
    let err = Client::builder().base_url("http://127.0.0.1:9").build().unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

// --- Interceptors and request ids --------------------------------------------------------------

/// Records what it is shown, and adds a `traceparent` header to each attempt.
#[derive(Clone, Default)]
struct Recorder(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl trustx::runtime::Interceptor for Recorder {
    fn before_attempt(&self, request: &mut trustx::runtime::AttemptRequest<'_>) {
        let line = format!(
            "before {} #{} {} {} id={} auth={:?} headers={:?}",
            request.operation().operation_id,
            request.attempt(),
            request.method(),
            request.shown_url(),
            request.request_id(),
            request.credential_header().map(|h| h.as_str()),
            request.headers().keys().map(|k| k.as_str()).collect::<Vec<_>>(),
        );
        self.0.lock().unwrap().push(line);
        let trace = format!("00-{}-00f067aa0ba902b7-01", request.request_id());
        request.insert_header(
            reqwest::header::HeaderName::from_static("traceparent"),
            reqwest::header::HeaderValue::from_str(&trace).unwrap(),
        );
        // The credentials' header cannot be replaced.
        request
            .insert_header(reqwest::header::AUTHORIZATION, reqwest::header::HeaderValue::from_static("Bearer forged"));
    }

    fn after_attempt(&self, outcome: &trustx::runtime::AttemptOutcome<'_>) {
        let line = format!(
            "after {} #{} status={:?} error={:?} retrying={} id={}",
            outcome.operation().operation_id,
            outcome.attempt(),
            outcome.status(),
            outcome.error().map(|e| e.kind()),
            outcome.retrying(),
            outcome.request_id(),
        );
        self.0.lock().unwrap().push(line);
    }
}

/// An interceptor adds a header the server receives on every attempt, sees each attempt before
/// it is sent and each outcome (a 503 retried, then a 200), and never the credentials; every
/// attempt of a call carries the same `x-request-id`.
#[tokio::test]
async fn an_interceptor_adds_headers_and_observes_each_retry() {
    let server = server_with_token().await;
    Mock::given(method("GET"))
        .and(path(WL_PATH))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path(WL_PATH)).respond_with(ok_watchlist()).mount(&server).await;
    let recorder = Recorder::default();
    let client = builder(&server).interceptor(recorder.clone()).build().unwrap();
    client.watchlist_manager().get_watchlist("w1").send().await.expect("the retry succeeds");

    let calls = requests_to(&server, WL_PATH).await;
    assert_eq!(calls.len(), 2);
    let ids: Vec<&str> = calls.iter().map(|r| header_of(r, "x-request-id").unwrap_or_default()).collect();
    assert_eq!(ids[0].len(), 32, "{ids:?}");
    assert_eq!(ids[0], ids[1], "one id per call, on every attempt");
    for call in &calls {
        assert_eq!(header_of(call, "traceparent"), Some(format!("00-{}-00f067aa0ba902b7-01", ids[0]).as_str()));
        assert_eq!(header_of(call, "authorization"), Some("Bearer tok"), "the interceptor cannot replace it");
    }
    let lines = recorder.0.lock().unwrap().clone();
    let mine: Vec<&String> = lines.iter().filter(|l| l.contains("getWatchlist")).collect();
    assert_eq!(mine.len(), 4, "{lines:#?}");
    assert!(
        mine[0].starts_with("before getWatchlist #1 GET http://") && mine[0].contains("auth=Some(\"authorization\")")
    );
    assert!(!mine[0].contains("\"authorization\",") && !mine[0].contains("tok"), "{}", mine[0]);
    assert!(mine[1].starts_with("after getWatchlist #1 status=Some(503) error=None retrying=true"), "{}", mine[1]);
    assert!(mine[2].starts_with("before getWatchlist #2"), "{}", mine[2]);
    assert!(mine[3].starts_with("after getWatchlist #2 status=Some(200) error=None retrying=false"), "{}", mine[3]);
    assert!(mine.iter().all(|l| l.contains(&format!("id={}", ids[0]))), "{mine:#?}");
    // The token exchange is a request too, seen by the same hooks.
    assert!(lines.iter().any(|l| l.starts_with("after issueToken #1 status=Some(200)")), "{lines:#?}");
}

/// A transport failure reaches `after_attempt` with its error and whether it is retried.
#[tokio::test]
async fn an_interceptor_sees_transport_failures() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let recorder = Recorder::default();
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .allow_insecure_http(true)
        .bearer_token(trustx::BearerToken::new("tok"))
        .retry_policy(fast_retry().max_attempts(2))
        .interceptor(recorder.clone())
        .build()
        .unwrap();
    let err = client.watchlist_manager().get_watchlist("w1").send().await.unwrap_err();
    assert_eq!(err.kind(), "connection_refused");
    let lines = recorder.0.lock().unwrap().clone();
    let after: Vec<&String> = lines.iter().filter(|l| l.starts_with("after")).collect();
    assert_eq!(after.len(), 2, "{lines:#?}");
    assert!(after[0].contains("status=None error=Some(\"connection_refused\") retrying=true"), "{}", after[0]);
    assert!(after[1].contains("retrying=false"), "{}", after[1]);
}

/// An HTTP error carries the server's request id when it sends one (escaped in `Display`), else
/// the one the client sent.
#[tokio::test]
async fn http_errors_carry_the_request_id() {
    let server = server_with_token().await;
    Mock::given(method("GET"))
        .and(path(WL_PATH))
        .respond_with(ResponseTemplate::new(404).insert_header("x-request-id", "srv-42\tX"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/watchlist-manager/watchlists/w2"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let client = client(&server);
    let err = client.watchlist_manager().get_watchlist("w1").send().await.unwrap_err();
    assert_eq!(err.http_error().and_then(|e| e.request_id()), Some("srv-42\tX"));
    let shown = err.to_string();
    assert!(shown.contains("[request id srv-42") && !shown.contains('\t'), "a control character is escaped: {shown}");

    let err = client.watchlist_manager().get_watchlist("w2").send().await.unwrap_err();
    let sent = requests_to(&server, "/api/watchlist-manager/watchlists/w2").await;
    let sent_id = header_of(&sent[0], "x-request-id").expect("an id was sent").to_owned();
    assert_eq!(err.http_error().and_then(|e| e.request_id()), Some(sent_id.as_str()));
    assert!(err.to_string().contains(&format!("[request id {sent_id}]")), "{err}");
}
