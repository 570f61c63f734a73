//! Arrears ageing: how many days the oldest unpaid instalment is overdue, and the
//! portfolio-at-risk bucket that puts a loan in.

use chrono::NaiveDate;

use super::repayment::InstalmentState;
use crate::code_list::code_list;

code_list!(
    /// A portfolio-at-risk bucket, by days past due.
    ArrearsBucket {
        Current => "current", "Not overdue", "মেয়াদোত্তীর্ণ নয়";
        Days1To30 => "days_1_30", "1 to 30 days overdue", "১-৩০ দিন বকেয়া";
        Days31To60 => "days_31_60", "31 to 60 days overdue", "৩১-৬০ দিন বকেয়া";
        Days61To90 => "days_61_90", "61 to 90 days overdue", "৬১-৯০ দিন বকেয়া";
        Over90 => "over_90", "More than 90 days overdue", "৯০ দিনের বেশি বকেয়া";
    }
);

/// The due date of the oldest instalment with anything unpaid (none when all is paid).
pub fn oldest_unpaid_due(instalments: &[InstalmentState]) -> Option<NaiveDate> {
    instalments.iter().filter(|i| i.outstanding() > 0).map(|i| i.due_on).min()
}

/// Days past due on `as_of`: from the oldest unpaid instalment's due date (0 when it is not
/// yet due, or nothing is unpaid).
pub fn days_past_due(oldest_unpaid_due: Option<NaiveDate>, as_of: NaiveDate) -> i64 {
    oldest_unpaid_due.map_or(0, |due| (as_of - due).num_days().max(0))
}

impl ArrearsBucket {
    pub fn of(days_past_due: i64) -> ArrearsBucket {
        match days_past_due {
            i64::MIN..=0 => ArrearsBucket::Current,
            1..=30 => ArrearsBucket::Days1To30,
            31..=60 => ArrearsBucket::Days31To60,
            61..=90 => ArrearsBucket::Days61To90,
            _ => ArrearsBucket::Over90,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_at_each_boundary() {
        let due = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let on = |days: u64| due + chrono::Days::new(days);
        let cases = [
            (0, ArrearsBucket::Current),
            (1, ArrearsBucket::Days1To30),
            (30, ArrearsBucket::Days1To30),
            (31, ArrearsBucket::Days31To60),
            (60, ArrearsBucket::Days31To60),
            (61, ArrearsBucket::Days61To90),
            (90, ArrearsBucket::Days61To90),
            (91, ArrearsBucket::Over90),
            (400, ArrearsBucket::Over90),
        ];
        for (days, bucket) in cases {
            assert_eq!(ArrearsBucket::of(days_past_due(Some(due), on(days))), bucket, "{days} days");
        }
        assert_eq!(days_past_due(Some(due), due - chrono::Days::new(5)), 0);
        assert_eq!(days_past_due(None, due), 0);
    }

    #[test]
    fn the_oldest_unpaid_instalment_counts() {
        let d = |m| NaiveDate::from_ymd_opt(2026, m, 1).unwrap();
        let s = [
            InstalmentState { no: 1, due_on: d(3), principal: 100, charge: 10, paid_principal: 100, paid_charge: 10 },
            InstalmentState { no: 2, due_on: d(4), principal: 100, charge: 10, paid_principal: 50, paid_charge: 10 },
            InstalmentState { no: 3, due_on: d(5), principal: 100, charge: 10, paid_principal: 0, paid_charge: 0 },
        ];
        assert_eq!(oldest_unpaid_due(&s), Some(d(4)));
        assert_eq!(oldest_unpaid_due(&s[..1]), None);
    }
}
