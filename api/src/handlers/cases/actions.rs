//! One endpoint per lifecycle command, all through [`super::act`]. Request bodies are parsed
//! here; facts the rules need (a facility's free places, a guardian's identifiers) are looked
//! up inside the command's transaction, with the facility row locked for admissions.

use actix_web::post;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::access::{Permission, Scope};
use domain::case::guardians::{guardian_candidates, recorded_relationship};
use domain::case::CaseKind;
use domain::case::{
    AssessmentOutcome, Case, Command, ConsentPurpose, Destination, DetailedAssessment, Exit, ExitReason, FacilityFacts, Guardian,
    GuardianAssessment, Intervention, ReferralStatus, RepatriationClearance, RiskAssessment, RiskCategory, RiskLevel,
    ServiceType, SupportItem,
};
use domain::facility::FacilityType;
use domain::id::{CaseId, DirectoryEntryId};
use domain::id::{FacilityId, PersonId};
use persistence::PgConnection;
use serde::Deserialize;
use utoipa::{IntoResponses, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{answer_view, command, CaseView};
use crate::auth::principal::Principal;
use crate::extract::ApiJson;
use crate::handlers::cases::open::CourtOrderInput;
use crate::pipeline::{self, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// The facilities a case's person may live in: a safe home, or a child's centre.
pub(crate) fn residential_types(kind: CaseKind) -> &'static [FacilityType] {
    match kind {
        CaseKind::SafeHome => &[FacilityType::SafeHome],
        CaseKind::ChildProtection => {
            &[FacilityType::SrtrccrCentre, FacilityType::DropInCentre, FacilityType::ShishuParibar, FacilityType::ChotomoniNibash]
        }
    }
}

/// Looks up a facility for an admission or placement, locking it so two admissions cannot
/// take its last place.
pub(crate) fn facility_facts(
    conn: &mut PgConnection,
    case: &Case,
    facility_id: FacilityId,
    allowed_types: &[FacilityType],
) -> Result<FacilityFacts, ApiError> {
    let f = persistence::facilities::find_for_update(conn, facility_id)?
        .ok_or_else(|| ApiError::field_coded("facility_id", "not_found", "no such facility"))?;
    if !allowed_types.contains(&f.facility_type) {
        return Err(ApiError::field("facility_id", format!("a {} cannot take this case", f.facility_type.code())));
    }
    let sex = case.subject.sex;
    let occupied = persistence::facilities::occupancy(conn, facility_id, sex)?;
    Ok(FacilityFacts {
        facility_id,
        capacity: u32::try_from(f.capacity_for(sex)).unwrap_or(0),
        occupied: u32::try_from(occupied).unwrap_or(u32::MAX),
        stay_limit_months: f.stay_limit_months.and_then(|m| u32::try_from(m).ok()),
    })
}

/// What a case action answers, besides what every operation may (`crate::contract`).
#[derive(IntoResponses)]
#[allow(dead_code)]
enum CaseActionResponses {
    #[response(status = 200, description = "Done; the case with its new `ETag`")]
    Done(CaseView),
    #[response(status = 403, description = "Not permitted for this case", content_type = "application/problem+json")]
    Forbidden(Problem),
    #[response(status = 404, description = "No such case", content_type = "application/problem+json")]
    NotFound(Problem),
    #[response(
        status = 409,
        description = "A rule refused it at this stage (the problem names the rule)",
        content_type = "application/problem+json"
    )]
    Refused(Problem),
    #[response(status = 412, description = "The case changed since you read it", content_type = "application/problem+json")]
    Stale(Problem),
    #[response(
        status = 422,
        description = "Invalid fields, or a rule refused the input",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
}

/// What an action on a numbered sub-record answers (`/referrals/{no}/status`, ...).
#[derive(IntoResponses)]
#[allow(dead_code)]
enum NumberedActionResponses {
    #[response(status = 200, description = "Done; the case with its new `ETag`")]
    Done(CaseView),
    #[response(status = 403, description = "Not permitted for this case", content_type = "application/problem+json")]
    Forbidden(Problem),
    #[response(status = 404, description = "No such case", content_type = "application/problem+json")]
    NotFound(Problem),
    #[response(
        status = 409,
        description = "A rule refused it (the problem names the rule)",
        content_type = "application/problem+json"
    )]
    Refused(Problem),
    #[response(status = 412, description = "The case changed since you read it", content_type = "application/problem+json")]
    Stale(Problem),
    #[response(status = 422, description = "Invalid fields", content_type = "application/problem+json")]
    Invalid(Problem),
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"facility_id": null, "admitted_on": "2026-03-02", "health_check": "No injuries; pregnant, 5 months", "belongings": ["one bag of clothes"]}))]
pub struct AdmitRequest {
    /// Default: the case's safe home.
    pub facility_id: Option<Uuid>,
    pub admitted_on: NaiveDate,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub health_check: String,
    #[serde(default)]
    pub belongings: Vec<String>,
}

