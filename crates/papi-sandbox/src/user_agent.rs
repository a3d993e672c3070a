//! The user's side of the sandbox's pages, for programs that play the user's browser
//! (demos, examples, tests): signing in at the identity provider as a service does, which
//! opens the user's browser session, and answering the consent page in that session.
//!
//! Everything goes over HTTP through the same pages and forms a browser sees, with the
//! cookies and the `Origin` a browser sends; nothing reaches into the sandbox's state.
//! (Scripts that have no session can post [`crate::decision_form`] instead.)

use std::fmt;

use cookie::Cookie;
use papi_auth::{Authenticated, PostedForm, ServiceProvider};
use papi_core::reqwest;
use papi_core::url::{form_urlencoded, Url};
use scraper::{Html, Selector};

use crate::web::pages::{LOGIN_FIELD, PASSWORD_FIELD};
use crate::{ConsentChoice, RunningSandbox};

/// What went wrong while acting as the user's browser.
pub type BrowserError = Box<dyn std::error::Error + Send + Sync>;

/// A `POST` of an `application/x-www-form-urlencoded` form.
pub fn post_form(
    browser: &reqwest::Client,
    url: Url,
    fields: &[(&str, String)],
) -> reqwest::RequestBuilder {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    browser
        .post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
}

/// The user's browser session at the sandbox, as a browser keeps it: the cookies the
/// sandbox set when the user signed in (their values are never shown by `Debug`).
#[derive(Clone, Default)]
pub struct BrowserSession {
    cookies: Vec<(String, String)>,
}

impl fmt::Debug for BrowserSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.cookies.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("BrowserSession")
            .field("cookies", &names)
            .finish()
    }
}

impl BrowserSession {
    /// Keeps the cookies an answer sets (a later one replaces one of the same name).
    fn keep(&mut self, answer: &reqwest::Response) {
        let set = answer
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| Cookie::parse(v).ok());
        for cookie in set {
            self.cookies.retain(|(name, _)| name != cookie.name());
            self.cookies
                .push((cookie.name().to_owned(), cookie.value().to_owned()));
        }
    }

    /// The `Cookie` header a browser sends with them; `None` without any.
    fn header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// `request` with the session's cookies.
    fn send_with(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.header() {
            Some(cookies) => request.header(reqwest::header::COOKIE, cookies),
            None => request,
        }
    }
}

/// Opens the consent page at `redirect` (the `-3` consent URL with `urlRetour` appended) in
/// the user's browser `session` (from [`sign_in`]) and answers it with `choice`, as the
/// page's form does (its form token, the page's `Origin`); returns where the page sent the
/// browser back to. `browser` must not follow redirects. Fails when the session is not
/// the consent's user's (the page then asks for a password).
pub async fn answer_consent(
    browser: &reqwest::Client,
    session: &BrowserSession,
    redirect: &Url,
    choice: ConsentChoice,
) -> Result<String, BrowserError> {
    answer_page(browser, session, None, redirect, choice).await
}

/// [`answer_consent`] for a user who is not signed in (a program that issued its token
/// with [`crate::Sandbox::issue_token`]): the user types `login` and `password` into the
/// consent page's own form, which also opens their session.
pub async fn answer_consent_signing_in(
    browser: &reqwest::Client,
    redirect: &Url,
    choice: ConsentChoice,
    login: &str,
    password: &str,
) -> Result<String, BrowserError> {
    let session = BrowserSession::default();
    answer_page(browser, &session, Some((login, password)), redirect, choice).await
}

/// Opens the consent page in `session`, fills in `credentials` when it asks for them, and
/// presses the button of `choice`; returns where the page sent the browser back to.
async fn answer_page(
    browser: &reqwest::Client,
    session: &BrowserSession,
    credentials: Option<(&str, &str)>,
    redirect: &Url,
    choice: ConsentChoice,
) -> Result<String, BrowserError> {
    let page = session
        .send_with(browser.get(redirect.clone()))
        .send()
        .await?;
    if !page.status().is_success() {
        return Err(format!("the consent page answered HTTP {}", page.status()).into());
    }
    let html = page.text().await?;
    let (action, mut fields) = read_form(redirect, &html)?;
    if fields.iter().any(|(name, _)| name == PASSWORD_FIELD) {
        let Some((login, password)) = credentials else {
            return Err(
                "the consent page asks for a password: the browser session is not \
                        the consent's user's"
                    .into(),
            );
        };
        fill_in(&mut fields, login, password);
    }
    fields.push(clicked(&html, choice)?);
    let fields: Vec<(&str, String)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let origin = redirect.origin().ascii_serialization();
    let answer = session
        .send_with(post_form(browser, action, &fields))
        .header(reqwest::header::ORIGIN, origin)
        .send()
        .await?;
    if !answer.status().is_redirection() {
        return Err(format!("the consent form answered HTTP {}", answer.status()).into());
    }
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("the consent form did not redirect back")?;
    Ok(location.to_owned())
}

/// The name and value of the consent page's button for `choice`, as a browser sends the
/// one clicked.
fn clicked(html: &str, choice: ConsentChoice) -> Result<(String, String), BrowserError> {
    let button = Selector::parse("form button[name][value]").map_err(|e| e.to_string())?;
    let found = Html::parse_document(html)
        .select(&button)
        .map(|b| (b.value().attr("name"), b.value().attr("value")))
        .find_map(|(name, value)| match (name, value) {
            (Some(name), Some(value)) if value == choice.form_value() => {
                Some((name.to_owned(), value.to_owned()))
            }
            _ => None,
        });
    Ok(found.ok_or("the consent page has no button for this choice")?)
}

