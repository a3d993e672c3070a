//! What parameters say of each other: the allowed pairs between two required enum parameters
//! (each value a value of its enum), and the at-least-one-of groups (two or more optional
//! parameters of the same action).

use std::path::Path;

use super::{ActionScope, Checked, Ctx};
use crate::ir::ParamTy;
use crate::spec::{pos, RawAction, RawPairs};

/// The allowed pairs `pw` of parameter `c` with another of `params`, as (other's value, this
/// one's value); `None` when they cannot be checked.
pub(super) fn pairs(
    cx: &mut Ctx,
    s: &ActionScope,
    act: &RawAction,
    params: &[Checked],
    c: &Checked,
    pw: &RawPairs,
) -> Option<(String, Vec<(String, String)>)> {
    let f = s.api.file;
    let other = params.iter().find(|o| o.raw.wire.value == pw.param.value);
    match (other.map(|o| (o.raw, &o.ty)), &c.ty) {
        (Some((o, Some(ParamTy::Enum(oe)))), Some(ParamTy::Enum(te))) => {
            if !o.required || !c.raw.required {
                cx.err(
                    f,
                    pos(&pw.param),
                    "paired parameters must both be required",
                    "set `required: true` on both",
                );
            }
            let rows = rows(cx, s, pw, oe, te);
            Some((pw.param.value.clone(), rows))
        }
        (None, _) => {
            cx.err(
                f,
                pos(&pw.param),
                format!(
                    "`pairs_with` names `{}`, which is not a parameter of `{}`",
                    pw.param.value, act.wire.value
                ),
                "name another parameter of the same action",
            );
            None
        }
        _ => {
            cx.err(
                f,
                pos(&pw.param),
                "`pairs_with` needs two enum parameters",
                "declare both parameters with enum types",
            );
            None
        }
    }
}

/// The rows of allowed pairs, each value a wire value of its enum (`oe` for the other
/// parameter, `te` for this one).
fn rows(cx: &mut Ctx, s: &ActionScope, pw: &RawPairs, oe: &str, te: &str) -> Vec<(String, String)> {
    let f = s.api.file;
    let ovals = s.enums.iter().find(|e| e.name == oe);
    let tvals = s.enums.iter().find(|e| e.name == te);
    let mut rows = Vec::new();
    for row in &pw.allowed {
        if !ovals.is_some_and(|e| e.values.iter().any(|v| v.wire == row.when.value)) {
            cx.err(
                f,
                pos(&row.when),
                format!("`{}` is not a value of enum `{oe}`", row.when.value),
                format!("use a wire value of `{oe}`"),
            );
        }
        for al in &row.allow {
            if !tvals.is_some_and(|e| e.values.iter().any(|v| v.wire == al.value)) {
                cx.err(
                    f,
                    pos(al),
                    format!("`{}` is not a value of enum `{te}`", al.value),
                    format!("use a wire value of `{te}`"),
                );
            }
            rows.push((row.when.value.clone(), al.value.clone()));
        }
    }
    rows
}

/// The at-least-one-of groups of `act`, by wire names.
pub(super) fn at_least_one_of(cx: &mut Ctx, f: &Path, act: &RawAction) -> Vec<Vec<String>> {
    let mut groups = Vec::new();
    for g in &act.at_least_one_of {
        if g.value.len() < 2 {
            cx.err(
                f,
                pos(g),
                "an at-least-one-of group needs two or more parameters",
                "make a single parameter `required: true` instead",
            );
        }
        for name in &g.value {
            match act.params.iter().find(|p| &p.wire.value == name) {
                None => cx.err(
                    f,
                    pos(g),
                    format!(
                        "at_least_one_of names `{name}`, which is not a parameter of `{}`",
                        act.wire.value
                    ),
                    "list wire names of this action's parameters",
                ),
                Some(p) if p.required => cx.err(
                    f,
                    pos(g),
                    format!("at_least_one_of names `{name}`, which is already required"),
                    "a group lists optional parameters",
                ),
                _ => {}
            }
        }
        groups.push(g.value.clone());
    }
    groups
}
