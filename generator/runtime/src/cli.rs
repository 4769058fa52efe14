//! A command-line tool over the SDK (Cargo feature `cli`): `<bin> <service> <operation> [--<param>
//! VALUE]... [--body FILE|-]`. The generated crate describes every operation as an
//! [`OperationCommand`] (flags, help, and a function that fills the typed request builder); this
//! module parses the command line (clap), configures the client from the same environment variables
//! as `from_env` (flags override them), runs the operation and prints the result.
//!
//! Output (`cli_output`): JSON on stdout (pretty on a terminal, compact otherwise), or `--output
//! jsonl|yaml|table`, filtered by `--query` (jq syntax); `--all-pages` streams every item of a paged
//! list; results and downloads go to `--output-file FILE` (or stdout); errors go to stderr. Flags of
//! an enumerated type take only its values (or `raw:VALUE`). A JSON body comes from `--body FILE|-`
//! or from `-F`/`-f` fields (`--body-template` shows its shape). Profiles (`profile`) name a server
//! and where the key is; `configure` writes them. Completions are dynamic (`completions SHELL`).
//! Exit codes: 0 success, 2 usage error, 3 HTTP error (the server answered with an error status),
//! 4 transport error (connection, DNS, TLS, timeout), 5 any other error (configuration, auth,
//! decoding).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde::de::DeserializeOwned;

use super::api::ApiDescription;
use super::auth::BoxFuture;
use super::cli_output::{Format, Query};
use super::client::{Client, ClientBuilder};
use super::error::Error;
use super::error_code::ErrorCodeTable;
use super::meta::OperationMeta;
use super::operation::{Decode, Download, Empty, Json, Operation, Paged, Request, Text};
use super::pagination::PageStream;
use super::request::PreparedRequest;
use super::response::{ByteStream, EmptyResponse};

/// Exit code of a usage error (clap's too).
pub const EXIT_USAGE: u8 = 2;
/// Exit code when the server answered with an error status.
pub const EXIT_HTTP: u8 = 3;
/// Exit code when the request could not be sent or the response not received.
pub const EXIT_TRANSPORT: u8 = 4;
/// Exit code of any other failure.
pub const EXIT_OTHER: u8 = 5;

/// One flag of an operation command.
#[derive(Debug)]
pub struct CliParam {
    /// The flag, without `--` (kebab case), e.g. `process-defn-id`.
    pub flag: &'static str,
    /// Its help line.
    pub help: &'static str,
    /// Whether it must be given.
    pub required: bool,
    /// Whether it may be repeated (an array parameter).
    pub multiple: bool,
    /// The values it takes, for a parameter of an enumerated type (empty otherwise): another value
    /// is a usage error unless given as `raw:VALUE`.
    pub values: &'static [&'static str],
}

impl CliParam {
    /// A flag: its name, help line, whether it must be given and whether it may be repeated.
    pub const fn new(flag: &'static str, help: &'static str, required: bool, multiple: bool) -> Self {
        CliParam { flag, help, required, multiple, values: &[] }
    }

    /// The flag, taking only these values (an enumerated type's, as the API names them).
    pub const fn with_values(mut self, values: &'static [&'static str]) -> Self {
        self.values = values;
        self
    }
}

/// The prefix that sends a value an enumerated flag does not list (the API may have added it):
/// `--status raw:NEW_STATUS`.
pub const RAW_PREFIX: &str = "raw:";

/// The value parser of an enumerated flag: one of its values (any case, printed as the API names
/// it), or any text after [`RAW_PREFIX`]; otherwise clap's usage error, with the values and the
/// nearest one suggested. Its values are listed in `--help` and completed by the shell.
#[derive(Clone)]
struct EnumValue(&'static [&'static str]);

impl clap::builder::TypedValueParser for EnumValue {
    type Value = String;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &std::ffi::OsStr) -> Result<String, clap::Error> {
        if let Some(text) = value.to_str() {
            if let Some(raw) = text.strip_prefix(RAW_PREFIX) {
                return Ok(raw.to_owned());
            }
            let found = self.0.iter().find(|v| **v == text).or_else(|| {
                let mut same = self.0.iter().filter(|v| v.eq_ignore_ascii_case(text));
                match (same.next(), same.next()) {
                    (Some(one), None) => Some(one),
                    _ => None,
                }
            });
            if let Some(v) = found {
                return Ok((*v).to_owned());
            }
        }
        let mut err = clap::builder::PossibleValuesParser::new(self.0.iter().copied())
            .parse_ref(cmd, arg, value)
            .err()
            .unwrap_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd));
        err.insert(
            clap::error::ContextKind::Suggested,
            clap::error::ContextValue::StyledStrs(vec![format!(
                "to send a value not listed (the API may have added it), write {RAW_PREFIX}VALUE"
            )
            .into()]),
        );
        Err(err)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(self.0.iter().map(|v| clap::builder::PossibleValue::new(*v))))
    }
}

/// How an operation takes a request body on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CliBody {
    /// No body.
    None,
    /// `--body FILE|-`, optional.
    Optional,
    /// `--body FILE|-`, required.
    Required,
}

/// One operation as a command: generated per operation.
#[derive(Debug)]
pub struct OperationCommand {
    /// The service subcommand (kebab case), e.g. `process-manager`.
    pub service: &'static str,
    /// The operation subcommand (kebab case), e.g. `create-process-token`.
    pub name: &'static str,
    /// The operation's metadata.
    pub meta: &'static OperationMeta,
    /// The full help: description, method and path, permission, error codes.
    pub long_about: &'static str,
    /// Its parameters as flags.
    pub params: &'static [CliParam],
    /// Its body.
    pub body: CliBody,
    /// Whether `--all-pages` applies.
    pub paged: bool,
    /// The field of the response that holds a page's items, when the response is a page: its
    /// items are the rows of `--output table` and the lines of `--output jsonl`.
    pub page_items: Option<&'static str>,
    /// For a JSON body: the skeleton `--body-template` prints (required fields first, placeholders
    /// naming the types); `-F`/`-f` build such a body.
    pub body_template: Option<&'static str>,
    /// Fills the typed request from the invocation and runs it.
    pub run: fn(Client, Invocation) -> BoxFuture<'static, Result<Output, Error>>,
}

/// What the command line gave an operation.
#[derive(Debug, Default)]
pub struct Invocation {
    values: BTreeMap<String, Vec<String>>,
    body: Option<Vec<u8>>,
    /// `--all-pages`.
    pub all_pages: bool,
    /// `--dry-run`.
    pub dry_run: bool,
}

impl Invocation {
    fn bad(flag: &str, value: &str, why: impl std::fmt::Display) -> Error {
        Error::config(format!("--{flag} `{value}`: {why}"))
    }

    /// The text of a flag given once.
    pub fn string(&self, flag: &str) -> Option<String> {
        self.values.get(flag).and_then(|v| v.first()).cloned()
    }

