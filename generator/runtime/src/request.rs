//! Building and sending one operation's request: parameters, body, credentials, retries,
//! the permission preflight and the `sdk.request` tracing span.

use std::fmt::Display;
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use tracing::Instrument as _;

use super::auth::{SendableToken, TokenSource, Wait};
use super::client::Client;
use super::error::{host_of, Error, TimeoutKind};
use super::meta::{AuthKind, OperationMeta, PathPart};
use super::param;
use super::path;
use super::permission;
use super::redact;
use super::response::{BodyRules, Response};
use super::retry::retryable_status;
use super::secret::{sensitive_header, ApiKey, BearerToken};
use super::text::Secrets;

/// Extra query parameters and headers from the caller, applied after the generated ones
/// (a header given here replaces a generated header of the same name), and an optional
/// per-request timeout. `Debug` shows names, and values only of headers that describe the
/// message (`Accept`, `Content-Type`, ...): a caller's header may carry a credential.
#[derive(Clone, Default)]
pub struct RequestOptions {
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    timeout: Option<Duration>,
}

impl std::fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestOptions")
            .field("query", &redact::Pairs(&self.query))
            .field("headers", &redact::Pairs(&self.headers))
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl RequestOptions {
    /// No extra parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a query parameter (repeat the name to send it several times).
    pub fn add_query(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.query.push((name.into(), value.into()));
    }

    /// Adds a header (repeat the name to send several values).
    pub fn add_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.headers.push((name.into(), value.into()));
    }

    /// Sets the timeout of each attempt of this request, overriding the client's.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = Some(timeout);
    }

    /// Builder form of [`add_query`](Self::add_query).
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.add_query(name, value);
        self
    }

    /// Builder form of [`add_header`](Self::add_header).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.add_header(name, value);
        self
    }

    /// Builder form of [`set_timeout`](Self::set_timeout).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.set_timeout(timeout);
        self
    }

    /// Whether no extra parameter, header or timeout is set.
    pub fn is_empty(&self) -> bool {
        self.query.is_empty() && self.headers.is_empty() && self.timeout.is_none()
    }
}

/// A request as it would be sent (see [`RequestBuilder::prepare`]). Credentials and the caller's
/// extra headers (but those describing the message, such as `Accept`) are `[redacted]` in
/// `headers`. Personal data and secrets the API description marks (`x-sensitive` path, query and
/// header values, and bodies) stay in `url`, `headers` and `body` for the caller, and are shown as
/// `[redacted]` by `Display` and `Debug`.
#[derive(Clone)]
pub struct PreparedRequest {
    /// The HTTP method.
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// The headers, credentials redacted.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The URL with personal path and query values as `[redacted]`.
    shown_url: String,
    /// Whether the body is personal data or a secret.
    body_hidden: bool,
}

impl PreparedRequest {
    /// The URL as `Display` shows it: personal path and query values as `[redacted]`.
    pub fn shown_url(&self) -> &str {
        &self.shown_url
    }

    /// Whether the body holds personal data or a secret (`Display` does not show it).
    pub fn body_is_sensitive(&self) -> bool {
        self.body_hidden
    }
}

impl std::fmt::Display for PreparedRequest {
    /// `METHOD URL`, one `name: value` line per header, then a blank line and the body (as text when
    /// it is UTF-8, else its size); personal values and bodies as `[redacted]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} {}", self.method, self.shown_url)?;
        for (name, value) in &self.headers {
            if value.is_sensitive() {
                writeln!(f, "{name}: {}", redact::REDACTED)?;
            } else {
                writeln!(f, "{name}: {}", value.to_str().unwrap_or("[binary]"))?;
            }
        }
        if !self.body.is_empty() {
            writeln!(f)?;
            match std::str::from_utf8(&self.body) {
                _ if self.body_hidden => writeln!(f, "{} ({} bytes)", redact::REDACTED, self.body.len())?,
                Ok(text) => writeln!(f, "{text}")?,
                Err(_) => writeln!(f, "[{} bytes of binary body]", self.body.len())?,
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("method", &self.method)
            .field("url", &self.shown_url)
            .field("headers", &redact::Headers(&self.headers))
            .field("body_len", &self.body.len())
            .field("body_is_sensitive", &self.body_hidden)
            .finish()
    }
}

/// One operation's request, filled in by generated code and sent with [`send`](Self::send).
///
/// Encoding problems are remembered and reported by `send` as [`Error::Encode`].
///
/// A value added right after [`sensitive`](Self::sensitive) is personal data or a secret: prepared
/// requests and `Debug` show it as `[redacted]`.
pub struct RequestBuilder {
    client: Client,
    meta: &'static OperationMeta,
    /// Encoded path parameter values, in the order of the path's parameters.
    path_values: Vec<String>,
    /// The query as sent, without the caller's extras: encoded `name=value` pairs joined by `&`.
    query: String,
    headers: HeaderMap,
    /// `name=value` pairs for the `Cookie` header, values percent-encoded.
    cookies: Vec<String>,
    body: Option<(Bytes, HeaderValue)>,
    options: RequestOptions,
    error: Option<Error>,
    /// The next value added is sensitive.
    hide_next: bool,
    /// Indexes of sensitive values in `path_values`, the places of sensitive values in `query`;
    /// whether cookies and the body are.
    hidden_path: Vec<usize>,
    hidden_query: Vec<Range<usize>>,
    hidden_cookies: bool,
    body_hidden: bool,
}

impl std::fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("operation", &self.meta.operation_id)
            .field("url", &self.url_text(true).unwrap_or_default())
            .field("headers", &redact::Headers(&self.headers))
            .field("body_len", &self.body.as_ref().map(|(b, _)| b.len()))
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Appends `name=value` to an encoded query, noting the value's place when it is sensitive.
fn push_query_pair(query: &mut String, hidden: Option<&mut Vec<Range<usize>>>, name: &str, value: &str) {
    if query.is_empty() {
        // Room for a few parameters at once.
        query.reserve(64);
    } else {
        query.push('&');
    }
    path::push_component(query, name);
    query.push('=');
    let start = query.len();
    path::push_component(query, value);
    if let Some(hidden) = hidden {
        hidden.push(start..query.len());
    }
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, meta: &'static OperationMeta) -> Self {
        RequestBuilder {
            client,
            meta,
            path_values: Vec::new(),
            query: String::new(),
            headers: HeaderMap::new(),
            cookies: Vec::new(),
            body: None,
            options: RequestOptions::default(),
            error: None,
            hide_next: false,
            hidden_path: Vec::new(),
            hidden_query: Vec::new(),
            hidden_cookies: false,
            body_hidden: false,
        }
    }

