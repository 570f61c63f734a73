//! User accounts: people who sign in with a password and service accounts that integrators
//! use with client credentials. Parsing here means a `Username` or `Password` that exists is
//! already valid.

use std::fmt;

use crate::code_list::code_list;

/// A sign-in name: 3 to 64 characters of lowercase ASCII letters, digits, `.`, `_`, `-`,
/// starting with a letter or digit. Stored lowercased so `Rahima` and `rahima` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

/// Why a username, password or display name was refused; the message is shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidField(pub &'static str);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, InvalidField> {
        let s = raw.trim().to_ascii_lowercase();
        if s.len() < 3 || s.len() > 64 {
            return Err(InvalidField("must be 3 to 64 characters long"));
        }
        if !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')) {
            return Err(InvalidField("may contain only letters a-z, digits, '.', '_' and '-'"));
        }
        if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(InvalidField("must start with a letter or a digit"));
        }
        Ok(Username(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password (or client secret). Long passphrases beat complexity rules (NIST SP 800-63B),
/// so the policy is a length: 12 to 256 characters, not all the same character.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, InvalidField> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(InvalidField("must be at least 12 characters long"));
        }
        if n > Self::MAX_CHARS {
            return Err(InvalidField("must be at most 256 characters long"));
        }
        let mut chars = raw.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(InvalidField("must not repeat a single character"));
        }
        Ok(NewPassword(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A display name shown in the audit trail and on screens: 1 to 200 characters, any script.
pub fn parse_display_name(raw: &str) -> Result<String, InvalidField> {
    // Checked as sent (a tab or newline anywhere, or 201 characters with the spaces, is
    // refused), so the contract's pattern and length say exactly what is accepted.
    if raw.chars().any(char::is_control) {
        return Err(InvalidField("must not contain control characters"));
    }
    let s = raw.trim();
    if s.is_empty() || raw.chars().count() > 200 {
        return Err(InvalidField("must be 1 to 200 characters long"));
    }
    Ok(s.to_owned())
}

code_list!(
    /// Whether an account signs in as a person (password grant) or as a system (client credentials).
    AccountKind {
        Person => "person", "Person", "ব্যক্তি";
        Service => "service", "Service account", "সার্ভিস অ্যাকাউন্ট";
    }
);

code_list!(
    /// Active accounts may sign in; disabled ones may not, and their tokens stop working.
    UserStatus {
        Active => "active", "Active", "সক্রিয়";
        Disabled => "disabled", "Disabled", "নিষ্ক্রিয়";
    }
);

/// An administrator cannot lock themselves out.
pub const CANNOT_DISABLE_SELF: crate::rule::RuleRefusal = crate::rule::RuleRefusal::conflict(
    "user.cannot_disable_self",
    "You cannot disable your own account",
    "আপনি নিজের অ্যাকাউন্ট নিষ্ক্রিয় করতে পারেন না",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse("  Rahima.Khatun ").unwrap().as_str(), "rahima.khatun");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(65)).is_err());
        assert!(Username::parse("rahima khatun").is_err());
        assert!(Username::parse("রহিমা").is_err());
        assert!(Username::parse("_admin").is_err());
        assert!(Username::parse("dss-integrator_01").is_ok());
    }

    #[test]
    fn password_policy_is_length() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("aaaaaaaaaaaaaaaa").is_err());
        assert!(NewPassword::parse(&"ab".repeat(129)).is_err());
        assert!(NewPassword::parse("correct horse battery").is_ok());
        assert!(NewPassword::parse("নিরাপদ আবাসন কেন্দ্র").is_ok());
        assert_eq!(format!("{:?}", NewPassword::parse("correct horse battery").unwrap()), "NewPassword(***)");
    }

    #[test]
    fn display_names() {
        assert_eq!(parse_display_name(" রহিমা খাতুন ").unwrap(), "রহিমা খাতুন");
        assert!(parse_display_name("   ").is_err());
        assert!(parse_display_name("a\u{0}b").is_err());
    }

    #[test]
    fn codes_round_trip() {
        for k in [AccountKind::Person, AccountKind::Service] {
            assert_eq!(AccountKind::parse(k.code()), Some(k));
        }
        for s in [UserStatus::Active, UserStatus::Disabled] {
            assert_eq!(UserStatus::parse(s.code()), Some(s));
        }
        assert_eq!(UserStatus::parse("deleted"), None);
    }
}
