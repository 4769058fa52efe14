//! Permissions (`x-permission`) and per-service error-code registries (`components.x-error-codes`).

use super::naming::{const_name, field_name, type_name, variant_name, NameScope};
use super::{ErrorCodeDef, ErrorRegistry, PermissionDef, PermissionRef, Scope, Service};
use crate::diagnostics::{pointer, Diagnostic, Diagnostics};
use openapiv3::OpenAPI;
use std::collections::BTreeMap;

/// Parses `TNT#{tenant}#Service:action` or `SYS#Service:action`.
pub fn parse_permission(raw: &str) -> Option<PermissionRef> {
    let (scope, rest) = if let Some(rest) = raw.strip_prefix("TNT#") {
        let (tenant, rest) = rest.split_once('#')?;
        if !(tenant.starts_with('{') && tenant.ends_with('}')) {
            return None;
        }
        (Scope::Tenant, rest)
    } else if let Some(rest) = raw.strip_prefix("SYS#") {
        (Scope::System, rest)
    } else {
        return None;
    };
    let (service, action) = rest.split_once(':')?;
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ident(service) || !ident(action) {
        return None;
    }
    Some(PermissionRef { scope, service: service.into(), action: action.into(), template: raw.into() })
}

/// Reads `components.x-error-codes`: `{<tag>: {"<code>": {name, description}}}`.
pub fn error_registries(spec: &OpenAPI, diags: &mut Diagnostics) -> Vec<ErrorRegistry> {
    let Some(ext) = spec.components.as_ref().and_then(|c| c.extensions.get("x-error-codes")) else {
        return Vec::new();
    };
    let base = pointer(&["components", "x-error-codes"]);
    let Some(services) = ext.as_object() else {
        diags.push(Diagnostic::error(&base, "must be a mapping from service tag to a mapping of codes"));
        return Vec::new();
    };
    let mut enum_names = NameScope::default();
    let mut out = Vec::new();
    for (tag, codes) in services {
        let sptr = pointer(&["components", "x-error-codes", tag]);
        let Some(codes) = codes.as_object() else {
            diags.push(Diagnostic::error(
                &sptr,
                "must map each code (as a string key, e.g. \"20\") to {name, description}",
            ));
            continue;
        };
        let mut parsed: BTreeMap<i64, (String, String)> = BTreeMap::new();
        for (code, def) in codes {
            let cptr = pointer(&["components", "x-error-codes", tag, code]);
            let Ok(n) = code.trim().parse::<i64>() else {
                diags.push(Diagnostic::error(&cptr, "error-code keys must be integers"));
                continue;
            };
            let name = def.get("name").and_then(|v| v.as_str());
            let description = def.get("description").and_then(|v| v.as_str()).unwrap_or_default();
            match name {
                Some(name) if !name.trim().is_empty() => {
                    parsed.insert(n, (name.to_string(), description.to_string()));
                }
                _ => diags.push(Diagnostic::error(&cptr, "each error code needs a `name` (UpperCamelCase)")),
            }
        }
        let mut variants = NameScope::with_reserved(&["Unknown"]);
        let codes = parsed
            .into_iter()
            .map(|(code, (name, description))| ErrorCodeDef {
                code,
                variant: variants.claim(variant_name(&name)),
                name,
                description,
            })
            .collect();
        out.push(ErrorRegistry {
            tag: tag.clone(),
            enum_name: enum_names.claim(format!("{}ErrorCode", type_name(tag))),
            module: field_name(tag),
            codes,
        });
    }
    out
}

/// One constant per distinct permission, grouped by the permission's service.
pub fn permissions(services: &[Service]) -> Vec<PermissionDef> {
    let mut by_perm: BTreeMap<PermissionRef, Vec<String>> = BTreeMap::new();
    for s in services {
        for op in &s.operations {
            if let Some(p) = &op.permission {
                by_perm.entry(p.clone()).or_default().push(op.operation_id.clone());
            }
        }
    }
    // Tenant and system permissions for the same service share a module; the system ones are suffixed.
    let mut scopes: BTreeMap<String, NameScope> = BTreeMap::new();
    let mut out = Vec::new();
    for (perm, operations) in by_perm {
        let module = field_name(&perm.service);
        let scope = scopes.entry(module.clone()).or_default();
        let mut name = const_name(&perm.action);
        if perm.scope == Scope::System {
            name.push_str("_SYSTEM");
        }
        out.push(PermissionDef { const_name: scope.claim(name), module, permission: perm, operations });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_scopes() {
        let p = parse_permission("TNT#{tenantid}#ArthrServer:listTenantApiKeys");
        assert_eq!(
            p.as_ref().map(|p| (p.scope, p.service.as_str(), p.action.as_str())),
            Some((Scope::Tenant, "ArthrServer", "listTenantApiKeys"))
        );
        let p = parse_permission("SYS#WatchlistManager:addTrendRecord");
        assert_eq!(p.map(|p| p.scope), Some(Scope::System));
        assert!(parse_permission("TNT#acme#X:y").is_none());
        assert!(parse_permission("WatchlistManager:addTrendRecord").is_none());
        assert!(parse_permission("SYS#Watch list:add").is_none());
    }
}
