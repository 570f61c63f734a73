//! Bangla digits. People type identifiers with Bangla digits (০-৯) as often as ASCII ones;
//! we accept both and store ASCII so that lookups and uniqueness work on one form.

/// Maps a Bangla digit to its ASCII counterpart; any other character is returned unchanged.
pub fn bangla_digit_to_ascii(c: char) -> char {
    match c {
        '০'..='৯' => char::from(b'0' + (c as u32 - '০' as u32) as u8),
        _ => c,
    }
}

/// Replaces every Bangla digit in `s` with its ASCII digit.
pub fn normalize_digits(s: &str) -> String {
    s.chars().map(bangla_digit_to_ascii).collect()
}

/// Parses a non-negative integer written in ASCII or Bangla digits (or a mix).
pub fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() || s.len() > 80 {
        return None;
    }
    let mut n: u64 = 0;
    for c in s.chars() {
        let d = bangla_digit_to_ascii(c).to_digit(10)?;
        n = n.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn converts_every_bangla_digit() {
        assert_eq!(normalize_digits("০১২৩৪৫৬৭৮৯"), "0123456789");
        assert_eq!(normalize_digits("NID ১৯৯০-12"), "NID 1990-12");
    }

    #[test]
    fn parses_mixed_digits() {
        assert_eq!(parse_u64("৪২"), Some(42));
        assert_eq!(parse_u64("4২"), Some(42));
        assert_eq!(parse_u64(" 7 "), Some(7));
        assert_eq!(parse_u64(""), None);
        assert_eq!(parse_u64("১a"), None);
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_u64("99999999999999999999999"), None);
    }

    proptest! {
        #[test]
        fn bangla_and_ascii_forms_parse_alike(n in any::<u64>()) {
            let ascii = n.to_string();
            let bangla: String = ascii.chars().map(|c| char::from_u32('০' as u32 + c.to_digit(10).unwrap()).unwrap()).collect();
            prop_assert_eq!(parse_u64(&bangla), Some(n));
            prop_assert_eq!(normalize_digits(&bangla), ascii);
        }

        #[test]
        fn normalising_is_idempotent(s in "\\PC*") {
            let once = normalize_digits(&s);
            prop_assert_eq!(normalize_digits(&once), once.clone());
            prop_assert!(!once.chars().any(|c| ('০'..='৯').contains(&c)));
        }
    }
}
