//! Attacks on the sandbox's consent page, each reproduced against a running sandbox: a
//! service deciding for the user with its own credentials and the consent id, a form
//! forged by another site, another user's session, and a return URL off the service's
//! sites (an open redirect).

mod sandbox_env;

use papi_auth::chrono::Utc;
use papi_auth::ServiceProvider;
use papi_core::reqwest;
use papi_core::url::{form_urlencoded, Url};
use papi_sandbox::SandboxConfig;
use sandbox_env::{Env, RETURN_URL};
use scraper::{Html, Selector};

/// The named inputs of the first form of `html`, with their values.
fn form_fields(html: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let input = Selector::parse("form input[name]").unwrap();
    doc.select(&input)
        .map(|i| {
            let v = i.value();
            let value = v.attr("value").unwrap_or_default().to_owned();
            (v.attr("name").unwrap().to_owned(), value)
        })
        .collect()
}

fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// What a browser sends with a form post.
#[derive(Default, Clone)]
struct Sent<'a> {
    cookie: Option<&'a str>,
    origin: Option<&'a str>,
    referer: Option<&'a str>,
}

impl Env {
    fn base(&self) -> &Url {
        self.running.base_url()
    }

    /// A refused call of `login`'s: the consent URL its privacy error carries, and its id.
    async fn consent_request(&self, login: &str) -> (Url, String) {
        let token = self.sandbox.issue_token(login).unwrap();
        let e = self
            .contacts()
            .find_contact_list(&token, "Orange")
            .await
            .unwrap_err();
        assert!(e.is_privacy_denied(), "{e:?}");
        let url = e.consent().unwrap().redirect_url(RETURN_URL).unwrap();
        let id = url
            .query_pairs()
            .find(|(k, _)| k == "consent")
            .unwrap()
            .1
            .into_owned();
        (url, id)
    }

    /// Whether `login`'s calls are granted (the privacy check passes).
    async fn granted(&self, login: &str) -> bool {
        let token = self.sandbox.issue_token(login).unwrap();
        match self.contacts().find_contact_list(&token, "Orange").await {
            Ok(_) => true,
            Err(e) if e.is_privacy_denied() => false,
            Err(e) => panic!("{e:?}"),
        }
    }

    /// Opens a page as a browser with `cookie`: the status and the page.
    async fn visit(&self, url: &Url, cookie: Option<&str>) -> (u16, String) {
        let mut request = self.http.get(url.clone());
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let answer = request.send().await.unwrap();
        (answer.status().as_u16(), answer.text().await.unwrap())
    }

    /// Posts the decision form `fields` with what a browser sends.
    async fn post_decision(&self, fields: &[(&str, &str)], sent: Sent<'_>) -> reqwest::Response {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request = self
            .http
            .post(self.base().join("privacy/decision").unwrap())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        for (name, value) in [
            ("cookie", sent.cookie),
            ("origin", sent.origin),
            ("referer", sent.referer),
        ] {
            if let Some(value) = value {
                request = request.header(name, value);
            }
        }
        request.send().await.unwrap()
    }

    /// Signs `login` in at the identity provider as a browser does (a service on loopback
    /// asking); returns the session cookie (`name=value`) it set, after checking its
    /// attributes.
    async fn signed_in(&self, login: &str, password: &str) -> String {
        let sp = ServiceProvider::new(
            "http://127.0.0.1:9/sp",
            "http://127.0.0.1:9/acs",
            self.running.identity_provider().unwrap(),
        )
        .unwrap();
        let redirect = sp.login_redirect(None, Utc::now()).unwrap();
        let (status, page) = self.visit(&redirect.url, None).await;
        assert_eq!(status, 200, "{page}");
        let pending = field(&form_fields(&page), "pending").unwrap();
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("pending", pending.as_str()),
                ("login", login),
                ("password", password),
            ])
            .finish();
        let answer = self
            .http
            .post(self.base().join("saml/login").unwrap())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let set = answer.headers()["set-cookie"].to_str().unwrap().to_owned();
        for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
            assert!(set.contains(part), "{set} lacks {part}");
        }
        let cookie = set.split(';').next().unwrap().to_owned();
        let (name, id) = cookie.split_once('=').unwrap();
        assert_eq!(name, "papi_sandbox_session");
        assert_eq!(id.len(), 64, "a random 256-bit id");
        cookie
    }

    /// The consent page of `url` opened in the session `cookie`: its form token.
    async fn csrf(&self, url: &Url, cookie: &str) -> String {
        let (status, page) = self.visit(url, Some(cookie)).await;
        assert_eq!(status, 200, "{page}");
        let fields = form_fields(&page);
        assert_eq!(field(&fields, "password"), None, "signed in: {page}");
        field(&fields, "csrf").expect("the session's form token")
    }
}

