use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Permission;
use domain::allowance::eligibility::{priority_score, PriorityWeights};
use domain::allowance::enrolment::{self, Admission, ApplicationStatus, EnrolmentRefusal};
use domain::allowance::{evaluate, Facts, FiscalYear, ProgrammeVersion, Verdict};
use domain::id::{ApplicationId, BeneficiaryId, PersonId};
use persistence::enrolment::{
    self as repo, ApplicationChange, ApplicationFilter, ApplicationRow, BeneficiaryConflict, NewApplication, NewBeneficiary,
};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::area;
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::handlers::programmes::{apply_recorded, facts_from, recorded_facts, FactsInput};
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Outcome, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::{read, transact};
use crate::views::LabelView;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-0000-7000-8000-0000000000a5", "programme": "old_age", "person_id": "01936f5e-0000-7000-8000-0000000000cc",
    "division_id": 1, "district_id": 1, "upazila_id": 1, "status": "submitted", "status_label": {"en": "Submitted", "bn": "জমা দেওয়া হয়েছে"},
    "verdict": "eligible", "reasons": [], "priority_score": 72, "submitted_on": "2026-01-15", "verified_on": null, "decided_on": null,
    "note": null, "version": 1, "created_at": "2026-01-15T04:00:00Z"
}))]
pub struct ApplicationView {
    pub id: Uuid,
    #[schema(value_type = crate::codes::ProgrammeCode)]
    pub programme: String,
    pub person_id: Uuid,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[schema(value_type = crate::codes::ApplicationStatusCode)]
    pub status: String,
    pub status_label: LabelView,
    /// Eligibility on the facts as last checked: `eligible`, `ineligible`, `needs_verification`.
    #[schema(value_type = crate::codes::VerdictCode)]
    pub verdict: String,
    /// Every failed criterion and fact to verify, in English and Bangla.
    #[schema(value_type = Object)]
    pub reasons: serde_json::Value,
    /// Waiting-list priority.
    pub priority_score: i32,
    pub submitted_on: NaiveDate,
    pub verified_on: Option<NaiveDate>,
    pub decided_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

pub(crate) fn application_view(r: &ApplicationRow) -> ApplicationView {
    ApplicationView {
        id: r.id.0,
        programme: r.programme_code.clone(),
        person_id: r.person_id.0,
        division_id: r.division_id,
        district_id: r.district_id,
        upazila_id: r.upazila_id,
        status: r.status.into(),
        status_label: r.status.label().into(),
        verdict: r.verdict.into(),
        reasons: r.reasons.clone(),
        priority_score: r.priority_score,
        submitted_on: r.submitted_on,
        verified_on: r.verified_on,
        decided_on: r.decided_on,
        note: r.note.clone(),
        version: r.version,
        created_at: r.created_at,
    }
}

fn reasons_json(facts: &Facts, p: &ProgrammeVersion, as_of: NaiveDate) -> (Verdict, serde_json::Value) {
    let e = evaluate(facts, p, as_of);
    (e.verdict, serde_json::to_value(e.reasons(p)).unwrap_or_default())
}

fn programme_in_force(conn: &mut PgConnection, code: &str, today: NaiveDate) -> Result<ProgrammeVersion, ApiError> {
    persistence::programmes::in_force(conn, today)?
        .into_iter()
        .find(|p| p.code == code)
        .ok_or_else(|| ApiError::field_coded("programme", "not_found", "no such programme in force"))
}

/// An application for an allowance.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"programme": "old_age", "person_id": "01936f5e-0000-7000-8000-0000000000cc",
    "facts": {"annual_income_taka": 8000, "landless": true}}))]
pub struct SubmitApplicationRequest {
    #[schema(value_type = crate::codes::ProgrammeCode)]
    pub programme: String,
    /// The applicant, on record with an address (union): the application belongs to that upazila.
    pub person_id: Uuid,
    /// What the applicant declares (sex, birth date and current allowances come from the records).
    #[validate(nested)]
    #[serde(default)]
    pub facts: FactsInput,
}

