//! Schemas → model types: named component schemas and hoisted inline ones, with cycles boxed.

use super::naming::{field_name, type_name, variant_name, NameScope};
use super::{Field, TypeDef, TypeKind, TypeRef};
use crate::diagnostics::{pointer, Diagnostic, Diagnostics};
use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, OpenAPI, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Builds model types; owns the type namespace of `crate::models`.
pub struct TypeBuilder<'a> {
    spec: &'a OpenAPI,
    names: NameScope,
    components: BTreeMap<String, String>,
    defs: Vec<TypeDef>,
    /// The `x-page` schema, when the document has one.
    page: Option<super::extensions::PageSpec>,
    /// The inline schemas being turned into types, innermost last: one met again inside itself
    /// (an inline `allOf` that leads back to the component holding it) would be hoisted without end.
    in_progress: Vec<*const Schema>,
}

/// The merged view of an object schema (through `allOf`).
struct ObjectParts<'a> {
    properties: IndexMap<String, &'a ReferenceOr<Box<Schema>>>,
    required: BTreeSet<String>,
    additional: Option<&'a AdditionalProperties>,
    /// Properties collected from a schema marked `x-inferred`.
    inferred: BTreeSet<String>,
}

impl<'a> TypeBuilder<'a> {
    /// Reserves a Rust name for every component schema, so references resolve in any order.
    pub fn new(spec: &'a OpenAPI, page: Option<super::extensions::PageSpec>) -> Self {
        let mut names = NameScope::default();
        let mut components = BTreeMap::new();
        if let Some(c) = &spec.components {
            for key in c.schemas.keys() {
                components.insert(key.clone(), names.claim(type_name(key)));
            }
        }
        Self { spec, names, components, defs: Vec::new(), page, in_progress: Vec::new() }
    }

    /// Builds a type for every component schema.
    pub fn build_components(&mut self, diags: &mut Diagnostics) {
        let Some(c) = &self.spec.components else { return };
        for (key, schema) in &c.schemas {
            let Some(name) = self.components.get(key).cloned() else { continue };
            let ptr = pointer(&["components", "schemas", key]);
            let (kind, description, deprecated) = match schema {
                ReferenceOr::Reference { reference } => {
                    if reference.strip_prefix(SCHEMA_PREFIX) == Some(key.as_str()) {
                        diags.push(Diagnostic::error(
                            &ptr,
                            "this schema is only a reference to itself; give it a real definition",
                        ));
                        continue;
                    }
                    (TypeKind::Alias(self.reference(reference, &ptr, diags)), None, false)
                }
                ReferenceOr::Item(s) => {
                    (self.kind_for(&name, s, &ptr, diags), s.schema_data.description.clone(), s.schema_data.deprecated)
                }
            };
            let sensitive = matches!(schema, ReferenceOr::Item(s) if is_sensitive(s));
            let kind = match kind {
                TypeKind::Alias(t) if sensitive => TypeKind::Alias(sensitive_type(t)),
                other => other,
            };
            self.defs.push(TypeDef {
                name,
                spec_name: key.clone(),
                description,
                deprecated,
                pointer: ptr,
                kind,
                features: None,
                sensitive,
            });
        }
    }

    /// All types, with every recursive shape broken: a cycle of types that are the same value
    /// (`$ref`, one-member `allOf`, union members) is a located error, an alias that contains
    /// itself through arrays or maps is a newtype, and recursive struct fields are boxed.
    pub fn finish(mut self, diags: &mut Diagnostics) -> Vec<TypeDef> {
        refuse_value_cycles(&self.defs, diags);
        newtype_alias_cycles(&mut self.defs);
        box_cycles(&mut self.defs);
        self.defs
    }

    /// The query parameter that selects a page, when the document has an `x-page` schema.
    pub fn page_parameter(&self) -> Option<&str> {
        self.page.as_ref().map(|p| p.parameter.as_str())
    }

    /// The item type when `ty` is a page (directly or through a named alias).
    pub fn page_item(&self, ty: &TypeRef) -> Option<TypeRef> {
        match ty {
            TypeRef::Page(_, item) => Some((**item).clone()),
            TypeRef::Named(n) => self.defs.iter().find(|d| &d.name == n).and_then(|d| match &d.kind {
                TypeKind::Alias(inner) if inner != ty => self.page_item(inner),
                _ => None,
            }),
            _ => None,
        }
    }

