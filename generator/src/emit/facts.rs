//! One operation's facts — summary, description, HTTP method and path, id, permission, auth,
//! deprecation, responses with their error codes — gathered once and rendered twice: as Markdown
//! for rustdoc and as plain text for the CLI's `--help`, so the two always agree.

use super::docs::{code, end_sentence, sanitize};
use super::types::describe;
use crate::model::{Api, Auth, BodyKind, ErrorRegistry, Operation, Service};

/// A documented error code of one response.
struct CodeFact {
    code: i64,
    /// The registry's entry: the documented name, the enum and variant.
    documented: Option<(String, String, String)>,
    /// What this operation says the code means, when it words it differently from the registry.
    description: Option<String>,
}

/// One documented response.
struct ResponseFact {
    status: String,
    description: String,
    /// The success body, described for docs.
    body: Option<String>,
    codes: Vec<CodeFact>,
}

/// Everything an operation's docs and help say.
pub struct Facts {
    summary: Option<String>,
    description: Option<String>,
    method: String,
    path: String,
    operation_id: String,
    /// The permission template, and the module and constant that hold it.
    permission: Option<(String, Option<(String, String)>)>,
    auth: Auth,
    deprecated: bool,
    beta: bool,
    responses: Vec<ResponseFact>,
    /// Whether the service has a typed error-code enum (`ErrorCode::of(&err)`).
    typed_codes: bool,
}

impl Facts {
    /// The facts of `op` of service `s`, whose codes are defined in `registry`.
    pub fn of(api: &Api, s: &Service, op: &Operation, registry: Option<&ErrorRegistry>) -> Facts {
        let permission = op.permission.as_ref().map(|p| {
            let def = api.permissions.iter().find(|d| &d.permission == p);
            (p.template.clone(), def.map(|d| (d.module.clone(), d.const_name.clone())))
        });
        let responses = op
            .responses
            .iter()
            .map(|r| ResponseFact {
                status: r.status_key.clone(),
                description: r.description.clone(),
                body: r.body.as_ref().filter(|_| r.is_success()).map(|b| match &b.kind {
                    BodyKind::Json(t) => describe(t),
                    BodyKind::Binary => format!("bytes, {}", code(&b.media_type)),
                    BodyKind::Text => "text".into(),
                }),
                codes: r
                    .error_codes
                    .iter()
                    .map(|(c, desc)| CodeFact {
                        code: *c,
                        documented: registry.and_then(|reg| {
                            let d = reg.codes.iter().find(|d| d.code == *c)?;
                            Some((d.name.clone(), reg.enum_name.clone(), d.variant.clone()))
                        }),
                        description: desc.clone(),
                    })
                    .collect(),
            })
            .collect();
        Facts {
            summary: op.summary.clone().filter(|t| !t.trim().is_empty()),
            description: op.description.clone().filter(|d| !d.trim().is_empty()),
            method: op.method.clone(),
            path: op.path.clone(),
            operation_id: op.operation_id.clone(),
            permission,
            auth: op.auth.clone(),
            deprecated: op.deprecated,
            beta: op.beta,
            responses,
            typed_codes: s.error_enum.is_some(),
        }
    }

    fn auth_text(&self, quote: impl Fn(&str) -> String) -> String {
        match &self.auth {
            Auth::None => "none".into(),
            Auth::ApiKey { header } => format!("API key ({} header)", quote(header)),
            Auth::Bearer => "bearer token".into(),
        }
    }

    /// Markdown for rustdoc: text made safe, links to the permission constant and the error-code
    /// variants.
    pub fn markdown(&self) -> String {
        let mut parts = Vec::new();
        parts.push(match &self.summary {
            Some(t) => sanitize(t),
            None => format!("The {} operation.", code(&self.operation_id)),
        });
        if let Some(d) = &self.description {
            let d = sanitize(d);
            if !d.is_empty() && Some(&d) != parts.first() {
                parts.push(d);
            }
        }
        let mut facts = vec![format!("- **HTTP:** {}", code(&format!("{} {}", self.method, self.path)))];
        facts.push(format!("- **Operation id:** {}", code(&self.operation_id)));
        match &self.permission {
            Some((template, def)) => {
                let link = def
                    .as_ref()
                    .map(|(m, c)| format!(" ([`{m}::{c}`](crate::permissions::{m}::{c}))"))
                    .unwrap_or_default();
                facts.push(format!("- **Permission:** {}{link}", code(template)));
            }
            None => facts.push("- **Permission:** none documented".into()),
        }
        facts.push(format!("- **Auth:** {}", self.auth_text(code)));
        if self.deprecated {
            facts.push("- **Deprecated** in the API description.".into());
        }
        if self.beta {
            facts.push("- **Beta** in the API description.".into());
        }
        parts.push(facts.join("\n"));
        let mut responses = vec!["# Responses".to_string(), String::new()];
        for r in &self.responses {
            let description = sanitize(&r.description).replace('\n', " ");
            let mut line = format!("- {}: {}", code(&r.status), end_sentence(&description));
            if let Some(body) = &r.body {
                line.push_str(&format!(" ({body})"));
            }
            if !r.codes.is_empty() {
                let codes: Vec<String> = r
                    .codes
                    .iter()
                    .map(|c| {
                        let name = match &c.documented {
                            Some((_, e, v)) => format!("[`{v}`](crate::error_codes::{e}::{v})"),
                            None => "code".into(),
                        };
                        match &c.description {
                            Some(desc) => format!("{name} ({}: {})", c.code, sanitize(desc).replace('\n', " ")),
                            None => format!("{name} ({})", c.code),
                        }
                    })
                    .collect();
                line.push_str(&format!(". Error codes: {}", codes.join(", ")));
            }
            responses.push(line);
        }
        if self.typed_codes && self.responses.iter().any(|r| !r.codes.is_empty()) {
            responses.push(String::new());
            responses.push("A documented code is available as `ErrorCode::of(&err)` for the returned error.".into());
        }
        parts.push(responses.join("\n"));
        parts.join("\n\n")
    }

    /// Plain text for the CLI's `--help`.
    pub fn plain(&self) -> String {
        let mut text = String::new();
        if let Some(summary) = &self.summary {
            text.push_str(summary.trim());
            text.push_str("\n\n");
        }
        if let Some(d) = &self.description {
            text.push_str(d.trim());
            text.push_str("\n\n");
        }
        if self.deprecated {
            text.push_str("DEPRECATED in the API description.\n\n");
        }
        text.push_str(&format!("HTTP: {} {}\nOperation id: {}\n", self.method, self.path, self.operation_id));
        match &self.permission {
            Some((template, _)) => text.push_str(&format!("Permission: {template}\n")),
            None => text.push_str("Permission: none documented\n"),
        }
        text.push_str(&format!("Auth: {}\n", self.auth_text(str::to_owned)));
        text.push_str("\nResponses:\n");
        for r in &self.responses {
            text.push_str(&format!("  {}: {}", r.status, r.description.replace('\n', " ")));
            if !r.codes.is_empty() {
                let codes: Vec<String> = r
                    .codes
                    .iter()
                    .map(|c| match &c.documented {
                        Some((name, _, _)) => format!("{name} ({})", c.code),
                        None => c.code.to_string(),
                    })
                    .collect();
                text.push_str(&format!("; error codes: {}", codes.join(", ")));
            }
            text.push('\n');
        }
        text
    }
}
