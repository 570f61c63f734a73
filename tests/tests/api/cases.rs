//! Case management over HTTP: the seeds' scenarios, access by facility and area, and every
//! refusal as a problem naming its rule.

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

fn today() -> NaiveDate {
    domain::time::dhaka_date(Utc::now())
}

fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

/// The people and places of a safe-home scenario.
struct SafeHome {
    app: TestApp,
    facility: String,
    partner: String,
    staff: String,
    officer: String,
    lawyer: String,
}

impl SafeHome {
    fn new(capacity_female: i64) -> SafeHome {
        let app = TestApp::new();
        let admin = app.admin();
        let partner = app
            .post("/api/v1/partner-organisations")
            .bearer(&admin)
            .json(&json!({"name_en": "Manusher Jonno Foundation", "name_bn": "মানুষের জন্য ফাউন্ডেশন"}))
            .send()
            .expect(201)
            .json["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let facility = app
            .post("/api/v1/facilities")
            .bearer(&admin)
            .json(&json!({"name_en": "Safe Home, Debidwar", "name_bn": "নিরাপদ আবাসন কেন্দ্র, দেবিদ্বার", "facility_type": "safe_home",
                          "upazila_id": 1, "capacity_female": capacity_female, "capacity_male": 0, "capacity_hijra": 0, "partner_ids": [partner]}))
            .send()
            .expect(201)
            .json["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, staff) = app.user("home.staff", "facility_staff", &format!("facility:{facility}"));
        let (_, officer) = app.user("upz.officer", "upazila_officer", "upazila:1");
        let (_, lawyer) = app.user("mjf.lawyer", "partner_staff", &format!("partner:{partner}"));
        SafeHome { app, facility, partner, staff, officer, lawyer }
    }

    fn person(&self, body: Value) -> String {
        self.app.post("/api/v1/persons").bearer(&self.staff).json(&body).send().expect(201).json["person"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn open(&self, person: &str) -> Value {
        self.app
            .post("/api/v1/cases")
            .bearer(&self.staff)
            .json(&json!({"kind": "safe_home", "person_id": person, "facility_id": self.facility,
                          "court_order": {"court": "Nari o Shishu Nirjatan Daman Tribunal-1, Cumilla", "order_number": "112/2026", "order_date": day(-200)}}))
            .send()
            .expect(201)
            .json
    }
}

/// Sends a case action with the case's current version and returns the response.
fn act(app: &TestApp, token: &str, case: &mut Value, action: &str, body: Value) -> Resp {
    let id = case["id"].as_str().unwrap().to_owned();
    let r = app
        .post(&format!("/api/v1/cases/{id}/{action}"))
        .bearer(token)
        .header("If-Match", &format!("\"{}\"", case["version"]))
        .json(&body)
        .send();
    if r.status == 200 {
        assert_eq!(r.header("etag").unwrap(), format!("\"{}\"", r.json["version"]));
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

#[test]
fn a_safe_home_resident_from_court_order_to_closure() {
    let s = SafeHome::new(50);
    let app = &s.app;
    let resident =
        s.person(json!({"name_bn": "সালমা আক্তার", "name_en": "Salma Akter", "sex": "female", "date_of_birth": "2001-02-03"}));
    let mother = s.person(json!({"name_bn": "জাহানারা বেগম", "sex": "female", "date_of_birth": "1975-05-05", "nid": "1975123456"}));
    let mut case = s.open(&resident);
    assert_eq!(case["status"], "court_order_received");
    assert!(case["case_number"].as_str().unwrap().starts_with("SH-"));
    assert_eq!(case["status_label"]["bn"], "আদালতের আদেশ প্রাপ্ত");
    ok(
        app,
        &s.staff,
        &mut case,
        "admission",
        json!({"admitted_on": day(-199), "health_check": "pregnant, 5 months", "belongings": ["clothes"]}),
    );
    assert_eq!(case["status"], "admitted");
    assert_eq!(case["residence_facility_id"], s.facility.as_str());
    // The partner's lawyer gives legal aid; the first service puts her in care.
    ok(
        app,
        &s.lawyer,
        &mut case,
        "services",
        json!({"service": "legal_aid", "given_on": day(-190), "provider": "MJF panel lawyer"}),
    );
    assert_eq!(case["status"], "in_care");
    ok(
        app,
        &s.staff,
        &mut case,
        "services",
        json!({"service": "safe_delivery", "given_on": day(-120), "provider": "Upazila Health Complex"}),
    );
    ok(
        app,
        &s.staff,
        &mut case,
        "services",
        json!({"service": "public_examination", "given_on": day(-100), "provider": "Debidwar Girls' School", "description": "SSC"}),
    );
    ok(
        app,
        &s.staff,
        &mut case,
        "release-order",
        json!({"court": "Nari o Shishu Nirjatan Daman Tribunal-1, Cumilla", "order_number": "112/2026-R", "order_date": day(-80)}),
    );
    assert_eq!(case["status"], "release_ordered");
    ok(
        app,
        &s.staff,
        &mut case,
        "reintegration",
        json!({"destination": "family", "guardian_person_id": mother, "guardian_relationship": "mother",
        "support_items": [{"item": "sewing machine", "value_taka": 12000}], "started_on": day(-79)}),
    );
    refused(
        app,
        &s.staff,
        &mut case,
        "reintegration/completion",
        json!({"completed_on": day(-70)}),
        409,
        "reintegration.guardian_assessed_safe",
    );
    ok(
        app,
        &s.staff,
        &mut case,
        "reintegration/guardian-assessment",
        json!({"outcome": "safe", "assessed_on": day(-75), "notes": "home visit"}),
    );
    refused(app, &s.staff, &mut case, "reintegration/completion", json!({"completed_on": day(-70)}), 409, "consent.recorded");
    ok(
        app,
        &s.staff,
        &mut case,
        "consents",
        json!({"purpose": "reintegration", "given_by": "the resident", "given_on": day(-74)}),
    );
    ok(app, &s.staff, &mut case, "reintegration/completion", json!({"completed_on": day(-70)}));
    assert_eq!(case["status"], "follow_up");
    assert_eq!(case["residence_facility_id"], Value::Null, "she left the home");
    assert_eq!(case["record"]["follow_ups"].as_array().unwrap().len(), 4);
    assert_eq!(
        case["next_follow_up_due"],
        (today() + Duration::days(-70)).checked_add_months(chrono::Months::new(1)).unwrap().to_string()
    );
    ok(
        app,
        &s.staff,
        &mut case,
        "follow-ups/1",
        json!({"done_on": day(-30), "risk_found": false, "notes": "well, sewing at home"}),
    );
    refused(app, &s.staff, &mut case, "closure-request", json!({"reason": ""}), 409, "closure.follow_ups_done");
    ok(app, &s.staff, &mut case, "closure-request", json!({"reason": "married and moved to Dhaka with her family's agreement"}));
    // Facility staff cannot approve; the upazila officer (a supervisor) can.
    act(app, &s.staff, &mut case, "approvals/1/decision", json!({"approve": true})).expect_problem(403, "role_lacks_permission");
    ok(app, &s.officer, &mut case, "approvals/1/decision", json!({"approve": true, "comment": "agreed"}));
    assert_eq!(case["status"], "closed");
    // The timeline tells the whole story, in order.
    let id = case["id"].as_str().unwrap();
    let events = app.all_pages(&format!("/api/v1/cases/{id}/events"), Some(&s.staff));
    let actions: Vec<&str> = events.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.first(), Some(&"open_case"));
    assert_eq!(actions.last(), Some(&"decide_approval"));
    assert_eq!(actions.iter().filter(|a| **a == "record_service").count(), 3);
    // The report tables derived from these records agree with them.
    app.assert_report_aggregates_exact();
}

#[test]
fn a_nepali_resident_is_repatriated_only_after_clearance() {
    let s = SafeHome::new(50);
    let app = &s.app;
    let resident =
        s.person(json!({"name_en": "Sita Tamang", "sex": "female", "date_of_birth": "1999-09-09", "nationality": "np"}));
    let mut case = s.open(&resident);
    ok(app, &s.staff, &mut case, "admission", json!({"admitted_on": day(-150), "health_check": "ok"}));
    ok(app, &s.staff, &mut case, "release-order", json!({"court": "Tribunal", "order_number": "9/2026", "order_date": day(-60)}));
    ok(app, &s.staff, &mut case, "reintegration", json!({"destination": "repatriation", "started_on": day(-59)}));
    ok(
        app,
        &s.staff,
        &mut case,
        "consents",
        json!({"purpose": "reintegration", "given_by": "the resident", "given_on": day(-58)}),
    );
    refused(
        app,
        &s.staff,
        &mut case,
        "reintegration/completion",
        json!({"completed_on": day(-40)}),
        409,
        "reintegration.repatriation_clearance",
    );
    ok(
        app,
        &s.staff,
        &mut case,
        "reintegration/repatriation-clearance",
        json!({"reference": "MoHA/NP/17-2026", "cleared_on": day(-45)}),
    );
    ok(app, &s.staff, &mut case, "reintegration/completion", json!({"completed_on": day(-40)}));
    assert_eq!(case["status"], "follow_up");
}

#[test]
fn release_to_a_recorded_alleged_perpetrator_is_refused() {
    let s = SafeHome::new(50);
    let app = &s.app;
    let resident = s.person(json!({"name_en": "Mina", "sex": "female", "date_of_birth": "2003-01-01"}));
    let uncle = s.person(json!({"name_en": "Uncle", "sex": "male", "date_of_birth": "1970-01-01", "nid": "1970123456"}));
    let mut case = s.open(&resident);
    ok(app, &s.staff, &mut case, "admission", json!({"admitted_on": day(-100), "health_check": "ok"}));
    ok(app, &s.staff, &mut case, "alleged-perpetrators", json!({"person_id": uncle}));
    ok(app, &s.staff, &mut case, "release-order", json!({"court": "Tribunal", "order_number": "3/2026", "order_date": day(-10)}));
    refused(
        app,
        &s.staff,
        &mut case,
        "reintegration",
        json!({"destination": "family", "guardian_person_id": uncle, "guardian_relationship": "uncle", "started_on": day(-9)}),
        409,
        "reintegration.guardian_not_perpetrator",
    );
    assert_eq!(case["status"], "release_ordered", "nothing changed");
}

#[test]
fn a_guardian_is_chosen_from_the_household_and_relationships_by_the_same_rules() {
    let s = SafeHome::new(50);
    let app = &s.app;
    let resident = s.person(json!({"name_en": "Mina", "sex": "female", "date_of_birth": "2003-01-01", "union_id": 1}));
    let mother = s
        .person(json!({"name_en": "Rokeya", "sex": "female", "date_of_birth": "1975-01-01", "nid": "1975123456", "union_id": 1}));
    let father = s.person(json!({"name_en": "Karim", "sex": "male", "date_of_birth": "1970-01-01", "union_id": 1}));
    let uncle =
        s.person(json!({"name_en": "Uncle", "sex": "male", "date_of_birth": "1972-01-01", "nid": "1972123456", "union_id": 1}));
    let admin = app.admin();
    let household = app
        .post("/api/v1/households")
        .bearer(&s.officer)
        .json(&json!({"union_id": 1, "address": "Village Subil", "head_person_id": father, "joined_on": day(-400)}))
        .send()
        .expect(201)
        .json;
    let hid = household["id"].as_str().unwrap();
    for (who, relation) in [(&mother, "spouse"), (&resident, "daughter"), (&uncle, "sibling")] {
        app.post(&format!("/api/v1/households/{hid}/members"))
            .bearer(&s.officer)
            .json(&json!({"person_id": who, "relation": relation, "joined_on": day(-300)}))
            .send()
            .expect(201);
    }
    app.post(&format!("/api/v1/persons/{resident}/relationships"))
        .bearer(&s.officer)
        .json(&json!({"related_person_id": mother, "kind": "mother"}))
        .send()
        .expect(201);
    let mut case = s.open(&resident);
    ok(app, &s.staff, &mut case, "admission", json!({"admitted_on": day(-100), "health_check": "ok"}));
    ok(app, &s.staff, &mut case, "alleged-perpetrators", json!({"person_id": uncle}));
    let id = case["id"].as_str().unwrap().to_owned();
    let url = format!("/api/v1/cases/{id}/guardian-candidates");
    let got = app.get(&url).bearer(&s.staff).send().expect(200).json;
    let people: Vec<(&str, bool, Option<&str>)> = got["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["person_id"].as_str().unwrap(), c["may_be_guardian"].as_bool().unwrap(), c["refused_by"]["rule"].as_str()))
        .collect();
    assert_eq!(
        people,
        [
            (mother.as_str(), true, None),
            (father.as_str(), false, Some("reintegration.guardian_identified")),
            (uncle.as_str(), false, Some("reintegration.guardian_not_perpetrator")),
        ],
        "the mother first; the resident herself never: {got}"
    );
    let ties: Vec<&str> = got["data"][0]["ties"].as_array().unwrap().iter().map(|t| t["code"].as_str().unwrap()).collect();
    assert_eq!(ties, ["mother", "spouse"], "a recorded relationship before the household tie");
    assert_eq!(got["data"][0]["ties"][0]["label"]["bn"], "মা");
    // The read is on record with the persons it returned; others may not read it.
    let reads = app.get("/api/v1/audit-events?entity_type=person&action=person.list").bearer(&admin).send().expect(200).text;
    assert!(reads.contains(&mother) && reads.contains("guardian_candidates_for_case"), "{reads}");
    let (_, elsewhere) = app.user("cw.elsewhere", "caseworker", "upazila:171");
    app.get(&url).bearer(&elsewhere).send().expect_problem(403, "out_of_scope");
    app.get(&format!("/api/v1/cases/{}/guardian-candidates", uuid::Uuid::now_v7())).bearer(&s.staff).send().expect(404);
    // Chosen without naming the relationship: the one on record is kept.
    ok(app, &s.staff, &mut case, "release-order", json!({"court": "Tribunal", "order_number": "5/2026", "order_date": day(-10)}));
    ok(
        app,
        &s.staff,
        &mut case,
        "reintegration",
        json!({"destination": "family", "guardian_person_id": mother, "started_on": day(-9)}),
    );
    assert_eq!(case["record"]["reintegration"]["guardian"]["relationship"], "mother", "{case}");
}

#[test]
fn a_full_home_refuses_admission_and_places_free_up_on_exit() {
    let s = SafeHome::new(1);
    let app = &s.app;
    let a = s.person(json!({"name_en": "A", "sex": "female", "date_of_birth": "2000-01-01"}));
    let b = s.person(json!({"name_en": "B", "sex": "female", "date_of_birth": "2000-01-02"}));
    let mut first = s.open(&a);
    let mut second = s.open(&b);
    ok(app, &s.staff, &mut first, "admission", json!({"admitted_on": day(-20), "health_check": "ok"}));
    refused(
        app,
        &s.staff,
        &mut second,
        "admission",
        json!({"admitted_on": day(-19), "health_check": "ok"}),
        409,
        "facility.capacity_by_sex",
    );
    let f = app.get(&format!("/api/v1/facilities/{}", s.facility)).bearer(&s.staff).send().expect(200);
    assert_eq!(f.json["occupancy"]["female"], 1);
    // The first resident absconds (reported to the court): the place is free again.
    refused(app, &s.staff, &mut first, "exit", json!({"reason": "absconded", "on": day(-5)}), 422, "exit.court_report");
    ok(app, &s.staff, &mut first, "exit", json!({"reason": "absconded", "on": day(-5), "court_report": "letter 7/2026"}));
    ok(app, &s.staff, &mut second, "admission", json!({"admitted_on": day(-4), "health_check": "ok"}));
}

#[test]
fn a_street_child_through_every_step_re_opened_by_a_follow_up() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.tongi", "caseworker", "upazila:1");
    let (_, supervisor) = app.user("upz.supervisor", "upazila_officer", "upazila:1");
    let admin = app.admin();
    let centre = app
        .post("/api/v1/facilities")
        .bearer(&admin)
        .json(&json!({"name_en": "SRTRCCR", "name_bn": "শিশু আশ্রয় কেন্দ্র", "facility_type": "srtrccr_centre", "upazila_id": 1,
                      "capacity_female": 100, "capacity_male": 1, "capacity_hijra": 0, "stay_limit_months": 6}))
        .send()
        .expect(201)
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let born = (today() - Duration::days(365 * 11)).to_string();
    let child = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_en": "Rahim", "name_bn": "রহিম", "sex": "male", "date_of_birth": born}))
        .send()
        .expect(201);
    let child = child.json["person"]["id"].as_str().unwrap().to_owned();
    let mother = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_en": "Amena", "sex": "female", "date_of_birth": "1985-01-01", "nid": "1985123456"}))
        .send()
        .expect(201);
    let mother = mother.json["person"]["id"].as_str().unwrap().to_owned();
    let mut case = app
        .post("/api/v1/cases")
        .bearer(&cw)
        .json(&json!({"kind": "child_protection", "person_id": child, "upazila_id": 1, "intake_on": day(-150)}))
        .send()
        .expect(201)
        .json;
    assert_eq!(case["status"], "intake");
    // Steps cannot be skipped.
    refused(&app, &cw, &mut case, "case-plan", json!({"goals": ["home"]}), 409, "case.step_order");
    ok(
        &app,
        &cw,
        &mut case,
        "risk-assessment",
        json!({"level": "high", "categories": ["street_child"], "assessed_on": day(-149)}),
    );
    ok(&app, &cw, &mut case, "detailed-assessment", json!({"assessed_on": day(-148), "summary": "mother traced"}));
    ok(
        &app,
        &cw,
        &mut case,
        "case-plan",
        json!({"goals": ["return home"], "interventions": [{"description": "school", "provider": "SRTRCCR", "due_on": day(-100)}]}),
    );
    assert_eq!(case["status"], "case_plan");
    refused(&app, &supervisor, &mut case, "approvals/9/decision", json!({"approve": true}), 409, "approval.exists");
    ok(&app, &supervisor, &mut case, "approvals/1/decision", json!({"approve": true}));
    assert_eq!(case["status"], "in_service");
    ok(&app, &cw, &mut case, "placement", json!({"facility_id": centre, "placed_on": day(-147)}));
    assert_eq!(case["residence_facility_id"], centre.as_str());
    ok(
        &app,
        &cw,
        &mut case,
        "services",
        json!({"service": "counselling", "given_on": day(-140), "provider": "SRTRCCR counsellor"}),
    );
    refused(
        &app,
        &cw,
        &mut case,
        "referrals",
        json!({"service": "health", "to_organisation": "UHC", "referred_on": day(-139)}),
        409,
        "consent.recorded",
    );
    ok(&app, &cw, &mut case, "consents", json!({"purpose": "referral", "given_by": "child and mother", "given_on": day(-139)}));
    ok(&app, &cw, &mut case, "referrals", json!({"service": "health", "to_organisation": "UHC", "referred_on": day(-139)}));
    ok(&app, &cw, &mut case, "referrals/1/status", json!({"status": "accepted"}));
    ok(
        &app,
        &cw,
        &mut case,
        "conferences",
        json!({"held_on": day(-130), "participants": ["caseworker", "UNO"], "decisions": ["reintegrate"]}),
    );
    ok(
        &app,
        &cw,
        &mut case,
        "reintegration",
        json!({"destination": "family", "guardian_person_id": mother, "guardian_relationship": "mother", "started_on": day(-120)}),
    );
    ok(&app, &cw, &mut case, "reintegration/guardian-assessment", json!({"outcome": "safe", "assessed_on": day(-119)}));
    ok(&app, &cw, &mut case, "consents", json!({"purpose": "reintegration", "given_by": "mother", "given_on": day(-119)}));
    refused(
        &app,
        &cw,
        &mut case,
        "reintegration/completion",
        json!({"completed_on": day(-110)}),
        409,
        "reintegration.child_views_recorded",
    );
    ok(&app, &cw, &mut case, "reintegration/child-views", json!({"views": "wants to go home"}));
    ok(&app, &cw, &mut case, "reintegration/completion", json!({"completed_on": day(-110)}));
    assert_eq!(case["status"], "follow_up");
    assert_eq!(case["residence_facility_id"], Value::Null);
    // A follow-up finds him back on the street: the case re-opens with an intervention plan.
    refused(
        &app,
        &cw,
        &mut case,
        "follow-ups/1",
        json!({"done_on": day(-75), "risk_found": true}),
        422,
        "reopen.intervention_plan",
    );
    ok(
        &app,
        &cw,
        &mut case,
        "follow-ups/1",
        json!({"done_on": day(-75), "risk_found": true, "intervention_plan": "shelter and counselling"}),
    );
    assert_eq!(case["status"], "in_service");
    assert_eq!(case["record"]["reopenings"].as_array().unwrap().len(), 1);
    // Lists filter by status, risk category, sex and age band.
    let list =
        |q: &str| app.get(&format!("/api/v1/cases?{q}")).bearer(&cw).send().expect(200).json["data"].as_array().unwrap().len();
    assert_eq!(list("status=in_service&risk_category=street_child&sex=male&age_min=10&age_max=12"), 1);
    assert_eq!(list("age_min=12"), 0);
    assert_eq!(list("sex=female"), 0);
    app.get("/api/v1/cases?status=open").bearer(&cw).send().expect_problem(422, "validation_failed");
    // The report tables derived from these records agree with them.
    app.assert_report_aggregates_exact();
}

#[test]
fn a_full_centre_refuses_a_child_and_the_queue_shows_what_is_due() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.centre", "caseworker", "upazila:1");
    let (_, supervisor) = app.user("sup.centre", "upazila_officer", "upazila:1");
    let admin = app.admin();
    let centre = app
        .post("/api/v1/facilities")
        .bearer(&admin)
        .json(&json!({"name_en": "Centre", "name_bn": "কেন্দ্র", "facility_type": "srtrccr_centre", "upazila_id": 1,
                      "capacity_female": 0, "capacity_male": 1, "capacity_hijra": 0, "stay_limit_months": 6}))
        .send()
        .expect(201)
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut cases = vec![];
    for name in ["Boy One", "Boy Two"] {
        let born = (today() - Duration::days(365 * 10)).to_string();
        let p = app
            .post("/api/v1/persons")
            .bearer(&cw)
            .json(&json!({"name_en": name, "sex": "male", "date_of_birth": born}))
            .send()
            .expect(201);
        let mut case = app
            .post("/api/v1/cases")
            .bearer(&cw)
            .json(&json!({"kind": "child_protection", "person_id": p.json["person"]["id"], "upazila_id": 1, "intake_on": day(-200)}))
            .send()
            .expect(201)
            .json;
        ok(&app, &cw, &mut case, "emergency-placement", json!({"justification": "found injured at night"}));
        let no = case["record"]["approvals"][0]["no"].as_u64().unwrap();
        ok(&app, &supervisor, &mut case, &format!("approvals/{no}/decision"), json!({"approve": true}));
        cases.push(case);
    }
    ok(&app, &cw, &mut cases[0], "placement", json!({"facility_id": centre, "placed_on": day(-179)}));
    refused(
        &app,
        &cw,
        &mut cases[1],
        "placement",
        json!({"facility_id": centre, "placed_on": day(-179)}),
        409,
        "facility.capacity_by_sex",
    );
    // The six-month stay ends in a few days: it shows in the queue.
    let queue = app.get("/api/v1/work-queue").bearer(&cw).send().expect(200);
    let tasks: Vec<(&str, &str)> = queue.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["task"].as_str().unwrap(), t["case_number"].as_str().unwrap()))
        .collect();
    assert!(tasks.contains(&("stay_limit_near", cases[0]["case_number"].as_str().unwrap())), "{tasks:?}");
    assert!(!tasks.iter().any(|t| t.0 == "approval_waiting"), "caseworkers do not approve");
    // An extension request waits for the supervisor.
    ok(&app, &cw, &mut cases[0], "stay-extension-request", json!({"until": day(60), "justification": "family tracing"}));
    let queue = app.get("/api/v1/work-queue").bearer(&supervisor).send().expect(200);
    assert!(queue.json["data"].as_array().unwrap().iter().any(|t| t["task"] == "approval_waiting"));
    // The report tables derived from these records agree with them.
    app.assert_report_aggregates_exact();
}

#[test]
fn access_follows_facility_area_partner_and_sensitivity() {
    let s = SafeHome::new(10);
    let app = &s.app;
    let resident = s.person(json!({"name_en": "Protected", "sex": "female", "date_of_birth": "2000-01-01"}));
    let perpetrator = s.person(json!({"name_en": "Accused", "sex": "male", "date_of_birth": "1980-01-01"}));
    let mut case = s.open(&resident);
    ok(app, &s.staff, &mut case, "admission", json!({"admitted_on": day(-10), "health_check": "ok"}));
    ok(app, &s.staff, &mut case, "alleged-perpetrators", json!({"person_id": perpetrator}));
    ok(app, &s.lawyer, &mut case, "services", json!({"service": "legal_aid", "given_on": day(-9), "provider": "MJF"}));
    ok(app, &s.staff, &mut case, "services", json!({"service": "health", "given_on": day(-8), "provider": "clinic"}));
    let id = case["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/cases/{id}");
    // Facility staff see everything, including where she lives and who is accused.
    let full = app.get(&path).bearer(&s.staff).send().expect(200);
    assert_eq!(full.json["visibility"], "full");
    assert_eq!(full.json["record"]["alleged_perpetrators"].as_array().unwrap().len(), 1);
    // The upazila officer sees the case but not the location or the perpetrators.
    let officer = app.get(&path).bearer(&s.officer).send().expect(200);
    assert_eq!(officer.json["visibility"], "without_sensitive");
    assert_eq!(officer.json["residence_facility_id"], Value::Null);
    assert_eq!(officer.json["record"]["placement"]["facility_id"], Value::Null);
    assert!(officer.json["record"]["alleged_perpetrators"].as_array().unwrap().is_empty());
    // The partner's lawyer sees only the services MJF gave.
    let lawyer = app.get(&path).bearer(&s.lawyer).send().expect(200);
    assert_eq!(lawyer.json["visibility"], "partner_services");
    assert_eq!(lawyer.json["person_id"], Value::Null);
    let services = lawyer.json["record"]["services"].as_array().unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0]["partner_id"], s.partner.as_str());
    app.get(&format!("{path}/events")).bearer(&s.lawyer).send().expect_problem(403, "role_lacks_permission");
    act(app, &s.lawyer, &mut case, "release-order", json!({"court": "x", "order_number": "1", "order_date": day(-1)}))
        .expect_problem(403, "role_lacks_permission");
    // Another upazila's caseworker, another facility's staff, an integrator: refused.
    let (_, far) = app.user("cw.far", "caseworker", "upazila:300");
    app.get(&path).bearer(&far).send().expect_problem(403, "out_of_scope");
    let other_home = uuid::Uuid::now_v7();
    let (_, other_staff) = app.user("other.staff", "facility_staff", &format!("facility:{other_home}"));
    app.get(&path).bearer(&other_staff).send().expect_problem(403, "out_of_scope");
    let (_, integrator) = app.user("dss-reports", "integrator", "national");
    app.get(&path).bearer(&integrator).send().expect_problem(403, "role_lacks_permission");
    app.get("/api/v1/cases").bearer(&integrator).send().expect_problem(403, "role_lacks_permission");
    // Lists respect the same scopes.
    let listed = |t: &str| app.get("/api/v1/cases").bearer(t).send().expect(200).json["data"].as_array().unwrap().len();
    assert_eq!(listed(&s.staff), 1);
    assert_eq!(listed(&far), 0);
    assert_eq!(listed(&other_staff), 0);
    // Every read was audited.
    let (_, auditor) = app.user("the.auditor", "auditor", "national");
    let reads = app.get(&format!("/api/v1/audit-events?action=case.read&entity_id={id}")).bearer(&auditor).send().expect(200);
    assert_eq!(reads.json["data"].as_array().unwrap().len(), 3, "staff, officer and lawyer each read it once");
}

