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
