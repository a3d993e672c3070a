//! Authentication API: sign a user in with SAML 2.0 Web SSO and get the user token every
//! other API takes.
//!
//! Against the embedded sandbox's identity provider: papi-auth builds the AuthnRequest
//! (HTTP-Redirect), the user logs in, and papi-auth verifies the signed
//! HTTP-POST-SimpleSign answer before handing out the token. The identity providers of the
//! real suite are listed from the spec.
//!
//! `cargo run -p papi-examples --example authentication`

use orange_papi::authentication::idp;
use papi_examples::{BoxError, Target};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    for provider in [idp::PRODUCTION, idp::INTEGRATION] {
        println!(
            "{} identity provider: entity {}, single sign-on at {} ({} binding(s))",
            provider.environment,
            provider.entity_id,
            provider.sso_url,
            provider.sso_bindings.len()
        );
    }
    println!(
        "the token travels in the SAML attribute `{}`",
        idp::TOKEN_ATTRIBUTE
    );

    // `Target::from_env` signs `alice` in through the sandbox's identity provider.
    let target = Target::from_env().await?;
    println!(
        "got the user token: {} (never printed in clear)",
        target.token
    );
    target.shutdown().await;
    Ok(())
}
