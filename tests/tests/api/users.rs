//! User administration: scope rules, idempotency, optimistic concurrency, listing.

use serde_json::json;
use sheba_tests::{TestApp, PASSWORD};

fn new_user(username: &str, role: &str, scope: &str) -> serde_json::Value {
    json!({"username": username, "role": role, "scope": scope, "password": PASSWORD})
}

fn count_users(app: &TestApp, username: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT count(*) AS n FROM users WHERE username = $1")
        .bind::<diesel::sql_types::Text, _>(username)
        .get_result::<N>(&mut app.db())
        .unwrap()
        .n
}

#[test]
fn create_returns_location_etag_and_labels() {
    let app = TestApp::new();
    let r = app
        .post("/api/v1/users")
        .bearer(&app.admin())
        .json(&json!({"username": "Rahima.Upz", "display_name": "রহিমা খাতুন", "role": "upazila_officer", "scope": "upazila:১০", "password": PASSWORD}))
        .send()
        .expect(201);
    assert_eq!(r.json["username"], "rahima.upz");
    assert_eq!(r.json["display_name"], "রহিমা খাতুন");
    assert_eq!(r.json["scope"], "upazila:10", "Bangla digits are stored as ASCII");
    assert_eq!(r.json["role_label"]["bn"], "উপজেলা কর্মকর্তা");
    assert_eq!(r.header("etag"), Some("\"1\""));
    let location = r.header("location").unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/users/{}", r.json["id"].as_str().unwrap()));
    assert!(r.json.get("password_hash").is_none() && !r.text.contains("argon2"));
    let got = app.get(&location).bearer(&app.admin()).send().expect(200);
    assert_eq!(got.json, r.json);
}

#[test]
fn duplicate_username_is_409() {
    let app = TestApp::new();
    app.post("/api/v1/users").bearer(&app.admin()).json(&new_user("dup.user", "auditor", "national")).send().expect(201);
    app.post("/api/v1/users")
        .bearer(&app.admin())
        .json(&new_user("DUP.user", "auditor", "national"))
        .send()
        .expect_problem(409, "username_taken");
}

#[test]
fn idempotency_key_replays_the_first_response_and_creates_one_row() {
    let app = TestApp::new();
    let send = |body: &serde_json::Value| {
        app.post("/api/v1/users").bearer(&app.admin()).header("Idempotency-Key", "create-officer-7").json(body).send()
    };
    let first = send(&new_user("officer.seven", "upazila_officer", "upazila:7")).expect(201);
    let second = send(&new_user("officer.seven", "upazila_officer", "upazila:7")).expect(201);
    assert_eq!(first.json, second.json);
    assert_eq!(first.header("location"), second.header("location"));
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(count_users(&app, "officer.seven"), 1);
    // The same key for a different request is a conflict, and creates nothing.
    send(&new_user("officer.eight", "upazila_officer", "upazila:8")).expect_problem(409, "idempotency_key_reused");
    assert_eq!(count_users(&app, "officer.eight"), 0);
    // Keys belong to the caller: another administrator may use the same key.
    let (_, other_admin) = app.user("admin.two", "system_admin", "national");
    app.post("/api/v1/users")
        .bearer(&other_admin)
        .header("Idempotency-Key", "create-officer-7")
        .json(&new_user("officer.nine", "upazila_officer", "upazila:9"))
        .send()
        .expect(201);
}

#[test]
fn expired_idempotency_keys_are_forgotten_as_new_ones_arrive() {
    use diesel::RunQueryDsl;
    let app = TestApp::new();
    let count = |older: &str| -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!("SELECT count(*) AS n FROM idempotency_keys WHERE created_at < now() - interval '{older}'"))
            .get_result::<N>(&mut app.db())
            .unwrap()
            .n
    };
    // Fifty keys of other callers from two days ago, beyond the 24 hours a key is kept.
    diesel::sql_query(
        "INSERT INTO idempotency_keys (actor_id, key, request_fingerprint, status_code, response_body, created_at)
         SELECT uuid_v7(), 'old-' || g, '\\x00', 201, '{}', now() - interval '2 days' FROM generate_series(1, 50) g",
    )
    .execute(&mut app.db())
    .unwrap();
    assert_eq!(count("1 day"), 50);
    for n in 0..3 {
        app.post("/api/v1/users")
            .bearer(&app.admin())
            .header("Idempotency-Key", &format!("sweep-{n}"))
            .json(&new_user(&format!("sweep.user{n}"), "upazila_officer", "upazila:5"))
            .send()
            .expect(201);
    }
    assert_eq!(count("1 day"), 0, "three creates forget up to {} expired keys each", persistence::idempotency::SWEEP_PER_CLAIM);
    assert_eq!(count("0 seconds"), 3, "the fresh keys stay");
}

