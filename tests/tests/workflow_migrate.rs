//! The `migrate_process` example runs as a process against three local HTTP servers: the source
//! tenant, the target tenant (both the SDK's test kit) and a CDN serving the theme's asset files.
//! Every request is checked, and so is the report the example prints: a full migration, a dry run,
//! a migration that cannot start, and failures half-way through creating and through activating.

#![allow(deprecated)] // The custom page operations are deprecated in the API and still the only ones.

mod workspace;

use std::path::PathBuf;
use std::process::{Command, Output};

use base64::Engine as _;
use serde_json::json;
use trustx::models::{
    AssetVersionStatus, CloudFunction, CustomDataForm, CustomPage, Page, ProcessDefinition, ProcessDefinitionVersion,
    Theme, VersionedAssetItem,
};
use trustx::operations::{arthr, process_manager as pm, theme_server as ts};
use trustx::test_util::{MockServer, MOCK_TOKEN};
use workspace::text;

const SOURCE_KEY: &str = "source-key-1";
const TARGET_KEY: &str = "target-key-2";
const LOGO: &[u8] = b"\x89PNG\r\n\x1a\nlogo";
const FONT: &[u8] = b"\x00\x01\x00\x00font";
const ARCHIVE: &[u8] = b"PK\x03\x04 a zip with index.html";

/// The source process: a function pinned at version 2, a form in another task (not pinned, with
/// characters that need escaping in XML and in the URL), a page pinned at 3, a watchlist, a name the
/// BPMN computes, and a script parameter that is not a name.
const BPMN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn">
  <bpmn:process id="Onboarding">
    <bpmn:serviceTask id="age"><bpmn:extensionElements><camunda:inputOutput>
      <camunda:inputParameter name="functionName">checkAge</camunda:inputParameter>
      <camunda:inputParameter name="functionVersion">2</camunda:inputParameter>
      <camunda:inputParameter name="processVariables"><camunda:list><camunda:value>dob</camunda:value></camunda:list></camunda:inputParameter>
    </camunda:inputOutput></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:userTask id="form"><bpmn:extensionElements><camunda:inputOutput>
      <camunda:inputParameter name="dataFormName">kyc &amp; aml</camunda:inputParameter>
      <camunda:inputParameter name="watchlistName">pep</camunda:inputParameter>
    </camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>
    <bpmn:userTask id="welcome"><bpmn:extensionElements><camunda:inputOutput>
      <camunda:inputParameter name="customPageName">welcome</camunda:inputParameter>
      <camunda:inputParameter name="customPageVersion">3</camunda:inputParameter>
      <camunda:inputParameter name="customPageKey">intro</camunda:inputParameter>
    </camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>
    <bpmn:serviceTask id="dynamic"><bpmn:extensionElements><camunda:inputOutput>
      <camunda:inputParameter name="functionName">${scoring}</camunda:inputParameter>
    </camunda:inputOutput></bpmn:extensionElements></bpmn:serviceTask>
  </bpmn:process>
</bpmn:definitions>
"#;

