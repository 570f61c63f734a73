//! Residents' stays in child-care and rehabilitation institutions.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use domain::access::Scope;
use domain::id::{FacilityId, InstitutionStayId, PersonId, UserId};
use domain::institution::LeaveReason;
use domain::person::Sex;

use crate::columns::{OptionalCode, OptionalId};
use crate::facilities::FacilityRow;
use crate::page::Page;
use crate::schema::institution_stays;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = institution_stays)]
pub struct StayRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: InstitutionStayId,
    #[diesel(deserialize_as = Uuid)]
    pub facility_id: FacilityId,
    #[diesel(deserialize_as = Uuid)]
    pub person_id: PersonId,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[diesel(deserialize_as = String)]
    pub sex: Sex,
    pub admitted_on: NaiveDate,
    pub leaves_on: NaiveDate,
    #[diesel(deserialize_as = OptionalId<InstitutionStayId>)]
    pub transferred_from: Option<InstitutionStayId>,
    pub left_on: Option<NaiveDate>,
    #[diesel(deserialize_as = OptionalCode<LeaveReason>)]
    pub leave_reason: Option<LeaveReason>,
    pub rehabilitation_plan: Option<String>,
    pub leave_notes: Option<String>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct NewStay<'a> {
    pub facility: &'a FacilityRow,
    pub person_id: PersonId,
    pub sex: Sex,
    pub admitted_on: NaiveDate,
    pub leaves_on: NaiveDate,
    pub transferred_from: Option<InstitutionStayId>,
    pub by: UserId,
}

pub fn insert(conn: &mut PgConnection, s: &NewStay<'_>) -> QueryResult<StayRow> {
    diesel::insert_into(institution_stays::table)
        .values((
            institution_stays::id.eq(Uuid::now_v7()),
            institution_stays::facility_id.eq(s.facility.id.0),
            institution_stays::person_id.eq(s.person_id.0),
            institution_stays::division_id.eq(s.facility.division_id),
            institution_stays::district_id.eq(s.facility.district_id),
            institution_stays::upazila_id.eq(s.facility.upazila_id),
            institution_stays::sex.eq(s.sex.code()),
            institution_stays::admitted_on.eq(s.admitted_on),
            institution_stays::leaves_on.eq(s.leaves_on),
            institution_stays::transferred_from.eq(s.transferred_from.map(Uuid::from)),
            institution_stays::created_by.eq(s.by.0),
        ))
        .returning(StayRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: InstitutionStayId) -> QueryResult<Option<StayRow>> {
    institution_stays::table.find(id.0).select(StayRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: InstitutionStayId) -> QueryResult<Option<StayRow>> {
    institution_stays::table.find(id.0).select(StayRow::as_select()).for_update().first(conn).optional()
}

/// Whether the person lives in an institution now.
pub fn open_stay_of(conn: &mut PgConnection, person: PersonId) -> QueryResult<Option<InstitutionStayId>> {
    Ok(institution_stays::table
        .filter(institution_stays::person_id.eq(person.0))
        .filter(institution_stays::left_on.is_null())
        .select(institution_stays::id)
        .first::<Uuid>(conn)
        .optional()?
        .map(InstitutionStayId))
}

/// Residents of `sex` living at the facility now.
pub fn occupancy(conn: &mut PgConnection, facility: FacilityId, sex: Sex) -> QueryResult<i64> {
    institution_stays::table
        .filter(institution_stays::facility_id.eq(facility.0))
        .filter(institution_stays::sex.eq(sex.code()))
        .filter(institution_stays::left_on.is_null())
        .count()
        .get_result(conn)
}

pub fn leave(
    conn: &mut PgConnection,
    id: InstitutionStayId,
    (on, reason, plan, notes): (NaiveDate, LeaveReason, Option<&str>, Option<&str>),
) -> QueryResult<StayRow> {
    diesel::update(institution_stays::table.find(id.0))
        .set((
            institution_stays::left_on.eq(on),
            institution_stays::leave_reason.eq(reason.code()),
            institution_stays::rehabilitation_plan.eq(plan),
            institution_stays::leave_notes.eq(notes),
            institution_stays::version.eq(institution_stays::version + 1),
            institution_stays::updated_at.eq(diesel::dsl::now),
        ))
        .returning(StayRow::as_returning())
        .get_result(conn)
}

/// Every stay of the person, oldest first: the child's history across institutions.
pub fn history(conn: &mut PgConnection, person: PersonId) -> QueryResult<Vec<StayRow>> {
    institution_stays::table
        .filter(institution_stays::person_id.eq(person.0))
        .order((institution_stays::admitted_on, institution_stays::created_at))
        .select(StayRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Default)]
pub struct StayFilter {
    pub facility_id: Option<FacilityId>,
    pub person_id: Option<PersonId>,
    /// Only stays that have not ended.
    pub current: Option<bool>,
    /// Only current stays whose age limit falls on or before this day.
    pub leaving_by: Option<NaiveDate>,
}

pub fn list(
    conn: &mut PgConnection,
    scope: Scope,
    f: &StayFilter,
    after: Option<InstitutionStayId>,
    limit: i64,
) -> QueryResult<Page<StayRow, InstitutionStayId>> {
    let Some(mut q) = within_scope!(institution_stays::table.into_boxed(), scope, institution_stays) else {
        return Ok(Page { rows: vec![], next: None });
    };
    if let Some(a) = after {
        q = q.filter(institution_stays::id.gt(a.0));
    }
    if let Some(fid) = f.facility_id {
        q = q.filter(institution_stays::facility_id.eq(fid.0));
    }
    if let Some(p) = f.person_id {
        q = q.filter(institution_stays::person_id.eq(p.0));
    }
    match f.current {
        Some(true) => q = q.filter(institution_stays::left_on.is_null()),
        Some(false) => q = q.filter(institution_stays::left_on.is_not_null()),
        None => {}
    }
    if let Some(d) = f.leaving_by {
        q = q.filter(institution_stays::left_on.is_null()).filter(institution_stays::leaves_on.le(d));
    }
    let rows = q.order(institution_stays::id).limit(limit + 1).select(StayRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Current stays in scope reaching their age limit by `by`, soonest first (the work queue).
pub fn leaving_soon(conn: &mut PgConnection, scope: Scope, by: NaiveDate, limit: i64) -> QueryResult<Vec<StayRow>> {
    let current = institution_stays::table
        .filter(institution_stays::left_on.is_null())
        .filter(institution_stays::leaves_on.le(by))
        .into_boxed();
    let Some(q) = within_scope!(current, scope, institution_stays) else { return Ok(vec![]) };
    q.order((institution_stays::leaves_on, institution_stays::id)).limit(limit).select(StayRow::as_select()).load(conn)
}
