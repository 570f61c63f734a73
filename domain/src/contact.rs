//! Helpline and outreach contacts: a call to Child Helpline 1098 or the women's helpline
//! 10921, a walk-in, or a meeting by an outreach (mobile) team. A contact is recorded whether
//! or not a case follows; it may open one. Categories and actions follow the Child Helpline
//! International data framework, so counts compare with other helplines.
//!
//! Children served at a service point (drop-in centre, night shelter, child-friendly space,
//! open-air school) are counted per point, day and sex, without a record per child.

use chrono::{DateTime, NaiveDate, Utc};

use crate::code_list::code_list;
use crate::rule::{RuleClass, RuleRefusal};
use crate::Label;

code_list!(
    /// How the contact came in.
    ContactChannel {
        ChildHelpline1098 => "child_helpline_1098", "Child Helpline 1098", "চাইল্ড হেল্পলাইন ১০৯৮";
        WomensHelpline10921 => "womens_helpline_10921", "National helpline 10921 (violence against women and children)", "জাতীয় হেল্পলাইন ১০৯২১ (নারী ও শিশু নির্যাতন প্রতিরোধ)";
        WalkIn => "walk_in", "Walk-in", "সরাসরি আগমন";
        Outreach => "outreach", "Outreach / mobile team", "আউটরিচ / মোবাইল টিম";
    }
);

code_list!(
    /// What the contact is about (Child Helpline International's categories).
    ContactCategory {
        PhysicalViolence => "physical_violence", "Physical violence", "শারীরিক নির্যাতন";
        SexualViolence => "sexual_violence", "Sexual violence", "যৌন নির্যাতন";
        EmotionalViolence => "emotional_violence", "Emotional violence", "মানসিক নির্যাতন";
        Neglect => "neglect", "Neglect", "অবহেলা";
        ChildMarriage => "child_marriage", "Child marriage", "বাল্যবিবাহ";
        ChildLabour => "child_labour", "Child labour", "শিশুশ্রম";
        Trafficking => "trafficking", "Trafficking", "পাচার";
        MissingChild => "missing_child", "Missing or lost child", "হারানো শিশু";
        Abandoned => "abandoned", "Abandoned or living on the street", "পরিত্যক্ত বা পথে বসবাসরত";
        ChildInConflictWithLaw => "in_conflict_with_law", "Child in conflict with the law", "আইনের সংস্পর্শে আসা শিশু";
        PhysicalHealth => "physical_health", "Physical health", "শারীরিক স্বাস্থ্য";
        MentalHealth => "mental_health", "Mental health", "মানসিক স্বাস্থ্য";
        Education => "education", "Education", "শিক্ষা";
        Legal => "legal", "Legal information", "আইনি তথ্য";
        FamilyRelationships => "family_relationships", "Family relationships", "পারিবারিক সম্পর্ক";
        Poverty => "poverty", "Poverty and basic needs", "দারিদ্র্য ও মৌলিক চাহিদা";
        Information => "information", "Request for information", "তথ্যের অনুরোধ";
        Other => "other", "Other", "অন্যান্য";
    }
);

code_list!(
    /// What was done on the contact.
    ContactAction {
        Information => "information", "Information given", "তথ্য প্রদান";
        Counselling => "counselling", "Counselling", "কাউন্সেলিং";
        Referral => "referral", "Referred to a service", "সেবায় প্রেরণ";
        MobileTeamSent => "mobile_team_sent", "Mobile team sent", "মোবাইল টিম প্রেরণ";
        EmergencyResponse => "emergency_response", "Emergency response (police, hospital, rescue)", "জরুরি সাড়া (পুলিশ, হাসপাতাল, উদ্ধার)";
        CaseOpened => "case_opened", "Case opened", "কেস খোলা হয়েছে";
    }
);

code_list!(
    /// How the contact ended.
    ContactOutcome {
        Resolved => "resolved", "Resolved", "সমাধান হয়েছে";
        Referred => "referred", "Referred on", "অন্যত্র প্রেরিত";
        FollowUp => "follow_up", "Follow-up needed", "ফলো-আপ প্রয়োজন";
        CaseOpened => "case_opened", "A case was opened", "কেস খোলা হয়েছে";
        NoFurtherAction => "no_further_action", "No further action", "আর কোনো পদক্ষেপ নেই";
    }
);

