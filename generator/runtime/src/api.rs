//! What a generated crate tells the runtime about its API: its name, its servers, how bearer
//! tokens are obtained and how error bodies look. The generator emits one [`ApiDescription`]
//! per crate from the OpenAPI document; nothing here is specific to one API.

use std::time::Duration;

use super::auth::BoxFuture;
use super::client::Client;
use super::error::Error;
use super::meta::OperationMeta;

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

/// How an API key is exchanged for a bearer token: a generated function that calls the exchange
/// operation and reads the token and its lifetime from the generated response model.
#[derive(Debug)]
pub struct TokenExchange {
    /// The operation that performs the exchange.
    pub operation: &'static OperationMeta,
    /// Calls the operation with the client's API key.
    pub exchange: fn(Client) -> BoxFuture<'static, Result<IssuedCredential, Error>>,
    /// The wire name of the response field holding the token (the CLI does not print it unless
    /// asked).
    pub token_field: &'static str,
}

/// A bearer token obtained by a [`TokenExchange`].
pub struct IssuedCredential {
    /// The token.
    pub token: String,
    /// How long it is valid, when the server says.
    pub lifetime: Option<Duration>,
}

impl std::fmt::Debug for IssuedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCredential").field("token", &"[redacted]").field("lifetime", &self.lifetime).finish()
    }
}

/// The JSON fields of an error body that hold its code and message.
#[derive(Debug, Clone, Copy, Default)]
pub struct ErrorBodyFields {
    /// The field holding the error code (an integer or a numeric string).
    pub code: Option<&'static str>,
    /// The field holding the human-readable message.
    pub message: Option<&'static str>,
}

impl ErrorBodyFields {
    /// No known error body.
    pub const NONE: ErrorBodyFields = ErrorBodyFields { code: None, message: None };
}
