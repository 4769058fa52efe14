//! Operations → `src/operations/<service>.rs` (client, request builders, response enums) and
//! `src/operations/mod.rs` (client accessors and the table of all operations).

use super::docs::{code, deprecated, doc, end_sentence, inner_doc, sanitize};
use super::types::{describe, ident, is_scalar, rust_type};
use crate::model::{
    Api, Auth, BodyKind, ErrorRegistry, Operation, Param, ParamLocation, PathPiece, Response, Service, TypeRef,
};
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
                #m::#c::new(self.clone())
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
    quote! {
        #header
        #![allow(deprecated)]
        #(#mods)*

        impl crate::runtime::Client {
            #(#accessors)*
        }

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

/// The function the runtime calls to exchange the API key for a bearer token: the generated
/// exchange operation, and the token and lifetime read from its generated response model.
fn token_exchange_fn(api: &Api, s: &Service) -> TokenStream {
    let Some(t) = api.token_exchange.as_ref().filter(|t| t.service_module == s.module) else {
        return quote!();
    };
    let b = ident(&t.builder_name);
    let tok = ident(&t.token.rust_name);
    let token = match t.token.options {
        0 => quote!(issued.#tok),
        n => {
            let flatten = if n == 2 { quote!(.flatten()) } else { quote!() };
            let missing = format!("the `{}` response has no token", t.operation_id);
            quote!(issued.#tok #flatten .ok_or_else(|| crate::runtime::Error::auth(#missing))?)
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
            client: crate::runtime::Client,
        ) -> crate::runtime::BoxFuture<'static, Result<crate::runtime::IssuedCredential, crate::runtime::Error>> {
            Box::pin(async move {
                let issued = #b::new(client).send().await?;
                Ok(crate::runtime::IssuedCredential { token: #token, lifetime: #lifetime })
            })
        }
    }
}

/// The operation's rustdoc, on its builder (the client method links to it).
fn operation_doc(api: &Api, s: &Service, op: &Operation, registry: Option<&ErrorRegistry>) -> String {
    let mut parts = Vec::new();
    parts.push(match &op.summary {
        Some(t) if !t.trim().is_empty() => sanitize(t),
        _ => format!("The {} operation.", code(&op.operation_id)),
    });
    if let Some(d) = &op.description {
        let d = sanitize(d);
        if !d.is_empty() && Some(&d) != parts.first() {
            parts.push(d);
        }
    }
    let mut facts = vec![format!("- **HTTP:** {}", code(&format!("{} {}", op.method, op.path)))];
    facts.push(format!("- **Operation id:** {}", code(&op.operation_id)));
    match &op.permission {
        Some(p) => {
            let def = api.permissions.iter().find(|d| &d.permission == p);
            let link = def
                .map(|d| format!(" ([`{m}::{c}`](crate::permissions::{m}::{c}))", m = d.module, c = d.const_name))
                .unwrap_or_default();
            facts.push(format!("- **Permission:** {}{link}", code(&p.template)));
        }
        None => facts.push("- **Permission:** none documented".into()),
    }
    facts.push(format!(
        "- **Auth:** {}",
        match &op.auth {
            Auth::None => "none".into(),
            Auth::ApiKey { header } => format!("API key ({} header)", code(header)),
            Auth::Bearer => "bearer token".into(),
        }
    ));
    if op.deprecated {
        facts.push("- **Deprecated** in the API description.".into());
    }
    if op.beta {
        facts.push("- **Beta** in the API description.".into());
    }
    parts.push(facts.join("\n"));
    let mut responses = vec!["# Responses".to_string(), String::new()];
    for r in &op.responses {
        let description = sanitize(&r.description).replace('\n', " ");
        let mut line = format!("- {}: {}", code(&r.status_key), end_sentence(&description));
        if let Some(b) = &r.body {
            if r.is_success() {
                line.push_str(&format!(" ({})", body_desc(&b.kind, &b.media_type)));
            }
        }
        if !r.error_codes.is_empty() {
            let codes: Vec<String> = r
                .error_codes
                .iter()
                .map(|(c, desc)| {
                    let def = registry.and_then(|reg| reg.codes.iter().find(|d| d.code == *c).map(|d| (reg, d)));
                    let name = match def {
                        Some((reg, d)) => {
                            format!("[`{}`](crate::error_codes::{}::{})", d.variant, reg.enum_name, d.variant)
                        }
                        None => "code".into(),
                    };
                    match desc {
                        Some(desc) => format!("{name} ({c}: {})", sanitize(desc).replace('\n', " ")),
                        None => format!("{name} ({c})"),
                    }
                })
                .collect();
            line.push_str(&format!(". Error codes: {}", codes.join(", ")));
        }
        responses.push(line);
    }
    if s.error_enum.is_some() && op.responses.iter().any(|r| !r.error_codes.is_empty()) {
        responses.push(String::new());
        responses.push("A documented code is available as `err.error_code()` on the returned error.".into());
    }
    parts.push(responses.join("\n"));
    parts.join("\n\n")
}

fn body_desc(kind: &BodyKind, media: &str) -> String {
    match kind {
        BodyKind::Json(t) => describe(t),
        BodyKind::Binary => format!("bytes, {}", code(media)),
        BodyKind::Text => "text".into(),
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
        BodyKind::Binary => (quote!(body: impl Into<bytes::Bytes>), quote!(body.into())),
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

/// The builder's pieces for the request body: field, constructor argument, initialiser, setter.
#[derive(Default)]
struct BodyParts {
    field: TokenStream,
    new_arg: Option<TokenStream>,
    init: Option<TokenStream>,
    setter: TokenStream,
}

/// The type a builder keeps a parameter in: `Sensitive<T>` for personal data, so the builder's
/// `Debug` hides it.
fn stored_type(p: &crate::model::Param) -> TokenStream {
    let t = rust_type(&p.ty);
    if p.sensitive {
        quote!(crate::runtime::Sensitive<#t>)
    } else {
        t
    }
}

fn body_parts(op: &Operation) -> BodyParts {
    let Some(body) = &op.body else { return BodyParts::default() };
    let t = match &body.kind {
        BodyKind::Json(t) => rust_type(t),
        BodyKind::Binary => quote!(bytes::Bytes),
        BodyKind::Text => quote!(String),
    };
    // A body of personal data is kept as `Sensitive<T>`, so the builder's `Debug` hides it.
    let stored = if body.sensitive { quote!(crate::runtime::Sensitive<#t>) } else { t.clone() };
    let wrap = |v: TokenStream| if body.sensitive { quote!(crate::runtime::Sensitive::new(#v)) } else { v };
    if body.required {
        return BodyParts {
            field: quote!(body: #stored,),
            new_arg: Some(quote!(body: #t)),
            init: Some(if body.sensitive { quote!(body: crate::runtime::Sensitive::new(body)) } else { quote!(body) }),
            setter: quote!(),
        };
    }
    let set = wrap(quote!(value));
    let d = doc(&format!(
        "Sets the optional request body ({}).",
        match &body.kind {
            BodyKind::Json(t) => describe(t),
            BodyKind::Binary => format!("bytes, sent as {}", code(&body.media_type)),
            BodyKind::Text => "text".into(),
        }
    ));
    BodyParts {
        field: quote!(body: Option<#stored>,),
        new_arg: None,
        init: Some(quote!(body: None)),
        setter: quote! { #d pub fn body(mut self, value: #t) -> Self { self.body = Some(#set); self } },
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
    quote! {
        #docs
        #dep
        pub fn #f(&self, #(#args),*) -> #b {
            #b::new(self.client.clone(), #(#values),*)
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
    quote!(crate::runtime::HttpMethod::#v)
}

fn meta_tokens(api: &Api, s: &Service, op: &Operation) -> TokenStream {
    let id = &op.operation_id;
    let service = &s.tag;
    let method = method_tokens(&op.method);
    let path = &op.path;
    let parts = op.path_parts.iter().map(|part| match part {
        PathPiece::Literal(text) => quote!(crate::runtime::PathPart::Literal(#text)),
        PathPiece::Param(name) => quote!(crate::runtime::PathPart::Param(#name)),
    });
    let summary = op.summary.clone().unwrap_or_default();
    let permission = match op.permission.as_ref().and_then(|p| api.permissions.iter().find(|d| &d.permission == p)) {
        Some(def) => {
            let (m, c) = (ident(&def.module), ident(&def.const_name));
            quote!(Some(&crate::permissions::#m::#c))
        }
        None => quote!(None),
    };
    let auth = match &op.auth {
        Auth::None => quote!(crate::runtime::AuthKind::None),
        Auth::ApiKey { header } => quote!(crate::runtime::AuthKind::ApiKey { header: #header }),
        Auth::Bearer => quote!(crate::runtime::AuthKind::Bearer),
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
        &crate::runtime::OperationMeta {
            operation_id: #id,
            service: #service,
            method: #method,
            path_template: #path,
            path: &[#(#parts),*],
            summary: #summary,
            permission: #permission,
            auth: #auth,
            error_codes: #error_codes,
            deprecated: #deprecated,
            beta: #beta,
        }
    }
}

/// The Rust type a response body decodes to, and the expression that decodes it from `response`.
fn decode(body: Option<&crate::model::ResponseBody>) -> (TokenStream, TokenStream) {
    match body.map(|b| &b.kind) {
        Some(BodyKind::Json(t)) => {
            let t = rust_type(t);
            (t.clone(), quote!(response.json::<#t>().await?))
        }
        Some(BodyKind::Binary) => (quote!(crate::runtime::ByteStream), quote!(response.into_byte_stream())),
        Some(BodyKind::Text) => (quote!(String), quote!(response.text().await?)),
        None => (quote!(crate::runtime::EmptyResponse), quote!(response.into_empty())),
    }
}

/// The request builder of an operation; `gate` is its `cfg` (on every item it emits).
fn builder(api: &Api, s: &Service, op: &Operation, registry: Option<&ErrorRegistry>, gate: TokenStream) -> TokenStream {
    let b = ident(&op.builder_name);
    let meta = meta_tokens(api, s, op);
    let req = required_args(op);
    let fields = op.params.iter().map(|p| {
        let n = ident(&p.rust_name);
        let t = stored_type(p);
        if p.required {
            quote!(#n: #t,)
        } else {
            quote!(#n: Option<#t>,)
        }
    });
    let BodyParts { field: body_field, new_arg: body_arg, init: body_init, setter: body_setter } = body_parts(op);
    let mut new_args: Vec<TokenStream> = req
        .iter()
        .map(|p| {
            let n = ident(&p.rust_name);
            let t = rust_type(&p.ty);
            quote!(#n: #t)
        })
        .collect();
    let mut inits: Vec<TokenStream> = op
        .params
        .iter()
        .map(|p| {
            let n = ident(&p.rust_name);
            match (p.required, p.sensitive) {
                (true, true) => quote!(#n: crate::runtime::Sensitive::new(#n)),
                (true, false) => quote!(#n),
                (false, _) => quote!(#n: None),
            }
        })
        .collect();
    new_args.extend(body_arg);
    inits.extend(body_init);
    let setters = op.params.iter().filter(|p| !p.required).map(|p| {
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
        let wrap = |v: TokenStream| if p.sensitive { quote!(crate::runtime::Sensitive::new(#v)) } else { v };
        if is_stringy(&p.ty) {
            let v = wrap(quote!(value.into()));
            quote! { #d #dep pub fn #n(mut self, value: impl Into<String>) -> Self { self.#n = Some(#v); self } }
        } else {
            let t = rust_type(&p.ty);
            let v = wrap(quote!(value));
            quote! { #d #dep pub fn #n(mut self, value: #t) -> Self { self.#n = Some(#v); self } }
        }
    });
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
    let body_wire = match &op.body {
        None => quote!(),
        Some(body) => {
            let mt = &body.media_type;
            let (mark, inner) = if body.sensitive {
                (quote!(.sensitive()), quote!(body.expose().clone()))
            } else {
                (quote!(), quote!(body.clone()))
            };
            let send_one = match &body.kind {
                BodyKind::Json(_) => quote!(request #mark .json_body(body)),
                BodyKind::Binary => quote!(request #mark .bytes_body(#inner, #mt)),
                BodyKind::Text => quote!(request #mark .bytes_body(bytes::Bytes::from(#inner), #mt)),
            };
            if body.required {
                quote! { let body = &self.body; let request = #send_one; }
            } else {
                quote! { let request = match &self.body { Some(body) => #send_one, None => request }; }
            }
        }
    };
    let success: Vec<&Response> = op.responses.iter().filter(|r| r.is_success()).collect();
    let accept = success
        .iter()
        .find_map(|r| r.body.as_ref().map(|b| b.media_type.clone()))
        .map(|mt| quote!(let request = request.accept(#mt);))
        .unwrap_or_default();
    let (ret, matching, extra) = response_handling(op, &success);
    let extra = if extra.is_empty() { extra } else { quote!(#gate #extra) };
    // Streams need the `x-page` model (a paginated operation implies it).
    let pagination = op.pagination.as_ref().zip(api.page.as_ref()).map(|(p, shape)| {
        let page = ident(&p.page_param);
        let item = rust_type(&p.item);
        // Items are read one by one, so one that does not decode does not spoil its page.
        let page_name = ident(&shape.type_name);
        let page_items = quote!(crate::models::#page_name<crate::runtime::Item<#item>>);
        let page_ty = op.params.iter().find(|q| q.rust_name == p.page_param).map(|q| q.ty.clone());
        let (first, set) = match page_ty {
            Some(TypeRef::I64) => (quote!(self.#page.unwrap_or(0)), quote!(Some(page))),
            Some(TypeRef::U64) => (
                quote!(self.#page.map(|p| i64::try_from(p).unwrap_or(i64::MAX)).unwrap_or(0)),
                quote!(Some(u64::try_from(page).unwrap_or(u64::MAX))),
            ),
            Some(TypeRef::U32) => (
                quote!(self.#page.map(i64::from).unwrap_or(0)),
                quote!(Some(u32::try_from(page).unwrap_or(u32::MAX))),
            ),
            _ => (quote!(self.#page.map(i64::from).unwrap_or(0)), quote!(Some(i32::try_from(page).unwrap_or(i32::MAX)))),
        };
        let d = doc(&format!(
            "Streams every item across pages, starting at the `{}` set on this request (or 0), until the last page.\n\n\
             Each page is one request with this request's other parameters. Stop early by dropping the stream or with `into_stream_capped`.",
            p.page_param
        ));
        let d2 = doc("Like `into_stream`, but stops after `max_items` items (and fetches no page beyond them).");
        quote! {
            #d
            pub fn into_stream(self) -> crate::runtime::PageStream<#item> {
                self.stream(None)
            }
            #d2
            pub fn into_stream_capped(self, max_items: usize) -> crate::runtime::PageStream<#item> {
                self.stream(Some(max_items))
            }
            fn stream(self, max_items: Option<usize>) -> crate::runtime::PageStream<#item> {
                let first = #first;
                crate::runtime::paginate(Self::META.operation_id, first, max_items, move |page| {
                    let mut request = self.clone();
                    request.#page = #set;
                    async move {
                        let response = request.dispatch().await?;
                        match response.status() {
                            status @ 200..=299 => Ok((status, response.json::<#page_items>().await?)),
                            _ => Err(response.unexpected().await),
                        }
                    }
                })
            }
        }
    });
    let mut text = operation_doc(api, s, op, registry);
    text.push_str(&format!("\n\nCreated by `client.{}().{}(..)`.", s.module, op.fn_name));
    let docs = doc(&text);
    let dep = deprecated(op.deprecated);
    let meta_doc = doc("This operation's metadata: id, method, path template, permission, deprecation.");
    let query_doc = doc("Adds a query parameter the spec does not declare (sent after the declared ones).");
    let header_doc = doc("Adds a request header the spec does not declare.");
    let timeout_doc = doc("Sets the timeout of each attempt of this request, overriding the client's.");
    let send_doc = doc("Sends the request; retries, authentication and error decoding are handled by the client.");
    let prepare_doc =
        doc("The request as it would be sent (a dry run): method, URL, headers with credentials redacted, body.");
    let send_meta_doc = doc("Like `send`, and keeps the response's status, headers and request id with the value.");
    quote! {
        #docs
        #dep
        #gate
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until `.send().await`"]
        pub struct #b {
            client: crate::runtime::Client,
            #(#fields)*
            #body_field
            options: crate::runtime::RequestOptions,
        }

        #gate
        impl #b {
            #meta_doc
            pub const META: &'static crate::runtime::OperationMeta = #meta;

            fn new(client: crate::runtime::Client, #(#new_args),*) -> Self {
                Self { client, #(#inits,)* options: crate::runtime::RequestOptions::default() }
            }

            #(#setters)*
            #body_setter

            #query_doc
            pub fn query_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.options.add_query(name, value);
                self
            }

            #header_doc
            pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.options.add_header(name, value);
                self
            }

            #timeout_doc
            pub fn request_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.options.set_timeout(timeout);
                self
            }

            #send_doc
            pub async fn send(self) -> Result<#ret, crate::runtime::Error> {
                Self::decode(self.dispatch().await?).await
            }

            #send_meta_doc
            pub async fn send_with_meta(self) -> Result<crate::runtime::ResponseValue<#ret>, crate::runtime::Error> {
                let response = self.dispatch().await?;
                let (status, headers) = (response.status(), response.headers().clone());
                let value = Self::decode(response).await?;
                Ok(crate::runtime::ResponseValue::new(status, headers, value))
            }

            #prepare_doc
            pub fn prepare(self) -> Result<crate::runtime::PreparedRequest, crate::runtime::Error> {
                self.build_request().prepare()
            }

            fn build_request(self) -> crate::runtime::RequestBuilder {
                let request = self.client.request(Self::META) #(#wire)*;
                #body_wire
                #accept
                request.options(self.options)
            }

            async fn dispatch(self) -> Result<crate::runtime::Response, crate::runtime::Error> {
                self.build_request().send().await
            }

            async fn decode(response: crate::runtime::Response) -> Result<#ret, crate::runtime::Error> {
                #matching
            }

            #pagination
        }

        #extra
    }
}

/// Return type, the `match` on the status, and any response enum to declare.
fn response_handling(op: &Operation, success: &[&Response]) -> (TokenStream, TokenStream, TokenStream) {
    match (success, &op.response_enum) {
        ([], _) => (quote!(crate::runtime::EmptyResponse), quote!(Ok(response.into_empty())), quote!()),
        ([one], _) => {
            let (ty, expr) = decode(one.body.as_ref());
            let range = match one.status {
                Some(s) if s >= 300 => quote!(300..=399),
                _ => quote!(200..=299),
            };
            (
                ty,
                quote! {
                    match response.status() {
                        #range => Ok(#expr),
                        _ => Err(response.unexpected().await),
                    }
                },
                quote!(),
            )
        }
        (many, Some(name)) => {
            let e = ident(name);
            let variants = many.iter().map(|r| {
                let v = ident(&r.variant);
                let (ty, _) = decode(r.body.as_ref());
                let d = doc(&format!("{}: {}", code(&r.status_key), sanitize(&r.description).replace('\n', " ")));
                quote!(#d #v(#ty),)
            });
            let arms = many.iter().filter_map(|r| {
                let v = ident(&r.variant);
                let (_, expr) = decode(r.body.as_ref());
                let status = r.status?;
                Some(quote!(#status => Ok(#e::#v(#expr)),))
            });
            let d = doc(&format!("The documented success responses of `{}`.", op.operation_id));
            (
                quote!(#e),
                quote! {
                    match response.status() {
                        #(#arms)*
                        _ => Err(response.unexpected().await),
                    }
                },
                quote! {
                    #d
                    #[derive(Debug)]
                    #[non_exhaustive]
                    pub enum #e {
                        #(#variants)*
                    }
                },
            )
        }
        (_, None) => (quote!(crate::runtime::EmptyResponse), quote!(Ok(response.into_empty())), quote!()),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::BUILDER_RESERVED;

    /// Every method and field a builder gets that is not a parameter is in `BUILDER_RESERVED`, so
    /// parameter names can never collide with them.
    #[test]
    fn builder_names_are_reserved_in_the_model() {
        let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /p:\n    post:\n      operationId: op\n      requestBody:\n        content:\n          application/json:\n            schema: {type: object}\n      responses:\n        '204': {description: ok}\n";
        let options = crate::Options {
            crate_name: Some("t".into()),
            crate_version: "0.1.0".into(),
            spec_label: "t".into(),
            strict: true,
        };
        let generated = crate::generate(spec.as_bytes(), &options).unwrap_or_else(|e| panic!("{e:?}"));
        let src = &generated.files["src/operations/default.rs"];
        let file = syn::parse_file(src.split_once("\n\n").map_or(src.as_str(), |(_, rest)| rest))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut names = Vec::new();
        for item in &file.items {
            match item {
                syn::Item::Impl(i) if matches!(&*i.self_ty, syn::Type::Path(p) if p.path.is_ident("Op")) => {
                    for it in &i.items {
                        match it {
                            syn::ImplItem::Fn(f) => names.push(f.sig.ident.to_string()),
                            syn::ImplItem::Const(c) => names.push(c.ident.to_string()),
                            _ => {}
                        }
                    }
                }
                syn::Item::Struct(st) if st.ident == "Op" => {
                    names.extend(st.fields.iter().filter_map(|f| f.ident.as_ref().map(|i| i.to_string())));
                }
                _ => {}
            }
        }
        assert!(names.len() >= 8, "{names:?}");
        for name in names {
            assert!(BUILDER_RESERVED.contains(&name.as_str()), "`{name}` is not in BUILDER_RESERVED");
        }
    }
}
