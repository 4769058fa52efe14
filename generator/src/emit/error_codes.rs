//! Error-code registries → `src/error_codes/<service>.rs` enums and the `ErrorCode` umbrella in `mod.rs`.

use super::docs::{code, doc, inner_doc, sanitize};
use super::types::ident;
use crate::model::{Api, ErrorRegistry};
use proc_macro2::TokenStream;
use quote::quote;

/// `(path, tokens)` for every error-codes file.
pub fn files(api: &Api) -> Vec<(String, TokenStream)> {
    let mut out: Vec<(String, TokenStream)> =
        api.error_registries.iter().map(|r| (format!("src/error_codes/{}.rs", r.module), registry_file(r))).collect();
    if !api.error_registries.is_empty() {
        out.push(("src/error_codes/mod.rs".into(), mod_file(api)));
    }
    out
}

fn registry_file(r: &ErrorRegistry) -> TokenStream {
    let header = inner_doc(&format!("Error codes documented by the {} service.", code(&r.tag)));
    let e = ident(&r.enum_name);
    let variants = r.codes.iter().map(|c| {
        let v = ident(&c.variant);
        let d = doc(&format!("{}: {}", c.code, sanitize(&c.description)));
        quote!(#d #v,)
    });
    let from = r.codes.iter().map(|c| {
        let v = ident(&c.variant);
        let n = c.code;
        quote!(#n => Self::#v,)
    });
    let to = r.codes.iter().map(|c| {
        let v = ident(&c.variant);
        let n = c.code;
        quote!(Self::#v => #n,)
    });
    let names = r.codes.iter().map(|c| {
        let v = ident(&c.variant);
        let n = &c.name;
        quote!(Self::#v => #n,)
    });
    let descs = r.codes.iter().map(|c| {
        let v = ident(&c.variant);
        let d = &c.description;
        quote!(Self::#v => #d,)
    });
    let all = r.codes.iter().map(|c| {
        let v = ident(&c.variant);
        quote!(Self::#v)
    });
    let d = doc(&format!(
        "Error codes of the {} service, from the `code` of an error body.\n\nUnknown codes are kept in `Unknown`.",
        code(&r.tag)
    ));
    let table_entries = r.codes.iter().map(|c| {
        let (n, name, desc) = (c.code, &c.name, &c.description);
        quote!(crate::runtime::ErrorCodeInfo { code: #n, name: #name, description: #desc },)
    });
    let tag = &r.tag;
    let table_doc = doc(&format!(
        "The codes of the {} service as data, referenced by the metadata of its operations.",
        code(&r.tag)
    ));
    let unknown_doc = doc("A code this version of the SDK does not know.");
    let all_doc = doc("Every documented code, in ascending order.");
    let from_doc = doc("The variant for a numeric code (`Unknown` when not documented).");
    let code_doc = doc("The numeric code.");
    let name_doc = doc("The documented name (`\"Unknown\"` for unknown codes).");
    let desc_doc = doc("What the code means, as documented (empty for unknown codes).");
    quote! {
        #header
        #table_doc
        pub static TABLE: crate::runtime::ErrorCodeTable = crate::runtime::ErrorCodeTable {
            service: #tag,
            codes: &[#(#table_entries)*],
        };
        #d
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #e {
            #(#variants)*
            #unknown_doc
            Unknown(i64),
        }
        impl #e {
            #all_doc
            pub const ALL: &'static [Self] = &[#(#all),*];
            #from_doc
            pub fn from_code(code: i64) -> Self {
                match code {
                    #(#from)*
                    other => Self::Unknown(other),
                }
            }
            #code_doc
            pub fn code(&self) -> i64 {
                match self {
                    #(#to)*
                    Self::Unknown(other) => *other,
                }
            }
            #name_doc
            pub fn name(&self) -> &'static str {
                match self {
                    #(#names)*
                    Self::Unknown(_) => "Unknown",
                }
            }
            #desc_doc
            pub fn description(&self) -> &'static str {
                match self {
                    #(#descs)*
                    Self::Unknown(_) => "",
                }
            }
        }
        impl std::fmt::Display for #e {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} ({})", self.name(), self.code())
            }
        }
    }
}

fn mod_file(api: &Api) -> TokenStream {
    let header = inner_doc(
        "Error codes, one enum per service that documents them, and [`ErrorCode`] over all of them.\n\n\
         `ErrorCode::of(&err)` gives the typed code of a failed call, from the error body's code and the \
         code table of the failed operation's service.",
    );
    let mods = api.error_registries.iter().map(|r| {
        let m = ident(&r.module);
        let e = ident(&r.enum_name);
        let d = doc(&format!("The codes of the {} service.", code(&r.tag)));
        quote! { #d pub mod #m; pub use #m::#e; }
    });
    let variant_names: Vec<_> = api.error_registries.iter().map(|r| ident(&r.variant)).collect();
    let decls = api.error_registries.iter().zip(&variant_names).map(|(r, v)| {
        let e = ident(&r.enum_name);
        let d = doc(&format!("A code of the {} service.", code(&r.tag)));
        quote!(#d #v(#e),)
    });
    let lookup = api.error_registries.iter().zip(&variant_names).map(|(r, v)| {
        let (m, e) = (ident(&r.module), ident(&r.enum_name));
        quote! {
            if std::ptr::eq(table, &#m::TABLE) {
                return Some(Self::#v(#e::from_code(code)));
            }
        }
    });
    let per = |method: TokenStream| {
        let arms = variant_names.iter().map(move |v| quote!(Self::#v(c) => c.#method(),));
        quote!(#(#arms)*)
    };
    let services = api.error_registries.iter().zip(&variant_names).map(|(r, v)| {
        let m = ident(&r.module);
        quote!(Self::#v(_) => #m::TABLE.service,)
    });
    let (codes, names, descs) = (per(quote!(code)), per(quote!(name)), per(quote!(description)));
    let d = doc("A documented error code of some service.");
    let of_table_doc =
        doc("The typed code for `code` from a service's code table; `None` for a table of another crate.");
    let code_doc = doc("The numeric code.");
    let name_doc = doc("The documented name.");
    let desc_doc = doc("What the code means.");
    let svc_doc = doc("The service (tag) the code belongs to.");
    let error_doc =
        doc("The typed error code of a failed call: the error body's code, looked up in the code table of the \
         failed operation's service. `None` when the body has no code or the service documents none.");
    quote! {
        #header
        #(#mods)*
        #d
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #(#decls)*
        }
        impl ErrorCode {
            #error_doc
            pub fn of(error: &crate::runtime::Error) -> Option<Self> {
                let http = error.http_error()?;
                Self::of_table(http.operation.error_codes?, http.code?)
            }
            #of_table_doc
            pub fn of_table(table: &'static crate::runtime::ErrorCodeTable, code: i64) -> Option<Self> {
                #(#lookup)*
                None
            }
            #code_doc
            pub fn code(&self) -> i64 { match self { #codes } }
            #name_doc
            pub fn name(&self) -> &'static str { match self { #names } }
            #desc_doc
            pub fn description(&self) -> &'static str { match self { #descs } }
            #svc_doc
            pub fn service(&self) -> &'static str { match self { #(#services)* } }
        }
        impl std::fmt::Display for ErrorCode {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} ({})", self.name(), self.code())
            }
        }
    }
}
