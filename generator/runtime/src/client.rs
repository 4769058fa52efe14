//! The client and its builder: base URL (from the API's server template or given), credentials,
//! timeouts, retries.

use std::sync::Arc;
use std::time::Duration;

use super::api::ApiDescription;
use super::auth::{ExchangedTokens, SendableToken, TokenProvider, TokenSource};
use super::error::Error;
use super::intercept::Interceptor;
use super::meta::OperationMeta;
use super::request::RequestBuilder;
use super::retry::RetryPolicy;
use super::secret::{ApiKey, BearerToken};

/// The default connect timeout (10 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default timeout of one request attempt, including reading a buffered body (60 s).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The default longest wait for the next bytes of a response body (30 s).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The default largest buffered (JSON, text, bytes) response body (32 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// The default number of bytes of an error body kept in [`HttpError`](super::HttpError) (64 KiB).
pub const DEFAULT_MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// The default largest token exchange response (64 KiB).
pub const DEFAULT_MAX_TOKEN_RESPONSE_BYTES: u64 = 64 * 1024;

pub(crate) struct ClientInner {
    pub(crate) api: &'static ApiDescription,
    pub(crate) http: reqwest::Client,
    /// Without a trailing slash.
    pub(crate) base_url: String,
    /// `base_url` parsed: each request's URL is this one with its path and query set.
    pub(crate) base: reqwest::Url,
    /// The base URL's host (and port), for errors and spans.
    pub(crate) host: Arc<str>,
    /// Server variable values given to the builder (name as in the template, value).
    pub(crate) variables: Vec<(&'static str, String)>,
    pub(crate) user_agent: reqwest::header::HeaderValue,
    pub(crate) api_key: Option<ApiKey>,
    pub(crate) tokens: TokenSource,
    pub(crate) retry: RetryPolicy,
    pub(crate) request_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) limits: Limits,
    pub(crate) permission_preflight: bool,
    /// Whether error `Display` includes the server's message.
    pub(crate) show_server_messages: bool,
    pub(crate) allow_unauthenticated: bool,
    /// Whether plain `http://` addresses may be used (the base URL, downloads).
    pub(crate) allow_insecure_http: bool,
    /// Hooks around each attempt, in the order added.
    pub(crate) interceptors: Vec<Arc<dyn Interceptor>>,
}

/// Response size limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) response: u64,
    pub(crate) error_body: usize,
    pub(crate) token_response: u64,
}

/// An API client. Cheap to clone; clones share the connection pool and token cache.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base_url", &self.inner.base_url).finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a request for an operation. Used by generated code.
    pub fn request(&self, meta: &'static OperationMeta) -> RequestBuilder {
        RequestBuilder::new(self.clone(), meta)
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The value of a server variable given to the builder, by its name in the template
    /// (e.g. `"tenantId"`) or its setter name (e.g. `"tenant"`).
    pub fn server_variable(&self, name: &str) -> Option<&str> {
        variable_value(self.inner.api, &self.inner.variables, name)
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The API this client talks to.
    pub fn api(&self) -> &'static ApiDescription {
        self.inner.api
    }

    /// Whether `meta` is the API's token exchange operation (its response has its own limit).
    pub(crate) fn is_token_exchange(&self, meta: &OperationMeta) -> bool {
        self.inner.api.token_exchange.is_some_and(|t| {
            t.operation.operation_id == meta.operation_id && t.operation.path_template == meta.path_template
        })
    }
}

/// Looks a variable up by template name or setter name, ignoring case and `_`/`-`.
fn variable_value<'a>(api: &ApiDescription, values: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
    let norm = |s: &str| s.chars().filter(|c| *c != '_' && *c != '-').collect::<String>().to_ascii_lowercase();
    let wanted = norm(name);
    let variables = api.server.map(|s| s.variables).unwrap_or_default();
    values.iter().find_map(|(var, value)| {
        let setter = variables.iter().find(|v| v.name == *var).map(|v| v.setter).unwrap_or(var);
        (norm(var) == wanted || norm(setter) == wanted).then_some(value.as_str())
    })
}

