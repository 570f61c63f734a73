//! Households and the relationships between persons. A household (its area, address, head and
//! monthly income) has members, each with their relation to the head; a person lives in one
//! household at a time, and leaving one is dated. Relationships between two persons (mother,
//! father, guardian, sibling, spouse) are recorded once and read from both sides: a mother's
//! page shows her child. Eligibility reads a household's income per head, and a conditional
//! cash transfer shows the child it is for and the child's carers.

use chrono::NaiveDate;

use crate::code_list::code_list;
use crate::id::{HouseholdId, PersonId};
use crate::person::age_on;
use crate::rule::{AmountBound, RuleRefusal};

code_list!(
    /// A member's relation to the head of the household.
    RelationToHead {
        Head => "head", "Head of household", "খানা প্রধান";
        Spouse => "spouse", "Spouse", "স্বামী/স্ত্রী";
        Son => "son", "Son", "ছেলে";
        Daughter => "daughter", "Daughter", "মেয়ে";
        ChildInLaw => "child_in_law", "Son- or daughter-in-law", "জামাতা/পুত্রবধূ";
        Mother => "mother", "Mother", "মা";
        Father => "father", "Father", "বাবা";
        Grandchild => "grandchild", "Grandchild", "নাতি/নাতনি";
        Sibling => "sibling", "Brother or sister", "ভাই/বোন";
        OtherRelative => "other_relative", "Other relative", "অন্য আত্মীয়";
        NonRelative => "non_relative", "Not related", "অনাত্মীয়";
    }
);

code_list!(
    /// A relationship as recorded: the related person is the person's mother, father, ...
    RelationshipKind {
        Mother => "mother", "Mother", "মা";
        Father => "father", "Father", "বাবা";
        Guardian => "guardian", "Guardian", "অভিভাবক";
        Sibling => "sibling", "Brother or sister", "ভাই/বোন";
        Spouse => "spouse", "Spouse", "স্বামী/স্ত্রী";
    }
);

code_list!(
    /// How someone is related to the person whose page shows them (a recorded relationship
    /// read from either side: a mother's child, a guardian's ward).
    Kin {
        Mother => "mother", "Mother", "মা";
        Father => "father", "Father", "বাবা";
        Guardian => "guardian", "Guardian", "অভিভাবক";
        Child => "child", "Child", "সন্তান";
        Ward => "ward", "Ward (in their guardianship)", "অভিভাবকত্বাধীন";
        Sibling => "sibling", "Brother or sister", "ভাই/বোন";
        Spouse => "spouse", "Spouse", "স্বামী/স্ত্রী";
    }
);

impl RelationshipKind {
    /// The related person, seen from the person: "her mother".
    pub fn as_kin(self) -> Kin {
        match self {
            RelationshipKind::Mother => Kin::Mother,
            RelationshipKind::Father => Kin::Father,
            RelationshipKind::Guardian => Kin::Guardian,
            RelationshipKind::Sibling => Kin::Sibling,
            RelationshipKind::Spouse => Kin::Spouse,
        }
    }

    /// The person, seen from the related person: a mother's child, a guardian's ward.
    pub fn inverse(self) -> Kin {
        match self {
            RelationshipKind::Mother | RelationshipKind::Father => Kin::Child,
            RelationshipKind::Guardian => Kin::Ward,
            RelationshipKind::Sibling => Kin::Sibling,
            RelationshipKind::Spouse => Kin::Spouse,
        }
    }

    /// The same relationship either way round (siblings, spouses).
    pub fn symmetric(self) -> bool {
        matches!(self, RelationshipKind::Sibling | RelationshipKind::Spouse)
    }
}

impl Kin {
    /// Someone who looks after the person (a child's carer).
    pub fn cares_for(self) -> bool {
        matches!(self, Kin::Mother | Kin::Father | Kin::Guardian)
    }
}

