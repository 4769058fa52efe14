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
use trustx::Client;

const USAGE_ENV: &str = "environment (see `Client::from_env`):
  TRUSTX_API_KEY    the tenant API key (or TRUSTX_BEARER_TOKEN)
  TRUSTX_TENANT     the tenant name, e.g. acme
  TRUSTX_REGION     the region: fir, gum (default) or oak
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
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("error: {err}\n{USAGE_ENV}");
            return ExitCode::from(2);
        }
    };

    let request = ProcessTokenCreateRequest::new(name, definition, ProcessTokenStatus::Active)
        .with_type(ProcessTokenType::Unlimited);
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
