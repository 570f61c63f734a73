//! Households and relationships: one household at a time (in the domain and in the database),
//! dated moves, relationships read from both sides, scope, paging, the person's page, the
//! income per head that eligibility reads, and the child a CCT transfer is for.

use chrono::Utc;
use diesel::RunQueryDsl;
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

fn days_ago(n: i64) -> String {
    (domain::time::dhaka_date(Utc::now()) - chrono::Duration::days(n)).to_string()
}

fn person(app: &TestApp, token: &str, name: &str, sex: &str, age: u32) -> String {
    app.person(token, &json!({"name_en": name, "sex": sex, "age_years": age, "union_id": 1}))
}

fn household(app: &TestApp, token: &str, union: i32, head: &str, income: Option<i64>) -> Resp {
    app.post("/api/v1/households")
        .bearer(token)
        .json(&json!({"union_id": union, "address": "Village Subil", "head_person_id": head, "joined_on": days_ago(400),
                      "monthly_income_taka": income}))
        .send()
}

fn add(app: &TestApp, token: &str, household: &str, person: &str, relation: &str, joined: &str) -> Resp {
    app.post(&format!("/api/v1/households/{household}/members"))
        .bearer(token)
        .json(&json!({"person_id": person, "relation": relation, "joined_on": joined}))
        .send()
}

