//! Microcredit over HTTP: funds and their ledger, work groups, applications and the
//! committee's decisions, disbursement from revolving funds, repayments one at a time and by
//! file (idempotent on the reference), arrears, write-offs with four eyes, the reports, and
//! seed 004's fund and borrower figures rebuilt through the API.

use chrono::Utc;
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp};

fn today() -> String {
    domain::time::dhaka_date(Utc::now()).to_string()
}

fn versioned(app: &TestApp, token: &str, path: &str, version: &Value, body: Value) -> Resp {
    app.post(path).bearer(token).header("If-Match", &format!("\"{version}\"")).json(&body).send()
}

fn person(app: &TestApp, token: &str, name: &str, sex: &str) -> String {
    app.person(token, &json!({"name_en": name, "sex": sex, "age_years": 35}))
}

fn fund(app: &TestApp, token: &str, programme: &str, source: &str, capital: i64) -> String {
    let f = app
        .post("/api/v1/microcredit/funds")
        .bearer(token)
        .json(&json!({"programme": programme, "source_en": source, "source_bn": source, "upazila_id": 1}))
        .send()
        .expect(201)
        .json;
    let id = f["id"].as_str().unwrap().to_owned();
    if capital > 0 {
        versioned(
            app,
            token,
            &format!("/api/v1/microcredit/funds/{id}/capital"),
            &f["version"],
            json!({"amount_taka": capital, "received_on": today(), "reference": format!("capital {source}")}),
        )
        .expect(200);
    }
    id
}

/// A work group with these members (the first leads it).
fn group(app: &TestApp, token: &str, programme: &str, members: &[String]) -> String {
    let g = app
        .post("/api/v1/microcredit/work-groups")
        .bearer(token)
        .json(&json!({"name": format!("group of {}", &members[0][..8]), "programme": programme, "upazila_id": 1,
                      "leader_person_id": members[0], "formed_on": today()}))
        .send()
        .expect(201)
        .json;
    let id = g["id"].as_str().unwrap().to_owned();
    let mut version = g["version"].clone();
    for m in &members[1..] {
        let r = versioned(
            app,
            token,
            &format!("/api/v1/microcredit/work-groups/{id}/members"),
            &version,
            json!({"person_id": m, "joined_on": today()}),
        )
        .expect(200);
        version = r.json["version"].clone();
    }
    id
}

fn apply(app: &TestApp, token: &str, group: &str, person: &str, fund: &str, amount: i64) -> Resp {
    app.post("/api/v1/microcredit/loans")
        .bearer(token)
        .json(&json!({"group_id": group, "person_id": person, "fund_id": fund, "principal_taka": amount, "purpose": "a small shop", "applied_on": today()}))
        .send()
}

fn decide(app: &TestApp, token: &str, decisions: &[(String, bool)]) -> Resp {
    let decisions: Vec<Value> = decisions.iter().map(|(id, approve)| json!({"loan_id": id, "approve": approve})).collect();
    app.post("/api/v1/microcredit/committee-meetings")
        .bearer(token)
        .json(&json!({"upazila_id": 1, "held_on": today(), "minutes_reference": "PIC/2026/07", "decisions": decisions}))
        .send()
}

fn disburse(app: &TestApp, token: &str, loan: &str) -> Resp {
    let l = app.get(&format!("/api/v1/microcredit/loans/{loan}")).bearer(token).send().expect(200).json;
    versioned(
        app,
        token,
        &format!("/api/v1/microcredit/loans/{loan}/disbursement"),
        &l["version"],
        json!({"disbursed_on": today(), "method": "mobile_money", "reference": format!("BK-{}", &loan[24..])}),
    )
}

fn get_fund(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(&format!("/api/v1/microcredit/funds/{id}")).bearer(token).send().expect(200).json
}

