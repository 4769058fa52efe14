//! Migrate a process: copy the latest active version of a process definition, and what it uses,
//! from one tenant (the source) to another (the target), and activate each new version there.
//!
//! ```sh
//! # The source tenant is configured as usual (TRUSTX_*), the target with TRUSTX_TARGET_*.
//! TRUSTX_API_KEY=... TRUSTX_TENANT=acme-test TRUSTX_REGION=gum \
//! TRUSTX_TARGET_API_KEY=... TRUSTX_TARGET_TENANT=acme TRUSTX_TARGET_REGION=gum \
//!     cargo run -p trustx --example migrate_process -- Onboarding --custom-page welcome=welcome.zip --dry-run
//!
//! # Or with two profiles of the `trustx` tool's configuration file (`trustx configure --profile NAME`):
//! TRUSTX_PROFILE=test TRUSTX_TARGET_PROFILE=prod \
//!     cargo run -p trustx --example migrate_process -- Onboarding --dry-run
//! ```
//!
//! What is copied, each as a new version on the target (a new name there, or the next version of
//! a name the target already has; never a second asset of the same name), unless the target has a
//! version with the same content (see "Running it again"):
//! - the process definition's theme (its `themeId`), with every asset of the theme: each asset file
//!   is downloaded from the address the theme gives (a CDN) with `Client::download`, which sends no
//!   credentials, and uploaded to the new theme version;
//! - the cloud functions, custom data forms and custom pages the BPMN names (camunda input parameters
//!   `functionName`, `dataFormName`, `customPageName`), at the version the BPMN pins with
//!   `functionVersion`, `dataFormVersion`, `customPageVersion`, or the source's active version when
//!   it pins none;
//! - the process definition itself, with its BPMN rewritten so that each pinned version number is
//!   the new version on the target, and with the new theme's ID.
//!
//! What is not copied:
//! - a custom page's archive: the API returns none (only a preview address and hashed file names),
//!   so each custom page needs its ZIP given with `--custom-page NAME=FILE`; a missing one stops the
//!   migration before anything is created;
//! - watchlists the BPMN names (`watchlistName`): they hold data, not design; the report lists them;
//! - names the BPMN computes (`${...}`): listed, not resolved;
//! - theme assets outside the `global` group: only that group is documented and an upload names no
//!   group, so others are listed, not copied.
//!
//! Running it again. A migration stopped half-way (a network blip, a 503, a lost reply) is run
//! again as it was, and finishes it: before creating anything, the migration compares the newest
//! versions of each name on the target (up to 10) with the source, and reuses one with the same
//! content (the active one, else the newest) instead of copying it again. Content, per kind:
//! - theme: the palette, and the `global` assets by name with the same bytes (the target's files are
//!   downloaded from the addresses it gives); an `EDITABLE` theme an earlier run left without some
//!   assets is completed (the missing ones uploaded), then activated;
//! - cloud function: the script (`resource`) and `type`; custom data form: `resource`;
//! - custom page: the archive, compared as the server's content-addressed file list
//!   (`archiveEntries`) of the source version, since the API returns no archive;
//! - process definition: the BPMN, once its pins are rewritten to the target's versions, and the
//!   `themeId` of the target's theme.
//!
//! So a run after any failure ends with exactly one new version of each asset, active, and a second
//! run of a finished migration writes nothing. Nothing is rolled back (no source shows a delete).
//!
//! Order and failures. Everything is read first (source versions, the target's existing versions,
//! theme asset files, archives), then compared with the target (`on the target:` says what is
//! reused and what is created). Then each missing version is created (`EDITABLE`), and only when
//! all exist are they activated: the theme, functions, forms and pages first, the process definition
//! last. When a step fails, the exit code is 1 and the report reads every item back from the target
//! and says what it holds (active, on the target but not active, not on the target, or unknown when
//! it cannot be read): a reply the client did not see (a 503 after the server acted, a timeout) is
//! never reported as done or as not done without reading the target.
//!
//! `--dry-run` reads and compares everything and prints what would be created or reused, without
//! writing.
//!
//! Exit codes: 0 done (or, with `--dry-run`, possible); 1 a step failed; 2 bad arguments or
//! configuration, or the migration cannot start (nothing was written).

#![allow(deprecated)] // The custom page operations are deprecated in the API and still the only ones.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use trustx::Client;