/// `household.one_at_a_time`: a person lives in one household at a time.
pub const IN_ANOTHER_HOUSEHOLD: RuleRefusal = RuleRefusal::conflict(
    "household.one_at_a_time",
    "The person is a member of another household; record their move out first",
    "ব্যক্তিটি অন্য একটি খানার সদস্য; আগে সেখান থেকে চলে যাওয়া নথিভুক্ত করুন",
);

/// `household.already_member`: a person is in the household once.
pub const ALREADY_MEMBER: RuleRefusal = RuleRefusal::conflict(
    "household.already_member",
    "The person is already a member of this household",
    "ব্যক্তিটি ইতিমধ্যে এই খানার সদস্য",
);

/// `household.not_member`: only a current member moves out.
pub const NOT_MEMBER: RuleRefusal = RuleRefusal::conflict(
    "household.not_member",
    "The person is not a current member of this household",
    "ব্যক্তিটি এই খানার বর্তমান সদস্য নন",
);

/// `household.second_head`: a household has one head.
pub const SECOND_HEAD: RuleRefusal =
    RuleRefusal::conflict("household.second_head", "The household already has a head", "খানার একজন প্রধান ইতিমধ্যে আছেন");

/// `household.joined_before_birth`: nobody joins a household before they are born.
pub const JOINED_BEFORE_BIRTH: RuleRefusal = RuleRefusal::invalid(
    "household.joined_before_birth",
    "The joining date is before the person's birth",
    "যোগদানের তারিখ ব্যক্তির জন্মের আগের",
);

/// `household.monthly_income`: a household's monthly income, in taka.
pub const MONTHLY_INCOME: AmountBound = AmountBound::new(
    "household.monthly_income",
    (0, 10_000_000),
    "A household's monthly income is from Tk 0 to Tk 10,000,000",
    "খানার মাসিক আয় ০ থেকে ১,০০,০০,০০০ টাকা",
);

/// `relationship.self`: nobody is related to themself.
pub const RELATED_TO_SELF: RuleRefusal =
    RuleRefusal::invalid("relationship.self", "A person cannot be related to themself", "কোনো ব্যক্তি নিজের আত্মীয় হতে পারেন না");

/// `relationship.duplicate`: a relationship in force is recorded once.
pub const DUPLICATE_RELATIONSHIP: RuleRefusal = RuleRefusal::conflict(
    "relationship.duplicate",
    "This relationship between the two persons is already recorded",
    "এই দুই ব্যক্তির মধ্যে এই সম্পর্ক ইতিমধ্যে নথিভুক্ত",
);

/// `relationship.ended`: a relationship ends once.
pub const RELATIONSHIP_ENDED: RuleRefusal =
    RuleRefusal::conflict("relationship.ended", "The relationship has already ended", "সম্পর্কটি ইতিমধ্যে শেষ হয়েছে");

/// A person's membership of a household, as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub household: HouseholdId,
    pub person: PersonId,
    pub relation: RelationToHead,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

impl Membership {
    /// A member on `on`: joined that day or before, not yet left (the day of leaving is the
    /// first day away).
    pub fn on(&self, day: NaiveDate) -> bool {
        self.joined_on <= day && self.left_on.is_none_or(|l| day < l)
    }

    pub fn current(&self) -> bool {
        self.left_on.is_none()
    }
}

/// Whether `person` may join `household` as `relation`: not a current member of any
/// household (this one: `household.already_member`; another: `household.one_at_a_time`), and
/// not a second head. `person_memberships` are the person's, `household_members` the
/// household's.
pub fn check_join(
    household: HouseholdId,
    relation: RelationToHead,
    person_memberships: &[Membership],
    household_members: &[Membership],
) -> Result<(), RuleRefusal> {
    if let Some(m) = person_memberships.iter().find(|m| m.current()) {
        return Err(if m.household == household { ALREADY_MEMBER } else { IN_ANOTHER_HOUSEHOLD });
    }
    if relation == RelationToHead::Head && household_members.iter().any(|m| m.current() && m.relation == RelationToHead::Head) {
        return Err(SECOND_HEAD);
    }
    Ok(())
}

