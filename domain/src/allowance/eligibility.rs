//! The eligibility engine: `evaluate(facts, programme version, as_of)` says eligible,
//! ineligible (with every failed criterion), or needs verification (with the missing facts).
//! The hot path allocates nothing: outcomes are bitmasks over the programme's criteria, and
//! the bilingual reasons are built only when someone reads them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::programme::{Community, Criterion, EducationLevel, MaritalStatus, ProgrammeVersion};
use crate::person::{age_on, Sex};

/// What is known about an applicant. `None` means not known (so a criterion needing it asks
/// for verification rather than failing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub sex: Option<Sex>,
    pub date_of_birth: Option<NaiveDate>,
    pub annual_income_taka: Option<i64>,
    pub family_income_taka: Option<i64>,
    pub family_size: Option<u32>,
    pub disability_registered: Option<bool>,
    /// Enrolled in a recognised institution, and at which level (`Some(None)`: not enrolled).
    pub enrolment: Option<Option<EducationLevel>>,
    pub marital_status: Option<MaritalStatus>,
    /// For a separated woman: since when she has not lived with her husband.
    pub separated_since: Option<NaiveDate>,
    /// Communities the person belongs to (`Some(vec![])`: none).
    pub communities: Option<Vec<Community>>,
    pub insolvent: Option<bool>,
    pub government_pensioner: Option<bool>,
    /// Exclusivity groups of the allowances the person already receives (`Some(vec![])`: none).
    pub allowance_groups_received: Option<Vec<String>>,
    pub pregnant: Option<bool>,
    pub lactating: Option<bool>,
    pub landless: Option<bool>,
    /// Has lost father, mother or both.
    #[serde(default)]
    pub orphan: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Eligible,
    Ineligible,
    NeedsVerification,
}

impl Verdict {
    pub const ALL: &'static [Verdict] = &[Verdict::Eligible, Verdict::Ineligible, Verdict::NeedsVerification];

    pub fn code(self) -> &'static str {
        match self {
            Verdict::Eligible => "eligible",
            Verdict::Ineligible => "ineligible",
            Verdict::NeedsVerification => "needs_verification",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }

    pub fn label(self) -> crate::Label {
        match self {
            Verdict::Eligible => crate::Label::new("Eligible", "যোগ্য"),
            Verdict::Ineligible => crate::Label::new("Not eligible", "অযোগ্য"),
            Verdict::NeedsVerification => crate::Label::new("Needs verification", "যাচাই প্রয়োজন"),
        }
    }
}

/// The outcome of one evaluation: which criteria failed and which could not be decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation {
    pub verdict: Verdict,
    /// Bit `i` set: criterion `i` failed.
    pub failed: u64,
    /// Bit `i` set: criterion `i` needs facts that are missing.
    pub unknown: u64,
}

/// The most criteria a programme version may have (one bit each).
pub const MAX_CRITERIA: usize = 64;

enum Check {
    Pass,
    Fail,
    Unknown,
}

