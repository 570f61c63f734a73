//! "I was not paid": a beneficiary's payments as the office reads them, newest first, with a
//! failed payment and the later payment that re-issued it, and what falls due next.

use diesel::RunQueryDsl;
use serde_json::{json, Value};
use sheba_tests::TestApp;

use super::payroll::{account, enrol, fiscal_year, generate_and_wait, versioned};

fn results(app: &TestApp, token: &str, cycle: &str, lines: &str) {
    app.post(&format!("/api/v1/payment-cycles/{cycle}/results"))
        .bearer(token)
        .header("Content-Type", "text/csv")
        .raw(format!("payment_id,status,reason,reference\n{lines}"))
        .send()
        .expect(200);
}

fn export_ids(app: &TestApp, token: &str, cycle: &str, provider: &str) -> Vec<String> {
    let file = app.get(&format!("/api/v1/payment-cycles/{cycle}/export?provider={provider}")).bearer(token).send().expect(200);
    file.text.lines().skip(1).map(|l| l.split(',').next().unwrap().to_owned()).collect()
}

fn cycle(app: &TestApp, officer: &str, district: &str, from: &str, to: &str) -> String {
    let c = app
        .post("/api/v1/payment-cycles")
        .bearer(officer)
        .json(&json!({"programme": "old_age", "upazila_id": 1, "period_start": from, "period_end": to}))
        .send()
        .expect(201)
        .json;
    let id = c["id"].as_str().unwrap().to_owned();
    let c = generate_and_wait(app, officer, &id);
    versioned(app, district, &format!("/api/v1/payment-cycles/{id}/approval"), &c["version"], json!({})).expect(200);
    id
}

