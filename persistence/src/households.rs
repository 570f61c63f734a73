//! Households, their members, and relationships between persons.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use domain::access::Scope;
use domain::household::{Membership, RelationToHead, RelationshipKind};
use domain::id::{HouseholdId, HouseholdMemberId, PersonId, RelationshipId, UserId};

use crate::columns::OptionalId;
use crate::page::Page;
use crate::schema::{household_members, households, person_relationships};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = households)]
pub struct HouseholdRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: HouseholdId,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub union_id: i32,
    pub address: String,
    #[diesel(deserialize_as = Uuid)]
    pub head_person_id: PersonId,
    pub monthly_income_taka: Option<i64>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = household_members)]
pub struct MemberRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: HouseholdMemberId,
    #[diesel(deserialize_as = Uuid)]
    pub household_id: HouseholdId,
    #[diesel(deserialize_as = Uuid)]
    pub person_id: PersonId,
    #[diesel(deserialize_as = String)]
    pub relation: RelationToHead,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

impl MemberRow {
    pub fn membership(&self) -> Membership {
        Membership {
            household: self.household_id,
            person: self.person_id,
            relation: self.relation,
            joined_on: self.joined_on,
            left_on: self.left_on,
        }
    }
}

/// A household to record (its head joins it in the same transaction).
#[derive(Debug, Clone)]
pub struct NewHousehold<'a> {
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub union_id: i32,
    pub address: &'a str,
    pub head: PersonId,
    pub monthly_income_taka: Option<i64>,
    pub by: UserId,
}

pub fn insert(conn: &mut PgConnection, h: &NewHousehold<'_>) -> QueryResult<HouseholdRow> {
    diesel::insert_into(households::table)
        .values((
            households::id.eq(Uuid::now_v7()),
            households::division_id.eq(h.division_id),
            households::district_id.eq(h.district_id),
            households::upazila_id.eq(h.upazila_id),
            households::union_id.eq(h.union_id),
            households::address.eq(h.address),
            households::head_person_id.eq(h.head.0),
            households::monthly_income_taka.eq(h.monthly_income_taka),
            households::created_by.eq(h.by.0),
        ))
        .returning(HouseholdRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: HouseholdId) -> QueryResult<Option<HouseholdRow>> {
    households::table.find(id.0).select(HouseholdRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: HouseholdId) -> QueryResult<Option<HouseholdRow>> {
    households::table.find(id.0).select(HouseholdRow::as_select()).for_update().first(conn).optional()
}

/// A new version of the household (a member joined or left).
pub fn touch(conn: &mut PgConnection, id: HouseholdId) -> QueryResult<HouseholdRow> {
    diesel::update(households::table.find(id.0))
        .set((households::version.eq(households::version + 1), households::updated_at.eq(diesel::dsl::now)))
        .returning(HouseholdRow::as_returning())
        .get_result(conn)
}

/// Why the database refused a member: the person is in a household already, or the household
/// has its head (a race the domain's check did not see).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinConflict {
    InAHousehold,
    SecondHead,
}

/// Adds a member; `Ok(Err(..))` when a partial unique index refuses it (in a savepoint, so the
/// caller's transaction stays usable).
pub fn add_member(
    conn: &mut PgConnection,
    household: HouseholdId,
    person: PersonId,
    relation: RelationToHead,
    joined_on: NaiveDate,
    by: UserId,
) -> QueryResult<Result<MemberRow, JoinConflict>> {
    let result = conn.transaction(|conn| {
        diesel::insert_into(household_members::table)
            .values((
                household_members::id.eq(Uuid::now_v7()),
                household_members::household_id.eq(household.0),
                household_members::person_id.eq(person.0),
                household_members::relation.eq(relation.code()),
                household_members::joined_on.eq(joined_on),
                household_members::created_by.eq(by.0),
            ))
            .returning(MemberRow::as_returning())
            .get_result(conn)
    });
    match result {
        Ok(row) => Ok(Ok(row)),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, info)) => {
            Ok(Err(if info.constraint_name() == Some("household_members_one_head_idx") {
                JoinConflict::SecondHead
            } else {
                JoinConflict::InAHousehold
            }))
        }
        Err(e) => Err(e),
    }
}

pub fn record_move_out(conn: &mut PgConnection, member: HouseholdMemberId, left_on: NaiveDate) -> QueryResult<MemberRow> {
    diesel::update(household_members::table.find(member.0))
        .set(household_members::left_on.eq(left_on))
        .returning(MemberRow::as_returning())
        .get_result(conn)
}

/// A household's members, past and present, in the order they joined.
pub fn members_of(conn: &mut PgConnection, household: HouseholdId) -> QueryResult<Vec<MemberRow>> {
    household_members::table
        .filter(household_members::household_id.eq(household.0))
        .order((household_members::joined_on, household_members::id))
        .select(MemberRow::as_select())
        .load(conn)
}

