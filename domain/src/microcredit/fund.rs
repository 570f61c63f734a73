//! Revolving funds: an append-only ledger per fund and source, and the rules on its balance.
//! Principal recovered is lent again first ("re-invested"), and capital received ("invested")
//! only for what recoveries do not cover: the capital stays in reserve while the fund
//! revolves, as the offices' books show (capital not yet lent beside money re-invested). A
//! fund's balance never goes negative.

use serde::{Deserialize, Serialize};

use super::refusal;
use crate::code_list::code_list;
use crate::rule::{RuleClass, RuleRefusal};

code_list!(
    /// What a ledger entry records.
    FundEntryKind {
        CapitalReceived => "capital_received", "Capital received", "প্রাপ্ত মূলধন";
        Invested => "invested", "Lent from capital", "মূলধন থেকে বিনিয়োগ";
        Reinvested => "reinvested", "Lent again from recoveries", "আদায় থেকে পুনঃবিনিয়োগ";
        PrincipalRecovered => "principal_recovered", "Principal recovered", "আসল আদায়";
        ChargeCollected => "charge_collected", "Service charge collected", "সার্ভিস চার্জ আদায়";
        WrittenOff => "written_off", "Written off", "অবলোপন";
    }
);

/// A fund's running totals, the sum of its ledger by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundPosition {
    pub capital_received: i64,
    pub invested: i64,
    pub reinvested: i64,
    pub principal_recovered: i64,
    pub charge_collected: i64,
    pub written_off: i64,
}

/// Where a disbursement's money comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draw {
    pub from_capital: i64,
    pub from_recoveries: i64,
}

impl FundPosition {
    /// Capital not yet lent.
    pub fn capital_available(&self) -> i64 {
        self.capital_received - self.invested
    }

    /// Recovered principal not yet lent again.
    pub fn recoveries_available(&self) -> i64 {
        self.principal_recovered - self.reinvested
    }

    /// Cash in hand: what a disbursement may draw on.
    pub fn balance(&self) -> i64 {
        self.capital_available() + self.recoveries_available()
    }

    /// Principal lent and neither recovered nor written off.
    pub fn outstanding(&self) -> i64 {
        self.invested + self.reinvested - self.principal_recovered - self.written_off
    }

    /// The share of principal lent that has come back, in tenths of a percent.
    pub fn recovery_permille(&self) -> Option<i64> {
        let lent = self.invested + self.reinvested;
        (lent > 0).then(|| self.principal_recovered * 1000 / lent)
    }

    /// Takes `amount` for a loan: recovered principal first, then capital. Refused when the
    /// fund's balance would go negative.
    pub fn draw(&self, amount: i64) -> Result<Draw, RuleRefusal> {
        if amount <= 0 || amount > self.balance() {
            return Err(refusal(
                "fund.balance",
                "The fund does not hold enough to lend this amount",
                "তহবিলে এই পরিমাণ ঋণ দেওয়ার মতো অর্থ নেই",
                RuleClass::Conflict,
            ));
        }
        let from_recoveries = amount.min(self.recoveries_available());
        Ok(Draw { from_capital: amount - from_recoveries, from_recoveries })
    }

    /// The position after an entry.
    pub fn with(mut self, kind: FundEntryKind, amount: i64) -> FundPosition {
        match kind {
            FundEntryKind::CapitalReceived => self.capital_received += amount,
            FundEntryKind::Invested => self.invested += amount,
            FundEntryKind::Reinvested => self.reinvested += amount,
            FundEntryKind::PrincipalRecovered => self.principal_recovered += amount,
            FundEntryKind::ChargeCollected => self.charge_collected += amount,
            FundEntryKind::WrittenOff => self.written_off += amount,
        }
        self
    }

    /// Whether the position could have come from a valid ledger (nothing negative).
    pub fn is_consistent(&self) -> bool {
        self.capital_available() >= 0 && self.recoveries_available() >= 0 && self.outstanding() >= 0
    }
}

/// Capital received must be a positive amount.
pub fn check_capital(amount: i64) -> Result<(), RuleRefusal> {
    if amount <= 0 {
        return Err(refusal(
            "fund.capital_positive",
            "Capital received is a positive amount",
            "প্রাপ্ত মূলধন শূন্যের বেশি হতে হবে",
            RuleClass::Invalid,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn recoveries_first_then_capital_and_never_below_zero() {
        let f = FundPosition::default().with(FundEntryKind::CapitalReceived, 10_000);
        assert_eq!(f.draw(6_000).unwrap(), Draw { from_capital: 6_000, from_recoveries: 0 });
        let f = f.with(FundEntryKind::Invested, 6_000).with(FundEntryKind::PrincipalRecovered, 3_000);
        assert_eq!(f.balance(), 7_000);
        assert_eq!(f.draw(2_000).unwrap(), Draw { from_capital: 0, from_recoveries: 2_000 });
        assert_eq!(f.draw(5_000).unwrap(), Draw { from_capital: 2_000, from_recoveries: 3_000 });
        assert_eq!(f.draw(7_001).unwrap_err().rule, "fund.balance");
        assert_eq!(f.draw(0).unwrap_err().rule, "fund.balance");
        assert_eq!(f.outstanding(), 3_000);
        assert_eq!(f.recovery_permille(), Some(500));
    }

    proptest! {
        #[test]
        fn no_sequence_of_allowed_draws_overdraws(ops in prop::collection::vec((0u8..3, 1i64..20_000), 1..60)) {
            let mut f = FundPosition::default();
            for (op, amount) in ops {
                match op {
                    0 => f = f.with(FundEntryKind::CapitalReceived, amount),
                    1 => {
                        if let Ok(d) = f.draw(amount) {
                            prop_assert_eq!(d.from_capital + d.from_recoveries, amount);
                            f = f.with(FundEntryKind::Invested, d.from_capital).with(FundEntryKind::Reinvested, d.from_recoveries);
                        }
                    }
                    _ => {
                        let back = amount.min(f.outstanding());
                        if back > 0 {
                            f = f.with(FundEntryKind::PrincipalRecovered, back);
                        }
                    }
                }
                prop_assert!(f.is_consistent(), "{:?}", f);
            }
        }
    }
}
