//! Rust names for spec names: heck for the case, then keywords, leading digits and empties fixed;
//! and the scopes that keep them unique. One name often lives in several scopes of the generated
//! crate at once, in several forms (a service's module is also its accessor, its Cargo feature, its
//! command and the name of its test-kit type): [`claim_across`] takes a name only when every form
//! of it is free in its scope, and the emitters write the forms with the functions of this module.

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Type names that would shadow prelude items used by generated code.
const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Result",
    "Vec",
    "String",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Self",
    "Clone",
    "Copy",
    "Default",
    "Debug",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Hash",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "Iterator",
    "ToString",
    "ToOwned",
    "Into",
    "From",
];

/// Keeps only characters that can appear in an identifier, splitting words on the rest.
fn clean(raw: &str) -> String {
    raw.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect()
}

/// `snake_case` name for a field, argument or function; keywords get a trailing `_`.
pub fn field_name(raw: &str) -> String {
    let mut s = clean(raw).to_snake_case();
    if s.is_empty() {
        s = "value".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("n{s}");
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// `UpperCamelCase` name for a type.
pub fn type_name(raw: &str) -> String {
    let mut s = clean(raw).to_upper_camel_case();
    if s.is_empty() {
        s = "Model".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("T{s}");
    }
    if RESERVED_TYPES.contains(&s.as_str()) {
        s.push_str("Model");
    }
    s
}

/// `UpperCamelCase` name for an enum variant.
pub fn variant_name(raw: &str) -> String {
    let mut s = clean(raw).to_upper_camel_case();
    if s.is_empty() {
        s = "Empty".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("V{s}");
    }
    if s == "Self" {
        s = "SelfValue".into();
    }
    s
}

/// `SCREAMING_SNAKE_CASE` name for a constant.
pub fn const_name(raw: &str) -> String {
    let mut s = clean(raw).to_snake_case().to_uppercase();
    if s.is_empty() {
        s = "VALUE".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("N{s}");
    }
    s
}

/// Hands out names unique within one scope: a clash gets `2`, `3`, ... appended (with `_` for snake case).
#[derive(Debug, Default)]
pub struct NameScope {
    taken: BTreeSet<String>,
}

impl NameScope {
    /// A scope where `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self { taken: reserved.iter().map(|s| s.to_string()).collect() }
    }

    /// Claims `name`, or the first free numbered variant of it.
    pub fn claim(&mut self, name: String) -> String {
        candidates(name).find(|c| self.taken.insert(c.clone())).unwrap_or_default()
    }

    /// True when `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

/// `name`, then its numbered variants: `Foo2`, `Foo3`, ... (`foo_2`, ... in snake case).
fn candidates(name: String) -> impl Iterator<Item = String> {
    let snake = name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) || name.ends_with('_');
    let base = name.trim_end_matches('_').to_string();
    std::iter::once(name).chain((2..).map(move |n| if snake { format!("{base}_{n}") } else { format!("{base}{n}") }))
}

/// A scope and the forms a claimed name takes in it.
pub type Forms<'s> = (&'s mut NameScope, &'s [fn(&str) -> String]);

/// Claims the first of `name` and its numbered variants whose forms are all free in their scopes
/// (and distinct), and takes each form in its scope.
pub fn claim_across(name: String, scopes: &mut [Forms<'_>]) -> String {
    for candidate in candidates(name) {
        let forms: Vec<Vec<String>> = scopes.iter().map(|(_, fs)| fs.iter().map(|f| f(&candidate)).collect()).collect();
        let free = scopes
            .iter()
            .zip(&forms)
            .all(|((scope, _), fs)| fs.iter().enumerate().all(|(i, f)| !scope.contains(f) && !fs[..i].contains(f)));
        if free {
            for ((scope, _), fs) in scopes.iter_mut().zip(forms) {
                scope.taken.extend(fs);
            }
            return candidate;
        }
    }
    String::new()
}

/// The same name (the identity form).
pub fn same(name: &str) -> String {
    name.to_owned()
}

/// A service's Cargo feature, from its module: `watchlist_manager` → `watchlist-manager`; a
/// service called `default` (Cargo's own feature) has `default-service`.
pub fn feature_name(module: &str) -> String {
    match module.replace('_', "-") {
        f if f == "default" => "default-service".to_owned(),
        f => f,
    }
}

/// The command of a service (from its module) or of an operation (from its method) in the
/// command-line tool: `watchlist_manager` → `watchlist-manager`.
pub fn command_name(name: &str) -> String {
    name.to_kebab_case()
}

/// The test kit's stub type of a service, from its module: `pets` → `PetsMocks`.
pub fn mocks_type(module: &str) -> String {
    format!("{}Mocks", type_name(module))
}

/// The parameters type of an operation, from its request type: `ListPets` → `ListPetsParams`.
pub fn params_type(builder: &str) -> String {
    format!("{builder}Params")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_claimed_only_when_every_form_is_free() {
        let mut modules = NameScope::with_reserved(&["client"]);
        let mut features = NameScope::with_reserved(&["default", "cli", "test-util"]);
        let mut mocks = NameScope::default();
        let mut claim = |name: &str| {
            claim_across(
                name.to_owned(),
                &mut [(&mut modules, &[same]), (&mut features, &[feature_name]), (&mut mocks, &[mocks_type])],
            )
        };
        assert_eq!(claim("cli"), "cli_2");
        assert_eq!(claim("test_util"), "test_util_2");
        assert_eq!(claim("default_service"), "default_service");
        assert_eq!(claim("default"), "default_2");
        assert_eq!(claim("a1"), "a1");
        // `a_1` is free as a module and a feature, but its mocks type would be `A1Mocks` again.
        assert_eq!(claim("a_1"), "a_1_2");
        assert_eq!(claim("client"), "client_2");
        assert!(features.contains("cli-2") && mocks.contains("A12Mocks"));
    }

    #[test]
    fn keywords_and_digits() {
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("ref"), "ref_");
        assert_eq!(field_name("extUserId"), "ext_user_id");
        assert_eq!(field_name("2fa"), "n2fa");
        assert_eq!(field_name("@@"), "value");
        assert_eq!(type_name("Result"), "ResultModel");
        assert_eq!(type_name("api-key"), "ApiKey");
        assert_eq!(variant_name("Save & Deploy"), "SaveDeploy");
        assert_eq!(variant_name("3DS"), "V3ds");
        assert_eq!(const_name("getWatchlistV2"), "GET_WATCHLIST_V2");
    }

    #[test]
    fn scope_numbers_clashes() {
        let mut s = NameScope::default();
        assert_eq!(s.claim("Foo".into()), "Foo");
        assert_eq!(s.claim("Foo".into()), "Foo2");
        assert_eq!(s.claim("foo_bar".into()), "foo_bar");
        assert_eq!(s.claim("foo_bar".into()), "foo_bar_2");
        assert_eq!(s.claim("type_".into()), "type_");
        assert_eq!(s.claim("type_".into()), "type_2");
    }

    /// A file of the runtime's source (`generator/runtime/`), read as the generator embeds it.
    fn runtime(path: &str) -> String {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime").join(path);
        std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
    }

    /// Every `.rs` file of the runtime's `src/`, parsed.
    fn runtime_sources() -> Vec<(String, syn::File)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/src");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".rs") {
                let parsed =
                    syn::parse_file(&runtime(&format!("src/{name}"))).unwrap_or_else(|e| panic!("{name}: {e}"));
                out.push((name, parsed));
            }
        }
        assert!(out.len() > 10, "{}", dir.display());
        out
    }

    /// The names of the inherent methods of `ty` in `file` (any visibility: a generated method of
    /// the same name is a duplicate definition either way).
    fn methods_of(file: &syn::File, ty: &str) -> Vec<String> {
        crate::emit::runtime::inherent_items(file, ty)
            .filter_map(|member| match member {
                syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                _ => None,
            })
            .collect()
    }

    /// The names a `use` item brings into its module.
    fn used_names(tree: &syn::UseTree, out: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => used_names(&p.tree, out),
            syn::UseTree::Name(n) => out.push(n.ident.to_string()),
            syn::UseTree::Rename(r) => out.push(r.rename.to_string()),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| used_names(t, out)),
            syn::UseTree::Glob(_) => {}
        }
    }

    /// The keys of one table of a TOML manifest (`[features]`), without comments.
    fn table_keys(manifest: &str, header: &str) -> Vec<String> {
        let mut inside = false;
        let mut out = Vec::new();
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                inside = line == header;
            } else if inside && !line.is_empty() && !line.starts_with('#') {
                if let Some((key, _)) = line.split_once('=') {
                    out.push(key.trim().to_owned());
                }
            }
        }
        out
    }

    /// A small crate with a server variable of each kind and an error-code registry.
    fn small_crate() -> crate::Generated {
        let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers:\n  - url: 'https://{tenant}.{region}.x.com'\n    variables:\n      tenant: {default: t}\n      region: {default: eu, enum: [eu, us]}\npaths:\n  /p:\n    get:\n      operationId: getP\n      tags: [t]\n      responses:\n        '404': {description: no, x-error-codes: [1]}\n        '204': {description: ok}\ncomponents:\n  x-error-codes:\n    t:\n      '1': {name: Missing}\n";
        let options = crate::Options {
            crate_name: Some("t".into()),
            crate_version: "0.1.0".into(),
            spec_label: "t".into(),
            strict: true,
        };
        crate::generate(spec.as_bytes(), &options).unwrap_or_else(|d| panic!("{d}"))
    }

    fn generated_file(generated: &crate::Generated, path: &str) -> syn::File {
        let text = generated.files.get(path).unwrap_or_else(|| panic!("no {path}"));
        syn::parse_file(text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Every method of the runtime's `ClientBuilder`, and every one the generated crate adds but the
    /// server variables' setters, is reserved for setters.
    #[test]
    fn client_builder_methods_are_reserved_for_setters() {
        let mut names = Vec::new();
        for (file, parsed) in runtime_sources() {
            names.extend(methods_of(&parsed, "ClientBuilder").into_iter().map(|m| (file.clone(), m)));
        }
        assert!(names.iter().any(|(_, m)| m == "build") && names.iter().any(|(_, m)| m == "apply_env"), "{names:?}");
        let client = generated_file(&small_crate(), "src/client.rs");
        for m in methods_of(&client, "ClientBuilder") {
            if m != "tenant" && m != "region" {
                names.push(("generated src/client.rs".into(), m));
            }
        }
        for (file, m) in &names {
            assert!(
                super::super::CLIENT_BUILDER_RESERVED.contains(&m.as_str()),
                "{file}: `{m}` is not in CLIENT_BUILDER_RESERVED"
            );
        }
    }

    /// Every name the crate root re-exports is reserved for the server variables' enums, and every
    /// name the test kit re-exports for the services' stub types.
    #[test]
    fn re_exports_are_reserved() {
        let generated = small_crate();
        for (path, reserved, own) in [
            ("src/lib.rs", super::super::ROOT_RESERVED, &["Region"][..]),
            ("src/test_util.rs", super::super::TEST_KIT_RESERVED, &[][..]),
        ] {
            let mut names = Vec::new();
            for item in generated_file(&generated, path).items {
                if let syn::Item::Use(u) = item {
                    used_names(&u.tree, &mut names);
                }
            }
            assert!(names.len() >= 5, "{path}: {names:?}");
            for name in names.iter().filter(|n| n.starts_with(|c: char| c.is_ascii_uppercase())) {
                assert!(
                    reserved.contains(&name.as_str()) || own.contains(&name.as_str()),
                    "{path}: `{name}` is not reserved"
                );
            }
        }
        // The forms the emitters write are those claimed here.
        let test_util = &generated.files["src/test_util.rs"];
        assert!(test_util.contains(&format!("pub struct {}<", mocks_type("t"))), "{test_util}");
    }

    /// The runtime's Cargo features are reserved for the crate's, its dependencies for module names,
    /// and the command-line tool's own commands for services' commands.
    #[test]
    fn runtime_features_dependencies_and_commands_are_reserved() {
        let manifest = runtime("Cargo.toml");
        let features = table_keys(&manifest, "[features]");
        assert!(features.iter().any(|f| f == "cli"), "{features:?}");
        for f in features {
            assert!(super::super::FEATURES_RESERVED.contains(&f.as_str()), "feature `{f}` is not in FEATURES_RESERVED");
        }
        let dependencies = table_keys(&manifest, "[dependencies]");
        assert!(dependencies.iter().any(|d| d == "reqwest"), "{dependencies:?}");
        for d in dependencies {
            let krate = d.replace('-', "_");
            assert!(super::super::EXTERN_CRATES.contains(&krate.as_str()), "dependency `{d}` is not in EXTERN_CRATES");
        }
        let cli = runtime("src/cli.rs");
        let commands: Vec<&str> = cli
            .split("Command::new(\"")
            .skip(1)
            .filter_map(|rest| rest.split_once('"').map(|(name, _)| name))
            .collect();
        assert!(commands.contains(&"completions"), "{commands:?}");
        for c in commands {
            assert!(super::super::COMMANDS_RESERVED.contains(&c), "command `{c}` is not in COMMANDS_RESERVED");
        }
    }
}
