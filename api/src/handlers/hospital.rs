//! Hospital social services: a poor patient's request to the office at a hospital, its
//! assessment, the aid given (typed items in taka), closure, and a burn victim's referral for
//! a rehabilitation loan. A patient's record is health data: each read is audited.

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::access::Permission;
use domain::facility::FacilityType;
use domain::hospital::{check_aid, may_assess, may_refer_for_rehabilitation, AidItem, AidKind, PatientStatus};
use domain::id::{FacilityId, HospitalPatientId, PersonId};
use domain::person::check_not_before_birth;
use persistence::hospital::{self as repo, Assessment, NewPatient, PatientFilter, PatientRow};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::handlers::facilities::facility_subject;
use crate::handlers::microcredit::today;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Outcome, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::transact;
use crate::views::LabelView;

/// An item of aid as given.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000f201", "given_on": "2026-06-03", "kind": "medicine",
    "kind_label": {"en": "Medicine", "bn": "ওষুধ"}, "description": "Antibiotics, 10 days", "amount_taka": 1500}))]
pub struct AidView {
    pub id: Uuid,
    pub given_on: NaiveDate,
    #[schema(value_type = crate::codes::AidKindCode)]
    pub kind: AidKind,
    pub kind_label: LabelView,
    pub description: Option<String>,
    pub amount_taka: i64,
}

/// A patient's request, its assessment and the aid given.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000f101", "facility_id": "01936f5e-0000-7000-8000-0000000000bb",
    "person_id": "01936f5e-0000-7000-8000-0000000000a1", "requested_on": "2026-06-01", "ailment": "Burns to both arms", "ward": "Burn unit, bed 12",
    "burn_victim": true, "status": "eligible", "status_label": {"en": "Assessed: qualifies for aid", "bn": "যাচাইকৃত: সহায়তার যোগ্য"},
    "assessed_on": "2026-06-02", "assessed_by": "Hospital social services officer", "household_income_taka": 6000, "assessment_notes": null,
    "aid_taka": 21500, "closed_on": null, "rehabilitation_referred_on": null, "aid": [], "rehabilitation_loan_ids": [], "version": 3}))]
pub struct PatientView {
    pub id: Uuid,
    pub facility_id: Uuid,
    pub person_id: Uuid,
    pub requested_on: NaiveDate,
    pub ailment: String,
    pub ward: Option<String>,
    pub burn_victim: bool,
    #[schema(value_type = crate::codes::PatientStatusCode)]
    pub status: PatientStatus,
    pub status_label: LabelView,
    pub assessed_on: Option<NaiveDate>,
    pub assessed_by: Option<String>,
    pub household_income_taka: Option<i64>,
    pub assessment_notes: Option<String>,
    /// All aid given on this record, in taka.
    pub aid_taka: i64,
    pub closed_on: Option<NaiveDate>,
    pub rehabilitation_referred_on: Option<NaiveDate>,
    /// The items given (in a single record's view; empty in lists).
    pub aid: Vec<AidView>,
    /// The person's loans in the burn and disability rehabilitation programme (in a single
    /// record's view).
    pub rehabilitation_loan_ids: Vec<Uuid>,
    /// The `ETag` value.
    pub version: i32,
}

fn patient_view(p: &PatientRow) -> PatientView {
    PatientView {
        id: p.id.0,
        facility_id: p.facility_id.0,
        person_id: p.person_id.0,
        requested_on: p.requested_on,
        ailment: p.ailment.clone(),
        ward: p.ward.clone(),
        burn_victim: p.burn_victim,
        status: p.status,
        status_label: p.status.label().into(),
        assessed_on: p.assessed_on,
        assessed_by: p.assessed_by.clone(),
        household_income_taka: p.household_income_taka,
        assessment_notes: p.assessment_notes.clone(),
        aid_taka: p.aid_taka,
        closed_on: p.closed_on,
        rehabilitation_referred_on: p.rehabilitation_referred_on,
        aid: vec![],
        rehabilitation_loan_ids: vec![],
        version: p.version,
    }
}

