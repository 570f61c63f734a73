//! Durable jobs: a job whose worker died (its lease ran out) is taken by another worker and
//! takes effect once; a worker that lost its job cannot complete it; a job still leased is
//! left alone; jobs are listed and a queued one can be cancelled; and a server killed with
//! SIGKILL in the middle of an import leaves it to the next server, which finishes it.

use std::io::Write;
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use serde_json::{json, Value};
use sheba_tests::process::ServerProcess;
use sheba_tests::TestApp;

const HEADER: &str = "name_en,name_bn,sex,date_of_birth,nid,birth_registration_number,mobile,union_id,programme,start_month,payment_provider,account_number,education_level";

fn import_file(rows: usize, tag: &str) -> String {
    let today = domain::time::dhaka_date(Utc::now());
    let dob = (today - chrono::Duration::days(365 * 70 + 20)).to_string();
    let month = today.format("%Y-%m");
    let mut csv = format!("{HEADER}\n");
    for i in 0..rows {
        csv.push_str(&format!("{tag} Elder {i},,female,{dob},,,,1,old_age,{month},,,\n"));
    }
    csv
}

fn wait_job(app: &TestApp, token: &str, id: &str, timeout: Duration) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let job = app.get(&format!("/api/v1/jobs/{id}")).bearer(token).send().expect(200).json;
        if job["status"] == "succeeded" || job["status"] == "failed" {
            return job;
        }
        assert!(Instant::now() < deadline, "job did not finish: {job}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn beneficiaries(app: &TestApp) -> i64 {
    let mut conn = app.db();
    persistence::schema::beneficiaries::table.count().get_result(&mut conn).unwrap()
}

/// Queues an import job as if a server had claimed it and died (its lease ran out), or as if
/// a live server held it (lease in the future).
fn orphaned_import(app: &TestApp, user: domain::id::UserId, rows: usize, lease_from_now_s: i64) -> String {
    let mut conn = app.db();
    let payload = json!({"scope": "upazila:1", "actor": {"user_id": user, "username": "jobs.officer", "request_id": "r"}});
    let job = persistence::jobs::create(&mut conn, "import_beneficiaries", rows as i64, user, &payload).unwrap();
    persistence::jobs::put_input(&mut conn, job.id, import_file(rows, &format!("J{}", &job.id.to_string()[30..])).as_bytes())
        .unwrap();
    diesel::sql_query(format!(
        "UPDATE jobs SET status = 'running', worker = 'dead-server:0', attempts = 1, started_at = now(),
                         lease_until = now() + make_interval(secs => {lease_from_now_s}) WHERE id = '{}'",
        job.id
    ))
    .execute(&mut conn)
    .unwrap();
    job.id.to_string()
}

#[test]
fn a_job_whose_worker_died_is_taken_again_and_takes_effect_once() {
    let app = TestApp::new();
    let (user, officer) = app.user("jobs.officer", "upazila_officer", "upazila:1");
    let user = domain::id::UserId(user.parse().unwrap());
    let before = beneficiaries(&app);
    let orphan = orphaned_import(&app, user, 50, -1);
    let held = orphaned_import(&app, user, 10, 3600);
    let job = wait_job(&app, &officer, &orphan, Duration::from_secs(60));
    assert_eq!((job["status"].as_str(), job["result"]["imported"].as_i64()), (Some("succeeded"), Some(50)), "{job}");
    assert_eq!(beneficiaries(&app), before + 50, "imported once");
    let mut conn = app.db();
    let attempts: i32 = persistence::schema::jobs::table
        .find(uuid::Uuid::parse_str(&orphan).unwrap())
        .select(persistence::schema::jobs::attempts)
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(attempts, 2);
    // A job a live worker holds is left alone.
    std::thread::sleep(Duration::from_secs(1));
    let h = app.get(&format!("/api/v1/jobs/{held}")).bearer(&officer).send().expect(200).json;
    assert_eq!(h["status"], "running");
    // The worker that lost its job cannot complete it.
    let held_id = domain::id::JobId(uuid::Uuid::parse_str(&held).unwrap());
    assert!(!persistence::jobs::complete(&mut conn, held_id, "another-server:0", &json!({})).unwrap());
    // Completed at the end of a long transaction (as an import is): finished when it ends, not
    // when it began.
    let began: chrono::DateTime<Utc> = conn
        .transaction(|c| {
            let began = diesel::select(diesel::dsl::now.into_sql::<diesel::sql_types::Timestamptz>()).get_result(c)?;
            diesel::sql_query("SELECT pg_sleep(0.5)").execute(c)?;
            assert!(persistence::jobs::complete(c, held_id, "dead-server:0", &json!({"ok": true}))?);
            diesel::QueryResult::Ok(began)
        })
        .unwrap();
    let h = app.get(&format!("/api/v1/jobs/{held}")).bearer(&officer).send().expect(200).json;
    let finished: chrono::DateTime<Utc> = h["finished_at"].as_str().unwrap().parse().unwrap();
    assert!(finished - began >= chrono::Duration::milliseconds(500), "finished {finished}, the transaction began {began}");
    app.assert_report_aggregates_exact();
}

