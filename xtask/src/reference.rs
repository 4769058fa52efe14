//! Parser of the vendor's plain-text API reference (`trustx-api-reference.txt`).
//!
//! The text is a rendering of the vendor's web documentation. Each operation is a block:
//!
//! ```text
//! <title>[Deprecated]          <- "Deprecated" may be glued to the title
//! [Deprecated | Beta]          <- marker lines, exactly the word
//! <description ...>
//! API Permissions: TNT#{tenantid}#Service:action
//! Auth / Path Params / Query String / Request Body
//! METHOD /path
//! Responses
//! 200
//! <status text, possibly listing error codes>
//! ...
//! Response                     <- ends the block (sometimes followed by "Copy")
//! ```
//!
//! Parts of the file are indented (a markdown rendering artefact), so every line is trimmed.
//! Error codes appear inline (`(Error Code 20 - WATCHLIST_NOT_FOUND)`, `Error Code 9
//! (INVALID_API_FIELD_ERROR)`) or as bullets (`• 824: Failed ...`), where a bullet may carry
//! further items glued on (`• 502: ... not active- 1009: Session data not provided`).

use std::collections::BTreeSet;

/// One operation of the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefOperation {
    /// The title line, without a glued `Deprecated` / `Beta` suffix.
    pub title: String,
    /// 1-based line number of the `METHOD /path` line.
    pub line: usize,
    /// Upper-case HTTP method.
    pub method: String,
    pub path: String,
    /// The value of the `API Permissions:` line, if any.
    pub permission: Option<String>,
    /// Permissions named in prose ("The JWT must contain the X permission.").
    pub prose_permissions: Vec<String>,
    pub deprecated: bool,
    pub beta: bool,
    pub responses: Vec<RefResponse>,
    /// Oddities noticed while parsing this operation (not errors).
    pub notes: Vec<String>,
}

/// One documented response status of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefResponse {
    /// The status code as written, e.g. `"404"`.
    pub status: String,
    /// 1-based line number of the status line.
    pub line: usize,
    /// Distinct error codes listed in the status text.
    pub codes: BTreeSet<u32>,
    /// Codes listed more than once in the same status text.
    pub duplicate_codes: Vec<u32>,
}

/// The parsed reference.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub operations: Vec<RefOperation>,
    /// File-level oddities (not errors).
    pub warnings: Vec<String>,
}

/// Totals used to check the parser against independent counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub operations: usize,
    pub with_permission: usize,
    pub deprecated: usize,
    pub beta: usize,
    pub responses: usize,
    /// Responses whose text lists at least one error code.
    pub responses_with_codes: usize,
    /// Sum over responses of the number of distinct codes listed.
    pub listed_codes: usize,
}

impl Reference {
    pub fn totals(&self) -> Totals {
        let mut t = Totals { operations: self.operations.len(), ..Totals::default() };
        for op in &self.operations {
            t.with_permission += usize::from(op.permission.is_some());
            t.deprecated += usize::from(op.deprecated);
            t.beta += usize::from(op.beta);
            t.responses += op.responses.len();
            for r in &op.responses {
                if !r.codes.is_empty() {
                    t.responses_with_codes += 1;
                    t.listed_codes += r.codes.len();
                }
            }
        }
        t
    }
}

const METHODS: [&str; 8] = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"];
const PERMISSION_PREFIX: &str = "API Permissions:";

/// `METHOD /path` → (method, path).
fn parse_method_line(line: &str) -> Option<(&str, &str)> {
    let (method, path) = line.split_once(' ')?;
    if !METHODS.contains(&method) || !path.starts_with('/') || path.contains(char::is_whitespace) {
        return None;
    }
    Some((method, path))
}

/// A status line: exactly three digits, 1xx–5xx.
fn is_status_line(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() == 3 && b.iter().all(u8::is_ascii_digit) && (b'1'..=b'5').contains(&b[0])
}

/// Removes a leading list bullet (`• `), which the rendering sometimes puts before markers.
fn strip_bullet(line: &str) -> &str {
    line.strip_prefix('•').map_or(line, str::trim_start)
}

/// Splits a glued marker off a title: `"Invalidate a process token.Deprecated"`. The
/// character before the marker must be punctuation (not a letter, digit or space), so a
/// title that merely ends in a word like "Beta" is left alone.
fn split_glued_marker<'a>(title: &'a str, marker: &str) -> Option<&'a str> {
    let rest = title.strip_suffix(marker)?;
    let before = rest.chars().next_back()?;
    if before.is_alphanumeric() || before.is_whitespace() {
        return None;
    }
    Some(rest.trim_end())
}

