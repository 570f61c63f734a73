//! Bulk import of beneficiaries (for example from an earlier MIS): rows are streamed into a
//! temporary table with COPY, checked and resolved set-based in SQL, then persons and
//! beneficiaries are written, at the same time on two connections where it can (see
//! `insert_beside`). A beneficiary carried over from an earlier register was enrolled there
//! and has no application here (migration 000030). All or nothing: one transaction, or two
//! committed as one by two-phase commit; a failure leaves nothing behind; rows that break a
//! rule are reported by line and skipped. The names of the people it creates are indexed for
//! search afterwards (`persons::index_names`), outside its transaction.

use std::io::Write;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::pg::CopyFormat;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text, Uuid as SqlUuid};

use crate::schema::import_beneficiaries;
use crate::COUNTER_UUID_PREFIX;
use domain::access::Scope;
use domain::id::UserId;

/// One row, already parsed and normalised (identifiers in ASCII, codes checked).
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: i32,
    pub name_en: Option<String>,
    pub name_bn: Option<String>,
    pub sex: String,
    pub date_of_birth: chrono::NaiveDate,
    pub nid: Option<String>,
    pub birth_registration_number: Option<String>,
    pub mobile: Option<String>,
    pub union_id: i32,
    pub programme_code: String,
    pub start_month: chrono::NaiveDate,
    pub payment_provider: Option<String>,
    pub account_number: Option<String>,
    pub education_level: Option<String>,
}

/// Who imports, and the area their file must keep to.
#[derive(Debug, Clone, Copy)]
pub struct Importer {
    pub scope: Scope,
    pub user: UserId,
}

#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    pub imported: i64,
    pub persons_created: i64,
    pub persons_matched: i64,
    /// (line, message) for every row skipped.
    pub errors: Vec<(i32, String)>,
    /// Beneficiaries imported per upazila, in upazila order.
    pub by_upazila: Vec<(i32, i64)>,
    /// The lowest and highest id of the people it created (made by one counter: every person
    /// with an id in between is one of them), whose names [`crate::persons::index_names`]
    /// indexes after it commits.
    pub persons_created_ids: Option<(uuid::Uuid, uuid::Uuid)>,
    /// Whether the beneficiaries were written beside the persons, on the second connection.
    pub beside: bool,
}

/// The people a file matched, and the first and last id of those it created, in one pass.
#[derive(QueryableByName)]
struct PersonsTally {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    matched: i64,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    first: Option<uuid::Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    last: Option<uuid::Uuid>,
}

#[derive(QueryableByName)]
struct LineError {
    #[diesel(sql_type = Integer)]
    line: i32,
    #[diesel(sql_type = Text)]
    error: String,
}

/// A field as COPY's CSV reads it: empty for NULL, else quoted (written in place: a million
/// rows, ten text fields each).
struct CsvField<'a>(Option<&'a str>);

impl std::fmt::Display for CsvField<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(text) = self.0 else { return Ok(()) };
        f.write_str("\"")?;
        for (i, part) in text.split('"').enumerate() {
            if i > 0 {
                f.write_str("\"\"")?;
            }
            f.write_str(part)?;
        }
        f.write_str("\"")
    }
}

fn csv_field(v: &Option<String>) -> CsvField<'_> {
    CsvField(v.as_deref())
}

