//! The crate's frame: `Cargo.toml`, `README.md` and `src/lib.rs`.

use super::docs::{doc, inner_doc, sanitize};
use super::types::ident;
use super::EmitOptions;
use crate::model::{Api, Auth};
use proc_macro2::TokenStream;
use quote::quote;

/// The quick-start snippet of the crate docs: a client from the server variables (default values as
/// examples) and the credential the API uses, then a first call.
fn quick_start(api: &Api, krate: &str, prefix: &str) -> String {
    let mut uses = vec!["Client"];
    let mut chain = String::from("let client = Client::builder()\n");
    match &api.server {
        Some(server) if !server.variables.is_empty() => {
            for v in &server.variables {
                match &v.choices {
                    Some((e, values)) => {
                        let variant = values.iter().find(|(w, _)| *w == v.default).or(values.first());
                        if let Some((_, variant)) = variant {
                            chain.push_str(&format!("    .{}({e}::{variant})\n", v.setter));
                            uses.push(e);
                        }
                    }
                    None => chain.push_str(&format!("    .{}({:?})\n", v.setter, v.default)),
                }
            }
        }
        Some(_) => {}
        None => chain.push_str("    .base_url(\"https://api.example.com\")\n"),
    }
    let uses_api_key = api.token_exchange.is_some()
        || api.services.iter().flat_map(|s| &s.operations).any(|o| matches!(o.auth, Auth::ApiKey { .. }));
    let uses_bearer = api.services.iter().flat_map(|s| &s.operations).any(|o| o.auth == Auth::Bearer);
    if uses_api_key {
        uses.push("ApiKey");
        chain
            .push_str(&format!("    .api_key(ApiKey::new(std::env::var(\"{prefix}_API_KEY\").unwrap_or_default()))\n"));
    } else if uses_bearer {
        uses.push("BearerToken");
        chain.push_str(&format!(
            "    .bearer_token(BearerToken::new(std::env::var(\"{prefix}_BEARER_TOKEN\").unwrap_or_default()))\n"
        ));
    }
    chain.push_str("    .build()?;\n");
    // The first current operation that needs no arguments makes the example call.
    let example = api
        .services
        .iter()
        .flat_map(|s| s.operations.iter().map(move |o| (s, o)))
        .find(|(_, o)| {
            !o.deprecated
                && !matches!(o.auth, Auth::ApiKey { .. })
                && o.params.iter().all(|p| !p.required)
                && o.body.as_ref().is_none_or(|b| !b.required)
        })
        .map(|(s, o)| format!("let response = client.{}().{}().send().await?;\n", s.module, o.fn_name))
        .unwrap_or_default();
    uses.sort_unstable();
    let uses = if uses.len() == 1 { uses.join("") } else { format!("{{{}}}", uses.join(", ")) };
    format!("```no_run\n# async fn run() -> Result<(), {krate}::Error> {{\nuse {krate}::{uses};\n\n{chain}{example}# Ok(())\n# }}\n```")
}

