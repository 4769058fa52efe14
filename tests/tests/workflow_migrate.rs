//! The `migrate_process` example runs as a process against three local HTTP servers: the source
//! tenant (the SDK's test kit with fixed answers), the target tenant (a fake that keeps the versions
//! it is given, serves its theme asset files, and fails one write when told to) and a CDN serving the
//! source theme's asset files. Every request is checked, and so is the report the example prints
//! against what the target holds: a full migration, a dry run, a migration that cannot start, the
//! same migration run twice, and a failure (refused, or a reply lost after the server acted) on each
//! kind of write followed by a run again.

#![allow(deprecated)] // The custom page operations are deprecated in the API and still the only ones.

mod workspace;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::json;
use trustx::models::{
    ArchiveEntry, AssetVersionStatus, CloudFunction, CustomDataForm, CustomPage, Page, ProcessDefinition,
    ProcessDefinitionVersion, Theme, VersionedAssetItem,
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

/// The archive entry a server makes of an archive: a content-addressed path (FNV-1a of the bytes).
fn archive_entry(archive: &[u8]) -> String {
    let hash = archive.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    format!("/assets/md5/{hash:016x}.html")
}

/// A write the target can be told to fail.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Write {
    CreateTheme,
    UploadAsset,
    CreateFunction,
    CreateForm,
    CreatePage,
    CreateProcess,
    ActivateTheme,
    ActivateFunction,
    ActivateForm,
    ActivatePage,
    ActivateProcess,
}

const WRITES: [Write; 11] = [
    Write::CreateTheme,
    Write::UploadAsset,
    Write::CreateFunction,
    Write::CreateForm,
    Write::CreatePage,
    Write::CreateProcess,
    Write::ActivateTheme,
    Write::ActivateFunction,
    Write::ActivateForm,
    Write::ActivatePage,
    Write::ActivateProcess,
];

/// How a write fails, once.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// Answered with this status; nothing is done.
    Refused(u16),
    /// Done, then answered 503: the client does not see that it was done.
    Lost,
}

/// The kinds of asset the target keeps: (label, collection path, ID prefix).
const KINDS: [(&str, &str, &str); 5] = [
    ("theme", "/api/theme-server/themes", "th"),
    ("cloud function", "/api/process-manager/cloudFunctions", "cf"),
    ("custom data form", "/api/process-manager/customDataForms", "cdf"),
    ("custom page", "/api/theme-server/customPages", "cp"),
    ("process definition", "/api/process-manager/processDefinitions", "pd"),
];

/// One version the target holds.
#[derive(Clone, Debug)]
struct Held {
    kind: usize,
    name: String,
    id: String,
    version: i32,
    status: String,
    /// The body it was created with.
    body: serde_json::Value,
    /// Theme assets: (name, file extension, bytes).
    assets: Vec<(String, String, Vec<u8>)>,
}

#[derive(Default)]
struct TenantState {
    uri: String,
    held: Vec<Held>,
    /// How many of `held` were there before the test's runs.
    seeded: usize,
    /// The writes done, in order (`create <id>`, `upload <id> <asset>`, `activate <id>`).
    done: Vec<String>,
    fault: Option<(Write, Mode)>,
}

/// The target tenant: versions of themes, functions, forms, pages and processes, kept as they are
/// created, uploaded to and activated; the theme asset files served under `/cdn/`.
#[derive(Clone, Default)]
struct Tenant(Arc<Mutex<TenantState>>);

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8")
}

fn error(status: u16, message: &str) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(status).set_body_json(json!({"code": 5030, "message": message}))
}

impl TenantState {
    fn seed(&mut self, kind: usize, name: &str, version: i32, body: serde_json::Value) {
        let id = format!("{}-t-{version}", KINDS[kind].2);
        let held =
            Held { kind, name: name.into(), id, version, status: "DEPLOYED_ACTIVE".into(), body, assets: vec![] };
        self.held.push(held);
        self.seeded = self.held.len();
    }

