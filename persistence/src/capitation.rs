//! Capitation grants to registered private orphanages: allotments, listed orphans, inspections.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use domain::id::{BeneficiaryId, CapitationInspectionId, UserId, VoluntaryOrganisationId};
use domain::voluntary::OrganisationStatus;

use crate::schema::{capitation_allotments, capitation_inspections, capitation_orphans};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = capitation_allotments)]
pub struct AllotmentRow {
    #[diesel(deserialize_as = Uuid)]
    pub organisation_id: VoluntaryOrganisationId,
    pub fiscal_year: i32,
    pub orphans: i32,
    pub bank_account: String,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

pub fn allotment_for_update(
    conn: &mut PgConnection,
    org: VoluntaryOrganisationId,
    fiscal_year: i32,
) -> QueryResult<Option<AllotmentRow>> {
    capitation_allotments::table.find((org.0, fiscal_year)).select(AllotmentRow::as_select()).for_update().first(conn).optional()
}

pub fn allotment(conn: &mut PgConnection, org: VoluntaryOrganisationId, fiscal_year: i32) -> QueryResult<Option<AllotmentRow>> {
    capitation_allotments::table.find((org.0, fiscal_year)).select(AllotmentRow::as_select()).first(conn).optional()
}

/// Sets the allotment (a new one at version 1, a change at version + 1).
pub fn put_allotment(
    conn: &mut PgConnection,
    org: VoluntaryOrganisationId,
    fiscal_year: i32,
    (orphans, bank_account): (i32, &str),
    by: UserId,
) -> QueryResult<AllotmentRow> {
    diesel::insert_into(capitation_allotments::table)
        .values((
            capitation_allotments::organisation_id.eq(org.0),
            capitation_allotments::fiscal_year.eq(fiscal_year),
            capitation_allotments::orphans.eq(orphans),
            capitation_allotments::bank_account.eq(bank_account),
            capitation_allotments::updated_by.eq(by.0),
        ))
        .on_conflict((capitation_allotments::organisation_id, capitation_allotments::fiscal_year))
        .do_update()
        .set((
            capitation_allotments::orphans.eq(orphans),
            capitation_allotments::bank_account.eq(bank_account),
            capitation_allotments::version.eq(capitation_allotments::version + 1),
            capitation_allotments::updated_by.eq(by.0),
            capitation_allotments::updated_at.eq(diesel::dsl::now),
        ))
        .returning(AllotmentRow::as_returning())
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = capitation_orphans)]
pub struct OrphanRow {
    #[diesel(deserialize_as = Uuid)]
    pub beneficiary_id: BeneficiaryId,
    #[diesel(deserialize_as = Uuid)]
    pub organisation_id: VoluntaryOrganisationId,
    pub listed_on: NaiveDate,
    pub absent_since: Option<NaiveDate>,
}

/// A listed orphan with the birth date the grant's age limit is counted from.
#[derive(Debug, Clone)]
pub struct ListedOrphan {
    pub row: OrphanRow,
    pub date_of_birth: NaiveDate,
}

pub fn listed_at(conn: &mut PgConnection, org: VoluntaryOrganisationId) -> QueryResult<Vec<ListedOrphan>> {
    use crate::schema::{beneficiaries, persons};
    Ok(capitation_orphans::table
        .inner_join(beneficiaries::table.on(beneficiaries::id.eq(capitation_orphans::beneficiary_id)))
        .inner_join(persons::table.on(persons::id.eq(beneficiaries::person_id)))
        .filter(capitation_orphans::organisation_id.eq(org.0))
        .order(capitation_orphans::beneficiary_id)
        .select((OrphanRow::as_select(), persons::date_of_birth))
        .load::<(OrphanRow, NaiveDate)>(conn)?
        .into_iter()
        .map(|(row, date_of_birth)| ListedOrphan { row, date_of_birth })
        .collect())
}

pub fn is_listed(conn: &mut PgConnection, beneficiary: BeneficiaryId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(capitation_orphans::table.find(beneficiary.0))).get_result(conn)
}

pub fn list_orphan(
    conn: &mut PgConnection,
    beneficiary: BeneficiaryId,
    org: VoluntaryOrganisationId,
    on: NaiveDate,
    by: UserId,
) -> QueryResult<OrphanRow> {
    diesel::insert_into(capitation_orphans::table)
        .values((
            capitation_orphans::beneficiary_id.eq(beneficiary.0),
            capitation_orphans::organisation_id.eq(org.0),
            capitation_orphans::listed_on.eq(on),
            capitation_orphans::created_by.eq(by.0),
        ))
        .returning(OrphanRow::as_returning())
        .get_result(conn)
}

/// Records an inspection: the absent are marked from that day (unless already), the present
/// cleared. Returns the inspection's id.
pub fn inspect(
    conn: &mut PgConnection,
    org: VoluntaryOrganisationId,
    (on, by_name): (NaiveDate, &str),
    present: &[BeneficiaryId],
    absent: &[BeneficiaryId],
    by: UserId,
) -> QueryResult<CapitationInspectionId> {
    let present: Vec<Uuid> = present.iter().map(|b| b.0).collect();
    let absent: Vec<Uuid> = absent.iter().map(|b| b.0).collect();
    diesel::update(capitation_orphans::table.filter(capitation_orphans::beneficiary_id.eq_any(&present)))
        .set(capitation_orphans::absent_since.eq(None::<NaiveDate>))
        .execute(conn)?;
    diesel::update(
        capitation_orphans::table
            .filter(capitation_orphans::beneficiary_id.eq_any(&absent))
            .filter(capitation_orphans::absent_since.is_null()),
    )
    .set(capitation_orphans::absent_since.eq(on))
    .execute(conn)?;
    let id = CapitationInspectionId(Uuid::now_v7());
    diesel::insert_into(capitation_inspections::table)
        .values((
            capitation_inspections::id.eq(id.0),
            capitation_inspections::organisation_id.eq(org.0),
            capitation_inspections::inspected_on.eq(on),
            capitation_inspections::inspected_by.eq(by_name),
            capitation_inspections::present.eq(present.len() as i32),
            capitation_inspections::absent.eq(absent.len() as i32),
            capitation_inspections::created_by.eq(by.0),
        ))
        .execute(conn)?;
    Ok(id)
}

/// An organisation's status after each change, with the day it took effect, in order.
pub type Timeline = Vec<(NaiveDate, OrganisationStatus)>;

/// The status timelines of the organisations with orphans listed at them: each organisation's
/// status after each change with the day it took effect, in the order the changes were made
/// (what `domain::capitation::standing` reads).
pub fn orphanage_timelines(conn: &mut PgConnection) -> QueryResult<Vec<(VoluntaryOrganisationId, Timeline)>> {
    use crate::schema::voluntary_organisation_events as e;
    let rows: Vec<(Uuid, NaiveDate, String)> = e::table
        .filter(e::organisation_id.eq_any(capitation_orphans::table.select(capitation_orphans::organisation_id)))
        .order((e::organisation_id, e::occurred_at, e::id))
        .select((e::organisation_id, e::on_date, e::status_after))
        .load(conn)?;
    let mut out: Vec<(VoluntaryOrganisationId, Timeline)> = Vec::new();
    for (org, on, status) in rows {
        let status = OrganisationStatus::parse(&status).ok_or_else(|| {
            diesel::result::Error::DeserializationError(format!("unknown organisation status {status:?}").into())
        })?;
        match out.last_mut() {
            Some((id, events)) if id.0 == org => events.push((on, status)),
            _ => out.push((VoluntaryOrganisationId(org), vec![(on, status)])),
        }
    }
    Ok(out)
}
