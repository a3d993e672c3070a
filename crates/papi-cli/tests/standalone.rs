//! A standalone `papi sandbox` process, used as a developer does: its banner says
//! everything needed, papi-auth trusts its identity provider through its metadata, the
//! consent page works, the signing key survives a restart with `--db`, and
//! `--auto-consent` skips consent.

use std::process::Command;

mod support;
use support::Standalone;

use papi_core::reqwest;
use papi_core::url::Url;
use papi_core::{Config, ServiceCredentials};
use papi_sandbox::user_agent::{answer_consent, sign_in_trusting};
use papi_sandbox::ConsentChoice;

/// The service's own site (loopback: a sandbox accepts it as a return URL by default).
const SERVICE: &str = "http://127.0.0.1:9/";

fn browser() -> reqwest::Client {
    papi_core::tls::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn papi_auth_signs_in_through_the_metadata_and_consent_works_end_to_end() {
    let sandbox = tokio::task::spawn_blocking(|| Standalone::start(&[]))
        .await
        .unwrap();
    let base = sandbox.base.as_str();
    for needed in [
        "id sandbox-service / password sandbox-secret".to_owned(),
        "alice / alice-pw".to_owned(),
        format!("{base}saml/metadata"),
        "data: in memory".to_owned(),
        "consent: asked on the consent page".to_owned(),
    ] {
        assert!(
            sandbox.banner.contains(&needed),
            "{needed:?} not in:\n{}",
            sandbox.banner
        );
    }

    // Sign in as a service does, trusting only what the metadata says.
    let idp = sandbox.identity_provider().await;
    let browser = browser();
    let service = Url::parse(SERVICE).unwrap();
    let signed_in = sign_in_trusting(&browser, idp, &service, "alice", "alice-pw")
        .await
        .unwrap();
    let (token, session) = (signed_in.authenticated.token, signed_in.session);

    // The first call needs consent; the user grants it on the page; the call succeeds.
    let contacts = sandbox.contacts();
    let err = contacts.find_contact_list(&token, "a").await.unwrap_err();
    let consent = err.consent().expect("a consent request").clone();
    let back = service.join("back").unwrap();
    let redirect = consent.redirect_url(back.as_str()).unwrap();
    answer_consent(
        &browser,
        &session,
        &redirect,
        ConsentChoice::GrantPermanently,
    )
    .await
    .unwrap();
    contacts.find_contact_list(&token, "a").await.unwrap();
    tokio::task::spawn_blocking(move || sandbox.stop())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_signing_key_survives_a_restart_with_a_database() {
    let dir = std::env::temp_dir().join(format!("papi-standalone-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("sandbox.db");
    let _ = std::fs::remove_file(&db);
    let db_arg = db.to_str().unwrap().to_owned();
    let mut keys = Vec::new();
    for _ in 0..2 {
        let args = db_arg.clone();
        let sandbox = tokio::task::spawn_blocking(move || Standalone::start(&["--db", &args]))
            .await
            .unwrap();
        assert!(
            sandbox.banner.contains("signing key: kept in the database"),
            "{}",
            sandbox.banner
        );
        keys.push(sandbox.identity_provider().await.keys().to_vec());
        tokio::task::spawn_blocking(move || sandbox.stop())
            .await
            .unwrap();
    }
    assert_eq!(keys[0], keys[1], "a new key after the restart");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn auto_consent_skips_the_consent_page_for_the_families_named() {
    let sandbox = tokio::task::spawn_blocking(|| Standalone::start(&["--auto-consent", "contact"]))
        .await
        .unwrap();
    assert!(
        sandbox.banner.contains("auto-consent for contact"),
        "{}",
        sandbox.banner
    );
    let idp = sandbox.identity_provider().await;
    let service = Url::parse(SERVICE).unwrap();
    let token = sign_in_trusting(&browser(), idp, &service, "alice", "alice-pw")
        .await
        .unwrap()
        .authenticated
        .token;
    sandbox
        .contacts()
        .find_contact_list(&token, "a")
        .await
        .unwrap();
    // Another family still asks.
    let creds = ServiceCredentials::new("sandbox-service", "sandbox-secret");
    let messages =
        papi_messages::Client::new(&Config::custom(sandbox.base.as_str(), creds).unwrap()).unwrap();
    let err = messages
        .get_personal_messages(&token, &[papi_messages::types::MessagesInfo::NoSms])
        .await
        .unwrap_err();
    assert!(err.is_privacy_denied(), "{err}");
    tokio::task::spawn_blocking(move || sandbox.stop())
        .await
        .unwrap();
}

#[test]
fn an_unknown_auto_consent_family_is_refused_with_the_known_ones() {
    let out = Command::new(env!("CARGO_BIN_EXE_papi"))
        .args(["sandbox", "--port", "0", "--auto-consent", "contacts"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`contacts`") && stderr.contains("contact"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_database_url_is_refused_without_printing_its_password() {
    // From the flag and from the environment: neither error shows the password.
    let flag = Command::new(env!("CARGO_BIN_EXE_papi"))
        .args([
            "sandbox",
            "--port",
            "0",
            "--db",
            "postgres://u:hunter2@[bad/db",
        ])
        .output()
        .unwrap();
    let env = Command::new(env!("CARGO_BIN_EXE_papi"))
        .args(["sandbox", "--port", "0"])
        .env("PAPI_SANDBOX_DB", "postgresql:no-host?password=hunter2")
        .output()
        .unwrap();
    for out in [flag, env] {
        assert!(!out.status.success());
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(printed.contains("not a PostgreSQL URL"), "{printed}");
        assert!(!printed.contains("hunter2"), "{printed}");
    }
}

#[test]
fn a_database_file_name_of_any_characters_is_a_file() {
    let dir = std::env::temp_dir().join(format!("papi-db-ü-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("données-é.db");
    let sandbox = Standalone::start(&["--db", file.to_str().unwrap()]);
    assert!(
        sandbox
            .banner
            .contains("données-é.db (kept across restarts)"),
        "{}",
        sandbox.banner
    );
    sandbox.stop();
    assert!(file.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
