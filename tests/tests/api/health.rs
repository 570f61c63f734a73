use sheba_tests::TestApp;

#[test]
fn live_and_ready() {
    let app = TestApp::new();
    let r = app.get("/health/live").send().expect(200);
    assert_eq!(r.json["status"], "live");
    let r = app.get("/health/ready").send().expect(200);
    assert_eq!(r.json["status"], "ready");
    assert_eq!(r.json["pending_migrations"], 0);
}

#[test]
fn not_ready_when_migrations_are_pending() {
    let url = sheba_tests::empty_database("not_migrated");
    let app = TestApp::on_database_without_admin(url);
    let r = app.get("/health/ready").send().expect_problem(503, "service_unavailable");
    assert_eq!(r.header("retry-after"), Some("2"));
    assert!(!r.text.contains("migrations pending"), "the cause is logged, not sent: {}", r.text);
}

#[test]
fn every_response_has_a_request_id_and_security_headers() {
    let app = TestApp::new();
    for path in ["/health/live", "/api/v1/geo/divisions", "/no/such/path", "/api/v1/me"] {
        let r = app.get(path).send();
        let id = r.header("x-request-id").unwrap_or_else(|| panic!("{path} has no X-Request-Id"));
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
    }
    let a = app.get("/health/live").send();
    let b = app.get("/health/live").send();
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
}

#[test]
fn a_sane_incoming_request_id_is_kept_and_a_hostile_one_replaced() {
    let app = TestApp::new();
    let r = app.get("/health/live").header("X-Request-Id", "gateway-42_abc").send();
    assert_eq!(r.header("x-request-id"), Some("gateway-42_abc"));
    let r = app.get("/no/such").header("X-Request-Id", "gateway-43").send().expect_problem(404, "not_found");
    assert_eq!(r.json["request_id"], "gateway-43");
    let hostile = "x".repeat(200);
    let r = app.get("/health/live").header("X-Request-Id", &hostile).send();
    assert_ne!(r.header("x-request-id"), Some(hostile.as_str()));
}

#[test]
fn database_down_is_503_with_retry_after_and_no_internals() {
    // Nothing listens on port 1: every request that needs the database fails fast.
    let app =
        TestApp::with_acquire_timeout("postgres://postgres:x@127.0.0.1:1/none".into(), std::time::Duration::from_millis(300));
    app.get("/health/live").send().expect(200);
    let ready = app.get("/health/ready").send();
    let sign_in = app
        .post("/api/v1/auth/token")
        .json(&serde_json::json!({"grant_type": "password", "username": "someone", "password": "a password"}))
        .send();
    for r in [ready, sign_in] {
        let r = r.expect_problem(503, "service_unavailable");
        assert_eq!(r.header("retry-after"), Some("2"));
        assert!(!r.text.contains("127.0.0.1") && !r.text.contains("Connection refused"), "{}", r.text);
    }
}
