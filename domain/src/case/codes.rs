//! Code lists of case management, each with English and Bangla labels.

use crate::code_list::code_list;

code_list!(
    /// The two kinds of case the system manages.
    CaseKind {
        SafeHome => "safe_home", "Safe home resident", "নিরাপদ আবাসন কেন্দ্রের নিবাসী";
        ChildProtection => "child_protection", "Child protection", "শিশু সুরক্ষা";
    }
);

code_list!(
    /// Where a case stands. Safe-home cases run court order received -> admitted -> in care ->
    /// release ordered -> reintegration -> follow-up -> closed; child-protection cases run
    /// intake -> risk assessment -> detailed assessment -> case plan -> in service ->
    /// reintegration -> follow-up -> closed. The last four are exits.
    CaseStatus {
        CourtOrderReceived => "court_order_received", "Court order received", "আদালতের আদেশ প্রাপ্ত";
        Admitted => "admitted", "Admitted", "ভর্তি";
        InCare => "in_care", "In care", "সেবাধীন";
        ReleaseOrdered => "release_ordered", "Release ordered by court", "আদালত কর্তৃক মুক্তির আদেশ";
        Intake => "intake", "Intake", "প্রাথমিক তথ্য গ্রহণ";
        RiskAssessment => "risk_assessment", "Risk assessed", "ঝুঁকি নিরূপণ সম্পন্ন";
        DetailedAssessment => "detailed_assessment", "Detailed assessment done", "বিস্তারিত মূল্যায়ন সম্পন্ন";
        CasePlan => "case_plan", "Case plan awaiting approval", "কেস পরিকল্পনা অনুমোদনের অপেক্ষায়";
        InService => "in_service", "Receiving services", "সেবা প্রদান চলছে";
        Reintegration => "reintegration", "Reintegration in preparation", "পুনঃএকীকরণের প্রস্তুতি";
        FollowUp => "follow_up", "Follow-up", "ফলো-আপ";
        Closed => "closed", "Closed", "বন্ধ";
        Transferred => "transferred", "Transferred", "স্থানান্তরিত";
        Absconded => "absconded", "Absconded", "পলাতক";
        Died => "died", "Died", "মৃত";
        AgedOut => "aged_out", "Aged out (turned 18)", "১৮ বছর পূর্ণ";
    }
);

impl CaseStatus {
    /// Whether the case has ended (closed or exited); only re-opening acts on it then.
    pub fn is_ended(self) -> bool {
        matches!(
            self,
            CaseStatus::Closed | CaseStatus::Transferred | CaseStatus::Absconded | CaseStatus::Died | CaseStatus::AgedOut
        )
    }
}

code_list!(
    /// Risk level from the risk assessment.
    RiskLevel {
        Low => "low", "Low", "নিম্ন";
        Medium => "medium", "Medium", "মধ্যম";
        High => "high", "High", "উচ্চ";
    }
);

code_list!(
    /// The risk categories of children at risk, as child-protection offices record them.
    RiskCategory {
        StreetChild => "street_child", "Street child", "পথশিশু";
        ChildLabour => "child_labour", "Working child / child labourer", "কর্মজীবী শিশু / শিশু শ্রমিক";
        OrphanBothParents => "orphan_both_parents", "Orphan (both parents)", "এতিম (বাবা-মা উভয়ই নেই)";
        OrphanOneParent => "orphan_one_parent", "Orphan (one parent)", "এতিম (বাবা অথবা মা নেই)";
        DomesticWork => "domestic_work", "Child in domestic work", "গৃহকর্মে নিয়োজিত শিশু";
        Trafficking => "trafficking", "Rescued from trafficking", "পাচার থেকে উদ্ধারকৃত";
        Abuse => "abuse", "Abused", "নির্যাতিত";
        ChildMarriage => "child_marriage", "Child marriage", "বাল্যবিবাহ";
        Injured => "injured", "Accident / injured", "দুর্ঘটনা / আহত";
        InContactWithLaw => "in_contact_with_law", "In contact with the law", "আইনের সংস্পর্শে আসা";
        Neglected => "neglected", "Neglected", "অবহেলিত";
        Separated => "separated", "Separated from family / lost", "পরিবার থেকে বিচ্ছিন্ন / হারিয়ে যাওয়া";
        Disability => "disability", "Child with disability", "প্রতিবন্ধী শিশু";
        Referred => "referred", "Referred by another service", "অন্য সেবা থেকে প্রেরিত";
        Other => "other", "Other", "অন্যান্য";
    }
);

code_list!(
    /// Services given to a safe-home resident or a child at risk.
    ServiceType {
        LegalAid => "legal_aid", "Legal aid", "আইনি সহায়তা";
        Health => "health", "Health care", "স্বাস্থ্যসেবা";
        PsychosocialCounselling => "psychosocial_counselling", "Psychosocial counselling", "মনো-সামাজিক কাউন্সেলিং";
        SkillsTraining => "skills_training", "Skills training", "দক্ষতা প্রশিক্ষণ";
        Education => "education", "Education", "শিক্ষা";
        PublicExamination => "public_examination", "Public examination", "পাবলিক পরীক্ষা";
        SafeDelivery => "safe_delivery", "Safe delivery", "নিরাপদ প্রসব";
        BirthRegistration => "birth_registration", "Birth registration", "জন্ম নিবন্ধন";
        EquipmentSupport => "equipment_support", "Equipment support", "উপকরণ সহায়তা";
        Counselling => "counselling", "Counselling", "কাউন্সেলিং";
        FinancialSupport => "financial_support", "Financial support", "আর্থিক সহায়তা";
        EmergencyHealth => "emergency_health", "Emergency health care", "জরুরি স্বাস্থ্যসেবা";
        FoodAndShelter => "food_and_shelter", "Food and shelter", "খাদ্য ও আশ্রয়";
        CctSupport => "cct_support", "Cash support through CCT", "সিসিটির মাধ্যমে অর্থ সহায়তা";
        ChildMarriageStopped => "child_marriage_stopped", "Child marriage stopped", "বাল্যবিবাহ বন্ধ";
        InstitutionAdmission => "institution_admission", "Admission to a special school or institution", "বিশেষ বিদ্যালয় বা প্রতিষ্ঠানে ভর্তি";
    }
);

