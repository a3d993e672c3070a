//! The examples in the documentation of a generated crate, as Rust source text for doc
//! comments: values every check of an action accepts, the operation built from them, and
//! clients run against the embedded sandbox (`papi-sandbox`, a dev-dependency of each
//! generated crate), so that `cargo test --doc` runs them. Writes no output of its own.

use std::collections::BTreeSet;

use heck::ToSnakeCase;

use crate::ir::*;

/// The `use` lines an example needs, sorted and once each.
#[derive(Default)]
struct Uses(BTreeSet<String>);

impl Uses {
    fn add(&mut self, path: String) {
        self.0.insert(path);
    }

    /// The `use` lines, the standard library's first, as rustfmt groups them.
    fn lines(&self) -> String {
        let (std, other): (Vec<&String>, Vec<&String>) =
            self.0.iter().partition(|p| p.starts_with("std::"));
        let mut text: String = std.iter().map(|p| format!("use {p};\n")).collect();
        if !std.is_empty() && !other.is_empty() {
            text.push('\n');
        }
        text.extend(other.iter().map(|p| format!("use {p};\n")));
        text
    }
}

/// The library name of a generated crate (`papi-contacts` → `papi_contacts`).
pub(super) fn lib_name(api: &Api) -> String {
    api.crate_name.to_snake_case()
}

/// The action the crate's examples run: the first read, or the first action.
pub(super) fn showcase(api: &Api) -> Option<&Action> {
    api.actions
        .iter()
        .find(|a| a.effect == Effect::Read)
        .or_else(|| api.actions.first())
}

/// Minimal bytes of an image of `format` (an `ImageType` variant name): what the upload
/// check sniffs.
fn image_bytes(format: &str) -> &'static str {
    match format {
        "Gif" => "b\"GIF89a\".to_vec()",
        "Bmp" => "b\"BM\".to_vec()",
        "Png" => "b\"\\x89PNG\\r\\n\\x1a\\n\".to_vec()",
        _ => "vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0xFF, 0xD9]",
    }
}

/// Wire values chosen for the enum parameters that must go in pairs: the first allowed
/// pair of each.
fn paired_values(a: &Action) -> Vec<(String, String)> {
    let mut chosen = Vec::new();
    for p in &a.params {
        if let Some((other, pairs)) = &p.pairs {
            if let Some((other_value, this_value)) = pairs.first() {
                chosen.push((other.clone(), other_value.clone()));
                chosen.push((p.wire.clone(), this_value.clone()));
            }
        }
    }
    chosen
}

/// The Rust expression of an enum value: the paired one, or the first.
fn enum_value(api: &Api, uses: &mut Uses, name: &str, wire: Option<&str>) -> String {
    let variant = api
        .enums
        .iter()
        .find(|e| e.name == name)
        .and_then(|e| {
            e.values
                .iter()
                .find(|v| wire.is_none_or(|w| v.wire == w))
                .or(e.values.first())
        })
        .map_or_else(|| "Unknown".to_owned(), |v| v.variant.clone());
    uses.add(format!("{}::types::{name}", lib_name(api)));
    format!("{name}::{variant}")
}

/// A value of `p` every check accepts, as the operation's `new` and setters take it
/// (`argument`: as a client's method takes it instead).
fn value(api: &Api, a: &Action, p: &Param, argument: bool, uses: &mut Uses) -> String {
    let paired = paired_values(a);
    let wire = paired
        .iter()
        .find(|(w, _)| *w == p.wire)
        .map(|(_, v)| v.as_str());
    let item = match &p.ty {
        ParamTy::String => format!("{:?}", p.rust),
        ParamTy::Integer => "1".to_owned(),
        ParamTy::Date => {
            "papi_core::chrono::NaiveDate::from_ymd_opt(2008, 4, 15).unwrap_or_default()".to_owned()
        }
        ParamTy::File => format!(
            "papi_core::Upload::new({}, \"picture\")",
            image_bytes(p.accepted_formats.first().map_or("Jpeg", String::as_str))
        ),
        ParamTy::Enum(name) => enum_value(api, uses, name, wire),
    };
    match (p.list, argument) {
        (true, true) => format!("&[{item}]"),
        (true, false) => format!("vec![{item}]"),
        (false, _) => item,
    }
}

/// The optional parameters the example sets: the first of each at-least-one-of group,
/// or, with no group and nothing required, the first optional one.
fn shown_optional(a: &Action) -> Vec<&Param> {
    let mut shown: Vec<&Param> = a
        .groups
        .iter()
        .filter_map(|g| g.first())
        .filter_map(|w| a.params.iter().find(|p| &p.wire == w))
        .collect();
    if shown.is_empty() && !a.params.iter().any(|p| p.required) {
        shown.extend(a.params.iter().find(|p| !p.required));
    }
    shown
}

/// The operation of `a` built with accepted values, its type named through `uses`:
/// `AddContact::new().lastname("lastname")`.
fn operation(api: &Api, a: &Action, uses: &mut Uses) -> String {
    let name = super::util::operation_name(a);
    uses.add(format!("{}::operation::{name}", lib_name(api)));
    let required: Vec<String> = a
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| value(api, a, p, false, uses))
        .collect();
    let mut text = format!("{name}::new({})", required.join(", "));
    for p in shown_optional(a) {
        text.push_str(&format!(".{}({})", p.rust, value(api, a, p, false, uses)));
    }
    text
}

/// A call of `a` through its named method on `client`, with `token`.
fn method_call(api: &Api, a: &Action, uses: &mut Uses) -> String {
    if a.has_input() {
        return format!("client.{}(&token, {})", a.rust, operation(api, a, uses));
    }
    let mut args = vec!["&token".to_owned()];
    args.extend(a.params.iter().map(|p| value(api, a, p, true, uses)));
    format!("client.{}({})", a.rust, args.join(", "))
}

