//! The register of voluntary social welfare organisations: application, inspection,
//! registration with the district's next number (or refusal), annual reports, committee
//! changes, suspension, reinstatement and dissolution with reasons, one Social Welfare
//! Council grant a year, search, the partner link, and the registry report as the register
//! stood on a day. Seed 004's "500 registered" comes out of the report.

use chrono::{Duration, Utc};
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

fn day(offset: i64) -> String {
    (domain::time::dhaka_date(Utc::now()) + Duration::days(offset)).to_string()
}

fn application(name_en: &str, name_bn: &str, applied: i64, documents: Value) -> Value {
    json!({"name_en": name_en, "name_bn": name_bn, "address": "Road 3, Sadar", "upazila_id": 1, "applied_on": day(applied),
           "documents": documents,
           "committee": [{"name": "Rokeya Begum", "position": "president"}, {"name": "Shahana Akter", "position": "general_secretary"},
                         {"name": "Mina Das", "position": "treasurer"}, {"name": "Laila", "position": "member"}]})
}

const ALL_DOCUMENTS: &str = r#"["constitution", "committee_list", "formation_minutes", "bank_account"]"#;

struct Register<'a> {
    app: &'a TestApp,
}

impl Register<'_> {
    fn apply(&self, token: &str, body: &Value) -> Value {
        self.app.post("/api/v1/voluntary-organisations").bearer(token).json(body).send().expect(201).json["organisation"].clone()
    }

    fn act(&self, token: &str, org: &Value, action: &str, body: Value) -> Resp {
        let id = org["id"].as_str().unwrap();
        self.app
            .post(&format!("/api/v1/voluntary-organisations/{id}/{action}"))
            .bearer(token)
            .header("If-Match", &format!("\"{}\"", org["version"]))
            .json(&body)
            .send()
    }

    fn ok(&self, token: &str, org: &mut Value, action: &str, body: Value) {
        *org = self.act(token, org, action, body).expect(200).json["organisation"].clone();
    }

    fn refused(&self, token: &str, org: &Value, action: &str, body: Value, status: u16, rule: &str) {
        let r = self.act(token, org, action, body).expect(status);
        assert_eq!(r.json["rule"], rule, "{}", r.text);
    }
}

