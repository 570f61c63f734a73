//! Who holds a case: a case plan's own day and its approval's, a supervisor's reassignment and
//! a worker's caseload and queue, and transfers between offices with both offices' reports.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

fn today() -> NaiveDate {
    domain::time::dhaka_date(Utc::now())
}

fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

fn act(app: &TestApp, token: &str, case: &mut Value, action: &str, body: Value) -> Resp {
    let id = case["id"].as_str().unwrap().to_owned();
    let r = app
        .post(&format!("/api/v1/cases/{id}/{action}"))
        .bearer(token)
        .header("If-Match", &format!("\"{}\"", case["version"]))
        .json(&body)
        .send();
    if r.status == 200 {
        *case = r.json.clone();
    }
    r
}

#[track_caller]
fn ok(app: &TestApp, token: &str, case: &mut Value, action: &str, body: Value) {
    act(app, token, case, action, body).expect(200);
}

#[track_caller]
fn refused(app: &TestApp, token: &str, case: &mut Value, action: &str, body: Value, status: u16, rule: &str) {
    let r = act(app, token, case, action, body).expect_problem(status, &rule.replace(['.', '_'], "-"));
    assert_eq!(r.json["rule"], rule);
    assert!(!r.json["title_bn"].as_str().unwrap().is_empty());
}

/// A child-protection case opened by `token` in `upazila`, at intake on `intake`.
fn child_case(app: &TestApp, token: &str, upazila: i32, intake: &str, born: &str) -> Value {
    let pid = app.person(token, &json!({"name_en": "Child Holder", "sex": "male", "date_of_birth": born}));
    app.post("/api/v1/cases")
        .bearer(token)
        .json(&json!({"kind": "child_protection", "person_id": pid, "upazila_id": upazila, "intake_on": intake}))
        .send()
        .expect(201)
        .json
}

fn ten_years_ago() -> String {
    (today() - Duration::days(3660)).to_string()
}

fn pipeline(app: &TestApp, token: &str, from: &str, to: &str, area: &str) -> Value {
    app.get(&format!("/api/v1/reports/case_pipeline?from={from}&to={to}{area}")).bearer(token).send().expect(200).json["rows"][0]
        .clone()
}

#[test]
fn a_case_plan_dated_last_month_counts_last_month() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.plan", "caseworker", "upazila:1");
    let (_, sup) = app.user("sup.plan", "upazila_officer", "upazila:1");
    let (_, integrator) = app.user("pull.plan", "integrator", "national");
    let first = today().with_day(1).unwrap();
    let last_month = first - Duration::days(20);
    let (intake, drawn) = (last_month - Duration::days(5), last_month);
    let mut c = child_case(&app, &cw, 1, &intake.to_string(), &ten_years_ago());
    ok(
        &app,
        &cw,
        &mut c,
        "risk-assessment",
        json!({"level": "high", "categories": ["street_child"], "assessed_on": intake.to_string()}),
    );
    let assessed = (intake + Duration::days(1)).to_string();
    ok(&app, &cw, &mut c, "detailed-assessment", json!({"assessed_on": assessed, "summary": "x"}));
    // Bad days: in the future, before the detailed assessment it follows.
    refused(&app, &cw, &mut c, "case-plan", json!({"goals": ["home"], "drawn_up_on": day(1)}), 422, "date.not_future");
    let before = intake.to_string();
    refused(
        &app,
        &cw,
        &mut c,
        "case-plan",
        json!({"goals": ["home"], "drawn_up_on": before}),
        422,
        "date.not_before_previous_step",
    );
    ok(&app, &cw, &mut c, "case-plan", json!({"goals": ["home"], "drawn_up_on": drawn.to_string()}));
    assert_eq!(c["record"]["case_plan"]["drawn_up_on"], drawn.to_string());
    assert_eq!(c["record"]["case_plan"]["submitted_on"], today().to_string(), "entered today");
    // The approval carries its own day too: not in the future, not before the plan.
    let early = (drawn - Duration::days(1)).to_string();
    refused(
        &app,
        &sup,
        &mut c,
        "approvals/1/decision",
        json!({"approve": true, "approved_on": early}),
        422,
        "date.not_before_previous_step",
    );
    refused(&app, &sup, &mut c, "approvals/1/decision", json!({"approve": true, "approved_on": day(1)}), 422, "date.not_future");
    let approved = (drawn + Duration::days(2)).to_string();
    ok(&app, &sup, &mut c, "approvals/1/decision", json!({"approve": true, "approved_on": approved}));
    assert_eq!(c["status"], "in_service");
    assert_eq!(c["record"]["approvals"][0]["decided_on"], approved);
    // Last month's report counts the plan (the whole month, from the cells, and a part of it,
    // from the steps); this month's does not.
    let month_end = first - Duration::days(1);
    let month_start = month_end.with_day(1).unwrap();
    let whole = pipeline(&app, &integrator, &month_start.to_string(), &month_end.to_string(), "");
    assert_eq!(whole["case_plans"], 1, "{whole}");
    let part = pipeline(&app, &integrator, &drawn.to_string(), &month_end.to_string(), "");
    assert_eq!(part["case_plans"], 1, "{part}");
    let now = pipeline(&app, &integrator, &first.to_string(), &day(0), "");
    assert_eq!(now["case_plans"], 0, "not on the day it was entered: {now}");
    app.assert_report_aggregates_exact();
}

