//! Why the domain refused a case command. Each refusal names its rule (a stable id clients
//! and tests can rely on) and explains itself in English and Bangla.

use super::codes::{ApprovalKind, CaseStatus, ConsentPurpose};
use crate::person::Sex;
use crate::rule::RuleClass;
use crate::Label;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{action} is not allowed while the case is {status:?}")]
    StepNotAllowed { action: &'static str, status: CaseStatus },
    #[error("the case has ended")]
    CaseEnded,
    #[error("this action applies to the other kind of case")]
    WrongKind,
    #[error("a child-protection case is for a child under 18 at intake")]
    NotAChildAtIntake,
    #[error("the facility is full for {0:?}")]
    CapacityFull(Sex),
    #[error("the facility does not take {0:?} residents")]
    FacilityDoesNotAdmit(Sex),
    #[error("the stay limit has passed")]
    StayLimitPassed,
    #[error("a guardian must be identified")]
    GuardianNotIdentified,
    #[error("the guardian is a recorded alleged perpetrator")]
    GuardianIsAllegedPerpetrator,
    #[error("no guardian assessment with a safe outcome")]
    GuardianNotAssessedSafe,
    #[error("the child's views are not recorded")]
    ChildViewsMissing,
    #[error("no court release order")]
    ReleaseOrderMissing,
    #[error("no repatriation clearance")]
    RepatriationClearanceMissing,
    #[error("consent for {0:?} is not recorded")]
    ConsentMissing(ConsentPurpose),
    #[error("independent living is for adults only")]
    IndependentLivingForAdultsOnly,
    #[error("follow-ups are pending")]
    FollowUpsPending,
    #[error("an approval of this kind is already pending")]
    ApprovalAlreadyPending(ApprovalKind),
    #[error("the approval is not pending")]
    ApprovalNotPending,
    #[error("no such approval")]
    UnknownApproval,
    #[error("the requester cannot decide their own request")]
    SelfApproval,
    #[error("a justification is required")]
    JustificationRequired,
    #[error("the person is not yet 18")]
    NotYetEighteen,
    #[error("a report to the court is required")]
    CourtReportRequired,
    #[error("no such follow-up")]
    UnknownFollowUp,
    #[error("the follow-up is already recorded")]
    FollowUpAlreadyRecorded,
    #[error("an intervention plan is required")]
    InterventionPlanRequired,
    #[error("the date is in the future")]
    DateInFuture,
    #[error("the date is before the case began")]
    DateBeforeCase,
    #[error("the date is before the person's birth")]
    DateBeforeBirth,
    #[error("a value of support is outside its bounds")]
    SupportValueOutOfBounds,
    #[error("no such referral")]
    UnknownReferral,
    #[error("the referral cannot move from its current status that way")]
    ReferralTransition,
    #[error("the person is already recorded as an alleged perpetrator or is the case's own subject")]
    InvalidPerpetrator,
    #[error("the extension must end after the current limit")]
    ExtensionNotLater,
    #[error("the text is empty")]
    EmptyText,
    #[error("this service needs an approved case plan")]
    ServiceNeedsPlan,
    #[error("immediate support needs a reason")]
    ImmediateSupportReasonRequired,
    #[error("the date is before the step it follows")]
    DateBeforePreviousStep,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("the account is not active")]
    AssigneeInactive,
    #[error("the user cannot work cases where this case is")]
    AssigneeCannotWorkCase,
    #[error("the case is already held by that worker")]
    AlreadyAssigned,
    #[error("the destination is not in the system")]
    TransferDestinationUnknown,
    #[error("the destination is where the case already is")]
    TransferToSameHolder,
    #[error("a safe-home resident's transfer needs the court's order")]
    TransferCourtOrderMissing,
    #[error("a transfer of this case is already waiting")]
    TransferAlreadyPending,
    #[error("the transfer is not waiting for a decision")]
    TransferNotPending,
    #[error("the sending office cannot accept or decline its own request")]
    TransferDecidedBySender,
}