/// Types `login` and `password` into a form's login and password fields.
fn fill_in(fields: &mut [(String, String)], login: &str, password: &str) {
    for (name, value) in fields.iter_mut() {
        if name == LOGIN_FIELD {
            *value = login.to_owned();
        } else if name == PASSWORD_FIELD {
            *value = password.to_owned();
        }
    }
}

/// The result of [`sign_in`].
#[derive(Debug)]
pub struct SignedIn {
    /// The identity provider URL the service redirected the browser to (it carries the
    /// AuthnRequest).
    pub login_redirect: Url,
    /// The verified answer: the user token and the user's identifier.
    pub authenticated: Authenticated,
    /// The user's browser session at the sandbox, opened by signing in: for
    /// [`answer_consent`].
    pub session: BrowserSession,
}

/// Signs `login` in at the sandbox's identity provider the way a service does: a SAML
/// AuthnRequest built by papi-auth, the login form filled in and submitted, and the
/// signed answer the page posts back verified by papi-auth. `service` is the service's
/// own base URL (its entity id and assertion consumer URL are derived from it). The
/// sandbox also opens the user's browser session, kept in [`SignedIn::session`].
pub async fn sign_in(
    browser: &reqwest::Client,
    running: &RunningSandbox,
    service: &Url,
    login: &str,
    password: &str,
) -> Result<SignedIn, BrowserError> {
    sign_in_trusting(
        browser,
        running.identity_provider()?,
        service,
        login,
        password,
    )
    .await
}

/// [`sign_in`] at any identity provider the service trusts, such as one read from a
/// standalone sandbox's metadata (`GET /saml/metadata`, read with
/// [`papi_auth::IdentityProviderConfig::fetch_metadata`]).
pub async fn sign_in_trusting(
    browser: &reqwest::Client,
    idp: papi_auth::IdentityProviderConfig,
    service: &Url,
    login: &str,
    password: &str,
) -> Result<SignedIn, BrowserError> {
    let sp = ServiceProvider::new(
        service.join("service")?.as_str(),
        service.join("acs")?.as_str(),
        idp,
    )?;
    let redirect = sp.login_redirect(Some("papi"), chrono::Utc::now())?;
    let (posted, session) = log_in_keeping_session(browser, &redirect.url, login, password).await?;
    let form = PostedForm::from_pairs(posted)?;
    let authenticated = sp.consume(&form, Some(&redirect.request_id), chrono::Utc::now())?;
    Ok(SignedIn {
        login_redirect: redirect.url,
        authenticated,
        session,
    })
}

/// Plays the user at the identity provider: opens the login page at `login_url` (a
/// service's login redirect), submits `login` and `password`, and returns the form the
/// answer page posts to the service's assertion consumer URL, as its fields.
pub async fn log_in(
    browser: &reqwest::Client,
    login_url: &Url,
    login: &str,
    password: &str,
) -> Result<Vec<(String, String)>, BrowserError> {
    Ok(log_in_keeping_session(browser, login_url, login, password)
        .await?
        .0)
}

/// [`log_in`], with the browser session the sign-in opened.
async fn log_in_keeping_session(
    browser: &reqwest::Client,
    login_url: &Url,
    login: &str,
    password: &str,
) -> Result<(Vec<(String, String)>, BrowserSession), BrowserError> {
    // The browser opens the login page and submits the credentials.
    let page = browser.get(login_url.clone()).send().await?;
    if !page.status().is_success() {
        return Err(format!("the login page answered HTTP {}", page.status()).into());
    }
    let page_url = page.url().clone();
    let (action, mut fields) = read_form(&page_url, &page.text().await?)?;
    fill_in(&mut fields, login, password);
    let fields: Vec<(&str, String)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let answer = post_form(browser, action.clone(), &fields).send().await?;
    if !answer.status().is_success() {
        return Err(format!("sign-in refused: HTTP {}", answer.status()).into());
    }
    let mut session = BrowserSession::default();
    session.keep(&answer);
    // The answer page posts the signed SAML response to the service.
    let (_acs, posted) = read_form(&action, &answer.text().await?)?;
    Ok((posted, session))
}

/// [`log_in`], its result as the `application/x-www-form-urlencoded` body the browser
/// posts (what a service's assertion consumer receives).
pub async fn log_in_body(
    browser: &reqwest::Client,
    login_url: &Url,
    login: &str,
    password: &str,
) -> Result<Vec<u8>, BrowserError> {
    let posted = log_in(browser, login_url, login, password).await?;
    Ok(form_urlencoded::Serializer::new(String::new())
        .extend_pairs(posted)
        .finish()
        .into_bytes())
}

/// The first form of a page: its action URL (resolved against `page_url`) and its named
/// inputs with their values.
fn read_form(page_url: &Url, html: &str) -> Result<(Url, Vec<(String, String)>), BrowserError> {
    let doc = Html::parse_document(html);
    let form_sel = Selector::parse("form").map_err(|e| e.to_string())?;
    let input_sel = Selector::parse("input[name]").map_err(|e| e.to_string())?;
    let form = doc.select(&form_sel).next().ok_or("the page has no form")?;
    let action = page_url.join(form.value().attr("action").unwrap_or(""))?;
    let fields = form
        .select(&input_sel)
        .filter_map(|i| {
            let name = i.value().attr("name")?;
            Some((
                name.to_owned(),
                i.value().attr("value").unwrap_or("").to_owned(),
            ))
        })
        .collect();
    Ok((action, fields))
}
