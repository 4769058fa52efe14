//! Creates a process token and prints the address where an end user starts the process.
//!
//! Shows: building a client from the environment, a request model with required fields
//! (`ProcessTokenCreateRequest::new`), optional fields, and a typed response (`ProcessToken`).
//!
//! Run it with:
//!
//! ```sh
//! TRUSTX_API_KEY=... TRUSTX_TENANT=acme TRUSTX_REGION=fir \
//!     cargo run -p trustx --example create_process_token -- <process-definition-name> [token-name]
//! ```

use std::process::ExitCode;

use trustx::models::{ProcessTokenCreateRequest, ProcessTokenStatus, ProcessTokenType};
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
    let mut args = std::env::args().skip(1);
    let Some(definition) = args.next() else {
        eprintln!(
            "usage: cargo run -p trustx --example create_process_token -- <process-definition-name> [token-name]\n{USAGE_ENV}"
        );
        return ExitCode::from(2);
    };
    let name = args.next().unwrap_or_else(|| format!("{definition} (rust example)"));
    let client = match client_from_env() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE_ENV}");
            return ExitCode::from(2);
        }
    };

    let mut request = ProcessTokenCreateRequest::new(name, definition, ProcessTokenStatus::Active);
    request.type_ = Some(ProcessTokenType::Unlimited);
    match client.process_manager().create_process_token(request).send().await {
        Ok(token) => {
            println!("process token: {}", token.id.as_deref().unwrap_or("(no id)"));
            match token.start_process_address {
                Some(address) => println!("start address: {address}"),
                None => println!("the response carried no start address"),
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("creating the process token failed: {err}");
            ExitCode::FAILURE
        }
    }
}
