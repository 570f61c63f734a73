//! Helpline and outreach contacts, and children served at service points.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use domain::access::Scope;
use domain::contact::{ContactChannel, ContactOutcome, PerpetratorRelation, ReporterRelation};
use domain::id::{CaseId, ContactId, FacilityId, PersonId, UserId};

use crate::columns::{OptionalCode, OptionalId};
use crate::microcredit::Area;
use crate::page::Page;
use crate::schema::{contacts, service_point_days};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contacts)]
pub struct ContactRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: ContactId,
    #[diesel(deserialize_as = String)]
    pub channel: ContactChannel,
    pub contacted_at: DateTime<Utc>,
    pub contacted_on: NaiveDate,
    #[diesel(deserialize_as = String)]
    pub reporter_relation: ReporterRelation,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    #[diesel(deserialize_as = OptionalId<PersonId>)]
    pub person_id: Option<PersonId>,
    pub client_sex: Option<String>,
    pub client_age_years: Option<i32>,
    #[diesel(deserialize_as = OptionalCode<PerpetratorRelation>)]
    pub perpetrator_relation: Option<PerpetratorRelation>,
    pub categories: Vec<String>,
    pub actions: Vec<String>,
    #[diesel(deserialize_as = String)]
    pub outcome: ContactOutcome,
    pub summary: Option<String>,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub union_id: Option<i32>,
    pub location_detail: Option<String>,
    #[diesel(deserialize_as = OptionalId<CaseId>)]
    pub case_id: Option<CaseId>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A contact to record.
#[derive(Debug, Clone)]
pub struct NewContact<'a> {
    pub channel: ContactChannel,
    pub contacted_at: DateTime<Utc>,
    pub contacted_on: NaiveDate,
    pub reporter_relation: ReporterRelation,
    pub reporter_name: Option<&'a str>,
    pub reporter_phone: Option<&'a str>,
    pub person_id: Option<PersonId>,
    pub client_sex: Option<&'a str>,
    pub client_age_years: Option<i32>,
    pub perpetrator_relation: Option<PerpetratorRelation>,
    pub categories: Vec<String>,
    pub actions: Vec<String>,
    pub outcome: ContactOutcome,
    pub summary: Option<&'a str>,
    pub area: Area,
    pub union_id: Option<i32>,
    pub location_detail: Option<&'a str>,
    pub by: UserId,
}

