//! `papi call <api> <action> --param k=v …`: one call of any action against any base URL,
//! the answer printed as JSON. Actions and parameter names come from the generated tables.

use papi_core::{
    Config, ConfigError, Effect, Request, ServiceCredentials, Transport, Upload, UserToken,
};
use papi_sandbox::generated::{Api, ParamKind, APIS};

/// What `papi call` needs.
pub struct CallArgs {
    /// API id as in the spec (`contacts`, `messages`, …).
    pub api: String,
    /// Action wire name (`findcontactlist`, …).
    pub action: String,
    /// `name=value` pairs; `file=@path` uploads a file.
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
}

fn find_api(id: &str) -> Result<&'static Api, String> {
    APIS.iter().copied().find(|a| a.id == id).ok_or_else(|| {
        format!(
            "unknown API `{id}`; known: {}",
            APIS.iter().map(|a| a.id).collect::<Vec<_>>().join(", ")
        )
    })
}

/// Runs the call and returns the JSON text of the answer.
pub async fn run(args: CallArgs) -> Result<String, String> {
    let api = find_api(&args.api)?;
    let action = api
        .actions
        .iter()
        .find(|a| a.wire == args.action)
        .ok_or_else(|| {
            format!(
                "unknown action `{}` of `{}`; known: {}",
                args.action,
                api.id,
                api.actions
                    .iter()
                    .map(|a| a.wire)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    // The sandbox table marks writes; only reads may ever be retried (none is, here).
    let effect = if action.writes {
        Effect::Write
    } else {
        Effect::Read
    };
    let mut request = Request::with_effect(action.wire, effect);
    for pair in &args.params {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}` is not name=value"))?;
        let rule = action
            .params
            .iter()
            .find(|p| p.wire == name)
            .ok_or_else(|| {
                format!(
                    "`{name}` is not a parameter of `{}`; known: {}",
                    action.wire,
                    action
                        .params
                        .iter()
                        .map(|p| p.wire)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        if matches!(rule.kind, ParamKind::File(_)) {
            let path = value
                .strip_prefix('@')
                .ok_or_else(|| format!("`{name}` is a file: write {name}=@path"))?;
            let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            let filename = std::path::Path::new(path)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| "upload".to_owned());
            request.file(rule.wire, Upload::new(bytes, filename));
        } else {
            request.param(rule.wire, value);
        }
    }
    let credentials = ServiceCredentials::new(args.service_id, args.service_password);
    let config = if args.allow_plain_http {
        Config::custom_allowing_plain_http(&args.base_url, credentials)
    } else {
        Config::custom(&args.base_url, credentials)
    }
    .map_err(|e| match e {
        ConfigError::InsecureUrl { host } => format!(
            "plain http to {host:?} would send the service password and the token in clear text; use https, or pass --allow-plain-http"
        ),
        other => other.to_string(),
    })?;
    let transport = Transport::new(&config, action.descriptor).map_err(|e| e.to_string())?;
    let (status, body) = transport
        .send(request, &UserToken::new(args.token))
        .await
        .map_err(|e| e.to_string())?;
    let value = crate::generated::decode_json(action.id, status, &body)?;
    serde_json::to_string_pretty(&value).map_err(|e| e.to_string())
}
