//! Bulk import of beneficiaries (for example from an earlier MIS). The rows are checked as
//! they stream by, against reference data read once (unions and their areas, programmes and
//! their groups, the importer's area, an identifier on an earlier line), and each accepted
//! row is written as two rows in COPY's binary format, a person's and a beneficiary's, to two
//! spool files; only the identifiers go to the database then, to find the people already on
//! record. The spools are then copied into `persons` and `beneficiaries`, at the same time on
//! two connections where it can (see `insert_beside`). A beneficiary carried over from an
//! earlier register was enrolled there and has no application here (migration 000030). All or
//! nothing: one transaction, or two committed as one by two-phase commit; a failure leaves
//! nothing behind; rows that break a rule are reported by line and skipped. The names of the
//! people it creates are indexed for search afterwards (`persons::index_names`), outside its
//! transaction.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::pg::CopyFormat;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text, Uuid as SqlUuid};

use crate::copy_binary::{BinaryRow, HEADER, TRAILER};
use crate::COUNTER_UUID_PREFIX;
use domain::access::Scope;
use domain::allowance::enrolment::{check_exclusive, exclusive_key, EnrolmentRefusal};
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
    /// (line, message) for every row skipped, in line order.
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

/// Loads the rows, streamed from `rows` (a file of a million rows is never held in memory a
/// second time: what is kept of a row is its line, union and programme); `total` is how many
/// there are, for `progress`, which is told how many rows are through (coarsely, per phase).
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
    let mut helper = match helper {
        Some(h) if beside_possible(conn)? => Some(h),
        _ => None,
    };
    let gid = format!("{PREPARED_IMPORT_PREFIX}{}", uuid::Uuid::now_v7());
    // The helper's transaction: open once its rows are in, prepared once the job's bookkeeping
    // is in it too.
    let helper_state = std::cell::Cell::new(Beside::Idle);
    let result = conn.transaction(|conn| {
        let book = ReferenceBook::read(conn)?;
        let (checked, found) = check_and_spool(conn, helper.as_deref_mut(), rows, total, by, &book)?;
        progress(total / 4);
        let (fates, mut errors) = people_on_record(conn, &checked, found, &book)?;
        progress(total / 2);
        let refs = references(&checked, &fates, &book);
        // The two COPYs, their foreign keys checked once for the file: on two connections at
        // once when there is a second, else one after the other.
        let copy_persons = |conn: &mut PgConnection| copy_persons(conn, &checked, &fates);
        let (persons_created, imported) = match helper.as_deref_mut() {
            Some(helper) => insert_beside(
                conn,
                helper,
                &gid,
                &refs,
                &helper_state,
                |conn| with_references_checked_once(conn, &refs, copy_persons),
                |helper| copy_beneficiaries(helper, &checked, &fates),
            )?,
            None => with_references_checked_once(conn, &refs, |conn| {
                let persons_created = copy_persons(conn)?;
                progress(total * 3 / 4);
                Ok((persons_created, copy_beneficiaries(conn, &checked, &fates)?))
            })?,
        };
        errors.extend(checked.errors);
        errors.sort();
        let outcome = ImportOutcome {
            imported,
            persons_created,
            persons_created_ids: fates.created_ids(checked.ids),
            persons_matched: fates.fate.iter().filter(|f| !matches!(**f, Fates::NEW | Fates::SKIPPED)).count() as i64,
            errors,
            by_upazila: refs.by_upazila.clone(),
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

/// Where a union lies.
#[derive(Debug, Clone, Copy, QueryableByName)]
struct Area {
    #[diesel(sql_type = Integer)]
    union_id: i32,
    #[diesel(sql_type = Integer)]
    upazila_id: i32,
    #[diesel(sql_type = Integer)]
    district_id: i32,
    #[diesel(sql_type = Integer)]
    division_id: i32,
}

impl Area {
    /// Whether `scope` reaches the union (the access rules' own test; facility and partner
    /// scopes, which hold no import permission, reach none).
    fn within(&self, scope: Scope) -> bool {
        use domain::geo::{DistrictId, DivisionId, UnionId, UpazilaId};
        let path = domain::geo::AreaPath {
            division: DivisionId(self.division_id),
            district: Some(DistrictId(self.district_id)),
            upazila: Some(UpazilaId(self.upazila_id)),
            union: Some(UnionId(self.union_id)),
        };
        scope.covers(&domain::access::Subject::Area(path))
    }
}

#[derive(QueryableByName)]
struct ProgrammeGroup {
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Nullable<Text>)]
    exclusivity_group: Option<String>,
}

/// The reference data every row is checked against, read once for the file (a few thousand
/// unions, a few dozen programmes), in the import's transaction; what the accepted rows use is
/// locked before they are written (`lock_references`).
struct ReferenceBook {
    areas: HashMap<i32, Area>,
    /// Each programme's code and exclusivity group (its latest version's).
    programmes: Vec<ProgrammeGroup>,
    programme_of: HashMap<String, u32>,
}

impl ReferenceBook {
    fn read(conn: &mut PgConnection) -> QueryResult<Self> {
        let areas: Vec<Area> = diesel::sql_query(
            "SELECT un.id AS union_id, un.upazila_id, u.district_id, u.division_id
               FROM unions un JOIN upazilas u ON u.id = un.upazila_id",
        )
        .load(conn)?;
        let programmes: Vec<ProgrammeGroup> = diesel::sql_query(
            "SELECT DISTINCT ON (code) code, definition ->> 'exclusivity_group' AS exclusivity_group
               FROM programme_versions ORDER BY code, effective_from DESC",
        )
        .load(conn)?;
        Ok(Self {
            areas: areas.into_iter().map(|a| (a.union_id, a)).collect(),
            programme_of: programmes.iter().zip(0..).map(|(p, i)| (p.code.clone(), i)).collect(),
            programmes,
        })
    }

    fn programme(&self, i: u32) -> &ProgrammeGroup {
        &self.programmes[i as usize]
    }
}

/// The ids of one import's rows, made by one counter (as [`COUNTER_UUID_PREFIX`] makes them
/// in SQL): the k-th accepted row has the person 2k and the beneficiary 2k + 1 after the
/// prefix. They grow in the order the rows are written, so each lands at the end of its
/// primary key.
#[derive(Debug, Clone, Copy)]
struct IdBlock(u128);

#[derive(QueryableByName)]
struct Prefix {
    #[diesel(sql_type = Text)]
    prefix: String,
}

impl IdBlock {
    fn read(conn: &mut PgConnection) -> QueryResult<Self> {
        let p: Prefix = diesel::sql_query(format!("SELECT {COUNTER_UUID_PREFIX} AS prefix")).get_result(conn)?;
        let bits = u128::from_str_radix(&p.prefix, 16).ok().filter(|_| p.prefix.len() == 20).ok_or_else(|| {
            diesel::result::Error::DeserializationError(format!("an id prefix of 80 bits: {}", p.prefix).into())
        })?;
        Ok(Self(bits << 48))
    }

    fn person(self, n: usize) -> uuid::Uuid {
        uuid::Uuid::from_u128(self.0 | (2 * n as u128))
    }

    fn beneficiary(self, n: usize) -> uuid::Uuid {
        uuid::Uuid::from_u128(self.0 | (2 * n as u128 + 1))
    }
}

/// A row that passed the checks made as it streamed by; its person's and beneficiary's rows
/// are in the spools, in this order.
#[derive(Debug, Clone, Copy)]
struct Accepted {
    line: i32,
    union_id: i32,
    programme: u32,
}

/// What the first pass over the rows leaves.
struct Checked {
    ids: IdBlock,
    /// Every accepted row, in file order (its index, k - 1, is its row in each spool).
    accepted: Vec<Accepted>,
    /// The rows refused as they streamed by, in line order.
    errors: Vec<(i32, String)>,
    persons: Spool,
    beneficiaries: Spool,
}

/// Binary COPY rows kept in a file, one after the other (a million rows are a few hundred
/// megabytes: in the page cache, not in the process's memory).
struct Spool {
    file: BufWriter<File>,
    /// Where each row ends (it starts where the one before ends).
    ends: Vec<u64>,
}

impl Spool {
    fn new(capacity: usize) -> std::io::Result<Self> {
        Ok(Self { file: BufWriter::with_capacity(1 << 16, tempfile::tempfile()?), ends: Vec::with_capacity(capacity) })
    }

    fn push(&mut self, row: &[u8]) -> std::io::Result<()> {
        self.file.write_all(row)?;
        self.ends.push(self.ends.last().copied().unwrap_or(0) + row.len() as u64);
        Ok(())
    }

    /// Writes the rows, in the order pushed, as one binary COPY to `to`: each row passed first
    /// to `keep` with its index, which may edit it and says whether it goes in. (The spool is
    /// read from its start by whoever calls; one caller at a time.)
    fn replay(&self, to: &mut dyn Write, mut keep: impl FnMut(usize, &mut [u8]) -> bool) -> std::io::Result<()> {
        use std::io::{Read, Seek};
        let mut file = self.file.get_ref();
        file.rewind()?;
        let mut from = std::io::BufReader::with_capacity(1 << 16, file);
        let mut to = BufWriter::with_capacity(1 << 16, to);
        to.write_all(HEADER)?;
        let (mut row, mut start) = (Vec::with_capacity(256), 0);
        for (i, end) in self.ends.iter().enumerate() {
            row.resize((end - start) as usize, 0);
            start = *end;
            from.read_exact(&mut row)?;
            if keep(i, &mut row) {
                to.write_all(&row)?;
            }
        }
        to.write_all(TRAILER)?;
        to.flush()
    }
}

/// Columns of a person's row in the spool (and of the persons' COPY).
const PERSON_FIELDS: i16 = 13;
/// Columns of a beneficiary's row in the spool (and of the beneficiaries' COPY).
const BENEFICIARY_FIELDS: i16 = 13;
/// Where a beneficiary's `person_id` lies in its binary row: after the field count (2 bytes)
/// and the id (a length of 4 bytes and 16), its own length (4).
const BENEFICIARY_PERSON_ID: std::ops::Range<usize> = 26..42;

fn io_error(e: std::io::Error) -> diesel::result::Error {
    diesel::result::Error::SerializationError(Box::new(e))
}

/// The first pass: each row checked as it streams by (precedence: union, programme, the
/// importer's area, an identifier on an earlier line) and an accepted one spooled as a
/// person's and a beneficiary's binary rows; the accepted rows' identifiers are looked up in
/// `persons` a chunk at a time as they come ([`look_up`]): on `helper`, when there is one, at
/// the same time as the rows are read (a core each), else on `conn` in between.
fn check_and_spool(
    conn: &mut PgConnection,
    helper: Option<&mut PgConnection>,
    rows: &mut dyn Iterator<Item = ImportRow>,
    total: i64,
    by: Importer,
    book: &ReferenceBook,
) -> QueryResult<(Checked, Vec<OnRecord>)> {
    let ids = IdBlock::read(conn)?;
    let capacity = usize::try_from(total).unwrap_or(0);
    let mut persons = Spool::new(capacity).map_err(io_error)?;
    let mut beneficiaries = Spool::new(capacity).map_err(io_error)?;
    let mut accepted: Vec<Accepted> = Vec::with_capacity(capacity);
    let mut errors: Vec<(i32, String)> = Vec::new();
    let pass = |send: &mut dyn FnMut(Identifiers) -> QueryResult<()>| -> QueryResult<()> {
        // The same identifier on an earlier line is found here, as the rows go by in their order.
        let mut seen = SeenIdentifiers::with_capacity(capacity);
        let mut chunk = Identifiers::default();
        let mut row = Vec::with_capacity(256);
        for r in rows {
            // (Only the first line with an identifier counts, whatever else is wrong with it.)
            let repeated = r.nid.as_deref().or(r.birth_registration_number.as_deref()).is_some_and(|id| !seen.first_time(id));
            let area = book.areas.get(&r.union_id);
            let programme = book.programme_of.get(&r.programme_code).copied();
            let (area, programme) = match (area, programme) {
                (None, _) => {
                    errors.push((r.line, "no such union".to_owned()));
                    continue;
                }
                (_, None) => {
                    errors.push((r.line, "no such programme".to_owned()));
                    continue;
                }
                (Some(area), _) if !area.within(by.scope) => {
                    errors.push((r.line, "the union lies outside your area".to_owned()));
                    continue;
                }
                _ if repeated => {
                    errors.push((r.line, "the same identifier is on an earlier line".to_owned()));
                    continue;
                }
                (Some(area), Some(programme)) => (area, programme),
            };
            let k = accepted.len() + 1;
            accepted.push(Accepted { line: r.line, union_id: r.union_id, programme });
            // The rows are written in the file's order (whatever order its maker kept, by area
            // or by identifier, the indexes keyed by it are then written in), and the ids
            // numbered in it.
            let person_id = ids.person(k);
            row.clear();
            BinaryRow::start(&mut row, PERSON_FIELDS)
                .uuid(person_id)
                .text(r.name_en.as_deref())
                .text(r.name_bn.as_deref())
                .text(Some(&r.sex))
                .date(r.date_of_birth)
                .text(r.nid.as_deref())
                .text(r.birth_registration_number.as_deref())
                .text(r.mobile.as_deref())
                .int4(area.division_id)
                .int4(area.district_id)
                .int4(area.upazila_id)
                .int4(area.union_id)
                .uuid(by.user.0)
                .done()
                .map_err(io_error)?;
            persons.push(&row).map_err(io_error)?;
            row.clear();
            let group = &book.programme(programme).exclusivity_group;
            BinaryRow::start(&mut row, BENEFICIARY_FIELDS)
                .uuid(ids.beneficiary(k))
                .uuid(person_id)
                .text(Some(&r.programme_code))
                .text(group.as_deref())
                .int4(area.division_id)
                .int4(area.district_id)
                .int4(area.upazila_id)
                .text(Some(&r.sex))
                .text(r.education_level.as_deref())
                .text(Some("active"))
                .date(r.start_month)
                .text(r.payment_provider.as_deref())
                .text(r.account_number.as_deref())
                .done()
                .map_err(io_error)?;
            beneficiaries.push(&row).map_err(io_error)?;
            chunk.add(k, r.nid, r.birth_registration_number);
            if chunk.len() >= LOOKUP_CHUNK {
                send(std::mem::take(&mut chunk))?;
            }
        }
        if chunk.len() > 0 {
            send(chunk)?;
        }
        persons.file.flush().map_err(io_error)?;
        beneficiaries.file.flush().map_err(io_error)
    };
    let found = match helper {
        Some(helper) => std::thread::scope(|s| {
            let (to_worker, chunks) = std::sync::mpsc::sync_channel::<Identifiers>(4);
            let worker = s.spawn(move || -> QueryResult<Vec<OnRecord>> {
                let mut found = Vec::new();
                for chunk in chunks {
                    found.extend(look_up(helper, &chunk)?);
                }
                Ok(found)
            });
            // (A send fails only when the worker has stopped, on an error it returns.)
            let read = pass(&mut |chunk| {
                to_worker.send(chunk).map_err(|_| diesel::result::Error::QueryBuilderError("the lookup stopped".into()))
            });
            drop(to_worker);
            let found =
                worker.join().map_err(|_| diesel::result::Error::QueryBuilderError("the identifiers' lookup panicked".into()))?;
            let found = found?;
            read.map(|()| found)
        })?,
        None => {
            let mut found = Vec::new();
            pass(&mut |chunk| {
                found.extend(look_up(conn, &chunk)?);
                Ok(())
            })?;
            found
        }
    };
    Ok((Checked { ids, accepted, errors, persons, beneficiaries }, found))
}

/// How many identifiers are looked up at once.
const LOOKUP_CHUNK: usize = 50_000;

/// Identifiers of accepted rows, each with its k, to look up together.
#[derive(Default)]
struct Identifiers {
    nid_k: Vec<i32>,
    nids: Vec<String>,
    brn_k: Vec<i32>,
    brns: Vec<String>,
}

impl Identifiers {
    fn add(&mut self, k: usize, nid: Option<String>, brn: Option<String>) {
        // (k is at most the rows of a file, far below i32::MAX.)
        let k = i32::try_from(k).unwrap_or(i32::MAX);
        if let Some(nid) = nid {
            self.nid_k.push(k);
            self.nids.push(nid);
        }
        if let Some(brn) = brn {
            self.brn_k.push(k);
            self.brns.push(brn);
        }
    }

    fn len(&self) -> usize {
        self.nid_k.len() + self.brn_k.len()
    }
}

/// The people on record with these identifiers: by national id (`by_nid` 1) and by birth
/// registration number (0). An index probe each (`LIMIT 1` in a lateral subquery): the
/// planner would otherwise hash the whole of `persons` for a large chunk.
fn look_up(conn: &mut PgConnection, chunk: &Identifiers) -> QueryResult<Vec<OnRecord>> {
    use diesel::sql_types::Array;
    diesel::sql_query(
        "SELECT x.k, p.id AS person_id, 1 AS by_nid FROM unnest($1::int[], $2::text[]) AS x(k, nid)
           CROSS JOIN LATERAL (SELECT id FROM persons WHERE nid = x.nid LIMIT 1) p
         UNION ALL
         SELECT x.k, p.id, 0 FROM unnest($3::int[], $4::text[]) AS x(k, brn)
           CROSS JOIN LATERAL (SELECT id FROM persons WHERE birth_registration_number = x.brn LIMIT 1) p",
    )
    .bind::<Array<Integer>, _>(&chunk.nid_k)
    .bind::<Array<Text>, _>(&chunk.nids)
    .bind::<Array<Integer>, _>(&chunk.brn_k)
    .bind::<Array<Text>, _>(&chunk.brns)
    .load(conn)
}

/// The persons' COPY: the accepted rows that matched nobody on record.
fn copy_persons(conn: &mut PgConnection, checked: &Checked, fates: &Fates) -> QueryResult<i64> {
    use crate::schema::persons::dsl::*;
    let columns = (
        id,
        name_en,
        name_bn,
        sex,
        date_of_birth,
        nid,
        birth_registration_number,
        mobile,
        division_id,
        district_id,
        upazila_id,
        union_id,
        created_by,
    );
    diesel::copy_from(persons)
        .from_raw_data(columns, |w| checked.persons.replay(w, |i, _| fates.fate[i] == Fates::NEW).map_err(io_error))
        .with_format(CopyFormat::Binary)
        .execute(conn)
        .map(|n| n as i64)
}

/// The beneficiaries' COPY: the accepted rows not refused after the lookup, a matched one's
/// `person_id` set to the person on record.
fn copy_beneficiaries(conn: &mut PgConnection, checked: &Checked, fates: &Fates) -> QueryResult<i64> {
    use crate::schema::beneficiaries::dsl::*;
    let columns = (
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
    );
    diesel::copy_from(beneficiaries)
        .from_raw_data(columns, |w| {
            checked
                .beneficiaries
                .replay(w, |i, row| match fates.fate[i] {
                    Fates::SKIPPED => false,
                    Fates::NEW => true,
                    m => {
                        row[BENEFICIARY_PERSON_ID].copy_from_slice(fates.matched[m as usize - 1].as_bytes());
                        true
                    }
                })
                .map_err(io_error)
        })
        .with_format(CopyFormat::Binary)
        .execute(conn)
        .map(|n| n as i64)
}

/// What becomes of each accepted row once the people on record are known.
struct Fates {
    /// By k - 1: [`Fates::NEW`] (its person is created), [`Fates::SKIPPED`] (refused), or
    /// `m`: its person is `matched[m - 1]`.
    fate: Vec<u32>,
    matched: Vec<uuid::Uuid>,
}

impl Fates {
    const NEW: u32 = 0;
    const SKIPPED: u32 = u32::MAX;

    /// The first and last id of the people created.
    fn created_ids(&self, ids: IdBlock) -> Option<(uuid::Uuid, uuid::Uuid)> {
        let first = self.fate.iter().position(|f| *f == Self::NEW)?;
        let last = self.fate.iter().rposition(|f| *f == Self::NEW)?;
        Some((ids.person(first + 1), ids.person(last + 1)))
    }
}

#[derive(QueryableByName)]
struct OnRecord {
    #[diesel(sql_type = Integer)]
    k: i32,
    #[diesel(sql_type = SqlUuid)]
    person_id: uuid::Uuid,
    #[diesel(sql_type = Integer)]
    by_nid: i32,
}

#[derive(QueryableByName)]
struct Enrolled {
    #[diesel(sql_type = SqlUuid)]
    person_id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    programme_code: String,
    #[diesel(sql_type = Nullable<Text>)]
    exclusivity_group: Option<String>,
}

/// The people already on record (`found`: by national id, else by birth registration
/// number), and the rules that only a matched row can break, in line order: already a
/// beneficiary of the programme, already in the programme's group, or the same person on an
/// earlier line for the programme or group. Returns each row's fate and the rows refused here.
fn people_on_record(
    conn: &mut PgConnection,
    checked: &Checked,
    found: Vec<OnRecord>,
    book: &ReferenceBook,
) -> QueryResult<(Fates, Vec<(i32, String)>)> {
    let mut on_record: BTreeMap<usize, (uuid::Uuid, i32)> = BTreeMap::new();
    for f in found {
        // (Every k was sent by `check_and_spool`: 1 to the rows accepted.)
        let Some(k) = usize::try_from(f.k).ok().filter(|k| (1..=checked.accepted.len()).contains(k)) else { continue };
        let entry = on_record.entry(k).or_insert((f.person_id, f.by_nid));
        if f.by_nid > entry.1 {
            *entry = (f.person_id, f.by_nid);
        }
    }
    let mut fates = Fates { fate: vec![Fates::NEW; checked.accepted.len()], matched: Vec::new() };
    let mut errors = Vec::new();
    if on_record.is_empty() {
        return Ok((fates, errors));
    }
    let persons: Vec<uuid::Uuid> = on_record.values().map(|(p, _)| *p).collect::<HashSet<_>>().into_iter().collect();
    let enrolled: Vec<Enrolled> = diesel::sql_query(
        "SELECT person_id, programme_code, exclusivity_group FROM beneficiaries
          WHERE person_id = ANY($1) AND status <> 'exited'",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(&persons)
    .load(conn)?;
    let mut held: HashMap<uuid::Uuid, Vec<(&str, Option<&str>)>> = HashMap::new();
    for e in &enrolled {
        held.entry(e.person_id).or_default().push((e.programme_code.as_str(), e.exclusivity_group.as_deref()));
    }
    // (The domain's rule, against what each person holds, then against the earlier lines.)
    let mut earlier: HashSet<(uuid::Uuid, &str)> = HashSet::new();
    for (k, (person, _)) in on_record {
        let row = checked.accepted[k - 1];
        let programme = book.programme(row.programme);
        let group = programme.exclusivity_group.as_deref();
        let holds = held.get(&person).map(Vec::as_slice).unwrap_or_default().iter().copied();
        let refused = match check_exclusive(&programme.code, group, holds) {
            Err(EnrolmentRefusal::AlreadyEnrolled) => Some("already a beneficiary of this programme"),
            Err(_) => Some("already receives an allowance of the same group (one person, one allowance)"),
            Ok(()) if !earlier.insert((person, exclusive_key(&programme.code, group))) => {
                Some("the same person is on an earlier line for this programme or group")
            }
            Ok(()) => None,
        };
        match refused {
            Some(reason) => {
                fates.fate[k - 1] = Fates::SKIPPED;
                errors.push((row.line, reason.to_owned()));
            }
            None => {
                fates.matched.push(person);
                fates.fate[k - 1] = fates.matched.len() as u32;
            }
        }
    }
    Ok((fates, errors))
}

/// What the written rows refer to (see [`References`]), counted from the accepted rows.
fn references(checked: &Checked, fates: &Fates, book: &ReferenceBook) -> References {
    let mut by_union: BTreeMap<i32, i64> = BTreeMap::new();
    for (row, fate) in checked.accepted.iter().zip(&fates.fate) {
        if *fate != Fates::SKIPPED {
            *by_union.entry(row.union_id).or_default() += 1;
        }
    }
    let mut by_upazila: BTreeMap<i32, i64> = BTreeMap::new();
    for (union, n) in &by_union {
        *by_upazila.entry(book.areas[union].upazila_id).or_default() += n;
    }
    let mut matched = fates.matched.clone();
    matched.sort_unstable();
    matched.dedup();
    References {
        upazilas: by_upazila.keys().copied().collect(),
        unions: by_union.into_keys().collect(),
        matched,
        by_upazila: by_upazila.into_iter().collect(),
    }
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

/// Whether the beneficiaries may be written beside the persons: the server allows prepared
/// transactions, and the role may turn the per-row foreign-key checks off (the helper's rows
/// refer to persons that only the main transaction can see until it commits).
fn beside_possible(conn: &mut PgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "current_setting('max_prepared_transactions')::int > 0 AND has_parameter_privilege('session_replication_role', 'SET')",
    ))
    .get_result(conn)
}

/// Writes the persons on `conn` (in the import's transaction, by `write_persons`) and at the
/// same time the beneficiaries on `helper` (by `write_beneficiaries`), in a transaction of its
/// own, left open (`state`) for [`prepare_beside`]: two cores instead of one for the two
/// writes (about 22 s -> 15 s for a million of each on a 12-million-person database). The
/// import's transaction holds an advisory lock on `gid` until it ends, so nobody decides the
/// prepared transaction's fate before it does.
fn insert_beside(
    conn: &mut PgConnection,
    helper: &mut PgConnection,
    gid: &str,
    refs: &References,
    state: &std::cell::Cell<Beside>,
    write_persons: impl FnOnce(&mut PgConnection) -> QueryResult<i64>,
    write_beneficiaries: impl FnOnce(&mut PgConnection) -> QueryResult<i64> + Send,
) -> QueryResult<(i64, i64)> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind::<Integer, _>(PREPARED_LOCK_CLASS)
        .bind::<Text, _>(gid)
        .execute(conn)?;
    std::thread::scope(|s| {
        let beside = s.spawn(|| copy_beside(helper, refs, write_beneficiaries));
        let persons = write_persons(conn);
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

/// The helper's side: its own transaction, the rows the beneficiaries refer to locked in it
/// too, and `write` run with the per-row foreign-key checks off (the persons they refer to are
/// the import's, which only its transaction sees until it commits); left open.
fn copy_beside(
    helper: &mut PgConnection,
    refs: &References,
    write: impl FnOnce(&mut PgConnection) -> QueryResult<i64>,
) -> QueryResult<i64> {
    use diesel::connection::SimpleConnection;
    // (Through diesel's transaction manager, so that anything run in it later nests as a
    // savepoint.)
    AnsiTransactionManager::begin_transaction(helper)?;
    let done = (|| {
        // (Beneficiaries refer to no union.)
        lock_references(helper, refs, false)?;
        helper.batch_execute("SET LOCAL session_replication_role = replica")?;
        let copied = write(helper)?;
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

/// Runs `inserts` (the persons' and beneficiaries' COPYs) with their foreign keys checked once
/// for the whole file rather than by a trigger per row and key (five checks a line, a third of
/// a million-line import).
///
/// Every reference is right by construction: the area is the union's own, read from `unions`
/// and `upazilas` in the import's transaction before the rows were checked; a person is either
/// matched in `persons` or created by the same transaction. What the per-row checks add
/// besides is a `FOR KEY SHARE` lock on each referenced row, so that it cannot be deleted or
/// rekeyed before the import commits: taken here, one statement each, on the unions, upazilas
/// and matched persons of `refs` (and the import fails whole if one is gone by then).
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
/// upazilas, the unions (when `unions`) and the people on record it matched; fails when one
/// is gone (removed by another transaction since the import read it).
fn lock_references(conn: &mut PgConnection, refs: &References, unions: bool) -> QueryResult<()> {
    use diesel::sql_types::Array;
    let gone = |what: &str| {
        diesel::result::Error::QueryBuilderError(format!("{what} the file refers to was removed during the import").into())
    };
    let locked = diesel::sql_query("SELECT 1 FROM upazilas WHERE id = ANY($1) FOR KEY SHARE")
        .bind::<Array<Integer>, _>(&refs.upazilas)
        .execute(conn)?;
    if locked != refs.upazilas.len() {
        return Err(gone("an upazila"));
    }
    if unions {
        let locked = diesel::sql_query("SELECT 1 FROM unions WHERE id = ANY($1) FOR KEY SHARE")
            .bind::<Array<Integer>, _>(&refs.unions)
            .execute(conn)?;
        if locked != refs.unions.len() {
            return Err(gone("a union"));
        }
    }
    let locked = diesel::sql_query("SELECT 1 FROM persons WHERE id = ANY($1) FOR KEY SHARE")
        .bind::<Array<SqlUuid>, _>(&refs.matched)
        .execute(conn)?;
    if locked != refs.matched.len() {
        return Err(gone("a person on record"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{digits_key, IdBlock, SeenIdentifiers, Spool, BENEFICIARY_PERSON_ID};
    use crate::copy_binary::{BinaryRow, HEADER, TRAILER};
    use std::io::Write;

    #[test]
    fn a_spool_replays_as_one_binary_copy_of_the_rows_kept_as_edited() {
        let mut spool = Spool::new(3).unwrap();
        // (Of different lengths: each is read back whole.)
        let rows: Vec<Vec<u8>> = ["a", "bb", "ccc"]
            .iter()
            .map(|text| {
                let mut row = Vec::new();
                BinaryRow::start(&mut row, 3).uuid(uuid::Uuid::nil()).uuid(uuid::Uuid::nil()).text(Some(text)).done().unwrap();
                row
            })
            .collect();
        for row in &rows {
            spool.push(row).unwrap();
        }
        spool.file.flush().unwrap();
        let matched = uuid::Uuid::from_u128(99);
        let mut copy = Vec::new();
        let mut seen = Vec::new();
        spool
            .replay(&mut copy, |i, row| {
                seen.push(i);
                if i == 2 {
                    row[BENEFICIARY_PERSON_ID].copy_from_slice(matched.as_bytes());
                }
                i != 1
            })
            .unwrap();
        assert_eq!(seen, [0, 1, 2]);
        let mut last = rows[2].clone();
        last[26..42].copy_from_slice(matched.as_bytes());
        assert_eq!(copy, [HEADER, &rows[0], &last, TRAILER].concat());
        // Read from its start again.
        let mut again = Vec::new();
        spool.replay(&mut again, |i, _| i == 0).unwrap();
        assert_eq!(again, [HEADER, &rows[0], TRAILER].concat());
    }

    #[test]
    fn an_import_numbers_its_persons_even_and_its_beneficiaries_odd_after_one_prefix() {
        let ids = IdBlock(0x0193_6f5e_0000_7abc_8def << 48);
        assert_eq!(ids.person(1).to_string(), "01936f5e-0000-7abc-8def-000000000002");
        assert_eq!(ids.beneficiary(1).to_string(), "01936f5e-0000-7abc-8def-000000000003");
        assert!(ids.person(2) > ids.beneficiary(1));
        assert_eq!(ids.beneficiary(2_000_000).to_string(), "01936f5e-0000-7abc-8def-0000003d0901");
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