    /// The type for a schema (plain or boxed, as openapiv3 nests them) in some context; inline
    /// objects, enums and unions are hoisted under `context` (made unique).
    pub fn type_ref<S: Borrow<Schema>>(
        &mut self,
        schema: &'a ReferenceOr<S>,
        context: &str,
        ptr: &str,
        diags: &mut Diagnostics,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => self.reference(reference, ptr, diags),
            ReferenceOr::Item(s) => self.inline(s.borrow(), context, ptr, diags),
        }
    }

    fn reference(&mut self, reference: &str, ptr: &str, diags: &mut Diagnostics) -> TypeRef {
        match reference.strip_prefix(SCHEMA_PREFIX).and_then(|k| self.components.get(k)) {
            Some(name) => TypeRef::Named(name.clone()),
            None => {
                diags.push(Diagnostic::error(
                    ptr,
                    format!("`$ref: {reference}` does not resolve; point it at an entry of #/components/schemas"),
                ));
                TypeRef::Json
            }
        }
    }

    /// Whether a body of this schema holds personal data or a secret: the schema (or the one it
    /// references) is `x-sensitive`, or one of its properties is.
    pub fn holds_sensitive(&self, schema: &'a ReferenceOr<Schema>) -> bool {
        self.holds_sensitive_at(schema, 0)
    }

    fn holds_sensitive_at(&self, schema: &'a ReferenceOr<Schema>, depth: usize) -> bool {
        let s = match schema {
            ReferenceOr::Item(s) => s,
            ReferenceOr::Reference { reference } => match self.resolve(reference) {
                Some(s) => s,
                None => return false,
            },
        };
        if is_sensitive(s) {
            return true;
        }
        if depth > 8 {
            return false;
        }
        let (props, all_of): (_, &[ReferenceOr<Schema>]) = match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (Some(&o.properties), &[]),
            SchemaKind::Any(a) => (Some(&a.properties), &a.all_of),
            SchemaKind::AllOf { all_of } => (None, all_of),
            _ => (None, &[]),
        };
        let by_property = props.into_iter().flatten().any(|(_, p)| match p {
            ReferenceOr::Item(p) => is_sensitive(p),
            ReferenceOr::Reference { reference } => self.resolve(reference).is_some_and(is_sensitive),
        });
        by_property || all_of.iter().any(|m| self.holds_sensitive_at(m, depth + 1))
    }

    fn resolve(&self, reference: &str) -> Option<&'a Schema> {
        let key = reference.strip_prefix(SCHEMA_PREFIX)?;
        let mut schema = self.spec.components.as_ref()?.schemas.get(key)?;
        for _ in 0..32 {
            match schema {
                ReferenceOr::Item(s) => return Some(s),
                ReferenceOr::Reference { reference } => {
                    let key = reference.strip_prefix(SCHEMA_PREFIX)?;
                    schema = self.spec.components.as_ref()?.schemas.get(key)?;
                }
            }
        }
        None
    }

    fn hoist(&mut self, context: &str, s: &Schema, ptr: &str, kind: TypeKind) -> TypeRef {
        let name = self.names.claim(type_name(context));
        let sensitive = is_sensitive(s);
        let kind = match kind {
            TypeKind::Alias(t) if sensitive => TypeKind::Alias(sensitive_type(t)),
            other => other,
        };
        self.defs.push(TypeDef {
            name: name.clone(),
            spec_name: context.to_string(),
            description: s.schema_data.description.clone(),
            deprecated: s.schema_data.deprecated,
            pointer: ptr.to_string(),
            kind,
            features: None,
            sensitive,
        });
        TypeRef::Named(name)
    }

    fn inline(&mut self, s: &'a Schema, context: &str, ptr: &str, diags: &mut Diagnostics) -> TypeRef {
        match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) if !st.enumeration.is_empty() => {
                let kind = enum_kind(&st.enumeration);
                self.hoist(context, s, ptr, kind)
            }
            SchemaKind::Type(t) => self.primitive(t, context, ptr, diags).unwrap_or_else(|| {
                let kind = self.kind_for(context, s, ptr, diags);
                match kind {
                    TypeKind::Alias(t) => t,
                    kind => self.hoist(context, s, ptr, kind),
                }
            }),
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => match all_of.first() {
                Some(ReferenceOr::Reference { reference }) => self.reference(reference, ptr, diags),
                // `allOf: [{allOf: [...]}]` is its one member.
                Some(ReferenceOr::Item(member)) if matches!(member.schema_kind, SchemaKind::AllOf { .. }) => {
                    self.inline(member, context, &format!("{ptr}/allOf/0"), diags)
                }
                _ => self.hoist_kind(context, s, ptr, diags),
            },
            SchemaKind::Not { .. } => {
                diags.push(Diagnostic::warning(ptr, "`not` schemas are not supported; typed as any JSON value"));
                TypeRef::Json
            }
            _ => self.hoist_kind(context, s, ptr, diags),
        }
    }

    fn hoist_kind(&mut self, context: &str, s: &'a Schema, ptr: &str, diags: &mut Diagnostics) -> TypeRef {
        let key: *const Schema = s;
        if self.in_progress.contains(&key) {
            diags.push(Diagnostic::error(
                ptr,
                "this inline schema contains itself (an `allOf` or union member leads back to the schema \
                 that holds it): name it under `#/components/schemas` and refer to it with `$ref`",
            ));
            return TypeRef::Json;
        }
        self.in_progress.push(key);
        let t = match self.kind_for(context, s, ptr, diags) {
            TypeKind::Alias(t) => t,
            kind => self.hoist(context, s, ptr, kind),
        };
        self.in_progress.pop();
        t
    }

    /// Primitive and container types that need no named type; `None` for objects with properties.
    fn primitive(&mut self, t: &'a Type, context: &str, ptr: &str, diags: &mut Diagnostics) -> Option<TypeRef> {
        Some(match t {
            Type::String(st) => match &st.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
                VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
                _ => TypeRef::String,
            },
            Type::Integer(it) => match &it.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
                _ => TypeRef::I64,
            },
            Type::Number(nt) => match &nt.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
                _ => TypeRef::F64,
            },
            Type::Boolean(_) => TypeRef::Bool,
            Type::Array(at) => {
                let item_ptr = format!("{ptr}/items");
                let item = match &at.items {
                    Some(items) => self.type_ref(items, &format!("{context}Item"), &item_ptr, diags),
                    None => TypeRef::Json,
                };
                TypeRef::Vec(Box::new(item))
            }
            Type::Object(ot) => {
                if !ot.properties.is_empty() {
                    return None;
                }
                match &ot.additional_properties {
                    Some(AdditionalProperties::Schema(v)) => {
                        let vptr = format!("{ptr}/additionalProperties");
                        let value = self.boxed_value(v, &format!("{context}Value"), &vptr, diags);
                        if value == TypeRef::Json {
                            TypeRef::JsonObject
                        } else {
                            TypeRef::Map(Box::new(value))
                        }
                    }
                    _ => TypeRef::JsonObject,
                }
            }
        })
    }

    fn boxed_value(
        &mut self,
        v: &'a ReferenceOr<Schema>,
        context: &str,
        ptr: &str,
        diags: &mut Diagnostics,
    ) -> TypeRef {
        match v {
            ReferenceOr::Item(s) if is_empty_schema(s) => TypeRef::Json,
            other => self.type_ref(other, context, ptr, diags),
        }
    }

    /// The kind of a named type for schema `s`.
    fn kind_for(&mut self, name: &str, s: &'a Schema, ptr: &str, diags: &mut Diagnostics) -> TypeKind {
        match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) if !st.enumeration.is_empty() => enum_kind(&st.enumeration),
            SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => {
                if let SchemaKind::AllOf { all_of } = &s.schema_kind {
                    if let [ReferenceOr::Reference { reference }] = all_of.as_slice() {
                        return TypeKind::Alias(self.reference(reference, ptr, diags));
                    }
                }
                let mut parts = ObjectParts {
                    properties: IndexMap::new(),
                    required: BTreeSet::new(),
                    additional: None,
                    inferred: BTreeSet::new(),
                };
                self.collect_object(s, ptr, &mut parts, diags, 0);
                if let Some(page) = self.page_of(s, &parts, ptr, diags) {
                    return page;
                }
                if parts.properties.is_empty() && !matches!(s.schema_kind, SchemaKind::AllOf { .. }) {
                    if let SchemaKind::Type(t) = &s.schema_kind {
                        if let Some(prim) = self.primitive(t, name, ptr, diags) {
                            return TypeKind::Alias(prim);
                        }
                    }
                }
                self.struct_kind(name, parts, ptr, diags)
            }
            SchemaKind::Type(t) => match self.primitive(t, name, ptr, diags) {
                Some(p) => TypeKind::Alias(p),
                None => TypeKind::Alias(TypeRef::JsonObject),
            },
            SchemaKind::OneOf { one_of } => self.union_kind(name, s, one_of, ptr, "oneOf", diags),
            SchemaKind::AnyOf { any_of } => self.union_kind(name, s, any_of, ptr, "anyOf", diags),
            SchemaKind::Not { .. } => {
                diags.push(Diagnostic::warning(ptr, "`not` schemas are not supported; typed as any JSON value"));
                TypeKind::Alias(TypeRef::Json)
            }
            SchemaKind::Any(any) => {
                if !any.properties.is_empty() || !any.all_of.is_empty() {
                    let mut parts = ObjectParts {
                        properties: IndexMap::new(),
                        required: BTreeSet::new(),
                        additional: None,
                        inferred: BTreeSet::new(),
                    };
                    self.collect_object(s, ptr, &mut parts, diags, 0);
                    self.struct_kind(name, parts, ptr, diags)
                } else if !any.one_of.is_empty() {
                    self.union_kind(name, s, &any.one_of, ptr, "oneOf", diags)
                } else if !any.any_of.is_empty() {
                    self.union_kind(name, s, &any.any_of, ptr, "anyOf", diags)
                } else if let Some(items) = &any.items {
                    let item = self.type_ref(items, &format!("{name}Item"), &format!("{ptr}/items"), diags);
                    TypeKind::Alias(TypeRef::Vec(Box::new(item)))
                } else if any.typ.as_deref() == Some("object") || any.additional_properties.is_some() {
                    TypeKind::Alias(TypeRef::JsonObject)
                } else {
                    TypeKind::Alias(TypeRef::Json)
                }
            }
        }
    }

    /// A schema that extends the `x-page` schema through `allOf` is that page over its items' type.
    fn page_of(
        &mut self,
        s: &'a Schema,
        parts: &ObjectParts<'a>,
        ptr: &str,
        diags: &mut Diagnostics,
    ) -> Option<TypeKind> {
        let page = self.page.as_ref()?;
        let SchemaKind::AllOf { all_of } = &s.schema_kind else { return None };
        let target = format!("{SCHEMA_PREFIX}{}", page.key);
        if !all_of.iter().any(|m| matches!(m, ReferenceOr::Reference { reference } if *reference == target)) {
            return None;
        }
        let (page_name, items_wire) = (self.components.get(&page.key)?.clone(), page.items.clone());
        let items_ptr = format!("{ptr}/allOf");
        let item = match parts.properties.get(&items_wire) {
            Some(ReferenceOr::Item(items)) => match &items.schema_kind {
                SchemaKind::Type(Type::Array(array)) => match &array.items {
                    Some(item) => self.type_ref(item, &format!("{page_name}Item"), &items_ptr, diags),
                    None => TypeRef::Json,
                },
                _ => return None,
            },
            _ => return None,
        };
        Some(TypeKind::Alias(TypeRef::Page(page_name, Box::new(item))))
    }

    /// Gathers properties through `allOf` (references followed), later members overriding earlier ones.
    fn collect_object(
        &self,
        s: &'a Schema,
        ptr: &str,
        parts: &mut ObjectParts<'a>,
        diags: &mut Diagnostics,
        depth: usize,
    ) {
        if depth > 32 {
            diags.push(Diagnostic::error(ptr, "`allOf` nests more than 32 levels (a cycle?); simplify it"));
            return;
        }
        if is_inferred(s, ptr, diags) {
            let before: BTreeSet<String> = parts.properties.keys().cloned().collect();
            self.collect_object_kind(s, ptr, parts, diags, depth);
            let added: Vec<String> = parts.properties.keys().filter(|k| !before.contains(*k)).cloned().collect();
            parts.inferred.extend(added);
            return;
        }
        self.collect_object_kind(s, ptr, parts, diags, depth);
    }

    fn collect_object_kind(
        &self,
        s: &'a Schema,
        ptr: &str,
        parts: &mut ObjectParts<'a>,
        diags: &mut Diagnostics,
        depth: usize,
    ) {
        match &s.schema_kind {
            SchemaKind::Type(Type::Object(ot)) => {
                for (k, v) in &ot.properties {
                    parts.properties.insert(k.clone(), v);
                }
                parts.required.extend(ot.required.iter().cloned());
                if ot.additional_properties.is_some() {
                    parts.additional = ot.additional_properties.as_ref();
                }
            }
            SchemaKind::AllOf { all_of } => self.collect_all_of(all_of, ptr, parts, diags, depth),
            SchemaKind::Any(any) => {
                for (k, v) in &any.properties {
                    parts.properties.insert(k.clone(), v);
                }
                parts.required.extend(any.required.iter().cloned());
                if any.additional_properties.is_some() {
                    parts.additional = any.additional_properties.as_ref();
                }
                self.collect_all_of(&any.all_of, ptr, parts, diags, depth);
            }
            _ => diags.push(Diagnostic::warning(
                ptr,
                "an `allOf` member that is not an object contributes no fields; it is ignored",
            )),
        }
    }

    /// Folds each `allOf` member (references followed) into `parts`.
    fn collect_all_of(
        &self,
        members: &'a [ReferenceOr<Schema>],
        ptr: &str,
        parts: &mut ObjectParts<'a>,
        diags: &mut Diagnostics,
        depth: usize,
    ) {
        for (i, member) in members.iter().enumerate() {
            let mptr = format!("{ptr}/allOf/{i}");
            match member {
                ReferenceOr::Reference { reference } => match self.resolve(reference) {
                    Some(target) => self.collect_object(target, &mptr, parts, diags, depth + 1),
                    None => diags
                        .push(Diagnostic::error(&mptr, format!("`$ref: {reference}` does not resolve to a schema"))),
                },
                ReferenceOr::Item(m) => self.collect_object(m, &mptr, parts, diags, depth + 1),
            }
        }
    }

    fn struct_kind(&mut self, name: &str, parts: ObjectParts<'a>, ptr: &str, diags: &mut Diagnostics) -> TypeKind {
        let mut scope = NameScope::with_reserved(&["additional_properties"]);
        let mut fields = Vec::new();
        for (wire, prop) in &parts.properties {
            let fptr = format!("{ptr}/properties/{}", crate::diagnostics::escape_token(wire));
            let context = format!("{name}{}", type_name(wire));
            let sensitive = match prop {
                ReferenceOr::Reference { reference } => self.resolve(reference).is_some_and(is_sensitive),
                ReferenceOr::Item(s) => is_sensitive(s),
            };
            let inferred = parts.inferred.contains(wire)
                || match prop {
                    ReferenceOr::Reference { reference } => {
                        self.resolve(reference).is_some_and(|t| is_inferred(t, &fptr, diags))
                    }
                    ReferenceOr::Item(s) => is_inferred(s, &fptr, diags),
                };
            let (ty, nullable, description, deprecated) = match prop {
                ReferenceOr::Reference { reference } => (self.reference(reference, &fptr, diags), false, None, false),
                ReferenceOr::Item(s) => {
                    let ty = match &s.schema_kind {
                        // `allOf: [$ref]` next to `nullable`/`description` is the 3.0 way to annotate a reference.
                        SchemaKind::AllOf { all_of } if all_of.len() == 1 => match all_of.first() {
                            Some(ReferenceOr::Reference { reference }) => self.reference(reference, &fptr, diags),
                            _ => self.inline(s, &context, &fptr, diags),
                        },
                        _ if is_empty_schema(s) => TypeRef::Json,
                        _ => self.inline(s, &context, &fptr, diags),
                    };
                    (ty, s.schema_data.nullable, s.schema_data.description.clone(), s.schema_data.deprecated)
                }
            };
            fields.push(Field {
                wire_name: wire.clone(),
                rust_name: scope.claim(field_name(wire)),
                ty,
                required: parts.required.contains(wire),
                nullable,
                boxed: false,
                description,
                deprecated,
                sensitive,
                inferred,
            });
        }
        for req in &parts.required {
            if !parts.properties.contains_key(req) {
                diags.push(Diagnostic::warning(
                    ptr,
                    format!("`required` names `{req}`, which is not a property; it is ignored"),
                ));
            }
        }
        let additional = match parts.additional {
            Some(AdditionalProperties::Schema(v)) => {
                self.boxed_value(v, &format!("{name}Value"), &format!("{ptr}/additionalProperties"), diags)
            }
            _ => TypeRef::Json,
        };
        TypeKind::Struct { fields, additional }
    }

    fn union_kind(
        &mut self,
        name: &str,
        s: &'a Schema,
        members: &'a [ReferenceOr<Schema>],
        ptr: &str,
        keyword: &str,
        diags: &mut Diagnostics,
    ) -> TypeKind {
        let mut scope = NameScope::with_reserved(&["Unknown"]);
        if let Some(d) = &s.schema_data.discriminator {
            let mut variants = Vec::new();
            let mut tags: BTreeMap<String, String> = BTreeMap::new();
            for (value, target) in &d.mapping {
                tags.insert(target.clone(), value.clone());
            }
            for (i, m) in members.iter().enumerate() {
                let mptr = format!("{ptr}/{keyword}/{i}");
                match m {
                    ReferenceOr::Reference { reference } => {
                        let key = reference.strip_prefix(SCHEMA_PREFIX).unwrap_or(reference).to_string();
                        let tag = tags.get(reference).cloned().unwrap_or_else(|| key.clone());
                        let ty = self.reference(reference, &mptr, diags);
                        variants.push((tag, scope.claim(variant_name(&key)), ty));
                    }
                    ReferenceOr::Item(_) => diags.push(Diagnostic::error(
                        &mptr,
                        "with a discriminator every member must be a `$ref`; move this schema to #/components/schemas",
                    )),
                }
            }
            return TypeKind::Tagged { property: d.property_name.clone(), variants };
        }
        let mut variants = Vec::new();
        for (i, m) in members.iter().enumerate() {
            let mptr = format!("{ptr}/{keyword}/{i}");
            let ty = self.type_ref(m, &format!("{name}Variant{i}"), &mptr, diags);
            let vname = match &ty {
                TypeRef::Named(n) => n.clone(),
                other => variant_for_primitive(other, i),
            };
            variants.push((scope.claim(vname), ty));
        }
        TypeKind::Untagged { variants }
    }
}

