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

use trustx::Client;

const USAGE_ENV: &str = "environment (see `Client::from_env`):
  TRUSTX_API_KEY    the tenant API key (or TRUSTX_BEARER_TOKEN)
  TRUSTX_TENANT     the tenant name, e.g. acme
  TRUSTX_REGION     the region: fir, gum (default) or oak
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
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("error: {err}\n{USAGE_ENV}");
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
