//! Operations as data: each generated operation is a parameters type implementing [`Operation`]
//! (its metadata, how its parameters go on the wire, how its response decodes), and every
//! request is one generic [`Request<P>`] that sends it. The behaviour common to all operations —
//! caller extras, `send`, `send_with_meta`, `prepare`, page streams — is written once, here.

use std::future::Future;
use std::marker::PhantomData;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::client::Client;
use super::decode::Item;
use super::error::Error;
use super::meta::OperationMeta;
use super::pagination::{paginate, PageLike, PageStream};
use super::request::{PreparedRequest, RequestBuilder, RequestOptions};
use super::response::{ByteStream, EmptyResponse, Response, ResponseValue};

/// One operation's parameters: what the generator emits per operation.
pub trait Operation: Clone + Send + Sync + 'static {
    /// What a successful call returns.
    type Output: Send + 'static;
    /// How the response becomes the output.
    type Decode: Decode<Output = Self::Output>;
    /// The operation's metadata: id, method, path, permission, auth, error codes.
    const META: &'static OperationMeta;
    /// Puts the parameters (path, query, headers, body, `Accept`) on the request.
    fn encode(&self, request: RequestBuilder) -> RequestBuilder;
}

/// How a response becomes an operation's output; statuses the operation does not document are
/// [`Error::UnexpectedStatus`].
pub trait Decode {
    /// The decoded value.
    type Output: Send + 'static;
    /// Decodes the response.
    fn decode(response: Response) -> impl Future<Output = Result<Self::Output, Error>> + Send;
}

/// Whether `status` lies in `LO..=HI`.
fn in_range<const LO: u16, const HI: u16>(status: u16) -> bool {
    (LO..=HI).contains(&status)
}

/// A JSON body of type `T`, for a status in `LO..=HI` (default any 2xx).
pub struct Json<T, const LO: u16 = 200, const HI: u16 = 299>(PhantomData<fn() -> T>);

impl<T: DeserializeOwned + Send + 'static, const LO: u16, const HI: u16> Decode for Json<T, LO, HI> {
    type Output = T;
    async fn decode(response: Response) -> Result<T, Error> {
        if in_range::<LO, HI>(response.status()) {
            response.json::<T>().await
        } else {
            Err(response.unexpected().await)
        }
    }
}

/// A binary body streamed as it arrives, for a status in `LO..=HI`.
pub struct Download<const LO: u16 = 200, const HI: u16 = 299>;

impl<const LO: u16, const HI: u16> Decode for Download<LO, HI> {
    type Output = ByteStream;
    async fn decode(response: Response) -> Result<ByteStream, Error> {
        if in_range::<LO, HI>(response.status()) {
            Ok(response.into_byte_stream())
        } else {
            Err(response.unexpected().await)
        }
    }
}

/// A text body, for a status in `LO..=HI`.
pub struct Text<const LO: u16 = 200, const HI: u16 = 299>;

impl<const LO: u16, const HI: u16> Decode for Text<LO, HI> {
    type Output = String;
    async fn decode(response: Response) -> Result<String, Error> {
        if in_range::<LO, HI>(response.status()) {
            response.text().await
        } else {
            Err(response.unexpected().await)
        }
    }
}

/// No body (or one that is discarded): the status and headers, for a status in `LO..=HI`.
pub struct Empty<const LO: u16 = 200, const HI: u16 = 299>;

impl<const LO: u16, const HI: u16> Decode for Empty<LO, HI> {
    type Output = EmptyResponse;
    async fn decode(response: Response) -> Result<EmptyResponse, Error> {
        if in_range::<LO, HI>(response.status()) {
            Ok(response.into_empty())
        } else {
            Err(response.unexpected().await)
        }
    }
}

