//! One endpoint per lifecycle command, all through [`super::act`]. Request bodies are parsed
//! here; facts the rules need (a facility's free places, a guardian's identifiers) are looked
//! up inside the command's transaction, with the facility row locked for admissions.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::access::{Actor, Permission, Scope};
use domain::case::{
    AssessmentOutcome, Case, Command, ConsentPurpose, Destination, DetailedAssessment, Exit, ExitReason, FacilityFacts, Guardian,
    GuardianAssessment, Intervention, ReferralStatus, RepatriationClearance, RiskAssessment, RiskCategory, RiskLevel,
    ServiceType, SupportItem,
};
use persistence::cases::CaseRow;
use persistence::PgConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{act, CaseView};
use crate::auth::principal::Principal;
use crate::extract::ApiJson;
use crate::handlers::cases::open::CourtOrderInput;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

fn code<T>(field: &str, value: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, ApiError> {
    parse(value).ok_or_else(|| ApiError::field_coded(field, "unknown_code", format!("{value:?} is not a known code")))
}

/// Looks up a facility for an admission or placement, locking it so two admissions cannot
/// take its last place.
fn facility_facts(
    conn: &mut PgConnection,
    case: &Case,
    facility_id: Uuid,
    allowed_types: &[&str],
) -> Result<FacilityFacts, ApiError> {
    let f = persistence::facilities::find_for_update(conn, facility_id)?
        .ok_or_else(|| ApiError::field_coded("facility_id", "not_found", "no such facility"))?;
    if !allowed_types.contains(&f.facility_type.as_str()) {
        return Err(ApiError::field("facility_id", format!("a {} cannot take this case", f.facility_type)));
    }
    let sex = case.subject.sex.code();
    let occupied =
        persistence::facilities::occupancy(conn, facility_id)?.into_iter().find(|(s, _)| s == sex).map_or(0, |(_, n)| n);
    Ok(FacilityFacts {
        facility_id,
        capacity: u32::try_from(f.capacity_for(sex)).unwrap_or(0),
        occupied: u32::try_from(occupied).unwrap_or(u32::MAX),
        stay_limit_months: f.stay_limit_months.and_then(|m| u32::try_from(m).ok()),
    })
}

/// Declares an action endpoint: its path, body type, the permission it needs, and how the
/// body becomes a domain command.
macro_rules! case_action {
    ($(#[doc = $doc:literal])* $name:ident, $path:literal, $body:ty, $perm:expr,
     |$conn:ident, $row:ident, $case:ident, $actor:ident, $b:ident| $build:expr) => {
        $(#[doc = $doc])*
        #[utoipa::path(post, path = $path, tag = "cases", request_body = $body,
            params(("case_id" = Uuid, Path, description = "The case id"),
                   ("If-Match" = String, Header, description = "The case's current ETag")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Done; the case with its new `ETag`", body = CaseView),
                (status = 403, description = "Not permitted for this case", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "A rule refused it at this stage (the problem names the rule)", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "The case changed since you read it", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields, or a rule refused the input", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            req: HttpRequest,
            state: web::Data<AppState>,
            who: Principal,
            path: web::Path<Uuid>,
            body: ApiJson<$body>,
        ) -> Result<HttpResponse, ApiError> {
            let $b = body.0;
            #[allow(unused_variables)]
            act(req, state, who, path.into_inner(), $perm, move |$conn: &mut PgConnection, $row: &CaseRow, $case: &Case, $actor: &Actor| $build).await
        }
    };
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

case_action!(
    /// Safe home: admit the resident under the court order (capacity by sex is enforced).
    admit_resident, "/api/v1/cases/{case_id}/admission", AdmitRequest, Permission::WriteCases,
    |conn, row, case, actor, b| {
        let fid = b.facility_id.or(row.managing_facility_id).ok_or_else(|| ApiError::field_coded("facility_id", "required", "give the safe home"))?;
        let facility = facility_facts(conn, case, fid, &["safe_home"])?;
        Ok(Command::Admit { facility, admitted_on: b.admitted_on, health_check: b.health_check, belongings: b.belongings })
    }
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"facility_id": "01936f5e-0000-7000-8000-0000000000bb", "placed_on": "2026-06-03"}))]
pub struct PlaceRequest {
    pub facility_id: Uuid,
    pub placed_on: NaiveDate,
}

case_action!(
    /// Child protection: place the child in a centre (capacity by sex and its stay limit apply).
    place_child, "/api/v1/cases/{case_id}/placement", PlaceRequest, Permission::WriteCases,
    |conn, row, case, actor, b| {
        let facility = facility_facts(conn, case, b.facility_id, &["srtrccr_centre", "drop_in_centre", "shishu_paribar", "chotomoni_nibash"])?;
        Ok(Command::PlaceInFacility { facility, placed_on: b.placed_on })
    }
);

case_action!(
    /// Safe home: record the court's release order.
    record_release_order, "/api/v1/cases/{case_id}/release-order", CourtOrderInput, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::RecordReleaseOrder { order: b.to_domain() })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"level": "high", "categories": ["street_child", "child_labour"], "assessed_on": "2026-06-02", "summary": "Sleeps at Kamalapur station"}))]