code_list!(
    /// Who got in touch, in relation to the child or woman.
    ReporterRelation {
        Self_ => "self", "The child or woman herself", "ভুক্তভোগী নিজে";
        Parent => "parent", "Parent or guardian", "বাবা-মা বা অভিভাবক";
        Relative => "relative", "Relative", "আত্মীয়";
        Neighbour => "neighbour", "Neighbour or community member", "প্রতিবেশী বা এলাকাবাসী";
        Teacher => "teacher", "Teacher", "শিক্ষক";
        Police => "police", "Police", "পুলিশ";
        HealthWorker => "health_worker", "Health worker", "স্বাস্থ্যকর্মী";
        Anonymous => "anonymous", "Anonymous", "পরিচয় গোপন";
        Other => "other", "Other", "অন্যান্য";
    }
);

code_list!(
    /// Who is said to have harmed the child or woman, in relation to her.
    PerpetratorRelation {
        Parent => "parent", "Parent or step-parent", "বাবা-মা বা সৎ বাবা-মা";
        Spouse => "spouse", "Spouse", "স্বামী/স্ত্রী";
        Relative => "relative", "Relative", "আত্মীয়";
        Employer => "employer", "Employer", "নিয়োগকর্তা";
        Acquaintance => "acquaintance", "Acquaintance or neighbour", "পরিচিত বা প্রতিবেশী";
        Stranger => "stranger", "Stranger", "অপরিচিত";
        Unknown => "unknown", "Not known", "অজানা";
    }
);

/// The facts of a contact that the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFacts {
    pub contacted_at: DateTime<Utc>,
    pub categories: Vec<ContactCategory>,
    pub actions: Vec<ContactAction>,
    pub outcome: ContactOutcome,
}

fn invalid(rule: &'static str, en: &'static str, bn: &'static str) -> RuleRefusal {
    RuleRefusal { rule, class: RuleClass::Invalid, label: Label::new(en, bn) }
}

/// The rules of a contact as recorded:
/// - `contact.when`: it has happened (not after `now`);
/// - `contact.categories` and `contact.actions`: at least one of each, none twice;
/// - `contact.case_opened_by_link`: "case opened" is never typed in; it is set when a case is
///   opened from the contact, so a count of opened cases always has the cases behind it.
pub fn check(facts: &ContactFacts, now: DateTime<Utc>) -> Result<(), RuleRefusal> {
    if facts.contacted_at > now {
        return Err(invalid("contact.when", "The contact's time is in the future", "যোগাযোগের সময় ভবিষ্যতের"));
    }
    if facts.categories.is_empty() || has_duplicates(&facts.categories) {
        return Err(invalid(
            "contact.categories",
            "Give each category of the contact once, at least one",
            "যোগাযোগের অন্তত একটি বিষয় দিন, প্রতিটি একবার",
        ));
    }
    if facts.actions.is_empty() || has_duplicates(&facts.actions) {
        return Err(invalid(
            "contact.actions",
            "Give each action taken once, at least one",
            "গৃহীত অন্তত একটি পদক্ষেপ দিন, প্রতিটি একবার",
        ));
    }
    if facts.actions.contains(&ContactAction::CaseOpened) || facts.outcome == ContactOutcome::CaseOpened {
        return Err(invalid(
            "contact.case_opened_by_link",
            "A case is opened from the contact (POST /cases with source_contact_id), not typed in",
            "কেস যোগাযোগ থেকে খোলা হয় (source_contact_id দিয়ে), হাতে লেখা হয় না",
        ));
    }
    Ok(())
}

fn has_duplicates<T: PartialEq>(items: &[T]) -> bool {
    items.iter().enumerate().any(|(i, a)| items.iter().take(i).any(|b| b == a))
}

/// `contact.one_case`: a contact opens at most one case, and only for the person it is about.
pub fn may_open_case(
    contact_person: Option<crate::id::PersonId>,
    already_opened: bool,
    person: crate::id::PersonId,
) -> Result<(), RuleRefusal> {
    if already_opened {
        return Err(RuleRefusal {
            rule: "contact.one_case",
            class: RuleClass::Conflict,
            label: Label::new("A case was already opened from this contact", "এই যোগাযোগ থেকে ইতিমধ্যে কেস খোলা হয়েছে"),
        });
    }
    if contact_person != Some(person) {
        return Err(invalid(
            "contact.case_person",
            "The case must be for the person the contact is about (record her on the contact first)",
            "কেসটি যোগাযোগের ভুক্তভোগীর জন্যই হতে হবে (আগে যোগাযোগে তাঁকে যুক্ত করুন)",
        ));
    }
    Ok(())
}

