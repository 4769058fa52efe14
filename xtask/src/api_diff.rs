//! `cargo xtask api-diff OLD NEW` (or `--since REV`): every change to the generated Rust API between
//! two versions of a spec, computed from the two models, each classified for a Rust consumer of the
//! generated crate, with the semver bump it implies.
//!
//! [`diff`] compares two models and [`render_markdown`] prints the report; [`main`] is the command.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use sdk_codegen::model::{
    Api, Body, BodyKind, ErrorRegistry, Field, Operation, Param, ParamLocation, Response, Service, TypeDef, TypeKind,
    TypeRef,
};

const USAGE: &str = "usage: cargo xtask api-diff [--deny-breaking] OLD NEW
       cargo xtask api-diff [--deny-breaking] --since REV

Lists every change to the generated Rust API between two specs (OLD and NEW files, or the committed
spec/trustx.yaml at git revision REV and the working-tree file), classified as breaking, additive or
documentation-only, as Markdown.

Exit code: 0; 1 with --deny-breaking when there are breaking changes; 2 when a spec cannot be read
or modelled. With --since, a revision without the spec (or a shallow clone) prints a note and exits 0.";

/// Whether the generated model structs are `#[non_exhaustive]` (`generator/src/emit/models.rs`). They
/// are: consumers build them with `new()` and `with_…` setters, so an added optional field breaks
/// nothing. `tests/tests/api_diff.rs` checks this against `generated/`.
pub const MODEL_STRUCTS_NON_EXHAUSTIVE: bool = true;

/// Whether the generated string enums are `#[non_exhaustive]`. They are: a `match` must have a
/// wildcard arm, so a new variant breaks nothing (on the wire a new value was already accepted, as
/// `Unknown`). Checked like [`MODEL_STRUCTS_NON_EXHAUSTIVE`].
pub const MODEL_ENUMS_NON_EXHAUSTIVE: bool = true;

/// What a change means for a Rust consumer of the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Code that compiled against the old crate may not compile (or means something else).
    Breaking,
    /// New API; existing code keeps compiling.
    Additive,
    /// Only docs, attributes that warn, or facts outside the Rust API change.
    Documentation,
}

impl Impact {
    fn label(self) -> &'static str {
        match self {
            Impact::Breaking => "breaking",
            Impact::Additive => "additive",
            Impact::Documentation => "documentation-only",
        }
    }
}

/// The kinds of change, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A service (tag) added or removed.
    Service,
    /// An operation added, removed, renamed or moved.
    Operation,
    /// A parameter of an operation.
    Parameter,
    /// An operation's request body.
    RequestBody,
    /// An operation's responses (return type, documented statuses).
    Response,
    /// A model type added, removed or changed as a whole.
    Model,
    /// A field of a model struct.
    Field,
    /// A value of a string enum, or a variant of a `oneOf` enum.
    EnumValue,
    /// An error code, in a service registry or documented on a response.
    ErrorCode,
    /// A permission of an operation, or a permission constant.
    Permission,
    /// A deprecation added or removed.
    Deprecation,
    /// The beta flag of an operation.
    Beta,
    /// Prose: summaries and descriptions.
    Description,
}

impl Kind {
    fn title(self) -> &'static str {
        match self {
            Kind::Service => "Services",
            Kind::Operation => "Operations",
            Kind::Parameter => "Parameters",
            Kind::RequestBody => "Request bodies",
            Kind::Response => "Responses",
            Kind::Model => "Model types",
            Kind::Field => "Model fields",
            Kind::EnumValue => "Enum values",
            Kind::ErrorCode => "Error codes",
            Kind::Permission => "Permissions",
            Kind::Deprecation => "Deprecations",
            Kind::Beta => "Beta flags",
            Kind::Description => "Descriptions",
        }
    }
}

/// One change to the generated API.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// What kind of item changed.
    pub kind: Kind,
    /// Breaking, additive or documentation-only.
    pub impact: Impact,
    /// The Rust item, as a consumer writes it (`arthr().list_tenant_api_keys`, `models::ApiKey.name`).
    pub subject: String,
    /// What changed.
    pub change: String,
    /// Why it has that impact, in one line.
    pub reason: String,
}

/// Collects changes.
struct Changes(Vec<Change>);

impl Changes {
    fn push(&mut self, kind: Kind, impact: Impact, subject: &str, change: String, reason: &str) {
        self.0.push(Change { kind, impact, subject: subject.to_owned(), change, reason: reason.to_owned() });
    }
}

/// Every change from `old` to `new`, sorted by kind, impact, subject and change.
pub fn diff(old: &Api, new: &Api) -> Vec<Change> {
    let mut out = Changes(Vec::new());
    diff_services(old, new, &mut out);
    diff_operations(old, new, &mut out);
    diff_types(old, new, &mut out);
    diff_error_registries(&old.error_registries, &new.error_registries, &mut out);
    diff_permission_constants(old, new, &mut out);
    let mut changes = out.0;
    changes.sort();
    changes.dedup();
    changes
}

// ---------------------------------------------------------------------------------------------
// Services and operations

