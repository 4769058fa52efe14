//! Stage 5, write: compare rendered files with the output folder, then update it all at once.
//!
//! The folder's managed part is everything except `examples/` (hand-written) and `target/`.
//! Changed files are first written beside their destination; only when every one of them is
//! written are they renamed into place and stray files removed, so a failure leaves the folder as it was.

use crate::emit::Files;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// How one file differs between the folder and what the generator would write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// Present with other contents.
    Edited {
        /// Path relative to the folder.
        path: String,
        /// What is on disk (lossy UTF-8).
        on_disk: String,
        /// What the generator writes.
        expected: String,
    },
    /// Would be written but is absent.
    Missing {
        /// Path relative to the folder.
        path: String,
    },
    /// Present but not produced by the generator.
    Stray {
        /// Path relative to the folder.
        path: String,
    },
}

const UNMANAGED: &[&str] = &["examples", "target"];

/// Files currently in the managed part of `dir`, relative, with `/` separators, sorted.
fn existing_files(dir: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in fs::read_dir(dir.join(&rel))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = rel.join(&name);
            if rel.as_os_str().is_empty() && UNMANAGED.contains(&name.as_str()) {
                continue;
            }
            if entry.file_type()?.is_dir() {
                stack.push(child);
            } else {
                out.push(child.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Every difference between `dir` and `files`, sorted by path.
pub fn drift(dir: &Path, files: &Files) -> io::Result<Vec<Drift>> {
    let mut out = Vec::new();
    let existing = existing_files(dir)?;
    for (path, expected) in files {
        match fs::read(dir.join(path)) {
            Ok(bytes) if bytes == expected.as_bytes() => {}
            Ok(bytes) => out.push(Drift::Edited {
                path: path.clone(),
                on_disk: String::from_utf8_lossy(&bytes).into_owned(),
                expected: expected.clone(),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => out.push(Drift::Missing { path: path.clone() }),
            Err(e) => return Err(e),
        }
    }
    for path in existing {
        if !files.contains_key(&path) {
            out.push(Drift::Stray { path });
        }
    }
    out.sort_by(|a, b| drift_path(a).cmp(drift_path(b)));
    Ok(out)
}

fn drift_path(d: &Drift) -> &str {
    match d {
        Drift::Edited { path, .. } | Drift::Missing { path } | Drift::Stray { path } => path,
    }
}

/// What a write changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Files written (new or changed).
    pub written: Vec<String>,
    /// Stray files removed.
    pub removed: Vec<String>,
    /// Files already up to date.
    pub unchanged: usize,
}

/// Brings `dir` in line with `files`: all changed files staged first, then moved into place.
pub fn write_all(dir: &Path, files: &Files) -> io::Result<WriteSummary> {
    let drifts = drift(dir, files)?;
    let mut staged: Vec<(PathBuf, PathBuf, String)> = Vec::new();
    let mut removed = Vec::new();
    let stage = |staged: &mut Vec<(PathBuf, PathBuf, String)>, path: &str| -> io::Result<()> {
        let target = dir.join(path);
        let contents = files.get(path).map(String::as_str).unwrap_or_default();
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        let tmp = target.with_file_name(format!(
            ".{}.codegen-tmp",
            target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        ));
        fs::write(&tmp, contents)?;
        staged.push((tmp, target, path.to_string()));
        Ok(())
    };
    for d in &drifts {
        let result = match d {
            Drift::Edited { path, .. } | Drift::Missing { path } => stage(&mut staged, path),
            Drift::Stray { path } => {
                removed.push(path.clone());
                Ok(())
            }
        };
        if let Err(e) = result {
            for (tmp, _, _) in &staged {
                let _ = fs::remove_file(tmp);
            }
            return Err(e);
        }
    }
    let mut written = Vec::new();
    for (tmp, target, path) in staged {
        fs::rename(&tmp, &target)?;
        written.push(path);
    }
    for path in &removed {
        fs::remove_file(dir.join(path))?;
        remove_empty_parents(dir, &dir.join(path));
    }
    let unchanged = files.len() - written.len();
    Ok(WriteSummary { written, removed, unchanged })
}

fn remove_empty_parents(root: &Path, file: &Path) {
    let mut current = file.parent();
    while let Some(dir) = current {
        if dir == root || fs::remove_dir(dir).is_err() {
            break;
        }
        current = dir.parent();
    }
}
