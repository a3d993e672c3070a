//! What changed between two versions of the spec, per API, and whether each change breaks
//! the generated crates (`cargo xtask spec-diff <rev>`).
//!
//! Both sides are validated IRs ([`Suite`]), so the comparison sees resolved types and
//! decided Rust names (a field, parameter, enum variant or method renamed in Rust while its
//! wire name stays is breaking), not YAML. Documentation text is not compared.
//!
//! The classes follow the Cargo SemVer guide as it applies to what [`crate::emit`]
//! generates:
//!
//! - enums (parameter values, error codes) are `#[non_exhaustive]`: a new value is
//!   **non-breaking**, a removed one **breaking**;
//! - response structs and action inputs have public fields and are not
//!   `#[non_exhaustive]`: any field added, removed or retyped is **breaking** (a struct
//!   literal or a pattern stops compiling);
//! - required parameters are arguments of the method: adding, removing, retyping or making
//!   one (non-)mandatory is **breaking**; a new action is **non-breaking**;
//! - a change that keeps every signature but changes what is sent or checked (endpoint,
//!   forbidden characters, at-least-one-of groups, privacy attribute, retryable flag) is
//!   **needs-review**: it compiles, but calls may behave differently.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::ir::{
    Action, Api, Endpoint, Enum, ErrorCode, Field, FieldTy, Method, Param, ParamTy, Suite, Type,
};

/// How a change affects the users of the generated crates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Code that compiled against the old crate may not compile, or may decode differently.
    Breaking,
    /// Every signature stays; calls may behave differently: read the change.
    NeedsReview,
    /// Additions only.
    NonBreaking,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Breaking => "breaking",
            Class::NeedsReview => "needs-review",
            Class::NonBreaking => "non-breaking",
        })
    }
}

/// One change of one API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// API id (`common` for the shared parts).
    pub api: String,
    /// Class.
    pub class: Class,
    /// What changed, in words naming the wire names.
    pub what: String,
}

/// Semver advice for one crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// Bump the major version (the minor while at 0.x).
    Major,
    /// Bump the minor version (the patch while at 0.x), after reviewing the changes.
    MinorAfterReview,
    /// Bump the minor version (the patch while at 0.x).
    Minor,
}

impl fmt::Display for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Advice::Major => "major (breaking; at 0.x bump the minor)",
            Advice::MinorAfterReview => {
                "minor (at 0.x the patch), once the needs-review changes are checked"
            }
            Advice::Minor => "minor (additions; at 0.x the patch)",
        })
    }
}

/// The changes from `old` to `new`, sorted by API then as found.
pub fn diff(old: &Suite, new: &Suite) -> Vec<Change> {
    let mut out = Diff::default();
    common(&mut out, old, new);
    let old_apis: BTreeMap<&str, &Api> = old.apis.iter().map(|a| (a.id.as_str(), a)).collect();
    let new_apis: BTreeMap<&str, &Api> = new.apis.iter().map(|a| (a.id.as_str(), a)).collect();
    for (id, o) in &old_apis {
        if !new_apis.contains_key(id) {
            out.push(
                id,
                Class::Breaking,
                format!("API removed (crate {})", o.crate_name),
            );
        }
    }
    for (id, n) in &new_apis {
        match old_apis.get(id) {
            None => out.push(
                id,
                Class::NonBreaking,
                format!("API added (crate {})", n.crate_name),
            ),
            Some(o) => api(&mut out, o, n),
        }
    }
    let mut changes = out.0;
    changes.sort_by(|a, b| a.api.cmp(&b.api));
    changes
}

/// Advice per crate: the crate of each API with a change (`common` changes concern every
/// client crate through `papi-core`, and are reported under `papi-core`).
pub fn advice(changes: &[Change], new: &Suite, old: &Suite) -> Vec<(String, Advice)> {
    let crate_of = |id: &str| {
        new.apis
            .iter()
            .chain(&old.apis)
            .find(|a| a.id == id)
            .map(|a| a.crate_name.clone())
            .unwrap_or_else(|| "papi-core".to_owned())
    };
    let mut per: BTreeMap<String, Advice> = BTreeMap::new();
    for c in changes {
        let advice = match c.class {
            Class::Breaking => Advice::Major,
            Class::NeedsReview => Advice::MinorAfterReview,
            Class::NonBreaking => Advice::Minor,
        };
        let entry = per.entry(crate_of(&c.api)).or_insert(advice);
        *entry = match (*entry, advice) {
            (Advice::Major, _) | (_, Advice::Major) => Advice::Major,
            (Advice::MinorAfterReview, _) | (_, Advice::MinorAfterReview) => {
                Advice::MinorAfterReview
            }
            _ => Advice::Minor,
        };
    }
    per.into_iter().collect()
}