/// `service_point.day`: children served at a service point are counted for a day that has
/// come, and no count is negative (the type says so) or absurd for one point in one day.
pub fn check_attendance(on: NaiveDate, today: NaiveDate, counts: &[u32]) -> Result<(), RuleRefusal> {
    if on > today {
        return Err(invalid("service_point.day", "The day is in the future", "দিনটি ভবিষ্যতের"));
    }
    if counts.iter().map(|n| u64::from(*n)).sum::<u64>() > 5_000 {
        return Err(invalid(
            "service_point.count",
            "More than 5,000 children at one point in one day: check the figures",
            "এক দিনে এক কেন্দ্রে ৫,০০০-এর বেশি শিশু: সংখ্যা যাচাই করুন",
        ));
    }
    Ok(())
}

/// Children are counted by day only at service points.
pub const NOT_A_SERVICE_POINT: crate::rule::RuleRefusal = crate::rule::RuleRefusal::conflict(
    "service_point.not_a_service_point",
    "Children are counted by day only at drop-in centres, night shelters, child-friendly spaces and open-air schools",
    "শিশুদের দৈনিক গণনা কেবল ড্রপ-ইন সেন্টার, রাত্রিকালীন আশ্রয়কেন্দ্র, শিশুবান্ধব স্থান ও উন্মুক্ত বিদ্যালয়ে করা হয়",
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::PersonId;
    use proptest::prelude::*;

    fn facts(categories: Vec<ContactCategory>, actions: Vec<ContactAction>) -> ContactFacts {
        ContactFacts {
            contacted_at: DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
            categories,
            actions,
            outcome: ContactOutcome::Referred,
        }
    }

    #[test]
    fn a_contact_needs_a_category_and_an_action_and_a_past_time() {
        let now = DateTime::from_timestamp(1_780_000_100, 0).unwrap();
        assert!(check(&facts(vec![ContactCategory::ChildMarriage], vec![ContactAction::MobileTeamSent]), now).is_ok());
        assert_eq!(check(&facts(vec![], vec![ContactAction::Counselling]), now).unwrap_err().rule, "contact.categories");
        assert_eq!(
            check(&facts(vec![ContactCategory::Neglect, ContactCategory::Neglect], vec![ContactAction::Counselling]), now)
                .unwrap_err()
                .rule,
            "contact.categories"
        );
        assert_eq!(check(&facts(vec![ContactCategory::Neglect], vec![]), now).unwrap_err().rule, "contact.actions");
        assert_eq!(
            check(&facts(vec![ContactCategory::Neglect], vec![ContactAction::CaseOpened]), now).unwrap_err().rule,
            "contact.case_opened_by_link"
        );
        let early = DateTime::from_timestamp(1_779_999_999, 0).unwrap();
        assert_eq!(
            check(&facts(vec![ContactCategory::Neglect], vec![ContactAction::Counselling]), early).unwrap_err().rule,
            "contact.when"
        );
    }

    #[test]
    fn a_contact_opens_one_case_for_its_own_person() {
        let p = PersonId(uuid::Uuid::from_u128(1));
        let q = PersonId(uuid::Uuid::from_u128(2));
        assert!(may_open_case(Some(p), false, p).is_ok());
        assert_eq!(may_open_case(Some(p), true, p).unwrap_err().rule, "contact.one_case");
        assert_eq!(may_open_case(Some(p), false, q).unwrap_err().rule, "contact.case_person");
        assert_eq!(may_open_case(None, false, q).unwrap_err().rule, "contact.case_person");
    }

    proptest! {
        /// Whatever is typed in, an accepted contact has categories and actions, each once,
        /// and never claims a case it did not open.
        #[test]
        fn accepted_contacts_keep_the_rules(
            cats in proptest::collection::vec(0..ContactCategory::ALL.len(), 0..4),
            acts in proptest::collection::vec(0..ContactAction::ALL.len(), 0..4),
        ) {
            let f = facts(
                cats.iter().map(|i| ContactCategory::ALL[*i]).collect(),
                acts.iter().map(|i| ContactAction::ALL[*i]).collect(),
            );
            let now = DateTime::from_timestamp(1_780_000_100, 0).unwrap();
            if check(&f, now).is_ok() {
                prop_assert!(!f.categories.is_empty() && !f.actions.is_empty());
                prop_assert!(!has_duplicates(&f.categories) && !has_duplicates(&f.actions));
                prop_assert!(!f.actions.contains(&ContactAction::CaseOpened));
            }
        }
    }

    #[test]
    fn attendance_is_for_a_day_that_has_come() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 6, day).unwrap();
        assert!(check_attendance(d(1), d(2), &[40, 35]).is_ok());
        assert_eq!(check_attendance(d(3), d(2), &[1]).unwrap_err().rule, "service_point.day");
        assert_eq!(check_attendance(d(1), d(2), &[4_000, 1_001]).unwrap_err().rule, "service_point.count");
    }
}
