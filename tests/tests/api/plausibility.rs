//! Implausible data is refused by named rules: a birth date within 120 years and not in the
//! future (`person.birth_date_plausible`), and nothing that happens to a person dated before
//! the birth (`*.before_birth`): an admission to an institution, a case's intake, a hospital
//! request, a supervision's start, a disability assessment; and every amount a client gives
//! keeps to its programme's named bound.

use chrono::{Duration, Months, NaiveDate, Utc};
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

fn today() -> NaiveDate {
    domain::time::dhaka_date(Utc::now())
}

fn create(app: &TestApp, token: &str, dob: NaiveDate) -> Resp {
    app.post("/api/v1/persons")
        .bearer(token)
        .json(&json!({"name_en": "Someone", "sex": "female", "date_of_birth": dob, "union_id": 1}))
        .send()
}

fn person(app: &TestApp, token: &str, dob: NaiveDate) -> String {
    create(app, token, dob).expect(201).json["person"]["id"].as_str().unwrap().to_owned()
}

#[test]
fn a_person_born_in_1800_is_refused_and_120_years_is_the_limit() {
    let app = TestApp::new();
    let (_, officer) = app.user("pl.officer", "upazila_officer", "upazila:1");
    let born_1800 = NaiveDate::from_ymd_opt(1800, 1, 1).unwrap();
    create(&app, &officer, born_1800).expect_rule(422, "person.birth_date_plausible");
    let limit = today() - Months::new(12 * 120);
    create(&app, &officer, limit - Duration::days(1)).expect_rule(422, "person.birth_date_plausible");
    let oldest = create(&app, &officer, limit).expect(201);
    create(&app, &officer, limit + Duration::days(1)).expect(201);
    // A correction to 1800 is refused; a change that leaves the birth date alone is not.
    let id = oldest.json["person"]["id"].as_str().unwrap();
    let etag = oldest.header("etag").unwrap().to_owned();
    app.req("PATCH", &format!("/api/v1/persons/{id}"))
        .bearer(&officer)
        .header("If-Match", &etag)
        .json(&json!({"date_of_birth": born_1800}))
        .send()
        .expect_rule(422, "person.birth_date_plausible");
    app.req("PATCH", &format!("/api/v1/persons/{id}"))
        .bearer(&officer)
        .header("If-Match", &etag)
        .json(&json!({"name_en": "Someone Else"}))
        .send()
        .expect(200);
    // Bare facts for an eligibility check too.
    app.post("/api/v1/eligibility/check")
        .bearer(&officer)
        .json(&json!({"facts": {"sex": "female", "date_of_birth": born_1800}}))
        .send()
        .expect_rule(422, "person.birth_date_plausible");
}