#[test]
fn a_supervisor_reassigns_a_case_and_the_caseloads_and_queues_follow() {
    let app = TestApp::new();
    let (a_id, a) = app.user("cw.a", "caseworker", "upazila:1");
    let (b_id, b) = app.user("cw.b", "caseworker", "upazila:1");
    let (far_id, _) = app.user("cw.far", "caseworker", "upazila:171");
    let (gone_id, _) = app.user("cw.gone", "caseworker", "upazila:1");
    let (_, sup) = app.user("sup.assign", "upazila_officer", "upazila:1");
    // Children about to turn 18 (so both cases are in the queue): B's case first, then A's.
    let born = (today() - Duration::days(365 * 18 + 4 - 10)).to_string();
    let held_by_b = child_case(&app, &b, 1, &day(0), &born);
    let mut held_by_a = child_case(&app, &a, 1, &day(0), &born);
    assert_eq!(held_by_a["assigned_to"], a_id.as_str(), "the worker who opened it holds it");
    // Each worker's caseload, by `me` and by id.
    let caseload = |token: &str, who: &str| -> Vec<String> {
        app.all_pages(&format!("/api/v1/cases?assigned_to={who}"), Some(token))
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(caseload(&a, "me"), [held_by_a["id"].as_str().unwrap()]);
    assert_eq!(caseload(&sup, &b_id), [held_by_b["id"].as_str().unwrap()]);
    app.get("/api/v1/cases?assigned_to=someone").bearer(&a).send().expect_problem(422, "validation_failed");
    // Own cases first in the queue.
    let queue = |token: &str| app.get("/api/v1/work-queue").bearer(token).send().expect(200).json["data"].clone();
    let first_case = |q: &Value| q[0]["case_id"].as_str().unwrap().to_owned();
    assert_eq!(first_case(&queue(&a)), held_by_a["id"].as_str().unwrap());
    assert_eq!(first_case(&queue(&b)), held_by_b["id"].as_str().unwrap());
    // Bad reassignments: by a worker, to a disabled account, to someone who cannot work the
    // case there, to the worker who holds it, to no one, with a stale version.
    app.post(&format!("/api/v1/users/{gone_id}/disable")).bearer(&app.admin()).header("If-Match", "\"1\"").send().expect(200);
    let assign = |to: &str| json!({"assigned_to": to, "reason": "A is on leave"});
    act(&app, &b, &mut held_by_a, "assignment", assign(&b_id)).expect_problem(403, "role_lacks_permission");
    refused(&app, &sup, &mut held_by_a, "assignment", assign(&gone_id), 422, "assignment.active_user");
    refused(&app, &sup, &mut held_by_a, "assignment", assign(&far_id), 422, "assignment.can_work_case");
    refused(&app, &sup, &mut held_by_a, "assignment", assign(&a_id), 409, "assignment.changes_holder");
    let nobody = uuid::Uuid::now_v7().to_string();
    act(&app, &sup, &mut held_by_a, "assignment", assign(&nobody)).expect_problem(422, "validation_failed");
    let id = held_by_a["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/cases/{id}/assignment"))
        .bearer(&sup)
        .header("If-Match", "\"99\"")
        .json(&assign(&b_id))
        .send()
        .expect_problem(412, "precondition_failed");
    // The reassignment: on the case, its timeline and the audit trail.
    ok(&app, &sup, &mut held_by_a, "assignment", assign(&b_id));
    assert_eq!(held_by_a["assigned_to"], b_id.as_str());
    assert!(caseload(&a, "me").is_empty());
    assert_eq!(caseload(&b, "me").len(), 2);
    let events = app.get(&format!("/api/v1/cases/{id}/events")).bearer(&sup).send().expect(200).json;
    let last = events["data"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].as_str(), last["data"]["to"].as_str()), (Some("reassign"), Some(b_id.as_str())));
    let audit = app.get(&format!("/api/v1/audit-events?entity_type=case&entity_id={id}")).bearer(&app.admin()).send().expect(200);
    assert!(audit.text.contains("case.reassign"), "{}", audit.text);
    // B's account is disabled: the supervisor's queue shows B's cases as unassigned; a
    // worker's queue has no such task.
    app.post(&format!("/api/v1/users/{b_id}/disable")).bearer(&app.admin()).header("If-Match", "\"1\"").send().expect(200);
    let q = queue(&sup);
    let unassigned: Vec<&str> =
        q.as_array().unwrap().iter().filter(|i| i["task"] == "unassigned").map(|i| i["case_id"].as_str().unwrap()).collect();
    assert_eq!(unassigned.len(), 2, "{q}");
    assert!(q.as_array().unwrap().iter().filter(|i| i["case_id"] == id.as_str()).all(|i| i["assigned_to"].is_null()));
    assert!(queue(&a).as_array().unwrap().iter().all(|i| i["task"] != "unassigned"));
    // Reassigned to an active worker, the case leaves the unassigned list.
    ok(&app, &sup, &mut held_by_a, "assignment", assign(&a_id));
    let q = queue(&sup);
    assert!(!q.as_array().unwrap().iter().any(|i| i["task"] == "unassigned" && i["case_id"] == id.as_str()), "{q}");
}

