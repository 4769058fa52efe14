//! Streams every process instance of the tenant, page after page, and prints one line each.
//!
//! Shows: `into_stream_capped` over a paged list operation — each page is one request, the
//! stream stops after the last page (or after the cap), and errors arrive as stream items.
//!
//! Run it with:
//!
//! ```sh
//! TRUSTX_API_KEY=... TRUSTX_TENANT=acme TRUSTX_REGION=fir \
//!     cargo run -p trustx --example list_process_instances -- [max-items]
//! ```

use std::process::ExitCode;

use futures_util::StreamExt as _;
use trustx::{ApiKey, Client, Region};

/// Builds a client from `TRUSTX_BASE_URL` or `TRUSTX_TENANT` + `TRUSTX_REGION`, and `TRUSTX_API_KEY`.
fn client_from_env() -> Result<Client, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let api_key = var("TRUSTX_API_KEY").ok_or("TRUSTX_API_KEY is not set")?;
    let mut builder = Client::builder().api_key(ApiKey::new(api_key));
    if let Some(tenant) = var("TRUSTX_TENANT") {
        builder = builder.tenant(tenant);
    }
    if let Some(base_url) = var("TRUSTX_BASE_URL") {
        // Plain http only for a local test server; production is always https.
        let insecure = base_url.starts_with("http://");
        builder = builder.base_url(base_url).allow_insecure_http(insecure);
    } else {
        let tenant = var("TRUSTX_TENANT");
        let region = var("TRUSTX_REGION");
        let (Some(_), Some(region)) = (tenant, region) else {
            return Err("set TRUSTX_BASE_URL, or TRUSTX_TENANT and TRUSTX_REGION (fir, gum or oak)".into());
        };
        let region: Region = region.parse().map_err(|e| format!("TRUSTX_REGION: {e}"))?;
        builder = builder.region(region);
    }
    builder.build().map_err(|e| e.to_string())
}

const USAGE_ENV: &str = "environment:
  TRUSTX_API_KEY    the tenant API key (required)
  TRUSTX_TENANT     the tenant name, e.g. acme
  TRUSTX_REGION     the region: fir, gum or oak
  TRUSTX_BASE_URL   instead of tenant + region, e.g. http://127.0.0.1:8080 for a local mock";

#[tokio::main]
async fn main() -> ExitCode {
    let max_items = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("usage: cargo run -p trustx --example list_process_instances -- [max-items]\n{USAGE_ENV}");
            return ExitCode::from(2);
        }
    };
    let client = match client_from_env() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE_ENV}");
            return ExitCode::from(2);
        }
    };

    let mut instances = client
        .process_manager()
        .list_process_instances()
        .size(50)
        .sort(vec!["createdAt,desc".to_owned()])
        .into_stream_capped(max_items);
    let mut count = 0usize;
    while let Some(item) = instances.next().await {
        match item {
            Ok(instance) => {
                count += 1;
                println!(
                    "{}\t{}\t{}",
                    instance.id.as_deref().unwrap_or("-"),
                    instance.status.as_ref().map(|s| s.as_str()).unwrap_or("-"),
                    instance.process_defn_name.as_deref().unwrap_or("-"),
                );
            }
            Err(err) => {
                eprintln!("listing stopped after {count} process instances: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{count} process instances");
    ExitCode::SUCCESS
}
