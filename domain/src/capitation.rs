//! Capitation grants to registered private orphanages: the district office allots an
//! orphanage a number of funded orphans a fiscal year; orphans enrolled in the capitation
//! programme (an allowance application like any other: an orphan under 18) are listed at their
//! orphanage, whose bank account then receives their Tk 2,000 a month through the ordinary
//! payment cycles; an orphan absent at the orphanage's inspection is not paid for until found
//! present at a later one, and no month is paid for while the orphanage is not registered
//! (before its registration, suspended, dissolved): [`month_payable`].

use chrono::NaiveDate;

use crate::rule::{RuleClass, RuleRefusal};
pub use crate::voluntary::{registered_on, standing, Standing};
use crate::Label;

fn refusal(rule: &'static str, class: RuleClass, en: &'static str, bn: &'static str) -> RuleRefusal {
    RuleRefusal { rule, class, label: Label::new(en, bn) }
}

/// What listing an orphan at an orphanage looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing {
    /// The beneficiary is in the capitation programme and active.
    pub in_programme: bool,
    /// The orphanage's allotment this fiscal year (`None`: none made).
    pub allotted: Option<i32>,
    /// Orphans listed there now.
    pub listed: i64,
    /// The orphan is listed at an orphanage already.
    pub listed_elsewhere: bool,
}

/// The named rules of listing:
/// - `capitation.programme`: the orphan is an active beneficiary of the capitation programme;
/// - `capitation.allotment`: the orphanage has an allotment for the fiscal year, and a free
///   place in it;
/// - `capitation.one_orphanage`: an orphan is listed at one orphanage.
pub fn check_listing(l: &Listing) -> Result<(), RuleRefusal> {
    if !l.in_programme {
        return Err(refusal(
            "capitation.programme",
            RuleClass::Invalid,
            "List an active beneficiary of the capitation programme",
            "ক্যাপিটেশন কর্মসূচির সক্রিয় উপকারভোগীকে তালিকাভুক্ত করুন",
        ));
    }
    if l.listed_elsewhere {
        return Err(refusal(
            "capitation.one_orphanage",
            RuleClass::Conflict,
            "The orphan is listed at an orphanage already",
            "এতিম শিশুটি ইতিমধ্যে একটি এতিমখানায় তালিকাভুক্ত",
        ));
    }
    match l.allotted {
        Some(n) if l.listed < i64::from(n) => Ok(()),
        _ => Err(refusal(
            "capitation.allotment",
            RuleClass::Conflict,
            "The orphanage has no free place in this fiscal year's allotment",
            "এতিমখানার এই অর্থবছরের বরাদ্দে খালি আসন নেই",
        )),
    }
}

/// The orphans an inspection found absent: every listed one not seen present. Refuses
/// (`capitation.present_listed`) a "present" orphan who is not listed there.
pub fn absent_at_inspection<T: PartialEq + Clone>(listed: &[T], present: &[T]) -> Result<Vec<T>, RuleRefusal> {
    if present.iter().any(|p| !listed.contains(p)) {
        return Err(refusal(
            "capitation.present_listed",
            RuleClass::Invalid,
            "Everyone found present must be an orphan listed at this orphanage",
            "উপস্থিত প্রত্যেককে এই এতিমখানায় তালিকাভুক্ত এতিম হতে হবে",
        ));
    }
    Ok(listed.iter().filter(|l| !present.contains(l)).cloned().collect())
}

