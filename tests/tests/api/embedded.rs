//! The `sheba` binary with the embedded default database: first start initialises a cluster,
//! data survives a restart, SIGTERM stops the server and PostgreSQL cleanly, and the CLI
//! works against the running server's cluster.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

fn sheba_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("SHEBA_BIN") {
        return PathBuf::from(p);
    }
    // target/<profile>/deps/api-<hash> -> target/<profile>/sheba
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("sheba");
    assert!(
        bin.is_file(),
        "{} is missing: build it first with `cargo build -p api --bin sheba` (scripts/test does)",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(data_dir: &Path, port: u16) -> Child {
    Command::new(sheba_binary())
        .arg("serve")
        .env_remove("DATABASE_URL")
        .env("SHEBA_DATA_DIR", data_dir)
        .env("SHEBA_BIND", format!("127.0.0.1:{port}"))
        .env("SHEBA_WORKERS", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn get(port: u16, path: &str) -> Option<(u16, serde_json::Value)> {
    match ureq::get(&format!("http://127.0.0.1:{port}{path}")).timeout(Duration::from_secs(5)).call() {
        Ok(r) => Some((r.status(), r.into_json().unwrap_or_default())),
        Err(ureq::Error::Status(s, r)) => Some((s, r.into_json().unwrap_or_default())),
        Err(_) => None,
    }
}

fn wait_ready(child: &mut Child, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        if let Some((200, _)) = get(port, "/health/ready") {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("sheba exited with {status}:\n{err}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("sheba did not become ready");
}

/// Sends SIGTERM and returns the exit status and everything logged.
fn terminate(mut child: Child) -> (std::process::ExitStatus, String) {
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let mut log = String::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        log.push_str(&line.unwrap());
        log.push('\n');
    }
    (child.wait().unwrap(), log)
}

fn postmaster_running(data_dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(data_dir.join("pg/postmaster.pid")) else {
        return false;
    };
    let pid: i32 = text.lines().next().unwrap().trim().parse().unwrap();
    // SAFETY: existence check only.
    unsafe { libc::kill(pid, 0) == 0 }
}

fn create_user(data_dir: &Path, username: &str) -> std::process::Output {
    create_user_with(data_dir, username, "system_admin", "national")
}

fn create_user_with(data_dir: &Path, username: &str, role: &str, scope: &str) -> std::process::Output {
    let mut child = Command::new(sheba_binary())
        .args(["user", "create", "--username", username, "--password-stdin", "--role", role, "--scope", scope])
        .env_remove("DATABASE_URL")
        .env("SHEBA_DATA_DIR", data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"correct horse battery staple\n").unwrap();
    child.wait_with_output().unwrap()
}

fn sign_in(port: u16, username: &str) -> u16 {
    let r = ureq::post(&format!("http://127.0.0.1:{port}/api/v1/auth/token"))
        .send_json(json!({"grant_type": "password", "username": username, "password": "correct horse battery staple"}));
    match r {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(s, _)) => s,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn serve_starts_its_own_postgres_keeps_data_and_stops_cleanly() {
    let data_dir = sheba_tests::cluster_dir().parent().unwrap().join(format!("sheba-embedded-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();

    // `sheba migrate` initialises the cluster, applies every migration, stops it again.
    let out =
        Command::new(sheba_binary()).arg("migrate").env_remove("DATABASE_URL").env("SHEBA_DATA_DIR", &data_dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let applied = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(applied.starts_with("applied ") && !applied.starts_with("applied 0"), "{applied}");
    assert!(!postmaster_running(&data_dir));

    // A CLI command with no server running starts the cluster for itself and stops it.
    let out = create_user(&data_dir, "first.admin");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!postmaster_running(&data_dir), "the CLI stopped the cluster it started");

    let port = free_port();
    let mut server = start(&data_dir, port);
    wait_ready(&mut server, port);
    assert!(postmaster_running(&data_dir));
    assert_eq!(sign_in(port, "first.admin"), 200);

    // While the server runs, the CLI joins its cluster.
    let out = create_user(&data_dir, "second.admin");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already running"));
    assert_eq!(sign_in(port, "second.admin"), 200);
    // A bulk import from the command line, with its progress bar, into the running cluster.
    let out = create_user_with(&data_dir, "upz.importer", "upazila_officer", "upazila:1");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = data_dir.join("beneficiaries.csv");
    std::fs::write(
        &csv,
        "name_en,name_bn,sex,date_of_birth,nid,birth_registration_number,mobile,union_id,programme,start_month,payment_provider,account_number,education_level\n\
         Amena,আমেনা,female,1950-01-01,1950123456,,,1,old_age,2025-07,bkash,01711111111,\n\
         Far,,male,1950-01-01,1950123457,,,4540,old_age,2025-07,,,\n",
    )
    .unwrap();
    let out = Command::new(sheba_binary())
        .args(["import", "beneficiaries", "--file"])
        .arg(&csv)
        .args(["--as", "upz.importer"])
        .env_remove("DATABASE_URL")
        .env("SHEBA_DATA_DIR", &data_dir)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("imported 1 beneficiaries") && stdout.contains("1 line(s) skipped"), "{stdout}");
    assert!(stderr.contains("line 3: the union lies outside your area"), "{stderr}");
    // The new person's name is indexed by the follow-up job the import queued in its own
    // transaction (run by the CLI or, had it died, by the server's worker), then found by name.
    let token: serde_json::Value = ureq::post(&format!("http://127.0.0.1:{port}/api/v1/auth/token"))
        .send_json(json!({"grant_type": "password", "username": "upz.importer", "password": "correct horse battery staple"}))
        .unwrap()
        .into_json()
        .unwrap();
    let authed = |path: &str| -> serde_json::Value {
        ureq::get(&format!("http://127.0.0.1:{port}{path}"))
            .set("Authorization", &format!("Bearer {}", token["access_token"].as_str().unwrap()))
            .call()
            .unwrap()
            .into_json()
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let follow_up = loop {
        let jobs = authed("/api/v1/jobs?kind=index_person_names");
        let job = jobs["data"][0].clone();
        if job["status"] == "succeeded" || Instant::now() > deadline {
            break job;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        (follow_up["status"].as_str(), follow_up["result"]["indexed"].as_i64()),
        (Some("succeeded"), Some(1)),
        "{follow_up}"
    );
    let found = authed("/api/v1/persons?name=amena");
    assert_eq!(found["data"].as_array().map(Vec::len), Some(1), "{found}");
    let (status, spec) = get(port, "/api-docs/openapi.json").unwrap();
    assert_eq!(status, 200);
    assert!(spec["paths"]["/api/v1/users"].is_object());

    let (exit, log) = terminate(server);
    assert!(exit.success(), "exit {exit}; log:\n{log}");
    assert!(log.contains("stopped the PostgreSQL cluster"), "{log}");
    assert!(!postmaster_running(&data_dir), "PostgreSQL stopped with the server");
    assert!(!log.contains("panicked"), "{log}");

    // Restart: no new initdb, the accounts are still there, the signing key is kept.
    let key = std::fs::read(data_dir.join("jwt-signing-key")).unwrap();
    let port = free_port();
    let mut server = start(&data_dir, port);
    wait_ready(&mut server, port);
    assert_eq!(sign_in(port, "second.admin"), 200);
    let (exit, log) = terminate(server);
    assert!(exit.success());
    assert!(!log.contains("initialising"), "the cluster was reused: {log}");
    assert_eq!(std::fs::read(data_dir.join("jwt-signing-key")).unwrap(), key);
    // The WAL is archived by default, beside the data directory (not in it).
    let archive = data_dir.with_file_name(format!("sheba-embedded-{}-wal-archive", std::process::id()));
    assert!(archive.is_dir(), "{} is missing", archive.display());
    let _ = std::fs::remove_dir_all(&data_dir);
    let _ = std::fs::remove_dir_all(&archive);
}
