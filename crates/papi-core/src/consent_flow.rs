//! The consent round trip: a call refused with `-3` (the user has not consented yet), the
//! user sent to the consent page with a return URL, the user back, the call made again.
//!
//! [`ConsentFlow`] holds the return URL and turns a call's outcome into the next step:
//! the answer, or where to send the user ([`ConsentFlow::step`]). A web service does the
//! two halves in two requests of the user's browser; a program that can wait for the
//! user's decision (a desktop app opening a browser, a test playing the user) does the
//! whole trip in one call ([`ConsentFlow::round_trip`], or
//! [`ConsentFlow::round_trip_blocking`] without an async runtime).
//!
//! # In a web service (axum)
//!
//! The page calls the API; on a `-3` it redirects the browser to the consent page, which
//! sends the user back to the return URL, where the same call is made again. The return
//! URL is a page of its own here, so that a user who refused is told so instead of being
//! sent to the consent page again and again.
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::extract::State;
//! use axum::http::StatusCode;
//! use axum::response::{IntoResponse, Redirect, Response};
//! use axum::routing::get;
//! use axum::Router;
//! use papi_core::consent_flow::{ConsentFlow, ConsentStep};
//! use papi_core::UserToken;
//!
//! struct Site {
//!     contacts: papi_contacts::Client,
//!     /// Returns to `/contacts/back` after the consent page.
//!     flow: ConsentFlow,
//!     /// The signed-in user's token (a real site keeps one per session).
//!     token: UserToken,
//! }
//!
//! /// `/contacts` (`back == false`) and `/contacts/back` (`back == true`).
//! async fn contacts(site: &Site, back: bool) -> Response {
//!     let outcome = site.contacts.find_contact_list(&site.token, "A").await;
//!     match site.flow.step(outcome) {
//!         Ok(ConsentStep::Answered(page)) => {
//!             let count = page.contacts.map_or(0, |list| list.entries.len());
//!             format!("{count} contacts").into_response()
//!         }
//!         // Not consented yet: off to the consent page, which sends the user back.
//!         Ok(ConsentStep::Redirect { url, .. }) if !back => Redirect::to(url.as_str()).into_response(),
//!         // Back from the consent page and still refused: the user said no.
//!         Ok(ConsentStep::Redirect { .. }) => "You did not allow access to your contacts.".into_response(),
//!         Err(error) => (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! # let sandbox = papi_sandbox::Sandbox::new(Default::default());
//! # let running = sandbox.bind(([127, 0, 0, 1], 0).into()).await?;
//! # let config = papi_core::Config::custom(running.base_url().as_str(), sandbox.service_credentials())?;
//! # let token = sandbox.issue_token("alice").ok_or("no such user")?;
//! # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! # let site_url = format!("http://{}", listener.local_addr()?);
//! let site = Arc::new(Site {
//!     contacts: papi_contacts::Client::new(&config)?,
//!     flow: ConsentFlow::new(&format!("{site_url}/contacts/back"))?,
//!     token,
//! });
//! let app = Router::new()
//!     .route("/contacts", get(|State(site): State<Arc<Site>>| async move { contacts(&site, false).await }))
//!     .route("/contacts/back", get(|State(site): State<Arc<Site>>| async move { contacts(&site, true).await }))
//!     .with_state(site);
//! # tokio::spawn(async move { axum::serve(listener, app).await });
//! # // The user's browser: opens the page, is sent to the consent page, grants, comes back.
//! # use papi_core::reqwest;
//! # let browser = papi_core::tls::client_builder().redirect(reqwest::redirect::Policy::none()).build()?;
//! # let first = browser.get(format!("{site_url}/contacts")).send().await?;
//! # assert_eq!(first.status(), 303);
//! # let consent_page = papi_core::url::Url::parse(first.headers()["location"].to_str()?)?;
//! # let choice = papi_sandbox::ConsentChoice::GrantPermanently;
//! # let back = papi_sandbox::user_agent::answer_consent_signing_in(&browser, &consent_page, choice, "alice", "alice-pw").await?;
//! # assert_eq!(back, format!("{site_url}/contacts/back"));
//! # let page = browser.get(back).send().await?.text().await?;
//! # assert!(page.ends_with(" contacts"), "{page}");
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;

use url::Url;

use crate::consent::{ConsentError, ConsentRequest};
use crate::error::Error;

/// The consent round trip of one service page: the return URL the consent page sends the
/// user back to, and what to do with a call's outcome (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentFlow {
    /// Checked, and kept as given: it is sent byte for byte.
    return_url: String,
}

