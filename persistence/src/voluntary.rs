//! The register of voluntary social welfare organisations.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use domain::access::Scope;
use domain::id::{PartnerId, UserId, VoluntaryGrantId, VoluntaryOrganisationId};
use domain::voluntary::OrganisationStatus;

use crate::columns::OptionalId;
use crate::microcredit::Area;
use crate::page::Page;
use crate::schema::{
    voluntary_annual_reports, voluntary_grants, voluntary_organisation_events, voluntary_organisations,
    voluntary_registration_counters,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = voluntary_organisations)]
pub struct OrganisationRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: VoluntaryOrganisationId,
    pub name_en: Option<String>,
    pub name_bn: String,
    pub address: String,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[diesel(deserialize_as = String)]
    pub status: OrganisationStatus,
    pub applied_on: NaiveDate,
    pub documents: Vec<String>,
    pub inspected_on: Option<NaiveDate>,
    pub inspected_by: Option<String>,
    pub inspection_recommends: Option<bool>,
    pub inspection_notes: Option<String>,
    pub registration_number: Option<String>,
    pub registered_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub status_reason: Option<String>,
    pub committee: Value,
    pub committee_since: Option<NaiveDate>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct NewOrganisation<'a> {
    pub name_en: Option<&'a str>,
    pub name_bn: &'a str,
    pub address: &'a str,
    pub area: Area,
    pub applied_on: NaiveDate,
    pub documents: Vec<String>,
    pub committee: Value,
    pub by: UserId,
}

/// One entry of an organisation's timeline, and the cells of the registry report.
pub struct StatusEvent<'a> {
    pub action: &'a str,
    pub before: Option<OrganisationStatus>,
    pub after: OrganisationStatus,
    pub on: NaiveDate,
    pub reason: Option<&'a str>,
    pub by: UserId,
}

