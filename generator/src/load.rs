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
    // JSON is YAML, but YAML refuses some valid JSON (C1 control characters in strings, integers
    // beyond 64 bits): a document that starts like JSON is read as JSON.
    // A byte-order mark is not part of the document (serde_yaml read one as the start of a second document).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let openapi = if text.trim_start().starts_with('{') { from_json(text, label)? } else { from_yaml(text, label)? };
    Ok(LoadedSpec { openapi, label: label.to_string(), sha256 })
}

/// The checks every document gets before the typed parse: a mapping with `openapi: 3.0.x`.
fn check_version(
    openapi: Option<Option<&str>>,
    is_mapping: bool,
    has_swagger: bool,
    label: &str,
) -> Result<(), Diagnostics> {
    if !is_mapping {
        return Err(Diagnostics::single(Diagnostic::error(
            format!("{label}:1:1 (#)"),
            "the document's top level is not a mapping; expected `openapi: 3.0.x`, `info` and `paths`",
        )));
    }
    if has_swagger {
        return Err(Diagnostics::single(Diagnostic::error(
            format!("{label}: #/swagger"),
            "this is a Swagger 2.0 document; convert it to OpenAPI 3.0 first (for example with swagger2openapi)",
        )));
    }
    match openapi {
        Some(Some(v)) if v.starts_with("3.0.") || v == "3.0" => Ok(()),
        Some(Some(v)) => Err(Diagnostics::single(Diagnostic::error(
            format!("{label}: #/openapi"),
            format!("OpenAPI version `{v}` is not supported; this generator reads OpenAPI 3.0.x documents"),
        ))),
        Some(None) => Err(Diagnostics::single(Diagnostic::error(
            format!("{label}: #/openapi"),
            "`openapi` must be a version string such as \"3.0.3\"",
        ))),
        None => Err(Diagnostics::single(Diagnostic::error(
            format!("{label}:1:1 (#/openapi)"),
            "missing `openapi` field; expected `openapi: 3.0.3` at the top",
        ))),
    }
}

/// A schema mismatch found by the typed parse, located by line, column and JSON pointer.
fn mismatch(label: &str, path: String, at: Option<(usize, usize)>, inner: impl std::fmt::Display) -> Diagnostics {
    let at = match at {
        Some((line, column)) => format!("{label}:{line}:{column}"),
        None => label.to_string(),
    };
    let pointer = if path == "." { "#".to_string() } else { format!("#/{}", path.replace('.', "/")) };
    Diagnostics::single(Diagnostic::error(
        format!("{at} ({pointer})"),
        format!("does not match the OpenAPI 3.0 schema: {inner}"),
    ))
}

fn from_json(text: &str, label: &str) -> Result<OpenAPI, Diagnostics> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Diagnostics::single(Diagnostic::error(
            format!("{label}:{}:{}", e.line(), e.column()),
            format!("invalid JSON: {e}"),
        ))
    })?;
    let map = value.as_object();
    let openapi = map.and_then(|m| m.get("openapi")).map(|v| v.as_str());
    check_version(openapi, map.is_some(), map.is_some_and(|m| m.contains_key("swagger")), label)?;
    check_schema_nesting(&value, label)?;
    if let Some(paths) = map.and_then(|m| m.get("paths")).and_then(|p| p.as_object()) {
        check_path_keys(paths.keys().map(String::as_str), label)?;
    }
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let at = (inner.line() > 0).then(|| (inner.line(), inner.column()));
        mismatch(label, path, at, inner)
    })
}

/// The deepest a YAML document's brackets (`[`, `{`) may nest: the YAML scanner's time grows with the
/// square of the flow depth (50,000 levels in 100 KB took 13 s before its own limit of 128 refused
/// them), so deeper ones are refused before it runs. Brackets are counted as bytes, quoted or not.
pub const MAX_FLOW_NESTING: usize = 1000;

fn from_yaml(text: &str, label: &str) -> Result<OpenAPI, Diagnostics> {
    let mut depth = 0usize;
    for (offset, byte) in text.bytes().enumerate() {
        match byte {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => continue,
        }
        if depth > MAX_FLOW_NESTING {
            let (line, column) = line_column(text.as_bytes(), offset);
            return Err(Diagnostics::single(Diagnostic::error(
                format!("{label}:{line}:{column}"),
                format!(
                    "brackets nest more than {MAX_FLOW_NESTING} levels deep here; an OpenAPI document needs a few dozen"
                ),
            )));
        }
    }
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| yaml_error(label, &e))?;
    let map = match &value {
        serde_yaml::Value::Mapping(m) => Some(m),
        _ => None,
    };
    let openapi = map.and_then(|m| m.get("openapi")).map(|v| match v {
        serde_yaml::Value::String(s) => Some(s.as_str()),
        _ => None,
    });
    if let Some(Some(other)) = map.and_then(|m| m.get("openapi")).map(|v| (!v.is_string()).then_some(v)) {
        return Err(Diagnostics::single(Diagnostic::error(
            format!("{label}: #/openapi"),
            format!("`openapi` must be a version string such as \"3.0.3\", found {}", describe(other)),
        )));
    }
    check_version(openapi, map.is_some(), map.is_some_and(|m| m.contains_key("swagger")), label)?;
    check_schema_nesting(&value, label)?;
    if let Some(serde_yaml::Value::Mapping(paths)) = map.and_then(|m| m.get("paths")) {
        let keys: Vec<String> = paths
            .keys()
            .map(|k| match k {
                serde_yaml::Value::String(s) => s.clone(),
                other => format!("{} (not a string)", describe(other)),
            })
            .collect();
        check_path_keys(keys.iter().map(String::as_str), label)?;
    }
    let de = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let at = inner.location().map(|loc| (loc.line(), loc.column()));
        mismatch(label, path, at, inner)
    })
}

