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

impl From<crate::case::Refusal> for RuleRefusal {
    fn from(r: crate::case::Refusal) -> Self {
        RuleRefusal { rule: r.rule(), class: r.class(), label: r.label() }
    }
}
