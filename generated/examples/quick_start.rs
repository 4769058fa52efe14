//! The README's quick start, kept compiling: `tests/tests/readme.rs` checks that the README shows
//! this file's code as it is.
//!
//! ```sh
//! TRUSTX_API_KEY=... TRUSTX_TENANT=acme TRUSTX_REGION=gum cargo run -p trustx --example quick_start
//! ```

// README:start
use trustx::models::{ProcessTokenCreateRequest, ProcessTokenStatus, ProcessTokenType};
use trustx::Client;

#[tokio::main]
async fn main() -> Result<(), trustx::Error> {
    // TRUSTX_API_KEY, TRUSTX_TENANT and TRUSTX_REGION (or TRUSTX_BASE_URL) from the environment.
    let client = Client::from_env()?;

    // A process token for one end user, with a parameter that identifies them.
    let request = ProcessTokenCreateRequest::new("onboarding-42", "Onboarding", ProcessTokenStatus::Active)
        .with_type(ProcessTokenType::Unlimited)
        .with_parameters(trustx::serde_json::Map::from_iter([("ID".to_owned(), "42".into())]));
    let token = client.process_manager().create_process_token(request).send().await?;
    println!("start address: {}", token.start_process_address.as_deref().unwrap_or("-"));

    // Every process instance, page after page (no extra crate needed for `next()`).
    let mut instances = client.process_manager().list_process_instances().size(50).into_stream();
    while let Some(instance) = instances.next().await {
        let instance = instance?;
        println!("{} {:?}", instance.id.as_deref().unwrap_or("-"), instance.status);
    }

    // Errors carry the HTTP status and the TrustX code, typed where the service documents it.
    if let Err(err) = client.arthr().get_tenant_api_key("no-such-key").send().await {
        println!("{} (code {:?}, typed {:?})", err, err.code(), trustx::ErrorCode::of(&err));
    }
    Ok(())
}
// README:end