fn check(c: &Criterion, f: &Facts, as_of: NaiveDate) -> Check {
    use Check::*;
    let b = |ok: bool| if ok { Pass } else { Fail };
    let age = || f.date_of_birth.and_then(|d| age_on(d, as_of));
    match c {
        Criterion::MinAgeBySex { female, male, hijra } => match (f.sex, age()) {
            (Some(sex), Some(a)) => b(a
                >= match sex {
                    Sex::Female => *female,
                    Sex::Male => *male,
                    Sex::Hijra => *hijra,
                }),
            _ => Unknown,
        },
        Criterion::MinAge { years } => age().map_or(Unknown, |a| b(a >= *years)),
        Criterion::AgeAbove { years } => age().map_or(Unknown, |a| b(a > *years)),
        Criterion::MaxAge { years } => age().map_or(Unknown, |a| b(a <= *years)),
        Criterion::SexIn { sexes } => f.sex.map_or(Unknown, |s| b(sexes.contains(&s))),
        Criterion::AnnualIncomeAtMost { taka } => f.annual_income_taka.map_or(Unknown, |i| b(i <= *taka)),
        Criterion::FamilyIncomeAtMost { taka } => f.family_income_taka.map_or(Unknown, |i| b(i <= *taka)),
        Criterion::FamilyIncomePerHeadBelow { taka } => match (f.family_income_taka, f.family_size) {
            // income / size < limit, in integers: income < limit * size.
            (Some(i), Some(n)) if n > 0 => b(i128::from(i) < i128::from(*taka) * i128::from(n)),
            _ => Unknown,
        },
        Criterion::DisabilityRegistered => f.disability_registered.map_or(Unknown, b),
        Criterion::EnrolledAt { levels } => match f.enrolment {
            None => Unknown,
            Some(None) => Fail,
            Some(Some(level)) => b(levels.contains(&level)),
        },
        Criterion::WidowedDivorcedOrSeparated { separated_years } => match f.marital_status {
            None => Unknown,
            Some(MaritalStatus::Widowed | MaritalStatus::Divorced) => Pass,
            Some(MaritalStatus::Separated) => match f.separated_since {
                None => Unknown,
                Some(since) => b(age_on(since, as_of).is_some_and(|y| y >= *separated_years)),
            },
            Some(_) => Fail,
        },
        Criterion::CommunityIn { communities } => {
            f.communities.as_ref().map_or(Unknown, |cs| b(cs.iter().any(|c| communities.contains(c))))
        }
        Criterion::InsolventOrDisabled => match (f.insolvent, f.disability_registered) {
            (Some(true), _) | (_, Some(true)) => Pass,
            (Some(false), Some(false)) => Fail,
            _ => Unknown,
        },
        Criterion::NotPensioner => f.government_pensioner.map_or(Unknown, |p| b(!p)),
        Criterion::NotInExclusivityGroup { group } => {
            f.allowance_groups_received.as_ref().map_or(Unknown, |gs| b(!gs.iter().any(|g| g == group)))
        }
        Criterion::Pregnant => f.pregnant.map_or(Unknown, b),
        Criterion::Lactating => f.lactating.map_or(Unknown, b),
        Criterion::Orphan => f.orphan.map_or(Unknown, b),
    }
}

/// Evaluates `facts` against every criterion of `programme` on `as_of`. A version must have at
/// most [`MAX_CRITERIA`] criteria (checked when programmes are loaded).
pub fn evaluate(facts: &Facts, programme: &ProgrammeVersion, as_of: NaiveDate) -> Evaluation {
    let (mut failed, mut unknown) = (0u64, 0u64);
    for (i, c) in programme.criteria.iter().enumerate().take(MAX_CRITERIA) {
        match check(c, facts, as_of) {
            Check::Pass => {}
            Check::Fail => failed |= 1 << i,
            Check::Unknown => unknown |= 1 << i,
        }
    }
    let verdict = if failed != 0 {
        Verdict::Ineligible
    } else if unknown != 0 {
        Verdict::NeedsVerification
    } else {
        Verdict::Eligible
    };
    Evaluation { verdict, failed, unknown }
}

/// Why a criterion was not met, in English and Bangla.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// A stable code (`age_below_minimum`, `income_above_ceiling`, ...).
    pub code: &'static str,
    /// `failed` or `missing_facts`.
    pub kind: &'static str,
    pub en: String,
    pub bn: String,
    /// For `missing_facts`: the facts to verify.
    pub missing_facts: Vec<&'static str>,
}

/// Writes a number with Bangla digits.
pub fn bangla_number(n: impl std::fmt::Display) -> String {
    n.to_string().chars().map(|c| c.to_digit(10).map_or(c, |d| char::from_u32('০' as u32 + d).unwrap_or(c))).collect()
}

