//! Shared set-up of the examples under `examples/tour/examples/`: one runnable example per API.
//!
//! By default an example starts the sandbox in-process (the same server as
//! `papi sandbox`), signs the test user `alice` in through its identity provider and, when
//! a call is refused for lack of consent, answers the consent page as the user would.
//!
//! To run an example against a real service instead, set:
//!
//! - `PAPI_BASE_URL` — the base URL (e.g. `https://personal.alpha.orange-api.net/int/`), or
//!   `PAPI_ENV=integration|production` for the endpoints the spec documents;
//! - `PAPI_SERVICE_ID` and `PAPI_SERVICE_PASSWORD` — the service's access key;
//! - `PAPI_TOKEN` — a user token obtained by the Authentication API.
//!
//! They are read by `Config::from_env` and `UserToken::from_env`, which name a missing or
//! malformed variable; the optional ones (timeouts, answer size cap, retry attempts) are
//! listed in `orange_papi::core::env`.
//!
//! Against a real service the consent page cannot be answered for the user: the example
//! prints the consent URL and stops.
#![deny(missing_docs)]

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};

use orange_papi::core::consent_flow::{ConsentFlow, ConsentStep};
use orange_papi::core::reqwest;
use orange_papi::core::url::Url;
use orange_papi::{Config, ServiceCredentials, UserToken};
use papi_sandbox::user_agent::{self, BrowserSession};
use papi_sandbox::{ConsentChoice, RunningSandbox, Sandbox, SandboxConfig};

/// The error type of the examples: whatever went wrong, with its message.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where the example's calls go, and as whom.
pub struct Target {
    /// Client configuration (base URL or environment, and the service's access key).
    pub config: Config,
    /// The signed-in user's token.
    pub token: UserToken,
    sandbox: Option<(Sandbox, RunningSandbox)>,
    browser: reqwest::Client,
    /// The signed-in user's browser session at the sandbox.
    session: BrowserSession,
}

impl Target {
    /// The real service named by the `PAPI_*` variables when `PAPI_SERVICE_ID` is set,
    /// otherwise an embedded sandbox with `alice` signed in.
    pub async fn from_env() -> Result<Target, BoxError> {
        let browser = orange_papi::core::tls::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        if std::env::var_os("PAPI_SERVICE_ID").is_some() {
            // Every PAPI_* variable is read, and a missing or malformed one named, by
            // papi-core (see `orange_papi::core::env`).
            let config = Config::from_env()?;
            let token = UserToken::from_env()?;
            println!("calling the service configured by PAPI_* variables");
            return Ok(Target {
                config,
                token,
                sandbox: None,
                browser,
                session: BrowserSession::default(),
            });
        }
        let sandbox = Sandbox::new(SandboxConfig::default());
        let running = sandbox
            .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await?;
        let base = running.base_url().clone();
        println!("embedded sandbox on {base}");
        let user = SandboxConfig::default()
            .users
            .into_iter()
            .next()
            .ok_or("the sandbox has no test user")?;
        let signed_in = user_agent::sign_in(
            &browser,
            &running,
            &base.join("example/")?,
            &user.login,
            &user.password,
        )
        .await?;
        println!("{}", signed_in.authenticated);
        let config = Config::custom(base.as_str(), sandbox.service_credentials())?;
        Ok(Target {
            config,
            token: signed_in.authenticated.token,
            sandbox: Some((sandbox, running)),
            browser,
            session: signed_in.session,
        })
    }

    /// Runs `call`; when it is refused with `-3` (no consent yet), answers the consent page
    /// with a permanent grant (sandbox only) and runs it once more: papi-core's consent
    /// round trip ([`ConsentFlow`]) with the sandbox's user agent playing the user.
    pub async fn with_consent<T, S, F, Fut>(&self, call: F) -> Result<T, BoxError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, orange_papi::core::Error<S>>>,
        S: std::fmt::Debug + std::fmt::Display + Send + Sync + 'static,
    {
        let Some((_, running)) = &self.sandbox else {
            // A real user cannot be answered for: say where to send them.
            let flow = ConsentFlow::new("https://your.service.example/back")?;
            let mut call = call;
            return match flow.step(call().await)? {
                ConsentStep::Answered(answer) => Ok(answer),
                ConsentStep::Redirect { url, .. } => Err(format!(
                    "the user has not consented: send them to {url} (with your own return URL), then run again"
                )
                .into()),
            };
        };
        let flow = ConsentFlow::new(running.base_url().join("example/back")?.as_str())?;
        let (browser, session) = (&self.browser, &self.session);
        let answer = flow
            .round_trip(call, |redirect| async move {
                println!("  refused with -3: the user grants access on {redirect}");
                user_agent::answer_consent(
                    browser,
                    session,
                    &redirect,
                    ConsentChoice::GrantPermanently,
                )
                .await
            })
            .await?;
        Ok(answer)
    }

    /// Stops the embedded sandbox, if any.
    pub async fn shutdown(self) {
        if let Some((_, running)) = self.sandbox {
            running.shutdown().await;
        }
    }
}

/// For the APIs whose actions are not recovered (the generated crate has no method): the
/// endpoint a client of `api` would call in each environment of the spec, or why it
/// cannot be built there.
pub fn endpoints<E: std::fmt::Display>(
    api: &orange_papi::core::ApiDescriptor,
    client: impl Fn(&Config) -> Result<Url, E>,
) {
    let credentials = || ServiceCredentials::new("your-service-id", "your-service-password");
    println!("{}", api.name);
    for (name, config) in [
        ("production", Config::production(credentials())),
        ("integration", Config::integration(credentials())),
    ] {
        match client(&config) {
            Ok(url) => println!("  {name}: {url}"),
            Err(e) => println!("  {name}: no client: {e}"),
        }
    }
    match Config::custom("http://127.0.0.1:8080", credentials()).map(|c| client(&c)) {
        Ok(Ok(url)) => println!("  a local sandbox on port 8080: {url}"),
        Ok(Err(e)) => println!("  a local sandbox: no client: {e}"),
        Err(e) => println!("  a local sandbox: {e}"),
    }
}
