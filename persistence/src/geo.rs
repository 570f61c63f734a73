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

/// All of the reference geography, which the server holds in memory: it changes only with a
/// migration (applied before the server serves), it is small (about 5,000 rows) and nearly
/// every screen reads it. Each list is in id order.
#[derive(Debug, Clone, Default)]
pub struct Geography {
    pub divisions: Vec<DivisionRow>,
    pub districts: Vec<DistrictRow>,
    pub upazilas: Vec<UpazilaRow>,
    pub unions: Vec<UnionRow>,
}

impl Geography {
    pub fn load(conn: &mut PgConnection) -> QueryResult<Self> {
        Ok(Geography {
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

    pub fn list_upazilas(&self, district_id: Option<i32>, after: Option<i32>, limit: i64) -> Page<UpazilaRow, i32> {
        page_of(&self.upazilas, |r| r.id, |r| district_id.is_none_or(|d| r.district_id == d), after, limit)
    }

    pub fn list_unions(&self, upazila_id: Option<i32>, after: Option<i32>, limit: i64) -> Page<UnionRow, i32> {
        page_of(&self.unions, |r| r.id, |r| upazila_id.is_none_or(|u| r.upazila_id == u), after, limit)
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
