//! What every operation shares, declared once instead of on each of them: the answers the
//! common machinery gives (a malformed body, an unknown id, a stale `If-Match`, a database
//! that is down), the headers every response carries, the bounds of paging parameters, the
//! OAuth2 security scheme and the server. Front ends generate their code from this, and
//! schemathesis holds the server to it.

use serde_json::{json, Value};

/// The OAuth2 token endpoint, relative to the server.
pub const TOKEN_URL: &str = "/api/v1/auth/token";

/// Paths that answer without the database (static code lists and the geography in memory).
const WITHOUT_DATABASE: &[&str] = &["/health/live", "/api/v1/reference/", "/api/v1/geo/", "/api/v1/programmes"];

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

fn header_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/headers/{name}")})
}

/// A digit, ASCII or Bangla; identifiers may be typed with spaces or hyphens between digits.
macro_rules! digit {
    () => {
        "[0-9০-৯][ -]*"
    };
}

/// National ID: 10, 13 or 17 digits (`domain::person::Nid`).
pub const NID_PATTERN: &str = concat!("^[ -]*(?:", digit!(), "){10}(?:(?:", digit!(), "){3}(?:(?:", digit!(), "){4})?)?$");
/// Birth registration number: 17 digits, or 16 for older ones.
pub const BRN_PATTERN: &str = concat!("^[ -]*(?:", digit!(), "){16,17}$");
/// Mobile number: 01[3-9] and 8 digits, optionally after +880 (`domain::person::MobileNumber`).
pub const MOBILE_PATTERN: &str =
    concat!("^ *(?:\\+?[ -]*[8৮][ -]*[8৮][ -]*[0০][ -]*(?:[0০][ -]*)?|[0০][ -]*)[1১][ -]*[3-9৩-৯][ -]*(?:", digit!(), "){8} *$");
/// Username: 3 to 64 of a-z, digits, `.`, `_`, `-`, starting with a letter or digit (any case).
pub const USERNAME_PATTERN: &str = "^ *[A-Za-z0-9][A-Za-z0-9._-]{2,63} *$";
/// Display name: no control characters, something besides spaces (`parse_display_name`).
pub const DISPLAY_NAME_PATTERN: &str =
    "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// Scope: `national`, `division:ID`, `district:ID`, `upazila:ID`, `facility:UUID`, `partner:UUID`.
pub const SCOPE_PATTERN: &str =
    "^(?:national|(?:division|district|upazila):[1-9১-৯][0-9০-৯]{0,8}|(?:facility|partner):[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$";

/// Constraints the server checks in code (the domain's parsers) that a schema can state, by
/// property name in the named schemas (all schemas when none are named).
fn property_constraints() -> Vec<(&'static str, &'static [&'static str], Value)> {
    let people: &'static [&'static str] = &["CreatePersonRequest", "UpdatePersonRequest", "PersonView"];
    let accounts: &'static [&'static str] = &["CreateUserRequest", "UserView"];
    let passwords: &'static [&'static str] = &["CreateUserRequest", "ResetPasswordRequest"];
    vec![
        ("nid", people, json!({"pattern": NID_PATTERN})),
        ("birth_registration_number", people, json!({"pattern": BRN_PATTERN})),
        ("mobile", people, json!({"pattern": MOBILE_PATTERN})),
        ("reporter_phone", &["ContactRequest", "ContactView"], json!({"pattern": MOBILE_PATTERN})),
        ("phone", &["DirectoryEntryRequest", "DirectoryEntryView"], json!({"pattern": MOBILE_PATTERN})),
        ("name_en", &["DirectoryEntryRequest"], json!({"pattern": DISPLAY_NAME_PATTERN, "maxLength": 200})),
        ("name_bn", &["DirectoryEntryRequest"], json!({"pattern": DISPLAY_NAME_PATTERN, "maxLength": 200})),
        ("username", accounts, json!({"pattern": USERNAME_PATTERN})),
        ("scope", accounts, json!({"pattern": SCOPE_PATTERN})),
        ("password", passwords, json!({"minLength": 12, "maxLength": 256})),
        ("fiscal_year", &[], json!({"pattern": "^[0-9]{4}-[0-9]{2}$"})),
        ("nationality", people, json!({"pattern": "^ *[A-Za-z]{2} *$"})),
        ("title", &["DocumentUpload"], json!({"pattern": DISPLAY_NAME_PATTERN, "maxLength": 200})),
        ("display_name", accounts, json!({"pattern": DISPLAY_NAME_PATTERN, "maxLength": 200})),
    ]
}

