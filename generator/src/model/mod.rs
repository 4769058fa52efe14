//! Stage 3, model: a plain intermediate representation of the API, with every Rust name decided.
//!
//! Emitters read this and nothing else; they never look at the OpenAPI document again.

mod extensions;
mod naming;
mod operations;
mod registry;
mod types;
mod usage;

pub use naming::{
    command_name, const_name, feature_name, field_name, mocks_type, params_type, type_name, variant_name, NameScope,
};

use crate::diagnostics::Diagnostics;
use crate::load::LoadedSpec;
use serde::Serialize;

/// The names of the generic `Request<P>` (the runtime's methods and constant, which a test in
/// `emit/operations.rs` reads from `runtime/src/operation.rs`, and the SDK's own over it) and of
/// the body setter: the setters of optional parameters are methods of the same type, so parameters
/// never take them.
pub const BUILDER_RESERVED: &[&str] = &[
    "body",
    "client",
    "options",
    "send",
    "send_with_meta",
    "dispatch",
    "prepare",
    "build_request",
    "decode",
    "header",
    "query_param",
    "request_timeout",
    "into_stream",
    "into_stream_capped",
    "stream",
    "new",
    "params",
    "params_mut",
    "META",
    // Setters take `self` and one value, like the operator traits' methods; clippy
    // (`should_implement_trait`) refuses a method of that shape named like one.
    "add",
    "sub",
    "mul",
    "div",
    "rem",
    "shl",
    "shr",
    "bitand",
    "bitor",
    "bitxor",
];

/// Names a service accessor never takes: accessors are methods of the runtime's `Client` and of the
/// test kit's `MockServer`, beside their own methods (a test in `emit/runtime.rs` checks the list
/// against the runtime's sources) and those the generated crate adds (`builder`, `from_env`, `start`).
pub const ACCESSOR_RESERVED: &[&str] = &[
    "request",
    "base_url",
    "server_variable",
    "retry_policy",
    "api",
    "download",
    "builder",
    "from_env",
    "start",
    "start_for",
    "uri",
    "client",
    "client_builder",
    "stub",
    "requests_to",
    "wiremock",
    "clone",
    "fmt",
];

/// Names a server variable's setter never takes: the setters are methods of the runtime's
/// `ClientBuilder`, beside its own methods (a test in `model/naming.rs` reads them from the runtime's
/// sources), those the generated crate adds (`from_env`) and those of its derived traits.
pub const CLIENT_BUILDER_RESERVED: &[&str] = &[
    "new",
    "interceptor",
    "api",
    "explicit_base_url",
    "server_variable",
    "base_url",
    "allow_loopback_http",
    "allow_insecure_http",
    "api_key",
    "bearer_token",
    "token_provider",
    "token_refresh_margin",
    "connect_timeout",
    "timeout",
    "read_timeout",
    "operation_timeout",
    "max_response_bytes",
    "max_error_body_bytes",
    "max_token_response_bytes",
    "http_client_builder",
    "allow_unauthenticated",
    "retry_policy",
    "permission_preflight",
    "show_server_messages",
    "build",
    "apply_env",
    "apply_env_from",
    "from_env",
    "clone",
    "fmt",
    // Setters take `self` and one value, like the operator traits' methods (see `BUILDER_RESERVED`).
    "add",
    "sub",
    "mul",
    "div",
    "rem",
    "shl",
    "shr",
    "bitand",
    "bitor",
    "bitxor",
];

/// Names a server variable's enum never takes: the crate root re-exports them beside the enums (a
/// test in `model/naming.rs` reads the re-exports of a generated `src/lib.rs`).
pub const ROOT_RESERVED: &[&str] = &[
    "API",
    "ApiKey",
    "BearerToken",
    "Client",
    "ClientBuilder",
    "Error",
    "ErrorCode",
    "HttpError",
    "RequestOptions",
    "ResponseValue",
    "RetryPolicy",
];

/// The crate's own Cargo features, which no service's feature takes: `default`, and the runtime's
/// (a test in `model/naming.rs` reads them from the runtime's manifest).
pub const FEATURES_RESERVED: &[&str] =
    &["default", "cli", "test-util", "tls-native-roots", "tls-webpki-roots", "native-tls"];

