//! End-to-end: pagination, long-running queries, unknown fields and enum values, secrets kept
//! out of Debug and tracing output — through the generated `trustx` operations against a
//! wiremock server on loopback.
#![allow(deprecated)]

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt as _;
use trustx::models::{ProcessTokenStatus, ProcessTokenType, QueryExecutionState};
use trustx::runtime::{collect_continuation, run_query, PollOptions, QueryState, QueryStatus};
use trustx::{ApiKey, Client, Error};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const LIST_PATH: &str = "/api/watchlist-manager/watchlists";

/// Mounts three pages of a Spring Data page envelope on `p`, with items built by `item`.
async fn mount_pages(server: &MockServer, p: &str, with_last: bool, item: fn(&str) -> serde_json::Value) {
    let pages = [(0, vec!["a", "b"], false), (1, vec!["c", "d"], false), (2, vec!["e"], true)];
    for (n, ids, last) in pages {
        let content: Vec<_> = ids.iter().map(|id| item(id)).collect();
        let mut body = serde_json::json!({
            "content": content, "number": n, "size": 2, "totalPages": 3, "totalElements": 5,
            "first": n == 0, "numberOfElements": ids.len(), "empty": false,
        });
        if with_last {
            body["last"] = serde_json::json!(last);
        }
        Mock::given(method("GET"))
            .and(path(p))
            .and(query_param("page", n.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(server)
            .await;
    }
}

fn with_id(id: &str) -> serde_json::Value {
    serde_json::json!({"id": id})
}

fn queries(reqs: &[wiremock::Request]) -> Vec<String> {
    reqs.iter().map(|r| r.url.query().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn list_spanning_three_pages_streams_every_item_once_in_order() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600).await;
    mount_pages(&server, LIST_PATH, true, with_id).await;
    let client = client(&server);
    let mut stream = client.watchlist_manager().list_watchlists().size(2).into_stream();
    let mut ids = Vec::new();
    while let Some(item) = stream.next().await {
        ids.push(item.unwrap().id.unwrap());
    }
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    let reqs = requests_to(&server, LIST_PATH).await;
    assert_eq!(queries(&reqs), ["page=0&size=2", "page=1&size=2", "page=2&size=2"]);
    assert!(reqs.iter().all(|r| header_of(r, "authorization") == Some("Bearer tok")));
}

#[tokio::test]
async fn api_keys_and_process_instances_stream_across_pages() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600).await;
    mount_pages(
        &server,
        "/api/arthr/apiKeys",
        true,
        |id| serde_json::json!({"id": id, "name": format!("key {id}"), "status": "ACTIVE"}),
    )
    .await;
    mount_pages(&server, "/api/process-manager/processInstances", false, with_id).await;
    let client = client(&server);

    let keys: Vec<_> = client.arthr().list_tenant_api_keys().size(2).into_stream().collect().await;
    let names: Vec<_> = keys.into_iter().map(|k| k.unwrap().name.unwrap()).collect();
    assert_eq!(names, ["key a", "key b", "key c", "key d", "key e"]);

    // Without `last`, `totalPages` ends the stream.
    let instances =
        client.process_manager().list_process_instances().size(2).into_stream().collect_all().await.unwrap();
    let ids: Vec<_> = instances.iter().map(|p| p.id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    let reqs = requests_to(&server, "/api/process-manager/processInstances").await;
    assert_eq!(queries(&reqs), ["page=0&size=2", "page=1&size=2", "page=2&size=2"]);
}

#[tokio::test]
async fn capped_stream_stops_after_max_items() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600).await;
    for page in 0..3 {
        Mock::given(method("GET"))
            .and(path(LIST_PATH))
            .and(query_param("page", page.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"content": [{"id": "x"}, {"id": "y"}], "last": false, "number": page}),
            ))
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let some = client.watchlist_manager().list_watchlists().size(2).into_stream_capped(3).collect_all().await.unwrap();
    assert_eq!(some.len(), 3, "stops after max_items");
    assert_eq!(requests_to(&server, LIST_PATH).await.len(), 2, "no page beyond the cap");
}