/// Reads the digits at the start of `s` as a code.
fn leading_number(s: &str) -> Option<(u32, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    let n = s[..end].parse().ok()?;
    Some((n, &s[end..]))
}

/// Error codes listed on one line of a status text, in order of appearance (with repeats).
pub fn codes_in_line(line: &str) -> Vec<u32> {
    let mut codes = Vec::new();
    // Inline: "Error Code 20 - NAME" and "Error Code 9 (NAME)" (case-insensitive).
    let lower = line.to_ascii_lowercase();
    let needle = "error code ";
    let mut from = 0;
    while let Some(pos) = lower[from..].find(needle) {
        let start = from + pos + needle.len();
        if let Some((n, _)) = leading_number(&line[start..]) {
            codes.push(n);
        }
        from = start;
    }
    // Bullets: "• 824: text", with further "- 1009: text" items glued on.
    if let Some(rest) = line.trim_start().strip_prefix('•') {
        if let Some((n, after)) = leading_number(rest.trim_start()) {
            if after.starts_with(':') {
                codes.push(n);
                let mut tail = after;
                while let Some(pos) = tail.find("- ") {
                    let cand = &tail[pos + 2..];
                    match leading_number(cand) {
                        Some((m, after_m)) if after_m.starts_with(':') => {
                            codes.push(m);
                            tail = after_m;
                        }
                        _ => tail = cand,
                    }
                }
            }
        }
    }
    codes
}

/// "... must contain the TNT#{tenant}#IdentityStore:getX permission." → the permission.
fn prose_permissions_in_line(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let needle = "must contain the ";
    let mut from = 0;
    while let Some(pos) = line[from..].find(needle) {
        let start = from + pos + needle.len();
        let rest = &line[start..];
        if let Some(end) = rest.find(" permission") {
            let candidate = rest[..end].trim();
            if candidate.contains('#') && !candidate.contains(char::is_whitespace) {
                found.push(candidate.to_string());
            }
        }
        from = start;
    }
    found
}

/// Builds an operation from the lines between the previous block's end and its `METHOD` line.
fn operation_from_header(
    header: &[(usize, &str)],
    is_first: bool,
    line: usize,
    method: &str,
    path: &str,
) -> RefOperation {
    let mut op = RefOperation {
        title: String::new(),
        line,
        method: method.to_string(),
        path: path.to_string(),
        permission: None,
        prose_permissions: Vec::new(),
        deprecated: false,
        beta: false,
        responses: Vec::new(),
        notes: Vec::new(),
    };
    let mut lines: &[(usize, &str)] = header;
    if is_first {
        // The document preamble (title, servers) precedes the first operation.
        if let Some(i) = lines.iter().position(|(_, t)| *t == "Server Variables") {
            lines = &lines[i + 1..];
        }
    }
    let content: Vec<(usize, &str)> = lines.iter().copied().filter(|(_, t)| !t.is_empty() && *t != "Copy").collect();
    let is_marker = |t: &str| matches!(strip_bullet(t), "Deprecated" | "Beta");
    // The title is the first line, unless a marker line follows a later line: then that line
    // is the title and what precedes it is a section heading ("User Appkey Management").
    let title_idx = match content.iter().position(|(_, t)| is_marker(t)) {
        Some(m) if m > 0 => m - 1,
        _ => 0,
    };
    if title_idx > 0 {
        let headings: Vec<&str> = content[..title_idx].iter().map(|(_, t)| *t).collect();
        op.notes.push(format!("took `{}` as a section heading, not the title", headings.join(" / ")));
    }
    let Some(((_, first), rest)) = content[title_idx..].split_first() else {
        op.notes.push("no title before the METHOD line".to_string());
        return op;
    };
    let mut title = *first;
    if let Some(t) = split_glued_marker(title, "Deprecated") {
        op.deprecated = true;
        title = t;
    }
    if let Some(t) = split_glued_marker(title, "Beta") {
        op.beta = true;
        title = t;
    }
    op.title = title.to_string();

    for (idx, (n, t)) in rest.iter().enumerate() {
        let t = strip_bullet(t);
        let marker = match t {
            "Deprecated" => Some(&mut op.deprecated),
            "Beta" => Some(&mut op.beta),
            _ => None,
        };
        if let Some(flag) = marker {
            *flag = true;
            // Markers directly follow the title (possibly after another marker).
            let only_markers_before = rest[..idx].iter().all(|(_, p)| is_marker(p));
            if !only_markers_before {
                op.notes.push(format!("line {n}: `{t}` marker not directly after the title"));
            }
            continue;
        }
        if let Some(value) = t.strip_prefix(PERMISSION_PREFIX) {
            let value = value.trim();
            if value.is_empty() {
                op.notes.push(format!("line {n}: empty `{PERMISSION_PREFIX}` line"));
            } else if let Some(previous) = &op.permission {
                op.notes.push(format!("line {n}: second `{PERMISSION_PREFIX}` line `{value}` (kept `{previous}`)"));
            } else {
                op.permission = Some(value.to_string());
            }
            continue;
        }
        op.prose_permissions.extend(prose_permissions_in_line(t));
    }
    for prose in &op.prose_permissions {
        if op.permission.as_deref() != Some(prose.as_str()) {
            op.notes.push(format!(
                "prose names permission `{prose}` but `{PERMISSION_PREFIX}` says {}",
                op.permission.as_deref().map_or_else(|| "nothing".to_string(), |p| format!("`{p}`"))
            ));
        }
    }
    op
}

