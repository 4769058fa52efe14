//! Decoding JSON response bodies: what servers really send (a UTF-8 byte-order mark, an empty body,
//! fields of an inferred shape), and errors that say where decoding failed without quoting the
//! value, which may be personal data.

use std::fmt;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::error::Error;
use super::lenient;

/// Why a response body could not be decoded: the operation, the JSON path of the failure, and
/// the expected and found JSON types. The message never quotes a value from the body; the body
/// itself is kept for the caller ([`body`](Self::body)) and is not shown by `Debug` or `Display`.
#[derive(Clone)]
pub struct DecodeError {
    operation_id: &'static str,
    status: u16,
    path: String,
    problem: String,
    line: usize,
    column: usize,
    item: Option<ItemPosition>,
    body: Bytes,
}

/// Where a page item sits in its list: the page number and the index on that page (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemPosition {
    /// The page's number, as requested.
    pub page: i64,
    /// The item's index on that page.
    pub index: usize,
}

impl DecodeError {
    /// The operation whose response it is.
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The JSON path of the value that failed, e.g. `content[3].createdDtm` (`.` for the whole
    /// body; for a page item, the path inside the item).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What was wrong, e.g. `expected i32, found string`; never a value from the body.
    pub fn problem(&self) -> &str {
        &self.problem
    }

    /// The line and column in the body where decoding stopped (1-based; 0 when unknown).
    pub fn position(&self) -> (usize, usize) {
        (self.line, self.column)
    }

    /// For an item of a page stream that could not be decoded: its page and index. The stream
    /// goes on with the next item after such an error.
    pub fn item(&self) -> Option<ItemPosition> {
        self.item
    }

    /// The raw body (for a page item, the item's JSON). It may hold personal data: it is never
    /// printed by the SDK.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    pub(crate) fn at_item(mut self, page: i64, index: usize) -> Self {
        self.item = Some(ItemPosition { page, index });
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not decode the response of `{}` (HTTP {})", self.operation_id, self.status)?;
        if let Some(item) = self.item {
            write!(f, ", item {} of page {}", item.index, item.page)?;
        }
        write!(f, " at `{}`: {}", self.path, self.problem)?;
        if self.line > 0 {
            write!(f, " (line {}, column {})", self.line, self.column)?;
        }
        Ok(())
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("operation_id", &self.operation_id)
            .field("status", &self.status)
            .field("path", &self.path)
            .field("problem", &self.problem)
            .field("line", &self.line)
            .field("column", &self.column)
            .field("item", &self.item)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// The JSON type of a value, for messages: `null`, `boolean`, `number`, `string`, `array`, `object`.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The body without a UTF-8 byte-order mark and surrounding whitespace.
pub(crate) fn trimmed(body: &[u8]) -> &[u8] {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    body.trim_ascii()
}

/// Decodes a JSON response body of `operation_id` into `T`.
///
/// A UTF-8 byte-order mark is skipped. An empty body reads as `null`, or, for a type that does not
/// take `null`, as `{}` (a model whose fields are all optional); otherwise it is an error. Fields of
/// an inferred shape that do not match are kept raw and logged once (see [`lenient`]).
pub fn json<T: DeserializeOwned>(operation_id: &'static str, status: u16, body: Bytes) -> Result<T, Error> {
    let text = trimmed(&body);
    let (result, mismatches) = lenient::collect(|| {
        if text.is_empty() {
            return serde_json::from_slice::<T>(b"null")
                .or_else(|_| serde_json::from_slice::<T>(b"{}"))
                .map_err(|_| (String::from("."), String::from("the body is empty"), 0, 0));
        }
        // The fast path; a failure is decoded again with the path tracked, to say where.
        serde_json::from_slice::<T>(text).map_err(|_| located::<T>(text))
    });
    if result.is_ok() {
        lenient::warn(operation_id, &mismatches);
    }
    result.map_err(|(path, problem, line, column)| {
        Error::Decode(Box::new(DecodeError { operation_id, status, path, problem, line, column, item: None, body }))
    })
}

/// Where and why `text` does not decode as `T`: the JSON path, the problem, the line and column.
fn located<T: DeserializeOwned>(text: &[u8]) -> (String, String, usize, usize) {
    let mut de = serde_json::Deserializer::from_slice(text);
    let error = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(_) => match de.end() {
            Ok(()) => return (String::from("."), String::from("the body does not decode"), 0, 0),
            Err(e) => return (String::from("."), describe(&e, None), e.line(), e.column()),
        },
        Err(e) => e,
    };
    let path = error.path().to_string();
    let inner = error.into_inner();
    let found = found_at(text, &path);
    (path, describe(&inner, found), inner.line(), inner.column())
}

/// The JSON type at `path` (as `serde_path_to_error` writes it) in `body`, when it can be found.
fn found_at(body: &[u8], path: &str) -> Option<&'static str> {
    let value: Value = serde_json::from_slice(body).ok()?;
    kind_at(&value, path)
}

/// The JSON type at `path` in `value`, when there is a value there.
fn kind_at(value: &Value, path: &str) -> Option<&'static str> {
    let mut at = value;
    for segment in segments(path) {
        at = match segment {
            Segment::Key(key) => at.get(key)?,
            Segment::Index(i) => at.get(i)?,
        };
    }
    Some(json_kind(at))
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// The segments of a path such as `content[3].createdDtm` (`.` is the root).
fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        while let Some(end) = rest.find(']') {
            if let Ok(i) = rest[1..end].parse() {
                out.push(Segment::Index(i));
            }
            rest = &rest[end + 1..];
        }
    }
    out
}

