//! The declared minimum Rust version is the real one: that of the locked dependencies. A lock update
//! that needs a newer Rust fails here, naming the package, until the declarations (workspace
//! `rust-version`, the generator's `RUST_VERSION` for generated crates, the README) are raised.

mod workspace;

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::process::Command;

fn version(v: &str) -> (u32, u32, u32) {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

struct Metadata {
    packages: HashMap<String, Value>,
    deps: HashMap<String, Vec<(String, Vec<String>)>>,
    members: Vec<String>,
}

fn metadata() -> Metadata {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(workspace::workspace())
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let m: Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let packages = m["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().unwrap_or_default().to_owned(), p.clone()))
        .collect();
    let deps = m["resolve"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            let deps = n["deps"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| {
                    let kinds = d["dep_kinds"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|k| k["kind"].as_str().unwrap_or("normal").to_owned())
                        .collect();
                    (d["pkg"].as_str().unwrap_or_default().to_owned(), kinds)
                })
                .collect();
            (n["id"].as_str().unwrap_or_default().to_owned(), deps)
        })
        .collect();
    let members = m["workspace_members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    Metadata { packages, deps, members }
}

impl Metadata {
    fn closure(&self, roots: &[String], kinds: &[&str]) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = roots.to_vec();
        while let Some(id) = stack.pop() {
            if !seen.insert(id.clone()) {
                continue;
            }
            for (dep, dep_kinds) in self.deps.get(&id).into_iter().flatten() {
                if dep_kinds.iter().any(|k| kinds.contains(&k.as_str())) {
                    stack.push(dep.clone());
                }
            }
        }
        seen
    }

    /// The highest `rust-version` among `ids`, with the package that needs it.
    fn needed(&self, ids: &BTreeSet<String>) -> ((u32, u32, u32), String) {
        ids.iter()
            .filter_map(|id| {
                let p = &self.packages[id];
                let v = p["rust_version"].as_str()?;
                Some((version(v), format!("{} {} needs {v}", p["name"].as_str()?, p["version"].as_str()?)))
            })
            .max()
            .unwrap_or(((0, 0, 0), "nothing".into()))
    }

    fn declared(&self, name: &str) -> (String, (u32, u32, u32)) {
        let id = self.members.iter().find(|id| self.packages[*id]["name"] == name).expect("member");
        let v = self.packages[id]["rust_version"].as_str().expect("rust-version declared").to_owned();
        let parsed = version(&v);
        (id.clone(), parsed)
    }
}

#[test]
fn the_sdk_declares_the_rust_version_its_locked_dependencies_need() {
    let m = metadata();
    let (id, declared) = m.declared("trustx");
    let (needed, who) = m.needed(&m.closure(&[id], &["normal", "build"]));
    assert_eq!(declared, needed, "trustx declares {declared:?}, its locked dependencies need {needed:?} ({who})");
    let readme = std::fs::read_to_string(workspace::workspace().join("README.md")).expect("README");
    let stated = format!("{}.{} or later", needed.0, needed.1);
    assert!(readme.contains(&stated), "the README does not say `{stated}`");
}

#[test]
fn no_workspace_package_needs_a_newer_rust_than_declared() {
    let m = metadata();
    let (_, declared) = m.declared("sdk-codegen");
    let all = m.closure(&m.members, &["normal", "build", "dev"]);
    let (needed, who) = m.needed(&all);
    assert!(needed <= declared, "the workspace declares {declared:?} but {who}");
}
