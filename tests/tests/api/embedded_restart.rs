//! The embedded PostgreSQL is supervised: killed (SIGKILL to the postmaster) in the middle
//! of writes, it is started again by `sheba serve` itself, on the same port, with a growing
//! pause between attempts (here the first attempts fail: the server binary is broken for a
//! while). Meanwhile
//! readiness says the database is being restarted, writes answer 503 with Retry-After, and
//! none is a 500; then writes resume with no restart of `sheba serve`, and every write
//! acknowledged before, during and after is there.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;
use sheba_tests::process::{sheba_binary, ServerProcess};

const PASSWORD: &str = "a long supervision test passphrase";

fn create_user(data: &Path, bin: &Path) {
    let mut child = Command::new(sheba_binary())
        .args(["user", "create", "--username", "sup.cw", "--password-stdin", "--role", "caseworker", "--scope", "upazila:1"])
        .env_remove("DATABASE_URL")
        .env("SHEBA_DATA_DIR", data)
        .env("SHEBA_PG_BIN_DIR", bin)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(PASSWORD.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The postmaster's pid and port, from `postmaster.pid`.
fn postmaster(data: &Path) -> (i32, u16) {
    let text = std::fs::read_to_string(data.join("pg/postmaster.pid")).unwrap();
    let mut lines = text.lines();
    let pid = lines.next().unwrap().trim().parse().unwrap();
    let port = lines.nth(2).unwrap().trim().parse().unwrap();
    (pid, port)
}

fn alive(pid: i32) -> bool {
    // SAFETY: existence check only.
    unsafe { libc::kill(pid, 0) == 0 }
}

#[test]
fn a_killed_postmaster_is_restarted_and_writes_resume_with_nothing_acknowledged_lost() {
    let dir = std::env::temp_dir().join(format!("sheba-restart-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    // PostgreSQL's binaries through links of the test's own, which it can break.
    let real = persistence::cluster::find_bin_dir(std::env::var_os("SHEBA_PG_BIN_DIR").map(std::path::PathBuf::from).as_deref())
        .unwrap();
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for name in ["initdb", "postgres"] {
        std::os::unix::fs::symlink(real.join(name), bin.join(name)).unwrap();
    }
    std::fs::write(bin.join("postgres.broken"), "#!/bin/sh\necho 'broken on purpose' >&2\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("postgres.broken"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    create_user(&data, &bin);
    let log = dir.join("serve.log");
    let mut server = ServerProcess::start_embedded_logged(
        &data,
        &[
            ("SHEBA_DB_ACQUIRE_TIMEOUT_MS", "1000"),
            ("SHEBA_WAL_ARCHIVE", "off"),
            ("SHEBA_PG_BIN_DIR", bin.to_str().unwrap()),
            ("RUST_LOG", "warn"),
        ],
        Some(log.clone()),
    );
    let token = server
        .req("POST", "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": "sup.cw", "password": PASSWORD}))
        .send()
        .expect(200)
        .json["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // A writer that never stops on its own: each person under its own Idempotency-Key.
    let acked: Mutex<Vec<String>> = Mutex::new(vec![]);
    let unavailable = Mutex::new(0usize);
    let stop = AtomicBool::new(false);
    let (old_pid, port) = postmaster(&data);
    /// Stops the writer however the test ends (a failed assertion must not leave the scope
    /// waiting for it).
    struct StopOnDrop<'a>(&'a AtomicBool);
    impl Drop for StopOnDrop<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    std::thread::scope(|s| {
        let _stop_writer = StopOnDrop(&stop);
        s.spawn(|| {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let r = server
                    .req("POST", "/api/v1/persons")
                    .bearer(&token)
                    .header("Idempotency-Key", &format!("restart-{n}"))
                    .json(&json!({"name_en": format!("Restart {n}"), "sex": "female", "age_years": 30}))
                    .send();
                match r.status {
                    201 => acked.lock().unwrap().push(r.json["person"]["id"].as_str().unwrap().to_owned()),
                    503 => {
                        assert!(r.header("retry-after").is_some(), "503 without Retry-After: {}", r.text);
                        *unavailable.lock().unwrap() += 1;
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    other => panic!("a write answered {other}: {}", r.text),
                }
            }
        });
        let wait_acked = |more_than: usize, what: &str| {
            let deadline = Instant::now() + Duration::from_secs(120);
            while acked.lock().unwrap().len() <= more_than {
                assert!(Instant::now() < deadline, "{what}");
                std::thread::sleep(Duration::from_millis(50));
            }
        };
        wait_acked(5, "no write succeeded before the kill");

        // The server binary is made to fail (as after a broken upgrade), then the postmaster
        // is killed: the first restarts fail, and nothing running is touched.
        std::fs::rename(bin.join("postgres.broken"), bin.join("postgres")).unwrap();
        // SAFETY: the test's own cluster.
        assert_eq!(unsafe { libc::kill(old_pid, libc::SIGKILL) }, 0);
        let before_kill = acked.lock().unwrap().len();
        // Readiness says what is happening, without waiting for the pool, and keeps trying.
        let deadline = Instant::now() + Duration::from_secs(120);
        let said = loop {
            let r = server.req("GET", "/health/ready").send();
            if r.status == 503 && r.json["detail"].as_str().is_some_and(|d| d.contains("being restarted (attempt 3)")) {
                break r;
            }
            assert!(Instant::now() < deadline, "readiness never reported a third restart attempt: {}", r.text);
            std::thread::sleep(Duration::from_millis(50));
        };
        let said = said.expect_problem(503, "service_unavailable");
        assert_eq!(said.header("retry-after"), Some("2"));
        std::os::unix::fs::symlink(real.join("postgres"), bin.join("postgres.real")).unwrap();
        std::fs::rename(bin.join("postgres.real"), bin.join("postgres")).unwrap();

        // It comes back by itself, and the writes with it.
        let deadline = Instant::now() + Duration::from_secs(180);
        while server.req("GET", "/health/ready").send().status != 200 {
            assert!(
                Instant::now() < deadline,
                "the database never came back: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let after_restart = acked.lock().unwrap().len();
        wait_acked(after_restart + 5, "writes did not resume");
        stop.store(true, Ordering::SeqCst);
        assert!(before_kill > 0 && *unavailable.lock().unwrap() > 0, "the outage was seen by the writer");
    });
    assert!(server.is_running(), "sheba serve itself was never restarted");
    let (new_pid, new_port) = postmaster(&data);
    assert!(new_pid != old_pid && new_port == port && !alive(old_pid), "a new postmaster on the same port");

    // Every acknowledged write is there.
    let acked = acked.into_inner().unwrap();
    for id in &acked {
        server.req("GET", &format!("/api/v1/persons/{id}")).bearer(&token).send().expect(200);
    }
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        text.contains("exited unexpectedly") && text.contains("failed (attempt 2") && text.contains("running again"),
        "{text}"
    );
    assert!(!text.contains("panicked"), "{text}");
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    assert!(!alive(new_pid), "the restarted PostgreSQL stopped with the server");
    eprintln!("{} writes acknowledged, every one present after the restart", acked.len());
    let _ = std::fs::remove_dir_all(&dir);
}
