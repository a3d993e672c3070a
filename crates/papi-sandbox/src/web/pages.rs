//! Every HTML page of the sandbox, with the forms they post and the fields of those forms:
//! the consent page and what follows a decision, the identity provider's login page and
//! the page that posts its answer to the service. Everything shown is escaped, and every
//! page is answered with the same security headers ([`html`], [`no_store_html`]).

use std::sync::OnceLock;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use papi_core::general::CONSENT_URL;
use sha2::{Digest, Sha256};
use url::Url;

use crate::domain::consent::{ConsentKey, Decision};
use crate::domain::consent_url::CONSENT_ID_PARAM;
use crate::domain::user::TestUser;

/// Form field of the consent decision (`once`, `permanent` or `refuse`).
pub(crate) const DECISION_FIELD: &str = "decision";
/// Where the consent page's form posts.
pub(crate) const DECISION_PATH: &str = "/privacy/decision";
/// Form field of the consent page: the session's form token.
pub(crate) const CSRF_FIELD: &str = "csrf";

/// Where the login page's form posts.
pub(crate) const SAML_LOGIN_PATH: &str = "/saml/login";
/// Form fields of the login page.
pub(crate) const PENDING_FIELD: &str = "pending";
pub(crate) const LOGIN_FIELD: &str = "login";
pub(crate) const PASSWORD_FIELD: &str = "password";

/// The script of the page that posts the answer to the service, the only script of the
/// sandbox's pages (allowed by its hash).
const AUTO_POST_SCRIPT: &str = "document.getElementById(\"saml-answer\").submit();";

/// The `Content-Security-Policy` of every page: nothing loaded from anywhere, no script but
/// [`AUTO_POST_SCRIPT`], never shown in a frame. Forms may post elsewhere: the answer page
/// posts to the service.
fn content_security_policy() -> &'static HeaderValue {
    static POLICY: OnceLock<HeaderValue> = OnceLock::new();
    POLICY.get_or_init(|| {
        let hash = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(AUTO_POST_SCRIPT.as_bytes()));
        let policy = format!(
            "default-src 'none'; script-src 'sha256-{hash}'; frame-ancestors 'none'; base-uri 'none'"
        );
        HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        ))
    })
}

