//! The served OpenAPI document is the committed contract, and it is complete.

use sheba_tests::{workspace_root, TestApp};

#[test]
fn served_spec_matches_the_committed_contract() {
    let app = TestApp::new();
    let served = app.get("/api-docs/openapi.json").send().expect(200).json;
    let path = workspace_root().join("openapi/openapi.json");
    let committed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        served == committed,
        "the API's OpenAPI document differs from openapi/openapi.json.\n\
         If the change is intended, regenerate the contract with:\n    scripts/update-openapi\n\
         and commit it (front ends build against that file)."
    );
}

#[test]
fn spec_is_openapi_31_with_bearer_auth_and_examples_everywhere() {
    let app = TestApp::new();
    let spec = app.get("/api-docs/openapi.json").send().expect(200).json;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(spec["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        assert!(schema.get("example").is_some() || schema.get("examples").is_some(), "schema {name} has no example");
    }
    let mut ids = vec![];
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                id.split('_').count() >= 2 && id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{id} is not verb_resource"
            );
            ids.push(id.to_owned());
            let protected = path.starts_with("/api/v1/")
                && !path.starts_with("/api/v1/auth/")
                && !path.starts_with("/api/v1/geo/")
                && !path.starts_with("/api/v1/reference/")
                && path != "/api/v1/programmes";
            if protected {
                assert!(op.get("security").is_some(), "{method} {path} must declare bearer security");
                assert!(op["responses"].get("401").is_some(), "{method} {path} must document 401");
            }
        }
    }
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "operationIds are unique");
}

#[test]
fn every_documented_operation_is_routed() {
    // Each operation in the contract answers its method with something other than 404/405.
    let app = TestApp::new();
    let spec = app.get("/api-docs/openapi.json").send().expect(200).json;
    for (path, item) in spec["paths"].as_object().unwrap() {
        // Fill every path parameter: ids with a fresh UUID, sub-record numbers with 1.
        let mut concrete = String::new();
        for segment in path.split('/').skip(1) {
            concrete.push('/');
            match segment {
                "{no}" | "{upazila_id}" | "{union_id}" => concrete.push('1'),
                "{month}" | "{served_on}" => concrete.push_str("2026-01-01"),
                "{fiscal_year}" => concrete.push_str("2025-26"),
                "{report}" => concrete.push_str("cct"),
                s if s.starts_with('{') => concrete.push_str(&uuid::Uuid::now_v7().to_string()),
                s => concrete.push_str(s),
            }
        }
        for method in item.as_object().unwrap().keys() {
            let m: &'static str = match method.as_str() {
                "get" => "GET",
                "post" => "POST",
                "put" => "PUT",
                "patch" => "PATCH",
                "delete" => "DELETE",
                other => panic!("unexpected method {other}"),
            };
            let r = app.req(m, &concrete).bearer(&app.admin()).send();
            let body_less_404 =
                r.status == 404 && r.json["detail"].as_str().is_some_and(|d| d.contains("no resource at this path"));
            assert!(!body_less_404 && r.status != 405, "{m} {path} is documented but not routed ({})", r.status);
        }
    }
}

#[test]
fn swagger_ui_is_served_offline() {
    let app = TestApp::new();
    let r = app.get("/swagger-ui/").send().expect(200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(!r.text.contains("https://"), "Swagger UI must not load anything from the network");
    let init = app.get("/swagger-ui/swagger-initializer.js").send().expect(200);
    assert!(init.text.contains("/api-docs/openapi.json"));
    app.get("/swagger-ui/swagger-ui-bundle.js").send().expect(200);
}

fn spec() -> serde_json::Value {
    let app = TestApp::new();
    app.get("/api-docs/openapi.json").send().expect(200).json
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|v| code(*v).to_owned()).collect()
}

