//! Type references → Rust type tokens.

use crate::model::{Api, TypeKind, TypeRef};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// An identifier, raw-escaped when it must be.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The Rust type for a type reference.
pub fn rust_type(t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::Named(n) => {
            let n = ident(n);
            quote!(crate::models::#n)
        }
        TypeRef::String => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::U32 => quote!(u32),
        TypeRef::U64 => quote!(u64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::DateTime => quote!(chrono::DateTime<chrono::Utc>),
        TypeRef::Date => quote!(chrono::NaiveDate),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::JsonObject => quote!(serde_json::Map<String, serde_json::Value>),
        TypeRef::Vec(inner) => {
            let inner = rust_type(inner);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = rust_type(inner);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Page(page, inner) => {
            let page = ident(page);
            let inner = rust_type(inner);
            quote!(crate::models::#page<#inner>)
        }
        TypeRef::Sensitive(inner) => {
            let inner = rust_type(inner);
            quote!(crate::runtime::Sensitive<#inner>)
        }
    }
}

/// Whether a type is a scalar: a string, number, boolean, date or string enum (or an alias of one).
/// Scalars implement `Display` and `FromStr`; other types travel as JSON text in paths and flags.
pub fn is_scalar(api: &Api, t: &TypeRef) -> bool {
    match t {
        TypeRef::Named(name) => match api.type_def(name).map(|d| &d.kind) {
            Some(TypeKind::Enum { .. }) => true,
            Some(TypeKind::Alias(inner)) => is_scalar(api, inner),
            _ => false,
        },
        TypeRef::String
        | TypeRef::Bool
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::U32
        | TypeRef::U64
        | TypeRef::F32
        | TypeRef::F64
        | TypeRef::DateTime
        | TypeRef::Date => true,
        _ => false,
    }
}

/// Short human name of a type for docs.
pub fn describe(t: &TypeRef) -> String {
    match t {
        TypeRef::Named(n) => format!("[`{n}`](crate::models::{n})"),
        TypeRef::Vec(inner) => format!("list of {}", describe(inner)),
        TypeRef::Map(inner) => format!("map of {}", describe(inner)),
        TypeRef::Page(_, inner) => format!("page of {}", describe(inner)),
        TypeRef::DateTime => "date-time".into(),
        TypeRef::Date => "date".into(),
        TypeRef::Json => "any JSON value".into(),
        TypeRef::JsonObject => "JSON object".into(),
        TypeRef::Sensitive(inner) => {
            format!("{} (personal data or a secret: `Debug` prints `[redacted]`)", describe(inner))
        }
        other => format!("`{}`", rust_type(other)),
    }
}
