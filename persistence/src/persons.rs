//! People on record, found by identifier or by name in Bangla or English.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use domain::access::Scope;
use domain::id::{PersonId, UserId};
use domain::person::Sex;

use crate::columns::OptionalId;
use crate::page::Page;
use crate::schema::persons;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = persons)]
pub struct PersonRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: PersonId,
    pub name_en: Option<String>,
    pub name_bn: Option<String>,
    #[diesel(deserialize_as = String)]
    pub sex: Sex,
    pub date_of_birth: NaiveDate,
    pub date_of_birth_estimated: bool,
    pub nid: Option<String>,
    pub birth_registration_number: Option<String>,
    pub mobile: Option<String>,
    pub nationality: String,
    pub disability: Option<String>,
    pub division_id: Option<i32>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
    pub union_id: Option<i32>,
    pub address: Option<String>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = persons)]
pub struct NewPersonRow {
    #[diesel(serialize_as = Uuid)]
    pub id: PersonId,
    pub name_en: Option<String>,
    pub name_bn: Option<String>,
    #[diesel(serialize_as = String)]
    pub sex: Sex,
    pub date_of_birth: NaiveDate,
    pub date_of_birth_estimated: bool,
    pub nid: Option<String>,
    pub birth_registration_number: Option<String>,
    pub mobile: Option<String>,
    pub nationality: String,
    pub disability: Option<String>,
    pub division_id: Option<i32>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
    pub union_id: Option<i32>,
    pub address: Option<String>,
    #[diesel(serialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
}

/// Inserts a person; `Ok(None)` when an identifier is already taken (check
/// [`find_by_identifiers`] for whom).
pub fn insert(conn: &mut PgConnection, new: NewPersonRow) -> QueryResult<Option<PersonRow>> {
    diesel::insert_into(persons::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(PersonRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn find(conn: &mut PgConnection, id: PersonId) -> QueryResult<Option<PersonRow>> {
    persons::table.find(id.0).select(PersonRow::as_select()).first(conn).optional()
}

/// The person holding either identifier, if any.
pub fn find_by_identifiers(conn: &mut PgConnection, nid: Option<&str>, brn: Option<&str>) -> QueryResult<Option<PersonRow>> {
    if nid.is_none() && brn.is_none() {
        return Ok(None);
    }
    let mut q = persons::table.into_boxed();
    q = match (nid, brn) {
        (Some(n), Some(b)) => q.filter(persons::nid.eq(n).or(persons::birth_registration_number.eq(b))),
        (Some(n), None) => q.filter(persons::nid.eq(n)),
        (None, Some(b)) => q.filter(persons::birth_registration_number.eq(b)),
        (None, None) => unreachable!(),
    };
    q.select(PersonRow::as_select()).first(conn).optional()
}

/// People with the same birth date and the same name in either script (case-insensitive for
/// English): possible duplicates to show a caseworker, never merged automatically. (Found
/// through `person_names`, which holds the birth date's index: the people a bulk import
/// created are there once its follow-up job has run, seconds after it.)
pub fn possible_duplicates(
    conn: &mut PgConnection,
    exclude: PersonId,
    name_en: Option<&str>,
    name_bn: Option<&str>,
    dob: NaiveDate,
) -> QueryResult<Vec<PersonRow>> {
    let en = name_en.map(|n| n.trim().to_lowercase()).unwrap_or_default();
    let bn = name_bn.map(|n| n.trim().to_owned()).unwrap_or_default();
    persons::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                "persons.id IN (SELECT person_id FROM person_names WHERE date_of_birth = ",
            )
            .bind::<diesel::sql_types::Date, _>(dob)
            .sql(" AND (name_en = ")
            .bind::<diesel::sql_types::Text, _>(en.clone())
            .sql(" OR name_bn = ")
            .bind::<diesel::sql_types::Text, _>(bn.clone())
            .sql("))"),
        )
        // (The record itself decides; the search table only finds the candidates.)
        .filter(persons::date_of_birth.eq(dob))
        .filter(persons::id.ne(exclude.0))
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(name_en) = ")
                .bind::<diesel::sql_types::Text, _>(en)
                .or(persons::name_bn.eq(bn)),
        )
        .order(persons::id)
        .limit(20)
        .select(PersonRow::as_select())
        .load(conn)
}

/// Search by identifier (exact) or by part of a name in Bangla or English.
#[derive(Debug, Clone, Default)]
pub struct PersonSearch {
    pub name: Option<String>,
    pub identifier: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
}

