//! Bulk process tokens: one process token per external ID (the ID is a token parameter, so the
//! completed instance can be matched back to it), then a CSV of ID → end-user start address.
//!
//! Shows: `Client::from_env`, a request model with required fields and `with_` setters, typed
//! responses, the start address of a token (`start_process_address`, or `{ui_url}?pt={id}`), and
//! bounded concurrency (a pool of tokio tasks).
//!
//! ```sh
//! TRUSTX_API_KEY=... TRUSTX_TENANT=acme TRUSTX_REGION=gum \
//!     cargo run -p trustx --example bulk_process_tokens -- ids.txt Onboarding --output tokens.csv --concurrency 8
//! # stopped half-way (a crash, Ctrl-C, a lost network)? Continue without issuing a token twice:
//!     cargo run -p trustx --example bulk_process_tokens -- ids.txt Onboarding --output tokens.csv --resume
//! ```
//!
//! `ids.txt` has one ID per line (blank lines and `#` comments are skipped; an ID given twice gets one
//! token). Every ID is attempted, at most `--concurrency` (default 4) at once; the CSV is written with
//! quoting (RFC 4180), and a cell a spreadsheet would run as a formula is prefixed with `'`. Its rows
//! come in the order the requests end, each written whole as soon as it ends.
//!
//! Columns: `id,process_token_id,start_address,outcome,error`, with `outcome` one of
//! - `created`: the server answered with the token;
//! - `found`: a `--resume` run found the token an earlier run's request created (see below);
//! - `refused`: the server answered 4xx, so nothing was created;
//! - `unknown`: the request was sent and no answer was seen (a 5xx, a timeout, a lost connection):
//!   the token may exist. A `--resume` run finds out before sending anything for that ID.
//!
//! Re-running. With `--output FILE`, each ID is also written to `FILE.sent` before its request is
//! sent. `--resume` continues `FILE`: IDs with a token there are skipped; refused ones are sent again;
//! IDs sent without a known outcome (an `unknown` row, or in `FILE.sent` without a row, as when the
//! run was killed) are looked up first among the tenant's process tokens (`listProcessTokens`, every
//! page, by the token's name `{process-definition}-{id}`), and only an ID whose token is not there
//! is sent again. When the tokens cannot be listed, those IDs are reported and left for the next run:
//! nothing is issued twice.
//!
//! Progress is shown on standard error when it is a terminal. The exit code is 0 when every ID has a
//! token, 1 when one does not (or its outcome is unknown), 2 for bad arguments or configuration.

#[path = "bulk/mod.rs"]
mod bulk;

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use bulk::{by_first_cell, done_key, CsvOut, Pool, Progress};
use trustx::models::{ProcessToken, ProcessTokenCreateRequest, ProcessTokenStatus, ProcessTokenType};
use trustx::serde_json::Value;
use trustx::Client;

const USAGE: &str = "usage: cargo run -p trustx --example bulk_process_tokens -- <ids-file> <process-definition-name>
    [--output FILE [--resume]] [--concurrency N]

environment (see `Client::from_env`): TRUSTX_API_KEY (or TRUSTX_BEARER_TOKEN), TRUSTX_TENANT and
TRUSTX_REGION, or TRUSTX_BASE_URL";

const HEADER: [&str; 5] = ["id", "process_token_id", "start_address", "outcome", "error"];

/// The most pages of process tokens a `--resume` run reads when it looks tokens up.
const MAX_TOKEN_PAGES: usize = 10_000;

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

/// The token's name: one per ID and process definition, so a token can be found again by it.
fn token_name(definition: &str, id: &str) -> String {
    format!("{definition}-{id}")
}

async fn create(client: &Client, definition: &str, id: &str) -> Result<ProcessToken, trustx::Error> {
    let parameters = trustx::serde_json::Map::from_iter([("ID".to_owned(), id.into())]);
    let request = ProcessTokenCreateRequest::new(token_name(definition, id), definition, ProcessTokenStatus::Active)
        .with_type(ProcessTokenType::Unlimited)
        .with_parameters(parameters);
    client.process_manager().create_process_token(request).send().await
}

