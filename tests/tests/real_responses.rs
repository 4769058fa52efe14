//! End-to-end: what real servers send, served over HTTP on loopback — Spring Data page envelopes,
//! Java date-time forms, numbers sent as strings, unknown values and fields, charset parameters,
//! a byte-order mark, empty and `null` bodies, a malformed item in a streamed page — and decode
//! errors that name the operation and the JSON path but never the value.

mod common;

use common::*;
use trustx::models::{PagePageable, PageSort, ProcessInstanceStatus};
use trustx::Error;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const INSTANCES: &str = "/api/process-manager/processInstances";
const USERS: &str = "/api/identity-store/stores/main/users";

/// Serves `body` as raw bytes with `content_type` on GET `p` (any query).
async fn serve(server: &MockServer, p: &str, content_type: &str, body: impl Into<Vec<u8>>) {
    Mock::given(method("GET"))
        .and(path(p))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.into(), content_type))
        .mount(server)
        .await;
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600).await;
    server
}

/// A page as Spring Data writes it, around `content` (raw JSON text).
fn spring_page(content: &str, number: u32, last: bool) -> String {
    format!(
        r#"{{"content": {content},
            "pageable": {{"sort": {{"empty": false, "sorted": true, "unsorted": false}}, "offset": 0,
                          "pageNumber": {number}, "pageSize": 20, "paged": true, "unpaged": false}},
            "last": {last}, "totalPages": 2, "totalElements": 3, "size": 20, "number": {number},
            "sort": {{"empty": false, "sorted": true, "unsorted": false}},
            "first": {first}, "numberOfElements": 2, "empty": false}}"#,
        first = number == 0
    )
}