fn transfer(app: &TestApp, token: &str, case: &Value, body: Value) -> Resp {
    let id = case["id"].as_str().unwrap();
    app.post(&format!("/api/v1/cases/{id}/transfers"))
        .bearer(token)
        .header("Idempotency-Key", &uuid::Uuid::now_v7().to_string())
        .json(&body)
        .send()
}

fn decide(app: &TestApp, token: &str, t: &Value, what: &str, body: Option<Value>) -> Resp {
    let id = t["id"].as_str().unwrap();
    let mut r = app
        .post(&format!("/api/v1/case-transfers/{id}/{what}"))
        .bearer(token)
        .header("If-Match", &format!("\"{}\"", t["version"]));
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send()
}

#[test]
fn a_case_moves_to_another_district_and_both_offices_count_it_where_it_was() {
    let app = TestApp::new();
    let (_, sender) = app.user("cw.sender", "caseworker", "upazila:1");
    let (_, receiver) = app.user("cw.receiver", "caseworker", "upazila:171");
    let (_, receiving_officer) = app.user("off.receiver", "upazila_officer", "upazila:171");
    let (_, integrator) = app.user("pull.transfer", "integrator", "national");
    let mut c = child_case(&app, &sender, 1, &day(-40), &ten_years_ago());
    ok(
        &app,
        &sender,
        &mut c,
        "risk-assessment",
        json!({"level": "high", "categories": ["street_child"], "assessed_on": day(-30)}),
    );
    let to_171 = json!({"to_upazila_id": 171, "reason": "The family moved to the receiving upazila"});
    // Bad requests: the office holding it, a place not in the system, by an office that does
    // not hold the case.
    let r = transfer(&app, &sender, &c, json!({"to_upazila_id": 1, "reason": "x"})).expect_problem(422, "transfer-elsewhere");
    assert_eq!(r.json["rule"], "transfer.elsewhere");
    let r = transfer(&app, &sender, &c, json!({"to_upazila_id": 999_999, "reason": "x"}));
    assert_eq!(r.expect_problem(422, "transfer-destination-known").json["rule"], "transfer.destination_known");
    let r = transfer(&app, &sender, &c, json!({"to_facility_id": uuid::Uuid::now_v7(), "reason": "x"}));
    r.expect_problem(422, "transfer-destination-known");
    transfer(&app, &receiver, &c, to_171.clone()).expect_problem(403, "out_of_scope");
    let made = transfer(&app, &sender, &c, to_171.clone()).expect(201);
    assert!(made.header("location").unwrap().starts_with("/api/v1/case-transfers/"));
    let t = made.json;
    assert_eq!((t["status"].as_str(), t["to"]["upazila_id"].as_i64()), (Some("requested"), Some(171)));
    transfer(&app, &sender, &c, to_171.clone()).expect_problem(409, "transfer-one-pending");
    // The receiving office sees it waiting; the sender may not accept it.
    let incoming = app.get("/api/v1/case-transfers?status=requested").bearer(&receiver).send().expect(200).json;
    assert_eq!(incoming["data"][0]["id"], t["id"]);
    let outgoing = app.get("/api/v1/case-transfers?side=outgoing").bearer(&sender).send().expect(200).json;
    assert_eq!(outgoing["data"][0]["id"], t["id"]);
    let tid = t["id"].as_str().unwrap();
    app.get(&format!("/api/v1/case-transfers/{tid}")).bearer(&receiver).send().expect(200);
    let (_, stranger) = app.user("cw.stranger", "caseworker", "upazila:2");
    app.get(&format!("/api/v1/case-transfers/{tid}")).bearer(&stranger).send().expect_problem(403, "out_of_scope");
    let reads = app.get(&format!("/api/v1/audit-events?entity_type=case_transfer&entity_id={tid}")).bearer(&app.admin()).send();
    assert!(reads.expect(200).text.contains("case_transfer.read"), "the read is on record");
    decide(&app, &sender, &t, "acceptance", None).expect_problem(403, "out_of_scope");
    decide(&app, &receiver, &t, "decline", Some(json!({"reason": ""}))).expect_problem(422, "validation_failed");
    let t = decide(&app, &receiver, &t, "acceptance", None).expect(200).json;
    assert_eq!((t["status"].as_str(), t["decided_on"].as_str()), (Some("accepted"), Some(day(0).as_str())));
    decide(&app, &receiver, &t, "decline", Some(json!({"reason": "late"}))).expect_problem(409, "transfer-pending");
    // The case is held by the receiving office; the sender still reads it, but writes only
    // where it is now.
    let id = c["id"].as_str().unwrap().to_owned();
    let now = app.get(&format!("/api/v1/cases/{id}")).bearer(&receiver).send().expect(200).json;
    assert_eq!(now["upazila_id"], 171);
    let seen = app.get(&format!("/api/v1/cases/{id}")).bearer(&sender).send().expect(200).json;
    assert_eq!(seen["upazila_id"], 171);
    app.get(&format!("/api/v1/cases/{id}/events")).bearer(&sender).send().expect(200);
    let mut c = now;
    act(&app, &sender, &mut c, "notes", json!({"text": "still here?"})).expect_problem(403, "out_of_scope");
    // Work before the transfer, entered after it, counts where the case was that day; today's
    // counts in the receiving office.
    ok(&app, &receiver, &mut c, "conferences", json!({"held_on": day(-10), "participants": ["x"], "decisions": ["y"]}));
    ok(&app, &receiver, &mut c, "detailed-assessment", json!({"assessed_on": day(0), "summary": "settled"}));
    ok(&app, &receiver, &mut c, "consents", json!({"purpose": "referral", "given_by": "mother", "given_on": day(-20)}));
    ok(&app, &receiver, &mut c, "referrals", json!({"service": "health", "referred_on": day(-10), "to_organisation": "UHC"}));
    ok(&app, &receiver, &mut c, "referrals", json!({"service": "health", "referred_on": day(0), "to_organisation": "UHC"}));
    let (from, to) = (day(-45), day(0));
    let referrals = |filter: &str| {
        let url = format!("/api/v1/reports/referrals_by_provider?from={from}&to={to}{filter}");
        let report = app.get(&url).bearer(&integrator).send().expect(200).json;
        let total =
            report["rows"].as_array().unwrap().iter().find(|r| r["service"].is_null() && r["provider"].is_null()).cloned();
        total.map_or(0, |r| r["referrals"].as_i64().unwrap())
    };
    assert_eq!((referrals("&upazila_id=1"), referrals("&upazila_id=171")), (1, 1), "each referral where the case was that day");
    let centre = app
        .post("/api/v1/facilities")
        .bearer(&app.admin())
        .json(&json!({"name_en": "Centre", "name_bn": "কেন্দ্র", "facility_type": "safe_home", "upazila_id": 171,
                      "capacity_female": 10, "capacity_male": 0, "capacity_hijra": 0}))
        .send()
        .expect(201)
        .json;
    let elsewhere = format!("&facility_id={}", centre["id"].as_str().unwrap());
    assert_eq!((referrals(""), referrals(&elsewhere)), (2, 0), "the report takes a facility filter");
    let sending = pipeline(&app, &integrator, &from, &to, "&upazila_id=1");
    let receiving = pipeline(&app, &integrator, &from, &to, "&upazila_id=171");
    for (m, s, r) in [("intakes", 1, 0), ("risk_assessments", 1, 0), ("case_conferences", 1, 0), ("detailed_assessments", 0, 1)] {
        assert_eq!((sending[m].as_i64(), receiving[m].as_i64()), (Some(s), Some(r)), "{m}: {sending} / {receiving}");
    }
    // The same from the month's cells: this month's detailed assessment is the receiver's.
    let month = today().with_day(1).unwrap().to_string();
    assert_eq!(pipeline(&app, &integrator, &month, &to, "&upazila_id=171")["detailed_assessments"], 1);
    assert_eq!(pipeline(&app, &integrator, &month, &to, "&upazila_id=1")["detailed_assessments"], 0);
    app.assert_report_aggregates_exact();
    // The timeline keeps the move.
    let events = app.get(&format!("/api/v1/cases/{id}/events")).bearer(&receiver).send().expect(200).json;
    let actions: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"request_transfer") && actions.contains(&"accept_transfer"), "{actions:?}");
    // Back to the first office: declined there with a reason; then another request withdrawn.
    let (_, first_officer) = app.user("off.first", "upazila_officer", "upazila:1");
    let back = transfer(&app, &receiver, &c, json!({"to_upazila_id": 1, "reason": "Back home"})).expect(201).json;
    let declined = decide(&app, &first_officer, &back, "decline", Some(json!({"reason": "No place here"}))).expect(200).json;
    assert_eq!((declined["status"].as_str(), declined["decline_reason"].as_str()), (Some("declined"), Some("No place here")));
    let again = transfer(&app, &receiver, &c, json!({"to_upazila_id": 1, "reason": "Again"})).expect(201).json;
    decide(&app, &first_officer, &again, "withdrawal", None).expect_problem(403, "out_of_scope");
    let withdrawn = decide(&app, &receiving_officer, &again, "withdrawal", None).expect(200).json;
    assert_eq!(withdrawn["status"], "withdrawn");
    let case_now = app.get(&format!("/api/v1/cases/{id}")).bearer(&receiver).send().expect(200).json;
    assert_eq!(case_now["upazila_id"], 171, "declined and withdrawn requests move nothing");
}

