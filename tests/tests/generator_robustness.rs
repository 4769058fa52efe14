//! The generator never panics on input: mangled versions of the real spec (lines deleted,
//! duplicated, truncated, bytes flipped) either generate or fail with located diagnostics.

use sdk_codegen::{build_model, generate, Options};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Options for a small test document: crate `t`, label `t`.
fn small(strict: bool) -> Options {
    Options { crate_name: Some("t".into()), crate_version: "0.1.0".into(), spec_label: "t".into(), strict }
}

/// The diagnostics `spec` is refused with; fails the test when it is accepted or the generator panics.
fn refused(spec: &str, options: &Options, what: &str) -> String {
    match catch_unwind(AssertUnwindSafe(|| generate(spec.as_bytes(), options))) {
        Ok(Err(d)) => d.to_string(),
        Ok(Ok(_)) => panic!("{what} was accepted"),
        Err(_) => panic!("{what} panicked"),
    }
}

fn spec() -> Vec<u8> {
    std::fs::read(xtask::workspace_root().join(xtask::SPEC)).expect("spec/trustx.yaml is readable")
}

fn mutate(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(original);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    match rng.below(5) {
        0 => {
            // Delete a run of lines.
            let start = rng.below(lines.len());
            let len = 1 + rng.below(8);
            lines.drain(start..(start + len).min(lines.len()));
        }
        1 => {
            // Duplicate a line elsewhere (duplicate keys, misplaced mappings).
            let from = rng.below(lines.len());
            let to = rng.below(lines.len());
            let line = lines[from].clone();
            lines.insert(to, line);
        }
        2 => {
            // Re-indent a line.
            let at = rng.below(lines.len());
            let trimmed = lines[at].trim_start().to_string();
            lines[at] = format!("{}{}", " ".repeat(rng.below(12)), trimmed);
        }
        3 => {
            // Truncate the document.
            let keep = rng.below(lines.len());
            lines.truncate(keep);
        }
        _ => {
            // Replace a `$ref` target or a value with nonsense.
            let at = rng.below(lines.len());
            if let Some((key, _)) = lines[at].split_once(':') {
                lines[at] = format!("{key}: \"#/components/schemas/Nope{}\"", rng.below(100));
            }
        }
    }
    let mut out = lines.join("\n").into_bytes();
    if rng.below(4) == 0 && !out.is_empty() {
        let at = rng.below(out.len());
        out[at] = (rng.next() & 0xff) as u8;
    }
    out
}

#[test]
fn mangled_specs_never_panic() {
    let original = spec();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let (mut ok, mut failed) = (0, 0);
    for round in 0..150 {
        let input = mutate(&mut rng, &original);
        let result = catch_unwind(AssertUnwindSafe(|| build_model(&input, "mangled.yaml")));
        match result {
            Err(_) => panic!("the generator panicked on mutation round {round}"),
            Ok(Ok(_)) => ok += 1,
            Ok(Err(diags)) => {
                failed += 1;
                assert!(diags.has_errors(), "round {round}: Err without an error diagnostic");
                for d in diags.errors() {
                    assert!(
                        d.location.contains('#') || d.location.contains("mangled.yaml"),
                        "round {round}: diagnostic without a location: {d}"
                    );
                }
            }
        }
    }
    // Both outcomes must occur, or the mutations are not exercising anything.
    assert!(ok > 0 && failed > 0, "ok {ok}, failed {failed}");
}

