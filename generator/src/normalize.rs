//! Between load and validate: references the model does not follow become ones it does. A path
//! item, parameter, request body or response given by `$ref` to anywhere in the document is
//! inlined; a schema `$ref` that points anywhere but an entry of `#/components/schemas` (into
//! another operation's schema, say) makes its target a component of its own, which both places
//! then reference. Dangling and external references are left for `validate` to report.

use crate::diagnostics::{unescape_uri, Diagnostic, Diagnostics};
use crate::model::type_name;
use openapiv3::OpenAPI;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const SCHEMAS: &str = "#/components/schemas/";

/// Rewrites the document when it has references to normalise; otherwise returns it unchanged.
pub fn normalize(openapi: OpenAPI) -> Result<OpenAPI, Diagnostics> {
    let Ok(mut doc) = serde_json::to_value(&openapi) else { return Ok(openapi) };
    let original = doc.clone();
    let mut hoisted: BTreeMap<String, String> = BTreeMap::new();
    walk(&original, &mut doc, &mut Vec::new(), &mut hoisted, &mut Vec::new(), 0);
    if hoisted.is_empty() && doc == original {
        return Ok(openapi);
    }
    // Each hoisted target becomes a component, and its own place refers to it. Deepest first, so a
    // target inside another one is already a reference when the outer one moves; the content is
    // taken from the rewritten document, so references inside it are rewritten too.
    let mut order: Vec<(&String, &String)> = hoisted.iter().collect();
    order.sort_by_key(|(target, _)| std::cmp::Reverse(target.len()));
    for (target, name) in order {
        let Some(slot) = doc.pointer_mut(&unescape_uri(target.trim_start_matches('#'))) else { continue };
        let schema = std::mem::replace(slot, reference(&format!("{SCHEMAS}{name}")));
        if let Some(schemas) = doc
            .as_object_mut()
            .map(|d| d.entry("components").or_insert_with(|| Value::Object(Map::new())))
            .and_then(Value::as_object_mut)
            .map(|c| c.entry("schemas").or_insert_with(|| Value::Object(Map::new())))
            .and_then(Value::as_object_mut)
        {
            schemas.insert(name.clone(), schema);
        }
    }
    let misfit = first_misfit(&doc);
    serde_path_to_error::deserialize::<_, OpenAPI>(doc).map_err(|e| {
        let mut pointer = String::from("#");
        for segment in e.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                serde_path_to_error::Segment::Map { key } => {
                    pointer.push('/');
                    pointer.push_str(&crate::diagnostics::escape_token(key));
                }
                serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
            }
        }
        let (pointer, problem) = match misfit {
            Some((at, why)) => (at, why),
            None => (pointer, e.inner().to_string()),
        };
        Diagnostics::single(Diagnostic::error(
            pointer,
            format!(
                "after following its `$ref`, this is not valid OpenAPI ({problem}): the reference points at something \
                 of another kind (a schema where a parameter or response belongs, say); point it at an entry of \
                 the matching #/components section"
            ),
        ))
    })
}

fn reference(target: &str) -> Value {
    Value::Object(Map::from_iter([("$ref".to_owned(), Value::String(target.to_owned()))]))
}

fn resolve<'v>(doc: &'v Value, target: &str) -> Option<&'v Value> {
    doc.pointer(&unescape_uri(target.strip_prefix('#')?))
}

/// What a `$ref` stands for, judged by where it is.
#[derive(PartialEq)]
enum Position {
    Schema,
    Inline,
    Other,
}

fn position(path: &[String]) -> Position {
    let n = path.len();
    let last = path.last().map(String::as_str).unwrap_or_default();
    let parent = if n >= 2 { path[n - 2].as_str() } else { "" };
    let grand = if n >= 3 { path[n - 3].as_str() } else { "" };
    match (grand, parent, last) {
        (_, "paths", _) => Position::Inline,
        (_, "parameters", _) | (_, _, "requestBody") | (_, "responses", _) if grand != "components" => Position::Inline,
        (_, _, "schema" | "items" | "additionalProperties" | "not") => Position::Schema,
        (_, "allOf" | "oneOf" | "anyOf" | "properties", _) => Position::Schema,
        ("components", "schemas", _) => Position::Schema,
        _ => Position::Other,
    }
}

