//! The document-level facts the runtime needs, read from the first server and from the extensions
//! `x-page`, `x-error-body` and `x-token-exchange` (documented in `spec/README.md`). A document
//! without them gets a crate without those features, never a guess.

use super::naming::{field_name, type_name, variant_name, NameScope};
use super::{
    Auth, BodyKind, ErrorBody, ModelField, PageShape, Server, ServerVariable, Service, TokenExchange, TypeDef,
    TypeKind, TypeRef,
};
use crate::diagnostics::{pointer, Diagnostic, Diagnostics};
use openapiv3::{OpenAPI, ReferenceOr, SecurityScheme};
use serde_json::Value;

/// `x-page` as written on a component schema (wire names).
#[derive(Debug, Clone)]
pub struct PageSpec {
    /// The schema key.
    pub key: String,
    /// Field holding the items (an array).
    pub items: String,
    /// Page-number field.
    pub number: Option<String>,
    /// Last-page flag.
    pub last: Option<String>,
    /// Page-count field.
    pub total_pages: Option<String>,
    /// Query parameter selecting the page.
    pub parameter: String,
}

fn str_field<'v>(map: &'v serde_json::Map<String, Value>, key: &str) -> Option<&'v str> {
    map.get(key).and_then(Value::as_str)
}

/// Finds the component schema marked `x-page` (at most one).
pub fn page_schema(spec: &OpenAPI, diags: &mut Diagnostics) -> Option<PageSpec> {
    let schemas = &spec.components.as_ref()?.schemas;
    let mut found: Option<PageSpec> = None;
    for (key, schema) in schemas {
        let ReferenceOr::Item(s) = schema else { continue };
        let Some(ext) = s.schema_data.extensions.get("x-page") else { continue };
        let ptr = pointer(&["components", "schemas", key, "x-page"]);
        let Some(map) = ext.as_object() else {
            diags.push(Diagnostic::error(&ptr, "must be a mapping: {items, number, last, total-pages, parameter}"));
            continue;
        };
        let Some(items) = str_field(map, "items") else {
            diags.push(Diagnostic::error(&ptr, "`items` must name the array field that holds the page's items"));
            continue;
        };
        if let Some(first) = &found {
            diags.push(Diagnostic::error(
                &ptr,
                format!("only one schema may be `x-page`; `{}` is one already", first.key),
            ));
            continue;
        }
        found = Some(PageSpec {
            key: key.clone(),
            items: items.to_owned(),
            number: str_field(map, "number").map(str::to_owned),
            last: str_field(map, "last").map(str::to_owned),
            total_pages: str_field(map, "total-pages").map(str::to_owned),
            parameter: str_field(map, "parameter").unwrap_or("page").to_owned(),
        });
    }
    found
}

/// Resolves the `x-page` fields against the built model type.
pub fn page_shape(page: PageSpec, types: &[TypeDef], diags: &mut Diagnostics) -> Option<PageShape> {
    let ptr = pointer(&["components", "schemas", &page.key, "x-page"]);
    let def = types.iter().find(|t| t.spec_name == page.key)?;
    let TypeKind::Struct { fields, .. } = &def.kind else {
        diags.push(Diagnostic::error(&ptr, "the `x-page` schema must be an object with properties"));
        return None;
    };
    let mut missing = false;
    let mut rust = |wire: &Option<String>, role: &str, ok: &dyn Fn(&TypeRef) -> bool| -> Option<String> {
        let wire = wire.as_ref()?;
        match fields.iter().find(|f| &f.wire_name == wire) {
            Some(f) if ok(&f.ty) => Some(f.rust_name.clone()),
            _ => {
                diags.push(Diagnostic::error(
                    &ptr,
                    format!("`{role}` names `{wire}`, which is not a suitable property"),
                ));
                missing = true;
                None
            }
        }
    };
    let integer = |t: &TypeRef| matches!(t, TypeRef::I32 | TypeRef::I64);
    let items = rust(&Some(page.items.clone()), "items", &|t| matches!(t, TypeRef::Vec(_)));
    let number = rust(&page.number, "number", &integer);
    let last = rust(&page.last, "last", &|t| *t == TypeRef::Bool);
    let total_pages = rust(&page.total_pages, "total-pages", &integer);
    if missing {
        return None;
    }
    Some(PageShape {
        spec_name: page.key,
        type_name: def.name.clone(),
        items: items?,
        number,
        last,
        total_pages,
        parameter: page.parameter,
    })
}

