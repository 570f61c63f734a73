//! Supervision by a probation officer: probation ordered by a court (Probation of Offenders
//! Ordinance 1960, for adults and children), diversion of a child in conflict with the law
//! (Children Act 2013), and after-care of someone leaving an institution. Each has a term,
//! conditions, supervision visits, reports to the court, and ends completed at the term's end
//! or revoked by the court after a breach is reported.

use chrono::NaiveDate;

use crate::code_list::code_list;
use crate::rule::{RuleClass, RuleRefusal};
use crate::Label;

code_list!(
    /// Why the person is under supervision.
    SupervisionKind {
        Probation => "probation", "Probation ordered by a court", "আদালতের আদেশে প্রবেশন";
        Diversion => "diversion", "Diversion of a child in conflict with the law", "আইনের সংঘাতে জড়িত শিশুর বিকল্পপন্থা (ডাইভারশন)";
        AfterCare => "after_care", "After-care on leaving an institution", "প্রতিষ্ঠান ত্যাগের পর অনুসরণ সেবা (আফটার-কেয়ার)";
    }
);

code_list!(
    /// Where a supervision stands.
    SupervisionStatus {
        Active => "active", "Under supervision", "তত্ত্বাবধানে";
        BreachReported => "breach_reported", "Breach reported to the court", "শর্ত ভঙ্গ আদালতে প্রতিবেদিত";
        Completed => "completed", "Completed", "সম্পন্ন";
        Revoked => "revoked", "Revoked by the court", "আদালত কর্তৃক বাতিল";
    }
);

code_list!(
    /// What a report to the court is.
    CourtReportKind {
        Periodic => "periodic", "Periodic report", "নিয়মিত প্রতিবেদন";
        Breach => "breach", "Report of a breach of conditions", "শর্ত ভঙ্গের প্রতিবেদন";
        Completion => "completion", "Report on completion", "সমাপ্তির প্রতিবেদন";
    }
);

/// The longest term, in months (three years, as the 1960 ordinance allows).
pub const MAX_TERM_MONTHS: u32 = 36;

fn refusal(rule: &'static str, class: RuleClass, en: &'static str, bn: &'static str) -> RuleRefusal {
    RuleRefusal { rule, class, label: Label::new(en, bn) }
}

/// What opening a supervision looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    pub kind: SupervisionKind,
    pub order_date: Option<NaiveDate>,
    pub starts_on: NaiveDate,
    pub term_months: u32,
    pub conditions: usize,
    pub child: bool,
    pub today: NaiveDate,
}

/// The named rules of opening:
/// - `supervision.court_order`: probation and diversion rest on a court order dated on or
///   before the start (after-care needs none);
/// - `supervision.diversion_child`: diversion is for children;
/// - `supervision.term`: a term of 1 to 36 months;
/// - `supervision.conditions`: probation and diversion name at least one condition;
/// - `supervision.start`: the start is not in the future.
pub fn check_opening(o: &Opening) -> Result<(), RuleRefusal> {
    let needs_order = o.kind != SupervisionKind::AfterCare;
    if needs_order && o.order_date.is_none_or(|d| d > o.starts_on) {
        return Err(refusal(
            "supervision.court_order",
            RuleClass::Invalid,
            "Probation and diversion rest on a court order dated on or before the start",
            "প্রবেশন ও ডাইভারশনের জন্য শুরুর দিন বা আগের আদালতের আদেশ প্রয়োজন",
        ));
    }
    if o.kind == SupervisionKind::Diversion && !o.child {
        return Err(refusal(
            "supervision.diversion_child",
            RuleClass::Invalid,
            "Diversion is for children",
            "ডাইভারশন শুধু শিশুদের জন্য",
        ));
    }
    if !(1..=MAX_TERM_MONTHS).contains(&o.term_months) {
        return Err(refusal("supervision.term", RuleClass::Invalid, "A term is 1 to 36 months", "মেয়াদ ১ থেকে ৩৬ মাস"));
    }
    if needs_order && o.conditions == 0 {
        return Err(refusal(
            "supervision.conditions",
            RuleClass::Invalid,
            "Name at least one condition of the order",
            "আদেশের অন্তত একটি শর্ত উল্লেখ করুন",
        ));
    }
    if o.starts_on > o.today {
        return Err(refusal("supervision.start", RuleClass::Invalid, "The start is in the future", "শুরুর তারিখ ভবিষ্যতের"));
    }
    Ok(())
}

