//! A mock server for testing code that uses the SDK (Cargo feature `test-util`): a real HTTP server
//! on loopback (wiremock), so the whole runtime — authentication, retries, paging, error decoding —
//! runs as in production. The token exchange is answered for you; each operation gets a typed
//! [`Stub`] (the generated crate adds one accessor per service and operation), and the typed
//! requests a stub received are there for assertions.

use std::fmt::Display;
use std::marker::PhantomData;

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::api::ApiDescription;
use super::client::{Client, ClientBuilder};
use super::meta::{AuthKind, OperationMeta, PathPart};
use super::retry::RetryPolicy;
use super::secret::{ApiKey, BearerToken};

/// The API key of clients from [`MockServer::client`].
pub const MOCK_API_KEY: &str = "mock-api-key";

/// The bearer token the mocked token exchange issues (or that [`MockServer::client`] sends when the
/// API has no exchange).
pub const MOCK_TOKEN: &str = "mock-token";

/// A local HTTP server that answers like the API, as the test stubs it.
pub struct MockServer {
    server: wiremock::MockServer,
    api: &'static ApiDescription,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer").field("uri", &self.server.uri()).finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server for `api` on a free loopback port. When the API has a token exchange,
    /// `exchange_response` (the exchange operation's JSON body, issuing [`MOCK_TOKEN`]) answers it.
    /// Generated crates call this from `MockServer::start()`.
    pub async fn start_for(api: &'static ApiDescription, exchange_response: Option<serde_json::Value>) -> Self {
        let server = wiremock::MockServer::start().await;
        if let (Some(exchange), Some(body)) = (api.token_exchange, exchange_response) {
            wiremock::Mock::given(RequestMatcher::for_operation(exchange.operation))
                .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(body))
                .with_priority(u8::MAX)
                .named("token exchange")
                .mount(&server)
                .await;
        }
        MockServer { server, api }
    }

    /// The server's base URL, e.g. `http://127.0.0.1:34567`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A client builder pointed at this server, with [`MOCK_API_KEY`] (or [`MOCK_TOKEN`] when the
    /// API has no token exchange) and fast retries; adjust it, then `build()`.
    pub fn client_builder(&self) -> ClientBuilder {
        let builder = ClientBuilder::new(self.api).base_url(self.uri()).allow_insecure_http(true).retry_policy(
            RetryPolicy::default()
                .base_delay(std::time::Duration::from_millis(1))
                .max_delay(std::time::Duration::from_millis(20)),
        );
        if self.api.token_exchange.is_some() {
            builder.api_key(ApiKey::new(MOCK_API_KEY))
        } else {
            builder.bearer_token(BearerToken::new(MOCK_TOKEN))
        }
    }

    /// A client pointed at this server (see [`client_builder`](Self::client_builder)).
    ///
    /// # Panics
    ///
    /// Never for a generated API; a test helper may panic on an impossible configuration.
    pub fn client(&self) -> Client {
        match self.client_builder().build() {
            Ok(client) => client,
            Err(err) => panic!("the mock client could not be built: {err}"),
        }
    }

    /// A stub for one operation, typed with its request body `Req` and its response body `Resp`
    /// (generated accessors name both).
    pub fn stub<Req, Resp>(&self, operation: &'static OperationMeta) -> Stub<'_, Req, Resp> {
        Stub {
            server: self,
            matcher: RequestMatcher::for_operation(operation),
            times: None,
            up_to: None,
            priority: None,
            _types: PhantomData,
        }
    }

    /// Every request the server received for `operation`, in order.
    pub async fn requests_to(&self, operation: &'static OperationMeta) -> Vec<wiremock::Request> {
        RequestMatcher::for_operation(operation).filter(self.server.received_requests().await.unwrap_or_default())
    }

    /// The underlying wiremock server, for anything the typed API does not cover.
    pub fn wiremock(&self) -> &wiremock::MockServer {
        &self.server
    }
}

/// Matches requests of one operation: its method and path (parameters in their places), and the
/// stub's extra conditions.
#[derive(Debug, Clone)]
struct RequestMatcher {
    operation: &'static OperationMeta,
    path_params: Vec<(String, String)>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<serde_json::Value>,
}

impl RequestMatcher {
    fn for_operation(operation: &'static OperationMeta) -> Self {
        RequestMatcher { operation, path_params: Vec::new(), query: Vec::new(), headers: Vec::new(), body: None }
    }

    fn filter(&self, requests: Vec<wiremock::Request>) -> Vec<wiremock::Request> {
        requests.into_iter().filter(|r| self.matches_request(r)).collect()
    }

