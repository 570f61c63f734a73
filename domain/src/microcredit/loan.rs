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
    /// Loans repaid, in any of the microcredit programmes: a repeat loan follows a repaid
    /// one, whichever programme lent it (one borrower, one credit history).
    pub repaid: u32,
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
    let repeat = history.repaid > 0;
    let max = if repeat { terms.repeat_loan_max_taka } else { terms.first_loan_max_taka };
    if principal < terms.min_loan_taka || principal > max {
        return Err(refusal(
            "microcredit.loan_amount",
            "The amount is outside the programme's limits for this loan (first loan or repeat loan)",
            "ঋণের পরিমাণ কর্মসূচির সীমার বাইরে (প্রথম বা পুনরাবৃত্ত ঋণ)",
            RuleClass::Invalid,
        ));
    }
    Ok(history.repaid + 1)
}

/// What shows that a person may borrow from the rehabilitation programme for burn victims
/// and persons with disabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RehabilitationEvidence {
    /// A hospital social-services record of her as a burn victim.
    pub burn_record: bool,
    /// An entry in the disability register.
    pub disability_record: bool,
}

/// `microcredit.rehabilitation_eligibility`: the burn and disability rehabilitation
/// programme lends to burn victims and persons with disabilities, as their records show;
/// the other programmes ask for neither.
pub fn check_rehabilitation(programme: MicrocreditProgramme, evidence: RehabilitationEvidence) -> Result<(), RuleRefusal> {
    if programme == MicrocreditProgramme::BurnDisabilityRehabilitation && !evidence.burn_record && !evidence.disability_record {
        return Err(refusal(
            "microcredit.rehabilitation_eligibility",
            "This programme lends to burn victims and persons with disabilities: no hospital burn record or disability register entry shows her to be one",
            "এই কর্মসূচির ঋণ দগ্ধ ও প্রতিবন্ধী ব্যক্তিদের জন্য: হাসপাতালের দগ্ধ রোগীর রেকর্ড বা প্রতিবন্ধিতা নিবন্ধনে তাঁর নাম নেই",
            RuleClass::Invalid,
        ));
    }
    Ok(())
}

/// The days an application follows: the work group was formed, then she joined it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MembershipDays {
    pub group_formed_on: NaiveDate,
    pub joined_on: NaiveDate,
}

/// An application is dated neither in the future (`microcredit.date`), nor before her work
/// group was formed (`microcredit.applied_before_group_formed`), nor before she joined it
/// (`microcredit.applied_before_joining`).
pub fn check_application_day(applied_on: NaiveDate, days: MembershipDays, today: NaiveDate) -> Result<(), RuleRefusal> {
    check_day(applied_on, NaiveDate::MIN, today)?;
    if applied_on < days.group_formed_on {
        return Err(refusal(
            "microcredit.applied_before_group_formed",
            "The application is dated before her work group was formed",
            "আবেদনের তারিখ কর্মদল গঠনের তারিখের আগের",
            RuleClass::Invalid,
        ));
    }
    if applied_on < days.joined_on {
        return Err(refusal(
            "microcredit.applied_before_joining",
            "The application is dated before she joined the work group",
            "আবেদনের তারিখ কর্মদলে যোগদানের তারিখের আগের",
            RuleClass::Invalid,
        ));
    }
    Ok(())
}

/// A member joins neither in the future nor before the group was formed
/// (`microcredit.joined_before_group_formed`).
pub fn check_joining_day(joined_on: NaiveDate, group_formed_on: NaiveDate, today: NaiveDate) -> Result<(), RuleRefusal> {
    check_day(joined_on, NaiveDate::MIN, today)?;
    if joined_on < group_formed_on {
        return Err(refusal(
            "microcredit.joined_before_group_formed",
            "A member cannot join before the work group was formed",
            "কর্মদল গঠনের আগে সদস্য হওয়া যায় না",
            RuleClass::Invalid,
        ));
    }
    Ok(())
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
    /// The day the committee approved it: no disbursement before it.
    pub approved_on: NaiveDate,
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
    check_day(on, NaiveDate::MIN, today)?;
    if on < loan.approved_on {
        return Err(refusal(
            "microcredit.disbursed_before_approval",
            "A loan cannot be disbursed before the committee approved it",
            "কমিটির অনুমোদনের আগে ঋণ বিতরণ করা যায় না",
            RuleClass::Invalid,
        ));
    }
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

/// What an approved write-off does: the principal that leaves the fund, and the service
/// charge that will never be collected (forgone: the fund never held it, so no ledger entry
/// moves, but the decision says so).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteOffPlan {
    pub entries: Vec<(super::fund::FundEntryKind, i64)>,
    pub principal_written_off: i64,
    pub charge_forgone: i64,
}