enum Credentials {
    None,
    ApiKey(ApiKey),
    Bearer(BearerToken),
    Provider(Arc<dyn TokenProvider>),
}

/// Builds a [`Client`].
///
/// The base URL comes from the API's server template and its variables (generated setters such
/// as `.zone(..)` set them), or from [`base_url`](ClientBuilder::base_url).
pub struct ClientBuilder {
    api: &'static ApiDescription,
    variables: Vec<(&'static str, String)>,
    base_url: Option<String>,
    allow_insecure_http: bool,
    /// A plain `http://` base URL on a loopback host is allowed (set by `from_env`); downloads stay
    /// `https://` only.
    allow_loopback_http: bool,
    credentials: Credentials,
    refresh_margin: Option<Duration>,
    connect_timeout: Duration,
    request_timeout: Duration,
    read_timeout: Duration,
    operation_timeout: Option<Duration>,
    limits: Limits,
    http: Option<reqwest::ClientBuilder>,
    retry: RetryPolicy,
    permission_preflight: bool,
    show_server_messages: bool,
    allow_unauthenticated: bool,
    interceptors: Vec<Arc<dyn Interceptor>>,
    error: Option<Error>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api", &self.api.name)
            .field("variables", &self.variables)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Starts building a client for an API. Generated crates call this from `Client::builder()`.
    pub fn new(api: &'static ApiDescription) -> Self {
        ClientBuilder {
            api,
            variables: Vec::new(),
            base_url: None,
            allow_insecure_http: false,
            allow_loopback_http: false,
            credentials: Credentials::None,
            refresh_margin: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            operation_timeout: None,
            limits: Limits {
                response: DEFAULT_MAX_RESPONSE_BYTES,
                error_body: DEFAULT_MAX_ERROR_BODY_BYTES,
                token_response: DEFAULT_MAX_TOKEN_RESPONSE_BYTES,
            },
            http: None,
            retry: RetryPolicy::default(),
            permission_preflight: false,
            show_server_messages: false,
            allow_unauthenticated: false,
            interceptors: Vec::new(),
            error: None,
        }
    }

    /// The API this builder is for.
    pub fn api(&self) -> &'static ApiDescription {
        self.api
    }

