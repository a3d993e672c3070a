//! The user's side of the consent page, as a browser would do it: open the page the
//! service redirected to, then submit the decision form.

use papi_core::url::Url;
pub use papi_sandbox::ConsentChoice as Choice;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Opens the consent page and answers it with `choice`; returns where the page sent the
/// browser back to.
pub async fn grant(
    browser: &papi_core::reqwest::Client,
    redirect: &Url,
    choice: Choice,
) -> Result<String> {
    let page = browser.get(redirect.clone()).send().await?;
    if !page.status().is_success() {
        return Err(format!("the consent page answered HTTP {}", page.status()).into());
    }
    let (action, fields) = papi_sandbox::decision_form(redirect, choice)
        .ok_or("the consent URL is not one of the sandbox's consent pages")?;
    let answer = post_form(browser, action, &fields).send().await?;
    if !answer.status().is_redirection() {
        return Err(format!("the consent form answered HTTP {}", answer.status()).into());
    }
    let location = answer
        .headers()
        .get(papi_core::reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("the consent form did not redirect back")?;
    Ok(location.to_owned())
}

/// A `POST` of an `application/x-www-form-urlencoded` form.
pub fn post_form(
    browser: &papi_core::reqwest::Client,
    url: Url,
    fields: &[(&str, String)],
) -> papi_core::reqwest::RequestBuilder {
    let body = papi_core::url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    browser
        .post(url)
        .header(
            papi_core::reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
}
