//! Probation, diversion and after-care: a person under a probation officer's supervision for a
//! term, on a court order (after-care: on leaving an institution), with conditions; visits,
//! reports to the court, the court's decision on a breach, and completion. Every step is on
//! the supervision's timeline and audited; reads of a supervision are audited.

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{authorize, Actor, Permission, Subject};
use domain::id::{InstitutionStayId, PersonId, SupervisionId, UserId};
use domain::probation::{check_opening, ends_on, step, CourtReportKind, Opening, Step, SupervisionKind, SupervisionStatus};
use persistence::supervision::{self as repo, NewSupervision, SupervisionFilter, SupervisionRow};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::handlers::cases::open::CourtOrderInput;
use crate::handlers::microcredit::{area_subject, office, today, upazila_area};
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Outcome};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::transact;
use crate::views::LabelView;

pub(crate) fn subject(s: &SupervisionRow) -> Subject {
    office(s.division_id, s.district_id, s.upazila_id)
}

/// A step on the supervision's timeline.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"action": "visit", "on_date": "2026-02-01", "status_after": "active",
    "data": {"notes": "At home and at school", "conditions_kept": true}, "occurred_at": "2026-02-01T09:00:00Z"}))]
pub struct SupervisionEventView {
    /// `open`, `visit`, `court_report`, `court_decision` or `complete`.
    pub action: String,
    pub on_date: NaiveDate,
    #[schema(value_type = crate::codes::SupervisionStatusCode)]
    pub status_after: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

/// A supervision.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000c501", "kind": "probation",
    "kind_label": {"en": "Probation ordered by a court", "bn": "আদালতের আদেশে প্রবেশন"}, "person_id": "01936f5e-0000-7000-8000-0000000000a1",
    "upazila_id": 1, "court": "Chief Judicial Magistrate, Cumilla", "order_number": "PR-12/2026", "order_date": "2026-01-05",
    "offence": "Theft (first offence)", "from_stay_id": null, "starts_on": "2026-01-10", "term_months": 12, "ends_on": "2027-01-10",
    "conditions": ["Live with his mother", "Attend school"], "officer_id": "01936f5e-0000-7000-8000-000000000021",
    "status": "active", "status_label": {"en": "Under supervision", "bn": "তত্ত্বাবধানে"}, "last_visit_on": null, "closed_on": null,
    "timeline": [], "version": 1}))]
pub struct SupervisionView {
    pub id: Uuid,
    #[schema(value_type = crate::codes::SupervisionKindCode)]
    pub kind: SupervisionKind,
    pub kind_label: LabelView,
    pub person_id: Uuid,
    pub upazila_id: i32,
    pub court: Option<String>,
    pub order_number: Option<String>,
    pub order_date: Option<NaiveDate>,
    pub offence: Option<String>,
    /// After-care: the institution stay it follows.
    pub from_stay_id: Option<Uuid>,
    pub starts_on: NaiveDate,
    pub term_months: i32,
    pub ends_on: NaiveDate,
    pub conditions: Vec<String>,
    /// The probation officer.
    pub officer_id: Uuid,
    #[schema(value_type = crate::codes::SupervisionStatusCode)]
    pub status: SupervisionStatus,
    pub status_label: LabelView,
    pub last_visit_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    /// The steps, oldest first (in a single supervision's view; empty in lists).
    pub timeline: Vec<SupervisionEventView>,
    /// The `ETag` value.
    pub version: i32,
}

fn view(s: &SupervisionRow) -> SupervisionView {
    SupervisionView {
        id: s.id.0,
        kind: s.kind,
        kind_label: s.kind.label().into(),
        person_id: s.person_id.0,
        upazila_id: s.upazila_id,
        court: s.court.clone(),
        order_number: s.order_number.clone(),
        order_date: s.order_date,
        offence: s.offence.clone(),
        from_stay_id: s.from_stay_id.map(Uuid::from),
        starts_on: s.starts_on,
        term_months: s.term_months,
        ends_on: s.ends_on,
        conditions: s.conditions.clone(),
        officer_id: s.officer_id.0,
        status: s.status,
        status_label: s.status.label().into(),
        last_visit_on: s.last_visit_on,
        closed_on: s.closed_on,
        timeline: vec![],
        version: s.version,
    }
}

