//! Runs the example site next to an embedded sandbox; open the printed URL in a browser,
//! sign in as alice / alice-pw, grant access, and see the contacts.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("consent-web: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = papi_sandbox::Sandbox::new(papi_sandbox::SandboxConfig::default());
    let running = sandbox
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await?;
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let site = format!("http://{}/", listener.local_addr()?);
    let app = consent_web::app(consent_web::SiteConfig {
        public_base: papi_core::url::Url::parse(&site)?,
        api: papi_core::Config::custom(running.base_url().as_str(), sandbox.service_credentials())?,
        idp: running.identity_provider()?,
    })?;
    println!("sandbox on {}", running.base_url());
    println!("example site on {site}  (sign in as alice / alice-pw); Ctrl-C stops both");
    tokio::select! {
        served = axum::serve(listener, app) => served?,
        _ = tokio::signal::ctrl_c() => {}
    }
    running.shutdown().await;
    Ok(())
}
