//! `cargo xtask fuzz`: the generator under structural mutation (issue 20).
//!
//! Documents are `spec/trustx.yaml`, the feature fixtures and a few hand-made ones, parsed into a
//! JSON tree and mutated there: keys deleted, duplicated, renamed and retyped, names and text from a
//! hostile alphabet, `$ref`s to odd places and in cycles, huge and deep values. Each mutated document
//! goes through `sdk_codegen::generate` in-process, under `catch_unwind`, and must give either a crate
//! or diagnostics whose every error is located; when it gives a crate, every operation of the document
//! must be in the model or have a warning that says it was skipped. The `--check-crates` nastiest
//! crates (most mutations, one per base document) get a real `cargo check`.
//!
//! Document `i` of seed `s` is drawn from its own generator (seeded from `s` and `i`), so a failure
//! reproduces with `--seed s --only i` whatever the budget; failing documents are written to
//! `target/fuzz-failures/`.

use sdk_codegen::diagnostics::pointer;
use sdk_codegen::{generate, Diagnostics, Generated, Options};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo xtask fuzz [--seed N] [--budget-secs S] [--max-docs N] [--check-crates K] [--only I]";

struct Args {
    seed: u64,
    budget: Duration,
    max_docs: Option<usize>,
    check_crates: usize,
    only: Option<usize>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args { seed: 20, budget: Duration::from_secs(60), max_docs: None, check_crates: 2, only: None };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut number = |flag: &str| -> Result<u64, String> {
            let v = it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
            v.parse().map_err(|_| format!("{flag} needs a number, got `{v}`"))
        };
        match a.as_str() {
            "--seed" => parsed.seed = number("--seed")?,
            "--budget-secs" => parsed.budget = Duration::from_secs(number("--budget-secs")?),
            "--max-docs" => parsed.max_docs = Some(number("--max-docs")? as usize),
            "--check-crates" => parsed.check_crates = number("--check-crates")? as usize,
            "--only" => parsed.only = Some(number("--only")? as usize),
            // Kept so that older commands still run: the class it ran is fixed.
            "--run-known" => {}
            other => return Err(format!("fuzz: unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(parsed)
}

/// SplitMix64: small, fast, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn for_document(seed: u64, index: usize) -> Self {
        let mut r = Rng(seed ^ (index as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Names that are keywords, empty, start with a digit, carry punctuation or non-ASCII letters.
const HOSTILE_NAMES: &[&str] = &[
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "fn",
    "mod",
    "ref",
    "r#type",
    "async",
    "await",
    "dyn",
    "try",
    "union",
    "abstract",
    "macro_rules",
    "",
    " ",
    "_",
    "__",
    "1abc",
    "123",
    "0",
    "-",
    "a-b",
    "a.b",
    "a b",
    "a/b",
    "{id}",
    "ü",
    "日本語",
    "Ärger-Öl",
    "😀",
    "a\u{202e}b",
    "Default",
    "default",
    "None",
    "Some",
    "Ok",
    "Err",
    "Result",
    "Option",
    "String",
    "Vec",
    "Box",
    "std",
    "core",
    "serde",
    "Client",
    "Error",
    "Request",
    "Page",
    "Item",
    "Unknown",
    "Value",
    "Sensitive",
    "additional_properties",
    "additionalProperties",
    "new",
    "client",
    "send",
    "META",
    "API",
    "x-",
    "$ref",
    "#",
    "/",
    "~",
    "~1",
    "%20",
    "CamelCase",
    "snake_case",
    "SCREAMING_CASE",
    "kebab-case",
    "type_",
    "Type",
    "TYPE",
    "r#",
    "mod.rs",
    "lib",
    "main",
    "tests",
];

/// Text that tries to break out of a comment, string, attribute, table or HTML page.
const INJECTIONS: &[&str] = &[
    "*/",
    "/*",
    "\"]",
    "\"#",
    "r#\"",
    "\n[build-dependencies]\nevil = \"1\"\n",
    "\r",
    "\r\n",
    "\u{202e}",
    "\u{2028}",
    "\u{feff}",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "</script>",
    "<!--",
    "-->",
    "`",
    "```",
    "```rust\nfn main() { compile_error!(\"x\") }\n```",
    "\\",
    "\"",
    "'",
    "#[cfg(any())]",
    "#![no_std]",
    "}; fn main() {}",
    "{{",
    "}}",
    "{",
    "$1",
    "%s",
    "[link]: javascript:alert(1)",
    "<https://x>",
    "[`crate::nope`]",
    "\t",
    "//! inner",
];

/// Places a `$ref` can point at that are not schemas, or nowhere.
const ODD_REFS: &[&str] = &[
    "#/paths",
    "#/info",
    "#",
    "#/",
    "#/components",
    "#/components/schemas",
    "#/components/schemas/",
    "#/components/schemas/Nope",
    "#/components/parameters/Nope",
    "#/components/responses/Nope",
    "#/components/requestBodies/Nope",
    "#/paths/~1nope/get",
    "#/servers/0",
    "#/tags/0",
    "other.yaml#/components/schemas/A",
    "https://example.com/spec.yaml#/A",
    "",
    "#/components/schemas/A%20B",
    "#/components/schemas/~1",
    "#/components/schemas/type",
    "#/components/schemas/\u{202e}",
    "#/openapi",
];

/// Keys an OpenAPI document (and the extensions the generator reads) uses.
const KEYWORDS: &[&str] = &[
    "type",
    "format",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "enum",
    "nullable",
    "discriminator",
    "default",
    "example",
    "description",
    "title",
    "readOnly",
    "writeOnly",
    "deprecated",
    "$ref",
    "parameters",
    "requestBody",
    "responses",
    "content",
    "schema",
    "in",
    "name",
    "style",
    "explode",
    "operationId",
    "tags",
    "security",
    "servers",
    "x-page",
    "x-error-body",
    "x-token-exchange",
    "x-permission",
    "x-error-codes",
    "x-sensitive",
    "x-inferred",
    "x-beta",
    "x-rust-name",
    "x-evidence",
];

const TYPES: &[&str] = &["string", "integer", "number", "boolean", "array", "object", "null", "file", "Object", ""];
const FORMATS: &[&str] = &[
    "int32",
    "int64",
    "int8",
    "uint64",
    "float",
    "double",
    "date",
    "date-time",
    "byte",
    "binary",
    "password",
    "uuid",
    "uri",
    "email",
    "decimal",
    "",
];
const MEDIA: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "application/problem+json",
    "*/*",
    "text/plain",
    "text/csv",
    "application/octet-stream",
    "multipart/form-data",
    "application/x-www-form-urlencoded",
    "image/png",
    "application/xml",
    "",
];
const STATUSES: &[&str] = &["200", "201", "204", "2XX", "default", "299", "300", "404", "5XX", "999", "abc", "", "0"];

/// One hostile string: a name, an injection, a mix, or something very long.
fn hostile_text(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=3 => rng.pick(HOSTILE_NAMES).to_string(),
        4..=6 => rng.pick(INJECTIONS).to_string(),
        7 => format!("{}{}{}", rng.pick(HOSTILE_NAMES), rng.pick(INJECTIONS), rng.pick(HOSTILE_NAMES)),
        8 => {
            let unit = rng.pick(&["a", "Deeply", "é", "-", "9", "日本", "_x"]).to_string();
            unit.repeat(20 + rng.below(300))
        }
        _ => {
            let unit = rng.pick(&["x", "é", "\u{202e}", "a b ", "*/", "\n"]).to_string();
            unit.repeat(100_000)
        }
    }
}

/// The number of nodes of a tree.
fn count(v: &Value) -> usize {
    1 + match v {
        Value::Object(m) => m.values().map(count).sum(),
        Value::Array(a) => a.iter().map(count).sum(),
        _ => 0,
    }
}

/// The path (object keys and array indices as text) of the `k`-th node in pre-order.
fn nth_path(v: &Value, k: &mut usize, path: &mut Vec<String>) -> bool {
    if *k == 0 {
        return true;
    }
    *k -= 1;
    let children: Box<dyn Iterator<Item = (String, &Value)>> = match v {
        Value::Object(m) => Box::new(m.iter().map(|(k, v)| (k.clone(), v))),
        Value::Array(a) => Box::new(a.iter().enumerate().map(|(i, v)| (i.to_string(), v))),
        _ => return false,
    };
    for (key, child) in children {
        path.push(key);
        if nth_path(child, k, path) {
            return true;
        }
        path.pop();
    }
    false
}

/// The JSON pointer (`/a/b~1c`) of a path.
fn json_pointer(path: &[String]) -> String {
    path.iter().map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1"))).collect()
}

/// A random node's path, among nodes that satisfy `want` (up to 30 tries).
fn random_path(rng: &mut Rng, doc: &Value, want: impl Fn(&Value) -> bool) -> Option<Vec<String>> {
    let total = count(doc);
    for _ in 0..30 {
        let mut k = rng.below(total);
        let mut path = Vec::new();
        if nth_path(doc, &mut k, &mut path) && doc.pointer(&json_pointer(&path)).is_some_and(&want) {
            return Some(path);
        }
    }
    None
}

fn looks_like_schema(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        ["type", "properties", "$ref", "allOf", "oneOf", "anyOf", "items", "enum"].iter().any(|k| m.contains_key(*k))
    })
}

fn schema_names(doc: &Value) -> Vec<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// A value of another JSON type, made from `v` where that means something.
fn retyped(rng: &mut Rng, v: &Value) -> Value {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut candidates = vec![
        Value::Null,
        Value::Bool(rng.percent(50)),
        Value::from(text.len() as i64 - 3),
        Value::from(1.5e300),
        Value::from(-1),
        Value::from(u64::MAX),
        Value::String(text.clone()),
        Value::Array(vec![v.clone()]),
        Value::Array(vec![]),
        Value::Object(Map::from_iter([(text.chars().take(40).collect::<String>(), v.clone())])),
        Value::Object(Map::new()),
    ];
    if let Ok(n) = text.parse::<f64>() {
        candidates.push(serde_json::json!(n));
    }
    if let Value::Object(m) = v {
        candidates.push(Value::Array(m.values().cloned().collect()));
    }
    let kind = |x: &Value| std::mem::discriminant(x);
    candidates.retain(|c| kind(c) != kind(v) || rng.percent(10));
    let at = rng.below(candidates.len());
    candidates.swap_remove(at)
}

/// A nest of `depth` schemas around `inner`.
fn deep(rng: &mut Rng, inner: Value, depth: usize) -> Value {
    let mut v = inner;
    let shape = rng.below(6);
    for i in 0..depth {
        v = match (shape + i * usize::from(shape == 5)) % 5 {
            0 => serde_json::json!({"type": "object", "properties": {"a": v}}),
            1 => serde_json::json!({"type": "array", "items": v}),
            2 => serde_json::json!({"allOf": [v]}),
            3 => serde_json::json!({"oneOf": [v, {"type": "string"}]}),
            _ => serde_json::json!({"type": "object", "additionalProperties": v}),
        };
    }
    v
}

/// A random value for a keyword, from that keyword's own vocabulary or anything.
fn keyword_value(rng: &mut Rng, doc: &Value, key: &str) -> Value {
    let names = schema_names(doc);
    let some_ref = || names.first().map(|n| format!("#/components/schemas/{n}")).unwrap_or_default();
    match (key, rng.below(4)) {
        ("type", 0..=2) => Value::from(*rng.pick(TYPES)),
        ("format", 0..=2) => Value::from(*rng.pick(FORMATS)),
        ("in", 0..=2) => Value::from(*rng.pick(&["path", "query", "header", "cookie", "body", "formData", ""])),
        ("$ref", 0..=1) => Value::from(*rng.pick(ODD_REFS)),
        ("$ref", 2) if !names.is_empty() => Value::from(format!("#/components/schemas/{}", rng.pick(&names))),
        ("nullable" | "deprecated" | "readOnly" | "x-sensitive" | "x-inferred" | "x-beta" | "explode", 0..=2) => {
            Value::Bool(rng.percent(50))
        }
        ("enum", 0..=2) => Value::Array(
            (0..rng.below(6))
                .map(|_| if rng.percent(70) { Value::from(hostile_text(rng)) } else { Value::Null })
                .collect(),
        ),
        ("required", 0..=2) => Value::Array((0..1 + rng.below(3)).map(|_| Value::from(hostile_text(rng))).collect()),
        ("allOf" | "oneOf" | "anyOf", 0..=2) => {
            serde_json::json!([{"$ref": some_ref()}, {"type": "object", "properties": {"type": {"type": "string"}}}, {"type": "string"}])
        }
        ("discriminator", 0..=2) => {
            serde_json::json!({"propertyName": hostile_text(rng), "mapping": {"a": some_ref(), "b": "#/components/schemas/Nope"}})
        }
        ("content", 0..=2) => {
            serde_json::json!({ *rng.pick(MEDIA): {"schema": {"$ref": some_ref()}}, *rng.pick(MEDIA): {} })
        }
        ("responses", 0..=2) => serde_json::json!({ *rng.pick(STATUSES): {"description": "d"} }),
        ("x-page", 0..=1) => serde_json::json!({"items": hostile_text(rng), "number": "number", "last": "last"}),
        ("x-error-body", 0..=1) => serde_json::json!({"code": hostile_text(rng), "message": "message"}),
        ("x-token-exchange", 0..=1) => {
            serde_json::json!({"operation": hostile_text(rng), "token": "token", "lifetime": "ttl"})
        }
        ("x-permission" | "operationId" | "x-rust-name" | "name", 0..=2) => Value::from(hostile_text(rng)),
        ("x-error-codes", 0..=1) => serde_json::json!([{"code": 1, "name": hostile_text(rng)}, 7, "x"]),
        _ => random_subtree(rng, doc).unwrap_or(Value::Null),
    }
}

/// A copy of a random node of `doc`.
fn random_subtree(rng: &mut Rng, doc: &Value) -> Option<Value> {
    let path = random_path(rng, doc, |v| count(v) < 2_000)?;
    doc.pointer(&json_pointer(&path)).cloned()
}

/// What one mutation did, for the failure report.
type Applied = Option<String>;

/// Applies one random mutation; `None` when the picked node did not fit it.
fn mutate(rng: &mut Rng, doc: &mut Value) -> Applied {
    let kind = rng.below(100);
    match kind {
        // Delete a key or an element.
        0..=11 => {
            let path = random_path(rng, doc, |v| {
                v.as_object().is_some_and(|m| !m.is_empty()) || v.as_array().is_some_and(|a| !a.is_empty())
            })?;
            let node = doc.pointer_mut(&json_pointer(&path))?;
            match node {
                Value::Object(m) => {
                    let key = m.keys().nth(rng.below(m.len()))?.clone();
                    m.shift_remove(&key);
                    Some(format!("delete {}/{key}", json_pointer(&path)))
                }
                Value::Array(a) => {
                    let at = rng.below(a.len());
                    a.remove(at);
                    Some(format!("delete {}/{at}", json_pointer(&path)))
                }
                _ => None,
            }
        }
        // Duplicate an entry under another name, or an element.
        12..=19 => {
            let path = random_path(rng, doc, |v| {
                v.as_object().is_some_and(|m| !m.is_empty()) || v.as_array().is_some_and(|a| !a.is_empty())
            })?;
            let new_name = if rng.percent(50) { hostile_text(rng) } else { String::new() };
            let node = doc.pointer_mut(&json_pointer(&path))?;
            match node {
                Value::Object(m) => {
                    let (key, value) = m.iter().nth(rng.below(m.len())).map(|(k, v)| (k.clone(), v.clone()))?;
                    let name = if new_name.is_empty() {
                        match rng.below(3) {
                            0 => format!("{key}2"),
                            1 => key.to_uppercase(),
                            _ => format!("{key}_"),
                        }
                    } else {
                        new_name
                    };
                    m.insert(name.clone(), value);
                    Some(format!("duplicate {}/{key} as `{}`", json_pointer(&path), name.escape_debug()))
                }
                Value::Array(a) => {
                    let at = rng.below(a.len());
                    let copy = a[at].clone();
                    a.push(copy);
                    Some(format!("duplicate {}/{at}", json_pointer(&path)))
                }
                _ => None,
            }
        }
        // Retype a node.
        20..=31 => {
            let path = random_path(rng, doc, |_| true)?;
            if path.is_empty() {
                return None;
            }
            let old = doc.pointer(&json_pointer(&path))?.clone();
            let new = retyped(rng, &old);
            *doc.pointer_mut(&json_pointer(&path))? = new;
            Some(format!("retype {}", json_pointer(&path)))
        }
        // Rename a key to a hostile name.
        32..=43 => {
            let path = random_path(rng, doc, |v| v.as_object().is_some_and(|m| !m.is_empty()))?;
            let name = hostile_text(rng);
            let m = doc.pointer_mut(&json_pointer(&path))?.as_object_mut()?;
            let at = rng.below(m.len());
            let key = m.keys().nth(at)?.clone();
            let value = m.shift_remove(&key)?;
            // `shift_insert` of a key already there moves it, and then `len` is out of bounds.
            if m.contains_key(&name) {
                m.insert(name.clone(), value);
            } else {
                m.shift_insert(at.min(m.len()), name.clone(), value);
            }
            Some(format!(
                "rename {}/{key} to `{}`",
                json_pointer(&path),
                name.chars().take(80).collect::<String>().escape_debug()
            ))
        }
        // A hostile string value.
        44..=55 => {
            let path = random_path(rng, doc, Value::is_string)?;
            let text = hostile_text(rng);
            let node = doc.pointer_mut(&json_pointer(&path))?;
            *node = match (node.as_str(), rng.below(3)) {
                (Some(s), 0) => Value::from(format!("{s}{text}")),
                _ => Value::from(text),
            };
            Some(format!("hostile string at {}", json_pointer(&path)))
        }
        // A `$ref` to an odd place, an existing schema, or an ancestor (a cycle).
        56..=67 => {
            let path = random_path(rng, doc, |v| v.is_object())?;
            let names = schema_names(doc);
            let target = match rng.below(4) {
                0 => rng.pick(ODD_REFS).to_string(),
                1 if !names.is_empty() => format!("#/components/schemas/{}", rng.pick(&names)),
                2 => format!("#{}", json_pointer(&path[..rng.below(path.len() + 1)])),
                _ => {
                    // A cycle between two component schemas.
                    if names.len() < 2 {
                        return None;
                    }
                    let (a, b) = (rng.pick(&names).clone(), rng.pick(&names).clone());
                    let schemas = doc.pointer_mut("/components/schemas")?.as_object_mut()?;
                    let to = |n: &str| serde_json::json!({"$ref": format!("#/components/schemas/{n}")});
                    let via = match rng.below(4) {
                        0 => to(&b),
                        1 => serde_json::json!({"allOf": [to(&b)]}),
                        2 => serde_json::json!({"type": "object", "required": ["x"], "properties": {"x": to(&b)}}),
                        _ => serde_json::json!({"oneOf": [to(&b), {"type": "string"}]}),
                    };
                    schemas.insert(a.clone(), via);
                    if rng.percent(60) {
                        schemas.insert(b.clone(), serde_json::json!({"allOf": [to(&a)]}));
                    }
                    return Some(format!("cycle {a} -> {b}"));
                }
            };
            let node = doc.pointer_mut(&json_pointer(&path))?;
            *node = serde_json::json!({ "$ref": target });
            Some(format!("$ref {} -> `{target}`", json_pointer(&path)))
        }
        // Huge values: a long string, many properties, many enum values.
        68..=71 => {
            let path = random_path(rng, doc, |v| looks_like_schema(v) || v.is_string())?;
            let node = doc.pointer_mut(&json_pointer(&path))?;
            match rng.below(3) {
                0 => *node = Value::from("é".repeat(100_000)),
                1 => {
                    let props: Map<String, Value> =
                        (0..1_500).map(|i| (format!("p{i}"), serde_json::json!({"type": "string"}))).collect();
                    *node = serde_json::json!({"type": "object", "properties": props});
                }
                _ => {
                    let values: Vec<Value> = (0..3_000).map(|i| Value::from(format!("V{i}"))).collect();
                    *node = serde_json::json!({"type": "string", "enum": values});
                }
            }
            Some(format!("huge at {}", json_pointer(&path)))
        }
        // Deep nesting of schemas.
        72..=77 => {
            let path = random_path(rng, doc, looks_like_schema)?;
            // The generator refuses nests past 16 levels (`load::MAX_SCHEMA_NESTING`): mostly within.
            let most = if rng.percent(25) { 140 } else { 14 };
            let depth = 2 + rng.below(most);
            let node = doc.pointer_mut(&json_pointer(&path))?;
            let inner = node.clone();
            *node = deep(rng, inner, depth);
            Some(format!("deep {depth} at {}", json_pointer(&path)))
        }
        // A keyword set to a value from its vocabulary (or anything).
        78..=89 => {
            let path = random_path(rng, doc, |v| v.is_object())?;
            let key = rng.pick(KEYWORDS).to_string();
            let value = keyword_value(rng, doc, &key);
            let m = doc.pointer_mut(&json_pointer(&path))?.as_object_mut()?;
            m.insert(key.clone(), value);
            Some(format!("set {}/{key}", json_pointer(&path)))
        }
        // Transplant a subtree over another node.
        _ => {
            let subtree = random_subtree(rng, doc)?;
            let path = random_path(rng, doc, |_| true)?;
            if path.is_empty() {
                return None;
            }
            *doc.pointer_mut(&json_pointer(&path))? = subtree;
            Some(format!("transplant onto {}", json_pointer(&path)))
        }
    }
}

/// A base document to mutate.
struct Base {
    name: String,
    doc: Value,
}

/// YAML → a JSON tree (mapping keys that are not strings become their text).
fn to_json(v: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        Y::Null => "null".into(),
                        other => serde_yaml::to_string(&other).unwrap_or_default().trim().to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => to_json(t.value),
    }
}