    /// A flag parsed with `FromStr` (numbers, booleans, enums, dates).
    pub fn parse<T: std::str::FromStr>(&self, flag: &str) -> Result<Option<T>, Error>
    where
        T::Err: std::fmt::Display,
    {
        match self.string(flag) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|e| Self::bad(flag, &v, e)),
        }
    }

    /// Every value of a repeated flag, each parsed with `FromStr`.
    pub fn parse_all<T: std::str::FromStr>(&self, flag: &str) -> Result<Option<Vec<T>>, Error>
    where
        T::Err: std::fmt::Display,
    {
        let Some(values) = self.values.get(flag) else { return Ok(None) };
        values.iter().map(|v| v.parse().map_err(|e| Self::bad(flag, v, e))).collect::<Result<_, _>>().map(Some)
    }

    /// A flag given as JSON text (objects, unions).
    pub fn json<T: serde::de::DeserializeOwned>(&self, flag: &str) -> Result<Option<T>, Error> {
        match self.string(flag) {
            None => Ok(None),
            Some(v) => serde_json::from_str(&v).map(Some).map_err(|e| Self::bad(flag, &v, e)),
        }
    }

    /// The body read from `--body`, decoded as JSON.
    pub fn body_json<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>, Error> {
        match &self.body {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(bytes)
                .map(Some)
                .map_err(|e| Error::config(format!("the body is not the operation's JSON body: {e}"))),
        }
    }

    /// The body read from `--body`, as bytes.
    pub fn body_bytes(&self) -> Option<bytes::Bytes> {
        self.body.clone().map(bytes::Bytes::from)
    }

    /// The body read from `--body`, as text.
    pub fn body_text(&self) -> Option<String> {
        self.body.as_ref().map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

/// A value the command line must give: a missing one is the error that names its flag.
pub trait Required<T> {
    /// The value, or an error saying `--{flag} is required`.
    fn required(self, flag: &str) -> Result<T, Error>;
}

impl<T> Required<T> for Option<T> {
    fn required(self, flag: &str) -> Result<T, Error> {
        self.ok_or_else(|| Error::config(format!("--{flag} is required")))
    }
}

/// What an operation produced, for printing.
pub enum Output {
    /// A JSON value.
    Json(serde_json::Value),
    /// Text.
    Text(String),
    /// The items of every page, as JSON.
    Items(std::pin::Pin<Box<dyn futures_core::Stream<Item = Result<serde_json::Value, Error>> + Send>>),
    /// A download.
    Bytes(ByteStream),
    /// A response without a body.
    Empty(EmptyResponse),
    /// The request a dry run would have sent.
    Prepared(PreparedRequest),
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Output::Json(_) => "Output::Json",
            Output::Text(_) => "Output::Text",
            Output::Items(_) => "Output::Items",
            Output::Bytes(_) => "Output::Bytes",
            Output::Empty(_) => "Output::Empty",
            Output::Prepared(_) => "Output::Prepared",
        })
    }
}

impl Output {
    /// Any serializable value as JSON.
    pub fn json<T: serde::Serialize>(value: &T) -> Result<Output, Error> {
        serde_json::to_value(value)
            .map(Output::Json)
            .map_err(|e| Error::config(format!("the response does not serialize: {e}")))
    }

    /// Every item of a paged list, as JSON.
    pub fn items<T: serde::Serialize + Send + 'static>(stream: PageStream<T>) -> Output {
        let items = futures_util::StreamExt::map(stream, |item| {
            item.and_then(|i| {
                serde_json::to_value(&i).map_err(|e| Error::config(format!("an item does not serialize: {e}")))
            })
        });
        Output::Items(Box::pin(items))
    }
}

/// An operation's parameters read from the command line: generated per operation.
pub trait FromInvocation: Operation {
    /// The parameters the invocation gives (required flags and body checked).
    fn from_invocation(inv: &Invocation) -> Result<Self, Error>;
}

/// How a decoded result is printed: implemented for the runtime's decoders and for generated
/// response enums.
pub trait CliOutput: Decode {
    /// The output of a decoded value.
    fn output(value: Self::Output) -> Result<Output, Error>;
}

impl<T: DeserializeOwned + serde::Serialize + Send + 'static, const LO: u16, const HI: u16> CliOutput
    for Json<T, LO, HI>
{
    fn output(value: T) -> Result<Output, Error> {
        Output::json(&value)
    }
}

impl<const LO: u16, const HI: u16> CliOutput for Download<LO, HI> {
    fn output(value: ByteStream) -> Result<Output, Error> {
        Ok(Output::Bytes(value))
    }
}

impl<const LO: u16, const HI: u16> CliOutput for Text<LO, HI> {
    fn output(value: String) -> Result<Output, Error> {
        Ok(Output::Text(value))
    }
}

impl<const LO: u16, const HI: u16> CliOutput for Empty<LO, HI> {
    fn output(value: EmptyResponse) -> Result<Output, Error> {
        Ok(Output::Empty(value))
    }
}

/// Runs operation `P` from an invocation: its parameters from the flags, then a dry run or the
/// call. The `run` of every generated [`OperationCommand`] of an unpaged operation.
pub fn run_operation_of<P>(client: Client, inv: Invocation) -> BoxFuture<'static, Result<Output, Error>>
where
    P: FromInvocation,
    P::Decode: CliOutput,
{
    Box::pin(async move {
        let request = Request::new(client, P::from_invocation(&inv)?);
        if inv.dry_run {
            return Ok(Output::Prepared(request.prepare()?));
        }
        <P::Decode as CliOutput>::output(request.send().await?)
    })
}

/// Like [`run_operation_of`] for a paged list: `--all-pages` streams every item.
pub fn run_paged_operation_of<P>(client: Client, inv: Invocation) -> BoxFuture<'static, Result<Output, Error>>
where
    P: FromInvocation + Paged,
    P::Item: serde::Serialize,
    P::Decode: CliOutput,
{
    Box::pin(async move {
        let request = Request::new(client, P::from_invocation(&inv)?);
        if inv.dry_run {
            return Ok(Output::Prepared(request.prepare()?));
        }
        if inv.all_pages {
            return Ok(Output::items(request.into_stream()));
        }
        <P::Decode as CliOutput>::output(request.send().await?)
    })
}

/// Every operation as a command, one slice per service (each service's slice is compiled with its
/// Cargo feature).
pub type Commands = &'static [&'static [OperationCommand]];

fn each(commands: Commands) -> impl Iterator<Item = &'static OperationCommand> {
    commands.iter().flat_map(|service| service.iter())
}

