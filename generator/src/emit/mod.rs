//! Stage 4, emit: model → Rust source files (quote → syn → prettyplease), one file per concern.

mod cli;
mod client;
mod crate_files;
mod docs;
mod error_codes;
mod facts;
mod models;
mod operations;
mod permissions;
pub(crate) mod runtime;
mod test_util;
mod types;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::Api;
use proc_macro2::TokenStream;
use std::collections::BTreeMap;

/// What the emitter needs besides the model.
#[derive(Debug, Clone)]
pub struct EmitOptions {
    /// Package name of the generated crate.
    pub crate_name: String,
    /// Package version of the generated crate.
    pub crate_version: String,
    /// How the spec is named in headers.
    pub spec_label: String,
    /// SHA-256 of the spec.
    pub spec_sha256: String,
}

/// Generated files: path relative to the crate root → contents.
pub type Files = BTreeMap<String, String>;

/// Renders every file of the crate.
///
/// Parsing and printing the token streams is most of the time, so the files are made in two halves
/// on two threads (a `TokenStream` cannot cross threads: each half makes its own); the output is the
/// same, in a sorted map.
pub fn emit(api: &Api, opts: &EmitOptions) -> Result<Files, Diagnostics> {
    let header = header(opts);
    let models_half = || {
        let mut half = Half::new(&header);
        half.rust("src/lib.rs".into(), crate_files::lib_rs(api, opts));
        for (path, tokens) in models::files(api) {
            half.rust(path, tokens);
        }
        if !api.permissions.is_empty() {
            half.rust("src/permissions.rs".into(), permissions::file(api));
        }
        for (path, tokens) in error_codes::files(api) {
            half.rust(path, tokens);
        }
        half
    };
    let operations_half = || {
        let mut half = Half::new(&header);
        for (path, tokens) in operations::files(api) {
            half.rust(path, tokens);
        }
        match runtime::builder_forwarders() {
            Ok(forwarders) => half.rust("src/client.rs".into(), client::file(api, opts, &forwarders)),
            Err(e) => half.diags.push(Diagnostic::error(
                "runtime/src",
                format!(
                    "internal error: the embedded runtime's ClientBuilder could not be read ({e}); please report this"
                ),
            )),
        }
        half.rust("src/test_util.rs".into(), test_util::file(api, opts));
        for (path, tokens) in cli::files(api) {
            half.rust(path, tokens);
        }
        half.rust("src/bin/cli.rs".into(), cli::bin(&opts.crate_name));
        half
    };
    let (first, second) = std::thread::scope(|scope| {
        // The main thread's stack size: deep types recurse in the emitters as they would there.
        let other = std::thread::Builder::new().stack_size(8 << 20).spawn_scoped(scope, operations_half);
        let first = models_half();
        let second = match other {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: the same work on this one.
            Err(_) => operations_half(),
        };
        (first, second)
    });
    let mut out = Files::new();
    let mut diags = Diagnostics::default();
    for half in [first, second] {
        out.extend(half.files);
        diags.0.extend(half.diags);
    }
    for (path, src) in runtime::files() {
        out.insert(path, format!("{header}\n{src}"));
    }
    let toml_header = header.replace("//", "#");
    out.insert("Cargo.toml".into(), format!("{toml_header}\n{}", crate_files::cargo_toml(api, opts)));
    out.insert(
        "runtime/Cargo.toml".into(),
        format!("{toml_header}\n{}", runtime::cargo_toml(&opts.crate_name, &opts.crate_version)),
    );
    out.insert("README.md".into(), crate_files::readme(api, opts));
    out.insert("LICENSE".into(), runtime::LICENSE.to_owned());
    out.insert("runtime/LICENSE".into(), runtime::LICENSE.to_owned());
    let first_line = header.lines().next().unwrap_or_default().trim_start_matches("// ");
    out.insert("runtime/README.md".into(), format!("<!-- {first_line} -->\n\n{}", runtime::readme(&opts.crate_name)));
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(out)
}

/// Rendered files of one half of [`emit`], and its internal errors.
struct Half<'h> {
    header: &'h str,
    files: Vec<(String, String)>,
    diags: Vec<Diagnostic>,
}

impl<'h> Half<'h> {
    fn new(header: &'h str) -> Self {
        Self { header, files: Vec::new(), diags: Vec::new() }
    }

    fn rust(&mut self, path: String, tokens: TokenStream) {
        match render(tokens) {
            Ok(src) => self.files.push((path, format!("{}\n{src}", self.header))),
            Err(e) => self.diags.push(Diagnostic::error(
                path,
                format!("internal error: the generator produced invalid Rust ({e}); please report this with the spec"),
            )),
        }
    }
}

fn header(opts: &EmitOptions) -> String {
    format!(
        "// @generated by {} {} from {} (sha256 {}).\n// Do not edit by hand: change the spec or the generator and run `cargo xtask codegen`.\n",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        one_line(&opts.spec_label),
        opts.spec_sha256
    )
}

/// The spec's label (a file name the user chose) made safe for one line of a comment in Rust,
/// TOML or HTML: control, bidi and zero-width characters escaped (a newline could start a line of
/// its own, e.g. a `[build-dependencies]` table), `-->` broken up, at most 120 characters.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if out.chars().count() >= 120 {
            out.push('…');
            break;
        }
        if docs::is_unsafe(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out.replace("-->", "--\\>")
}

fn render(tokens: TokenStream) -> Result<String, syn::Error> {
    let file: syn::File = syn::parse2(tokens)?;
    Ok(prettyplease::unparse(&file))
}
