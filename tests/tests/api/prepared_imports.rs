//! A bulk import writes its persons and its beneficiaries on two connections and commits them
//! as one (two-phase commit): both or neither, whichever side fails, and a prepared transaction
//! left by a process that died is decided by its main transaction's outcome.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use persistence::imports::{load_beneficiaries, recover_prepared, ImportOutcome, ImportRow};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

/// Prepared import transactions of this database, and decisions recorded for any.
fn leftovers(conn: &mut PgConnection) -> (i64, i64) {
    (
        count(conn, "SELECT count(*) AS n FROM pg_prepared_xacts WHERE database = current_database()"),
        count(conn, "SELECT count(*) AS n FROM prepared_imports"),
    )
}

fn row(line: i32, nid: &str, programme: &str) -> ImportRow {
    ImportRow {
        line,
        name_en: Some(format!("Person {line}")),
        name_bn: None,
        sex: "female".into(),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap(),
        nid: Some(nid.into()),
        birth_registration_number: None,
        mobile: None,
        union_id: 1,
        programme_code: programme.into(),
        start_month: chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        payment_provider: Some("bkash".into()),
        account_number: Some("01711111111".into()),
        education_level: None,
    }
}

fn import(
    main: &mut PgConnection,
    helper: Option<&mut PgConnection>,
    rows: Vec<ImportRow>,
    before_commit: &mut dyn FnMut(&mut PgConnection, &ImportOutcome) -> QueryResult<()>,
) -> QueryResult<ImportOutcome> {
    let total = rows.len() as i64;
    load_beneficiaries(
        main,
        helper,
        &mut rows.into_iter(),
        total,
        persistence::imports::Importer { scope: domain::access::Scope::National, user: domain::id::UserId(uuid::Uuid::now_v7()) },
        &mut |_| {},
        before_commit,
    )
}

fn connections() -> (PgConnection, PgConnection) {
    let url = sheba_tests::fresh_database();
    (PgConnection::establish(&url).unwrap(), PgConnection::establish(&url).unwrap())
}

const IMPORTED: &str = "SELECT count(*) AS n FROM beneficiaries b JOIN persons p ON p.id = b.person_id WHERE p.nid LIKE '1950%'";

#[test]
fn the_two_connections_commit_as_one() {
    let (mut main, mut helper) = connections();
    let rows = (1..=50).map(|i| row(i, &format!("19500{i:05}"), if i % 2 == 0 { "old_age" } else { "widow" })).collect();
    // The job's bookkeeping is written in the transaction that commits last, the beneficiaries':
    // a job seen done has every row it wrote visible.
    let seen_by_bookkeeping = std::cell::Cell::new(-1);
    let o = import(&mut main, Some(&mut helper), rows, &mut |conn, _| {
        seen_by_bookkeeping.set(count(conn, "SELECT count(*) AS n FROM beneficiaries"));
        Ok(())
    })
    .unwrap();
    assert!(o.beside, "written on two connections");
    assert_eq!(seen_by_bookkeeping.get(), 50);
    assert_eq!((o.imported, o.persons_created), (50, 50));
    assert_eq!(count(&mut main, IMPORTED), 50);
    assert_eq!(leftovers(&mut main), (0, 0), "nothing left prepared or undecided");
    // The report cells count what the helper wrote.
    assert_eq!(count(&mut main, "SELECT coalesce(sum(active), 0)::bigint AS n FROM beneficiary_counts"), 50);
    // Without a second connection: one after the other, the same result.
    let more = (51..=60).map(|i| row(i, &format!("19500{i:05}"), "old_age")).collect();
    let o = import(&mut main, None, more, &mut |_, _| Ok(())).unwrap();
    assert!(!o.beside);
    assert_eq!(count(&mut main, IMPORTED), 60);
}

