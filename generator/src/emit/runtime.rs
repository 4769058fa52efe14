//! The runtime crate (`generator/runtime`, package `sdk-runtime`), embedded at build time and
//! written beside every generated crate as a crate of its own, `runtime/` (package
//! `<crate>-runtime`), with the `[dependencies]` and `[features]` of its manifest. The SDK crate
//! re-exports it as its `runtime` module. Compiled apart, it is not rebuilt when the spec changes,
//! and `cargo` compiles its non-generic code once.
//!
//! Also here: the SDK's `ClientBuilder` forwards every by-value method of the runtime's builder;
//! [`builder_forwarders`] reads them from the runtime's source so that none is forgotten.

use proc_macro2::TokenStream;
use quote::quote;

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
    "cli_output.rs",
    "client.rs",
    "datetime.rs",
    "decode.rs",
    "download.rs",
    "env.rs",
    "error.rs",
    "error_code.rs",
    "intercept.rs",
    "lenient.rs",
    "long_running.rs",
    "meta.rs",
    "operation.rs",
    "mock.rs",
    "pagination.rs",
    "param.rs",
    "path.rs",
    "permission.rs",
    "profile.rs",
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

/// `(path, source)` of every runtime source file in the generated crate's folder.
pub fn files() -> impl Iterator<Item = (String, &'static str)> {
    FILES.iter().map(|(name, src)| (format!("runtime/src/{name}"), *src))
}

/// The license text of generated crates (Apache-2.0, as their manifests say), written as `LICENSE`
/// into the SDK crate and its runtime crate.
pub const LICENSE: &str = include_str!("../../LICENSE");

/// `runtime/README.md`: what the runtime crate is.
pub fn readme(crate_name: &str) -> String {
    format!(
        "# `{}`\n\nThe runtime of the [`{crate_name}`](https://docs.rs/{crate_name}) SDK: HTTP client, authentication, \
         retries, errors, pages, streams, long-running queries and the command-line tool's engine. Generated \
         with the SDK; use it through `{crate_name}::runtime`.\n",
        package(crate_name)
    )
}

/// The runtime's package name beside the SDK crate `crate_name`.
pub fn package(crate_name: &str) -> String {
    format!("{crate_name}-runtime")
}

/// `runtime/Cargo.toml` (the header is added by the caller).
pub fn cargo_toml(crate_name: &str, version: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\nrust-version = \"{rust}\"\n\
         description = \"The runtime of the `{crate_name}` SDK: HTTP client, authentication, retries, errors, pages, streams.\"\n\
         license = \"Apache-2.0\"\nreadme = \"README.md\"\ndocumentation = \"https://docs.rs/{name}\"\n\
         keywords = [\"sdk\", \"api-client\", \"http\"]\ncategories = [\"api-bindings\", \"web-programming::http-client\"]\n\n\
         [package.metadata.docs.rs]\nfeatures = [\"test-util\", \"cli\"]\nrustdoc-args = [\"--cfg\", \"docsrs\"]\n\n[dependencies]\n{deps}\n\n[features]\n{features}\n\
         [dev-dependencies]\n{dev}",
        name = package(crate_name),
        rust = super::crate_files::RUST_VERSION,
        deps = dependencies().trim_end(),
        features = features(),
        // Its unit tests (`cargo test -p <crate>-runtime`) run async tests with tokio's macros.
        dev = table("[dev-dependencies]"),
    )
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

/// The lines of the runtime's `[dependencies]` for the crates `names` (the ones generated code
/// names itself), in the runtime's order, so that both crates ask for the same versions.
pub fn dependencies_named(names: &[&str]) -> String {
    dependencies()
        .lines()
        .filter(|line| line.split('=').next().is_some_and(|name| names.contains(&name.trim())))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// The runtime's `[features]` (e.g. `test-util`).
pub fn features() -> String {
    table("[features]")
}

/// The items of the inherent `impl` blocks of the type named `ty` (its last path segment) in
/// `file`: what the forwarders read, and what tests read to reserve the runtime's names.
pub(crate) fn inherent_items<'f>(file: &'f syn::File, ty: &'f str) -> impl Iterator<Item = &'f syn::ImplItem> + 'f {
    file.items
        .iter()
        .filter_map(move |item| match item {
            syn::Item::Impl(block) if block.trait_.is_none() => match &*block.self_ty {
                syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == ty) => Some(&block.items),
                _ => None,
            },
            _ => None,
        })
        .flatten()
}

/// What a runtime builder method gives back, as far as a forwarder cares.
enum Returns {
    /// `Self`: the forwarder wraps the result.
    Builder,
    /// `Result<Self, _>`: the forwarder wraps the `Ok` value.
    ResultOfBuilder,
}

fn returns(output: &syn::ReturnType) -> Option<Returns> {
    let syn::ReturnType::Type(_, ty) = output else { return None };
    let syn::Type::Path(path) = &**ty else { return None };
    if path.path.is_ident("Self") {
        return Some(Returns::Builder);
    }
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first() {
        Some(syn::GenericArgument::Type(syn::Type::Path(p))) if p.path.is_ident("Self") => {
            Some(Returns::ResultOfBuilder)
        }
        _ => None,
    }
}

