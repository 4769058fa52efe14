//! The workflow examples of `generated/examples/` run as processes against a local HTTP server (the
//! SDK's test kit): every request they send is checked, and so is what they print.

mod workspace;

use std::path::Path;
use std::process::{Command, Output};

use trustx::models::ProcessToken;
use trustx::test_util::{MockServer, MOCK_API_KEY, MOCK_TOKEN};
use workspace::{example, text};

async fn run(exe: &Path, mock: &MockServer, args: &[&str]) -> Output {
    let mut command = Command::new(exe);
    command.args(args).env_clear().env("TRUSTX_API_KEY", MOCK_API_KEY).env("TRUSTX_BASE_URL", mock.uri());
    workspace::output(command).await
}

#[tokio::test]
async fn bulk_process_tokens_creates_one_token_per_id_and_writes_the_csv() {
    let mock = MockServer::start().await;
    let mut stubs = Vec::new();
    for (id, token) in [("42", "pt-42"), ("43", "pt-43")] {
        let address = format!("https://acme.gum.trustx.com/web/trustweb?pt={token}");
        let body = ProcessToken::default().with_id(token).with_start_process_address(address);
        stubs.push(
            mock.process_manager()
                .create_process_token()
                .body_contains(serde_json::json!({"parameters": {"ID": id}}))
                .respond(201, &body)
                .await,
        );
    }
    // An ID the server refuses: reported, the others still run.
    mock.process_manager()
        .create_process_token()
        .body_contains(serde_json::json!({"parameters": {"ID": "bad,id"}}))
        .respond_error(400, 7, "name already used")
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, "# customers\n42\n\n43\nbad,id\n").expect("write ids");

    let out = run(&example("bulk_process_tokens"), &mock, &[&ids.to_string_lossy(), "Onboarding"]).await;
    assert_eq!(out.status.code(), Some(1), "one ID failed: {}", text(&out.stderr));
    let csv = text(&out.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,process_token_id,start_address,error");
    assert_eq!(lines[1], "42,pt-42,https://acme.gum.trustx.com/web/trustweb?pt=pt-42,");
    assert_eq!(lines[2], "43,pt-43,https://acme.gum.trustx.com/web/trustweb?pt=pt-43,");
    assert!(lines[3].starts_with("\"bad,id\",,,HTTP 400"), "{}", lines[3]);
    assert_eq!(lines.len(), 4);
    assert!(text(&out.stderr).contains("bad,id: HTTP 400"), "{}", text(&out.stderr));

    for (stub, id) in stubs.iter().zip(["42", "43"]) {
        let received = stub.requests().await;
        assert_eq!(received.len(), 1, "one request for {id}");
        let r = &received[0];
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/api/process-manager/processTokens"));
        assert!(r.query.is_empty());
        assert_eq!(r.header("authorization"), Some(format!("Bearer {MOCK_TOKEN}").as_str()));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body = r.body.as_ref().expect("a ProcessTokenCreateRequest");
        assert_eq!(body.name, format!("Onboarding-{id}"));
        assert_eq!(body.process_defn_name, "Onboarding");
        assert_eq!(body.status, trustx::models::ProcessTokenStatus::Active);
        assert_eq!(body.type_, Some(trustx::models::ProcessTokenType::Unlimited));
        assert_eq!(body.parameters.as_ref().and_then(|p| p.get("ID")), Some(&id.into()));
    }
}

fn user_data(document_number: Option<&str>) -> trustx::models::UserData {
    use trustx::models::{BiographicDataField, BiographicFieldValues, UserData, UserDataDocument};
    let fields = match document_number {
        Some(n) => vec![
            BiographicDataField::default()
                .with_field_name("Surname")
                .with_values(BiographicFieldValues::default().with_visual_zone_value("DOE")),
            BiographicDataField::default()
                .with_field_name("Document Number")
                .with_values(BiographicFieldValues::default().with_visual_zone_value(n)),
        ],
        None => vec![],
    };
    let doc = UserDataDocument::default().with_biographic_data(fields);
    UserData::default().with_documents(std::collections::BTreeMap::from([("doc1".to_owned(), doc)]))
}