    fn matches_request(&self, request: &wiremock::Request) -> bool {
        if request.method.as_str() != self.operation.method.as_str() {
            return false;
        }
        let Some(values) = match_path(&self.operation.path_parts().collect::<Vec<_>>(), request.url.path()) else {
            return false;
        };
        let params_ok = self.path_params.iter().all(|(name, want)| {
            values
                .iter()
                .any(|(n, v)| n == name && percent_encoding::percent_decode_str(v).decode_utf8_lossy() == *want)
        });
        let query: Vec<(String, String)> =
            request.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let query_ok = self.query.iter().all(|pair| query.contains(pair));
        let headers_ok = self.headers.iter().all(|(name, want)| {
            request.headers.get_all(name.as_str()).iter().any(|v| v.to_str().is_ok_and(|v| v == want))
        });
        let body_ok = match &self.body {
            None => true,
            Some(want) => {
                serde_json::from_slice::<serde_json::Value>(&request.body).is_ok_and(|got| contains(&got, want))
            }
        };
        params_ok && query_ok && headers_ok && body_ok
    }
}

impl wiremock::Match for RequestMatcher {
    fn matches(&self, request: &wiremock::Request) -> bool {
        self.matches_request(request)
    }
}

/// Whether `got` has everything `want` has (objects recursively; other values equal).
fn contains(got: &serde_json::Value, want: &serde_json::Value) -> bool {
    match (got, want) {
        (serde_json::Value::Object(g), serde_json::Value::Object(w)) => {
            w.iter().all(|(k, wv)| g.get(k).is_some_and(|gv| contains(gv, wv)))
        }
        _ => got == want,
    }
}

/// Matches a request path against a split template; returns the (still encoded) parameter values.
fn match_path(parts: &[PathPart], path: &str) -> Option<Vec<(String, String)>> {
    fn go(parts: &[PathPart], path: &str, out: &mut Vec<(String, String)>) -> bool {
        match parts.split_first() {
            None => path.is_empty(),
            Some((PathPart::Literal(text), rest)) => path.strip_prefix(text).is_some_and(|p| go(rest, p, out)),
            Some((PathPart::Param(name), rest)) => {
                // A value is non-empty and stays within one segment; try every length.
                let limit = path.find('/').unwrap_or(path.len());
                for end in (1..=limit).rev() {
                    out.push(((*name).to_owned(), path[..end].to_owned()));
                    if go(rest, &path[end..], out) {
                        return true;
                    }
                    out.pop();
                }
                false
            }
        }
    }
    let mut out = Vec::new();
    go(parts, path, &mut out).then_some(out)
}

/// How one operation should answer: conditions on the request, then a response.
#[must_use = "a stub does nothing until one of its `respond…` methods is awaited"]
pub struct Stub<'a, Req, Resp> {
    server: &'a MockServer,
    matcher: RequestMatcher,
    times: Option<u64>,
    up_to: Option<u64>,
    priority: Option<u8>,
    _types: PhantomData<fn(Req) -> Resp>,
}

impl<Req, Resp> std::fmt::Debug for Stub<'_, Req, Resp> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stub").field("operation", &self.matcher.operation.operation_id).finish_non_exhaustive()
    }
}

impl<'a, Req, Resp> Stub<'a, Req, Resp> {
    /// Only requests whose path parameter `name` is `value` (compared after decoding).
    pub fn path_param(mut self, name: &str, value: impl Display) -> Self {
        self.matcher.path_params.push((name.to_owned(), value.to_string()));
        self
    }

    /// Only requests with this query parameter (among others).
    pub fn query(mut self, name: &str, value: impl Display) -> Self {
        self.matcher.query.push((name.to_owned(), value.to_string()));
        self
    }

    /// Only requests with this header value.
    pub fn header(mut self, name: &str, value: impl Display) -> Self {
        self.matcher.headers.push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    /// Only requests whose JSON body contains these fields (objects compared recursively).
    pub fn body_contains(mut self, fields: serde_json::Value) -> Self {
        self.matcher.body = Some(fields);
        self
    }

    /// Fails the test (when the server is dropped) unless exactly `n` requests matched.
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Answers at most `n` requests; later ones go to the next matching stub (for sequences, e.g. a
    /// list read before and after a create).
    pub fn up_to(mut self, n: u64) -> Self {
        self.up_to = Some(n);
        self
    }

    /// Wiremock priority: 1 is tried first; stubs of the same priority in the order mounted.
    pub fn priority(mut self, priority: u8) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Answers with `status` and `body` as JSON.
    pub async fn respond(self, status: u16, body: &Resp) -> Mocked<'a, Req>
    where
        Resp: Serialize,
    {
        let template = match serde_json::to_vec(body) {
            Ok(json) => wiremock::ResponseTemplate::new(status).set_body_raw(json, "application/json"),
            Err(err) => panic!("the stub body of `{}` does not serialize: {err}", self.matcher.operation.operation_id),
        };
        self.respond_with(template).await
    }

    /// Answers with `status` and no body.
    pub async fn respond_empty(self, status: u16) -> Mocked<'a, Req> {
        self.respond_with(wiremock::ResponseTemplate::new(status)).await
    }

    /// Answers with `status` and raw bytes of `content_type` (files, CSV, images).
    pub async fn respond_bytes(self, status: u16, body: impl Into<Vec<u8>>, content_type: &str) -> Mocked<'a, Req> {
        self.respond_with(wiremock::ResponseTemplate::new(status).set_body_raw(body.into(), content_type)).await
    }

