//! Bulk process tokens: one process token per external ID (the ID is a token parameter, so the
//! completed instance can be matched back to it), then a CSV of ID → end-user start address.
//!
//! Shows: `Client::from_env`, a request model with required fields and `with_` setters, typed
//! responses, and the start address of a token (`start_process_address`, or `{ui_url}?pt={id}`).
//!
//! ```sh
//! TRUSTX_API_KEY=... TRUSTX_TENANT=acme TRUSTX_REGION=gum \
//!     cargo run -p trustx --example bulk_process_tokens -- ids.txt Onboarding > tokens.csv
//! ```
//!
//! `ids.txt` has one ID per line (blank lines and `#` comments are skipped). Every ID is attempted;
//! failures are reported on stderr and in the CSV's `error` column, and the exit code is 1 if any failed.

use std::process::ExitCode;

use trustx::models::{ProcessToken, ProcessTokenCreateRequest, ProcessTokenStatus, ProcessTokenType};
use trustx::Client;

const USAGE: &str = "usage: cargo run -p trustx --example bulk_process_tokens -- <ids-file> <process-definition-name>

environment (see `Client::from_env`): TRUSTX_API_KEY (or TRUSTX_BEARER_TOKEN), TRUSTX_TENANT and
TRUSTX_REGION, or TRUSTX_BASE_URL";

/// Where the end user starts: the address the server gave, or the Trust Web address with the token.
fn start_address(token: &ProcessToken) -> Option<String> {
    if let Some(address) = &token.start_process_address {
        return Some(address.clone());
    }
    match (&token.ui_url, &token.id) {
        (Some(ui), Some(id)) => Some(format!("{ui}?pt={id}")),
        _ => None,
    }
}

/// A CSV field, quoted when it needs to be.
fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

async fn create(client: &Client, definition: &str, id: &str) -> Result<ProcessToken, trustx::Error> {
    let parameters = trustx::serde_json::Map::from_iter([("ID".to_owned(), id.into())]);
    let request = ProcessTokenCreateRequest::new(format!("{definition}-{id}"), definition, ProcessTokenStatus::Active)
        .with_type(ProcessTokenType::Unlimited)
        .with_parameters(parameters);
    client.process_manager().create_process_token(request).send().await
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(definition)) = (args.next(), args.next()) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("cannot read {file}: {err}");
            return ExitCode::from(2);
        }
    };
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("error: {err}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let ids = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
    println!("id,process_token_id,start_address,error");
    let mut failed = 0;
    for id in ids {
        match create(&client, &definition, id).await {
            Ok(token) => {
                let address = start_address(&token).unwrap_or_default();
                println!("{},{},{},", csv(id), csv(token.id.as_deref().unwrap_or_default()), csv(&address));
            }
            Err(err) => {
                failed += 1;
                eprintln!("{id}: {err}");
                println!("{},,,{}", csv(id), csv(&err.to_string()));
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} of the IDs failed");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
