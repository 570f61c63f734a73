//! Capitation grants to registered private orphanages: the district office allots an
//! orphanage a number of funded orphans a fiscal year; orphans enrolled in the capitation
//! programme (an allowance application like any other: an orphan under 18) are listed at their
//! orphanage, whose bank account then receives their Tk 2,000 a month through the ordinary
//! payment cycles; an orphan absent at the orphanage's inspection is not paid for until found
//! present at a later one.

use crate::rule::{RuleClass, RuleRefusal};
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
