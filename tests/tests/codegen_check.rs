//! The committed `generated/` crate is what the generator writes for `spec/trustx.yaml`, and drift
//! detection (`write::drift`, `cargo xtask codegen --check`) and repair (`write::write_all`) work.
//!
//! Everything runs on a copy of `generated/` in a temp dir; the real folder is only read.

use std::path::Path;
use std::process::Command;
mod workspace;
use workspace::{workspace, xtask};

use sdk_codegen::write::{drift, write_all, Drift};
use sdk_codegen::Files;

/// The files `cargo xtask codegen` writes into `generated/` (the same function it calls).
fn generate_trustx() -> Files {
    xtask::generate_committed().unwrap_or_else(|e| panic!("{e}")).files
}

/// Copies `from` into `to`, skipping the unmanaged `examples/` and `target/` at the top.
fn copy_tree(from: &Path, to: &Path, top: bool) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        if top && (name == "examples" || name == "target") {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name), false);
        } else {
            std::fs::copy(&path, to.join(&name)).expect("copy file");
        }
    }
}

fn copy_of_generated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&workspace().join("generated"), dir.path(), true);
    dir
}

const EDITED: &str = "src/models/api_key.rs";
const DELETED: &str = "src/models/api_key_status.rs";
const ADDED: &str = "src/models/hand_written.rs";

fn edit(dir: &Path) {
    let path = dir.join(EDITED);
    let mut text = std::fs::read_to_string(&path).expect("read the file to edit");
    text.push_str("\n// a hand edit\n");
    std::fs::write(&path, text).expect("edit");
}

#[test]
fn committed_generated_crate_is_up_to_date() {
    let dir = copy_of_generated();
    let files = generate_trustx();
    assert!(files.len() > 50, "suspiciously few files: {}", files.len());
    let drifts = drift(dir.path(), &files).expect("drift");
    assert!(
        drifts.is_empty(),
        "generated/ is stale; run `cargo xtask codegen` and commit. Drift: {:#?}",
        drifts
            .iter()
            .map(|d| match d {
                Drift::Edited { path, .. } => format!("edited {path}"),
                Drift::Missing { path } => format!("missing {path}"),
                Drift::Stray { path } => format!("stray {path}"),
            })
            .collect::<Vec<_>>()
    );
}

#[test]
fn drift_is_detected_and_write_all_repairs_it() {
    let dir = copy_of_generated();
    let files = generate_trustx();
    assert!(files.contains_key(EDITED) && files.contains_key(DELETED) && !files.contains_key(ADDED));

    edit(dir.path());
    let drifts = drift(dir.path(), &files).expect("drift");
    assert_eq!(drifts.len(), 1, "{drifts:#?}");
    match &drifts[0] {
        Drift::Edited { path, on_disk, expected } => {
            assert_eq!(path, EDITED);
            assert_eq!(on_disk, &format!("{expected}\n// a hand edit\n"));
            assert_eq!(expected, &files[EDITED]);
        }
        other => panic!("expected an edit, got {other:?}"),
    }

    std::fs::remove_file(dir.path().join(DELETED)).expect("delete");
    std::fs::write(dir.path().join(ADDED), "pub struct Mine;\n").expect("add");
    let drifts = drift(dir.path(), &files).expect("drift");
    assert_eq!(drifts.len(), 3, "{drifts:#?}");
    assert!(matches!(&drifts[0], Drift::Edited { path, .. } if path == EDITED), "{drifts:#?}");
    assert_eq!(drifts[1], Drift::Missing { path: DELETED.into() });
    assert_eq!(drifts[2], Drift::Stray { path: ADDED.into() });

    // examples/ is not managed: it is never stray and never removed.
    std::fs::create_dir_all(dir.path().join("examples")).expect("mkdir examples");
    std::fs::write(dir.path().join("examples/mine.rs"), "fn main() {}\n").expect("write example");
    assert_eq!(drift(dir.path(), &files).expect("drift").len(), 3);

    let summary = write_all(dir.path(), &files).expect("write_all");
    assert_eq!(summary.written, [EDITED, DELETED]);
    assert_eq!(summary.removed, [ADDED]);
    assert_eq!(summary.unchanged, files.len() - 2);
    assert!(drift(dir.path(), &files).expect("drift").is_empty());
    assert_eq!(std::fs::read_to_string(dir.path().join(EDITED)).expect("read"), files[EDITED]);
    assert!(!dir.path().join(ADDED).exists());
    assert!(dir.path().join("examples/mine.rs").is_file(), "examples/ must be left alone");

    let again = write_all(dir.path(), &files).expect("second write_all");
    assert!(again.written.is_empty() && again.removed.is_empty(), "{again:?}");
    assert_eq!(again.unchanged, files.len());
    let leftovers: Vec<_> = walk(dir.path()).into_iter().filter(|p| p.contains(".codegen-tmp")).collect();
    assert!(leftovers.is_empty(), "staging files left behind: {leftovers:?}");
}

#[test]
fn write_all_into_an_empty_folder_writes_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("fresh");
    let files = generate_trustx();
    let summary = write_all(&out, &files).expect("write_all");
    assert_eq!(summary.written.len(), files.len());
    assert!(drift(&out, &files).expect("drift").is_empty());
}

#[test]
fn generation_is_deterministic() {
    let a = generate_trustx();
    let b = generate_trustx();
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, contents) in &a {
        assert!(contents.as_bytes() == b[path].as_bytes(), "{path} differs between two runs");
    }
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.to_string_lossy().into_owned());
            }
        }
    }
    out
}

fn xtask_check(out: &Path) -> std::process::Output {
    Command::new(xtask())
        .args(["codegen", "--check", "--out"])
        .arg(out)
        .current_dir(workspace())
        .output()
        .expect("run xtask codegen --check")
}

#[test]
fn xtask_check_reports_an_edit_as_a_diff() {
    let dir = copy_of_generated();
    let clean = xtask_check(dir.path());
    assert!(clean.status.success(), "--check fails on an untouched copy:\n{}", String::from_utf8_lossy(&clean.stdout));

    edit(dir.path());
    let before = std::fs::read(dir.path().join(EDITED)).expect("read");
    let output = xtask_check(dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "--check passed with an edited file:\n{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stdout.contains(&format!("edited: {EDITED}")), "{stdout}");
    assert!(stdout.contains("@@"), "no unified diff hunk:\n{stdout}");
    assert!(stdout.contains("-// a hand edit"), "the diff does not show the edit:\n{stdout}");
    assert!(stderr.contains("is stale"), "{stderr}");
    assert_eq!(std::fs::read(dir.path().join(EDITED)).expect("read"), before, "--check must not write");
}
