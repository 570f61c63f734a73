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
    (
        labelled { $($(#[$ldoc:meta])* $lname:ident($list:literal) => $ty:ty;)+ }
        plain { $($(#[$pdoc:meta])* $pname:ident => $codes:expr;)+ }
    ) => {
        $(
            $(#[$ldoc])*
            pub struct $lname;

            impl $lname {
                /// Every code, in the domain's order.
                pub fn codes() -> Vec<&'static str> {
                    <$ty>::ALL.iter().map(|v| v.code()).collect()
                }
            }
        )+
        $(
            $(#[$pdoc])*
            pub struct $pname;

            impl $pname {
                /// Every code.
                pub fn codes() -> Vec<&'static str> {
                    $codes
                }
            }
        )+
        $(
            impl utoipa::PartialSchema for $lname {
                fn schema() -> RefOr<Schema> {
                    enum_schema(&$lname::codes())
                }
            }

            impl utoipa::ToSchema for $lname {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($lname))
                }
            }
        )+
        $(
            impl utoipa::PartialSchema for $pname {
                fn schema() -> RefOr<Schema> {
                    enum_schema(&$pname::codes())
                }
            }

            impl utoipa::ToSchema for $pname {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($pname))
                }
            }
        )+

        /// Every code-list schema by name, with its codes (the contract test compares them).
        pub fn all() -> Vec<(&'static str, Vec<&'static str>)> {
            vec![$((stringify!($lname), $lname::codes()),)+ $((stringify!($pname), $pname::codes())),+]
        }

        /// The code lists a front end shows (`/reference/code-lists`): every list of the
        /// domain's, by its name there, with the schema it is and each code's labels.
        pub fn labelled() -> Vec<(&'static str, &'static str, Vec<(&'static str, domain::Label)>)> {
            vec![$(($list, stringify!($lname), <$ty>::ALL.iter().map(|v| (v.code(), v.label())).collect()),)+]
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

code_schemas! {
    labelled {
        /// An account's role.
        RoleCode("role") => Role;
        /// Whether an account is a person (password grant) or a system (client credentials).
        AccountKindCode("account_kind") => AccountKind;
        /// Whether an account may sign in.
        UserStatusCode("user_status") => UserStatus;
        /// Sex as recorded.
        SexCode("sex") => Sex;
        /// The kind of a case.
        CaseKindCode("case_kind") => CaseKind;
        /// Where a case stands.
        CaseStatusCode("case_status") => CaseStatus;
        /// A risk level from an assessment.
        RiskLevelCode("risk_level") => RiskLevel;
        /// A child's risk category.
        RiskCategoryCode("risk_category") => RiskCategory;
        /// A service given in a case.
        ServiceTypeCode("service_type") => ServiceType;
        /// Where a person is reintegrated to.
        DestinationCode("destination") => Destination;
        /// What a case approval decides.
        ApprovalKindCode("approval_kind") => ApprovalKind;
        /// Where a request to transfer a case stands.
        TransferStatusCode("case_transfer_status") => domain::case::holding::TransferStatus;
        /// Where an approval stands.
        ApprovalStatusCode("approval_status") => ApprovalStatus;
        /// What a consent is for.
        ConsentPurposeCode("consent_purpose") => ConsentPurpose;
        /// The outcome of a guardian assessment.
        AssessmentOutcomeCode("assessment_outcome") => AssessmentOutcome;
        /// Where a referral stands.
        ReferralStatusCode("referral_status") => ReferralStatus;
        /// Why a case ended without closure.
        ExitReasonCode("exit_reason") => ExitReason;
        /// The type of a facility.
        FacilityTypeCode("facility_type") => domain::facility::FacilityType;
        /// Where an allowance application stands.
        ApplicationStatusCode("application_status") => ApplicationStatus;
        /// A beneficiary's standing.
        BeneficiaryStatusCode("beneficiary_status") => BeneficiaryStatus;
        /// Why a beneficiary left a programme.
        BeneficiaryExitCode("beneficiary_exit") => BeneficiaryExit;
        /// A mobile financial service or bank that pays allowances.
        PaymentProviderCode("payment_provider") => PaymentProvider;
        /// Where a payment cycle stands.
        CycleStatusCode("cycle_status") => CycleStatus;
        /// Where a payment stands.
        PaymentStatusCode("payment_status") => domain::allowance::history::PaymentStatus;
        /// A type of disability (2013 act).
        DisabilityTypeCode("disability_type") => domain::disability::DisabilityType;
        /// How severe a disability is.
        SeverityCode("disability_severity") => domain::disability::Severity;
        /// What kind of organisation a service directory entry is.
        OrganisationKindCode("directory_organisation_kind") => domain::directory::OrganisationKind;
        /// A language a service directory entry serves people in.
        DirectoryLanguageCode("directory_language") => domain::directory::Language;
        /// A household member's relation to the head.
        RelationToHeadCode("relation_to_head") => domain::household::RelationToHead;
        /// A relationship between two persons, as recorded.
        RelationshipKindCode("relationship_kind") => domain::household::RelationshipKind;
        /// How someone is related to a person, seen from that person.
        KinCode("kin") => domain::household::Kin;
        /// What a document on a record is.
        DocumentKindCode("document_kind") => domain::document::DocumentKind;
        /// The kind of record a document belongs to.
        DocumentOwnerKindCode("document_owner_kind") => domain::document::OwnerKind;
        /// The file types a document may be (told by its bytes).
        DocumentMediaTypeCode("document_media_type") => domain::document::MediaType;
        /// How a helpline or outreach contact came in.
        ContactChannelCode("contact_channel") => domain::contact::ContactChannel;
        /// What a contact is about (Child Helpline International's categories).
        ContactCategoryCode("contact_category") => domain::contact::ContactCategory;
        /// What was done on a contact.
        ContactActionCode("contact_action") => domain::contact::ContactAction;
        /// How a contact ended.
        ContactOutcomeCode("contact_outcome") => domain::contact::ContactOutcome;
        /// Who got in touch, in relation to the child or woman.
        ReporterRelationCode("reporter_relation") => domain::contact::ReporterRelation;
        /// Who is said to have caused the harm, in relation to her.
        PerpetratorRelationCode("perpetrator_relation") => domain::contact::PerpetratorRelation;
        /// Where a voluntary organisation's registration stands.
        OrganisationStatusCode("organisation_status") => domain::voluntary::OrganisationStatus;
        /// A document filed with an application for registration.
        RegistrationDocumentCode("registration_document") => domain::voluntary::RegistrationDocument;
        /// A place on an organisation's executive committee.
        CommitteePositionCode("committee_position") => domain::voluntary::CommitteePosition;
        /// Where a patient's request to hospital social services stands.
        PatientStatusCode("patient_status") => domain::hospital::PatientStatus;
        /// A kind of aid given to a patient.
        AidKindCode("aid_kind") => domain::hospital::AidKind;
        /// How a resident's stay at an institution ended.
        LeaveReasonCode("leave_reason") => domain::institution::LeaveReason;
        /// Why a person is under supervision (probation, diversion, after-care).
        SupervisionKindCode("supervision_kind") => domain::probation::SupervisionKind;
        /// Where a supervision stands.
        SupervisionStatusCode("supervision_status") => domain::probation::SupervisionStatus;
        /// What a report to the court is.
        CourtReportKindCode("court_report_kind") => domain::probation::CourtReportKind;
        /// What stands at the upazila level.
        UpazilaKindCode("upazila_kind") => domain::geo::UpazilaKind;
        /// What stands at the union level.
        UnionKindCode("union_kind") => domain::geo::UnionKind;
        /// A microcredit programme.
        MicrocreditProgrammeCode("microcredit_programme") => MicrocreditProgramme;
        /// What a fund's ledger entry records.
        FundEntryKindCode("fund_entry_kind") => FundEntryKind;
        /// Where a microcredit loan stands.
        LoanStatusCode("loan_status") => LoanStatus;
        /// How a loan reached the borrower.
        DisbursementMethodCode("disbursement_method") => DisbursementMethod;
        /// How a repayment was made.
        RepaymentMethodCode("repayment_method") => RepaymentMethod;
        /// A portfolio-at-risk bucket.
        ArrearsBucketCode("arrears_bucket") => ArrearsBucket;
        /// An education level that stipends pay by.
        EducationLevelCode("education_level") => EducationLevel;
        /// Marital status, for eligibility.
        MaritalStatusCode("marital_status") => MaritalStatus;
        /// A community with its own programmes.
        CommunityCode("community") => Community;
        /// An eligibility verdict.
        VerdictCode("verdict") => Verdict;
    }
    plain {
        /// The kind of a scope (`upazila:ID` has kind `upazila`).
        ScopeKind => vec!["national", "division", "district", "upazila", "facility", "partner"];
        /// An allowance programme.
        ProgrammeCode => programme_codes().to_vec();
        /// Which transfers of your office: to it, or from it.
        TransferSideCode => vec!["incoming", "outgoing"];
        /// How a candidate guardian is related: a recorded relationship, or the household.
        KinSourceCode => vec!["relationship", "household"];
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
