//! Helpline and outreach contacts: recorded with their categories and actions, protected like
//! a survivor's case (reads audited; where she was found shown only with the sensitive
//! permission or to whoever recorded it), able to open a case that shows where it came from;
//! and children served at service points counted per point, day and sex. Seed 003's service
//! point figures (DIC 14,884, ENS 5,229, CFS 4,578, OAS 23,617) come out of the report.

use chrono::{Duration, Utc};
use serde_json::{json, Value};
use sheba_tests::TestApp;

fn ago(days: i64) -> String {
    (Utc::now() - Duration::days(days)).to_rfc3339()
}

fn day(days_ago: i64) -> String {
    (domain::time::dhaka_date(Utc::now()) - Duration::days(days_ago)).to_string()
}

fn union_of(app: &TestApp, upazila: i32) -> i64 {
    let r = app.get(&format!("/api/v1/geo/unions?upazila_id={upazila}&limit=1")).send().expect(200);
    r.json["data"][0]["id"].as_i64().unwrap()
}

fn call(upazila: i32, union: i64) -> Value {
    json!({"channel": "child_helpline_1098", "contacted_at": ago(40), "reporter_relation": "neighbour",
           "reporter_name": "Anonymous caller", "reporter_phone": "+880 1712-000111",
           "client_sex": "female", "client_age_years": 14, "perpetrator_relation": "parent",
           "categories": ["child_marriage", "emotional_violence"], "actions": ["mobile_team_sent", "counselling"],
           "outcome": "resolved", "upazila_id": upazila, "union_id": union, "location_detail": "Behind the bazar mosque",
           "summary": "Marriage stopped with the UNO"})
}

