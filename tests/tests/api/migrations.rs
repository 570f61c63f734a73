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
                   AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey)",
    )
    .load(&mut conn)
    .unwrap();
    assert!(missing.is_empty(), "foreign keys without a leading index: {missing:?}");
}
