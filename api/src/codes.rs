//! The code lists of the contract as `enum` schemas, built from the domain's own lists, so
//! that front ends generate typed unions (a misspelt status fails their compiler) and the
//! contract cannot drift from the rules. Fields that carry a code say so with
//! `#[schema(value_type = codes::CaseStatus)]`.

use std::borrow::Cow;

use domain::access::Role;
use domain::allowance::enrolment::{ApplicationStatus, BeneficiaryExit, BeneficiaryStatus, PaymentProvider};
use domain::allowance::payroll::CycleStatus;
use domain::allowance::programme::{Community, EducationLevel, MaritalStatus};
use domain::allowance::Verdict;
use domain::case::{
    ApprovalKind, ApprovalStatus, AssessmentOutcome, CaseKind, CaseStatus, ConsentPurpose, Destination, ExitReason,
    ReferralStatus, RiskCategory, RiskLevel, ServiceType,
};
use domain::microcredit::arrears::ArrearsBucket;
use domain::microcredit::fund::FundEntryKind;
use domain::microcredit::loan::{DisbursementMethod, LoanStatus, RepaymentMethod};
use domain::microcredit::programme::MicrocreditProgramme;
use domain::person::Sex;
use domain::user::{AccountKind, UserStatus};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

macro_rules! code_schemas {
    ($($(#[$doc:meta])* $name:ident => $codes:expr;)+) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl $name {
                /// Every code, in the domain's order.
                pub fn codes() -> Vec<&'static str> {
                    $codes
                }
            }

            impl utoipa::PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    enum_schema(&$name::codes())
                }
            }

            impl utoipa::ToSchema for $name {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($name))
                }
            }
        )+

        /// Every code-list schema by name, with its codes (the contract test compares them).
        pub fn all() -> Vec<(&'static str, Vec<&'static str>)> {
            vec![$((stringify!($name), $name::codes())),+]
        }
    };
}

/// A code list as a JSON Schema `enum`, with its first code as the example.
pub(crate) fn enum_schema(codes: &[&'static str]) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(codes.iter().copied()))
        .examples(codes.first().map(|c| serde_json::Value::String((*c).to_owned())))
        .into()
}

/// The programmes as seeded (programmes are versioned data; their codes are fixed).
fn programme_codes() -> &'static [&'static str] {
    static CODES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        let mut out: Vec<&'static str> = vec![];
        for p in domain::allowance::seeds::programmes() {
            if !out.iter().any(|c| *c == p.code) {
                // Leaked once for the life of the process: a handful of short codes.
                out.push(Box::leak(p.code.into_boxed_str()));
            }
        }
        out
    })
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| code(*v)).collect()
}

