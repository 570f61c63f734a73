//! Repayment schedules: equal instalments in integer taka, the rounding remainder on the last
//! one, due on working days (not Friday, not a listed public holiday).

use std::collections::BTreeSet;

use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// One instalment as scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    pub no: u32,
    pub due_on: NaiveDate,
    pub principal: i64,
    pub charge: i64,
}

/// Public holidays, as data (the government's list for the year).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays(pub BTreeSet<NaiveDate>);

impl Holidays {
    /// Whether offices collect on `day`: not a Friday and not a listed holiday.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        day.weekday() != Weekday::Fri && !self.0.contains(&day)
    }

    /// `day`, or the next working day after it.
    pub fn next_working_day(&self, day: NaiveDate) -> NaiveDate {
        let mut d = day;
        while !self.is_working_day(d) {
            match d.succ_opt() {
                Some(next) => d = next,
                None => return d,
            }
        }
        d
    }
}

impl Holidays {
    /// Bangladesh's public holidays on fixed dates (Shaheed Day, Independence Day, Pahela
    /// Baishakh, May Day, Victory Day, Christmas) in `years`. Holidays set by the moon (the
    /// Eids, Durga Puja, ...) are announced each year and are added to the list as data.
    pub fn fixed_dates(years: std::ops::RangeInclusive<i32>) -> Holidays {
        const DAYS: [(u32, u32); 6] = [(2, 21), (3, 26), (4, 14), (5, 1), (12, 16), (12, 25)];
        Holidays(years.flat_map(|y| DAYS.iter().filter_map(move |&(m, d)| NaiveDate::from_ymd_opt(y, m, d))).collect())
    }
}

/// The service charge on `principal`: a flat percentage, in whole taka (rounded down).
pub fn service_charge(principal: i64, percent: u32) -> i64 {
    principal * i64::from(percent) / 100
}

/// Splits `total` into `n` equal whole-taka parts, the remainder on the last.
fn split(total: i64, n: u32) -> Vec<i64> {
    let n = i64::from(n.max(1));
    let base = total / n;
    let mut parts = vec![base; n as usize];
    if let Some(last) = parts.last_mut() {
        *last += total - base * n;
    }
    parts
}

/// The schedule of a loan disbursed on `disbursed_on`: `instalments` monthly instalments, the
/// first `first_due_after_months` months after disbursement, each moved to the next working
/// day. The instalments always add up to principal plus charge.
pub fn schedule(
    principal: i64,
    charge: i64,
    instalments: u32,
    disbursed_on: NaiveDate,
    first_due_after_months: u32,
    holidays: &Holidays,
) -> Vec<Instalment> {
    let principals = split(principal, instalments);
    let charges = split(charge, instalments);
    principals
        .into_iter()
        .zip(charges)
        .enumerate()
        .map(|(i, (p, c))| {
            let months = first_due_after_months + i as u32;
            let nominal = disbursed_on.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX);
            Instalment { no: i as u32 + 1, due_on: holidays.next_working_day(nominal), principal: p, charge: c }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn remainder_goes_to_the_last_instalment() {
        let s = schedule(10_001, service_charge(10_001, 10), 10, day(2026, 1, 5), 2, &Holidays::default());
        assert_eq!(s.len(), 10);
        assert!(s[..9].iter().all(|i| i.principal == 1_000 && i.charge == 100));
        assert_eq!((s[9].principal, s[9].charge), (1_001, 100));
        assert_eq!(s[0].due_on, day(2026, 3, 5));
    }

    #[test]
    fn due_dates_skip_fridays_and_holidays() {
        // 2026-03-06 is a Friday; the Saturday after it is a listed holiday.
        let holidays = Holidays([day(2026, 3, 7)].into_iter().collect());
        let s = schedule(5_000, 500, 10, day(2026, 1, 6), 2, &holidays);
        assert_eq!(s[0].due_on, day(2026, 3, 8));
    }

    proptest! {
        #[test]
        fn instalments_add_up_fall_on_working_days_and_within_a_year(
            principal in 5_000i64..=30_000,
            percent in prop::sample::select(vec![5u32, 8, 10]),
            offset in 0u32..3650,
            holiday_offsets in prop::collection::vec(0u32..400, 0..30),
        ) {
            let disbursed = day(2020, 1, 1) + chrono::Days::new(u64::from(offset));
            let holidays = Holidays(holiday_offsets.iter().map(|o| disbursed + chrono::Days::new(u64::from(*o))).collect());
            let charge = service_charge(principal, percent);
            let s = schedule(principal, charge, 10, disbursed, 2, &holidays);
            prop_assert_eq!(s.iter().map(|i| i.principal + i.charge).sum::<i64>(), principal + charge);
            prop_assert_eq!(s.iter().map(|i| i.principal).sum::<i64>(), principal);
            for w in s.windows(2) {
                prop_assert!(w[0].due_on < w[1].due_on);
                prop_assert_eq!(w[0].principal, s[0].principal);
            }
            for i in &s {
                prop_assert!(holidays.is_working_day(i.due_on));
                prop_assert!(i.due_on > disbursed);
            }
            // The last instalment is due within a year (give or take the days a run of
            // holidays pushes it).
            prop_assert!(s[9].due_on <= disbursed.checked_add_months(Months::new(11)).unwrap() + chrono::Days::new(31));
        }
    }
}