/// Hidden lines starting the embedded sandbox with `alice` signed in and every consent
/// counted as granted: `base_url` and `token` for the visible lines; `blocking` serves it from a
/// runtime of its own.
fn sandbox_setup(blocking: bool) -> String {
    let (main, bind) = if blocking {
        (
            "# fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {\n\
             # let runtime = tokio::runtime::Runtime::new()?;",
            "runtime.block_on(sandbox.bind(([127, 0, 0, 1], 0).into()))?",
        )
    } else {
        (
            "# #[tokio::main(flavor = \"current_thread\")]\n\
             # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {",
            "sandbox.bind(([127, 0, 0, 1], 0).into()).await?",
        )
    };
    format!(
        "{main}\n\
         # use papi_sandbox::{{AutoConsent, Sandbox, SandboxConfig}};\n\
         # let sandbox = Sandbox::new(SandboxConfig {{ auto_consent: AutoConsent::All, ..Default::default() }});\n\
         # let running = {bind};\n\
         # let base_url = running.base_url().as_str();\n\
         # let token = sandbox.issue_token(\"alice\").ok_or(\"no such user\")?;\n"
    )
}

/// The visible lines that build the configuration for the sandbox.
fn sandbox_config() -> &'static str {
    "// The embedded sandbox at `base_url`, with its service credentials; for the real service\n\
     // use `Config::integration(...)`, `Config::production(...)` or `Config::from_env()`.\n\
     // `token` is the signed-in user's (see the Authentication API, `papi-auth`).\n\
     let config = Config::custom(base_url, ServiceCredentials::new(\"sandbox-service\", \"sandbox-secret\"))?;\n"
}

/// The example on a client struct: a call of the showcase action against the sandbox, or,
/// for an API without actions, where the client would call.
pub(super) fn client(api: &Api, blocking: bool) -> String {
    let lib = lib_name(api);
    let mut uses = Uses::default();
    uses.add(if blocking {
        format!("{lib}::blocking::Client")
    } else {
        format!("{lib}::Client")
    });
    let Some(a) = showcase(api) else {
        return endpoint_only(api, uses);
    };
    uses.add(format!("{lib}::{{Config, ServiceCredentials}}"));
    let call = method_call(api, a, &mut uses);
    let awaited = if blocking { "?" } else { ".await?" };
    format!(
        "```\n{}{}\n{}let client = Client::new(&config)?;\nlet answer = {call}{awaited};\nprintln!(\"{{answer:?}}\");\n# Ok(())\n# }}\n```",
        sandbox_setup(blocking),
        uses.lines(),
        sandbox_config(),
    )
}

/// The example of an API without actions: the endpoint its client calls.
fn endpoint_only(api: &Api, mut uses: Uses) -> String {
    let lib = lib_name(api);
    uses.add(format!("{lib}::{{Config, ServiceCredentials}}"));
    format!(
        "```\n{}\nlet config = Config::custom(\"http://127.0.0.1:8080\", ServiceCredentials::new(\"my-service\", \"my-password\"))?;\nlet client = Client::new(&config)?;\nassert_eq!(client.endpoint().as_str(), \"http://127.0.0.1:8080{}\");\n// No action of this API is recovered: the client has no method yet.\n# Ok::<(), papi_core::ConfigError>(())\n```",
        uses.lines(),
        api.path
    )
}

/// The example of the crate documentation: the showcase action as an operation, run by
/// `Client::call` and, with a deadline of its own, by `Client::call_with`.
pub(super) fn crate_root(api: &Api) -> String {
    let lib = lib_name(api);
    let mut uses = Uses::default();
    let Some(a) = showcase(api) else {
        uses.add(format!("{lib}::Client"));
        return endpoint_only(api, uses);
    };
    uses.add("std::time::Duration".to_owned());
    uses.add(format!(
        "{lib}::{{CallOptions, Client, Config, ServiceCredentials}}"
    ));
    let op = operation(api, a, &mut uses);
    format!(
        "```\n{}{}\n{}let client = Client::new(&config)?;\n\n// Each action is an operation: built, checked before sending, run by `call`.\nlet answer = client.call(&token, {op}).await?;\nprintln!(\"{{answer:?}}\");\n\n// The same with settings of its own: a 5-second deadline, retries included.\nlet options = CallOptions::new().with_timeout(Duration::from_secs(5));\nlet answer = client.call_with(&token, {op}, options).await?;\nprintln!(\"{{answer:?}}\");\n# Ok(())\n# }}\n```",
        sandbox_setup(false),
        uses.lines(),
        sandbox_config(),
    )
}

/// The example on an operation struct: built with accepted values, its checks run.
pub(super) fn operation_struct(api: &Api, a: &Action) -> String {
    let lib = lib_name(api);
    let mut uses = Uses::default();
    let op = operation(api, a, &mut uses);
    format!(
        "```\n{}\nlet operation = {op};\n// The checks `Client::call` makes before sending anything.\noperation.validate()?;\n// Run it with `{lib}::Client::call(&token, operation)` (or the blocking client's).\n# Ok::<(), papi_core::ParamError>(())\n```",
        uses.lines()
    )
}

/// `text` without the hidden lines of its examples (`# …`), for a README.
pub(super) fn without_hidden_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            out.push_str(if in_code && line == "```" {
                "```rust"
            } else {
                line
            });
        } else if in_code && (line == "#" || line.starts_with("# ")) {
            continue;
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}