fn full_view(conn: &mut PgConnection, p: &PatientRow) -> Result<PatientView, ApiError> {
    let mut v = patient_view(p);
    v.aid = repo::aid_of(conn, p.id)?
        .into_iter()
        .map(|a| AidView {
            id: a.id.0,
            given_on: a.given_on,
            kind: a.kind,
            kind_label: a.kind.label().into(),
            description: a.description,
            amount_taka: a.amount_taka,
        })
        .collect();
    v.rehabilitation_loan_ids = repo::rehabilitation_loans(conn, p.person_id)?.into_iter().map(Uuid::from).collect();
    Ok(v)
}

pub(crate) fn subject_of(conn: &mut PgConnection, facility: FacilityId) -> Result<domain::access::Subject, ApiError> {
    let f = persistence::facilities::find(conn, facility)?.ok_or(ApiError::NotFound("facility"))?;
    facility_subject(conn, &f)
}

/// A patient's request for help.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"facility_id": "01936f5e-0000-7000-8000-0000000000bb", "person_id": "01936f5e-0000-7000-8000-0000000000a1",
    "requested_on": "2026-06-01", "ailment": "Burns to both arms", "ward": "Burn unit, bed 12", "burn_victim": true}))]
pub struct PatientRequest {
    /// The hospital social services office.
    pub facility_id: Uuid,
    pub person_id: Uuid,
    pub requested_on: NaiveDate,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub ailment: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub ward: Option<String>,
    #[serde(default)]
    pub burn_victim: bool,
}

/// Take a patient's request. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "take_patient_request", tag = "hospital_social_services", request_body = PatientRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded; `Location` and `ETag` set", body = PatientView),
        (status = 409, description = "The facility is not a hospital social services office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, a person you may not see, or a date in the future", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/hospital-patients")]
pub async fn take_patient_request(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<PatientRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    crate::handlers::step_day("requested_on", b.requested_on, None)?;
    let fingerprint =
        idempotency::fingerprint(&["take_patient_request", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let f = persistence::facilities::find(conn, FacilityId(b.facility_id))?
            .ok_or_else(|| ApiError::field_coded("facility_id", "not_found", "no such facility"))?;
        let subject = facility_subject(conn, &f)?;
        let actor = require(conn, &who, Permission::ManageHospitalPatients, &subject)?;
        if f.facility_type != FacilityType::HospitalSocialServices {
            return Err(domain::hospital::NOT_A_HOSPITAL_OFFICE.into());
        }
        let person = persistence::persons::find_visible(conn, actor.scope, who.user_id, PersonId(b.person_id))?
            .ok_or_else(|| ApiError::field_coded("person_id", "not_found", "no such person (or not one you may see)"))?;
        check_not_before_birth(domain::hospital::REQUESTED_BEFORE_BIRTH, b.requested_on, person.date_of_birth)?;
        let row = repo::insert(
            conn,
            &NewPatient {
                facility: &f,
                person_id: person.id,
                requested_on: b.requested_on,
                ailment: b.ailment.trim(),
                ward: b.ward.as_deref().map(str::trim),
                burn_victim: b.burn_victim,
                by: who.user_id,
            },
        )?;
        crate::pipeline::audit_created(
            conn,
            &who,
            "hospital_patient.request",
            row.id,
            &row,
            serde_json::json!({"burn_victim": row.burn_victim}),
        )?;
        Ok(Created {
            location: Some(format!("/api/v1/hospital-patients/{}", row.id)),
            etag: Some(etag(row.version)),
            body: patient_view(&row),
        })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PatientQuery {
    pub facility_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    #[param(value_type = Option<crate::codes::PatientStatusCode>)]
    pub status: Option<String>,
    pub burn_victim: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Patients' requests within your scope (without their aid items).
#[utoipa::path(operation_id = "list_hospital_patients", tag = "hospital_social_services", params(PatientQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of requests", body = ListPage<PatientView>),
        (status = 422, description = "An unknown status", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/hospital-patients")]
pub async fn list_hospital_patients(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<PatientQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    // (What was asked, for the audit row: a list of personal data is a read on record.)
    let asked = serde_json::to_value(&q).map_err(ApiError::internal)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let filter = PatientFilter {
        facility_id: q.facility_id.map(FacilityId),
        person_id: q.person_id.map(PersonId),
        status: crate::codes::check_filter("status", &q.status, PatientStatus::parse)?,
        burn_victim: q.burn_victim,
    };
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadHospitalPatients, &own)?;
        let page = repo::list(conn, actor.scope, &filter, after, limit)?;
        who.audit_list(conn, "hospital_patient", &asked, page.rows.iter().map(|r| r.id))?;
        Ok(page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| patient_view(&r))))
}

/// One patient's record with the aid given (the read is audited).
#[utoipa::path(operation_id = "get_hospital_patient", tag = "hospital_social_services",
    params(("patient_id" = Uuid, Path, description = "The request")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The record; `ETag` set", body = PatientView),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/hospital-patients/{patient_id}")]
pub async fn get_hospital_patient(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<HospitalPatientId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = transact(&state, move |conn| {
        let p = repo::find(conn, id)?.ok_or(ApiError::NotFound("patient request"))?;
        let subject = subject_of(conn, p.facility_id)?;
        require(conn, &who, Permission::ReadHospitalPatients, &subject)?;
        persistence::audit::record_read(conn, &who.audit_actor(), "hospital_patient", id.to_string(), Some(&who.request_id))?;
        full_view(conn, &p)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(view.version))).json(view))
}

crate::pipeline::record!(PatientRow {
    id: HospitalPatientId,
    kind: "hospital_patient",
    noun: "patient request",
    lock: repo::find_for_update,
    subject: |r, conn| subject_of(conn, r.facility_id),
    summary: |r| serde_json::json!({"status": r.status.code(), "aid_taka": r.aid_taka, "version": r.version}),
});

/// The answer to every change: the full record.
fn answer(conn: &mut PgConnection, _: &Principal, p: &PatientRow) -> Result<PatientView, ApiError> {
    full_view(conn, p)
}

const MANAGE: Permission = Permission::ManageHospitalPatients;

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"assessed_on": "2026-06-02", "assessed_by": "Hospital social services officer", "eligible": true,
    "household_income_taka": 6000, "notes": "Day labourer's family, no savings"}))]
