//! Payment cycles: their status order, four-eyes approval, and the provider result files.

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use crate::id::{PaymentId, UserId};
use crate::rule::{RuleClass, RuleRefusal};
use crate::Label;

/// draft -> generated -> approved -> reconciled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleStatus {
    Draft,
    Generated,
    Approved,
    Reconciled,
}

impl CycleStatus {
    pub const ALL: &'static [CycleStatus] =
        &[CycleStatus::Draft, CycleStatus::Generated, CycleStatus::Approved, CycleStatus::Reconciled];

    pub fn code(self) -> &'static str {
        match self {
            CycleStatus::Draft => "draft",
            CycleStatus::Generated => "generated",
            CycleStatus::Approved => "approved",
            CycleStatus::Reconciled => "reconciled",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [CycleStatus::Draft, CycleStatus::Generated, CycleStatus::Approved, CycleStatus::Reconciled]
            .into_iter()
            .find(|s| s.code() == code)
    }

    pub fn label(self) -> Label {
        match self {
            CycleStatus::Draft => Label::new("Draft", "খসড়া"),
            CycleStatus::Generated => Label::new("Payroll generated", "বেতন তালিকা প্রস্তুত"),
            CycleStatus::Approved => Label::new("Approved for payment", "পরিশোধের জন্য অনুমোদিত"),
            CycleStatus::Reconciled => Label::new("Reconciled", "সমন্বিত"),
        }
    }
}

fn refusal(rule: &'static str, en: &'static str, bn: &'static str, class: RuleClass) -> RuleRefusal {
    RuleRefusal { rule, class, label: Label::new(en, bn) }
}

/// A cycle covers whole months: from the first day of a month to the last day of a month, at
/// most twelve months, starting no earlier than the programme.
pub fn check_period(start: NaiveDate, end: NaiveDate) -> Result<(), RuleRefusal> {
    let whole = start.day() == 1 && end.succ_opt().is_some_and(|d| d.day() == 1) && end >= start;
    let months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32 + 1;
    if !whole || months > 12 {
        return Err(refusal(
            "payroll.period_whole_months",
            "A cycle runs from the first day of a month to the last day of a month, at most twelve months",
            "একটি চক্র কোনো মাসের প্রথম দিন থেকে কোনো মাসের শেষ দিন পর্যন্ত, সর্বোচ্চ বারো মাস",
            RuleClass::Invalid,
        ));
    }
    Ok(())
}

/// The cycles of a programme follow one calendar of periods: a new cycle has exactly the
/// period of any cycle it overlaps (another upazila's cycle for the same quarter), or overlaps
/// none. Then a month is paid at most once by a single check: one payment per beneficiary and
/// period start (the database enforces that with a plain unique index).
pub fn fits_calendar(start: NaiveDate, end: NaiveDate, others: &[(NaiveDate, NaiveDate)]) -> Result<(), RuleRefusal> {
    let clash = others.iter().any(|&(s, e)| s <= end && start <= e && (s, e) != (start, end));
    if clash {
        return Err(refusal(
            "payroll.one_calendar",
            "The period overlaps another cycle of this programme without being the same period",
            "সময়কালটি এই কর্মসূচির অন্য একটি চক্রের সঙ্গে আংশিকভাবে মিলে যায়",
            RuleClass::Conflict,
        ));
    }
    Ok(())
}

/// Generation runs on a draft, and again on a generated cycle until it is approved (adding
/// only who became payable since, such as a beneficiary whose held payment was reviewed).
pub fn may_generate(status: CycleStatus) -> Result<bool, RuleRefusal> {
    match status {
        CycleStatus::Draft | CycleStatus::Generated => Ok(true),
        _ => Err(refusal(
            "payroll.status_order",
            "The payroll is already approved",
            "বেতন তালিকা ইতিমধ্যে অনুমোদিত",
            RuleClass::Conflict,
        )),
    }
}

