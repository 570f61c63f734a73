//! The audit trail's hash chains: `sheba audit verify` passes an untouched trail (written by
//! concurrent requests) and names the row when someone who holds the database changes one,
//! deletes one or puts one in, going round the append-only trigger as a superuser can; `sheba
//! audit anchor` exports the closed days' ends (and checkpoints of today), and a day rewritten
//! with fresh hashes, which verifies on its own, does not pass through its anchor.

use std::process::{Command, Output};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, SmallInt, Text};
use serde_json::json;
use sheba_tests::process::sheba_binary;
use sheba_tests::TestApp;

fn sheba(url: &str, args: &[&str]) -> Output {
    Command::new(sheba_binary()).args(args).env("DATABASE_URL", url).env("RUST_LOG", "warn").output().expect("run sheba")
}

/// `sheba audit verify ARGS`: exit status and standard output.
fn verify(app: &TestApp, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["audit", "verify"];
    all.extend_from_slice(args);
    let out = sheba(&app.database_url, &all);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code(), format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)))
}

#[track_caller]
fn assert_verifies(app: &TestApp) -> String {
    let (code, out) = verify(app, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("ok: "), "{out}");
    out
}

/// Asserts the trail does not verify and that the first broken link is `link`.
#[track_caller]
fn assert_broken_at(app: &TestApp, args: &[&str], link: &str, says: &str) {
    let (code, out) = verify(app, args);
    assert_eq!(code, Some(2), "{out}");
    let first = out.lines().next().unwrap_or_default();
    assert!(first.starts_with(&format!("broken: {link}: ")), "expected {link}, got:\n{out}");
    assert!(first.contains(says), "expected '{says}' in:\n{out}");
}

#[derive(QueryableByName, Debug, Clone)]
struct Link {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    day: String,
    #[diesel(sql_type = SmallInt)]
    shard: i16,
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

impl Link {
    fn named(&self) -> String {
        format!("day {}, chain {}, seq {}, event {}", self.day, self.shard, self.seq, self.id)
    }
}

/// The trail in chain order.
fn links(conn: &mut PgConnection) -> Vec<Link> {
    diesel::sql_query(
        "SELECT id::text AS id, chain_day::text AS day, chain_shard AS shard, chain_seq AS seq
           FROM audit_events ORDER BY chain_day, chain_shard, chain_seq",
    )
    .load(conn)
    .unwrap()
}

/// The rows of the longest chain, in order.
fn longest_chain(conn: &mut PgConnection) -> Vec<Link> {
    let all = links(conn);
    let mut best: Vec<Link> = vec![];
    for l in &all {
        let chain: Vec<Link> = all.iter().filter(|o| (&o.day, o.shard) == (&l.day, l.shard)).cloned().collect();
        if chain.len() > best.len() {
            best = chain;
        }
    }
    best
}

/// A trail of audited requests: a caseworker records a person and reads her record `reads`
/// times from four threads at once (each read is audited in its own transaction).
fn audited_reads(app: &TestApp, reads: usize) {
    let (_, cw) = app.user("chain.cw", "caseworker", "upazila:1");
    let person = app.person(&cw, &json!({"name_en": "Moyna", "name_bn": "ময়না", "sex": "female", "age_years": 11, "union_id": 1}));
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..reads / 4 {
                    app.get(&format!("/api/v1/persons/{person}")).bearer(&cw).send().expect(200);
                }
            });
        }
    });
}

/// Runs SQL as the database's superuser would, the append-only trigger out of the way.
fn as_superuser(conn: &mut PgConnection, sql: &str) {
    conn.batch_execute(&format!(
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete;
         {sql};
         ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete;"
    ))
    .unwrap();
}