/// The clap command of the whole tool.
fn command(api: &'static ApiDescription, commands: Commands) -> Command {
    let prefix = api.env_prefix;
    let mut root = Command::new(api.name)
        .version(api.version)
        .about(format!("Command-line client of the {} API, generated with its SDK.", api.name))
        .long_about(format!(
            "Command-line client of the {} API, generated with its SDK.\n\n\
             Configuration comes from the same environment variables as the SDK's `from_env` \
             ({prefix}_API_KEY or {prefix}_BEARER_TOKEN, the server variables, {prefix}_BASE_URL, \
             {prefix}_ALLOW_INSECURE_HTTP), or from a profile of the configuration file (`{name} configure`, \
             --profile NAME or {prefix}_PROFILE; the profile `default` when none is named, beneath the \
             environment); the flags below override them. Secrets are not printed: never the API key, and the token of the token exchange only with --show-secret.\n\n\
             A flag that takes an enumerated value lists its values in --help and refuses others; \
             {RAW_PREFIX}VALUE sends a value it does not list (the API may have added it).\n\n\
             Exit codes: 0 success, 2 usage error, 3 HTTP error, 4 transport error, 5 other error.",
            api.name,
            name = api.name,
        ))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("output")
                .short('o')
                .long("output")
                .global(true)
                .value_name("FORMAT")
                .value_parser(clap::builder::PossibleValuesParser::new(Format::NAMES.iter().copied()))
                .help("json (pretty on a terminal), jsonl (a page: one line per item), yaml, or table (a page's items as rows, fitted to the terminal)"),
        )
        .arg(
            Arg::new("query")
                .short('q')
                .long("query")
                .global(true)
                .value_name("EXPR")
                .help("Filter the result with a jq expression, e.g. '.content[].id' (with --all-pages: each item)"),
        )
        .arg(
            Arg::new("raw-output")
                .short('r')
                .long("raw-output")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Print strings without JSON quotes (json and jsonl)"),
        )
        .arg(
            Arg::new("profile")
                .long("profile")
                .global(true)
                .value_name("NAME")
                .help(format!("The profile of the configuration file to use (overrides {prefix}_PROFILE; see `configure`)")),
        )
        .arg(
            Arg::new("base-url")
                .long("base-url")
                .global(true)
                .value_name("URL")
                .help(format!("The base URL (overrides {prefix}_BASE_URL and the server variables)")),
        )
        .arg(
            Arg::new("allow-insecure-http")
                .long("allow-insecure-http")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Allow a plain http:// base URL to a host that is not a loopback address"),
        )
        .arg(Arg::new("timeout").long("timeout").global(true).value_name("SECONDS").help("Timeout of each attempt"))
        .arg(
            Arg::new("dry-run")
                .long("dry-run")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Print the request (credentials redacted) instead of sending it"),
        )
        .arg(
            Arg::new("compact")
                .long("compact")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Compact JSON even on a terminal"),
        )
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Print each request and response on stderr: method, URL, headers, status, time (secrets redacted; also with RUST_LOG=debug)"),
        )
        .arg(
            Arg::new("show-secret")
                .long("show-secret")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Print the bearer token the token exchange returns (otherwise shown as [redacted])"),
        );
    for var in api.server.map(|s| s.variables).unwrap_or_default() {
        let mut arg = Arg::new(var.setter).long(var.setter).global(true).value_name("VALUE").help(format!(
            "Server variable `{}` (overrides {})",
            var.name,
            super::env::variable_name(prefix, var.setter)
        ));
        if !var.allowed.is_empty() {
            arg = arg.value_parser(clap::builder::PossibleValuesParser::new(var.allowed.iter().copied()));
        }
        root = root.arg(arg);
    }
    // The tool's own options, in a section of their own in every command's help.
    let globals: Vec<clap::Id> =
        root.get_arguments().filter(|a| a.is_global_set()).map(|a| a.get_id().clone()).collect();
    for id in globals {
        root = root.mut_arg(id, |a| a.help_heading("Global options"));
    }
    let mut services: BTreeMap<&str, Command> = BTreeMap::new();
    for op in each(commands) {
        let service = services.remove(op.service).unwrap_or_else(|| {
            Command::new(op.service)
                .about(format!("Operations of the {} service", op.service))
                .subcommand_required(true)
        });
        // One line of help: the first line of the summary, or the operation id.
        let about =
            op.meta.summary.lines().next().map(str::trim).filter(|l| !l.is_empty()).unwrap_or(op.meta.operation_id);
        let mut sub = Command::new(op.name).about(about).long_about(op.long_about);
        if op.meta.deprecated {
            sub = sub.about(format!("[deprecated] {about}"));
        }
        for p in op.params {
            let mut arg = Arg::new(p.flag).long(p.flag).value_name("VALUE").help(p.help);
            // `--body-template` needs no other flag.
            if p.required && op.body_template.is_some() {
                arg = arg.required_unless_present("body-template");
            } else {
                arg = arg.required(p.required);
            }
            if !p.values.is_empty() {
                arg = arg.value_parser(EnumValue(p.values)).long_help(format!(
                    "{}\n\nA value not listed (the API may have added it) is sent as {RAW_PREFIX}VALUE.",
                    p.help
                ));
            }
            if p.multiple {
                arg = arg.action(ArgAction::Append);
            }
            sub = sub.arg(arg);
        }
        if op.body != CliBody::None {
            sub = sub.arg(
                Arg::new("body")
                    .long("body")
                    .value_name("FILE|-")
                    .required(op.body == CliBody::Required && op.body_template.is_none())
                    .help("The request body: a file, or - for standard input"),
            );
        }
        if op.body_template.is_some() {
            sub = sub
                .arg(
                    Arg::new("body-template")
                        .long("body-template")
                        .action(ArgAction::SetTrue)
                        .help("Print a JSON skeleton of the body (required fields first, types shown) and exit"),
                )
                .arg(
                    Arg::new("field")
                        .short('F')
                        .long("field")
                        .value_name("KEY=VALUE")
                        .action(ArgAction::Append)
                        .conflicts_with("body")
                        .help("A body field, typed: true, false, null and numbers as JSON, @FILE a file's text (@- standard input), else a string; KEY may be nested: a.b, a[] (append), a[].b"),
                )
                .arg(
                    Arg::new("raw-field")
                        .short('f')
                        .long("raw-field")
                        .value_name("KEY=VALUE")
                        .action(ArgAction::Append)
                        .conflicts_with("body")
                        .help("A body field whose value is always a string"),
                );
        }
        if op.paged {
            sub = sub.arg(
                Arg::new("all-pages")
                    .long("all-pages")
                    .action(ArgAction::SetTrue)
                    .help("Every item of every page, printed as it arrives (JSON lines by default)"),
            );
        }
        sub = sub.arg(
            Arg::new("output-file")
                .long("output-file")
                .value_name("FILE")
                .help("Write the result to FILE (a download: its bytes)"),
        );
        services.insert(op.service, service.subcommand(sub));
    }
    for (_, s) in services {
        root = root.subcommand(s);
    }
    root.subcommand(
        Command::new("permissions")
            .about("The permissions the given operations need (operation ids or commands)")
            .arg(Arg::new("operation").num_args(1..).required(true))
            .arg(Arg::new("for-tenant").long("for-tenant").value_name("TENANT").help("Fill the placeholders")),
    )
    .subcommand(
        Command::new("error-code")
            .about("Explains a documented error code")
            .arg(Arg::new("code").required(true).value_parser(clap::value_parser!(i64))),
    )
    .subcommand(
        Command::new("configure")
            .about("Writes a profile (--profile NAME, else `default`) to the configuration file; without settings, lists the profiles")
            .long_about(
                "Writes a profile (--profile NAME, else `default`) to the configuration file: the server (--base-url, or the \
                 server variables' flags) and where the credentials come from. Secrets are never written into it: \
                 --api-key-env names an environment variable, --api-key-file a file readable by its owner only (mode 0600), \
                 and --api-key-stdin stores the key read from standard input in such a file beside the configuration. \
                 Without settings, prints the file's path and its profiles.",
            )
            .arg(Arg::new("api-key-env").long("api-key-env").value_name("VARIABLE").help("Read the API key from this environment variable"))
            .arg(Arg::new("api-key-file").long("api-key-file").value_name("FILE").help("Read the API key from this file (mode 0600)"))
            .arg(
                Arg::new("api-key-stdin")
                    .long("api-key-stdin")
                    .action(ArgAction::SetTrue)
                    .help("Read the API key from standard input and store it in a file of mode 0600 beside the configuration"),
            )
            .group(clap::ArgGroup::new("key-source").args(["api-key-env", "api-key-file", "api-key-stdin"])),
    )
    .subcommand(
        Command::new("completions")
            .about(format!("Prints the shell's hook for completions, e.g. `source <({} completions bash)` in ~/.bashrc", api.name))
            .long_about(format!(
                "Prints the shell's hook for completions, e.g. `source <({name} completions bash)` in ~/.bashrc, or \
                 `{name} completions fish | source`. The hook is a few lines: it asks the tool itself for the candidates \
                 of each <TAB> (services, operations, flags, and the values of enumerated flags), so it stays right \
                 when the tool is updated.",
                name = api.name
            ))
            .arg(Arg::new("shell").required(true).value_parser(clap::value_parser!(clap_complete::Shell))),
    )
}

