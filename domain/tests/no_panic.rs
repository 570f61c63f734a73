//! Every parser of outside input (what people type, files providers send) refuses bad input
//! with an error and never panics (issue 30: a Rocket number ending in `é` did). Proptest
//! fails a property that panics. `scripts/fuzz` runs these with a larger budget
//! (`PROPTEST_CASES`); the default here is proptest's 256 cases a property.

use std::io::Read;

use domain::access::{Role, Scope};
use domain::allowance::enrolment::{PaymentAccount, PaymentProvider};
use domain::allowance::payroll::{parse_results, RESULT_HEADER};
use domain::allowance::FiscalYear;
use domain::microcredit::repayment::{parse_file, REPAYMENT_HEADER};
use domain::person::{BirthRegistrationNumber, MobileNumber, Nid, Sex};
use domain::user::{parse_display_name, NewPassword, Username};
use proptest::prelude::*;

/// Any characters at all: controls, combining marks, the byte-order mark, astral ones.
fn any_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..40).prop_map(String::from_iter)
}

/// Any bytes, read as text the way a lossy reader would.
fn any_bytes_as_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..120).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Almost an identifier: digits (ASCII, Bangla, Arabic-Indic, full-width), the separators
/// people type, and multi-byte characters where a byte index would fall inside one.
fn digitish() -> impl Strategy<Value = String> {
    "[0-9০-৯٠-٩０-９ +\\-éß😀\u{301}\u{feff}]{0,24}"
}

/// Text a parser meets: any, from bytes, or nearly valid.
fn input() -> impl Strategy<Value = String> {
    prop_oneof![any_text(), any_bytes_as_text(), digitish()]
}

/// A CSV field: separators, quotes, line ends, multi-byte characters.
fn field() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9,\"\r\n\u{feff}é০ ]{0,12}", any_text()]
}

fn provider() -> impl Strategy<Value = PaymentProvider> {
    prop::sample::select(PaymentProvider::ALL.to_vec())
}

