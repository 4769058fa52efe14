//! The generated command-line tool (`trustx`, Cargo feature `cli`) run as a process against a local
//! HTTP server (the SDK's own test kit, a real server on loopback).

#![allow(deprecated)] // the V2 watchlist operations are deprecated in the spec

mod workspace;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use trustx::models::{Page, ProcessInstance, ProcessInstanceStatus, ProcessToken};
use trustx::test_util::{MockServer, MOCK_API_KEY};
use workspace::text;

/// `target/debug/trustx`, built once per test binary with the `cli` feature.
fn binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| workspace::cargo_build(&["-p", "trustx", "--features", "cli", "--bin", "trustx"], "trustx"))
}

/// Runs the tool with `args`, pointed at `mock` through the environment, `stdin` on standard input.
/// The `id` of each JSON line of `stdout` (`?` for a line without one).
fn line_ids(stdout: &[u8]) -> Vec<String> {
    text(stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("a JSON line")["id"].as_str().unwrap_or("?").to_owned()
        })
        .collect()
}

async fn run(mock: &MockServer, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .env_clear()
        .env("TRUSTX_API_KEY", MOCK_API_KEY)
        .env("TRUSTX_BASE_URL", mock.uri())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn trustx");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait")).await.expect("join")
}

fn instance(id: &str) -> ProcessInstance {
    ProcessInstance::default().with_id(id).with_status(ProcessInstanceStatus::CompletedEndedSuccess)
}

#[tokio::test]
async fn all_pages_streams_every_item_as_json_lines() {
    let mock = MockServer::start().await;
    for (page, ids, last) in [(0, vec!["a", "b"], false), (1, vec!["c"], true)] {
        let items: Vec<ProcessInstance> = ids.into_iter().map(instance).collect();
        let body = Page::default().with_content(items).with_number(page).with_last(last);
        mock.process_manager().list_process_instances().query("page", page).respond(200, &body).await;
    }
    let out = run(&mock, &["process-manager", "list-process-instances", "--size", "2", "--all-pages"], b"").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(line_ids(&out.stdout), ["a", "b", "c"]);
}

/// A Spring Data page (sort and pageable as objects) with an item that does not decode: the other
/// items are printed, the bad one is told on stderr by page, index and path (not its value), and
/// the run fails.
#[tokio::test]
async fn all_pages_reads_spring_pages_and_skips_an_undecodable_item() {
    let mock = MockServer::start().await;
    let spring = serde_json::json!({"empty": false, "sorted": true, "unsorted": false});
    for (page, items, last) in [
        (0, serde_json::json!([{"id": "a"}, {"id": 447700900731_i64}, {"id": "c"}]), false),
        (1, serde_json::json!([{"id": "d"}]), true),
    ] {
        let body = serde_json::json!({
            "content": items, "number": page, "last": last, "sort": spring,
            "pageable": {"sort": spring, "pageNumber": page, "pageSize": 3, "offset": 0, "paged": true},
        });
        let bytes = serde_json::to_vec(&body).expect("JSON");
        mock.process_manager()
            .list_process_instances()
            .query("page", page)
            .respond_bytes(200, bytes, "application/json")
            .await;
    }
    let out = run(&mock, &["process-manager", "list-process-instances", "--all-pages"], b"").await;
    assert_eq!(line_ids(&out.stdout), ["a", "c", "d"]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("skipped: ") && stderr.contains("item 1 of page 0") && stderr.contains("at `id`"),
        "{stderr}"
    );
    assert!(!stderr.contains("447700900731"), "{stderr}");
    assert!(!out.status.success(), "a skipped item fails the run");
}

#[tokio::test]
async fn a_post_takes_its_body_from_stdin() {
    let mock = MockServer::start().await;
    let created =
        mock.process_manager().create_process_token().respond(201, &ProcessToken::default().with_id("pt-9")).await;
    let body = br#"{"name": "n-1", "processDefnName": "Onboarding", "status": "ACTIVE", "parameters": {"ID": "42"}}"#;
    let out = run(&mock, &["--compact", "process-manager", "create-process-token", "--body", "-"], body).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(printed["id"], "pt-9");
    let received = created.requests().await;
    assert_eq!(received.len(), 1);
    let sent = received[0].body.as_ref().expect("a typed body");
    assert_eq!((sent.name.as_str(), sent.process_defn_name.as_str()), ("n-1", "Onboarding"));
    assert_eq!(sent.parameters.as_ref().and_then(|p| p.get("ID")), Some(&"42".into()));
}

