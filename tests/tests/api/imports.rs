//! Bulk import of beneficiaries as a job: progress, per-line report, all-or-nothing on a
//! fatal error, the same rules as one-by-one enrolment.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sheba_tests::TestApp;

const HEADER: &str = "name_en,name_bn,sex,date_of_birth,nid,birth_registration_number,mobile,union_id,programme,start_month,payment_provider,account_number,education_level";

fn wait(app: &TestApp, token: &str, location: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = app.get(location).bearer(token).send().expect(200).json;
        if job["status"] == "succeeded" || job["status"] == "failed" {
            return job;
        }
        assert!(Instant::now() < deadline, "job did not finish: {job}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn import_reports_every_skipped_line_and_applies_the_rules() {
    let app = TestApp::new();
    let (_, officer) = app.user("upz.import", "upazila_officer", "upazila:1");
    // Someone already on record (matched by NID) and one already receiving an allowance.
    let existing = app.person(
        &officer,
        &json!({"name_en": "Known", "sex": "female", "date_of_birth": "1950-01-01", "nid": "1950000001", "union_id": 1}),
    );
    let file = format!(
        "{HEADER}\n\
         Known,,female,1950-01-01,১৯৫০০০০০০১,,,1,old_age,2025-07,bkash,01711111111,\n\
         New One,নতুন,female,1952-02-02,1952000002,,,1,old_age,2025-07,nagad,01822222222,\n\
         \n\
         Same Person Again,,female,1952-02-02,1952000002,,,1,widow,2025-07,,,\n\
         Far Away,,male,1950-03-03,1950000003,,,4540,old_age,2025-07,,,\n\
         Robot,,robot,1950-01-01,,,,1,old_age,2025-07,,,\n\
         \"Student, Hijra\",,hijra,2010-01-01,,20101234567890123,,1,hijra_stipend,2025-07,,,secondary\n\
         Nobody,,female,1950-01-01,1950000009,,,1,king_allowance,2025-07,,,\n\
         Far Again,,male,1950-03-03,1950000003,,,4540,old_age,2025-07,,,\n\
         Student Again,,hijra,2010-01-01,,20101234567890123,,1,hijra_stipend,2025-07,,,secondary\n"
    );
    let r = app
        .post("/api/v1/imports/beneficiaries")
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw(file)
        .send()
        .expect(202);
    let location = r.header("location").unwrap().to_owned();
    assert_eq!(r.json["total"], 9, "nine rows (the robot is refused as the job parses it)");
    let job = wait(&app, &officer, &location);
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["done"], 9);
    assert_eq!(job["percent"], 100.0);
    let result = &job["result"];
    assert_eq!(result["imported"], 3, "{result}");
    assert_eq!(result["persons_matched"], 1);
    assert_eq!(result["persons_created"], 2);
    assert_eq!(result["by_upazila"], json!([{"upazila_id": 1, "imported": 3}]));
    let errors: Vec<(i64, String)> = result["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["message"].as_str().unwrap().to_owned()))
        .collect();
    let lines: Vec<i64> = errors.iter().map(|e| e.0).collect();
    // Lines as an editor numbers them: the blank line (4) counts.
    assert_eq!(lines, [5, 6, 7, 9, 10, 11], "{errors:?}");
    assert!(errors[0].1.contains("earlier line"));
    assert!(errors[1].1.contains("outside your area"));
    assert!(errors[2].1.contains("sex"));
    assert!(errors[3].1.contains("no such programme"));
    // A line breaking two rules is reported for the first: its area before its repeat.
    assert!(errors[4].1.contains("outside your area"), "{errors:?}");
    // A birth registration number repeats like a national id.
    assert!(errors[5].1.contains("earlier line"), "{errors:?}");
    // The matched person got the allowance; the new ones exist with Bangla names.
    let bens = app.all_pages("/api/v1/beneficiaries", Some(&officer));
    assert_eq!(bens.len(), 3);
    assert!(bens.iter().any(|b| b["person_id"] == existing.as_str() && b["account_number"] == "01711111111"));
    assert!(bens.iter().any(|b| b["programme"] == "hijra_stipend" && b["education_level"] == "secondary"));
    // Enrolled in the earlier register, not through an application here.
    assert!(bens.iter().all(|b| b["application_id"].is_null()), "{bens:?}");
    // The two new people's names are indexed for search by the import's follow-up job.
    // (Listed by its kind, a code of the contract's list.)
    let jobs = app.get("/api/v1/jobs?kind=index_person_names").bearer(&officer).send().expect(200).json;
    assert_eq!(jobs["data"].as_array().unwrap().len(), 1, "{jobs}");
    let follow_up = jobs["data"].as_array().unwrap().iter().find(|j| j["kind"] == "index_person_names").expect("a follow-up job");
    let follow_up = wait(&app, &officer, &format!("/api/v1/jobs/{}", follow_up["id"].as_str().unwrap()));
    assert_eq!(
        (follow_up["status"].as_str(), follow_up["result"]["indexed"].as_i64()),
        (Some("succeeded"), Some(2)),
        "{follow_up}"
    );
    let found = |q: &str| {
        app.get(&format!("/api/v1/persons?{q}")).bearer(&officer).send().expect(200).json["data"].as_array().unwrap().len()
    };
    assert_eq!(found("name=new%20on"), 1);
    assert_eq!(found("name=%E0%A6%A8%E0%A6%A4%E0%A7%81%E0%A6%A8"), 1, "নতুন");
    assert_eq!(found("name=HIJRA"), 1);
    // And by birth date (indexed with the names): the new one of 1952-02-02, and the matched
    // person of 1950-01-01, recorded before the import.
    assert_eq!(found("date_of_birth=1952-02-02"), 1);
    assert_eq!(found("date_of_birth=2010-01-01"), 1);
    assert_eq!(found("date_of_birth=1950-01-01"), 1);
    // Importing the same file again adds nobody: they are all beneficiaries already.
    let again = format!("{HEADER}\nKnown,,female,1950-01-01,1950000001,,,1,old_age,2025-07,,,\n");
    let r = app
        .post("/api/v1/imports/beneficiaries")
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw(again)
        .send()
        .expect(202);
    let job = wait(&app, &officer, r.header("location").unwrap());
    assert_eq!(job["result"]["imported"], 0);
    assert!(job["result"]["errors"][0]["message"].as_str().unwrap().contains("already a beneficiary"));
    // The import is audited; someone else cannot see the job.
    let (_, other) = app.user("upz.other", "upazila_officer", "upazila:1");
    app.get(&location).bearer(&other).send().expect_problem(404, "not_found");
    app.assert_report_aggregates_exact();
}

/// People on record are found by national id, else by birth registration number (the
/// national id first when a line has both), and a matched person keeps to one allowance of a
/// group and one line per programme or group in the file.
#[test]
fn people_on_record_are_matched_by_either_identifier_and_kept_to_one_allowance_a_group() {
    let app = TestApp::new();
    let (_, officer) = app.user("upz.match", "upazila_officer", "upazila:1");
    let person = |name: &str, dob: &str, nid: Option<&str>, brn: Option<&str>| {
        app.person(
            &officer,
            &json!({"name_en": name, "sex": "female", "date_of_birth": dob, "nid": nid, "birth_registration_number": brn, "union_id": 1}),
        )
    };
    let both = person("Both Ids", "1950-01-01", Some("1950000101"), Some("19500000000000101"));
    let child = person("Child", "2012-01-01", None, Some("20120000000000102"));
    let by_nid = person("By Nid", "1950-01-04", Some("1950000104"), None);
    let by_brn = person("By Brn", "1950-01-05", None, Some("19500000000000105"));
    let import = |file: String| {
        let r = app
            .post("/api/v1/imports/beneficiaries")
            .bearer(&officer)
            .header("Content-Type", "text/csv")
            .raw(file)
            .send()
            .expect(202);
        let job = wait(&app, &officer, r.header("location").unwrap());
        assert_eq!(job["status"], "succeeded", "{job}");
        job["result"].clone()
    };
    // Already on the old-age allowance before the file.
    let first = import(format!("{HEADER}\nOld Age,,female,1950-01-03,1950000103,,,1,old_age,2025-07,,,\n"));
    assert_eq!(first["imported"], 1, "{first}");
    let result = import(format!(
        "{HEADER}\n\
         Both Ids,,female,1950-01-01,1950000101,,,1,old_age,2025-07,,,\n\
         Both Ids By Brn,,female,1950-01-01,,19500000000000101,,1,widow,2025-07,,,\n\
         Old Age,,female,1950-01-03,1950000103,,,1,widow,2025-07,,,\n\
         Child,,female,2012-01-01,,20120000000000102,,1,disability_stipend,2025-07,,,primary\n\
         Both Ids Again,,female,1950-01-01,1950000199,19500000000000101,,1,disability_stipend,2025-07,,,primary\n\
         Two People,,female,1950-01-04,1950000104,19500000000000105,,1,cct,2025-07,,,\n"
    ));
    let errors: Vec<(i64, &str)> = result["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            (3, "the same person is on an earlier line for this programme or group"),
            (4, "already receives an allowance of the same group (one person, one allowance)")
        ],
        "{result}"
    );
    assert_eq!((result["imported"].as_i64(), result["persons_matched"].as_i64()), (Some(4), Some(4)), "{result}");
    assert_eq!(result["persons_created"], 0, "{result}");
    let bens = app.all_pages("/api/v1/beneficiaries", Some(&officer));
    let holder = |programme: &str| -> Vec<String> {
        let mut holders: Vec<String> =
            bens.iter().filter(|b| b["programme"] == programme).map(|b| b["person_id"].as_str().unwrap().to_owned()).collect();
        holders.sort();
        holders
    };
    assert_eq!(holder("widow"), Vec::<String>::new());
    assert!(holder("old_age").contains(&both));
    assert_eq!(holder("disability_stipend"), {
        let mut v = vec![both.clone(), child.clone()];
        v.sort();
        v
    });
    // The national id decides when a line's two identifiers belong to two people.
    assert_eq!(holder("cct"), vec![by_nid]);
    assert!(!bens.iter().any(|b| b["person_id"] == by_brn.as_str()));
    app.assert_report_aggregates_exact();
}

