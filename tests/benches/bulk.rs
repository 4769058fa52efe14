//! `cargo bench -p trustx-tests --bench bulk`: the `bulk_process_tokens` example over 1,000 IDs
//! against a local server that answers each create after 20 ms, at `--concurrency 1` and
//! `--concurrency 8`; prints both times and their ratio (BENCHMARKS.md). Not a test: nothing is
//! asserted about time. `IDS`, `LATENCY_MS` and `CONCURRENCY` change the figures.

#[path = "../tests/workspace/mod.rs"]
mod workspace;

use std::process::Command;
use std::time::{Duration, Instant};

use trustx::test_util::{MockServer, MOCK_API_KEY};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Answers every create after the latency, with a token named after the request's ID.
struct Slow(Duration);

impl wiremock::Respond for Slow {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let id = body["parameters"]["ID"].as_str().unwrap_or_default().to_owned();
        let token = serde_json::json!({"id": format!("pt-{id}"), "name": body["name"],
            "startProcessAddress": format!("https://acme.gum.trustx.com/web/trustweb?pt=pt-{id}")});
        wiremock::ResponseTemplate::new(201).set_body_json(token).set_delay(self.0)
    }
}

#[tokio::main]
async fn main() {
    let (ids, latency, concurrency) = (env("IDS", 1000), env("LATENCY_MS", 20), env("CONCURRENCY", 8));
    let exe = workspace::example("bulk_process_tokens");
    let mock = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/api/process-manager/processTokens"))
        .respond_with(Slow(Duration::from_millis(latency)))
        .mount(mock.wiremock())
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let ids_file = dir.path().join("ids.txt");
    std::fs::write(&ids_file, (1..=ids).map(|n| format!("{n}\n")).collect::<String>()).expect("write ids");

    println!("bulk_process_tokens: {ids} IDs, {latency} ms per create (local server)");
    let mut times = Vec::new();
    for n in [1, concurrency] {
        let output = dir.path().join(format!("tokens-{n}.csv"));
        let mut command = Command::new(&exe);
        command
            .arg(&ids_file)
            .arg("Onboarding")
            .args(["--output", &output.to_string_lossy(), "--concurrency", &n.to_string()])
            .env_clear()
            .env("TRUSTX_API_KEY", MOCK_API_KEY)
            .env("TRUSTX_BASE_URL", mock.uri());
        let started = Instant::now();
        let out = workspace::output(command).await;
        let took = started.elapsed();
        assert!(out.status.success(), "the run failed: {}", String::from_utf8_lossy(&out.stderr));
        let rows = std::fs::read_to_string(&output).expect("the CSV").lines().count() - 1;
        assert_eq!(rows as u64, ids, "one row per ID");
        println!(
            "  --concurrency {n}: {:.2} s ({:.1} ms per ID, {:.0} IDs/s)",
            took.as_secs_f64(),
            took.as_secs_f64() * 1000.0 / ids as f64,
            ids as f64 / took.as_secs_f64()
        );
        times.push(took);
    }
    println!(
        "  ratio (concurrency 1 / concurrency {concurrency}): {:.2}×",
        times[0].as_secs_f64() / times[1].as_secs_f64()
    );
}
