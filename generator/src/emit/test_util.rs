//! The mock server for consumers' tests → `src/test_util.rs` (Cargo feature `test-util`):
//! `MockServer::start()` for this API (token exchange answered), and one typed stub accessor per
//! operation, grouped by service like the client.

use super::docs::{code, deprecated, doc, inner_doc};
use super::types::{ident, rust_type};
use super::EmitOptions;
use crate::model::{Api, BodyKind, Operation, Service};
use proc_macro2::TokenStream;
use quote::quote;

/// The request body type a stub decodes received requests into.
fn request_type(op: &Operation) -> TokenStream {
    match op.body.as_ref().map(|b| &b.kind) {
        Some(BodyKind::Json(t)) => rust_type(t),
        _ => quote!(()),
    }
}

/// The response body type a stub answers with: the one JSON success type, else any JSON.
fn response_type(op: &Operation) -> TokenStream {
    let success: Vec<_> = op.responses.iter().filter(|r| r.is_success()).collect();
    match success.as_slice() {
        [one] => match one.body.as_ref().map(|b| &b.kind) {
            Some(BodyKind::Json(t)) => rust_type(t),
            _ => quote!(serde_json::Value),
        },
        _ => quote!(serde_json::Value),
    }
}

/// The first current operation without required input: the doc example calls it.
fn example_operation(api: &Api) -> Option<(&Service, &Operation)> {
    api.services.iter().flat_map(|s| s.operations.iter().map(move |o| (s, o))).find(|(_, o)| {
        !o.deprecated
            && !matches!(o.auth, crate::model::Auth::ApiKey { .. })
            && o.params.iter().all(|p| !p.required)
            && o.body.as_ref().is_none_or(|b| !b.required)
    })
}

fn module_doc(api: &Api, opts: &EmitOptions) -> String {
    let krate = opts.crate_name.replace('-', "_");
    let mut text = String::from(
        "Test your code against a local mock of the API, with the whole client running as in production \
         (authentication, retries, paging, error decoding).\n\n\
         - `MockServer::start()` starts a server on loopback and answers the token exchange; `mock.client()` \
         is a client pointed at it.\n\
         - `mock.<service>().<operation>()` is a typed [`Stub`](crate::runtime::mock::Stub): narrow it with `path_param`, `query`, `header`, \
         `body_contains`, `times`; answer with `respond(status, &value)` (the operation's response type), \
         `respond_error(status, code, message)`, `respond_empty`, `respond_bytes` or any wiremock response.\n\
         - The returned [`Mocked`](crate::runtime::mock::Mocked) lists the requests it received, with bodies decoded as the operation's \
         request type, for assertions.",
    );
    if let Some((s, o)) = example_operation(api) {
        text.push_str(&format!(
            "\n\n```\nuse {krate}::test_util::MockServer;\n\n#[tokio::main]\nasync fn main() {{\n    \
             let mock = MockServer::start().await;\n    \
             let stub = mock.{svc}().{op}().respond_error(404, 1, \"not found\").await;\n\n    \
             let err = mock.client().{svc}().{op}().send().await.unwrap_err();\n    \
             assert_eq!(err.status(), Some(404));\n    \
             assert_eq!(err.code(), Some(1));\n    \
             let received = stub.requests().await;\n    \
             assert_eq!(received.len(), 1);\n    \
             assert_eq!(received[0].method, {method:?});\n}}\n```",
            svc = s.module,
            op = o.fn_name,
            method = o.method,
        ));
    }
    text
}

/// `src/test_util.rs`.
pub fn file(api: &Api, opts: &EmitOptions) -> TokenStream {
    let header = inner_doc(&module_doc(api, opts));
    let exchange_body = match &api.token_exchange {
        Some(t) => {
            let token = &t.token.wire_name;
            match &t.lifetime {
                Some(l) => {
                    let lifetime = &l.wire_name;
                    quote!(Some(serde_json::json!({ #token: crate::runtime::mock::MOCK_TOKEN, #lifetime: 3600 })))
                }
                None => quote!(Some(serde_json::json!({ #token: crate::runtime::mock::MOCK_TOKEN }))),
            }
        }
        None => quote!(None),
    };
    let accessors = api.services.iter().map(|s| {
        let (m, mocks, f) = (ident(&s.module), ident(&crate::model::mocks_type(&s.module)), &s.feature);
        let d = doc(&format!("Stubs for the operations of the {} service.", code(&s.tag)));
        quote! { #d #[cfg(feature = #f)] pub fn #m(&self) -> #mocks<'_> { #mocks { server: self } } }
    });
    let services = api.services.iter().map(service_mocks);
    let start_doc = doc("Starts a mock server for this API on a free loopback port, answering the token exchange.");
    quote! {
        #header
        #![allow(deprecated)]
        pub use crate::runtime::mock::{Mocked, Received, Stub, MOCK_API_KEY, MOCK_TOKEN};

        /// A mock of this API on loopback: typed stubs per operation, and clients pointed at it.
        ///
        /// It dereferences to the runtime's [`MockServer`](crate::runtime::mock::MockServer)
        /// (`uri()`, `stub()`, `requests_to()`, `wiremock()`).
        #[derive(Debug)]
        pub struct MockServer {
            inner: crate::runtime::mock::MockServer,
        }

        impl MockServer {
            #start_doc
            pub async fn start() -> Self {
                Self { inner: crate::runtime::mock::MockServer::start_for(&crate::API, #exchange_body).await }
            }
            /// A client of this API pointed at the mock, with its API key, plain HTTP allowed and quick retries.
            pub fn client(&self) -> crate::Client {
                crate::Client::from(self.inner.client())
            }
            /// A builder like `client()`'s, to adjust before `build()`.
            pub fn client_builder(&self) -> crate::ClientBuilder {
                crate::ClientBuilder::from(self.inner.client_builder())
            }
            #(#accessors)*
        }

        impl std::ops::Deref for MockServer {
            type Target = crate::runtime::mock::MockServer;
            fn deref(&self) -> &crate::runtime::mock::MockServer {
                &self.inner
            }
        }

        #(#services)*
    }
}

fn service_mocks(s: &Service) -> TokenStream {
    let mocks = ident(&crate::model::mocks_type(&s.module));
    let (m, f) = (ident(&s.module), &s.feature);
    let methods = s.operations.iter().map(|op| {
        let (name, b) = (ident(&op.fn_name), ident(&op.builder_name));
        let (req, resp) = (request_type(op), response_type(op));
        let d = doc(&format!(
            "Stubs {} ([`{b}`](crate::operations::{m}::{b})): `{} {}`.",
            code(&op.operation_id),
            op.method,
            op.path,
            m = s.module,
            b = op.builder_name
        ));
        let dep = deprecated(op.deprecated);
        quote! {
            #d
            #dep
            pub fn #name(&self) -> Stub<'a, #req, #resp> {
                self.server.stub(crate::operations::#m::#b::META)
            }
        }
    });
    let d = doc(&format!("Stubs for the operations of the {} service; from `mock.{}()`.", code(&s.tag), s.module));
    quote! {
        #d
        #[cfg(feature = #f)]
        #[derive(Debug, Clone, Copy)]
        pub struct #mocks<'a> {
            server: &'a MockServer,
        }

        #[cfg(feature = #f)]
        impl<'a> #mocks<'a> {
            #(#methods)*
        }
    }
}