#[test]
fn mangled_specs_that_model_also_emit_without_panic() {
    let original = spec();
    let mut rng = Rng(0xfeed_0042_dead_beef);
    // The committed crate's options, lenient: a mangled spec may still generate with warnings.
    let options = Options { spec_label: "m.yaml".into(), strict: false, ..xtask::committed_options() };
    let mut emitted = 0;
    for round in 0..40 {
        let input = mutate(&mut rng, &original);
        if build_model(&input, "m.yaml").is_err() {
            continue;
        }
        let result = catch_unwind(AssertUnwindSafe(|| generate(&input, &options)));
        match result {
            Err(_) => panic!("emit panicked on mutation round {round}"),
            Ok(Ok(g)) => {
                assert!(g.files.contains_key("src/lib.rs"));
                emitted += 1;
            }
            Ok(Err(d)) => assert!(d.has_errors()),
        }
        if emitted >= 8 {
            break;
        }
    }
    assert!(emitted > 0, "no mutation got as far as emitting");
}

/// A crafted title or spec file name cannot inject into the generated files: the title is escaped
/// for the TOML string it goes into, the file name for the one-line comments of every header (a
/// newline in either used to add a `[build-dependencies]` table to `Cargo.toml`).
#[test]
fn a_crafted_title_or_file_name_cannot_inject_into_the_manifest_or_headers() {
    let title = "Evil \\ \"Title\"\n[build-dependencies]\nx = \"1\"";
    let spec = format!(
        "openapi: 3.0.3\ninfo: {{title: {}, version: '1'}}\npaths:\n  /p:\n    get:\n      operationId: getP\n      responses:\n        '204': {{description: ok}}\n",
        serde_json::to_string(title).expect("a JSON string is a YAML scalar")
    );
    let options = Options {
        crate_name: Some("evil".into()),
        crate_version: "0.1.0".into(),
        spec_label: "evil\n[build-dependencies]\ny = \"1\"\n-->\u{202e}.yaml".into(),
        strict: true,
    };
    let generated = generate(spec.as_bytes(), &options).unwrap_or_else(|d| panic!("{d}"));
    let manifest = &generated.files["Cargo.toml"];
    assert!(!manifest.lines().any(|l| l.trim_start().starts_with("[build-dependencies]")), "{manifest}");
    assert!(!manifest.lines().any(|l| l.starts_with("x =") || l.starts_with("y =")), "{manifest}");
    for (path, text) in &generated.files {
        if path.ends_with(".rs") {
            let mut lines = text.lines();
            assert!(lines.next().is_some_and(|l| l.starts_with("// @generated")), "{path}");
            assert!(lines.next().is_some_and(|l| l.starts_with("// Do not edit")), "{path}");
        }
        assert!(!text.contains('\u{202e}'), "a bidi control in {path}");
    }
    assert_eq!(generated.files["README.md"].matches("-->").count(), 1, "only the comment's own end");
    // Cargo reads the manifest, and the description keeps the title's characters.
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("Cargo.toml"), manifest).expect("write");
    std::fs::create_dir_all(dir.path().join("src/bin")).expect("mkdir");
    std::fs::write(dir.path().join("src/lib.rs"), "").expect("write");
    std::fs::write(dir.path().join("src/bin/cli.rs"), "fn main() {}").expect("write");
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--no-deps", "--offline", "--format-version", "1", "--manifest-path"])
        .arg(dir.path().join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let description = meta["packages"][0]["description"].as_str().unwrap_or_default();
    assert!(description.contains(title), "{description}");
}

