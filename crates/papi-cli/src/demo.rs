//! `papi demo`: the documented flow, against an embedded sandbox, with the generated
//! clients — exactly what a service built on papi does.

use std::error::Error as StdError;
use std::net::{Ipv4Addr, SocketAddr};

use papi_contacts::operation::AddContact;
use papi_core::Config;

use papi_sandbox::user_agent;
use papi_sandbox::ConsentChoice;

type DemoResult<T> = Result<T, Box<dyn StdError + Send + Sync>>;

fn step(n: u32, text: &str) {
    println!("\n[{n}] {text}");
}

/// Runs the whole flow, printing each step.
pub async fn run() -> DemoResult<()> {
    let sandbox = papi_sandbox::Sandbox::new(papi_sandbox::SandboxConfig::default());
    let running = sandbox
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await?;
    let base = running.base_url().clone();
    println!("embedded sandbox on {base}");
    let result = walk(&sandbox, &running, &base).await;
    running.shutdown().await;
    result
}

async fn walk(
    sandbox: &papi_sandbox::Sandbox,
    running: &papi_sandbox::RunningSandbox,
    base: &papi_core::url::Url,
) -> DemoResult<()> {
    let browser = papi_core::tls::client_builder()
        .redirect(papi_core::reqwest::redirect::Policy::none())
        .build()?;
    let user = papi_sandbox::SandboxConfig::default()
        .users
        .into_iter()
        .next()
        .ok_or("the sandbox has no test user")?;

    step(
        1,
        &format!(
            "sign in as {} through the identity provider (SAML 2.0 Web SSO)",
            user.login
        ),
    );
    let signed_in = user_agent::sign_in(
        &browser,
        running,
        &base.join("demo/")?,
        &user.login,
        &user.password,
    )
    .await?;
    let shown: String = signed_in.login_redirect.as_str().chars().take(80).collect();
    println!("    redirect to the identity provider: {shown}…");
    println!("    {}", signed_in.authenticated);
    let session = signed_in.session;
    let token = signed_in.authenticated.token;
    println!("    the signed answer was verified; got the user token ({token})");

    let config = Config::custom(base.as_str(), sandbox.service_credentials())?;
    let contacts = papi_contacts::Client::new(&config)?;
    println!("    contacts client calls {}", contacts.endpoint());

    step(2, "search the address book for \"Orange\" without consent");
    let refused = match contacts.find_contact_list(&token, "Orange").await {
        Err(e) if e.is_privacy_denied() => e,
        Err(e) => return Err(format!("expected a privacy refusal, got: {e}").into()),
        Ok(_) => return Err("expected a privacy refusal, got an answer".into()),
    };
    println!("    refused: {refused}");
    let consent = refused
        .consent()
        .ok_or("the refusal carries no consent URL")?;
    let back = base.join("demo/back")?;
    let redirect = consent.redirect_url(back.as_str())?;
    println!("    consent page: {redirect}");

    step(
        3,
        "the user grants access permanently on the consent page (in the browser session the sign-in opened)",
    );
    let decision = user_agent::answer_consent(
        &browser,
        &session,
        &redirect,
        ConsentChoice::GrantPermanently,
    )
    .await?;
    println!("    consent page redirected the browser back to {decision}");

    step(4, "search again");
    let page = contacts.find_contact_list(&token, "Orange").await?;
    for c in page.contacts.iter().flat_map(|l| &l.entries) {
        println!(
            "    {} {} (id {})",
            c.firstname.as_deref().unwrap_or(""),
            c.lastname.as_deref().unwrap_or(""),
            c.id
        );
    }

    step(5, "add \"Hello World\" and read it back");
    let refusal = contacts
        .add_contact(
            &token,
            AddContact::new().firstname("Hello").lastname("World"),
        )
        .await;
    let added = match refusal {
        Err(e) if e.is_privacy_denied() => {
            println!(
                "    adding needs its own consent (another attribute of the family): granting it"
            );
            let consent = e.consent().ok_or("the refusal carries no consent URL")?;
            let redirect = consent.redirect_url(back.as_str())?;
            user_agent::answer_consent(
                &browser,
                &session,
                &redirect,
                ConsentChoice::GrantPermanently,
            )
            .await?;
            contacts
                .add_contact(
                    &token,
                    AddContact::new().firstname("Hello").lastname("World"),
                )
                .await?
        }
        other => other?,
    };
    println!("    added contact {}", added.id);
    let read = contacts.get_contact(&token, &added.id).await?;
    println!(
        "    read back: {} {} (id {})",
        read.firstname.as_deref().unwrap_or(""),
        read.lastname.as_deref().unwrap_or(""),
        read.id
    );
    if read.firstname.as_deref() != Some("Hello") || read.lastname.as_deref() != Some("World") {
        return Err("the contact read back differs from the one added".into());
    }
    println!("\ndone: the whole documented flow works against the sandbox");
    Ok(())
}
