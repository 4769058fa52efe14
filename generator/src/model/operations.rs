//! Paths → services and operations: parameters, bodies, responses, auth, permission, pagination.

use super::naming::{
    claim_across, command_name, feature_name, field_name, mocks_type, params_type, same, type_name, NameScope,
};
use super::registry::parse_permission;
use super::types::TypeBuilder;
use super::{
    split_path, Auth, Body, BodyKind, ErrorRegistry, Operation, Pagination, Param, ParamLocation, PathPiece, Response,
    ResponseBody, Service, TypeRef,
};
use crate::diagnostics::{pointer, Diagnostic, Diagnostics};
use heck::ToLowerCamelCase;
use indexmap::IndexMap;
use openapiv3::{
    APIKeyLocation, MediaType, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody, SchemaKind,
    SecurityRequirement, SecurityScheme, StatusCode, StringFormat, Type, VariantOrUnknownOrEmpty,
};

/// Groups operations by their first tag (untagged ones go to `default`).
pub fn build_services<'a>(
    spec: &'a OpenAPI,
    types: &mut TypeBuilder<'a>,
    registries: &[ErrorRegistry],
    diags: &mut Diagnostics,
) -> Vec<Service> {
    let mut by_tag: IndexMap<String, Vec<Operation>> = IndexMap::new();
    for t in &spec.tags {
        by_tag.insert(t.name.clone(), Vec::new());
    }
    let mut used_ids: IndexMap<String, String> = IndexMap::new();
    for (path, item) in &spec.paths.paths {
        let pptr = pointer(&["paths", path]);
        let item = match item {
            ReferenceOr::Item(i) => i,
            ReferenceOr::Reference { reference } => {
                diags.push(Diagnostic::warning(
                    &pptr,
                    format!(
                        "the path item `$ref: {reference}` points outside this document; its operations are skipped"
                    ),
                ));
                continue;
            }
        };
        for (method, op) in item.iter() {
            let optr = pointer(&["paths", path, method]);
            let tag = op.tags.first().cloned().unwrap_or_else(|| "default".to_string());
            let (operation_id, derived_id) = match &op.operation_id {
                Some(id) if !id.trim().is_empty() => (id.clone(), false),
                _ => {
                    let id = derive_operation_id(method, path);
                    diags.push(Diagnostic::warning(
                        &optr,
                        format!("no `operationId`; using `{id}` (add an operationId to keep the SDK name stable)"),
                    ));
                    (id, true)
                }
            };
            if let Some(first) = used_ids.get(&operation_id) {
                diags.push(Diagnostic::warning(
                    format!("{optr}/operationId"),
                    format!(
                        "duplicate operationId `{operation_id}` (also at {first}); this operation is skipped: make the ids unique"
                    ),
                ));
                continue;
            }
            used_ids.insert(operation_id.clone(), optr.clone());
            let registry = registries.iter().find(|r| r.tag == tag);
            // What the generator cannot express in one operation skips that operation, not the document.
            let mut local = Diagnostics::default();
            let built = OperationBuilder { spec, types, diags: &mut local, ptr: &optr, registry }.build(
                method,
                path,
                &item.parameters,
                op,
                operation_id.clone(),
                derived_id,
            );
            let skipped = local.has_errors();
            for d in local.0 {
                diags.push(match d.severity {
                    crate::diagnostics::Severity::Error => {
                        Diagnostic::warning(d.location, format!("{}; operation `{operation_id}` is skipped", d.message))
                    }
                    crate::diagnostics::Severity::Warning => d,
                });
            }
            if !skipped {
                by_tag.entry(tag).or_default().push(built);
            }
        }
    }
    // A service's module is also its accessor (of `Client` and `MockServer`), its Cargo feature,
    // its command and its test-kit type: one name, free in every scope.
    let mut modules: Vec<&str> = super::ACCESSOR_RESERVED.to_vec();
    modules.extend_from_slice(super::EXTERN_CRATES);
    let mut modules = NameScope::with_reserved(&modules);
    let mut features = NameScope::with_reserved(super::FEATURES_RESERVED);
    let mut commands = NameScope::with_reserved(super::COMMANDS_RESERVED);
    let mut mocks = NameScope::with_reserved(super::TEST_KIT_RESERVED);
    by_tag
        .into_iter()
        .filter(|(_, ops)| !ops.is_empty())
        .map(|(tag, mut operations)| {
            let description = spec.tags.iter().find(|t| t.name == tag).and_then(|t| t.description.clone());
            let module = claim_across(
                field_name(&tag),
                &mut [
                    (&mut modules, &[same]),
                    (&mut features, &[feature_name]),
                    (&mut commands, &[command_name]),
                    (&mut mocks, &[mocks_type]),
                ],
            );
            let client_name = format!("{}Client", type_name(&tag));
            name_operations(&mut operations, &client_name);
            Service {
                feature: feature_name(&module),
                error_enum: registries.iter().find(|r| r.tag == tag).map(|r| r.enum_name.clone()),
                client_name,
                module,
                tag,
                description,
                operations,
            }
        })
        .collect()
}