/// The decision on a pending write-off, by `approver`: approved, the outstanding principal
/// leaves the fund as written off (the one ledger entry) and the unpaid charge is forgone;
/// declined, nothing moves.
pub fn plan_write_off(
    status: LoanStatus,
    pending_from: Option<UserId>,
    approver: UserId,
    approve: bool,
    outstanding: (i64, i64),
) -> Result<WriteOffPlan, RuleRefusal> {
    may_approve_write_off(pending_from, approver)?;
    may_repay(status)?;
    let (principal, charge) = outstanding;
    Ok(if approve {
        WriteOffPlan {
            entries: vec![(super::fund::FundEntryKind::WrittenOff, principal)],
            principal_written_off: principal,
            charge_forgone: charge,
        }
    } else {
        WriteOffPlan::default()
    })
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
        let repeat = BorrowerHistory { repaid: 1, ..first };
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
            approved_on: d(3, 1),
        };
        let fund = FundPosition { capital_received: 50_000, principal_recovered: 20_000, ..FundPosition::default() };
        let plan = plan_disbursement(loan, fund, d(3, 5), d(3, 10)).unwrap();
        assert_eq!(plan.entries, vec![(FundEntryKind::Invested, 10_000), (FundEntryKind::Reinvested, 20_000)]);
        assert_eq!(plan.schedule.iter().map(|i| i.principal + i.charge).sum::<i64>(), 33_000);
        assert_eq!(plan_disbursement(loan, fund, d(2, 28), d(3, 10)).unwrap_err().rule, "microcredit.disbursed_before_approval");
        assert!(plan_disbursement(loan, fund, d(3, 1), d(3, 10)).is_ok(), "on the day of approval");
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
            plan_write_off(LoanStatus::Active, Some(asker), other, true, (7_000, 700)),
            Ok(WriteOffPlan {
                entries: vec![(FundEntryKind::WrittenOff, 7_000)],
                principal_written_off: 7_000,
                charge_forgone: 700
            })
        );
        assert_eq!(plan_write_off(LoanStatus::Active, Some(asker), other, false, (7_000, 700)), Ok(WriteOffPlan::default()));
        assert!(plan_write_off(LoanStatus::Active, Some(asker), asker, true, (7_000, 700)).is_err(), "four eyes");
        assert!(plan_write_off(LoanStatus::Active, None, other, true, (7_000, 700)).is_err(), "nothing pending");
    }

    #[test]
    fn a_repeat_loan_follows_a_repaid_loan_of_any_programme() {
        // Repaid in RSS, now applying in RMC: a repeat loan, with the repeat ceiling.
        let h = BorrowerHistory { repaid: 1, ..BorrowerHistory::default() };
        assert_eq!(check_application(MicrocreditProgramme::Rmc, 30_000, h), Ok(2));
        assert_eq!(
            check_application(MicrocreditProgramme::Rmc, 30_000, BorrowerHistory::default()).unwrap_err().rule,
            "microcredit.loan_amount"
        );
    }

    #[test]
    fn rehabilitation_loans_need_a_burn_or_disability_record() {
        let none = RehabilitationEvidence::default();
        let p = MicrocreditProgramme::BurnDisabilityRehabilitation;
        assert_eq!(check_rehabilitation(p, none).unwrap_err().rule, "microcredit.rehabilitation_eligibility");
        assert!(check_rehabilitation(p, RehabilitationEvidence { burn_record: true, ..none }).is_ok());
        assert!(check_rehabilitation(p, RehabilitationEvidence { disability_record: true, ..none }).is_ok());
        assert!(check_rehabilitation(MicrocreditProgramme::Rss, none).is_ok(), "other programmes ask for neither");
    }

    #[test]
    fn each_step_is_dated_after_the_steps_before_it() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let days = MembershipDays { group_formed_on: d(3, 1), joined_on: d(3, 10) };
        let today = d(6, 1);
        assert_eq!(check_application_day(d(2, 28), days, today).unwrap_err().rule, "microcredit.applied_before_group_formed");
        assert_eq!(check_application_day(d(3, 5), days, today).unwrap_err().rule, "microcredit.applied_before_joining");
        assert_eq!(check_application_day(d(6, 2), days, today).unwrap_err().rule, "microcredit.date");
        assert!(check_application_day(d(3, 10), days, today).is_ok());
        assert_eq!(check_joining_day(d(2, 1), d(3, 1), today).unwrap_err().rule, "microcredit.joined_before_group_formed");
        assert_eq!(check_joining_day(d(7, 1), d(3, 1), today).unwrap_err().rule, "microcredit.date");
        assert!(check_joining_day(d(3, 1), d(3, 1), today).is_ok());
    }
}