/// Loads the rows, streamed from `rows` straight into COPY (a file of a million rows is never
/// held in memory a second time); `total` is how many there are, for `progress`, which is told
/// how many rows are through (coarsely, per phase).
pub fn load_beneficiaries(
    conn: &mut PgConnection,
    // A second connection: with it (and a server that allows prepared transactions) the
    // beneficiaries are written on it beside the persons, and committed with them by
    // two-phase commit; without it, one after the other.
    helper: Option<&mut PgConnection>,
    rows: &mut dyn Iterator<Item = ImportRow>,
    total: i64,
    by: Importer,
    progress: &mut dyn FnMut(i64),
    // The job's bookkeeping (its completion, the audit row): run in the transaction that
    // commits last (the helper's when there is one), before it is committed or prepared.
    before_commit: &mut dyn FnMut(&mut PgConnection, &ImportOutcome) -> QueryResult<()>,
) -> QueryResult<ImportOutcome> {
    let Importer { scope, user: by } = by;
    let mut helper = match helper {
        Some(h) if beside_possible(conn)? => Some(h),
        _ => None,
    };
    let gid = format!("{PREPARED_IMPORT_PREFIX}{}", uuid::Uuid::now_v7());
    // The helper's transaction: open once its rows are in, prepared once the job's bookkeeping
    // is in it too.
    let helper_state = std::cell::Cell::new(Beside::Idle);
    let result = conn.transaction(|conn| {
        diesel::sql_query(
            "CREATE TEMP TABLE import_beneficiaries (
                line int NOT NULL, name_en text, name_bn text, sex text NOT NULL, date_of_birth date NOT NULL,
                nid text, birth_registration_number text, mobile text, union_id int NOT NULL, programme_code text NOT NULL,
                start_month date NOT NULL, payment_provider text, account_number text, education_level text,
                repeated boolean NOT NULL, error text, person_id uuid, division_id int, district_id int, upazila_id int, exclusivity_group text) ON COMMIT DROP",
        )
        .execute(conn)?;
        // (The COPY callback may be called through a shared reference, hence the RefCells.)
        let source = std::cell::RefCell::new(&mut *rows);
        // The same identifier on an earlier line is found here, as the rows go by in their
        // order (a pass over the working table's sort cost more than a second a million rows).
        let seen = std::cell::RefCell::new(SeenIdentifiers::with_capacity(usize::try_from(total).unwrap_or(0)));
        diesel::copy_from(import_beneficiaries::table)
            .from_raw_data(import_beneficiaries::table, |w| {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
                let (mut source, mut seen) = (source.borrow_mut(), seen.borrow_mut());
                for r in &mut **source {
                    let repeated = r.nid.as_deref().or(r.birth_registration_number.as_deref()).is_some_and(|id| !seen.first_time(id));
                    writeln!(
                        w,
                        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                        r.line,
                        csv_field(&r.name_en),
                        csv_field(&r.name_bn),
                        r.sex,
                        r.date_of_birth,
                        csv_field(&r.nid),
                        csv_field(&r.birth_registration_number),
                        csv_field(&r.mobile),
                        r.union_id,
                        CsvField(Some(&r.programme_code)),
                        r.start_month,
                        csv_field(&r.payment_provider),
                        csv_field(&r.account_number),
                        csv_field(&r.education_level),
                        if repeated { 't' } else { 'f' },
                    )
                    .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
                }
                w.flush().map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
            })
            .with_format(CopyFormat::Csv)
            .execute(conn)?;
        progress(total / 4);
        // (Facility and partner scopes hold no import permission.)
        // (Numbers from the importer's scope, written into the statement.)
        let outside = match scope {
            Scope::Division(d) => format!("u.division_id <> {}", d.0),
            Scope::District(d) => format!("u.district_id <> {}", d.0),
            Scope::Upazila(u) => format!("un.upazila_id <> {}", u.0),
            Scope::National | Scope::Facility(_) | Scope::Partner(_) => "false".to_owned(),
        };
        // Where (the union's upazila, district and division) and the programme's exclusivity
        // group, joined in as the rows are copied into the table the checks work on: one pass,
        // not an update of every row for each. The rows are laid out by union, and the ids of
        // the person and beneficiary a line may create are made in that order: each new row
        // then lands next to the one before it in every index keyed by area and at the end of
        // every primary key.
        diesel::sql_query(format!(
            "CREATE TEMP TABLE import_checked ON COMMIT DROP AS
             WITH ids AS (SELECT {COUNTER_UUID_PREFIX} AS prefix)
             SELECT t.line, t.name_en, t.name_bn, t.sex, t.date_of_birth, t.nid, t.birth_registration_number, t.mobile,
                    t.union_id, t.programme_code, t.start_month, t.payment_provider, t.account_number, t.education_level,
                    (ids.prefix || lpad(to_hex(2 * row_number() OVER w), 12, '0'))::uuid AS new_person_id,
                    (ids.prefix || lpad(to_hex(2 * row_number() OVER w + 1), 12, '0'))::uuid AS beneficiary_id,
                    CASE WHEN un.upazila_id IS NULL THEN 'no such union'
                         WHEN v.code IS NULL THEN 'no such programme'
                         WHEN {outside} THEN 'the union lies outside your area'
                         -- (Only the first line with an identifier counts.)
                         WHEN t.repeated THEN 'the same identifier is on an earlier line' END AS error,
                    NULL::uuid AS person_id, u.division_id, u.district_id, un.upazila_id,
                    v.exclusivity_group
               FROM import_beneficiaries t
               CROSS JOIN ids
               LEFT JOIN unions un ON un.id = t.union_id
               LEFT JOIN upazilas u ON u.id = un.upazila_id
               -- (Only the group, not the programme's definition: every row carries what this
               -- joins through the sort, and a definition is most of a kilobyte.)
               LEFT JOIN (SELECT DISTINCT ON (code) code, definition ->> 'exclusivity_group' AS exclusivity_group
                            FROM programme_versions ORDER BY code, effective_from DESC) v
                 ON v.code = t.programme_code
             WINDOW w AS (ORDER BY t.union_id, t.line)
              -- (The window's order: one sort.)
              ORDER BY t.union_id, t.line"
        ))
        .execute(conn)?;
        diesel::sql_query("DROP TABLE import_beneficiaries").execute(conn)?;
        diesel::sql_query("ALTER TABLE import_checked RENAME TO import_beneficiaries").execute(conn)?;
        let steps: &[&str] = &[
            // People already on record, by identifier.
            "UPDATE import_beneficiaries t SET person_id = p.id FROM persons p
              WHERE t.error IS NULL AND ((t.nid IS NOT NULL AND p.nid = t.nid)
                 OR (t.birth_registration_number IS NOT NULL AND p.birth_registration_number = t.birth_registration_number))",
            "UPDATE import_beneficiaries t SET error = 'already a beneficiary of this programme'
              WHERE error IS NULL AND t.person_id IS NOT NULL
                AND EXISTS (SELECT 1 FROM beneficiaries b WHERE b.person_id = t.person_id
                             AND b.programme_code = t.programme_code AND b.status <> 'exited')",
            "UPDATE import_beneficiaries t SET error = 'already receives an allowance of the same group (one person, one allowance)'
              WHERE error IS NULL AND t.exclusivity_group IS NOT NULL AND t.person_id IS NOT NULL
                AND EXISTS (SELECT 1 FROM beneficiaries b WHERE b.person_id = t.person_id
                             AND b.exclusivity_group = t.exclusivity_group AND b.status <> 'exited')",
            // One person on record twice in the same group or programme within the file (a
            // line that matched nobody creates its own person).
            "UPDATE import_beneficiaries t SET error = 'the same person is on an earlier line for this programme or group'
               FROM (SELECT line, row_number() OVER (PARTITION BY person_id, coalesce(exclusivity_group, programme_code) ORDER BY line) AS n
                       FROM import_beneficiaries WHERE error IS NULL AND person_id IS NOT NULL) d
              WHERE d.line = t.line AND d.n > 1",
        ];
        for sql in steps {
            diesel::sql_query(*sql).execute(conn)?;
        }
        progress(total / 2);
        // What the rows refer to, read once: the areas and people to lock, the count per upazila.
        let refs = references(conn)?;
        // The two INSERTs, their foreign keys checked once for the file: on two connections at
        // once when there is a second, else one after the other.
        let insert_persons = |conn: &mut PgConnection| -> QueryResult<i64> {
            diesel::sql_query(
                "INSERT INTO persons (id, name_en, name_bn, sex, date_of_birth, nid, birth_registration_number, mobile,
                                      division_id, district_id, upazila_id, union_id, created_by)
                 SELECT new_person_id, name_en, name_bn, sex, date_of_birth, nid, birth_registration_number, mobile,
                        division_id, district_id, upazila_id, union_id, $1
                   FROM import_beneficiaries WHERE error IS NULL AND person_id IS NULL",
            )
            .bind::<SqlUuid, _>(by.0)
            .execute(conn)
            .map(|n| n as i64)
        };
        let (persons_created, imported) = match helper.as_deref_mut() {
            Some(helper) => insert_beside(conn, helper, &gid, &refs, &helper_state, |conn| {
                with_references_checked_once(conn, &refs, insert_persons)
            })?,
            None => with_references_checked_once(conn, &refs, |conn| {
                let persons_created = insert_persons(conn)?;
                progress(total * 3 / 4);
                let imported = diesel::sql_query(
                    "INSERT INTO beneficiaries (id, person_id, programme_code, exclusivity_group, division_id, district_id,
                                                upazila_id, sex, education_level, status, start_month, payment_provider, account_number)
                     SELECT beneficiary_id, coalesce(person_id, new_person_id), programme_code, exclusivity_group,
                            division_id, district_id, upazila_id, sex, education_level, 'active', start_month, payment_provider, account_number
                       FROM import_beneficiaries WHERE error IS NULL",
                )
                .execute(conn)? as i64;
                Ok((persons_created, imported))
            })?,
        };
        let errors: Vec<LineError> =
            diesel::sql_query("SELECT line, error FROM import_beneficiaries WHERE error IS NOT NULL ORDER BY line").load(conn)?;
        // (As text in the C collation, whose order is the uuids' own: PostgreSQL 15 has no
        // min() of a uuid.)
        let tally: PersonsTally = diesel::sql_query(
            "SELECT count(*) FILTER (WHERE person_id IS NOT NULL) AS matched,
                    min(new_person_id::text COLLATE \"C\") FILTER (WHERE person_id IS NULL)::uuid AS first,
                    max(new_person_id::text COLLATE \"C\") FILTER (WHERE person_id IS NULL)::uuid AS last
               FROM import_beneficiaries WHERE error IS NULL",
        )
        .get_result(conn)?;
        let outcome = ImportOutcome {
            imported,
            persons_created,
            persons_created_ids: tally.first.zip(tally.last),
            persons_matched: tally.matched,
            errors: errors.into_iter().map(|e| (e.line, e.error)).collect(),
            by_upazila: refs.by_upazila,
            beside: helper_state.get() == Beside::Open,
        };
        match helper.as_deref_mut() {
            // The job's bookkeeping (its completion, the audit row) goes with the beneficiaries,
            // which commit last: a job seen done has all its rows visible.
            Some(helper) if helper_state.get() == Beside::Open => {
                prepare_beside(helper, &gid, &helper_state, |helper| before_commit(helper, &outcome))?;
                // The decision: the prepared side commits when (and only when) this does.
                diesel::sql_query("INSERT INTO prepared_imports (gid) VALUES ($1)").bind::<Text, _>(&gid).execute(conn)?;
            }
            _ => before_commit(conn, &outcome)?,
        }
        progress(total);
        Ok(outcome)
    });
    if let Some(helper) = helper {
        match helper_state.get() {
            Beside::Idle => {}
            // This transaction failed before the helper's was prepared.
            Beside::Open => {
                let _ = AnsiTransactionManager::rollback_transaction(helper);
            }
            // The prepared side follows this transaction, whichever way it ended (and if this
            // process dies first, whoever finds it: `recover_prepared`).
            Beside::Prepared => {
                if let Err(e) = resolve_prepared(helper, &gid, true) {
                    log::warn!("the import's prepared transaction {gid} is left to recovery: {e}");
                }
            }
        }
    }
    result
}