/// The command-line tool's own commands, which no service's command takes (a test in
/// `model/naming.rs` reads them from the runtime's `cli.rs`; `help` is clap's).
pub const COMMANDS_RESERVED: &[&str] = &["permissions", "error-code", "configure", "completions", "help"];

/// The names the test kit re-exports beside the services' stub types.
pub const TEST_KIT_RESERVED: &[&str] = &["MockServer", "Mocked", "Received", "Stub", "MOCK_API_KEY", "MOCK_TOKEN"];

/// Names no generated module takes: a module beside the paths of the file that declares it would
/// hide the crates they start with (`mod std;` beside `std::fmt`). The standard crates and the
/// runtime's dependencies (a test in `model/naming.rs` reads them from the runtime's manifest).
pub const EXTERN_CRATES: &[&str] = &[
    "std",
    "core",
    "alloc",
    "proc_macro",
    "test",
    "base64",
    "bytes",
    "chrono",
    "fastrand",
    "futures_core",
    "futures_util",
    "percent_encoding",
    "reqwest",
    "serde",
    "serde_json",
    "serde_path_to_error",
    "tokio",
    "tracing",
    "wiremock",
    "clap",
    "clap_complete",
    "jaq_core",
    "jaq_std",
    "jaq_json",
    "terminal_size",
];

/// The whole API.
#[derive(Debug, Clone, Serialize)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The first server, if any, with its variables.
    pub server: Option<Server>,
    /// `x-token-exchange`: how an API key is exchanged for bearer tokens.
    pub token_exchange: Option<TokenExchange>,
    /// `x-error-body`: the schema of error responses and its code and message fields.
    pub error_body: Option<ErrorBody>,
    /// `x-page`: the page schema of paged lists.
    pub page: Option<PageShape>,
    /// Services (one per tag), in the order the spec lists its tags.
    pub services: Vec<Service>,
    /// Every named model type, components first (in spec order), then hoisted inline types.
    pub types: Vec<TypeDef>,
    /// Every distinct permission named by an operation, sorted.
    pub permissions: Vec<PermissionDef>,
    /// Error-code registries, one per service that documents codes.
    pub error_registries: Vec<ErrorRegistry>,
}

impl Api {
    /// The named model type `name` (a [`TypeRef::Named`]'s name).
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|d| d.name == name)
    }
}

/// A group of operations sharing a tag; one client struct and one file.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// The tag (`watchlist-manager`).
    pub tag: String,
    /// The tag's description.
    pub description: Option<String>,
    /// Module and accessor name (`watchlist_manager`).
    pub module: String,
    /// Client struct name (`WatchlistManagerClient`).
    pub client_name: String,
    /// Operations, in spec order.
    pub operations: Vec<Operation>,
    /// Name of the service's error-code enum, when it documents codes.
    pub error_enum: Option<String>,
    /// Cargo feature that compiles this service's operations (`watchlist-manager`).
    pub feature: String,
}

/// How an operation authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Auth {
    /// No credentials.
    None,
    /// An API key sent in a header.
    ApiKey {
        /// The header name, as the security scheme gives it.
        header: String,
    },
    /// A bearer token.
    Bearer,
}

/// The document's first server.
#[derive(Debug, Clone, Serialize)]
pub struct Server {
    /// The URL template, e.g. `https://{tenantId}.{region}.example.com`.
    pub url: String,
    /// Its variables, in document order.
    pub variables: Vec<ServerVariable>,
}

/// A server variable, which becomes a client-builder setter.
#[derive(Debug, Clone, Serialize)]
pub struct ServerVariable {
    /// The name in the template.
    pub name: String,
    /// The setter name (`x-rust-name`, or the snake_case name).
    pub setter: String,
    /// The document's default.
    pub default: String,
    /// `description`.
    pub description: Option<String>,
    /// For a variable with `enum`: the enum type's name and `(value, variant)` pairs.
    pub choices: Option<(String, Vec<(String, String)>)>,
}