/// `supervision.before_birth`: a supervision does not start before the person's birth.
pub const STARTS_BEFORE_BIRTH: RuleRefusal = RuleRefusal::invalid(
    "supervision.before_birth",
    "The supervision starts before the person's birth",
    "তত্ত্বাবধানের শুরুর তারিখ ব্যক্তির জন্মের আগের",
);

/// The day the term ends.
pub fn ends_on(starts_on: NaiveDate, term_months: u32) -> NaiveDate {
    starts_on.checked_add_months(chrono::Months::new(term_months)).unwrap_or(starts_on)
}

/// A step in a supervision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Visit,
    Report(CourtReportKind),
    /// The court's decision on a breach: continue the supervision, or revoke it.
    CourtDecision {
        revoke: bool,
    },
    Complete,
}

/// The status after a step, or the named rule refusing it:
/// - `supervision.ended`: nothing but a note follows a completed or revoked supervision;
/// - `supervision.no_breach`: the court decides on a breach only after one is reported;
/// - `supervision.breach_pending`: a breach awaits the court: no completion meanwhile;
/// - `supervision.term_not_served`: completion from the term's end on;
/// - `supervision.date`: the step's date is within the supervision and not in the future.
pub fn step(
    status: SupervisionStatus,
    step: Step,
    (starts_on, ends_on, on, today): (NaiveDate, NaiveDate, NaiveDate, NaiveDate),
) -> Result<SupervisionStatus, RuleRefusal> {
    use SupervisionStatus as S;
    if matches!(status, S::Completed | S::Revoked) {
        return Err(refusal("supervision.ended", RuleClass::Conflict, "The supervision has ended", "তত্ত্বাবধান শেষ হয়েছে"));
    }
    if on < starts_on || on > today {
        return Err(refusal(
            "supervision.date",
            RuleClass::Invalid,
            "The date is within the supervision and not in the future",
            "তারিখটি তত্ত্বাবধানকালের মধ্যে এবং ভবিষ্যতের নয়",
        ));
    }
    match step {
        Step::Visit | Step::Report(CourtReportKind::Periodic) | Step::Report(CourtReportKind::Completion) => Ok(status),
        Step::Report(CourtReportKind::Breach) => Ok(S::BreachReported),
        Step::CourtDecision { revoke } => {
            if status != S::BreachReported {
                return Err(refusal(
                    "supervision.no_breach",
                    RuleClass::Conflict,
                    "The court decides on a breach after one is reported",
                    "শর্ত ভঙ্গ প্রতিবেদনের পরেই আদালত সিদ্ধান্ত দেন",
                ));
            }
            Ok(if revoke { S::Revoked } else { S::Active })
        }
        Step::Complete => {
            if status == S::BreachReported {
                return Err(refusal(
                    "supervision.breach_pending",
                    RuleClass::Conflict,
                    "A reported breach awaits the court's decision",
                    "প্রতিবেদিত শর্ত ভঙ্গ আদালতের সিদ্ধান্তের অপেক্ষায়",
                ));
            }
            if on < ends_on {
                return Err(refusal(
                    "supervision.term_not_served",
                    RuleClass::Conflict,
                    "The term has not been served",
                    "মেয়াদ পূর্ণ হয়নি",
                ));
            }
            Ok(S::Completed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn opening_needs_an_order_a_term_and_conditions() {
        let ok = Opening {
            kind: SupervisionKind::Probation,
            order_date: Some(d(2026, 1, 5)),
            starts_on: d(2026, 1, 10),
            term_months: 12,
            conditions: 2,
            child: false,
            today: d(2026, 6, 1),
        };
        assert!(check_opening(&ok).is_ok());
        let r = |o: Opening| check_opening(&o).unwrap_err().rule;
        assert_eq!(r(Opening { order_date: None, ..ok }), "supervision.court_order");
        assert_eq!(r(Opening { order_date: Some(d(2026, 2, 1)), ..ok }), "supervision.court_order");
        assert_eq!(r(Opening { kind: SupervisionKind::Diversion, ..ok }), "supervision.diversion_child");
        assert!(check_opening(&Opening { kind: SupervisionKind::Diversion, child: true, ..ok }).is_ok());
        assert_eq!(r(Opening { term_months: 37, ..ok }), "supervision.term");
        assert_eq!(r(Opening { term_months: 0, ..ok }), "supervision.term");
        assert_eq!(r(Opening { conditions: 0, ..ok }), "supervision.conditions");
        assert!(check_opening(&Opening { kind: SupervisionKind::AfterCare, order_date: None, conditions: 0, ..ok }).is_ok());
        assert_eq!(r(Opening { starts_on: d(2026, 7, 1), order_date: Some(d(2026, 7, 1)), ..ok }), "supervision.start");
        assert_eq!(ends_on(d(2026, 1, 31), 1), d(2026, 2, 28));
    }

    #[test]
    fn steps_follow_the_order() {
        use SupervisionStatus as S;
        let days = |on| (d(2026, 1, 10), d(2027, 1, 10), on, d(2027, 6, 1));
        assert_eq!(step(S::Active, Step::Visit, days(d(2026, 2, 1))), Ok(S::Active));
        assert_eq!(step(S::Active, Step::Report(CourtReportKind::Breach), days(d(2026, 3, 1))), Ok(S::BreachReported));
        assert_eq!(
            step(S::Active, Step::CourtDecision { revoke: true }, days(d(2026, 3, 1))).unwrap_err().rule,
            "supervision.no_breach"
        );
        assert_eq!(step(S::BreachReported, Step::CourtDecision { revoke: false }, days(d(2026, 3, 5))), Ok(S::Active));
        assert_eq!(step(S::BreachReported, Step::CourtDecision { revoke: true }, days(d(2026, 3, 5))), Ok(S::Revoked));
        assert_eq!(step(S::BreachReported, Step::Complete, days(d(2027, 2, 1))).unwrap_err().rule, "supervision.breach_pending");
        assert_eq!(step(S::Active, Step::Complete, days(d(2026, 12, 1))).unwrap_err().rule, "supervision.term_not_served");
        assert_eq!(step(S::Active, Step::Complete, days(d(2027, 1, 10))), Ok(S::Completed));
        assert_eq!(step(S::Completed, Step::Visit, days(d(2027, 2, 1))).unwrap_err().rule, "supervision.ended");
        assert_eq!(step(S::Active, Step::Visit, days(d(2026, 1, 1))).unwrap_err().rule, "supervision.date");
    }

    proptest! {
        /// Whatever steps are tried, a supervision is completed only from the term's end and
        /// never while a breach awaits the court, and nothing moves it once it has ended.
        #[test]
        fn no_step_sequence_breaks_the_rules(steps in proptest::collection::vec((0u8..6, 0i64..500), 0..20)) {
            let (start, end, today) = (d(2026, 1, 1), d(2026, 12, 1), d(2027, 6, 1));
            let mut status = SupervisionStatus::Active;
            for (s, offset) in steps {
                let on = start + chrono::Duration::days(offset);
                let st = match s {
                    0 => Step::Visit,
                    1 => Step::Report(CourtReportKind::Periodic),
                    2 => Step::Report(CourtReportKind::Breach),
                    3 => Step::CourtDecision { revoke: false },
                    4 => Step::CourtDecision { revoke: true },
                    _ => Step::Complete,
                };
                let before = status;
                if let Ok(next) = step(status, st, (start, end, on, today)) {
                    prop_assert!(!matches!(before, SupervisionStatus::Completed | SupervisionStatus::Revoked));
                    if next == SupervisionStatus::Completed {
                        prop_assert!(on >= end && before == SupervisionStatus::Active);
                    }
                    status = next;
                }
            }
        }
    }
}
