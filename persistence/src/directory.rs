//! The service directory: organisations referrals point to, kept by district offices.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use domain::directory::OrganisationKind;
use domain::id::{DirectoryEntryId, UserId};

use crate::columns::OptionalId;
use crate::page::Page;
use crate::schema::directory_entries;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = directory_entries)]
pub struct EntryRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: DirectoryEntryId,
    pub name_en: String,
    pub name_bn: String,
    #[diesel(deserialize_as = String)]
    pub kind: OrganisationKind,
    /// Service codes (`domain::case::ServiceType`), in the list's order.
    pub services: Vec<String>,
    /// Language codes (`domain::directory::Language`), in the list's order.
    pub languages: Vec<String>,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: Option<i32>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: String,
    pub listed_on: NaiveDate,
    pub retired_on: Option<NaiveDate>,
    pub retired_reason: Option<String>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an entry says (on create and on update).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = directory_entries, treat_none_as_null = true)]
pub struct EntryFields {
    pub name_en: String,
    pub name_bn: String,
    pub kind: String,
    pub services: Vec<String>,
    pub languages: Vec<String>,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: Option<i32>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: String,
}

pub fn insert(conn: &mut PgConnection, f: &EntryFields, listed_on: NaiveDate, by: UserId) -> QueryResult<EntryRow> {
    diesel::insert_into(directory_entries::table)
        .values((
            directory_entries::id.eq(Uuid::now_v7()),
            f,
            directory_entries::listed_on.eq(listed_on),
            directory_entries::created_by.eq(by.0),
        ))
        .returning(EntryRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: DirectoryEntryId) -> QueryResult<Option<EntryRow>> {
    directory_entries::table.find(id.0).select(EntryRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: DirectoryEntryId) -> QueryResult<Option<EntryRow>> {
    directory_entries::table.find(id.0).select(EntryRow::as_select()).for_update().first(conn).optional()
}

/// For a referral naming the entry: read with a share lock, so it is not retired or changed
/// while the referral commits.
pub fn find_for_share(conn: &mut PgConnection, id: DirectoryEntryId) -> QueryResult<Option<EntryRow>> {
    directory_entries::table.find(id.0).select(EntryRow::as_select()).for_share().first(conn).optional()
}

pub fn update(conn: &mut PgConnection, id: DirectoryEntryId, f: &EntryFields) -> QueryResult<EntryRow> {
    diesel::update(directory_entries::table.find(id.0))
        .set((
            f,
            directory_entries::version.eq(directory_entries::version + 1),
            directory_entries::updated_at.eq(diesel::dsl::now),
        ))
        .returning(EntryRow::as_returning())
        .get_result(conn)
}

pub fn retire(conn: &mut PgConnection, id: DirectoryEntryId, on: NaiveDate, reason: &str) -> QueryResult<EntryRow> {
    diesel::update(directory_entries::table.find(id.0))
        .set((
            directory_entries::retired_on.eq(on),
            directory_entries::retired_reason.eq(reason),
            directory_entries::version.eq(directory_entries::version + 1),
            directory_entries::updated_at.eq(diesel::dsl::now),
        ))
        .returning(EntryRow::as_returning())
        .get_result(conn)
}

/// Which districts a reader reaches (resolved by the caller from their scope).
#[derive(Debug, Clone, Copy)]
pub enum Reach {
    National,
    Division(i32),
    District(i32),
    Nothing,
}

#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub division_id: Option<i32>,
    pub district_id: Option<i32>,
    /// Entries in this upazila and those serving its whole district (`upazila_district`).
    pub upazila: Option<(i32, i32)>,
    pub service: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub language: Option<String>,
    pub include_retired: bool,
}

pub fn list(
    conn: &mut PgConnection,
    reach: Reach,
    f: &EntryFilter,
    after: Option<DirectoryEntryId>,
    limit: i64,
) -> QueryResult<Page<EntryRow, DirectoryEntryId>> {
    use directory_entries as d;
    let mut q = d::table.into_boxed();
    q = match reach {
        Reach::National => q,
        Reach::Division(x) => q.filter(d::division_id.eq(x)),
        Reach::District(x) => q.filter(d::district_id.eq(x)),
        Reach::Nothing => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(a) = after {
        q = q.filter(d::id.gt(a.0));
    }
    if let Some(x) = f.division_id {
        q = q.filter(d::division_id.eq(x));
    }
    if let Some(x) = f.district_id {
        q = q.filter(d::district_id.eq(x));
    }
    if let Some((upazila, district)) = f.upazila {
        q = q.filter(d::upazila_id.eq(upazila).or(d::upazila_id.is_null().and(d::district_id.eq(district))));
    }
    if let Some(s) = &f.service {
        q = q.filter(d::services.contains(vec![s.clone()]));
    }
    if let Some(k) = f.kind {
        q = q.filter(d::kind.eq(k.code()));
    }
    if let Some(l) = &f.language {
        q = q.filter(d::languages.contains(vec![l.clone()]));
    }
    if !f.include_retired {
        q = q.filter(d::retired_on.is_null());
    }
    let rows = q.order(d::id).limit(limit + 1).select(EntryRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}
