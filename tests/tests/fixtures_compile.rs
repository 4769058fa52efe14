//! Every feature fixture (`tests/fixtures/features/*.yaml`) generates a crate that compiles and is
//! clippy-clean (`-D warnings`).
//!
//! The crates are written (as `cargo xtask codegen --out` would) to `target/fixture-crates/<name>`,
//! with a `[workspace]` manifest listing them all, so one `cargo clippy` builds them together. The
//! build shares `target/fixtures` as its target dir so repeated runs are incremental.
//!
//! Slow (a cold build compiles reqwest & co.), so ignored by default:
//! `cargo test -p trustx-tests --test fixtures_compile -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;
use trustx_codegen::{generate, Options};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// Fixture names (file stems), sorted.
fn fixtures() -> Vec<String> {
    let dir = workspace().join("tests/fixtures/features");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read tests/fixtures/features")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Writes every fixture crate plus the `[workspace]` manifest; returns the workspace folder.
fn write_fixture_workspace() -> PathBuf {
    let root = workspace().join("target/fixture-crates");
    std::fs::create_dir_all(&root).expect("create target/fixture-crates");
    let names = fixtures();
    assert!(names.len() >= 16, "expected all feature fixtures, found {names:?}");
    for name in &names {
        let file = format!("{name}.yaml");
        let bytes = std::fs::read(workspace().join("tests/fixtures/features").join(&file)).expect("read fixture");
        let options = Options {
            crate_name: Some(format!("fixture-{}", name.replace('_', "-"))),
            crate_version: "0.1.0".into(),
            spec_label: file.clone(),
        };
        let generated = generate(&bytes, &options).unwrap_or_else(|d| panic!("{file} does not generate:\n{d}"));
        trustx_codegen::write::write_all(&root.join(name), &generated.files)
            .unwrap_or_else(|e| panic!("cannot write the {name} crate: {e}"));
    }
    let members: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    let manifest = format!(
        "# Written by tests/tests/fixtures_compile.rs.\n[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
        members.join(", ")
    );
    std::fs::write(root.join("Cargo.toml"), manifest).expect("write the fixture workspace manifest");
    // Reuse the main workspace's lock file so the fixture crates build against the same (cached) versions.
    let _ = std::fs::copy(workspace().join("Cargo.lock"), root.join("Cargo.lock"));
    root
}

#[test]
#[ignore = "slow: builds the fixture crates; run in CI with --ignored"]
fn all_feature_fixtures_compile_clippy_clean() {
    let root = write_fixture_workspace();
    let output = Command::new(env!("CARGO"))
        .args(["clippy", "--quiet", "--keep-going", "--workspace", "--all-targets", "--", "-D", "warnings"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", workspace().join("target/fixtures"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo clippy");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the fixture crates in {} do not build clippy-clean:\n{stderr}", root.display());
    assert!(!stderr.contains("warning:"), "warnings while building the fixture crates:\n{stderr}");
}
