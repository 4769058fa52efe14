//! Stage 3, model: a plain intermediate representation of the API, with every Rust name decided.
//!
//! Emitters read this and nothing else; they never look at the OpenAPI document again.

mod naming;
mod operations;
mod registry;
mod types;

pub use naming::{const_name, field_name, type_name, variant_name, NameScope};

use crate::diagnostics::Diagnostics;
use crate::load::LoadedSpec;
use serde::Serialize;

/// The whole API.
#[derive(Debug, Clone, Serialize)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The first server URL, if any.
    pub server_url: Option<String>,
    /// Services (one per tag), in the order the spec lists its tags.
    pub services: Vec<Service>,
    /// Every named model type, components first (in spec order), then hoisted inline types.
    pub types: Vec<TypeDef>,
    /// Every distinct permission named by an operation, sorted.
    pub permissions: Vec<PermissionDef>,
    /// Error-code registries, one per service that documents codes.
    pub error_registries: Vec<ErrorRegistry>,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Auth {
    /// No credentials.
    None,
    /// The API key header.
    ApiKey,
    /// A bearer token.
    Bearer,
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

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ParamLocation {
    /// A `{name}` in the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
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
    /// `crate::runtime::Page<T>`.
    Page(Box<TypeRef>),
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
}

/// Tenant or system scope of a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Scope {
    /// `TNT#{tenant}#...`.
    Tenant,
    /// `SYS#...`.
    System,
}

/// A permission as an operation names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PermissionRef {
    /// Tenant or system.
    pub scope: Scope,
    /// `WatchlistManager`.
    pub service: String,
    /// `getWatchlistV2`.
    pub action: String,
    /// As written: `TNT#{tenantid}#WatchlistManager:getWatchlistV2`.
    pub template: String,
}

/// A permission constant to emit.
#[derive(Debug, Clone, Serialize)]
pub struct PermissionDef {
    /// The permission.
    pub permission: PermissionRef,
    /// Module (`watchlist_manager`) under `crate::permissions`.
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
    let mut types = types::TypeBuilder::new(&spec.openapi);
    types.build_components(&mut diags);
    let error_registries = registry::error_registries(&spec.openapi, &mut diags);
    let services = operations::build_services(&spec.openapi, &mut types, &error_registries, &mut diags);
    let permissions = registry::permissions(&services);
    let types = types.finish();
    if diags.has_errors() {
        return Err(diags);
    }
    let info = &spec.openapi.info;
    let api = Api {
        title: info.title.clone(),
        version: info.version.clone(),
        description: info.description.clone(),
        server_url: spec.openapi.servers.first().map(|s| s.url.clone()),
        services,
        types,
        permissions,
        error_registries,
    };
    Ok((api, diags))
}