/// Adds the shared parts to the generated document (as JSON, then read back).
pub fn complete(doc: &mut Value) {
    doc["servers"] = json!([{"url": "/", "description": "This server (the contract is served by the API it describes)"}]);
    // (utoipa always writes components; the contract tests would see anything missing.)
    let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) else { return };
    components.insert(
        "headers".into(),
        json!({
            "X-Request-Id": {"description": "The request's id (yours, if you sent a sane one); quote it when reporting a fault", "required": true, "schema": {"type": "string"}},
            "ETag": {"description": "The record's version; send it back in If-Match to change the record", "schema": {"type": "string", "pattern": "^\"[0-9]+\"$"}},
            "Location": {"description": "Where the created record (or the accepted job) lives", "schema": {"type": "string"}},
            "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer", "minimum": 0}},
            "Idempotent-Replayed": {"description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key", "schema": {"type": "string", "enum": ["true"]}},
        }),
    );
    // Every code list, including those only a parameter refers to (utoipa collects schemas
    // from bodies, not from path parameters).
    let Some(schemas) = components.entry("schemas").or_insert_with(|| json!({})).as_object_mut() else { return };
    for (name, codes) in crate::codes::all() {
        schemas.entry(name).or_insert_with(|| serde_json::to_value(crate::codes::enum_schema(&codes)).unwrap_or_default());
    }
    for (property, only_in, constraints) in property_constraints() {
        for (name, schema) in schemas.iter_mut() {
            if !only_in.is_empty() && !only_in.contains(&name.as_str()) {
                continue;
            }
            if let Some(p) = schema.get_mut("properties").and_then(|p| p.get_mut(property)) {
                merge(p, &constraints);
            }
        }
    }
    let schemes = components.entry("securitySchemes").or_insert_with(|| json!({}));
    schemes["oauth2"] = json!({
        "type": "oauth2",
        "description": "OAuth2 (RFC 6749) at POST /api/v1/auth/token: the password flow for people, client credentials (client_secret_basic or client_secret_post) for integrators' service accounts",
        "flows": {
            "password": {"tokenUrl": TOKEN_URL, "refreshUrl": TOKEN_URL, "scopes": {}},
            "clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": {}}
        }
    });
    add_links(doc);
    let versioned = versioned_paths(doc);
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            complete_operation(path, method, op, &versioned);
        }
    }
}

/// A link from one operation's response to the next operation of a flow.
struct Link {
    from: &'static str,
    status: &'static str,
    name: &'static str,
    to: &'static str,
    id: &'static str,
    if_match: bool,
}

const fn link(
    from: &'static str,
    status: &'static str,
    name: &'static str,
    to: &'static str,
    id: &'static str,
    if_match: bool,
) -> Link {
    Link { from, status, name, to, id, if_match }
}

/// OpenAPI links for the main flows: create, then read, then act with the returned `ETag`.
/// Swagger UI shows them; schemathesis follows them in its stateful phase.
fn add_links(doc: &mut Value) {
    for link in links() {
        add_link(doc, link);
    }
}

