//! The programmes Sheba ships with: the eight DSS allowances and
//! stipends with FY2023-24, FY2024-25 and FY2025-26 rates, the CSPB conditional cash transfer,
//! the capitation grant to registered private orphanages,
//! and two Department of Women Affairs programmes. They are data: loaded into the database at
//! start, where later versions can be added without code.

use chrono::NaiveDate;

use super::programme::*;
use crate::person::Sex;

/// The group of government allowances: one person, one allowance.
/// The day the seeded programme versions take effect (checked when compiling).
const SEEDED_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2023, 7, 1) {
    Some(d) => d,
    None => panic!("1 July 2023 is a date"),
};

pub const GOVERNMENT_ALLOWANCE: &str = "government_allowance";
/// The programme of the capitation grant to registered private orphanages: Tk 2,000 a month
/// per listed orphan, paid to the orphanage.
pub const ORPHANAGE_CAPITATION: &str = "orphanage_capitation";
/// Education stipends: one stipend per student.
pub const STUDENT_STIPEND: &str = "student_stipend";

fn fy(y: i32) -> FiscalYear {
    FiscalYear(y)
}

fn flat(rates: [(i32, i64); 3]) -> Vec<Rate> {
    rates.into_iter().map(|(y, t)| Rate { fiscal_year: fy(y), level: None, monthly_taka: t }).collect()
}

fn by_level(years: &[i32], per_year: impl Fn(i32, EducationLevel) -> i64) -> Vec<Rate> {
    years
        .iter()
        .flat_map(|y| EducationLevel::ALL.into_iter().map(move |l| (*y, l)))
        .map(|(y, l)| Rate { fiscal_year: fy(y), level: Some(l), monthly_taka: per_year(y, l) })
        .collect()
}

fn stipend_rate(level: EducationLevel) -> i64 {
    match level {
        EducationLevel::Primary => 700,
        EducationLevel::Secondary => 800,
        EducationLevel::HigherSecondary => 1000,
        EducationLevel::Higher => 1200,
    }
}

#[allow(clippy::too_many_arguments)]
fn version(
    code: &str,
    name_en: &str,
    name_bn: &str,
    department: &str,
    criteria: Vec<Criterion>,
    rates: Vec<Rate>,
    payment_frequency: PaymentFrequency,
    duration_months: Option<u32>,
    exclusivity_group: Option<&str>,
) -> ProgrammeVersion {
    ProgrammeVersion {
        code: code.into(),
        name_en: name_en.into(),
        name_bn: name_bn.into(),
        department: department.into(),
        effective_from: SEEDED_FROM,
        effective_to: None,
        criteria,
        rates,
        payment_frequency,
        duration_months,
        exclusivity_group: exclusivity_group.map(str::to_owned),
        conditional: code == "cct",
        pay_until_age: (code == ORPHANAGE_CAPITATION).then_some(18),
    }
}

fn not_in(group: &str) -> Criterion {
    Criterion::NotInExclusivityGroup { group: group.into() }
}

const ALL_LEVELS: [EducationLevel; 4] = EducationLevel::ALL;

