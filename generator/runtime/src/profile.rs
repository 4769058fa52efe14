//! Named profiles in a configuration file, read by the command-line tool (`--profile NAME`,
//! `<PREFIX>_PROFILE`): `$XDG_CONFIG_HOME/<name>/config.toml`, else `~/.config/<name>/config.toml`
//! (`%APPDATA%\<name>\config.toml` on Windows). A profile holds the server (its variables or a base
//! URL) and where the credentials come from, never a secret itself:
//!
//! ```toml
//! [profiles.prod]
//! account = "acme"
//! zone = "eu"
//! api_key_env = "ACME_PROD_KEY"         # the key is in this environment variable
//!
//! [profiles.local]
//! base_url = "http://127.0.0.1:8080"
//! api_key_file = "/home/me/.config/acme/local.key"   # or in this file, readable by its owner only
//! ```
//!
//! The file is a small subset of TOML (tables `[profiles.NAME]`, `key = "string"`, `true`/`false`,
//! comments), read and written here without a TOML library.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::api::ApiDescription;
use super::error::Error;

/// The keys of a profile besides the server variables' setters.
pub const KEYS: &[&str] =
    &["base_url", "allow_insecure_http", "api_key_env", "api_key_file", "bearer_token_env", "bearer_token_file"];

/// The profiles of a configuration file, in file order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Profiles(pub Vec<(String, BTreeMap<String, String>)>);

/// The configuration file of the API's tool: `$XDG_CONFIG_HOME/<name>/config.toml`, else
/// `$HOME/.config/<name>/config.toml`, else `%APPDATA%\<name>\config.toml`; `None` without any of
/// those variables.
pub fn config_path(api: &ApiDescription, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty()).map(PathBuf::from);
    let dir = set("XDG_CONFIG_HOME").or_else(|| set("HOME").map(|h| h.join(".config"))).or_else(|| set("APPDATA"))?;
    Some(dir.join(api.name).join("config.toml"))
}

impl Profiles {
    /// The profiles of the file at `path`; none when it does not exist.
    pub fn read(path: &Path) -> Result<Profiles, Error> {
        match std::fs::read_to_string(path) {
            Ok(text) => Profiles::parse(&text).map_err(|why| Error::config(format!("{}: {why}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Profiles::default()),
            Err(e) => Err(Error::config(format!("cannot read {}: {e}", path.display()))),
        }
    }

    /// The profile named `name`.
    pub fn get(&self, name: &str) -> Option<&BTreeMap<String, String>> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, p)| p)
    }

    /// The profile named `name`, added empty when missing.
    pub fn entry(&mut self, name: &str) -> &mut BTreeMap<String, String> {
        let i = match self.0.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                self.0.push((name.to_owned(), BTreeMap::new()));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }

    /// Reads the subset of TOML this module writes; the error names the line.
    pub fn parse(text: &str) -> Result<Profiles, String> {
        let mut profiles = Profiles::default();
        let mut current: Option<String> = None;
        for (n, line) in text.lines().enumerate() {
            let at = |why: String| format!("line {}: {why}", n + 1);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(header) = line.strip_prefix('[') {
                let header = strip_comment(header).trim_end();
                let header = header.strip_suffix(']').ok_or_else(|| at("a table header without `]`".into()))?.trim();
                let name = header
                    .strip_prefix("profiles.")
                    .ok_or_else(|| at(format!("`[{header}]`: only `[profiles.NAME]` tables are read")))?;
                let name = match name.strip_prefix('"') {
                    Some(quoted) => string(&format!("\"{quoted}")).map_err(at)?.0,
                    None => name.to_owned(),
                };
                profiles.entry(&name);
                current = Some(name);
                continue;
            }
            let (key, value) = line.split_once('=').ok_or_else(|| at("not `key = value`".into()))?;
            let key = key.trim().to_owned();
            let Some(profile) = &current else { return Err(at(format!("`{key}` outside a [profiles.NAME] table"))) };
            let value = value.trim();
            let value = if value.starts_with('"') || value.starts_with('\'') {
                let (text, rest) = string(value).map_err(at)?;
                if !strip_comment(rest).trim().is_empty() {
                    return Err(at(format!("`{key}`: text after the string")));
                }
                text
            } else {
                match strip_comment(value).trim() {
                    v @ ("true" | "false") => v.to_owned(),
                    v if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) => v.to_owned(),
                    _ => return Err(at(format!("`{key}`: a value is a quoted string, true or false"))),
                }
            };
            profiles.entry(profile).insert(key, value);
        }
        Ok(profiles)
    }

    /// The file's text: a header, then one table per profile.
    pub fn render(&self, tool: &str) -> String {
        let mut out = format!(
            "# Profiles of `{tool}` (`{tool} configure`, `{tool} --profile NAME`). Secrets are not written here:\n\
             # `api_key_env` names an environment variable, `api_key_file` a file readable by its owner only.\n"
        );
        for (name, values) in &self.0 {
            let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            let shown = if plain { name.clone() } else { quote(name) };
            out.push_str(&format!("\n[profiles.{shown}]\n"));
            for (k, v) in values {
                let v = if v == "true" || v == "false" { v.clone() } else { quote(v) };
                out.push_str(&format!("{k} = {v}\n"));
            }
        }
        out
    }
}