#[tokio::test]
async fn a_download_goes_to_the_output_file() {
    let mock = MockServer::start().await;
    let image: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    mock.watchlist_manager().get_face_watchlist_member_image().respond_bytes(200, image.clone(), "image/jpeg").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("member.jpg");
    let file_arg = file.to_string_lossy().into_owned();
    let args = [
        "watchlist-manager",
        "get-face-watchlist-member-image",
        "--watchlist-id",
        "w1",
        "--watchlist-member-id",
        "m1",
        "--output-file",
        &file_arg,
    ];
    let out = run(&mock, &args, b"").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&file).expect("the file"), image);
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", text(&out.stdout));
}

#[tokio::test]
async fn an_http_error_prints_status_code_and_message_and_exits_3() {
    let mock = MockServer::start().await;
    mock.watchlist_manager().get_watchlist().respond_error(404, 20, "Watchlist w9 not found").await;
    let out = run(&mock, &["watchlist-manager", "get-watchlist", "--watchlist-id", "w9"], b"").await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("HTTP 404"), "{stderr}");
    assert!(stderr.contains("WatchlistNotFound (20)"), "{stderr}");
    assert!(stderr.contains("Watchlist w9 not found"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn dry_run_prints_the_request_with_the_key_redacted() {
    let mock = MockServer::start().await;
    let key = "do-not-print-me-123";
    let child = Command::new(binary())
        .args(["--dry-run", "arthr", "issue-token"])
        .env_clear()
        .env("TRUSTX_API_KEY", key)
        .env("TRUSTX_BASE_URL", mock.uri())
        .output()
        .expect("run");
    let stdout = text(&child.stdout);
    assert!(child.status.success(), "{}", text(&child.stderr));
    assert!(stdout.starts_with(&format!("POST {}/api/arthr/apiKeys/issue", mock.uri())), "{stdout}");
    assert!(stdout.contains("x-api-key: [redacted]"), "{stdout}");
    assert!(!stdout.contains(key) && !text(&child.stderr).contains(key), "the key was printed");
    assert!(mock.wiremock().received_requests().await.unwrap_or_default().is_empty(), "a dry run sends nothing");
}

#[tokio::test]
async fn a_usage_error_exits_2() {
    let mock = MockServer::start().await;
    let out = run(&mock, &["process-manager", "create-process-token", "--no-such-flag"], b"").await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--no-such-flag"), "{}", text(&out.stderr));
    let missing = run(&mock, &["watchlist-manager", "get-watchlist"], b"").await;
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("--watchlist-id"), "{}", text(&missing.stderr));
}

#[tokio::test]
async fn permissions_and_error_codes_are_explained() {
    let mock = MockServer::start().await;
    let out = run(&mock, &["permissions", "getWatchlist", "list-tenant-api-keys", "--for-tenant", "acme"], b"").await;
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).lines().collect::<Vec<_>>(),
        ["TNT#acme#WatchlistManager:getWatchlistV2", "TNT#acme#ArthrServer:listTenantApiKeys"]
    );
    let out = run(&mock, &["error-code", "20"], b"").await;
    assert!(text(&out.stdout).contains("WatchlistNotFound"), "{}", text(&out.stdout));
    let out = run(&mock, &["completions", "bash"], b"").await;
    assert!(out.status.success() && text(&out.stdout).contains("trustx"), "a completion script");
}

