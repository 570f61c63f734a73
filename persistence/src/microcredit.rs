//! Microcredit: revolving funds and their ledger, work groups, loans with their schedules,
//! and repayments. No rules here: the domain decides, these functions store.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Int4, Text, Uuid as SqlUuid};
use uuid::Uuid;

use domain::access::Scope;
use domain::id::{CommitteeMeetingId, FundEntryId, LoanFundId, LoanId, PersonId, RepaymentId, UserId, WorkGroupId, WriteOffId};
use domain::microcredit::fund::{FundEntryKind, FundPosition};
use domain::microcredit::loan::{
    BorrowerHistory, DisbursementMethod, LoanStatus, RehabilitationEvidence, RepaymentMethod, WriteOffPlan,
};
use domain::microcredit::programme::MicrocreditProgramme;
use domain::microcredit::repayment::InstalmentState;
use domain::microcredit::schedule::Instalment;
use domain::person::Sex;

use crate::columns::{OptionalCode, OptionalId};
use crate::page::Page;
use crate::schema::{
    committee_meetings, fund_entries, loan_funds, loan_instalments, loan_repayments, loan_write_offs, loans, work_group_members,
    work_groups,
};

/// An office's area, as rows carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = loan_funds)]
pub struct FundRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: LoanFundId,
    #[diesel(deserialize_as = String)]
    pub programme: MicrocreditProgramme,
    pub source_en: String,
    pub source_bn: String,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub capital_received: i64,
    pub invested: i64,
    pub reinvested: i64,
    pub principal_recovered: i64,
    pub charge_collected: i64,
    pub written_off: i64,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FundRow {
    pub fn position(&self) -> FundPosition {
        FundPosition {
            capital_received: self.capital_received,
            invested: self.invested,
            reinvested: self.reinvested,
            principal_recovered: self.principal_recovered,
            charge_collected: self.charge_collected,
            written_off: self.written_off,
        }
    }
}

pub fn insert_fund(
    conn: &mut PgConnection,
    id: LoanFundId,
    programme: MicrocreditProgramme,
    source: (&str, &str),
    area: Area,
    by: UserId,
) -> QueryResult<FundRow> {
    diesel::insert_into(loan_funds::table)
        .values((
            loan_funds::id.eq(id.0),
            loan_funds::programme.eq(programme.code()),
            loan_funds::source_en.eq(source.0),
            loan_funds::source_bn.eq(source.1),
            loan_funds::division_id.eq(area.division_id),
            loan_funds::district_id.eq(area.district_id),
            loan_funds::upazila_id.eq(area.upazila_id),
            loan_funds::created_by.eq(by.0),
        ))
        .returning(FundRow::as_returning())
        .get_result(conn)
}

pub fn find_fund(conn: &mut PgConnection, id: LoanFundId) -> QueryResult<Option<FundRow>> {
    loan_funds::table.find(id.0).select(FundRow::as_select()).first(conn).optional()
}

/// Locks the fund: disbursements from one fund run one at a time, so two cannot both take
/// its last taka.
pub fn find_fund_for_update(conn: &mut PgConnection, id: LoanFundId) -> QueryResult<Option<FundRow>> {
    loan_funds::table.find(id.0).select(FundRow::as_select()).for_update().first(conn).optional()
}

#[derive(Debug, Clone, Default)]
pub struct FundFilter {
    pub programme: Option<MicrocreditProgramme>,
    pub upazila_id: Option<i32>,
}

