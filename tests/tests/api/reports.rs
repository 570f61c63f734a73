//! Reports agree with the records built through the API, cell by cell; they carry no
//! personal data, respect the caller's area, suppress small cells on request, and are audited.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use diesel::RunQueryDsl;
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

fn today() -> NaiveDate {
    domain::time::dhaka_date(Utc::now())
}

fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

fn act(app: &TestApp, token: &str, case: &mut Value, action: &str, body: Value) {
    let id = case["id"].as_str().unwrap().to_owned();
    let r: Resp = app
        .post(&format!("/api/v1/cases/{id}/{action}"))
        .bearer(token)
        .header("If-Match", &format!("\"{}\"", case["version"]))
        .json(&body)
        .send()
        .expect(200);
    *case = r.json;
}

fn person(app: &TestApp, token: &str, body: Value) -> String {
    app.person(token, &body)
}

fn report(app: &TestApp, token: &str, name: &str, query: &str) -> Value {
    app.get(&format!("/api/v1/reports/{name}?from={}&to={}{query}", day(-365), day(0))).bearer(token).send().expect(200).json
}

#[test]
fn safe_home_performance_matches_the_records_and_protects_small_cells() {
    let app = TestApp::new();
    let admin = app.admin();
    let facility = app
        .post("/api/v1/facilities")
        .bearer(&admin)
        .json(&json!({"name_en": "Safe Home, Debidwar", "name_bn": "নিরাপদ আবাসন কেন্দ্র, দেবিদ্বার", "facility_type": "safe_home",
                      "upazila_id": 1, "capacity_female": 10, "capacity_male": 0, "capacity_hijra": 0}))
        .send()
        .expect(201)
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, staff) = app.user("home.staff", "facility_staff", &format!("facility:{facility}"));
    let mother =
        person(&app, &staff, json!({"name_en": "Mother", "sex": "female", "date_of_birth": "1970-01-01", "nid": "1970111111"}));
    let mut cases = vec![];
    for name in ["R1", "R2"] {
        let pid = person(&app, &staff, json!({"name_en": name, "sex": "female", "date_of_birth": "2000-01-01"}));
        let mut case = app
            .post("/api/v1/cases")
            .bearer(&staff)
            .json(&json!({"kind": "safe_home", "person_id": pid, "facility_id": facility,
                          "court_order": {"court": "Tribunal", "order_number": "1/2026", "order_date": day(-200)}}))
            .send()
            .expect(201)
            .json;
        act(&app, &staff, &mut case, "admission", json!({"admitted_on": day(-199), "health_check": "ok"}));
        cases.push(case);
    }
    let mut r1 = cases.remove(0);
    let mut r2 = cases.remove(0);
    act(&app, &staff, &mut r1, "services", json!({"service": "legal_aid", "given_on": day(-150), "provider": "MJF"}));
    act(&app, &staff, &mut r1, "services", json!({"service": "safe_delivery", "given_on": day(-120), "provider": "UHC"}));
    act(&app, &staff, &mut r2, "services", json!({"service": "public_examination", "given_on": day(-100), "provider": "school"}));
    act(&app, &staff, &mut r1, "release-order", json!({"court": "Tribunal", "order_number": "1/2026-R", "order_date": day(-80)}));
    act(
        &app,
        &staff,
        &mut r1,
        "reintegration",
        json!({"destination": "family", "guardian_person_id": mother, "guardian_relationship": "mother",
        "support_items": [{"item": "sewing machine", "value_taka": 12000}], "started_on": day(-79)}),
    );
    act(&app, &staff, &mut r1, "reintegration/guardian-assessment", json!({"outcome": "safe", "assessed_on": day(-78)}));
    act(&app, &staff, &mut r1, "consents", json!({"purpose": "reintegration", "given_by": "resident", "given_on": day(-78)}));
    act(&app, &staff, &mut r1, "reintegration/completion", json!({"completed_on": day(-70)}));
    let (_, integrator) = app.user("dss-reports", "integrator", "national");
    let r = report(&app, &integrator, "safe_home_performance", "");
    assert_eq!(r["rows"].as_array().unwrap().len(), 2, "the home and the total");
    let home = &r["rows"][0];
    assert_eq!(home["facility_id"], facility.as_str());
    assert_eq!(home["facility_name_bn"], "নিরাপদ আবাসন কেন্দ্র, দেবিদ্বার");
    let expect = [
        ("residents_served", 2),
        ("legal_aid", 1),
        ("reintegrated", 1),
        ("equipment_support", 1),
        ("equipment_value_taka", 12000),
        ("safe_deliveries", 1),
        ("public_examinations", 1),
        ("repatriations_in_process", 0),
        ("repatriations_done", 0),
        ("follow_ups_due", 1),
        ("follow_ups_done", 0),
    ];
    for (measure, value) in expect {
        assert_eq!(home[measure], value, "{measure}");
        assert_eq!(r["rows"][1][measure], value, "total {measure}");
    }
    assert!(r["rows"][1]["facility_id"].is_null());
    assert!(!r.to_string().contains("R1") && !r.to_string().contains("1970111111"), "no personal data");
    assert!(r["as_of"].is_string());
    // Small cells are suppressed for public release.
    let s = report(&app, &integrator, "safe_home_performance", "&suppress_small_cells=true");
    assert!(s["rows"][0]["residents_served"].is_null());
    assert!(s["rows"][0]["equipment_value_taka"].is_null(), "an amount beside a suppressed count would reveal it");
    assert_eq!(s["rows"][0]["repatriations_done"], 0);
    assert!(s["suppressed_cells"].as_u64().unwrap() > 0);
    // Complementary suppression: with one home, the total row equals the home's row, so its
    // small figures go too; zeros stay.
    assert!(s["rows"][1]["residents_served"].is_null(), "the total would give the home's figure away");
    assert!(s["rows"][1]["equipment_value_taka"].is_null());
    assert_eq!(s["rows"][1]["repatriations_done"], 0);
    // CSV when asked.
    let csv = app
        .get(&format!("/api/v1/reports/safe_home_performance?from={}&to={}", day(-365), day(0)))
        .bearer(&integrator)
        .header("Accept", "text/csv")
        .send()
        .expect(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let header: Vec<&str> = csv.text.lines().next().unwrap().split(',').collect();
    assert_eq!(header[..3], ["facility_id", "facility_name_en", "facility_name_bn"]);
    assert_eq!(csv.text.lines().count(), 3);
    assert!(!csv.text.starts_with('\u{feff}'), "no byte-order mark unless asked");
    // For Excel: a byte-order mark on request, and a name that a spreadsheet would run as a
    // formula stays text.
    {
        use diesel::RunQueryDsl;
        diesel::sql_query("UPDATE facilities SET name_en = '=HYPERLINK(\"http://x.example\",\"open\")'")
            .execute(&mut app.db())
            .unwrap();
    }
    let excel = app
        .get(&format!("/api/v1/reports/safe_home_performance?from={}&to={}&bom=true", day(-365), day(0)))
        .bearer(&integrator)
        .header("Accept", "text/csv")
        .send()
        .expect(200);
    assert!(excel.text.starts_with('\u{feff}'), "{}", &excel.text[..40]);
    assert!(excel.text.contains(",\"'=HYPERLINK(\"\"http://x.example\"\",\"\"open\"\")\","), "{}", excel.text);
    // A district integrator elsewhere sees nothing of this home and cannot ask for it.
    let (_, elsewhere) = app.user("district-47-reports", "integrator", "district:47");
    let r = report(&app, &elsewhere, "safe_home_performance", "");
    assert_eq!(r["rows"][0]["residents_served"], 0, "only the (empty) total of its own district");
    assert_eq!(r["area"]["district_id"], 47);
    app.get("/api/v1/reports/safe_home_performance?upazila_id=1").bearer(&elsewhere).send().expect_problem(403, "out_of_scope");
    let (_, cw) = app.user("cw.reports", "caseworker", "upazila:1");
    app.get("/api/v1/reports/cct").bearer(&cw).send().expect_problem(403, "role_lacks_permission");
    app.get("/api/v1/reports/no_such_report").bearer(&integrator).send().expect_problem(404, "not_found");
    app.get("/api/v1/reports/cct?facility_id=00000000-0000-0000-0000-000000000000")
        .bearer(&integrator)
        .send()
        .expect_problem(422, "validation_failed");
    // Every report call is audited.
    let (_, auditor) = app.user("aud.reports", "auditor", "national");
    let audited = app.get("/api/v1/audit-events?action=report.read").bearer(&auditor).send().expect(200);
    assert_eq!(audited.json["data"].as_array().unwrap().len(), 5);
}