    /// Marks the next value added (a path, query, header or cookie value, or the body) as
    /// personal data or a secret: prepared requests and `Debug` show it as `[redacted]`.
    pub fn sensitive(mut self) -> Self {
        self.hide_next = true;
        self
    }

    /// Whether the value being added is sensitive (and the mark is used up).
    fn take_hidden(&mut self) -> bool {
        std::mem::take(&mut self.hide_next)
    }

    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(Error::encode(message));
        }
    }

    /// Sets the next path parameter (in the order of the path template); the value is
    /// percent-encoded so that it stays within its place. Empty, `.` and `..` values are rejected.
    pub fn path_param(self, value: &dyn Display) -> Self {
        let raw = value.to_string();
        self.push_path_value(raw)
    }

    /// Like [`path_param`](Self::path_param) for a value without `Display` (a union, say): its
    /// JSON form as text (a string as is, a number as digits).
    pub fn path_param_json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match param::values(value) {
            Ok(values) if values.len() == 1 => {
                let raw = values.into_iter().next().unwrap_or_default();
                self.push_path_value(raw)
            }
            Ok(_) => {
                self.fail("a path parameter must be one value".into());
                self.path_values.push(String::new());
                self
            }
            Err(e) => {
                self.fail(format!("a path parameter does not serialize: {e}"));
                self.path_values.push(String::new());
                self
            }
        }
    }

    fn push_path_value(mut self, raw: String) -> Self {
        if self.take_hidden() {
            self.hidden_path.push(self.path_values.len());
        }
        match path::encode_segment(raw) {
            Ok(encoded) => self.path_values.push(encoded),
            Err(why) => {
                let name = self
                    .meta
                    .path_parts()
                    .filter_map(|p| match p {
                        PathPart::Param(name) => Some(name),
                        PathPart::Literal(_) => None,
                    })
                    .nth(self.path_values.len())
                    .unwrap_or("?");
                self.fail(format!("path parameter `{name}` {why}"));
                self.path_values.push(String::new());
            }
        }
        self
    }

    /// Adds a query parameter when `value` is `Some`; arrays repeat the key, `null` is skipped,
    /// objects are sent as JSON text.
    pub fn query<T: Serialize + ?Sized>(mut self, name: &str, value: Option<&T>) -> Self {
        let hidden = self.take_hidden();
        let Some(value) = value else { return self };
        let (query, hidden_query) = (&mut self.query, &mut self.hidden_query);
        let (len, hidden_len) = (query.len(), hidden_query.len());
        let direct = param::each_value(value, |v| {
            push_query_pair(query, hidden.then_some(&mut *hidden_query), name, v);
        });
        if !direct {
            self.query.truncate(len);
            self.hidden_query.truncate(hidden_len);
            match param::through_json(value) {
                Ok(values) => {
                    for v in values {
                        push_query_pair(&mut self.query, hidden.then_some(&mut self.hidden_query), name, &v);
                    }
                }
                Err(e) => self.fail(format!("query parameter `{name}`: {e}")),
            }
        }
        self
    }

    /// Adds a header when `value` is `Some`; arrays send one header line per element.
    pub fn header<T: Serialize + ?Sized>(mut self, name: &str, value: Option<&T>) -> Self {
        let hidden = self.take_hidden();
        let Some(value) = value else { return self };
        let header_name = match HeaderName::from_bytes(name.as_bytes()) {
            Ok(n) => n,
            Err(_) => {
                self.fail(format!("`{name}` is not a valid header name"));
                return self;
            }
        };
        match param::values(value) {
            Ok(values) => {
                for v in values {
                    match HeaderValue::from_str(&v) {
                        Ok(mut hv) => {
                            hv.set_sensitive(hidden);
                            self.headers.append(header_name.clone(), hv);
                        }
                        Err(_) => self.fail(format!("header `{name}` has an invalid value")),
                    }
                }
            }
            Err(e) => self.fail(format!("header `{name}`: {e}")),
        }
        self
    }

    /// Adds a cookie when `value` is `Some` (sent in one `Cookie` header); the value is
    /// percent-encoded so that it cannot end the cookie or the header.
    pub fn cookie<T: Serialize + ?Sized>(mut self, name: &str, value: Option<&T>) -> Self {
        let hidden = self.take_hidden();
        let Some(value) = value else { return self };
        self.hidden_cookies |= hidden;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
            self.fail(format!("`{name}` is not a valid cookie name"));
            return self;
        }
        match param::values(value) {
            Ok(values) => {
                for v in values {
                    self.cookies.push(format!("{name}={}", path::encode_component(&v)));
                }
            }
            Err(e) => self.fail(format!("cookie `{name}`: {e}")),
        }
        self
    }

    /// Sets a JSON request body (`Content-Type: application/json`).
    pub fn json_body<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.body_hidden = self.take_hidden();
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some((Bytes::from(bytes), HeaderValue::from_static("application/json"))),
            Err(e) => self.fail(format!("request body: {e}")),
        }
        self
    }

    /// Sets a raw request body with its content type.
    pub fn bytes_body(mut self, body: Bytes, content_type: &str) -> Self {
        self.body_hidden = self.take_hidden();
        match HeaderValue::from_str(content_type) {
            Ok(ct) => self.body = Some((body, ct)),
            Err(_) => self.fail(format!("`{content_type}` is not a valid content type")),
        }
        self
    }

    /// Sets the `Accept` header.
    pub fn accept(mut self, media_type: &str) -> Self {
        // The usual type without a copy.
        let value = match media_type {
            "application/json" => Ok(HeaderValue::from_static("application/json")),
            other => HeaderValue::from_str(other),
        };
        match value {
            Ok(v) => {
                self.headers.insert(reqwest::header::ACCEPT, v);
            }
            Err(_) => self.fail(format!("`{media_type}` is not a valid media type")),
        }
        self
    }

    /// Applies the caller's extra query parameters, headers and timeout.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Sends the request, retrying per the client's [`RetryPolicy`](super::RetryPolicy).
    ///
    /// Statuses below 400 (including redirects, which are never followed) are `Ok`;
    /// statuses >= 400 are [`Error::Http`].
    pub async fn send(self) -> Result<Response, Error> {
        let meta = self.meta;
        // Field names of OpenTelemetry's HTTP client conventions, beside the operation's id.
        let span = tracing::info_span!(
            "sdk.request",
            api = self.client.inner.api.name,
            operation_id = meta.operation_id,
            http.request.method = meta.method.as_str(),
            url.template = meta.path_template,
            server.address = tracing::field::Empty,
            request_id = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
            http.request.resend_count = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let result = self.send_inner().instrument(span.clone()).await;
        if let Err(err) = &result {
            match err.http_error() {
                Some(http) => span.record("error.type", http.status),
                None => span.record("error.type", err.kind()),
            };
        }
        result
    }

    /// The request's URL: the client's parsed base URL with this request's path and query set (its
    /// host is not parsed again), or the whole text parsed when the path is not plain.
    fn build_url(&self) -> Result<reqwest::Url, Error> {
        let inner = &self.client.inner;
        let base = &inner.base;
        let mut text = String::with_capacity(base.path().len() + self.meta.path_template.len() + self.query.len() + 64);
        text.push_str(base.path().trim_end_matches('/'));
        self.push_path(&mut text, false)?;
        let path_end = text.len();
        text.push('?');
        self.push_query(&mut text, false);
        // Setting the path and query runs the parser's path and query steps on them, as parsing
        // the whole URL does once it has read the host; the whole URL is parsed when they could
        // be read otherwise: a path not starting with `/`, or with `?` or `#`, and spaces or
        // control characters (trimmed at the end of a whole URL).
        let plain = text.starts_with('/')
            && !text[..path_end].bytes().any(|b| b == b'?' || b == b'#')
            && !text.bytes().any(|b| b <= b' ');
        if !plain {
            let url = self.url_text(false)?;
            return reqwest::Url::parse(&url).map_err(|e| Error::encode(format!("invalid request URL: {e}")));
        }
        let mut url = base.clone();
        url.set_path(&text[..path_end]);
        let query = &text[path_end + 1..];
        if !query.is_empty() {
            url.set_query(Some(query));
        }
        Ok(url)
    }

    /// The URL as text; with `shown`, sensitive path and query values are `[redacted]`.
    fn url_text(&self, shown: bool) -> Result<String, Error> {
        let base = &self.client.inner.base_url;
        let mut url = String::with_capacity(base.len() + self.meta.path_template.len() + self.query.len() + 64);
        url.push_str(base);
        self.push_path(&mut url, shown)?;
        let query_start = url.len();
        url.push('?');
        self.push_query(&mut url, shown);
        if url.len() == query_start + 1 {
            url.truncate(query_start);
        }
        Ok(url)
    }

    /// Appends the path (after the base URL's) to `out`; with `shown`, sensitive values are
    /// `[redacted]`.
    fn push_path(&self, out: &mut String, shown: bool) -> Result<(), Error> {
        let mut values = self.path_values.iter().enumerate();
        for part in self.meta.path_parts() {
            match part {
                PathPart::Literal(text) => out.push_str(text),
                PathPart::Param(name) => match values.next() {
                    Some((i, _)) if shown && self.hidden_path.contains(&i) => out.push_str(redact::REDACTED),
                    Some((_, value)) => out.push_str(value),
                    None => return Err(Error::encode(format!("path parameter `{name}` is missing"))),
                },
            }
        }
        Ok(())
    }

    /// Appends the query (without `?`), the caller's extras last, to `out`; with `shown`,
    /// sensitive values are `[redacted]`.
    fn push_query(&self, out: &mut String, shown: bool) {
        let start = out.len();
        if shown && !self.hidden_query.is_empty() {
            let mut at = 0;
            for hidden in &self.hidden_query {
                out.push_str(&self.query[at..hidden.start]);
                out.push_str(redact::REDACTED);
                at = hidden.end;
            }
            out.push_str(&self.query[at..]);
        } else {
            out.push_str(&self.query);
        }
        for (name, value) in &self.options.query {
            if out.len() > start {
                out.push('&');
            }
            path::push_component(out, name);
            out.push('=');
            path::push_component(out, value);
        }
    }

    /// Builds the request without sending it (for a dry run): method, URL, headers and body, with
    /// the credentials the operation would carry shown as `[redacted]`.
    pub fn prepare(mut self) -> Result<PreparedRequest, Error> {
        if let Some(err) = self.error.take() {
            return Err(err);
        }
        let url = self.build_url()?;
        let shown_url = self.url_text(true)?;
        let mut headers = self.build_headers()?;
        let redacted = HeaderValue::from_static("[redacted]");
        // The caller's extra headers may carry credentials of their own.
        for (name, _) in &self.options.headers {
            if !redact::SHOWN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
                    headers.insert(name, redacted.clone());
                }
            }
        }
        if self.hidden_cookies {
            if let Some(cookie) = headers.get_mut(reqwest::header::COOKIE) {
                cookie.set_sensitive(true);
            }
        }
        match self.meta.auth {
            AuthKind::None => {}
            AuthKind::ApiKey { header } => {
                if let Ok(name) = HeaderName::from_bytes(header.as_bytes()) {
                    headers.insert(name, redacted);
                }
            }
            AuthKind::Bearer => {
                headers.insert(reqwest::header::AUTHORIZATION, HeaderValue::from_static("Bearer [redacted]"));
            }
        }
        Ok(PreparedRequest {
            method: self.meta.method.as_str(),
            url: url.to_string(),
            headers,
            body: self.body.map(|(b, _)| b).unwrap_or_default(),
            shown_url,
            body_hidden: self.body_hidden,
        })
    }

    fn build_headers(&mut self) -> Result<HeaderMap, Error> {
        let mut headers = std::mem::take(&mut self.headers);
        headers.insert(reqwest::header::USER_AGENT, self.client.inner.user_agent.clone());
        if let Some((_, ct)) = &self.body {
            headers.insert(reqwest::header::CONTENT_TYPE, ct.clone());
        }
        if !self.cookies.is_empty() {
            // Encoded above: only visible ASCII remains.
            let value = HeaderValue::from_str(&self.cookies.join("; "))
                .map_err(|_| Error::encode("the cookies are not a valid header value"))?;
            headers.insert(reqwest::header::COOKIE, value);
        }
        if self.options.headers.is_empty() {
            return Ok(headers);
        }
        let mut extra = HeaderMap::new();
        for (name, value) in &self.options.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::encode(format!("`{name}` is not a valid header name")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| Error::encode(format!("header `{name}` has an invalid value")))?;
            extra.append(name, value);
        }
        for name in extra.keys() {
            headers.remove(name);
        }
        for (name, value) in extra.iter() {
            headers.append(name.clone(), value.clone());
        }
        Ok(headers)
    }

    fn check_permission(&self, token: &BearerToken) -> Result<(), Error> {
        let Some(required) = self.meta.permission else {
            return Ok(());
        };
        let Some(granted) = permission::granted_permissions(token.expose_secret()) else {
            return Ok(());
        };
        let required = required.render(|name| self.client.server_variable(name));

        if granted.iter().any(|g| permission::grants(g, &required)) {
            Ok(())
        } else {
            Err(Error::PermissionDenied { required, operation_id: self.meta.operation_id })
        }
    }

    /// The secrets error messages of this call hide: the API key and the token in use.
    fn secrets(&self, token: Option<&BearerToken>) -> Secrets {
        let inner = &self.client.inner;
        let cached = match &inner.tokens {
            TokenSource::Exchange(e) => e.cached(),
            TokenSource::Fixed(t) => Some(t.token.clone()),
            _ => None,
        };
        Secrets::shared(
            inner
                .api_key
                .as_ref()
                .map(ApiKey::shared)
                .into_iter()
                .chain(token.map(BearerToken::shared))
                .chain(cached.as_ref().map(BearerToken::shared)),
        )
    }

    /// Sends the request: the call's fixed parts, then attempts until one succeeds, fails for good,
    /// or the retries or the deadline run out. Each step is a function of its own: `credentials`
    /// (API key or bearer token, with the permission preflight), `attempt` (one exchange within its
    /// time window), the retry decisions (`transport_retryable`, `status_retry`), and `finish` (the
    /// response, or the error with its body).
    async fn send_inner(mut self) -> Result<Response, Error> {
        if let Some(err) = self.error.take() {
            return Err(err);
        }
        let call = self.call()?;
        let client = self.client.clone();
        let inner = &client.inner;
        let policy = &inner.retry;
        let span = tracing::Span::current();
        span.record("server.address", &*call.host);
        span.record("request_id", call.request_id.as_str());
        let mut state = AttemptState::default();
        loop {
            state.attempt += 1;
            if state.attempt > 1 {
                span.record("http.request.resend_count", state.attempt - 1);
            }
            let can_retry = state.retries + 1 < policy.attempts();
            let window = call.window()?;
            let wait = Wait { until: window.end, kind: window.kind, after: window.after, host: Arc::clone(&call.host) };

            let auth = match self.credentials(&mut state, &wait).await {
                Ok(auth) => auth,
                Err(e) if can_retry && e.is_retryable() && state.token.is_none() => {
                    // The exchange's `Retry-After` (e.g. of a 429) is honoured.
                    let delay = policy.backoff_for(state.retries + 1, e.retry_after());
                    call.pause(&mut state, e, delay, "token issue failed").await?;
                    continue;
                }
                Err(e) => return Err(e),
            };

            let added = self.before_attempt(&call, &state, auth.as_ref().map(|(name, _)| name));
            let started = Instant::now();
            let response = match self.attempt(&call, auth, added, &window).await {
                Ok(response) => response,
                Err(err) => {
                    let retrying = can_retry && transport_retryable(&err, policy.allows(call.idempotent));
                    self.after_attempt(&call, &state, started, None, Some(&err), retrying);
                    if retrying {
                        let reason = if err.is_timeout() { "timeout" } else { "connection error" };
                        let delay = policy.backoff(state.retries + 1, None);
                        call.pause(&mut state, err, delay, reason).await?;
                        continue;
                    }
                    return Err(err);
                }
            };

            let status = response.status().as_u16();
            span.record("http.response.status_code", status);
            let refreshable = inner.tokens.is_refreshable();
            let refresh = status == 401
                && self.meta.auth == AuthKind::Bearer
                && !state.refreshed_after_401
                && refreshable
                && state.token.is_some();
            let status_delay = if status >= 400 && can_retry && !refresh {
                call.status_retry(policy, state.retries, status, response.headers())
            } else {
                None
            };
            self.after_attempt(&call, &state, started, Some(status), None, refresh || status_delay.is_some());
            if refresh {
                if let Some(rejected) = state.token.take() {
                    state.refreshed_after_401 = true;
                    drop(response);
                    match inner.tokens.refresh(&rejected.token, wait).await? {
                        Some(fresh) => {
                            tracing::debug!(attempt = state.attempt, "refreshed the token after 401, retrying");
                            state.token = Some(fresh);
                            continue;
                        }
                        None => return Err(Error::auth("the token could not be refreshed")),
                    }
                }
            }
            if let Some(delay) = status_delay {
                drop(response);
                state.retries += 1;
                tracing::debug!(attempt = state.attempt, status, delay_ms = delay.as_millis() as u64, "retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            return self.finish(&call, &state, &window, response).await;
        }
    }

    /// The parts of the call every attempt shares; refuses a bearer operation on a client without
    /// credentials.
    fn call(&mut self) -> Result<Call, Error> {
        let inner = &self.client.inner;
        let meta = self.meta;
        if meta.auth == AuthKind::Bearer && inner.tokens.is_none() && !inner.allow_unauthenticated {
            return Err(Error::config(format!(
                "`{}` needs a bearer token and the client has no credentials (set them, or \
                 `allow_unauthenticated(true)` to send it without)",
                meta.operation_id
            )));
        }
        let url = self.build_url()?;
        // The base URL's host, unless the path changed it (see `build_url`).
        let host = if url.host_str() == inner.base.host_str() && url.port() == inner.base.port() {
            Arc::clone(&inner.host)
        } else {
            host_of(&url).into()
        };
        let mut headers = self.build_headers()?;
        // One id for the call, sent on every attempt; a caller's own `x-request-id` is kept.
        let request_id = match headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()) {
            Some(given) => given.to_owned(),
            None => {
                let id = super::intercept::new_request_id();
                if let Ok(value) = HeaderValue::from_str(&id) {
                    headers.insert(REQUEST_ID, value);
                }
                id
            }
        };
        let inner = &self.client.inner;
        // The interceptors see the URL as a log may: personal parameters redacted.
        let shown_url = if inner.interceptors.is_empty() { String::new() } else { self.url_text(true)? };
        let (limit, limit_setting) = if self.client.is_token_exchange(meta) {
            (inner.limits.token_response, "max_token_response_bytes")
        } else {
            (inner.limits.response, "max_response_bytes")
        };
        Ok(Call {
            request_id,
            shown_url,
            url,
            host,
            headers,
            method: meta.method.to_reqwest(),
            idempotent: meta.method.is_idempotent(),
            attempt_timeout: self.options.timeout.unwrap_or(inner.request_timeout),
            operation_deadline: inner.operation_timeout.map(|t| (Instant::now() + t, t)),
            limit,
            limit_setting,
        })
    }

    /// The credentials of one attempt: the API key header, or the bearer token (obtained once per
    /// call, checked against the operation's permission when the preflight is on).
    async fn credentials(
        &self,
        state: &mut AttemptState,
        wait: &Wait,
    ) -> Result<Option<(HeaderName, HeaderValue)>, Error> {
        let inner = &self.client.inner;
        let meta = self.meta;
        match meta.auth {
            AuthKind::None => Ok(None),
            AuthKind::ApiKey { header } => {
                let key = inner.api_key.as_ref().ok_or_else(|| {
                    Error::config(format!("`{}` needs an API key: use `ClientBuilder::api_key`", meta.operation_id))
                })?;
                let value = sensitive_header(key.expose_secret())
                    .ok_or_else(|| Error::config("the API key is not a valid header value"))?;
                let name = HeaderName::from_bytes(header.as_bytes())
                    .map_err(|_| Error::config(format!("`{header}` is not a valid header name")))?;
                Ok(Some((name, value)))
            }
            AuthKind::Bearer => {
                if state.token.is_none() {
                    state.token = inner.tokens.token(wait.clone()).await?;
                }
                let Some(token) = &state.token else { return Ok(None) };
                if inner.permission_preflight && !state.checked_permission {
                    self.check_permission(&token.token)?;
                    state.checked_permission = true;
                }
                // Made (and checked) once per token.
                Ok(Some((reqwest::header::AUTHORIZATION, token.header.clone())))
            }
        }
    }

    /// Runs the interceptors before an attempt; the headers they add.
    fn before_attempt(&self, call: &Call, state: &AttemptState, credential_header: Option<&HeaderName>) -> HeaderMap {
        let mut request = super::intercept::AttemptRequest {
            operation: self.meta,
            attempt: state.attempt,
            request_id: &call.request_id,
            method: &call.method,
            shown_url: &call.shown_url,
            headers: &call.headers,
            credential_header,
            added: HeaderMap::new(),
        };
        for interceptor in &self.client.inner.interceptors {
            interceptor.before_attempt(&mut request);
        }
        request.added
    }

    /// Runs the interceptors after an attempt.
    fn after_attempt(
        &self,
        call: &Call,
        state: &AttemptState,
        started: Instant,
        status: Option<u16>,
        error: Option<&Error>,
        retrying: bool,
    ) {
        let interceptors = &self.client.inner.interceptors;
        if interceptors.is_empty() {
            return;
        }
        let outcome = super::intercept::AttemptOutcome {
            operation: self.meta,
            attempt: state.attempt,
            request_id: &call.request_id,
            status,
            error,
            elapsed: started.elapsed(),
            retrying,
        };
        for interceptor in interceptors {
            interceptor.after_attempt(&outcome);
        }
    }

    /// One exchange with the server, within the attempt's window: the response's status and
    /// headers, or why none arrived.
    async fn attempt(
        &self,
        call: &Call,
        auth: Option<(HeaderName, HeaderValue)>,
        added: HeaderMap,
        window: &Window,
    ) -> Result<reqwest::Response, Error> {
        let inner = &self.client.inner;
        // The request is assembled directly (not through reqwest's builder, which merges headers
        // one by one).
        let mut request = reqwest::Request::new(call.method.clone(), call.url.clone());
        let headers = request.headers_mut();
        *headers = call.headers.clone();
        if !added.is_empty() {
            headers.extend(added);
        }
        if let Some((name, value)) = auth {
            headers.insert(name, value);
        }
        if let Some((body, _)) = &self.body {
            *request.body_mut() = Some(body.clone().into());
        }
        match tokio::time::timeout_at(window.end.into(), inner.http.execute(request)).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => Err(Error::from_reqwest(e, &call.host, window.after)),
            Err(_) => Err(Error::Timeout { kind: window.kind, after: window.after, host: call.host.to_string() }),
        }
    }

    /// The response of the last attempt: a success to decode, or an HTTP error with the start of
    /// its body, under the body rules of the attempt's window.
    async fn finish(
        &self,
        call: &Call,
        state: &AttemptState,
        window: &Window,
        response: reqwest::Response,
    ) -> Result<Response, Error> {
        let inner = &self.client.inner;
        let rules = BodyRules {
            host: Arc::clone(&call.host),
            limit: call.limit,
            limit_setting: call.limit_setting,
            error_limit: inner.limits.error_body,
            deadline: Some((window.end, window.kind, window.after)),
            read_timeout: inner.read_timeout,
            secrets: self.secrets(state.token.as_ref().map(|t| &t.token)),
            show_message: inner.show_server_messages,
        };
        if response.status().as_u16() >= 400 {
            // Boxed: the future of reading an error body is large, and every call's would carry it.
            let error = Box::pin(rules.http_error(response, self.meta, inner.api.error_body)).await;
            return Err(Error::Http(Box::new(error.with_sent_request_id(call.request_id.clone()))));
        }
        Ok(Response::new(response, self.meta, inner.api.error_body, rules))
    }
}

