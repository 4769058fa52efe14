//! Personal data and secrets never reach a log, proven with canaries: a loopback server answers
//! with a unique marker in every personal field, in error bodies, messages and headers; requests
//! carry markers in personal parameters, bodies and a caller's header. Everything the SDK formats
//! — `{:?}`, `{:#?}` and `{}` of every result, builder, prepared request, error and source chain —
//! and everything a TRACE-level `tracing` subscriber receives is searched for every marker.
//! The results' own values, read through their accessors, must still hold them (that is the point
//! of a call, and it shows the test is not vacuous).
#![allow(deprecated)] // the watchlist-entry and ext-user-id biometric operations are deprecated in the spec

mod common;

use std::fmt::Debug;

use common::*;
use trustx::models::{ProcessTokenCreateRequest, ProcessTokenStatus};
use trustx::Error;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every marker the server or the caller puts in a personal place.
const CANARIES: &[&str] = &[
    "CANARY-FIRST-NAME",
    "CANARY-LAST-NAME",
    "CANARY-EMAIL@example.com",
    "CANARY-PHONE-447700900731",
    "CANARY-UNKNOWN-DOB",
    "CANARY-TOKEN-PARAM-ID",
    "CANARY-DOC-NUMBER",
    "CANARY-USER-STATUS-NOTE",
    "CANARY-BIOMETRIC-TEMPLATE",
    "CANARY-WATCHLIST-VALUE",
    "CANARY-ERROR-MESSAGE",
    "CANARY-ERROR-BODY",
    "CANARY-ECHO-HEADER",
    "CANARY-DECODE-VALUE",
    "CANARY-ITEM-VALUE",
    "CANARY-EXT-USER-ID",
    "CANARY-REQUEST-BODY",
    "CANARY-CALLER-HEADER",
    "CANARY-QUERY-FAILED",
    "CANARY-SEARCH-STRING",
];

fn instance_json(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "status": "COMPLETED_ENDED_SUCCESS", "processDefnName": "Onboarding",
        "firstName": "CANARY-FIRST-NAME", "lastName": "CANARY-LAST-NAME",
        "email": "CANARY-EMAIL@example.com", "phoneNumber": "CANARY-PHONE-447700900731",
        "dateOfBirth": "CANARY-UNKNOWN-DOB",
    })
}

async fn serve_json(server: &MockServer, verb: &str, p: &str, status: u16, body: serde_json::Value) {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

/// What the SDK formatted, gathered for the search.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    fn debug(&mut self, value: &dyn Debug) {
        self.0.push(format!("{value:?}"));
        self.0.push(format!("{value:#?}"));
    }

    fn error(&mut self, err: &Error) {
        self.debug(err);
        self.0.push(err.to_string());
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            self.0.push(s.to_string());
            self.0.push(format!("{s:?}"));
            source = s.source();
        }
    }

    fn display(&mut self, value: &dyn std::fmt::Display) {
        self.0.push(value.to_string());
    }
}