    pub(crate) fn explicit_base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
    }

    /// Sets a variable of the server template by its name in the template (generated setters call
    /// this). The value must be a host label or path segment: letters, digits and `-`.
    pub fn server_variable(mut self, name: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        let known = self.api.server.and_then(|s| s.variables.iter().find(|v| v.name == name));
        match known {
            Some(var) => {
                self.variables.retain(|(n, _)| *n != var.name);
                self.variables.push((var.name, value));
            }
            None if self.error.is_none() => {
                self.error = Some(Error::config(format!("the server URL has no variable `{name}`")));
            }
            None => {}
        }
        self
    }

    /// An explicit base URL (e.g. a proxy or a local test server); overrides the server template.
    /// Must be `https://` unless [`allow_insecure_http`](Self::allow_insecure_http) is set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Allows a plain `http://` base URL when its host is a loopback address (what `from_env` sets
    /// for such a URL). Unlike [`allow_insecure_http`](Self::allow_insecure_http), downloads stay
    /// `https://` only.
    pub(crate) fn allow_loopback_http(mut self) -> Self {
        self.allow_loopback_http = true;
        self
    }

    /// Allows a plain `http://` base URL and [`Client::download`] addresses (for local testing only).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Authenticates with an API key: sent as is by operations that take it, and exchanged for
    /// bearer tokens (cached and refreshed) when the API describes a token exchange. An empty or
    /// blank key, or one that is not a valid header value, fails at [`build`](Self::build).
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.credentials = Credentials::ApiKey(key);
        self
    }

    /// Authenticates with a fixed bearer token (not refreshed). An empty token, one over 16 KiB or
    /// one that is not a valid header value fails at [`build`](Self::build).
    pub fn bearer_token(mut self, token: BearerToken) -> Self {
        self.credentials = Credentials::Bearer(token);
        self
    }

    /// Authenticates with tokens from a custom provider.
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.credentials = Credentials::Provider(Arc::new(provider));
        self
    }

    /// How long before its expiry a token from the API key exchange is refreshed.
    /// Defaults to a tenth of its lifetime, at most 30 s.
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// The connect timeout (default 10 s); also applied to a builder given to
    /// [`http_client_builder`](Self::http_client_builder).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The timeout of one request attempt: until the response headers, and for buffered bodies
    /// (JSON, text, bytes) until the body is read (default 60 s). Waiting for a bearer token counts
    /// against it. Streamed downloads ([`ByteStream`](super::ByteStream)) are bounded by the
    /// [`read_timeout`](Self::read_timeout) only, so a slow but live download can run.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The longest wait for the next bytes of a response body (default 30 s): an idle timeout,
    /// separate from the total ones.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// A deadline for a whole call across all its attempts, backoff delays, `Retry-After` waits and
    /// token waits (default none: each attempt has its [`timeout`](Self::timeout)). A retry whose
    /// delay would pass the deadline is not made; the last error is returned.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// The largest buffered response body in bytes (default 32 MiB). Checked against
    /// `Content-Length` before reading and counted while reading; a larger body is
    /// [`Error::ResponseTooLarge`]. Streamed downloads ([`ByteStream`](super::ByteStream)) are not
    /// limited.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.limits.response = limit;
        self
    }

    /// How many bytes of an error response body are kept in [`HttpError`](super::HttpError)
    /// (default 64 KiB); the rest is not read, and `HttpError::body_truncated` says so.
    pub fn max_error_body_bytes(mut self, limit: usize) -> Self {
        self.limits.error_body = limit;
        self
    }

    /// The largest token exchange response in bytes (default 64 KiB).
    pub fn max_token_response_bytes(mut self, limit: u64) -> Self {
        self.limits.token_response = limit;
        self
    }

    /// Uses a preconfigured `reqwest::ClientBuilder` (proxies, root certificates, pool settings,
    /// ...). The SDK sets its redirect policy to never follow redirects, whatever it was: a
    /// redirect is returned to the caller, so credentials never reach another host. The
    /// [`connect_timeout`](Self::connect_timeout) is applied to it too.
    ///
    /// A ready-built `reqwest::Client` is not accepted, because its redirect policy cannot be
    /// inspected or changed.
    pub fn http_client_builder(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http = Some(builder);
        self
    }

    /// Allows operations that require a bearer token to be sent without one when the client has
    /// no bearer credentials (default: such a call fails before sending with [`Error::Config`]).
    pub fn allow_unauthenticated(mut self, allow: bool) -> Self {
        self.allow_unauthenticated = allow;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Checks the bearer token's permission claims before sending and fails with
    /// [`Error::PermissionDenied`] when the operation's permission is missing. The permission's
    /// placeholders are filled from the server variables (matched by name, ignoring case and `_`),
    /// which must therefore be set, also with a base URL.
    /// The JWT payload is decoded without verifying its signature; the granted permissions are
    /// read from the first present claim of `permissions`, `perms`, `authorities` (arrays of
    /// strings, or a space-separated string), `scope` and `scp` (space-separated string or
    /// array). A granted permission ending in `*` matches by prefix. Tokens listing none of
    /// these claims are not checked.
    pub fn permission_preflight(mut self, enabled: bool) -> Self {
        self.permission_preflight = enabled;
        self
    }

    /// Whether the `Display` of an HTTP error includes the server's message (default: no).
    ///
    /// Off by default because the message is free text that may repeat what the request carried,
    /// such as an applicant's name in a validation error, and `Display` is what logs record. The
    /// message is always available through [`HttpError::message`](super::HttpError::message); the
    /// status, the operation, the error code and its documented description are always shown.
    pub fn show_server_messages(mut self, enabled: bool) -> Self {
        self.show_server_messages = enabled;
        self
    }

    /// Adds a hook called around every attempt of every request: before it is sent (to observe
    /// it or add headers, e.g. for trace propagation) and after it ends (status or failure,
    /// latency, whether it is retried; e.g. for metrics). Interceptors run in the order added.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(err) = self.error {
            return Err(err);
        }
        for (name, value) in &self.variables {
            validate_variable(name, value)?;
        }
        let base_url = match &self.base_url {
            Some(url) => {
                let loopback =
                    self.allow_loopback_http && reqwest::Url::parse(url).is_ok_and(|u| super::env::is_loopback(&u));
                validate_base_url(url, self.allow_insecure_http || loopback)?
            }
            None => render_server(self.api, &self.variables)?,
        };
        let base =
            reqwest::Url::parse(&base_url).map_err(|e| Error::config(format!("invalid base URL `{base_url}`: {e}")))?;
        let host: Arc<str> = super::error::host_of(&base).into();
        if self.permission_preflight && self.variables.is_empty() {
            return Err(Error::config("the permission preflight needs the server variables (e.g. the tenant)"));
        }
        let user_agent = reqwest::header::HeaderValue::from_str(&self.api.user_agent())
            .map_err(|_| Error::config("the crate name is not a valid User-Agent"))?;
        // Redirects are never followed, also with a caller's builder: following one could send
        // credentials to another host.
        let http = self
            .http
            .unwrap_or_default()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))?;
        let (api_key, token_source) = match self.credentials {
            Credentials::None => (None, None),
            Credentials::Bearer(t) => {
                let token = SendableToken::new(t).map_err(|e| Error::config(e.to_string()))?;
                (None, Some(TokenSource::Fixed(token)))
            }
            Credentials::Provider(p) => (None, Some(TokenSource::Provider(p))),
            Credentials::ApiKey(key) => {
                let value = key.expose_secret();
                if value.trim().is_empty() {
                    return Err(Error::config("the API key is empty"));
                }
                if value.trim() != value || reqwest::header::HeaderValue::from_str(value).is_err() {
                    return Err(Error::config(
                        "the API key is not a valid header value (spaces or control characters)",
                    ));
                }
                (Some(key), None)
            }
        };
        let inner = |tokens: TokenSource, retry: RetryPolicy| ClientInner {
            api: self.api,
            http: http.clone(),
            base_url: base_url.clone(),
            base: base.clone(),
            host: Arc::clone(&host),
            variables: self.variables.clone(),
            user_agent: user_agent.clone(),
            api_key: api_key.clone(),
            tokens,
            retry,
            request_timeout: self.request_timeout,
            read_timeout: self.read_timeout,
            operation_timeout: self.operation_timeout,
            limits: self.limits,
            permission_preflight: self.permission_preflight,
            show_server_messages: self.show_server_messages,
            allow_unauthenticated: self.allow_unauthenticated,
            allow_insecure_http: self.allow_insecure_http,
            interceptors: self.interceptors.clone(),
        };
        let tokens = match (token_source, &api_key, self.api.token_exchange) {
            (Some(source), _, _) => source,
            (None, Some(_), Some(exchange)) => {
                // The exchange is sent by a client that makes one attempt per call: the callers'
                // retry loops retry it, so a retry is one exchange, not one per layer.
                let once = Client { inner: Arc::new(inner(TokenSource::None, RetryPolicy::none())) };
                TokenSource::Exchange(Arc::new(ExchangedTokens::new(
                    exchange,
                    self.refresh_margin,
                    once,
                    self.retry.max_delay_value(),
                )))
            }
            (None, _, _) => TokenSource::None,
        };
        Ok(Client { inner: Arc::new(inner(tokens, self.retry.clone())) })
    }
}

