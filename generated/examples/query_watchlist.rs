//! Queries a watchlist and prints the matches as JSON.
//!
//! Shows: an operation with a path parameter and an open JSON body, and reading a documented
//! error code from a failure (`WatchlistNotFound`).
//!
//! Run it with:
//!
//! ```sh
//! TRUSTX_API_KEY=... TRUSTX_TENANT=acme TRUSTX_REGION=fir \
//!     cargo run -p trustx --example query_watchlist -- <watchlist-id> '{"value": "X1234567"}'
//! ```

use std::process::ExitCode;

use trustx::error_codes::WatchlistManagerErrorCode;
use trustx::serde_json;
use trustx::{Client, ErrorCode};

const USAGE_ENV: &str = "environment (see `Client::from_env`):
  TRUSTX_API_KEY    the tenant API key (or TRUSTX_BEARER_TOKEN)
  TRUSTX_TENANT     the tenant name, e.g. acme
  TRUSTX_REGION     the region: fir, gum (default) or oak
  TRUSTX_BASE_URL   instead of tenant + region, e.g. http://127.0.0.1:8080 for a local mock";

#[tokio::main]
async fn main() -> ExitCode {
    let usage = || {
        eprintln!(
            "usage: cargo run -p trustx --example query_watchlist -- <watchlist-id> <query-json-object>\n{USAGE_ENV}"
        );
        ExitCode::from(2)
    };
    let mut args = std::env::args().skip(1);
    let (Some(watchlist_id), Some(query)) = (args.next(), args.next()) else {
        return usage();
    };
    let query: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(&query) {
        Ok(query) => query,
        Err(err) => {
            eprintln!("the query must be a JSON object: {err}");
            return usage();
        }
    };
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("error: {err}\n{USAGE_ENV}");
            return ExitCode::from(2);
        }
    };

    #[allow(deprecated)] // queryWatchlistV2 is marked deprecated in the API reference.
    let result = client.watchlist_manager().query_watchlist(&watchlist_id, query).send().await;
    match result {
        Ok(matches) => {
            let shown = serde_json::to_string_pretty(&matches).unwrap_or_else(|_| format!("{matches:?}"));
            println!("{shown}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            if let Some(ErrorCode::WatchlistManager(WatchlistManagerErrorCode::WatchlistNotFound)) = ErrorCode::of(&err)
            {
                eprintln!("there is no watchlist {watchlist_id:?}");
            } else {
                eprintln!("the query failed: {err}");
            }
            ExitCode::FAILURE
        }
    }
}
