//! Model types → `src/models/*.rs`: one file per type, plus `mod.rs`.

use super::docs::{code, doc, inner_doc, sanitize};
use super::types::{ident, rust_type};
use crate::model::field_name as module_name;
use crate::model::{Api, Field, TypeDef, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

/// `(path, tokens)` for every models file.
pub fn files(api: &Api) -> Vec<(String, TokenStream)> {
    let mut out = Vec::new();
    let mut mods = Vec::new();
    let mut scope = crate::model::NameScope::with_reserved(&["mod"]);
    for def in &api.types {
        let module = scope.claim(module_name(&def.name));
        let m = ident(&module);
        mods.push(quote! { mod #m; pub use #m::*; });
        out.push((format!("src/models/{module}.rs"), type_file(def)));
    }
    let header = inner_doc(
        "Models: one type per schema of the spec, named ones and inline ones hoisted out.\n\n\
         Structs keep fields the spec does not list in `additional_properties`, and enums keep values it \
         does not list in `Unknown`, so reading, changing and writing back loses nothing.",
    );
    out.push(("src/models/mod.rs".into(), quote! { #header #(#mods)* }));
    out
}

fn type_doc(def: &TypeDef) -> String {
    let mut text = match &def.description {
        Some(d) if !d.trim().is_empty() => sanitize(d),
        _ => format!("The {} schema.", code(&def.spec_name)),
    };
    text.push_str(&format!("\n\nSpec: {}", code(&def.pointer)));
    text
}

fn type_file(def: &TypeDef) -> TokenStream {
    let module_doc = inner_doc(&format!("The [`{}`] model.", def.name));
    let body = match &def.kind {
        TypeKind::Struct { fields, additional } => struct_tokens(def, fields, additional),
        TypeKind::Enum { values } => enum_tokens(def, values),
        TypeKind::Tagged { property, variants } => tagged_tokens(def, property, variants),
        TypeKind::Untagged { variants } => untagged_tokens(def, variants),
        TypeKind::Alias(t) => {
            let name = ident(&def.name);
            let docs = doc(&type_doc(def));
            let ty = rust_type(t);
            quote! { #docs pub type #name = #ty; }
        }
    };
    quote! {
        #module_doc
        #![allow(deprecated)]
        #body
    }
}

fn deprecated_attr(deprecated: bool) -> TokenStream {
    if deprecated {
        quote!(#[deprecated(note = "marked deprecated in the API spec")])
    } else {
        quote!()
    }
}

fn field_type(f: &Field) -> TokenStream {
    let mut ty = rust_type(&f.ty);
    if f.boxed {
        ty = quote!(Box<#ty>);
    }
    match (f.required, f.nullable) {
        (true, false) => ty,
        (true, true) | (false, false) => quote!(Option<#ty>),
        (false, true) => quote!(Option<Option<#ty>>),
    }
}

fn field_doc(f: &Field) -> String {
    let mut text = match &f.description {
        Some(d) if !d.trim().is_empty() => sanitize(d),
        _ => format!("The {} field.", code(&f.wire_name)),
    };
    let presence = match (f.required, f.nullable) {
        (true, false) => "Required.",
        (true, true) => "Required; may be `null` (`None`).",
        (false, false) => "Optional (`None` when absent).",
        (false, true) => "Optional and nullable: `None` when absent, `Some(None)` when `null`.",
    };
    text.push_str(&format!("\n\nWire name {}. {presence}", code(&f.wire_name)));
    text
}

fn struct_tokens(def: &TypeDef, fields: &[Field], additional: &TypeRef) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc(&type_doc(def));
    let dep = deprecated_attr(def.deprecated);
    let all_optional = fields.iter().all(|f| !f.required);
    let field_tokens = fields.iter().map(|f| {
        let fname = ident(&f.rust_name);
        let wire = &f.wire_name;
        let ty = field_type(f);
        let fdoc = doc(&field_doc(f));
        let fdep = deprecated_attr(f.deprecated);
        let rename = if *wire != f.rust_name { quote!(#[serde(rename = #wire)]) } else { quote!() };
        let serde_attr = match (f.required, f.nullable) {
            (true, false) => quote!(),
            (true, true) => quote!(#[serde(default)]),
            (false, false) => quote!(#[serde(default, skip_serializing_if = "Option::is_none")]),
            (false, true) => quote!(#[serde(
                default,
                skip_serializing_if = "Option::is_none",
                with = "crate::runtime::serde_util::double_option"
            )]),
        };
        quote! { #fdoc #fdep #rename #serde_attr pub #fname: #ty, }
    });
    let extra_ty = match additional {
        TypeRef::Json => quote!(serde_json::Map<String, serde_json::Value>),
        other => {
            let t = rust_type(other);
            quote!(std::collections::BTreeMap<String, #t>)
        }
    };
    let derive_default = if all_optional { quote!(Default,) } else { quote!() };
    let constructor = if all_optional {
        quote!()
    } else {
        let required: Vec<&Field> = fields.iter().filter(|f| f.required).collect();
        let args = required.iter().map(|f| {
            let n = ident(&f.rust_name);
            let t = field_type(f);
            quote!(#n: #t)
        });
        let inits = fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            if f.required {
                quote!(#n)
            } else {
                quote!(#n: None)
            }
        });
        let cdoc = doc("Creates a value with the required fields set and every optional field `None`.");
        let allow = if required.len() > 7 { quote!(#[allow(clippy::too_many_arguments)]) } else { quote!() };
        quote! {
            impl #name {
                #cdoc
                #allow
                pub fn new(#(#args),*) -> Self {
                    Self { #(#inits,)* additional_properties: Default::default() }
                }
            }
        }
    };
    let extra_doc = doc("Fields the spec does not list, kept as received so they survive a round trip.");
    quote! {
        #docs
        #dep
        #[derive(Debug, Clone, PartialEq, #derive_default serde::Serialize, serde::Deserialize)]
        pub struct #name {
            #(#field_tokens)*
            #extra_doc
            #[serde(flatten)]
            pub additional_properties: #extra_ty,
        }
        #constructor
    }
}

fn enum_tokens(def: &TypeDef, values: &[(String, String)]) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc(&type_doc(def));
    let dep = deprecated_attr(def.deprecated);
    let variants = values.iter().map(|(wire, v)| {
        let v = ident(v);
        let d = doc(&code(wire));
        quote!(#d #v,)
    });
    let to_str = values.iter().map(|(wire, v)| {
        let v = ident(v);
        quote!(Self::#v => #wire,)
    });
    let from_str = values.iter().map(|(wire, v)| {
        let v = ident(v);
        quote!(#wire => Self::#v,)
    });
    let known = values.iter().map(|(_, v)| {
        let v = ident(v);
        quote!(Self::#v)
    });
    let unknown_doc = doc("A value this version of the SDK does not know, kept as received.");
    let as_str_doc = doc("The value as sent on the wire.");
    let known_doc = doc("Every value the spec lists.");
    let is_unknown_doc = doc("True for a value the spec does not list.");
    quote! {
        #docs
        #dep
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#variants)*
            #unknown_doc
            Unknown(String),
        }
        impl #name {
            #known_doc
            pub const KNOWN: &'static [Self] = &[#(#known),*];
            #as_str_doc
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::Unknown(other) => other.as_str(),
                }
            }
            #is_unknown_doc
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }
        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }
        impl From<String> for #name {
            fn from(value: String) -> Self {
                Self::from(value.as_str())
            }
        }
        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, std::convert::Infallible> {
                Ok(Self::from(value))
            }
        }
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok(Self::from(value))
            }
        }
    }
}

fn tagged_tokens(def: &TypeDef, property: &str, variants: &[(String, String, TypeRef)]) -> TokenStream {
    let name = ident(&def.name);
    let mut text = type_doc(def);
    text.push_str(&format!("\n\nThe variant is chosen by the {} property.", code(property)));
    let docs = doc(&text);
    let dep = deprecated_attr(def.deprecated);
    let decls = variants.iter().map(|(tag, v, t)| {
        let v = ident(v);
        let t = rust_type(t);
        let d = doc(&format!("{} is {}.", code(property), code(tag)));
        quote!(#d #v(#t),)
    });
    let de_arms = variants.iter().map(|(tag, v, t)| {
        let v = ident(v);
        let t = rust_type(t);
        quote!(Some(#tag) => <#t as serde::Deserialize>::deserialize(value).map(Self::#v).map_err(serde::de::Error::custom),)
    });
    let ser_arms = variants.iter().map(|(tag, v, _)| {
        let v = ident(v);
        quote!(Self::#v(inner) => (#tag, serde_json::to_value(inner).map_err(serde::ser::Error::custom)?),)
    });
    let unknown_doc = doc("A variant this version of the SDK does not know, kept as received.");
    quote! {
        #docs
        #dep
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#decls)*
            #unknown_doc
            Unknown(serde_json::Value),
        }
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let (tag, mut value) = match self {
                    #(#ser_arms)*
                    Self::Unknown(value) => return value.serialize(serializer),
                };
                if let serde_json::Value::Object(map) = &mut value {
                    map.entry(#property).or_insert_with(|| serde_json::Value::String(tag.to_string()));
                }
                value.serialize(serializer)
            }
        }
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#property).and_then(serde_json::Value::as_str).map(str::to_owned);
                match tag.as_deref() {
                    #(#de_arms)*
                    _ => Ok(Self::Unknown(value)),
                }
            }
        }
    }
}

fn untagged_tokens(def: &TypeDef, variants: &[(String, TypeRef)]) -> TokenStream {
    let name = ident(&def.name);
    let mut text = type_doc(def);
    text.push_str("\n\nThe first variant that parses wins.");
    let docs = doc(&text);
    let dep = deprecated_attr(def.deprecated);
    let decls = variants.iter().map(|(v, t)| {
        let d = doc(&format!("The value is a {}.", super::types::describe(t)));
        let v = ident(v);
        let t = rust_type(t);
        quote!(#d #v(#t),)
    });
    let catch_all = if variants.iter().any(|(_, t)| *t == TypeRef::Json) {
        quote!()
    } else {
        let d = doc("A value that matches no variant, kept as received.");
        quote!(#d Unknown(serde_json::Value),)
    };
    quote! {
        #docs
        #dep
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(untagged)]
        pub enum #name {
            #(#decls)*
            #catch_all
        }
    }
}