#[test]
fn a_safe_home_residents_transfer_needs_the_courts_order() {
    let app = TestApp::new();
    let admin = app.admin();
    let home = |name: &str, upazila: i32| {
        app.post("/api/v1/facilities")
            .bearer(&admin)
            .json(&json!({"name_en": name, "name_bn": name, "facility_type": "safe_home", "upazila_id": upazila,
                          "capacity_female": 10, "capacity_male": 0, "capacity_hijra": 0}))
            .send()
            .expect(201)
            .json["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (here, there) = (home("Home One", 1), home("Home Two", 171));
    let (_, staff) = app.user("staff.one", "facility_staff", &format!("facility:{here}"));
    let (_, other_staff) = app.user("staff.two", "facility_staff", &format!("facility:{there}"));
    let pid = app.person(&staff, &json!({"name_en": "Resident", "sex": "female", "date_of_birth": "2000-01-01"}));
    let mut c = app
        .post("/api/v1/cases")
        .bearer(&staff)
        .json(&json!({"kind": "safe_home", "person_id": pid, "facility_id": here,
                      "court_order": {"court": "Tribunal-1", "order_number": "1/2026", "order_date": day(-30)}}))
        .send()
        .expect(201)
        .json;
    ok(&app, &staff, &mut c, "admission", json!({"admitted_on": day(-29), "health_check": "ok"}));
    let occupied = |home: &str| {
        let f = app.get(&format!("/api/v1/facilities/{home}")).bearer(&admin).send().expect(200).json;
        f["occupancy"]["female"].as_i64().unwrap()
    };
    assert_eq!((occupied(&here), occupied(&there)), (1, 0));
    let ask = |order: Value| json!({"to_facility_id": there, "reason": "Closer to her trial", "court_order": order});
    let r = transfer(&app, &staff, &c, ask(Value::Null)).expect_problem(422, "transfer-court-order");
    assert!(!r.json["title_bn"].as_str().unwrap().is_empty());
    let future = json!({"court": "Tribunal-1", "order_number": "2/2026", "order_date": day(1)});
    transfer(&app, &staff, &c, ask(future)).expect_problem(422, "date-not-future");
    let order = json!({"court": "Tribunal-1", "order_number": "2/2026", "order_date": day(0)});
    let t = transfer(&app, &staff, &c, ask(order)).expect(201).json;
    assert_eq!(t["court_order"]["order_number"], "2/2026");
    // Only the receiving home accepts; then the case is managed there.
    decide(&app, &staff, &t, "acceptance", None).expect_problem(403, "out_of_scope");
    decide(&app, &other_staff, &t, "acceptance", None).expect(200);
    let id = c["id"].as_str().unwrap();
    let moved = app.get(&format!("/api/v1/cases/{id}")).bearer(&other_staff).send().expect(200).json;
    assert_eq!((moved["managing_facility_id"].as_str(), moved["upazila_id"].as_i64()), (Some(there.as_str()), Some(171)));
    // She moves with her case: she lives in the receiving home, and takes a place there.
    assert_eq!(moved["residence_facility_id"].as_str(), Some(there.as_str()), "{moved}");
    assert_eq!((occupied(&here), occupied(&there)), (0, 1));
    let events = app.get(&format!("/api/v1/cases/{id}/events")).bearer(&other_staff).send().expect(200).json;
    assert!(events.to_string().contains("moved_to_facility"), "{events}");
    // The first home still reads it.
    app.get(&format!("/api/v1/cases/{id}")).bearer(&staff).send().expect(200);
}