fn links() -> [Link; 17] {
    [
        // The id parameter is `name=runtime expression`; `if_match` sends the ETag back.
        link("create_person", "201", "GetPerson", "get_person", "person_id=$response.body#/person/id", false),
        link("create_person", "201", "UpdatePerson", "update_person", "person_id=$response.body#/person/id", true),
        link("get_person", "200", "UpdatePerson", "update_person", "person_id=$response.body#/id", true),
        link("open_case", "201", "GetCase", "get_case", "case_id=$response.body#/id", false),
        link("open_case", "201", "ListCaseEvents", "list_case_events", "case_id=$response.body#/id", false),
        link("open_case", "201", "RecordRiskAssessment", "record_risk_assessment", "case_id=$response.body#/id", true),
        link("open_case", "201", "RecordCaseNote", "record_case_note", "case_id=$response.body#/id", true),
        link("get_case", "200", "RecordCaseNote", "record_case_note", "case_id=$response.body#/id", true),
        link("create_user", "201", "GetUser", "get_user", "user_id=$response.body#/id", false),
        link("create_user", "201", "DisableUser", "disable_user", "user_id=$response.body#/id", true),
        link("disable_user", "200", "EnableUser", "enable_user", "user_id=$response.body#/id", true),
        link("create_facility", "201", "GetFacility", "get_facility", "facility_id=$response.body#/id", false),
        link("create_payment_cycle", "201", "GetPaymentCycle", "get_payment_cycle", "cycle_id=$response.body#/id", false),
        link("create_payment_cycle", "201", "GeneratePayroll", "generate_payroll", "cycle_id=$response.body#/id", false),
        link("submit_application", "201", "GetApplication", "get_application", "application_id=$response.body#/id", false),
        link("submit_application", "201", "VerifyApplication", "verify_application", "application_id=$response.body#/id", true),
        link("import_beneficiaries", "202", "GetJob", "get_job", "job_id=$response.body#/id", false),
    ]
}

fn add_link(doc: &mut Value, Link { from, status, name, to, id, if_match }: Link) {
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    let Some(response) = paths
        .values_mut()
        .flat_map(|item| item.as_object_mut().into_iter().flat_map(|m| m.values_mut()))
        .find(|op| op["operationId"] == from)
        .and_then(|op| op.get_mut("responses"))
        .and_then(|r| r.get_mut(status))
    else {
        return; // (`tests::every_link_is_in_the_document` fails on a wrong table entry)
    };
    let Some((param, value)) = id.split_once('=') else { return };
    let mut parameters = json!({ param: value });
    if if_match {
        parameters["header.If-Match"] = json!("$response.header.ETag");
    }
    let Some(response) = response.as_object_mut() else { return };
    let links = response.entry("links").or_insert_with(|| json!({}));
    links[name] = json!({"operationId": to, "parameters": parameters});
}

/// Records that carry a version: the paths up to the id of any operation taking If-Match.
fn versioned_paths(doc: &Value) -> Vec<String> {
    let mut out = vec![];
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let takes_if_match = item.as_object().into_iter().flatten().any(|(_, op)| has_param(op, "If-Match"));
        if takes_if_match {
            let mut record = String::new();
            for segment in path.split('/').skip(1) {
                record.push('/');
                record.push_str(segment);
                if segment.starts_with('{') {
                    break;
                }
            }
            if !out.contains(&record) {
                out.push(record);
            }
        }
    }
    out
}

fn has_param(op: &Value, name: &str) -> bool {
    op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["name"] == name))
}

