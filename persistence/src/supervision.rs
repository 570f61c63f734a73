//! Probation, diversion and after-care supervisions and their timeline.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use domain::access::Scope;
use domain::id::{InstitutionStayId, PersonId, SupervisionId, UserId};
use domain::probation::{SupervisionKind, SupervisionStatus};

use crate::columns::OptionalId;
use crate::microcredit::Area;
use crate::page::Page;
use crate::schema::{supervision_events, supervisions};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = supervisions)]
pub struct SupervisionRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: SupervisionId,
    #[diesel(deserialize_as = String)]
    pub kind: SupervisionKind,
    #[diesel(deserialize_as = Uuid)]
    pub person_id: PersonId,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub court: Option<String>,
    pub order_number: Option<String>,
    pub order_date: Option<NaiveDate>,
    pub offence: Option<String>,
    #[diesel(deserialize_as = OptionalId<InstitutionStayId>)]
    pub from_stay_id: Option<InstitutionStayId>,
    pub starts_on: NaiveDate,
    pub term_months: i32,
    pub ends_on: NaiveDate,
    pub conditions: Vec<String>,
    #[diesel(deserialize_as = Uuid)]
    pub officer_id: UserId,
    #[diesel(deserialize_as = String)]
    pub status: SupervisionStatus,
    pub last_visit_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct NewSupervision<'a> {
    pub kind: SupervisionKind,
    pub person_id: PersonId,
    pub area: Area,
    pub order: Option<(&'a str, &'a str, NaiveDate)>,
    pub offence: Option<&'a str>,
    pub from_stay_id: Option<InstitutionStayId>,
    pub starts_on: NaiveDate,
    pub term_months: i32,
    pub ends_on: NaiveDate,
    pub conditions: Vec<String>,
    pub officer_id: UserId,
    pub by: UserId,
}

pub fn insert(conn: &mut PgConnection, s: &NewSupervision<'_>) -> QueryResult<SupervisionRow> {
    diesel::insert_into(supervisions::table)
        .values((
            supervisions::id.eq(Uuid::now_v7()),
            supervisions::kind.eq(s.kind.code()),
            supervisions::person_id.eq(s.person_id.0),
            supervisions::division_id.eq(s.area.division_id),
            supervisions::district_id.eq(s.area.district_id),
            supervisions::upazila_id.eq(s.area.upazila_id),
            supervisions::court.eq(s.order.map(|o| o.0)),
            supervisions::order_number.eq(s.order.map(|o| o.1)),
            supervisions::order_date.eq(s.order.map(|o| o.2)),
            supervisions::offence.eq(s.offence),
            supervisions::from_stay_id.eq(s.from_stay_id.map(Uuid::from)),
            supervisions::starts_on.eq(s.starts_on),
            supervisions::term_months.eq(s.term_months),
            supervisions::ends_on.eq(s.ends_on),
            supervisions::conditions.eq(&s.conditions),
            supervisions::officer_id.eq(s.officer_id.0),
            supervisions::status.eq(SupervisionStatus::Active.code()),
            supervisions::created_by.eq(s.by.0),
        ))
        .returning(SupervisionRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: SupervisionId) -> QueryResult<Option<SupervisionRow>> {
    supervisions::table.find(id.0).select(SupervisionRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: SupervisionId) -> QueryResult<Option<SupervisionRow>> {
    supervisions::table.find(id.0).select(SupervisionRow::as_select()).for_update().first(conn).optional()
}

/// Writes a step: the new status (closing the supervision when it ended), the last visit, the
/// version, and its timeline entry.
pub fn record(
    conn: &mut PgConnection,
    s: &SupervisionRow,
    (action, on, status, data): (&str, NaiveDate, SupervisionStatus, &Value),
    actor: UserId,
) -> QueryResult<SupervisionRow> {
    let ended = matches!(status, SupervisionStatus::Completed | SupervisionStatus::Revoked);
    let last_visit = if action == "visit" { Some(s.last_visit_on.map_or(on, |d| d.max(on))) } else { s.last_visit_on };
    let row = diesel::update(supervisions::table.find(s.id.0))
        .set((
            supervisions::status.eq(status.code()),
            supervisions::last_visit_on.eq(last_visit),
            supervisions::closed_on.eq(if ended { Some(on) } else { None }),
            supervisions::version.eq(supervisions::version + 1),
            supervisions::updated_at.eq(diesel::dsl::now),
        ))
        .returning(SupervisionRow::as_returning())
        .get_result(conn)?;
    event(conn, s.id, (action, on, status, data), actor)?;
    Ok(row)
}

pub fn event(
    conn: &mut PgConnection,
    id: SupervisionId,
    (action, on, status, data): (&str, NaiveDate, SupervisionStatus, &Value),
    actor: UserId,
) -> QueryResult<()> {
    diesel::insert_into(supervision_events::table)
        .values((
            supervision_events::id.eq(Uuid::now_v7()),
            supervision_events::supervision_id.eq(id.0),
            supervision_events::action.eq(action),
            supervision_events::on_date.eq(on),
            supervision_events::status_after.eq(status.code()),
            supervision_events::data.eq(data),
            supervision_events::actor_id.eq(actor.0),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub action: String,
    pub on_date: NaiveDate,
    pub status_after: String,
    pub data: Value,
    pub occurred_at: DateTime<Utc>,
}

pub fn timeline(conn: &mut PgConnection, id: SupervisionId) -> QueryResult<Vec<EventRow>> {
    supervision_events::table
        .filter(supervision_events::supervision_id.eq(id.0))
        .order((supervision_events::occurred_at, supervision_events::id))
        .select((
            supervision_events::action,
            supervision_events::on_date,
            supervision_events::status_after,
            supervision_events::data,
            supervision_events::occurred_at,
        ))
        .load(conn)
}

#[derive(Debug, Clone, Default)]
pub struct SupervisionFilter {
    pub kind: Option<SupervisionKind>,
    pub status: Option<SupervisionStatus>,
    pub officer_id: Option<UserId>,
    pub person_id: Option<PersonId>,
}

pub fn list(
    conn: &mut PgConnection,
    scope: Scope,
    f: &SupervisionFilter,
    after: Option<SupervisionId>,
    limit: i64,
) -> QueryResult<Page<SupervisionRow, SupervisionId>> {
    let mut q = supervisions::table.into_boxed();
    q = match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(supervisions::division_id.eq(d.0)),
        Scope::District(d) => q.filter(supervisions::district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(supervisions::upazila_id.eq(u.0)),
        Scope::Facility(_) | Scope::Partner(_) => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(a) = after {
        q = q.filter(supervisions::id.gt(a.0));
    }
    if let Some(k) = f.kind {
        q = q.filter(supervisions::kind.eq(k.code()));
    }
    if let Some(s) = f.status {
        q = q.filter(supervisions::status.eq(s.code()));
    }
    if let Some(o) = f.officer_id {
        q = q.filter(supervisions::officer_id.eq(o.0));
    }
    if let Some(p) = f.person_id {
        q = q.filter(supervisions::person_id.eq(p.0));
    }
    let rows = q.order(supervisions::id).limit(limit + 1).select(SupervisionRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}
