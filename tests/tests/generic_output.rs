//! The generator and the runtime it ships are generic: everything specific to TrustX comes from the
//! spec. A document without TrustX's extensions gets a crate with no TrustX name in it, and the
//! generator's code names TrustX only in comments.

mod workspace;

use sdk_codegen::{generate, Options};
use workspace::workspace;

/// Lines of `dir`'s `.rs` files that mention `word` (any case) outside a comment.
fn code_mentions(dir: &std::path::Path, word: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read source");
                for (i, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or_default();
                    if code.to_lowercase().contains(word) {
                        hits.push(format!("{}:{}: {line}", path.display(), i + 1));
                    }
                }
            }
        }
    }
    hits
}

#[test]
fn generator_and_runtime_code_name_no_api() {
    let root = workspace();
    for dir in ["generator/src", "generator/runtime/src"] {
        let hits = code_mentions(&root.join(dir), "trustx");
        assert!(hits.is_empty(), "TrustX outside comments in {dir}:\n{}", hits.join("\n"));
    }
    // The runtime does not mention it even in comments: its files are copied into every crate.
    let runtime = root.join("generator/runtime");
    for entry in std::fs::read_dir(runtime.join("src")).expect("runtime/src") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.to_lowercase().contains("trustx"), "{} mentions TrustX", path.display());
    }
}

#[test]
fn a_document_without_extensions_gets_a_crate_without_trustx() {
    let dir = workspace().join("tests/fixtures/features");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read fixture");
        let label = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let options =
            Options { crate_name: None, crate_version: "0.1.0".into(), spec_label: label.clone(), strict: false };
        let generated = generate(&bytes, &options).unwrap_or_else(|e| panic!("{label}: {e:?}"));
        // A word may reach the output only from the document itself.
        let input = String::from_utf8_lossy(&bytes).to_lowercase();
        let words: Vec<&str> = ["trustx", "x-api-key", "arthr", "region", "tnt#", "watchlist", "daon"]
            .into_iter()
            .filter(|w| !input.contains(w))
            .collect();
        for (file, text) in &generated.files {
            let lower = text.to_lowercase();
            for word in &words {
                assert!(!lower.contains(word), "{label}: {file} mentions `{word}`, which the document does not");
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} fixtures");
}

#[test]
fn the_trustx_crate_gets_its_facts_from_the_spec() {
    let generated = xtask::generate_committed().unwrap_or_else(|e| panic!("{e}"));
    let client = &generated.files["src/client.rs"];
    for fact in [
        "https://{tenantId}.{region}.trustx.com",
        "pub enum Region",
        "pub fn tenant(",
        "env_prefix: \"TRUSTX\"",
        "exchange: crate::operations::arthr::exchange_token",
        "code: Some(\"code\")",
    ] {
        assert!(client.contains(fact), "src/client.rs lacks `{fact}`");
    }
    let api = &generated.api;
    let exchange = api.token_exchange.as_ref().expect("x-token-exchange");
    assert_eq!((exchange.operation_id.as_str(), exchange.token.rust_name.as_str()), ("issueToken", "token"));
    assert_eq!(api.page.as_ref().map(|p| p.type_name.as_str()), Some("Page"));
}
