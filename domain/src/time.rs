//! Dates in Bangladesh. Day-level rules (ages, deadlines, fiscal years) use the Asia/Dhaka
//! calendar date, not the UTC one: an application made at 01:00 Dhaka time belongs to that
//! Dhaka day. Bangladesh keeps UTC+06:00 all year (no daylight saving since 2009).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Asia/Dhaka's offset from UTC.
pub fn dhaka_offset() -> FixedOffset {
    FixedOffset::east_opt(6 * 3600).expect("UTC+6 is a valid offset")
}

/// The calendar date in Dhaka at the instant `at`.
pub fn dhaka_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&dhaka_offset()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn late_utc_evening_is_the_next_day_in_dhaka() {
        let at = Utc.with_ymd_and_hms(2026, 6, 30, 18, 30, 0).unwrap();
        assert_eq!(dhaka_date(at), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        let before = Utc.with_ymd_and_hms(2026, 6, 30, 17, 59, 59).unwrap();
        assert_eq!(dhaka_date(before), NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
    }
}