/// `x-token-exchange` on a bearer security scheme: the operation that exchanges an API key for a
/// token, and the fields of its response model that hold the token and its lifetime.
#[derive(Debug, Clone, Serialize)]
pub struct TokenExchange {
    /// The bearer scheme it feeds.
    pub scheme: String,
    /// The exchange operation.
    pub operation_id: String,
    /// The operation's service module.
    pub service_module: String,
    /// The operation's builder type.
    pub builder_name: String,
    /// The response model's field holding the token.
    pub token: ModelField,
    /// The response model's field holding the token's lifetime in seconds.
    pub lifetime: Option<ModelField>,
}

/// A field of a generated model, as generated code reads it.
#[derive(Debug, Clone, Serialize)]
pub struct ModelField {
    /// The name on the wire.
    pub wire_name: String,
    /// The Rust field name.
    pub rust_name: String,
    /// Its type, without the optional wrapping.
    pub ty: TypeRef,
    /// How many `Option`s wrap the Rust field: 0, 1 (optional or nullable) or 2 (both).
    pub options: u8,
}

/// `x-error-body` on a schema: the JSON fields of error responses holding the code and message.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorBody {
    /// The schema's model type.
    pub type_name: String,
    /// The wire name of the code field.
    pub code: Option<String>,
    /// The wire name of the message field.
    pub message: Option<String>,
}

/// `x-page` on a schema: the envelope of paged lists, emitted as a generic `Page<T>` model.
#[derive(Debug, Clone, Serialize)]
pub struct PageShape {
    /// The schema key.
    pub spec_name: String,
    /// The model type name (generic over the item type).
    pub type_name: String,
    /// Rust name of the field holding the items.
    pub items: String,
    /// Rust name of the page-number field.
    pub number: Option<String>,
    /// Rust name of the last-page flag.
    pub last: Option<String>,
    /// Rust name of the page-count field.
    pub total_pages: Option<String>,
    /// Wire name of the query parameter that selects the page.
    pub parameter: String,
}

/// One HTTP operation.
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// `operationId` as written, or derived from method and path.
    pub operation_id: String,
    /// True when the spec had no `operationId` and one was derived.
    pub derived_id: bool,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template as written in the spec.
    pub path: String,
    /// The same path split into literals and parameters (parameters may share a segment with text:
    /// `/compare/{base}...{head}`).
    pub path_parts: Vec<PathPiece>,
    /// Method name on the service client (`get_watchlist`).
    pub fn_name: String,
    /// Request builder type name (`GetWatchlist`).
    pub builder_name: String,
    /// Response enum name when several success statuses are documented.
    pub response_enum: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// `x-beta`.
    pub beta: bool,
    /// `x-evidence`: where an operation that the API's own reference does not document was seen
    /// (public clients, captured traffic); empty for documented operations. Left out of the
    /// serialized model when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// `x-permission`, parsed.
    pub permission: Option<PermissionRef>,
    /// Credentials this operation needs.
    pub auth: Auth,
    /// Parameters: path ones in template order, then query, then header.
    pub params: Vec<Param>,
    /// Request body.
    pub body: Option<Body>,
    /// Responses in status order.
    pub responses: Vec<Response>,
    /// Set when the operation lists a Spring page and takes a `page` query parameter.
    pub pagination: Option<Pagination>,
    /// JSON pointer of the operation.
    pub pointer: String,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PathPiece {
    /// Literal text.
    Literal(String),
    /// A `{name}` placeholder.
    Param(String),
}

/// Splits `/a/{x}/b{y}.json` into literals and parameters. Unbalanced braces (which `validate`
/// reports) end the split: the rest is literal.
pub fn split_path(path: &str) -> Vec<PathPiece> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        if start > 0 {
            out.push(PathPiece::Literal(rest[..start].to_owned()));
        }
        out.push(PathPiece::Param(rest[start + 1..start + len].to_owned()));
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        out.push(PathPiece::Literal(rest.to_owned()));
    }
    out
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ParamLocation {
    /// A `{name}` in the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie (sent in the `Cookie` header).
    Cookie,
}

