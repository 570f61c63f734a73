//! One beneficiary's payments as the office answers "I was not paid": where each payment
//! stands, the account masked, and what falls due next by the programme's calendar.

use chrono::{Datelike, Months, NaiveDate};

use super::enrolment::BeneficiaryStatus;
use super::programme::{EducationLevel, PaymentFrequency, ProgrammeVersion};

crate::code_list::code_list!(
    /// Where a payment stands: a failed one is carried into the next cycle of its programme.
    PaymentStatus {
        Pending => "pending", "Sent, awaiting the provider's result", "প্রেরিত, সেবাদাতার ফলাফলের অপেক্ষায়";
        Paid => "paid", "Paid", "পরিশোধিত";
        Failed => "failed", "Failed, to be carried into the next cycle", "ব্যর্থ, পরবর্তী চক্রে যুক্ত হবে";
        Carried => "carried", "Failed, carried into a later cycle", "ব্যর্থ, পরবর্তী চক্রে যুক্ত হয়েছে";
    }
);

/// An account number as a history shows it: only its last three digits, so a clerk can
/// confirm it with the beneficiary without the list exposing whole numbers.
pub fn mask_account(number: &str) -> String {
    let n = number.chars().count();
    number.chars().enumerate().map(|(i, c)| if i + 3 < n { '•' } else { c }).collect()
}

/// What the next period needs to know about a beneficiary and what was already paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueFacts {
    pub status: BeneficiaryStatus,
    /// First month paid (the first of a month).
    pub start_month: NaiveDate,
    /// Last month paid, when the enrolment has an end.
    pub end_month: Option<NaiveDate>,
    pub frequency: PaymentFrequency,
    /// Months paid in all, at most (CCT: 18).
    pub duration_months: Option<u32>,
    /// Months already in a payment (each period once, whatever became of the payment).
    pub months_in_payments: u32,
    /// The last day of the latest period already in a payment.
    pub covered_until: Option<NaiveDate>,
    /// The day payment ends by age (the programme's age limit), if any.
    pub pay_ends_on: Option<NaiveDate>,
    /// The first day of a period of the programme's calendar (its latest cycle's): the
    /// programme's cycles follow one calendar, so every period is a whole number of periods
    /// from it. Without one, quarters are calendar quarters.
    pub calendar_anchor: Option<NaiveDate>,
}

/// The next period of the programme's calendar that no payment covers yet, and the months of
/// it this beneficiary is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The months paid: the first, and how many.
    pub first_month: NaiveDate,
    pub months: u32,
}

fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32
}

fn plus_months(d: NaiveDate, n: u32) -> Option<NaiveDate> {
    d.checked_add_months(Months::new(n))
}

/// The first month of the block of `length` months, counted from `anchor`, that holds `month`.
fn block_start(month: NaiveDate, anchor: NaiveDate, length: u32) -> Option<NaiveDate> {
    let k = i32::try_from(length.max(1)).ok()?;
    let offset = months_between(anchor, month).div_euclid(k) * k;
    let anchor = crate::time::first_of_month(anchor);
    if offset >= 0 {
        anchor.checked_add_months(Months::new(offset.unsigned_abs()))
    } else {
        anchor.checked_sub_months(Months::new(offset.unsigned_abs()))
    }
}

/// The period of the programme's calendar that holds `month`: the month itself, its quarter
/// of the programme's calendar, or its block of instalments counted from the beneficiary's
/// start.
fn period_holding(month: NaiveDate, f: &DueFacts) -> Option<(NaiveDate, NaiveDate)> {
    let (first, length) = match f.frequency {
        PaymentFrequency::Monthly => (month, 1),
        PaymentFrequency::Quarterly => {
            let anchor = f.calendar_anchor.or_else(|| NaiveDate::from_ymd_opt(2000, 1, 1))?;
            (block_start(month, anchor, 3)?, 3)
        }
        PaymentFrequency::Instalments { months } => (block_start(month, f.start_month, months)?, months.max(1)),
    };
    Some((first, plus_months(first, length)?.pred_opt()?))
}

/// What falls due next: `None` while the beneficiary is not active, or when the enrolment,
/// its duration or its age limit has run out.
pub fn next_due(f: &DueFacts) -> Option<Due> {
    if f.status != BeneficiaryStatus::Active {
        return None;
    }
    let after_covered = f.covered_until.and_then(|d| d.succ_opt()).map(crate::time::first_of_month);
    let first = after_covered.map_or(f.start_month, |a| a.max(f.start_month));
    let (period_start, period_end) = period_holding(first, f)?;
    // The last month paid: the period's, the enrolment's, the one before the age limit.
    let mut last = crate::time::first_of_month(period_end);
    if let Some(end) = f.end_month {
        last = last.min(end);
    }
    if let Some(ends) = f.pay_ends_on {
        // A month is paid only if it begins before the birthday.
        let before = ends.pred_opt().map(crate::time::first_of_month)?;
        last = last.min(before);
    }
    let mut months = u32::try_from(months_between(first, last) + 1).unwrap_or(0);
    if let Some(total) = f.duration_months {
        months = months.min(total.saturating_sub(f.months_in_payments));
    }
    (months > 0).then_some(Due { period_start, period_end, first_month: first, months })
}