#[test]
fn a_failed_create_does_not_burn_its_idempotency_key() {
    let app = TestApp::new();
    let send = |scope: &str| {
        app.post("/api/v1/users")
            .bearer(&app.admin())
            .header("Idempotency-Key", "retry-me")
            .json(&new_user("retry.user", "upazila_officer", scope))
            .send()
    };
    send("upazila:99999").expect_problem(422, "validation_failed");
    // The fingerprint differs (another scope) but the failed attempt left no key behind.
    send("upazila:5").expect(201);
}

#[test]
fn administrators_act_only_within_their_scope() {
    let app = TestApp::new();
    // Division 6 is Dhaka; district 1 (Comilla) lies in division 1.
    let (_, dhaka_admin) = app.user("admin.dhaka", "system_admin", "division:6");
    let inside =
        app.get("/api/v1/geo/districts?division_id=6&limit=1").send().expect(200).json["data"][0]["id"].as_i64().unwrap();
    app.post("/api/v1/users")
        .bearer(&dhaka_admin)
        .json(&new_user("officer.dhaka", "district_officer", &format!("district:{inside}")))
        .send()
        .expect(201);
    // Another division's district, a national account, or a facility: out of scope.
    app.post("/api/v1/users")
        .bearer(&dhaka_admin)
        .json(&new_user("officer.comilla", "district_officer", "district:1"))
        .send()
        .expect_problem(403, "out_of_scope");
    app.post("/api/v1/users")
        .bearer(&dhaka_admin)
        .json(&new_user("hq.person", "hq_officer", "national"))
        .send()
        .expect_problem(403, "out_of_scope");
    // Reading or disabling an account outside the scope is refused too.
    let (comilla_id, _) = app.user("officer.comilla", "district_officer", "district:1");
    app.get(&format!("/api/v1/users/{comilla_id}")).bearer(&dhaka_admin).send().expect_problem(403, "out_of_scope");
    app.post(&format!("/api/v1/users/{comilla_id}/disable"))
        .bearer(&dhaka_admin)
        .header("If-Match", "\"1\"")
        .send()
        .expect_problem(403, "out_of_scope");
    // Listing shows only accounts within the division.
    let listed: Vec<String> =
        app.all_pages("/api/v1/users", Some(&dhaka_admin)).iter().map(|u| u["username"].as_str().unwrap().to_owned()).collect();
    assert_eq!(listed, ["admin.dhaka", "officer.dhaka"]);
}

#[test]
fn roles_must_fit_their_scope() {
    let app = TestApp::new();
    let r = app
        .post("/api/v1/users")
        .bearer(&app.admin())
        .json(&new_user("wrong.fit", "upazila_officer", "district:1"))
        .send()
        .expect_problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["field"], "scope");
}

#[test]
fn updates_need_the_current_etag() {
    let app = TestApp::new();
    let (id, _) = app.user("officer.c", "upazila_officer", "upazila:3");
    let path = format!("/api/v1/users/{id}/disable");
    app.post(&path).bearer(&app.admin()).send().expect_problem(428, "precondition_required");
    app.post(&path).bearer(&app.admin()).header("If-Match", "\"7\"").send().expect_problem(412, "precondition_failed");
    app.post(&path).bearer(&app.admin()).header("If-Match", "garbage").send().expect_problem(400, "invalid_if_match");
    let r = app.post(&path).bearer(&app.admin()).header("If-Match", "\"1\"").send().expect(200);
    assert_eq!(r.json["status"], "disabled");
    assert_eq!(r.json["status_label"]["bn"], "নিষ্ক্রিয়");
    assert_eq!(r.header("etag"), Some("\"2\""));
    // A second writer holding the old version loses.
    app.post(&format!("/api/v1/users/{id}/enable"))
        .bearer(&app.admin())
        .header("If-Match", "\"1\"")
        .send()
        .expect_problem(412, "precondition_failed");
    let r = app.post(&format!("/api/v1/users/{id}/enable")).bearer(&app.admin()).header("If-Match", "\"2\"").send().expect(200);
    assert_eq!(r.json["status"], "active");
    app.tokens("officer.c");
}