#[test]
fn an_untouched_trail_verifies_with_gapless_chains_under_concurrent_writers() {
    let app = TestApp::new();
    audited_reads(&app, 60);
    let mut conn = app.db();
    let all = links(&mut conn);
    assert!(all.len() >= 62, "{}", all.len());
    // Each chain is numbered 1, 2, 3, ... in the order its rows committed.
    let mut chains = std::collections::BTreeMap::<(String, i16), Vec<i64>>::new();
    for l in &all {
        chains.entry((l.day.clone(), l.shard)).or_default().push(l.seq);
    }
    for (key, seqs) in &chains {
        assert_eq!(*seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "{key:?}");
    }
    assert!(chains.len() > 1, "concurrent writers spread over several chains");
    let out = assert_verifies(&app);
    assert!(out.starts_with(&format!("ok: {} rows in {} chains over 1 days", all.len(), chains.len())), "{out}");
    // One day's chains alone.
    let (code, out) = verify(&app, &["--day", &all[0].day]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = verify(&app, &["--day", "2001-01-01"]);
    assert!(code == Some(0) && out.starts_with("ok: 0 rows in 0 chains"), "{out}");
}

#[test]
fn a_changed_row_is_named() {
    let app = TestApp::new();
    audited_reads(&app, 40);
    let mut conn = app.db();
    let chain = longest_chain(&mut conn);
    assert!(chain.len() >= 3, "{chain:?}");
    let target = &chain[1];
    conn.batch_execute(&format!("CREATE TEMP TABLE kept AS SELECT after FROM audit_events WHERE id = '{}'", target.id)).unwrap();
    as_superuser(&mut conn, &format!("UPDATE audit_events SET after = '{{\"seen\": false}}' WHERE id = '{}'", target.id));
    assert_broken_at(&app, &[], &target.named(), "this row was changed");
    // Put back as it was, the trail verifies again.
    as_superuser(&mut conn, &format!("UPDATE audit_events SET after = (SELECT after FROM kept) WHERE id = '{}'", target.id));
    assert_verifies(&app);
    // The same change made in replica mode (which skips the append-only trigger), to another column.
    conn.batch_execute(&format!(
        "SET session_replication_role = replica;
         UPDATE audit_events SET actor_label = 'someone else' WHERE id = '{}';
         SET session_replication_role = origin;",
        chain[2].id
    ))
    .unwrap();
    assert_broken_at(&app, &[], &chain[2].named(), "this row was changed");
}

#[test]
fn a_deleted_row_is_named() {
    let app = TestApp::new();
    audited_reads(&app, 40);
    let mut conn = app.db();
    let chain = longest_chain(&mut conn);
    assert!(chain.len() >= 3, "{chain:?}");
    // From the middle: the next row names the gap.
    conn.batch_execute(&format!("CREATE TEMP TABLE kept AS SELECT * FROM audit_events WHERE id = '{}'", chain[1].id)).unwrap();
    as_superuser(&mut conn, &format!("DELETE FROM audit_events WHERE id = '{}'", chain[1].id));
    assert_broken_at(&app, &[], &chain[2].named(), &format!("seq {}, before this row, is missing", chain[1].seq));
    // Put back as it was (the chain trigger off, so that it keeps its place), it verifies again.
    conn.batch_execute(
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_chain;
         INSERT INTO audit_events SELECT * FROM kept;
         ALTER TABLE audit_events ENABLE TRIGGER audit_events_chain;",
    )
    .unwrap();
    assert_verifies(&app);
    // From the end: the chain stops short of its head.
    let last = chain.last().unwrap();
    as_superuser(&mut conn, &format!("DELETE FROM audit_events WHERE id = '{}'", last.id));
    let before_last = &chain[chain.len() - 2];
    let (code, out) = verify(&app, &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains(&format!("{}: the chain ends here but its head says seq {}", before_last.named(), last.seq)), "{out}");
}

#[test]
fn a_forged_row_is_named() {
    let app = TestApp::new();
    audited_reads(&app, 20);
    let mut conn = app.db();
    let chain = longest_chain(&mut conn);
    let last = chain.last().unwrap().clone();
    // Put in at the end of a chain, the chain trigger off, with a plausible place and a made-up
    // hash, its head moved on too.
    let forged = uuid::Uuid::now_v7();
    conn.batch_execute(&format!(
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_chain;
         INSERT INTO audit_events (id, actor_label, action, entity_type, entity_id, chain_day, chain_shard, chain_seq, chain_hash)
         VALUES ('{forged}', 'admin', 'user.create', 'user', 'x', '{day}', {shard}, {seq}, sha256('forged'));
         UPDATE audit_chain_heads SET last_seq = {seq}, last_hash = sha256('forged') WHERE day = '{day}' AND shard = {shard};
         ALTER TABLE audit_events ENABLE TRIGGER audit_events_chain;",
        day = last.day,
        shard = last.shard,
        seq = last.seq + 1
    ))
    .unwrap();
    let link = format!("day {}, chain {}, seq {}, event {forged}", last.day, last.shard, last.seq + 1);
    assert_broken_at(&app, &[], &link, "put in");
    as_superuser(&mut conn, &format!("DELETE FROM audit_events WHERE id = '{forged}'"));
    conn.batch_execute(&format!(
        "UPDATE audit_chain_heads h SET last_seq = e.chain_seq, last_hash = e.chain_hash FROM audit_events e
          WHERE e.id = '{}' AND h.day = e.chain_day AND h.shard = e.chain_shard",
        last.id
    ))
    .unwrap();
    assert_verifies(&app);
    // Put in through the trigger, it is chained as a row of today: one that claims an earlier day is named.
    let backdated = uuid::Uuid::now_v7();
    conn.batch_execute(&format!(
        "INSERT INTO audit_events (id, occurred_at, actor_label, action, entity_type, entity_id)
         VALUES ('{backdated}', now() - interval '3 days', 'admin', 'case.read', 'case', 'x')"
    ))
    .unwrap();
    let row = links(&mut conn).into_iter().find(|l| l.id == backdated.to_string()).unwrap();
    assert_broken_at(&app, &[], &row.named(), "is not on its chain's day");
}

/// What a superuser would run to rewrite the trail with fresh hashes (the migration's own
/// functions), and its heads with them: a consistent trail.
const RECHAIN: &str = "
    ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete;
    WITH chained AS (
        SELECT id, audit_chain_fold(audit_chain_content(chain_day, chain_shard, chain_seq, id, occurred_at, actor_id,
                   actor_label, action, entity_type, entity_id, before, after, request_id))
                   OVER (PARTITION BY chain_day, chain_shard ORDER BY chain_seq) AS hash
          FROM audit_events)
    UPDATE audit_events e SET chain_hash = c.hash FROM chained c WHERE e.id = c.id AND e.chain_hash <> c.hash;
    ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete;
    DELETE FROM audit_chain_heads;
    INSERT INTO audit_chain_heads (day, shard, last_seq, last_hash)
    SELECT DISTINCT ON (chain_day, chain_shard) chain_day, chain_shard, chain_seq, chain_hash
      FROM audit_events ORDER BY chain_day, chain_shard, chain_seq DESC;";

#[test]
fn a_rewritten_day_verifies_alone_but_not_against_its_anchor() {
    let app = TestApp::new();
    audited_reads(&app, 20);
    let mut conn = app.db();
    // Today's trail made into one three days ago (a closed day), chained afresh.
    as_superuser(&mut conn, "UPDATE audit_events SET occurred_at = occurred_at - interval '3 days', chain_day = chain_day - 3");
    conn.batch_execute(RECHAIN).unwrap();
    let day = links(&mut conn)[0].day.clone();
    assert_verifies(&app);

    let dir = std::env::temp_dir().join(format!("sheba-anchor-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("anchors.jsonl");
    let _ = std::fs::remove_file(&file);
    let out = sheba(&app.database_url, &["audit", "anchor", "--out", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&file).unwrap();
    let anchors: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(anchors.len(), 1, "one closed day: {text}");
    assert_eq!(anchors[0]["day"], day.as_str());
    let chain = longest_chain(&mut conn);
    let ends: Vec<(i64, i64)> = anchors[0]["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["chain"].as_i64().unwrap(), c["seq"].as_i64().unwrap()))
        .collect();
    assert!(ends.contains(&(chain[0].shard as i64, chain.len() as i64)), "{ends:?}");
    assert_eq!(anchors[0]["rows"].as_i64().unwrap(), links(&mut conn).iter().filter(|l| l.day == day).count() as i64);
    // Today is not over, and the same day again gives the same line (appended).
    let today = sheba(&app.database_url, &["audit", "anchor", "--day", &chrono::Utc::now().date_naive().to_string()]);
    assert!(!today.status.success() && String::from_utf8_lossy(&today.stderr).contains("not closed yet"));
    let again = sheba(&app.database_url, &["audit", "anchor", "--day", &day]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), text);
    let file_arg = file.to_str().unwrap();
    let (code, out) = verify(&app, &["--anchors", file_arg]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("; 1 anchored days pass through their anchors"), "{out}");

    // A row of that day changed and the whole trail chained afresh: it verifies on its own, but
    // the day's chain no longer ends in its anchor.
    as_superuser(&mut conn, &format!("UPDATE audit_events SET entity_id = 'someone else' WHERE id = '{}'", chain[1].id));
    conn.batch_execute(RECHAIN).unwrap();
    assert_verifies(&app);
    let last = chain.last().unwrap();
    assert_broken_at(&app, &["--anchors", file_arg], &last.named(), "the day's chain was rewritten");
    assert_broken_at(&app, &["--anchors", file_arg, "--day", &day], &last.named(), "the day's chain was rewritten");
    // And a broken day is not anchored.
    as_superuser(&mut conn, &format!("UPDATE audit_events SET entity_id = 'x' WHERE id = '{}'", chain[1].id));
    let refused = sheba(&app.database_url, &["audit", "anchor"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stdout).starts_with(&format!("broken: {}", chain[1].named())));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Migration 000034 chains the rows already there, day by day in their order.
#[test]
fn the_migration_chains_the_trail_already_there() {
    let app = TestApp::new();
    audited_reads(&app, 8);
    let mut conn = app.db();
    while persistence::db::revert_last_migration(&mut conn).unwrap() != "20261128000034" {}
    conn.batch_execute(
        "INSERT INTO audit_events (id, occurred_at, actor_label, action, entity_type, entity_id, before, after)
         VALUES (gen_random_uuid(), now() - interval '2 days', 'রহিমা', 'case.read', 'case', 'c1', NULL, '{\"b\": [1, 2.50], \"a\": \"ক\"}'),
                (gen_random_uuid(), now() - interval '2 days', 'x', 'case.read', 'case', 'c2', '{}', NULL),
                (gen_random_uuid(), now() - interval '9 days', 'x', 'case.read', 'case', 'c3', NULL, NULL)",
    )
    .unwrap();
    assert!(persistence::db::run_migrations(&mut conn).unwrap().contains(&"20261128000034".to_owned()));
    let out = assert_verifies(&app);
    let all = links(&mut conn);
    assert!(out.starts_with(&format!("ok: {} rows in 3 chains over 3 days", all.len())), "{out}");
    // Appending goes on from the chains the migration made.
    app.tokens("admin");
    assert_verifies(&app);
}

#[test]
fn a_checkpoint_of_today_catches_a_rewrite_of_today() {
    let app = TestApp::new();
    audited_reads(&app, 20);
    let mut conn = app.db();
    let chain = longest_chain(&mut conn);
    let dir = std::env::temp_dir().join(format!("sheba-checkpoint-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("anchors.jsonl");
    let _ = std::fs::remove_file(&file);
    let file_arg = file.to_str().unwrap();
    let out = sheba(&app.database_url, &["audit", "anchor", "--open", "--out", file_arg]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&file).unwrap();
    let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!((line["day"].as_str(), &line["open"]), (Some(chain[0].day.as_str()), &json!(true)), "{text}");
    // The day goes on past its checkpoint.
    for _ in 0..3 {
        app.tokens("admin");
    }
    let (code, out) = verify(&app, &["--anchors", file_arg]);
    assert_eq!(code, Some(0), "{out}");
    // Rewritten with fresh hashes from a row before the checkpoint: caught where the chain
    // no longer passes through it.
    as_superuser(&mut conn, &format!("UPDATE audit_events SET entity_id = 'someone else' WHERE id = '{}'", chain[0].id));
    conn.batch_execute(RECHAIN).unwrap();
    assert_verifies(&app);
    assert_broken_at(&app, &["--anchors", file_arg], &chain.last().unwrap().named(), "the day's chain was rewritten");
    let _ = std::fs::remove_dir_all(&dir);
}
