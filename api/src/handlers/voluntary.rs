//! The register of voluntary social welfare organisations (1961 ordinance): applications,
//! inspections, registration by the district office, annual reports, committee changes,
//! suspension and dissolution, and grants through the Social Welfare Council.

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Permission, Subject};
use domain::allowance::FiscalYear;
use domain::id::{PartnerId, VoluntaryOrganisationId};
use domain::voluntary::{
    check_annual_report, check_committee, may_file, registration_number, step, CommitteePosition, OrganisationStatus,
    RegistrationDocument, RegistrationFacts, RegistrationStep,
};
use persistence::facilities::PartnerRow;
use persistence::voluntary::{
    self as repo, AnnualReportRow, GrantRow, NewOrganisation, OrganisationFilter, OrganisationRow, StatusEvent,
};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::handlers::microcredit::{area_subject, office, today, upazila_area};
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Outcome, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::read;
use crate::views::LabelView;

pub(crate) fn subject(o: &OrganisationRow) -> Subject {
    office(o.division_id, o.district_id, o.upazila_id)
}

/// A member of an organisation's executive committee.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"name": "Rokeya Begum", "position": "president"}))]
pub struct CommitteeMember {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(value_type = crate::codes::CommitteePositionCode)]
    pub position: CommitteePosition,
}

fn committee_of(members: &[CommitteeMember]) -> Result<serde_json::Value, ApiError> {
    check_committee(&members.iter().map(|m| m.position).collect::<Vec<_>>())?;
    let cleaned: Vec<CommitteeMember> =
        members.iter().map(|m| CommitteeMember { name: m.name.trim().to_owned(), position: m.position }).collect();
    serde_json::to_value(cleaned).map_err(ApiError::internal)
}

/// An organisation in the register.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000e001", "name_en": "Khilgaon Mohila Kalyan Samity",
    "name_bn": "খিলগাঁও মহিলা কল্যাণ সমিতি", "address": "12 Khilgaon Chowdhurypara, Dhaka", "division_id": 3, "district_id": 26,
    "upazila_id": 1001, "status": "registered", "status_label": {"en": "Registered", "bn": "নিবন্ধিত"}, "applied_on": "2026-01-10",
    "documents": ["constitution", "committee_list", "formation_minutes"], "inspected_on": "2026-02-01", "inspected_by": "Upazila social services officer",
    "inspection_recommends": true, "inspection_notes": null, "registration_number": "26-0042", "registered_on": "2026-02-20",
    "decided_on": "2026-02-20", "status_reason": null,
    "committee": [{"name": "Rokeya Begum", "position": "president"}, {"name": "Shahana Akter", "position": "general_secretary"}, {"name": "Mina Das", "position": "treasurer"}],
    "committee_since": "2026-01-10", "version": 3, "created_at": "2026-01-10T05:00:00Z"}))]
