//! Capitation grants to registered private orphanages, through the API as a district office
//! runs them: seed 004's 11 orphanages with 545 orphans at Tk 2,000 a month. The orphans are
//! enrolled in the capitation programme like any allowance (orphans under 18), listed at their
//! orphanage within its allotment, and paid by an ordinary payment cycle into the orphanage's
//! bank account; an orphan absent at inspection is not paid for.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use sheba_tests::TestApp;

fn today() -> NaiveDate {
    domain::time::dhaka_date(Utc::now())
}

fn versioned(app: &TestApp, token: &str, path: &str, version: &Value, body: Value) -> Value {
    app.post(path).bearer(token).header("If-Match", &format!("\"{version}\"")).json(&body).send().expect(200).json
}

#[test]
fn seed_004s_orphanages_are_granted_for_545_orphans() {
    let app = TestApp::new();
    let (_, upz) = app.user("cap.upz", "upazila_officer", "upazila:1");
    let (_, dist) = app.user("cap.dist", "district_officer", "district:1");
    let (_, committee) = app.user("cap.committee", "committee_member", "upazila:1");
    let (_, hq) = app.user("cap.hq", "hq_officer", "national");
    let fy = domain::allowance::FiscalYear::of(today()).to_string();
    app.req("PUT", "/api/v1/quotas")
        .bearer(&dist)
        .json(&json!({"programme": "orphanage_capitation", "upazila_id": 1, "fiscal_year": fy, "places": 600}))
        .send()
        .expect(200);
    // Eleven registered orphanages: ten funded for 50 orphans, one for 45.
    let orphanages: Vec<String> = (0..11)
        .map(|n| {
            let o = app
                .post("/api/v1/voluntary-organisations")
                .bearer(&upz)
                .json(&json!({"name_en": format!("Orphanage {n:02}"), "name_bn": format!("এতিমখানা {n}"), "address": "Sadar",
                              "upazila_id": 1, "applied_on": (today() - Duration::days(60)),
                              "documents": ["constitution", "committee_list", "formation_minutes"],
                              "committee": [{"name": "A", "position": "president"}, {"name": "B", "position": "general_secretary"},
                                            {"name": "C", "position": "treasurer"}]}))
                .send()
                .expect(201)
                .json["organisation"]
                .clone();
            let path = |a: &str| format!("/api/v1/voluntary-organisations/{}/{a}", o["id"].as_str().unwrap());
            let o = versioned(&app, &upz, &path("inspection"), &o["version"],
                json!({"inspected_on": today() - Duration::days(50), "inspected_by": "UCD officer", "recommends": true}))["organisation"]
                .clone();
            versioned(&app, &dist, &path("decision"), &o["version"], json!({"approve": true, "decided_on": today() - Duration::days(40)}));
            o["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let allot = |org: &str, orphans: i32| {
        app.req("PUT", &format!("/api/v1/voluntary-organisations/{org}/capitation/{fy}"))
            .bearer(&dist)
            .json(&json!({"orphans": orphans, "bank_account": format!("01234567{:04}", orphans)}))
            .send()
    };
    for (i, org) in orphanages.iter().enumerate() {
        allot(org, if i == 10 { 45 } else { 50 }).expect(201);
    }
    allot(&orphanages[0], 50).expect_problem(428, "precondition_required");
    app.req("PUT", &format!("/api/v1/voluntary-organisations/{}/capitation/{fy}", orphanages[0]))
        .bearer(&upz)
        .json(&json!({"orphans": 50, "bank_account": "012345678901"}))
        .send()
        .expect(403);
    app.req("PUT", &format!("/api/v1/voluntary-organisations/{}/capitation/2025", orphanages[0]))
        .bearer(&dist)
        .json(&json!({"orphans": 50, "bank_account": "012345678901"}))
        .send()
        .expect_problem(422, "validation_failed");

    // 546 orphans enrolled as any allowance is: applied for, verified, approved.
    let union = app.get("/api/v1/geo/unions?upazila_id=1&limit=1").send().expect(200).json["data"][0]["id"].as_i64().unwrap();
    let born = (today() - Duration::days(365 * 10)).to_string();
    for n in 0..546 {
        let person = app
            .post("/api/v1/persons")
            .bearer(&upz)
            .json(&json!({"name_en": format!("Orphan {n}"), "sex": if n % 2 == 0 { "female" } else { "male" }, "date_of_birth": born, "union_id": union}))
            .send()
            .expect(201)
            .json["person"]["id"]
            .clone();
        let a = app
            .post("/api/v1/applications")
            .bearer(&committee)
            .json(&json!({"programme": "orphanage_capitation", "person_id": person, "facts": {"orphan": true}}))
            .send()
            .expect(201)
            .json;
        assert_eq!(a["verdict"], "eligible", "{a}");
        let id = a["id"].as_str().unwrap();
        let v = versioned(
            &app,
            &committee,
            &format!("/api/v1/applications/{id}/verification"),
            &a["version"],
            json!({"accept": true}),
        );
        versioned(&app, &upz, &format!("/api/v1/applications/{id}/decision"), &v["version"], json!({"approve": true}));
    }
    let beneficiaries: Vec<String> = app
        .all_pages("/api/v1/beneficiaries?programme=orphanage_capitation", Some(&upz))
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(beneficiaries.len(), 546);
    // Listed at their orphanages, within the allotments.
    let list = |org: &str, ben: &str| {
        app.post(&format!("/api/v1/voluntary-organisations/{org}/orphans"))
            .bearer(&upz)
            .json(&json!({"beneficiary_id": ben, "listed_on": today()}))
            .send()
    };
    let mut next = beneficiaries.iter();
    for (i, org) in orphanages.iter().enumerate() {
        for _ in 0..(if i == 10 { 45 } else { 50 }) {
            list(org, next.next().unwrap()).expect(201);
        }
    }
    let spare = next.next().unwrap();
    let refused = |r: sheba_tests::Resp, status: u16, rule: &str| assert_eq!(r.expect(status).json["rule"], rule);
    refused(list(&orphanages[3], spare), 409, "capitation.allotment");
    refused(list(&orphanages[4], &beneficiaries[0]), 409, "capitation.one_orphanage");
    let listing =
        app.get(&format!("/api/v1/voluntary-organisations/{}/orphans", orphanages[0])).bearer(&upz).send().expect(200).json;
    assert_eq!((listing["orphans"].as_array().unwrap().len(), listing["allotment"]["orphans"].as_i64()), (50, Some(50)));
    let ben = app.get(&format!("/api/v1/beneficiaries/{}", beneficiaries[0])).bearer(&upz).send().expect(200).json;
    assert_eq!(
        (ben["payment_provider"].as_str(), ben["account_number"].as_str()),
        (Some("bank"), Some("012345670050")),
        "paid to the orphanage"
    );

    // The grant report: 11 orphanages, 545 orphans, Tk 2,000 a month each.
    let month_start = today().with_day(1).unwrap();
    let report = || {
        app.get(&format!("/api/v1/reports/capitation_grants?from={month_start}&to={}", today()))
            .bearer(&hq)
            .send()
            .expect(200)
            .json
    };
    let r = report();
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 12, "11 orphanages and the total");
    let total = |r: &Value| {
        let t = r["rows"].as_array().unwrap().last().unwrap().clone();
        ["allotted", "listed", "absent", "monthly_rate_taka", "monthly_grant_taka", "payments", "amount_taka"]
            .map(|m| t[m].as_i64().unwrap())
    };
    assert_eq!(total(&r), [545, 545, 0, 2000, 1_090_000, 0, 0]);

    // An inspection finds two orphans of the first orphanage absent: not paid for.
    let first: Vec<String> =
        listing["orphans"].as_array().unwrap().iter().map(|o| o["beneficiary_id"].as_str().unwrap().to_owned()).collect();
    let inspect = |present: &[String]| {
        app.post(&format!("/api/v1/voluntary-organisations/{}/capitation-inspections", orphanages[0]))
            .bearer(&upz)
            .json(&json!({"inspected_on": today(), "inspected_by": "District social services officer", "present": present}))
            .send()
    };
    let seen = inspect(&first[2..]).expect(201).json;
    assert_eq!((seen["present"].as_i64(), seen["absent"].as_i64()), (Some(48), Some(2)));
    refused(inspect(std::slice::from_ref(spare)), 422, "capitation.present_listed");
    let cycle = app
        .post("/api/v1/payment-cycles")
        .bearer(&upz)
        .json(&json!({"programme": "orphanage_capitation", "upazila_id": 1, "period_start": month_start,
                      "period_end": (month_start + chrono::Months::new(1) - Duration::days(1))}))
        .send()
        .expect(201)
        .json;
    let id = cycle["id"].as_str().unwrap();
    let started = app.post(&format!("/api/v1/payment-cycles/{id}/generation")).bearer(&upz).send().expect(202);
    let location = started.header("location").unwrap().to_owned();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while app.get(&location).bearer(&upz).send().expect(200).json["status"] != "succeeded" {
        assert!(std::time::Instant::now() < deadline, "payroll did not finish");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let c = app.get(&format!("/api/v1/payment-cycles/{id}")).bearer(&upz).send().expect(200).json;
    assert_eq!((c["totals"]["payments"].as_i64(), c["totals"]["amount_taka"].as_i64()), (Some(543), Some(1_086_000)));
    assert_eq!(c["totals"]["missing_accounts"], 1, "the orphan not listed anywhere has no account");
    assert_eq!(total(&report()), [545, 545, 2, 2000, 1_086_000, 543, 1_086_000]);
    // Found present again: paid for again from the next cycle.
    inspect(&first).expect(201);
    assert_eq!(total(&report())[2], 0);
    app.assert_report_aggregates_exact();
}
