//! Actions: sourced, a unique wire name, a unique snake_case Rust name that no method of the
//! client already takes, a known method and effect (a read that writes is refused, since reads
//! may be retried), and a privacy attribute of the API's family. Their parameters, groups,
//! response and own endpoints are checked by the passes this one calls.

use std::collections::BTreeSet;
use std::path::Path;

use heck::ToSnakeCase;

use super::names::is_snake;
use super::{answers, endpoints, groups, params, ActionScope, Ctx};
use crate::ir::{first_sentence, method_call_in, Action, Effect, Method, MAX_SUMMARY};
use crate::spec::{pos, RawAction};

/// The wire and Rust names of the actions so far.
#[derive(Default)]
struct Seen {
    wires: BTreeSet<String>,
    names: BTreeSet<String>,
}

/// Every action of the API.
pub(super) fn lower(cx: &mut Ctx, s: &ActionScope) -> Vec<Action> {
    let mut seen = Seen::default();
    let mut actions = Vec::new();
    for act in &s.api.api.actions {
        actions.push(lower_action(cx, s, act, &mut seen));
    }
    actions
}

/// One action, its parts in the order their errors are reported.
fn lower_action(cx: &mut Ctx, s: &ActionScope, act: &RawAction, seen: &mut Seen) -> Action {
    let f = s.api.file;
    s.api.source(cx, &act.source);
    check_names(cx, f, act, seen);
    check_doc(cx, f, act);
    let method = method(cx, f, act);
    let effect = effect(cx, f, act);
    check_read(cx, f, act, method, effect);
    check_privacy(cx, s, act);
    let params = params::lower(cx, s, act, method);
    let groups = groups::at_least_one_of(cx, f, act);
    let response = answers::lower(cx, s, act);
    let endpoint = act
        .endpoint
        .as_ref()
        .map(|e| endpoints::action(cx, s.api, e));
    Action {
        wire: act.wire.value.clone(),
        endpoint,
        rust: act.name.value.clone(),
        method,
        effect,
        privacy_attribute: act.privacy_attribute.as_ref().map(|p| p.value.clone()),
        privacy_source: act.privacy_source.as_ref().map(|p| p.value.clone()),
        doc: act.doc.trim().to_string(),
        source: act.source.value.clone(),
        params,
        groups,
        response,
        defects: act.defects.clone(),
    }
}

/// A unique wire name; a unique snake_case Rust name that is no method of the client.
fn check_names(cx: &mut Ctx, f: &Path, act: &RawAction, seen: &mut Seen) {
    if !seen.wires.insert(act.wire.value.clone()) {
        cx.err(
            f,
            pos(&act.wire),
            format!("duplicate action `{}`", act.wire.value),
            "list each action once",
        );
    }
    if !is_snake(&act.name.value) {
        cx.err(
            f,
            pos(&act.name),
            format!("action name `{}` is not snake_case", act.name.value),
            format!("write it as `{}`", act.name.value.to_snake_case()),
        );
    }
    if ["new", "with_endpoint", "endpoint"].contains(&act.name.value.as_str()) {
        cx.err(
            f,
            pos(&act.name),
            format!(
                "action name `{}` clashes with a Client method",
                act.name.value
            ),
            "choose another name",
        );
    }
    if !seen.names.insert(act.name.value.clone()) {
        cx.err(
            f,
            pos(&act.name),
            format!("duplicate action name `{}`", act.name.value),
            "give each action its own Rust name",
        );
    }
}

/// The doc opens with a whole sentence (the summary every output shows) and names no
/// method of one programming language: it is the OpenAPI description too.
fn check_doc(cx: &mut Ctx, f: &Path, act: &RawAction) {
    if first_sentence(&act.doc).is_none() {
        cx.err(
            f,
            pos(&act.wire),
            format!(
                "the doc of action `{}` does not open with a sentence of at most {MAX_SUMMARY} characters",
                act.wire.value
            ),
            "start it with one short sentence ending in a period: it is the action's summary",
        );
    }
    if let Some(call) = method_call_in(&act.doc) {
        cx.err(
            f,
            pos(&act.wire),
            format!(
                "the doc of action `{}` names `{call}`, a method of one programming language",
                act.wire.value
            ),
            "describe it in words every language shares (the doc is also the OpenAPI description); a generator adds what is language-specific",
        );
    }
}

fn method(cx: &mut Ctx, f: &Path, act: &RawAction) -> Method {
    match act.method.value.as_str() {
        "get" => Method::Get,
        "multipart_post" => Method::MultipartPost,
        other => {
            cx.err(
                f,
                pos(&act.method),
                format!("unknown method `{other}`"),
                "use `get` or `multipart_post`",
            );
            Method::Get
        }
    }
}

fn effect(cx: &mut Ctx, f: &Path, act: &RawAction) -> Effect {
    match act.effect.value.as_str() {
        "read" => Effect::Read,
        "write" => Effect::Write,
        other => {
            cx.err(
                f,
                pos(&act.effect),
                format!("unknown effect `{other}`"),
                "use `read` or `write`",
            );
            Effect::Write
        }
    }
}

/// Reads may be retried automatically: an action that writes must never pass as one.
fn check_read(cx: &mut Ctx, f: &Path, act: &RawAction, method: Method, effect: Effect) {
    if effect != Effect::Read {
        return;
    }
    let add = act
        .wire
        .value
        .get(..3)
        .is_some_and(|p| p.eq_ignore_ascii_case("add"));
    if method == Method::MultipartPost || add {
        cx.err(
            f,
            pos(&act.effect),
            format!(
                "action `{}` is marked `effect: read` but {}",
                act.wire.value,
                if method == Method::MultipartPost {
                    "uploads a file (a multipart_post always writes)"
                } else {
                    "its name says it adds data"
                }
            ),
            "use `effect: write`: reads may be retried automatically, writes never are",
        );
    }
}

/// A privacy attribute of the API's family, and a privacy source only with an attribute.
fn check_privacy(cx: &mut Ctx, s: &ActionScope, act: &RawAction) {
    let f = s.api.file;
    if let Some(ps) = &act.privacy_source {
        s.api.source(cx, ps);
        if act.privacy_attribute.is_none() {
            cx.err(
                f,
                pos(ps),
                "`privacy_source` without `privacy_attribute`",
                "remove it, or give the attribute",
            );
        }
    }
    if let Some(pa) = &act.privacy_attribute {
        match s.privacy {
            Ok(fam) if !fam.attributes.contains(&pa.value) => cx.err(
                f,
                pos(pa),
                format!(
                    "privacy attribute `{}` is not an attribute of family `{}`",
                    pa.value, fam.family
                ),
                format!("use one of: {}", fam.attributes.join(", ")),
            ),
            Err(_) => cx.err(
                f,
                pos(pa),
                "privacy attribute given for an API whose family is unknown",
                "remove it, or name the family",
            ),
            _ => {}
        }
    }
}
