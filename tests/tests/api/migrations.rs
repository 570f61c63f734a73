//! Migrations run up, down and up again, and every foreign key has an index.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

#[derive(QueryableByName, Debug)]
#[allow(dead_code)] // read through Debug in the failure message
struct Unindexed {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    constraint_name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[test]
fn migrations_round_trip() {
    let url = sheba_tests::empty_database("roundtrip");
    let mut conn = PgConnection::establish(&url).unwrap();
    let first = persistence::db::run_migrations(&mut conn).unwrap();
    assert!(first.len() >= 2);
    assert_eq!(persistence::db::pending_migrations(&mut conn).unwrap(), 0);
    let reverted = persistence::db::revert_all_migrations(&mut conn).unwrap();
    assert_eq!(reverted, first.len());
    let tables: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(tables.n, 0, "down migrations leave nothing behind");
    let again = persistence::db::run_migrations(&mut conn).unwrap();
    assert_eq!(again, first);
    // Running again applies nothing.
    assert!(persistence::db::run_migrations(&mut conn).unwrap().is_empty());
}

/// A database made by a build with another (unreleased) schema history is refused with a
/// message saying what to do, before any migration runs against it.
#[test]
fn a_database_from_another_schema_history_is_refused_untouched() {
    let url = sheba_tests::empty_database("oldhistory");
    let mut conn = PgConnection::establish(&url).unwrap();
    diesel::sql_query(
        "CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY, run_on timestamp NOT NULL DEFAULT now())",
    )
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('20261123000001')").execute(&mut conn).unwrap();
    let err = persistence::db::run_migrations(&mut conn).unwrap_err().to_string();
    assert!(err.contains("20261123000001") && err.contains("empty database"), "{err}");
    let tables: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(tables.n, 0, "nothing was migrated");
}

/// A parent row's delete or key change finds the rows that reference it through an index: one
/// that starts with the key's columns (in any order: each is matched by equality), or for a
/// composite key such as an area (upazila, district, division) one that starts with its first
/// column, which narrows enough.
#[test]
fn every_foreign_key_has_an_index() {
    let mut conn = PgConnection::establish(sheba_tests::template_url()).unwrap();
    let missing: Vec<Unindexed> = diesel::sql_query(
        "SELECT c.conrelid::regclass::text AS table_name, c.conname::text AS constraint_name
           FROM pg_constraint c
          WHERE c.contype = 'f'
            AND NOT EXISTS (
                SELECT 1 FROM pg_index i
                 WHERE i.indrelid = c.conrelid
                   AND ((SELECT array_agg(k ORDER BY k) FROM unnest((i.indkey::int2[])[0:cardinality(c.conkey) - 1]) k)
                          = (SELECT array_agg(k ORDER BY k) FROM unnest(c.conkey) k)
                        OR (cardinality(c.conkey) > 1 AND (i.indkey::int2[])[0] = c.conkey[1])))",
    )
    .load(&mut conn)
    .unwrap();
    assert!(missing.is_empty(), "foreign keys without a leading index: {missing:?}");
}

/// A record's upazila, district and division must agree: the database refuses a district that
/// is not the upazila's, even when each id exists on its own.
#[test]
fn an_area_must_agree_with_itself() {
    let app = sheba_tests::TestApp::new();
    let mut conn = app.db();
    let mut facility = |district: &str| {
        diesel::sql_query(format!(
            "INSERT INTO facilities (id, name_en, name_bn, facility_type, division_id, district_id, upazila_id,
                                     capacity_female, capacity_male, capacity_hijra)
             SELECT uuid_v7(), 'Office', 'অফিস', 'office', d.division_id, {district}, u.id, 0, 0, 0
               FROM upazilas u JOIN districts d ON d.id = u.district_id WHERE u.id = 1"
        ))
        .execute(&mut conn)
    };
    assert_eq!(facility("u.district_id").unwrap(), 1);
    let err = facility("(SELECT min(id) FROM districts WHERE id <> u.district_id)").unwrap_err();
    assert!(
        matches!(err, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _)),
        "{err:?}"
    );
}