fn enum_kind(values: &[Option<String>]) -> TypeKind {
    let mut scope = NameScope::with_reserved(&["Unknown"]);
    let mut out = Vec::new();
    for v in values.iter().flatten() {
        let mut name = variant_name(v);
        if name == "Unknown" {
            name = "UnknownValue".into();
        }
        out.push((v.clone(), scope.claim(name)));
    }
    TypeKind::Enum { values: out }
}

fn variant_for_primitive(t: &TypeRef, i: usize) -> String {
    match t {
        TypeRef::String => "String".into(),
        TypeRef::Bool => "Bool".into(),
        TypeRef::I32 | TypeRef::I64 => "Integer".into(),
        TypeRef::F32 | TypeRef::F64 => "Number".into(),
        TypeRef::Vec(_) => "List".into(),
        TypeRef::Map(_) | TypeRef::JsonObject => "Object".into(),
        _ => format!("Variant{i}"),
    }
}

/// `{}` or a schema with only annotations: any JSON value.
fn is_empty_schema(s: &Schema) -> bool {
    match &s.schema_kind {
        SchemaKind::Any(a) => {
            a.typ.is_none()
                && a.properties.is_empty()
                && a.items.is_none()
                && a.all_of.is_empty()
                && a.one_of.is_empty()
                && a.any_of.is_empty()
                && a.enumeration.is_empty()
                && a.additional_properties.is_none()
        }
        _ => false,
    }
}