/// The methods of the SDK's `ClientBuilder` (a newtype with field `inner` over the runtime's)
/// that forward the runtime builder's public by-value methods (`base_url`, `api_key`, `timeout`,
/// `apply_env`, ...) but `new` and `build`, which the SDK writes itself. Docs, deprecation marks
/// and signatures are copied as they are; the caller places them in a module that imports the
/// runtime's root (`use crate::runtime::*`), where their types resolve. `&self` methods are
/// reached through `Deref`.
pub fn builder_forwarders() -> Result<Vec<TokenStream>, String> {
    let mut out = Vec::new();
    for (file, src) in FILES {
        if !src.contains("impl ClientBuilder") {
            continue;
        }
        let parsed = syn::parse_file(src).map_err(|e| format!("runtime/src/{file}: {e}"))?;
        for member in inherent_items(&parsed, "ClientBuilder") {
            let syn::ImplItem::Fn(f) = member else { continue };
            let by_value = matches!(f.sig.inputs.first(), Some(syn::FnArg::Receiver(r)) if r.reference.is_none());
            if !matches!(f.vis, syn::Visibility::Public(_)) || !by_value || f.sig.ident == "build" {
                continue;
            }
            let Some(returns) = returns(&f.sig.output) else { continue };
            let mut args = Vec::new();
            let mut names = Vec::new();
            for input in f.sig.inputs.iter().skip(1) {
                let syn::FnArg::Typed(arg) = input else { continue };
                let syn::Pat::Ident(pat) = &*arg.pat else {
                    return Err(format!("runtime/src/{file}: `{}` has a parameter that is not a name", f.sig.ident));
                };
                let (name, ty) = (&pat.ident, &arg.ty);
                args.push(quote!(#name: #ty));
                names.push(name.clone());
            }
            let attrs = f.attrs.iter().filter_map(|a| {
                // Doc links written from inside the runtime (`super::X`) point at its root.
                if let syn::Meta::NameValue(nv) = &a.meta {
                    if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) = &nv.value {
                        if nv.path.is_ident("doc") {
                            let text = text.value().replace("](super::", "](crate::runtime::");
                            return Some(quote!(#[doc = #text]));
                        }
                    }
                }
                let keep = a.path().is_ident("deprecated") || a.path().is_ident("must_use");
                keep.then(|| quote!(#a))
            });
            let (name, generics, output) = (&f.sig.ident, &f.sig.generics, &f.sig.output);
            let where_clause = &generics.where_clause;
            let call = quote!(self.inner.#name(#(#names),*));
            let body = match returns {
                Returns::Builder => quote!(Self { inner: #call }),
                Returns::ResultOfBuilder => quote!(#call.map(|inner| Self { inner })),
            };
            out.push(quote! {
                #(#attrs)*
                pub fn #name #generics (self, #(#args),*) #output #where_clause { #body }
            });
        }
    }
    Ok(out)
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
            for member in inherent_items(&parsed, "Client").chain(inherent_items(&parsed, "MockServer")) {
                if let syn::ImplItem::Fn(f) = member {
                    if matches!(f.vis, syn::Visibility::Public(_)) {
                        names.push(format!("{file}: {}", f.sig.ident));
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

    /// The public methods of the runtime types named `ty` (inherent impls, any file).
    fn public_methods(ty: &str, by_value_only: bool) -> Vec<String> {
        let mut names = Vec::new();
        for (file, src) in FILES {
            let parsed = syn::parse_file(src).unwrap_or_else(|e| panic!("{file}: {e}"));
            for member in inherent_items(&parsed, ty) {
                let syn::ImplItem::Fn(f) = member else { continue };
                let by_value = matches!(f.sig.inputs.first(), Some(syn::FnArg::Receiver(r)) if r.reference.is_none());
                if matches!(f.vis, syn::Visibility::Public(_)) && (by_value || !by_value_only) {
                    names.push(f.sig.ident.to_string());
                }
            }
        }
        names
    }

    /// The SDK's `operations::Request<P>` forwards every public method of the runtime's.
    #[test]
    fn the_sdk_request_forwards_every_runtime_request_method() {
        let methods = public_methods("Request", false);
        assert!(methods.contains(&"send".to_owned()), "{methods:?}");
        for m in &methods {
            assert!(super::super::operations::REQUEST_METHODS.contains(&m.as_str()), "`Request::{m}` is not forwarded");
        }
    }

    /// Every by-value method of the runtime's `ClientBuilder` that returns the builder is forwarded
    /// by the SDK's, and the forwarders are read from source, not listed by hand.
    #[test]
    fn the_sdk_builder_forwards_every_runtime_builder_setter() {
        let forwarded: Vec<String> = builder_forwarders()
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .filter_map(|f| syn::parse2::<syn::ImplItemFn>(f.clone()).ok())
            .map(|f| f.sig.ident.to_string())
            .collect();
        let mut expected: Vec<String> =
            public_methods("ClientBuilder", true).into_iter().filter(|m| m != "build").collect();
        expected.retain(|m| m != "new");
        for name in ["base_url", "api_key", "timeout", "retry_policy", "apply_env", "show_server_messages"] {
            assert!(forwarded.iter().any(|f| f == name), "`{name}` missing from {forwarded:?}");
        }
        assert_eq!(forwarded, expected);
    }

    #[test]
    fn copies_the_dependency_table() {
        let deps = dependencies();
        assert!(deps.contains("reqwest = "), "{deps}");
        assert!(!deps.contains("[dev-dependencies]") && !deps.contains("macros"), "{deps}");
        assert!(features().contains("test-util = "), "{}", features());
    }
}