/// Prints a line with the server's text in it made safe for a terminal.
macro_rules! say {
    ($($arg:tt)*) => { println!("{}", trustx::runtime::printable(&format!($($arg)*), 4000)) };
}

/// [`say!`] to standard error.
macro_rules! warn {
    ($($arg:tt)*) => { eprintln!("{}", trustx::runtime::printable(&format!($($arg)*), 4000)) };
}

mod assets;
mod bpmn;
mod plan;
mod reuse;
mod write;

struct Options {
    name: String,
    dry_run: bool,
    pages: BTreeMap<String, PathBuf>,
}

fn usage() -> &'static str {
    "usage: migrate_process PROCESS_DEFINITION_NAME [--custom-page NAME=FILE.zip]... [--dry-run]"
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let (mut name, mut dry_run, mut pages) = (None, false, BTreeMap::new());
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dry-run" => dry_run = true,
            "--custom-page" => {
                let spec = args.next().ok_or("--custom-page needs NAME=FILE")?;
                let (page, file) = spec.split_once('=').ok_or(format!("--custom-page `{spec}`: expected NAME=FILE"))?;
                pages.insert(page.to_owned(), PathBuf::from(file));
            }
            "-h" | "--help" => return Err(usage().to_owned()),
            other if other.starts_with('-') => return Err(format!("unknown option `{other}`\n{}", usage())),
            other if name.is_none() => name = Some(other.to_owned()),
            other => return Err(format!("unexpected argument `{other}`\n{}", usage())),
        }
    }
    let name = name.ok_or_else(|| usage().to_owned())?;
    Ok(Options { name, dry_run, pages })
}

/// The operator runs this at a terminal and the servers' messages are about tenant configuration,
/// so failures show them (`show_server_messages`; off by default, for logs).
fn source_client() -> Result<Client, trustx::Error> {
    Client::builder().apply_env_from(|name: &str| std::env::var(name).ok())?.show_server_messages(true).build()
}

fn target_client() -> Result<Client, trustx::Error> {
    let lookup = |name: &str| std::env::var(name.replacen("TRUSTX_", "TRUSTX_TARGET_", 1)).ok();
    Client::builder().apply_env_from(lookup)?.show_server_messages(true).build()
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            warn!("{message}");
            return ExitCode::from(2);
        }
    };
    let clients = source_client()
        .map_err(|e| format!("source: {e}"))
        .and_then(|source| Ok((source, target_client().map_err(|e| format!("target (TRUSTX_TARGET_*): {e}"))?)));
    let (source, target) = match clients {
        Ok(clients) => clients,
        Err(message) => {
            warn!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut migration = match plan::read(&source, &target, &options).await {
        Ok(migration) => migration,
        Err(message) => {
            warn!("error: {message}");
            say!("nothing was created");
            return ExitCode::from(2);
        }
    };
    say!(
        "source: process definition `{}` {} ({}), the latest active version",
        options.name,
        plan::shown_version(migration.definition.source.number),
        migration.definition.source.id
    );
    plan::print(&migration);
    if !migration.blockers.is_empty() {
        for blocker in &migration.blockers {
            say!("cannot migrate: {blocker}");
        }
        say!("nothing was created");
        return ExitCode::from(2);
    }
    if let Err(message) = plan::download_assets(&source, &mut migration).await {
        warn!("error: {message}");
        say!("cannot migrate: {message}");
        say!("nothing was created");
        return ExitCode::from(2);
    }
    if let Err(message) = plan::decide(&target, &mut migration).await {
        warn!("error: {message}");
        say!("cannot migrate: {message}");
        say!("nothing was created");
        return ExitCode::from(2);
    }
    if options.dry_run {
        say!("dry run: nothing was created");
        return ExitCode::SUCCESS;
    }
    match write::migrate(&target, &mut migration).await {
        Ok(()) => {
            let items: Vec<&plan::Item> = migration.assets.iter().chain([&migration.definition]).collect();
            let created = items.iter().filter(|i| i.created).count();
            let n = items.len();
            say!("done: {n} versions active on the target ({created} created, {} reused)", n - created);
            ExitCode::SUCCESS
        }
        Err(error) => {
            warn!("error: {error}");
            write::report(&target, &mut migration, &error).await;
            ExitCode::FAILURE
        }
    }
}