/// The first server and its variables.
pub fn server(spec: &OpenAPI, diags: &mut Diagnostics) -> Option<Server> {
    let server = spec.servers.first()?;
    let mut setters = NameScope::with_reserved(super::CLIENT_BUILDER_RESERVED);
    let mut type_names = NameScope::with_reserved(super::ROOT_RESERVED);
    let mut variables = Vec::new();
    for (name, var) in server.variables.iter().flatten() {
        let ptr = pointer(&["servers", "0", "variables", name]);
        if !server.url.contains(&format!("{{{name}}}")) {
            diags.push(Diagnostic::warning(&ptr, format!("`{name}` does not appear in the server URL; it is ignored")));
            continue;
        }
        let rust = match var.extensions.get("x-rust-name") {
            None => field_name(name),
            Some(Value::String(n))
                if !n.is_empty()
                    && n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                field_name(n)
            }
            Some(_) => {
                diags.push(Diagnostic::error(
                    format!("{ptr}/x-rust-name"),
                    "`x-rust-name` must be a snake_case Rust identifier (letters, digits and `_`)",
                ));
                field_name(name)
            }
        };
        let setter = setters.claim(rust);
        let choices = (!var.enumeration.is_empty()).then(|| {
            let mut variants = NameScope::default();
            let values = var.enumeration.iter().map(|v| (v.clone(), variants.claim(variant_name(v)))).collect();
            (type_names.claim(type_name(&setter)), values)
        });
        if !var.enumeration.is_empty() && !var.enumeration.contains(&var.default) {
            diags.push(Diagnostic::warning(&ptr, "`default` is not one of `enum`"));
        }
        variables.push(ServerVariable {
            name: name.clone(),
            setter,
            default: var.default.clone(),
            description: var.description.clone(),
            choices,
        });
    }
    Some(Server { url: server.url.clone(), variables })
}

/// The schema marked `x-error-body`, with its code and message fields.
pub fn error_body(spec: &OpenAPI, types: &[TypeDef], diags: &mut Diagnostics) -> Option<ErrorBody> {
    let schemas = &spec.components.as_ref()?.schemas;
    let mut found = None;
    for (key, schema) in schemas {
        let ReferenceOr::Item(s) = schema else { continue };
        let Some(ext) = s.schema_data.extensions.get("x-error-body") else { continue };
        let ptr = pointer(&["components", "schemas", key, "x-error-body"]);
        let Some(map) = ext.as_object() else {
            diags.push(Diagnostic::error(&ptr, "must be a mapping: {code: <property>, message: <property>}"));
            continue;
        };
        let Some(def) = types.iter().find(|t| &t.spec_name == key) else { continue };
        let TypeKind::Struct { fields, .. } = &def.kind else {
            diags.push(Diagnostic::error(&ptr, "the `x-error-body` schema must be an object with properties"));
            continue;
        };
        let mut field = |role: &str| -> Option<String> {
            let wire = str_field(map, role)?;
            if fields.iter().any(|f| f.wire_name == wire) {
                Some(wire.to_owned())
            } else {
                diags.push(Diagnostic::error(&ptr, format!("`{role}` names `{wire}`, which is not a property")));
                None
            }
        };
        let (code, message) = (field("code"), field("message"));
        if found.is_some() {
            diags.push(Diagnostic::error(&ptr, "only one schema may be `x-error-body`"));
            continue;
        }
        found = Some(ErrorBody { type_name: def.name.clone(), code, message });
    }
    found
}

/// `x-token-exchange` on a bearer security scheme.
pub fn token_exchange(
    spec: &OpenAPI,
    services: &[Service],
    types: &[TypeDef],
    diags: &mut Diagnostics,
) -> Option<TokenExchange> {
    let schemes = &spec.components.as_ref()?.security_schemes;
    let mut found = None;
    for (scheme, def) in schemes {
        let ReferenceOr::Item(def) = def else { continue };
        let extensions = match def {
            SecurityScheme::HTTP { extensions, .. }
            | SecurityScheme::OAuth2 { extensions, .. }
            | SecurityScheme::OpenIDConnect { extensions, .. } => extensions,
            SecurityScheme::APIKey { extensions, .. } => {
                if extensions.contains_key("x-token-exchange") {
                    let ptr = pointer(&["components", "securitySchemes", scheme, "x-token-exchange"]);
                    diags.push(Diagnostic::error(
                        ptr,
                        "belongs on the bearer scheme the exchange feeds, not on the API key",
                    ));
                }
                continue;
            }
        };
        let Some(ext) = extensions.get("x-token-exchange") else { continue };
        let ptr = pointer(&["components", "securitySchemes", scheme, "x-token-exchange"]);
        match exchange(scheme, ext, services, types) {
            Ok(t) if found.is_none() => found = Some(t),
            Ok(_) => diags.push(Diagnostic::error(&ptr, "only one scheme may have `x-token-exchange`")),
            Err(why) => diags.push(Diagnostic::error(&ptr, why)),
        }
    }
    found
}

