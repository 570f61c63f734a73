//! Synthetic data for benchmarks: reproducible, valid under the domain's rules, readable by
//! the API.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use sheba_tests::TestApp;

#[derive(QueryableByName, Debug, PartialEq)]
struct Bucket {
    #[diesel(sql_type = Text)]
    programme: String,
    #[diesel(sql_type = Text)]
    sex: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn distribution(app: &TestApp) -> Vec<Bucket> {
    diesel::sql_query("SELECT programme_code AS programme, sex, count(*) AS n FROM beneficiaries GROUP BY 1, 2 ORDER BY 1, 2")
        .load(&mut app.db())
        .unwrap()
}

#[derive(QueryableByName, Debug)]
struct CaseMix {
    #[diesel(sql_type = BigInt)]
    placed: i64,
    #[diesel(sql_type = BigInt)]
    following_up: i64,
    #[diesel(sql_type = BigInt)]
    closed: i64,
    #[diesel(sql_type = BigInt)]
    reintegrated_in_year: i64,
    #[diesel(sql_type = BigInt)]
    placed_in_year: i64,
    #[diesel(sql_type = BigInt)]
    years_opened: i64,
}

#[derive(QueryableByName)]
struct CaseAt {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    upazila_id: i32,
}

#[test]
fn synthetic_data_is_reproducible_valid_and_readable() {
    let a = TestApp::new();
    let b = TestApp::new();
    for app in [&a, &b] {
        let counts = persistence::synthetic::seed(&mut app.db(), 3000, 200, 42, &mut |_| {}).unwrap();
        assert_eq!((counts.beneficiaries, counts.cases), (3000, 200));
    }
    let da = distribution(&a);
    assert_eq!(da, distribution(&b), "the same seed gives the same data");
    assert!(da.iter().all(|x| x.programme != "widow" || x.sex == "female"));
    assert!(da.iter().any(|x| x.programme == "old_age") && da.iter().any(|x| x.programme == "disability"));
    let total: i64 = da.iter().map(|x| x.n).sum();
    assert_eq!(total, 3000);
    // A synthetic case loads through the API like any other.
    let (_, hq) = a.user("hq.synth", "hq_officer", "national");
    let cases = a.get("/api/v1/cases?limit=5").bearer(&hq).send().expect(200).json;
    let id = cases["data"][0]["id"].as_str().unwrap().to_owned();
    let case = a.get(&format!("/api/v1/cases/{id}")).bearer(&hq).send().expect(200).json;
    assert!(case["record"]["status"].is_string());
    // The cases have history over five fiscal years: placements, reintegrations, closures.
    let mix: CaseMix = diesel::sql_query(
        "SELECT count(*) FILTER (WHERE jsonb_typeof(state->'placement') = 'object') AS placed,
                count(*) FILTER (WHERE status = 'follow_up') AS following_up,
                count(*) FILTER (WHERE status = 'closed') AS closed,
                count(*) FILTER (WHERE (state->'reintegration'->>'completed_on')::date BETWEEN '2025-07-01' AND '2026-06-30')
                    AS reintegrated_in_year,
                count(*) FILTER (WHERE (state->'placement'->>'admitted_on')::date <= '2026-06-30'
                                   AND coalesce((state->'placement'->>'left_on')::date, '2026-06-30') >= '2025-07-01')
                    AS placed_in_year,
                count(DISTINCT opened_on - (opened_on - DATE '2021-07-01') % 365) AS years_opened
           FROM cases",
    )
    .get_result(&mut a.db())
    .unwrap();
    assert!(mix.placed > 30 && mix.following_up > 5 && mix.closed > 30, "{mix:?}");
    assert!(mix.reintegrated_in_year > 5 && mix.reintegrated_in_year < 100, "{mix:?}");
    assert!(mix.years_opened >= 5, "{mix:?}");
    // A reintegrated child's case reads through the API and accepts the next command.
    let followed = diesel::sql_query("SELECT id, upazila_id FROM cases WHERE status = 'follow_up' ORDER BY id LIMIT 1")
        .get_result::<CaseAt>(&mut a.db())
        .unwrap();
    let (_, cw) = a.user("cw.synth", "caseworker", &format!("upazila:{}", followed.upazila_id));
    let rid = followed.id;
    let got = a.get(&format!("/api/v1/cases/{rid}")).bearer(&cw).send().expect(200);
    assert_eq!(got.json["record"]["reintegration"]["destination"], "family");
    let etag = got.header("etag").unwrap().to_owned();
    a.post(&format!("/api/v1/cases/{rid}/notes"))
        .bearer(&cw)
        .header("If-Match", &etag)
        .json(&serde_json::json!({"text": "visited"}))
        .send()
        .expect(200);
    // The reports count exactly those.
    let period = "from=2025-07-01&to=2026-06-30";
    let total = |name: &str, key: &str, measure: &str| -> i64 {
        let r = a.get(&format!("/api/v1/reports/{name}?{period}")).bearer(&hq).send().expect(200).json;
        r["rows"].as_array().unwrap().iter().find(|x| x[key].is_null()).unwrap()[measure].as_i64().unwrap()
    };
    assert_eq!(total("reintegrated_children", "category", "total"), mix.reintegrated_in_year);
    assert_eq!(total("centre_totals", "facility_id", "children_served"), mix.placed_in_year);
    let pipeline = a.get(&format!("/api/v1/reports/case_pipeline?{period}")).bearer(&hq).send().expect(200).json;
    assert_eq!(pipeline["rows"][0]["reintegrations"], mix.reintegrated_in_year);
    // And the reports count it.
    let r = a.get("/api/v1/reports/allowance_beneficiaries").bearer(&hq).send().expect(200).json;
    let total_row: i64 = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["upazila_id"].is_null())
        .map(|x| x["beneficiaries"].as_i64().unwrap())
        .sum();
    assert_eq!(total_row, 3000, "every synthetic beneficiary is active and counted once");
    a.assert_report_aggregates_exact();
}