/// Moving the old national MIS: one file for the whole country, one job, by the data
/// migration officer (a named national role); its result counts each upazila. Nobody else
/// imports outside their own area, the system administrator included.
#[test]
fn the_data_migration_officer_imports_the_whole_country_in_one_job() {
    let app = TestApp::new();
    let (officer_id, migration) = app.user("mis.migration", "data_migration_officer", "national");
    let (_, admin) = app.user("mis.admin", "system_admin", "national");
    let (_, hq) = app.user("mis.hq", "hq_officer", "national");
    let (_, auditor) = app.user("mis.auditor", "auditor", "national");
    let union_in = |upazila: i64| {
        app.get(&format!("/api/v1/geo/unions?upazila_id={upazila}&limit=1")).send().expect(200).json["data"][0]["id"]
            .as_i64()
            .unwrap()
    };
    let (a, b, c) = (union_in(1), union_in(200), union_in(490));
    let file = format!(
        "{HEADER}\n\
         One,,female,1950-01-01,1950100001,,,{a},old_age,2025-07,bkash,01711111111,\n\
         Two,,male,1950-01-02,1950100002,,,{b},old_age,2025-07,,,\n\
         Three,,female,1950-01-03,1950100003,,,{b},widow,2025-07,,,\n\
         Four,,male,1950-01-04,1950100004,,,{c},old_age,2025-07,,,\n\
         Nowhere,,male,1950-01-05,1950100005,,,999999,old_age,2025-07,,,\n"
    );
    let send = |token: &str| {
        app.post("/api/v1/imports/beneficiaries").bearer(token).header("Content-Type", "text/csv").raw(file.clone()).send()
    };
    for refused in [&admin, &hq] {
        assert_eq!(send(refused).expect(403).json["code"], "role_lacks_permission");
    }
    let r = send(&migration).expect(202);
    let job = wait(&app, &migration, r.header("location").unwrap());
    assert_eq!(job["status"], "succeeded", "{job}");
    let expected: Vec<(i64, i64)> = vec![(1, 1), (200, 2), (490, 1)];
    let by_upazila: Vec<(i64, i64)> = job["result"]["by_upazila"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["upazila_id"].as_i64().unwrap(), u["imported"].as_i64().unwrap()))
        .collect();
    assert_eq!(by_upazila, expected);
    assert_eq!((job["result"]["imported"].as_i64(), job["result"]["skipped"].as_i64()), (Some(4), Some(1)));
    // It reads what it moved, and decides nothing.
    assert_eq!(app.all_pages("/api/v1/beneficiaries", Some(&migration)).len(), 4);
    app.post("/api/v1/persons")
        .bearer(&migration)
        .json(&json!({"name_en": "X", "sex": "female", "age_years": 70}))
        .send()
        .expect_problem(403, "role_lacks_permission");
    // The import is in the audit trail under the officer's name.
    let audit = app
        .get(&format!("/api/v1/audit-events?action=import.beneficiaries&actor_id={officer_id}"))
        .bearer(&auditor)
        .send()
        .expect(200)
        .json;
    assert_eq!(audit["data"].as_array().unwrap().len(), 1, "{audit}");
    app.assert_report_aggregates_exact();
}

