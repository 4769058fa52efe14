//! `cargo xtask verify-spec`: proves that every operation of the vendor's API reference is in
//! `spec/trustx.yaml` with the same permission, deprecation, beta flag, response statuses and
//! error codes per status, and that the spec has no operation the reference lacks.
//!
//! The spec is read by the generator (`sdk_codegen::build_model`), so the extensions (`x-permission`,
//! `x-beta`, `x-error-codes`, `x-evidence`) have one reader; any diagnostic of the generator is a
//! discrepancy here too. Operations carrying `x-evidence` (seen in public clients, not documented by
//! the vendor) are listed apart and never counted as extra.
//!
//! Operations are matched by method + path with every `{...}` placeholder reduced to `{}` (the spec
//! unifies path parameter names per path), both paths split by the generator's `split_path`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use sdk_codegen::model::{split_path, Api, PathPiece};
use sdk_codegen::{build_model, Diagnostics};

use crate::reference::{self, RefOperation, Reference};

const USAGE: &str = "usage: cargo xtask verify-spec [--reference FILE] [--spec FILE] [--list-reference]

Checks spec/trustx.yaml against the vendor's API reference text
(default ../shared/seed/trustx-api-reference.txt relative to the workspace root).
Exits non-zero on any discrepancy.

--list-reference  print the operations parsed from the reference (one per line) and exit";

/// One operation of the model, reduced to what is compared.
#[derive(Debug, Clone)]
struct SpecOperation {
    operation_id: String,
    method: String,
    path: String,
    /// The permission template as written.
    permission: Option<String>,
    deprecated: bool,
    beta: bool,
    /// `x-evidence`: not in the reference, seen there.
    evidence: Vec<String>,
    /// Status key → error codes (`x-error-codes`).
    responses: BTreeMap<String, BTreeSet<u32>>,
    /// What the reference cannot have: a code listed twice, a code out of range.
    problems: Vec<String>,
}

struct Options {
    reference: PathBuf,
    spec: PathBuf,
    list_reference: bool,
}

