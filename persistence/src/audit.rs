//! The audit trail. Every write records one row here in the same transaction as the change,
//! so a change without its audit row cannot be committed. The table rejects UPDATE, DELETE and
//! TRUNCATE (a trigger), so history cannot be rewritten through the application.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use domain::id::{AuditEventId, UserId};

use crate::columns::OptionalId;
use crate::page::Page;
use crate::schema::audit_events;

/// Who did it, for the trail: a user, or the command line / the system itself.
#[derive(Debug, Clone)]
pub struct AuditActor {
    pub id: Option<UserId>,
    /// A readable name kept as it was at the time (`rahima`, `cli:root`).
    pub label: String,
}

/// One thing that happened to one record.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor: &'a AuditActor,
    /// What was done, as `verb` or `resource.verb` (`user.create`, `user.disable`, `case.read`).
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_id: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: AuditEventId,
    pub occurred_at: DateTime<Utc>,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub actor_id: Option<UserId>,
    pub actor_label: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_id: Option<String>,
}

/// Appends one row; call it inside the transaction that makes the change.
pub fn record(conn: &mut PgConnection, entry: AuditEntry<'_>) -> QueryResult<AuditEventId> {
    let id = AuditEventId(Uuid::now_v7());
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::id.eq(id.0),
            audit_events::actor_id.eq(entry.actor.id.map(Uuid::from)),
            audit_events::actor_label.eq(&entry.actor.label),
            audit_events::action.eq(entry.action),
            audit_events::entity_type.eq(entry.entity_type),
            audit_events::entity_id.eq(&entry.entity_id),
            audit_events::before.eq(entry.before),
            audit_events::after.eq(entry.after),
            audit_events::request_id.eq(entry.request_id),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Records that someone looked at a sensitive record (a safe-home resident, a child's case).
/// Later features call this from their read handlers.
pub fn record_read(
    conn: &mut PgConnection,
    actor: &AuditActor,
    entity_type: &str,
    entity_id: String,
    request_id: Option<&str>,
) -> QueryResult<AuditEventId> {
    let action = format!("{entity_type}.read");
    record(conn, AuditEntry { actor, action: &action, entity_type, entity_id, before: None, after: None, request_id })
}

/// One row for a list read: which records it returned and under which filter, so that every
/// read of personal data is on record at the cost of one row per request.
pub fn record_list(
    conn: &mut PgConnection,
    actor: &AuditActor,
    entity_type: &str,
    filter: serde_json::Value,
    returned: Vec<String>,
    request_id: Option<&str>,
) -> QueryResult<AuditEventId> {
    let action = format!("{entity_type}.list");
    let after = Some(serde_json::json!({"filter": filter, "returned": returned}));
    record(conn, AuditEntry { actor, action: &action, entity_type, entity_id: "*".into(), before: None, after, request_id })
}

/// Filters for reading the trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<UserId>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Newest first; the cursor is the last id seen (ids are time-ordered UUIDv7).
pub fn list(
    conn: &mut PgConnection,
    filter: &AuditFilter,
    before: Option<AuditEventId>,
    limit: i64,
) -> QueryResult<Page<AuditEventRow, AuditEventId>> {
    let mut q = audit_events::table.into_boxed();
    if let Some(before) = before {
        q = q.filter(audit_events::id.lt(before.0));
    }
    if let Some(v) = &filter.entity_type {
        q = q.filter(audit_events::entity_type.eq(v));
    }
    if let Some(v) = &filter.entity_id {
        q = q.filter(audit_events::entity_id.eq(v));
    }
    if let Some(v) = filter.actor_id {
        q = q.filter(audit_events::actor_id.eq(v.0));
    }
    if let Some(v) = &filter.action {
        q = q.filter(audit_events::action.eq(v));
    }
    if let Some(v) = filter.from {
        q = q.filter(audit_events::occurred_at.ge(v));
    }
    if let Some(v) = filter.to {
        q = q.filter(audit_events::occurred_at.lt(v));
    }
    let rows = q.order(audit_events::id.desc()).limit(limit + 1).select(AuditEventRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// One row of the trail as the chain's verifier reads it: its place in the chain, its stored
/// hash, and its columns, the jsonb ones as PostgreSQL's own text (what the chain hashes).
#[derive(Debug, Clone, QueryableByName)]
pub struct ChainLink {
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub chain_day: chrono::NaiveDate,
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    pub chain_shard: i16,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub chain_seq: i64,
    #[diesel(sql_type = diesel::sql_types::Bytea)]
    pub chain_hash: Vec<u8>,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub occurred_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub actor_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub actor_label: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub action: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub entity_type: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub entity_id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub before: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub after: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub request_id: Option<String>,
}

/// Where a chain is: its day and its number among that day's chains.
pub type ChainKey = (chrono::NaiveDate, i16);

/// The next `limit` rows of the trail in chain order (day, chain, seq) after `after`, within
/// the days `from..=to` when given (through `audit_events_chain_idx`).
pub fn chain_links(
    conn: &mut PgConnection,
    after: Option<(ChainKey, i64)>,
    days: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    limit: i64,
) -> QueryResult<Vec<ChainLink>> {
    use diesel::sql_types::{BigInt, Date, SmallInt};
    let (from, to) = days.unwrap_or_else(all_days);
    let ((day, shard), seq) = after.unwrap_or(((from, i16::MIN), i64::MIN));
    diesel::sql_query(
        "SELECT chain_day, chain_shard, chain_seq, chain_hash, id, occurred_at, actor_id, actor_label, action,
                entity_type, entity_id, before::text AS before, after::text AS after, request_id
           FROM audit_events
          WHERE (chain_day, chain_shard, chain_seq) > ($1, $2, $3) AND chain_day BETWEEN $4 AND $5
          ORDER BY chain_day, chain_shard, chain_seq
          LIMIT $6",
    )
    .bind::<Date, _>(day)
    .bind::<SmallInt, _>(shard)
    .bind::<BigInt, _>(seq)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// Each chain's head: its last seq and hash, as the insert trigger left them.
pub fn chain_heads(
    conn: &mut PgConnection,
    days: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
) -> QueryResult<Vec<(ChainKey, i64, Vec<u8>)>> {
    use crate::schema::audit_chain_heads as h;
    let mut q = h::table.into_boxed();
    if let Some((from, to)) = days {
        q = q.filter(h::day.between(from, to));
    }
    let rows: Vec<(chrono::NaiveDate, i16, i64, Vec<u8>)> =
        q.order((h::day, h::shard)).select((h::day, h::shard, h::last_seq, h::last_hash)).load(conn)?;
    Ok(rows.into_iter().map(|(d, s, seq, hash)| ((d, s), seq, hash)).collect())
}

/// The earliest and latest day PostgreSQL and chrono can both hold: bounds for "every day".
pub fn all_days() -> (chrono::NaiveDate, chrono::NaiveDate) {
    (chrono::NaiveDate::from_ymd_opt(-4713, 11, 24).unwrap_or(chrono::NaiveDate::MIN), chrono::NaiveDate::MAX)
}

/// How many rows the trail holds.
pub fn count(conn: &mut PgConnection) -> QueryResult<i64> {
    audit_events::table.count().get_result(conn)
}

/// Rows that are in no chain the verifier walks (a place left empty, or a day outside
/// [`all_days`]): at most `limit` ids. None unless someone removed the columns' NOT NULL.
pub fn outside_chains(conn: &mut PgConnection, limit: i64) -> QueryResult<Vec<Uuid>> {
    let (from, to) = all_days();
    diesel::sql_query(
        "SELECT id FROM audit_events
          WHERE chain_day IS NULL OR chain_shard IS NULL OR chain_seq IS NULL OR chain_hash IS NULL
             OR NOT (chain_day BETWEEN $1 AND $2)
          LIMIT $3",
    )
    .bind::<diesel::sql_types::Date, _>(from)
    .bind::<diesel::sql_types::Date, _>(to)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load::<IdRow>(conn)
    .map(|rows| rows.into_iter().map(|r| r.id).collect())
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

/// The first UTC day still open to new audit rows: today, until ten minutes past midnight
/// (for transactions that took a link just before it), on the database's clock.
pub fn first_open_day(conn: &mut PgConnection) -> QueryResult<chrono::NaiveDate> {
    #[derive(QueryableByName)]
    struct Day {
        #[diesel(sql_type = diesel::sql_types::Date)]
        day: chrono::NaiveDate,
    }
    let d: Day =
        diesel::sql_query("SELECT ((now() - interval '10 minutes') AT TIME ZONE 'UTC')::date AS day").get_result(conn)?;
    Ok(d.day)
}

/// Waits for transactions still appending to the chains of the days `from..=to` (they hold
/// their chain's head until they end), so that what is read next is each day's final chain.
pub fn wait_for_chain_writers(conn: &mut PgConnection, from: chrono::NaiveDate, to: chrono::NaiveDate) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::sql_query("SELECT 1 FROM audit_chain_heads WHERE day BETWEEN $1 AND $2 FOR SHARE")
            .bind::<diesel::sql_types::Date, _>(from)
            .bind::<diesel::sql_types::Date, _>(to)
            .execute(conn)
            .map(|_| ())
    })
}
