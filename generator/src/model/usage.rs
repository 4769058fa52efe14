//! Which Cargo features need each model type: a type compiles only with the services whose
//! operations use it (directly or through other types), so one service alone compiles only its own
//! models. Types no operation uses, and those the token exchange needs, always compile.

use super::{BodyKind, Service, TokenExchange, TypeDef, TypeKind, TypeRef};
use std::collections::{BTreeMap, BTreeSet};

/// The named types a reference mentions.
fn named<'t>(t: &'t TypeRef, out: &mut Vec<&'t str>) {
    match t {
        TypeRef::Named(n) => out.push(n),
        TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Sensitive(i) => named(i, out),
        TypeRef::Page(p, i) => {
            out.push(p);
            named(i, out);
        }
        _ => {}
    }
}

fn children(def: &TypeDef) -> Vec<&str> {
    let mut out = Vec::new();
    match &def.kind {
        TypeKind::Struct { fields, additional } => {
            fields.iter().for_each(|f| named(&f.ty, &mut out));
            named(additional, &mut out);
        }
        TypeKind::Tagged { variants, .. } => variants.iter().for_each(|(_, _, t)| named(t, &mut out)),
        TypeKind::Untagged { variants } => variants.iter().for_each(|(_, t)| named(t, &mut out)),
        TypeKind::Alias(t) | TypeKind::Newtype(t) => named(t, &mut out),
        TypeKind::Enum { .. } => {}
    }
    out
}

/// Sets `TypeDef::features`: `None` (always) or the features of the services that use the type.
pub fn assign_features(types: &mut [TypeDef], services: &[Service], exchange: Option<&TokenExchange>) {
    let index: BTreeMap<String, usize> = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    let reach = |roots: Vec<&str>| -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<usize> = roots.iter().filter_map(|r| index.get(*r).copied()).collect();
        while let Some(i) = stack.pop() {
            if seen.insert(i) {
                stack.extend(children(&types[i]).iter().filter_map(|c| index.get(*c).copied()));
            }
        }
        seen
    };
    let mut users: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let mut always_roots = Vec::new();
    for s in services {
        let mut roots = Vec::new();
        for op in &s.operations {
            let mut op_roots = Vec::new();
            op.params.iter().for_each(|p| named(&p.ty, &mut op_roots));
            if let Some(BodyKind::Json(t)) = op.body.as_ref().map(|b| &b.kind) {
                named(t, &mut op_roots);
            }
            for r in &op.responses {
                if let Some(BodyKind::Json(t)) = r.body.as_ref().map(|b| &b.kind) {
                    named(t, &mut op_roots);
                }
            }
            if exchange.is_some_and(|e| e.operation_id == op.operation_id) {
                always_roots.extend(op_roots.iter().copied());
            }
            roots.extend(op_roots);
        }
        for i in reach(roots) {
            users.entry(i).or_default().insert(s.feature.clone());
        }
    }
    let always = reach(always_roots);
    for (i, def) in types.iter_mut().enumerate() {
        def.features = match users.get(&i) {
            Some(features) if !always.contains(&i) => Some(features.iter().cloned().collect()),
            _ => None,
        };
    }
}
