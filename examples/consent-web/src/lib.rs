//! consent-web: a tiny third-party web site built on the papi clients, the way a real
//! service uses the Personal APIs: the visitor signs in at the identity provider (SAML Web
//! SSO through `papi-auth`), the site reads their address book with `papi-contacts`, and
//! when the user has not consented yet it sends the browser to the consent page and tries
//! again when the user comes back.
//!
//! The session cookie is `SameSite=Lax`, which suits an identity provider on the same site
//! (the sandbox on loopback). Behind a real, cross-site identity provider its answer is a
//! cross-site POST: serve the site over HTTPS with a `SameSite=None; Secure` cookie, or
//! find the session through `RelayState`.

#![deny(missing_docs)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use papi_auth::{PostedForm, ReplayCache, ServiceProvider};
use papi_core::consent_flow::{ConsentFlow, ConsentStep};
use papi_core::{Config, UserToken};

/// Session cookie of the site.
const SESSION_COOKIE: &str = "consent_web_session";
/// Where the identity provider posts its answer.
pub const ACS_PATH: &str = "/saml/acs";
/// Sessions kept at most (the oldest are dropped): an example site, not a session store.
const MAX_SESSIONS: usize = 10_000;

/// How the site is set up.
pub struct SiteConfig {
    /// The site's own base URL (its service provider entity id and assertion consumer URL
    /// derive from it).
    pub public_base: papi_core::url::Url,
    /// Client configuration of the Personal APIs (base URL and service credentials).
    pub api: Config,
    /// The identity provider to sign in with.
    pub idp: papi_auth::IdentityProviderConfig,
}

#[derive(Default)]
struct Session {
    pending_request: Option<String>,
    token: Option<UserToken>,
    created: u64,
}

struct Site {
    sp: ServiceProvider,
    /// The ids of the answers accepted, so that an answer posted twice (from the browser's
    /// history, or by someone who copied it) signs no one in again.
    replays: ReplayCache,
    contacts: papi_contacts::Client,
    /// The consent round trip, back to the home page.
    consent: ConsentFlow,
    sessions: Mutex<HashMap<String, Session>>,
    counter: std::sync::atomic::AtomicU64,
}

/// Why the site could not be built.
#[derive(Debug)]
pub struct SetupError(pub String);

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// The site's routes: `/` (the visitor's contacts) and the assertion consumer service.
pub fn app(config: SiteConfig) -> Result<Router, SetupError> {
    let acs = config
        .public_base
        .join(ACS_PATH)
        .map_err(|e| SetupError(e.to_string()))?;
    let sp = ServiceProvider::new(config.public_base.as_str(), acs.as_str(), config.idp)
        .map_err(|e| SetupError(e.to_string()))?;
    let contacts =
        papi_contacts::Client::new(&config.api).map_err(|e| SetupError(e.to_string()))?;
    let home_url = config
        .public_base
        .join("/")
        .map_err(|e| SetupError(e.to_string()))?;
    let consent = ConsentFlow::new(home_url.as_str()).map_err(|e| SetupError(e.to_string()))?;
    let site = Arc::new(Site {
        sp,
        replays: ReplayCache::default(),
        contacts,
        consent,
        sessions: Mutex::new(HashMap::new()),
        counter: std::sync::atomic::AtomicU64::new(0),
    });
    Ok(Router::new()
        .route("/", get(home))
        .route(ACS_PATH, post(acs_answer))
        .with_state(site))
}

fn random_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    ))
}

fn problem(status: StatusCode, text: &str) -> Response {
    (
        status,
        page("consent-web", &format!("<p>{}</p>", escape(text))),
    )
        .into_response()
}

fn session_id(jar: &CookieJar) -> Option<String> {
    jar.get(SESSION_COOKIE).map(|c| c.value().to_owned())
}

#[derive(serde::Deserialize)]
struct HomeQuery {
    q: Option<String>,
}