/// The most schemas nested inside one another in place (through `properties`, `items`,
/// `additionalProperties`, `allOf`, `oneOf`, `anyOf`, `not`; a `$ref` starts again). Real documents
/// nest a few levels; the typed parse (untagged enums) retries every level of a nest that does not
/// parse, so its time doubles with each level: a 13 KB document of 60 levels took minutes.
pub const MAX_SCHEMA_NESTING: usize = 16;

/// A parsed document, YAML or JSON, as the nesting check walks it.
trait Tree: Sized {
    /// Entries of a mapping (keys that are not strings as their text), `None` for anything else.
    fn entries(&self) -> Option<Vec<(String, &Self)>>;
    /// Elements of a sequence, `None` for anything else.
    fn elements(&self) -> Option<&[Self]>;
}

impl Tree for serde_json::Value {
    fn entries(&self) -> Option<Vec<(String, &Self)>> {
        self.as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v)).collect())
    }
    fn elements(&self) -> Option<&[Self]> {
        self.as_array().map(Vec::as_slice)
    }
}

impl Tree for serde_yaml::Value {
    fn entries(&self) -> Option<Vec<(String, &Self)>> {
        match self {
            serde_yaml::Value::Mapping(m) => Some(
                m.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            serde_yaml::Value::String(s) => s.clone(),
                            other => serde_yaml::to_string(other).unwrap_or_default().trim().to_string(),
                        };
                        (key, v)
                    })
                    .collect(),
            ),
            serde_yaml::Value::Tagged(t) => t.value.entries(),
            _ => None,
        }
    }
    fn elements(&self) -> Option<&[Self]> {
        match self {
            serde_yaml::Value::Sequence(items) => Some(items.as_slice()),
            serde_yaml::Value::Tagged(t) => t.value.elements(),
            _ => None,
        }
    }
}

/// Whether no schema under `v` (at `depth`) nests past the limit; else `path` leads to the first one.
fn nesting_within<T: Tree>(v: &T, depth: usize, path: &mut Vec<String>) -> bool {
    if depth > MAX_SCHEMA_NESTING {
        return false;
    }
    // Each child with the depth it is at.
    let mut children: Vec<(String, &T, usize)> = Vec::new();
    if let Some(entries) = v.entries() {
        for (key, child) in entries {
            match (key.as_str(), child.entries(), child.elements()) {
                ("properties", Some(props), _) => {
                    // `properties/<name>` is a schema one level down; the map itself is not one.
                    for (name, p) in props {
                        path.push(key.clone());
                        path.push(name);
                        if !nesting_within(p, depth + 1, path) {
                            return false;
                        }
                        path.pop();
                        path.pop();
                    }
                }
                ("allOf" | "oneOf" | "anyOf", _, Some(items)) => {
                    for (i, p) in items.iter().enumerate() {
                        path.push(key.clone());
                        path.push(i.to_string());
                        if !nesting_within(p, depth + 1, path) {
                            return false;
                        }
                        path.pop();
                        path.pop();
                    }
                }
                ("items" | "additionalProperties" | "not", _, _) => children.push((key, child, depth + 1)),
                _ => children.push((key, child, depth)),
            }
        }
    } else if let Some(items) = v.elements() {
        children.extend(items.iter().enumerate().map(|(i, c)| (i.to_string(), c, depth)));
    }
    for (key, child, at) in children {
        path.push(key);
        if !nesting_within(child, at, path) {
            return false;
        }
        path.pop();
    }
    true
}

/// Refuses schemas nested deeper than [`MAX_SCHEMA_NESTING`], at the first schema past the limit.
fn check_schema_nesting<T: Tree>(doc: &T, label: &str) -> Result<(), Diagnostics> {
    let mut path = Vec::new();
    if nesting_within(doc, 0, &mut path) {
        return Ok(());
    }
    let tokens: Vec<&str> = path.iter().map(String::as_str).collect();
    Err(Diagnostics::single(Diagnostic::error(
        format!("{label}: {}", crate::diagnostics::pointer(&tokens)),
        format!(
            "schemas nest more than {MAX_SCHEMA_NESTING} levels deep here; give the inner schemas names in \
             `components/schemas` and refer to them with `$ref`"
        ),
    )))
}

/// Every key of `paths` is a path (`/…`) or an extension (`x-…`): the typed parse would drop any other
/// key, and its operations with it, without a word.
fn check_path_keys<'a>(keys: impl Iterator<Item = &'a str>, label: &str) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::default();
    for key in keys.filter(|k| !k.starts_with('/') && !k.starts_with("x-")) {
        diags.push(Diagnostic::error(
            format!("{label}: #/paths/{}", crate::diagnostics::escape_token(key)),
            format!("`{key}` is not a path: a path starts with `/` (write `/{}`)", key.trim_start_matches('/')),
        ));
    }
    if diags.0.is_empty() {
        Ok(())
    } else {
        Err(diags)
    }
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
        // serde_yaml gives no place for some errors (a second document, too many aliases).
        None => format!("{label}:1:1"),
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
