//! The log holds no personal data, and metrics are served apart from the API. A real
//! `sheba serve` writes JSON lines to a file while a caseworker signs in (once with a wrong
//! password), records people, searches them by name and by NID, and opens and reads a case.
//! The log names each route by its template and request id, and contains none of the names,
//! identifiers, record ids, passwords or tokens that went over the wire.

use serde_json::{json, Value};
use sheba_tests::process::ServerProcess;
use sheba_tests::{TestApp, PASSWORD};

fn send(server: &ServerProcess, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let mut req = ureq::request(method, &server.url(path));
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    let res = match body {
        Some(b) => req.send_json(b),
        None => req.call(),
    };
    let res = match res {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {path}: {e}"),
    };
    let status = res.status();
    (status, res.into_json().unwrap_or(Value::Null))
}

#[test]
fn the_log_holds_no_personal_data_and_metrics_count_route_templates() {
    let app = TestApp::new();
    app.user("log.caseworker", "caseworker", "upazila:1");
    let log = std::env::temp_dir().join(format!("sheba-log-test-{}.jsonl", std::process::id()));
    let metrics_port = sheba_tests::process::free_port();
    let metrics_bind = format!("127.0.0.1:{metrics_port}");
    let server = ServerProcess::start(
        &app.database_url,
        &[("SHEBA_LOG_FORMAT", "json"), ("RUST_LOG", "debug"), ("SHEBA_METRICS_BIND", &metrics_bind)],
        Some(log.clone()),
    );
    let wrong_password = "Wrong-Horse-7731-secret";
    let form = |password: &str| {
        server
            .req("POST", "/api/v1/auth/token")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .raw(format!("grant_type=password&username=log.caseworker&password={}", password.replace(' ', "+")))
            .send()
    };
    form(wrong_password).expect_problem(400, "invalid_grant");
    let tokens = form(PASSWORD).expect(200).json;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

    let (status, adult) = send(
        &server,
        "POST",
        "/api/v1/persons",
        Some(&access),
        Some(json!({"name_en": "Salma Akter", "name_bn": "সালমা আক্তার", "sex": "female", "date_of_birth": "1975-03-02",
                    "nid": "১৯৭৫১২৩৪৫৬", "mobile": "01755500123", "union_id": 1})),
    );
    assert_eq!(status, 201, "{adult}");
    let (status, child) = send(
        &server,
        "POST",
        "/api/v1/persons",
        Some(&access),
        Some(json!({"name_en": "Mitu Begum", "name_bn": "মিতু বেগম", "sex": "female", "age_years": 11, "union_id": 1})),
    );
    assert_eq!(status, 201, "{child}");
    let person_id = adult["person"]["id"].as_str().unwrap().to_owned();
    let child_id = child["person"]["id"].as_str().unwrap().to_owned();
    for query in ["name=Salma%20Akter", "name=%E0%A6%B8%E0%A6%BE%E0%A6%B2%E0%A6%AE%E0%A6%BE", "identifier=1975123456"] {
        let (status, found) = send(&server, "GET", &format!("/api/v1/persons?{query}"), Some(&access), None);
        assert_eq!(status, 200, "{found}");
        assert_eq!(found["data"][0]["id"], person_id.as_str(), "the search finds her: {query}");
    }
    let (status, case) = send(
        &server,
        "POST",
        "/api/v1/cases",
        Some(&access),
        Some(json!({"kind": "child_protection", "person_id": child_id, "upazila_id": 1})),
    );
    assert_eq!(status, 201, "{case}");
    let case_id = case["id"].as_str().unwrap().to_owned();
    let (status, _) = send(&server, "GET", &format!("/api/v1/cases/{case_id}"), Some(&access), None);
    assert_eq!(status, 200);
    let (status, _) = send(&server, "GET", &format!("/api/v1/persons/{person_id}"), Some(&access), None);
    assert_eq!(status, 200);

    let metrics = ureq::get(&format!("http://{metrics_bind}/metrics")).call().expect("metrics").into_string().unwrap();
    // The API itself does not serve them.
    assert!(matches!(ureq::get(&server.url("/metrics")).call(), Err(ureq::Error::Status(404, _))));
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);

    // Every line is one JSON object; the access lines name route templates and request ids.
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let access_lines: Vec<&Value> = lines.iter().filter(|l| l["target"] == "sheba::access").collect();
    let seen = |method: &str, route: &str, status: u64| {
        access_lines.iter().any(|l| {
            l["method"] == method
                && l["route"] == route
                && l["status"] == status
                && l["request_id"].as_str().is_some_and(|s| !s.is_empty())
        })
    };
    for (method, route, status) in [
        ("POST", "/api/v1/auth/token", 400),
        ("POST", "/api/v1/auth/token", 200),
        ("POST", "/api/v1/persons", 201),
        ("GET", "/api/v1/persons", 200),
        ("POST", "/api/v1/cases", 201),
        ("GET", "/api/v1/cases/{case_id}", 200),
        ("GET", "/api/v1/persons/{person_id}", 200),
    ] {
        assert!(seen(method, route, status), "no access line for {method} {route} {status}:\n{text}");
    }
    let secrets = [
        "Salma",
        "Akter",
        "সালমা",
        "Mitu",
        "মিতু",
        "1975123456",
        "১৯৭৫১২৩৪৫৬",
        "01755500123",
        "1975-03-02",
        PASSWORD,
        wrong_password,
        &access,
        &refresh,
        &person_id,
        &child_id,
        &case_id,
        "%E0%A6",
    ];
    for s in secrets {
        assert!(!text.contains(s), "the log holds {s:?}:\n{text}");
        assert!(!metrics.contains(s), "the metrics hold {s:?}");
    }
    // Metrics count by template and status.
    assert!(metrics.contains(r#"sheba_http_requests_total{method="GET",route="/api/v1/persons",status="200"} 3"#), "{metrics}");
    assert!(metrics.contains(r#"sheba_http_requests_total{method="POST",route="/api/v1/auth/token",status="400"} 1"#));
    assert!(metrics.contains("sheba_http_request_duration_seconds_bucket{"));
    for gauge in [
        "sheba_db_pool_in_use{pool=\"requests\"}",
        "sheba_db_pool_waiting{pool=\"requests\"}",
        "sheba_jobs{status=\"queued\"} 0",
        "sheba_jobs_oldest_queued_age_seconds",
    ] {
        assert!(metrics.contains(gauge), "{gauge} missing:\n{metrics}");
    }
}