pub struct PatientAssessmentRequest {
    pub assessed_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub assessed_by: String,
    /// Whether the patient qualifies for aid.
    pub eligible: bool,
    // (`hospital.household_income`: 0 to 100,000,000.)
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub household_income_taka: Option<i64>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// Record the assessment (once). Requires `If-Match`.
#[utoipa::path(operation_id = "assess_patient", tag = "hospital_social_services", request_body = PatientAssessmentRequest,
    params(("patient_id" = Uuid, Path, description = "The request"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Assessed; new `ETag`", body = PatientView),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already assessed or closed", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or dates", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/hospital-patients/{patient_id}/assessment")]
pub async fn assess_patient(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<HospitalPatientId>,
    body: ApiJson<PatientAssessmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let step = Step::new("hospital_patient.assess", MANAGE);
    let done = pipeline::change(&req, &state, who, path.into_inner(), step, answer, move |conn, _, p| {
        may_assess(p.status)?;
        crate::handlers::step_day("assessed_on", b.assessed_on, Some(p.requested_on))?;
        if let Some(income) = b.household_income_taka {
            domain::hospital::HOUSEHOLD_INCOME.check(income)?;
        }
        let notes = b.notes.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let after = repo::assess(
            conn,
            p.id,
            &Assessment {
                on: b.assessed_on,
                by: b.assessed_by.trim(),
                eligible: b.eligible,
                household_income_taka: b.household_income_taka,
                notes,
            },
        )?;
        Outcome::with(after, serde_json::json!({"eligible": b.eligible}))
    })
    .await?;
    Ok(done.ok())
}

/// One item of aid to give.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"kind": "medicine", "description": "Antibiotics, 10 days", "amount_taka": 1500}))]
pub struct AidItemRequest {
    #[schema(value_type = crate::codes::AidKindCode)]
    pub kind: AidKind,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub description: Option<String>,
    #[validate(range(min = 1, max = 200_000))]
    #[schema(minimum = 1, maximum = 200_000)]
    pub amount_taka: i64,
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"given_on": "2026-06-03", "items": [{"kind": "burn_treatment", "description": "Dressings and grafts", "amount_taka": 20000},
    {"kind": "medicine", "amount_taka": 1500}]}))]