/// The environment variable with which a shell asks for completions (clap's dynamic completions).
pub const COMPLETE_VAR: &str = "COMPLETE";

/// Runs the tool with the process's arguments and environment; with `COMPLETE=<shell>` set (by the
/// hook `completions` prints), prints the completions of the command line instead.
pub fn main(
    api: &'static ApiDescription,
    commands: Commands,
    error_tables: &'static [&'static ErrorCodeTable],
) -> ExitCode {
    clap_complete::CompleteEnv::with_factory(|| command(api, commands)).var(COMPLETE_VAR).complete();
    run(api, commands, error_tables, std::env::args_os().collect(), &|name| std::env::var(name).ok())
}

/// Runs the tool with these arguments and environment (for tests).
pub fn run(
    api: &'static ApiDescription,
    commands: Commands,
    error_tables: &'static [&'static ErrorCodeTable],
    args: Vec<std::ffi::OsString>,
    env: &dyn Fn(&str) -> Option<String>,
) -> ExitCode {
    let matches = match command(api, commands).try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    match matches.subcommand() {
        Some(("permissions", m)) => permissions(commands, m),
        Some(("error-code", m)) => error_code(error_tables, m),
        Some(("configure", m)) => configure(api, &matches, m, env),
        Some(("completions", m)) => completions(api, m),
        Some((service, m)) => match m.subcommand() {
            Some((name, op_matches)) => match each(commands).find(|c| c.service == service && c.name == name) {
                Some(op) => run_operation(api, op, &matches, op_matches, env),
                None => ExitCode::from(EXIT_USAGE),
            },
            None => ExitCode::from(EXIT_USAGE),
        },
        None => ExitCode::from(EXIT_USAGE),
    }
}

/// `completions SHELL`: the shell's hook, which calls this binary with [`COMPLETE_VAR`] set.
fn completions(api: &'static ApiDescription, m: &ArgMatches) -> ExitCode {
    let Some(shell) = m.get_one::<clap_complete::Shell>("shell") else { return ExitCode::from(EXIT_USAGE) };
    let shells = clap_complete::env::Shells::builtins();
    let Some(completer) = shells.completer(&shell.to_string()) else {
        eprintln!("error: no completions for {shell}");
        return ExitCode::from(EXIT_USAGE);
    };
    let binary = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|_| api.name.to_owned());
    let mut out = Vec::new();
    let written = completer.write_registration(COMPLETE_VAR, api.name, api.name, &binary, &mut out);
    match written.and_then(|()| std::io::stdout().write_all(&out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the hook: {e}");
            ExitCode::from(EXIT_OTHER)
        }
    }
}

fn permissions(commands: Commands, m: &ArgMatches) -> ExitCode {
    let tenant = m.get_one::<String>("for-tenant");
    let mut seen = Vec::new();
    for wanted in m.get_many::<String>("operation").into_iter().flatten() {
        let Some(op) = each(commands).find(|c| c.meta.operation_id == wanted || c.name == wanted) else {
            eprintln!("error: no operation `{wanted}`");
            return ExitCode::from(EXIT_USAGE);
        };
        match op.meta.permission {
            Some(p) => {
                let text = match tenant {
                    Some(t) => p.for_tenant(t),
                    None => p.template.to_owned(),
                };
                if !seen.contains(&text) {
                    println!("{text}");
                    seen.push(text);
                }
            }
            None => eprintln!("{}: no permission documented", op.meta.operation_id),
        }
    }
    ExitCode::SUCCESS
}

fn error_code(tables: &'static [&'static ErrorCodeTable], m: &ArgMatches) -> ExitCode {
    let Some(code) = m.get_one::<i64>("code").copied() else { return ExitCode::from(EXIT_USAGE) };
    let mut found = false;
    for table in tables {
        if let Some(info) = table.lookup(code) {
            println!("{} {}: {} — {}", table.service, info.code, info.name, info.description);
            found = true;
        }
    }
    if found {
        ExitCode::SUCCESS
    } else {
        eprintln!("error code {code} is not documented");
        ExitCode::from(EXIT_OTHER)
    }
}

/// The profile named by `--profile`, else by a non-blank `<PREFIX>_PROFILE`.
fn profile_name(api: &ApiDescription, root: &ArgMatches, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    root.get_one::<String>("profile")
        .cloned()
        .or_else(|| env(&format!("{}_PROFILE", api.env_prefix)).filter(|p| !p.trim().is_empty()))
}