fn levels_text(levels: &[EducationLevel]) -> (String, String) {
    let en: Vec<&str> = levels.iter().map(|l| l.label().en).collect();
    let bn: Vec<&str> = levels.iter().map(|l| l.label().bn).collect();
    (en.join(", "), bn.join(", "))
}

/// The code, English and Bangla text of a criterion, and the facts it needs.
pub fn describe(c: &Criterion) -> (&'static str, String, String, Vec<&'static str>) {
    fn n(v: impl std::fmt::Display) -> String {
        bangla_number(v)
    }
    match c {
        Criterion::MinAgeBySex { female, male, hijra } => (
            "age_below_minimum",
            format!("Must be at least {female} (women), {male} (men) or {hijra} (hijra) years old"),
            format!("বয়স কমপক্ষে {} (নারী), {} (পুরুষ) বা {} (হিজড়া) বছর হতে হবে", n(female), n(male), n(hijra)),
            vec!["sex", "date_of_birth"],
        ),
        Criterion::MinAge { years } => (
            "age_below_minimum",
            format!("Must be at least {years} years old"),
            format!("বয়স কমপক্ষে {} বছর হতে হবে", n(years)),
            vec!["date_of_birth"],
        ),
        Criterion::AgeAbove { years } => (
            "age_not_above",
            format!("Must be older than {years} years"),
            format!("বয়স {} বছরের বেশি হতে হবে", n(years)),
            vec!["date_of_birth"],
        ),
        Criterion::MaxAge { years } => (
            "age_above_maximum",
            format!("Must be at most {years} years old"),
            format!("বয়স সর্বোচ্চ {} বছর হতে পারে", n(years)),
            vec!["date_of_birth"],
        ),
        Criterion::SexIn { sexes } => {
            let en: Vec<&str> = sexes.iter().map(|s| s.label().en).collect();
            let bn: Vec<&str> = sexes.iter().map(|s| s.label().bn).collect();
            ("sex_not_covered", format!("For: {}", en.join(", ")), format!("যাদের জন্য: {}", bn.join(", ")), vec!["sex"])
        }
        Criterion::AnnualIncomeAtMost { taka } => (
            "income_above_ceiling",
            format!("Annual income must be at most Tk {taka}"),
            format!("বার্ষিক আয় সর্বোচ্চ {} টাকা হতে পারে", n(taka)),
            vec!["annual_income_taka"],
        ),
        Criterion::FamilyIncomeAtMost { taka } => (
            "family_income_above_ceiling",
            format!("Family annual income must be at most Tk {taka}"),
            format!("পরিবারের বার্ষিক আয় সর্বোচ্চ {} টাকা হতে পারে", n(taka)),
            vec!["family_income_taka"],
        ),
        Criterion::FamilyIncomePerHeadBelow { taka } => (
            "income_per_head_above_ceiling",
            format!("Family annual income per head must be below Tk {taka}"),
            format!("পরিবারের মাথাপিছু বার্ষিক আয় {} টাকার কম হতে হবে", n(taka)),
            vec!["family_income_taka", "family_size"],
        ),
        Criterion::DisabilityRegistered => (
            "disability_not_registered",
            "Must be registered in the DSS disability identification survey".into(),
            "সমাজসেবা অধিদফতরের প্রতিবন্ধিতা শনাক্তকরণ জরিপে নিবন্ধিত হতে হবে".into(),
            vec!["disability_registered"],
        ),
        Criterion::EnrolledAt { levels } => {
            let (en, bn) = levels_text(levels);
            (
                "not_enrolled",
                format!("Must be enrolled in a recognised institution ({en})"),
                format!("স্বীকৃত শিক্ষাপ্রতিষ্ঠানে অধ্যয়নরত হতে হবে ({bn})"),
                vec!["enrolment"],
            )
        }
        Criterion::WidowedDivorcedOrSeparated { separated_years } => (
            "not_widowed_divorced_or_separated",
            format!("Must be widowed, divorced, or not living with her husband for at least {separated_years} years"),
            format!("বিধবা, তালাকপ্রাপ্তা অথবা কমপক্ষে {} বছর স্বামীর সাথে বসবাস করেন না এমন হতে হবে", n(separated_years)),
            vec!["marital_status", "separated_since"],
        ),
        Criterion::CommunityIn { .. } => (
            "community_not_covered",
            "Must belong to the Bede or a backward community".into(),
            "বেদে বা অনগ্রসর জনগোষ্ঠীর সদস্য হতে হবে".into(),
            vec!["communities"],
        ),
        Criterion::InsolventOrDisabled => (
            "not_insolvent_or_disabled",
            "Must be insolvent or have a registered disability".into(),
            "অসচ্ছল অথবা নিবন্ধিত প্রতিবন্ধী হতে হবে".into(),
            vec!["insolvent", "disability_registered"],
        ),
        Criterion::NotPensioner => (
            "government_pensioner",
            "Must not receive a government pension".into(),
            "সরকারি পেনশনভোগী হওয়া যাবে না".into(),
            vec!["government_pensioner"],
        ),
        Criterion::NotInExclusivityGroup { .. } => (
            "already_receives_allowance",
            "Must not already receive another government allowance".into(),
            "অন্য কোনো সরকারি ভাতা গ্রহণ করা যাবে না".into(),
            vec!["allowance_groups_received"],
        ),
        Criterion::Pregnant => ("not_pregnant", "Must be pregnant".into(), "গর্ভবতী হতে হবে".into(), vec!["pregnant"]),
        Criterion::Lactating => {
            ("not_lactating", "Must be a lactating mother".into(), "দুগ্ধদানকারী মা হতে হবে".into(), vec!["lactating"])
        }
        Criterion::Orphan => (
            "not_orphan",
            "Must have lost father, mother or both".into(),
            "বাবা, মা অথবা উভয়কে হারানো এতিম হতে হবে".into(),
            vec!["orphan"],
        ),
    }
}