#[tokio::test]
async fn pagination_ends_after_an_error() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600).await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .and(query_param("page", "0"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"content": [{"id": "a"}], "last": false, "number": 0})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let client = builder(&server).retry_policy(trustx::RetryPolicy::none()).build().unwrap();
    let items: Vec<_> = client.watchlist_manager().list_watchlists().size(1).into_stream().collect().await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap().id.as_deref(), Some("a"));
    assert_eq!(items[1].as_ref().unwrap_err().status(), Some(500));
}

fn poll_fast() -> PollOptions {
    PollOptions {
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        deadline: Some(Duration::from_secs(5)),
    }
}

const AUDIT: &str = "/api/metrics-server/auditMessages/queries";

async fn mount_audit_query(server: &MockServer, final_state: serde_json::Value) {
    mount_token(server, "tok", 3600).await;
    Mock::given(method("POST"))
        .and(path(format!("{AUDIT}/start")))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"executionId": "q1"})))
        .expect(1)
        .mount(server)
        .await;
    let status = format!("{AUDIT}/q1/status");
    for (state, priority) in [("QUEUED", 1), ("RUNNING", 2)] {
        Mock::given(method("GET"))
            .and(path(status.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"status": state})))
            .up_to_n_times(1)
            .with_priority(priority)
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(status.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(final_state))
        .with_priority(3)
        .mount(server)
        .await;
    let results = format!("{AUDIT}/q1/result");
    Mock::given(method("GET"))
        .and(path(results.as_str()))
        .and(query_param("nextToken", "t2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"items": [3]})))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(results.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"items": [1, 2], "nextToken": "t2"})))
        .with_priority(2)
        .mount(server)
        .await;
}

async fn start_audit(client: &Client) -> Result<String, Error> {
    let mut body = serde_json::Map::new();
    body.insert("query".into(), "SELECT 1".into());
    let started = client.metrics_server().start_audit_query(body).send().await?;
    Ok(started["executionId"].as_str().unwrap_or_default().to_owned())
}

async fn audit_status(client: &Client, id: String) -> Result<QueryStatus, Error> {
    let status = client.metrics_server().get_audit_query_status(id).send().await?;
    Ok(QueryStatus::from_json(&serde_json::Value::Object(status)))
}

async fn audit_results(client: &Client, id: String) -> Result<Vec<serde_json::Value>, Error> {
    collect_continuation(|token: Option<String>| {
        let mut request = client.metrics_server().get_audit_query_result(id.clone());
        if let Some(token) = token {
            request = request.query_param("nextToken", token);
        }
        async move {
            let page = request.send().await?;
            let items = page.get("items").and_then(|v| v.as_array()).cloned().unwrap_or_default();
            let next = page.get("nextToken").and_then(|v| v.as_str()).map(str::to_owned);
            Ok((items, next))
        }
    })
    .await
}

#[tokio::test]
async fn long_running_query_is_polled_to_succeeded_and_results_collected() {
    let server = MockServer::start().await;
    mount_audit_query(&server, serde_json::json!({"status": "SUCCEEDED"})).await;
    let client = client(&server);
    let rows = run_query(
        || start_audit(&client),
        |id| audit_status(&client, id),
        |id| audit_results(&client, id),
        poll_fast(),
    )
    .await
    .unwrap();
    assert_eq!(rows, vec![serde_json::json!(1), serde_json::json!(2), serde_json::json!(3)]);
    let start = requests_to(&server, &format!("{AUDIT}/start")).await;
    assert_eq!(start.len(), 1);
    assert_eq!(start[0].method.as_str(), "POST");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&start[0].body).unwrap(),
        serde_json::json!({"query": "SELECT 1"})
    );
    assert_eq!(requests_to(&server, &format!("{AUDIT}/q1/status")).await.len(), 3);
    let results = requests_to(&server, &format!("{AUDIT}/q1/result")).await;
    assert_eq!(queries(&results), ["", "nextToken=t2"]);
}

