//! What every operation shares, declared once instead of on each of them: the answers the
//! common machinery gives (a malformed body, an unknown id, a stale `If-Match`, a database
//! that is down), the headers every response carries, the bounds of paging parameters, the
//! OAuth2 security scheme and the server. Front ends generate their code from this, and
//! schemathesis holds the server to it.

use serde_json::{json, Map, Value};

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

/// Adds the shared parts to the generated document (as JSON, then read back).
pub fn complete(doc: &mut Value) {
    doc["servers"] = json!([{"url": "/", "description": "This server (the contract is served by the API it describes)"}]);
    let components = doc["components"].as_object_mut().expect("the document has components");
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
    let schemas = components.entry("schemas").or_insert_with(|| json!({})).as_object_mut().expect("schemas object");
    for (name, codes) in crate::codes::all() {
        schemas.entry(name).or_insert_with(|| json!({"type": "string", "enum": codes, "examples": [codes[0]]}));
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
    let versioned = versioned_paths(doc);
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            complete_operation(path, method, op, &versioned);
        }
    }
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
        let security = op["security"].as_array_mut().expect("checked");
        if !security.iter().any(|s| s.get("oauth2").is_some()) {
            security.push(json!({"oauth2": []}));
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
        let responses = op["responses"].as_object_mut().expect("every operation has responses");
        responses.entry(status.to_owned()).or_insert_with(|| problem(description));
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
        add("412", "The record changed since you read it (a stale If-Match)");
        add("428", "If-Match is required (RFC 6585)");
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
    for (status, response) in op["responses"].as_object_mut().expect("responses").iter_mut() {
        let headers = response.as_object_mut().expect("a response object").entry("headers").or_insert_with(|| json!({}));
        let headers = headers.as_object_mut().expect("headers object");
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
        let name = p["name"].as_str().unwrap_or_default().to_owned();
        let place = p["in"].as_str().unwrap_or_default().to_owned();
        let schema = p["schema"].as_object_mut();
        let Some(schema) = schema else { continue };
        let set = |schema: &mut Map<String, Value>, extra: Value| {
            for (k, v) in extra.as_object().expect("an object").clone() {
                schema.insert(k, v);
            }
        };
        match (name.as_str(), Some(place.as_str())) {
            ("limit", Some("query")) => set(schema, json!({"minimum": 1, "maximum": 200, "default": 50, "format": "int32"})),
            ("cursor", Some("query")) => {
                set(schema, json!({"pattern": "^[A-Za-z0-9_-]{1,512}$", "minLength": 1, "maxLength": 512}))
            }
            ("If-Match", Some("header")) => set(schema, json!({"pattern": "^(W/)?\"[0-9]{1,9}\"$"})),
            ("Idempotency-Key", Some("header")) => {
                set(schema, json!({"type": "string", "pattern": "^[!-~]{1,255}$", "minLength": 1, "maxLength": 255}))
            }
            _ => {}
        }
    }
}
