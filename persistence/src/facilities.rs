//! Facilities (safe homes, SRTRCCR centres, ...) and the partner organisations serving them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use domain::access::Scope;
use domain::facility::FacilityType;
use domain::id::{FacilityId, PartnerId, VoluntaryOrganisationId};
use domain::person::Sex;

use crate::columns::OptionalId;
use crate::page::Page;
use crate::schema::{cases, facilities, facility_partners, partner_organisations};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partner_organisations)]
pub struct PartnerRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: PartnerId,
    pub name_en: String,
    pub name_bn: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Its registration as a voluntary organisation, where it has one.
    #[diesel(deserialize_as = OptionalId<VoluntaryOrganisationId>)]
    pub voluntary_organisation_id: Option<VoluntaryOrganisationId>,
}

pub fn insert_partner(conn: &mut PgConnection, id: PartnerId, name_en: &str, name_bn: &str) -> QueryResult<PartnerRow> {
    diesel::insert_into(partner_organisations::table)
        .values((
            partner_organisations::id.eq(id.0),
            partner_organisations::name_en.eq(name_en),
            partner_organisations::name_bn.eq(name_bn),
        ))
        .returning(PartnerRow::as_returning())
        .get_result(conn)
}

pub fn list_partners(conn: &mut PgConnection, after: Option<PartnerId>, limit: i64) -> QueryResult<Page<PartnerRow, PartnerId>> {
    let mut q = partner_organisations::table.into_boxed();
    if let Some(a) = after {
        q = q.filter(partner_organisations::id.gt(a.0));
    }
    let rows = q.order(partner_organisations::id).limit(limit + 1).select(PartnerRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Which of `ids` exist.
pub fn existing_partners(conn: &mut PgConnection, ids: &[PartnerId]) -> QueryResult<Vec<PartnerId>> {
    let ids: Vec<Uuid> = ids.iter().map(|p| p.0).collect();
    let found: Vec<Uuid> = partner_organisations::table
        .filter(partner_organisations::id.eq_any(ids))
        .select(partner_organisations::id)
        .load(conn)?;
    Ok(found.into_iter().map(PartnerId).collect())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = facilities)]
pub struct FacilityRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: FacilityId,
    pub name_en: String,
    pub name_bn: String,
    #[diesel(deserialize_as = String)]
    pub facility_type: FacilityType,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub capacity_female: i32,
    pub capacity_male: i32,
    pub capacity_hijra: i32,
    pub stay_limit_months: Option<i32>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FacilityRow {
    /// Places for residents of `sex`.
    pub fn capacity_for(&self, sex: Sex) -> i32 {
        match sex {
            Sex::Female => self.capacity_female,
            Sex::Male => self.capacity_male,
            Sex::Hijra => self.capacity_hijra,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = facilities)]
pub struct NewFacilityRow<'a> {
    #[diesel(serialize_as = Uuid)]
    pub id: FacilityId,
    pub name_en: &'a str,
    pub name_bn: &'a str,
    #[diesel(serialize_as = String)]
    pub facility_type: FacilityType,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub capacity_female: i32,
    pub capacity_male: i32,
    pub capacity_hijra: i32,
    pub stay_limit_months: Option<i32>,
}

pub fn insert(conn: &mut PgConnection, new: NewFacilityRow<'_>, partners: &[PartnerId]) -> QueryResult<FacilityRow> {
    let row = diesel::insert_into(facilities::table).values(new).returning(FacilityRow::as_returning()).get_result(conn)?;
    let links: Vec<_> =
        partners.iter().map(|p| (facility_partners::facility_id.eq(row.id.0), facility_partners::partner_id.eq(p.0))).collect();
    diesel::insert_into(facility_partners::table).values(&links).on_conflict_do_nothing().execute(conn)?;
    Ok(row)
}

pub fn find(conn: &mut PgConnection, id: FacilityId) -> QueryResult<Option<FacilityRow>> {
    facilities::table.find(id.0).select(FacilityRow::as_select()).first(conn).optional()
}

/// Locks the facility for the rest of the transaction, so two admissions cannot both take
/// its last place.
pub fn find_for_update(conn: &mut PgConnection, id: FacilityId) -> QueryResult<Option<FacilityRow>> {
    facilities::table.find(id.0).select(FacilityRow::as_select()).for_update().first(conn).optional()
}

pub fn partners_of(conn: &mut PgConnection, facility_id: FacilityId) -> QueryResult<Vec<PartnerId>> {
    let ids: Vec<Uuid> = facility_partners::table
        .filter(facility_partners::facility_id.eq(facility_id.0))
        .order(facility_partners::partner_id)
        .select(facility_partners::partner_id)
        .load(conn)?;
    Ok(ids.into_iter().map(PartnerId).collect())
}

/// Residents of `sex` there now.
pub fn occupancy(conn: &mut PgConnection, facility_id: FacilityId, sex: Sex) -> QueryResult<i64> {
    cases::table.filter(cases::residence_facility_id.eq(facility_id.0)).filter(cases::sex.eq(sex.code())).count().get_result(conn)
}

#[derive(Debug, Clone, Default)]
pub struct FacilityFilter {
    pub facility_type: Option<FacilityType>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
}

pub fn list(
    conn: &mut PgConnection,
    scope: Scope,
    filter: &FacilityFilter,
    after: Option<FacilityId>,
    limit: i64,
) -> QueryResult<Page<FacilityRow, FacilityId>> {
    let mut q = facilities::table.into_boxed();
    q = match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(facilities::division_id.eq(d.0)),
        Scope::District(d) => q.filter(facilities::district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(facilities::upazila_id.eq(u.0)),
        Scope::Facility(f) => q.filter(facilities::id.eq(f.0)),
        Scope::Partner(p) => q.filter(facilities::id.eq_any(
            facility_partners::table.filter(facility_partners::partner_id.eq(p.0)).select(facility_partners::facility_id),
        )),
    };
    if let Some(a) = after {
        q = q.filter(facilities::id.gt(a.0));
    }
    if let Some(t) = filter.facility_type {
        q = q.filter(facilities::facility_type.eq(t.code()));
    }
    if let Some(d) = filter.district_id {
        q = q.filter(facilities::district_id.eq(d));
    }
    if let Some(u) = filter.upazila_id {
        q = q.filter(facilities::upazila_id.eq(u));
    }
    let rows = q.order(facilities::id).limit(limit + 1).select(FacilityRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Partners of several facilities in one query, as (facility, partner) pairs.
pub fn partners_of_many(conn: &mut PgConnection, facility_ids: &[FacilityId]) -> QueryResult<Vec<(FacilityId, PartnerId)>> {
    let ids: Vec<Uuid> = facility_ids.iter().map(|f| f.0).collect();
    let pairs: Vec<(Uuid, Uuid)> = facility_partners::table
        .filter(facility_partners::facility_id.eq_any(ids))
        .order((facility_partners::facility_id, facility_partners::partner_id))
        .select((facility_partners::facility_id, facility_partners::partner_id))
        .load(conn)?;
    Ok(pairs.into_iter().map(|(f, p)| (FacilityId(f), PartnerId(p))).collect())
}

pub fn find_partner(conn: &mut PgConnection, id: PartnerId) -> QueryResult<Option<PartnerRow>> {
    partner_organisations::table.find(id.0).select(PartnerRow::as_select()).for_update().first(conn).optional()
}
