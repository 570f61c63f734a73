//! Facilities (safe homes, SRTRCCR centres, ...) and the partner organisations serving them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::page::Page;
use crate::reach::Reach;
use crate::schema::{cases, facilities, facility_partners, partner_organisations};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = partner_organisations)]
pub struct PartnerRow {
    pub id: Uuid,
    pub name_en: String,
    pub name_bn: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn insert_partner(conn: &mut PgConnection, id: Uuid, name_en: &str, name_bn: &str) -> QueryResult<PartnerRow> {
    diesel::insert_into(partner_organisations::table)
        .values((
            partner_organisations::id.eq(id),
            partner_organisations::name_en.eq(name_en),
            partner_organisations::name_bn.eq(name_bn),
        ))
        .returning(PartnerRow::as_returning())
        .get_result(conn)
}

pub fn list_partners(conn: &mut PgConnection, after: Option<Uuid>, limit: i64) -> QueryResult<Page<PartnerRow, Uuid>> {
    let mut q = partner_organisations::table.into_boxed();
    if let Some(a) = after {
        q = q.filter(partner_organisations::id.gt(a));
    }
    let rows = q.order(partner_organisations::id).limit(limit + 1).select(PartnerRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Which of `ids` exist.
pub fn existing_partners(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    partner_organisations::table.filter(partner_organisations::id.eq_any(ids)).select(partner_organisations::id).load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = facilities)]
pub struct FacilityRow {
    pub id: Uuid,
    pub name_en: String,
    pub name_bn: String,
    pub facility_type: String,
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
    /// Places for residents of `sex` (a code: female, male, hijra).
    pub fn capacity_for(&self, sex: &str) -> i32 {
        match sex {
            "female" => self.capacity_female,
            "male" => self.capacity_male,
            "hijra" => self.capacity_hijra,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = facilities)]
pub struct NewFacilityRow<'a> {
    pub id: Uuid,
    pub name_en: &'a str,
    pub name_bn: &'a str,
    pub facility_type: &'a str,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub capacity_female: i32,
    pub capacity_male: i32,
    pub capacity_hijra: i32,
    pub stay_limit_months: Option<i32>,
}

pub fn insert(conn: &mut PgConnection, new: &NewFacilityRow<'_>, partners: &[Uuid]) -> QueryResult<FacilityRow> {
    let row = diesel::insert_into(facilities::table).values(new).returning(FacilityRow::as_returning()).get_result(conn)?;
    let links: Vec<_> =
        partners.iter().map(|p| (facility_partners::facility_id.eq(row.id), facility_partners::partner_id.eq(*p))).collect();
    diesel::insert_into(facility_partners::table).values(&links).on_conflict_do_nothing().execute(conn)?;
    Ok(row)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<FacilityRow>> {
    facilities::table.find(id).select(FacilityRow::as_select()).first(conn).optional()
}

/// Locks the facility for the rest of the transaction, so two admissions cannot both take
/// its last place.
pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<FacilityRow>> {
    facilities::table.find(id).select(FacilityRow::as_select()).for_update().first(conn).optional()
}

pub fn partners_of(conn: &mut PgConnection, facility_id: Uuid) -> QueryResult<Vec<Uuid>> {
    facility_partners::table
        .filter(facility_partners::facility_id.eq(facility_id))
        .order(facility_partners::partner_id)
        .select(facility_partners::partner_id)
        .load(conn)
}

/// Residents there now, per sex code.
pub fn occupancy(conn: &mut PgConnection, facility_id: Uuid) -> QueryResult<Vec<(String, i64)>> {
    cases::table
        .filter(cases::residence_facility_id.eq(facility_id))
        .group_by(cases::sex)
        .select((cases::sex, diesel::dsl::count_star()))
        .load(conn)
}

#[derive(Debug, Clone, Default)]
pub struct FacilityFilter {
    pub facility_type: Option<String>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
}

pub fn list(
    conn: &mut PgConnection,
    reach: Reach,
    filter: &FacilityFilter,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Page<FacilityRow, Uuid>> {
    let mut q = facilities::table.into_boxed();
    q =
        match reach {
            Reach::All => q,
            Reach::Division(d) => q.filter(facilities::division_id.eq(d)),
            Reach::District(d) => q.filter(facilities::district_id.eq(d)),
            Reach::Upazila(u) => q.filter(facilities::upazila_id.eq(u)),
            Reach::Facility(f) => q.filter(facilities::id.eq(f)),
            Reach::Partner(p) => q.filter(facilities::id.eq_any(
                facility_partners::table.filter(facility_partners::partner_id.eq(p)).select(facility_partners::facility_id),
            )),
        };
    if let Some(a) = after {
        q = q.filter(facilities::id.gt(a));
    }
    if let Some(t) = &filter.facility_type {
        q = q.filter(facilities::facility_type.eq(t));
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
pub fn partners_of_many(conn: &mut PgConnection, facility_ids: &[Uuid]) -> QueryResult<Vec<(Uuid, Uuid)>> {
    facility_partners::table
        .filter(facility_partners::facility_id.eq_any(facility_ids))
        .order((facility_partners::facility_id, facility_partners::partner_id))
        .select((facility_partners::facility_id, facility_partners::partner_id))
        .load(conn)
}
