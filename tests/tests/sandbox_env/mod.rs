//! A sandbox on a free loopback port and clients for it, shared by the tests that stop and
//! reopen one (`sandbox_persistence.rs`, `sandbox_faults.rs`); each uses part of it.
#![allow(dead_code)]

use std::future::Future;
use std::path::Path;

use papi_core::reqwest;
use papi_core::{ApiCode, Config, Error};
use papi_sandbox::{decision_form, ConsentChoice, RunningSandbox, Sandbox, SandboxConfig};

/// Where the consent page sends the browser back to.
pub const RETURN_URL: &str = "https://my.service.example/back";

/// A sandbox on a free loopback port and clients for it.
pub struct Env {
    pub sandbox: Sandbox,
    pub running: RunningSandbox,
    pub config: Config,
    pub http: reqwest::Client,
}

impl Env {
    pub async fn open(config: SandboxConfig) -> Env {
        let sandbox = Sandbox::open(config).expect("the database opens");
        let running = sandbox.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let config =
            Config::custom(running.base_url().as_str(), sandbox.service_credentials()).unwrap();
        let http = papi_core::tls::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Env {
            sandbox,
            running,
            config,
            http,
        }
    }

    /// A sandbox keeping its data in `db` (in memory without).
    pub async fn open_db(db: Option<&Path>) -> Env {
        Env::open(SandboxConfig {
            db: db.map(Path::to_owned),
            ..SandboxConfig::default()
        })
        .await
    }

    /// Stops the server and drops the sandbox (and its database connection).
    pub async fn stop(self) {
        let Env {
            sandbox, running, ..
        } = self;
        running.shutdown().await;
        drop(sandbox);
    }

    pub fn contacts(&self) -> papi_contacts::Client {
        papi_contacts::Client::new(&self.config).unwrap()
    }

    /// Answers a consent request as the user's browser would, through the consent page's
    /// form (`decision_form`), and checks the redirect back to the service.
    pub async fn decide<S: ApiCode + std::fmt::Debug>(&self, e: &Error<S>, choice: ConsentChoice) {
        let consent = e.consent().expect("a consent URL");
        let page = consent.redirect_url(RETURN_URL).unwrap();
        let (url, fields) =
            decision_form(&page, choice).expect("one of this sandbox's consent URLs");
        let body = papi_core::url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&fields)
            .finish();
        let answer = self
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 303);
        assert_eq!(answer.headers()["location"].to_str().unwrap(), RETURN_URL);
    }

    /// Calls; on a privacy error, answers it with `choice` and calls again.
    pub async fn with_consent<T, S, F, Fut>(
        &self,
        choice: ConsentChoice,
        call: F,
    ) -> Result<T, Error<S>>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, Error<S>>>,
        S: ApiCode + std::fmt::Debug,
    {
        match call().await {
            Err(e) if e.is_privacy_denied() => {
                self.decide(&e, choice).await;
                call().await
            }
            other => other,
        }
    }
}
