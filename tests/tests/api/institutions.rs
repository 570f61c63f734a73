//! Institutions: admission by each institution's rules (ages, sex, places, one institution
//! at a time), the work queue's warning before a Chotomoni Nibash child turns 6, transfer to
//! a Shishu Paribar keeping her history, departures (ageing out only with a rehabilitation
//! plan), and residents per institution and sex at each month's end.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use sheba_tests::TestApp;

fn today() -> NaiveDate {
    domain::time::dhaka_date(Utc::now())
}

/// The day `years` years and `days` days before today.
fn born(years: i32, days: i64) -> NaiveDate {
    let t = today();
    NaiveDate::from_ymd_opt(t.year() - years, t.month(), t.day().min(28)).unwrap() - Duration::days(days)
}

#[test]
fn residents_are_admitted_transferred_and_leave_by_the_rules() {
    let app = TestApp::new();
    let admin = app.admin();
    let place = |name: &str, kind: &str, (female, male): (i32, i32)| -> String {
        app.post("/api/v1/facilities")
            .bearer(&admin)
            .json(&json!({"name_en": name, "name_bn": name, "facility_type": kind, "upazila_id": 1,
                          "capacity_female": female, "capacity_male": male, "capacity_hijra": 0}))
            .send()
            .expect(201)
            .json["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let chotomoni = place("Chotomoni Nibash, Dhaka", "chotomoni_nibash", (10, 10));
    let girls_home = place("Shishu Paribar (girls), Tejgaon", "shishu_paribar", (3, 0));
    let safe_home = place("Safe home", "safe_home", (10, 0));
    let (_, staff) = app.user("cn.staff", "facility_staff", &format!("facility:{chotomoni}"));
    let (_, district) = app.user("dist.inst", "district_officer", "district:1");
    let (_, upazila) = app.user("upz.inst", "upazila_officer", "upazila:1");
    let union = app.get("/api/v1/geo/unions?upazila_id=1&limit=1").send().expect(200).json["data"][0]["id"].as_i64().unwrap();
    let person = |token: &str, name: &str, sex: &str, dob: NaiveDate| -> String {
        app.post("/api/v1/persons")
            .bearer(token)
            .json(&json!({"name_en": name, "sex": sex, "date_of_birth": dob, "union_id": union}))
            .send()
            .expect(201)
            .json["person"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let admit = |token: &str, facility: &str, person: &str, on: NaiveDate| {
        app.post("/api/v1/institution-stays")
            .bearer(token)
            .json(&json!({"facility_id": facility, "person_id": person, "admitted_on": on}))
            .send()
    };
    let refused = |r: sheba_tests::Resp, status: u16, rule: &str| {
        let r = r.expect(status);
        assert_eq!(r.json["rule"], rule, "{}", r.text);
    };
    // Asha turns 6 in ten days; Farida turned 6 five days ago: both came to Chotomoni small.
    let asha = person(&staff, "Asha", "female", born(6, -10));
    let farida = person(&staff, "Farida", "female", born(6, 5));
    let asha_stay = admit(&staff, &chotomoni, &asha, today() - Duration::days(365 * 3)).expect(201).json;
    let asha_sixth = (born(6, -10) + chrono::Months::new(72)).to_string();
    assert_eq!(asha_stay["leaves_on"], asha_sixth.as_str(), "leaves Chotomoni at 6");
    let farida_stay = admit(&staff, &chotomoni, &farida, today() - Duration::days(365 * 4)).expect(201).json;
    // The Shishu Paribar admits 6 to 9 year olds, girls here, three places.
    let bina = person(&upazila, "Bina", "female", born(7, 0));
    let dolly = person(&upazila, "Dolly", "female", born(8, 0));
    let gita = person(&upazila, "Gita", "female", born(18, 30));
    let rafiq = person(&upazila, "Rafiq", "male", born(7, 0));
    let eva = person(&upazila, "Eva", "female", born(7, 0));
    refused(admit(&district, &chotomoni, &bina, today()), 422, "institution.age");
    refused(admit(&district, &girls_home, &rafiq, today()), 422, "institution.sex");
    refused(admit(&district, &girls_home, &asha, today() - Duration::days(365 * 3)), 409, "institution.one_place");
    refused(admit(&district, &safe_home, &bina, today()), 422, "institution.kind");
    admit(&district, &girls_home, &bina, today()).expect(201);
    let dolly_stay = admit(&district, &girls_home, &dolly, today()).expect(201).json;
    let gita_stay = admit(&district, &girls_home, &gita, today() - Duration::days(365 * 10)).expect(201).json;
    refused(admit(&district, &girls_home, &eva, today()), 409, "institution.full");
    admit(&staff, &girls_home, &eva, today()).expect(403);
    admit(&district, &girls_home, &eva, today() + Duration::days(1)).expect_problem(422, "validation_failed");

    // The work queue warns Chotomoni's staff before Asha turns 6 (and Farida, who has).
    let queue = app.get("/api/v1/work-queue").bearer(&staff).send().expect(200).json;
    let due: Vec<(&str, &str)> = queue["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["task"] == "institution_age_limit")
        .map(|i| (i["stay_id"].as_str().unwrap(), i["due_on"].as_str().unwrap()))
        .collect();
    assert!(due.contains(&(asha_stay["id"].as_str().unwrap(), asha_sixth.as_str())), "{queue}");
    assert!(due.iter().any(|(id, _)| *id == farida_stay["id"].as_str().unwrap()));

    // Departures: a move is a transfer; ageing out needs the limit and a plan.
    let depart = |stay: &Value, body: Value| {
        let id = stay["id"].as_str().unwrap();
        app.post(&format!("/api/v1/institution-stays/{id}/departure"))
            .bearer(&district)
            .header("If-Match", &format!("\"{}\"", stay["version"]))
            .json(&body)
            .send()
    };
    refused(depart(&dolly_stay, json!({"on": today(), "reason": "transferred"})), 422, "institution.transfer_by_move");
    refused(
        depart(&dolly_stay, json!({"on": today(), "reason": "aged_out", "rehabilitation_plan": "x"})),
        422,
        "institution.rehabilitation_plan",
    );
    let left =
        depart(&dolly_stay, json!({"on": today(), "reason": "reintegrated", "notes": "Aunt in Narsingdi"})).expect(200).json;
    depart(&left, json!({"on": today(), "reason": "other"})).expect_rule(409, "institution.stay_ended");
    refused(depart(&gita_stay, json!({"on": today(), "reason": "aged_out"})), 422, "institution.rehabilitation_plan");
    depart(
        &gita_stay,
        json!({"on": today(), "reason": "aged_out", "rehabilitation_plan": "Garment job in Gazipur, hostel arranged"}),
    )
    .expect(200);

    // Farida moves to the Shishu Paribar; the new stay names the old one; her history has both.
    let transfer = |token: &str, stay: &Value, to: &str| {
        let id = stay["id"].as_str().unwrap();
        app.post(&format!("/api/v1/institution-stays/{id}/transfer"))
            .bearer(token)
            .header("If-Match", &format!("\"{}\"", stay["version"]))
            .json(&json!({"to_facility_id": to, "on": today()}))
            .send()
    };
    transfer(&staff, &farida_stay, &girls_home).expect(403);
    refused(transfer(&district, &asha_stay, &girls_home), 422, "institution.age");
    let moved = transfer(&district, &farida_stay, &girls_home).expect(200);
    assert_eq!(moved.json["transferred_from"], farida_stay["id"]);
    let new_id = moved.json["id"].as_str().unwrap().to_owned();
    assert_eq!(moved.header("location").unwrap(), format!("/api/v1/institution-stays/{new_id}"));
    transfer(&district, &farida_stay, &girls_home).expect_problem(412, "precondition_failed");
    let detail = app.get(&format!("/api/v1/institution-stays/{new_id}")).bearer(&district).send().expect(200).json;
    let history: Vec<(&str, Option<&str>)> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["facility_id"].as_str().unwrap(), s["leave_reason"].as_str()))
        .collect();
    assert_eq!(history, vec![(chotomoni.as_str(), Some("transferred")), (girls_home.as_str(), None)]);
    app.get(&format!("/api/v1/institution-stays/{new_id}")).bearer(&staff).send().expect(403);
    let current =
        app.get(&format!("/api/v1/institution-stays?facility_id={girls_home}&current=true")).bearer(&district).send().expect(200);
    assert_eq!(current.json["data"].as_array().unwrap().len(), 2, "Bina and Farida");

    // Residents at the end of this month: the girls' home has Bina and Farida; it admitted
    // Bina, Dolly and Farida this month, and Dolly and Gita left.
    let (_, integrator) = app.user("int.inst", "integrator", "national");
    let month_start = today().with_day(1).unwrap();
    let r = app
        .get(&format!("/api/v1/reports/institution_residents?from={month_start}&to={}", today()))
        .bearer(&integrator)
        .send()
        .expect(200)
        .json;
    let row = |facility: &str| r["rows"].as_array().unwrap().iter().find(|x| x["facility_id"] == facility).unwrap().clone();
    let home = row(&girls_home);
    let measures = |x: &Value| ["female", "male", "residents", "admitted", "departed"].map(|m| x[m].as_i64().unwrap());
    assert_eq!(measures(&home), [2, 0, 2, 3, 2]);
    assert_eq!(measures(&row(&chotomoni)), [1, 0, 1, 0, 1], "Asha stays; Farida left for the Shishu Paribar");
    assert_eq!(home["facility_type"], "shishu_paribar");
    app.assert_report_aggregates_exact();
}