fn parse_args(args: &[String]) -> Result<Option<Options>, String> {
    let root = xtask::workspace_root();
    let mut opts = Options {
        reference: root.join("../shared/seed/trustx-api-reference.txt"),
        spec: root.join(xtask::SPEC),
        list_reference: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<PathBuf, String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .map(PathBuf::from)
                .ok_or_else(|| format!("{name} needs a file argument\n\n{USAGE}"))
        };
        match name {
            "--reference" => opts.reference = value(name)?,
            "--spec" => opts.spec = value(name)?,
            "--list-reference" => opts.list_reference = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    Ok(Some(opts))
}

/// Entry point of `cargo xtask verify-spec [--reference FILE] [--spec FILE]`.
pub fn run(args: &[String]) -> Result<(), String> {
    let Some(opts) = parse_args(args)? else {
        return Ok(());
    };
    let text = std::fs::read_to_string(&opts.reference)
        .map_err(|e| format!("cannot read the reference {}: {e}", opts.reference.display()))?;
    if opts.list_reference {
        print!("{}", list_reference(&reference::parse(&text)));
        return Ok(());
    }
    let bytes = std::fs::read(&opts.spec).map_err(|e| format!("cannot read the spec {}: {e}", opts.spec.display()))?;
    let label = opts.spec.display().to_string();
    let (_, api, diagnostics) =
        build_model(&bytes, &label).map_err(|d| format!("the generator cannot model the spec {label}:\n{d}"))?;

    let reference = reference::parse(&text);
    let report = compare(&reference, &spec_operations(&api), &diagnostics);

    println!("verify-spec");
    println!("  reference: {}", opts.reference.display());
    println!("  spec:      {label}");
    print!("{}", report.text);
    if report.discrepancies == 0 {
        println!("OK: the spec matches the reference.");
        Ok(())
    } else {
        Err(format!(
            "{} discrepanc{} between the spec and the reference",
            report.discrepancies,
            if report.discrepancies == 1 { "y" } else { "ies" }
        ))
    }
}

/// One line per parsed operation: `METHOD path | permission | flags | status[codes] ...`.
fn list_reference(reference: &Reference) -> String {
    let mut out = String::new();
    for op in &reference.operations {
        let flags = match (op.deprecated, op.beta) {
            (true, true) => "deprecated,beta",
            (true, false) => "deprecated",
            (false, true) => "beta",
            (false, false) => "-",
        };
        let statuses: Vec<String> = op
            .responses
            .iter()
            .map(|r| if r.codes.is_empty() { r.status.clone() } else { format!("{}{}", r.status, fmt_codes(&r.codes)) })
            .collect();
        let _ = writeln!(
            out,
            "{} {} | {} | {} | {} | {}",
            op.method,
            op.path,
            op.permission.as_deref().unwrap_or("-"),
            flags,
            statuses.join(" "),
            op.title
        );
    }
    let t = reference.totals();
    let _ = writeln!(
        out,
        "{} operations, {} with permissions, {} deprecated, {} beta, {} response lists with error codes, {} listed codes",
        t.operations, t.with_permission, t.deprecated, t.beta, t.responses_with_codes, t.listed_codes
    );
    out
}

/// Method + path with every placeholder reduced to `{}`, split the way the generator splits paths.
fn key(method: &str, path: &str) -> (String, String) {
    let path = split_path(path)
        .into_iter()
        .map(|piece| match piece {
            PathPiece::Literal(text) => text,
            PathPiece::Param(_) => "{}".to_string(),
        })
        .collect();
    (method.to_ascii_uppercase(), path)
}

/// The model's operations, in spec order per service.
fn spec_operations(api: &Api) -> Vec<SpecOperation> {
    let mut ops = Vec::new();
    for op in api.services.iter().flat_map(|s| &s.operations) {
        let mut problems = Vec::new();
        let mut responses = BTreeMap::new();
        for r in &op.responses {
            let mut codes = BTreeSet::new();
            for (code, _) in &r.error_codes {
                match u32::try_from(*code) {
                    Ok(c) if codes.insert(c) => {}
                    Ok(c) => problems.push(format!("response {}: `x-error-codes` repeats {c}", r.status_key)),
                    Err(_) => problems.push(format!("response {}: error code {code} is out of range", r.status_key)),
                }
            }
            responses.insert(r.status_key.clone(), codes);
        }
        ops.push(SpecOperation {
            operation_id: op.operation_id.clone(),
            method: op.method.clone(),
            path: op.path.clone(),
            permission: op.permission.as_ref().map(|p| p.template.clone()),
            deprecated: op.deprecated,
            beta: op.beta,
            evidence: op.evidence.clone(),
            responses,
            problems,
        });
    }
    ops
}

struct Report {
    text: String,
    discrepancies: usize,
}

fn fmt_codes(codes: &BTreeSet<u32>) -> String {
    let v: Vec<String> = codes.iter().map(u32::to_string).collect();
    format!("[{}]", v.join(", "))
}

fn fmt_opt(p: Option<&str>) -> String {
    p.map_or_else(|| "none".to_string(), |p| format!("`{p}`"))
}

/// Differences between one reference operation and its spec counterpart.
fn differences(r: &RefOperation, s: &SpecOperation, figures: &mut Figures) -> Vec<String> {
    let mut diffs = Vec::new();
    if r.permission.is_some() || s.permission.is_some() {
        figures.permissions_compared += 1;
    }
    if r.permission != s.permission {
        diffs.push(format!(
            "permission: reference {}, spec {}",
            fmt_opt(r.permission.as_deref()),
            fmt_opt(s.permission.as_deref())
        ));
    }
    if r.deprecated != s.deprecated {
        diffs.push(format!("deprecated: reference {}, spec {}", r.deprecated, s.deprecated));
    }
    if r.beta != s.beta {
        diffs.push(format!("beta: reference {}, spec {}", r.beta, s.beta));
    }
    let ref_statuses: BTreeSet<&str> = r.responses.iter().map(|x| x.status.as_str()).collect();
    let spec_statuses: BTreeSet<&str> = s.responses.keys().map(String::as_str).collect();
    let missing: Vec<&str> = ref_statuses.difference(&spec_statuses).copied().collect();
    let extra: Vec<&str> = spec_statuses.difference(&ref_statuses).copied().collect();
    if !missing.is_empty() {
        diffs.push(format!("responses missing in spec: {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        diffs.push(format!("responses not in reference: {}", extra.join(", ")));
    }
    for resp in &r.responses {
        if !resp.codes.is_empty() {
            figures.lists_compared += 1;
            figures.codes_compared += resp.codes.len();
        }
        let Some(spec_codes) = s.responses.get(&resp.status) else {
            continue;
        };
        if &resp.codes != spec_codes {
            let missing: BTreeSet<u32> = resp.codes.difference(spec_codes).copied().collect();
            let extra: BTreeSet<u32> = spec_codes.difference(&resp.codes).copied().collect();
            let mut d = format!("response {} error codes:", resp.status);
            if !missing.is_empty() {
                let _ = write!(d, " missing in spec {}", fmt_codes(&missing));
            }
            if !extra.is_empty() {
                let _ = write!(d, " not in reference {}", fmt_codes(&extra));
            }
            diffs.push(d);
        }
    }
    diffs.extend(s.problems.iter().map(|p| format!("spec: {p}")));
    diffs
}

#[derive(Default)]
struct Figures {
    permissions_compared: usize,
    lists_compared: usize,
    codes_compared: usize,
}

fn compare(reference: &Reference, spec_ops: &[SpecOperation], diagnostics: &Diagnostics) -> Report {
    let mut out = String::new();
    let mut discrepancies = 0usize;
    let mut lines: Vec<String> = Vec::new();
    let t = reference.totals();

    // Whatever the generator says about the spec is a discrepancy: a warning may mean a skipped operation.
    for d in &diagnostics.0 {
        discrepancies += 1;
        lines.push(format!("spec: {d}"));
    }

    // Reference: index by normalized key, reporting collisions.
    let mut ref_by_key: BTreeMap<(String, String), &RefOperation> = BTreeMap::new();
    for op in &reference.operations {
        let k = key(&op.method, &op.path);
        if let Some(prev) = ref_by_key.insert(k, op) {
            discrepancies += 1;
            lines.push(format!(
                "{} {}: reference operations of lines {} (`{}`) and {} (`{}`) normalize to the same method + path",
                op.method, op.path, prev.line, prev.path, op.line, op.path
            ));
        }
    }
    let mut spec_by_key: BTreeMap<(String, String), &SpecOperation> = BTreeMap::new();
    for op in spec_ops {
        let k = key(&op.method, &op.path);
        if let Some(prev) = spec_by_key.insert(k, op) {
            discrepancies += 1;
            lines.push(format!(
                "{} {}: spec paths `{}` and `{}` normalize to the same method + path",
                op.method, op.path, prev.path, op.path
            ));
        }
    }

    let mut figures = Figures::default();
    let (mut matched, mut missing, mut mismatched) = (0usize, 0usize, 0usize);
    let (mut deprecated_ok, mut beta_ok) = (0usize, 0usize);
    for op in &reference.operations {
        let k = key(&op.method, &op.path);
        let Some(s) = spec_by_key.get(&k) else {
            missing += 1;
            discrepancies += 1;
            lines.push(format!(
                "{} {}: missing in spec (reference line {}, `{}`)",
                op.method, op.path, op.line, op.title
            ));
            continue;
        };
        let mut diffs = differences(op, s, &mut figures);
        if !s.evidence.is_empty() {
            diffs.push(format!("the reference documents it (line {}): drop its `x-evidence`", op.line));
        }
        if op.deprecated && s.deprecated {
            deprecated_ok += 1;
        }
        if op.beta && s.beta {
            beta_ok += 1;
        }
        if diffs.is_empty() {
            matched += 1;
        } else {
            mismatched += 1;
            discrepancies += diffs.len();
            for d in diffs {
                lines.push(format!("{} {}: {d}", op.method, s.path));
            }
        }
    }
    let mut not_in_reference = 0usize;
    let mut observed: Vec<String> = Vec::new();
    for (k, s) in &spec_by_key {
        if ref_by_key.contains_key(k) {
            continue;
        }
        if s.evidence.is_empty() {
            not_in_reference += 1;
            discrepancies += 1;
            lines.push(format!("{} {}: in spec but not in reference", s.method, s.path));
        } else {
            observed.push(format!("{} {} (`{}`): {}", s.method, s.path, s.operation_id, s.evidence.join(", ")));
        }
        discrepancies += s.problems.len();
        lines.extend(s.problems.iter().map(|p| format!("{} {}: spec: {p}", s.method, s.path)));
    }

    let _ = writeln!(out, "reference (parsed):");
    let _ = writeln!(out, "  operations:                       {}", t.operations);
    let _ = writeln!(out, "  with permissions:                 {}", t.with_permission);
    let _ = writeln!(out, "  deprecated:                       {}", t.deprecated);
    let _ = writeln!(out, "  beta:                             {}", t.beta);
    let _ = writeln!(out, "  response statuses:                {}", t.responses);
    let _ = writeln!(out, "  response lists with error codes:  {}", t.responses_with_codes);
    let _ = writeln!(out, "  listed codes:                     {}", t.listed_codes);
    let _ = writeln!(out, "spec (the generator's model):");
    let _ = writeln!(out, "  operations:                       {}", spec_ops.len());
    let _ = writeln!(
        out,
        "  with x-evidence:                  {}",
        spec_ops.iter().filter(|s| !s.evidence.is_empty()).count()
    );
    let _ = writeln!(out, "  diagnostics:                      {}", diagnostics.0.len());
    let _ = writeln!(out, "comparison:");
    let _ = writeln!(out, "  operations in reference:          {}", t.operations);
    let _ = writeln!(out, "  matched (identical):              {matched}");
    let _ = writeln!(out, "  missing in spec:                  {missing}");
    let _ = writeln!(out, "  mismatched:                       {mismatched}");
    let _ = writeln!(out, "  spec operations not in reference: {not_in_reference} (without x-evidence)");
    let _ = writeln!(out, "  permissions compared:             {}", figures.permissions_compared);
    let _ = writeln!(out, "  deprecated, agreeing:             {deprecated_ok} of {}", t.deprecated);
    let _ = writeln!(out, "  beta, agreeing:                   {beta_ok} of {}", t.beta);
    let _ = writeln!(out, "  response lists with error codes:  {} compared", figures.lists_compared);
    let _ = writeln!(out, "  codes compared:                   {}", figures.codes_compared);
    let _ = writeln!(out, "observed in public clients, not in the reference: {}", observed.len());
    for o in &observed {
        let _ = writeln!(out, "  - {o}");
    }

    let notes: Vec<String> =
        reference
            .warnings
            .iter()
            .cloned()
            .chain(reference.operations.iter().flat_map(|op| {
                op.notes.iter().map(move |n| format!("{} {} (line {}): {n}", op.method, op.path, op.line))
            }))
            .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "reference notes ({}, informational):", notes.len());
        for n in notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(out, "discrepancies ({discrepancies}):");
        for l in lines {
            let _ = writeln!(out, "  - {l}");
        }
    }
    Report { text: out, discrepancies }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REF: &str = "\
Fetch a gadget

API Permissions: TNT#{tenantid}#Gadgets:getGadget

GET /api/gadgets/{gadgetId}
Responses
200

OK

404

Not Found (Error Code 5 - GADGET_NOT_FOUND)

Response

Remove a gadget.Deprecated

API Permissions: SYS#Gadgets:removeGadget

DELETE /api/gadgets/{id}
Responses
204

No Content

Response
";

    /// `paths` (and `components`) under a minimal OpenAPI header, compared with `REF`.
    fn run_compare(body: &str) -> Report {
        let spec = format!("openapi: 3.0.3\ninfo: {{title: Gadgets, version: '1'}}\n{body}");
        let reference = reference::parse(REF);
        let (_, api, diagnostics) =
            build_model(spec.as_bytes(), "test.yaml").unwrap_or_else(|d| panic!("test spec does not model:\n{d}"));
        compare(&reference, &spec_operations(&api), &diagnostics)
    }

    #[test]
    fn keys_reduce_placeholders() {
        assert_eq!(key("get", "/api/a/{x}/b/{yId}"), ("GET".into(), "/api/a/{}/b/{}".into()));
        assert_eq!(key("POST", "/api/a"), ("POST".into(), "/api/a".into()));
    }

    #[test]
    fn identical_spec_passes() {
        let report = run_compare(
            r#"
paths:
  /api/gadgets/{gid}:
    parameters:
      - {name: gid, in: path, required: true, schema: {type: string}}
    get:
      operationId: getGadget
      x-permission: "TNT#{tenantid}#Gadgets:getGadget"
      responses:
        "200": {description: OK}
        404:
          $ref: '#/components/responses/NotFound'
    delete:
      operationId: removeGadget
      x-permission: "SYS#Gadgets:removeGadget"
      deprecated: true
      responses:
        "204": {description: No Content}
components:
  responses:
    NotFound:
      description: Not found
      x-error-codes: [{code: 5, description: GADGET_NOT_FOUND}]
"#,
        );
        assert_eq!(report.discrepancies, 0, "{}", report.text);
        assert!(report.text.contains("matched (identical):              2"), "{}", report.text);
        assert!(report.text.contains("observed in public clients, not in the reference: 0"), "{}", report.text);
    }

    #[test]
    fn differences_are_reported() {
        let report = run_compare(
            r#"
paths:
  /api/gadgets/{gid}:
    get:
      operationId: getGadget
      parameters:
        - {name: gid, in: path, required: true, schema: {type: string}}
      x-permission: "TNT#{tenantid}#Gadgets:other"
      x-beta: true
      responses:
        "200": {description: OK}
        "404": {description: NF, x-error-codes: [5, 6, 6]}
        "500": {description: boom}
  /api/extra:
    post:
      operationId: extra
      responses:
        "200": {description: OK}
"#,
        );
        let t = &report.text;
        assert!(t.contains("GET /api/gadgets/{gid}: permission"), "{t}");
        assert!(t.contains("beta: reference false, spec true"), "{t}");
        assert!(t.contains("response 404 error codes: not in reference [6]"), "{t}");
        assert!(t.contains("GET /api/gadgets/{gid}: spec: response 404: `x-error-codes` repeats 6"), "{t}");
        assert!(t.contains("responses not in reference: 500"), "{t}");
        assert!(t.contains("DELETE /api/gadgets/{id}: missing in spec"), "{t}");
        assert!(t.contains("POST /api/extra: in spec but not in reference"), "{t}");
        assert_eq!(report.discrepancies, 7, "{t}");
    }

    #[test]
    fn observed_operations_are_listed_apart_and_a_documented_one_may_not_claim_it() {
        let report = run_compare(
            r#"
paths:
  /api/gadgets/{gid}:
    get:
      operationId: getGadget
      x-evidence: ["a public client"]
      parameters:
        - {name: gid, in: path, required: true, schema: {type: string}}
      x-permission: "TNT#{tenantid}#Gadgets:getGadget"
      responses:
        "200": {description: OK}
        "404": {description: NF, x-error-codes: [5]}
    delete:
      operationId: removeGadget
      parameters:
        - {name: gid, in: path, required: true, schema: {type: string}}
      x-permission: "SYS#Gadgets:removeGadget"
      deprecated: true
      responses:
        "204": {description: No Content}
  /api/gadgets/{gid}/polish:
    post:
      operationId: polishGadget
      x-evidence: ["https://example.com/client.py", captured traffic]
      parameters:
        - {name: gid, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: No Content}
"#,
        );
        let t = &report.text;
        assert!(t.contains("observed in public clients, not in the reference: 1"), "{t}");
        assert!(
            t.contains(
                "  - POST /api/gadgets/{gid}/polish (`polishGadget`): https://example.com/client.py, captured traffic"
            ),
            "{t}"
        );
        assert!(t.contains("spec operations not in reference: 0"), "{t}");
        assert!(!t.contains("polish: in spec but not in reference"), "{t}");
        assert!(
            t.contains("GET /api/gadgets/{gid}: the reference documents it (line 5): drop its `x-evidence`"),
            "{t}"
        );
        assert_eq!(report.discrepancies, 1, "{t}");
    }

    #[test]
    fn the_generators_diagnostics_are_discrepancies() {
        let report = run_compare(
            r#"
paths:
  /api/gadgets/{gid}:
    get:
      operationId: getGadget
      x-evidence: a public client
      parameters:
        - {name: gid, in: path, required: true, schema: {type: string}}
      x-permission: "TNT#{tenantid}#Gadgets:getGadget"
      responses:
        "200": {description: OK}
"#,
        );
        let t = &report.text;
        assert!(
            t.contains("spec: warning: #/paths/~1api~1gadgets~1{gid}/get/x-evidence: must be a non-empty list"),
            "{t}"
        );
        // The malformed operation is skipped by the generator, so it is missing as well.
        assert!(t.contains("GET /api/gadgets/{gadgetId}: missing in spec"), "{t}");
    }
}
