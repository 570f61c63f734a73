//! Voluntary social welfare organisations under the Voluntary Social Welfare Agencies
//! (Registration and Control) Ordinance, 1961: an organisation applies to the district social
//! services office with its documents, is inspected, and is registered with a number of that
//! district (or refused). Once registered it files annual reports and audited accounts,
//! changes its committee, may be suspended and reinstated, and may be dissolved; it may get one
//! grant a year through the Social Welfare Council.

use chrono::NaiveDate;

use crate::code_list::code_list;
use crate::rule::{RuleClass, RuleRefusal};
use crate::Label;

code_list!(
    /// Where an organisation's registration stands.
    OrganisationStatus {
        Applied => "applied", "Applied for registration", "নিবন্ধনের জন্য আবেদনকৃত";
        Registered => "registered", "Registered", "নিবন্ধিত";
        Refused => "refused", "Registration refused", "নিবন্ধন প্রত্যাখ্যাত";
        Suspended => "suspended", "Suspended", "স্থগিত";
        Dissolved => "dissolved", "Dissolved", "বিলুপ্ত";
    }
);

code_list!(
    /// A document filed with an application.
    RegistrationDocument {
        Constitution => "constitution", "Constitution (by-laws)", "গঠনতন্ত্র";
        CommitteeList => "committee_list", "List of the executive committee", "কার্যনির্বাহী কমিটির তালিকা";
        FormationMinutes => "formation_minutes", "Minutes of the founding meeting", "প্রতিষ্ঠা সভার কার্যবিবরণী";
        OfficeProof => "office_proof", "Proof of the office's address", "কার্যালয়ের ঠিকানার প্রমাণ";
        BankAccount => "bank_account", "Bank account statement", "ব্যাংক হিসাবের বিবরণী";
        WorkPlan => "work_plan", "Work plan", "কর্মপরিকল্পনা";
    }
);

code_list!(
    /// A place on an organisation's executive committee.
    CommitteePosition {
        President => "president", "President", "সভাপতি";
        VicePresident => "vice_president", "Vice-president", "সহ-সভাপতি";
        GeneralSecretary => "general_secretary", "General secretary", "সাধারণ সম্পাদক";
        Treasurer => "treasurer", "Treasurer", "কোষাধ্যক্ষ";
        Member => "member", "Member", "সদস্য";
    }
);

/// The documents without which an application cannot be approved.
pub const REQUIRED_DOCUMENTS: &[RegistrationDocument] =
    &[RegistrationDocument::Constitution, RegistrationDocument::CommitteeList, RegistrationDocument::FormationMinutes];

/// What is done to an organisation's registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationStep {
    Inspect,
    Approve,
    Refuse,
    Suspend,
    Reinstate,
    Dissolve,
}

/// What the rules look at besides the status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationFacts {
    pub documents: Vec<RegistrationDocument>,
    /// The inspection's recommendation, once inspected.
    pub inspection_recommends: Option<bool>,
}

fn refusal(rule: &'static str, class: RuleClass, en: &'static str, bn: &'static str) -> RuleRefusal {
    RuleRefusal { rule, class, label: Label::new(en, bn) }
}

