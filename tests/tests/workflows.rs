//! The workflow examples of `generated/examples/` run as processes against a local HTTP server (the
//! SDK's test kit): every request they send is checked, and so is what they print.

mod workspace;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use trustx::models::ProcessToken;
use trustx::test_util::{MockServer, MOCK_API_KEY, MOCK_TOKEN};

/// `target/debug/examples/<name>`, built by cargo (once per example and test binary).
fn example(name: &str) -> PathBuf {
    let root = workspace::workspace();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "trustx", "--example", name])
        .current_dir(&root)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building the {name} example failed");
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let target = if target.is_absolute() { target } else { root.join(target) };
    target.join("debug").join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

async fn run(exe: &Path, mock: &MockServer, args: &[&str]) -> Output {
    let mut command = Command::new(exe);
    command.args(args).env_clear().env("TRUSTX_API_KEY", MOCK_API_KEY).env("TRUSTX_BASE_URL", mock.uri());
    tokio::task::spawn_blocking(move || command.output().expect("run the example")).await.expect("join")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
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
