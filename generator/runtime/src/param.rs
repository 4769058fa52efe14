//! Parameter values (path, query, header and cookie) as text: strings as they are, numbers and
//! booleans as text, arrays one value per element, `null` none, objects as JSON text.
//!
//! [`each_value`] renders the common shapes (a scalar, or an array of scalars) straight from the
//! value's `Serialize`, without building a `serde_json::Value`; [`values`] renders every shape,
//! through `serde_json` for the others.

use serde::ser::{self, Impossible, Serialize};

/// A serialized parameter value as strings, one per value (see the module's documentation).
pub(crate) fn values<T: Serialize + ?Sized>(value: &T) -> Result<Vec<String>, serde_json::Error> {
    let mut out = Vec::new();
    if each_value(value, |v| out.push(v.to_owned())) {
        return Ok(out);
    }
    through_json(value)
}

/// [`values`] through a `serde_json::Value`: every shape, errors as `serde_json` reports them.
pub(crate) fn through_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<String>, serde_json::Error> {
    fn scalar(v: serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Null => {}
            serde_json::Value::String(s) => out.push(s),
            serde_json::Value::Bool(b) => out.push(b.to_string()),
            serde_json::Value::Number(n) => out.push(n.to_string()),
            other => out.push(other.to_string()),
        }
    }
    let mut out = Vec::new();
    match serde_json::to_value(value)? {
        serde_json::Value::Array(items) => {
            for item in items {
                scalar(item, &mut out);
            }
        }
        other => scalar(other, &mut out),
    }
    Ok(out)
}

/// Calls `sink` with each value of `value` as [`values`] renders it, when `value` is a string, an
/// integer, a boolean, a character, a unit variant (its name), `None` or unit (no value), or an
/// array of those; returns whether it was. For any other shape (floats, objects, nested arrays,
/// bytes) or a failing `Serialize`, it returns `false` after calling `sink` with none, some or all
/// of the values: the caller then drops what `sink` got and uses [`through_json`].
pub(crate) fn each_value<T: Serialize + ?Sized>(value: &T, mut sink: impl FnMut(&str)) -> bool {
    value.serialize(Scalars { sink: &mut sink, in_array: false }).is_ok()
}

/// A value [`each_value`] does not render itself.
#[derive(Debug)]
pub(crate) struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a scalar parameter value")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        Unsupported
    }
}

/// The serializer of [`each_value`]: scalars to `sink`, and one level of array.
struct Scalars<'a> {
    sink: &'a mut dyn FnMut(&str),
    in_array: bool,
}

impl Scalars<'_> {
    /// An integer as decimal digits, as `serde_json` writes it.
    fn int(self, negative: bool, mut n: u64) -> Result<(), Unsupported> {
        let mut buf = [0u8; 21];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if negative {
            i -= 1;
            buf[i] = b'-';
        }
        let text = std::str::from_utf8(&buf[i..]).map_err(|_| Unsupported)?;
        (self.sink)(text);
        Ok(())
    }
}