/// Checks that a decision sent the user back to the service and granted Alice's access.
async fn assert_back_and_granted(env: &Env, answer: reqwest::Response) {
    assert_eq!(answer.status(), 303);
    assert_eq!(answer.headers()["location"], RETURN_URL);
    assert!(env.granted("alice").await);
}

#[tokio::test]
async fn the_service_alone_cannot_decide_for_the_user() {
    let env = Env::open_db(None).await;
    let (url, id) = env.consent_request("alice").await;
    // The attack: the service posts the decision with what it holds, the consent id.
    let forged = env
        .post_decision(
            &[("consent", &id), ("decision", "permanent")],
            Sent::default(),
        )
        .await;
    assert_eq!(forged.status(), 403);
    assert!(forged.headers().get("location").is_none());
    assert!(!env.granted("alice").await);
    // Nor with a wrong password, nor with another user's own.
    for (login, password, status) in [("alice", "wrong", 401), ("bob", "bob-pw", 403)] {
        let fields = [
            ("consent", id.as_str()),
            ("decision", "permanent"),
            ("login", login),
            ("password", password),
        ];
        let answer = env.post_decision(&fields, Sent::default()).await;
        assert_eq!(answer.status(), status, "{login}");
    }
    assert!(!env.granted("alice").await);
    // Without a session the page asks for the user's password; the user answers there.
    let (status, page) = env.visit(&url, None).await;
    assert_eq!(status, 200);
    let fields = form_fields(&page);
    assert_eq!(field(&fields, "login").as_deref(), Some("alice"));
    assert!(field(&fields, "password").is_some() && field(&fields, "csrf").is_none());
    let fields = [
        ("consent", id.as_str()),
        ("decision", "permanent"),
        ("login", "alice"),
        ("password", "alice-pw"),
        ("urlRetour", RETURN_URL),
    ];
    let answer = env.post_decision(&fields, Sent::default()).await;
    assert!(answer.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("HttpOnly"));
    assert_back_and_granted(&env, answer).await;
}

#[tokio::test]
async fn a_form_forged_by_another_site_cannot_decide() {
    let env = Env::open_db(None).await;
    let cookie = env.signed_in("alice", "alice-pw").await;
    let (url, id) = env.consent_request("alice").await;
    let csrf = env.csrf(&url, &cookie).await;
    let own = env.base().origin().ascii_serialization();
    let decision = |token: Option<&'static str>| {
        let mut fields = vec![
            ("consent", id.clone()),
            ("decision", "permanent".to_owned()),
            ("urlRetour", RETURN_URL.to_owned()),
        ];
        match token {
            Some("right") => fields.push(("csrf", csrf.clone())),
            Some(other) => fields.push(("csrf", other.to_owned())),
            None => {}
        }
        fields
    };
    // The session's cookie is sent (as a lax browser would), but the form is forged.
    let attacks = [
        (None, Some("https://evil.example"), None),
        (None, None, None),
        (Some("0123456789abcdef0123456789abcdef"), None, None),
        (Some("right"), Some("https://evil.example"), None),
        (Some("right"), Some("null"), None),
        (Some("right"), None, Some("https://evil.example/page")),
    ];
    for (token, origin, referer) in attacks {
        let fields = decision(token);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let sent = Sent {
            cookie: Some(&cookie),
            origin,
            referer,
        };
        let answer = env.post_decision(&fields, sent).await;
        assert_eq!(answer.status(), 403, "{token:?} {origin:?} {referer:?}");
        assert!(!env.granted("alice").await);
    }
    // The page's own form, from the page.
    let fields = decision(Some("right"));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sent = Sent {
        cookie: Some(&cookie),
        origin: Some(&own),
        referer: Some(url.as_str()),
    };
    let answer = env.post_decision(&fields, sent).await;
    assert_back_and_granted(&env, answer).await;
}

