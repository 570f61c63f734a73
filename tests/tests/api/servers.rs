//! Several `sheba serve` processes on one database behave as one system: what one writes the
//! other reads; an `Idempotency-Key`, a session, login throttling, `If-Match` and the job
//! queue are shared; a server stopped with SIGTERM hands its running job back at once; and
//! servers given one key file accept each other's tokens.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{json, Value};
use sheba_tests::process::ServerProcess;
use sheba_tests::{Resp, TestApp, PASSWORD};

fn sign_in(server: &ServerProcess, username: &str, password: &str) -> Resp {
    server
        .req("POST", "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": username, "password": password}))
        .send()
}

fn wait_job(server: &ServerProcess, token: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let job = server.req("GET", &format!("/api/v1/jobs/{id}")).bearer(token).send().expect(200).json;
        if job["status"] == "succeeded" || job["status"] == "failed" {
            return job;
        }
        assert!(Instant::now() < deadline, "job did not finish: {job}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn job_row(app: &TestApp, id: &str) -> (String, Option<String>, i32) {
    use persistence::schema::jobs;
    jobs::table
        .find(id.parse::<uuid::Uuid>().unwrap())
        .select((jobs::status, jobs::worker, jobs::attempts))
        .get_result(&mut app.db())
        .unwrap()
}

#[test]
fn two_servers_on_one_database_act_as_one() {
    let app = TestApp::new();
    app.stop_jobs();
    app.user("two.cw", "caseworker", "upazila:1");
    let (_, officer) = app.user("two.officer", "upazila_officer", "upazila:1");
    // A takes no jobs itself, so a job queued through A is done by B.
    let a = ServerProcess::start(&app.database_url, &[("SHEBA_JOB_WORKERS", "0")], None);
    let b = ServerProcess::start(&app.database_url, &[], None);

    // A session begun on A is good on B; its refresh token rotates on B and is revoked on A.
    let signed = sign_in(&a, "two.cw", PASSWORD).expect(200).json;
    let cw = signed["access_token"].as_str().unwrap().to_owned();
    let rotated = b
        .req("POST", "/api/v1/auth/token")
        .json(&json!({"grant_type": "refresh_token", "refresh_token": signed["refresh_token"]}))
        .send()
        .expect(200)
        .json;
    a.req("POST", "/api/v1/auth/revoke").json(&json!({"refresh_token": rotated["refresh_token"]})).send().expect(204);
    b.req("POST", "/api/v1/auth/token")
        .json(&json!({"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]}))
        .send()
        .expect_problem(400, "invalid_grant");

    // Written on A, read on B.
    let person = json!({"name_en": "Rupa Das", "sex": "female", "age_years": 34, "union_id": 1});
    let created = a.req("POST", "/api/v1/persons").bearer(&cw).json(&person).send().expect(201).json["person"].clone();
    let path = format!("/api/v1/persons/{}", created["id"].as_str().unwrap());
    let read = b.req("GET", &path).bearer(&cw).send().expect(200);
    assert_eq!(read.json["name_en"], "Rupa Das");

    // A create retried through the other server is replayed, not made twice.
    let retry = json!({"name_en": "Kakoli Roy", "sex": "female", "age_years": 41, "union_id": 1});
    let first =
        a.req("POST", "/api/v1/persons").bearer(&cw).header("Idempotency-Key", "two-servers-1").json(&retry).send().expect(201);
    let again =
        b.req("POST", "/api/v1/persons").bearer(&cw).header("Idempotency-Key", "two-servers-1").json(&retry).send().expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json["person"]["id"], first.json["person"]["id"]);

    // Two corrections from the same version, one through each server: one wins.
    let etag = read.header("etag").unwrap().to_owned();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let hs: Vec<_> = [&a, &b]
            .into_iter()
            .map(|server| {
                let (etag, path, cw) = (&etag, &path, &cw);
                s.spawn(move || {
                    let body = json!({"name_en": format!("Rupa Das (via {})", server.port)});
                    server.req("PATCH", path).bearer(cw).header("If-Match", etag).json(&body).send().status
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, vec![200, 412], "{statuses:?}");
    assert_eq!(a.req("GET", &path).bearer(&cw).send().expect(200).json["version"], 2);

    // Failed sign-ins are counted across servers: five spread over both lock the account on both.
    for n in 0..5 {
        sign_in(if n % 2 == 0 { &a } else { &b }, "two.cw", "not the password").expect_problem(400, "invalid_grant");
    }
    sign_in(&a, "two.cw", PASSWORD).expect_problem(429, "too_many_attempts");
    sign_in(&b, "two.cw", PASSWORD).expect_problem(429, "too_many_attempts");

    // A job queued through A (no workers) is done by B.
    let csv = "name_en,name_bn,sex,date_of_birth,nid,birth_registration_number,mobile,union_id,programme,start_month,\
               payment_provider,account_number,education_level\nElder One,,female,1950-01-01,,,,1,old_age,2026-01,,,\n";
    let r = a
        .req("POST", "/api/v1/imports/beneficiaries")
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw(csv)
        .send()
        .expect(202);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let job = wait_job(&a, &officer, &id);
    assert_eq!(job["status"], "succeeded", "{job}");
    let (_, worker, _) = job_row(&app, &id);
    assert!(worker.is_some(), "a worker of B took it");
    app.assert_report_aggregates_exact();
}

/// SIGTERM: the server stops taking jobs and hands its running one back at once (no wait
/// for the lease); another server finishes it, once.
#[test]
fn a_server_stopped_with_sigterm_hands_its_job_back() {
    let app = TestApp::new();
    app.stop_jobs();
    let (_, officer) = app.user("term.officer", "upazila_officer", "upazila:1");
    let cycle = app
        .post("/api/v1/payment-cycles")
        .bearer(&officer)
        .json(&json!({"programme": "old_age", "upazila_id": 1, "period_start": "2026-01-01", "period_end": "2026-03-31"}))
        .send()
        .expect(201)
        .json;
    let cycle_id = cycle["id"].as_str().unwrap().to_owned();
    // Hold the cycle so the first server's worker is inside the job when it is told to stop.
    let mut holder = app.db();
    diesel::sql_query("BEGIN").execute(&mut holder).unwrap();
    diesel::sql_query(format!("SELECT 1 FROM payment_cycles WHERE id = '{cycle_id}' FOR UPDATE")).execute(&mut holder).unwrap();
    // A long lease: only the hand-back can free the job in time.
    let first = ServerProcess::start(&app.database_url, &[("SHEBA_JOB_LEASE_SECONDS", "600")], None);
    let r = first.req("POST", &format!("/api/v1/payment-cycles/{cycle_id}/generation")).bearer(&officer).send().expect(202);
    let id = r.json["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    while job_row(&app, &id).0 != "running" {
        assert!(Instant::now() < deadline, "the first server never took the job");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = first.terminate();
    assert!(status.success(), "a clean stop: {status:?}");
    let (state, worker, attempts) = job_row(&app, &id);
    assert_eq!((state.as_str(), worker, attempts), ("queued", None, 1), "handed back");
    let second = ServerProcess::start(&app.database_url, &[("SHEBA_JOB_LEASE_SECONDS", "600")], None);
    diesel::sql_query("COMMIT").execute(&mut holder).unwrap();
    let job = wait_job(&second, &officer, &id);
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job_row(&app, &id).2, 2);
    app.assert_report_aggregates_exact();
}

/// Two servers started at once on an empty database: one migrates under the advisory lock,
/// the other waits and finds nothing to do; both serve.
#[test]
fn two_servers_starting_together_migrate_once() {
    let url = sheba_tests::empty_database("two_starting");
    let servers: Vec<ServerProcess> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2).map(|_| s.spawn(|| ServerProcess::start(&url, &[], None))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let health = |port: u16| {
        std::process::Command::new(sheba_tests::process::sheba_binary())
            .args(["health", "--bind", &format!("0.0.0.0:{port}")])
            .output()
            .unwrap()
    };
    for server in &servers {
        server.req("GET", "/api/v1/geo/divisions").send().expect(200);
        // The container health check.
        assert!(health(server.port).status.success());
    }
    let port = servers[0].port;
    drop(servers);
    let down = health(port);
    assert!(!down.status.success(), "a stopped server is not healthy");
    assert!(String::from_utf8_lossy(&down.stderr).contains("connecting to 127.0.0.1:"));
    let mut conn = PgConnection::establish(&url).unwrap();
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        distinct_versions: i64,
    }
    let c: Count =
        diesel::sql_query("SELECT count(*) AS n, count(DISTINCT version) AS distinct_versions FROM __diesel_schema_migrations")
            .get_result(&mut conn)
            .unwrap();
    assert!(c.n > 0 && c.n == c.distinct_versions, "each migration applied once");
    let divisions: i64 = persistence::schema::divisions::table.count().get_result(&mut conn).unwrap();
    assert_eq!(divisions, 8, "reference data loaded once");
}

/// Servers on one database must sign tokens with one key: given the same key file
/// (`SHEBA_JWT_SECRET_FILE`), a token from one is good on the other; a server that generated
/// a key of its own refuses it, and warns at start that it signs with its own key.
#[test]
fn servers_sharing_a_key_file_accept_each_others_tokens() {
    let app = TestApp::new();
    app.stop_jobs();
    app.user("key.cw", "caseworker", "upazila:1");
    let dir = std::env::temp_dir().join(format!("sheba-key-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("signing-key");
    std::fs::write(&key, "a shared signing key of at least thirty-two bytes\n").unwrap();
    let shared = [("DATABASE_URL", app.database_url.as_str()), ("SHEBA_JWT_SECRET_FILE", key.to_str().unwrap())];
    let a = ServerProcess::start_embedded(&dir.join("a"), &shared);
    let b = ServerProcess::start_embedded(&dir.join("b"), &shared);
    let own = ServerProcess::start_embedded_logged(
        &dir.join("c"),
        &[("DATABASE_URL", app.database_url.as_str()), ("RUST_LOG", "warn")],
        Some(dir.join("c.log")),
    );
    let token = sign_in(&a, "key.cw", PASSWORD).expect(200).json["access_token"].as_str().unwrap().to_owned();
    b.req("GET", "/api/v1/me").bearer(&token).send().expect(200);
    own.req("GET", "/api/v1/me").bearer(&token).send().expect_problem(401, "unauthenticated");
    assert!(own.log_text().contains("every server on this database must have the same key"), "{}", own.log_text());
    drop((a, b, own));
    let _ = std::fs::remove_dir_all(&dir);
}