pub struct OrganisationView {
    pub id: Uuid,
    pub name_en: Option<String>,
    pub name_bn: String,
    pub address: String,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[schema(value_type = crate::codes::OrganisationStatusCode)]
    pub status: OrganisationStatus,
    pub status_label: LabelView,
    pub applied_on: NaiveDate,
    #[schema(value_type = Vec<crate::codes::RegistrationDocumentCode>)]
    pub documents: Vec<RegistrationDocument>,
    pub inspected_on: Option<NaiveDate>,
    pub inspected_by: Option<String>,
    pub inspection_recommends: Option<bool>,
    pub inspection_notes: Option<String>,
    /// The district's register number, once registered.
    pub registration_number: Option<String>,
    pub registered_on: Option<NaiveDate>,
    /// The day of the last decision (registration, refusal, suspension, ...).
    pub decided_on: Option<NaiveDate>,
    /// Why it was refused, suspended or dissolved.
    pub status_reason: Option<String>,
    pub committee: Vec<CommitteeMember>,
    pub committee_since: Option<NaiveDate>,
    /// The `ETag` value.
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

fn organisation_view(o: &OrganisationRow) -> OrganisationView {
    OrganisationView {
        id: o.id.0,
        name_en: o.name_en.clone(),
        name_bn: o.name_bn.clone(),
        address: o.address.clone(),
        division_id: o.division_id,
        district_id: o.district_id,
        upazila_id: o.upazila_id,
        status: o.status,
        status_label: o.status.label().into(),
        applied_on: o.applied_on,
        documents: o.documents.iter().filter_map(|d| RegistrationDocument::parse(d)).collect(),
        inspected_on: o.inspected_on,
        inspected_by: o.inspected_by.clone(),
        inspection_recommends: o.inspection_recommends,
        inspection_notes: o.inspection_notes.clone(),
        registration_number: o.registration_number.clone(),
        registered_on: o.registered_on,
        decided_on: o.decided_on,
        status_reason: o.status_reason.clone(),
        committee: serde_json::from_value(o.committee.clone()).unwrap_or_default(),
        committee_since: o.committee_since,
        version: o.version,
        created_at: o.created_at,
    }
}

/// A year's report and accounts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"year": 2025, "submitted_on": "2026-03-01", "audited": true, "income_taka": 1250000, "expenditure_taka": 1180000}))]
pub struct AnnualReportView {
    pub year: i32,
    pub submitted_on: NaiveDate,
    pub audited: bool,
    pub income_taka: i64,
    pub expenditure_taka: i64,
}

impl From<&AnnualReportRow> for AnnualReportView {
    fn from(r: &AnnualReportRow) -> Self {
        AnnualReportView {
            year: r.year,
            submitted_on: r.submitted_on,
            audited: r.audited,
            income_taka: r.income_taka,
            expenditure_taka: r.expenditure_taka,
        }
    }
}

/// A grant through the Social Welfare Council.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000e101", "fiscal_year": "2025-26", "amount_taka": 50000,
    "purpose": "Sewing training for 20 women", "granted_on": "2026-01-15"}))]
pub struct GrantView {
    pub id: Uuid,
    /// The fiscal year of the grant (one a year).
    pub fiscal_year: String,
    pub amount_taka: i64,
    pub purpose: String,
    pub granted_on: NaiveDate,
}

impl From<&GrantRow> for GrantView {
    fn from(g: &GrantRow) -> Self {
        GrantView {
            id: g.id.0,
            fiscal_year: FiscalYear(g.fiscal_year).to_string(),
            amount_taka: g.amount_taka,
            purpose: g.purpose.clone(),
            granted_on: g.granted_on,
        }
    }
}

/// A change in the register, on the day it took effect.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"action": "approve", "status_before": "applied", "status_after": "registered", "on_date": "2026-02-20",
    "reason": null, "occurred_at": "2026-02-20T06:00:00Z"}))]
pub struct RegisterEventView {
    /// `apply`, `approve`, `refuse`, `suspend`, `reinstate` or `dissolve`.
    pub action: String,
    #[schema(value_type = Option<crate::codes::OrganisationStatusCode>)]
    pub status_before: Option<String>,
    #[schema(value_type = crate::codes::OrganisationStatusCode)]
    pub status_after: String,
    pub on_date: NaiveDate,
    pub reason: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

/// An organisation with its reports, grants and timeline.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"organisation": {"id": "01936f5e-0000-7000-8000-00000000e001", "name_en": null, "name_bn": "খিলগাঁও মহিলা কল্যাণ সমিতি",
    "address": "Khilgaon, Dhaka", "division_id": 3, "district_id": 26, "upazila_id": 1001, "status": "applied",
    "status_label": {"en": "Applied for registration", "bn": "নিবন্ধনের জন্য আবেদনকৃত"}, "applied_on": "2026-01-10", "documents": ["constitution"],
    "inspected_on": null, "inspected_by": null, "inspection_recommends": null, "inspection_notes": null, "registration_number": null,
    "registered_on": null, "decided_on": null, "status_reason": null, "committee": [], "committee_since": "2026-01-10", "version": 1,
    "created_at": "2026-01-10T05:00:00Z"}, "annual_reports": [], "grants": [], "timeline": []}))]
pub struct OrganisationDetail {
    pub organisation: OrganisationView,
    pub annual_reports: Vec<AnnualReportView>,
    pub grants: Vec<GrantView>,
    pub timeline: Vec<RegisterEventView>,
}

