//! Programmes and the eligibility check over HTTP.

use serde_json::{json, Value};
use sheba_tests::TestApp;

fn result<'a>(r: &'a Value, code: &str) -> &'a Value {
    r["results"].as_array().unwrap().iter().find(|p| p["programme"] == code).unwrap_or_else(|| panic!("no {code} in {r}"))
}

#[test]
fn programmes_in_force_with_rates_by_fiscal_year() {
    let app = TestApp::new();
    let r = app.get("/api/v1/programmes?as_of=2025-08-01").send().expect(200);
    let codes: Vec<&str> = r.json["data"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 12, "{codes:?}");
    let old_age = r.json["data"].as_array().unwrap().iter().find(|p| p["code"] == "old_age").unwrap();
    assert_eq!(old_age["name_bn"], "বয়স্ক ভাতা");
    let rates: Vec<(&str, i64)> = old_age["rates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["fiscal_year"].as_str().unwrap(), r["monthly_taka"].as_i64().unwrap()))
        .collect();
    assert_eq!(rates, [("2023-24", 600), ("2024-25", 600), ("2025-26", 650)]);
    assert!(old_age["criteria"][0]["bn"].as_str().unwrap().contains("৬২"));
    let r = app.get("/api/v1/programmes?as_of=2020-01-01").send().expect(200);
    assert!(r.json["data"].as_array().unwrap().is_empty(), "nothing was in force then");
    app.get("/api/v1/programmes?as_of=yesterday").send().expect_problem(400, "invalid_query");
}

#[test]
fn bare_facts_across_all_programmes_with_reasons() {
    let app = TestApp::new();
    let (_, officer) = app.user("upz.allowance", "upazila_officer", "upazila:1");
    let check = |facts: Value, as_of: &str| {
        app.post("/api/v1/eligibility/check")
            .bearer(&officer)
            .json(&json!({"facts": facts, "as_of": as_of}))
            .send()
            .expect(200)
            .json
    };
    let widow = json!({"sex": "female", "date_of_birth": "1964-01-15", "annual_income_taka": 8000, "marital_status": "widowed",
        "government_pensioner": false, "receiving_programmes": [], "family_income_taka": 20000, "family_size": 2,
        "disability_registered": false, "enrolled": false, "communities": [], "insolvent": true, "pregnant": false, "lactating": false});
    let r = check(widow.clone(), "2026-01-15");
    assert_eq!(r["fiscal_year"], "2025-26");
    assert_eq!(result(&r, "old_age")["verdict"], "eligible", "62 today");
    assert_eq!(result(&r, "old_age")["monthly_rate_taka"], 650);
    assert_eq!(result(&r, "widow")["verdict"], "eligible");
    assert_eq!(result(&r, "hijra_allowance")["verdict"], "ineligible");
    assert_eq!(result(&r, "hijra_allowance")["reasons"][0]["code"], "sex_not_covered");
    // One day before her 62nd birthday: not yet, and the reason says why in both languages.
    let r = check(widow.clone(), "2026-01-14");
    let old_age = result(&r, "old_age");
    assert_eq!(old_age["verdict"], "ineligible");
    assert_eq!(old_age["reasons"][0]["code"], "age_below_minimum");
    assert!(old_age["reasons"][0]["bn"].as_str().unwrap().contains("৬২"));
    assert_eq!(result(&r, "old_age")["monthly_rate_taka"], 650);
    // Already receiving the old age allowance: not eligible for the widow allowance too.
    let mut receiving = widow.clone();
    receiving["receiving_programmes"] = json!(["old_age"]);
    let r = check(receiving, "2026-01-15");
    assert_eq!(result(&r, "widow")["verdict"], "ineligible");
    assert_eq!(result(&r, "widow")["reasons"][0]["code"], "already_receives_allowance");
    // Unknown facts: needs verification, naming them.
    let r = check(json!({"sex": "male", "date_of_birth": "1950-01-01"}), "2026-01-15");
    let old_age = result(&r, "old_age");
    assert_eq!(old_age["verdict"], "needs_verification");
    let missing: Vec<&str> = old_age["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["missing_facts"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()))
        .collect();
    assert_eq!(missing, ["annual_income_taka", "allowance_groups_received"]);
}

#[test]
fn a_person_on_record_and_bad_input() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.elig", "caseworker", "upazila:1");
    let p = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_en": "Hijra Elder", "sex": "hijra", "date_of_birth": "1970-01-01"}))
        .send()
        .expect(201);
    let pid = p.json["person"]["id"].as_str().unwrap().to_owned();
    let r = app
        .post("/api/v1/eligibility/check")
        .bearer(&cw)
        .json(&json!({"person_id": pid, "programmes": ["hijra_allowance"], "as_of": "2026-01-15", "facts": {"insolvent": true, "receiving_programmes": []}}))
        .send()
        .expect(200);
    assert_eq!(r.json["results"].as_array().unwrap().len(), 1);
    assert_eq!(result(&r.json, "hijra_allowance")["verdict"], "eligible", "sex and age from the record");
    let r = app
        .post("/api/v1/eligibility/check")
        .bearer(&cw)
        .json(&json!({"programmes": ["king_allowance"], "facts": {"sex": "robot", "enrolled": true, "communities": ["martian"]}}))
        .send()
        .expect_problem(422, "validation_failed");
    let fields: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["facts.sex", "facts.education_level", "facts.communities[0]"]);
    let r = app.post("/api/v1/eligibility/check").bearer(&cw).json(&json!({"programmes": ["king_allowance"]})).send();
    assert_eq!(r.expect_problem(422, "validation_failed").json["errors"][0]["field"], "programmes[0]");
    // Integrators may check bare facts, but not people on record; auditors may not check at all.
    let (_, integrator) = app.user("dss-int", "integrator", "national");
    app.post("/api/v1/eligibility/check").bearer(&integrator).json(&json!({"facts": {"sex": "female"}})).send().expect(200);
    app.post("/api/v1/eligibility/check")
        .bearer(&integrator)
        .json(&json!({"person_id": pid}))
        .send()
        .expect_problem(403, "role_lacks_permission");
    let (_, auditor) = app.user("aud.elig", "auditor", "national");
    app.post("/api/v1/eligibility/check")
        .bearer(&auditor)
        .json(&json!({"facts": {}}))
        .send()
        .expect_problem(403, "role_lacks_permission");
}

