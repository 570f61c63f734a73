//! Bulk import of beneficiaries: the file's format (columns, parsing, a stream of rows) and the
//! jobs that load it and index the new people's names. Called by the upload handler, the job
//! worker and the `sheba import` command alike.

use std::collections::HashMap;
use std::io::Read;

use chrono::{Datelike, NaiveDate};
use domain::allowance::enrolment::{PaymentAccount, PaymentProvider};
use domain::allowance::EducationLevel;
use domain::person::{BirthRegistrationNumber, MobileNumber, Nid, Sex};
use persistence::imports::ImportRow;
use persistence::jobs::{self, JobRow};
use uuid::Uuid;

use crate::problem::FieldError;

/// The columns of a beneficiary import file (any order).
pub const COLUMNS: [&str; 13] = [
    "name_en",
    "name_bn",
    "sex",
    "date_of_birth",
    "nid",
    "birth_registration_number",
    "mobile",
    "union_id",
    "programme",
    "start_month",
    "payment_provider",
    "account_number",
    "education_level",
];

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 2_000_000;

/// The largest file accepted (a file of `MAX_ROWS` typical rows is about 180 MB).
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;

/// Whether everything `input` yields is UTF-8, read in pieces (a character may straddle two).
pub(crate) fn is_utf8(mut input: impl Read) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 1 << 16];
    let mut carried = 0;
    loop {
        let n = input.read(&mut buf[carried..])?;
        if n == 0 {
            return Ok(carried == 0);
        }
        let filled = carried + n;
        match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => carried = 0,
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..filled, 0);
                carried = filled - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// Rows that parsed, and (line, reason) for those that did not.
pub type ParsedFile = (Vec<ImportRow>, Vec<(i32, String)>);

/// Parses the file: a fatal problem (not CSV, a missing column, too many rows) refuses it
/// whole; a bad row is reported by line and skipped.
pub fn parse_file(text: &str) -> Result<ParsedFile, Vec<FieldError>> {
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for (n, row) in parse_rows(text.as_bytes())?.enumerate() {
        if n >= MAX_ROWS {
            return Err(vec![FieldError::coded("file", "out_of_range", format!("a file holds at most {MAX_ROWS} rows"))]);
        }
        match row {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(e),
        }
    }
    Ok((rows, errors))
}

/// Checks the header, then yields the rows one by one as they parse, or (line, reason) for a
/// row that does not: a large file is read as a stream, never held in memory.
pub fn parse_rows<R: Read>(input: R) -> Result<impl Iterator<Item = Result<ImportRow, (i32, String)>>, Vec<FieldError>> {
    // (Tracked, so that a line after a blank one is reported by the number an editor shows.)
    let (input, lines) = domain::csv_lines::tracking(input);
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let index = read_header(&mut reader)?;
    // (One record, read into again and again: a million rows, no allocation each.)
    let mut record = csv::StringRecord::new();
    // (Birth dates are checked against one day for the whole file.)
    let today = domain::time::dhaka_date(chrono::Utc::now());
    Ok(std::iter::from_fn(move || {
        let line_of = |p: Option<&csv::Position>| i32::try_from(lines.line_of(p)).unwrap_or(i32::MAX);
        match reader.read_record(&mut record) {
            Ok(false) => None,
            Err(e) => Some(Err((line_of(e.position()), format!("unreadable row: {e}")))),
            Ok(true) => {
                let line = line_of(record.position());
                Some(parse_row(line, &record, &index, today).map_err(|m| (line, m)))
            }
        }
    }))
}

/// Checks the header and counts the rows after it, read but not parsed (the job reports
/// the ones that do not parse): an upload is answered without parsing a million rows twice.
pub fn count_rows<R: Read>(input: R) -> Result<usize, Vec<FieldError>> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    read_header(&mut reader)?;
    Ok(reader.into_byte_records().count())
}