#[test]
fn a_loan_from_application_to_closure_with_every_refusal_on_the_way() {
    let app = TestApp::new();
    let (_, officer) = app.user("mc.officer", "upazila_officer", "upazila:1");
    let (_, committee) = app.user("mc.committee", "committee_member", "upazila:1");
    let (_, caseworker) = app.user("mc.cw", "caseworker", "upazila:1");
    let rina = person(&app, &officer, "Rina Begum", "female");
    let mita = person(&app, &officer, "Mita Rani", "female");
    let stranger = person(&app, &officer, "Not A Member", "male");
    let rss = fund(&app, &officer, "rss", "Revenue revolving fund", 30_000);
    let ucd = fund(&app, &officer, "urban_community_development", "UNICEF family development fund", 80_000);
    let g = group(&app, &officer, "rss", &[rina.clone(), mita.clone()]);
    // Who may: a caseworker may not run microcredit at all.
    apply(&app, &caseworker, &g, &rina, &rss, 10_000).expect_problem(403, "role_lacks_permission");
    // Refusals at application.
    apply(&app, &officer, &g, &rina, &rss, 25_000).expect_problem(422, "microcredit-loan-amount");
    apply(&app, &officer, &g, &rina, &rss, 4_000).expect_problem(422, "microcredit-loan-amount");
    let r = apply(&app, &officer, &g, &stranger, &rss, 10_000).expect_problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["field"], "person_id");
    let r = apply(&app, &officer, &g, &rina, &ucd, 10_000).expect_problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["field"], "fund_id", "another programme's fund");
    let loan = apply(&app, &officer, &g, &rina, &rss, 10_000).expect(201).json;
    assert_eq!(
        (loan["status"].as_str(), loan["charge_taka"].as_i64(), loan["cycle"].as_i64()),
        (Some("applied"), Some(1_000), Some(1))
    );
    let id = loan["id"].as_str().unwrap().to_owned();
    // One open loan per person, across the programmes.
    apply(&app, &officer, &g, &rina, &rss, 8_000).expect_problem(409, "microcredit-one-open-loan");
    // Not disbursed before the committee decides.
    disburse(&app, &officer, &id).expect_problem(409, "microcredit-status-order");
    // The committee decides (its member may; the caseworker may not), once.
    decide(&app, &caseworker, &[(id.clone(), true)]).expect_problem(403, "role_lacks_permission");
    let other = apply(&app, &officer, &g, &mita, &rss, 20_000).expect(201).json["id"].as_str().unwrap().to_owned();
    let meeting = decide(&app, &committee, &[(id.clone(), true), (other.clone(), false)]).expect(201).json;
    assert_eq!((meeting["approved"].as_i64(), meeting["rejected"].as_i64()), (Some(1), Some(1)));
    decide(&app, &committee, &[(id.clone(), false)]).expect_problem(409, "microcredit-status-order");
    // Disbursement draws on the fund and makes the schedule.
    let l = disburse(&app, &officer, &id).expect(200).json;
    assert_eq!(l["status"], "active");
    let schedule = l["schedule"].as_array().unwrap();
    assert_eq!(schedule.len(), 10);
    let total: i64 = schedule.iter().map(|i| i["principal_taka"].as_i64().unwrap() + i["charge_taka"].as_i64().unwrap()).sum();
    assert_eq!(total, 11_000);
    assert_eq!((l["from_capital_taka"].as_i64(), l["from_recoveries_taka"].as_i64()), (Some(10_000), Some(0)));
    let f = get_fund(&app, &officer, &rss);
    assert_eq!((f["invested_taka"].as_i64(), f["balance_taka"].as_i64()), (Some(10_000), Some(20_000)));
    disburse(&app, &officer, &id).expect_problem(409, "microcredit-status-order");
    // Repayments: partial, by the programme's strategy (charge first within an instalment).
    let pay = |reference: &str, amount: i64| {
        app.post(&format!("/api/v1/microcredit/loans/{id}/repayments"))
            .bearer(&officer)
            .json(&json!({"reference": reference, "paid_on": today(), "amount_taka": amount, "method": "cash"}))
            .send()
    };
    let l = pay("R-1", 150).expect(201).json;
    assert_eq!(l["schedule"][0]["paid_charge_taka"], 100);
    assert_eq!(l["schedule"][0]["paid_principal_taka"], 50);
    // The same receipt again posts nothing; the same receipt with another amount is refused.
    let again = pay("R-1", 150).expect(200).json;
    assert_eq!(again["repayments"].as_array().unwrap().len(), 1);
    let r = pay("R-1", 151).expect_problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["code"], "conflict");
    // More than is outstanding is refused; nothing half-written.
    let r = pay("R-2", 11_000).expect_problem(422, "validation_failed");
    assert!(r.text.contains("repayment.exceeds_outstanding"), "{}", r.text);
    // Early repayment of the rest closes the loan.
    let l = pay("R-3", 10_850).expect(201).json;
    assert_eq!((l["status"].as_str(), l["outstanding_total_taka"].as_i64()), (Some("closed"), Some(0)));
    assert!(l["schedule"].as_array().unwrap().iter().all(|i| i["paid_principal_taka"] == i["principal_taka"]));
    pay("R-4", 100).expect_problem(422, "validation_failed");
    let f = get_fund(&app, &officer, &rss);
    assert_eq!((f["principal_recovered_taka"].as_i64(), f["charge_collected_taka"].as_i64()), (Some(10_000), Some(1_000)));
    assert_eq!(f["outstanding_principal_taka"], 0);
    // A repeat loan: the ceiling is higher, and it is re-invested from the recoveries.
    let second = apply(&app, &officer, &g, &rina, &rss, 25_000).expect(201).json;
    assert_eq!(second["cycle"], 2);
    let second = second["id"].as_str().unwrap().to_owned();
    decide(&app, &committee, &[(second.clone(), true)]).expect(201);
    let l = disburse(&app, &officer, &second).expect(200).json;
    assert_eq!((l["from_recoveries_taka"].as_i64(), l["from_capital_taka"].as_i64()), (Some(10_000), Some(15_000)));
    // The ledger holds every movement, append-only.
    let entries = app.get(&format!("/api/v1/microcredit/funds/{rss}/entries")).bearer(&officer).send().expect(200).json;
    let kinds: Vec<&str> = entries["data"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "capital_received",
            "invested",
            "principal_recovered",
            "charge_collected",
            "principal_recovered",
            "charge_collected",
            "invested",
            "reinvested"
        ]
    );
    // Each recovery carries its receipt number, the reference the office reconciles against.
    let references: Vec<&str> =
        entries["data"].as_array().unwrap()[2..6].iter().map(|e| e["reference"].as_str().unwrap()).collect();
    assert_eq!(references, ["R-1", "R-1", "R-3", "R-3"]);
    // Write-off: asked with a reason by one officer, approved by another.
    let (_, district) = app.user("mc.district", "district_officer", "district:1");
    let l = app.get(&format!("/api/v1/microcredit/loans/{second}")).bearer(&officer).send().expect(200).json;
    versioned(
        &app,
        &officer,
        &format!("/api/v1/microcredit/loans/{second}/write-off-request"),
        &l["version"],
        json!({"reason": " "}),
    )
    .expect_problem(422, "microcredit-write-off-reason");
    let l = versioned(
        &app,
        &officer,
        &format!("/api/v1/microcredit/loans/{second}/write-off-request"),
        &l["version"],
        json!({"reason": "Borrower died"}),
    )
    .expect(200)
    .json;
    versioned(
        &app,
        &officer,
        &format!("/api/v1/microcredit/loans/{second}/write-off-decision"),
        &l["version"],
        json!({"approve": true}),
    )
    .expect_problem(409, "microcredit-write-off-four-eyes");
    let l = versioned(
        &app,
        &district,
        &format!("/api/v1/microcredit/loans/{second}/write-off-decision"),
        &l["version"],
        json!({"approve": true}),
    )
    .expect(200)
    .json;
    assert_eq!((l["status"].as_str(), l["written_off_taka"].as_i64()), (Some("written_off"), Some(25_000)));
    // The write-off says what it forgoes: the service charge never collected (10% of 25,000).
    let w = &l["write_offs"][0];
    assert_eq!((w["principal_written_off_taka"].as_i64(), w["charge_forgone_taka"].as_i64()), (Some(25_000), Some(2_500)));
    assert_eq!((l["outstanding_total_taka"].as_i64(), l["outstanding_charge_taka"].as_i64()), (Some(0), Some(0)));
    let f = get_fund(&app, &officer, &rss);
    assert_eq!((f["written_off_taka"].as_i64(), f["outstanding_principal_taka"].as_i64()), (Some(25_000), Some(0)));
    // A written-off borrower gets no further loan.
    apply(&app, &officer, &g, &rina, &rss, 10_000).expect_problem(409, "microcredit-previous-repaid");
    app.assert_report_aggregates_exact();
}

