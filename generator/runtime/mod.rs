//! The hand-written runtime of the TrustX SDK: the HTTP client, authentication, retries,
//! errors, pagination, streams and long-running queries. Generated operations call into it.

pub mod auth;
pub mod client;
pub mod error;
pub mod long_running;
pub mod meta;
pub mod pagination;
mod path;
pub mod permission;
pub mod request;
pub mod response;
pub mod retry;
pub mod secret;
pub mod serde_util;

pub use auth::{BoxFuture, TokenProvider};
pub use client::{Client, ClientBuilder, Region};
pub use error::{ApiErrorBody, Error, HttpError};
pub use long_running::{collect_continuation, run_query, PollOptions, QueryState, QueryStatus};
pub use meta::{AuthKind, HttpMethod, OperationMeta};
pub use pagination::{paginate, Page, PageStream, Pageable, SortOrder};
pub use permission::{Permission, PermissionScope};
pub use request::{RequestBuilder, RequestOptions};
pub use response::{ByteStream, EmptyResponse, Response};
pub use retry::RetryPolicy;
pub use secret::{ApiKey, BearerToken};