/// Where each of [`COLUMNS`] is, or why the header will not do.
fn read_header<R: Read>(reader: &mut csv::Reader<R>) -> Result<Positions, Vec<FieldError>> {
    let fatal = |m: String| vec![FieldError::coded("file", "invalid_format", m)];
    let headers = reader.headers().map_err(|e| fatal(format!("the header cannot be read: {e}")))?;
    let named: HashMap<&str, usize> =
        headers.iter().enumerate().map(|(i, h)| (h.trim().trim_start_matches('\u{feff}'), i)).collect();
    let missing: Vec<&str> = COLUMNS.iter().copied().filter(|c| !named.contains_key(*c)).collect();
    if !missing.is_empty() {
        return Err(fatal(format!("missing column(s): {}", missing.join(", "))));
    }
    // Each column's position, looked up once for the file, not once a field.
    Ok(Positions(COLUMNS.map(|c| named[c])))
}

/// Where each of [`COLUMNS`] is in the file, in that order.
struct Positions([usize; COLUMNS.len()]);

impl Positions {
    /// A field by column name, trimmed; `None` when empty.
    fn field<'a>(&self, record: &'a csv::StringRecord, column: &str) -> Option<&'a str> {
        debug_assert!(COLUMNS.contains(&column), "{column} is not a column");
        let at = COLUMNS.iter().position(|c| *c == column)?;
        record.get(self.0[at]).map(str::trim).filter(|s| !s.is_empty())
    }
}

fn parse_row(line: i32, record: &csv::StringRecord, index: &Positions, today: NaiveDate) -> Result<ImportRow, String> {
    let get = |c: &str| index.field(record, c);
    let sex = get("sex").and_then(Sex::parse).ok_or("sex must be female, male or hijra")?;
    let dob = get("date_of_birth").and_then(|d| d.parse::<NaiveDate>().ok()).ok_or("date_of_birth must be YYYY-MM-DD")?;
    domain::person::check_birth_date(dob, today).map_err(|r| format!("date_of_birth: {} ({})", r.label.en, r.rule))?;
    let nid = get("nid").map(|v| Nid::parse(v).map(|n| n.as_str().to_owned())).transpose().map_err(|e| format!("nid: {e}"))?;
    let brn = get("birth_registration_number")
        .map(|v| BirthRegistrationNumber::parse(v).map(|n| n.as_str().to_owned()))
        .transpose()
        .map_err(|e| format!("birth_registration_number: {e}"))?;
    let mobile = get("mobile")
        .map(|v| MobileNumber::parse(v).map(|m| m.as_str().to_owned()))
        .transpose()
        .map_err(|e| format!("mobile: {e}"))?;
    let union_id = get("union_id")
        .and_then(domain::digits::parse_u64)
        .and_then(|n| i32::try_from(n).ok())
        .ok_or("union_id must be a number")?;
    let programme = get("programme").ok_or("programme is required")?.to_owned();
    let start = get("start_month").ok_or("start_month is required (YYYY-MM)")?;
    // (`FromStr` is `%Y-%m-%d` without parsing a format string for every row.)
    let start_month = format!("{}-01", start.get(..7).unwrap_or(start))
        .parse::<NaiveDate>()
        .ok()
        .filter(|d| d.day() == 1)
        .ok_or("start_month must be YYYY-MM")?;
    let (provider, account) = match (get("payment_provider"), get("account_number")) {
        (None, None) => (None, None),
        (Some(p), Some(a)) => {
            let provider = PaymentProvider::parse(p).ok_or("payment_provider must be bkash, nagad, rocket, upay or bank")?;
            let account = PaymentAccount::parse(provider, a).map_err(|e| format!("account_number: {e}"))?;
            (Some(provider.code().to_owned()), Some(account.number))
        }
        _ => return Err("give payment_provider and account_number together".into()),
    };
    let level = get("education_level")
        .map(|l| EducationLevel::parse(l).map(|l| l.code().to_owned()).ok_or("education_level is not a known level"))
        .transpose()?;
    let (name_en, name_bn) = (get("name_en").map(str::to_owned), get("name_bn").map(str::to_owned));
    if name_en.is_none() && name_bn.is_none() {
        return Err("give name_en or name_bn".into());
    }
    Ok(ImportRow {
        line,
        name_en,
        name_bn,
        sex: sex.code().into(),
        date_of_birth: dob,
        nid,
        birth_registration_number: brn,
        mobile,
        union_id,
        programme_code: programme,
        start_month,
        payment_provider: provider,
        account_number: account,
        education_level: level,
    })
}

