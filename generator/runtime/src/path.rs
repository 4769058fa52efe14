//! Percent-encoding of path segments and query components.
//!
//! A path parameter always stays one segment: every byte except the unreserved characters
//! `A-Z a-z 0-9 - . _ ~` is percent-encoded, so `/`, `?`, `#`, `%` and spaces cannot change
//! the path. Values that are empty, `.` or `..` are rejected, because URL parsers treat
//! `%2E`/`%2E%2E` as dot segments and would normalise them away.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything except the RFC 3986 unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Whether `b` is an RFC 3986 unreserved character (never percent-encoded).
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes `value` as one URL component (path segment, query name or value).
pub(crate) fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_component(&mut out, value);
    out
}

/// Appends `value` to `out` percent-encoded as one URL component (as [`encode_component`]).
pub(crate) fn push_component(out: &mut String, value: &str) {
    if value.bytes().all(is_unreserved) {
        out.push_str(value);
    } else {
        out.extend(utf8_percent_encode(value, COMPONENT));
    }
}

/// Percent-encodes a path parameter value as exactly one segment (the value itself when it has
/// nothing to encode).
///
/// Returns an error message for values that cannot be one segment (empty, `.`, `..`).
pub(crate) fn encode_segment(value: String) -> Result<String, &'static str> {
    match value.as_str() {
        "" => Err("must not be empty"),
        "." | ".." => Err("must not be `.` or `..`"),
        v if v.bytes().all(is_unreserved) => Ok(value),
        v => Ok(encode_component(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(value: &str) -> Result<String, &'static str> {
        encode_segment(value.to_owned())
    }

    #[test]
    fn encodes_hostile_segments() {
        assert_eq!(segment("a/../b").unwrap(), "a%2F..%2Fb");
        assert_eq!(segment("x?y#z").unwrap(), "x%3Fy%23z");
        assert_eq!(segment("50% off").unwrap(), "50%25%20off");
        assert_eq!(segment("ünï").unwrap(), "%C3%BCn%C3%AF");
        assert_eq!(segment("a-b.c_d~e").unwrap(), "a-b.c_d~e");
        assert!(segment("..").is_err());
        assert!(segment(".").is_err());
        assert!(segment("").is_err());
        assert_eq!(segment("...").unwrap(), "...");
    }

    #[test]
    fn appends_components_encoding_all_but_unreserved() {
        let mut out = String::from("q=");
        push_component(&mut out, "AZaz09-._~");
        assert_eq!(out, "q=AZaz09-._~");
        // Every reserved, delimiting, space, control and non-ASCII character is encoded.
        out.clear();
        push_component(&mut out, "a b&c=d+e/f?g#h%i;j,k:l@m!n$o'p(q)r*s[t]u\\v\"w<x>y{z}|^`\u{7f}\n");
        assert_eq!(
            out,
            "a%20b%26c%3Dd%2Be%2Ff%3Fg%23h%25i%3Bj%2Ck%3Al%40m%21n%24o%27p%28q%29r%2As%5Bt%5Du%5Cv%22w%3Cx%3Ey%7Bz%7D%7C%5E%60%7F%0A"
        );
        // Each ASCII character alone (the fast path for values with nothing to encode).
        for b in 0u8..128 {
            let c = char::from(b);
            let want =
                if c.is_ascii_alphanumeric() || "-._~".contains(c) { c.to_string() } else { format!("%{b:02X}") };
            out.clear();
            push_component(&mut out, &c.to_string());
            assert_eq!(out, want);
            assert_eq!(encode_component(&c.to_string()), want);
            if !matches!(c, '.') {
                assert_eq!(segment(&c.to_string()).unwrap(), want);
            }
        }
        out.clear();
        push_component(&mut out, "é€😀");
        assert_eq!(out, "%C3%A9%E2%82%AC%F0%9F%98%80");
        assert_eq!(encode_component(""), "");
        assert_eq!(encode_component("x y"), "x%20y");
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
