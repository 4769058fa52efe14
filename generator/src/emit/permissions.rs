//! Permissions → `src/permissions.rs`: a typed constant per permission, grouped by service.

use super::docs::{code, doc, inner_doc};
use super::types::ident;
use crate::model::Api;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeMap;

/// The permissions file.
pub fn file(api: &Api) -> TokenStream {
    let header = inner_doc(
        "Permissions, one constant per permission an operation requires, grouped by the service of the \
         first operation that requires it.\n\n\
         A constant renders the concrete string with its placeholders filled by `for_tenant` (or \
         `render`). To compute what an integration needs, see [`crate::operations::required_permissions`].",
    );
    let mut modules: BTreeMap<&str, Vec<TokenStream>> = BTreeMap::new();
    let mut all = Vec::new();
    for def in &api.permissions {
        let p = &def.permission;
        let c = ident(&def.const_name);
        let m = ident(&def.module);
        let ops: Vec<String> = def.operations.iter().map(|o| code(o)).collect();
        let text = format!("{}\n\nRequired by: {}.", code(&p.template), ops.join(", "));
        let d = doc(&text);
        let template = &p.template;
        modules.entry(def.module.as_str()).or_default().push(quote! {
            #d
            pub const #c: crate::runtime::Permission = crate::runtime::Permission::new(#template);
        });
        all.push(quote!(#m::#c));
    }
    let mods = modules.into_iter().map(|(m, items)| {
        let tag = api.services.iter().find(|s| s.module == m).map(|s| s.tag.clone()).unwrap_or_default();
        let d = doc(&format!("Permissions required by operations of the {} service.", code(&tag)));
        let m = ident(m);
        quote! { #d pub mod #m { #(#items)* } }
    });
    let count = api.permissions.len();
    let all_doc = doc(&format!("All {count} permissions, by module and name."));
    quote! {
        #header
        #(#mods)*
        #all_doc
        pub const ALL: &[crate::runtime::Permission] = &[#(#all),*];
    }
}
