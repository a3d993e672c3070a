//! The OpenAPI export of the fixture spec (`tests/fixtures/mini`): one operation per action
//! on its `#action` pseudo-path, with the action's own parameters, schemas and unknowns; and
//! the export of the real spec is the committed `openapi/papi.yaml`.

use std::path::Path;

use serde_json::{json, Value};

fn mini() -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini");
    let suite = papi_codegen::load(&dir).expect("the fixture loads");
    papi_codegen::openapi::document(&suite, "1.2.3")
}

fn param<'a>(op: &'a Value, name: &str) -> &'a Value {
    op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no parameter {name} in {op}"))
}

#[test]
fn each_action_is_an_operation_on_its_pseudo_path() {
    let doc = mini();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], "1.2.3");
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert_eq!(paths, ["/Mini/V1#addthing", "/Mini/V1#getthing"]);
    let get = &doc["paths"]["/Mini/V1#getthing"]["get"];
    assert_eq!(get["operationId"], "mini.getthing");
    let action = param(get, "action");
    assert_eq!(action["required"], true);
    // `default` beside `const`: generated clients fill the action in themselves.
    assert_eq!(
        action["schema"],
        json!({ "type": "string", "const": "getthing", "default": "getthing" })
    );
    assert_eq!(get["summary"], "Get a thing.");
}

#[test]
fn parameters_carry_types_rules_and_unknowns() {
    let doc = mini();
    let get = &doc["paths"]["/Mini/V1#getthing"]["get"];
    let tid = param(get, "tid");
    assert_eq!(tid["required"], true);
    // The characters XML forbids, then the parameter's own (`*`).
    assert_eq!(
        tid["schema"]["pattern"],
        "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF\\*]*$"
    );
    let color = param(get, "color");
    assert_eq!(color["required"], false);
    assert_eq!(
        color["schema"]["allOf"][0]["$ref"],
        "#/components/schemas/mini.Color"
    );
    assert_eq!(get["x-papi-at-least-one-of"], json!([["color", "label"]]));
    assert!(get["description"]
        .as_str()
        .unwrap()
        .contains("At least one of `color`, `label` is required."));
    let add = &doc["paths"]["/Mini/V1#addthing"]["get"];
    assert_eq!(param(add, "title")["x-papi-unknown"], json!(["mandatory"]));
    assert_eq!(
        add["responses"]["200"]["x-papi-unknown"],
        json!(["response"])
    );
    assert!(add["responses"]["200"].get("content").is_none());
    let colors = &doc["components"]["schemas"]["mini.Color"];
    assert_eq!(colors["enum"], json!(["r", "g"]));
}

#[test]
fn answers_are_xml_from_the_envelope_root() {
    let doc = mini();
    let ok = &doc["paths"]["/Mini/V1#getthing"]["get"]["responses"]["200"]["content"]["text/xml"]
        ["schema"];
    let root = ok["xml"]["name"].as_str().unwrap();
    let data = &ok["properties"]["Data"];
    assert_eq!(data["xml"]["name"], "Data", "root {root}: {ok}");
    assert_eq!(data["allOf"][0]["$ref"], "#/components/schemas/mini.Thing");
    let thing = &doc["components"]["schemas"]["mini.Thing"];
    // The model is named after the element it is read from, for XML-aware generators.
    assert_eq!(thing["xml"], json!({ "name": "Data" }));
    assert_eq!(thing["properties"]["id"]["xml"]["attribute"], true);
    assert_eq!(thing["required"], json!(["id"]));
    let errors = &doc["paths"]["/Mini/V1#getthing"]["get"]["responses"]["500"]["content"]
        ["text/xml"]["schema"]["anyOf"];
    assert_eq!(errors[0]["$ref"], "#/components/schemas/GeneralError");
    assert_eq!(errors[1]["$ref"], "#/components/schemas/mini.Error");
}

