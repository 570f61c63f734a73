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
    assert_eq!(case["record"]["status"], "risk_assessment");
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