#[test]
fn a_failure_on_either_connection_leaves_nothing() {
    let (mut main, mut helper) = connections();
    // The helper's side fails: a beneficiary row it copies is refused (a trigger that fires
    // in the import's replica mode too).
    main.batch_execute(
        "CREATE FUNCTION refuse_account() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF NEW.account_number = '01799999999' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$;
         CREATE TRIGGER refuse_account BEFORE INSERT ON beneficiaries FOR EACH ROW EXECUTE FUNCTION refuse_account();
         ALTER TABLE beneficiaries ENABLE ALWAYS TRIGGER refuse_account;",
    )
    .unwrap();
    let refused = ImportRow { account_number: Some("01799999999".into()), ..row(2, "1950000002", "widow") };
    let rows = vec![row(1, "1950000001", "old_age"), refused];
    let err = import(&mut main, Some(&mut helper), rows, &mut |_, _| Ok(())).unwrap_err();
    assert!(err.to_string().contains("refused"), "{err}");
    assert_eq!(count(&mut main, "SELECT count(*) AS n FROM persons WHERE nid LIKE '1950%'"), 0, "no person either");
    assert_eq!(leftovers(&mut main), (0, 0));
    // The main side fails after the helper's side was prepared: that is rolled back too.
    let rows = vec![row(1, "1950000001", "old_age"), row(2, "1950000002", "widow")];
    let err = import(&mut main, Some(&mut helper), rows, &mut |_, o| {
        assert!(o.beside);
        Err(diesel::result::Error::RollbackTransaction)
    })
    .unwrap_err();
    assert!(matches!(err, diesel::result::Error::RollbackTransaction), "{err}");
    assert_eq!(count(&mut main, "SELECT count(*) AS n FROM persons WHERE nid LIKE '1950%'"), 0);
    assert_eq!(count(&mut main, "SELECT count(*) AS n FROM beneficiaries"), 0);
    assert_eq!(leftovers(&mut main), (0, 0));
    // And the connections work on: the next import goes through.
    let rows = vec![row(1, "1950000001", "old_age")];
    assert_eq!(import(&mut main, Some(&mut helper), rows, &mut |_, _| Ok(())).unwrap().imported, 1);
}

/// A process that died between preparing and deciding: the prepared transaction is committed
/// when its main transaction recorded the decision, rolled back when not, and left alone while
/// that transaction may still be running (its advisory lock is held).
#[test]
fn a_prepared_import_left_behind_follows_its_decision() {
    let (mut conn, mut other) = connections();
    conn.batch_execute("CREATE TABLE marks (name text)").unwrap();
    let prepare = |conn: &mut PgConnection, gid: &str| {
        conn.batch_execute(&format!("BEGIN; INSERT INTO marks VALUES ('{gid}'); PREPARE TRANSACTION '{gid}'")).unwrap();
    };
    let gid = |name: &str| format!("{}{name}-{}", persistence::imports::PREPARED_IMPORT_PREFIX, uuid::Uuid::now_v7());
    let (decided, undecided, running) = (gid("decided"), gid("undecided"), gid("running"));
    prepare(&mut conn, &decided);
    diesel::sql_query("INSERT INTO prepared_imports (gid) VALUES ($1)")
        .bind::<diesel::sql_types::Text, _>(&decided)
        .execute(&mut conn)
        .unwrap();
    prepare(&mut conn, &undecided);
    prepare(&mut conn, &running);
    // The main transaction of `running` has not ended: it holds the lock.
    other.batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock({}, hashtext('{running}'))", 0x5348_4950)).unwrap();
    assert_eq!(recover_prepared(&mut conn).unwrap(), 2);
    let marks =
        |conn: &mut PgConnection, gid: &str| count(conn, &format!("SELECT count(*) AS n FROM marks WHERE name = '{gid}'"));
    assert_eq!((marks(&mut conn, &decided), marks(&mut conn, &undecided)), (1, 0));
    assert_eq!(leftovers(&mut conn), (1, 0), "the running one is left");
    // Its main transaction ended without a decision (rolled back): now it is rolled back.
    other.batch_execute("ROLLBACK").unwrap();
    assert_eq!(recover_prepared(&mut conn).unwrap(), 1);
    assert_eq!(marks(&mut conn, &running), 0);
    assert_eq!(leftovers(&mut conn), (0, 0));
}
