//! Child-care and rehabilitation institutions (seed 001): who each admits (age at admission,
//! sex) and until when (the age limit), as data per kind of institution; stays that begin with
//! an admission and end with a transfer (which keeps the child's history: the new stay names
//! the old one), ageing out with a rehabilitation plan, or another exit.

use chrono::NaiveDate;

use crate::code_list::code_list;
use crate::facility::FacilityType;
use crate::person::Sex;
use crate::rule::{RuleClass, RuleRefusal};
use crate::Label;

/// Whom an institution admits and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionRules {
    pub kind: FacilityType,
    /// Youngest age at admission, in full years.
    pub min_age: u32,
    /// Oldest age at admission, in full years.
    pub max_age: u32,
    /// The birthday on which a resident leaves (or is transferred).
    pub leave_at: u32,
    /// `None`: boys and girls (in the homes the facility's capacity by sex allows).
    pub only: Option<Sex>,
}

/// The institutions of seed 001 and their rules.
pub const INSTITUTIONS: &[AdmissionRules] = &[
    // Orphaned or destitute children aged 6 to 9, kept to 18.
    AdmissionRules { kind: FacilityType::ShishuParibar, min_age: 6, max_age: 9, leave_at: 18, only: None },
    // Newborns and children under 6; at 6 they move to a Shishu Paribar.
    AdmissionRules { kind: FacilityType::ChotomoniNibash, min_age: 0, max_age: 5, leave_at: 6, only: None },
    // Destitute and vagrant children, trained and rehabilitated.
    AdmissionRules { kind: FacilityType::VagrantChildrenCentre, min_age: 7, max_age: 17, leave_at: 18, only: None },
    // Orphan girls from the Shishu Paribar, for vocational training.
    AdmissionRules {
        kind: FacilityType::OrphanGirlsTrainingCentre,
        min_age: 14,
        max_age: 18,
        leave_at: 21,
        only: Some(Sex::Female),
    },
    // Schools for visually impaired children.
    AdmissionRules { kind: FacilityType::VisuallyImpairedSchool, min_age: 6, max_age: 14, leave_at: 20, only: None },
    // Socially disadvantaged girls and young women, trained and rehabilitated.
    AdmissionRules {
        kind: FacilityType::DisadvantagedGirlsCentre,
        min_age: 12,
        max_age: 30,
        leave_at: 35,
        only: Some(Sex::Female),
    },
];

/// The rules of an institution kind, if it is one.
pub fn rules_for(kind: FacilityType) -> Option<&'static AdmissionRules> {
    INSTITUTIONS.iter().find(|r| r.kind == kind)
}

code_list!(
    /// How a stay ended.
    LeaveReason {
        Transferred => "transferred", "Transferred to another institution", "অন্য প্রতিষ্ঠানে স্থানান্তরিত";
        AgedOut => "aged_out", "Reached the age limit (rehabilitated)", "বয়সসীমা পূর্ণ (পুনর্বাসিত)";
        Reintegrated => "reintegrated", "Returned to family", "পরিবারে প্রত্যাবর্তন";
        Absconded => "absconded", "Absconded", "পলাতক";
        Died => "died", "Died", "মৃত";
        Other => "other", "Other", "অন্যান্য";
    }
);

fn refusal(rule: &'static str, class: RuleClass, en: &'static str, bn: &'static str) -> RuleRefusal {
    RuleRefusal { rule, class, label: Label::new(en, bn) }
}

/// What an admission (or the arrival of a transfer) looks at.
#[derive(Debug, Clone, Copy)]
pub struct Admission {
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub on: NaiveDate,
    /// Places for the child's sex at the facility, and residents of that sex there now.
    pub places: i32,
    pub occupied: i64,
    /// Whether the child is in another institution now.
    pub resident_elsewhere: bool,
}