/// The day a person may join from at the earliest: the day they left their last household
/// (`time::check_day` refuses a joining day before it), if any.
pub fn last_left_on(person_memberships: &[Membership]) -> Option<NaiveDate> {
    person_memberships.iter().filter_map(|m| m.left_on).max()
}

/// The current membership of `person` in the household, which a move out ends.
pub fn current_membership(household_members: &[Membership], person: PersonId) -> Result<Membership, RuleRefusal> {
    household_members.iter().copied().find(|m| m.person == person && m.current()).ok_or(NOT_MEMBER)
}

/// Whether a new relationship of `kind` between `person` and `related` is allowed, given the
/// relationships in force between them (either way round, as `(person, related, kind)`): not
/// with oneself (`relationship.self`), and not again (`relationship.duplicate`: the same kind
/// between the same two, either way round: siblings once, and not each the other's mother).
pub fn check_relationship(
    person: PersonId,
    related: PersonId,
    kind: RelationshipKind,
    in_force: &[(PersonId, PersonId, RelationshipKind)],
) -> Result<(), RuleRefusal> {
    if person == related {
        return Err(RELATED_TO_SELF);
    }
    let same_pair =
        |(a, b, _): &&(PersonId, PersonId, RelationshipKind)| (*a == person && *b == related) || (*a == related && *b == person);
    if in_force.iter().filter(same_pair).any(|(_, _, k)| *k == kind) {
        return Err(DUPLICATE_RELATIONSHIP);
    }
    Ok(())
}

/// What eligibility reads of a household on `on`: the family's annual income (twelve times the
/// monthly income recorded) and its size (the members on that day). `None` where not known.
pub fn family_facts(monthly_income_taka: Option<i64>, members: &[Membership], on: NaiveDate) -> (Option<i64>, Option<u32>) {
    let size = u32::try_from(members.iter().filter(|m| m.on(on)).count()).ok().filter(|n| *n > 0);
    (monthly_income_taka.map(|m| m.saturating_mul(12)), size)
}

/// Someone related to a person, as the person's page and a transfer's view read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relative {
    pub person: PersonId,
    /// How they are related to the person.
    pub kin: Kin,
    pub date_of_birth: NaiveDate,
}

