//! The token endpoint as RFC 6749 clients speak it: form bodies, client credentials by
//! `client_secret_basic` or `client_secret_post`, and errors with `error` and
//! `error_description` beside the problem fields. (`scripts/oauth2-clients` signs in with
//! real client libraries.)

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;
use sheba_tests::{Resp, TestApp, PASSWORD};

fn form<'a>(app: &'a TestApp, body: &str) -> sheba_tests::Req<'a> {
    app.post("/api/v1/auth/token").header("Content-Type", "application/x-www-form-urlencoded").raw(body.to_owned())
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{}:{}", enc(id), enc(secret))))
}

/// An RFC 6749 §5.2 error that is also our problem document.
#[track_caller]
fn oauth_error(r: Resp, status: u16, error: &str) -> Resp {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["error"], error, "{}", r.text);
    assert!(r.json["error_description"].as_str().is_some_and(|d| !d.is_empty()), "{}", r.text);
    assert_eq!(r.json["status"], status);
    assert!(r.json["type"].as_str().unwrap().starts_with("https://sheba.example/problems/"));
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    r
}

#[test]
fn password_grant_as_a_form() {
    let app = TestApp::new();
    let r = form(&app, &format!("grant_type=password&username=admin&password={}&scope=openid", enc(PASSWORD))).send().expect(200);
    assert_eq!(r.json["token_type"], "Bearer");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("pragma"), Some("no-cache"));
    let access = r.json["access_token"].as_str().unwrap();
    app.get("/api/v1/me").bearer(access).send().expect(200);
    // The refresh grant works as a form too; a charset parameter changes nothing.
    let refresh = r.json["refresh_token"].as_str().unwrap();
    app.post("/api/v1/auth/token")
        .header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
        .raw(format!("grant_type=refresh_token&refresh_token={}", enc(refresh)))
        .send()
        .expect(200);
    // Wrong password: invalid_grant, and the problem fields are kept.
    let r = oauth_error(form(&app, "grant_type=password&username=admin&password=nope+nope+nope").send(), 400, "invalid_grant");
    assert_eq!(r.json["code"], "invalid_grant");
}

#[test]
fn client_credentials_by_basic_header_or_in_the_body() {
    let app = TestApp::new();
    app.user("dss-reports", "integrator", "national");
    // client_secret_basic: the header, form-encoded parts (the secret has spaces).
    let r =
        form(&app, "grant_type=client_credentials").header("Authorization", &basic("dss-reports", PASSWORD)).send().expect(200);
    let token = r.json["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me").bearer(token).send().expect(200).json["username"], "dss-reports");
    assert!(r.json.get("refresh_token").is_none());
    // client_secret_post, as a form and as JSON.
    form(&app, &format!("grant_type=client_credentials&client_id=dss-reports&client_secret={}", enc(PASSWORD)))
        .send()
        .expect(200);
    app.post("/api/v1/auth/token")
        .header("Authorization", &basic("dss-reports", PASSWORD))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .expect(200);
    // Wrong secret in the header: 401 invalid_client with a Basic challenge.
    let r = oauth_error(
        form(&app, "grant_type=client_credentials").header("Authorization", &basic("dss-reports", "wrong secret")).send(),
        401,
        "invalid_client",
    );
    assert!(r.header("www-authenticate").unwrap().starts_with("Basic"));
    // A header that is not Base64, or has no colon, is a failed client authentication.
    oauth_error(form(&app, "grant_type=client_credentials").header("Authorization", "Basic !!!").send(), 401, "invalid_client");
    let no_colon = format!("Basic {}", STANDARD.encode("dss-reports"));
    oauth_error(form(&app, "grant_type=client_credentials").header("Authorization", &no_colon).send(), 401, "invalid_client");
    // Both methods at once is refused (RFC 6749 §2.3).
    oauth_error(
        form(&app, &format!("grant_type=client_credentials&client_id=dss-reports&client_secret={}", enc(PASSWORD)))
            .header("Authorization", &basic("dss-reports", PASSWORD))
            .send(),
        400,
        "invalid_request",
    );
}

#[test]
fn malformed_requests_get_rfc_6749_errors() {
    let app = TestApp::new();
    let r = oauth_error(form(&app, "username=admin").send(), 400, "invalid_request");
    assert_eq!(r.json["errors"][0]["field"], "grant_type");
    let r = oauth_error(form(&app, "grant_type=password&username=admin").send(), 400, "invalid_request");
    assert_eq!(r.json["errors"][0]["field"], "password");
    let r = oauth_error(
        app.post("/api/v1/auth/token").json(&json!({"grant_type": "password", "username": "admin"})).send(),
        400,
        "invalid_request",
    );
    assert_eq!(r.json["errors"][0]["field"], "password");
    oauth_error(form(&app, "grant_type=authorization_code&code=x").send(), 400, "unsupported_grant_type");
    oauth_error(app.post("/api/v1/auth/token").json(&json!({"grant_type": "magic"})).send(), 400, "unsupported_grant_type");
    // A JSON field of the wrong type, malformed JSON, a form that is not one, another media type.
    let r = oauth_error(
        app.post("/api/v1/auth/token").json(&json!({"grant_type": "password", "username": 7, "password": "x"})).send(),
        400,
        "invalid_request",
    );
    assert_eq!(r.json["errors"][0]["field"], "username");
    oauth_error(
        app.post("/api/v1/auth/token").header("Content-Type", "application/json").raw("{").send(),
        400,
        "invalid_request",
    );
    oauth_error(form(&app, "grant_type=password&username=%ZZ").send(), 400, "invalid_request");
    oauth_error(
        app.post("/api/v1/auth/token").header("Content-Type", "text/plain").raw("grant_type=password").send(),
        415,
        "invalid_request",
    );
    let big = format!("grant_type=password&username=admin&password={}", "p".repeat(sheba_tests::TEST_BODY_LIMIT));
    oauth_error(form(&app, &big).send(), 413, "invalid_request");
    // An empty value counts as missing.
    oauth_error(form(&app, "grant_type=password&username=&password=x").send(), 400, "invalid_request");
}

#[test]
fn throttling_and_disabled_accounts_say_invalid_grant() {
    let app = TestApp::new();
    for _ in 0..5 {
        oauth_error(form(&app, "grant_type=password&username=admin&password=wrong+password").send(), 400, "invalid_grant");
    }
    let r = oauth_error(
        form(&app, &format!("grant_type=password&username=admin&password={}", enc(PASSWORD))).send(),
        429,
        "invalid_grant",
    );
    assert!(r.header("retry-after").is_some());
    assert_eq!(r.json["code"], "too_many_attempts");
}

#[test]
fn other_endpoints_carry_no_oauth_error_member() {
    let app = TestApp::new();
    let r = app.get("/api/v1/me").send().expect_problem(401, "unauthenticated");
    assert!(r.json.get("error").is_none());
}