/// Front ends generate typed unions from the enums, so each must be exactly the domain's list
/// (written here from the domain directly, not from the code that builds the contract).
#[test]
fn code_lists_are_enums_equal_to_the_domains_lists() {
    use domain::allowance::enrolment::{ApplicationStatus, BeneficiaryExit, BeneficiaryStatus, PaymentProvider};
    use domain::allowance::payroll::CycleStatus;
    use domain::allowance::programme::{Community, EducationLevel, MaritalStatus};
    use domain::case::*;
    let spec = spec();
    let schemas = &spec["components"]["schemas"];
    let programmes: Vec<String> = {
        let mut v: Vec<String> = domain::allowance::seeds::programmes().into_iter().map(|p| p.code).collect();
        v.dedup();
        v
    };
    let expected: Vec<(&str, Vec<String>)> = vec![
        ("RoleCode", codes(&domain::access::Role::ALL, domain::access::Role::code)),
        ("SexCode", codes(&domain::person::Sex::ALL, domain::person::Sex::code)),
        ("AccountKindCode", codes(domain::user::AccountKind::ALL, domain::user::AccountKind::code)),
        ("UserStatusCode", codes(domain::user::UserStatus::ALL, domain::user::UserStatus::code)),
        ("CaseKindCode", codes(CaseKind::ALL, CaseKind::code)),
        ("CaseStatusCode", codes(CaseStatus::ALL, CaseStatus::code)),
        ("RiskLevelCode", codes(RiskLevel::ALL, RiskLevel::code)),
        ("RiskCategoryCode", codes(RiskCategory::ALL, RiskCategory::code)),
        ("ServiceTypeCode", codes(ServiceType::ALL, ServiceType::code)),
        ("DestinationCode", codes(Destination::ALL, Destination::code)),
        ("ApprovalKindCode", codes(ApprovalKind::ALL, ApprovalKind::code)),
        ("ApprovalStatusCode", codes(ApprovalStatus::ALL, ApprovalStatus::code)),
        ("ConsentPurposeCode", codes(ConsentPurpose::ALL, ConsentPurpose::code)),
        ("AssessmentOutcomeCode", codes(AssessmentOutcome::ALL, AssessmentOutcome::code)),
        ("ReferralStatusCode", codes(ReferralStatus::ALL, ReferralStatus::code)),
        ("ExitReasonCode", codes(ExitReason::ALL, ExitReason::code)),
        ("ApplicationStatusCode", codes(&ApplicationStatus::ALL, ApplicationStatus::code)),
        ("BeneficiaryStatusCode", codes(BeneficiaryStatus::ALL, BeneficiaryStatus::code)),
        ("BeneficiaryExitCode", codes(BeneficiaryExit::ALL, BeneficiaryExit::code)),
        ("PaymentProviderCode", codes(&PaymentProvider::ALL, PaymentProvider::code)),
        ("CycleStatusCode", codes(CycleStatus::ALL, CycleStatus::code)),
        ("EducationLevelCode", codes(&EducationLevel::ALL, EducationLevel::code)),
        ("MaritalStatusCode", codes(&MaritalStatus::ALL, MaritalStatus::code)),
        ("CommunityCode", codes(Community::ALL, Community::code)),
        ("VerdictCode", codes(domain::allowance::Verdict::ALL, domain::allowance::Verdict::code)),
        ("DisabilityTypeCode", codes(domain::disability::DisabilityType::ALL, domain::disability::DisabilityType::code)),
        ("SeverityCode", codes(domain::disability::Severity::ALL, domain::disability::Severity::code)),
        ("RelationToHeadCode", codes(domain::household::RelationToHead::ALL, domain::household::RelationToHead::code)),
        ("RelationshipKindCode", codes(domain::household::RelationshipKind::ALL, domain::household::RelationshipKind::code)),
        ("KinCode", codes(domain::household::Kin::ALL, domain::household::Kin::code)),
        ("ContactChannelCode", codes(domain::contact::ContactChannel::ALL, domain::contact::ContactChannel::code)),
        ("ContactCategoryCode", codes(domain::contact::ContactCategory::ALL, domain::contact::ContactCategory::code)),
        ("ContactActionCode", codes(domain::contact::ContactAction::ALL, domain::contact::ContactAction::code)),
        ("ContactOutcomeCode", codes(domain::contact::ContactOutcome::ALL, domain::contact::ContactOutcome::code)),
        ("ReporterRelationCode", codes(domain::contact::ReporterRelation::ALL, domain::contact::ReporterRelation::code)),
        ("PerpetratorRelationCode", codes(domain::contact::PerpetratorRelation::ALL, domain::contact::PerpetratorRelation::code)),
        (
            "OrganisationStatusCode",
            codes(domain::voluntary::OrganisationStatus::ALL, domain::voluntary::OrganisationStatus::code),
        ),
        (
            "RegistrationDocumentCode",
            codes(domain::voluntary::RegistrationDocument::ALL, domain::voluntary::RegistrationDocument::code),
        ),
        ("CommitteePositionCode", codes(domain::voluntary::CommitteePosition::ALL, domain::voluntary::CommitteePosition::code)),
        ("PatientStatusCode", codes(domain::hospital::PatientStatus::ALL, domain::hospital::PatientStatus::code)),
        ("AidKindCode", codes(domain::hospital::AidKind::ALL, domain::hospital::AidKind::code)),
        ("LeaveReasonCode", codes(domain::institution::LeaveReason::ALL, domain::institution::LeaveReason::code)),
        ("SupervisionKindCode", codes(domain::probation::SupervisionKind::ALL, domain::probation::SupervisionKind::code)),
        ("SupervisionStatusCode", codes(domain::probation::SupervisionStatus::ALL, domain::probation::SupervisionStatus::code)),
        ("CourtReportKindCode", codes(domain::probation::CourtReportKind::ALL, domain::probation::CourtReportKind::code)),
        ("UpazilaKindCode", codes(domain::geo::UpazilaKind::ALL, domain::geo::UpazilaKind::code)),
        ("UnionKindCode", codes(domain::geo::UnionKind::ALL, domain::geo::UnionKind::code)),
        (
            "MicrocreditProgrammeCode",
            codes(
                domain::microcredit::programme::MicrocreditProgramme::ALL,
                domain::microcredit::programme::MicrocreditProgramme::code,
            ),
        ),
        (
            "FundEntryKindCode",
            codes(domain::microcredit::fund::FundEntryKind::ALL, domain::microcredit::fund::FundEntryKind::code),
        ),
        ("LoanStatusCode", codes(domain::microcredit::loan::LoanStatus::ALL, domain::microcredit::loan::LoanStatus::code)),
        (
            "DisbursementMethodCode",
            codes(domain::microcredit::loan::DisbursementMethod::ALL, domain::microcredit::loan::DisbursementMethod::code),
        ),
        (
            "RepaymentMethodCode",
            codes(domain::microcredit::loan::RepaymentMethod::ALL, domain::microcredit::loan::RepaymentMethod::code),
        ),
        (
            "ArrearsBucketCode",
            codes(domain::microcredit::arrears::ArrearsBucket::ALL, domain::microcredit::arrears::ArrearsBucket::code),
        ),
        ("ProgrammeCode", programmes),
        ("FacilityTypeCode", codes(domain::facility::FacilityType::ALL, domain::facility::FacilityType::code)),
    ];
    for (name, codes) in expected {
        let served: Vec<String> =
            serde_json::from_value(schemas[name]["enum"].clone()).unwrap_or_else(|_| panic!("{name} is not an enum"));
        assert_eq!(served, codes, "{name} differs from the domain's list");
    }
    // The code lists endpoint (what front ends show) lists the same codes.
    let app = TestApp::new();
    let lists = app.get("/api/v1/reference/code-lists").send().expect(200).json;
    // Every list there is a list of the contract, code for code, and each code has its two labels.
    let registry = api::codes::labelled();
    let served_lists = lists["lists"].as_object().unwrap();
    assert_eq!(served_lists.len(), registry.len(), "one list per labelled code list of the contract");
    for (list, schema, _) in registry {
        let entries = served_lists[list].as_array().unwrap_or_else(|| panic!("{list} is not listed"));
        let listed: Vec<&str> = entries.iter().map(|c| c["code"].as_str().unwrap()).collect();
        let served: Vec<&str> = schemas[schema]["enum"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert_eq!(listed, served, "{list}");
        for c in entries {
            assert!(
                !c["label"]["en"].as_str().unwrap().is_empty() && !c["label"]["bn"].as_str().unwrap().is_empty(),
                "{list}: {c}"
            );
        }
    }
}

/// A field that carries a code is typed by its code list, wherever it appears: a request, a
/// response or a query parameter. A new field of these names as a bare string fails here.
#[test]
fn every_code_field_refers_to_its_enum() {
    let spec = spec();
    let carries_code = [
        "sex",
        "status",
        "kind",
        "programme",
        "role",
        "provider",
        "payment_provider",
        "verdict",
        "education_level",
        "facility_type",
        "exit_reason",
        "status_after",
        "status_before",
        "level",
        "service",
        "categories",
        "risk_category",
        "destination",
        "purpose",
        "outcome",
        "communities",
        "marital_status",
        "programmes",
        "receiving_programmes",
        "grant_type",
    ];
    // Free text of the same name (a health status word, an approval's reason, a job's kind).
    let exempt = [
        ("Liveness", "status"),
        ("Readiness", "status"),
        ("JobView", "kind"),
        ("Problem", "status"),
        ("InterventionInput", "provider"),
        ("ServiceRequest", "provider"),
        // What a loan is for (the borrower's scheme), not a consent purpose.
        ("LoanApplicationRequest", "purpose"),
        ("LoanView", "purpose"),
        ("GrantRequest", "purpose"),
        ("GrantView", "purpose"),
    ];
    let schemas = spec["components"]["schemas"].clone();
    let is_typed = |v: &serde_json::Value| -> bool {
        let enum_ref = |r: &str| schemas[r.trim_start_matches("#/components/schemas/")].get("enum").is_some();
        let r = |v: &serde_json::Value| v["$ref"].as_str().is_some_and(enum_ref) || v.get("enum").is_some();
        r(v) || r(&v["items"]) || v["oneOf"].as_array().is_some_and(|a| a.iter().any(|x| r(x) || r(&x["items"])))
    };
    let mut bare = vec![];
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        for (prop, v) in schema["properties"].as_object().into_iter().flatten() {
            if carries_code.contains(&prop.as_str()) && !exempt.contains(&(name.as_str(), prop.as_str())) && !is_typed(v) {
                bare.push(format!("{name}.{prop}"));
            }
        }
    }
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let n = p["name"].as_str().unwrap();
                if p["in"] == "query" && carries_code.contains(&n) && !is_typed(&p["schema"]) {
                    bare.push(format!("{method} {path} ?{n}"));
                }
            }
        }
    }
    assert!(bare.is_empty(), "code fields typed as bare strings: {bare:?}");
}

