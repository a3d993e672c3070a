//! End-to-end tests of the sandbox's SAML identity provider: a `papi_auth::ServiceProvider`
//! sends the browser (here reqwest, redirects off) to the sandbox's SSO URL, the user signs
//! in on the login page, the auto-posting answer is verified by papi-auth, and the token
//! it carries is used with a generated client.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use papi_auth::chrono::{DateTime, Utc};
use papi_auth::{AuthError, Authenticated, PostedForm, ServiceProvider};
use papi_core::reqwest;
use papi_core::url::{form_urlencoded, Url};
use papi_core::{Config, Error, GeneralError, UserToken};
use papi_sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use scraper::{Html, Selector};

const SP_ENTITY: &str = "https://my.service.example/saml";
const ACS: &str = "https://my.service.example/saml/acs?from=idp";
const RELAY_STATE: &str = "/calendar?x=1&y=a b";

struct Env {
    sandbox: Sandbox,
    running: RunningSandbox,
    http: reqwest::Client,
    sp: ServiceProvider,
}

/// A form read from a page: its action (resolved against the page's URL) and its fields.
#[derive(Debug)]
struct PageForm {
    action: Url,
    fields: Vec<(String, String)>,
}

impl PageForm {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The first form of `html`: its action and its named inputs with their values.
fn read_form(page_url: &Url, html: &str) -> PageForm {
    let doc = Html::parse_document(html);
    let form_sel = Selector::parse("form").unwrap();
    let input_sel = Selector::parse("input[name]").unwrap();
    let form = doc.select(&form_sel).next().expect("a form");
    let action = page_url
        .join(form.value().attr("action").expect("a form action"))
        .unwrap();
    assert_eq!(
        form.value().attr("method").map(str::to_ascii_lowercase),
        Some("post".to_owned())
    );
    let fields = form
        .select(&input_sel)
        .map(|input| {
            let v = input.value();
            (
                v.attr("name").unwrap().to_owned(),
                v.attr("value").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    PageForm { action, fields }
}

fn has(html: &str, selector: &str) -> bool {
    let sel = Selector::parse(selector).unwrap();
    Html::parse_document(html).select(&sel).next().is_some()
}

fn now() -> DateTime<Utc> {
    SystemTime::now().into()
}

impl Env {
    async fn start() -> Env {
        Env::start_with(SandboxConfig::default()).await
    }

    /// A sandbox whose identity provider answers the service's origin (besides loopback).
    async fn start_with(mut config: SandboxConfig) -> Env {
        let acs_origin = Url::parse(ACS).unwrap().origin().ascii_serialization();
        config.allowed_acs_origins.push(acs_origin);
        let sandbox = Sandbox::new(config);
        let running = sandbox.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let sp =
            ServiceProvider::new(SP_ENTITY, ACS, running.identity_provider().unwrap()).unwrap();
        let http = papi_core::tls::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Env {
            sandbox,
            running,
            http,
            sp,
        }
    }

    fn contacts(&self) -> papi_contacts::Client {
        let config = Config::custom(
            self.running.base_url().as_str(),
            self.sandbox.service_credentials(),
        )
        .unwrap();
        papi_contacts::Client::new(&config).unwrap()
    }

    async fn post_form(&self, url: &Url, fields: &[(String, String)]) -> (u16, String) {
        let mut body = form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            body.append_pair(k, v);
        }
        let answer = self
            .http
            .post(url.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.finish())
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        (status, answer.text().await.unwrap())
    }

    /// Follows the login redirect: the login page's form.
    async fn login_page(&self, url: &Url) -> PageForm {
        let page = self.http.get(url.clone()).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let html = page.text().await.unwrap();
        assert!(has(&html, "input[type=password][name=password]"), "{html}");
        assert!(html.contains(SP_ENTITY), "names the service: {html}");
        read_form(url, &html)
    }

    /// Fills the login form and posts it: the status and the page.
    async fn submit_login(&self, form: &PageForm, login: &str, password: &str) -> (u16, String) {
        let mut fields: Vec<(String, String)> = form
            .fields
            .iter()
            .filter(|(k, _)| k != "login" && k != "password")
            .cloned()
            .collect();
        fields.push(("login".into(), login.into()));
        fields.push(("password".into(), password.into()));
        self.post_form(&form.action, &fields).await
    }

    /// The whole browser side of a sign-in: redirect, login page, answer page. Returns the
    /// request id and the auto-post form.
    async fn sign_in(&self, login: &str, password: &str) -> (String, PageForm) {
        let redirect = self.sp.login_redirect(Some(RELAY_STATE), now()).unwrap();
        assert!(redirect
            .url
            .as_str()
            .starts_with(self.running.base_url().join("saml/sso").unwrap().as_str()));
        let form = self.login_page(&redirect.url).await;
        let (status, html) = self.submit_login(&form, login, password).await;
        assert_eq!(status, 200, "{html}");
        // No JavaScript needed: a visible submit button.
        assert!(has(&html, "form button[type=submit]"), "{html}");
        let answer = read_form(&form.action, &html);
        (redirect.request_id, answer)
    }
}

fn posted(form: &PageForm) -> PostedForm {
    PostedForm::from_pairs(form.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap()
}

fn general<S: std::fmt::Debug>(e: &Error<S>) -> Option<GeneralError> {
    match e {
        Error::Api(a) => a.general(),
        _ => None,
    }
}

#[tokio::test]
async fn a_user_signs_in_and_the_token_is_accepted() {
    let env = Env::start().await;
    let (request_id, answer) = env.sign_in("alice", "alice-pw").await;

    // Posted to the service's assertion consumer URL, signed with SimpleSign.
    assert_eq!(answer.action.as_str(), ACS);
    assert_eq!(answer.field("RelayState"), Some(RELAY_STATE));
    assert_eq!(answer.field("SigAlg"), Some(papi_auth::SIG_ALG_RSA_SHA256));
    assert!(answer.field("Signature").is_some());

    let user: Authenticated = env
        .sp
        .consume(&posted(&answer), Some(&request_id), now())
        .unwrap();
    assert_eq!(user.relay_state.as_deref(), Some(RELAY_STATE));
    assert_eq!(
        user.name_id_format.as_deref(),
        papi_auth::idp::PRODUCTION.nameid_formats.first().copied()
    );
    assert!(!user.name_id.contains("alice"), "opaque: {}", user.name_id);
    assert!(user.not_on_or_after > now());
    assert!(user.replayable_until > now());
    assert!(user.session_not_on_or_after.unwrap() > now());
    // Random, at least 128 bits (hex).
    assert!(user.token.expose().len() >= 32);
    assert!(!format!("{user:?}").contains(user.token.expose()));

    // The token is one the APIs accept: the call gets as far as the privacy check (-3),
    // not the token check (-1).
    let e = env
        .contacts()
        .find_contact_list(&user.token, "a")
        .await
        .unwrap_err();
    assert!(e.is_privacy_denied(), "{e:?}");

    // Signing in again: the same persistent NameID, a new token; bob gets another NameID.
    let (again_id, again) = env.sign_in("alice", "alice-pw").await;
    let again = env
        .sp
        .consume(&posted(&again), Some(&again_id), now())
        .unwrap();
    assert_eq!(again.name_id, user.name_id);
    assert_ne!(again.token.expose(), user.token.expose());
    let (bob_id, bob) = env.sign_in("bob", "bob-pw").await;
    let bob = env.sp.consume(&posted(&bob), Some(&bob_id), now()).unwrap();
    assert_ne!(bob.name_id, user.name_id);

    // The certificate papi-auth trusts is the one the sandbox publishes.
    let pem = env.sandbox.idp_certificate_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let idp = papi_auth::IdentityProviderConfig::new(
        env.running.identity_provider().unwrap().entity_id(),
        env.running.base_url().join("saml/sso").unwrap().as_str(),
    )
    .unwrap()
    .with_certificate_pem(&pem)
    .unwrap();
    let sp = ServiceProvider::new(SP_ENTITY, ACS, idp).unwrap();
    let (id, form) = env.sign_in("alice", "alice-pw").await;
    sp.consume(&posted(&form), Some(&id), now()).unwrap();

    env.running.shutdown().await;
}

#[tokio::test]
async fn a_wrong_password_shows_the_login_page_again() {
    let env = Env::start().await;
    let redirect = env.sp.login_redirect(None, now()).unwrap();
    let form = env.login_page(&redirect.url).await;

    for (login, password) in [("alice", "bob-pw"), ("alice", ""), ("mallory", "alice-pw")] {
        let (status, html) = env.submit_login(&form, login, password).await;
        assert_eq!(status, 401, "{login}/{password}");
        assert!(has(&html, "[role=alert]"), "{html}");
        assert!(has(&html, "input[type=password]"), "{html}");
        assert!(!html.contains("SAMLResponse"), "{html}");
        assert!(!html.contains("alice-pw"), "{html}");
    }

    // The same sign-in still works with the right password, once.
    let (status, html) = env.submit_login(&form, "alice", "alice-pw").await;
    assert_eq!(status, 200, "{html}");
    let answer = read_form(&form.action, &html);
    assert_eq!(answer.field("RelayState"), None);
    env.sp
        .consume(&posted(&answer), Some(&redirect.request_id), now())
        .unwrap();
    let (status, _) = env.submit_login(&form, "alice", "alice-pw").await;
    assert_eq!(status, 400, "an answered sign-in cannot be answered again");
}

#[tokio::test]
async fn a_tampered_answer_is_refused() {
    let env = Env::start().await;
    let (request_id, mut answer) = env.sign_in("alice", "alice-pw").await;
    let engine = base64::engine::general_purpose::STANDARD;

    // Swap the token for bob's, keep the signature.
    let original = answer.field("SAMLResponse").unwrap().to_owned();
    let xml = String::from_utf8(engine.decode(&original).unwrap()).unwrap();
    let alice = env
        .sp
        .consume(&posted(&answer), Some(&request_id), now())
        .unwrap();
    assert!(xml.contains(alice.token.expose()));
    let bob = env.sandbox.issue_token("bob").unwrap();
    let forged = engine.encode(xml.replace(alice.token.expose(), bob.expose()));
    for (k, v) in &mut answer.fields {
        if k == "SAMLResponse" {
            *v = forged.clone();
        }
    }
    let e = env
        .sp
        .consume(&posted(&answer), Some(&request_id), now())
        .unwrap_err();
    assert_eq!(e, AuthError::BadSignature);
    assert!(!format!("{e:?} {e}").contains(bob.expose()));

    // A changed RelayState breaks the signature too.
    for (k, v) in &mut answer.fields {
        match k.as_str() {
            "SAMLResponse" => *v = original.clone(),
            "RelayState" => *v = "/elsewhere".into(),
            _ => {}
        }
    }
    let e = env
        .sp
        .consume(&posted(&answer), Some(&request_id), now())
        .unwrap_err();
    assert_eq!(e, AuthError::BadSignature);
}

#[tokio::test]
async fn each_sandbox_signs_with_its_own_key() {
    let first = Env::start().await;
    let second = Env::start().await;
    let (request_id, answer) = first.sign_in("alice", "alice-pw").await;
    // The second sandbox's service provider trusts only the second key.
    let sp = ServiceProvider::new(
        SP_ENTITY,
        ACS,
        papi_auth::IdentityProviderConfig::new(
            first.running.identity_provider().unwrap().entity_id(),
            first.running.base_url().as_str(),
        )
        .unwrap()
        .with_certificate_pem(&second.sandbox.idp_certificate_pem().unwrap())
        .unwrap(),
    )
    .unwrap();
    let e = sp
        .consume(&posted(&answer), Some(&request_id), now())
        .unwrap_err();
    assert_eq!(e, AuthError::BadSignature);
    assert_ne!(
        first.sandbox.idp_certificate_pem(),
        second.sandbox.idp_certificate_pem()
    );
}

#[tokio::test]
async fn unusable_saml_requests_get_a_400_page() {
    let env = Env::start().await;
    let sso = env.running.base_url().join("saml/sso").unwrap();
    let engine = base64::engine::general_purpose::STANDARD;
    let good = env.sp.login_redirect(None, now()).unwrap().url;
    let good_request: String = good
        .query_pairs()
        .find(|(k, _)| k == "SAMLRequest")
        .unwrap()
        .1
        .into_owned();
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (vec![], "No SAMLRequest"),
        (vec![("SAMLRequest", "%%% not base64 <>".into())], "base64"),
        (
            vec![("SAMLRequest", engine.encode("not deflated"))],
            "DEFLATE",
        ),
        (vec![("SAMLRequest", "A".repeat(40_000))], "longer"),
        (
            vec![
                ("SAMLRequest", good_request.clone()),
                ("RelayState", "r".repeat(81)),
            ],
            "RelayState",
        ),
        (
            vec![
                ("SAMLRequest", good_request.clone()),
                ("SAMLRequest", good_request),
            ],
            "more than once",
        ),
    ];
    for (query, why) in cases {
        let mut url = sso.clone();
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(&query);
        }
        let answer = env.http.get(url).send().await.unwrap();
        assert_eq!(answer.status(), 400, "{why}");
        assert!(answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let html = answer.text().await.unwrap();
        assert!(html.contains(why), "{why}: {html}");
        assert!(!has(&html, "input[type=password]"), "{html}");
    }

    // A login post without a known sign-in.
    let (status, html) = env
        .post_form(
            &env.running.base_url().join("saml/login").unwrap(),
            &[
                ("pending".into(), "forged".into()),
                ("login".into(), "alice".into()),
                ("password".into(), "alice-pw".into()),
            ],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(!html.contains("SAMLResponse"), "{html}");
}

#[tokio::test]
async fn tokens_from_the_identity_provider_expire() {
    let env = Env::start_with(SandboxConfig {
        token_lifetime: Duration::from_millis(300),
        ..SandboxConfig::default()
    })
    .await;
    let (request_id, answer) = env.sign_in("alice", "alice-pw").await;
    let user = env
        .sp
        .consume(&posted(&answer), Some(&request_id), now())
        .unwrap();
    let session_end = user.session_not_on_or_after.unwrap();
    assert!(session_end <= now() + papi_auth::chrono::TimeDelta::seconds(2));

    tokio::time::sleep(Duration::from_millis(600)).await;
    let e = env
        .contacts()
        .find_contact_list(&user.token, "a")
        .await
        .unwrap_err();
    assert_eq!(general(&e), Some(GeneralError::InvalidToken), "{e:?}");
    let e = env
        .contacts()
        .find_contact_list(&UserToken::new("not-a-token"), "a")
        .await
        .unwrap_err();
    assert_eq!(general(&e), Some(GeneralError::InvalidToken), "{e:?}");
}

/// The identity provider of `running` given a sign-in request whose answer goes to `acs`:
/// the status and the page.
async fn sign_in_page(running: &RunningSandbox, acs: &str) -> (u16, String) {
    let idp = running.identity_provider().unwrap();
    let sp = ServiceProvider::new("https://service.example/sp", acs, idp).unwrap();
    let url = sp.login_redirect(None, now()).unwrap().url;
    let http = papi_core::tls::client_builder().build().unwrap();
    let answer = http.get(url).send().await.unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

#[tokio::test]
async fn the_login_page_names_where_the_answer_goes_and_unlisted_origins_are_refused() {
    let config = SandboxConfig {
        allowed_acs_origins: vec!["https://service.example".to_owned()],
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::new(config);
    let running = sandbox.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (status, page) = sign_in_page(&running, "https://service.example/acs").await;
    assert_eq!(status, 200);
    assert!(page.contains("https://service.example"), "{page}");
    let (status, page) = sign_in_page(&running, "https://collector.example/acs").await;
    assert_eq!(status, 400);
    assert!(
        page.contains("does not answer to https://collector.example"),
        "{page}"
    );
    running.shutdown().await;
}

#[tokio::test]
async fn by_default_the_identity_provider_answers_loopback_only() {
    let sandbox = Sandbox::new(SandboxConfig::default());
    let running = sandbox.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    // The attack: a crafted request naming another site's consumer URL, which would get
    // the signed token once the user signs in.
    let (status, page) = sign_in_page(&running, "https://evil.example/acs").await;
    assert_eq!(status, 400);
    assert!(
        page.contains("does not answer to https://evil.example"),
        "{page}"
    );
    assert!(!has(&page, "input[type=password]"), "{page}");
    for acs in [
        "http://127.0.0.1:9/acs",
        "http://localhost:9/acs",
        "http://[::1]:9/acs",
    ] {
        assert_eq!(sign_in_page(&running, acs).await.0, 200, "{acs}");
    }
    running.shutdown().await;
}

#[tokio::test]
async fn a_flood_of_sign_ins_from_one_address_never_pushes_out_another_addresss() {
    let env = Env::start().await;
    let redirect = env.sp.login_redirect(None, now()).unwrap();
    // The victim's browser, from another loopback address (all of 127/8 is loopback).
    let victim = papi_core::tls::client_builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let page = victim.get(redirect.url.clone()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let form = read_form(&redirect.url, &page.text().await.unwrap());
    // 1,100 unauthenticated sign-ins from 127.0.0.1, more than the sandbox keeps at once.
    for _ in 0..1100 {
        let flood = env.http.get(redirect.url.clone()).send().await.unwrap();
        assert_eq!(flood.status(), 200);
        flood.bytes().await.unwrap();
    }
    let (status, html) = env.submit_login(&form, "alice", "alice-pw").await;
    assert_eq!(status, 200, "the victim's sign-in was pushed out: {html}");
    let answer = read_form(&form.action, &html);
    env.sp
        .consume(&posted(&answer), Some(&redirect.request_id), now())
        .unwrap();
}

#[tokio::test]
async fn a_sign_in_takes_five_passwords_then_is_cancelled() {
    let env = Env::start().await;
    let redirect = env.sp.login_redirect(None, now()).unwrap();
    let form = env.login_page(&redirect.url).await;
    for guess in 1..=5 {
        let (status, html) = env
            .submit_login(&form, "alice", &format!("guess-{guess}"))
            .await;
        assert_eq!(status, 401, "{html}");
        // The last wrong one says the sign-in is cancelled and offers no form.
        assert_eq!(has(&html, "input[type=password]"), guess < 5, "{html}");
    }
    // The right password, too late: the sign-in is gone.
    let (status, html) = env.submit_login(&form, "alice", "alice-pw").await;
    assert_eq!(status, 400, "{html}");
    assert!(!html.contains("SAMLResponse"), "{html}");
}

/// Checks the headers every HTML page carries; returns the content security policy.
fn assert_page_headers(what: &str, answer: &reqwest::Response) -> String {
    let headers = answer.headers();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{what}"
    );
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    for part in ["default-src 'none'", "frame-ancestors 'none'"] {
        assert!(csp.contains(part), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    csp
}

#[tokio::test]
async fn every_page_refuses_frames_and_runs_no_script_but_its_own() {
    let env = Env::start().await;
    let get = |url: Url| {
        let http = env.http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    let post = |url: Url, fields: Vec<(&'static str, String)>| {
        let http = env.http.clone();
        async move {
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish();
            http.post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let base = env.running.base_url().clone();
    // The identity provider's pages: login, refusal, wrong password, the answer.
    let redirect = env.sp.login_redirect(None, now()).unwrap();
    let login = get(redirect.url.clone()).await;
    assert_page_headers("login page", &login);
    let form = read_form(&redirect.url, &login.text().await.unwrap());
    assert_page_headers("bad request", &get(base.join("saml/sso").unwrap()).await);
    let pending = form.field("pending").unwrap().to_owned();
    let fields = |password: &str| {
        vec![
            ("pending", pending.clone()),
            ("login", "alice".to_owned()),
            ("password", password.to_owned()),
        ]
    };
    let wrong = post(form.action.clone(), fields("wrong")).await;
    assert_page_headers("wrong password", &wrong);
    let answer = post(form.action.clone(), fields("alice-pw")).await;
    let csp = assert_page_headers("answer page", &answer);
    // Its script is the one the policy allows, by its hash.
    let html = answer.text().await.unwrap();
    let script = html
        .split("<script>")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .unwrap();
    let hash = base64::engine::general_purpose::STANDARD
        .encode(<sha2::Sha256 as sha2::Digest>::digest(script.as_bytes()));
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}'")),
        "{csp}"
    );
    // The consent pages: the page, an unknown request, a decision.
    let user = env
        .sp
        .consume(
            &posted(&read_form(&form.action, &html)),
            Some(&redirect.request_id),
            now(),
        )
        .unwrap();
    let e = env
        .contacts()
        .find_contact_list(&user.token, "a")
        .await
        .unwrap_err();
    let consent = e.consent().unwrap().url().clone();
    assert_page_headers("consent page", &get(consent.clone()).await);
    let unknown = base.join("privacy/interaction.do?consent=nope").unwrap();
    assert_page_headers("unknown consent", &get(unknown).await);
    let id = consent
        .query_pairs()
        .find(|(k, _)| k == "consent")
        .unwrap()
        .1
        .into_owned();
    let decided = post(
        base.join("privacy/decision").unwrap(),
        vec![
            ("consent", id),
            ("decision", "refuse".to_owned()),
            ("login", "alice".to_owned()),
            ("password", "alice-pw".to_owned()),
        ],
    )
    .await;
    assert_eq!(decided.status(), 200);
    assert_page_headers("decision", &decided);
}
