//! The crate's frame: `Cargo.toml`, `README.md` and `src/lib.rs`.

use super::docs::{doc, inner_doc, sanitize};
use super::EmitOptions;
use crate::model::Api;
use proc_macro2::TokenStream;
use quote::quote;

/// `src/lib.rs`: crate docs, lints, modules and the main re-exports.
pub fn lib_rs(api: &Api, opts: &EmitOptions) -> TokenStream {
    let ops: usize = api.services.iter().map(|s| s.operations.len()).sum();
    let mut text = format!(
        "# {} — Rust SDK\n\nGenerated from the API's OpenAPI document ({} operations in {} services, {} models).",
        sanitize(&api.title),
        ops,
        api.services.len(),
        api.types.len()
    );
    if let Some(d) = &api.description {
        text.push_str(&format!("\n\n{}", sanitize(d)));
    }
    // The first current (not deprecated) operation that needs no arguments makes the example call.
    let example = api
        .services
        .iter()
        .flat_map(|s| s.operations.iter().map(move |o| (s, o)))
        .find(|(_, o)| {
            !o.deprecated
                && o.auth != crate::model::Auth::ApiKey
                && o.params.iter().all(|p| !p.required)
                && o.body.as_ref().is_none_or(|b| !b.required)
        })
        .map(|(s, o)| format!("let response = client.{}().{}().send().await?;\n", s.module, o.fn_name))
        .unwrap_or_default();
    text.push_str(&format!(
        "\n\n## Quick start\n\n```no_run\n# async fn run() -> Result<(), {krate}::Error> {{\n\
         use {krate}::{{ApiKey, Client, Region}};\n\n\
         let client = Client::builder()\n    .tenant(\"acme\")\n    .region(Region::Gum)\n    \
         .api_key(ApiKey::new(std::env::var(\"TRUSTX_API_KEY\").unwrap_or_default()))\n    .build()?;\n\
         {example}# Ok(())\n# }}\n```\n\n\
         ## Layout\n\n\
         - [`Client`]: configuration, authentication, retries; `client.<service>()` gives a service's operations.\n\
         - [`operations`]: one module per service; each operation is a request builder with `.send()`.\n\
         - [`models`]: request and response types.\n\
         - [`permissions`]: the permission each operation requires, as typed constants.\n\
         - [`error_codes`]: documented error codes per service.\n\
         - [`runtime`]: the HTTP machinery (errors, pages, streams, long-running queries).\n\n\
         ## Cargo features\n\n\
         One feature per service, all on by default: {features}. Models, permissions and error codes are always compiled.",
        features = api.services.iter().map(|s| format!("`{}`", s.feature)).collect::<Vec<_>>().join(", "),
        krate = opts.crate_name.replace('-', "_"),
    ));
    let docs = inner_doc(&text);
    let d_models = doc("Request and response types.");
    let d_ops = doc("Operations, grouped by service.");
    let d_perms = doc("Permissions required by operations.");
    let d_codes = doc("Documented error codes.");
    let d_rt = doc("The runtime: client, authentication, retries, errors, pagination, streams.");
    quote! {
        #docs
        #![deny(missing_docs)]
        #![allow(clippy::large_enum_variant, clippy::too_many_arguments)]

        #d_rt
        pub mod runtime;
        #d_models
        pub mod models;
        #d_ops
        pub mod operations;
        #d_perms
        pub mod permissions;
        #d_codes
        pub mod error_codes;

        pub use error_codes::ErrorCode;
        pub use runtime::{
            ApiKey, BearerToken, Client, ClientBuilder, Error, HttpError, Page, Region, RequestOptions, RetryPolicy,
        };
    }
}

/// `Cargo.toml` of the generated crate (the header is added by the caller).
pub fn cargo_toml(api: &Api, opts: &EmitOptions) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "{version}"
edition = "2021"
rust-version = "1.82"
description = "Rust SDK for {title}, generated from its OpenAPI document."
license = "Apache-2.0"
publish = false

[dependencies]
base64 = "0.22"
bytes = "1"
chrono = {{ version = "0.4", default-features = false, features = ["serde", "std", "clock"] }}
fastrand = "2"
futures-core = "0.3"
futures-util = {{ version = "0.3", default-features = false, features = ["std"] }}
percent-encoding = "2"
reqwest = {{ version = "0.12", default-features = false, features = ["json", "stream", "rustls-tls"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["time", "sync"] }}
tracing = "0.1"

[dev-dependencies]
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}

[features]
# One feature per service: turn default features off and pick services to compile less.
default = [{defaults}]
{features}
"#,
        defaults = api.services.iter().map(|s| format!("\"{}\"", s.feature)).collect::<Vec<_>>().join(", "),
        features = api.services.iter().map(|s| format!("{} = []\n", s.feature)).collect::<String>(),
        name = opts.crate_name,
        version = opts.crate_version,
        title = api.title.replace('"', "'"),
    )
}

/// `README.md` of the generated crate.
pub fn readme(api: &Api, opts: &EmitOptions) -> String {
    let ops: usize = api.services.iter().map(|s| s.operations.len()).sum();
    let mut s = format!(
        "<!-- @generated by trustx-codegen from {} (sha256 {}). Do not edit. -->\n\n# `{}`: Rust SDK for {}\n\n\
         Generated from the OpenAPI document by `cargo xtask codegen`; do not edit by hand.\n\n\
         | service | operations |\n|---|---|\n",
        opts.spec_label, opts.spec_sha256, opts.crate_name, api.title
    );
    for svc in &api.services {
        s.push_str(&format!("| `{}` | {} |\n", svc.tag, svc.operations.len()));
    }
    s.push_str(&format!(
        "\n{ops} operations, {} models, {} permissions, {} error-code registries.\n",
        api.types.len(),
        api.permissions.len(),
        api.error_registries.len()
    ));
    s
}
