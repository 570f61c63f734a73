//! Programmes, their versions, criteria and rates.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::person::Sex;
use crate::Label;

/// A Bangladeshi fiscal year, 1 July to 30 June, named by its first year (`2025` is FY2025-26).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FiscalYear(pub i32);

impl FiscalYear {
    pub fn of(date: NaiveDate) -> FiscalYear {
        FiscalYear(if date.month() >= 7 { date.year() } else { date.year() - 1 })
    }

    pub fn first_day(self) -> NaiveDate {
        // (Only a year beyond chrono's range, ±262,000, has no 1 July.)
        NaiveDate::from_ymd_opt(self.0, 7, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 + 1, 6, 30).unwrap_or(NaiveDate::MAX)
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.0, (self.0 + 1) % 100)
    }
}

impl FromStr for FiscalYear {
    type Err = String;
    /// Parses `2025-26` (or Bangla digits).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = crate::digits::normalize_digits(s.trim());
        let (a, b) = s.split_once('-').ok_or("a fiscal year looks like 2025-26")?;
        let start: i32 = a.parse().map_err(|_| "a fiscal year looks like 2025-26")?;
        let end: i32 = b.parse().map_err(|_| "a fiscal year looks like 2025-26")?;
        if !(1971..=2200).contains(&start) || end != (start + 1) % 100 || b.len() != 2 {
            return Err("a fiscal year looks like 2025-26 (the second year follows the first)".into());
        }
        Ok(FiscalYear(start))
    }
}

impl TryFrom<String> for FiscalYear {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<FiscalYear> for String {
    fn from(fy: FiscalYear) -> String {
        fy.to_string()
    }
}

/// Education levels that stipends pay by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EducationLevel {
    Primary,
    Secondary,
    HigherSecondary,
    Higher,
}

impl EducationLevel {
    pub const ALL: [EducationLevel; 4] =
        [EducationLevel::Primary, EducationLevel::Secondary, EducationLevel::HigherSecondary, EducationLevel::Higher];

    pub fn code(self) -> &'static str {
        match self {
            EducationLevel::Primary => "primary",
            EducationLevel::Secondary => "secondary",
            EducationLevel::HigherSecondary => "higher_secondary",
            EducationLevel::Higher => "higher",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }

    pub fn label(self) -> Label {
        match self {
            EducationLevel::Primary => Label::new("Primary", "প্রাথমিক"),
            EducationLevel::Secondary => Label::new("Secondary", "মাধ্যমিক"),
            EducationLevel::HigherSecondary => Label::new("Higher secondary", "উচ্চ মাধ্যমিক"),
            EducationLevel::Higher => Label::new("Higher education", "উচ্চতর"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaritalStatus {
    Unmarried,
    Married,
    Widowed,
    Divorced,
    /// Not living with the husband (husband-deserted).
    Separated,
}

impl MaritalStatus {
    pub const ALL: [MaritalStatus; 5] = [
        MaritalStatus::Unmarried,
        MaritalStatus::Married,
        MaritalStatus::Widowed,
        MaritalStatus::Divorced,
        MaritalStatus::Separated,
    ];

    pub fn label(self) -> crate::Label {
        match self {
            MaritalStatus::Unmarried => crate::Label::new("Unmarried", "অবিবাহিত"),
            MaritalStatus::Married => crate::Label::new("Married", "বিবাহিত"),
            MaritalStatus::Widowed => crate::Label::new("Widowed", "বিধবা/বিপত্নীক"),
            MaritalStatus::Divorced => crate::Label::new("Divorced", "তালাকপ্রাপ্ত"),
            MaritalStatus::Separated => crate::Label::new("Separated (husband-deserted)", "স্বামী নিগৃহীতা"),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            MaritalStatus::Unmarried => "unmarried",
            MaritalStatus::Married => "married",
            MaritalStatus::Widowed => "widowed",
            MaritalStatus::Divorced => "divorced",
            MaritalStatus::Separated => "separated",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }
}

/// Communities with their own programmes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Community {
    Bede,
    Backward,
}

impl Community {
    pub const ALL: &'static [Community] = &[Community::Bede, Community::Backward];

    pub fn code(self) -> &'static str {
        match self {
            Community::Bede => "bede",
            Community::Backward => "backward",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Community::Bede, Community::Backward].into_iter().find(|c| c.code() == code)
    }

    pub fn label(self) -> crate::Label {
        match self {
            Community::Bede => crate::Label::new("Bede community", "বেদে সম্প্রদায়"),
            Community::Backward => crate::Label::new("Backward (underprivileged) community", "অনগ্রসর (সুবিধাবঞ্চিত) সম্প্রদায়"),
        }
    }
}

/// One typed eligibility rule. Programmes combine them (all must hold).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Criterion {
    /// Age on the evaluation date at least this many years, by sex.
    MinAgeBySex { female: u32, male: u32, hijra: u32 },
    /// Age at least.
    MinAge { years: u32 },
    /// Age strictly above.
    AgeAbove { years: u32 },
    /// Age at most.
    MaxAge { years: u32 },
    /// One of these sexes.
    SexIn { sexes: Vec<Sex> },
    /// The person's own annual income at most (taka).
    AnnualIncomeAtMost { taka: i64 },
    /// The family's annual income at most (taka).
    FamilyIncomeAtMost { taka: i64 },
    /// The family's annual income per head strictly below (taka).
    FamilyIncomePerHeadBelow { taka: i64 },
    /// Registered in the DSS disability identification survey.
    DisabilityRegistered,
    /// Enrolled in a recognised institution at one of these levels.
    EnrolledAt { levels: Vec<EducationLevel> },
    /// Widowed, divorced, or not living with the husband for at least `separated_years`.
    WidowedDivorcedOrSeparated { separated_years: u32 },
    /// A member of one of these communities.
    CommunityIn { communities: Vec<Community> },
    /// Insolvent, or with a registered disability.
    InsolventOrDisabled,
    /// Not a government pensioner.
    NotPensioner,
    /// Receiving no other allowance of this exclusivity group.
    NotInExclusivityGroup { group: String },
    /// Pregnant.
    Pregnant,
    /// A lactating mother.
    Lactating,
    /// An orphan (father, mother or both dead).
    Orphan,
}

/// A monthly rate for a fiscal year, and for an education level where the programme pays by level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub fiscal_year: FiscalYear,
    pub level: Option<EducationLevel>,
    pub monthly_taka: i64,
}

/// How often a programme pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentFrequency {
    Monthly,
    Quarterly,
    /// Fixed instalments of `months` months each (CCT: three of six months).
    Instalments {
        months: u32,
    },
}