fn complete_operation(path: &str, method: &str, op: &mut Value, versioned: &[String]) {
    let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
    if secured {
        // Swagger UI's Authorize dialog signs in with OAuth2; a pasted token is a bearer.
        if let Some(security) = op.get_mut("security").and_then(Value::as_array_mut) {
            if !security.iter().any(|s| s.get("oauth2").is_some()) {
                security.push(json!({"oauth2": []}));
            }
        }
    }
    let json_body = op["requestBody"]["content"].get("application/json").is_some();
    let any_body = op.get("requestBody").is_some();
    let has_path_params = op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"));
    let has_query = op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
    let if_match = has_param(op, "If-Match");
    let idempotent = has_param(op, "Idempotency-Key");
    let uses_database = !WITHOUT_DATABASE.iter().any(|p| path.starts_with(p)) || secured;

    bound_parameters(op);

    let mut add = |status: &str, description: &str| {
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            responses.entry(status.to_owned()).or_insert_with(|| problem(description));
        }
    };
    if json_body {
        add("400", "Malformed JSON");
        add("413", "Body too large");
        add("415", "Not JSON");
        add("422", "Invalid fields (each named, with a stable code)");
    } else if any_body {
        add("413", "Body too large");
        add("415", "Wrong media type");
    }
    if has_query {
        add("400", "A query parameter that does not parse, or a cursor this API did not issue");
        add("422", "Query parameters that parse but are invalid together");
    }
    if has_path_params {
        add("404", "No such record (or a malformed id)");
    }
    if secured {
        add("401", "No valid token");
        add("403", "Not permitted");
    }
    if if_match {
        add("400", "A malformed If-Match (not an ETag of this API)");
        add("412", "The record changed since you read it (a stale If-Match)");
        add("428", "If-Match missing");
    }
    if idempotent {
        add("400", "A malformed Idempotency-Key");
        add("409", "The Idempotency-Key was used for a different request");
    }
    if uses_database {
        add("503", "The database cannot be reached; retry after Retry-After");
    }

    let etag_here = if_match
        || versioned.iter().any(|record| {
            (method == "get" && path == record)
                || (method == "post" && record.rsplit_once('/').is_some_and(|(collection, _)| collection == path))
        });
    let responses = op.get_mut("responses").and_then(Value::as_object_mut).into_iter().flatten();
    for (status, response) in responses {
        let Some(headers) =
            response.as_object_mut().and_then(|r| r.entry("headers").or_insert_with(|| json!({})).as_object_mut())
        else {
            continue;
        };
        headers.entry("X-Request-Id").or_insert_with(|| header_ref("X-Request-Id"));
        let success = status.starts_with('2');
        if success && etag_here {
            headers.entry("ETag").or_insert_with(|| header_ref("ETag"));
        }
        if status == "201" || status == "202" {
            headers.entry("Location").or_insert_with(|| header_ref("Location"));
        }
        if (status == "201" || status == "202") && idempotent {
            headers.entry("Idempotent-Replayed").or_insert_with(|| header_ref("Idempotent-Replayed"));
        }
        if status == "429" || status == "503" {
            headers.insert("Retry-After".into(), header_ref("Retry-After"));
        }
    }
}

/// The bounds the server enforces on the shared parameters, so that anything the contract
/// allows is accepted (a `limit` of -9223372036854775808 was "valid" and refused).
fn bound_parameters(op: &mut Value) {
    // (`get_mut`, not `op["parameters"]`, which would insert a null that Swagger UI trips on.)
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else { return };
    for p in params {
        let bounds = match (p["name"].as_str(), p["in"].as_str()) {
            (Some("limit"), Some("query")) => json!({"minimum": 1, "maximum": 200, "default": 50, "format": "int32"}),
            (Some("cursor"), Some("query")) => json!({"pattern": "^[A-Za-z0-9_-]{1,512}$", "minLength": 1, "maxLength": 512}),
            // (An optional header is a string when sent, never JSON null.)
            (Some("If-Match"), Some("header")) => json!({"type": "string", "pattern": "^(W/)?\"[0-9]{1,10}\"$"}),
            (Some("Idempotency-Key"), Some("header")) => {
                json!({"type": "string", "pattern": "^[!-~]{1,255}$", "minLength": 1, "maxLength": 255})
            }
            _ => continue,
        };
        merge(&mut p["schema"], &bounds);
    }
}

