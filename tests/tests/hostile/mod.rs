//! A raw HTTP/1.1 server on loopback for behaviour wiremock cannot express: never-ending or
//! stalled bodies, bodies generated on the fly, connections closed mid-way. Each connection
//! serves one request (`Connection: close`).
#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request's head as received: `"GET /path?query HTTP/1.1"` and its header lines (lowercase).
#[derive(Debug, Clone)]
pub struct Head {
    pub line: String,
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn path(&self) -> &str {
        let target = self.line.split(' ').nth(1).unwrap_or("");
        target.split('?').next().unwrap_or("")
    }

    pub fn query(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or("").split_once('?').map(|(_, q)| q).unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A running raw server: its base URL and the request heads it received.
pub struct Raw {
    pub url: String,
    pub heads: Arc<Mutex<Vec<Head>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Raw {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Raw {
    pub fn requests_to(&self, path: &str) -> usize {
        self.heads.lock().unwrap().iter().filter(|h| h.path() == path).count()
    }
}

async fn read_head(socket: &mut TcpStream) -> Option<Head> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut byte).await.ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&byte[..n]);
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = text.split("\r\n");
    let line = lines.next()?.to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some(Head { line, headers })
}

/// Starts a server calling `respond` for every request.
pub async fn serve<F, Fut>(respond: F) -> Raw
where
    F: Fn(Head, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&heads);
    let respond = Arc::new(respond);
    let task = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            let respond = Arc::clone(&respond);
            tokio::spawn(async move {
                if let Some(head) = read_head(&mut socket).await {
                    seen.lock().unwrap().push(head.clone());
                    respond(head, socket).await;
                }
            });
        }
    });
    Raw { url, heads, task }
}

/// Writes a whole response with a body and closes.
pub async fn reply(mut socket: TcpStream, status: u16, extra_headers: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra_headers}\r\n",
        body.len()
    );
    let _ = socket.write_all(head.as_bytes()).await;
    let _ = socket.write_all(body).await;
    let _ = socket.shutdown().await;
}

/// Answers the token exchange with `token` (ttl 3600).
pub async fn reply_token(socket: TcpStream, token: &str) {
    let body = serde_json::json!({ "token": token, "ttl": 3600 }).to_string();
    reply(socket, 200, "", body.as_bytes()).await;
}

/// Streams `total` bytes of a JSON array (`[0,0,0,...`) with chunked encoding, generated on the fly
/// in 64 KiB chunks; `Content-Length` instead when `announce` is set. Counts the bytes written.
pub async fn stream_json(mut socket: TcpStream, status: u16, total: u64, announce: bool, written: Arc<AtomicUsize>) {
    let framing =
        if announce { format!("Content-Length: {total}\r\n") } else { "Transfer-Encoding: chunked\r\n".to_owned() };
    let head = format!("HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{framing}Connection: close\r\n\r\n");
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let mut chunk = vec![b'0'; 64 * 1024];
    for pair in chunk.chunks_mut(2) {
        pair[pair.len() - 1] = b',';
    }
    chunk[0] = b'[';
    let mut sent = 0u64;
    while sent < total {
        let n = (total - sent).min(chunk.len() as u64) as usize;
        let piece = &chunk[..n];
        let ok = if announce {
            socket.write_all(piece).await.is_ok()
        } else {
            let framed = [format!("{n:x}\r\n").as_bytes(), piece, b"\r\n"].concat();
            socket.write_all(&framed).await.is_ok()
        };
        if !ok {
            return;
        }
        written.fetch_add(n, Ordering::Relaxed);
        sent += n as u64;
        chunk[0] = b'0';
    }
    if !announce {
        let _ = socket.write_all(b"0\r\n\r\n").await;
    }
}

/// Peak resident memory of this process (VmHWM), in bytes.
pub fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}
