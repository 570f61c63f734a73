//! `Idempotency-Key` on creates. The key row is inserted at the start of the create's
//! transaction and completed with the response before commit: a retry after success replays
//! the response; a concurrent retry waits on the key's primary key until the first commits;
//! a failed create rolls back its key, so the client may try again.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::schema::idempotency_keys;

/// What to do with a request carrying a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// First use: do the work, then [`complete`].
    New,
    /// Seen before with the same request: send this response again.
    Replay { status: u16, body: Value, location: Option<String> },
    /// Seen before with a different request.
    Mismatch,
}

/// How many expired keys (anyone's) each claim forgets. More than the one key a claim adds, so
/// the table holds about one key lifetime of creates, never all of them; keys that another
/// claim is forgetting at the same moment are skipped, not waited for.
pub const SWEEP_PER_CLAIM: i64 = 20;

/// Claims `key` for `actor`. Keys older than `expire_before` are forgotten.
pub fn claim(
    conn: &mut PgConnection,
    actor: Uuid,
    key: &str,
    fingerprint: &[u8],
    expire_before: DateTime<Utc>,
) -> QueryResult<Claim> {
    diesel::sql_query(
        "DELETE FROM idempotency_keys WHERE (actor_id, key) IN (
             SELECT actor_id, key FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(expire_before)
    .bind::<diesel::sql_types::BigInt, _>(SWEEP_PER_CLAIM)
    .execute(conn)?;
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::actor_id.eq(actor))
            .filter(idempotency_keys::key.eq(key))
            .filter(idempotency_keys::created_at.lt(expire_before)),
    )
    .execute(conn)?;
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::actor_id.eq(actor),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_fingerprint.eq(fingerprint),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    if inserted == 1 {
        return Ok(Claim::New);
    }
    let (stored_fp, status, body, location): (Vec<u8>, Option<i16>, Option<Value>, Option<String>) = idempotency_keys::table
        .find((actor, key))
        .select((
            idempotency_keys::request_fingerprint,
            idempotency_keys::status_code,
            idempotency_keys::response_body,
            idempotency_keys::response_location,
        ))
        .first(conn)?;
    match (stored_fp == fingerprint, status, body) {
        (true, Some(status), Some(body)) => Ok(Claim::Replay { status: status as u16, body, location }),
        _ => Ok(Claim::Mismatch),
    }
}

/// Stores the response for replay; call before the transaction commits.
pub fn complete(
    conn: &mut PgConnection,
    actor: Uuid,
    key: &str,
    status: u16,
    body: &Value,
    location: Option<&str>,
) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((actor, key)))
        .set((
            idempotency_keys::status_code.eq(status as i16),
            idempotency_keys::response_body.eq(body),
            idempotency_keys::response_location.eq(location),
        ))
        .execute(conn)
        .map(|_| ())
}
