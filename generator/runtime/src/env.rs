//! A client configured from environment variables, named after the crate: for a crate `acme` with
//! server variables `account` and `zone`, `ACME_API_KEY` or `ACME_BEARER_TOKEN`; `ACME_ACCOUNT` and
//! `ACME_ZONE`, or `ACME_BASE_URL`; `ACME_ALLOW_INSECURE_HTTP=1` for plain `http://` to a host
//! that is not a loopback address.

use std::net::IpAddr;

use super::client::ClientBuilder;
use super::error::Error;
use super::secret::{ApiKey, BearerToken};

/// The environment variable for a server variable's setter: `ACME` + `account` → `ACME_ACCOUNT`.
pub fn variable_name(prefix: &str, setter: &str) -> String {
    format!("{prefix}_{}", setter.to_ascii_uppercase())
}

impl ClientBuilder {
    /// Applies the environment variables of the API (see the module docs): credentials, then the
    /// server variables or a base URL. Every missing or invalid variable is named in one error.
    pub fn apply_env(self) -> Result<Self, Error> {
        self.apply_env_from(|name| std::env::var(name).ok())
    }

    /// [`apply_env`](Self::apply_env) with the variables read by `lookup` (for tests).
    pub fn apply_env_from(mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let api = self.api();
        let prefix = api.env_prefix;
        // `<PREFIX>_PROFILE` names a profile of the tool's configuration file (see `profile`): its
        // settings win over the environment's.
        let profile = match lookup(&format!("{prefix}_PROFILE")).map(|p| p.trim().to_owned()).filter(|p| !p.is_empty())
        {
            Some(name) => super::profile::named(api, &name, &lookup)?,
            None => Default::default(),
        };
        let lookup = |name: &str| match profile.get(name) {
            Some(value) => value.clone(),
            None => lookup(name),
        };
        let get = |suffix: &str| {
            let name = format!("{prefix}_{suffix}");
            let value = lookup(&name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
            (name, value)
        };
        let mut problems: Vec<String> = Vec::new();

        let (key_name, key) = get("API_KEY");
        let (token_name, token) = get("BEARER_TOKEN");
        match (key, token) {
            (Some(_), Some(_)) => problems.push(format!("set only one of {key_name} and {token_name}")),
            (Some(key), None) => self = self.api_key(ApiKey::new(key)),
            (None, Some(token)) => self = self.bearer_token(BearerToken::new(token)),
            (None, None) => problems.push(format!("set {key_name} (or {token_name})")),
        }

        let (insecure_name, insecure) = get("ALLOW_INSECURE_HTTP");
        let allow_insecure = match insecure.as_deref() {
            None | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(other) => {
                problems.push(format!("{insecure_name} must be 1 or 0, not `{other}`"));
                false
            }
        };
        let (base_name, base_url) = get("BASE_URL");
        let variables = api.server.map(|s| s.variables).unwrap_or_default();
        match base_url {
            Some(url) => match reqwest::Url::parse(&url) {
                Ok(parsed) if parsed.scheme() == "http" && !allow_insecure && !is_loopback(&parsed) => problems.push(
                    format!("{base_name}: plain http:// is only allowed for loopback hosts unless {insecure_name}=1"),
                ),
                Ok(parsed) => {
                    // Only the explicit variable allows plain HTTP for everything (downloads too); a
                    // loopback base URL alone allows it for the base URL only.
                    self = self.base_url(url);
                    if parsed.scheme() == "http" {
                        self = if allow_insecure { self.allow_insecure_http(true) } else { self.allow_loopback_http() };
                    }
                }
                Err(e) => problems.push(format!("{base_name}: `{url}` is not a URL ({e})")),
            },
            None if api.server.is_none() => problems.push(format!("set {base_name}")),
            None => {}
        }
        let mut missing = Vec::new();
        for var in variables {
            let name = variable_name(prefix, var.setter);
            match lookup(&name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
                Some(value) => {
                    let value = match var.allowed.iter().find(|a| a.eq_ignore_ascii_case(&value)) {
                        Some(allowed) => (*allowed).to_owned(),
                        None if var.allowed.is_empty() => value,
                        None => {
                            problems.push(format!("{name}: `{value}` is not one of {}", var.allowed.join(", ")));
                            continue;
                        }
                    };
                    self = self.server_variable(var.name, value);
                }
                None if var.allowed.is_empty() => missing.push(name),
                None => {}
            }
        }
        if !missing.is_empty() && self.explicit_base_url().is_none() {
            problems.push(format!("set {} (or {base_name})", missing.join(" and ")));
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(Error::config(format!("from the environment: {}", problems.join("; "))))
        }
    }
}

pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::super::client::tests::API;
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<ClientBuilder, Error> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ClientBuilder::new(&API)
            .apply_env_from(move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn reads_credentials_and_server_variables() {
        let client = from(&[("EXAMPLE_API_KEY", "k"), ("EXAMPLE_ACCOUNT", "acme"), ("EXAMPLE_ZONE", "US")])
            .and_then(ClientBuilder::build)
            .unwrap();
        assert_eq!(client.base_url(), "https://acme.us.example.com");
        let client = from(&[("EXAMPLE_BEARER_TOKEN", "t"), ("EXAMPLE_BASE_URL", "http://127.0.0.1:9")])
            .and_then(ClientBuilder::build)
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9");
    }

    #[test]
    fn names_every_missing_or_bad_variable() {
        let err = from(&[]).unwrap_err().to_string();
        assert!(err.contains("EXAMPLE_API_KEY") && err.contains("EXAMPLE_ACCOUNT"), "{err}");
        let err = from(&[("EXAMPLE_API_KEY", "k"), ("EXAMPLE_BEARER_TOKEN", "t"), ("EXAMPLE_ACCOUNT", "a")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("only one"), "{err}");
        let err = from(&[("EXAMPLE_API_KEY", "k"), ("EXAMPLE_ACCOUNT", "a"), ("EXAMPLE_ZONE", "mars")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("EXAMPLE_ZONE") && err.contains("eu, us"), "{err}");
        let err = from(&[("EXAMPLE_API_KEY", "k"), ("EXAMPLE_BASE_URL", "http://10.0.0.1")]).unwrap_err().to_string();
        assert!(err.contains("EXAMPLE_ALLOW_INSECURE_HTTP"), "{err}");
        assert!(from(&[
            ("EXAMPLE_API_KEY", "k"),
            ("EXAMPLE_BASE_URL", "http://10.0.0.1"),
            ("EXAMPLE_ALLOW_INSECURE_HTTP", "1")
        ])
        .and_then(ClientBuilder::build)
        .is_ok());
        let err = from(&[("EXAMPLE_API_KEY", "k"), ("EXAMPLE_BASE_URL", "not a url")]).unwrap_err().to_string();
        assert!(err.contains("EXAMPLE_BASE_URL"), "{err}");
    }

    /// `<PREFIX>_PROFILE` applies a profile of the configuration file over the environment; an
    /// unknown one is an error naming the file and its profiles.
    #[test]
    fn a_named_profile_wins_over_the_environment() {
        let dir = std::env::temp_dir().join(format!("sdk-runtime-profile-{}", std::process::id()));
        let config = dir.join(API.name);
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(
            config.join("config.toml"),
            "[profiles.local]\nbase_url = \"http://127.0.0.1:9\"\napi_key_env = \"LOCAL_KEY\"\n",
        )
        .unwrap();
        let xdg = dir.to_string_lossy().into_owned();
        let client = from(&[
            ("XDG_CONFIG_HOME", &xdg),
            ("EXAMPLE_PROFILE", "local"),
            ("LOCAL_KEY", "k-local"),
            ("EXAMPLE_BASE_URL", "https://elsewhere.example.com"),
        ])
        .and_then(ClientBuilder::build)
        .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9");
        let err = from(&[("XDG_CONFIG_HOME", &xdg), ("EXAMPLE_PROFILE", "prod")]).unwrap_err().to_string();
        assert!(err.contains("no profile `prod`") && err.contains("local"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
