//! Tokens: grants, rotation, forged and stale tokens, disabled accounts, throttling.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sheba_tests::{TestApp, PASSWORD, TEST_SIGNING_KEY};

fn refresh(app: &TestApp, token: &str) -> sheba_tests::Resp {
    app.post("/api/v1/auth/token").json(&json!({"grant_type": "refresh_token", "refresh_token": token})).send()
}

fn claims_for(app: &TestApp, username: &str) -> Value {
    let token = app.tokens(username).access;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn forge(claims: &Value, key: &[u8], alg: jsonwebtoken::Algorithm) -> String {
    jsonwebtoken::encode(&jsonwebtoken::Header::new(alg), claims, &jsonwebtoken::EncodingKey::from_secret(key)).unwrap()
}

#[test]
fn password_grant_returns_bearer_tokens() {
    let app = TestApp::new();
    let r = app.sign_in("admin", PASSWORD).expect(200);
    assert_eq!(r.json["token_type"], "Bearer");
    assert_eq!(r.json["expires_in"], 900);
    assert!(r.json["refresh_token"].as_str().unwrap().starts_with("rt_"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let me = app.get("/api/v1/me").bearer(r.json["access_token"].as_str().unwrap()).send().expect(200);
    assert_eq!(me.json["username"], "admin");
    assert_eq!(me.json["role_label"]["bn"], "সিস্টেম প্রশাসক");
    // Usernames are case-insensitive.
    app.sign_in("ADMIN", PASSWORD).expect(200);
}

#[test]
fn wrong_password_and_unknown_user_look_the_same() {
    let app = TestApp::new();
    let a = app.sign_in("admin", "wrong password entirely").expect_problem(400, "invalid_grant");
    let b = app.sign_in("nobody", "wrong password entirely").expect_problem(400, "invalid_grant");
    assert_eq!(a.json["detail"], b.json["detail"]);
}

#[test]
fn refresh_rotates_and_a_replayed_token_revokes_the_family() {
    let app = TestApp::new();
    let first = app.tokens("admin").refresh.unwrap();
    let r = refresh(&app, &first).expect(200);
    let second = r.json["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    app.get("/api/v1/me").bearer(r.json["access_token"].as_str().unwrap()).send().expect(200);
    // The old token fails ...
    refresh(&app, &first).expect_problem(400, "invalid_grant");
    // ... and its reuse revoked the whole family, so the newest one fails too.
    refresh(&app, &second).expect_problem(400, "invalid_grant");
    // A sign-in started elsewhere is unaffected.
    let other = app.tokens("admin").refresh.unwrap();
    refresh(&app, &other).expect(200);
}

#[test]
fn revoke_signs_out() {
    let app = TestApp::new();
    let t = app.tokens("admin").refresh.unwrap();
    app.post("/api/v1/auth/revoke").json(&json!({"refresh_token": t})).send().expect(204);
    refresh(&app, &t).expect_problem(400, "invalid_grant");
    // Unknown tokens are accepted silently (nothing to reveal).
    app.post("/api/v1/auth/revoke").json(&json!({"refresh_token": "rt_unknown"})).send().expect(204);
    refresh(&app, "rt_garbage").expect_problem(400, "invalid_grant");
}

#[test]
fn expired_token_is_401() {
    let app = TestApp::new();
    let mut claims = claims_for(&app, "admin");
    let past = chrono::Utc::now().timestamp() - 3600;
    claims["iat"] = json!(past - 900);
    claims["iat_ms"] = json!((past - 900) * 1000);
    claims["exp"] = json!(past);
    let token = forge(&claims, TEST_SIGNING_KEY, jsonwebtoken::Algorithm::HS256);
    let r = app.get("/api/v1/me").bearer(&token).send().expect_problem(401, "unauthenticated");
    assert!(r.json["detail"].as_str().unwrap().contains("expired"));
}

#[test]
fn tampered_and_forged_tokens_are_401() {
    let app = TestApp::new();
    let token = app.tokens("admin").access;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    // Change the payload (claim more) and keep the signature.
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["role"] = json!("system_admin");
    claims["scope"] = json!("national");
    claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 3600);
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    app.get("/api/v1/me").bearer(&parts.join(".")).send().expect_problem(401, "unauthenticated");
    // Flip one signature character.
    let mut sig = parts[2].clone().into_bytes();
    sig[0] = if sig[0] == b'A' { b'B' } else { b'A' };
    let tampered =
        format!("{}.{}.{}", token.split('.').next().unwrap(), token.split('.').nth(1).unwrap(), String::from_utf8(sig).unwrap());
    app.get("/api/v1/me").bearer(&tampered).send().expect_problem(401, "unauthenticated");
    // Signed with another key.
    let claims = claims_for(&app, "admin");
    let wrong_key = forge(&claims, b"another-key-of-sufficient-length-0123456789", jsonwebtoken::Algorithm::HS256);
    app.get("/api/v1/me").bearer(&wrong_key).send().expect_problem(401, "unauthenticated");
    // Another HMAC algorithm with the right key is still refused: only HS256 is accepted.
    let hs512 = forge(&claims, TEST_SIGNING_KEY, jsonwebtoken::Algorithm::HS512);
    app.get("/api/v1/me").bearer(&hs512).send().expect_problem(401, "unauthenticated");
}

#[test]
fn alg_none_is_401() {
    let app = TestApp::new();
    let claims = claims_for(&app, "admin");
    for header in [json!({"alg": "none", "typ": "JWT"}), json!({"alg": "None"}), json!({"alg": "NONE"})] {
        let token = format!("{}.{}.", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        app.get("/api/v1/me").bearer(&token).send().expect_problem(401, "unauthenticated");
    }
}

#[test]
fn wrong_audience_or_issuer_is_401() {
    let app = TestApp::new();
    let mut claims = claims_for(&app, "admin");
    claims["aud"] = json!("another-api");
    let token = forge(&claims, TEST_SIGNING_KEY, jsonwebtoken::Algorithm::HS256);
    app.get("/api/v1/me").bearer(&token).send().expect_problem(401, "unauthenticated");
    let mut claims = claims_for(&app, "admin");
    claims["iss"] = json!("someone-else");
    let token = forge(&claims, TEST_SIGNING_KEY, jsonwebtoken::Algorithm::HS256);
    app.get("/api/v1/me").bearer(&token).send().expect_problem(401, "unauthenticated");
}

#[test]
fn a_token_claiming_more_than_the_account_has_gets_only_what_the_account_has() {
    // Even a correctly signed token with an inflated role is judged by the account as stored.
    let app = TestApp::new();
    let (_, _) = app.user("cw.inflate", "caseworker", "upazila:1");
    let mut claims = claims_for(&app, "cw.inflate");
    claims["role"] = json!("system_admin");
    claims["scope"] = json!("national");
    let token = forge(&claims, TEST_SIGNING_KEY, jsonwebtoken::Algorithm::HS256);
    app.get("/api/v1/users").bearer(&token).send().expect_problem(403, "role_lacks_permission");
}

#[test]
fn disabled_user_cannot_sign_in_refresh_or_use_old_tokens() {
    let app = TestApp::new();
    let (id, _) = app.user("officer.a", "upazila_officer", "upazila:1");
    let tokens = app.tokens("officer.a");
    app.get("/api/v1/me").bearer(&tokens.access).send().expect(200);
    let user = app.get(&format!("/api/v1/users/{id}")).bearer(&app.admin()).send().expect(200);
    let etag = user.header("etag").unwrap().to_owned();
    app.post(&format!("/api/v1/users/{id}/disable")).bearer(&app.admin()).header("If-Match", &etag).send().expect(200);
    app.get("/api/v1/me").bearer(&tokens.access).send().expect_problem(401, "unauthenticated");
    refresh(&app, tokens.refresh.as_deref().unwrap()).expect_problem(400, "invalid_grant");
    app.sign_in("officer.a", PASSWORD).expect_problem(400, "account_disabled");
    // A wrong password on a disabled account does not reveal that it is disabled.
    app.sign_in("officer.a", "not the password at all").expect_problem(400, "invalid_grant");
}

#[test]
fn password_reset_ends_existing_sessions() {
    let app = TestApp::new();
    let (id, old_access) = app.user("officer.b", "upazila_officer", "upazila:2");
    let etag = app.get(&format!("/api/v1/users/{id}")).bearer(&app.admin()).send().expect(200).header("etag").unwrap().to_owned();
    let r = app
        .post(&format!("/api/v1/users/{id}/password"))
        .bearer(&app.admin())
        .header("If-Match", &etag)
        .json(&json!({"password": "a brand new passphrase"}))
        .send()
        .expect(200);
    assert_ne!(r.header("etag").unwrap(), etag);
    app.get("/api/v1/me").bearer(&old_access).send().expect_problem(401, "unauthenticated");
    app.sign_in("officer.b", PASSWORD).expect_problem(400, "invalid_grant");
    let fresh = app.sign_in("officer.b", "a brand new passphrase").expect(200);
    app.get("/api/v1/me").bearer(fresh.json["access_token"].as_str().unwrap()).send().expect(200);
}

#[test]
fn client_credentials_for_service_accounts_only() {
    let app = TestApp::new();
    let (_, token) = app.user("dss-reports", "integrator", "national");
    let me = app.get("/api/v1/me").bearer(&token).send().expect(200);
    assert_eq!(me.json["kind"], "service");
    let r = app
        .post("/api/v1/auth/token")
        .json(&json!({"grant_type": "client_credentials", "client_id": "dss-reports", "client_secret": PASSWORD}))
        .send()
        .expect(200);
    assert!(r.json.get("refresh_token").is_none(), "no refresh token for client credentials");
    // A person cannot use client credentials, and a service account cannot use a password.
    app.post("/api/v1/auth/token")
        .json(&json!({"grant_type": "client_credentials", "client_id": "admin", "client_secret": PASSWORD}))
        .send()
        .expect_problem(401, "invalid_client");
    app.sign_in("dss-reports", PASSWORD).expect_problem(400, "invalid_grant");
    app.post("/api/v1/auth/token")
        .json(&json!({"grant_type": "client_credentials", "client_id": "dss-reports", "client_secret": "wrong secret value"}))
        .send()
        .expect_problem(401, "invalid_client");
}

#[test]
fn repeated_failures_are_throttled() {
    let app = TestApp::new();
    for _ in 0..5 {
        app.sign_in("admin", "not the password").expect_problem(400, "invalid_grant");
    }
    let r = app.sign_in("admin", PASSWORD).expect_problem(429, "too_many_attempts");
    let wait: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    // Other accounts are not affected.
    app.bootstrap_user("admin2", "system_admin", "national", "person");
    app.sign_in("admin2", PASSWORD).expect(200);
    // Failures are recorded in the audit trail even though the requests failed.
    let admin2 = app.tokens("admin2").access;
    let events = app.get("/api/v1/audit-events?action=auth.sign_in_failed").bearer(&admin2).send().expect(200);
    assert_eq!(events.json["data"].as_array().unwrap().len(), 5);
}

#[test]
fn a_success_clears_earlier_failures() {
    let app = TestApp::new();
    for _ in 0..4 {
        app.sign_in("admin", "not the password").expect(400);
    }
    app.sign_in("admin", PASSWORD).expect(200);
    for _ in 0..4 {
        app.sign_in("admin", "not the password").expect(400);
    }
    app.sign_in("admin", PASSWORD).expect(200);
}

#[test]
fn failures_older_than_the_throttle_window_are_forgotten() {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let app = TestApp::new();
    // Old failures of many names (someone trying names a day ago)...
    diesel::sql_query(
        "INSERT INTO login_failures (username, failed_at) SELECT 'name' || g, now() - interval '1 day' FROM generate_series(1, 500) g",
    )
    .execute(&mut app.db())
    .unwrap();
    // ...are deleted by the next failure, whoever it is for; a recent one stays and counts.
    app.sign_in("someone.else", "wrong").expect_problem(400, "invalid_grant");
    app.sign_in("admin", "wrong").expect_problem(400, "invalid_grant");
    let left: N = diesel::sql_query("SELECT count(*) AS n FROM login_failures").get_result(&mut app.db()).unwrap();
    assert_eq!(left.n, 2);
}
