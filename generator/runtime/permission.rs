//! Operation permissions and the optional client-side permission preflight.
//!
//! A TrustX permission looks like `TNT#acme#ProcessManager:addProcessToken` (tenant scope) or
//! `SYS#ProcessManager:listTenants` (system scope). A granted permission ending in `*`
//! (e.g. `TNT#acme#WatchlistManager*`) grants every permission it is a prefix of.

use base64::Engine as _;

/// Whether a permission applies within one tenant or system-wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PermissionScope {
    /// A tenant permission (`TNT#{tenant}#...`).
    Tenant,
    /// A system permission (`SYS#...`).
    System,
}

/// The permission an operation requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permission {
    /// Tenant or system scope.
    pub scope: PermissionScope,
    /// The service part, e.g. `"ProcessManager"`.
    pub service: &'static str,
    /// The action part, e.g. `"addProcessToken"`.
    pub action: &'static str,
    /// The permission as documented, with a tenant placeholder for tenant permissions,
    /// e.g. `"TNT#{tenantid}#ProcessManager:addProcessToken"` (`{tenantid}`, `{tenantId}`,
    /// `{tenant_id}` and `{tenant}` are recognised, ignoring case). May be empty, in which case
    /// it is derived from `scope`, `service` and `action`.
    pub template: &'static str,
}

impl Permission {
    /// Creates a permission.
    pub const fn new(
        scope: PermissionScope,
        service: &'static str,
        action: &'static str,
        template: &'static str,
    ) -> Self {
        Permission { scope, service, action, template }
    }

    /// Renders the permission for a tenant, e.g. `TNT#acme#ProcessManager:addProcessToken`.
    pub fn for_tenant(&self, tenant: &str) -> String {
        if self.template.is_empty() {
            match self.scope {
                PermissionScope::Tenant => {
                    format!("TNT#{}#{}:{}", tenant, self.service, self.action)
                }
                PermissionScope::System => format!("SYS#{}:{}", self.service, self.action),
            }
        } else {
            replace_tenant(self.template, tenant)
        }
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.template.is_empty() {
            f.write_str(&self.for_tenant("{tenant}"))
        } else {
            f.write_str(self.template)
        }
    }
}

/// Replaces every tenant placeholder (`{tenant}`, `{tenantid}`, `{tenant_id}`, any case).
fn replace_tenant(template: &str, tenant: &str) -> String {
    let mut out = String::with_capacity(template.len() + tenant.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        out.push_str(&rest[..start]);
        if ["tenant", "tenantid", "tenant_id"].iter().any(|n| n.eq_ignore_ascii_case(name)) {
            out.push_str(tenant);
        } else {
            out.push_str(&rest[start..start + end + 2]);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether `granted` (possibly ending in `*`) grants `required`.
pub(crate) fn grants(granted: &str, required: &str) -> bool {
    match granted.strip_suffix('*') {
        Some(prefix) => required.starts_with(prefix),
        None => granted == required,
    }
}

/// Extracts the granted permissions from a JWT's payload without checking its signature.
///
/// Looks, in this order, for the claims `permissions`, `perms`, `authorities` (arrays of
/// strings, or one space-separated string) and `scope` / `scp` (a space-separated string or an
/// array). Returns `None` when the token cannot be decoded or lists none of these claims, in
/// which case no preflight check is made.
pub(crate) fn granted_permissions(jwt: &str) -> Option<Vec<String>> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let claims = claims.as_object()?;
    for key in ["permissions", "perms", "authorities", "scope", "scp"] {
        match claims.get(key) {
            Some(serde_json::Value::Array(items)) => {
                return Some(
                    items
                        .iter()
                        .filter_map(|v| match v {
                            serde_json::Value::String(s) => Some(s.clone()),
                            // Spring-style `{"authority": "..."}` entries.
                            serde_json::Value::Object(o) => {
                                o.get("authority").and_then(|a| a.as_str()).map(str::to_owned)
                            }
                            _ => None,
                        })
                        .collect(),
                );
            }
            Some(serde_json::Value::String(s)) => {
                return Some(s.split_whitespace().map(str::to_owned).collect());
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matches_by_prefix() {
        assert!(grants("TNT#acme#WatchlistManager*", "TNT#acme#WatchlistManager:get"));
        assert!(!grants("TNT#acme#WatchlistManager*", "TNT#other#WatchlistManager:get"));
        assert!(grants("TNT#acme#A:b", "TNT#acme#A:b"));
        assert!(!grants("TNT#acme#A:b", "TNT#acme#A:bc"));
    }

    #[test]
    fn renders_for_tenant() {
        let p = Permission::new(PermissionScope::Tenant, "ProcessManager", "addProcessToken", "");
        assert_eq!(p.for_tenant("acme"), "TNT#acme#ProcessManager:addProcessToken");
        let p = Permission::new(PermissionScope::Tenant, "X", "y", "TNT#{tenant}#X:y");
        assert_eq!(p.for_tenant("acme"), "TNT#acme#X:y");
        let p = Permission::new(PermissionScope::Tenant, "A", "l", "TNT#{tenantid}#A:l");
        assert_eq!(p.for_tenant("acme"), "TNT#acme#A:l");
        let p = Permission::new(PermissionScope::Tenant, "A", "l", "TNT#{tenantId}#A:{x}");
        assert_eq!(p.for_tenant("acme"), "TNT#acme#A:{x}");
        let p = Permission::new(PermissionScope::System, "W", "a", "SYS#W:a");
        assert_eq!(p.for_tenant("acme"), "SYS#W:a");
    }
}
