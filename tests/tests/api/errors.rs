//! Every class of error is an RFC 9457 problem document.

use serde_json::json;
use sheba_tests::{TestApp, TEST_BODY_LIMIT};

#[test]
fn unknown_route_is_404() {
    let app = TestApp::new();
    app.get("/api/v1/nothing-here").send().expect_problem(404, "not_found");
    app.get("/").send().expect_problem(404, "not_found");
}

#[test]
fn malformed_id_in_path_is_404() {
    let app = TestApp::new();
    app.get("/api/v1/users/not-a-uuid").bearer(&app.admin()).send().expect_problem(404, "not_found");
}

#[test]
fn wrong_method_is_405_with_allow() {
    let app = TestApp::new();
    let r = app.req("DELETE", "/api/v1/users").send().expect_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = app.get("/api/v1/auth/token").send().expect_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("POST"));
}

/// The `Allow` header comes from the documented methods at the path, parameters included.
#[test]
fn wrong_method_on_a_parameterised_path_is_405_with_allow() {
    let app = TestApp::new();
    let id = uuid::Uuid::now_v7();
    for (method, path, allow) in [
        ("DELETE", format!("/api/v1/cases/{id}"), "GET"),
        ("GET", format!("/api/v1/cases/{id}/admission"), "POST"),
        ("PUT", format!("/api/v1/persons/{id}"), "GET, PATCH"),
        ("POST", "/api/v1/quotas".to_owned(), "GET, PUT"),
        ("POST", format!("/api/v1/cases/{id}/referrals/3/status/extra"), ""),
    ] {
        let r = app.req(method, &path).send();
        if allow.is_empty() {
            r.expect_problem(404, "not_found");
        } else {
            let r = r.expect_problem(405, "method_not_allowed");
            assert_eq!(r.header("allow"), Some(allow), "{method} {path}");
        }
    }
}

#[test]
fn malformed_json_is_400_saying_where() {
    let app = TestApp::new();
    let r = app
        .post("/api/v1/auth/token")
        .header("Content-Type", "application/json")
        .raw("{\"grant_type\": \"password\",\n \"username\": }")
        .send()
        .expect_problem(400, "malformed_json");
    let detail = r.json["detail"].as_str().unwrap();
    assert!(detail.contains("line 2, column 14"), "{detail}");
}

#[test]
fn wrong_content_type_is_415() {
    let app = TestApp::new();
    app.post("/api/v1/auth/token")
        .header("Content-Type", "text/plain")
        .raw(r#"{"grant_type":"password","username":"admin","password":"x"}"#)
        .send()
        .expect_problem(415, "unsupported_media_type");
    // A body with no content type at all is neither a form nor JSON.
    app.post("/api/v1/auth/token").raw("grant_type=password").send().expect_problem(415, "unsupported_media_type");
}

#[test]
fn too_large_is_413() {
    let app = TestApp::new();
    let big = json!({"grant_type": "password", "username": "admin", "password": "p".repeat(TEST_BODY_LIMIT)});
    app.post("/api/v1/auth/token").json(&big).send().expect_problem(413, "payload_too_large");
}

#[test]
fn validation_is_422_with_every_field() {
    let app = TestApp::new();
    let r = app
        .post("/api/v1/users")
        .bearer(&app.admin())
        .json(&json!({"username": "x", "role": "king", "scope": "division:99", "password": "short"}))
        .send()
        .expect_problem(422, "validation_failed");
    let fields: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["username", "role", "password"]);
    // A wrongly typed or missing field is a 422 naming it, not a 400.
    let r = app
        .post("/api/v1/users")
        .bearer(&app.admin())
        .json(&json!({"username": "valid.name", "role": 7, "scope": "national", "password": "long enough password"}))
        .send()
        .expect_problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["field"], "role");
}

#[test]
fn unauthenticated_is_401_with_www_authenticate() {
    let app = TestApp::new();
    let r = app.get("/api/v1/users").send().expect_problem(401, "unauthenticated");
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
    app.get("/api/v1/users").header("Authorization", "Basic YWRtaW46eA==").send().expect_problem(401, "unauthenticated");
    app.get("/api/v1/users").bearer("not.a.jwt").send().expect_problem(401, "unauthenticated");
}

#[test]
fn forbidden_is_403() {
    let app = TestApp::new();
    let (_, caseworker) = app.user("cw.one", "caseworker", "upazila:1");
    app.get("/api/v1/users").bearer(&caseworker).send().expect_problem(403, "role_lacks_permission");
    app.get("/api/v1/audit-events").bearer(&caseworker).send().expect_problem(403, "role_lacks_permission");
}

#[test]
fn bad_query_parameters_are_4xx() {
    let app = TestApp::new();
    app.get("/api/v1/geo/districts?division_id=abc").send().expect_problem(400, "invalid_query");
    app.get("/api/v1/geo/districts?limit=0").send().expect_problem(422, "validation_failed");
    app.get("/api/v1/geo/districts?limit=201").send().expect_problem(422, "validation_failed");
    app.get("/api/v1/geo/districts?cursor=forged").send().expect_problem(400, "invalid_cursor");
}

#[test]
fn no_internals_leak_in_errors() {
    let app = TestApp::new();
    for r in [
        app.post("/api/v1/auth/token").header("Content-Type", "application/json").raw("{").send(),
        app.get("/api/v1/geo/districts?division_id=abc").send(),
        app.req("PUT", "/health/live").send(),
    ] {
        for needle in ["panicked", "diesel", "SELECT", "src/", "actix"] {
            assert!(!r.text.contains(needle), "{needle} in {}", r.text);
        }
    }
}

#[test]
fn nul_characters_in_text_are_a_400_not_a_fault() {
    // Found by schemathesis: PostgreSQL text cannot hold NUL.
    let app = TestApp::new();
    app.get("/api/v1/audit-events?action=a%00b").bearer(&app.admin()).send().expect_problem(400, "invalid_text");
    // A filter that names a code is checked against its list first.
    app.get("/api/v1/facilities?facility_type=a%00b").bearer(&app.admin()).send().expect_problem(422, "validation_failed");
    app.get("/api/v1/users?username_prefix=x%00").bearer(&app.admin()).send().expect_problem(400, "invalid_text");
}

#[test]
fn out_of_range_values_are_4xx_not_a_fault() {
    // Found by schemathesis: an age of 19,573 years made a date PostgreSQL cannot store.
    let app = TestApp::new();
    let (_, cw) = app.user("cw.range", "caseworker", "upazila:1");
    app.get("/api/v1/cases?age_min=19573").bearer(&cw).send().expect_problem(422, "validation_failed");
    // Far-future timestamps are either answered or refused, never a fault.
    let r = app.get("/api/v1/audit-events?from=%2B200000-01-01T00:00:00Z").bearer(&app.admin()).send();
    assert!(r.status == 200 || r.status == 400, "{}", r.text);
}