/// A serde_json error told without the value it may quote: `expected i32, found string`.
fn describe(err: &serde_json::Error, found: Option<&'static str>) -> String {
    let full = err.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) if err.line() > 0 => &full[..i],
        _ => full.as_str(),
    };
    if !err.is_data() {
        // Syntax and end-of-input messages of serde_json name what was expected, never input.
        return message.to_owned();
    }
    let expected = message.rsplit_once(", expected ").map(|(_, e)| e);
    let found = found.unwrap_or("another value");
    if message.starts_with("invalid type:") || message.starts_with("invalid value:") {
        match expected {
            Some(e) => format!("expected {e}, found {found}"),
            None => format!("unexpected {found}"),
        }
    } else if message.starts_with("unknown variant") {
        match expected {
            Some(e) => format!("unknown variant, expected {e}"),
            None => "unknown variant".to_owned(),
        }
    } else if message.starts_with("missing field")
        || message.starts_with("duplicate field")
        || message.starts_with("invalid length")
        || message.starts_with("expected ")
    {
        // Field names come from the model; lengths and our own messages hold no value.
        message.to_owned()
    } else {
        format!("the value does not fit the expected type (found {found})")
    }
}

/// One item of a page read for a stream: the item, or why it could not be decoded (with its raw
/// JSON). A page of such items decodes even when one item does not, so the stream can report that
/// item and go on.
#[derive(Debug, Clone)]
pub struct Item<T>(Result<T, (Value, String, String)>);

impl<T> Item<T> {
    /// An item that decoded.
    pub fn ok(value: T) -> Self {
        Item(Ok(value))
    }

    /// The item, or the decode error of `operation_id`'s page `page` at `index`.
    pub fn into_result(self, operation_id: &'static str, status: u16, page: i64, index: usize) -> Result<T, Error> {
        self.0.map_err(|(raw, path, problem)| {
            let body = Bytes::from(serde_json::to_vec(&raw).unwrap_or_default());
            Error::Decode(Box::new(
                DecodeError { operation_id, status, path, problem, line: 0, column: 0, item: None, body }
                    .at_item(page, index),
            ))
        })
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Item<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        match serde_path_to_error::deserialize::<_, T>(&raw) {
            Ok(value) => Ok(Item(Ok(value))),
            Err(e) => {
                let path = e.path().to_string();
                let found = kind_at(&raw, &path).unwrap_or("null");
                let problem = describe(&e.into_inner(), Some(found));
                Ok(Item(Err((raw, path, problem))))
            }
        }
    }
}

impl<T: Serialize> Serialize for Item<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Ok(value) => value.serialize(serializer),
            Err((raw, ..)) => raw.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Row {
        #[allow(dead_code)]
        id: i32,
        #[allow(dead_code)]
        name: Option<String>,
    }

    #[derive(Debug, serde::Deserialize)]
    struct List {
        #[allow(dead_code)]
        content: Vec<Row>,
    }

    fn fail<T: DeserializeOwned + fmt::Debug>(body: &str) -> DecodeError {
        match json::<T>("listRows", 200, Bytes::from(body.to_owned())) {
            Err(Error::Decode(e)) => *e,
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn an_error_names_the_operation_and_path_never_the_value() {
        let e = fail::<List>(r#"{"content": [{"id": 1}, {"id": "secret-447700900731"}]}"#);
        assert_eq!(e.path(), "content[1].id");
        assert_eq!(e.problem(), "expected i32, found string");
        let shown = format!("{e} {e:?}");
        assert!(shown.contains("listRows") && shown.contains("content[1].id"), "{shown}");
        assert!(!shown.contains("447700900731"), "{shown}");
        let e = fail::<List>(r#"{"content": [{"id": 1, "name": 447700900731}]}"#);
        assert_eq!(e.problem(), "expected a string, found number");
        assert!(!format!("{e}").contains("447700900731"));
        let e = fail::<List>(r#"{"content": [{"name": "x"}]}"#);
        assert_eq!((e.path(), e.problem()), ("content[0]", "missing field `id`"));
        let e = fail::<List>(r#"{"content": [{"id": 1}"#);
        assert!(e.problem().contains("EOF"), "{}", e.problem());
    }

    #[test]
    fn a_byte_order_mark_and_an_empty_body_are_read() {
        let list: List = json("listRows", 200, Bytes::from_static(b"\xEF\xBB\xBF{\"content\": []}")).unwrap();
        assert!(list.content.is_empty());
        let empty: Option<Row> = json("getRow", 200, Bytes::new()).unwrap();
        assert!(empty.is_none());
        let map: serde_json::Map<String, Value> = json("getRow", 200, Bytes::from_static(b"  ")).unwrap();
        assert!(map.is_empty());
        let e = fail::<List>("");
        assert_eq!(e.problem(), "the body is empty");
    }

    #[test]
    fn a_bad_item_does_not_spoil_its_page() {
        let items: Vec<Item<Row>> = serde_json::from_str(r#"[{"id": 1}, {"id": "x"}, {"id": 3}]"#).unwrap();
        let results: Vec<_> =
            items.into_iter().enumerate().map(|(i, item)| item.into_result("listRows", 200, 2, i)).collect();
        assert!(results[0].is_ok() && results[2].is_ok());
        let Err(Error::Decode(e)) = &results[1] else { panic!("{:?}", results[1]) };
        assert_eq!(e.item(), Some(ItemPosition { page: 2, index: 1 }));
        assert_eq!((e.path(), e.problem()), ("id", "expected i32, found string"));
    }
}