/// The header carrying the call's request id.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the attempts of one call share.
struct Call {
    /// Sent as `x-request-id` on every attempt.
    request_id: String,
    /// The URL with personal parameters redacted, for interceptors (empty without any).
    shown_url: String,
    url: reqwest::Url,
    /// The host (and port), for errors and the span.
    host: Arc<str>,
    headers: HeaderMap,
    method: reqwest::Method,
    idempotent: bool,
    attempt_timeout: Duration,
    /// The end of the whole call (`operation_timeout`), with its length.
    operation_deadline: Option<(Instant, Duration)>,
    limit: u64,
    limit_setting: &'static str,
}

/// When one attempt must have ended, and which timeout that is.
struct Window {
    end: Instant,
    kind: TimeoutKind,
    after: Duration,
}

/// What the attempts of one call carry from one to the next.
#[derive(Default)]
struct AttemptState {
    attempt: u32,
    retries: u32,
    refreshed_after_401: bool,
    token: Option<SendableToken>,
    checked_permission: bool,
}

impl Call {
    /// The next attempt's window: its own timeout, or the operation's deadline when that is first;
    /// a deadline already past is the operation's timeout.
    fn window(&self) -> Result<Window, Error> {
        let attempt_end = Instant::now() + self.attempt_timeout;
        let window = match self.operation_deadline {
            Some((deadline, total)) if deadline <= attempt_end => {
                Window { end: deadline, kind: TimeoutKind::Operation, after: total }
            }
            _ => Window { end: attempt_end, kind: TimeoutKind::Attempt, after: self.attempt_timeout },
        };
        if window.end <= Instant::now() {
            return Err(Error::Timeout { kind: window.kind, after: window.after, host: self.host.to_string() });
        }
        Ok(window)
    }

