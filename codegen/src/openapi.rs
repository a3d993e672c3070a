//! OpenAPI 3.1 export of the spec (`openapi/papi.yaml`), for users of other languages and
//! tools, produced from the validated IR like every other generated file.
//!
//! # One action, one operation: the `#action` pseudo-path
//!
//! Every call of an API goes to the same path (`GET /PersonalContacts/V1?action=…`), and
//! OpenAPI allows one operation per path and method, with no query string in a path key.
//! The usual ways out each lose something:
//!
//! - one operation per path with an `action` enum and a `oneOf` over the actions' parameters:
//!   valid, but no tool can tell which parameters go with which action, so generated clients
//!   and fuzzers mix them;
//! - a query string in the path key (`/PersonalContacts/V1?action=x`): forbidden by the
//!   specification, and tools percent-encode the `?`.
//!
//! We do what APIs.guru's conversions of the AWS query APIs do (`/#Action=…`): the path key
//! is the endpoint path followed by a fragment naming the action,
//! `/PersonalContacts/V1#findcontactlist`. A path key only has to start with `/`, so
//! validators accept it; HTTP clients never send a fragment, so the request goes to the real
//! path; and the operation declares the `action` query parameter with the single value it
//! takes (`const`), so each action is an operation of its own with exactly its parameters,
//! which `schemathesis` exercises one by one. The multipart upload sends `action` and the
//! token as form fields instead, as the clients do.
//!
//! # What else is described
//!
//! - Servers: the sandbox at the top; each path item lists the documented production and
//!   integration bases of its endpoint where known (`x-papi-endpoints` says which are
//!   unknown and why). The integration prefix (`/int`) is part of the integration base.
//! - Parameters: types, enums (`$ref` to a string enum), dates (`format: date`), lists of
//!   enum values (`style: form, explode: false`, comma-separated), forbidden characters (a
//!   `pattern`); at-least-one-of groups, allowed pairs and double-quoting in descriptions
//!   and in `x-papi-at-least-one-of` / `x-papi-pairs`; a parameter whose mandatory flag the
//!   sources do not give has `x-papi-unknown`.
//! - Answers: `text/xml` schemas with `xml` names and attributes, from the envelope root to
//!   the decoded element; an answer whose shape is unknown is a 200 with no declared
//!   content and `x-papi-unknown` (plus `x-papi-inferred`, root and schema, when a shape
//!   is inferred). Errors: the general `<error>` document (401 for the service
//!   credentials, 500 otherwise: the real servers answered the privacy error with 500) and
//!   the API's own envelope.
//! - Security: HTTP Basic for the service credentials and the `token` query parameter as an
//!   API key, both on every call.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

use crate::ir::{Action, Api, Endpoint, Envelope, FieldTy, Method, Param, ParamTy, Suite, Type};
use crate::{CodegenError, GeneratedFile};

/// Where the export is written, relative to the workspace root.
pub const OPENAPI_PATH: &str = "openapi/papi.yaml";

/// The sandbox address named as the default server.
const SANDBOX_URL: &str = "http://127.0.0.1:8080";

/// Name of the security scheme of the service credentials.
const BASIC: &str = "serviceCredentials";
/// Name of the security scheme of the user token.
const TOKEN: &str = "userToken";

