//! Interest-free microcredit with a service charge, lent from revolving funds: programmes as
//! data, repayment schedules, allocation of repayments, arrears ageing, the loan's life and
//! the fund ledger's rules. Integer taka throughout.

pub mod arrears;
pub mod fund;
pub mod loan;
pub mod programme;
pub mod repayment;
pub mod schedule;

use crate::rule::{RuleClass, RuleRefusal};
use crate::Label;

fn refusal(rule: &'static str, en: &'static str, bn: &'static str, class: RuleClass) -> RuleRefusal {
    RuleRefusal { rule, class, label: Label::new(en, bn) }
}

/// A person joins a work group once.
pub const ALREADY_A_MEMBER: RuleRefusal =
    RuleRefusal::conflict("microcredit.already_a_member", "The person already belongs to the group", "ব্যক্তি ইতিমধ্যে দলের সদস্য");
