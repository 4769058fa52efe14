//! The parents of the SDK's spans. A test binary of its own: the subscriber is set per thread, and
//! tracing caches each call site's interest across the threads of a binary, so another test running
//! beside it could make its spans invisible.

#![allow(deprecated)] // the watchlist operations are deprecated in the spec

mod common;

use common::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn mount_watchlist(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/watchlist-manager/watchlists/w1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "w1", "name": "PEP"})))
        .mount(server)
        .await;
}

/// The token exchange's `sdk.request` span is a child of the span of the caller whose call started
/// it, so a trace shows the exchange inside the call that waited for it.
#[tokio::test]
async fn the_token_exchange_span_is_a_child_of_the_callers_span() {
    use tracing::Instrument as _;
    use tracing_subscriber::layer::SubscriberExt as _;

    /// Records `(span name, operation_id field or "", parent span name)` of every new span.
    #[derive(Clone, Default)]
    struct Parents(std::sync::Arc<std::sync::Mutex<Vec<(String, String, String)>>>);

    struct Operation(String);
    impl tracing::field::Visit for Operation {
        fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
            if field.name() == "operation_id" {
                self.0 = value.to_owned();
            }
        }
        fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
    }

    impl<S> tracing_subscriber::Layer<S> for Parents
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        fn on_new_span(
            &self,
            attrs: &tracing::span::Attributes<'_>,
            id: &tracing::span::Id,
            ctx: tracing_subscriber::layer::Context<'_, S>,
        ) {
            let mut op = Operation(String::new());
            attrs.record(&mut op);
            let parent = ctx.span(id).and_then(|s| s.parent()).map(|p| p.name().to_owned()).unwrap_or_default();
            self.0.lock().unwrap().push((attrs.metadata().name().to_owned(), op.0, parent));
        }
    }

    let parents = Parents::default();
    let subscriber = tracing_subscriber::registry().with(parents.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    mount_token(&server, "tok", 3600).await;
    mount_watchlist(&server).await;
    let client = client(&server);
    let caller = tracing::info_span!("caller");
    client.watchlist_manager().get_watchlist("w1").send().instrument(caller).await.expect("the call");

    let spans = parents.0.lock().unwrap().clone();
    let exchange = spans.iter().find(|(name, op, _)| name == "sdk.request" && op == "issueToken");
    let exchange = exchange.unwrap_or_else(|| panic!("no exchange span in {spans:?}"));
    // The exchange runs in a task of its own, inside the caller's `sdk.request` span.
    assert_eq!(exchange.2, "sdk.request", "{spans:?}");
    let call = spans.iter().find(|(name, op, _)| name == "sdk.request" && op == "getWatchlist");
    assert_eq!(call.map(|c| c.2.as_str()), Some("caller"), "{spans:?}");
}
