//! Permissions → `src/permissions.rs`: a typed constant per permission, grouped by service.

use super::docs::{code, doc, inner_doc};
use super::types::ident;
use crate::model::{Api, Scope};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeMap;

/// The permissions file.
pub fn file(api: &Api) -> TokenStream {
    let header = inner_doc(
        "Permissions, one constant per permission an operation requires, grouped by the service that checks it.\n\n\
         A constant renders the concrete string for a tenant with `for_tenant`, e.g.\n\
         `TNT#acme#ProcessManager:addProcessToken`. To compute what an integration needs, see\n\
         [`crate::operations::required_permissions`].",
    );
    let mut modules: BTreeMap<&str, Vec<TokenStream>> = BTreeMap::new();
    let mut all = Vec::new();
    for def in &api.permissions {
        let p = &def.permission;
        let c = ident(&def.const_name);
        let m = ident(&def.module);
        let scope = match p.scope {
            Scope::Tenant => quote!(crate::runtime::PermissionScope::Tenant),
            Scope::System => quote!(crate::runtime::PermissionScope::System),
        };
        let ops: Vec<String> = def.operations.iter().map(|o| code(o)).collect();
        let text = format!(
            "{} ({} scope).\n\nRequired by: {}.",
            code(&p.template),
            if p.scope == Scope::Tenant { "tenant" } else { "system" },
            ops.join(", ")
        );
        let d = doc(&text);
        let (svc, action, template) = (&p.service, &p.action, &p.template);
        modules.entry(def.module.as_str()).or_default().push(quote! {
            #d
            pub const #c: crate::runtime::Permission = crate::runtime::Permission {
                scope: #scope,
                service: #svc,
                action: #action,
                template: #template,
            };
        });
        all.push(quote!(#m::#c));
    }
    let mods = modules.into_iter().map(|(m, items)| {
        let service =
            api.permissions.iter().find(|d| d.module == m).map(|d| d.permission.service.clone()).unwrap_or_default();
        let d = doc(&format!("Permissions checked by the {} service.", code(&service)));
        let m = ident(m);
        quote! { #d pub mod #m { #(#items)* } }
    });
    let count = api.permissions.len();
    let all_doc = doc(&format!("All {count} permissions, sorted by scope, service and action."));
    quote! {
        #header
        #(#mods)*
        #all_doc
        pub const ALL: &[crate::runtime::Permission] = &[#(#all),*];
    }
}
