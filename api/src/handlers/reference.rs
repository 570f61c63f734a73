//! Code lists a front end shows, with English and Bangla labels.

use actix_web::get;
use actix_web::HttpResponse;
use domain::access::Role;
use serde::Serialize;
use utoipa::ToSchema;

use crate::views::LabelView;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "upazila_officer", "label": {"en": "Upazila officer", "bn": "উপজেলা কর্মকর্তা"}}))]
pub struct CodeView {
    pub code: String,
    pub label: LabelView,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"data": [{"code": "auditor", "label": {"en": "Auditor", "bn": "নিরীক্ষক"}}]}))]
pub struct CodeList {
    pub data: Vec<CodeView>,
}

/// The roles an account can have.
#[utoipa::path(operation_id = "list_roles", tag = "reference",
    responses((status = 200, description = "Every role with its labels", body = CodeList)))]
#[get("/reference/roles")]
pub async fn list_roles() -> HttpResponse {
    let data = Role::ALL.iter().map(|r| CodeView { code: r.code().into(), label: r.label().into() }).collect();
    HttpResponse::Ok().json(CodeList { data })
}

/// All code lists a front end shows, by name, each code with its labels.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"lists": {"sex": [{"code": "female", "label": {"en": "Female", "bn": "নারী"}}]}}))]
pub struct CodeLists {
    pub lists: std::collections::BTreeMap<String, Vec<CodeView>>,
}

fn list<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> domain::Label) -> Vec<CodeView> {
    all.iter().map(|v| CodeView { code: code(*v).into(), label: label(*v).into() }).collect()
}

/// Every code list: roles, sexes, case kinds and statuses, risk levels and categories,
/// services, destinations, approvals, consents, referral statuses, exits, facility types.
#[utoipa::path(operation_id = "list_code_lists", tag = "reference",
    responses((status = 200, description = "Every code list with English and Bangla labels", body = CodeLists)))]
#[get("/reference/code-lists")]
pub async fn list_code_lists() -> HttpResponse {
    use domain::case::*;
    let mut lists = std::collections::BTreeMap::new();
    lists.insert("role".into(), list(&Role::ALL, Role::code, Role::label));
    lists.insert("sex".into(), list(&domain::person::Sex::ALL, domain::person::Sex::code, domain::person::Sex::label));
    lists.insert("case_kind".into(), list(CaseKind::ALL, CaseKind::code, CaseKind::label));
    lists.insert("case_status".into(), list(CaseStatus::ALL, CaseStatus::code, CaseStatus::label));
    lists.insert("risk_level".into(), list(RiskLevel::ALL, RiskLevel::code, RiskLevel::label));
    lists.insert("risk_category".into(), list(RiskCategory::ALL, RiskCategory::code, RiskCategory::label));
    lists.insert("service_type".into(), list(ServiceType::ALL, ServiceType::code, ServiceType::label));
    lists.insert("destination".into(), list(Destination::ALL, Destination::code, Destination::label));
    lists.insert("approval_kind".into(), list(ApprovalKind::ALL, ApprovalKind::code, ApprovalKind::label));
    lists.insert("approval_status".into(), list(ApprovalStatus::ALL, ApprovalStatus::code, ApprovalStatus::label));
    lists.insert("consent_purpose".into(), list(ConsentPurpose::ALL, ConsentPurpose::code, ConsentPurpose::label));
    lists.insert("assessment_outcome".into(), list(AssessmentOutcome::ALL, AssessmentOutcome::code, AssessmentOutcome::label));
    lists.insert("referral_status".into(), list(ReferralStatus::ALL, ReferralStatus::code, ReferralStatus::label));
    lists.insert("exit_reason".into(), list(ExitReason::ALL, ExitReason::code, ExitReason::label));
    {
        use domain::microcredit::{
            arrears::ArrearsBucket as B, fund::FundEntryKind as F, loan, programme::MicrocreditProgramme as P,
        };
        lists.insert("microcredit_programme".into(), list(P::ALL, P::code, P::label));
        lists.insert("fund_entry_kind".into(), list(F::ALL, F::code, F::label));
        lists.insert("loan_status".into(), list(loan::LoanStatus::ALL, loan::LoanStatus::code, loan::LoanStatus::label));
        lists.insert(
            "disbursement_method".into(),
            list(loan::DisbursementMethod::ALL, loan::DisbursementMethod::code, loan::DisbursementMethod::label),
        );
        lists.insert(
            "repayment_method".into(),
            list(loan::RepaymentMethod::ALL, loan::RepaymentMethod::code, loan::RepaymentMethod::label),
        );
        lists.insert("arrears_bucket".into(), list(B::ALL, B::code, B::label));
    }
    {
        use domain::contact::*;
        use domain::disability::{DisabilityType, Severity};
        lists.insert("contact_channel".into(), list(ContactChannel::ALL, ContactChannel::code, ContactChannel::label));
        lists.insert("contact_category".into(), list(ContactCategory::ALL, ContactCategory::code, ContactCategory::label));
        lists.insert("contact_action".into(), list(ContactAction::ALL, ContactAction::code, ContactAction::label));
        lists.insert("contact_outcome".into(), list(ContactOutcome::ALL, ContactOutcome::code, ContactOutcome::label));
        lists.insert("reporter_relation".into(), list(ReporterRelation::ALL, ReporterRelation::code, ReporterRelation::label));
        lists.insert(
            "perpetrator_relation".into(),
            list(PerpetratorRelation::ALL, PerpetratorRelation::code, PerpetratorRelation::label),
        );
        use domain::voluntary::{CommitteePosition, OrganisationStatus, RegistrationDocument};
        lists.insert(
            "organisation_status".into(),
            list(OrganisationStatus::ALL, OrganisationStatus::code, OrganisationStatus::label),
        );
        lists.insert(
            "registration_document".into(),
            list(RegistrationDocument::ALL, RegistrationDocument::code, RegistrationDocument::label),
        );
        lists
            .insert("committee_position".into(), list(CommitteePosition::ALL, CommitteePosition::code, CommitteePosition::label));
        use domain::hospital::{AidKind, PatientStatus};
        lists.insert("patient_status".into(), list(PatientStatus::ALL, PatientStatus::code, PatientStatus::label));
        lists.insert("aid_kind".into(), list(AidKind::ALL, AidKind::code, AidKind::label));
        use domain::institution::LeaveReason;
        lists.insert("leave_reason".into(), list(LeaveReason::ALL, LeaveReason::code, LeaveReason::label));
        use domain::probation::{CourtReportKind, SupervisionKind, SupervisionStatus};
        lists.insert("supervision_kind".into(), list(SupervisionKind::ALL, SupervisionKind::code, SupervisionKind::label));
        lists
            .insert("supervision_status".into(), list(SupervisionStatus::ALL, SupervisionStatus::code, SupervisionStatus::label));
        lists.insert("court_report_kind".into(), list(CourtReportKind::ALL, CourtReportKind::code, CourtReportKind::label));
        lists.insert("disability_type".into(), list(DisabilityType::ALL, DisabilityType::code, DisabilityType::label));
        lists.insert("disability_severity".into(), list(Severity::ALL, Severity::code, Severity::label));
    }
    lists.insert(
        "facility_type".into(),
        list(domain::facility::FacilityType::ALL, domain::facility::FacilityType::code, domain::facility::FacilityType::label),
    );
    HttpResponse::Ok().json(CodeLists { lists })
}