#[test]
fn servers_and_security_follow_the_spec() {
    let doc = mini();
    let item = &doc["paths"]["/Mini/V1#getthing"];
    assert_eq!(item["servers"][0]["url"], "https://api.example");
    assert_eq!(item["servers"].as_array().unwrap().len(), 1);
    assert_eq!(
        item["x-papi-endpoints"]["integration"]["unknown"],
        "Never documented."
    );
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["serviceCredentials"]["scheme"], "basic");
    assert_eq!(schemes["userToken"]["in"], "query");
    assert_eq!(schemes["userToken"]["name"], "token");
}

#[test]
fn the_export_is_deterministic_and_committed() {
    let root = papi_codegen::workspace_root();
    let suite = papi_codegen::load(&root.join("api-spec")).unwrap();
    let a = papi_codegen::openapi::render(&suite, env!("CARGO_PKG_VERSION")).unwrap();
    let b = papi_codegen::openapi::render(&suite, env!("CARGO_PKG_VERSION")).unwrap();
    assert_eq!(a, b);
    assert!(
        papi_codegen::stale_files(&root, &[a]).is_empty(),
        "openapi/papi.yaml is stale: run `cargo xtask codegen`"
    );
}

#[test]
fn summaries_are_whole_sentences_and_files_are_binary() {
    let root = papi_codegen::workspace_root();
    let suite = papi_codegen::load(&root.join("api-spec")).unwrap();
    let doc = papi_codegen::openapi::document(&suite, "0");
    let mut files = 0;
    for item in doc["paths"].as_object().unwrap().values() {
        for op in ["get", "post"].iter().filter_map(|m| item.get(*m)) {
            let summary = op["summary"].as_str().unwrap();
            assert!(summary.ends_with('.'), "{summary}");
            assert!(!summary.contains("()"), "{summary}");
            assert!(!summary.contains('\n'), "{summary}");
            let description = op["description"].as_str().unwrap();
            let flat = description.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.starts_with(summary), "{summary} / {description}");
            let form = &op["requestBody"]["content"]["multipart/form-data"]["schema"];
            for p in form["properties"]
                .as_object()
                .into_iter()
                .flat_map(|p| p.values())
            {
                if p.get("contentMediaType").is_some() {
                    files += 1;
                    assert_eq!(p["format"], "binary", "{p}");
                }
            }
        }
    }
    assert!(files > 0, "the spec has an upload");
    // Every type read from one element only is named after it.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert_eq!(schemas["contacts.Contact"]["xml"]["name"], "data");
}

#[test]
fn every_action_of_the_spec_is_exported_and_uploads_are_multipart() {
    let root = papi_codegen::workspace_root();
    let suite = papi_codegen::load(&root.join("api-spec")).unwrap();
    let doc = papi_codegen::openapi::document(&suite, "0");
    let paths = doc["paths"].as_object().unwrap();
    let mut uploads = 0;
    for api in suite.apis.iter().filter(|a| a.is_client()) {
        for action in &api.actions {
            let path = action.endpoint.as_ref().map_or(&api.path, |e| &e.path);
            let item = &paths[&format!("{path}#{}", action.wire)];
            match action.method {
                papi_codegen::ir::Method::Get => {
                    assert_eq!(
                        param(&item["get"], "action")["schema"]["const"],
                        *action.wire
                    )
                }
                papi_codegen::ir::Method::MultipartPost => {
                    uploads += 1;
                    let body = &item["post"]["requestBody"]["content"]["multipart/form-data"];
                    assert_eq!(
                        body["schema"]["properties"]["action"]["const"],
                        *action.wire
                    );
                    let required = body["schema"]["required"].as_array().unwrap();
                    for p in action.params.iter().filter(|p| p.required) {
                        assert!(required.contains(&json!(p.wire)), "{}", p.wire);
                    }
                }
            }
        }
    }
    let actions: usize = suite
        .apis
        .iter()
        .filter(|a| a.is_client())
        .map(|a| a.actions.len())
        .sum();
    assert_eq!(paths.len(), actions);
    assert!(uploads > 0, "the spec has an upload action");
}
