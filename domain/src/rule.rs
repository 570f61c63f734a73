//! A refusal by a named domain rule, in the shape every part of the domain shares, so the
//! HTTP edge renders all of them the same way (409 or 422, the rule's id, en/bn text).

use crate::Label;

/// Whether the refusal is a conflict with the record's state or an invalid request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleClass {
    Conflict,
    Invalid,
}

/// A rule that refused: its stable id (`area.rule`), class and bilingual explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleRefusal {
    pub rule: &'static str,
    pub class: RuleClass,
    pub label: Label,
}

impl RuleRefusal {
    /// A refusal because of the record's state (409).
    pub const fn conflict(rule: &'static str, en: &'static str, bn: &'static str) -> RuleRefusal {
        RuleRefusal { rule, class: RuleClass::Conflict, label: Label::new(en, bn) }
    }

    /// A refusal of the request itself (422).
    pub const fn invalid(rule: &'static str, en: &'static str, bn: &'static str) -> RuleRefusal {
        RuleRefusal { rule, class: RuleClass::Invalid, label: Label::new(en, bn) }
    }

    /// The problem code (`reintegration-guardian-not-perpetrator`).
    pub fn code(&self) -> String {
        self.rule.replace(['.', '_'], "-")
    }
}

/// A bound on an amount of money a client gives (a grant, the value of support, an income),
/// named by its rule: from `min` to `max` taka, both included. The contract states the same
/// bounds (`minimum`, `maximum`), so a client can keep to them; the server refuses by the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountBound {
    pub min: i64,
    pub max: i64,
    pub refusal: RuleRefusal,
}

impl AmountBound {
    /// A bound refused as an invalid request (422) by rule `rule`.
    pub const fn new(rule: &'static str, (min, max): (i64, i64), en: &'static str, bn: &'static str) -> AmountBound {
        AmountBound { min, max, refusal: RuleRefusal::invalid(rule, en, bn) }
    }

    pub fn check(&self, taka: i64) -> Result<(), RuleRefusal> {
        if (self.min..=self.max).contains(&taka) {
            Ok(())
        } else {
            Err(self.refusal)
        }
    }
}

impl From<crate::case::Refusal> for RuleRefusal {
    fn from(r: crate::case::Refusal) -> Self {
        RuleRefusal { rule: r.rule(), class: r.class(), label: r.label() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amount_bound_includes_both_ends() {
        let b = AmountBound::new("x.amount", (1, 100), "An amount from 1 to 100", "১ থেকে ১০০");
        assert_eq!(b.check(0).unwrap_err().rule, "x.amount");
        assert_eq!(b.check(1), Ok(()));
        assert_eq!(b.check(100), Ok(()));
        assert_eq!(b.check(101).unwrap_err().class, RuleClass::Invalid);
    }
}
