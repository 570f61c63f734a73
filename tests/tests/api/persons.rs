//! People on record: identifiers in Bangla or ASCII digits, duplicates, bilingual search.

use serde_json::json;
use sheba_tests::TestApp;

#[test]
fn identifiers_are_normalised_and_unique() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.persons", "caseworker", "upazila:1");
    let r = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_bn": "রহিমা খাতুন", "name_en": "Rahima Khatun", "sex": "female", "date_of_birth": "2000-01-15",
                      "nid": "১৯৯০ ১২৩৪ ৫৬", "mobile": "+880 1712-345678", "union_id": 1}))
        .send()
        .expect(201);
    let p = &r.json["person"];
    assert_eq!(p["nid"], "1990123456");
    assert_eq!(p["mobile"], "01712345678");
    assert_eq!((p["division_id"].as_i64(), p["district_id"].as_i64(), p["upazila_id"].as_i64()), (Some(1), Some(1), Some(1)));
    assert_eq!(p["sex_label"]["bn"], "নারী");
    let id = p["id"].as_str().unwrap().to_owned();
    // The same NID typed in ASCII: refused, pointing at the existing person.
    let dup = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_en": "R. Khatun", "sex": "female", "date_of_birth": "2000-01-15", "nid": "1990123456"}))
        .send()
        .expect_problem(409, "person_identifier_exists");
    assert_eq!(dup.json["existing_id"], id);
    // Same name and birth date, no identifier: recorded, listed as a possible duplicate.
    let r = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_en": "rahima khatun", "sex": "female", "date_of_birth": "2000-01-15"}))
        .send()
        .expect(201);
    assert_eq!(r.json["possible_duplicates"][0]["id"], id);
}

#[test]
fn bad_person_fields_are_422_with_every_field() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.bad", "caseworker", "upazila:1");
    let r = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"sex": "unknown", "nid": "12345", "birth_registration_number": "12", "mobile": "0123", "nationality": "Bangladesh"}))
        .send()
        .expect_problem(422, "validation_failed");
    let fields: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["sex", "name_bn", "date_of_birth", "nid", "birth_registration_number", "mobile", "nationality"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    app.post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_en": "X", "sex": "male", "age_years": 9, "union_id": 999999}))
        .send()
        .expect_problem(422, "validation_failed");
    let r = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_en": "Age Only", "sex": "male", "age_years": 9}))
        .send()
        .expect(201);
    assert_eq!(r.json["person"]["date_of_birth_estimated"], true);
}

#[test]
fn search_by_bangla_or_english_name_and_by_identifier_within_scope() {
    let app = TestApp::new();
    let (_, cw1) = app.user("cw.one", "caseworker", "upazila:1");
    let (_, cw2) = app.user("cw.two", "caseworker", "upazila:2");
    app.post("/api/v1/persons")
        .bearer(&cw1)
        .json(&json!({"name_bn": "মোঃ করিম মিয়া", "name_en": "Md Karim Mia", "sex": "male", "date_of_birth": "2012-03-01", "birth_registration_number": "20121234567890123", "union_id": 1}))
        .send()
        .expect(201);
    let find = |token: &str, q: &str| {
        app.get(&format!("/api/v1/persons?{q}")).bearer(token).send().expect(200).json["data"].as_array().unwrap().len()
    };
    assert_eq!(find(&cw1, "name=karim"), 1, "English, case-insensitive, partial");
    assert_eq!(find(&cw1, &format!("name={}", "%E0%A6%95%E0%A6%B0%E0%A6%BF%E0%A6%AE")), 1, "Bangla: করিম");
    assert_eq!(find(&cw1, "identifier=20121234567890123"), 1);
    assert_eq!(find(&cw1, "name=nobody"), 0);
    assert_eq!(find(&cw1, "date_of_birth=2012-03-01"), 1);
    assert_eq!(find(&cw1, "date_of_birth=2012-03-02"), 0);
    assert_eq!(find(&cw1, "name=karim&date_of_birth=2012-03-01"), 1);
    // Another upazila's caseworker does not see people of upazila 1 they did not record.
    assert_eq!(find(&cw2, "name=karim"), 0);
    app.get("/api/v1/persons").bearer(&cw1).send().expect_problem(422, "validation_failed");
    let (_, integrator) = app.user("dss-pull", "integrator", "national");
    app.get("/api/v1/persons?name=karim").bearer(&integrator).send().expect_problem(403, "role_lacks_permission");
}

