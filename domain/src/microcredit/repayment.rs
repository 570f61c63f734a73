//! Allocating a repayment to a loan's instalments, oldest first, by a named strategy.

use serde::{Deserialize, Serialize};

use super::refusal;
use crate::code_list::code_list;
use crate::rule::{RuleClass, RuleRefusal};

code_list!(
    /// How a repayment is split between service charge and principal within each instalment.
    AllocationStrategy {
        ChargeFirst => "charge_first", "Service charge first", "আগে সার্ভিস চার্জ";
        PrincipalFirst => "principal_first", "Principal first", "আগে আসল";
    }
);

/// An instalment with what has been paid against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalmentState {
    pub no: u32,
    pub due_on: chrono::NaiveDate,
    pub principal: i64,
    pub charge: i64,
    pub paid_principal: i64,
    pub paid_charge: i64,
}

impl InstalmentState {
    pub fn outstanding(&self) -> i64 {
        self.principal - self.paid_principal + self.charge - self.paid_charge
    }
}

/// What one repayment pays on one instalment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocated {
    pub no: u32,
    pub principal: i64,
    pub charge: i64,
}

/// Splits `amount` over the instalments, oldest first: within each, the charge before the
/// principal or the other way round. A repayment may be partial, exact or early (paying
/// instalments not yet due); it may not exceed what is outstanding.
pub fn allocate(
    amount: i64,
    instalments: &[InstalmentState],
    strategy: AllocationStrategy,
) -> Result<Vec<Allocated>, RuleRefusal> {
    if amount <= 0 {
        return Err(refusal(
            "repayment.positive",
            "A repayment is a positive amount of taka",
            "কিস্তির পরিমাণ শূন্যের বেশি হতে হবে",
            RuleClass::Invalid,
        ));
    }
    let outstanding: i64 = instalments.iter().map(InstalmentState::outstanding).sum();
    if amount > outstanding {
        return Err(refusal(
            "repayment.exceeds_outstanding",
            "The repayment is more than the loan has outstanding",
            "পরিশোধের পরিমাণ ঋণের বকেয়ার চেয়ে বেশি",
            RuleClass::Invalid,
        ));
    }
    let mut left = amount;
    let mut out = Vec::new();
    let mut ordered: Vec<&InstalmentState> = instalments.iter().collect();
    ordered.sort_by_key(|i| (i.due_on, i.no));
    for i in ordered {
        if left == 0 {
            break;
        }
        let (charge_due, principal_due) = (i.charge - i.paid_charge, i.principal - i.paid_principal);
        let mut take = |due: i64| {
            let t = due.min(left);
            left -= t;
            t
        };
        let (charge, principal) = match strategy {
            AllocationStrategy::ChargeFirst => {
                let c = take(charge_due);
                (c, take(principal_due))
            }
            AllocationStrategy::PrincipalFirst => {
                let p = take(principal_due);
                (take(charge_due), p)
            }
        };
        if charge + principal > 0 {
            out.push(Allocated { no: i.no, principal, charge });
        }
    }
    Ok(out)
}