#[test]
fn an_organisation_is_registered_reports_is_suspended_and_dissolved() {
    let app = TestApp::new();
    let reg = Register { app: &app };
    let (_, upz) = app.user("upz.vol", "upazila_officer", "upazila:1");
    let (_, dist) = app.user("dist.vol", "district_officer", "district:1");
    let (_, hq) = app.user("hq.vol", "hq_officer", "national");
    let (_, far) = app.user("upz.far.vol", "upazila_officer", "upazila:2");
    let docs: Value = serde_json::from_str(ALL_DOCUMENTS).unwrap();

    let mut a = reg.apply(&upz, &application("Sadar Mohila Kalyan Samity", "সদর মহিলা কল্যাণ সমিতি", -100, docs.clone()));
    assert_eq!((a["status"].as_str(), a["version"].as_i64()), (Some("applied"), Some(1)));
    // Bad applications.
    let mut no_treasurer = application("X", "এক্স", -10, docs.clone());
    no_treasurer["committee"][2]["position"] = json!("member");
    let r = app.post("/api/v1/voluntary-organisations").bearer(&upz).json(&no_treasurer).send().expect(422);
    assert_eq!(r.json["rule"], "voluntary.committee");
    app.post("/api/v1/voluntary-organisations")
        .bearer(&upz)
        .json(&application("X", "এক্স", 3, docs.clone()))
        .send()
        .expect_problem(422, "validation_failed");
    app.post("/api/v1/voluntary-organisations")
        .bearer(&upz)
        .json(&application("X", "এক্স", -3, json!(["passport"])))
        .send()
        .expect_problem(422, "validation_failed");
    app.post("/api/v1/voluntary-organisations").bearer(&far).json(&application("X", "এক্স", -3, docs.clone())).send().expect(403);

    // Inspected, then registered by the district office with the district's first number.
    reg.refused(&dist, &a, "decision", json!({"approve": true, "decided_on": day(-80)}), 409, "voluntary.inspection_first");
    reg.act(&upz, &a, "decision", json!({"approve": true, "decided_on": day(-80)})).expect(403);
    reg.act(
        &upz,
        &json!({"id": a["id"], "version": 9}),
        "inspection",
        json!({"inspected_on": day(-90), "inspected_by": "UCD officer", "recommends": true}),
    )
    .expect_problem(412, "precondition_failed");
    reg.ok(&upz, &mut a, "inspection", json!({"inspected_on": day(-90), "inspected_by": "UCD officer", "recommends": true}));
    reg.ok(&dist, &mut a, "decision", json!({"approve": true, "decided_on": day(-80)}));
    assert_eq!((a["status"].as_str(), a["registration_number"].as_str()), (Some("registered"), Some("01-0001")));
    assert_eq!(a["registered_on"], day(-80));

    // Without its founding minutes it cannot be registered; a refusal gives its reason and is final.
    let mut b = reg.apply(&upz, &application("Lacking Samity", "অসম্পূর্ণ সমিতি", -60, json!(["constitution", "committee_list"])));
    reg.ok(&upz, &mut b, "inspection", json!({"inspected_on": day(-55), "inspected_by": "UCD officer", "recommends": true}));
    reg.refused(&dist, &b, "decision", json!({"approve": true, "decided_on": day(-50)}), 409, "voluntary.documents");
    reg.act(&dist, &b, "decision", json!({"approve": false, "decided_on": day(-50)})).expect_problem(422, "validation_failed");
    reg.ok(&dist, &mut b, "decision", json!({"approve": false, "decided_on": day(-50), "reason": "No founding minutes"}));
    assert_eq!((b["status"].as_str(), b["status_reason"].as_str()), (Some("refused"), Some("No founding minutes")));
    reg.refused(&dist, &b, "decision", json!({"approve": true, "decided_on": day(-40)}), 409, "voluntary.status");

    // A second registration, suspended, reinstated, reporting, granted, then dissolved.
    let mut c = reg.apply(&upz, &application("Char Unnayan Sangstha", "চর উন্নয়ন সংস্থা", -70, docs.clone()));
    reg.ok(&upz, &mut c, "inspection", json!({"inspected_on": day(-65), "inspected_by": "UCD officer", "recommends": true}));
    reg.ok(&dist, &mut c, "decision", json!({"approve": true, "decided_on": day(-60)}));
    assert_eq!(c["registration_number"], "01-0002", "the district's register numbers in order");
    reg.act(&dist, &c, "status", json!({"action": "suspend", "on": day(-30)})).expect_problem(422, "validation_failed");
    reg.ok(&dist, &mut c, "status", json!({"action": "suspend", "on": day(-30), "reason": "No annual report for 2024"}));
    let cid = c["id"].as_str().unwrap().to_owned();
    let grant = |amount: i64, on: i64| {
        app.post(&format!("/api/v1/voluntary-organisations/{cid}/grants"))
            .bearer(&hq)
            .json(&json!({"amount_taka": amount, "purpose": "Sewing training", "granted_on": day(on)}))
            .send()
    };
    assert_eq!(grant(50_000, -25).expect(409).json["rule"], "voluntary.active", "no grant while suspended");
    let report = |year: i32, submitted: i64| {
        app.post(&format!("/api/v1/voluntary-organisations/{cid}/annual-reports"))
            .bearer(&upz)
            .json(&json!({"year": year, "submitted_on": day(submitted), "audited": true, "income_taka": 1_250_000, "expenditure_taka": 1_180_000}))
            .send()
    };
    let last_year = chrono::Datelike::year(&domain::time::dhaka_date(Utc::now())) - 1;
    report(last_year, -22).expect(201);
    report(last_year, -21).expect_rule(409, "voluntary.annual_report_filed");
    assert_eq!(report(last_year + 1, -21).expect(422).json["rule"], "voluntary.report_year");
    reg.ok(&dist, &mut c, "status", json!({"action": "reinstate", "on": day(-20)}));
    // A dated rule: registered again from the day of the reinstatement, not the day before.
    grant(50_000, -25).expect_rule(409, "voluntary.registered_that_day");
    grant(50_000, -21).expect_rule(409, "voluntary.registered_that_day");
    grant(50_000, -20).expect(201);
    grant(20_000, -19).expect_rule(409, "voluntary.one_grant_a_year");
    app.post(&format!("/api/v1/voluntary-organisations/{cid}/grants"))
        .bearer(&dist)
        .json(&json!({"amount_taka": 1, "purpose": "x", "granted_on": day(-1)}))
        .send()
        .expect(403);
    reg.ok(
        &upz,
        &mut c,
        "committee",
        json!({"since": day(-10), "members": [{"name": "Nasima", "position": "president"}, {"name": "Shahana", "position": "general_secretary"},
                                                {"name": "Mina", "position": "treasurer"}]}),
    );
    assert_eq!(c["committee"][0]["name"], "Nasima");
    reg.ok(&dist, &mut c, "status", json!({"action": "dissolve", "on": day(-5), "reason": "Dissolved by its general meeting"}));
    reg.refused(&dist, &c, "status", json!({"action": "reinstate", "on": day(-1)}), 409, "voluntary.status");
    let detail = app.get(&format!("/api/v1/voluntary-organisations/{cid}")).bearer(&hq).send().expect(200).json;
    let actions: Vec<&str> = detail["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["apply", "approve", "suspend", "reinstate", "dissolve"]);
    assert_eq!(detail["annual_reports"][0]["year"], last_year);
    assert_eq!(detail["grants"].as_array().unwrap().len(), 1);
    app.get(&format!("/api/v1/voluntary-organisations/{cid}")).bearer(&far).send().expect(403);

    // Search by name in either language, by status and by area.
    let found = |q: &str, token: &str| {
        app.get(&format!("/api/v1/voluntary-organisations?{q}")).bearer(token).send().expect(200).json["data"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(found("name=kalyan", &hq), 1);
    assert_eq!(found("name=%E0%A6%9A%E0%A6%B0", &hq), 1, "চর");
    assert_eq!(found("status=registered", &dist), 1);
    assert_eq!(found("status=dissolved&district_id=1", &dist), 1);
    assert_eq!(found("", &far), 0, "another upazila's officer sees none of them");
    app.get("/api/v1/voluntary-organisations?status=closed").bearer(&hq).send().expect_problem(422, "validation_failed");

    // A partner organisation links to its registration (once; only a registered one).
    let admin = app.admin();
    let partner = |name: &str| {
        app.post("/api/v1/partner-organisations")
            .bearer(&admin)
            .json(&json!({"name_en": name, "name_bn": name}))
            .send()
            .expect(201)
            .json["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (p1, p2) = (partner("Partner One"), partner("Partner Two"));
    let link = |p: &str, org: &Value| {
        app.post(&format!("/api/v1/partner-organisations/{p}/registration"))
            .bearer(&admin)
            .header("If-Match", "\"1\"")
            .json(&json!({"voluntary_organisation_id": org["id"]}))
            .send()
    };
    assert_eq!(link(&p1, &a).expect(200).json["voluntary_organisation_id"], a["id"]);
    link(&p2, &a).expect_rule(409, "voluntary.registration_linked");
    assert_eq!(link(&p2, &b).expect(409).json["rule"], "voluntary.active");

    // The register as it stood: 25 days ago C was suspended; today it is dissolved.
    let (_, integrator) = app.user("int.vol", "integrator", "national");
    let registry = |to: i64| {
        app.get(&format!("/api/v1/reports/voluntary_organisations?from={}&to={}", day(-120), day(to)))
            .bearer(&integrator)
            .send()
            .expect(200)
            .json["rows"][0]
            .clone()
    };
    let then = registry(-25);
    assert_eq!(then["district_id"], 1);
    let measures = |r: &Value| {
        ["registered", "active", "suspended", "dissolved", "applications_pending", "registered_in_period"]
            .map(|m| r[m].as_i64().unwrap())
    };
    assert_eq!(measures(&then), [2, 1, 1, 0, 0, 2]);
    assert_eq!(measures(&registry(0)), [1, 1, 0, 1, 0, 2]);
    assert_eq!(measures(&registry(-95)), [0, 0, 0, 0, 1, 0], "only A's application then");
    app.assert_report_aggregates_exact();
}

/// Seed 004: "500 registered" organisations, registered through the API, in the report.
#[test]
fn seed_004s_500_registered_organisations_fit_the_registry_report() {
    let app = TestApp::new();
    let reg = Register { app: &app };
    let (_, upz) = app.user("upz.vol500", "upazila_officer", "upazila:1");
    let (_, dist) = app.user("dist.vol500", "district_officer", "district:1");
    let docs: Value = serde_json::from_str(ALL_DOCUMENTS).unwrap();
    for n in 0..500 {
        let mut o = reg.apply(&upz, &application(&format!("Samity {n}"), &format!("সমিতি {n}"), -30, docs.clone()));
        reg.ok(&upz, &mut o, "inspection", json!({"inspected_on": day(-20), "inspected_by": "UCD officer", "recommends": true}));
        reg.ok(&dist, &mut o, "decision", json!({"approve": true, "decided_on": day(-10)}));
    }
    let (_, integrator) = app.user("int.vol500", "integrator", "national");
    let r = app
        .get(&format!("/api/v1/reports/voluntary_organisations?from={}&to={}", day(-30), day(0)))
        .bearer(&integrator)
        .send()
        .expect(200)
        .json;
    let total = r["rows"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (total["district_id"].clone(), total["registered"].as_i64(), total["active"].as_i64()),
        (Value::Null, Some(500), Some(500))
    );
    let numbers = app.get("/api/v1/voluntary-organisations?status=registered&limit=200").bearer(&dist).send().expect(200).json;
    assert_eq!(numbers["data"][0]["registration_number"], "01-0001");
    app.assert_report_aggregates_exact();
}
