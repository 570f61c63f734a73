//! A loan's life: applied, decided by the project implementation committee, disbursed,
//! repaid (closed) or written off with a second officer's approval.

use chrono::NaiveDate;

use super::programme::MicrocreditProgramme;
use super::refusal;
use crate::code_list::code_list;
use crate::id::UserId;
use crate::rule::{RuleClass, RuleRefusal};

code_list!(
    /// Where a loan stands.
    LoanStatus {
        Applied => "applied", "Applied", "আবেদিত";
        Approved => "approved", "Approved by the committee", "কমিটি কর্তৃক অনুমোদিত";
        Rejected => "rejected", "Rejected by the committee", "কমিটি কর্তৃক নামঞ্জুর";
        Active => "active", "Disbursed, being repaid", "বিতরণকৃত, আদায় চলছে";
        Closed => "closed", "Repaid", "পরিশোধিত";
        WrittenOff => "written_off", "Written off", "অবলোপিত";
    }
);

code_list!(
    /// How a loan reached the borrower.
    DisbursementMethod {
        MobileMoney => "mobile_money", "Mobile money", "মোবাইল ব্যাংকিং";
        Cash => "cash", "Cash, against a receipt", "নগদ (রশিদের বিপরীতে)";
    }
);

code_list!(
    /// How a repayment was made.
    RepaymentMethod {
        Cash => "cash", "Cash, against a receipt", "নগদ (রশিদের বিপরীতে)";
        MobileMoney => "mobile_money", "Mobile money", "মোবাইল ব্যাংকিং";
    }
);

impl LoanStatus {
    /// Applied, approved or being repaid: a person has at most one such loan.
    pub fn is_open(self) -> bool {
        matches!(self, LoanStatus::Applied | LoanStatus::Approved | LoanStatus::Active)
    }
}

/// What the rules need to know of a borrower's other loans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BorrowerHistory {
    /// Loans applied for, approved or being repaid, in any programme.
    pub open_loans: u32,
    /// Loans repaid in this programme (a repeat loan follows a repaid one).
    pub repaid_in_programme: u32,
    /// Loans written off in any programme.
    pub written_off: u32,
}

/// An application: the amount within the programme's ceilings (a first loan's lower than a
/// repeat loan's), at most one open loan per person across the programmes, and a repeat loan
/// only after the previous one was repaid (one written off bars another). Returns the loan's
/// cycle (1 for a first loan).
pub fn check_application(programme: MicrocreditProgramme, principal: i64, history: BorrowerHistory) -> Result<u32, RuleRefusal> {
    if history.open_loans > 0 {
        return Err(refusal(
            "microcredit.one_open_loan",
            "The person already has an open loan; a second loan needs the first one repaid",
            "এই ব্যক্তির একটি চলমান ঋণ আছে; দ্বিতীয় ঋণের জন্য প্রথমটি পরিশোধ করতে হবে",
            RuleClass::Conflict,
        ));
    }
    if history.written_off > 0 {
        return Err(refusal(
            "microcredit.previous_repaid",
            "A loan of this person was written off; no further loan is given",
            "এই ব্যক্তির একটি ঋণ অবলোপন করা হয়েছে; আর ঋণ দেওয়া যায় না",
            RuleClass::Conflict,
        ));
    }
    let terms = programme.terms();
    let repeat = history.repaid_in_programme > 0;
    let max = if repeat { terms.repeat_loan_max_taka } else { terms.first_loan_max_taka };
    if principal < terms.min_loan_taka || principal > max {
        return Err(refusal(
            "microcredit.loan_amount",
            "The amount is outside the programme's limits for this loan (first loan or repeat loan)",
            "ঋণের পরিমাণ কর্মসূচির সীমার বাইরে (প্রথম বা পুনরাবৃত্ত ঋণ)",
            RuleClass::Invalid,
        ));
    }
    Ok(history.repaid_in_programme + 1)
}

fn status_order(en: &'static str, bn: &'static str) -> RuleRefusal {
    refusal("microcredit.status_order", en, bn, RuleClass::Conflict)
}

/// The committee decides an application once.
pub fn may_decide(status: LoanStatus) -> Result<(), RuleRefusal> {
    match status {
        LoanStatus::Applied => Ok(()),
        _ => Err(status_order("The committee has already decided this application", "কমিটি এই আবেদনের সিদ্ধান্ত ইতিমধ্যে দিয়েছে")),
    }
}

/// Only an approved loan is disbursed, once.
pub fn may_disburse(status: LoanStatus) -> Result<(), RuleRefusal> {
    match status {
        LoanStatus::Approved => Ok(()),
        _ => Err(status_order("Only an approved loan can be disbursed", "কেবল অনুমোদিত ঋণ বিতরণ করা যায়")),
    }
}

