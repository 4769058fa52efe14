//! The rules of the hand-maintained `spec/trustx.yaml`, checked on the generator's own reading of it.
//!
//! The OpenAPI rules the generator relies on (every `$ref` resolves, path parameters match the
//! template, operationIds are unique, every listed error code is in its service's registry, the
//! extensions are well formed) live in the generator and nowhere else: the spec must model with no
//! diagnostic at all, and broken copies of it prove that each rule is enforced there, with a JSON
//! pointer. What is left here are the conventions of this spec (services, permissions, names,
//! totals), as assertions over the model (`sdk_codegen::model::Api`) or, for the few facts the model
//! does not keep, over the document the generator loaded.

use sdk_codegen::load::LoadedSpec;
use sdk_codegen::model::{Api, Operation, Service};
use sdk_codegen::{build_model, generate, Diagnostic};
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The tags, in order; each is one service, and the second path segment of its operations.
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

/// Totals of the operations the vendor reference documents (those without `x-evidence`).
const OPERATIONS: usize = 150;
const PERMISSIONS: usize = 147;
const DEPRECATED: usize = 115;
const BETA: usize = 2;
const RESPONSES_WITH_CODES: usize = 151;
const LISTED_CODES: usize = 592;

fn spec_text() -> String {
    let path = xtask::workspace_root().join(xtask::SPEC);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The spec as the generator reads it; any diagnostic, warning or error, fails.
fn model() -> (LoadedSpec, Api) {
    match build_model(spec_text().as_bytes(), xtask::SPEC) {
        Ok((spec, api, diags)) => {
            assert!(diags.0.is_empty(), "{} has diagnostics:\n{diags}", xtask::SPEC);
            (spec, api)
        }
        Err(diags) => panic!("{} does not model:\n{diags}", xtask::SPEC),
    }
}

fn operations(api: &Api) -> impl Iterator<Item = (&Service, &Operation)> {
    api.services.iter().flat_map(|s| s.operations.iter().map(move |op| (s, op)))
}

/// Operations of the vendor reference: not the ones only seen elsewhere (`x-evidence`).
fn reference_operations(api: &Api) -> impl Iterator<Item = &Operation> {
    operations(api).map(|(_, op)| op).filter(|op| op.evidence.is_empty())
}

#[test]
fn the_spec_models_without_any_diagnostic() {
    let (_, api) = model();
    assert!(operations(&api).count() >= OPERATIONS, "operations were skipped");
}

#[test]
fn counts_match_the_reference() {
    let (_, api) = model();
    let ops: Vec<&Operation> = reference_operations(&api).collect();
    let count = |f: fn(&Operation) -> bool| ops.iter().filter(|op| f(op)).count();
    let with_codes: Vec<usize> =
        ops.iter().flat_map(|op| &op.responses).map(|r| r.error_codes.len()).filter(|&n| n > 0).collect();
    assert_eq!(
        (
            ops.len(),
            count(|op| op.permission.is_some()),
            count(|op| op.deprecated),
            count(|op| op.beta),
            with_codes.len(),
            with_codes.iter().sum::<usize>(),
        ),
        (OPERATIONS, PERMISSIONS, DEPRECATED, BETA, RESPONSES_WITH_CODES, LISTED_CODES),
        "(operations, with permission, deprecated, beta, responses with x-error-codes, listed codes) \
         of the operations without x-evidence"
    );
}

#[test]
fn operation_ids_are_written_unique_lower_camel_case() {
    let (_, api) = model();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut problems = Vec::new();
    for (_, op) in operations(&api) {
        let id = op.operation_id.as_str();
        if op.derived_id {
            problems.push(format!("{}: no operationId", op.pointer));
        }
        if !(id.starts_with(|c: char| c.is_ascii_lowercase()) && id.chars().all(|c| c.is_ascii_alphanumeric())) {
            problems.push(format!("{}/operationId: `{id}` is not lowerCamelCase", op.pointer));
        }
        if let Some(first) = seen.insert(id, &op.pointer) {
            problems.push(format!("{}/operationId: `{id}` is also used at {first}", op.pointer));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn permissions_present_except_the_documented_three() {
    let (_, api) = model();
    let mut problems = Vec::new();
    let mut without = BTreeSet::new();
    for (_, op) in operations(&api).filter(|(_, op)| op.evidence.is_empty()) {
        match &op.permission {
            None => {
                without.insert(op.operation_id.as_str());
            }
            Some(p) => {
                let t = &p.template;
                let tenant = t.strip_prefix("TNT#").and_then(|rest| rest.split_once('#')).map(|(_, rest)| rest);
                let scoped = tenant.or_else(|| t.strip_prefix("SYS#"));
                let well_formed = scoped
                    .and_then(|rest| rest.split_once(':'))
                    .is_some_and(|(service, action)| !service.is_empty() && action == p.action);
                if !well_formed {
                    problems.push(format!(
                        "{}/x-permission: `{t}` is not `TNT#{{tenant}}#Service:action` or `SYS#Service:action`",
                        op.pointer
                    ));
                }
            }
        }
    }
    let expected = BTreeSet::from(WITHOUT_PERMISSION);
    assert!(without == expected, "operations without x-permission are {without:?}, expected {expected:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn error_codes_are_defined_in_the_service_registry() {
    let (_, api) = model();
    let mut problems = Vec::new();
    for reg in &api.error_registries {
        if !SERVICES.contains(&reg.tag.as_str()) {
            problems.push(format!("#/components/x-error-codes/{}: not a service", reg.tag));
        }
        for c in &reg.codes {
            let at = format!("#/components/x-error-codes/{}/{}", reg.tag, c.code);
            if !(c.name.starts_with(|ch: char| ch.is_ascii_uppercase())
                && c.name.chars().all(|ch| ch.is_ascii_alphanumeric()))
            {
                problems.push(format!("{at}/name: `{}` is not UpperCamelCase", c.name));
            }
            if c.description.trim().is_empty() {
                problems.push(format!("{at}/description: missing"));
            }
        }
    }
    // The generator checks membership only when the service has a registry; here every service that
    // lists codes must have one.
    for (service, op) in operations(&api) {
        for r in op.responses.iter().filter(|r| !r.error_codes.is_empty()) {
            let registry = api.error_registries.iter().find(|reg| reg.tag == service.tag);
            for (code, _) in &r.error_codes {
                if !registry.is_some_and(|reg| reg.codes.iter().any(|c| c.code == *code)) {
                    problems.push(format!(
                        "{}/responses/{}/x-error-codes: {code} is not in #/components/x-error-codes/{}",
                        op.pointer, r.status_key, service.tag
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_operation_has_exactly_one_service_tag_matching_its_path() {
    let (spec, api) = model();
    let tags: Vec<&str> = spec.openapi.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, SERVICES, "#/tags");
    let services: Vec<&str> = api.services.iter().map(|s| s.tag.as_str()).collect();
    assert_eq!(services, SERVICES, "services of the model (a tag without operations is dropped)");
    let mut problems = Vec::new();
    for (service, op) in operations(&api) {
        // The model keeps the first tag only; the document has them all.
        let all = spec.openapi.paths.paths.get(&op.path).and_then(|item| item.as_item());
        let written = all.and_then(|item| item.iter().find(|(m, _)| m.eq_ignore_ascii_case(&op.method)));
        match written.map(|(_, o)| o.tags.len()) {
            Some(1) => {}
            other => problems.push(format!("{}/tags: expected exactly one tag, found {other:?}", op.pointer)),
        }
        let in_path = op.path.split('/').nth(2).unwrap_or("");
        if service.tag != in_path {
            problems.push(format!(
                "{}/tags: `{}` differs from the service in the path (`{in_path}`)",
                op.pointer, service.tag
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The generator reads any path parameter as required; this spec also writes `required: true`, on
/// the operation itself (spec/README.md, "Adding an operation").
#[test]
fn path_parameters_are_declared_on_the_operation_and_required() {
    let (spec, api) = model();
    let mut problems = Vec::new();
    for (_, op) in operations(&api) {
        let Some(item) = spec.openapi.paths.paths.get(&op.path).and_then(|item| item.as_item()) else {
            problems.push(format!("{}: path item not found", op.pointer));
            continue;
        };
        if !item.parameters.is_empty() {
            problems.push(format!("{}: parameters on the path item; declare them on each operation", op.pointer));
        }
        let Some((_, written)) = item.iter().find(|(m, _)| m.eq_ignore_ascii_case(&op.method)) else { continue };
        for (i, p) in written.parameters.iter().enumerate() {
            match p.as_item() {
                None => problems.push(format!("{}/parameters/{i}: a `$ref`; write parameters inline", op.pointer)),
                Some(p @ openapiv3::Parameter::Path { .. }) if !p.parameter_data_ref().required => {
                    problems.push(format!("{}/parameters/{i}: path parameter without `required: true`", op.pointer))
                }
                Some(_) => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `x-evidence` on a parameter (a name the vendor reference does not give) is a non-empty list of the
/// facts' source tags, and the parameter's description names them (spec/README.md, "Query parameters").
/// The generator does not read it, so this is its only check.
#[test]
fn parameter_evidence_is_a_list_of_source_tags() {
    let (spec, api) = model();
    let is_tag = |t: &str| {
        t.starts_with(|c: char| c.is_ascii_uppercase())
            && t.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
    };
    let mut problems = Vec::new();
    let mut marked = 0;
    for (_, op) in operations(&api) {
        let Some(item) = spec.openapi.paths.paths.get(&op.path).and_then(|item| item.as_item()) else { continue };
        let Some((_, written)) = item.iter().find(|(m, _)| m.eq_ignore_ascii_case(&op.method)) else { continue };
        for (i, p) in written.parameters.iter().enumerate() {
            let Some(data) = p.as_item().map(|p| p.parameter_data_ref()) else { continue };
            let Some(value) = data.extensions.get("x-evidence") else { continue };
            marked += 1;
            let at = format!("{}/parameters/{i}/x-evidence", op.pointer);
            let tags: Vec<&str> = value.as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
            if tags.is_empty() || value.as_array().map(Vec::len) != Some(tags.len()) {
                problems.push(format!("{at}: must be a non-empty list of strings"));
            }
            let description = data.description.as_deref().unwrap_or("");
            for tag in tags {
                if !is_tag(tag) {
                    problems.push(format!("{at}: `{tag}` is not a source tag of the facts (MIG, NAB, D-IS, ...)"));
                } else if !description.contains(tag) {
                    problems.push(format!("{at}: the description does not say where it was seen (`{tag}`)"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(marked > 0, "no parameter carries x-evidence; the searchProcessInstances parameters should");
}

// ---- The generator's rules, proven on broken copies of the spec ----

/// The spec as YAML, changed by `edit`.
fn broken(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut doc: Value = serde_yaml::from_str(&spec_text()).expect("the spec is YAML");
    edit(&mut doc);
    serde_yaml::to_string(&doc).expect("serialize the edited spec").into_bytes()
}

/// The operation `method path` of the YAML document.
fn op_mut<'a>(doc: &'a mut Value, path: &str, method: &str) -> &'a mut Value {
    let op = &mut doc["paths"][path][method];
    assert!(op.is_mapping(), "no {method} {path} in the spec");
    op
}

/// What the generator says about `bytes`: the diagnostics of `build_model`, and whether the committed
/// crate's (strict) generation refuses it.
fn diagnose(bytes: &[u8]) -> (Vec<Diagnostic>, bool) {
    let diags = match build_model(bytes, xtask::SPEC) {
        Ok((_, _, diags)) | Err(diags) => diags.0,
    };
    (diags, generate(bytes, &xtask::committed_options()).is_err())
}

/// `bytes` is refused by the committed crate's generation with a diagnostic at `location`.
fn assert_refused(bytes: &[u8], location: &str, says: &str) {
    let (diags, refused) = diagnose(bytes);
    let found = diags.iter().find(|d| d.location == location && d.message.contains(says));
    assert!(found.is_some(), "no diagnostic at {location} saying `{says}`; got:\n{diags:#?}");
    assert!(refused, "the committed crate's options generate from a spec with: {found:?}");
}

/// A watchlist-manager operation with error codes (the registry of that service exists).
const WATCHLIST: &str = "/api/watchlist-manager/watchlists/{watchlistId}";

fn first_listed_code_response(doc: &Value, path: &str) -> String {
    let responses = doc["paths"][path]["get"]["responses"].as_mapping().expect("responses");
    let (status, _) = responses.iter().find(|(_, r)| r.get("x-error-codes").is_some()).expect("a response with codes");
    status.as_str().map(str::to_string).or_else(|| status.as_u64().map(|n| n.to_string())).expect("a status key")
}

#[test]
fn an_error_code_missing_from_the_registry_is_refused() {
    let doc: Value = serde_yaml::from_str(&spec_text()).expect("YAML");
    let status = first_listed_code_response(&doc, WATCHLIST);
    let bytes = broken(|doc| {
        let op = op_mut(doc, WATCHLIST, "get");
        let codes = op["responses"].as_mapping_mut().expect("responses").iter_mut().find(|(k, _)| {
            k.as_str().map(str::to_string).or_else(|| k.as_u64().map(|n| n.to_string())).as_deref() == Some(&status)
        });
        codes.expect("the response").1["x-error-codes"] = Value::Sequence(vec![Value::from(987_654)]);
    });
    assert_refused(
        &bytes,
        &format!(
            "#/paths/~1api~1watchlist-manager~1watchlists~1{{watchlistId}}/get/responses/{status}/x-error-codes/0"
        ),
        "code 987654 is not defined in #/components/x-error-codes/watchlist-manager",
    );
}

#[test]
fn an_unresolved_ref_is_refused() {
    let bytes = broken(|doc| {
        let schemas = doc["components"]["schemas"].as_mapping_mut().expect("schemas");
        let watchlist = schemas.get_mut("Watchlist").expect("a Watchlist schema");
        *watchlist = serde_yaml::from_str("{$ref: '#/components/schemas/NoSuchSchema'}").expect("YAML");
    });
    assert_refused(&bytes, "#/components/schemas/Watchlist/$ref", "does not resolve");
}

#[test]
fn an_undeclared_path_parameter_is_refused() {
    let bytes = broken(|doc| {
        let op = op_mut(doc, WATCHLIST, "get");
        let params = op["parameters"].as_sequence_mut().expect("parameters");
        params.retain(|p| p["in"].as_str() != Some("path"));
    });
    assert_refused(
        &bytes,
        "#/paths/~1api~1watchlist-manager~1watchlists~1{watchlistId}/get",
        "path parameter `{watchlistId}` is not declared",
    );
}

#[test]
fn a_duplicate_operation_id_is_refused() {
    let (_, api) = model();
    let first = &api.services[0].operations[0];
    let bytes = broken(|doc| {
        op_mut(doc, WATCHLIST, "get")["operationId"] = Value::from(first.operation_id.clone());
    });
    assert_refused(
        &bytes,
        "#/paths/~1api~1watchlist-manager~1watchlists~1{watchlistId}/get/operationId",
        &format!("duplicate operationId `{}`", first.operation_id),
    );
}

#[test]
fn a_malformed_x_evidence_is_refused() {
    for (value, at) in [("a public client", ""), ("[]", ""), ("[ok, 7]", "/1")] {
        let bytes = broken(|doc| {
            op_mut(doc, WATCHLIST, "get")["x-evidence"] = serde_yaml::from_str(value).expect("YAML");
        });
        assert_refused(
            &bytes,
            &format!("#/paths/~1api~1watchlist-manager~1watchlists~1{{watchlistId}}/get/x-evidence{at}"),
            "must be a non-empty",
        );
    }
}

/// An operation marked `x-evidence` keeps its sources in the model and leaves the reference totals.
#[test]
fn x_evidence_takes_an_operation_out_of_the_reference_set() {
    let sources = ["https://example.com/public-client", "captured traffic"];
    let bytes = broken(|doc| {
        op_mut(doc, WATCHLIST, "get")["x-evidence"] =
            Value::Sequence(sources.iter().map(|s| Value::from(*s)).collect());
    });
    let (_, api, diags) = build_model(&bytes, xtask::SPEC).unwrap_or_else(|d| panic!("{d}"));
    assert!(diags.0.is_empty(), "{diags}");
    let (_, op) = operations(&api).find(|(_, op)| op.path == WATCHLIST && op.method == "GET").expect("the operation");
    assert_eq!(op.evidence, sources);
    assert_eq!(reference_operations(&api).count(), OPERATIONS - 1);
}

/// The properties whose description says their shape is inferred or assumed, and those of them
/// without `x-inferred` (on themselves, their schema, or the schema holding them).
fn inferred_properties(doc: &Value) -> (usize, Vec<String>) {
    let schemas = doc["components"]["schemas"].as_mapping().expect("components.schemas");
    let marked = |v: &Value| v.get("x-inferred").and_then(Value::as_bool) == Some(true);
    let says_inferred = |v: &Value| {
        let text = v.get("description").and_then(Value::as_str).unwrap_or_default().to_lowercase();
        text.contains("(inferred") || text.contains("inferred field") || text.contains("assumed by analogy")
    };
    let mut unmarked = Vec::new();
    let mut count = 0;
    for (name, schema) in schemas {
        let Some(props) = schema.get("properties").and_then(Value::as_mapping) else { continue };
        for (prop, body) in props {
            let target_marked = body
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.rsplit('/').next())
                .is_some_and(|t| marked(&doc["components"]["schemas"][t]));
            if says_inferred(body) {
                count += 1;
                if !(marked(body) || marked(schema) || target_marked) {
                    unmarked.push(format!("{}.{}", name.as_str().unwrap_or("?"), prop.as_str().unwrap_or("?")));
                }
            }
        }
    }
    (count, unmarked)
}

/// A property whose description says its shape is inferred carries `x-inferred`, so the SDK reads
/// it tolerantly.
#[test]
fn inferred_properties_are_marked_x_inferred() {
    let doc: Value = serde_yaml::from_str(&spec_text()).expect("the spec parses");
    let (count, unmarked) = inferred_properties(&doc);
    assert!(count >= 5, "the rule found only {count} inferred properties: is the wording still read?");
    assert!(unmarked.is_empty(), "say `x-inferred: true` on: {unmarked:?}");
}

#[test]
fn a_property_that_says_inferred_without_the_mark_is_refused_by_the_rule() {
    let mut doc: Value = serde_yaml::from_str(&spec_text()).expect("the spec parses");
    let tenant = &mut doc["components"]["schemas"]["Watchlist"]["properties"]["tenantId"];
    tenant.as_mapping_mut().expect("a mapping").remove("x-inferred");
    let (_, unmarked) = inferred_properties(&doc);
    assert_eq!(unmarked, ["Watchlist.tenantId"]);
}

// ---- x-sensitive: personal data and secrets are classified (spec/README.md, "Personal data and secrets") ----

/// How a pattern of [`PERSONAL_NAMES`] matches a name.
#[derive(Clone, Copy, Debug)]
enum NamePattern {
    /// Anywhere in the name, case-insensitively (`mail` matches `email`, `eMailAddress`).
    Part(&'static str),
    /// A whole word of the name, split at camelCase, `_` and `-` (`ip` matches `ipAddress` and
    /// `client_ip`, not `description`).
    Word(&'static str),
}

use NamePattern::{Part, Word};

/// Names that look like personal data of an end user or a secret. A schema property (of a component or
/// of an inline body) or a parameter whose name matches one must say `x-sensitive: true` or
/// `x-sensitive: false`: the decision is written down, never left to the name. Short words that hide
/// inside unrelated names (`ip` in `description`, `dob` in `adobe`) match whole words only. `data`,
/// `value`, `code`, `parameter` and `search` are not personal themselves but are where personal data
/// hides (`Biometric.data`, `TrendRecord.value`, a token's `parameters`, a free-text `searchString`).
const PERSONAL_NAMES: &[NamePattern] = &[
    // names and contact data
    Part("name"),
    Part("mail"),
    Part("phone"),
    Part("mobile"),
    Part("address"),
    Word("ip"),
    Part("visitor"),
    Part("device"),
    Part("location"),
    Part("latitude"),
    Part("longitude"),
    // identity documents
    Part("doc"),
    Part("passport"),
    Part("licen"),
    Part("mrz"),
    Part("birth"),
    Word("dob"),
    Part("nationality"),
    Part("gender"),
    Part("sex"),
    Part("biograph"),
    // images, media and biometrics
    Part("image"),
    Part("face"),
    Part("selfie"),
    Part("photo"),
    Part("video"),
    Part("audio"),
    Part("biometric"),
    Part("template"),
    // the user, and what was collected from them
    Part("userdata"),
    Part("user_data"),
    Part("userid"),
    Part("extid"),
    Part("data"),
    Part("value"),
    Part("parameter"),
    Part("comment"),
    Part("note"),
    Part("search"),
    // secrets
    Part("secret"),
    Part("token"),
    Part("password"),
    Part("credential"),
    Part("key"),
    Part("code"),
    Part("session"),
    Part("assertion"),
    Part("challenge"),
    Part("signature"),
    Part("private"),
];

/// The words of a name: split at `_`, `-`, other non-alphanumerics and camelCase boundaries
/// (`IPAddress` → `ip`, `address`), lowercase.
fn name_words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            words.push(std::mem::take(&mut word));
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary {
            words.push(std::mem::take(&mut word));
        }
        word.push(c.to_ascii_lowercase());
    }
    words.push(word);
    words.retain(|w| !w.is_empty());
    words
}

/// The first pattern of [`PERSONAL_NAMES`] that `name` matches.
fn personal_pattern(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let words = name_words(name);
    PERSONAL_NAMES.iter().find_map(|p| match *p {
        Part(s) if lower.contains(s) => Some(s),
        Word(w) if words.iter().any(|x| x == w) => Some(w),
        _ => None,
    })
}

/// What the `x-sensitive` rule found in a document.
#[derive(Debug, Default)]
struct Classification {
    /// Marks by placement (`property`, `schema`, `parameter`, `body`) and value.
    marks: BTreeMap<(&'static str, bool), usize>,
    /// Names the rule checked (they matched a pattern).
    checked: usize,
    /// What lacks the mark, or carries one that is not a boolean.
    unmarked: Vec<String>,
}

impl Classification {
    fn count(&self, placement: &str, value: bool) -> usize {
        self.marks.iter().filter(|((p, v), _)| *p == placement && *v == value).map(|(_, n)| n).sum()
    }

    /// Counts the mark on `v` (a mapping), if any; `false` when there is none or it is not a boolean.
    fn mark(&mut self, placement: &'static str, v: &Value, at: &str) -> bool {
        match v.get("x-sensitive") {
            None => false,
            Some(Value::Bool(b)) => {
                *self.marks.entry((placement, *b)).or_default() += 1;
                true
            }
            Some(other) => {
                self.unmarked.push(format!("{at}: x-sensitive is {other:?}, not true or false"));
                true
            }
        }
    }

    /// The properties of `schema` and of the schemas nested in it (allOf/oneOf/anyOf, items, a map's
    /// values), at `at`.
    fn walk(&mut self, doc: &Value, schema: &Value, at: &str) {
        if let Some(props) = schema.get("properties").and_then(Value::as_mapping) {
            for (name, body) in props {
                let name = name.as_str().unwrap_or("?");
                let here = format!("{at}.{name}");
                let own = self.mark("property", body, &here);
                // A bare `$ref` cannot carry the mark (OpenAPI 3.0 ignores its siblings): its schema does.
                let by_ref = body
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    .is_some_and(|t| doc["components"]["schemas"][t].get("x-sensitive").is_some());
                if let Some(pattern) = personal_pattern(name) {
                    self.checked += 1;
                    if !(own || by_ref) {
                        self.unmarked.push(format!("{here} (`{pattern}`)"));
                    }
                }
                self.walk(doc, body, &here);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for part in schema.get(key).and_then(Value::as_sequence).into_iter().flatten() {
                self.walk(doc, part, at);
            }
        }
        if let Some(items) = schema.get("items") {
            self.walk(doc, items, &format!("{at}[]"));
        }
        if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_mapping()) {
            self.walk(doc, values, &format!("{at}{{}}"));
        }
    }
}

/// Whether `v` references a named schema anywhere.
fn has_ref(v: &Value) -> bool {
    match v {
        Value::Mapping(m) => m.iter().any(|(k, v)| k.as_str() == Some("$ref") || has_ref(v)),
        Value::Sequence(s) => s.iter().any(has_ref),
        _ => false,
    }
}

/// The `x-sensitive` rule over a document: every schema property and every parameter whose name matches
/// [`PERSONAL_NAMES`] carries `x-sensitive` (a `$ref` property through its schema), and every inline
/// request or response body without a named type (a free-form object, a file, a bare string) does too.
fn classify(doc: &Value) -> Classification {
    let mut c = Classification::default();
    let schemas = doc["components"]["schemas"].as_mapping().expect("components.schemas");
    for (name, schema) in schemas {
        let name = name.as_str().unwrap_or("?");
        c.mark("schema", schema, name);
        c.walk(doc, schema, name);
    }
    const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    for (path, item) in doc["paths"].as_mapping().expect("paths") {
        let path = path.as_str().unwrap_or("?");
        let ops = METHODS.iter().filter_map(|m| item.get(*m).map(|op| (*m, op)));
        let item_params = item.get("parameters").map(|p| ("(path item)".to_string(), p));
        let mut param_lists: Vec<(String, &Value)> = item_params.into_iter().collect();
        let mut bodies: Vec<(String, &Value)> = Vec::new();
        for (method, op) in ops {
            let id = op.get("operationId").and_then(Value::as_str).unwrap_or(method);
            if let Some(p) = op.get("parameters") {
                param_lists.push((id.to_string(), p));
            }
            let request = op.get("requestBody").map(|b| (format!("{id} request"), b));
            let responses = op.get("responses").and_then(Value::as_mapping).into_iter().flatten();
            let responses = responses.map(|(status, r)| {
                let status = status.as_str().map(str::to_string).or_else(|| status.as_u64().map(|n| n.to_string()));
                (format!("{id} response {}", status.unwrap_or_default()), r)
            });
            bodies.extend(request.into_iter().chain(responses));
        }
        for (id, params) in param_lists {
            for p in params.as_sequence().into_iter().flatten().filter(|p| p.get("$ref").is_none()) {
                let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
                let place = p.get("in").and_then(Value::as_str).unwrap_or("?");
                let here = format!("{path} {id} {place} parameter `{name}`");
                let marked = c.mark("parameter", p, &here);
                if let Some(pattern) = personal_pattern(name) {
                    c.checked += 1;
                    if !marked {
                        c.unmarked.push(format!("{here} (`{pattern}`)"));
                    }
                }
            }
        }
        for (at, body) in bodies {
            for (media, content) in body.get("content").and_then(Value::as_mapping).into_iter().flatten() {
                let Some(schema) = content.get("schema").filter(|s| s.get("$ref").is_none()) else { continue };
                let here = format!("{at} {}", media.as_str().unwrap_or("?"));
                let marked = c.mark("body", schema, &here);
                if !has_ref(schema) {
                    c.checked += 1;
                    if !marked {
                        c.unmarked.push(format!("{here}: a free-form body"));
                    }
                }
                c.walk(doc, schema, &here);
            }
        }
    }
    c
}

fn spec_yaml() -> Value {
    serde_yaml::from_str(&spec_text()).expect("the spec parses")
}

/// Every personal or secret-looking name, and every free-form body, says whether it is sensitive.
#[test]
fn personal_data_and_secrets_are_classified_x_sensitive() {
    let c = classify(&spec_yaml());
    assert!(c.unmarked.is_empty(), "say `x-sensitive: true` or `x-sensitive: false` on:\n{}", c.unmarked.join("\n"));
    // The rule really looks: names it checked, and marks by placement (spec/README.md lists them).
    assert!(c.checked >= 200, "the rule checked only {} names: is PERSONAL_NAMES still read?", c.checked);
    let counts = [
        ("property", true, 20),
        ("property", false, 25),
        ("schema", true, 30),
        ("parameter", true, 40),
        ("parameter", false, 120),
        ("body", true, 25),
        ("body", false, 5),
    ];
    for (placement, value, at_least) in counts {
        let n = c.count(placement, value);
        assert!(
            n >= at_least,
            "only {n} `x-sensitive: {value}` on a {placement} (expected at least {at_least}): {:?}",
            c.marks
        );
    }
}

/// The decisions that matter most point the right way (a `false` here would print personal data).
#[test]
fn the_essential_x_sensitive_decisions() {
    let doc = spec_yaml();
    let schemas = &doc["components"]["schemas"];
    let sensitive = |v: &Value| v.get("x-sensitive").and_then(Value::as_bool);
    for (schema, prop, expected) in [
        ("IssuedToken", "token", true),
        ("CloudSecretRequest", "value", true),
        ("ProcessInstance", "email", true),
        ("ProcessInstance", "lastName", true),
        ("ProcessInstance", "processDefnName", false),
        ("Biometric", "data", true),
        ("Watchlist", "name", false),
    ] {
        let v = sensitive(&schemas[schema]["properties"][prop]);
        assert_eq!(v, Some(expected), "{schema}.{prop}");
    }
    for schema in ["UserData", "WatchlistEntry", "FaceWatchlistMember", "IdentityStoreUser", "AppkeyCompletionRequest"]
    {
        assert_eq!(sensitive(&schemas[schema]), Some(true), "{schema}");
    }
    let params = doc["paths"]
        ["/api/identity-store/stores/{storeName}/users/{extId}/biometrics/authentications/face/ext"]["post"]
        ["parameters"]
        .as_sequence()
        .expect("matchFaceByExtUserId parameters");
    let by_name = |n: &str| params.iter().find(|p| p["name"].as_str() == Some(n)).and_then(sensitive);
    assert_eq!((by_name("extId"), by_name("storeName")), (Some(true), Some(false)), "matchFaceByExtUserId");
}

/// Copies of the spec where a personal field lost its mark, or a new personal field came without one,
/// are refused by the same rule, which names the field.
#[test]
fn a_personal_field_without_x_sensitive_is_refused_by_the_rule() {
    let unmark = |v: &mut Value| {
        v.as_mapping_mut().expect("a mapping").remove("x-sensitive").expect("it was marked");
    };
    let face = "/api/identity-store/stores/{storeName}/users/{extId}/biometrics/authentications/face/ext";
    let image = "/api/watchlist-manager/facewatchlists/{watchlistId}/watchlist-members/{watchlistMemberId}/image";
    type Edit<'a> = Box<dyn Fn(&mut Value) + 'a>;
    let cases: [(&str, Edit); 5] = [
        (
            "ProcessInstance.email (`mail`)",
            Box::new(|doc| unmark(&mut doc["components"]["schemas"]["ProcessInstance"]["properties"]["email"])),
        ),
        (
            // A `$ref` property is marked through its schema.
            "BiographicDataField.values (`value`)",
            Box::new(|doc| unmark(&mut doc["components"]["schemas"]["BiographicFieldValues"])),
        ),
        (
            "ProcessInstance.dateOfBirth (`birth`)",
            Box::new(|doc| {
                let props = doc["components"]["schemas"]["ProcessInstance"]["properties"].as_mapping_mut();
                props
                    .expect("properties")
                    .insert("dateOfBirth".into(), serde_yaml::from_str("{type: string}").unwrap());
            }),
        ),
        (
            "/api/identity-store/stores/{storeName}/users/{extId}/biometrics/authentications/face/ext \
             matchFaceByExtUserId path parameter `extId` (`extid`)",
            Box::new(move |doc| {
                let params = op_mut(doc, face, "post")["parameters"].as_sequence_mut().expect("parameters");
                unmark(params.iter_mut().find(|p| p["name"].as_str() == Some("extId")).expect("extId"));
            }),
        ),
        (
            "getFaceWatchlistMemberImage response 200 image/png: a free-form body",
            Box::new(move |doc| {
                unmark(&mut op_mut(doc, image, "get")["responses"]["200"]["content"]["image/png"]["schema"])
            }),
        ),
    ];
    for (named, edit) in cases {
        let mut doc = spec_yaml();
        edit(&mut doc);
        assert_eq!(classify(&doc).unmarked, [named]);
    }
}

#[test]
fn personal_name_patterns_match_words_and_parts() {
    assert_eq!(name_words("clientIPAddress_v2-x"), ["client", "ip", "address", "v2", "x"]);
    for (name, pattern) in [
        ("ipAddress", Some("address")),
        ("client_ip", Some("ip")),
        ("IP", Some("ip")),
        ("dob", Some("dob")),
        ("extUserId", Some("userid")),
        ("userExtId", Some("extid")),
        ("description", None),
        ("rpId", None),
        ("adobeId", None),
        ("status", None),
    ] {
        assert_eq!(personal_pattern(name), pattern, "{name}");
    }
}
