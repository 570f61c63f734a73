//! Every create takes an `Idempotency-Key`: a retry (a lost answer on a bad mobile link) gets
//! the first answer back and makes no second record; the same key for a different request is
//! refused. (Persons, cases, users and applications have their own tests; these are the rest.)

use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

/// Sends the same create twice under one key, then a different body under it.
#[track_caller]
fn replayed(app: &TestApp, token: &str, path: &str, body: &Value, other: &Value) -> (Resp, Resp) {
    let send = |b: &Value| app.post(path).bearer(token).header("Idempotency-Key", &format!("key-{path}")).json(b).send();
    let first = send(body).expect(201);
    let again = send(body).expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"), "{path}: the retry is marked as a replay");
    assert_eq!(first.json, again.json, "{path}: the retry gets the first answer");
    assert_eq!(first.header("location"), again.header("location"), "{path}");
    assert!(first.header("idempotent-replayed").is_none());
    send(other).expect_problem(409, "idempotency_key_reused");
    // A malformed key is refused before anything is written.
    app.post(path)
        .bearer(token)
        .header("Idempotency-Key", "a key with spaces")
        .json(other)
        .send()
        .expect_problem(400, "invalid_idempotency_key");
    (first, again)
}

fn count(app: &TestApp, table: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}")).get_result::<N>(&mut app.db()).unwrap().n
}

#[test]
fn partner_organisations_facilities_and_payment_cycles() {
    let app = TestApp::new();
    let admin = app.admin();
    let partners = count(&app, "partner_organisations");
    replayed(
        &app,
        &admin,
        "/api/v1/partner-organisations",
        &json!({"name_en": "Manusher Jonno Foundation", "name_bn": "মানুষের জন্য ফাউন্ডেশন"}),
        &json!({"name_en": "Another NGO", "name_bn": "অন্য সংস্থা"}),
    );
    assert_eq!(count(&app, "partner_organisations"), partners + 1);
    let facilities = count(&app, "facilities");
    let home = json!({"name_en": "Safe Home, Debidwar", "name_bn": "নিরাপদ আবাসন কেন্দ্র, দেবিদ্বার", "facility_type": "safe_home",
                      "upazila_id": 1, "capacity_female": 30, "capacity_male": 0, "capacity_hijra": 0});
    let mut bigger = home.clone();
    bigger["capacity_female"] = json!(40);
    replayed(&app, &admin, "/api/v1/facilities", &home, &bigger);
    assert_eq!(count(&app, "facilities"), facilities + 1);

    let (_, officer) = app.user("upz.idem", "upazila_officer", "upazila:1");
    let (first, _) = replayed(
        &app,
        &officer,
        "/api/v1/payment-cycles",
        &json!({"programme": "old_age", "upazila_id": 1, "period_start": "2025-07-01", "period_end": "2025-09-30"}),
        &json!({"programme": "old_age", "upazila_id": 1, "period_start": "2025-10-01", "period_end": "2025-12-31"}),
    );
    assert!(first.header("etag").is_some(), "a cycle is versioned");
    assert_eq!(count(&app, "payment_cycles"), 1);
}

#[test]
fn an_import_retried_with_its_key_starts_no_second_job() {
    let app = TestApp::new();
    let (_, officer) = app.user("upz.idem.import", "upazila_officer", "upazila:1");
    let header = "name_en,name_bn,sex,date_of_birth,nid,birth_registration_number,mobile,union_id,programme,start_month,payment_provider,account_number,education_level";
    let file = format!("{header}\nRahima,,female,1950-01-01,1950000001,,,1,old_age,2025-07,,,\n");
    let send = |f: &str, key: &str| {
        app.post("/api/v1/imports/beneficiaries")
            .bearer(&officer)
            .header("Content-Type", "text/csv")
            .header("Idempotency-Key", key)
            .raw(f.to_owned())
            .send()
    };
    let first = send(&file, "import-1").expect(202);
    let again = send(&file, "import-1").expect(202);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.json["id"], again.json["id"]);
    assert_eq!(first.header("location"), again.header("location"));
    assert_eq!(count(&app, "jobs"), 1, "no second job");
    // Another file under the same key is refused; under a new key it is a new job.
    let other = format!("{header}\nSalma,,female,1951-01-01,1951000001,,,1,old_age,2025-07,,,\n");
    send(&other, "import-1").expect_problem(409, "idempotency_key_reused");
    send(&other, "import-2").expect(202);
    assert_eq!(count(&app, "jobs"), 2);
}