#[tokio::test]
async fn failed_long_running_query_is_an_error() {
    let server = MockServer::start().await;
    mount_audit_query(&server, serde_json::json!({"state": "FAILED", "message": "syntax error"})).await;
    let client = client(&server);
    let err = run_query(
        || start_audit(&client),
        |id| audit_status(&client, id),
        |id| audit_results(&client, id),
        poll_fast(),
    )
    .await
    .unwrap_err();
    match &err {
        Error::QueryFailed { state, message } => {
            assert_eq!(*state, QueryState::Failed);
            assert_eq!(message.as_deref(), Some("syntax error"));
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains("syntax error"), "the server's reason is not shown: {err}");
    assert!(!format!("{err:?}").contains("syntax error"), "{err:?}");
    assert!(requests_to(&server, &format!("{AUDIT}/q1/result")).await.is_empty());
}

#[tokio::test]
async fn long_running_query_past_its_deadline() {
    let server = MockServer::start().await;
    mount_audit_query(&server, serde_json::json!({"status": "RUNNING"})).await;
    let client = client(&server);
    let options = PollOptions { deadline: Some(Duration::from_millis(150)), ..poll_fast() };
    let err = run_query(
        || start_audit(&client),
        |id| audit_status(&client, id),
        |_id| async { Ok(Vec::<serde_json::Value>::new()) },
        options,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Deadline { .. }), "{err:?}");
    assert!(err.is_timeout());
}

/// The identity-store event query: typed status (`QueryExecutionState`) converted for `run_query`.
async fn run_event_query(
    client: &Client,
) -> Result<trustx::runtime::Sensitive<serde_json::Map<String, serde_json::Value>>, Error> {
    let store = client.identity_store();
    run_query(
        || store.start_store_event_query(serde_json::Map::new()).send(),
        |id: String| {
            let request = store.get_store_events_query_status(id);
            async move {
                let state: QueryExecutionState = request.send().await?;
                Ok(QueryStatus::from(QueryState::parse(state.as_str())))
            }
        },
        |id| store.get_store_events_query_results(id).send(),
        poll_fast(),
    )
    .await
}

async fn mount_event_query(server: &MockServer, final_state: &str) {
    mount_token(server, "tok", 3600).await;
    Mock::given(method("POST"))
        .and(path("/api/identity-store/events/queries/start"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!("ex-1")))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/identity-store/events/queries/ex-1/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!("RUNNING")))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/identity-store/events/queries/ex-1/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!(final_state)))
        .with_priority(2)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/identity-store/events/queries/ex-1/result"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"events": [{"type": "USER_CREATED"}]})),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn identity_store_event_query_succeeds_or_fails() {
    let server = MockServer::start().await;
    mount_event_query(&server, "SUCCEEDED").await;
    let results = run_event_query(&client(&server)).await.unwrap();
    assert_eq!(results["events"][0]["type"], "USER_CREATED");
    assert_eq!(requests_to(&server, "/api/identity-store/events/queries/ex-1/status").await.len(), 2);

    let server = MockServer::start().await;
    mount_event_query(&server, "FAILED").await;
    let err = run_event_query(&client(&server)).await.unwrap_err();
    assert!(matches!(err, Error::QueryFailed { state: QueryState::Failed, .. }), "{err:?}");
    assert!(requests_to(&server, "/api/identity-store/events/queries/ex-1/result").await.is_empty());
}