/// What to do after a call: show its answer, or send the user to the consent page.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum ConsentStep<T> {
    /// The call was answered.
    Answered(T),
    /// The user has not consented (`-3`): redirect the browser to `url`, the consent page
    /// with the return URL appended; when the user is back, make the call again.
    Redirect {
        /// Where to send the user's browser.
        url: Url,
        /// What the consent is asked for (family, attributes), to tell the user first.
        request: ConsentRequest,
    },
}

/// Why [`ConsentFlow::round_trip`] did not give an answer.
#[derive(Debug)]
pub enum RoundTripError<S, E> {
    /// The call failed: before consent with another error than `-3`, or after it (a `-3`
    /// then means the user refused).
    Call(Error<S>),
    /// Asking the user failed.
    Ask(E),
}

impl<S: fmt::Display, E: fmt::Display> fmt::Display for RoundTripError<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Call(e) => fmt::Display::fmt(e, f),
            Self::Ask(e) => write!(f, "asking the user for consent failed: {e}"),
        }
    }
}

/// The text of an [`RoundTripError::Ask`] holds its cause's (which need not be an
/// `Error`: boxed errors are welcome), so only a call error has a `source()`.
impl<S, E> std::error::Error for RoundTripError<S, E>
where
    S: fmt::Debug + fmt::Display,
    E: fmt::Debug + fmt::Display,
{
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Call(e) => e.source(),
            Self::Ask(_) => None,
        }
    }
}

impl ConsentFlow {
    /// A flow whose consent page sends the user back to `return_url` (an absolute http(s)
    /// URL, sent as the consent URL's return parameter).
    ///
    /// # Errors
    ///
    /// [`ConsentError::InvalidReturnUrl`] when `return_url` is not an absolute http(s) URL.
    pub fn new(return_url: &str) -> Result<Self, ConsentError> {
        crate::consent::parse_return_url(return_url)?;
        Ok(Self {
            return_url: return_url.to_owned(),
        })
    }

    /// Where the consent page sends the user back.
    pub fn return_url(&self) -> &str {
        &self.return_url
    }

    /// The next step after a call's `outcome`: its answer, or the redirect to the consent
    /// page when it was refused with `-3` and a consent URL the configuration trusts.
    ///
    /// # Errors
    ///
    /// Every other error of the call, as it is; a `-3` without a trusted consent URL too
    /// (see [`ApiError::untrusted_consent`](crate::ApiError::untrusted_consent)).
    pub fn step<T, S>(&self, outcome: Result<T, Error<S>>) -> Result<ConsentStep<T>, Error<S>> {
        match outcome {
            Ok(answer) => Ok(ConsentStep::Answered(answer)),
            Err(error) if error.is_privacy_denied() => match error.consent() {
                Some(request) => Ok(ConsentStep::Redirect {
                    url: request.redirect_to(&self.return_url),
                    request: request.clone(),
                }),
                None => Err(error),
            },
            Err(error) => Err(error),
        }
    }

