//! From application to beneficiary: committee verification, approval within the area's
//! quota (else the waiting list), mobile accounts, suspension, exit and replacement.

use serde::{Deserialize, Serialize};

use crate::person::MobileNumber;
use crate::rule::{RuleClass, RuleRefusal};
use crate::Label;

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// Received; eligibility was checked on submission.
    Submitted,
    /// The union/ward committee verified it.
    Verified,
    /// Refused by a committee.
    Rejected,
    /// Approved by the upazila committee; the person is a beneficiary.
    Approved,
    /// Approved on merit but the quota is full: waiting for a place.
    Waitlisted,
    Withdrawn,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 6] = [
        ApplicationStatus::Submitted,
        ApplicationStatus::Verified,
        ApplicationStatus::Rejected,
        ApplicationStatus::Approved,
        ApplicationStatus::Waitlisted,
        ApplicationStatus::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ApplicationStatus::Submitted => "submitted",
            ApplicationStatus::Verified => "verified",
            ApplicationStatus::Rejected => "rejected",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Waitlisted => "waitlisted",
            ApplicationStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> Label {
        match self {
            ApplicationStatus::Submitted => Label::new("Submitted", "জমা দেওয়া হয়েছে"),
            ApplicationStatus::Verified => Label::new("Verified by committee", "কমিটি কর্তৃক যাচাইকৃত"),
            ApplicationStatus::Rejected => Label::new("Rejected", "প্রত্যাখ্যাত"),
            ApplicationStatus::Approved => Label::new("Approved", "অনুমোদিত"),
            ApplicationStatus::Waitlisted => Label::new("On the waiting list", "অপেক্ষমাণ তালিকায়"),
            ApplicationStatus::Withdrawn => Label::new("Withdrawn", "প্রত্যাহৃত"),
        }
    }

    /// Still in play: it blocks a second application for the same programme.
    pub fn is_open(self) -> bool {
        matches!(self, ApplicationStatus::Submitted | ApplicationStatus::Verified | ApplicationStatus::Waitlisted)
    }
}

/// Why an enrolment step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EnrolmentRefusal {
    #[error("not allowed from the application's current status")]
    StatusOrder,
    #[error("the applicant is not eligible")]
    NotEligible,
    #[error("the beneficiary cannot change that way")]
    BeneficiaryStatusOrder,
    #[error("the person already has an open application or is a beneficiary of this programme")]
    AlreadyEnrolled,
    #[error("the person already receives an allowance of this exclusive group")]
    ExclusiveAllowance,
    #[error("no quota is set for this programme, upazila and fiscal year")]
    NoQuota,
}

impl EnrolmentRefusal {
    pub fn refusal(self) -> RuleRefusal {
        use EnrolmentRefusal::*;
        let (rule, class, en, bn) = match self {
            StatusOrder => (
                "application.status_order",
                RuleClass::Conflict,
                "This step is not allowed for the application's current status",
                "আবেদনের বর্তমান অবস্থায় এই ধাপ অনুমোদিত নয়",
            ),
            NotEligible => (
                "application.eligible",
                RuleClass::Conflict,
                "The applicant does not meet the programme's criteria",
                "আবেদনকারী কর্মসূচির শর্ত পূরণ করেন না",
            ),
            BeneficiaryStatusOrder => (
                "beneficiary.status_order",
                RuleClass::Conflict,
                "The beneficiary's status cannot change that way",
                "উপকারভোগীর অবস্থা এভাবে পরিবর্তন করা যায় না",
            ),
            AlreadyEnrolled => (
                "application.one_per_programme",
                RuleClass::Conflict,
                "The person already applied for or receives this programme",
                "ব্যক্তি ইতিমধ্যে এই কর্মসূচিতে আবেদন করেছেন বা ভাতা পাচ্ছেন",
            ),
            ExclusiveAllowance => (
                "beneficiary.one_allowance",
                RuleClass::Conflict,
                "One person, one government allowance",
                "এক ব্যক্তি, এক সরকারি ভাতা",
            ),
            NoQuota => (
                "quota.set",
                RuleClass::Conflict,
                "No quota is set for this programme, upazila and fiscal year",
                "এই কর্মসূচি, উপজেলা ও অর্থবছরের জন্য কোটা নির্ধারিত নেই",
            ),
        };
        RuleRefusal { rule, class, label: Label::new(en, bn) }
    }
}

/// A committee's verification: to `Verified` or `Rejected`, from `Submitted` only.
pub fn verify(status: ApplicationStatus, accept: bool, eligible: bool) -> Result<ApplicationStatus, EnrolmentRefusal> {
    if status != ApplicationStatus::Submitted {
        return Err(EnrolmentRefusal::StatusOrder);
    }
    match (accept, eligible) {
        (false, _) => Ok(ApplicationStatus::Rejected),
        (true, true) => Ok(ApplicationStatus::Verified),
        (true, false) => Err(EnrolmentRefusal::NotEligible),
    }
}

