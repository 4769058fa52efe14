//! Server-controlled text made safe to print: control and bidi characters escaped, length bounded,
//! and the client's secrets (API key, current bearer token) replaced with `[redacted]`.

use std::fmt;
use std::sync::Arc;

/// The most characters of server text an error message shows.
pub(crate) const MAX_SHOWN_CHARS: usize = 300;

/// What replaces a secret in printed text.
pub(crate) const REDACTED: &str = "[redacted]";

/// The shortest part of a secret that is hidden on its own (see [`Secrets::of`]).
pub(crate) const MIN_SECRET_PART: usize = 16;

/// Secrets that must never be printed, gathered when a request is made: the API key and the
/// tokens in use, shared (gathering them copies nothing; the work is done only when an error's text
/// is shown).
///
/// Each value is hidden, and so is each part of one (split at `.` or `:`) of at least
/// [`MIN_SECRET_PART`] characters: an API key is `<id>.<secret>`, and a server that repeats only its
/// secret half must not reveal it. Shorter parts are left alone, since they could be ordinary words
/// of a message; a part that long is random and only ever the secret itself.
#[derive(Clone, Default)]
pub(crate) struct Secrets([Option<Arc<str>>; 3]);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.iter().flatten().count();
        write!(f, "Secrets({n})")
    }
}

impl Secrets {
    /// Hides up to three values (more are ignored; empty ones hide nothing).
    pub(crate) fn shared(values: impl IntoIterator<Item = Arc<str>>) -> Self {
        let mut slots: [Option<Arc<str>>; 3] = Default::default();
        for (slot, value) in slots.iter_mut().zip(values.into_iter().filter(|v| !v.is_empty())) {
            *slot = Some(value);
        }
        Secrets(slots)
    }

    /// Hides each non-empty value of `values` (at most three).
    #[cfg(test)]
    pub(crate) fn of<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        Self::shared(values.into_iter().map(Arc::from))
    }

    /// `text` with every secret, and every long part of one, replaced by `[redacted]`.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut hidden: Vec<&str> = Vec::new();
        for value in self.0.iter().flatten() {
            hidden.push(value);
            hidden.extend(value.split(['.', ':']).filter(|p| p.len() >= MIN_SECRET_PART && p.len() < value.len()));
        }
        // Longest first, so a whole value is replaced before any of its parts.
        hidden.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = text.to_owned();
        for secret in hidden {
            if out.contains(secret) {
                out = out.replace(secret, REDACTED);
            }
        }
        out
    }
}

/// Whether `c` can change how a terminal or log viewer shows the text around it: C0 and C1
/// controls, DEL, bidi embedding/override/isolate marks, line and paragraph separators, and
/// zero-width characters.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// `text` made safe to print on a terminal or in a log: control, bidi and zero-width characters
/// escaped (`\n`, `\u{1b}` ...), cut after `max_chars` characters (marked with `…`). For server
/// text a program prints itself (names, IDs); the SDK's errors are already escaped.
pub fn printable(text: &str, max_chars: usize) -> String {
    escape(text, max_chars)
}

/// `text` with unsafe characters escaped (`\n`, `\r`, `\t`, `\u{1b}` ...) and cut after
/// `max_chars` characters (marked with `…`). Escapes count towards the bound.
pub(crate) fn escape(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 2));
    let mut shown = 0usize;
    for c in text.chars() {
        if shown >= max_chars {
            out.push('…');
            break;
        }
        if is_unsafe(c) {
            let escaped = match c {
                '\n' => "\\n".to_owned(),
                '\r' => "\\r".to_owned(),
                '\t' => "\\t".to_owned(),
                other => format!("\\u{{{:x}}}", other as u32),
            };
            shown += escaped.chars().count();
            out.push_str(&escaped);
        } else {
            shown += 1;
            out.push(c);
        }
    }
    out
}

/// Server text for an error message: secrets redacted first (so a cut cannot leave part of one),
/// then escaped and bounded.
pub(crate) fn shown(text: &str, secrets: &Secrets) -> String {
    escape(&secrets.redact(text), MAX_SHOWN_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi() {
        let s = escape("a\x1b[31mred\r\nfake line\u{0}\u{202e}txt.exe\u{2066}", 100);
        assert_eq!(s, "a\\u{1b}[31mred\\r\\nfake line\\u{0}\\u{202e}txt.exe\\u{2066}");
        assert!(!s.chars().any(is_unsafe));
        assert_eq!(escape("héllo wörld", 100), "héllo wörld");
    }

    #[test]
    fn bounds_length() {
        let long = "x".repeat(10_000);
        let s = escape(&long, 300);
        assert_eq!(s.chars().count(), 301);
        assert!(s.ends_with('…'));
        let controls = "\u{1b}".repeat(10_000);
        assert!(escape(&controls, 300).chars().count() < 320);
    }

    #[test]
    fn redacts_every_occurrence_before_cutting() {
        let secrets = Secrets::of(["sk-123", ""]);
        assert_eq!(secrets.redact("key sk-123 and sk-123"), "key [redacted] and [redacted]");
        let padded = format!("{}sk-123", "y".repeat(297));
        assert!(!shown(&padded, &secrets).contains("sk-"));
        assert_eq!(Secrets::default().redact("sk-123"), "sk-123");
    }
}
