//! The plan: everything the migration reads before it writes (source versions, the target's
//! versions, theme asset files, custom page archives), what it decides to reuse on the target (see
//! `reuse`), and what it prints of it.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use base64::Engine as _;
use trustx::models::{CloudFunction, CustomDataForm, ProcessDefinition, Theme};
use trustx::Client;

use super::assets::{pick, versions, Kind, Version};
use super::bpmn::{bpmn_uses, rewrite, BpmnUses};
use super::reuse::{entry_paths, find, Expected, Match};
use super::Options;

/// What a new version is created from.
pub enum Payload {
    Theme {
        theme: Theme,
        assets: Vec<Asset>,
    },
    CloudFunction(CloudFunction),
    DataForm(CustomDataForm),
    /// `entries`: the source version's archive entries (sorted), what a target version is compared by.
    CustomPage {
        description: Option<String>,
        archive: Option<(PathBuf, Vec<u8>)>,
        entries: Vec<String>,
    },
    ProcessDefinition {
        definition: Box<ProcessDefinition>,
        bpmn: String,
    },
}

/// A theme asset: its name and address, and its bytes once downloaded.
pub struct Asset {
    pub name: String,
    pub url: String,
    pub bytes: Option<Vec<u8>>,
}

/// One asset to copy and what became of it.
pub struct Item {
    pub kind: Kind,
    pub name: String,
    /// The version copied from the source.
    pub source: Version,
    /// The BPMN's pins of this asset (spans of the version number).
    pub pins: Vec<Range<usize>>,
    /// The target's versions of the name before the migration, newest first.
    pub before: Vec<Version>,
    pub payload: Payload,
    /// A target version with the same content, to reuse (decided before writing).
    pub found: Option<Match>,
    /// The target version this run made or reuses, once known.
    pub target: Option<Version>,
    /// Whether this run created `target` (else it reuses it).
    pub created: bool,
    /// Whether `target` is active: the server said so (on create, on activation or when listed).
    pub active: bool,
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind.label(), self.name)?;
        if let Some(version) = &self.target {
            write!(f, " {} ({})", shown_version(version.number), version.id)?;
        }
        Ok(())
    }
}

pub fn shown_version(number: Option<i32>) -> String {
    number.map_or_else(|| "v?".to_owned(), |n| format!("v{n}"))
}

pub struct Migration {
    pub definition: Item,
    /// Theme, functions, forms and pages, in creation order.
    pub assets: Vec<Item>,
    pub uses: BpmnUses,
    /// Problems that stop the migration before it writes.
    pub blockers: Vec<String>,
    /// What the source has that is not copied (besides what the BPMN names).
    pub not_copied: Vec<String>,
}

impl Item {
    /// An asset to copy, with the versions the target has of its name (read from the target).
    async fn new(
        target: &Client,
        kind: Kind,
        name: String,
        source: Version,
        pins: Vec<Range<usize>>,
        payload: Payload,
    ) -> Result<Item, String> {
        let on_target = versions(target, kind, &name).await;
        let before = on_target.map_err(|e| format!("listing {} `{name}` on the target: {e}", kind.label()))?;
        Ok(Item { kind, name, source, pins, before, payload, found: None, target: None, created: false, active: false })
    }

    /// The target version in use: made or reused by this run, or found to reuse.
    pub fn in_use(&self) -> Option<&Version> {
        self.target.as_ref().or(self.found.as_ref().map(|m| &m.version))
    }

    /// Whether the version was active before this run.
    pub fn was_active(&self, id: &str) -> bool {
        self.before.iter().any(|v| v.id == id && v.status == Some(trustx::models::AssetVersionStatus::DeployedActive))
    }
}

/// Reads everything the migration needs; writes nothing.
pub async fn read(source: &Client, target: &Client, options: &Options) -> Result<Migration, String> {
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
    let mut not_copied = Vec::new();

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
        // Only `global` is documented, and the upload names no group.
        for group in theme.assets.iter().flat_map(|a| a.additional_properties.keys()) {
            not_copied.push(format!("assets of theme `{theme_name}` in group `{group}` (only `global` is documented)"));
        }
        let source_version = Version { id: theme_id, number: theme.version, status: theme.status.clone() };
        let payload = Payload::Theme { theme, assets: files };
        assets.push(Item::new(target, Kind::Theme, theme_name, source_version, Vec::new(), payload).await?);
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
                let entries = entry_paths(&page.archive_entries);
                Payload::CustomPage { description: page.description, archive, entries }
            }
        };
        assets.push(Item::new(target, *kind, asset_name.clone(), version, pins.clone(), payload).await?);
    }
    assets.sort_by_key(|item| item.kind);

    let payload = Payload::ProcessDefinition { definition: Box::new(definition), bpmn: xml };
    let definition =
        Item::new(target, Kind::ProcessDefinition, name.clone(), chosen.clone(), Vec::new(), payload).await?;
    Ok(Migration { definition, assets, uses, blockers, not_copied })
}

