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
