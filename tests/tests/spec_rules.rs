//! The rules of `spec/trustx.yaml`, checked on the generator's own model (`sdk_codegen::build_model`):
//! one reading of the spec, no second parser. The generic rules (every `$ref` resolves, path
//! parameters are declared, listed error codes exist in their service's registry, operationIds are
//! unique) live in the generator; here the spec must pass them without a single warning, and mutated
//! copies prove the generator rejects what breaks them. The TrustX conventions (counts, permission
//! grammar, services) are assertions on the model.

use sdk_codegen::model::{Api, Operation, PathPiece};
use sdk_codegen::{build_model, Diagnostics};
use std::collections::BTreeSet;

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

/// Totals of the vendor reference (operations without `x-evidence`).
const OPERATIONS: usize = 150;
const PERMISSIONS: usize = 147;
const DEPRECATED: usize = 115;
const BETA: usize = 2;

fn spec_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/trustx.yaml");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn model_of(text: &str) -> Result<(sdk_codegen::load::LoadedSpec, Api, Diagnostics), Diagnostics> {
    build_model(text.as_bytes(), "spec/trustx.yaml")
}

fn model() -> (sdk_codegen::load::LoadedSpec, Api) {
    match model_of(&spec_text()) {
        Ok((spec, api, warnings)) => {
            assert!(warnings.0.is_empty(), "the spec must generate without warnings:\n{warnings}");
            (spec, api)
        }
        Err(d) => panic!("the spec does not model:\n{d}"),
    }
}

fn operations(api: &Api) -> impl Iterator<Item = (&str, &Operation)> {
    api.services.iter().flat_map(|s| s.operations.iter().map(move |o| (s.tag.as_str(), o)))
}

/// Operations of the vendor reference (the others carry `x-evidence`).
fn reference_operations(api: &Api) -> Vec<&Operation> {
    operations(api).map(|(_, o)| o).filter(|o| o.evidence.is_empty()).collect()
}

#[test]
fn the_spec_models_without_a_single_warning() {
    model();
}

#[test]
fn counts_match_the_reference() {
    let (_, api) = model();
    let ops = reference_operations(&api);
    assert_eq!(ops.len(), OPERATIONS, "operations of the reference");
    assert_eq!(ops.iter().filter(|o| o.permission.is_some()).count(), PERMISSIONS, "with x-permission");
    assert_eq!(ops.iter().filter(|o| o.deprecated).count(), DEPRECATED, "deprecated");
    assert_eq!(ops.iter().filter(|o| o.beta).count(), BETA, "beta");
}

#[test]
fn operation_ids_are_lower_camel_case() {
    let (_, api) = model();
    let bad: Vec<String> = operations(&api)
        .filter(|(_, o)| {
            !(o.operation_id.starts_with(|c: char| c.is_ascii_lowercase())
                && o.operation_id.chars().all(|c| c.is_ascii_alphanumeric()))
                || o.derived_id
        })
        .map(|(_, o)| format!("{}: `{}`", o.pointer, o.operation_id))
        .collect();
    assert!(bad.is_empty(), "not lowerCamelCase (or missing):\n{}", bad.join("\n"));
}

