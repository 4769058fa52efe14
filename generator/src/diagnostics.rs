//! Diagnostics: what went wrong (or looks suspicious) in a spec, where, and what to do about it.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Generation goes on; the output may not be what the author meant.
    Warning,
    /// Generation stops; nothing is written.
    Error,
}

/// One finding about the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// Where: a JSON pointer into the document (`#/paths/~1pets/get`) or `file:line:column`.
    pub location: String,
    /// What is wrong, and what to do about it.
    pub message: String,
}

/// The most characters a diagnostic's location or message keeps: text from the document (a name,
/// a value) can be megabytes long.
pub const MAX_DIAGNOSTIC_CHARS: usize = 400;

/// How many characters of the end of a cut text are kept: what a message ends with often says what
/// happened (`…; operation `x` is skipped`).
const KEPT_TAIL_CHARS: usize = 100;

/// `text` cut to about [`MAX_DIAGNOSTIC_CHARS`]: its start and its end, saying how much was left out
/// between them.
fn bounded(text: String) -> String {
    let count = text.chars().count();
    if count <= MAX_DIAGNOSTIC_CHARS {
        return text;
    }
    let head: String = text.chars().take(MAX_DIAGNOSTIC_CHARS - KEPT_TAIL_CHARS).collect();
    let tail: String = text.chars().skip(count - KEPT_TAIL_CHARS).collect();
    format!("{head}… ({} more characters) …{tail}", count - MAX_DIAGNOSTIC_CHARS)
}

impl Diagnostic {
    /// An error at `location`.
    pub fn error(location: impl Into<String>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Error, location: bounded(location.into()), message: bounded(message.into()) }
    }

    /// A warning at `location`.
    pub fn warning(location: impl Into<String>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, location: bounded(location.into()), message: bounded(message.into()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_bounded() {
        let huge = "x".repeat(1_100_000);
        let d = Diagnostic::error(format!("#/paths/{huge}"), format!("`{huge}` is not valid"));
        let shown = d.to_string();
        assert!(shown.len() < 2 * MAX_DIAGNOSTIC_CHARS + 200, "{} bytes", shown.len());
        assert!(shown.contains("more characters)"), "{}", &shown[..100]);
        // The end of a message is kept: it often says what happened.
        let d = Diagnostic::warning("#/a", format!("`{huge}` is not usable; operation `op` is skipped"));
        assert!(d.message.ends_with("; operation `op` is skipped"), "{}", d.message);
        let short = Diagnostic::warning("#/a", "fine");
        assert_eq!(short.to_string(), "warning: #/a: fine");
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{level}: {}: {}", self.location, self.message)
    }
}

/// A set of diagnostics, reported together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// Only the warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Warning)
    }

    /// Only the errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Error)
    }

    /// The same diagnostics with every warning made an error (`--strict`).
    pub fn into_errors(self) -> Self {
        Self(self.0.into_iter().map(|d| Diagnostic { severity: Severity::Error, ..d }).collect())
    }

    /// A single error as a set.
    pub fn single(d: Diagnostic) -> Self {
        Self(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let errors = self.errors().count();
        let warnings = self.warnings().count();
        write!(f, "{errors} error(s), {warnings} warning(s)")
    }
}

impl std::error::Error for Diagnostics {}

/// Undoes the URI escapes a `$ref` fragment may carry (`#/components/schemas/A%20B`), giving a JSON
/// pointer for `serde_json::Value::pointer`.
pub fn unescape_uri(s: &str) -> String {
    s.replace("%7B", "{").replace("%7D", "}").replace("%20", " ")
}

/// Escapes one JSON-pointer token (RFC 6901).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Builds a pointer from tokens: `pointer(&["paths", "/pets", "get"])` is `#/paths/~1pets/get`.
pub fn pointer(tokens: &[&str]) -> String {
    let mut out = String::from("#");
    for t in tokens {
        out.push('/');
        out.push_str(&escape_token(t));
    }
    out
}