/// The strongly connected components of a graph that hold a cycle (two nodes or more, or one with
/// an edge to itself), each in ascending node order, ordered by their first node (Tarjan).
fn cycles(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    struct State<'e> {
        edges: &'e [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State<'_>, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in &s.edges[v] {
            match s.index.get(w).copied().flatten() {
                None if w < s.index.len() => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                _ => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 || s.edges[v].contains(&v) {
                component.sort_unstable();
                s.out.push(component);
            }
        }
    }
    let n = edges.len();
    let mut s = State {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}

/// Every model type named in `t`, at any depth (inside arrays, maps, pages).
fn named_in<'t>(t: &'t TypeRef, out: &mut Vec<&'t str>) {
    match t {
        TypeRef::Named(n) => out.push(n),
        TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Sensitive(i) => named_in(i, out),
        TypeRef::Page(p, i) => {
            out.push(p);
            named_in(i, out);
        }
        _ => {}
    }
}

/// Refuses cycles of types that are the same JSON value: an alias of a type that is an alias
/// again, a union with a member that is the union again (through `$ref`, one-member `allOf`,
/// `oneOf`/`anyOf` members), with no object, array or map in between. No JSON value has that
/// shape: Rust cannot size it, and decoding it would recurse without end.
fn refuse_value_cycles(defs: &[TypeDef], diags: &mut Diagnostics) {
    let index: BTreeMap<&str, usize> = defs.iter().enumerate().map(|(i, d)| (d.name.as_str(), i)).collect();
    let direct = |t: &TypeRef| match t {
        TypeRef::Named(n) => index.get(n.as_str()).copied(),
        _ => None,
    };
    let edges: Vec<Vec<usize>> = defs
        .iter()
        .map(|d| match &d.kind {
            TypeKind::Alias(t) | TypeKind::Newtype(t) => direct(t).into_iter().collect(),
            TypeKind::Tagged { variants, .. } => variants.iter().filter_map(|v| direct(&v.2)).collect(),
            TypeKind::Untagged { variants } => variants.iter().filter_map(|v| direct(&v.1)).collect(),
            TypeKind::Struct { .. } | TypeKind::Enum { .. } => Vec::new(),
        })
        .collect();
    for component in cycles(&edges) {
        let names: Vec<String> =
            component.iter().map(|&i| format!("`{}` ({})", defs[i].spec_name, defs[i].pointer)).collect();
        let Some(&first) = component.first() else { continue };
        let ring = if names.len() == 1 {
            "is itself".to_string()
        } else {
            format!("is itself again through {}", names[1..].join(", "))
        };
        diags.push(Diagnostic::error(
            &defs[first].pointer,
            format!(
                "`{}` {ring}, by `$ref`, one-member `allOf` or `oneOf`/`anyOf` members, with no object, array or map in between: no JSON value has this shape; remove the member or reference that leads back, or give the schema properties or items",
                defs[first].spec_name
            ),
        ));
    }
}

