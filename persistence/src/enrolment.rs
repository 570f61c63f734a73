//! Quotas, applications and beneficiaries of allowance programmes.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use domain::access::Scope;
use domain::allowance::eligibility::Verdict;
use domain::allowance::enrolment::{ApplicationStatus, BeneficiaryExit, BeneficiaryStatus, PaymentProvider};
use domain::allowance::programme::EducationLevel;
use domain::id::{ApplicationId, BeneficiaryId, PersonId, UserId};
use domain::person::Sex;

use crate::columns::{OptionalCode, OptionalId};
use crate::page::Page;
use crate::schema::{applications, beneficiaries, quotas};

/// Sets the places for a programme in an upazila for a fiscal year.
pub fn set_quota(conn: &mut PgConnection, code: &str, upazila: i32, fiscal_year: i32, places: i32) -> QueryResult<()> {
    diesel::insert_into(quotas::table)
        .values((
            quotas::programme_code.eq(code),
            quotas::upazila_id.eq(upazila),
            quotas::fiscal_year.eq(fiscal_year),
            quotas::places.eq(places),
        ))
        .on_conflict((quotas::programme_code, quotas::upazila_id, quotas::fiscal_year))
        .do_update()
        .set((quotas::places.eq(places), quotas::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .map(|_| ())
}

/// The places, locked for the rest of the transaction so two approvals cannot take the last one.
pub fn quota_for_update(conn: &mut PgConnection, code: &str, upazila: i32, fiscal_year: i32) -> QueryResult<Option<i32>> {
    quotas::table.find((code, upazila, fiscal_year)).select(quotas::places).for_update().first(conn).optional()
}

/// Quotas of one upazila (all programmes and years).
pub fn quotas_of(conn: &mut PgConnection, upazila: i32) -> QueryResult<Vec<(String, i32, i32)>> {
    quotas::table
        .filter(quotas::upazila_id.eq(upazila))
        .order((quotas::fiscal_year.desc(), quotas::programme_code))
        .select((quotas::programme_code, quotas::fiscal_year, quotas::places))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct ApplicationRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: ApplicationId,
    pub programme_code: String,
    #[diesel(deserialize_as = Uuid)]
    pub person_id: PersonId,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[diesel(deserialize_as = String)]
    pub status: ApplicationStatus,
    pub facts: Value,
    #[diesel(deserialize_as = OptionalCode<EducationLevel>)]
    pub education_level: Option<EducationLevel>,
    #[diesel(deserialize_as = String)]
    pub verdict: Verdict,
    pub reasons: Value,
    pub priority_score: i32,
    pub submitted_on: NaiveDate,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub verified_by: Option<UserId>,
    pub verified_on: Option<NaiveDate>,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub decided_by: Option<UserId>,
    pub decided_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = applications)]
pub struct NewApplication {
    #[diesel(serialize_as = Uuid)]
    pub id: ApplicationId,
    pub programme_code: String,
    #[diesel(serialize_as = Uuid)]
    pub person_id: PersonId,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[diesel(serialize_as = String)]
    pub status: ApplicationStatus,
    pub facts: Value,
    pub education_level: Option<String>,
    #[diesel(serialize_as = String)]
    pub verdict: Verdict,
    pub reasons: Value,
    pub priority_score: i32,
    pub submitted_on: NaiveDate,
    #[diesel(serialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
}

/// Inserts an application; `Ok(None)` when the person already has an open one for the programme.
pub fn insert_application(conn: &mut PgConnection, new: NewApplication) -> QueryResult<Option<ApplicationRow>> {
    diesel::insert_into(applications::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(ApplicationRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn find_application(conn: &mut PgConnection, id: ApplicationId) -> QueryResult<Option<ApplicationRow>> {
    applications::table.find(id.0).select(ApplicationRow::as_select()).first(conn).optional()
}

pub fn find_application_for_update(conn: &mut PgConnection, id: ApplicationId) -> QueryResult<Option<ApplicationRow>> {
    applications::table.find(id.0).select(ApplicationRow::as_select()).for_update().first(conn).optional()
}

/// A decision on an application.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = applications)]
pub struct ApplicationChange {
    #[diesel(serialize_as = String)]
    pub status: ApplicationStatus,
    /// `None` leaves the column as it is (as for every field here).
    #[diesel(serialize_as = Uuid)]
    pub verified_by: Option<UserId>,
    pub verified_on: Option<NaiveDate>,
    #[diesel(serialize_as = Uuid)]
    pub decided_by: Option<UserId>,
    pub decided_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub verdict: Option<String>,
    pub reasons: Option<Value>,
    pub facts: Option<Value>,
    pub priority_score: Option<i32>,
}

pub fn update_application(
    conn: &mut PgConnection,
    id: ApplicationId,
    change: ApplicationChange,
    now: DateTime<Utc>,
) -> QueryResult<ApplicationRow> {
    diesel::update(applications::table.find(id.0))
        .set((change, applications::version.eq(applications::version + 1), applications::updated_at.eq(now)))
        .returning(ApplicationRow::as_returning())
        .get_result(conn)
}

#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub programme_code: Option<String>,
    pub status: Option<ApplicationStatus>,
    pub upazila_id: Option<i32>,
    pub person_id: Option<PersonId>,
}

pub fn list_applications(
    conn: &mut PgConnection,
    scope: Scope,
    f: &ApplicationFilter,
    after: Option<ApplicationId>,
    limit: i64,
) -> QueryResult<Page<ApplicationRow, ApplicationId>> {
    let mut q = applications::table.into_boxed();
    q = match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(applications::division_id.eq(d.0)),
        Scope::District(d) => q.filter(applications::district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(applications::upazila_id.eq(u.0)),
        // Facility and partner scopes hold no allowance records.
        Scope::Facility(_) | Scope::Partner(_) => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(a) = after {
        q = q.filter(applications::id.gt(a.0));
    }
    if let Some(v) = &f.programme_code {
        q = q.filter(applications::programme_code.eq(v));
    }
    if let Some(v) = f.status {
        q = q.filter(applications::status.eq(v.code()));
    }
    if let Some(v) = f.upazila_id {
        q = q.filter(applications::upazila_id.eq(v));
    }
    if let Some(v) = f.person_id {
        q = q.filter(applications::person_id.eq(v.0));
    }
    let rows = q.order(applications::id).limit(limit + 1).select(ApplicationRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// The waiting list of a programme in an upazila, highest priority first, then earliest.
pub fn waiting_list(conn: &mut PgConnection, code: &str, upazila: i32, limit: i64) -> QueryResult<Vec<ApplicationRow>> {
    applications::table
        .filter(applications::programme_code.eq(code))
        .filter(applications::upazila_id.eq(upazila))
        .filter(applications::status.eq(ApplicationStatus::Waitlisted.code()))
        .order((applications::priority_score.desc(), applications::id))
        .limit(limit)
        .select(ApplicationRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = beneficiaries)]
pub struct BeneficiaryRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: BeneficiaryId,
    #[diesel(deserialize_as = Uuid)]
    pub person_id: PersonId,
    pub programme_code: String,
    pub exclusivity_group: Option<String>,
    /// None for a beneficiary carried over by a bulk import from an earlier register.
    #[diesel(deserialize_as = OptionalId<ApplicationId>)]
    pub application_id: Option<ApplicationId>,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[diesel(deserialize_as = String)]
    pub sex: Sex,
    #[diesel(deserialize_as = OptionalCode<EducationLevel>)]
    pub education_level: Option<EducationLevel>,
    #[diesel(deserialize_as = String)]
    pub status: BeneficiaryStatus,
    #[diesel(deserialize_as = OptionalCode<BeneficiaryExit>)]
    pub exit_reason: Option<BeneficiaryExit>,
    pub start_month: NaiveDate,
    pub end_month: Option<NaiveDate>,
    #[diesel(deserialize_as = OptionalCode<PaymentProvider>)]
    pub payment_provider: Option<PaymentProvider>,
    pub account_number: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = beneficiaries)]
pub struct NewBeneficiary {
    #[diesel(serialize_as = Uuid)]
    pub id: BeneficiaryId,
    #[diesel(serialize_as = Uuid)]
    pub person_id: PersonId,
    pub programme_code: String,
    pub exclusivity_group: Option<String>,
    #[diesel(serialize_as = Uuid)]
    pub application_id: ApplicationId,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[diesel(serialize_as = String)]
    pub sex: Sex,
    pub education_level: Option<String>,
    #[diesel(serialize_as = String)]
    pub status: BeneficiaryStatus,
    pub start_month: NaiveDate,
}

/// Which uniqueness rule refused a new beneficiary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeneficiaryConflict {
    SameProgramme,
    SameGroup,
}

/// Inserts a beneficiary in a savepoint; the database's unique indexes are the last word on
/// one-per-programme and one-per-group, even under concurrent approvals.
pub fn insert_beneficiary(
    conn: &mut PgConnection,
    new: NewBeneficiary,
) -> QueryResult<Result<BeneficiaryRow, BeneficiaryConflict>> {
    let result = conn.transaction(|conn| {
        diesel::insert_into(beneficiaries::table).values(new).returning(BeneficiaryRow::as_returning()).get_result(conn)
    });
    match result {
        Ok(row) => Ok(Ok(row)),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, info)) => {
            Ok(Err(if info.constraint_name() == Some("beneficiaries_one_per_group_idx") {
                BeneficiaryConflict::SameGroup
            } else {
                BeneficiaryConflict::SameProgramme
            }))
        }
        Err(e) => Err(e),
    }
}

/// Beneficiaries holding places (active or suspended) of a programme in an upazila.
pub fn places_filled(conn: &mut PgConnection, code: &str, upazila: i32) -> QueryResult<i64> {
    beneficiaries::table
        .filter(beneficiaries::programme_code.eq(code))
        .filter(beneficiaries::upazila_id.eq(upazila))
        .filter(beneficiaries::status.ne(BeneficiaryStatus::Exited.code()))
        .count()
        .get_result(conn)
}

/// The programmes and exclusivity groups a person currently receives.
/// A person's enrolments, every one ever made, with what says when each was received
/// (`domain::allowance::enrolment::receiving_on`).
#[derive(Debug, Clone, Queryable)]
pub struct Enrolment {
    pub programme_code: String,
    pub exclusivity_group: Option<String>,
    pub start_month: NaiveDate,
    #[diesel(deserialize_as = String)]
    pub status: BeneficiaryStatus,
    pub end_month: Option<NaiveDate>,
}

pub fn enrolments_of(conn: &mut PgConnection, person: PersonId) -> QueryResult<Vec<Enrolment>> {
    beneficiaries::table
        .filter(beneficiaries::person_id.eq(person.0))
        .select((
            beneficiaries::programme_code,
            beneficiaries::exclusivity_group,
            beneficiaries::start_month,
            beneficiaries::status,
            beneficiaries::end_month,
        ))
        .load(conn)
}

pub fn receiving(conn: &mut PgConnection, person: PersonId) -> QueryResult<Vec<(String, Option<String>)>> {
    beneficiaries::table
        .filter(beneficiaries::person_id.eq(person.0))
        .filter(beneficiaries::status.ne(BeneficiaryStatus::Exited.code()))
        .select((beneficiaries::programme_code, beneficiaries::exclusivity_group))
        .load(conn)
}

pub fn find_beneficiary(conn: &mut PgConnection, id: BeneficiaryId) -> QueryResult<Option<BeneficiaryRow>> {
    beneficiaries::table.find(id.0).select(BeneficiaryRow::as_select()).first(conn).optional()
}

pub fn find_beneficiary_for_update(conn: &mut PgConnection, id: BeneficiaryId) -> QueryResult<Option<BeneficiaryRow>> {
    beneficiaries::table.find(id.0).select(BeneficiaryRow::as_select()).for_update().first(conn).optional()
}

pub fn set_beneficiary_status(
    conn: &mut PgConnection,
    id: BeneficiaryId,
    status: BeneficiaryStatus,
    exit_reason: Option<BeneficiaryExit>,
    end_month: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> QueryResult<BeneficiaryRow> {
    diesel::update(beneficiaries::table.find(id.0))
        .set((
            beneficiaries::status.eq(status.code()),
            beneficiaries::exit_reason.eq(exit_reason.map(BeneficiaryExit::code)),
            beneficiaries::end_month.eq(end_month),
            beneficiaries::version.eq(beneficiaries::version + 1),
            beneficiaries::updated_at.eq(now),
        ))
        .returning(BeneficiaryRow::as_returning())
        .get_result(conn)
}

pub fn set_account(
    conn: &mut PgConnection,
    id: BeneficiaryId,
    provider: PaymentProvider,
    number: &str,
    now: DateTime<Utc>,
) -> QueryResult<BeneficiaryRow> {
    diesel::update(beneficiaries::table.find(id.0))
        .set((
            beneficiaries::payment_provider.eq(provider.code()),
            beneficiaries::account_number.eq(number),
            beneficiaries::version.eq(beneficiaries::version + 1),
            beneficiaries::updated_at.eq(now),
        ))
        .returning(BeneficiaryRow::as_returning())
        .get_result(conn)
}

#[derive(Debug, Clone, Default)]
pub struct BeneficiaryFilter {
    pub programme_code: Option<String>,
    pub status: Option<BeneficiaryStatus>,
    pub upazila_id: Option<i32>,
    pub sex: Option<Sex>,
}

pub fn list_beneficiaries(
    conn: &mut PgConnection,
    scope: Scope,
    f: &BeneficiaryFilter,
    after: Option<BeneficiaryId>,
    limit: i64,
) -> QueryResult<Page<BeneficiaryRow, BeneficiaryId>> {
    let mut q = beneficiaries::table.into_boxed();
    q = match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(beneficiaries::division_id.eq(d.0)),
        Scope::District(d) => q.filter(beneficiaries::district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(beneficiaries::upazila_id.eq(u.0)),
        Scope::Facility(_) | Scope::Partner(_) => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(a) = after {
        q = q.filter(beneficiaries::id.gt(a.0));
    }
    if let Some(v) = &f.programme_code {
        q = q.filter(beneficiaries::programme_code.eq(v));
    }
    if let Some(v) = f.status {
        q = q.filter(beneficiaries::status.eq(v.code()));
    }
    if let Some(v) = f.upazila_id {
        q = q.filter(beneficiaries::upazila_id.eq(v));
    }
    if let Some(v) = f.sex {
        q = q.filter(beneficiaries::sex.eq(v.code()));
    }
    let rows = q.order(beneficiaries::id).limit(limit + 1).select(BeneficiaryRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}