fn finish_response(op: &mut RefOperation, resp: Option<(RefResponse, Vec<u32>)>) {
    let Some((mut r, all)) = resp else { return };
    let mut seen = BTreeSet::new();
    for c in all {
        if !seen.insert(c) && !r.duplicate_codes.contains(&c) {
            r.duplicate_codes.push(c);
        }
    }
    r.codes = seen;
    if !r.duplicate_codes.is_empty() {
        op.notes.push(format!("status {} lists code(s) {:?} more than once", r.status, r.duplicate_codes));
    }
    if op.responses.iter().any(|x| x.status == r.status) {
        op.notes.push(format!("status {} listed twice", r.status));
    }
    op.responses.push(r);
}

/// Parses the whole reference text.
pub fn parse(text: &str) -> Reference {
    enum State {
        /// Collecting title/description lines of the next operation.
        Header,
        /// Between `METHOD /path` and the `Response` line that ends the block.
        Responses,
    }
    let mut reference = Reference::default();
    let mut state = State::Header;
    let mut header: Vec<(usize, &str)> = Vec::new();
    let mut current: Option<RefOperation> = None;
    // The response being read, with every code occurrence (repeats included).
    let mut response: Option<(RefResponse, Vec<u32>)> = None;

    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let t = raw.trim();
        match state {
            State::Header => {
                if let Some((method, path)) = parse_method_line(t) {
                    let is_first = reference.operations.is_empty() && current.is_none();
                    current = Some(operation_from_header(&header, is_first, n, method, path));
                    header.clear();
                    state = State::Responses;
                } else {
                    header.push((n, t));
                }
            }
            State::Responses => {
                let Some(op) = current.as_mut() else {
                    state = State::Header;
                    continue;
                };
                if t == "Response" {
                    finish_response(op, response.take());
                    if op.responses.is_empty() {
                        op.notes.push("no response status listed".to_string());
                    }
                    reference.operations.extend(current.take());
                    state = State::Header;
                } else if let Some((method, path)) = parse_method_line(t) {
                    finish_response(op, response.take());
                    reference.warnings.push(format!(
                        "line {n}: `{t}` starts before the block of line {} ended with `Response`",
                        op.line
                    ));
                    reference.operations.extend(current.take());
                    current = Some(operation_from_header(&[], false, n, method, path));
                } else if is_status_line(t) {
                    finish_response(op, response.take());
                    response = Some((
                        RefResponse {
                            status: t.to_string(),
                            line: n,
                            codes: BTreeSet::new(),
                            duplicate_codes: Vec::new(),
                        },
                        Vec::new(),
                    ));
                } else if let Some((_, all)) = response.as_mut() {
                    all.extend(codes_in_line(t));
                } else if !matches!(t, "" | "Responses" | "Copy") {
                    op.notes.push(format!("line {n}: text before the first status: `{t}`"));
                }
            }
        }
    }
    if let Some(mut op) = current.take() {
        finish_response(&mut op, response.take());
        reference.warnings.push(format!("block of line {} not ended by `Response`", op.line));
        reference.operations.push(op);
    }
    let leftover: Vec<&(usize, &str)> =
        header.iter().filter(|(_, t)| !matches!(*t, "" | "Copy" | "Response" | "Responses")).collect();
    if let Some((n, t)) = leftover.first() {
        reference.warnings.push(format!(
            "line {n}: {} line(s) of trailing text after the last operation, from `{t}`",
            leftover.len()
        ));
    }
    reference
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_codes_both_formats() {
        assert_eq!(codes_in_line("Not Found - Gizmo missing (Error Code 77 - GIZMO_NOT_FOUND)"), vec![77]);
        assert_eq!(codes_in_line("Bad Request - Error Code 3 (BAD_FIELD), Error Code 140 (TOO_LONG)"), vec![3, 140]);
        assert!(codes_in_line("Returns an error code and message.").is_empty());
    }

    #[test]
    fn bullet_codes_with_glued_items() {
        assert_eq!(codes_in_line("• 824: Query failed"), vec![824]);
        assert_eq!(codes_in_line("  • 12: Thing is not active- 3400: Other thing- 7: Third"), vec![12, 3400, 7]);
        assert!(codes_in_line("• RUNNING: the query is running").is_empty());
        assert!(codes_in_line("• values range 1- 5 inclusive").is_empty());
    }

    const SNIPPET: &str = "\
Doc title

