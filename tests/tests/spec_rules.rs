//! Structural rules of the hand-maintained `spec/trustx.yaml` that the code generator relies on.
//!
//! Every failure message names the JSON pointer of the offending node, e.g.
//! `#/paths/~1api~1arthr~1apiKeys/get/operationId`.

use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

const SERVICES: [&str; 8] = [
    "arthr",
    "process-server",
    "process-manager",
    "metrics-server",
    "userdata-server",
    "theme-server",
    "watchlist-manager",
    "identity-store",
];

/// The three operations the vendor reference documents without an "API Permissions" line.
const WITHOUT_PERMISSION: [&str; 3] = ["issueToken", "continueProcess", "startProcess"];

const OPERATIONS: usize = 150;
const PERMISSIONS: usize = 147;
const DEPRECATED: usize = 115;
const BETA: usize = 2;

fn load() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/trustx.yaml");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("cannot parse {path}: {e}"))
}

/// Escapes one JSON pointer token (RFC 6901).
fn esc(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn ptr(tokens: &[&str]) -> String {
    let mut s = String::from("#");
    for t in tokens {
        s.push('/');
        s.push_str(&esc(t));
    }
    s
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping().and_then(|m| m.get(Value::String(key.to_string())))
}

struct Op<'a> {
    path: String,
    method: &'static str,
    op: &'a Value,
    path_item: &'a Value,
}

impl Op<'_> {
    fn ptr(&self, rest: &[&str]) -> String {
        let mut tokens = vec!["paths", self.path.as_str(), self.method];
        tokens.extend_from_slice(rest);
        ptr(&tokens)
    }
}

fn operations(doc: &Value) -> Vec<Op<'_>> {
    let paths = get(doc, "paths").and_then(Value::as_mapping).expect("#/paths is a mapping");
    let mut out = Vec::new();
    for (k, item) in paths {
        let path = k.as_str().expect("path keys are strings").to_string();
        for m in METHODS {
            if let Some(op) = get(item, m) {
                out.push(Op { path: path.clone(), method: m, op, path_item: item });
            }
        }
    }
    out
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    get(v, key).and_then(Value::as_str)
}

fn bool_field(v: &Value, key: &str) -> bool {
    get(v, key).and_then(Value::as_bool).unwrap_or(false)
}

#[test]
fn counts_match_the_reference() {
    let doc = load();
    let ops = operations(&doc);
    assert_eq!(ops.len(), OPERATIONS, "#/paths: expected {OPERATIONS} operations");
    let perms = ops.iter().filter(|o| get(o.op, "x-permission").is_some()).count();
    assert_eq!(perms, PERMISSIONS, "#/paths: expected {PERMISSIONS} operations with x-permission");
    let dep = ops.iter().filter(|o| bool_field(o.op, "deprecated")).count();
    assert_eq!(dep, DEPRECATED, "#/paths: expected {DEPRECATED} deprecated operations");
    let beta = ops.iter().filter(|o| bool_field(o.op, "x-beta")).count();
    assert_eq!(beta, BETA, "#/paths: expected {BETA} beta operations");
}