/// The BPMN as the source serves it: the watchlist's name carries a terminal escape sequence.
fn source_bpmn() -> String {
    BPMN.replace(">pep<", ">pep\u{1b}[2J<")
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn item(id: &str, version: i32, status: AssetVersionStatus) -> VersionedAssetItem {
    VersionedAssetItem::default().with_id(id).with_version(version).with_status(status)
}

fn page<T: Default>(items: Vec<T>) -> Page<T> {
    Page::default().with_content(items).with_number(0).with_last(true)
}

const ACTIVE: AssetVersionStatus = AssetVersionStatus::DeployedActive;
const EDITABLE: AssetVersionStatus = AssetVersionStatus::Editable;

/// Where the migration is made to fail.
#[derive(Clone, Copy, PartialEq)]
enum Failure {
    None,
    CreatingTheForm,
    ActivatingTheProcess,
}

struct Setup {
    source: MockServer,
    target: MockServer,
    cdn: wiremock::MockServer,
    dir: tempfile::TempDir,
}

impl Setup {
    fn archive(&self) -> PathBuf {
        self.dir.path().join("welcome.zip")
    }
}

async fn setup(failure: Failure) -> Setup {
    let (source, target, cdn) =
        (MockServer::start().await, MockServer::start().await, wiremock::MockServer::start().await);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("welcome.zip"), ARCHIVE).expect("write the archive");
    for (path, body, kind) in [("/theme/logo.png", LOGO, "image/png"), ("/theme/Inter.TTF", FONT, "font/ttf")] {
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .and(wiremock::matchers::path(path))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_raw(body.to_vec(), kind))
            .mount(&cdn)
            .await;
    }

    // The source: version 8 is a draft, 7 is active.
    let source_pm = source.process_manager();
    let versions = vec![
        ProcessDefinitionVersion::default().with_process_definition_id("pd-8").with_version(8).with_status(EDITABLE),
        ProcessDefinitionVersion::default().with_process_definition_id("pd-7").with_version(7).with_status(ACTIVE),
    ];
    source_pm
        .list_process_definition_versions()
        .path_param("processDefinitionName", "Onboarding")
        .respond(200, &page(versions))
        .await;
    let mut definition = ProcessDefinition::default()
        .with_id("pd-7")
        .with_name("Onboarding")
        .with_description("Know your customer")
        .with_server_type("P1")
        .with_process_definition_type("VERIFICATION")
        .with_theme_id("th-s-2")
        .with_attributes(trustx::models::ProcessDefinitionAttributes::default().with_searchable(true))
        .with_resources(trustx::models::ProcessDefinitionResources::default().with_bpmn(
            trustx::models::ProcessDefinitionBpmn::default().with_data(b64(source_bpmn().as_bytes())).with_type("BPMN"),
        ));
    definition.additional_properties.insert("tenantId".into(), "acme-test".into());
    source_pm.get_process_definition().path_param("processDefinitionId", "pd-7").respond(200, &definition).await;
    let theme = json!({
        "id": "th-s-2", "name": "Corporate", "version": 2, "status": "DEPLOYED_ACTIVE", "description": "Brand",
        "palette": {"primary": "#004080"},
        "assets": {"global": [
            {"name": "logo", "path": format!("{}/theme/logo.png", cdn.uri())},
            {"name": "body-font", "path": format!("{}/theme/Inter.TTF?v=3", cdn.uri())},
        ], "print": [{"name": "letterhead", "path": format!("{}/theme/letterhead.pdf", cdn.uri())}]},
    });
    let theme: Theme = serde_json::from_value(theme).expect("a theme");
    source.theme_server().get_theme_with_assets().path_param("themeId", "th-s-2").respond(200, &theme).await;
    let functions = vec![item("cf-s-3", 3, ACTIVE), item("cf-s-2", 2, EDITABLE)];
    source_pm
        .list_cloud_function_versions()
        .path_param("cloudFunctionName", "checkAge")
        .respond(200, &page(functions))
        .await;
    let function = CloudFunction::default()
        .with_id("cf-s-2")
        .with_name("checkAge")
        .with_description("Age check")
        .with_type("PYTHON39V1")
        .with_resource(json!("def main(ctx):\n    return ctx['age'] >= 18\n"));
    source_pm.get_cloud_function().path_param("cloudFunctionId", "cf-s-2").respond(200, &function).await;
    let forms = vec![item("cdf-s-2", 2, EDITABLE), item("cdf-s-1", 1, ACTIVE)];
    source_pm
        .list_custom_data_form_versions()
        .path_param("customDataFormName", "kyc & aml")
        .respond(200, &page(forms))
        .await;
    let form = CustomDataForm::default().with_id("cdf-s-1").with_name("kyc & aml").with_resource(r#"{"fields":[]}"#);
    source_pm.get_custom_data_form().path_param("customDataFormId", "cdf-s-1").respond(200, &form).await;
    let pages = vec![item("cp-s-3", 3, ACTIVE)];
    source.theme_server().get_custom_page_versions().path_param("name", "welcome").respond(200, &page(pages)).await;
    let custom_page = CustomPage::default().with_id("cp-s-3").with_name("welcome").with_description("Welcome page");
    source.theme_server().get_custom_page().path_param("id", "cp-s-3").respond(200, &custom_page).await;

    // The target: the theme (v3), the form (v5) and the process (v2) exist there; the function is
    // unknown (404) until it is created, the page is unknown (an empty list).
    let target_pm = target.process_manager();
    let target_ts = target.theme_server();
    target_ts
        .list_theme_versions()
        .path_param("themeName", "Corporate")
        .respond(200, &page(vec![item("th-t-3", 3, ACTIVE)]))
        .await;
    target_pm
        .list_cloud_function_versions()
        .path_param("cloudFunctionName", "checkAge")
        .up_to(1)
        .respond_error(404, 0, "no such function")
        .await;
    let created_function = vec![item("cf-t-1", 1, EDITABLE)];
    target_pm
        .list_cloud_function_versions()
        .path_param("cloudFunctionName", "checkAge")
        .respond(200, &page(created_function))
        .await;
    let forms = vec![item("cdf-t-5", 5, ACTIVE)];
    target_pm
        .list_custom_data_form_versions()
        .path_param("customDataFormName", "kyc & aml")
        .respond(200, &page(forms))
        .await;
    target_ts.get_custom_page_versions().path_param("name", "welcome").respond(200, &page(Vec::new())).await;
    let processes = vec![ProcessDefinitionVersion::default()
        .with_process_definition_id("pd-t-2")
        .with_version(2)
        .with_status(ACTIVE)];
    target_pm
        .list_process_definition_versions()
        .path_param("processDefinitionName", "Onboarding")
        .respond(200, &page(processes))
        .await;

    let new_theme = Theme::default().with_id("th-t-4").with_name("Corporate").with_version(4).with_status(EDITABLE);
    target_ts.create_theme().respond(200, &new_theme).await;
    target_ts.upload_theme_asset().path_param("themeId", "th-t-4").respond_empty(200).await;
    // No version in the response: the example looks it up.
    let new_function = CloudFunction::default().with_id("cf-t-1").with_name("checkAge").with_status(EDITABLE);
    target_pm.create_cloud_function().respond(200, &new_function).await;
    if failure == Failure::CreatingTheForm {
        target_pm.create_custom_data_form().respond_error(500, 9001, "form store unavailable").await;
    } else {
        let new_form =
            CustomDataForm::default().with_id("cdf-t-6").with_name("kyc & aml").with_version(6).with_status(EDITABLE);
        target_pm.create_custom_data_form().respond(200, &new_form).await;
    }
    let new_page = CustomPage::default().with_id("cp-t-1").with_name("welcome").with_version(1).with_status(EDITABLE);
    target_ts.create_custom_page().respond(201, &new_page).await;
    let mut new_process = ProcessDefinition::default().with_id("pd-t-3").with_name("Onboarding");
    new_process.additional_properties.insert("version".into(), 3.into());
    target_pm.create_process_definition().respond(200, &new_process).await;

    let active_theme = new_theme.clone().with_status(ACTIVE);
    target_ts.activate_theme().path_param("themeId", "th-t-4").respond(200, &active_theme).await;
    let active_function = new_function.clone().with_version(1).with_status(ACTIVE);
    target_pm.activate_cloud_function().path_param("cloudFunctionId", "cf-t-1").respond(200, &active_function).await;
    let active_form =
        CustomDataForm::default().with_id("cdf-t-6").with_name("kyc & aml").with_version(6).with_status(ACTIVE);
    target_pm.activate_custom_data_form().path_param("customDataFormId", "cdf-t-6").respond(200, &active_form).await;
    target_ts
        .change_custom_page_status()
        .path_param("id", "cp-t-1")
        .path_param("status", "DEPLOYED_ACTIVE")
        .respond(200, &new_page)
        .await;
    if failure == Failure::ActivatingTheProcess {
        target_pm.activate_process_definition().respond_error(409, 4090, "a version is being deployed").await;
    } else {
        target_pm
            .activate_process_definition()
            .path_param("processDefinitionId", "pd-t-3")
            .respond(200, &new_process)
            .await;
    }
    Setup { source, target, cdn, dir }
}

