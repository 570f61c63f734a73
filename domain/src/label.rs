//! Bilingual text. Every code a person reads (a role, a status, a refusal) carries both
//! English and Bangla, so a front end never has to keep its own translation table.

use serde::Serialize;

/// An English and a Bangla label for one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Label {
    pub en: &'static str,
    pub bn: &'static str,
}

impl Label {
    pub const fn new(en: &'static str, bn: &'static str) -> Self {
        Label { en, bn }
    }
}
