//! The facts of `common.yaml` every API file relies on: the transport, the general error
//! codes and the privacy families; and the `Common` IR assembled from them.

use std::collections::BTreeSet;
use std::path::Path;

use super::codes::{self, GENERAL_ROLES};
use super::names::XML_NAME_FIX;
use super::sources::Sources;
use super::Ctx;
use crate::ir::{
    Common, ConsentUrl, ErrorCode, Family, GeneralEnvelope, Sample, SandboxFacts, Source,
    TokenLayout,
};
use crate::spec::{pos, Pos, RawCommon};

/// The transport's credentials and the consent URL: sourced, and a scheme the runtime speaks.
pub(super) fn transport(cx: &mut Ctx, sources: &Sources, cf: &Path, c: &RawCommon) {
    sources.check(cx, cf, &c.transport.service_credentials.source);
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
    sources.check(cx, cf, &c.consent_url.source);
    consent_pages(cx, cf, c);
    token_layout(cx, sources, cf, c);
    sandbox_facts(cx, cf, c);
    for h in &c.consent_url.other_hosts {
        sources.check(cx, cf, &h.source);
        if !is_host_name(&h.host.value) {
            cx.err(
                cf,
                pos(&h.host),
                format!("`{}` is not a host name", h.host.value),
                "write the host alone, as in `mdsp.orange.fr` (no scheme, port or path)",
            );
        }
    }
}

/// The sandbox's facts: XML names, and an absolute namespace URI (so that no reader takes
/// the document for one of the API).
fn sandbox_facts(cx: &mut Ctx, cf: &Path, c: &RawCommon) {
    let Some(sb) = &c.sandbox else {
        return;
    };
    let u = &sb.unknown_answer;
    cx.xml_names(
        cf,
        pos(&u.root),
        [&u.root.value, &u.action_attribute.value],
        "in `sandbox.unknown_answer`",
        XML_NAME_FIX,
    );
    if url::Url::parse(&u.namespace.value).is_err() {
        cx.err(
            cf,
            pos(&u.namespace),
            format!("`{}` is not an absolute URI", u.namespace.value),
            "give the sandbox's own namespace, as in `urn:x-papi:sandbox`",
        );
    }
}

/// The token layout: sourced, a one-character separator, field names that hold neither it
/// nor `=`, and an expiry field among them.
fn token_layout(cx: &mut Ctx, sources: &Sources, cf: &Path, c: &RawCommon) {
    let Some(t) = &c.token_layout else {
        return;
    };
    sources.check(cx, cf, &t.source);
    let sep = &t.separator.value;
    if sep.chars().count() != 1 || sep == "=" {
        cx.err(
            cf,
            pos(&t.separator),
            format!("token separator `{sep}` is not one character other than `=`"),
            "write the one character between the token's fields, as in `\"|\"`",
        );
    }
    for f in &t.fields {
        let bad = f.value.is_empty() || f.value.contains('=') || f.value.contains(sep.as_str());
        if bad {
            cx.err(
                cf,
                pos(f),
                format!("token field `{}` is not a field name", f.value),
                "write the name before `=`, as in `ted`",
            );
        }
    }
    if !t.fields.iter().any(|f| f.value == t.expiry_field.value) {
        cx.err(
            cf,
            pos(&t.expiry_field),
            format!(
                "expiry field `{}` is not one of the token's fields",
                t.expiry_field.value
            ),
            "name one of `fields`",
        );
    }
}

/// The documented privacy pages: absolute http(s) URLs with a host (the runtime accepts
/// consent URLs on their hosts only).
fn consent_pages(cx: &mut Ctx, cf: &Path, c: &RawCommon) {
    for (which, page) in [
        ("production", &c.consent_url.production),
        ("integration", &c.consent_url.integration),
    ] {
        let host = page
            .strip_prefix("https://")
            .or_else(|| page.strip_prefix("http://"))
            .and_then(|rest| rest.split(['/', '?', '#']).next())
            .unwrap_or("");
        if !is_host_name(host) {
            cx.err(
                cf,
                pos(&c.consent_url.source),
                format!("the {which} privacy page `{page}` is not an http(s) URL with a host name"),
                "write the page's absolute URL, as in `https://privacy.orange.fr/urm-gui/interaction.do`",
            );
        }
    }
}

/// A DNS host name: dot-separated labels of letters, digits and `-`.
fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// The general error codes: the rules of every code table, plus every role the sandbox falls
/// back on, a code that carries the consent URL, and negative codes only.
pub(super) fn general_errors(
    cx: &mut Ctx,
    sources: &Sources,
    cf: &Path,
    c: &RawCommon,
) -> Vec<ErrorCode> {
    let general_errors = codes::lower(cx, sources, cf, &c.general_errors, &[]);
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
    general_errors
}

/// The privacy families: sourced, each listed once.
pub(super) fn families(cx: &mut Ctx, sources: &Sources, cf: &Path, c: &RawCommon) -> Vec<Family> {
    let mut families = Vec::new();
    let mut family_names = BTreeSet::new();
    for f in &c.privacy_families {
        sources.check(cx, cf, &f.source);
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
    families
}

/// The lowered `common.yaml` (once every file is known to be valid).
pub(super) fn assemble(
    c: &RawCommon,
    errors: Vec<ErrorCode>,
    families: Vec<Family>,
    samples: Vec<Sample>,
    sources: Vec<Source>,
) -> Common {
    Common {
        suite: c.suite.clone(),
        doc: c.doc.clone(),
        https_required: c.transport.https_required,
        action_param: c.transport.action_param.clone(),
        token_param: c.transport.token_param.clone(),
        sandbox: c.sandbox.as_ref().map(|sb| SandboxFacts {
            root: sb.unknown_answer.root.value.clone(),
            namespace: sb.unknown_answer.namespace.value.clone(),
            action_attribute: sb.unknown_answer.action_attribute.value.clone(),
            text: sb.unknown_answer.text.trim().to_owned(),
            doc: format!("{}\n\n{}", sb.doc.trim(), sb.unknown_answer.doc.trim()),
        }),
        token_layout: c.token_layout.as_ref().map(|t| TokenLayout {
            separator: t.separator.value.clone(),
            fields: t.fields.iter().map(|f| f.value.clone()).collect(),
            expiry_field: t.expiry_field.value.clone(),
            doc: t.doc.trim().to_owned(),
            source: t.source.value.clone(),
        }),
        credentials_doc: c.transport.service_credentials.doc.clone(),
        envelope: GeneralEnvelope {
            root: c.general_envelope.root.clone(),
            code: c.general_envelope.code.clone(),
            detail: c.general_envelope.detail.clone(),
            url: c.general_envelope.url.clone(),
            doc: c.general_envelope.doc.clone(),
        },
        errors,
        consent: ConsentUrl {
            family_params: c.consent_url.family_params.clone(),
            service_id: c.consent_url.service_id_param.clone(),
            attributes: c.consent_url.attributes_param.clone(),
            attributes_lead: c.consent_url.attributes_lead.clone(),
            return_url: c.consent_url.return_url_param.clone(),
            production: c.consent_url.production.clone(),
            integration: c.consent_url.integration.clone(),
            other_hosts: c
                .consent_url
                .other_hosts
                .iter()
                .map(|h| h.host.value.to_ascii_lowercase())
                .collect(),
            doc: c.consent_url.doc.clone(),
        },
        families,
        samples,
        sources,
    }
}
