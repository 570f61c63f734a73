//! Dates in Bangladesh. Day-level rules (ages, deadlines, fiscal years) use the Asia/Dhaka
//! calendar date, not the UTC one: an application made at 01:00 Dhaka time belongs to that
//! Dhaka day. Bangladesh keeps UTC+06:00 all year (no daylight saving since 2009).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};

/// Asia/Dhaka's offset from UTC.
pub fn dhaka_offset() -> FixedOffset {
    DHAKA
}

/// UTC+06:00 (checked when compiling).
const DHAKA: FixedOffset = match FixedOffset::east_opt(6 * 3600) {
    Some(o) => o,
    None => panic!("UTC+6 is a valid offset"),
};

/// The first day of `date`'s month.
pub fn first_of_month(date: NaiveDate) -> NaiveDate {
    date - chrono::Days::new(u64::from(date.day0()))
}

/// The calendar date in Dhaka at the instant `at`.
pub fn dhaka_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&dhaka_offset()).date_naive()
}

/// A report period that is one whole calendar month or fiscal year, for which reports keep
/// maintained figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WholePeriod {
    Month,
    FiscalYear,
}

/// Whether `from..=to` is a whole month or fiscal year, or one to date: a period ending on
/// or after `today` (nothing is recorded after today) counts as the whole of it.
pub fn whole_period(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Option<WholePeriod> {
    use chrono::{Datelike, Months};
    let covers = |last: NaiveDate| to == last || (to >= today && to <= last);
    let fy = crate::allowance::FiscalYear::of(from);
    if from == fy.first_day() && covers(fy.last_day()) {
        return Some(WholePeriod::FiscalYear);
    }
    let month_last = from.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt());
    if from.day() == 1 && month_last.is_some_and(covers) {
        return Some(WholePeriod::Month);
    }
    None
}

/// Why a day a step names cannot be its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayRefusal {
    /// Work is recorded on or after the day it was done, never before it.
    Future,
    /// A step is not dated before the step it follows (the request, the admission).
    BeforePrevious(NaiveDate),
}

/// The one date rule every step shares: not in the future (Asia/Dhaka `today`), and not
/// before the previous step when there is one.
pub fn check_day(on: NaiveDate, previous: Option<NaiveDate>, today: NaiveDate) -> Result<(), DayRefusal> {
    if on > today {
        return Err(DayRefusal::Future);
    }
    match previous {
        Some(p) if on < p => Err(DayRefusal::BeforePrevious(p)),
        _ => Ok(()),
    }
}

impl DayRefusal {
    /// The field error's message, in English.
    pub fn message(self) -> String {
        match self {
            DayRefusal::Future => "is in the future".to_owned(),
            DayRefusal::BeforePrevious(p) => format!("is before {p}, the day of the step it follows"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn whole_months_and_fiscal_years_and_to_date() {
        let today = d("2026-11-23");
        assert_eq!(whole_period(d("2025-07-01"), d("2026-06-30"), today), Some(WholePeriod::FiscalYear));
        assert_eq!(whole_period(d("2026-07-01"), today, today), Some(WholePeriod::FiscalYear), "the year to date");
        assert_eq!(whole_period(d("2026-07-01"), d("2026-11-22"), today), None, "ends before today: not the whole year");
        assert_eq!(whole_period(d("2026-02-01"), d("2026-02-28"), today), Some(WholePeriod::Month));
        assert_eq!(whole_period(d("2026-11-01"), today, today), Some(WholePeriod::Month), "the month to date");
        assert_eq!(whole_period(d("2026-02-02"), d("2026-02-28"), today), None);
        assert_eq!(whole_period(d("2026-01-01"), d("2026-03-31"), today), None, "a quarter is neither");
        assert_eq!(whole_period(d("2025-07-01"), d("2026-07-01"), today), None, "past the fiscal year's end");
    }

    #[test]
    fn late_utc_evening_is_the_next_day_in_dhaka() {
        let at = Utc.with_ymd_and_hms(2026, 6, 30, 18, 30, 0).unwrap();
        assert_eq!(dhaka_date(at), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        let before = Utc.with_ymd_and_hms(2026, 6, 30, 17, 59, 59).unwrap();
        assert_eq!(dhaka_date(before), NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
    }
    #[test]
    fn a_step_day_is_not_in_the_future_nor_before_the_previous_step() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let today = d(6, 10);
        assert_eq!(check_day(today, None, today), Ok(()));
        assert_eq!(check_day(d(6, 11), None, today), Err(DayRefusal::Future));
        assert_eq!(check_day(d(6, 1), Some(d(6, 1)), today), Ok(()), "the same day as the previous step");
        assert_eq!(check_day(d(5, 31), Some(d(6, 1)), today), Err(DayRefusal::BeforePrevious(d(6, 1))));
        assert_eq!(check_day(d(6, 11), Some(d(6, 1)), today), Err(DayRefusal::Future), "the future first");
        assert!(DayRefusal::BeforePrevious(d(6, 1)).message().contains("2026-06-01"));
    }
}