/// Applies allocations to the instalments (what the loan looks like after the repayment).
pub fn apply(instalments: &mut [InstalmentState], allocations: &[Allocated]) {
    for a in allocations {
        if let Some(i) = instalments.iter_mut().find(|i| i.no == a.no) {
            i.paid_principal += a.principal;
            i.paid_charge += a.charge;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::microcredit::schedule::{schedule, service_charge, Holidays};
    use proptest::prelude::*;

    fn states(principal: i64, percent: u32) -> Vec<InstalmentState> {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 1, 4).unwrap();
        schedule(principal, service_charge(principal, percent), 10, d, 2, &Holidays::default())
            .into_iter()
            .map(|i| InstalmentState {
                no: i.no,
                due_on: i.due_on,
                principal: i.principal,
                charge: i.charge,
                paid_principal: 0,
                paid_charge: 0,
            })
            .collect()
    }

    #[test]
    fn strategies_split_a_partial_payment_differently() {
        let s = states(10_000, 10); // 1,000 principal + 100 charge per instalment
        let c = allocate(1_150, &s, AllocationStrategy::ChargeFirst).unwrap();
        assert_eq!(c, vec![Allocated { no: 1, principal: 1_000, charge: 100 }, Allocated { no: 2, principal: 0, charge: 50 }]);
        let p = allocate(1_150, &s, AllocationStrategy::PrincipalFirst).unwrap();
        assert_eq!(p, vec![Allocated { no: 1, principal: 1_000, charge: 100 }, Allocated { no: 2, principal: 50, charge: 0 }]);
        let p = allocate(500, &s, AllocationStrategy::PrincipalFirst).unwrap();
        assert_eq!(p, vec![Allocated { no: 1, principal: 500, charge: 0 }]);
    }

    #[test]
    fn nothing_beyond_what_is_outstanding_and_nothing_not_positive() {
        let s = states(10_000, 10);
        assert_eq!(allocate(11_001, &s, AllocationStrategy::ChargeFirst).unwrap_err().rule, "repayment.exceeds_outstanding");
        assert_eq!(allocate(0, &s, AllocationStrategy::ChargeFirst).unwrap_err().rule, "repayment.positive");
        // Early repayment of everything closes every instalment.
        let mut s2 = s.clone();
        let all = allocate(11_000, &s2, AllocationStrategy::PrincipalFirst).unwrap();
        apply(&mut s2, &all);
        assert!(s2.iter().all(|i| i.outstanding() == 0));
    }

    proptest! {
        #[test]
        fn any_sequence_of_payments_allocates_exactly_what_was_paid(
            principal in 5_000i64..=30_000,
            payments in prop::collection::vec(1i64..5_000, 1..30),
            principal_first in any::<bool>(),
        ) {
            let strategy = if principal_first { AllocationStrategy::PrincipalFirst } else { AllocationStrategy::ChargeFirst };
            let mut s = states(principal, 10);
            let total: i64 = s.iter().map(InstalmentState::outstanding).sum();
            let mut paid = 0;
            for amount in payments {
                match allocate(amount, &s, strategy) {
                    Ok(a) => {
                        prop_assert_eq!(a.iter().map(|x| x.principal + x.charge).sum::<i64>(), amount);
                        apply(&mut s, &a);
                        paid += amount;
                    }
                    Err(e) => prop_assert_eq!(e.rule, "repayment.exceeds_outstanding"),
                }
                for i in &s {
                    prop_assert!(i.paid_principal <= i.principal && i.paid_charge <= i.charge);
                    prop_assert!(i.paid_principal >= 0 && i.paid_charge >= 0);
                }
                // Oldest first: no instalment has anything paid while an earlier one owes.
                for w in s.windows(2) {
                    prop_assert!(w[0].outstanding() == 0 || w[1].paid_principal + w[1].paid_charge == 0);
                }
            }
            prop_assert_eq!(s.iter().map(InstalmentState::outstanding).sum::<i64>(), total - paid);
        }
    }
}

/// One line of a collection sheet or mobile-money statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepaymentLine {
    pub line: usize,
    pub loan_number: String,
    pub reference: String,
    pub paid_on: chrono::NaiveDate,
    pub amount: i64,
    pub method: super::loan::RepaymentMethod,
}

/// The header a repayment file starts with.
pub const REPAYMENT_HEADER: &str = "loan_number,reference,paid_on,amount_taka,method";

/// The lines of a repayment file that read well, and the errors of those that did not.
pub type ParsedFile = (Vec<RepaymentLine>, Vec<crate::allowance::payroll::LineError>);