/// `issue-token` prints the token only with `--show-secret`, as `--help` says.
#[tokio::test]
async fn the_token_exchange_prints_its_token_only_when_asked() {
    let mock = MockServer::start().await;
    let out = run(&mock, &["arthr", "issue-token"], b"").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("JSON");
    assert_eq!(printed["token"], "[redacted]", "{printed}");
    assert!(printed.get("ttl").is_some(), "the rest is shown: {printed}");
    let shown = run(&mock, &["arthr", "issue-token", "--show-secret"], b"").await;
    let printed: serde_json::Value = serde_json::from_str(&text(&shown.stdout)).expect("JSON");
    let token = printed["token"].as_str().unwrap_or_default();
    assert!(!token.is_empty() && token != "[redacted]", "{printed}");
    let help = run(&mock, &["--help"], b"").await;
    assert!(text(&help.stdout).contains("--show-secret"), "{}", text(&help.stdout));
}

/// Out-of-range flags are usage errors (exit 2), never a panic; `--body` is bounded.
#[tokio::test]
async fn a_huge_timeout_and_an_oversized_body_are_usage_errors() {
    let mock = MockServer::start().await;
    for timeout in ["1e20", "inf", "-1", "0", "NaN", "abc"] {
        let flag = format!("--timeout={timeout}");
        let out = run(&mock, &[flag.as_str(), "process-manager", "list-process-instances"], b"").await;
        assert_eq!(out.status.code(), Some(2), "--timeout {timeout}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("--timeout"), "{}", text(&out.stderr));
        assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
    }
    let big = vec![b' '; (32 << 20) + 1];
    let out = run(&mock, &["process-manager", "create-process-token", "--body", "-"], &big).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("larger than 32 MiB"), "{}", text(&out.stderr));
    assert!(mock.requests_to(trustx::operations::process_manager::CreateProcessToken::META).await.is_empty());
}

/// A token exchange that cannot connect says why, once: the exchange, then the refused connection
/// and its host; the key is not printed. Exit code 4 (transport).
#[tokio::test]
async fn a_refused_token_exchange_prints_its_cause() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let out = tokio::task::spawn_blocking(move || {
        Command::new(binary())
            .args(["process-manager", "list-process-instances"])
            .env_clear()
            .env("TRUSTX_API_KEY", MOCK_API_KEY)
            .env("TRUSTX_BASE_URL", format!("http://127.0.0.1:{port}"))
            .output()
            .expect("run trustx")
    })
    .await
    .expect("join");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("API key exchange"), "{stderr}");
    assert!(stderr.contains("connection refused"), "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    assert_eq!(stderr.matches("connection refused").count(), 1, "{stderr}");
    assert!(!stderr.contains(MOCK_API_KEY), "{stderr}");
    assert_eq!(out.status.code(), Some(4), "{stderr}");
}

/// A forward proxy on loopback that records the request line of each connection, then relays it to
/// the host the request names.
async fn recording_proxy() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
                    if inbound.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                let line = text.lines().next().unwrap_or_default().to_owned();
                record.lock().expect("lock").push(line.clone());
                // `GET http://127.0.0.1:PORT/path HTTP/1.1`: relay to that host.
                let target =
                    line.split(' ').nth(1).and_then(|u| u.strip_prefix("http://")).and_then(|u| u.split('/').next());
                let Some(target) = target.map(str::to_owned) else { return };
                let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else { return };
                if outbound.write_all(&head).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (port, seen)
}

/// `HTTP_PROXY` sends the tool's traffic (token exchange and call) through the proxy; with
/// `NO_PROXY` covering the host it goes direct.
#[tokio::test]
async fn http_proxy_and_no_proxy_are_honoured() {
    let mock = MockServer::start().await;
    let page = Page::default().with_content(vec![instance("a")]).with_number(0).with_last(true);
    mock.process_manager().list_process_instances().respond(200, &page).await;
    let (proxy_port, seen) = recording_proxy().await;
    let host = mock.uri().trim_start_matches("http://").to_owned();
    let run_with = |no_proxy: Option<&str>| {
        let mut cmd = Command::new(binary());
        cmd.args(["process-manager", "list-process-instances"])
            .env_clear()
            .env("TRUSTX_API_KEY", MOCK_API_KEY)
            .env("TRUSTX_BASE_URL", mock.uri())
            .env("HTTP_PROXY", format!("http://127.0.0.1:{proxy_port}"));
        if let Some(list) = no_proxy {
            cmd.env("NO_PROXY", list);
        }
        cmd
    };
    let mut through = run_with(None);
    let out = tokio::task::spawn_blocking(move || through.output().expect("run")).await.expect("join");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = seen.lock().expect("lock").clone();
    assert!(!lines.is_empty(), "the proxy saw no request");
    assert!(lines.iter().all(|l| l.contains(&format!("http://{host}/"))), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("/api/")), "{lines:?}");

    seen.lock().expect("lock").clear();
    let mut direct = run_with(Some("127.0.0.1"));
    let out = tokio::task::spawn_blocking(move || direct.output().expect("run")).await.expect("join");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(seen.lock().expect("lock").is_empty(), "NO_PROXY was not honoured: {:?}", seen.lock().expect("lock"));
}