#[test]
fn concurrent_conflicting_updates_one_wins_one_gets_412() {
    let app = TestApp::new();
    let (id, _) = app.user("officer.race", "upazila_officer", "upazila:4");
    let admin = app.admin();
    let results: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = ["disable", "password"]
            .into_iter()
            .map(|what| {
                let (app, admin, id) = (&app, admin.clone(), id.clone());
                s.spawn(move || {
                    let req = app.post(&format!("/api/v1/users/{id}/{what}")).bearer(&admin).header("If-Match", "\"1\"");
                    let req = if what == "password" { req.json(&json!({"password": "the racing passphrase"})) } else { req };
                    req.send().status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = results.clone();
    sorted.sort();
    assert_eq!(sorted, [200, 412], "{results:?}");
}

#[test]
fn administrators_cannot_disable_themselves() {
    let app = TestApp::new();
    let me = app.get("/api/v1/me").bearer(&app.admin()).send().expect(200);
    let id = me.json["id"].as_str().unwrap();
    app.post(&format!("/api/v1/users/{id}/disable"))
        .bearer(&app.admin())
        .header("If-Match", "\"1\"")
        .send()
        .expect_rule(409, "user.cannot_disable_self");
}

#[test]
fn list_filters_and_pages() {
    let app = TestApp::new();
    for i in 0..5 {
        app.user(&format!("upz.officer{i}"), "upazila_officer", &format!("upazila:{}", i + 1));
    }
    app.user("the.auditor", "auditor", "national");
    let r = app.get("/api/v1/users?role=upazila_officer&limit=2").bearer(&app.admin()).send().expect(200);
    assert_eq!(r.json["data"].as_array().unwrap().len(), 2);
    assert!(r.json["next_cursor"].is_string());
    let all = app.all_pages("/api/v1/users?role=upazila_officer", Some(&app.admin()));
    let names: Vec<&str> = all.iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["upz.officer0", "upz.officer1", "upz.officer2", "upz.officer3", "upz.officer4"]);
    // Pages do not overlap when walked two at a time.
    let mut walked = vec![];
    let mut cursor = String::new();
    loop {
        let url =
            if cursor.is_empty() { "/api/v1/users?limit=2".to_owned() } else { format!("/api/v1/users?limit=2&cursor={cursor}") };
        let r = app.get(&url).bearer(&app.admin()).send().expect(200);
        walked.extend(r.json["data"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        match r.json["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    let mut dedup = walked.clone();
    dedup.dedup();
    assert_eq!(walked.len(), 7);
    assert_eq!(dedup, walked);
    let r = app.get("/api/v1/users?username_prefix=UPZ.OFFICER1").bearer(&app.admin()).send().expect(200);
    assert_eq!(r.json["data"].as_array().unwrap().len(), 1);
    let r = app.get("/api/v1/users?username_prefix=upz_").bearer(&app.admin()).send().expect(200);
    assert_eq!(r.json["data"].as_array().unwrap().len(), 0, "_ is not a wildcard");
    app.get("/api/v1/users?role=king").bearer(&app.admin()).send().expect_problem(422, "validation_failed");
    app.get("/api/v1/users?status=deleted").bearer(&app.admin()).send().expect_problem(422, "validation_failed");
    // Auditors may read accounts too, but not change them.
    let auditor = app.tokens("the.auditor").access;
    app.get("/api/v1/users").bearer(&auditor).send().expect(200);
    app.post("/api/v1/users")
        .bearer(&auditor)
        .json(&new_user("nope.user", "auditor", "national"))
        .send()
        .expect_problem(403, "role_lacks_permission");
}

#[test]
fn unknown_user_is_404() {
    let app = TestApp::new();
    let id = uuid::Uuid::now_v7();
    app.get(&format!("/api/v1/users/{id}")).bearer(&app.admin()).send().expect_problem(404, "not_found");
    app.post(&format!("/api/v1/users/{id}/disable"))
        .bearer(&app.admin())
        .header("If-Match", "\"1\"")
        .send()
        .expect_problem(404, "not_found");
}

#[test]
fn roles_code_list_is_bilingual() {
    let app = TestApp::new();
    let r = app.get("/api/v1/reference/roles").send().expect(200);
    let roles = r.json["data"].as_array().unwrap();
    assert_eq!(roles.len(), 12);
    assert!(roles
        .iter()
        .all(|r| !r["label"]["en"].as_str().unwrap().is_empty() && !r["label"]["bn"].as_str().unwrap().is_empty()));
}