/// One parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// Name on the wire.
    pub wire_name: String,
    /// Rust argument / setter name.
    pub rust_name: String,
    /// Path, query or header.
    pub location: ParamLocation,
    /// Required (path parameters always are).
    pub required: bool,
    /// Its type.
    pub ty: TypeRef,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// The default the spec documents, as JSON text.
    pub default: Option<String>,
    /// Personal data or a secret (`x-sensitive: true` on the parameter): redacted in the request
    /// builder's `Debug` and in prepared requests.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

/// A request body.
#[derive(Debug, Clone, Serialize)]
pub struct Body {
    /// Whether the body is required.
    pub required: bool,
    /// Media type sent.
    pub media_type: String,
    /// Its shape.
    pub kind: BodyKind,
    /// `description`.
    pub description: Option<String>,
    /// Personal data or a secret (`x-sensitive: true` on its schema): redacted in the request
    /// builder's `Debug` and in prepared requests.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

/// The shape of a request or response body.
#[derive(Debug, Clone, Serialize)]
pub enum BodyKind {
    /// JSON of this type.
    Json(TypeRef),
    /// Opaque bytes (binary, CSV, archives, images, XML, ...).
    Binary,
    /// Plain text.
    Text,
}

/// One documented response.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// `200`, `404`, ...; `None` for `default` or ranges like `5XX`.
    pub status: Option<u16>,
    /// The status key as written (`200`, `default`, `5XX`).
    pub status_key: String,
    /// `description`.
    pub description: String,
    /// Body, if documented.
    pub body: Option<ResponseBody>,
    /// `x-error-codes`: documented error codes, each with an optional operation-specific description.
    pub error_codes: Vec<(i64, Option<String>)>,
    /// Variant name in the response enum.
    pub variant: String,
}

/// A response body.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseBody {
    /// Media type.
    pub media_type: String,
    /// Shape.
    pub kind: BodyKind,
}

impl Response {
    /// 2xx or 3xx.
    pub fn is_success(&self) -> bool {
        matches!(self.status, Some(s) if (200..400).contains(&s))
    }
}

/// Pagination of a list operation.
#[derive(Debug, Clone, Serialize)]
pub struct Pagination {
    /// Rust name of the `page` parameter.
    pub page_param: String,
    /// Item type of the page.
    pub item: TypeRef,
}

/// A reference to a type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TypeRef {
    /// A model type in `crate::models`.
    Named(String),
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u32`: an `int32` parameter with `minimum` 0 or more.
    U32,
    /// `u64`: an `int64` parameter with `minimum` 0 or more.
    U64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `chrono::DateTime<Utc>`.
    DateTime,
    /// `chrono::NaiveDate`.
    Date,
    /// Any JSON value.
    Json,
    /// A free-form JSON object.
    JsonObject,
    /// `Vec<T>`.
    Vec(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
    /// The `x-page` model over an item type: `crate::models::Page<T>`.
    Page(String, Box<TypeRef>),
    /// A value of personal data or a secret (`x-sensitive` on a free-form schema):
    /// `crate::runtime::Sensitive<T>`, whose `Debug` prints `[redacted]`.
    Sensitive(Box<TypeRef>),
}

/// A named model type.
#[derive(Debug, Clone, Serialize)]
pub struct TypeDef {
    /// Rust name.
    pub name: String,
    /// Name in the spec (schema key), or the hoisting context for inline types.
    pub spec_name: String,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// JSON pointer of the schema.
    pub pointer: String,
    /// What it is.
    pub kind: TypeKind,
    /// The Cargo features (services) that compile it; `None` when it always compiles (no operation
    /// uses it, or the token exchange does).
    pub features: Option<Vec<String>>,
    /// The whole value is personal data or a secret (`x-sensitive: true` on the schema): a struct's
    /// `Debug` redacts every field; other kinds wrap their type in `Sensitive`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

/// The kinds of model type.
#[derive(Debug, Clone, Serialize)]
pub enum TypeKind {
    /// An object with known fields; unknown fields are kept in `additional`.
    Struct {
        /// Known fields.
        fields: Vec<Field>,
        /// Type of the values of the flattened map that keeps unknown fields.
        additional: TypeRef,
    },
    /// A string enum with an `Unknown(String)` fallback.
    Enum {
        /// `(wire value, variant name)` pairs.
        values: Vec<(String, String)>,
    },
    /// `oneOf` with a discriminator: picks the variant by a property's value.
    Tagged {
        /// The discriminator property.
        property: String,
        /// `(tag value, variant name, payload type)`.
        variants: Vec<(String, String, TypeRef)>,
    },
    /// `oneOf`/`anyOf` without a discriminator: the first variant that parses wins.
    Untagged {
        /// `(variant name, payload type)`.
        variants: Vec<(String, TypeRef)>,
    },
    /// Another name for a type.
    Alias(TypeRef),
    /// A struct around one value (`struct A(pub Vec<A>)`, transparent in serde): a schema that
    /// contains itself only through arrays and maps of itself, which a type alias cannot name.
    Newtype(TypeRef),
}

/// A struct field.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Name on the wire.
    pub wire_name: String,
    /// Rust name.
    pub rust_name: String,
    /// Type (without the optional/nullable wrapping).
    pub ty: TypeRef,
    /// Listed in `required`.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
    /// Boxed to break a cycle.
    pub boxed: bool,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// Holds a secret (`x-sensitive: true` or `format: password`): the generated `Debug` hides it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// Its shape is inferred (`x-inferred` on the property, its schema, or the object holding it):
    /// an optional field that does not match reads as `None`, its raw JSON kept.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

/// A permission as an operation names it (`x-permission`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PermissionRef {
    /// As written, with `{…}` placeholders: `TNT#{tenantid}#WatchlistManager:getWatchlistV2`.
    pub template: String,
    /// The last word of the template (`getWatchlistV2`), which names its constant.
    pub action: String,
}

