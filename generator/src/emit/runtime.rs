//! The hand-written runtime (`generator/runtime/*.rs`), embedded at build time and copied verbatim
//! into every generated crate as `src/runtime/`.

macro_rules! runtime_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../runtime/", $name)))),*]
    };
}

const FILES: &[(&str, &str)] = runtime_files![
    "mod.rs",
    "auth.rs",
    "client.rs",
    "error.rs",
    "long_running.rs",
    "meta.rs",
    "pagination.rs",
    "path.rs",
    "permission.rs",
    "request.rs",
    "response.rs",
    "retry.rs",
    "secret.rs",
    "serde_util.rs",
];

/// `(path, source)` of every runtime file.
pub fn files() -> impl Iterator<Item = (String, &'static str)> {
    FILES.iter().map(|(name, src)| (format!("src/runtime/{name}"), *src))
}
