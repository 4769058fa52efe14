//! Rust names for spec names: heck for the case, then keywords, leading digits and empties fixed.

use heck::{ToSnakeCase, ToUpperCamelCase};
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
        if self.taken.insert(name.clone()) {
            return name;
        }
        let snake = name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) || name.ends_with('_');
        let base = name.trim_end_matches('_').to_string();
        for n in 2.. {
            let candidate = if snake { format!("{base}_{n}") } else { format!("{base}{n}") };
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
        name
    }

    /// True when `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
