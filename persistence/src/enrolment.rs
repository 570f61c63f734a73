//! Quotas, applications and beneficiaries of allowance programmes.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::page::Page;
use crate::reach::Reach;
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
    pub id: Uuid,
    pub programme_code: String,
    pub person_id: Uuid,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub status: String,
    pub facts: Value,
    pub education_level: Option<String>,
    pub verdict: String,
    pub reasons: Value,
    pub priority_score: i32,
    pub submitted_on: NaiveDate,
    pub verified_by: Option<Uuid>,
    pub verified_on: Option<NaiveDate>,
    pub decided_by: Option<Uuid>,
    pub decided_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = applications)]
pub struct NewApplication {
    pub id: Uuid,
    pub programme_code: String,
    pub person_id: Uuid,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub status: String,
    pub facts: Value,
    pub education_level: Option<String>,
    pub verdict: String,
    pub reasons: Value,
    pub priority_score: i32,
    pub submitted_on: NaiveDate,
    pub created_by: Option<Uuid>,
}

/// Inserts an application; `Ok(None)` when the person already has an open one for the programme.
pub fn insert_application(conn: &mut PgConnection, new: &NewApplication) -> QueryResult<Option<ApplicationRow>> {
    diesel::insert_into(applications::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(ApplicationRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn find_application(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ApplicationRow>> {
    applications::table.find(id).select(ApplicationRow::as_select()).first(conn).optional()
}

pub fn find_application_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ApplicationRow>> {
    applications::table.find(id).select(ApplicationRow::as_select()).for_update().first(conn).optional()
}

/// A decision on an application.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = applications)]
pub struct ApplicationChange {
    pub status: String,
    pub verified_by: Option<Uuid>,
    pub verified_on: Option<NaiveDate>,
    pub decided_by: Option<Uuid>,
    pub decided_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub verdict: Option<String>,
    pub reasons: Option<Value>,
    pub facts: Option<Value>,
    pub priority_score: Option<i32>,
}

pub fn update_application(
    conn: &mut PgConnection,
    id: Uuid,
    change: &ApplicationChange,
    now: DateTime<Utc>,
) -> QueryResult<ApplicationRow> {
    diesel::update(applications::table.find(id))
        .set((change, applications::version.eq(applications::version + 1), applications::updated_at.eq(now)))
        .returning(ApplicationRow::as_returning())
        .get_result(conn)
}

#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub programme_code: Option<String>,
    pub status: Option<String>,
    pub upazila_id: Option<i32>,
    pub person_id: Option<Uuid>,
}

fn reach_filter<'a>(
    q: applications::BoxedQuery<'a, diesel::pg::Pg>,
    reach: Reach,
) -> Option<applications::BoxedQuery<'a, diesel::pg::Pg>> {
    Some(match reach {
        Reach::All => q,
        Reach::Division(d) => q.filter(applications::division_id.eq(d)),
        Reach::District(d) => q.filter(applications::district_id.eq(d)),
        Reach::Upazila(u) => q.filter(applications::upazila_id.eq(u)),
        Reach::Facility(_) | Reach::Partner(_) => return None,
    })
}

pub fn list_applications(
    conn: &mut PgConnection,
    reach: Reach,
    f: &ApplicationFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Page<ApplicationRow, Uuid>> {
    let Some(mut q) = reach_filter(applications::table.into_boxed(), reach) else { return Ok(Page { rows: vec![], next: None }) };
    if let Some(a) = after {
        q = q.filter(applications::id.gt(a));
    }
    if let Some(v) = &f.programme_code {
        q = q.filter(applications::programme_code.eq(v));
    }
    if let Some(v) = &f.status {
        q = q.filter(applications::status.eq(v));
    }
    if let Some(v) = f.upazila_id {
        q = q.filter(applications::upazila_id.eq(v));
    }
    if let Some(v) = f.person_id {
        q = q.filter(applications::person_id.eq(v));
    }
    let rows = q.order(applications::id).limit(limit + 1).select(ApplicationRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// The waiting list of a programme in an upazila, highest priority first, then earliest.
pub fn waiting_list(conn: &mut PgConnection, code: &str, upazila: i32, limit: i64) -> QueryResult<Vec<ApplicationRow>> {
    applications::table
        .filter(applications::programme_code.eq(code))
        .filter(applications::upazila_id.eq(upazila))
        .filter(applications::status.eq("waitlisted"))
        .order((applications::priority_score.desc(), applications::id))
        .limit(limit)
        .select(ApplicationRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = beneficiaries)]
pub struct BeneficiaryRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub programme_code: String,
    pub exclusivity_group: Option<String>,
    pub application_id: Uuid,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub sex: String,
    pub education_level: Option<String>,
    pub status: String,
    pub exit_reason: Option<String>,
    pub start_month: NaiveDate,
    pub end_month: Option<NaiveDate>,
    pub payment_provider: Option<String>,
    pub account_number: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = beneficiaries)]
pub struct NewBeneficiary {
    pub id: Uuid,
    pub person_id: Uuid,
    pub programme_code: String,
    pub exclusivity_group: Option<String>,
    pub application_id: Uuid,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub sex: String,
    pub education_level: Option<String>,
    pub status: String,
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
    new: &NewBeneficiary,
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
        .filter(beneficiaries::status.ne("exited"))
        .count()
        .get_result(conn)
}

/// The programmes and exclusivity groups a person currently receives.
pub fn receiving(conn: &mut PgConnection, person: Uuid) -> QueryResult<Vec<(String, Option<String>)>> {
    beneficiaries::table
        .filter(beneficiaries::person_id.eq(person))
        .filter(beneficiaries::status.ne("exited"))
        .select((beneficiaries::programme_code, beneficiaries::exclusivity_group))
        .load(conn)
}

pub fn find_beneficiary(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<BeneficiaryRow>> {
    beneficiaries::table.find(id).select(BeneficiaryRow::as_select()).first(conn).optional()
}

pub fn find_beneficiary_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<BeneficiaryRow>> {
    beneficiaries::table.find(id).select(BeneficiaryRow::as_select()).for_update().first(conn).optional()
}

pub fn set_beneficiary_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: &str,
    exit_reason: Option<&str>,
    end_month: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> QueryResult<BeneficiaryRow> {
    diesel::update(beneficiaries::table.find(id))
        .set((
            beneficiaries::status.eq(status),
            beneficiaries::exit_reason.eq(exit_reason),
            beneficiaries::end_month.eq(end_month),
            beneficiaries::version.eq(beneficiaries::version + 1),
            beneficiaries::updated_at.eq(now),
        ))
        .returning(BeneficiaryRow::as_returning())
        .get_result(conn)
}

pub fn set_account(
    conn: &mut PgConnection,
    id: Uuid,
    provider: &str,
    number: &str,
    now: DateTime<Utc>,
) -> QueryResult<BeneficiaryRow> {
    diesel::update(beneficiaries::table.find(id))
        .set((
            beneficiaries::payment_provider.eq(provider),
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
    pub status: Option<String>,
    pub upazila_id: Option<i32>,
    pub sex: Option<String>,
}

pub fn list_beneficiaries(
    conn: &mut PgConnection,
    reach: Reach,
    f: &BeneficiaryFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Page<BeneficiaryRow, Uuid>> {
    let mut q = beneficiaries::table.into_boxed();
    q = match reach {
        Reach::All => q,
        Reach::Division(d) => q.filter(beneficiaries::division_id.eq(d)),
        Reach::District(d) => q.filter(beneficiaries::district_id.eq(d)),
        Reach::Upazila(u) => q.filter(beneficiaries::upazila_id.eq(u)),
        Reach::Facility(_) | Reach::Partner(_) => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(a) = after {
        q = q.filter(beneficiaries::id.gt(a));
    }
    if let Some(v) = &f.programme_code {
        q = q.filter(beneficiaries::programme_code.eq(v));
    }
    if let Some(v) = &f.status {
        q = q.filter(beneficiaries::status.eq(v));
    }
    if let Some(v) = f.upazila_id {
        q = q.filter(beneficiaries::upazila_id.eq(v));
    }
    if let Some(v) = &f.sex {
        q = q.filter(beneficiaries::sex.eq(v));
    }
    let rows = q.order(beneficiaries::id).limit(limit + 1).select(BeneficiaryRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}
