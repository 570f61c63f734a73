//! People on record: survivors, children, guardians, alleged perpetrators. Identifiers are
//! parsed here so a `Nid` or `MobileNumber` that exists is valid and in ASCII digits.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::digits::normalize_digits;
use crate::rule::RuleRefusal;
use crate::Label;

/// Sex as recorded, including hijra (third gender), recognised in Bangladesh since 2013.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Hijra,
}

impl Sex {
    pub const ALL: [Sex; 3] = [Sex::Female, Sex::Male, Sex::Hijra];

    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Hijra => "hijra",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> Label {
        match self {
            Sex::Female => Label::new("Female", "নারী"),
            Sex::Male => Label::new("Male", "পুরুষ"),
            Sex::Hijra => Label::new("Hijra (third gender)", "হিজড়া (তৃতীয় লিঙ্গ)"),
        }
    }
}

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidIdentifier(pub &'static str);

/// Digits only, from ASCII or Bangla digits, ignoring spaces and hyphens people type.
fn digits_of(raw: &str) -> Result<String, InvalidIdentifier> {
    // (Most identifiers come in ASCII digits only: a bulk import parses millions.)
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(raw.to_owned());
    }
    let s: String = normalize_digits(raw).chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(InvalidIdentifier("must contain only digits (ASCII or Bangla)"));
    }
    Ok(s)
}

/// A national ID number: 10 digits (smart card), 13 (old) or 17 (birth year + 13).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Nid(String);

