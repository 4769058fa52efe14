//! Shared by the tests that drive the real command line: the workspace root, and binaries built by
//! cargo (xtask, the CLI, the examples).
#![allow(dead_code)] // each test binary uses part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub use xtask::workspace_root as workspace;

/// Runs `cargo build --quiet <args>` in the workspace and returns `target/debug/<artifact>` (with the
/// platform's executable suffix), honouring `CARGO_TARGET_DIR`.
pub fn cargo_build(args: &[&str], artifact: &str) -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .arg("build")
        .arg("--quiet")
        .args(args)
        .current_dir(workspace())
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build {} failed", args.join(" "));
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace().join("target"));
    let target = if target.is_absolute() { target } else { workspace().join(target) };
    let exe = target.join("debug").join(format!("{artifact}{}", std::env::consts::EXE_SUFFIX));
    assert!(exe.is_file(), "no binary at {}", exe.display());
    exe
}

/// `target/debug/xtask`, built once per test binary (the same build `cargo xtask` runs).
pub fn xtask() -> &'static Path {
    static XTASK: OnceLock<PathBuf> = OnceLock::new();
    XTASK.get_or_init(|| cargo_build(&["--package", "xtask"], "xtask"))
}

/// `target/debug/examples/<name>`: an example of the SDK crate, built by cargo.
pub fn example(name: &str) -> PathBuf {
    cargo_build(&["-p", "trustx", "--example", name], &format!("examples/{name}"))
}

/// Runs `command` to its end on a blocking thread, so that the test's local servers keep answering it.
pub async fn output(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("run the command")).await.expect("join")
}

/// A process's output as text (invalid UTF-8 replaced).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
