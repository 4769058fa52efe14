//! Spec prose → rustdoc that builds cleanly under `-D warnings`.

use proc_macro2::TokenStream;
use quote::quote;

/// Makes spec text safe as Markdown in rustdoc: no accidental code blocks, links, HTML or doctests.
pub fn sanitize(text: &str) -> String {
    let mut out = Vec::new();
    // A lone carriage return is a line break rustc refuses in doc comments; bidi and other invisible
    // controls are refused too (the Trojan-Source lint): both are written as their code points.
    let text: String = text
        .replace("\r\n", "\n")
        .chars()
        .map(|c| match c {
            '\r' => "\n".to_owned(),
            '\t' | '\n' => c.to_string(),
            c if is_unsafe(c) => format!("U+{:04X}", u32::from(c)),
            c => c.to_string(),
        })
        .collect();
    for line in text.lines() {
        let line = line.trim();
        let line = line.replace('\\', "\\\\").replace('[', "\\[").replace(']', "\\]");
        let line = line.replace('<', "&lt;").replace('>', "&gt;").replace("```", "'''");
        out.push(wrap_urls(&line));
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// Whether `c` changes how the text around it shows, so rustc refuses it in source or a reader is
/// misled: controls, bidi marks, zero-width and line-separator characters.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// `http://x` → `<http://x>` so rustdoc does not flag bare URLs.
fn wrap_urls(line: &str) -> String {
    let mut out = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.starts_with("http://") || word.starts_with("https://") {
            let trimmed = word.trim_end_matches(['.', ',', ';', ')']);
            out.push('<');
            out.push_str(trimmed);
            out.push('>');
            out.push_str(&word[trimmed.len()..]);
        } else {
            out.push_str(word);
        }
    }
    out
}

/// `#[doc = " line"]` attributes for already-safe Markdown.
pub fn doc(markdown: &str) -> TokenStream {
    let lines = markdown.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! { #( #[doc = #lines] )* }
}

/// Inner `#![doc]` attributes for a module.
pub fn inner_doc(markdown: &str) -> TokenStream {
    let lines = markdown.lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! { #( #![doc = #lines] )* }
}

/// The one deprecation attribute, for operations, builders, setters, models and fields alike.
pub fn deprecated(flag: bool) -> TokenStream {
    if flag {
        quote!(#[deprecated(note = "deprecated in the API description")])
    } else {
        quote!()
    }
}

/// Joins a sentence and a continuation without doubling the full stop (`Not found.` + `. Codes`).
pub fn end_sentence(text: &str) -> &str {
    text.trim_end().trim_end_matches('.')
}

/// Inline code span, safe for any content.
pub fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_rustc_refuses_are_written_as_code_points() {
        assert_eq!(sanitize("a\rb"), "a\nb");
        assert_eq!(sanitize("evil\u{202e}txt.exe"), "evilU+202Etxt.exe");
        assert_eq!(sanitize("zero\u{200b}width"), "zeroU+200Bwidth");
    }

    #[test]
    fn sanitizes() {
        assert_eq!(sanitize("    indented <b>x</b> [link]"), "indented &lt;b&gt;x&lt;/b&gt; \\[link\\]");
        assert_eq!(sanitize("see https://a.b/c."), "see <https://a.b/c>.");
    }
}