/// Downloads the theme's asset files (from the addresses the theme gives; no credentials are sent).
pub async fn download_assets(source: &Client, migration: &mut Migration) -> Result<(), String> {
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

pub fn print(migration: &Migration) {
    say!("plan:");
    for item in migration.assets.iter().chain([&migration.definition]) {
        let from = shown_version(item.source.number);
        let to = match item.before.first() {
            None => "new on the target".to_owned(),
            Some(latest) => {
                let n = item.before.len();
                format!(
                    "the target has {n} version{}, the newest {}",
                    if n == 1 { "" } else { "s" },
                    shown_version(latest.number)
                )
            }
        };
        let extra = match &item.payload {
            Payload::Theme { assets, .. } => {
                let names: Vec<&str> = assets.iter().map(|a| a.name.as_str()).collect();
                format!(", assets: {}", if names.is_empty() { "none".to_owned() } else { names.join(", ") })
            }
            Payload::CustomPage { archive: Some((path, _)), .. } => format!(", archive {}", path.display()),
            _ => String::new(),
        };
        say!("  copy {} `{}` from source {from} ({}): {to}{extra}", item.kind.label(), item.name, item.source.id);
    }
    for watchlist in &migration.uses.watchlists {
        say!("  not copied: watchlist `{watchlist}` (data, not design): the target needs its own");
    }
    for computed in &migration.uses.computed {
        say!("  not copied: {computed}, a name the BPMN computes");
    }
    for other in &migration.not_copied {
        say!("  not copied: {other}");
    }
}

/// A rewritten BPMN, the theme ID, and a line per pin rewritten.
pub type Rewritten = (String, Option<String>, Vec<String>);

/// The process definition the target should get: the source's BPMN with each pin rewritten to the
/// target version in use, and the theme in use; and a line per pin rewritten. `None` when a
/// version it needs is not known yet (it will be created).
pub fn expected_definition(migration: &Migration) -> Result<Option<Rewritten>, String> {
    let Payload::ProcessDefinition { bpmn, .. } = &migration.definition.payload else {
        return Err("internal: the process definition has no BPMN".to_owned());
    };
    let mut theme_id = None;
    let (mut edits, mut lines) = (Vec::new(), Vec::new());
    for item in &migration.assets {
        if item.kind == Kind::Theme {
            match item.in_use() {
                Some(version) => theme_id = Some(version.id.clone()),
                None => return Ok(None),
            }
        }
        if item.pins.is_empty() {
            continue;
        }
        let Some(version) = item.in_use() else { return Ok(None) };
        let Some(number) = version.number else {
            return Err(format!("the version number of {item} on the target is unknown, so the BPMN cannot pin it"));
        };
        for span in &item.pins {
            edits.push((span.clone(), number.to_string()));
        }
        lines.push(format!(
            "{} `{}` pinned {} → {}",
            item.kind.label(),
            item.name,
            shown_version(item.source.number),
            shown_version(Some(number))
        ));
    }
    Ok(Some((rewrite(bpmn, edits), theme_id, lines)))
}

/// Looks on the target for a version of each asset with the source's content, then for the process
/// definition (only when every version it pins and its theme are reused), and prints what it found.
pub async fn decide(target: &Client, migration: &mut Migration) -> Result<(), String> {
    say!("on the target:");
    for item in &mut migration.assets {
        let found = find(target, item, None).await?;
        item.found = found.matching;
        say_decision(item, found.compared);
    }
    let found = match expected_definition(migration)? {
        Some((bpmn, theme_id, _)) => {
            let expected = Expected { bpmn: &bpmn, theme_id: theme_id.as_deref() };
            Some(find(target, &migration.definition, Some(&expected)).await?)
        }
        None => None,
    };
    let definition = &mut migration.definition;
    match found {
        Some(found) => {
            definition.found = found.matching;
            say_decision(definition, found.compared);
        }
        None => say!("  create {} `{}`: it uses versions this run creates", definition.kind.label(), definition.name),
    }
    Ok(())
}

fn say_decision(item: &Item, compared: usize) {
    let (label, name) = (item.kind.label(), &item.name);
    let Some(found) = &item.found else {
        say!("  create {label} `{name}`: {}", none_same(compared));
        return;
    };
    let version = format!("{} ({})", shown_version(found.version.number), found.version.id);
    let status = found.version.status.as_ref().map_or_else(|| "status unknown".to_owned(), |s| s.to_string());
    let mut todo = Vec::new();
    if let Payload::Theme { assets, .. } = &item.payload {
        if !found.missing.is_empty() {
            let names: Vec<&str> = found.missing.iter().map(|&i| assets[i].name.as_str()).collect();
            todo.push(format!("upload {}", names.join(", ")));
        }
    }
    if !found.active() {
        todo.push("activate it".to_owned());
    }
    let todo = if todo.is_empty() { "nothing to do".to_owned() } else { todo.join(", then ") };
    say!("  reuse {label} `{name}` {version}: the same content, {status}: {todo}");
}

/// Why a version is created: the target has none with the same content.
pub fn none_same(compared: usize) -> String {
    match compared {
        0 => "no version there".to_owned(),
        n => format!("no version there has the same content ({n} compared)"),
    }
}