/// Hand-made documents: shapes the real ones do not have.
const HAND_MADE: &[(&str, &str)] = &[
    ("minimal", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"),
    (
        "allof_cycle",
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: getA\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/A'}\ncomponents:\n  schemas:\n    A: {allOf: [{$ref: '#/components/schemas/B'}, {type: object, properties: {a: {type: string}}}]}\n    B: {allOf: [{$ref: '#/components/schemas/A'}]}\n",
    ),
    (
        "recursive_shapes",
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /n:\n    post:\n      operationId: postNode\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/Node'}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {type: array, items: {$ref: '#/components/schemas/Node'}}\ncomponents:\n  schemas:\n    Node:\n      type: object\n      required: [self, next]\n      properties:\n        self: {$ref: '#/components/schemas/Node'}\n        next: {oneOf: [{$ref: '#/components/schemas/Node'}, {type: string}]}\n        map: {type: object, additionalProperties: {$ref: '#/components/schemas/Node'}}\n        list: {type: array, items: {$ref: '#/components/schemas/Node'}}\n",
    ),
    (
        "keywords_everywhere",
        "openapi: 3.0.3\ninfo: {title: Self, version: '1'}\ntags: [{name: crate}, {name: Self}]\npaths:\n  /{type}/{self}:\n    parameters:\n      - {name: type, in: path, required: true, schema: {type: string}}\n      - {name: self, in: path, required: true, schema: {type: string}}\n    get:\n      operationId: self\n      tags: [crate]\n      parameters:\n        - {name: Self, in: query, schema: {$ref: '#/components/schemas/Option'}}\n        - {name: super, in: header, schema: {type: string}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Result'}\n    post:\n      operationId: Self\n      tags: [Self]\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/String'}\n      responses:\n        '204': {description: ok}\ncomponents:\n  schemas:\n    Option: {type: string, enum: [None, Some, '', '1', self]}\n    Result: {type: object, properties: {Ok: {type: string}, Err: {type: string}, type: {$ref: '#/components/schemas/String'}}}\n    String: {type: object, properties: {String: {type: string}, crate: {type: integer}}}\n",
    ),
    (
        "json_odd",
        r#"{"openapi": "3.0.0", "info": {"title": "\u0085\u2028", "version": "1"}, "paths": {"/x": {"get": {"operationId": "x", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "integer", "format": "int64", "enum": [1, 18446744073709551615]}}}}}}}}}"#,
    ),
];

/// Raw documents tried once, unmutated: what a tree cannot express.
fn raw_documents() -> Vec<(String, Vec<u8>)> {
    let mut laughs = String::from(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nx-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    let mut prev = 'a';
    for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        writeln!(laughs, "x-{name}: &{name} [{refs}]").ok();
        prev = name;
    }
    laughs.push_str("paths: {}\n");
    vec![
        ("alias_bomb.yaml".into(), laughs.into_bytes()),
        (
            "deep_json.json".into(),
            format!("{{\"openapi\": \"3.0.3\", \"x\": {}{}}}", "[".repeat(50_000), "]".repeat(50_000)).into_bytes(),
        ),
        (
            "deep_yaml.yaml".into(),
            format!("openapi: 3.0.3\nx: {}{}\n", "[".repeat(50_000), "]".repeat(50_000)).into_bytes(),
        ),
        (
            "duplicate_keys.yaml".into(),
            b"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\npaths: {}\n".to_vec(),
        ),
        (
            "tags.yaml".into(),
            b"openapi: !!binary aGVsbG8=\ninfo: !custom {title: t, version: '1'}\npaths: {}\n".to_vec(),
        ),
        ("bom.yaml".into(), b"\xef\xbb\xbfopenapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n".to_vec()),
        ("crlf.yaml".into(), b"openapi: 3.0.3\r\ninfo: {title: t, version: '1'}\r\npaths: {}\r\n".to_vec()),
        ("latin1.yaml".into(), b"openapi: 3.0.3\ninfo: {title: caf\xe9, version: '1'}\npaths: {}\n".to_vec()),
        (
            "multi_doc.yaml".into(),
            b"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n---\nopenapi: 3.0.3\n".to_vec(),
        ),
    ]
}

fn corpus() -> Result<Vec<Base>, String> {
    let root = xtask::workspace_root();
    let mut files = vec![root.join(xtask::SPEC)];
    let dir = root.join("tests/fixtures/features");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    fixtures.sort();
    files.extend(fixtures);
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let yaml: serde_yaml::Value =
            serde_yaml::from_str(&text).map_err(|e| format!("{} is not YAML: {e}", file.display()))?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        out.push(Base { name, doc: to_json(yaml) });
    }
    for (name, text) in HAND_MADE {
        let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| format!("hand-made {name}: {e}"))?;
        out.push(Base { name: format!("hand-made {name}"), doc: to_json(yaml) });
    }
    Ok(out)
}