pub fn record_event(conn: &mut PgConnection, org: &OrganisationRow, e: &StatusEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(voluntary_organisation_events::table)
        .values((
            voluntary_organisation_events::id.eq(Uuid::now_v7()),
            voluntary_organisation_events::organisation_id.eq(org.id.0),
            voluntary_organisation_events::action.eq(e.action),
            voluntary_organisation_events::status_before.eq(e.before.map(|s| s.code())),
            voluntary_organisation_events::status_after.eq(e.after.code()),
            voluntary_organisation_events::on_date.eq(e.on),
            voluntary_organisation_events::reason.eq(e.reason),
            voluntary_organisation_events::actor_id.eq(e.by.0),
            voluntary_organisation_events::division_id.eq(org.division_id),
            voluntary_organisation_events::district_id.eq(org.district_id),
            voluntary_organisation_events::upazila_id.eq(org.upazila_id),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn insert(conn: &mut PgConnection, o: &NewOrganisation<'_>) -> QueryResult<OrganisationRow> {
    let row = diesel::insert_into(voluntary_organisations::table)
        .values((
            voluntary_organisations::id.eq(Uuid::now_v7()),
            voluntary_organisations::name_en.eq(o.name_en),
            voluntary_organisations::name_bn.eq(o.name_bn),
            voluntary_organisations::address.eq(o.address),
            voluntary_organisations::division_id.eq(o.area.division_id),
            voluntary_organisations::district_id.eq(o.area.district_id),
            voluntary_organisations::upazila_id.eq(o.area.upazila_id),
            voluntary_organisations::status.eq(OrganisationStatus::Applied.code()),
            voluntary_organisations::applied_on.eq(o.applied_on),
            voluntary_organisations::documents.eq(&o.documents),
            voluntary_organisations::committee.eq(&o.committee),
            voluntary_organisations::committee_since.eq(o.applied_on),
            voluntary_organisations::created_by.eq(o.by.0),
        ))
        .returning(OrganisationRow::as_returning())
        .get_result(conn)?;
    record_event(
        conn,
        &row,
        &StatusEvent {
            action: "apply",
            before: None,
            after: OrganisationStatus::Applied,
            on: o.applied_on,
            reason: None,
            by: o.by,
        },
    )?;
    Ok(row)
}

pub fn find(conn: &mut PgConnection, id: VoluntaryOrganisationId) -> QueryResult<Option<OrganisationRow>> {
    voluntary_organisations::table.find(id.0).select(OrganisationRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: VoluntaryOrganisationId) -> QueryResult<Option<OrganisationRow>> {
    voluntary_organisations::table.find(id.0).select(OrganisationRow::as_select()).for_update().first(conn).optional()
}

/// Records an inspection.
pub fn inspect(
    conn: &mut PgConnection,
    id: VoluntaryOrganisationId,
    (on, by, recommends, notes): (NaiveDate, &str, bool, Option<&str>),
) -> QueryResult<OrganisationRow> {
    diesel::update(voluntary_organisations::table.find(id.0))
        .set((
            voluntary_organisations::inspected_on.eq(on),
            voluntary_organisations::inspected_by.eq(by),
            voluntary_organisations::inspection_recommends.eq(recommends),
            voluntary_organisations::inspection_notes.eq(notes),
            voluntary_organisations::version.eq(voluntary_organisations::version + 1),
            voluntary_organisations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(OrganisationRow::as_returning())
        .get_result(conn)
}

/// The next number of the district's register (the counter row is locked until commit, so
/// numbers have no gaps and no repeats).
pub fn next_registration_number(conn: &mut PgConnection, district_id: i32) -> QueryResult<i32> {
    diesel::insert_into(voluntary_registration_counters::table)
        .values((
            voluntary_registration_counters::district_id.eq(district_id),
            voluntary_registration_counters::last_number.eq(1),
        ))
        .on_conflict(voluntary_registration_counters::district_id)
        .do_update()
        .set(voluntary_registration_counters::last_number.eq(voluntary_registration_counters::last_number + 1))
        .returning(voluntary_registration_counters::last_number)
        .get_result(conn)
}

/// Moves the organisation to `status` (with the registration, when it is granted now) and
/// writes its timeline entry.
pub fn set_status(
    conn: &mut PgConnection,
    org: &OrganisationRow,
    event: &StatusEvent<'_>,
    registration: Option<(&str, NaiveDate)>,
) -> QueryResult<OrganisationRow> {
    let row = diesel::update(voluntary_organisations::table.find(org.id.0))
        .set((
            voluntary_organisations::status.eq(event.after.code()),
            voluntary_organisations::decided_on.eq(event.on),
            voluntary_organisations::status_reason.eq(event.reason),
            voluntary_organisations::registration_number.eq(registration.map(|r| r.0).or(org.registration_number.as_deref())),
            voluntary_organisations::registered_on.eq(registration.map(|r| r.1).or(org.registered_on)),
            voluntary_organisations::version.eq(voluntary_organisations::version + 1),
            voluntary_organisations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(OrganisationRow::as_returning())
        .get_result(conn)?;
    record_event(conn, &row, event)?;
    Ok(row)
}

pub fn change_committee(
    conn: &mut PgConnection,
    id: VoluntaryOrganisationId,
    committee: &Value,
    since: NaiveDate,
) -> QueryResult<OrganisationRow> {
    diesel::update(voluntary_organisations::table.find(id.0))
        .set((
            voluntary_organisations::committee.eq(committee),
            voluntary_organisations::committee_since.eq(since),
            voluntary_organisations::version.eq(voluntary_organisations::version + 1),
            voluntary_organisations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(OrganisationRow::as_returning())
        .get_result(conn)
}

#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub name: Option<String>,
    pub status: Option<OrganisationStatus>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
}

pub fn list(
    conn: &mut PgConnection,
    scope: Scope,
    f: &OrganisationFilter,
    after: Option<VoluntaryOrganisationId>,
    limit: i64,
) -> QueryResult<Page<OrganisationRow, VoluntaryOrganisationId>> {
    let mut q = voluntary_organisations::table.into_boxed();
    q = match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(voluntary_organisations::division_id.eq(d.0)),
        Scope::District(d) => q.filter(voluntary_organisations::district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(voluntary_organisations::upazila_id.eq(u.0)),
        Scope::Facility(_) | Scope::Partner(_) => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(a) = after {
        q = q.filter(voluntary_organisations::id.gt(a.0));
    }
    if let Some(name) = &f.name {
        let escaped = name.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        q = q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(name_en) LIKE lower(")
                .bind::<diesel::sql_types::Text, _>(pattern.clone())
                .sql(")")
                .or(voluntary_organisations::name_bn.like(pattern)),
        );
    }
    if let Some(s) = f.status {
        q = q.filter(voluntary_organisations::status.eq(s.code()));
    }
    if let Some(d) = f.district_id {
        q = q.filter(voluntary_organisations::district_id.eq(d));
    }
    if let Some(u) = f.upazila_id {
        q = q.filter(voluntary_organisations::upazila_id.eq(u));
    }
    let rows = q.order(voluntary_organisations::id).limit(limit + 1).select(OrganisationRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = voluntary_annual_reports)]
pub struct AnnualReportRow {
    #[diesel(deserialize_as = Uuid)]
    pub organisation_id: VoluntaryOrganisationId,
    pub year: i32,
    pub submitted_on: NaiveDate,
    pub audited: bool,
    pub income_taka: i64,
    pub expenditure_taka: i64,
}

/// Files a year's report; `None` when that year's report is already filed.
pub fn file_annual_report(conn: &mut PgConnection, r: &AnnualReportRow, by: UserId) -> QueryResult<Option<AnnualReportRow>> {
    diesel::insert_into(voluntary_annual_reports::table)
        .values((
            voluntary_annual_reports::organisation_id.eq(r.organisation_id.0),
            voluntary_annual_reports::year.eq(r.year),
            voluntary_annual_reports::submitted_on.eq(r.submitted_on),
            voluntary_annual_reports::audited.eq(r.audited),
            voluntary_annual_reports::income_taka.eq(r.income_taka),
            voluntary_annual_reports::expenditure_taka.eq(r.expenditure_taka),
            voluntary_annual_reports::created_by.eq(by.0),
        ))
        .on_conflict_do_nothing()
        .returning(AnnualReportRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn annual_reports(conn: &mut PgConnection, org: VoluntaryOrganisationId) -> QueryResult<Vec<AnnualReportRow>> {
    voluntary_annual_reports::table
        .filter(voluntary_annual_reports::organisation_id.eq(org.0))
        .order(voluntary_annual_reports::year)
        .select(AnnualReportRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = voluntary_grants)]
pub struct GrantRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: VoluntaryGrantId,
    #[diesel(deserialize_as = Uuid)]
    pub organisation_id: VoluntaryOrganisationId,
    pub fiscal_year: i32,
    pub amount_taka: i64,
    pub purpose: String,
    pub granted_on: NaiveDate,
}

/// Records a grant; `None` when the organisation already had one that fiscal year.
pub fn grant(
    conn: &mut PgConnection,
    org: VoluntaryOrganisationId,
    (fiscal_year, amount, purpose, on): (i32, i64, &str, NaiveDate),
    by: UserId,
) -> QueryResult<Option<GrantRow>> {
    diesel::insert_into(voluntary_grants::table)
        .values((
            voluntary_grants::id.eq(Uuid::now_v7()),
            voluntary_grants::organisation_id.eq(org.0),
            voluntary_grants::fiscal_year.eq(fiscal_year),
            voluntary_grants::amount_taka.eq(amount),
            voluntary_grants::purpose.eq(purpose),
            voluntary_grants::granted_on.eq(on),
            voluntary_grants::created_by.eq(by.0),
        ))
        .on_conflict_do_nothing()
        .returning(GrantRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn grants(conn: &mut PgConnection, org: VoluntaryOrganisationId) -> QueryResult<Vec<GrantRow>> {
    voluntary_grants::table
        .filter(voluntary_grants::organisation_id.eq(org.0))
        .order(voluntary_grants::fiscal_year)
        .select(GrantRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub action: String,
    pub status_before: Option<String>,
    pub status_after: String,
    pub on_date: NaiveDate,
    pub reason: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

pub fn events(conn: &mut PgConnection, org: VoluntaryOrganisationId) -> QueryResult<Vec<EventRow>> {
    voluntary_organisation_events::table
        .filter(voluntary_organisation_events::organisation_id.eq(org.0))
        .order((voluntary_organisation_events::occurred_at, voluntary_organisation_events::id))
        .select((
            voluntary_organisation_events::action,
            voluntary_organisation_events::status_before,
            voluntary_organisation_events::status_after,
            voluntary_organisation_events::on_date,
            voluntary_organisation_events::reason,
            voluntary_organisation_events::occurred_at,
        ))
        .load(conn)
}

/// The organisation's status after each change, with the day it took effect, in the order the
/// changes were made (what `domain::voluntary::standing` reads).
pub fn timeline(conn: &mut PgConnection, org: VoluntaryOrganisationId) -> QueryResult<Vec<(NaiveDate, OrganisationStatus)>> {
    events(conn, org)?
        .into_iter()
        .map(|e| {
            OrganisationStatus::parse(&e.status_after).map(|s| (e.on_date, s)).ok_or_else(|| {
                diesel::result::Error::DeserializationError(format!("unknown organisation status {:?}", e.status_after).into())
            })
        })
        .collect()
}

/// Links a partner organisation to its registration; `false` when the registration is
/// another partner's already.
pub fn link_partner(conn: &mut PgConnection, partner: PartnerId, org: VoluntaryOrganisationId) -> QueryResult<bool> {
    use crate::schema::partner_organisations as p;
    let result = conn.transaction(|conn| {
        diesel::update(p::table.find(partner.0))
            .set((p::voluntary_organisation_id.eq(org.0), p::version.eq(p::version + 1), p::updated_at.eq(diesel::dsl::now)))
            .execute(conn)
    });
    match result {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}