code_schemas! {
    /// An account's role.
    RoleCode => codes(&Role::ALL, Role::code);
    /// Whether an account is a person (password grant) or a system (client credentials).
    AccountKindCode => codes(AccountKind::ALL, AccountKind::code);
    /// Whether an account may sign in.
    UserStatusCode => codes(UserStatus::ALL, UserStatus::code);
    /// The kind of a scope (`upazila:ID` has kind `upazila`).
    ScopeKind => vec!["national", "division", "district", "upazila", "facility", "partner"];
    /// Sex as recorded.
    SexCode => codes(&Sex::ALL, Sex::code);
    /// The kind of a case.
    CaseKindCode => codes(CaseKind::ALL, CaseKind::code);
    /// Where a case stands.
    CaseStatusCode => codes(CaseStatus::ALL, CaseStatus::code);
    /// A risk level from an assessment.
    RiskLevelCode => codes(RiskLevel::ALL, RiskLevel::code);
    /// A child's risk category.
    RiskCategoryCode => codes(RiskCategory::ALL, RiskCategory::code);
    /// A service given in a case.
    ServiceTypeCode => codes(ServiceType::ALL, ServiceType::code);
    /// Where a person is reintegrated to.
    DestinationCode => codes(Destination::ALL, Destination::code);
    /// What a case approval decides.
    ApprovalKindCode => codes(ApprovalKind::ALL, ApprovalKind::code);
    /// Where an approval stands.
    ApprovalStatusCode => codes(ApprovalStatus::ALL, ApprovalStatus::code);
    /// What a consent is for.
    ConsentPurposeCode => codes(ConsentPurpose::ALL, ConsentPurpose::code);
    /// The outcome of a guardian assessment.
    AssessmentOutcomeCode => codes(AssessmentOutcome::ALL, AssessmentOutcome::code);
    /// Where a referral stands.
    ReferralStatusCode => codes(ReferralStatus::ALL, ReferralStatus::code);
    /// Why a case ended without closure.
    ExitReasonCode => codes(ExitReason::ALL, ExitReason::code);
    /// The type of a facility.
    FacilityTypeCode => codes(domain::facility::FacilityType::ALL, domain::facility::FacilityType::code);
    /// An allowance programme.
    ProgrammeCode => programme_codes().to_vec();
    /// Where an allowance application stands.
    ApplicationStatusCode => codes(&ApplicationStatus::ALL, ApplicationStatus::code);
    /// A beneficiary's standing.
    BeneficiaryStatusCode => codes(BeneficiaryStatus::ALL, BeneficiaryStatus::code);
    /// Why a beneficiary left a programme.
    BeneficiaryExitCode => codes(BeneficiaryExit::ALL, BeneficiaryExit::code);
    /// A mobile financial service or bank that pays allowances.
    PaymentProviderCode => codes(&PaymentProvider::ALL, PaymentProvider::code);
    /// Where a payment cycle stands.
    CycleStatusCode => codes(CycleStatus::ALL, CycleStatus::code);
    /// Where a payment stands.
    PaymentStatusCode => vec!["pending", "paid", "failed", "carried"];
    /// A type of disability (2013 act).
    DisabilityTypeCode => codes(domain::disability::DisabilityType::ALL, domain::disability::DisabilityType::code);
    /// How severe a disability is.
    SeverityCode => codes(domain::disability::Severity::ALL, domain::disability::Severity::code);
    /// How a helpline or outreach contact came in.
    ContactChannelCode => codes(domain::contact::ContactChannel::ALL, domain::contact::ContactChannel::code);
    /// What a contact is about (Child Helpline International's categories).
    ContactCategoryCode => codes(domain::contact::ContactCategory::ALL, domain::contact::ContactCategory::code);
    /// What was done on a contact.
    ContactActionCode => codes(domain::contact::ContactAction::ALL, domain::contact::ContactAction::code);
    /// How a contact ended.
    ContactOutcomeCode => codes(domain::contact::ContactOutcome::ALL, domain::contact::ContactOutcome::code);
    /// Who got in touch, in relation to the child or woman.
    ReporterRelationCode => codes(domain::contact::ReporterRelation::ALL, domain::contact::ReporterRelation::code);
    /// Who is said to have caused the harm, in relation to her.
    PerpetratorRelationCode => codes(domain::contact::PerpetratorRelation::ALL, domain::contact::PerpetratorRelation::code);
    /// Where a voluntary organisation's registration stands.
    OrganisationStatusCode => codes(domain::voluntary::OrganisationStatus::ALL, domain::voluntary::OrganisationStatus::code);
    /// A document filed with an application for registration.
    RegistrationDocumentCode => codes(domain::voluntary::RegistrationDocument::ALL, domain::voluntary::RegistrationDocument::code);
    /// A place on an organisation's executive committee.
    CommitteePositionCode => codes(domain::voluntary::CommitteePosition::ALL, domain::voluntary::CommitteePosition::code);
    /// Where a patient's request to hospital social services stands.
    PatientStatusCode => codes(domain::hospital::PatientStatus::ALL, domain::hospital::PatientStatus::code);
    /// A kind of aid given to a patient.
    AidKindCode => codes(domain::hospital::AidKind::ALL, domain::hospital::AidKind::code);
    /// How a resident's stay at an institution ended.
    LeaveReasonCode => codes(domain::institution::LeaveReason::ALL, domain::institution::LeaveReason::code);
    /// Why a person is under supervision (probation, diversion, after-care).
    SupervisionKindCode => codes(domain::probation::SupervisionKind::ALL, domain::probation::SupervisionKind::code);
    /// Where a supervision stands.
    SupervisionStatusCode => codes(domain::probation::SupervisionStatus::ALL, domain::probation::SupervisionStatus::code);
    /// What a report to the court is.
    CourtReportKindCode => codes(domain::probation::CourtReportKind::ALL, domain::probation::CourtReportKind::code);
    /// What stands at the upazila level.
    UpazilaKindCode => codes(domain::geo::UpazilaKind::ALL, domain::geo::UpazilaKind::code);
    /// What stands at the union level.
    UnionKindCode => codes(domain::geo::UnionKind::ALL, domain::geo::UnionKind::code);
    /// A microcredit programme.
    MicrocreditProgrammeCode => codes(MicrocreditProgramme::ALL, MicrocreditProgramme::code);
    /// What a fund's ledger entry records.
    FundEntryKindCode => codes(FundEntryKind::ALL, FundEntryKind::code);
    /// Where a microcredit loan stands.
    LoanStatusCode => codes(LoanStatus::ALL, LoanStatus::code);
    /// How a loan reached the borrower.
    DisbursementMethodCode => codes(DisbursementMethod::ALL, DisbursementMethod::code);
    /// How a repayment was made.
    RepaymentMethodCode => codes(RepaymentMethod::ALL, RepaymentMethod::code);
    /// A portfolio-at-risk bucket.
    ArrearsBucketCode => codes(ArrearsBucket::ALL, ArrearsBucket::code);
    /// An education level that stipends pay by.
    EducationLevelCode => codes(&EducationLevel::ALL, EducationLevel::code);
    /// Marital status, for eligibility.
    MaritalStatusCode => codes(&MaritalStatus::ALL, MaritalStatus::code);
    /// A community with its own programmes.
    CommunityCode => codes(Community::ALL, Community::code);
    /// An eligibility verdict.
    VerdictCode => codes(Verdict::ALL, Verdict::code);
    /// Why an eligibility reason is given: a criterion failed, or facts are missing.
    ReasonKindCode => vec!["failed", "missing_facts"];
    /// What a job does.
    JobKindCode => vec![crate::jobs::IMPORT_BENEFICIARIES, crate::jobs::GENERATE_PAYROLL, crate::jobs::INDEX_PERSON_NAMES];
    /// Where a job stands.
    JobStatusCode => vec!["queued", "running", "succeeded", "failed", "cancelled"];
    /// A report in the catalogue.
    ReportNameCode => crate::handlers::reports::report_names();
    /// RFC 6749 §5.2 error codes of the token endpoint.
    OAuthErrorCode => vec!["invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type", "temporarily_unavailable", "server_error"];
}

/// Refuses a filter value that `parse` does not know (422 `unknown_code`), so a misspelt
/// filter is an error rather than an empty page.
pub fn check_filter<T>(
    field: &str,
    value: &Option<String>,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, crate::problem::ApiError> {
    match value {
        None => Ok(None),
        Some(v) => parse(v)
            .map(Some)
            .ok_or_else(|| crate::problem::ApiError::field_coded(field, "unknown_code", format!("{v:?} is not a known code"))),
    }
}

/// Parses a code of one of these lists (for `check_filter` with lists that are not a domain type).
pub fn one_of(codes: Vec<&'static str>) -> impl Fn(&str) -> Option<&'static str> {
    move |v| codes.iter().copied().find(|c| *c == v)
}