#[test]
fn permissions_follow_the_trustx_grammar_and_only_three_lack_one() {
    let (_, api) = model();
    let mut problems = Vec::new();
    let mut without = BTreeSet::new();
    for o in reference_operations(&api) {
        match &o.permission {
            None => {
                without.insert(o.operation_id.clone());
            }
            Some(p) => {
                let t = &p.template;
                let tenant = t
                    .strip_prefix("TNT#")
                    .and_then(|r| r.split_once('#'))
                    .filter(|(tenant, _)| tenant.starts_with('{') && tenant.ends_with('}'));
                let rest = match tenant {
                    Some((_, rest)) => Some(rest),
                    None => t.strip_prefix("SYS#"),
                };
                let ok = rest.and_then(|r| r.split_once(':')).is_some_and(|(svc, action)| {
                    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    ident(svc) && ident(action)
                });
                if !ok {
                    problems.push(format!(
                        "{}/x-permission: `{t}` is not `TNT#{{tenant}}#Service:action` or `SYS#Service:action`",
                        o.pointer
                    ));
                }
            }
        }
    }
    let expected: BTreeSet<String> = WITHOUT_PERMISSION.iter().map(|s| s.to_string()).collect();
    assert_eq!(without, expected, "operations without x-permission");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_operation_is_in_the_service_of_its_path() {
    let (spec, api) = model();
    let tags: BTreeSet<&str> = api.services.iter().map(|s| s.tag.as_str()).collect();
    assert_eq!(tags, SERVICES.into_iter().collect(), "the eight services");
    let mut problems = Vec::new();
    for (path, item) in &spec.openapi.paths.paths {
        let Some(item) = item.as_item() else { continue };
        for (method, op) in item.iter() {
            let at = format!("{method} {path}");
            match op.tags.as_slice() {
                [one] if path.starts_with(&format!("/api/{one}/")) => {}
                [one] => problems.push(format!("{at}: tag `{one}` is not the service in the path")),
                other => problems.push(format!("{at}: {} tags, expected exactly one", other.len())),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn path_parameters_are_exactly_the_template_s() {
    let (_, api) = model();
    let mut problems = Vec::new();
    for (_, o) in operations(&api) {
        let template: Vec<&str> = o
            .path_parts
            .iter()
            .filter_map(|p| match p {
                PathPiece::Param(n) => Some(n.as_str()),
                PathPiece::Literal(_) => None,
            })
            .collect();
        let declared: Vec<&str> = o
            .params
            .iter()
            .filter(|p| p.location == sdk_codegen::model::ParamLocation::Path)
            .map(|p| p.wire_name.as_str())
            .collect();
        if template != declared {
            problems.push(format!("{}: template {template:?}, declared {declared:?}", o.pointer));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn listed_error_codes_are_unique_per_response() {
    let (_, api) = model();
    let mut problems = Vec::new();
    for (_, o) in operations(&api) {
        for r in &o.responses {
            let codes: Vec<i64> = r.error_codes.iter().map(|(c, _)| *c).collect();
            let unique: BTreeSet<i64> = codes.iter().copied().collect();
            if unique.len() != codes.len() {
                problems.push(format!("{}/responses/{}: repeated codes {codes:?}", o.pointer, r.status_key));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The generator, not a second parser, enforces the generic rules: each mutation of the real spec is
/// refused (or warned about) at the right place.
#[test]
fn the_generator_rejects_what_breaks_the_rules() {
    let text = spec_text();
    let cases: [(&str, &str, &str, &str); 3] = [
        (
            // A code the service's registry does not define.
            "x-error-codes: [20]",
            "x-error-codes: [20, 999999]",
            "999999",
            "/responses/404/x-error-codes",
        ),
        (
            // A dangling reference.
            "$ref: '#/components/schemas/Watchlist'",
            "$ref: '#/components/schemas/NoSuchSchema'",
            "does not resolve",
            "$ref",
        ),
        (
            // A path parameter the operation does not declare.
            "/api/arthr/apiKeys/{apiKeyId}:",
            "/api/arthr/apiKeys/{apiKeyId}/{undeclared}:",
            "`{undeclared}` is not declared",
            "#/paths/~1api~1arthr~1apiKeys~1{apiKeyId}~1{undeclared}",
        ),
    ];
    for (from, to, message, location) in cases {
        assert!(text.contains(from), "the spec no longer contains `{from}`; update this test");
        let broken = text.replacen(from, to, 1);
        let diags = match model_of(&broken) {
            Err(d) => d,
            Ok((_, _, warnings)) => warnings,
        };
        assert!(
            diags.0.iter().any(|d| d.message.contains(message) && d.location.contains(location)),
            "replacing `{from}` with `{to}`: no diagnostic saying `{message}` at `{location}`:\n{diags}"
        );
    }
}
