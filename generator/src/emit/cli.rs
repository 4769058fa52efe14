//! The command-line tool → `src/cli.rs` (Cargo feature `cli`) and `src/bin/cli.rs`: one
//! `OperationCommand` per operation — flags from its parameters, help from its summary, description,
//! permission and error codes — and a function that fills the typed request builder and runs it. The
//! runtime's `cli` module does the parsing, configuration and printing.

use super::docs::doc;
use super::types::{ident, is_scalar, rust_type};
use crate::model::{Api, Auth, BodyKind, ErrorRegistry, NameScope, Operation, Param, Response, Service, TypeRef};
use heck::ToKebabCase;
use proc_macro2::TokenStream;
use quote::quote;

/// Flags the tool itself takes; an operation's parameter with one of these names gets a prefix.
const GLOBAL_FLAGS: &[&str] = &[
    "body",
    "output",
    "all-pages",
    "dry-run",
    "base-url",
    "allow-insecure-http",
    "timeout",
    "compact",
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

fn service_command(s: &Service) -> String {
    s.module.to_kebab_case()
}

/// The plain-text help of an operation: what `--help` prints.
fn long_about(op: &Operation, registry: Option<&ErrorRegistry>) -> String {
    let mut text = String::new();
    if let Some(summary) = op.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        text.push_str(summary.trim());
        text.push_str("\n\n");
    }
    if let Some(d) = op.description.as_deref().filter(|d| !d.trim().is_empty()) {
        text.push_str(d.trim());
        text.push_str("\n\n");
    }
    if op.deprecated {
        text.push_str("DEPRECATED in the API description.\n\n");
    }
    text.push_str(&format!("HTTP: {} {}\nOperation id: {}\n", op.method, op.path, op.operation_id));
    match &op.permission {
        Some(p) => text.push_str(&format!("Permission: {}\n", p.template)),
        None => text.push_str("Permission: none documented\n"),
    }
    text.push_str(&format!(
        "Auth: {}\n",
        match &op.auth {
            Auth::None => "none".to_owned(),
            Auth::ApiKey { header } => format!("API key ({header} header)"),
            Auth::Bearer => "bearer token".to_owned(),
        }
    ));
    text.push_str("\nResponses:\n");
    for r in &op.responses {
        text.push_str(&format!("  {}: {}", r.status_key, r.description.replace('\n', " ")));
        if !r.error_codes.is_empty() {
            let codes: Vec<String> = r
                .error_codes
                .iter()
                .map(|(c, _)| match registry.and_then(|reg| reg.codes.iter().find(|d| d.code == *c)) {
                    Some(d) => format!("{} ({c})", d.name),
                    None => c.to_string(),
                })
                .collect();
            text.push_str(&format!("; error codes: {}", codes.join(", ")));
        }
        text.push('\n');
    }
    text
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
        let missing = format!("--{flag} is required");
        quote!(#optional.ok_or_else(|| crate::runtime::Error::config(#missing))?)
    } else {
        optional
    }
}

/// The private function that runs an operation: `run_<service>_<operation>` in snake case
/// (keyword-escaped names like `type_` lose their underscore).
fn run_name(s: &Service, op: &Operation) -> String {
    use heck::ToSnakeCase;
    format!("run {} {}", s.module, op.fn_name).to_snake_case()
}

