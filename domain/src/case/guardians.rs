//! Who may take a person home at reintegration, chosen from what is recorded about her
//! family: the members of her household and the persons related to her. Each candidate is
//! judged by the same rules the reintegration applies (identified, not a recorded alleged
//! perpetrator), so a caseworker sees before choosing why someone cannot be the guardian.

use chrono::NaiveDate;
use serde::Serialize;

use super::refusal::Refusal;
use crate::household::{Kin, RelationToHead};
use crate::id::PersonId;

/// How a candidate is related to the person, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum KinTie {
    /// A recorded relationship, seen from the person: her mother, her guardian.
    Relationship { kin: Kin },
    /// A member of her current household, with the member's relation to its head.
    Household { relation_to_head: RelationToHead },
}

impl KinTie {
    /// The relationship a reintegration records when the caller names none.
    pub fn relationship(self) -> &'static str {
        match self {
            KinTie::Relationship { kin } => kin.code(),
            KinTie::Household { .. } => "household_member",
        }
    }

    fn rank(self) -> u8 {
        match self {
            KinTie::Relationship { kin } if kin.cares_for() => 0,
            KinTie::Relationship { .. } => 1,
            KinTie::Household { .. } => 2,
        }
    }
}

/// A person recorded as family, with the facts the rules read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kinsperson {
    pub person_id: PersonId,
    pub tie: KinTie,
    /// A national ID or birth registration number on their record.
    pub has_identifier: bool,
    pub date_of_birth: Option<NaiveDate>,
}

/// A candidate guardian and, when they may not take the person, the rule that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianCandidate {
    pub person_id: PersonId,
    /// Every way they are related (a mother who is also in the household: both).
    pub ties: Vec<KinTie>,
    pub has_identifier: bool,
    pub date_of_birth: Option<NaiveDate>,
    pub refusal: Option<Refusal>,
}

/// The candidates among `family` for the person `subject`: one per person (the person herself
/// excluded), carers first, then other relatives, then household members; each with the first
/// rule that refuses them.
pub fn guardian_candidates(subject: PersonId, perpetrators: &[PersonId], family: Vec<Kinsperson>) -> Vec<GuardianCandidate> {
    let mut out: Vec<GuardianCandidate> = Vec::new();
    for k in family.into_iter().filter(|k| k.person_id != subject) {
        match out.iter_mut().find(|c| c.person_id == k.person_id) {
            Some(c) => {
                if !c.ties.contains(&k.tie) {
                    c.ties.push(k.tie);
                }
            }
            None => out.push(GuardianCandidate {
                person_id: k.person_id,
                ties: vec![k.tie],
                has_identifier: k.has_identifier,
                date_of_birth: k.date_of_birth,
                refusal: None,
            }),
        }
    }
    for c in &mut out {
        c.ties.sort_by_key(|t| t.rank());
        c.refusal = if perpetrators.contains(&c.person_id) {
            Some(Refusal::GuardianIsAllegedPerpetrator)
        } else if !c.has_identifier {
            Some(Refusal::GuardianNotIdentified)
        } else {
            None
        };
    }
    out.sort_by_key(|c| (c.ties.first().map_or(u8::MAX, |t| t.rank()), c.refusal.is_some(), c.person_id.0));
    out
}

/// The relationship to record for `guardian` when the caller names none: the closest recorded
/// tie, if any.
pub fn recorded_relationship(guardian: PersonId, candidates: &[GuardianCandidate]) -> Option<&'static str> {
    candidates.iter().find(|c| c.person_id == guardian).and_then(|c| c.ties.first()).map(|t| t.relationship())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn person(n: u128) -> PersonId {
        PersonId(Uuid::from_u128(n))
    }

    fn kin(n: u128, tie: KinTie, has_identifier: bool) -> Kinsperson {
        Kinsperson { person_id: person(n), tie, has_identifier, date_of_birth: None }
    }

    #[test]
    fn carers_come_first_each_person_once_and_the_rules_are_named() {
        let mother = KinTie::Relationship { kin: Kin::Mother };
        let sibling = KinTie::Relationship { kin: Kin::Sibling };
        let member = KinTie::Household { relation_to_head: RelationToHead::Spouse };
        let family = vec![
            kin(1, member, true), // the person herself, in her own household
            kin(5, member, true),
            kin(4, sibling, true),
            kin(3, member, true),
            kin(3, mother, true),
            kin(6, member, false),
            kin(7, KinTie::Relationship { kin: Kin::Father }, true),
        ];
        let got = guardian_candidates(person(1), &[person(7)], family);
        let order: Vec<u128> = got.iter().map(|c| c.person_id.0.as_u128()).collect();
        assert_eq!(order, [3, 7, 4, 5, 6]);
        assert_eq!(got[0].ties, [mother, member], "a mother in the household is one candidate with both ties");
        assert_eq!(got[1].refusal, Some(Refusal::GuardianIsAllegedPerpetrator));
        assert_eq!(got[4].refusal, Some(Refusal::GuardianNotIdentified));
        assert!(got[0].refusal.is_none() && got[2].refusal.is_none() && got[3].refusal.is_none());
        assert_eq!(recorded_relationship(person(3), &got), Some("mother"));
        assert_eq!(recorded_relationship(person(5), &got), Some("household_member"));
        assert_eq!(recorded_relationship(person(9), &got), None);
    }
}