/// The named rules of admission:
/// - `institution.kind`: the facility is an institution with admission rules;
/// - `institution.before_birth`: the admission is not dated before the child's birth;
/// - `institution.age`: the child's age on the day is within the institution's range;
/// - `institution.sex`: the institution (or this facility's homes) takes the child's sex;
/// - `institution.full`: a place is free for the child's sex;
/// - `institution.one_place`: a child lives in one institution at a time (a move is a transfer).
pub fn check_admission(kind: FacilityType, a: &Admission) -> Result<(), RuleRefusal> {
    let Some(r) = rules_for(kind) else {
        return Err(refusal(
            "institution.kind",
            RuleClass::Invalid,
            "This facility is not an institution that admits residents",
            "এই প্রতিষ্ঠানে নিবাসী ভর্তি করা হয় না",
        ));
    };
    if a.resident_elsewhere {
        return Err(refusal(
            "institution.one_place",
            RuleClass::Conflict,
            "The child lives in another institution now: transfer her instead",
            "শিশুটি এখন অন্য প্রতিষ্ঠানে আছে: স্থানান্তর করুন",
        ));
    }
    crate::person::check_not_before_birth(ADMITTED_BEFORE_BIRTH, a.on, a.date_of_birth)?;
    let age = crate::person::age_on(a.date_of_birth, a.on).unwrap_or(0);
    if age < r.min_age || age > r.max_age {
        return Err(refusal(
            "institution.age",
            RuleClass::Invalid,
            "The child's age on the day is outside the institution's admission ages",
            "ওই দিনে শিশুর বয়স প্রতিষ্ঠানের ভর্তির বয়সসীমার বাইরে",
        ));
    }
    if r.only.is_some_and(|s| s != a.sex) || a.places <= 0 {
        return Err(refusal(
            "institution.sex",
            RuleClass::Invalid,
            "This institution does not take children of this sex",
            "এই প্রতিষ্ঠানে এই লিঙ্গের শিশু ভর্তি করা হয় না",
        ));
    }
    if a.occupied >= i64::from(a.places) {
        return Err(refusal("institution.full", RuleClass::Conflict, "No place is free", "কোনো আসন খালি নেই"));
    }
    Ok(())
}

/// The day a resident of `kind` born on `date_of_birth` reaches its age limit.
pub fn leaves_on(kind: FacilityType, date_of_birth: NaiveDate) -> Option<NaiveDate> {
    rules_for(kind).map(|r| crate::person::birthday(date_of_birth, r.leave_at))
}

/// The named rules of leaving:
/// - `institution.left_on`: on or after the admission, not in the future;
/// - `institution.rehabilitation_plan`: ageing out comes with a rehabilitation plan, and only
///   from the day the resident reaches the age limit;
/// - `institution.transfer_by_move`: a transfer is made by moving the resident (the
///   transfer endpoint), not by a discharge.
pub fn check_leaving(
    reason: LeaveReason,
    (admitted_on, on, today): (NaiveDate, NaiveDate, NaiveDate),
    age_limit_reached_on: Option<NaiveDate>,
    plan: Option<&str>,
) -> Result<(), RuleRefusal> {
    if on < admitted_on || on > today {
        return Err(refusal(
            "institution.left_on",
            RuleClass::Invalid,
            "A stay ends on or after the admission, not in the future",
            "অবস্থান ভর্তির দিন বা পরে শেষ হয়, ভবিষ্যতে নয়",
        ));
    }
    match reason {
        LeaveReason::Transferred => Err(refusal(
            "institution.transfer_by_move",
            RuleClass::Invalid,
            "Transfer the resident instead, so the new institution's stay keeps her history",
            "নিবাসীকে স্থানান্তর করুন, যাতে নতুন প্রতিষ্ঠানে তার ইতিহাস থাকে",
        )),
        LeaveReason::AgedOut if plan.is_none_or(|p| p.trim().is_empty()) || age_limit_reached_on.is_none_or(|d| on < d) => {
            Err(refusal(
                "institution.rehabilitation_plan",
                RuleClass::Invalid,
                "Ageing out is from the age limit on, with a rehabilitation plan",
                "বয়সসীমা পূর্ণ হলে, পুনর্বাসন পরিকল্পনাসহ, প্রতিষ্ঠান ত্যাগ",
            ))
        }
        _ => Ok(()),
    }
}

/// `institution.before_birth`: an admission or a transfer is not dated before the child's birth.
pub const ADMITTED_BEFORE_BIRTH: RuleRefusal = RuleRefusal::invalid(
    "institution.before_birth",
    "The admission is dated before the child's birth",
    "ভর্তির তারিখ শিশুর জন্মের আগের",
);

