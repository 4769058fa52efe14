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
    assert!(csv.ends_with("\r\n"), "records end with CRLF (RFC 4180)");
    let mut lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,process_token_id,start_address,outcome,error");
    // Rows come in the order the requests end (up to four at once).
    lines[1..].sort();
    assert!(lines[1].starts_with("\"bad,id\",,,refused,HTTP 400"), "{}", lines[1]);
    assert_eq!(lines[2], "42,pt-42,https://acme.gum.trustx.com/web/trustweb?pt=pt-42,created,");
    assert_eq!(lines[3], "43,pt-43,https://acme.gum.trustx.com/web/trustweb?pt=pt-43,created,");
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

/// Stubs instance `id`: its process token's `ID` parameter is `token_id`, and its user data holds
/// `document_number` (see [`user_data`]).
async fn stub_instance(mock: &MockServer, id: &str, token_id: &str, document_number: Option<&str>) {
    let params = trustx::serde_json::Map::from_iter([("ID".to_owned(), token_id.into())]);
    let details =
        trustx::models::ProcessInstanceWithParameters::default().with_id(id).with_process_token_parameters(params);
    mock.process_manager()
        .get_process_instance_with_parameters()
        .path_param("processInstanceId", id)
        .respond(200, &details)
        .await;
    mock.userdata_server()
        .get_process_instance_user_data()
        .path_param("processInstanceId", id)
        .respond(200, &user_data(document_number))
        .await;
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
    use trustx::models::{Page, ProcessInstance, ProcessInstanceStatus};
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
        stub_instance(&mock, id, token_id, number).await;
    }

    let out = run(&example("verify_completed_instances"), &mock, &[]).await;
    assert_eq!(out.status.code(), Some(1), "two instances do not match: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines: Vec<&str> = stdout.lines().collect();
    lines[1..].sort(); // in the order the reads end
    assert_eq!(
        lines,
        [
            "process_instance_id,token_id,document_numbers,result,error",
            "pi-a,42,42,match,",
            "pi-b,43,99,mismatch,",
            "pi-c,44,,no-document,",
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
    let mut paths: Vec<&str> = details.iter().map(|r| r.url.path()).collect();
    paths.sort();
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
    let mut paths: Vec<&str> = reads.iter().map(|r| r.url.path()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/api/userdata-server/processDefinitions/pd-1/processInstances/pi-a/userdata",
            "/api/userdata-server/processDefinitions/pd-1/processInstances/pi-b/userdata",
            "/api/userdata-server/processDefinitions/pd-1/processInstances/pi-c/userdata"
        ]
    );
}

/// A tenant that keeps the process tokens it creates (one per request: it does not refuse a name it
/// has, as nothing says a tenant does), lists them page by page, and can be told to stop answering
/// creates after it has made some: it still creates, and withholds the reply.
#[derive(Clone, Default)]
struct Tokens {
    state: std::sync::Arc<std::sync::Mutex<TokenState>>,
}

#[derive(Default)]
struct TokenState {
    /// (name, ID parameter, token ID), in creation order.
    created: Vec<(String, String, String)>,
    /// Creates past this many get no reply (the request is kept waiting).
    answer_up_to: Option<usize>,
}

impl Tokens {
    fn created(&self) -> Vec<(String, String, String)> {
        self.state.lock().unwrap().created.clone()
    }

    fn token(name: &str, id: &str, token: &str) -> serde_json::Value {
        serde_json::json!({"id": token, "name": name, "parameters": {"ID": id},
            "startProcessAddress": format!("https://acme.gum.trustx.com/web/trustweb?pt={token}")})
    }

    async fn mount(&self, mock: &MockServer) {
        wiremock::Mock::given(wiremock::matchers::path("/api/process-manager/processTokens"))
            .respond_with(self.clone())
            .mount(mock.wiremock())
            .await;
    }
}

impl wiremock::Respond for Tokens {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let mut state = self.state.lock().unwrap();
        if request.method.as_str() == "GET" {
            let query = |name: &str| {
                request.url.query_pairs().find(|(k, _)| k == name).and_then(|(_, v)| v.parse::<usize>().ok())
            };
            let (page, size) = (query("page").unwrap_or(0), query("size").unwrap_or(20).max(1));
            let content: Vec<_> =
                state.created.iter().skip(page * size).take(size).map(|(n, i, t)| Tokens::token(n, i, t)).collect();
            let last = (page + 1) * size >= state.created.len();
            return wiremock::ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"content": content, "number": page, "last": last}));
        }
        let body: serde_json::Value = serde_json::from_slice(&request.body).expect("a JSON body");
        let name = body["name"].as_str().expect("a name").to_owned();
        let id = body["parameters"]["ID"].as_str().expect("an ID").to_owned();
        let token = format!("pt-{}", state.created.len() + 1);
        state.created.push((name.clone(), id.clone(), token.clone()));
        let reply = wiremock::ResponseTemplate::new(201)
            .set_body_json(Tokens::token(&name, &id, &token))
            .set_delay(std::time::Duration::from_millis(5));
        match state.answer_up_to {
            Some(n) if state.created.len() > n => reply.set_delay(std::time::Duration::from_secs(600)),
            _ => reply,
        }
    }
}