#[tokio::test]
async fn spring_page_envelopes_decode_with_send_and_stream() {
    let server = server().await;
    let page0 = spring_page(r#"[{"id": "p1", "status": "COMPLETED_ENDED_SUCCESS"}, {"id": "p2"}]"#, 0, false);
    let page1 = spring_page(r#"[{"id": "p3"}]"#, 1, true);
    for (n, body) in [(0, page0), (1, page1)] {
        Mock::given(method("GET"))
            .and(path(INSTANCES))
            .and(query_param("page", n.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json;charset=UTF-8"))
            .mount(&server)
            .await;
    }
    let client = client(&server);

    let page = client.process_manager().list_process_instances().page(0).send().await.expect("a Spring page decodes");
    assert_eq!(page.content.len(), 2);
    assert_eq!(page.content[0].status, Some(ProcessInstanceStatus::CompletedEndedSuccess));
    match &page.sort {
        Some(PageSort::SortState(state)) => assert_eq!((state.sorted, state.unsorted), (Some(true), Some(false))),
        other => panic!("sort: {other:?}"),
    }
    match &page.pageable {
        Some(PagePageable::Pageable(p)) => {
            assert_eq!((p.page_number, p.page_size, p.offset), (Some(0), Some(20), Some(0)));
            assert!(matches!(p.sort, Some(PageSort::SortState(_))));
        }
        other => panic!("pageable: {other:?}"),
    }

    let ids: Vec<String> = client
        .process_manager()
        .list_process_instances()
        .into_stream()
        .collect_all()
        .await
        .expect("every page streams")
        .into_iter()
        .map(|i| i.id.unwrap_or_default())
        .collect();
    assert_eq!(ids, ["p1", "p2", "p3"]);
}

#[tokio::test]
async fn the_identity_store_docs_example_and_unpaged_results_decode() {
    let server = server().await;
    // The vendor docs' own example response for this operation, byte for byte in its fields.
    serve(
        &server,
        USERS,
        "application/json",
        r#"{"first": true, "sort": { }, "last": true, "number": 0, "numberOfElements": 0, "pageable": { },
            "size": 0, "content": [ ], "empty": true}"#,
    )
    .await;
    serve(
        &server,
        INSTANCES,
        "application/json",
        r#"{"content": null, "pageable": "INSTANCE", "sort": [{"property": "createdAt", "direction": "DESC"}],
            "last": true, "number": 0}"#,
    )
    .await;
    let client = client(&server);

    let users = client.identity_store().list_users("main").send().await.expect("the docs' example decodes");
    assert!(users.content.is_empty());
    assert_eq!((users.first, users.last, users.empty), (Some(true), Some(true), Some(true)));
    assert!(matches!(users.sort, Some(PageSort::SortState(_))), "{:?}", users.sort);
    assert!(matches!(users.pageable, Some(PagePageable::Pageable(_))), "{:?}", users.pageable);

    let page = client.process_manager().list_process_instances().send().await.expect("an unpaged result decodes");
    assert!(page.content.is_empty(), "`content: null` is no items");
    assert_eq!(page.pageable, Some(PagePageable::String("INSTANCE".into())));
    match &page.sort {
        Some(PageSort::List(orders)) => assert_eq!(orders[0].property.as_deref(), Some("createdAt")),
        other => panic!("the reference's list form: {other:?}"),
    }
    let streamed = client.process_manager().list_process_instances().into_stream().collect_all().await.unwrap();
    assert!(streamed.is_empty());
}

#[tokio::test]
async fn java_date_time_forms_decode_and_a_bad_one_is_kept_raw() {
    let server = server().await;
    let forms = [
        "2023-12-14T22:44:06.219Z",
        "2023-12-14T22:44:06.219+00:00",
        "2023-12-14T22:44:06.219+0000",
        "2023-12-14T22:44:06.219",
        "2023-12-14T22:44:06.219000000Z",
        "2023-12-14T23:44:06.219+01:00[Europe/Paris]",
    ];
    let mut items: Vec<String> = forms.iter().map(|f| format!(r#"{{"id": "ok", "createdAt": "{f}"}}"#)).collect();
    items.push(r#"{"id": "seconds", "createdAt": "2023-12-14T22:44:06Z"}"#.into());
    items.push(r#"{"id": "nine", "createdAt": "2023-12-14T22:44:06.123456789Z"}"#.into());
    items.push(r#"{"id": "bad", "createdAt": "last tuesday CANARY-7731"}"#.into());
    items.push(r#"{"id": "millis", "createdAt": 1702593846219}"#.into());
    serve(&server, INSTANCES, "application/json", format!(r#"{{"content": [{}], "last": true}}"#, items.join(",")))
        .await;

    let (logs, _guard) = capture_logs();
    let page = client(&server).process_manager().list_process_instances().send().await.expect("the page decodes");
    let want = "2023-12-14T22:44:06.219+00:00";
    for item in &page.content[..forms.len()] {
        assert_eq!(item.created_at.map(|t| t.to_rfc3339()).as_deref(), Some(want));
    }
    let at = |i: usize| page.content[i].created_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true));
    assert_eq!(at(6).as_deref(), Some("2023-12-14T22:44:06.000000000Z"));
    assert_eq!(at(7).as_deref(), Some("2023-12-14T22:44:06.123456789Z"));
    // Not a date-time: `None`, the raw value kept under its wire name, one warning without it.
    let bad = &page.content[8];
    assert_eq!(bad.created_at, None);
    assert_eq!(bad.additional_properties.get("createdAt"), Some(&serde_json::json!("last tuesday CANARY-7731")));
    let millis = &page.content[9];
    assert_eq!(millis.created_at, None, "a number is not guessed to be epoch milliseconds");
    assert_eq!(millis.additional_properties.get("createdAt"), Some(&serde_json::json!(1702593846219_i64)));
    let logs = logs.text();
    // Other tests of this binary log other fields; this one alone mismatches `createdAt`.
    let warnings: Vec<&str> = logs.lines().filter(|l| l.contains("WARN") && l.contains("createdAt")).collect();
    assert_eq!(warnings.len(), 2, "one warning per field and found type:\n{logs}");
    for w in &warnings {
        assert!(w.contains("listProcessInstances") && w.contains("createdAt"), "{w}");
    }
    assert!(warnings.iter().any(|w| w.contains("found=\"string\"")), "{logs}");
    assert!(warnings.iter().any(|w| w.contains("found=\"number\"")), "{logs}");
    assert!(!logs.contains("CANARY-7731") && !logs.contains("1702593846219"), "no value in the logs:\n{logs}");
}

#[tokio::test]
async fn inferred_fields_take_numbers_as_strings_and_keep_what_does_not_fit() {
    let server = server().await;
    serve(
        &server,
        INSTANCES,
        "application/json",
        r#"{"content": [], "last": true,
            "pageable": {"pageNumber": "3", "pageSize": "20", "offset": "60", "paged": "yes", "sort": 17}}"#,
    )
    .await;
    let page = client(&server).process_manager().list_process_instances().send().await.unwrap();
    let Some(PagePageable::Pageable(pageable)) = &page.pageable else { panic!("{:?}", page.pageable) };
    assert_eq!((pageable.page_number, pageable.page_size, pageable.offset), (Some(3), Some(20), Some(60)));
    // A boolean that is not one: `None`, kept raw under its wire name.
    assert_eq!(pageable.paged, None);
    assert_eq!(pageable.additional_properties.get("paged"), Some(&serde_json::json!("yes")));
    // A union keeps a value of neither form as its `Unknown` variant.
    assert_eq!(pageable.sort, Some(PageSort::Unknown(serde_json::json!(17))));
}

#[tokio::test]
async fn unknown_values_and_fields_never_fail_a_call() {
    let server = server().await;
    serve(
        &server,
        "/api/process-manager/processInstances/p1",
        "application/json; charset=utf-8",
        r#"{"id": "p1", "status": "PAUSED_BY_A_FUTURE_RELEASE", "brandNewField": {"deep": [1, {"x": null}]},
            "review": {"status": "APPROVED", "comment": "ok", "reviewer": {"name": "n"}}}"#,
    )
    .await;
    let instance = client(&server).process_manager().get_process_instance("p1").send().await.unwrap();
    assert_eq!(instance.status, Some(ProcessInstanceStatus::Unknown("PAUSED_BY_A_FUTURE_RELEASE".into())));
    assert_eq!(instance.additional_properties["brandNewField"]["deep"][0], 1);
    let review = instance.review.expect("review");
    assert_eq!(review.comment.as_deref(), Some("ok"));
    assert!(review.additional_properties.contains_key("reviewer"));
}

#[tokio::test]
async fn a_byte_order_mark_an_empty_body_and_null_arrays_are_read() {
    let server = server().await;
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(br#"{"id": "p1", "firstName": "A"}"#);
    serve(&server, "/api/process-manager/processInstances/p1", "application/json;charset=UTF-8", bom).await;
    serve(&server, "/api/process-manager/processInstances/p2", "application/json", "").await;
    serve(
        &server,
        "/api/arthr/apiKeys",
        "application/json",
        r#"{"content": [{"id": "k1", "permissions": null, "permittedOperations": null}], "last": true}"#,
    )
    .await;
    let client = client(&server);
    let pm = client.process_manager();

    let with_bom = pm.get_process_instance("p1").send().await.expect("a BOM is skipped");
    assert_eq!(with_bom.id.as_deref(), Some("p1"));
    // An empty 200 where JSON is declared: a model whose fields are all optional, all `None`.
    let empty = pm.get_process_instance("p2").send().await.expect("an empty body reads as `{}`");
    assert_eq!((empty.id, empty.additional_properties.len()), (None, 0));
    let keys = client.arthr().list_tenant_api_keys().send().await.expect("null arrays decode");
    assert_eq!(keys.content[0].permissions, None);
    assert_eq!(keys.content[0].id.as_deref(), Some("k1"));
}

#[tokio::test]
async fn a_malformed_item_in_a_streamed_page_is_reported_and_the_stream_goes_on() {
    let server = server().await;
    let pages = [
        (0, r#"[{"id": "a"}, {"id": "b"}]"#, false),
        (1, r#"[{"id": "c"}, {"id": 4477009007, "firstName": "CANARY-FIRST"}, {"id": "e"}]"#, false),
        (2, r#"[{"id": "f"}]"#, true),
    ];
    for (n, content, last) in pages {
        Mock::given(method("GET"))
            .and(path(INSTANCES))
            .and(query_param("page", n.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_raw(
                format!(r#"{{"content": {content}, "number": {n}, "last": {last}}}"#),
                "application/json",
            ))
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let mut stream = client.process_manager().list_process_instances().into_stream();
    let mut seen = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(instance) => seen.push(instance.id.unwrap_or_default()),
            Err(e) => {
                assert!(e.stream_continues(), "{e}");
                let d = e.decode_error().expect("a decode error");
                let at = d.item().expect("its position");
                assert_eq!((at.page, at.index), (1, 1));
                assert_eq!(
                    (d.operation_id(), d.path(), d.problem()),
                    ("listProcessInstances", "id", "expected a string, found number")
                );
                for shown in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
                    assert!(
                        shown.contains("listProcessInstances") && shown.contains("page 1") || shown.contains("page: 1"),
                        "{shown}"
                    );
                    assert!(!shown.contains("4477009007") && !shown.contains("CANARY-FIRST"), "{shown}");
                }
                seen.push("<error>".into());
            }
        }
    }
    assert_eq!(seen, ["a", "b", "c", "<error>", "e", "f"]);

    // `send()` of that page fails as a whole, with the path into it.
    let err = client.process_manager().list_process_instances().page(1).send().await.unwrap_err();
    let d = err.decode_error().expect("a decode error");
    assert_eq!(d.path(), "content[1].id");
    assert!(!err.stream_continues());
}

#[tokio::test]
async fn a_decode_error_names_the_operation_and_path_never_the_value() {
    let server = server().await;
    serve(
        &server,
        INSTANCES,
        "application/json",
        r#"{"content": [{"id": "a"}, {"id": "b"}, {"id": "c", "elapsedMilliseconds": "CANARY-447700900731"}], "last": true}"#,
    )
    .await;
    let err = client(&server).process_manager().list_process_instances().send().await.unwrap_err();
    let Error::Decode(d) = &err else { panic!("{err:?}") };
    assert_eq!(d.operation_id(), "listProcessInstances");
    assert_eq!(d.path(), "content[2].elapsedMilliseconds");
    assert_eq!(d.problem(), "expected i64, found string");
    assert_eq!(d.status(), 200);
    assert!(String::from_utf8_lossy(d.body()).contains("CANARY-447700900731"), "the body is kept for the caller");
    let mut shown = vec![err.to_string(), format!("{err:?}"), format!("{err:#?}")];
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        shown.push(s.to_string());
        source = s.source();
    }
    for text in &shown {
        assert!(!text.contains("447700900731"), "{text}");
    }
    assert!(
        shown[0].contains("listProcessInstances") && shown[0].contains("content[2].elapsedMilliseconds"),
        "{}",
        shown[0]
    );
}

/// The process-wide log of this test binary. A global subscriber, not a per-thread one: tracing
/// caches each call site's interest, and a test on another thread reaching the same call site
/// first could otherwise leave it disabled for this one.
fn capture_logs() -> (Logs, ()) {
    static LOGS: std::sync::OnceLock<Logs> = std::sync::OnceLock::new();
    let logs = LOGS.get_or_init(|| {
        let logs = Logs::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(logs.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        logs
    });
    (logs.clone(), ())
}

/// A page of 1,000 instances as servers behind a gzip filter send it: the client asks for gzip,
/// and the compressed body decodes as the page (the size limit applies to what it unpacks).
#[tokio::test]
async fn a_gzip_page_is_asked_for_and_decoded() {
    use std::io::Write as _;
    let server = server().await;
    let items: Vec<String> =
        (0..1000).map(|i| format!(r#"{{"id": "p{i}", "status": "COMPLETED_ENDED_SUCCESS"}}"#)).collect();
    let page = spring_page(&format!("[{}]", items.join(",")), 0, true);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(page.as_bytes()).expect("gzip");
    let compressed = gz.finish().expect("gzip");
    assert!(compressed.len() * 5 < page.len(), "the fixture compresses");
    Mock::given(method("GET"))
        .and(path(INSTANCES))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_raw(compressed, "application/json"),
        )
        .mount(&server)
        .await;
    let page = client(&server).process_manager().list_process_instances().size(1000).send().await.expect("decodes");
    assert_eq!(page.content.len(), 1000);
    assert_eq!(page.content[999].id.as_deref(), Some("p999"));
    let sent = requests_to(&server, INSTANCES).await;
    let accept = header_of(&sent[0], "accept-encoding").unwrap_or_default();
    assert!(accept.contains("gzip"), "accept-encoding: {accept}");
}
