//! Operations → `src/operations/<service>.rs` (client, request builders, response enums) and
//! `src/operations/mod.rs` (client accessors and the table of all operations).

use super::docs::{code, deprecated, doc, end_sentence, inner_doc, sanitize};
use super::types::{describe, ident, is_scalar, rust_type};
use crate::model::{Api, Auth, BodyKind, ErrorRegistry, Operation, Param, ParamLocation, Response, Service, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

/// `(path, tokens)` for every operations file.
pub fn files(api: &Api) -> Vec<(String, TokenStream)> {
    let mut out = Vec::new();
    for s in &api.services {
        out.push((format!("src/operations/{}.rs", s.module), service_file(api, s)));
    }
    out.push(("src/operations/mod.rs".into(), mod_file(api)));
    out
}

fn mod_file(api: &Api) -> TokenStream {
    let header = inner_doc(
        "Operations, one module per service, and the table of every operation's metadata.\n\n\
         Start from [`crate::Client`]: `client.<service>().<operation>(required args).<optional setters>.send().await`.",
    );
    let mods = api.services.iter().map(|s| {
        let m = ident(&s.module);
        let f = &s.feature;
        let d = doc(&format!("Operations of the {} service (Cargo feature {}).", code(&s.tag), code(f)));
        if is_exchange_service(api, s) {
            // Always compiled: it holds the token exchange the client needs; its other items are gated.
            quote!(#d pub mod #m;)
        } else {
            quote!(#d #[cfg(feature = #f)] pub mod #m;)
        }
    });
    let accessors = api.services.iter().map(|s| {
        let m = ident(&s.module);
        let c = ident(&s.client_name);
        let mut text = format!("Operations of the {} service.", code(&s.tag));
        if let Some(d) = &s.description {
            text.push_str(&format!("\n\n{}", sanitize(d)));
        }
        let d = doc(&text);
        let f = &s.feature;
        quote! {
            #d
            #[cfg(feature = #f)]
            pub fn #m(&self) -> #m::#c {
                #m::#c::new(self.inner.clone())
            }
        }
    });
    let metas = api.services.iter().flat_map(|s| {
        let m = ident(&s.module);
        let f = &s.feature;
        s.operations.iter().map(move |op| {
            let b = ident(&op.builder_name);
            quote!(#[cfg(feature = #f)] #m::#b::META)
        })
    });
    let count = api.services.iter().map(|s| s.operations.len()).sum::<usize>();
    let table_doc = doc(&format!(
        "Metadata of all {count} operations (of the services whose Cargo features are on), in spec order: what a tool needs to compute the permissions an integration requires."
    ));
    let find_doc = doc("The metadata of the operation with this `operationId`.");
    let perms_doc = doc(
        "The distinct permissions the given operations require, in table order. Unknown ids and operations without a documented permission add nothing.",
    );
    let request = request_type();
    quote! {
        #header
        #![allow(deprecated)]
        #(#mods)*

        impl crate::Client {
            #(#accessors)*
        }

        #request

        #table_doc
        pub const OPERATIONS: &[&crate::runtime::OperationMeta] = &[#(#metas),*];

        #find_doc
        pub fn find(operation_id: &str) -> Option<&'static crate::runtime::OperationMeta> {
            OPERATIONS.iter().copied().find(|m| m.operation_id == operation_id)
        }

        #perms_doc
        pub fn required_permissions(operation_ids: &[&str]) -> Vec<crate::runtime::Permission> {
            let mut out: Vec<crate::runtime::Permission> = Vec::new();
            for meta in OPERATIONS {
                if !operation_ids.contains(&meta.operation_id) {
                    continue;
                }
                if let Some(p) = meta.permission {
                    if !out.iter().any(|q| q.template == p.template) {
                        out.push(*p);
                    }
                }
            }
            out
        }
    }
}

/// Whether this service holds the token-exchange operation.
fn is_exchange_service(api: &Api, s: &Service) -> bool {
    api.token_exchange.as_ref().is_some_and(|t| t.service_module == s.module)
}

fn service_file(api: &Api, s: &Service) -> TokenStream {
    let mut text = format!("Operations of the {} service.", code(&s.tag));
    if let Some(d) = &s.description {
        text.push_str(&format!("\n\n{}", sanitize(d)));
    }
    let header = inner_doc(&text);
    let client = ident(&s.client_name);
    let registry = api.error_registries.iter().find(|r| r.tag == s.tag);
    let exchange_id = api.token_exchange.as_ref().map(|t| t.operation_id.as_str());
    // In the always-compiled exchange service, everything but the exchange operation is gated.
    let gate = |op_id: Option<&str>| {
        let f = &s.feature;
        if is_exchange_service(api, s) && (op_id.is_none() || op_id != exchange_id) {
            quote!(#[cfg(feature = #f)])
        } else {
            quote!()
        }
    };
    let client_gate = gate(None);
    let methods = s.operations.iter().map(|op| client_method(api, op));
    let builders = s.operations.iter().map(|op| builder(api, s, op, registry, gate(Some(&op.operation_id))));
    let exchange = token_exchange_fn(api, s);
    let client_doc = doc(&format!(
        "Client for the {} service: one method per operation. Get one with `client.{}()`.",
        code(&s.tag),
        s.module
    ));
    quote! {
        #header
        #![allow(deprecated)]
        #[allow(unused_imports)]
        use crate::runtime as rt;
        #client_doc
        #client_gate
        #[derive(Debug, Clone)]
        pub struct #client {
            client: crate::runtime::Client,
        }

        #client_gate
        impl #client {
            pub(crate) fn new(client: crate::runtime::Client) -> Self {
                Self { client }
            }
            #(#methods)*
        }

        #(#builders)*
        #exchange
    }
}

/// The methods of the SDK's `Request<P>` (the crate's own type over the runtime's, so that each
/// operation's setters can be inherent methods of its alias); a test checks that every public
/// method of the runtime's `Request` is here.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) const REQUEST_METHODS: &[&str] = &[
    "new",
    "params",
    "params_mut",
    "query_param",
    "header",
    "request_timeout",
    "send",
    "send_with_meta",
    "prepare",
    "into_stream",
    "into_stream_capped",
];

/// `operations::Request<P>`: one generic type over the runtime's request, forwarding its methods.
fn request_type() -> TokenStream {
    quote! {
        /// A request of one operation, ready to send: created by the service client's method
        /// (required parameters as its arguments), completed with the operation's setters (optional
        /// parameters) and the caller's extras here, then sent. Every operation's type is an alias
        /// of this one; the work is done by the runtime's [`Request`](crate::runtime::Request).
        #[must_use = "a request does nothing until `.send().await`"]
        #[derive(Clone)]
        pub struct Request<P> {
            inner: crate::runtime::Request<P>,
        }

        impl<P: crate::runtime::Operation + std::fmt::Debug> std::fmt::Debug for Request<P> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.inner.fmt(f)
            }
        }

        impl<P: crate::runtime::Operation> Request<P> {
            /// This operation's metadata: id, method, path template, permission, deprecation.
            pub const META: &'static crate::runtime::OperationMeta = P::META;

            /// A request of this operation on `client`.
            pub fn new(client: crate::runtime::Client, params: P) -> Self {
                Self { inner: crate::runtime::Request::new(client, params) }
            }

            /// The operation's parameters, as its setters left them.
            pub fn params(&self) -> &P {
                self.inner.params()
            }

            /// The operation's parameters, mutable.
            pub fn params_mut(&mut self) -> &mut P {
                self.inner.params_mut()
            }

            /// Adds a query parameter the spec does not declare (sent after the declared ones).
            pub fn query_param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
                Self { inner: self.inner.query_param(name, value) }
            }

            /// Adds a request header the spec does not declare.
            pub fn header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
                Self { inner: self.inner.header(name, value) }
            }

            /// Sets the timeout of each attempt of this request, overriding the client's.
            pub fn request_timeout(self, timeout: std::time::Duration) -> Self {
                Self { inner: self.inner.request_timeout(timeout) }
            }

            /// Sends the request; retries, authentication and error decoding are handled by the client.
            pub fn send(self) -> impl std::future::Future<Output = Result<P::Output, crate::runtime::Error>> {
                self.inner.send()
            }

            /// Like `send`, and keeps the response's status, headers and request id with the value.
            pub fn send_with_meta(
                self,
            ) -> impl std::future::Future<Output = Result<crate::runtime::ResponseValue<P::Output>, crate::runtime::Error>> {
                self.inner.send_with_meta()
            }

            /// The request as it would be sent (a dry run): method, URL, headers with credentials
            /// redacted, body; personal values are shown as `[redacted]` by its `Display`.
            pub fn prepare(self) -> Result<crate::runtime::PreparedRequest, crate::runtime::Error> {
                self.inner.prepare()
            }
        }

        impl<P: crate::runtime::Paged> Request<P> {
            /// Streams every item across pages, starting at the page set on this request (or 0),
            /// until the last page. Each page is one request with this request's other parameters.
            /// Stop early by dropping the stream or with `into_stream_capped`. An item that does not
            /// decode is an error at its page and index, and the stream goes on.
            pub fn into_stream(self) -> crate::runtime::PageStream<P::Item> {
                self.inner.into_stream()
            }

            /// Like `into_stream`, but stops after `max_items` items (and fetches no page beyond them).
            pub fn into_stream_capped(self, max_items: usize) -> crate::runtime::PageStream<P::Item> {
                self.inner.into_stream_capped(max_items)
            }
        }

        impl<P> From<Request<P>> for crate::runtime::Request<P> {
            fn from(request: Request<P>) -> Self {
                request.inner
            }
        }
    }
}