impl Nid {
    pub fn parse(raw: &str) -> Result<Self, InvalidIdentifier> {
        let d = digits_of(raw)?;
        match d.len() {
            10 | 13 | 17 => Ok(Nid(d)),
            _ => Err(InvalidIdentifier("a national ID has 10, 13 or 17 digits")),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A birth registration number: 17 digits (older ones 16).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BirthRegistrationNumber(String);

impl BirthRegistrationNumber {
    pub fn parse(raw: &str) -> Result<Self, InvalidIdentifier> {
        let d = digits_of(raw)?;
        match d.len() {
            16 | 17 => Ok(BirthRegistrationNumber(d)),
            _ => Err(InvalidIdentifier("a birth registration number has 17 digits (16 for older ones)")),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Bangladeshi mobile number, stored as `01XXXXXXXXX`; accepts `+880`/`880` prefixes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MobileNumber(String);

impl MobileNumber {
    pub fn parse(raw: &str) -> Result<Self, InvalidIdentifier> {
        let trimmed = normalize_digits(raw.trim());
        let trimmed = trimmed.strip_prefix('+').unwrap_or(&trimmed);
        let d = digits_of(trimmed)?;
        let local = d.strip_prefix("880").map(|rest| format!("0{}", rest.trim_start_matches('0'))).unwrap_or(d);
        if matches!(local.as_bytes(), [b'0', b'1', b'3'..=b'9', rest @ ..] if rest.len() == 8) {
            Ok(MobileNumber(local))
        } else {
            Err(InvalidIdentifier("a mobile number is 01[3-9] and 8 more digits, optionally after +880"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Full years of age on `on`; `None` when `on` is before the birth date.
pub fn age_on(date_of_birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < date_of_birth {
        return None;
    }
    let mut years = on.year() - date_of_birth.year();
    if (on.month(), on.day()) < (date_of_birth.month(), date_of_birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// The day someone turns `years` old (a 29 February birthday counts from 1 March in common years).
pub fn birthday(date_of_birth: NaiveDate, years: u32) -> NaiveDate {
    let y = date_of_birth.year() + years as i32;
    NaiveDate::from_ymd_opt(y, date_of_birth.month(), date_of_birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, 3, 1))
        .unwrap_or(NaiveDate::MAX)
}

/// Under 18 on `on`: a child under the Children Act 2013.
pub fn is_child_on(date_of_birth: NaiveDate, on: NaiveDate) -> bool {
    on < birthday(date_of_birth, 18)
}

/// The most years a birth date lies before today: no one on record is older.
pub const MAX_AGE_YEARS: u32 = 120;

/// `person.birth_date_plausible`: a birth date is not in the future and not more than
/// [`MAX_AGE_YEARS`] years before `today` (Asia/Dhaka).
pub fn check_birth_date(date_of_birth: NaiveDate, today: NaiveDate) -> Result<(), RuleRefusal> {
    let oldest = today.checked_sub_months(chrono::Months::new(MAX_AGE_YEARS * 12)).unwrap_or(NaiveDate::MIN);
    if date_of_birth > today || date_of_birth < oldest {
        return Err(RuleRefusal::invalid(
            "person.birth_date_plausible",
            "A birth date is not in the future and not more than 120 years ago",
            "জন্মতারিখ ভবিষ্যতের নয় এবং ১২০ বছরের বেশি আগের নয়",
        ));
    }
    Ok(())
}

/// The `*.before_birth` rules: what happens to a person (an admission, a service, a request, a
/// supervision, an assessment) is not dated before the person's birth. `refusal` is the area's
/// own rule ([`crate::institution::ADMITTED_BEFORE_BIRTH`], ...).
pub fn check_not_before_birth(refusal: RuleRefusal, on: NaiveDate, date_of_birth: NaiveDate) -> Result<(), RuleRefusal> {
    if on < date_of_birth {
        Err(refusal)
    } else {
        Ok(())
    }
}

crate::text_code!(Sex);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn nid_lengths_and_bangla_digits() {
        assert_eq!(Nid::parse("১২৩৪৫৬৭৮৯০").unwrap().as_str(), "1234567890");
        assert_eq!(Nid::parse("1990 1234 567 890 123").unwrap().as_str().len(), 17);
        assert!(Nid::parse("123456789").is_err());
        assert!(Nid::parse("12345678901").is_err());
        assert!(Nid::parse("12345abcde").is_err());
        assert!(Nid::parse("").is_err());
    }

    #[test]
    fn birth_registration_numbers() {
        assert!(BirthRegistrationNumber::parse("20101234567890123").is_ok());
        assert!(BirthRegistrationNumber::parse("2010123456789012").is_ok());
        assert!(BirthRegistrationNumber::parse("201012345678901").is_err());
    }

    #[test]
    fn mobile_numbers() {
        for ok in ["01712345678", "+8801712345678", "8801712345678", "০১৭১২৩৪৫৬৭৮", "017-1234-5678"] {
            assert_eq!(MobileNumber::parse(ok).unwrap().as_str(), "01712345678", "{ok}");
        }
        for bad in ["01212345678", "0171234567", "017123456789", "+8811712345678", "phone"] {
            assert!(MobileNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ages_and_the_18th_birthday() {
        let dob = d(2008, 11, 23);
        assert_eq!(age_on(dob, d(2026, 11, 22)), Some(17));
        assert_eq!(age_on(dob, d(2026, 11, 23)), Some(18));
        assert!(is_child_on(dob, d(2026, 11, 22)));
        assert!(!is_child_on(dob, d(2026, 11, 23)));
        assert_eq!(age_on(dob, d(2000, 1, 1)), None);
        assert_eq!(birthday(d(2008, 2, 29), 18), d(2026, 3, 1));
    }

    #[test]
    fn birth_dates_within_120_years_and_nothing_before_birth() {
        let today = d(2026, 6, 10);
        let rule = |dob| check_birth_date(dob, today).map_err(|r| r.rule);
        assert_eq!(rule(d(1800, 1, 1)), Err("person.birth_date_plausible"), "born in 1800");
        assert_eq!(rule(d(1906, 6, 9)), Err("person.birth_date_plausible"), "the day before 120 years ago");
        assert_eq!(rule(d(1906, 6, 10)), Ok(()), "120 years ago to the day");
        assert_eq!(rule(d(1906, 6, 11)), Ok(()));
        assert_eq!(rule(today), Ok(()), "born today");
        assert_eq!(rule(d(2026, 6, 11)), Err("person.birth_date_plausible"), "tomorrow");
        let born = d(2010, 3, 5);
        let r = crate::hospital::REQUESTED_BEFORE_BIRTH;
        assert_eq!(check_not_before_birth(r, d(2010, 3, 4), born).unwrap_err().rule, "hospital.before_birth");
        assert_eq!(check_not_before_birth(r, born, born), Ok(()), "the day of the birth");
        assert_eq!(check_not_before_birth(r, d(2010, 3, 6), born), Ok(()));
        for (refusal, rule) in [
            (crate::institution::ADMITTED_BEFORE_BIRTH, "institution.before_birth"),
            (crate::probation::STARTS_BEFORE_BIRTH, "supervision.before_birth"),
            (crate::disability::ASSESSED_BEFORE_BIRTH, "disability.before_birth"),
        ] {
            assert_eq!(check_not_before_birth(refusal, d(2010, 3, 4), born).unwrap_err().rule, rule);
            assert_eq!(refusal.class, crate::rule::RuleClass::Invalid);
        }
    }

    proptest! {
        #[test]
        fn age_increases_exactly_on_birthdays(days in 0i64..40_000, years in 0u32..100) {
            let dob = d(1930, 1, 1) + chrono::Duration::days(days);
            let bday = birthday(dob, years);
            prop_assert_eq!(age_on(dob, bday), Some(years));
            if years > 0 {
                prop_assert_eq!(age_on(dob, bday.pred_opt().unwrap()), Some(years - 1));
            }
        }
    }
}