async fn run(setup: &Setup, args: &[&str]) -> Output {
    let mut command = Command::new(workspace::example("migrate_process"));
    command
        .args(args)
        .env_clear()
        .env("TRUSTX_API_KEY", SOURCE_KEY)
        .env("TRUSTX_BASE_URL", setup.source.uri())
        .env("TRUSTX_TARGET_API_KEY", TARGET_KEY)
        .env("TRUSTX_TARGET_BASE_URL", setup.target.uri())
        // The CDN of the test is plain HTTP on loopback: downloads need the explicit switch (a
        // loopback base URL alone allows plain HTTP for the API, not for downloads).
        .env("TRUSTX_ALLOW_INSECURE_HTTP", "1")
        .env("TRUSTX_TARGET_ALLOW_INSECURE_HTTP", "1");
    workspace::output(command).await
}

/// Migrates `Onboarding` with the custom page's archive, and `extra` arguments.
async fn migrate(setup: &Setup, extra: &[&str]) -> Output {
    let page = format!("welcome={}", setup.archive().display());
    run(setup, &[&["Onboarding", "--custom-page", page.as_str()], extra].concat()).await
}

/// Method and path of every request `server` received other than the token exchange, in order.
async fn calls(server: &MockServer) -> Vec<String> {
    let exchange = arthr::IssueToken::META.path_template;
    let received = server.wiremock().received_requests().await.unwrap_or_default();
    received.iter().filter(|r| r.url.path() != exchange).map(|r| format!("{} {}", r.method, r.url.path())).collect()
}