fn detail(conn: &mut PgConnection, o: &OrganisationRow) -> Result<OrganisationDetail, ApiError> {
    Ok(OrganisationDetail {
        organisation: organisation_view(o),
        annual_reports: repo::annual_reports(conn, o.id)?.iter().map(Into::into).collect(),
        grants: repo::grants(conn, o.id)?.iter().map(Into::into).collect(),
        timeline: repo::events(conn, o.id)?
            .into_iter()
            .map(|e| RegisterEventView {
                action: e.action,
                status_before: e.status_before,
                status_after: e.status_after,
                on_date: e.on_date,
                reason: e.reason,
                occurred_at: e.occurred_at,
            })
            .collect(),
    })
}

fn respond(d: OrganisationDetail) -> HttpResponse {
    HttpResponse::Ok().insert_header((ETAG, etag(d.organisation.version))).json(d)
}

/// `field` is a day between `earliest` and today (Asia/Dhaka).
fn check_day(field: &str, on: NaiveDate, earliest: NaiveDate) -> Result<(), ApiError> {
    crate::handlers::step_day(field, on, Some(earliest))
}

/// An application for registration.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"name_en": "Khilgaon Mohila Kalyan Samity", "name_bn": "খিলগাঁও মহিলা কল্যাণ সমিতি",
    "address": "12 Khilgaon Chowdhurypara, Dhaka", "upazila_id": 1, "applied_on": "2026-01-10",
    "documents": ["constitution", "committee_list", "formation_minutes"],
    "committee": [{"name": "Rokeya Begum", "position": "president"}, {"name": "Shahana Akter", "position": "general_secretary"}, {"name": "Mina Das", "position": "treasurer"}]}))]
pub struct ApplyRequest {
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub name_en: Option<String>,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub name_bn: String,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub address: String,
    /// Where its office is (a thana or pourashava in a city).
    pub upazila_id: i32,
    pub applied_on: NaiveDate,
    #[schema(value_type = Vec<crate::codes::RegistrationDocumentCode>)]
    pub documents: Vec<RegistrationDocument>,
    #[validate(length(min = 3, max = 50), nested)]
    #[schema(min_items = 3, max_items = 50)]
    pub committee: Vec<CommitteeMember>,
}