/// Repayments are taken on a disbursed loan with something outstanding.
pub fn may_repay(status: LoanStatus) -> Result<(), RuleRefusal> {
    match status {
        LoanStatus::Active => Ok(()),
        _ => {
            Err(status_order("Repayments are taken only on a disbursed, unpaid loan", "কেবল বিতরণকৃত অপরিশোধিত ঋণে কিস্তি নেওয়া যায়"))
        }
    }
}

/// A date of work lies neither in the future nor before the loan's previous step.
pub fn check_day(day: NaiveDate, not_before: NaiveDate, today: NaiveDate) -> Result<(), RuleRefusal> {
    if day > today || day < not_before {
        return Err(refusal(
            "microcredit.date",
            "The date is in the future or before the loan's previous step",
            "তারিখটি ভবিষ্যতের বা ঋণের আগের ধাপের আগের",
            RuleClass::Invalid,
        ));
    }
    Ok(())
}

/// A write-off is requested on an active loan, with a reason.
pub fn may_request_write_off(status: LoanStatus, pending: bool, reason: &str) -> Result<(), RuleRefusal> {
    may_repay(status)?;
    if pending {
        return Err(status_order("A write-off is already awaiting approval", "একটি অবলোপন ইতিমধ্যে অনুমোদনের অপেক্ষায়"));
    }
    if reason.trim().is_empty() {
        return Err(refusal(
            "microcredit.write_off_reason",
            "A write-off needs a reason",
            "অবলোপনের কারণ লিখতে হবে",
            RuleClass::Invalid,
        ));
    }
    Ok(())
}

/// A write-off is approved by an officer other than the one who asked for it.
pub fn may_approve_write_off(pending_from: Option<UserId>, approver: UserId) -> Result<(), RuleRefusal> {
    match pending_from {
        None => Err(status_order("No write-off is awaiting approval", "কোনো অবলোপন অনুমোদনের অপেক্ষায় নেই")),
        Some(requester) if requester == approver => Err(refusal(
            "microcredit.write_off_four_eyes",
            "A write-off must be approved by an officer other than the one who requested it",
            "যিনি অবলোপনের অনুরোধ করেছেন তিনি তা অনুমোদন করতে পারবেন না",
            RuleClass::Conflict,
        )),
        Some(_) => Ok(()),
    }
}

/// A loan as a disbursement sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanFacts {
    pub status: LoanStatus,
    pub programme: MicrocreditProgramme,
    pub principal: i64,
    pub charge: i64,
    /// The day of the loan's previous step: no disbursement before it.
    pub not_before: NaiveDate,
}

/// A disbursement the domain decided: the fund's ledger entries (recovered principal
/// reinvested first, then capital, never more than the fund holds) and the schedule of instalments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisbursementPlan {
    pub entries: Vec<(super::fund::FundEntryKind, i64)>,
    pub from_capital: i64,
    pub from_recoveries: i64,
    pub schedule: Vec<super::schedule::Instalment>,
}