/// One mutated document, ready for the generator.
struct Case {
    base: usize,
    mutations: Vec<String>,
    bytes: Vec<u8>,
    json: bool,
    options: Options,
    /// The tree the bytes were written from (for the operation count); `None` for raw documents.
    tree: Option<Value>,
}

fn make_case(seed: u64, index: usize, bases: &[Base], raw: &[(String, Vec<u8>)]) -> Case {
    let mut rng = Rng::for_document(seed, index);
    let options = |rng: &mut Rng, label: &str| Options {
        crate_name: if rng.percent(90) { Some("fuzzed".into()) } else { None },
        crate_version: "0.1.0".into(),
        spec_label: label.into(),
        strict: rng.percent(10),
    };
    if index < raw.len() {
        let (name, bytes) = &raw[index];
        let options = options(&mut rng, name);
        return Case {
            base: usize::MAX,
            mutations: vec![format!("raw {name}")],
            bytes: bytes.clone(),
            json: false,
            options,
            tree: None,
        };
    }
    // The big spec one time in six (it is 30 times the size of a fixture), hand-made ones one in ten.
    let hand_made = bases.len() - HAND_MADE.len();
    let base = match rng.below(60) {
        0..=9 => 0,
        10..=15 => hand_made + rng.below(HAND_MADE.len()),
        _ => 1 + rng.below(hand_made - 1),
    };
    let mut doc = bases[base].doc.clone();
    let wanted = match rng.below(10) {
        0..=5 => 1 + rng.below(3),
        6..=8 => 3 + rng.below(6),
        _ => 8 + rng.below(12),
    };
    let mut mutations = Vec::new();
    for _ in 0..wanted * 3 {
        if mutations.len() >= wanted {
            break;
        }
        if let Some(m) = mutate(&mut rng, &mut doc) {
            mutations.push(m);
        }
    }
    let json = rng.percent(30);
    let bytes = if json {
        serde_json::to_vec_pretty(&doc).unwrap_or_default()
    } else {
        serde_yaml::to_string(&doc).unwrap_or_default().into_bytes()
    };
    let label = format!("fuzz-{index}.{}", if json { "json" } else { "yaml" });
    let options = options(&mut rng, &label);
    Case { base, mutations, bytes, json, options, tree: Some(doc) }
}

