//! The client and its builder: base URL, credentials, timeouts, retries.

use std::sync::Arc;
use std::time::Duration;

use crate::runtime::auth::{ApiKeyTokens, TokenProvider, TokenSource};
use crate::runtime::error::Error;
use crate::runtime::meta::OperationMeta;
use crate::runtime::request::RequestBuilder;
use crate::runtime::retry::RetryPolicy;
use crate::runtime::secret::{ApiKey, BearerToken};

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("trustx-rust/", env!("CARGO_PKG_VERSION"));

/// The default connect timeout (10 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default timeout of one request attempt, including reading the body (60 s).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A TrustX region; the host is `https://{tenant}.{region}.trustx.com`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// `fir`
    Fir,
    /// `gum`
    Gum,
    /// `oak`
    Oak,
}

impl Region {
    /// The region's host label, e.g. `"fir"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Region::Fir => "fir",
            Region::Gum => "gum",
            Region::Oak => "oak",
        }
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Region {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "fir" => Ok(Region::Fir),
            "gum" => Ok(Region::Gum),
            "oak" => Ok(Region::Oak),
            _ => Err(Error::config(format!("unknown region `{s}`"))),
        }
    }
}

pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    /// Without a trailing slash.
    pub(crate) base_url: String,
    pub(crate) tenant: Option<String>,
    pub(crate) api_key: Option<ApiKey>,
    pub(crate) tokens: TokenSource,
    pub(crate) retry: RetryPolicy,
    pub(crate) request_timeout: Duration,
    pub(crate) permission_preflight: bool,
}

/// A TrustX API client. Cheap to clone; clones share the connection pool and token cache.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("tenant", &self.inner.tenant)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client for `https://{tenant}.{region}.trustx.com` authenticating with an API key.
    pub fn with_api_key(tenant: &str, region: Region, api_key: ApiKey) -> Result<Self, Error> {
        Client::builder().tenant(tenant).region(region).api_key(api_key).build()
    }

    /// Starts a request for an operation. Used by generated code.
    pub fn request(&self, meta: &'static OperationMeta) -> RequestBuilder {
        RequestBuilder::new(self.clone(), meta)
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The tenant, when known.
    pub fn tenant(&self) -> Option<&str> {
        self.inner.tenant.as_deref()
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }
}

enum Credentials {
    None,
    ApiKey(ApiKey),
    Bearer(BearerToken),
    Provider(Arc<dyn TokenProvider>),
}

