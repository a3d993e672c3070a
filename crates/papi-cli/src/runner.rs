//! One call of `papi call` run through an action's operation: read, check, send, decode,
//! and the kinds of failure with their exit codes. The generated dispatch
//! (`generated.rs`) picks the operation; `call.rs` reads the command line.

use std::process::ExitCode;

use papi_core::{ApiCode, Config, Error, Operation, ParamError, Transport, UserToken, WireParams};

/// Why a call gave no answer; each kind has its own exit code.
#[derive(Debug)]
pub enum CallError {
    /// The command line is wrong (unknown API or action, a pair that is not `name=value`,
    /// an unreadable file, an unusable base URL). Exit code 2.
    Usage(String),
    /// A parameter was refused before anything was sent. Exit code 3.
    Refused(ParamError),
    /// The API answered with an error document. Exit code 4.
    Api {
        /// The error, as the typed clients show it.
        text: String,
        /// For a privacy error: what to do with its consent URL.
        consent: Option<String>,
    },
    /// Nothing usable came back: connection, timeout, size cap. Exit code 5.
    Transport(String),
    /// An answer came back that could not be read. Exit code 6.
    Decode(String),
}

impl CallError {
    /// The exit code of this kind of failure.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            CallError::Usage(_) => 2,
            CallError::Refused(_) => 3,
            CallError::Api { .. } => 4,
            CallError::Transport(_) => 5,
            CallError::Decode(_) => 6,
        })
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Usage(e) => f.write_str(e),
            CallError::Refused(e) => write!(f, "refused before sending: {e}"),
            CallError::Api { text, consent } => {
                f.write_str(text)?;
                match consent {
                    Some(c) => write!(f, "\n{c}"),
                    None => Ok(()),
                }
            }
            CallError::Transport(e) => write!(f, "no answer: {e}"),
            CallError::Decode(e) => write!(f, "the answer cannot be read: {e}"),
        }
    }
}

/// One call, ready to run through an operation.
pub struct Call {
    params: WireParams,
    config: Config,
    token: UserToken,
    return_url: Option<String>,
}

impl Call {
    /// A call with its wire parameters, configuration, token and return URL.
    pub fn new(
        params: WireParams,
        config: Config,
        token: UserToken,
        return_url: Option<String>,
    ) -> Self {
        Self {
            params,
            config,
            token,
            return_url,
        }
    }

    /// Reads the parameters with `O`'s reader, sends the request its writer builds, and
    /// decodes the answer with its decoder; the answer as JSON (Rust field names).
    pub async fn run<O>(self) -> Result<serde_json::Value, CallError>
    where
        O: Operation,
        O::Output: papi_core::serde::Serialize,
    {
        let mut params = self.params;
        params
            .refuse_unknown(O::INFO.params)
            .map_err(CallError::Refused)?;
        let operation = O::from_wire(&mut params).map_err(CallError::Refused)?;
        papi_core::check::token(&self.token).map_err(CallError::Refused)?;
        let request = operation.into_request().map_err(CallError::Refused)?;
        let transport = Transport::new(&self.config, O::INFO.api)
            .map_err(|e| CallError::Usage(e.to_string()))?;
        match transport.call_with(request, &self.token, O::decode).await {
            Ok(answer) => {
                serde_json::to_value(&answer).map_err(|e| CallError::Decode(e.to_string()))
            }
            Err(e) => Err(failure(e, self.return_url.as_deref())),
        }
    }
}

/// The kind of failure of a call that was sent.
fn failure<S: ApiCode>(error: Error<S>, return_url: Option<&str>) -> CallError {
    match error {
        Error::InvalidParam(e) => CallError::Refused(e),
        Error::Config(e) => CallError::Usage(e.to_string()),
        Error::Transport(e) => CallError::Transport(papi_core::report(&e)),
        Error::Api(api) => {
            let consent = api.consent().map(|c| consent_advice(c, return_url));
            let consent = match (consent, api.is_privacy_denied()) {
                (None, true) => Some("the error carried no readable consent URL".to_owned()),
                (consent, _) => consent,
            };
            CallError::Api {
                text: api.to_string(),
                consent,
            }
        }
        other => CallError::Decode(other.to_string()),
    }
}

/// What to do with the consent URL of a privacy error (the error's text shows the URL):
/// the whole redirect, given the return URL.
fn consent_advice(consent: &papi_core::ConsentRequest, return_url: Option<&str>) -> String {
    match return_url.map(|r| consent.redirect_url(r)) {
        Some(Ok(redirect)) => format!("redirect the user to: {redirect}"),
        Some(Err(e)) => format!("cannot build the redirect: {e}"),
        None => "redirect the user to the consent URL with your page to come back to appended \
                 as the return parameter (give it with --return-url to print the whole redirect)"
            .to_owned(),
    }
}
