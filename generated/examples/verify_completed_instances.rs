//! Verify completed instances: every process instance that ended successfully, across pages, with its
//! process token's parameters and its user data; a CSV says whether a document number read from the
//! documents matches the `ID` the token was created with (see the `bulk_process_tokens` example).
//!
//! Shows: a filtered paged search streamed with `next()`, and two typed reads per item.
//!
//! ```sh
//! TRUSTX_API_KEY=... TRUSTX_TENANT=acme TRUSTX_REGION=gum \
//!     cargo run -p trustx --example verify_completed_instances > report.csv
//! ```
//!
//! Columns: `process_instance_id,token_id,document_numbers,result` with `result` one of `match`,
//! `mismatch`, `no-id` (the token had no `ID` parameter) or `no-document` (no document number read).
//! The exit code is 1 when an instance does not match.

use std::process::ExitCode;

use trustx::models::{ProcessInstanceStatus, UserData};
use trustx::Client;

/// The field name under which document readers report the document number.
const DOCUMENT_NUMBER: &str = "Document Number";

fn document_numbers(data: &UserData) -> Vec<String> {
    let documents = data.documents.iter().flat_map(|d| d.values());
    documents
        .flat_map(|doc| doc.biographic_data.iter().flatten())
        .filter(|field| field.field_name.as_deref() == Some(DOCUMENT_NUMBER))
        .filter_map(|field| field.values.as_ref().and_then(|v| v.visual_zone_value.clone()))
        .collect()
}

fn text(value: &trustx::serde_json::Value) -> Option<String> {
    match value {
        trustx::serde_json::Value::String(s) => Some(s.clone()),
        trustx::serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

async fn run(client: &Client) -> Result<(usize, usize), trustx::Error> {
    let mut instances = client
        .process_manager()
        .search_process_instances()
        .process_instance_status(ProcessInstanceStatus::CompletedEndedSuccess)
        .size(50)
        .into_stream();
    println!("process_instance_id,token_id,document_numbers,result");
    let (mut checked, mut failed) = (0, 0);
    while let Some(instance) = instances.next().await {
        let instance = instance?;
        // The search filters by status; an older server may not, so check again.
        if instance.status != Some(ProcessInstanceStatus::CompletedEndedSuccess) {
            continue;
        }
        let (Some(id), Some(defn)) = (instance.id.clone(), instance.process_defn_id.clone()) else { continue };
        let details = client.process_manager().get_process_instance_with_parameters(id.clone()).send().await?;
        let token_id = details.process_token_parameters.as_ref().and_then(|p| p.get("ID")).and_then(text);
        let data = client.userdata_server().get_process_instance_user_data(defn, id.clone()).send().await?;
        let numbers = document_numbers(&data);
        let result = match (&token_id, numbers.is_empty()) {
            (None, _) => "no-id",
            (Some(_), true) => "no-document",
            (Some(t), false) if numbers.iter().any(|n| n == t) => "match",
            (Some(_), false) => "mismatch",
        };
        checked += 1;
        if result != "match" {
            failed += 1;
        }
        println!("{id},{},{},{result}", token_id.unwrap_or_default(), numbers.join(" "));
    }
    Ok((checked, failed))
}

#[tokio::main]
async fn main() -> ExitCode {
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    match run(&client).await {
        Ok((checked, 0)) => {
            eprintln!("{checked} completed instances, all match");
            ExitCode::SUCCESS
        }
        Ok((checked, failed)) => {
            eprintln!("{checked} completed instances, {failed} do not match");
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