/// Reads a repayment file (CSV, RFC 4180: quoted fields, LF or CRLF, a byte-order mark, blank
/// lines skipped; amounts in ASCII or Bangla digits). A file that cannot be read at all (no
/// header, empty) is an error; otherwise the good lines and every bad line, so that the lines
/// that read well can still be checked against the loans and all faults reported at once.
pub fn parse_file(text: &str) -> Result<ParsedFile, Vec<crate::allowance::payroll::LineError>> {
    use crate::allowance::payroll::LineError;
    let err = |line: usize, message: &str| LineError { line, message: message.to_owned() };
    let mut records = crate::csv_lines::records(text);
    match records.next() {
        Some((_, Ok(h))) if h.iter().collect::<Vec<_>>().join(",") == REPAYMENT_HEADER => {}
        Some((n, Ok(_))) => return Err(vec![err(n, "the first line must be: loan_number,reference,paid_on,amount_taka,method")]),
        Some((n, Err(_))) => return Err(vec![err(n, "the first line is not CSV")]),
        None => return Err(vec![err(1, "the file is empty")]),
    }
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for (n, record) in records {
        let Ok(record) = record else {
            errors.push(err(n, "not valid CSV (an unclosed quote?)"));
            continue;
        };
        let fields: Vec<&str> = record.iter().collect();
        let &[loan_number, reference, paid_on, amount, method] = fields.as_slice() else {
            errors.push(err(n, "expected 5 comma-separated fields"));
            continue;
        };
        if loan_number.is_empty() || reference.is_empty() || reference.chars().count() > 100 {
            errors.push(err(n, "a loan number and a reference (up to 100 characters) are required"));
            continue;
        }
        let Ok(paid_on) = chrono::NaiveDate::parse_from_str(&crate::digits::normalize_digits(paid_on), "%Y-%m-%d") else {
            errors.push(err(n, "paid_on is not a date (YYYY-MM-DD)"));
            continue;
        };
        let Some(amount) = crate::digits::parse_u64(amount).and_then(|a| i64::try_from(a).ok()).filter(|a| *a > 0) else {
            errors.push(err(n, "amount_taka is not a positive whole number of taka"));
            continue;
        };
        let Some(method) = super::loan::RepaymentMethod::parse(method) else {
            errors.push(err(n, "method must be cash or mobile_money"));
            continue;
        };
        if !seen.insert((loan_number.to_owned(), reference.to_owned())) {
            errors.push(err(n, "the same loan and reference appear twice"));
            continue;
        }
        out.push(RepaymentLine {
            line: n,
            loan_number: loan_number.to_owned(),
            reference: reference.to_owned(),
            paid_on,
            amount,
            method,
        });
    }
    Ok((out, errors))
}

#[cfg(test)]
mod file_tests {
    use super::*;

    #[test]
    fn repayment_files_report_every_bad_line() {
        let ok = format!("\u{feff}{REPAYMENT_HEADER}\r\nMC-2026-000001,R-1,2026-09-01,১১০০,cash\n\"MC-2026-000002\",\"TX,9\",2026-09-02,500,mobile_money\n");
        let (lines, errors) = parse_file(&ok).unwrap();
        assert!(errors.is_empty());
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].amount, lines[1].reference.as_str(), lines[1].line), (1100, "TX,9", 3));
        let bad = format!("{REPAYMENT_HEADER}\nMC-1,R-1,2026-09-31,100,cash\nMC-1,R-2,2026-09-01,-5,cash\nMC-1,R-3,2026-09-01,5,cheque\nMC-1,R-4,2026-09-01,5\nMC-1,R-5,2026-09-01,5,cash\nMC-1,R-5,2026-09-01,5,cash\n");
        let (good, errors) = parse_file(&bad).unwrap();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 3, 4, 5, 7]);
        assert_eq!(good.iter().map(|l| l.line).collect::<Vec<_>>(), [6], "the good line is kept for the loan checks");
        assert!(parse_file("loan,ref\n").is_err());
        assert!(parse_file("").is_err());
    }
}