/// A paged list: how to read and set the page number, and the page model to decode.
pub trait Paged: Operation {
    /// One item of the list.
    type Item: DeserializeOwned + Send + 'static;
    /// The page as the stream decodes it: the page model over [`Item`]`<Self::Item>`.
    type Page: PageLike<Item = Item<Self::Item>> + DeserializeOwned + Serialize + Send + 'static;
    /// The page this request asks for.
    fn page(&self) -> i64;
    /// Asks for another page.
    fn set_page(&mut self, page: i64);
}

/// A request of one operation, ready to send: created by the service client's method (required
/// parameters as its arguments), completed with the operation's setters (optional parameters)
/// and the caller's extras here, then sent.
#[must_use = "a request does nothing until `.send().await`"]
#[derive(Clone)]
pub struct Request<P> {
    client: Client,
    pub(crate) params: P,
    options: RequestOptions,
}

impl<P: Operation + std::fmt::Debug> std::fmt::Debug for Request<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(P::META.operation_id).field("params", &self.params).field("options", &self.options).finish()
    }
}

impl<P: Operation> Request<P> {
    /// This operation's metadata: id, method, path template, permission, deprecation.
    pub const META: &'static OperationMeta = P::META;

    /// A request of this operation on `client`.
    pub fn new(client: Client, params: P) -> Self {
        Request { client, params, options: RequestOptions::default() }
    }

    /// The operation's parameters, as its setters left them.
    pub fn params(&self) -> &P {
        &self.params
    }

    /// The operation's parameters, for a setter of the SDK crate.
    pub fn params_mut(&mut self) -> &mut P {
        &mut self.params
    }

    /// Adds a query parameter the spec does not declare (sent after the declared ones).
    pub fn query_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.add_query(name, value);
        self
    }

    /// Adds a request header the spec does not declare.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.add_header(name, value);
        self
    }

    /// Sets the timeout of each attempt of this request, overriding the client's.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.options.set_timeout(timeout);
        self
    }

    /// Sends the request; retries, authentication and error decoding are handled by the client.
    pub async fn send(self) -> Result<P::Output, Error> {
        P::Decode::decode(self.dispatch().await?).await
    }

    /// Like `send`, and keeps the response's status, headers and request id with the value.
    pub async fn send_with_meta(self) -> Result<ResponseValue<P::Output>, Error> {
        let response = self.dispatch().await?;
        let (status, headers) = (response.status(), response.headers().clone());
        let value = P::Decode::decode(response).await?;
        Ok(ResponseValue::new(status, headers, value))
    }

    /// The request as it would be sent (a dry run): method, URL, headers with credentials
    /// redacted, body; personal values are shown as `[redacted]` by its `Display`.
    pub fn prepare(self) -> Result<PreparedRequest, Error> {
        self.build_request().prepare()
    }

    fn build_request(self) -> RequestBuilder {
        let request = self.client.request(P::META);
        self.params.encode(request).options(self.options)
    }

    async fn dispatch(self) -> Result<Response, Error> {
        self.build_request().send().await
    }
}

impl<P: Paged> Request<P> {
    /// Streams every item across pages, starting at the page set on this request (or 0), until
    /// the last page. Each page is one request with this request's other parameters. Stop early by
    /// dropping the stream or with `into_stream_capped`. An item that does not decode is an error
    /// at its page and index, and the stream goes on.
    pub fn into_stream(self) -> PageStream<P::Item> {
        self.stream(None)
    }

    /// Like `into_stream`, but stops after `max_items` items (and fetches no page beyond them).
    pub fn into_stream_capped(self, max_items: usize) -> PageStream<P::Item> {
        self.stream(Some(max_items))
    }

    fn stream(self, max_items: Option<usize>) -> PageStream<P::Item> {
        let first = self.params.page();
        paginate(P::META.operation_id, first, max_items, move |page| {
            let mut request = self.clone();
            request.params.set_page(page);
            async move {
                let response = request.dispatch().await?;
                let status = response.status();
                if (200..=299).contains(&status) {
                    Ok((status, response.json::<P::Page>().await?))
                } else {
                    Err(response.unexpected().await)
                }
            }
        })
    }
}