#[test]
fn a_fund_never_goes_negative_even_when_two_disbursements_race_for_its_last_taka() {
    let app = TestApp::new();
    let (_, officer) = app.user("mc.race", "upazila_officer", "upazila:1");
    let people: Vec<String> = (0..3).map(|i| person(&app, &officer, &format!("Borrower {i}"), "female")).collect();
    let f = fund(&app, &officer, "rmc", "Pilot scheme", 20_000);
    let g = group(&app, &officer, "rmc", &people);
    let loans: Vec<String> = people
        .iter()
        .map(|p| apply(&app, &officer, &g, p, &f, 15_000).expect(201).json["id"].as_str().unwrap().to_owned())
        .collect();
    decide(&app, &officer, &loans.iter().map(|l| (l.clone(), true)).collect::<Vec<_>>()).expect(201);
    // Two at once: the fund covers one of them.
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = loans[..2].iter().map(|l| s.spawn(|| disburse(&app, &officer, l).status)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, [200, 409], "{statuses:?}");
    let r = disburse(&app, &officer, &loans[2]).expect_problem(409, "fund-balance");
    assert!(r.text.contains("fund"));
    let fv = get_fund(&app, &officer, &f);
    assert_eq!((fv["invested_taka"].as_i64(), fv["balance_taka"].as_i64()), (Some(15_000), Some(5_000)));
    app.assert_report_aggregates_exact();
}

/// Posts one file; returns the response.
fn post_file(app: &TestApp, token: &str, csv: String) -> Resp {
    app.post("/api/v1/microcredit/repayment-files").bearer(token).header("Content-Type", "text/csv").raw(csv).send()
}

