//! Case management for safe-home residents and children at risk: the case aggregate, the
//! commands that change it, and the rules that refuse them. Pure: the caller passes today's
//! date (Asia/Dhaka), the acting user, and facts it looked up (a facility's free places, a
//! guardian's identifiers); the aggregate decides.
//!
//! Every change is [`Case::handle`]: it checks the command against the case's stage and the
//! named rules, and either refuses with a typed [`Refusal`] or applies the change and returns
//! what happened (for the case's timeline).

pub mod codes;
pub mod guardians;
pub mod holding;
pub mod refusal;
pub mod sight;

use crate::id::{DirectoryEntryId, FacilityId, PartnerId, PersonId, UserId};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

pub use codes::*;
pub use refusal::Refusal;

use crate::person::{is_child_on, Sex};

/// Why a case ended without closure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    Transferred,
    Absconded,
    Died,
    AgedOut,
}

impl ExitReason {
    pub const ALL: &'static [ExitReason] =
        &[ExitReason::Transferred, ExitReason::Absconded, ExitReason::Died, ExitReason::AgedOut];

    pub fn code(self) -> &'static str {
        self.status().code()
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.code() == code)
    }

    pub fn label(self) -> crate::Label {
        self.status().label()
    }

    /// The status the case ends in.
    pub fn status(self) -> CaseStatus {
        match self {
            ExitReason::Transferred => CaseStatus::Transferred,
            ExitReason::Absconded => CaseStatus::Absconded,
            ExitReason::Died => CaseStatus::Died,
            ExitReason::AgedOut => CaseStatus::AgedOut,
        }
    }
}

/// Policy numbers for cases, kept as data: defaults that an office may configure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSettings {
    /// Months after reintegration at which follow-ups fall due.
    pub follow_up_months: Vec<u32>,
    /// Days before a stay limit at which the work queue warns.
    pub stay_warning_days: u32,
}

impl Default for CaseSettings {
    fn default() -> Self {
        CaseSettings { follow_up_months: vec![1, 3, 6, 12], stay_warning_days: 14 }
    }
}

/// What the caller supplies with every command.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Today in Asia/Dhaka.
    pub today: NaiveDate,
    /// The user acting.
    pub actor: UserId,
    pub settings: &'a CaseSettings,
}

/// The person the case is about, as far as the rules need to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSubject {
    pub person_id: PersonId,
    pub sex: Sex,
    /// Actual or estimated.
    pub date_of_birth: NaiveDate,
    pub foreign_national: bool,
}

/// A court's order placing someone in a safe home, or releasing them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourtOrder {
    pub court: String,
    pub order_number: String,
    pub order_date: NaiveDate,
}

