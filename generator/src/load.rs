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
    check_schemas(&value, label)?;
    if let Some(paths) = map.and_then(|m| m.get("paths")).and_then(|p| p.as_object()) {
        check_path_keys(paths.keys().map(String::as_str), label)?;
    }
    // As for YAML: the typed parse from the tree, and the text again only for a mismatch's place.
    {
        use serde::Deserialize;
        if let Ok(openapi) = OpenAPI::deserialize(&value) {
            return Ok(openapi);
        }
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
    check_schemas(&value, label)?;
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
    // The typed parse from the tree already read (the text is not scanned twice); only a document that
    // does not match is read again from the text, for the line and the path of the mismatch.
    {
        use serde::Deserialize;
        if let Ok(openapi) = OpenAPI::deserialize(&value) {
            return Ok(openapi);
        }
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
/// nest a few levels.
pub const MAX_SCHEMA_NESTING: usize = 16;

/// From this depth on, schemas are parsed one by one, deepest first, before the whole document.
/// The typed parse (`openapiv3`'s untagged enums) retries every level above a schema that does not
/// parse, so its time doubles with each level above the failure: a failing 13 KB nest of 60 levels
/// took minutes, and 1,500 properties under 11 levels took 35 s. Parsed deepest first, a failure is
/// found where it is, at the cost of one parse per level.
const CHECK_SCHEMAS_FROM_DEPTH: usize = 4;

/// A parsed document, YAML or JSON, as the schema checks walk it.
trait Tree: Sized {
    /// Entries of a mapping (keys that are not strings as their text), `None` for anything else.
    fn entries(&self) -> Option<Vec<(String, &Self)>>;
    /// Elements of a sequence, `None` for anything else.
    fn elements(&self) -> Option<&[Self]>;
    /// Why this node is not a schema (or a reference), if it is not.
    fn schema_error(&self) -> Option<String>;
}

impl Tree for serde_json::Value {
    fn entries(&self) -> Option<Vec<(String, &Self)>> {
        self.as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v)).collect())
    }
    fn elements(&self) -> Option<&[Self]> {
        self.as_array().map(Vec::as_slice)
    }
    fn schema_error(&self) -> Option<String> {
        use serde::Deserialize;
        openapiv3::ReferenceOr::<openapiv3::Schema>::deserialize(self).err().map(|e| e.to_string())
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
    fn schema_error(&self) -> Option<String> {
        use serde::Deserialize;
        openapiv3::ReferenceOr::<openapiv3::Schema>::deserialize(self).err().map(|e| e.to_string())
    }
}

/// What the walk found: the path to it and what to say.
type Found = (Vec<String>, String);

/// Walks `v` (a schema at `depth`, or no schema when `None`): refuses nests past
/// [`MAX_SCHEMA_NESTING`], and parses each schema from [`CHECK_SCHEMAS_FROM_DEPTH`] on, children first.
fn walk_schemas<T: Tree>(v: &T, depth: Option<usize>, path: &mut Vec<String>) -> Result<(), Found> {
    let Some(depth) = depth else {
        // Not in a schema: schemas start at `schema` (parameters, media types, headers) and at the
        // entries of `components/schemas`. Extensions and examples are data.
        if let Some(entries) = v.entries() {
            for (key, child) in entries {
                if key.starts_with("x-") || key == "example" || key == "examples" {
                    continue;
                }
                path.push(key.clone());
                match (key.as_str(), child.entries()) {
                    ("schema", _) => walk_schemas(child, Some(0), path)?,
                    ("schemas", Some(schemas)) => {
                        for (name, schema) in schemas {
                            path.push(name);
                            walk_schemas(schema, Some(0), path)?;
                            path.pop();
                        }
                    }
                    _ => walk_schemas(child, None, path)?,
                }
                path.pop();
            }
        } else if let Some(items) = v.elements() {
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                walk_schemas(child, None, path)?;
                path.pop();
            }
        }
        return Ok(());
    };
    if depth > MAX_SCHEMA_NESTING {
        return Err((
            path.clone(),
            format!(
                "schemas nest more than {MAX_SCHEMA_NESTING} levels deep here; give the inner schemas names in \
                 `components/schemas` and refer to them with `$ref`"
            ),
        ));
    }
    for (key, child) in v.entries().unwrap_or_default() {
        match (key.as_str(), child.entries(), child.elements()) {
            ("properties", Some(props), _) => {
                for (name, p) in props {
                    path.extend([key.clone(), name]);
                    walk_schemas(p, Some(depth + 1), path)?;
                    path.truncate(path.len() - 2);
                }
            }
            ("allOf" | "oneOf" | "anyOf", _, Some(items)) => {
                for (i, p) in items.iter().enumerate() {
                    path.extend([key.clone(), i.to_string()]);
                    walk_schemas(p, Some(depth + 1), path)?;
                    path.truncate(path.len() - 2);
                }
            }
            ("items" | "not", _, _) | ("additionalProperties", Some(_), _) => {
                path.push(key.clone());
                walk_schemas(child, Some(depth + 1), path)?;
                path.pop();
            }
            _ => {}
        }
    }
    if depth >= CHECK_SCHEMAS_FROM_DEPTH {
        if let Some(why) = v.schema_error() {
            return Err((path.clone(), format!("does not match the OpenAPI 3.0 schema: {why}")));
        }
    }
    Ok(())
}

/// Refuses schemas nested past the limit, and deep schemas that do not parse, at the first one.
fn check_schemas<T: Tree>(doc: &T, label: &str) -> Result<(), Diagnostics> {
    let mut path = Vec::new();
    let Err((at, message)) = walk_schemas(doc, None, &mut path) else { return Ok(()) };
    let tokens: Vec<&str> = at.iter().map(String::as_str).collect();
    Err(Diagnostics::single(Diagnostic::error(format!("{label}: {}", crate::diagnostics::pointer(&tokens)), message)))
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