#[test]
fn a_repayment_file_is_all_or_nothing_and_posts_nothing_twice() {
    let app = TestApp::new();
    let (_, officer) = app.user("mc.file", "upazila_officer", "upazila:1");
    let people: Vec<String> = (0..3).map(|i| person(&app, &officer, &format!("Payer {i}"), "male")).collect();
    let f = fund(&app, &officer, "ashrayan", "Ashrayan revolving fund", 100_000);
    let g = group(&app, &officer, "ashrayan", &people);
    let mut numbers = vec![];
    for p in &people {
        let l = apply(&app, &officer, &g, p, &f, 10_000).expect(201).json;
        numbers.push((l["id"].as_str().unwrap().to_owned(), l["loan_number"].as_str().unwrap().to_owned()));
    }
    decide(&app, &officer, &numbers.iter().map(|(id, _)| (id.clone(), true)).collect::<Vec<_>>()).expect(201);
    for (id, _) in &numbers {
        disburse(&app, &officer, id).expect(200);
    }
    let header = "loan_number,reference,paid_on,amount_taka,method";
    let t = today();
    // Ashrayan: 8% charge, so 10,800 repays a loan in full.
    // Every kind of fault at once: an unknown loan, too much, a future day, a malformed amount.
    let bad = format!(
        "{header}\n{n0},TX-1,{t},1080,mobile_money\nMC-1999-000001,TX-2,{t},100,cash\n{n1},TX-3,{t},99999,cash\n{n2},TX-4,2999-01-01,100,cash\n{n2},TX-6,{t},12x,cash\n",
        n0 = numbers[0].1,
        n1 = numbers[1].1,
        n2 = numbers[2].1
    );
    let r = post_file(&app, &officer, bad).expect_problem(422, "validation_failed");
    let fields: Vec<(&str, &str)> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [("line:3", "not_found"), ("line:4", "refused"), ("line:5", "refused"), ("line:6", "invalid_format")],
        "{}",
        r.text
    );
    assert_eq!(get_fund(&app, &officer, &f)["principal_recovered_taka"], 0, "nothing was posted");
    let good = format!(
        "{header}\n{n0},TX-1,{t},1080,mobile_money\n{n0},TX-5,{t},1080,mobile_money\n{n1},TX-3,{t},10800,cash\n",
        n0 = numbers[0].1,
        n1 = numbers[1].1
    );
    let r = post_file(&app, &officer, good.clone()).expect(200).json;
    assert_eq!((r["posted"].as_i64(), r["already_posted"].as_i64()), (Some(3), Some(0)));
    assert_eq!(r["principal_recovered_taka"].as_i64().unwrap() + r["charge_collected_taka"].as_i64().unwrap(), 12_960);
    // The same statement again: nothing posted twice.
    let r = post_file(&app, &officer, good).expect(200).json;
    assert_eq!((r["posted"].as_i64(), r["already_posted"].as_i64()), (Some(0), Some(3)));
    let l1 = app.get(&format!("/api/v1/microcredit/loans/{}", numbers[1].0)).bearer(&officer).send().expect(200).json;
    assert_eq!(l1["status"], "closed");
    let l0 = app.get(&format!("/api/v1/microcredit/loans/{}", numbers[0].0)).bearer(&officer).send().expect(200).json;
    assert_eq!((l0["repayments"].as_array().unwrap().len(), l0["outstanding_total_taka"].as_i64()), (2, Some(10_800 - 2_160)));
    // The two meanings of outstanding, named apart: what she owes, and the principal of it.
    assert_eq!(
        (l0["outstanding_principal_taka"].as_i64(), l0["outstanding_charge_taka"].as_i64()),
        (Some(10_000 - 2_000), Some(800 - 160))
    );
    let fv = get_fund(&app, &officer, &f);
    assert_eq!(fv["principal_recovered_taka"].as_i64().unwrap() + fv["charge_collected_taka"].as_i64().unwrap(), 12_960);
    // Another office's officer finds none of these loans.
    let (_, elsewhere) = app.user("mc.elsewhere", "upazila_officer", "upazila:2");
    let r = post_file(&app, &elsewhere, format!("{header}\n{},TX-9,{t},100,cash\n", numbers[2].1))
        .expect_problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["code"], "not_found");
    // Reports: flows this month, and the portfolio at risk (nothing overdue yet).
    let flows = app.get("/api/v1/reports/microcredit_flows").bearer(&officer).send().expect(200).json;
    let total = flows["rows"].as_array().unwrap().iter().find(|r| r["month"].is_null()).unwrap().clone();
    assert_eq!((total["loans_disbursed"].as_i64(), total["repayments"].as_i64()), (Some(3), Some(3)));
    let par = app.get("/api/v1/reports/microcredit_portfolio_at_risk").bearer(&officer).send().expect(200).json;
    let rows = par["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6, "{par}");
    assert_eq!((rows[0]["bucket"].as_str(), rows[0]["loans"].as_i64()), (Some("current"), Some(2)));
    app.assert_report_aggregates_exact();
}

