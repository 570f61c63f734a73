//! Failed sign-ins, kept per account name for throttling (see `domain::login_throttle`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::login_failures;

/// Records a failure and forgets every failure (of any name) at or before `forget_before`,
/// which no longer counts: someone trying many names cannot grow the table beyond the
/// failures of one throttle window.
pub fn record(conn: &mut PgConnection, username: &str, at: DateTime<Utc>, forget_before: DateTime<Utc>) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::failed_at.le(forget_before))).execute(conn)?;
    diesel::insert_into(login_failures::table)
        .values((login_failures::username.eq(username), login_failures::failed_at.eq(at)))
        .execute(conn)
        .map(|_| ())
}

/// Failure times for a name since `since`, newest first, at most `limit`.
pub fn recent(conn: &mut PgConnection, username: &str, since: DateTime<Utc>, limit: i64) -> QueryResult<Vec<DateTime<Utc>>> {
    login_failures::table
        .filter(login_failures::username.eq(username))
        .filter(login_failures::failed_at.gt(since))
        .order(login_failures::failed_at.desc())
        .limit(limit)
        .select(login_failures::failed_at)
        .load(conn)
}

/// A successful sign-in clears the name's failures.
pub fn clear(conn: &mut PgConnection, username: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::username.eq(username))).execute(conn).map(|_| ())
}
