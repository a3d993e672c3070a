//! Signing a user in the way a service does: a SAML AuthnRequest to the identity provider
//! (papi-auth), the user's browser logging in there, and the signed answer verified by
//! papi-auth. Here the program plays the browser too, reading the pages' forms with an
//! HTML parser.

use papi_auth::{PostedForm, ServiceProvider};
use papi_core::UserToken;
use scraper::{Html, Selector};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The form of a page: its action URL (resolved against `page_url`) and its fields
/// (inputs with a name; the first submit button's name/value if it has one).
fn read_form(
    page_url: &papi_core::url::Url,
    html: &str,
) -> Result<(papi_core::url::Url, Vec<(String, String)>)> {
    let doc = Html::parse_document(html);
    let form_sel = Selector::parse("form").map_err(|e| e.to_string())?;
    let input_sel = Selector::parse("input[name]").map_err(|e| e.to_string())?;
    let form = doc.select(&form_sel).next().ok_or("the page has no form")?;
    let action = form.value().attr("action").unwrap_or("");
    let action = page_url.join(action)?;
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

/// Signs `login` in at the sandbox's identity provider and returns the user token the
/// verified answer carries.
pub async fn saml(
    browser: &papi_core::reqwest::Client,
    running: &papi_sandbox::RunningSandbox,
    login: &str,
    password: &str,
) -> Result<UserToken> {
    let base = running.base_url();
    let sp = ServiceProvider::new(
        base.join("demo/service")?.as_str(),
        base.join("demo/acs")?.as_str(),
        running.identity_provider()?,
    )?;
    let redirect = sp.login_redirect(Some("demo"), chrono::Utc::now())?;
    let shown: String = redirect.url.as_str().chars().take(80).collect();
    println!("    redirect to the identity provider: {shown}…");

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
    let answer = crate::consent::post_form(browser, action.clone(), &fields)
        .send()
        .await?;
    if !answer.status().is_success() {
        return Err(format!("sign-in refused: HTTP {}", answer.status()).into());
    }

    // The answer page posts the signed SAML response to the service; the service verifies it.
    let (_acs, posted) = read_form(&action, &answer.text().await?)?;
    let form = PostedForm::from_pairs(posted)?;
    let authenticated = sp.consume(&form, Some(&redirect.request_id), chrono::Utc::now())?;
    println!("    {authenticated}");
    Ok(authenticated.token)
}