#[tokio::test]
async fn no_canary_reaches_debug_display_or_traces() {
    let logs = capture_traces();
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600).await;
    let store = "/api/identity-store/stores/main";

    // Successful responses, a canary in every personal field.
    serve_json(
        &server,
        "GET",
        &format!("{store}/users"),
        200,
        serde_json::json!({"content": [{"status": "ACTIVE", "note": "CANARY-USER-STATUS-NOTE",
            "email": "CANARY-EMAIL@example.com"}], "last": true, "number": 0}),
    )
    .await;
    serve_json(
        &server,
        "GET",
        "/api/process-manager/processInstances",
        200,
        serde_json::json!({"content": [instance_json("p1"), instance_json("p2")], "last": true, "number": 0}),
    )
    .await;
    serve_json(&server, "GET", "/api/process-manager/processInstances/p1", 200, instance_json("p1")).await;
    let mut with_parameters = instance_json("p1");
    with_parameters["processTokenParameters"] = serde_json::json!({"ID": "CANARY-TOKEN-PARAM-ID"});
    serve_json(&server, "GET", "/api/process-manager/processInstances/p1/withParameters", 200, with_parameters).await;
    serve_json(
        &server,
        "GET",
        "/api/userdata-server/processDefinitions/d1/processInstances/p1/userdata",
        200,
        serde_json::json!({"documents": {"doc1": {"biographicData": [{"fieldName": "Document Number",
            "values": {"visualZoneValue": "CANARY-DOC-NUMBER"}}]}}, "selfie": "CANARY-UNKNOWN-DOB"}),
    )
    .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/identity-store/stores/main/users/.+/biometrics/ext$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
            {"type": "Face", "subtype": "Template", "data": "CANARY-BIOMETRIC-TEMPLATE", "status": "ACTIVE"}
        ])))
        .mount(&server)
        .await;
    serve_json(
        &server,
        "GET",
        "/api/watchlist-manager/watchlists/w1/entries",
        200,
        serde_json::json!({"content": [{"value": "CANARY-WATCHLIST-VALUE"}], "last": true}),
    )
    .await;
    serve_json(
        &server,
        "POST",
        "/api/watchlist-manager/watchlists/w1/entries",
        200,
        serde_json::json!({"value": "CANARY-WATCHLIST-VALUE"}),
    )
    .await;
    serve_json(
        &server,
        "POST",
        "/api/process-manager/processTokens",
        200,
        serde_json::json!({"id": "t1",
        "parameters": {"ID": "CANARY-TOKEN-PARAM-ID"}}),
    )
    .await;
    serve_json(
        &server,
        "GET",
        "/api/process-manager/processInstances/search",
        200,
        serde_json::json!({"content": [instance_json("p3")], "last": true}),
    )
    .await;
    // Failures: an HTTP error whose message, body and a header carry canaries; a body that does
    // not decode; a page with an item that does not decode.
    Mock::given(method("GET"))
        .and(path("/api/process-manager/processInstances/bad"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("X-Echo", "Bearer CANARY-ECHO-HEADER")
                .set_body_json(serde_json::json!({"code": 3, "message": "Applicant CANARY-ERROR-MESSAGE is invalid",
                    "detail": "CANARY-ERROR-BODY"})),
        )
        .mount(&server)
        .await;
    serve_json(&server, "GET", "/api/process-manager/processInstances/undecodable", 200,
        serde_json::json!({"id": "u", "elapsedMilliseconds": "CANARY-DECODE-VALUE", "email": "CANARY-EMAIL@example.com"}))
    .await;
    serve_json(
        &server,
        "GET",
        "/api/watchlist-manager/watchlists/w2/entries",
        200,
        serde_json::json!({"content": [{"value": "ok"}, "CANARY-ITEM-VALUE"], "last": true}),
    )
    .await;

    let client = client(&server);
    let pm = client.process_manager();
    let ids = client.identity_store();
    let wl = client.watchlist_manager();
    let mut seen = Seen::default();
    let mut read_back = Vec::<String>::new();

    // Builders and their prepared requests, with personal parameters, a body and a caller header.
    let biometrics = ids.list_user_biometrics_by_ext_user_id("main", "CANARY-EXT-USER-ID");
    let entry_body = serde_json::Map::from_iter([("value".to_owned(), "CANARY-REQUEST-BODY".into())]);
    let create_entry =
        wl.create_watchlist_entry("w1", entry_body).header("X-Custom-Auth", "Bearer CANARY-CALLER-HEADER");
    let token_request = ProcessTokenCreateRequest::new("CANARY-EXT-USER-ID", "Onboarding", ProcessTokenStatus::Active)
        .with_parameters(serde_json::Map::from_iter([("ID".to_owned(), "CANARY-TOKEN-PARAM-ID".into())]));
    let create_token = pm.create_process_token(token_request).header("X-Custom-Auth", "Bearer CANARY-CALLER-HEADER");
    let search = pm.search_process_instances().search_string("CANARY-SEARCH-STRING").size(10);
    seen.debug(&search);
    seen.debug(&biometrics);
    seen.debug(&create_entry);
    seen.debug(&create_token);
    for prepared in [
        biometrics.clone().prepare(),
        create_entry.clone().prepare(),
        create_token.clone().prepare(),
        search.clone().prepare(),
    ] {
        let prepared = prepared.expect("prepares");
        seen.debug(&prepared);
        seen.display(&prepared);
        read_back.push(prepared.url.clone());
        read_back.push(String::from_utf8_lossy(&prepared.body).into_owned());
    }

    // Successful calls on operations that carry personal data.
    let searched = search.send().await.expect("searchProcessInstances");
    seen.debug(&searched);
    let sent = server.received_requests().await.unwrap_or_default();
    let query = sent.iter().find(|r| r.url.path().ends_with("/search")).and_then(|r| r.url.query().map(str::to_owned));
    read_back.push(query.unwrap_or_default());
    let users = ids.list_users("main").send().await.expect("listUsers");
    seen.debug(&users);
    read_back.push(serde_json::to_string(&users).unwrap());
    let page = pm.list_process_instances().send().await.expect("listProcessInstances");
    seen.debug(&page);
    read_back.push(page.content[0].email.clone().unwrap_or_default());
    read_back.push(page.content[0].additional_properties["dateOfBirth"].to_string());
    for item in pm.list_process_instances().into_stream().collect_all().await.expect("stream") {
        seen.debug(&item);
    }
    let instance = pm.get_process_instance("p1").send_with_meta().await.expect("getProcessInstance");
    seen.debug(&instance);
    read_back.push(instance.first_name.clone().unwrap_or_default());
    read_back.push(instance.phone_number.clone().unwrap_or_default());
    let with_parameters = pm.get_process_instance_with_parameters("p1").send().await.expect("withParameters");
    seen.debug(&with_parameters);
    read_back.push(serde_json::to_string(&with_parameters).unwrap());
    let user_data = client.userdata_server().get_process_instance_user_data("d1", "p1").send().await.expect("userdata");
    seen.debug(&user_data);
    read_back.push(serde_json::to_string(&user_data).unwrap());
    let found = biometrics.send().await.expect("biometrics");
    seen.debug(&found);
    read_back.push(serde_json::to_string(&found).unwrap());
    let entries = wl.list_watchlist_entries("w1").send().await.expect("entries");
    seen.debug(&entries);
    read_back.push(serde_json::to_string(&entries).unwrap());
    let created = create_entry.send().await.expect("createWatchlistEntry");
    seen.debug(&created);
    read_back.push(serde_json::to_string(&created).unwrap());
    let token = create_token.send().await.expect("createProcessToken");
    seen.debug(&token);
    read_back.push(serde_json::to_string(&token).unwrap());

    // Failures.
    let http = pm.get_process_instance("bad").send().await.unwrap_err();
    seen.error(&http);
    let http_error = http.http_error().expect("an HTTP error");
    seen.debug(http_error);
    seen.display(http_error);
    read_back.push(http.message().unwrap_or_default().to_owned());
    read_back.push(http_error.body_text());
    let decode = pm.get_process_instance("undecodable").send().await.unwrap_err();
    seen.error(&decode);
    read_back.push(String::from_utf8_lossy(decode.decode_error().expect("decode").body()).into_owned());
    let mut stream = wl.list_watchlist_entries("w2").into_stream();
    while let Some(item) = stream.next().await {
        match item {
            Ok(entry) => seen.debug(&entry),
            Err(e) => {
                seen.error(&e);
                read_back.push(String::from_utf8_lossy(e.decode_error().expect("decode").body()).into_owned());
            }
        }
    }
    let failed = Error::QueryFailed {
        state: trustx::runtime::QueryState::Failed,
        message: Some("no such user CANARY-QUERY-FAILED".into()),
    };
    seen.error(&failed);
    read_back.push(failed.message().unwrap_or_default().to_owned());

    // Nothing formatted, nothing traced, holds a canary.
    let traced = logs.text();
    assert!(traced.contains("listProcessInstances"), "the subscriber saw the calls:\n{traced}");
    for canary in CANARIES {
        for text in &seen.0 {
            assert!(!text.contains(canary), "{canary} in:\n{text}");
        }
        assert!(!traced.contains(canary), "{canary} in the traces:\n{traced}");
    }
    // And the values are there for the caller who reads them.
    let read_back = read_back.join("\n");
    for canary in CANARIES.iter().filter(|c| !["CANARY-ECHO-HEADER", "CANARY-CALLER-HEADER"].contains(c)) {
        assert!(read_back.contains(canary), "{canary} cannot be read back:\n{read_back}");
    }
    assert!(seen.0.len() > 40, "{} texts searched", seen.0.len());
}
