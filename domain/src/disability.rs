//! The disability identification register: what the DSS survey records of a person (the type
//! of disability under the Persons with Disabilities Rights and Protection Act 2013, its
//! severity, who assessed it and when) and the identity card printed and issued on it. The
//! disability allowance and stipend read this register, not a bare "registered" flag.

use chrono::NaiveDate;

use crate::code_list::code_list;
use crate::rule::{RuleClass, RuleRefusal};
use crate::Label;

code_list!(
    /// A type of disability, as the identification survey records it.
    DisabilityType {
        AutismSpectrum => "autism_spectrum", "Autism spectrum disorder", "অটিজম বা অটিজমস্পেকট্রাম ডিজঅর্ডারস";
        Physical => "physical", "Physical disability", "শারীরিক প্রতিবন্ধিতা";
        MentalIllness => "mental_illness", "Mental illness leading to disability", "মানসিক অসুস্থতাজনিত প্রতিবন্ধিতা";
        Visual => "visual", "Visual disability", "দৃষ্টি প্রতিবন্ধিতা";
        Speech => "speech", "Speech disability", "বাক প্রতিবন্ধিতা";
        Intellectual => "intellectual", "Intellectual disability", "বুদ্ধি প্রতিবন্ধিতা";
        Hearing => "hearing", "Hearing disability", "শ্রবণ প্রতিবন্ধিতা";
        DeafBlindness => "deaf_blindness", "Deaf-blindness", "শ্রবণ-দৃষ্টি প্রতিবন্ধিতা";
        CerebralPalsy => "cerebral_palsy", "Cerebral palsy", "সেরিব্রাল পালসি";
        DownSyndrome => "down_syndrome", "Down syndrome", "ডাউন সিনড্রোম";
        Multiple => "multiple", "Multiple disabilities", "বহুমাত্রিক প্রতিবন্ধিতা";
        Other => "other", "Other disability", "অন্যান্য প্রতিবন্ধিতা";
    }
);

code_list!(
    /// How severe the disability is, as assessed.
    Severity {
        Mild => "mild", "Mild", "মৃদু";
        Moderate => "moderate", "Moderate", "মাঝারি";
        Severe => "severe", "Severe", "তীব্র";
        Profound => "profound", "Profound", "অতি তীব্র";
    }
);

fn refusal(rule: &'static str, en: &'static str, bn: &'static str) -> RuleRefusal {
    RuleRefusal { rule, class: RuleClass::Invalid, label: Label::new(en, bn) }
}

/// An assessment is dated, not in the future.
pub fn check_assessment(assessed_on: NaiveDate, today: NaiveDate) -> Result<(), RuleRefusal> {
    if assessed_on > today {
        return Err(refusal("disability.assessed_on", "The assessment date is in the future", "মূল্যায়নের তারিখ ভবিষ্যতের"));
    }
    Ok(())
}

/// An identity card number: 8 to 20 ASCII digits (Bangla digits accepted and stored as ASCII).
pub fn parse_card_number(raw: &str) -> Result<String, RuleRefusal> {
    let digits = crate::digits::normalize_digits(raw.trim());
    if (8..=20).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(refusal("disability.card_number", "A card number is 8 to 20 digits", "পরিচয়পত্রের নম্বর ৮ থেকে ২০ অঙ্কের"))
    }
}

/// A card is printed on or after the assessment and not in the future; issued (handed over)
/// on or after it was printed. A card is printed once.
pub fn check_card(
    assessed_on: NaiveDate,
    already_printed: bool,
    printed_on: NaiveDate,
    issued_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), RuleRefusal> {
    if already_printed {
        return Err(RuleRefusal {
            rule: "disability.card_once",
            class: RuleClass::Conflict,
            label: Label::new("The record's card is already printed", "এই রেকর্ডের পরিচয়পত্র ইতিমধ্যে মুদ্রিত"),
        });
    }
    if printed_on < assessed_on || printed_on > today || issued_on.is_some_and(|i| i < printed_on || i > today) {
        return Err(refusal(
            "disability.card_dates",
            "A card is printed after the assessment and issued after it is printed, and neither in the future",
            "পরিচয়পত্র মূল্যায়নের পরে মুদ্রিত ও মুদ্রণের পরে বিতরণ হয়, কোনোটিই ভবিষ্যতে নয়",
        ));
    }
    Ok(())
}

/// A dated read: the record in force on `on`. Of a person's assessments in the order they
/// were recorded (each supersedes those before it), the last one assessed on or before `on`
/// (one assessed later was not yet made that day, and did not yet supersede anything); `None`
/// before the first assessment.
pub fn in_force_on<T>(recorded: &[T], assessed_on: impl Fn(&T) -> NaiveDate, on: NaiveDate) -> Option<&T> {
    recorded.iter().rev().find(|r| assessed_on(r) <= on)
}

/// `disability.before_birth`: an assessment is not dated before the person's birth.
pub const ASSESSED_BEFORE_BIRTH: RuleRefusal = RuleRefusal::invalid(
    "disability.before_birth",
    "The assessment is dated before the person's birth",
    "মূল্যায়নের তারিখ ব্যক্তির জন্মের আগের",
);

/// A card number identifies one record.
pub const CARD_NUMBER_TAKEN: RuleRefusal = RuleRefusal::conflict(
    "disability.card_number_taken",
    "The card number belongs to another record",
    "কার্ড নম্বরটি অন্য একটি নথির",
);

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn card_numbers_and_dates() {
        assert_eq!(parse_card_number(" ১২৩৪৫৬৭৮৯০ ").unwrap(), "1234567890");
        assert_eq!(parse_card_number("1234").unwrap_err().rule, "disability.card_number");
        assert_eq!(parse_card_number("12345678x").unwrap_err().rule, "disability.card_number");
        let today = d(6, 1);
        assert!(check_card(d(3, 1), false, d(4, 1), Some(d(4, 10)), today).is_ok());
        assert_eq!(check_card(d(3, 1), false, d(2, 1), None, today).unwrap_err().rule, "disability.card_dates");
        assert_eq!(check_card(d(3, 1), false, d(4, 1), Some(d(3, 30)), today).unwrap_err().rule, "disability.card_dates");
        assert_eq!(check_card(d(3, 1), false, d(7, 1), None, today).unwrap_err().rule, "disability.card_dates");
        assert_eq!(check_card(d(3, 1), true, d(4, 1), None, today).unwrap_err().rule, "disability.card_once");
        assert!(check_assessment(d(7, 1), today).is_err());
    }

    #[test]
    fn the_record_in_force_on_a_day_before_on_and_after_a_reassessment() {
        let recorded = [("first", d(3, 1)), ("second", d(5, 10))];
        let on = |day| in_force_on(&recorded, |r| r.1, day).map(|r| r.0);
        assert_eq!(on(d(2, 28)), None, "before the first assessment");
        assert_eq!(on(d(3, 1)), Some("first"));
        assert_eq!(on(d(5, 9)), Some("first"), "the day before the re-assessment");
        assert_eq!(on(d(5, 10)), Some("second"), "the day of it");
        assert_eq!(on(d(5, 11)), Some("second"), "the day after");
        // A later record back-dated before the first supersedes it from its own day.
        let back = [("first", d(3, 1)), ("correction", d(2, 1))];
        assert_eq!(in_force_on(&back, |r| r.1, d(2, 15)).map(|r| r.0), Some("correction"));
        assert_eq!(in_force_on(&back, |r| r.1, d(4, 1)).map(|r| r.0), Some("correction"));
    }
}