    /// The whole trip at once: `call`; if it is refused with `-3`, `ask` the user with the
    /// consent page's URL and wait for their decision, then `call` once more.
    ///
    /// # Errors
    ///
    /// [`RoundTripError::Call`] with the first call's error when it is not a `-3` with a
    /// trusted consent URL, or with the second call's error (a `-3` again when the user
    /// refused); [`RoundTripError::Ask`] when `ask` failed.
    ///
    /// ```
    /// use papi_core::consent_flow::ConsentFlow;
    /// use papi_sandbox::{user_agent, ConsentChoice};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// # let sandbox = papi_sandbox::Sandbox::new(Default::default());
    /// # let running = sandbox.bind(([127, 0, 0, 1], 0).into()).await?;
    /// # let config = papi_core::Config::custom(running.base_url().as_str(), sandbox.service_credentials())?;
    /// # let token = sandbox.issue_token("alice").ok_or("no such user")?;
    /// let contacts = papi_contacts::Client::new(&config)?;
    /// // The user is played by the sandbox's user agent, who signs in on the consent
    /// // page; a desktop app would open the URL in a browser and wait for the return URL
    /// // to be hit.
    /// let browser = papi_core::tls::client_builder()
    ///     .redirect(papi_core::reqwest::redirect::Policy::none())
    ///     .build()?;
    /// let flow = ConsentFlow::new("http://127.0.0.1:1/back")?;
    /// let page = flow
    ///     .round_trip(
    ///         || contacts.find_contact_list(&token, "A"),
    ///         |url| async move {
    ///             user_agent::answer_consent_signing_in(
    ///                 &browser,
    ///                 &url,
    ///                 ConsentChoice::GrantOnce,
    ///                 "alice",
    ///                 "alice-pw",
    ///             )
    ///             .await
    ///         },
    ///     )
    ///     .await?;
    /// println!("{} contacts", page.contacts.map_or(0, |l| l.entries.len()));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn round_trip<T, S, E, R, F, Fut, A, AFut>(
        &self,
        mut call: F,
        ask: A,
    ) -> Result<T, RoundTripError<S, E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error<S>>>,
        A: FnOnce(Url) -> AFut,
        AFut: Future<Output = Result<R, E>>,
    {
        match self.step(call().await).map_err(RoundTripError::Call)? {
            ConsentStep::Answered(answer) => Ok(answer),
            ConsentStep::Redirect { url, .. } => {
                ask(url).await.map_err(RoundTripError::Ask)?;
                call().await.map_err(RoundTripError::Call)
            }
        }
    }

    /// [`ConsentFlow::round_trip`] for the blocking clients: `ask` returns when the user
    /// has decided.
    ///
    /// # Errors
    ///
    /// As [`ConsentFlow::round_trip`].
    pub fn round_trip_blocking<T, S, E, R, F, A>(
        &self,
        mut call: F,
        ask: A,
    ) -> Result<T, RoundTripError<S, E>>
    where
        F: FnMut() -> Result<T, Error<S>>,
        A: FnOnce(Url) -> Result<R, E>,
    {
        match self.step(call()).map_err(RoundTripError::Call)? {
            ConsentStep::Answered(answer) => Ok(answer),
            ConsentStep::Redirect { url, .. } => {
                ask(url).map_err(RoundTripError::Ask)?;
                call().map_err(RoundTripError::Call)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, ParamError};
    use crate::general::CONSENT_URL;

    fn refused(consent: Option<&str>) -> Error<i64> {
        let request = consent.map(|u| ConsentRequest::parse(u).unwrap());
        Error::Api(ApiError::new(500, -3, "denied", None, request, ""))
    }

    const CONSENT: &str = "https://privacy.example/page?a=1";

    #[test]
    fn an_answer_passes_and_a_refusal_becomes_the_redirect_with_the_return_url() {
        let flow = ConsentFlow::new("https://my.site/back?x=1").unwrap();
        assert_eq!(
            flow.step(Ok::<_, Error<i64>>(7)).unwrap(),
            ConsentStep::Answered(7)
        );
        let ConsentStep::Redirect { url, request } =
            flow.step::<(), _>(Err(refused(Some(CONSENT)))).unwrap()
        else {
            panic!("a redirect")
        };
        let back = url
            .query_pairs()
            .find(|(k, _)| k == CONSENT_URL.return_url)
            .map(|(_, v)| v.into_owned());
        assert_eq!(back.as_deref(), Some("https://my.site/back?x=1"));
        assert!(url
            .as_str()
            .starts_with("https://privacy.example/page?a=1&"));
        assert_eq!(request.url().as_str(), CONSENT);
    }

    #[test]
    fn other_errors_and_a_refusal_without_a_trusted_url_stay_errors() {
        let flow = ConsentFlow::new("https://my.site/back").unwrap();
        let e = flow.step::<(), _>(Err(refused(None))).unwrap_err();
        assert!(e.is_privacy_denied());
        let e = flow
            .step::<(), i64>(Err(Error::InvalidParam(ParamError::Empty { param: "p" })))
            .unwrap_err();
        assert!(matches!(e, Error::InvalidParam(_)));
        assert!(matches!(
            ConsentFlow::new("/relative"),
            Err(ConsentError::InvalidReturnUrl { .. })
        ));
        assert!(ConsentFlow::new("mailto:a@b.example").is_err());
    }

    #[test]
    fn the_blocking_round_trip_asks_once_and_calls_again() {
        let flow = ConsentFlow::new("https://my.site/back").unwrap();
        let mut calls = 0;
        let mut asked = Vec::new();
        let answer = flow
            .round_trip_blocking(
                || {
                    calls += 1;
                    if calls == 1 {
                        Err(refused(Some(CONSENT)))
                    } else {
                        Ok(calls)
                    }
                },
                |url| {
                    asked.push(url);
                    Ok::<_, std::io::Error>(())
                },
            )
            .unwrap();
        assert_eq!((answer, asked.len()), (2, 1));
        // Refused again after asking: the second refusal is the error.
        let e = flow
            .round_trip_blocking::<(), _, std::io::Error, (), _, _>(
                || Err(refused(Some(CONSENT))),
                |_| Ok(()),
            )
            .unwrap_err();
        assert!(matches!(e, RoundTripError::Call(ref e) if e.is_privacy_denied()));
        // Asking failed: nothing is called again.
        let mut calls = 0;
        let e = flow
            .round_trip_blocking::<(), _, _, (), _, _>(
                || {
                    calls += 1;
                    Err(refused(Some(CONSENT)))
                },
                |_| Err(std::io::Error::other("no browser")),
            )
            .unwrap_err();
        assert_eq!(calls, 1);
        assert_eq!(
            e.to_string(),
            "asking the user for consent failed: no browser"
        );
    }
}