fn diff_services(old: &Api, new: &Api, out: &mut Changes) {
    let old_by_tag: BTreeMap<&str, &Service> = old.services.iter().map(|s| (s.tag.as_str(), s)).collect();
    let new_by_tag: BTreeMap<&str, &Service> = new.services.iter().map(|s| (s.tag.as_str(), s)).collect();
    for (tag, o) in &old_by_tag {
        let subject = format!("`{}()`", o.module);
        match new_by_tag.get(tag) {
            None => out.push(
                Kind::Service,
                Impact::Breaking,
                &subject,
                format!("service `{tag}` removed (feature `{}`)", o.feature),
                "the client accessor, its client type and its Cargo feature are gone",
            ),
            Some(n) => {
                if (&o.module, &o.client_name, &o.feature) != (&n.module, &n.client_name, &n.feature) {
                    out.push(
                        Kind::Service,
                        Impact::Breaking,
                        &subject,
                        format!(
                            "service `{tag}` now `{}()` / `{}` / feature `{}` (was `{}` / feature `{}`)",
                            n.module, n.client_name, n.feature, o.client_name, o.feature
                        ),
                        "the accessor, client type or feature name changed",
                    );
                }
                if o.description != n.description {
                    out.push(
                        Kind::Description,
                        Impact::Documentation,
                        &subject,
                        "service description changed".into(),
                        "rustdoc only",
                    );
                }
            }
        }
    }
    for (tag, n) in &new_by_tag {
        if !old_by_tag.contains_key(tag) {
            out.push(
                Kind::Service,
                Impact::Additive,
                &format!("`{}()`", n.module),
                format!("service `{tag}` added (feature `{}`)", n.feature),
                "a new accessor, client type and Cargo feature",
            );
        }
    }
}

/// An operation with the service it belongs to.
#[derive(Clone, Copy)]
struct Op<'a> {
    service: &'a Service,
    op: &'a Operation,
}

impl Op<'_> {
    fn subject(&self) -> String {
        format!("`{}().{}`", self.service.module, self.op.fn_name)
    }
    fn endpoint(&self) -> String {
        format!("`{} {}`", self.op.method, self.op.path)
    }
    /// Method and path with parameter names blanked, which identifies the endpoint.
    fn endpoint_key(&self) -> (String, String) {
        let mut path = String::new();
        let mut in_param = false;
        for c in self.op.path.chars() {
            match c {
                '{' => {
                    in_param = true;
                    path.push_str("{}");
                }
                '}' => in_param = false,
                _ if !in_param => path.push(c),
                _ => {}
            }
        }
        (self.op.method.clone(), path)
    }
}

fn operations(api: &Api) -> BTreeMap<&str, Op<'_>> {
    let mut map = BTreeMap::new();
    for service in &api.services {
        for op in &service.operations {
            map.insert(op.operation_id.as_str(), Op { service, op });
        }
    }
    map
}

fn diff_operations(old: &Api, new: &Api, out: &mut Changes) {
    let old_ops = operations(old);
    let new_ops = operations(new);
    let mut pairs: Vec<(Op, Op)> = Vec::new();
    let mut removed: Vec<Op> = Vec::new();
    for (id, o) in &old_ops {
        match new_ops.get(id) {
            Some(n) => pairs.push((*o, *n)),
            None => removed.push(*o),
        }
    }
    let mut added: Vec<Op> = new_ops.iter().filter(|(id, _)| !old_ops.contains_key(*id)).map(|(_, n)| *n).collect();
    // Same method and path under another operationId: a rename.
    let mut still_removed = Vec::new();
    for o in removed {
        match added.iter().position(|n| n.endpoint_key() == o.endpoint_key()) {
            Some(i) => {
                let n = added.remove(i);
                diff_rename(o, n, out);
                pairs.push((o, n));
            }
            None => still_removed.push(o),
        }
    }
    for o in still_removed {
        out.push(
            Kind::Operation,
            Impact::Breaking,
            &o.subject(),
            format!("removed (`{}`, {})", o.op.operation_id, o.endpoint()),
            "calls to the method and uses of its builder type stop compiling",
        );
    }
    for n in added {
        out.push(
            Kind::Operation,
            Impact::Additive,
            &n.subject(),
            format!("added (`{}`, {})", n.op.operation_id, n.endpoint()),
            "a new client method and builder type",
        );
    }
    for (o, n) in pairs {
        diff_operation(o, n, out);
    }
}

fn diff_rename(o: Op, n: Op, out: &mut Changes) {
    let names_changed = o.op.fn_name != n.op.fn_name || o.op.builder_name != n.op.builder_name;
    let (impact, reason) = if names_changed {
        (Impact::Breaking, "the client method and builder type have new names; old calls stop compiling")
    } else {
        (Impact::Documentation, "the Rust names are the same; only the operation id in docs and `META` changed")
    };
    out.push(
        Kind::Operation,
        impact,
        &n.subject(),
        format!(
            "renamed: `{}` → `{}` (was {}, builder `{}` → `{}`; {})",
            o.op.operation_id,
            n.op.operation_id,
            o.subject(),
            o.op.builder_name,
            n.op.builder_name,
            n.endpoint()
        ),
        reason,
    );
}

fn diff_operation(o: Op, n: Op, out: &mut Changes) {
    let subject = n.subject();
    if o.service.tag != n.service.tag {
        out.push(
            Kind::Operation,
            Impact::Breaking,
            &subject,
            format!("moved from service `{}` to `{}`", o.service.tag, n.service.tag),
            "it is called through another client accessor and gated by another feature",
        );
    } else if o.op.fn_name == n.op.fn_name && o.op.builder_name != n.op.builder_name {
        out.push(
            Kind::Operation,
            Impact::Breaking,
            &subject,
            format!("builder type `{}` → `{}`", o.op.builder_name, n.op.builder_name),
            "code naming the builder type stops compiling",
        );
    }
    if (&o.op.method, &o.op.path) != (&n.op.method, &n.op.path) {
        out.push(
            Kind::Operation,
            Impact::Documentation,
            &subject,
            format!("endpoint {} → {}", o.endpoint(), n.endpoint()),
            "same Rust signature; the SDK sends the request to the new endpoint",
        );
    }
    match (&o.op.pagination, &n.op.pagination) {
        (None, Some(_)) => out.push(
            Kind::Operation,
            Impact::Additive,
            &subject,
            "gains `into_stream()`".into(),
            "new methods on the builder",
        ),
        (Some(_), None) => out.push(
            Kind::Operation,
            Impact::Breaking,
            &subject,
            "loses `into_stream()`".into(),
            "calls to `into_stream()` stop compiling",
        ),
        _ => {}
    }
    diff_params(&subject, &o.op.params, &n.op.params, out);
    diff_body(&subject, o.op.body.as_ref(), n.op.body.as_ref(), out);
    diff_responses(&subject, o.op, n.op, out);

    let (op_perm, np_perm) = (o.op.permission.as_ref(), n.op.permission.as_ref());
    if op_perm.map(|p| &p.template) != np_perm.map(|p| &p.template) {
        let show = |p: Option<&sdk_codegen::model::PermissionRef>| {
            p.map(|p| format!("`{}`", p.template)).unwrap_or_else(|| "none".into())
        };
        out.push(
            Kind::Permission,
            Impact::Documentation,
            &subject,
            format!("permission {} → {}", show(op_perm), show(np_perm)),
            "same Rust API, but the API key's role must hold the new permission",
        );
    }
    flag(out, Kind::Deprecation, &subject, "operation", o.op.deprecated, n.op.deprecated);
    if o.op.beta != n.op.beta {
        let change = if n.op.beta { "marked beta" } else { "no longer beta" };
        out.push(Kind::Beta, Impact::Documentation, &subject, change.into(), "docs and `META.beta` only");
    }
    prose(out, &subject, "summary", &o.op.summary, &n.op.summary);
    prose(out, &subject, "description", &o.op.description, &n.op.description);
}