#[test]
fn a_fatal_file_changes_nothing() {
    let app = TestApp::new();
    let (_, officer) = app.user("upz.fatal", "upazila_officer", "upazila:1");
    let r = app
        .post("/api/v1/imports/beneficiaries")
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw("name_en,sex\nA,female\n")
        .send()
        .expect_problem(422, "validation_failed");
    assert!(r.json["errors"][0]["message"].as_str().unwrap().contains("missing column"));
    app.post("/api/v1/imports/beneficiaries")
        .bearer(&officer)
        .json(&json!({}))
        .send()
        .expect_problem(415, "unsupported_media_type");
    app.post("/api/v1/imports/beneficiaries")
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw(vec![0xff, 0xfe, 0x00])
        .send()
        .expect_problem(422, "validation_failed");
    // A bad byte far into a file read in pieces refuses the whole file too.
    let mut late = format!("{HEADER}\n").into_bytes();
    for n in 0..3000 {
        late.extend(format!("Amena {n},আমেনা,female,1950-01-01,,,,1,old_age,2025-07,,,\n").bytes());
    }
    late.extend(b"Bad\xff,,female,1950-01-01,,,,1,old_age,2025-07,,,\n");
    let r = app
        .post("/api/v1/imports/beneficiaries")
        .bearer(&officer)
        .header("Content-Type", "text/csv")
        .raw(late)
        .send()
        .expect_problem(422, "validation_failed");
    assert!(r.json["errors"][0]["message"].as_str().unwrap().contains("UTF-8"));
    assert!(app.all_pages("/api/v1/beneficiaries", Some(&officer)).is_empty());
    let (_, cw) = app.user("cw.import", "caseworker", "upazila:1");
    app.post("/api/v1/imports/beneficiaries")
        .bearer(&cw)
        .header("Content-Type", "text/csv")
        .raw(format!("{HEADER}\n"))
        .send()
        .expect_problem(403, "role_lacks_permission");
}

