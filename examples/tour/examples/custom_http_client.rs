//! Plugging your own `reqwest::Client` into the generated clients: your timeouts, proxy,
//! default headers and connection-pool settings apply to every call of every API client
//! built from the same `Config` (they then share one connection pool).
//!
//! `cargo run -p papi-examples --example custom_http_client`; set `PAPI_PROXY` (e.g.
//! `http://127.0.0.1:3128`) to send the calls through a proxy.

use std::time::Duration;

use orange_papi::core::reqwest;
use papi_examples::{BoxError, Target};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let target = Target::from_env().await?;

    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-calling-service",
        reqwest::header::HeaderValue::from_static("papi-example"),
    );
    let mut builder = orange_papi::core::tls::client_builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(20))
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(4)
        .default_headers(headers)
        .user_agent("my-service/1.0 (papi)");
    if let Ok(proxy) = std::env::var("PAPI_PROXY") {
        println!("calls go through the proxy {proxy}");
        builder = builder.proxy(reqwest::Proxy::all(&proxy)?);
    }
    // The injected client keeps its own settings: papi's default timeouts do not apply.
    let config = target.config.clone().with_http_client(builder.build()?);

    let contacts = orange_papi::contacts::Client::new(&config)?;
    let rich = orange_papi::rich_profile::Client::new(&config)?;
    let token = &target.token;
    let page = target
        .with_consent(|| contacts.find_contact_list(token, "Orange"))
        .await?;
    println!(
        "contacts answered through the custom client: {} entries",
        page.contacts.map(|l| l.entries.len()).unwrap_or(0)
    );
    let infos = [orange_papi::rich_profile::types::RichProfileInfo::DisplayName];
    let profile = target
        .with_consent(|| rich.get_personal_rich_profile(token, &infos))
        .await?;
    println!("and so did rich profile: {:?}", profile.display_name);

    target.shutdown().await;
    Ok(())
}