fn full_view(conn: &mut PgConnection, s: &SupervisionRow) -> Result<SupervisionView, ApiError> {
    let mut v = view(s);
    v.timeline = repo::timeline(conn, s.id)?
        .into_iter()
        .map(|e| SupervisionEventView {
            action: e.action,
            on_date: e.on_date,
            status_after: e.status_after,
            data: e.data,
            occurred_at: e.occurred_at,
        })
        .collect();
    Ok(v)
}

/// A new supervision.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"kind": "probation", "person_id": "01936f5e-0000-7000-8000-0000000000a1", "upazila_id": 1,
    "court_order": {"court": "Chief Judicial Magistrate, Cumilla", "order_number": "PR-12/2026", "order_date": "2026-01-05"},
    "offence": "Theft (first offence)", "starts_on": "2026-01-10", "term_months": 12, "conditions": ["Live with his mother", "Attend school"]}))]
pub struct OpenSupervisionRequest {
    #[schema(value_type = crate::codes::SupervisionKindCode)]
    pub kind: SupervisionKind,
    pub person_id: Uuid,
    /// The office supervising.
    pub upazila_id: i32,
    /// Required for probation and diversion.
    #[validate(nested)]
    pub court_order: Option<CourtOrderInput>,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub offence: Option<String>,
    /// After-care: the institution stay it follows.
    pub from_stay_id: Option<Uuid>,
    pub starts_on: NaiveDate,
    #[validate(range(min = 1, max = 36))]
    #[schema(minimum = 1, maximum = 36)]
    pub term_months: i32,
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    #[serde(default)]
    pub conditions: Vec<String>,
    /// The probation officer (default: you). Must be able to supervise in the upazila.
    pub officer_id: Option<Uuid>,
}