fn output_of(r: Option<&crate::model::ResponseBody>, value: TokenStream) -> TokenStream {
    match r.map(|b| &b.kind) {
        Some(BodyKind::Json(_)) => quote!(crate::runtime::cli::Output::json(&#value)),
        Some(BodyKind::Binary) => quote!(Ok(crate::runtime::cli::Output::Bytes(#value))),
        Some(BodyKind::Text) => quote!(Ok(crate::runtime::cli::Output::Text(#value))),
        None => quote!(Ok(crate::runtime::cli::Output::Empty(#value))),
    }
}

fn run_fn(api: &Api, s: &Service, op: &Operation, flags: &[(String, &Param)]) -> TokenStream {
    let f = ident(&run_name(s, op));
    let (m, method) = (ident(&s.module), ident(&op.fn_name));
    let mut args: Vec<TokenStream> =
        flags.iter().filter(|(_, p)| p.required).map(|(fl, p)| read(api, fl, p, true)).collect();
    if let Some(body) = op.body.as_ref().filter(|b| b.required) {
        args.push(match &body.kind {
            BodyKind::Json(t) => {
                let t = rust_type(t);
                quote!(inv.body_json::<#t>()?.ok_or_else(|| crate::runtime::Error::config("--body is required"))?)
            }
            BodyKind::Binary => {
                quote!(inv.body_bytes().ok_or_else(|| crate::runtime::Error::config("--body is required"))?)
            }
            BodyKind::Text => {
                quote!(inv.body_text().ok_or_else(|| crate::runtime::Error::config("--body is required"))?)
            }
        });
    }
    let optionals = flags.iter().filter(|(_, p)| !p.required).map(|(fl, p)| {
        let setter = ident(&p.rust_name);
        let value = read(api, fl, p, false);
        quote! { if let Some(v) = #value { request = request.#setter(v); } }
    });
    let optional_body = match op.body.as_ref().filter(|b| !b.required).map(|b| &b.kind) {
        Some(BodyKind::Json(t)) => {
            let t = rust_type(t);
            quote! { if let Some(b) = inv.body_json::<#t>()? { request = request.body(b); } }
        }
        Some(BodyKind::Binary) => quote! { if let Some(b) = inv.body_bytes() { request = request.body(b); } },
        Some(BodyKind::Text) => quote! { if let Some(b) = inv.body_text() { request = request.body(b); } },
        None => quote!(),
    };
    let paged = if op.pagination.is_some() {
        quote! { if inv.all_pages { return Ok(crate::runtime::cli::Output::items(request.into_stream())); } }
    } else {
        quote!()
    };
    let success: Vec<&Response> = op.responses.iter().filter(|r| r.is_success()).collect();
    let convert = match (success.as_slice(), &op.response_enum) {
        ([one], _) => output_of(one.body.as_ref(), quote!(value)),
        (many, Some(e)) if many.len() > 1 => {
            let e = ident(e);
            let arms = many.iter().map(|r| {
                let v = ident(&r.variant);
                let out = output_of(r.body.as_ref(), quote!(inner));
                quote!(crate::operations::#m::#e::#v(inner) => #out,)
            });
            quote!(match value { #(#arms)* })
        }
        _ => quote!(Ok(crate::runtime::cli::Output::Empty(value))),
    };
    let allow_mut =
        if flags.iter().any(|(_, p)| !p.required) || !optional_body.is_empty() { quote!(mut) } else { quote!() };
    let f_gate = &s.feature;
    quote! {
        #[cfg(feature = #f_gate)]
        fn #f(
            client: crate::runtime::Client,
            inv: crate::runtime::cli::Invocation,
        ) -> crate::runtime::BoxFuture<'static, Result<crate::runtime::cli::Output, crate::runtime::Error>> {
            Box::pin(async move {
                let #allow_mut request = client.#m().#method(#(#args),*);
                #(#optionals)*
                #optional_body
                if inv.dry_run {
                    return Ok(crate::runtime::cli::Output::Prepared(request.prepare()?));
                }
                #paged
                let value = request.send().await?;
                #convert
            })
        }
    }
}

/// `src/cli.rs`.
pub fn file(api: &Api) -> TokenStream {
    let reserved: Vec<String> =
        api.server.iter().flat_map(|s| &s.variables).map(|v| v.setter.to_kebab_case()).collect();
    let reserved: Vec<&str> = reserved.iter().map(String::as_str).collect();
    let mut entries = Vec::new();
    let mut fns = Vec::new();
    for s in &api.services {
        let registry = api.error_registries.iter().find(|r| r.tag == s.tag);
        let service = service_command(s);
        let m = ident(&s.module);
        let feature = &s.feature;
        for op in &s.operations {
            let flags = flags(op, &reserved);
            let b = ident(&op.builder_name);
            let name = op.fn_name.to_kebab_case();
            let about = op.summary.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| op.operation_id.clone());
            let about = about.lines().next().unwrap_or_default().trim().to_owned();
            let long = long_about(op, registry);
            let params = flags.iter().map(|(flag, p)| {
                let help = p
                    .description
                    .as_deref()
                    .and_then(|d| d.lines().next())
                    .map(|d| d.trim().to_owned())
                    .unwrap_or_else(|| format!("The `{}` {:?} parameter", p.wire_name, p.location).to_lowercase());
                let (required, multiple) = (p.required, matches!(p.ty, TypeRef::Vec(_)));
                quote!(crate::runtime::cli::CliParam { flag: #flag, help: #help, required: #required, multiple: #multiple })
            });
            let body = match &op.body {
                None => quote!(crate::runtime::cli::CliBody::None),
                Some(b) if b.required => quote!(crate::runtime::cli::CliBody::Required),
                Some(_) => quote!(crate::runtime::cli::CliBody::Optional),
            };
            let paged = op.pagination.is_some();
            let run = ident(&run_name(s, op));
            entries.push(quote! {
                #[cfg(feature = #feature)]
                crate::runtime::cli::OperationCommand {
                    service: #service,
                    name: #name,
                    meta: crate::operations::#m::#b::META,
                    about: #about,
                    long_about: #long,
                    params: &[#(#params),*],
                    body: #body,
                    paged: #paged,
                    run: #run,
                }
            });
            fns.push(run_fn(api, s, op, &flags));
        }
    }
    let tables = api.error_registries.iter().map(|r| {
        let m = ident(&r.module);
        quote!(&crate::error_codes::#m::TABLE)
    });
    let header = super::docs::inner_doc(
        "The command-line tool (Cargo feature `cli`): every operation as `<service> <operation>`, with \
         flags for its parameters. Installed as a binary named after the crate; see `main`.",
    );
    let commands_doc = doc("Every operation as a command, in spec order.");
    let tables_doc = doc("The error-code tables `error-code` searches.");
    let main_doc = doc("Runs the tool with the process's arguments and environment.");
    quote! {
        #header
        #![allow(deprecated)]

        #commands_doc
        pub static COMMANDS: &[crate::runtime::cli::OperationCommand] = &[#(#entries),*];

        #tables_doc
        pub static ERROR_TABLES: &[&crate::runtime::ErrorCodeTable] = &[#(#tables),*];

        #main_doc
        pub fn main() -> std::process::ExitCode {
            crate::runtime::cli::main(&crate::API, COMMANDS, ERROR_TABLES)
        }

        #(#fns)*
    }
}

/// `src/bin/cli.rs`: the binary.
pub fn bin(krate: &str) -> TokenStream {
    let k = ident(&krate.replace('-', "_"));
    let d = super::docs::inner_doc(&format!(
        "The `{krate}` command-line tool; install it with `cargo install --path <this crate> --features cli`."
    ));
    quote! {
        #d
        fn main() -> std::process::ExitCode {
            #k::cli::main()
        }
    }
}