/// A permission constant to emit.
#[derive(Debug, Clone, Serialize)]
pub struct PermissionDef {
    /// The permission.
    pub permission: PermissionRef,
    /// Module under `crate::permissions`: the service module of the first operation requiring it.
    pub module: String,
    /// Constant name (`GET_WATCHLIST_V2`).
    pub const_name: String,
    /// Operation ids that require it.
    pub operations: Vec<String>,
}

/// One service's documented error codes.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorRegistry {
    /// Service tag.
    pub tag: String,
    /// Enum name (`WatchlistManagerErrorCode`).
    pub enum_name: String,
    /// Module file name (`watchlist_manager`).
    pub module: String,
    /// Its variant of the crate's `ErrorCode` (`WatchlistManager`).
    pub variant: String,
    /// Codes in ascending order.
    pub codes: Vec<ErrorCodeDef>,
}

/// One documented error code.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorCodeDef {
    /// The number.
    pub code: i64,
    /// Variant name.
    pub variant: String,
    /// The documented constant or short name, as written in the spec.
    pub name: String,
    /// What it means.
    pub description: String,
}

/// Builds the model. Errors are collected, not stopped at; warnings are returned with the model.
pub fn build(spec: &LoadedSpec) -> Result<(Api, Diagnostics), Diagnostics> {
    let mut diags = Diagnostics::default();
    let page = extensions::page_schema(&spec.openapi, &mut diags);
    let mut types = types::TypeBuilder::new(&spec.openapi, page.clone());
    types.build_components(&mut diags);
    let error_registries = registry::error_registries(&spec.openapi, &mut diags);
    let services = operations::build_services(&spec.openapi, &mut types, &error_registries, &mut diags);
    let permissions = registry::permissions(&services);
    let types = types.finish(&mut diags);
    let server = extensions::server(&spec.openapi, &mut diags);
    let error_body = extensions::error_body(&spec.openapi, &types, &mut diags);
    let page = page.and_then(|p| extensions::page_shape(p, &types, &mut diags));
    let token_exchange = extensions::token_exchange(&spec.openapi, &services, &types, &mut diags);
    let mut types = types;
    usage::assign_features(&mut types, &services, token_exchange.as_ref());
    if diags.has_errors() {
        return Err(diags);
    }
    let info = &spec.openapi.info;
    let api = Api {
        title: info.title.clone(),
        version: info.version.clone(),
        description: info.description.clone(),
        server,
        token_exchange,
        error_body,
        page,
        services,
        types,
        permissions,
        error_registries,
    };
    Ok((api, diags))
}