proptest! {
    #[test]
    fn identifiers_never_panic(raw in input()) {
        if let Ok(nid) = Nid::parse(&raw) {
            prop_assert!(nid.as_str().bytes().all(|b| b.is_ascii_digit()));
            prop_assert!([10, 13, 17].contains(&nid.as_str().len()));
        }
        if let Ok(brn) = BirthRegistrationNumber::parse(&raw) {
            prop_assert!(brn.as_str().bytes().all(|b| b.is_ascii_digit()));
        }
        if let Ok(m) = MobileNumber::parse(&raw) {
            prop_assert!(m.as_str().len() == 11 && m.as_str().starts_with("01"));
        }
    }

    #[test]
    fn payment_accounts_never_panic(provider in provider(), raw in input()) {
        if let Ok(a) = PaymentAccount::parse(provider, &raw) {
            prop_assert!(a.number.bytes().all(|b| b.is_ascii_digit()), "{:?}", a.number);
            if provider == PaymentProvider::Rocket {
                prop_assert_eq!(a.number.len(), 12);
            }
        }
    }

    /// A Rocket number with one character changed to anything: the shape.
    #[test]
    fn rocket_numbers_with_any_character_never_panic(at in 0usize..13, c in any::<char>()) {
        let mut chars: Vec<char> = "017123456781".chars().collect();
        if at < chars.len() {
            chars[at] = c;
        } else {
            chars.push(c);
        }
        let raw: String = chars.into_iter().collect();
        for provider in PaymentProvider::ALL {
            let _ = PaymentAccount::parse(provider, &raw);
        }
    }

    #[test]
    fn digits_never_panic(raw in input()) {
        let normal = domain::digits::normalize_digits(&raw);
        prop_assert_eq!(normal.chars().count(), raw.chars().count());
        let _ = domain::digits::parse_u64(&raw);
    }

    #[test]
    fn other_typed_fields_never_panic(raw in input()) {
        let _ = Username::parse(&raw);
        let _ = NewPassword::parse(&raw);
        let _ = parse_display_name(&raw);
        let _ = domain::disability::parse_card_number(&raw);
        let _ = raw.parse::<Scope>();
        let _ = raw.parse::<Role>();
        let _ = Sex::parse(&raw);
        let _ = PaymentProvider::parse(&raw);
    }

    #[test]
    fn fiscal_years_never_panic(raw in prop_oneof![input(), "[0-9০-৯]{0,6}-[0-9০-৯]{0,4}"]) {
        if let Ok(fy) = raw.parse::<FiscalYear>() {
            prop_assert_eq!(fy.to_string().parse::<FiscalYear>(), Ok(fy));
        }
    }

    #[test]
    fn csv_records_never_panic(text in prop_oneof![input(), "[a-z,\"\r\n\u{feff}é ]{0,200}"]) {
        let lines = text.split('\n').count();
        for (line, _) in domain::csv_lines::records(&text) {
            prop_assert!(line >= 1 && line <= lines, "line {} of {}", line, lines);
        }
    }

    /// The tracking reader under a `csv::Reader` fed arbitrary bytes a few at a time, as the
    /// import reads an upload.
    #[test]
    fn csv_lines_of_a_stream_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300), piece in 1usize..8) {
        struct Trickle(Vec<u8>, usize);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(self.1);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0.drain(..n);
                Ok(n)
            }
        }
        let (input, lines) = domain::csv_lines::tracking(Trickle(bytes, piece));
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        for record in reader.byte_records() {
            let position = match &record {
                Ok(r) => r.position().cloned(),
                Err(e) => e.position().cloned(),
            };
            prop_assert!(lines.line_of(position.as_ref()) >= 1);
        }
    }

    #[test]
    fn payroll_results_never_panic(
        rows in prop::collection::vec(
            (
                prop_oneof![any::<[u8; 16]>().prop_map(|b| uuid::Uuid::from_bytes(b).to_string()), field()],
                prop_oneof![Just("paid".to_owned()), Just("failed".to_owned()), field()],
                field(),
                field(),
            ),
            0..8,
        ),
        header in prop_oneof![Just(RESULT_HEADER.to_owned()), Just(format!("\u{feff}{RESULT_HEADER}")), field()],
        end in prop_oneof![Just("\n"), Just("\r\n")],
    ) {
        let mut text = header + end;
        for (id, status, reason, reference) in rows {
            text += &format!("{id},{status},{reason},{reference}{end}");
        }
        if let Err(errors) = parse_results(&text) {
            prop_assert!(!errors.is_empty());
        }
    }

    #[test]
    fn payroll_results_of_any_text_never_panic(text in input()) {
        let _ = parse_results(&text);
        let _ = parse_results(&format!("{RESULT_HEADER}\n{text}"));
    }

    #[test]
    fn repayment_files_never_panic(
        rows in prop::collection::vec(
            (
                field(),
                field(),
                prop_oneof!["[0-9০-৯]{4}-[0-9০-৯]{2}-[0-9০-৯]{2}", field()],
                prop_oneof!["[0-9০-৯]{1,25}", field()],
                prop_oneof![Just("cash".to_owned()), Just("mobile_money".to_owned()), field()],
            ),
            0..8,
        ),
        header in prop_oneof![Just(REPAYMENT_HEADER.to_owned()), field()],
        end in prop_oneof![Just("\n"), Just("\r\n")],
    ) {
        let mut text = header + end;
        for (loan, reference, paid_on, amount, method) in rows {
            text += &format!("{loan},{reference},{paid_on},{amount},{method}{end}");
        }
        if let Ok((lines, _)) = parse_file(&text) {
            prop_assert!(lines.iter().all(|l| l.amount > 0));
        }
    }

    #[test]
    fn repayment_files_of_any_text_never_panic(text in input()) {
        let _ = parse_file(&text);
        let _ = parse_file(&format!("{REPAYMENT_HEADER}\n{text}"));
    }
}