/// `get /pets/{petId}/toys` → `getPetsByPetIdToys`.
fn derive_operation_id(method: &str, path: &str) -> String {
    let mut words = vec![method.to_string()];
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(p) => {
                words.push("by".into());
                words.push(p.to_string());
            }
            None => words.push(seg.to_string()),
        }
    }
    words.join(" ").to_lower_camel_case()
}

/// Function and type names, unique within the service: a method of the service's client and of its
/// test-kit type (beside their `new` and `client`, and the methods of `Clone` and `Ord`, which clippy
/// will not see shadowed) and a command of the tool (beside clap's `help`); a request type and its
/// parameters type (beside the service's client type).
fn name_operations(ops: &mut [Operation], client_name: &str) {
    let mut fns = NameScope::with_reserved(&["new", "client", "clone", "cmp"]);
    let mut commands = NameScope::with_reserved(&["help"]);
    let mut types = NameScope::with_reserved(&[client_name]);
    for op in ops.iter_mut() {
        op.fn_name =
            claim_across(field_name(&op.operation_id), &mut [(&mut fns, &[same]), (&mut commands, &[command_name])]);
        op.builder_name = claim_across(type_name(&op.operation_id), &mut [(&mut types, &[same, params_type])]);
    }
    for op in ops.iter_mut() {
        if op.responses.iter().filter(|r| r.is_success()).count() > 1 {
            op.response_enum = Some(types.claim(format!("{}Response", op.builder_name)));
        }
    }
}

struct OperationBuilder<'a, 'b, 'c> {
    spec: &'a OpenAPI,
    types: &'b mut TypeBuilder<'a>,
    diags: &'c mut Diagnostics,
    ptr: &'c str,
    registry: Option<&'c ErrorRegistry>,
}

impl<'a> OperationBuilder<'a, '_, '_> {
    fn build(
        mut self,
        method: &str,
        path: &str,
        shared_params: &'a [ReferenceOr<Parameter>],
        op: &'a openapiv3::Operation,
        operation_id: String,
        derived_id: bool,
    ) -> Operation {
        let context = type_name(&operation_id);
        let params = self.params(path, shared_params, &op.parameters, &context);
        let body = op.request_body.as_ref().and_then(|b| self.body(b, &context));
        let mut responses = Vec::new();
        for (status, resp) in &op.responses.responses {
            let key = match status {
                StatusCode::Code(c) => c.to_string(),
                StatusCode::Range(r) => format!("{r}XX"),
            };
            let code = match status {
                StatusCode::Code(c) => Some(*c),
                StatusCode::Range(_) => None,
            };
            if let Some(r) = self.response(resp, &key, code, &context) {
                responses.push(r);
            }
        }
        if let Some(resp) = &op.responses.default {
            if let Some(r) = self.response(resp, "default", None, &context) {
                responses.push(r);
            }
        }
        let permission = match op.extensions.get("x-permission") {
            None => None,
            Some(v) => match v.as_str().and_then(parse_permission) {
                Some(p) => Some(p),
                None => {
                    self.diags.push(Diagnostic::error(
                        format!("{}/x-permission", self.ptr),
                        format!("`{v}` is not a permission: write the permission string, e.g. `orders:read`"),
                    ));
                    None
                }
            },
        };
        let beta = op.extensions.get("x-beta").and_then(|v| v.as_bool()).unwrap_or(false);
        let evidence = self.evidence(op);
        let auth = self.auth(op.security.as_ref().or(self.spec.security.as_ref()));
        let pagination = self.pagination(&params, &responses);
        Operation {
            operation_id,
            derived_id,
            method: method.to_uppercase(),
            path: path.to_string(),
            path_parts: split_path(path),
            fn_name: String::new(),
            builder_name: String::new(),
            response_enum: None,
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            beta,
            evidence,
            permission,
            auth,
            params,
            body,
            responses,
            pagination,
            pointer: self.ptr.to_string(),
        }
    }