pub struct AidRequest {
    pub given_on: NaiveDate,
    #[validate(length(min = 1, max = 20), nested)]
    #[schema(min_items = 1, max_items = 20)]
    pub items: Vec<AidItemRequest>,
}

/// Record aid given to an eligible patient. Requires `If-Match`.
#[utoipa::path(operation_id = "give_patient_aid", tag = "hospital_social_services", request_body = AidRequest,
    params(("patient_id" = Uuid, Path, description = "The request"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; new `ETag`", body = PatientView),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not assessed eligible, closed, or past the limit", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid items, burn treatment for someone not burned, or a bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/hospital-patients/{patient_id}/aid")]
pub async fn give_patient_aid(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<HospitalPatientId>,
    body: ApiJson<AidRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let step = Step::new("hospital_patient.aid", MANAGE);
    let done = pipeline::change(&req, &state, who, path.into_inner(), step, answer, move |conn, cx, p| {
        let items: Vec<AidItem> = b.items.iter().map(|i| AidItem { kind: i.kind, amount_taka: i.amount_taka }).collect();
        let total = check_aid(p.status, p.burn_victim, (p.requested_on, b.given_on, today()), p.aid_taka, &items)?;
        let rows: Vec<(AidKind, Option<&str>, i64)> =
            b.items.iter().map(|i| (i.kind, i.description.as_deref().map(str::trim), i.amount_taka)).collect();
        let after = repo::give_aid(conn, &p, b.given_on, &rows, cx.who.user_id)?;
        Outcome::with(after, serde_json::json!({"given_on": b.given_on, "items": b.items.len(), "amount_taka": total}))
    })
    .await?;
    Ok(done.ok())
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"on": "2026-06-10"}))]
pub struct PatientDateRequest {
    pub on: NaiveDate,
}

/// Close the record (discharged, referred elsewhere, or died). Requires `If-Match`.
#[utoipa::path(operation_id = "close_patient_request", tag = "hospital_social_services", request_body = PatientDateRequest,
    params(("patient_id" = Uuid, Path, description = "The request"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Closed; new `ETag`", body = PatientView),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already closed", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/hospital-patients/{patient_id}/closure")]
pub async fn close_patient_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<HospitalPatientId>,
    body: ApiJson<PatientDateRequest>,
) -> Result<HttpResponse, ApiError> {
    let on = body.0.on;
    let step = Step::new("hospital_patient.close", MANAGE);
    let done = pipeline::change(&req, &state, who, path.into_inner(), step, answer, move |conn, _, p| {
        if p.status == PatientStatus::Closed {
            return Err(domain::hospital::REQUEST_CLOSED.into());
        }
        crate::handlers::step_day("on", on, Some(p.requested_on))?;
        Outcome::with(repo::close(conn, p.id, on)?, serde_json::json!({"closed_on": on}))
    })
    .await?;
    Ok(done.ok())
}

/// Refer a burn victim who was given aid for a rehabilitation loan (microcredit's burn and
/// disability rehabilitation programme; the loan application follows there). Requires `If-Match`.
#[utoipa::path(operation_id = "refer_for_rehabilitation_loan", tag = "hospital_social_services", request_body = PatientDateRequest,
    params(("patient_id" = Uuid, Path, description = "The request"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Referred; new `ETag`", body = PatientView),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a burn victim given aid, or already referred", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/hospital-patients/{patient_id}/rehabilitation-referral")]
pub async fn refer_for_rehabilitation_loan(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<HospitalPatientId>,
    body: ApiJson<PatientDateRequest>,
) -> Result<HttpResponse, ApiError> {
    let on = body.0.on;
    let step = Step::new("hospital_patient.rehabilitation_referral", MANAGE);
    let done = pipeline::change(&req, &state, who, path.into_inner(), step, answer, move |conn, _, p| {
        may_refer_for_rehabilitation(p.burn_victim, p.aid_taka > 0, p.rehabilitation_referred_on.is_some())?;
        crate::handlers::step_day("on", on, Some(p.requested_on))?;
        Outcome::with(repo::refer_for_rehabilitation(conn, p.id, on)?, serde_json::json!({"on": on}))
    })
    .await?;
    Ok(done.ok())
}
