//! Broken specs (`tests/fixtures/broken/`) are rejected with a located, helpful diagnostic, both by the
//! library (`sdk_codegen::generate`) and end to end by `cargo xtask codegen --strict`, which must exit
//! non-zero without panicking and leave the output folder exactly as it was. Problems confined to one
//! operation only skip that operation without `--strict` (checked below too).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
mod workspace;
use workspace::{workspace, xtask};

use sdk_codegen::{generate, Options};

/// One broken fixture: its file, where the diagnostic must point (`{file}` stands for the label the
/// spec is known by) and a piece of the message.
struct Case {
    file: &'static str,
    location: &'static str,
    message: &'static str,
}

const CASES: &[Case] = &[
    Case { file: "empty.yaml", location: "{file}:1:1", message: "the file is empty" },
    Case { file: "invalid_yaml.yaml", location: "{file}:10:16", message: "invalid YAML/JSON" },
    Case {
        file: "swagger2.yaml",
        location: "{file}: #/swagger",
        message: "Swagger 2.0 document; convert it to OpenAPI 3.0",
    },
    Case {
        file: "openapi_3_1.yaml",
        location: "{file}: #/openapi",
        message: "OpenAPI version `3.1.0` is not supported",
    },
    Case { file: "openapi_2_5.yaml", location: "{file}: #/openapi", message: "OpenAPI version `2.5` is not supported" },
    Case {
        file: "dangling_ref.yaml",
        location: "#/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
        message: "`$ref: #/components/schemas/Pet` does not resolve",
    },
    Case {
        file: "undeclared_path_param.yaml",
        location: "#/paths/~1pets~1{petId}/get",
        message: "path parameter `{petId}` is not declared",
    },
    Case {
        file: "duplicate_operation_id.yaml",
        location: "#/paths/~1animals/get/operationId",
        message: "duplicate operationId `listPets` (also at #/paths/~1pets/get)",
    },
    Case { file: "self_reference.yaml", location: "#/components/schemas/Loop", message: "only a reference to itself" },
    Case { file: "not_a_mapping.yaml", location: "{file}:1:1 (#)", message: "top level is not a mapping" },
    Case { file: "missing_openapi.yaml", location: "{file}:1:1 (#/openapi)", message: "missing `openapi` field" },
    Case { file: "garbage.bin", location: "{file}:1:1", message: "NUL bytes: it is binary" },
];

fn case(file: &str) -> &'static Case {
    CASES.iter().find(|c| c.file == file).unwrap_or_else(|| panic!("no case for {file}"))
}

fn fixture_path(file: &str) -> PathBuf {
    workspace().join("tests/fixtures/broken").join(file)
}

/// The library rejects the fixture with the expected location and message.
fn check_library(c: &Case) {
    let bytes = std::fs::read(fixture_path(c.file)).expect("read fixture");
    let options = Options {
        crate_name: Some("fixture".into()),
        crate_version: "0.1.0".into(),
        spec_label: c.file.into(),
        strict: true,
    };
    let diags = match generate(&bytes, &options) {
        Ok(_) => panic!("{} generated, but it is broken", c.file),
        Err(d) => d,
    };
    assert!(diags.has_errors(), "{}: Err without an error diagnostic: {diags:?}", c.file);
    let shown = diags.to_string();
    let location = c.location.replace("{file}", c.file);
    assert!(
        diags.errors().any(|d| d.location.contains(&location.replace(&format!("{}: ", c.file), ""))),
        "{}: no error located at {location}:\n{shown}",
        c.file
    );
    assert!(shown.contains(&location), "{}: diagnostics do not name {location}:\n{shown}", c.file);
    assert!(shown.contains(c.message), "{}: diagnostics do not say `{}`:\n{shown}", c.file, c.message);
}

/// Every file under `dir` → its bytes.
fn snapshot_dir(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                out.insert(path.strip_prefix(dir).expect("inside").to_path_buf(), b"<dir>".to_vec());
                stack.push(path);
            } else {
                out.insert(path.strip_prefix(dir).expect("inside").to_path_buf(), std::fs::read(&path).expect("read"));
            }
        }
    }
    out
}

