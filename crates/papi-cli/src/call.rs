//! `papi call <api> <action> -p name=value …`: one call of any action against any base URL,
//! through the action's generated operation (the same reader, checks and request as the
//! typed clients), the answer printed as JSON.

use papi_core::{Config, ConfigError, ServiceCredentials, Upload, UserToken, WireParams};

use crate::generated::{dispatch, APIS};
use crate::runner::{Call, CallError};

/// What `papi call` needs.
pub struct CallArgs {
    /// API id as in the spec (`contacts`, `messages`, …).
    pub api: String,
    /// Action wire name.
    pub action: String,
    /// `name=value` pairs; `name=@path` uploads a file.
    pub params: Vec<String>,
    /// Base URL of the server (the API's path is appended).
    pub base_url: String,
    /// Accept plain http for a host that is not loopback.
    pub allow_plain_http: bool,
    /// Service id.
    pub service_id: String,
    /// Service password.
    pub service_password: String,
    /// User token.
    pub token: String,
    /// Where the user comes back after a consent page (`urlRetour`), to print the whole
    /// redirect of a privacy error.
    pub return_url: Option<String>,
}

fn known_apis() -> String {
    APIS.iter()
        .map(|(id, _)| *id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads `name=value` pairs (`name=@path` for a file) into wire parameters; a name given
/// twice is refused.
fn wire_params(pairs: &[String]) -> Result<WireParams, CallError> {
    let mut params = WireParams::new();
    for pair in pairs {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| CallError::Usage(format!("`{pair}` is not name=value")))?;
        let added = match value.strip_prefix('@') {
            Some(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| CallError::Usage(format!("cannot read {path}: {e}")))?;
                let filename = std::path::Path::new(path)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "upload".to_owned());
                params.push_file(name, Upload::new(bytes, filename))
            }
            None => params.push(name, value),
        };
        added.map_err(CallError::Refused)?;
    }
    Ok(params)
}

/// The configuration for the base URL, refusing plain http off loopback unless allowed.
fn config(args: &CallArgs) -> Result<Config, CallError> {
    let credentials =
        ServiceCredentials::new(args.service_id.clone(), args.service_password.clone());
    if args.allow_plain_http {
        Config::custom_allowing_plain_http(&args.base_url, credentials)
    } else {
        Config::custom(&args.base_url, credentials)
    }
    .map_err(|e| match e {
        ConfigError::InsecureUrl { host } => CallError::Usage(format!(
            "plain http to {host:?} would send the service password and the token in clear text; use https, or pass --allow-plain-http"
        )),
        other => CallError::Usage(other.to_string()),
    })
}

/// Runs the call and returns the JSON text of the answer.
pub async fn run(args: CallArgs) -> Result<String, CallError> {
    let Some((_, actions)) = APIS.iter().find(|(id, _)| *id == args.api) else {
        return Err(CallError::Usage(format!(
            "unknown API `{}`; known: {}",
            args.api,
            known_apis()
        )));
    };
    if !actions.contains(&args.action.as_str()) {
        return Err(CallError::Usage(format!(
            "unknown action `{}` of `{}`; known: {}",
            args.action,
            args.api,
            actions.join(", ")
        )));
    }
    let call = Call::new(
        wire_params(&args.params)?,
        config(&args)?,
        UserToken::new(args.token.clone()),
        args.return_url.clone(),
    );
    let value = dispatch(&args.api, &args.action, call)
        .await
        .ok_or_else(|| CallError::Usage(format!("no operation for `{}`", args.action)))??;
    serde_json::to_string_pretty(&value).map_err(|e| CallError::Decode(e.to_string()))
}
