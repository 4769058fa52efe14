//! What the `cargo xtask` binary and the tests share: where the workspace is, and how the committed
//! `generated/` crate is generated from `spec/trustx.yaml`.
//!
//! As in rust-analyzer's xtask, the tests call these functions instead of restating them: a change to
//! how the committed crate is generated is made here once.

use sdk_codegen::{generate, Diagnostics, Generated, Options};
use std::path::{Path, PathBuf};

/// The spec of the committed crate, relative to the workspace root.
pub const SPEC: &str = "spec/trustx.yaml";

/// The committed crate's folder, relative to the workspace root.
pub const GENERATED: &str = "generated";

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The options `cargo xtask codegen` generates the committed crate with: package `trustx` 0.1.0,
/// the spec named by its workspace path, strict (any warning about the spec is an error).
pub fn committed_options() -> Options {
    Options { crate_name: Some("trustx".into()), crate_version: "0.1.0".into(), spec_label: SPEC.into(), strict: true }
}

/// Reads `spec/trustx.yaml` and renders the committed crate in memory, exactly as `cargo xtask codegen`
/// does before writing (or comparing, with `--check`).
pub fn generate_committed() -> Result<Generated, String> {
    let path = workspace_root().join(SPEC);
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    generate(&bytes, &committed_options()).map_err(|d: Diagnostics| format!("{SPEC} is not usable:\n{d}"))
}