/// Take an application for registration. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "apply_for_registration", tag = "voluntary_organisations", request_body = ApplyRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded; `Location` and `ETag` set", body = OrganisationDetail),
        (status = 422, description = "Invalid fields, a committee without its officers, or a date in the future", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/voluntary-organisations")]
pub async fn apply_for_registration(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<ApplyRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let committee = committee_of(&b.committee)?;
    check_day("applied_on", b.applied_on, NaiveDate::from_ymd_opt(1961, 1, 1).unwrap_or_default())?;
    let mut documents: Vec<String> = b.documents.iter().map(|d| d.code().to_owned()).collect();
    documents.sort();
    documents.dedup();
    let fingerprint =
        idempotency::fingerprint(&["apply_for_registration", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let area = upazila_area(conn, b.upazila_id, "upazila_id")?;
        require(conn, &who, Permission::ManageVoluntaryOrganisations, &area_subject(area))?;
        let row = repo::insert(
            conn,
            &NewOrganisation {
                name_en: b.name_en.as_deref().map(str::trim),
                name_bn: b.name_bn.trim(),
                address: b.address.trim(),
                area,
                applied_on: b.applied_on,
                documents,
                committee,
                by: who.user_id,
            },
        )?;
        crate::pipeline::audit_created(
            conn,
            &who,
            "voluntary_organisation.apply",
            row.id,
            &row,
            serde_json::json!({"name_bn": row.name_bn}),
        )?;
        let d = detail(conn, &row)?;
        Ok(Created {
            location: Some(format!("/api/v1/voluntary-organisations/{}", row.id)),
            etag: Some(etag(row.version)),
            body: d,
        })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    /// Part of the name, in Bangla or English (case-insensitive).
    #[param(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: Option<String>,
    #[param(value_type = Option<crate::codes::OrganisationStatusCode>)]
    pub status: Option<String>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Search the register within your scope.
#[utoipa::path(operation_id = "list_voluntary_organisations", tag = "voluntary_organisations", params(OrganisationQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of organisations", body = ListPage<OrganisationView>),
        (status = 422, description = "An unknown status", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/voluntary-organisations")]
pub async fn list_voluntary_organisations(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<OrganisationQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    if q.name.as_deref().is_some_and(|n| n.trim().is_empty() || n.chars().count() > 200) {
        return Err(ApiError::field_coded("name", "invalid_length", "give 1 to 200 characters of the name"));
    }
    let filter = OrganisationFilter {
        name: q.name.map(|n| n.trim().to_owned()),
        status: crate::codes::check_filter("status", &q.status, OrganisationStatus::parse)?,
        district_id: q.district_id,
        upazila_id: q.upazila_id,
    };
    let page = read(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadVoluntaryOrganisations, &own)?;
        Ok(repo::list(conn, actor.scope, &filter, after, limit)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| organisation_view(&r))))
}

/// One organisation, with its annual reports, grants and timeline.
#[utoipa::path(operation_id = "get_voluntary_organisation", tag = "voluntary_organisations",
    params(("organisation_id" = Uuid, Path, description = "The organisation")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The organisation; `ETag` set", body = OrganisationDetail),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/voluntary-organisations/{organisation_id}")]
pub async fn get_voluntary_organisation(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<VoluntaryOrganisationId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let d = read(&state, move |conn| {
        let o = repo::find(conn, id)?.ok_or(ApiError::NotFound("voluntary organisation"))?;
        require(conn, &who, Permission::ReadVoluntaryOrganisations, &subject(&o))?;
        detail(conn, &o)
    })
    .await?;
    Ok(respond(d))
}

crate::pipeline::record!(OrganisationRow {
    id: VoluntaryOrganisationId,
    kind: "voluntary_organisation",
    noun: "voluntary organisation",
    lock: repo::find_for_update,
    subject: |r, _| Ok(subject(r)),
    summary: |r| serde_json::json!({"status": r.status.code(), "registration_number": r.registration_number, "version": r.version}),
});

/// The answer to every change: the organisation's detail.
fn answer(conn: &mut PgConnection, _: &Principal, o: &OrganisationRow) -> Result<OrganisationDetail, ApiError> {
    detail(conn, o)
}

fn facts(o: &OrganisationRow) -> RegistrationFacts {
    RegistrationFacts {
        documents: o.documents.iter().filter_map(|d| RegistrationDocument::parse(d)).collect(),
        inspection_recommends: o.inspection_recommends,
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"inspected_on": "2026-02-01", "inspected_by": "Upazila social services officer", "recommends": true,
    "notes": "Office and records seen"}))]
