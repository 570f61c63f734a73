//! Bulk import of beneficiaries (for example from an earlier MIS): rows are streamed into a
//! temporary table with COPY, checked and resolved set-based in SQL, then persons and
//! beneficiaries are inserted with INSERT ... SELECT. A beneficiary carried over from an earlier
//! register was enrolled there and has no application here (migration 000030). All in one
//! transaction: a failure leaves nothing behind; rows that break a rule are reported by line
//! and skipped. The names of the people it creates are indexed for search afterwards
//! (`persons::index_names`), outside its transaction.

use std::io::Write;

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
struct UpazilaCount {
    #[diesel(sql_type = Integer)]
    upazila_id: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    imported: i64,
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
    rows: &mut dyn Iterator<Item = ImportRow>,
    total: i64,
    scope: Scope,
    by: UserId,
    progress: &mut dyn FnMut(i64),
    // Runs inside the transaction before it commits (for the audit row).
    before_commit: &mut dyn FnMut(&mut PgConnection, &ImportOutcome) -> QueryResult<()>,
) -> QueryResult<ImportOutcome> {
    conn.transaction(|conn| {
        diesel::sql_query(
            "CREATE TEMP TABLE import_beneficiaries (
                line int PRIMARY KEY, name_en text, name_bn text, sex text NOT NULL, date_of_birth date NOT NULL,
                nid text, birth_registration_number text, mobile text, union_id int NOT NULL, programme_code text NOT NULL,
                start_month date NOT NULL, payment_provider text, account_number text, education_level text,
                error text, person_id uuid, division_id int, district_id int, upazila_id int, exclusivity_group text) ON COMMIT DROP",
        )
        .execute(conn)?;
        // (The COPY callback may be called through a shared reference, hence the RefCell.)
        let source = std::cell::RefCell::new(&mut *rows);
        diesel::copy_from(import_beneficiaries::table)
            .from_raw_data(import_beneficiaries::table, |w| {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
                let mut source = source.borrow_mut();
                for r in &mut **source {
                    writeln!(
                        w,
                        "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
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
                    )
                    .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
                }
                w.flush().map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
            })
            .with_format(CopyFormat::Csv)
            .execute(conn)?;
        progress(total / 4);
        // (Facility and partner scopes hold no import permission.)
        let (div, dist, upz): (Option<i32>, Option<i32>, Option<i32>) = match scope {
            Scope::Division(d) => (Some(d.0), None, None),
            Scope::District(d) => (None, Some(d.0), None),
            Scope::Upazila(u) => (None, None, Some(u.0)),
            Scope::National | Scope::Facility(_) | Scope::Partner(_) => (None, None, None),
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
                         WHEN v.code IS NULL THEN 'no such programme' END AS error,
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
            "UPDATE import_beneficiaries SET error = 'the union lies outside your area'
              WHERE error IS NULL AND (($1::int IS NOT NULL AND division_id <> $1) OR ($2::int IS NOT NULL AND district_id <> $2)
                                       OR ($3::int IS NOT NULL AND upazila_id <> $3))",
            // The same identifier twice in the file: only the first line counts.
            "UPDATE import_beneficiaries t SET error = 'the same identifier is on an earlier line'
               FROM (SELECT line, row_number() OVER (PARTITION BY coalesce(nid, birth_registration_number) ORDER BY line) AS n
                       FROM import_beneficiaries WHERE coalesce(nid, birth_registration_number) IS NOT NULL) d
              WHERE d.line = t.line AND d.n > 1 AND t.error IS NULL",
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
        for (i, sql) in steps.iter().enumerate() {
            let q = diesel::sql_query(*sql);
            if i == 0 {
                q.bind::<Nullable<Integer>, _>(div).bind::<Nullable<Integer>, _>(dist).bind::<Nullable<Integer>, _>(upz).execute(conn)?;
            } else {
                q.execute(conn)?;
            }
        }
        progress(total / 2);
        // The two INSERTs, their foreign keys checked once for the file.
        let (persons_created, imported) = with_references_checked_once(conn, |conn| {
            let persons_created = diesel::sql_query(
                "INSERT INTO persons (id, name_en, name_bn, sex, date_of_birth, nid, birth_registration_number, mobile,
                                      division_id, district_id, upazila_id, union_id, created_by)
                 SELECT new_person_id, name_en, name_bn, sex, date_of_birth, nid, birth_registration_number, mobile,
                        division_id, district_id, upazila_id, union_id, $1
                   FROM import_beneficiaries WHERE error IS NULL AND person_id IS NULL",
            )
            .bind::<SqlUuid, _>(by.0)
            .execute(conn)? as i64;
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
        })?;
        let errors: Vec<LineError> =
            diesel::sql_query("SELECT line, error FROM import_beneficiaries WHERE error IS NOT NULL ORDER BY line").load(conn)?;
        let by_upazila: Vec<UpazilaCount> = diesel::sql_query(
            "SELECT upazila_id, count(*) AS imported FROM import_beneficiaries WHERE error IS NULL GROUP BY 1 ORDER BY 1",
        )
        .load(conn)?;
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
            by_upazila: by_upazila.into_iter().map(|c| (c.upazila_id, c.imported)).collect(),
        };
        before_commit(conn, &outcome)?;
        progress(total);
        Ok(outcome)
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
/// the import commits: taken here, set-based, on the unions, upazilas and matched persons.
/// Then `session_replication_role = replica` turns the per-row checks off for `inserts` only.
/// The other triggers on the two tables are `ENABLE ALWAYS` (migration 000026), so the
/// report cells are kept as before; a test holds every trigger on them to that, but for the
/// two that index names for search, which the caller leaves to `persons::index_names` after
/// the import commits (migration 000029). A role that
/// may not set the parameter (a database whose owner is not a superuser and was not granted
/// it) runs `inserts` with the per-row checks.
fn with_references_checked_once<T>(
    conn: &mut PgConnection,
    inserts: impl FnOnce(&mut PgConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    let may: bool =
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>("has_parameter_privilege('session_replication_role', 'SET')"))
            .get_result(conn)?;
    if !may {
        return inserts(conn);
    }
    for lock in [
        "SELECT 1 FROM upazilas WHERE id IN (SELECT upazila_id FROM import_beneficiaries WHERE error IS NULL) FOR KEY SHARE",
        "SELECT 1 FROM unions WHERE id IN (SELECT union_id FROM import_beneficiaries WHERE error IS NULL) FOR KEY SHARE",
        "SELECT 1 FROM persons WHERE id IN (SELECT person_id FROM import_beneficiaries WHERE error IS NULL AND person_id IS NOT NULL)
           FOR KEY SHARE",
        "SET LOCAL session_replication_role = replica",
    ] {
        diesel::sql_query(lock).execute(conn)?;
    }
    let done = inserts(conn)?;
    // (An error above rolls the whole transaction back, the setting with it.)
    diesel::sql_query("SET LOCAL session_replication_role = origin").execute(conn)?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::{csv_field, CsvField};

    #[test]
    fn fields_are_quoted_for_copy_and_null_is_empty() {
        assert_eq!(csv_field(&None).to_string(), "");
        assert_eq!(csv_field(&Some(String::new())).to_string(), "\"\"");
        assert_eq!(CsvField(Some("Student, Hijra")).to_string(), "\"Student, Hijra\"");
        assert_eq!(CsvField(Some("the \"Hill\" home\"")).to_string(), "\"the \"\"Hill\"\" home\"\"\"");
        assert_eq!(CsvField(Some("two\nlines")).to_string(), "\"two\nlines\"");
    }
}
