//! Documented samples: each file listed once, present on disk, named for its test, of a known
//! kind that names a real action or type, stored under its owner's directory; and no sample on
//! disk that no spec file lists.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{ApiScope, CommonFacts, Ctx};
use crate::ir::{Sample, SampleKind};
use crate::spec::{pos, Pos, RawApi, RawSample, Spanned};

/// The file that lists samples, and what its samples may name.
struct Lister<'a> {
    facts: &'a CommonFacts<'a>,
    file: &'a Path,
    /// The API whose actions and types the samples name; `None` for `common.yaml`, whose
    /// samples name no type and whose actions are not checked.
    api: Option<&'a RawApi>,
}

impl Lister<'_> {
    fn has_action(&self, wire: &str) -> bool {
        self.api
            .is_none_or(|a| a.actions.iter().any(|x| x.wire.value == wire))
    }

    fn has_type(&self, name: &str) -> bool {
        self.api
            .is_some_and(|a| a.types.iter().any(|x| x.name.value == name))
    }
}

/// The samples of `common.yaml`: error documents of no API.
pub(super) fn common(
    cx: &mut Ctx,
    facts: &CommonFacts,
    file: &Path,
    raw: &[RawSample],
    listed: &mut BTreeSet<String>,
) -> Vec<Sample> {
    let lister = Lister {
        facts,
        file,
        api: None,
    };
    let out = lower_all(cx, &lister, raw, listed);
    for s in raw {
        if s.kind.value != "error" || s.action.is_some() {
            cx.err(
                file,
                pos(&s.kind),
                "common.yaml samples must be `kind: error` without an action",
                "move samples of an API to its own file",
            );
        }
    }
    out
}

/// The samples of an API file, stored under `samples/<api>/`.
pub(super) fn api(cx: &mut Ctx, scope: &ApiScope, listed: &mut BTreeSet<String>) -> Vec<Sample> {
    let (a, f) = (scope.api, scope.file);
    let lister = Lister {
        facts: scope.common,
        file: f,
        api: Some(a),
    };
    let out = lower_all(cx, &lister, &a.samples, listed);
    for s in &a.samples {
        let dir = format!("samples/{}/", a.api.value);
        for file in std::iter::once(&s.file).chain(s.corrected.as_ref()) {
            if !file.value.starts_with(&dir) {
                cx.err(
                    f,
                    pos(file),
                    format!("sample `{}` is outside {dir}", file.value),
                    format!("store the samples of this API under api-spec/{dir}"),
                );
            }
        }
    }
    out
}

/// Every sample file on disk (`sample_files`) is listed by some spec file.
pub(super) fn unlisted(cx: &mut Ctx, sample_files: &[String], listed: &BTreeSet<String>) {
    for f in sample_files {
        if !listed.contains(f) {
            let owner = f
                .strip_prefix("samples/")
                .and_then(|r| r.split('/').next())
                .map(|d| {
                    if d == "common" {
                        "common".to_string()
                    } else {
                        d.to_string()
                    }
                })
                .unwrap_or_default();
            cx.err(
                &PathBuf::from(f),
                Pos::default(),
                format!("sample `{f}` is not listed by any spec file"),
                format!("list it under `samples:` in {owner}.yaml (or as the `corrected:` copy of a sample), or delete it"),
            );
        }
    }
}

fn lower_all(
    cx: &mut Ctx,
    l: &Lister,
    raw: &[RawSample],
    listed: &mut BTreeSet<String>,
) -> Vec<Sample> {
    let mut out = Vec::new();
    for s in raw {
        if let Some(sample) = lower_one(cx, l, s, listed) {
            out.push(sample);
        }
    }
    out
}

fn lower_one(
    cx: &mut Ctx,
    l: &Lister,
    s: &RawSample,
    listed: &mut BTreeSet<String>,
) -> Option<Sample> {
    let file = l.file;
    l.facts.sources.check(cx, file, &s.source);
    check_file(cx, l, &s.file, listed);
    if let Some(c) = &s.corrected {
        check_file(cx, l, c, listed);
    }
    let stem = s.file.value.rsplit('/').next().unwrap_or_default();
    let stem = stem.strip_suffix(".xml").unwrap_or(stem);
    if stem.is_empty()
        || !stem
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        cx.err(
            file,
            pos(&s.file),
            format!(
                "sample file name `{}` is not made of a-z, 0-9 and `_` before `.xml`",
                s.file.value
            ),
            "rename it (its name becomes the name of its test and snapshot)",
        );
    }
    if s.corrected.is_some() && s.defects.is_empty() {
        cx.err(
            file,
            pos(&s.file),
            format!(
                "sample `{}` has a corrected copy but no recorded defect",
                s.file.value
            ),
            "say under `defects:` what the corrected copy fixes",
        );
    }
    if let Some(a) = &s.action {
        if !l.has_action(&a.value) {
            cx.err(
                file,
                pos(a),
                format!("sample names unknown action `{}`", a.value),
                "use the wire name of an action of this API",
            );
        }
    }
    let kind = kind(cx, l, s)?;
    let served_file = s.corrected.as_ref().unwrap_or(&s.file);
    let served =
        std::fs::read_to_string(l.facts.spec_dir.join(&served_file.value)).unwrap_or_default();
    Some(Sample {
        file: s.file.value.clone(),
        kind,
        status: s.status.unwrap_or(200),
        source: s.source.value.clone(),
        doc: s.doc.trim().to_string(),
        defects: s.defects.clone(),
        corrected: s.corrected.as_ref().map(|c| c.value.clone()),
        template: s.template,
        served,
    })
}

/// A sample file (or corrected copy) is listed once and present on disk.
fn check_file(cx: &mut Ctx, l: &Lister, f: &Spanned<String>, listed: &mut BTreeSet<String>) {
    if !listed.insert(f.value.clone()) {
        cx.err(
            l.file,
            pos(f),
            format!("sample `{}` is listed twice", f.value),
            "list each sample file once",
        );
    }
    if !l.facts.spec_dir.join(&f.value).is_file() {
        cx.err(
            l.file,
            pos(f),
            format!("sample file `{}` is missing", f.value),
            format!(
                "store the documented sample verbatim at api-spec/{} or fix the path",
                f.value
            ),
        );
    }
}

/// A known kind, with the action or type it needs.
fn kind(cx: &mut Ctx, l: &Lister, s: &RawSample) -> Option<SampleKind> {
    let file = l.file;
    let action = s.action.as_ref();
    match s.kind.value.as_str() {
        "response" => match action {
            Some(a) => Some(SampleKind::Response(a.value.clone())),
            None => {
                cx.err(
                    file,
                    pos(&s.kind),
                    "a `response` sample needs `action`",
                    "name the action it answers",
                );
                None
            }
        },
        "error" => Some(SampleKind::Error(action.map(|a| a.value.clone()))),
        "fragment" => match &s.ty {
            Some(t) if l.has_type(&t.value) => Some(SampleKind::Fragment(t.value.clone())),
            Some(t) => {
                cx.err(
                    file,
                    pos(t),
                    format!("sample names unknown type `{}`", t.value),
                    "use a type declared under `types:`",
                );
                None
            }
            None => {
                cx.err(
                    file,
                    pos(&s.kind),
                    "a `fragment` sample needs `type`",
                    "name the declared type of its root element",
                );
                None
            }
        },
        other => {
            cx.err(
                file,
                pos(&s.kind),
                format!("unknown sample kind `{other}`"),
                "use `response`, `error` or `fragment`",
            );
            None
        }
    }
}