/// Every seeded programme version.
pub fn programmes() -> Vec<ProgrammeVersion> {
    use Criterion::*;
    let years = [2023, 2024, 2025];
    vec![
        version(
            "old_age",
            "Old age allowance",
            "বয়স্ক ভাতা",
            "dss",
            vec![
                MinAgeBySex { female: 62, male: 65, hijra: 65 },
                AnnualIncomeAtMost { taka: 10_000 },
                not_in(GOVERNMENT_ALLOWANCE),
            ],
            flat([(2023, 600), (2024, 600), (2025, 650)]),
            PaymentFrequency::Quarterly,
            None,
            Some(GOVERNMENT_ALLOWANCE),
        ),
        version(
            "widow",
            "Allowance for widowed and husband-deserted destitute women",
            "বিধবা ও স্বামী নিগৃহীতা মহিলা ভাতা",
            "dss",
            vec![
                SexIn { sexes: vec![Sex::Female] },
                MinAge { years: 18 },
                WidowedDivorcedOrSeparated { separated_years: 2 },
                AnnualIncomeAtMost { taka: 12_000 },
                NotPensioner,
                not_in(GOVERNMENT_ALLOWANCE),
            ],
            flat([(2023, 550), (2024, 550), (2025, 650)]),
            PaymentFrequency::Quarterly,
            None,
            Some(GOVERNMENT_ALLOWANCE),
        ),
        version(
            "disability",
            "Allowance for insolvent persons with disabilities",
            "অসচ্ছল প্রতিবন্ধী ভাতা",
            "dss",
            vec![
                DisabilityRegistered,
                AgeAbove { years: 6 },
                FamilyIncomePerHeadBelow { taka: 36_000 },
                not_in(GOVERNMENT_ALLOWANCE),
            ],
            flat([(2023, 850), (2024, 850), (2025, 900)]),
            PaymentFrequency::Quarterly,
            None,
            Some(GOVERNMENT_ALLOWANCE),
        ),
        version(
            "disability_stipend",
            "Education stipend for students with disabilities",
            "প্রতিবন্ধী শিক্ষার্থীদের শিক্ষা উপবৃত্তি",
            "dss",
            vec![
                DisabilityRegistered,
                EnrolledAt { levels: ALL_LEVELS.to_vec() },
                FamilyIncomeAtMost { taka: 36_000 },
                not_in(STUDENT_STIPEND),
            ],
            by_level(&years, |y, l| match l {
                EducationLevel::Primary => 900,
                EducationLevel::Secondary => 950,
                EducationLevel::HigherSecondary if y == 2024 => 1050,
                EducationLevel::HigherSecondary => 950,
                EducationLevel::Higher => 1300,
            }),
            PaymentFrequency::Quarterly,
            None,
            Some(STUDENT_STIPEND),
        ),
        version(
            "hijra_allowance",
            "Special allowance for the hijra community",
            "হিজড়া জনগোষ্ঠীর বিশেষ ভাতা",
            "dss",
            vec![SexIn { sexes: vec![Sex::Hijra] }, MinAge { years: 50 }, InsolventOrDisabled, not_in(GOVERNMENT_ALLOWANCE)],
            flat([(2023, 600), (2024, 600), (2025, 650)]),
            PaymentFrequency::Quarterly,
            None,
            Some(GOVERNMENT_ALLOWANCE),
        ),
        version(
            "hijra_stipend",
            "Education stipend for hijra students",
            "হিজড়া শিক্ষার্থীদের শিক্ষা উপবৃত্তি",
            "dss",
            vec![SexIn { sexes: vec![Sex::Hijra] }, EnrolledAt { levels: ALL_LEVELS.to_vec() }, not_in(STUDENT_STIPEND)],
            by_level(&years, |_, l| stipend_rate(l)),
            PaymentFrequency::Quarterly,
            None,
            Some(STUDENT_STIPEND),
        ),
        version(
            "bede_allowance",
            "Allowance for the Bede and backward communities",
            "বেদে ও অনগ্রসর জনগোষ্ঠীর বিশেষ ভাতা",
            "dss",
            vec![
                CommunityIn { communities: vec![Community::Bede, Community::Backward] },
                MinAge { years: 50 },
                not_in(GOVERNMENT_ALLOWANCE),
            ],
            flat([(2023, 500), (2024, 500), (2025, 650)]),
            PaymentFrequency::Quarterly,
            None,
            Some(GOVERNMENT_ALLOWANCE),
        ),
        version(
            "bede_stipend",
            "Education stipend for Bede and backward community students",
            "বেদে ও অনগ্রসর জনগোষ্ঠীর শিক্ষার্থীদের শিক্ষা উপবৃত্তি",
            "dss",
            vec![
                CommunityIn { communities: vec![Community::Bede, Community::Backward] },
                EnrolledAt { levels: ALL_LEVELS.to_vec() },
                not_in(STUDENT_STIPEND),
            ],
            by_level(&years, |_, l| stipend_rate(l)),
            PaymentFrequency::Quarterly,
            None,
            Some(STUDENT_STIPEND),
        ),
        version(
            "cct",
            "Conditional cash transfer for children at risk (CSPB)",
            "ঝুঁকিপূর্ণ শিশুদের জন্য শর্তযুক্ত নগদ সহায়তা (সিএসপিবি)",
            "dss",
            vec![MaxAge { years: 17 }, EnrolledAt { levels: ALL_LEVELS.to_vec() }],
            flat([(2023, 2000), (2024, 2000), (2025, 2000)]),
            PaymentFrequency::Instalments { months: 6 },
            Some(18),
            None,
        ),
        version(
            ORPHANAGE_CAPITATION,
            "Capitation grant for orphans in registered private orphanages",
            "বেসরকারি এতিমখানায় ক্যাপিটেশন গ্রান্ট",
            "dss",
            vec![MaxAge { years: 17 }, Orphan],
            flat([(2023, 2000), (2024, 2000), (2025, 2000)]),
            PaymentFrequency::Monthly,
            None,
            None,
        ),
        version(
            "maternity",
            "Maternity allowance",
            "মাতৃত্বকালীন ভাতা",
            "dwa",
            vec![SexIn { sexes: vec![Sex::Female] }, Pregnant],
            flat([(2023, 800), (2024, 800), (2025, 800)]),
            PaymentFrequency::Monthly,
            Some(36),
            Some("mother_and_child"),
        ),
        version(
            "lactating_mother",
            "Lactating mother allowance",
            "ল্যাকটেটিং মাদার ভাতা",
            "dwa",
            vec![SexIn { sexes: vec![Sex::Female] }, Lactating],
            flat([(2023, 800), (2024, 800), (2025, 800)]),
            PaymentFrequency::Monthly,
            Some(36),
            Some("mother_and_child"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::eligibility::{evaluate, Facts, Verdict};
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn programme(code: &str) -> ProgrammeVersion {
        programmes().into_iter().find(|p| p.code == code).unwrap()
    }

    const AS_OF: (i32, u32, u32) = (2026, 1, 15);

    fn as_of() -> NaiveDate {
        d(AS_OF.0, AS_OF.1, AS_OF.2)
    }

    /// Born so that on `as_of` the person is `years` old and `days_short` days before the next birthday.
    fn born(years: i32, days_short: i64) -> NaiveDate {
        let birthday = d(AS_OF.0 - years, AS_OF.1, AS_OF.2);
        birthday + chrono::Duration::days(days_short)
    }

    fn poor_person(sex: Sex, dob: NaiveDate) -> Facts {
        Facts {
            sex: Some(sex),
            date_of_birth: Some(dob),
            annual_income_taka: Some(8_000),
            family_income_taka: Some(30_000),
            family_size: Some(4),
            disability_registered: Some(false),
            enrolment: Some(None),
            marital_status: Some(MaritalStatus::Married),
            separated_since: None,
            communities: Some(vec![]),
            insolvent: Some(true),
            government_pensioner: Some(false),
            allowance_groups_received: Some(vec![]),
            pregnant: Some(false),
            lactating: Some(false),
            landless: Some(false),
            orphan: Some(false),
        }
    }

    fn verdict(code: &str, f: &Facts) -> Verdict {
        evaluate(f, &programme(code), as_of()).verdict
    }

    #[test]
    fn the_capitation_grant_is_for_orphans_under_18() {
        let child = Facts { orphan: Some(true), ..poor_person(Sex::Female, born(12, 0)) };
        assert_eq!(verdict(ORPHANAGE_CAPITATION, &child), Verdict::Eligible);
        assert_eq!(verdict(ORPHANAGE_CAPITATION, &Facts { orphan: Some(false), ..child.clone() }), Verdict::Ineligible);
        assert_eq!(verdict(ORPHANAGE_CAPITATION, &Facts { orphan: None, ..child.clone() }), Verdict::NeedsVerification);
        assert_eq!(verdict(ORPHANAGE_CAPITATION, &Facts { date_of_birth: Some(born(18, 0)), ..child }), Verdict::Ineligible);
        assert_eq!(programme(ORPHANAGE_CAPITATION).monthly_rate(d(2025, 8, 1), None), Some(2000));
    }

    #[test]
    fn the_capitation_grant_ends_with_the_month_before_the_18th_birthday() {
        let grant = programme(ORPHANAGE_CAPITATION);
        let born_on = d(2008, 3, 15);
        assert_eq!(grant.pay_ends_on(born_on), Some(d(2026, 3, 15)));
        assert!(grant.pays_month(born_on, d(2026, 3, 1)), "under 18 when March begins");
        assert!(!grant.pays_month(born_on, d(2026, 4, 1)));
        // Born on the 1st: 18 on the first day of that month, so that month is not paid.
        assert!(grant.pays_month(d(2008, 4, 1), d(2026, 3, 1)));
        assert!(!grant.pays_month(d(2008, 4, 1), d(2026, 4, 1)));
        // Born on 29 February: 18 on 1 March 2026.
        assert!(grant.pays_month(d(2008, 2, 29), d(2026, 2, 1)));
        assert!(!grant.pays_month(d(2008, 2, 29), d(2026, 3, 1)));
        // Other programmes pay whatever the age (CCT runs its 18 months).
        assert!(programme("cct").pays_month(d(2008, 2, 29), d(2030, 3, 1)));
        assert_eq!(programme("old_age").pay_ends_on(born_on), None);
    }

    #[test]
    fn old_age_boundaries_by_sex() {
        // A woman of 61 years 364 days is not eligible; at 62 she is.
        assert_eq!(verdict("old_age", &poor_person(Sex::Female, born(62, 1))), Verdict::Ineligible);
        assert_eq!(verdict("old_age", &poor_person(Sex::Female, born(62, 0))), Verdict::Eligible);
        // A man at 64 and 65.
        assert_eq!(verdict("old_age", &poor_person(Sex::Male, born(64, 0))), Verdict::Ineligible);
        assert_eq!(verdict("old_age", &poor_person(Sex::Male, born(65, 0))), Verdict::Eligible);
    }

    #[test]
    fn income_at_the_ceiling_and_one_taka_above() {
        let mut f = poor_person(Sex::Female, born(70, 0));
        f.annual_income_taka = Some(10_000);
        assert_eq!(verdict("old_age", &f), Verdict::Eligible);
        f.annual_income_taka = Some(10_001);
        assert_eq!(verdict("old_age", &f), Verdict::Ineligible);
        let reasons = evaluate(&f, &programme("old_age"), as_of()).reasons(&programme("old_age"));
        assert_eq!(reasons.len(), 1);
        assert_eq!(reasons[0].code, "income_above_ceiling");
        assert!(reasons[0].bn.contains("১০০০০"), "{}", reasons[0].bn);
    }

    #[test]
    fn hijra_at_49_and_50() {
        let mut f = poor_person(Sex::Hijra, born(50, 1));
        assert_eq!(verdict("hijra_allowance", &f), Verdict::Ineligible);
        f.date_of_birth = Some(born(50, 0));
        assert_eq!(verdict("hijra_allowance", &f), Verdict::Eligible);
        f.insolvent = Some(false);
        assert_eq!(verdict("hijra_allowance", &f), Verdict::Ineligible);
        f.disability_registered = Some(true);
        assert_eq!(verdict("hijra_allowance", &f), Verdict::Eligible, "insolvent or disabled");
    }

    #[test]
    fn a_widow_at_17_and_18_and_a_deserted_wife_after_two_years() {
        let mut f = poor_person(Sex::Female, born(18, 1));
        f.marital_status = Some(MaritalStatus::Widowed);
        f.annual_income_taka = Some(12_000);
        assert_eq!(verdict("widow", &f), Verdict::Ineligible);
        f.date_of_birth = Some(born(18, 0));
        assert_eq!(verdict("widow", &f), Verdict::Eligible);
        f.marital_status = Some(MaritalStatus::Separated);
        f.separated_since = Some(d(2024, 1, 16));
        assert_eq!(verdict("widow", &f), Verdict::Ineligible, "one day short of two years");
        f.separated_since = Some(d(2024, 1, 15));
        assert_eq!(verdict("widow", &f), Verdict::Eligible);
        f.separated_since = None;
        assert_eq!(verdict("widow", &f), Verdict::NeedsVerification);
        f.government_pensioner = Some(true);
        assert_eq!(verdict("widow", &f), Verdict::Ineligible, "a failure outweighs a missing fact");
    }

    #[test]
    fn disability_needs_survey_registration_and_age_above_six() {
        let mut f = poor_person(Sex::Male, born(30, 0));
        assert_eq!(verdict("disability", &f), Verdict::Ineligible);
        f.disability_registered = Some(true);
        assert_eq!(verdict("disability", &f), Verdict::Eligible);
        f.date_of_birth = Some(born(6, 0));
        assert_eq!(verdict("disability", &f), Verdict::Ineligible, "must be older than six");
        f.date_of_birth = Some(born(7, 0));
        f.family_income_taka = Some(36_000 * 4);
        assert_eq!(verdict("disability", &f), Verdict::Ineligible, "per head must be below 36,000");
        f.family_income_taka = Some(36_000 * 4 - 1);
        assert_eq!(verdict("disability", &f), Verdict::Eligible);
    }

    #[test]
    fn one_person_one_allowance() {
        let mut f = poor_person(Sex::Female, born(70, 0));
        f.allowance_groups_received = Some(vec![GOVERNMENT_ALLOWANCE.into()]);
        let p = programme("old_age");
        let e = evaluate(&f, &p, as_of());
        assert_eq!(e.verdict, Verdict::Ineligible);
        assert_eq!(e.reasons(&p)[0].code, "already_receives_allowance");
        // A stipend is another group.
        f.allowance_groups_received = Some(vec![STUDENT_STIPEND.into()]);
        assert_eq!(verdict("old_age", &f), Verdict::Eligible);
    }

    #[test]
    fn missing_facts_ask_for_verification_and_name_them() {
        let f = Facts { sex: Some(Sex::Female), date_of_birth: Some(born(70, 0)), ..Facts::default() };
        let p = programme("old_age");
        let e = evaluate(&f, &p, as_of());
        assert_eq!(e.verdict, Verdict::NeedsVerification);
        let missing: Vec<&str> = e.reasons(&p).iter().flat_map(|r| r.missing_facts.clone()).collect();
        assert_eq!(missing, ["annual_income_taka", "allowance_groups_received"]);
    }

    #[test]
    fn rates_follow_the_fiscal_year_and_level() {
        let p = programme("old_age");
        assert_eq!(p.monthly_rate(d(2025, 6, 30), None), Some(600));
        assert_eq!(p.monthly_rate(d(2025, 7, 1), None), Some(650));
        assert_eq!(p.monthly_rate(d(2023, 6, 30), None), None, "before the first rate");
        assert_eq!(p.monthly_rate(d(2030, 1, 1), None), Some(650), "the latest rate stays in force");
        let s = programme("disability_stipend");
        assert_eq!(s.monthly_rate(d(2024, 8, 1), Some(EducationLevel::HigherSecondary)), Some(1050));
        assert_eq!(s.monthly_rate(d(2025, 8, 1), Some(EducationLevel::HigherSecondary)), Some(950));
        assert_eq!(s.monthly_rate(d(2025, 8, 1), Some(EducationLevel::Higher)), Some(1300));
        assert_eq!(s.monthly_rate(d(2025, 8, 1), None), None, "stipends pay by level");
        let cct = programme("cct");
        assert_eq!(cct.monthly_rate(d(2025, 8, 1), None).unwrap() * 6, 12_000, "instalments of Tk 12,000");
        assert_eq!(cct.duration_months.unwrap() as i64 * 2000, 36_000);
    }

    #[test]
    fn every_seed_is_well_formed() {
        let all = programmes();
        assert_eq!(all.len(), 12);
        let mut codes: Vec<&str> = all.iter().map(|p| p.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 12, "codes are unique");
        for p in &all {
            assert!(p.criteria.len() <= super::super::eligibility::MAX_CRITERIA);
            assert!(
                p.monthly_rate(d(2025, 8, 1), Some(EducationLevel::Primary)).or(p.monthly_rate(d(2025, 8, 1), None)).is_some(),
                "{}",
                p.code
            );
            assert!(!p.name_bn.is_empty());
        }
    }
}
