//! Hospital social services: a poor patient's request, its assessment, aid in typed items
//! (burn treatment only for burn victims, within a limit, dated), closure, a burn victim's
//! referral for a rehabilitation loan, audited reads, and the report of patients helped and
//! money spent by hospital and month.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

fn today() -> NaiveDate {
    domain::time::dhaka_date(Utc::now())
}

fn act(app: &TestApp, token: &str, p: &Value, action: &str, body: Value) -> Resp {
    let id = p["id"].as_str().unwrap();
    app.post(&format!("/api/v1/hospital-patients/{id}/{action}"))
        .bearer(token)
        .header("If-Match", &format!("\"{}\"", p["version"]))
        .json(&body)
        .send()
}

#[test]
fn patients_are_assessed_aided_and_counted_by_hospital_and_month() {
    let app = TestApp::new();
    let admin = app.admin();
    let office = |name: &str, kind: &str| -> String {
        app.post("/api/v1/facilities")
            .bearer(&admin)
            .json(&json!({"name_en": name, "name_bn": name, "facility_type": kind, "upazila_id": 1,
                          "capacity_female": 0, "capacity_male": 0, "capacity_hijra": 0}))
            .send()
            .expect(201)
            .json["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let dmch = office("Dhaka Medical College Hospital", "hospital_social_services");
    let other = office("Another hospital", "hospital_social_services");
    let home = office("Safe home", "safe_home");
    let (_, staff) = app.user("hss.staff", "facility_staff", &format!("facility:{dmch}"));
    let (_, elsewhere) = app.user("hss.other", "facility_staff", &format!("facility:{other}"));
    let (_, upz) = app.user("hss.upz", "upazila_officer", "upazila:1");
    let (_, far) = app.user("hss.far", "upazila_officer", "upazila:2");
    let person = |name: &str| {
        app.post("/api/v1/persons")
            .bearer(&staff)
            .json(&json!({"name_en": name, "sex": "female", "age_years": 30}))
            .send()
            .expect(201)
            .json["person"]["id"]
            .clone()
    };
    // The first day of the month before last, and of last month.
    let m2 = today().with_day(1).unwrap() - chrono::Months::new(1);
    let m1 = m2 - chrono::Months::new(1);
    let request = |p: &Value, burn: bool| {
        app.post("/api/v1/hospital-patients")
            .bearer(&staff)
            .json(&json!({"facility_id": dmch, "person_id": p, "requested_on": m1, "ailment": "Burns to both arms", "burn_victim": burn}))
            .send()
    };
    let mut burned = request(&person("Rahima"), true).expect(201).json;
    assert_eq!((burned["status"].as_str(), burned["version"].as_i64()), (Some("requested"), Some(1)));
    let refused = |r: Resp, status: u16, rule: &str| {
        let r = r.expect(status);
        assert_eq!(r.json["rule"], rule, "{}", r.text);
    };
    let aid = |items: Value, on: NaiveDate| json!({"given_on": on, "items": items});
    refused(
        act(&app, &staff, &burned, "aid", aid(json!([{"kind": "medicine", "amount_taka": 100}]), m1)),
        409,
        "hospital.assessed_first",
    );
    let assessment = |eligible: bool| json!({"assessed_on": m1, "assessed_by": "Hospital social services officer", "eligible": eligible, "household_income_taka": 6000});
    burned = act(&app, &staff, &burned, "assessment", assessment(true)).expect(200).json;
    refused(act(&app, &staff, &burned, "assessment", assessment(true)), 409, "hospital.assess_once");
    burned = act(
        &app,
        &staff,
        &burned,
        "aid",
        aid(json!([{"kind": "burn_treatment", "description": "Dressings and grafts", "amount_taka": 20000}, {"kind": "medicine", "amount_taka": 1500}]), m1),
    )
    .expect(200)
    .json;
    assert_eq!((burned["aid_taka"].as_i64(), burned["aid"].as_array().unwrap().len()), (Some(21_500), 2));
    burned = act(&app, &staff, &burned, "aid", aid(json!([{"kind": "transport", "amount_taka": 500}]), m2)).expect(200).json;
    refused(
        act(&app, &staff, &burned, "aid", aid(json!([{"kind": "surgery", "amount_taka": 200_000}]), m2)),
        409,
        "hospital.aid_limit",
    );
    refused(
        act(&app, &staff, &burned, "aid", aid(json!([{"kind": "medicine", "amount_taka": 10}]), today() + Duration::days(1))),
        422,
        "hospital.aid_date",
    );
    act(&app, &staff, &burned, "aid", aid(json!([{"kind": "medicine", "amount_taka": 0}]), m2))
        .expect_problem(422, "validation_failed");
    act(&app, &staff, &burned, "aid", aid(json!([{"kind": "magic", "amount_taka": 5}]), m2))
        .expect_problem(422, "validation_failed");
    act(
        &app,
        &staff,
        &json!({"id": burned["id"], "version": 1}),
        "aid",
        aid(json!([{"kind": "medicine", "amount_taka": 5}]), m2),
    )
    .expect_problem(412, "precondition_failed");

    // Someone not burned: no burn treatment; she is tested and given cash.
    let mut sick = request(&person("Kulsum"), false).expect(201).json;
    sick = act(&app, &staff, &sick, "assessment", assessment(true)).expect(200).json;
    refused(
        act(&app, &staff, &sick, "aid", aid(json!([{"kind": "burn_treatment", "amount_taka": 100}]), m2)),
        422,
        "hospital.burn_only",
    );
    sick = act(
        &app,
        &staff,
        &sick,
        "aid",
        aid(json!([{"kind": "diagnostic_test", "amount_taka": 3000}, {"kind": "cash", "amount_taka": 2000}]), m2),
    )
    .expect(200)
    .json;
    refused(act(&app, &staff, &sick, "rehabilitation-referral", json!({"on": m2})), 409, "hospital.rehabilitation");
    // Someone who does not qualify gets nothing.
    let mut declined = request(&person("Jahanara"), false).expect(201).json;
    declined = act(&app, &staff, &declined, "assessment", assessment(false)).expect(200).json;
    assert_eq!(declined["status"], "declined");
    refused(
        act(&app, &staff, &declined, "aid", aid(json!([{"kind": "food", "amount_taka": 100}]), m2)),
        409,
        "hospital.assessed_first",
    );
    declined = act(&app, &staff, &declined, "closure", json!({"on": m2})).expect(200).json;
    act(&app, &staff, &declined, "closure", json!({"on": m2})).expect_rule(409, "hospital.request_closed");

    // The burn victim goes on to a rehabilitation loan, once.
    burned = act(&app, &staff, &burned, "rehabilitation-referral", json!({"on": m2})).expect(200).json;
    assert_eq!(burned["rehabilitation_referred_on"], m2.to_string());
    refused(act(&app, &staff, &burned, "rehabilitation-referral", json!({"on": m2})), 409, "hospital.rehabilitation");

    // Requests are taken at hospital offices only, by their staff or the upazila office.
    app.post("/api/v1/hospital-patients")
        .bearer(&upz)
        .json(&json!({"facility_id": home, "person_id": burned["person_id"], "requested_on": m1, "ailment": "x"}))
        .send()
        .expect_rule(409, "hospital.not_a_hospital_office");
    let id = burned["id"].as_str().unwrap().to_owned();
    app.get(&format!("/api/v1/hospital-patients/{id}")).bearer(&elsewhere).send().expect(403);
    app.get(&format!("/api/v1/hospital-patients/{id}")).bearer(&far).send().expect(403);
    let seen = app.get(&format!("/api/v1/hospital-patients/{id}")).bearer(&upz).send().expect(200).json;
    assert_eq!(seen["aid"].as_array().unwrap().len(), 3);
    let reads =
        app.get(&format!("/api/v1/audit-events?action=hospital_patient.read&entity_id={id}")).bearer(&admin).send().expect(200);
    assert_eq!(reads.json["data"].as_array().unwrap().len(), 1, "the read is audited");
    let burn_list = app.get("/api/v1/hospital-patients?burn_victim=true").bearer(&staff).send().expect(200).json;
    assert_eq!(burn_list["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get("/api/v1/hospital-patients").bearer(&elsewhere).send().expect(200).json["data"].as_array().unwrap().len(),
        0
    );

    // The report: by hospital and month; the total counts each patient once.
    let (_, integrator) = app.user("int.hss", "integrator", "national");
    let r =
        app.get(&format!("/api/v1/reports/hospital_aid?from={m1}&to={}", today())).bearer(&integrator).send().expect(200).json;
    let rows = r["rows"].as_array().unwrap();
    let row = |month: Value| rows.iter().find(|x| x["month"] == month).unwrap().clone();
    let first = row(json!(m1.to_string()));
    assert_eq!(first["facility_name_en"], "Dhaka Medical College Hospital");
    let measures = |r: &Value| {
        ["patients", "aid_items", "burn_treatment_taka", "medicine_taka", "tests_taka", "cash_taka", "other_taka", "amount_taka"]
            .map(|m| r[m].as_i64().unwrap())
    };
    assert_eq!(measures(&first), [1, 2, 20_000, 1_500, 0, 0, 0, 21_500]);
    assert_eq!(measures(&row(json!(m2.to_string()))), [2, 3, 0, 0, 3_000, 2_000, 500, 5_500]);
    assert_eq!(measures(&row(Value::Null)), [2, 5, 20_000, 1_500, 3_000, 2_000, 500, 27_000]);
    assert!(!r.to_string().contains("Rahima"), "no personal data");
    app.assert_report_aggregates_exact();
}