fn move_out(app: &TestApp, token: &str, household: &Value, person: &str, left: &str) -> Resp {
    app.post(&format!("/api/v1/households/{}/members/{person}/move-out", household["id"].as_str().unwrap()))
        .bearer(token)
        .header("If-Match", &format!("\"{}\"", household["version"]))
        .json(&json!({"left_on": left}))
        .send()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn field_error(r: Resp, field: &str) {
    let r = r.expect_problem(422, "validation_failed");
    assert!(r.json["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{}", r.text);
}

#[test]
fn one_household_at_a_time_and_dated_moves() {
    let app = TestApp::new();
    let (_, officer) = app.user("hh.officer", "upazila_officer", "upazila:1");
    let (_, elsewhere) = app.user("hh.elsewhere", "upazila_officer", "upazila:171");
    let (_, auditor) = app.user("hh.auditor", "auditor", "district:1");
    let salma = person(&app, &officer, "Salma Begum", "female", 32);
    let rina = person(&app, &officer, "Rina Akter", "female", 10);
    let karim = person(&app, &officer, "Karim Mia", "male", 40);
    // Bad input first: an income out of bounds, a future joining day, an unknown union.
    household(&app, &officer, 1, &salma, Some(-5)).expect_rule(422, "household.monthly_income");
    let future = app
        .post("/api/v1/households")
        .bearer(&officer)
        .json(&json!({"union_id": 1, "address": "x", "head_person_id": salma, "joined_on": "2999-01-01"}))
        .send();
    field_error(future, "joined_on");
    field_error(household(&app, &officer, 999_999, &salma, None), "union_id");
    household(&app, &auditor, 1, &salma, None).expect_problem(403, "role_lacks_permission");
    household(&app, &elsewhere, 1, &salma, None).expect_problem(403, "out_of_scope");
    // A person the user may not see is not made anyone's head.
    field_error(household(&app, &elsewhere, 1513, &salma, None), "head_person_id");

    let first = household(&app, &officer, 1, &salma, Some(6000)).expect(201);
    assert_eq!(first.header("etag"), Some("\"1\""));
    let first = first.json;
    assert_eq!((first["upazila_id"].as_i64(), first["member_count"].as_u64()), (Some(1), Some(1)));
    assert_eq!(first["members"][0]["relation"], "head");
    let h1 = id(&first);
    let first = add(&app, &officer, &h1, &rina, "daughter", &days_ago(300)).expect(201).json;
    assert_eq!((first["version"].as_i64(), first["member_count"].as_u64()), (Some(2), Some(2)));
    add(&app, &officer, &h1, &rina, "daughter", &days_ago(300)).expect_rule(409, "household.already_member");
    add(&app, &officer, &h1, &karim, "head", &days_ago(300)).expect_rule(409, "household.second_head");
    field_error(add(&app, &officer, &h1, &karim, "spouse", "2999-01-01"), "joined_on");
    add(&app, &officer, &h1, &karim, "cousin", &days_ago(3)).expect_problem(422, "validation_failed");
    // A head already in a household does not found another, and a member is not taken in twice.
    household(&app, &officer, 1, &rina, None).expect_rule(409, "household.one_at_a_time");
    let second = household(&app, &officer, 1, &karim, None).expect(201).json;
    let h2 = id(&second);
    add(&app, &officer, &h2, &rina, "daughter", &days_ago(5)).expect_rule(409, "household.one_at_a_time");

    // The database holds the rule too, whatever a racing writer's check saw.
    let raced = diesel::sql_query(format!(
        "INSERT INTO household_members (id, household_id, person_id, relation, joined_on)
         VALUES (uuid_v7(), '{h2}', '{rina}', 'daughter', current_date)"
    ))
    .execute(&mut app.db());
    assert!(raced.unwrap_err().to_string().contains("household_members_one_at_a_time_idx"));

    // Moving out: If-Match, not in the future, not before joining, only a member.
    let stale = json!({"id": h1, "version": 1});
    move_out(&app, &officer, &stale, &rina, &days_ago(10)).expect(412);
    field_error(move_out(&app, &officer, &first, &rina, "2999-01-01"), "left_on");
    field_error(move_out(&app, &officer, &first, &rina, &days_ago(301)), "left_on");
    move_out(&app, &officer, &first, &karim, &days_ago(10)).expect_rule(409, "household.not_member");
    move_out(&app, &elsewhere, &first, &rina, &days_ago(10)).expect_problem(403, "out_of_scope");
    let moved = move_out(&app, &officer, &first, &rina, &days_ago(10)).expect(200);
    assert_eq!(moved.header("etag"), Some("\"3\""));
    let moved = moved.json;
    assert_eq!(moved["member_count"], 1);
    let rina_there = moved["members"].as_array().unwrap().iter().find(|m| m["person_id"] == rina.as_str()).unwrap().clone();
    assert_eq!(rina_there["left_on"], days_ago(10));
    // Then joining another works, from the day she left (not before).
    field_error(add(&app, &officer, &h2, &rina, "daughter", &days_ago(11)), "joined_on");
    let second = add(&app, &officer, &h2, &rina, "daughter", &days_ago(10)).expect(201).json;
    assert_eq!(second["member_count"], 2);

    // Reading: the household in scope, 403 outside it, 404 for none.
    let read = app.get(&format!("/api/v1/households/{h2}")).bearer(&officer).send().expect(200);
    assert_eq!(read.header("etag"), Some("\"2\""));
    app.get(&format!("/api/v1/households/{h2}")).bearer(&elsewhere).send().expect_problem(403, "out_of_scope");
    app.get(&format!("/api/v1/households/{h2}")).bearer(&auditor).send().expect_problem(403, "role_lacks_permission");
    app.get(&format!("/api/v1/households/{}", uuid::Uuid::now_v7())).bearer(&officer).send().expect(404);
    add(&app, &elsewhere, &h2, &salma, "other_relative", &days_ago(1)).expect_problem(403, "out_of_scope");

    // The person's page shows where she lives now.
    let page = app.get(&format!("/api/v1/persons/{rina}")).bearer(&officer).send().expect(200).json;
    assert_eq!(page["household"]["household_id"], h2.as_str(), "{page}");
    assert_eq!(page["household"]["relation"], "daughter");
    assert_eq!(page["household"]["head_person_id"], karim.as_str());
    assert_eq!(page["name_en"], "Rina Akter", "the record itself is still there");
    let salma_page = app.get(&format!("/api/v1/persons/{salma}")).bearer(&officer).send().expect(200).json;
    assert_eq!(salma_page["household"]["relation"], "head");
    assert_eq!(salma_page["household"]["member_count"], 1);
}

#[test]
fn relationships_read_from_both_sides() {
    let app = TestApp::new();
    let (_, officer) = app.user("rel.officer", "upazila_officer", "upazila:1");
    let (_, elsewhere) = app.user("rel.elsewhere", "upazila_officer", "upazila:171");
    let mother = person(&app, &officer, "Salma Begum", "female", 32);
    let child = person(&app, &officer, "Rina Akter", "female", 10);
    let relate = |token: &str, who: &str, related: &str, kind: &str| {
        app.post(&format!("/api/v1/persons/{who}/relationships"))
            .bearer(token)
            .json(&json!({"related_person_id": related, "kind": kind}))
            .send()
    };
    relate(&officer, &child, &child, "mother").expect_rule(422, "relationship.self");
    relate(&officer, &child, &mother, "aunt").expect_problem(422, "validation_failed");
    relate(&elsewhere, &child, &mother, "mother").expect(404);
    let made = relate(&officer, &child, &mother, "mother").expect(201).json;
    assert_eq!((made["person_id"].as_str(), made["related_person_id"].as_str()), (Some(child.as_str()), Some(mother.as_str())));
    relate(&officer, &child, &mother, "mother").expect_rule(409, "relationship.duplicate");
    relate(&officer, &mother, &child, "mother").expect_rule(409, "relationship.duplicate");
    relate(&officer, &child, &mother, "guardian").expect(201);
    // From the child's side her mother, from the mother's her child (and her ward).
    let kids = app.get(&format!("/api/v1/persons/{mother}/relationships")).bearer(&officer).send().expect(200).json;
    let seen: Vec<(&str, &str)> = kids["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["person_id"].as_str().unwrap(), r["relation"].as_str().unwrap()))
        .collect();
    assert_eq!(seen, vec![(child.as_str(), "child"), (child.as_str(), "ward")]);
    let page = app.get(&format!("/api/v1/persons/{child}")).bearer(&officer).send().expect(200).json;
    let relations: Vec<&str> = page["relations"].as_array().unwrap().iter().map(|r| r["relation"].as_str().unwrap()).collect();
    assert_eq!(relations, vec!["mother", "guardian"], "{page}");
    assert_eq!(page["relations"][0]["name_en"], "Salma Begum");
    // Names only of people the reader may see: the child's father lives in another upazila,
    // whose officer sees him and that he has a child, but not her name.
    let father = app.person(&officer, &json!({"name_en": "Far Father", "sex": "male", "age_years": 40, "union_id": 1513}));
    relate(&officer, &child, &father, "father").expect(201);
    relate(&elsewhere, &father, &child, "sibling").expect_problem(422, "validation_failed");
    let far = app.get(&format!("/api/v1/persons/{father}")).bearer(&elsewhere).send().expect(200).json;
    assert_eq!(far["relations"][0]["person_id"], child.as_str(), "{far}");
    assert_eq!(far["relations"][0]["relation"], "child");
    assert!(far["relations"][0]["name_en"].is_null(), "{far}");
    let near = app.get(&format!("/api/v1/persons/{father}")).bearer(&officer).send().expect(200).json;
    assert_eq!(near["relations"][0]["name_en"], "Rina Akter");
    assert!(page["household"].is_null());
    app.get(&format!("/api/v1/persons/{child}/relationships")).bearer(&elsewhere).send().expect(404);
    // Ending: If-Match, a day not in the future, once; then it may be recorded again.
    let end = |r: &Value, on: &str| {
        app.post(&format!("/api/v1/relationships/{}/end", r["id"].as_str().unwrap()))
            .bearer(&officer)
            .header("If-Match", &format!("\"{}\"", r["version"]))
            .json(&json!({"ended_on": on}))
            .send()
    };
    field_error(end(&made, "2999-01-01"), "ended_on");
    let ended = end(&made, &days_ago(1)).expect(200).json;
    assert_eq!(ended["ended_on"], days_ago(1));
    end(&made, &days_ago(1)).expect(412);
    end(&ended, &days_ago(1)).expect_rule(409, "relationship.ended");
    let in_force =
        app.get(&format!("/api/v1/persons/{child}/relationships?in_force=true")).bearer(&officer).send().expect(200).json;
    assert_eq!(in_force["data"].as_array().unwrap().len(), 2, "the guardian and the father");
    relate(&officer, &child, &mother, "mother").expect(201);
}

#[test]
fn households_list_in_pages_within_scope() {
    let app = TestApp::new();
    let (_, officer) = app.user("list.officer", "upazila_officer", "upazila:1");
    let (_, elsewhere) = app.user("list.elsewhere", "upazila_officer", "upazila:171");
    let (_, district) = app.user("list.district", "district_officer", "district:1");
    let mut made = vec![];
    for n in 0..5 {
        let head = person(&app, &officer, &format!("Head {n}"), "female", 40);
        made.push(id(&household(&app, &officer, 1, &head, Some(1000 * n)).expect(201).json));
    }
    let other_head = app.person(&elsewhere, &json!({"name_en": "Far Away", "sex": "male", "age_years": 50, "union_id": 1513}));
    let far = id(&household(&app, &elsewhere, 1513, &other_head, None).expect(201).json);
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/households?limit=2&cursor={c}"),
            None => "/api/v1/households?limit=2".to_owned(),
        };
        let page = app.get(&path).bearer(&officer).send().expect(200).json;
        pages += 1;
        seen.extend(page["data"].as_array().unwrap().iter().map(id));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!((pages, &seen), (3, &made), "in creation order, each once, nothing from elsewhere");
    let by_union = app.get("/api/v1/households?union_id=1&limit=200").bearer(&district).send().expect(200).json;
    assert_eq!(by_union["data"].as_array().unwrap().len(), 5);
    let theirs = app.get("/api/v1/households?upazila_id=171").bearer(&officer).send().expect(200).json;
    assert!(theirs["data"].as_array().unwrap().is_empty(), "a filter does not widen the scope");
    let national = app.user("list.hq", "hq_officer", "national").1;
    let all = app.get("/api/v1/households?upazila_id=171").bearer(&national).send().expect(200).json;
    assert_eq!(all["data"][0]["id"], far.as_str());
    field_error(app.get("/api/v1/households?limit=201").bearer(&officer).send(), "limit");
    app.get("/api/v1/households?cursor=nonsense").bearer(&officer).send().expect(400);
}

#[test]
fn the_disability_allowance_reads_the_household_income_per_head() {
    let app = TestApp::new();
    let (_, officer) = app.user("elig.officer", "upazila_officer", "upazila:1");
    let rahim = person(&app, &officer, "Rahim Uddin", "male", 30);
    app.post("/api/v1/disability-records")
        .bearer(&officer)
        .json(&json!({"person_id": rahim, "disability_type": "visual", "severity": "severe", "assessed_by": "Dr. Rahman",
                      "assessed_on": days_ago(30), "upazila_id": 1}))
        .send()
        .expect(201);
    let check = || {
        let r = app
            .post("/api/v1/eligibility/check")
            .bearer(&officer)
            .json(&json!({"person_id": rahim, "programmes": ["disability"]}))
            .send()
            .expect(200)
            .json;
        r["results"][0].clone()
    };
    let before = check();
    assert_eq!(before["verdict"], "needs_verification", "no household yet: {before}");
    // Tk 3,000 a month is Tk 36,000 a year: alone, not below the 36,000 a head.
    let h = household(&app, &officer, 1, &rahim, Some(3000)).expect(201).json;
    let alone = check();
    assert_eq!(alone["verdict"], "ineligible", "{alone}");
    assert_eq!(alone["reasons"][0]["code"], "income_per_head_above_ceiling");
    // A second member halves it.
    let wife = person(&app, &officer, "Amina Khatun", "female", 28);
    add(&app, &officer, &id(&h), &wife, "spouse", &days_ago(10)).expect(201);
    assert_eq!(check()["verdict"], "eligible");
    // What the records say wins over what a client declares.
    let declared = app
        .post("/api/v1/eligibility/check")
        .bearer(&officer)
        .json(
            &json!({"person_id": rahim, "programmes": ["disability"], "facts": {"family_income_taka": 900000, "family_size": 1}}),
        )
        .send()
        .expect(200)
        .json;
    assert_eq!(declared["results"][0]["verdict"], "eligible");
    // As of a day before the wife joined, the household was one.
    let then = app
        .post("/api/v1/eligibility/check")
        .bearer(&officer)
        .json(&json!({"person_id": rahim, "programmes": ["disability"], "as_of": days_ago(20)}))
        .send()
        .expect(200)
        .json;
    assert_eq!(then["results"][0]["verdict"], "ineligible", "{then}");
    assert_eq!(then["results"][0]["reasons"][0]["code"], "income_per_head_above_ceiling");
}

#[test]
fn a_cct_beneficiary_shows_the_child_and_her_carers() {
    let app = TestApp::new();
    let (_, district) = app.user("cct.district", "district_officer", "district:1");
    let (_, officer) = app.user("cct.officer", "upazila_officer", "upazila:1");
    let fy = domain::allowance::FiscalYear::of(domain::time::dhaka_date(Utc::now())).to_string();
    for programme in ["cct", "old_age"] {
        app.req("PUT", "/api/v1/quotas")
            .bearer(&district)
            .json(&json!({"programme": programme, "upazila_id": 1, "fiscal_year": fy, "places": 10}))
            .send()
            .expect(200);
    }
    let mother = person(&app, &officer, "Salma Begum", "female", 32);
    let child = person(&app, &officer, "Rina Akter", "female", 12);
    let h = id(&household(&app, &officer, 1, &mother, Some(4000)).expect(201).json);
    add(&app, &officer, &h, &child, "daughter", &days_ago(100)).expect(201);
    app.post(&format!("/api/v1/persons/{child}/relationships"))
        .bearer(&officer)
        .json(&json!({"related_person_id": mother, "kind": "mother"}))
        .send()
        .expect(201);
    let enrol = |pid: &str, programme: &str, facts: Value| {
        let a = app
            .post("/api/v1/applications")
            .bearer(&officer)
            .json(&json!({"programme": programme, "person_id": pid, "facts": facts}))
            .send()
            .expect(201)
            .json;
        let versioned = |path: String, version: &Value, body: Value| {
            app.post(&path).bearer(&officer).header("If-Match", &format!("\"{version}\"")).json(&body).send().expect(200).json
        };
        let aid = a["id"].as_str().unwrap().to_owned();
        let v = versioned(format!("/api/v1/applications/{aid}/verification"), &a["version"], json!({"accept": true}));
        versioned(format!("/api/v1/applications/{aid}/decision"), &v["version"], json!({"approve": true}));
    };
    enrol(&child, "cct", json!({"enrolled": true, "education_level": "primary"}));
    let b = app.get("/api/v1/beneficiaries?programme=cct").bearer(&officer).send().expect(200).json["data"][0].clone();
    let b = app.get(&format!("/api/v1/beneficiaries/{}", b["id"].as_str().unwrap())).bearer(&officer).send().expect(200).json;
    let t = &b["transfer_for"];
    assert_eq!(t["child_person_id"], child.as_str(), "{b}");
    assert_eq!(t["household_id"], h.as_str());
    assert_eq!(t["carers"][0]["person_id"], mother.as_str());
    assert_eq!(t["carers"][0]["relation"], "mother");
    // Other programmes have no such block.
    let elder = app.person(&officer, &json!({"name_en": "Old One", "sex": "female", "age_years": 70, "union_id": 1}));
    enrol(&elder, "old_age", json!({"annual_income_taka": 5000, "landless": true}));
    let old = app.get("/api/v1/beneficiaries?programme=old_age").bearer(&officer).send().expect(200).json["data"][0].clone();
    assert!(old["transfer_for"].is_null(), "{old}");
}

/// Two offices taking the same child into two households at the same moment: one wins, the
/// other is refused by the rule (the domain's check or, when both checks ran before either
/// wrote, the database's partial unique index), never both.
#[test]
fn a_race_to_take_one_person_into_two_households_has_one_winner() {
    let app = TestApp::new();
    let (_, officer) = app.user("race.officer", "upazila_officer", "upazila:1");
    let heads: Vec<String> = (0..2).map(|n| person(&app, &officer, &format!("Head {n}"), "female", 40)).collect();
    let homes: Vec<String> = heads.iter().map(|h| id(&household(&app, &officer, 1, h, None).expect(201).json)).collect();
    for trial in 0..8 {
        let child = person(&app, &officer, &format!("Child {trial}"), "male", 9);
        let answers: Vec<Resp> = std::thread::scope(|s| {
            let spawned: Vec<_> =
                homes.iter().map(|home| s.spawn(|| add(&app, &officer, home, &child, "son", &days_ago(1)))).collect();
            spawned.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let mut statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
        statuses.sort();
        assert_eq!(statuses, vec![201, 409], "trial {trial}");
        let refused = answers.into_iter().find(|r| r.status == 409).unwrap();
        refused.expect_rule(409, "household.one_at_a_time");
    }
}