fn today() -> chrono::NaiveDate {
    domain::time::dhaka_date(chrono::Utc::now())
}

/// Dated reads: eligibility as of a day reads the disability record in force that day (the day
/// before, of and after a re-assessment; before the first one, none) and the allowances the
/// person received that day (the day before, of and after the start month).
#[test]
fn eligibility_as_of_a_day_reads_what_was_on_record_that_day() {
    let app = TestApp::new();
    let (_, officer) = app.user("asof.officer", "upazila_officer", "upazila:1");
    let (_, district) = app.user("asof.district", "district_officer", "district:1");
    let (_, committee) = app.user("asof.committee", "committee_member", "upazila:1");
    let person = |name: &str, born: chrono::NaiveDate| {
        app.post("/api/v1/persons")
            .bearer(&officer)
            .json(&json!({"name_en": name, "sex": "female", "date_of_birth": born, "union_id": 1}))
            .send()
            .expect(201)
            .json["person"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let karima = person("Karima", today() - chrono::Months::new(12 * 30));
    let (first_on, second_on) = (today() - chrono::Duration::days(100), today() - chrono::Duration::days(50));
    let assess = |kind: &str, on: chrono::NaiveDate| {
        app.post("/api/v1/disability-records")
            .bearer(&officer)
            .json(&json!({"person_id": karima, "disability_type": kind, "severity": "severe", "assessed_by": "Upazila Health Complex",
                          "assessed_on": on, "upazila_id": 1}))
            .send()
            .expect(201)
            .json["id"]
            .clone()
    };
    let first = assess("physical", first_on);
    let second = assess("multiple", second_on);
    let check = |pid: &str, programme: &str, on: chrono::NaiveDate| {
        app.post("/api/v1/eligibility/check")
            .bearer(&officer)
            .json(&json!({"person_id": pid, "programmes": [programme], "as_of": on,
                          "facts": {"family_income_taka": 40000, "family_size": 4, "annual_income_taka": 4000,
                                    "marital_status": "widowed", "government_pensioner": false}}))
            .send()
            .expect(200)
            .json
    };
    let day = chrono::Duration::days(1);
    let disability = |on| {
        let r = check(&karima, "disability", on);
        (result(&r, "disability")["verdict"].as_str().unwrap().to_owned(), r["disability_record_id"].clone())
    };
    assert_eq!(disability(first_on - day), ("ineligible".into(), Value::Null), "before the first assessment");
    assert_eq!(disability(first_on), ("eligible".into(), first.clone()));
    assert_eq!(disability(second_on - day).1, first, "the day before the re-assessment");
    assert_eq!(disability(second_on).1, second, "the day of it");
    assert_eq!(disability(second_on + day).1, second, "the day after");

    // An old-age allowance from this month: as of the day before it began, the widow allowance
    // (one government allowance a person) is not held against her; from its first day it is.
    let amena = person("Amena", today() - chrono::Months::new(12 * 75));
    app.req("PUT", "/api/v1/quotas")
        .bearer(&district)
        .json(&json!({"programme": "old_age", "upazila_id": 1,
                      "fiscal_year": domain::allowance::FiscalYear::of(today()).to_string(), "places": 1}))
        .send()
        .expect(200);
    let a = app
        .post("/api/v1/applications")
        .bearer(&committee)
        .json(&json!({"programme": "old_age", "person_id": amena, "facts": {"annual_income_taka": 4000}}))
        .send()
        .expect(201)
        .json;
    let step = |token: &str, path: &str, version: &Value, body: Value| {
        app.post(&format!("/api/v1/applications/{}/{path}", a["id"].as_str().unwrap()))
            .bearer(token)
            .header("If-Match", &format!("\"{version}\""))
            .json(&body)
            .send()
            .expect(200)
            .json
    };
    let v = step(&committee, "verification", &a["version"], json!({"accept": true}));
    step(&officer, "decision", &v["version"], json!({"approve": true}));
    let start = domain::time::first_of_month(today());
    let held = |on| {
        result(&check(&amena, "widow", on), "widow")["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "already_receives_allowance")
    };
    assert!(!held(start - day), "the day before the start month");
    assert!(held(start), "its first day");
    assert!(held(start + day), "the day after");
}