/// What the caller looked up about a facility for an admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacilityFacts {
    pub facility_id: FacilityId,
    /// Places for the subject's sex.
    pub capacity: u32,
    /// Residents of that sex there now.
    pub occupied: u32,
    /// The facility's stay limit (SRTRCCR centres: 6 months), if it has one.
    pub stay_limit_months: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub facility_id: FacilityId,
    pub admitted_on: NaiveDate,
    /// The last day of the permitted stay; extended only by an approved extension.
    pub stay_until: Option<NaiveDate>,
    pub health_check: String,
    pub belongings: Vec<String>,
    pub left_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAssessment {
    pub level: RiskLevel,
    pub categories: Vec<RiskCategory>,
    pub assessed_on: NaiveDate,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailedAssessment {
    pub assessed_on: NaiveDate,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intervention {
    pub description: String,
    pub provider: String,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasePlan {
    pub goals: Vec<String>,
    pub interventions: Vec<Intervention>,
    /// The day the plan was entered.
    pub submitted_on: NaiveDate,
    /// The day the plan was drawn up (the pipeline counts it then); none on plans entered
    /// before plans carried their own date, which were drawn up the day they were entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawn_up_on: Option<NaiveDate>,
    pub approval_no: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRecord {
    pub no: u32,
    pub service: ServiceType,
    pub given_on: NaiveDate,
    pub provider: String,
    /// The partner organisation that gave it, if any.
    pub partner_id: Option<PartnerId>,
    pub description: String,
    /// For equipment support: the item (sewing machine, loom, ...).
    pub item: Option<String>,
    /// Value in taka, where it has one.
    pub value_taka: Option<i64>,
    /// Given before the case plan was approved, as immediate support, for this reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immediate_support_reason: Option<String>,
    /// The service directory's entry for the provider, when it is listed there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory_entry_id: Option<DirectoryEntryId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    pub no: u32,
    pub service: ServiceType,
    pub to_organisation: String,
    pub referred_on: NaiveDate,
    pub status: ReferralStatus,
    pub updated_on: NaiveDate,
    /// The service directory's entry referred to, when it is listed there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory_entry_id: Option<DirectoryEntryId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseConference {
    pub no: u32,
    pub held_on: NaiveDate,
    pub participants: Vec<String>,
    pub decisions: Vec<String>,
}

/// A caseworker's note on the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub no: u32,
    pub written_on: NaiveDate,
    pub author: UserId,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub no: u32,
    pub purpose: ConsentPurpose,
    /// Who gave it: the person, or their guardian (by name).
    pub given_by: String,
    pub given_on: NaiveDate,
}

/// The guardian a person is handed to, as looked up by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guardian {
    pub person_id: PersonId,
    pub relationship: String,
    /// Whether the guardian's person record has a national ID or birth registration number.
    pub has_identifier: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportItem {
    pub item: String,
    pub value_taka: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardianAssessment {
    pub outcome: AssessmentOutcome,
    pub assessed_on: NaiveDate,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepatriationClearance {
    pub reference: String,
    pub cleared_on: NaiveDate,
}

/// A reintegration: prepared, checked against the rules, completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reintegration {
    pub destination: Destination,
    pub guardian: Option<Guardian>,
    pub support_items: Vec<SupportItem>,
    pub started_on: NaiveDate,
    pub guardian_assessment: Option<GuardianAssessment>,
    pub child_views: Option<String>,
    pub repatriation_clearance: Option<RepatriationClearance>,
    pub completed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub no: u32,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub risk_found: Option<bool>,
    pub notes: String,
    /// Cancelled when the case was re-opened or closed with approval before it fell due.
    pub cancelled: bool,
}

impl FollowUp {
    pub fn is_pending(&self) -> bool {
        self.done_on.is_none() && !self.cancelled
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub no: u32,
    pub kind: ApprovalKind,
    pub status: ApprovalStatus,
    pub requested_by: UserId,
    pub requested_on: NaiveDate,
    pub justification: String,
    /// For a stay extension: the new last day.
    pub extension_until: Option<NaiveDate>,
    pub decided_by: Option<UserId>,
    pub decided_on: Option<NaiveDate>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reopening {
    pub reopened_on: NaiveDate,
    pub from: CaseStatus,
    pub reason: String,
    pub intervention_plan: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exit {
    pub reason: ExitReason,
    pub on: NaiveDate,
    pub details: String,
    pub court_report: Option<String>,
}

/// The case aggregate: everything the rules look at, stored whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub kind: CaseKind,
    pub status: CaseStatus,
    pub opened_on: NaiveDate,
    pub subject: CaseSubject,
    pub court_order: Option<CourtOrder>,
    pub release_order: Option<CourtOrder>,
    pub placement: Option<Placement>,
    pub risk: Option<RiskAssessment>,
    pub detailed_assessment: Option<DetailedAssessment>,
    pub case_plan: Option<CasePlan>,
    pub alleged_perpetrators: Vec<PersonId>,
    pub services: Vec<ServiceRecord>,
    pub referrals: Vec<Referral>,
    pub conferences: Vec<CaseConference>,
    pub consents: Vec<Consent>,
    #[serde(default)]
    pub notes: Vec<Note>,
    pub reintegration: Option<Reintegration>,
    pub past_reintegrations: Vec<Reintegration>,
    pub follow_ups: Vec<FollowUp>,
    pub approvals: Vec<Approval>,
    pub reopenings: Vec<Reopening>,
    pub exit: Option<Exit>,
    pub closed_on: Option<NaiveDate>,
}

/// A change asked of a case. Sub-records are addressed by their number within the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Safe home: admit the resident under the court order.
    Admit {
        facility: FacilityFacts,
        admitted_on: NaiveDate,
        health_check: String,
        belongings: Vec<String>,
    },
    /// Child protection: place the child in a centre (in service, or by approved emergency placement).
    PlaceInFacility {
        facility: FacilityFacts,
        placed_on: NaiveDate,
    },
    RecordReleaseOrder {
        order: CourtOrder,
    },
    RecordRiskAssessment {
        assessment: RiskAssessment,
    },
    RecordDetailedAssessment {
        assessment: DetailedAssessment,
    },
    SubmitCasePlan {
        goals: Vec<String>,
        interventions: Vec<Intervention>,
        /// The day the plan was drawn up; today when not given.
        #[serde(default)]
        drawn_up_on: Option<NaiveDate>,
    },
    RequestEmergencyPlacement {
        justification: String,
    },
    RecordService {
        service: ServiceType,
        given_on: NaiveDate,
        provider: String,
        partner_id: Option<PartnerId>,
        description: String,
        item: Option<String>,
        value_taka: Option<i64>,
        /// Why a child gets it before the case plan is approved (immediate support).
        #[serde(default)]
        immediate_support_reason: Option<String>,
        /// The provider's entry in the service directory (checked by the caller).
        #[serde(default)]
        directory_entry_id: Option<DirectoryEntryId>,
    },
    RecordReferral {
        service: ServiceType,
        to_organisation: String,
        referred_on: NaiveDate,
        /// The entry in the service directory referred to (checked by the caller).
        #[serde(default)]
        directory_entry_id: Option<DirectoryEntryId>,
    },
    UpdateReferral {
        no: u32,
        status: ReferralStatus,
    },
    RecordConference {
        held_on: NaiveDate,
        participants: Vec<String>,
        decisions: Vec<String>,
    },
    RecordConsent {
        purpose: ConsentPurpose,
        given_by: String,
        given_on: NaiveDate,
    },
    RecordNote {
        text: String,
    },
    RecordAllegedPerpetrator {
        person_id: PersonId,
    },
    StartReintegration {
        destination: Destination,
        guardian: Option<Guardian>,
        support_items: Vec<SupportItem>,
        started_on: NaiveDate,
    },
    RecordGuardianAssessment {
        assessment: GuardianAssessment,
    },
    RecordChildViews {
        views: String,
    },
    RecordRepatriationClearance {
        clearance: RepatriationClearance,
    },
    CompleteReintegration {
        completed_on: NaiveDate,
    },
    RecordFollowUp {
        no: u32,
        done_on: NaiveDate,
        risk_found: bool,
        notes: String,
        intervention_plan: Option<String>,
    },
    RequestClosure {
        reason: String,
    },
    RequestStayExtension {
        until: NaiveDate,
        justification: String,
    },
    DecideApproval {
        no: u32,
        approve: bool,
        comment: Option<String>,
        /// The day of the decision (a plan's `approved_on`); today when not given.
        #[serde(default)]
        decided_on: Option<NaiveDate>,
    },
    Reopen {
        reason: String,
        intervention_plan: String,
    },
    Exit {
        exit: Exit,
    },
}

impl Command {
    /// The command's name in the timeline and in refusals.
    pub fn name(&self) -> &'static str {
        use Command::*;
        match self {
            Admit { .. } => "admit",
            PlaceInFacility { .. } => "place_in_facility",
            RecordReleaseOrder { .. } => "record_release_order",
            RecordRiskAssessment { .. } => "record_risk_assessment",
            RecordDetailedAssessment { .. } => "record_detailed_assessment",
            SubmitCasePlan { .. } => "submit_case_plan",
            RequestEmergencyPlacement { .. } => "request_emergency_placement",
            RecordService { .. } => "record_service",
            RecordReferral { .. } => "record_referral",
            UpdateReferral { .. } => "update_referral",
            RecordConference { .. } => "record_conference",
            RecordConsent { .. } => "record_consent",
            RecordNote { .. } => "record_note",
            RecordAllegedPerpetrator { .. } => "record_alleged_perpetrator",
            StartReintegration { .. } => "start_reintegration",
            RecordGuardianAssessment { .. } => "record_guardian_assessment",
            RecordChildViews { .. } => "record_child_views",
            RecordRepatriationClearance { .. } => "record_repatriation_clearance",
            CompleteReintegration { .. } => "complete_reintegration",
            RecordFollowUp { .. } => "record_follow_up",
            RequestClosure { .. } => "request_closure",
            RequestStayExtension { .. } => "request_stay_extension",
            DecideApproval { .. } => "decide_approval",
            Reopen { .. } => "reopen",
            Exit { .. } => "exit",
        }
    }

    /// The kind of case the command is for, when only one kind takes it.
    pub fn case_kind(&self) -> Option<CaseKind> {
        use Command::*;
        match self {
            Admit { .. } => Some(CaseKind::SafeHome),
            PlaceInFacility { .. } => Some(CaseKind::ChildProtection),
            RecordReleaseOrder { .. } => Some(CaseKind::SafeHome),
            RecordRiskAssessment { .. } => Some(CaseKind::ChildProtection),
            RecordDetailedAssessment { .. } => Some(CaseKind::ChildProtection),
            SubmitCasePlan { .. } => Some(CaseKind::ChildProtection),
            RequestEmergencyPlacement { .. } => Some(CaseKind::ChildProtection),
            _ => None,
        }
    }

    /// Where the command may run: the one table of statuses each command accepts (the
    /// "has ended" guard is applied from it, once, in `decide`).
    pub fn allowed(&self) -> Allowed {
        use Command::*;
        match self {
            Admit { .. } => Allowed::In(&[CaseStatus::CourtOrderReceived]),
            PlaceInFacility { .. } => Allowed::In(&[CaseStatus::InService]),
            RecordReleaseOrder { .. } => Allowed::In(&[CaseStatus::Admitted, CaseStatus::InCare]),
            RecordRiskAssessment { .. } => Allowed::In(&[
                CaseStatus::Intake,
                CaseStatus::RiskAssessment,
                CaseStatus::DetailedAssessment,
                CaseStatus::CasePlan,
                CaseStatus::InService,
                CaseStatus::Reintegration,
                CaseStatus::FollowUp,
            ]),
            RecordDetailedAssessment { .. } => Allowed::In(&[CaseStatus::RiskAssessment, CaseStatus::DetailedAssessment]),
            SubmitCasePlan { .. } => Allowed::In(&[CaseStatus::DetailedAssessment, CaseStatus::CasePlan]),
            RequestEmergencyPlacement { .. } => {
                Allowed::In(&[CaseStatus::Intake, CaseStatus::RiskAssessment, CaseStatus::DetailedAssessment])
            }
            // Before the plan is approved (intake to case plan): immediate support only, see
            // `record_service`.
            RecordService { .. } => Allowed::In(&[
                CaseStatus::Intake,
                CaseStatus::RiskAssessment,
                CaseStatus::DetailedAssessment,
                CaseStatus::CasePlan,
                CaseStatus::Admitted,
                CaseStatus::InCare,
                CaseStatus::InService,
                CaseStatus::ReleaseOrdered,
                CaseStatus::Reintegration,
                CaseStatus::FollowUp,
            ]),
            RecordReferral { .. } => Allowed::In(&[
                CaseStatus::Admitted,
                CaseStatus::InCare,
                CaseStatus::ReleaseOrdered,
                CaseStatus::RiskAssessment,
                CaseStatus::DetailedAssessment,
                CaseStatus::CasePlan,
                CaseStatus::InService,
                CaseStatus::Reintegration,
                CaseStatus::FollowUp,
            ]),
            UpdateReferral { .. } => Allowed::WhileOpen,
            RecordConference { .. } => Allowed::WhileOpen,
            RecordConsent { .. } => Allowed::WhileOpen,
            RecordNote { .. } => Allowed::Always,
            RecordAllegedPerpetrator { .. } => Allowed::WhileOpen,
            StartReintegration { .. } => {
                Allowed::ByKind { safe_home: &[CaseStatus::ReleaseOrdered], child_protection: &[CaseStatus::InService] }
            }
            RecordGuardianAssessment { .. } => Allowed::In(&[CaseStatus::Reintegration]),
            RecordChildViews { .. } => Allowed::In(&[CaseStatus::Reintegration]),
            RecordRepatriationClearance { .. } => Allowed::In(&[CaseStatus::Reintegration]),
            CompleteReintegration { .. } => Allowed::In(&[CaseStatus::Reintegration]),
            RecordFollowUp { .. } => Allowed::In(&[CaseStatus::FollowUp]),
            RequestClosure { .. } => Allowed::In(&[CaseStatus::FollowUp]),
            RequestStayExtension { .. } => Allowed::WhileOpen,
            DecideApproval { .. } => Allowed::Depends,
            Reopen { .. } => Allowed::In(&[CaseStatus::Closed, CaseStatus::FollowUp]),
            Exit { .. } => Allowed::WhileOpen,
        }
    }
}

/// Where a command may run (see `Command::allowed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    /// Only in these statuses; a case that has ended is refused as ended.
    In(&'static [CaseStatus]),
    /// In these statuses, by the kind of case.
    ByKind { safe_home: &'static [CaseStatus], child_protection: &'static [CaseStatus] },
    /// In any status until the case has ended.
    WhileOpen,
    /// In any status, after the end too (a note).
    Always,
    /// Decided by the command from what it names (an approval's kind).
    Depends,
}

/// Something that followed from a command, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Happening {
    StatusChanged {
        from: CaseStatus,
        to: CaseStatus,
    },
    ApprovalRequested {
        no: u32,
        kind: ApprovalKind,
    },
    ApprovalDecided {
        no: u32,
        kind: ApprovalKind,
        status: ApprovalStatus,
    },
    FollowUpsScheduled {
        due: Vec<NaiveDate>,
    },
    FollowUpsCancelled {
        count: usize,
    },
    RiskFoundAtFollowUp {
        no: u32,
    },
    Reopened,
    StayExtended {
        until: NaiveDate,
    },
    LeftFacility {
        facility_id: FacilityId,
        on: NaiveDate,
    },
    /// An accepted transfer moved the resident to another home.
    MovedToFacility {
        from: FacilityId,
        to: FacilityId,
        on: NaiveDate,
    },
}

fn next_no(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX - 1) + 1
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// `case.support_value`: the value of a service or of a reintegration's support item is Tk 0
/// to Tk 10,00,00,000.
pub const SUPPORT_VALUE_TAKA: std::ops::RangeInclusive<i64> = 0..=100_000_000;

impl Case {
    /// Opens a safe-home case: a court order placed the person in protective custody. The
    /// case begins on the order's date.
    pub fn open_safe_home(subject: CaseSubject, order: CourtOrder, today: NaiveDate) -> Result<Case, Refusal> {
        if order.order_date > today {
            return Err(Refusal::DateInFuture);
        }
        if order.order_date < subject.date_of_birth {
            return Err(Refusal::DateBeforeBirth);
        }
        let mut case = Case::empty(CaseKind::SafeHome, CaseStatus::CourtOrderReceived, order.order_date, subject);
        case.court_order = Some(order);
        Ok(case)
    }

    /// Opens a child-protection case at intake; the child must be under 18 on the intake date.
    pub fn open_child_protection(subject: CaseSubject, intake_on: NaiveDate, today: NaiveDate) -> Result<Case, Refusal> {
        if intake_on > today {
            return Err(Refusal::DateInFuture);
        }
        if intake_on < subject.date_of_birth {
            return Err(Refusal::DateBeforeBirth);
        }
        if !is_child_on(subject.date_of_birth, intake_on) {
            return Err(Refusal::NotAChildAtIntake);
        }
        Ok(Case::empty(CaseKind::ChildProtection, CaseStatus::Intake, intake_on, subject))
    }

    fn empty(kind: CaseKind, status: CaseStatus, opened_on: NaiveDate, subject: CaseSubject) -> Case {
        Case {
            kind,
            status,
            opened_on,
            subject,
            court_order: None,
            release_order: None,
            placement: None,
            risk: None,
            detailed_assessment: None,
            case_plan: None,
            alleged_perpetrators: vec![],
            services: vec![],
            referrals: vec![],
            conferences: vec![],
            consents: vec![],
            notes: vec![],
            reintegration: None,
            past_reintegrations: vec![],
            follow_ups: vec![],
            approvals: vec![],
            reopenings: vec![],
            exit: None,
            closed_on: None,
        }
    }

    /// An accepted transfer to another home moves a resident with her case: she lives there
    /// from `on` if it has a place for her, under the stay limit her placement already runs
    /// under (a move is not a new admission). `None` when she lives in no home, or in that one.
    pub fn move_residence(&mut self, to: &FacilityFacts, on: NaiveDate) -> Result<Option<Happening>, Refusal> {
        let from = match self.in_residence() {
            Some(f) if f != to.facility_id => f,
            _ => return Ok(None),
        };
        if to.capacity == 0 {
            return Err(Refusal::FacilityDoesNotAdmit(self.subject.sex));
        }
        if to.occupied >= to.capacity {
            return Err(Refusal::CapacityFull(self.subject.sex));
        }
        if let Some(p) = self.placement.as_mut() {
            p.facility_id = to.facility_id;
        }
        Ok(Some(Happening::MovedToFacility { from, to: to.facility_id, on }))
    }

    /// The facility the person lives in now, if any.
    pub fn in_residence(&self) -> Option<FacilityId> {
        self.placement.as_ref().filter(|p| p.left_on.is_none() && !self.status.is_ended()).map(|p| p.facility_id)
    }

    pub fn pending_follow_ups(&self) -> impl Iterator<Item = &FollowUp> {
        self.follow_ups.iter().filter(|f| f.is_pending())
    }

    /// The earliest pending follow-up's due date.
    pub fn next_follow_up_due(&self) -> Option<NaiveDate> {
        self.pending_follow_ups().map(|f| f.due_on).min()
    }

    pub fn pending_approvals(&self) -> impl Iterator<Item = &Approval> {
        self.approvals.iter().filter(|a| a.status == ApprovalStatus::Requested)
    }

    fn has_consent(&self, purpose: ConsentPurpose) -> bool {
        self.consents.iter().any(|c| c.purpose == purpose)
    }

    fn approved(&self, kind: ApprovalKind) -> bool {
        self.approvals.iter().any(|a| a.kind == kind && a.status == ApprovalStatus::Approved)
    }

    /// Checks a date a person reports (an admission, a placement, a service, ...): not in the
    /// future, not before the subject's birth (`case.before_birth`), not before the case.
    fn check_date(&self, date: NaiveDate, ctx: &Ctx<'_>) -> Result<(), Refusal> {
        if date > ctx.today {
            Err(Refusal::DateInFuture)
        } else if date < self.subject.date_of_birth {
            Err(Refusal::DateBeforeBirth)
        } else if date < self.opened_on {
            Err(Refusal::DateBeforeCase)
        } else {
            Ok(())
        }
    }

    /// A step's own day: the person's dates (`check_date`), then the one day rule
    /// (`time::check_day`): not in the future, not before the step it follows.
    fn check_step_day(&self, on: NaiveDate, follows: Option<NaiveDate>, ctx: &Ctx<'_>) -> Result<(), Refusal> {
        self.check_date(on, ctx)?;
        crate::time::check_day(on, follows, ctx.today).map_err(|e| match e {
            crate::time::DayRefusal::Future => Refusal::DateInFuture,
            crate::time::DayRefusal::BeforePrevious(_) => Refusal::DateBeforePreviousStep,
        })
    }

    fn require(&self, action: &'static str, allowed: &[CaseStatus]) -> Result<(), Refusal> {
        if allowed.contains(&self.status) {
            return Ok(());
        }
        self.require_open()?;
        Err(Refusal::StepNotAllowed { action, status: self.status })
    }

    /// The reintegration in progress, for a step of it (the case's status says there is one).
    fn reintegration_under_way(&mut self) -> Result<&mut Reintegration, Refusal> {
        let status = self.status;
        self.reintegration.as_mut().ok_or(Refusal::StepNotAllowed { action: "reintegration", status })
    }

    /// A child-protection case whose plan is not yet approved (intake to case plan).
    fn before_approved_plan(&self) -> bool {
        use CaseStatus as S;
        matches!(self.status, S::Intake | S::RiskAssessment | S::DetailedAssessment | S::CasePlan)
    }

    /// The one "has the case ended?" guard.
    fn require_open(&self) -> Result<(), Refusal> {
        if self.status.is_ended() {
            Err(Refusal::CaseEnded)
        } else {
            Ok(())
        }
    }

    fn require_kind(&self, kind: CaseKind) -> Result<(), Refusal> {
        if self.kind == kind {
            Ok(())
        } else {
            Err(Refusal::WrongKind)
        }
    }

    fn request_approval(
        &mut self,
        kind: ApprovalKind,
        justification: String,
        extension_until: Option<NaiveDate>,
        ctx: &Ctx<'_>,
    ) -> Result<Happening, Refusal> {
        if self.pending_approvals().any(|a| a.kind == kind) {
            return Err(Refusal::ApprovalAlreadyPending(kind));
        }
        let no = next_no(self.approvals.len());
        self.approvals.push(Approval {
            no,
            kind,
            status: ApprovalStatus::Requested,
            requested_by: ctx.actor,
            requested_on: ctx.today,
            justification,
            extension_until,
            decided_by: None,
            decided_on: None,
            comment: None,
        });
        Ok(Happening::ApprovalRequested { no, kind })
    }

    fn set_status(&mut self, to: CaseStatus, out: &mut Vec<Happening>) {
        if self.status != to {
            out.push(Happening::StatusChanged { from: self.status, to });
            self.status = to;
        }
    }

    fn leave_facility(&mut self, on: NaiveDate, out: &mut Vec<Happening>) {
        if let Some(p) = self.placement.as_mut().filter(|p| p.left_on.is_none()) {
            p.left_on = Some(on);
            out.push(Happening::LeftFacility { facility_id: p.facility_id, on });
        }
    }

    fn cancel_follow_ups(&mut self, out: &mut Vec<Happening>) {
        let mut count = 0;
        for f in self.follow_ups.iter_mut().filter(|f| f.is_pending()) {
            f.cancelled = true;
            count += 1;
        }
        if count > 0 {
            out.push(Happening::FollowUpsCancelled { count });
        }
    }

    fn stay_ok(&self, on: NaiveDate) -> Result<(), Refusal> {
        match self.placement.as_ref().filter(|p| p.left_on.is_none()).and_then(|p| p.stay_until) {
            Some(until) if on > until => Err(Refusal::StayLimitPassed),
            _ => Ok(()),
        }
    }

    fn place(
        &mut self,
        facility: &FacilityFacts,
        on: NaiveDate,
        health_check: String,
        belongings: Vec<String>,
    ) -> Result<(), Refusal> {
        if facility.capacity == 0 {
            return Err(Refusal::FacilityDoesNotAdmit(self.subject.sex));
        }
        if facility.occupied >= facility.capacity {
            return Err(Refusal::CapacityFull(self.subject.sex));
        }
        let stay_until =
            facility.stay_limit_months.and_then(|m| on.checked_add_months(Months::new(m))).and_then(|d| d.pred_opt());
        self.placement = Some(Placement {
            facility_id: facility.facility_id,
            admitted_on: on,
            stay_until,
            health_check,
            belongings,
            left_on: None,
        });
        Ok(())
    }

    /// The reintegration rules, each named; the first that fails refuses completion.
    pub fn check_reintegration(&self, on: NaiveDate) -> Result<(), Refusal> {
        let r = self
            .reintegration
            .as_ref()
            .ok_or(Refusal::StepNotAllowed { action: "complete_reintegration", status: self.status })?;
        rules::court_release_order(self)?;
        rules::guardian_identified(r)?;
        rules::guardian_not_perpetrator(self, r)?;
        rules::guardian_assessed_safe(r)?;
        rules::child_views_recorded(self, r, on)?;
        rules::repatriation_clearance(self, r)?;
        rules::independent_living_adults_only(self, r, on)?;
        rules::consent_recorded(self, ConsentPurpose::Reintegration)?;
        Ok(())
    }

    /// Applies `cmd` if the rules allow it; returns what happened.
    pub fn handle(&mut self, cmd: &Command, ctx: &Ctx<'_>) -> Result<Vec<Happening>, Refusal> {
        let mut next = self.clone();
        let out = next.decide(cmd, ctx)?;
        *self = next;
        Ok(out)
    }

    fn decide(&mut self, cmd: &Command, ctx: &Ctx<'_>) -> Result<Vec<Happening>, Refusal> {
        if let Some(kind) = cmd.case_kind() {
            self.require_kind(kind)?;
        }
        match cmd.allowed() {
            Allowed::In(statuses) => self.require(cmd.name(), statuses)?,
            Allowed::ByKind { safe_home, child_protection } => {
                let statuses = match self.kind {
                    CaseKind::SafeHome => safe_home,
                    CaseKind::ChildProtection => child_protection,
                };
                self.require(cmd.name(), statuses)?
            }
            Allowed::WhileOpen => self.require_open()?,
            Allowed::Always | Allowed::Depends => {}
        }
        let mut out = Vec::new();
        match cmd {
            Command::Admit { facility, admitted_on, health_check, belongings } => {
                self.admit(facility, admitted_on, health_check, belongings, ctx, &mut out)?
            }
            Command::PlaceInFacility { facility, placed_on } => self.place_in_facility(facility, placed_on, ctx)?,
            Command::RecordReleaseOrder { order } => self.record_release_order(order, ctx, &mut out)?,
            Command::RecordRiskAssessment { assessment } => self.record_risk_assessment(assessment, ctx, &mut out)?,
            Command::RecordDetailedAssessment { assessment } => self.record_detailed_assessment(assessment, ctx, &mut out)?,
            Command::SubmitCasePlan { goals, interventions, drawn_up_on } => {
                self.submit_case_plan(goals, interventions, *drawn_up_on, ctx, &mut out)?
            }
            Command::RequestEmergencyPlacement { justification } => {
                self.request_emergency_placement(justification, ctx, &mut out)?
            }
            Command::RecordService {
                service,
                given_on,
                provider,
                partner_id,
                description,
                item,
                value_taka,
                immediate_support_reason,
                directory_entry_id,
            } => {
                self.record_service(
                    service,
                    given_on,
                    provider,
                    partner_id,
                    description,
                    item,
                    value_taka,
                    immediate_support_reason,
                    ctx,
                    &mut out,
                )?;
                self.name_directory_entry(*directory_entry_id, |c| c.services.last_mut().map(|s| &mut s.directory_entry_id));
            }
            Command::RecordReferral { service, to_organisation, referred_on, directory_entry_id } => {
                self.record_referral(service, to_organisation, referred_on, ctx)?;
                self.name_directory_entry(*directory_entry_id, |c| c.referrals.last_mut().map(|r| &mut r.directory_entry_id));
            }
            Command::UpdateReferral { no, status } => self.update_referral(no, status, ctx)?,
            Command::RecordConference { held_on, participants, decisions } => {
                self.record_conference(held_on, participants, decisions, ctx)?
            }
            Command::RecordConsent { purpose, given_by, given_on } => self.record_consent(purpose, given_by, given_on, ctx)?,
            Command::RecordNote { text } => self.record_note(text, ctx)?,
            Command::RecordAllegedPerpetrator { person_id } => self.record_alleged_perpetrator(person_id)?,
            Command::StartReintegration { destination, guardian, support_items, started_on } => {
                self.start_reintegration(destination, guardian, support_items, started_on, ctx, &mut out)?
            }
            Command::RecordGuardianAssessment { assessment } => self.record_guardian_assessment(assessment, ctx)?,
            Command::RecordChildViews { views } => self.record_child_views(views)?,
            Command::RecordRepatriationClearance { clearance } => self.record_repatriation_clearance(clearance, ctx)?,
            Command::CompleteReintegration { completed_on } => self.complete_reintegration(completed_on, ctx, &mut out)?,
            Command::RecordFollowUp { no, done_on, risk_found, notes, intervention_plan } => {
                self.record_follow_up(no, done_on, risk_found, notes, intervention_plan, ctx, &mut out)?
            }
            Command::RequestClosure { reason } => self.request_closure(reason, ctx, &mut out)?,
            Command::RequestStayExtension { until, justification } => {
                self.request_stay_extension(until, justification, ctx, &mut out)?
            }
            Command::DecideApproval { no, approve, comment, decided_on } => {
                self.decide_approval(no, approve, comment, *decided_on, ctx, &mut out)?
            }
            Command::Reopen { reason, intervention_plan } => self.reopen_case(reason, intervention_plan, ctx, &mut out)?,
            Command::Exit { exit } => self.exit(exit, ctx, &mut out)?,
        }
        Ok(out)
    }

    fn reopen(&mut self, reason: String, intervention_plan: String, ctx: &Ctx<'_>, out: &mut Vec<Happening>) {
        let from = self.status;
        self.cancel_follow_ups(out);
        if let Some(r) = self.reintegration.take() {
            self.past_reintegrations.push(r);
        }
        self.closed_on = None;
        self.reopenings.push(Reopening { reopened_on: ctx.today, from, reason, intervention_plan });
        out.push(Happening::Reopened);
        let to = match self.kind {
            CaseKind::ChildProtection => CaseStatus::InService,
            CaseKind::SafeHome => CaseStatus::InCare,
        };
        self.set_status(to, out);
    }

    /// Whether the stay limit falls within `warning_days` of `today` (or has passed).
    pub fn stay_limit_near(&self, today: NaiveDate, warning_days: u32) -> Option<NaiveDate> {
        let until = self.placement.as_ref().filter(|p| p.left_on.is_none()).and_then(|p| p.stay_until)?;
        (!self.status.is_ended() && until <= today + chrono::Duration::days(i64::from(warning_days))).then_some(until)
    }

    /// The day a child-protection case's subject turns 18 (for the ageing-out flag).
    pub fn ages_out_on(&self) -> Option<NaiveDate> {
        (self.kind == CaseKind::ChildProtection).then(|| crate::person::birthday(self.subject.date_of_birth, 18))
    }
}

/// Reads the number out of an `ApprovalRequested` happening.
struct ApprovalRequestedNo(u32);

impl ApprovalRequestedNo {
    fn of(h: &Happening) -> Self {
        match h {
            Happening::ApprovalRequested { no, .. } => ApprovalRequestedNo(*no),
            _ => unreachable!("request_approval returns ApprovalRequested"),
        }
    }
}

/// The named rules. Each refuses with its own [`Refusal`]; tests exercise them one by one.
pub mod rules {
    use super::*;

    /// Safe home: release only against a court release order.
    pub fn court_release_order(case: &Case) -> Result<(), Refusal> {
        if case.kind == CaseKind::SafeHome && case.release_order.is_none() {
            return Err(Refusal::ReleaseOrderMissing);
        }
        Ok(())
    }

    /// Handing over to a guardian needs the guardian identified: a person record with an ID,
    /// and the relationship.
    pub fn guardian_identified(r: &Reintegration) -> Result<(), Refusal> {
        if !r.destination.needs_guardian() {
            return Ok(());
        }
        match &r.guardian {
            Some(g) if g.has_identifier && !blank(&g.relationship) => Ok(()),
            _ => Err(Refusal::GuardianNotIdentified),
        }
    }

    /// The guardian must not be a recorded alleged perpetrator.
    pub fn guardian_not_perpetrator(case: &Case, r: &Reintegration) -> Result<(), Refusal> {
        match &r.guardian {
            Some(g) if case.alleged_perpetrators.contains(&g.person_id) => Err(Refusal::GuardianIsAllegedPerpetrator),
            _ => Ok(()),
        }
    }

    /// A guardian/family assessment with a safe outcome, where a guardian takes the person.
    pub fn guardian_assessed_safe(r: &Reintegration) -> Result<(), Refusal> {
        if !r.destination.needs_guardian() {
            return Ok(());
        }
        match &r.guardian_assessment {
            Some(a) if a.outcome == AssessmentOutcome::Safe => Ok(()),
            _ => Err(Refusal::GuardianNotAssessedSafe),
        }
    }

    /// A child's own views are recorded before reintegration.
    pub fn child_views_recorded(case: &Case, r: &Reintegration, on: NaiveDate) -> Result<(), Refusal> {
        if is_child_on(case.subject.date_of_birth, on) && r.child_views.as_deref().is_none_or(blank) {
            return Err(Refusal::ChildViewsMissing);
        }
        Ok(())
    }

    /// A foreign national (or any repatriation) needs clearance before handover.
    pub fn repatriation_clearance(case: &Case, r: &Reintegration) -> Result<(), Refusal> {
        if (case.subject.foreign_national || r.destination == Destination::Repatriation) && r.repatriation_clearance.is_none() {
            return Err(Refusal::RepatriationClearanceMissing);
        }
        Ok(())
    }

    /// Independent living is for adults.
    pub fn independent_living_adults_only(case: &Case, r: &Reintegration, on: NaiveDate) -> Result<(), Refusal> {
        if r.destination == Destination::IndependentLiving && is_child_on(case.subject.date_of_birth, on) {
            return Err(Refusal::IndependentLivingForAdultsOnly);
        }
        Ok(())
    }

    /// Consent for `purpose` is on record.
    /// Before the case plan is approved, a child gets only immediate support
    /// (`ServiceType::IMMEDIATE_SUPPORT`), and with a reason. Returns the reason to keep.
    pub fn immediate_support(service: ServiceType, reason: Option<&str>) -> Result<Option<String>, Refusal> {
        if !ServiceType::IMMEDIATE_SUPPORT.contains(&service) {
            return Err(Refusal::ServiceNeedsPlan);
        }
        match reason.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => Ok(Some(r.to_owned())),
            None => Err(Refusal::ImmediateSupportReasonRequired),
        }
    }

    pub fn consent_recorded(case: &Case, purpose: ConsentPurpose) -> Result<(), Refusal> {
        if case.has_consent(purpose) {
            Ok(())
        } else {
            Err(Refusal::ConsentMissing(purpose))
        }
    }

    /// No step is skipped: a child case in service had its case plan or an emergency
    /// placement approved (used by the property tests as an invariant).
    pub fn in_service_was_approved(case: &Case) -> bool {
        case.kind != CaseKind::ChildProtection
            || !matches!(case.status, CaseStatus::InService | CaseStatus::Reintegration | CaseStatus::FollowUp)
            || case.approved(ApprovalKind::CasePlan)
            || case.approved(ApprovalKind::EmergencyPlacement)
            || !case.reopenings.is_empty()
    }
}

crate::text_code!(ExitReason);

#[cfg(test)]
mod tests;

/// One function per command: what it checks beyond `Command::allowed`, and what it changes.
#[allow(clippy::ptr_arg, clippy::too_many_arguments, reason = "each takes its command's fields as `Command` holds them")]
impl Case {
    /// Safe home: admit the resident under the court order.
    fn admit(
        &mut self,
        facility: &FacilityFacts,
        admitted_on: &NaiveDate,
        health_check: &String,
        belongings: &Vec<String>,
        ctx: &Ctx<'_>,
        out: &mut Vec<Happening>,
    ) -> Result<(), Refusal> {
        use CaseStatus as S;
        self.check_date(*admitted_on, ctx)?;
        self.place(facility, *admitted_on, health_check.clone(), belongings.clone())?;
        self.set_status(S::Admitted, out);
        Ok(())
    }

    /// Child protection: place the child in a centre (in service, or by approved emergency placement).
    fn place_in_facility(&mut self, facility: &FacilityFacts, placed_on: &NaiveDate, ctx: &Ctx<'_>) -> Result<(), Refusal> {
        let name = "place_in_facility";
        if self.in_residence().is_some() {
            return Err(Refusal::StepNotAllowed { action: name, status: self.status });
        }
        self.check_date(*placed_on, ctx)?;
        self.place(facility, *placed_on, String::new(), vec![])?;
        Ok(())
    }

    fn record_release_order(&mut self, order: &CourtOrder, ctx: &Ctx<'_>, out: &mut Vec<Happening>) -> Result<(), Refusal> {
        use CaseStatus as S;
        self.check_date(order.order_date, ctx)?;
        self.release_order = Some(order.clone());
        self.set_status(S::ReleaseOrdered, out);
        Ok(())
    }

    fn record_risk_assessment(
        &mut self,
        assessment: &RiskAssessment,
        ctx: &Ctx<'_>,
        out: &mut Vec<Happening>,
    ) -> Result<(), Refusal> {
        use CaseStatus as S;
        self.check_date(assessment.assessed_on, ctx)?;
        self.risk = Some(assessment.clone());
        if self.status == S::Intake {
            self.set_status(S::RiskAssessment, out);
        }
        Ok(())
    }

    fn record_detailed_assessment(
        &mut self,
        assessment: &DetailedAssessment,
        ctx: &Ctx<'_>,
        out: &mut Vec<Happening>,
    ) -> Result<(), Refusal> {
        use CaseStatus as S;
        self.check_date(assessment.assessed_on, ctx)?;
        self.detailed_assessment = Some(assessment.clone());
        self.set_status(S::DetailedAssessment, out);
        Ok(())
    }

    fn submit_case_plan(
        &mut self,
        goals: &Vec<String>,
        interventions: &Vec<Intervention>,
        drawn_up_on: Option<NaiveDate>,
        ctx: &Ctx<'_>,
        out: &mut Vec<Happening>,
    ) -> Result<(), Refusal> {
        use CaseStatus as S;
        if goals.iter().all(|g| blank(g)) {
            return Err(Refusal::JustificationRequired);
        }
        let on = drawn_up_on.unwrap_or(ctx.today);
        // A plan follows the detailed assessment it rests on.
        let follows = self.detailed_assessment.as_ref().map(|a| a.assessed_on);
        self.check_step_day(on, follows, ctx)?;
        let happening = self.request_approval(ApprovalKind::CasePlan, goals.join("; "), None, ctx)?;
        let ApprovalRequestedNo(no) = ApprovalRequestedNo::of(&happening);
        // The plan went for approval the day it was drawn up.
        if let Some(a) = self.approvals.iter_mut().find(|a| a.no == no) {
            a.requested_on = on;
        }
        self.case_plan = Some(CasePlan {
            goals: goals.clone(),
            interventions: interventions.clone(),
            submitted_on: ctx.today,
            drawn_up_on: Some(on),
            approval_no: no,
        });
        out.push(happening);
        self.set_status(S::CasePlan, out);
        Ok(())
    }

    fn request_emergency_placement(
        &mut self,
        justification: &String,
        ctx: &Ctx<'_>,
        out: &mut Vec<Happening>,
    ) -> Result<(), Refusal> {
        if blank(justification) {
            return Err(Refusal::JustificationRequired);
        }
        out.push(self.request_approval(ApprovalKind::EmergencyPlacement, justification.clone(), None, ctx)?);
        Ok(())
    }

    fn record_service(
        &mut self,
        service: &ServiceType,
        given_on: &NaiveDate,
        provider: &String,
        partner_id: &Option<PartnerId>,
        description: &String,
        item: &Option<String>,
        value_taka: &Option<i64>,
        immediate_support_reason: &Option<String>,
        ctx: &Ctx<'_>,
        out: &mut Vec<Happening>,
    ) -> Result<(), Refusal> {
        use CaseStatus as S;
        self.check_date(*given_on, ctx)?;
        if value_taka.is_some_and(|v| !SUPPORT_VALUE_TAKA.contains(&v)) {
            return Err(Refusal::SupportValueOutOfBounds);
        }
        self.stay_ok(*given_on)?;
        let immediate_support_reason = if self.before_approved_plan() {
            rules::immediate_support(*service, immediate_support_reason.as_deref())?
        } else {
            None
        };
        self.services.push(ServiceRecord {
            no: next_no(self.services.len()),
            service: *service,
            given_on: *given_on,
            provider: provider.clone(),
            partner_id: *partner_id,
            description: description.clone(),
            item: item.clone(),
            value_taka: *value_taka,
            immediate_support_reason,
            directory_entry_id: None,
        });
        if self.status == S::Admitted {
            self.set_status(S::InCare, out);
        }
        Ok(())
    }

    fn record_referral(
        &mut self,
        service: &ServiceType,
        to_organisation: &String,
        referred_on: &NaiveDate,
        ctx: &Ctx<'_>,
    ) -> Result<(), Refusal> {
        self.check_date(*referred_on, ctx)?;
        rules::consent_recorded(self, ConsentPurpose::Referral)?;
        self.referrals.push(Referral {
            no: next_no(self.referrals.len()),
            service: *service,
            to_organisation: to_organisation.clone(),
            referred_on: *referred_on,
            status: ReferralStatus::Made,
            updated_on: ctx.today,
            directory_entry_id: None,
        });
        Ok(())
    }

    /// Keeps the directory entry a referral or service just recorded names (the caller has
    /// checked it: `domain::directory::check_provides`).
    fn name_directory_entry(
        &mut self,
        entry: Option<DirectoryEntryId>,
        slot: impl FnOnce(&mut Case) -> Option<&mut Option<DirectoryEntryId>>,
    ) {
        if let Some(s) = slot(self) {
            *s = entry;
        }
    }

    fn update_referral(&mut self, no: &u32, status: &ReferralStatus, ctx: &Ctx<'_>) -> Result<(), Refusal> {
        let r = self.referrals.iter_mut().find(|r| r.no == *no).ok_or(Refusal::UnknownReferral)?;
        let allowed = matches!(
            (r.status, *status),
            (ReferralStatus::Made, ReferralStatus::Accepted | ReferralStatus::Declined)
                | (ReferralStatus::Accepted, ReferralStatus::Completed)
        );
        if !allowed {
            return Err(Refusal::ReferralTransition);
        }
        r.status = *status;
        r.updated_on = ctx.today;
        Ok(())
    }

    fn record_conference(
        &mut self,
        held_on: &NaiveDate,
        participants: &Vec<String>,
        decisions: &Vec<String>,
        ctx: &Ctx<'_>,
    ) -> Result<(), Refusal> {
        self.check_date(*held_on, ctx)?;
        self.conferences.push(CaseConference {
            no: next_no(self.conferences.len()),
            held_on: *held_on,
            participants: participants.clone(),
            decisions: decisions.clone(),
        });
        Ok(())
    }

    fn record_consent(
        &mut self,
        purpose: &ConsentPurpose,
        given_by: &String,
        given_on: &NaiveDate,
        ctx: &Ctx<'_>,
    ) -> Result<(), Refusal> {
        self.check_date(*given_on, ctx)?;
        self.consents.push(Consent {
            no: next_no(self.consents.len()),
            purpose: *purpose,
            given_by: given_by.clone(),
            given_on: *given_on,
        });
        Ok(())
    }

    fn record_note(&mut self, text: &String, ctx: &Ctx<'_>) -> Result<(), Refusal> {
        if blank(text) {
            return Err(Refusal::EmptyText);
        }
        self.notes.push(Note { no: next_no(self.notes.len()), written_on: ctx.today, author: ctx.actor, text: text.clone() });
        Ok(())
    }

    fn record_alleged_perpetrator(&mut self, person_id: &PersonId) -> Result<(), Refusal> {
        if *person_id == self.subject.person_id || self.alleged_perpetrators.contains(person_id) {
            return Err(Refusal::InvalidPerpetrator);
        }
        self.alleged_perpetrators.push(*person_id);
        Ok(())
    }

    fn start_reintegration(
        &mut self,
        destination: &Destination,
        guardian: &Option<Guardian>,
        support_items: &Vec<SupportItem>,
        started_on: &NaiveDate,
        ctx: &Ctx<'_>,
        out: &mut Vec<Happening>,
    ) -> Result<(), Refusal> {
        use CaseStatus as S;
        self.check_date(*started_on, ctx)?;
        if support_items.iter().any(|s| !SUPPORT_VALUE_TAKA.contains(&s.value_taka)) {
            return Err(Refusal::SupportValueOutOfBounds);
        }
        let r = Reintegration {
            destination: *destination,
            guardian: guardian.clone(),
            support_items: support_items.clone(),
            started_on: *started_on,
            guardian_assessment: None,
            child_views: None,
            repatriation_clearance: None,
            completed_on: None,
        };
        rules::independent_living_adults_only(self, &r, *started_on)?;
        rules::guardian_not_perpetrator(self, &r)?;
        self.reintegration = Some(r);
        self.set_status(S::Reintegration, out);
        Ok(())
    }

    fn record_guardian_assessment(&mut self, assessment: &GuardianAssessment, ctx: &Ctx<'_>) -> Result<(), Refusal> {
        self.check_date(assessment.assessed_on, ctx)?;
        self.reintegration_under_way()?.guardian_assessment = Some(assessment.clone());
        Ok(())
    }

    fn record_child_views(&mut self, views: &String) -> Result<(), Refusal> {
        if blank(views) {
            return Err(Refusal::ChildViewsMissing);
        }
        self.reintegration_under_way()?.child_views = Some(views.clone());
        Ok(())
    }

    fn record_repatriation_clearance(&mut self, clearance: &RepatriationClearance, ctx: &Ctx<'_>) -> Result<(), Refusal> {
        self.check_date(clearance.cleared_on, ctx)?;
        self.reintegration_under_way()?.repatriation_clearance = Some(clearance.clone());
        Ok(())
    }

    fn complete_reintegration(
        &mut self,
        completed_on: &NaiveDate,
        ctx: &Ctx<'_>,
        out: &mut Vec<Happening>,
    ) -> Result<(), Refusal> {
        use CaseStatus as S;
        self.check_date(*completed_on, ctx)?;
        self.check_reintegration(*completed_on)?;
        self.reintegration_under_way()?.completed_on = Some(*completed_on);
        self.leave_facility(*completed_on, out);
        let first = next_no(self.follow_ups.len());
        let due: Vec<NaiveDate> =
            ctx.settings.follow_up_months.iter().filter_map(|m| completed_on.checked_add_months(Months::new(*m))).collect();
        for (i, d) in due.iter().enumerate() {
            self.follow_ups.push(FollowUp {
                no: first + i as u32,
                due_on: *d,
                done_on: None,
                risk_found: None,
                notes: String::new(),
                cancelled: false,
            });
        }
        out.push(Happening::FollowUpsScheduled { due });
        self.set_status(S::FollowUp, out);
        Ok(())
    }

    fn record_follow_up(
        &mut self,
        no: &u32,
        done_on: &NaiveDate,
        risk_found: &bool,
        notes: &String,
        intervention_plan: &Option<String>,
        ctx: &Ctx<'_>,
        out: &mut Vec<Happening>,
    ) -> Result<(), Refusal> {
        self.check_date(*done_on, ctx)?;
        let f = self.follow_ups.iter_mut().find(|f| f.no == *no).ok_or(Refusal::UnknownFollowUp)?;
        if !f.is_pending() {
            return Err(Refusal::FollowUpAlreadyRecorded);
        }
        let plan = intervention_plan.as_deref().filter(|p| !blank(p));
        if *risk_found && plan.is_none() {
            return Err(Refusal::InterventionPlanRequired);
        }
        f.done_on = Some(*done_on);
        f.risk_found = Some(*risk_found);
        f.notes = notes.clone();
        if let (true, Some(plan)) = (*risk_found, plan) {
            out.push(Happening::RiskFoundAtFollowUp { no: *no });
            self.reopen(format!("risk found at follow-up {no}"), plan.to_owned(), ctx, out);
        }
        Ok(())
    }

    fn request_closure(&mut self, reason: &String, ctx: &Ctx<'_>, out: &mut Vec<Happening>) -> Result<(), Refusal> {
        if self.pending_follow_ups().next().is_some() && blank(reason) {
            return Err(Refusal::FollowUpsPending);
        }
        out.push(self.request_approval(ApprovalKind::Closure, reason.clone(), None, ctx)?);
        Ok(())
    }

    fn request_stay_extension(
        &mut self,
        until: &NaiveDate,
        justification: &String,
        ctx: &Ctx<'_>,
        out: &mut Vec<Happening>,
    ) -> Result<(), Refusal> {
        let name = "request_stay_extension";
        let current = self
            .placement
            .as_ref()
            .filter(|p| p.left_on.is_none())
            .and_then(|p| p.stay_until)
            .ok_or(Refusal::StepNotAllowed { action: name, status: self.status })?;
        if blank(justification) {
            return Err(Refusal::JustificationRequired);
        }
        if *until <= current {
            return Err(Refusal::ExtensionNotLater);
        }
        out.push(self.request_approval(ApprovalKind::StayExtension, justification.clone(), Some(*until), ctx)?);
        Ok(())
    }

    fn decide_approval(
        &mut self,
        no: &u32,
        approve: &bool,
        comment: &Option<String>,
        decided_on: Option<NaiveDate>,
        ctx: &Ctx<'_>,
        out: &mut Vec<Happening>,
    ) -> Result<(), Refusal> {
        let name = "decide_approval";
        use CaseStatus as S;
        let a = self.approvals.iter().find(|a| a.no == *no).ok_or(Refusal::UnknownApproval)?;
        if a.status != ApprovalStatus::Requested {
            return Err(Refusal::ApprovalNotPending);
        }
        if a.requested_by == ctx.actor {
            return Err(Refusal::SelfApproval);
        }
        let (kind, extension_until) = (a.kind, a.extension_until);
        // A decision is dated on or after the request it decides.
        let on = decided_on.unwrap_or(ctx.today);
        self.check_step_day(on, Some(a.requested_on), ctx)?;
        let status = if *approve { ApprovalStatus::Approved } else { ApprovalStatus::Rejected };
        // Approving must still be possible in the case's current state.
        if *approve {
            match kind {
                ApprovalKind::CasePlan => self.require(name, &[S::CasePlan])?,
                ApprovalKind::EmergencyPlacement => self.require(name, &[S::Intake, S::RiskAssessment, S::DetailedAssessment])?,
                ApprovalKind::Closure => self.require(name, &[S::FollowUp])?,
                ApprovalKind::StayExtension => self.require_open()?,
            }
        }
        let a = self.approvals.iter_mut().find(|a| a.no == *no).ok_or(Refusal::UnknownApproval)?;
        a.status = status;
        a.decided_by = Some(ctx.actor);
        a.decided_on = Some(on);
        a.comment = comment.clone();
        out.push(Happening::ApprovalDecided { no: *no, kind, status });
        if *approve {
            match kind {
                ApprovalKind::CasePlan | ApprovalKind::EmergencyPlacement => self.set_status(S::InService, out),
                ApprovalKind::Closure => {
                    self.cancel_follow_ups(out);
                    self.closed_on = Some(on);
                    self.set_status(S::Closed, out);
                }
                ApprovalKind::StayExtension => {
                    // (An extension is always requested with its date.)
                    if let Some(until) = extension_until {
                        if let Some(p) = self.placement.as_mut() {
                            p.stay_until = Some(until);
                        }
                        out.push(Happening::StayExtended { until });
                    }
                }
            }
        }
        Ok(())
    }

    fn reopen_case(
        &mut self,
        reason: &String,
        intervention_plan: &String,
        ctx: &Ctx<'_>,
        out: &mut Vec<Happening>,
    ) -> Result<(), Refusal> {
        if blank(intervention_plan) {
            return Err(Refusal::InterventionPlanRequired);
        }
        self.reopen(reason.clone(), intervention_plan.clone(), ctx, out);
        Ok(())
    }

    fn exit(&mut self, exit: &Exit, ctx: &Ctx<'_>, out: &mut Vec<Happening>) -> Result<(), Refusal> {
        self.check_date(exit.on, ctx)?;
        match exit.reason {
            ExitReason::AgedOut => {
                self.require_kind(CaseKind::ChildProtection)?;
                if is_child_on(self.subject.date_of_birth, exit.on) {
                    return Err(Refusal::NotYetEighteen);
                }
            }
            // A safe-home resident's absconding or death is reported to the court.
            ExitReason::Absconded | ExitReason::Died
                if self.kind == CaseKind::SafeHome && exit.court_report.as_deref().is_none_or(blank) =>
            {
                return Err(Refusal::CourtReportRequired);
            }
            _ => {}
        }
        self.leave_facility(exit.on, out);
        self.cancel_follow_ups(out);
        self.exit = Some(exit.clone());
        self.set_status(exit.reason.status(), out);
        Ok(())
    }
}