impl Evaluation {
    /// Every failed criterion, then every undecided one, with its explanation.
    pub fn reasons(&self, programme: &ProgrammeVersion) -> Vec<Reason> {
        let mut out = Vec::new();
        for (i, c) in programme.criteria.iter().enumerate().take(MAX_CRITERIA) {
            let (code, en, bn, facts) = describe(c);
            if self.failed & (1 << i) != 0 {
                out.push(Reason { code, kind: "failed", en, bn, missing_facts: vec![] });
            } else if self.unknown & (1 << i) != 0 {
                out.push(Reason { code, kind: "missing_facts", en, bn, missing_facts: facts });
            }
        }
        out
    }
}

/// Weights for ranking a waiting list: higher scores come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityWeights {
    /// Per year of age.
    pub per_year_of_age: u32,
    pub disability: u32,
    pub landless: u32,
    pub widowed: u32,
    pub insolvent: u32,
}

impl Default for PriorityWeights {
    fn default() -> Self {
        PriorityWeights { per_year_of_age: 1, disability: 20, landless: 15, widowed: 10, insolvent: 10 }
    }
}

/// The waiting-list priority of an applicant (older, disabled, landless, widowed, insolvent first).
pub fn priority_score(f: &Facts, as_of: NaiveDate, w: &PriorityWeights) -> u32 {
    let age = f.date_of_birth.and_then(|d| age_on(d, as_of)).unwrap_or(0);
    let flag = |v: Option<bool>, weight: u32| if v == Some(true) { weight } else { 0 };
    age * w.per_year_of_age
        + flag(f.disability_registered, w.disability)
        + flag(f.landless, w.landless)
        + flag(f.insolvent, w.insolvent)
        + if f.marital_status == Some(MaritalStatus::Widowed) { w.widowed } else { 0 }
}

crate::text_code!(Verdict);
