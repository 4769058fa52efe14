//! Percent-encoding of path segments and query components.
//!
//! A path parameter always stays one segment: every byte except the unreserved characters
//! `A-Z a-z 0-9 - . _ ~` is percent-encoded, so `/`, `?`, `#`, `%` and spaces cannot change
//! the path. Values that are empty, `.` or `..` are rejected, because URL parsers treat
//! `%2E`/`%2E%2E` as dot segments and would normalise them away.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything except the RFC 3986 unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes `value` as one URL component (path segment, query name or value).
pub(crate) fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// Percent-encodes a path parameter value as exactly one segment.
///
/// Returns an error message for values that cannot be one segment (empty, `.`, `..`).
pub(crate) fn encode_segment(value: &str) -> Result<String, &'static str> {
    match value {
        "" => Err("must not be empty"),
        "." | ".." => Err("must not be `.` or `..`"),
        _ => Ok(encode_component(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_hostile_segments() {
        assert_eq!(encode_segment("a/../b").unwrap(), "a%2F..%2Fb");
        assert_eq!(encode_segment("x?y#z").unwrap(), "x%3Fy%23z");
        assert_eq!(encode_segment("50% off").unwrap(), "50%25%20off");
        assert_eq!(encode_segment("ünï").unwrap(), "%C3%BCn%C3%AF");
        assert_eq!(encode_segment("a-b.c_d~e").unwrap(), "a-b.c_d~e");
        assert!(encode_segment("..").is_err());
        assert!(encode_segment(".").is_err());
        assert!(encode_segment("").is_err());
        assert_eq!(encode_segment("...").unwrap(), "...");
    }

    #[test]
    fn url_parser_normalises_encoded_dot_segments() {
        // Why `.` and `..` are rejected rather than sent as `%2E`/`%2E%2E`.
        let url = reqwest::Url::parse("http://h/a/%2E%2E/b").unwrap();
        assert_eq!(url.path(), "/b");
        let url = reqwest::Url::parse("http://h/a/b%2F..%2Fc").unwrap();
        assert_eq!(url.path(), "/a/b%2F..%2Fc");
    }
}