/// `xtask codegen --spec <fixture> --out <dir with a sentinel>` fails cleanly and touches nothing.
fn check_xtask(c: &Case) {
    let out = tempfile::tempdir().expect("temp dir");
    let sentinel = out.path().join("sentinel.txt");
    std::fs::write(&sentinel, b"left alone\n\0binary too\xff").expect("write sentinel");
    std::fs::create_dir_all(out.path().join("src")).expect("mkdir src");
    std::fs::write(out.path().join("src/lib.rs"), "// hand-written, must survive\n").expect("write lib.rs");
    let before = snapshot_dir(out.path());
    let spec = fixture_path(c.file);
    let output = Command::new(xtask())
        .arg("codegen")
        .arg("--spec")
        .arg(&spec)
        .arg("--out")
        .arg(out.path())
        .arg("--strict")
        .current_dir(workspace())
        .output()
        .expect("run xtask");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{}: xtask codegen succeeded on a broken spec:\n{stdout}\n{stderr}", c.file);
    assert_eq!(output.status.code(), Some(1), "{}: unexpected exit status {:?}:\n{stderr}", c.file, output.status);
    assert!(!stderr.contains("panicked"), "{}: xtask panicked:\n{stderr}", c.file);
    // xtask names a spec inside the workspace by its workspace-relative path.
    let label = format!("tests/fixtures/broken/{}", c.file);
    let location = c.location.replace("{file}", &label);
    assert!(stderr.contains(&location), "{}: stderr does not name {location}:\n{stderr}", c.file);
    assert!(stderr.contains(c.message), "{}: stderr does not say `{}`:\n{stderr}", c.file, c.message);
    assert_eq!(snapshot_dir(out.path()), before, "{}: the output folder changed", c.file);
}

fn check(file: &str) {
    let c = case(file);
    check_library(c);
    check_xtask(c);
}

#[test]
fn every_broken_fixture_has_a_case() {
    let mut on_disk: Vec<String> = std::fs::read_dir(workspace().join("tests/fixtures/broken"))
        .expect("read tests/fixtures/broken")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut cases: Vec<String> = CASES.iter().map(|c| c.file.to_string()).collect();
    cases.sort();
    assert_eq!(on_disk, cases);
}

#[test]
fn garbage_is_binary_with_nul_bytes() {
    let bytes = std::fs::read(fixture_path("garbage.bin")).expect("read garbage.bin");
    assert!(bytes.contains(&0) && std::str::from_utf8(&bytes).is_err(), "garbage.bin must be binary");
}

#[test]
fn empty() {
    assert!(std::fs::read(fixture_path("empty.yaml")).expect("read").is_empty());
    check("empty.yaml");
}

#[test]
fn invalid_yaml() {
    check("invalid_yaml.yaml");
}

#[test]
fn swagger2() {
    check("swagger2.yaml");
}

#[test]
fn openapi_3_1() {
    check("openapi_3_1.yaml");
}

#[test]
fn openapi_2_5() {
    check("openapi_2_5.yaml");
}

#[test]
fn dangling_ref() {
    check("dangling_ref.yaml");
}

#[test]
fn undeclared_path_param() {
    check("undeclared_path_param.yaml");
}

#[test]
fn duplicate_operation_id() {
    check("duplicate_operation_id.yaml");
}

#[test]
fn self_reference() {
    check("self_reference.yaml");
}

#[test]
fn garbage() {
    check("garbage.bin");
}

#[test]
fn not_a_mapping() {
    check("not_a_mapping.yaml");
}

#[test]
fn missing_openapi() {
    check("missing_openapi.yaml");
}

/// Without `--strict`, a problem confined to one operation skips that operation with a located
/// warning, and the rest of the document is generated.
#[test]
fn operation_level_problems_skip_the_operation_without_strict() {
    for (file, skipped, kept) in
        [("undeclared_path_param.yaml", "getPet", None), ("duplicate_operation_id.yaml", "listPets", Some("listPets"))]
    {
        let bytes = std::fs::read(fixture_path(file)).expect("read fixture");
        let options = Options {
            crate_name: Some("fixture".into()),
            crate_version: "0.1.0".into(),
            spec_label: file.into(),
            strict: false,
        };
        let generated = generate(&bytes, &options).unwrap_or_else(|e| panic!("{file}: {e}"));
        let c = case(file);
        let warning = generated.warnings.warnings().find(|w| w.message.contains(c.message));
        let warning =
            warning.unwrap_or_else(|| panic!("{file}: no warning saying `{}`: {:?}", c.message, generated.warnings));
        assert!(warning.location.contains(c.location), "{file}: warning at {}", warning.location);
        let ids: Vec<&str> =
            generated.api.services.iter().flat_map(|s| &s.operations).map(|o| o.operation_id.as_str()).collect();
        match kept {
            Some(id) => assert_eq!(ids.iter().filter(|i| **i == id).count(), 1, "{file}: {ids:?}"),
            None => assert!(!ids.contains(&skipped), "{file}: `{skipped}` was generated: {ids:?}"),
        }
        assert!(!generated.files.is_empty());
    }
}