pub struct InspectionRequest {
    pub inspected_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub inspected_by: String,
    /// Whether the inspection recommends registration.
    pub recommends: bool,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// Record the inspection of an application. Requires `If-Match`.
#[utoipa::path(operation_id = "record_registration_inspection", tag = "voluntary_organisations", request_body = InspectionRequest,
    params(("organisation_id" = Uuid, Path, description = "The organisation"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; new `ETag`", body = OrganisationDetail),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not an application", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or dates", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/voluntary-organisations/{organisation_id}/inspection")]
pub async fn record_registration_inspection(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<VoluntaryOrganisationId>,
    body: ApiJson<InspectionRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let inspect = Step::new("voluntary_organisation.inspect", Permission::ManageVoluntaryOrganisations);
    let done = pipeline::change(&req, &state, who, path.into_inner(), inspect, answer, move |conn, _, o| {
        step(o.status, RegistrationStep::Inspect, &facts(&o))?;
        check_day("inspected_on", b.inspected_on, o.applied_on)?;
        let notes = b.notes.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let after = repo::inspect(conn, o.id, (b.inspected_on, b.inspected_by.trim(), b.recommends, notes))?;
        Outcome::with(after, serde_json::json!({"recommends": b.recommends}))
    })
    .await?;
    Ok(done.ok())
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"approve": true, "decided_on": "2026-02-20"}))]
pub struct RegistrationDecisionRequest {
    pub approve: bool,
    pub decided_on: NaiveDate,
    /// Required to refuse.
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

/// Register (with the district's next number) or refuse an application. Requires `If-Match`.
#[utoipa::path(operation_id = "decide_registration", tag = "voluntary_organisations", request_body = RegistrationDecisionRequest,
    params(("organisation_id" = Uuid, Path, description = "The organisation"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decided; new `ETag`", body = OrganisationDetail),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not an application, not inspected with a recommendation, or documents missing", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A refusal without a reason, or a bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/voluntary-organisations/{organisation_id}/decision")]
pub async fn decide_registration(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<VoluntaryOrganisationId>,
    body: ApiJson<RegistrationDecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let reason = b.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    if !b.approve && reason.is_none() {
        return Err(ApiError::field_coded("reason", "required", "a refusal gives its reason"));
    }
    let decide = Step::new("voluntary_organisation.decide", Permission::DecideRegistrations);
    let done = pipeline::change(&req, &state, who, path.into_inner(), decide, answer, move |conn, cx, o| {
        let (kind, action) =
            if b.approve { (RegistrationStep::Approve, "approve") } else { (RegistrationStep::Refuse, "refuse") };
        let next = step(o.status, kind, &facts(&o))?;
        check_day("decided_on", b.decided_on, o.inspected_on.unwrap_or(o.applied_on))?;
        let number = if b.approve {
            Some(registration_number(o.district_id, repo::next_registration_number(conn, o.district_id)?))
        } else {
            None
        };
        let event = StatusEvent {
            action,
            before: Some(o.status),
            after: next,
            on: b.decided_on,
            reason: reason.as_deref(),
            by: cx.who.user_id,
        };
        let after = repo::set_status(conn, &o, &event, number.as_deref().map(|n| (n, b.decided_on)))?;
        Ok(Outcome::new(after).named(format!("voluntary_organisation.{action}")))
    })
    .await?;
    Ok(done.ok())
}

/// What happens to a registration.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[schema(example = "suspend")]
pub enum RegistrationAction {
    Suspend,
    Reinstate,
    Dissolve,
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"action": "suspend", "on": "2026-06-01", "reason": "No annual report for two years"}))]
pub struct RegistrationStatusRequest {
    pub action: RegistrationAction,
    /// The day it takes effect.
    pub on: NaiveDate,
    /// Required to suspend or dissolve.
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

/// Suspend, reinstate or dissolve a registered organisation. Requires `If-Match`.
#[utoipa::path(operation_id = "change_registration_status", tag = "voluntary_organisations", request_body = RegistrationStatusRequest,
    params(("organisation_id" = Uuid, Path, description = "The organisation"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed; new `ETag`", body = OrganisationDetail),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not possible in its status", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, or a bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/voluntary-organisations/{organisation_id}/status")]
pub async fn change_registration_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<VoluntaryOrganisationId>,
    body: ApiJson<RegistrationStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let reason = b.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    if b.action != RegistrationAction::Reinstate && reason.is_none() {
        return Err(ApiError::field_coded("reason", "required", "a suspension or dissolution gives its reason"));
    }
    let change = Step::new("voluntary_organisation.status", Permission::DecideRegistrations);
    let done = pipeline::change(&req, &state, who, path.into_inner(), change, answer, move |conn, cx, o| {
        let (kind, action) = match b.action {
            RegistrationAction::Suspend => (RegistrationStep::Suspend, "suspend"),
            RegistrationAction::Reinstate => (RegistrationStep::Reinstate, "reinstate"),
            RegistrationAction::Dissolve => (RegistrationStep::Dissolve, "dissolve"),
        };
        let next = step(o.status, kind, &facts(&o))?;
        check_day("on", b.on, o.decided_on.or(o.registered_on).unwrap_or(o.applied_on))?;
        let event =
            StatusEvent { action, before: Some(o.status), after: next, on: b.on, reason: reason.as_deref(), by: cx.who.user_id };
        let after = repo::set_status(conn, &o, &event, None)?;
        Ok(Outcome::with(after, serde_json::json!({"reason": reason}))?.named(format!("voluntary_organisation.{action}")))
    })
    .await?;
    Ok(done.ok())
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"since": "2026-07-01", "members": [{"name": "Nasima Khatun", "position": "president"},
    {"name": "Shahana Akter", "position": "general_secretary"}, {"name": "Mina Das", "position": "treasurer"}]}))]
