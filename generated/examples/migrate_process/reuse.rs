//! Finding, among the target's versions of a name, one that already holds the source's content, so
//! that a migration run again reuses what an earlier run made instead of copying it a second time.
//!
//! Content, per kind (nothing else is compared: not descriptions, IDs, dates or authors):
//! - theme: the palette (as JSON), and the `global` assets by name, each file's bytes equal to the
//!   source's (downloaded from the address the target gives). A version lacking some assets matches
//!   only when it is `EDITABLE` (an earlier run stopped while uploading): the missing ones are uploaded;
//! - cloud function: the script (`resource`; its `script` field when it is an object) and `type`;
//! - custom data form: the form definition (`resource`);
//! - custom page: the archive, as the server's file list (`archiveEntries`, content-addressed paths)
//!   equal to the source version's, and not empty (the API returns no archive to compare);
//! - process definition: the BPMN equal to the source's with its pins rewritten to the target's
//!   versions, and the `themeId` of the target's theme.

use base64::Engine as _;
use trustx::models::AssetVersionStatus;
use trustx::serde_json::Value;
use trustx::Client;

use super::assets::{versions, Version};
use super::plan::{Item, Payload};

/// How many of the newest target versions of a name are compared with the source.
pub const COMPARED_VERSIONS: usize = 10;

/// A target version with the source's content.
#[derive(Debug, Clone)]
pub struct Match {
    pub version: Version,
    /// The theme assets (indices into the payload's) it lacks; only an `EDITABLE` theme lacks any.
    pub missing: Vec<usize>,
}

impl Match {
    pub fn active(&self) -> bool {
        self.version.status == Some(AssetVersionStatus::DeployedActive)
    }
}

/// What the target has of an item now.
pub struct Found {
    /// Its versions of the name, newest first.
    pub versions: Vec<Version>,
    /// How many of them were compared.
    pub compared: usize,
    /// The active one with the same content, else the newest with it.
    pub matching: Option<Match>,
}

/// The process definition expected on the target: its BPMN and theme.
pub struct Expected<'a> {
    pub bpmn: &'a str,
    pub theme_id: Option<&'a str>,
}

/// Reads the target's versions of the item's name and compares the newest ones with the source.
/// `expected` is required for the process definition.
pub async fn find(target: &Client, item: &Item, expected: Option<&Expected<'_>>) -> Result<Found, String> {
    let listed = versions(target, item.kind, &item.name).await;
    let versions = listed.map_err(|e| format!("listing {} `{}` on the target: {e}", item.kind.label(), item.name))?;
    let mut matching: Option<Match> = None;
    let compared = versions.len().min(COMPARED_VERSIONS);
    for version in versions.iter().take(COMPARED_VERSIONS) {
        let Some(missing) = same_content(target, item, version, expected).await? else { continue };
        let found = Match { version: version.clone(), missing };
        if found.active() {
            matching = Some(found);
            break;
        }
        matching.get_or_insert(found);
    }
    Ok(Found { versions, compared, matching })
}

/// Whether `version` holds the item's content: `Some(missing theme assets)` when it does.
async fn same_content(
    target: &Client,
    item: &Item,
    version: &Version,
    expected: Option<&Expected<'_>>,
) -> Result<Option<Vec<usize>>, String> {
    let id = version.id.clone();
    let fail = |e: trustx::Error| format!("reading {} `{}` ({id}) on the target: {e}", item.kind.label(), item.name);
    let same = match &item.payload {
        Payload::Theme { theme, assets } => {
            let there = target.theme_server().get_theme_with_assets(id.clone()).send().await.map_err(fail)?;
            if there.palette.clone().unwrap_or_default() != theme.palette.clone().unwrap_or_default() {
                return Ok(None);
            }
            let mut present = vec![false; assets.len()];
            for asset in there.assets.iter().flat_map(|a| a.global.iter().flatten()) {
                let Some(at) = assets.iter().position(|a| asset.name.as_deref() == Some(a.name.as_str())) else {
                    return Ok(None); // an asset the source does not have
                };
                if present[at] {
                    return Ok(None); // the same asset twice
                }
                // A file that cannot be read cannot be shown to be the same.
                let Some(url) = asset.path.as_deref() else { return Ok(None) };
                let Ok(bytes) = target.download(url).await else { return Ok(None) };
                if Some(&bytes[..]) != assets[at].bytes.as_deref() {
                    return Ok(None);
                }
                present[at] = true;
            }
            let missing: Vec<usize> = (0..assets.len()).filter(|&i| !present[i]).collect();
            if !missing.is_empty() && version.status != Some(AssetVersionStatus::Editable) {
                return Ok(None); // only a draft can be completed
            }
            return Ok(Some(missing));
        }
        Payload::CloudFunction(source) => {
            let there = target.process_manager().get_cloud_function(id.clone()).send().await.map_err(fail)?;
            script(&there.resource) == script(&source.resource) && there.type_ == source.type_
        }
        Payload::DataForm(source) => {
            let there = target.process_manager().get_custom_data_form(id.clone()).send().await.map_err(fail)?;
            there.resource == source.resource
        }
        Payload::CustomPage { entries, .. } => {
            let there = target.theme_server().get_custom_page(id.clone()).send().await.map_err(fail)?;
            !entries.is_empty() && entry_paths(&there.archive_entries) == *entries
        }
        Payload::ProcessDefinition { .. } => {
            let Some(expected) = expected else { return Ok(None) };
            let there = target.process_manager().get_process_definition(id.clone()).send().await.map_err(fail)?;
            let data = there.resources.as_ref().and_then(|r| r.bpmn.as_ref()).and_then(|b| b.data.as_deref());
            let xml = data.and_then(|d| base64::engine::general_purpose::STANDARD.decode(d.trim()).ok());
            xml.as_deref() == Some(expected.bpmn.as_bytes()) && there.theme_id.as_deref() == expected.theme_id
        }
    };
    Ok(same.then(Vec::new))
}

/// A cloud function's script: the text, or the `script` field of an object.
fn script(resource: &Option<Value>) -> Option<&Value> {
    match resource {
        Some(Value::Object(fields)) => fields.get("script").or(resource.as_ref()),
        other => other.as_ref(),
    }
}

/// A custom page's archive entries, sorted.
pub fn entry_paths(entries: &Option<Vec<trustx::models::ArchiveEntry>>) -> Vec<String> {
    let mut paths: Vec<String> = entries.iter().flatten().filter_map(|e| e.path.clone()).collect();
    paths.sort();
    paths
}