    fn detail(&self, held: &Held) -> serde_json::Value {
        let mut body = held.body.clone();
        let fields = body.as_object_mut().expect("an object");
        fields.insert("id".into(), held.id.clone().into());
        fields.insert("name".into(), held.name.clone().into());
        fields.insert("version".into(), held.version.into());
        fields.insert("status".into(), held.status.clone().into());
        match KINDS[held.kind].2 {
            "th" => {
                let global: Vec<_> = held
                    .assets
                    .iter()
                    .map(|(name, ext, _)| json!({"name": name, "path": format!("{}/cdn/{}/{name}.{ext}", self.uri, held.id)}))
                    .collect();
                fields.insert("assets".into(), json!({"global": global}));
            }
            "cp" => {
                let archive = held.body["archive"].as_str().unwrap_or_default();
                let archive = base64::engine::general_purpose::STANDARD.decode(archive).unwrap_or_default();
                fields.remove("archive");
                fields.insert("archiveEntries".into(), json!([{"path": archive_entry(&archive)}]));
            }
            "pd" => {
                fields.insert("processDefinitionId".into(), held.id.clone().into());
            }
            _ => {}
        }
        body
    }

    /// Whether the fault fires for this write (once).
    fn fault(&mut self, write: Write) -> Option<Mode> {
        match self.fault {
            Some((w, mode)) if w == write => {
                self.fault = None;
                Some(mode)
            }
            _ => None,
        }
    }

    fn handle(&mut self, method: &str, path: &str, body: &[u8]) -> wiremock::ResponseTemplate {
        if let Some(rest) = path.strip_prefix("/cdn/") {
            let (id, file) = rest.split_once('/').expect("an asset path");
            let held = self.held.iter().find(|h| h.id == id);
            let asset = held.and_then(|h| h.assets.iter().find(|(n, e, _)| format!("{n}.{e}") == percent_decode(file)));
            return match asset {
                Some((_, _, bytes)) => wiremock::ResponseTemplate::new(200).set_body_bytes(bytes.clone()),
                None => error(404, "no such file"),
            };
        }
        let Some((kind, rest)) = KINDS.iter().enumerate().find_map(|(k, (_, p, _))| Some((k, path.strip_prefix(p)?)))
        else {
            return error(404, "no such path");
        };
        let segments: Vec<&str> = rest.split('/').skip(1).collect();
        match (method, segments.as_slice()) {
            ("POST", []) => self.create(kind, body),
            ("GET", [name, "versions"]) => {
                let name = percent_decode(name);
                let mut list: Vec<&Held> = self.held.iter().filter(|h| h.kind == kind && h.name == name).collect();
                if list.is_empty() && kind == 1 {
                    return error(404, "no such function");
                }
                list.sort_by_key(|h| std::cmp::Reverse(h.version));
                let content: Vec<_> = list
                    .iter()
                    .map(|h| {
                        let id = if kind == 4 { "processDefinitionId" } else { "id" };
                        json!({id: h.id, "version": h.version, "status": h.status})
                    })
                    .collect();
                wiremock::ResponseTemplate::new(200)
                    .set_body_json(json!({"content": content, "number": 0, "last": true}))
            }
            ("GET", [id]) | ("GET", [id, "all"]) => match self.held.iter().find(|h| h.id == *id && h.kind == kind) {
                Some(held) => wiremock::ResponseTemplate::new(200).set_body_json(self.detail(held)),
                None => error(404, "no such version"),
            },
            ("POST", [id, "assets", ""]) if kind == 0 => {
                let mode = self.fault(Write::UploadAsset);
                if let Some(Mode::Refused(status)) = mode {
                    return error(status, "asset store unavailable");
                }
                let upload: serde_json::Value = serde_json::from_slice(body).expect("an asset");
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(upload["assetResource"].as_str().expect("bytes"))
                    .expect("base64");
                let name = upload["name"].as_str().expect("a name").to_owned();
                let ext = upload["fileExtension"].as_str().expect("an extension").to_owned();
                let Some(held) = self.held.iter_mut().find(|h| h.id == *id) else { return error(404, "no such theme") };
                assert_eq!(held.status, "EDITABLE", "assets are uploaded to drafts only");
                held.assets.push((name.clone(), ext, bytes));
                self.done.push(format!("upload {id} {name}"));
                match mode {
                    Some(Mode::Lost) => error(503, "lost reply"),
                    _ => wiremock::ResponseTemplate::new(200),
                }
            }
            ("POST", [id, "status", "DEPLOYED_ACTIVE"]) => self.activate(kind, id),
            _ => error(404, "no such path"),
        }
    }

