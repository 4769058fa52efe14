//! Model types → `src/models/*.rs`: one file per type, plus `mod.rs`.

use super::docs::{code, deprecated, doc, inner_doc, sanitize};
use super::types::{ident, rust_type};
use crate::model::field_name as module_name;
use crate::model::{Api, Field, PageShape, TypeDef, TypeKind, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

/// The module (and file) name of a model: its snake-case name, or, past 80 bytes, its first 64
/// characters and a hash of the whole, so that deep `oneOf` nesting cannot make a file name the file
/// system refuses (255 bytes).
fn file_module(type_name: &str) -> String {
    use sha2::Digest as _;
    let name = module_name(type_name);
    if name.len() <= 80 {
        return name;
    }
    let digest = sha2::Sha256::digest(name.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let head: String = name.chars().take(64).collect();
    format!("{}_{hash}", head.trim_end_matches('_'))
}

/// `(path, tokens)` for every models file.
pub fn files(api: &Api) -> Vec<(String, TokenStream)> {
    let mut out = Vec::new();
    let mut mods = Vec::new();
    // `mod.rs` re-exports every module (`pub use x::*`): a module named like a crate would make
    // the path ambiguous.
    let mut reserved = vec!["mod"];
    reserved.extend_from_slice(crate::model::EXTERN_CRATES);
    let mut scope = crate::model::NameScope::with_reserved(&reserved);
    let deprecated_types: BTreeSet<&str> = api.types.iter().filter(|t| t.deprecated).map(|t| t.name.as_str()).collect();
    for def in &api.types {
        let module = scope.claim(file_module(&def.name));
        let m = ident(&module);
        let gate = match &def.features {
            None => quote!(),
            Some(features) if features.len() == 1 => {
                let f = &features[0];
                quote!(#[cfg(feature = #f)])
            }
            Some(features) => quote!(#[cfg(any(#(feature = #features),*))]),
        };
        mods.push(quote! { #gate mod #m; #gate pub use #m::*; });
        let page = api.page.as_ref().filter(|p| p.spec_name == def.spec_name);
        out.push((format!("src/models/{module}.rs"), type_file(def, page, &deprecated_types)));
    }
    let header = inner_doc(
        "Models: one type per schema of the spec, named ones and inline ones hoisted out. A model compiles \
         with the Cargo features of the services that use it (shared ones with any of them).\n\n\
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

/// Whether a type file names anything deprecated (and so needs `allow(deprecated)`).
fn mentions_deprecated(def: &TypeDef, deprecated_types: &BTreeSet<&str>) -> bool {
    fn names<'t>(t: &'t TypeRef, out: &mut Vec<&'t str>) {
        match t {
            TypeRef::Named(n) => out.push(n),
            TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Sensitive(i) => names(i, out),
            TypeRef::Page(p, i) => {
                out.push(p);
                names(i, out)
            }
            _ => {}
        }
    }
    let mut refs = Vec::new();
    let mut any_field = false;
    match &def.kind {
        TypeKind::Struct { fields, additional } => {
            for f in fields {
                any_field |= f.deprecated;
                names(&f.ty, &mut refs);
            }
            names(additional, &mut refs);
        }
        TypeKind::Tagged { variants, .. } => variants.iter().for_each(|(_, _, t)| names(t, &mut refs)),
        TypeKind::Untagged { variants } => variants.iter().for_each(|(_, t)| names(t, &mut refs)),
        TypeKind::Alias(t) | TypeKind::Newtype(t) => names(t, &mut refs),
        TypeKind::Enum { .. } => {}
    }
    def.deprecated || any_field || refs.iter().any(|r| deprecated_types.contains(r))
}

fn type_file(def: &TypeDef, page: Option<&PageShape>, deprecated_types: &BTreeSet<&str>) -> TokenStream {
    let module_doc = inner_doc(&format!("The [`{}`] model.", def.name));
    let allow = if mentions_deprecated(def, deprecated_types) { quote!(#![allow(deprecated)]) } else { quote!() };
    let body = match &def.kind {
        TypeKind::Struct { fields, additional } => struct_tokens(def, fields, additional, page),
        TypeKind::Enum { values } => enum_tokens(def, values),
        TypeKind::Tagged { property, variants } => tagged_tokens(def, property, variants),
        TypeKind::Untagged { variants } => untagged_tokens(def, variants),
        TypeKind::Alias(t) => {
            let name = ident(&def.name);
            let docs = doc(&type_doc(def));
            let ty = rust_type(t);
            quote! { #docs pub type #name = #ty; }
        }
        TypeKind::Newtype(t) => {
            let name = ident(&def.name);
            let mut text = type_doc(def);
            text.push_str("\n\nA struct around the value, not a type alias, because the type contains itself.");
            let docs = doc(&text);
            let ty = rust_type(t);
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #ty);
            }
        }
    };
    quote! {
        #module_doc
        #allow
        #body
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

/// Required, non-nullable strings are taken as `impl Into<String>` by constructors.
fn takes_into_string(f: &Field) -> bool {
    f.ty == TypeRef::String && f.required && !f.nullable && !f.boxed
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

fn struct_tokens(def: &TypeDef, fields: &[Field], additional: &TypeRef, page: Option<&PageShape>) -> TokenStream {
    let name = ident(&def.name);
    let mut text = type_doc(def);
    if page.is_some() {
        text.push_str("\n\nGeneric over the item type: typed pages are `Page<Item>` (`x-page`). Iterate every item of a list with the request builder's `into_stream()`.");
    }
    let docs = doc(&text);
    // The `x-page` schema is generic over its items.
    let generics = if page.is_some() { quote!(<T>) } else { quote!() };
    let bounds = if page.is_some() {
        quote!(#[serde(bound(deserialize = "T: serde::Deserialize<'de>", serialize = "T: serde::Serialize"))])
    } else {
        quote!()
    };
    let dep = deprecated(def.deprecated);
    let all_optional = fields.iter().all(|f| !f.required);
    let field_tokens = fields.iter().map(|f| {
        let fname = ident(&f.rust_name);
        let wire = &f.wire_name;
        let is_items = page.is_some_and(|p| p.items == f.rust_name);
        let ty = if is_items { quote!(Vec<T>) } else { field_type(f) };
        let fdoc = doc(&field_doc(f));
        let fdep = deprecated(f.deprecated);
        let rename = if *wire != f.rust_name { quote!(#[serde(rename = #wire)]) } else { quote!() };
        let serde_attr = match (f.required, f.nullable) {
            // A page's items: absent or `null` reads as no items.
            _ if is_items => {
                quote!(#[serde(default, deserialize_with = "crate::runtime::serde_util::null_as_default")])
            }
            // Tolerant fields: a value of another shape reads as `None` and is kept raw.
            _ if read_leniently(f) => {
                let with = lenient_fn_name(f);
                quote!(#[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = #with)])
            }
            // Date-times in every form Java servers write.
            (true, false) if is_date_time(f) => {
                quote!(#[serde(deserialize_with = "crate::runtime::datetime::required")])
            }
            (true, true) if is_date_time(f) => {
                quote!(#[serde(default, deserialize_with = "crate::runtime::datetime::required_nullable")])
            }
            (false, true) if is_date_time(f) => quote!(#[serde(
                default,
                skip_serializing_if = "Option::is_none",
                serialize_with = "crate::runtime::serde_util::double_option::serialize",
                deserialize_with = "crate::runtime::datetime::optional_nullable"
            )]),
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
            if takes_into_string(f) {
                quote!(#n: impl Into<String>)
            } else {
                let t = field_type(f);
                quote!(#n: #t)
            }
        });
        let inits = fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            match (f.required, takes_into_string(f)) {
                (true, true) => quote!(#n: #n.into()),
                (true, false) => quote!(#n),
                (false, _) => quote!(#n: None),
            }
        });
        let cdoc = doc("Creates a value with the required fields set and every optional field `None`; set optional \
             fields with the `with_…` methods.");
        quote! {
            #cdoc
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits,)* additional_properties: Default::default() }
            }
        }
    };
    let mut setter_names = crate::model::NameScope::with_reserved(&["new", "has_next"]);
    let setters: Vec<TokenStream> = fields
        .iter()
        .filter(|f| !f.required)
        .map(|f| {
            if page.is_some_and(|p| p.items == f.rust_name) {
                let (n, m) = (ident(&f.rust_name), ident(&setter_names.claim(format!("with_{}", f.rust_name))));
                let d = doc(&format!("Sets {} (chainable).", code(&f.wire_name)));
                return quote! { #d pub fn #m(mut self, value: impl Into<Vec<T>>) -> Self { self.#n = value.into(); self } };
            }
            let n = ident(&f.rust_name);
            let m = ident(&setter_names.claim(format!("with_{}", f.rust_name.trim_end_matches('_'))));
            let t = rust_type(&f.ty);
            let value = if f.boxed { quote!(Box::new(value.into())) } else { quote!(value.into()) };
            let value = if f.nullable { quote!(Some(Some(#value))) } else { quote!(Some(#value)) };
            let d = doc(&format!("Sets {} (chainable).", code(&f.wire_name)));
            let dep = deprecated(f.deprecated);
            quote! { #d #dep pub fn #m(mut self, value: impl Into<#t>) -> Self { self.#n = #value; self } }
        })
        .collect();
    let methods = if constructor.is_empty() && setters.is_empty() {
        quote!()
    } else {
        quote! { impl #generics #name #generics { #constructor #(#setters)* } }
    };
    let extra_doc = doc("Fields the spec does not list, kept as received so they survive a round trip.");
    let page_impl = page.map(|p| page_like(p, fields)).unwrap_or_default();
    // Personal data and secrets (`x-sensitive` on a field or on the whole schema, `format:
    // password`) print as `[redacted]` in `Debug` (`None` stays `None`); so do the values of
    // unknown fields of such a model, which may be personal too.
    let (derive_debug, debug_impl) = if page.is_none() && (def.sensitive || fields.iter().any(|f| f.sensitive)) {
        let shown = fields.iter().map(|f| {
            let n = ident(&f.rust_name);
            let wire = &f.rust_name;
            let optional = !f.required || f.nullable;
            match (def.sensitive || f.sensitive, optional) {
                (true, true) => quote!(.field(#wire, &self.#n.as_ref().map(crate::runtime::redact::Hidden))),
                (true, false) => quote!(.field(#wire, &crate::runtime::redact::Hidden(&self.#n))),
                (false, _) => quote!(.field(#wire, &self.#n)),
            }
        });
        let type_str = &def.name;
        let imp = quote! {
            impl std::fmt::Debug for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.debug_struct(#type_str)
                        #(#shown)*
                        .field("additional_properties", &crate::runtime::redact::FieldNames(&self.additional_properties))
                        .finish()
                }
            }
        };
        (quote!(), imp)
    } else {
        (quote!(Debug,), quote!())
    };
    let (remote, tolerant_impls) = tolerant_reading(def, fields, additional, page);
    quote! {
        #docs
        #dep
        #[derive(#derive_debug Clone, PartialEq, #derive_default serde::Serialize, serde::Deserialize)]
        #bounds
        #remote
        #[non_exhaustive]
        pub struct #name #generics {
            #(#field_tokens)*
            #extra_doc
            #[serde(flatten)]
            pub additional_properties: #extra_ty,
        }
        #debug_impl
        #tolerant_impls
        #methods
        #page_impl
    }
}

fn is_date_time(f: &Field) -> bool {
    f.ty == TypeRef::DateTime && !f.boxed
}

/// Optional, non-nullable fields that are date-times or `x-inferred` are read tolerantly.
fn read_leniently(f: &Field) -> bool {
    !f.required && !f.nullable && (is_date_time(f) || f.inferred)
}

/// The model file's function reading field `f` tolerantly.
fn lenient_fn_name(f: &Field) -> String {
    format!("lenient_{}", f.rust_name.trim_start_matches("r#"))
}

/// For a struct with tolerant fields: `#[serde(remote = "Self")]`, so the derives become inherent
/// functions, and the trait impls around them that open a `lenient::Frame` and put the raw JSON of
/// mismatched fields into `additional_properties`; plus one reading function per tolerant field.
fn tolerant_reading(
    def: &TypeDef,
    fields: &[Field],
    additional: &TypeRef,
    page: Option<&PageShape>,
) -> (TokenStream, TokenStream) {
    let tolerant: Vec<&Field> =
        fields.iter().filter(|f| read_leniently(f) && page.is_none_or(|p| p.items != f.rust_name)).collect();
    if tolerant.is_empty() {
        return (quote!(), quote!());
    }
    let name = ident(&def.name);
    let model = &def.name;
    let readers = tolerant.iter().map(|f| {
        let fn_name = ident(&lenient_fn_name(f));
        let wire = &f.wire_name;
        let d = doc(&format!("Reads {} tolerantly (see `crate::runtime::lenient`).", code(wire)));
        if is_date_time(f) {
            quote! {
                #d
                fn #fn_name<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error> {
                    crate::runtime::lenient::date_time(deserializer, #model, #wire)
                }
            }
        } else {
            let mut t = rust_type(&f.ty);
            if f.boxed {
                t = quote!(Box<#t>);
            }
            quote! {
                #d
                fn #fn_name<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<#t>, D::Error> {
                    crate::runtime::lenient::field(deserializer, #model, #wire)
                }
            }
        }
    });
    let (binding, keep) = match additional {
        TypeRef::Json => (quote!(let mut value), quote!(Some(&mut value.additional_properties))),
        _ => (quote!(let value), quote!(None)),
    };
    let (de_generics, ser_generics, ty_generics) = if page.is_some() {
        (quote!(<'de, T: serde::Deserialize<'de>>), quote!(<T: serde::Serialize>), quote!(<T>))
    } else {
        (quote!(<'de>), quote!(), quote!())
    };
    let impls = quote! {
        impl #de_generics serde::Deserialize<'de> for #name #ty_generics {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let frame = crate::runtime::lenient::Frame::enter();
                #binding = Self::deserialize(deserializer)?;
                frame.finish(#keep);
                Ok(value)
            }
        }
        impl #ser_generics serde::Serialize for #name #ty_generics {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                Self::serialize(self, serializer)
            }
        }
        #(#readers)*
    };
    (quote!(#[serde(remote = "Self")]), impls)
}

/// `PageLike` for the `x-page` model: where its items, number, last flag and page count are.
fn page_like(p: &PageShape, fields: &[Field]) -> TokenStream {
    let name = ident(&p.type_name);
    let field = |rust: &Option<String>| rust.as_ref().and_then(|r| fields.iter().find(|f| &f.rust_name == r));
    let optional = |f: &Field| !f.required || f.nullable;
    let int = |f: Option<&Field>| match f {
        None => quote!(None),
        Some(f) => {
            let n = ident(&f.rust_name);
            if optional(f) {
                quote!(self.#n.map(i64::from))
            } else {
                quote!(Some(i64::from(self.#n)))
            }
        }
    };
    let (number, total_pages) = (int(field(&p.number)), int(field(&p.total_pages)));
    let last = match field(&p.last) {
        None => quote!(None),
        Some(f) => {
            let n = ident(&f.rust_name);
            if optional(f) {
                quote!(self.#n)
            } else {
                quote!(Some(self.#n))
            }
        }
    };
    let items = ident(&p.items);
    let has_next_doc =
        doc("Whether another page follows this one (see [`PageInfo::has_next`](crate::runtime::PageInfo::has_next)).");
    quote! {
        impl<T> #name<T> {
            #has_next_doc
            pub fn has_next(&self) -> bool {
                crate::runtime::PageLike::page_info(self).has_next(self.#items.len())
            }
        }
        impl<T> crate::runtime::PageLike for #name<T> {
            type Item = T;
            fn page_info(&self) -> crate::runtime::PageInfo {
                crate::runtime::PageInfo { number: #number, last: #last, total_pages: #total_pages }
            }
            fn into_items(self) -> Vec<T> {
                self.#items
            }
        }
    }
}

fn enum_tokens(def: &TypeDef, values: &[(String, String)]) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc(&type_doc(def));
    let dep = deprecated(def.deprecated);
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
        #[non_exhaustive]
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
    let dep = deprecated(def.deprecated);
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
    // With no known variant, everything is `Unknown` and written back as it came.
    let ser_body = if variants.is_empty() {
        quote! { match self { Self::Unknown(value) => value.serialize(serializer) } }
    } else {
        quote! {
            let (tag, mut value) = match self {
                #(#ser_arms)*
                Self::Unknown(value) => return value.serialize(serializer),
            };
            if let serde_json::Value::Object(map) = &mut value {
                map.entry(#property).or_insert_with(|| serde_json::Value::String(tag.to_string()));
            }
            value.serialize(serializer)
        }
    };
    quote! {
        #docs
        #dep
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#decls)*
            #unknown_doc
            Unknown(serde_json::Value),
        }
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                #ser_body
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
    let dep = deprecated(def.deprecated);
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
        #[non_exhaustive]
        pub enum #name {
            #(#decls)*
            #catch_all
        }
    }
}