/// What the upazila committee's approval leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A place is free: enrol.
    Enrol,
    /// The quota is full: wait for a place.
    WaitingList,
}

/// Approves a verified application within the quota (`filled` beneficiaries against
/// `quota` places); a waitlisted application is enrolled when a place frees.
pub fn approve(status: ApplicationStatus, quota: Option<u32>, filled: u32) -> Result<Admission, EnrolmentRefusal> {
    if !matches!(status, ApplicationStatus::Verified | ApplicationStatus::Waitlisted) {
        return Err(EnrolmentRefusal::StatusOrder);
    }
    let quota = quota.ok_or(EnrolmentRefusal::NoQuota)?;
    Ok(if filled < quota { Admission::Enrol } else { Admission::WaitingList })
}

/// Rejects an application that has not been decided yet.
pub fn reject(status: ApplicationStatus) -> Result<ApplicationStatus, EnrolmentRefusal> {
    if matches!(status, ApplicationStatus::Submitted | ApplicationStatus::Verified | ApplicationStatus::Waitlisted) {
        Ok(ApplicationStatus::Rejected)
    } else {
        Err(EnrolmentRefusal::StatusOrder)
    }
}

/// A beneficiary's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BeneficiaryStatus {
    Active,
    Suspended,
    Exited,
}

/// A dated read: whether a beneficiary received the allowance on `on`. From the start month
/// on (the first month paid), and, once exited, before the end month (the first day of the
/// month of the exit); a suspended one still holds the allowance.
pub fn receiving_on(
    start_month: chrono::NaiveDate,
    status: BeneficiaryStatus,
    end_month: Option<chrono::NaiveDate>,
    on: chrono::NaiveDate,
) -> bool {
    start_month <= on && (status != BeneficiaryStatus::Exited || end_month.is_some_and(|end| on < end))
}

impl BeneficiaryStatus {
    pub const ALL: &'static [BeneficiaryStatus] =
        &[BeneficiaryStatus::Active, BeneficiaryStatus::Suspended, BeneficiaryStatus::Exited];

    pub fn code(self) -> &'static str {
        match self {
            BeneficiaryStatus::Active => "active",
            BeneficiaryStatus::Suspended => "suspended",
            BeneficiaryStatus::Exited => "exited",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [BeneficiaryStatus::Active, BeneficiaryStatus::Suspended, BeneficiaryStatus::Exited]
            .into_iter()
            .find(|s| s.code() == code)
    }

    pub fn label(self) -> Label {
        match self {
            BeneficiaryStatus::Active => Label::new("Active", "সক্রিয়"),
            BeneficiaryStatus::Suspended => Label::new("Suspended", "স্থগিত"),
            BeneficiaryStatus::Exited => Label::new("Exited", "বাদ দেওয়া হয়েছে"),
        }
    }
}

/// Why a beneficiary left the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BeneficiaryExit {
    Died,
    NoLongerEligible,
    Moved,
}

impl BeneficiaryExit {
    pub const ALL: &'static [BeneficiaryExit] =
        &[BeneficiaryExit::Died, BeneficiaryExit::NoLongerEligible, BeneficiaryExit::Moved];

    pub fn code(self) -> &'static str {
        match self {
            BeneficiaryExit::Died => "died",
            BeneficiaryExit::NoLongerEligible => "no_longer_eligible",
            BeneficiaryExit::Moved => "moved",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [BeneficiaryExit::Died, BeneficiaryExit::NoLongerEligible, BeneficiaryExit::Moved].into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> Label {
        match self {
            BeneficiaryExit::Died => Label::new("Died", "মৃত্যু"),
            BeneficiaryExit::NoLongerEligible => Label::new("No longer eligible", "আর যোগ্য নন"),
            BeneficiaryExit::Moved => Label::new("Moved away", "অন্যত্র চলে গেছেন"),
        }
    }
}

/// A status change of a beneficiary.
pub fn change_beneficiary(from: BeneficiaryStatus, to: BeneficiaryStatus) -> Result<BeneficiaryStatus, EnrolmentRefusal> {
    use BeneficiaryStatus::*;
    match (from, to) {
        (Active, Suspended) | (Suspended, Active) | (Active | Suspended, Exited) => Ok(to),
        _ => Err(EnrolmentRefusal::BeneficiaryStatusOrder),
    }
}

/// Mobile financial services and banks that pay allowances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentProvider {
    Bkash,
    Nagad,
    Rocket,
    Upay,
    Bank,
}

