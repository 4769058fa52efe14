//! Migrate a process: copy the latest active version of a process definition, and what it uses,
//! from one tenant (the source) to another (the target), and activate each new version there.
//!
//! ```sh
//! # The source tenant is configured as usual (TRUSTX_*), the target with TRUSTX_TARGET_*.
//! TRUSTX_API_KEY=... TRUSTX_TENANT=acme-test TRUSTX_REGION=gum \
//! TRUSTX_TARGET_API_KEY=... TRUSTX_TARGET_TENANT=acme TRUSTX_TARGET_REGION=gum \
//!     cargo run -p trustx --example migrate_process -- Onboarding --custom-page welcome=welcome.zip --dry-run
//! ```
//!
//! What is copied, each as a new version on the target (a new name there, or the next version of
//! a name the target already has; never a second asset of the same name):
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
//! - names the BPMN computes (`${...}`): listed, not resolved.
//!
//! Order and failures. Everything is read first (source versions, the target's existing versions,
//! theme asset files, archives). Then every new version is created (`EDITABLE`), and only when all
//! exist are they activated: the theme, functions, forms and pages first, the process definition
//! last. When a step fails, the report lists what was created and what was activated, and the exit
//! code is 1: a failure while creating leaves nothing of the target's active configuration changed;
//! a failure while activating leaves the process definition's previous version active.
//!
//! `--dry-run` reads everything and prints what would be created, without writing.
//!
//! Exit codes: 0 done (or, with `--dry-run`, possible); 1 a step failed; 2 bad arguments or
//! configuration, or the migration cannot start (nothing was written).

#![allow(deprecated)] // The custom page operations are deprecated in the API and still the only ones.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::process::ExitCode;

use base64::Engine as _;
use trustx::models::{
    AssetVersionStatus, CloudFunction, CustomDataForm, CustomPageCreateRequest, ProcessDefinition,
    ProcessDefinitionBpmn, ProcessDefinitionResources, Theme, ThemeAssetUpload,
};
use trustx::serde_json::{Map, Value};
use trustx::Client;

/// How many versions of one name are read at most when looking for a version.
const MAX_VERSIONS: usize = 10_000;

