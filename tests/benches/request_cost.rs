//! Per-request cost of the SDK against a hand-written reqwest + serde_json call of the same
//! operation: same in-process server, same model type, interleaved rounds; each side keeps one
//! warmed keep-alive connection pool (the SDK builds its own reqwest client, so that it controls
//! the redirect policy).
//! Measures the calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`) and its heap allocations.
//!
//!     cargo bench -p trustx-tests --bench request_cost
//!
//! Prints, per scenario (a 10-item JSON page; a 1 MiB download), the median CPU time per request of
//! each side over the rounds, their ratio, and allocations per request.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---- allocation counting (this thread only) ----
struct Counting;
thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid timespec out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

// ---- a minimal keep-alive HTTP/1.1 server on loopback ----
const TOKEN: &str = "bench-token";
const PAGE_PATH: &str = "/api/process-manager/processInstances";
const IMAGE_PATH: &str = "/api/watchlist-manager/facewatchlists/w1/watchlist-members/m1/image";

fn page_body() -> Vec<u8> {
    let items: Vec<serde_json::Value> = (0..10)
        .map(|i| {
            serde_json::json!({
                "id": format!("pi-{i}"), "processDefnId": "pd-1", "processDefnName": "Onboarding",
                "processDefnVersion": 3, "status": "COMPLETED_ENDED_SUCCESS", "firstName": "Ada",
                "lastName": "Lovelace", "email": "ada@example.com", "createdAt": "2026-04-27T10:00:00Z",
                "elapsedMilliseconds": 1234
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "content": items, "number": 0, "size": 10, "totalElements": 10, "totalPages": 1,
        "first": true, "last": true, "numberOfElements": 10, "empty": false
    }))
    .unwrap_or_default()
}

async fn serve(listener: tokio::net::TcpListener) {
    let page = page_body();
    let image = vec![7u8; 1 << 20];
    loop {
        let Ok((mut socket, _)) = listener.accept().await else { return };
        // Without this, Nagle's algorithm holds each response's second write until the client's
        // delayed ACK (about 40 ms a request): no CPU, but every request then also waits in the
        // event loop.
        let _ = socket.set_nodelay(true);
        let (page, image) = (page.clone(), image.clone());
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(8192);
            let mut chunk = [0u8; 4096];
            loop {
                let end = loop {
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                buf.drain(..end);
                let (body, ct): (&[u8], &str) =
                    if head.contains(IMAGE_PATH) { (&image, "image/jpeg") } else { (&page, "application/json") };
                let header = format!("HTTP/1.1 200 OK\r\ncontent-type: {ct}\r\ncontent-length: {}\r\n\r\n", body.len());
                let mut response = Vec::with_capacity(header.len() + body.len());
                response.extend_from_slice(header.as_bytes());
                response.extend_from_slice(body);
                if socket.write_all(&response).await.is_err() {
                    return;
                }
            }
        });
    }
}

// ---- the two sides ----
async fn sdk_page(client: &trustx::Client) {
    let page = client.process_manager().list_process_instances().page(0).size(10).send().await.expect("sdk page");
    assert_eq!(page.content.len(), 10);
}

async fn hand_page(http: &reqwest::Client, base: &str) {
    let response = http
        .get(format!("{base}{PAGE_PATH}?page=0&size=10"))
        .bearer_auth(TOKEN)
        .header("accept", "application/json")
        .send()
        .await
        .expect("hand page");
    let bytes = response.bytes().await.expect("body");
    let page: trustx::models::ProcessInstancePage = serde_json::from_slice(&bytes).expect("decode");
    assert_eq!(page.content.len(), 10);
}

#[allow(deprecated)]
async fn sdk_download(client: &trustx::Client) {
    let mut stream =
        client.watchlist_manager().get_face_watchlist_member_image("w1", "m1").send().await.expect("sdk image");
    let mut n = 0;
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
        n += chunk.expect("chunk").len();
    }
    assert_eq!(n, 1 << 20);
}

async fn hand_download(http: &reqwest::Client, base: &str) {
    let response = http.get(format!("{base}{IMAGE_PATH}")).bearer_auth(TOKEN).send().await.expect("hand image");
    let mut stream = response.bytes_stream();
    let mut n = 0;
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
        n += chunk.expect("chunk").len();
    }
    assert_eq!(n, 1 << 20);
}