pub struct RiskAssessmentRequest {
    /// `low`, `medium` or `high`.
    #[schema(value_type = crate::codes::RiskLevelCode)]
    pub level: String,
    /// Risk category codes (at least one).
    #[validate(length(min = 1, max = 15))]
    #[schema(min_items = 1, max_items = 15, value_type = Vec<crate::codes::RiskCategoryCode>)]
    pub categories: Vec<String>,
    pub assessed_on: NaiveDate,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub summary: String,
}

case_action!(
    /// Child protection: record the risk assessment.
    record_risk_assessment, "/api/v1/cases/{case_id}/risk-assessment", RiskAssessmentRequest, Permission::WriteCases,
    |conn, row, case, actor, b| {
        let level = code("level", &b.level, RiskLevel::parse)?;
        let mut categories = Vec::new();
        for (i, c) in b.categories.iter().enumerate() {
            categories.push(code(&format!("categories[{i}]"), c, RiskCategory::parse)?);
        }
        categories.sort();
        categories.dedup();
        Ok(Command::RecordRiskAssessment { assessment: RiskAssessment { level, categories, assessed_on: b.assessed_on, summary: b.summary } })
    }
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"assessed_on": "2026-06-05", "summary": "Mother traced in Gaibandha; willing to take him back"}))]
pub struct DetailedAssessmentRequest {
    pub assessed_on: NaiveDate,
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub summary: String,
}

case_action!(
    /// Child protection: record the detailed assessment.
    record_detailed_assessment, "/api/v1/cases/{case_id}/detailed-assessment", DetailedAssessmentRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::RecordDetailedAssessment { assessment: DetailedAssessment { assessed_on: b.assessed_on, summary: b.summary } })
);

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
#[schema(example = json!({"goals": ["Return safely to his mother"], "interventions": [{"description": "Enrol in the local primary school", "provider": "SRTRCCR Tongi", "due_on": "2026-08-01"}]}))]
pub struct CasePlanRequest {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_items = 1, max_items = 50)]
    pub goals: Vec<String>,
    #[validate(nested)]
    #[serde(default)]
    pub interventions: Vec<InterventionInput>,
}

case_action!(
    /// Child protection: submit the case plan for a supervisor's approval.
    submit_case_plan, "/api/v1/cases/{case_id}/case-plan", CasePlanRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::SubmitCasePlan {
        goals: b.goals,
        interventions: b.interventions.into_iter().map(|i| Intervention { description: i.description, provider: i.provider, due_on: i.due_on }).collect(),
    })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"justification": "Found injured at night; no safe place to stay"}))]
pub struct JustificationRequest {
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub justification: String,
}

case_action!(
    /// Child protection: ask a supervisor to approve an emergency placement (skips the steps before service).
    request_emergency_placement, "/api/v1/cases/{case_id}/emergency-placement", JustificationRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::RequestEmergencyPlacement { justification: b.justification })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"service": "equipment_support", "given_on": "2026-09-05", "provider": "MJF", "description": "For tailoring at home", "item": "sewing machine", "value_taka": 12000}))]