    /// Waits `delay` before the next attempt, or gives up with `err` when the operation's
    /// deadline would pass first.
    async fn pause(
        &self,
        state: &mut AttemptState,
        err: Error,
        delay: Duration,
        reason: &'static str,
    ) -> Result<(), Error> {
        if self.operation_deadline.is_some_and(|(deadline, _)| Instant::now() + delay >= deadline) {
            return Err(err);
        }
        state.retries += 1;
        tracing::debug!(attempt = state.attempt, delay_ms = delay.as_millis() as u64, reason, "retrying");
        tokio::time::sleep(delay).await;
        Ok(())
    }

    /// The delay before retrying an error status, when it is retried: a transient status, a method
    /// the policy retries, and a delay (`Retry-After` honoured, capped) that ends before the deadline.
    fn status_retry(
        &self,
        policy: &super::retry::RetryPolicy,
        retries: u32,
        status: u16,
        headers: &HeaderMap,
    ) -> Option<Duration> {
        if !retryable_status(status) || !policy.allows(self.idempotent) {
            return None;
        }
        let delay = policy.backoff(retries + 1, Some(headers));
        let fits = self.operation_deadline.is_none_or(|(deadline, _)| Instant::now() + delay < deadline);
        fits.then_some(delay)
    }
}

/// Whether a failed attempt may be retried: a connection that never reached the server always,
/// other transport failures and attempt timeouts when the policy retries the method, never the
/// operation's timeout.
fn transport_retryable(err: &Error, method_allowed: bool) -> bool {
    match err {
        Error::Transport { failure, .. } if failure.before_sending() => true,
        Error::Transport { .. } => method_allowed,
        Error::Timeout { kind: TimeoutKind::Operation, .. } => false,
        Error::Timeout { .. } => method_allowed,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::client::tests::API;
    use super::*;

    static META: OperationMeta =
        OperationMeta { operation_id: "compare", ..OperationMeta::for_test("/repos/{owner}/compare/{base}...{head}") };

    fn client() -> Client {
        super::super::ClientBuilder::new(&API).base_url("https://h.example/v1/").build().unwrap()
    }

    #[test]
    fn fills_the_split_path_in_order_and_encodes_each_value() {
        let request = client()
            .request(&META)
            .path_param(&"a b")
            .path_param(&"main/x")
            .path_param(&"v1.0")
            .query("q", Some(&vec!["x&y", "z"]));
        let url = request.build_url().unwrap();
        assert_eq!(url.as_str(), "https://h.example/v1/repos/a%20b/compare/main%2Fx...v1.0?q=x%26y&q=z");
    }

    #[test]
    fn the_url_set_on_the_parsed_base_is_the_parse_of_its_text() {
        let bases =
            ["https://h.example/v1/", "https://h.example", "http://127.0.0.1:8080/a%20b//", "https://H.Example:443/x"];
        let templates = [
            "/repos/{owner}/compare/{base}...{head}",
            "/",
            "",
            "/a/../b/./c/{owner}",
            "/ü %7e/{owner}",
            "/q?x={owner}",
            "/f#{owner}",
            "x/{owner}",
            "/back\\slash/{owner}",
        ];
        for base in bases {
            let client =
                super::super::ClientBuilder::new(&API).base_url(base).allow_insecure_http(true).build().unwrap();
            for template in templates {
                let meta: &'static OperationMeta =
                    Box::leak(Box::new(OperationMeta { path_template: template, ..META }));
                let request = client
                    .request(meta)
                    .path_param(&"a b")
                    .path_param(&"main/x")
                    .path_param(&"v1.0")
                    .query("q", Some(&vec!["x&y", "z"]))
                    .query("n", Some(&-3))
                    .query("e", Some(""))
                    .options(RequestOptions::new().with_query("extra", "ü v"));
                let url = request.build_url().unwrap();
                let text = request.url_text(false).unwrap();
                assert_eq!(url, reqwest::Url::parse(&text).unwrap(), "{base} {template}");
                assert_eq!(url.as_str(), reqwest::Url::parse(&text).unwrap().as_str());
            }
            let bare = client.request(&META).path_param(&"o").path_param(&"b").path_param(&"h");
            assert_eq!(bare.build_url().unwrap(), reqwest::Url::parse(&bare.url_text(false).unwrap()).unwrap());
            assert_eq!(bare.build_url().unwrap().query(), None);
        }
    }

    #[test]
    fn queries_of_each_json_type_and_redacted_values() {
        let request = client()
            .request(&META)
            .path_param(&"o")
            .sensitive()
            .path_param(&"secret")
            .path_param(&"h")
            .query("s", Some("a b"))
            .sensitive()
            .query("hidden", Some(&["x", "y"]))
            .query("i", Some(&7u64))
            .query("b", Some(&false))
            .query("f", Some(&1.5))
            .query("none", None::<&u8>)
            .query("null", Some(&None::<u8>))
            .query("obj", Some(&serde_json::json!({"k": "v w"})))
            .query("ü", Some(&vec![Some(1), None]))
            .options(RequestOptions::new().with_query("extra", "1"));
        assert!(request.error.is_none());
        assert_eq!(
            request.url_text(false).unwrap(),
            "https://h.example/v1/repos/o/compare/secret...h?s=a%20b&hidden=x&hidden=y&i=7&b=false&f=1.5\
             &obj=%7B%22k%22%3A%22v%20w%22%7D&%C3%BC=1&extra=1"
        );
        assert_eq!(
            request.url_text(true).unwrap(),
            "https://h.example/v1/repos/o/compare/[redacted]...h?s=a%20b&hidden=[redacted]&hidden=[redacted]&i=7\
             &b=false&f=1.5&obj=%7B%22k%22%3A%22v%20w%22%7D&%C3%BC=1&extra=1"
        );
        // A value that does not serialize is an encoding error naming the parameter.
        let bad = client().request(&META).query("m", Some(&std::collections::BTreeMap::from([((1, 2), 3)])));
        assert!(bad.error.expect("an encode error").to_string().contains("`m`"));
    }

    #[test]
    fn cookies_are_encoded_into_one_header() {
        let mut request =
            client().request(&META).cookie("session", Some("a b;c")).cookie("n", Some(&7)).cookie("skip", None::<&str>);
        let headers = request.build_headers().unwrap();
        assert_eq!(headers.get("cookie").unwrap(), "session=a%20b%3Bc; n=7");
        let bad = client().request(&META).cookie("a=b", Some("x"));
        assert!(bad.error.is_some());
    }

    #[test]
    fn rejects_dot_segments_naming_the_parameter() {
        let request = client().request(&META).path_param(&"o").path_param(&"..").path_param(&"h");
        let err = request.error.expect("an encode error");
        assert!(err.to_string().contains("`base`"), "{err}");
        let missing = client().request(&META).path_param(&"o");
        assert!(missing.build_url().unwrap_err().to_string().contains("`base` is missing"));
    }
}
