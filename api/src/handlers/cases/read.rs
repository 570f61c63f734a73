use actix_web::get;
use actix_web::http::header::ETAG;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Months, NaiveDate, Utc};
use domain::access::{authorize, Permission};
use domain::id::CaseId;
use persistence::cases::{self, CaseEventRow, CaseFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{case_subject, case_view, case_visibility, visibility, CaseView, Visibility};
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::{read, transact};
use crate::views::LabelView;

/// One case. Every read is recorded in the audit trail.
#[utoipa::path(tag = "cases",
    params(("case_id" = Uuid, Path, description = "The case id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The case; `ETag` set", body = CaseView),
        (status = 403, description = "Outside your facility or area", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/cases/{case_id}")]
pub async fn get_case(state: web::Data<AppState>, who: Principal, path: web::Path<CaseId>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = transact(&state, move |conn| {
        let row = cases::find(conn, id)?.ok_or(ApiError::NotFound("case"))?;
        let (_, vis) = case_visibility(conn, &who, &row)?;
        persistence::audit::record_read(conn, &who.audit_actor(), "case", id.to_string(), Some(&who.request_id))?;
        case_view(&row, vis)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(view.version))).json(view))
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// A status code (`in_service`, `follow_up`, ...).
    #[param(value_type = Option<crate::codes::CaseStatusCode>)]
    pub status: Option<String>,
    /// `safe_home` or `child_protection`.
    #[param(value_type = Option<crate::codes::CaseKindCode>)]
    pub kind: Option<String>,
    /// Cases managed at, or living in, this facility.
    pub facility_id: Option<Uuid>,
    pub division_id: Option<i32>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
    /// A risk category code (`street_child`, ...).
    #[param(value_type = Option<crate::codes::RiskCategoryCode>)]
    pub risk_category: Option<String>,
    /// `female`, `male` or `hijra`.
    #[param(value_type = Option<crate::codes::SexCode>)]
    pub sex: Option<String>,
    /// Age today at least (years).
    #[param(maximum = 150)]
    pub age_min: Option<u32>,
    /// Age today at most (years).
    #[param(maximum = 150)]
    pub age_max: Option<u32>,
    /// Only cases with a follow-up past its due date.
    pub overdue: Option<bool>,
    /// A worker's caseload: the cases this user holds (a user id, or `me`).
    pub assigned_to: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Cases within your scope, filtered. The list call itself is audited.
#[utoipa::path(tag = "cases",
    params(CaseQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of cases", body = ListPage<CaseView>),
        (status = 400, description = "Bad cursor or query", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown code in a filter", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/cases")]
pub async fn list_cases(state: web::Data<AppState>, who: Principal, q: web::Query<CaseQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let asked = serde_json::to_value(&q).map_err(ApiError::internal)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let status = crate::codes::check_filter("status", &q.status, domain::case::CaseStatus::parse)?;
    let kind = crate::codes::check_filter("kind", &q.kind, domain::case::CaseKind::parse)?;
    crate::codes::check_filter("risk_category", &q.risk_category, domain::case::RiskCategory::parse)?;
    let sex = crate::codes::check_filter("sex", &q.sex, domain::person::Sex::parse)?;
    for (field, age) in [("age_min", q.age_min), ("age_max", q.age_max)] {
        if age.is_some_and(|a| a > 150) {
            return Err(ApiError::field_coded(field, "out_of_range", "must be between 0 and 150"));
        }
    }
    let today = domain::time::dhaka_date(Utc::now());
    let years_ago = |y: u32| today.checked_sub_months(Months::new(y.saturating_mul(12)));
    let filter = CaseFilter {
        status,
        kind,
        facility_id: q.facility_id.map(domain::id::FacilityId),
        division_id: q.division_id,
        district_id: q.district_id,
        upazila_id: q.upazila_id,
        risk_category: q.risk_category,
        sex,
        born_on_or_before: q.age_min.and_then(years_ago),
        born_on_or_after: q.age_max.and_then(|m| years_ago(m + 1)).and_then(|d| d.succ_opt()),
        follow_up_overdue_on: q.overdue.filter(|o| *o).map(|_| today),
        assigned_to: match q.assigned_to.as_deref().map(str::trim) {
            None => None,
            Some("me") => Some(who.user_id),
            Some(id) => Some(
                id.parse::<domain::id::UserId>()
                    .map_err(|_| ApiError::field_coded("assigned_to", "invalid", "must be a user id or `me`"))?,
            ),
        },
    };
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let (actor, vis) = visibility(conn, &who, &own)?;
        let sensitive = authorize(&actor, Permission::ReadSensitiveCaseDetails, &own).is_ok();
        let page = cases::list(conn, actor.scope, &filter, after, limit)?;
        who.audit_list(conn, "case", &asked, page.rows.iter().map(|r| r.id))?;
        let vis = match vis {
            Visibility::PartnerServices(p) => Visibility::PartnerServices(p),
            _ if sensitive => Visibility::Full,
            _ => Visibility::WithoutSensitive,
        };
        ListPage::try_from_page(page, |row| case_view(&row, vis))
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One entry of a case's timeline.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-0000-7000-8000-0000000000ff", "occurred_at": "2026-06-02T05:00:00Z", "actor_id": "01936f5e-0000-7000-8000-000000000001",
    "actor_label": "caseworker.rahim", "action": "record_risk_assessment", "status_before": "intake", "status_after": "risk_assessment",
    "data": {"command": "record_risk_assessment"}, "happenings": [{"event": "status_changed", "from": "intake", "to": "risk_assessment"}]
}))]
pub struct CaseEventView {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    /// The command (`open_case`, `record_service`, ...).
    pub action: String,
    #[schema(value_type = Option<crate::codes::CaseStatusCode>)]
    pub status_before: Option<String>,
    #[schema(value_type = crate::codes::CaseStatusCode)]
    pub status_after: String,
    /// The command as accepted.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// What followed from it (status changes, approvals, follow-ups scheduled).
    #[schema(value_type = Object)]
    pub happenings: serde_json::Value,
}

