//! The OpenAPI 3.1 document, generated from the handlers' annotations. The committed copy
//! in `openapi/openapi.json` is the contract; a test fails when the two differ.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::handlers::{
    allowances, audit_events, auth_token, cases, facilities, geo, health, imports, persons, programmes, reference, reports, users,
};

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
    paths(
        health::live,
        health::ready,
        auth_token::create_token,
        auth_token::revoke_token,
        users::me::get_current_user,
        users::create::create_user,
        users::list::list_users,
        users::get::get_user,
        users::status::disable_user,
        users::status::enable_user,
        users::password::reset_user_password,
        audit_events::list_audit_events,
        geo::list_divisions,
        geo::list_districts,
        geo::list_upazilas,
        geo::list_unions,
        reference::list_roles,
        reference::list_code_lists,
        programmes::list_programmes,
        programmes::check_eligibility,
        reports::list_reports,
        reports::get_report,
        allowances::quotas::set_quota,
        allowances::quotas::list_quotas,
        allowances::applications::submit_application,
        allowances::applications::list_applications,
        allowances::applications::get_application,
        allowances::applications::verify_application,
        allowances::applications::decide_application,
        allowances::applications::get_waiting_list,
        allowances::beneficiaries::list_beneficiaries,
        allowances::beneficiaries::get_beneficiary,
        allowances::beneficiaries::set_beneficiary_account,
        allowances::beneficiaries::suspend_beneficiary,
        allowances::beneficiaries::resume_beneficiary,
        allowances::beneficiaries::exit_beneficiary,
        allowances::beneficiaries::record_compliance,
        allowances::beneficiaries::review_compliance_breach,
        imports::import_beneficiaries,
        imports::get_job,
        allowances::payroll::create_payment_cycle,
        allowances::payroll::list_payment_cycles,
        allowances::payroll::get_payment_cycle,
        allowances::payroll::generate_payroll,
        allowances::payroll::approve_payroll,
        allowances::payroll::export_payment_file,
        allowances::payroll::import_payment_results,
        facilities::create_partner_organisation,
        facilities::list_partner_organisations,
        facilities::create_facility,
        facilities::list_facilities,
        facilities::get_facility,
        persons::create_person,
        persons::search_persons,
        persons::get_person,
        persons::update_person,
        cases::open::open_case,
        cases::read::list_cases,
        cases::read::get_case,
        cases::read::list_case_events,
        cases::read::get_work_queue,
        cases::actions::admit_resident,
        cases::actions::place_child,
        cases::actions::record_release_order,
        cases::actions::record_risk_assessment,
        cases::actions::record_detailed_assessment,
        cases::actions::submit_case_plan,
        cases::actions::request_emergency_placement,
        cases::actions::record_service,
        cases::actions::record_referral,
        cases::actions::update_referral_status,
        cases::actions::record_case_conference,
        cases::actions::record_consent,
        cases::actions::record_case_note,
        cases::actions::record_alleged_perpetrator,
        cases::actions::start_reintegration,
        cases::actions::record_guardian_assessment,
        cases::actions::record_child_views,
        cases::actions::record_repatriation_clearance,
        cases::actions::complete_reintegration,
        cases::actions::record_follow_up,
        cases::actions::request_case_closure,
        cases::actions::request_stay_extension,
        cases::actions::decide_case_approval,
        cases::actions::reopen_case,
        cases::actions::exit_case,
    ),
    modifiers(&BearerAuth, &PageExamples),
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

/// The document as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
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
