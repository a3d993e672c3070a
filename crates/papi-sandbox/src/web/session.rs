//! The browser's side of a session: the cookie that carries its id, and the check that a
//! form was posted from the sandbox's own pages (`Origin`, else `Referer`, when sent).

use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue};
use cookie::{Cookie, SameSite};
use url::Url;

use crate::domain::session::SESSION_TTL;
use crate::web::app::{off_workers, App};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "papi_sandbox_session";

/// Opens a browser session for `login` (off the async workers when the store waits on
/// I/O): the `Set-Cookie` that carries it; `None` when it cannot be opened (logged).
pub(crate) async fn open_session(app: &Arc<App>, login: &str) -> Option<HeaderValue> {
    let login = login.to_owned();
    let secure = app
        .service
        .settings
        .public_origin
        .as_ref()
        .is_some_and(|public| public.scheme() == "https");
    off_workers(app, move |app| app.service.open_session(&login))
        .await
        .unwrap_or_else(|e| {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot open a browser session");
            None
        })
        .and_then(|id| set_session_cookie(&id, secure))
}

/// The `Set-Cookie` value of a session `id`: sent back only to the sandbox (its host, any
/// path), never readable by scripts, never sent along with another site's forms
/// (`SameSite=Lax`), gone when the session expires; with `secure` (the sandbox is reached
/// over https: [`crate::SandboxConfig::public_url`]), never sent over plain http.
pub(crate) fn set_session_cookie(id: &str, secure: bool) -> Option<HeaderValue> {
    let max_age =
        cookie::time::Duration::seconds(i64::try_from(SESSION_TTL.as_secs()).unwrap_or(i64::MAX));
    let cookie = Cookie::build((SESSION_COOKIE, id))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

/// The session id the browser sent (its `Cookie` headers), if any.
pub(crate) fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_owned())
}

/// Whether a form was posted from the sandbox's own pages, as far as the browser tells:
/// its `Origin`, or without one its `Referer`, names the sandbox: its `public` URL's
/// origin (scheme, host and port) when it has one (a proxy in front may rewrite `Host`),
/// else the host the request was sent to (`Host`). A request with neither header (a
/// script) passes; `Origin: null` does not.
pub(crate) fn same_origin(headers: &HeaderMap, public: Option<&Url>) -> bool {
    let sender = match (headers.get(header::ORIGIN), headers.get(header::REFERER)) {
        (Some(origin), _) => origin,
        (None, Some(referer)) => referer,
        (None, None) => return true,
    };
    let Some(url) = sender.to_str().ok().and_then(|s| Url::parse(s).ok()) else {
        return false;
    };
    if let Some(public) = public {
        return url.origin() == public.origin();
    }
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let authority = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => return false,
    };
    matches!(url.scheme(), "http" | "https") && authority.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        h
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_expires_with_the_session() {
        let set = set_session_cookie("abc", false).unwrap();
        let set = set.to_str().unwrap();
        assert!(!set.contains("Secure"), "{set}");
        let secure = set_session_cookie("abc", true).unwrap();
        assert!(secure.to_str().unwrap().contains("Secure"), "{secure:?}");
        let secs = SESSION_TTL.as_secs();
        for part in [
            "papi_sandbox_session=abc",
            "HttpOnly",
            "SameSite=Lax",
            "Path=/",
            &format!("Max-Age={secs}"),
        ] {
            assert!(set.contains(part), "{set} lacks {part}");
        }
        let sent = headers(&[(header::COOKIE, "a=1; papi_sandbox_session=xyz; b=2")]);
        assert_eq!(session_id(&sent).as_deref(), Some("xyz"));
        assert_eq!(session_id(&headers(&[(header::COOKIE, "a=1")])), None);
    }

    #[test]
    fn only_forms_of_the_sandbox_itself_pass() {
        let host = (header::HOST, "127.0.0.1:8080");
        let ok = [
            vec![host.clone()],
            vec![host.clone(), (header::ORIGIN, "http://127.0.0.1:8080")],
            vec![
                host.clone(),
                (header::REFERER, "http://127.0.0.1:8080/privacy/x?consent=1"),
            ],
        ];
        for h in ok {
            assert!(same_origin(&headers(&h), None), "{h:?}");
        }
        let refused = [
            vec![host.clone(), (header::ORIGIN, "https://evil.example")],
            vec![host.clone(), (header::ORIGIN, "null")],
            vec![host.clone(), (header::ORIGIN, "http://127.0.0.1:9090")],
            vec![host.clone(), (header::REFERER, "https://evil.example/x")],
            vec![
                host.clone(),
                (header::ORIGIN, "https://evil.example"),
                (header::REFERER, "http://127.0.0.1:8080/"),
            ],
            vec![(header::ORIGIN, "http://127.0.0.1:8080")],
        ];
        for h in refused {
            assert!(!same_origin(&headers(&h), None), "{h:?}");
        }
    }

    #[test]
    fn behind_a_proxy_the_public_origin_is_the_sandboxs_whatever_the_host_header() {
        let public = Url::parse("https://sandbox.example/").unwrap();
        // nginx's default: the Host header names the upstream, not the public site.
        let upstream = (header::HOST, "10.0.0.5:8080");
        let ok = headers(&[
            upstream.clone(),
            (header::ORIGIN, "https://sandbox.example"),
        ]);
        assert!(same_origin(&ok, Some(&public)));
        for origin in [
            "http://sandbox.example",
            "https://sandbox.example:8443",
            "http://10.0.0.5:8080",
            "https://evil.example",
        ] {
            let h = headers(&[upstream.clone(), (header::ORIGIN, origin)]);
            assert!(!same_origin(&h, Some(&public)), "{origin}");
        }
    }
}