code_list!(
    /// Where a reintegrated person goes.
    Destination {
        Family => "family", "Family", "পরিবার";
        ExtendedFamily => "extended_family", "Extended family", "বর্ধিত পরিবার";
        FosterCare => "foster_care", "Foster / alternative care", "বিকল্প পরিচর্যা";
        Institution => "institution", "Institution", "প্রতিষ্ঠান";
        IndependentLiving => "independent_living", "Independent living (adults only)", "স্বাধীন জীবনযাপন (শুধু প্রাপ্তবয়স্ক)";
        Repatriation => "repatriation", "Repatriation", "স্বদেশে প্রত্যাবাসন";
    }
);

impl Destination {
    /// Destinations where the person is handed to a guardian, who must be identified and
    /// assessed.
    pub fn needs_guardian(self) -> bool {
        matches!(self, Destination::Family | Destination::ExtendedFamily | Destination::FosterCare)
    }
}

code_list!(
    /// Decisions a supervisor takes.
    ApprovalKind {
        CasePlan => "case_plan", "Case plan", "কেস পরিকল্পনা";
        Closure => "closure", "Case closure", "কেস বন্ধকরণ";
        StayExtension => "stay_extension", "Stay extension", "অবস্থানের মেয়াদ বৃদ্ধি";
        EmergencyPlacement => "emergency_placement", "Emergency placement", "জরুরি স্থাপন";
    }
);

code_list!(
    /// The state of an approval.
    ApprovalStatus {
        Requested => "requested", "Requested", "অনুরোধ করা হয়েছে";
        Approved => "approved", "Approved", "অনুমোদিত";
        Rejected => "rejected", "Rejected", "প্রত্যাখ্যাত";
    }
);

code_list!(
    /// What a consent covers.
    ConsentPurpose {
        Referral => "referral", "Referral to another service", "অন্য সেবায় প্রেরণ";
        Reintegration => "reintegration", "Reintegration", "পুনঃএকীকরণ";
        InformationSharing => "information_sharing", "Sharing information", "তথ্য আদান-প্রদান";
    }
);

code_list!(
    /// A guardian or family assessment's finding.
    AssessmentOutcome {
        Safe => "safe", "Safe", "নিরাপদ";
        Unsafe => "unsafe", "Not safe", "নিরাপদ নয়";
    }
);

code_list!(
    /// Where a referral stands.
    ReferralStatus {
        Made => "made", "Referred", "প্রেরিত";
        Accepted => "accepted", "Accepted", "গৃহীত";
        Completed => "completed", "Completed", "সম্পন্ন";
        Declined => "declined", "Declined", "প্রত্যাখ্যাত";
    }
);

impl ServiceType {
    /// Services a child may get from intake onward, before a case plan is approved, as
    /// immediate support with a reason (cash for food, counselling after abuse, emergency
    /// care). Every other service waits for the approved plan.
    pub const IMMEDIATE_SUPPORT: &'static [ServiceType] = &[
        ServiceType::Counselling,
        ServiceType::PsychosocialCounselling,
        ServiceType::FinancialSupport,
        ServiceType::EmergencyHealth,
        ServiceType::FoodAndShelter,
        ServiceType::LegalAid,
        // Stopping a marriage that is about to happen cannot wait for a plan.
        ServiceType::ChildMarriageStopped,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_every_label_is_bilingual() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            code: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
            label: fn(T) -> crate::Label,
        ) {
            for v in all {
                assert_eq!(parse(code(*v)), Some(*v));
                assert!(!label(*v).en.is_empty() && !label(*v).bn.is_empty());
            }
        }
        check(CaseKind::ALL, CaseKind::code, CaseKind::parse, CaseKind::label);
        check(CaseStatus::ALL, CaseStatus::code, CaseStatus::parse, CaseStatus::label);
        check(RiskCategory::ALL, RiskCategory::code, RiskCategory::parse, RiskCategory::label);
        check(ServiceType::ALL, ServiceType::code, ServiceType::parse, ServiceType::label);
        check(Destination::ALL, Destination::code, Destination::parse, Destination::label);
        check(ApprovalKind::ALL, ApprovalKind::code, ApprovalKind::parse, ApprovalKind::label);
        check(ConsentPurpose::ALL, ConsentPurpose::code, ConsentPurpose::parse, ConsentPurpose::label);
        check(ReferralStatus::ALL, ReferralStatus::code, ReferralStatus::parse, ReferralStatus::label);
        assert_eq!(RiskCategory::ALL.len(), 15);
        assert_eq!(CaseStatus::parse("open"), None);
    }
}