/// The report printed by `cargo xtask spec-diff`.
pub fn report(changes: &[Change], new: &Suite, old: &Suite) -> String {
    if changes.is_empty() {
        return "no change to the API facts (documentation text is not compared)\n".to_owned();
    }
    let mut out = String::new();
    let mut current = None;
    for c in changes {
        if current != Some(&c.api) {
            out.push_str(&format!("{}:\n", c.api));
            current = Some(&c.api);
        }
        out.push_str(&format!("  [{}] {}\n", c.class, c.what));
    }
    out.push_str("\nsemver advice:\n");
    for (krate, advice) in advice(changes, new, old) {
        out.push_str(&format!("  {krate}: {advice}\n"));
    }
    out
}

#[derive(Default)]
struct Diff(Vec<Change>);

impl Diff {
    fn push(&mut self, api: &str, class: Class, what: String) {
        self.0.push(Change {
            api: api.to_owned(),
            class,
            what,
        });
    }
}

fn common(out: &mut Diff, old: &Suite, new: &Suite) {
    let (o, n) = (&old.common, &new.common);
    errors(out, "common", "general ", &o.errors, &n.errors);
    if o.action_param != n.action_param || o.token_param != n.token_param {
        out.push(
            "common",
            Class::NeedsReview,
            format!(
                "transport parameters `{}`/`{}` became `{}`/`{}`",
                o.action_param, o.token_param, n.action_param, n.token_param
            ),
        );
    }
}

fn errors(out: &mut Diff, api: &str, kind: &str, old: &[ErrorCode], new: &[ErrorCode]) {
    let o: BTreeMap<i64, &ErrorCode> = old.iter().map(|e| (e.code, e)).collect();
    let n: BTreeMap<i64, &ErrorCode> = new.iter().map(|e| (e.code, e)).collect();
    for (code, e) in &o {
        match n.get(code) {
            None => out.push(
                api,
                Class::Breaking,
                format!("{kind}error code {code} ({}) removed", e.variant),
            ),
            Some(m) if m.variant != e.variant => out.push(
                api,
                Class::Breaking,
                format!(
                    "{kind}error code {code} renamed {} → {}",
                    e.variant, m.variant
                ),
            ),
            Some(m) if m.retryable != e.retryable || m.role != e.role => out.push(
                api,
                Class::NeedsReview,
                format!(
                    "{kind}error code {code} ({}): retryable {} → {}, role {:?} → {:?}",
                    e.variant, e.retryable, m.retryable, e.role, m.role
                ),
            ),
            Some(_) => {}
        }
    }
    for (code, e) in &n {
        if !o.contains_key(code) {
            out.push(
                api,
                Class::NonBreaking,
                format!("{kind}error code {code} ({}) added", e.variant),
            );
        }
    }
}

fn endpoint_text(e: &Endpoint) -> String {
    e.url.clone().unwrap_or_else(|| "unknown".to_owned())
}

fn endpoints(
    out: &mut Diff,
    api: &str,
    what: &str,
    old: [(&str, &Endpoint); 3],
    new: [(&str, &Endpoint); 3],
) {
    for ((label, o), (_, n)) in old.iter().zip(new.iter()) {
        let (o, n) = (endpoint_text(o), endpoint_text(n));
        if o != n {
            out.push(
                api,
                Class::NeedsReview,
                format!("{what}{label} endpoint changed: {o} → {n}"),
            );
        }
    }
}