/// The rule `capitation.orphanage_registered`, a dated rule: the grant pays for a month only
/// when the orphanage is registered on the month's first day (as the age limit pays a month
/// that begins before the 18th birthday). A suspension takes effect on its day: a month that
/// begins on or after it, until the day of a reinstatement, is not paid for; a month that
/// began before it is. `spans` are the orphanage's [`standing`]; the payroll's SQL reads them
/// and asks the same of each month.
pub fn month_payable(spans: &[Standing], month_start: NaiveDate) -> bool {
    registered_on(spans, month_start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_month_is_paid_for_when_the_orphanage_is_registered_on_its_first_day() {
        use crate::voluntary::OrganisationStatus as S;
        let registered = [(d("2025-01-10"), S::Applied), (d("2025-02-20"), S::Registered)];
        // Suspended the day before a month begins, the day it begins, and the day after.
        for (suspended_on, last_paid, first_unpaid) in [
            ("2026-02-28", "2026-02-01", "2026-03-01"),
            ("2026-03-01", "2026-02-01", "2026-03-01"),
            ("2026-03-02", "2026-03-01", "2026-04-01"),
        ] {
            let timeline = [registered[0], registered[1], (d(suspended_on), S::Suspended)];
            let spans = standing(&timeline);
            assert_eq!(spans, vec![Standing { from: d("2025-02-20"), until: Some(d(suspended_on)) }]);
            assert!(month_payable(&spans, d(last_paid)), "{suspended_on}");
            assert!(!month_payable(&spans, d(first_unpaid)), "{suspended_on}");
            assert!(!month_payable(&spans, d("2026-12-01")), "{suspended_on}: until a reinstatement");
        }
        // Not before the registration: February 2025 began before it, March after.
        let spans = standing(&registered);
        assert!(!month_payable(&spans, d("2025-02-01")));
        assert!(month_payable(&spans, d("2025-03-01")));
        // Reinstated the day before a month, the day of, the day after.
        for (reinstated_on, first_paid_again) in
            [("2026-05-31", "2026-06-01"), ("2026-06-01", "2026-06-01"), ("2026-06-02", "2026-07-01")]
        {
            let timeline = [registered[0], registered[1], (d("2026-03-01"), S::Suspended), (d(reinstated_on), S::Registered)];
            let spans = standing(&timeline);
            assert!(!month_payable(&spans, d("2026-05-01")));
            assert_eq!(month_payable(&spans, d("2026-06-01")), first_paid_again == "2026-06-01", "{reinstated_on}");
            assert!(month_payable(&spans, d("2026-07-01")), "{reinstated_on}");
        }
        // Dissolved: never again; suspended and reinstated on one day: nothing lost.
        let dissolved = standing(&[registered[1], (d("2026-03-01"), S::Suspended), (d("2026-04-01"), S::Dissolved)]);
        assert!(!month_payable(&dissolved, d("2026-04-01")));
        let same_day = standing(&[registered[1], (d("2026-03-15"), S::Suspended), (d("2026-03-15"), S::Registered)]);
        assert!(month_payable(&same_day, d("2026-04-01")));
        assert_eq!(same_day.len(), 2);
        assert!(standing(&[]).is_empty());
    }

    #[test]
    fn listing_keeps_to_the_programme_the_allotment_and_one_orphanage() {
        let ok = Listing { in_programme: true, allotted: Some(50), listed: 49, listed_elsewhere: false };
        assert!(check_listing(&ok).is_ok());
        assert_eq!(check_listing(&Listing { listed: 50, ..ok }).unwrap_err().rule, "capitation.allotment");
        assert_eq!(check_listing(&Listing { allotted: None, ..ok }).unwrap_err().rule, "capitation.allotment");
        assert_eq!(check_listing(&Listing { in_programme: false, ..ok }).unwrap_err().rule, "capitation.programme");
        assert_eq!(check_listing(&Listing { listed_elsewhere: true, ..ok }).unwrap_err().rule, "capitation.one_orphanage");
        assert_eq!(absent_at_inspection(&[1, 2, 3], &[1, 3]).unwrap(), vec![2]);
        assert_eq!(absent_at_inspection(&[1, 2], &[4]).unwrap_err().rule, "capitation.present_listed");
    }

    proptest! {
        /// Listing one at a time never passes the allotment.
        #[test]
        fn listings_never_pass_the_allotment(allotted in 0i32..40, tries in 0usize..80) {
            let mut listed = 0i64;
            for _ in 0..tries {
                let l = Listing { in_programme: true, allotted: Some(allotted), listed, listed_elsewhere: false };
                if check_listing(&l).is_ok() {
                    listed += 1;
                }
            }
            prop_assert!(listed <= i64::from(allotted));
            prop_assert_eq!(listed, i64::from(allotted).min(tries as i64));
        }
    }
}