pub struct ServiceRequest {
    /// A service code (`legal_aid`, `safe_delivery`, `public_examination`, ...).
    #[schema(value_type = crate::codes::ServiceTypeCode)]
    pub service: String,
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
    #[validate(range(min = 0, max = 100000000))]
    #[schema(minimum = 0, maximum = 100000000)]
    pub value_taka: Option<i64>,
}

case_action!(
    /// Record a service given. Partner staff may record their own organisation's services.
    record_service, "/api/v1/cases/{case_id}/services", ServiceRequest, Permission::RecordServices,
    |conn, row, case, actor, b| {
        let service = code("service", &b.service, ServiceType::parse)?;
        let partner_id = match actor.scope { Scope::Partner(p) => Some(p), _ => None };
        Ok(Command::RecordService { service, given_on: b.given_on, provider: b.provider, partner_id, description: b.description, item: b.item, value_taka: b.value_taka })
    }
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"service": "health", "to_organisation": "Upazila Health Complex, Tongi", "referred_on": "2026-07-02"}))]
pub struct ReferralRequest {
    #[schema(value_type = crate::codes::ServiceTypeCode)]
    pub service: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub to_organisation: String,
    pub referred_on: NaiveDate,
}

case_action!(
    /// Refer to another service (consent to referral must be on record).
    record_referral, "/api/v1/cases/{case_id}/referrals", ReferralRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::RecordReferral { service: code("service", &b.service, ServiceType::parse)?, to_organisation: b.to_organisation, referred_on: b.referred_on })
);

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

case_action!(
    /// Record a case conference.
    record_case_conference, "/api/v1/cases/{case_id}/conferences", ConferenceRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::RecordConference { held_on: b.held_on, participants: b.participants, decisions: b.decisions })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"purpose": "reintegration", "given_by": "the resident", "given_on": "2026-09-03"}))]
pub struct ConsentRequest {
    /// `referral`, `reintegration` or `information_sharing`.
    #[schema(value_type = crate::codes::ConsentPurposeCode)]
    pub purpose: String,
    /// Who consented: the person, or their guardian by name.
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub given_by: String,
    pub given_on: NaiveDate,
}

case_action!(
    /// Record a consent.
    record_consent, "/api/v1/cases/{case_id}/consents", ConsentRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::RecordConsent { purpose: code("purpose", &b.purpose, ConsentPurpose::parse)?, given_by: b.given_by, given_on: b.given_on })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"text": "Mother visited; the child asked about school"}))]
pub struct NoteRequest {
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub text: String,
}

case_action!(
    /// Add a note to the case (kept even after the case ends).
    record_case_note, "/api/v1/cases/{case_id}/notes", NoteRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::RecordNote { text: b.text })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"person_id": "01936f5e-0000-7000-8000-0000000000a1"}))]
pub struct PerpetratorRequest {
    /// The person recorded as an alleged perpetrator.
    pub person_id: Uuid,
}

case_action!(
    /// Record an alleged perpetrator (never accepted as a guardian afterwards).
    record_alleged_perpetrator, "/api/v1/cases/{case_id}/alleged-perpetrators", PerpetratorRequest, Permission::WriteCases,
    |conn, row, case, actor, b| {
        persistence::persons::find(conn, b.person_id)?.ok_or_else(|| ApiError::field_coded("person_id", "not_found", "no such person"))?;
        Ok(Command::RecordAllegedPerpetrator { person_id: b.person_id })
    }
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"item": "sewing machine", "value_taka": 12000}))]
pub struct SupportItemInput {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub item: String,
    #[validate(range(min = 0, max = 100000000))]
    #[schema(minimum = 0, maximum = 100000000)]
    pub value_taka: i64,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"destination": "family", "guardian_person_id": "01936f5e-0000-7000-8000-0000000000a2", "guardian_relationship": "mother",
    "support_items": [{"item": "sewing machine", "value_taka": 12000}], "started_on": "2026-09-02"}))]