/// `inlining`: the targets being inlined around `node`; one met again inside its own copy (a path
/// item that is `$ref: '#'`, say) is left as a reference for the model to refuse, where inlining it
/// again would copy the document into itself at every level.
fn walk(
    original: &Value,
    node: &mut Value,
    path: &mut Vec<String>,
    hoisted: &mut BTreeMap<String, String>,
    inlining: &mut Vec<String>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    if let Value::Object(map) = node {
        if let Some(Value::String(target)) = map.get("$ref").cloned() {
            match position(path) {
                Position::Inline if !is_component_entry(&target, path) && !inlining.contains(&target) => {
                    if let Some(found) = follow(original, &target) {
                        let mut inlined = found.clone();
                        // Siblings of the `$ref` (a path item's own parameters, say) win.
                        if let (Value::Object(into), Value::Object(siblings)) = (&mut inlined, &*node) {
                            for (k, v) in siblings.iter().filter(|(k, _)| *k != "$ref") {
                                into.insert(k.clone(), v.clone());
                            }
                        }
                        *node = inlined;
                        inlining.push(target);
                        walk(original, node, path, hoisted, inlining, depth + 1);
                        inlining.pop();
                        return;
                    }
                }
                Position::Schema
                    if !is_schema_entry(&target)
                        && is_schema_position(&target)
                        && follow(original, &target).is_some() =>
                {
                    let name = match hoisted.get(&target) {
                        Some(name) => name.clone(),
                        None => {
                            let name = unique_name(original, hoisted, &target);
                            hoisted.insert(target.clone(), name.clone());
                            name
                        }
                    };
                    map.insert("$ref".to_owned(), Value::String(format!("{SCHEMAS}{name}")));
                }
                _ => {}
            }
            return;
        }
    }
    match node {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k.starts_with("x-") {
                    continue;
                }
                path.push(k.clone());
                walk(original, v, path, hoisted, inlining, depth + 1);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                walk(original, v, path, hoisted, inlining, depth + 1);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The first parameter, request body or response of an operation that is not one (after inlining),
/// with its JSON pointer: the typed parse of the whole document cannot say where inside `paths`.
fn first_misfit(doc: &Value) -> Option<(String, String)> {
    use openapiv3::{Parameter, ReferenceOr, RequestBody, Response};
    fn check<T: serde::de::DeserializeOwned>(v: &Value, at: String) -> Option<(String, String)> {
        serde_json::from_value::<ReferenceOr<T>>(v.clone()).err().map(|e| (at, e.to_string()))
    }
    let paths = doc.get("paths")?.as_object()?;
    for (path, item) in paths {
        let base = format!("#/paths/{}", crate::diagnostics::escape_token(path));
        for (i, p) in item.get("parameters").and_then(Value::as_array).into_iter().flatten().enumerate() {
            if let Some(found) = check::<Parameter>(p, format!("{base}/parameters/{i}")) {
                return Some(found);
            }
        }
        for (method, op) in item.as_object().into_iter().flatten() {
            if !matches!(method.as_str(), "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace") {
                continue;
            }
            let at = format!("{base}/{method}");
            for (i, p) in op.get("parameters").and_then(Value::as_array).into_iter().flatten().enumerate() {
                if let Some(found) = check::<Parameter>(p, format!("{at}/parameters/{i}")) {
                    return Some(found);
                }
            }
            if let Some(found) =
                op.get("requestBody").and_then(|b| check::<RequestBody>(b, format!("{at}/requestBody")))
            {
                return Some(found);
            }
            let responses = op.get("responses").and_then(Value::as_object).into_iter().flatten();
            for (status, r) in responses.filter(|(k, _)| !k.starts_with("x-")) {
                let rat = format!("{at}/responses/{}", crate::diagnostics::escape_token(status));
                if let Some(found) = check::<Response>(r, rat) {
                    return Some(found);
                }
            }
        }
    }
    None
}

/// Follows a chain of references to the first non-reference (at most 32 hops).
fn follow<'v>(doc: &'v Value, target: &str) -> Option<&'v Value> {
    let mut current = resolve(doc, target)?;
    for _ in 0..32 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(next) => current = resolve(doc, next)?,
            None => return Some(current),
        }
    }
    None
}