/// Place a person under supervision. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "open_supervision", tag = "supervision", request_body = OpenSupervisionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Opened; `Location` and `ETag` set", body = SupervisionView),
        (status = 422, description = "No court order, a term out of range, no conditions, diversion of an adult, an officer who cannot supervise there, or a person you may not see", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/supervisions")]
pub async fn open_supervision(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<OpenSupervisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let conditions: Vec<String> = b.conditions.iter().map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect();
    if conditions.iter().any(|c| c.chars().count() > 300) {
        return Err(ApiError::field_coded("conditions", "invalid_length", "a condition is at most 300 characters"));
    }
    let fingerprint = idempotency::fingerprint(&["open_supervision", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let area = upazila_area(conn, b.upazila_id, "upazila_id")?;
        let subject = area_subject(area);
        let actor = require(conn, &who, Permission::ManageSupervisions, &subject)?;
        let person = persistence::persons::find_visible(conn, actor.scope, who.user_id, PersonId(b.person_id))?
            .ok_or_else(|| ApiError::field_coded("person_id", "not_found", "no such person (or not one you may see)"))?;
        let officer = match b.officer_id {
            None => who.user_id,
            Some(id) => {
                let u = persistence::users::find(conn, UserId(id))?
                    .filter(|u| u.status == domain::user::UserStatus::Active)
                    .ok_or_else(|| ApiError::field_coded("officer_id", "not_found", "no such active account"))?;
                let as_actor = Actor { user_id: u.id, role: u.role, scope: u.scope };
                authorize(&as_actor, Permission::ManageSupervisions, &subject).map_err(|_| {
                    ApiError::field_coded("officer_id", "refused", "this account cannot supervise in the upazila")
                })?;
                u.id
            }
        };
        if let Some(stay) = b.from_stay_id {
            let s = persistence::institutions::find(conn, InstitutionStayId(stay))?
                .ok_or_else(|| ApiError::field_coded("from_stay_id", "not_found", "no such institution stay"))?;
            if s.person_id != person.id || s.left_on.is_none() {
                return Err(ApiError::field_coded("from_stay_id", "invalid", "an ended stay of the same person"));
            }
        }
        let now = today();
        domain::person::check_not_before_birth(domain::probation::STARTS_BEFORE_BIRTH, b.starts_on, person.date_of_birth)?;
        check_opening(&Opening {
            kind: b.kind,
            order_date: b.court_order.as_ref().map(|o| o.order_date),
            starts_on: b.starts_on,
            term_months: u32::try_from(b.term_months).unwrap_or(0),
            conditions: conditions.len(),
            child: domain::person::is_child_on(person.date_of_birth, b.starts_on),
            today: now,
        })?;
        let order = b.court_order.as_ref().map(|o| o.to_domain());
        let row = repo::insert(
            conn,
            &NewSupervision {
                kind: b.kind,
                person_id: person.id,
                area,
                order: order.as_ref().map(|o| (o.court.as_str(), o.order_number.as_str(), o.order_date)),
                offence: b.offence.as_deref().map(str::trim),
                from_stay_id: b.from_stay_id.map(InstitutionStayId),
                starts_on: b.starts_on,
                term_months: b.term_months,
                ends_on: ends_on(b.starts_on, u32::try_from(b.term_months).unwrap_or(1)),
                conditions,
                officer_id: officer,
                by: who.user_id,
            },
        )?;
        repo::event(
            conn,
            row.id,
            ("open", row.starts_on, row.status, &serde_json::json!({"kind": row.kind.code(), "term_months": row.term_months})),
            who.user_id,
        )?;
        crate::pipeline::audit_created(
            conn,
            &who,
            "supervision.open",
            row.id,
            &row,
            serde_json::json!({"kind": row.kind.code()}),
        )?;
        let v = full_view(conn, &row)?;
        Ok(Created { location: Some(format!("/api/v1/supervisions/{}", row.id)), etag: Some(etag(row.version)), body: v })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupervisionQuery {
    #[param(value_type = Option<crate::codes::SupervisionKindCode>)]
    pub kind: Option<String>,
    #[param(value_type = Option<crate::codes::SupervisionStatusCode>)]
    pub status: Option<String>,
    pub officer_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Supervisions within your scope.
#[utoipa::path(operation_id = "list_supervisions", tag = "supervision", params(SupervisionQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of supervisions", body = ListPage<SupervisionView>),
        (status = 422, description = "An unknown kind or status", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/supervisions")]
pub async fn list_supervisions(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<SupervisionQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    // (What was asked, for the audit row: a list of personal data is a read on record.)
    let asked = serde_json::to_value(&q).map_err(ApiError::internal)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let filter = SupervisionFilter {
        kind: crate::codes::check_filter("kind", &q.kind, SupervisionKind::parse)?,
        status: crate::codes::check_filter("status", &q.status, SupervisionStatus::parse)?,
        officer_id: q.officer_id.map(UserId),
        person_id: q.person_id.map(PersonId),
    };
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadSupervisions, &own)?;
        let page = repo::list(conn, actor.scope, &filter, after, limit)?;
        who.audit_list(conn, "supervision", &asked, page.rows.iter().map(|r| r.id))?;
        Ok(page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| view(&r))))
}

/// One supervision with its timeline (the read is audited).
#[utoipa::path(operation_id = "get_supervision", tag = "supervision",
    params(("supervision_id" = Uuid, Path, description = "The supervision")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The supervision; `ETag` set", body = SupervisionView),
        (status = 404, description = "No such supervision", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/supervisions/{supervision_id}")]
pub async fn get_supervision(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<SupervisionId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let v = transact(&state, move |conn| {
        let s = repo::find(conn, id)?.ok_or(ApiError::NotFound("supervision"))?;
        require(conn, &who, Permission::ReadSupervisions, &subject(&s))?;
        persistence::audit::record_read(conn, &who.audit_actor(), "supervision", id.to_string(), Some(&who.request_id))?;
        full_view(conn, &s)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(v.version))).json(v))
}

crate::pipeline::record!(SupervisionRow {
    id: SupervisionId,
    kind: "supervision",
    noun: "supervision",
    lock: repo::find_for_update,
    subject: |r, _| Ok(subject(r)),
    summary: |r| serde_json::json!({"status": r.status.code(), "version": r.version}),
});

/// Every supervision step, for `pipeline::change`: the audit action is the step's own.
const SUPERVISION_STEP: pipeline::Step = pipeline::Step::new("supervision.step", Permission::ManageSupervisions);

/// The step on a supervision: the domain's rule on its dates, then the timeline entry.
fn timeline_step(
    (action, the_step, on, data): (&'static str, Step, NaiveDate, serde_json::Value),
) -> impl FnOnce(&mut PgConnection, &pipeline::Ctx<'_>, SupervisionRow) -> Result<Outcome<SupervisionRow>, ApiError> + Send + 'static
{
    move |conn, cx, s| {
        let next = step(s.status, the_step, (s.starts_on, s.ends_on, on, today()))?;
        let after = repo::record(conn, &s, (action, on, next, &data), cx.who.user_id)?;
        Ok(Outcome::with(after, serde_json::json!({"on": on}))?.named(format!("supervision.{action}")))
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"visited_on": "2026-02-01", "notes": "At home and at school", "conditions_kept": true}))]
pub struct VisitRequest {
    pub visited_on: NaiveDate,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub notes: String,
    /// Whether the conditions were being kept.
    pub conditions_kept: bool,
}

/// Record a supervision visit. Requires `If-Match`.
#[utoipa::path(operation_id = "record_supervision_visit", tag = "supervision", request_body = VisitRequest,
    params(("supervision_id" = Uuid, Path, description = "The supervision"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; new `ETag`", body = SupervisionView),
        (status = 404, description = "No such supervision", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The supervision has ended", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A date outside the supervision or in the future", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/supervisions/{supervision_id}/visits")]
pub async fn record_supervision_visit(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<SupervisionId>,
    body: ApiJson<VisitRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let data = serde_json::json!({"notes": b.notes.trim(), "conditions_kept": b.conditions_kept});
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        SUPERVISION_STEP,
        pipeline::read_with(full_view),
        timeline_step(("visit", Step::Visit, b.visited_on, data)),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"kind": "periodic", "reported_on": "2026-04-01", "summary": "Keeping every condition; back at school"}))]
pub struct CourtReportRequest {
    #[schema(value_type = crate::codes::CourtReportKindCode)]
    pub kind: CourtReportKind,
    pub reported_on: NaiveDate,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub summary: String,
}

/// Record a report to the court: periodic, on a breach of conditions (the court then
/// decides), or on completion. Requires `If-Match`.
#[utoipa::path(operation_id = "report_to_court", tag = "supervision", request_body = CourtReportRequest,
    params(("supervision_id" = Uuid, Path, description = "The supervision"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; new `ETag`", body = SupervisionView),
        (status = 404, description = "No such supervision", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The supervision has ended", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/supervisions/{supervision_id}/court-reports")]
pub async fn report_to_court(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<SupervisionId>,
    body: ApiJson<CourtReportRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let data = serde_json::json!({"kind": b.kind.code(), "summary": b.summary.trim()});
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        SUPERVISION_STEP,
        pipeline::read_with(full_view),
        timeline_step(("court_report", Step::Report(b.kind), b.reported_on, data)),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"decided_on": "2026-05-02", "revoke": false, "note": "Warned; supervision continues"}))]
pub struct CourtDecisionRequest {
    pub decided_on: NaiveDate,
    /// Revoke the order (the case returns to the court), or continue the supervision.
    pub revoke: bool,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Record the court's decision on a reported breach. Requires `If-Match`.
#[utoipa::path(operation_id = "record_court_decision", tag = "supervision", request_body = CourtDecisionRequest,
    params(("supervision_id" = Uuid, Path, description = "The supervision"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; new `ETag`", body = SupervisionView),
        (status = 404, description = "No such supervision", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No breach reported, or the supervision has ended", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/supervisions/{supervision_id}/court-decision")]
pub async fn record_court_decision(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<SupervisionId>,
    body: ApiJson<CourtDecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let data = serde_json::json!({"revoke": b.revoke, "note": b.note.as_deref().map(str::trim)});
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        SUPERVISION_STEP,
        pipeline::read_with(full_view),
        timeline_step(("court_decision", Step::CourtDecision { revoke: b.revoke }, b.decided_on, data)),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"completed_on": "2027-01-10"}))]
pub struct SupervisionCompletionRequest {
    pub completed_on: NaiveDate,
}

/// Complete the supervision at the end of its term. Requires `If-Match`.
#[utoipa::path(operation_id = "complete_supervision", tag = "supervision", request_body = SupervisionCompletionRequest,
    params(("supervision_id" = Uuid, Path, description = "The supervision"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Completed; new `ETag`", body = SupervisionView),
        (status = 404, description = "No such supervision", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The term is not served, a breach awaits the court, or it has ended", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/supervisions/{supervision_id}/completion")]
pub async fn complete_supervision(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<SupervisionId>,
    body: ApiJson<SupervisionCompletionRequest>,
) -> Result<HttpResponse, ApiError> {
    let on = body.0.completed_on;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        SUPERVISION_STEP,
        pipeline::read_with(full_view),
        timeline_step(("complete", Step::Complete, on, serde_json::json!({}))),
    )
    .await
    .map(pipeline::Answer::ok)
}