/// A `deprecated` flag that changed.
fn flag(out: &mut Changes, kind: Kind, subject: &str, what: &str, old: bool, new: bool) {
    if old == new {
        return;
    }
    let (change, reason) = if new {
        (format!("{what} deprecated"), "`#[deprecated]`: uses compile with a warning")
    } else {
        (format!("{what} no longer deprecated"), "the `#[deprecated]` warning goes away")
    };
    out.push(kind, Impact::Documentation, subject, change, reason);
}

/// Prose that changed.
fn prose(out: &mut Changes, subject: &str, what: &str, old: &Option<String>, new: &Option<String>) {
    let norm = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if norm(old) != norm(new) {
        out.push(Kind::Description, Impact::Documentation, subject, format!("{what} changed"), "rustdoc only");
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters and bodies

fn location(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

type ParamKey = (&'static str, String);

/// Path parameters renamed in the template (`{id}` → `{ownerId}`): the same position, the same type,
/// and neither name on the other side. They stay the same positional argument. New wire name → old.
fn renamed_path_params(old: &[Param], new: &[Param]) -> BTreeMap<String, String> {
    let path =
        |ps: &[Param]| -> Vec<Param> { ps.iter().filter(|p| p.location == ParamLocation::Path).cloned().collect() };
    let (old_path, new_path) = (path(old), path(new));
    old_path
        .iter()
        .zip(&new_path)
        .filter(|(o, n)| {
            o.wire_name != n.wire_name
                && o.ty == n.ty
                && !new_path.iter().any(|p| p.wire_name == o.wire_name)
                && !old_path.iter().any(|p| p.wire_name == n.wire_name)
        })
        .map(|(o, n)| (n.wire_name.clone(), o.wire_name.clone()))
        .collect()
}

fn diff_params(op: &str, old: &[Param], new: &[Param], out: &mut Changes) {
    let renamed = renamed_path_params(old, new);
    let key = |p: &Param| -> ParamKey { (location(p.location), p.wire_name.clone()) };
    let new_key = |p: &Param| -> ParamKey {
        match renamed.get(&p.wire_name) {
            Some(old_name) if p.location == ParamLocation::Path => ("path", old_name.clone()),
            _ => key(p),
        }
    };
    let old_by: BTreeMap<ParamKey, &Param> = old.iter().map(|p| (key(p), p)).collect();
    let new_by: BTreeMap<ParamKey, &Param> = new.iter().map(|p| (new_key(p), p)).collect();
    let subject = |p: &Param| format!("{op} `{}` ({} `{}`)", p.rust_name, location(p.location), p.wire_name);
    for (k, o) in &old_by {
        let Some(n) = new_by.get(k) else {
            let (change, reason) = if o.required {
                ("required parameter removed", "the method loses an argument; calls stop compiling")
            } else {
                ("optional parameter removed", "the builder loses the setter; calls to it stop compiling")
            };
            out.push(Kind::Parameter, Impact::Breaking, &subject(o), change.into(), reason);
            continue;
        };
        let s = subject(n);
        if o.wire_name != n.wire_name {
            out.push(
                Kind::Parameter,
                Impact::Documentation,
                &s,
                format!("path parameter `{{{}}}` → `{{{}}}`", o.wire_name, n.wire_name),
                "the same positional argument; only the template's name for it changed",
            );
        }
        match (o.required, n.required) {
            (false, true) => out.push(
                Kind::Parameter,
                Impact::Breaking,
                &s,
                "made required".into(),
                "the setter becomes an argument of the method",
            ),
            (true, false) => out.push(
                Kind::Parameter,
                Impact::Breaking,
                &s,
                "made optional".into(),
                "the argument becomes a setter on the builder",
            ),
            _ => {}
        }
        if o.ty != n.ty {
            out.push(
                Kind::Parameter,
                Impact::Breaking,
                &s,
                format!("type `{}` → `{}`", ty(&o.ty), ty(&n.ty)),
                "callers pass values of the old type",
            );
        }
        if o.rust_name != n.rust_name && !(o.required && n.required) {
            out.push(
                Kind::Parameter,
                Impact::Breaking,
                &s,
                format!("setter `{}` → `{}`", o.rust_name, n.rust_name),
                "calls to the old setter stop compiling",
            );
        } else if o.rust_name != n.rust_name {
            out.push(
                Kind::Parameter,
                Impact::Documentation,
                &s,
                format!("argument name `{}` → `{}`", o.rust_name, n.rust_name),
                "arguments are positional; only the docs change",
            );
        }
        flag(out, Kind::Deprecation, &s, "parameter", o.deprecated, n.deprecated);
        prose(out, &s, "description", &o.description, &n.description);
        if o.default != n.default {
            out.push(
                Kind::Description,
                Impact::Documentation,
                &s,
                format!(
                    "documented default {} → {}",
                    o.default.as_deref().unwrap_or("none"),
                    n.default.as_deref().unwrap_or("none")
                ),
                "rustdoc only; the SDK sends nothing it is not given",
            );
        }
    }
    for (k, n) in &new_by {
        if old_by.contains_key(k) {
            continue;
        }
        if n.required {
            out.push(
                Kind::Parameter,
                Impact::Breaking,
                &subject(n),
                format!("required parameter added (`{}`)", ty(&n.ty)),
                "the method gains an argument; existing calls stop compiling",
            );
        } else {
            out.push(
                Kind::Parameter,
                Impact::Additive,
                &subject(n),
                format!("optional parameter added (`{}`)", ty(&n.ty)),
                "a new setter on the builder",
            );
        }
    }
    // Required parameters are positional arguments: their order is part of the signature.
    let order = |ps: &[Param], k: &dyn Fn(&Param) -> ParamKey, other: &BTreeMap<ParamKey, &Param>| -> Vec<ParamKey> {
        ps.iter().filter(|p| p.required && other.get(&k(p)).is_some_and(|q| q.required)).map(k).collect()
    };
    let (old_order, new_order) = (order(old, &key, &new_by), order(new, &new_key, &old_by));
    if old_order != new_order {
        let names = |v: &[(&str, String)]| v.iter().map(|(_, w)| format!("`{w}`")).collect::<Vec<_>>().join(", ");
        out.push(
            Kind::Parameter,
            Impact::Breaking,
            op,
            format!("argument order {} → {}", names(&old_order), names(&new_order)),
            "positional arguments swap; calls may stop compiling or pass values to the wrong parameter",
        );
    }
}

fn body_type(kind: &BodyKind) -> String {
    match kind {
        BodyKind::Json(t) => ty(t),
        BodyKind::Binary => "Bytes".into(),
        BodyKind::Text => "String".into(),
    }
}

fn diff_body(op: &str, old: Option<&Body>, new: Option<&Body>, out: &mut Changes) {
    let subject = format!("{op} body");
    match (old, new) {
        (None, None) => {}
        (None, Some(n)) if n.required => out.push(
            Kind::RequestBody,
            Impact::Breaking,
            &subject,
            format!("required body added (`{}`)", body_type(&n.kind)),
            "the method gains a `body` argument",
        ),
        (None, Some(n)) => out.push(
            Kind::RequestBody,
            Impact::Additive,
            &subject,
            format!("optional body added (`{}`)", body_type(&n.kind)),
            "a new `body()` setter",
        ),
        (Some(o), None) => out.push(
            Kind::RequestBody,
            Impact::Breaking,
            &subject,
            format!("body removed (`{}`)", body_type(&o.kind)),
            if o.required { "the method loses its `body` argument" } else { "the `body()` setter is gone" },
        ),
        (Some(o), Some(n)) => {
            if o.required != n.required {
                let (change, reason) = if n.required {
                    ("body made required", "the `body()` setter becomes an argument of the method")
                } else {
                    ("body made optional", "the `body` argument becomes a `body()` setter")
                };
                out.push(Kind::RequestBody, Impact::Breaking, &subject, change.into(), reason);
            }
            let (ot, nt) = (body_type(&o.kind), body_type(&n.kind));
            if ot != nt {
                out.push(
                    Kind::RequestBody,
                    Impact::Breaking,
                    &subject,
                    format!("type `{ot}` → `{nt}`"),
                    "callers pass a value of the old type",
                );
            } else if o.media_type != n.media_type {
                out.push(
                    Kind::RequestBody,
                    Impact::Documentation,
                    &subject,
                    format!("media type `{}` → `{}`", o.media_type, n.media_type),
                    "same Rust type; the SDK sends the new `Content-Type`",
                );
            }
            prose(out, &subject, "description", &o.description, &n.description);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Responses

fn response_type(r: &Response) -> String {
    match r.body.as_ref().map(|b| &b.kind) {
        Some(BodyKind::Json(t)) => ty(t),
        Some(BodyKind::Binary) => "ByteStream".into(),
        Some(BodyKind::Text) => "String".into(),
        None => "EmptyResponse".into(),
    }
}

/// What `send()` returns, as the emitter decides it (`emit/operations.rs`, `response_handling`).
fn returns(op: &Operation) -> String {
    let success: Vec<&Response> = op.responses.iter().filter(|r| r.is_success()).collect();
    match (success.as_slice(), &op.response_enum) {
        ([], _) => "EmptyResponse".into(),
        ([one], _) => response_type(one),
        (many, Some(name)) => {
            let variants: Vec<String> = many.iter().map(|r| format!("{}({})", r.variant, response_type(r))).collect();
            format!("{name} {{ {} }}", variants.join(", "))
        }
        (_, None) => "EmptyResponse".into(),
    }
}

fn diff_responses(op: &str, o: &Operation, n: &Operation, out: &mut Changes) {
    let (old_ret, new_ret) = (returns(o), returns(n));
    let return_changed = old_ret != new_ret;
    if return_changed {
        out.push(
            Kind::Response,
            Impact::Breaking,
            op,
            format!("`send()` returns `{new_ret}` (was `{old_ret}`)"),
            "code using the result is written for the old type",
        );
    }
    let old_by: BTreeMap<&str, &Response> = o.responses.iter().map(|r| (r.status_key.as_str(), r)).collect();
    let new_by: BTreeMap<&str, &Response> = n.responses.iter().map(|r| (r.status_key.as_str(), r)).collect();
    for (status, r) in &old_by {
        let s = format!("{op} status {status}");
        match new_by.get(status) {
            None if r.is_success() && return_changed => {}
            None => out.push(
                Kind::Response,
                Impact::Documentation,
                &s,
                "status no longer documented".into(),
                if r.is_success() {
                    "the return type is unchanged"
                } else {
                    "errors are `Error::Http` whatever the status; rustdoc only"
                },
            ),
            Some(nr) => {
                if r.description.trim() != nr.description.trim() {
                    out.push(
                        Kind::Description,
                        Impact::Documentation,
                        &s,
                        "description changed".into(),
                        "rustdoc only",
                    );
                }
                diff_response_codes(&s, r, nr, out);
            }
        }
    }
    for (status, r) in &new_by {
        if old_by.contains_key(status) || (r.is_success() && return_changed) {
            continue;
        }
        out.push(
            Kind::Response,
            Impact::Documentation,
            &format!("{op} status {status}"),
            "status documented".into(),
            if r.is_success() {
                "the return type is unchanged"
            } else {
                "errors are `Error::Http` whatever the status; rustdoc only"
            },
        );
    }
}

fn diff_response_codes(subject: &str, o: &Response, n: &Response, out: &mut Changes) {
    let old_codes: BTreeMap<i64, &Option<String>> = o.error_codes.iter().map(|(c, d)| (*c, d)).collect();
    let new_codes: BTreeMap<i64, &Option<String>> = n.error_codes.iter().map(|(c, d)| (*c, d)).collect();
    for (code, desc) in &old_codes {
        match new_codes.get(code) {
            None => out.push(
                Kind::ErrorCode,
                Impact::Documentation,
                subject,
                format!("error code {code} no longer documented"),
                "per-status codes are rustdoc only",
            ),
            Some(nd) if nd != desc => out.push(
                Kind::Description,
                Impact::Documentation,
                subject,
                format!("wording of error code {code} changed"),
                "rustdoc only",
            ),
            Some(_) => {}
        }
    }
    for code in new_codes.keys() {
        if !old_codes.contains_key(code) {
            out.push(
                Kind::ErrorCode,
                Impact::Documentation,
                subject,
                format!("error code {code} documented"),
                "per-status codes are rustdoc only",
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Model types

fn kind_name(k: &TypeKind) -> &'static str {
    match k {
        TypeKind::Struct { .. } => "struct",
        TypeKind::Enum { .. } => "string enum",
        TypeKind::Tagged { .. } => "tagged enum",
        TypeKind::Untagged { .. } => "untagged enum",
        TypeKind::Alias(_) => "type alias",
        TypeKind::Newtype(_) => "newtype",
    }
}

fn diff_types(old: &Api, new: &Api, out: &mut Changes) {
    let old_by: BTreeMap<&str, &TypeDef> = old.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let new_by: BTreeMap<&str, &TypeDef> = new.types.iter().map(|t| (t.name.as_str(), t)).collect();
    for (name, o) in &old_by {
        let subject = format!("`models::{name}`");
        let Some(n) = new_by.get(name) else {
            out.push(
                Kind::Model,
                Impact::Breaking,
                &subject,
                format!("{} removed", kind_name(&o.kind)),
                "code naming the type stops compiling",
            );
            continue;
        };
        flag(out, Kind::Deprecation, &subject, "type", o.deprecated, n.deprecated);
        prose(out, &subject, "description", &o.description, &n.description);
        match (&o.kind, &n.kind) {
            (TypeKind::Struct { fields: of, additional: oa }, TypeKind::Struct { fields: nf, additional: na }) => {
                diff_fields(name, of, nf, out);
                if oa != na {
                    out.push(
                        Kind::Field,
                        Impact::Breaking,
                        &format!("`models::{name}.additional_properties`"),
                        format!("values `{}` → `{}`", ty(oa), ty(na)),
                        "the map of unknown fields has another value type",
                    );
                }
            }
            (TypeKind::Enum { values: ov }, TypeKind::Enum { values: nv }) => diff_enum(name, ov, nv, out),
            (TypeKind::Tagged { property: op, variants: ov }, TypeKind::Tagged { property: np, variants: nv }) => {
                if op != np {
                    out.push(
                        Kind::Model,
                        Impact::Breaking,
                        &subject,
                        format!("discriminator `{op}` → `{np}`"),
                        "values are told apart by another property",
                    );
                }
                let ov: Vec<(String, String)> =
                    ov.iter().map(|(tag, v, t)| (format!("`{v}({})` (`{tag}`)", ty(t)), tag.clone())).collect();
                let nv: Vec<(String, String)> =
                    nv.iter().map(|(tag, v, t)| (format!("`{v}({})` (`{tag}`)", ty(t)), tag.clone())).collect();
                diff_variants(name, &ov, &nv, out);
            }
            (TypeKind::Untagged { variants: ov }, TypeKind::Untagged { variants: nv }) => {
                let ov: Vec<(String, String)> =
                    ov.iter().map(|(v, t)| (format!("`{v}({})`", ty(t)), v.clone())).collect();
                let nv: Vec<(String, String)> =
                    nv.iter().map(|(v, t)| (format!("`{v}({})`", ty(t)), v.clone())).collect();
                diff_variants(name, &ov, &nv, out);
            }
            (TypeKind::Alias(ot), TypeKind::Alias(nt)) | (TypeKind::Newtype(ot), TypeKind::Newtype(nt)) => {
                if ot != nt {
                    out.push(
                        Kind::Model,
                        Impact::Breaking,
                        &subject,
                        format!("alias of `{}` → `{}`", ty(ot), ty(nt)),
                        "the alias names another type",
                    );
                }
            }
            (ok, nk) => out.push(
                Kind::Model,
                Impact::Breaking,
                &subject,
                format!("{} → {}", kind_name(ok), kind_name(nk)),
                "the type has another shape",
            ),
        }
    }
    for (name, n) in &new_by {
        if !old_by.contains_key(name) {
            out.push(
                Kind::Model,
                Impact::Additive,
                &format!("`models::{name}`"),
                format!("{} added", kind_name(&n.kind)),
                "a new type",
            );
        }
    }
}

/// The Rust type of a field, with its `Option`s and `Box`.
fn field_type(f: &Field) -> String {
    let mut t = ty(&f.ty);
    if f.boxed {
        t = format!("Box<{t}>");
    }
    if f.nullable {
        t = format!("Option<{t}>");
    }
    if !f.required {
        t = format!("Option<{t}>");
    }
    t
}

fn diff_fields(model: &str, old: &[Field], new: &[Field], out: &mut Changes) {
    let old_by: BTreeMap<&str, &Field> = old.iter().map(|f| (f.wire_name.as_str(), f)).collect();
    let new_by: BTreeMap<&str, &Field> = new.iter().map(|f| (f.wire_name.as_str(), f)).collect();
    let subject = |f: &Field| format!("`models::{model}.{}`", f.rust_name);
    for (wire, o) in &old_by {
        let Some(n) = new_by.get(wire) else {
            out.push(
                Kind::Field,
                Impact::Breaking,
                &subject(o),
                format!("field removed (`{}`)", field_type(o)),
                "code reading or setting the field stops compiling",
            );
            continue;
        };
        let s = subject(n);
        if o.rust_name != n.rust_name {
            out.push(
                Kind::Field,
                Impact::Breaking,
                &s,
                format!("renamed from `{}` (wire `{wire}`)", o.rust_name),
                "code naming the old field or its `with_` setter stops compiling",
            );
        }
        if o.required != n.required {
            let (change, reason) = if n.required {
                ("made required", "`new()` gains an argument and the field loses its `with_` setter")
            } else {
                ("made optional", "`new()` loses an argument; the field gets a `with_` setter")
            };
            out.push(
                Kind::Field,
                Impact::Breaking,
                &s,
                format!("{change}: `{}` → `{}`", field_type(o), field_type(n)),
                reason,
            );
        } else if (o.nullable, o.boxed, &o.ty) != (n.nullable, n.boxed, &n.ty) {
            out.push(
                Kind::Field,
                Impact::Breaking,
                &s,
                format!("type `{}` → `{}`", field_type(o), field_type(n)),
                "code reading or setting the field is written for the old type",
            );
        }
        flag(out, Kind::Deprecation, &s, "field", o.deprecated, n.deprecated);
        prose(out, &s, "description", &o.description, &n.description);
    }
    for (wire, n) in &new_by {
        if old_by.contains_key(wire) {
            continue;
        }
        let s = subject(n);
        if n.required {
            out.push(
                Kind::Field,
                Impact::Breaking,
                &s,
                format!("required field added (`{}`)", field_type(n)),
                "`new()` gains an argument (and struct literals miss the field)",
            );
        } else if MODEL_STRUCTS_NON_EXHAUSTIVE {
            out.push(
                Kind::Field,
                Impact::Additive,
                &s,
                format!("optional field added (`{}`)", field_type(n)),
                "a new field and `with_` setter; models are `#[non_exhaustive]`",
            );
        } else {
            out.push(
                Kind::Field,
                Impact::Breaking,
                &s,
                format!("optional field added (`{}`)", field_type(n)),
                "struct literals and patterns without `..` break (public fields, no `#[non_exhaustive]`); \
                 `new()` and `with_` setters are unaffected",
            );
        }
    }
}

fn diff_enum(model: &str, old: &[(String, String)], new: &[(String, String)], out: &mut Changes) {
    let old_by: BTreeMap<&str, &str> = old.iter().map(|(w, v)| (w.as_str(), v.as_str())).collect();
    let new_by: BTreeMap<&str, &str> = new.iter().map(|(w, v)| (w.as_str(), v.as_str())).collect();
    for (wire, ov) in &old_by {
        match new_by.get(wire) {
            None => out.push(
                Kind::EnumValue,
                Impact::Breaking,
                &format!("`models::{model}::{ov}`"),
                format!("value `{wire}` removed"),
                "code naming the variant stops compiling; the value now arrives as `Unknown`",
            ),
            Some(nv) if nv != ov => out.push(
                Kind::EnumValue,
                Impact::Breaking,
                &format!("`models::{model}::{nv}`"),
                format!("variant of `{wire}` renamed from `{ov}`"),
                "code naming the old variant stops compiling",
            ),
            Some(_) => {}
        }
    }
    for (wire, nv) in &new_by {
        if old_by.contains_key(wire) {
            continue;
        }
        let subject = format!("`models::{model}::{nv}`");
        if MODEL_ENUMS_NON_EXHAUSTIVE {
            out.push(
                Kind::EnumValue,
                Impact::Additive,
                &subject,
                format!("value `{wire}` added"),
                "a new variant of a `#[non_exhaustive]` enum; the value was kept as `Unknown` before",
            );
        } else {
            out.push(
                Kind::EnumValue,
                Impact::Breaking,
                &subject,
                format!("value `{wire}` added"),
                &format!(
                    "exhaustive `match`es miss the variant (no `#[non_exhaustive]`); on the wire it was already \
                     accepted, as `Unknown(\"{wire}\")`"
                ),
            );
        }
    }
}

/// Variants of a `oneOf` enum: `(display, key)` pairs.
fn diff_variants(model: &str, old: &[(String, String)], new: &[(String, String)], out: &mut Changes) {
    let old_by: BTreeMap<&str, &str> = old.iter().map(|(d, k)| (k.as_str(), d.as_str())).collect();
    let new_by: BTreeMap<&str, &str> = new.iter().map(|(d, k)| (k.as_str(), d.as_str())).collect();
    let subject = format!("`models::{model}`");
    for (key, od) in &old_by {
        match new_by.get(key) {
            None => out.push(
                Kind::EnumValue,
                Impact::Breaking,
                &subject,
                format!("variant {od} removed"),
                "code naming the variant stops compiling",
            ),
            Some(nd) if nd != od => out.push(
                Kind::EnumValue,
                Impact::Breaking,
                &subject,
                format!("variant {od} → {nd}"),
                "the variant has another name or payload",
            ),
            Some(_) => {}
        }
    }
    for (key, nd) in &new_by {
        if !old_by.contains_key(key) {
            out.push(
                Kind::EnumValue,
                Impact::Breaking,
                &subject,
                format!("variant {nd} added"),
                "exhaustive `match`es miss the variant (no `#[non_exhaustive]`)",
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Error-code registries and permission constants

fn diff_error_registries(old: &[ErrorRegistry], new: &[ErrorRegistry], out: &mut Changes) {
    let old_by: BTreeMap<&str, &ErrorRegistry> = old.iter().map(|r| (r.tag.as_str(), r)).collect();
    let new_by: BTreeMap<&str, &ErrorRegistry> = new.iter().map(|r| (r.tag.as_str(), r)).collect();
    let path = |r: &ErrorRegistry| format!("error_codes::{}::{}", r.module, r.enum_name);
    for (tag, o) in &old_by {
        let Some(n) = new_by.get(tag) else {
            out.push(
                Kind::ErrorCode,
                Impact::Breaking,
                &format!("`{}`", path(o)),
                format!("registry of `{tag}` removed"),
                "code naming the enum stops compiling",
            );
            continue;
        };
        if path(o) != path(n) {
            out.push(
                Kind::ErrorCode,
                Impact::Breaking,
                &format!("`{}`", path(n)),
                format!("enum renamed from `{}`", path(o)),
                "code naming the old enum stops compiling",
            );
        }
        let old_codes: BTreeMap<i64, _> = o.codes.iter().map(|c| (c.code, c)).collect();
        let new_codes: BTreeMap<i64, _> = n.codes.iter().map(|c| (c.code, c)).collect();
        for (code, oc) in &old_codes {
            let Some(nc) = new_codes.get(code) else {
                out.push(
                    Kind::ErrorCode,
                    Impact::Breaking,
                    &format!("`{}::{}`", path(n), oc.variant),
                    format!("code {code} removed from the `{tag}` registry"),
                    "code naming the variant stops compiling",
                );
                continue;
            };
            if oc.variant != nc.variant {
                out.push(
                    Kind::ErrorCode,
                    Impact::Breaking,
                    &format!("`{}::{}`", path(n), nc.variant),
                    format!("code {code}: variant renamed from `{}`", oc.variant),
                    "code naming the old variant stops compiling",
                );
            } else if oc.name != nc.name || oc.description != nc.description {
                out.push(
                    Kind::Description,
                    Impact::Documentation,
                    &format!("`{}::{}`", path(n), nc.variant),
                    format!("code {code}: name or description changed"),
                    "rustdoc and `ErrorCodeInfo` text only",
                );
            }
        }
        for (code, nc) in &new_codes {
            if !old_codes.contains_key(code) {
                out.push(
                    Kind::ErrorCode,
                    Impact::Additive,
                    &format!("`{}::{}`", path(n), nc.variant),
                    format!("code {code} added to the `{tag}` registry"),
                    "a new variant of a `#[non_exhaustive]` enum",
                );
            }
        }
    }
    for (tag, n) in &new_by {
        if !old_by.contains_key(tag) {
            out.push(
                Kind::ErrorCode,
                Impact::Additive,
                &format!("`{}`", path(n)),
                format!(
                    "registry of `{tag}` added ({} code{})",
                    n.codes.len(),
                    if n.codes.len() == 1 { "" } else { "s" }
                ),
                "a new enum; `ErrorCode` is `#[non_exhaustive]`",
            );
        }
    }
}

fn diff_permission_constants(old: &Api, new: &Api, out: &mut Changes) {
    let by = |api: &Api| -> BTreeMap<String, String> {
        api.permissions
            .iter()
            .map(|d| (format!("permissions::{}::{}", d.module, d.const_name), d.permission.template.clone()))
            .collect()
    };
    let (old_by, new_by) = (by(old), by(new));
    for (path, template) in &old_by {
        match new_by.get(path) {
            None => out.push(
                Kind::Permission,
                Impact::Breaking,
                &format!("`{path}`"),
                format!("constant removed (`{template}`)"),
                "code naming the constant stops compiling",
            ),
            Some(t) if t != template => out.push(
                Kind::Permission,
                Impact::Documentation,
                &format!("`{path}`"),
                format!("value `{template}` → `{t}`"),
                "same constant, another permission string",
            ),
            Some(_) => {}
        }
    }
    for (path, template) in &new_by {
        if !old_by.contains_key(path) {
            out.push(
                Kind::Permission,
                Impact::Additive,
                &format!("`{path}`"),
                format!("constant added (`{template}`)"),
                "a new constant",
            );
        }
    }
}

/// A type as a consumer reads it (without the `crate::models::` prefix).
fn ty(t: &TypeRef) -> String {
    match t {
        TypeRef::Named(n) => n.clone(),
        TypeRef::String => "String".into(),
        TypeRef::Bool => "bool".into(),
        TypeRef::I32 => "i32".into(),
        TypeRef::I64 => "i64".into(),
        TypeRef::U32 => "u32".into(),
        TypeRef::U64 => "u64".into(),
        TypeRef::F32 => "f32".into(),
        TypeRef::F64 => "f64".into(),
        TypeRef::DateTime => "DateTime<Utc>".into(),
        TypeRef::Date => "NaiveDate".into(),
        TypeRef::Json => "Value".into(),
        TypeRef::JsonObject => "Map<String, Value>".into(),
        TypeRef::Vec(inner) => format!("Vec<{}>", ty(inner)),
        TypeRef::Sensitive(inner) => format!("Sensitive<{}>", ty(inner)),
        TypeRef::Map(inner) => format!("BTreeMap<String, {}>", ty(inner)),
        // Pages (and any future form) in the model's own words.
        other => format!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown

/// The semver bump a set of changes implies, before and after 1.0.
pub fn semver(changes: &[Change]) -> &'static str {
    if changes.iter().any(|c| c.impact == Impact::Breaking) {
        "breaking → 0.x: minor, ≥1.0: major (before 1.0 Cargo treats a minor bump as breaking)"
    } else if changes.iter().any(|c| c.impact == Impact::Additive) {
        "additive → 0.x: patch, ≥1.0: minor"
    } else if !changes.is_empty() {
        "documentation-only → 0.x: patch, ≥1.0: patch"
    } else {
        "none (the generated API is the same)"
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The report: a summary line with counts, the semver bump, permission changes called out, then one
/// table per kind of change.
pub fn render_markdown(old_label: &str, new_label: &str, changes: &[Change]) -> String {
    let count = |i: Impact| changes.iter().filter(|c| c.impact == i).count();
    let mut md = String::new();
    let _ = writeln!(md, "# API changes: `{old_label}` → `{new_label}`\n");
    let _ = writeln!(
        md,
        "**{} change{}: {} breaking, {} additive, {} documentation-only.**\n",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" },
        count(Impact::Breaking),
        count(Impact::Additive),
        count(Impact::Documentation)
    );
    let _ = writeln!(md, "Semver: {}.", semver(changes));
    let permissions: Vec<&Change> =
        changes.iter().filter(|c| c.kind == Kind::Permission && c.change.starts_with("permission ")).collect();
    if !permissions.is_empty() {
        let _ = writeln!(md, "\n> **Permissions changed**: grant these to the API key's role before upgrading.");
        for c in permissions {
            let _ = writeln!(md, "> - {}: {}", c.subject, c.change);
        }
    }
    let kinds: BTreeSet<Kind> = changes.iter().map(|c| c.kind).collect();
    for kind in kinds {
        let _ = writeln!(md, "\n## {}\n", kind.title());
        let _ = writeln!(md, "| impact | item | change | why |");
        let _ = writeln!(md, "|---|---|---|---|");
        for c in changes.iter().filter(|c| c.kind == kind) {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                c.impact.label(),
                cell(&c.subject),
                cell(&c.change),
                cell(&c.reason)
            );
        }
    }
    md
}

// ---------------------------------------------------------------------------------------------
// The command

enum Old {
    File(PathBuf),
    Since(String),
}

struct Args {
    old: Old,
    new: PathBuf,
    deny_breaking: bool,
}

fn parse(args: &[String]) -> Result<Option<Args>, String> {
    let mut deny_breaking = false;
    let mut since = None;
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--deny-breaking" => deny_breaking = true,
            "--since" => since = Some(it.next().cloned().ok_or("--since needs a git revision")?),
            "-h" | "--help" => return Ok(None),
            other if other.starts_with("--") => return Err(format!("unknown argument `{other}`")),
            file => files.push(PathBuf::from(file)),
        }
    }
    let spec = xtask::workspace_root().join("spec/trustx.yaml");
    match (since, files.as_slice()) {
        (Some(rev), []) => Ok(Some(Args { old: Old::Since(rev), new: spec, deny_breaking })),
        (None, [old, new]) => Ok(Some(Args { old: Old::File(old.clone()), new: new.clone(), deny_breaking })),
        (Some(_), _) => Err("--since takes no spec files: it compares the working-tree spec/trustx.yaml".into()),
        (None, _) => Err("give two spec files, OLD and NEW, or --since REV".into()),
    }
}

/// What `api-diff` could not do.
enum Failure {
    /// Nothing to compare (no spec at the revision): a note, and exit 0.
    Nothing(String),
    /// A spec or argument problem: exit 2.
    Trouble(String),
}

/// The committed spec at a revision, with its label.
fn spec_at(rev: &str) -> Result<(Vec<u8>, String), Failure> {
    let object = format!("{rev}:spec/trustx.yaml");
    let output = Command::new("git")
        .args(["show", &object])
        .current_dir(xtask::workspace_root())
        .output()
        .map_err(|e| Failure::Nothing(format!("cannot run git ({e}); nothing to compare")))?;
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        return Err(Failure::Nothing(format!(
            "no spec/trustx.yaml at `{rev}` (a first commit or a shallow clone?): {why}; nothing to compare"
        )));
    }
    Ok((output.stdout, object))
}

fn model(bytes: &[u8], label: &str) -> Result<Api, Failure> {
    match sdk_codegen::build_model(bytes, label) {
        Ok((_, api, warnings)) => {
            for w in warnings.warnings() {
                eprintln!("{w}");
            }
            Ok(api)
        }
        Err(diags) => Err(Failure::Trouble(format!("{label} is not usable:\n{diags}"))),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::Trouble(format!("cannot read {}: {e}", path.display())))
}

fn run(args: &Args) -> Result<Vec<Change>, Failure> {
    let (old_bytes, old_label) = match &args.old {
        Old::File(path) => (read(path)?, path.display().to_string()),
        Old::Since(rev) => spec_at(rev)?,
    };
    let new_label = match &args.old {
        Old::File(_) => args.new.display().to_string(),
        Old::Since(_) => "spec/trustx.yaml".to_owned(),
    };
    let new_bytes = read(&args.new)?;
    let old = model(&old_bytes, &old_label)?;
    let new = model(&new_bytes, &new_label)?;
    let changes = diff(&old, &new);
    print!("{}", render_markdown(&old_label, &new_label, &changes));
    Ok(changes)
}

/// `cargo xtask api-diff ...`: exit 0, 1 (`--deny-breaking` and breaking changes) or 2 (trouble).
pub fn main(args: &[String]) -> ExitCode {
    let args = match parse(args) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(changes) => {
            let breaking = changes.iter().filter(|c| c.impact == Impact::Breaking).count();
            if args.deny_breaking && breaking > 0 {
                eprintln!("error: {breaking} breaking change(s) (--deny-breaking)");
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(Failure::Nothing(note)) => {
            println!("api-diff: {note}");
            ExitCode::SUCCESS
        }
        Err(Failure::Trouble(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