/// The profile in use: named by `--profile` or `<PREFIX>_PROFILE` (then it wins over the
/// environment), else `default` when the configuration file has it (then the environment wins).
/// Its settings as environment variables (see [`super::profile::variables`]), and whether it was named.
fn chosen_profile(
    api: &'static ApiDescription,
    root: &ArgMatches,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(BTreeMap<String, Option<String>>, bool), Error> {
    use super::profile::{config_path, variables, Profiles};
    if let Some(name) = profile_name(api, root, env) {
        return Ok((super::profile::named(api, &name, env)?, true));
    }
    let Some(path) = config_path(api, env) else { return Ok((BTreeMap::new(), false)) };
    match Profiles::read(&path)?.get("default") {
        Some(profile) => Ok((variables(api, "default", profile, env)?, false)),
        None => Ok((BTreeMap::new(), false)),
    }
}

/// The environment overlaid with the profile and the flags: a flag wins over its variable; a
/// named profile wins over the environment, the `default` one only fills what it leaves unset.
fn overlay<'a>(
    api: &'static ApiDescription,
    root: &'a ArgMatches,
    env: &'a dyn Fn(&str) -> Option<String>,
    profile: &'a BTreeMap<String, Option<String>>,
    profile_named: bool,
    dry_run: bool,
) -> impl Fn(&str) -> Option<String> + 'a {
    let prefix = api.env_prefix;
    let base = move |name: &str| match profile.get(name) {
        Some(value) if profile_named => value.clone(),
        Some(value) => env(name).or_else(|| value.clone()),
        None => env(name),
    };
    move |name: &str| {
        let flag = |id: &str| root.get_one::<String>(id).cloned();
        let suffix = name.strip_prefix(prefix).and_then(|s| s.strip_prefix('_')).unwrap_or_default();
        let from_flag = match suffix {
            "BASE_URL" => flag("base-url"),
            "ALLOW_INSECURE_HTTP" => root.get_flag("allow-insecure-http").then(|| "1".to_owned()),
            _ => api
                .server
                .map(|s| s.variables)
                .unwrap_or_default()
                .iter()
                .find(|v| super::env::variable_name(prefix, v.setter) == name)
                .and_then(|v| flag(v.setter)),
        };
        // The profile is resolved here already (the flag's or the variable's): the client builder
        // must not apply the variable's again over the flag's.
        if suffix == "PROFILE" {
            return None;
        }
        let value = from_flag.or_else(|| base(name));
        // A dry run sends nothing, so it needs no credentials.
        match (suffix, value) {
            ("API_KEY", None) if dry_run && base(&format!("{prefix}_BEARER_TOKEN")).is_none() => {
                Some("dry-run".to_owned())
            }
            (_, value) => value,
        }
    }
}

/// `configure`: writes a profile, or lists them.
fn configure(
    api: &'static ApiDescription,
    root: &ArgMatches,
    m: &ArgMatches,
    env: &dyn Fn(&str) -> Option<String>,
) -> ExitCode {
    use super::profile::{config_path, read_secret_file, write_private, Profiles};
    let fail = |e: Error| report(&e);
    let Some(path) = config_path(api, env) else {
        return fail(Error::config("no configuration folder: set HOME or XDG_CONFIG_HOME"));
    };
    let mut profiles = match Profiles::read(&path) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let name = profile_name(api, root, env).unwrap_or_else(|| "default".to_owned());
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        eprintln!("error: a profile's name is letters, digits, `_` and `-`");
        return ExitCode::from(EXIT_USAGE);
    }
    let variables = api.server.map(|s| s.variables).unwrap_or_default();
    let mut server: Vec<(&str, String)> = variables
        .iter()
        .filter_map(|v| root.get_one::<String>(v.setter).map(|value| (v.setter, value.clone())))
        .collect();
    let base_url = root.get_one::<String>("base-url").cloned();
    if let Some(url) = &base_url {
        if let Err(e) = reqwest::Url::parse(url) {
            eprintln!("error: --base-url `{}` is not a URL: {e}", super::text::printable(url, 200));
            return ExitCode::from(EXIT_USAGE);
        }
        server.push(("base_url", url.clone()));
    }
    let insecure = root.get_flag("allow-insecure-http");
    let key_source = if let Some(variable) = m.get_one::<String>("api-key-env") {
        Some(("api_key_env", variable.clone()))
    } else if let Some(file) = m.get_one::<String>("api-key-file") {
        let file = std::path::absolute(file).unwrap_or_else(|_| file.into());
        if let Err(e) = read_secret_file(&file) {
            return fail(e);
        }
        Some(("api_key_file", file.display().to_string()))
    } else if m.get_flag("api-key-stdin") {
        let mut key = String::new();
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::Read::take(std::io::stdin(), 64 * 1024), &mut key) {
            return fail(Error::config(format!("cannot read the key from standard input: {e}")));
        }
        let key = key.trim();
        if key.is_empty() {
            return fail(Error::config("no key on standard input"));
        }
        let file = path.with_file_name(format!("{name}.key"));
        if let Err(e) = write_private(&file, &format!("{key}\n")) {
            return fail(e);
        }
        Some(("api_key_file", file.display().to_string()))
    } else {
        None
    };
    if server.is_empty() && key_source.is_none() && !insecure {
        println!("{}", path.display());
        for (n, values) in &profiles.0 {
            let shown: Vec<String> =
                values.iter().map(|(k, v)| format!("{k}={}", super::text::printable(v, 200))).collect();
            println!("{n}: {}", shown.join(" "));
        }
        return ExitCode::SUCCESS;
    }
    let profile = profiles.entry(&name);
    if !server.is_empty() {
        // A profile names one server: a base URL or the server variables.
        profile.remove("base_url");
        for v in variables {
            profile.remove(v.setter);
        }
        for (k, v) in server {
            profile.insert(k.to_owned(), v);
        }
    }
    if insecure {
        profile.insert("allow_insecure_http".to_owned(), "true".to_owned());
    }
    if let Some((k, v)) = key_source {
        for old in ["api_key_env", "api_key_file", "bearer_token_env", "bearer_token_file"] {
            profile.remove(old);
        }
        profile.insert(k.to_owned(), v);
    }
    match write_private(&path, &profiles.render(api.name)) {
        Ok(()) => {
            eprintln!("profile `{name}` written to {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// The longest `--timeout`: a day.
pub const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// `--timeout SECONDS`: a finite positive number of seconds, at most [`MAX_TIMEOUT_SECS`].
fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= MAX_TIMEOUT_SECS => Ok(std::time::Duration::from_secs_f64(s)),
        Ok(s) if s.is_finite() && s > MAX_TIMEOUT_SECS => Err(format!("at most {MAX_TIMEOUT_SECS} seconds")),
        _ => Err("not a positive number of seconds".into()),
    }
}

/// The largest request body `--body` reads (32 MiB), from a file or standard input.
pub const MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;

/// Reads `--body FILE|-`, refusing more than [`MAX_BODY_BYTES`] without reading past the limit.
fn read_body(source: &str) -> Result<Vec<u8>, Error> {
    let too_large = || {
        Error::config(format!(
            "the body from `{source}` is larger than {} MiB, the most --body reads",
            MAX_BODY_BYTES >> 20
        ))
    };
    let mut buf = Vec::new();
    if source == "-" {
        std::io::Read::read_to_end(&mut std::io::Read::take(std::io::stdin(), MAX_BODY_BYTES + 1), &mut buf)
            .map_err(|e| Error::config(format!("cannot read the body from standard input: {e}")))?;
    } else {
        let file = std::fs::File::open(source)
            .map_err(|e| Error::config(format!("cannot read the body from `{source}`: {e}")))?;
        if file.metadata().is_ok_and(|m| m.len() > MAX_BODY_BYTES) {
            return Err(too_large());
        }
        std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_BODY_BYTES + 1), &mut buf)
            .map_err(|e| Error::config(format!("cannot read the body from `{source}`: {e}")))?;
    }
    if buf.len() as u64 > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(buf)
}