/// `-v` prints a wire log on stderr: method, URL and status of each attempt (the token exchange
/// and the call), with the API key's and the token's headers shown as `[redacted]`; stdout keeps
/// only the result.
#[tokio::test]
async fn verbose_prints_a_redacted_wire_log() {
    let mock = MockServer::start().await;
    let page = Page::default().with_content(vec![instance("a")]).with_number(0).with_last(true);
    mock.process_manager().list_process_instances().respond(200, &page).await;
    let out = run(&mock, &["-v", "process-manager", "list-process-instances", "--size", "5"], b"").await;
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let base = mock.uri();
    assert!(stderr.contains(&format!("> POST {base}/api/arthr/")), "{stderr}");
    assert!(stderr.contains(&format!("> GET {base}/api/process-manager/processInstances?size=5")), "{stderr}");
    assert!(stderr.contains("> authorization: [redacted]"), "{stderr}");
    assert!(stderr.lines().filter(|l| l.starts_with("< 200 (")).count() >= 2, "{stderr}");
    assert!(stderr.contains("> x-request-id: "), "{stderr}");
    for secret in [MOCK_API_KEY, trustx::test_util::MOCK_TOKEN] {
        assert!(!stderr.contains(secret), "a secret in the wire log: {stderr}");
    }
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is the JSON result");
    assert_eq!(value["content"][0]["id"], "a");
}

/// A page of three instances, one with a name a terminal would act on, on the mock.
async fn a_page_of_instances(mock: &MockServer) {
    let items = vec![
        instance("a").with_process_defn_name("Onboarding"),
        instance("b").with_process_defn_name("evil\u{1b}[31m"),
        instance("c"),
    ];
    let page = Page::default().with_content(items).with_number(0).with_last(true);
    mock.process_manager().list_process_instances().respond(200, &page).await;
}

/// `--query` runs a jq expression on the result: one JSON value per result, `-r` strings bare.
#[tokio::test]
async fn query_selects_with_jq_syntax() {
    let mock = MockServer::start().await;
    a_page_of_instances(&mock).await;
    let out = run(&mock, &["process-manager", "list-process-instances", "--query", ".content[].id"], b"").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "\"a\"\n\"b\"\n\"c\"\n");
    let raw = run(
        &mock,
        &[
            "-r",
            "-q",
            "[.content[] | select(.id != \"b\") | .id] | join(\",\")",
            "process-manager",
            "list-process-instances",
        ],
        b"",
    )
    .await;
    assert_eq!(text(&raw.stdout), "a,c\n", "{}", text(&raw.stderr));
    let bad = run(&mock, &["process-manager", "list-process-instances", "--query", ".content[] |"], b"").await;
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
    assert!(text(&bad.stderr).contains("--query"), "{}", text(&bad.stderr));
}

