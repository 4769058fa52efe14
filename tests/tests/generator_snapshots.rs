//! Snapshot tests of the generator over the feature fixtures (`tests/fixtures/features/*.yaml`) and
//! over the permission / error-code files of the real spec.
//!
//! Per fixture two snapshots:
//! - `model__<fixture>`: the warnings and the intermediate model (`sdk_codegen::build_model`), as YAML;
//! - `code__<fixture>`: every emitted file except the hand-written `runtime/src/*` and the license text, concatenated with
//!   `==> path <==` separators.
//!
//! For `spec/trustx.yaml` the first header line of each file (it carries the spec's sha256) is
//! replaced by a fixed line, so editing an unrelated part of the spec does not break these snapshots;
//! only changes to permissions or error codes do.
//!
//! Review changes with `cargo insta review` (or `INSTA_UPDATE=always cargo test -p trustx-tests
//! --test generator_snapshots` and `git diff tests/tests/snapshots`).

use sdk_codegen::model::{Api, TypeKind, TypeRef};
use sdk_codegen::{build_model, generate, Generated, Options};
use xtask::workspace_root as workspace;

fn fixture_bytes(name: &str) -> Vec<u8> {
    let path = workspace().join("tests/fixtures/features").join(format!("{name}.yaml"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[derive(serde::Serialize)]
struct ModelSnapshot<'a> {
    warnings: Vec<String>,
    api: &'a Api,
}

fn options(label: &str) -> Options {
    Options {
        crate_name: Some("fixture".into()),
        crate_version: "0.1.0".into(),
        spec_label: label.into(),
        strict: false,
    }
}

fn generate_fixture(name: &str) -> Generated {
    let label = format!("{name}.yaml");
    match generate(&fixture_bytes(name), &options(&label)) {
        Ok(g) => g,
        Err(d) => panic!("fixture {label} does not generate:\n{d}"),
    }
}

/// Every file but the runtime's sources and the license text (the same for every crate),
/// `==> path <==` then its contents.
fn code_snapshot(generated: &Generated) -> String {
    let mut out = String::new();
    for (path, contents) in &generated.files {
        if path.starts_with("runtime/src/") || path.ends_with("LICENSE") {
            continue;
        }
        out.push_str(&format!("==> {path} <==\n{contents}\n"));
    }
    out
}

/// Snapshots model and code of one fixture; returns both for extra assertions.
fn snapshot_fixture(name: &str) -> (Api, Vec<String>, Generated) {
    let label = format!("{name}.yaml");
    let (_, api, warnings) = match build_model(&fixture_bytes(name), &label) {
        Ok(m) => m,
        Err(d) => panic!("fixture {label} has no model:\n{d}"),
    };
    let warnings: Vec<String> = warnings.0.iter().map(ToString::to_string).collect();
    insta::assert_yaml_snapshot!(format!("model__{name}"), ModelSnapshot { warnings: warnings.clone(), api: &api });
    let generated = generate_fixture(name);
    assert!(generated.files.contains_key("src/lib.rs"), "{name}: no src/lib.rs");
    assert!(generated.files.contains_key("Cargo.toml"), "{name}: no Cargo.toml");
    insta::assert_snapshot!(format!("code__{name}"), code_snapshot(&generated));
    (api, warnings, generated)
}

fn type_def<'a>(api: &'a Api, name: &str) -> &'a TypeKind {
    match api.types.iter().find(|t| t.name == name) {
        Some(t) => &t.kind,
        None => panic!("no type {name}; types: {:?}", api.types.iter().map(|t| &t.name).collect::<Vec<_>>()),
    }
}

fn file<'a>(generated: &'a Generated, path: &str) -> &'a str {
    match generated.files.get(path) {
        Some(f) => f,
        None => panic!("no file {path}; files: {:?}", generated.files.keys().collect::<Vec<_>>()),
    }
}