#[test]
fn a_beneficiary_sees_every_payment_its_re_issue_and_what_falls_due_next() {
    let app = TestApp::new();
    let (_, district) = app.user("dist.hist", "district_officer", "district:1");
    let (_, officer) = app.user("upz.hist", "upazila_officer", "upazila:1");
    let (_, elsewhere) = app.user("upz.other", "upazila_officer", "upazila:2");
    let (_, caseworker) = app.user("cw.hist", "caseworker", "upazila:1");
    app.req("PUT", "/api/v1/quotas")
        .bearer(&district)
        .json(&json!({"programme": "old_age", "upazila_id": 1, "fiscal_year": fiscal_year(), "places": 10}))
        .send()
        .expect(200);
    let b = enrol(&app, &officer, "Chaya");
    let bid = b["id"].as_str().unwrap().to_owned();
    let history = |token: &str| app.get(&format!("/api/v1/beneficiaries/{bid}/payments")).bearer(token).send();
    // Nothing paid yet: the first period falls due from the start month.
    let empty = history(&officer).expect(200).json;
    assert_eq!(empty["data"], json!([]));
    assert!(empty["next_due"]["period_start"].is_string(), "{empty}");
    account(&app, &officer, &b, "nagad", "01833333333");
    diesel::sql_query("UPDATE beneficiaries SET start_month = '2025-05-01'").execute(&mut app.db()).unwrap();

    // May-July is sent and fails; August-October carries it and pays the quarter too.
    let first = cycle(&app, &officer, &district, "2025-05-01", "2025-07-31");
    let failed = export_ids(&app, &officer, &first, "nagad").remove(0);
    results(&app, &officer, &first, &format!("{failed},failed,wallet_closed,\n"));
    let h = history(&officer).expect(200).json;
    assert_eq!(h["awaiting_carry_over_taka"], 1850, "two months at 600, one at 650");
    assert_eq!(
        h["next_due"],
        json!({"period_start": "2025-08-01", "period_end": "2025-10-31", "months": 3, "amount_taka": 1950})
    );
    let second = cycle(&app, &officer, &district, "2025-08-01", "2025-10-31");
    let ids = export_ids(&app, &officer, &second, "nagad");
    assert_eq!(ids.len(), 2, "the quarter and the re-issue");
    results(&app, &officer, &second, &format!("{},paid,,TX1\n{},paid,,TX2\n", ids[0], ids[1]));

    let h = history(&officer).expect(200).json;
    let data = h["data"].as_array().unwrap();
    assert_eq!(data.len(), 3, "{h:#}");
    // Newest period first; within May's period the re-issue (newer) before the original.
    assert_eq!(data[0]["period_start"], "2025-08-01");
    assert_eq!((data[0]["status"].as_str(), data[0]["amount_taka"].as_i64()), (Some("paid"), Some(1950)));
    let (reissue, original) = (&data[1], &data[2]);
    assert_eq!(original["id"], failed.as_str());
    assert_eq!(original["status"], "carried");
    assert_eq!(original["status_label"]["bn"], "ব্যর্থ, পরবর্তী চক্রে যুক্ত হয়েছে");
    assert_eq!(original["failure_reason"], "wallet_closed");
    assert_eq!(original["carried_into"], reissue["id"]);
    assert_eq!(reissue["carried_from"], original["id"]);
    assert_eq!(reissue["cycle_id"], second.as_str());
    assert_eq!(
        (reissue["status"].as_str(), reissue["provider_reference"].as_str()),
        (Some("paid"), Some(if reissue["id"] == ids[0].as_str() { "TX1" } else { "TX2" }))
    );
    assert!(data.iter().all(|p| p["account_masked"] == "••••••••333" && p["provider"] == "nagad"), "{h:#}");
    assert!(!h.to_string().contains("01833333333"), "the whole number is never shown");
    assert_eq!(h["awaiting_carry_over_taka"], 0);
    // Next: November-January of the programme's calendar (its cycles run May-July, August-October).
    assert_eq!(
        h["next_due"],
        json!({"period_start": "2025-11-01", "period_end": "2026-01-31", "months": 3, "amount_taka": 1950})
    );

    // Paged by a cursor that keeps the order.
    let p1 = app.get(&format!("/api/v1/beneficiaries/{bid}/payments?limit=2")).bearer(&officer).send().expect(200).json;
    assert_eq!(p1["data"].as_array().unwrap().len(), 2);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2 = app
        .get(&format!("/api/v1/beneficiaries/{bid}/payments?limit=2&cursor={cursor}"))
        .bearer(&officer)
        .send()
        .expect(200)
        .json;
    assert_eq!(p2["data"].as_array().unwrap().iter().map(|p| p["id"].clone()).collect::<Vec<_>>(), vec![original["id"].clone()]);
    assert_eq!(p2["next_cursor"], Value::Null);
    app.get(&format!("/api/v1/beneficiaries/{bid}/payments?cursor=bm9wZQ")).bearer(&officer).send().expect(400);
    app.get(&format!("/api/v1/beneficiaries/{bid}/payments?limit=201"))
        .bearer(&officer)
        .send()
        .expect_problem(422, "validation_failed");

    // A suspended beneficiary has nothing falling due.
    let b = app.get(&format!("/api/v1/beneficiaries/{bid}")).bearer(&officer).send().expect(200).json;
    versioned(
        &app,
        &officer,
        &format!("/api/v1/beneficiaries/{bid}/suspension"),
        &b["version"],
        json!({"reason": "re-verification"}),
    )
    .expect(200);
    assert_eq!(history(&officer).expect(200).json["next_due"], Value::Null);

    // Read with the beneficiary's scope; on record.
    history(&elsewhere).expect_problem(403, "out_of_scope");
    history(&caseworker).expect_problem(403, "role_lacks_permission");
    app.get(&format!("/api/v1/beneficiaries/{}/payments", uuid::Uuid::now_v7())).bearer(&officer).send().expect(404);
    let audit = app.get("/api/v1/audit-events?action=payment.list").bearer(&app.admin()).send().expect(200).json;
    assert!(audit["data"].as_array().unwrap().iter().any(|e| e["after"].to_string().contains(&failed)), "{audit:#}");

    // The migration that keeps the reason reaches the partitions payroll made before it: undone
    // and done again over them, a carried payment takes a reason and a paid one still cannot.
    let mut conn = app.db();
    while persistence::db::revert_last_migration(&mut conn).unwrap() != "20261204000039" {}
    persistence::db::run_migrations(&mut conn).unwrap();
    let n = diesel::sql_query("UPDATE payments SET failure_reason = 'wallet_closed' WHERE status = 'carried'")
        .execute(&mut conn)
        .unwrap();
    assert_eq!(n, 1);
    let err = diesel::sql_query("UPDATE payments SET failure_reason = 'x' WHERE status = 'paid'").execute(&mut conn).unwrap_err();
    assert!(err.to_string().contains("payments_failure_reason_check"), "{err}");
}