#[test]
fn stale_versions_and_bad_inputs_change_nothing() {
    let s = SafeHome::new(10);
    let app = &s.app;
    let resident = s.person(json!({"name_en": "V", "sex": "female", "date_of_birth": "2000-01-01"}));
    let case = s.open(&resident);
    let id = case["id"].as_str().unwrap();
    let admit = json!({"admitted_on": day(-1), "health_check": "ok"});
    app.post(&format!("/api/v1/cases/{id}/admission"))
        .bearer(&s.staff)
        .json(&admit)
        .send()
        .expect_problem(428, "precondition_required");
    app.post(&format!("/api/v1/cases/{id}/admission"))
        .bearer(&s.staff)
        .header("If-Match", "\"9\"")
        .json(&admit)
        .send()
        .expect_problem(412, "precondition_failed");
    // Something that is not one of our ETags is a malformed request, not a stale version;
    // a well-formed version no record reaches is stale.
    for malformed in ["9", "\"+9\"", "\"\"", "\"12345678901\"", "*"] {
        app.post(&format!("/api/v1/cases/{id}/admission"))
            .bearer(&s.staff)
            .header("If-Match", malformed)
            .json(&admit)
            .send()
            .expect_problem(400, "invalid_if_match");
    }
    app.post(&format!("/api/v1/cases/{id}/admission"))
        .bearer(&s.staff)
        .header("If-Match", "W/\"9999999999\"")
        .json(&admit)
        .send()
        .expect_problem(412, "precondition_failed");
    let r = app
        .post(&format!("/api/v1/cases/{id}/admission"))
        .bearer(&s.staff)
        .header("If-Match", "\"1\"")
        .json(&json!({"admitted_on": day(5), "health_check": "ok"}))
        .send();
    let r = r.expect_problem(422, "date-not-future");
    assert_eq!(r.json["rule"], "date.not_future");
    let r = app
        .post(&format!("/api/v1/cases/{id}/services"))
        .bearer(&s.staff)
        .header("If-Match", "\"1\"")
        .json(&json!({"service": "magic", "given_on": day(0), "provider": "x"}))
        .send();
    r.expect_problem(422, "validation_failed");
    let after = app.get(&format!("/api/v1/cases/{id}")).bearer(&s.staff).send().expect(200);
    assert_eq!(after.json["version"], 1);
    assert_eq!(after.json["status"], "court_order_received");
    // Opening: a child-protection case for an adult is refused by the rule.
    let (_, cw) = app.user("cw.adult", "caseworker", "upazila:1");
    let adult = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_en": "Adult", "sex": "female", "date_of_birth": "1990-01-01"}))
        .send()
        .expect(201);
    let adult = adult.json["person"]["id"].as_str().unwrap().to_owned();
    // A person the caseworker may not see cannot be the subject of their case.
    let r = app
        .post("/api/v1/cases")
        .bearer(&cw)
        .json(&json!({"kind": "child_protection", "person_id": resident, "upazila_id": 1}))
        .send();
    assert_eq!(r.expect_problem(422, "validation_failed").json["errors"][0]["field"], "person_id");
    let r = app
        .post("/api/v1/cases")
        .bearer(&cw)
        .json(&json!({"kind": "child_protection", "person_id": adult, "upazila_id": 1}))
        .send();
    let r = r.expect_problem(422, "case-child-under-18-at-intake");
    assert_eq!(r.json["rule"], "case.child_under_18_at_intake");
    app.post("/api/v1/cases")
        .bearer(&s.staff)
        .json(&json!({"kind": "safe_home", "person_id": resident, "facility_id": s.facility}))
        .send()
        .expect_problem(422, "validation_failed");
}

