//! The command-line tool → `src/cli/mod.rs` and `src/cli/<service>.rs` (Cargo feature `cli`) and
//! `src/bin/cli.rs`: one `OperationCommand` per operation — flags from its parameters, help from its
//! summary, description, permission and error codes — and a `FromInvocation` impl that reads its
//! parameters from the flags. The runtime's `cli` module parses, configures, runs every operation
//! with one generic runner, and prints.

use super::docs::doc;
use super::types::{ident, is_scalar, rust_type};
use crate::model::{
    command_name, params_type, Api, BodyKind, NameScope, Operation, Param, Response, Service, TypeKind, TypeRef,
};
use heck::ToKebabCase;
use proc_macro2::TokenStream;
use quote::quote;

/// Flags the tool itself takes; an operation's parameter with one of these names gets a prefix.
const GLOBAL_FLAGS: &[&str] = &[
    "body",
    "verbose",
    "output",
    "output-file",
    "query",
    "raw-output",
    "profile",
    "body-template",
    "field",
    "raw-field",
    "all-pages",
    "dry-run",
    "base-url",
    "allow-insecure-http",
    "timeout",
    "compact",
    "show-secret",
    "help",
    "version",
];

/// How a parameter's text becomes its Rust value.
enum Parse {
    Text,
    FromStr,
    Json,
}

fn parse_kind(api: &Api, t: &TypeRef) -> Parse {
    match t {
        TypeRef::String => Parse::Text,
        t if is_scalar(api, t) => Parse::FromStr,
        _ => Parse::Json,
    }
}

/// The values of an enumerated type (through aliases and arrays), as the API names them; empty
/// for any other type.
fn enum_values<'a>(api: &'a Api, t: &TypeRef) -> Vec<&'a str> {
    enum_values_at(api, t, 0)
}

