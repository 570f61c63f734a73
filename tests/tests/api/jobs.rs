//! Durable jobs: a job whose worker died (its lease ran out) is taken by another worker and
//! takes effect once; a worker that lost its job cannot complete it; a job still leased is
//! left alone; jobs are listed and a queued one can be cancelled; and a server killed with
//! SIGKILL in the middle of an import leaves it to the next server, which finishes it.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use serde_json::{json, Value};
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
    assert!(persistence::jobs::complete(&mut conn, held_id, "dead-server:0", &json!({"ok": true})).unwrap());
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
    app.post(&format!("/api/v1/jobs/{id}/cancellation")).bearer(&officer).send().expect_problem(409, "job_not_queued");
    app.get("/api/v1/jobs?status=lost").bearer(&officer).send().expect_problem(422, "validation_failed");
}

fn sheba_binary() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("SHEBA_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("sheba")
}

fn serve(database_url: &str, port: u16) -> std::process::Child {
    Command::new(sheba_binary())
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("SHEBA_BIND", format!("127.0.0.1:{port}"))
        .env("SHEBA_WORKERS", "1")
        .env("SHEBA_JOB_WORKERS", "1")
        .env("SHEBA_JOB_LEASE_SECONDS", "2")
        .env("SHEBA_JWT_SECRET", sheba_tests::TEST_SIGNING_KEY_TEXT)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sheba")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while ureq::get(&format!("http://127.0.0.1:{port}/health/ready")).call().is_err() {
        assert!(Instant::now() < deadline, "the server did not become ready");
        std::thread::sleep(Duration::from_millis(100));
    }
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
    let port = free_port();
    let mut first = serve(&app.database_url, port);
    wait_ready(port);
    let body = import_file(rows, "K");
    let r = ureq::post(&format!("http://127.0.0.1:{port}/api/v1/imports/beneficiaries"))
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
    first.kill().unwrap();
    first.wait().unwrap();
    let port2 = free_port();
    let mut second = serve(&app.database_url, port2);
    wait_ready(port2);
    let job = wait_job(&app, &officer, &id, Duration::from_secs(120));
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!((job["status"].as_str(), job["result"]["imported"].as_i64()), (Some("succeeded"), Some(rows as i64)), "{job}");
    assert_eq!(beneficiaries(&app), before + rows as i64, "every row present once");
    app.assert_report_aggregates_exact();
    let _ = std::io::stderr().flush();
}
