//! Backups that restore: a server on the embedded default records people, a case and its
//! audit trail; `sheba backup` takes them; the data directory is destroyed; `sheba restore`
//! brings back every table identical (rows and checksums, checked by the restore itself);
//! the restored server accepts the tokens issued before only if the signing key was kept, and
//! its audit trail still verifies (`sheba audit verify`). A backup that does not match what is
//! restored is refused, and so is a restore over data.
//! A failed restore (a tampered manifest, a damaged dump) leaves the data directory without
//! the half-restored database and marked; `sheba serve` refuses it, naming the command that
//! recovers, and that command (a good backup) does.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};
use sheba_tests::process::{sheba_binary, ServerProcess};

fn sheba(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(sheba_binary());
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env("SHEBA_DATA_DIR", data)
        .env("RUST_LOG", "warn")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
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

/// `sheba serve` on `data` must refuse to start; returns what it said.
fn serve_refuses(data: &Path) -> String {
    let mut child = Command::new(sheba_binary())
        .arg("serve")
        .env_remove("DATABASE_URL")
        .env("SHEBA_DATA_DIR", data)
        .env("SHEBA_BIND", format!("127.0.0.1:{}", sheba_tests::process::free_port()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("sheba serve started on a data directory with a failed restore");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn token(server: &ServerProcess, username: &str) -> String {
    let r = server
        .req("POST", "/api/v1/auth/token")
        .json(&json!({"grant_type": "password", "username": username, "password": "a long backup test passphrase"}))
        .send()
        .expect(200);
    r.json["access_token"].as_str().unwrap().to_owned()
}

#[test]
fn a_backup_restores_every_table_and_the_tokens_only_with_its_key() {
    let dir = std::env::temp_dir().join(format!("sheba-backup-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    let password = Some("a long backup test passphrase");
    for (user, role, scope) in [("bk.admin", "system_admin", "national"), ("bk.cw", "caseworker", "upazila:1")] {
        ok(sheba(&data, &["user", "create", "--username", user, "--password-stdin", "--role", role, "--scope", scope], password));
    }
    let server = ServerProcess::start_embedded(&data, &[]);
    let (admin, cw) = (token(&server, "bk.admin"), token(&server, "bk.cw"));
    let person: Value = server
        .req("POST", "/api/v1/persons")
        .bearer(&cw)
        .json(&json!({"name_en": "Moyna", "name_bn": "ময়না", "sex": "female", "age_years": 11, "union_id": 1}))
        .send()
        .expect(201)
        .json["person"]
        .clone();
    let pid = person["id"].as_str().unwrap().to_owned();
    let case = server
        .req("POST", "/api/v1/cases")
        .bearer(&cw)
        .json(&json!({"kind": "child_protection", "person_id": pid, "upazila_id": 1}))
        .send()
        .expect(201)
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.req("GET", &format!("/api/v1/persons/{pid}")).bearer(&cw).send().expect(200);
    // A document on the case: its encrypted object and key travel with the backup.
    let today = domain::time::dhaka_date(chrono::Utc::now()).to_string();
    let scan = super::documents::pdf("Birth registration of Moyna");
    let doc = server
        .req("POST", "/api/v1/documents")
        .bearer(&cw)
        .header("Content-Type", &super::documents::content_type())
        .raw(super::documents::multipart(
            &[
                ("owner_kind", "case"),
                ("owner_id", &case),
                ("kind", "birth_certificate"),
                ("title", "Birth"),
                ("dated_on", &today),
            ],
            Some(("b.pdf", None, &scan)),
        ))
        .send()
        .expect(201)
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let audit = |server: &ServerProcess| {
        server.req("GET", "/api/v1/audit-events?limit=200").bearer(&admin).send().expect(200).json["data"]
            .as_array()
            .unwrap()
            .len()
    };
    let events = audit(&server);
    assert!(events >= 4, "{events}");
    assert!(server.terminate().success());

    // Back up, destroy the data directory, restore: every table checked by the restore.
    let b1 = dir.join("b1");
    let said = ok(sheba(&data, &["backup", "--to", b1.to_str().unwrap()], None));
    assert!(said.contains("with the signing key"), "{said}");
    let manifest: Value = serde_json::from_slice(&std::fs::read(b1.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["tables"]["persons"]["rows"], 1);
    assert!(manifest["tables"]["audit_events"]["rows"].as_i64().unwrap() >= events as i64);
    assert!(manifest["tables"]["case_step_cells"]["rows"].as_i64().unwrap() > 0, "report aggregates are in it");
    let again = sheba(&data, &["backup", "--to", b1.to_str().unwrap()], None);
    assert!(!again.status.success(), "a backup never overwrites another");
    std::fs::remove_dir_all(&data).unwrap();
    let said = ok(sheba(&data, &["restore", "--from", b1.to_str().unwrap()], None));
    assert!(said.contains("every one identical"), "{said}");
    assert!(said.contains("documents: 1 restored, each decrypted and its SHA-256 checked"), "{said}");
    assert!(said.contains("audit trail: ok: "), "the restore recomputes the audit chains: {said}");
    let over = sheba(&data, &["restore", "--from", b1.to_str().unwrap()], None);
    assert!(String::from_utf8_lossy(&over.stderr).contains("already has tables"), "no restore over data");

    // The restored server: the same person, the audit trail, and the old token still good.
    let server = ServerProcess::start_embedded(&data, &[]);
    let back = server.req("GET", &format!("/api/v1/persons/{pid}")).bearer(&cw).send().expect(200).json;
    assert_eq!((back["name_bn"].as_str(), back["version"].clone()), (Some("ময়না"), person["version"].clone()));
    let bytes = server.req("GET", &format!("/api/v1/documents/{doc}/content")).bearer(&cw).send().expect(200).bytes;
    assert_eq!(bytes, scan, "the document, byte for byte, after the data directory was destroyed");
    assert!(audit(&server) > events, "the trail before, and the reads since");
    assert!(server.terminate().success());
    let verified = ok(sheba(&data, &["audit", "verify"], None));
    assert!(verified.starts_with("ok: "), "the restored trail, and what was written since, verify: {verified}");

    // Without the key, the same data comes back but the old tokens do not work.
    let b2 = dir.join("b2");
    ok(sheba(&data, &["backup", "--to", b2.to_str().unwrap(), "--without-signing-key"], None));
    assert!(!b2.join("jwt-signing-key").exists());
    assert!(!b2.join("document-key").exists() && b2.join("documents").join(&doc).is_file(), "the object, not its key");
    std::fs::remove_dir_all(&data).unwrap();
    let said = ok(sheba(&data, &["restore", "--from", b2.to_str().unwrap()], None));
    assert!(said.contains("NOT decrypted"), "{said}");
    let server = ServerProcess::start_embedded(&data, &[]);
    server.req("GET", &format!("/api/v1/persons/{pid}")).bearer(&cw).send().expect(401);
    let fresh = token(&server, "bk.cw");
    server.req("GET", &format!("/api/v1/persons/{pid}")).bearer(&fresh).send().expect(200);
    drop(server);

    // A backup whose contents do not match its manifest is refused at restore.
    let mut tampered: Value = serde_json::from_slice(&std::fs::read(b2.join("manifest.json")).unwrap()).unwrap();
    tampered["tables"]["persons"]["rows"] = json!(2);
    std::fs::write(b2.join("manifest.json"), serde_json::to_vec(&tampered).unwrap()).unwrap();
    let elsewhere = dir.join("data2");
    let refused = sheba(&elsewhere, &["restore", "--from", b2.to_str().unwrap()], None);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("persons: 1 rows"), "{}", String::from_utf8_lossy(&refused.stderr));
    // Nothing half-restored was switched in; the directory is marked, and serve refuses it.
    assert!(elsewhere.join("restore-unfinished").is_file() && !elsewhere.join("pg").exists());
    assert!(!elsewhere.join("restore-staging").exists(), "the staging cluster is gone");
    let said = serve_refuses(&elsewhere);
    assert!(said.contains(&format!("sheba restore --from {}", b2.display())) && said.contains("failed"), "{said}");

    // A damaged dump (its largest data file cut short) fails in pg_restore, the same way.
    let b3 = dir.join("b3");
    assert!(Command::new("cp").arg("-a").arg(&b1).arg(&b3).status().unwrap().success());
    let largest = std::fs::read_dir(b3.join("db"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".dat.gz"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let bytes = std::fs::read(&largest).unwrap();
    std::fs::write(&largest, &bytes[..bytes.len() / 2]).unwrap();
    let failed = sheba(&elsewhere, &["restore", "--from", b3.to_str().unwrap()], None);
    let err = String::from_utf8_lossy(&failed.stderr).into_owned();
    assert!(!failed.status.success() && err.contains("is unchanged"), "{err}");
    assert!(elsewhere.join("restore-unfinished").is_file() && !elsewhere.join("pg").exists());
    assert!(serve_refuses(&elsewhere).contains(&format!("sheba restore --from {}", b3.display())));

    // The command it names, with a good backup, starts over and succeeds.
    ok(sheba(&elsewhere, &["restore", "--from", b1.to_str().unwrap()], None));
    assert!(!elsewhere.join("restore-unfinished").exists());
    let server = ServerProcess::start_embedded(&elsewhere, &[]);
    server.req("GET", &format!("/api/v1/persons/{pid}")).bearer(&cw).send().expect(200);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `sheba` against `DATABASE_URL`.
fn external(url: &str, data: &Path, args: &[&str]) -> Output {
    Command::new(sheba_binary())
        .args(args)
        .env("DATABASE_URL", url)
        .env("SHEBA_DATA_DIR", data)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn count(url: &str, sql: &str) -> i64 {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql).get_result::<N>(&mut diesel::PgConnection::establish(url).unwrap()).unwrap().n
}

/// With `DATABASE_URL` the restore goes into `<name>__restoring` beside the target, is
/// checked there and renamed into its place. One that failed drops it and leaves the target
/// empty; one that was killed leaves it behind, and then the server refuses the target,
/// naming the way out, until a restore is run again.
#[test]
fn a_restore_into_your_own_postgresql_is_staged_beside_it() {
    let app = sheba_tests::TestApp::new();
    let (_, cw) = app.user("ext.cw", "caseworker", "upazila:1");
    let pid = app.person(&cw, &json!({"name_en": "Shapla", "sex": "female", "age_years": 9, "union_id": 1}));
    let dir = std::env::temp_dir().join(format!("sheba-backup-ext-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    let dump = dir.join("dump");
    ok(external(&app.database_url, &data, &["backup", "--to", dump.to_str().unwrap()]));
    let admin = sheba_tests::template_url().replace("/sheba_template", "/postgres");
    let exists = |name: &str| count(&admin, &format!("SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'"));

    // A restore killed half-way left its staging database: the target is refused.
    let target = sheba_tests::empty_database("ext_target");
    {
        use diesel::{Connection, RunQueryDsl};
        diesel::sql_query("CREATE DATABASE ext_target__restoring")
            .execute(&mut diesel::PgConnection::establish(&admin).unwrap())
            .unwrap();
    }
    let refused = external(&target, &data, &["migrate"]);
    let said = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(!refused.status.success() && said.contains("did not finish") && said.contains("sheba restore --from"), "{said}");

    // Run again, it starts over, checks, and switches in.
    let said = ok(external(&target, &data, &["restore", "--from", dump.to_str().unwrap()]));
    assert!(said.contains("every one identical"), "{said}");
    assert_eq!(exists("ext_target__restoring"), 0);
    assert_eq!(count(&target, &format!("SELECT count(*) AS n FROM persons WHERE id = '{pid}'")), 1);
    let over = external(&target, &data, &["restore", "--from", dump.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&over.stderr).contains("already has tables"), "no restore over data");

    // A damaged backup: refused; the target stays empty and no staging database is left.
    let damaged = dir.join("damaged");
    assert!(Command::new("cp").arg("-a").arg(&dump).arg(&damaged).status().unwrap().success());
    let mut m: Value = serde_json::from_slice(&std::fs::read(damaged.join("manifest.json")).unwrap()).unwrap();
    m["tables"]["persons"]["checksum"] = json!("0");
    std::fs::write(damaged.join("manifest.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    let second = sheba_tests::empty_database("ext_second");
    let failed = external(&second, &data, &["restore", "--from", damaged.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&failed.stderr).into_owned();
    assert!(!failed.status.success() && said.contains("persons:") && said.contains("unchanged"), "{said}");
    assert_eq!(count(&second, "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'"), 0);
    assert_eq!(exists("ext_second__restoring"), 0);
    ok(external(&second, &data, &["migrate"]));
    let _ = std::fs::remove_dir_all(&dir);
}