pub struct ReintegrationRequest {
    /// `family`, `extended_family`, `foster_care`, `institution`, `independent_living` or `repatriation`.
    #[schema(value_type = crate::codes::DestinationCode)]
    pub destination: String,
    /// The guardian's person record (needed for family, extended family and foster care).
    pub guardian_person_id: Option<Uuid>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub guardian_relationship: Option<String>,
    #[validate(nested)]
    #[serde(default)]
    pub support_items: Vec<SupportItemInput>,
    pub started_on: NaiveDate,
}

case_action!(
    /// Start preparing reintegration (after the court's release order for a safe-home resident).
    start_reintegration, "/api/v1/cases/{case_id}/reintegration", ReintegrationRequest, Permission::WriteCases,
    |conn, row, case, actor, b| {
        let destination = code("destination", &b.destination, Destination::parse)?;
        let guardian = match b.guardian_person_id {
            None => None,
            Some(pid) => {
                let p = persistence::persons::find(conn, pid)?.ok_or_else(|| ApiError::field_coded("guardian_person_id", "not_found", "no such person"))?;
                Some(Guardian {
                    person_id: pid,
                    relationship: b.guardian_relationship.clone().unwrap_or_default(),
                    has_identifier: p.nid.is_some() || p.birth_registration_number.is_some(),
                })
            }
        };
        let support_items = b.support_items.into_iter().map(|s| SupportItem { item: s.item, value_taka: s.value_taka }).collect();
        Ok(Command::StartReintegration { destination, guardian, support_items, started_on: b.started_on })
    }
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"outcome": "safe", "assessed_on": "2026-09-03", "notes": "Home visit: mother and uncle supportive"}))]
pub struct GuardianAssessmentRequest {
    /// `safe` or `unsafe`.
    #[schema(value_type = crate::codes::AssessmentOutcomeCode)]
    pub outcome: String,
    pub assessed_on: NaiveDate,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub notes: String,
}

case_action!(
    /// Record the guardian/family assessment.
    record_guardian_assessment, "/api/v1/cases/{case_id}/reintegration/guardian-assessment", GuardianAssessmentRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::RecordGuardianAssessment {
        assessment: GuardianAssessment { outcome: code("outcome", &b.outcome, AssessmentOutcome::parse)?, assessed_on: b.assessed_on, notes: b.notes },
    })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"views": "He wants to go home to his mother and go back to school"}))]
pub struct ChildViewsRequest {
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub views: String,
}

case_action!(
    /// Record the child's own views on reintegration.
    record_child_views, "/api/v1/cases/{case_id}/reintegration/child-views", ChildViewsRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::RecordChildViews { views: b.views })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reference": "MoHA/Repatriation/NP/17-2026", "cleared_on": "2026-09-15"}))]
pub struct ClearanceRequest {
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub reference: String,
    pub cleared_on: NaiveDate,
}

case_action!(
    /// Record repatriation clearance (needed for a foreign national).
    record_repatriation_clearance, "/api/v1/cases/{case_id}/reintegration/repatriation-clearance", ClearanceRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::RecordRepatriationClearance { clearance: RepatriationClearance { reference: b.reference, cleared_on: b.cleared_on } })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"completed_on": "2026-09-05"}))]
pub struct CompletionRequest {
    pub completed_on: NaiveDate,
}

case_action!(
    /// Complete reintegration: every rule is checked; follow-ups are scheduled.
    complete_reintegration, "/api/v1/cases/{case_id}/reintegration/completion", CompletionRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::CompleteReintegration { completed_on: b.completed_on })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reason": "All follow-ups done; living safely with her mother"}))]
pub struct ClosureRequest {
    /// Required when follow-ups are still pending.
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    #[serde(default)]
    pub reason: String,
}

case_action!(
    /// Ask a supervisor to approve closing the case.
    request_case_closure, "/api/v1/cases/{case_id}/closure-request", ClosureRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::RequestClosure { reason: b.reason })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"until": "2027-02-28", "justification": "Family tracing still in progress"}))]
pub struct StayExtensionRequest {
    pub until: NaiveDate,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub justification: String,
}

