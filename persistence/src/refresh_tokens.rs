//! Rotating refresh tokens. Only a SHA-256 hash of each token is stored, so a copy of the
//! database does not yield working tokens.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use domain::id::{RefreshTokenId, TokenFamilyId, UserId};

use crate::schema::refresh_tokens;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: RefreshTokenId,
    #[diesel(deserialize_as = Uuid)]
    pub user_id: UserId,
    #[diesel(deserialize_as = Uuid)]
    pub family_id: TokenFamilyId,
    pub token_hash: Vec<u8>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    #[diesel(serialize_as = Uuid)]
    pub id: RefreshTokenId,
    #[diesel(serialize_as = Uuid)]
    pub user_id: UserId,
    #[diesel(serialize_as = Uuid)]
    pub family_id: TokenFamilyId,
    pub token_hash: &'a [u8],
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub fn insert(conn: &mut PgConnection, new: NewRefreshToken<'_>) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table).values(new).execute(conn).map(|_| ())
}

/// Finds a token by hash and locks it, so two concurrent refreshes cannot both rotate it.
pub fn find_for_update(conn: &mut PgConnection, token_hash: &[u8]) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn mark_used(conn: &mut PgConnection, id: RefreshTokenId, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(refresh_tokens::table.find(id.0)).set(refresh_tokens::used_at.eq(now)).execute(conn).map(|_| ())
}

/// Revokes every token in a family (a replayed token means the family is compromised).
pub fn revoke_family(conn: &mut PgConnection, family_id: TokenFamilyId, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::family_id.eq(family_id.0)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)
}

/// Revokes every token of a user (on disable or password reset).
pub fn revoke_for_user(conn: &mut PgConnection, user_id: UserId, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::user_id.eq(user_id.0)).filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)
}
