//! Urban areas: city corporations, metropolitan thanas and wards stand where upazilas and
//! unions stand, so an urban office works unchanged; a national administrator adds, renames
//! and retires areas (audited, versioned, never deleted); and seed 004's old-age table, thana
//! by thana, comes out of the beneficiaries report.

use chrono::Utc;
use serde_json::{json, Value};
use sheba_tests::TestApp;

fn versioned(app: &TestApp, token: &str, method: &'static str, path: &str, version: &Value, body: Value) -> sheba_tests::Resp {
    app.req(method, path).bearer(token).header("If-Match", &format!("\"{version}\"")).json(&body).send()
}

/// Seed 004's eight Dhaka thanas, with the old age allowance beneficiaries of each.
const THANAS: [(i64, &str, &str, usize); 8] = [
    (1001, "Khilgaon", "খিলগাঁও", 1286),
    (1002, "Rampura", "রামপুরা", 681),
    (1003, "Sabujbagh", "সবুজবাগ", 706),
    (1004, "Mugda", "মুগদা", 462),
    (1005, "Badda", "বাড্ডা", 544),
    (1006, "Khilkhet", "খিলক্ষেত", 426),
    (1007, "Gulshan", "গুলশান", 381),
    (1008, "Banani", "বনানী", 734),
];

#[test]
fn thanas_and_city_corporations_are_listed_with_their_kind() {
    let app = TestApp::new();
    let thanas = app.all_pages("/api/v1/geo/upazilas?district_id=47&kind=city_thana", None);
    let names: Vec<(i64, &str, &str)> = thanas
        .iter()
        .map(|t| (t["id"].as_i64().unwrap(), t["name_en"].as_str().unwrap(), t["name_bn"].as_str().unwrap()))
        .collect();
    // Seed 004's eight, then the other Dhaka thanas from the licensed package.
    assert_eq!(names[..8], THANAS.iter().map(|(id, en, bn, _)| (*id, *en, *bn)).collect::<Vec<_>>());
    assert_eq!(names.len(), 18);
    assert!(names.contains(&(1009, "Dhanmondi", "ধানমন্ডি")) && names.contains(&(1015, "Mirpur", "মিরপুর")));
    assert!(thanas.iter().all(|t| t["kind"] == "city_thana" && t["city_corporation_id"].is_i64()));
    let rural = app.all_pages("/api/v1/geo/upazilas?district_id=47&kind=upazila", None);
    assert!(rural.iter().any(|u| u["name_en"] == "Savar") && rural.iter().all(|u| u["kind"] == "upazila"));
    let cities = app.all_pages("/api/v1/geo/city-corporations", None);
    assert_eq!(cities.len(), 12);
    assert!(cities.iter().any(|c| c["name_bn"] == "ঢাকা দক্ষিণ সিটি কর্পোরেশন"));
    app.get("/api/v1/geo/upazilas?kind=village").send().expect_problem(422, "validation_failed");
}

