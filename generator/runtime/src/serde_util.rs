//! Serde helpers used by generated models.

/// `serialize_with`/`deserialize_with` for optional *and* nullable fields (`Option<Option<T>>`).
///
/// Absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`. Use with
/// `#[serde(default, skip_serializing_if = "Option::is_none", with = "crate::runtime::serde_util::double_option")]`.
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serializes `Some(None)` as `null` and `Some(Some(v))` as `v` (`None` should be skipped).
    pub fn serialize<T, S>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
    where
        T: Serialize,
        S: Serializer,
    {
        match value {
            Some(Some(v)) => v.serialize(serializer),
            _ => serializer.serialize_none(),
        }
    }

    /// Deserializes a present field: `null` → `Some(None)`, a value → `Some(Some(v))`.
    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq, Default)]
    struct S {
        #[serde(default, skip_serializing_if = "Option::is_none", with = "super::double_option")]
        x: Option<Option<i32>>,
    }

    #[test]
    fn three_states() {
        let absent: S = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.x, None);
        let null: S = serde_json::from_str(r#"{"x":null}"#).unwrap();
        assert_eq!(null.x, Some(None));
        let v: S = serde_json::from_str(r#"{"x":3}"#).unwrap();
        assert_eq!(v.x, Some(Some(3)));
        assert_eq!(serde_json::to_string(&absent).unwrap(), "{}");
        assert_eq!(serde_json::to_string(&null).unwrap(), r#"{"x":null}"#);
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"x":3}"#);
    }
}

/// `deserialize_with` for fields where `null` means the same as absent: the type's default.
pub fn null_as_default<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: serde::Deserialize<'de> + Default,
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize as _;
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod null_tests {
    #[derive(serde::Deserialize)]
    struct Items {
        #[serde(default, deserialize_with = "super::null_as_default")]
        items: Vec<u8>,
    }

    #[test]
    fn null_and_absent_read_as_default() {
        let read = |json: &str| serde_json::from_str::<Items>(json).map(|i| i.items).ok();
        assert_eq!(read(r#"{"items": null}"#), Some(vec![]));
        assert_eq!(read("{}"), Some(vec![]));
        assert_eq!(read(r#"{"items": [1]}"#), Some(vec![1]));
    }
}
