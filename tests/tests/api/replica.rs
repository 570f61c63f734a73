//! A streaming replica answers reports: `sheba replica create` makes a hot standby of the
//! embedded cluster with `pg_basebackup`, `sheba replica run` runs it, and a server given
//! `SHEBA_REPLICA_URL` reads reports from it while writes go to the primary. Reports are
//! answered while the primary is under write load, carry the replica's replay time, are
//! audited on the primary, and match the primary once the replica has caught up.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sheba_tests::process::{sheba_binary, ServerProcess};

const PASSWORD: &str = "a long replica test passphrase";

fn sheba(data: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(sheba_binary())
        .args(args)
        .env_remove("DATABASE_URL")
        .env("SHEBA_DATA_DIR", data)
        .env("RUST_LOG", "warn")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "sheba {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The URL of the embedded cluster running in `data`.
fn url_of(data: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(pid) = std::fs::read_to_string(data.join("pg/postmaster.pid")) {
            if let Some(port) = pid.lines().nth(3).and_then(|p| p.trim().parse::<u16>().ok()) {
                let password = std::fs::read_to_string(data.join("pg-superuser-password")).unwrap();
                let url = format!("postgres://postgres:{}@127.0.0.1:{port}/sheba", password.trim());
                use diesel::Connection;
                if diesel::PgConnection::establish(&url).is_ok() {
                    return url;
                }
            }
        }
        assert!(Instant::now() < deadline, "the cluster in {} did not come up", data.display());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A child process killed when dropped, so a failing test leaves no standby running.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn token(server: &ServerProcess, username: &str) -> String {
    server
        .req("POST", "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": username, "password": PASSWORD}))
        .send()
        .expect(200)
        .json["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn reports_come_from_the_replica_under_write_load_and_catch_up() {
    let dir = std::env::temp_dir().join(format!("sheba-replica-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (data, standby) = (dir.join("primary"), dir.join("replica"));
    for (user, role, scope) in
        [("rep.cw", "caseworker", "upazila:1"), ("rep.int", "hq_officer", "national"), ("rep.admin", "system_admin", "national")]
    {
        sheba(
            &data,
            &["user", "create", "--username", user, "--password-stdin", "--role", role, "--scope", scope],
            Some(PASSWORD),
        );
    }
    let primary = ServerProcess::start_embedded(&data, &[]);
    sheba(&data, &["replica", "create", "--to", standby.to_str().unwrap()], None);
    let _runner = Killed(
        Command::new(sheba_binary())
            .args(["replica", "run"])
            .env_remove("DATABASE_URL")
            .env("SHEBA_DATA_DIR", &standby)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let replica_url = url_of(&standby);
    let primary_url = url_of(&data);
    // A second server: writes to the primary, reports from the replica (same signing key).
    let reader = ServerProcess::start_embedded(&data, &[("DATABASE_URL", &primary_url), ("SHEBA_REPLICA_URL", &replica_url)]);
    let (cw, integrator, admin) = (token(&primary, "rep.cw"), token(&reader, "rep.int"), token(&primary, "rep.admin"));

    let pipeline = |server: &ServerProcess| -> Value {
        server.req("GET", "/api/v1/reports/case_pipeline").bearer(&integrator).send().expect(200).json
    };
    // Write load on the primary while the replica answers reports.
    let mut calls = 0;
    let opened = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut n = 0;
            let until = Instant::now() + Duration::from_secs(3);
            while Instant::now() < until {
                let person = primary
                    .req("POST", "/api/v1/persons")
                    .bearer(&cw)
                    .json(&json!({"name_en": format!("Child {n}"), "sex": "female", "age_years": 9, "union_id": 1}))
                    .send()
                    .expect(201)
                    .json["person"]["id"]
                    .clone();
                primary
                    .req("POST", "/api/v1/cases")
                    .bearer(&cw)
                    .json(&json!({"kind": "child_protection", "person_id": person, "upazila_id": 1}))
                    .send()
                    .expect(201);
                n += 1;
            }
            n
        });
        while !writer.is_finished() {
            let r = pipeline(&reader);
            let as_of: chrono::DateTime<chrono::Utc> = r["as_of"].as_str().unwrap().parse().unwrap();
            assert!(as_of <= chrono::Utc::now() + chrono::Duration::seconds(1), "{as_of}");
            calls += 1;
        }
        writer.join().unwrap()
    });
    assert!(opened > 0 && calls > 0, "{opened} cases opened, {calls} reports read meanwhile");
    // Caught up, the replica's report is the primary's.
    let from_primary = pipeline(&primary);
    assert_eq!(from_primary["rows"][0]["intakes"], opened);
    let deadline = Instant::now() + Duration::from_secs(30);
    let from_replica = loop {
        let r = pipeline(&reader);
        calls += 1;
        if r["rows"] == from_primary["rows"] {
            break r;
        }
        assert!(Instant::now() < deadline, "the replica did not catch up: {} against {}", r["rows"], from_primary["rows"]);
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(from_replica["rows"][0]["intakes"], opened);
    // With nothing written for a while, the replica's time is its last replayed transaction
    // (the audit of the previous report), not the clock.
    std::thread::sleep(Duration::from_millis(1500));
    let idle = pipeline(&reader);
    calls += 1;
    let replayed: chrono::DateTime<chrono::Utc> = idle["as_of"].as_str().unwrap().parse().unwrap();
    assert!(chrono::Utc::now() - replayed >= chrono::Duration::seconds(1), "as_of {replayed} is the clock");
    // Every report read through the replica was audited on the primary.
    let audited = primary.req("GET", "/api/v1/audit-events?action=report.read&limit=200").bearer(&admin).send().expect(200).json
        ["data"]
        .as_array()
        .unwrap()
        .len();
    assert!(audited >= calls.min(200), "{audited} audited of {calls}");
    // Writes through the reading server go to the primary.
    let written = reader
        .req("POST", "/api/v1/persons")
        .bearer(&token(&reader, "rep.cw"))
        .json(&json!({"name_en": "Via the reader", "sex": "female", "age_years": 30}))
        .send()
        .expect(201)
        .json["person"]["id"]
        .clone();
    primary.req("GET", &format!("/api/v1/persons/{}", written.as_str().unwrap())).bearer(&cw).send().expect(200);
    drop(reader);
    drop(_runner);
    drop(primary);
    let _ = std::fs::remove_dir_all(&dir);
}