/// The identifiers met so far in a file. Most are digits only (the parser's national ids and
/// birth registration numbers are), kept as one number each with their length (leading zeros
/// count): a million of them in a few megabytes; anything else as text.
struct SeenIdentifiers {
    digits: std::collections::HashSet<u64>,
    other: std::collections::HashSet<String>,
}

impl SeenIdentifiers {
    fn with_capacity(n: usize) -> Self {
        Self { digits: std::collections::HashSet::with_capacity(n), other: std::collections::HashSet::new() }
    }

    /// Whether `id` is met for the first time (and remembers it).
    fn first_time(&mut self, id: &str) -> bool {
        match digits_key(id) {
            Some(key) => self.digits.insert(key),
            None => self.other.insert(id.to_owned()),
        }
    }
}

/// Up to 17 ASCII digits as one number: the length in the top bits, the value below
/// (10^17 < 2^57), so that two strings have the same key only when they are the same.
fn digits_key(id: &str) -> Option<u64> {
    if id.is_empty() || id.len() > 17 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = id.bytes().fold(0u64, |v, b| v * 10 + u64::from(b - b'0'));
    Some((id.len() as u64) << 57 | value)
}

/// Where the helper connection's transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Beside {
    Idle,
    Open,
    Prepared,
}

/// Prepared transactions of imports begin with this (and are found by it after a crash).
pub const PREPARED_IMPORT_PREFIX: &str = "sheba-import-";

