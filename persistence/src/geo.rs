//! Reference geography: divisions, districts, upazilas, unions, and resolving an area id to
//! its place in the hierarchy.

use diesel::prelude::*;
use domain::geo::{AreaPath, DistrictId, DivisionId, UpazilaId};

use chrono::NaiveDate;
use domain::geo::{UnionKind, UpazilaKind};

use crate::page::Page;
use crate::schema::{city_corporations, districts, divisions, geography_revision, unions, upazilas};

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
    #[diesel(deserialize_as = String)]
    pub kind: UpazilaKind,
    pub city_corporation_id: Option<i32>,
    pub retired_on: Option<NaiveDate>,
    pub successor_id: Option<i32>,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = unions)]
pub struct UnionRow {
    pub id: i32,
    pub upazila_id: i32,
    pub name_en: String,
    pub name_bn: String,
    #[diesel(deserialize_as = String)]
    pub kind: UnionKind,
    pub retired_on: Option<NaiveDate>,
    pub successor_id: Option<i32>,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = city_corporations)]
pub struct CityCorporationRow {
    pub id: i32,
    pub district_id: i32,
    pub name_en: String,
    pub name_bn: String,
}

/// All of the reference geography, which each server holds in memory: it is small (about
/// 5,000 rows), nearly every screen reads it, and it changes every few years (a new thana or
/// ward). `revision` tells a server when another one changed it. Each list is in id order.
#[derive(Debug, Clone, Default)]
pub struct Geography {
    pub revision: i64,
    pub city_corporations: Vec<CityCorporationRow>,
    pub divisions: Vec<DivisionRow>,
    pub districts: Vec<DistrictRow>,
    pub upazilas: Vec<UpazilaRow>,
    pub unions: Vec<UnionRow>,
}

impl Geography {
    pub fn load(conn: &mut PgConnection) -> QueryResult<Self> {
        Ok(Geography {
            revision: revision(conn)?,
            city_corporations: city_corporations::table
                .order(city_corporations::id)
                .select(CityCorporationRow::as_select())
                .load(conn)?,
            divisions: divisions::table.order(divisions::id).select(DivisionRow::as_select()).load(conn)?,
            districts: districts::table.order(districts::id).select(DistrictRow::as_select()).load(conn)?,
            upazilas: upazilas::table.order(upazilas::id).select(UpazilaRow::as_select()).load(conn)?,
            unions: unions::table.order(unions::id).select(UnionRow::as_select()).load(conn)?,
        })
    }

    pub fn list_divisions(&self, after: Option<i32>, limit: i64) -> Page<DivisionRow, i32> {
        page_of(&self.divisions, |r| r.id, |_| true, after, limit)
    }

    pub fn list_districts(&self, division_id: Option<i32>, after: Option<i32>, limit: i64) -> Page<DistrictRow, i32> {
        page_of(&self.districts, |r| r.id, |r| division_id.is_none_or(|d| r.division_id == d), after, limit)
    }

    pub fn list_upazilas(
        &self,
        district_id: Option<i32>,
        kind: Option<UpazilaKind>,
        after: Option<i32>,
        limit: i64,
    ) -> Page<UpazilaRow, i32> {
        let keep = |r: &UpazilaRow| district_id.is_none_or(|d| r.district_id == d) && kind.is_none_or(|k| r.kind == k);
        page_of(&self.upazilas, |r| r.id, keep, after, limit)
    }

    pub fn list_unions(
        &self,
        upazila_id: Option<i32>,
        kind: Option<UnionKind>,
        after: Option<i32>,
        limit: i64,
    ) -> Page<UnionRow, i32> {
        let keep = |r: &UnionRow| upazila_id.is_none_or(|u| r.upazila_id == u) && kind.is_none_or(|k| r.kind == k);
        page_of(&self.unions, |r| r.id, keep, after, limit)
    }

    pub fn list_city_corporations(&self, after: Option<i32>, limit: i64) -> Page<CityCorporationRow, i32> {
        page_of(&self.city_corporations, |r| r.id, |_| true, after, limit)
    }
}

/// The page of `rows` (in id order) after the key `after` that `keep` keeps, as the database
/// would give it: the same order, the same cursor.
fn page_of<T: Clone>(
    rows: &[T],
    id: impl Fn(&T) -> i32,
    keep: impl Fn(&T) -> bool,
    after: Option<i32>,
    limit: i64,
) -> Page<T, i32> {
    let start = after.map_or(0, |a| rows.partition_point(|r| id(r) <= a));
    let wanted = usize::try_from(limit).unwrap_or(0).saturating_add(1);
    let taken: Vec<T> = rows[start..].iter().filter(|r| keep(r)).take(wanted).cloned().collect();
    Page::from_overfetch(taken, limit, id)
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

/// The geography's revision: bumped by every change.
pub fn revision(conn: &mut PgConnection) -> QueryResult<i64> {
    geography_revision::table.select(geography_revision::revision).first(conn)
}

fn bump_revision(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::update(geography_revision::table)
        .set(geography_revision::revision.eq(geography_revision::revision + 1))
        .execute(conn)
        .map(drop)
}

fn next_area_id(conn: &mut PgConnection) -> QueryResult<i32> {
    let id: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("nextval('area_id_seq')")).get_result(conn)?;
    i32::try_from(id).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
}