/// Names nobody validated used to reach `Ident::new` and panic (exit 101): a server variable's
/// `x-rust-name` that is not an identifier, a `--crate-name` that is not a crate name, a title that
/// makes a reserved crate name. Each is now a located error, or a usable name.
#[test]
fn unvalidated_names_are_located_errors_not_panics() {
    let with_variable = |rust_name: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\nservers:\n  - url: 'https://{{tenantId}}.x.com'\n    variables:\n      tenantId: {{default: t, x-rust-name: '{rust_name}'}}\npaths:\n  /p:\n    get:\n      operationId: getP\n      responses:\n        '204': {{description: ok}}\n"
        )
    };
    let options = |name: Option<&str>| Options { crate_name: name.map(str::to_owned), ..small(false) };
    for bad in ["my-tenant", "", "1st", "a b"] {
        let diags = refused(&with_variable(bad), &options(Some("t")), &format!("x-rust-name `{bad}`"));
        assert!(diags.contains("/servers/0/variables/tenantId/x-rust-name"), "{diags}");
    }
    let ok = with_variable("tenant");
    for bad in ["my.crate", "", "self", "std", "9lives", "type"] {
        let diags = refused(&ok, &options(Some(bad)), &format!("--crate-name `{bad}`"));
        assert!(diags.contains("--crate-name"), "{diags}");
    }
    for title in ["Self", "crate", "std", "type"] {
        let spec = ok.replace("title: t,", &format!("title: {title},"));
        let generated = generate(spec.as_bytes(), &options(None)).unwrap_or_else(|d| panic!("{title}: {d}"));
        assert!(generated.files["Cargo.toml"].contains(&format!("name = \"{}-api\"", title.to_lowercase())));
    }
}

/// A path key without its leading `/` used to be dropped by the parser with its operations, with
/// exit 0 and no word even under `--strict`; it is now an error at `#/paths/<key>`, in YAML and JSON.
#[test]
fn a_path_without_a_leading_slash_is_refused_not_dropped() {
    let yaml = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /ok:\n    get:\n      operationId: getOk\n      responses:\n        '204': {description: ok}\n  api/b:\n    get:\n      operationId: getB\n      responses:\n        '204': {description: ok}\n";
    let json = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"api/b": {"get": {"operationId": "getB", "responses": {"204": {"description": "ok"}}}}}}"#;
    for spec in [yaml, json] {
        let text = refused(spec, &small(false), "a path without its leading slash");
        assert!(text.contains("#/paths/api~1b") && text.contains("write `/api/b`"), "{text}");
    }
}

/// A type name past the file system's 255 bytes (a long schema key, or deep `oneOf` nesting) gets a
/// shortened file and module name with a hash, instead of a write that fails half-way.
#[test]
fn a_very_long_type_name_gets_a_bounded_file_name() {
    let long = format!("Very{}Long", "Deeply".repeat(60));
    let spec = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /p:\n    get:\n      operationId: getP\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/{long}'}}\ncomponents:\n  schemas:\n    {long}:\n      type: object\n      properties:\n        a: {{type: string}}\n"
    );
    let generated = generate(spec.as_bytes(), &small(true)).unwrap_or_else(|d| panic!("{d}"));
    for path in generated.files.keys() {
        let name = path.rsplit('/').next().unwrap_or_default();
        assert!(name.len() <= 100, "{} bytes: {name}", name.len());
    }
    let models = &generated.files["src/models/mod.rs"];
    let module = generated.files.keys().find(|p| p.starts_with("src/models/very_deeply")).expect("the model file");
    let stem = module.trim_start_matches("src/models/").trim_end_matches(".rs");
    assert!(models.contains(&format!("mod {stem};")), "{models}");
    // The files can be written.
    let dir = tempfile::tempdir().expect("a temp dir");
    for (path, text) in &generated.files {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&target, text).expect("a writable file name");
    }
}

/// A schema `$ref: '#/paths'` used to hoist all of `paths` into a schema ("the document has no
/// paths"); it is now a located diagnostic at the reference (an error under `--strict`; without it
/// the operation is skipped with that warning).
#[test]
fn a_schema_reference_to_a_non_schema_is_a_located_error() {
    let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /p:\n    get:\n      operationId: getP\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/paths'}\n";
    let err = refused(spec, &small(true), "a schema reference to #/paths");
    assert!(err.contains("#/paths/~1p/get/responses/200"), "{err}");
    assert!(!err.contains("has no paths"), "{err}");
}

