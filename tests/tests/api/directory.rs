//! The service directory: entries kept by the district office (create with Idempotency-Key,
//! update and retire with If-Match, bad inputs refused by field or named rule, another
//! district's officer refused), read within scope, listed with filters; referrals and
//! immediate support naming an entry (retired or not giving the service: refused; free text
//! still works); the referrals report counting by entry.

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

fn today() -> NaiveDate {
    domain::time::dhaka_date(Utc::now())
}

fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

/// Upazilas 1 and 2 lie in district 1 (Comilla, division 1); upazila 18 in district 2 (Feni).
fn hospital() -> Value {
    json!({"name_en": "Upazila Health Complex, Debidwar", "name_bn": "উপজেলা স্বাস্থ্য কমপ্লেক্স, দেবিদ্বার", "kind": "hospital",
           "services": ["health", "legal_aid", "health"], "languages": ["en", "bn"], "district_id": 1, "upazila_id": 1,
           "phone": "+880 1712-345678", "email": "uhc.debidwar@example.org", "address": "Debidwar, Comilla"})
}

fn create(app: &TestApp, token: &str, body: &Value) -> Resp {
    app.post("/api/v1/directory-entries").bearer(token).json(body).send()
}

fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

#[track_caller]
fn field_refused(r: Resp, field: &str) {
    let r = r.expect_problem(422, "validation_failed");
    assert!(
        r.json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"].as_str().is_some_and(|f| f == field || f.starts_with(&format!("{field}[")))),
        "{}",
        r.text
    );
}

fn change(app: &TestApp, token: &str, entry: &Value, path: &str, method: &'static str, body: &Value) -> Resp {
    let id = entry["id"].as_str().unwrap();
    app.req(method, &format!("/api/v1/directory-entries/{id}{path}"))
        .bearer(token)
        .header("If-Match", &format!("\"{}\"", entry["version"]))
        .json(body)
        .send()
}

fn ids(list: &Value) -> Vec<String> {
    list["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_district_office_keeps_its_directory_and_case_workers_read_it() {
    let app = TestApp::new();
    let (_, officer) = app.user("dir.comilla", "district_officer", "district:1");
    let (_, feni) = app.user("dir.feni", "district_officer", "district:2");
    let (_, cw) = app.user("dir.cw", "caseworker", "upazila:2");
    let (_, cw_feni) = app.user("dir.cw.feni", "caseworker", "upazila:18");
    let (_, upazila_officer) = app.user("dir.upz", "upazila_officer", "upazila:1");

    // Bad inputs: each refused by its field or rule, nothing written.
    field_refused(create(&app, &officer, &with(hospital(), "phone", json!("12345"))), "phone");
    field_refused(create(&app, &officer, &with(hospital(), "email", json!("not an email"))), "email");
    field_refused(create(&app, &officer, &with(hospital(), "upazila_id", json!(18))), "upazila_id");
    field_refused(
        create(&app, &officer, &with(with(hospital(), "district_id", json!(9999)), "upazila_id", Value::Null)),
        "district_id",
    );
    field_refused(
        create(&app, &officer, &with(with(hospital(), "district_id", Value::Null), "upazila_id", Value::Null)),
        "district_id",
    );
    field_refused(create(&app, &officer, &with(hospital(), "name_bn", json!("   "))), "name_bn");
    field_refused(create(&app, &officer, &with(hospital(), "address", json!(" "))), "address");
    field_refused(create(&app, &officer, &with(hospital(), "services", json!([]))), "services");
    field_refused(create(&app, &officer, &with(hospital(), "kind", json!("casino"))), "kind");
    field_refused(create(&app, &officer, &with(hospital(), "languages", json!(["klingon"]))), "languages");
    // Writes need the district office's permission in the entry's district.
    create(&app, &feni, &hospital()).expect_problem(403, "out_of_scope");
    create(&app, &cw, &hospital()).expect_problem(403, "role_lacks_permission");
    create(&app, &upazila_officer, &hospital()).expect_problem(403, "role_lacks_permission");
    let none = app.get("/api/v1/directory-entries?include_retired=true").bearer(&officer).send().expect(200).json;
    assert!(ids(&none).is_empty(), "nothing half-written: {none}");

    // Created once under an Idempotency-Key; a retry replays it.
    let first = app
        .post("/api/v1/directory-entries")
        .bearer(&officer)
        .header("Idempotency-Key", "dir-create-1")
        .json(&hospital())
        .send()
        .expect(201);
    let entry = first.json.clone();
    assert_eq!(first.header("etag"), Some("\"1\""));
    let replay = app
        .post("/api/v1/directory-entries")
        .bearer(&officer)
        .header("Idempotency-Key", "dir-create-1")
        .json(&hospital())
        .send()
        .expect(201);
    assert_eq!(replay.json["id"], entry["id"]);
    assert_eq!(entry["phone"], "01712345678", "phones are kept as Sheba keeps mobiles");
    assert_eq!(entry["services"], json!(["legal_aid", "health"]), "each once, in the list's order");
    assert_eq!(entry["languages"], json!(["bn", "en"]));
    assert_eq!(entry["kind_label"]["bn"], "হাসপাতাল বা ক্লিনিক");
    assert_eq!(entry["division_id"], 1);
    let ngo = create(
        &app,
        &officer,
        &json!({"name_en": "BNWLA Comilla", "name_bn": "বিএনডব্লিউএলএ কুমিল্লা", "kind": "ngo", "services": ["counselling", "legal_aid"],
                "languages": ["bn", "chakma"], "district_id": 1, "address": "Kandirpar, Comilla"}),
    )
    .expect(201)
    .json;
    assert!(ngo["upazila_id"].is_null(), "serves the whole district");

    // Read within scope: an upazila's caseworker reads its district's directory, not Feni's.
    let id = entry["id"].as_str().unwrap();
    let got = app.get(&format!("/api/v1/directory-entries/{id}")).bearer(&cw).send().expect(200);
    assert_eq!(got.header("etag"), Some("\"1\""));
    app.get(&format!("/api/v1/directory-entries/{id}")).bearer(&cw_feni).send().expect_problem(403, "out_of_scope");
    assert!(ids(&app.get("/api/v1/directory-entries").bearer(&cw_feni).send().expect(200).json).is_empty());
    app.get("/api/v1/directory-entries").bearer(&app.user("dir.int", "integrator", "district:1").1).send().expect(403);

    // Filters: service, kind, language, upazila (its own entries and the district's).
    let list = |q: &str| ids(&app.get(&format!("/api/v1/directory-entries?{q}")).bearer(&cw).send().expect(200).json);
    let (h, n) = (entry["id"].as_str().unwrap().to_owned(), ngo["id"].as_str().unwrap().to_owned());
    assert_eq!(list(""), vec![h.clone(), n.clone()], "in the order listed");
    assert_eq!(list("service=legal_aid"), vec![h.clone(), n.clone()]);
    assert_eq!(list("service=counselling"), vec![n.clone()]);
    assert_eq!(list("kind=hospital"), vec![h.clone()]);
    assert_eq!(list("language=chakma"), vec![n.clone()]);
    assert_eq!(list("upazila_id=1"), vec![h.clone(), n.clone()]);
    assert_eq!(list("upazila_id=2"), vec![n.clone()]);
    assert_eq!(list("district_id=2"), Vec::<String>::new());
    assert_eq!(list("limit=1").len(), 1);
    let page1 = app.get("/api/v1/directory-entries?limit=1").bearer(&cw).send().expect(200).json;
    let cursor = page1["next_cursor"].as_str().unwrap();
    assert_eq!(list(&format!("limit=1&cursor={cursor}")), vec![n.clone()]);
    app.get("/api/v1/directory-entries?service=magic").bearer(&cw).send().expect_problem(422, "validation_failed");
    app.get("/api/v1/directory-entries?limit=201").bearer(&cw).send().expect(422);

    // Update: If-Match required and checked; another district's officer refused.
    let moved = with(hospital(), "phone", json!("01812345678"));
    app.req("PUT", &format!("/api/v1/directory-entries/{id}")).bearer(&officer).json(&moved).send().expect(428);
    change(&app, &feni, &entry, "", "PUT", &moved).expect_problem(403, "out_of_scope");
    change(&app, &officer, &json!({"id": id, "version": 7}), "", "PUT", &moved).expect_problem(412, "precondition_failed");
    field_refused(change(&app, &officer, &entry, "", "PUT", &with(hospital(), "phone", json!("0171"))), "phone");
    // Moving it to Feni needs the Feni office too.
    change(&app, &officer, &entry, "", "PUT", &with(with(hospital(), "district_id", Value::Null), "upazila_id", json!(18)))
        .expect_problem(403, "out_of_scope");
    let updated = change(&app, &officer, &entry, "", "PUT", &moved).expect(200);
    assert_eq!(updated.header("etag"), Some("\"2\""));
    let updated = updated.json;
    assert_eq!((updated["phone"].as_str(), updated["version"].as_i64()), (Some("01812345678"), Some(2)));

    // Retire: dated (not in the future, not before it was listed), with a reason, once.
    let retire = |on: String, reason: &str| json!({"retired_on": on, "reason": reason});
    change(&app, &officer, &updated, "/retirement", "POST", &retire(day(1), "closed")).expect_rule(422, "directory.retired_on");
    change(&app, &officer, &updated, "/retirement", "POST", &retire(day(-1), "closed")).expect_rule(422, "directory.retired_on");
    field_refused(change(&app, &officer, &updated, "/retirement", "POST", &retire(day(0), "  ")), "reason");
    change(&app, &officer, &entry, "/retirement", "POST", &retire(day(0), "closed")).expect_problem(412, "precondition_failed");
    change(&app, &feni, &updated, "/retirement", "POST", &retire(day(0), "closed")).expect_problem(403, "out_of_scope");
    let retired = change(&app, &officer, &updated, "/retirement", "POST", &retire(day(0), "The complex moved")).expect(200).json;
    assert_eq!(
        (retired["retired_on"].as_str(), retired["retired_reason"].as_str()),
        (Some(day(0).as_str()), Some("The complex moved"))
    );
    change(&app, &officer, &retired, "/retirement", "POST", &retire(day(0), "again")).expect_rule(409, "directory.retired");
    change(&app, &officer, &retired, "", "PUT", &hospital()).expect_rule(409, "directory.retired");
    // It stays: readable, listed on request, and its history is in the audit trail.
    app.get(&format!("/api/v1/directory-entries/{id}")).bearer(&cw).send().expect(200);
    assert_eq!(list(""), vec![n.clone()]);
    assert_eq!(list("include_retired=true"), vec![h.clone(), n.clone()]);
    let (_, auditor) = app.user("dir.auditor", "auditor", "national");
    let trail = app.get(&format!("/api/v1/audit-events?entity_id={id}")).bearer(&auditor).send().expect(200).json;
    let actions: Vec<&str> = trail["data"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for action in ["directory.create", "directory.update", "directory.retire"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
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

#[test]
fn referrals_name_open_entries_that_give_the_service_and_the_report_counts_them() {
    let app = TestApp::new();
    let (_, officer) = app.user("ref.district", "district_officer", "district:1");
    let (_, cw) = app.user("ref.cw", "caseworker", "upazila:1");
    let (_, reader) = app.user("ref.upz", "upazila_officer", "upazila:1");
    let uhc = create(&app, &officer, &hospital()).expect(201).json;
    let gone = create(
        &app,
        &officer,
        &with(with(hospital(), "name_en", json!("Old clinic")), "services", json!(["health", "counselling"])),
    )
    .expect(201)
    .json;
    let gone =
        change(&app, &officer, &gone, "/retirement", "POST", &json!({"retired_on": day(0), "reason": "closed"})).expect(200).json;
    let (h, g) = (uhc["id"].as_str().unwrap(), gone["id"].as_str().unwrap());

    let born = (today() - Duration::days(365 * 10)).to_string();
    let child = app.person(&cw, &json!({"name_en": "Mitu", "sex": "female", "date_of_birth": born}));
    let mut case = app
        .post("/api/v1/cases")
        .bearer(&cw)
        .json(&json!({"kind": "child_protection", "person_id": child, "upazila_id": 1, "intake_on": day(-10)}))
        .send()
        .expect(201)
        .json;
    // Immediate support at intake may name an entry: it must give the service and be open.
    act(
        &app,
        &cw,
        &mut case,
        "services",
        json!({"service": "counselling", "given_on": day(0), "provider": "Old clinic",
        "immediate_support_reason": "after abuse", "directory_entry_id": g}),
    )
    .expect_rule(409, "directory.entry_retired");
    act(
        &app,
        &cw,
        &mut case,
        "services",
        json!({"service": "counselling", "given_on": day(-9), "provider": "UHC",
        "immediate_support_reason": "after abuse", "directory_entry_id": h}),
    )
    .expect_rule(422, "directory.service_not_given");
    act(
        &app,
        &cw,
        &mut case,
        "services",
        json!({"service": "counselling", "given_on": day(-9), "provider": "Old clinic",
        "immediate_support_reason": "after abuse", "directory_entry_id": g}),
    )
    .expect(200);
    assert_eq!(case["record"]["services"][0]["directory_entry_id"], g, "before its retirement it could take the child");
    act(
        &app,
        &cw,
        &mut case,
        "risk-assessment",
        json!({"level": "high", "categories": ["street_child"], "assessed_on": day(-8)}),
    )
    .expect(200);
    act(&app, &cw, &mut case, "consents", json!({"purpose": "referral", "given_by": "mother", "given_on": day(-8)})).expect(200);

    // Referrals: a retired entry, one that does not give the service, an unknown one, none at all.
    let refer = |service: &str, on: String, entry: Option<&str>, text: Option<&str>| json!({"service": service, "referred_on": on, "directory_entry_id": entry, "to_organisation": text});
    let version = case["version"].clone();
    act(&app, &cw, &mut case, "referrals", refer("health", day(0), Some(g), None)).expect_rule(409, "directory.entry_retired");
    act(&app, &cw, &mut case, "referrals", refer("education", day(-1), Some(h), None))
        .expect_rule(422, "directory.service_not_given");
    field_refused(
        act(&app, &cw, &mut case, "referrals", refer("health", day(-1), Some("01936f5e-0000-7000-8000-0000000000ff"), None)),
        "directory_entry_id",
    );
    field_refused(act(&app, &cw, &mut case, "referrals", refer("health", day(-1), None, None)), "to_organisation");
    assert_eq!(case["version"], version, "refusals change nothing");
    // Named by the directory (the text defaults to its name), back-dated before a retirement,
    // or in free text for a one-off provider.
    act(&app, &cw, &mut case, "referrals", refer("health", day(-1), Some(h), None)).expect(200);
    act(&app, &cw, &mut case, "referrals", refer("legal_aid", day(-1), Some(h), Some("UHC legal desk"))).expect(200);
    act(&app, &cw, &mut case, "referrals", refer("health", day(-2), Some(g), None)).expect(200);
    act(&app, &cw, &mut case, "referrals", refer("health", day(-1), None, Some("Dr. Karim's chamber"))).expect(200);
    let referrals = case["record"]["referrals"].as_array().unwrap();
    assert_eq!(referrals.len(), 4);
    assert_eq!(referrals[0]["directory_entry_id"], h);
    assert_eq!(referrals[0]["to_organisation"], "Upazila Health Complex, Debidwar");
    assert_eq!(referrals[1]["to_organisation"], "UHC legal desk");
    assert!(referrals[3].get("directory_entry_id").is_none_or(Value::is_null));
    assert_eq!(referrals[3]["to_organisation"], "Dr. Karim's chamber");

    // The report: by district, service and entry (free text as `other`), with subtotals.
    let report = app
        .get(&format!("/api/v1/reports/referrals_by_provider?from={}&to={}", day(-30), day(0)))
        .bearer(&reader)
        .send()
        .expect(200)
        .json;
    let rows = report["rows"].as_array().unwrap();
    let count = |service: Value, provider: Value| {
        rows.iter()
            .find(|r| r["service"] == service && r["provider"] == provider && (service.is_null() || r["district_id"] == 1))
            .map(|r| r["referrals"].as_i64().unwrap())
    };
    assert_eq!(count(json!("health"), json!(h)), Some(1), "{report}");
    assert_eq!(count(json!("health"), json!(g)), Some(1), "{report}");
    assert_eq!(count(json!("health"), json!("other")), Some(1), "{report}");
    assert_eq!(count(json!("legal_aid"), json!(h)), Some(1), "{report}");
    assert_eq!(count(json!("health"), Value::Null), Some(3), "the district's health subtotal: {report}");
    assert_eq!(count(Value::Null, Value::Null), Some(4), "the total: {report}");
    let named = rows.iter().find(|r| r["provider"] == h).unwrap();
    assert_eq!(named["provider_name_bn"], "উপজেলা স্বাস্থ্য কমপ্লেক্স, দেবিদ্বার");
    // No personal data: neither the child nor the case appears.
    assert!(!report.to_string().contains(case["id"].as_str().unwrap()));
    // Public release hides the small counts.
    let public = app
        .get(&format!("/api/v1/reports/referrals_by_provider?from={}&to={}&suppress_small_cells=true", day(-30), day(0)))
        .bearer(&reader)
        .send()
        .expect(200)
        .json;
    assert!(public["rows"].as_array().unwrap().iter().all(|r| r["referrals"].is_null() || r["referrals"] == 0), "{public}");
}