#[test]
fn jobs_are_listed_and_a_queued_one_is_cancelled() {
    let app = TestApp::new();
    app.stop_jobs();
    let (_, officer) = app.user("jobs.lister", "upazila_officer", "upazila:1");
    let (_, other) = app.user("jobs.other", "upazila_officer", "upazila:1");
    let r = app
        .post("/api/v1/imports/beneficiaries")
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw(import_file(3, "Q"))
        .send()
        .expect(202)
        .json;
    let id = r["id"].as_str().unwrap().to_owned();
    assert_eq!(r["status"], "queued");
    let mine = app.get("/api/v1/jobs?status=queued").bearer(&officer).send().expect(200).json;
    assert_eq!(mine["data"].as_array().unwrap().len(), 1);
    let theirs = app.get("/api/v1/jobs").bearer(&other).send().expect(200).json;
    assert!(theirs["data"].as_array().unwrap().is_empty(), "only one's own jobs");
    let all = app.get("/api/v1/jobs").bearer(&app.admin()).send().expect(200).json;
    assert_eq!(all["data"].as_array().unwrap().len(), 1, "a national administrator sees every job");
    app.post(&format!("/api/v1/jobs/{id}/cancellation")).bearer(&other).send().expect_problem(404, "not_found");
    let c = app.post(&format!("/api/v1/jobs/{id}/cancellation")).bearer(&officer).send().expect(200).json;
    assert_eq!(c["status"], "cancelled");
    app.post(&format!("/api/v1/jobs/{id}/cancellation")).bearer(&officer).send().expect_rule(409, "job.not_queued");
    app.get("/api/v1/jobs?status=lost").bearer(&officer).send().expect_problem(422, "validation_failed");
}

/// A real server process is killed with SIGKILL while its import runs; a second server takes
/// the job when the lease runs out and finishes it; every row is there once.
#[test]
fn an_import_survives_its_server_being_killed() {
    let app = TestApp::new();
    app.stop_jobs();
    let (_, officer) = app.user("jobs.killed", "upazila_officer", "upazila:1");
    let before = beneficiaries(&app);
    let rows = 30_000;
    let first = ServerProcess::start(&app.database_url, &[], None);
    let body = import_file(rows, "K");
    let r = ureq::post(&first.url("/api/v1/imports/beneficiaries"))
        .set("Authorization", &format!("Bearer {officer}"))
        .set("Content-Type", "text/csv")
        .send_string(&body)
        .expect("queued");
    let job: Value = r.into_json().unwrap();
    let id = job["id"].as_str().unwrap().to_owned();
    // Kill it once its worker is inside the import (progress shows), or at once if it is quick.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let j = app.get(&format!("/api/v1/jobs/{id}")).bearer(&officer).send().expect(200).json;
        if j["done"].as_i64().unwrap_or(0) > 0 || j["status"] != "queued" || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    first.kill();
    let second = ServerProcess::start(&app.database_url, &[], None);
    let job = wait_job(&app, &officer, &id, Duration::from_secs(120));
    second.kill();
    assert_eq!((job["status"].as_str(), job["result"]["imported"].as_i64()), (Some("succeeded"), Some(rows as i64)), "{job}");
    assert_eq!(beneficiaries(&app), before + rows as i64, "every row present once");
    app.assert_report_aggregates_exact();
    let _ = std::io::stderr().flush();
}