fn strip_comment(text: &str) -> &str {
    text.split_once('#').map_or(text, |(before, _)| before)
}

/// A TOML basic (`"..."`, with escapes) or literal (`'...'`) string at the start of `text`, and
/// the text after it.
fn string(text: &str) -> Result<(String, &str), String> {
    if let Some(rest) = text.strip_prefix('\'') {
        let end = rest.find('\'').ok_or("a string without its closing quote")?;
        return Ok((rest[..end].to_owned(), &rest[end + 1..]));
    }
    let rest = text.strip_prefix('"').ok_or("not a string")?;
    let mut out = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &rest[i + 1..])),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('u') => {
                    let hex: String = (0..4).filter_map(|_| chars.next().map(|(_, c)| c)).collect();
                    let c = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).ok_or("a bad \\u escape")?;
                    out.push(c);
                }
                _ => return Err("an unknown escape".into()),
            },
            c => out.push(c),
        }
    }
    Err("a string without its closing quote".into())
}

fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A secret read from a file: its text, trimmed. On Unix the file must be readable by its owner
/// only (mode 0600 or 0400); one that the group or others can read is refused, as ssh refuses such
/// a key.
pub fn read_secret_file(path: &Path) -> Result<String, Error> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| Error::config(format!("cannot read the key file {shown}: {e}")))?;
    if !meta.is_file() {
        return Err(Error::config(format!("the key file {shown} is not a file")));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Error::config(format!(
                "the key file {shown} can be read by others (mode {mode:03o}); refused: run `chmod 600 {shown}`"
            )));
        }
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::config(format!("cannot read the key file {shown}: {e}")))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::config(format!("the key file {shown} is empty")));
    }
    Ok(text.to_owned())
}

/// Writes `text` to `path`, readable by its owner only (on Unix), replacing the file at once.
pub fn write_private(path: &Path, text: &str) -> Result<(), Error> {
    let shown = path.display();
    let fail = |e: std::io::Error| Error::config(format!("cannot write {shown}: {e}"));
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(fail)?;
    }
    let staged = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&staged).map_err(fail)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    drop(file);
    std::fs::rename(&staged, path).map_err(fail)
}

