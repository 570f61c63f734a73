//! Browser front ends on other origins: preflights for every route, CORS headers on every
//! answer (problem documents too), nothing for origins that are not configured. The real
//! browser's view of the same is `scripts/browser`.

use serde_json::json;
use sheba_tests::TestApp;

const SPA: &str = "http://localhost:5173";
const OTHER: &str = "http://evil.example:5173";

fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> sheba_tests::Resp {
    app.req("OPTIONS", path)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", "authorization, content-type, if-match, idempotency-key, accept-language")
        .send()
}

fn list(header: Option<&str>) -> Vec<String> {
    header.unwrap_or_default().split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect()
}

#[test]
fn preflights_answer_allowed_origins_on_every_route() {
    let app = TestApp::with_cors_origins(&format!("{SPA}, https://portal.example.gov.bd"));
    // A create, an update with If-Match, the token endpoint, and paths whose real answer would
    // be a problem document (a malformed id: 404; an unknown path: 404).
    for (path, method) in [
        ("/api/v1/persons", "POST"),
        ("/api/v1/persons/019300000000700080000000000000aa", "PATCH"),
        ("/api/v1/auth/token", "POST"),
        ("/api/v1/cases/not-an-id", "GET"),
        ("/api/v1/no-such-thing", "DELETE"),
    ] {
        let r = preflight(&app, path, SPA, method);
        assert!(r.status == 200 || r.status == 204, "{method} {path}: preflight answered {} {}", r.status, r.text);
        assert_eq!(r.header("access-control-allow-origin"), Some(SPA), "{method} {path}");
        assert!(list(r.header("access-control-allow-methods")).contains(&method.to_ascii_lowercase()), "{method} {path}");
        let allowed = list(r.header("access-control-allow-headers"));
        for h in ["authorization", "content-type", "if-match", "idempotency-key", "accept-language"] {
            assert!(allowed.contains(&h.to_owned()), "{h} not allowed on {path}: {allowed:?}");
        }
    }
    let r = preflight(&app, "/api/v1/me", "https://portal.example.gov.bd", "GET");
    assert_eq!(r.header("access-control-allow-origin"), Some("https://portal.example.gov.bd"));
}

#[test]
fn answers_to_allowed_origins_expose_the_headers_front_ends_read() {
    let app = TestApp::with_cors_origins(SPA);
    let (_, caseworker) = app.user("cw.cors", "caseworker", "upazila:1");
    let body = json!({"name_en": "Salma Akter", "sex": "female", "date_of_birth": "2009-03-01"});
    let created = app
        .post("/api/v1/persons")
        .header("Origin", SPA)
        .header("Idempotency-Key", "cors-create-1")
        .bearer(&caseworker)
        .json(&body)
        .send()
        .expect(201);
    assert_eq!(created.header("access-control-allow-origin"), Some(SPA));
    assert_eq!(created.header("cross-origin-resource-policy"), Some("cross-origin"));
    assert!(list(created.header("vary")).contains(&"origin".to_owned()), "Vary: Origin, so caches keep answers apart");
    let exposed = list(created.header("access-control-expose-headers"));
    for h in ["etag", "location", "retry-after", "x-request-id", "idempotent-replayed"] {
        assert!(exposed.contains(&h.to_owned()), "{h} not exposed: {exposed:?}");
    }
    // A problem document (no token: 401) carries the same headers, so the front end can read it.
    let denied = app.get("/api/v1/me").header("Origin", SPA).send().expect_problem(401, "unauthenticated");
    assert_eq!(denied.header("access-control-allow-origin"), Some(SPA));
    assert!(list(denied.header("access-control-expose-headers")).contains(&"x-request-id".to_owned()));
}

#[test]
fn other_origins_get_no_cors_headers_and_are_still_answered() {
    let app = TestApp::with_cors_origins(SPA);
    let r = preflight(&app, "/api/v1/persons", OTHER, "POST");
    assert_eq!(r.header("access-control-allow-origin"), None, "{}", r.text);
    // The request itself is answered as without an Origin (the browser withholds it from the
    // page); a same-origin page such as Swagger UI also sends an Origin on POST.
    let r = app.get("/api/v1/me").header("Origin", OTHER).bearer(&app.admin()).send().expect(200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(r.header("cross-origin-resource-policy"), Some("same-origin"));
    let own = app.base.clone();
    app.post("/api/v1/auth/token")
        .header("Origin", &own)
        .json(&json!({"grant_type": "password", "username": "admin", "password": sheba_tests::PASSWORD}))
        .send()
        .expect(200);
}

#[test]
fn no_origin_is_allowed_by_default() {
    let app = TestApp::new();
    let r = preflight(&app, "/api/v1/persons", SPA, "POST");
    assert_eq!(r.header("access-control-allow-origin"), None);
    let r = app.get("/health/live").header("Origin", SPA).send().expect(200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(r.header("cross-origin-resource-policy"), Some("same-origin"));
}