/// What front ends and integrators read besides the body is declared: headers, the CSV of the
/// reports, the server, OAuth2, bounds of paging, and Idempotency-Key on every create.
#[test]
fn headers_media_types_security_and_bounds_are_declared() {
    let spec = spec();
    assert_eq!(spec["servers"][0]["url"], "/");
    let oauth = &spec["components"]["securitySchemes"]["oauth2"];
    assert_eq!(oauth["flows"]["password"]["tokenUrl"], "/api/v1/auth/token");
    assert_eq!(oauth["flows"]["clientCredentials"]["tokenUrl"], "/api/v1/auth/token");
    let token = &spec["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"];
    assert!(token.get("application/x-www-form-urlencoded").is_some() && token.get("application/json").is_some());
    let report = &spec["paths"]["/api/v1/reports/{report}"]["get"]["responses"]["200"]["content"];
    assert!(report.get("text/csv").is_some(), "the reports' CSV is declared");
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            let params: Vec<&str> =
                op["parameters"].as_array().into_iter().flatten().map(|p| p["name"].as_str().unwrap()).collect();
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                assert!(
                    op["security"].as_array().unwrap().iter().any(|s| s.get("oauth2").is_some()),
                    "{id}: oauth2 is an alternative"
                );
            }
            for (status, r) in op["responses"].as_object().unwrap() {
                assert!(r["headers"].get("X-Request-Id").is_some(), "{id} {status}: X-Request-Id");
                if status == "201" || status == "202" {
                    assert!(r["headers"].get("Location").is_some(), "{id} {status}: Location");
                }
                if status == "429" || status == "503" {
                    assert!(r["headers"].get("Retry-After").is_some(), "{id} {status}: Retry-After");
                }
                if status.starts_with('2') && params.contains(&"If-Match") {
                    assert!(r["headers"].get("ETag").is_some(), "{id} {status}: ETag");
                }
            }
            if params.contains(&"If-Match") {
                for s in ["412", "428"] {
                    assert!(op["responses"].get(s).is_some(), "{id}: {s}");
                }
            }
            let creates = method == "post" && op["responses"].as_object().unwrap().keys().any(|s| s == "201" || s == "202");
            // Payroll generation is idempotent by the cycle; a repayment by its receipt or
            // transaction reference, the key the borrower's paper already carries.
            if creates && id != "generate_payroll" && id != "record_repayment" {
                assert!(params.contains(&"Idempotency-Key"), "{method} {path} creates without Idempotency-Key");
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["name"] == "limit" {
                    assert_eq!(
                        (p["schema"]["minimum"].as_i64(), p["schema"]["maximum"].as_i64()),
                        (Some(1), Some(200)),
                        "{id}: limit"
                    );
                }
                if p["name"] == "cursor" {
                    assert!(p["schema"]["pattern"].is_string(), "{id}: cursor pattern");
                }
            }
        }
    }
    // Nothing is declared as null where OpenAPI wants an object or a list (Swagger UI's
    // "Execute" failed on `"parameters": null`).
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (k, v) in op.as_object().unwrap() {
                assert!(!v.is_null(), "{method} {path}: {k} is null");
            }
        }
    }
    // The generic GET of a record with a version declares its ETag.
    assert!(spec["paths"]["/api/v1/cases/{case_id}"]["get"]["responses"]["200"]["headers"].get("ETag").is_some());
}