/// Every process token of the tenant, by name (`listProcessTokens`, page after page). Its response
/// is not documented: a list (read as complete) or a page (`content`, until `last` or an empty page).
async fn tokens_by_name(client: &Client) -> Result<HashMap<String, ProcessToken>, String> {
    let mut found = HashMap::new();
    for page in 0..MAX_TOKEN_PAGES {
        let body = client
            .process_manager()
            .list_process_tokens()
            .query_param("page", page.to_string())
            .query_param("size", "100")
            .send()
            .await
            .map_err(|e| format!("listing the process tokens: {e}"))?;
        let (items, last) = match &*body {
            Value::Array(items) => (items.clone(), true),
            Value::Object(fields) => match fields.get("content") {
                Some(Value::Array(items)) => {
                    (items.clone(), fields.get("last").and_then(Value::as_bool).unwrap_or(items.is_empty()))
                }
                _ => return Err("listing the process tokens: the response has no `content` list".to_owned()),
            },
            _ => return Err("listing the process tokens: the response is neither a list nor a page".to_owned()),
        };
        let empty = items.is_empty();
        for item in items {
            if let Ok(token) = trustx::serde_json::from_value::<ProcessToken>(item) {
                if let Some(name) = token.name.clone() {
                    found.insert(name, token);
                }
            }
        }
        if last || empty {
            return Ok(found);
        }
    }
    Err(format!("listing the process tokens: more than {MAX_TOKEN_PAGES} pages"))
}

/// The row of an ID and what became of its request.
fn row(id: &str, outcome: &Result<ProcessToken, trustx::Error>, found: bool) -> [String; 5] {
    match outcome {
        Ok(token) => [
            id.to_owned(),
            token.id.clone().unwrap_or_default(),
            start_address(token).unwrap_or_default(),
            if found { "found" } else { "created" }.to_owned(),
            String::new(),
        ],
        Err(err) => {
            // A 4xx is an answer: nothing was created. Anything else may have created the token.
            let refused = err.status().is_some_and(|s| (400..500).contains(&s));
            let outcome = if refused { "refused" } else { "unknown" };
            [id.to_owned(), String::new(), String::new(), outcome.to_owned(), err.to_string()]
        }
    }
}

/// What a resumed run does with an ID.
enum Plan {
    Skip,
    Send,
    LookUp,
}

fn plan(id: &str, previous: &HashMap<String, Vec<String>>, sent: &HashSet<String>) -> Plan {
    let key = done_key(id);
    match previous.get(&key).map(|r| (r.get(1).map(String::as_str), r.get(3).map(String::as_str))) {
        Some((Some(token), _)) if !token.is_empty() => Plan::Skip,
        Some((_, Some("refused"))) => Plan::Send,
        Some(_) => Plan::LookUp,
        None if sent.contains(&key) => Plan::LookUp,
        None => Plan::Send,
    }
}

/// Writes the row and counts it; false when the CSV cannot be written.
fn write(out: &mut CsvOut, progress: &mut Progress, row: [String; 5]) -> bool {
    let bad = row[3] != "created" && row[3] != "found";
    if bad {
        eprintln!("{}: {} ({})", row[0], row[4], row[3]);
    }
    progress.tick(bad);
    out.write(&row).is_ok()
}