fn enum_values_at<'a>(api: &'a Api, t: &TypeRef, depth: usize) -> Vec<&'a str> {
    match t {
        TypeRef::Vec(inner) | TypeRef::Sensitive(inner) if depth < 8 => enum_values_at(api, inner, depth + 1),
        TypeRef::Named(name) => match api.type_def(name).map(|d| &d.kind) {
            Some(TypeKind::Enum { values }) => values.iter().map(|(wire, _)| wire.as_str()).collect(),
            Some(TypeKind::Alias(inner @ TypeRef::Named(_))) if depth < 8 => enum_values_at(api, inner, depth + 1),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The wire name of the `x-page` field holding the items, when the operation's success response is
/// a page.
fn page_items(api: &Api, op: &Operation) -> Option<String> {
    let page = api.page.as_ref()?;
    /// A page, or an alias of one.
    fn is_page(api: &Api, t: &TypeRef, depth: usize) -> bool {
        match t {
            TypeRef::Page(..) => true,
            TypeRef::Named(name) if depth < 8 => matches!(
                api.type_def(name).map(|d| &d.kind),
                Some(TypeKind::Alias(inner)) if is_page(api, inner, depth + 1)
            ),
            _ => false,
        }
    }
    let is_page = op.responses.iter().filter(|r| r.is_success()).any(|r| match r.body.as_ref().map(|b| &b.kind) {
        Some(BodyKind::Json(t)) => is_page(api, t, 0),
        _ => false,
    });
    if !is_page {
        return None;
    }
    match &api.type_def(&page.type_name)?.kind {
        TypeKind::Struct { fields, .. } => {
            fields.iter().find(|f| f.rust_name == page.items).map(|f| f.wire_name.clone())
        }
        _ => None,
    }
}

/// How deep `--body-template` expands nested models.
const TEMPLATE_DEPTH: usize = 6;
/// The most enum values a placeholder lists.
const TEMPLATE_VALUES: usize = 12;

/// The JSON skeleton `--body-template` prints for a JSON request body: each model's required fields
/// first, every value a placeholder naming its type (`"<string, required>"`, `"<A | B>"`); a map
/// has one `"<key>"`, an array one element; a model inside itself, or too deep, is `"<Name>"`.
fn body_template(api: &Api, op: &Operation) -> Option<String> {
    let BodyKind::Json(t) = &op.body.as_ref()?.kind else { return None };
    let mut seen = Vec::new();
    serde_json::to_string_pretty(&skeleton(api, t, true, &mut seen)).ok()
}

fn placeholder(what: &str, required: bool) -> serde_json::Value {
    serde_json::Value::String(if required { format!("<{what}, required>") } else { format!("<{what}>") })
}

fn skeleton(api: &Api, t: &TypeRef, required: bool, seen: &mut Vec<String>) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let scalar = |what: &str| placeholder(what, required);
    match t {
        TypeRef::String => scalar("string"),
        TypeRef::Bool => scalar("boolean"),
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => scalar("integer"),
        TypeRef::F32 | TypeRef::F64 => scalar("number"),
        TypeRef::DateTime => scalar("date-time"),
        TypeRef::Date => scalar("date"),
        TypeRef::Json => scalar("any JSON"),
        TypeRef::JsonObject => json!({}),
        TypeRef::Vec(inner) => json!([skeleton(api, inner, false, seen)]),
        TypeRef::Map(inner) => json!({ "<key>": skeleton(api, inner, false, seen) }),
        TypeRef::Sensitive(inner) => skeleton(api, inner, required, seen),
        TypeRef::Page(name, _) => scalar(name),
        TypeRef::Named(name) => {
            let Some(def) = api.type_def(name) else { return scalar(name) };
            if seen.contains(name) || seen.len() >= TEMPLATE_DEPTH {
                return scalar(&def.spec_name);
            }
            seen.push(name.clone());
            let value = match &def.kind {
                TypeKind::Struct { fields, .. } => {
                    let mut map = Map::new();
                    let (first, rest): (Vec<_>, Vec<_>) = fields.iter().partition(|f| f.required);
                    for f in first.into_iter().chain(rest) {
                        map.insert(f.wire_name.clone(), skeleton(api, &f.ty, f.required, seen));
                    }
                    Value::Object(map)
                }
                TypeKind::Enum { values } => {
                    let mut shown: Vec<&str> = values.iter().take(TEMPLATE_VALUES).map(|(w, _)| w.as_str()).collect();
                    if values.len() > TEMPLATE_VALUES {
                        shown.push("...");
                    }
                    scalar(&shown.join(" | "))
                }
                TypeKind::Tagged { property, variants } => match variants.first() {
                    Some((_, _, payload)) => {
                        let mut v = skeleton(api, payload, required, seen);
                        if let Value::Object(map) = &mut v {
                            let tags: Vec<&str> = variants.iter().map(|(t, _, _)| t.as_str()).collect();
                            map.shift_insert(0, property.clone(), placeholder(&tags.join(" | "), true));
                        }
                        v
                    }
                    None => scalar(&def.spec_name),
                },
                TypeKind::Untagged { variants } => match variants.first() {
                    Some((_, payload)) => skeleton(api, payload, required, seen),
                    None => scalar(&def.spec_name),
                },
                TypeKind::Alias(inner) | TypeKind::Newtype(inner) => skeleton(api, inner, required, seen),
            };
            seen.pop();
            value
        }
    }
}

fn service_command(s: &Service) -> String {
    command_name(&s.module)
}

/// `(flag, param)` for every parameter, flags unique and clear of the tool's own.
fn flags<'o>(op: &'o Operation, reserved: &[&str]) -> Vec<(String, &'o Param)> {
    let mut all: Vec<&str> = GLOBAL_FLAGS.to_vec();
    all.extend_from_slice(reserved);
    let mut scope = NameScope::with_reserved(&all);
    op.params
        .iter()
        .map(|p| {
            let flag = p.wire_name.to_kebab_case();
            let flag = if flag.is_empty() || scope.contains(&flag) { format!("param-{flag}") } else { flag };
            (scope.claim(flag), p)
        })
        .collect()
}