/// What happened to one document.
enum Outcome {
    Crate(Box<Generated>),
    Located(Diagnostics),
    Panic(String),
}

/// Why a document failed the harness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Panic,
    Unlocated,
    NoError,
    Internal,
    SilentDrop,
    Slow,
    CrateCheck,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Panic => "panic",
            Kind::Unlocated => "error without a location",
            Kind::NoError => "refused without an error",
            Kind::Internal => "internal error (invalid Rust emitted)",
            Kind::SilentDrop => "operation dropped without a word",
            Kind::Slow => "slow: more than 20 s for one document",
            Kind::CrateCheck => "generated crate does not compile",
        }
    }
}

struct Failure {
    kind: Kind,
    index: usize,
    /// What groups failures of one cause (a panic's place, a diagnostic's shape).
    signature: String,
    detail: String,
}

/// Whether a diagnostic's location points into the document (`#/…`, `file:line:col`) or at an option.
fn located(location: &str, label: &str) -> bool {
    let after_label = location.strip_prefix(label).map(|rest| rest.trim_start_matches(':').trim_start());
    let place = after_label.unwrap_or(location);
    place.starts_with('#')
        || place.starts_with("(#")
        || place.starts_with(|c: char| c.is_ascii_digit())
        || location == "--crate-name"
}

