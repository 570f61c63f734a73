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

/// Migration 000030: the empty 'approved' applications earlier imports made for beneficiaries
/// carried over from an earlier register go, and those beneficiaries keep none (their version
/// moves on: their record changed); an application made any other way stays, even one noted
/// 'imported' by hand.
#[test]
fn the_applications_imports_made_go_and_only_those() {
    let app = sheba_tests::TestApp::new();
    let (user, officer) = app.user("upz.apps", "upazila_officer", "upazila:1");
    let person = |nid: &str| {
        app.person(
            &officer,
            &serde_json::json!({"name_en": "P", "sex": "female", "date_of_birth": "1950-01-01", "nid": nid, "union_id": 1}),
        )
    };
    let (imported_person, other_person) = (person("1950000011"), person("1950000012"));
    let mut conn = app.db();
    // Back to before migration 000030 (and those after it, which it does not depend on).
    while persistence::db::revert_last_migration(&mut conn).unwrap() != "20261128000030" {}
    // As the import made them, and as an officer might have typed one.
    let enrol = |conn: &mut PgConnection, person: &str, note: &str, facts: &str| -> (String, String) {
        let ids: (uuid::Uuid, uuid::Uuid) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        diesel::connection::SimpleConnection::batch_execute(conn, &format!(
            "INSERT INTO applications (id, programme_code, person_id, division_id, district_id, upazila_id, status, facts,
                                       education_level, verdict, reasons, priority_score, submitted_on, decided_by, decided_on, note, created_by)
             SELECT '{a}', 'old_age', p.id, p.division_id, p.district_id, p.upazila_id, 'approved', '{facts}'::jsonb, NULL,
                    'needs_verification', '[]'::jsonb, 0, '2025-07-01', '{user}', current_date, '{note}', '{user}'
               FROM persons p WHERE p.id = '{person}';
             INSERT INTO beneficiaries (id, person_id, programme_code, exclusivity_group, application_id, division_id, district_id,
                                        upazila_id, sex, status, start_month)
             SELECT '{b}', p.id, 'old_age', 'government_allowance', '{a}', p.division_id, p.district_id, p.upazila_id, 'female',
                    'active', '2025-07-01'
               FROM persons p WHERE p.id = '{person}'",
            a = ids.0,
            b = ids.1
        ))
        .unwrap();
        (ids.0.to_string(), ids.1.to_string())
    };
    let (imported_app, imported_ben) = enrol(&mut conn, &imported_person, "imported", "{}");
    let (kept_app, kept_ben) = enrol(&mut conn, &other_person, "imported", r#"{"age": 70}"#);
    assert!(persistence::db::run_migrations(&mut conn).unwrap().contains(&"20261128000030".to_owned()));
    let apps = app.get("/api/v1/applications").bearer(&officer).send().expect(200).json;
    let ids: Vec<&str> = apps["data"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [kept_app.as_str()], "{apps}");
    let ben = |id: &str| app.get(&format!("/api/v1/beneficiaries/{id}")).bearer(&officer).send().expect(200).json;
    let (imported, kept) = (ben(&imported_ben), ben(&kept_ben));
    assert!(imported["application_id"].is_null() && imported["version"] == 2, "{imported}");
    assert!(kept["application_id"] == kept_app.as_str() && kept["version"] == 1, "{kept}");
    let gone: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM applications WHERE id = '{imported_app}'"))
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(gone.n, 0);
}

/// Migration 000032: a person's identifier checks lost their regular expressions (a million-row
/// import ran three per row); the table accepts exactly what the old patterns accepted.
#[test]
fn person_checks_accept_what_the_patterns_did() {
    let app = sheba_tests::TestApp::new();
    let mut conn = app.db();
    #[derive(QueryableByName)]
    struct Matches {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        m: bool,
    }
    let digits = |n: usize| "1234567890".repeat(2).chars().take(n).collect::<String>();
    let mut cases: Vec<(&str, &str, String)> = Vec::new();
    let odd = ["", " ", "\n", "x", "০১২৩৪৫৬৭৮৯", "１２３４５６７８９０", "१२३४५६७८९०"];
    for n in [9, 10, 11, 12, 13, 14, 16, 17, 18] {
        cases.push(("nid", "^([0-9]{10}|[0-9]{13}|[0-9]{17})$", digits(n)));
        cases.push(("birth_registration_number", "^[0-9]{16,17}$", digits(n)));
        cases.push(("nid", "^([0-9]{10}|[0-9]{13}|[0-9]{17})$", format!("{}a", digits(n - 1))));
        cases.push(("birth_registration_number", "^[0-9]{16,17}$", format!("{} ", digits(n - 1))));
    }
    for o in odd {
        cases.push(("nid", "^([0-9]{10}|[0-9]{13}|[0-9]{17})$", o.to_owned()));
        cases.push(("nid", "^([0-9]{10}|[0-9]{13}|[0-9]{17})$", format!("{}{o}", digits(9))));
        cases.push(("birth_registration_number", "^[0-9]{16,17}$", format!("{}{o}", digits(16))));
        cases.push(("mobile", "^01[3-9][0-9]{8}$", format!("0171234567{o}")));
        cases.push(("nationality", "^[A-Z]{2}$", format!("B{o}")));
    }
    for m in [
        "01712345678",
        "01312345678",
        "01912345678",
        "01212345678",
        "01012345678",
        "02712345678",
        "11712345678",
        "0171234567",
        "017123456789",
        "০১৭১২৩৪৫৬৭৮",
        "01:12345678",
        "01/12345678",
    ] {
        cases.push(("mobile", "^01[3-9][0-9]{8}$", m.to_owned()));
    }
    for n in ["BD", "IN", "ZZ", "AA", "bd", "B", "BDX", "ÄB", "B1", "@A", "[A", "Z["] {
        cases.push(("nationality", "^[A-Z]{2}$", n.to_owned()));
    }
    let (mut accepted, mut refused) = (0, 0);
    for (column, pattern, value) in &cases {
        let old: Matches = diesel::sql_query("SELECT $1 ~ $2 AS m")
            .bind::<Text, _>(value)
            .bind::<Text, _>(pattern)
            .get_result(&mut conn)
            .unwrap();
        let insert = format!(
            "INSERT INTO persons (id, name_en, sex, date_of_birth, {column}) VALUES (gen_random_uuid(), 'P', 'female', '1950-01-01', $1)"
        );
        let result = conn.transaction::<(), diesel::result::Error, _>(|c| {
            diesel::sql_query(&insert).bind::<Text, _>(value).execute(c)?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        let now = match result {
            Err(diesel::result::Error::RollbackTransaction) => true,
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::CheckViolation, _)) => false,
            other => panic!("{column} {value:?}: {other:?}"),
        };
        assert_eq!(now, old.m, "{column} {value:?}: the table accepts it: {now}, the old pattern: {}", old.m);
        if now {
            accepted += 1
        } else {
            refused += 1
        }
    }
    assert!(accepted >= 10 && refused >= 40, "{accepted} accepted, {refused} refused");
}
