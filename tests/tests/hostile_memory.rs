//! Hostile server, memory: a 1 GiB JSON list body generated on the fly is refused with the peak
//! memory of this test binary (VmHWM) under 100 MB. A binary of its own, so that no other test's
//! allocations count.

#![allow(deprecated)]

mod hostile;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use trustx::{ApiKey, Client, Error};

const GIB: u64 = 1 << 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_gib_json_body_is_refused_with_bounded_memory() {
    let written = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&written);
    let server = hostile::serve(move |head, socket| {
        let counter = Arc::clone(&counter);
        async move {
            if head.path() == "/api/arthr/apiKeys/issue" {
                hostile::reply_token(socket, "tok").await;
            } else {
                // `?announce` sends Content-Length; otherwise chunked, with no length given.
                let announce = head.query().contains("announce");
                hostile::stream_json(socket, 200, GIB, announce, counter).await;
            }
        }
    })
    .await;
    let client = Client::builder()
        .base_url(&server.url)
        .allow_insecure_http(true)
        .api_key(ApiKey::new("key"))
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let before = hostile::peak_rss();

    // Chunked: counted while reading, refused at the 32 MiB default.
    let started = Instant::now();
    let err = client.watchlist_manager().list_watchlists().send().await.unwrap_err();
    let chunked_secs = started.elapsed().as_secs_f64();
    assert!(
        matches!(err, Error::ResponseTooLarge { operation_id: "listWatchlists", limit, .. } if limit == 32 << 20),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(shown.contains("listWatchlists") && shown.contains("33554432") && shown.contains("max_response_bytes"));
    let sent_chunked = written.swap(0, Ordering::Relaxed);

    // Content-Length: refused before reading the body.
    let err = client.watchlist_manager().list_watchlists().query_param("announce", "1").send().await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { content_length: Some(GIB), .. }), "{err:?}");

    let after = hostile::peak_rss();
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "1 GiB body: refused after {:.1} MB sent by the server (chunked) in {chunked_secs:.2} s; \
         peak RSS {:.1} MB before, {:.1} MB after",
        mb(sent_chunked as u64),
        mb(before),
        mb(after)
    );
    assert!((sent_chunked as u64) < GIB / 4, "the client stopped reading early: {sent_chunked} bytes sent");
    assert!(after < 100_000_000, "peak memory {:.1} MB", mb(after));
}