    fn create(&mut self, kind: usize, body: &[u8]) -> wiremock::ResponseTemplate {
        let write =
            [Write::CreateTheme, Write::CreateFunction, Write::CreateForm, Write::CreatePage, Write::CreateProcess]
                [kind];
        let mode = self.fault(write);
        if let Some(Mode::Refused(status)) = mode {
            return error(status, "store unavailable");
        }
        let body: serde_json::Value = serde_json::from_slice(body).expect("a JSON body");
        let name = body["name"].as_str().expect("a name").to_owned();
        let version =
            self.held.iter().filter(|h| h.kind == kind && h.name == name).map(|h| h.version).max().unwrap_or(0) + 1;
        let id = format!("{}-t-{version}", KINDS[kind].2);
        let held = Held { kind, name, id: id.clone(), version, status: "EDITABLE".into(), body, assets: vec![] };
        let mut reply = self.detail(&held);
        self.held.push(held);
        self.done.push(format!("create {id}"));
        if mode == Some(Mode::Lost) {
            return error(503, "lost reply");
        }
        // Each kind answers in its own way, as the real servers do.
        match kind {
            1 => {
                // No version number: the example looks it up.
                reply.as_object_mut().expect("an object").remove("version");
                wiremock::ResponseTemplate::new(200).set_body_json(reply)
            }
            3 => wiremock::ResponseTemplate::new(201).set_body_json(reply),
            4 => wiremock::ResponseTemplate::new(200)
                .set_body_json(json!({"id": id, "name": reply["name"], "version": version})),
            _ => wiremock::ResponseTemplate::new(200).set_body_json(reply),
        }
    }

    fn activate(&mut self, kind: usize, id: &str) -> wiremock::ResponseTemplate {
        let write = [
            Write::ActivateTheme,
            Write::ActivateFunction,
            Write::ActivateForm,
            Write::ActivatePage,
            Write::ActivateProcess,
        ][kind];
        let mode = self.fault(write);
        if let Some(Mode::Refused(status)) = mode {
            return error(status, "a version is being deployed");
        }
        let Some(name) = self.held.iter().find(|h| h.id == id && h.kind == kind).map(|h| h.name.clone()) else {
            return error(404, "no such version");
        };
        for held in self.held.iter_mut().filter(|h| h.kind == kind && h.name == name) {
            if held.id == id {
                held.status = "DEPLOYED_ACTIVE".into();
            } else if held.status == "DEPLOYED_ACTIVE" {
                held.status = "INACTIVE".into();
            }
        }
        self.done.push(format!("activate {id}"));
        if mode == Some(Mode::Lost) {
            return error(503, "lost reply");
        }
        let held = self.held.iter().find(|h| h.id == id).expect("the version").clone();
        wiremock::ResponseTemplate::new(200).set_body_json(self.detail(&held))
    }
}

impl wiremock::Respond for Tenant {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        self.0.lock().unwrap().handle(request.method.as_str(), request.url.path(), &request.body)
    }
}

impl Tenant {
    fn state(&self) -> std::sync::MutexGuard<'_, TenantState> {
        self.0.lock().unwrap()
    }

    fn fail(&self, write: Write, mode: Mode) {
        self.state().fault = Some((write, mode));
    }

    fn writes_done(&self) -> usize {
        self.state().done.len()
    }
}

struct Setup {
    source: MockServer,
    target: MockServer,
    tenant: Tenant,
    cdn: wiremock::MockServer,
    dir: tempfile::TempDir,
}

impl Setup {
    fn archive(&self) -> PathBuf {
        self.dir.path().join("welcome.zip")
    }
}

