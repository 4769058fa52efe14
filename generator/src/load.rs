//! Stage 1, load: bytes → `openapiv3::OpenAPI`, with errors that say where.

use crate::diagnostics::{Diagnostic, Diagnostics};
use openapiv3::OpenAPI;
use sha2::{Digest, Sha256};

/// A parsed spec with what the later stages and file headers need to know about its source.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The document.
    pub openapi: OpenAPI,
    /// How the spec is named in generated headers (e.g. `spec/trustx.yaml`).
    pub label: String,
    /// Hex SHA-256 of the spec's bytes.
    pub sha256: String,
}

/// Parses spec bytes (YAML or JSON). `label` names the source in diagnostics and headers.
pub fn load_bytes(bytes: &[u8], label: &str) -> Result<LoadedSpec, Diagnostics> {
    let sha256 = hex(&Sha256::digest(bytes));
    // These have no YAML position, so point at the offending byte (or the start) as `file:line:column`.
    let at_byte = |offset: usize, msg: String| {
        let (line, column) = line_column(bytes, offset);
        Diagnostics::single(Diagnostic::error(format!("{label}:{line}:{column}"), msg))
    };
    if let Some(nul) = bytes.iter().position(|b| *b == 0) {
        return Err(at_byte(
            nul,
            "the file contains NUL bytes: it is binary, not a YAML or JSON OpenAPI document".into(),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        at_byte(e.valid_up_to(), format!("the file is not UTF-8 text ({e}); save the spec as UTF-8 YAML or JSON"))
    })?;
    if text.trim().is_empty() {
        return Err(at_byte(0, "the file is empty; expected an OpenAPI 3.0 document".into()));
    }
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| yaml_error(label, &e))?;
    let map = match &value {
        serde_yaml::Value::Mapping(m) => m,
        _ => {
            return Err(Diagnostics::single(Diagnostic::error(
                format!("{label}:1:1 (#)"),
                "the document's top level is not a mapping; expected `openapi: 3.0.x`, `info` and `paths`",
            )))
        }
    };
    if map.contains_key("swagger") {
        return Err(Diagnostics::single(Diagnostic::error(
            format!("{label}: #/swagger"),
            "this is a Swagger 2.0 document; convert it to OpenAPI 3.0 first (for example with swagger2openapi)",
        )));
    }
    match map.get("openapi") {
        Some(serde_yaml::Value::String(v)) if v.starts_with("3.0.") || v == "3.0" => {}
        Some(serde_yaml::Value::String(v)) => {
            return Err(Diagnostics::single(Diagnostic::error(
                format!("{label}: #/openapi"),
                format!("OpenAPI version `{v}` is not supported; this generator reads OpenAPI 3.0.x documents"),
            )))
        }
        Some(other) => {
            return Err(Diagnostics::single(Diagnostic::error(
                format!("{label}: #/openapi"),
                format!("`openapi` must be a version string such as \"3.0.3\", found {}", describe(other)),
            )))
        }
        None => {
            return Err(Diagnostics::single(Diagnostic::error(
                format!("{label}:1:1 (#/openapi)"),
                "missing `openapi` field; expected `openapi: 3.0.3` at the top",
            )))
        }
    }
    let de = serde_yaml::Deserializer::from_str(text);
    let openapi: OpenAPI = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let at = match inner.location() {
            Some(loc) => format!("{label}:{}:{}", loc.line(), loc.column()),
            None => label.to_string(),
        };
        let pointer = if path == "." { "#".to_string() } else { format!("#/{}", path.replace('.', "/")) };
        Diagnostics::single(Diagnostic::error(
            format!("{at} ({pointer})"),
            format!("does not match the OpenAPI 3.0 schema: {inner}"),
        ))
    })?;
    Ok(LoadedSpec { openapi, label: label.to_string(), sha256 })
}

/// 1-based line and column (in bytes) of `offset`.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = bytes.get(..offset).unwrap_or(bytes);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, column)
}

fn yaml_error(label: &str, e: &serde_yaml::Error) -> Diagnostics {
    let at = match e.location() {
        Some(loc) => format!("{label}:{}:{}", loc.line(), loc.column()),
        None => label.to_string(),
    };
    Diagnostics::single(Diagnostic::error(at, format!("invalid YAML/JSON: {e}")))
}

fn describe(v: &serde_yaml::Value) -> &'static str {
    match v {
        serde_yaml::Value::Null => "null",
        serde_yaml::Value::Bool(_) => "a boolean",
        serde_yaml::Value::Number(_) => "a number (quote it)",
        serde_yaml::Value::String(_) => "a string",
        serde_yaml::Value::Sequence(_) => "a list",
        serde_yaml::Value::Mapping(_) => "a mapping",
        serde_yaml::Value::Tagged(_) => "a tagged value",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
