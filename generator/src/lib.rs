//! `sdk-codegen`: reads an OpenAPI 3.0 document and writes a Rust SDK crate.
//!
//! The pipeline is one module per stage: [`load`] → [`normalize`] → [`validate`] → [`model`] → [`emit`] →
//! [`write`].
//! Every stage reports problems as [`Diagnostics`] (with a JSON pointer or `file:line:column`);
//! nothing here panics on input, and nothing is written unless every file rendered.

pub mod diagnostics;
pub mod emit;
pub mod load;
pub mod model;
pub mod normalize;
pub mod validate;
pub mod write;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use emit::{EmitOptions, Files};

/// Options for a whole generation run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Package name of the generated crate; `None` derives one from `info.title`.
    pub crate_name: Option<String>,
    /// Package version of the generated crate.
    pub crate_version: String,
    /// How the spec is named in diagnostics and generated headers (e.g. `spec/trustx.yaml`).
    pub spec_label: String,
    /// Treat every warning as an error (e.g. an operation skipped because the generator cannot
    /// express it), so nothing is generated from a document that is not fully supported.
    pub strict: bool,
}

/// The result of a successful run: the files and any warnings.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Rendered files, path relative to the crate root → contents.
    pub files: Files,
    /// Warnings found on the way.
    pub warnings: Diagnostics,
    /// The model the files were rendered from.
    pub api: model::Api,
}

/// Spec bytes → model, with warnings; errors from validation and modelling reported together.
pub fn build_model(bytes: &[u8], label: &str) -> Result<(load::LoadedSpec, model::Api, Diagnostics), Diagnostics> {
    let mut spec = load::load_bytes(bytes, label)?;
    spec.openapi = normalize::normalize(spec.openapi)?;
    let mut diags = validate::validate(&spec.openapi);
    if diags.has_errors() {
        return Err(diags);
    }
    match model::build(&spec) {
        Ok((api, warnings)) => {
            diags.0.extend(warnings.0);
            Ok((spec, api, diags))
        }
        Err(errors) => {
            diags.0.extend(errors.0);
            Err(diags)
        }
    }
}

/// Spec bytes → every file of the generated crate, in memory.
pub fn generate(bytes: &[u8], options: &Options) -> Result<Generated, Diagnostics> {
    let (spec, api, warnings) = build_model(bytes, &options.spec_label)?;
    if options.strict && warnings.warnings().next().is_some() {
        return Err(warnings.into_errors());
    }
    let crate_name = options.crate_name.clone().unwrap_or_else(|| default_crate_name(&api.title));
    if let Some(why) = bad_crate_name(&crate_name) {
        return Err(Diagnostics(vec![diagnostics::Diagnostic::error(
            "--crate-name",
            format!("`{crate_name}` {why}; use letters, digits, `-` and `_`, starting with a letter"),
        )]));
    }
    let opts = EmitOptions {
        crate_name,
        crate_version: options.crate_version.clone(),
        spec_label: spec.label.clone(),
        spec_sha256: spec.sha256.clone(),
    };
    let files = emit::emit(&api, &opts)?;
    Ok(Generated { files, warnings, api })
}

/// Why `name` cannot be a Cargo package that Rust code names (`use name::…`), if it cannot.
fn bad_crate_name(name: &str) -> Option<&'static str> {
    const RESERVED: &[&str] = &[
        "self",
        "crate",
        "super",
        "std",
        "core",
        "alloc",
        "proc_macro",
        "test",
        "type",
        "fn",
        "mod",
        "use",
        "impl",
        "struct",
        "enum",
        "trait",
        "let",
        "match",
        "as",
        "async",
        "await",
        "dyn",
        "where",
        "loop",
        "for",
        "in",
    ];
    if name.is_empty() {
        Some("is empty")
    } else if name.len() > 64 {
        Some("is longer than 64 characters")
    } else if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Some("does not start with a letter")
    } else if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Some("has a character that is not a letter, digit, `-` or `_`")
    } else if RESERVED.contains(&name.replace('-', "_").as_str()) {
        Some("is a Rust keyword or a standard crate")
    } else {
        None
    }
}

/// `My Pet API` → `my-pet-api`.
fn default_crate_name(title: &str) -> String {
    use heck::ToKebabCase;
    let name: String = title.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == '-').collect();
    let name = name.to_kebab_case();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("api-{name}").trim_end_matches('-').to_string()
    } else if bad_crate_name(&name).is_some() {
        // A title such as `Self` or `Type`.
        format!("{name}-api")
    } else {
        name
    }
}