/// A kind of versioned design-time asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Theme,
    CloudFunction,
    DataForm,
    CustomPage,
    ProcessDefinition,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Theme => "theme",
            Kind::CloudFunction => "cloud function",
            Kind::DataForm => "custom data form",
            Kind::CustomPage => "custom page",
            Kind::ProcessDefinition => "process definition",
        }
    }

    /// The BPMN input parameters naming an asset of this kind and pinning its version.
    fn bpmn_parameters(self) -> Option<(&'static str, &'static str)> {
        match self {
            Kind::CloudFunction => Some(("functionName", "functionVersion")),
            Kind::DataForm => Some(("dataFormName", "dataFormVersion")),
            Kind::CustomPage => Some(("customPageName", "customPageVersion")),
            Kind::Theme | Kind::ProcessDefinition => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the BPMN
// ---------------------------------------------------------------------------------------------

/// One `inputParameter` with a plain text value.
struct Parameter {
    name: String,
    value: String,
    /// Where the (trimmed) value is in the XML.
    span: Range<usize>,
    /// Which `inputOutput` block (task) it belongs to.
    block: usize,
}

fn unescape_xml(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(at) = rest.find(name) {
        let before = rest[..at].chars().last();
        let after = rest[at + name.len()..].trim_start();
        rest = &rest[at + name.len()..];
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let Some(value) = after.strip_prefix('=').map(str::trim_start) else { continue };
        let quote = value.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        return value[1..].find(quote).map(|end| &value[1..1 + end]);
    }
    None
}

/// The `inputParameter` elements of the BPMN whose value is text (any namespace prefix), in order.
fn input_parameters(xml: &str) -> Vec<Parameter> {
    let mut found = Vec::new();
    let (mut pos, mut block) = (0, 0);
    while let Some(open) = xml[pos..].find('<').map(|i| pos + i) {
        let Some(close) = xml[open..].find('>').map(|i| open + i) else { break };
        let tag = &xml[open + 1..close];
        pos = close + 1;
        if tag.starts_with('/') || tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        let element = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or_default();
        let local = element.rsplit(':').next().unwrap_or_default();
        if local == "inputOutput" {
            block += 1;
        }
        if local != "inputParameter" || tag.ends_with('/') {
            continue;
        }
        let Some(name) = attribute(tag, "name") else { continue };
        let Some(end) = xml[pos..].find("</").map(|i| pos + i) else { break };
        let raw = &xml[pos..end];
        if raw.contains('<') {
            continue; // a script, list or map: not a name
        }
        let start = pos + (raw.len() - raw.trim_start().len());
        let span = start..start + raw.trim().len();
        found.push(Parameter { name: unescape_xml(name), value: unescape_xml(raw.trim()), span, block });
    }
    found
}

/// An asset the BPMN names: its kind, name and pinned version, and where each pin is written.
#[derive(Debug, Default)]
struct BpmnUses {
    /// (kind, name, pinned version) → spans of the version text to rewrite.
    assets: BTreeMap<(Kind, String, Option<i32>), Vec<Range<usize>>>,
    watchlists: Vec<String>,
    computed: Vec<String>,
}

fn bpmn_uses(xml: &str) -> BpmnUses {
    let parameters = input_parameters(xml);
    let mut uses = BpmnUses::default();
    for p in &parameters {
        if p.name == "watchlistName" && !uses.watchlists.contains(&p.value) {
            uses.watchlists.push(p.value.clone());
        }
        for kind in [Kind::CloudFunction, Kind::DataForm, Kind::CustomPage] {
            let Some((name_param, version_param)) = kind.bpmn_parameters() else { continue };
            if p.name != name_param {
                continue;
            }
            if p.value.contains("${") || p.value.contains("#{") || p.value.is_empty() {
                uses.computed.push(format!("{} `{}`", kind.label(), p.value));
                continue;
            }
            let pin = parameters.iter().find(|v| v.block == p.block && v.name == version_param);
            let pinned = pin.and_then(|v| v.value.parse::<i32>().ok().map(|n| (n, v.span.clone())));
            let key = (kind, p.value.clone(), pinned.as_ref().map(|(n, _)| *n));
            let spans = uses.assets.entry(key).or_default();
            if let Some((_, span)) = pinned {
                spans.push(span);
            }
        }
    }
    uses
}

/// The BPMN with each span replaced by its text (spans do not overlap).
fn rewrite(xml: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(span, _)| span.start);
    let mut out = String::with_capacity(xml.len());
    let mut at = 0;
    for (span, text) in edits {
        out.push_str(&xml[at..span.start]);
        out.push_str(&text);
        at = span.end;
    }
    out.push_str(&xml[at..]);
    out
}

// ---------------------------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------------------------

/// One version of a named asset: its ID, number and status.
#[derive(Debug, Clone)]
struct Version {
    id: String,
    number: Option<i32>,
    status: Option<AssetVersionStatus>,
}

/// The versions of `name` on `client`, newest first (an unknown name is an empty list).
async fn versions(client: &Client, kind: Kind, name: &str) -> Result<Vec<Version>, trustx::Error> {
    let sort = vec!["version,desc".to_owned()];
    let mut list = Vec::new();
    macro_rules! collect {
        ($stream:expr, $id:expr) => {{
            let mut stream = $stream;
            while let Some(item) = stream.next().await {
                let item = match item {
                    Ok(item) => item,
                    Err(e) if e.status() == Some(404) => break,
                    Err(e) => return Err(e),
                };
                #[allow(clippy::redundant_closure_call)]
                if let Some(id) = ($id)(&item) {
                    list.push(Version { id, number: item.version, status: item.status.clone() });
                }
            }
        }};
    }
    match kind {
        Kind::ProcessDefinition => collect!(
            client
                .process_manager()
                .list_process_definition_versions(name)
                .sort(sort)
                .size(20)
                .into_stream_capped(MAX_VERSIONS),
            |v: &trustx::models::ProcessDefinitionVersion| v.process_definition_id.clone().or(v.id.clone())
        ),
        Kind::CloudFunction => collect!(
            client
                .process_manager()
                .list_cloud_function_versions(name)
                .sort(sort)
                .size(20)
                .into_stream_capped(MAX_VERSIONS),
            |v: &trustx::models::VersionedAssetItem| v.id.clone()
        ),
        Kind::DataForm => collect!(
            client
                .process_manager()
                .list_custom_data_form_versions(name)
                .sort(sort)
                .size(20)
                .into_stream_capped(MAX_VERSIONS),
            |v: &trustx::models::VersionedAssetItem| v.id.clone()
        ),
        Kind::Theme => collect!(
            client.theme_server().list_theme_versions(name).sort(sort).size(20).into_stream_capped(MAX_VERSIONS),
            |v: &trustx::models::VersionedAssetItem| v.id.clone()
        ),
        Kind::CustomPage => collect!(
            client.theme_server().get_custom_page_versions(name).sort(sort).size(20).into_stream_capped(MAX_VERSIONS),
            |v: &trustx::models::VersionedAssetItem| v.id.clone()
        ),
    }
    list.sort_by_key(|v| std::cmp::Reverse(v.number));
    Ok(list)
}

/// The version to copy: the pinned one, else the active one.
fn pick(list: &[Version], pinned: Option<i32>) -> Option<&Version> {
    match pinned {
        Some(n) => list.iter().find(|v| v.number == Some(n)),
        None => list.iter().find(|v| v.status == Some(AssetVersionStatus::DeployedActive)),
    }
}

/// A version number in a response's fields, as a number or a numeric string.
fn number_in(fields: &Map<String, Value>) -> Option<i32> {
    match fields.get("version")? {
        Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------------------------

/// What a new version is created from.
enum Payload {
    Theme { theme: Theme, assets: Vec<Asset> },
    CloudFunction(CloudFunction),
    DataForm(CustomDataForm),
    CustomPage { description: Option<String>, archive: Option<(PathBuf, Vec<u8>)> },
    ProcessDefinition { definition: Box<ProcessDefinition>, bpmn: String },
}

/// A theme asset: its name and address, and its bytes once downloaded.
struct Asset {
    name: String,
    url: String,
    bytes: Option<Vec<u8>>,
}

/// One asset to copy and what became of it.
struct Item {
    kind: Kind,
    name: String,
    /// The version copied from the source.
    source: Version,
    /// The BPMN's pins of this asset (spans of the version number).
    pins: Vec<Range<usize>>,
    /// The newest version on the target before the migration, when the name exists there.
    target_latest: Option<Option<i32>>,
    payload: Payload,
    created: Option<Version>,
    activated: bool,
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind.label(), self.name)?;
        if let Some(new) = &self.created {
            write!(f, " {} ({})", shown_version(new.number), new.id)?;
        }
        Ok(())
    }
}

fn shown_version(number: Option<i32>) -> String {
    number.map_or_else(|| "v?".to_owned(), |n| format!("v{n}"))
}

struct Migration {
    definition: Item,
    /// Theme, functions, forms and pages, in creation order.
    assets: Vec<Item>,
    uses: BpmnUses,
    /// Problems that stop the migration before it writes.
    blockers: Vec<String>,
}

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

async fn target_latest(target: &Client, kind: Kind, name: &str) -> Result<Option<Option<i32>>, trustx::Error> {
    Ok(versions(target, kind, name).await?.first().map(|v| v.number))
}

/// Reads everything the migration needs; writes nothing.
async fn plan(source: &Client, target: &Client, options: &Options) -> Result<Migration, String> {
    let fail = |what: String| move |e: trustx::Error| format!("{what}: {e}");
    let name = &options.name;
    let all = versions(source, Kind::ProcessDefinition, name)
        .await
        .map_err(fail(format!("listing `{name}` on the source")))?;
    let chosen = pick(&all, None).ok_or(format!("the source has no active version of process definition `{name}`"))?;
    let definition = source
        .process_manager()
        .get_process_definition(chosen.id.clone())
        .send()
        .await
        .map_err(fail(format!("reading process definition `{name}` ({})", chosen.id)))?;
    let data = definition.resources.as_ref().and_then(|r| r.bpmn.as_ref()).and_then(|b| b.data.as_deref());
    let data = data.ok_or(format!("process definition `{name}` ({}) has no BPMN", chosen.id))?;
    let xml = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(format!("the BPMN of `{name}` ({}) is not base64-encoded UTF-8", chosen.id))?;
    let uses = bpmn_uses(&xml);
    let mut assets = Vec::new();
    let mut blockers = Vec::new();

    if let Some(theme_id) = definition.theme_id.clone() {
        let theme = source
            .theme_server()
            .get_theme_with_assets(theme_id.clone())
            .send()
            .await
            .map_err(fail(format!("reading theme {theme_id}")))?;
        let theme_name = theme.name.clone().ok_or(format!("theme {theme_id} has no name"))?;
        let mut files = Vec::new();
        for asset in theme.assets.iter().flat_map(|a| a.global.iter().flatten()) {
            let (Some(asset_name), Some(url)) = (asset.name.clone(), asset.path.clone()) else {
                blockers.push(format!("theme `{theme_name}` has an asset without a name or address"));
                continue;
            };
            files.push(Asset { name: asset_name, url, bytes: None });
        }
        let target_latest = target_latest(target, Kind::Theme, &theme_name)
            .await
            .map_err(fail(format!("listing `{theme_name}` on the target")))?;
        let source_version = Version { id: theme_id, number: theme.version, status: theme.status.clone() };
        assets.push(Item {
            kind: Kind::Theme,
            name: theme_name,
            source: source_version,
            pins: Vec::new(),
            target_latest,
            payload: Payload::Theme { theme, assets: files },
            created: None,
            activated: false,
        });
    }

    for ((kind, asset_name, pinned), pins) in &uses.assets {
        let label = kind.label();
        let list = versions(source, *kind, asset_name)
            .await
            .map_err(fail(format!("listing {label} `{asset_name}` on the source")))?;
        let Some(version) = pick(&list, *pinned).cloned() else {
            let which = pinned.map_or("an active version".to_owned(), |n| format!("version {n}"));
            blockers.push(format!("the source has no {which} of {label} `{asset_name}`"));
            continue;
        };
        let read = fail(format!("reading {label} `{asset_name}` ({})", version.id));
        let payload = match kind {
            Kind::CloudFunction => Payload::CloudFunction(
                source.process_manager().get_cloud_function(version.id.clone()).send().await.map_err(read)?,
            ),
            Kind::DataForm => Payload::DataForm(
                source.process_manager().get_custom_data_form(version.id.clone()).send().await.map_err(read)?,
            ),
            _ => {
                let page = source.theme_server().get_custom_page(version.id.clone()).send().await.map_err(read)?;
                let archive = match options.pages.get(asset_name) {
                    Some(path) => match std::fs::read(path) {
                        Ok(bytes) => Some((path.clone(), bytes)),
                        Err(e) => return Err(format!("reading {}: {e}", path.display())),
                    },
                    None => {
                        blockers.push(format!(
                            "custom page `{asset_name}`: the API does not return its archive; give it with \
                             --custom-page {asset_name}=FILE.zip"
                        ));
                        None
                    }
                };
                Payload::CustomPage { description: page.description, archive }
            }
        };
        let target_latest = target_latest(target, *kind, asset_name)
            .await
            .map_err(fail(format!("listing {label} `{asset_name}` on the target")))?;
        assets.push(Item {
            kind: *kind,
            name: asset_name.clone(),
            source: version,
            pins: pins.clone(),
            target_latest,
            payload,
            created: None,
            activated: false,
        });
    }
    assets.sort_by_key(|item| item.kind);

    let target_latest = target_latest(target, Kind::ProcessDefinition, name)
        .await
        .map_err(fail(format!("listing process definition `{name}` on the target")))?;
    let definition = Item {
        kind: Kind::ProcessDefinition,
        name: name.clone(),
        source: chosen.clone(),
        pins: Vec::new(),
        target_latest,
        payload: Payload::ProcessDefinition { definition: Box::new(definition), bpmn: xml },
        created: None,
        activated: false,
    };
    Ok(Migration { definition, assets, uses, blockers })
}

/// Downloads the theme's asset files (from the addresses the theme gives; no credentials are sent).
async fn download_assets(source: &Client, migration: &mut Migration) -> Result<(), String> {
    for item in &mut migration.assets {
        let Payload::Theme { assets, .. } = &mut item.payload else { continue };
        for asset in assets {
            let bytes = source
                .download(&asset.url)
                .await
                .map_err(|e| format!("downloading asset `{}` of theme `{}`: {e}", asset.name, item.name))?;
            asset.bytes = Some(bytes.to_vec());
        }
    }
    Ok(())
}

fn print_plan(migration: &Migration) {
    println!("plan:");
    for item in migration.assets.iter().chain([&migration.definition]) {
        let from = shown_version(item.source.number);
        let to = match item.target_latest {
            None => "new on the target".to_owned(),
            Some(latest) => format!("next version on the target (its newest is {})", shown_version(latest)),
        };
        let extra = match &item.payload {
            Payload::Theme { assets, .. } => {
                let names: Vec<&str> = assets.iter().map(|a| a.name.as_str()).collect();
                format!(", assets: {}", if names.is_empty() { "none".to_owned() } else { names.join(", ") })
            }
            Payload::CustomPage { archive: Some((path, _)), .. } => format!(", archive {}", path.display()),
            _ => String::new(),
        };
        println!("  create {} `{}` from source {from} ({}): {to}{extra}", item.kind.label(), item.name, item.source.id);
    }
    for watchlist in &migration.uses.watchlists {
        println!("  not copied: watchlist `{watchlist}` (data, not design): the target needs its own");
    }
    for computed in &migration.uses.computed {
        println!("  not copied: {computed}, a name the BPMN computes");
    }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Learns the number of a version just created when the response did not say it.
async fn created_version(
    target: &Client,
    item: &Item,
    id: Option<String>,
    number: Option<i32>,
    status: Option<AssetVersionStatus>,
) -> Result<Version, String> {
    let id = id.ok_or(format!("creating {} `{}`: the response has no ID", item.kind.label(), item.name))?;
    if number.is_some() {
        return Ok(Version { id, number, status });
    }
    let list = versions(target, item.kind, &item.name)
        .await
        .map_err(|e| format!("finding the new version of {} `{}`: {e}", item.kind.label(), item.name))?;
    let found = list.into_iter().find(|v| v.id == id);
    Ok(Version { id, number: found.as_ref().and_then(|v| v.number), status: status.or(found.and_then(|v| v.status)) })
}

/// Creates the new version of `item` on the target (`EDITABLE`), with its theme assets.
async fn create(target: &Client, item: &mut Item, theme_id: Option<&str>, bpmn: Option<String>) -> Result<(), String> {
    let what = format!("creating {} `{}`", item.kind.label(), item.name);
    let fail = |e: trustx::Error| format!("{what}: {e}");
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let (id, number, status) = match &item.payload {
        Payload::Theme { theme, .. } => {
            let mut body = Theme::default().with_name(item.name.clone()).with_status(AssetVersionStatus::Editable);
            body.description = theme.description.clone();
            body.palette = theme.palette.clone();
            let made = target.theme_server().create_theme(body).send().await.map_err(fail)?;
            (made.id, made.version, made.status)
        }
        Payload::CloudFunction(source) => {
            let mut body =
                CloudFunction::default().with_name(item.name.clone()).with_status(AssetVersionStatus::Editable);
            body.description = source.description.clone();
            body.type_ = source.type_.clone();
            body.resource = source.resource.clone();
            let made = target.process_manager().create_cloud_function(body).send().await.map_err(fail)?;
            (made.id, number_in(&made.additional_properties), made.status)
        }
        Payload::DataForm(source) => {
            let mut body = CustomDataForm::default()
                .with_name(item.name.clone())
                .with_status(AssetVersionStatus::Editable)
                .with_creation_option("Save & Deploy");
            body.description = source.description.clone();
            body.resource = source.resource.clone();
            let made = target.process_manager().create_custom_data_form(body).send().await.map_err(fail)?;
            (made.id, made.version, made.status)
        }
        Payload::CustomPage { description, archive } => {
            let Some((_, zip)) = archive else { return Err(format!("{what}: no archive")) };
            let mut body = CustomPageCreateRequest::default()
                .with_name(item.name.clone())
                .with_archive(b64(zip))
                .with_creation_option("Save & Deploy");
            body.description = description.clone();
            let made = target.theme_server().create_custom_page(body).send().await.map_err(fail)?;
            (made.id, made.version, made.status)
        }
        Payload::ProcessDefinition { definition, .. } => {
            let bpmn = bpmn.unwrap_or_default();
            let resources = ProcessDefinitionResources::default()
                .with_bpmn(ProcessDefinitionBpmn::default().with_data(b64(bpmn.as_bytes())).with_type("BPMN"));
            let mut body = ProcessDefinition::default().with_name(item.name.clone()).with_resources(resources);
            body.description = definition.description.clone();
            body.server_type = definition.server_type.clone();
            body.process_definition_type = definition.process_definition_type.clone();
            body.attributes = definition.attributes.clone();
            body.theme_id = theme_id.map(str::to_owned);
            let made = target.process_manager().create_process_definition(body).send().await.map_err(fail)?;
            (made.id, number_in(&made.additional_properties), None)
        }
    };
    let version = created_version(target, item, id, number, status).await?;
    println!("created   {} `{}` {} ({})", item.kind.label(), item.name, shown_version(version.number), version.id);
    if version.status == Some(AssetVersionStatus::DeployedActive) {
        println!("          the server activated it on create");
        item.activated = true;
    }
    let new_id = version.id.clone();
    item.created = Some(version);
    if let Payload::Theme { assets, .. } = &item.payload {
        for asset in assets {
            let file = asset.url.rsplit('/').next().unwrap_or_default().split(['?', '#']).next().unwrap_or_default();
            let extension = file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
            let bytes = asset.bytes.as_deref().unwrap_or_default();
            let upload = ThemeAssetUpload::default()
                .with_name(asset.name.clone())
                .with_content_type(content_type(&extension))
                .with_file_extension(extension.clone())
                .with_asset_resource(b64(bytes));
            target
                .theme_server()
                .upload_theme_asset(new_id.clone(), upload)
                .send()
                .await
                .map_err(|e| format!("uploading asset `{}` to theme `{}` ({new_id}): {e}", asset.name, item.name))?;
            println!("uploaded  theme asset `{}` ({} bytes)", asset.name, bytes.len());
        }
    }
    Ok(())
}

/// A media type from a file extension (`application/octet-stream` when unknown).
fn content_type(extension: &str) -> &'static str {
    match extension {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "css" => "text/css",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

async fn activate(target: &Client, item: &mut Item) -> Result<(), String> {
    let Some(new) = item.created.clone() else { return Ok(()) };
    if item.activated {
        return Ok(());
    }
    let id = new.id.clone();
    let result = match item.kind {
        Kind::Theme => target.theme_server().activate_theme(id).send().await.map(drop),
        Kind::CloudFunction => target.process_manager().activate_cloud_function(id).send().await.map(drop),
        Kind::DataForm => target.process_manager().activate_custom_data_form(id).send().await.map(drop),
        Kind::CustomPage => {
            target.theme_server().change_custom_page_status(id, "DEPLOYED_ACTIVE").send().await.map(drop)
        }
        Kind::ProcessDefinition => target.process_manager().activate_process_definition(id).send().await.map(drop),
    };
    result.map_err(|e| format!("activating {item}: {e}"))?;
    item.activated = true;
    println!("activated {item}");
    Ok(())
}

/// Creates every new version, then activates them; stops at the first failure.
async fn migrate(target: &Client, migration: &mut Migration) -> Result<(), String> {
    for item in &mut migration.assets {
        create(target, item, None, None).await?;
    }
    let theme_id =
        migration.assets.iter().find(|i| i.kind == Kind::Theme).and_then(|i| i.created.as_ref()).map(|v| v.id.clone());
    let Payload::ProcessDefinition { bpmn, .. } = &migration.definition.payload else {
        return Err("internal: the process definition has no BPMN".to_owned());
    };
    let mut edits = Vec::new();
    for item in &migration.assets {
        let Some(number) = item.created.as_ref().and_then(|v| v.number) else {
            if !item.pins.is_empty() {
                return Err(format!("the new version number of {item} is unknown, so the BPMN cannot pin it"));
            }
            continue;
        };
        for span in &item.pins {
            edits.push((span.clone(), number.to_string()));
        }
        if !item.pins.is_empty() {
            println!(
                "rewrote   BPMN: {} `{}` pinned {} → {}",
                item.kind.label(),
                item.name,
                shown_version(item.source.number),
                shown_version(Some(number))
            );
        }
    }
    let bpmn = rewrite(bpmn, edits);
    create(target, &mut migration.definition, theme_id.as_deref(), Some(bpmn)).await?;
    for item in &mut migration.assets {
        activate(target, item).await?;
    }
    activate(target, &mut migration.definition).await
}

fn report(migration: &Migration, error: &str) {
    println!("FAILED: {error}");
    println!("report:");
    let items: Vec<&Item> = migration.assets.iter().chain([&migration.definition]).collect();
    for item in &items {
        let state = match (&item.created, item.activated) {
            (Some(_), true) => "activated",
            (Some(_), false) => "created, NOT activated (left EDITABLE)",
            (None, _) => "not created",
        };
        println!("  {state}: {item}");
    }
    let any_active = items.iter().any(|i| i.activated);
    if !any_active {
        println!("nothing was activated: the target's active versions are as they were");
    } else if !migration.definition.activated {
        println!(
            "the activated versions above are now active on the target; its active process definition is unchanged"
        );
    }
    if items.iter().any(|i| i.created.is_some() && !i.activated) {
        println!("versions created and not activated stay on the target: activate or remove them, or run again");
    }
}

fn target_client() -> Result<Client, trustx::Error> {
    let lookup = |name: &str| std::env::var(name.replacen("TRUSTX_", "TRUSTX_TARGET_", 1)).ok();
    Client::builder().apply_env_from(lookup)?.build()
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let clients = Client::from_env()
        .map_err(|e| format!("source: {e}"))
        .and_then(|source| Ok((source, target_client().map_err(|e| format!("target (TRUSTX_TARGET_*): {e}"))?)));
    let (source, target) = match clients {
        Ok(clients) => clients,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut migration = match plan(&source, &target, &options).await {
        Ok(migration) => migration,
        Err(message) => {
            eprintln!("error: {message}");
            println!("nothing was created");
            return ExitCode::from(2);
        }
    };
    println!(
        "source: process definition `{}` {} ({}), the latest active version",
        options.name,
        shown_version(migration.definition.source.number),
        migration.definition.source.id
    );
    print_plan(&migration);
    if !migration.blockers.is_empty() {
        for blocker in &migration.blockers {
            println!("cannot migrate: {blocker}");
        }
        println!("nothing was created");
        return ExitCode::from(2);
    }
    if options.dry_run {
        println!("dry run: nothing was created");
        return ExitCode::SUCCESS;
    }
    if let Err(message) = download_assets(&source, &mut migration).await {
        eprintln!("error: {message}");
        println!("cannot migrate: {message}");
        println!("nothing was created");
        return ExitCode::from(2);
    }
    match migrate(&target, &mut migration).await {
        Ok(()) => {
            let n = migration.assets.len() + 1;
            println!("done: {n} new versions created and activated on the target");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            report(&migration, &error);
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BPMN: &str = r#"<bpmn:definitions xmlns:camunda="http://camunda.org/schema/1.0/bpmn">
      <bpmn:serviceTask id="a"><bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="functionName">checkAge</camunda:inputParameter>
        <camunda:inputParameter name="functionVersion"> 2 </camunda:inputParameter>
        <camunda:inputParameter name="processVariables"><camunda:list /></camunda:inputParameter>
      </camunda:inputOutput></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:userTask id="b"><bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name='dataFormName'>kyc &amp; aml</camunda:inputParameter>
        <camunda:inputParameter name="functionVersion">9</camunda:inputParameter>
        <camunda:inputParameter name="watchlistName">pep</camunda:inputParameter>
      </camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>
      <bpmn:userTask id="c"><bpmn:extensionElements><camunda:inputOutput>
        <camunda:inputParameter name="customPageName">${page}</camunda:inputParameter>
      </camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>
    </bpmn:definitions>"#;

    #[test]
    fn finds_names_and_pins_per_task() {
        let uses = bpmn_uses(BPMN);
        let keys: Vec<_> = uses.assets.keys().cloned().collect();
        assert_eq!(
            keys,
            [(Kind::CloudFunction, "checkAge".to_owned(), Some(2)), (Kind::DataForm, "kyc & aml".to_owned(), None)]
        );
        assert_eq!(uses.watchlists, ["pep"]);
        assert_eq!(uses.computed, ["custom page `${page}`"]);
        let spans = &uses.assets[&(Kind::CloudFunction, "checkAge".to_owned(), Some(2))];
        let rewritten = rewrite(BPMN, spans.iter().map(|s| (s.clone(), "17".to_owned())).collect());
        assert!(rewritten.contains("name=\"functionVersion\"> 17 </"), "{rewritten}");
        assert!(rewritten.contains("name=\"functionVersion\">9</"), "the other task's pin stays");
    }
}