/// Builds a [`Client`].
///
/// Either a tenant and a [`Region`], or an explicit [`base_url`](ClientBuilder::base_url),
/// must be given.
pub struct ClientBuilder {
    tenant: Option<String>,
    region: Option<Region>,
    base_url: Option<String>,
    allow_insecure_http: bool,
    credentials: Credentials,
    refresh_margin: Option<Duration>,
    connect_timeout: Duration,
    request_timeout: Duration,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    permission_preflight: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            tenant: None,
            region: None,
            base_url: None,
            allow_insecure_http: false,
            credentials: Credentials::None,
            refresh_margin: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            http: None,
            retry: RetryPolicy::default(),
            permission_preflight: false,
        }
    }
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("tenant", &self.tenant)
            .field("region", &self.region)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Starts building a client.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tenant: selects the host with [`region`](Self::region), and renders permissions
    /// for the [`permission_preflight`](Self::permission_preflight) with a base URL.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// The region; with the tenant gives `https://{tenant}.{region}.trustx.com`.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// An explicit base URL (e.g. a proxy or a local test server); overrides tenant+region.
    /// Must be `https://` unless [`allow_insecure_http`](Self::allow_insecure_http) is set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Allows a plain `http://` base URL (for local testing only).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Authenticates with an API key, exchanged for bearer tokens that are cached and refreshed.
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.credentials = Credentials::ApiKey(key);
        self
    }

    /// Authenticates with a fixed bearer token (not refreshed).
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
    /// Defaults to a tenth of its ttl, at most 30 s.
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// The connect timeout (default 10 s). Ignored with [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The timeout of one request attempt, including reading the body (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Uses a preconfigured `reqwest::Client`. It must not follow redirects
    /// (build it with `redirect(reqwest::redirect::Policy::none())`): the SDK returns 3xx
    /// responses to the caller, and following them could send credentials elsewhere.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Checks the bearer token's permission claims before sending and fails with
    /// [`Error::PermissionDenied`] when the operation's permission is missing. Needs the tenant.
    /// The JWT payload is decoded without verifying its signature; the granted permissions are
    /// read from the first present claim of `permissions`, `perms`, `authorities` (arrays of
    /// strings, or a space-separated string), `scope` and `scp` (space-separated string or
    /// array). A granted permission ending in `*` matches by prefix. Tokens listing none of
    /// these claims are not checked.
    pub fn permission_preflight(mut self, enabled: bool) -> Self {
        self.permission_preflight = enabled;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = match (&self.base_url, &self.tenant, self.region) {
            (Some(url), _, _) => validate_base_url(url, self.allow_insecure_http)?,
            (None, Some(tenant), Some(region)) => {
                validate_tenant(tenant)?;
                format!("https://{tenant}.{}.trustx.com", region.as_str())
            }
            (None, _, _) => return Err(Error::config("set either a tenant and a region, or a base URL")),
        };
        if self.permission_preflight && self.tenant.is_none() {
            return Err(Error::config("the permission preflight needs the tenant: call `.tenant(..)`"));
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout)
                .user_agent(USER_AGENT)
                .build()
                .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))?,
        };
        let (api_key, tokens) = match self.credentials {
            Credentials::None => (None, TokenSource::None),
            Credentials::Bearer(t) => (None, TokenSource::Fixed(t)),
            Credentials::Provider(p) => (None, TokenSource::Provider(p)),
            Credentials::ApiKey(key) => {
                let tokens = ApiKeyTokens::new(
                    key.clone(),
                    http.clone(),
                    &base_url,
                    self.refresh_margin,
                    self.request_timeout,
                    USER_AGENT,
                );
                (Some(key), TokenSource::Provider(Arc::new(tokens)))
            }
        };
        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                base_url,
                tenant: self.tenant,
                api_key,
                tokens,
                retry: self.retry,
                request_timeout: self.request_timeout,
                permission_preflight: self.permission_preflight,
            }),
        })
    }
}

fn validate_tenant(tenant: &str) -> Result<(), Error> {
    let ok = !tenant.is_empty()
        && tenant.len() <= 63
        && tenant.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !tenant.starts_with('-')
        && !tenant.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::config(format!("tenant `{tenant}` is not a valid host label (letters, digits and `-`)")))
    }
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
mod tests {
    use super::*;

    #[test]
    fn builds_urls() {
        let c = Client::builder().tenant("acme").region(Region::Gum).build().unwrap();
        assert_eq!(c.base_url(), "https://acme.gum.trustx.com");
        assert!(Client::builder().base_url("http://127.0.0.1:1").build().is_err());
        let c = Client::builder().base_url("http://127.0.0.1:1/prefix/").allow_insecure_http(true).build().unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:1/prefix");
        assert!(Client::builder().tenant("a/b").region(Region::Fir).build().is_err());
        assert!(Client::builder().build().is_err());
        assert!(Client::builder().base_url("https://x.example").permission_preflight(true).build().is_err());
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn send_sync<T: Send + Sync + 'static>() {}
        fn send<T: Send + 'static>() {}
        send_sync::<Client>();
        send_sync::<Error>();
        send_sync::<crate::runtime::Response>();
        send::<crate::runtime::ByteStream>();
        send::<crate::runtime::PageStream<String>>();
        fn send_future<F: std::future::Future + Send>(_: F) {}
        static META: OperationMeta = OperationMeta {
            operation_id: "op",
            service: "svc",
            method: crate::runtime::HttpMethod::Get,
            path_template: "/x",
            summary: "",
            permission: None,
            auth: crate::runtime::AuthKind::None,
            deprecated: false,
            beta: false,
        };
        let client = Client::builder().base_url("https://x.example").build().unwrap();
        send_future(client.request(&META).send());
    }
}
