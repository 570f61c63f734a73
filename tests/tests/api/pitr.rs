//! Point-in-time recovery of the embedded cluster: its WAL is archived continuously; `sheba
//! backup --base` takes a base backup while the server writes; more is written, the time is
//! noted, more still; the data directory is destroyed; `sheba restore --from BASE --until T`
//! brings back every write acknowledged before T and none after. A damaged base backup is
//! refused by its manifest (`pg_verifybackup`), leaves the data directory marked, and `sheba
//! serve` refuses it, naming the command that recovers; that command then does.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::json;
use sheba_tests::process::{sheba_binary, ServerProcess};

const PASSWORD: &str = "a long recovery test passphrase";

fn sheba(data: &Path, archive: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(sheba_binary())
        .args(args)
        .env_remove("DATABASE_URL")
        .env("SHEBA_DATA_DIR", data)
        .env("SHEBA_WAL_ARCHIVE", archive)
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
    child.wait_with_output().unwrap()
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A direct connection to the embedded cluster running in `data`.
fn connect(data: &Path) -> PgConnection {
    let pid = std::fs::read_to_string(data.join("pg/postmaster.pid")).unwrap();
    let port = pid.lines().nth(3).unwrap().trim();
    let password = std::fs::read_to_string(data.join("pg-superuser-password")).unwrap();
    PgConnection::establish(&format!("postgres://postgres:{}@127.0.0.1:{port}/sheba", password.trim())).unwrap()
}

/// Closes the WAL segment being written and waits until the archive has it.
fn archive_now(data: &Path) {
    #[derive(diesel::QueryableByName)]
    struct Wal {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Archived {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        last: Option<String>,
    }
    let mut conn = connect(data);
    let wal: Wal = diesel::sql_query("SELECT pg_walfile_name(pg_switch_wal()) AS name").get_result(&mut conn).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let a: Archived =
            diesel::sql_query("SELECT last_archived_wal AS last FROM pg_stat_archiver").get_result(&mut conn).unwrap();
        if a.last.as_deref().is_some_and(|l| l >= wal.name.as_str()) {
            return;
        }
        assert!(Instant::now() < deadline, "segment {} was never archived (last {:?})", wal.name, a.last);
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn write(server: &ServerProcess, token: &str, label: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            server
                .req("POST", "/api/v1/persons")
                .bearer(token)
                .json(&json!({"name_en": format!("{label} {i}"), "sex": "female", "age_years": 40}))
                .send()
                .expect(201)
                .json["person"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// `sheba serve` on `data` must refuse to start; returns what it said.
fn serve_refuses(data: &Path, archive: &Path) -> String {
    let mut child = Command::new(sheba_binary())
        .arg("serve")
        .env_remove("DATABASE_URL")
        .env("SHEBA_DATA_DIR", data)
        .env("SHEBA_WAL_ARCHIVE", archive)
        .env("SHEBA_BIND", format!("127.0.0.1:{}", sheba_tests::process::free_port()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("sheba serve started on a data directory with a failed restore");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_base_backup_and_the_wal_archive_bring_back_any_moment() {
    let dir = std::env::temp_dir().join(format!("sheba-pitr-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (data, archive, base) = (dir.join("data"), dir.join("archive"), dir.join("base"));
    ok(sheba(
        &data,
        &archive,
        &["user", "create", "--username", "pitr.cw", "--password-stdin", "--role", "caseworker", "--scope", "upazila:1"],
        Some(PASSWORD),
    ));
    // Settings whose values hold spaces and quotes reach PostgreSQL whole, from the file and
    // from SHEBA_PG_SETTINGS.
    let settings = dir.join("pg.conf");
    std::fs::write(&settings, "# for the test\nwork_mem = '7MB'   # a comment\ncluster_name = 'from the file'\n").unwrap();
    let server = ServerProcess::start_embedded(
        &data,
        &[
            ("SHEBA_WAL_ARCHIVE", archive.to_str().unwrap()),
            ("SHEBA_PG_SETTINGS_FILE", settings.to_str().unwrap()),
            ("SHEBA_PG_SETTINGS", "cluster_name='sheba \"pitr\" test'"),
        ],
    );
    #[derive(diesel::QueryableByName)]
    struct Shown {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let show = |name: &str| -> String {
        diesel::sql_query(format!("SELECT current_setting('{name}') AS v")).get_result::<Shown>(&mut connect(&data)).unwrap().v
    };
    assert_eq!((show("work_mem").as_str(), show("cluster_name").as_str()), ("7MB", "sheba \"pitr\" test"));
    let token = server
        .req("POST", "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": "pitr.cw", "password": PASSWORD}))
        .send()
        .expect(200)
        .json["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let before_base = write(&server, &token, "Before base", 5);
    let said = ok(sheba(&data, &archive, &["backup", "--base", base.to_str().unwrap()], None));
    assert!(said.contains("base backup in") && said.contains("with the signing key"), "{said}");
    let kept = write(&server, &token, "Kept", 5);
    let until = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let lost = write(&server, &token, "After", 5);
    archive_now(&data);
    // The disk is lost (once its PostgreSQL, told by the server's death, has gone).
    let pid: i32 =
        std::fs::read_to_string(data.join("pg/postmaster.pid")).unwrap().lines().next().unwrap().trim().parse().unwrap();
    server.kill();
    let deadline = Instant::now() + Duration::from_secs(60);
    // SAFETY: an existence check only.
    while unsafe { libc::kill(pid, 0) } == 0 {
        assert!(Instant::now() < deadline, "PostgreSQL outlived its server");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::remove_dir_all(&data).unwrap();

    // A damaged base backup is refused before anything is restored; the data directory is
    // marked, and serve refuses it, saying how to recover.
    let damaged = dir.join("damaged");
    assert!(Command::new("cp").arg("-a").arg(&base).arg(&damaged).status().unwrap().success());
    let victim = damaged.join("pg/global/pg_control");
    let mut bytes = std::fs::read(&victim).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&victim, bytes).unwrap();
    let refused = sheba(&data, &archive, &["restore", "--from", damaged.to_str().unwrap(), "--until", &until], None);
    let err = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(!refused.status.success() && err.contains("does not match its manifest"), "{err}");
    assert!(data.join("restore-unfinished").is_file() && !data.join("pg").exists(), "marked, nothing restored");
    let said = serve_refuses(&data, &archive);
    assert!(said.contains("failed") && said.contains(&format!("sheba restore --from {}", damaged.display())), "{said}");

    // The good one, to the noted moment: every write before it, none after.
    let said = ok(sheba(&data, &archive, &["restore", "--from", base.to_str().unwrap(), "--until", &until], None));
    assert!(said.contains("brought forward from the WAL archive to"), "{said}");
    assert!(!data.join("restore-unfinished").exists());
    let server = ServerProcess::start_embedded(&data, &[("SHEBA_WAL_ARCHIVE", archive.to_str().unwrap())]);
    // The signing key came with the base backup: the old token still works.
    let status = |id: &String| server.req("GET", &format!("/api/v1/persons/{id}")).bearer(&token).send().status;
    let present: Vec<u16> = before_base.iter().chain(&kept).map(status).collect();
    let absent: Vec<u16> = lost.iter().map(status).collect();
    assert!(present.iter().all(|s| *s == 200), "acknowledged before {until}: {present:?}");
    assert!(absent.iter().all(|s| *s == 404), "written after {until}: {absent:?}");
    // It writes again, archived on a new timeline.
    write(&server, &token, "After the restore", 1);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