/// The OpenAPI document as a JSON value (keys sorted, so the output is deterministic).
pub fn document(suite: &Suite, version: &str) -> Value {
    let common = &suite.common;
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert("GeneralError".into(), general_error(suite));
    let mut tags = Vec::new();
    for api in suite.apis.iter().filter(|a| a.is_client()) {
        if api.actions.is_empty() {
            continue;
        }
        tags.push(json!({ "name": api.id, "description": api.title }));
        for e in &api.enums {
            let mut doc = e.doc.trim().to_owned();
            for v in &e.values {
                doc.push_str(&format!("\n- `{}`: {}", v.wire, v.doc.trim()));
            }
            schemas.insert(
                schema_name(api, &e.name),
                json!({
                    "type": "string",
                    "enum": e.values.iter().map(|v| v.wire.clone()).collect::<Vec<_>>(),
                    "description": doc,
                    "x-papi-source": e.source,
                }),
            );
        }
        for t in &api.types {
            schemas.insert(schema_name(api, &t.name), shape(api, t));
        }
        if let Some(envelope) = &api.envelope {
            schemas.insert(schema_name(api, "Error"), api_error(envelope));
        }
        for action in &api.actions {
            let (path, endpoints) = match &action.endpoint {
                Some(e) => (&e.path, [&e.production, &e.integration]),
                None => (&api.path, [&api.production, &api.integration]),
            };
            let mut item = Map::new();
            let servers = servers(path, endpoints);
            if !servers.is_empty() {
                item.insert("servers".into(), Value::Array(servers));
            }
            item.insert(
                "x-papi-endpoints".into(),
                json!({
                    "production": endpoint_fact(endpoints[0]),
                    "integration": endpoint_fact(endpoints[1]),
                }),
            );
            let method = match action.method {
                Method::Get => "get",
                Method::MultipartPost => "post",
            };
            item.insert(method.into(), operation(suite, api, action));
            paths.insert(format!("{path}#{}", action.wire), Value::Object(item));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": common.suite,
            "version": version,
            "description": format!(
                "{}\n\nGenerated by `cargo xtask codegen` from `api-spec/` (do not edit). Each action is an operation on the pseudo-path `<endpoint path>#<{ap}>`: the fragment is never sent, and the operation's `{ap}` parameter takes the action's wire name.",
                common.doc.trim(),
                ap = common.action_param
            ),
            "license": { "name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0" },
        },
        "servers": [{ "url": SANDBOX_URL, "description": "papi sandbox (`papi sandbox --port 8080`)" }],
        "tags": tags,
        "security": [{ BASIC: [], TOKEN: [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                BASIC: {
                    "type": "http",
                    "scheme": "basic",
                    "description": common.credentials_doc.trim(),
                },
                TOKEN: {
                    "type": "apiKey",
                    "in": "query",
                    "name": common.token_param,
                    "description": "The user token, from the `OrangeAPIToken` attribute of the SAML sign-in.",
                },
            },
            "schemas": schemas,
        },
    })
}

/// The export as YAML, with its `@generated` header.
pub fn render(suite: &Suite, version: &str) -> Result<GeneratedFile, CodegenError> {
    let doc = document(suite, version);
    let yaml = serde_saphyr::to_string(&doc).map_err(|e| CodegenError::Emit {
        file: OPENAPI_PATH.into(),
        message: format!("cannot write the OpenAPI document as YAML: {e}"),
    })?;
    Ok(GeneratedFile {
        path: PathBuf::from(OPENAPI_PATH),
        contents: format!(
            "# @generated by `cargo xtask codegen` from api-spec/: do not edit.\n{yaml}"
        ),
    })
}

fn schema_name(api: &Api, name: &str) -> String {
    format!("{}.{name}", api.id)
}

fn reference(api: &Api, name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{}", schema_name(api, name)) })
}

/// Base URLs (the documented URL minus the endpoint path) of the known endpoints.
fn servers(path: &str, endpoints: [&Endpoint; 2]) -> Vec<Value> {
    let mut out = Vec::new();
    for (env, e) in ["production", "integration"].iter().zip(endpoints) {
        if let Some(url) = &e.url {
            let base = url.strip_suffix(path).unwrap_or(url).trim_end_matches('/');
            out.push(
                json!({ "url": base, "description": format!("{env} (source: {})", e.source) }),
            );
        }
    }
    out
}

fn endpoint_fact(e: &Endpoint) -> Value {
    match (&e.url, &e.unknown) {
        (Some(url), _) => json!({ "url": url, "source": e.source }),
        (None, why) => json!({ "unknown": why.clone().unwrap_or_default(), "source": e.source }),
    }
}