/// The POSTs among [`calls`].
async fn writes(server: &MockServer) -> Vec<String> {
    calls(server).await.into_iter().filter(|c| c.starts_with("POST ")).collect()
}

/// Every request but the token exchange carries the exchanged token, and the exchange the tenant's own key.
async fn check_credentials(server: &MockServer, key: &str) {
    let exchange = arthr::IssueToken::META.path_template;
    let received = server.wiremock().received_requests().await.unwrap_or_default();
    assert!(received.iter().any(|r| r.url.path() == exchange), "the token exchange ran");
    for r in &received {
        let header = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok());
        if r.url.path() == exchange {
            assert_eq!(header("x-api-key"), Some(key), "each tenant is sent its own API key");
        } else {
            assert_eq!(header("authorization"), Some(format!("Bearer {MOCK_TOKEN}").as_str()), "{}", r.url);
            assert_eq!(header("x-api-key"), None, "{}", r.url);
            if !r.body.is_empty() {
                assert_eq!(header("content-type"), Some("application/json"), "{}", r.url);
            }
        }
    }
}

/// Version lists ask for the newest first, 20 at a time, from page 0; other calls send no query.
async fn check_queries(server: &MockServer) {
    let exchange = arthr::IssueToken::META.path_template;
    let received = server.wiremock().received_requests().await.unwrap_or_default();
    for r in received.iter().filter(|r| r.url.path() != exchange) {
        let mut query: Vec<(String, String)> =
            r.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        query.sort();
        if r.url.path().ends_with("/versions") {
            let expected = [("page", "0"), ("size", "20"), ("sort", "version,desc")];
            assert_eq!(query, expected.map(|(k, v)| (k.to_owned(), v.to_owned())), "{}", r.url);
        } else {
            assert!(query.is_empty(), "{}", r.url);
        }
    }
}

fn body(request: &wiremock::Request) -> serde_json::Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