/// A payroll whose server is killed with SIGKILL while generating: the dead server's
/// transaction rolls back, the next server generates it once, and the aggregates stay exact.
/// The test holds the cycle's row lock so the kill lands inside the generation every time.
#[test]
fn a_payroll_survives_its_server_being_killed() {
    let app = TestApp::new();
    let (_, officer) = app.user("jobs.pay", "upazila_officer", "upazila:1");
    let rows = 3_000;
    let today = domain::time::dhaka_date(Utc::now());
    let dob = (today - chrono::Duration::days(365 * 70 + 20)).to_string();
    let month = today.format("%Y-%m").to_string();
    let mut csv = format!("{HEADER}\n");
    for i in 0..rows {
        csv.push_str(&format!("P Elder {i},,female,{dob},,,,1,old_age,{month},bkash,017{i:08},\n"));
    }
    let r =
        app.post("/api/v1/imports/beneficiaries").bearer(&officer).header("Content-Type", "text/csv").raw(csv).send().expect(202);
    let import = wait_job(&app, &officer, r.json["id"].as_str().unwrap(), Duration::from_secs(120));
    assert_eq!(import["result"]["imported"].as_i64(), Some(rows as i64), "{import}");
    app.stop_jobs();
    let first_day = format!("{month}-01");
    let last_day = (chrono::NaiveDate::parse_from_str(&first_day, "%Y-%m-%d").unwrap() + chrono::Months::new(1)
        - chrono::Duration::days(1))
    .to_string();
    let cycle = app
        .post("/api/v1/payment-cycles")
        .bearer(&officer)
        .json(&json!({"programme": "old_age", "upazila_id": 1, "period_start": first_day, "period_end": last_day}))
        .send()
        .expect(201)
        .json;
    let cycle_id = cycle["id"].as_str().unwrap().to_owned();
    // Hold the cycle's row so the first server's worker blocks inside its transaction.
    let mut holder = app.db();
    diesel::sql_query("BEGIN").execute(&mut holder).unwrap();
    diesel::sql_query(format!("SELECT 1 FROM payment_cycles WHERE id = '{cycle_id}' FOR UPDATE")).execute(&mut holder).unwrap();
    let first = ServerProcess::start(&app.database_url, &[], None);
    let r = ureq::post(&first.url(&format!("/api/v1/payment-cycles/{cycle_id}/generation")))
        .set("Authorization", &format!("Bearer {officer}"))
        .call()
        .expect("queued");
    let job: Value = r.into_json().unwrap();
    let id = job["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.get(&format!("/api/v1/jobs/{id}")).bearer(&officer).send().expect(200).json["status"] != "running" {
        assert!(Instant::now() < deadline, "the first server never took the job");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    first.kill();
    let second = ServerProcess::start(&app.database_url, &[], None);
    diesel::sql_query("COMMIT").execute(&mut holder).unwrap();
    let job = wait_job(&app, &officer, &id, Duration::from_secs(120));
    second.kill();
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["result"]["added"].as_i64(), Some(rows as i64), "{job}");
    let attempts: i32 = persistence::schema::jobs::table
        .find(id.parse::<uuid::Uuid>().unwrap())
        .select(persistence::schema::jobs::attempts)
        .get_result(&mut app.db())
        .unwrap();
    assert_eq!(attempts, 2, "the dead server's attempt, then the second server's");
    let payments: i64 = persistence::schema::payments::table
        .filter(persistence::schema::payments::cycle_id.eq(cycle_id.parse::<uuid::Uuid>().unwrap()))
        .count()
        .get_result(&mut app.db())
        .unwrap();
    assert_eq!(payments, rows as i64, "everyone paid once");
    app.assert_report_aggregates_exact();
}