impl From<CaseEventRow> for CaseEventView {
    fn from(r: CaseEventRow) -> Self {
        CaseEventView {
            id: r.id.0,
            occurred_at: r.occurred_at,
            actor_id: r.actor_id.map(uuid::Uuid::from),
            actor_label: r.actor_label,
            action: r.action,
            status_before: r.status_before.map(String::from),
            status_after: r.status_after.into(),
            data: r.data,
            happenings: r.happenings,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// A case's timeline, oldest first. Needs full read access.
#[utoipa::path(tag = "cases",
    params(("case_id" = Uuid, Path, description = "The case id"), EventQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the timeline", body = ListPage<CaseEventView>),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/cases/{case_id}/events")]
pub async fn list_case_events(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    q: web::Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let page = transact(&state, move |conn| {
        let row = cases::find(conn, id)?.ok_or(ApiError::NotFound("case"))?;
        // Partner staff see only their services, not the timeline.
        if let (_, Visibility::PartnerServices(_)) = case_visibility(conn, &who, &row)? {
            let subject = case_subject(conn, &row)?;
            require(conn, &who, Permission::ReadCases, &subject)?;
        }
        persistence::audit::record_read(conn, &who.audit_actor(), "case", id.to_string(), Some(&who.request_id))?;
        Ok(cases::list_events(conn, id, after, limit)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, CaseEventView::from)))
}

/// Something in a case that needs someone's attention.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "task": "follow_up_overdue", "task_label": {"en": "Follow-up overdue", "bn": "ফলো-আপের সময় পেরিয়ে গেছে"},
    "case_id": "01936f5e-0000-7000-8000-0000000000ee", "case_number": "CP-2026-000042", "due_on": "2026-10-10",
    "assigned_to": "01936f5e-0000-7000-8000-000000000001"
}))]
pub struct WorkItem {
    /// `follow_up_overdue`, `stay_limit_near`, `approval_waiting`, `ageing_out`, `unassigned`
    /// (a case held by no one or by a disabled account, for those who may reassign it), or
    /// `institution_age_limit` (a resident reaching her institution's age limit: a Chotomoni
    /// Nibash child turning 6 is transferred to a Shishu Paribar).
    pub task: String,
    pub task_label: LabelView,
    /// The case (case tasks).
    pub case_id: Option<Uuid>,
    pub case_number: Option<String>,
    /// The institution stay (`institution_age_limit`).
    pub stay_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    /// The worker holding the case; none when no active worker does (`unassigned`).
    pub assigned_to: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"data": [{"task": "approval_waiting", "task_label": {"en": "Approval waiting", "bn": "অনুমোদনের অপেক্ষায়"},
    "case_id": "01936f5e-0000-7000-8000-0000000000ee", "case_number": "CP-2026-000042", "stay_id": null, "due_on": null,
    "assigned_to": null}]}))]
