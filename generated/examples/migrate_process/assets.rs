//! The versioned design-time assets (themes, cloud functions, custom data forms, custom pages,
//! process definitions) and their versions, on either tenant.

use trustx::models::{AssetVersionStatus, ProcessDefinitionVersion, VersionedAssetItem};
use trustx::runtime::PageStream;
use trustx::serde_json::{Map, Value};
use trustx::Client;

/// How many versions of one name are read at most when looking for a version.
pub const MAX_VERSIONS: usize = 10_000;

/// A kind of versioned design-time asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Theme,
    CloudFunction,
    DataForm,
    CustomPage,
    ProcessDefinition,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Theme => "theme",
            Kind::CloudFunction => "cloud function",
            Kind::DataForm => "custom data form",
            Kind::CustomPage => "custom page",
            Kind::ProcessDefinition => "process definition",
        }
    }

    /// The BPMN input parameters naming an asset of this kind and pinning its version.
    pub fn bpmn_parameters(self) -> Option<(&'static str, &'static str)> {
        match self {
            Kind::CloudFunction => Some(("functionName", "functionVersion")),
            Kind::DataForm => Some(("dataFormName", "dataFormVersion")),
            Kind::CustomPage => Some(("customPageName", "customPageVersion")),
            Kind::Theme | Kind::ProcessDefinition => None,
        }
    }
}

/// One version of a named asset: its ID, number and status.
#[derive(Debug, Clone)]
pub struct Version {
    pub id: String,
    pub number: Option<i32>,
    pub status: Option<AssetVersionStatus>,
}

/// The versions of `name` on `client`, newest first (an unknown name is an empty list).
pub async fn versions(client: &Client, kind: Kind, name: &str) -> Result<Vec<Version>, trustx::Error> {
    let sort = vec!["version,desc".to_owned()];
    let (pm, ts) = (client.process_manager(), client.theme_server());
    let mut list = match kind {
        Kind::ProcessDefinition => {
            let stream = pm.list_process_definition_versions(name).sort(sort).size(20).into_stream_capped(MAX_VERSIONS);
            // Process definition versions carry their ID as `processDefinitionId`.
            let version = |v: ProcessDefinitionVersion| {
                Some(Version { id: v.process_definition_id.or(v.id)?, number: v.version, status: v.status })
            };
            collect(stream, version).await?
        }
        Kind::CloudFunction => {
            let stream = pm.list_cloud_function_versions(name).sort(sort).size(20).into_stream_capped(MAX_VERSIONS);
            collect(stream, asset_version).await?
        }
        Kind::DataForm => {
            let stream = pm.list_custom_data_form_versions(name).sort(sort).size(20).into_stream_capped(MAX_VERSIONS);
            collect(stream, asset_version).await?
        }
        Kind::Theme => {
            let stream = ts.list_theme_versions(name).sort(sort).size(20).into_stream_capped(MAX_VERSIONS);
            collect(stream, asset_version).await?
        }
        Kind::CustomPage => {
            let stream = ts.get_custom_page_versions(name).sort(sort).size(20).into_stream_capped(MAX_VERSIONS);
            collect(stream, asset_version).await?
        }
    };
    list.sort_by_key(|v| std::cmp::Reverse(v.number));
    Ok(list)
}

/// The versions a stream of list items gives; a 404 (a name the tenant does not have) ends it.
async fn collect<T>(
    mut stream: PageStream<T>,
    version: impl Fn(T) -> Option<Version>,
) -> Result<Vec<Version>, trustx::Error> {
    let mut list = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(item) => list.extend(version(item)),
            Err(e) if e.status() == Some(404) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(list)
}

/// The version of a versions-list item (one without an ID is skipped).
fn asset_version(item: VersionedAssetItem) -> Option<Version> {
    Some(Version { id: item.id?, number: item.version, status: item.status })
}

/// The version to copy: the pinned one, else the active one.
pub fn pick(list: &[Version], pinned: Option<i32>) -> Option<&Version> {
    match pinned {
        Some(n) => list.iter().find(|v| v.number == Some(n)),
        None => list.iter().find(|v| v.status == Some(AssetVersionStatus::DeployedActive)),
    }
}

/// A version number in a response's fields, as a number or a numeric string.
pub fn number_in(fields: &Map<String, Value>) -> Option<i32> {
    match fields.get("version")? {
        Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