impl PaymentProvider {
    pub const ALL: [PaymentProvider; 5] =
        [PaymentProvider::Bkash, PaymentProvider::Nagad, PaymentProvider::Rocket, PaymentProvider::Upay, PaymentProvider::Bank];

    pub fn code(self) -> &'static str {
        match self {
            PaymentProvider::Bkash => "bkash",
            PaymentProvider::Nagad => "nagad",
            PaymentProvider::Rocket => "rocket",
            PaymentProvider::Upay => "upay",
            PaymentProvider::Bank => "bank",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn label(self) -> Label {
        match self {
            PaymentProvider::Bkash => Label::new("bKash", "বিকাশ"),
            PaymentProvider::Nagad => Label::new("Nagad", "নগদ"),
            PaymentProvider::Rocket => Label::new("Rocket (Dutch-Bangla Bank)", "রকেট (ডাচ্-বাংলা ব্যাংক)"),
            PaymentProvider::Upay => Label::new("Upay", "উপায়"),
            PaymentProvider::Bank => Label::new("Bank account", "ব্যাংক হিসাব"),
        }
    }
}

/// What one person may hold once: the programme's exclusivity group, or the programme itself
/// when it has none (one person, one allowance of a group).
pub fn exclusive_key<'a>(programme: &'a str, group: Option<&'a str>) -> &'a str {
    group.unwrap_or(programme)
}

/// Whether a person who holds `held` (programme, exclusivity group) may enrol in `programme`:
/// not twice in one programme, not twice in one group.
pub fn check_exclusive<'a>(
    programme: &str,
    group: Option<&str>,
    held: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> Result<(), EnrolmentRefusal> {
    let held: Vec<(&str, Option<&str>)> = held.into_iter().collect();
    if held.iter().any(|(p, _)| *p == programme) {
        return Err(EnrolmentRefusal::AlreadyEnrolled);
    }
    if group.is_some_and(|g| held.iter().any(|(_, h)| *h == Some(g))) {
        return Err(EnrolmentRefusal::ExclusiveAllowance);
    }
    Ok(())
}

/// An account to pay into, validated for its provider: mobile wallets are mobile numbers
/// (Rocket adds one check digit to the 11), bank accounts 10 to 20 digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAccount {
    pub provider: PaymentProvider,
    pub number: String,
}

impl PaymentAccount {
    pub fn parse(provider: PaymentProvider, raw: &str) -> Result<Self, &'static str> {
        let digits: String = crate::digits::normalize_digits(raw.trim()).chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let number = match provider {
            PaymentProvider::Bkash | PaymentProvider::Nagad | PaymentProvider::Upay => MobileNumber::parse(&digits)
                .map_err(|_| "a wallet number is a mobile number: 01[3-9] and 8 digits")?
                .as_str()
                .to_owned(),
            PaymentProvider::Rocket => {
                const ROCKET: &str = "a Rocket account is the 11-digit mobile number and one more digit";
                // Twelve ASCII digits first: only then is byte 11 a character boundary.
                if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ROCKET);
                }
                let mobile = digits.get(..11).ok_or(ROCKET)?;
                MobileNumber::parse(mobile).map_err(|_| ROCKET)?;
                digits
            }
            PaymentProvider::Bank => {
                if !(10..=20).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
                    return Err("a bank account number has 10 to 20 digits");
                }
                digits
            }
        };
        Ok(PaymentAccount { provider, number })
    }
}