/// The function the runtime calls to exchange the API key for a bearer token: the generated
/// exchange operation, and the token and lifetime read from its generated response model.
fn token_exchange_fn(api: &Api, s: &Service) -> TokenStream {
    let Some(t) = api.token_exchange.as_ref().filter(|t| t.service_module == s.module) else {
        return quote!();
    };
    let Some(op) = s.operations.iter().find(|o| o.operation_id == t.operation_id) else {
        return quote!();
    };
    let params = params_literal(op, &[]);
    let tok = ident(&t.token.rust_name);
    let token = match t.token.options {
        0 => quote!(issued.#tok),
        n => {
            let flatten = if n == 2 { quote!(.flatten()) } else { quote!() };
            let missing = format!("the `{}` response has no token", t.operation_id);
            quote!(issued.#tok #flatten .ok_or_else(|| rt::Error::auth(#missing))?)
        }
    };
    let lifetime = match &t.lifetime {
        None => quote!(None),
        Some(f) => {
            let n = ident(&f.rust_name);
            let value = match f.options {
                0 => quote!(Some(issued.#n)),
                1 => quote!(issued.#n),
                _ => quote!(issued.#n.flatten()),
            };
            let seconds = match f.ty {
                TypeRef::F32 | TypeRef::F64 => quote! {
                    .map(f64::from).filter(|s| s.is_finite() && *s > 0.0).map(|s| std::time::Duration::from_secs_f64(s.min(1e9)))
                },
                _ => quote!(.and_then(|s| u64::try_from(s).ok()).map(std::time::Duration::from_secs)),
            };
            quote!(#value #seconds)
        }
    };
    let d = doc(&format!(
        "Exchanges the client's API key for a bearer token with [`{}`]: the token exchange the runtime \
         performs (declared by `x-token-exchange` on the {} security scheme).",
        t.builder_name,
        code(&t.scheme)
    ));
    quote! {
        #d
        pub(crate) fn exchange_token(
            client: rt::Client,
        ) -> rt::BoxFuture<'static, Result<rt::IssuedCredential, rt::Error>> {
            Box::pin(async move {
                let issued = rt::Request::new(client, #params).send().await?;
                Ok(rt::IssuedCredential { token: #token, lifetime: #lifetime })
            })
        }
    }
}

fn required_args(op: &Operation) -> Vec<&Param> {
    op.params.iter().filter(|p| p.required).collect()
}

fn is_stringy(t: &TypeRef) -> bool {
    matches!(t, TypeRef::String)
}

fn arg_type(p: &Param) -> TokenStream {
    if is_stringy(&p.ty) {
        quote!(impl Into<String>)
    } else {
        rust_type(&p.ty)
    }
}

fn arg_value(p: &Param) -> TokenStream {
    let n = ident(&p.rust_name);
    if is_stringy(&p.ty) {
        quote!(#n.into())
    } else {
        quote!(#n)
    }
}

fn body_arg(api: &Api, op: &Operation) -> Option<(TokenStream, TokenStream)> {
    let b = op.body.as_ref().filter(|b| b.required)?;
    Some(match &b.kind {
        // A model that is `Sensitive<T>` is taken as anything that becomes one (a plain `T`).
        BodyKind::Json(t) if is_sensitive_alias(api, t) => {
            let t = rust_type(t);
            (quote!(body: impl Into<#t>), quote!(body.into()))
        }
        BodyKind::Json(t) => {
            let t = rust_type(t);
            (quote!(body: #t), quote!(body))
        }
        BodyKind::Binary => (quote!(body: impl Into<rt::bytes::Bytes>), quote!(body.into())),
        BodyKind::Text => (quote!(body: impl Into<String>), quote!(body.into())),
    })
}

/// Whether `t` names a model that is an alias of `Sensitive<_>`.
fn is_sensitive_alias(api: &Api, t: &TypeRef) -> bool {
    match t {
        TypeRef::Named(n) => api
            .types
            .iter()
            .any(|d| &d.name == n && matches!(&d.kind, crate::model::TypeKind::Alias(TypeRef::Sensitive(_)))),
        _ => false,
    }
}

/// The parameters type's body field and the builder's setter of an optional body.
#[derive(Default)]
struct BodyParts {
    field: TokenStream,
    setter: TokenStream,
}

/// The type a builder keeps a parameter in: `Sensitive<T>` for personal data, so the builder's
/// `Debug` hides it.
fn stored_type(p: &crate::model::Param) -> TokenStream {
    let t = rust_type(&p.ty);
    if p.sensitive {
        quote!(rt::Sensitive<#t>)
    } else {
        t
    }
}

fn body_parts(op: &Operation) -> BodyParts {
    let Some(body) = &op.body else { return BodyParts::default() };
    let t = match &body.kind {
        BodyKind::Json(t) => rust_type(t),
        BodyKind::Binary => quote!(rt::bytes::Bytes),
        BodyKind::Text => quote!(String),
    };
    // A body of personal data is kept as `Sensitive<T>`, so the request's `Debug` hides it.
    let stored = if body.sensitive { quote!(rt::Sensitive<#t>) } else { t.clone() };
    if body.required {
        return BodyParts { field: quote!(pub(crate) body: #stored,), setter: quote!() };
    }
    let set = if body.sensitive { quote!(rt::Sensitive::new(value)) } else { quote!(value) };
    let d = doc(&format!(
        "Sets the optional request body ({}).",
        match &body.kind {
            BodyKind::Json(t) => describe(t),
            BodyKind::Binary => format!("bytes, sent as {}", code(&body.media_type)),
            BodyKind::Text => "text".into(),
        }
    ));
    BodyParts {
        field: quote!(pub(crate) body: Option<#stored>,),
        setter: quote! { #d pub fn body(mut self, value: #t) -> Self { self.params_mut().body = Some(#set); self } },
    }
}

fn client_method(api: &Api, op: &Operation) -> TokenStream {
    let f = ident(&op.fn_name);
    let b = ident(&op.builder_name);
    let req = required_args(op);
    let mut args: Vec<TokenStream> = req
        .iter()
        .map(|p| {
            let n = ident(&p.rust_name);
            let t = arg_type(p);
            quote!(#n: #t)
        })
        .collect();
    let mut values: Vec<TokenStream> = req.iter().map(|p| arg_value(p)).collect();
    if let Some((a, v)) = body_arg(api, op) {
        args.push(a);
        values.push(v);
    }
    let summary = match &op.summary {
        Some(t) if !t.trim().is_empty() => end_sentence(&sanitize(t).replace('\n', " ")).to_owned(),
        _ => format!("The {} operation", code(&op.operation_id)),
    };
    let docs = doc(&format!(
        "{summary}: {}.\n\nReturns a [`{}`] request (its docs say the permission, auth and error codes): set optional parameters, then `.send().await`.",
        code(&format!("{} {}", op.method, op.path)),
        op.builder_name
    ));
    let dep = deprecated(op.deprecated);
    let params = params_literal(op, &values);
    quote! {
        #docs
        #dep
        pub fn #f(&self, #(#args),*) -> #b {
            super::Request::new(self.client.clone(), #params)
        }
    }
}

fn method_tokens(m: &str) -> TokenStream {
    let v = ident(match m {
        "GET" => "Get",
        "PUT" => "Put",
        "POST" => "Post",
        "DELETE" => "Delete",
        "OPTIONS" => "Options",
        "HEAD" => "Head",
        "PATCH" => "Patch",
        _ => "Trace",
    });
    quote!(rt::HttpMethod::#v)
}

fn meta_tokens(api: &Api, s: &Service, op: &Operation) -> TokenStream {
    let id = &op.operation_id;
    let service = &s.tag;
    let method = method_tokens(&op.method);
    let path = &op.path;
    let summary = op.summary.clone().unwrap_or_default();
    let permission = match op.permission.as_ref().and_then(|p| api.permissions.iter().find(|d| &d.permission == p)) {
        Some(def) => {
            let (m, c) = (ident(&def.module), ident(&def.const_name));
            quote!(Some(&crate::permissions::#m::#c))
        }
        None => quote!(None),
    };
    let auth = match &op.auth {
        Auth::None => quote!(rt::AuthKind::None),
        Auth::ApiKey { header } => quote!(rt::AuthKind::ApiKey { header: #header }),
        Auth::Bearer => quote!(rt::AuthKind::Bearer),
    };
    let error_codes = match api.error_registries.iter().find(|r| r.tag == s.tag) {
        Some(r) => {
            let m = ident(&r.module);
            quote!(Some(&crate::error_codes::#m::TABLE))
        }
        None => quote!(None),
    };
    let (deprecated, beta) = (op.deprecated, op.beta);
    quote! {
        &rt::OperationMeta {
            operation_id: #id,
            service: #service,
            method: #method,
            path_template: #path,
            summary: #summary,
            permission: #permission,
            auth: #auth,
            error_codes: #error_codes,
            deprecated: #deprecated,
            beta: #beta,
        }
    }
}

/// The request builder of an operation; `gate` is its `cfg` (on every item it emits).
/// The name of an operation's parameters type (`ListProcessInstancesParams`).
fn params_name(op: &Operation) -> proc_macro2::Ident {
    ident(&crate::model::params_type(&op.builder_name))
}

/// The literal of an operation's parameters: required ones from the client method's arguments
/// (`values`, in `required_args` order, then the body), optional ones `None`.
fn params_literal(op: &Operation, values: &[TokenStream]) -> TokenStream {
    let pn = params_name(op);
    let mut values = values.iter();
    let mut inits: Vec<TokenStream> = op
        .params
        .iter()
        .map(|p| {
            let n = ident(&p.rust_name);
            let value = if p.required { values.next() } else { None };
            match (p.required, value) {
                (true, Some(v)) if p.sensitive => quote!(#n: rt::Sensitive::new(#v)),
                (true, Some(v)) if n == v.to_string() => quote!(#n),
                (true, Some(v)) => quote!(#n: #v),
                _ => quote!(#n: None),
            }
        })
        .collect();
    if let Some(body) = &op.body {
        inits.push(match (body.required, values.next()) {
            (true, Some(v)) if body.sensitive => quote!(body: rt::Sensitive::new(#v)),
            (true, Some(v)) if v.to_string() == "body" => quote!(body),
            (true, Some(v)) => quote!(body: #v),
            _ => quote!(body: None),
        });
    }
    quote!(#pn { #(#inits),* })
}

/// One operation: its documented type (an alias of the runtime's generic `Request`), its
/// parameters type with the `Operation` impl (metadata, wire encoding, decoder), the page
/// accessors of a paged list, the setters of optional parameters, and any response enum. `gate`
/// is its `cfg` (on every item it emits).
fn builder(api: &Api, s: &Service, op: &Operation, registry: Option<&ErrorRegistry>, gate: TokenStream) -> TokenStream {
    let b = ident(&op.builder_name);
    let pn = params_name(op);
    let meta = meta_tokens(api, s, op);
    let fields = op.params.iter().map(|p| {
        let n = ident(&p.rust_name);
        let t = stored_type(p);
        if p.required {
            quote!(pub(crate) #n: #t,)
        } else {
            quote!(pub(crate) #n: Option<#t>,)
        }
    });
    let BodyParts { field: body_field, setter: body_setter, .. } = body_parts(op);
    let setters: Vec<TokenStream> = op
        .params
        .iter()
        .filter(|p| !p.required)
        .map(|p| {
            let n = ident(&p.rust_name);
            let mut text = match &p.description {
                Some(d) if !d.trim().is_empty() => sanitize(d),
                _ => format!("Sets the {} parameter.", code(&p.wire_name)),
            };
            let loc = match p.location {
                ParamLocation::Path => "path",
                ParamLocation::Query => "query",
                ParamLocation::Header => "header",
                ParamLocation::Cookie => "cookie",
            };
            text.push_str(&format!("\n\nThe {} {loc} parameter ({}).", code(&p.wire_name), describe(&p.ty)));
            if let Some(d) = &p.default {
                text.push_str(&format!(" Server default: {}.", code(d)));
            }
            let d = doc(&text);
            let dep = deprecated(p.deprecated);
            let wrap = |v: TokenStream| if p.sensitive { quote!(rt::Sensitive::new(#v)) } else { v };
            if is_stringy(&p.ty) {
                let v = wrap(quote!(value.into()));
                quote! { #d #dep pub fn #n(mut self, value: impl Into<String>) -> Self { self.params_mut().#n = Some(#v); self } }
            } else {
                let t = rust_type(&p.ty);
                let v = wrap(quote!(value));
                quote! { #d #dep pub fn #n(mut self, value: #t) -> Self { self.params_mut().#n = Some(#v); self } }
            }
        })
        .collect();
    let wire = op.params.iter().map(|p| {
        let n = ident(&p.rust_name);
        let w = &p.wire_name;
        // Personal values are marked, so prepared requests show them as `[redacted]`.
        let mark = if p.sensitive { quote!(.sensitive()) } else { quote!() };
        let value = if p.sensitive { quote!(self.#n.expose()) } else { quote!(&self.#n) };
        let add = match (p.location, p.required) {
            (ParamLocation::Path, _) if is_scalar(api, &p.ty) => quote!(.path_param(#value)),
            (ParamLocation::Path, _) => quote!(.path_param_json(#value)),
            (ParamLocation::Query, true) => quote!(.query(#w, Some(&self.#n))),
            (ParamLocation::Query, false) => quote!(.query(#w, self.#n.as_ref())),
            (ParamLocation::Header, true) => quote!(.header(#w, Some(&self.#n))),
            (ParamLocation::Header, false) => quote!(.header(#w, self.#n.as_ref())),
            (ParamLocation::Cookie, true) => quote!(.cookie(#w, Some(&self.#n))),
            (ParamLocation::Cookie, false) => quote!(.cookie(#w, self.#n.as_ref())),
        };
        quote!(#mark #add)
    });
    // The body as one call on the request, from `body` (a reference to the stored body).
    let body_call = op.body.as_ref().map(|body| {
        let mt = &body.media_type;
        let mark = if body.sensitive { quote!(.sensitive()) } else { quote!() };
        let inner = if body.sensitive { quote!(body.expose().clone()) } else { quote!(body.clone()) };
        match &body.kind {
            BodyKind::Json(_) => quote!(#mark .json_body(body)),
            BodyKind::Binary => quote!(#mark .bytes_body(#inner, #mt)),
            BodyKind::Text => quote!(#mark .bytes_body(rt::bytes::Bytes::from(#inner), #mt)),
        }
    });
    let success: Vec<&Response> = op.responses.iter().filter(|r| r.is_success()).collect();
    let accept = success
        .iter()
        .find_map(|r| r.body.as_ref().map(|b| b.media_type.clone()))
        .map(|mt| quote!(.accept(#mt)))
        .unwrap_or_default();
    let (ret, decoder, extra) = response_handling(op, &success);
    let extra = if extra.is_empty() { extra } else { quote!(#gate #extra) };
    // Streams need the `x-page` model (a paginated operation implies it).
    let paged = op.pagination.as_ref().zip(api.page.as_ref()).map(|(p, shape)| {
        let page = ident(&p.page_param);
        let item = rust_type(&p.item);
        let page_name = ident(&shape.type_name);
        let page_ty = op.params.iter().find(|q| q.rust_name == p.page_param).map(|q| q.ty.clone());
        let (first, set) = match page_ty {
            Some(TypeRef::I64) => (quote!(self.#page.unwrap_or(0)), quote!(Some(page))),
            Some(TypeRef::U64) => (
                quote!(self.#page.map(|p| i64::try_from(p).unwrap_or(i64::MAX)).unwrap_or(0)),
                quote!(Some(u64::try_from(page).unwrap_or(u64::MAX))),
            ),
            Some(TypeRef::U32) => {
                (quote!(self.#page.map(i64::from).unwrap_or(0)), quote!(Some(u32::try_from(page).unwrap_or(u32::MAX))))
            }
            _ => {
                (quote!(self.#page.map(i64::from).unwrap_or(0)), quote!(Some(i32::try_from(page).unwrap_or(i32::MAX))))
            }
        };
        quote! {
            #gate
            impl rt::Paged for #pn {
                type Item = #item;
                // Items are read one by one, so one that does not decode does not spoil its page.
                type Page = crate::models::#page_name<rt::Item<#item>>;
                fn page(&self) -> i64 {
                    #first
                }
                fn set_page(&mut self, page: i64) {
                    self.#page = #set;
                }
            }
        }
    });
    let mut text = super::facts::Facts::of(api, s, op, registry).markdown();
    let stream = if paged.is_some() {
        ", [`into_stream`](crate::operations::Request::into_stream) (every item across pages)"
    } else {
        ""
    };
    text.push_str(&format!(
        "\n\nCreated by `client.{}().{}(..)`; send it with [`send`](crate::operations::Request::send), \
         [`send_with_meta`](crate::operations::Request::send_with_meta) (with status and headers){stream} or \
         [`prepare`](crate::operations::Request::prepare) (a dry run). Per request: \
         [`query_param`](crate::operations::Request::query_param), [`header`](crate::operations::Request::header), \
         [`request_timeout`](crate::operations::Request::request_timeout).",
        s.module, op.fn_name
    ));
    let docs = doc(&text);
    let dep = deprecated(op.deprecated);
    let params_doc = doc(&format!("The parameters of [`{}`]: what the generic request sends.", op.builder_name));
    let setters_impl = if setters.is_empty() && body_setter.is_empty() {
        quote!()
    } else {
        quote! {
            #gate
            impl #b {
                #(#setters)*
                #body_setter
            }
        }
    };
    let chain = quote!(request #(#wire)* #accept);
    let encode = match (&op.body, body_call) {
        (Some(body), Some(call)) if body.required => quote! { let body = &self.body; #chain #call },
        (Some(_), Some(call)) => quote! {
            let request = #chain;
            match &self.body {
                Some(body) => request #call,
                None => request,
            }
        },
        _ => chain,
    };
    quote! {
        #docs
        #dep
        #gate
        pub type #b = super::Request<#pn>;

        #params_doc
        #[doc(hidden)]
        #gate
        #[derive(Debug, Clone)]
        pub struct #pn {
            #(#fields)*
            #body_field
        }

        #gate
        impl rt::Operation for #pn {
            type Output = #ret;
            type Decode = #decoder;
            const META: &'static rt::OperationMeta = #meta;
            fn encode(&self, request: rt::RequestBuilder) -> rt::RequestBuilder {
                #encode
            }
        }

        #paged
        #setters_impl
        #extra
    }
}

/// The decoder of one response body for statuses `lo..=hi`, and the type it returns.
fn decoder(body: Option<&crate::model::ResponseBody>, lo: u16, hi: u16) -> (TokenStream, TokenStream) {
    let range = if (lo, hi) == (200, 299) { quote!() } else { quote!(, #lo, #hi) };
    match body.map(|b| &b.kind) {
        Some(BodyKind::Json(t)) => {
            let t = rust_type(t);
            (t.clone(), quote!(rt::Json<#t #range>))
        }
        Some(BodyKind::Binary) => {
            let range = if range.is_empty() { quote!() } else { quote!(<#lo, #hi>) };
            (quote!(rt::ByteStream), quote!(rt::Download #range))
        }
        Some(BodyKind::Text) => {
            let range = if range.is_empty() { quote!() } else { quote!(<#lo, #hi>) };
            (quote!(String), quote!(rt::Text #range))
        }
        None => {
            let range = if range.is_empty() { quote!() } else { quote!(<#lo, #hi>) };
            (quote!(rt::EmptyResponse), quote!(rt::Empty #range))
        }
    }
}

/// The decoding expression of one response body inside a response enum's `decode`.
fn decode_expr(body: Option<&crate::model::ResponseBody>) -> TokenStream {
    match body.map(|b| &b.kind) {
        Some(BodyKind::Json(t)) => {
            let t = rust_type(t);
            quote!(response.json::<#t>().await?)
        }
        Some(BodyKind::Binary) => quote!(response.into_byte_stream()),
        Some(BodyKind::Text) => quote!(response.text().await?),
        None => quote!(response.into_empty()),
    }
}

/// Return type, decoder type, and any response enum (with its `Decode` impl) to declare.
fn response_handling(op: &Operation, success: &[&Response]) -> (TokenStream, TokenStream, TokenStream) {
    match (success, &op.response_enum) {
        ([one], _) => {
            let (lo, hi) = match one.status {
                Some(s) if s >= 300 => (300, 399),
                _ => (200, 299),
            };
            let (ty, dec) = decoder(one.body.as_ref(), lo, hi);
            (ty, dec, quote!())
        }
        (many, Some(name)) if !many.is_empty() => {
            let e = ident(name);
            let variants = many.iter().map(|r| {
                let v = ident(&r.variant);
                let (ty, _) = decoder(r.body.as_ref(), 200, 299);
                let d = doc(&format!("{}: {}", code(&r.status_key), sanitize(&r.description).replace('\n', " ")));
                quote!(#d #v(#ty),)
            });
            let arms = many.iter().filter_map(|r| {
                let v = ident(&r.variant);
                let expr = decode_expr(r.body.as_ref());
                let status = r.status?;
                Some(quote!(#status => Ok(#e::#v(#expr)),))
            });
            let d = doc(&format!("The documented success responses of `{}`.", op.operation_id));
            (
                quote!(#e),
                quote!(#e),
                quote! {
                    #d
                    #[derive(Debug)]
                    #[non_exhaustive]
                    pub enum #e {
                        #(#variants)*
                    }
                    impl rt::Decode for #e {
                        type Output = Self;
                        async fn decode(response: rt::Response) -> Result<Self, rt::Error> {
                            match response.status() {
                                #(#arms)*
                                _ => Err(response.unexpected().await),
                            }
                        }
                    }
                },
            )
        }
        // No documented success (or no enum): any status below 400, body discarded.
        _ => (quote!(rt::EmptyResponse), quote!(rt::Empty<200, 399>), quote!()),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::BUILDER_RESERVED;

    /// Every method and constant the runtime's generic `Request<P>` has (parameters' setters are
    /// inherent methods of the same type) is in `BUILDER_RESERVED`, so parameter names can never
    /// collide with them; read from the runtime's source.
    #[test]
    fn request_names_are_reserved_in_the_model() {
        let source = include_str!("../../runtime/src/operation.rs");
        let file = syn::parse_file(source).unwrap_or_else(|e| panic!("{e}"));
        let mut names = Vec::new();
        for it in super::super::runtime::inherent_items(&file, "Request") {
            match it {
                syn::ImplItem::Fn(f) => names.push(f.sig.ident.to_string()),
                syn::ImplItem::Const(c) => names.push(c.ident.to_string()),
                _ => {}
            }
        }
        assert!(names.len() >= 10, "{names:?}");
        for name in names {
            assert!(BUILDER_RESERVED.contains(&name.as_str()), "`{name}` is not in BUILDER_RESERVED");
        }
    }
}