const CREATES: [&str; 6] = [
    "POST /api/theme-server/themes",
    "POST /api/theme-server/themes/th-t-4/assets/",
    "POST /api/theme-server/themes/th-t-4/assets/",
    "POST /api/process-manager/cloudFunctions",
    "POST /api/process-manager/customDataForms",
    "POST /api/theme-server/customPages",
];

const ACTIVATIONS: [&str; 5] = [
    "POST /api/theme-server/themes/th-t-4/status/DEPLOYED_ACTIVE",
    "POST /api/process-manager/cloudFunctions/cf-t-1/status/DEPLOYED_ACTIVE",
    "POST /api/process-manager/customDataForms/cdf-t-6/status/DEPLOYED_ACTIVE",
    "POST /api/theme-server/customPages/cp-t-1/status/DEPLOYED_ACTIVE",
    "POST /api/process-manager/processDefinitions/pd-t-3/status/DEPLOYED_ACTIVE",
];

fn plan_lines(stdout: &str) -> Vec<&str> {
    stdout.lines().skip_while(|l| *l != "plan:").take_while(|l| l.starts_with("plan:") || l.starts_with("  ")).collect()
}

const PLAN: [&str; 9] = [
    "plan:",
    "  create theme `Corporate` from source v2 (th-s-2): next version on the target (its newest is v3), assets: logo, body-font",
    "  create cloud function `checkAge` from source v2 (cf-s-2): new on the target",
    "  create custom data form `kyc & aml` from source v1 (cdf-s-1): next version on the target (its newest is v5)",
    "  create custom page `welcome` from source v3 (cp-s-3): new on the target, archive ARCHIVE",
    "  create process definition `Onboarding` from source v7 (pd-7): next version on the target (its newest is v2)",
    "  not copied: watchlist `pep\\u{1b}[2J` (data, not design): the target needs its own",
    "  not copied: cloud function `${scoring}`, a name the BPMN computes",
    "  not copied: assets of theme `Corporate` in group `print` (only `global` is documented)",
];

fn expected_plan(setup: &Setup) -> Vec<String> {
    PLAN.iter().map(|l| l.replace("ARCHIVE", &setup.archive().display().to_string())).collect()
}