impl<'a> ser::Serializer for Scalars<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Impossible<(), Unsupported>;
    type SerializeStruct = Impossible<(), Unsupported>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        (self.sink)(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Unsupported> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Unsupported> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Unsupported> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        self.int(v < 0, v.unsigned_abs())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Unsupported> {
        self.int(false, u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Unsupported> {
        self.int(false, u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Unsupported> {
        self.int(false, u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        self.int(false, v)
    }
    fn serialize_i128(self, _: i128) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u128(self, _: u128) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    // Floats are left to `serde_json` (its number formatting, and `null` for NaN and infinities).
    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        (self.sink)(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        (self.sink)(v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Unsupported> {
        (self.sink)(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<(), Unsupported> {
        // `serde_json`'s own types (raw values, arbitrary-precision numbers) are its to render.
        if name.starts_with("$serde_json") {
            return Err(Unsupported);
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'a>, Unsupported> {
        if self.in_array {
            return Err(Unsupported);
        }
        Ok(Array { sink: self.sink })
    }
    fn serialize_tuple(self, len: usize) -> Result<Array<'a>, Unsupported> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Array<'a>, Unsupported> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

/// The elements of an array: each one scalar.
struct Array<'a> {
    sink: &'a mut dyn FnMut(&str),
}

impl Array<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(Scalars { sink: &mut *self.sink, in_array: true })
    }
}

impl ser::SerializeSeq for Array<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Ok(())
    }
}

impl ser::SerializeTuple for Array<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Array<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.element(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    /// What `each_value` gives, or `None` when it leaves the value to `serde_json`.
    fn fast<T: Serialize + ?Sized>(value: &T) -> Option<Vec<String>> {
        let mut out = Vec::new();
        each_value(value, |v| out.push(v.to_owned())).then_some(out)
    }

    #[derive(Serialize)]
    enum Status {
        #[serde(rename = "IN_PROGRESS")]
        InProgress,
    }

    #[derive(Serialize)]
    struct Id(u32);

    #[derive(Serialize)]
    struct Filter {
        b: u8,
        a: &'static str,
    }

    #[derive(Serialize)]
    enum Shape {
        Circle(f64),
    }

    #[test]
    fn renders_scalars_and_arrays_directly_as_serde_json_does() {
        // What is wanted, what `each_value` gives, what `serde_json` gives.
        type Case = (Vec<String>, Option<Vec<String>>, Vec<String>);
        let cases: Vec<Case> = vec![
            (vec!["a b&c".into()], fast("a b&c"), through_json("a b&c").unwrap()),
            (vec![String::new()], fast(&""), through_json(&"").unwrap()),
            (vec!["0".into()], fast(&0u32), through_json(&0u32).unwrap()),
            (vec!["-9223372036854775808".into()], fast(&i64::MIN), through_json(&i64::MIN).unwrap()),
            (vec!["18446744073709551615".into()], fast(&u64::MAX), through_json(&u64::MAX).unwrap()),
            (vec!["-7".into()], fast(&-7i8), through_json(&-7i8).unwrap()),
            (vec!["true".into()], fast(&true), through_json(&true).unwrap()),
            (vec!["false".into()], fast(&false), through_json(&false).unwrap()),
            (vec!["é".into()], fast(&'é'), through_json(&'é').unwrap()),
            (vec!["IN_PROGRESS".into()], fast(&Status::InProgress), through_json(&Status::InProgress).unwrap()),
            (vec!["12".into()], fast(&Id(12)), through_json(&Id(12)).unwrap()),
            (vec!["3".into()], fast(&Some(3)), through_json(&Some(3)).unwrap()),
            (vec![], fast(&None::<u8>), through_json(&None::<u8>).unwrap()),
            (vec![], fast(&()), through_json(&()).unwrap()),
            (vec!["x".into(), "y".into()], fast(&["x", "y"]), through_json(&["x", "y"]).unwrap()),
            (
                vec!["1".into(), "2".into()],
                fast(&vec![Some(1), None, Some(2)]),
                through_json(&vec![Some(1), None, Some(2)]).unwrap(),
            ),
            (vec!["a".into(), "1".into()], fast(&("a", 1)), through_json(&("a", 1)).unwrap()),
            (vec![], fast(&Vec::<u8>::new()), through_json(&Vec::<u8>::new()).unwrap()),
        ];
        for (want, fast, json) in cases {
            assert_eq!(fast.as_ref(), Some(&want));
            assert_eq!(json, want);
        }
    }

    #[test]
    fn leaves_other_shapes_to_serde_json() {
        assert_eq!(fast(&1.5f64), None);
        assert_eq!(fast(&1u128), None);
        assert_eq!(fast(&Filter { b: 1, a: "x" }), None);
        assert_eq!(fast(&vec![vec![1]]), None);
        assert_eq!(fast(&Shape::Circle(1.0)), None);
        assert_eq!(fast(&BTreeMap::from([("k", 1)])), None);
        // Through `values`: floats as `serde_json` writes them, NaN as no value, objects and
        // nested arrays as JSON text.
        assert_eq!(values(&1.5f64).unwrap(), ["1.5"]);
        assert_eq!(values(&1.0f64).unwrap(), ["1.0"]);
        assert!(values(&f64::NAN).unwrap().is_empty());
        // Key order follows serde_json's `preserve_order` feature, so compare the JSON.
        let object = values(&Filter { b: 1, a: "x" }).unwrap();
        assert_eq!(object.len(), 1);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&object[0]).unwrap(),
            serde_json::json!({"a": "x", "b": 1})
        );
        assert_eq!(values(&vec![vec![1, 2], vec![3]]).unwrap(), ["[1,2]", "[3]"]);
        assert_eq!(values(&vec![1.5, 2.0]).unwrap(), ["1.5", "2.0"]);
        assert_eq!(values(&Shape::Circle(1.0)).unwrap(), [r#"{"Circle":1.0}"#]);
        assert_eq!(values(&5u128).unwrap(), ["5"]);
        assert!(values(&BTreeMap::from([((1, 2), 3)])).is_err());
        // Through `values` the direct shapes too.
        assert_eq!(values(&vec!["a", "b"]).unwrap(), ["a", "b"]);
        assert_eq!(values(&42u16).unwrap(), ["42"]);
    }
}