/// Safe home: admit the resident under the court order (capacity by sex is enforced).
#[utoipa::path(tag = "cases", request_body = AdmitRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/admission")]
pub async fn admit_resident(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<AdmitRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |conn, row, case, _actor| {
            let fid = b
                .facility_id
                .map(FacilityId)
                .or(row.managing_facility_id)
                .ok_or_else(|| ApiError::field_coded("facility_id", "required", "give the safe home"))?;
            let facility = facility_facts(conn, case, fid, residential_types(CaseKind::SafeHome))?;
            Ok(Command::Admit { facility, admitted_on: b.admitted_on, health_check: b.health_check, belongings: b.belongings })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"facility_id": "01936f5e-0000-7000-8000-0000000000bb", "placed_on": "2026-06-03"}))]
pub struct PlaceRequest {
    pub facility_id: Uuid,
    pub placed_on: NaiveDate,
}

/// Child protection: place the child in a centre (capacity by sex and its stay limit apply).
#[utoipa::path(tag = "cases", request_body = PlaceRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/placement")]
pub async fn place_child(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<PlaceRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |conn, _row, case, _actor| {
            let facility = facility_facts(conn, case, FacilityId(b.facility_id), residential_types(CaseKind::ChildProtection))?;
            Ok(Command::PlaceInFacility { facility, placed_on: b.placed_on })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

/// Safe home: record the court's release order.
#[utoipa::path(tag = "cases", request_body = CourtOrderInput,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/release-order")]
pub async fn record_release_order(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<CourtOrderInput>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| Ok(Command::RecordReleaseOrder { order: b.to_domain() })),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"level": "high", "categories": ["street_child", "child_labour"], "assessed_on": "2026-06-02", "summary": "Sleeps at Kamalapur station"}))]
pub struct RiskAssessmentRequest {
    /// `low`, `medium` or `high`.
    #[schema(value_type = crate::codes::RiskLevelCode)]
    pub level: RiskLevel,
    /// Risk category codes (at least one).
    #[validate(length(min = 1, max = 15))]
    #[schema(min_items = 1, max_items = 15, value_type = Vec<crate::codes::RiskCategoryCode>)]
    pub categories: Vec<RiskCategory>,
    pub assessed_on: NaiveDate,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub summary: String,
}

/// Child protection: record the risk assessment.
#[utoipa::path(tag = "cases", request_body = RiskAssessmentRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/risk-assessment")]
pub async fn record_risk_assessment(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<RiskAssessmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| {
            let mut categories = b.categories;
            categories.sort();
            categories.dedup();
            Ok(Command::RecordRiskAssessment {
                assessment: RiskAssessment { level: b.level, categories, assessed_on: b.assessed_on, summary: b.summary },
            })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"assessed_on": "2026-06-05", "summary": "Mother traced in Gaibandha; willing to take him back"}))]
pub struct DetailedAssessmentRequest {
    pub assessed_on: NaiveDate,
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub summary: String,
}

/// Child protection: record the detailed assessment.
#[utoipa::path(tag = "cases", request_body = DetailedAssessmentRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/detailed-assessment")]
pub async fn record_detailed_assessment(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<DetailedAssessmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| {
            Ok(Command::RecordDetailedAssessment {
                assessment: DetailedAssessment { assessed_on: b.assessed_on, summary: b.summary },
            })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"description": "Enrol in the local primary school", "provider": "SRTRCCR Tongi", "due_on": "2026-08-01"}))]
pub struct InterventionInput {
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub description: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub provider: String,
    pub due_on: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"goals": ["Return safely to his mother"], "interventions": [{"description": "Enrol in the local primary school", "provider": "SRTRCCR Tongi", "due_on": "2026-08-01"}], "drawn_up_on": "2026-06-07"}))]
