//! The disability identification register: assessments (a later one supersedes, the earlier
//! is kept), identity cards printed once with dates in order, scope, and the cards report.

use chrono::Utc;
use serde_json::{json, Value};
use sheba_tests::TestApp;

fn days_ago(n: i64) -> String {
    (domain::time::dhaka_date(Utc::now()) - chrono::Duration::days(n)).to_string()
}

fn person(app: &TestApp, token: &str, name: &str, sex: &str) -> String {
    app.person(token, &json!({"name_en": name, "sex": sex, "age_years": 30, "union_id": 1}))
}

fn assess(app: &TestApp, token: &str, person: &str, kind: &str, upazila: i32) -> sheba_tests::Resp {
    app.post("/api/v1/disability-records")
        .bearer(token)
        .json(&json!({"person_id": person, "disability_type": kind, "severity": "moderate", "assessed_by": "Dr. Rahman",
                      "assessed_on": days_ago(30), "upazila_id": upazila}))
        .send()
}

fn card(app: &TestApp, token: &str, record: &Value, number: &str, printed: i64, issued: Option<i64>) -> sheba_tests::Resp {
    app.post(&format!("/api/v1/disability-records/{}/card", record["id"].as_str().unwrap()))
        .bearer(token)
        .header("If-Match", &format!("\"{}\"", record["version"]))
        .json(&json!({"card_number": number, "printed_on": days_ago(printed), "issued_on": issued.map(days_ago)}))
        .send()
}

#[test]
fn assessments_cards_and_the_cards_report() {
    let app = TestApp::new();
    let (_, officer) = app.user("dis.officer", "upazila_officer", "upazila:1");
    let (_, elsewhere) = app.user("dis.elsewhere", "upazila_officer", "upazila:2");
    let (_, auditor) = app.user("dis.auditor", "auditor", "district:1");
    let rahim = person(&app, &officer, "Rahim Uddin", "male");
    let salma = person(&app, &officer, "Salma Khatun", "female");
    assess(&app, &auditor, &rahim, "visual", 1).expect_problem(403, "role_lacks_permission");
    assess(&app, &elsewhere, &rahim, "visual", 1).expect_problem(403, "out_of_scope");
    assess(&app, &officer, &rahim, "telepathic", 1).expect_problem(422, "validation_failed");
    let future = app
        .post("/api/v1/disability-records")
        .bearer(&officer)
        .json(&json!({"person_id": rahim, "disability_type": "visual", "severity": "mild", "assessed_by": "x", "assessed_on": "2999-01-01", "upazila_id": 1}))
        .send();
    future.expect_problem(422, "disability-assessed-on");
    let first = assess(&app, &officer, &rahim, "visual", 1).expect(201).json;
    // A re-assessment supersedes the first, which is kept.
    let second = assess(&app, &officer, &rahim, "multiple", 1).expect(201).json;
    let old = app
        .get(&format!("/api/v1/disability-records/{}", first["id"].as_str().unwrap()))
        .bearer(&officer)
        .send()
        .expect(200)
        .json;
    assert_eq!(old["superseded_by"], second["id"]);
    let list = app.get(&format!("/api/v1/disability-records?person_id={rahim}")).bearer(&officer).send().expect(200).json;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    // Cards: number and dates checked, printed once, a number belongs to one record.
    card(&app, &officer, &second, "12", 10, None).expect_problem(422, "disability-card-number");
    card(&app, &officer, &second, "১২৩৪৫৬৭৮৯০", 10, Some(20)).expect_problem(422, "disability-card-dates");
    card(&app, &officer, &second, "1234567890", 40, None).expect_problem(422, "disability-card-dates");
    let carded = card(&app, &officer, &second, "১২৩৪৫৬৭৮৯০", 10, Some(5)).expect(200).json;
    assert_eq!(carded["card_number"], "1234567890");
    card(&app, &officer, &carded, "1234567899", 5, None).expect_problem(409, "disability-card-once");
    let salma_record = assess(&app, &officer, &salma, "hearing", 1).expect(201).json;
    card(&app, &officer, &salma_record, "1234567890", 5, None).expect_rule(409, "disability.card_number_taken");
    card(&app, &officer, &salma_record, "2234567890", 5, None).expect(200);
    // The report counts cards printed, by area, type and sex.
    let report = app.get("/api/v1/reports/disability_cards").bearer(&officer).send().expect(200).json;
    let total = report["rows"].as_array().unwrap().iter().find(|r| r["upazila_id"].is_null()).unwrap().clone();
    assert_eq!(
        (total["cards"].as_i64(), total["male"].as_i64(), total["female"].as_i64()),
        (Some(2), Some(1), Some(1)),
        "{report}"
    );
    app.assert_report_aggregates_exact();
}

/// Seed 004: "the ID cards of 6,175 persons with disabilities have been printed" by an urban
/// social services office (Khilgaon thana). Every assessment and card entered through the API,
/// four at a time, and the cards report gives the office's figure back.
#[test]
fn seed_004s_6175_cards_come_out_of_the_cards_report() {
    const CARDS: usize = 6175;
    let app = TestApp::new();
    let khilgaon = 1001;
    let (_, office) = app.user("dis.khilgaon", "upazila_officer", &format!("upazila:{khilgaon}"));
    let ward =
        app.get(&format!("/api/v1/geo/unions?upazila_id={khilgaon}&limit=1")).send().expect(200).json["data"][0]["id"].clone();
    let kinds = ["visual", "hearing", "multiple"];
    std::thread::scope(|s| {
        for worker in 0..4 {
            let (app, office, ward) = (&app, &office, &ward);
            s.spawn(move || {
                for n in (worker..CARDS).step_by(4) {
                    let sex = if n % 2 == 0 { "female" } else { "male" };
                    let person = app.person(
                        office,
                        &json!({"name_en": format!("Person {n}"), "sex": sex, "age_years": 20 + n % 50, "union_id": ward}),
                    );
                    let record = assess(app, office, &person, kinds[n % 3], khilgaon).expect(201).json;
                    card(app, office, &record, &format!("{}", 3_000_000_000u64 + n as u64), 10, Some(5)).expect(200);
                }
            });
        }
    });
    let report = app.get("/api/v1/reports/disability_cards").bearer(&office).send().expect(200).json;
    let rows = report["rows"].as_array().unwrap();
    let total = rows.iter().find(|r| r["upazila_id"].is_null()).unwrap();
    assert_eq!((total["cards"].as_i64(), total["female"].as_i64(), total["male"].as_i64()), (Some(6175), Some(3088), Some(3087)));
    for (i, kind) in kinds.iter().enumerate() {
        let row = rows.iter().find(|r| r["upazila_id"] == khilgaon && r["disability_type"] == *kind).unwrap();
        assert_eq!(row["cards"].as_u64(), Some((i..CARDS).step_by(3).count() as u64), "{kind}");
    }
    app.assert_report_aggregates_exact();
}