/// `--output yaml` prints YAML that reads back as the same value, server text escaped.
#[tokio::test]
async fn output_yaml_parses_back_to_the_json() {
    let mock = MockServer::start().await;
    a_page_of_instances(&mock).await;
    let json = run(&mock, &["process-manager", "list-process-instances"], b"").await;
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let out = run(&mock, &["process-manager", "list-process-instances", "--output", "yaml"], b"").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    assert!(!yaml.contains('\u{1b}'), "an escape character reached the terminal: {yaml}");
    let parsed: serde_json::Value = serde_yaml::from_str(&yaml).expect("YAML");
    assert_eq!(parsed, json);
    assert_eq!(parsed["content"][1]["processDefnName"], "evil\u{1b}[31m");
    // Every item of every page, as a YAML sequence.
    let all = run(&mock, &["-o", "yaml", "process-manager", "list-process-instances", "--all-pages"], b"").await;
    let parsed: serde_json::Value = serde_yaml::from_str(&text(&all.stdout)).expect("YAML");
    assert_eq!(parsed, json["content"]);
}

/// `--output table`: the page's items as rows, their scalar fields as columns, fitted to the width
/// (`COLUMNS`), cells escaped; `--output jsonl`: one item per line.
#[tokio::test]
async fn output_table_shows_the_items_of_a_page() {
    let mock = MockServer::start().await;
    a_page_of_instances(&mock).await;
    let out = run(&mock, &["process-manager", "list-process-instances", "--output", "table"], b"").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "a header and three rows: {table}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert!(header.contains(&"ID") && header.contains(&"STATUS") && header.contains(&"PROCESSDEFNNAME"), "{table}");
    assert!(!header.contains(&"CONTENT"), "{table}");
    assert!(lines[1].contains("Onboarding") && lines[1].contains("COMPLETED_ENDED_SUCCESS"), "{table}");
    assert!(lines[2].contains("evil\\u{1b}[31m") && !table.contains('\u{1b}'), "{table}");
    let narrow = Command::new(binary())
        .args(["process-manager", "list-process-instances", "-o", "table"])
        .env_clear()
        .env("TRUSTX_API_KEY", MOCK_API_KEY)
        .env("TRUSTX_BASE_URL", mock.uri())
        .env("COLUMNS", "30")
        .output()
        .expect("run");
    let narrow_text = text(&narrow.stdout);
    assert!(narrow.status.success() && narrow_text.lines().count() == 4, "{narrow_text}");
    assert!(narrow_text.lines().all(|l| l.chars().count() <= 30), "{narrow_text}");
    let jsonl = run(&mock, &["process-manager", "list-process-instances", "--output", "jsonl"], b"").await;
    assert_eq!(line_ids(&jsonl.stdout), ["a", "b", "c"]);
}

/// An enumerated flag lists its values in `--help`, refuses a typo with a suggestion (exit 2, nothing
/// sent), takes any case, and sends an unlisted value given as `raw:VALUE`.
#[tokio::test]
async fn an_enum_typo_is_refused_with_a_suggestion() {
    let mock = MockServer::start().await;
    let page = Page::default().with_content(vec![instance("a")]).with_number(0).with_last(true);
    let search = mock.process_manager().search_process_instances().respond(200, &page).await;
    let op = ["process-manager", "search-process-instances", "--process-instance-status"];
    let typo = run(&mock, &[&op[..], &["COMPLETED_ENDED_SUCESS"]].concat(), b"").await;
    let stderr = text(&typo.stderr);
    assert_eq!(typo.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("COMPLETED_ENDED_SUCESS") && stderr.contains("'COMPLETED_ENDED_SUCCESS'"), "{stderr}");
    assert!(stderr.contains("raw:"), "{stderr}");
    assert!(search.requests().await.is_empty(), "a refused value is not sent");

    let help = run(&mock, &["process-manager", "search-process-instances", "--help"], b"").await;
    let help = text(&help.stdout);
    assert!(help.contains("COMPLETED_PROCESS_ERROR") && help.contains("raw:VALUE"), "{help}");
    assert!(help.contains("Global options:"), "{help}");

    let lower = run(&mock, &[&op[..], &["review"]].concat(), b"").await;
    assert!(lower.status.success(), "{}", text(&lower.stderr));
    let raw = run(&mock, &[&op[..], &["raw:ARCHIVED"]].concat(), b"").await;
    assert!(raw.status.success(), "{}", text(&raw.stderr));
    let sent: Vec<String> = mock
        .wiremock()
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().ends_with("/processInstances/search"))
        .map(|r| r.url.query().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].contains("REVIEW") && sent[1].contains("ARCHIVED"), "{sent:?}");
}