/// The status a step leads to, or the named rule refusing it:
/// - `voluntary.status`: the step does not apply to an organisation in this status (an
///   application is inspected and decided; a registered one suspended or dissolved; a
///   suspended one reinstated or dissolved; refused and dissolved ones are final);
/// - `voluntary.inspection_first`: an application is approved only after an inspection that
///   recommends it;
/// - `voluntary.documents`: ... and only with the required documents filed.
pub fn step(
    status: OrganisationStatus,
    step: RegistrationStep,
    facts: &RegistrationFacts,
) -> Result<OrganisationStatus, RuleRefusal> {
    use OrganisationStatus as S;
    use RegistrationStep as R;
    let next = match (status, step) {
        (S::Applied, R::Inspect) => S::Applied,
        (S::Applied, R::Approve) => S::Registered,
        (S::Applied, R::Refuse) => S::Refused,
        (S::Registered, R::Suspend) => S::Suspended,
        (S::Suspended, R::Reinstate) => S::Registered,
        (S::Registered | S::Suspended, R::Dissolve) => S::Dissolved,
        _ => {
            return Err(refusal(
                "voluntary.status",
                RuleClass::Conflict,
                "This cannot be done to an organisation in its present status",
                "প্রতিষ্ঠানের বর্তমান অবস্থায় এটি করা যায় না",
            ))
        }
    };
    if step == R::Approve {
        if facts.inspection_recommends != Some(true) {
            return Err(refusal(
                "voluntary.inspection_first",
                RuleClass::Conflict,
                "An application is approved after an inspection that recommends it",
                "পরিদর্শনে সুপারিশের পরেই আবেদন অনুমোদন করা যায়",
            ));
        }
        if !REQUIRED_DOCUMENTS.iter().all(|d| facts.documents.contains(d)) {
            return Err(refusal(
                "voluntary.documents",
                RuleClass::Conflict,
                "The constitution, the committee list and the founding minutes must be filed",
                "গঠনতন্ত্র, কমিটির তালিকা ও প্রতিষ্ঠা সভার কার্যবিবরণী জমা দিতে হবে",
            ));
        }
    }
    Ok(next)
}

/// `voluntary.active`: annual reports, committee changes and grants are for organisations
/// that are registered (a suspended one may still report and change its committee, but gets
/// no grant).
pub fn may_file(status: OrganisationStatus, for_grant: bool) -> Result<(), RuleRefusal> {
    let ok = match status {
        OrganisationStatus::Registered => true,
        OrganisationStatus::Suspended => !for_grant,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(refusal(
            "voluntary.active",
            RuleClass::Conflict,
            "Only a registered organisation (not suspended, for a grant) may do this",
            "শুধু নিবন্ধিত প্রতিষ্ঠান (অনুদানের জন্য স্থগিত নয়) এটি করতে পারে",
        ))
    }
}

/// `voluntary.committee`: a committee has at least three members, and exactly one president,
/// one general secretary and one treasurer.
pub fn check_committee(positions: &[CommitteePosition]) -> Result<(), RuleRefusal> {
    let one = |p: CommitteePosition| positions.iter().filter(|x| **x == p).count() == 1;
    if positions.len() >= 3
        && one(CommitteePosition::President)
        && one(CommitteePosition::GeneralSecretary)
        && one(CommitteePosition::Treasurer)
    {
        Ok(())
    } else {
        Err(refusal(
            "voluntary.committee",
            RuleClass::Invalid,
            "A committee has at least three members: one president, one general secretary and one treasurer",
            "কমিটিতে অন্তত তিনজন সদস্য থাকবেন: একজন সভাপতি, একজন সাধারণ সম্পাদক ও একজন কোষাধ্যক্ষ",
        ))
    }
}

/// `voluntary.report_year`: an annual report is for a year that has ended, and is filed
/// after it ends.
pub fn check_annual_report(year: i32, submitted_on: NaiveDate, today: NaiveDate) -> Result<(), RuleRefusal> {
    use chrono::Datelike;
    if year >= 1961 && year < submitted_on.year() && submitted_on <= today {
        Ok(())
    } else {
        Err(refusal(
            "voluntary.report_year",
            RuleClass::Invalid,
            "An annual report is for a year that has ended, filed after it ends and not in the future",
            "বার্ষিক প্রতিবেদন শেষ হওয়া বছরের, বছর শেষে জমা, ভবিষ্যতের তারিখে নয়",
        ))
    }
}

/// Days an organisation is registered: from `from` (its registration or a reinstatement) to the
/// day before `until` (a suspension or its dissolution; `None`: registered still).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// The days an organisation is registered, from its timeline: its status after each change,
/// with the day the change took effect, in the order the changes were made (a day earlier than
/// the one before it counts from that one). A registration or a reinstatement opens a span on
/// its day; a suspension or a dissolution closes it on its day. The spans, in order.
pub fn standing(timeline: &[(NaiveDate, OrganisationStatus)]) -> Vec<Standing> {
    let mut spans: Vec<Standing> = Vec::new();
    let mut last: Option<NaiveDate> = None;
    for &(on, status) in timeline {
        let on = last.map_or(on, |l| on.max(l));
        last = Some(on);
        let open = spans.last().is_some_and(|s| s.until.is_none());
        match (status == OrganisationStatus::Registered, open) {
            (true, false) => spans.push(Standing { from: on, until: None }),
            (false, true) => {
                if let Some(s) = spans.last_mut() {
                    s.until = Some(on);
                }
            }
            _ => {}
        }
    }
    spans.retain(|s| s.until.is_none_or(|u| s.from < u));
    spans
}