pub fn list_funds(
    conn: &mut PgConnection,
    scope: Scope,
    f: &FundFilter,
    after: Option<LoanFundId>,
    limit: i64,
) -> QueryResult<Page<FundRow, LoanFundId>> {
    let mut q = loan_funds::table.into_boxed();
    q = match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(loan_funds::division_id.eq(d.0)),
        Scope::District(d) => q.filter(loan_funds::district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(loan_funds::upazila_id.eq(u.0)),
        Scope::Facility(_) | Scope::Partner(_) => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(a) = after {
        q = q.filter(loan_funds::id.gt(a.0));
    }
    if let Some(p) = f.programme {
        q = q.filter(loan_funds::programme.eq(p.code()));
    }
    if let Some(u) = f.upazila_id {
        q = q.filter(loan_funds::upazila_id.eq(u));
    }
    let rows = q.order(loan_funds::id).limit(limit + 1).select(FundRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// One ledger entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = fund_entries)]
pub struct FundEntryRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: FundEntryId,
    #[diesel(deserialize_as = Uuid)]
    pub fund_id: LoanFundId,
    #[diesel(deserialize_as = String)]
    pub kind: FundEntryKind,
    pub amount: i64,
    pub on_date: NaiveDate,
    #[diesel(deserialize_as = OptionalId<LoanId>)]
    pub loan_id: Option<LoanId>,
    pub reference: Option<String>,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

/// A ledger entry to write.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub kind: FundEntryKind,
    pub amount: i64,
    pub on_date: NaiveDate,
    pub loan_id: Option<LoanId>,
    pub reference: Option<&'a str>,
}

/// Appends entries to a fund's ledger and moves its running totals with them, in one
/// statement each; the table's checks refuse a total that would break the fund's rules.
pub fn record_entries(conn: &mut PgConnection, fund: LoanFundId, entries: &[NewEntry<'_>], by: UserId) -> QueryResult<FundRow> {
    let entries: Vec<&NewEntry<'_>> = entries.iter().filter(|e| e.amount > 0).collect();
    // (8 parameters a row: 6,000 rows stay under PostgreSQL's 65,535 per statement; a
    // repayment file brings two entries a line.)
    for chunk in entries.chunks(6_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|e| {
                (
                    fund_entries::id.eq(Uuid::now_v7()),
                    fund_entries::fund_id.eq(fund.0),
                    fund_entries::kind.eq(e.kind.code()),
                    fund_entries::amount.eq(e.amount),
                    fund_entries::on_date.eq(e.on_date),
                    fund_entries::loan_id.eq(e.loan_id.map(Uuid::from)),
                    fund_entries::reference.eq(e.reference),
                    fund_entries::created_by.eq(by.0),
                )
            })
            .collect();
        diesel::insert_into(fund_entries::table).values(&rows).execute(conn)?;
    }
    let sum = |k: FundEntryKind| entries.iter().filter(|e| e.kind == k).map(|e| e.amount).sum::<i64>();
    diesel::update(loan_funds::table.find(fund.0))
        .set((
            loan_funds::capital_received.eq(loan_funds::capital_received + sum(FundEntryKind::CapitalReceived)),
            loan_funds::invested.eq(loan_funds::invested + sum(FundEntryKind::Invested)),
            loan_funds::reinvested.eq(loan_funds::reinvested + sum(FundEntryKind::Reinvested)),
            loan_funds::principal_recovered.eq(loan_funds::principal_recovered + sum(FundEntryKind::PrincipalRecovered)),
            loan_funds::charge_collected.eq(loan_funds::charge_collected + sum(FundEntryKind::ChargeCollected)),
            loan_funds::written_off.eq(loan_funds::written_off + sum(FundEntryKind::WrittenOff)),
            loan_funds::version.eq(loan_funds::version + 1),
            loan_funds::updated_at.eq(diesel::dsl::now),
        ))
        .returning(FundRow::as_returning())
        .get_result(conn)
}

pub fn list_entries(
    conn: &mut PgConnection,
    fund: LoanFundId,
    after: Option<FundEntryId>,
    limit: i64,
) -> QueryResult<Page<FundEntryRow, FundEntryId>> {
    let mut q = fund_entries::table.filter(fund_entries::fund_id.eq(fund.0)).into_boxed();
    if let Some(a) = after {
        q = q.filter(fund_entries::id.gt(a.0));
    }
    let rows = q.order(fund_entries::id).limit(limit + 1).select(FundEntryRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = work_groups)]
pub struct WorkGroupRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: WorkGroupId,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub programme: MicrocreditProgramme,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub union_id: Option<i32>,
    #[diesel(deserialize_as = Uuid)]
    pub leader_person_id: PersonId,
    pub formed_on: NaiveDate,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[allow(clippy::too_many_arguments)]
pub fn insert_group(
    conn: &mut PgConnection,
    id: WorkGroupId,
    name: &str,
    programme: MicrocreditProgramme,
    area: Area,
    union_id: Option<i32>,
    leader: PersonId,
    formed_on: NaiveDate,
    by: UserId,
) -> QueryResult<WorkGroupRow> {
    let row = diesel::insert_into(work_groups::table)
        .values((
            work_groups::id.eq(id.0),
            work_groups::name.eq(name),
            work_groups::programme.eq(programme.code()),
            work_groups::division_id.eq(area.division_id),
            work_groups::district_id.eq(area.district_id),
            work_groups::upazila_id.eq(area.upazila_id),
            work_groups::union_id.eq(union_id),
            work_groups::leader_person_id.eq(leader.0),
            work_groups::formed_on.eq(formed_on),
            work_groups::created_by.eq(by.0),
        ))
        .returning(WorkGroupRow::as_returning())
        .get_result(conn)?;
    // The leader is a member from the day the group was formed.
    add_member(conn, id, leader, formed_on)?;
    Ok(row)
}

pub fn find_group(conn: &mut PgConnection, id: WorkGroupId) -> QueryResult<Option<WorkGroupRow>> {
    work_groups::table.find(id.0).select(WorkGroupRow::as_select()).first(conn).optional()
}

pub fn find_group_for_update(conn: &mut PgConnection, id: WorkGroupId) -> QueryResult<Option<WorkGroupRow>> {
    work_groups::table.find(id.0).select(WorkGroupRow::as_select()).for_update().first(conn).optional()
}

pub fn list_groups(
    conn: &mut PgConnection,
    scope: Scope,
    upazila: Option<i32>,
    after: Option<WorkGroupId>,
    limit: i64,
) -> QueryResult<Page<WorkGroupRow, WorkGroupId>> {
    let mut q = work_groups::table.into_boxed();
    q = match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(work_groups::division_id.eq(d.0)),
        Scope::District(d) => q.filter(work_groups::district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(work_groups::upazila_id.eq(u.0)),
        Scope::Facility(_) | Scope::Partner(_) => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(a) = after {
        q = q.filter(work_groups::id.gt(a.0));
    }
    if let Some(u) = upazila {
        q = q.filter(work_groups::upazila_id.eq(u));
    }
    let rows = q.order(work_groups::id).limit(limit + 1).select(WorkGroupRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Adds a member; `false` when the person already belongs to the group.
pub fn add_member(conn: &mut PgConnection, group: WorkGroupId, person: PersonId, joined_on: NaiveDate) -> QueryResult<bool> {
    let n = diesel::insert_into(work_group_members::table)
        .values((
            work_group_members::group_id.eq(group.0),
            work_group_members::person_id.eq(person.0),
            work_group_members::joined_on.eq(joined_on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    diesel::update(work_groups::table.find(group.0))
        .set((work_groups::version.eq(work_groups::version + 1), work_groups::updated_at.eq(diesel::dsl::now)))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn members_of(conn: &mut PgConnection, group: WorkGroupId) -> QueryResult<Vec<(PersonId, NaiveDate)>> {
    let rows: Vec<(Uuid, NaiveDate)> = work_group_members::table
        .filter(work_group_members::group_id.eq(group.0))
        .order(work_group_members::person_id)
        .select((work_group_members::person_id, work_group_members::joined_on))
        .load(conn)?;
    Ok(rows.into_iter().map(|(p, d)| (PersonId(p), d)).collect())
}

/// The day the person joined the group; `None` when she is not a member.
pub fn joined_on(conn: &mut PgConnection, group: WorkGroupId, person: PersonId) -> QueryResult<Option<NaiveDate>> {
    work_group_members::table
        .filter(work_group_members::group_id.eq(group.0))
        .filter(work_group_members::person_id.eq(person.0))
        .select(work_group_members::joined_on)
        .first(conn)
        .optional()
}

/// What the person's records show for the burn and disability rehabilitation programme: a
/// hospital social-services record as a burn victim, an entry in the disability register.
pub fn rehabilitation_evidence(conn: &mut PgConnection, person: PersonId) -> QueryResult<RehabilitationEvidence> {
    use crate::schema::{disability_records, hospital_patients};
    let burn_record = diesel::select(diesel::dsl::exists(
        hospital_patients::table.filter(hospital_patients::person_id.eq(person.0)).filter(hospital_patients::burn_victim),
    ))
    .get_result(conn)?;
    let disability_record =
        diesel::select(diesel::dsl::exists(disability_records::table.filter(disability_records::person_id.eq(person.0))))
            .get_result(conn)?;
    Ok(RehabilitationEvidence { burn_record, disability_record })
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = loans)]
pub struct LoanRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: LoanId,
    pub loan_number: String,
    #[diesel(deserialize_as = String)]
    pub programme: MicrocreditProgramme,
    #[diesel(deserialize_as = Uuid)]
    pub person_id: PersonId,
    #[diesel(deserialize_as = Uuid)]
    pub group_id: WorkGroupId,
    #[diesel(deserialize_as = Uuid)]
    pub fund_id: LoanFundId,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[diesel(deserialize_as = String)]
    pub sex: Sex,
    pub cycle: i32,
    pub principal: i64,
    pub charge_percent: i32,
    pub charge: i64,
    pub purpose: String,
    #[diesel(deserialize_as = String)]
    pub status: LoanStatus,
    pub applied_on: NaiveDate,
    #[diesel(deserialize_as = OptionalId<CommitteeMeetingId>)]
    pub meeting_id: Option<CommitteeMeetingId>,
    pub disbursed_on: Option<NaiveDate>,
    #[diesel(deserialize_as = OptionalCode<DisbursementMethod>)]
    pub disbursement_method: Option<DisbursementMethod>,
    pub disbursement_reference: Option<String>,
    pub from_capital: i64,
    pub from_recoveries: i64,
    pub principal_repaid: i64,
    pub charge_repaid: i64,
    pub written_off: i64,
    pub oldest_due_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LoanRow {
    pub fn outstanding_principal(&self) -> i64 {
        self.principal - self.principal_repaid - self.written_off
    }

    pub fn outstanding_charge(&self) -> i64 {
        if self.status == LoanStatus::WrittenOff {
            0
        } else {
            self.charge - self.charge_repaid
        }
    }
}

/// An application to store.
#[derive(Debug, Clone)]
pub struct NewLoan<'a> {
    pub id: LoanId,
    pub programme: MicrocreditProgramme,
    pub person_id: PersonId,
    pub group_id: WorkGroupId,
    pub fund_id: LoanFundId,
    pub area: Area,
    pub sex: Sex,
    pub cycle: i32,
    pub principal: i64,
    pub charge_percent: i32,
    pub charge: i64,
    pub purpose: &'a str,
    pub applied_on: NaiveDate,
    pub created_by: UserId,
}

/// Inserts an application with the next number (`MC-2026-000001`); `Ok(None)` when the
/// person already has an open loan (the database's last word, under concurrency).
pub fn insert_loan(conn: &mut PgConnection, new: &NewLoan<'_>) -> QueryResult<Option<LoanRow>> {
    let n: i64 = diesel::select(diesel::dsl::sql::<BigInt>("nextval('loan_number_seq')")).get_result(conn)?;
    let number = format!("MC-{}-{n:06}", chrono::Datelike::year(&new.applied_on));
    conn.transaction(|conn| {
        diesel::insert_into(loans::table)
            .values((
                loans::id.eq(new.id.0),
                loans::loan_number.eq(number),
                loans::programme.eq(new.programme.code()),
                loans::person_id.eq(new.person_id.0),
                loans::group_id.eq(new.group_id.0),
                loans::fund_id.eq(new.fund_id.0),
                loans::division_id.eq(new.area.division_id),
                loans::district_id.eq(new.area.district_id),
                loans::upazila_id.eq(new.area.upazila_id),
                loans::sex.eq(new.sex.code()),
                loans::cycle.eq(new.cycle),
                loans::principal.eq(new.principal),
                loans::charge_percent.eq(new.charge_percent),
                loans::charge.eq(new.charge),
                loans::purpose.eq(new.purpose),
                loans::status.eq(LoanStatus::Applied.code()),
                loans::applied_on.eq(new.applied_on),
                loans::created_by.eq(new.created_by.0),
            ))
            .returning(LoanRow::as_returning())
            .get_result(conn)
    })
    .map(Some)
    .or_else(|e| match e {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => Ok(None),
        e => Err(e),
    })
}

pub fn find_loan(conn: &mut PgConnection, id: LoanId) -> QueryResult<Option<LoanRow>> {
    loans::table.find(id.0).select(LoanRow::as_select()).first(conn).optional()
}

pub fn find_loan_for_update(conn: &mut PgConnection, id: LoanId) -> QueryResult<Option<LoanRow>> {
    loans::table.find(id.0).select(LoanRow::as_select()).for_update().first(conn).optional()
}

/// Locks the loans with these numbers, in id order (so that two files lock in one order).
pub fn loans_by_number_for_update(conn: &mut PgConnection, numbers: &[String]) -> QueryResult<Vec<LoanRow>> {
    loans::table.filter(loans::loan_number.eq_any(numbers)).order(loans::id).select(LoanRow::as_select()).for_update().load(conn)
}

#[derive(Debug, Clone, Default)]
pub struct LoanFilter {
    pub status: Option<LoanStatus>,
    pub programme: Option<MicrocreditProgramme>,
    pub person_id: Option<PersonId>,
    pub group_id: Option<WorkGroupId>,
    pub fund_id: Option<LoanFundId>,
    pub upazila_id: Option<i32>,
}

pub fn list_loans(
    conn: &mut PgConnection,
    scope: Scope,
    f: &LoanFilter,
    after: Option<LoanId>,
    limit: i64,
) -> QueryResult<Page<LoanRow, LoanId>> {
    let mut q = loans::table.into_boxed();
    q = match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(loans::division_id.eq(d.0)),
        Scope::District(d) => q.filter(loans::district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(loans::upazila_id.eq(u.0)),
        Scope::Facility(_) | Scope::Partner(_) => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(a) = after {
        q = q.filter(loans::id.gt(a.0));
    }
    if let Some(v) = f.status {
        q = q.filter(loans::status.eq(v.code()));
    }
    if let Some(v) = f.programme {
        q = q.filter(loans::programme.eq(v.code()));
    }
    if let Some(v) = f.person_id {
        q = q.filter(loans::person_id.eq(v.0));
    }
    if let Some(v) = f.group_id {
        q = q.filter(loans::group_id.eq(v.0));
    }
    if let Some(v) = f.fund_id {
        q = q.filter(loans::fund_id.eq(v.0));
    }
    if let Some(v) = f.upazila_id {
        q = q.filter(loans::upazila_id.eq(v));
    }
    let rows = q.order(loans::id).limit(limit + 1).select(LoanRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// What the application rules need to know of a person's loans.
/// The person's loans in every microcredit programme, as the application rules count them.
pub fn borrower_history(conn: &mut PgConnection, person: PersonId) -> QueryResult<BorrowerHistory> {
    let rows: Vec<String> = loans::table.filter(loans::person_id.eq(person.0)).select(loans::status).load(conn)?;
    let mut h = BorrowerHistory::default();
    for s in rows {
        match LoanStatus::parse(&s) {
            Some(st) if st.is_open() => h.open_loans += 1,
            Some(LoanStatus::Closed) => h.repaid += 1,
            Some(LoanStatus::WrittenOff) => h.written_off += 1,
            _ => {}
        }
    }
    Ok(h)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = committee_meetings)]
pub struct MeetingRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: CommitteeMeetingId,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub held_on: NaiveDate,
    pub minutes_reference: String,
    pub note: Option<String>,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub recorded_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

/// Records a committee meeting and its decisions on the applications it took up.
pub fn record_meeting(
    conn: &mut PgConnection,
    area: Area,
    held_on: NaiveDate,
    minutes: &str,
    note: Option<&str>,
    decisions: &[(LoanId, LoanStatus)],
    by: UserId,
) -> QueryResult<MeetingRow> {
    let meeting: MeetingRow = diesel::insert_into(committee_meetings::table)
        .values((
            committee_meetings::id.eq(Uuid::now_v7()),
            committee_meetings::division_id.eq(area.division_id),
            committee_meetings::district_id.eq(area.district_id),
            committee_meetings::upazila_id.eq(area.upazila_id),
            committee_meetings::held_on.eq(held_on),
            committee_meetings::minutes_reference.eq(minutes),
            committee_meetings::note.eq(note),
            committee_meetings::recorded_by.eq(by.0),
        ))
        .returning(MeetingRow::as_returning())
        .get_result(conn)?;
    for status in [LoanStatus::Approved, LoanStatus::Rejected] {
        let ids: Vec<Uuid> = decisions.iter().filter(|(_, s)| *s == status).map(|(id, _)| id.0).collect();
        if ids.is_empty() {
            continue;
        }
        diesel::update(loans::table.filter(loans::id.eq_any(ids)))
            .set((
                loans::status.eq(status.code()),
                loans::meeting_id.eq(meeting.id.0),
                loans::version.eq(loans::version + 1),
                loans::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
    }
    Ok(meeting)
}

pub fn find_meeting(conn: &mut PgConnection, id: CommitteeMeetingId) -> QueryResult<Option<MeetingRow>> {
    committee_meetings::table.find(id.0).select(MeetingRow::as_select()).first(conn).optional()
}

/// Locks the loans with these ids, in id order.
pub fn loans_for_update(conn: &mut PgConnection, ids: &[LoanId]) -> QueryResult<Vec<LoanRow>> {
    let ids: Vec<Uuid> = ids.iter().map(|i| i.0).collect();
    loans::table.filter(loans::id.eq_any(ids)).order(loans::id).select(LoanRow::as_select()).for_update().load(conn)
}

/// A disbursement to store: the draw on the fund and the schedule.
#[derive(Debug, Clone)]
pub struct Disbursement<'a> {
    pub on: NaiveDate,
    pub method: DisbursementMethod,
    pub reference: &'a str,
    pub from_capital: i64,
    pub from_recoveries: i64,
    pub schedule: &'a [Instalment],
}

pub fn disburse(conn: &mut PgConnection, id: LoanId, d: &Disbursement<'_>) -> QueryResult<LoanRow> {
    let rows: Vec<_> = d
        .schedule
        .iter()
        .map(|i| {
            (
                loan_instalments::loan_id.eq(id.0),
                loan_instalments::no.eq(i.no as i32),
                loan_instalments::due_on.eq(i.due_on),
                loan_instalments::principal.eq(i.principal),
                loan_instalments::charge.eq(i.charge),
            )
        })
        .collect();
    diesel::insert_into(loan_instalments::table).values(&rows).execute(conn)?;
    diesel::update(loans::table.find(id.0))
        .set((
            loans::status.eq(LoanStatus::Active.code()),
            loans::disbursed_on.eq(d.on),
            loans::disbursement_method.eq(d.method.code()),
            loans::disbursement_reference.eq(d.reference),
            loans::from_capital.eq(d.from_capital),
            loans::from_recoveries.eq(d.from_recoveries),
            loans::oldest_due_on.eq(d.schedule.iter().map(|i| i.due_on).min()),
            loans::version.eq(loans::version + 1),
            loans::updated_at.eq(diesel::dsl::now),
        ))
        .returning(LoanRow::as_returning())
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = loan_instalments)]
pub struct InstalmentRow {
    #[diesel(deserialize_as = Uuid)]
    pub loan_id: LoanId,
    pub no: i32,
    pub due_on: NaiveDate,
    pub principal: i64,
    pub charge: i64,
    pub paid_principal: i64,
    pub paid_charge: i64,
}

impl InstalmentRow {
    pub fn state(&self) -> InstalmentState {
        InstalmentState {
            no: self.no as u32,
            due_on: self.due_on,
            principal: self.principal,
            charge: self.charge,
            paid_principal: self.paid_principal,
            paid_charge: self.paid_charge,
        }
    }
}

/// The instalments of some loans, in order.
pub fn instalments_of(conn: &mut PgConnection, ids: &[LoanId]) -> QueryResult<Vec<InstalmentRow>> {
    let ids: Vec<Uuid> = ids.iter().map(|i| i.0).collect();
    loan_instalments::table
        .filter(loan_instalments::loan_id.eq_any(ids))
        .order((loan_instalments::loan_id, loan_instalments::no))
        .select(InstalmentRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = loan_repayments)]
pub struct RepaymentRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: RepaymentId,
    #[diesel(deserialize_as = Uuid)]
    pub loan_id: LoanId,
    pub reference: String,
    pub paid_on: NaiveDate,
    pub amount: i64,
    pub principal: i64,
    pub charge: i64,
    #[diesel(deserialize_as = String)]
    pub method: RepaymentMethod,
    pub allocations: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// The repayments already posted under these (loan, reference) pairs.
pub fn posted(conn: &mut PgConnection, keys: &[(LoanId, String)]) -> QueryResult<Vec<RepaymentRow>> {
    if keys.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<Uuid> = keys.iter().map(|k| k.0 .0).collect();
    let refs: Vec<String> = keys.iter().map(|k| k.1.clone()).collect();
    let found: Vec<RepaymentRow> = loan_repayments::table
        .filter(loan_repayments::loan_id.eq_any(&ids))
        .filter(loan_repayments::reference.eq_any(&refs))
        .select(RepaymentRow::as_select())
        .load(conn)?;
    Ok(found.into_iter().filter(|r| keys.iter().any(|(l, x)| *l == r.loan_id && *x == r.reference)).collect())
}

pub fn repayments_of(conn: &mut PgConnection, loan: LoanId) -> QueryResult<Vec<RepaymentRow>> {
    loan_repayments::table
        .filter(loan_repayments::loan_id.eq(loan.0))
        .order((loan_repayments::paid_on, loan_repayments::id))
        .select(RepaymentRow::as_select())
        .load(conn)
}

/// One repayment to post, already allocated by the domain.
#[derive(Debug, Clone)]
pub struct Posting {
    pub loan: LoanId,
    pub reference: String,
    pub paid_on: NaiveDate,
    pub method: RepaymentMethod,
    pub principal: i64,
    pub charge: i64,
    pub allocations: Vec<(u32, i64, i64)>,
    pub programme: MicrocreditProgramme,
    pub area: Area,
}

/// A loan's state after a batch of postings.
#[derive(Debug, Clone)]
pub struct LoanAfter {
    pub loan: LoanId,
    pub principal_repaid: i64,
    pub charge_repaid: i64,
    pub oldest_due_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
}

/// Posts repayments set-based (a collection sheet of 100,000 lines is a handful of
/// statements): the repayments, the instalments' paid amounts and the loans' totals.
pub fn post_repayments(conn: &mut PgConnection, postings: &[Posting], after: &[LoanAfter], by: UserId) -> QueryResult<()> {
    // (14 parameters a row: 4,000 rows stay under PostgreSQL's 65,535 per statement.)
    for chunk in postings.chunks(4_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|p| {
                let allocations = serde_json::Value::Array(
                    p.allocations
                        .iter()
                        .map(|(no, principal, charge)| serde_json::json!({"no": no, "principal": principal, "charge": charge}))
                        .collect(),
                );
                (
                    loan_repayments::id.eq(Uuid::now_v7()),
                    loan_repayments::loan_id.eq(p.loan.0),
                    loan_repayments::reference.eq(&p.reference),
                    loan_repayments::paid_on.eq(p.paid_on),
                    loan_repayments::amount.eq(p.principal + p.charge),
                    loan_repayments::principal.eq(p.principal),
                    loan_repayments::charge.eq(p.charge),
                    loan_repayments::method.eq(p.method.code()),
                    loan_repayments::allocations.eq(allocations),
                    loan_repayments::programme.eq(p.programme.code()),
                    loan_repayments::division_id.eq(p.area.division_id),
                    loan_repayments::district_id.eq(p.area.district_id),
                    loan_repayments::upazila_id.eq(p.area.upazila_id),
                    loan_repayments::created_by.eq(by.0),
                )
            })
            .collect();
        diesel::insert_into(loan_repayments::table).values(&rows).execute(conn)?;
    }
    // The instalments: one row per (loan, instalment), summed over the batch.
    let mut sums: std::collections::BTreeMap<(Uuid, i32), (i64, i64)> = std::collections::BTreeMap::new();
    for p in postings {
        for (no, principal, charge) in &p.allocations {
            let e = sums.entry((p.loan.0, *no as i32)).or_default();
            e.0 += principal;
            e.1 += charge;
        }
    }
    let (mut ids, mut nos, mut ps, mut cs) = (vec![], vec![], vec![], vec![]);
    for ((id, no), (p, c)) in sums {
        ids.push(id);
        nos.push(no);
        ps.push(p);
        cs.push(c);
    }
    diesel::sql_query(
        "UPDATE loan_instalments t SET paid_principal = t.paid_principal + v.p, paid_charge = t.paid_charge + v.c
           FROM (SELECT unnest($1::uuid[]) AS loan_id, unnest($2::int4[]) AS no, unnest($3::int8[]) AS p, unnest($4::int8[]) AS c) v
          WHERE t.loan_id = v.loan_id AND t.no = v.no",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Int4>, _>(nos)
    .bind::<Array<BigInt>, _>(ps)
    .bind::<Array<BigInt>, _>(cs)
    .execute(conn)?;
    let (mut ids, mut pr, mut cr, mut due, mut closed, mut closing) = (vec![], vec![], vec![], vec![], vec![], vec![]);
    for a in after {
        ids.push(a.loan.0);
        pr.push(a.principal_repaid);
        cr.push(a.charge_repaid);
        due.push(a.oldest_due_on);
        closed.push(a.closed_on);
        closing.push(if a.closed_on.is_some() { LoanStatus::Closed.code() } else { LoanStatus::Active.code() });
    }
    diesel::sql_query(
        "UPDATE loans t SET principal_repaid = v.pr, charge_repaid = v.cr, oldest_due_on = v.due, closed_on = v.closed,
                            status = v.status, version = t.version + 1, updated_at = now()
           FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::int8[]) AS pr, unnest($3::int8[]) AS cr,
                        unnest($4::date[]) AS due, unnest($5::date[]) AS closed, unnest($6::text[]) AS status) v
          WHERE t.id = v.id",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<BigInt>, _>(pr)
    .bind::<Array<BigInt>, _>(cr)
    .bind::<Array<diesel::sql_types::Nullable<Date>>, _>(due)
    .bind::<Array<diesel::sql_types::Nullable<Date>>, _>(closed)
    .bind::<Array<Text>, _>(closing)
    .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = loan_write_offs)]
pub struct WriteOffRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: WriteOffId,
    #[diesel(deserialize_as = Uuid)]
    pub loan_id: LoanId,
    pub reason: String,
    #[diesel(deserialize_as = Uuid)]
    pub requested_by: UserId,
    pub requested_on: NaiveDate,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub decided_by: Option<UserId>,
    pub decided_on: Option<NaiveDate>,
    pub approved: Option<bool>,
    pub created_at: DateTime<Utc>,
    /// Set on approval: the principal written off and the service charge forgone.
    pub principal_written_off: Option<i64>,
    pub charge_forgone: Option<i64>,
}

/// The write-offs asked for on a loan, oldest first.
pub fn write_offs_of(conn: &mut PgConnection, loan: LoanId) -> QueryResult<Vec<WriteOffRow>> {
    loan_write_offs::table
        .filter(loan_write_offs::loan_id.eq(loan.0))
        .order(loan_write_offs::id)
        .select(WriteOffRow::as_select())
        .load(conn)
}

pub fn request_write_off(
    conn: &mut PgConnection,
    loan: LoanId,
    reason: &str,
    on: NaiveDate,
    by: UserId,
) -> QueryResult<WriteOffRow> {
    diesel::insert_into(loan_write_offs::table)
        .values((
            loan_write_offs::id.eq(Uuid::now_v7()),
            loan_write_offs::loan_id.eq(loan.0),
            loan_write_offs::reason.eq(reason),
            loan_write_offs::requested_by.eq(by.0),
            loan_write_offs::requested_on.eq(on),
        ))
        .returning(WriteOffRow::as_returning())
        .get_result(conn)
}

/// Approves (the outstanding principal is written off and the loan ends) or declines the
/// pending write-off.
pub fn decide_write_off(
    conn: &mut PgConnection,
    loan: &LoanRow,
    request: WriteOffId,
    approve: bool,
    plan: &WriteOffPlan,
    on: NaiveDate,
    by: UserId,
) -> QueryResult<LoanRow> {
    let amounts = if approve { (Some(plan.principal_written_off), Some(plan.charge_forgone)) } else { (None, None) };
    diesel::update(loan_write_offs::table.find(request.0))
        .set((
            loan_write_offs::decided_by.eq(by.0),
            loan_write_offs::decided_on.eq(on),
            loan_write_offs::approved.eq(approve),
            loan_write_offs::principal_written_off.eq(amounts.0),
            loan_write_offs::charge_forgone.eq(amounts.1),
        ))
        .execute(conn)?;
    let q = diesel::update(loans::table.find(loan.id.0));
    if approve {
        q.set((
            loans::status.eq(LoanStatus::WrittenOff.code()),
            loans::written_off.eq(plan.principal_written_off),
            loans::closed_on.eq(on),
            loans::oldest_due_on.eq(None::<NaiveDate>),
            loans::version.eq(loans::version + 1),
            loans::updated_at.eq(diesel::dsl::now),
        ))
        .returning(LoanRow::as_returning())
        .get_result(conn)
    } else {
        q.set((loans::version.eq(loans::version + 1), loans::updated_at.eq(diesel::dsl::now)))
            .returning(LoanRow::as_returning())
            .get_result(conn)
    }
}

/// Bumps a loan's version (a change recorded beside it, such as a write-off request).
pub fn bump(conn: &mut PgConnection, id: LoanId) -> QueryResult<LoanRow> {
    diesel::update(loans::table.find(id.0))
        .set((loans::version.eq(loans::version + 1), loans::updated_at.eq(diesel::dsl::now)))
        .returning(LoanRow::as_returning())
        .get_result(conn)
}