/// The advisory lock class (first key) an import's main transaction holds, keyed by its
/// prepared transaction's name, until it commits or rolls back: while it is held, the prepared
/// transaction's fate is not known yet.
const PREPARED_LOCK_CLASS: i32 = 0x5348_4950; // "SHIP"

diesel::table! {
    /// The beneficiaries an import writes, as the rows its helper connection copies in.
    import_beneficiary_rows (id) {
        id -> Uuid,
        person_id -> Uuid,
        programme_code -> Text,
        exclusivity_group -> Nullable<Text>,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        sex -> Text,
        education_level -> Nullable<Text>,
        status -> Text,
        start_month -> Date,
        payment_provider -> Nullable<Text>,
        account_number -> Nullable<Text>,
    }
}

/// Whether the beneficiaries may be written beside the persons: the server allows prepared
/// transactions, and the role may turn the per-row foreign-key checks off (the helper's rows
/// refer to persons that only the main transaction can see until it commits).
fn beside_possible(conn: &mut PgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "current_setting('max_prepared_transactions')::int > 0 AND has_parameter_privilege('session_replication_role', 'SET')",
    ))
    .get_result(conn)
}

/// Writes the persons on `conn` (in the import's transaction, by `insert_persons`) and at the
/// same time the beneficiaries on `helper`, in a transaction of its own, left open (`state`)
/// for [`prepare_beside`]: two cores instead of one for the two INSERTs (about 22 s -> 15 s
/// for a million of each on a 12-million-person database). The import's transaction holds an
/// advisory lock on `gid` until it ends, so nobody decides the prepared transaction's fate
/// before it does.
fn insert_beside(
    conn: &mut PgConnection,
    helper: &mut PgConnection,
    gid: &str,
    refs: &References,
    state: &std::cell::Cell<Beside>,
    insert_persons: impl FnOnce(&mut PgConnection) -> QueryResult<i64>,
) -> QueryResult<(i64, i64)> {
    use diesel::connection::SimpleConnection;
    diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind::<Integer, _>(PREPARED_LOCK_CLASS)
        .bind::<Text, _>(gid)
        .execute(conn)?;
    // The helper cannot read this transaction's temporary table: its rows go over in COPY's
    // binary format, through a file, with the rows they refer to (locked again by the helper, which
    // commits after this transaction has let go of its locks).
    conn.batch_execute(
        "CREATE TEMP TABLE import_beneficiary_rows ON COMMIT DROP AS
         SELECT beneficiary_id AS id, coalesce(person_id, new_person_id) AS person_id, programme_code, exclusivity_group,
                division_id, district_id, upazila_id, sex, education_level, 'active'::text AS status, start_month,
                payment_provider, account_number
           FROM import_beneficiaries WHERE error IS NULL",
    )?;
    let io = |e: std::io::Error| diesel::result::Error::SerializationError(Box::new(e));
    let mut spool = tempfile::tempfile().map_err(io)?;
    {
        // (Binary: nothing to format here or to parse on the other side.)
        let mut out = diesel::copy_to(import_beneficiary_rows::table).with_format(CopyFormat::Binary).load_raw(conn)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut spool);
        std::io::copy(&mut out, &mut w).map_err(io)?;
        w.flush().map_err(io)?;
    }
    // (diesel leaves the COPY's final result unread, and a prepared statement is then refused
    // with "another command is already in progress"; a simple query reads it first.)
    conn.batch_execute("SELECT 1")?;
    std::io::Seek::rewind(&mut spool).map_err(io)?;
    diesel::sql_query("DROP TABLE import_beneficiary_rows").execute(conn)?;
    std::thread::scope(|s| {
        let beside = s.spawn(|| copy_beside(helper, spool, refs));
        let persons = insert_persons(conn);
        let beneficiaries = beside
            .join()
            .map_err(|_| diesel::result::Error::QueryBuilderError("the beneficiaries' connection panicked".into()))?;
        // (The helper's transaction is open when its side succeeded, rolled back when not; an
        // open one is rolled back by the caller when this one fails.)
        if beneficiaries.is_ok() {
            state.set(Beside::Open);
        }
        Ok((persons?, beneficiaries?))
    })
}