/// Adds `extra`'s keys to the schema object `target` (replacing any of the same name).
fn merge(target: &mut Value, extra: &Value) {
    if let (Some(target), Some(extra)) = (target.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::person::{BirthRegistrationNumber, MobileNumber, Nid};

    /// The contract's patterns say what the domain's parsers accept: a value matches exactly
    /// when it parses (so schema-valid identifiers are never refused, and the reverse).
    #[test]
    fn every_link_is_in_the_document() {
        let doc = crate::openapi::document();
        let ops: Vec<&Value> = doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.values())
            .flat_map(|i| i.as_object().into_iter().flat_map(|m| m.values()))
            .collect();
        for l in links() {
            let from = ops.iter().find(|op| op["operationId"] == l.from).unwrap_or_else(|| panic!("no operation {}", l.from));
            let link = &from["responses"][l.status]["links"][l.name];
            assert_eq!(link["operationId"], l.to, "{} -> {}", l.from, l.name);
            assert!(ops.iter().any(|op| op["operationId"] == l.to), "no operation {}", l.to);
            let (param, _) = l.id.split_once('=').expect("name=expression");
            let target = ops.iter().find(|op| op["operationId"] == l.to).unwrap();
            let names: Vec<&str> = target["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
            assert!(names.contains(&param), "{} has no parameter {param}", l.to);
            assert_eq!(l.if_match, names.contains(&"If-Match"), "{}: If-Match", l.name);
        }
    }

    #[test]
    fn identifier_patterns_agree_with_the_parsers() {
        let nid = regex::Regex::new(NID_PATTERN).unwrap();
        let brn = regex::Regex::new(BRN_PATTERN).unwrap();
        let mobile = regex::Regex::new(MOBILE_PATTERN).unwrap();
        let username = regex::Regex::new(USERNAME_PATTERN).unwrap();
        let scope = regex::Regex::new(SCOPE_PATTERN).unwrap();
        let samples = [
            "1990123456",
            "১৯৯০ ১২৩৪ ৫৬",
            "1990-123-456",
            "1234567890123",
            "12345678901234567",
            "123456789",
            "12345678901",
            "1234567890123456",
            "12345678901234",
            "abc",
            "",
            " 1990123456 ",
            "01712345678",
            "+880 1712-345678",
            "8801712345678",
            "+88001712345678",
            "০১৭১২৩৪৫৬৭৮",
            "01212345678",
            "0171234567",
            "017123456789",
            "880171234567",
            "1712345678",
        ];
        for s in samples {
            assert_eq!(nid.is_match(s), Nid::parse(s).is_ok(), "nid {s:?}");
            assert_eq!(brn.is_match(s), BirthRegistrationNumber::parse(s).is_ok(), "brn {s:?}");
            assert_eq!(mobile.is_match(s), MobileNumber::parse(s).is_ok(), "mobile {s:?}");
        }
        for s in
            ["rahima.upz400", "Admin", "ab", "a_b-c.d", "_x1", "x y", "a".repeat(64).as_str(), "a".repeat(65).as_str(), "রহিমা"]
        {
            assert_eq!(username.is_match(s), domain::user::Username::parse(s).is_ok(), "username {s:?}");
        }
        let display = regex::Regex::new(DISPLAY_NAME_PATTERN).unwrap();
        for s in ["রহিমা খাতুন", "  x ", " ", "", "a\tb", "\tab", "a\u{85}", "Upazila Officer, Savar"] {
            assert_eq!(display.is_match(s), domain::user::parse_display_name(s).is_ok(), "display name {s:?}");
        }
        for s in [
            "national",
            "division:3",
            "district:১২",
            "upazila:0",
            "upazila:400",
            "facility:01936f5e-0000-7000-8000-0000000000aa",
            "partner:nope",
            "union:1",
            "national:1",
            "division:9999999999",
        ] {
            assert_eq!(scope.is_match(s), s.parse::<domain::access::Scope>().is_ok(), "scope {s:?}");
        }
    }
}