struct Sample {
    cpu: Duration,
    allocs: u64,
}

async fn measure<F, Fut>(n: u32, mut f: F) -> Sample
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (cpu0, a0) = (thread_cpu(), allocs());
    for _ in 0..n {
        f().await;
    }
    Sample { cpu: (thread_cpu() - cpu0) / n, allocs: (allocs() - a0) / u64::from(n) }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn report(name: &str, sdk: &[Sample], hand: &[Sample]) {
    let (s, h) = (median(sdk.iter().map(|x| x.cpu).collect()), median(hand.iter().map(|x| x.cpu).collect()));
    let (sa, ha) = (sdk.iter().map(|x| x.allocs).min().unwrap_or(0), hand.iter().map(|x| x.allocs).min().unwrap_or(0));
    let ratios: Vec<f64> = sdk.iter().zip(hand).map(|(a, b)| a.cpu.as_secs_f64() / b.cpu.as_secs_f64()).collect();
    let mut sorted = ratios.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{name}: sdk {:.1} µs, hand-written {:.1} µs per request (thread CPU, median of {} rounds); ratio {:.3} (per-round ratios {:.3}–{:.3}); allocations per request {sa} vs {ha}",
        s.as_secs_f64() * 1e6,
        h.as_secs_f64() * 1e6,
        sdk.len(),
        s.as_secs_f64() / h.as_secs_f64(),
        sorted.first().copied().unwrap_or(0.0),
        sorted.last().copied().unwrap_or(0.0),
    );
}

fn main() {
    let server = std::thread::spawn(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("server runtime");
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            ADDR.set(addr.to_string()).ok();
            serve(listener).await;
        });
    });
    let base = loop {
        if let Some(a) = ADDR.get() {
            break format!("http://{a}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("client runtime");
    rt.block_on(async {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
        let client = trustx::Client::builder()
            .base_url(&base)
            .allow_insecure_http(true)
            .bearer_token(trustx::BearerToken::new(TOKEN))
            .build()
            .expect("client");
        // `BENCH_ONLY=<side> BENCH_N=<n>`: warm up, make `n` requests of one side, and stop; for
        // counting instructions under valgrind (`cargo xtask bench instructions`), where the
        // per-request count is the difference of two runs with different `n`.
        if let Ok(side) = std::env::var("BENCH_ONLY") {
            let n: u32 = std::env::var("BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
            for _ in 0..5 {
                sdk_page(&client).await;
                hand_page(&http, &base).await;
            }
            for _ in 0..n {
                match side.as_str() {
                    "sdk-page" => sdk_page(&client).await,
                    "hand-page" => hand_page(&http, &base).await,
                    "sdk-download" => sdk_download(&client).await,
                    "hand-download" => hand_download(&http, &base).await,
                    other => panic!("BENCH_ONLY: unknown side `{other}`"),
                }
            }
            std::process::exit(0);
        }
        let rounds = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(15);
        // Warm up connections and caches on both sides.
        for _ in 0..50 {
            sdk_page(&client).await;
            hand_page(&http, &base).await;
        }
        let (mut sdk, mut hand) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            // Alternate which side goes first in each round.
            if round % 2 == 0 {
                sdk.push(measure(200, || sdk_page(&client)).await);
                hand.push(measure(200, || hand_page(&http, &base)).await);
            } else {
                hand.push(measure(200, || hand_page(&http, &base)).await);
                sdk.push(measure(200, || sdk_page(&client)).await);
            }
        }
        report("JSON page (10 items)", &sdk, &hand);
        let (mut sdk, mut hand) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            sdk_download(&client).await;
            hand_download(&http, &base).await;
        }
        for round in 0..rounds {
            if round % 2 == 0 {
                sdk.push(measure(20, || sdk_download(&client)).await);
                hand.push(measure(20, || hand_download(&http, &base)).await);
            } else {
                hand.push(measure(20, || hand_download(&http, &base)).await);
                sdk.push(measure(20, || sdk_download(&client)).await);
            }
        }
        report("1 MiB download", &sdk, &hand);
    });
    drop(server);
}

static ADDR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
