//! A sandbox on a free loopback port and clients for it, shared by the tests that stop and
//! reopen one (`sandbox_persistence.rs`, `sandbox_faults.rs`); each uses part of it.
#![allow(dead_code)]

use std::future::Future;
use std::path::Path;

use papi_core::reqwest;
use papi_core::{ApiCode, Config, Error};
use papi_sandbox::{ConsentChoice, RunningSandbox, Sandbox, SandboxConfig, TestUser};
use scraper::{Html, Selector};

/// Where the consent page sends the browser back to.
pub const RETURN_URL: &str = "https://my.service.example/back";
/// The service's web site, registered with the sandbox (`SandboxConfig::site_origins`).
pub const SITE_ORIGIN: &str = "https://my.service.example";

/// A sandbox on a free loopback port and clients for it.
pub struct Env {
    pub sandbox: Sandbox,
    pub running: RunningSandbox,
    pub config: Config,
    pub http: reqwest::Client,
    /// The test users, whose passwords the user types on the consent page.
    pub users: Vec<TestUser>,
}

impl Env {
    /// A sandbox of `config`, with the service's site ([`SITE_ORIGIN`]) registered.
    pub async fn open(mut config: SandboxConfig) -> Env {
        config.site_origins.push(SITE_ORIGIN.to_owned());
        let users = config.users.clone();
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
            users,
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

    /// Answers a consent request as the user would in a browser without a session: opens
    /// the consent page, types the password of the user it names into its form, presses
    /// the button of `choice`, and checks the redirect back to the service.
    pub async fn decide<S: ApiCode + std::fmt::Debug>(&self, e: &Error<S>, choice: ConsentChoice) {
        let consent = e.consent().expect("a consent URL");
        let page_url = consent.redirect_url(RETURN_URL).unwrap();
        let page = self.http.get(page_url.clone()).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let (action, mut fields) = {
            let doc = Html::parse_document(&html);
            let form = doc
                .select(&Selector::parse("form").unwrap())
                .next()
                .expect("a form");
            let action = page_url.join(form.value().attr("action").unwrap()).unwrap();
            let inputs: Vec<(String, String)> = form
                .select(&Selector::parse("input[name]").unwrap())
                .map(|i| {
                    let v = i.value();
                    let value = v.attr("value").unwrap_or_default().to_owned();
                    (v.attr("name").unwrap().to_owned(), value)
                })
                .collect();
            (action, inputs)
        };
        // The login field names the consent's user; they type their password.
        let login = fields
            .iter()
            .find(|(k, _)| k == "login")
            .map(|(_, v)| v.clone())
            .expect("the consent page asks who answers");
        let user = self.users.iter().find(|u| u.login == login).unwrap();
        for (name, value) in fields.iter_mut() {
            if name == "password" {
                value.clone_from(&user.password);
            }
        }
        fields.push(("decision".to_owned(), choice.form_value().to_owned()));
        let body = papi_core::url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&fields)
            .finish();
        let answer = self
            .http
            .post(action)
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