/// Field errors carry stable codes, so a front end can say them in Bangla.
#[test]
fn field_errors_carry_stable_codes() {
    let app = TestApp::new();
    let (_, cw) = app.user("cw.codes", "caseworker", "upazila:1");
    let r = app
        .post("/api/v1/persons")
        .bearer(&cw)
        .json(&serde_json::json!({"sex": "unknown", "date_of_birth": "2999-01-01", "nid": "12"}))
        .send()
        .expect_problem(422, "validation_failed");
    let by_field: std::collections::BTreeMap<&str, &str> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(by_field.get("sex"), Some(&"unknown_code"), "{}", r.text);
    assert_eq!(by_field.get("date_of_birth"), Some(&"out_of_range"), "{}", r.text);
    assert_eq!(by_field.get("nid"), Some(&"invalid_format"), "{}", r.text);
    assert_eq!(by_field.get("name_bn"), Some(&"required"), "{}", r.text);
    let r = app.post("/api/v1/persons").bearer(&cw).json(&serde_json::json!({"name_en": "A"})).send().expect(422);
    assert_eq!((r.json["errors"][0]["field"].as_str(), r.json["errors"][0]["code"].as_str()), (Some("sex"), Some("required")));
    let r = app.post("/api/v1/persons").bearer(&cw).json(&serde_json::json!({"name_en": 5, "sex": "female"})).send().expect(422);
    assert_eq!(r.json["errors"][0]["code"], "invalid_type");
    let r = app.get("/api/v1/geo/districts?limit=0").send().expect(422);
    assert_eq!(r.json["errors"][0]["code"], "out_of_range");
    // A code field typed as a domain enum refuses an unknown code the same way, naming it.
    let r = app
        .post("/api/v1/cases")
        .bearer(&cw)
        .json(&serde_json::json!({"kind": "adoption", "person_id": uuid::Uuid::now_v7(), "upazila_id": 1}))
        .send()
        .expect_problem(422, "validation_failed");
    assert_eq!(
        (r.json["errors"][0]["field"].as_str(), r.json["errors"][0]["code"].as_str()),
        (Some("kind"), Some("unknown_code"))
    );
    // Every code in an answer is one the contract lists.
    let spec = app.get("/api-docs/openapi.json").send().expect(200).json;
    let listed = spec["components"]["schemas"]["FieldErrorCode"]["enum"].as_array().unwrap().clone();
    for code in by_field.values() {
        assert!(listed.contains(&serde_json::json!(code)), "{code}");
    }
    assert_eq!(listed.len(), api::problem::FIELD_ERROR_CODES.len());
}