#[test]
fn reintegrated_children_by_risk_and_sex_and_the_pipeline() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.pipe", "caseworker", "upazila:1");
    let (_, sup) = app.user("sup.pipe", "upazila_officer", "upazila:1");
    let mother =
        person(&app, &cw, json!({"name_en": "Mother", "sex": "female", "date_of_birth": "1980-01-01", "nid": "1980222222"}));
    let reintegrate = |name: &str, sex: &str, categories: Value| {
        let born = (today() - Duration::days(365 * 10)).to_string();
        let pid = person(&app, &cw, json!({"name_en": name, "sex": sex, "date_of_birth": born}));
        let mut c = app
            .post("/api/v1/cases")
            .bearer(&cw)
            .json(&json!({"kind": "child_protection", "person_id": pid, "upazila_id": 1, "intake_on": day(-100)}))
            .send()
            .expect(201)
            .json;
        act(&app, &cw, &mut c, "risk-assessment", json!({"level": "high", "categories": categories, "assessed_on": day(-99)}));
        act(&app, &cw, &mut c, "detailed-assessment", json!({"assessed_on": day(-98), "summary": "x"}));
        act(&app, &cw, &mut c, "case-plan", json!({"goals": ["home"]}));
        act(&app, &sup, &mut c, "approvals/1/decision", json!({"approve": true}));
        act(&app, &cw, &mut c, "services", json!({"service": "counselling", "given_on": day(-90), "provider": "x"}));
        act(
            &app,
            &cw,
            &mut c,
            "reintegration",
            json!({"destination": "family", "guardian_person_id": mother, "guardian_relationship": "mother", "started_on": day(-80)}),
        );
        act(&app, &cw, &mut c, "reintegration/guardian-assessment", json!({"outcome": "safe", "assessed_on": day(-79)}));
        act(&app, &cw, &mut c, "reintegration/child-views", json!({"views": "home"}));
        act(&app, &cw, &mut c, "consents", json!({"purpose": "reintegration", "given_by": "mother", "given_on": day(-79)}));
        act(&app, &cw, &mut c, "reintegration/completion", json!({"completed_on": day(-70)}));
    };
    reintegrate("Boy A", "male", json!(["street_child"]));
    reintegrate("Boy B", "male", json!(["street_child", "child_labour"]));
    reintegrate("Girl C", "female", json!(["street_child"]));
    let (_, integrator) = app.user("unicef-pull", "integrator", "national");
    // The catalogue says, in both languages, which area each report counts a record in.
    let catalogue = app.get("/api/v1/reports").bearer(&integrator).send().expect(200).json;
    for entry in catalogue["data"].as_array().unwrap() {
        for key in ["area_basis_en", "area_basis_bn"] {
            assert!(entry[key].as_str().is_some_and(|t| t.len() > 20), "{key} of {}", entry["name"]);
        }
        let at_the_time = entry["area_basis_en"].as_str().unwrap().contains("when the step was taken");
        assert_eq!(at_the_time, entry["name"] == "case_pipeline", "{}", entry["name"]);
    }
    let r = report(&app, &integrator, "reintegrated_children", "");
    let row = |cat: Value| r["rows"].as_array().unwrap().iter().find(|x| x["category"] == cat).unwrap().clone();
    let street = row(json!("street_child"));
    assert_eq!((street["boys"].as_i64(), street["girls"].as_i64(), street["total"].as_i64()), (Some(2), Some(1), Some(3)));
    assert_eq!(street["category_bn"], "পথশিশু");
    assert_eq!(row(json!("child_labour"))["total"], 1);
    let total = row(Value::Null);
    assert_eq!(total["total"], 3, "each child once");
    let p = report(&app, &integrator, "case_pipeline", "")["rows"][0].clone();
    for (m, v) in [
        ("intakes", 3),
        ("risk_assessments", 3),
        ("detailed_assessments", 3),
        ("case_plans", 3),
        ("counselling", 3),
        ("reintegrations", 3),
        ("referrals", 0),
    ] {
        assert_eq!(p[m], v, "{m}");
    }
    // Steps count on the day the work was done, not the day it was entered (all of it was
    // entered today): the window of those days holds them, the last week none. A case plan
    // carries no date of its own, so it counts on the day it was recorded.
    let pipeline = |from: i64, to: i64| {
        app.get(&format!("/api/v1/reports/case_pipeline?from={}&to={}", day(from), day(to)))
            .bearer(&integrator)
            .send()
            .expect(200)
            .json["rows"][0]
            .clone()
    };
    let then = pipeline(-101, -69);
    for m in ["intakes", "risk_assessments", "detailed_assessments", "counselling", "reintegrations"] {
        assert_eq!(then[m], 3, "{m} on the days of the work");
    }
    let last_week = pipeline(-7, 0);
    for m in ["intakes", "risk_assessments", "detailed_assessments", "counselling", "reintegrations"] {
        assert_eq!(last_week[m], 0, "{m} not on the day it was entered");
    }
    assert_eq!(last_week["case_plans"], 3);
    // The same figures from the maintained cells (the fiscal year to date, the month to date)
    // as from counting the steps (a period ending tomorrow is neither whole nor to date).
    let fy = domain::allowance::FiscalYear::of(today()).first_day();
    let month = today().with_day(1).unwrap();
    for from in [fy, month] {
        let get = |to: String| {
            app.get(&format!("/api/v1/reports/case_pipeline?from={from}&to={to}")).bearer(&integrator).send().expect(200).json
                ["rows"][0]
                .clone()
        };
        assert_eq!(get(day(0)), get(day(1)), "cells from {from} against counted steps");
    }
    // A district's cells hold its own cases only.
    let far = app.get("/api/v1/reports/case_pipeline?district_id=20").bearer(&integrator).send().expect(200).json;
    assert_eq!(far["rows"][0]["intakes"], 0);
    app.assert_report_aggregates_exact();
    // A step taken on several days counts its case once in any period, and the previous day
    // kept with each step stays right when steps arrive out of order (here backdated by SQL).
    for days_ago in [30, 10, 20] {
        diesel::sql_query(
            "INSERT INTO case_events (id, case_id, occurred_at, actor_label, action, status_after, data, district_id)
             SELECT uuid_v7(), id, now() - make_interval(days => $1), 'test', 'record_service', status,
                    '{\"service\": \"counselling\"}', district_id
               FROM cases ORDER BY id LIMIT 1",
        )
        .bind::<diesel::sql_types::Integer, _>(days_ago)
        .execute(&mut app.db())
        .unwrap();
        app.assert_report_aggregates_exact();
    }
    let counselled = |from: i64, to: i64| {
        app.get(&format!("/api/v1/reports/case_pipeline?from={}&to={}", day(from), day(to)))
            .bearer(&integrator)
            .send()
            .expect(200)
            .json["rows"][0]["counselling"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(counselled(-25, -5), 1, "two days of one case");
    assert_eq!(counselled(-15, -5), 1);
    assert_eq!(counselled(-9, -1), 0);
    assert_eq!(counselled(-35, 0), 1, "three days of one case (the first sessions were 90 days ago)");
    assert_eq!(counselled(-95, 0), 3, "four days of one case, one day of two others");
}

#[test]
fn allowance_beneficiaries_by_area_programme_and_sex() {
    let app = TestApp::new();
    let (_, district) = app.user("dist.rep", "district_officer", "district:1");
    let (_, officer) = app.user("upz.rep", "upazila_officer", "upazila:1");
    let fy = domain::allowance::FiscalYear::of(today()).to_string();
    app.req("PUT", "/api/v1/quotas")
        .bearer(&district)
        .json(&json!({"programme": "old_age", "upazila_id": 1, "fiscal_year": fy, "places": 5}))
        .send()
        .expect(200);
    for name in ["A", "B"] {
        let pid = person(&app, &officer, json!({"name_en": name, "sex": "female", "date_of_birth": "1950-01-01", "union_id": 1}));
        let a = app
            .post("/api/v1/applications")
            .bearer(&officer)
            .json(&json!({"programme": "old_age", "person_id": pid, "facts": {"annual_income_taka": 100}}))
            .send()
            .expect(201)
            .json;
        let id = a["id"].as_str().unwrap().to_owned();
        let a = app
            .post(&format!("/api/v1/applications/{id}/verification"))
            .bearer(&officer)
            .header("If-Match", "\"1\"")
            .json(&json!({"accept": true}))
            .send()
            .expect(200)
            .json;
        app.post(&format!("/api/v1/applications/{id}/decision"))
            .bearer(&officer)
            .header("If-Match", &format!("\"{}\"", a["version"]))
            .json(&json!({"approve": true}))
            .send()
            .expect(200);
    }
    let r = report(&app, &district, "allowance_beneficiaries", "");
    let rows = r["rows"].as_array().unwrap();
    let area_row = rows.iter().find(|x| x["upazila_id"] == 1 && x["sex"] == "female").unwrap();
    let rate = area_row["monthly_rate_taka"].as_i64().unwrap();
    assert_eq!(rate, 650);
    assert_eq!(area_row["beneficiaries"], 2);
    assert_eq!(area_row["monthly_amount_taka"], 2 * rate);
    let total = rows.iter().find(|x| x["upazila_id"].is_null() && x["programme"] == "old_age").unwrap();
    assert_eq!(total["beneficiaries"], 2);
    // For public release the two (a small cell) go, and so does the programme total that
    // would give them away; the rate, public anyway, stays.
    let public = report(&app, &district, "allowance_beneficiaries", "&suppress_small_cells=true");
    let rows = public["rows"].as_array().unwrap();
    let area_row = rows.iter().find(|x| x["upazila_id"] == 1 && x["sex"] == "female").unwrap();
    assert!(area_row["beneficiaries"].is_null() && area_row["monthly_amount_taka"].is_null());
    assert_eq!(area_row["monthly_rate_taka"], 650);
    let total = rows.iter().find(|x| x["upazila_id"].is_null() && x["programme"] == "old_age").unwrap();
    assert!(total["beneficiaries"].is_null() && total["monthly_amount_taka"].is_null(), "{total}");
    let cct = report(&app, &district, "cct", "")["rows"][0].clone();
    assert_eq!(cct["children_enrolled"], 0);
    app.assert_report_aggregates_exact();
}

/// The maintained report cells stay exact under any mix of bulk statements on beneficiaries
/// (status changes, exits, moves between areas, level and start-month corrections, deletes)
/// and under concurrent writers touching the same cells.
#[test]
fn maintained_aggregates_stay_exact_under_bulk_and_concurrent_changes() {
    use diesel::RunQueryDsl;
    let app = TestApp::new();
    persistence::synthetic::seed(&mut app.db(), 2000, 0, 7, &mut |_| {}).unwrap();
    app.assert_report_aggregates_exact();
    let mut conn = app.db();
    let pick = |round: usize, n: usize| format!("(SELECT id FROM beneficiaries ORDER BY md5(id::text || '{round}') LIMIT {n})");
    let statements = [
        "UPDATE beneficiaries SET status = 'suspended' WHERE status = 'active' AND id IN PICK",
        "UPDATE beneficiaries SET status = 'active' WHERE status = 'suspended' AND id IN PICK",
        "UPDATE beneficiaries SET status = 'exited', exit_reason = 'died' WHERE status <> 'exited' AND id IN PICK",
        // A move to another upazila (with its district and division).
        "UPDATE beneficiaries b SET upazila_id = u.id, district_id = u.district_id, division_id = d.division_id
           FROM upazilas u JOIN districts d ON d.id = u.district_id
          WHERE u.id = 1 + (abs(hashtext(b.id::text)) % 494) AND b.id IN PICK",
        "UPDATE beneficiaries SET education_level = 'primary' WHERE id IN PICK",
        "UPDATE beneficiaries SET start_month = (start_month - interval '1 month')::date WHERE id IN PICK",
        "UPDATE beneficiaries SET sex = CASE sex WHEN 'male' THEN 'female' ELSE sex END WHERE id IN PICK",
        "DELETE FROM beneficiaries WHERE id IN PICK",
    ];
    for round in 0..24 {
        let sql = statements[round % statements.len()].replace("PICK", &pick(round, 50 + round * 7));
        diesel::sql_query(sql).execute(&mut conn).unwrap();
        app.assert_report_aggregates_exact();
    }
    // Two writers flipping rows of the same cells at the same time lose no update.
    let ids: Vec<String> = diesel::sql_query("SELECT id::text AS name FROM beneficiaries WHERE status = 'active' LIMIT 200")
        .load::<Name>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    std::thread::scope(|s| {
        for half in ids.chunks(100) {
            let app = &app;
            s.spawn(move || {
                let mut conn = app.db();
                for id in half {
                    for status in ["suspended", "active", "suspended"] {
                        diesel::sql_query(format!("UPDATE beneficiaries SET status = '{status}' WHERE id = '{id}'"))
                            .execute(&mut conn)
                            .unwrap();
                    }
                }
            });
        }
    });
    app.assert_report_aggregates_exact();
}

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Seed 004's other measures (birth registrations, CCT support, child marriages stopped,
/// admissions to special schools or institutions) and case conference meetings, each counted
/// on the day of the work: a past window holds them, the last week (when they were typed in)
/// does not. Conferences held by one office on one day are one meeting.
#[test]
fn the_pipeline_counts_meetings_and_seed_004s_measures_on_the_day_of_the_work() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.measures", "caseworker", "upazila:1");
    let (_, sup) = app.user("sup.measures", "upazila_officer", "upazila:1");
    let mut cases: Vec<Value> = ["Asha", "Bina", "Chaya"]
        .iter()
        .map(|name| {
            let born = (today() - Duration::days(365 * 13)).to_string();
            let pid = person(&app, &cw, json!({"name_en": name, "sex": "female", "date_of_birth": born}));
            app.post("/api/v1/cases")
                .bearer(&cw)
                .json(&json!({"kind": "child_protection", "person_id": pid, "upazila_id": 1, "intake_on": day(-60)}))
                .send()
                .expect(201)
                .json
        })
        .collect();
    // Stopping Asha's marriage could not wait for a plan.
    act(
        &app,
        &cw,
        &mut cases[0],
        "services",
        json!({"service": "child_marriage_stopped", "given_on": day(-58), "provider": "CSPB with the UNO",
               "immediate_support_reason": "the wedding was set for the next day"}),
    );
    for c in cases.iter_mut() {
        act(&app, &cw, c, "risk-assessment", json!({"level": "high", "categories": ["child_marriage"], "assessed_on": day(-57)}));
        act(&app, &cw, c, "detailed-assessment", json!({"assessed_on": day(-56), "summary": "x"}));
        act(&app, &cw, c, "case-plan", json!({"goals": ["school"]}));
        act(&app, &sup, c, "approvals/1/decision", json!({"approve": true}));
    }
    let conference = |held: i64| json!({"held_on": day(held), "participants": ["UNO", "CSPB social worker"]});
    let [a, b, c] = &mut cases[..] else { unreachable!() };
    act(&app, &cw, a, "conferences", conference(-50));
    act(&app, &cw, b, "conferences", conference(-50));
    act(&app, &cw, c, "conferences", conference(-45));
    act(&app, &cw, a, "conferences", conference(-45));
    let service = |kind: &str| json!({"service": kind, "given_on": day(-40), "provider": "CSPB"});
    act(&app, &cw, b, "services", service("birth_registration"));
    act(&app, &cw, c, "services", service("birth_registration"));
    act(&app, &cw, a, "services", service("cct_support"));
    act(&app, &cw, c, "services", service("institution_admission"));
    let (_, integrator) = app.user("pull.measures", "integrator", "national");
    let pipeline = |from: i64, to: i64| {
        app.get(&format!("/api/v1/reports/case_pipeline?from={}&to={}", day(from), day(to)))
            .bearer(&integrator)
            .send()
            .expect(200)
            .json["rows"][0]
            .clone()
    };
    let then = pipeline(-61, -30);
    for (m, v) in [
        ("intakes", 3),
        ("case_conferences", 3),
        ("case_conference_meetings", 2),
        ("child_marriages_stopped", 1),
        ("birth_registrations", 2),
        ("cct_support", 1),
        ("institution_admissions", 1),
    ] {
        assert_eq!(then[m], v, "{m} in the window of the work");
    }
    assert_eq!(pipeline(-50, -50)["case_conference_meetings"], 1, "two cases, one meeting");
    let last_week = pipeline(-7, 0);
    for m in [
        "case_conferences",
        "case_conference_meetings",
        "child_marriages_stopped",
        "birth_registrations",
        "cct_support",
        "institution_admissions",
    ] {
        assert_eq!(last_week[m], 0, "{m} not on the day it was typed in");
    }
    // Another district's office held none of these meetings.
    let far =
        app.get(&format!("/api/v1/reports/case_pipeline?from={}&to={}&district_id=20", day(-61), day(0))).bearer(&integrator);
    assert_eq!(far.send().expect(200).json["rows"][0]["case_conference_meetings"], 0);
    app.assert_report_aggregates_exact();
}
