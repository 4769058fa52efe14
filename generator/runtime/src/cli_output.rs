//! How the command-line tool prints JSON values (Cargo feature `cli`): `--output json|jsonl|yaml|table`
//! and `--query EXPR` (jq syntax, run by the jaq interpreter in the process). Every string a server
//! sent is escaped before it reaches the terminal: JSON and YAML escape control and bidi
//! characters in their own syntax, table cells with [`super::text::printable`].

use serde_json::Value;

/// An output format (`--output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON: pretty on a terminal, compact otherwise; a stream of items as JSON lines.
    Json,
    /// One compact JSON value per line (a page: one line per item).
    Jsonl,
    /// YAML (a page: its items as a sequence).
    Yaml,
    /// A table of the items' scalar fields, fitted to the terminal's width.
    Table,
}

impl Format {
    /// Every format's name, as `--output` takes it.
    pub const NAMES: &'static [&'static str] = &["json", "jsonl", "yaml", "table"];

    /// The format of a name of [`Format::NAMES`].
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "json" => Some(Format::Json),
            "jsonl" => Some(Format::Jsonl),
            "yaml" => Some(Format::Yaml),
            "table" => Some(Format::Table),
            _ => None,
        }
    }
}

/// A compiled `--query` (jq syntax).
pub struct Query(jaq_core::compile::Filter<jaq_core::Native<jaq_core::data::JustLut<jaq_json::Val>>>);

impl std::fmt::Debug for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Query")
    }
}

impl Query {
    /// Parses and compiles `code`, with jq's standard filters; the error says what was expected
    /// where.
    pub fn compile(code: &str) -> Result<Query, String> {
        use jaq_core::load::{Arena, File, Loader};
        let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
        let funs = jaq_core::funs().chain(jaq_std::funs()).chain(jaq_json::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let modules = loader.load(&arena, File { code, path: () }).map_err(|errors| {
            let mut why = Vec::new();
            for (_, error) in errors {
                match error {
                    jaq_core::load::Error::Io(e) => why.extend(e.into_iter().map(|(_, e)| e)),
                    jaq_core::load::Error::Lex(e) => why.extend(
                        e.into_iter().map(|(expected, at)| format!("expected {} at `{}`", expected.as_str(), cut(at))),
                    ),
                    jaq_core::load::Error::Parse(e) => why.extend(
                        e.into_iter().map(|(expected, at)| format!("expected {} at `{}`", expected.as_str(), cut(at))),
                    ),
                }
            }
            why.join("; ")
        })?;
        jaq_core::Compiler::default().with_funs(funs).compile(modules).map(Query).map_err(|errors| {
            errors
                .into_iter()
                .flat_map(|(_, e)| e)
                .map(|(name, undefined)| format!("undefined {} `{name}`", undefined.as_str()))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// Every value the query yields for `input`.
    pub fn run(&self, input: &Value) -> Result<Vec<Value>, String> {
        use jaq_core::{data::JustLut, Ctx, Vars};
        let text = serde_json::to_vec(input).map_err(|e| e.to_string())?;
        let input = jaq_json::read::parse_single(&text).map_err(|e| e.to_string())?;
        let ctx = Ctx::<JustLut<jaq_json::Val>>::new(&self.0.lut, Vars::new([]));
        let mut out = Vec::new();
        for result in self.0.id.run((ctx, input)).map(jaq_core::unwrap_valr) {
            let value = result.map_err(|e| super::text::printable(&e.to_string(), 300))?;
            let text = value.to_string();
            out.push(
                serde_json::from_str(&text)
                    .map_err(|_| format!("the query yields a value that is not JSON: {}", cut(&text)))?,
            );
        }
        Ok(out)
    }
}

fn cut(text: &str) -> String {
    super::text::printable(text, 40)
}

/// The rows a value shows as in a table or as JSON lines: a page's items (`page_items` names the
/// field), an array's elements, or the value itself.
pub fn rows(value: Value, page_items: Option<&str>) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Object(mut map) => match page_items.and_then(|f| map.get(f)) {
            Some(Value::Array(_)) => match page_items.and_then(|f| map.remove(f)) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
            _ => vec![Value::Object(map)],
        },
        other => vec![other],
    }
}

// ---------------------------------------------------------------------------------------------
// YAML

/// `value` as a YAML document (ending with a newline): block style, strings quoted whenever a plain
/// scalar could read as something else or holds a character a terminal would act on.
pub fn yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => yaml_map(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => yaml_seq(a, 0, &mut out),
        scalar => {
            out.push_str(&yaml_scalar(scalar));
            out.push('\n');
        }
    }
    out
}

/// `value` as one element of a YAML sequence at the top level (`- ...`), for a stream of items.
pub fn yaml_item(value: &Value) -> String {
    let mut out = String::new();
    yaml_seq(std::slice::from_ref(value), 0, &mut out);
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::Object(m) if !m.is_empty()) || matches!(v, Value::Array(a) if !a.is_empty())
}

