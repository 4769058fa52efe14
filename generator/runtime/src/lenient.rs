//! Tolerant reading of the fields whose shape the API description only infers (`x-inferred`), and
//! of optional date-times.
//!
//! Such a field decodes when the value matches. When it does not, the call still succeeds: the
//! field is `None`, the raw JSON goes into the model's `additional_properties` under its wire
//! name, and the response decoder logs one `tracing` warning per field and operation that names
//! the field, the expected and the found JSON type, never the value.
//!
//! How: the field's `deserialize_with` function records a mismatch on a thread-local list, and
//! the model's `Deserialize` impl, which opens a [`Frame`] before reading its fields, moves the
//! mismatches of its own fields into `additional_properties` when it is done. Deserialization is
//! synchronous, so the list never mixes two bodies; a frame that is left by an error drops what
//! its fields recorded.

use std::cell::RefCell;

use serde::de::DeserializeOwned;
use serde::{Deserialize as _, Deserializer};
use serde_json::{Map, Value};

/// A field that did not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The model type.
    pub model: &'static str,
    /// The field's wire name.
    pub field: &'static str,
    /// What the field expects, e.g. `a date-time (ISO 8601)` or `the shape the spec infers`.
    pub expected: &'static str,
    /// The JSON type that was found (`string`, `number`, `object`, ...).
    pub found: &'static str,
    /// How many values of this field in the body did not match.
    pub count: usize,
}

struct Pending {
    model: &'static str,
    field: &'static str,
    expected: &'static str,
    raw: Value,
}

#[derive(Default)]
struct State {
    pending: Vec<Pending>,
    /// The mismatches of the body being decoded, when a decoder collects them.
    report: Option<Vec<Mismatch>>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn record(model: &'static str, field: &'static str, expected: &'static str, raw: Value) {
    STATE.with(|s| s.borrow_mut().pending.push(Pending { model, field, expected, raw }));
}

/// The fields of one model value being read: opened by a generated `Deserialize` impl before its
/// fields, finished after them.
#[must_use]
pub struct Frame {
    start: usize,
}

impl Frame {
    /// Opens the frame of a model value.
    pub fn enter() -> Self {
        Frame { start: STATE.with(|s| s.borrow().pending.len()) }
    }

    /// Moves the mismatches of this value's fields into its `additional_properties`, under their
    /// wire names (dropped when the model keeps no raw JSON: `None`), and reports them.
    pub fn finish(self, additional: Option<&mut Map<String, Value>>) {
        let taken: Vec<Pending> = STATE.with(|s| {
            let mut state = s.borrow_mut();
            let start = self.start.min(state.pending.len());
            let taken: Vec<Pending> = state.pending.drain(start..).collect();
            if let Some(report) = state.report.as_mut() {
                for p in &taken {
                    let found = super::decode::json_kind(&p.raw);
                    match report.iter_mut().find(|m| m.model == p.model && m.field == p.field && m.found == found) {
                        Some(m) => m.count += 1,
                        None => report.push(Mismatch {
                            model: p.model,
                            field: p.field,
                            expected: p.expected,
                            found,
                            count: 1,
                        }),
                    }
                }
            }
            taken
        });
        if let Some(map) = additional {
            for p in taken {
                map.insert(p.field.to_owned(), p.raw);
            }
        }
        std::mem::forget(self);
    }
}

impl Drop for Frame {
    /// A value whose reading failed: what its fields recorded goes with it.
    fn drop(&mut self) {
        let _ = STATE.try_with(|s| {
            if let Ok(mut state) = s.try_borrow_mut() {
                let start = self.start.min(state.pending.len());
                state.pending.truncate(start);
            }
        });
    }
}

/// What an `x-inferred` field that is not a date-time expects, in reports.
pub const INFERRED: &str = "the shape the spec infers";

/// Reads an optional `x-inferred` field of `model` (wire name `field`): the value when it decodes
/// as `T`, else `None` with the raw JSON recorded. A number sent as a string (`"42"`) is read as
/// the number when `T` wants one.
pub fn field<'de, D, T>(deserializer: D, model: &'static str, field: &'static str) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let raw = Value::deserialize(deserializer)?;
    if raw.is_null() {
        return Ok(None);
    }
    if let Ok(value) = T::deserialize(&raw) {
        return Ok(Some(value));
    }
    if let Some(number) = raw.as_str().and_then(|s| s.trim().parse::<serde_json::Number>().ok()) {
        if let Ok(value) = T::deserialize(&Value::Number(number)) {
            return Ok(Some(value));
        }
    }
    record(model, field, INFERRED, raw);
    Ok(None)
}