#[test]
fn immediate_support_at_intake_with_a_reason_other_services_after_the_plan() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.cspb", "caseworker", "upazila:1");
    let born = (today() - Duration::days(365 * 9)).to_string();
    let child = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_en": "Mitu", "sex": "female", "date_of_birth": born}))
        .send()
        .expect(201)
        .json["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut case = app
        .post("/api/v1/cases")
        .bearer(&cw)
        .json(&json!({"kind": "child_protection", "person_id": child, "upazila_id": 1, "intake_on": day(-2)}))
        .send()
        .expect(201)
        .json;
    // Cash for food and counselling at intake, each with its reason.
    ok(
        &app,
        &cw,
        &mut case,
        "services",
        json!({"service": "financial_support", "given_on": day(-2), "provider": "CSPB",
        "value_taka": 1500, "immediate_support_reason": "no food at home"}),
    );
    ok(
        &app,
        &cw,
        &mut case,
        "services",
        json!({"service": "counselling", "given_on": day(-1), "provider": "CSPB",
        "immediate_support_reason": "counselling after abuse"}),
    );
    assert_eq!(case["status"], "intake");
    assert_eq!(case["record"]["services"][0]["immediate_support_reason"], "no food at home");
    // Without a reason, or a service that waits for the plan: refused by named rules.
    refused(
        &app,
        &cw,
        &mut case,
        "services",
        json!({"service": "food_and_shelter", "given_on": day(0), "provider": "CSPB"}),
        422,
        "service.immediate_support_reason",
    );
    refused(
        &app,
        &cw,
        &mut case,
        "services",
        json!({"service": "skills_training", "given_on": day(0), "provider": "CSPB",
        "immediate_support_reason": "wants to learn"}),
        409,
        "service.plan_approved",
    );
    // The pipeline counts the support given before any plan (seed 004: 51 financial support, 39 plans).
    let (_, integrator) = app.user("pull.cspb", "integrator", "national");
    let p = app
        .get(&format!("/api/v1/reports/case_pipeline?from={}&to={}", day(-3), day(0)))
        .bearer(&integrator)
        .send()
        .expect(200)
        .json["rows"][0]
        .clone();
    assert_eq!(
        (p["financial_support"].as_i64(), p["counselling"].as_i64(), p["case_plans"].as_i64()),
        (Some(1), Some(1), Some(0))
    );
}