/// A person's memberships, past and present, in the order they joined. (Two joins of one
/// person at once: the partial unique index makes the second wait for the first and fail.)
pub fn memberships_of(conn: &mut PgConnection, person: PersonId) -> QueryResult<Vec<MemberRow>> {
    household_members::table
        .filter(household_members::person_id.eq(person.0))
        .order((household_members::joined_on, household_members::id))
        .select(MemberRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Default)]
pub struct HouseholdFilter {
    pub upazila_id: Option<i32>,
    pub union_id: Option<i32>,
}

/// Households within `scope`, in creation order (keyset by id).
pub fn list(
    conn: &mut PgConnection,
    scope: Scope,
    f: &HouseholdFilter,
    after: Option<HouseholdId>,
    limit: i64,
) -> QueryResult<Page<HouseholdRow, HouseholdId>> {
    let mut q = households::table.into_boxed();
    q = match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(households::division_id.eq(d.0)),
        Scope::District(d) => q.filter(households::district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(households::upazila_id.eq(u.0)),
        Scope::Facility(_) | Scope::Partner(_) => return Ok(Page { rows: vec![], next: None }),
    };
    if let Some(a) = after {
        q = q.filter(households::id.gt(a.0));
    }
    if let Some(u) = f.upazila_id {
        q = q.filter(households::upazila_id.eq(u));
    }
    if let Some(u) = f.union_id {
        q = q.filter(households::union_id.eq(u));
    }
    let rows = q.order(households::id).limit(limit + 1).select(HouseholdRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = person_relationships)]
pub struct RelationshipRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: RelationshipId,
    #[diesel(deserialize_as = Uuid)]
    pub person_id: PersonId,
    #[diesel(deserialize_as = Uuid)]
    pub related_person_id: PersonId,
    #[diesel(deserialize_as = String)]
    pub kind: RelationshipKind,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Records a relationship; `Ok(None)` when the same one is in force (a race the domain's check
/// did not see; in a savepoint).
pub fn insert_relationship(
    conn: &mut PgConnection,
    person: PersonId,
    related: PersonId,
    kind: RelationshipKind,
    started_on: Option<NaiveDate>,
    by: UserId,
) -> QueryResult<Option<RelationshipRow>> {
    let result = conn.transaction(|conn| {
        diesel::insert_into(person_relationships::table)
            .values((
                person_relationships::id.eq(Uuid::now_v7()),
                person_relationships::person_id.eq(person.0),
                person_relationships::related_person_id.eq(related.0),
                person_relationships::kind.eq(kind.code()),
                person_relationships::started_on.eq(started_on),
                person_relationships::created_by.eq(by.0),
            ))
            .returning(RelationshipRow::as_returning())
            .get_result(conn)
    });
    match result {
        Ok(row) => Ok(Some(row)),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn find_relationship_for_update(conn: &mut PgConnection, id: RelationshipId) -> QueryResult<Option<RelationshipRow>> {
    person_relationships::table.find(id.0).select(RelationshipRow::as_select()).for_update().first(conn).optional()
}

pub fn end_relationship(conn: &mut PgConnection, id: RelationshipId, ended_on: NaiveDate) -> QueryResult<RelationshipRow> {
    diesel::update(person_relationships::table.find(id.0))
        .set((
            person_relationships::ended_on.eq(ended_on),
            person_relationships::version.eq(person_relationships::version + 1),
            person_relationships::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RelationshipRow::as_returning())
        .get_result(conn)
}

/// The relationships in force between two persons, either way round.
pub fn in_force_between(conn: &mut PgConnection, a: PersonId, b: PersonId) -> QueryResult<Vec<RelationshipRow>> {
    person_relationships::table
        .filter(person_relationships::ended_on.is_null())
        .filter(
            (person_relationships::person_id.eq(a.0).and(person_relationships::related_person_id.eq(b.0)))
                .or(person_relationships::person_id.eq(b.0).and(person_relationships::related_person_id.eq(a.0))),
        )
        .select(RelationshipRow::as_select())
        .load(conn)
}

/// A person's relationships from either side (ended ones too, unless `in_force_only`), in the
/// order they were recorded (keyset by id).
pub fn relationships_of(
    conn: &mut PgConnection,
    person: PersonId,
    in_force_only: bool,
    after: Option<RelationshipId>,
    limit: i64,
) -> QueryResult<Page<RelationshipRow, RelationshipId>> {
    let mut q = person_relationships::table
        .filter(person_relationships::person_id.eq(person.0).or(person_relationships::related_person_id.eq(person.0)))
        .into_boxed();
    if in_force_only {
        q = q.filter(person_relationships::ended_on.is_null());
    }
    if let Some(a) = after {
        q = q.filter(person_relationships::id.gt(a.0));
    }
    let rows = q.order(person_relationships::id).limit(limit + 1).select(RelationshipRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}