#[test]
fn sensitive_fixture() {
    let (api, _, generated) = snapshot_fixture("sensitive");
    let sensitive = |ty: &str| {
        let TypeKind::Struct { fields, .. } = type_def(&api, ty) else { panic!("{ty} is not a struct") };
        fields.iter().filter(|f| f.sensitive).map(|f| f.wire_name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(sensitive("Login"), ["password", "recovery"], "format: password and a $ref to an x-sensitive schema");
    assert_eq!(sensitive("Session"), ["token"], "x-sensitive: false marks nothing");
    let session = file(&generated, "src/models/session.rs");
    assert!(session.contains("impl std::fmt::Debug for Session"), "{session}");
    assert!(session.contains(r#".field("token", &crate::runtime::redact::Hidden(&self.token))"#), "{session}");
    assert!(session.contains(r#".field("note", &self.note)"#), "{session}");
    assert!(session.contains("redact::FieldNames(&self.additional_properties)"), "unknown fields by name: {session}");
    assert!(!session.contains("derive(Debug"), "{session}");
    // A whole schema: every field hidden; a sensitive scalar schema is `Sensitive<T>`.
    let person = file(&generated, "src/models/person.rs");
    assert!(person.contains(r#".field("name", &self.name.as_ref().map(crate::runtime::redact::Hidden))"#), "{person}");
    assert!(person.contains(r#".field("id", &self.id.as_ref().map(crate::runtime::redact::Hidden))"#), "{person}");
    assert!(file(&generated, "src/models/secret.rs").contains("pub type Secret = crate::runtime::Sensitive<String>;"));
    // Parameters and a free-form body are kept as `Sensitive` and marked for prepared requests; a
    // free-form result is `Sensitive<Map>`.
    let ops = file(&generated, "src/operations/vault.rs");
    let flat = ops.replace(char::is_whitespace, "");
    for needle in [
        "pub(crate) email: rt::Sensitive<String>,",
        "pub(crate) reason: Option<rt::Sensitive<String>>,",
        "pub(crate) page: Option<i64>,",
        "pub(crate) body: rt::Sensitive<serde_json::Map<String, serde_json::Value>>,",
        ".sensitive() .path_param(self.email.expose())",
        ".sensitive() .query(\"reason\", self.reason.as_ref())",
        ".accept(\"application/json\") .sensitive() .json_body(body)",
        "type Output = crate::runtime::Sensitive<serde_json::Map<String, serde_json::Value>>;",
    ] {
        assert!(flat.contains(&needle.replace(char::is_whitespace, "")), "{needle} in:\n{ops}");
    }
}

#[test]
fn enum_fixture() {
    let (api, _, generated) = snapshot_fixture("enum");
    let TypeKind::Enum { values } = type_def(&api, "Color") else { panic!("Color is not an enum") };
    assert_eq!(values.len(), 4);
    assert!(file(&generated, "src/models/color.rs").contains("Unknown(String)"));
}

#[test]
fn nullable_fixture() {
    let (api, _, generated) = snapshot_fixture("nullable");
    let TypeKind::Struct { fields, .. } = type_def(&api, "Thing") else { panic!("Thing is not a struct") };
    let flags: Vec<(&str, bool, bool)> =
        fields.iter().map(|f| (f.wire_name.as_str(), f.required, f.nullable)).collect();
    assert_eq!(
        flags,
        [
            ("requiredPlain", true, false),
            ("requiredNullable", true, true),
            ("optionalPlain", false, false),
            ("optionalNullable", false, true)
        ]
    );
    assert!(file(&generated, "src/models/thing.rs").contains("double_option"));
}

#[test]
fn all_of_fixture() {
    let (api, _, _) = snapshot_fixture("all_of");
    let TypeKind::Struct { fields, .. } = type_def(&api, "Dog") else { panic!("Dog is not a struct") };
    let names: Vec<&str> = fields.iter().map(|f| f.wire_name.as_str()).collect();
    assert_eq!(names, ["name", "age", "breed", "goodBoy"]);
    let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.wire_name.as_str()).collect();
    assert_eq!(required, ["name", "breed"]);
}

#[test]
fn one_of_discriminator_fixture() {
    let (api, _, _) = snapshot_fixture("one_of_discriminator");
    let TypeKind::Tagged { property, variants } = type_def(&api, "Shape") else { panic!("Shape is not tagged") };
    assert_eq!(property, "kind");
    let tags: Vec<&str> = variants.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(tags, ["circle", "square"]);
}

#[test]
fn one_of_untagged_fixture() {
    let (api, _, _) = snapshot_fixture("one_of_untagged");
    let TypeKind::Untagged { variants } = type_def(&api, "Value") else { panic!("Value is not untagged") };
    assert_eq!(variants.len(), 3);
    assert_eq!(variants[2].1, TypeRef::Named("Point".into()));
}

#[test]
fn recursion_fixture() {
    let (api, _, _) = snapshot_fixture("recursion");
    for (ty, field) in [("TreeNode", "parent"), ("ListNode", "next")] {
        let TypeKind::Struct { fields, .. } = type_def(&api, ty) else { panic!("{ty} is not a struct") };
        let f = fields.iter().find(|f| f.wire_name == field).expect("field present");
        assert!(f.boxed, "{ty}.{field} must be boxed to break the cycle");
    }
}

#[test]
fn arrays_maps_fixture() {
    let (api, _, _) = snapshot_fixture("arrays_maps");
    let TypeKind::Struct { fields, .. } = type_def(&api, "Bag") else { panic!("Bag is not a struct") };
    let ty = |n: &str| fields.iter().find(|f| f.wire_name == n).map(|f| f.ty.clone());
    assert_eq!(ty("items"), Some(TypeRef::Vec(Box::new(TypeRef::String))));
    assert_eq!(ty("labels"), Some(TypeRef::Map(Box::new(TypeRef::String))));
    assert_eq!(ty("matrix"), Some(TypeRef::Vec(Box::new(TypeRef::Vec(Box::new(TypeRef::F64))))));
}

#[test]
fn binary_fixture() {
    let (_, _, generated) = snapshot_fixture("binary");
    assert!(file(&generated, "src/operations/files.rs").contains("ByteStream"));
}

#[test]
fn empty_response_fixture() {
    let (_, _, generated) = snapshot_fixture("empty_response");
    assert!(file(&generated, "src/operations/items.rs").contains("EmptyResponse"));
}

#[test]
fn multi_status_fixture() {
    let (api, _, _) = snapshot_fixture("multi_status");
    let op = &api.services[0].operations[0];
    assert_eq!(op.operation_id, "submitJob");
    assert!(op.response_enum.is_some(), "three success statuses need a response enum");
    let statuses: Vec<Option<u16>> = op.responses.iter().filter(|r| r.is_success()).map(|r| r.status).collect();
    assert_eq!(statuses, [Some(200), Some(201), Some(202)]);
}

#[test]
fn deprecated_fixture() {
    let (api, _, _) = snapshot_fixture("deprecated");
    let ops = &api.services[0].operations;
    assert!(ops[0].deprecated && !ops[1].deprecated);
    assert!(ops[1].params.iter().any(|p| p.wire_name == "filter" && p.deprecated));
    assert!(api.types.iter().any(|t| t.name == "OldWidget" && t.deprecated));
}

#[test]
fn keywords_fixture() {
    let (api, _, _) = snapshot_fixture("keywords");
    let op = &api.services[0].operations[0];
    let names: Vec<&str> = op.params.iter().map(|p| p.rust_name.as_str()).collect();
    for kw in ["type", "ref", "self", "match", "async", "crate"] {
        assert!(!names.contains(&kw), "parameter `{kw}` is a Rust keyword and must be renamed: {names:?}");
    }
}

#[test]
fn query_arrays_fixture() {
    let (api, _, _) = snapshot_fixture("query_arrays");
    let ids = api.services[0].operations[0].params.iter().find(|p| p.wire_name == "ids").expect("ids");
    assert_eq!(ids.ty, TypeRef::Vec(Box::new(TypeRef::String)));
    assert!(ids.required);
}

#[test]
fn missing_operation_ids_fixture() {
    let (api, warnings, _) = snapshot_fixture("missing_operation_ids");
    let ids: Vec<&str> = api.services.iter().flat_map(|s| &s.operations).map(|o| o.operation_id.as_str()).collect();
    assert_eq!(ids, ["getPets", "postPets", "getPetsByPetIdToys", "deletePetsByPetIdToysByToyId"]);
    assert_eq!(warnings.iter().filter(|w| w.contains("no `operationId`")).count(), 4, "{warnings:#?}");
}

#[test]
fn pagination_fixture() {
    let (api, _, _) = snapshot_fixture("pagination");
    let ops = &api.services[0].operations;
    let paginated: Vec<&str> = ops.iter().filter(|o| o.pagination.is_some()).map(|o| o.operation_id.as_str()).collect();
    assert!(paginated.contains(&"listUsers"), "{paginated:?}");
    assert!(!paginated.contains(&"allUsersOnePage"), "{paginated:?}");
}

#[test]
fn path_templates_fixture() {
    let (api, warnings, generated) = snapshot_fixture("path_templates");
    let ops = &api.services[0].operations;
    let compare = ops.iter().find(|o| o.operation_id == "compareRefs").expect("compareRefs");
    use sdk_codegen::model::{ParamLocation, PathPiece};
    let params: Vec<&str> = compare
        .path_parts
        .iter()
        .filter_map(|p| match p {
            PathPiece::Param(n) => Some(n.as_str()),
            PathPiece::Literal(_) => None,
        })
        .collect();
    assert_eq!(params, ["owner", "base", "head"]);
    assert!(compare.path_parts.contains(&PathPiece::Literal("...".into())));
    let cookies: Vec<&str> =
        compare.params.iter().filter(|p| p.location == ParamLocation::Cookie).map(|p| p.wire_name.as_str()).collect();
    assert_eq!(cookies, ["session", "theme"]);
    assert!(compare.params.iter().any(|p| p.wire_name == "verbose"), "the parameter `$ref` into x-shared resolves");
    let ids: Vec<&str> = ops.iter().map(|o| o.operation_id.as_str()).collect();
    assert_eq!(ids, ["compareRefs", "repoSummary", "compareAgain"], "the path item `$ref` is inlined");
    let again = ops.iter().find(|o| o.operation_id == "compareAgain").expect("compareAgain");
    let body = again.responses[0].body.as_ref().map(|b| format!("{:?}", b.kind));
    assert_eq!(body.as_deref(), Some("Json(Named(\"CompareRefsResponse200\"))"), "one type for both operations");
    assert!(warnings.iter().any(|w| w.contains("`notDefined` is not defined")), "{warnings:?}");
    assert!(file(&generated, "src/operations/repos.rs").contains(".cookie(\"session\", Some(&self.session))"));
}

#[test]
fn permissions_fixture() {
    let (api, _, generated) = snapshot_fixture("permissions");
    let perms: Vec<&str> = api.permissions.iter().map(|p| p.permission.template.as_str()).collect();
    assert_eq!(perms.len(), 3, "{perms:?}");
    let reg = &api.error_registries[0];
    assert_eq!(reg.tag, "watchlist-manager");
    assert_eq!(reg.codes.iter().map(|c| c.code).collect::<Vec<_>>(), [1, 9, 20, 31]);
    assert!(file(&generated, "src/permissions.rs").contains("SYS#WatchlistManager:addTrendRecord"));
    assert!(file(&generated, "src/error_codes/watchlist_manager.rs").contains("WatchlistNotFound"));
}

/// The real spec's permission and error-code files, header line (with the spec's sha256) neutralised.
#[test]
fn trustx_permissions_and_error_codes() {
    let generated = xtask::generate_committed().unwrap_or_else(|e| panic!("{e}"));
    for (snapshot, path) in [
        ("trustx__permissions", "src/permissions.rs"),
        ("trustx__error_codes_mod", "src/error_codes/mod.rs"),
        ("trustx__error_codes_watchlist_manager", "src/error_codes/watchlist_manager.rs"),
    ] {
        let contents = file(&generated, path);
        let (first, rest) = contents.split_once('\n').expect("a header line");
        assert!(first.starts_with("// @generated by sdk-codegen") && first.contains("sha256"), "{first}");
        insta::assert_snapshot!(
            snapshot,
            format!("// @generated (header line with the spec's sha256 stripped)\n{rest}")
        );
    }
}