/// The required properties of the request body of `operation_id`, read from the spec itself.
fn required_body_fields(operation_id: &str) -> Vec<String> {
    let spec: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(workspace::workspace().join("spec/trustx.yaml")).expect("spec"))
            .expect("YAML");
    let op = spec["paths"]
        .as_mapping()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_mapping().into_iter().flat_map(|m| m.values()))
        .find(|op| op["operationId"].as_str() == Some(operation_id))
        .expect("the operation");
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    let name = schema["$ref"].as_str().expect("a $ref").rsplit('/').next().expect("a name");
    spec["components"]["schemas"][name]["required"]
        .as_sequence()
        .expect("required")
        .iter()
        .map(|v| v.as_str().expect("a name").to_owned())
        .collect()
}

/// `--body-template` prints JSON holding every required field, required ones first, their types
/// shown; nothing is sent and no credentials are needed.
#[tokio::test]
async fn body_template_is_json_with_every_required_field_first() {
    let mock = MockServer::start().await;
    let out = Command::new(binary())
        .args(["process-manager", "create-process-token", "--body-template"])
        .env_clear()
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let template = text(&out.stdout);
    let value: serde_json::Value = serde_json::from_str(&template).expect("JSON");
    let required = required_body_fields("createProcessToken");
    assert!(required.len() >= 3, "{required:?}");
    let position = |key: &str| template.find(&format!("\n  \"{key}\": ")).unwrap_or(usize::MAX);
    let last_required = required.iter().map(|k| position(k)).max().expect("some");
    for key in &required {
        assert!(value.get(key).is_some(), "`{key}` missing: {template}");
        assert!(value[key].as_str().is_none_or(|p| p.ends_with(", required>")), "{template}");
    }
    for (key, v) in value.as_object().expect("an object") {
        if !required.contains(key) {
            assert!(position(key) > last_required, "optional `{key}` before a required field: {template}");
            assert!(v.as_str().is_none_or(|p| !p.contains("required")), "{template}");
        }
    }
    assert_eq!(value["maxCount"], "<integer>", "{template}");
    assert!(value["status"].as_str().is_some_and(|s| s.contains("ACTIVE")), "{template}");
    assert!(mock.wiremock().received_requests().await.unwrap_or_default().is_empty());
}

/// `-F` builds the body with typed values (numbers, `@file`, nested keys), `-f` keeps a string;
/// the server receives exactly that body.
#[tokio::test]
async fn fields_build_the_body_the_server_receives() {
    use trustx::models::{ProcessTokenCreateRequest, ProcessTokenStatus, ProcessTokenType};
    let mock = MockServer::start().await;
    let created =
        mock.process_manager().create_process_token().respond(201, &ProcessToken::default().with_id("pt-1")).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let description = dir.path().join("description.txt");
    std::fs::write(&description, "from a file").expect("write");
    let at_file = format!("description=@{}", description.display());
    let args = [
        "process-manager",
        "create-process-token",
        "-F",
        "name=n-7",
        "-F",
        "processDefnName=Onboarding",
        "-F",
        "status=ACTIVE",
        "-F",
        "type=UNLIMITED",
        "-F",
        "maxCount=3",
        "-F",
        "processDefnVersion=2",
        "-F",
        &at_file,
        "-f",
        "parameters.ID=42",
        "-f",
        "parameters[REF]=true",
    ];
    let out = run(&mock, &args, b"").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let received = created.requests().await;
    assert_eq!(received.len(), 1);
    let expected = ProcessTokenCreateRequest::new("n-7", "Onboarding", ProcessTokenStatus::Active)
        .with_type(ProcessTokenType::Unlimited)
        .with_max_count(3)
        .with_process_defn_version(2)
        .with_description("from a file")
        .with_parameters(trustx::serde_json::Map::from_iter([
            ("ID".to_owned(), "42".into()),
            ("REF".to_owned(), "true".into()),
        ]));
    assert_eq!(received[0].body.as_ref(), Some(&expected));
    // A field that is not KEY=VALUE, or fields beside --body, are usage errors; nothing is sent.
    let wrong = run(&mock, &["process-manager", "create-process-token", "-F", "name=1", "-F", "x"], b"").await;
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong.stderr));
    let both = run(&mock, &["process-manager", "create-process-token", "-F", "name=a", "--body", "-"], b"{}").await;
    assert_eq!(both.status.code(), Some(2), "{}", text(&both.stderr));
    assert_eq!(created.requests().await.len(), 1);
}