/// An HTML answer, with the headers of every page: never in a frame (`X-Frame-Options`,
/// `frame-ancestors`), the content security policy, no type sniffing.
pub(crate) fn html(status: StatusCode, page: String) -> Response {
    let mut response = (status, Html(page)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        content_security_policy().clone(),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Escapes text for HTML content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole HTML page with a title and a body (already escaped).
fn page(title: &str, body: &str) -> String {
    format!(
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n<h1>{}</h1>\n{body}\n</body>\n</html>\n",
        escape(title),
        escape(title)
    )
}

/// A hidden form field.
fn hidden(name: &str, value: &str) -> String {
    format!(
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        escape(name),
        escape(value)
    )
}

/// The note saying what went wrong, above a form; nothing without one.
fn alert(note: Option<&str>) -> String {
    note.map(|n| format!("<p role=\"alert\"><strong>{}</strong></p>\n", escape(n)))
        .unwrap_or_default()
}

/// The login and password fields of a form, the login filled in with `login` if given.
fn credential_fields(login: Option<&str>) -> String {
    let value = login
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        .map(|l| format!(" value=\"{}\"", escape(l)))
        .unwrap_or_default();
    format!(
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        "<p><label>Login <input name=\"{login_field}\"{value} autocomplete=\"username\" required></label></p>\n\
         <p><label>Password <input type=\"password\" name=\"{password_field}\" autocomplete=\"current-password\" required></label></p>\n",
        login_field = escape(LOGIN_FIELD),
        password_field = escape(PASSWORD_FIELD),
    )
}

/// A page titled `title` saying only `message`.
fn message_page(title: &str, message: &str) -> String {
    page(title, &format!("<p>{}</p>", escape(message)))
}

/// Title of the consent page and of its problem pages.
const CONSENT_TITLE: &str = "Privacy consent (papi sandbox)";
/// Title of the login page and of the sign-in's problem pages.
const SIGN_IN_TITLE: &str = "Sign in (papi sandbox)";

/// The consent page's buttons, in the order shown, with their labels.
const DECISION_BUTTONS: [(Decision, &str); 3] = [
    (Decision::Once, "Grant once"),
    (Decision::Permanent, "Grant permanently"),
    (Decision::Refused, "Refuse"),
];

/// How the consent page asks who answers it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Answering<'a> {
    /// The consent's user is signed in: the form carries the session's form token.
    Session { csrf: &'a str },
    /// Nobody, or another user, is signed in: the form asks for the consent's user's login
    /// and password (which also sign them in), with a note saying why, if any.
    SignIn { note: Option<&'a str> },
}

/// The consent page of a pending request.
pub(crate) fn consent_page(
    id: &str,
    key: &ConsentKey,
    return_url: Option<&str>,
    answering: Answering<'_>,
) -> String {
    let what = match key.attribute {
        Some(attribute) => format!(
            "the <strong>{}</strong> data of the <strong>{}</strong> family",
            escape(attribute),
            escape(key.family)
        ),
        None => format!(
            "all the data of the <strong>{}</strong> family",
            escape(key.family)
        ),
    };
    let return_field = return_url
        .map(|r| hidden(CONSENT_URL.return_url, r))
        .unwrap_or_default();
    let who = match answering {
        Answering::Session { csrf } => hidden(CSRF_FIELD, csrf),
        Answering::SignIn { note } => format!(
            "{}<p>Sign in as <strong>{}</strong> to answer.</p>\n{}",
            alert(note),
            escape(&key.user),
            credential_fields(Some(&key.user)),
        ),
    };
    let buttons: String = DECISION_BUTTONS
        .iter()
        .map(|(decision, label)| {
            format!(
                // tidy: not the API's wire format: HTML of the sandbox's own pages
                "<button type=\"submit\" name=\"{}\" value=\"{}\">{}</button>\n",
                escape(DECISION_FIELD),
                escape(decision.form_value()),
                escape(label)
            )
        })
        .collect();
    let body = format!(
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        "<p>Sandbox user <strong>{user}</strong>: the service <strong>{service}</strong> asks to access {what}.</p>\n\
         <form method=\"post\" action=\"{action}\">\n\
         {id_field}\
         {return_field}\
         {who}\
         {buttons}\
         </form>",
        user = escape(&key.user),
        service = escape(&key.service),
        action = escape(DECISION_PATH),
        id_field = hidden(CONSENT_ID_PARAM, id),
    );
    page(CONSENT_TITLE, &body)
}

/// The page shown after a decision when there is no usable return URL.
pub(crate) fn decided_page(key: &ConsentKey, decision: Decision) -> String {
    let body = format!(
        "<p>Access of the service <strong>{}</strong> to the <strong>{}</strong> family{} was {}.</p>",
        escape(&key.service),
        escape(key.family),
        key.attribute
            .map(|a| format!(" (<strong>{}</strong>)", escape(a)))
            .unwrap_or_default(),
        decision.describe()
    );
    page("Privacy consent recorded (papi sandbox)", &body)
}

/// A page of the consent page's flow saying what went wrong.
pub(crate) fn consent_problem_page(message: &str) -> String {
    message_page(CONSENT_TITLE, message)
}

/// The login page of a sign-in in progress.
pub(crate) fn login_page(
    users: &[TestUser],
    pending_id: &str,
    issuer: &str,
    acs: &Url,
    error: Option<&str>,
) -> String {
    let mut logins: Vec<&str> = users.iter().map(|u| u.login.as_str()).collect();
    logins.dedup();
    let users = logins
        .iter()
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        .map(|l| format!("<code>{}</code>", escape(l)))
        .collect::<Vec<_>>()
        .join(", ");
    let body = format!(
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        "<p>The service <strong>{issuer}</strong> asks you to sign in; your sign-in will be \
         sent to <strong>{acs}</strong>.</p>\n\
         <p>This is the papi sandbox's test identity provider. Test users: {users} (passwords \
         in the <code>papi-sandbox</code> documentation).</p>\n\
         {error}\
         <form method=\"post\" action=\"{action}\">\n\
         {pending}\
         {credentials}\
         <p><button type=\"submit\">Sign in</button></p>\n\
         </form>",
        issuer = escape(issuer),
        acs = escape(&acs.origin().ascii_serialization()),
        error = alert(error),
        action = escape(SAML_LOGIN_PATH),
        pending = hidden(PENDING_FIELD, pending_id),
        credentials = credential_fields(None),
    );
    page(SIGN_IN_TITLE, &body)
}

/// The page that posts the answer to the service: submitted by script, or by the visible
/// button without JavaScript.
pub(crate) fn auto_post_page(acs_url: &Url, fields: &[(&'static str, String)]) -> String {
    let inputs: String = fields
        .iter()
        .map(|(name, value)| hidden(name, value))
        .collect();
    let body = format!(
        // tidy: not the API's wire format: HTML of the sandbox's own pages
        "<noscript><p>JavaScript is off: press the button to go back to the service.</p></noscript>\n\
         <form id=\"saml-answer\" method=\"post\" action=\"{action}\">\n\
         {inputs}\
         <button type=\"submit\">Continue to the service</button>\n\
         </form>\n\
         <script>{AUTO_POST_SCRIPT}</script>",
        action = escape(acs_url.as_str()),
    );
    page("Signing in (papi sandbox)", &body)
}

/// A page of the sign-in flow saying what went wrong.
pub(crate) fn sign_in_problem_page(message: &str) -> String {
    message_page(SIGN_IN_TITLE, message)
}

/// An HTML answer that no cache keeps (it may carry a token), with the headers of every
/// page ([`html`]).
pub(crate) fn no_store_html(status: StatusCode, body: String) -> Response {
    let mut response = html(status, body);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_pages_escape_everything() {
        let k = ConsentKey {
            user: "<script>".into(),
            service: "svc".into(),
            family: "contact",
            attribute: Some("see"),
        };
        for answering in [
            Answering::Session { csrf: "<c>" },
            Answering::SignIn {
                note: Some("<note>"),
            },
        ] {
            let page = consent_page("i\"d", &k, Some("http://x/?a=1&b=\"<"), answering);
            assert!(!page.contains("<script>"), "{page}");
            assert!(page.contains("&lt;script&gt;"));
            assert!(page.contains("i&quot;d"));
            assert!(page.contains("a=1&amp;b=&quot;&lt;"));
            assert!(!page.contains("<c>") && !page.contains("<note>"), "{page}");
        }
    }

    #[test]
    fn each_consent_button_sends_the_value_its_decision_is_read_from() {
        let k = ConsentKey {
            user: "alice".into(),
            service: "svc".into(),
            family: "contact",
            attribute: None,
        };
        let page = consent_page("id", &k, None, Answering::Session { csrf: "c" });
        for (decision, _) in DECISION_BUTTONS {
            let value = decision.form_value();
            assert!(page.contains(&format!("value=\"{value}\"")), "{page}");
            assert_eq!(Decision::from_form(value), Some(decision));
        }
    }

    #[test]
    fn sign_in_pages_escape_what_they_show() {
        let acs = Url::parse("https://sp.example/acs?a=1&b=\"<x>").unwrap();
        let page = auto_post_page(&acs, &[("RelayState", "\"><script>x</script>".to_owned())]);
        assert!(!page.contains("<script>x"), "{page}");
        assert!(page.contains("&quot;&gt;&lt;script&gt;"), "{page}");
        assert!(page.contains("a=1&amp;b=%22%3Cx%3E"), "{page}");
    }
}
