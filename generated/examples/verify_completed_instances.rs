//! Verify completed instances: every process instance that ended successfully, across pages, with its
//! process token's parameters and its user data; a CSV says whether a document number read from the
//! documents matches the `ID` the token was created with (see the `bulk_process_tokens` example).
//!
//! Shows: a filtered paged search streamed with `next()`, and two typed reads per item, for at most
//! `--concurrency` instances at once (default 4) while the search goes on.
//!
//! ```sh
//! TRUSTX_API_KEY=... TRUSTX_TENANT=acme TRUSTX_REGION=gum \
//!     cargo run -p trustx --example verify_completed_instances -- --output report.csv --concurrency 8
//! # stopped half-way? Continue, skipping the instances already in the report:
//!     cargo run -p trustx --example verify_completed_instances -- --output report.csv --resume
//! ```
//!
//! Columns: `process_instance_id,token_id,document_numbers,result,error` with `result` one of `match`,
//! `mismatch`, `no-id` (the token had no `ID` parameter), `no-document` (no document number read) or
//! `error` (a read failed; `error` says why). Rows come in the order the reads end, each written whole
//! as soon as it ends (to standard output without `--output`); the CSV is quoted (RFC 4180) and a cell a
//! spreadsheet would run as a formula is prefixed with `'`. `--resume` continues the file of
//! `--output`: instances with a result there other than `error` are not read again.
//!
//! Progress is shown on standard error when it is a terminal. The exit code is 1 when an instance
//! does not match or could not be read, or when the search failed.

#[path = "bulk/mod.rs"]
mod bulk;

use std::process::ExitCode;

use bulk::{by_first_cell, done_key, CsvOut, Pool, Progress};
use trustx::models::{ProcessInstanceStatus, UserData};
use trustx::Client;

const USAGE: &str = "usage: cargo run -p trustx --example verify_completed_instances -- \
                     [--output FILE [--resume]] [--concurrency N]";

const HEADER: [&str; 5] = ["process_instance_id", "token_id", "document_numbers", "result", "error"];

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

/// The row of one instance: its token's `ID` and user data read, and compared.
async fn check(client: Client, id: String, defn: String) -> [String; 5] {
    let read = async {
        let details = client.process_manager().get_process_instance_with_parameters(id.clone()).send().await?;
        let token_id = details.process_token_parameters.as_ref().and_then(|p| p.get("ID")).and_then(text);
        let data = client.userdata_server().get_process_instance_user_data(defn, id.clone()).send().await?;
        Ok::<_, trustx::Error>((token_id, document_numbers(&data)))
    };
    match read.await {
        Ok((token_id, numbers)) => {
            let result = match (&token_id, numbers.is_empty()) {
                (None, _) => "no-id",
                (Some(_), true) => "no-document",
                (Some(t), false) if numbers.iter().any(|n| n == t) => "match",
                (Some(_), false) => "mismatch",
            };
            [id, token_id.unwrap_or_default(), numbers.join(" "), result.to_owned(), String::new()]
        }
        Err(err) => [id, String::new(), String::new(), "error".to_owned(), err.to_string()],
    }
}

fn write(out: &mut CsvOut, progress: &mut Progress, row: [String; 5]) -> Result<(), String> {
    let bad = row[3] != "match";
    if row[3] == "error" {
        eprintln!("{}: {}", row[0], row[4]);
    }
    progress.tick(bad);
    out.write(&row).map_err(|e| format!("cannot write the CSV: {e}"))
}

async fn run(client: &Client, options: &bulk::BulkOptions) -> Result<Progress, String> {
    let (mut out, previous) = match &options.output {
        None => (CsvOut::stdout(&HEADER).map_err(|e| e.to_string())?, Vec::new()),
        Some(path) if options.resume => CsvOut::resume(path, &HEADER)?,
        Some(path) => (CsvOut::create(path, &HEADER)?, Vec::new()),
    };
    let previous = by_first_cell(previous);
    let mut instances = client
        .process_manager()
        .search_process_instances()
        .process_instance_status(ProcessInstanceStatus::CompletedEndedSuccess)
        .size(50)
        .into_stream();
    let mut progress = Progress::new(None);
    let mut pool = Pool::new(options.concurrency);
    let mut search = Ok(());
    while let Some(instance) = instances.next().await {
        let instance = match instance {
            Ok(instance) => instance,
            Err(err) => {
                search = Err(format!("searching the process instances: {err}"));
                break;
            }
        };
        // The search filters by status; an older server may not, so check again.
        if instance.status != Some(ProcessInstanceStatus::CompletedEndedSuccess) {
            continue;
        }
        let (Some(id), Some(defn)) = (instance.id.clone(), instance.process_defn_id.clone()) else { continue };
        if previous.get(&done_key(&id)).is_some_and(|row| row.get(3).is_some_and(|r| r != "error")) {
            progress.skipped += 1;
            continue;
        }
        if let Some(row) = pool.make_room().await {
            write(&mut out, &mut progress, row)?;
        }
        pool.start(check(client.clone(), id, defn));
    }
    while let Some(row) = pool.next().await {
        write(&mut out, &mut progress, row)?;
    }
    progress.finish();
    search.map(|()| progress)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match bulk::parse_options(std::env::args().skip(1)) {
        Ok(options) if options.positional.is_empty() => options,
        Ok(_) => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    match run(&client, &options).await {
        Ok(progress) => {
            let skipped = if progress.skipped > 0 {
                format!(" ({} more in the output already)", progress.skipped)
            } else {
                String::new()
            };
            if progress.failed == 0 {
                eprintln!("{} completed instances, all match{skipped}", progress.done);
                ExitCode::SUCCESS
            } else {
                eprintln!("{} completed instances, {} do not match{skipped}", progress.done, progress.failed);
                ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
