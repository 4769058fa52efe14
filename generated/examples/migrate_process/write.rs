//! Writing to the target: every new version is created (`EDITABLE`), then each is activated, the
//! process definition last; and the report of what was done when a step fails.

use base64::Engine as _;
use trustx::models::{
    AssetVersionStatus, CloudFunction, CustomDataForm, CustomPageCreateRequest, ProcessDefinition,
    ProcessDefinitionBpmn, ProcessDefinitionResources, Theme, ThemeAssetUpload,
};
use trustx::Client;

use super::assets::{number_in, versions, Kind, Version};
use super::bpmn::rewrite;
use super::plan::{shown_version, Item, Migration, Payload};

/// Learns the number of a version just created when the response did not say it.
pub async fn created_version(
    target: &Client,
    item: &Item,
    id: Option<String>,
    number: Option<i32>,
    status: Option<AssetVersionStatus>,
) -> Result<Version, String> {
    let id = id.ok_or(format!("creating {item}: the response has no ID"))?;
    if number.is_some() {
        return Ok(Version { id, number, status });
    }
    let list =
        versions(target, item.kind, &item.name).await.map_err(|e| format!("finding the new version of {item}: {e}"))?;
    let found = list.into_iter().find(|v| v.id == id);
    Ok(Version { id, number: found.as_ref().and_then(|v| v.number), status: status.or(found.and_then(|v| v.status)) })
}

/// Creates the new version of `item` on the target (`EDITABLE`), with its theme assets.
pub async fn create(target: &Client, item: &mut Item) -> Result<(), String> {
    let what = format!("creating {item}");
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
            (made.id, made.version, made.status)
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
        Payload::ProcessDefinition { definition, bpmn } => {
            let resources = ProcessDefinitionResources::default()
                .with_bpmn(ProcessDefinitionBpmn::default().with_data(b64(bpmn.as_bytes())).with_type("BPMN"));
            let mut body = ProcessDefinition::default().with_name(item.name.clone()).with_resources(resources);
            body.description = definition.description.clone();
            body.server_type = definition.server_type.clone();
            body.process_definition_type = definition.process_definition_type.clone();
            body.attributes = definition.attributes.clone();
            body.theme_id = definition.theme_id.clone();
            let made = target.process_manager().create_process_definition(body).send().await.map_err(fail)?;
            (made.id, number_in(&made.additional_properties), None)
        }
    };
    let version = created_version(target, item, id, number, status).await?;
    let new_id = version.id.clone();
    item.activated = version.status == Some(AssetVersionStatus::DeployedActive);
    item.created = Some(version);
    say!("created   {item}");
    if item.activated {
        say!("          the server activated it on create");
    }
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
            say!("uploaded  theme asset `{}` ({} bytes)", asset.name, bytes.len());
        }
    }
    Ok(())
}

/// A media type from a file extension (`application/octet-stream` when unknown).
pub fn content_type(extension: &str) -> &'static str {
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

pub async fn activate(target: &Client, item: &mut Item) -> Result<(), String> {
    let Some(id) = item.created.as_ref().map(|v| v.id.clone()) else { return Ok(()) };
    if item.activated {
        return Ok(());
    }
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
    say!("activated {item}");
    Ok(())
}

/// Creates every new version, then activates them; stops at the first failure.
pub async fn migrate(target: &Client, migration: &mut Migration) -> Result<(), String> {
    for item in &mut migration.assets {
        create(target, item).await?;
    }
    let theme_id =
        migration.assets.iter().find(|i| i.kind == Kind::Theme).and_then(|i| i.created.as_ref()).map(|v| v.id.clone());
    let Payload::ProcessDefinition { definition, bpmn } = &mut migration.definition.payload else {
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
            say!(
                "rewrote   BPMN: {} `{}` pinned {} → {}",
                item.kind.label(),
                item.name,
                shown_version(item.source.number),
                shown_version(Some(number))
            );
        }
    }
    // The new version points at the target's theme and pins the target's version numbers.
    definition.theme_id = theme_id;
    *bpmn = rewrite(bpmn, edits);
    create(target, &mut migration.definition).await?;
    for item in &mut migration.assets {
        activate(target, item).await?;
    }
    activate(target, &mut migration.definition).await
}

pub fn report(migration: &Migration, error: &str) {
    say!("FAILED: {error}");
    say!("report:");
    let items: Vec<&Item> = migration.assets.iter().chain([&migration.definition]).collect();
    for item in &items {
        let state = match (&item.created, item.activated) {
            (Some(_), true) => "activated",
            (Some(_), false) => "created, NOT activated (left EDITABLE)",
            (None, _) => "not created",
        };
        say!("  {state}: {item}");
    }
    let any_active = items.iter().any(|i| i.activated);
    if !any_active {
        say!("nothing was activated: the target's active versions are as they were");
    } else if !migration.definition.activated {
        say!("the activated versions above are now active on the target; its active process definition is unchanged");
    }
    if items.iter().any(|i| i.created.is_some() && !i.activated) {
        say!("versions created and not activated stay on the target: activate or remove them, or run again");
    }
}
