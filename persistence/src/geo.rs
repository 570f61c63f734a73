//! Reference geography: divisions, districts, upazilas, unions, and resolving an area id to
//! its place in the hierarchy.

use diesel::prelude::*;
use domain::geo::{AreaPath, DistrictId, DivisionId, UpazilaId};

use crate::page::Page;
use crate::schema::{districts, divisions, unions, upazilas};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = divisions)]
pub struct DivisionRow {
    pub id: i32,
    pub name_en: String,
    pub name_bn: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = districts)]
pub struct DistrictRow {
    pub id: i32,
    pub division_id: i32,
    pub name_en: String,
    pub name_bn: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = upazilas)]
pub struct UpazilaRow {
    pub id: i32,
    pub district_id: i32,
    pub name_en: String,
    pub name_bn: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = unions)]
pub struct UnionRow {
    pub id: i32,
    pub upazila_id: i32,
    pub name_en: String,
    pub name_bn: String,
}

pub fn list_divisions(conn: &mut PgConnection, after: Option<i32>, limit: i64) -> QueryResult<Page<DivisionRow, i32>> {
    let rows = divisions::table
        .filter(divisions::id.gt(after.unwrap_or(0)))
        .order(divisions::id)
        .limit(limit + 1)
        .select(DivisionRow::as_select())
        .load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

pub fn list_districts(
    conn: &mut PgConnection,
    division_id: Option<i32>,
    after: Option<i32>,
    limit: i64,
) -> QueryResult<Page<DistrictRow, i32>> {
    let mut q = districts::table.filter(districts::id.gt(after.unwrap_or(0))).into_boxed();
    if let Some(d) = division_id {
        q = q.filter(districts::division_id.eq(d));
    }
    let rows = q.order(districts::id).limit(limit + 1).select(DistrictRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

pub fn list_upazilas(
    conn: &mut PgConnection,
    district_id: Option<i32>,
    after: Option<i32>,
    limit: i64,
) -> QueryResult<Page<UpazilaRow, i32>> {
    let mut q = upazilas::table.filter(upazilas::id.gt(after.unwrap_or(0))).into_boxed();
    if let Some(d) = district_id {
        q = q.filter(upazilas::district_id.eq(d));
    }
    let rows = q.order(upazilas::id).limit(limit + 1).select(UpazilaRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

pub fn list_unions(
    conn: &mut PgConnection,
    upazila_id: Option<i32>,
    after: Option<i32>,
    limit: i64,
) -> QueryResult<Page<UnionRow, i32>> {
    let mut q = unions::table.filter(unions::id.gt(after.unwrap_or(0))).into_boxed();
    if let Some(u) = upazila_id {
        q = q.filter(unions::upazila_id.eq(u));
    }
    let rows = q.order(unions::id).limit(limit + 1).select(UnionRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

pub fn division_exists(conn: &mut PgConnection, id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(divisions::table.find(id))).get_result(conn)
}

pub fn district_exists(conn: &mut PgConnection, id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(districts::table.find(id))).get_result(conn)
}

pub fn upazila_exists(conn: &mut PgConnection, id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(upazilas::table.find(id))).get_result(conn)
}

/// The path from the division down to `id`; `None` when the division does not exist.
pub fn division_path(conn: &mut PgConnection, id: DivisionId) -> QueryResult<Option<AreaPath>> {
    Ok(division_exists(conn, id.0)?.then(|| AreaPath::division(id)))
}

/// The path from the division down to the district; `None` when it does not exist.
pub fn district_path(conn: &mut PgConnection, id: DistrictId) -> QueryResult<Option<AreaPath>> {
    let division: Option<i32> = districts::table.find(id.0).select(districts::division_id).first(conn).optional()?;
    Ok(division.map(|d| AreaPath::district(DivisionId(d), id)))
}

/// The path from the division down to the upazila; `None` when it does not exist.
pub fn upazila_path(conn: &mut PgConnection, id: UpazilaId) -> QueryResult<Option<AreaPath>> {
    let found: Option<(i32, i32)> = upazilas::table
        .inner_join(districts::table)
        .filter(upazilas::id.eq(id.0))
        .select((districts::division_id, upazilas::district_id))
        .first(conn)
        .optional()?;
    Ok(found.map(|(division, district)| AreaPath::upazila(DivisionId(division), DistrictId(district), id)))
}

/// The path from the division down to the union; `None` when it does not exist.
pub fn union_path(conn: &mut PgConnection, id: domain::geo::UnionId) -> QueryResult<Option<AreaPath>> {
    let found: Option<(i32, i32, i32)> = unions::table
        .inner_join(upazilas::table.inner_join(districts::table))
        .filter(unions::id.eq(id.0))
        .select((districts::division_id, upazilas::district_id, unions::upazila_id))
        .first(conn)
        .optional()?;
    Ok(found
        .map(|(division, district, upazila)| AreaPath::union(DivisionId(division), DistrictId(district), UpazilaId(upazila), id)))
}