fn api(out: &mut Diff, o: &Api, n: &Api) {
    let id = n.id.as_str();
    let path = |p: &str| Endpoint {
        url: Some(p.to_owned()),
        unknown: None,
        source: String::new(),
    };
    let (op, np) = (path(&o.path), path(&n.path));
    endpoints(
        out,
        id,
        "",
        [
            ("path", &op),
            ("production", &o.production),
            ("integration", &o.integration),
        ],
        [
            ("path", &np),
            ("production", &n.production),
            ("integration", &n.integration),
        ],
    );
    errors(out, id, "", &o.errors, &n.errors);
    let oe: BTreeMap<&str, &Enum> = o.enums.iter().map(|e| (e.name.as_str(), e)).collect();
    let ne: BTreeMap<&str, &Enum> = n.enums.iter().map(|e| (e.name.as_str(), e)).collect();
    for (name, e) in &oe {
        match ne.get(name) {
            None => out.push(id, Class::Breaking, format!("enum {name} removed")),
            Some(m) => enum_values(out, id, e, m),
        }
    }
    for name in ne.keys().filter(|k| !oe.contains_key(*k)) {
        out.push(id, Class::NonBreaking, format!("enum {name} added"));
    }
    let ot: BTreeMap<&str, &Type> = o.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let nt: BTreeMap<&str, &Type> = n.types.iter().map(|t| (t.name.as_str(), t)).collect();
    for (name, t) in &ot {
        match nt.get(name) {
            None => out.push(id, Class::Breaking, format!("response type {name} removed")),
            Some(m) => fields(out, id, t, m),
        }
    }
    for name in nt.keys().filter(|k| !ot.contains_key(*k)) {
        out.push(
            id,
            Class::NonBreaking,
            format!("response type {name} added"),
        );
    }
    let oa: BTreeMap<&str, &Action> = o.actions.iter().map(|a| (a.wire.as_str(), a)).collect();
    let na: BTreeMap<&str, &Action> = n.actions.iter().map(|a| (a.wire.as_str(), a)).collect();
    for (wire, a) in &oa {
        match na.get(wire) {
            None => out.push(
                id,
                Class::Breaking,
                format!("action {wire} removed (method {})", a.rust),
            ),
            Some(m) => action(out, id, a, m),
        }
    }
    for (wire, a) in &na {
        if !oa.contains_key(wire) {
            out.push(
                id,
                Class::NonBreaking,
                format!("action {wire} added (method {})", a.rust),
            );
        }
    }
}

fn enum_values(out: &mut Diff, id: &str, o: &Enum, n: &Enum) {
    let ov: BTreeSet<&str> = o.values.iter().map(|v| v.wire.as_str()).collect();
    let nv: BTreeSet<&str> = n.values.iter().map(|v| v.wire.as_str()).collect();
    for v in ov.difference(&nv) {
        out.push(
            id,
            Class::Breaking,
            format!("enum {}: value `{v}` removed", o.name),
        );
    }
    for v in nv.difference(&ov) {
        out.push(
            id,
            Class::NonBreaking,
            format!(
                "enum {}: value `{v}` added (the enum is #[non_exhaustive])",
                o.name
            ),
        );
    }
    // A value kept on the wire under another variant name: callers spell the variant.
    for old in &o.values {
        if let Some(new) = n.values.iter().find(|v| v.wire == old.wire) {
            if new.variant != old.variant {
                out.push(
                    id,
                    Class::Breaking,
                    format!(
                        "enum {}: value `{}` renamed in Rust: {} → {}",
                        o.name, old.wire, old.variant, new.variant
                    ),
                );
            }
        }
    }
}

fn field_ty(f: &Field) -> String {
    let base = match &f.ty {
        FieldTy::String => "string".to_owned(),
        FieldTy::Integer => "integer".to_owned(),
        FieldTy::Bool => "bool".to_owned(),
        FieldTy::Date => "date".to_owned(),
        FieldTy::Base64 => "base64".to_owned(),
        FieldTy::Empty => "empty".to_owned(),
        FieldTy::Enum(n) | FieldTy::Struct(n) => n.clone(),
    };
    let base = if f.repeated {
        format!("list of {base}")
    } else {
        base
    };
    if f.optional {
        format!("optional {base}")
    } else {
        base
    }
}

fn fields(out: &mut Diff, id: &str, o: &Type, n: &Type) {
    let of: BTreeMap<&str, &Field> = o.fields.iter().map(|f| (f.wire.as_str(), f)).collect();
    let nf: BTreeMap<&str, &Field> = n.fields.iter().map(|f| (f.wire.as_str(), f)).collect();
    for (wire, f) in &of {
        match nf.get(wire) {
            None => out.push(
                id,
                Class::Breaking,
                format!("response type {}: field `{wire}` removed", o.name),
            ),
            Some(m) => {
                if f.rust != m.rust {
                    out.push(
                        id,
                        Class::Breaking,
                        format!(
                            "response type {}: field `{wire}` renamed in Rust: {} → {}",
                            o.name, f.rust, m.rust
                        ),
                    );
                }
                let (a, b) = (field_ty(f), field_ty(m));
                if a != b || f.attribute != m.attribute || f.consented != m.consented {
                    out.push(
                        id,
                        Class::Breaking,
                        format!("response type {}: field `{wire}` {a} → {b}", o.name),
                    );
                }
                embedded(out, id, &o.name, wire, f, m);
            }
        }
    }
    for (wire, f) in &nf {
        if of.contains_key(wire) {
            continue;
        }
        // Answer structs are #[non_exhaustive] and built with `Default` and setters: a new
        // field breaks no code. A new required one makes answers without it fail to decode.
        let (class, note) = if f.optional || f.repeated {
            (Class::NonBreaking, "the struct is #[non_exhaustive]")
        } else {
            (
                Class::Breaking,
                "required: answers without it no longer decode",
            )
        };
        out.push(
            id,
            class,
            format!(
                "response type {}: field `{wire}` ({}) added ({note})",
                n.name,
                field_ty(f),
            ),
        );
    }
}

