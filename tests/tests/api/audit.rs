//! The audit trail: one row per write, in the same transaction, and append-only.

use diesel::RunQueryDsl;
use serde_json::json;
use sheba_tests::{TestApp, PASSWORD};

#[test]
fn writes_leave_audit_rows_with_before_after_and_request_id() {
    let app = TestApp::new();
    let r = app
        .post("/api/v1/users")
        .bearer(&app.admin())
        .header("X-Request-Id", "req-create-1")
        .json(&json!({"username": "audited.one", "role": "auditor", "scope": "national", "password": PASSWORD}))
        .send()
        .expect(201);
    let id = r.json["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/users/{id}/disable"))
        .bearer(&app.admin())
        .header("If-Match", "\"1\"")
        .header("X-Request-Id", "req-disable-1")
        .send()
        .expect(200);
    let events =
        app.get(&format!("/api/v1/audit-events?entity_type=user&entity_id={id}")).bearer(&app.admin()).send().expect(200);
    let events = events.json["data"].as_array().unwrap().clone();
    assert_eq!(events.len(), 2, "{events:?}");
    let (disable, create) = (&events[0], &events[1]);
    assert_eq!(create["action"], "user.create");
    assert_eq!(create["actor_label"], "admin");
    assert_eq!(create["request_id"], "req-create-1");
    assert!(create["before"].is_null());
    assert_eq!(create["after"]["username"], "audited.one");
    assert_eq!(disable["action"], "user.disable");
    assert_eq!(disable["request_id"], "req-disable-1");
    assert_eq!(disable["before"]["status"], "active");
    assert_eq!(disable["after"]["status"], "disabled");
    assert!(!disable.to_string().contains("argon2"), "no password hash in the trail");
}

#[test]
fn a_refused_write_leaves_no_audit_row() {
    let app = TestApp::new();
    app.post("/api/v1/users")
        .bearer(&app.admin())
        .json(&json!({"username": "ghost.user", "role": "upazila_officer", "scope": "upazila:999999", "password": PASSWORD}))
        .send()
        .expect(422);
    let events = app.get("/api/v1/audit-events?action=user.create").bearer(&app.admin()).send().expect(200);
    assert_eq!(events.json["data"].as_array().unwrap().len(), 1, "only the bootstrap admin's creation");
}

#[test]
fn the_database_rejects_update_delete_and_truncate_of_audit_rows() {
    let app = TestApp::new();
    app.tokens("admin");
    let mut conn = app.db();
    for sql in ["UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events", "TRUNCATE audit_events"] {
        let err = diesel::sql_query(sql).execute(&mut conn).expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    // Appending still works.
    diesel::sql_query(
        "INSERT INTO audit_events (id, actor_label, action, entity_type, entity_id) VALUES (gen_random_uuid(), 'x', 'y', 'z', '1')",
    )
    .execute(&mut conn)
    .unwrap();
}

#[test]
fn only_national_auditors_and_administrators_read_the_trail() {
    let app = TestApp::new();
    let (_, auditor) = app.user("nat.auditor", "auditor", "national");
    let (_, district_auditor) = app.user("dist.auditor", "auditor", "district:1");
    let (_, officer) = app.user("upz.officer", "upazila_officer", "upazila:1");
    app.get("/api/v1/audit-events").bearer(&auditor).send().expect(200);
    app.get("/api/v1/audit-events").bearer(&district_auditor).send().expect_problem(403, "out_of_scope");
    app.get("/api/v1/audit-events").bearer(&officer).send().expect_problem(403, "role_lacks_permission");
    app.get("/api/v1/audit-events").send().expect_problem(401, "unauthenticated");
}

#[test]
fn the_trail_pages_newest_first_and_filters() {
    let app = TestApp::new();
    for _ in 0..3 {
        app.tokens("admin");
    }
    let all = app.all_pages("/api/v1/audit-events", Some(&app.admin()));
    assert!(all.len() >= 5, "{}", all.len());
    let ids: Vec<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "newest first");
    let r = app.get("/api/v1/audit-events?action=auth.sign_in&limit=2").bearer(&app.admin()).send().expect(200);
    assert_eq!(r.json["data"].as_array().unwrap().len(), 2);
    let next = r.json["next_cursor"].as_str().unwrap();
    let r2 = app
        .get(&format!("/api/v1/audit-events?action=auth.sign_in&limit=2&cursor={next}"))
        .bearer(&app.admin())
        .send()
        .expect(200);
    assert_eq!(r2.json["data"].as_array().unwrap().len(), 2, "4 sign-ins: admin() + 3");
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339().replace('+', "%2B");
    let r = app.get(&format!("/api/v1/audit-events?from={future}")).bearer(&app.admin()).send().expect(200);
    assert!(r.json["data"].as_array().unwrap().is_empty());
    app.get("/api/v1/audit-events?from=yesterday").bearer(&app.admin()).send().expect_problem(400, "invalid_query");
}

#[test]
fn reads_of_sensitive_records_can_be_audited() {
    // The helper later features call from their read handlers.
    let app = TestApp::new();
    let actor = persistence::audit::AuditActor { id: None, label: "caseworker.x".into() };
    let mut conn = app.db();
    persistence::audit::record_read(&mut conn, &actor, "case", "case-123".into(), Some("req-read-1")).unwrap();
    let r = app.get("/api/v1/audit-events?entity_type=case&entity_id=case-123").bearer(&app.admin()).send().expect(200);
    let e = &r.json["data"][0];
    assert_eq!(e["action"], "case.read");
    assert_eq!(e["actor_label"], "caseworker.x");
    assert_eq!(e["request_id"], "req-read-1");
}
