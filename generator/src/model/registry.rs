//! Permissions (`x-permission`) and per-service error-code registries (`components.x-error-codes`).

use super::naming::{const_name, field_name, type_name, variant_name, NameScope};
use super::{ErrorCodeDef, ErrorRegistry, PermissionDef, PermissionRef, Service};
use crate::diagnostics::{pointer, Diagnostic, Diagnostics};
use openapiv3::OpenAPI;
use std::collections::BTreeMap;

/// Reads an `x-permission` template: any non-empty text; its last word (letters, digits, `_`)
/// outside `{…}` placeholders names its constant.
pub fn parse_permission(raw: &str) -> Option<PermissionRef> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_placeholder = false;
    for c in raw.chars() {
        match c {
            '{' => in_placeholder = true,
            '}' => in_placeholder = false,
            c if !in_placeholder && (c.is_ascii_alphanumeric() || c == '_') => {
                word.push(c);
                continue;
            }
            _ => {}
        }
        if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let action = words.pop()?;
    Some(PermissionRef { template: raw.to_owned(), action })
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
    // `error_codes/mod.rs` declares a module per registry, re-exports its enum and declares the
    // `ErrorCode` enum with a variant per registry.
    let mut enum_names = NameScope::with_reserved(&["ErrorCode"]);
    let mut modules = NameScope::with_reserved(super::EXTERN_CRATES);
    let mut umbrella = NameScope::default();
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
            module: modules.claim(field_name(tag)),
            variant: umbrella.claim(variant_name(tag)),
            codes,
        });
    }
    out
}

/// One constant per distinct permission, in the module of the service of the first operation that
/// requires it. Templates with a placeholder claim the plain name first; a later template with the
/// same last word gets the template's first word as a suffix (`ADD_TREND_RECORD_SYS`).
pub fn permissions(services: &[Service]) -> Vec<PermissionDef> {
    let mut by_perm: BTreeMap<PermissionRef, (String, Vec<String>)> = BTreeMap::new();
    for s in services {
        for op in &s.operations {
            if let Some(p) = &op.permission {
                by_perm
                    .entry(p.clone())
                    .or_insert_with(|| (s.module.clone(), Vec::new()))
                    .1
                    .push(op.operation_id.clone());
            }
        }
    }
    let mut order: Vec<_> = by_perm.into_iter().collect();
    order.sort_by_key(|(p, _)| !p.template.contains('{'));
    let mut scopes: BTreeMap<String, NameScope> = BTreeMap::new();
    let mut out = Vec::new();
    for (perm, (module, operations)) in order {
        let scope = scopes.entry(module.clone()).or_default();
        let mut name = const_name(&perm.action);
        if scope.contains(&name) {
            if let Some(first) = perm.template.split(|c: char| !c.is_ascii_alphanumeric()).find(|w| !w.is_empty()) {
                name = format!("{name}_{}", const_name(first));
            }
        }
        out.push(PermissionDef { const_name: scope.claim(name), module, permission: perm, operations });
    }
    out.sort_by(|a, b| (&a.module, &a.const_name).cmp(&(&b.module, &b.const_name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_permissions_by_their_last_word() {
        let p = parse_permission("TNT#{tenantid}#ArthrServer:listTenantApiKeys");
        assert_eq!(p.map(|p| p.action), Some("listTenantApiKeys".to_owned()));
        let p = parse_permission("repo/{owner_id}:read");
        assert_eq!(p.map(|p| p.action), Some("read".to_owned()));
        assert!(parse_permission("{only}").is_none());
        assert!(parse_permission("").is_none());
    }
}