#[test]
fn contacts_are_recorded_protected_and_may_open_a_case() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.helpline", "caseworker", "upazila:1");
    let (_, other) = app.user("cw.helpline2", "caseworker", "upazila:1");
    let (_, far) = app.user("cw.far", "caseworker", "upazila:2");
    let (_, hq) = app.user("hq.helpline", "hq_officer", "national");
    let union = union_of(&app, 1);

    let c = app.post("/api/v1/contacts").bearer(&cw).json(&call(1, union)).send().expect(201);
    let id = c.json["id"].as_str().unwrap().to_owned();
    assert_eq!(c.header("etag"), Some("\"1\""));
    assert_eq!(c.json["reporter_phone"], "01712000111");
    assert_eq!(c.json["location_visible"], true, "the recorder sees what she recorded");
    assert_eq!(
        (c.json["categories"][0].as_str(), c.json["category_labels"][0]["bn"].as_str()),
        (Some("child_marriage"), Some("বাল্যবিবাহ"))
    );
    assert_eq!(c.json["contacted_on"], day(40));

    // Bad input: each refused with its rule, nothing written.
    let bad = |patch: Value, status: u16, code: &str| {
        let mut body = call(1, union);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = app.post("/api/v1/contacts").bearer(&cw).json(&body).send().expect_problem(status, code);
        r.json
    };
    let r = bad(json!({"contacted_at": (Utc::now() + Duration::hours(2)).to_rfc3339()}), 422, "contact-when");
    assert_eq!(r["rule"], "contact.when");
    assert_eq!(bad(json!({"categories": []}), 422, "contact-categories")["rule"], "contact.categories");
    assert_eq!(bad(json!({"categories": ["neglect", "neglect"]}), 422, "contact-categories")["rule"], "contact.categories");
    assert_eq!(bad(json!({"actions": []}), 422, "contact-actions")["rule"], "contact.actions");
    assert_eq!(
        bad(json!({"actions": ["case_opened"]}), 422, "contact-case-opened-by-link")["rule"],
        "contact.case_opened_by_link"
    );
    bad(json!({"channel": "pigeon"}), 422, "validation_failed");
    bad(json!({"reporter_phone": "12345"}), 422, "validation_failed");
    bad(json!({"union_id": union_of(&app, 2)}), 422, "validation_failed");
    bad(json!({"upazila_id": 999_999}), 422, "validation_failed");
    app.post("/api/v1/contacts").bearer(&far).json(&call(1, union)).send().expect(403);
    let (_, integrator) = app.user("int.helpline", "integrator", "national");
    app.post("/api/v1/contacts").bearer(&integrator).json(&call(1, union)).send().expect(403);

    // Another caseworker of the upazila reads it without where she was or who called; HQ
    // (sensitive permission) sees it all; another upazila's caseworker cannot read it.
    let seen = app.get(&format!("/api/v1/contacts/{id}")).bearer(&other).send().expect(200).json;
    assert_eq!(seen["location_visible"], false);
    for hidden in ["union_id", "location_detail", "reporter_name", "reporter_phone", "perpetrator_relation"] {
        assert_eq!(seen[hidden], Value::Null, "{hidden} is hidden");
    }
    let full = app.get(&format!("/api/v1/contacts/{id}")).bearer(&hq).send().expect(200).json;
    assert_eq!((full["location_visible"].as_bool(), full["union_id"].as_i64()), (Some(true), Some(union)));
    app.get(&format!("/api/v1/contacts/{id}")).bearer(&far).send().expect(403);
    let listed =
        app.get("/api/v1/contacts?channel=child_helpline_1098&category=child_marriage").bearer(&other).send().expect(200);
    assert_eq!(listed.json["data"].as_array().unwrap().len(), 1);
    assert_eq!(listed.json["data"][0]["location_detail"], Value::Null);
    assert_eq!(app.get("/api/v1/contacts").bearer(&far).send().expect(200).json["data"].as_array().unwrap().len(), 0);
    app.get("/api/v1/contacts?category=weather").bearer(&cw).send().expect_problem(422, "validation_failed");
    // Each read of a contact is in the audit trail.
    let admin = app.admin();
    let reads = app.get(&format!("/api/v1/audit-events?action=contact.read&entity_id={id}")).bearer(&admin).send().expect(200);
    assert_eq!(reads.json["data"].as_array().unwrap().len(), 2, "the two reads allowed (a refused one wrote nothing)");

    // A walk-in about a child on record opens a case, which shows its source.
    let child = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_en": "Mina", "sex": "female", "age_years": 12, "union_id": union}))
        .send()
        .expect(201)
        .json["person"]["id"]
        .clone();
    let mut walk_in = call(1, union);
    walk_in["channel"] = json!("walk_in");
    walk_in["person_id"] = child.clone();
    walk_in["actions"] = json!(["counselling"]);
    walk_in["outcome"] = json!("follow_up");
    let contact = app.post("/api/v1/contacts").bearer(&cw).json(&walk_in).send().expect(201).json;
    let cid = contact["id"].as_str().unwrap().to_owned();
    let open = |person: &Value| {
        app.post("/api/v1/cases")
            .bearer(&cw)
            .json(&json!({"kind": "child_protection", "person_id": person, "upazila_id": 1, "source_contact_id": cid}))
            .send()
    };
    let other_child = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_en": "Rina", "sex": "female", "age_years": 10, "union_id": union}))
        .send()
        .expect(201)
        .json["person"]["id"]
        .clone();
    assert_eq!(open(&other_child).expect(422).json["rule"], "contact.case_person");
    let case = open(&child).expect(201).json;
    assert_eq!(case["source_contact_id"], cid.as_str());
    let linked = app.get(&format!("/api/v1/contacts/{cid}")).bearer(&cw).send().expect(200).json;
    assert_eq!(linked["case_id"], case["id"]);
    assert_eq!(linked["outcome"], "case_opened");
    assert!(linked["actions"].as_array().unwrap().iter().any(|a| a == "case_opened"));
    assert_eq!(open(&child).expect(409).json["rule"], "contact.one_case");
    let far_case = app
        .post("/api/v1/cases")
        .bearer(&far)
        .json(&json!({"kind": "child_protection", "person_id": child, "upazila_id": 2, "source_contact_id": id}))
        .send();
    assert!(far_case.status == 422, "another upazila cannot use the contact: {}", far_case.text);

    // The report: by channel and category, with what was done, counted on the day of the call.
    let report =
        app.get(&format!("/api/v1/reports/helpline_contacts?from={}&to={}", day(45), day(0))).bearer(&hq).send().expect(200).json;
    let rows = report["rows"].as_array().unwrap();
    let row =
        |channel: Value, category: Value| rows.iter().find(|r| r["channel"] == channel && r["category"] == category).cloned();
    let marriage = row(json!("child_helpline_1098"), json!("child_marriage")).unwrap();
    assert_eq!((marriage["contacts"].as_i64(), marriage["mobile_team_sent"].as_i64()), (Some(1), Some(1)));
    let walk_ins = row(json!("walk_in"), Value::Null).unwrap();
    assert_eq!((walk_ins["contacts"].as_i64(), walk_ins["case_opened"].as_i64()), (Some(1), Some(1)));
    let all = row(Value::Null, Value::Null).unwrap();
    assert_eq!(all["contacts"], 2, "each contact once, however many categories");
    let before =
        app.get(&format!("/api/v1/reports/helpline_contacts?from={}&to={}", day(30), day(0))).bearer(&hq).send().expect(200).json;
    assert_eq!(
        before["rows"].as_array().unwrap().last().unwrap()["contacts"],
        0,
        "counted on the day of the call, not of typing"
    );
}