#[test]
fn a_national_administrator_adds_renames_and_retires_areas() {
    let app = TestApp::new();
    let admin = app.admin();
    let (_, district_admin) = app.user("geo.districtadmin", "system_admin", "district:47");
    let (_, officer) = app.user("geo.officer", "upazila_officer", "upazila:1001");
    let ward = json!({"upazila_id": 1001, "kind": "ward", "name_en": "Ward 1", "name_bn": "ওয়ার্ড ১"});
    app.post("/api/v1/geo/unions").bearer(&officer).json(&ward).send().expect_problem(403, "role_lacks_permission");
    app.post("/api/v1/geo/unions").bearer(&district_admin).json(&ward).send().expect_problem(403, "out_of_scope");
    let w1 = app.post("/api/v1/geo/unions").bearer(&admin).json(&ward).send().expect(201).json;
    assert_eq!((w1["kind"].as_str(), w1["upazila_id"].as_i64()), (Some("ward"), Some(1001)));
    assert!(w1["id"].as_i64().unwrap() > 10_000, "ids clear of the national dataset's");
    // At once in the lists this server holds in memory.
    let wards = app.all_pages("/api/v1/geo/unions?upazila_id=1001&kind=ward", None);
    assert_eq!(wards.len(), 1);
    // A thana needs its city corporation, of its own district.
    let thana = |city: Value| json!({"district_id": 47, "kind": "city_thana", "city_corporation_id": city, "name_en": "Bhashantek", "name_bn": "ভাষানটেক"});
    app.post("/api/v1/geo/upazilas").bearer(&admin).json(&thana(Value::Null)).send().expect_problem(422, "validation_failed");
    app.post("/api/v1/geo/upazilas").bearer(&admin).json(&thana(json!(3))).send().expect_problem(422, "validation_failed");
    let t = app.post("/api/v1/geo/upazilas").bearer(&admin).json(&thana(json!(1))).send().expect(201).json;
    let tid = t["id"].as_i64().unwrap();
    // The new thana works as an upazila at once: an officer scoped to it.
    app.user("geo.newthana", "upazila_officer", &format!("upazila:{tid}"));
    // Renamed with If-Match, versioned and audited.
    let w1id = w1["id"].as_i64().unwrap();
    versioned(&app, &admin, "PATCH", &format!("/api/v1/geo/unions/{w1id}"), &json!(7), json!({"name_en": "Ward 01"}))
        .expect_problem(412, "precondition_failed");
    let renamed =
        versioned(&app, &admin, "PATCH", &format!("/api/v1/geo/unions/{w1id}"), &w1["version"], json!({"name_en": "Ward 01"}))
            .expect(200)
            .json;
    assert_eq!(
        (renamed["name_en"].as_str(), renamed["name_bn"].as_str(), renamed["version"].as_i64()),
        (Some("Ward 01"), Some("ওয়ার্ড ১"), Some(2))
    );
    // Retired with a successor; never deleted, and not twice.
    let w2 = app
        .post("/api/v1/geo/unions")
        .bearer(&admin)
        .json(&json!({"upazila_id": 1001, "kind": "ward", "name_en": "Ward 2", "name_bn": "ওয়ার্ড ২"}))
        .send()
        .expect(201)
        .json;
    let path = format!("/api/v1/geo/unions/{w1id}/retirement");
    versioned(&app, &admin, "POST", &path, &renamed["version"], json!({"successor_id": w1id, "retired_on": "2026-07-01"}))
        .expect_problem(422, "area-successor");
    let retired = versioned(
        &app,
        &admin,
        "POST",
        &path,
        &renamed["version"],
        json!({"successor_id": w2["id"], "retired_on": "2026-07-01"}),
    )
    .expect(200)
    .json;
    assert_eq!((retired["retired_on"].as_str(), retired["successor_id"].as_i64()), (Some("2026-07-01"), w2["id"].as_i64()));
    versioned(&app, &admin, "POST", &path, &retired["version"], json!({"successor_id": w2["id"], "retired_on": "2026-07-01"}))
        .expect_problem(409, "area-retired");
    assert_eq!(app.all_pages("/api/v1/geo/unions?upazila_id=1001", None).len(), 2, "the retired ward is still listed");
    let audit = app.get("/api/v1/audit-events?entity_type=union").bearer(&admin).send().expect(200).json;
    let actions: Vec<&str> = audit["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"area.rename") && actions.contains(&"area.retire"), "{actions:?}");
}

fn wait_job(app: &TestApp, token: &str, location: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let job = app.get(location).bearer(token).send().expect(200).json;
        if job["status"] == "succeeded" {
            return job;
        }
        assert!(job["status"] != "failed", "{job}");
        assert!(std::time::Instant::now() < deadline, "job did not finish: {job}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Seed 004's per-thana old-age table (5,220 in all), entered as the urban office would (each
/// thana office imports its list into one of its wards), comes out of the allowance
/// beneficiaries report thana by thana.
#[test]
fn seed_004_old_age_beneficiaries_by_thana() {
    let app = TestApp::new();
    let admin = app.admin();
    let today = domain::time::dhaka_date(Utc::now());
    let seventy = (today - chrono::Duration::days(365 * 70 + 20)).to_string();
    let month = today.format("%Y-%m").to_string();
    for (thana, name, _, beneficiaries) in THANAS {
        let ward = app
            .post("/api/v1/geo/unions")
            .bearer(&admin)
            .json(&json!({"upazila_id": thana, "kind": "ward", "name_en": format!("{name} ward 1"), "name_bn": "ওয়ার্ড ১"}))
            .send()
            .expect(201)
            .json["id"]
            .as_i64()
            .unwrap();
        let (_, officer) = app.user(&format!("thana.officer.{thana}"), "upazila_officer", &format!("upazila:{thana}"));
        let mut csv = String::from(
            "name_en,name_bn,sex,date_of_birth,nid,birth_registration_number,mobile,union_id,programme,start_month,payment_provider,account_number,education_level\n",
        );
        for i in 0..beneficiaries {
            let sex = if i % 3 == 0 { "male" } else { "female" };
            csv.push_str(&format!("{name} Elder {i},,{sex},{seventy},,,,{ward},old_age,{month},,,\n"));
        }
        let r = app
            .post("/api/v1/imports/beneficiaries")
            .bearer(&officer)
            .header("Content-Type", "text/csv")
            .raw(csv)
            .send()
            .expect(202);
        let job = wait_job(&app, &officer, r.header("location").unwrap());
        assert_eq!(job["result"]["imported"].as_u64(), Some(beneficiaries as u64), "{}", job["result"]["errors"][0]);
    }
    let (_, hq) = app.user("thana.hq", "hq_officer", "national");
    let report = app.get("/api/v1/reports/allowance_beneficiaries?district_id=47").bearer(&hq).send().expect(200).json;
    let mut total = 0;
    for (thana, name, _, beneficiaries) in THANAS {
        let n: i64 = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["upazila_id"] == thana && r["programme"] == "old_age")
            .map(|r| r["beneficiaries"].as_i64().unwrap())
            .sum();
        assert_eq!(n, beneficiaries as i64, "{name}");
        total += n;
    }
    assert_eq!(total, 5_220);
    let programme_total =
        report["rows"].as_array().unwrap().iter().find(|r| r["upazila_id"].is_null() && r["programme"] == "old_age").unwrap();
    assert_eq!(programme_total["beneficiaries"], 5_220);
    app.assert_report_aggregates_exact();
}