pub struct CasePlanRequest {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_items = 1, max_items = 50)]
    pub goals: Vec<String>,
    #[validate(nested)]
    #[serde(default)]
    pub interventions: Vec<InterventionInput>,
    /// The day the plan was drawn up (not in the future, not before the detailed assessment);
    /// today when not given. The pipeline counts the plan on this day.
    pub drawn_up_on: Option<NaiveDate>,
}

/// Child protection: submit the case plan for a supervisor's approval.
#[utoipa::path(tag = "cases", request_body = CasePlanRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/case-plan")]
pub async fn submit_case_plan(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<CasePlanRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| {
            Ok(Command::SubmitCasePlan {
                drawn_up_on: b.drawn_up_on,
                goals: b.goals,
                interventions: b
                    .interventions
                    .into_iter()
                    .map(|i| Intervention { description: i.description, provider: i.provider, due_on: i.due_on })
                    .collect(),
            })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"justification": "Found injured at night; no safe place to stay"}))]
pub struct JustificationRequest {
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub justification: String,
}

/// Child protection: ask a supervisor to approve an emergency placement (skips the steps before service).
#[utoipa::path(tag = "cases", request_body = JustificationRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/emergency-placement")]
pub async fn request_emergency_placement(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<JustificationRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| {
            Ok(Command::RequestEmergencyPlacement { justification: b.justification })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"service": "equipment_support", "given_on": "2026-09-05", "provider": "MJF", "description": "For tailoring at home", "item": "sewing machine", "value_taka": 12000}))]
pub struct ServiceRequest {
    /// A service code (`legal_aid`, `safe_delivery`, `public_examination`, ...).
    #[schema(value_type = crate::codes::ServiceTypeCode)]
    pub service: ServiceType,
    pub given_on: NaiveDate,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub provider: String,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub description: String,
    /// For equipment support: the item (sewing machine, loom, ...).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub item: Option<String>,
    /// Value in taka.
    // (`case.support_value`: 0 to 100,000,000.)
    #[schema(minimum = 0, maximum = 100000000)]
    pub value_taka: Option<i64>,
    /// Before a child's case plan is approved, only immediate support may be given
    /// (counselling, psychosocial counselling, financial support, emergency health care, food
    /// and shelter, legal aid), and this says why (`counselling after abuse`).
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub immediate_support_reason: Option<String>,
    /// The provider's entry in the service directory, if listed: it must give the service and
    /// not be retired by `given_on` (`provider` stays the text shown).
    pub directory_entry_id: Option<Uuid>,
}

/// Record a service given. Partner staff may record their own organisation's services. From
/// intake until the case plan is approved, a child may get immediate support, with a reason.
#[utoipa::path(tag = "cases", request_body = ServiceRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/services")]
pub async fn record_service(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<ServiceRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::RecordServices),
        answer_view,
        command(&state, move |conn, _row, _case, actor| {
            let service = b.service;
            let directory_entry_id = b.directory_entry_id.map(DirectoryEntryId);
            if let Some(entry) = directory_entry_id {
                crate::handlers::directory::check_named_entry(conn, entry, service, b.given_on)?;
            }
            let partner_id = match actor.scope {
                Scope::Partner(p) => Some(p),
                _ => None,
            };
            Ok(Command::RecordService {
                service,
                given_on: b.given_on,
                provider: b.provider,
                partner_id,
                description: b.description,
                item: b.item,
                value_taka: b.value_taka,
                immediate_support_reason: b.immediate_support_reason,
                directory_entry_id,
            })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"service": "health", "to_organisation": "Upazila Health Complex, Tongi", "referred_on": "2026-07-02",
    "directory_entry_id": null}))]
pub struct ReferralRequest {
    #[schema(value_type = crate::codes::ServiceTypeCode)]
    pub service: ServiceType,
    /// The organisation in words: needed unless `directory_entry_id` names it (then, by
    /// default, the entry's English name).
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub to_organisation: Option<String>,
    pub referred_on: NaiveDate,
    /// The organisation's entry in the service directory: it must give the service and not be
    /// retired by `referred_on`.
    pub directory_entry_id: Option<Uuid>,
}