/// The last row of each ID in a CSV the example wrote.
fn rows_by_id(path: &Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let csv = std::fs::read_to_string(path).expect("the CSV");
    let mut rows = std::collections::BTreeMap::new();
    for line in csv.lines().skip(1) {
        let cells: Vec<String> = line.split(',').map(str::to_owned).collect();
        rows.insert(cells[0].clone(), cells);
    }
    rows
}

#[tokio::test]
async fn bulk_process_tokens_resumed_after_a_kill_issues_no_token_twice() {
    let mock = MockServer::start().await;
    let tokens = Tokens::default();
    tokens.mount(&mock).await;
    // 20 creates are answered; the next ones are made and their replies withheld, then the run is killed.
    tokens.state.lock().unwrap().answer_up_to = Some(20);
    let dir = tempfile::tempdir().expect("temp dir");
    let ids: Vec<String> = (1..=60).map(|n| format!("id-{n}")).chain(["=1+1".to_owned()]).collect();
    let ids_file = dir.path().join("ids.txt");
    std::fs::write(&ids_file, ids.join("\n")).expect("write ids");
    let output = dir.path().join("tokens.csv");
    let (ids_arg, output_arg) = (ids_file.to_string_lossy().into_owned(), output.to_string_lossy().into_owned());
    let args = [ids_arg.as_str(), "Onboarding", "--output", output_arg.as_str(), "--concurrency", "4"];

    let exe = example("bulk_process_tokens");
    let mut child = Command::new(&exe)
        .args(args)
        .env_clear()
        .env("TRUSTX_API_KEY", MOCK_API_KEY)
        .env("TRUSTX_BASE_URL", mock.uri())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the example");
    let waited = std::time::Instant::now();
    while tokens.created().len() < 24 {
        assert!(waited.elapsed() < std::time::Duration::from_secs(60), "the run never reached 24 creates");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    child.kill().expect("kill the run");
    child.wait().expect("reap the run");
    let before = tokens.created().len();
    assert_eq!(before, 24, "four requests in flight, created, their replies never seen");
    assert_eq!(rows_by_id(&output).len(), 20, "the killed run wrote the 20 rows it saw answered");

    tokens.state.lock().unwrap().answer_up_to = None;
    let out = run(&exe, &mock, &[&args[..], &["--resume"]].concat()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Each ID has exactly one token on the tenant, and the CSV gives it.
    let created = tokens.created();
    for id in &ids {
        let theirs: Vec<_> = created.iter().filter(|(_, i, _)| i == id).collect();
        assert_eq!(theirs.len(), 1, "{id}: {theirs:?}");
    }
    assert_eq!(created.len(), ids.len());
    let rows = rows_by_id(&output);
    assert_eq!(rows.len(), ids.len());
    let mut found = 0;
    for (name, id, token) in &created {
        let key = if id.starts_with('=') { format!("'{id}") } else { id.clone() };
        let row = &rows[&key];
        assert_eq!(&row[1], token, "{name}");
        assert!(row[3] == "created" || row[3] == "found", "{row:?}");
        found += usize::from(row[3] == "found");
    }
    assert_eq!(found, 4, "the four created during the kill were found, not sent again");
    let lists = mock.wiremock().received_requests().await.unwrap_or_default();
    assert!(lists.iter().any(|r| r.method.as_str() == "GET"), "the resumed run looked the tokens up");

    // Resuming a finished run sends nothing.
    let out = run(&exe, &mock, &[&args[..], &["--resume"]].concat()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(tokens.created().len(), ids.len());
}

#[tokio::test]
async fn bulk_process_tokens_quotes_and_neutralizes_what_the_server_sends() {
    let mock = MockServer::start().await;
    let body = ProcessToken::default().with_id("=HYPERLINK(\"http://evil\",\"x\")").with_ui_url("@ui,\nx");
    mock.process_manager().create_process_token().respond(201, &body).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, "+42\n").expect("write ids");
    let out = run(&example("bulk_process_tokens"), &mock, &[&ids.to_string_lossy(), "Onboarding"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "id,process_token_id,start_address,outcome,error\r\n\
         '+42,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",\"'@ui,\nx?pt==HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",created,\r\n"
    );
}

#[tokio::test]
async fn verify_completed_instances_resumed_reads_only_what_the_output_lacks() {
    use trustx::models::{Page, ProcessInstance, ProcessInstanceStatus};
    let mock = MockServer::start().await;
    let done = ProcessInstanceStatus::CompletedEndedSuccess;
    let items: Vec<_> = ["pi-a", "pi-b", "pi-c"]
        .iter()
        .map(|id| ProcessInstance::default().with_id(*id).with_process_defn_id("pd-1").with_status(done.clone()))
        .collect();
    mock.process_manager()
        .search_process_instances()
        .respond(200, &Page::default().with_content(items).with_number(0).with_last(true))
        .await;
    for id in ["pi-a", "pi-b", "pi-c"] {
        stub_instance(&mock, id, "42", Some("42")).await;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let output = dir.path().join("report.csv");
    // An earlier run checked pi-a, failed to read pi-b, and was stopped while writing pi-c's row.
    std::fs::write(
        &output,
        "process_instance_id,token_id,document_numbers,result,error\r\npi-a,42,42,match,\r\npi-b,,,error,HTTP 503\r\npi-c,4",
    )
    .expect("write the earlier output");
    let out = run(
        &example("verify_completed_instances"),
        &mock,
        &["--output", &output.to_string_lossy(), "--resume", "--concurrency", "2"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let details = mock.requests_to(trustx::operations::process_manager::GetProcessInstanceWithParameters::META).await;
    let mut paths: Vec<&str> = details.iter().map(|r| r.url.path()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/api/process-manager/processInstances/pi-b/withParameters",
            "/api/process-manager/processInstances/pi-c/withParameters"
        ],
        "pi-a is in the output already"
    );
    let csv = std::fs::read_to_string(&output).expect("the CSV");
    let mut lines: Vec<&str> = csv.lines().collect();
    lines[3..].sort();
    assert_eq!(
        lines,
        [
            "process_instance_id,token_id,document_numbers,result,error",
            "pi-a,42,42,match,",
            "pi-b,,,error,HTTP 503",
            "pi-b,42,42,match,",
            "pi-c,42,42,match,",
        ],
        "the cut row is gone, the new rows follow the old ones"
    );
}