/// A stay that has ended takes no further step (transfer, departure).
pub const STAY_ENDED: RuleRefusal =
    RuleRefusal::conflict("institution.stay_ended", "The stay has ended", "প্রতিষ্ঠানে অবস্থান শেষ হয়েছে");

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn admission(born: NaiveDate, sex: Sex, on: NaiveDate) -> Admission {
        Admission { date_of_birth: born, sex, on, places: 10, occupied: 3, resident_elsewhere: false }
    }

    #[test]
    fn admissions_follow_each_institutions_rules() {
        let born = d(2018, 3, 1);
        assert!(check_admission(FacilityType::ShishuParibar, &admission(born, Sex::Male, d(2025, 1, 1))).is_ok());
        let r = |kind, a: &Admission| check_admission(kind, a).unwrap_err().rule;
        assert_eq!(r(FacilityType::ShishuParibar, &admission(born, Sex::Male, d(2023, 1, 1))), "institution.age");
        assert_eq!(r(FacilityType::ShishuParibar, &admission(born, Sex::Male, d(2028, 3, 1))), "institution.age");
        assert!(check_admission(FacilityType::ChotomoniNibash, &admission(born, Sex::Female, d(2018, 3, 2))).is_ok());
        assert!(check_admission(FacilityType::ChotomoniNibash, &admission(born, Sex::Female, born)).is_ok(), "the day of birth");
        assert_eq!(
            r(FacilityType::ChotomoniNibash, &admission(born, Sex::Female, d(2018, 2, 28))),
            "institution.before_birth",
            "the day before"
        );
        assert_eq!(r(FacilityType::ChotomoniNibash, &admission(born, Sex::Female, d(2024, 3, 1))), "institution.age");
        assert_eq!(
            r(FacilityType::OrphanGirlsTrainingCentre, &admission(d(2010, 1, 1), Sex::Male, d(2025, 1, 1))),
            "institution.sex"
        );
        assert_eq!(r(FacilityType::SafeHome, &admission(born, Sex::Male, d(2025, 1, 1))), "institution.kind");
        let mut full = admission(born, Sex::Male, d(2025, 1, 1));
        full.occupied = 10;
        assert_eq!(r(FacilityType::ShishuParibar, &full), "institution.full");
        let mut no_boys = admission(born, Sex::Male, d(2025, 1, 1));
        no_boys.places = 0;
        assert_eq!(r(FacilityType::ShishuParibar, &no_boys), "institution.sex");
        let mut elsewhere = admission(born, Sex::Male, d(2025, 1, 1));
        elsewhere.resident_elsewhere = true;
        assert_eq!(r(FacilityType::ShishuParibar, &elsewhere), "institution.one_place");
        assert_eq!(leaves_on(FacilityType::ChotomoniNibash, born), Some(d(2024, 3, 1)));
    }

    #[test]
    fn leaving_has_its_rules() {
        let dates = (d(2020, 1, 1), d(2026, 5, 1), d(2026, 6, 1));
        assert!(check_leaving(LeaveReason::Reintegrated, dates, None, None).is_ok());
        assert_eq!(check_leaving(LeaveReason::Transferred, dates, None, None).unwrap_err().rule, "institution.transfer_by_move");
        let aged = |limit, plan| check_leaving(LeaveReason::AgedOut, dates, Some(limit), plan);
        assert!(aged(d(2026, 4, 1), Some("Garment job and hostel")).is_ok());
        assert_eq!(aged(d(2026, 4, 1), None).unwrap_err().rule, "institution.rehabilitation_plan");
        assert_eq!(aged(d(2026, 5, 2), Some("plan")).unwrap_err().rule, "institution.rehabilitation_plan");
        assert_eq!(
            check_leaving(LeaveReason::Other, (d(2020, 1, 1), d(2026, 7, 1), d(2026, 6, 1)), None, None).unwrap_err().rule,
            "institution.left_on"
        );
    }

    #[test]
    fn every_institution_kind_is_coherent() {
        for r in INSTITUTIONS {
            assert!(r.min_age <= r.max_age && r.max_age < r.leave_at, "{:?}", r.kind);
        }
    }
}