/// Disburses an approved loan on `on` from a fund in position `fund`: the money movements and
/// the schedule, or the rule that refuses it.
pub fn plan_disbursement(
    loan: LoanFacts,
    fund: super::fund::FundPosition,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<DisbursementPlan, RuleRefusal> {
    use super::fund::FundEntryKind;
    use super::schedule::{schedule, Holidays};
    may_disburse(loan.status)?;
    check_day(on, loan.not_before, today)?;
    let draw = fund.draw(loan.principal)?;
    let terms = loan.programme.terms();
    let year = chrono::Datelike::year(&on);
    let instalments = schedule(
        loan.principal,
        loan.charge,
        terms.instalments,
        on,
        terms.first_due_after_months,
        &Holidays::fixed_dates(year..=year + 2),
    );
    Ok(DisbursementPlan {
        entries: vec![(FundEntryKind::Invested, draw.from_capital), (FundEntryKind::Reinvested, draw.from_recoveries)],
        from_capital: draw.from_capital,
        from_recoveries: draw.from_recoveries,
        schedule: instalments,
    })
}

/// The decision on a pending write-off, by `approver`: approved, the outstanding principal
/// leaves the fund as written off (the one ledger entry); declined, nothing moves.
pub fn plan_write_off(
    status: LoanStatus,
    pending_from: Option<UserId>,
    approver: UserId,
    approve: bool,
    outstanding_principal: i64,
) -> Result<Vec<(super::fund::FundEntryKind, i64)>, RuleRefusal> {
    may_approve_write_off(pending_from, approver)?;
    may_repay(status)?;
    Ok(if approve { vec![(super::fund::FundEntryKind::WrittenOff, outstanding_principal)] } else { vec![] })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn applications_respect_ceilings_and_one_open_loan() {
        let p = MicrocreditProgramme::Rss;
        let first = BorrowerHistory::default();
        assert_eq!(check_application(p, 20_000, first), Ok(1));
        assert_eq!(check_application(p, 25_000, first).unwrap_err().rule, "microcredit.loan_amount");
        assert_eq!(check_application(p, 4_999, first).unwrap_err().rule, "microcredit.loan_amount");
        let repeat = BorrowerHistory { repaid_in_programme: 1, ..first };
        assert_eq!(check_application(p, 30_000, repeat), Ok(2));
        assert_eq!(check_application(p, 30_001, repeat).unwrap_err().rule, "microcredit.loan_amount");
        let open = BorrowerHistory { open_loans: 1, ..repeat };
        assert_eq!(check_application(p, 10_000, open).unwrap_err().rule, "microcredit.one_open_loan");
        let bad = BorrowerHistory { written_off: 1, ..first };
        assert_eq!(check_application(p, 10_000, bad).unwrap_err().rule, "microcredit.previous_repaid");
    }

    #[test]
    fn the_life_of_a_loan_in_order() {
        assert!(may_decide(LoanStatus::Applied).is_ok());
        assert!(may_decide(LoanStatus::Approved).is_err());
        assert!(may_disburse(LoanStatus::Approved).is_ok());
        assert!(may_disburse(LoanStatus::Active).is_err());
        assert!(may_repay(LoanStatus::Closed).is_err());
        assert_eq!(may_request_write_off(LoanStatus::Active, false, " ").unwrap_err().rule, "microcredit.write_off_reason");
        assert!(may_request_write_off(LoanStatus::Active, true, "died").is_err());
        let (a, b) = (UserId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2)));
        assert_eq!(may_approve_write_off(Some(a), a).unwrap_err().rule, "microcredit.write_off_four_eyes");
        assert!(may_approve_write_off(Some(a), b).is_ok());
        assert!(may_approve_write_off(None, b).is_err());
    }

    #[test]
    fn a_disbursement_reinvests_recoveries_first_and_schedules_the_whole_amount() {
        use crate::microcredit::fund::{FundEntryKind, FundPosition};
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let loan = LoanFacts {
            status: LoanStatus::Approved,
            programme: MicrocreditProgramme::Rss,
            principal: 30_000,
            charge: 3_000,
            not_before: d(3, 1),
        };
        let fund = FundPosition { capital_received: 50_000, principal_recovered: 20_000, ..FundPosition::default() };
        let plan = plan_disbursement(loan, fund, d(3, 5), d(3, 10)).unwrap();
        assert_eq!(plan.entries, vec![(FundEntryKind::Invested, 10_000), (FundEntryKind::Reinvested, 20_000)]);
        assert_eq!(plan.schedule.iter().map(|i| i.principal + i.charge).sum::<i64>(), 33_000);
        assert!(plan_disbursement(loan, fund, d(2, 28), d(3, 10)).is_err(), "before the previous step");
        assert!(plan_disbursement(loan, fund, d(3, 11), d(3, 10)).is_err(), "in the future");
        assert!(plan_disbursement(LoanFacts { status: LoanStatus::Applied, ..loan }, fund, d(3, 5), d(3, 10)).is_err());
        let poor = FundPosition { capital_received: 10_000, ..FundPosition::default() };
        assert!(plan_disbursement(loan, poor, d(3, 5), d(3, 10)).is_err(), "the fund cannot cover it");
    }

    #[test]
    fn an_approved_write_off_moves_the_outstanding_principal_once() {
        use crate::microcredit::fund::FundEntryKind;
        let (asker, other) = (UserId(uuid::Uuid::from_u128(1)), UserId(uuid::Uuid::from_u128(2)));
        assert_eq!(
            plan_write_off(LoanStatus::Active, Some(asker), other, true, 7_000),
            Ok(vec![(FundEntryKind::WrittenOff, 7_000)])
        );
        assert_eq!(plan_write_off(LoanStatus::Active, Some(asker), other, false, 7_000), Ok(vec![]));
        assert!(plan_write_off(LoanStatus::Active, Some(asker), asker, true, 7_000).is_err(), "four eyes");
        assert!(plan_write_off(LoanStatus::Active, None, other, true, 7_000).is_err(), "nothing pending");
    }
}
