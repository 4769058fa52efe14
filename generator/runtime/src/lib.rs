//! The runtime of a generated SDK: the HTTP client, authentication, retries, errors, pagination,
//! streams and long-running queries. Generated operations call into it; it knows nothing of any
//! one API beyond the `ApiDescription` and `OperationMeta` the generator emits.
//!
//! This folder is a crate of its own (compiled and unit-tested alone) and the generator writes a
//! copy of it beside every generated crate, as the crate `<sdk>-runtime` that the SDK re-exports
//! as its `runtime` module. Its modules refer to each other with `super::` paths only.

pub mod api;
pub mod auth;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
pub mod cli_output;
pub mod client;
pub mod datetime;
pub mod decode;
pub mod download;
pub mod env;
pub mod error;
pub mod error_code;
pub mod intercept;
pub mod lenient;
pub mod long_running;
pub mod meta;
#[cfg(feature = "test-util")]
pub mod mock;
pub mod operation;
pub mod pagination;
mod param;
mod path;
pub mod permission;
pub mod profile;
pub mod redact;
pub mod request;
pub mod response;
pub mod retry;
pub mod secret;
pub mod serde_util;
mod text;
mod vocab;

pub use api::{ApiDescription, ErrorBodyFields, IssuedCredential, ServerTemplate, ServerVariable, TokenExchange};
pub use auth::{BoxFuture, TokenProvider};
pub use client::{Client, ClientBuilder};
pub use decode::{DecodeError, Item, ItemPosition};
pub use error::{Error, HttpError, TimeoutKind, TransportFailure};
pub use error_code::{ErrorCodeInfo, ErrorCodeTable};
pub use intercept::{AttemptOutcome, AttemptRequest, Interceptor};
pub use long_running::{collect_continuation, run_query, PollOptions, QueryState, QueryStatus};
pub use meta::{AuthKind, HttpMethod, OperationMeta, PathPart};
pub use operation::{Decode, Download, Empty, Json, Operation, Paged, Request, Text};
pub use pagination::{paginate, PageInfo, PageLike, PageStream};
pub use permission::Permission;
pub use redact::Sensitive;
pub use request::{PreparedRequest, RequestBuilder, RequestOptions};
pub use response::{ByteStream, EmptyResponse, Response, ResponseValue};
pub use retry::RetryPolicy;
pub use secret::{ApiKey, BearerToken};
pub use text::printable;

/// The byte buffer of binary bodies, re-exported for the SDK crate and its callers.
pub use bytes;
/// The HTTP library, re-exported for [`ClientBuilder::http_client_builder`] (its version must be
/// this crate's).
pub use reqwest;