/// Take an application; eligibility is checked at once and shown with its reasons. Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "submit_application", tag = "allowances",
    request_body = SubmitApplicationRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Taken, with the eligibility verdict", body = ApplicationView),
        (status = 403, description = "Not permitted in the applicant's upazila", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already applied for or receiving this programme", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid facts, programme, or a person without an address", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/applications")]
pub async fn submit_application(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<SubmitApplicationRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let fingerprint = idempotency::fingerprint(&["submit_application", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::SubmitApplications, &own)?;
        let person = persistence::persons::find_visible(conn, actor.scope, who.user_id, PersonId(b.person_id))?
            .ok_or_else(|| ApiError::field_coded("person_id", "not_found", "no such person (or not one you may see)"))?;
        let (Some(division), Some(district), Some(upazila)) = (person.division_id, person.district_id, person.upazila_id) else {
            return Err(ApiError::field(
                "person_id",
                "record the person's address (union) first: the application belongs to that upazila",
            ));
        };
        require(conn, &who, Permission::SubmitApplications, &area(division, district, upazila))?;
        let today = domain::time::dhaka_date(Utc::now());
        let programme = programme_in_force(conn, &b.programme, today)?;
        let receiving = repo::receiving(conn, person.id)?;
        if receiving.iter().any(|(code, _)| *code == programme.code) {
            return Err(EnrolmentRefusal::AlreadyEnrolled.refusal().into());
        }
        let programmes = persistence::programmes::in_force(conn, today)?;
        let (recorded, _) = recorded_facts(conn, &person, today)?;
        let mut facts = facts_from(&b.facts, &programmes, recorded.clone())?;
        apply_recorded(&mut facts, &recorded);
        let (verdict, reasons) = reasons_json(&facts, &programme, today);
        let row = repo::insert_application(
            conn,
            NewApplication {
                id: ApplicationId(Uuid::now_v7()),
                programme_code: programme.code.clone(),
                person_id: person.id,
                division_id: division,
                district_id: district,
                upazila_id: upazila,
                status: ApplicationStatus::Submitted,
                facts: serde_json::to_value(&facts).map_err(ApiError::internal)?,
                education_level: facts.enrolment.flatten().map(|l| l.code().to_owned()),
                verdict,
                reasons,
                priority_score: priority_score(&facts, today, &PriorityWeights::default()) as i32,
                submitted_on: today,
                created_by: Some(who.user_id),
            },
        )?
        .ok_or_else(|| ApiError::from(EnrolmentRefusal::AlreadyEnrolled.refusal()))?;
        pipeline::audit_created(conn, &who, "application.submit", row.id, &row, ())?;
        let view = application_view(&row);
        Ok(Created { location: Some(format!("/api/v1/applications/{}", row.id)), etag: Some(etag(view.version)), body: view })
    })
    .await
}

crate::pipeline::record!(ApplicationRow {
    id: ApplicationId,
    kind: "application",
    noun: "application",
    lock: repo::find_application_for_update,
    subject: |r, _| Ok(area(r.division_id, r.district_id, r.upazila_id)),
    summary: |r| serde_json::json!({"status": r.status.code(), "verdict": r.verdict.code(), "version": r.version}),
});

/// The answer to every change: the application.
fn answer(_: &mut PgConnection, _: &Principal, a: &ApplicationRow) -> Result<ApplicationView, ApiError> {
    Ok(application_view(a))
}

/// The union/ward committee's verification.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"accept": true, "note": "Home visit on 20 January", "facts": {"annual_income_taka": 7500}}))]
pub struct VerificationRequest {
    /// Verified, or rejected.
    pub accept: bool,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub note: Option<String>,
    /// Facts as verified (they replace what was declared).
    #[validate(nested)]
    #[serde(default)]
    pub facts: FactsInput,
}