async fn setup() -> Setup {
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
    let custom_page = CustomPage::default()
        .with_id("cp-s-3")
        .with_name("welcome")
        .with_description("Welcome page")
        .with_archive_entries(vec![ArchiveEntry::default().with_path(archive_entry(ARCHIVE))]);
    source.theme_server().get_custom_page().path_param("id", "cp-s-3").respond(200, &custom_page).await;

    // The target: a theme (v3), the form (v5) and the process (v2) of other content exist there,
    // all active; the function is unknown (its versions answer 404), the page has no version.
    let tenant = Tenant::default();
    {
        let mut state = tenant.state();
        state.uri = target.uri();
        state.seed(0, "Corporate", 3, json!({"description": "Old brand", "palette": {"primary": "#000000"}}));
        state.seed(2, "kyc & aml", 5, json!({"resource": "{\"fields\":[\"old\"]}"}));
        let old_bpmn = b64(BPMN.replace("Onboarding", "Old").as_bytes());
        state.seed(
            4,
            "Onboarding",
            2,
            json!({"themeId": "th-t-3", "resources": {"bpmn": {"data": old_bpmn, "type": "BPMN"}}}),
        );
    }
    wiremock::Mock::given(wiremock::matchers::path_regex("^/(api/(theme-server|process-manager)|cdn)/"))
        .respond_with(tenant.clone())
        .mount(target.wiremock())
        .await;
    Setup { source, target, tenant, cdn, dir }
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
        if r.url.path().starts_with("/cdn/") {
            // Asset files are downloaded without credentials.
            assert!(header("authorization").is_none() && header("x-api-key").is_none(), "{}", r.url);
        } else if r.url.path() == exchange {
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
        if r.url.path().starts_with("/cdn/") {
            continue;
        }
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

/// What the first run writes on a target that has none of it, in order.
const WRITES_IN_ORDER: [&str; 12] = [
    "POST /api/theme-server/themes",
    "POST /api/theme-server/themes/th-t-4/assets/",
    "POST /api/theme-server/themes/th-t-4/assets/",
    "POST /api/process-manager/cloudFunctions",
    "POST /api/process-manager/customDataForms",
    "POST /api/theme-server/customPages",
    "POST /api/process-manager/processDefinitions",
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
    "  copy theme `Corporate` from source v2 (th-s-2): the target has 1 version, the newest v3, assets: logo, body-font",
    "  copy cloud function `checkAge` from source v2 (cf-s-2): new on the target",
    "  copy custom data form `kyc & aml` from source v1 (cdf-s-1): the target has 1 version, the newest v5",
    "  copy custom page `welcome` from source v3 (cp-s-3): new on the target, archive ARCHIVE",
    "  copy process definition `Onboarding` from source v7 (pd-7): the target has 1 version, the newest v2",
    "  not copied: watchlist `pep\\u{1b}[2J` (data, not design): the target needs its own",
    "  not copied: cloud function `${scoring}`, a name the BPMN computes",
    "  not copied: assets of theme `Corporate` in group `print` (only `global` is documented)",
];

fn expected_plan(setup: &Setup) -> Vec<String> {
    PLAN.iter().map(|l| l.replace("ARCHIVE", &setup.archive().display().to_string())).collect()
}

/// The lines of the block `title` (up to the first line that is not indented).
fn block<'a>(stdout: &'a str, title: &str) -> Vec<&'a str> {
    stdout.lines().skip_while(|l| *l != title).skip(1).take_while(|l| l.starts_with("  ")).collect()
}

/// The (asset name, extension, bytes) the source theme has, sorted.
fn source_assets() -> Vec<(String, String, Vec<u8>)> {
    let mut assets =
        vec![("logo".to_owned(), "png".to_owned(), LOGO.to_vec()), ("body-font".into(), "ttf".into(), FONT.to_vec())];
    assets.sort();
    assets
}

/// The names of the five items: (kind index, name).
const ITEMS: [(usize, &str); 5] =
    [(0, "Corporate"), (1, "checkAge"), (2, "kyc & aml"), (3, "welcome"), (4, "Onboarding")];