/// Approval needs a generated payroll and someone other than who generated it.
pub fn may_approve(status: CycleStatus, generated_by: Option<UserId>, approver: UserId) -> Result<(), RuleRefusal> {
    if status != CycleStatus::Generated {
        return Err(refusal(
            "payroll.status_order",
            "Only a generated payroll can be approved",
            "কেবল প্রস্তুত বেতন তালিকা অনুমোদন করা যায়",
            RuleClass::Conflict,
        ));
    }
    if generated_by == Some(approver) {
        return Err(refusal(
            "payroll.four_eyes",
            "The payroll must be approved by someone other than who generated it",
            "যিনি বেতন তালিকা প্রস্তুত করেছেন তিনি অনুমোদন করতে পারবেন না",
            RuleClass::Conflict,
        ));
    }
    Ok(())
}

/// One line of a provider's result file: `payment_id,status,reason,reference`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentResult {
    /// The line of the file (as an editor numbers it: blank lines count).
    pub line: usize,
    pub payment_id: PaymentId,
    pub paid: bool,
    pub reason: Option<String>,
    pub reference: Option<String>,
}

/// A problem on one line of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

/// The header a result file must start with.
pub const RESULT_HEADER: &str = "payment_id,status,reason,reference";

/// Parses a result file. All or nothing: any bad line makes the whole file refused, with
/// every bad line reported by the line an editor shows ([`crate::csv_lines::records`]).
pub fn parse_results(text: &str) -> Result<Vec<PaymentResult>, Vec<LineError>> {
    let err = |line: usize, message: &str| LineError { line, message: message.to_owned() };
    let mut records = crate::csv_lines::records(text);
    let header = match records.next() {
        Some((n, Ok(h))) if h.iter().collect::<Vec<_>>().join(",") == RESULT_HEADER => n,
        Some((n, Ok(_))) => return Err(vec![err(n, "the first line must be: payment_id,status,reason,reference")]),
        Some((n, Err(_))) => return Err(vec![err(n, "the first line is not CSV")]),
        None => return Err(vec![err(1, "the file is empty")]),
    };
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for (n, record) in records {
        let Ok(record) = record else {
            errors.push(err(n, "not valid CSV (an unclosed quote?)"));
            continue;
        };
        let fields: Vec<&str> = record.iter().collect();
        let &[payment_id, status, reason, reference] = fields.as_slice() else {
            errors.push(err(n, "expected 4 comma-separated fields"));
            continue;
        };
        let Ok(id) = Uuid::parse_str(payment_id) else {
            errors.push(err(n, "payment_id is not a UUID"));
            continue;
        };
        if !seen.insert(id) {
            errors.push(err(n, "payment_id appears twice"));
            continue;
        }
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        match status {
            "paid" => out.push(PaymentResult {
                line: n,
                payment_id: PaymentId(id),
                paid: true,
                reason: None,
                reference: opt(reference),
            }),
            "failed" if reason.is_empty() => errors.push(err(n, "a failed payment needs a reason")),
            "failed" => out.push(PaymentResult {
                line: n,
                payment_id: PaymentId(id),
                paid: false,
                reason: opt(reason),
                reference: opt(reference),
            }),
            _ => errors.push(err(n, "status must be paid or failed")),
        }
    }
    if out.is_empty() && errors.is_empty() {
        // (A header alone is a provider's export gone wrong, not a file that settles nothing.)
        return Err(vec![err(header, "no results follow the header: a line per payment is expected")]);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

crate::text_code!(CycleStatus);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_are_whole_months() {
        assert!(check_period(d(2025, 7, 1), d(2025, 9, 30)).is_ok());
        assert!(check_period(d(2025, 5, 1), d(2025, 7, 31)).is_ok(), "across a fiscal year");
        assert!(check_period(d(2025, 7, 2), d(2025, 9, 30)).is_err());
        assert!(check_period(d(2025, 7, 1), d(2025, 9, 29)).is_err());
        assert!(check_period(d(2025, 7, 1), d(2026, 7, 31)).is_err(), "13 months");
        assert!(check_period(d(2025, 7, 1), d(2025, 6, 30)).is_err());
    }

    #[test]
    fn approval_needs_a_generated_payroll_and_another_person() {
        let (a, b) = (UserId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2)));
        assert_eq!(may_generate(CycleStatus::Draft), Ok(true));
        assert_eq!(may_generate(CycleStatus::Generated), Ok(true));
        assert!(may_generate(CycleStatus::Approved).is_err());
        assert!(may_approve(CycleStatus::Generated, Some(a), b).is_ok());
        assert_eq!(may_approve(CycleStatus::Generated, Some(a), a).unwrap_err().rule, "payroll.four_eyes");
        assert!(may_approve(CycleStatus::Draft, None, b).is_err());
    }

    #[test]
    fn result_files() {
        let id1 = Uuid::from_u128(1);
        let id2 = Uuid::from_u128(2);
        let ok = format!("{RESULT_HEADER}\n{id1},paid,,TX123\n{id2},failed,wallet_closed,\n");
        let rows = parse_results(&ok).unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].paid && rows[0].reference.as_deref() == Some("TX123"));
        assert_eq!(rows[1].reason.as_deref(), Some("wallet_closed"));
        let bad = format!("{RESULT_HEADER}\n{id1},paid,,\nnot-a-uuid,paid,,\n{id2},failed,,\n{id1},paid,,\n{id2},maybe,x,\n");
        let errors = parse_results(&bad).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [3, 4, 5, 6]);
        assert_eq!(parse_results("id,status\n").unwrap_err()[0].line, 1);
        assert!(parse_results("").is_err());
        // A header with no lines after it (blank ones at most) is refused, not applied as nothing.
        for empty in [format!("{RESULT_HEADER}\n"), RESULT_HEADER.to_string(), format!("{RESULT_HEADER}\n\n\n")] {
            let errors = parse_results(&empty).unwrap_err();
            assert_eq!((errors.len(), errors[0].line), (1, 1), "{empty:?}");
            assert!(errors[0].message.contains("no results"));
        }
        // Quoted fields (a reason with a comma), CRLF line ends, a byte-order mark, blank lines.
        let quoted = format!(
            "\u{feff}{RESULT_HEADER}\r\n\"{id1}\",\"failed\",\"wallet closed, by the holder\",\"\"\r\n\r\n{id2},paid,,\"TX 9\"\r\n"
        );
        let rows = parse_results(&quoted).unwrap();
        assert_eq!(rows[0].reason.as_deref(), Some("wallet closed, by the holder"));
        assert_eq!(rows[1].reference.as_deref(), Some("TX 9"));
        // Each result knows its line as an editor counts it (the blank line counts), which
        // the payments it names are later checked and reported by.
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
        let blank = format!("{RESULT_HEADER}\n{id1},paid,,\n\n{id2},paid,,\n");
        assert_eq!(parse_results(&blank).unwrap().iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
        let unclosed = format!("{RESULT_HEADER}\n{id1},paid,,TX1\n{id2},\"paid,,\n");
        assert_eq!(parse_results(&unclosed).unwrap_err()[0].line, 3);
    }

    proptest! {
        /// Whatever bytes arrive, parsing never panics, and a refused file reports lines that exist.
        #[test]
        fn parsing_arbitrary_text_never_panics(text in "\\PC{0,400}") {
            let lines = text.lines().count().max(1);
            if let Err(errors) = parse_results(&text) {
                prop_assert!(!errors.is_empty());
                prop_assert!(errors.iter().all(|e| e.line >= 1 && e.line <= lines));
            }
        }
    }

    #[test]
    fn cycles_share_a_period_or_do_not_overlap() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let q3 = (d("2025-07-01"), d("2025-09-30"));
        assert!(fits_calendar(q3.0, q3.1, &[q3]).is_ok(), "another upazila, the same quarter");
        assert!(fits_calendar(d("2025-10-01"), d("2025-12-31"), &[q3]).is_ok(), "the next quarter");
        let r = fits_calendar(d("2025-08-01"), d("2025-10-31"), &[q3]).unwrap_err();
        assert_eq!(r.rule, "payroll.one_calendar");
        assert!(fits_calendar(d("2025-07-01"), d("2025-07-31"), &[q3]).is_err(), "a month inside the quarter");
        assert!(fits_calendar(d("2025-01-01"), d("2025-12-31"), &[q3]).is_err(), "a year around it");
    }
}