pub fn find_upazila(conn: &mut PgConnection, id: i32) -> QueryResult<Option<UpazilaRow>> {
    upazilas::table.find(id).select(UpazilaRow::as_select()).for_update().first(conn).optional()
}

pub fn find_union(conn: &mut PgConnection, id: i32) -> QueryResult<Option<UnionRow>> {
    unions::table.find(id).select(UnionRow::as_select()).for_update().first(conn).optional()
}

pub fn find_city_corporation(conn: &mut PgConnection, id: i32) -> QueryResult<Option<CityCorporationRow>> {
    city_corporations::table.find(id).select(CityCorporationRow::as_select()).first(conn).optional()
}

/// Adds an area at the upazila level (an upazila, a city thana or a pourashava).
pub fn insert_upazila(
    conn: &mut PgConnection,
    path: AreaPath,
    kind: UpazilaKind,
    city_corporation_id: Option<i32>,
    name: (&str, &str),
) -> QueryResult<UpazilaRow> {
    let id = next_area_id(conn)?;
    let district = path.district.map_or(0, |d| d.0);
    bump_revision(conn)?;
    diesel::insert_into(upazilas::table)
        .values((
            upazilas::id.eq(id),
            upazilas::district_id.eq(district),
            upazilas::division_id.eq(path.division.0),
            upazilas::name_en.eq(name.0),
            upazilas::name_bn.eq(name.1),
            upazilas::kind.eq(kind.code()),
            upazilas::city_corporation_id.eq(city_corporation_id),
        ))
        .returning(UpazilaRow::as_returning())
        .get_result(conn)
}

/// Adds an area at the union level (a union or a ward).
pub fn insert_union(conn: &mut PgConnection, upazila_id: i32, kind: UnionKind, name: (&str, &str)) -> QueryResult<UnionRow> {
    let id = next_area_id(conn)?;
    bump_revision(conn)?;
    diesel::insert_into(unions::table)
        .values((
            unions::id.eq(id),
            unions::upazila_id.eq(upazila_id),
            unions::name_en.eq(name.0),
            unions::name_bn.eq(name.1),
            unions::kind.eq(kind.code()),
        ))
        .returning(UnionRow::as_returning())
        .get_result(conn)
}

/// Renames an upazila-level area (`None` keeps a name) and bumps its version.
pub fn rename_upazila(conn: &mut PgConnection, id: i32, en: Option<&str>, bn: Option<&str>) -> QueryResult<UpazilaRow> {
    bump_revision(conn)?;
    diesel::update(upazilas::table.find(id))
        .set((
            en.map(|n| upazilas::name_en.eq(n.to_owned())),
            bn.map(|n| upazilas::name_bn.eq(n.to_owned())),
            upazilas::version.eq(upazilas::version + 1),
        ))
        .returning(UpazilaRow::as_returning())
        .get_result(conn)
}

pub fn rename_union(conn: &mut PgConnection, id: i32, en: Option<&str>, bn: Option<&str>) -> QueryResult<UnionRow> {
    bump_revision(conn)?;
    diesel::update(unions::table.find(id))
        .set((
            en.map(|n| unions::name_en.eq(n.to_owned())),
            bn.map(|n| unions::name_bn.eq(n.to_owned())),
            unions::version.eq(unions::version + 1),
        ))
        .returning(UnionRow::as_returning())
        .get_result(conn)
}

pub fn retire_upazila(conn: &mut PgConnection, id: i32, on: NaiveDate, successor: i32) -> QueryResult<UpazilaRow> {
    bump_revision(conn)?;
    diesel::update(upazilas::table.find(id))
        .set((upazilas::retired_on.eq(on), upazilas::successor_id.eq(successor), upazilas::version.eq(upazilas::version + 1)))
        .returning(UpazilaRow::as_returning())
        .get_result(conn)
}

pub fn retire_union(conn: &mut PgConnection, id: i32, on: NaiveDate, successor: i32) -> QueryResult<UnionRow> {
    bump_revision(conn)?;
    diesel::update(unions::table.find(id))
        .set((unions::retired_on.eq(on), unions::successor_id.eq(successor), unions::version.eq(unions::version + 1)))
        .returning(UnionRow::as_returning())
        .get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::page_of;

    #[test]
    fn pages_in_memory_follow_the_cursor_like_the_database() {
        let rows: Vec<i32> = (1..=10).collect();
        let even = |r: &i32| r % 2 == 0;
        let mut after = None;
        let mut seen = vec![];
        let mut pages = 0;
        loop {
            let page = page_of(&rows, |r| *r, even, after, 2);
            seen.extend(page.rows.iter().copied());
            pages += 1;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, [2, 4, 6, 8, 10]);
        assert_eq!(pages, 3, "two full pages, then the last one without a cursor");
        assert!(page_of(&rows, |r| *r, even, Some(10), 2).rows.is_empty());
        assert_eq!(page_of(&rows, |r| *r, |_| true, Some(3), 200).rows.len(), 7);
    }
}