case_action!(
    /// Ask a supervisor to extend the stay beyond the facility's limit.
    request_stay_extension, "/api/v1/cases/{case_id}/stay-extension-request", StayExtensionRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::RequestStayExtension { until: b.until, justification: b.justification })
);

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

case_action!(
    /// Re-open a closed or followed-up case because of a new risk, with an intervention plan.
    reopen_case, "/api/v1/cases/{case_id}/reopening", ReopenRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::Reopen { reason: b.reason, intervention_plan: b.intervention_plan })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reason": "absconded", "on": "2026-06-01", "details": "Left during the night", "court_report": "Letter 45/2026 to the tribunal"}))]
pub struct CaseExitRequest {
    /// `transferred`, `absconded`, `died` or `aged_out`.
    #[schema(value_type = crate::codes::ExitReasonCode)]
    pub reason: String,
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

case_action!(
    /// End the case without closure: transferred, absconded, died, or aged out.
    exit_case, "/api/v1/cases/{case_id}/exit", CaseExitRequest, Permission::WriteCases,
    |conn, row, case, actor, b| Ok(Command::Exit {
        exit: Exit { reason: code("reason", &b.reason, ExitReason::parse)?, on: b.on, details: b.details, court_report: b.court_report },
    })
);

/// Declares an action on a numbered sub-record (`/referrals/{no}/status`, ...).
macro_rules! numbered_action {
    ($(#[doc = $doc:literal])* $name:ident, $path:literal, $param:literal, $body:ty, $perm:expr,
     |$no:ident, $b:ident| $build:expr) => {
        $(#[doc = $doc])*
        #[utoipa::path(post, path = $path, tag = "cases", request_body = $body,
            params(("case_id" = Uuid, Path, description = "The case id"),
                   ("no" = u32, Path, description = $param),
                   ("If-Match" = String, Header, description = "The case's current ETag")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Done; the case with its new `ETag`", body = CaseView),
                (status = 403, description = "Not permitted for this case", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "A rule refused it (the problem names the rule)", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "The case changed since you read it", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            req: HttpRequest,
            state: web::Data<AppState>,
            who: Principal,
            path: web::Path<(Uuid, u32)>,
            body: ApiJson<$body>,
        ) -> Result<HttpResponse, ApiError> {
            let (case_id, $no) = path.into_inner();
            let $b = body.0;
            act(req, state, who, case_id, $perm, move |_: &mut PgConnection, _: &CaseRow, _: &Case, _: &Actor| $build).await
        }
    };
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"status": "accepted"}))]
pub struct ReferralStatusRequest {
    /// `accepted`, `declined` or `completed`.
    #[schema(value_type = crate::codes::ReferralStatusCode)]
    pub status: String,
}

numbered_action!(
    /// Move a referral on (made -> accepted | declined; accepted -> completed).
    update_referral_status, "/api/v1/cases/{case_id}/referrals/{no}/status", "The referral's number in the case", ReferralStatusRequest, Permission::WriteCases,
    |no, b| Ok(Command::UpdateReferral { no, status: code("status", &b.status, ReferralStatus::parse)? })
);

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

numbered_action!(
    /// Record a follow-up visit. A risk found re-opens the case.
    record_follow_up, "/api/v1/cases/{case_id}/follow-ups/{no}", "The follow-up's number in the case", FollowUpRequest, Permission::WriteCases,
    |no, b| Ok(Command::RecordFollowUp { no, done_on: b.done_on, risk_found: b.risk_found, notes: b.notes, intervention_plan: b.intervention_plan })
);

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"approve": true, "comment": "Plan is sound"}))]
pub struct ApprovalDecisionRequest {
    pub approve: bool,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub comment: Option<String>,
}

numbered_action!(
    /// A supervisor approves or rejects a request (case plan, closure, stay extension, emergency placement). Nobody decides their own request.
    decide_case_approval, "/api/v1/cases/{case_id}/approvals/{no}/decision", "The approval's number in the case", ApprovalDecisionRequest, Permission::ApproveCases,
    |no, b| Ok(Command::DecideApproval { no, approve: b.approve, comment: b.comment })
);
