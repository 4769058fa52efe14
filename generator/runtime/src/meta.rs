//! Static description of one API operation, emitted by the generator as a `const`.

use super::error_code::ErrorCodeTable;
use super::permission::Permission;

/// An HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
    /// `OPTIONS`
    Options,
    /// `HEAD`
    Head,
    /// `PATCH`
    Patch,
    /// `TRACE`
    Trace,
}

impl HttpMethod {
    /// The method name as sent on the wire, e.g. `"GET"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Head => "HEAD",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Trace => "TRACE",
        }
    }

    /// Whether the method is idempotent and therefore retried by default
    /// (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`, `TRACE`).
    pub const fn is_idempotent(self) -> bool {
        !matches!(self, HttpMethod::Post | HttpMethod::Patch)
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Delete => reqwest::Method::DELETE,
            HttpMethod::Options => reqwest::Method::OPTIONS,
            HttpMethod::Head => reqwest::Method::HEAD,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Trace => reqwest::Method::TRACE,
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an operation authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// No credentials are sent.
    None,
    /// The client's API key is sent in this header.
    ApiKey {
        /// The header name, e.g. `"X-Api-Token"`.
        header: &'static str,
    },
    /// A bearer token is sent in the `Authorization` header.
    Bearer,
}

/// One piece of a path template: see [`OperationMeta::path_parts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPart {
    /// Literal text, sent as written.
    Literal(&'static str),
    /// The next path parameter value, percent-encoded so that it cannot leave its place.
    Param(&'static str),
}

/// Everything the runtime needs to know about one operation: the one fact sheet per operation.
#[derive(Debug, Clone, Copy)]
pub struct OperationMeta {
    /// The OpenAPI `operationId`, e.g. `"getOrder"`.
    pub operation_id: &'static str,
    /// The operation's service (tag).
    pub service: &'static str,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path with `{name}` placeholders, as written in the document; the request fills the
    /// placeholders in order (see [`path_parts`](Self::path_parts)).
    pub path_template: &'static str,
    /// A one-line summary of the operation.
    pub summary: &'static str,
    /// The permission the caller's token needs, when documented.
    pub permission: Option<&'static Permission>,
    /// How the operation authenticates.
    pub auth: AuthKind,
    /// The error codes its service documents.
    pub error_codes: Option<&'static ErrorCodeTable>,
    /// Whether the operation is deprecated.
    pub deprecated: bool,
    /// Whether the operation is marked beta.
    pub beta: bool,
}

impl OperationMeta {
    /// An operation `op` of service `svc` with this path template and nothing else set: the
    /// runtime's unit tests' stand-in for a generated one.
    #[cfg(test)]
    pub(crate) const fn for_test(path_template: &'static str) -> Self {
        OperationMeta {
            operation_id: "op",
            service: "svc",
            method: HttpMethod::Get,
            path_template,
            summary: "",
            permission: None,
            auth: AuthKind::None,
            error_codes: None,
            deprecated: false,
            beta: false,
        }
    }

    /// The path template split into literal text and `{name}` placeholders, in order. An
    /// unbalanced `{` (which the generator refuses) makes the rest literal.
    pub fn path_parts(&self) -> PathParts {
        PathParts { rest: self.path_template }
    }
}

/// The pieces of a path template, from [`OperationMeta::path_parts`].
#[derive(Debug, Clone)]
pub struct PathParts {
    rest: &'static str,
}

impl Iterator for PathParts {
    type Item = PathPart;

    fn next(&mut self) -> Option<PathPart> {
        let rest = self.rest;
        if rest.is_empty() {
            return None;
        }
        if let Some(end) = rest.strip_prefix('{').and_then(|r| r.find('}')) {
            self.rest = &rest[end + 2..];
            return Some(PathPart::Param(&rest[1..end + 1]));
        }
        // Literal text up to the next placeholder that closes (or to the end).
        let mut end = rest.len();
        if let Some(open) = rest[1..].find('{').map(|i| i + 1) {
            if rest[open..].contains('}') {
                end = open;
            }
        }
        self.rest = &rest[end..];
        Some(PathPart::Literal(&rest[..end]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(template: &'static str) -> Vec<PathPart> {
        OperationMeta::for_test(template).path_parts().collect()
    }

    #[test]
    fn splits_templates_into_literals_and_placeholders() {
        use PathPart::{Literal as L, Param as P};
        assert_eq!(parts("/a/{x}/b{y}.json"), [L("/a/"), P("x"), L("/b"), P("y"), L(".json")]);
        assert_eq!(parts("/r/{base}...{head}"), [L("/r/"), P("base"), L("..."), P("head")]);
        assert_eq!(parts("{id}"), [P("id")]);
        assert_eq!(parts("/plain"), [L("/plain")]);
        assert_eq!(parts(""), []);
        // Unbalanced braces: the rest is literal, as the generator's split reads them.
        assert_eq!(parts("/a/{x"), [L("/a/{x")]);
        assert_eq!(parts("/a/{x}/{y"), [L("/a/"), P("x"), L("/{y")]);
    }
}