/// The amount of a due period at the rates in force month by month (a period across 1 July
/// takes both years' rates, as payroll does); `None` when a month has no rate.
pub fn amount_due(programme: &ProgrammeVersion, due: &Due, level: Option<EducationLevel>) -> Option<i64> {
    (0..due.months).try_fold(0i64, |sum, i| {
        let month = plus_months(due.first_month, i)?;
        let rate = programme.monthly_rate(month, level).or_else(|| programme.monthly_rate(month, None))?;
        sum.checked_add(rate)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn facts(frequency: PaymentFrequency) -> DueFacts {
        DueFacts {
            status: BeneficiaryStatus::Active,
            start_month: d(2026, 2, 1),
            end_month: None,
            frequency,
            duration_months: None,
            months_in_payments: 0,
            covered_until: None,
            pay_ends_on: None,
            calendar_anchor: None,
        }
    }

    #[test]
    fn masking_keeps_the_last_three_characters_of_any_text() {
        assert_eq!(mask_account("01712345678"), "••••••••678");
        assert_eq!(mask_account("০১৭"), "০১৭");
        assert_eq!(mask_account("12"), "12");
        assert_eq!(mask_account(""), "");
    }

    #[test]
    fn a_new_beneficiary_is_due_from_the_start_month_within_its_quarter() {
        let due = next_due(&facts(PaymentFrequency::Quarterly)).unwrap();
        assert_eq!((due.period_start, due.period_end), (d(2026, 1, 1), d(2026, 3, 31)));
        assert_eq!((due.first_month, due.months), (d(2026, 2, 1), 2));
    }

    #[test]
    fn after_a_covered_quarter_the_next_quarter_is_due_whatever_became_of_the_payment() {
        let f = DueFacts { covered_until: Some(d(2026, 3, 31)), months_in_payments: 2, ..facts(PaymentFrequency::Quarterly) };
        let due = next_due(&f).unwrap();
        assert_eq!((due.period_start, due.period_end, due.months), (d(2026, 4, 1), d(2026, 6, 30), 3));
        let monthly = next_due(&DueFacts { frequency: PaymentFrequency::Monthly, ..f }).unwrap();
        assert_eq!((monthly.period_start, monthly.period_end, monthly.months), (d(2026, 4, 1), d(2026, 4, 30), 1));
    }

    #[test]
    fn instalments_count_from_the_start_and_stop_at_the_duration() {
        let f = DueFacts { duration_months: Some(18), ..facts(PaymentFrequency::Instalments { months: 6 }) };
        let due = next_due(&DueFacts { covered_until: Some(d(2026, 7, 31)), months_in_payments: 6, ..f }).unwrap();
        assert_eq!((due.period_start, due.period_end, due.months), (d(2026, 8, 1), d(2027, 1, 31), 6));
        assert_eq!(next_due(&DueFacts { covered_until: Some(d(2027, 7, 31)), months_in_payments: 18, ..f }), None);
        let short = next_due(&DueFacts { covered_until: Some(d(2027, 1, 31)), months_in_payments: 14, ..f }).unwrap();
        assert_eq!(short.months, 4);
    }

    #[test]
    fn quarters_follow_the_programme_calendar_of_its_cycles() {
        // Cycles May-July, August-October: after October comes November-January.
        let f = DueFacts {
            start_month: d(2025, 1, 1),
            calendar_anchor: Some(d(2025, 8, 1)),
            covered_until: Some(d(2025, 10, 31)),
            ..facts(PaymentFrequency::Quarterly)
        };
        let due = next_due(&f).unwrap();
        assert_eq!((due.period_start, due.period_end, due.months), (d(2025, 11, 1), d(2026, 1, 31), 3));
        // Counted backwards from the anchor: January 2025 is the last month of November-January.
        let unpaid = next_due(&DueFacts { covered_until: None, ..f }).unwrap();
        assert_eq!((unpaid.period_start, unpaid.period_end), (d(2024, 11, 1), d(2025, 1, 31)));
        assert_eq!((unpaid.first_month, unpaid.months), (d(2025, 1, 1), 1));
    }

    #[test]
    fn nothing_is_due_to_a_suspended_or_ended_beneficiary() {
        let f = facts(PaymentFrequency::Monthly);
        assert_eq!(next_due(&DueFacts { status: BeneficiaryStatus::Suspended, ..f }), None);
        assert_eq!(next_due(&DueFacts { status: BeneficiaryStatus::Exited, ..f }), None);
        let ended = DueFacts { end_month: Some(d(2026, 5, 1)), covered_until: Some(d(2026, 5, 31)), ..f };
        assert_eq!(next_due(&ended), None);
    }

    #[test]
    fn the_age_limit_ends_the_months_before_the_birthday() {
        // 18 on 15 March: March begins before the birthday and is paid; April is not.
        let f = DueFacts { pay_ends_on: Some(d(2026, 3, 15)), ..facts(PaymentFrequency::Quarterly) };
        assert_eq!(next_due(&f).unwrap().months, 2);
        let on_first = DueFacts { pay_ends_on: Some(d(2026, 3, 1)), ..f };
        assert_eq!(next_due(&on_first).unwrap().months, 1);
        assert_eq!(next_due(&DueFacts { covered_until: Some(d(2026, 3, 31)), ..f }), None);
    }
}
