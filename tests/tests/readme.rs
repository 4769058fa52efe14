//! The README's Rust snippet is the code of `generated/examples/quick_start.rs` (which `cargo test`
//! compiles), shown as it is: no hidden `# ` lines that GitHub would print literally.

mod workspace;

#[test]
fn readme_shows_the_compiled_quick_start_verbatim() {
    let root = workspace::workspace();
    let example = std::fs::read_to_string(root.join("generated/examples/quick_start.rs")).expect("example");
    let code = example
        .split_once("// README:start\n")
        .and_then(|(_, rest)| rest.split_once("// README:end"))
        .map(|(code, _)| code)
        .expect("README markers in the example");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    assert!(readme.contains(&format!("```rust\n{code}```")), "README.md does not show quick_start.rs as it is");
    let in_blocks: Vec<&str> = readme.split("```").skip(1).step_by(2).collect();
    for block in in_blocks {
        for line in block.lines() {
            assert!(!line.starts_with("# ") || !block.starts_with("rust"), "hidden doctest line in README: {line}");
        }
    }
    for word in ["futures", "StreamExt"] {
        assert!(!code.contains(word), "the quick start needs `{word}`");
    }
}