/// Runs an import job: the rows of its file into the database in one transaction that also
/// marks the job done (and only while this worker holds it).
pub fn run_import(
    work: &mut persistence::PgConnection,
    progress: &mut persistence::PgConnection,
    helper: Option<&mut persistence::PgConnection>,
    job: &JobRow,
    worker: &str,
) -> crate::jobs::Outcome {
    use crate::jobs::Outcome;
    let actor = match crate::jobs::JobActor::from_payload(&job.payload) {
        Some(a) => a,
        None => return Outcome::Failed("the job has no actor".into()),
    };
    let Some(scope) = job.payload["scope"].as_str().and_then(|s| s.parse::<domain::access::Scope>().ok()) else {
        return Outcome::Failed("the job has no scope".into());
    };
    let content = match jobs::input_of(progress, job.id) {
        Ok(Some(c)) => c,
        Ok(None) => return Outcome::Failed("the job's file is gone".into()),
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let parse_errors = std::cell::RefCell::new(Vec::new());
    let rows = match parse_rows(std::io::Cursor::new(content)) {
        Ok(rows) => rows,
        Err(errors) => {
            // (The header was checked before the job was queued; the file is the same.)
            return Outcome::Failed(errors.first().map_or_else(|| "the file cannot be read".to_owned(), |e| e.message.clone()));
        }
    };
    let mut rows = rows.filter_map(|r| r.map_err(|e| parse_errors.borrow_mut().push(e)).ok());
    let audit_actor = actor.audit_actor();
    let owned = std::cell::Cell::new(true);
    let outcome = persistence::imports::load_beneficiaries(
        work,
        helper,
        &mut rows,
        job.total,
        persistence::imports::Importer { scope, user: actor.user_id },
        &mut |done| {
            let _ = jobs::progress(progress, job.id, worker, done);
        },
        &mut |conn, o| {
            persistence::audit::record(
                conn,
                persistence::audit::AuditEntry {
                    actor: &audit_actor,
                    action: "import.beneficiaries",
                    entity_type: "job",
                    entity_id: job.id.to_string(),
                    before: None,
                    after: Some(
                        serde_json::json!({"imported": o.imported, "skipped": o.errors.len() + parse_errors.borrow().len()}),
                    ),
                    request_id: Some(&actor.request_id),
                },
            )?;
            let mut errors: Vec<(i32, String)> = parse_errors.borrow().clone();
            errors.extend(o.errors.iter().cloned());
            errors.sort();
            let result = serde_json::json!({
                "imported": o.imported,
                "persons_created": o.persons_created,
                "persons_matched": o.persons_matched,
                "skipped": errors.len(),
                "by_upazila": o.by_upazila.iter().map(|(upazila_id, imported)| serde_json::json!({"upazila_id": upazila_id, "imported": imported})).collect::<Vec<_>>(),
                "errors": errors.iter().map(|(line, message)| serde_json::json!({"line": line, "message": message})).collect::<Vec<_>>(),
            });
            queue_name_indexing(conn, o, &actor)?;
            if !jobs::complete(conn, job.id, worker, &result)? {
                owned.set(false);
                return Err(diesel::result::Error::RollbackTransaction);
            }
            Ok(())
        },
    );
    match outcome {
        Ok(_) => Outcome::Done,
        Err(_) if !owned.get() => Outcome::Lost,
        Err(e) => {
            log::error!("job {} failed: {e}", job.id);
            Outcome::Failed("the import failed and changed nothing; quote the job id when reporting it".into())
        }
    }
}

/// Queues the import's follow-up job in the import's transaction (so it exists exactly when
/// the import committed): the new people's names are indexed for search once it commits, by a
/// job of their own (a third of the persons' INSERT, left out of the import).
pub fn queue_name_indexing(
    conn: &mut persistence::PgConnection,
    o: &persistence::imports::ImportOutcome,
    actor: &crate::jobs::JobActor,
) -> diesel::QueryResult<Option<JobRow>> {
    let Some((first, last)) = o.persons_created_ids else { return Ok(None) };
    let payload = actor.payload(serde_json::json!({"first": first, "last": last}));
    jobs::create(conn, crate::jobs::INDEX_PERSON_NAMES, o.persons_created, actor.user_id, &payload).map(Some)
}

/// Runs an import's follow-up job: the names of the people it created (the range of ids in the
/// job's payload) indexed for search (`persistence::persons::index_names`), committed with the
/// job's completion.
pub fn run_name_indexing(work: &mut persistence::PgConnection, job: &JobRow, worker: &str) -> crate::jobs::Outcome {
    use crate::jobs::Outcome;
    use diesel::Connection;
    let id = |field: &str| job.payload[field].as_str().and_then(|v| Uuid::parse_str(v).ok());
    let (Some(first), Some(last)) = (id("first"), id("last")) else {
        return Outcome::Failed("the job has no range of people".into());
    };
    let owned = std::cell::Cell::new(true);
    let done = work.transaction(|conn| {
        let indexed = persistence::persons::index_names(conn, first, last)?;
        if !jobs::complete(conn, job.id, worker, &serde_json::json!({"indexed": indexed}))? {
            owned.set(false);
            return Err(diesel::result::Error::RollbackTransaction);
        }
        Ok(())
    });
    match done {
        Ok(()) => Outcome::Done,
        Err(_) if !owned.get() => Outcome::Lost,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "name_en,name_bn,sex,date_of_birth,nid,birth_registration_number,mobile,union_id,programme,start_month,payment_provider,account_number,education_level";

    #[test]
    fn rows_parse_or_report_their_line() {
        let text = format!(
            "{HEADER}\nAmena,আমেনা,female,1950-01-01,১৯৫০১২৩৪৫৬,,,1,old_age,2025-07,bkash,01711111111,\n\
             \"Begum, Rahima\",,female,1951-02-02,,,,1,old_age,2025-07,,,\n\
             Bad,,robot,1950-01-01,,,,1,old_age,2025-07,,,\n\
             NoAccount,,male,1950-01-01,,,,1,old_age,2025-07,bkash,,\n"
        );
        let (rows, errors) = parse_file(&text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].nid.as_deref(), Some("1950123456"));
        assert_eq!(rows[1].name_en.as_deref(), Some("Begum, Rahima"));
        assert_eq!(rows[1].line, 3);
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [4, 5]);
    }

    #[test]
    fn an_implausible_birth_date_is_refused_by_its_rule() {
        let text = format!(
            "{HEADER}\nOld,,female,1800-01-01,,,,1,old_age,2025-07,,,\nUnborn,,female,2999-01-01,,,,1,old_age,2025-07,,,\n"
        );
        let (rows, errors) = parse_file(&text).unwrap();
        assert!(rows.is_empty());
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 3]);
        assert!(errors.iter().all(|e| e.1.contains("person.birth_date_plausible")), "{errors:?}");
    }

    /// A reader that hands out one byte at a time, so characters straddle every read.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn utf8_is_checked_across_reads() {
        assert!(is_utf8(Trickle("আমেনা,রহিমা\n".as_bytes())).unwrap());
        assert!(!is_utf8(Trickle(b"name\xff,x")).unwrap());
        assert!(!is_utf8(Trickle(&"আ".as_bytes()[..2])).unwrap(), "a character cut off at the end");
        let long = "রহিমা,".repeat(40_000);
        assert!(is_utf8(long.as_bytes()).unwrap(), "characters across 64 KiB pieces");
        let mut broken = long.into_bytes();
        broken[100_001] = 0xff;
        assert!(!is_utf8(&broken[..]).unwrap());
    }

    #[test]
    fn a_missing_column_refuses_the_file() {
        let e = parse_file("name_en,sex\nA,female\n").unwrap_err();
        assert!(e[0].message.contains("missing column"));
        assert!(parse_file("").is_err());
    }

    proptest::proptest! {
        /// Whatever arrives, parsing never panics and reports lines that exist.
        #[test]
        fn arbitrary_files_never_panic(body in "\\PC{0,300}") {
            let text = format!("{HEADER}\n{body}");
            if let Ok((rows, errors)) = parse_file(&text) {
                let lines = text.lines().count() as i32 + 1;
                proptest::prop_assert!(rows.iter().all(|r| r.line >= 2 && r.line <= lines));
                proptest::prop_assert!(errors.iter().all(|e| e.0 >= 1 && e.0 <= lines));
            }
        }
    }
}