fn journal_path(output: &std::path::Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".sent");
    PathBuf::from(name)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match bulk::parse_options(std::env::args().skip(1)) {
        Ok(options) if options.positional.len() == 2 => options,
        Ok(_) => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (file, definition) = (&options.positional[0], options.positional[1].clone());
    let text = match std::fs::read_to_string(file) {
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
    let mut seen = HashSet::new();
    let ids: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| seen.insert(*l))
        .collect();

    // The output, the journal of IDs sent, and what an earlier run did.
    let opened = match &options.output {
        None => CsvOut::stdout(&HEADER).map(|out| (out, Vec::new())).map_err(|e| e.to_string()),
        Some(path) if options.resume => CsvOut::resume(path, &HEADER),
        Some(path) => CsvOut::create(path, &HEADER).map(|out| (out, Vec::new())),
    };
    let (mut out, previous) = match opened {
        Ok(opened) => opened,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let previous = by_first_cell(previous);
    let journal = options.output.as_deref().map(journal_path);
    let sent: HashSet<String> = match (&journal, options.resume) {
        (Some(path), true) => std::fs::read_to_string(path)
            .map(|t| bulk::parse(&t).into_iter().filter_map(|r| r.into_iter().next()).collect())
            .unwrap_or_default(),
        _ => HashSet::new(),
    };
    let journal = journal.map(|path| {
        let mut open = OpenOptions::new();
        if options.resume { open.append(true) } else { open.write(true).truncate(true) }.create(true).open(&path)
    });
    let mut journal: Option<File> = match journal.transpose() {
        Ok(journal) => journal,
        Err(err) => {
            eprintln!("error: cannot write the journal of sent IDs: {err}");
            return ExitCode::from(2);
        }
    };

    let mut progress = Progress::new(Some(ids.len()));
    // A resumed run: IDs an earlier run sent without a known outcome are looked up first.
    let mut to_send = Vec::new();
    let mut to_look_up = Vec::new();
    for id in &ids {
        match plan(id, &previous, &sent) {
            Plan::Skip => progress.skipped += 1,
            Plan::Send => to_send.push(*id),
            Plan::LookUp => to_look_up.push(*id),
        }
    }
    if !to_look_up.is_empty() {
        match tokens_by_name(&client).await {
            Ok(existing) => {
                for id in to_look_up {
                    match existing.get(&token_name(&definition, id)) {
                        Some(token) => {
                            if !write(&mut out, &mut progress, row(id, &Ok(token.clone()), true)) {
                                eprintln!("error: cannot write the CSV");
                                return ExitCode::FAILURE;
                            }
                        }
                        None => to_send.push(id),
                    }
                }
            }
            Err(message) => {
                // Not sent again: the earlier request may have created the token.
                eprintln!("error: {message}");
                for id in to_look_up {
                    progress.tick(true);
                    eprintln!("{id}: sent by an earlier run, outcome unknown: left for the next --resume");
                }
            }
        }
    }

    let definition: Arc<str> = definition.into();
    let mut pool: Pool<(String, Result<ProcessToken, trustx::Error>)> = Pool::new(options.concurrency);
    let mut ended = Vec::new();
    for id in to_send {
        ended.extend(pool.make_room().await);
        for (id, outcome) in ended.drain(..) {
            if !write(&mut out, &mut progress, row(&id, &outcome, false)) {
                eprintln!("error: cannot write the CSV");
                return ExitCode::FAILURE;
            }
        }
        if let Some(journal) = &mut journal {
            if journal.write_all(bulk::record(&[id]).as_bytes()).and_then(|()| journal.flush()).is_err() {
                eprintln!("error: cannot write the journal of sent IDs");
                return ExitCode::FAILURE;
            }
        }
        let (client, definition, id) = (client.clone(), definition.clone(), id.to_owned());
        pool.start(async move {
            let outcome = create(&client, &definition, &id).await;
            (id, outcome)
        });
    }
    while let Some((id, outcome)) = pool.next().await {
        if !write(&mut out, &mut progress, row(&id, &outcome, false)) {
            eprintln!("error: cannot write the CSV");
            return ExitCode::FAILURE;
        }
    }
    progress.finish();
    if progress.failed > 0 {
        eprintln!("{} of the IDs have no token", progress.failed);
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
