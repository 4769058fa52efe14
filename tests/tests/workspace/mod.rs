//! Shared by the tests that drive the real command line: the workspace root and the xtask binary.
#![allow(dead_code)] // each test binary uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub use xtask::workspace_root as workspace;

/// `target/debug/xtask`, built once per test binary (the same build `cargo xtask` runs).
pub fn xtask() -> &'static Path {
    static XTASK: OnceLock<PathBuf> = OnceLock::new();
    XTASK.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--package", "xtask"])
            .current_dir(workspace())
            .status()
            .expect("run cargo build -p xtask");
        assert!(status.success(), "cargo build -p xtask failed");
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace().join("target"));
        let target = if target.is_absolute() { target } else { workspace().join(target) };
        let exe = target.join("debug").join(format!("xtask{}", std::env::consts::EXE_SUFFIX));
        assert!(exe.is_file(), "no xtask binary at {}", exe.display());
        exe
    })
}
