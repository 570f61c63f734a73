//! Probation, diversion and after-care: opened on a court order (after-care without), with a
//! term and conditions; visits, reports to the court, the court's decision on a breach,
//! completion at the term's end; each step on the timeline, every refusal named.

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

fn today() -> NaiveDate {
    domain::time::dhaka_date(Utc::now())
}

fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

fn step(app: &TestApp, token: &str, s: &Value, action: &str, body: Value) -> Resp {
    let id = s["id"].as_str().unwrap();
    app.post(&format!("/api/v1/supervisions/{id}/{action}"))
        .bearer(token)
        .header("If-Match", &format!("\"{}\"", s["version"]))
        .json(&body)
        .send()
}

fn refused(r: Resp, status: u16, rule: &str) {
    let r = r.expect(status);
    assert_eq!(r.json["rule"], rule, "{}", r.text);
}

#[test]
fn probation_diversion_and_after_care_follow_the_order() {
    let app = TestApp::new();
    let (_, officer) = app.user("po.one", "caseworker", "upazila:1");
    let (far_id, far) = app.user("po.far", "caseworker", "upazila:2");
    let (_, district) = app.user("po.district", "district_officer", "district:1");
    let person = |name: &str, years: i64| {
        app.post("/api/v1/persons")
            .bearer(&officer)
            .json(&json!({"name_en": name, "sex": "male", "date_of_birth": day(-365 * years - 30), "union_id": 1}))
            .send()
            .expect(201)
            .json["person"]["id"]
            .clone()
    };
    let adult = person("Karim", 30);
    let child = person("Rubel", 15);
    let order = json!({"court": "Chief Judicial Magistrate, Cumilla", "order_number": "PR-12/2026", "order_date": day(-410)});
    let open = |body: Value| app.post("/api/v1/supervisions").bearer(&officer).json(&body).send();
    let probation = json!({"kind": "probation", "person_id": adult, "upazila_id": 1, "court_order": order, "offence": "Theft (first offence)",
                           "starts_on": day(-400), "term_months": 12, "conditions": ["Live with his mother", "Report monthly"]});
    let with = |changes: Value| {
        let mut b = probation.clone();
        for (k, v) in changes.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    refused(open(with(json!({"court_order": null}))), 422, "supervision.court_order");
    refused(open(with(json!({"conditions": []}))), 422, "supervision.conditions");
    refused(open(with(json!({"kind": "diversion"}))), 422, "supervision.diversion_child");
    open(with(json!({"term_months": 40}))).expect_problem(422, "validation_failed");
    open(with(json!({"officer_id": far_id}))).expect_problem(422, "validation_failed");
    app.post("/api/v1/supervisions").bearer(&far).json(&probation).send().expect(403);
    let mut p = open(probation.clone()).expect(201).json;
    assert_eq!(
        (p["status"].as_str(), p["ends_on"].as_str()),
        (Some("active"), Some((today() - Duration::days(400) + chrono::Months::new(12)).to_string().as_str()))
    );

    // Visits, a breach reported, the court lets it continue, then completion.
    p = step(&app, &officer, &p, "visits", json!({"visited_on": day(-370), "notes": "At home", "conditions_kept": true}))
        .expect(200)
        .json;
    refused(
        step(&app, &officer, &p, "visits", json!({"visited_on": day(-401), "notes": "x", "conditions_kept": true})),
        422,
        "supervision.date",
    );
    refused(
        step(&app, &officer, &p, "court-decision", json!({"decided_on": day(-300), "revoke": false})),
        409,
        "supervision.no_breach",
    );
    p = step(
        &app,
        &officer,
        &p,
        "court-reports",
        json!({"kind": "breach", "reported_on": day(-200), "summary": "Missed two reports"}),
    )
    .expect(200)
    .json;
    assert_eq!(p["status"], "breach_reported");
    refused(step(&app, &officer, &p, "completion", json!({"completed_on": day(0)})), 409, "supervision.breach_pending");
    p = step(&app, &officer, &p, "court-decision", json!({"decided_on": day(-195), "revoke": false, "note": "Warned"}))
        .expect(200)
        .json;
    p = step(
        &app,
        &officer,
        &p,
        "court-reports",
        json!({"kind": "completion", "reported_on": day(-1), "summary": "Term served"}),
    )
    .expect(200)
    .json;
    step(&app, &officer, &json!({"id": p["id"], "version": 1}), "completion", json!({"completed_on": day(0)}))
        .expect_problem(412, "precondition_failed");
    p = step(&app, &officer, &p, "completion", json!({"completed_on": day(0)})).expect(200).json;
    assert_eq!((p["status"].as_str(), p["closed_on"].as_str()), (Some("completed"), Some(day(0).as_str())));
    refused(
        step(&app, &officer, &p, "visits", json!({"visited_on": day(0), "notes": "x", "conditions_kept": true})),
        409,
        "supervision.ended",
    );
    let actions: Vec<&str> = p["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["open", "visit", "court_report", "court_decision", "court_report", "complete"]);

    // A diverted child: the term is not served yet; a breach, and the court revokes it.
    let mut d = open(json!({"kind": "diversion", "person_id": child, "upazila_id": 1,
                            "court_order": {"court": "Children's Court, Cumilla", "order_number": "CC-3/2026", "order_date": day(-12)},
                            "starts_on": day(-10), "term_months": 6, "conditions": ["Attend school"]}))
    .expect(201)
    .json;
    refused(step(&app, &officer, &d, "completion", json!({"completed_on": day(0)})), 409, "supervision.term_not_served");
    d = step(&app, &officer, &d, "court-reports", json!({"kind": "breach", "reported_on": day(-2), "summary": "Left home"}))
        .expect(200)
        .json;
    d = step(&app, &officer, &d, "court-decision", json!({"decided_on": day(-1), "revoke": true})).expect(200).json;
    assert_eq!(d["status"], "revoked");

    // After-care needs no court order.
    let a = open(json!({"kind": "after_care", "person_id": adult, "upazila_id": 1, "starts_on": day(0), "term_months": 12}))
        .expect(201)
        .json;
    assert_eq!(a["court"], Value::Null);

    // Reads: the district office sees them (audited); another upazila's officer does not.
    let id = p["id"].as_str().unwrap();
    app.get(&format!("/api/v1/supervisions/{id}")).bearer(&district).send().expect(200);
    app.get(&format!("/api/v1/supervisions/{id}")).bearer(&far).send().expect(403);
    let admin = app.admin();
    let reads =
        app.get(&format!("/api/v1/audit-events?action=supervision.read&entity_id={id}")).bearer(&admin).send().expect(200);
    assert_eq!(reads.json["data"].as_array().unwrap().len(), 1);
    let listed = app.get("/api/v1/supervisions?kind=diversion&status=revoked").bearer(&district).send().expect(200).json;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/v1/supervisions").bearer(&far).send().expect(200).json["data"].as_array().unwrap().len(), 0);
    app.get("/api/v1/supervisions?kind=parole").bearer(&district).send().expect_problem(422, "validation_failed");
}