/// The helper's side: its own transaction with the beneficiaries' rows copied in (per-row
/// foreign-key checks off: the persons they refer to are the import's), left open.
fn copy_beside(helper: &mut PgConnection, spool: std::fs::File, refs: &References) -> QueryResult<i64> {
    use diesel::connection::SimpleConnection;
    // (Through diesel's transaction manager, so that anything run in it later nests as a
    // savepoint.)
    AnsiTransactionManager::begin_transaction(helper)?;
    let done = (|| {
        // (Beneficiaries refer to no union.)
        lock_references(helper, refs, false)?;
        helper.batch_execute("SET LOCAL session_replication_role = replica")?;
        // (The COPY callback may be called through a shared reference, hence the RefCell.)
        let source = std::cell::RefCell::new(std::io::BufReader::with_capacity(1 << 16, spool));
        let copied = diesel::copy_from(crate::schema::beneficiaries::table)
            .from_raw_data(
                {
                    use crate::schema::beneficiaries::dsl::*;
                    (
                        id,
                        person_id,
                        programme_code,
                        exclusivity_group,
                        division_id,
                        district_id,
                        upazila_id,
                        sex,
                        education_level,
                        status,
                        start_month,
                        payment_provider,
                        account_number,
                    )
                },
                |w| {
                    std::io::copy(&mut *source.borrow_mut(), w)
                        .map(drop)
                        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
                },
            )
            .with_format(CopyFormat::Binary)
            .execute(helper)? as i64;
        helper.batch_execute("SET LOCAL session_replication_role = origin")?;
        Ok(copied)
    })();
    if done.is_err() {
        let _ = AnsiTransactionManager::rollback_transaction(helper);
    }
    done
}