/// An embedded document's accessor methods: added is non-breaking; removed or of another
/// type breaks their callers.
fn embedded(out: &mut Diff, id: &str, ty: &str, wire: &str, f: &Field, m: &Field) {
    if f.embedded == m.embedded {
        return;
    }
    let (class, what) = match (&f.embedded, &m.embedded) {
        (None, Some(e)) => (
            Class::NonBreaking,
            format!("now decodes as an embedded `{}` (methods added)", e.ty),
        ),
        (Some(e), None) => (
            Class::Breaking,
            format!("no longer an embedded `{}` (methods removed)", e.ty),
        ),
        (o, n) => (Class::Breaking, format!("embedded document {o:?} → {n:?}")),
    };
    out.push(
        id,
        class,
        format!("response type {ty}: field `{wire}` {what}"),
    );
}

fn param_ty(p: &Param) -> String {
    let base = match &p.ty {
        ParamTy::String => "string".to_owned(),
        ParamTy::Integer => "integer".to_owned(),
        ParamTy::Date => "date".to_owned(),
        ParamTy::File => "file".to_owned(),
        ParamTy::Enum(n) => format!("enum {n}"),
    };
    if p.list {
        format!("list of {base}")
    } else {
        base
    }
}

/// How much a parameter type accepts: string > integer, date > enum; file apart.
fn breadth(t: &ParamTy) -> Option<u8> {
    match t {
        ParamTy::String => Some(3),
        ParamTy::Integer | ParamTy::Date => Some(2),
        ParamTy::Enum(_) => Some(1),
        ParamTy::File => None,
    }
}

/// What changed in one action kept under the same wire name.
fn action(out: &mut Diff, id: &str, o: &Action, n: &Action) {
    action_facts(out, id, o, n);
    action_params(out, id, o, n);
    action_groups(out, id, o, n);
    let w = &n.wire;
    if o.response.path != n.response.path || o.response.ty != n.response.ty {
        out.push(
            id,
            Class::Breaking,
            format!(
                "action {w}: answer {}{:?} → {}{:?}",
                o.response.path.join("/"),
                o.response.ty,
                n.response.path.join("/"),
                n.response.ty
            ),
        );
    }
    let inferred = |a: &Action| {
        a.response
            .inferred
            .as_ref()
            .map(|i| (i.root.clone(), i.ty.clone()))
    };
    if inferred(o) != inferred(n) {
        // The operation's output type changes (`Undecoded` ↔ `InferredAnswer<T>`).
        out.push(
            id,
            Class::Breaking,
            format!(
                "action {w}: inferred answer shape {:?} → {:?}",
                inferred(o),
                inferred(n)
            ),
        );
    }
}

/// The action's own facts: method, Rust name, endpoint, privacy attribute, input struct.
fn action_facts(out: &mut Diff, id: &str, o: &Action, n: &Action) {
    let w = &n.wire;
    if o.method != n.method {
        let m = |m: Method| match m {
            Method::Get => "GET",
            Method::MultipartPost => "multipart POST",
        };
        out.push(
            id,
            Class::NeedsReview,
            format!("action {w}: sent as {} → {}", m(o.method), m(n.method)),
        );
    }
    if o.rust != n.rust {
        out.push(
            id,
            Class::Breaking,
            format!("action {w}: method renamed {} → {}", o.rust, n.rust),
        );
    }
    let oend = o.endpoint.as_ref().map(|e| {
        (
            e.path.clone(),
            endpoint_text(&e.production),
            endpoint_text(&e.integration),
        )
    });
    let nend = n.endpoint.as_ref().map(|e| {
        (
            e.path.clone(),
            endpoint_text(&e.production),
            endpoint_text(&e.integration),
        )
    });
    if oend != nend {
        out.push(
            id,
            Class::NeedsReview,
            format!("action {w}: own endpoint {oend:?} → {nend:?}"),
        );
    }
    if o.privacy_attribute != n.privacy_attribute {
        out.push(
            id,
            Class::NeedsReview,
            format!(
                "action {w}: privacy attribute {:?} → {:?}",
                o.privacy_attribute, n.privacy_attribute
            ),
        );
    }
    let had_input = o.has_input();
    let has_input = n.has_input();
    if had_input != has_input {
        out.push(
            id,
            Class::Breaking,
            format!(
                "action {w}: the method {} (its optional parameters {}; `Client::call` code is unaffected)",
                if has_input {
                    "now takes the operation instead of positional arguments"
                } else {
                    "takes positional arguments instead of the operation"
                },
                if has_input { "appeared" } else { "are gone" }
            ),
        );
    }
}