/// Arrears age from the oldest unpaid instalment: a loan whose instalments fell due long ago
/// lands in the oldest bucket (the schedule is set in the past directly, as time would).
#[test]
fn overdue_loans_age_into_the_portfolio_at_risk_buckets() {
    use diesel::RunQueryDsl;
    let app = TestApp::new();
    let (_, officer) = app.user("mc.par", "upazila_officer", "upazila:1");
    let people: Vec<String> = (0..2).map(|i| person(&app, &officer, &format!("Late {i}"), "female")).collect();
    let f = fund(&app, &officer, "rss", "Revolving fund", 100_000);
    let g = group(&app, &officer, "rss", &people);
    let ids: Vec<String> = people
        .iter()
        .map(|p| apply(&app, &officer, &g, p, &f, 10_000).expect(201).json["id"].as_str().unwrap().to_owned())
        .collect();
    decide(&app, &officer, &ids.iter().map(|l| (l.clone(), true)).collect::<Vec<_>>()).expect(201);
    for id in &ids {
        disburse(&app, &officer, id).expect(200);
    }
    // The first loan's schedule moved 160 days back: its first instalment is long overdue.
    let mut conn = app.db();
    diesel::sql_query(format!("UPDATE loan_instalments SET due_on = due_on - 160 WHERE loan_id = '{}'", ids[0]))
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query(format!(
        "UPDATE loans SET oldest_due_on = (SELECT min(due_on) FROM loan_instalments WHERE loan_id = '{0}') WHERE id = '{0}'",
        ids[0]
    ))
    .execute(&mut conn)
    .unwrap();
    let l = app.get(&format!("/api/v1/microcredit/loans/{}", ids[0])).bearer(&officer).send().expect(200).json;
    assert!(l["days_past_due"].as_i64().unwrap() > 90, "{l}");
    assert_eq!(l["arrears_bucket"], "over_90");
    let par = app.get("/api/v1/reports/microcredit_portfolio_at_risk").bearer(&officer).send().expect(200).json;
    let by: std::collections::BTreeMap<String, i64> = par["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| Some((r["bucket"].as_str()?.to_owned(), r["loans"].as_i64()?)))
        .collect();
    assert_eq!((by["current"], by["over_90"], by["days_1_30"]), (1, 1, 0), "{par}");
    app.assert_report_aggregates_exact();
}

/// Runs `f` over `items` on a few threads (the server takes requests in parallel).
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let chunk = items.len().div_ceil(4).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items.chunks(chunk).map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

/// One round of lending: the loans of `amounts` from `fund`, to new members of groups of the
/// programme (the first `men` of them men), decided and disbursed. Returns (loan id, number,
/// principal + charge).
#[allow(clippy::too_many_arguments)]
fn lend(
    app: &TestApp,
    officer: &str,
    tag: &str,
    programme: &str,
    fund: &str,
    amounts: &[i64],
    men: usize,
) -> Vec<(String, String, i64)> {
    let indexed: Vec<(usize, i64)> = amounts.iter().copied().enumerate().collect();
    let people: Vec<String> = par_map(&indexed, |(i, _)| {
        person(app, officer, &format!("{tag} Borrower {i}"), if *i < men { "male" } else { "female" })
    });
    if programme == "burn_disability_rehabilitation" {
        // The programme lends to those whose records show a disability (or a burn).
        par_map(&people, |p| {
            app.post("/api/v1/disability-records")
                .bearer(officer)
                .json(&json!({"person_id": p, "disability_type": "physical", "severity": "moderate",
                              "assessed_by": "Dr. Rahman", "assessed_on": days_ago(30), "upazila_id": 1}))
                .send()
                .expect(201);
        });
    }
    let groups: Vec<Vec<String>> = people.chunks(50).map(<[String]>::to_vec).collect();
    let group_ids: Vec<String> = par_map(&groups, |members| group(app, officer, programme, members));
    let applications: Vec<(usize, i64)> = indexed.clone();
    let loans: Vec<(String, String, i64)> = par_map(&applications, |(i, amount)| {
        let l = apply(app, officer, &group_ids[i / 50], &people[*i], fund, *amount).expect(201).json;
        (
            l["id"].as_str().unwrap().to_owned(),
            l["loan_number"].as_str().unwrap().to_owned(),
            amount + l["charge_taka"].as_i64().unwrap(),
        )
    });
    for chunk in loans.chunks(100) {
        decide(app, officer, &chunk.iter().map(|(id, ..)| (id.clone(), true)).collect::<Vec<_>>()).expect(201);
    }
    par_map(&loans, |(id, ..)| {
        // Applied (version 1), then decided (2).
        versioned(
            app,
            officer,
            &format!("/api/v1/microcredit/loans/{id}/disbursement"),
            &json!(2),
            json!({"disbursed_on": today(), "method": "cash", "reference": format!("D-{}", &id[24..])}),
        )
        .expect(200);
    });
    loans
}

/// Repays the loans in full, by one collection file.
fn repay_all(app: &TestApp, officer: &str, tag: &str, loans: &[(String, String, i64)]) {
    let mut csv = String::from("loan_number,reference,paid_on,amount_taka,method\n");
    for (_, number, due) in loans {
        csv.push_str(&format!("{number},{tag}-{number},{},{due},cash\n", today()));
    }
    let r = post_file(app, officer, csv).expect(200).json;
    assert_eq!(r["posted"].as_u64(), Some(loans.len() as u64));
}

/// Seed 004 (an urban social services office in Dhaka): its seven revolving funds with the
/// capital received, the urban programme's Tk 77,07,700 invested and Tk 92,85,000
/// re-invested, and the burn-and-disabled programme's Tk 16,28,000 and Tk 32,70,000, for 1,978
/// borrowers (561 men, 1,417 women), entered through the API as the office would, come out of
/// the reports to the taka.
#[test]
fn seed_004_funds_and_borrowers_rebuilt_through_the_api() {
    let app = TestApp::new();
    let (_, officer) = app.user("mc.seed", "upazila_officer", "upazila:1");
    let ucd = "urban_community_development";
    let sources: [(&str, i64); 6] = [
        ("UNICEF family development fund", 80_000),
        ("Pilot scheme", 514_000),
        ("Revenue revolving fund", 42_751),
        ("SEPI / other city fund", 91_500),
        ("CEDC", 290_800),
        ("Interest-free microcredit revolving fund", 7_420_000),
    ];
    let funds: Vec<String> = sources.iter().map(|(name, capital)| fund(&app, &officer, ucd, name, *capital)).collect();
    let (pilot, big) = (&funds[1], &funds[5]);
    let burn = fund(&app, &officer, "burn_disability_rehabilitation", "Burn and disabled rehabilitation fund", 1_641_077);

    // Urban programme. Invested: 736 first loans from capital (108 men).
    let mut u1 = lend(&app, &officer, "U1", ucd, big, &[10_500; 700], 108);
    u1.extend(lend(&app, &officer, "U1p", ucd, pilot, &[[10_000; 35].as_slice(), &[7_700]].concat(), 0));
    repay_all(&app, &officer, "U1", &u1);
    // Re-invested: 935 loans from recovered principal (282 men), in two turns of the fund.
    let u2 = lend(&app, &officer, "U2", ucd, big, &[10_500; 700], 282);
    lend(&app, &officer, "U2p", ucd, pilot, &[10_000; 35], 0);
    repay_all(&app, &officer, "U2", &u2);
    lend(&app, &officer, "U3", ucd, big, &[7_925; 200], 0);

    // Burn and disabled rehabilitation. Invested: 136 loans (76 men); re-invested: 171 (95 men).
    let b1 =
        lend(&app, &officer, "B1", "burn_disability_rehabilitation", &burn, &[[11_970; 135].as_slice(), &[12_050]].concat(), 76);
    repay_all(&app, &officer, "B1", &b1);
    let b2 = lend(&app, &officer, "B2", "burn_disability_rehabilitation", &burn, &[19_000; 60], 60);
    repay_all(&app, &officer, "B2", &b2);
    let b3 = lend(&app, &officer, "B3", "burn_disability_rehabilitation", &burn, &[19_000; 60], 35);
    repay_all(&app, &officer, "B3", &b3);
    lend(&app, &officer, "B4", "burn_disability_rehabilitation", &burn, &[[19_400; 50].as_slice(), &[20_000]].concat(), 0);

    // Fund position: the capital each source received, and the totals of seed 004.
    let report = app.get("/api/v1/reports/microcredit_funds").bearer(&officer).send().expect(200).json;
    let rows = report["rows"].as_array().unwrap();
    for (name, capital) in sources {
        let row = rows.iter().find(|r| r["source_en"] == name).unwrap_or_else(|| panic!("no row for {name}"));
        assert_eq!(row["capital_received_taka"].as_i64(), Some(capital), "{name}");
    }
    let total = rows.iter().find(|r| r["fund_id"].is_null()).unwrap();
    assert_eq!(total["capital_received_taka"], 10_080_128, "Tk 1,00,80,128 in all");
    assert_eq!(total["invested_taka"], 7_707_700 + 1_628_000);
    assert_eq!(total["reinvested_taka"], 9_285_000 + 3_270_000);
    let ucd_capital: i64 =
        rows.iter().filter(|r| r["programme"] == ucd).map(|r| r["capital_received_taka"].as_i64().unwrap()).sum();
    assert_eq!(ucd_capital, 8_439_051, "Tk 84,39,051 for the urban programme");

    // Borrowers by programme, tranche and sex, over everything lent so far.
    let report = app.get("/api/v1/reports/microcredit_borrowers?from=2020-01-01").bearer(&officer).send().expect(200).json;
    let row = |programme: &str, tranche: &str| {
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["programme"] == programme && r["tranche"] == tranche)
            .unwrap_or_else(|| panic!("no {programme} {tranche} row in {report}"))
            .clone()
    };
    let figures = |r: Value| (r["men"].as_i64(), r["women"].as_i64(), r["borrowers"].as_i64(), r["amount_taka"].as_i64());
    assert_eq!(figures(row(ucd, "invested")), (Some(108), Some(628), Some(736), Some(7_707_700)));
    assert_eq!(figures(row(ucd, "reinvested")), (Some(282), Some(653), Some(935), Some(9_285_000)));
    let burn_code = "burn_disability_rehabilitation";
    assert_eq!(figures(row(burn_code, "invested")), (Some(76), Some(60), Some(136), Some(1_628_000)));
    assert_eq!(figures(row(burn_code, "reinvested")), (Some(95), Some(76), Some(171), Some(3_270_000)));
    let all = report["rows"].as_array().unwrap().iter().find(|r| r["programme"].is_null()).unwrap().clone();
    assert_eq!((all["borrowers"].as_i64(), all["men"].as_i64(), all["women"].as_i64()), (Some(1_978), Some(561), Some(1_417)));
    app.assert_report_aggregates_exact();
}

