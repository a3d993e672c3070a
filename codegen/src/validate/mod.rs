//! Validation of the raw spec and lowering to the IR. Every problem is collected (not only
//! the first) with its file, line, column and a fix.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::error::{SpecError, SpecErrors};
use crate::ir::*;
use crate::spec::{self, pos, Loaded, Pos, RawApi, RawCommon, Spanned};

mod names;

pub use names::is_xml_ncname;
use names::{is_camel, is_snake, RESERVED_TYPES, XML_NAME_FIX};

/// Roles an error code may have (what it answers, for servers that speak the protocol).
pub const ROLES: &[&str] = &[
    "invalid_token",
    "invalid_request",
    "invalid_credentials",
    "access",
    "unknown_action",
    "missing_parameter",
    "invalid_parameter",
];

/// Roles the general table must provide (the sandbox's fallbacks).
pub const GENERAL_ROLES: &[&str] = &[
    "invalid_token",
    "invalid_request",
    "invalid_credentials",
    "access",
];

/// Builtin field types.
pub const FIELD_BUILTINS: &[&str] = &["string", "integer", "bool", "date", "base64", "empty"];
/// Builtin parameter types.
pub const PARAM_BUILTINS: &[&str] = &["string", "integer", "date", "file"];
/// Image formats the runtime can recognise, with their `ImageType` variant.
pub const IMAGE_FORMATS: &[(&str, &str)] = &[
    ("jpeg", "Jpeg"),
    ("gif", "Gif"),
    ("bmp", "Bmp"),
    ("png", "Png"),
];

struct Ctx {
    errors: Vec<SpecError>,
}

impl Ctx {
    fn err(&mut self, file: &Path, pos: Pos, message: impl Into<String>, fix: impl Into<String>) {
        self.errors.push(SpecError {
            file: file.to_path_buf(),
            pos,
            message: message.into(),
            fix: fix.into(),
        });
    }

    /// One error at `pos` for each of `names` that is not an XML name ([`is_xml_ncname`]):
    /// "`name` {where_} is not an XML name".
    fn xml_names<'n>(
        &mut self,
        file: &Path,
        pos: Pos,
        names: impl IntoIterator<Item = &'n String>,
        where_: &str,
        fix: &str,
    ) {
        for n in names {
            if !is_xml_ncname(n) {
                self.err(file, pos, format!("`{n}` {where_} is not an XML name"), fix);
            }
        }
    }
}