fn exchange(scheme: &str, ext: &Value, services: &[Service], types: &[TypeDef]) -> Result<TokenExchange, String> {
    let map = ext.as_object().ok_or("must be a mapping: {operation, token, lifetime}")?;
    let operation_id =
        str_field(map, "operation").ok_or("`operation` must name the exchange operation's operationId")?;
    let (service, op) = services
        .iter()
        .find_map(|s| s.operations.iter().find(|o| o.operation_id == operation_id).map(|o| (s, o)))
        .ok_or_else(|| format!("no operation has operationId `{operation_id}`"))?;
    if !matches!(op.auth, Auth::ApiKey { .. }) {
        return Err(format!("`{operation_id}` must be secured by an API key scheme (header)"));
    }
    if op.params.iter().any(|p| p.required) || op.body.as_ref().is_some_and(|b| b.required) {
        return Err(format!("`{operation_id}` must take no required parameters or body"));
    }
    let success: Vec<_> = op.responses.iter().filter(|r| r.is_success()).collect();
    let model = match success.as_slice() {
        [one] => match one.body.as_ref().map(|b| &b.kind) {
            Some(BodyKind::Json(TypeRef::Named(name))) => name,
            _ => return Err(format!("`{operation_id}`'s success response must be a JSON object schema")),
        },
        _ => return Err(format!("`{operation_id}` must document exactly one success response")),
    };
    let Some(TypeDef { kind: TypeKind::Struct { fields, .. }, .. }) = types.iter().find(|t| &t.name == model) else {
        return Err(format!("`{operation_id}`'s response `{model}` must be an object with properties"));
    };
    let field = |role: &str, ok: &dyn Fn(&TypeRef) -> bool| -> Result<Option<ModelField>, String> {
        let Some(wire) = str_field(map, role) else { return Ok(None) };
        let f = fields
            .iter()
            .find(|f| f.wire_name == wire)
            .ok_or_else(|| format!("`{role}` names `{wire}`, which `{model}` does not have"))?;
        if !ok(&f.ty) {
            return Err(format!("`{role}` names `{wire}`, whose type does not fit"));
        }
        let options = u8::from(!f.required) + u8::from(f.nullable);
        Ok(Some(ModelField {
            wire_name: f.wire_name.clone(),
            rust_name: f.rust_name.clone(),
            ty: f.ty.clone(),
            options,
        }))
    };
    let token =
        field("token", &|t| *t == TypeRef::String)?.ok_or("`token` must name the response field holding the token")?;
    let lifetime = field("lifetime", &|t| matches!(t, TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64))?;
    Ok(TokenExchange {
        scheme: scheme.to_owned(),
        operation_id: operation_id.to_owned(),
        service_module: service.module.clone(),
        builder_name: op.builder_name.clone(),
        token,
        lifetime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_variables_become_setters_and_enums() {
        let spec: OpenAPI = serde_yaml::from_str(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nservers:\n  - url: 'https://{tenantId}.{region}.x.com'\n    variables:\n      tenantId: {default: t, x-rust-name: tenant}\n      region: {default: eu, enum: [eu, us-east]}\n      unused: {default: u}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut diags = Diagnostics::default();
        let server = server(&spec, &mut diags).unwrap_or_else(|| panic!("no server"));
        let names: Vec<_> = server.variables.iter().map(|v| v.setter.as_str()).collect();
        assert_eq!(names, ["tenant", "region"]);
        let (enum_name, values) = server.variables[1].choices.clone().unwrap_or_else(|| panic!("no enum"));
        assert_eq!(enum_name, "Region");
        assert_eq!(values[1], ("us-east".to_owned(), "UsEast".to_owned()));
        assert_eq!(diags.warnings().count(), 1);
    }
}