/// Whether the organisation is registered on `day` under its [`standing`].
pub fn registered_on(spans: &[Standing], day: NaiveDate) -> bool {
    spans.iter().any(|s| s.from <= day && s.until.is_none_or(|u| day < u))
}

/// `voluntary.registered_that_day`, a dated rule: what is dated (a grant, an orphan's listing)
/// falls on a day the organisation was registered: not before its registration, not while
/// suspended, not after its dissolution.
pub fn check_registered_on(timeline: &[(NaiveDate, OrganisationStatus)], day: NaiveDate) -> Result<(), RuleRefusal> {
    if registered_on(&standing(timeline), day) {
        Ok(())
    } else {
        Err(refusal(
            "voluntary.registered_that_day",
            RuleClass::Conflict,
            "The organisation was not registered on that day (not yet, suspended or dissolved)",
            "ওই দিন প্রতিষ্ঠানটি নিবন্ধিত ছিল না (তখনও নয়, স্থগিত বা বিলুপ্ত)",
        ))
    }
}

/// A registration number: the district's number and the organisation's place in that
/// district's register (`26-0042`).
pub fn registration_number(district_id: i32, n: i32) -> String {
    format!("{district_id:02}-{n:04}")
}

/// `voluntary.grant_amount`: a Social Welfare Council grant is Tk 1 to Tk 10,00,00,000.
pub const GRANT_AMOUNT: crate::rule::AmountBound = crate::rule::AmountBound::new(
    "voluntary.grant_amount",
    (1, 100_000_000),
    "A grant is from Tk 1 to Tk 10,00,00,000",
    "অনুদান ১ টাকা থেকে ১০,০০,০০,০০০ টাকা",
);

/// `voluntary.report_amounts`: an annual report's income and expenditure are each Tk 0 to
/// Tk 1,00,000 crore.
pub const REPORT_AMOUNT: crate::rule::AmountBound = crate::rule::AmountBound::new(
    "voluntary.report_amounts",
    (0, 1_000_000_000_000),
    "Income and expenditure are each from Tk 0 to Tk 1,00,000 crore",
    "আয় ও ব্যয় প্রতিটি ০ থেকে ১,০০,০০০ কোটি টাকা",
);

/// One annual report a year.
pub const ANNUAL_REPORT_FILED: RuleRefusal = RuleRefusal::conflict(
    "voluntary.annual_report_filed",
    "The report for that year is filed",
    "ওই বছরের প্রতিবেদন দাখিল করা হয়েছে",
);

/// One Social Welfare Council grant a fiscal year.
pub const ONE_GRANT_A_YEAR: RuleRefusal = RuleRefusal::conflict(
    "voluntary.one_grant_a_year",
    "The organisation already had its grant this fiscal year",
    "সংস্থাটি এই অর্থবছরের অনুদান ইতিমধ্যে পেয়েছে",
);

