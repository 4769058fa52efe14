//! The crate's entry points → `src/client.rs`: the [`ApiDescription`] static the runtime reads
//! (name, server template, token exchange, error body), an enum per server variable with `enum`,
//! the crate's `Client` and `ClientBuilder` (newtypes over the runtime's, which is a crate of its
//! own: service accessors and server-variable setters need types of this crate) with a setter per
//! server variable, and `Client::builder()`.
//!
//! [`ApiDescription`]: ../../runtime/src/api.rs

use super::docs::{code, doc, inner_doc, sanitize};
use super::types::ident;
use super::EmitOptions;
use crate::model::{Api, ServerVariable};
use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::quote;

/// The prefix of the crate's environment variables: `my-api` → `MY_API`.
pub fn env_prefix(crate_name: &str) -> String {
    crate_name.to_shouty_snake_case()
}

/// `src/client.rs`.
/// `forwarders`: the runtime builder's setters, from [`super::runtime::builder_forwarders`].
pub fn file(api: &Api, opts: &EmitOptions, forwarders: &[TokenStream]) -> TokenStream {
    let header = inner_doc(
        "The client's entry point and server configuration, generated from the document's first server \
         and its extensions.",
    );
    let (name, prefix) = (&opts.crate_name, env_prefix(&opts.crate_name));
    let server = match &api.server {
        Some(server) => {
            let url = &server.url;
            let vars = server.variables.iter().map(|v| {
                let (n, setter, default) = (&v.name, &v.setter, &v.default);
                let allowed = v.choices.iter().flat_map(|(_, values)| values.iter().map(|(w, _)| w));
                quote!(crate::runtime::ServerVariable { name: #n, setter: #setter, default: #default, allowed: &[#(#allowed),*] })
            });
            quote!(Some(&crate::runtime::ServerTemplate { url: #url, variables: &[#(#vars),*] }))
        }
        None => quote!(None),
    };
    let exchange = match &api.token_exchange {
        Some(t) => {
            let (m, b) = (ident(&t.service_module), ident(&t.builder_name));
            let field = &t.token.wire_name;
            quote!(Some(&crate::runtime::TokenExchange {
                operation: crate::operations::#m::#b::META,
                exchange: crate::operations::#m::exchange_token,
                token_field: #field,
            }))
        }
        None => quote!(None),
    };
    let opt = |v: &Option<String>| match v {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    };
    let (code_field, message_field) = match &api.error_body {
        Some(e) => (opt(&e.code), opt(&e.message)),
        None => (quote!(None), quote!(None)),
    };
    let variables = api.server.iter().flat_map(|s| s.variables.iter());
    let enums = variables.clone().filter_map(variable_enum);
    let setters: Vec<TokenStream> = variables.map(setter).collect();
    let api_doc = doc(&format!(
        "What the runtime knows of this API: its name (the `User-Agent` is `{name}/<version>`), server, \
         token exchange and error body. Environment variables start with `{prefix}_`."
    ));
    let env_text = env_doc(api, &prefix);
    let from_env_doc = doc(&format!("A client configured from the environment.\n\n{env_text}"));
    let builder_env_doc =
        doc(&format!("A builder configured from the environment, to adjust before `build()`.\n\n{env_text}"));
    quote! {
        #header
        #api_doc
        pub static API: crate::runtime::ApiDescription = crate::runtime::ApiDescription {
            name: #name,
            version: env!("CARGO_PKG_VERSION"),
            env_prefix: #prefix,
            server: #server,
            token_exchange: #exchange,
            error_body: crate::runtime::ErrorBodyFields { code: #code_field, message: #message_field },
        };

        /// The client: `client.<service>().<operation>(…).send().await`. Cheap to clone (clones share
        /// connections and credentials).
        ///
        /// It dereferences to the runtime's [`Client`](crate::runtime::Client) (`base_url()`,
        /// `retry_policy()`, `request()` for an operation's metadata, ...), which every runtime
        /// function takes.
        #[derive(Clone, Debug)]
        pub struct Client {
            pub(crate) inner: crate::runtime::Client,
        }

        impl Client {
            /// Starts building a client.
            pub fn builder() -> ClientBuilder {
                ClientBuilder::new()
            }
            #from_env_doc
            pub fn from_env() -> Result<Client, crate::runtime::Error> {
                Self::builder().apply_env()?.build()
            }
        }

        impl std::ops::Deref for Client {
            type Target = crate::runtime::Client;
            fn deref(&self) -> &crate::runtime::Client {
                &self.inner
            }
        }

        impl AsRef<crate::runtime::Client> for Client {
            fn as_ref(&self) -> &crate::runtime::Client {
                &self.inner
            }
        }

        impl From<crate::runtime::Client> for Client {
            /// A runtime client built for this API (e.g. by the runtime's mock server).
            fn from(inner: crate::runtime::Client) -> Self {
                Self { inner }
            }
        }

        impl From<Client> for crate::runtime::Client {
            fn from(client: Client) -> Self {
                client.inner
            }
        }

        /// Configures a [`Client`]: server, credentials, timeouts, limits, retries. From
        /// [`Client::builder`]; every setter takes and returns the builder, `build()` checks it all.
        #[derive(Debug)]
        pub struct ClientBuilder {
            inner: crate::runtime::ClientBuilder,
        }

        impl ClientBuilder {
            /// A builder for this API with its defaults.
            pub fn new() -> Self {
                Self { inner: crate::runtime::ClientBuilder::new(&API) }
            }
            #builder_env_doc
            pub fn from_env() -> Result<Self, crate::runtime::Error> {
                Self::new().apply_env()
            }
            /// Checks the configuration and builds the client; every problem is named in the error.
            pub fn build(self) -> Result<Client, crate::runtime::Error> {
                self.inner.build().map(|inner| Client { inner })
            }
            #(#setters)*
        }

        impl Default for ClientBuilder {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::ops::Deref for ClientBuilder {
            type Target = crate::runtime::ClientBuilder;
            fn deref(&self) -> &crate::runtime::ClientBuilder {
                &self.inner
            }
        }

        impl From<crate::runtime::ClientBuilder> for ClientBuilder {
            /// A runtime builder made for this API (e.g. the mock server's).
            fn from(inner: crate::runtime::ClientBuilder) -> Self {
                Self { inner }
            }
        }

        /// The runtime builder's setters, forwarded; their types are named as in the runtime.
        mod forwarded {
            // The runtime's docs link by `super::` paths, made `crate::runtime::` ones here, which the
            // glob import also resolves.
            #![allow(unused_imports, rustdoc::redundant_explicit_links)]
            use crate::runtime::*;
            use std::time::Duration;

            impl super::ClientBuilder {
                #(#forwarders)*
            }
        }

        #(#enums)*
    }
}

/// The environment variables `from_env` reads, for this crate.
fn env_doc(api: &Api, prefix: &str) -> String {
    let mut lines = vec![format!("- `{prefix}_API_KEY` or `{prefix}_BEARER_TOKEN`: the credentials (one of them).")];
    let vars: Vec<&ServerVariable> = api.server.iter().flat_map(|s| &s.variables).collect();
    let free: Vec<String> = vars
        .iter()
        .filter(|v| v.choices.is_none())
        .map(|v| format!("`{prefix}_{}`", v.setter.to_uppercase()))
        .collect();
    for v in vars.iter().filter(|v| v.choices.is_some()) {
        let values = v.choices.iter().flat_map(|(_, vs)| vs.iter().map(|(w, _)| format!("`{w}`"))).collect::<Vec<_>>();
        lines.push(format!(
            "- `{prefix}_{}`: one of {} (default `{}`).",
            v.setter.to_uppercase(),
            values.join(", "),
            v.default
        ));
    }
    if api.server.is_some() {
        for (i, v) in vars.iter().filter(|v| v.choices.is_none()).enumerate() {
            let text = variable_text(v).replace('\n', " ");
            lines.insert(1 + i, format!("- `{prefix}_{}`: {text}", v.setter.to_uppercase()));
        }
        let free = if free.is_empty() { String::new() } else { format!("instead of {}: ", free.join(" and ")) };
        lines.push(format!("- `{prefix}_BASE_URL`: {free}an explicit base URL (a proxy, a test server)."));
    } else {
        lines.push(format!("- `{prefix}_BASE_URL`: the base URL."));
    }
    lines.push(format!(
        "- `{prefix}_ALLOW_INSECURE_HTTP=1`: allows a plain `http://` base URL to a host that is not a loopback address."
    ));
    lines.push(format!(
        "- `{prefix}_PROFILE`: a profile of the command-line tool's configuration file (`configure`), whose \
         settings win over the variables above."
    ));
    format!("Variables:\n\n{}\n\nEvery missing or invalid variable is named in the error.", lines.join("\n"))
}

fn variable_text(v: &ServerVariable) -> String {
    match &v.description {
        Some(d) if !d.trim().is_empty() => sanitize(d),
        _ => format!("The {} variable of the server URL.", code(&v.name)),
    }
}

fn setter(v: &ServerVariable) -> TokenStream {
    let f = ident(&v.setter);
    let n = &v.name;
    let text = format!("{}\n\nSets the {} variable of the server URL.", variable_text(v), code(&v.name));
    match &v.choices {
        Some((enum_name, _)) => {
            let e = ident(enum_name);
            let d = doc(&format!("{text} Default: {}.", code(&v.default)));
            quote! { #d pub fn #f(self, value: crate::#e) -> Self { Self { inner: self.inner.server_variable(#n, value.as_str()) } } }
        }
        None => {
            let d = doc(&format!("{text} Letters, digits and `-`."));
            quote! { #d pub fn #f(self, value: impl Into<String>) -> Self { Self { inner: self.inner.server_variable(#n, value) } } }
        }
    }
}

fn variable_enum(v: &ServerVariable) -> Option<TokenStream> {
    let (enum_name, values) = v.choices.as_ref()?;
    let e = ident(enum_name);
    let variants = values.iter().map(|(wire, var)| {
        let var = ident(var);
        let d = doc(&code(wire));
        quote!(#d #var,)
    });
    let to_str = values.iter().map(|(wire, var)| {
        let var = ident(var);
        quote!(Self::#var => #wire,)
    });
    let from_str = values.iter().map(|(wire, var)| {
        let var = ident(var);
        quote!(_ if s.eq_ignore_ascii_case(#wire) => Ok(Self::#var),)
    });
    let all = values.iter().map(|(_, var)| {
        let var = ident(var);
        quote!(Self::#var)
    });
    let d = doc(&format!("{}\n\nThe allowed values of the {} server variable.", variable_text(v), code(&v.name)));
    let unknown = format!("unknown {} `{{s}}`", v.setter);
    Some(quote! {
        #d
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #e {
            #(#variants)*
        }
        impl #e {
            /// Every allowed value.
            pub const ALL: &'static [Self] = &[#(#all),*];
            /// The value in the URL.
            pub const fn as_str(self) -> &'static str {
                match self { #(#to_str)* }
            }
        }
        impl std::fmt::Display for #e {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for #e {
            type Err = crate::runtime::Error;
            /// Parses a value, ignoring case.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    #(#from_str)*
                    _ => Err(crate::runtime::Error::config(format!(#unknown))),
                }
            }
        }
    })
}