/// A parameter `$ref` that points at a schema used to end in an internal error located at `#`; it is
/// now an error at the parameter that says what is wrong.
#[test]
fn a_parameter_reference_to_a_schema_is_located() {
    let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /p:\n    get:\n      operationId: getP\n      parameters:\n        - $ref: '#/components/schemas/Thing'\n      responses:\n        '204': {description: ok}\ncomponents:\n  schemas:\n    Thing: {type: object, properties: {a: {type: string}}}\n";
    let err = refused(spec, &small(true), "a parameter reference to a schema");
    assert!(err.contains("#/paths/~1p/get/parameters/0"), "{err}");
    assert!(!err.contains("internal error"), "{err}");
}

/// Schemas that are themselves again with no object, array or map in between (an `allOf` cycle,
/// an `allOf` of itself, a `oneOf` or `anyOf` that holds itself) used to generate `type A = B;
/// type B = A;` (E0391) or an enum that holds itself by value (E0072); there is no JSON value of
/// that shape. Each is now an error located at the schema. (Those that contain themselves through
/// an array or a map become newtypes: `tests/fixtures/features/recursive_shapes.yaml`.)
#[test]
fn a_schema_that_is_only_itself_again_is_a_located_error() {
    let with_schemas = |schemas: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /p:\n    get:\n      operationId: getP\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/A'}}\ncomponents:\n  schemas:\n{schemas}"
        )
    };
    let cases = [
        ("an allOf cycle", "    A: {allOf: [{$ref: '#/components/schemas/B'}]}\n    B: {allOf: [{$ref: '#/components/schemas/A'}]}\n", "#/components/schemas/A"),
        ("an allOf of itself", "    A: {allOf: [{$ref: '#/components/schemas/A'}]}\n", "#/components/schemas/A"),
        ("a oneOf that holds itself", "    A: {oneOf: [{$ref: '#/components/schemas/A'}, {type: string}]}\n", "#/components/schemas/A"),
        (
            "two unions that hold each other",
            "    A: {anyOf: [{$ref: '#/components/schemas/B'}, {type: string}]}\n    B: {oneOf: [{$ref: '#/components/schemas/A'}, {type: integer}]}\n",
            "#/components/schemas/A",
        ),
        (
            "a discriminated oneOf that holds itself",
            "    A:\n      oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/C'}]\n      discriminator: {propertyName: kind}\n    C: {type: object, properties: {kind: {type: string}}}\n",
            "#/components/schemas/A",
        ),
    ];
    for (what, schemas, at) in cases {
        for strict in [false, true] {
            let err = refused(&with_schemas(schemas), &small(strict), what);
            // An `allOf` cycle is caught by validation's check of reference cycles first.
            let said = err.contains("no JSON value has this shape") || err.contains("only a reference to itself");
            assert!(err.contains(at) && said, "{what}: {err}");
            assert!(!err.contains("internal error"), "{what}: {err}");
        }
    }
}

/// A nest of schemas with one that does not parse deep inside took minutes: the typed parse
/// (untagged enums) retries every level above a failure, doubling the time per level (the fuzz
/// harness found a 13 KB document of 60 levels; the 25 levels below took 12 s in a debug build).
/// Nests past `MAX_SCHEMA_NESTING` (16) are now refused at once, at the first schema past the limit.
#[test]
fn a_deep_nest_of_schemas_is_refused_quickly_and_located() {
    use serde_json::json;
    // Five levels: properties, additionalProperties, oneOf, allOf, items.
    let cycle = |inner: serde_json::Value| {
        json!({"type": "object", "properties": {"a": {"type": "object", "additionalProperties":
            {"oneOf": [{"allOf": [{"type": "array", "items": inner}]}, {"type": "string"}]}}}})
    };
    let document = |schema: serde_json::Value| {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/p": {"get": {"operationId": "getP", "responses": {"200": {"description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
            "components": {"schemas": {"A": schema}}
        })
        .to_string()
    };
    let mut broken = cycle(cycle(json!({"type": "string"})));
    broken["properties"]["parameters"] = json!("object"); // a property that is not a schema
    let nest = (0..3).fold(broken, |schema, _| cycle(schema));
    let started = std::time::Instant::now();
    let err = refused(&document(nest), &small(false), "a 25-level nest of schemas");
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(err.contains("#/components/schemas/A/") && err.contains("nest more than 16 levels"), "{err}");
    // Sixteen levels are read.
    let items = (0..16).fold(json!({"type": "string"}), |schema, _| json!({"type": "array", "items": schema}));
    generate(document(items).as_bytes(), &small(true)).unwrap_or_else(|d| panic!("{d}"));
}

