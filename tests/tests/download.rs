//! `Client::download`, for files a response points at (e.g. theme assets on a CDN), against a local
//! server: no credentials, bounded size and redirects, only https unless plain http is allowed.

use std::time::Duration;

use trustx::{ApiKey, Client, Error};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(insecure: bool, max_bytes: u64) -> Client {
    Client::builder()
        .base_url(if insecure { "http://127.0.0.1:9" } else { "https://api.example" })
        .allow_insecure_http(insecure)
        .api_key(ApiKey::new("secret-key-123"))
        .max_response_bytes(max_bytes)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a client")
}

async fn serve(route: &str, response: ResponseTemplate, server: &MockServer) {
    Mock::given(method("GET")).and(path(route)).respond_with(response).mount(server).await;
}

#[tokio::test]
async fn downloads_without_credentials_and_follows_a_bounded_number_of_redirects() {
    let server = MockServer::start().await;
    serve("/a/logo.png", ResponseTemplate::new(200).set_body_raw(b"png bytes".to_vec(), "image/png"), &server).await;
    serve("/moved", ResponseTemplate::new(302).insert_header("location", "/a/logo.png"), &server).await;
    serve("/loop", ResponseTemplate::new(302).insert_header("location", "/loop"), &server).await;
    let client = client(true, 1024);

    let bytes = client.download(&format!("{}/moved", server.uri())).await.expect("the file");
    assert_eq!(&bytes[..], b"png bytes");
    let received = server.received_requests().await.unwrap_or_default();
    assert_eq!(received.iter().map(|r| r.url.path()).collect::<Vec<_>>(), ["/moved", "/a/logo.png"]);
    for r in &received {
        assert!(r.headers.get("x-api-key").is_none() && r.headers.get("authorization").is_none(), "{r:?}");
        assert!(r.headers.get("user-agent").is_some());
    }

    let err = client.download(&format!("{}/loop", server.uri())).await.expect_err("a redirect loop");
    assert!(err.to_string().contains("more than 5 redirects"), "{err}");
    let loops = server.received_requests().await.unwrap_or_default().iter().filter(|r| r.url.path() == "/loop").count();
    assert_eq!(loops, 6, "the first request and five redirects");
}

#[tokio::test]
async fn refuses_large_bodies_error_statuses_and_plain_http() {
    let server = MockServer::start().await;
    serve("/big", ResponseTemplate::new(200).set_body_raw(vec![b'x'; 4096], "application/octet-stream"), &server).await;
    serve("/gone", ResponseTemplate::new(404).set_body_raw(b"no \x1b[31mfile".to_vec(), "text/plain"), &server).await;

    let err = client(true, 1024).download(&format!("{}/big", server.uri())).await.expect_err("too large");
    assert!(matches!(err, Error::ResponseTooLarge { limit: 1024, .. }), "{err:?}");

    let err = client(true, 1024).download(&format!("{}/gone", server.uri())).await.expect_err("a 404");
    assert_eq!(err.status(), Some(404));
    assert!(err.to_string().contains("404 Not Found from `download`"), "{err}");
    let preview = err.http_error().expect("an HTTP error").body_preview();
    assert!(preview.contains("file") && !preview.contains('\x1b'), "the body is kept, escaped: {preview}");

    // A client without plain HTTP refuses an http:// address before connecting.
    let err = client(false, 1024).download(&format!("{}/big", server.uri())).await.expect_err("plain http");
    assert!(err.to_string().contains("only https://"), "{err}");
    let err = client(false, 1024).download("/relative/path").await.expect_err("not absolute");
    assert!(err.to_string().contains("not an absolute URL"), "{err}");
    let big = server.received_requests().await.unwrap_or_default().iter().filter(|r| r.url.path() == "/big").count();
    assert_eq!(big, 1, "only the allowed client connected");
}

/// A plain-HTTP base URL on loopback (from the environment) lets the client talk to that API, but
/// does not widen what `download` accepts: another `http://` host, or an `https://` address that
/// redirects to `http://`, is refused unless plain HTTP is allowed explicitly.
#[tokio::test]
async fn a_loopback_http_base_url_does_not_allow_http_downloads() {
    let cdn = MockServer::start().await;
    serve("/file", ResponseTemplate::new(200).set_body_raw(b"bytes".to_vec(), "application/octet-stream"), &cdn).await;
    let env = |insecure: bool| {
        move |name: &str| match name {
            "TRUSTX_API_KEY" => Some("secret-key-123".to_owned()),
            "TRUSTX_BASE_URL" => Some("http://127.0.0.1:9".to_owned()),
            "TRUSTX_ALLOW_INSECURE_HTTP" if insecure => Some("1".to_owned()),
            _ => None,
        }
    };
    let implicit =
        Client::builder().apply_env_from(env(false)).expect("env").build().expect("a loopback http base URL");
    let err = implicit.download(&format!("{}/file", cdn.uri())).await.expect_err("plain http download");
    assert!(err.to_string().contains("only https://"), "{err}");
    assert!(cdn.received_requests().await.unwrap_or_default().is_empty(), "nothing was fetched");

    let explicit = Client::builder().apply_env_from(env(true)).expect("env").build().expect("client");
    let bytes = explicit.download(&format!("{}/file", cdn.uri())).await.expect("allowed explicitly");
    assert_eq!(&bytes[..], b"bytes");

    // A non-loopback http base URL still needs the explicit switch.
    let remote = |name: &str| match name {
        "TRUSTX_API_KEY" => Some("secret-key-123".to_owned()),
        "TRUSTX_BASE_URL" => Some("http://api.example".to_owned()),
        _ => None,
    };
    assert!(Client::builder().apply_env_from(remote).is_err(), "http to a remote host is refused");
}
