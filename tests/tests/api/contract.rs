//! The served OpenAPI document is the committed contract, and it is complete.

use sheba_tests::{workspace_root, TestApp};

#[test]
fn served_spec_matches_the_committed_contract() {
    let app = TestApp::new();
    let served = app.get("/api-docs/openapi.json").send().expect(200).json;
    let path = workspace_root().join("openapi/openapi.json");
    let committed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        served == committed,
        "the API's OpenAPI document differs from openapi/openapi.json.\n\
         If the change is intended, regenerate the contract with:\n    scripts/update-openapi\n\
         and commit it (front ends build against that file)."
    );
}

#[test]
fn spec_is_openapi_31_with_bearer_auth_and_examples_everywhere() {
    let app = TestApp::new();
    let spec = app.get("/api-docs/openapi.json").send().expect(200).json;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(spec["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        assert!(schema.get("example").is_some() || schema.get("examples").is_some(), "schema {name} has no example");
    }
    let mut ids = vec![];
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                id.split('_').count() >= 2 && id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{id} is not verb_resource"
            );
            ids.push(id.to_owned());
            let protected = path.starts_with("/api/v1/")
                && !path.starts_with("/api/v1/auth/")
                && !path.starts_with("/api/v1/geo/")
                && !path.starts_with("/api/v1/reference/")
                && path != "/api/v1/programmes";
            if protected {
                assert!(op.get("security").is_some(), "{method} {path} must declare bearer security");
                assert!(op["responses"].get("401").is_some(), "{method} {path} must document 401");
            }
        }
    }
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "operationIds are unique");
}

#[test]
fn every_documented_operation_is_routed() {
    // Each operation in the contract answers its method with something other than 404/405.
    let app = TestApp::new();
    let spec = app.get("/api-docs/openapi.json").send().expect(200).json;
    for (path, item) in spec["paths"].as_object().unwrap() {
        // Fill every path parameter: ids with a fresh UUID, sub-record numbers with 1.
        let mut concrete = String::new();
        for segment in path.split('/').skip(1) {
            concrete.push('/');
            match segment {
                "{no}" => concrete.push('1'),
                "{month}" => concrete.push_str("2026-01-01"),
                "{report}" => concrete.push_str("cct"),
                s if s.starts_with('{') => concrete.push_str(&uuid::Uuid::now_v7().to_string()),
                s => concrete.push_str(s),
            }
        }
        for method in item.as_object().unwrap().keys() {
            let m: &'static str = match method.as_str() {
                "get" => "GET",
                "post" => "POST",
                "put" => "PUT",
                "patch" => "PATCH",
                "delete" => "DELETE",
                other => panic!("unexpected method {other}"),
            };
            let r = app.req(m, &concrete).bearer(&app.admin()).send();
            let body_less_404 =
                r.status == 404 && r.json["detail"].as_str().is_some_and(|d| d.contains("no resource at this path"));
            assert!(!body_less_404 && r.status != 405, "{m} {path} is documented but not routed ({})", r.status);
        }
    }
}

#[test]
fn swagger_ui_is_served_offline() {
    let app = TestApp::new();
    let r = app.get("/swagger-ui/").send().expect(200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(!r.text.contains("https://"), "Swagger UI must not load anything from the network");
    let init = app.get("/swagger-ui/swagger-initializer.js").send().expect(200);
    assert!(init.text.contains("/api-docs/openapi.json"));
    app.get("/swagger-ui/swagger-ui-bundle.js").send().expect(200);
}