/// Two request or view types of the same name would be one schema in the contract (the
/// second silently replacing the first), so every type the contract names is named once.
#[test]
fn schema_names_are_unique_in_the_source() {
    let mut seen: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    let mut twice = vec![];
    let mut stack = vec![sheba_tests::workspace_root().join("api/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let mut schema_next = false;
            for line in text.lines() {
                let line = line.trim();
                if line.starts_with("#[derive(") && line.contains("ToSchema") {
                    schema_next = true;
                } else if schema_next && (line.starts_with("pub struct ") || line.starts_with("pub enum ")) {
                    let name = line.split_whitespace().nth(2).unwrap().trim_end_matches(['{', '<', '(', ';']).to_owned();
                    if let Some(first) = seen.insert(name.clone(), path.display().to_string()) {
                        twice.push(format!("{name}: {first} and {}", path.display()));
                    }
                    schema_next = false;
                }
            }
        }
    }
    assert!(seen.len() > 100, "the scan found the schema types ({})", seen.len());
    assert!(twice.is_empty(), "schema types named twice: {twice:?}");
}

/// The most bytes a JSON value can take when every declared bound is reached (`maxItems`,
/// `maxLength`): schema-valid bodies must fit the body limit, or a client keeping to the
/// contract gets 413. Strings count 3 bytes a character (Bangla in UTF-8); unbounded strings
/// and lists count one short value, since the contract promises nothing about them.
fn largest_body(spec: &serde_json::Value, schema: &serde_json::Value, depth: usize) -> usize {
    assert!(depth < 32, "schema nests too deep: {schema}");
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return largest_body(spec, &spec["components"]["schemas"][name], depth + 1);
    }
    for alternatives in ["oneOf", "anyOf"] {
        if let Some(all) = schema[alternatives].as_array() {
            return all.iter().map(|s| largest_body(spec, s, depth + 1)).max().unwrap_or(0);
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        return all.iter().map(|s| largest_body(spec, s, depth + 1)).sum();
    }
    if let Some(values) = schema["enum"].as_array() {
        return values.iter().map(|v| v.to_string().len()).max().unwrap_or(4);
    }
    let types: Vec<&str> = match &schema["type"] {
        serde_json::Value::String(t) => vec![t.as_str()],
        serde_json::Value::Array(ts) => ts.iter().filter_map(|t| t.as_str()).collect(),
        _ => vec!["object"],
    };
    types
        .iter()
        .map(|t| match *t {
            "string" => match (schema["maxLength"].as_u64(), schema["format"].as_str()) {
                (Some(n), _) => n as usize * 3 + 2,
                (None, Some("uuid")) => 38,
                (None, Some("date")) => 12,
                (None, _) => 64,
            },
            "array" => {
                let item = largest_body(spec, &schema["items"], depth + 1) + 1;
                schema["maxItems"].as_u64().map_or(item, |n| n as usize * item) + 2
            }
            "object" => {
                schema["properties"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| k.len() + 4 + largest_body(spec, v, depth + 1))
                    .sum::<usize>()
                    + 2
            }
            "null" => 4,
            _ => 24,
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn every_request_body_at_its_declared_bounds_fits_the_body_limit() {
    let spec = spec();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(schema) = op["requestBody"]["content"].get("application/json").map(|c| &c["schema"]) else { continue };
            let size = largest_body(&spec, schema, 0);
            assert!(
                size <= api::extract::DEFAULT_MAX_BODY_BYTES,
                "{method} {path}: a body at its declared bounds takes up to {size} bytes, more than the {} accepted",
                api::extract::DEFAULT_MAX_BODY_BYTES
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} JSON bodies found");
}