#[tokio::test]
async fn migrates_the_process_and_what_it_uses_then_activates_it_last() {
    let setup = setup(Failure::None).await;
    let out = migrate(&setup, &[]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.starts_with("source: process definition `Onboarding` v7 (pd-7), the latest active version\n"),
        "{stdout}"
    );
    assert_eq!(plan_lines(&stdout), expected_plan(&setup));
    let progress: Vec<&str> = stdout.lines().skip(1 + PLAN.len()).collect();
    assert_eq!(
        progress,
        [
            "created   theme `Corporate` v4 (th-t-4)",
            "uploaded  theme asset `logo` (12 bytes)",
            "uploaded  theme asset `body-font` (8 bytes)",
            "created   cloud function `checkAge` v1 (cf-t-1)",
            "created   custom data form `kyc & aml` v6 (cdf-t-6)",
            "created   custom page `welcome` v1 (cp-t-1)",
            "rewrote   BPMN: cloud function `checkAge` pinned v2 → v1",
            "rewrote   BPMN: custom page `welcome` pinned v3 → v1",
            "created   process definition `Onboarding` v3 (pd-t-3)",
            "activated theme `Corporate` v4 (th-t-4)",
            "activated cloud function `checkAge` v1 (cf-t-1)",
            "activated custom data form `kyc & aml` v6 (cdf-t-6)",
            "activated custom page `welcome` v1 (cp-t-1)",
            "activated process definition `Onboarding` v3 (pd-t-3)",
            "done: 5 new versions created and activated on the target",
        ]
    );

    // The source is only read.
    assert!(calls(&setup.source).await.iter().all(|c| c.starts_with("GET ")), "{:?}", calls(&setup.source).await);
    check_credentials(&setup.source, SOURCE_KEY).await;
    check_credentials(&setup.target, TARGET_KEY).await;

    // The target: reads, then every create, then every activation, the process definition last.
    let writes = writes(&setup.target).await;
    let expected: Vec<&str> = CREATES
        .iter()
        .chain(["POST /api/process-manager/processDefinitions"].iter())
        .chain(ACTIVATIONS.iter())
        .copied()
        .collect();
    assert_eq!(writes, expected);
    let reads = calls(&setup.target).await;
    assert!(
        reads.contains(&"GET /api/process-manager/customDataForms/kyc%20%26%20aml/versions".to_owned()),
        "{reads:?}"
    );
    check_queries(&setup.source).await;
    check_queries(&setup.target).await;

    // The bodies.
    let theme = &setup.target.requests_to(ts::CreateTheme::META).await[0];
    assert_eq!(
        body(theme),
        json!({"name": "Corporate", "description": "Brand", "palette": {"primary": "#004080"}, "status": "EDITABLE"})
    );
    let uploads = setup.target.requests_to(ts::UploadThemeAsset::META).await;
    assert_eq!(
        uploads.iter().map(body).collect::<Vec<_>>(),
        [
            json!({"name": "logo", "contentType": "image/png", "fileExtension": "png", "assetResource": b64(LOGO)}),
            json!({"name": "body-font", "contentType": "font/ttf", "fileExtension": "ttf", "assetResource": b64(FONT)}),
        ]
    );
    let function = &setup.target.requests_to(pm::CreateCloudFunction::META).await[0];
    assert_eq!(
        body(function),
        json!({"name": "checkAge", "description": "Age check", "status": "EDITABLE", "type": "PYTHON39V1",
               "resource": "def main(ctx):\n    return ctx['age'] >= 18\n"})
    );
    let form = &setup.target.requests_to(pm::CreateCustomDataForm::META).await[0];
    assert_eq!(
        body(form),
        json!({"name": "kyc & aml", "status": "EDITABLE", "resource": "{\"fields\":[]}", "creationOption": "Save & Deploy"})
    );
    let custom_page = &setup.target.requests_to(ts::CreateCustomPage::META).await[0];
    assert_eq!(
        body(custom_page),
        json!({"name": "welcome", "description": "Welcome page", "archive": b64(ARCHIVE), "creationOption": "Save & Deploy"})
    );
    let process = body(&setup.target.requests_to(pm::CreateProcessDefinition::META).await[0]);
    let bpmn = process["resources"]["bpmn"]["data"].as_str().expect("the BPMN");
    let bpmn =
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(bpmn).expect("base64")).expect("UTF-8");
    let expected_bpmn = source_bpmn()
        .replace(r#""functionVersion">2<"#, r#""functionVersion">1<"#)
        .replace(r#""customPageVersion">3<"#, r#""customPageVersion">1<"#);
    assert_ne!(expected_bpmn, source_bpmn());
    assert_eq!(bpmn, expected_bpmn, "only the pinned versions change");
    assert_eq!(
        process,
        json!({
            "name": "Onboarding", "description": "Know your customer", "serverType": "P1",
            "processDefinitionType": "VERIFICATION", "attributes": {"searchable": true}, "themeId": "th-t-4",
            "resources": {"bpmn": {"data": process["resources"]["bpmn"]["data"], "type": "BPMN"}},
        }),
        "the source's IDs and tenant are not copied"
    );
    for activation in setup.target.wiremock().received_requests().await.unwrap_or_default() {
        if activation.url.path().ends_with("/status/DEPLOYED_ACTIVE") {
            assert!(activation.body.is_empty(), "activations send no body: {}", activation.url);
        }
    }

    // The CDN gets no credentials.
    let downloads = setup.cdn.received_requests().await.unwrap_or_default();
    assert_eq!(downloads.iter().map(|r| r.url.path()).collect::<Vec<_>>(), ["/theme/logo.png", "/theme/Inter.TTF"]);
    assert_eq!(downloads[1].url.query(), Some("v=3"), "the address is used as given");
    for r in &downloads {
        assert!(r.headers.get("authorization").is_none() && r.headers.get("x-api-key").is_none(), "{r:?}");
    }
}

#[tokio::test]
async fn a_dry_run_reads_and_plans_but_writes_and_downloads_nothing() {
    let setup = setup(Failure::None).await;
    let out = migrate(&setup, &["--dry-run"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
    assert_eq!(plan_lines(&stdout), expected_plan(&setup));
    assert!(stdout.ends_with("dry run: nothing was created\n"), "{stdout}");
    let calls = calls(&setup.target).await;
    assert!(calls.iter().all(|c| c.starts_with("GET ")), "{calls:?}");
    assert_eq!(calls.len(), 5, "one version list per asset and the process: {calls:?}");
    assert!(setup.cdn.received_requests().await.unwrap_or_default().is_empty(), "nothing downloaded");
}

#[tokio::test]
async fn a_custom_page_without_its_archive_stops_the_migration_before_any_write() {
    let setup = setup(Failure::None).await;
    let out = run(&setup, &["Onboarding"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains(
            "cannot migrate: custom page `welcome`: the API does not return its archive; give it with --custom-page \
             welcome=FILE.zip\nnothing was created\n"
        ),
        "{stdout}"
    );
    let calls = calls(&setup.target).await;
    assert!(calls.iter().all(|c| c.starts_with("GET ")), "{calls:?}");
    assert!(setup.cdn.received_requests().await.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn a_failure_while_creating_leaves_nothing_activated_and_says_what_was_created() {
    let setup = setup(Failure::CreatingTheForm).await;
    let out = migrate(&setup, &[]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", text(&out.stderr));
    let report: Vec<&str> = stdout.lines().skip_while(|l| !l.starts_with("FAILED")).collect();
    assert_eq!(report.len(), 9, "{stdout}");
    assert!(report[0].starts_with("FAILED: creating custom data form `kyc & aml`: "), "{}", report[0]);
    assert!(report[0].contains("500") && report[0].contains("form store unavailable"), "{}", report[0]);
    assert_eq!(
        report[1..],
        [
            "report:",
            "  created, NOT activated (left EDITABLE): theme `Corporate` v4 (th-t-4)",
            "  created, NOT activated (left EDITABLE): cloud function `checkAge` v1 (cf-t-1)",
            "  not created: custom data form `kyc & aml`",
            "  not created: custom page `welcome`",
            "  not created: process definition `Onboarding`",
            "nothing was activated: the target's active versions are as they were",
            "versions created and not activated stay on the target: activate or remove them, or run again",
        ]
    );
    let writes = writes(&setup.target).await;
    assert_eq!(writes, CREATES[..5], "the form was tried once; nothing after it, no activation");
}

#[tokio::test]
async fn a_failure_while_activating_keeps_the_previous_process_active_and_says_so() {
    let setup = setup(Failure::ActivatingTheProcess).await;
    let out = migrate(&setup, &[]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", text(&out.stderr));
    let report: Vec<&str> = stdout.lines().skip_while(|l| !l.starts_with("FAILED")).collect();
    assert!(report[0].starts_with("FAILED: activating process definition `Onboarding` v3 (pd-t-3): "), "{}", report[0]);
    assert!(report[0].contains("409") && report[0].contains("a version is being deployed"), "{}", report[0]);
    assert_eq!(
        report[1..],
        [
            "report:",
            "  activated: theme `Corporate` v4 (th-t-4)",
            "  activated: cloud function `checkAge` v1 (cf-t-1)",
            "  activated: custom data form `kyc & aml` v6 (cdf-t-6)",
            "  activated: custom page `welcome` v1 (cp-t-1)",
            "  created, NOT activated (left EDITABLE): process definition `Onboarding` v3 (pd-t-3)",
            "the activated versions above are now active on the target; its active process definition is unchanged",
            "versions created and not activated stay on the target: activate or remove them, or run again",
        ]
    );
    let activations = setup.target.requests_to(pm::ActivateProcessDefinition::META).await;
    assert_eq!(activations.len(), 1, "a refused activation is not retried");
}