/// A programme as it stood over a period. Changing a criterion or a rate makes a new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeVersion {
    pub code: String,
    pub name_en: String,
    pub name_bn: String,
    /// The department that runs it (`dss`, `dwa`).
    pub department: String,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub criteria: Vec<Criterion>,
    pub rates: Vec<Rate>,
    pub payment_frequency: PaymentFrequency,
    /// How many months a beneficiary is paid for in all (CCT: 18); `None` while eligible.
    pub duration_months: Option<u32>,
    /// Programmes in one group are exclusive: one person, one allowance of the group.
    pub exclusivity_group: Option<String>,
    /// A conditional transfer: monthly compliance is recorded and a breach holds payment.
    #[serde(default)]
    pub conditional: bool,
    /// Payment ends at this age (capitation: 18), whatever the age at enrolment: a month is
    /// paid only if it begins before the birthday. Payroll applies it, so nobody has to
    /// remember to drop a beneficiary who grows out of the programme.
    #[serde(default)]
    pub pay_until_age: Option<u32>,
}

impl ProgrammeVersion {
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && self.effective_to.is_none_or(|to| date <= to)
    }

    /// Whether the month beginning `month_start` is paid to someone born on `date_of_birth`.
    pub fn pays_month(&self, date_of_birth: NaiveDate, month_start: NaiveDate) -> bool {
        self.pay_until_age.is_none_or(|age| month_start < crate::person::birthday(date_of_birth, age))
    }

    /// The day payment ends for someone born on `date_of_birth` (`None`: no age limit).
    pub fn pay_ends_on(&self, date_of_birth: NaiveDate) -> Option<NaiveDate> {
        self.pay_until_age.map(|age| crate::person::birthday(date_of_birth, age))
    }

    /// The monthly rate in force on `date` (for `level` where rates are by level).
    pub fn monthly_rate(&self, date: NaiveDate, level: Option<EducationLevel>) -> Option<i64> {
        let fy = FiscalYear::of(date);
        let by_level = self.rates.iter().any(|r| r.level.is_some());
        self.rates
            .iter()
            .filter(|r| r.fiscal_year <= fy && (!by_level || r.level == level))
            .max_by_key(|r| r.fiscal_year)
            .map(|r| r.monthly_taka)
    }
}

crate::text_code!(EducationLevel, MaritalStatus, Community);

/// A month's CCT compliance is recorded once.
pub const COMPLIANCE_RECORDED: crate::rule::RuleRefusal =
    crate::rule::RuleRefusal::conflict("cct.compliance_recorded", "This month is already recorded", "এই মাস ইতিমধ্যে নথিভুক্ত");

/// Only a recorded, unreviewed breach is reviewed.
pub const NO_BREACH_TO_REVIEW: crate::rule::RuleRefusal = crate::rule::RuleRefusal::conflict(
    "cct.no_breach_to_review",
    "There is no unreviewed breach for that month",
    "ওই মাসে পর্যালোচনার অপেক্ষায় কোনো শর্ত লঙ্ঘন নেই",
);

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn fiscal_years_turn_on_1_july() {
        assert_eq!(FiscalYear::of(d(2025, 6, 30)), FiscalYear(2024));
        assert_eq!(FiscalYear::of(d(2025, 7, 1)), FiscalYear(2025));
        assert_eq!(FiscalYear(2025).to_string(), "2025-26");
        assert_eq!(FiscalYear(2099).to_string(), "2099-00");
        assert_eq!("২০২৫-২৬".parse::<FiscalYear>(), Ok(FiscalYear(2025)));
        assert!("2025-27".parse::<FiscalYear>().is_err());
        assert!("2025".parse::<FiscalYear>().is_err());
        assert_eq!(FiscalYear(2025).first_day(), d(2025, 7, 1));
        assert_eq!(FiscalYear(2025).last_day(), d(2026, 6, 30));
    }
}
