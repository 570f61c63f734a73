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

/// The accounts of a district office and an upazila running capitation grants, and this
/// fiscal year's places for the programme.
struct Office {
    upz: String,
    dist: String,
    committee: String,
    hq: String,
    fy: String,
}

fn office(app: &TestApp, prefix: &str, places: i64) -> Office {
    let (_, upz) = app.user(&format!("{prefix}.upz"), "upazila_officer", "upazila:1");
    let (_, dist) = app.user(&format!("{prefix}.dist"), "district_officer", "district:1");
    let (_, committee) = app.user(&format!("{prefix}.committee"), "committee_member", "upazila:1");
    let (_, hq) = app.user(&format!("{prefix}.hq"), "hq_officer", "national");
    let fy = domain::allowance::FiscalYear::of(today()).to_string();
    app.req("PUT", "/api/v1/quotas")
        .bearer(&dist)
        .json(&json!({"programme": "orphanage_capitation", "upazila_id": 1, "fiscal_year": fy, "places": places}))
        .send()
        .expect(200);
    Office { upz, dist, committee, hq, fy }
}

#[test]
fn seed_004s_orphanages_are_granted_for_545_orphans() {
    let app = TestApp::new();
    let Office { upz, dist, committee, hq, fy } = office(&app, "cap", 600);
    // Eleven registered orphanages: ten funded for 50 orphans, one for 45.
    let orphanages: Vec<String> = (0..11).map(|n| registered_orphanage(&app, &upz, &dist, n)).collect();
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
    let born = today() - Duration::days(365 * 10);
    for n in 0..546 {
        enrolled_orphan(&app, (&committee, &upz), union, n, born);
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
    let c = generated(&app, &upz, cycle["id"].as_str().unwrap());
    assert_eq!((c["totals"]["payments"].as_i64(), c["totals"]["amount_taka"].as_i64()), (Some(543), Some(1_086_000)));
    assert_eq!(c["totals"]["missing_accounts"], 1, "the orphan not listed anywhere has no account");
    assert_eq!(total(&report()), [545, 545, 2, 2000, 1_086_000, 543, 1_086_000]);
    // The orphanage's payments by cycle, and what falls due next: the next month for the 48
    // paid for (the two absent are not due while absent).
    let payments = || {
        app.get(&format!("/api/v1/voluntary-organisations/{}/capitation/payments", orphanages[0]))
            .bearer(&upz)
            .send()
            .expect(200)
            .json
    };
    let p = payments();
    let row = &p["data"][0];
    assert_eq!(
        (row["cycle_id"].as_str(), row["payments"].as_i64(), row["amount_taka"].as_i64()),
        (cycle["id"].as_str(), Some(48), Some(96_000))
    );
    assert_eq!((row["pending"].as_i64(), row["paid"].as_i64()), (Some(48), Some(0)));
    let next_month = month_start + chrono::Months::new(1);
    assert_eq!(
        (p["next_due"]["period_start"].as_str(), p["next_due"]["orphans"].as_i64()),
        (Some(&*next_month.to_string()), Some(48))
    );
    assert_eq!(p["next_due"]["amount_taka"], 96_000);
    app.get(&format!("/api/v1/voluntary-organisations/{}/capitation/payments", orphanages[0]))
        .bearer(&committee)
        .send()
        .expect_problem(403, "role_lacks_permission");
    // Found present again: paid for again from the next cycle.
    inspect(&first).expect(201);
    // The two found present are due first: this month, which they were not paid for.
    let p = payments();
    assert_eq!(
        (p["next_due"]["period_start"].as_str(), p["next_due"]["orphans"].as_i64()),
        (Some(&*month_start.to_string()), Some(2))
    );
    assert_eq!(total(&report())[2], 0);
    app.assert_report_aggregates_exact();
}

/// An organisation applied for, inspected and registered, as the district office does it.
fn registered_orphanage(app: &TestApp, upz: &str, dist: &str, n: usize) -> String {
    registered_orphanage_on(app, (upz, dist), n, today() - Duration::days(40))
}

/// An organisation registered on `decided_on` (applied for 20 days and inspected 10 days
/// before).
fn registered_orphanage_on(app: &TestApp, (upz, dist): (&str, &str), n: usize, decided_on: NaiveDate) -> String {
    let o = app
        .post("/api/v1/voluntary-organisations")
        .bearer(upz)
        .json(&json!({"name_en": format!("Orphanage {n:02}"), "name_bn": format!("এতিমখানা {n}"), "address": "Sadar",
                      "upazila_id": 1, "applied_on": (decided_on - Duration::days(20)),
                      "documents": ["constitution", "committee_list", "formation_minutes"],
                      "committee": [{"name": "A", "position": "president"}, {"name": "B", "position": "general_secretary"},
                                    {"name": "C", "position": "treasurer"}]}))
        .send()
        .expect(201)
        .json["organisation"]
        .clone();
    let path = |a: &str| format!("/api/v1/voluntary-organisations/{}/{a}", o["id"].as_str().unwrap());
    let o = versioned(
        app,
        upz,
        &path("inspection"),
        &o["version"],
        json!({"inspected_on": decided_on - Duration::days(10), "inspected_by": "UCD officer", "recommends": true}),
    )["organisation"]
        .clone();
    versioned(app, dist, &path("decision"), &o["version"], json!({"approve": true, "decided_on": decided_on}));
    o["id"].as_str().unwrap().to_owned()
}

/// An orphan enrolled as any allowance beneficiary is: applied for, verified, approved.
/// Returns the person's id.
fn enrolled_orphan(app: &TestApp, (committee, upz): (&str, &str), union: i64, n: usize, born: NaiveDate) -> String {
    let person = app
        .post("/api/v1/persons")
        .bearer(upz)
        .json(&json!({"name_en": format!("Orphan {n}"), "sex": if n.is_multiple_of(2) { "female" } else { "male" }, "date_of_birth": born, "union_id": union}))
        .send()
        .expect(201)
        .json["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = app
        .post("/api/v1/applications")
        .bearer(committee)
        .json(&json!({"programme": "orphanage_capitation", "person_id": person, "facts": {"orphan": true}}))
        .send()
        .expect(201)
        .json;
    assert_eq!(a["verdict"], "eligible", "{a}");
    let id = a["id"].as_str().unwrap();
    let v = versioned(app, committee, &format!("/api/v1/applications/{id}/verification"), &a["version"], json!({"accept": true}));
    versioned(app, upz, &format!("/api/v1/applications/{id}/decision"), &v["version"], json!({"approve": true}));
    person
}

/// Generates a cycle's payroll and waits for the job; returns the cycle.
fn generated(app: &TestApp, token: &str, id: &str) -> Value {
    let started = app.post(&format!("/api/v1/payment-cycles/{id}/generation")).bearer(token).send().expect(202);
    let location = started.header("location").unwrap().to_owned();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while app.get(&location).bearer(token).send().expect(200).json["status"] != "succeeded" {
        assert!(std::time::Instant::now() < deadline, "payroll did not finish");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    app.get(&format!("/api/v1/payment-cycles/{id}")).bearer(token).send().expect(200).json
}

/// The grant ends at 18 without anyone dropping the orphan: payroll pays only the months that
/// begin before the 18th birthday, and from that day the orphan frees a place in the allotment.
#[test]
fn an_orphan_turning_18_is_paid_to_the_birthday_month_and_frees_a_place() {
    let app = TestApp::new();
    let Office { upz, dist, committee, hq, fy } = office(&app, "age", 10);
    let programmes = app.get("/api/v1/programmes").bearer(&upz).send().expect(200).json;
    let grant = programmes["data"].as_array().unwrap().iter().find(|p| p["code"] == "orphanage_capitation").unwrap().clone();
    assert_eq!((grant["pay_until_age"].as_i64(), grant["duration_months"].as_i64()), (Some(18), None));
    let org = registered_orphanage(&app, &upz, &dist, 0);
    app.req("PUT", &format!("/api/v1/voluntary-organisations/{org}/capitation/{fy}"))
        .bearer(&dist)
        .json(&json!({"orphans": 2, "bank_account": "012345678901"}))
        .send()
        .expect(201);
    let union = app.get("/api/v1/geo/unions?upazila_id=1&limit=1").send().expect(200).json["data"][0]["id"].as_i64().unwrap();
    // Nearly 18: the birthday falls on the 15th of next month.
    let month_start = today().with_day(1).unwrap();
    let birthday = month_start + chrono::Months::new(1) + Duration::days(14);
    let nearly_18 = birthday - chrono::Months::new(12 * 18);
    let born = [nearly_18, today() - Duration::days(365 * 10), today() - Duration::days(365 * 9)];
    let persons: Vec<String> =
        born.iter().enumerate().map(|(n, b)| enrolled_orphan(&app, (&committee, &upz), union, n, *b)).collect();
    let beneficiaries = app.all_pages("/api/v1/beneficiaries?programme=orphanage_capitation", Some(&upz));
    let beneficiary =
        |person: &str| beneficiaries.iter().find(|b| b["person_id"] == person).unwrap()["id"].as_str().unwrap().to_owned();
    let list = |person: &str| {
        app.post(&format!("/api/v1/voluntary-organisations/{org}/orphans"))
            .bearer(&upz)
            .json(&json!({"beneficiary_id": beneficiary(person), "listed_on": today()}))
            .send()
    };
    let listed = list(&persons[0]).expect(201).json;
    assert_eq!(listed["grant_ends_on"], birthday.to_string());
    list(&persons[1]).expect(201);
    assert_eq!(list(&persons[2]).expect(409).json["rule"], "capitation.allotment");

    // A cycle of three months pays the younger orphan three and the elder two: this month and
    // next, which begins before the birthday, but not the month after.
    let cycle = app
        .post("/api/v1/payment-cycles")
        .bearer(&upz)
        .json(&json!({"programme": "orphanage_capitation", "upazila_id": 1, "period_start": month_start,
                      "period_end": (month_start + chrono::Months::new(3) - Duration::days(1))}))
        .send()
        .expect(201)
        .json;
    let c = generated(&app, &upz, cycle["id"].as_str().unwrap());
    // Two payments of whole months at Tk 2,000, at most three each, making Tk 10,000: three
    // months and two.
    assert_eq!((c["totals"]["payments"].as_i64(), c["totals"]["amount_taka"].as_i64()), (Some(2), Some(5 * 2000)));

    // The birth date was wrong: corrected, the orphan is 18 already. Nothing is paid for her
    // from now, she no longer counts as listed, and her place goes to the next orphan.
    let person = app.get(&format!("/api/v1/persons/{}", persons[0])).bearer(&upz).send().expect(200);
    let etag = person.header("etag").unwrap().to_owned();
    app.req("PATCH", &format!("/api/v1/persons/{}", persons[0]))
        .bearer(&upz)
        .header("If-Match", &etag)
        .json(&json!({"date_of_birth": today() - chrono::Months::new(12 * 18) - Duration::days(40)}))
        .send()
        .expect(200);
    let grant = |r: Value| {
        let t = r["rows"].as_array().unwrap().last().unwrap().clone();
        [t["listed"].as_i64().unwrap(), t["monthly_grant_taka"].as_i64().unwrap()]
    };
    let report = || {
        app.get(&format!("/api/v1/reports/capitation_grants?from={month_start}&to={}", today()))
            .bearer(&hq)
            .send()
            .expect(200)
            .json
    };
    assert_eq!(grant(report()), [1, 2000]);
    list(&persons[2]).expect(201);
    assert_eq!(grant(report()), [2, 4000]);
    let next = month_start + chrono::Months::new(3);
    let later = app
        .post("/api/v1/payment-cycles")
        .bearer(&upz)
        .json(&json!({"programme": "orphanage_capitation", "upazila_id": 1, "period_start": next,
                      "period_end": (next + chrono::Months::new(1) - Duration::days(1))}))
        .send()
        .expect(201)
        .json;
    let c = generated(&app, &upz, later["id"].as_str().unwrap());
    assert_eq!((c["totals"]["payments"].as_i64(), c["totals"]["amount_taka"].as_i64()), (Some(2), Some(4000)));
    app.assert_report_aggregates_exact();
}

/// A dated rule: a cycle pays an orphanage's orphans only for the months that begin while it
/// is registered. Four orphanages, registered long ago, each with one orphan paid from the
/// month before M (the month before last); suspended the day before M begins, the day it
/// begins, and the day after; the fourth suspended on M's first day and reinstated on the first
/// day of the month after M. One cycle of the three months (M - 1, M, M + 1) pays each only the
/// months that began before its suspension, and again from its reinstatement.
#[test]
fn a_suspended_orphanage_is_paid_for_the_months_before_its_suspension() {
    let app = TestApp::new();
    let Office { upz, dist, committee, hq, fy } = office(&app, "susp", 10);
    let m = today().with_day(1).unwrap() - chrono::Months::new(1);
    let (before, after) = (m - chrono::Months::new(1), m + chrono::Months::new(1));
    let orgs: Vec<String> =
        (0..4).map(|n| registered_orphanage_on(&app, (&upz, &dist), n, before - Duration::days(100))).collect();
    let union = app.get("/api/v1/geo/unions?upazila_id=1&limit=1").send().expect(200).json["data"][0]["id"].as_i64().unwrap();
    let persons: Vec<String> =
        (0..4).map(|n| enrolled_orphan(&app, (&committee, &upz), union, n, today() - Duration::days(365 * 10))).collect();
    let beneficiaries = app.all_pages("/api/v1/beneficiaries?programme=orphanage_capitation", Some(&upz));
    for (n, (org, person)) in orgs.iter().zip(&persons).enumerate() {
        app.req("PUT", &format!("/api/v1/voluntary-organisations/{org}/capitation/{fy}"))
            .bearer(&dist)
            .json(&json!({"orphans": 1, "bank_account": format!("01234567000{n}")}))
            .send()
            .expect(201);
        let ben = beneficiaries.iter().find(|b| b["person_id"] == person.as_str()).unwrap()["id"].as_str().unwrap().to_owned();
        app.post(&format!("/api/v1/voluntary-organisations/{org}/orphans"))
            .bearer(&upz)
            .json(&json!({"beneficiary_id": ben, "listed_on": today()}))
            .send()
            .expect(201);
    }
    // Enrolled before the cycle's first month (as an orphan carried over from an older list).
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE beneficiaries SET start_month = '{before}' WHERE programme_code = 'orphanage_capitation'"
        )),
        &mut app.db(),
    )
    .unwrap();
    let status = |org: &str, action: &str, on: NaiveDate| {
        let o = app.get(&format!("/api/v1/voluntary-organisations/{org}")).bearer(&upz).send().expect(200).json;
        versioned(
            &app,
            &dist,
            &format!("/api/v1/voluntary-organisations/{org}/status"),
            &o["organisation"]["version"],
            json!({"action": action, "on": on, "reason": "No annual report for two years"}),
        );
    };
    status(&orgs[0], "suspend", m - Duration::days(1));
    status(&orgs[1], "suspend", m);
    status(&orgs[2], "suspend", m + Duration::days(1));
    status(&orgs[3], "suspend", m);
    status(&orgs[3], "reinstate", after);
    // A listing is dated too: not on a day the orphanage was suspended (the day before its
    // reinstatement); from the day of it, the listing's own rules answer (listed elsewhere).
    let taken = beneficiaries.iter().find(|b| b["person_id"] == persons[0].as_str()).unwrap()["id"].clone();
    let list_on = |on: NaiveDate| {
        app.post(&format!("/api/v1/voluntary-organisations/{}/orphans", orgs[3]))
            .bearer(&upz)
            .json(&json!({"beneficiary_id": taken, "listed_on": on}))
            .send()
    };
    list_on(after - Duration::days(1)).expect_rule(409, "voluntary.registered_that_day");
    list_on(after).expect_rule(409, "capitation.one_orphanage");
    if after < today() {
        list_on(after + Duration::days(1)).expect_rule(409, "capitation.one_orphanage");
    }

    let cycle = app
        .post("/api/v1/payment-cycles")
        .bearer(&upz)
        .json(&json!({"programme": "orphanage_capitation", "upazila_id": 1, "period_start": before,
                      "period_end": (after + chrono::Months::new(1) - Duration::days(1))}))
        .send()
        .expect(201)
        .json;
    let c = generated(&app, &upz, cycle["id"].as_str().unwrap());
    assert_eq!((c["totals"]["payments"].as_i64(), c["totals"]["amount_taka"].as_i64()), (Some(4), Some((1 + 1 + 2 + 2) * 2000)));
    // Each orphanage's payments, from the grants report.
    let report =
        app.get(&format!("/api/v1/reports/capitation_grants?from={before}&to={}", today())).bearer(&hq).send().expect(200).json;
    let paid = |org: &str| {
        report["rows"].as_array().unwrap().iter().find(|r| r["organisation_id"] == org).unwrap()["amount_taka"].as_i64().unwrap()
    };
    assert_eq!(paid(&orgs[0]), 2000, "suspended the day before M: M - 1 only");
    assert_eq!(paid(&orgs[1]), 2000, "suspended on M's first day: M - 1 only");
    assert_eq!(paid(&orgs[2]), 2 * 2000, "suspended the day after: M - 1 and M");
    assert_eq!(paid(&orgs[3]), 2 * 2000, "suspended on M, reinstated on M + 1: M - 1 and M + 1");
    // The report counts the orphans listed by its last day: listed today, not yet yesterday.
    let listed = |to: NaiveDate| {
        let r = app.get(&format!("/api/v1/reports/capitation_grants?from={before}&to={to}")).bearer(&hq).send().expect(200).json;
        r["rows"].as_array().unwrap().last().unwrap()["listed"].as_i64().unwrap()
    };
    assert_eq!(listed(today() - Duration::days(1)), 0, "the day before the listing");
    assert_eq!(listed(today()), 4, "the day of it");
    assert_eq!(listed(today() + Duration::days(1)), 4, "the day after");
    app.assert_report_aggregates_exact();
}
