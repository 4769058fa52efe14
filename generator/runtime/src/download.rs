//! Downloads of files the API points at but does not serve through an operation (an absolute
//! address in a response, e.g. a CDN link): no credentials, the client's limits, bounded redirects.

use std::time::Instant;

use bytes::Bytes;

use super::client::Client;
use super::error::{host_of, Error, TimeoutKind};
use super::meta::{AuthKind, HttpMethod, OperationMeta};
use super::response::BodyRules;
use super::text::{escape, Secrets, MAX_SHOWN_CHARS};

/// The most redirects one download follows.
pub const MAX_DOWNLOAD_REDIRECTS: usize = 5;

/// What errors of [`Client::download`] name as their operation.
pub static DOWNLOAD: OperationMeta = OperationMeta {
    operation_id: "download",
    service: "",
    method: HttpMethod::Get,
    path_template: "",
    summary: "Download a file the API points at",
    permission: None,
    auth: AuthKind::None,
    error_codes: None,
    deprecated: false,
    beta: false,
};

impl Client {
    /// Downloads the file at `url`, an absolute address a response gave (for example the CDN
    /// address of a file), and returns its bytes.
    ///
    /// - No credentials are sent: the address may be on any host.
    /// - It must be `https://`, or `http://` when the client allows plain HTTP (`allow_insecure_http`).
    /// - The body is limited by `max_response_bytes`; the request and read timeouts apply.
    /// - Up to [`MAX_DOWNLOAD_REDIRECTS`] redirects are followed, each address checked like the first.
    /// - One attempt: no retries.
    ///
    /// A status of 400 or more is an [`Error::Http`] (operation `download`) with the start of the body.
    pub async fn download(&self, url: &str) -> Result<Bytes, Error> {
        let inner = &self.inner;
        let shown = |u: &str| escape(u, MAX_SHOWN_CHARS);
        let mut current = reqwest::Url::parse(url)
            .map_err(|e| Error::config(format!("cannot download `{}`: not an absolute URL ({e})", shown(url))))?;
        for _ in 0..=MAX_DOWNLOAD_REDIRECTS {
            match current.scheme() {
                "https" => {}
                "http" if inner.allow_insecure_http => {}
                _ => {
                    return Err(Error::config(format!(
                        "cannot download `{}`: only https:// addresses are downloaded (plain http:// needs \
                         `allow_insecure_http(true)`)",
                        shown(current.as_str())
                    )))
                }
            }
            let host = host_of(&current);
            let after = inner.request_timeout;
            let end = Instant::now() + after;
            let request = inner.http.get(current.clone()).header(reqwest::header::USER_AGENT, inner.user_agent.clone());
            let response = match tokio::time::timeout_at(end.into(), request.send()).await {
                Ok(Ok(response)) => response,
                Ok(Err(e)) => return Err(Error::from_reqwest(e, &host, after)),
                Err(_) => return Err(Error::Timeout { kind: TimeoutKind::Attempt, after, host }),
            };
            let rules = BodyRules {
                host: host.into(),
                limit: inner.limits.response,
                limit_setting: "max_response_bytes",
                error_limit: inner.limits.error_body,
                deadline: Some((end, TimeoutKind::Attempt, after)),
                read_timeout: inner.read_timeout,
                secrets: Secrets::default(),
                show_message: inner.show_server_messages,
            };
            let status = response.status().as_u16();
            let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
            if (300..400).contains(&status) {
                if let Some(next) = location.and_then(|l| current.join(l).ok()) {
                    current = next;
                    continue;
                }
            }
            if status >= 300 {
                let error = rules.http_error(response, &DOWNLOAD, inner.api.error_body).await;
                return Err(if status >= 400 {
                    Error::Http(Box::new(error))
                } else {
                    Error::UnexpectedStatus(Box::new(error))
                });
            }
            return rules.read_limited(response, DOWNLOAD.operation_id).await;
        }
        Err(Error::config(format!("cannot download `{}`: more than {MAX_DOWNLOAD_REDIRECTS} redirects", shown(url))))
    }
}