/// A server variable's value is substituted into the URL as is, so it must not be able to change
/// the URL's structure.
fn validate_variable(name: &str, value: &str) -> Result<(), Error> {
    let ok = !value.is_empty()
        && value.len() <= 63
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::config(format!(
            "server variable `{name}`: `{value}` is not a valid host label (letters, digits and `-`)"
        )))
    }
}

/// Fills the server template. Unset variables with allowed values take their default; unset free
/// variables are an error naming their setters.
fn render_server(api: &ApiDescription, values: &[(&'static str, String)]) -> Result<String, Error> {
    let Some(server) = api.server else {
        return Err(Error::config("the API names no server: set a base URL"));
    };
    let mut missing = Vec::new();
    let mut url = server.url.to_owned();
    for var in server.variables {
        let value = match values.iter().find(|(n, _)| *n == var.name) {
            Some((_, v)) => {
                if !var.allowed.is_empty() && !var.allowed.contains(&v.as_str()) {
                    return Err(Error::config(format!(
                        "server variable `{}`: `{v}` is not one of {}",
                        var.name,
                        var.allowed.join(", ")
                    )));
                }
                v.as_str()
            }
            None if !var.allowed.is_empty() => var.default,
            None => {
                missing.push(format!("`.{}(..)`", var.setter));
                continue;
            }
        };
        url = url.replace(&format!("{{{}}}", var.name), value);
    }
    if !missing.is_empty() {
        return Err(Error::config(format!("set {} or a base URL", missing.join(" and "))));
    }
    validate_base_url(&url, false)
}

fn validate_base_url(url: &str, allow_http: bool) -> Result<String, Error> {
    let parsed = reqwest::Url::parse(url).map_err(|e| Error::config(format!("invalid base URL `{url}`: {e}")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(Error::config("plain http:// base URLs need `.allow_insecure_http(true)` (local testing only)"))
        }
        other => return Err(Error::config(format!("unsupported URL scheme `{other}`"))),
    }
    if parsed.host_str().is_none() {
        return Err(Error::config("the base URL has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::config("the base URL must not have a query or a fragment"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::config("the base URL must not contain credentials"));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::api::{ErrorBodyFields, ServerTemplate, ServerVariable};
    use super::*;

    pub(crate) static SERVER: ServerTemplate = ServerTemplate {
        url: "https://{account}.{zone}.example.com",
        variables: &[
            ServerVariable { name: "account", setter: "account", default: "acct", allowed: &[] },
            ServerVariable { name: "zone", setter: "zone", default: "eu", allowed: &["eu", "us"] },
        ],
    };

    pub(crate) static API: ApiDescription = ApiDescription {
        name: "example",
        version: "1.2.3",
        env_prefix: "EXAMPLE",
        server: Some(&SERVER),
        token_exchange: None,
        error_body: ErrorBodyFields { code: Some("code"), message: Some("message") },
    };

    fn builder() -> ClientBuilder {
        ClientBuilder::new(&API)
    }

    #[test]
    fn builds_urls_from_the_server_template() {
        let c = builder().server_variable("account", "acme").server_variable("zone", "us").build().unwrap();
        assert_eq!(c.base_url(), "https://acme.us.example.com");
        assert_eq!(c.server_variable("ACCOUNT"), Some("acme"));
        assert_eq!(c.server_variable("acc_ount"), Some("acme"));
        let c = builder().server_variable("account", "acme").build().unwrap();
        assert_eq!(c.base_url(), "https://acme.eu.example.com", "a variable with allowed values defaults");
        let err = builder().build().unwrap_err().to_string();
        assert!(err.contains("`.account(..)`"), "{err}");
        assert!(builder().server_variable("account", "a/b").build().is_err());
        assert!(builder().server_variable("account", "a").server_variable("zone", "mars").build().is_err());
        assert!(builder().server_variable("nope", "a").build().is_err());
    }

    #[test]
    fn builds_explicit_base_urls() {
        assert!(builder().base_url("http://127.0.0.1:1").build().is_err());
        let c = builder().base_url("http://127.0.0.1:1/prefix/").allow_insecure_http(true).build().unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:1/prefix");
        assert!(builder().base_url("https://x.example").permission_preflight(true).build().is_err());
        assert!(builder().base_url("https://u:p@x.example").build().is_err());
        assert!(builder().base_url("https://x.example/?q=1").build().is_err());
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn send_sync<T: Send + Sync + 'static>() {}
        fn send<T: Send + 'static>() {}
        send_sync::<Client>();
        send_sync::<Error>();
        send_sync::<super::super::Response>();
        send::<super::super::ByteStream>();
        send::<super::super::PageStream<String>>();
        fn send_future<F: std::future::Future + Send>(_: F) {}
        static META: OperationMeta = OperationMeta::for_test("/x");
        let client = builder().base_url("https://x.example").build().unwrap();
        send_future(client.request(&META).send());
    }
}