impl Refusal {
    /// The rule's stable id, `area.rule`.
    pub fn rule(&self) -> &'static str {
        use Refusal::*;
        match self {
            StepNotAllowed { .. } => "case.step_order",
            CaseEnded => "case.ended",
            WrongKind => "case.kind",
            NotAChildAtIntake => "case.child_under_18_at_intake",
            CapacityFull(_) => "facility.capacity_by_sex",
            FacilityDoesNotAdmit(_) => "facility.admits_sex",
            StayLimitPassed => "placement.stay_limit",
            GuardianNotIdentified => "reintegration.guardian_identified",
            GuardianIsAllegedPerpetrator => "reintegration.guardian_not_perpetrator",
            GuardianNotAssessedSafe => "reintegration.guardian_assessed_safe",
            ChildViewsMissing => "reintegration.child_views_recorded",
            ReleaseOrderMissing => "reintegration.court_release_order",
            RepatriationClearanceMissing => "reintegration.repatriation_clearance",
            ConsentMissing(_) => "consent.recorded",
            IndependentLivingForAdultsOnly => "reintegration.independent_living_adults_only",
            FollowUpsPending => "closure.follow_ups_done",
            ApprovalAlreadyPending(_) => "approval.one_pending",
            ApprovalNotPending => "approval.pending",
            UnknownApproval => "approval.exists",
            SelfApproval => "approval.four_eyes",
            JustificationRequired => "approval.justification",
            NotYetEighteen => "exit.aged_out_at_18",
            CourtReportRequired => "exit.court_report",
            UnknownFollowUp => "follow_up.exists",
            FollowUpAlreadyRecorded => "follow_up.once",
            InterventionPlanRequired => "reopen.intervention_plan",
            DateInFuture => "date.not_future",
            DateBeforeCase => "date.not_before_case",
            DateBeforeBirth => "case.before_birth",
            SupportValueOutOfBounds => "case.support_value",
            UnknownReferral => "referral.exists",
            ReferralTransition => "referral.status_order",
            InvalidPerpetrator => "case.perpetrator",
            ExtensionNotLater => "placement.extension_later",
            EmptyText => "text.required",
            ServiceNeedsPlan => "service.plan_approved",
            ImmediateSupportReasonRequired => "service.immediate_support_reason",
            DateBeforePreviousStep => "date.not_before_previous_step",
            ReasonRequired => "reason.required",
            AssigneeInactive => "assignment.active_user",
            AssigneeCannotWorkCase => "assignment.can_work_case",
            AlreadyAssigned => "assignment.changes_holder",
            TransferDestinationUnknown => "transfer.destination_known",
            TransferToSameHolder => "transfer.elsewhere",
            TransferCourtOrderMissing => "transfer.court_order",
            TransferAlreadyPending => "transfer.one_pending",
            TransferNotPending => "transfer.pending",
            TransferDecidedBySender => "transfer.decided_by_receiver",
        }
    }

    /// The problem code derived from the rule (`reintegration-guardian-not-perpetrator`).
    pub fn code(&self) -> String {
        self.rule().replace(['.', '_'], "-")
    }

    pub fn class(&self) -> RuleClass {
        use Refusal::*;
        match self {
            NotAChildAtIntake
            | JustificationRequired
            | CourtReportRequired
            | InterventionPlanRequired
            | DateInFuture
            | DateBeforeCase
            | DateBeforeBirth
            | SupportValueOutOfBounds
            | IndependentLivingForAdultsOnly
            | InvalidPerpetrator
            | ExtensionNotLater
            | EmptyText
            | ImmediateSupportReasonRequired
            | DateBeforePreviousStep
            | ReasonRequired
            | AssigneeInactive
            | AssigneeCannotWorkCase
            | TransferDestinationUnknown
            | TransferToSameHolder
            | TransferCourtOrderMissing => RuleClass::Invalid,
            _ => RuleClass::Conflict,
        }
    }

    pub fn label(&self) -> Label {
        use Refusal::*;
        match self {
            StepNotAllowed { .. } => {
                Label::new("This step is not allowed at the case's current stage", "কেসের বর্তমান পর্যায়ে এই ধাপ অনুমোদিত নয়")
            }
            CaseEnded => Label::new("The case has ended; re-open it first", "কেসটি শেষ হয়েছে; আগে পুনরায় চালু করুন"),
            WrongKind => Label::new("This action does not apply to this kind of case", "এই ধরনের কেসে এই কাজ প্রযোজ্য নয়"),
            NotAChildAtIntake => Label::new(
                "A child-protection case is for a child under 18 at intake",
                "শিশু সুরক্ষা কেস কেবল গ্রহণের সময় ১৮ বছরের কম বয়সী শিশুর জন্য",
            ),
            CapacityFull(_) => {
                Label::new("The facility has no free place for this sex", "প্রতিষ্ঠানে এই লিঙ্গের জন্য কোনো খালি আসন নেই")
            }
            FacilityDoesNotAdmit(_) => {
                Label::new("The facility has no places for this sex", "প্রতিষ্ঠানে এই লিঙ্গের জন্য কোনো আসন নেই")
            }
            StayLimitPassed => Label::new(
                "The stay limit has passed; an approved extension is needed",
                "অবস্থানের মেয়াদ শেষ; অনুমোদিত মেয়াদ বৃদ্ধি প্রয়োজন",
            ),
            GuardianNotIdentified => {
                Label::new("The guardian must be identified (ID and relationship)", "অভিভাবককে শনাক্ত করতে হবে (পরিচয়পত্র ও সম্পর্ক)")
            }
            GuardianIsAllegedPerpetrator => {
                Label::new("Guardian is a recorded alleged perpetrator", "অভিভাবক একজন নথিভুক্ত অভিযুক্ত নির্যাতনকারী")
            }
            GuardianNotAssessedSafe => Label::new(
                "A guardian/family assessment with a safe outcome is required",
                "নিরাপদ ফলাফলসহ অভিভাবক/পরিবার মূল্যায়ন প্রয়োজন",
            ),
            ChildViewsMissing => Label::new("The child's own views must be recorded", "শিশুর নিজের মতামত নথিভুক্ত করতে হবে"),
            ReleaseOrderMissing => Label::new("A court release order is required", "আদালতের মুক্তির আদেশ প্রয়োজন"),
            RepatriationClearanceMissing => {
                Label::new("Repatriation clearance is required for a foreign national", "বিদেশি নাগরিকের জন্য প্রত্যাবাসন ছাড়পত্র প্রয়োজন")
            }
            ConsentMissing(_) => Label::new("Consent must be recorded first", "আগে সম্মতি নথিভুক্ত করতে হবে"),
            IndependentLivingForAdultsOnly => {
                Label::new("Independent living is only for adults", "স্বাধীন জীবনযাপন কেবল প্রাপ্তবয়স্কদের জন্য")
            }
            FollowUpsPending => Label::new(
                "Follow-ups are pending; a supervisor must approve closure with a reason",
                "ফলো-আপ বাকি আছে; কারণসহ সুপারভাইজারের অনুমোদন প্রয়োজন",
            ),
            ApprovalAlreadyPending(_) => {
                Label::new("An approval of this kind is already waiting", "এই ধরনের একটি অনুমোদন ইতিমধ্যে অপেক্ষমাণ")
            }
            ApprovalNotPending => Label::new("This approval has already been decided", "এই অনুমোদনের সিদ্ধান্ত ইতিমধ্যে হয়েছে"),
            UnknownApproval => Label::new("There is no such approval on this case", "এই কেসে এমন কোনো অনুমোদন নেই"),
            SelfApproval => Label::new("You cannot decide your own request", "নিজের অনুরোধে নিজে সিদ্ধান্ত দেওয়া যায় না"),
            JustificationRequired => Label::new("A written justification is required", "লিখিত যৌক্তিকতা প্রয়োজন"),
            NotYetEighteen => Label::new("The person has not turned 18", "ব্যক্তির বয়স ১৮ বছর পূর্ণ হয়নি"),
            CourtReportRequired => Label::new("The report to the court must be recorded", "আদালতে প্রতিবেদন নথিভুক্ত করতে হবে"),
            UnknownFollowUp => Label::new("There is no such follow-up", "এমন কোনো ফলো-আপ নেই"),
            FollowUpAlreadyRecorded => Label::new("This follow-up is already recorded", "এই ফলো-আপ ইতিমধ্যে নথিভুক্ত"),
            InterventionPlanRequired => {
                Label::new("An intervention plan is required to re-open", "পুনরায় চালু করতে হস্তক্ষেপ পরিকল্পনা প্রয়োজন")
            }
            DateInFuture => Label::new("The date cannot be in the future", "তারিখ ভবিষ্যতের হতে পারে না"),
            DateBeforeCase => Label::new("The date cannot be before the case was opened", "তারিখ কেস খোলার আগের হতে পারে না"),
            DateBeforeBirth => Label::new("The date cannot be before the person's birth", "তারিখ ব্যক্তির জন্মের আগের হতে পারে না"),
            SupportValueOutOfBounds => Label::new(
                "A service's or support item's value is from Tk 0 to Tk 10,00,00,000",
                "সেবা বা সহায়তা সামগ্রীর মূল্য ০ থেকে ১০,০০,০০,০০০ টাকা",
            ),
            UnknownReferral => Label::new("There is no such referral", "এমন কোনো রেফারেল নেই"),
            ReferralTransition => Label::new("The referral cannot change to that status", "রেফারেলটি ঐ অবস্থায় পরিবর্তন করা যায় না"),
            InvalidPerpetrator => Label::new(
                "That person cannot be recorded as an alleged perpetrator here",
                "ঐ ব্যক্তিকে এখানে অভিযুক্ত হিসেবে নথিভুক্ত করা যায় না",
            ),
            ExtensionNotLater => {
                Label::new("The extension must end after the current limit", "বর্ধিত মেয়াদ বর্তমান সীমার পরে শেষ হতে হবে")
            }
            EmptyText => Label::new("The text cannot be empty", "লেখা খালি রাখা যাবে না"),
            ServiceNeedsPlan => Label::new(
                "Before an approved case plan, only immediate support may be given (counselling, financial support, emergency health care, food and shelter, legal aid)",
                "অনুমোদিত কেস পরিকল্পনার আগে কেবল তাৎক্ষণিক সহায়তা দেওয়া যায় (কাউন্সেলিং, আর্থিক সহায়তা, জরুরি স্বাস্থ্যসেবা, খাদ্য ও আশ্রয়, আইনি সহায়তা)",
            ),
            ImmediateSupportReasonRequired => Label::new(
                "Immediate support before a case plan needs a reason",
                "কেস পরিকল্পনার আগে তাৎক্ষণিক সহায়তার জন্য কারণ প্রয়োজন",
            ),
            DateBeforePreviousStep => {
                Label::new("The date cannot be before the step it follows", "তারিখ পূর্ববর্তী ধাপের আগের হতে পারে না")
            }
            ReasonRequired => Label::new("A reason is required", "কারণ উল্লেখ করা প্রয়োজন"),
            AssigneeInactive => Label::new(
                "A case can only be assigned to an active account",
                "কেবল সক্রিয় অ্যাকাউন্টকে কেস দায়িত্ব দেওয়া যায়",
            ),
            AssigneeCannotWorkCase => Label::new(
                "That user cannot work cases where this case is held",
                "ঐ ব্যবহারকারী এই কেসের এলাকা বা প্রতিষ্ঠানে কেস পরিচালনা করতে পারেন না",
            ),
            AlreadyAssigned => Label::new("The case is already held by that worker", "কেসটি ইতিমধ্যে ঐ কর্মীর দায়িত্বে আছে"),
            TransferDestinationUnknown => Label::new(
                "The destination office or facility is not in the system",
                "গন্তব্য দপ্তর বা প্রতিষ্ঠান সিস্টেমে নেই",
            ),
            TransferToSameHolder => Label::new(
                "The destination is the office or facility that already holds the case",
                "গন্তব্যটি সেই দপ্তর বা প্রতিষ্ঠান যেখানে কেসটি ইতিমধ্যে আছে",
            ),
            TransferCourtOrderMissing => Label::new(
                "A safe-home resident is transferred only under the court's order",
                "নিরাপদ আবাসনের নিবাসীকে কেবল আদালতের আদেশে স্থানান্তর করা যায়",
            ),
            TransferAlreadyPending => {
                Label::new("A transfer of this case is already waiting", "এই কেসের একটি স্থানান্তর ইতিমধ্যে অপেক্ষমাণ")
            }
            TransferNotPending => {
                Label::new("This transfer has already been decided or withdrawn", "এই স্থানান্তরের সিদ্ধান্ত হয়েছে বা তা প্রত্যাহার করা হয়েছে")
            }
            TransferDecidedBySender => Label::new(
                "Only the receiving office accepts or declines a transfer",
                "কেবল গ্রহণকারী দপ্তর স্থানান্তর গ্রহণ বা প্রত্যাখ্যান করে",
            ),
        }
    }
}