/// A step of a `-F` key: `a.b[].c` is `a`, `b`, append, `c`.
#[derive(Debug, PartialEq)]
enum KeyStep {
    Key(String),
    Append,
}

fn key_steps(key: &str) -> Result<Vec<KeyStep>, String> {
    let mut steps = Vec::new();
    let mut rest = key;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[]") {
            steps.push(KeyStep::Append);
            rest = after;
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').ok_or_else(|| format!("`{key}`: a `[` without `]`"))?;
            steps.push(KeyStep::Key(after[..end].to_owned()));
            rest = &after[end + 1..];
        } else {
            let rest_ = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_.find(['.', '[']).unwrap_or(rest_.len());
            if end == 0 {
                return Err(format!("`{key}`: an empty key"));
            }
            steps.push(KeyStep::Key(rest_[..end].to_owned()));
            rest = &rest_[end..];
        }
    }
    if steps.is_empty() {
        return Err("an empty key".into());
    }
    Ok(steps)
}

/// Sets `value` at `steps` under `at`, making objects and arrays on the way.
fn set_field(at: &mut serde_json::Value, steps: &[KeyStep], value: serde_json::Value) -> Result<(), String> {
    use serde_json::Value;
    let Some((step, rest)) = steps.split_first() else {
        *at = value;
        return Ok(());
    };
    match step {
        KeyStep::Key(k) => {
            if at.is_null() {
                *at = Value::Object(Default::default());
            }
            let Value::Object(map) = at else {
                return Err(format!("`{k}` is set under a value that is not an object"));
            };
            let child = map.entry(k.clone()).or_insert(Value::Null);
            if rest.is_empty() && !child.is_null() {
                return Err(format!("`{k}` is given twice"));
            }
            set_field(child, rest, value)
        }
        KeyStep::Append => {
            if at.is_null() {
                *at = Value::Array(Vec::new());
            }
            let Value::Array(items) = at else { return Err("`[]` appends to a value that is not an array".into()) };
            // `a[].x=1 -F a[].y=2` fills one element; a key it already has starts the next one.
            let reuse = match (rest.first(), items.last()) {
                (Some(KeyStep::Key(k)), Some(Value::Object(last))) => !last.contains_key(k),
                _ => false,
            };
            if !reuse {
                items.push(Value::Null);
            }
            let last = items.last_mut().ok_or("`[]`")?;
            set_field(last, rest, value)
        }
    }
}

/// A `-F` value: JSON's `true`, `false`, `null` and numbers, `@FILE` a file's text, else a string.
fn typed_field(text: &str) -> Result<serde_json::Value, String> {
    use serde_json::Value;
    match text {
        "true" => return Ok(Value::Bool(true)),
        "false" => return Ok(Value::Bool(false)),
        "null" => return Ok(Value::Null),
        _ => {}
    }
    if let Some(path) = text.strip_prefix('@') {
        let bytes = read_body(path).map_err(|e| e.to_string())?;
        return String::from_utf8(bytes).map(Value::String).map_err(|_| format!("`{path}` is not UTF-8 text"));
    }
    let numeric = text.starts_with(|c: char| c.is_ascii_digit() || c == '-') && !text.ends_with('.');
    if numeric {
        if let Ok(n) = serde_json::from_str::<serde_json::Number>(text) {
            return Ok(Value::Number(n));
        }
    }
    Ok(Value::String(text.to_owned()))
}

/// The body `-F`/`-f` build, in the order given; `None` when neither is given.
fn fields_body(m: &ArgMatches) -> Result<Option<Vec<u8>>, String> {
    let mut given: Vec<(usize, bool, &String)> = Vec::new();
    for (id, typed) in [("field", true), ("raw-field", false)] {
        if let (Some(values), Some(indices)) = (m.get_many::<String>(id), m.indices_of(id)) {
            given.extend(indices.zip(values).map(|(i, v)| (i, typed, v)));
        }
    }
    if given.is_empty() {
        return Ok(None);
    }
    given.sort_by_key(|(i, _, _)| *i);
    let mut body = serde_json::Value::Object(Default::default());
    for (_, typed, text) in given {
        let flag = if typed { "-F" } else { "-f" };
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| format!("{flag} `{}`: not KEY=VALUE", super::text::printable(text, 64)))?;
        let value = if typed { typed_field(value) } else { Ok(serde_json::Value::String(value.to_owned())) };
        let value = value.map_err(|why| format!("{flag} {}: {why}", super::text::printable(key, 64)))?;
        let steps = key_steps(key).map_err(|why| format!("{flag}: {why}"))?;
        set_field(&mut body, &steps, value)
            .map_err(|why| format!("{flag} {}: {why}", super::text::printable(key, 64)))?;
    }
    serde_json::to_vec(&body).map(Some).map_err(|e| e.to_string())
}

fn exit_for(err: &Error) -> u8 {
    match err {
        Error::Http(_) | Error::UnexpectedStatus(_) => EXIT_HTTP,
        Error::Transport { .. } | Error::Timeout { .. } => EXIT_TRANSPORT,
        Error::Auth { source: Some(inner), .. } => exit_for(inner),
        _ => EXIT_OTHER,
    }
}

fn report(err: &Error) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {err}");
    if let Some(http) = err.http_error() {
        let _ = writeln!(stderr, "status: {}", http.status);
        if let Some(code) = http.code {
            let name = http.error_code.map(|c| format!(" ({})", c.name)).unwrap_or_default();
            let _ = writeln!(stderr, "code: {code}{name}");
        }
        // The server's message is for the person at the terminal (escaped); the rest of the body
        // is not printed.
        if let Some(message) = http.shown_message() {
            let _ = writeln!(stderr, "message: {message}");
        }
    }
    ExitCode::from(exit_for(err))
}