#[test]
fn nothing_is_dated_before_the_persons_birth() {
    let app = TestApp::new();
    let admin = app.admin();
    let facility = |kind: &str| -> String {
        app.post("/api/v1/facilities")
            .bearer(&admin)
            .json(&json!({"name_en": kind, "name_bn": kind, "facility_type": kind, "upazila_id": 1,
                          "capacity_female": 10, "capacity_male": 10, "capacity_hijra": 0}))
            .send()
            .expect(201)
            .json["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (_, officer) = app.user("pl.upz", "upazila_officer", "upazila:1");
    let (_, cw) = app.user("pl.cw", "caseworker", "upazila:1");
    let (_, district) = app.user("pl.district", "district_officer", "district:1");
    let born = today() - Months::new(12 * 3);
    let (before, after) = (born - Duration::days(1), born + Duration::days(1));
    let child = person(&app, &officer, born);

    // An admission to an institution (a Chotomoni Nibash takes children from birth).
    let chotomoni = facility("chotomoni_nibash");
    let admit = |on: NaiveDate| {
        app.post("/api/v1/institution-stays")
            .bearer(&district)
            .json(&json!({"facility_id": chotomoni, "person_id": child, "admitted_on": on}))
            .send()
    };
    admit(before).expect_rule(422, "institution.before_birth");
    admit(after).expect(201);

    // A child-protection case's intake (every later step of a case is dated after it).
    let intake = |on: NaiveDate| {
        app.post("/api/v1/cases")
            .bearer(&cw)
            .json(&json!({"kind": "child_protection", "person_id": child, "upazila_id": 1, "intake_on": on}))
            .send()
    };
    intake(before).expect_rule(422, "case.before_birth");
    let case = intake(born).expect(201).json;
    // A service's value keeps to its bound (Tk 0 to 10 crore), before any other rule of it.
    let service = |value: i64| {
        app.post(&format!("/api/v1/cases/{}/services", case["id"].as_str().unwrap()))
            .bearer(&cw)
            .header("If-Match", &format!("\"{}\"", case["version"]))
            .json(&json!({"service": "counselling", "given_on": today(), "provider": "UCD", "value_taka": value,
                          "immediate_support_reason": "counselling after abuse"}))
            .send()
    };
    service(-1).expect_rule(422, "case.support_value");
    service(100_000_001).expect_rule(422, "case.support_value");
    service(100_000_000).expect(200);

    // A hospital patient's request.
    let hospital = facility("hospital_social_services");
    let (_, staff) = app.user("pl.hss", "facility_staff", &format!("facility:{hospital}"));
    let patient = person(&app, &staff, born);
    let request = |on: NaiveDate| {
        app.post("/api/v1/hospital-patients")
            .bearer(&staff)
            .json(&json!({"facility_id": hospital, "person_id": patient, "requested_on": on, "ailment": "Fever", "burn_victim": false}))
            .send()
    };
    request(before).expect_rule(422, "hospital.before_birth");
    let p = request(born).expect(201).json;
    let assess_patient = |income: i64| {
        app.post(&format!("/api/v1/hospital-patients/{}/assessment", p["id"].as_str().unwrap()))
            .bearer(&staff)
            .header("If-Match", &format!("\"{}\"", p["version"]))
            .json(&json!({"assessed_on": today(), "assessed_by": "Hospital social services officer", "eligible": true,
                          "household_income_taka": income}))
            .send()
    };
    assess_patient(-1).expect_rule(422, "hospital.household_income");
    assess_patient(100_000_001).expect_rule(422, "hospital.household_income");
    assess_patient(6000).expect(200);

    // A supervision's start, and a disability assessment.
    let order = json!({"court": "Chief Judicial Magistrate, Cumilla", "order_number": "PR-1/2026", "order_date": before - Duration::days(1)});
    app.post("/api/v1/supervisions")
        .bearer(&cw)
        .json(&json!({"kind": "probation", "person_id": child, "upazila_id": 1, "court_order": order, "offence": "x",
                      "starts_on": before, "term_months": 12, "conditions": ["Live at home"]}))
        .send()
        .expect_rule(422, "supervision.before_birth");
    let assess = |on: NaiveDate| {
        app.post("/api/v1/disability-records")
            .bearer(&officer)
            .json(&json!({"person_id": child, "disability_type": "physical", "severity": "mild", "assessed_by": "Dr. Rahman",
                          "assessed_on": on, "upazila_id": 1}))
            .send()
    };
    assess(before).expect_rule(422, "disability.before_birth");
    let record: Value = assess(born).expect(201).json;
    assert_eq!(record["assessed_on"], born.to_string());
}

/// A Social Welfare Council grant and an annual report's figures keep to their named bounds.
#[test]
fn a_grant_and_an_annual_report_keep_to_their_bounds() {
    let app = TestApp::new();
    let (_, upz) = app.user("pl.vol.upz", "upazila_officer", "upazila:1");
    let (_, dist) = app.user("pl.vol.dist", "district_officer", "district:1");
    let (_, hq) = app.user("pl.vol.hq", "hq_officer", "national");
    let day = |n: i64| today() - Duration::days(n);
    let o = app
        .post("/api/v1/voluntary-organisations")
        .bearer(&upz)
        .json(&json!({"name_en": "Samity", "name_bn": "সমিতি", "address": "Sadar", "upazila_id": 1, "applied_on": day(60),
                      "documents": ["constitution", "committee_list", "formation_minutes"],
                      "committee": [{"name": "A", "position": "president"}, {"name": "B", "position": "general_secretary"},
                                    {"name": "C", "position": "treasurer"}]}))
        .send()
        .expect(201)
        .json["organisation"]
        .clone();
    let id = o["id"].as_str().unwrap().to_owned();
    let versioned = |token: &str, action: &str, version: &Value, body: Value| {
        app.post(&format!("/api/v1/voluntary-organisations/{id}/{action}"))
            .bearer(token)
            .header("If-Match", &format!("\"{version}\""))
            .json(&body)
            .send()
            .expect(200)
            .json["organisation"]
            .clone()
    };
    let o = versioned(
        &upz,
        "inspection",
        &o["version"],
        json!({"inspected_on": day(50), "inspected_by": "UCD officer", "recommends": true}),
    );
    versioned(&dist, "decision", &o["version"], json!({"approve": true, "decided_on": day(40)}));
    let grant = |amount: i64| {
        app.post(&format!("/api/v1/voluntary-organisations/{id}/grants"))
            .bearer(&hq)
            .json(&json!({"amount_taka": amount, "purpose": "Sewing training", "granted_on": day(1)}))
            .send()
    };
    grant(0).expect_rule(422, "voluntary.grant_amount");
    grant(100_000_001).expect_rule(422, "voluntary.grant_amount");
    grant(100_000_000).expect(201);
    let year = chrono::Datelike::year(&today()) - 1;
    let report = |income: i64, expenditure: i64| {
        app.post(&format!("/api/v1/voluntary-organisations/{id}/annual-reports"))
            .bearer(&upz)
            .json(&json!({"year": year, "submitted_on": day(1), "audited": true, "income_taka": income, "expenditure_taka": expenditure}))
            .send()
    };
    report(-1, 0).expect_rule(422, "voluntary.report_amounts");
    report(0, 1_000_000_000_001).expect_rule(422, "voluntary.report_amounts");
    report(1_250_000, 1_180_000).expect(201);
}