/// Makes newtypes of type aliases that contain themselves (through arrays, maps or pages of
/// themselves): `type A = Vec<A>` is a cycle Rust refuses (E0391), `struct A(pub Vec<A>)` is not.
fn newtype_alias_cycles(defs: &mut [TypeDef]) {
    let index: BTreeMap<String, usize> = defs.iter().enumerate().map(|(i, d)| (d.name.clone(), i)).collect();
    let edges: Vec<Vec<usize>> = defs
        .iter()
        .map(|d| match &d.kind {
            TypeKind::Alias(t) => {
                let mut names = Vec::new();
                named_in(t, &mut names);
                names
                    .into_iter()
                    .filter_map(|n| index.get(n).copied())
                    .filter(|&j| matches!(defs.get(j).map(|d| &d.kind), Some(TypeKind::Alias(_))))
                    .collect()
            }
            _ => Vec::new(),
        })
        .collect();
    for i in cycles(&edges).into_iter().flatten() {
        if let Some(def) = defs.get_mut(i) {
            if let TypeKind::Alias(t) = &def.kind {
                def.kind = TypeKind::Newtype(t.clone());
            }
        }
    }
}

/// Marks struct fields that close a by-value cycle as boxed.
fn box_cycles(defs: &mut [TypeDef]) {
    let index: BTreeMap<String, usize> = defs.iter().enumerate().map(|(i, d)| (d.name.clone(), i)).collect();
    let edges: Vec<Vec<usize>> = defs
        .iter()
        .map(|d| {
            let mut out = Vec::new();
            let mut push = |t: &TypeRef| {
                if let TypeRef::Named(n) = t {
                    if let Some(&j) = index.get(n) {
                        out.push(j);
                    }
                }
            };
            match &d.kind {
                TypeKind::Struct { fields, .. } => fields.iter().for_each(|f| push(&f.ty)),
                TypeKind::Alias(t) | TypeKind::Newtype(t) => push(t),
                TypeKind::Tagged { variants, .. } => variants.iter().for_each(|v| push(&v.2)),
                TypeKind::Untagged { variants } => variants.iter().for_each(|v| push(&v.1)),
                TypeKind::Enum { .. } => {}
            }
            out
        })
        .collect();
    let reaches = |from: usize, to: usize| -> bool {
        let mut seen = vec![false; edges.len()];
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if std::mem::replace(&mut seen[n], true) {
                continue;
            }
            stack.extend(edges[n].iter().copied());
        }
        false
    };
    let to_box: Vec<(usize, usize)> = defs
        .iter()
        .enumerate()
        .flat_map(|(i, d)| {
            let fields: &[Field] = match &d.kind {
                TypeKind::Struct { fields, .. } => fields,
                _ => &[],
            };
            fields
                .iter()
                .enumerate()
                .filter(|(_, f)| match &f.ty {
                    TypeRef::Named(n) => index.get(n).is_some_and(|&j| reaches(j, i)),
                    _ => false,
                })
                .map(move |(fi, _)| (i, fi))
                .collect::<Vec<_>>()
        })
        .collect();
    for (i, fi) in to_box {
        if let Some(TypeKind::Struct { fields, .. }) = defs.get_mut(i).map(|d| &mut d.kind) {
            if let Some(f) = fields.get_mut(fi) {
                f.boxed = true;
            }
        }
    }
}

