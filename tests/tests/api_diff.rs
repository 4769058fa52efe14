//! `cargo xtask api-diff` on the fixture pairs in `tests/fixtures/api_diff/<case>/{old,new}.yaml`:
//! a snapshot of the Markdown report per pair, the exit codes (`--deny-breaking`, broken specs,
//! `--since` without a spec), and the premise of its classification (the generated models are not
//! `#[non_exhaustive]`).
//!
//! Review changes with `INSTA_UPDATE=always cargo test -p trustx-tests --test api_diff` and
//! `git diff tests/tests/snapshots`.

mod workspace;

use std::process::{Command, Output};
use workspace::{workspace, xtask};

/// Every fixture pair; `every_case_is_listed` keeps this in step with the folder.
const CASES: &[&str] = &[
    "additive",
    "beta",
    "deprecations",
    "descriptions",
    "enums",
    "error_codes",
    "operations",
    "parameters",
    "permissions",
    "request_body",
    "types",
    "unchanged",
];

fn api_diff(args: &[&str]) -> Output {
    Command::new(xtask()).arg("api-diff").args(args).current_dir(workspace()).output().expect("run xtask api-diff")
}

fn pair(case: &str) -> (String, String) {
    (format!("tests/fixtures/api_diff/{case}/old.yaml"), format!("tests/fixtures/api_diff/{case}/new.yaml"))
}

fn diff_case(case: &str, extra: &[&str]) -> Output {
    let (old, new) = pair(case);
    let mut args = extra.to_vec();
    args.extend([old.as_str(), new.as_str()]);
    api_diff(&args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn every_case_is_listed() {
    let mut found: Vec<String> = std::fs::read_dir(workspace().join("tests/fixtures/api_diff"))
        .expect("read tests/fixtures/api_diff")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    assert_eq!(found, CASES, "tests/fixtures/api_diff and CASES differ");
}

#[test]
fn reports() {
    for case in CASES {
        let out = diff_case(case, &[]);
        assert_eq!(out.status.code(), Some(0), "{case}: {}", String::from_utf8_lossy(&out.stderr));
        insta::assert_snapshot!(*case, stdout(&out));
    }
}

/// The summary line of a case.
fn summary(case: &str) -> String {
    let text = stdout(&diff_case(case, &[]));
    text.lines().find(|l| l.starts_with("**")).unwrap_or_default().to_owned()
}

#[test]
fn classification_of_whole_cases() {
    assert!(summary("unchanged").starts_with("**0 changes"), "{}", summary("unchanged"));
    assert!(summary("additive").contains(": 0 breaking,"), "{}", summary("additive"));
    for case in ["descriptions", "deprecations", "beta"] {
        assert!(summary(case).contains(": 0 breaking, 0 additive,"), "{case}: {}", summary(case));
    }
    for case in ["operations", "parameters", "request_body", "types", "enums", "error_codes", "permissions"] {
        assert!(!summary(case).contains(": 0 breaking,"), "{case}: {}", summary(case));
    }
}

#[test]
fn semver_line() {
    let breaking = stdout(&diff_case("operations", &[]));
    assert!(breaking.contains("0.x: minor, ≥1.0: major"), "{breaking}");
    let additive = stdout(&diff_case("additive", &[]));
    assert!(additive.contains("0.x: patch, ≥1.0: minor"), "{additive}");
}

#[test]
fn deny_breaking_exit_codes() {
    let breaking = diff_case("operations", &["--deny-breaking"]);
    assert_eq!(breaking.status.code(), Some(1), "{}", String::from_utf8_lossy(&breaking.stderr));
    assert!(stdout(&breaking).contains("| breaking |"), "the report is still printed");
    let additive = diff_case("additive", &["--deny-breaking"]);
    assert_eq!(additive.status.code(), Some(0), "{}", String::from_utf8_lossy(&additive.stderr));
    // Without the flag, breaking changes do not fail.
    assert_eq!(diff_case("operations", &[]).status.code(), Some(0));
}

#[test]
fn unusable_spec_exits_2_with_diagnostics() {
    let (_, new) = pair("additive");
    for broken in ["tests/fixtures/broken/invalid_yaml.yaml", "tests/fixtures/broken/dangling_ref.yaml"] {
        let out = api_diff(&[broken, &new]);
        assert_eq!(out.status.code(), Some(2), "{broken}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(broken) && err.contains("error"), "{broken}: {err}");
        assert!(out.stdout.is_empty(), "{broken}: no report");
    }
    let out = api_diff(&["tests/fixtures/api_diff/no-such-file.yaml", &new]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(api_diff(&[&new]).status.code(), Some(2), "one file is a usage error");
}

#[test]
fn since_a_revision_without_the_spec_is_a_note() {
    let out = api_diff(&["--since", "no-such-revision-0123"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("nothing to compare"), "{}", stdout(&out));
}

/// `api-diff` treats any new model field or enum value as breaking because the generated models are
/// not `#[non_exhaustive]` (`MODEL_STRUCTS_NON_EXHAUSTIVE`, `MODEL_ENUMS_NON_EXHAUSTIVE` in
/// `xtask/src/api_diff.rs`). When the generator starts marking them, this fails: flip those constants.
#[test]
fn generated_models_are_non_exhaustive() {
    let dir = workspace().join("generated/src/models");
    let (mut structs, mut enums) = (0, 0);
    for entry in std::fs::read_dir(&dir).expect("read generated/src/models") {
        let path = entry.expect("dir entry").path();
        let text = std::fs::read_to_string(&path).expect("read a model file");
        let (has_struct, has_enum) = (text.contains("pub struct "), text.contains("pub enum "));
        structs += usize::from(has_struct);
        enums += usize::from(has_enum);
        assert!(
            !(has_struct || has_enum) || text.contains("#[non_exhaustive]"),
            "{} is not #[non_exhaustive]: update the classification constants in xtask/src/api_diff.rs",
            path.display()
        );
    }
    assert!(structs > 10 && enums > 5, "{structs} structs and {enums} enums in {}", dir.display());
}