/// `src/lib.rs`: crate docs, lints, modules and the main re-exports. Modules carry
/// `#[rustfmt::skip]` so that `cargo fmt` leaves the generator's formatting alone.
pub fn lib_rs(api: &Api, opts: &EmitOptions) -> TokenStream {
    let ops: usize = api.services.iter().map(|s| s.operations.len()).sum();
    let krate = opts.crate_name.replace('-', "_");
    let prefix = super::client::env_prefix(&opts.crate_name);
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
    let has_permissions = !api.permissions.is_empty();
    let has_codes = !api.error_registries.is_empty();
    let mut layout = vec![
        "- [`Client`]: configuration, authentication, retries; `client.<service>()` gives a service's operations.",
        "- [`operations`]: one module per service; each operation is a request builder with `.send()`.",
        "- [`models`]: request and response types.",
    ];
    if has_permissions {
        layout.push("- [`permissions`]: the permission each operation requires, as typed constants.");
    }
    if has_codes {
        layout
            .push("- [`error_codes`]: documented error codes per service; `ErrorCode::of(&err)` gives the typed code.");
    }
    layout.push("- [`runtime`]: the HTTP machinery (errors, pages, streams, long-running queries).");
    text.push_str(&format!(
        "\n\n## Quick start\n\n{}\n\n## Layout\n\n{}\n\n## Cargo features\n\n\
         One feature per service, all on by default: {}.",
        quick_start(api, &krate, &prefix),
        layout.join("\n"),
        api.services.iter().map(|s| format!("`{}`", s.feature)).collect::<Vec<_>>().join(", "),
    ));
    let docs = inner_doc(&text);
    let d_models = doc("Request and response types.");
    let d_ops = doc("Operations, grouped by service.");
    let d_client = doc("The client's entry point and server configuration.");
    let d_rt = doc(&format!(
        "The runtime: client, authentication, retries, errors, pagination, streams (the crate `{}`, \
         compiled apart from the spec's code).",
        super::runtime::package(&opts.crate_name)
    ));
    let rt_crate = ident(&super::runtime::package(&opts.crate_name).replace('-', "_"));
    let permissions = if has_permissions {
        let d = doc("Permissions required by operations.");
        quote!(#d #[rustfmt::skip] pub mod permissions;)
    } else {
        quote!()
    };
    let (codes, codes_use) = if has_codes {
        let d = doc("Documented error codes.");
        (
            quote!(#d #[rustfmt::skip] pub mod error_codes;),
            quote!(
                pub use error_codes::ErrorCode;
            ),
        )
    } else {
        (quote!(), quote!())
    };
    let enums = api.server.iter().flat_map(|s| &s.variables).filter_map(|v| v.choices.as_ref()).map(|(e, _)| ident(e));
    let d_test = doc("A mock server for testing code that uses this crate (Cargo feature `test-util`).");
    let d_cli = doc("The command-line tool over this crate (Cargo feature `cli`).");
    quote! {
        #docs
        #![deny(missing_docs)]
        #![cfg_attr(docsrs, feature(doc_cfg))]
        #![allow(clippy::large_enum_variant, clippy::too_many_arguments)]

        #d_rt
        #[doc(inline)]
        pub use #rt_crate as runtime;
        #d_client
        #[rustfmt::skip]
        pub mod client;
        #d_models
        #[rustfmt::skip]
        pub mod models;
        #d_ops
        #[rustfmt::skip]
        pub mod operations;
        #permissions
        #codes
        #d_test
        #[cfg(feature = "test-util")]
        #[rustfmt::skip]
        pub mod test_util;
        #d_cli
        #[cfg(feature = "cli")]
        #[rustfmt::skip]
        pub mod cli;

        #codes_use
        #[rustfmt::skip]
        pub use client::{Client, ClientBuilder, API, #(#enums),*};
        #[rustfmt::skip]
        pub use runtime::{ApiKey, BearerToken, Error, HttpError, RequestOptions, ResponseValue, RetryPolicy};
        /// The JSON library of the models (free-form values are `serde_json::Value`), re-exported so
        /// callers need no dependency of their own.
        #[doc(no_inline)]
        pub use serde_json;
    }
}

/// The minimum Rust version of generated crates (that of the runtime and its dependencies).
pub const RUST_VERSION: &str = "1.88";

/// `Cargo.toml` of the generated crate (the header is added by the caller).
pub fn cargo_toml(api: &Api, opts: &EmitOptions) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "{version}"
edition = "2021"
rust-version = "{rust_version}"
description = "Rust SDK for {title}, generated from its OpenAPI document."
license = "Apache-2.0"
readme = "README.md"
documentation = "https://docs.rs/{name}"
keywords = ["sdk", "api-client", "openapi", "rest"]
categories = ["api-bindings", "web-programming::http-client"]

[dependencies]
{runtime} = {{ version = "={version}", path = "runtime", default-features = false }}
{dependencies}

# The command-line tool: `cargo install --locked --path . --features cli`.
[[bin]]
name = "{name}"
path = "src/bin/cli.rs"
required-features = ["cli"]
doc = false

[dev-dependencies]
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
{dev_dependencies}

[package.metadata.docs.rs]
features = ["test-util", "cli"]
rustdoc-args = ["--cfg", "docsrs"]

[features]
# One feature per service: turn default features off and pick services to compile less (and
# one TLS feature).
default = [{defaults}, "tls-native-roots"]
{features}# A mock server for consumers' tests (`test_util`).
test-util = ["{runtime}/test-util"]
# The command-line tool (`src/bin/`).
cli = ["{runtime}/cli"]
# TLS, one of: the operating system's certificate store (default; also what a TLS-inspecting
# proxy needs), Mozilla's roots bundled (containers without a CA bundle), or the platform's TLS
# library (OpenSSL on Linux). Other roots: `ClientBuilder::http_client_builder`.
tls-native-roots = ["{runtime}/tls-native-roots"]
tls-webpki-roots = ["{runtime}/tls-webpki-roots"]
native-tls = ["{runtime}/native-tls"]
"#,
        defaults = api.services.iter().map(|s| format!("\"{}\"", s.feature)).collect::<Vec<_>>().join(", "),
        features = api.services.iter().map(|s| format!("{} = []\n", s.feature)).collect::<String>(),
        runtime = super::runtime::package(&opts.crate_name),
        dependencies = super::runtime::dependencies_named(&["chrono", "serde", "serde_json"]).trim_end(),
        dev_dependencies = super::runtime::dependencies_named(&["base64"]).trim_end(),
        rust_version = RUST_VERSION,
        name = opts.crate_name,
        version = opts.crate_version,
        title = toml_text(&api.title),
    )
}

/// `text` for the inside of a TOML basic string (`"…"`): backslash, quote and control characters
/// escaped, so a title cannot end the string or the line.
fn toml_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// `README.md` of the generated crate.
pub fn readme(api: &Api, opts: &EmitOptions) -> String {
    let ops: usize = api.services.iter().map(|s| s.operations.len()).sum();
    let mut s = format!(
        "<!-- @generated by {} from {} (sha256 {}). Do not edit. -->\n\n# `{}`: Rust SDK for {}\n\n\
         Generated from the OpenAPI document by `cargo xtask codegen`; do not edit by hand.\n\n\
         | service | operations |\n|---|---|\n",
        env!("CARGO_PKG_NAME"),
        super::one_line(&opts.spec_label),
        opts.spec_sha256,
        opts.crate_name,
        api.title
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
