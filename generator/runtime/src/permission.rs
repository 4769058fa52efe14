//! Operation permissions and the optional client-side permission preflight.
//!
//! A permission is a string template as the API documents it, e.g. `org#{tenant}#Orders:list`;
//! its `{…}` placeholders are filled from the client's server variables (or a tenant). A granted
//! permission ending in `*` grants every permission it is a prefix of.

use base64::Engine as _;

/// The permission an operation requires, as documented (with `{…}` placeholders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permission {
    /// The permission as documented, e.g. `"org#{tenantid}#Orders:listOrders"`.
    pub template: &'static str,
}

impl Permission {
    /// Creates a permission from its documented template.
    pub const fn new(template: &'static str) -> Self {
        Permission { template }
    }

    /// Renders the permission with every `{…}` placeholder replaced by `value`, e.g. the tenant:
    /// `org#{tenantid}#Orders:listOrders` → `org#acme#Orders:listOrders`.
    pub fn for_tenant(&self, value: &str) -> String {
        self.render(|_| Some(value))
    }

    /// Renders the permission, replacing each `{name}` placeholder with `value(name)`; placeholders
    /// for which it returns `None` are kept as written.
    pub fn render<'a>(&self, value: impl Fn(&str) -> Option<&'a str>) -> String {
        let template = self.template;
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('}') else { break };
            out.push_str(&rest[..start]);
            match value(&after[..end]) {
                Some(v) => out.push_str(v),
                None => out.push_str(&rest[start..start + end + 2]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.template)
    }
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
        assert!(grants("org#acme#Orders*", "org#acme#Orders:get"));
        assert!(!grants("org#acme#Orders*", "org#other#Orders:get"));
        assert!(grants("org#acme#A:b", "org#acme#A:b"));
        assert!(!grants("org#acme#A:b", "org#acme#A:bc"));
    }

    #[test]
    fn renders_placeholders() {
        assert_eq!(Permission::new("org#{tenant}#X:y").for_tenant("acme"), "org#acme#X:y");
        assert_eq!(Permission::new("sys#W:a").for_tenant("acme"), "sys#W:a");
        let p = Permission::new("org/{org}/repo/{repo}:read");
        assert_eq!(p.render(|n| (n == "org").then_some("acme")), "org/acme/repo/{repo}:read");
        assert_eq!(Permission::new("a{b").for_tenant("x"), "a{b");
    }
}