/// Verify (or reject) an application; a verified application must be eligible on the verified
/// facts. Requires `If-Match`.
#[utoipa::path(operation_id = "verify_application", tag = "allowances",
    request_body = VerificationRequest,
    params(("application_id" = Uuid, Path, description = "The application"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Verified or rejected", body = ApplicationView),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Wrong status, or not eligible", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/applications/{application_id}/verification")]
pub async fn verify_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<ApplicationId>,
    body: ApiJson<VerificationRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    let step = Step::new("application.verify", Permission::VerifyApplications);
    let done = pipeline::change(&req, &state, who, id, step, answer, move |conn, cx, app: ApplicationRow| {
        let today = domain::time::dhaka_date(Utc::now());
        let programme = programme_in_force(conn, &app.programme_code, today)?;
        let declared: Facts = serde_json::from_value(app.facts.clone()).map_err(ApiError::internal)?;
        let programmes = persistence::programmes::in_force(conn, today)?;
        let person = persistence::persons::find(conn, app.person_id)?.ok_or(ApiError::NotFound("person"))?;
        // Verified facts over declared ones; sex, age and allowances from the records.
        let mut facts = facts_from(&b.facts, &programmes, declared)?;
        apply_recorded(&mut facts, &recorded_facts(conn, &person, today)?.0);
        let (verdict, reasons) = reasons_json(&facts, &programme, today);
        let status = app.status;
        let next = enrolment::verify(status, b.accept, verdict == Verdict::Eligible).map_err(|r| ApiError::from(r.refusal()))?;
        let updated = repo::update_application(
            conn,
            id,
            ApplicationChange {
                status: next,
                verified_by: Some(cx.who.user_id),
                verified_on: Some(today),
                decided_by: app.decided_by,
                decided_on: app.decided_on,
                note: b.note.clone().or(app.note.clone()),
                verdict: Some(verdict.code().into()),
                reasons: Some(reasons),
                facts: Some(serde_json::to_value(&facts).map_err(ApiError::internal)?),
                priority_score: Some(priority_score(&facts, today, &PriorityWeights::default()) as i32),
            },
            Utc::now(),
        )?;
        Ok(Outcome::new(updated))
    })
    .await?;
    Ok(done.ok())
}

/// The upazila committee's decision.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"approve": true, "note": "Approved in the committee meeting of 1 February"}))]
pub struct ApplicationDecisionRequest {
    pub approve: bool,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub note: Option<String>,
}

/// Enrols a verified or waitlisted application if the quota has a place (locking the quota
/// row), else waitlists it. Returns the new application row and, when enrolled, the beneficiary.
pub(crate) fn admit(
    conn: &mut PgConnection,
    who: &Principal,
    app: &ApplicationRow,
    note: Option<String>,
    today: NaiveDate,
) -> Result<(ApplicationRow, Option<persistence::enrolment::BeneficiaryRow>), ApiError> {
    let status = app.status;
    let quota = repo::quota_for_update(conn, &app.programme_code, app.upazila_id, FiscalYear::of(today).0)?;
    let filled = repo::places_filled(conn, &app.programme_code, app.upazila_id)?;
    let admission =
        enrolment::approve(status, quota.map(|q| q.max(0) as u32), filled as u32).map_err(|r| ApiError::from(r.refusal()))?;
    let change = |status: ApplicationStatus| ApplicationChange {
        status,
        verified_by: app.verified_by,
        verified_on: app.verified_on,
        decided_by: Some(who.user_id),
        decided_on: Some(today),
        note: note.clone().or(app.note.clone()),
        verdict: None,
        reasons: None,
        facts: None,
        priority_score: None,
    };
    if admission == Admission::WaitingList {
        return Ok((repo::update_application(conn, app.id, change(ApplicationStatus::Waitlisted), Utc::now())?, None));
    }
    let person = persistence::persons::find(conn, app.person_id)?.ok_or(ApiError::NotFound("person"))?;
    let programme = programme_in_force(conn, &app.programme_code, today)?;
    let beneficiary = repo::insert_beneficiary(
        conn,
        NewBeneficiary {
            id: BeneficiaryId(Uuid::now_v7()),
            person_id: app.person_id,
            programme_code: app.programme_code.clone(),
            exclusivity_group: programme.exclusivity_group.clone(),
            application_id: app.id,
            division_id: app.division_id,
            district_id: app.district_id,
            upazila_id: app.upazila_id,
            sex: person.sex,
            education_level: app.education_level.map(|l| l.code().to_owned()),
            status: domain::allowance::enrolment::BeneficiaryStatus::Active,
            start_month: domain::time::first_of_month(today),
        },
    )?
    .map_err(|c| {
        ApiError::from(match c {
            BeneficiaryConflict::SameGroup => EnrolmentRefusal::ExclusiveAllowance.refusal(),
            BeneficiaryConflict::SameProgramme => EnrolmentRefusal::AlreadyEnrolled.refusal(),
        })
    })?;
    let updated = repo::update_application(conn, app.id, change(ApplicationStatus::Approved), Utc::now())?;
    let detail = serde_json::json!({"programme": beneficiary.programme_code, "application_id": app.id, "start_month": beneficiary.start_month});
    pipeline::audit_created(conn, who, "beneficiary.enrol", beneficiary.id, &beneficiary, detail)?;
    Ok((updated, Some(beneficiary)))
}

/// Approve within the quota (or onto the waiting list when it is full), or reject. Requires `If-Match`.
#[utoipa::path(operation_id = "decide_application", tag = "allowances",
    request_body = ApplicationDecisionRequest,
    params(("application_id" = Uuid, Path, description = "The application"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved, waitlisted or rejected", body = ApplicationView),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not verified, no quota, or already receiving an exclusive allowance", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/applications/{application_id}/decision")]
pub async fn decide_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<ApplicationId>,
    body: ApiJson<ApplicationDecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    let step = Step::new("application.decide", Permission::ApproveApplications);
    let done = pipeline::change(&req, &state, who, id, step, answer, move |conn, cx, app: ApplicationRow| {
        let today = domain::time::dhaka_date(Utc::now());
        let updated = if b.approve {
            admit(conn, cx.who, &app, b.note.clone(), today)?.0
        } else {
            let next = enrolment::reject(app.status).map_err(|r| ApiError::from(r.refusal()))?;
            repo::update_application(
                conn,
                id,
                ApplicationChange {
                    status: next,
                    verified_by: app.verified_by,
                    verified_on: app.verified_on,
                    decided_by: Some(cx.who.user_id),
                    decided_on: Some(today),
                    note: b.note.clone().or(app.note.clone()),
                    verdict: None,
                    reasons: None,
                    facts: None,
                    priority_score: None,
                },
                Utc::now(),
            )?
        };
        Ok(Outcome::new(updated))
    })
    .await?;
    Ok(done.ok())
}

/// One application.
#[utoipa::path(operation_id = "get_application", tag = "allowances",
    params(("application_id" = Uuid, Path, description = "The application")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The application; `ETag` set", body = ApplicationView),
        (status = 403, description = "Outside your area", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/applications/{application_id}")]
pub async fn get_application(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<ApplicationId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let row = read(&state, move |conn| {
        let app = repo::find_application(conn, id)?.ok_or(ApiError::NotFound("application"))?;
        require(conn, &who, Permission::ReadAllowances, &area(app.division_id, app.district_id, app.upazila_id))?;
        Ok(app)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(row.version))).json(application_view(&row)))
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    #[param(value_type = Option<crate::codes::ProgrammeCode>)]
    pub programme: Option<String>,
    /// `submitted`, `verified`, `rejected`, `approved`, `waitlisted`, `withdrawn`.
    #[param(value_type = Option<crate::codes::ApplicationStatusCode>)]
    pub status: Option<String>,
    pub upazila_id: Option<i32>,
    pub person_id: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Applications within your area.
#[utoipa::path(operation_id = "list_applications", tag = "allowances",
    params(ApplicationQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of applications", body = ListPage<ApplicationView>),
        (status = 422, description = "Unknown status", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<ApplicationQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    // (What was asked, for the audit row: a list of personal data is a read on record.)
    let asked = serde_json::to_value(&q).map_err(ApiError::internal)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    crate::codes::check_filter("programme", &q.programme, crate::codes::one_of(crate::codes::ProgrammeCode::codes()))?;
    let status = crate::codes::check_filter("status", &q.status, ApplicationStatus::parse)?;
    let filter =
        ApplicationFilter { programme_code: q.programme, status, upazila_id: q.upazila_id, person_id: q.person_id.map(PersonId) };
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadAllowances, &own)?;
        let page = repo::list_applications(conn, actor.scope, &filter, after, limit)?;
        who.audit_list(conn, "application", &asked, page.rows.iter().map(|r| r.id))?;
        Ok(page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| application_view(&r))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitingListQuery {
    #[param(value_type = crate::codes::ProgrammeCode)]
    pub programme: String,
    pub upazila_id: i32,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"data": [{"id": "01936f5e-0000-7000-8000-0000000000a5", "programme": "old_age", "person_id": "01936f5e-0000-7000-8000-0000000000cc",
    "division_id": 1, "district_id": 1, "upazila_id": 1, "status": "waitlisted", "status_label": {"en": "On the waiting list", "bn": "অপেক্ষমাণ তালিকায়"},
    "verdict": "eligible", "reasons": [], "priority_score": 95, "submitted_on": "2026-01-15", "verified_on": "2026-01-20", "decided_on": "2026-02-01",
    "note": null, "version": 3, "created_at": "2026-01-15T04:00:00Z"}]}))]
pub struct WaitingList {
    /// Highest priority first, then the earliest application.
    pub data: Vec<ApplicationView>,
}

/// The waiting list of a programme in an upazila, in the order places are filled.
#[utoipa::path(operation_id = "get_waiting_list", tag = "allowances",
    params(WaitingListQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The waiting list (at most 200)", body = WaitingList),
        (status = 403, description = "Outside your area", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such upazila", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/waiting-list")]
pub async fn get_waiting_list(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<WaitingListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    crate::codes::check_filter(
        "programme",
        &Some(q.programme.clone()),
        crate::codes::one_of(crate::codes::ProgrammeCode::codes()),
    )?;
    let list = read(&state, move |conn| {
        let path = persistence::geo::upazila_path(conn, domain::geo::UpazilaId(q.upazila_id))?
            .ok_or_else(|| ApiError::field_coded("upazila_id", "not_found", "no such upazila"))?;
        require(conn, &who, Permission::ReadAllowances, &domain::access::Subject::Area(path))?;
        Ok(WaitingList {
            data: repo::waiting_list(conn, &q.programme, q.upazila_id, 200)?.iter().map(application_view).collect(),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

// Keeps the education level code list in one place for the stipend rate lookups.