#[test]
fn operation_ids_are_unique_lower_camel_case() {
    let doc = load();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for o in operations(&doc) {
        let p = o.ptr(&["operationId"]);
        match str_field(o.op, "operationId") {
            None => problems.push(format!("{p}: missing operationId")),
            Some(id) => {
                let ok = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && id.chars().all(|c| c.is_ascii_alphanumeric());
                if !ok {
                    problems.push(format!("{p}: `{id}` is not lowerCamelCase"));
                }
                if let Some(prev) = seen.insert(id.to_string(), p.clone()) {
                    problems.push(format!("{p}: operationId `{id}` already used at {prev}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn permissions_present_except_the_documented_three() {
    let doc = load();
    let mut problems = Vec::new();
    let mut without = BTreeSet::new();
    for o in operations(&doc) {
        let id = str_field(o.op, "operationId").unwrap_or("");
        match get(o.op, "x-permission") {
            None => {
                without.insert(id.to_string());
                if !WITHOUT_PERMISSION.contains(&id) {
                    problems.push(format!("{}: operation `{id}` has no x-permission", o.ptr(&[])));
                }
            }
            Some(v) => {
                let p = o.ptr(&["x-permission"]);
                match v.as_str() {
                    None => problems.push(format!("{p}: x-permission is not a string")),
                    Some(s) if !(s.starts_with("TNT#") || s.starts_with("SYS#")) || !s.contains(':') => {
                        problems.push(format!(
                            "{p}: `{s}` does not look like `TNT#{{tenant}}#Service:action` or `SYS#Service:action`"
                        ))
                    }
                    Some(_) => {}
                }
                if WITHOUT_PERMISSION.contains(&id) {
                    problems.push(format!("{p}: `{id}` must not have a permission"));
                }
            }
        }
    }
    let expected: BTreeSet<String> = WITHOUT_PERMISSION.iter().map(|s| s.to_string()).collect();
    if without != expected {
        problems.push(format!("#/paths: operations without x-permission are {without:?}, expected {expected:?}"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn error_codes_are_defined_in_the_service_registry() {
    let doc = load();
    let registry = get(&doc, "components").and_then(|c| get(c, "x-error-codes"));
    let registry = registry.and_then(Value::as_mapping).expect("#/components/x-error-codes is a mapping");
    let mut problems = Vec::new();
    // Registry shape: keys are services, codes are quoted strings with a name and a description.
    for (svc, codes) in registry {
        let svc = svc.as_str().unwrap_or("?");
        if !SERVICES.contains(&svc) {
            problems.push(format!("{}: unknown service", ptr(&["components", "x-error-codes", svc])));
        }
        for (code, def) in codes.as_mapping().into_iter().flatten() {
            let p = ptr(&["components", "x-error-codes", svc, code.as_str().unwrap_or("?")]);
            match code.as_str() {
                Some(c) if c.parse::<u32>().is_ok() => {}
                _ => problems.push(format!("{p}: code key must be a quoted integer string, found {code:?}")),
            }
            let name = str_field(def, "name").unwrap_or("");
            if !name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                || !name.chars().all(|c| c.is_ascii_alphanumeric())
            {
                problems.push(format!("{p}/name: `{name}` is not UpperCamelCase"));
            }
            if str_field(def, "description").is_none() {
                problems.push(format!("{p}/description: missing"));
            }
        }
    }
    let mut lists = 0;
    let mut listed = 0;
    for o in operations(&doc) {
        let tag = get(o.op, "tags")
            .and_then(Value::as_sequence)
            .and_then(|t| t.first())
            .and_then(Value::as_str)
            .unwrap_or("");
        let Some(responses) = get(o.op, "responses").and_then(Value::as_mapping) else { continue };
        for (status, resp) in responses {
            let status = status.as_str().map(str::to_string).unwrap_or_else(|| format!("{:?}", status));
            let Some(list) = get(resp, "x-error-codes") else { continue };
            lists += 1;
            let base = o.ptr(&["responses", &status, "x-error-codes"]);
            let Some(items) = list.as_sequence() else {
                problems.push(format!("{base}: not a list"));
                continue;
            };
            for (i, item) in items.iter().enumerate() {
                listed += 1;
                let p = format!("{base}/{i}");
                let code = match item {
                    Value::Number(n) => n.as_u64(),
                    Value::Mapping(_) => {
                        if str_field(item, "description").is_none() {
                            problems.push(format!("{p}/description: missing"));
                        }
                        get(item, "code").and_then(Value::as_u64)
                    }
                    _ => None,
                };
                let Some(code) = code else {
                    problems.push(format!("{p}: neither an integer nor {{code: integer, description}}"));
                    continue;
                };
                let defined = registry
                    .get(Value::String(tag.to_string()))
                    .and_then(|r| r.as_mapping())
                    .is_some_and(|r| r.contains_key(Value::String(code.to_string())));
                if !defined {
                    problems.push(format!(
                        "{p}: code {code} is not defined in {}",
                        ptr(&["components", "x-error-codes", tag])
                    ));
                }
            }
        }
    }
    assert_eq!(lists, 151, "#/paths: expected 151 responses with x-error-codes");
    assert_eq!(listed, 592, "#/paths: expected 592 listed error codes");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn params_of<'a>(doc: &'a Value, v: &'a Value) -> Vec<(usize, &'a Value)> {
    get(v, "parameters")
        .and_then(Value::as_sequence)
        .map(|s| s.iter().enumerate().map(|(i, p)| (i, deref(doc, p))).collect())
        .unwrap_or_default()
}

fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match str_field(v, "$ref") {
        Some(r) => resolve(doc, r).unwrap_or(v),
        None => v,
    }
}

#[test]
fn path_parameters_match_the_template() {
    let doc = load();
    let mut problems = Vec::new();
    for o in operations(&doc) {
        let template: BTreeSet<String> = o
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_string)
            .collect();
        let mut declared = BTreeMap::new();
        // Path-item level parameters count, operation level overrides them.
        for (i, p) in params_of(&doc, o.path_item) {
            if str_field(p, "in") == Some("path") {
                let name = str_field(p, "name").unwrap_or("").to_string();
                declared.insert(name, (ptr(&["paths", &o.path, "parameters", &i.to_string()]), p));
            }
        }
        for (i, p) in params_of(&doc, o.op) {
            if str_field(p, "in") == Some("path") {
                let name = str_field(p, "name").unwrap_or("").to_string();
                declared.insert(name, (o.ptr(&["parameters", &i.to_string()]), p));
            }
        }
        for name in &template {
            match declared.get(name) {
                None => problems.push(format!("{}: path parameter `{name}` is not declared", o.ptr(&["parameters"]))),
                Some((p, v)) => {
                    if get(v, "required").and_then(Value::as_bool) != Some(true) {
                        problems.push(format!("{p}: path parameter `{name}` must be required: true"));
                    }
                }
            }
        }
        for (name, (p, _)) in &declared {
            if !template.contains(name) {
                problems.push(format!("{p}: path parameter `{name}` is not in the template `{}`", o.path));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix("#/")?;
    let mut v = doc;
    for token in pointer.split('/') {
        let token = token.replace("~1", "/").replace("~0", "~");
        v = match v {
            Value::Mapping(m) => m.get(Value::String(token))?,
            Value::Sequence(s) => s.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

fn collect_refs(v: &Value, here: &mut Vec<String>, out: &mut Vec<(String, String)>) {
    match v {
        Value::Mapping(m) => {
            for (k, child) in m {
                let key = k.as_str().map(str::to_string).unwrap_or_else(|| format!("{k:?}"));
                if key == "$ref" {
                    if let Some(r) = child.as_str() {
                        let tokens: Vec<&str> = here.iter().map(String::as_str).collect();
                        out.push((ptr(&tokens), r.to_string()));
                    }
                }
                here.push(key);
                collect_refs(child, here, out);
                here.pop();
            }
        }
        Value::Sequence(s) => {
            for (i, child) in s.iter().enumerate() {
                here.push(i.to_string());
                collect_refs(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[test]
fn every_ref_resolves() {
    let doc = load();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut Vec::new(), &mut refs);
    assert!(!refs.is_empty(), "#: no $ref found at all");
    let problems: Vec<String> = refs
        .iter()
        .filter(|(_, r)| resolve(&doc, r).is_none())
        .map(|(p, r)| format!("{p}/$ref: `{r}` does not resolve"))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_operation_has_exactly_one_known_service_tag() {
    let doc = load();
    let mut problems = Vec::new();
    let top: Vec<&str> = get(&doc, "tags")
        .and_then(Value::as_sequence)
        .map(|s| s.iter().filter_map(|t| str_field(t, "name")).collect())
        .unwrap_or_default();
    if top != SERVICES {
        problems.push(format!("#/tags: expected exactly {SERVICES:?}, found {top:?}"));
    }
    for o in operations(&doc) {
        let p = o.ptr(&["tags"]);
        let tags: Vec<&str> = get(o.op, "tags")
            .and_then(Value::as_sequence)
            .map(|s| s.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        match tags.as_slice() {
            [t] if SERVICES.contains(t) => {
                let service = o.path.split('/').nth(2).unwrap_or("");
                if *t != service {
                    problems.push(format!("{p}: tag `{t}` differs from the service in the path (`{service}`)"));
                }
            }
            _ => problems.push(format!("{p}: expected exactly one of {SERVICES:?}, found {tags:?}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