/// Whether a schema's shape is inferred (`x-inferred: true`): its fields are read tolerantly. A
/// value other than a boolean is a warning.
fn is_inferred(schema: &Schema, ptr: &str, diags: &mut Diagnostics) -> bool {
    match schema.schema_data.extensions.get("x-inferred") {
        None => false,
        Some(serde_json::Value::Bool(b)) => *b,
        Some(_) => {
            diags.push(Diagnostic::warning(
                format!("{ptr}/x-inferred"),
                "`x-inferred` must be `true` or `false`; it is ignored",
            ));
            false
        }
    }
}

/// Whether extensions say `x-sensitive: true` (a schema, a parameter, a request body).
pub(crate) fn marked_sensitive(extensions: &IndexMap<String, serde_json::Value>) -> bool {
    extensions.get("x-sensitive").and_then(serde_json::Value::as_bool) == Some(true)
}

/// `t` marked as personal data or a secret (named types redact themselves).
pub(crate) fn sensitive_type(t: TypeRef) -> TypeRef {
    match t {
        TypeRef::Named(_) | TypeRef::Sensitive(_) => t,
        other => TypeRef::Sensitive(Box::new(other)),
    }
}

/// Whether a schema holds personal data or a secret: `x-sensitive: true`, or a string with
/// `format: password` (`x-sensitive: false` records that a field that looks personal is not).
pub(crate) fn is_sensitive(schema: &Schema) -> bool {
    let marked = marked_sensitive(&schema.schema_data.extensions);
    let password = matches!(
        &schema.schema_kind,
        SchemaKind::Type(openapiv3::Type::String(s))
            if matches!(s.format, openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Password))
    );
    marked || password
}