/// The settings of the profile `name` as environment variables (see [`variables`]); an error
/// names the file and the profiles it has when there is no such profile.
pub fn named(
    api: &ApiDescription,
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, Option<String>>, Error> {
    let Some(path) = config_path(api, env) else {
        return Err(Error::config(
            "a profile is named, but there is no configuration folder (set HOME or XDG_CONFIG_HOME)",
        ));
    };
    let profiles = Profiles::read(&path)?;
    match profiles.get(name) {
        Some(profile) => variables(api, name, profile, env),
        None => {
            let known: Vec<&str> = profiles.0.iter().map(|(n, _)| n.as_str()).collect();
            Err(Error::config(format!(
                "no profile `{}` in {} (profiles: {}); write one with `{} configure --profile NAME`",
                super::text::printable(name, 64),
                path.display(),
                if known.is_empty() { "none".to_owned() } else { known.join(", ") },
                api.name
            )))
        }
    }
}

/// What a profile sets, as the environment variables `from_env` reads (`<PREFIX>_BASE_URL`,
/// `<PREFIX>_TENANT`, `<PREFIX>_API_KEY`, ...), the credentials read from where it says. A name
/// mapped to `None` is one the profile leaves unset on purpose: a profile that names the server
/// hides the environment's server variables and base URL, and one that names a credential hides
/// the environment's credentials, so that a profile is never half mixed with another target.
pub fn variables(
    api: &ApiDescription,
    name: &str,
    profile: &BTreeMap<String, String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, Option<String>>, Error> {
    let prefix = api.env_prefix;
    let setters: Vec<&str> = api.server.map(|s| s.variables).unwrap_or_default().iter().map(|v| v.setter).collect();
    for key in profile.keys() {
        if !KEYS.contains(&key.as_str()) && !setters.contains(&key.as_str()) {
            let mut known: Vec<&str> = KEYS.to_vec();
            known.extend(&setters);
            return Err(Error::config(format!("profile `{name}`: unknown key `{key}` (known: {})", known.join(", "))));
        }
    }
    let mut out: BTreeMap<String, Option<String>> = BTreeMap::new();
    let var = |suffix: &str| format!("{prefix}_{suffix}");
    let server_keys = profile.contains_key("base_url") || setters.iter().any(|s| profile.contains_key(*s));
    if server_keys {
        out.insert(var("BASE_URL"), profile.get("base_url").cloned());
        for setter in &setters {
            out.insert(super::env::variable_name(prefix, setter), profile.get(*setter).cloned());
        }
    }
    if let Some(v) = profile.get("allow_insecure_http") {
        out.insert(var("ALLOW_INSECURE_HTTP"), Some(if v == "true" { "1".into() } else { "0".into() }));
    }
    for (secret, suffix) in [("api_key", "API_KEY"), ("bearer_token", "BEARER_TOKEN")] {
        let from_env = profile.get(&format!("{secret}_env"));
        let from_file = profile.get(&format!("{secret}_file"));
        let value = match (from_env, from_file) {
            (None, None) => continue,
            (Some(_), Some(_)) => {
                return Err(Error::config(format!("profile `{name}`: set {secret}_env or {secret}_file, not both")))
            }
            (Some(variable), None) => Some(env(variable).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
                Error::config(format!("profile `{name}`: its {secret} is read from {variable}, which is not set"))
            })?),
            (None, Some(path)) => Some(read_secret_file(Path::new(path))?),
        };
        // One credential source hides both of the environment's.
        out.entry(var("API_KEY")).or_insert(None);
        out.entry(var("BEARER_TOKEN")).or_insert(None);
        out.insert(var(suffix), value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_renders() {
        let mut profiles = Profiles::default();
        profiles.entry("prod").insert("tenant".into(), "acme".into());
        profiles.entry("prod").insert("api_key_env".into(), "ACME_KEY".into());
        profiles.entry("odd name").insert("base_url".into(), "http://x/\"q\"\\".into());
        profiles.entry("odd name").insert("allow_insecure_http".into(), "true".into());
        let text = profiles.render("acme");
        assert_eq!(Profiles::parse(&text).unwrap(), profiles, "{text}");
        let hand = "# c\n[profiles.a] # note\nzone = 'eu' # here\nbase_url = \"h\\u0041\"\n";
        let parsed = Profiles::parse(hand).unwrap();
        assert_eq!(parsed.get("a").unwrap().get("zone").map(String::as_str), Some("eu"));
        assert_eq!(parsed.get("a").unwrap().get("base_url").map(String::as_str), Some("hA"));
        assert!(Profiles::parse("[other]\n").unwrap_err().contains("line 1"));
        assert!(Profiles::parse("[profiles.a]\nx = bare\n").unwrap_err().contains("line 2"));
        assert!(Profiles::parse("x = \"1\"\n").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("profile-test-{}", std::process::id()));
        let path = dir.join("k.key");
        write_private(&path, "secret-value\n").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(read_secret_file(&path).unwrap(), "secret-value");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let err = read_secret_file(&path).unwrap_err().to_string();
        assert!(err.contains("chmod 600") && !err.contains("secret-value"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