/// Whose records a searcher sees: everyone (national), the people of an area, or the people
/// of the cases at a facility or at the facilities a partner serves; always the ones `me`
/// recorded.
pub fn search(
    conn: &mut PgConnection,
    scope: Scope,
    me: UserId,
    s: &PersonSearch,
    after: Option<PersonId>,
    limit: i64,
) -> QueryResult<Page<PersonRow, PersonId>> {
    let mut q = visible(scope, me);
    if let Some(a) = after {
        q = q.filter(persons::id.gt(a.0));
    }
    if let Some(id) = &s.identifier {
        q = q.filter(persons::nid.eq(id).or(persons::birth_registration_number.eq(id)).or(persons::mobile.eq(id)));
    }
    if let Some(name) = &s.name {
        let escaped = name.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        // (Names are indexed in `person_names`; an import's are there once its follow-up job
        // has run: see [`index_names`].)
        q = q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                "persons.id IN (SELECT person_id FROM person_names WHERE name_en LIKE lower(",
            )
            .bind::<diesel::sql_types::Text, _>(pattern.clone())
            .sql(") OR name_bn LIKE ")
            .bind::<diesel::sql_types::Text, _>(pattern)
            .sql(")"),
        );
    }
    if let Some(dob) = s.date_of_birth {
        // (Indexed in `person_names` too, like the names.)
        q = q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                "persons.id IN (SELECT person_id FROM person_names WHERE date_of_birth = ",
            )
            .bind::<diesel::sql_types::Date, _>(dob)
            .sql(")")
            .and(persons::date_of_birth.eq(dob)),
        );
    }
    let rows = q.order(persons::id).limit(limit + 1).select(PersonRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Indexes for search the names of the people a bulk import created, `first` to `last` (one
/// counter made their ids: see `ImportOutcome::persons_created_ids`), which it left out of its
/// transaction; every other writer's are indexed by a trigger as they are written. A person
/// already indexed (renamed meanwhile: the trigger has the new name) is left as it is. How
/// many were indexed.
pub fn index_names(conn: &mut PgConnection, first: Uuid, last: Uuid) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO person_names (person_id, name_en, name_bn, date_of_birth)
         SELECT p.id, lower(p.name_en), p.name_bn, p.date_of_birth FROM persons p
          WHERE p.id BETWEEN $1 AND $2 AND NOT EXISTS (SELECT 1 FROM person_names n WHERE n.person_id = p.id)
         ON CONFLICT (person_id) DO NOTHING",
    )
    .bind::<diesel::sql_types::Uuid, _>(first)
    .bind::<diesel::sql_types::Uuid, _>(last)
    .execute(conn)
}

type BoxedPersons<'a> = persons::BoxedQuery<'a, diesel::pg::Pg>;

/// The people `me`, holding `scope`, may see.
fn visible<'a>(scope: Scope, me: UserId) -> BoxedPersons<'a> {
    use crate::schema::{cases, facility_partners};
    let q = persons::table.into_boxed();
    let me = me.0;
    match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(persons::division_id.eq(d.0).or(persons::created_by.eq(me))),
        Scope::District(d) => q.filter(persons::district_id.eq(d.0).or(persons::created_by.eq(me))),
        Scope::Upazila(u) => q.filter(persons::upazila_id.eq(u.0).or(persons::created_by.eq(me))),
        // A facility's people: those its staff recorded, its cases, its residents and patients.
        Scope::Facility(f) => q.filter(
            persons::created_by
                .eq(me)
                .or(persons::id.eq_any(
                    cases::table
                        .filter(cases::managing_facility_id.eq(f.0).or(cases::residence_facility_id.eq(f.0)))
                        .select(cases::person_id),
                ))
                .or(persons::id.eq_any(
                    crate::schema::institution_stays::table
                        .filter(crate::schema::institution_stays::facility_id.eq(f.0))
                        .select(crate::schema::institution_stays::person_id),
                ))
                .or(persons::id.eq_any(
                    crate::schema::hospital_patients::table
                        .filter(crate::schema::hospital_patients::facility_id.eq(f.0))
                        .select(crate::schema::hospital_patients::person_id),
                )),
        ),
        Scope::Partner(p) => q.filter(
            persons::created_by.eq(me).or(persons::id.eq_any(
                cases::table
                    .filter(
                        cases::managing_facility_id.eq_any(
                            facility_partners::table
                                .filter(facility_partners::partner_id.eq(p.0))
                                .select(facility_partners::facility_id.nullable()),
                        ),
                    )
                    .select(cases::person_id),
            )),
        ),
    }
}

/// One person, if `me` may see them.
pub fn find_visible(conn: &mut PgConnection, scope: Scope, me: UserId, id: PersonId) -> QueryResult<Option<PersonRow>> {
    visible(scope, me).filter(persons::id.eq(id.0)).select(PersonRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: PersonId) -> QueryResult<Option<PersonRow>> {
    persons::table.find(id.0).select(PersonRow::as_select()).for_update().first(conn).optional()
}

/// The editable fields, all written at once (the caller merged the change into the row).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = persons, treat_none_as_null = true)]
pub struct PersonChanges {
    pub name_en: Option<String>,
    pub name_bn: Option<String>,
    pub date_of_birth: NaiveDate,
    pub date_of_birth_estimated: bool,
    pub nid: Option<String>,
    pub birth_registration_number: Option<String>,
    pub mobile: Option<String>,
    pub nationality: String,
    pub disability: Option<String>,
    pub division_id: Option<i32>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
    pub union_id: Option<i32>,
    pub address: Option<String>,
}

/// Writes the changes and bumps the version; `Ok(None)` when an identifier is taken.
pub fn update(
    conn: &mut PgConnection,
    id: PersonId,
    changes: &PersonChanges,
    now: DateTime<Utc>,
) -> QueryResult<Option<PersonRow>> {
    // In a savepoint, so a unique violation leaves the caller's transaction usable.
    let result = conn.transaction(|conn| {
        diesel::update(persons::table.find(id.0))
            .set((changes, persons::version.eq(persons::version + 1), persons::updated_at.eq(now)))
            .returning(PersonRow::as_returning())
            .get_result(conn)
    });
    match result {
        Ok(row) => Ok(Some(row)),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
        Err(e) => Err(e),
    }
}