#[test]
fn service_points_count_children_by_day_and_seed_003_fits() {
    let app = TestApp::new();
    let admin = app.admin();
    let (_, staff_token) = app.user("hq.points", "hq_officer", "national");
    let point = |name: &str, kind: &str| -> String {
        app.post("/api/v1/facilities")
            .bearer(&admin)
            .json(&json!({"name_en": name, "name_bn": name, "facility_type": kind, "upazila_id": 1,
                          "capacity_female": 100, "capacity_male": 100, "capacity_hijra": 0}))
            .send()
            .expect(201)
            .json["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let dic = point("Drop-in centre, Kamalapur", "drop_in_centre");
    let ens = point("Emergency night shelter, Sadarghat", "night_shelter");
    let cfs = point("Child-friendly space, Karail", "child_friendly_space");
    let oas = point("Open-air school, Kamalapur", "open_air_school");
    let home = point("Safe home", "safe_home");
    let (_, cw) = app.user("cw.points", "caseworker", "upazila:1");
    let (_, far) = app.user("cw.points.far", "caseworker", "upazila:2");

    // Seed 003: children served at each kind of point, spread over 40 days with girls and boys.
    let seed = [(&dic, 14_884), (&ens, 5_229), (&cfs, 4_578), (&oas, 23_617)];
    for (facility, total) in seed {
        let days = 40;
        for d in 0..days {
            let share = total / days + i64::from(d < total % days);
            let girls = share * 45 / 100;
            app.req("PUT", &format!("/api/v1/service-points/{facility}/days/{}", day(d + 1)))
                .bearer(&cw)
                .json(&json!({"girls": girls, "boys": share - girls}))
                .send()
                .expect(201);
        }
    }
    let report = app
        .get(&format!("/api/v1/reports/service_point_children?from={}&to={}", day(60), day(0)))
        .bearer(&staff_token)
        .send()
        .expect(200)
        .json;
    let rows = report["rows"].as_array().unwrap();
    for (facility, total) in seed {
        let r = rows.iter().find(|r| r["facility_id"] == facility.as_str()).unwrap();
        assert_eq!((r["children"].as_i64(), r["days"].as_i64()), (Some(total), Some(40)), "{r}");
        assert_eq!(r["girls"].as_i64().unwrap() + r["boys"].as_i64().unwrap(), total);
    }
    assert_eq!(rows.last().unwrap()["children"], 14_884 + 5_229 + 4_578 + 23_617);
    assert_eq!(rows.last().unwrap()["facility_id"], Value::Null);

    // A correction needs the day's ETag; the first count does not.
    let path = format!("/api/v1/service-points/{dic}/days/{}", day(1));
    app.req("PUT", &path).bearer(&cw).json(&json!({"girls": 1, "boys": 1})).send().expect_problem(428, "precondition_required");
    app.req("PUT", &path)
        .bearer(&cw)
        .header("If-Match", "\"7\"")
        .json(&json!({"girls": 1, "boys": 1}))
        .send()
        .expect_problem(412, "precondition_failed");
    let fixed = app
        .req("PUT", &path)
        .bearer(&cw)
        .header("If-Match", "\"1\"")
        .json(&json!({"girls": 200, "boys": 172, "hijra": 1}))
        .send();
    let fixed = fixed.expect(200);
    assert_eq!((fixed.json["children"].as_i64(), fixed.header("etag")), (Some(373), Some("\"2\"")));
    // Bad input.
    let tomorrow = (domain::time::dhaka_date(Utc::now()) + Duration::days(1)).to_string();
    let r = app
        .req("PUT", &format!("/api/v1/service-points/{dic}/days/{tomorrow}"))
        .bearer(&cw)
        .json(&json!({"girls": 1, "boys": 1}))
        .send()
        .expect(422);
    assert_eq!(r.json["rule"], "service_point.day");
    app.req("PUT", &format!("/api/v1/service-points/{dic}/days/{}", day(2)))
        .bearer(&cw)
        .json(&json!({"girls": -1, "boys": 1}))
        .send()
        .expect_problem(422, "validation_failed");
    app.req("PUT", &format!("/api/v1/service-points/{home}/days/{}", day(2)))
        .bearer(&cw)
        .json(&json!({"girls": 1, "boys": 1}))
        .send()
        .expect_rule(409, "service_point.not_a_service_point");
    app.req("PUT", &format!("/api/v1/service-points/{dic}/days/{}", day(2)))
        .bearer(&far)
        .json(&json!({"girls": 1, "boys": 1}))
        .send()
        .expect(403);
    let days =
        app.get(&format!("/api/v1/service-points/{dic}/days?from={}&to={}", day(3), day(0))).bearer(&cw).send().expect(200);
    assert_eq!(days.json.as_array().unwrap().len(), 3);
    assert_eq!(days.json[2]["children"], 373);
    app.get(&format!("/api/v1/service-points/{dic}/days?from={}&to={}", day(0), day(3)))
        .bearer(&cw)
        .send()
        .expect_problem(422, "validation_failed");
}

/// Every list of personal data leaves one audit row: who, the filter asked, the records
/// returned, and the request it answered.
#[test]
fn every_list_of_personal_data_is_on_record() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.lists", "caseworker", "upazila:1");
    let (_, hq) = app.user("hq.lists", "hq_officer", "national");
    let union = union_of(&app, 1);
    let c = app.post("/api/v1/contacts").bearer(&cw).json(&call(1, union)).send().expect(201);
    let contact = c.json["id"].as_str().unwrap().to_owned();

    let listed = app.get("/api/v1/contacts?channel=child_helpline_1098&limit=10").bearer(&hq).send().expect(200);
    assert_eq!(listed.json["data"][0]["id"], contact.as_str());
    let request = listed.header("x-request-id").unwrap().to_owned();
    let trail = app.get("/api/v1/audit-events?action=contact.list").bearer(&app.admin()).send().expect(200);
    let row = trail.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["request_id"] == request.as_str())
        .expect("the list is on record");
    assert_eq!(row["actor_label"], "hq.lists");
    assert_eq!(row["after"]["returned"], json!([contact]));
    assert_eq!(row["after"]["filter"]["channel"], "child_helpline_1098");
    assert_eq!(row["after"]["filter"]["limit"], 10);

    // The other lists of people, one row each, even when nothing comes back.
    for (path, action) in [
        ("/api/v1/hospital-patients", "hospital_patient.list"),
        ("/api/v1/supervisions", "supervision.list"),
        ("/api/v1/persons?name=Rahima", "person.list"),
        ("/api/v1/beneficiaries", "beneficiary.list"),
        ("/api/v1/applications", "application.list"),
        ("/api/v1/institution-stays", "institution_stay.list"),
        ("/api/v1/disability-records", "disability_record.list"),
        ("/api/v1/microcredit/loans", "loan.list"),
        ("/api/v1/cases", "case.list"),
    ] {
        let r = app.get(path).bearer(&hq).send().expect(200);
        let request = r.header("x-request-id").unwrap().to_owned();
        let trail = app.get(&format!("/api/v1/audit-events?action={action}")).bearer(&app.admin()).send().expect(200);
        let rows: Vec<&Value> =
            trail.json["data"].as_array().unwrap().iter().filter(|e| e["request_id"] == request.as_str()).collect();
        assert_eq!(rows.len(), 1, "{path}: one audit row for the request");
        assert!(rows[0]["after"]["returned"].is_array(), "{path}");
    }
    // A refused list writes nothing.
    let (_, committee) = app.user("committee.lists", "committee_member", "upazila:1");
    let before = app.get("/api/v1/audit-events?action=contact.list").bearer(&app.admin()).send().expect(200).json["data"]
        .as_array()
        .unwrap()
        .len();
    app.get("/api/v1/contacts").bearer(&committee).send().expect(403);
    let after = app.get("/api/v1/audit-events?action=contact.list").bearer(&app.admin()).send().expect(200).json["data"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
}
