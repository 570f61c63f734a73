//! The OpenAPI 3.1 document, generated from the handlers' annotations as the routes are
//! registered (`app::routes`). The committed copy in `openapi/openapi.json` is the contract;
//! a test fails when the two differ.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sheba API",
        description = "Sheba (সেবা): case management for safe homes and children at risk, social allowances and \
            reports for Bangladesh's Department of Social Services and its partners.\n\n\
            Errors are RFC 9457 problem documents (`application/problem+json`). Lists use keyset \
            pagination (`limit`, `cursor`, `next_cursor`). Mutable records carry an `ETag`; changes \
            need `If-Match`. Creates accept `Idempotency-Key`. Get a token from `POST /api/v1/auth/token` \
            and press Authorize.",
        license(name = "MIT"),
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Tokens: sign in, refresh, client credentials, sign out"),
        (name = "users", description = "Accounts and their administration"),
        (name = "audit", description = "The audit trail"),
        (name = "geography", description = "Divisions, districts, upazilas and unions, in English and Bangla"),
        (name = "reference", description = "Code lists with English and Bangla labels"),
        (name = "facilities", description = "Facilities (safe homes, centres) and partner organisations"),
        (name = "persons", description = "People on record: survivors, children, guardians"),
        (name = "cases", description = "Case management for safe homes and children at risk"),
        (name = "allowances", description = "Social allowance programmes, eligibility, applications and beneficiaries"),
        (name = "reports", description = "Aggregate reports for DSS, donors and integrators (no personal data)"),
        (name = "payments", description = "Payment cycles: payroll, approval, provider files, reconciliation"),
        (name = "disability", description = "The disability identification register: assessments and identity cards"),
        (name = "directory", description = "The service directory: organisations referrals and immediate support point to, kept by district offices"),
        (name = "households", description = "Households and their members; relationships between persons"),
        (name = "documents", description = "Documents on records (court orders, certificates, reports, minutes, photos): upload, list, download, withdraw"),
        (name = "voluntary_organisations", description = "The register of voluntary social welfare organisations (1961 ordinance): registration, annual reports, committees, Social Welfare Council grants"),
        (name = "hospital_social_services", description = "Hospital social services: patients' requests, assessments, aid in taka, burn victims' rehabilitation referrals"),
        (name = "institutions", description = "Residents of Shishu Paribar, Chotomoni Nibash and the other institutions: admission by each one's rules, transfer, ageing out"),
        (name = "supervision", description = "Probation, diversion and after-care: supervision by a probation officer, visits, reports to the court"),
        (name = "contacts", description = "Helpline (1098, 10921) and outreach contacts, and children served at service points"),
        (name = "microcredit", description = "Interest-free microcredit: revolving funds, work groups, loans, repayments, write-offs"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from POST /api/v1/auth/token"))
                    .build(),
            ),
        );
    }
}

/// The document as generated: the description above plus every registered route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) =
        actix_web::App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(crate::app::routes).split_for_parts();
    PageExamples.modify(&mut doc);
    doc
}

/// The methods documented at a concrete request path, as an `Allow` value ("GET, POST"),
/// or `None` when no documented path matches.
pub fn methods_at(path: &str) -> Option<String> {
    static INDEX: std::sync::OnceLock<Vec<(actix_web::dev::ResourceDef, String)>> = std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| {
        const ORDER: [&str; 5] = ["get", "post", "put", "patch", "delete"];
        let paths = document().get("paths").and_then(|p| p.as_object()).cloned().unwrap_or_default();
        paths
            .iter()
            .map(|(template, item)| {
                let allow: Vec<String> =
                    ORDER.iter().filter(|m| item.get(**m).is_some()).map(|m| m.to_ascii_uppercase()).collect();
                (actix_web::dev::ResourceDef::new(template.as_str()), allow.join(", "))
            })
            .collect()
    });
    index.iter().find(|(def, _)| def.is_match(path)).map(|(_, allow)| allow.clone())
}

/// The contract as served and committed: the generated document with what every operation
/// shares added (`crate::contract`; as JSON, since utoipa's model has no shared headers).
/// Built once per process: every HTTP worker serves the same document.
pub fn document() -> &'static serde_json::Value {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| {
        // (utoipa's model serialises; were it not to, the contract tests would see an empty one.)
        let mut doc = serde_json::to_value(openapi()).unwrap_or_default();
        crate::contract::complete(&mut doc);
        doc
    })
}

/// Gives every page schema an example built from its item's example (utoipa cannot attach
/// one to a generic `ListPage<T>`).
struct PageExamples;

impl Modify for PageExamples {
    #[allow(deprecated)]
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, Schema};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let examples: Vec<(String, serde_json::Value)> = components
            .schemas
            .keys()
            .filter_map(|name| {
                let item = name.strip_prefix("ListPage_")?;
                let RefOr::T(Schema::Object(obj)) = components.schemas.get(item)? else {
                    return None;
                };
                let example = obj.example.clone()?;
                Some((name.clone(), serde_json::json!({"data": [example], "next_cursor": "azE6MDE5MzZmNWU"})))
            })
            .collect();
        for (name, example) in examples {
            if let Some(RefOr::T(Schema::Object(obj))) = components.schemas.get_mut(&name) {
                obj.example = Some(example);
            }
        }
    }
}

/// The document as served and committed: pretty JSON with a trailing newline.
pub fn document_json() -> String {
    // (A JSON value always serialises.)
    let mut s = serde_json::to_string_pretty(document()).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// utoipa names a schema after its Rust type and keeps only one of two types with the same
    /// name, so the contract would silently describe the wrong body (it did: a beneficiary's
    /// exit showed a case's exit). Every type in the document needs its own name.
    #[test]
    fn schema_type_names_are_unique() {
        let mut files = vec![];
        walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let mut derives_schema = false;
            for line in text.lines().map(str::trim) {
                if line.starts_with("#[derive(") {
                    derives_schema = line.contains("ToSchema");
                }
                let name = line.strip_prefix("pub struct ").or(line.strip_prefix("pub enum ")).or(line.strip_prefix("struct "));
                if let (true, Some(rest)) = (derives_schema, name) {
                    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    seen.entry(name).or_default().push(f.display().to_string());
                    derives_schema = false;
                }
            }
        }
        let clashes: Vec<_> = seen.iter().filter(|(_, files)| files.len() > 1).collect();
        assert!(clashes.is_empty(), "schema types sharing a name: {clashes:?}");
        assert!(seen.len() > 50, "the scan found the schema types ({})", seen.len());
    }
}
