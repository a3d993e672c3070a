//! The steps of a sign-in: the service's request read and checked (then waiting for the
//! user's password), and, once the password is right, the signed answer that carries a
//! fresh user token.

use chrono::{DateTime, TimeDelta, Utc};
use url::{form_urlencoded, Url};

use crate::domain::sign_in::{Client, PendingLogin};
use crate::idp::provider::{entity_id, Idp};
use crate::idp::request::decode_redirect;
use crate::idp::response::{persistent_name_id, simple_sign_fields, SamlResponse, RELAY_STATE};
use crate::service::state::Service;
use crate::util::random::random_hex;

/// Query parameter of the HTTP-Redirect binding that carries the request.
const SAML_REQUEST: &str = "SAMLRequest";

/// Why a sign-in cannot start (the message is a sentence for the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotStarted {
    /// The service's request cannot be used.
    Refused(String),
    /// The sandbox cannot answer any sign-in (no signing key, no randomness).
    Unavailable(String),
}

/// A sign-in waiting for the user's password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Started {
    /// Its id, for the login form.
    pub(crate) id: String,
    /// The requesting service's entity id.
    pub(crate) issuer: String,
    /// Where the answer will be posted.
    pub(crate) acs_url: Url,
}

/// Reads the query of `GET /saml/sso` (`SAMLRequest`, `RelayState`) that `client` sent,
/// checks the request and records the sign-in in the store, waiting for the user's
/// password. The store may wait on I/O: call it off the async workers.
pub(crate) fn start(
    service: &Service,
    idp: &Idp,
    client: Client,
    query: &str,
) -> Result<Started, NotStarted> {
    let refused = |message: String| Err(NotStarted::Refused(message));
    let mut saml_request = None;
    let mut relay_state = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let slot = match key.as_ref() {
            SAML_REQUEST => &mut saml_request,
            RELAY_STATE => &mut relay_state,
            _ => continue,
        };
        if slot.is_some() {
            return refused(format!("The query gives {key} more than once."));
        }
        *slot = Some(value.into_owned());
    }
    let Some(saml_request) = saml_request else {
        return refused(
            "No SAMLRequest: start signing in from the service, which sends an \
             AuthnRequest with the HTTP-Redirect binding."
                .to_owned(),
        );
    };
    let request = match decode_redirect(&saml_request) {
        Ok(request) => request,
        Err(e) => return refused(format!("This sign-in request cannot be used: {e}.")),
    };
    let relay_state = relay_state.filter(|r| !r.is_empty());
    if relay_state
        .as_ref()
        .is_some_and(|r| r.len() > papi_auth::MAX_RELAY_STATE_BYTES)
    {
        return refused(format!(
            "The RelayState is longer than {} bytes (SAML bindings §3.4.3).",
            papi_auth::MAX_RELAY_STATE_BYTES
        ));
    }
    if idp.signing.is_err() {
        return Err(NotStarted::Unavailable(
            "The sandbox has no signing key (see its log).".to_owned(),
        ));
    }
    if !idp.answers_to(&request.acs_url) {
        return refused(format!(
            "This sandbox does not answer to {}: it is not among the services it is \
             configured for (loopback, and the origins of `papi sandbox --allowed-acs-origin`).",
            request.acs_url.origin().ascii_serialization()
        ));
    }
    let issuer = request.issuer.clone();
    let acs_url = request.acs_url.clone();
    match service.store().start_sign_in(client, request, relay_state) {
        Ok(Some(id)) => Ok(Started {
            id,
            issuer,
            acs_url,
        }),
        Ok(None) => Err(NotStarted::Unavailable(
            "The sandbox cannot make a random id.".to_owned(),
        )),
        Err(e) => {
            tracing::error!(target: "papi_sandbox", error = %e, "cannot record a sign-in");
            Err(NotStarted::Unavailable(
                "The sandbox cannot record this sign-in (see its log).".to_owned(),
            ))
        }
    }
}

/// The fields of the form answering a sign-in of `login` (whose password was checked) on
/// the sandbox at `base`: a fresh token in a signed `Response`, for the service's assertion
/// consumer URL. Issuing the token may write to the store, and signing takes a while: call
/// it off the async workers.
pub(crate) fn answer(
    service: &Service,
    idp: &Idp,
    base: &Url,
    login: &str,
    pending: &PendingLogin,
) -> Result<Vec<(&'static str, String)>, String> {
    let signing = idp.signing.as_ref().map_err(Clone::clone)?;
    let entity_id = entity_id(base);
    let token = service
        .issue_token(login)
        .ok_or("the token could not be issued")?;
    let random_id = || {
        random_hex(20)
            .map(|h| format!("_{h}"))
            .ok_or("no randomness")
    };
    let (response_id, assertion_id, session_index) = (random_id()?, random_id()?, random_id()?);
    let now = DateTime::<Utc>::from(std::time::SystemTime::now());
    let lifetime = TimeDelta::from_std(service.settings.token_lifetime).unwrap_or(TimeDelta::MAX);
    let session_end = now
        .checked_add_signed(lifetime)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let xml = SamlResponse {
        entity_id: &entity_id,
        request: &pending.request,
        name_id: &persistent_name_id(login),
        token: token.expose(),
        now,
        session_end,
        response_id: &response_id,
        assertion_id: &assertion_id,
        session_index: &session_index,
    }
    .xml()
    .map_err(|e| format!("writing the SAML response: {e}"))?;
    simple_sign_fields(signing, &xml, pending.relay_state.as_deref())
}