/// Runs the tool with only `vars` in its environment (no credentials or base URL of `run`).
async fn run_with_env(args: &[&str], vars: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .env_clear()
        .envs(vars.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn trustx");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait")).await.expect("join")
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A configuration folder with two profiles: `good` (the mock, its key in a file of mode 0600) and
/// `bad` (a closed port, its key in an environment variable).
#[cfg(unix)]
fn two_profiles(mock: &MockServer) -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let key_file = dir.path().join("good.key");
    std::fs::write(&key_file, format!("{MOCK_API_KEY}\n")).expect("write key");
    chmod(&key_file, 0o600);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let config = dir.path().join("trustx");
    std::fs::create_dir_all(&config).expect("mkdir");
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[profiles.good]\nbase_url = \"{}\"\napi_key_file = \"{}\"\n\n[profiles.bad]\nbase_url = \"http://127.0.0.1:{port}\"\napi_key_env = \"BAD_KEY\"\n",
            mock.uri(),
            key_file.display()
        ),
    )
    .expect("write config");
    let xdg = dir.path().to_string_lossy().into_owned();
    (dir, key_file, xdg)
}

/// A profile is chosen by `--profile` or `TRUSTX_PROFILE` (the flag winning), and a named profile
/// wins over the environment's base URL and key.
#[cfg(unix)]
#[tokio::test]
async fn a_profile_is_chosen_by_flag_or_environment() {
    let mock = MockServer::start().await;
    let page = Page::default().with_content(vec![instance("a")]).with_number(0).with_last(true);
    mock.process_manager().list_process_instances().respond(200, &page).await;
    let (_dir, _key, xdg) = two_profiles(&mock);
    let op = ["process-manager", "list-process-instances", "-q", ".content[0].id"];
    let env = [("XDG_CONFIG_HOME", xdg.as_str()), ("BAD_KEY", "bad-key")];

    let by_flag = run_with_env(&[&["--profile", "good"][..], &op].concat(), &env, b"").await;
    assert!(by_flag.status.success(), "{}", text(&by_flag.stderr));
    assert_eq!(text(&by_flag.stdout), "\"a\"\n");

    let by_env = run_with_env(&op, &[env[0], env[1], ("TRUSTX_PROFILE", "good")], b"").await;
    assert!(by_env.status.success(), "{}", text(&by_env.stderr));

    let bad = run_with_env(&op, &[env[0], env[1], ("TRUSTX_PROFILE", "bad")], b"").await;
    assert_eq!(bad.status.code(), Some(4), "the bad profile's closed port: {}", text(&bad.stderr));
    let flag_wins =
        run_with_env(&[&["--profile", "good"][..], &op].concat(), &[env[0], ("TRUSTX_PROFILE", "bad")], b"").await;
    assert!(flag_wins.status.success(), "{}", text(&flag_wins.stderr));

    // The named profile's server and key, not the environment's.
    let over_env = run_with_env(
        &[&["--profile", "good"][..], &op].concat(),
        &[env[0], ("TRUSTX_BASE_URL", "http://127.0.0.1:9"), ("TRUSTX_API_KEY", "wrong-key")],
        b"",
    )
    .await;
    assert!(over_env.status.success(), "{}", text(&over_env.stderr));

    let missing = run_with_env(&[&["--profile", "nope"][..], &op].concat(), &env, b"").await;
    assert_ne!(missing.status.code(), Some(0));
    let stderr = text(&missing.stderr);
    assert!(stderr.contains("no profile `nope`") && stderr.contains("good, bad"), "{stderr}");
}