/// Operations of the document (`paths./p.get`, ...), with the operationId when there is one.
fn document_operations(doc: &Value) -> Vec<(String, String, Option<String>)> {
    const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else { return out };
    for (path, item) in paths {
        // A path item given by `$ref` is inlined by the generator; not counted here.
        let Some(item) = item.as_object().filter(|i| !i.contains_key("$ref")) else { continue };
        for method in METHODS {
            if let Some(op) = item.get(*method).and_then(Value::as_object) {
                let id = op.get("operationId").and_then(Value::as_str).map(str::to_owned);
                out.push((path.clone(), method.to_string(), id));
            }
        }
    }
    out
}

/// Checks one outcome; the failures it shows.
fn judge(case: &Case, outcome: &Outcome) -> Vec<(Kind, String, String)> {
    let mut out = Vec::new();
    let label = &case.options.spec_label;
    match outcome {
        Outcome::Panic(message) => {
            let place = message.lines().next().unwrap_or_default().to_string();
            out.push((Kind::Panic, place, message.clone()));
        }
        Outcome::Located(diags) => {
            if !diags.has_errors() {
                out.push((Kind::NoError, "no error".into(), diags.to_string()));
            }
            for d in diags.errors() {
                if d.message.contains("internal error") {
                    let sig: String = d.message.chars().take(120).collect();
                    out.push((Kind::Internal, sig, d.to_string()));
                } else if !located(&d.location, label) {
                    let sig = format!("{}: {}", d.location, d.message.chars().take(60).collect::<String>());
                    out.push((Kind::Unlocated, sig, d.to_string()));
                }
            }
        }
        Outcome::Crate(generated) => {
            let Some(tree) = &case.tree else { return out };
            let modelled: std::collections::HashSet<(String, String)> = generated
                .api
                .services
                .iter()
                .flat_map(|s| &s.operations)
                .map(|o| (o.path.clone(), o.method.to_lowercase()))
                .collect();
            for (path, method, id) in document_operations(tree) {
                if modelled.contains(&(path.clone(), method.clone())) {
                    continue;
                }
                let item = pointer(&["paths", &path]);
                let explained = generated.warnings.warnings().any(|w| {
                    let at_item = w.location == item || w.location.starts_with(&format!("{item}/"));
                    let names_it = id.as_ref().is_some_and(|id| w.message.contains(&format!("`{id}`")));
                    (at_item || names_it) && w.message.contains("skip")
                });
                if !explained {
                    out.push((
                        Kind::SilentDrop,
                        "operation missing from the model".into(),
                        format!(
                            "{} {path} (operationId {id:?}) is not in the model and no warning says it was skipped",
                            method.to_uppercase()
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// The last panic's message and place, kept by the hook while the harness runs.
type LastPanic = Arc<Mutex<Option<String>>>;

fn run_case(case: &Case, last_panic: &LastPanic) -> Outcome {
    if let Ok(mut slot) = last_panic.lock() {
        *slot = None;
    }
    match catch_unwind(AssertUnwindSafe(|| generate(&case.bytes, &case.options))) {
        Ok(Ok(generated)) => Outcome::Crate(Box::new(generated)),
        Ok(Err(diags)) => Outcome::Located(diags),
        Err(payload) => {
            let from_hook = last_panic.lock().ok().and_then(|mut s| s.take());
            let message = from_hook.unwrap_or_else(|| {
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic without a message".into())
            });
            Outcome::Panic(message)
        }
    }
}

fn failures_dir() -> PathBuf {
    xtask::workspace_root().join("target/fuzz-failures")
}

fn save_failure(seed: u64, case: &Case, index: usize, detail: &str, bases: &[Base]) -> Option<PathBuf> {
    let dir = failures_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let ext = if case.json { "json" } else { "yaml" };
    let doc = dir.join(format!("seed{seed}-{index}.{ext}"));
    std::fs::write(&doc, &case.bytes).ok()?;
    let base = bases.get(case.base).map(|b| b.name.as_str()).unwrap_or("raw");
    let note = format!(
        "reproduce: cargo xtask fuzz --seed {seed} --only {index}\nbase: {base}\noptions: {:?}\nmutations:\n  {}\n\n{detail}\n",
        case.options,
        case.mutations.join("\n  ")
    );
    std::fs::write(dir.join(format!("seed{seed}-{index}.txt")), note).ok()?;
    Some(doc)
}

/// The best candidate for a crate check per base document: (mutations, index).
type Candidates = BTreeMap<usize, (usize, usize)>;

/// `cargo check` of one generated crate, in its own workspace under `target/fuzz-crates/`, with the
/// fixture crates' target dir (`target/fixtures`) so dependencies are compiled once across runs.
fn check_crate(slot: usize, generated: &Generated) -> Result<Duration, String> {
    let root = xtask::workspace_root();
    let ws = root.join("target/fuzz-crates").join(format!("c{slot}"));
    let _ = std::fs::remove_dir_all(&ws);
    std::fs::create_dir_all(&ws).map_err(|e| format!("cannot create {}: {e}", ws.display()))?;
    sdk_codegen::write::write_all(&ws.join("crate"), &generated.files)
        .map_err(|e| format!("cannot write the crate into {}: {e}", ws.display()))?;
    std::fs::write(
        ws.join("Cargo.toml"),
        "# Written by `cargo xtask fuzz`.\n[workspace]\nresolver = \"2\"\nmembers = [\"crate\"]\n",
    )
    .map_err(|e| e.to_string())?;
    let _ = std::fs::copy(root.join("Cargo.lock"), ws.join("Cargo.lock"));
    let started = Instant::now();
    let output = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--workspace", "--all-targets", "--all-features", "--message-format", "short"])
        .current_dir(&ws)
        .env("CARGO_TARGET_DIR", root.join("target/fixtures"))
        .env_remove("RUSTFLAGS")
        .output()
        .map_err(|e| format!("cannot run cargo check: {e}"))?;
    if output.status.success() {
        Ok(started.elapsed())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).take(20).collect();
        Err(format!("cargo check failed in {}:\n{}", ws.display(), errors.join("\n")))
    }
}

#[derive(Default)]
struct Tally {
    documents: usize,
    crates: usize,
    located: usize,
    panics: usize,
    unlocated: usize,
    other: usize,
    checked: usize,
    check_failed: usize,
    by_base: BTreeMap<usize, (usize, usize)>,
    /// The first error's message, names left out → how many refusals began with it.
    reasons: BTreeMap<String, usize>,
    /// The longest generation and its document.
    slowest: (Duration, usize),
}

/// A message with the names and numbers in it left out, cut short: what groups refusals.
fn reason(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '`' if !quoted => {
                quoted = true;
                out.push_str("`…");
            }
            '`' => {
                quoted = false;
                out.push('`');
            }
            _ if quoted => {}
            c if c.is_ascii_digit() => {}
            c => out.push(c),
        }
        if out.chars().count() >= 70 {
            break;
        }
    }
    out
}

/// One document taking longer than this is a failure (a 13 KB nest of schemas once took minutes).
const SLOW: Duration = Duration::from_secs(20);

pub fn run(args: &[String]) -> Result<(), String> {
    let args = parse(args)?;
    let bases = Arc::new(corpus()?);
    let raw = Arc::new(raw_documents());
    let (thread_bases, thread_raw) = (Arc::clone(&bases), Arc::clone(&raw));
    let started = Instant::now();
    let last_panic: LastPanic = Arc::default();
    let hook_slot = Arc::clone(&last_panic);
    let thread_panic = Arc::clone(&last_panic);
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let place = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        let text: String = payload.chars().take(300).collect();
        if let Ok(mut slot) = hook_slot.lock() {
            *slot = Some(format!("{place}: {text}"));
        }
    }));
    // The generator runs on a thread with the main thread's stack size (8 MiB), as `xtask codegen` does.
    let seed = args.seed;
    let only = args.only;
    let budget = args.budget;
    let max_docs = args.max_docs;
    let worker = std::thread::Builder::new().stack_size(8 << 20).spawn(move || {
        let mut tally = Tally::default();
        let mut failures: Vec<Failure> = Vec::new();
        let mut candidates = Candidates::new();
        let in_progress = failures_dir().join("in-progress.txt");
        let _ = std::fs::create_dir_all(failures_dir());
        let mut index = only.unwrap_or(0);
        let mut last_report = Instant::now();
        loop {
            if only.is_some_and(|o| index > o)
                || (only.is_none() && (started.elapsed() >= budget || max_docs.is_some_and(|m| index >= m)))
            {
                break;
            }
            let case = make_case(seed, index, &thread_bases, &thread_raw);
            // If the process dies (a stack overflow cannot be caught), this names the document.
            let _ = std::fs::write(&in_progress, format!("cargo xtask fuzz --seed {seed} --only {index}\n"));
            if only.is_some() {
                let base = thread_bases.get(case.base).map(|b| b.name.as_str()).unwrap_or("raw");
                println!(
                    "document {index}: base {base}, {} bytes, options {:?}, mutations:",
                    case.bytes.len(),
                    case.options
                );
                for m in &case.mutations {
                    println!("  {}", m.chars().take(200).collect::<String>());
                }
                if let Some(path) = save_failure(seed, &case, index, "(written by --only)", &thread_bases) {
                    println!("document written to {}", path.display());
                }
            }
            let took = Instant::now();
            let outcome = run_case(&case, &thread_panic);
            let took = took.elapsed();
            let mut found = judge(&case, &outcome);
            if took > SLOW {
                found.push((
                    Kind::Slow,
                    "slow".into(),
                    format!("{:.1} s for {} bytes", took.as_secs_f64(), case.bytes.len()),
                ));
            }
            if took > tally.slowest.0 {
                tally.slowest = (took, index);
            }
            tally.documents += 1;
            let entry = tally.by_base.entry(case.base).or_default();
            entry.0 += 1;
            match &outcome {
                Outcome::Crate(_) => {
                    tally.crates += 1;
                    entry.1 += 1;
                    if found.is_empty() && case.base != usize::MAX {
                        let best = candidates.entry(case.base).or_insert((0, index));
                        if case.mutations.len() > best.0 {
                            *best = (case.mutations.len(), index);
                        }
                    }
                }
                Outcome::Located(d) if found.is_empty() => {
                    tally.located += 1;
                    if let Some(first) = d.errors().next() {
                        *tally.reasons.entry(reason(&first.message)).or_default() += 1;
                    }
                }
                Outcome::Located(_) => {}
                Outcome::Panic(_) => tally.panics += 1,
            }
            if matches!(outcome, Outcome::Located(_)) && !found.is_empty() {
                if found.iter().any(|f| f.0 == Kind::Unlocated) {
                    tally.unlocated += 1;
                } else {
                    tally.other += 1;
                }
            }
            if matches!(outcome, Outcome::Crate(_)) && !found.is_empty() {
                tally.other += 1;
            }
            for (i, (kind, signature, detail)) in found.into_iter().enumerate() {
                if i == 0 {
                    save_failure(seed, &case, index, &detail, &thread_bases);
                }
                failures.push(Failure { kind, index, signature, detail });
            }
            if only.is_some() {
                match &outcome {
                    Outcome::Crate(g) => println!("crate: {} files, {} warnings", g.files.len(), g.warnings.0.len()),
                    Outcome::Located(d) => println!("diagnostics:\n{d}"),
                    Outcome::Panic(p) => println!("panic: {p}"),
                }
            }
            if last_report.elapsed() >= Duration::from_secs(15) {
                eprintln!(
                    "fuzz: {} documents, {} failures, {:.0} s",
                    tally.documents,
                    failures.len(),
                    started.elapsed().as_secs_f64()
                );
                last_report = Instant::now();
            }
            index += 1;
        }
        let _ = std::fs::remove_file(&in_progress);
        (tally, failures, candidates)
    });
    println!(
        "fuzz: seed {seed}, budget {} s; if the process dies (a stack overflow cannot be caught), {} names the document",
        budget.as_secs(),
        failures_dir().join("in-progress.txt").display()
    );
    let joined = worker.map_err(|e| format!("cannot start the fuzz thread: {e}"))?.join();
    std::panic::set_hook(previous_hook);
    let (mut tally, mut failures, candidates) = joined.map_err(|_| {
        let last = last_panic.lock().ok().and_then(|mut s| s.take()).unwrap_or_default();
        format!("the harness itself panicked (a bug in xtask/src/fuzz.rs, not the generator): {last}")
    })?;
    let mutation_time = started.elapsed();

    // The nastiest crates: most mutations, one per base document.
    let mut picks: Vec<(usize, usize)> = candidates.values().copied().collect();
    picks.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    picks.truncate(args.check_crates);
    let check_started = Instant::now();
    for (slot, (mutations, index)) in picks.iter().enumerate() {
        let case = make_case(seed, *index, &bases, &raw);
        let Ok(Ok(generated)) = catch_unwind(AssertUnwindSafe(|| generate(&case.bytes, &case.options))) else {
            continue;
        };
        tally.checked += 1;
        let base = bases.get(case.base).map(|b| b.name.as_str()).unwrap_or("raw");
        match check_crate(slot, &generated) {
            Ok(t) => println!(
                "checked document {index} ({base}, {mutations} mutations): compiles ({:.1} s)",
                t.as_secs_f64()
            ),
            Err(e) => {
                tally.check_failed += 1;
                save_failure(seed, &case, *index, &e, &bases);
                let sig = e.lines().nth(1).unwrap_or_default().chars().take(120).collect();
                failures.push(Failure { kind: Kind::CrateCheck, index: *index, signature: sig, detail: e });
            }
        }
    }
    let check_time = check_started.elapsed();

    // Figures.
    println!("\nfuzz: seed {seed}, {} base documents + {} raw ones", bases.len(), raw.len());
    println!("  documents tried              {}", tally.documents);
    println!("  generated a crate            {}", tally.crates);
    println!("  refused, every error located {}", tally.located);
    println!("  panics                       {}", tally.panics);
    println!("  refused with unlocated error {}", tally.unlocated);
    println!("  other failures               {}", tally.other);
    println!("  crates checked / failed      {} / {}", tally.checked, tally.check_failed);
    println!("  time: mutation {:.1} s, crate checks {:.1} s", mutation_time.as_secs_f64(), check_time.as_secs_f64());
    println!("  slowest document             {} ({:.2} s)", tally.slowest.1, tally.slowest.0.as_secs_f64());
    let mut reasons: Vec<(&String, &usize)> = tally.reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1));
    println!("  most common refusals (first error):");
    for (text, n) in reasons.iter().take(6) {
        println!("    {n:>5}  {text}");
    }
    println!("  per base (tried / crates):");
    let mut line = String::from("   ");
    for (base, (tried, crates)) in &tally.by_base {
        let name = bases.get(*base).map(|b| b.name.as_str()).unwrap_or("raw");
        let _ = write!(line, " {name} {tried}/{crates};");
    }
    println!("{line}");
    if failures.is_empty() {
        return Ok(());
    }
    failures.sort_by(|a, b| (a.kind, &a.signature, a.index).cmp(&(b.kind, &b.signature, b.index)));
    let mut groups: Vec<(Kind, String, Vec<&Failure>)> = Vec::new();
    for f in &failures {
        match groups.last_mut() {
            Some((k, s, members)) if *k == f.kind && *s == f.signature => members.push(f),
            _ => groups.push((f.kind, f.signature.clone(), vec![f])),
        }
    }
    println!(
        "\n{} failure(s) in {} group(s); documents in {}:",
        failures.len(),
        groups.len(),
        failures_dir().display()
    );
    for (kind, _, members) in &groups {
        let first = members[0];
        let indices: Vec<String> = members.iter().take(8).map(|m| m.index.to_string()).collect();
        println!(
            "- {} ×{} (documents {}): {}",
            kind.label(),
            members.len(),
            indices.join(", "),
            first.detail.lines().take(6).collect::<Vec<_>>().join("\n    ")
        );
    }
    Err(format!("{} failure(s); reproduce one with `cargo xtask fuzz --seed {seed} --only <document>`", failures.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_the_same_for_the_same_seed_and_index() {
        let bases = corpus().unwrap_or_default();
        let raw = raw_documents();
        let a = make_case(7, 40, &bases, &raw);
        let b = make_case(7, 40, &bases, &raw);
        assert_eq!(a.bytes, b.bytes);
        assert_eq!(a.mutations, b.mutations);
    }

    #[test]
    fn locations() {
        assert!(located("#/paths/~1a", "f.yaml"));
        assert!(located("f.yaml:3:4", "f.yaml"));
        assert!(located("f.yaml: #/openapi", "f.yaml"));
        assert!(located("f.yaml:1:1 (#)", "f.yaml"));
        assert!(located("--crate-name", "f.yaml"));
        assert!(!located("", "f.yaml"));
        assert!(!located("src/lib.rs", "f.yaml"));
    }
}