/// Parameters removed, changed or added.
fn action_params(out: &mut Diff, id: &str, o: &Action, n: &Action) {
    let w = &n.wire;
    let had_input = o.has_input();
    let op: BTreeMap<&str, &Param> = o.params.iter().map(|p| (p.wire.as_str(), p)).collect();
    let np: BTreeMap<&str, &Param> = n.params.iter().map(|p| (p.wire.as_str(), p)).collect();
    for (wire, p) in &op {
        let Some(q) = np.get(wire) else {
            out.push(
                id,
                Class::Breaking,
                format!(
                    "action {w}: {} parameter `{wire}` removed",
                    if p.required { "mandatory" } else { "optional" }
                ),
            );
            continue;
        };
        match (p.required, q.required) {
            (false, true) => out.push(
                id,
                Class::Breaking,
                format!("action {w}: parameter `{wire}` made mandatory (a new argument)"),
            ),
            (true, false) => out.push(
                id,
                Class::Breaking,
                format!("action {w}: parameter `{wire}` made optional (no longer an argument)"),
            ),
            _ => {}
        }
        if p.rust != q.rust {
            // The argument's or the input builder's name: callers spell it.
            out.push(
                id,
                Class::Breaking,
                format!(
                    "action {w}: parameter `{wire}` renamed in Rust: {} → {}",
                    p.rust, q.rust
                ),
            );
        }
        let (a, b) = (param_ty(p), param_ty(q));
        if a != b {
            let how = match (breadth(&p.ty), breadth(&q.ty)) {
                (Some(x), Some(y)) if y < x => "narrowed",
                (Some(x), Some(y)) if y > x => "widened",
                _ => "changed",
            };
            out.push(
                id,
                Class::Breaking,
                format!("action {w}: parameter `{wire}` type {how}: {a} → {b}"),
            );
        }
        let of: BTreeSet<char> = p.forbid_chars.iter().copied().collect();
        let nf: BTreeSet<char> = q.forbid_chars.iter().copied().collect();
        if of != nf || p.pairs != q.pairs || p.accepted_formats != q.accepted_formats {
            out.push(
                id,
                Class::NeedsReview,
                format!("action {w}: parameter `{wire}`: the checks before sending changed (forbidden characters, allowed pairs or formats)"),
            );
        }
    }
    for (wire, q) in &np {
        if !op.contains_key(wire) {
            let (class, kind) = if q.required {
                (
                    Class::Breaking,
                    "mandatory (a new argument of the operation's `new` and of the method)",
                )
            } else if had_input {
                (
                    Class::NonBreaking,
                    "optional (a new setter of the operation, which is #[non_exhaustive])",
                )
            } else {
                (
                    Class::NonBreaking,
                    "optional (a new setter of the operation, which is #[non_exhaustive]; the method's change is reported apart)",
                )
            };
            out.push(
                id,
                class,
                format!("action {w}: parameter `{wire}` added, {kind}"),
            );
        }
    }
}

/// At-least-one-of groups added or removed.
fn action_groups(out: &mut Diff, id: &str, o: &Action, n: &Action) {
    let w = &n.wire;
    let og: BTreeSet<Vec<String>> = o.groups.iter().map(|g| sorted(g)).collect();
    let ng: BTreeSet<Vec<String>> = n.groups.iter().map(|g| sorted(g)).collect();
    for g in ng.difference(&og) {
        out.push(
            id,
            Class::NeedsReview,
            format!("action {w}: at-least-one-of group {g:?} added (calls without them now fail before sending)"),
        );
    }
    for g in og.difference(&ng) {
        out.push(
            id,
            Class::NeedsReview,
            format!("action {w}: at-least-one-of group {g:?} removed"),
        );
    }
}

fn sorted(g: &[String]) -> Vec<String> {
    let mut g = g.to_vec();
    g.sort();
    g
}
