//! The runtime crate (`generator/runtime`, package `sdk-runtime`), embedded at build time and
//! copied into every generated crate as `src/runtime/` (its `lib.rs` becomes `mod.rs`), with the
//! `[dependencies]` of its manifest.

macro_rules! runtime_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../runtime/src/", $name)))),*]
    };
}

/// Every source file of the runtime (a unit test checks the list against the folder).
const FILES: &[(&str, &str)] = runtime_files![
    "lib.rs",
    "api.rs",
    "auth.rs",
    "cli.rs",
    "client.rs",
    "datetime.rs",
    "decode.rs",
    "download.rs",
    "env.rs",
    "error.rs",
    "error_code.rs",
    "lenient.rs",
    "long_running.rs",
    "meta.rs",
    "operation.rs",
    "mock.rs",
    "pagination.rs",
    "path.rs",
    "permission.rs",
    "redact.rs",
    "request.rs",
    "response.rs",
    "retry.rs",
    "secret.rs",
    "serde_util.rs",
    "text.rs",
    "vocab.rs",
];

const MANIFEST: &str = include_str!("../../runtime/Cargo.toml");

/// `(path, source)` of every runtime file in the generated crate.
pub fn files() -> impl Iterator<Item = (String, &'static str)> {
    FILES.iter().map(|(name, src)| {
        let target = if *name == "lib.rs" { "mod.rs" } else { name };
        (format!("src/runtime/{target}"), *src)
    })
}

/// The lines of one table of the runtime's manifest, without the header, blank lines and comments.
fn table(header: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in MANIFEST.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            inside = trimmed == header;
            continue;
        }
        if inside && !trimmed.is_empty() && !trimmed.starts_with('#') {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The runtime's `[dependencies]` table.
pub fn dependencies() -> String {
    table("[dependencies]")
}

/// The runtime's `[features]` (e.g. `test-util`).
pub fn features() -> String {
    table("[features]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeds_every_runtime_file() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/src");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        on_disk.sort();
        let mut embedded: Vec<String> = FILES.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }

    /// Every method the runtime gives `Client` and `MockServer` is reserved, so that no service
    /// accessor (a method of both) takes its name.
    #[test]
    fn client_and_mock_server_methods_are_reserved_for_accessors() {
        let mut names = Vec::new();
        for (file, src) in FILES {
            let parsed = syn::parse_file(src).unwrap_or_else(|e| panic!("{file}: {e}"));
            for item in parsed.items {
                let syn::Item::Impl(block) = item else { continue };
                let syn::Type::Path(ty) = &*block.self_ty else { continue };
                if block.trait_.is_some() || !(ty.path.is_ident("Client") || ty.path.is_ident("MockServer")) {
                    continue;
                }
                for member in block.items {
                    if let syn::ImplItem::Fn(f) = member {
                        if matches!(f.vis, syn::Visibility::Public(_)) {
                            names.push(format!("{file}: {}", f.sig.ident));
                        }
                    }
                }
            }
        }
        assert!(names.iter().any(|n| n.ends_with(": download")), "{names:?}");
        for name in &names {
            let method = name.rsplit(' ').next().unwrap_or_default();
            assert!(crate::model::ACCESSOR_RESERVED.contains(&method), "`{name}` is not in ACCESSOR_RESERVED");
        }
    }

    #[test]
    fn copies_the_dependency_table() {
        let deps = dependencies();
        assert!(deps.contains("reqwest = "), "{deps}");
        assert!(!deps.contains("[dev-dependencies]") && !deps.contains("macros"), "{deps}");
        assert!(features().contains("test-util = "), "{}", features());
    }
}