/// The child a conditional cash transfer is for. The programme's criteria are the child's, so
/// a beneficiary under 18 is the child; for a carer on the register (an earlier register's
/// import), the youngest child in their care: their child or ward under 18 by a recorded
/// relationship.
pub fn transfer_child(
    beneficiary: PersonId,
    date_of_birth: NaiveDate,
    relatives: &[Relative],
    today: NaiveDate,
) -> Option<PersonId> {
    let minor = |dob: NaiveDate| age_on(dob, today).is_some_and(|a| a < 18);
    if minor(date_of_birth) {
        return Some(beneficiary);
    }
    relatives
        .iter()
        .filter(|r| matches!(r.kin, Kin::Child | Kin::Ward) && minor(r.date_of_birth))
        .max_by_key(|r| r.date_of_birth)
        .map(|r| r.person)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn p(n: u128) -> PersonId {
        PersonId(Uuid::from_u128(n))
    }
    fn h(n: u128) -> HouseholdId {
        HouseholdId(Uuid::from_u128(n))
    }
    fn member(house: u128, person: u128, relation: RelationToHead, joined: NaiveDate, left: Option<NaiveDate>) -> Membership {
        Membership { household: h(house), person: p(person), relation, joined_on: joined, left_on: left }
    }

    #[test]
    fn one_household_at_a_time() {
        let mine = [member(1, 7, RelationToHead::Daughter, d(2020, 1, 1), None)];
        assert_eq!(check_join(h(2), RelationToHead::Daughter, &mine, &[]).unwrap_err().rule, "household.one_at_a_time");
        assert_eq!(check_join(h(1), RelationToHead::Daughter, &mine, &mine).unwrap_err().rule, "household.already_member");
        let moved = [member(1, 7, RelationToHead::Daughter, d(2020, 1, 1), Some(d(2025, 3, 1)))];
        assert!(check_join(h(2), RelationToHead::Daughter, &moved, &[]).is_ok());
        assert_eq!(last_left_on(&moved), Some(d(2025, 3, 1)));
        let head = [member(2, 9, RelationToHead::Head, d(2020, 1, 1), None)];
        assert_eq!(check_join(h(2), RelationToHead::Head, &moved, &head).unwrap_err().rule, "household.second_head");
        assert_eq!(current_membership(&moved, p(7)).unwrap_err().rule, "household.not_member");
        assert!(current_membership(&mine, p(7)).is_ok());
    }

    #[test]
    fn relationships_with_oneself_and_twice_are_refused() {
        use RelationshipKind::*;
        assert_eq!(check_relationship(p(1), p(1), Mother, &[]).unwrap_err().rule, "relationship.self");
        let known = [(p(2), p(1), Mother), (p(3), p(4), Sibling)];
        assert_eq!(check_relationship(p(2), p(1), Mother, &known).unwrap_err().rule, "relationship.duplicate");
        assert_eq!(check_relationship(p(1), p(2), Mother, &known).unwrap_err().rule, "relationship.duplicate");
        assert_eq!(check_relationship(p(4), p(3), Sibling, &known).unwrap_err().rule, "relationship.duplicate");
        assert!(check_relationship(p(2), p(1), Guardian, &known).is_ok(), "a mother may also be the guardian");
        assert_eq!(Mother.inverse(), Kin::Child);
        assert_eq!(Guardian.inverse(), Kin::Ward);
        assert_eq!(Spouse.inverse(), Kin::Spouse);
        assert!(Sibling.symmetric() && !Father.symmetric());
    }

    #[test]
    fn income_per_head_counts_the_members_on_the_day() {
        let members = [
            member(1, 1, RelationToHead::Head, d(2020, 1, 1), None),
            member(1, 2, RelationToHead::Son, d(2020, 1, 1), Some(d(2025, 6, 1))),
            member(1, 3, RelationToHead::Daughter, d(2025, 1, 1), None),
        ];
        assert_eq!(family_facts(Some(3000), &members, d(2024, 12, 31)), (Some(36_000), Some(2)));
        assert_eq!(family_facts(Some(3000), &members, d(2025, 5, 31)), (Some(36_000), Some(3)));
        assert_eq!(family_facts(Some(3000), &members, d(2025, 6, 1)), (Some(36_000), Some(2)), "the day of leaving is away");
        assert_eq!(family_facts(None, &members, d(2019, 1, 1)), (None, None));
        assert!(MONTHLY_INCOME.check(-1).is_err() && MONTHLY_INCOME.check(0).is_ok());
    }

    #[test]
    fn the_child_a_transfer_is_for() {
        let today = d(2026, 6, 1);
        assert_eq!(transfer_child(p(1), d(2014, 1, 1), &[], today), Some(p(1)), "a child beneficiary is the child");
        let kids = [
            Relative { person: p(2), kin: Kin::Child, date_of_birth: d(2012, 1, 1) },
            Relative { person: p(3), kin: Kin::Ward, date_of_birth: d(2016, 1, 1) },
            Relative { person: p(4), kin: Kin::Child, date_of_birth: d(2000, 1, 1) },
            Relative { person: p(5), kin: Kin::Mother, date_of_birth: d(1960, 1, 1) },
        ];
        assert_eq!(transfer_child(p(1), d(1990, 1, 1), &kids, today), Some(p(3)), "the youngest child in her care");
        assert_eq!(transfer_child(p(1), d(1990, 1, 1), &kids[2..], today), None, "no child under 18");
    }
}