async fn home(
    State(site): State<Arc<Site>>,
    jar: CookieJar,
    Query(query): Query<HomeQuery>,
) -> Response {
    let search = query.q.unwrap_or_else(|| "Orange".to_owned());
    let sid = match session_id(&jar) {
        Some(sid) => sid,
        None => match random_id() {
            Ok(sid) => sid,
            Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
    };
    let token = site
        .sessions
        .lock()
        .ok()
        .and_then(|s| s.get(&sid).and_then(|s| s.token.clone()));
    let jar = jar.add(
        Cookie::build((SESSION_COOKIE, sid.clone()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .build(),
    );
    let Some(token) = token else {
        // Not signed in: off to the identity provider.
        let redirect = match site.sp.login_redirect(Some("/"), chrono::Utc::now()) {
            Ok(r) => r,
            Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        };
        if let Ok(mut sessions) = site.sessions.lock() {
            if sessions.len() >= MAX_SESSIONS && !sessions.contains_key(&sid) {
                if let Some(oldest) = sessions
                    .iter()
                    .min_by_key(|(_, s)| s.created)
                    .map(|(k, _)| k.clone())
                {
                    sessions.remove(&oldest);
                }
            }
            let created = site
                .counter
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let session = sessions.entry(sid).or_default();
            session.created = created;
            session.pending_request = Some(redirect.request_id.clone());
        }
        return (jar, Redirect::to(redirect.url.as_str())).into_response();
    };
    // The consent round trip (papi-core's ConsentFlow): the answer, or off to the consent
    // page, which sends the browser back here.
    let outcome = site.contacts.find_contact_list(&token, &search).await;
    match site.consent.step(outcome) {
        Ok(ConsentStep::Answered(page_of_contacts)) => {
            let mut list = String::from("<ul id=\"contacts\">");
            for c in page_of_contacts.contacts.iter().flat_map(|l| &l.entries) {
                list.push_str(&format!(
                    "<li>{} {}</li>",
                    escape(c.firstname.as_deref().unwrap_or("")),
                    escape(c.lastname.as_deref().unwrap_or(""))
                ));
            }
            list.push_str("</ul>");
            (
                jar,
                page(&format!("Your contacts matching \"{search}\""), &list),
            )
                .into_response()
        }
        Ok(ConsentStep::Redirect { url, .. }) => (jar, Redirect::to(url.as_str())).into_response(),
        Err(e) if e.is_privacy_denied() => problem(
            StatusCode::BAD_GATEWAY,
            "the refusal carries no usable consent URL",
        ),
        Err(e) => problem(StatusCode::BAD_GATEWAY, &e.to_string()),
    }
}

async fn acs_answer(
    State(site): State<Arc<Site>>,
    jar: CookieJar,
    body: axum::body::Bytes,
) -> Response {
    let Some(sid) = session_id(&jar) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "no session: start from the home page",
        );
    };
    let form = match PostedForm::parse(&body) {
        Ok(f) => f,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    // Only an answer to the request this session sent is accepted (no unsolicited answers).
    let Some(expected) = site
        .sessions
        .lock()
        .ok()
        .and_then(|mut s| s.remove(&sid))
        .and_then(|s| s.pending_request)
    else {
        return problem(
            StatusCode::BAD_REQUEST,
            "no sign-in in progress: start from the home page",
        );
    };
    let authenticated =
        match site
            .sp
            .consume_once(&form, Some(&expected), chrono::Utc::now(), &site.replays)
        {
            Ok(auth) => auth,
            Err(e) => return problem(StatusCode::FORBIDDEN, &format!("sign-in refused: {e}")),
        };
    // A fresh session id at sign-in: the one the browser came with is never trusted further.
    let fresh = match random_id() {
        Ok(id) => id,
        Err(e) => return problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    if let Ok(mut sessions) = site.sessions.lock() {
        let created = site
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        sessions.insert(
            fresh.clone(),
            Session {
                pending_request: None,
                token: Some(authenticated.token),
                created,
            },
        );
    }
    let jar = jar.add(
        Cookie::build((SESSION_COOKIE, fresh))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .build(),
    );
    (jar, (StatusCode::SEE_OTHER, [(header::LOCATION, "/")])).into_response()
}
