//! What a generated crate tells the runtime about its API: its name, its servers, how bearer
//! tokens are obtained and how error bodies look. The generator emits one [`ApiDescription`]
//! per crate from the OpenAPI document; nothing here is specific to one API.

pub use super::auth::{IssuedCredential, TokenExchange};
pub use super::vocab::ErrorBodyFields;

/// The facts of one API that the runtime needs, emitted by the generator as a `static`.
#[derive(Debug)]
pub struct ApiDescription {
    /// The crate's package name, e.g. `"petstore"`; the `User-Agent` is `{name}/{version}`.
    pub name: &'static str,
    /// The crate's version.
    pub version: &'static str,
    /// The prefix of the environment variables read by `from_env`, e.g. `"PETSTORE"`.
    pub env_prefix: &'static str,
    /// The templated server URL of the document's first server, when it has one.
    pub server: Option<&'static ServerTemplate>,
    /// How an API key is exchanged for bearer tokens, when the document describes it.
    pub token_exchange: Option<&'static TokenExchange>,
    /// The fields of the document's error body, when it names one.
    pub error_body: ErrorBodyFields,
}

impl ApiDescription {
    /// The `User-Agent` header value: `{name}/{version}`.
    pub fn user_agent(&self) -> String {
        format!("{}/{}", self.name, self.version)
    }
}

/// A server URL with `{variable}` placeholders, e.g. `https://{account}.{zone}.example.com`.
#[derive(Debug)]
pub struct ServerTemplate {
    /// The URL template as written in the document.
    pub url: &'static str,
    /// Its variables.
    pub variables: &'static [ServerVariable],
}

/// One variable of a [`ServerTemplate`].
#[derive(Debug)]
pub struct ServerVariable {
    /// The name in the template, e.g. `"tenantId"`.
    pub name: &'static str,
    /// The name of its builder setter, e.g. `"tenant"`; also matched against permission placeholders.
    pub setter: &'static str,
    /// The document's default value.
    pub default: &'static str,
    /// The allowed values; empty when any value is allowed. A variable with allowed values falls back
    /// to its default when not set; a free variable must be set.
    pub allowed: &'static [&'static str],
}
