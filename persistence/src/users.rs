//! User accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use domain::access::{Role, Scope};
use domain::id::{FacilityId, PartnerId, UserId};
use domain::user::{AccountKind, UserStatus};

use crate::columns::OptionalId;
use crate::page::Page;
use crate::schema::users;

/// A stored account. `password_hash` never leaves the API layer's auth code.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    #[diesel(deserialize_as = String)]
    pub kind: AccountKind,
    #[diesel(deserialize_as = String)]
    pub role: Role,
    #[diesel(deserialize_as = String)]
    pub scope: Scope,
    pub scope_division_id: Option<i32>,
    pub scope_district_id: Option<i32>,
    pub scope_upazila_id: Option<i32>,
    #[diesel(deserialize_as = OptionalId<FacilityId>)]
    pub scope_facility_id: Option<FacilityId>,
    #[diesel(deserialize_as = OptionalId<PartnerId>)]
    pub scope_partner_id: Option<PartnerId>,
    pub password_hash: String,
    #[diesel(deserialize_as = String)]
    pub status: UserStatus,
    pub tokens_valid_after: DateTime<Utc>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow<'a> {
    #[diesel(serialize_as = Uuid)]
    pub id: UserId,
    pub username: &'a str,
    pub display_name: &'a str,
    #[diesel(serialize_as = String)]
    pub kind: AccountKind,
    #[diesel(serialize_as = String)]
    pub role: Role,
    #[diesel(serialize_as = String)]
    pub scope: Scope,
    pub scope_division_id: Option<i32>,
    pub scope_district_id: Option<i32>,
    pub scope_upazila_id: Option<i32>,
    #[diesel(serialize_as = OptionalId<FacilityId>)]
    pub scope_facility_id: Option<FacilityId>,
    #[diesel(serialize_as = OptionalId<PartnerId>)]
    pub scope_partner_id: Option<PartnerId>,
    pub password_hash: &'a str,
}

/// Inserts an account; `Ok(None)` when the username is taken.
pub fn insert(conn: &mut PgConnection, new: NewUserRow<'_>) -> QueryResult<Option<UserRow>> {
    diesel::insert_into(users::table)
        .values(new)
        .on_conflict(users::username)
        .do_nothing()
        .returning(UserRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn find(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<UserRow>> {
    users::table.find(id.0).select(UserRow::as_select()).first(conn).optional()
}

/// Locks the row for the rest of the transaction (for read-modify-write with a version check).
pub fn find_for_update(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<UserRow>> {
    users::table.find(id.0).select(UserRow::as_select()).for_update().first(conn).optional()
}

pub fn find_by_username(conn: &mut PgConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table.filter(users::username.eq(username)).select(UserRow::as_select()).first(conn).optional()
}

/// The part of the account the per-request check needs.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct AccessState {
    #[diesel(deserialize_as = String)]
    pub status: UserStatus,
    pub tokens_valid_after: DateTime<Utc>,
    #[diesel(deserialize_as = String)]
    pub role: Role,
    #[diesel(deserialize_as = String)]
    pub scope: Scope,
}

pub fn access_state(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<AccessState>> {
    users::table.find(id.0).select(AccessState::as_select()).first(conn).optional()
}

/// Filters for listing accounts.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
    pub kind: Option<AccountKind>,
    /// Username prefix.
    pub username_prefix: Option<String>,
}

pub fn list(
    conn: &mut PgConnection,
    scope: Scope,
    filter: &UserFilter,
    after: Option<UserId>,
    limit: i64,
) -> QueryResult<Page<UserRow, UserId>> {
    let mut q = users::table.into_boxed();
    q = match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(users::scope_division_id.eq(d.0)),
        Scope::District(d) => q.filter(users::scope_district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(users::scope_upazila_id.eq(u.0)),
        // Facility and partner scopes administer no accounts.
        Scope::Facility(_) | Scope::Partner(_) => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(after) = after {
        q = q.filter(users::id.gt(after.0));
    }
    if let Some(role) = filter.role {
        q = q.filter(users::role.eq(role.code()));
    }
    if let Some(status) = filter.status {
        q = q.filter(users::status.eq(status.code()));
    }
    if let Some(kind) = filter.kind {
        q = q.filter(users::kind.eq(kind.code()));
    }
    if let Some(prefix) = &filter.username_prefix {
        let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        q = q.filter(users::username.like(format!("{escaped}%")));
    }
    let rows = q.order(users::id).limit(limit + 1).select(UserRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Sets the status, bumps the version, and (when disabling) invalidates issued tokens.
pub fn set_status(conn: &mut PgConnection, id: UserId, status: UserStatus, now: DateTime<Utc>) -> QueryResult<UserRow> {
    let invalidate = status == UserStatus::Disabled;
    let row: UserRow = diesel::update(users::table.find(id.0))
        .set((users::status.eq(status.code()), users::version.eq(users::version + 1), users::updated_at.eq(now)))
        .returning(UserRow::as_returning())
        .get_result(conn)?;
    if invalidate {
        return invalidate_tokens(conn, id, now);
    }
    Ok(row)
}

/// Replaces the password hash, bumps the version, and invalidates tokens issued before now.
pub fn set_password_hash(conn: &mut PgConnection, id: UserId, hash: &str, now: DateTime<Utc>) -> QueryResult<UserRow> {
    diesel::update(users::table.find(id.0))
        .set((users::password_hash.eq(hash), users::version.eq(users::version + 1), users::updated_at.eq(now)))
        .execute(conn)?;
    invalidate_tokens(conn, id, now)
}

fn invalidate_tokens(conn: &mut PgConnection, id: UserId, now: DateTime<Utc>) -> QueryResult<UserRow> {
    diesel::update(users::table.find(id.0))
        .set(users::tokens_valid_after.eq(now))
        .returning(UserRow::as_returning())
        .get_result(conn)
}