/// The target ends with exactly one new version of each item, active, with the source's content,
/// the versions it had before no longer active, and the process definition activated last.
fn check_migrated(setup: &Setup) {
    let state = setup.tenant.state();
    let new = &state.held[state.seeded..];
    assert_eq!(new.len(), ITEMS.len(), "one new version each: {new:#?}");
    let one = |kind: usize, name: &str| {
        let theirs: Vec<&Held> = new.iter().filter(|h| h.kind == kind && h.name == name).collect();
        assert_eq!(theirs.len(), 1, "{name}: {theirs:#?}");
        assert_eq!(theirs[0].status, "DEPLOYED_ACTIVE", "{name}");
        theirs[0].clone()
    };
    let theme = one(0, "Corporate");
    let function = one(1, "checkAge");
    let form = one(2, "kyc & aml");
    let custom_page = one(3, "welcome");
    let process = one(4, "Onboarding");
    for old in &state.held[..state.seeded] {
        assert_eq!(old.status, "INACTIVE", "{} was replaced", old.id);
    }
    let mut assets = theme.assets.clone();
    assets.sort();
    assert_eq!(assets, source_assets(), "every asset once, with the source's bytes");
    assert_eq!(theme.body["palette"], json!({"primary": "#004080"}));
    assert_eq!(function.body["resource"], json!("def main(ctx):\n    return ctx['age'] >= 18\n"));
    assert_eq!(form.body["resource"], json!(r#"{"fields":[]}"#));
    assert_eq!(custom_page.body["archive"], json!(b64(ARCHIVE)));
    assert_eq!(process.body["themeId"], json!(theme.id));
    let bpmn = process.body["resources"]["bpmn"]["data"].as_str().expect("the BPMN");
    let bpmn =
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(bpmn).expect("base64")).expect("UTF-8");
    let expected = source_bpmn()
        .replace(r#""functionVersion">2<"#, &format!(r#""functionVersion">{}<"#, function.version))
        .replace(r#""customPageVersion">3<"#, &format!(r#""customPageVersion">{}<"#, custom_page.version));
    assert_eq!(bpmn, expected, "the BPMN pins the target's versions");
    let activations: Vec<&String> = state.done.iter().filter(|d| d.starts_with("activate ")).collect();
    assert_eq!(
        activations.last().map(|a| a.as_str()),
        Some(format!("activate {}", process.id).as_str()),
        "the process definition is activated last: {:?}",
        state.done
    );
    assert_eq!(activations.len(), ITEMS.len(), "each version activated once: {:?}", state.done);
}

/// `theme `Corporate` v4 (th-t-4)` → (kind index, name, version, ID).
fn parse_item(text: &str) -> (usize, String, i32, String) {
    let (label, rest) = text.split_once(" `").expect("a label");
    let (name, rest) = rest.split_once("` v").expect("a name and version");
    let (version, rest) = rest.split_once(" (").expect("an ID");
    let id = rest.strip_suffix(')').unwrap_or(rest).split(')').next().expect("an ID");
    let kind = KINDS.iter().position(|(l, _, _)| *l == label).expect("a known label");
    (kind, name.to_owned(), version.parse().expect("a version"), id.to_owned())
}

/// Every line of the report is true of the target, and each item has its line.
fn check_report(stdout: &str, setup: &Setup) {
    let report: Vec<&str> =
        stdout.lines().skip_while(|l| *l != "report (read back from the target):").skip(1).collect();
    let state = setup.tenant.state();
    let new = &state.held[state.seeded..];
    let (mut items, mut nothing_activated) = (Vec::new(), false);
    for line in &report {
        if let Some(rest) = line.strip_prefix("  active: ") {
            let (kind, name, version, id) = parse_item(rest);
            let at = state.held.iter().position(|h| h.id == id && h.kind == kind).expect("the version exists");
            let held = &state.held[at];
            assert_eq!(
                (held.name.as_str(), held.version, held.status.as_str()),
                (name.as_str(), version, "DEPLOYED_ACTIVE"),
                "{line}"
            );
            assert_eq!(rest.ends_with("(as before this run)"), at < state.seeded, "{line}");
            items.push((kind, name));
        } else if let Some(rest) = line.strip_prefix("  on the target, NOT active (") {
            let (status, rest) = rest.split_once("): ").expect("a status");
            let (what, missing) = rest.split_once(", without its assets ").unwrap_or((rest, ""));
            let (kind, name, version, id) = parse_item(what);
            let held = new.iter().find(|h| h.id == id && h.kind == kind).expect("a new version");
            assert_eq!(
                (held.name.as_str(), held.version, held.status.as_str()),
                (name.as_str(), version, status),
                "{line}"
            );
            if kind == 0 {
                let missing: Vec<&str> = missing.split(", ").filter(|m| !m.is_empty()).collect();
                let mut expected: Vec<_> =
                    source_assets().into_iter().filter(|(n, _, _)| !missing.contains(&n.as_str())).collect();
                expected.sort();
                let mut there = held.assets.clone();
                there.sort();
                assert_eq!(there, expected, "{line}");
            }
            items.push((kind, name));
        } else if let Some(rest) = line.strip_prefix("  not on the target: ") {
            let (label, rest) = rest.split_once(" `").expect("a label");
            let name = rest.split('`').next().expect("a name");
            let kind = KINDS.iter().position(|(l, _, _)| *l == label).expect("a known label");
            assert!(!new.iter().any(|h| h.kind == kind && h.name == name), "{line}: {new:#?}");
            items.push((kind, name.to_owned()));
        } else if *line == "nothing was activated: the target's active versions of these names are as they were" {
            nothing_activated = true;
        } else if *line == "the target's active process definition is the one it had before this run" {
            let active: Vec<&Held> =
                state.held.iter().filter(|h| h.kind == 4 && h.status == "DEPLOYED_ACTIVE").collect();
            assert_eq!(active.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["pd-t-2"], "{line}");
        } else if *line
            != "run again to finish: versions with the same content on the target are reused, not copied again"
        {
            panic!("a line the report should not have: {line:?}\n{stdout}");
        }
    }
    assert_eq!(
        nothing_activated,
        new.iter().all(|h| h.status != "DEPLOYED_ACTIVE"),
        "`nothing was activated` is said exactly when it is true:\n{stdout}"
    );
    let mut expected: Vec<(usize, String)> = ITEMS.iter().map(|(k, n)| (*k, n.to_string())).collect();
    expected.sort();
    items.sort();
    assert_eq!(items, expected, "one line per item:\n{stdout}");
}

#[tokio::test]
async fn migrates_the_process_and_what_it_uses_then_activates_it_last() {
    let setup = setup().await;
    let out = migrate(&setup, &[]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.starts_with("source: process definition `Onboarding` v7 (pd-7), the latest active version\n"),
        "{stdout}"
    );
    assert_eq!(plan_lines(&stdout), expected_plan(&setup));
    assert_eq!(
        block(&stdout, "on the target:"),
        [
            "  create theme `Corporate`: no version there has the same content (1 compared)",
            "  create cloud function `checkAge`: no version there",
            "  create custom data form `kyc & aml`: no version there has the same content (1 compared)",
            "  create custom page `welcome`: no version there",
            "  create process definition `Onboarding`: it uses versions this run creates",
        ]
    );
    let progress: Vec<&str> = stdout.lines().skip_while(|l| !l.starts_with("created")).collect();
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
            "done: 5 versions active on the target (5 created, 0 reused)",
        ]
    );
    check_migrated(&setup);

    // The source is only read.
    assert!(calls(&setup.source).await.iter().all(|c| c.starts_with("GET ")), "{:?}", calls(&setup.source).await);
    check_credentials(&setup.source, SOURCE_KEY).await;
    check_credentials(&setup.target, TARGET_KEY).await;

    // The target: reads, then every create, then every activation, the process definition last.
    assert_eq!(writes(&setup.target).await, WRITES_IN_ORDER);
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
async fn a_dry_run_reads_plans_and_compares_but_writes_nothing() {
    let setup = setup().await;
    let out = migrate(&setup, &["--dry-run"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", text(&out.stderr));
    assert_eq!(plan_lines(&stdout), expected_plan(&setup));
    assert_eq!(block(&stdout, "on the target:").len(), 5, "{stdout}");
    assert!(stdout.ends_with("dry run: nothing was created\n"), "{stdout}");
    let calls = calls(&setup.target).await;
    assert!(calls.iter().all(|c| c.starts_with("GET ")), "{calls:?}");
    assert_eq!(setup.tenant.writes_done(), 0);
}

#[tokio::test]
async fn a_custom_page_without_its_archive_stops_the_migration_before_any_write() {
    let setup = setup().await;
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
async fn the_same_migration_run_twice_writes_nothing_the_second_time() {
    let setup = setup().await;
    let first = migrate(&setup, &[]).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stdout));
    let written = writes(&setup.target).await.len();
    let second = migrate(&setup, &[]).await;
    let stdout = text(&second.stdout);
    assert_eq!(second.status.code(), Some(0), "{stdout}\n{}", text(&second.stderr));
    assert_eq!(writes(&setup.target).await.len(), written, "no write the second time:\n{stdout}");
    assert_eq!(
        block(&stdout, "on the target:"),
        [
            "  reuse theme `Corporate` v4 (th-t-4): the same content, DEPLOYED_ACTIVE: nothing to do",
            "  reuse cloud function `checkAge` v1 (cf-t-1): the same content, DEPLOYED_ACTIVE: nothing to do",
            "  reuse custom data form `kyc & aml` v6 (cdf-t-6): the same content, DEPLOYED_ACTIVE: nothing to do",
            "  reuse custom page `welcome` v1 (cp-t-1): the same content, DEPLOYED_ACTIVE: nothing to do",
            "  reuse process definition `Onboarding` v3 (pd-t-3): the same content, DEPLOYED_ACTIVE: nothing to do",
        ]
    );
    assert!(stdout.ends_with("done: 5 versions active on the target (0 created, 5 reused)\n"), "{stdout}");
    check_migrated(&setup);
}

/// Fails `write` with `mode` in a first run, checks its report against the target, runs again and
/// checks the target; returns the first run's output.
async fn fail_then_run_again(write: Write, mode: Mode) -> String {
    let setup = setup().await;
    setup.tenant.fail(write, mode);
    let first = migrate(&setup, &[]).await;
    let stdout = text(&first.stdout);
    let context = format!("{write:?} {mode:?}:\n{stdout}\n{}", text(&first.stderr));
    assert_eq!(first.status.code(), Some(1), "{context}");
    assert!(setup.tenant.state().fault.is_none(), "the write was tried: {context}");
    let failed = stdout.lines().find(|l| l.starts_with("FAILED: ")).expect("a FAILED line");
    let status = match mode {
        Mode::Refused(status) => status,
        Mode::Lost => 503,
    };
    assert!(failed.contains(&format!("HTTP {status}")), "{context}");
    check_report(&stdout, &setup);

    let again = migrate(&setup, &[]).await;
    let again_out = text(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{context}\nrun again:\n{again_out}\n{}", text(&again.stderr));
    check_migrated(&setup);
    let done = setup.tenant.state().done.clone();
    assert_eq!(done.iter().filter(|d| d.starts_with("create ")).count(), ITEMS.len(), "{context}\n{done:?}");
    assert_eq!(done.iter().filter(|d| d.starts_with("upload ")).count(), 2, "{context}\n{done:?}");
    stdout
}

#[tokio::test]
async fn a_refused_write_of_any_kind_then_a_run_again_ends_with_one_active_version_of_each() {
    for write in WRITES {
        fail_then_run_again(write, Mode::Refused(503)).await;
    }
    fail_then_run_again(Write::ActivateProcess, Mode::Refused(409)).await;
}

#[tokio::test]
async fn a_lost_reply_on_any_kind_of_write_then_a_run_again_ends_with_one_active_version_of_each() {
    for write in WRITES {
        fail_then_run_again(write, Mode::Lost).await;
    }
}

#[tokio::test]
async fn after_a_lost_reply_the_report_says_what_the_server_did() {
    let stdout = fail_then_run_again(Write::CreateTheme, Mode::Lost).await;
    let report: Vec<&str> = stdout.lines().skip_while(|l| !l.starts_with("report")).collect();
    assert_eq!(
        report[1..],
        [
            "  on the target, NOT active (EDITABLE): theme `Corporate` v4 (th-t-4), without its assets logo, body-font",
            "  not on the target: cloud function `checkAge` (no version there)",
            "  not on the target: custom data form `kyc & aml` (no version there has the same content (1 compared))",
            "  not on the target: custom page `welcome` (no version there)",
            "  not on the target: process definition `Onboarding` (no version there has the same content (1 compared))",
            "nothing was activated: the target's active versions of these names are as they were",
            "the target's active process definition is the one it had before this run",
            "run again to finish: versions with the same content on the target are reused, not copied again",
        ]
    );

    let stdout = fail_then_run_again(Write::ActivateTheme, Mode::Lost).await;
    let report: Vec<&str> = stdout.lines().skip_while(|l| !l.starts_with("report")).collect();
    assert_eq!(
        report[1..],
        [
            "  active: theme `Corporate` v4 (th-t-4)",
            "  on the target, NOT active (EDITABLE): cloud function `checkAge` v1 (cf-t-1)",
            "  on the target, NOT active (EDITABLE): custom data form `kyc & aml` v6 (cdf-t-6)",
            "  on the target, NOT active (EDITABLE): custom page `welcome` v1 (cp-t-1)",
            "  on the target, NOT active (EDITABLE): process definition `Onboarding` v3 (pd-t-3)",
            "the target's active process definition is the one it had before this run",
            "run again to finish: versions with the same content on the target are reused, not copied again",
        ]
    );
}
