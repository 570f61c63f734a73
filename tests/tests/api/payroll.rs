//! Payment cycles over HTTP: set-based payroll across a fiscal-year rate change, idempotent
//! and concurrent generation, four-eyes approval, provider files, reconciliation, carry-over.

use chrono::Utc;
use diesel::RunQueryDsl;
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

pub(super) fn fiscal_year() -> String {
    domain::allowance::FiscalYear::of(domain::time::dhaka_date(Utc::now())).to_string()
}

/// Runs payroll generation (a job) to its end and returns the cycle.
pub(super) fn generate_and_wait(app: &TestApp, token: &str, cycle: &str) -> Value {
    let r = app.post(&format!("/api/v1/payment-cycles/{cycle}/generation")).bearer(token).send().expect(202);
    wait_job(app, token, r.header("location").unwrap());
    app.get(&format!("/api/v1/payment-cycles/{cycle}")).bearer(token).send().expect(200).json
}

pub(super) fn wait_job(app: &TestApp, token: &str, location: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let job = app.get(location).bearer(token).send().expect(200).json;
        if job["status"] == "succeeded" {
            return job;
        }
        assert!(job["status"] != "failed", "{job}");
        assert!(std::time::Instant::now() < deadline, "job did not finish: {job}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

pub(super) fn versioned(app: &TestApp, token: &str, path: &str, version: &Value, body: Value) -> Resp {
    app.post(path).bearer(token).header("If-Match", &format!("\"{version}\"")).json(&body).send()
}

/// Enrols an old woman in the old age allowance through the whole process; returns the beneficiary.
pub(super) fn enrol(app: &TestApp, officer: &str, name: &str) -> Value {
    let pid = app
        .post("/api/v1/persons")
        .bearer(officer)
        .json(&json!({"name_en": name, "sex": "female", "date_of_birth": "1950-01-01", "union_id": 1}))
        .send()
        .expect(201)
        .json["person"]["id"]
        .clone();
    let a = app
        .post("/api/v1/applications")
        .bearer(officer)
        .json(&json!({"programme": "old_age", "person_id": pid, "facts": {"annual_income_taka": 3000}}))
        .send()
        .expect(201)
        .json;
    let id = a["id"].as_str().unwrap().to_owned();
    let a = versioned(app, officer, &format!("/api/v1/applications/{id}/verification"), &a["version"], json!({"accept": true}))
        .expect(200)
        .json;
    versioned(app, officer, &format!("/api/v1/applications/{id}/decision"), &a["version"], json!({"approve": true})).expect(200);
    let list = app.get("/api/v1/beneficiaries?programme=old_age").bearer(officer).send().expect(200).json;
    list["data"].as_array().unwrap().iter().find(|b| b["person_id"] == pid).unwrap().clone()
}

pub(super) fn account(app: &TestApp, officer: &str, b: &Value, provider: &str, number: &str) {
    app.req("PUT", &format!("/api/v1/beneficiaries/{}/account", b["id"].as_str().unwrap()))
        .bearer(officer)
        .header("If-Match", &format!("\"{}\"", b["version"]))
        .json(&json!({"provider": provider, "number": number}))
        .send()
        .expect(200);
}

#[test]
fn payroll_from_generation_to_reconciliation_and_carry_over() {
    let app = TestApp::new();
    let (_, district) = app.user("dist.pay", "district_officer", "district:1");
    let (_, officer) = app.user("upz.pay", "upazila_officer", "upazila:1");
    app.req("PUT", "/api/v1/quotas")
        .bearer(&district)
        .json(&json!({"programme": "old_age", "upazila_id": 1, "fiscal_year": fiscal_year(), "places": 10}))
        .send()
        .expect(200);
    let bens: Vec<Value> = ["Asha", "Bina", "Chaya", "Dolly"].iter().map(|n| enrol(&app, &officer, n)).collect();
    account(&app, &officer, &bens[0], "bkash", "01711111111");
    account(&app, &officer, &bens[1], "bkash", "01722222222");
    account(&app, &officer, &bens[2], "nagad", "01833333333");
    // (Dolly has no account yet: she is left out and counted.)
    // They have been paid from January 2025 on, so a May-July 2025 cycle crosses the
    // FY2024-25 -> FY2025-26 rate change (Tk 600 -> 650).
    diesel::sql_query("UPDATE beneficiaries SET start_month = '2025-01-01'").execute(&mut app.db()).unwrap();
    let cycle = app
        .post("/api/v1/payment-cycles")
        .bearer(&officer)
        .json(&json!({"programme": "old_age", "upazila_id": 1, "period_start": "2025-05-01", "period_end": "2025-07-31"}))
        .send()
        .expect(201)
        .json;
    let id = cycle["id"].as_str().unwrap().to_owned();
    app.post("/api/v1/payment-cycles")
        .bearer(&officer)
        .json(&json!({"programme": "old_age", "upazila_id": 1, "period_start": "2025-05-02", "period_end": "2025-07-31"}))
        .send()
        .expect_problem(422, "payroll-period-whole-months");
    // Generation started twice at once makes one payroll.
    let locations: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let r = app.post(&format!("/api/v1/payment-cycles/{id}/generation")).bearer(&officer).send().expect(202);
                    r.header("location").unwrap().to_owned()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let jobs: Vec<Value> = locations.iter().map(|l| wait_job(&app, &officer, l)).collect();
    let added: Vec<i64> = jobs.iter().map(|j| j["result"]["added"].as_i64().unwrap()).collect();
    assert_eq!(added.iter().sum::<i64>(), 3, "the second run added nobody: {added:?}");
    let c = app.get(&format!("/api/v1/payment-cycles/{id}")).bearer(&officer).send().expect(200).json;
    let t = &c["totals"];
    assert_eq!(t["payments"], 3);
    assert_eq!(t["amount_taka"], 3 * (600 + 600 + 650), "two months at 600, one at 650");
    assert_eq!(t["missing_accounts"], 1);
    assert_eq!(c["status"], "generated");
    // Four eyes: the officer who generated it cannot approve it.
    versioned(&app, &officer, &format!("/api/v1/payment-cycles/{id}/approval"), &c["version"], json!({}))
        .expect_problem(409, "payroll-four-eyes");
    app.get(&format!("/api/v1/payment-cycles/{id}/export?provider=bkash"))
        .bearer(&officer)
        .send()
        .expect_problem(409, "payroll-approved-before-export");
    let c =
        versioned(&app, &district, &format!("/api/v1/payment-cycles/{id}/approval"), &c["version"], json!({})).expect(200).json;
    assert_eq!(c["status"], "approved");
    // One file per provider.
    let bkash = app.get(&format!("/api/v1/payment-cycles/{id}/export?provider=bkash")).bearer(&officer).send().expect(200);
    assert!(bkash.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = bkash.text.lines().collect();
    assert_eq!(lines[0], "payment_id,account_number,amount_taka");
    assert_eq!(lines.len(), 3);
    assert!(lines[1..].iter().all(|l| l.ends_with(",1850")));
    let nagad = app.get(&format!("/api/v1/payment-cycles/{id}/export?provider=nagad")).bearer(&officer).send().expect(200);
    let nagad_id = nagad.text.lines().nth(1).unwrap().split(',').next().unwrap().to_owned();
    app.get(&format!("/api/v1/payment-cycles/{id}/export?provider=paypal"))
        .bearer(&officer)
        .send()
        .expect_problem(422, "validation_failed");
    // A result file with bad lines changes nothing.
    let bkash_ids: Vec<String> = lines[1..].iter().map(|l| l.split(',').next().unwrap().to_owned()).collect();
    let bad = format!(
        "payment_id,status,reason,reference\n{},paid,,TX1\n{},maybe,,\n{},paid,,\n",
        bkash_ids[0],
        bkash_ids[1],
        uuid::Uuid::now_v7()
    );
    let r = app
        .post(&format!("/api/v1/payment-cycles/{id}/results"))
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw(bad)
        .send();
    let r = r.expect_problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["field"], "line:3");
    // (A blank line counts: the unknown payment is on the file's fourth line.)
    let unknown = format!("payment_id,status,reason,reference\n{},paid,,TX1\n\n{},paid,,\n", bkash_ids[0], uuid::Uuid::now_v7());
    let r = app
        .post(&format!("/api/v1/payment-cycles/{id}/results"))
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw(unknown)
        .send();
    assert_eq!(r.expect_problem(422, "validation_failed").json["errors"][0]["field"], "line:4");
    // A header and nothing after it is refused, not applied as nothing.
    let r = app
        .post(&format!("/api/v1/payment-cycles/{id}/results"))
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw("payment_id,status,reason,reference\n\n")
        .send();
    assert_eq!(r.expect_problem(422, "validation_failed").json["errors"][0]["field"], "line:1");
    // A file past the JSON body limit is still read: result files have a limit of their own.
    let long = format!("payment_id,status,reason,reference\n{}", format!("{},maybe,,\n", bkash_ids[0]).repeat(600));
    assert!(long.len() > sheba_tests::TEST_BODY_LIMIT);
    let r = app
        .post(&format!("/api/v1/payment-cycles/{id}/results"))
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw(long)
        .send();
    assert_eq!(r.expect_problem(422, "validation_failed").json["errors"][0]["field"], "line:2");
    app.post(&format!("/api/v1/payment-cycles/{id}/results"))
        .bearer(&officer)
        .json(&json!({}))
        .send()
        .expect_problem(415, "unsupported_media_type");
    let c = app.get(&format!("/api/v1/payment-cycles/{id}")).bearer(&officer).send().expect(200).json;
    assert_eq!(c["totals"]["pending"], 3, "nothing was applied");
    // The real results: two paid, one failed.
    let good = format!(
        "payment_id,status,reason,reference\n{},paid,,TX1\n{},paid,,TX2\n{nagad_id},failed,wallet_closed,\n",
        bkash_ids[0], bkash_ids[1]
    );
    let r = app
        .post(&format!("/api/v1/payment-cycles/{id}/results"))
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw(good)
        .send()
        .expect(200);
    assert_eq!((r.json["paid"].as_i64(), r.json["failed"].as_i64()), (Some(2), Some(1)));
    assert_eq!(r.json["cycle"]["status"], "reconciled");
    assert_eq!(r.json["cycle"]["totals"]["paid_taka"], 3700);
    assert_eq!(r.json["cycle"]["totals"]["failed_taka"], 1850);
    // Each line's result is on its own payment.
    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Settled {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        failure_reason: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        provider_reference: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        settled: bool,
    }
    let settled = |payment: &str| {
        diesel::sql_query(
            "SELECT status, failure_reason, provider_reference, settled_at IS NOT NULL AS settled FROM payments WHERE id = $1::uuid",
        )
        .bind::<diesel::sql_types::Text, _>(payment)
        .get_result::<Settled>(&mut app.db())
        .unwrap()
    };
    let s = |status: &str, reason: Option<&str>, reference: Option<&str>| Settled {
        status: status.into(),
        failure_reason: reason.map(Into::into),
        provider_reference: reference.map(Into::into),
        settled: true,
    };
    assert_eq!(settled(&bkash_ids[0]), s("paid", None, Some("TX1")));
    assert_eq!(settled(&bkash_ids[1]), s("paid", None, Some("TX2")));
    assert_eq!(settled(&nagad_id), s("failed", Some("wallet_closed"), None));
    // The next quarter carries the failed payment in, once.
    let next = app
        .post("/api/v1/payment-cycles")
        .bearer(&officer)
        .json(&json!({"programme": "old_age", "upazila_id": 1, "period_start": "2025-08-01", "period_end": "2025-10-31"}))
        .send()
        .expect(201)
        .json;
    let nid = next["id"].as_str().unwrap();
    let n = generate_and_wait(&app, &officer, nid);
    assert_eq!(n["totals"]["payments"], 4);
    assert_eq!(n["totals"]["carried_in"], 1);
    assert_eq!(n["totals"]["amount_taka"], 3 * 3 * 650 + 1850);
    let again = generate_and_wait(&app, &officer, nid);
    assert_eq!(again["totals"], n["totals"], "generation is idempotent");
    // The programme's cycles follow one calendar: a period straddling two cycles is refused...
    let r = app
        .post("/api/v1/payment-cycles")
        .bearer(&officer)
        .json(&json!({"programme": "old_age", "upazila_id": 1, "period_start": "2025-07-01", "period_end": "2025-08-31"}))
        .send()
        .expect_problem(409, "payroll-one-calendar");
    assert_eq!(r.json["rule"], "payroll.one_calendar");
    // ...and a second cycle for the same period pays nobody twice for the same months.
    let same = app
        .post("/api/v1/payment-cycles")
        .bearer(&officer)
        .json(&json!({"programme": "old_age", "upazila_id": 1, "period_start": "2025-08-01", "period_end": "2025-10-31"}))
        .send()
        .expect(201)
        .json;
    let o = generate_and_wait(&app, &officer, same["id"].as_str().unwrap());
    assert_eq!(o["totals"]["payments"], 0);
    // The database refuses a straddling cycle even if the check were bypassed.
    let err = diesel::sql_query(
        "INSERT INTO payment_cycles (id, programme_code, upazila_id, period_start, period_end, status)
         VALUES (gen_random_uuid(), 'old_age', 1, '2025-09-01', '2025-11-30', 'draft')",
    )
    .execute(&mut app.db())
    .expect_err("a straddling cycle");
    assert!(err.to_string().contains("payment_cycles_one_calendar"), "{err}");
    // Paid beneficiaries and cycles with payments stay (payments point at them).
    for table in [
        "beneficiaries WHERE id IN (SELECT beneficiary_id FROM payments)",
        "payment_cycles WHERE id IN (SELECT cycle_id FROM payments)",
    ] {
        let err = diesel::sql_query(format!("DELETE FROM {table}")).execute(&mut app.db()).expect_err("a paid record");
        assert!(err.to_string().contains("with payments cannot be deleted"), "{err}");
    }
    // An approved payroll is not generated again.
    app.post(&format!("/api/v1/payment-cycles/{id}/generation"))
        .bearer(&officer)
        .send()
        .expect_problem(409, "payroll-status-order");
    // Cycles for the whole country need national scope.
    app.post("/api/v1/payment-cycles")
        .bearer(&officer)
        .json(&json!({"programme": "old_age", "period_start": "2025-08-01", "period_end": "2025-10-31"}))
        .send()
        .expect_problem(403, "out_of_scope");
    app.assert_report_aggregates_exact();
}

#[test]
fn cct_instalments_are_held_on_a_breach_until_reviewed_and_stop_after_18_months() {
    let app = TestApp::new();
    let (_, district) = app.user("dist.cct", "district_officer", "district:1");
    let (_, officer) = app.user("upz.cct", "upazila_officer", "upazila:1");
    let (_, other) = app.user("upz.cct2", "upazila_officer", "upazila:1");
    app.req("PUT", "/api/v1/quotas")
        .bearer(&district)
        .json(&json!({"programme": "cct", "upazila_id": 1, "fiscal_year": fiscal_year(), "places": 10}))
        .send()
        .expect(200);
    let born = (domain::time::dhaka_date(Utc::now()) - chrono::Duration::days(365 * 12)).to_string();
    let pid = app
        .post("/api/v1/persons")
        .bearer(&officer)
        .json(&json!({"name_en": "Child", "sex": "female", "date_of_birth": born, "union_id": 1}))
        .send()
        .expect(201)
        .json["person"]["id"]
        .clone();
    let a = app
        .post("/api/v1/applications")
        .bearer(&officer)
        .json(&json!({"programme": "cct", "person_id": pid, "facts": {"enrolled": true, "education_level": "primary"}}))
        .send()
        .expect(201)
        .json;
    assert_eq!(a["verdict"], "eligible");
    let id = a["id"].as_str().unwrap().to_owned();
    let a = versioned(&app, &officer, &format!("/api/v1/applications/{id}/verification"), &a["version"], json!({"accept": true}))
        .expect(200)
        .json;
    versioned(&app, &officer, &format!("/api/v1/applications/{id}/decision"), &a["version"], json!({"approve": true}))
        .expect(200);
    let b = app.get("/api/v1/beneficiaries?programme=cct").bearer(&officer).send().expect(200).json["data"][0].clone();
    account(&app, &officer, &b, "nagad", "01812345678");
    let bid = b["id"].as_str().unwrap().to_owned();
    diesel::sql_query("UPDATE beneficiaries SET start_month = '2024-07-01'").execute(&mut app.db()).unwrap();
    // June 2025: she was found working. The breach holds the next instalment.
    let record = || {
        app.post(&format!("/api/v1/beneficiaries/{bid}/compliance"))
            .bearer(&officer)
            .header("Idempotency-Key", "compliance-2025-06")
            .json(&json!({"month": "2025-06-01", "school_attendance": true, "no_child_marriage": true, "no_child_labour": false}))
            .send()
    };
    let r = record().expect(201);
    assert_eq!(r.json["data"][0]["held"], true);
    // A retry under the same key gets the same answer, not a 409 for a month already recorded.
    let again = record().expect(201);
    assert_eq!((again.header("idempotent-replayed"), &again.json), (Some("true"), &r.json));
    app.post(&format!("/api/v1/beneficiaries/{bid}/compliance"))
        .bearer(&officer)
        .json(&json!({"month": "2025-06-01", "school_attendance": true, "no_child_marriage": true, "no_child_labour": true}))
        .send()
        .expect_rule(409, "cct.compliance_recorded");
    let cycle = |start: &str, end: &str| {
        app.post("/api/v1/payment-cycles")
            .bearer(&officer)
            .json(&json!({"programme": "cct", "upazila_id": 1, "period_start": start, "period_end": end}))
            .send()
            .expect(201)
            .json["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let third = cycle("2025-07-01", "2025-12-31");
    let generate = |id: &str| generate_and_wait(&app, &officer, id);
    assert_eq!(generate(&third)["totals"]["payments"], 0, "held");
    app.post(&format!("/api/v1/beneficiaries/{bid}/compliance/2025-06-01/review"))
        .bearer(&officer)
        .json(&json!({"note": "back in school, employer warned"}))
        .send()
        .expect(200);
    app.post(&format!("/api/v1/beneficiaries/{bid}/compliance/2025-06-01/review"))
        .bearer(&other)
        .json(&json!({"note": "again"}))
        .send()
        .expect_rule(409, "cct.no_breach_to_review");
    let t = generate(&third);
    assert_eq!(t["totals"]["payments"], 1, "released after review");
    assert_eq!(t["totals"]["amount_taka"], 12_000, "the third instalment: six months of Tk 2,000");
    // Eighteen months from July 2024 end in December 2025: nothing more is paid.
    let fourth = cycle("2026-01-01", "2026-06-30");
    assert_eq!(generate(&fourth)["totals"]["payments"], 0);
    // Compliance is only for conditional transfers.
    let old = enrol_old_age_with_quota(&app, &district, &officer);
    app.post(&format!("/api/v1/beneficiaries/{}/compliance", old["id"].as_str().unwrap()))
        .bearer(&officer)
        .json(&json!({"month": "2025-06-01", "school_attendance": true, "no_child_marriage": true, "no_child_labour": true}))
        .send()
        .expect_problem(409, "compliance-conditional-programme");
    app.assert_report_aggregates_exact();
}

fn enrol_old_age_with_quota(app: &TestApp, district: &str, officer: &str) -> Value {
    app.req("PUT", "/api/v1/quotas")
        .bearer(district)
        .json(&json!({"programme": "old_age", "upazila_id": 1, "fiscal_year": fiscal_year(), "places": 10}))
        .send()
        .expect(200);
    enrol(app, officer, "Elder")
}

/// Stipends are paid by level, from the start month: a student starting in the period's second
/// month is paid for two months, at her level's rate.
#[test]
fn stipends_are_paid_by_level_from_the_start_month() {
    let app = TestApp::new();
    let (_, officer) = app.user("upz.stipend", "upazila_officer", "upazila:1");
    let header = "name_en,name_bn,sex,date_of_birth,nid,birth_registration_number,mobile,union_id,programme,start_month,payment_provider,account_number,education_level";
    let file = format!(
        "{header}\n\
         Primary,,hijra,2014-01-01,,20141234567890123,,1,hijra_stipend,2025-07,bkash,01711111111,primary\n\
         Secondary,,hijra,2010-01-01,,20101234567890123,,1,hijra_stipend,2025-08,nagad,01811111111,secondary\n\
         Later,,hijra,2010-02-01,,20101234567890124,,1,hijra_stipend,2025-10,nagad,01811111112,higher_secondary\n"
    );
    let r = app
        .post("/api/v1/imports/beneficiaries")
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw(file)
        .send()
        .expect(202);
    let job = wait_job(&app, &officer, r.header("location").unwrap());
    assert_eq!(job["result"]["imported"], 3, "{job}");
    let cycle = app
        .post("/api/v1/payment-cycles")
        .bearer(&officer)
        .json(&json!({"programme": "hijra_stipend", "upazila_id": 1, "period_start": "2025-07-01", "period_end": "2025-09-30"}))
        .send()
        .expect(201)
        .json;
    let c = generate_and_wait(&app, &officer, cycle["id"].as_str().unwrap());
    let t = &c["totals"];
    // Three months of primary (Tk 700) and two of secondary (Tk 800); the student starting in
    // October is not paid for this quarter.
    assert_eq!((t["payments"].as_i64(), t["amount_taka"].as_i64()), (Some(2), Some(3 * 700 + 2 * 800)), "{c}");
    app.assert_report_aggregates_exact();
}

/// A programme's period is one partition of `payments`: the first cycle of the period makes it
/// (one INSERT into a new table, indexes built once, cells counted once, then attached), later
/// cycles of the period insert into it. Nobody is paid twice across them, two partitions made
/// at once do not collide, and the report cells stay exact.
#[test]
fn payments_are_partitioned_by_period_without_paying_anyone_twice() {
    let app = TestApp::new();
    let (_, hq) = app.user("hq.part", "hq_officer", "national");
    let (_, upz1) = app.user("upz1.part", "upazila_officer", "upazila:1");
    let (_, upz2) = app.user("upz2.part", "upazila_officer", "upazila:2");
    let header = "name_en,name_bn,sex,date_of_birth,nid,birth_registration_number,mobile,union_id,programme,start_month,payment_provider,account_number,education_level";
    let union_of = |upazila: i64| {
        app.get(&format!("/api/v1/geo/unions?upazila_id={upazila}&limit=1")).send().expect(200).json["data"][0]["id"]
            .as_i64()
            .unwrap()
    };
    for (n, (officer, upazila)) in [(&upz1, 1), (&upz2, 2)].into_iter().enumerate() {
        let union = union_of(upazila);
        let file = format!(
            "{header}\n\
             Old {n}a,,female,1950-01-01,19501000000{n}1,,,{union},old_age,2025-07,bkash,0171111111{n},\n\
             Old {n}b,,male,1951-01-01,19511000000{n}2,,,{union},old_age,2025-07,bkash,0171111112{n},\n\
             Widow {n},,female,1970-01-01,19701000000{n}3,,,{union},widow,2025-07,nagad,0181111111{n},\n"
        );
        let r = app
            .post("/api/v1/imports/beneficiaries")
            .bearer(officer)
            .header("Content-Type", "text/csv")
            .raw(file)
            .send()
            .expect(202);
        assert_eq!(wait_job(&app, officer, r.header("location").unwrap())["result"]["imported"], 3);
    }
    let cycle = |token: &str, programme: &str, upazila: Option<i64>, start: &str, end: &str| {
        app.post("/api/v1/payment-cycles")
            .bearer(token)
            .json(&json!({"programme": programme, "upazila_id": upazila, "period_start": start, "period_end": end}))
            .send()
            .expect(201)
            .json["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // The national old-age cycle makes the quarter's partition: four pensioners.
    let national = cycle(&hq, "old_age", None, "2025-07-01", "2025-09-30");
    assert_eq!(generate_and_wait(&app, &hq, &national)["totals"]["payments"], 4);
    // An upazila's cycle of the same quarter finds everyone paid.
    let local = cycle(&upz1, "old_age", Some(1), "2025-07-01", "2025-09-30");
    let c = generate_and_wait(&app, &upz1, &local);
    assert_eq!(c["totals"]["payments"], 0, "{c}");
    // Two new partitions made at once: the widows' quarter and the next old-age quarter.
    let widows = cycle(&hq, "widow", None, "2025-07-01", "2025-09-30");
    let next = cycle(&hq, "old_age", None, "2025-10-01", "2025-12-31");
    let totals: Vec<Value> = std::thread::scope(|s| {
        let hs: Vec<_> =
            [&widows, &next].into_iter().map(|id| s.spawn(|| generate_and_wait(&app, &hq, id)["totals"].clone())).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!((totals[0]["payments"].as_i64(), totals[1]["payments"].as_i64()), (Some(2), Some(4)));
    assert_eq!(totals[1]["amount_taka"], 4 * 3 * 650);
    // Each period is its own partition, and its unique index refuses a second payment.
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    use diesel::RunQueryDsl;
    let partitions: Vec<String> = diesel::sql_query(
        "SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'payments'::regclass ORDER BY 1",
    )
    .load::<Name>(&mut app.db())
    .unwrap()
    .into_iter()
    .map(|n| n.name)
    .collect();
    assert_eq!(partitions, ["payments_old_age_20250701", "payments_old_age_20251001", "payments_widow_20250701"]);
    let twice = diesel::sql_query(
        "INSERT INTO payments (cycle_id, beneficiary_id, programme_code, division_id, district_id, upazila_id, period_start,
                               period_end, months, amount_taka, provider, account_number, status)
         SELECT uuid_v7(), beneficiary_id, programme_code, division_id, district_id, upazila_id, period_start, period_end,
                months, amount_taka, provider, account_number, 'pending'
           FROM payments WHERE programme_code = 'old_age' AND period_start = '2025-10-01' LIMIT 1",
    )
    .execute(&mut app.db())
    .unwrap_err()
    .to_string();
    assert!(twice.contains("duplicate key") && twice.contains("beneficiary_id_period_start"), "{twice}");
    // An upazila's cycle that makes its quarter's partition pays its own upazila's widow only;
    // the national cycle after it pays the other upazila's, and nobody twice.
    let local_first = cycle(&upz2, "widow", Some(2), "2025-10-01", "2025-12-31");
    let c = generate_and_wait(&app, &upz2, &local_first);
    assert_eq!((c["totals"]["payments"].as_i64(), c["totals"]["amount_taka"].as_i64()), (Some(1), Some(3 * 650)), "{c}");
    let national_after = cycle(&hq, "widow", None, "2025-10-01", "2025-12-31");
    assert_eq!(generate_and_wait(&app, &hq, &national_after)["totals"]["payments"], 1);
    #[derive(diesel::QueryableByName)]
    struct Paid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        upazila_id: i32,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let paid: Vec<(i32, i64)> = diesel::sql_query(
        "SELECT upazila_id, count(*) AS n FROM payments WHERE programme_code = 'widow' AND period_start = '2025-10-01'
          GROUP BY 1 ORDER BY 1",
    )
    .load::<Paid>(&mut app.db())
    .unwrap()
    .into_iter()
    .map(|p| (p.upazila_id, p.n))
    .collect();
    assert_eq!(paid, [(1, 1), (2, 1)]);
    app.assert_report_aggregates_exact();
}