/// Refer to another service (consent to referral must be on record): an organisation in the
/// service directory (`directory_entry_id`), or one named only in text.
#[utoipa::path(tag = "cases", request_body = ReferralRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/referrals")]
pub async fn record_referral(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<ReferralRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |conn, _row, _case, _actor| {
            let directory_entry_id = b.directory_entry_id.map(DirectoryEntryId);
            let named = match directory_entry_id {
                Some(entry) => Some(crate::handlers::directory::check_named_entry(conn, entry, b.service, b.referred_on)?),
                None => None,
            };
            let to_organisation = b.to_organisation.or(named).ok_or_else(|| {
                ApiError::field_coded("to_organisation", "required", "name the organisation, or its directory_entry_id")
            })?;
            Ok(Command::RecordReferral { service: b.service, to_organisation, referred_on: b.referred_on, directory_entry_id })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"held_on": "2026-07-15", "participants": ["caseworker", "UNO", "SRTRCCR superintendent"], "decisions": ["Trace the family in Gaibandha"]}))]
pub struct ConferenceRequest {
    pub held_on: NaiveDate,
    #[validate(length(min = 1, max = 50))]
    #[schema(min_items = 1, max_items = 50)]
    pub participants: Vec<String>,
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    #[serde(default)]
    pub decisions: Vec<String>,
}

/// Record a case conference.
#[utoipa::path(tag = "cases", request_body = ConferenceRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/conferences")]
pub async fn record_case_conference(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<ConferenceRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| {
            Ok(Command::RecordConference { held_on: b.held_on, participants: b.participants, decisions: b.decisions })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"purpose": "reintegration", "given_by": "the resident", "given_on": "2026-09-03"}))]
pub struct ConsentRequest {
    /// `referral`, `reintegration` or `information_sharing`.
    #[schema(value_type = crate::codes::ConsentPurposeCode)]
    pub purpose: ConsentPurpose,
    /// Who consented: the person, or their guardian by name.
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub given_by: String,
    pub given_on: NaiveDate,
}

/// Record a consent.
#[utoipa::path(tag = "cases", request_body = ConsentRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/consents")]
pub async fn record_consent(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<ConsentRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| {
            Ok(Command::RecordConsent { purpose: b.purpose, given_by: b.given_by, given_on: b.given_on })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"text": "Mother visited; the child asked about school"}))]
pub struct NoteRequest {
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub text: String,
}

/// Add a note to the case (kept even after the case ends).
#[utoipa::path(tag = "cases", request_body = NoteRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/notes")]
pub async fn record_case_note(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<NoteRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| Ok(Command::RecordNote { text: b.text })),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"person_id": "01936f5e-0000-7000-8000-0000000000a1"}))]
pub struct PerpetratorRequest {
    /// The person recorded as an alleged perpetrator.
    pub person_id: Uuid,
}

/// Record an alleged perpetrator (never accepted as a guardian afterwards).
#[utoipa::path(tag = "cases", request_body = PerpetratorRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/alleged-perpetrators")]
pub async fn record_alleged_perpetrator(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<PerpetratorRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |conn, _row, _case, _actor| {
            let person = persistence::persons::find(conn, PersonId(b.person_id))?
                .ok_or_else(|| ApiError::field_coded("person_id", "not_found", "no such person"))?;
            Ok(Command::RecordAllegedPerpetrator { person_id: person.id })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"item": "sewing machine", "value_taka": 12000}))]
pub struct SupportItemInput {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub item: String,
    // (`case.support_value`: 0 to 100,000,000.)
    #[schema(minimum = 0, maximum = 100000000)]
    pub value_taka: i64,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"destination": "family", "guardian_person_id": "01936f5e-0000-7000-8000-0000000000a2", "guardian_relationship": "mother",
    "support_items": [{"item": "sewing machine", "value_taka": 12000}], "started_on": "2026-09-02"}))]
pub struct ReintegrationRequest {
    /// `family`, `extended_family`, `foster_care`, `institution`, `independent_living` or `repatriation`.
    #[schema(value_type = crate::codes::DestinationCode)]
    pub destination: Destination,
    /// The guardian's person record (needed for family, extended family and foster care).
    pub guardian_person_id: Option<Uuid>,
    /// How the guardian is related (`mother`, `uncle`). Left out: the closest tie on record,
    /// a relationship (`mother`) or `household_member` (see `GET /cases/{id}/guardian-candidates`).
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub guardian_relationship: Option<String>,
    #[validate(nested)]
    #[serde(default)]
    pub support_items: Vec<SupportItemInput>,
    pub started_on: NaiveDate,
}