pub struct WorkQueue {
    pub data: Vec<WorkItem>,
}

fn task(code: &str) -> LabelView {
    let (en, bn) = match code {
        "follow_up_overdue" => ("Follow-up overdue", "ফলো-আপের সময় পেরিয়ে গেছে"),
        "stay_limit_near" => ("Stay limit near", "অবস্থানের মেয়াদ শেষ হয়ে আসছে"),
        "approval_waiting" => ("Approval waiting", "অনুমোদনের অপেক্ষায়"),
        "institution_age_limit" => ("Reaching the institution's age limit", "প্রতিষ্ঠানের বয়সসীমা পূর্ণ হচ্ছে"),
        "unassigned" => ("Held by no active worker", "কোনো সক্রিয় কর্মীর দায়িত্বে নেই"),
        _ => ("Turning 18 soon", "শীঘ্রই ১৮ বছর পূর্ণ হবে"),
    };
    LabelView { en: en.into(), bn: bn.into() }
}

/// Your work queue: overdue follow-ups, stays near their limit, children about to turn 18,
/// (for supervisors) approvals waiting and cases held by no active worker, and residents of
/// institutions reaching their age limit within 30 days, in your scope. The cases you hold
/// come first. At most 200 cases and 200 residents.
#[utoipa::path(tag = "cases", security(("bearer" = [])),
    responses(
        (status = 200, description = "What needs attention", body = WorkQueue),
    ))]
#[get("/work-queue")]
pub async fn get_work_queue(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let warn_days = state.case_settings.stay_warning_days;
    let queue = read(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadCases, &own)?;
        let approver = authorize(&actor, Permission::ApproveCases, &own).is_ok();
        let today = domain::time::dhaka_date(Utc::now());
        let warn = today + chrono::Duration::days(i64::from(warn_days));
        let age_warn = today + chrono::Duration::days(30);
        let rows = cases::needing_attention(conn, actor.scope, who.user_id, today, warn, age_warn, approver, 200)?;
        let held: Vec<domain::id::UserId> = rows.iter().filter_map(|r| r.assigned_to).collect();
        let disabled = cases::disabled_among(conn, &held)?;
        let mut data = Vec::new();
        for r in rows {
            let unassigned = r.assigned_to.is_none_or(|u| disabled.contains(&u));
            let assigned_to = if unassigned { None } else { r.assigned_to.map(Uuid::from) };
            let mut push = |code: &str, due_on| {
                data.push(WorkItem {
                    task: code.into(),
                    task_label: task(code),
                    case_id: Some(r.id.0),
                    case_number: Some(r.case_number.clone()),
                    stay_id: None,
                    due_on,
                    assigned_to,
                })
            };
            if r.next_follow_up_due.is_some_and(|d| d < today) {
                push("follow_up_overdue", r.next_follow_up_due);
            }
            if r.stay_until.is_some_and(|d| d <= warn) {
                push("stay_limit_near", r.stay_until);
            }
            if approver && r.pending_approvals > 0 {
                push("approval_waiting", None);
            }
            if r.ages_out_on.is_some_and(|d| d <= age_warn) {
                push("ageing_out", r.ages_out_on);
            }
            if approver && unassigned {
                push("unassigned", None);
            }
        }
        for (stay, _) in crate::handlers::institutions::leaving_soon(conn, &actor, &own, 30)? {
            data.push(WorkItem {
                task: "institution_age_limit".into(),
                task_label: task("institution_age_limit"),
                case_id: None,
                case_number: None,
                stay_id: Some(stay.id.0),
                due_on: Some(stay.leaves_on),
                assigned_to: None,
            });
        }
        Ok(WorkQueue { data })
    })
    .await?;
    Ok(HttpResponse::Ok().json(queue))
}