#[tokio::test]
async fn unknown_fields_and_enum_values_survive_a_round_trip() {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600).await;
    let wire = serde_json::json!({
        "id": "pt-1",
        "name": "onboarding",
        "createdDtm": "2024-01-02T03:04:05Z",
        "status": "SUSPENDED",
        "type": "SINGLE_USE_FOREVER",
        "counter": 3,
        "parameters": {"locale": "de", "nested": {"x": [1, 2]}},
        "startProcessAddress": "https://example.test/start?pt=abc",
        "brandNewField": {"deep": [true, null, 1.5]},
        "anotherOne": "kept"
    });
    Mock::given(method("GET"))
        .and(path("/api/process-manager/processTokens/pt-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(wire.clone()))
        .mount(&server)
        .await;
    let client = client(&server);
    let token = client.process_manager().get_process_token("pt-1").send().await.unwrap();
    assert_eq!(token.status, Some(ProcessTokenStatus::Unknown("SUSPENDED".into())));
    assert!(token.status.as_ref().unwrap().is_unknown());
    assert_eq!(token.type_, Some(ProcessTokenType::Unknown("SINGLE_USE_FOREVER".into())));
    assert_eq!(token.additional_properties["anotherOne"], "kept");
    assert_eq!(token.additional_properties.len(), 2);
    let back = serde_json::to_value(&token).unwrap();
    assert_eq!(back, wire);

    // Known values still decode to their variants.
    let known: trustx::models::ProcessToken =
        serde_json::from_value(serde_json::json!({"status": "ACTIVE", "type": "UNLIMITED"})).unwrap();
    assert_eq!(known.status, Some(ProcessTokenStatus::Active));
    assert_eq!(known.type_, Some(ProcessTokenType::Unlimited));
}

#[tokio::test(flavor = "current_thread")]
async fn secrets_stay_out_of_debug_and_tracing_output() {
    const TOKEN: &str = "eyJ-SECRET-TOKEN-VALUE";
    let buffer = capture_traces();

    let server = MockServer::start().await;
    mount_token(&server, TOKEN, 3600).await;
    Mock::given(method("GET"))
        .and(path("/api/watchlist-manager/watchlists/w1"))
        .respond_with(ResponseTemplate::new(503).set_body_string("BODY-SHOULD-NOT-BE-LOGGED"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(LIST_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"content": [], "last": true})))
        .mount(&server)
        .await;
    let client = client(&server);
    let err = get_watchlist(&client, "w1").await.unwrap_err();
    client.watchlist_manager().list_watchlists().sort(vec!["QUERY-VALUE-SECRET".to_owned()]).send().await.unwrap();
    let issued = client.arthr().issue_token().send().await.unwrap();
    assert_eq!(issued.token, TOKEN, "the token did go over the wire");
    // The token really was sent as a bearer: the secret is in the traffic, not in the logs.
    let calls = requests_to(&server, "/api/watchlist-manager/watchlists/w1").await;
    assert_eq!(header_of(&calls[0], "authorization"), Some(format!("Bearer {TOKEN}").as_str()));

    let debug = format!(
        "{client:?} {err:?} {err} {:?} {:?} {:?} {:?} {:?}",
        ApiKey::new(API_KEY),
        trustx::BearerToken::new(TOKEN),
        common::builder(&server),
        client.watchlist_manager(),
        client.watchlist_manager().get_watchlist("w1"),
    );
    let logs = buffer.text();
    assert!(!logs.is_empty(), "tracing output was captured");
    for secret in [API_KEY, TOKEN] {
        assert!(!debug.contains(secret), "secret in Debug output: {debug}");
        assert!(!logs.contains(secret), "secret in tracing output: {logs}");
    }
    assert!(!logs.contains("BODY-SHOULD-NOT-BE-LOGGED"), "{logs}");
    assert!(!logs.contains("QUERY-VALUE-SECRET"), "{logs}");
    assert!(logs.contains("sdk.request"), "{logs}");
    assert!(logs.contains("api=\"trustx\"") || logs.contains("api=trustx"), "{logs}");
    assert!(logs.contains("operation_id=\"getWatchlist\"") || logs.contains("operation_id=getWatchlist"), "{logs}");
    assert!(logs.contains("retrying"), "{logs}");
}
