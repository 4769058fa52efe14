//! Writing to the target: each version not found there is created (`EDITABLE`) and a reused draft
//! theme gets its missing assets, then each is activated, the process definition last; and, when a
//! step fails, the report of what the target holds, read back from it.

use base64::Engine as _;
use trustx::models::{
    AssetVersionStatus, CloudFunction, CustomDataForm, CustomPageCreateRequest, ProcessDefinition,
    ProcessDefinitionBpmn, ProcessDefinitionResources, Theme, ThemeAssetUpload,
};
use trustx::Client;

use super::assets::{number_in, versions, Kind, Version};
use super::plan::{expected_definition, none_same, shown_version, Item, Migration, Payload};
use super::reuse::{find, Expected, Found};

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

/// Creates the new version of `item` on the target (`EDITABLE`), with its theme assets; a process
/// definition is given its rewritten BPMN and theme ID.
pub async fn create(target: &Client, item: &mut Item, rewritten: Option<(&str, Option<&str>)>) -> Result<(), String> {
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
        Payload::CustomPage { description, archive, .. } => {
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
            let Some((bpmn, theme_id)) = rewritten else { return Err(format!("{what}: no BPMN")) };
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
    item.active = version.status == Some(AssetVersionStatus::DeployedActive);
    item.target = Some(version);
    item.created = true;
    say!("created   {item}");
    if item.active {
        say!("          the server activated it on create");
    }
    if let Payload::Theme { assets, .. } = &item.payload {
        upload(target, item, 0..assets.len()).await?;
    }
    Ok(())
}

/// Uploads the theme assets `which` (indices into the payload's) to the theme version in use.
pub async fn upload(target: &Client, item: &Item, which: impl IntoIterator<Item = usize>) -> Result<(), String> {
    let (Payload::Theme { assets, .. }, Some(version)) = (&item.payload, &item.target) else { return Ok(()) };
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    for asset in which.into_iter().map(|i| &assets[i]) {
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
            .upload_theme_asset(version.id.clone(), upload)
            .send()
            .await
            .map_err(|e| format!("uploading asset `{}` to {item}: {e}", asset.name))?;
        say!("uploaded  theme asset `{}` ({} bytes)", asset.name, bytes.len());
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

/// Activates the version in use unless it is active.
pub async fn activate(target: &Client, item: &mut Item) -> Result<(), String> {
    let Some(id) = item.target.as_ref().map(|v| v.id.clone()) else { return Ok(()) };
    if item.active {
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
    item.active = true;
    say!("activated {item}");
    Ok(())
}

/// Takes over a version found with the same content: a draft theme gets its missing assets.
async fn reuse(target: &Client, item: &mut Item) -> Result<(), String> {
    let Some(found) = item.found.clone() else { return Ok(()) };
    item.active = found.active();
    item.target = Some(found.version);
    upload(target, item, found.missing).await
}

/// Creates or completes every version, then activates them, the process definition last; stops
/// at the first failure.
pub async fn migrate(target: &Client, migration: &mut Migration) -> Result<(), String> {
    for item in &mut migration.assets {
        if item.found.is_some() {
            reuse(target, item).await?;
        } else {
            create(target, item, None).await?;
        }
    }
    let Some((bpmn, theme_id, lines)) = expected_definition(migration)? else {
        return Err("internal: a version the process definition needs is missing".to_owned());
    };
    if migration.definition.found.is_some() {
        reuse(target, &mut migration.definition).await?;
    } else {
        for line in lines {
            say!("rewrote   BPMN: {line}");
        }
        create(target, &mut migration.definition, Some((&bpmn, theme_id.as_deref()))).await?;
    }
    for item in &mut migration.assets {
        activate(target, item).await?;
    }
    activate(target, &mut migration.definition).await
}

/// What the target holds of one item, read back after a failure.
fn line(item: &Item, found: &Result<Found, String>) -> String {
    let (label, name) = (item.kind.label(), &item.name);
    let found = match found {
        Ok(found) => found,
        Err(e) => return format!("  unknown: {label} `{name}`: reading it back failed: {e}"),
    };
    let Some(matching) = &found.matching else {
        return format!("  not on the target: {label} `{name}` ({})", none_same(found.compared));
    };
    let version = &matching.version;
    let what = format!("{label} `{name}` {} ({})", shown_version(version.number), version.id);
    if matching.active() {
        let before = if item.was_active(&version.id) { " (as before this run)" } else { "" };
        return format!("  active: {what}{before}");
    }
    let status = version.status.as_ref().map_or_else(|| "status unknown".to_owned(), |s| s.to_string());
    let mut line = format!("  on the target, NOT active ({status}): {what}");
    if let Payload::Theme { assets, .. } = &item.payload {
        if !matching.missing.is_empty() {
            let names: Vec<&str> = matching.missing.iter().map(|&i| assets[i].name.as_str()).collect();
            line.push_str(&format!(", without its assets {}", names.join(", ")));
        }
    }
    line
}

/// After a failure: reads each item back from the target and says what it holds, never what this
/// run assumed (a reply lost after the server acted, or a timeout, leaves the outcome unknown).
pub async fn report(target: &Client, migration: &mut Migration, error: &str) {
    say!("FAILED: {error}");
    say!("report (read back from the target):");
    let mut found = Vec::new();
    for item in &mut migration.assets {
        let now = find(target, item, None).await;
        // What the target holds is what the process definition is compared with.
        item.found = now.as_ref().ok().and_then(|f| f.matching.clone());
        item.target = None;
        say!("{}", line(item, &now));
        found.push(now);
    }
    let definition = match expected_definition(migration) {
        Ok(Some((bpmn, theme_id, _))) => {
            let expected = Expected { bpmn: &bpmn, theme_id: theme_id.as_deref() };
            find(target, &migration.definition, Some(&expected)).await
        }
        // Some version it would pin is not on the target: a version pinning it cannot be either,
        // but a version of the name may have been created: compare the list with the one before.
        Ok(None) => match versions(target, Kind::ProcessDefinition, &migration.definition.name).await {
            Ok(now) if now.iter().all(|v| migration.definition.before.iter().any(|b| b.id == v.id)) => {
                Ok(Found { compared: now.len(), versions: now, matching: None })
            }
            Ok(_) => Err("the target has a new version of it that this run cannot compare".to_owned()),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e),
    };
    say!("{}", line(&migration.definition, &definition));
    found.push(definition);

    let items: Vec<&Item> = migration.assets.iter().chain([&migration.definition]).collect();
    let activated = items.iter().zip(&found).any(|(item, found)| {
        let matching = found.as_ref().ok().and_then(|f| f.matching.as_ref());
        matching.is_some_and(|m| m.active() && !item.was_active(&m.version.id))
    });
    let all_read = found.iter().all(Result::is_ok);
    let active_definition = |versions: &[Version]| {
        versions.iter().find(|v| v.status == Some(AssetVersionStatus::DeployedActive)).map(|v| v.id.clone())
    };
    let definition_unchanged = found
        .last()
        .and_then(|f| f.as_ref().ok())
        .is_some_and(|f| active_definition(&f.versions) == active_definition(&migration.definition.before));
    if all_read && !activated {
        say!("nothing was activated: the target's active versions of these names are as they were");
    }
    if definition_unchanged {
        say!("the target's active process definition is the one it had before this run");
    }
    if !all_read {
        say!("what is marked unknown could not be read back from the target");
    }
    say!("run again to finish: versions with the same content on the target are reused, not copied again");
}
