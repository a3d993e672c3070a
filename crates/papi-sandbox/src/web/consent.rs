//! The consent page (`GET` on the documented privacy page's path) and the user's decision
//! (`POST /privacy/decision`); and the form a program playing the user's browser posts.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use papi_core::general::CONSENT_URL;
use url::{form_urlencoded, Url};

use crate::domain::consent::{ConsentChoice, Decision};
use crate::domain::consent_url::CONSENT_ID_PARAM;
use crate::web::app::App;
use crate::web::pages::{
    consent_page, consent_problem_page, decided_page, html, DECISION_FIELD, DECISION_PATH,
};

const UNKNOWN: &str = "This consent request is unknown or has already been answered.";

fn query_value(uri: &Uri, name: &str) -> Option<String> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `GET` on the consent page.
pub(crate) async fn page(State(app): State<Arc<App>>, uri: Uri) -> Response {
    let id = query_value(&uri, CONSENT_ID_PARAM).unwrap_or_default();
    let return_url = query_value(&uri, CONSENT_URL.return_url);
    match app.service.pending_consent(&id) {
        Some(key) => html(
            StatusCode::OK,
            consent_page(&id, &key, return_url.as_deref()),
        ),
        None => html(StatusCode::NOT_FOUND, consent_problem_page(UNKNOWN)),
    }
}

/// `POST` of the consent page's form.
pub(crate) async fn decision(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let Some(decision) = form
        .get(DECISION_FIELD)
        .and_then(|d| Decision::from_form(d))
    else {
        return html(
            StatusCode::BAD_REQUEST,
            consent_problem_page("Choose one of the three answers."),
        );
    };
    let id = form
        .get(CONSENT_ID_PARAM)
        .map(String::as_str)
        .unwrap_or_default();
    let id = id.to_owned();
    let service = Arc::clone(&app.service);
    let decided = tokio::task::spawn_blocking(move || service.decide_consent(&id, decision))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    let key = match decided {
        Ok(Some(key)) => key,
        Ok(None) => return html(StatusCode::NOT_FOUND, consent_problem_page(UNKNOWN)),
        Err(e) => {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot store a consent decision");
            return html(
                StatusCode::INTERNAL_SERVER_ERROR,
                consent_problem_page("The sandbox cannot store this decision (see its log)."),
            );
        }
    };
    let back = usable_return_url(form.get(CONSENT_URL.return_url).map(String::as_str));
    match back.and_then(|u| HeaderValue::from_str(u.as_str()).ok()) {
        Some(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        None => html(StatusCode::OK, decided_page(&key, decision)),
    }
}

/// The return URL, if it is an absolute http(s) URL.
fn usable_return_url(raw: Option<&str>) -> Option<Url> {
    let url = Url::parse(raw?).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

/// The form the consent page posts for `choice`, for programs that act as the user's
/// browser (demos, tests): the decision URL and its form fields. `consent_redirect` is the
/// URL the service sent the browser to (the `-3` URL with `urlRetour` appended); `None` when
/// it is not one of this sandbox's consent URLs.
pub fn decision_form(
    consent_redirect: &Url,
    choice: ConsentChoice,
) -> Option<(Url, Vec<(&'static str, String)>)> {
    let pairs: HashMap<String, String> = consent_redirect.query_pairs().into_owned().collect();
    let id = pairs.get(CONSENT_ID_PARAM)?.clone();
    let decision = Decision::from(choice);
    let mut fields = vec![
        (CONSENT_ID_PARAM, id),
        (DECISION_FIELD, decision.form_value().to_owned()),
    ];
    if let Some(back) = pairs.get(CONSENT_URL.return_url) {
        fields.push((CONSENT_URL.return_url, back.clone()));
    }
    let url = consent_redirect.join(DECISION_PATH).ok()?;
    Some((url, fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_web_return_urls_are_followed() {
        assert!(usable_return_url(Some("https://my.site/back?x=1")).is_some());
        for bad in ["/back", "javascript:alert(1)", "ftp://x/", ""] {
            assert!(usable_return_url(Some(bad)).is_none(), "{bad}");
        }
    }
}
