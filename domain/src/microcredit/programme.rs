//! The microcredit programmes DSS runs and their terms, as data.

use crate::code_list::code_list;

code_list!(
    /// A microcredit programme.
    MicrocreditProgramme {
        Rss => "rss", "Rural social services (RSS)", "পল্লী সমাজসেবা কার্যক্রম (আরএসএস)";
        Rmc => "rmc", "Rural mother centres (RMC)", "পল্লী মাতৃকেন্দ্র (আরএমসি)";
        BurnDisabilityRehabilitation => "burn_disability_rehabilitation",
            "Rehabilitation of burn victims and persons with disabilities", "দগ্ধ ও প্রতিবন্ধী ব্যক্তিদের পুনর্বাসন কার্যক্রম";
        Ashrayan => "ashrayan", "Ashrayan (residents of the government barracks)", "আশ্রয়ণ প্রকল্প";
        UrbanCommunityDevelopment => "urban_community_development", "Urban community development", "শহর সমাজ উন্নয়ন কার্যক্রম";
    }
);

/// A programme's lending terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Terms {
    /// The service charge, a flat percentage of the principal for the whole loan.
    pub charge_percent: u32,
    pub min_loan_taka: i64,
    /// The ceiling of a borrower's first loan in the programme.
    pub first_loan_max_taka: i64,
    /// The ceiling of a repeat loan (after the previous one is repaid).
    pub repeat_loan_max_taka: i64,
    /// Equal monthly instalments.
    pub instalments: u32,
    /// Months from disbursement to the first instalment (the grace period, plus one).
    pub first_due_after_months: u32,
    /// How repayments are split between charge and principal.
    pub strategy: super::repayment::AllocationStrategy,
}

impl MicrocreditProgramme {
    /// The terms in force. Ten monthly instalments from the second month after disbursement:
    /// the last falls within one year.
    pub fn terms(self) -> Terms {
        let charge_percent = match self {
            MicrocreditProgramme::Rss | MicrocreditProgramme::Rmc | MicrocreditProgramme::UrbanCommunityDevelopment => 10,
            MicrocreditProgramme::BurnDisabilityRehabilitation => 5,
            MicrocreditProgramme::Ashrayan => 8,
        };
        Terms {
            charge_percent,
            min_loan_taka: 5_000,
            first_loan_max_taka: 20_000,
            repeat_loan_max_taka: 30_000,
            instalments: 10,
            first_due_after_months: 2,
            strategy: super::repayment::AllocationStrategy::ChargeFirst,
        }
    }
}