/// Whether a pointer names a place where a schema can stand (a `schema` of a parameter, body or
/// response, or a part of a schema); `#/paths`, `#/info` or `#/components` are not, and hoisting them
/// would turn half the document into a "schema". Such a reference is left for the model to refuse.
fn is_schema_position(target: &str) -> bool {
    let last = target.rsplit('/').next().unwrap_or_default();
    let parent = target.rsplit('/').nth(1).unwrap_or_default();
    last == "schema"
        || matches!(last, "items" | "additionalProperties" | "not")
        || matches!(parent, "properties" | "allOf" | "oneOf" | "anyOf")
        || target.strip_prefix(SCHEMAS).is_some_and(|rest| !rest.is_empty())
}

fn is_schema_entry(target: &str) -> bool {
    target.strip_prefix(SCHEMAS).is_some_and(|rest| !rest.contains('/'))
}

/// A reference to the components section the model reads for this position.
fn is_component_entry(target: &str, path: &[String]) -> bool {
    let section = match path.iter().rev().nth(1).map(String::as_str) {
        Some("parameters") => "#/components/parameters/",
        Some("responses") => "#/components/responses/",
        _ if path.last().is_some_and(|l| l == "requestBody") => "#/components/requestBodies/",
        _ => return false,
    };
    target.strip_prefix(section).is_some_and(|rest| !rest.contains('/'))
}

/// A component name from the pointer's meaningful words. Inside an operation the operationId leads:
/// `#/paths/~1pets/get/responses/200/content/application~1json/schema` → `ListPetsResponse200`.
fn unique_name(doc: &Value, taken: &BTreeMap<String, String>, target: &str) -> String {
    const NOISE: &[&str] = &["paths", "components", "schemas", "content", "schema", "properties", "items"];
    let tokens: Vec<String> = target
        .trim_start_matches("#/")
        .split('/')
        .map(|t| unescape_uri(t).replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut words: Vec<String> = Vec::new();
    let mut rest: &[String] = &tokens;
    if tokens.first().is_some_and(|t| t == "paths") && tokens.len() > 2 {
        let op = format!("/paths/{}/{}", tokens[1].replace('~', "~0").replace('/', "~1"), tokens[2]);
        if let Some(id) = doc.pointer(&op).and_then(|o| o.get("operationId")).and_then(Value::as_str) {
            words.push(id.to_owned());
            rest = &tokens[3..];
        }
    }
    for t in rest {
        match t.as_str() {
            "responses" => words.push("Response".into()),
            "requestBody" => words.push("Request".into()),
            "parameters" => words.push("Param".into()),
            t if NOISE.contains(&t) || t.contains('/') || t.is_empty() => {}
            t => words.push(t.to_owned()),
        }
    }
    let base = type_name(&words.join(" "));
    let base = if base.is_empty() { "Schema".to_owned() } else { base };
    let existing = doc.pointer("/components/schemas").and_then(Value::as_object);
    let free = |name: &str| !existing.is_some_and(|s| s.contains_key(name)) && !taken.values().any(|v| v == name);
    if free(&base) {
        return base;
    }
    (2..).map(|i| format!("{base}{i}")).find(|n| free(n)).unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(yaml: &str) -> OpenAPI {
        serde_yaml::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn hoists_schemas_referenced_inside_operations_and_inlines_path_items() {
        let doc = load(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    get:\n      operationId: list\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {type: object, properties: {id: {type: string}}}\n  /more:\n    $ref: '#/paths/~1pets'\n  /one:\n    get:\n      operationId: one\n      parameters:\n        - $ref: '#/paths/~1two/get/parameters/0'\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/paths/~1pets/get/responses/200/content/application~1json/schema'}\n  /two:\n    get:\n      operationId: two\n      parameters:\n        - {name: q, in: query, schema: {type: string}}\n      responses:\n        '204': {description: none}\n",
        );
        let out = normalize(doc).unwrap_or_else(|e| panic!("{e:?}"));
        let json = serde_json::to_value(&out).unwrap_or_default();
        assert_eq!(
            json.pointer("/components/schemas/ListResponse200/properties/id/type"),
            Some(&Value::from("string"))
        );
        assert_eq!(
            json.pointer("/paths/~1one/get/responses/200/content/application~1json/schema/$ref"),
            Some(&Value::from("#/components/schemas/ListResponse200"))
        );
        assert_eq!(
            json.pointer("/paths/~1pets/get/responses/200/content/application~1json/schema/$ref"),
            Some(&Value::from("#/components/schemas/ListResponse200"))
        );
        assert_eq!(json.pointer("/paths/~1more/get/operationId"), Some(&Value::from("list")));
        assert_eq!(json.pointer("/paths/~1one/get/parameters/0/name"), Some(&Value::from("q")));
    }
}