/// The expression reading a parameter (`Option<T>`, or `T` when `required`).
fn read(api: &Api, flag: &str, p: &Param, required: bool) -> TokenStream {
    let t = rust_type(&p.ty);
    let optional = match (&p.ty, parse_kind(api, &p.ty)) {
        (TypeRef::Vec(inner), _) => match parse_kind(api, inner) {
            Parse::Text | Parse::FromStr => {
                let it = rust_type(inner);
                quote!(inv.parse_all::<#it>(#flag)?)
            }
            Parse::Json => quote!(inv.json::<#t>(#flag)?),
        },
        (_, Parse::Text) => quote!(inv.string(#flag)),
        (_, Parse::FromStr) => quote!(inv.parse::<#t>(#flag)?),
        (_, Parse::Json) => quote!(inv.json::<#t>(#flag)?),
    };
    if required {
        quote!(#optional.required(#flag)?)
    } else {
        optional
    }
}

fn output_of(r: Option<&crate::model::ResponseBody>, value: TokenStream) -> TokenStream {
    match r.map(|b| &b.kind) {
        Some(BodyKind::Json(_)) => quote!(rt::cli::Output::json(&#value)),
        Some(BodyKind::Binary) => quote!(Ok(rt::cli::Output::Bytes(#value))),
        Some(BodyKind::Text) => quote!(Ok(rt::cli::Output::Text(#value))),
        None => quote!(Ok(rt::cli::Output::Empty(#value))),
    }
}

/// `impl FromInvocation` for an operation's parameters: each field read from its flag (the body
/// from `--body`), personal values wrapped as the parameters type keeps them.
fn from_invocation(api: &Api, op: &Operation, flags: &[(String, &Param)]) -> TokenStream {
    let pn = ident(&params_type(&op.builder_name));
    let mut fields: Vec<TokenStream> = flags
        .iter()
        .map(|(flag, p)| {
            let n = ident(&p.rust_name);
            let value = read(api, flag, p, p.required);
            match (p.sensitive, p.required) {
                (true, true) => quote!(#n: rt::Sensitive::new(#value)),
                (true, false) => quote!(#n: #value.map(rt::Sensitive::new)),
                (false, _) => quote!(#n: #value),
            }
        })
        .collect();
    if let Some(body) = &op.body {
        let read = match &body.kind {
            BodyKind::Json(t) => {
                let t = rust_type(t);
                quote!(inv.body_json::<#t>()?)
            }
            BodyKind::Binary => quote!(inv.body_bytes()),
            BodyKind::Text => quote!(inv.body_text()),
        };
        let read = if body.required { quote!(#read.required("body")?) } else { read };
        fields.push(match (body.sensitive, body.required) {
            (true, true) => quote!(body: rt::Sensitive::new(#read)),
            (true, false) => quote!(body: #read.map(rt::Sensitive::new)),
            (false, _) => quote!(body: #read),
        });
    }
    let inv = if fields.is_empty() { quote!(_inv) } else { quote!(inv) };
    quote! {
        impl rt::cli::FromInvocation for ops::#pn {
            fn from_invocation(#inv: &rt::cli::Invocation) -> Result<Self, rt::Error> {
                Ok(Self { #(#fields),* })
            }
        }
    }
}

/// `impl CliOutput` for a response enum: each documented status printed as its body.
fn enum_output(op: &Operation) -> TokenStream {
    let success: Vec<&Response> = op.responses.iter().filter(|r| r.is_success()).collect();
    let (Some(e), true) = (&op.response_enum, success.len() > 1) else { return quote!() };
    let e = ident(e);
    let arms = success.iter().map(|r| {
        let v = ident(&r.variant);
        let out = output_of(r.body.as_ref(), quote!(inner));
        quote!(ops::#e::#v(inner) => #out,)
    });
    quote! {
        impl rt::cli::CliOutput for ops::#e {
            fn output(value: Self) -> Result<rt::cli::Output, rt::Error> {
                match value { #(#arms)* }
            }
        }
    }
}

/// The command files: `src/cli/mod.rs` (the table of every service's commands, `main`) and one
/// `src/cli/<service>.rs` per service (its commands and `FromInvocation` impls).
pub fn files(api: &Api) -> Vec<(String, TokenStream)> {
    let reserved: Vec<String> =
        api.server.iter().flat_map(|s| &s.variables).map(|v| v.setter.to_kebab_case()).collect();
    let reserved: Vec<&str> = reserved.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    let mut modules = Vec::new();
    let mut slices = Vec::new();
    for s in &api.services {
        let registry = api.error_registries.iter().find(|r| r.tag == s.tag);
        let service = service_command(s);
        let m = ident(&s.module);
        let feature = &s.feature;
        let mut entries = Vec::new();
        let mut impls = Vec::new();
        for op in &s.operations {
            let flags = flags(op, &reserved);
            let b = ident(&op.builder_name);
            let pn = ident(&params_type(&op.builder_name));
            let name = command_name(&op.fn_name);
            let long = super::facts::Facts::of(api, s, op, registry).plain();
            let params = flags.iter().map(|(flag, p)| {
                let help = p
                    .description
                    .as_deref()
                    .and_then(|d| d.lines().next())
                    .map(|d| d.trim().to_owned())
                    .unwrap_or_else(|| format!("The `{}` {:?} parameter", p.wire_name, p.location).to_lowercase());
                let (required, multiple) = (p.required, matches!(p.ty, TypeRef::Vec(_)));
                let values = enum_values(api, &p.ty);
                if values.is_empty() {
                    quote!(CliParam::new(#flag, #help, #required, #multiple))
                } else {
                    quote!(CliParam::new(#flag, #help, #required, #multiple).with_values(&[#(#values),*]))
                }
            });
            let body = match &op.body {
                None => quote!(CliBody::None),
                Some(b) if b.required => quote!(CliBody::Required),
                Some(_) => quote!(CliBody::Optional),
            };
            let paged = op.pagination.is_some() && api.page.is_some();
            let page_items = match page_items(api, op) {
                Some(field) => quote!(Some(#field)),
                None => quote!(None),
            };
            let template = match body_template(api, op) {
                Some(text) => quote!(Some(#text)),
                None => quote!(None),
            };
            let runner =
                if paged { quote!(run_paged_operation_of::<ops::#pn>) } else { quote!(run_operation_of::<ops::#pn>) };
            entries.push(quote! {
                OperationCommand {
                    service: #service,
                    name: #name,
                    meta: ops::#b::META,
                    long_about: #long,
                    params: &[#(#params),*],
                    body: #body,
                    paged: #paged,
                    page_items: #page_items,
                    body_template: #template,
                    run: #runner,
                }
            });
            impls.push(from_invocation(api, op, &flags));
            impls.push(enum_output(op));
        }
        // Only the runtime names this file uses (an unused import is a warning).
        let any_paged = s.operations.iter().any(|op| op.pagination.is_some() && api.page.is_some());
        let any_unpaged = s.operations.iter().any(|op| !(op.pagination.is_some() && api.page.is_some()));
        let any_param = s.operations.iter().any(|op| !op.params.is_empty());
        let any_required = s
            .operations
            .iter()
            .any(|op| op.params.iter().any(|p| p.required) || op.body.as_ref().is_some_and(|b| b.required));
        let imports = [
            (any_unpaged, "run_operation_of"),
            (any_paged, "run_paged_operation_of"),
            (true, "CliBody"),
            (any_param, "CliParam"),
            (true, "OperationCommand"),
            (any_required, "Required"),
        ]
        .into_iter()
        .filter(|(used, _)| *used)
        .map(|(_, name)| ident(name));
        let header = super::docs::inner_doc(&format!("The commands of the {} service.", super::docs::code(&s.tag)));
        let commands_doc = doc("This service's operations as commands, in spec order.");
        out.push((
            format!("src/cli/{}.rs", s.module),
            quote! {
                #header
                #![allow(deprecated)]

                use crate::operations::#m as ops;
                use crate::runtime as rt;
                use crate::runtime::cli::{#(#imports),*};

                #commands_doc
                pub(super) static COMMANDS: &[OperationCommand] = &[#(#entries),*];

                #(#impls)*
            },
        ));
        modules.push(quote!(#[cfg(feature = #feature)] mod #m;));
        slices.push(quote!(#[cfg(feature = #feature)] #m::COMMANDS));
    }
    let tables = api.error_registries.iter().map(|r| {
        let m = ident(&r.module);
        quote!(&crate::error_codes::#m::TABLE)
    });
    let header = super::docs::inner_doc(
        "The command-line tool (Cargo feature `cli`): every operation as `<service> <operation>`, with \
         flags for its parameters. Installed as a binary named after the crate; see `main`.",
    );
    let commands_doc =
        doc("Every operation as a command: one slice per service (of the services compiled in), in spec order.");
    let tables_doc = doc("The error-code tables `error-code` searches.");
    let main_doc = doc("Runs the tool with the process's arguments and environment.");
    out.push((
        "src/cli/mod.rs".into(),
        quote! {
            #header
            #(#modules)*

            #commands_doc
            pub static COMMANDS: crate::runtime::cli::Commands = &[#(#slices),*];

            #tables_doc
            pub static ERROR_TABLES: &[&crate::runtime::ErrorCodeTable] = &[#(#tables),*];

            #main_doc
            pub fn main() -> std::process::ExitCode {
                crate::runtime::cli::main(&crate::API, COMMANDS, ERROR_TABLES)
            }
        },
    ));
    out
}

/// `src/bin/cli.rs`: the binary.
pub fn bin(krate: &str) -> TokenStream {
    let k = ident(&krate.replace('-', "_"));
    let d = super::docs::inner_doc(&format!(
        "The `{krate}` command-line tool; install it with `cargo install --locked --path <this crate> --features cli`."
    ));
    quote! {
        #d
        fn main() -> std::process::ExitCode {
            #k::cli::main()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::GLOBAL_FLAGS;

    /// Every flag the runtime's tool gives an operation's command (its global flags and those it
    /// adds per operation) is in `GLOBAL_FLAGS`, so no parameter's flag repeats one; read from the
    /// runtime's source. The tool's own commands' arguments are not beside parameters.
    #[test]
    fn the_tools_own_flags_are_reserved() {
        let source = include_str!("../../runtime/src/cli.rs");
        let own_commands = ["operation", "for-tenant", "code", "shell", "api-key-env", "api-key-file", "api-key-stdin"];
        let flags: Vec<&str> = source
            .split("Arg::new(\"")
            .skip(1)
            .filter_map(|rest| rest.split_once('"').map(|(name, _)| name))
            .filter(|name| !own_commands.contains(name))
            .collect();
        assert!(flags.contains(&"dry-run") && flags.contains(&"show-secret"), "{flags:?}");
        for flag in flags {
            assert!(GLOBAL_FLAGS.contains(&flag), "`--{flag}` is not in GLOBAL_FLAGS");
        }
    }
}
