//! Keeping personal data and secrets out of `Debug`: a wrapper whose `Debug` prints
//! `[redacted]`, and the helpers generated `Debug` impls use for fields, unknown fields and
//! headers.
//!
//! What is sensitive is declared in the API description (`x-sensitive`); generated code marks it
//! with these types. Values stay readable through the types' accessors: only formatting hides them.

use std::fmt;

use reqwest::header::HeaderMap;

/// What a hidden value prints as.
pub const REDACTED: &str = "[redacted]";

/// A value that holds personal data or a secret: serialized and deserialized as the value
/// itself, readable through `Deref` (so the value's own methods apply),
/// [`expose`](Self::expose) and [`into_inner`](Self::into_inner), and printed by `Debug` as
/// `[redacted]`. Its own methods have names no common type uses, so `Deref` reaches the value's.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// The value.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// The value, to change it.
    pub fn expose_mut(&mut self) -> &mut T {
        &mut self.0
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> std::ops::Deref for Sensitive<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Sensitive<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Sensitive(value)
    }
}

impl<T> AsRef<T> for Sensitive<T> {
    fn as_ref(&self) -> &T {
        &self.0
    }
}

/// `Debug` of one hidden value: `[redacted]`.
pub struct Hidden<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> fmt::Debug for Hidden<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// `Debug` of a model's unknown fields: their names, each value `[redacted]` (an unknown field
/// may hold personal data as well as a known one).
pub struct FieldNames<'a, I>(pub &'a I);

impl<'a, I, K, V> fmt::Debug for FieldNames<'a, I>
where
    &'a I: IntoIterator<Item = (&'a K, &'a V)>,
    K: fmt::Debug + 'a,
    V: 'a,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (k, _) in self.0 {
            map.entry(k, &format_args!("{REDACTED}"));
        }
        map.finish()
    }
}

/// Headers whose values are safe to print: they describe the message, never a person or a
/// credential.
pub const SHOWN_HEADERS: &[&str] = &[
    "accept",
    "content-type",
    "content-length",
    "content-encoding",
    "date",
    "retry-after",
    "location",
    "x-request-id",
    "request-id",
    "x-correlation-id",
    "x-amzn-requestid",
    "traceparent",
    "user-agent",
];

/// `Debug` of a header map: every name, and the values of [`SHOWN_HEADERS`] only.
pub struct Headers<'a>(pub &'a HeaderMap);

/// Whether a header's value may be shown: one of [`SHOWN_HEADERS`], not marked sensitive.
pub fn is_shown_header(name: &reqwest::header::HeaderName, value: &reqwest::header::HeaderValue) -> bool {
    SHOWN_HEADERS.contains(&name.as_str()) && !value.is_sensitive()
}

impl fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if is_shown_header(name, value) {
                map.entry(&name.as_str(), &value.to_str().unwrap_or("[binary]"));
            } else {
                map.entry(&name.as_str(), &format_args!("{REDACTED}"));
            }
        }
        map.finish()
    }
}

/// `Debug` of caller-given `(name, value)` pairs (extra headers or query parameters): names, and
/// the values of [`SHOWN_HEADERS`] only.
pub struct Pairs<'a>(pub &'a [(String, String)]);

impl fmt::Debug for Pairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in self.0 {
            if SHOWN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                list.entry(&(name, value));
            } else {
                list.entry(&(name, format_args!("{REDACTED}")));
            }
        }
        list.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_hidden_and_still_readable() {
        let s = Sensitive::new(String::from("CANARY-1"));
        assert_eq!(format!("{s:?} {s:#?}"), "[redacted] [redacted]");
        assert_eq!(s.expose(), "CANARY-1");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"CANARY-1\"");
        let back: Sensitive<String> = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back.into_inner(), "x");

        let mut extra = serde_json::Map::new();
        extra.insert("dateOfBirth".into(), "CANARY-2".into());
        let shown = format!("{:?}", FieldNames(&extra));
        assert!(shown.contains("dateOfBirth") && !shown.contains("CANARY-2"), "{shown}");

        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        headers.insert("x-echo", "Bearer CANARY-3".parse().unwrap());
        let shown = format!("{:?}", Headers(&headers));
        assert!(shown.contains("application/json") && shown.contains("x-echo"), "{shown}");
        assert!(!shown.contains("CANARY-3"), "{shown}");

        let pairs =
            vec![("X-Custom-Auth".to_owned(), "Bearer CANARY-4".to_owned()), ("Accept".into(), "text/csv".into())];
        let shown = format!("{:?}", Pairs(&pairs));
        assert!(shown.contains("text/csv") && !shown.contains("CANARY-4"), "{shown}");
    }
}