fn yaml_map(m: &serde_json::Map<String, Value>, level: usize, out: &mut String) {
    let mut first = true;
    for (k, v) in m {
        if !first {
            indent(out, level);
        }
        first = false;
        out.push_str(&yaml_string(k));
        out.push(':');
        yaml_value(v, level + 2, out);
    }
}

fn yaml_seq(a: &[Value], level: usize, out: &mut String) {
    let mut first = true;
    for v in a {
        if !first {
            indent(out, level);
        }
        first = false;
        out.push_str("- ");
        match v {
            // A mapping in a sequence starts on the dash's line, its other keys under the first.
            Value::Object(m) if !m.is_empty() => yaml_map(m, level + 2, out),
            Value::Array(inner) if !inner.is_empty() => yaml_seq(inner, level + 2, out),
            scalar => {
                out.push_str(&yaml_scalar(scalar));
                out.push('\n');
            }
        }
    }
}

/// After `key:`: a scalar on the same line, or a block on the next lines at `level`.
fn yaml_value(v: &Value, level: usize, out: &mut String) {
    if is_block(v) {
        out.push('\n');
        indent(out, level);
        match v {
            Value::Object(m) => yaml_map(m, level, out),
            Value::Array(a) => yaml_seq(a, level, out),
            _ => {}
        }
    } else {
        out.push(' ');
        out.push_str(&yaml_scalar(v));
        out.push('\n');
    }
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => yaml_string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// Words a YAML reader (1.1 or 1.2) takes for something other than a string.
const YAML_WORDS: &[&str] = &["true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"];

/// A string plain when that is unambiguous (letters first, then letters, digits and `_ . / @ -`),
/// double-quoted otherwise with every control, bidi and non-printable character escaped.
fn yaml_string(s: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '@' | '-'))
        && !YAML_WORDS.iter().any(|w| w.eq_ignore_ascii_case(s));
    if plain {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control()
                || matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}') =>
            {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------------
// Tables

/// The most characters a table cell shows before it is cut.
const MAX_CELL: usize = 60;
/// The narrowest a column is made to fit the width.
const MIN_COLUMN: usize = 6;
/// Between columns.
const GAP: &str = "  ";

/// A table of `rows`: a column per scalar field of the rows that are objects (in order of first
/// appearance), or one `value` column for scalar rows; nested objects and arrays are left out.
/// Columns are narrowed (cells cut with `…`) and, if still too wide, the last ones dropped, to fit
/// `width` characters. Cells are escaped.
pub fn table(rows: &[Value], width: Option<usize>) -> String {
    let mut columns: Vec<&str> = Vec::new();
    for row in rows {
        if let Value::Object(m) = row {
            for (k, v) in m {
                if !matches!(v, Value::Object(_) | Value::Array(_)) && !columns.contains(&k.as_str()) {
                    columns.push(k);
                }
            }
        }
    }
    let scalar_rows = columns.is_empty();
    let headers: Vec<String> = if scalar_rows {
        vec!["value".to_owned()]
    } else {
        columns.iter().map(|c| super::text::printable(c, MAX_CELL)).collect()
    };
    let cell = |v: Option<&Value>| -> String {
        match v {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => super::text::printable(s, MAX_CELL),
            Some(Value::Object(_)) | Some(Value::Array(_)) if !scalar_rows => String::new(),
            Some(other) => super::text::printable(&other.to_string(), MAX_CELL),
        }
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(
            |row| {
                if scalar_rows {
                    vec![cell(Some(row))]
                } else {
                    columns.iter().map(|c| cell(row.get(*c))).collect()
                }
            },
        )
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let total = |widths: &[usize]| widths.iter().sum::<usize>() + GAP.len() * widths.len().saturating_sub(1);
    if let Some(max) = width {
        // Narrow the widest column, one character at a time, down to MIN_COLUMN.
        while total(&widths) > max {
            let (i, w) = widths.iter().copied().enumerate().max_by_key(|(_, w)| *w).unwrap_or((0, 0));
            if w <= MIN_COLUMN {
                break;
            }
            widths[i] = w - 1;
        }
        while widths.len() > 1 && total(&widths) > max {
            widths.pop();
        }
    }
    let mut out = String::new();
    let mut line = |row: &[String]| {
        let n = widths.len();
        let mut text = String::new();
        for (i, (c, w)) in row.iter().zip(&widths).enumerate() {
            let shown = fit(c, *w);
            text.push_str(&shown);
            if i + 1 < n {
                text.extend(std::iter::repeat_n(' ', w - shown.chars().count()));
                text.push_str(GAP);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    let header_row: Vec<String> = headers.iter().map(|h| h.to_uppercase()).collect();
    line(&header_row);
    for row in &cells {
        line(row);
    }
    out
}

/// `text` cut to `width` characters, the last one `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The terminal's width in columns, when standard output is one: `COLUMNS`, else the terminal's
/// own size.
pub fn terminal_width(columns_var: Option<String>) -> Option<usize> {
    if let Some(n) = columns_var.and_then(|c| c.trim().parse::<usize>().ok()).filter(|n| *n > 0) {
        return Some(n);
    }
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
}

/// A progress line for a terminal: the count, the total when known (then the share and the time
/// left at the rate so far), and the rate. `unit` is `bytes` or `items`.
pub fn progress_line(done: u64, total: Option<u64>, elapsed: std::time::Duration, unit: &str) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    let amount = |n: f64| {
        if unit == "bytes" && n >= 1024.0 * 1024.0 {
            format!("{:.1} MiB", n / (1024.0 * 1024.0))
        } else if unit == "bytes" && n >= 1024.0 {
            format!("{:.1} KiB", n / 1024.0)
        } else if unit == "bytes" {
            format!("{n:.0} B")
        } else {
            format!("{n:.0} {unit}")
        }
    };
    let mut line = amount(done as f64);
    if let Some(total) = total.filter(|t| *t > 0) {
        let share = (done as f64 / total as f64 * 100.0).min(100.0);
        line.push_str(&format!(" of {} ({share:.0}%)", amount(total as f64)));
        if rate > 0.0 && done < total {
            let left = ((total - done) as f64 / rate).round() as u64;
            line.push_str(&format!(", {}:{:02} left", left / 60, left % 60));
        }
    }
    if rate > 0.0 {
        line.push_str(&format!(", {}/s", amount(rate)));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn queries_like_jq() {
        let q = Query::compile(".content[] | .id").unwrap();
        let out = q.run(&json!({"content": [{"id": "a"}, {"id": 2}]})).unwrap();
        assert_eq!(out, [json!("a"), json!(2)]);
        let q =
            Query::compile("[.[] | select(. > 1)] | map(tostring) | join(\",\") | ascii_downcase | length").unwrap();
        assert_eq!(q.run(&json!([1, 2, 3])).unwrap(), [json!(3)]);
        assert!(Query::compile(".a | ").unwrap_err().contains("expected"));
        assert!(Query::compile("nosuchfilter").unwrap_err().contains("nosuchfilter"));
        assert!(Query::compile(".a").unwrap().run(&json!([1])).is_err());
    }

    #[test]
    fn yaml_quotes_what_could_be_misread_and_escapes_controls() {
        let v = json!({"a": "plain", "b": "true", "c": "12", "d": "x: y", "e": "\u{1b}[31m\u{202e}", "f": [], "g": {},
                       "h": [1, {"i": null, "j": [true]}], "k": {"l": -1.5}});
        let text = yaml(&v);
        assert!(
            text.contains("a: plain\n") && text.contains("b: \"true\"\n") && text.contains("c: \"12\"\n"),
            "{text}"
        );
        assert!(text.contains("e: \"\\u001B[31m\\u202E\""), "{text}");
        assert!(!text.chars().any(|c| c == '\u{1b}' || c == '\u{202e}'), "{text}");
        assert_eq!(text, "a: plain\nb: \"true\"\nc: \"12\"\nd: \"x: y\"\ne: \"\\u001B[31m\\u202E\"\nf: []\ng: {}\nh:\n  - 1\n  - i: null\n    j:\n      - true\nk:\n  l: -1.5\n");
        assert_eq!(yaml(&json!("x")), "x\n");
        assert_eq!(yaml_item(&json!({"a": 1, "b": [2]})), "- a: 1\n  b:\n    - 2\n");
    }

    #[test]
    fn tables_fit_the_width_and_escape_cells() {
        let rows = vec![
            json!({"id": "a", "name": "first\u{1b}", "nested": {"x": 1}, "n": 1}),
            json!({"id": "b", "name": "a much longer name than the others", "n": null}),
        ];
        let text = table(&rows, None);
        let lines: Vec<&str> = text.lines().collect();
        // Columns come in the objects' key order, which serde_json's `preserve_order` changes.
        let mut headers = lines[0].split_whitespace().collect::<Vec<_>>();
        headers.sort_unstable();
        assert_eq!(headers, ["ID", "N", "NAME"]);
        assert!(lines[1].contains("first\\u{1b}"), "{text}");
        assert!(!text.contains("nested") && !text.contains('\u{1b}'), "{text}");
        let narrow = table(&rows, Some(24));
        assert!(narrow.lines().all(|l| l.chars().count() <= 24), "{narrow}");
        assert!(narrow.contains('…'), "{narrow}");
        assert_eq!(table(&[json!(1), json!("x")], None), "VALUE\n1\nx\n");
    }

    #[test]
    fn rows_of_a_page_are_its_items() {
        let page = json!({"content": [{"id": 1}], "last": true});
        assert_eq!(rows(page.clone(), Some("content")), [json!({"id": 1})]);
        assert_eq!(rows(page.clone(), None), [page]);
        assert_eq!(rows(json!([1, 2]), None), [json!(1), json!(2)]);
    }

    #[test]
    fn progress_lines_show_share_time_left_and_rate() {
        let d = std::time::Duration::from_secs;
        assert_eq!(
            super::progress_line(1 << 20, Some(4 << 20), d(2), "bytes"),
            "1.0 MiB of 4.0 MiB (25%), 0:06 left, 512.0 KiB/s"
        );
        assert_eq!(super::progress_line(30, None, d(3), "items"), "30 items, 10 items/s");
        assert_eq!(super::progress_line(0, None, d(0), "items"), "0 items");
        assert_eq!(super::progress_line(10, Some(10), d(1), "items"), "10 items of 10 items (100%), 10 items/s");
    }
}