fn run_operation(
    api: &'static ApiDescription,
    op: &'static OperationCommand,
    root: &ArgMatches,
    m: &ArgMatches,
    env: &dyn Fn(&str) -> Option<String>,
) -> ExitCode {
    if let Some(template) = op.body_template.filter(|_| m.get_flag("body-template")) {
        println!("{template}");
        return ExitCode::SUCCESS;
    }
    let dry_run = root.get_flag("dry-run");
    let (profile, profile_named) = match chosen_profile(api, root, env) {
        Ok(p) => p,
        Err(e) => return report(&e),
    };
    let lookup = overlay(api, root, env, &profile, profile_named, dry_run);
    let mut builder = match ClientBuilder::new(api).apply_env_from(lookup) {
        Ok(b) => b,
        Err(e) => return report(&e),
    };
    if let Some(timeout) = root.get_one::<String>("timeout") {
        match parse_timeout(timeout) {
            Ok(after) => builder = builder.timeout(after),
            Err(why) => {
                eprintln!("error: --timeout `{}`: {why}", super::text::printable(timeout, 64));
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let log_level = env("RUST_LOG").unwrap_or_default().to_ascii_lowercase();
    if root.get_flag("verbose") || log_level.contains("debug") || log_level.contains("trace") {
        builder = builder.interceptor(WireLog);
    }
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => return report(&e),
    };
    let mut invocation =
        Invocation { all_pages: op.paged && m.get_flag("all-pages"), dry_run, ..Invocation::default() };
    for p in op.params {
        if let Some(values) = m.get_many::<String>(p.flag) {
            invocation.values.insert(p.flag.to_owned(), values.cloned().collect());
        }
    }
    if op.body_template.is_some() {
        match fields_body(m) {
            Ok(Some(bytes)) => invocation.body = Some(bytes),
            Ok(None) if op.body == CliBody::Required && !m.contains_id("body") => {
                eprintln!("error: the operation needs a body: --body FILE|-, or fields with -F KEY=VALUE (see --body-template)");
                return ExitCode::from(EXIT_USAGE);
            }
            Ok(None) => {}
            Err(why) => {
                eprintln!("error: {why}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    if op.body != CliBody::None && invocation.body.is_none() {
        if let Some(source) = m.get_one::<String>("body") {
            match read_body(source) {
                Ok(bytes) => invocation.body = Some(bytes),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            }
        }
    }
    let output_path = m.get_one::<String>("output-file").cloned();
    let to_terminal = output_path.as_deref().is_none_or(|p| p == "-") && std::io::stdout().is_terminal();
    let query = match root.get_one::<String>("query").map(|q| Query::compile(q)) {
        None => None,
        Some(Ok(q)) => Some(q),
        Some(Err(why)) => {
            eprintln!("error: --query: {why}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let printer = Printer {
        format: root.get_one::<String>("output").and_then(|f| Format::from_name(f)).unwrap_or(Format::Json),
        pretty: !root.get_flag("compact") && to_terminal,
        raw: root.get_flag("raw-output"),
        to_terminal,
        query,
        width: if to_terminal || env("COLUMNS").is_some() {
            super::cli_output::terminal_width(env("COLUMNS"))
        } else {
            None
        },
        page_items: op.page_items,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_OTHER);
        }
    };
    // The token exchange's token is a secret: printed only with --show-secret.
    let hidden_field = api
        .token_exchange
        .filter(|t| t.operation.operation_id == op.meta.operation_id && !root.get_flag("show-secret"))
        .map(|t| t.token_field);
    runtime.block_on(async move {
        let output = match (op.run)(client, invocation).await {
            Ok(Output::Json(mut value)) if hidden_field.is_some() => {
                if let Some(token) = hidden_field.and_then(|f| value.get_mut(f)) {
                    *token = serde_json::Value::from(super::redact::REDACTED);
                }
                Output::Json(value)
            }
            Ok(o) => o,
            Err(e) => return report(&e),
        };
        match printer.print(output, output_path.as_deref()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => report(&e),
        }
    })
}

/// How often a progress line on a terminal is rewritten.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// A progress line on stderr (when `on`), rewritten at most every [`PROGRESS_EVERY`].
struct Progress {
    on: bool,
    total: Option<u64>,
    unit: &'static str,
    started: std::time::Instant,
    last_shown: std::time::Instant,
}

impl Progress {
    fn new(on: bool, total: Option<u64>, unit: &'static str) -> Self {
        let now = std::time::Instant::now();
        Progress { on, total, unit, started: now, last_shown: now }
    }

    fn line(&self, done: u64) -> String {
        super::cli_output::progress_line(done, self.total, self.started.elapsed(), self.unit)
    }

    fn update(&mut self, done: u64) {
        if self.on && self.last_shown.elapsed() >= PROGRESS_EVERY {
            self.last_shown = std::time::Instant::now();
            eprint!("\r{}\x1b[K", self.line(done));
        }
    }

    fn finish(&self, done: u64) {
        if self.on {
            eprintln!("\r{}\x1b[K", self.line(done));
        }
    }
}

/// The `--verbose` wire log on stderr: each attempt's method, URL (personal parameters redacted),
/// headers (values only of those that describe the message; the credentials' header as
/// `[redacted]`) and request id, then its status or failure and time.
struct WireLog;

impl super::intercept::Interceptor for WireLog {
    fn before_attempt(&self, request: &mut super::intercept::AttemptRequest<'_>) {
        let mut out = format!(
            "> {} {} ({}, attempt {})\n",
            request.method(),
            super::text::printable(request.shown_url(), 2000),
            request.operation().operation_id,
            request.attempt()
        );
        for (name, value) in request.headers() {
            let shown = if super::redact::is_shown_header(name, value) || name == "x-request-id" {
                super::text::printable(&String::from_utf8_lossy(value.as_bytes()), 200)
            } else {
                super::redact::REDACTED.to_owned()
            };
            out.push_str(&format!("> {name}: {shown}\n"));
        }
        if let Some(name) = request.credential_header() {
            out.push_str(&format!("> {name}: {}\n", super::redact::REDACTED));
        }
        eprint!("{out}");
    }

    fn after_attempt(&self, outcome: &super::intercept::AttemptOutcome<'_>) {
        let ms = outcome.elapsed().as_millis();
        let retry = if outcome.retrying() { ", retrying" } else { "" };
        match (outcome.status(), outcome.error()) {
            (Some(status), _) => eprintln!("< {status} ({ms} ms{retry})"),
            (None, Some(err)) => eprintln!("< failed: {err} ({ms} ms{retry})"),
            (None, None) => eprintln!("< no response ({ms} ms{retry})"),
        }
    }
}

fn sink(path: Option<&str>) -> Result<Box<dyn Write>, Error> {
    match path {
        None | Some("-") => Ok(Box::new(std::io::stdout().lock())),
        Some(p) => std::fs::File::create(p)
            .map(|f| Box::new(std::io::BufWriter::new(f)) as Box<dyn Write>)
            .map_err(|e| Error::config(format!("cannot write `{p}`: {e}"))),
    }
}

fn io(e: std::io::Error) -> Error {
    Error::config(format!("cannot write the output: {e}"))
}

/// How results are printed: `--output`, `--query`, `--raw-output`, `--compact`.
struct Printer {
    format: Format,
    pretty: bool,
    raw: bool,
    /// Standard output is a terminal: `--raw-output` strings are escaped.
    to_terminal: bool,
    query: Option<Query>,
    /// The table's width.
    width: Option<usize>,
    page_items: Option<&'static str>,
}

impl Printer {
    /// The values to print for one result: the query's, or the value itself.
    fn values(&self, value: serde_json::Value) -> Result<Vec<serde_json::Value>, Error> {
        match &self.query {
            None => Ok(vec![value]),
            Some(q) => q.run(&value).map_err(|why| Error::config(format!("--query: {why}"))),
        }
    }

    /// One value as JSON text: a string bare with `--raw-output`, else pretty or compact JSON.
    fn json(&self, value: &serde_json::Value, pretty: bool) -> String {
        match value {
            serde_json::Value::String(s) if self.raw && self.to_terminal => super::text::printable(s, usize::MAX),
            serde_json::Value::String(s) if self.raw => s.clone(),
            v if pretty => serde_json::to_string_pretty(v).unwrap_or_default(),
            v => v.to_string(),
        }
    }

    /// A whole result (not a stream of items).
    fn value(&self, value: serde_json::Value, out: &mut dyn Write) -> Result<(), Error> {
        let queried = self.query.is_some();
        let values = self.values(value)?;
        match self.format {
            Format::Json => {
                for v in &values {
                    writeln!(out, "{}", self.json(v, self.pretty)).map_err(io)?;
                }
            }
            Format::Jsonl => {
                for v in values {
                    let lines = if queried { vec![v] } else { super::cli_output::rows(v, self.page_items) };
                    for line in &lines {
                        writeln!(out, "{}", self.json(line, false)).map_err(io)?;
                    }
                }
            }
            Format::Yaml => {
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        writeln!(out, "---").map_err(io)?;
                    }
                    write!(out, "{}", super::cli_output::yaml(v)).map_err(io)?;
                }
            }
            Format::Table => {
                let rows = if values.len() == 1 {
                    values.into_iter().flat_map(|v| super::cli_output::rows(v, self.page_items)).collect()
                } else {
                    values
                };
                write!(out, "{}", super::cli_output::table(&rows, self.width)).map_err(io)?;
            }
        }
        Ok(())
    }

    async fn print(&self, output: Output, path: Option<&str>) -> Result<(), Error> {
        let progress = std::io::stderr().is_terminal();
        let mut out = sink(path)?;
        match output {
            Output::Json(value) => self.value(value, &mut out)?,
            Output::Text(text) => writeln!(out, "{text}").map_err(io)?,
            Output::Prepared(request) => write!(out, "{request}").map_err(io)?,
            Output::Empty(empty) => {
                let mut value = serde_json::json!({ "status": empty.status });
                if let Some(location) = empty.location() {
                    value["location"] = location.into();
                }
                self.value(value, &mut out)?;
            }
            Output::Items(mut items) => {
                let mut n = 0u64;
                let mut shown = Progress::new(progress, None, "items");
                // A table is laid out once every row is known.
                let mut rows = Vec::new();
                // An item that cannot be decoded is told on stderr and skipped; the run still fails.
                let mut skipped: Option<Error> = None;
                while let Some(item) = futures_util::StreamExt::next(&mut items).await {
                    match item {
                        Ok(item) => {
                            for v in self.values(item)? {
                                match self.format {
                                    Format::Json | Format::Jsonl => {
                                        writeln!(out, "{}", self.json(&v, false)).map_err(io)?
                                    }
                                    Format::Yaml => write!(out, "{}", super::cli_output::yaml_item(&v)).map_err(io)?,
                                    Format::Table => rows.push(v),
                                }
                            }
                        }
                        Err(e) if e.stream_continues() => {
                            eprintln!("skipped: {e}");
                            skipped.get_or_insert(e);
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                    n += 1;
                    shown.update(n);
                }
                shown.finish(n);
                if self.format == Format::Table {
                    write!(out, "{}", super::cli_output::table(&rows, self.width)).map_err(io)?;
                }
                if let Some(e) = skipped {
                    return Err(e);
                }
            }
            Output::Bytes(mut stream) => {
                let mut n = 0u64;
                let mut shown = Progress::new(progress && path.is_some(), stream.content_length(), "bytes");
                while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
                    let chunk = chunk?;
                    out.write_all(&chunk).map_err(io)?;
                    n += chunk.len() as u64;
                    shown.update(n);
                }
                shown.finish(n);
            }
        }
        out.flush().map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(fields: &[&str]) -> Result<serde_json::Value, String> {
        let name = "t"; // not a `Command::new` literal: those are the tool's own commands
        let cmd = Command::new(name)
            .arg(Arg::new("field").short('F').action(ArgAction::Append))
            .arg(Arg::new("raw-field").short('f').action(ArgAction::Append));
        let m =
            cmd.try_get_matches_from(std::iter::once("t").chain(fields.iter().copied())).map_err(|e| e.to_string())?;
        fields_body(&m).map(|b| serde_json::from_slice(&b.unwrap_or_default()).unwrap_or_default())
    }

    #[test]
    fn a_missing_required_value_names_its_flag() {
        assert_eq!(Some(3).required("size").ok(), Some(3));
        let err = None::<String>.required("process-token-id").unwrap_err();
        assert_eq!(err.to_string(), Error::config("--process-token-id is required").to_string());
    }

    #[test]
    fn fields_build_a_typed_nested_body() {
        let v =
            body(&["-F", "n=3", "-F", "f=-1.5", "-F", "t=true", "-F", "z=null", "-F", "s=abc", "-f", "r=42"]).unwrap();
        assert_eq!(v, json!({"n": 3, "f": -1.5, "t": true, "z": null, "s": "abc", "r": "42"}));
        let v = body(&[
            "-F", "a.b=1", "-F", "a[c]=x", "-F", "l[]=1", "-F", "l[]=2", "-F", "o[].k=1", "-F", "o[].v=2", "-F",
            "o[].k=3",
        ])
        .unwrap();
        assert_eq!(v, json!({"a": {"b": 1, "c": "x"}, "l": [1, 2], "o": [{"k": 1, "v": 2}, {"k": 3}]}));
        assert_eq!(
            body(&["-F", "v=1.", "-F", "w=0x10", "-F", "e="]).unwrap(),
            json!({"v": "1.", "w": "0x10", "e": ""})
        );
        assert!(body(&["-F", "a=1", "-F", "a.b=2"]).unwrap_err().contains("not an object"));
        assert!(body(&["-F", "a=1", "-F", "a=2"]).unwrap_err().contains("twice"));
        assert!(body(&["-F", "novalue"]).unwrap_err().contains("KEY=VALUE"));
        assert!(body(&["-F", "a[=1"]).unwrap_err().contains("without"));
    }
}
