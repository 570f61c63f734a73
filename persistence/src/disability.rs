//! The disability identification register.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use domain::access::Scope;
use domain::disability::{DisabilityType, Severity};
use domain::id::{DisabilityRecordId, PersonId, UserId};
use domain::person::Sex;

use crate::columns::OptionalId;
use crate::microcredit::Area;
use crate::page::Page;
use crate::schema::disability_records;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = disability_records)]
pub struct DisabilityRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: DisabilityRecordId,
    #[diesel(deserialize_as = Uuid)]
    pub person_id: PersonId,
    #[diesel(deserialize_as = String)]
    pub disability_type: DisabilityType,
    #[diesel(deserialize_as = String)]
    pub severity: Severity,
    pub assessed_by: String,
    pub assessed_on: NaiveDate,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[diesel(deserialize_as = String)]
    pub sex: Sex,
    pub card_number: Option<String>,
    pub card_printed_on: Option<NaiveDate>,
    pub card_issued_on: Option<NaiveDate>,
    #[diesel(deserialize_as = OptionalId<DisabilityRecordId>)]
    pub superseded_by: Option<DisabilityRecordId>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An assessment to record.
#[derive(Debug, Clone)]
pub struct NewAssessment<'a> {
    pub person_id: PersonId,
    pub disability_type: DisabilityType,
    pub severity: Severity,
    pub assessed_by: &'a str,
    pub assessed_on: NaiveDate,
    pub area: Area,
    pub sex: Sex,
    pub by: UserId,
}

/// Records an assessment; the person's record in force until now is superseded by it.
pub fn insert(conn: &mut PgConnection, a: &NewAssessment<'_>) -> QueryResult<DisabilityRow> {
    let id = Uuid::now_v7();
    let current: Option<Uuid> = disability_records::table
        .filter(disability_records::person_id.eq(a.person_id.0))
        .filter(disability_records::superseded_by.is_null())
        .select(disability_records::id)
        .for_update()
        .first(conn)
        .optional()?;
    // The new row first (the old one then points at it), in one statement each.
    let row = diesel::insert_into(disability_records::table)
        .values((
            disability_records::id.eq(id),
            disability_records::person_id.eq(a.person_id.0),
            disability_records::disability_type.eq(a.disability_type.code()),
            disability_records::severity.eq(a.severity.code()),
            disability_records::assessed_by.eq(a.assessed_by),
            disability_records::assessed_on.eq(a.assessed_on),
            disability_records::division_id.eq(a.area.division_id),
            disability_records::district_id.eq(a.area.district_id),
            disability_records::upazila_id.eq(a.area.upazila_id),
            disability_records::sex.eq(a.sex.code()),
            disability_records::created_by.eq(a.by.0),
            // Held out of the one-in-force index until the old record steps aside.
            disability_records::superseded_by.eq(current.map(|_| id)),
        ))
        .returning(DisabilityRow::as_returning())
        .get_result(conn)?;
    if let Some(old) = current {
        diesel::update(disability_records::table.find(old))
            .set((disability_records::superseded_by.eq(id), disability_records::updated_at.eq(diesel::dsl::now)))
            .execute(conn)?;
        return diesel::update(disability_records::table.find(id))
            .set(disability_records::superseded_by.eq(None::<Uuid>))
            .returning(DisabilityRow::as_returning())
            .get_result(conn);
    }
    Ok(row)
}

pub fn find(conn: &mut PgConnection, id: DisabilityRecordId) -> QueryResult<Option<DisabilityRow>> {
    disability_records::table.find(id.0).select(DisabilityRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: DisabilityRecordId) -> QueryResult<Option<DisabilityRow>> {
    disability_records::table.find(id.0).select(DisabilityRow::as_select()).for_update().first(conn).optional()
}

/// A person's assessments in the order they were recorded (each supersedes those before it),
/// for `domain::disability::in_force_on`.
pub fn recorded_of(conn: &mut PgConnection, person: PersonId) -> QueryResult<Vec<DisabilityRow>> {
    disability_records::table
        .filter(disability_records::person_id.eq(person.0))
        .order((disability_records::created_at, disability_records::id))
        .select(DisabilityRow::as_select())
        .load(conn)
}

pub fn record_card(
    conn: &mut PgConnection,
    id: DisabilityRecordId,
    number: &str,
    printed_on: NaiveDate,
    issued_on: Option<NaiveDate>,
) -> QueryResult<Option<DisabilityRow>> {
    let result = conn.transaction(|conn| {
        diesel::update(disability_records::table.find(id.0))
            .set((
                disability_records::card_number.eq(number),
                disability_records::card_printed_on.eq(printed_on),
                disability_records::card_issued_on.eq(issued_on),
                disability_records::version.eq(disability_records::version + 1),
                disability_records::updated_at.eq(diesel::dsl::now),
            ))
            .returning(DisabilityRow::as_returning())
            .get_result(conn)
    });
    match result {
        Ok(row) => Ok(Some(row)),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
        Err(e) => Err(e),
    }
}

#[derive(Debug, Clone, Default)]
pub struct DisabilityFilter {
    pub person_id: Option<PersonId>,
    pub disability_type: Option<DisabilityType>,
    pub upazila_id: Option<i32>,
}

pub fn list(
    conn: &mut PgConnection,
    scope: Scope,
    f: &DisabilityFilter,
    after: Option<DisabilityRecordId>,
    limit: i64,
) -> QueryResult<Page<DisabilityRow, DisabilityRecordId>> {
    let mut q = disability_records::table.into_boxed();
    q = match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(disability_records::division_id.eq(d.0)),
        Scope::District(d) => q.filter(disability_records::district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(disability_records::upazila_id.eq(u.0)),
        Scope::Facility(_) | Scope::Partner(_) => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(a) = after {
        q = q.filter(disability_records::id.gt(a.0));
    }
    if let Some(p) = f.person_id {
        q = q.filter(disability_records::person_id.eq(p.0));
    }
    if let Some(t) = f.disability_type {
        q = q.filter(disability_records::disability_type.eq(t.code()));
    }
    if let Some(u) = f.upazila_id {
        q = q.filter(disability_records::upazila_id.eq(u));
    }
    let rows = q.order(disability_records::id).limit(limit + 1).select(DisabilityRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}