/// Within the nesting limit the same retries made 1,500 properties under 11 levels of
/// `additionalProperties`, with one `type` that is not a string, take 35 s (debug build); deep
/// schemas are now parsed one by one, deepest first, and the error is at the schema that is wrong.
#[test]
fn a_deep_schema_that_does_not_parse_is_found_quickly_where_it_is() {
    use serde_json::json;
    let props: serde_json::Map<String, serde_json::Value> =
        (0..1_500).map(|i| (format!("p{i}"), json!({"type": "string"}))).collect();
    let wrong = json!({"type": "object", "additionalProperties": {"type": {"type": "object", "properties": props}}});
    let nest = (0..10).fold(wrong, |schema, _| json!({"type": "object", "additionalProperties": schema}));
    let spec = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/p": {"get": {"operationId": "getP", "responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": nest}}}}}}}
    })
    .to_string();
    let started = std::time::Instant::now();
    let err = refused(&spec, &small(false), "a deep schema with a `type` that is a mapping");
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "{:?}", started.elapsed());
    let at = format!(
        "#/paths/~1p/get/responses/200/content/application~1json/schema{}:",
        "/additionalProperties".repeat(11)
    );
    assert!(err.contains(&at) && err.contains("expected a string"), "{err}");
}

/// 50,000 nested brackets in 100 KB of YAML took 13 s in the YAML scanner (its time grows with the
/// square of the depth) before its own limit refused them; they are now refused before it runs.
#[test]
fn deeply_nested_brackets_are_refused_before_the_yaml_scanner() {
    let spec = format!("openapi: 3.0.3\nx: {}{}\n", "[".repeat(50_000), "]".repeat(50_000));
    let started = std::time::Instant::now();
    let err = refused(&spec, &small(false), "50,000 nested brackets");
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(err.contains("t:2:1004") && err.contains("brackets nest more than 1000"), "{err}");
}

/// A byte-order mark before a YAML document was read as a second document ("more than one document is
/// not supported"), and YAML errors without a place (a second document, an alias bomb) had no
/// location; the mark is skipped, and those errors are located at `file:1:1`.
#[test]
fn a_byte_order_mark_is_skipped_and_placeless_yaml_errors_are_located() {
    let doc = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /p:\n    get:\n      operationId: getP\n      responses:\n        '204': {description: ok}\n";
    let generated = generate(format!("\u{feff}{doc}").as_bytes(), &small(true)).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(generated.api.services.iter().map(|s| s.operations.len()).sum::<usize>(), 1);
    let json = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/p": {"get": {"operationId": "getP", "responses": {"204": {"description": "ok"}}}}}}"#;
    generate(format!("\u{feff}{json}").as_bytes(), &small(true)).unwrap_or_else(|d| panic!("{d}"));
    let two = format!("{doc}---\nopenapi: 3.0.3\n");
    let err = refused(&two, &small(false), "two YAML documents");
    assert!(err.contains("error: t:1:1: invalid YAML"), "{err}");
}

