//! Reading the audit trail, for auditors and system administrators with national scope.

use actix_web::get;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::access::{Permission, Subject};
use persistence::audit::{AuditEventRow, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::read;

/// One audited action.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-8a4b-7c3d-9e2f-0a1b2c3d4e5f",
    "occurred_at": "2026-11-23T06:00:00Z",
    "actor_id": "01936f5e-0000-7000-8000-000000000001",
    "actor_label": "admin",
    "action": "user.disable",
    "entity_type": "user",
    "entity_id": "01936f5e-0000-7000-8000-000000000002",
    "before": {"status": "active"},
    "after": {"status": "disabled"},
    "request_id": "01936f5e-8a4b-7c3d-9e2f-0a1b2c3d4e60"
}))]
pub struct AuditEventView {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// The account that acted; `null` for the command line or an unknown name.
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

impl From<AuditEventRow> for AuditEventView {
    fn from(r: AuditEventRow) -> Self {
        AuditEventView {
            id: r.id.0,
            occurred_at: r.occurred_at,
            actor_id: r.actor_id.map(Uuid::from),
            actor_label: r.actor_label,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            before: r.before,
            after: r.after,
            request_id: r.request_id,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only events about this kind of record (`user`, ...).
    pub entity_type: Option<String>,
    /// Only events about this record.
    pub entity_id: Option<String>,
    /// Only events by this account.
    pub actor_id: Option<Uuid>,
    /// Only this action (`user.create`, `auth.sign_in_failed`, ...).
    pub action: Option<String>,
    /// Events at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Events before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// The audit trail, newest first.
#[utoipa::path(operation_id = "list_audit_events", tag = "audit",
    params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of events", body = ListPage<AuditEventView>),
        (status = 400, description = "Bad cursor or query", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an auditor or administrator with national scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid limit", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let (limit, before) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let filter = AuditFilter {
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        actor_id: q.actor_id.map(domain::id::UserId),
        action: q.action,
        from: q.from,
        to: q.to,
    };
    let page = read(&state, move |conn| {
        require(conn, &who, Permission::ReadAuditEvents, &Subject::National)?;
        Ok(persistence::audit::list(conn, &filter, before, limit)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, AuditEventView::from)))
}