/// Start preparing reintegration (after the court's release order for a safe-home resident).
#[utoipa::path(tag = "cases", request_body = ReintegrationRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/reintegration")]
pub async fn start_reintegration(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<ReintegrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |conn, _row, case, _actor| {
            let destination = b.destination;
            let guardian = match b.guardian_person_id {
                None => None,
                Some(pid) => {
                    let p = persistence::persons::find(conn, PersonId(pid))?
                        .ok_or_else(|| ApiError::field_coded("guardian_person_id", "not_found", "no such person"))?;
                    // Named by the caller, else the closest tie on record (her mother, a
                    // household member); neither leaves it blank, and the rules refuse that.
                    let relationship = match &b.guardian_relationship {
                        Some(r) => r.clone(),
                        None => {
                            let family = super::guardians::family_of(conn, case.subject.person_id)?;
                            let candidates = guardian_candidates(case.subject.person_id, &case.alleged_perpetrators, family);
                            recorded_relationship(p.id, &candidates).unwrap_or_default().to_owned()
                        }
                    };
                    Some(Guardian {
                        person_id: p.id,
                        relationship,
                        has_identifier: p.nid.is_some() || p.birth_registration_number.is_some(),
                    })
                }
            };
            let support_items =
                b.support_items.into_iter().map(|s| SupportItem { item: s.item, value_taka: s.value_taka }).collect();
            Ok(Command::StartReintegration { destination, guardian, support_items, started_on: b.started_on })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"outcome": "safe", "assessed_on": "2026-09-03", "notes": "Home visit: mother and uncle supportive"}))]
pub struct GuardianAssessmentRequest {
    /// `safe` or `unsafe`.
    #[schema(value_type = crate::codes::AssessmentOutcomeCode)]
    pub outcome: AssessmentOutcome,
    pub assessed_on: NaiveDate,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub notes: String,
}

/// Record the guardian/family assessment.
#[utoipa::path(tag = "cases", request_body = GuardianAssessmentRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/reintegration/guardian-assessment")]
pub async fn record_guardian_assessment(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<GuardianAssessmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| {
            Ok(Command::RecordGuardianAssessment {
                assessment: GuardianAssessment { outcome: b.outcome, assessed_on: b.assessed_on, notes: b.notes },
            })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"views": "He wants to go home to his mother and go back to school"}))]
pub struct ChildViewsRequest {
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub views: String,
}

/// Record the child's own views on reintegration.
#[utoipa::path(tag = "cases", request_body = ChildViewsRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/reintegration/child-views")]
pub async fn record_child_views(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<ChildViewsRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| Ok(Command::RecordChildViews { views: b.views })),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reference": "MoHA/Repatriation/NP/17-2026", "cleared_on": "2026-09-15"}))]
pub struct ClearanceRequest {
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub reference: String,
    pub cleared_on: NaiveDate,
}

/// Record repatriation clearance (needed for a foreign national).
#[utoipa::path(tag = "cases", request_body = ClearanceRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/reintegration/repatriation-clearance")]
pub async fn record_repatriation_clearance(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<ClearanceRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| {
            Ok(Command::RecordRepatriationClearance {
                clearance: RepatriationClearance { reference: b.reference, cleared_on: b.cleared_on },
            })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"completed_on": "2026-09-05"}))]
pub struct CompletionRequest {
    pub completed_on: NaiveDate,
}

/// Complete reintegration: every rule is checked; follow-ups are scheduled.
#[utoipa::path(tag = "cases", request_body = CompletionRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/reintegration/completion")]
pub async fn complete_reintegration(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<CompletionRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| Ok(Command::CompleteReintegration { completed_on: b.completed_on })),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reason": "All follow-ups done; living safely with her mother"}))]
pub struct ClosureRequest {
    /// Required when follow-ups are still pending.
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub reason: String,
}

/// Ask a supervisor to approve closing the case.
#[utoipa::path(tag = "cases", request_body = ClosureRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/closure-request")]
pub async fn request_case_closure(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<ClosureRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| Ok(Command::RequestClosure { reason: b.reason })),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"until": "2027-02-28", "justification": "Family tracing still in progress"}))]
pub struct StayExtensionRequest {
    pub until: NaiveDate,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub justification: String,
}