/// A key file the group or others can read is refused with a clear message, before anything is
/// sent, and the key is not printed.
#[cfg(unix)]
#[tokio::test]
async fn a_key_file_readable_by_others_is_refused() {
    let mock = MockServer::start().await;
    let (_dir, key, xdg) = two_profiles(&mock);
    chmod(&key, 0o644);
    let out = run_with_env(
        &["--profile", "good", "process-manager", "list-process-instances"],
        &[("XDG_CONFIG_HOME", xdg.as_str())],
        b"",
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("can be read by others") && stderr.contains("chmod 600"), "{stderr}");
    assert!(!stderr.contains(MOCK_API_KEY), "{stderr}");
    assert!(mock.wiremock().received_requests().await.unwrap_or_default().is_empty());
}

/// `configure` writes a profile: the key from standard input goes to a file of mode 0600, never
/// into the configuration; the profile then works.
#[cfg(unix)]
#[tokio::test]
async fn configure_writes_a_profile_without_the_secret() {
    use std::os::unix::fs::PermissionsExt;
    let mock = MockServer::start().await;
    let page = Page::default().with_content(vec![instance("z")]).with_number(0).with_last(true);
    mock.process_manager().list_process_instances().respond(200, &page).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().to_string_lossy().into_owned();
    let env = [("HOME", home.as_str())];
    let uri = mock.uri();
    let out = run_with_env(
        &["configure", "--profile", "local", "--base-url", &uri, "--api-key-stdin"],
        &env,
        MOCK_API_KEY.as_bytes(),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config = dir.path().join(".config/trustx/config.toml");
    let written = std::fs::read_to_string(&config).expect("the configuration");
    assert!(written.contains("[profiles.local]") && written.contains(&uri), "{written}");
    assert!(!written.contains(MOCK_API_KEY), "the key was written into the configuration: {written}");
    let key_file = dir.path().join(".config/trustx/local.key");
    assert_eq!(std::fs::metadata(&key_file).expect("key file").permissions().mode() & 0o777, 0o600);
    let listed = run_with_env(&["configure"], &env, b"").await;
    assert!(text(&listed.stdout).contains("local: "), "{}", text(&listed.stdout));
    assert!(!text(&listed.stdout).contains(MOCK_API_KEY));
    let used = run_with_env(
        &["--profile", "local", "process-manager", "list-process-instances", "-q", ".content[].id"],
        &env,
        b"",
    )
    .await;
    assert_eq!(text(&used.stdout), "\"z\"\n", "{}", text(&used.stderr));
}

/// Completions are dynamic: the hook `completions bash` prints is small and asks the binary, which
/// completes services, operations and the values of enumerated flags.
#[tokio::test]
async fn completions_are_asked_of_the_binary() {
    let mock = MockServer::start().await;
    let hook = run(&mock, &["completions", "bash"], b"").await;
    let script = text(&hook.stdout);
    assert!(hook.status.success() && script.contains("COMPLETE=") && script.contains("trustx"), "{script}");
    assert!(script.len() < 4096, "the hook is {} bytes", script.len());
    let complete = |words: &[&str]| {
        let index = (words.len() - 1).to_string();
        let out = Command::new(binary())
            .arg("--")
            .args(words)
            .env_clear()
            .env("COMPLETE", "bash")
            .env("_CLAP_COMPLETE_INDEX", index)
            .env("_CLAP_IFS", "\n")
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout).lines().map(str::to_owned).collect::<Vec<_>>()
    };
    assert_eq!(complete(&["trustx", "process-m"]), ["process-manager"]);
    let ops = complete(&["trustx", "process-manager", "list-process-i"]);
    assert_eq!(ops, ["list-process-instances"]);
    let values = complete(&[
        "trustx",
        "process-manager",
        "search-process-instances",
        "--process-instance-status",
        "COMPLETED_E",
    ]);
    assert_eq!(values, ["COMPLETED_ENDED_SUCCESS", "COMPLETED_ENDED_ERROR"]);
}
