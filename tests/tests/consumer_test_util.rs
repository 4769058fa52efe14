//! Consumer-style tests: code written against the SDK, tested with the public `trustx::test_util`
//! API only (no hand-written HTTP mocks). The mock is a real server on loopback, so the token
//! exchange, paging and error decoding of the runtime all run.

#![allow(deprecated)] // the V2 watchlist operations are marked deprecated in the spec

use trustx::error_codes::WatchlistManagerErrorCode;
use trustx::models::{
    Page, ProcessInstance, ProcessInstanceStatus, ProcessToken, ProcessTokenCreateRequest, ProcessTokenStatus,
    ProcessTokenType, UserData,
};
use trustx::test_util::{MockServer, MOCK_TOKEN};
use trustx::{Client, ErrorCode};

/// The code under test: one process token per external ID, the ID as a token parameter.
async fn create_tokens(client: &Client, ids: &[&str]) -> Result<Vec<ProcessToken>, trustx::Error> {
    let mut tokens = Vec::new();
    for id in ids {
        let request =
            ProcessTokenCreateRequest::new(format!("onboarding-{id}"), "Onboarding", ProcessTokenStatus::Active)
                .with_type(ProcessTokenType::Unlimited)
                .with_parameters(trustx::serde_json::Map::from_iter([("ID".to_owned(), (*id).into())]));
        tokens.push(client.process_manager().create_process_token(request).send().await?);
    }
    Ok(tokens)
}

/// The code under test: every completed instance with its user data.
async fn completed_with_user_data(client: &Client) -> Result<Vec<(String, UserData)>, trustx::Error> {
    let mut out = Vec::new();
    let mut instances = client.process_manager().list_process_instances().size(2).into_stream();
    while let Some(instance) = instances.next().await {
        let instance = instance?;
        if instance.status != Some(ProcessInstanceStatus::CompletedEndedSuccess) {
            continue;
        }
        let (Some(defn), Some(id)) = (instance.process_defn_id.clone(), instance.id.clone()) else { continue };
        let data = client.userdata_server().get_process_instance_user_data(defn, id.clone()).send().await?;
        out.push((id, data));
    }
    Ok(out)
}

fn instance(id: &str, status: ProcessInstanceStatus) -> ProcessInstance {
    let mut i = ProcessInstance::default().with_id(id).with_process_defn_id("pd-1").with_status(status);
    i.additional_properties.insert("note".into(), "kept".into());
    i
}

fn page(items: Vec<ProcessInstance>, number: i32, last: bool) -> Page<ProcessInstance> {
    Page::default().with_content(items).with_number(number).with_last(last)
}

#[tokio::test]
async fn a_workflow_of_tokens_paged_instances_and_user_data() {
    let mock = MockServer::start().await;
    let created = mock
        .process_manager()
        .create_process_token()
        .respond(201, &ProcessToken::default().with_id("pt-1").with_start_process_address("https://ui/?pt=pt-1"))
        .await;
    let page0 = mock
        .process_manager()
        .list_process_instances()
        .query("page", 0)
        .respond(
            200,
            &page(
                vec![
                    instance("a", ProcessInstanceStatus::CompletedEndedSuccess),
                    instance("b", ProcessInstanceStatus::Unknown("PENDING".into())),
                ],
                0,
                false,
            ),
        )
        .await;
    let page1 = mock
        .process_manager()
        .list_process_instances()
        .query("page", 1)
        .respond(200, &page(vec![instance("c", ProcessInstanceStatus::CompletedEndedSuccess)], 1, true))
        .await;
    let user_data = mock
        .userdata_server()
        .get_process_instance_user_data()
        .respond(200, &UserData::default().with_documents(std::collections::BTreeMap::new()))
        .await;

    let client = mock.client();
    let tokens = create_tokens(&client, &["42", "43"]).await.unwrap();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0].start_process_address.as_deref(), Some("https://ui/?pt=pt-1"));
    let completed = completed_with_user_data(&client).await.unwrap();
    assert_eq!(completed.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["a", "c"]);

    // The typed requests the mock received.
    let sent = created.requests().await;
    assert_eq!(sent.len(), 2);
    for (received, id) in sent.iter().zip(["42", "43"]) {
        let body = received.body.as_ref().expect("a ProcessTokenCreateRequest body");
        assert_eq!(body.name, format!("onboarding-{id}"));
        assert_eq!(body.process_defn_name, "Onboarding");
        assert_eq!(body.type_, Some(ProcessTokenType::Unlimited));
        assert_eq!(body.parameters.as_ref().and_then(|p| p.get("ID")), Some(&id.into()));
        assert_eq!(received.header("authorization"), Some(format!("Bearer {MOCK_TOKEN}").as_str()));
    }
    assert_eq!(page0.count().await, 1);
    let listed = page1.requests().await;
    assert_eq!((listed[0].query_value("page"), listed[0].query_value("size")), (Some("1"), Some("2")));
    let reads = user_data.requests().await;
    assert_eq!(reads.iter().map(|r| r.path_param("processInstanceId")).collect::<Vec<_>>(), [Some("a"), Some("c")]);
    assert!(reads.iter().all(|r| r.path_param("processDefnId") == Some("pd-1")));
}

#[tokio::test]
async fn an_error_code_is_matched_as_a_typed_error_code() {
    let mock = MockServer::start().await;
    let stub = mock
        .watchlist_manager()
        .get_watchlist()
        .path_param("watchlistId", "missing/one")
        .respond_error(404, 20, "Watchlist not found")
        .await;
    let client = mock.client();
    #[allow(deprecated)]
    let err = client.watchlist_manager().get_watchlist("missing/one").send().await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(ErrorCode::of(&err), Some(ErrorCode::WatchlistManager(WatchlistManagerErrorCode::WatchlistNotFound)));
    assert!(matches!(
        ErrorCode::of(&err),
        Some(ErrorCode::WatchlistManager(WatchlistManagerErrorCode::WatchlistNotFound))
    ));
    assert_eq!(err.message(), Some("Watchlist not found"));
    let received = stub.requests().await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, "/api/watchlist-manager/watchlists/missing%2Fone");
}

#[tokio::test]
async fn an_unstubbed_operation_is_a_404_and_stubs_can_require_a_count() {
    let mock = MockServer::start().await;
    let client = mock.client();
    let err = client.process_manager().list_process_instances().send().await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    mock.process_manager().list_process_instances().times(1).respond(200, &page(vec![], 0, true)).await;
    let empty = client.process_manager().list_process_instances().send_with_meta().await.unwrap();
    assert_eq!(empty.status(), 200);
    assert!(empty.content.is_empty());
}