/// Ask a supervisor to extend the stay beyond the facility's limit.
#[utoipa::path(tag = "cases", request_body = StayExtensionRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/stay-extension-request")]
pub async fn request_stay_extension(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<StayExtensionRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| {
            Ok(Command::RequestStayExtension { until: b.until, justification: b.justification })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reason": "Found working in a garment factory", "intervention_plan": "Return to the centre; counselling; school re-enrolment"}))]
pub struct ReopenRequest {
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub reason: String,
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub intervention_plan: String,
}

/// Re-open a closed or followed-up case because of a new risk, with an intervention plan.
#[utoipa::path(tag = "cases", request_body = ReopenRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/reopening")]
pub async fn reopen_case(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<ReopenRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| {
            Ok(Command::Reopen { reason: b.reason, intervention_plan: b.intervention_plan })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reason": "absconded", "on": "2026-06-01", "details": "Left during the night", "court_report": "Letter 45/2026 to the tribunal"}))]
pub struct CaseExitRequest {
    /// `transferred`, `absconded`, `died` or `aged_out`.
    #[schema(value_type = crate::codes::ExitReasonCode)]
    pub reason: ExitReason,
    pub on: NaiveDate,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub details: String,
    /// The report to the court (required for a safe-home resident who absconded or died).
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub court_report: Option<String>,
}

/// End the case without closure: transferred, absconded, died, or aged out.
#[utoipa::path(tag = "cases", request_body = CaseExitRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(CaseActionResponses))]
#[post("/cases/{case_id}/exit")]
pub async fn exit_case(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<CaseExitRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_conn, _row, _case, _actor| {
            Ok(Command::Exit { exit: Exit { reason: b.reason, on: b.on, details: b.details, court_report: b.court_report } })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"status": "accepted"}))]
pub struct ReferralStatusRequest {
    /// `accepted`, `declined` or `completed`.
    #[schema(value_type = crate::codes::ReferralStatusCode)]
    pub status: ReferralStatus,
}

/// Move a referral on (made -> accepted | declined; accepted -> completed).
#[utoipa::path(tag = "cases", request_body = ReferralStatusRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("no" = u32, Path, description = "The referral's number in the case"),
        ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(NumberedActionResponses))]
#[post("/cases/{case_id}/referrals/{no}/status")]
pub async fn update_referral_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(CaseId, u32)>,
    body: ApiJson<ReferralStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    let (case_id, no) = path.into_inner();
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        case_id,
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_, _, _, _| Ok(Command::UpdateReferral { no, status: b.status })),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"done_on": "2026-10-06", "risk_found": false, "notes": "Attending school; mother present", "intervention_plan": null}))]
pub struct FollowUpRequest {
    pub done_on: NaiveDate,
    /// A risk found re-opens the case; give the intervention plan then.
    pub risk_found: bool,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub notes: String,
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub intervention_plan: Option<String>,
}

/// Record a follow-up visit. A risk found re-opens the case.
#[utoipa::path(tag = "cases", request_body = FollowUpRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("no" = u32, Path, description = "The follow-up's number in the case"),
        ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(NumberedActionResponses))]
#[post("/cases/{case_id}/follow-ups/{no}")]
pub async fn record_follow_up(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(CaseId, u32)>,
    body: ApiJson<FollowUpRequest>,
) -> Result<HttpResponse, ApiError> {
    let (case_id, no) = path.into_inner();
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        case_id,
        Step::new("case.change", Permission::WriteCases),
        answer_view,
        command(&state, move |_, _, _, _| {
            Ok(Command::RecordFollowUp {
                no,
                done_on: b.done_on,
                risk_found: b.risk_found,
                notes: b.notes,
                intervention_plan: b.intervention_plan,
            })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"approve": true, "comment": "Plan is sound", "approved_on": "2026-06-08"}))]
pub struct ApprovalDecisionRequest {
    pub approve: bool,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub comment: Option<String>,
    /// The day of the decision (a plan's approval date): not in the future, not before the
    /// request (a plan's `drawn_up_on`); today when not given.
    pub approved_on: Option<NaiveDate>,
}

/// A supervisor approves or rejects a request (case plan, closure, stay extension, emergency placement). Nobody decides their own request.
#[utoipa::path(tag = "cases", request_body = ApprovalDecisionRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("no" = u32, Path, description = "The approval's number in the case"),
        ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(NumberedActionResponses))]
#[post("/cases/{case_id}/approvals/{no}/decision")]
pub async fn decide_case_approval(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(CaseId, u32)>,
    body: ApiJson<ApprovalDecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (case_id, no) = path.into_inner();
    let b = body.0;
    pipeline::change(
        &req,
        &state,
        who,
        case_id,
        Step::new("case.change", Permission::ApproveCases),
        answer_view,
        command(&state, move |_, _, _, _| {
            Ok(Command::DecideApproval { no, approve: b.approve, comment: b.comment, decided_on: b.approved_on })
        }),
    )
    .await
    .map(pipeline::Answer::ok)
}