/// Reads an optional date-time field in any form of [`datetime`](super::datetime); another value
/// is `None` with the raw JSON recorded. A string is parsed where it lies (no copy); only a value
/// that is not a date-time is kept as JSON.
pub fn date_time<'de, D>(
    deserializer: D,
    model: &'static str,
    field: &'static str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_any(DateTimeVisitor { model, field })
}

type MaybeDateTime = Option<chrono::DateTime<chrono::Utc>>;

struct DateTimeVisitor {
    model: &'static str,
    field: &'static str,
}

impl DateTimeVisitor {
    fn keep(&self, raw: Value) -> MaybeDateTime {
        record(self.model, self.field, super::datetime::EXPECTED, raw);
        None
    }
}

impl<'de> serde::de::Visitor<'de> for DateTimeVisitor {
    type Value = MaybeDateTime;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(super::datetime::EXPECTED)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<MaybeDateTime, E> {
        Ok(super::datetime::parse(text).or_else(|| self.keep(Value::String(text.to_owned()))))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<MaybeDateTime, E> {
        Ok(None)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<MaybeDateTime, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<MaybeDateTime, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<MaybeDateTime, E> {
        Ok(self.keep(Value::Bool(v)))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<MaybeDateTime, E> {
        Ok(self.keep(Value::from(v)))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<MaybeDateTime, E> {
        Ok(self.keep(Value::from(v)))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<MaybeDateTime, E> {
        Ok(self.keep(Value::from(v)))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<MaybeDateTime, A::Error> {
        let raw = Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Ok(self.keep(raw))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<MaybeDateTime, A::Error> {
        let raw = Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(self.keep(raw))
    }
}

/// Runs `decode` collecting the mismatches of the fields it reads.
pub(crate) fn collect<T>(decode: impl FnOnce() -> T) -> (T, Vec<Mismatch>) {
    let outer = STATE.with(|s| s.borrow_mut().report.replace(Vec::new()));
    let value = decode();
    let report = STATE.with(|s| {
        let mut state = s.borrow_mut();
        let report = std::mem::replace(&mut state.report, outer).unwrap_or_default();
        // Anything left by a value read outside a frame has nowhere to go.
        if state.report.is_none() {
            state.pending.clear();
        }
        report
    });
    (value, report)
}

/// Logs one warning per mismatched field of `operation_id`'s response.
pub(crate) fn warn(operation_id: &'static str, mismatches: &[Mismatch]) {
    for m in mismatches {
        tracing::warn!(
            operation = operation_id,
            model = m.model,
            field = m.field,
            expected = m.expected,
            found = m.found,
            count = m.count,
            "a response field does not have the expected shape; it reads as None and its raw JSON is in additional_properties"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Deserialize)]
    #[serde(remote = "Self")]
    struct Item {
        #[serde(default, deserialize_with = "item_when")]
        when: Option<chrono::DateTime<chrono::Utc>>,
        #[serde(default, deserialize_with = "item_count")]
        count: Option<i32>,
        #[serde(default)]
        child: Option<Box<Item>>,
        #[serde(flatten)]
        additional_properties: Map<String, Value>,
    }
    fn item_when<'de, D: Deserializer<'de>>(d: D) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error> {
        date_time(d, "Item", "when")
    }
    fn item_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
        field(d, "Item", "count")
    }
    impl<'de> serde::Deserialize<'de> for Item {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let frame = Frame::enter();
            let mut value = Item::deserialize(d)?;
            frame.finish(Some(&mut value.additional_properties));
            Ok(value)
        }
    }

    #[test]
    fn a_mismatch_is_none_and_kept_raw_in_its_own_value() {
        let body = r#"{"when": 5, "child": {"count": "x", "when": "2024-01-02T03:04:05+0000"}, "count": "42"}"#;
        let (item, report) = collect(|| serde_json::from_str::<Item>(body));
        let item = item.unwrap();
        assert_eq!(item.when, None);
        assert_eq!(item.additional_properties.get("when"), Some(&serde_json::json!(5)));
        assert_eq!(item.count, Some(42), "a number sent as a string");
        let child = item.child.unwrap();
        assert_eq!(child.count, None);
        assert_eq!(child.additional_properties.get("count"), Some(&serde_json::json!("x")));
        assert!(child.when.is_some());
        assert!(!child.additional_properties.contains_key("when"));
        assert_eq!(report.len(), 2);
        assert_eq!((report[0].field, report[0].found), ("count", "string"));
        assert_eq!((report[1].field, report[1].found), ("when", "number"));
        assert_eq!(STATE.with(|s| s.borrow().pending.len()), 0);
    }

    #[test]
    fn a_value_that_fails_leaves_nothing_behind() {
        let body = r#"{"when": 5, "child": {"count": "x", "child": 7}}"#;
        let (item, _) = collect(|| serde_json::from_str::<Item>(body));
        assert!(item.is_err());
        assert_eq!(STATE.with(|s| s.borrow().pending.len()), 0);
    }
}