/// Runs `last` (the job's bookkeeping) in the helper's open transaction and prepares it as
/// `gid`; rolls it back if either fails.
fn prepare_beside(
    helper: &mut PgConnection,
    gid: &str,
    state: &std::cell::Cell<Beside>,
    last: impl FnOnce(&mut PgConnection) -> QueryResult<()>,
) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    let done = last(helper)
        // (`gid` is made here, of a prefix and a uuid: nothing to quote.)
        .and_then(|()| helper.batch_execute(&format!("PREPARE TRANSACTION '{gid}'")));
    match done {
        Ok(()) => {
            state.set(Beside::Prepared);
            // PREPARE ended the transaction on the server. diesel notices that from the
            // connection's status and forgets it; should it not, its COMMIT finds no
            // transaction (a warning, not an error).
            match AnsiTransactionManager::commit_transaction(helper) {
                Ok(()) | Err(diesel::result::Error::NotInTransaction) => Ok(()),
                Err(e) => Err(e),
            }
        }
        Err(e) => {
            state.set(Beside::Idle);
            let _ = AnsiTransactionManager::rollback_transaction(helper);
            Err(e)
        }
    }
}

/// Decides the prepared import transaction `gid` once the transaction that prepared it has
/// ended (its advisory lock: waited for when `wait`, else skipped while held): committed when
/// that transaction committed its row in `prepared_imports`, rolled back when not. `Some(true)`
/// committed, `Some(false)` rolled back, `None` not decided yet (still held).
pub fn resolve_prepared(conn: &mut PgConnection, gid: &str, wait: bool) -> QueryResult<Option<bool>> {
    use diesel::connection::SimpleConnection;
    let lock = if wait {
        "SELECT true AS got FROM (SELECT pg_advisory_lock($1, hashtext($2))) l"
    } else {
        "SELECT pg_try_advisory_lock($1, hashtext($2)) AS got"
    };
    let got: Got = diesel::sql_query(lock).bind::<Integer, _>(PREPARED_LOCK_CLASS).bind::<Text, _>(gid).get_result(conn)?;
    if !got.got {
        return Ok(None);
    }
    let decided = (|| {
        let state: PreparedState = diesel::sql_query(
            "SELECT EXISTS (SELECT 1 FROM prepared_imports WHERE gid = $1) AS committed,
                    EXISTS (SELECT 1 FROM pg_prepared_xacts WHERE gid = $1) AS pending",
        )
        .bind::<Text, _>(gid)
        .get_result(conn)?;
        if state.pending {
            conn.batch_execute(&format!(
                "{} PREPARED '{}'",
                if state.committed { "COMMIT" } else { "ROLLBACK" },
                gid.replace('\'', "''")
            ))?;
        }
        diesel::sql_query("DELETE FROM prepared_imports WHERE gid = $1").bind::<Text, _>(gid).execute(conn)?;
        Ok(state.committed)
    })();
    diesel::sql_query("SELECT pg_advisory_unlock($1, hashtext($2))")
        .bind::<Integer, _>(PREPARED_LOCK_CLASS)
        .bind::<Text, _>(gid)
        .execute(conn)?;
    decided.map(Some)
}

