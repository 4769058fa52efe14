//! Every feature fixture (`tests/fixtures/features/*.yaml`) generates a crate that compiles and is
//! clippy-clean (`-D warnings`); some get a small integration test of their models (`BEHAVIOUR`).
//!
//! The crates are written (as `cargo xtask codegen --out` would) to `target/fixture-crates/<name>`,
//! with a `[workspace]` manifest listing them all, so one `cargo clippy` builds them together. The
//! build shares `target/fixtures` as its target dir so repeated runs are incremental.
//!
//! Slow (a cold build compiles reqwest & co.), so ignored by default:
//! `cargo test -p trustx-tests --test fixtures_compile -- --ignored`.

use sdk_codegen::{generate, Options};
use std::path::PathBuf;
use std::process::Command;

use xtask::workspace_root as workspace;

/// Fixture names (file stems), sorted.
fn fixtures() -> Vec<String> {
    let dir = workspace().join("tests/fixtures/features");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read tests/fixtures/features")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Writes every fixture crate plus the `[workspace]` manifest; returns the workspace folder.
fn write_fixture_workspace() -> PathBuf {
    let root = workspace().join("target/fixture-crates");
    std::fs::create_dir_all(&root).expect("create target/fixture-crates");
    let names = fixtures();
    assert!(names.len() >= 16, "expected all feature fixtures, found {names:?}");
    for name in &names {
        let file = format!("{name}.yaml");
        let bytes = std::fs::read(workspace().join("tests/fixtures/features").join(&file)).expect("read fixture");
        let options = Options {
            crate_name: Some(format!("fixture-{}", name.replace('_', "-"))),
            crate_version: "0.1.0".into(),
            spec_label: file.clone(),
            strict: false,
        };
        let generated = generate(&bytes, &options).unwrap_or_else(|d| panic!("{file} does not generate:\n{d}"));
        sdk_codegen::write::write_all(&root.join(name), &generated.files)
            .unwrap_or_else(|e| panic!("cannot write the {name} crate: {e}"));
    }
    for (name, test) in BEHAVIOUR {
        let dir = root.join(name).join("tests");
        std::fs::create_dir_all(&dir).expect("create a fixture crate's tests/");
        std::fs::write(dir.join("behaviour.rs"), test).expect("write a behaviour test");
    }
    let members: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    let manifest = format!(
        "# Written by tests/tests/fixtures_compile.rs.\n[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
        members.join(", ")
    );
    std::fs::write(root.join("Cargo.toml"), manifest).expect("write the fixture workspace manifest");
    // Reuse the main workspace's lock file so the fixture crates build against the same (cached) versions.
    let _ = std::fs::copy(workspace().join("Cargo.lock"), root.join("Cargo.lock"));
    root
}

/// Integration tests written into some fixture crates (`tests/behaviour.rs`) after generation: they
/// check the generated models behave, not only compile. (`write_all` treats them as stray and
/// removes them on the next generation; they are written again right after.)
const BEHAVIOUR: &[(&str, &str)] = &[
    (
        "path_templates",
        r#"
use fixture_path_templates::models::CompareRefsResponse200;
use fixture_path_templates::test_util::MockServer;

/// Two parameters and literal text in one segment, and cookies, sent to a real local server.
#[tokio::test]
async fn several_parameters_in_one_segment_and_cookies() {
    let mock = MockServer::start().await;
    let stub = mock
        .repos()
        .compare_refs()
        .path_param("base", "main")
        .path_param("head", "feature/x")
        .respond(200, &CompareRefsResponse200::new(3).with_behind(1))
        .await;
    let client = mock.client();
    let diff = client
        .repos()
        .compare_refs("octo cat", "main", "feature/x", "s3cr3t;=")
        .theme("dark")
        .verbose(true)
        .send()
        .await
        .unwrap();
    assert_eq!((diff.ahead, diff.behind), (3, Some(1)));
    let received = stub.requests().await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, "/repos/octo%20cat/compare/main...feature%2Fx.diff");
    assert_eq!(received[0].path_param("owner"), Some("octo cat"));
    assert_eq!(received[0].header("cookie"), Some("session=s3cr3t%3B%3D; theme=dark"));
    assert_eq!(received[0].query_value("verbose"), Some("true"));

    // The path item given by `$ref` and the schema referenced inside another operation work too.
    let summary = mock.repos().repo_summary().respond_empty(204).await;
    client.repos().repo_summary("octo").send().await.unwrap();
    assert_eq!(summary.count().await, 1);
    mock.repos().compare_again().respond(200, &CompareRefsResponse200::new(0)).await;
    let again: CompareRefsResponse200 = client.repos().compare_again("octo").send().await.unwrap();
    assert_eq!(again.ahead, 0);
}
"#,
    ),
    (
        "nullable",
        r#"
use fixture_nullable::models::Thing;
use serde_json::json;

#[test]
fn required_and_optional_with_and_without_nullable() {
    // Required, not nullable: a missing value is an error.
    assert!(serde_json::from_value::<Thing>(json!({"requiredNullable": null})).is_err());
    // Required + nullable: null is a value (None) and is written back as null.
    let t: Thing = serde_json::from_value(json!({"requiredPlain": "a", "requiredNullable": null})).unwrap();
    assert_eq!(t.required_nullable, None);
    assert_eq!(t.optional_plain, None);
    assert_eq!(t.optional_nullable, None);
    assert_eq!(serde_json::to_value(&t).unwrap(), json!({"requiredPlain": "a", "requiredNullable": null}));
    // Optional: absent stays absent; optional + nullable: absent, null and a value are three states.
    let t: Thing = serde_json::from_value(json!({
        "requiredPlain": "a", "requiredNullable": "b", "optionalPlain": 5, "optionalNullable": null
    }))
    .unwrap();
    assert_eq!(t.required_nullable.as_deref(), Some("b"));
    assert_eq!(t.optional_plain, Some(5));
    assert_eq!(t.optional_nullable, Some(None));
    assert_eq!(
        serde_json::to_value(&t).unwrap(),
        json!({"requiredPlain": "a", "requiredNullable": "b", "optionalPlain": 5, "optionalNullable": null})
    );
    let t: Thing = serde_json::from_value(json!({
        "requiredPlain": "a", "requiredNullable": null, "optionalNullable": "2026-04-27T10:00:00Z"
    }))
    .unwrap();
    assert!(matches!(t.optional_nullable, Some(Some(_))));
    let built = Thing::new("a", None);
    assert_eq!(serde_json::to_value(&built).unwrap(), json!({"requiredPlain": "a", "requiredNullable": null}));
}
"#,
    ),
    (
        "enum",
        r#"
use fixture_enum::models::Color;
use serde_json::json;

#[test]
fn known_and_unknown_values() {
    for (wire, color) in [("RED", Color::Red), ("dark-blue", Color::DarkBlue), ("snake_case_value", Color::SnakeCaseValue)] {
        assert_eq!(serde_json::from_value::<Color>(json!(wire)).unwrap(), color);
        assert_eq!(serde_json::to_value(&color).unwrap(), json!(wire));
    }
    let unknown: Color = serde_json::from_value(json!("ULTRAVIOLET")).unwrap();
    assert_eq!(unknown, Color::Unknown("ULTRAVIOLET".into()));
    assert_eq!(serde_json::to_value(&unknown).unwrap(), json!("ULTRAVIOLET"));
    assert_eq!(unknown.to_string(), "ULTRAVIOLET");
}
"#,
    ),
    (
        "one_of_discriminator",
        r#"
use fixture_one_of_discriminator::models::{Circle, Shape};
use serde_json::json;

#[test]
fn picks_the_variant_by_the_discriminator() {
    let circle = json!({"kind": "circle", "radius": 1.5});
    let shape: Shape = serde_json::from_value(circle.clone()).unwrap();
    assert!(matches!(&shape, Shape::Circle(c) if c.radius == 1.5));
    assert_eq!(serde_json::to_value(&shape).unwrap(), circle);
    let square: Shape = serde_json::from_value(json!({"kind": "square", "side": 2.0})).unwrap();
    assert!(matches!(square, Shape::Square(_)));
    // An unknown tag is kept as it is.
    let hexagon = json!({"kind": "hexagon", "sides": 6});
    let shape: Shape = serde_json::from_value(hexagon.clone()).unwrap();
    assert!(matches!(shape, Shape::Unknown(_)));
    assert_eq!(serde_json::to_value(&shape).unwrap(), hexagon);
    // The tag is written even when the payload's own field was left empty.
    let made = Shape::Circle(Circle::new(String::new(), 2.0));
    assert_eq!(serde_json::to_value(&made).unwrap()["radius"], json!(2.0));
    // A known tag with a broken payload is an error, not Unknown.
    assert!(serde_json::from_value::<Shape>(json!({"kind": "circle", "radius": "big"})).is_err());
}
"#,
    ),
    (
        "one_of_untagged",
        r#"
use fixture_one_of_untagged::models::Value;
use serde_json::json;

#[test]
fn first_variant_that_parses_wins() {
    assert_eq!(serde_json::from_value::<Value>(json!(5)).unwrap(), Value::Integer(5));
    assert_eq!(serde_json::from_value::<Value>(json!("x")).unwrap(), Value::String("x".into()));
    let point = json!({"x": 1.0, "y": 2.0, "label": "p"});
    let v: Value = serde_json::from_value(point.clone()).unwrap();
    assert!(matches!(v, Value::Point(_)));
    assert_eq!(serde_json::to_value(&v).unwrap(), point);
    let other: Value = serde_json::from_value(json!([1, 2])).unwrap();
    assert_eq!(other, Value::Unknown(json!([1, 2])));
}
"#,
    ),
    (
        "recursion",
        r#"
use fixture_recursion::models::{ListNode, TreeNode};
use serde_json::json;

#[test]
fn recursive_types_round_trip() {
    let tree = json!({"value": "root", "children": [
        {"value": "a", "children": [{"value": "a1"}]},
        {"value": "b", "parent": {"value": "root"}}
    ]});
    let node: TreeNode = serde_json::from_value(tree.clone()).unwrap();
    assert_eq!(node.children.as_ref().map(Vec::len), Some(2));
    assert_eq!(serde_json::to_value(&node).unwrap(), tree);
    let list = json!({"value": 1, "next": {"value": 2, "next": {"value": 3, "next": null}}});
    let head: ListNode = serde_json::from_value(list.clone()).unwrap();
    assert_eq!(head.next.as_ref().and_then(|n| n.next.as_ref()).map(|n| n.value), Some(3));
    assert_eq!(serde_json::to_value(&head).unwrap(), list);
}
"#,
    ),
    (
        "recursive_shapes",
        r#"
use fixture_recursive_shapes::models::{Call, Dictionary, Expression, Forest, Nested};
use serde_json::json;

#[test]
fn schemas_that_contain_themselves_through_arrays_and_maps_round_trip() {
    let nested = json!([[], [[[]], []]]);
    let n: Nested = serde_json::from_value(nested.clone()).unwrap();
    assert_eq!(n.0.len(), 2);
    assert_eq!(n.0[1].0[0], Nested(vec![Nested::default()]));
    assert_eq!(serde_json::to_value(&n).unwrap(), nested);
    let dictionary = json!({"a": {}, "b": {"c": {}}});
    let d: Dictionary = serde_json::from_value(dictionary.clone()).unwrap();
    assert_eq!(d.0["b"].0.len(), 1);
    assert_eq!(serde_json::to_value(&d).unwrap(), dictionary);
    let forest = json!([{"x": []}, {"y": [{"z": []}]}]);
    let f: Forest = serde_json::from_value(forest.clone()).unwrap();
    assert_eq!(serde_json::to_value(&f).unwrap(), forest);
    assert!(serde_json::from_value::<Nested>(json!([1])).is_err());
    let expression = json!({"function": "sum", "argument": [1, [2, 3], {"function": "neg", "argument": 4}]});
    let e: Expression = serde_json::from_value(expression.clone()).unwrap();
    let Expression::Call(call) = &e else { panic!("{e:?}") };
    assert!(matches!(call.argument.as_deref(), Some(Expression::List(items)) if items.len() == 3));
    assert_eq!(serde_json::to_value(&e).unwrap(), expression);
    let _ = Call::new("f");
}
"#,
    ),
    (
        "name_clashes",
        r#"
use fixture_name_clashes::error_codes::{ABErrorCode, ABErrorCode2, ErrorCode};
use fixture_name_clashes::models::{Serde, Std};
use fixture_name_clashes::operations::pets::{ListPets, ListPetsParams2, PetsClient, PetsClient2};
use fixture_name_clashes::test_util::MockServer;
use fixture_name_clashes::{Client, Client2, ErrorCode2, HttpError2};
use std::process::Command;

/// Every name that clashed has its own now, and each does what it says.
#[tokio::test]
async fn clashing_names_are_apart_and_work() {
    let mock = MockServer::start().await;
    let stub = mock.pets().pets_client().respond_empty(204).await;
    let client = mock.client();
    let pets: PetsClient = client.pets();
    let request: PetsClient2 = pets.pets_client();
    request.send().await.unwrap();
    assert_eq!(stub.count().await, 1);
    let _: ListPets = client.pets().list_pets();
    let _: ListPetsParams2 = client.pets().list_pets_params();
    mock.pets().clone_2().respond(200, &Std::default()).await;
    let _: Std = client.pets().clone_2().send().await.unwrap();
    let _ = client.pets().serde().body(Serde::De);
    let _ = (client.cli_2(), client.test_util_2(), client.error_code_2(), client.a1(), client.a_1_2(), client.std_2());
    assert_eq!(ErrorCode::AB(ABErrorCode::AB).code(), 1);
    assert_eq!(ErrorCode::AB2(ABErrorCode2::Missing).service(), "a_b");
    assert_eq!(ABErrorCode::AB2.code(), 2);
    let builder = Client::builder()
        .sub_2("s")
        .api_2("a")
        .from_env_2("e")
        .build_2("b")
        .timeout_2("t")
        .show_server_messages_2("s")
        .apply_env_2("x")
        .http_error(HttpError2::Two)
        .error_code(ErrorCode2::Y)
        .client(Client2::D)
        .retry_policy_2(fixture_name_clashes::RetryPolicy2::R);
    let built = builder.build().unwrap();
    assert!(built.base_url().starts_with("https://s.a.e.b.t.s.x.two.y.d.r."), "{}", built.base_url());
}

/// The command-line tool builds its command tree (clap checks it for duplicate commands and flags
/// in debug builds) and keeps its own commands.
#[test]
fn the_command_line_tool_keeps_its_own_commands_and_flags() {
    let tool = env!("CARGO_BIN_EXE_fixture-name-clashes");
    for args in [&["--help"][..], &["pets", "--help"], &["pets", "help-2", "--help"], &["error-code", "1"]] {
        let out = Command::new(tool).args(args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}: {text}{}", String::from_utf8_lossy(&out.stderr));
        if args == ["pets", "help-2", "--help"] {
            assert!(text.contains("--param-show-secret") && text.contains("--add"), "{text}");
        }
    }
}
"#,
    ),
];

#[test]
#[ignore = "slow: builds the fixture crates; run in CI with --ignored"]
fn all_feature_fixtures_compile_clippy_clean_and_behave() {
    let root = write_fixture_workspace();
    let output = Command::new(env!("CARGO"))
        .args([
            "clippy",
            "--quiet",
            "--keep-going",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", workspace().join("target/fixtures"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo clippy");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the fixture crates in {} do not build clippy-clean:\n{stderr}", root.display());
    assert!(!stderr.contains("warning:"), "warnings while building the fixture crates:\n{stderr}");

    let mut test = Command::new(env!("CARGO"));
    test.args(["test", "--quiet", "--all-features", "--test", "behaviour"]).current_dir(&root);
    for (name, _) in BEHAVIOUR {
        test.arg("--package").arg(format!("fixture-{}", name.replace('_', "-")));
    }
    let output = test
        .env("CARGO_TARGET_DIR", workspace().join("target/fixtures"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo test");
    assert!(
        output.status.success(),
        "the fixture crates' behaviour tests fail:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