pub struct CommitteeRequest {
    /// The day the new committee took office.
    pub since: NaiveDate,
    #[validate(length(min = 3, max = 50), nested)]
    #[schema(min_items = 3, max_items = 50)]
    pub members: Vec<CommitteeMember>,
}

/// Record a new executive committee. Requires `If-Match`.
#[utoipa::path(operation_id = "change_committee", tag = "voluntary_organisations", request_body = CommitteeRequest,
    params(("organisation_id" = Uuid, Path, description = "The organisation"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; new `ETag`", body = OrganisationDetail),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not registered", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A committee without its officers, or a bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/voluntary-organisations/{organisation_id}/committee")]
pub async fn change_committee(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<VoluntaryOrganisationId>,
    body: ApiJson<CommitteeRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let committee = committee_of(&b.members)?;
    let change = Step::new("voluntary_organisation.committee", Permission::ManageVoluntaryOrganisations);
    let done = pipeline::change(&req, &state, who, path.into_inner(), change, answer, move |conn, _, o| {
        may_file(o.status, false)?;
        check_day("since", b.since, o.committee_since.unwrap_or(o.applied_on))?;
        let after = repo::change_committee(conn, o.id, &committee, b.since)?;
        Outcome::with(after, serde_json::json!({"committee_before": o.committee, "committee": committee}))
    })
    .await?;
    Ok(done.ok())
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"year": 2025, "submitted_on": "2026-03-01", "audited": true, "income_taka": 1250000, "expenditure_taka": 1180000}))]
pub struct AnnualReportRequest {
    /// The calendar year reported on.
    pub year: i32,
    pub submitted_on: NaiveDate,
    /// Whether audited accounts came with it.
    pub audited: bool,
    // (`voluntary.report_amounts`: 0 to 1,000,000,000,000.)
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub income_taka: i64,
    // (`voluntary.report_amounts`: 0 to 1,000,000,000,000.)
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub expenditure_taka: i64,
}

/// File a year's report and accounts (one per year). Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "file_annual_report", tag = "voluntary_organisations", request_body = AnnualReportRequest,
    params(("organisation_id" = Uuid, Path, description = "The organisation"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Filed", body = AnnualReportView),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not registered, or that year's report is filed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A year not ended, or a date in the future", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/voluntary-organisations/{organisation_id}/annual-reports")]
pub async fn file_annual_report(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    path: web::Path<VoluntaryOrganisationId>,
    body: ApiJson<AnnualReportRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    check_annual_report(b.year, b.submitted_on, today())?;
    domain::voluntary::REPORT_AMOUNT.check(b.income_taka)?;
    domain::voluntary::REPORT_AMOUNT.check(b.expenditure_taka)?;
    let fingerprint = idempotency::fingerprint(&[
        "file_annual_report",
        &id.to_string(),
        &serde_json::to_string(&b).map_err(ApiError::internal)?,
    ]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let step = Step::new("voluntary_organisation.annual_report", Permission::ManageVoluntaryOrganisations);
        let filed = pipeline::under(conn, &who, id, step, |conn, cx, o: &OrganisationRow| {
            may_file(o.status, false)?;
            let row = AnnualReportRow {
                organisation_id: o.id,
                year: b.year,
                submitted_on: b.submitted_on,
                audited: b.audited,
                income_taka: b.income_taka,
                expenditure_taka: b.expenditure_taka,
            };
            let filed = repo::file_annual_report(conn, &row, cx.who.user_id)?.ok_or(domain::voluntary::ANNUAL_REPORT_FILED)?;
            Ok((filed, serde_json::json!({"year": b.year, "audited": b.audited})))
        })?;
        Ok(Created {
            location: Some(format!("/api/v1/voluntary-organisations/{id}")),
            etag: None,
            body: AnnualReportView::from(&filed),
        })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"amount_taka": 50000, "purpose": "Sewing training for 20 women", "granted_on": "2026-01-15"}))]