#[tokio::test]
async fn another_users_session_cannot_decide() {
    let env = Env::open_db(None).await;
    let bob = env.signed_in("bob", "bob-pw").await;
    let (bobs_url, _) = env.consent_request("bob").await;
    let bobs_csrf = env.csrf(&bobs_url, &bob).await;
    let (alices_url, alices_id) = env.consent_request("alice").await;
    // Bob's session on Alice's page: asked for Alice's password, no form token.
    let (status, page) = env.visit(&alices_url, Some(&bob)).await;
    assert_eq!(status, 200);
    assert!(page.contains("signed in as bob"), "{page}");
    assert_eq!(field(&form_fields(&page), "csrf"), None);
    // The attack: Bob answers Alice's request with his own session and form token.
    let fields = [
        ("consent", alices_id.as_str()),
        ("decision", "permanent"),
        ("csrf", bobs_csrf.as_str()),
    ];
    let sent = Sent {
        cookie: Some(&bob),
        ..Sent::default()
    };
    let answer = env.post_decision(&fields, sent).await;
    assert_eq!(answer.status(), 403);
    assert!(!env.granted("alice").await);
    // Alice's request is still hers to answer.
    let alice = env.signed_in("alice", "alice-pw").await;
    let csrf = env.csrf(&alices_url, &alice).await;
    let fields = [
        ("consent", alices_id.as_str()),
        ("decision", "permanent"),
        ("csrf", csrf.as_str()),
    ];
    let sent = Sent {
        cookie: Some(&alice),
        ..Sent::default()
    };
    assert_eq!(env.post_decision(&fields, sent).await.status(), 200);
    assert!(env.granted("alice").await);
    // An unknown (or expired) session is no session.
    let (_, page) = env
        .visit(&bobs_url, Some("papi_sandbox_session=00ff"))
        .await;
    assert!(field(&form_fields(&page), "password").is_some(), "{page}");
}

#[tokio::test]
async fn a_return_url_off_the_services_sites_gets_an_error_page_never_a_redirect() {
    let env = Env::open(SandboxConfig::default()).await;
    let (_, id) = env.consent_request("alice").await;
    let evil = "https://evil.example/phish";
    let mut page_url = env.base().join("privacy/interaction.do").unwrap();
    page_url
        .query_pairs_mut()
        .append_pair("consent", &id)
        .append_pair("urlRetour", evil);
    // The page refuses before the user answers.
    let (status, page) = env.visit(&page_url, None).await;
    assert_eq!(status, 400);
    assert!(page.contains("https://evil.example"), "{page}");
    assert!(form_fields(&page).is_empty(), "no form: {page}");
    // And so does the decision, even signed in: nothing decided, no redirect.
    let answer = |id: String, decision: &'static str, back: &'static str| {
        let fields = [
            ("consent", id),
            ("decision", decision.to_owned()),
            ("login", "alice".to_owned()),
            ("password", "alice-pw".to_owned()),
            ("urlRetour", back.to_owned()),
        ];
        let env = &env;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            env.post_decision(&fields, Sent::default()).await
        }
    };
    let refused = answer(id, "permanent", evil).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.headers().get("location").is_none());
    assert!(!env.granted("alice").await);
    // The registered site, and loopback, are where the user goes back to (refusing, so
    // that the next call asks again).
    for back in [
        RETURN_URL,
        "http://127.0.0.1:3000/back?x=1",
        "http://localhost/b",
    ] {
        let (_, id) = env.consent_request("alice").await;
        let answered = answer(id, "refuse", back).await;
        assert_eq!(answered.status(), 303, "{back}");
        assert_eq!(answered.headers()["location"], back);
    }
}