#[test]
fn a_person_is_corrected_with_if_match_and_identifiers_stay_unique() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.edit", "caseworker", "upazila:1");
    let create =
        |body: serde_json::Value| app.post("/api/v1/persons").bearer(&cw).json(&body).send().expect(201).json["person"].clone();
    let a = create(json!({"name_en": "Ayesha", "sex": "female", "age_years": 30, "mobile": "01712345678"}));
    create(json!({"name_en": "Other", "sex": "female", "date_of_birth": "1980-01-01", "nid": "1980123456"}));
    let path = format!("/api/v1/persons/{}", a["id"].as_str().unwrap());
    let patch =
        |etag: &str, body: serde_json::Value| app.req("PATCH", &path).bearer(&cw).header("If-Match", etag).json(&body).send();
    app.req("PATCH", &path).bearer(&cw).json(&json!({"name_bn": "আয়েশা"})).send().expect_problem(428, "precondition_required");
    let r = patch(
        "\"1\"",
        json!({"name_bn": "আয়েশা", "nid": "১৯৯৬১২৩৪৫৬", "mobile": null, "date_of_birth": "1996-02-02", "union_id": 1}),
    )
    .expect(200);
    assert_eq!(r.json["name_bn"], "আয়েশা");
    assert_eq!(r.json["name_en"], "Ayesha", "left out: kept");
    assert_eq!(r.json["mobile"], serde_json::Value::Null, "null: cleared");
    assert_eq!(r.json["nid"], "1996123456");
    assert_eq!(r.json["date_of_birth_estimated"], false);
    assert_eq!(r.json["upazila_id"], 1);
    assert_eq!(r.header("etag"), Some("\"2\""));
    // Searched by the name it now has (আয়েশা), not only the one it was recorded with.
    let found =
        |q: &str| app.get(&format!("/api/v1/persons?{q}")).bearer(&cw).send().expect(200).json["data"].as_array().unwrap().len();
    assert_eq!(found("name=%E0%A6%86%E0%A6%AF%E0%A6%BC%E0%A7%87%E0%A6%B6%E0%A6%BE"), 1);
    assert_eq!(found("name=ayesha"), 1);
    // Searched by the birth date it now has, no longer by the estimated one.
    assert_eq!(found("date_of_birth=1996-02-02"), 1);
    assert_eq!(found(&format!("date_of_birth={}", a["date_of_birth"].as_str().unwrap())), 0);
    patch("\"2\"", json!({"name_en": "Ayesha Begum"})).expect(200);
    assert_eq!(found("name=begum"), 1, "renamed");
    patch("\"3\"", json!({"name_en": "Ayesha"})).expect(200);
    assert_eq!(found("name=begum"), 0, "the old name is gone from the index");
    patch("\"1\"", json!({"name_en": "Late writer"})).expect_problem(412, "precondition_failed");
    let dup = patch("\"4\"", json!({"nid": "1980123456"})).expect_problem(409, "person_identifier_exists");
    assert!(dup.json["existing_id"].is_string());
    patch("\"4\"", json!({"name_en": null, "name_bn": null})).expect_problem(422, "validation_failed");
    patch("\"4\"", json!({"date_of_birth": "2999-01-01"})).expect_problem(422, "validation_failed");
    assert_eq!(app.get(&path).bearer(&cw).send().expect(200).json["version"], 4, "refused changes changed nothing");
}