#[derive(QueryableByName)]
struct Got {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    got: bool,
}

#[derive(QueryableByName)]
struct PreparedState {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    committed: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pending: bool,
}

#[derive(QueryableByName)]
struct PreparedGid {
    #[diesel(sql_type = Text)]
    gid: String,
}

/// Decides every import transaction in this database left prepared by a process that died
/// between preparing it and deciding it (run when a server starts and by idle job workers).
/// Returns how many it decided.
pub fn recover_prepared(conn: &mut PgConnection) -> QueryResult<usize> {
    let found: Vec<PreparedGid> = diesel::sql_query(
        "SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND starts_with(gid, $1) ORDER BY prepared",
    )
    .bind::<Text, _>(PREPARED_IMPORT_PREFIX)
    .load(conn)?;
    let mut decided = 0;
    for p in found {
        if resolve_prepared(conn, &p.gid, false)?.is_some() {
            decided += 1;
        }
    }
    // Decisions whose transaction is gone (committed, then the process died before this row).
    diesel::sql_query("DELETE FROM prepared_imports d WHERE NOT EXISTS (SELECT 1 FROM pg_prepared_xacts x WHERE x.gid = d.gid)")
        .execute(conn)?;
    Ok(decided)
}

/// What an import's rows refer to: the upazilas and unions of their areas and the people on
/// record they matched (each once), and how many rows each upazila has (the job's result).
struct References {
    upazilas: Vec<i32>,
    unions: Vec<i32>,
    matched: Vec<uuid::Uuid>,
    by_upazila: Vec<(i32, i64)>,
}

#[derive(QueryableByName)]
struct AreaCount {
    #[diesel(sql_type = Integer)]
    upazila_id: i32,
    #[diesel(sql_type = Integer)]
    union_id: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    imported: i64,
}

#[derive(QueryableByName)]
struct MatchedPerson {
    #[diesel(sql_type = SqlUuid)]
    person_id: uuid::Uuid,
}