fn operation(suite: &Suite, api: &Api, action: &Action) -> Value {
    let common = &suite.common;
    let mut description = action.doc.trim().to_owned();
    for group in &action.groups {
        description.push_str(&format!(
            "\n\nAt least one of {} is required.",
            group
                .iter()
                .map(|g| format!("`{g}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for d in &action.defects {
        description.push_str(&format!("\n\nDocumentation defect: {d}"));
    }
    let mut op = Map::new();
    op.insert(
        "operationId".into(),
        json!(format!("{}.{}", api.id, action.wire)),
    );
    op.insert("tags".into(), json!([api.id]));
    op.insert(
        "summary".into(),
        json!(action.doc.lines().next().unwrap_or_default().trim()),
    );
    op.insert("description".into(), json!(description));
    op.insert("x-papi-source".into(), json!(action.source));
    op.insert(
        "x-papi-effect".into(),
        json!(match action.effect {
            crate::ir::Effect::Read => "read",
            crate::ir::Effect::Write => "write",
        }),
    );
    match &action.privacy_attribute {
        Some(a) => op.insert("x-papi-privacy-attribute".into(), json!(a)),
        None => op.insert(
            "x-papi-unknown".into(),
            json!(["privacy attribute: undocumented (the whole family is asked for)"]),
        ),
    };
    if !action.groups.is_empty() {
        op.insert("x-papi-at-least-one-of".into(), json!(action.groups));
    }
    let action_schema = json!({ "type": "string", "const": action.wire });
    match action.method {
        Method::Get => {
            let mut params = vec![json!({
                "name": common.action_param,
                "in": "query",
                "required": true,
                "description": "The action (the operation's wire name).",
                "schema": action_schema,
            })];
            params.extend(action.params.iter().map(|p| query_param(api, p)));
            op.insert("parameters".into(), Value::Array(params));
        }
        Method::MultipartPost => {
            let mut properties = Map::new();
            let mut required = vec![json!(common.action_param)];
            properties.insert(common.action_param.clone(), action_schema);
            let mut encoding = Map::new();
            for p in &action.params {
                properties.insert(p.wire.clone(), param_schema(api, p));
                if p.required {
                    required.push(json!(p.wire));
                }
                if p.ty == ParamTy::File {
                    let types: Vec<String> = p
                        .accepted_formats
                        .iter()
                        .map(|f| format!("image/{}", f.to_lowercase()))
                        .collect();
                    encoding.insert(p.wire.clone(), json!({ "contentType": types.join(", ") }));
                }
            }
            properties.insert(
                common.token_param.clone(),
                json!({ "type": "string", "description": "The user token (a form field in an upload)." }),
            );
            required.push(json!(common.token_param));
            op.insert(
                "requestBody".into(),
                json!({
                    "required": true,
                    "content": { "multipart/form-data": {
                        "schema": { "type": "object", "properties": properties, "required": required },
                        "encoding": encoding,
                    }},
                }),
            );
            // The token travels in the form, not in the query.
            op.insert("security".into(), json!([{ BASIC: [] }]));
        }
    }
    op.insert("responses".into(), responses(suite, api, action));
    Value::Object(op)
}

fn param_doc(p: &Param) -> String {
    let mut doc = p.doc.trim().to_owned();
    if !p.forbid_chars.is_empty() {
        let chars: String = p.forbid_chars.iter().collect();
        doc.push_str(&format!(" Must not contain any of `{chars}`."));
    }
    if p.quote_if_complex {
        doc.push_str(" A value with spaces is sent between double quotes.");
    }
    if let Some((other, pairs)) = &p.pairs {
        let list: Vec<String> = pairs.iter().map(|(o, t)| format!("{o}/{t}")).collect();
        doc.push_str(&format!(
            " Allowed with `{other}` only as ({other}/{}): {}.",
            p.wire,
            list.join(", ")
        ));
    }
    if !p.accepted_formats.is_empty() {
        doc.push_str(&format!(
            " Accepted formats: {}.",
            p.accepted_formats.join(", ")
        ));
    }
    if p.mandatory_unknown {
        doc.push_str(" The sources do not say whether it is mandatory.");
    }
    doc.trim().to_owned()
}

/// The characters XML 1.0 forbids, as an ECMA-262 character class body: a string
/// parameter holding one is refused before sending (`papi_core::check::xml_text`).
const XML_FORBIDDEN_CLASS: &str = "\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF";

fn param_schema(api: &Api, p: &Param) -> Value {
    let item = match &p.ty {
        ParamTy::String => json!({ "type": "string" }),
        ParamTy::Integer => json!({ "type": "integer" }),
        ParamTy::Date => json!({ "type": "string", "format": "date" }),
        ParamTy::File => {
            json!({ "type": "string", "contentMediaType": "application/octet-stream" })
        }
        ParamTy::Enum(e) => reference(api, e),
    };
    let mut schema = if p.list {
        json!({ "type": "array", "items": item, "minItems": 1 })
    } else {
        item
    };
    if p.ty == ParamTy::String {
        // The characters XML 1.0 forbids (papi_core::check::xml_text), then the
        // parameter's own forbidden characters.
        let mut class = String::from(XML_FORBIDDEN_CLASS);
        for c in &p.forbid_chars {
            if c.is_ascii_alphanumeric() {
                class.push(*c);
            } else {
                class.push_str(&format!("\\{c}"));
            }
        }
        if let Value::Object(m) = &mut schema {
            m.insert("pattern".into(), json!(format!("^[^{class}]*$")));
        }
    }
    let mut out = Map::new();
    match schema {
        Value::Object(m) if !m.contains_key("$ref") => out = m,
        other => {
            out.insert("allOf".into(), json!([other]));
        }
    }
    out.insert("description".into(), json!(param_doc(p)));
    Value::Object(out)
}

fn query_param(api: &Api, p: &Param) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(p.wire));
    m.insert("in".into(), json!("query"));
    m.insert("required".into(), json!(p.required));
    m.insert("description".into(), json!(param_doc(p)));
    m.insert("schema".into(), param_schema(api, p));
    if p.list {
        m.insert("style".into(), json!("form"));
        m.insert("explode".into(), json!(false));
    }
    if let Some((other, pairs)) = &p.pairs {
        m.insert(
            "x-papi-pairs".into(),
            json!({ "with": other, "allowed": pairs.iter().map(|(o, t)| json!([o, t])).collect::<Vec<_>>() }),
        );
    }
    if p.mandatory_unknown {
        m.insert("x-papi-unknown".into(), json!(["mandatory"]));
    }
    if let Some(s) = &p.source {
        m.insert("x-papi-source".into(), json!(s));
    }
    Value::Object(m)
}

fn xml_doc(schema: Value) -> Value {
    json!({ "text/xml": { "schema": schema } })
}

fn responses(suite: &Suite, api: &Api, action: &Action) -> Value {
    let mut out = BTreeMap::new();
    let ok = match &action.response.ty {
        Some(ty) => {
            let mut schema = reference(api, ty);
            // Wrap the decoded element in the elements above it, up to the document root.
            let mut path = action.response.path.clone();
            if let Some(envelope) = &api.envelope {
                path.insert(0, envelope.root().to_owned());
            }
            if let Some(last) = path.pop() {
                schema = json!({ "allOf": [schema], "xml": { "name": last } });
            }
            while let Some(name) = path.pop() {
                let inner_name = schema
                    .get("xml")
                    .and_then(|x| x.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                schema = json!({
                    "type": "object",
                    "xml": { "name": name },
                    "properties": { inner_name.clone(): schema },
                    "required": [inner_name],
                });
            }
            json!({
                "description": format!("The answer; the decoded element is `{ty}`."),
                "content": xml_doc(schema),
            })
        }
        None => {
            let mut ok = json!({
                "description": format!(
                    "The answer's shape is unknown: {}",
                    action.response.unknown.as_deref().unwrap_or("undocumented")
                ),
                "x-papi-unknown": ["response"],
            });
            if let Some(inf) = &action.response.inferred {
                // Not a declared content: the shape is an inference that answers may not follow.
                ok["x-papi-inferred"] = json!({
                    "root": inf.root,
                    "schema": reference(api, &inf.ty),
                    "source": inf.source,
                    "doc": inf.doc,
                });
            }
            ok
        }
    };
    out.insert("200", ok);
    let general = json!({ "$ref": "#/components/schemas/GeneralError" });
    out.insert(
        "401",
        json!({
            "description": "The service credentials were refused (the general error document).",
            "headers": { "WWW-Authenticate": { "schema": { "type": "string" } } },
            "content": xml_doc(general.clone()),
        }),
    );
    let error = match &api.envelope {
        Some(_) => json!({ "anyOf": [general, reference(api, "Error")] }),
        None => general,
    };
    let codes: Vec<String> = suite
        .common
        .errors
        .iter()
        .chain(&api.errors)
        .map(|e| format!("`{}` {}", e.code, e.variant))
        .collect();
    out.insert(
        "500",
        json!({
            "description": format!(
                "An error document (the real servers answer the privacy error with HTTP 500). Codes: {}.",
                codes.join(", ")
            ),
            "content": xml_doc(error),
        }),
    );
    json!(out)
}

fn general_error(suite: &Suite) -> Value {
    let e = &suite.common.envelope;
    json!({
        "type": "object",
        "xml": { "name": e.root },
        "description": e.doc.trim(),
        "properties": {
            e.code.clone(): { "type": "integer", "enum": suite.common.errors.iter().map(|c| c.code).collect::<Vec<_>>() },
            e.detail.clone(): { "type": "string" },
            e.url.clone(): { "type": "string", "description": "The consent URL (privacy error only)." },
        },
        "required": [e.code, e.detail],
    })
}

fn api_error(envelope: &Envelope) -> Value {
    match envelope {
        Envelope::ReturnWrapper {
            root,
            error,
            code,
            detail,
        } => json!({
            "type": "object",
            "xml": { "name": root },
            "properties": { error.clone(): {
                "type": "object",
                "properties": { code.clone(): { "type": "integer" }, detail.clone(): { "type": "string" } },
                "required": [code, detail],
            }},
            "required": [error],
        }),
        Envelope::CommandResult {
            root,
            command_path,
            result,
            error,
            code_attr,
            subtype_attr,
        } => {
            let mut schema = json!({
                "type": "object",
                "properties": {
                    result.clone(): { "type": "integer" },
                    error.clone(): {
                        "type": "object",
                        "description": "The message is the element's text.",
                        "properties": {
                            code_attr.clone(): { "type": "string", "xml": { "attribute": true } },
                            subtype_attr.clone(): { "type": "string", "xml": { "attribute": true } },
                        },
                        "x-papi-xml-text": "the error message",
                    },
                },
                "required": [result],
            });
            let mut names = vec![root.clone()];
            names.extend(command_path.iter().cloned());
            let mut child = names.pop().unwrap_or_default();
            schema["xml"] = json!({ "name": child });
            while let Some(name) = names.pop() {
                schema = json!({
                    "type": "object",
                    "xml": { "name": name },
                    "properties": { child.clone(): schema },
                    "required": [child],
                });
                child = name;
            }
            schema
        }
    }
}

fn field_schema(api: &Api, ty: &FieldTy) -> Value {
    match ty {
        FieldTy::String => json!({ "type": "string" }),
        FieldTy::Integer => json!({ "type": "integer" }),
        FieldTy::Bool => json!({ "type": "boolean" }),
        FieldTy::Date => json!({ "type": "string", "description": "ISO 8601 date." }),
        FieldTy::Base64 => json!({ "type": "string", "contentEncoding": "base64" }),
        FieldTy::Empty => json!({ "description": "An element whose content is ignored." }),
        FieldTy::Enum(name) | FieldTy::Struct(name) => reference(api, name),
    }
}

fn shape(api: &Api, t: &Type) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut granted = Map::new();
    let mut text = None;
    for f in &t.fields {
        let mut s = field_schema(api, &f.ty);
        if f.repeated {
            s = json!({ "type": "array", "items": s, "xml": { "wrapped": false } });
        }
        let mut extra = Map::new();
        if f.attribute {
            extra.insert("xml".into(), json!({ "attribute": true }));
        }
        if !f.doc.trim().is_empty() {
            extra.insert("description".into(), json!(f.doc.trim()));
        }
        if !f.aliases.is_empty() {
            extra.insert("x-papi-aliases".into(), json!(f.aliases));
        }
        if !extra.is_empty() {
            s = match s {
                Value::Object(mut m) if !m.contains_key("$ref") => {
                    for (k, v) in extra {
                        if k == "xml" {
                            let xml = m.entry("xml").or_insert_with(|| json!({}));
                            if let (Value::Object(x), Value::Object(v)) = (xml, v) {
                                x.extend(v);
                            }
                        } else {
                            m.insert(k, v);
                        }
                    }
                    Value::Object(m)
                }
                other => {
                    let mut m = extra;
                    m.insert("allOf".into(), json!([other]));
                    Value::Object(m)
                }
            };
        }
        if f.wire == "$text" {
            text = Some(f.doc.trim().to_owned());
            continue;
        }
        if f.consented {
            granted.insert(f.wire.clone(), s);
            continue;
        }
        if !f.optional && !f.repeated {
            required.push(json!(f.wire));
        }
        properties.insert(f.wire.clone(), s);
    }
    if let Some(split) = &t.split {
        let names: Vec<&String> = granted.keys().collect();
        let protected: Map<String, Value> = names
            .iter()
            .map(|n| {
                (
                    (*n).clone(),
                    json!({ "description": "Present when the user refused this item." }),
                )
            })
            .collect();
        let mut doc =
            "Items the user granted; a refused item is under the protected container instead."
                .to_owned();
        if let Some(note) = &split.note {
            doc.push(' ');
            doc.push_str(note.trim());
        }
        properties.insert(
            split.granted.clone(),
            json!({ "type": "object", "description": doc, "properties": granted }),
        );
        properties.insert(
            split.protected.clone(),
            json!({ "type": "object", "description": "Items the user refused (empty elements).", "properties": protected }),
        );
    }
    let mut m = Map::new();
    m.insert("type".into(), json!("object"));
    m.insert("description".into(), json!(t.doc.trim()));
    m.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        m.insert("required".into(), Value::Array(required));
    }
    if let Some(text) = text {
        m.insert("x-papi-xml-text".into(), json!(text));
    }
    m.insert("x-papi-source".into(), json!(t.source));
    Value::Object(m)
}