/// Validate and lower. `sample_files` lists the `.xml` files found under `samples/<dir>/`
/// (relative to the spec dir), so that a sample on disk that no spec lists is an error.
pub fn lower(
    common: &Loaded<RawCommon>,
    apis: &[Loaded<RawApi>],
    spec_dir: &Path,
    sample_files: &[String],
) -> Result<Suite, SpecErrors> {
    let mut cx = Ctx { errors: Vec::new() };
    let c = &common.value;
    let cf = &common.file;

    // Sources.
    let mut sources = BTreeSet::new();
    let mut sources_ir = Vec::new();
    for s in &c.sources {
        let kind = match s.kind.value.as_str() {
            "document" => Some(SourceKind::Document),
            "reference" => Some(SourceKind::Reference),
            "third_party" => Some(SourceKind::ThirdParty),
            "inferred" => Some(SourceKind::Inferred),
            other => {
                cx.err(
                    cf,
                    pos(&s.kind),
                    format!("unknown source kind `{other}`"),
                    "use `document`, `reference`, `third_party` or `inferred`",
                );
                None
            }
        };
        if let Some(kind) = kind {
            sources_ir.push(Source {
                id: s.id.value.clone(),
                kind,
                location: s.location.clone(),
                doc: s.doc.trim().to_string(),
            });
        }
        if !sources.insert(s.id.value.clone()) {
            cx.err(
                cf,
                pos(&s.id),
                format!("duplicate source id `{}`", s.id.value),
                "give each source a unique id",
            );
        }
    }
    let check_source = |cx: &mut Ctx, file: &Path, s: &Spanned<String>| {
        if !sources.contains(&s.value) {
            cx.err(
                file,
                pos(s),
                format!("unknown source `{}`", s.value),
                format!(
                    "use one of the ids under `sources:` in common.yaml ({})",
                    sources.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
        }
    };

    check_source(&mut cx, cf, &c.transport.service_credentials.source);
    if c.transport.service_credentials.scheme.value != "basic" {
        cx.err(
            cf,
            pos(&c.transport.service_credentials.scheme),
            format!(
                "unknown credentials scheme `{}`",
                c.transport.service_credentials.scheme.value
            ),
            "the runtime supports `basic`",
        );
    }
    check_source(&mut cx, cf, &c.consent_url.source);

    let general_errors = lower_codes(&mut cx, cf, &c.general_errors, &check_source, &[]);
    for role in GENERAL_ROLES {
        if !general_errors
            .iter()
            .any(|e| e.role.as_deref() == Some(*role))
        {
            cx.err(
                cf,
                Pos::default(),
                format!("no general error code has the role `{role}`"),
                format!("add `role: {role}` to the general code that answers it"),
            );
        }
    }
    if !general_errors.iter().any(|e| e.consent) {
        cx.err(
            cf,
            Pos::default(),
            "no general error code carries the consent URL",
            "add `consent: true` to the privacy refusal code",
        );
    }
    for e in &c.general_errors {
        if e.code.value >= 0 {
            cx.err(
                cf,
                pos(&e.code),
                format!("general error code {} is not negative", e.code.value),
                "general codes are -1..-n; put API-specific codes in the API's file",
            );
        }
    }

    // Families.
    let mut families = Vec::new();
    let mut family_names = BTreeSet::new();
    for f in &c.privacy_families {
        check_source(&mut cx, cf, &f.source);
        if !family_names.insert(f.family.value.clone()) {
            cx.err(
                cf,
                pos(&f.family),
                format!("duplicate privacy family `{}`", f.family.value),
                "list each family once",
            );
        }
        families.push(Family {
            family: f.family.value.clone(),
            api: f.api.clone(),
            attributes: f.attributes.clone(),
        });
    }

    // Envelopes.
    let mut envelopes: BTreeMap<String, Envelope> = BTreeMap::new();
    for e in &c.envelopes {
        check_source(&mut cx, cf, &e.source);
        let names = [
            &e.root,
            &e.code,
            &e.detail,
            &e.result,
            &e.code_attr,
            &e.subtype_attr,
        ]
        .into_iter()
        .flatten()
        .chain(std::iter::once(&e.error))
        .chain(&e.command_path);
        cx.xml_names(
            cf,
            pos(&e.name),
            names,
            &format!("in envelope `{}`", e.name.value),
            XML_NAME_FIX,
        );
        let lowered = match e.kind.value.as_str() {
            "return_wrapper" => match (&e.root, &e.code, &e.detail) {
                (Some(root), Some(code), Some(detail)) => Some(Envelope::ReturnWrapper {
                    root: root.clone(),
                    error: e.error.clone(),
                    code: code.clone(),
                    detail: detail.clone(),
                }),
                _ => {
                    cx.err(
                        cf,
                        pos(&e.kind),
                        format!(
                            "envelope `{}` of kind return_wrapper lacks root, code or detail",
                            e.name.value
                        ),
                        "give `root`, `code` and `detail`",
                    );
                    None
                }
            },
            "command_result" => match (&e.root, &e.result, &e.code_attr, &e.subtype_attr) {
                (Some(root), Some(result), Some(code_attr), Some(subtype_attr))
                    if !e.command_path.is_empty() =>
                {
                    Some(Envelope::CommandResult {
                        root: root.clone(),
                        command_path: e.command_path.clone(),
                        result: result.clone(),
                        error: e.error.clone(),
                        code_attr: code_attr.clone(),
                        subtype_attr: subtype_attr.clone(),
                    })
                }
                _ => {
                    cx.err(
                        cf,
                        pos(&e.kind),
                        format!(
                            "envelope `{}` of kind command_result lacks root, command_path, result, code_attr or subtype_attr",
                            e.name.value
                        ),
                        "give all of them",
                    );
                    None
                }
            },
            other => {
                cx.err(
                    cf,
                    pos(&e.kind),
                    format!("unknown envelope kind `{other}`"),
                    "use `return_wrapper` or `command_result`",
                );
                None
            }
        };
        if envelopes.contains_key(&e.name.value) {
            cx.err(
                cf,
                pos(&e.name),
                format!("duplicate envelope `{}`", e.name.value),
                "give each envelope a unique name",
            );
        }
        if let Some(l) = lowered {
            envelopes.insert(e.name.value.clone(), l);
        }
    }

    let mut listed_samples: BTreeSet<String> = BTreeSet::new();
    let common_samples = lower_samples(
        &mut cx,
        cf,
        &c.samples,
        spec_dir,
        &check_source,
        &mut listed_samples,
        |_a| true,
        |_t| false,
    );
    for s in &c.samples {
        if s.kind.value != "error" || s.action.is_some() {
            cx.err(
                cf,
                pos(&s.kind),
                "common.yaml samples must be `kind: error` without an action",
                "move samples of an API to its own file",
            );
        }
    }

    let mut apis_ir = Vec::new();
    let mut crate_names = BTreeSet::new();
    for a in apis {
        if let Some(api) = lower_api(
            &mut cx,
            c.transport.https_required,
            a,
            &families,
            &envelopes,
            &general_errors,
            spec_dir,
            &check_source,
            &mut listed_samples,
        ) {
            if !crate_names.insert(api.crate_name.clone()) {
                cx.err(
                    &a.file,
                    pos(&a.value.crate_name),
                    format!("crate `{}` is generated by two spec files", api.crate_name),
                    "give each API its own crate name",
                );
            }
            apis_ir.push(api);
        }
    }

    for f in sample_files {
        if !listed_samples.contains(f) {
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

    if !cx.errors.is_empty() {
        return Err(SpecErrors(cx.errors));
    }
    apis_ir.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Suite {
        common: Common {
            suite: c.suite.clone(),
            doc: c.doc.clone(),
            https_required: c.transport.https_required,
            action_param: c.transport.action_param.clone(),
            token_param: c.transport.token_param.clone(),
            credentials_doc: c.transport.service_credentials.doc.clone(),
            envelope: GeneralEnvelope {
                root: c.general_envelope.root.clone(),
                code: c.general_envelope.code.clone(),
                detail: c.general_envelope.detail.clone(),
                url: c.general_envelope.url.clone(),
                doc: c.general_envelope.doc.clone(),
            },
            errors: general_errors,
            consent: ConsentUrl {
                family_params: c.consent_url.family_params.clone(),
                service_id: c.consent_url.service_id_param.clone(),
                attributes: c.consent_url.attributes_param.clone(),
                attributes_lead: c.consent_url.attributes_lead.clone(),
                return_url: c.consent_url.return_url_param.clone(),
                production: c.consent_url.production.clone(),
                integration: c.consent_url.integration.clone(),
                doc: c.consent_url.doc.clone(),
            },
            families,
            samples: common_samples,
            sources: sources_ir,
        },
        apis: apis_ir,
    })
}

fn lower_codes(
    cx: &mut Ctx,
    file: &Path,
    raw: &[spec::RawErrorCode],
    check_source: &dyn Fn(&mut Ctx, &Path, &Spanned<String>),
    general: &[ErrorCode],
) -> Vec<ErrorCode> {
    let mut seen_codes = BTreeSet::new();
    let mut seen_names = BTreeSet::new();
    let mut seen_roles = BTreeSet::new();
    let mut out = Vec::new();
    for e in raw {
        if let Some(role) = &e.role {
            if !ROLES.contains(&role.value.as_str()) {
                cx.err(
                    file,
                    pos(role),
                    format!("unknown error role `{}`", role.value),
                    format!("use one of: {}", ROLES.join(", ")),
                );
            }
            if !seen_roles.insert(role.value.clone()) {
                cx.err(
                    file,
                    pos(role),
                    format!("two codes have the role `{}`", role.value),
                    "give each role to one code",
                );
            }
        }
        check_source(cx, file, &e.source);
        if !seen_codes.insert(e.code.value) {
            cx.err(
                file,
                pos(&e.code),
                format!("duplicate error code {}", e.code.value),
                "list each code once",
            );
        }
        if general.iter().any(|g| g.code == e.code.value) {
            cx.err(
                file,
                pos(&e.code),
                format!("error code {} is already a general code", e.code.value),
                "general codes are declared once, in common.yaml",
            );
        }
        if !is_snake(&e.name.value) {
            cx.err(
                file,
                pos(&e.name),
                format!("error name `{}` is not snake_case", e.name.value),
                format!("write it as `{}`", e.name.value.to_snake_case()),
            );
        }
        if e.name.value == "unknown" {
            cx.err(
                file,
                pos(&e.name),
                "error name `unknown` is reserved for codes the spec does not list",
                "choose another name",
            );
        }
        if !seen_names.insert(e.name.value.clone()) {
            cx.err(
                file,
                pos(&e.name),
                format!("duplicate error name `{}`", e.name.value),
                "give each code its own name",
            );
        }
        out.push(ErrorCode {
            code: e.code.value,
            variant: e.name.value.to_upper_camel_case(),
            wire: e.wire.clone(),
            message: e.message.clone(),
            doc: e.doc.trim().to_string(),
            retryable: e.retryable,
            consent: e.consent,
            role: e.role.as_ref().map(|r| r.value.clone()),
            source: e.source.value.clone(),
        });
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn lower_samples(
    cx: &mut Ctx,
    file: &Path,
    raw: &[spec::RawSample],
    spec_dir: &Path,
    check_source: &dyn Fn(&mut Ctx, &Path, &Spanned<String>),
    listed: &mut BTreeSet<String>,
    action_exists: impl Fn(&str) -> bool,
    type_exists: impl Fn(&str) -> bool,
) -> Vec<Sample> {
    let mut out = Vec::new();
    for s in raw {
        check_source(cx, file, &s.source);
        let mut check_file = |cx: &mut Ctx, f: &Spanned<String>| {
            if !listed.insert(f.value.clone()) {
                cx.err(
                    file,
                    pos(f),
                    format!("sample `{}` is listed twice", f.value),
                    "list each sample file once",
                );
            }
            if !spec_dir.join(&f.value).is_file() {
                cx.err(
                    file,
                    pos(f),
                    format!("sample file `{}` is missing", f.value),
                    format!(
                        "store the documented sample verbatim at api-spec/{} or fix the path",
                        f.value
                    ),
                );
            }
        };
        check_file(cx, &s.file);
        if let Some(c) = &s.corrected {
            check_file(cx, c);
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
        let action = s.action.as_ref();
        if let Some(a) = action {
            if !action_exists(&a.value) {
                cx.err(
                    file,
                    pos(a),
                    format!("sample names unknown action `{}`", a.value),
                    "use the wire name of an action of this API",
                );
            }
        }
        let kind = match s.kind.value.as_str() {
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
                Some(t) if type_exists(&t.value) => Some(SampleKind::Fragment(t.value.clone())),
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
        };
        if let Some(kind) = kind {
            out.push(Sample {
                file: s.file.value.clone(),
                kind,
                status: s.status.unwrap_or(200),
                source: s.source.value.clone(),
                doc: s.doc.trim().to_string(),
                defects: s.defects.clone(),
                corrected: s.corrected.as_ref().map(|c| c.value.clone()),
                template: s.template,
            });
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn lower_api(
    cx: &mut Ctx,
    https_required: bool,
    loaded: &Loaded<RawApi>,
    families: &[Family],
    envelopes: &BTreeMap<String, Envelope>,
    general: &[ErrorCode],
    spec_dir: &Path,
    check_source: &dyn Fn(&mut Ctx, &Path, &Spanned<String>),
    listed: &mut BTreeSet<String>,
) -> Option<Api> {
    let a = &loaded.value;
    let f = loaded.file.as_path();
    check_source(cx, f, &a.source);

    if !is_snake(&a.api.value) {
        cx.err(
            f,
            pos(&a.api),
            format!("api id `{}` is not snake_case", a.api.value),
            format!(
                "write it as `{}` (and name the file after it)",
                a.api.value.to_snake_case()
            ),
        );
    }
    let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    if a.api.value != stem {
        cx.err(
            f,
            pos(&a.api),
            format!(
                "api id `{}` differs from the file name `{stem}.yaml`",
                a.api.value
            ),
            format!("name the file {}.yaml or set `api: {stem}`", a.api.value),
        );
    }
    let crate_ok = a
        .crate_name
        .value
        .strip_prefix("papi-")
        .is_some_and(|rest| {
            !rest.is_empty() && rest.replace('-', "_").to_snake_case() == rest.replace('-', "_")
        });
    if !crate_ok {
        cx.err(
            f,
            pos(&a.crate_name),
            format!(
                "crate `{}` does not follow the naming rule",
                a.crate_name.value
            ),
            format!(
                "use `papi-` and kebab-case, e.g. `papi-{}`",
                a.api.value.replace('_', "-")
            ),
        );
    }
    // Endpoints.
    if !a.endpoints.path.value.starts_with('/') {
        cx.err(
            f,
            pos(&a.endpoints.path),
            format!(
                "endpoint path `{}` must start with `/`",
                a.endpoints.path.value
            ),
            "write it as on the server, e.g. `/PersonalContacts/V1`",
        );
    }
    let https_check = https_required && a.sso.is_none();
    let production = lower_endpoint(
        cx,
        f,
        &a.endpoints.production,
        "production",
        https_check,
        check_source,
    );
    let integration = lower_endpoint(
        cx,
        f,
        &a.endpoints.integration,
        "integration",
        https_check,
        check_source,
    );

    // Privacy.
    let privacy = match (&a.privacy.family, &a.privacy.unknown) {
        (Some(fam), None) => match families.iter().find(|x| x.family == fam.value) {
            Some(x) => Ok(x.clone()),
            None => {
                cx.err(
                    f,
                    pos(fam),
                    format!("unknown privacy family `{}`", fam.value),
                    "declare it under `privacy_families:` in common.yaml",
                );
                Err(String::new())
            }
        },
        (None, Some(why)) => Err(why.clone()),
        _ => {
            cx.err(
                f,
                pos(&a.api),
                "privacy must have exactly one of `family` and `unknown`",
                "name the family, or say why it is unknown",
            );
            Err(String::new())
        }
    };

    let envelope = match &a.envelope {
        None => None,
        Some(name) => match envelopes.get(&name.value) {
            Some(e) => Some(e.clone()),
            None => {
                cx.err(
                    f,
                    pos(name),
                    format!("unknown envelope `{}`", name.value),
                    format!(
                        "use one of the envelopes of common.yaml ({})",
                        envelopes.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                );
                None
            }
        },
    };

    let errors = lower_codes(cx, f, &a.errors, check_source, general);

    // Names of enums and types share one namespace.
    let mut type_names: BTreeMap<String, Pos> = BTreeMap::new();
    let mut declare = |cx: &mut Ctx, name: &Spanned<String>, what: &str| {
        if !is_camel(&name.value) {
            cx.err(
                f,
                pos(name),
                format!("{what} name `{}` is not UpperCamelCase", name.value),
                format!("write it as `{}`", name.value.to_upper_camel_case()),
            );
        }
        if RESERVED_TYPES.contains(&name.value.as_str()) {
            cx.err(
                f,
                pos(name),
                format!(
                    "{what} name `{}` is reserved by the generated crate",
                    name.value
                ),
                "choose another name",
            );
        }
        if let Some(first) = type_names.get(&name.value) {
            cx.err(
                f,
                pos(name),
                format!(
                    "duplicate type `{}` (first declared at line {})",
                    name.value, first.line
                ),
                "enums and types share one namespace; rename one",
            );
        } else {
            type_names.insert(name.value.clone(), pos(name));
        }
    };

    let mut enums = Vec::new();
    for e in &a.enums {
        declare(cx, &e.name, "enum");
        check_source(cx, f, &e.source);
        if e.values.value.is_empty() {
            cx.err(
                f,
                pos(&e.values),
                format!("enum `{}` has no values", e.name.value),
                "list its documented values, or use `type: string` if they are unknown",
            );
        }
        let mut wires = BTreeSet::new();
        let mut names = BTreeSet::new();
        let mut values = Vec::new();
        for v in &e.values.value {
            if !wires.insert(v.wire.value.clone()) {
                cx.err(
                    f,
                    pos(&v.wire),
                    format!(
                        "duplicate value `{}` in enum `{}`",
                        v.wire.value, e.name.value
                    ),
                    "list each value once",
                );
            }
            if !is_snake(&v.name.value) {
                cx.err(
                    f,
                    pos(&v.name),
                    format!("enum value name `{}` is not snake_case", v.name.value),
                    format!("write it as `{}`", v.name.value.to_snake_case()),
                );
            }
            if v.name.value == "other" {
                cx.err(
                    f,
                    pos(&v.name),
                    "enum value name `other` is reserved for values the spec does not list",
                    "choose another name",
                );
            }
            if !names.insert(v.name.value.clone()) {
                cx.err(
                    f,
                    pos(&v.name),
                    format!(
                        "duplicate value name `{}` in enum `{}`",
                        v.name.value, e.name.value
                    ),
                    "give each value its own name",
                );
            }
            values.push(EnumValue {
                wire: v.wire.value.clone(),
                variant: v.name.value.to_upper_camel_case(),
                doc: v.doc.trim().to_string(),
            });
        }
        enums.push(Enum {
            name: e.name.value.clone(),
            doc: e.doc.trim().to_string(),
            values,
            source: e.source.value.clone(),
        });
    }
    for t in &a.types {
        declare(cx, &t.name, "type");
    }
    for t in &a.types {
        if t.consent_split.is_some() {
            for suffix in ["Wire", "Granted", "Protected"] {
                let helper = format!("{}{suffix}", t.name.value);
                if type_names.contains_key(&helper) {
                    cx.err(
                        f,
                        pos(&t.name),
                        format!(
                            "type `{}` needs a private helper `{helper}`, which is also declared",
                            t.name.value
                        ),
                        format!("rename `{helper}`"),
                    );
                }
            }
        }
    }
    let is_enum = |n: &str| enums.iter().any(|e| e.name == n);
    let is_struct = |n: &str| a.types.iter().any(|t| t.name.value == n);

    let mut types = Vec::new();
    for t in &a.types {
        check_source(cx, f, &t.source);
        if let Some(split) = &t.consent_split {
            cx.xml_names(
                f,
                pos(&t.name),
                [&split.granted, &split.protected],
                &format!("(consent_split of `{}`)", t.name.value),
                XML_NAME_FIX,
            );
        }
        let mut wires = BTreeSet::new();
        let mut rusts = BTreeSet::new();
        let mut fields = Vec::new();
        for fd in &t.fields {
            if let Some(s) = &fd.source {
                check_source(cx, f, s);
            }
            let w = &fd.wire.value;
            let rust = match &fd.name {
                Some(n) => {
                    if !is_snake(&n.value) {
                        cx.err(
                            f,
                            pos(n),
                            format!("field name `{}` is not snake_case", n.value),
                            format!("write it as `{}`", n.value.to_snake_case()),
                        );
                    }
                    n.value.clone()
                }
                None => {
                    let derived = w.to_snake_case();
                    if !is_snake(&derived) {
                        cx.err(
                            f,
                            pos(&fd.wire),
                            format!("no Rust name can be derived from `{w}`"),
                            "give the field a `name:`",
                        );
                    }
                    derived
                }
            };
            let is_text = w == "$text" && !fd.attribute;
            let wire_names = std::iter::once(w).filter(|_| !is_text).chain(&fd.aliases);
            cx.xml_names(
                f,
                pos(&fd.wire),
                wire_names,
                &format!("(field of `{}`)", t.name.value),
                &format!("{XML_NAME_FIX}; `$text` names the element's text content"),
            );
            if is_text && (fd.repeated || !fd.aliases.is_empty()) {
                cx.err(
                    f,
                    pos(&fd.wire),
                    "the text content `$text` cannot be repeated or have aliases",
                    "an element has one text content: remove `repeated` and `aliases`",
                );
            }
            if !wires.insert((w.clone(), fd.attribute)) {
                cx.err(
                    f,
                    pos(&fd.wire),
                    format!("duplicate field `{w}` in type `{}`", t.name.value),
                    "list each element or attribute once",
                );
            }
            if !rusts.insert(rust.clone()) {
                cx.err(
                    f,
                    pos(fd.name.as_ref().unwrap_or(&fd.wire)),
                    format!("two fields of `{}` are named `{rust}`", t.name.value),
                    "set a distinct `name:` on one of them",
                );
            }
            let ty = match fd.ty.value.as_str() {
                "string" => Some(FieldTy::String),
                "integer" => Some(FieldTy::Integer),
                "bool" => Some(FieldTy::Bool),
                "date" => Some(FieldTy::Date),
                "base64" => Some(FieldTy::Base64),
                "empty" => Some(FieldTy::Empty),
                n if is_enum(n) => Some(FieldTy::Enum(n.to_string())),
                n if is_struct(n) => Some(FieldTy::Struct(n.to_string())),
                n => {
                    cx.err(
                        f,
                        pos(&fd.ty),
                        format!("unknown type `{n}`"),
                        format!(
                            "use a builtin ({}) or declare `{n}` under `enums:` or `types:`",
                            FIELD_BUILTINS.join(", ")
                        ),
                    );
                    None
                }
            };
            if is_text && matches!(ty, Some(FieldTy::Struct(_))) {
                cx.err(
                    f,
                    pos(&fd.ty),
                    "the text content `$text` cannot have a structure type",
                    "text holds no elements: use a builtin scalar or an enum",
                );
            }
            if fd.attribute && matches!(ty, Some(FieldTy::Struct(_)) | Some(FieldTy::Empty)) {
                cx.err(
                    f,
                    pos(&fd.ty),
                    format!("attribute `{w}` cannot have an element type"),
                    "attributes hold text: use a builtin scalar or an enum",
                );
            }
            if fd.attribute && fd.repeated {
                cx.err(
                    f,
                    pos(&fd.wire),
                    format!("attribute `{w}` cannot be repeated"),
                    "remove `repeated`",
                );
            }
            if fd.repeated && fd.optional {
                cx.err(
                    f,
                    pos(&fd.wire),
                    format!("field `{w}` is both repeated and optional"),
                    "a repeated field is already allowed to be absent: remove `optional`",
                );
            }
            if fd.consented && t.consent_split.is_none() {
                cx.err(
                    f,
                    pos(&fd.wire),
                    format!(
                        "field `{w}` is consented but `{}` has no consent_split",
                        t.name.value
                    ),
                    "add `consent_split:` to the type or remove `consented`",
                );
            }
            if fd.consented && (fd.attribute || fd.repeated || fd.optional) {
                cx.err(
                    f,
                    pos(&fd.wire),
                    format!("consented field `{w}` cannot be an attribute, repeated or optional"),
                    "a consented field is already granted, protected or not returned",
                );
            }
            if w == "$text" && fd.name.is_none() {
                cx.err(
                    f,
                    pos(&fd.wire),
                    "the text content needs a Rust name",
                    "add `name:`, e.g. `name: value`",
                );
            }
            if let Some(ty) = ty {
                fields.push(Field {
                    wire: w.clone(),
                    rust,
                    ty,
                    attribute: fd.attribute,
                    optional: fd.optional,
                    repeated: fd.repeated,
                    consented: fd.consented,
                    aliases: fd.aliases.clone(),
                    doc: fd.doc.trim().to_string(),
                    source: fd.source.as_ref().map(|s| s.value.clone()),
                });
            }
        }
        types.push(Type {
            name: t.name.value.clone(),
            doc: t.doc.trim().to_string(),
            split: t.consent_split.as_ref().map(|s| ConsentSplit {
                granted: s.granted.clone(),
                protected: s.protected.clone(),
                note: s.note.clone(),
            }),
            fields,
            source: t.source.value.clone(),
        });
    }

    // A type that contains itself without a list in between has no finite size.
    for t in &types {
        let mut stack: Vec<&str> = vec![&t.name];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            let Some(ty) = types.iter().find(|x| x.name == n) else {
                continue;
            };
            for fd in ty.fields.iter().filter(|fd| !fd.repeated) {
                if let FieldTy::Struct(inner) = &fd.ty {
                    if inner == &t.name {
                        let at = a
                            .types
                            .iter()
                            .find(|x| x.name.value == t.name)
                            .map(|x| pos(&x.name))
                            .unwrap_or_default();
                        cx.err(
                            f,
                            at,
                            format!("type `{}` contains itself (through `{}`)", t.name, fd.wire),
                            "break the cycle with a repeated field",
                        );
                        stack.clear();
                        break;
                    }
                    if seen.insert(inner.clone()) {
                        stack.push(inner);
                    }
                }
            }
        }
    }

    // Actions.
    let mut action_wires = BTreeSet::new();
    let mut action_names = BTreeSet::new();
    let mut actions = Vec::new();
    for act in &a.actions {
        check_source(cx, f, &act.source);
        if !action_wires.insert(act.wire.value.clone()) {
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
        if !action_names.insert(act.name.value.clone()) {
            cx.err(
                f,
                pos(&act.name),
                format!("duplicate action name `{}`", act.name.value),
                "give each action its own Rust name",
            );
        }
        let method = match act.method.value.as_str() {
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
        };
        let effect = match act.effect.value.as_str() {
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
        };
        // Reads may be retried automatically: an action that writes must never pass as one.
        if effect == Effect::Read {
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
        if let Some(ps) = &act.privacy_source {
            check_source(cx, f, ps);
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
            match &privacy {
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

        let mut pwires = BTreeSet::new();
        let mut prusts = BTreeSet::new();
        let mut params = Vec::new();
        let reserved = ["token", "input", "request"];
        for p in &act.params {
            let w = &p.wire.value;
            if let Some(src) = &p.source {
                check_source(cx, f, src);
            }
            if p.mandatory_unknown && p.required {
                cx.err(
                    f,
                    pos(&p.wire),
                    format!("parameter `{w}` is both required and of unknown mandatoriness"),
                    "remove `required` or `mandatory_unknown`",
                );
            }
            if !pwires.insert(w.clone()) {
                cx.err(
                    f,
                    pos(&p.wire),
                    format!("duplicate parameter `{w}` in action `{}`", act.wire.value),
                    "list each parameter once",
                );
            }
            let rust = p
                .name
                .as_ref()
                .map(|n| n.value.clone())
                .unwrap_or_else(|| w.to_snake_case());
            if !is_snake(&rust) {
                cx.err(
                    f,
                    pos(p.name.as_ref().unwrap_or(&p.wire)),
                    format!("parameter name `{rust}` is not snake_case"),
                    "set `name:` to a snake_case name",
                );
            }
            if reserved.contains(&rust.as_str()) {
                cx.err(
                    f,
                    pos(p.name.as_ref().unwrap_or(&p.wire)),
                    format!("parameter name `{rust}` is reserved by the generated method"),
                    "set another `name:`",
                );
            }
            if !prusts.insert(rust.clone()) {
                cx.err(
                    f,
                    pos(p.name.as_ref().unwrap_or(&p.wire)),
                    format!("two parameters of `{}` are named `{rust}`", act.wire.value),
                    "set a distinct `name:`",
                );
            }
            let ty = match p.ty.value.as_str() {
                "string" => Some(ParamTy::String),
                "integer" => Some(ParamTy::Integer),
                "date" => Some(ParamTy::Date),
                "file" => Some(ParamTy::File),
                n if is_enum(n) => Some(ParamTy::Enum(n.to_string())),
                n => {
                    cx.err(
                        f,
                        pos(&p.ty),
                        format!("unknown type `{n}`"),
                        format!(
                            "use a builtin ({}) or an enum declared under `enums:`",
                            PARAM_BUILTINS.join(", ")
                        ),
                    );
                    None
                }
            };
            if p.list && !matches!(ty, Some(ParamTy::Enum(_))) {
                cx.err(
                    f,
                    pos(&p.ty),
                    format!("parameter `{w}` is a list of a non-enum type"),
                    "lists are comma-separated enum values; use an enum",
                );
            }
            if (!p.forbid_chars.is_empty() || p.quote_if_complex) && ty != Some(ParamTy::String) {
                cx.err(
                    f,
                    pos(&p.ty),
                    format!("`forbid_chars`/`quote_if_complex` on non-string parameter `{w}`"),
                    "use them on string parameters only",
                );
            }
            if ty == Some(ParamTy::File) {
                if method != Method::MultipartPost {
                    cx.err(
                        f,
                        pos(&p.ty),
                        format!("file parameter `{w}` in a `get` action"),
                        "files are sent by `method: multipart_post`",
                    );
                }
                if !p.required {
                    cx.err(
                        f,
                        pos(&p.wire),
                        format!("file parameter `{w}` must be required"),
                        "set `required: true`",
                    );
                }
            } else if !p.accepted_formats.is_empty() {
                cx.err(
                    f,
                    pos(&p.wire),
                    format!("`accepted_formats` on non-file parameter `{w}`"),
                    "use it on `type: file` only",
                );
            }
            let mut formats = Vec::new();
            for fm in &p.accepted_formats {
                match IMAGE_FORMATS.iter().find(|(n, _)| n == fm) {
                    Some((_, v)) => formats.push(v.to_string()),
                    None => cx.err(
                        f,
                        pos(&p.wire),
                        format!("unknown file format `{fm}`"),
                        format!(
                            "use one of: {}",
                            IMAGE_FORMATS
                                .iter()
                                .map(|(n, _)| *n)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                }
            }
            params.push((p, rust, ty, formats));
        }
        if method == Method::MultipartPost
            && !params.iter().any(|(_, _, t, _)| *t == Some(ParamTy::File))
        {
            cx.err(
                f,
                pos(&act.method),
                format!(
                    "multipart action `{}` has no file parameter",
                    act.wire.value
                ),
                "add a `type: file` parameter or use `method: get`",
            );
        }

        // Pairs and groups refer to parameters of the same action.
        let mut lowered_params = Vec::new();
        for (p, rust, ty, formats) in &params {
            let mut pairs = None;
            if let Some(pw) = &p.pairs_with {
                let other = params.iter().find(|(o, ..)| o.wire.value == pw.param.value);
                match (other, ty) {
                    (Some((o, _, Some(ParamTy::Enum(oe)), _)), Some(ParamTy::Enum(te))) => {
                        if !o.required || !p.required {
                            cx.err(
                                f,
                                pos(&pw.param),
                                "paired parameters must both be required",
                                "set `required: true` on both",
                            );
                        }
                        let ovals = enums.iter().find(|e| &e.name == oe);
                        let tvals = enums.iter().find(|e| &e.name == te);
                        let mut rows = Vec::new();
                        for row in &pw.allowed {
                            if !ovals
                                .is_some_and(|e| e.values.iter().any(|v| v.wire == row.when.value))
                            {
                                cx.err(
                                    f,
                                    pos(&row.when),
                                    format!("`{}` is not a value of enum `{oe}`", row.when.value),
                                    format!("use a wire value of `{oe}`"),
                                );
                            }
                            for al in &row.allow {
                                if !tvals
                                    .is_some_and(|e| e.values.iter().any(|v| v.wire == al.value))
                                {
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
                        pairs = Some((pw.param.value.clone(), rows));
                    }
                    (None, _) => cx.err(
                        f,
                        pos(&pw.param),
                        format!(
                            "`pairs_with` names `{}`, which is not a parameter of `{}`",
                            pw.param.value, act.wire.value
                        ),
                        "name another parameter of the same action",
                    ),
                    _ => cx.err(
                        f,
                        pos(&pw.param),
                        "`pairs_with` needs two enum parameters",
                        "declare both parameters with enum types",
                    ),
                }
            }
            if let Some(ty) = ty.clone() {
                lowered_params.push(Param {
                    wire: p.wire.value.clone(),
                    rust: rust.clone(),
                    ty,
                    list: p.list,
                    required: p.required,
                    forbid_chars: p.forbid_chars.clone(),
                    quote_if_complex: p.quote_if_complex,
                    pairs,
                    accepted_formats: formats.clone(),
                    mandatory_unknown: p.mandatory_unknown,
                    source: p.source.as_ref().map(|s| s.value.clone()),
                    doc: p.doc.trim().to_string(),
                });
            }
        }
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

        // Response.
        let resp_ty = act.response.ty.as_ref();
        match (resp_ty, &act.response.unknown) {
            (Some(t), None) => {
                if !is_struct(&t.value) {
                    cx.err(
                        f,
                        pos(t),
                        format!("unknown response type `{}`", t.value),
                        "declare it under `types:`",
                    );
                }
                if act.response.path.is_empty() {
                    cx.err(
                        f,
                        pos(t),
                        "empty response path",
                        "give the element path from the envelope root to the decoded element",
                    );
                }
                cx.xml_names(
                    f,
                    pos(t),
                    &act.response.path,
                    &format!("in the response path of `{}`", act.wire.value),
                    XML_NAME_FIX,
                );
                if a.envelope.is_none() {
                    cx.err(
                        f,
                        pos(t),
                        "a typed response needs the API's envelope",
                        "name the envelope, or make the response `unknown`",
                    );
                }
            }
            (None, Some(_)) => {
                if !act.response.path.is_empty() || act.response.picture.is_some() {
                    cx.err(
                        f,
                        pos(&act.wire),
                        "an unknown response has no path or picture",
                        "remove them, or give the response type",
                    );
                }
            }
            _ => cx.err(
                f,
                pos(&act.wire),
                "the response needs exactly one of `type` and `unknown`",
                "give the declared type, or say why the answer is unknown",
            ),
        }
        let mut picture = None;
        if let (Some(pic), Some(resp_ty)) = (&act.response.picture, resp_ty) {
            let content = resolve_field_path(&types, &resp_ty.value, &pic.content.value);
            let declared = resolve_field_path(&types, &resp_ty.value, &pic.declared_type.value);
            match content {
                Some(fd) if fd.ty == FieldTy::Base64 && !fd.optional => {}
                _ => cx.err(
                    f,
                    pos(&pic.content),
                    "picture content must be a path of required fields ending in a base64 field",
                    "give the Rust field names, e.g. `[file, content]`",
                ),
            }
            match declared {
                Some(fd) if fd.ty == FieldTy::String && !fd.repeated => {
                    picture = Some(PictureAccess {
                        content: pic.content.value.clone(),
                        declared_type: pic.declared_type.value.clone(),
                        declared_optional: fd.optional,
                    })
                }
                _ => cx.err(
                    f,
                    pos(&pic.declared_type),
                    "picture declared type must be a path of fields ending in a string field",
                    "give the Rust field names, e.g. `[type_image]`",
                ),
            }
        }

        let endpoint = act.endpoint.as_ref().map(|e| {
            if !e.path.value.starts_with('/') {
                cx.err(
                    f,
                    pos(&e.path),
                    format!("endpoint path `{}` must start with `/`", e.path.value),
                    "write it as on the server, e.g. `/PersonalMessages/V1`",
                );
            }
            ActionEndpoint {
                path: e.path.value.clone(),
                production: lower_endpoint(
                    cx,
                    f,
                    &e.production,
                    "production",
                    https_required,
                    check_source,
                ),
                integration: lower_endpoint(
                    cx,
                    f,
                    &e.integration,
                    "integration",
                    https_required,
                    check_source,
                ),
            }
        });
        actions.push(Action {
            wire: act.wire.value.clone(),
            endpoint,
            rust: act.name.value.clone(),
            method,
            effect,
            privacy_attribute: act.privacy_attribute.as_ref().map(|p| p.value.clone()),
            privacy_source: act.privacy_source.as_ref().map(|p| p.value.clone()),
            doc: act.doc.trim().to_string(),
            source: act.source.value.clone(),
            params: lowered_params,
            groups,
            response: Response {
                path: act.response.path.clone(),
                ty: resp_ty.map(|t| t.value.clone()),
                unknown: act.response.unknown.clone(),
                picture,
            },
            defects: act.defects.clone(),
        });
    }

    let samples = lower_samples(
        cx,
        f,
        &a.samples,
        spec_dir,
        check_source,
        listed,
        |w| a.actions.iter().any(|x| x.wire.value == w),
        |t| a.types.iter().any(|x| x.name.value == t),
    );
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

    let mut undocumented_actions = Vec::new();
    for u in &a.undocumented_actions {
        check_source(cx, f, &u.source);
        undocumented_actions.push((u.doc.trim().to_string(), u.source.value.clone()));
    }
    let mut left_out = Vec::new();
    for l in &a.left_out {
        check_source(cx, f, &l.source);
        left_out.push(LeftOut {
            fact: l.fact.trim().to_string(),
            reason: l.reason.trim().to_string(),
            source: l.source.value.clone(),
        });
    }
    let sso = a
        .sso
        .as_ref()
        .map(|sso| lower_sso(cx, f, sso, check_source));
    if sso.is_some() && !a.actions.is_empty() {
        cx.err(
            f,
            pos(&a.api),
            "an API with `sso` has no query-string actions",
            "describe the SAML exchange under `sso:` only",
        );
    }

    Some(Api {
        id: a.api.value.clone(),
        file: f.display().to_string(),
        crate_name: a.crate_name.value.clone(),
        title: a.title.clone(),
        doc: a.doc.trim().to_string(),
        source: a.source.value.clone(),
        path: a.endpoints.path.value.clone(),
        production,
        integration,
        privacy,
        envelope,
        undocumented_actions,
        left_out,
        sso,
        defects: a.defects.clone(),
        errors,
        enums,
        types,
        actions,
        samples,
    })
}

fn lower_endpoint(
    cx: &mut Ctx,
    f: &Path,
    e: &spec::RawEndpoint,
    which: &str,
    https_required: bool,
    check_source: &dyn Fn(&mut Ctx, &Path, &Spanned<String>),
) -> Endpoint {
    check_source(cx, f, &e.source);
    match (&e.url, &e.unknown) {
        (Some(u), None) => {
            // The SAML identity provider's URLs are browser redirects, not API calls.
            if https_required && u.value.starts_with("http://") {
                cx.err(
                    f,
                    pos(u),
                    format!(
                        "{which} endpoint `{}` is plain HTTP but common.yaml requires HTTPS",
                        u.value
                    ),
                    "write the https:// URL the documents give",
                );
            }
            if !(u.value.starts_with("https://") || u.value.starts_with("http://")) {
                cx.err(
                    f,
                    pos(u),
                    format!(
                        "{which} endpoint `{}` is not an absolute http(s) URL",
                        u.value
                    ),
                    "write the full URL",
                );
            }
        }
        (None, Some(_)) => {}
        _ => cx.err(
            f,
            pos(&e.source),
            format!("{which} endpoint must have exactly one of `url` and `unknown`"),
            "give the URL, or say why it is unknown",
        ),
    }
    Endpoint {
        url: e.url.as_ref().map(|u| u.value.clone()),
        unknown: e.unknown.clone(),
        source: e.source.value.clone(),
    }
}

fn lower_sso(
    cx: &mut Ctx,
    f: &Path,
    sso: &spec::RawSso,
    check_source: &dyn Fn(&mut Ctx, &Path, &Spanned<String>),
) -> Sso {
    check_source(cx, f, &sso.source);
    check_source(cx, f, &sso.token_attribute.source);
    check_source(cx, f, &sso.request_binding.source);
    check_source(cx, f, &sso.response_binding.source);
    if let Some(w) = &sso.want_authn_requests_signed {
        check_source(cx, f, &w.source);
    }
    if let Some(t) = &sso.token_shape {
        check_source(cx, f, &t.source);
    }
    let mut envs = BTreeSet::new();
    let mut idps = Vec::new();
    for idp in &sso.idp {
        check_source(cx, f, &idp.source);
        check_source(cx, f, &idp.certificate.source);
        let env = &idp.environment;
        if !["production", "integration"].contains(&env.value.as_str()) {
            cx.err(
                f,
                pos(env),
                format!("unknown environment `{}`", env.value),
                "use `production` or `integration`",
            );
        }
        if !envs.insert(env.value.clone()) {
            cx.err(
                f,
                pos(env),
                format!("duplicate identity provider for `{}`", env.value),
                "list each environment once",
            );
        }
        let certificate = match (&idp.certificate.pem, &idp.certificate.unknown) {
            (Some(p), None) => Ok(p.clone()),
            (None, Some(u)) => Err(u.clone()),
            _ => {
                cx.err(
                    f,
                    pos(&idp.certificate.source),
                    "certificate must have exactly one of `pem` and `unknown`",
                    "give the PEM, or say why it is unknown",
                );
                Err(String::new())
            }
        };
        idps.push(Idp {
            environment: env.value.clone(),
            entity_id: idp.entity_id.clone(),
            sso_url: idp.sso_url.clone(),
            sso_bindings: idp.sso_bindings.clone(),
            manage_name_id_url: idp.manage_name_id_url.clone(),
            nameid_formats: idp.nameid_formats.clone(),
            certificate,
            source: idp.source.value.clone(),
        });
    }
    Sso {
        protocol: sso.protocol.clone(),
        token_attribute: sso.token_attribute.value.clone(),
        request_binding: sso.request_binding.uri.clone(),
        response_binding: sso.response_binding.uri.clone(),
        response_binding_note: sso.response_binding.note.clone(),
        want_authn_requests_signed: sso.want_authn_requests_signed.as_ref().map(|w| w.value),
        idps,
        token_shape: sso.token_shape.as_ref().map(|t| t.doc.trim().to_string()),
        source: sso.source.value.clone(),
    }
}

fn resolve_field_path<'a>(types: &'a [Type], root: &str, path: &[String]) -> Option<&'a Field> {
    let mut ty = types.iter().find(|t| t.name == root)?;
    let mut found = None;
    for (i, seg) in path.iter().enumerate() {
        let fd = ty.fields.iter().find(|f| &f.rust == seg)?;
        if i + 1 < path.len() {
            if fd.optional || fd.repeated || fd.consented {
                return None;
            }
            match &fd.ty {
                FieldTy::Struct(n) => ty = types.iter().find(|t| &t.name == n)?,
                _ => return None,
            }
        }
        found = Some(fd);
    }
    found
}