#[tokio::test]
async fn verify_completed_instances_reports_which_document_numbers_match() {
    use trustx::models::{Page, ProcessInstance, ProcessInstanceStatus, ProcessInstanceWithParameters};
    let mock = MockServer::start().await;
    let instance = |id: &str, status: ProcessInstanceStatus| {
        ProcessInstance::default().with_id(id).with_process_defn_id("pd-1").with_status(status)
    };
    let done = ProcessInstanceStatus::CompletedEndedSuccess;
    let pages = [
        (0, vec![instance("pi-a", done.clone()), instance("pi-b", done.clone())], false),
        (
            1,
            vec![instance("pi-c", done.clone()), instance("pi-x", ProcessInstanceStatus::Unknown("FAILED".into()))],
            true,
        ),
    ];
    let mut searches = Vec::new();
    for (n, items, last) in pages {
        searches.push(
            mock.process_manager()
                .search_process_instances()
                .query("page", n)
                .respond(200, &Page::default().with_content(items).with_number(n).with_last(last))
                .await,
        );
    }
    // a: the document matches the token's ID; b: it does not; c: no document number was read.
    for (id, token_id, number) in [("pi-a", "42", Some("42")), ("pi-b", "43", Some("99")), ("pi-c", "44", None)] {
        let params = trustx::serde_json::Map::from_iter([("ID".to_owned(), token_id.into())]);
        let details = ProcessInstanceWithParameters::default().with_id(id).with_process_token_parameters(params);
        mock.process_manager()
            .get_process_instance_with_parameters()
            .path_param("processInstanceId", id)
            .respond(200, &details)
            .await;
        mock.userdata_server()
            .get_process_instance_user_data()
            .path_param("processInstanceId", id)
            .respond(200, &user_data(number))
            .await;
    }

    let out = run(&example("verify_completed_instances"), &mock, &[]).await;
    assert_eq!(out.status.code(), Some(1), "two instances do not match: {}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().collect::<Vec<_>>(),
        [
            "process_instance_id,token_id,document_numbers,result",
            "pi-a,42,42,match",
            "pi-b,43,99,mismatch",
            "pi-c,44,,no-document",
        ]
    );
    assert!(text(&out.stderr).contains("3 completed instances, 2 do not match"), "{}", text(&out.stderr));

    for (n, search) in searches.iter().enumerate() {
        let received = search.requests().await;
        assert_eq!(received.len(), 1, "page {n} requested once");
        let r = &received[0];
        assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/api/process-manager/processInstances/search"));
        assert_eq!(r.query_value("processInstanceStatus"), Some("COMPLETED_ENDED_SUCCESS"));
        assert_eq!(r.query_value("size"), Some("50"));
        assert_eq!(r.query_value("page"), Some(n.to_string().as_str()));
        assert_eq!(r.header("authorization"), Some(format!("Bearer {MOCK_TOKEN}").as_str()));
    }
    let details = mock.requests_to(trustx::operations::process_manager::GetProcessInstanceWithParameters::META).await;
    let paths: Vec<&str> = details.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/api/process-manager/processInstances/pi-a/withParameters",
            "/api/process-manager/processInstances/pi-b/withParameters",
            "/api/process-manager/processInstances/pi-c/withParameters"
        ],
        "the failed instance is not read"
    );
    let reads = mock.requests_to(trustx::operations::userdata_server::GetProcessInstanceUserData::META).await;
    let paths: Vec<&str> = reads.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/api/userdata-server/processDefinitions/pd-1/processInstances/pi-a/userdata",
            "/api/userdata-server/processDefinitions/pd-1/processInstances/pi-b/userdata",
            "/api/userdata-server/processDefinitions/pd-1/processInstances/pi-c/userdata"
        ]
    );
}