/// `Color: {$ref: Paint}` with `Paint: {allOf: [{$ref: Color}]}` made two aliases of each other and
/// overflowed the stack (a crash no `catch_unwind` stops); a schema that is only `allOf: [$ref]` now
/// counts as a reference for the check that refuses cycles of references.
#[test]
fn a_cycle_of_references_through_a_single_all_of_is_refused() {
    let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /p:\n    get:\n      operationId: getP\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Paint'}\ncomponents:\n  schemas:\n    Color: {$ref: '#/components/schemas/Paint'}\n    Paint: {allOf: [{$ref: '#/components/schemas/Color'}]}\n";
    let err = refused(spec, &small(false), "a cycle of references through allOf");
    assert!(err.contains("#/components/schemas/Paint") && err.contains("only a reference to itself"), "{err}");
}

/// A diagnostic cut to its first 400 characters lost its end, and with it "operation `x` is skipped":
/// an operation with a 100,000-character `x-permission` was dropped with a warning that did not say so.
/// Cut diagnostics keep their start and their end.
#[test]
fn a_cut_diagnostic_still_says_the_operation_is_skipped() {
    let permission = "é".repeat(100_000);
    let spec = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /p:\n    get:\n      operationId: getP\n      x-permission: \"{permission}\"\n      responses:\n        '204': {{description: ok}}\n  /q:\n    get:\n      operationId: getQ\n      responses:\n        '204': {{description: ok}}\n"
    );
    let generated = generate(spec.as_bytes(), &small(false)).unwrap_or_else(|d| panic!("{d}"));
    let ops: Vec<&str> =
        generated.api.services.iter().flat_map(|s| &s.operations).map(|o| o.operation_id.as_str()).collect();
    assert_eq!(ops, ["getQ"]);
    let warning = generated.warnings.warnings().next().map(ToString::to_string).unwrap_or_default();
    assert!(warning.contains("#/paths/~1p/get/x-permission"), "{warning}");
    assert!(warning.ends_with("operation `getP` is skipped"), "{warning}");
    assert!(warning.chars().count() < 600, "{} characters", warning.chars().count());
}

/// A property whose inline `allOf` leads back to the component that holds it was hoisted without
/// end (stack overflow; the fuzz harness's known class). `allOf: [{allOf: [$ref]}]` is now the
/// reference itself (a boxed field); a merged inline schema that meets itself again is an error
/// located at the property.
#[test]
fn an_inline_all_of_that_leads_back_to_its_holder_is_boxed_or_located() {
    let with_self = |schema: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /p:\n    get:\n      operationId: getP\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/Node'}}\ncomponents:\n  schemas:\n    Node:\n      type: object\n      properties:\n        self: {schema}\n"
        )
    };
    let nested = with_self("{allOf: [{allOf: [{$ref: '#/components/schemas/Node'}]}]}");
    let generated = catch_unwind(AssertUnwindSafe(|| generate(nested.as_bytes(), &small(true))))
        .unwrap_or_else(|_| panic!("panicked"))
        .unwrap_or_else(|d| panic!("{d}"));
    let node = &generated.files["src/models/node.rs"];
    assert!(node.contains("pub self_: Option<Box<crate::models::Node>>"), "{node}");

    let merged = with_self(
        "{allOf: [{$ref: '#/components/schemas/Node'}, {type: object, properties: {extra: {type: string}}}]}",
    );
    let err = refused(&merged, &small(false), "an inline allOf that meets itself again");
    assert!(err.contains("#/components/schemas/Node/properties/self") && err.contains("contains itself"), "{err}");
}

/// A path item or parameter that is `$ref: '#'` (the whole document) was inlined again inside each
/// copy of itself, doubling the document per level (the fuzz harness's document 521 of seed 20:
/// 700 bytes, 22 s); a target met again inside its own copy is left as a reference, and the
/// document is refused at the parameter.
#[test]
fn a_reference_to_the_whole_document_is_inlined_once_and_located() {
    let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    $ref: '#'\n  /b:\n    delete:\n      operationId: delB\n      parameters:\n        - $ref: '#'\n      responses:\n        '204': {description: ok}\n";
    let err = refused(spec, &small(false), "a reference to the whole document");
    assert!(err.contains("#/paths/~1b/delete/parameters/0"), "{err}");
}