fn days_ago(n: i64) -> String {
    (domain::time::dhaka_date(Utc::now()) - chrono::Duration::days(n)).to_string()
}

fn report(app: &TestApp, token: &str, name: &str, to: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/reports/{name}?from={to}&to={to}")).bearer(token).send().expect(200).json;
    r["rows"].as_array().unwrap().clone()
}

/// An office before its first fund: every microcredit report answers, with zeros.
#[test]
fn every_microcredit_report_answers_an_office_without_a_fund() {
    let app = TestApp::new();
    let (_, officer) = app.user("mc.empty", "upazila_officer", "upazila:2");
    for name in ["microcredit_funds", "microcredit_borrowers", "microcredit_portfolio_at_risk", "microcredit_flows"] {
        let rows = report(&app, &officer, name, &today());
        if name == "microcredit_funds" {
            assert_eq!(rows.len(), 1, "only the total: {rows:?}");
            assert!(rows[0]["fund_id"].is_null());
            assert_eq!(
                (rows[0]["capital_received_taka"].as_i64(), rows[0]["outstanding_principal_taka"].as_i64()),
                (Some(0), Some(0))
            );
        }
    }
}

/// A loan's steps dated in order, each against the one before it; repeat loans across the
/// programmes; the rehabilitation programme's borrowers shown by their records; and the fund
/// and portfolio at risk as they stood on a past day, not as they stand now.
#[test]
fn microcredit_on_a_past_day_and_every_step_in_date_order() {
    let app = TestApp::new();
    let (_, officer) = app.user("mc.past", "upazila_officer", "upazila:1");
    let rina = person(&app, &officer, "Rina Past", "female");
    let mita = person(&app, &officer, "Mita Past", "female");
    let late = person(&app, &officer, "Late Joiner", "female");
    let f = app
        .post("/api/v1/microcredit/funds")
        .bearer(&officer)
        .json(&json!({"programme": "rss", "source_en": "Past fund", "source_bn": "পুরনো তহবিল", "upazila_id": 1}))
        .send()
        .expect(201)
        .json;
    let fund_id = f["id"].as_str().unwrap().to_owned();
    versioned(
        &app,
        &officer,
        &format!("/api/v1/microcredit/funds/{fund_id}/capital"),
        &f["version"],
        json!({"amount_taka": 100_000, "received_on": days_ago(130), "reference": "capital 2026"}),
    )
    .expect(200);
    let g = app
        .post("/api/v1/microcredit/work-groups")
        .bearer(&officer)
        .json(&json!({"name": "Past group", "programme": "rss", "upazila_id": 1, "leader_person_id": rina, "formed_on": days_ago(120)}))
        .send()
        .expect(201)
        .json;
    assert_eq!(g["formed_on"], days_ago(120));
    let gid = g["id"].as_str().unwrap().to_owned();
    let member = |person: &str, joined: String, version: &Value| {
        versioned(
            &app,
            &officer,
            &format!("/api/v1/microcredit/work-groups/{gid}/members"),
            version,
            json!({"person_id": person, "joined_on": joined}),
        )
    };
    member(&mita, days_ago(121), &g["version"]).expect_problem(422, "microcredit-joined-before-group-formed");
    let g = member(&mita, days_ago(118), &g["version"]).expect(200).json;
    member(&late, days_ago(10), &g["version"]).expect(200);
    let apply_on = |person: &str, day: String| {
        app.post("/api/v1/microcredit/loans")
            .bearer(&officer)
            .json(&json!({"group_id": gid, "person_id": person, "fund_id": fund_id, "principal_taka": 10_000, "purpose": "a cow", "applied_on": day}))
            .send()
    };
    apply_on(&rina, days_ago(121)).expect_problem(422, "microcredit-applied-before-group-formed");
    apply_on(&late, days_ago(20)).expect_problem(422, "microcredit-applied-before-joining");
    let first = apply_on(&rina, days_ago(115)).expect(201).json["id"].as_str().unwrap().to_owned();
    let meeting = |loan: &str, day: String| {
        app.post("/api/v1/microcredit/committee-meetings")
            .bearer(&officer)
            .json(&json!({"upazila_id": 1, "held_on": day, "minutes_reference": "PIC/past", "decisions": [{"loan_id": loan, "approve": true}]}))
            .send()
    };
    meeting(&first, days_ago(112)).expect(201);
    let disburse_on = |loan: &str, day: String| {
        let l = app.get(&format!("/api/v1/microcredit/loans/{loan}")).bearer(&officer).send().expect(200).json;
        versioned(
            &app,
            &officer,
            &format!("/api/v1/microcredit/loans/{loan}/disbursement"),
            &l["version"],
            json!({"disbursed_on": day, "method": "cash", "reference": format!("D-{}", &loan[24..])}),
        )
    };
    disburse_on(&first, days_ago(113)).expect_problem(422, "microcredit-disbursed-before-approval");
    let l = disburse_on(&first, days_ago(110)).expect(200).json;
    // Two instalments paid, late, five days ago: 2,200 (charge first).
    let due: Vec<String> = l["schedule"].as_array().unwrap().iter().map(|i| i["due_on"].as_str().unwrap().to_owned()).collect();
    assert!(due[1] < days_ago(5) && due[2] > today(), "the schedule: {due:?}");
    app.post(&format!("/api/v1/microcredit/loans/{first}/repayments"))
        .bearer(&officer)
        .json(&json!({"reference": "R-late", "paid_on": days_ago(5), "amount_taka": 2_200, "method": "cash"}))
        .send()
        .expect(201);
    // A second loan, disbursed today: after the past day asked about.
    let second = apply_on(&mita, today()).expect(201).json["id"].as_str().unwrap().to_owned();
    meeting(&second, today()).expect(201);
    disburse_on(&second, today()).expect(200);

    // The fund as it stood 20 days ago: one loan out, nothing recovered yet.
    let fund_then = report(&app, &officer, "microcredit_funds", &days_ago(20));
    let row = fund_then.iter().find(|r| r["fund_id"] == fund_id.as_str()).unwrap();
    assert_eq!(
        (row["invested_taka"].as_i64(), row["principal_recovered_taka"].as_i64(), row["outstanding_principal_taka"].as_i64()),
        (Some(10_000), Some(0), Some(10_000)),
        "{row}"
    );
    let fund_now = report(&app, &officer, "microcredit_funds", &today());
    let row = fund_now.iter().find(|r| r["fund_id"] == fund_id.as_str()).unwrap();
    // The second loan went out after 2,000 of principal came back: that much is re-invested.
    assert_eq!(
        (
            row["invested_taka"].as_i64(),
            row["reinvested_taka"].as_i64(),
            row["principal_recovered_taka"].as_i64(),
            row["charge_collected_taka"].as_i64()
        ),
        (Some(18_000), Some(2_000), Some(2_000), Some(200)),
        "{row}"
    );
    // Before the capital came, the fund did not hold it.
    let before = report(&app, &officer, "microcredit_funds", &days_ago(131));
    assert!(before.iter().filter(|r| r["fund_id"] == fund_id.as_str()).all(|r| r["capital_received_taka"] == 0), "{before:?}");
    // Portfolio at risk 20 days ago: only the first loan, its first instalment unpaid then.
    let par = |day: String| -> std::collections::BTreeMap<String, (i64, i64)> {
        report(&app, &officer, "microcredit_portfolio_at_risk", &day)
            .iter()
            .map(|r| {
                let bucket = r["bucket"].as_str().unwrap_or("total").to_owned();
                (bucket, (r["loans"].as_i64().unwrap(), r["outstanding_principal_taka"].as_i64().unwrap()))
            })
            .collect()
    };
    let then = par(days_ago(20));
    assert_eq!(then["total"], (1, 10_000), "{then:?}");
    assert_eq!(then["current"].0, 0, "the first instalment was overdue then: {then:?}");
    let now = par(today());
    assert_eq!(now["total"], (2, 18_000), "{now:?}");
    assert_eq!(now["current"].0, 2, "both are current now: {now:?}");
    assert_eq!(par(days_ago(111))["total"], (0, 0), "nothing was lent yet");

    // Repeat loans across the programmes: her RSS loan repaid, an RMC loan is her second.
    let rest = app.get(&format!("/api/v1/microcredit/loans/{first}")).bearer(&officer).send().expect(200).json;
    let owed = rest["outstanding_total_taka"].as_i64().unwrap();
    app.post(&format!("/api/v1/microcredit/loans/{first}/repayments"))
        .bearer(&officer)
        .json(&json!({"reference": "R-rest", "paid_on": today(), "amount_taka": owed, "method": "cash"}))
        .send()
        .expect(201);
    let rmc = fund(&app, &officer, "rmc", "Mother centre fund", 50_000);
    let rmc_group = group(&app, &officer, "rmc", std::slice::from_ref(&rina));
    let repeat = apply(&app, &officer, &rmc_group, &rina, &rmc, 30_000).expect(201).json;
    assert_eq!(repeat["cycle"], 2, "{repeat}");

    // The rehabilitation programme lends to those whose records show a burn or a disability.
    let rehab = fund(&app, &officer, "burn_disability_rehabilitation", "Rehabilitation fund", 50_000);
    let anwar = person(&app, &officer, "Anwar Hossain", "male");
    let rehab_group = group(&app, &officer, "burn_disability_rehabilitation", std::slice::from_ref(&anwar));
    apply(&app, &officer, &rehab_group, &anwar, &rehab, 10_000).expect_problem(422, "microcredit-rehabilitation-eligibility");
    app.post("/api/v1/disability-records")
        .bearer(&officer)
        .json(&json!({"person_id": anwar, "disability_type": "physical", "severity": "moderate", "assessed_by": "Dr. Rahman",
                      "assessed_on": days_ago(30), "upazila_id": 1}))
        .send()
        .expect(201);
    apply(&app, &officer, &rehab_group, &anwar, &rehab, 10_000).expect(201);
    app.assert_report_aggregates_exact();
}
