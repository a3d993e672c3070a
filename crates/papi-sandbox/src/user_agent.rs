//! The user's side of the sandbox's pages, for programs that play the user's browser
//! (demos, examples, tests): signing in at the identity provider as a service does, and
//! answering the consent page.
//!
//! Everything goes over HTTP through the same pages and forms a browser sees; nothing
//! reaches into the sandbox's state.

use papi_auth::{Authenticated, PostedForm, ServiceProvider};
use papi_core::reqwest;
use papi_core::url::{form_urlencoded, Url};
use scraper::{Html, Selector};

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

/// Opens the consent page at `redirect` (the `-3` consent URL with `urlRetour` appended)
/// and answers it with `choice`; returns where the page sent the browser back to.
/// `browser` must not follow redirects.
pub async fn answer_consent(
    browser: &reqwest::Client,
    redirect: &Url,
    choice: ConsentChoice,
) -> Result<String, BrowserError> {
    let page = browser.get(redirect.clone()).send().await?;
    if !page.status().is_success() {
        return Err(format!("the consent page answered HTTP {}", page.status()).into());
    }
    let (action, fields) = crate::decision_form(redirect, choice)
        .ok_or("the consent URL is not one of the sandbox's consent pages")?;
    let answer = post_form(browser, action, &fields).send().await?;
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

/// The result of [`sign_in`].
#[derive(Debug)]
pub struct SignedIn {
    /// The identity provider URL the service redirected the browser to (it carries the
    /// AuthnRequest).
    pub login_redirect: Url,
    /// The verified answer: the user token and the user's identifier.
    pub authenticated: Authenticated,
}

/// Signs `login` in at the sandbox's identity provider the way a service does: a SAML
/// AuthnRequest built by papi-auth, the login form filled in and submitted, and the
/// signed answer the page posts back verified by papi-auth. `service` is the service's
/// own base URL (its entity id and assertion consumer URL are derived from it).
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

    // The browser opens the login page and submits the credentials.
    let page = browser.get(redirect.url.clone()).send().await?;
    if !page.status().is_success() {
        return Err(format!("the login page answered HTTP {}", page.status()).into());
    }
    let page_url = page.url().clone();
    let (action, mut fields) = read_form(&page_url, &page.text().await?)?;
    for (name, value) in fields.iter_mut() {
        match name.as_str() {
            "login" => *value = login.to_owned(),
            "password" => *value = password.to_owned(),
            _ => {}
        }
    }
    let fields: Vec<(&str, String)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let answer = post_form(browser, action.clone(), &fields).send().await?;
    if !answer.status().is_success() {
        return Err(format!("sign-in refused: HTTP {}", answer.status()).into());
    }

    // The answer page posts the signed SAML response to the service; the service verifies it.
    let (_acs, posted) = read_form(&action, &answer.text().await?)?;
    let form = PostedForm::from_pairs(posted)?;
    let authenticated = sp.consume(&form, Some(&redirect.request_id), chrono::Utc::now())?;
    Ok(SignedIn {
        login_redirect: redirect.url,
        authenticated,
    })
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