pub fn insert(conn: &mut PgConnection, c: &NewContact<'_>) -> QueryResult<ContactRow> {
    diesel::insert_into(contacts::table)
        .values((
            contacts::id.eq(Uuid::now_v7()),
            contacts::channel.eq(c.channel.code()),
            contacts::contacted_at.eq(c.contacted_at),
            contacts::contacted_on.eq(c.contacted_on),
            contacts::reporter_relation.eq(c.reporter_relation.code()),
            contacts::reporter_name.eq(c.reporter_name),
            contacts::reporter_phone.eq(c.reporter_phone),
            contacts::person_id.eq(c.person_id.map(|p| p.0)),
            contacts::client_sex.eq(c.client_sex),
            contacts::client_age_years.eq(c.client_age_years),
            contacts::perpetrator_relation.eq(c.perpetrator_relation.map(|p| p.code())),
            contacts::categories.eq(&c.categories),
            contacts::actions.eq(&c.actions),
            contacts::outcome.eq(c.outcome.code()),
            contacts::summary.eq(c.summary),
            contacts::division_id.eq(c.area.division_id),
            contacts::district_id.eq(c.area.district_id),
            contacts::upazila_id.eq(c.area.upazila_id),
            contacts::union_id.eq(c.union_id),
            contacts::location_detail.eq(c.location_detail),
            contacts::created_by.eq(c.by.0),
        ))
        .returning(ContactRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: ContactId) -> QueryResult<Option<ContactRow>> {
    contacts::table.find(id.0).select(ContactRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: ContactId) -> QueryResult<Option<ContactRow>> {
    contacts::table.find(id.0).select(ContactRow::as_select()).for_update().first(conn).optional()
}

/// Links the contact to the case opened from it: "case opened" joins its actions and becomes
/// its outcome.
pub fn link_case(conn: &mut PgConnection, id: ContactId, case: CaseId) -> QueryResult<ContactRow> {
    diesel::update(contacts::table.find(id.0))
        .set((
            contacts::case_id.eq(case.0),
            contacts::actions.eq(diesel::dsl::sql::<diesel::sql_types::Array<diesel::sql_types::Text>>(
                "array_append(actions, 'case_opened')",
            )),
            contacts::outcome.eq(ContactOutcome::CaseOpened.code()),
            contacts::version.eq(contacts::version + 1),
            contacts::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ContactRow::as_returning())
        .get_result(conn)
}

#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub channel: Option<ContactChannel>,
    pub category: Option<String>,
    pub person_id: Option<PersonId>,
    pub upazila_id: Option<i32>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

pub fn list(
    conn: &mut PgConnection,
    scope: Scope,
    f: &ContactFilter,
    after: Option<ContactId>,
    limit: i64,
) -> QueryResult<Page<ContactRow, ContactId>> {
    let mut q = contacts::table.into_boxed();
    q = match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(contacts::division_id.eq(d.0)),
        Scope::District(d) => q.filter(contacts::district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(contacts::upazila_id.eq(u.0)),
        Scope::Facility(_) | Scope::Partner(_) => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(a) = after {
        q = q.filter(contacts::id.gt(a.0));
    }
    if let Some(c) = f.channel {
        q = q.filter(contacts::channel.eq(c.code()));
    }
    if let Some(c) = &f.category {
        q = q.filter(contacts::categories.contains(vec![c.clone()]));
    }
    if let Some(p) = f.person_id {
        q = q.filter(contacts::person_id.eq(p.0));
    }
    if let Some(u) = f.upazila_id {
        q = q.filter(contacts::upazila_id.eq(u));
    }
    if let Some(d) = f.from {
        q = q.filter(contacts::contacted_on.ge(d));
    }
    if let Some(d) = f.to {
        q = q.filter(contacts::contacted_on.le(d));
    }
    let rows = q.order(contacts::id).limit(limit + 1).select(ContactRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = service_point_days)]
pub struct ServicePointDayRow {
    #[diesel(deserialize_as = Uuid)]
    pub facility_id: FacilityId,
    pub served_on: NaiveDate,
    pub girls: i32,
    pub boys: i32,
    pub hijra: i32,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub updated_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

pub fn find_day(conn: &mut PgConnection, facility: FacilityId, on: NaiveDate) -> QueryResult<Option<ServicePointDayRow>> {
    service_point_days::table.find((facility.0, on)).select(ServicePointDayRow::as_select()).for_update().first(conn).optional()
}

/// Writes a day's counts: a new day at version 1, an existing one replaced (version + 1).
pub fn put_day(
    conn: &mut PgConnection,
    facility: FacilityId,
    on: NaiveDate,
    (girls, boys, hijra): (i32, i32, i32),
    by: UserId,
) -> QueryResult<ServicePointDayRow> {
    diesel::insert_into(service_point_days::table)
        .values((
            service_point_days::facility_id.eq(facility.0),
            service_point_days::served_on.eq(on),
            service_point_days::girls.eq(girls),
            service_point_days::boys.eq(boys),
            service_point_days::hijra.eq(hijra),
            service_point_days::updated_by.eq(by.0),
        ))
        .on_conflict((service_point_days::facility_id, service_point_days::served_on))
        .do_update()
        .set((
            service_point_days::girls.eq(girls),
            service_point_days::boys.eq(boys),
            service_point_days::hijra.eq(hijra),
            service_point_days::version.eq(service_point_days::version + 1),
            service_point_days::updated_by.eq(by.0),
            service_point_days::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ServicePointDayRow::as_returning())
        .get_result(conn)
}

/// A point's days in a period, oldest first.
pub fn days(
    conn: &mut PgConnection,
    facility: FacilityId,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<ServicePointDayRow>> {
    service_point_days::table
        .filter(service_point_days::facility_id.eq(facility.0))
        .filter(service_point_days::served_on.between(from, to))
        .order(service_point_days::served_on)
        .select(ServicePointDayRow::as_select())
        .load(conn)
}