/// A registration belongs to one partner organisation.
pub const REGISTRATION_LINKED: RuleRefusal = RuleRefusal::conflict(
    "voluntary.registration_linked",
    "The registration is another partner's",
    "নিবন্ধনটি অন্য একটি অংশীদার সংস্থার",
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use OrganisationStatus as S;
    use RegistrationStep as R;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn filed(recommends: Option<bool>) -> RegistrationFacts {
        RegistrationFacts { documents: REQUIRED_DOCUMENTS.to_vec(), inspection_recommends: recommends }
    }

    #[test]
    fn an_application_is_inspected_then_decided() {
        assert_eq!(step(S::Applied, R::Inspect, &filed(None)), Ok(S::Applied));
        assert_eq!(step(S::Applied, R::Approve, &filed(None)).unwrap_err().rule, "voluntary.inspection_first");
        assert_eq!(step(S::Applied, R::Approve, &filed(Some(false))).unwrap_err().rule, "voluntary.inspection_first");
        assert_eq!(step(S::Applied, R::Approve, &filed(Some(true))), Ok(S::Registered));
        let missing =
            RegistrationFacts { documents: vec![RegistrationDocument::Constitution], inspection_recommends: Some(true) };
        assert_eq!(step(S::Applied, R::Approve, &missing).unwrap_err().rule, "voluntary.documents");
        assert_eq!(step(S::Applied, R::Refuse, &filed(None)), Ok(S::Refused));
        assert_eq!(step(S::Registered, R::Suspend, &filed(None)), Ok(S::Suspended));
        assert_eq!(step(S::Suspended, R::Reinstate, &filed(None)), Ok(S::Registered));
        assert_eq!(step(S::Suspended, R::Dissolve, &filed(None)), Ok(S::Dissolved));
        assert_eq!(step(S::Registered, R::Approve, &filed(Some(true))).unwrap_err().rule, "voluntary.status");
    }

    proptest! {
        /// Refused and dissolved are final; nothing but an approval makes a registration, and
        /// an approval always had its inspection and documents.
        #[test]
        fn the_register_keeps_its_rules(s in 0..S::ALL.len(), r in 0..6usize, recommends in proptest::option::of(any::<bool>()), docs in 0..4usize) {
            let steps = [R::Inspect, R::Approve, R::Refuse, R::Suspend, R::Reinstate, R::Dissolve];
            let status = S::ALL[s];
            let facts = RegistrationFacts { documents: REQUIRED_DOCUMENTS[..docs.min(3)].to_vec(), inspection_recommends: recommends };
            if let Ok(next) = step(status, steps[r], &facts) {
                prop_assert!(!matches!(status, S::Refused | S::Dissolved));
                if next == S::Registered && status == S::Applied {
                    prop_assert_eq!(recommends, Some(true));
                    prop_assert_eq!(docs.min(3), 3);
                }
            }
        }
    }

    #[test]
    fn committees_reports_grants_and_numbers() {
        use CommitteePosition as P;
        assert!(check_committee(&[P::President, P::GeneralSecretary, P::Treasurer, P::Member]).is_ok());
        assert_eq!(check_committee(&[P::President, P::GeneralSecretary]).unwrap_err().rule, "voluntary.committee");
        assert!(check_committee(&[P::President, P::President, P::GeneralSecretary, P::Treasurer]).is_err());
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert!(check_annual_report(2025, d(2026, 3, 1), d(2026, 6, 1)).is_ok());
        assert!(check_annual_report(2026, d(2026, 3, 1), d(2026, 6, 1)).is_err());
        assert!(check_annual_report(2025, d(2026, 7, 1), d(2026, 6, 1)).is_err());
        assert!(may_file(S::Suspended, false).is_ok());
        assert_eq!(may_file(S::Suspended, true).unwrap_err().rule, "voluntary.active");
        assert!(may_file(S::Applied, false).is_err());
        assert_eq!(registration_number(26, 42), "26-0042");
    }

    #[test]
    fn dated_things_fall_on_a_day_it_was_registered() {
        let timeline = [
            (d("2026-01-10"), S::Applied),
            (d("2026-02-20"), S::Registered),
            (d("2026-04-10"), S::Suspended),
            (d("2026-05-20"), S::Registered),
        ];
        let on = |day: &str| check_registered_on(&timeline, d(day)).map_err(|r| r.rule);
        assert_eq!(on("2026-02-19"), Err("voluntary.registered_that_day"), "the day before its registration");
        assert_eq!(on("2026-02-20"), Ok(()));
        assert_eq!(on("2026-04-09"), Ok(()), "the day before the suspension");
        assert_eq!(on("2026-04-10"), Err("voluntary.registered_that_day"), "the day of it");
        assert_eq!(on("2026-04-11"), Err("voluntary.registered_that_day"), "the day after");
        assert_eq!(on("2026-05-19"), Err("voluntary.registered_that_day"), "the day before the reinstatement");
        assert_eq!(on("2026-05-20"), Ok(()), "the day of it");
        assert_eq!(on("2026-05-21"), Ok(()), "the day after");
    }
}