crate::text_code!(ApplicationStatus, BeneficiaryStatus, BeneficiaryExit, PaymentProvider);

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationStatus::*;

    #[test]
    fn an_allowance_is_received_from_the_start_month_until_the_exit_month() {
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        let (start, end) = (d("2026-03-01"), Some(d("2026-08-01")));
        let on = |status, end, day| receiving_on(start, status, end, d(day));
        assert!(!on(BeneficiaryStatus::Active, None, "2026-02-28"), "the day before the start month");
        assert!(on(BeneficiaryStatus::Active, None, "2026-03-01"), "its first day");
        assert!(on(BeneficiaryStatus::Active, None, "2026-03-02"));
        assert!(on(BeneficiaryStatus::Suspended, None, "2026-05-01"), "a suspension does not end it");
        assert!(on(BeneficiaryStatus::Exited, end, "2026-07-31"), "the day before the exit month");
        assert!(!on(BeneficiaryStatus::Exited, end, "2026-08-01"));
        assert!(!on(BeneficiaryStatus::Exited, end, "2026-08-02"));
        assert!(!on(BeneficiaryStatus::Exited, None, "2026-05-01"), "an exit without its month: ended");
    }

    #[test]
    fn committees_verify_then_approve_within_quota() {
        assert_eq!(verify(Submitted, true, true), Ok(Verified));
        assert_eq!(verify(Submitted, false, true), Ok(Rejected));
        assert_eq!(verify(Submitted, true, false), Err(EnrolmentRefusal::NotEligible));
        assert_eq!(verify(Verified, true, true), Err(EnrolmentRefusal::StatusOrder));
        assert_eq!(approve(Verified, Some(10), 9), Ok(Admission::Enrol));
        assert_eq!(approve(Verified, Some(10), 10), Ok(Admission::WaitingList));
        assert_eq!(approve(Waitlisted, Some(10), 9), Ok(Admission::Enrol), "a freed place");
        assert_eq!(approve(Submitted, Some(10), 0), Err(EnrolmentRefusal::StatusOrder), "verification first");
        assert_eq!(approve(Verified, None, 0), Err(EnrolmentRefusal::NoQuota));
        assert_eq!(reject(Approved), Err(EnrolmentRefusal::StatusOrder));
        assert!(Waitlisted.is_open() && !Approved.is_open());
    }

    #[test]
    fn one_person_one_allowance_of_a_group() {
        let held = [("old_age", Some("old_age_widow")), ("disability", None)];
        assert_eq!(check_exclusive("old_age", Some("old_age_widow"), held), Err(EnrolmentRefusal::AlreadyEnrolled));
        assert_eq!(check_exclusive("widow", Some("old_age_widow"), held), Err(EnrolmentRefusal::ExclusiveAllowance));
        assert_eq!(check_exclusive("disability", None, held), Err(EnrolmentRefusal::AlreadyEnrolled));
        assert_eq!(check_exclusive("disability_stipend", None, held), Ok(()));
        assert_eq!(check_exclusive("widow", Some("old_age_widow"), []), Ok(()));
        assert_eq!(exclusive_key("widow", Some("old_age_widow")), "old_age_widow");
        assert_eq!(exclusive_key("disability", None), "disability");
    }

    #[test]
    fn beneficiary_status_changes() {
        use BeneficiaryStatus::*;
        assert_eq!(change_beneficiary(Active, Suspended), Ok(Suspended));
        assert_eq!(change_beneficiary(Suspended, Active), Ok(Active));
        assert_eq!(change_beneficiary(Suspended, Exited), Ok(Exited));
        assert!(change_beneficiary(Exited, Active).is_err());
        assert!(change_beneficiary(Active, Active).is_err());
    }

    #[test]
    fn payment_accounts_by_provider() {
        assert_eq!(PaymentAccount::parse(PaymentProvider::Bkash, "+880 1712-345678").unwrap().number, "01712345678");
        assert_eq!(PaymentAccount::parse(PaymentProvider::Nagad, "০১৮১২৩৪৫৬৭৮").unwrap().number, "01812345678");
        assert!(PaymentAccount::parse(PaymentProvider::Bkash, "01212345678").is_err());
        assert_eq!(PaymentAccount::parse(PaymentProvider::Rocket, "017123456781").unwrap().number, "017123456781");
        assert!(PaymentAccount::parse(PaymentProvider::Rocket, "01712345678").is_err());
        assert_eq!(PaymentAccount::parse(PaymentProvider::Bank, "0123 4567 8901").unwrap().number, "012345678901");
        assert!(PaymentAccount::parse(PaymentProvider::Bank, "12345").is_err());
        for r in [EnrolmentRefusal::StatusOrder, EnrolmentRefusal::ExclusiveAllowance] {
            assert!(!r.refusal().label.bn.is_empty());
        }
    }

    /// Issue 30: a Rocket number ending in `é` panicked (a byte split inside the character).
    #[test]
    fn non_ascii_account_numbers_are_refused_not_panicked_on() {
        let bad = [
            "01712345678é",
            "0171234567é8",
            "é01712345678",
            "01712345678😀",
            "0171234567\u{301}8",
            "01712345678\u{301}",
            "٠١٧١٢٣٤٥٦٧٨١",
            "０１７１２３４５６７８１",
            "০১৭১২৩৪৫৬৭৮é",
            "é",
            "\u{feff}",
            "ß0123456789",
            "0123456789é0123456789",
        ];
        for provider in PaymentProvider::ALL {
            for raw in bad {
                assert!(PaymentAccount::parse(provider, raw).is_err(), "{provider:?} {raw:?}");
            }
        }
        // Bangla digits are digits, for every provider.
        assert_eq!(PaymentAccount::parse(PaymentProvider::Rocket, "০১৭১২৩৪৫৬৭৮১").unwrap().number, "017123456781");
        assert_eq!(PaymentAccount::parse(PaymentProvider::Bank, "০১২৩৪৫৬৭৮৯").unwrap().number, "0123456789");
    }
}
