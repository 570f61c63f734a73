//! Allowance enrolment over HTTP: quota, verification, approval, waiting list, replacement,
//! one person one allowance (in the domain and in the database).

use chrono::{Duration, Utc};
use diesel::RunQueryDsl;
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

fn fiscal_year() -> String {
    domain::allowance::FiscalYear::of(domain::time::dhaka_date(Utc::now())).to_string()
}

fn years_ago(years: i64) -> String {
    (domain::time::dhaka_date(Utc::now()) - Duration::days(365 * years + years / 4 + 1)).to_string()
}

fn post_versioned(app: &TestApp, token: &str, path: &str, version: &Value, body: Value) -> Resp {
    app.post(path).bearer(token).header("If-Match", &format!("\"{version}\"")).json(&body).send()
}

#[test]
fn apply_verify_approve_within_quota_waitlist_and_replace() {
    let app = TestApp::new();
    let (_, district) = app.user("dist.officer", "district_officer", "district:1");
    let (_, officer) = app.user("upz.ssa", "upazila_officer", "upazila:1");
    let (_, committee) = app.user("union.committee", "committee_member", "upazila:1");
    let person = |name: &str, years: i64| {
        app.post("/api/v1/persons")
            .bearer(&officer)
            .json(&json!({"name_en": name, "sex": "female", "date_of_birth": years_ago(years), "union_id": 1}))
            .send()
            .expect(201)
            .json["person"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (a, b, c, rich) = (person("Amena", 70), person("Bokul", 80), person("Chameli", 72), person("Rich", 75));
    let quota = json!({"programme": "old_age", "upazila_id": 1, "fiscal_year": fiscal_year(), "places": 1});
    app.req("PUT", "/api/v1/quotas").bearer(&officer).json(&quota).send().expect_problem(403, "role_lacks_permission");
    app.req("PUT", "/api/v1/quotas").bearer(&district).json(&quota).send().expect(200);
    let submit = |pid: &str, income: i64, landless: bool| {
        app.post("/api/v1/applications")
            .bearer(&committee)
            .json(
                &json!({"programme": "old_age", "person_id": pid, "facts": {"annual_income_taka": income, "landless": landless}}),
            )
            .send()
    };
    let app_a = submit(&a, 5000, false).expect(201).json;
    assert_eq!(app_a["verdict"], "eligible");
    assert_eq!(app_a["status_label"]["bn"], "জমা দেওয়া হয়েছে");
    submit(&a, 5000, false).expect_problem(409, "application-one-per-programme");
    let app_b = submit(&b, 4000, true).expect(201).json;
    let app_c = submit(&c, 6000, false).expect(201).json;
    let app_rich = submit(&rich, 50_000, false).expect(201).json;
    assert_eq!(app_rich["verdict"], "ineligible");
    assert_eq!(app_rich["reasons"][0]["code"], "income_above_ceiling");
    assert!(app_b["priority_score"].as_i64() > app_c["priority_score"].as_i64(), "older and landless come first");
    let path = |x: &Value, step: &str| format!("/api/v1/applications/{}/{step}", x["id"].as_str().unwrap());
    // The upazila committee decides only after the union committee verified.
    post_versioned(&app, &officer, &path(&app_a, "decision"), &app_a["version"], json!({"approve": true}))
        .expect_problem(409, "application-status-order");
    post_versioned(&app, &committee, &path(&app_a, "decision"), &app_a["version"], json!({"approve": true}))
        .expect_problem(403, "role_lacks_permission");
    let r = post_versioned(&app, &committee, &path(&app_rich, "verification"), &app_rich["version"], json!({"accept": true}));
    assert_eq!(r.expect_problem(409, "application-eligible").json["rule"], "application.eligible");
    post_versioned(
        &app,
        &committee,
        &path(&app_rich, "verification"),
        &app_rich["version"],
        json!({"accept": false, "note": "income too high"}),
    )
    .expect(200);
    let mut verified = vec![];
    for x in [&app_a, &app_b, &app_c] {
        let r = post_versioned(&app, &committee, &path(x, "verification"), &x["version"], json!({"accept": true})).expect(200);
        assert_eq!(r.json["status"], "verified");
        verified.push(r.json);
    }
    // One place: A gets it; B and C wait, B first.
    let r = post_versioned(&app, &officer, &path(&verified[0], "decision"), &verified[0]["version"], json!({"approve": true}))
        .expect(200);
    assert_eq!(r.json["status"], "approved");
    for x in &verified[1..] {
        let r = post_versioned(&app, &officer, &path(x, "decision"), &x["version"], json!({"approve": true})).expect(200);
        assert_eq!(r.json["status"], "waitlisted");
    }
    let list = app.get("/api/v1/waiting-list?programme=old_age&upazila_id=1").bearer(&officer).send().expect(200);
    let order: Vec<&str> = list.json["data"].as_array().unwrap().iter().map(|x| x["person_id"].as_str().unwrap()).collect();
    assert_eq!(order, [b.as_str(), c.as_str()]);
    let beneficiaries = app.get("/api/v1/beneficiaries?programme=old_age").bearer(&officer).send().expect(200);
    let ben_a = beneficiaries.json["data"][0].clone();
    assert_eq!(ben_a["person_id"], a.as_str());
    assert!(ben_a["monthly_rate_taka"].as_i64().is_some());
    // The payment account is validated for its provider.
    let account = |body: Value, version: &Value| {
        app.req("PUT", &format!("/api/v1/beneficiaries/{}/account", ben_a["id"].as_str().unwrap()))
            .bearer(&officer)
            .header("If-Match", &format!("\"{version}\""))
            .json(&body)
            .send()
    };
    account(json!({"provider": "bkash", "number": "01212345678"}), &ben_a["version"]).expect_problem(422, "validation_failed");
    account(json!({"provider": "paypal", "number": "01712345678"}), &ben_a["version"]).expect_problem(422, "validation_failed");
    let ben_a = account(json!({"provider": "bkash", "number": "+880 1712-345678"}), &ben_a["version"]).expect(200).json;
    assert_eq!(ben_a["account_number"], "01712345678");
    // A dies: B, top of the waiting list, takes the place in the same transaction.
    let exit = format!("/api/v1/beneficiaries/{}/exit", ben_a["id"].as_str().unwrap());
    let r = post_versioned(&app, &officer, &exit, &ben_a["version"], json!({"reason": "died"})).expect(200);
    assert_eq!(r.json["status"], "exited");
    assert_eq!(r.json["exit_reason"], "died");
    post_versioned(&app, &officer, &exit, &r.json["version"], json!({"reason": "died"}))
        .expect_problem(409, "beneficiary-status-order");
    let active = app.get("/api/v1/beneficiaries?programme=old_age&status=active").bearer(&officer).send().expect(200);
    let active: Vec<&str> = active.json["data"].as_array().unwrap().iter().map(|x| x["person_id"].as_str().unwrap()).collect();
    assert_eq!(active, [b.as_str()]);
    let list = app.get("/api/v1/waiting-list?programme=old_age&upazila_id=1").bearer(&officer).send().expect(200);
    assert_eq!(list.json["data"].as_array().unwrap().len(), 1, "C still waits");
    // One person, one government allowance: B cannot also get the widow allowance...
    let widow = app
        .post("/api/v1/applications")
        .bearer(&committee)
        .json(&json!({"programme": "widow", "person_id": b, "facts": {"annual_income_taka": 4000, "marital_status": "widowed", "government_pensioner": false}}))
        .send()
        .expect(201);
    assert_eq!(widow.json["verdict"], "ineligible");
    assert!(widow.json["reasons"].as_array().unwrap().iter().any(|r| r["code"] == "already_receives_allowance"));
    // ...and the database refuses it even if the application layer were bypassed.
    let b_row: Value =
        app.get("/api/v1/beneficiaries?programme=old_age&status=active").bearer(&officer).send().json["data"][0].clone();
    let err = diesel::sql_query(format!(
        "INSERT INTO beneficiaries (id, person_id, programme_code, exclusivity_group, application_id, division_id, district_id, upazila_id, sex, status, start_month)
         VALUES (gen_random_uuid(), '{b}', 'widow', 'government_allowance', '{}', 1, 1, 1, 'female', 'active', date_trunc('month', now())::date)",
        b_row["application_id"].as_str().unwrap()
    ))
    .execute(&mut app.db())
    .expect_err("second allowance in the group");
    assert!(err.to_string().contains("beneficiaries_one_per_group_idx"), "{err}");
    app.assert_report_aggregates_exact();
}

#[test]
fn suspension_resumption_and_area_access() {
    let app = TestApp::new();
    let (_, district) = app.user("dist.o", "district_officer", "district:1");
    let (_, officer) = app.user("upz.o", "upazila_officer", "upazila:1");
    let (_, far_officer) = app.user("upz.far", "upazila_officer", "upazila:300");
    app.req("PUT", "/api/v1/quotas")
        .bearer(&district)
        .json(&json!({"programme": "disability", "upazila_id": 1, "fiscal_year": fiscal_year(), "places": 5}))
        .send()
        .expect(200);
    app.req("PUT", "/api/v1/quotas")
        .bearer(&district)
        .json(&json!({"programme": "disability", "upazila_id": 300, "fiscal_year": fiscal_year(), "places": 5}))
        .send()
        .expect_problem(403, "out_of_scope");
    let pid = app
        .post("/api/v1/persons")
        .bearer(&officer)
        .json(&json!({"name_en": "Karim", "sex": "male", "date_of_birth": years_ago(30), "union_id": 1}))
        .send()
        .expect(201)
        .json["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The disability criteria read the identification register, not what is claimed.
    let check = || {
        app.post("/api/v1/eligibility/check")
            .bearer(&officer)
            .json(&json!({"person_id": pid, "programmes": ["disability"],
                          "facts": {"disability_registered": true, "family_income_taka": 40000, "family_size": 4}}))
            .send()
            .expect(200)
            .json
    };
    let before = check();
    assert_eq!((before["results"][0]["verdict"].as_str(), before["disability_record_id"].is_null()), (Some("ineligible"), true));
    let record = app
        .post("/api/v1/disability-records")
        .bearer(&officer)
        .json(&json!({"person_id": pid, "disability_type": "physical", "severity": "severe", "assessed_by": "Upazila Health Complex",
                      "assessed_on": years_ago(1), "upazila_id": 1}))
        .send()
        .expect(201)
        .json;
    let after = check();
    assert_eq!(after["results"][0]["verdict"], "eligible");
    assert_eq!(after["disability_record_id"], record["id"]);
    let a = app
        .post("/api/v1/applications")
        .bearer(&officer)
        .json(&json!({"programme": "disability", "person_id": pid, "facts": {"family_income_taka": 40000, "family_size": 4}}))
        .send()
        .expect(201)
        .json;
    assert_eq!(a["verdict"], "eligible");
    let id = a["id"].as_str().unwrap();
    let a = post_versioned(
        &app,
        &officer,
        &format!("/api/v1/applications/{id}/verification"),
        &a["version"],
        json!({"accept": true}),
    )
    .expect(200)
    .json;
    post_versioned(&app, &officer, &format!("/api/v1/applications/{id}/decision"), &a["version"], json!({"approve": true}))
        .expect(200);
    let ben = app.get("/api/v1/beneficiaries").bearer(&officer).send().expect(200).json["data"][0].clone();
    let bid = ben["id"].as_str().unwrap().to_owned();
    app.get(&format!("/api/v1/beneficiaries/{bid}")).bearer(&far_officer).send().expect_problem(403, "out_of_scope");
    app.get(&format!("/api/v1/applications/{id}")).bearer(&far_officer).send().expect_problem(403, "out_of_scope");
    assert!(app.get("/api/v1/beneficiaries").bearer(&far_officer).send().expect(200).json["data"].as_array().unwrap().is_empty());
    let s = post_versioned(
        &app,
        &officer,
        &format!("/api/v1/beneficiaries/{bid}/suspension"),
        &ben["version"],
        json!({"reason": "re-verification"}),
    )
    .expect(200);
    assert_eq!(s.json["status_label"]["bn"], "স্থগিত");
    post_versioned(
        &app,
        &officer,
        &format!("/api/v1/beneficiaries/{bid}/suspension"),
        &s.json["version"],
        json!({"reason": "again"}),
    )
    .expect_problem(409, "beneficiary-status-order");
    post_versioned(&app, &officer, &format!("/api/v1/beneficiaries/{bid}/resumption"), &ben["version"], json!({"reason": "x"}))
        .expect_problem(412, "precondition_failed");
    let r = post_versioned(
        &app,
        &officer,
        &format!("/api/v1/beneficiaries/{bid}/resumption"),
        &s.json["version"],
        json!({"reason": "verified"}),
    )
    .expect(200);
    assert_eq!(r.json["status"], "active");
    // No quota set for this programme here: approval is refused by the rule.
    let p2 = app
        .post("/api/v1/persons")
        .bearer(&officer)
        .json(&json!({"name_en": "Old", "sex": "male", "date_of_birth": years_ago(70), "union_id": 1}))
        .send()
        .expect(201)
        .json["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a2 = app
        .post("/api/v1/applications")
        .bearer(&officer)
        .json(&json!({"programme": "old_age", "person_id": p2, "facts": {"annual_income_taka": 1000}}))
        .send()
        .expect(201)
        .json;
    let id2 = a2["id"].as_str().unwrap();
    let a2 = post_versioned(
        &app,
        &officer,
        &format!("/api/v1/applications/{id2}/verification"),
        &a2["version"],
        json!({"accept": true}),
    )
    .expect(200)
    .json;
    post_versioned(&app, &officer, &format!("/api/v1/applications/{id2}/decision"), &a2["version"], json!({"approve": true}))
        .expect_problem(409, "quota-set");
    // A person without an address cannot apply: the application belongs to an upazila.
    let homeless = app
        .post("/api/v1/persons")
        .bearer(&officer)
        .json(&json!({"name_en": "No address", "sex": "male", "age_years": 70}))
        .send()
        .expect(201);
    let r = app
        .post("/api/v1/applications")
        .bearer(&officer)
        .json(&json!({"programme": "old_age", "person_id": homeless.json["person"]["id"]}))
        .send()
        .expect_problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["field"], "person_id");
    app.assert_report_aggregates_exact();
}