/// Reads [`References`] in two passes over the working table (it was one pass per lock and
/// count, eight in all, a third of a second each for a million rows).
fn references(conn: &mut PgConnection) -> QueryResult<References> {
    let areas: Vec<AreaCount> = diesel::sql_query(
        "SELECT upazila_id, union_id, count(*) AS imported FROM import_beneficiaries WHERE error IS NULL GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .load(conn)?;
    let mut by_upazila: Vec<(i32, i64)> = Vec::new();
    for a in &areas {
        match by_upazila.last_mut() {
            Some((upazila, n)) if *upazila == a.upazila_id => *n += a.imported,
            _ => by_upazila.push((a.upazila_id, a.imported)),
        }
    }
    let matched: Vec<MatchedPerson> =
        diesel::sql_query("SELECT DISTINCT person_id FROM import_beneficiaries WHERE error IS NULL AND person_id IS NOT NULL")
            .load(conn)?;
    Ok(References {
        upazilas: by_upazila.iter().map(|(u, _)| *u).collect(),
        unions: areas.iter().map(|a| a.union_id).collect(),
        matched: matched.into_iter().map(|m| m.person_id).collect(),
        by_upazila,
    })
}

/// Runs `inserts` (the rows of `import_beneficiaries` into persons and beneficiaries) with
/// their foreign keys checked once for the whole file rather than by a trigger per row and key
/// (five checks a line, a third of a million-line import).
///
/// Every reference is right by construction: the area is the union's own, read from `unions`
/// and `upazilas` as the rows were checked; a person is either matched in `persons` or created
/// by the same transaction. What the per-row checks add besides is a
/// `FOR KEY SHARE` lock on each referenced row, so that it cannot be deleted or rekeyed before
/// the import commits: taken here, one statement each, on the unions, upazilas and matched
/// persons of `refs`.
/// Then `session_replication_role = replica` turns the per-row checks off for `inserts` only.
/// The other triggers on the two tables are `ENABLE ALWAYS` (migration 000026), so the
/// report cells are kept as before; a test holds every trigger on them to that, but for the
/// two that index names for search, which the caller leaves to `persons::index_names` after
/// the import commits (migration 000029). A role that
/// may not set the parameter (a database whose owner is not a superuser and was not granted
/// it) runs `inserts` with the per-row checks.
fn with_references_checked_once<T>(
    conn: &mut PgConnection,
    refs: &References,
    inserts: impl FnOnce(&mut PgConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    let may: bool =
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>("has_parameter_privilege('session_replication_role', 'SET')"))
            .get_result(conn)?;
    if !may {
        return inserts(conn);
    }
    lock_references(conn, refs, true)?;
    diesel::sql_query("SET LOCAL session_replication_role = replica").execute(conn)?;
    let done = inserts(conn)?;
    // (An error above rolls the whole transaction back, the setting with it.)
    diesel::sql_query("SET LOCAL session_replication_role = origin").execute(conn)?;
    Ok(done)
}

/// Locks the rows an import's rows refer to `FOR KEY SHARE`, one statement a table: the
/// upazilas, the unions (when `unions`) and the people on record it matched.
fn lock_references(conn: &mut PgConnection, refs: &References, unions: bool) -> QueryResult<()> {
    use diesel::sql_types::Array;
    diesel::sql_query("SELECT 1 FROM upazilas WHERE id = ANY($1) FOR KEY SHARE")
        .bind::<Array<Integer>, _>(&refs.upazilas)
        .execute(conn)?;
    if unions {
        diesel::sql_query("SELECT 1 FROM unions WHERE id = ANY($1) FOR KEY SHARE")
            .bind::<Array<Integer>, _>(&refs.unions)
            .execute(conn)?;
    }
    diesel::sql_query("SELECT 1 FROM persons WHERE id = ANY($1) FOR KEY SHARE")
        .bind::<Array<SqlUuid>, _>(&refs.matched)
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{csv_field, digits_key, CsvField, SeenIdentifiers};

    #[test]
    fn fields_are_quoted_for_copy_and_null_is_empty() {
        assert_eq!(csv_field(&None).to_string(), "");
        assert_eq!(csv_field(&Some(String::new())).to_string(), "\"\"");
        assert_eq!(CsvField(Some("Student, Hijra")).to_string(), "\"Student, Hijra\"");
        assert_eq!(CsvField(Some("the \"Hill\" home\"")).to_string(), "\"the \"\"Hill\"\" home\"\"\"");
        assert_eq!(CsvField(Some("two\nlines")).to_string(), "\"two\nlines\"");
    }

    #[test]
    fn an_identifier_is_new_once_and_only_the_same_one_repeats_it() {
        let mut seen = SeenIdentifiers::with_capacity(8);
        for id in ["1234567890", "01234567890", "001234567890", "12345678901234567", "0", "abc", "১২৩", "123456789012345678"]
        {
            assert!(seen.first_time(id), "{id} is new");
        }
        for id in ["1234567890", "01234567890", "001234567890", "12345678901234567", "0", "abc", "১২৩", "123456789012345678"]
        {
            assert!(!seen.first_time(id), "{id} is met again");
        }
        assert!(seen.first_time("00"));
        assert!(seen.first_time("99999999999999999"));
        // Leading zeros make another identifier; a long or odd one is kept as text.
        assert_ne!(digits_key("0123"), digits_key("123"));
        assert_eq!(digits_key("99999999999999999"), Some((17u64 << 57) | 99_999_999_999_999_999));
        assert_eq!(digits_key("123456789012345678"), None);
        assert_eq!(digits_key(""), None);
        assert_eq!(digits_key("12a"), None);
    }
}
