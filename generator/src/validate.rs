//! Stage 2, validate: document-wide checks that need no model, every problem collected with a pointer.
//!
//! The model stage adds the checks that need resolved structure (undeclared path parameters,
//! duplicate operationIds, unsupported constructs); both report all they find, not the first.

use crate::diagnostics::{escape_token, pointer, unescape_uri, Diagnostic, Diagnostics};
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind};
use serde_json::Value;
use std::collections::BTreeSet;

/// Checks every `$ref` resolves inside the document, paths are well formed, and no schema is
/// defined only through a cycle of references.
pub fn validate(spec: &OpenAPI) -> Diagnostics {
    let mut diags = Diagnostics::default();
    match serde_json::to_value(spec) {
        Ok(doc) => check_refs(&doc, &doc, "#", &mut diags),
        Err(e) => diags.push(Diagnostic::error("#", format!("the document cannot be re-read as JSON: {e}"))),
    }
    for path in spec.paths.paths.keys() {
        if !path.starts_with('/') {
            diags.push(Diagnostic::error(pointer(&["paths", path]), "paths must start with `/`"));
        }
        let opens = path.matches('{').count();
        if opens != path.matches('}').count() {
            diags.push(Diagnostic::error(pointer(&["paths", path]), "unbalanced `{` `}` in the path template"));
        }
    }
    if spec.paths.paths.is_empty() {
        diags.push(Diagnostic::warning("#/paths", "the document has no paths; the SDK will have no operations"));
    }
    check_reference_cycles(spec, &mut diags);
    diags
}

fn check_refs(doc: &Value, node: &Value, at: &str, diags: &mut Diagnostics) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let here = format!("{at}/$ref");
                match r.strip_prefix('#') {
                    Some(ptr) if doc.pointer(&unescape_uri(ptr)).is_some() => {}
                    Some(_) => diags.push(Diagnostic::error(
                        here,
                        format!("`$ref: {r}` does not resolve; no such entry in this document"),
                    )),
                    None => diags.push(Diagnostic::error(
                        here,
                        format!("`$ref: {r}` points outside this document; external references are not supported, inline them"),
                    )),
                }
            }
            for (k, v) in map {
                // Extensions are free-form: a `$ref` inside them is data, not a reference.
                if k.starts_with("x-") {
                    continue;
                }
                check_refs(doc, v, &format!("{at}/{}", escape_token(k)), diags);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_refs(doc, v, &format!("{at}/{i}"), diags);
            }
        }
        _ => {}
    }
}

/// The reference a schema is nothing but: `$ref: X`, or `allOf: [{$ref: X}]`.
fn only_reference(schema: &ReferenceOr<Schema>) -> Option<&str> {
    match schema {
        ReferenceOr::Reference { reference } => Some(reference),
        ReferenceOr::Item(s) => match &s.schema_kind {
            SchemaKind::AllOf { all_of } => match all_of.as_slice() {
                [ReferenceOr::Reference { reference }] => Some(reference),
                _ => None,
            },
            _ => None,
        },
    }
}

fn check_reference_cycles(spec: &OpenAPI, diags: &mut Diagnostics) {
    let Some(components) = &spec.components else { return };
    for (key, schema) in &components.schemas {
        let mut seen = BTreeSet::new();
        let mut current = schema;
        let mut name = key.as_str();
        // A schema that is only `allOf: [$ref]` is that reference too (the model makes it an alias).
        while let Some(reference) = only_reference(current) {
            if !seen.insert(name.to_string()) {
                diags.push(Diagnostic::error(
                    pointer(&["components", "schemas", key]),
                    format!(
                        "this schema is only a reference to itself (through {}); give it a real definition",
                        seen.iter().cloned().collect::<Vec<_>>().join(" → ")
                    ),
                ));
                break;
            }
            let Some(next) = reference.strip_prefix("#/components/schemas/") else { break };
            let Some(target) = components.schemas.get(next) else { break };
            name = next;
            current = target;
        }
    }
}