    /// Answers with an error body carrying `code` and `message` in the API's error-body fields.
    pub async fn respond_error(self, status: u16, code: i64, message: &str) -> Mocked<'a, Req> {
        let fields = self.server.api.error_body;
        let mut body = serde_json::Map::new();
        if let Some(field) = fields.code {
            body.insert(field.to_owned(), code.into());
        }
        if let Some(field) = fields.message {
            body.insert(field.to_owned(), message.into());
        }
        self.respond_with(wiremock::ResponseTemplate::new(status).set_body_json(body)).await
    }

    /// Answers with a wiremock response (delays, headers, sequences of your own).
    pub async fn respond_with(self, template: wiremock::ResponseTemplate) -> Mocked<'a, Req> {
        let mut mock = wiremock::Mock::given(self.matcher.clone())
            .respond_with(template)
            .named(self.matcher.operation.operation_id);
        if let Some(n) = self.times {
            mock = mock.expect(n);
        }
        if let Some(n) = self.up_to {
            mock = mock.up_to_n_times(n);
        }
        if let Some(p) = self.priority {
            mock = mock.with_priority(p);
        }
        mock.mount(&self.server.server).await;
        Mocked { server: self.server, matcher: self.matcher, _types: PhantomData }
    }
}

/// A mounted stub: what it received.
pub struct Mocked<'a, Req> {
    server: &'a MockServer,
    matcher: RequestMatcher,
    _types: PhantomData<fn() -> Req>,
}

impl<Req> std::fmt::Debug for Mocked<'_, Req> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mocked").field("operation", &self.matcher.operation.operation_id).finish_non_exhaustive()
    }
}

impl<Req: DeserializeOwned> Mocked<'_, Req> {
    /// The requests this stub matched, in order, with their bodies decoded as `Req`.
    pub async fn requests(&self) -> Vec<Received<Req>> {
        let requests = self.matcher.filter(self.server.server.received_requests().await.unwrap_or_default());
        requests.into_iter().map(|r| Received::new(self.matcher.operation, r)).collect()
    }

    /// How many requests this stub matched.
    pub async fn count(&self) -> usize {
        self.requests().await.len()
    }
}

/// One received request, decoded.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Received<Req> {
    /// The HTTP method.
    pub method: String,
    /// The path as sent (percent-encoded).
    pub path: String,
    /// The path parameters, decoded, by name.
    pub path_params: Vec<(String, String)>,
    /// The query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The headers (including `authorization`: this is a test server).
    pub headers: HeaderMap,
    /// The body decoded as the operation's request type, when it decodes.
    pub body: Option<Req>,
    /// The raw body.
    pub raw_body: Vec<u8>,
}

impl<Req: DeserializeOwned> Received<Req> {
    fn new(operation: &'static OperationMeta, request: wiremock::Request) -> Self {
        let path = request.url.path().to_owned();
        let path_params = match_path(&operation.path_parts().collect::<Vec<_>>(), &path)
            .unwrap_or_default()
            .into_iter()
            .map(|(n, v)| (n, percent_encoding::percent_decode_str(&v).decode_utf8_lossy().into_owned()))
            .collect();
        let query = request.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let body = serde_json::from_slice(&request.body).ok();
        let mut headers = HeaderMap::new();
        for (name, value) in request.headers.iter() {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_str().as_bytes()),
                reqwest::header::HeaderValue::from_bytes(value.as_bytes()),
            ) {
                headers.append(name, value);
            }
        }
        Received { method: request.method.to_string(), path, path_params, query, headers, body, raw_body: request.body }
    }
}

impl<Req> Received<Req> {
    /// The first value of a query parameter.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A path parameter's decoded value.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A header's value, when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the request was authenticated the way the operation says (bearer token or API key).
    pub fn is_authenticated(&self, operation: &OperationMeta) -> bool {
        match operation.auth {
            AuthKind::None => true,
            AuthKind::ApiKey { header } => self.header(header).is_some(),
            AuthKind::Bearer => self.header("authorization").is_some_and(|v| v.starts_with("Bearer ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_paths_with_parameters_anywhere() {
        let parts =
            [PathPart::Literal("/r/"), PathPart::Param("base"), PathPart::Literal("..."), PathPart::Param("head")];
        let got = match_path(&parts, "/r/main...v1.0").unwrap();
        assert_eq!(got, vec![("base".into(), "main".into()), ("head".into(), "v1.0".into())]);
        assert!(match_path(&parts, "/r/main").is_none());
        assert!(match_path(&parts, "/r/a/b...c").is_none());
        let simple = [PathPart::Literal("/w/"), PathPart::Param("id"), PathPart::Literal("/e")];
        assert_eq!(match_path(&simple, "/w/a%2Fb/e").unwrap()[0].1, "a%2Fb");
        assert!(match_path(&simple, "/w//e").is_none());
    }

    #[test]
    fn body_contains_is_a_recursive_subset() {
        let got = serde_json::json!({"a": 1, "b": {"c": 2, "d": 3}});
        assert!(contains(&got, &serde_json::json!({"b": {"c": 2}})));
        assert!(!contains(&got, &serde_json::json!({"b": {"c": 3}})));
    }
}