/// The import checks its rows' foreign keys once for the file instead of per row and key:
/// what it wrote refers only to rows that exist (a matched person, new persons, areas that
/// agree with themselves; no application: the beneficiaries were enrolled elsewhere), the report cells still count it (every trigger on the
/// tables it writes but the foreign-key checks fires during the import), and the per-row
/// checks are back for everyone else.
#[test]
fn an_import_refers_only_to_what_exists_and_keeps_every_other_trigger() {
    use diesel::prelude::*;
    let app = TestApp::new();
    let (_, migration) = app.user("mis.refs", "data_migration_officer", "national");
    let (_, officer) = app.user("upz.refs", "upazila_officer", "upazila:1");
    app.person(
        &officer,
        &json!({"name_en": "Known", "sex": "female", "date_of_birth": "1950-01-01", "nid": "1950000001", "union_id": 1}),
    );
    let union_in = |upazila: i64| {
        app.get(&format!("/api/v1/geo/unions?upazila_id={upazila}&limit=1")).send().expect(200).json["data"][0]["id"]
            .as_i64()
            .unwrap()
    };
    let (a, b) = (union_in(7), union_in(300));
    let file = format!(
        "{HEADER}\n\
         Known,,female,1950-01-01,1950000001,,,1,old_age,2025-07,bkash,01711111111,\n\
         New,,male,1951-01-01,1951000002,,,{a},old_age,2025-07,,,\n\
         Other,,female,1952-01-01,1952000003,,,{b},widow,2025-07,nagad,01811111111,\n"
    );
    let r = app
        .post("/api/v1/imports/beneficiaries")
        .bearer(&migration)
        .header("Content-Type", "text/csv")
        .raw(file)
        .send()
        .expect(202);
    let job = wait(&app, &migration, r.header("location").unwrap());
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!((job["result"]["imported"].as_i64(), job["result"]["persons_matched"].as_i64()), (Some(3), Some(1)), "{job}");
    let mut conn = app.db();
    let count = |conn: &mut diesel::PgConnection, sql: &str| -> i64 {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!("({sql})"))).get_result(conn).unwrap()
    };
    // Every person's names are indexed for search once the follow-up job has run.
    let unindexed = "SELECT count(*) FROM persons p WHERE NOT EXISTS (SELECT 1 FROM person_names n WHERE n.person_id = p.id
                      AND n.name_en IS NOT DISTINCT FROM lower(p.name_en) AND n.name_bn IS NOT DISTINCT FROM p.name_bn)";
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&mut conn, unindexed) > 0 {
        assert!(Instant::now() < deadline, "names not indexed: {}", count(&mut conn, unindexed));
        std::thread::sleep(Duration::from_millis(100));
    }
    for (what, sql) in [
        (
            "persons in an area not their union's",
            "SELECT count(*) FROM persons p WHERE p.union_id IS NOT NULL AND NOT EXISTS
            (SELECT 1 FROM unions n JOIN upazilas u ON u.id = n.upazila_id WHERE n.id = p.union_id AND u.id = p.upazila_id
                AND u.district_id = p.district_id AND u.division_id = p.division_id)",
        ),
        // A beneficiary carried over from an earlier register was enrolled there: the import
        // makes no application for it.
        ("applications made", "SELECT count(*) FROM applications"),
        ("beneficiaries with an application", "SELECT count(*) FROM beneficiaries WHERE application_id IS NOT NULL"),
        (
            "beneficiaries of nobody",
            "SELECT count(*) FROM beneficiaries b WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = b.person_id)",
        ),
        (
            "beneficiaries in no area",
            "SELECT count(*) FROM beneficiaries b WHERE NOT EXISTS (SELECT 1 FROM upazilas u
            WHERE u.id = b.upazila_id AND u.district_id = b.district_id AND u.division_id = b.division_id)",
        ),
        // Replica mode skips every trigger not marked ALWAYS: only the foreign-key checks may be,
        // and the two that index names for search (the import's follow-up job does).
        (
            "triggers the import would skip",
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'A'
            AND tgrelid IN ('persons'::regclass, 'beneficiaries'::regclass)
            AND tgname NOT IN ('person_names_insert', 'person_names_update')",
        ),
    ] {
        assert_eq!(count(&mut conn, sql), 0, "{what}");
    }
    assert_eq!(
        count(&mut conn, "SELECT count(*) FROM persons WHERE nid = '1950000001'"),
        1,
        "the known person was matched, not made again"
    );
    // The per-row checks hold again for every other writer.
    let err = diesel::sql_query("UPDATE beneficiaries SET person_id = gen_random_uuid() WHERE programme_code = 'widow'")
        .execute(&mut conn)
        .expect_err("a beneficiary of nobody");
    assert!(err.to_string().contains("foreign key"), "{err}");
    app.assert_report_aggregates_exact();
}