Server Variables

Fetch a gadget

Gets a gadget.

API Permissions: TNT#{tenantid}#Gadgets:getGadget

Auth
Path Params
GET /api/gadgets/{gadgetId}
Copy
Responses
200

OK

404

Not Found - Gadget not found (Error Code 5 - GADGET_NOT_FOUND)

Response
Copy

Remove a gadget.Deprecated

Deprecated

Removes it. This was deprecated in prose but the marker above counts.

    API Permissions: SYS#Gadgets:removeGadget

  • Auth
    Path Params
    DELETE /api/gadgets/{id}
    Responses
    204

    No Content

    No response body
    400

    An error occurred. Possible error codes:

    • 61: Gadget locked
    • 62: Gadget busy- 63: Gadget gone
    • 61: Gadget locked
    Response

    Widget Management

    Try a widget

    Beta

    Deprecated features are not used here.

    POST /api/widgets
    Responses
    201

    Created

    Response

    Responses
    Response
";

    #[test]
    fn parses_blocks_markers_and_codes() {
        let r = parse(SNIPPET);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert_eq!(r.operations.len(), 3);

        let a = &r.operations[0];
        assert_eq!(a.title, "Fetch a gadget");
        assert_eq!((a.method.as_str(), a.path.as_str()), ("GET", "/api/gadgets/{gadgetId}"));
        assert_eq!(a.permission.as_deref(), Some("TNT#{tenantid}#Gadgets:getGadget"));
        assert!(!a.deprecated && !a.beta);
        let statuses: Vec<&str> = a.responses.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(statuses, ["200", "404"]);
        assert_eq!(a.responses[1].codes, BTreeSet::from([5]));

        let b = &r.operations[1];
        assert_eq!(b.title, "Remove a gadget.");
        assert!(b.deprecated && !b.beta);
        assert_eq!(b.permission.as_deref(), Some("SYS#Gadgets:removeGadget"));
        assert_eq!(b.responses[1].codes, BTreeSet::from([61, 62, 63]));
        assert_eq!(b.responses[1].duplicate_codes, vec![61]);

        let c = &r.operations[2];
        assert_eq!(c.title, "Try a widget");
        assert!(c.notes.iter().any(|n| n.contains("`Widget Management`")));
        assert!(c.beta && !c.deprecated);
        assert_eq!(c.permission, None);

        let t = r.totals();
        assert_eq!((t.operations, t.with_permission, t.deprecated, t.beta), (3, 2, 1, 1));
        assert_eq!((t.responses, t.responses_with_codes, t.listed_codes), (5, 2, 4));
    }

    #[test]
    fn prose_permission_mismatch_is_noted() {
        let text = "T\n\nThe JWT must contain the TNT#{tenant}#S:a permission.\n\nAPI Permissions: TNT#{tenant}#S:b\n\nGET /x\nResponses\n200\n\nOK\n\nResponse\n";
        let r = parse(text);
        assert_eq!(r.operations.len(), 1);
        assert_eq!(r.operations[0].prose_permissions, vec!["TNT#{tenant}#S:a"]);
        assert!(r.operations[0].notes.iter().any(|n| n.contains("prose names")));
    }
}