pub struct GrantRequest {
    // (`voluntary.grant_amount`: 1 to 100,000,000.)
    #[schema(minimum = 1, maximum = 100_000_000)]
    pub amount_taka: i64,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub purpose: String,
    pub granted_on: NaiveDate,
}

/// Record a grant through the Social Welfare Council: one a fiscal year, to a registered
/// organisation that is not suspended. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "record_council_grant", tag = "voluntary_organisations", request_body = GrantRequest,
    params(("organisation_id" = Uuid, Path, description = "The organisation"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = GrantView),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not registered or suspended, or already granted this fiscal year", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or a date in the future", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/voluntary-organisations/{organisation_id}/grants")]
pub async fn record_council_grant(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    path: web::Path<VoluntaryOrganisationId>,
    body: ApiJson<GrantRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    domain::voluntary::GRANT_AMOUNT.check(b.amount_taka)?;
    let fingerprint = idempotency::fingerprint(&[
        "record_council_grant",
        &id.to_string(),
        &serde_json::to_string(&b).map_err(ApiError::internal)?,
    ]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let step = Step::new("voluntary_organisation.grant", Permission::RecordCouncilGrants);
        let g = pipeline::under(conn, &who, id, step, |conn, cx, o: &OrganisationRow| {
            may_file(o.status, true)?;
            check_day("granted_on", b.granted_on, o.registered_on.unwrap_or(o.applied_on))?;
            domain::voluntary::check_registered_on(&repo::timeline(conn, o.id)?, b.granted_on)?;
            let fy = FiscalYear::of(b.granted_on);
            let g = repo::grant(conn, o.id, (fy.0, b.amount_taka, b.purpose.trim(), b.granted_on), cx.who.user_id)?
                .ok_or(domain::voluntary::ONE_GRANT_A_YEAR)?;
            let detail = serde_json::json!({"amount_taka": g.amount_taka, "fiscal_year": fy.to_string()});
            Ok((g, detail))
        })?;
        Ok(Created { location: Some(format!("/api/v1/voluntary-organisations/{id}")), etag: None, body: GrantView::from(&g) })
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"voluntary_organisation_id": "01936f5e-0000-7000-8000-00000000e001"}))]
pub struct PartnerRegistrationRequest {
    /// A registered (or suspended) organisation.
    pub voluntary_organisation_id: Uuid,
}

/// Link a partner organisation to its registration as a voluntary organisation. Requires `If-Match`.
#[utoipa::path(operation_id = "link_partner_registration", tag = "facilities", request_body = PartnerRegistrationRequest,
    params(("partner_id" = Uuid, Path, description = "The partner organisation"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Linked; new `ETag`", body = crate::handlers::facilities::PartnerView),
        (status = 404, description = "No such partner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation is not registered, or is another partner's", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/partner-organisations/{partner_id}/registration")]
pub async fn link_partner_registration(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<PartnerId>,
    body: ApiJson<PartnerRegistrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let (partner, org) = (path.into_inner(), VoluntaryOrganisationId(body.0.voluntary_organisation_id));
    let step = Step::new("partner_organisation.registration", Permission::ManageFacilities);
    let done = pipeline::change(
        &req,
        &state,
        who,
        partner,
        step,
        |_, _, p: &PartnerRow| Ok(crate::handlers::facilities::PartnerView::from(p.clone())),
        move |conn, _, p: PartnerRow| {
            let o = repo::find(conn, org)?
                .ok_or_else(|| ApiError::field_coded("voluntary_organisation_id", "not_found", "no such organisation"))?;
            may_file(o.status, false)?;
            if !repo::link_partner(conn, partner, org)? {
                return Err(domain::voluntary::REGISTRATION_LINKED.into());
            }
            let after = persistence::facilities::find_partner(conn, p.id)?.ok_or(ApiError::NotFound("partner organisation"))?;
            Ok(Outcome::new(after))
        },
    )
    .await?;
    Ok(done.ok())
}