    /// `x-evidence`: a non-empty list of non-empty strings (where the operation was seen).
    fn evidence(&mut self, op: &openapiv3::Operation) -> Vec<String> {
        let Some(value) = op.extensions.get("x-evidence") else { return Vec::new() };
        let ptr = format!("{}/x-evidence", self.ptr);
        let items = match value.as_array() {
            Some(items) if !items.is_empty() => items,
            _ => {
                self.diags.push(Diagnostic::error(
                    &ptr,
                    "must be a non-empty list of strings, each naming where the operation was seen",
                ));
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_str().map(str::trim) {
                Some(s) if !s.is_empty() => out.push(s.to_owned()),
                _ => self.diags.push(Diagnostic::error(
                    format!("{ptr}/{i}"),
                    "must be a non-empty string naming where the operation was seen",
                )),
            }
        }
        out
    }

    fn resolve_param(&mut self, p: &'a ReferenceOr<Parameter>, ptr: &str) -> Option<&'a Parameter> {
        match p {
            ReferenceOr::Item(p) => Some(p),
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix("#/components/parameters/")
                    .and_then(|k| self.spec.components.as_ref()?.parameters.get(k));
                match found {
                    Some(ReferenceOr::Item(p)) => Some(p),
                    _ => {
                        self.diags.push(Diagnostic::error(
                            ptr,
                            format!("`$ref: {reference}` does not resolve to an entry of #/components/parameters"),
                        ));
                        None
                    }
                }
            }
        }
    }

    fn params(
        &mut self,
        path: &str,
        shared: &'a [ReferenceOr<Parameter>],
        own: &'a [ReferenceOr<Parameter>],
        context: &str,
    ) -> Vec<Param> {
        let path_ptr = self.ptr.rsplit_once('/').map(|(p, _)| p.to_string()).unwrap_or_default();
        let mut merged: IndexMap<(String, &'static str), (&'a Parameter, String)> = IndexMap::new();
        for (i, p) in shared.iter().enumerate() {
            let ptr = format!("{path_ptr}/parameters/{i}");
            if let Some(p) = self.resolve_param(p, &ptr) {
                merged.insert((p.parameter_data_ref().name.clone(), location_key(p)), (p, ptr));
            }
        }
        for (i, p) in own.iter().enumerate() {
            let ptr = format!("{}/parameters/{i}", self.ptr);
            if let Some(p) = self.resolve_param(p, &ptr) {
                merged.insert((p.parameter_data_ref().name.clone(), location_key(p)), (p, ptr));
            }
        }
        let template: Vec<String> = split_path(path)
            .into_iter()
            .filter_map(|p| match p {
                PathPiece::Param(name) => Some(name),
                PathPiece::Literal(_) => None,
            })
            .collect();
        for name in &template {
            if !merged.contains_key(&(name.clone(), "path")) {
                self.diags.push(Diagnostic::error(
                    self.ptr,
                    format!("path parameter `{{{name}}}` is not declared; add it to `parameters` with `in: path`"),
                ));
            }
        }
        let mut scope = NameScope::with_reserved(super::BUILDER_RESERVED);
        let mut out: Vec<Param> = Vec::new();
        let mut ordered: Vec<&(&'a Parameter, String)> = Vec::new();
        for name in &template {
            if let Some(p) = merged.get(&(name.clone(), "path")) {
                ordered.push(p);
            }
        }
        ordered.extend(merged.iter().filter(|((_, loc), _)| *loc != "path").map(|(_, v)| v));
        for ((name, loc), (_, ptr)) in &merged {
            if *loc == "path" && !template.contains(name) {
                self.diags.push(Diagnostic::error(
                    ptr,
                    format!("path parameter `{name}` does not appear in the path template `{path}`"),
                ));
            }
        }
        for (p, ptr) in ordered {
            let location = match p {
                Parameter::Path { .. } => ParamLocation::Path,
                Parameter::Query { .. } => ParamLocation::Query,
                Parameter::Header { .. } => ParamLocation::Header,
                Parameter::Cookie { .. } => ParamLocation::Cookie,
            };
            let data = p.parameter_data_ref();
            let rust_name = match data.extensions.get("x-rust-name") {
                Some(v) => match v.as_str() {
                    Some(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                        field_name(s)
                    }
                    _ => {
                        self.diags.push(Diagnostic::error(
                            format!("{ptr}/x-rust-name"),
                            "`x-rust-name` must be a snake_case Rust identifier",
                        ));
                        field_name(&data.name)
                    }
                },
                None => field_name(&data.name),
            };
            let (ty, default) = match &data.format {
                ParameterSchemaOrContent::Schema(s) => {
                    let ctx = format!("{context}{}", type_name(&data.name));
                    let default = match s {
                        ReferenceOr::Item(s) => s.schema_data.default.as_ref().map(|d| d.to_string()),
                        ReferenceOr::Reference { .. } => None,
                    };
                    let ty = self.types.type_ref(s, &ctx, &format!("{ptr}/schema"), self.diags);
                    (unsigned_if_non_negative(ty, s), default)
                }
                ParameterSchemaOrContent::Content(_) => (TypeRef::String, None),
            };
            if location == ParamLocation::Path && matches!(ty, TypeRef::Vec(_) | TypeRef::Map(_) | TypeRef::JsonObject)
            {
                self.diags.push(Diagnostic::error(
                    ptr,
                    "array and object path parameters are not supported; declare the parameter as a string",
                ));
            }
            out.push(Param {
                wire_name: data.name.clone(),
                rust_name: scope.claim(rust_name),
                location,
                required: data.required || location == ParamLocation::Path,
                ty,
                description: data.description.clone(),
                deprecated: data.deprecated.unwrap_or(false),
                default,
                sensitive: super::types::marked_sensitive(&data.extensions),
            });
        }
        out
    }

    fn body(&mut self, body: &'a ReferenceOr<RequestBody>, context: &str) -> Option<Body> {
        let ptr = format!("{}/requestBody", self.ptr);
        let body = match body {
            ReferenceOr::Item(b) => b,
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix("#/components/requestBodies/")
                    .and_then(|k| self.spec.components.as_ref()?.request_bodies.get(k));
                match found {
                    Some(ReferenceOr::Item(b)) => b,
                    _ => {
                        self.diags.push(Diagnostic::error(
                            &ptr,
                            format!("`$ref: {reference}` does not resolve to an entry of #/components/requestBodies"),
                        ));
                        return None;
                    }
                }
            }
        };
        let (media_type, kind, sensitive) = self.media(&body.content, &format!("{context}Body"), &ptr)?;
        let sensitive = sensitive || super::types::marked_sensitive(&body.extensions);
        Some(Body { required: body.required, media_type, kind, description: body.description.clone(), sensitive })
    }

    /// Picks the media type to use: JSON first, then text, then anything (as bytes); and whether
    /// the body holds personal data or a secret (`x-sensitive` on its schema or a property of it).
    fn media(
        &mut self,
        content: &'a IndexMap<String, MediaType>,
        context: &str,
        ptr: &str,
    ) -> Option<(String, BodyKind, bool)> {
        let json = content.iter().find(|(k, _)| is_json(k));
        if let Some((mt, media)) = json {
            let mptr = format!("{ptr}/content/{}", crate::diagnostics::escape_token(mt));
            let sensitive = media.schema.as_ref().is_some_and(|s| self.types.holds_sensitive(s));
            let kind = match &media.schema {
                Some(ReferenceOr::Item(s)) if is_binary(s) => BodyKind::Binary,
                Some(s) => BodyKind::Json(self.types.type_ref(s, context, &format!("{mptr}/schema"), self.diags)),
                None => BodyKind::Json(TypeRef::Json),
            };
            return Some((mt.clone(), kind, sensitive));
        }
        let (mt, media) = content.first()?;
        let sensitive = media.schema.as_ref().is_some_and(|s| self.types.holds_sensitive(s));
        let textual =
            mt.starts_with("text/plain") && !matches!(&media.schema, Some(ReferenceOr::Item(s)) if is_binary(s));
        Some((mt.clone(), if textual { BodyKind::Text } else { BodyKind::Binary }, sensitive))
    }

    fn response(
        &mut self,
        resp: &'a ReferenceOr<openapiv3::Response>,
        key: &str,
        status: Option<u16>,
        context: &str,
    ) -> Option<Response> {
        let ptr = format!("{}/responses/{key}", self.ptr);
        let resp = match resp {
            ReferenceOr::Item(r) => r,
            ReferenceOr::Reference { reference } => {
                let found = reference
                    .strip_prefix("#/components/responses/")
                    .and_then(|k| self.spec.components.as_ref()?.responses.get(k));
                match found {
                    Some(ReferenceOr::Item(r)) => r,
                    _ => {
                        self.diags.push(Diagnostic::error(
                            &ptr,
                            format!("`$ref: {reference}` does not resolve to an entry of #/components/responses"),
                        ));
                        return None;
                    }
                }
            }
        };
        let is_success = matches!(status, Some(s) if (200..400).contains(&s));
        let body = if is_success {
            // A free-form result of personal data is `Sensitive<T>`; named types redact themselves.
            self.media(&resp.content, &format!("{context}Response{key}"), &ptr).map(|(media_type, kind, sensitive)| {
                let kind = match kind {
                    BodyKind::Json(t) if sensitive => BodyKind::Json(super::types::sensitive_type(t)),
                    other => other,
                };
                ResponseBody { media_type, kind }
            })
        } else {
            // Error bodies are decoded by the runtime's error type, not per operation.
            resp.content
                .first()
                .map(|(mt, _)| ResponseBody { media_type: mt.clone(), kind: BodyKind::Json(TypeRef::Json) })
        };
        let error_codes = self.error_codes(resp, &ptr);
        Some(Response {
            status,
            status_key: key.to_string(),
            description: resp.description.clone(),
            body,
            error_codes,
            variant: status.map(variant_for_status).unwrap_or_else(|| "Other".into()),
        })
    }

    fn error_codes(&mut self, resp: &openapiv3::Response, ptr: &str) -> Vec<(i64, Option<String>)> {
        let Some(list) = resp.extensions.get("x-error-codes") else { return Vec::new() };
        let lptr = format!("{ptr}/x-error-codes");
        let Some(items) = list.as_array() else {
            self.diags.push(Diagnostic::error(&lptr, "must be a list of codes (integers or {code, description})"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let (code, desc) = match item {
                serde_json::Value::Number(n) => (n.as_i64(), None),
                serde_json::Value::Object(m) => (
                    m.get("code").and_then(|c| c.as_i64()),
                    m.get("description").and_then(|d| d.as_str()).map(str::to_string),
                ),
                _ => (None, None),
            };
            let Some(code) = code else {
                self.diags.push(Diagnostic::error(format!("{lptr}/{i}"), "must be an integer or {code, description}"));
                continue;
            };
            match self.registry {
                Some(reg) if !reg.codes.iter().any(|c| c.code == code) => self.diags.push(Diagnostic::error(
                    format!("{lptr}/{i}"),
                    format!("code {code} is not defined in #/components/x-error-codes/{}; define it there", reg.tag),
                )),
                _ => {}
            }
            out.push((code, desc));
        }
        out
    }

    fn auth(&mut self, security: Option<&Vec<SecurityRequirement>>) -> Auth {
        let Some(reqs) = security else { return Auth::None };
        let schemes = self.spec.components.as_ref().map(|c| &c.security_schemes);
        for req in reqs {
            for name in req.keys() {
                match schemes.and_then(|s| s.get(name)) {
                    Some(ReferenceOr::Item(SecurityScheme::APIKey { location: APIKeyLocation::Header, name, .. })) => {
                        return Auth::ApiKey { header: name.clone() }
                    }
                    Some(ReferenceOr::Item(SecurityScheme::APIKey { .. })) => self.diags.push(Diagnostic::warning(
                        self.ptr,
                        format!("security scheme `{name}` sends the API key outside a header, which is not supported; pass it with `.query_param(..)`"),
                    )),
                    Some(ReferenceOr::Item(SecurityScheme::HTTP { .. }))
                    | Some(ReferenceOr::Item(SecurityScheme::OAuth2 { .. }))
                    | Some(ReferenceOr::Item(SecurityScheme::OpenIDConnect { .. })) => return Auth::Bearer,
                    _ => self.diags.push(Diagnostic::warning(
                        self.ptr,
                        format!("security scheme `{name}` is not defined in #/components/securitySchemes; it is ignored"),
                    )),
                }
            }
        }
        Auth::None
    }

    fn pagination(&self, params: &[Param], responses: &[Response]) -> Option<Pagination> {
        let page = params.iter().find(|p| {
            p.location == ParamLocation::Query
                && Some(p.wire_name.as_str()) == self.types.page_parameter()
                && matches!(p.ty, TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64)
        })?;
        let mut success = responses.iter().filter(|r| r.is_success());
        let only = success.next()?;
        if success.next().is_some() {
            return None;
        }
        let Some(ResponseBody { kind: BodyKind::Json(ty), .. }) = &only.body else { return None };
        let item = self.types.page_item(ty)?;
        Some(Pagination { page_param: page.rust_name.clone(), item })
    }
}

/// An integer parameter that cannot be negative takes the unsigned type (`page`, `size`).
fn unsigned_if_non_negative(ty: TypeRef, schema: &ReferenceOr<openapiv3::Schema>) -> TypeRef {
    let ReferenceOr::Item(openapiv3::Schema {
        schema_kind: openapiv3::SchemaKind::Type(openapiv3::Type::Integer(int)),
        ..
    }) = schema
    else {
        return ty;
    };
    match (ty, int.minimum) {
        (TypeRef::I32, Some(min)) if min >= 0 => TypeRef::U32,
        (TypeRef::I64, Some(min)) if min >= 0 => TypeRef::U64,
        (ty, _) => ty,
    }
}

fn location_key(p: &Parameter) -> &'static str {
    match p {
        Parameter::Path { .. } => "path",
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Cookie { .. } => "cookie",
    }
}

fn is_json(media_type: &str) -> bool {
    let base = media_type.split(';').next().unwrap_or_default().trim();
    base == "application/json" || base.ends_with("+json") || base == "*/*"
}

fn is_binary(s: &openapiv3::Schema) -> bool {
    matches!(
        &s.schema_kind,
        SchemaKind::Type(Type::String(st)) if matches!(&st.format, VariantOrUnknownOrEmpty::Item(StringFormat::Binary))
    )
}

fn variant_for_status(code: u16) -> String {
    match code {
        200 => "Ok".into(),
        201 => "Created".into(),
        202 => "Accepted".into(),
        203 => "NonAuthoritativeInformation".into(),
        204 => "NoContent".into(),
        205 => "ResetContent".into(),
        206 => "PartialContent".into(),
        300 => "MultipleChoices".into(),
        301 => "MovedPermanently".into(),
        302 => "Found".into(),
        303 => "SeeOther".into(),
        304 => "NotModified".into(),
        307 => "TemporaryRedirect".into(),
        308 => "PermanentRedirect".into(),
        other => format!("Status{other}"),
    }
}
