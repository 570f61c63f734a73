//! The authorization matrix: every operation in the contract x every role x a subject inside
//! the user's scope and one outside it, with the expected outcome, in one table ([`MATRIX`]).
//!
//! Each request is a real one: the body is the operation's own example from the contract with
//! the ids of this test's records put in, `If-Match` names a version that never exists (so an
//! authorized update stops at 412 and changes nothing) and creates carry an `Idempotency-Key`.
//! An operation in the contract without a row, or a row for an operation that is gone, fails
//! the test, which prints the row it observed so a reviewer can check it and add it.
//!
//! Besides the outcome, every successful answer to a user whose scope is not national is
//! searched for the ids of the records outside that scope (another upazila's beneficiary,
//! another facility's case, ...), and no answer to the integrator may carry any person's id or
//! name: reports are aggregates only.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use serde_json::{json, Value};
use sheba_tests::{Resp, TestApp, PASSWORD};

/// The roles, in the column order of [`MATRIX`], with the scope each is given. Scopes are the
/// narrowest the role allows, so that "outside the scope" means something for each.
const ROLES: [(&str, &str); 12] = [
    ("system_admin", "district:A"),
    ("hq_officer", "national"),
    ("division_officer", "division:A"),
    ("district_officer", "district:A"),
    ("upazila_officer", "upazila:A"),
    ("committee_member", "upazila:A"),
    ("caseworker", "upazila:A"),
    ("facility_staff", "facility:A"),
    ("partner_staff", "partner:A"),
    ("integrator", "district:A"),
    ("auditor", "district:A"),
    ("data_migration_officer", "national"),
];

/// Expected outcomes. Per role two letters: the request about a subject inside the user's
/// scope, then the same request about one outside it (for an operation without a subject, a
/// filter naming the other area, or the same request where nothing can be named).
///   `o` authorized: any answer other than the ones below (2xx, or a 4xx about the input or
///       the record's state: 400, 409, 412, 422 ...)
///   `r` 403 `role_lacks_permission`    `s` 403 `out_of_scope`
///   `n` 404, or 422 naming a record "not one you may see" (the record is hidden from this
///       user), or 404 for a numbered sub-record that does not exist
///   `u` 401 (the token was refused)
#[rustfmt::skip]
const MATRIX: &[(&str, &str)] = &[
    // operation                           adm hq  div dis upz com cw  fac par int aud mig
    ("accept_case_transfer",              "rr rr rr rr os rr os ss rr rr rr rr"),
    ("add_household_member",              "rr rr rr rr os rr os ss rr rr rr rr"),
    ("add_work_group_member",             "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("admit_resident",                    "rr rr rr rr os rr os os rr rr rr rr"),
    ("admit_resident_to_institution",     "rr oo os os rr rr rr ns rr rr rr rr"),
    ("apply_for_loan",                    "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("apply_for_registration",            "rr rr rr os os rr rr rr rr rr rr rr"),
    ("approve_payroll",                   "rr oo os os os rr rr rr rr rr rr rr"),
    ("assess_patient",                    "rr rr rr rr os rr rr ss rr rr rr rr"),
    ("cancel_job",                        "nn nn nn nn on nn nn nn nn nn nn nn"),
    ("change_committee",                  "rr rr rr os os rr rr rr rr rr rr rr"),
    ("change_registration_status",        "rr rr rr os rr rr rr rr rr rr rr rr"),
    ("check_eligibility",                 "rr oo on on on rr on nn rr rr rr rr"),
    ("close_patient_request",             "rr rr rr rr os rr rr ss rr rr rr rr"),
    ("complete_reintegration",            "rr rr rr rr os rr os os rr rr rr rr"),
    ("complete_supervision",              "rr rr rr rr os rr os rr rr rr rr rr"),
    ("create_directory_entry",            "os oo rr os rr rr rr rr rr rr rr rr"),
    ("create_facility",                   "os oo rr rr rr rr rr rr rr rr rr rr"),
    ("create_household",                  "rr rr rr rr os rr os ss rr rr rr rr"),
    ("create_loan_fund",                  "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("create_partner_organisation",       "ss oo rr rr rr rr rr rr rr rr rr rr"),
    ("create_payment_cycle",              "rr oo os os os rr rr rr rr rr rr rr"),
    ("create_person",                     "rr rr rr rr oo rr oo oo rr rr rr rr"),
    ("create_relationship",               "rr rr rr rr on rr on nn rr rr rr rr"),
    ("create_token",                      "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("create_union",                      "ss rr rr rr rr rr rr rr rr rr rr rr"),
    ("create_upazila",                    "ss rr rr rr rr rr rr rr rr rr rr rr"),
    ("create_user",                       "os rr rr rr rr rr rr rr rr rr rr rr"),
    ("create_work_group",                 "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("decide_application",                "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("decide_case_approval",              "rr oo os os os rr rr rr rr rr rr rr"),
    ("decide_registration",               "rr rr rr os rr rr rr rr rr rr rr rr"),
    ("decide_write_off",                  "rr rr rr os os rr rr rr rr rr rr rr"),
    ("decline_case_transfer",             "rr rr rr rr os rr os ss rr rr rr rr"),
    ("disable_user",                      "os rr rr rr rr rr rr rr rr rr rr rr"),
    ("disburse_loan",                     "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("download_document",                 "rr oo os os os rr os os rr rr rr rr"),
    ("enable_user",                       "os rr rr rr rr rr rr rr rr rr rr rr"),
    ("end_relationship",                  "rr rr rr rr os rr os ss rr rr rr rr"),
    ("exit_beneficiary",                  "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("exit_case",                         "rr rr rr rr os rr os os rr rr rr rr"),
    ("export_payment_file",               "rr oo os os os rr rr rr rr rr rr rr"),
    ("file_annual_report",                "rr rr rr os os rr rr rr rr rr rr rr"),
    ("generate_payroll",                  "rr oo os os os rr rr rr rr rr rr rr"),
    ("get_application",                   "rr oo os os os os rr rr rr rr rr oo"),
    ("get_beneficiary",                   "rr oo os os os os rr rr rr rr rr oo"),
    ("get_beneficiary_payments",          "rr oo os os os os rr rr rr rr rr oo"),
    ("get_case",                          "rr oo os os os rr os os or rr rr rr"),
    ("get_case_transfer",                 "rr oo os os os rr os os rr rr rr rr"),
    ("get_contact",                       "rr oo os os os rr os rr rr rr rr rr"),
    ("get_current_user",                  "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("get_directory_entry",               "os oo os os os rr os os rr rr rr rr"),
    ("get_disability_record",             "rr oo os os os rr os rr rr rr rr rr"),
    ("get_document",                      "rr oo os os os rr os os rr rr rr rr"),
    ("get_facility",                      "os oo os os os rr os os os rr rr rr"),
    ("get_hospital_patient",              "rr oo os os os rr rr ss rr rr rr rr"),
    ("get_household",                     "rr oo os os os rr os ss rr rr rr rr"),
    ("get_institution_stay",              "rr oo os os os rr os ss rr rr rr rr"),
    ("get_job",                           "nn nn nn nn on nn nn nn nn nn nn nn"),
    ("get_liveness",                      "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("get_loan",                          "rr oo os os os os rr rr rr rr rr rr"),
    ("get_loan_fund",                     "rr oo os os os os rr rr rr rr rr rr"),
    ("get_orphanage_listing",             "rr oo os os os rr rr rr rr rr rr rr"),
    ("get_orphanage_payments",            "rr oo os os os rr rr rr rr rr rr rr"),
    ("get_payment_cycle",                 "rr oo os os os os rr rr rr rr rr oo"),
    ("get_person",                        "rr oo on on on rr on on rr rr rr rr"),
    ("get_readiness",                     "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("get_report",                        "rr oo os os os rr rr ss rr os rr rr"),
    ("get_supervision",                   "rr oo os os os rr os rr rr rr rr rr"),
    ("get_user",                          "os rr rr rr rr rr rr rr rr rr os rr"),
    ("get_voluntary_organisation",        "rr oo os os os rr rr rr rr rr rr rr"),
    ("get_waiting_list",                  "rr oo os os os os rr rr rr rr rr oo"),
    ("get_work_group",                    "rr oo os os os os rr rr rr rr rr rr"),
    ("get_work_queue",                    "rr oo oo oo oo rr oo oo rr rr rr rr"),
    ("give_patient_aid",                  "rr rr rr rr os rr rr ss rr rr rr rr"),
    ("import_beneficiaries",              "rr rr rr rr oo rr rr rr rr rr rr oo"),
    ("import_payment_results",            "rr oo os os os rr rr rr rr rr rr rr"),
    ("import_repayments",                 "rr rr rr rr oo rr rr rr rr rr rr rr"),
    ("link_partner_registration",         "ss oo rr rr rr rr rr rr rr rr rr rr"),
    ("list_applications",                 "rr oo oo oo oo oo rr rr rr rr rr oo"),
    ("list_audit_events",                 "ss rr rr rr rr rr rr rr rr rr ss rr"),
    ("list_beneficiaries",                "rr oo oo oo oo oo rr rr rr rr rr oo"),
    ("list_case_events",                  "rr oo os os os rr os os rr rr rr rr"),
    ("list_case_transfers",               "rr oo oo oo oo rr oo oo rr rr rr rr"),
    ("list_cases",                        "rr oo oo oo oo rr oo oo oo rr rr rr"),
    ("list_city_corporations",            "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("list_code_lists",                   "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("list_contacts",                     "rr oo oo oo oo rr oo rr rr rr rr rr"),
    ("list_directory_entries",            "oo oo oo oo oo rr oo oo rr rr rr rr"),
    ("list_disability_records",           "rr oo oo oo oo rr oo rr rr rr rr rr"),
    ("list_districts",                    "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("list_divisions",                    "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("list_documents",                    "rr oo os os os rr os os rr rr rr rr"),
    ("list_facilities",                   "oo oo oo oo oo rr oo oo oo rr rr rr"),
    ("list_fund_entries",                 "rr oo os os os os rr rr rr rr rr rr"),
    ("list_hospital_patients",            "rr oo oo oo oo rr rr oo rr rr rr rr"),
    ("list_households",                   "rr oo oo oo oo rr oo oo rr rr rr rr"),
    ("list_institution_stays",            "rr oo oo oo oo rr oo oo rr rr rr rr"),
    ("list_jobs",                         "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("list_loan_funds",                   "rr oo oo oo oo oo rr rr rr rr rr rr"),
    ("list_loans",                        "rr oo oo oo oo oo rr rr rr rr rr rr"),
    ("list_orphan_at_orphanage",          "rr rr rs rs os rr rr rr rr rr rr rr"),
    ("list_partner_organisations",        "oo oo oo oo oo rr oo oo oo rr rr rr"),
    ("list_payment_cycles",               "rr oo os os os os rr rr rr rr rr oo"),
    ("list_programmes",                   "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("list_quotas",                       "rr oo os os os os rr rr rr rr rr oo"),
    ("list_relationships",                "rr oo on on on rr on on rr rr rr rr"),
    ("list_reports",                      "rr oo oo oo oo rr rr oo rr oo rr rr"),
    ("list_roles",                        "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("list_service_point_days",           "os oo os os os rr os os os rr rr rr"),
    ("list_supervisions",                 "rr oo oo oo oo rr oo rr rr rr rr rr"),
    ("list_unions",                       "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("list_upazilas",                     "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("list_users",                        "oo rr rr rr rr rr rr rr rr rr oo rr"),
    ("list_voluntary_organisations",      "rr oo oo oo oo rr rr rr rr rr rr rr"),
    ("list_work_groups",                  "rr oo oo oo oo oo rr rr rr rr rr rr"),
    ("open_case",                         "rr rr rr rr os rr os ss rr rr rr rr"),
    ("open_supervision",                  "rr rr rr rr os rr os rr rr rr rr rr"),
    ("place_child",                       "rr rr rr rr os rr os os rr rr rr rr"),
    ("put_capitation_allotment",          "rr rr rr os rr rr rr rr rr rr rr rr"),
    ("put_service_point_day",             "rr rr rr rr os rr os os rr rr rr rr"),
    ("reassign_case",                     "rr oo os os os rr rr rr rr rr rr rr"),
    ("record_alleged_perpetrator",        "rr rr rr rr os rr os os rr rr rr rr"),
    ("record_capitation_inspection",      "rr rr rr os os rr rr rr rr rr rr rr"),
    ("record_case_conference",            "rr rr rr rr os rr os os rr rr rr rr"),
    ("record_case_note",                  "rr rr rr rr os rr os os rr rr rr rr"),
    ("record_child_views",                "rr rr rr rr os rr os os rr rr rr rr"),
    ("record_committee_meeting",          "rr rr rr rr os os rr rr rr rr rr rr"),
    ("record_compliance",                 "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("record_consent",                    "rr rr rr rr os rr os os rr rr rr rr"),
    ("record_contact",                    "rr rr rr rr os rr os rr rr rr rr rr"),
    ("record_council_grant",              "rr oo rr rr rr rr rr rr rr rr rr rr"),
    ("record_court_decision",             "rr rr rr rr os rr os rr rr rr rr rr"),
    ("record_detailed_assessment",        "rr rr rr rr os rr os os rr rr rr rr"),
    ("record_disability_assessment",      "rr rr rr rr os rr os rr rr rr rr rr"),
    ("record_disability_card",            "rr rr rr rr os rr os rr rr rr rr rr"),
    ("record_follow_up",                  "rr rr rr rr os rr os os rr rr rr rr"),
    ("record_fund_capital",               "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("record_guardian_assessment",        "rr rr rr rr os rr os os rr rr rr rr"),
    ("record_household_move_out",         "rr rr rr rr os rr os ss rr rr rr rr"),
    ("record_referral",                   "rr rr rr rr os rr os os rr rr rr rr"),
    ("record_registration_inspection",    "rr rr rr os os rr rr rr rr rr rr rr"),
    ("record_release_order",              "rr rr rr rr os rr os os rr rr rr rr"),
    ("record_repatriation_clearance",     "rr rr rr rr os rr os os rr rr rr rr"),
    ("record_repayment",                  "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("record_resident_departure",         "rr oo os os rr rr rr ss rr rr rr rr"),
    ("record_risk_assessment",            "rr rr rr rr os rr os os rr rr rr rr"),
    ("record_service",                    "rr rr rr rr os rr os os os rr rr rr"),
    ("record_supervision_visit",          "rr rr rr rr os rr os rr rr rr rr rr"),
    ("refer_for_rehabilitation_loan",     "rr rr rr rr os rr rr ss rr rr rr rr"),
    ("reopen_case",                       "rr rr rr rr os rr os os rr rr rr rr"),
    ("report_to_court",                   "rr rr rr rr os rr os rr rr rr rr rr"),
    ("request_case_closure",              "rr rr rr rr os rr os os rr rr rr rr"),
    ("request_case_transfer",             "rr rr rr rr os rr os os rr rr rr rr"),
    ("request_emergency_placement",       "rr rr rr rr os rr os os rr rr rr rr"),
    ("request_stay_extension",            "rr rr rr rr os rr os os rr rr rr rr"),
    ("request_write_off",                 "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("reset_user_password",               "os rr rr rr rr rr rr rr rr rr rr rr"),
    ("resume_beneficiary",                "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("retire_directory_entry",            "os oo rr os rr rr rr rr rr rr rr rr"),
    ("retire_union",                      "ss rr rr rr rr rr rr rr rr rr rr rr"),
    ("retire_upazila",                    "ss rr rr rr rr rr rr rr rr rr rr rr"),
    ("review_compliance_breach",          "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("revoke_token",                      "oo oo oo oo oo oo oo oo oo oo oo oo"),
    ("search_persons",                    "rr oo oo oo oo rr oo oo rr rr rr rr"),
    ("set_beneficiary_account",           "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("set_quota",                         "rr oo os os rr rr rr rr rr rr rr rr"),
    ("start_reintegration",               "rr rr rr rr os rr os os rr rr rr rr"),
    ("list_guardian_candidates",          "rr rr rr rr os rr os os rr rr rr rr"),
    ("submit_application",                "rr rr rr rr on on on rr rr rr rr rr"),
    ("submit_case_plan",                  "rr rr rr rr os rr os os rr rr rr rr"),
    ("suspend_beneficiary",               "rr rr rr rr os rr rr rr rr rr rr rr"),
    ("take_patient_request",              "rr rr rr rr os rr rr os rr rr rr rr"),
    ("transfer_resident",                 "rr oo os os rr rr rr ss rr rr rr rr"),
    ("update_directory_entry",            "os oo rr os rr rr rr rr rr rr rr rr"),
    ("update_person",                     "rr rr rr rr on rr on on rr rr rr rr"),
    ("update_referral_status",            "rr rr rr rr os rr os os rr rr rr rr"),
    ("update_union",                      "ss rr rr rr rr rr rr rr rr rr rr rr"),
    ("update_upazila",                    "ss rr rr rr rr rr rr rr rr rr rr rr"),
    ("upload_document",                   "rr rr rr rr os rr os os rr rr rr rr"),
    ("verify_application",                "rr rr rr rr os os rr rr rr rr rr rr"),
    ("withdraw_case_transfer",            "rr rr rr rr os rr os os rr rr rr rr"),
    ("withdraw_document",                 "rr rr rr rr os rr os os rr rr rr rr"),
];

/// The records of one side (A: inside the scopes, B: outside them).
#[derive(Clone)]
struct Side {
    upazila: i32,
    union: i32,
    facility: String,
    partner: String,
    resident: String,
    elder: String,
    case: String,
    application: String,
    beneficiary: String,
    cycle: String,
    job: String,
    user: String,
    fund: String,
    group: String,
    loan: String,
    disability: String,
    contact: String,
    voluntary: String,
    patient: String,
    stay: String,
    supervision: String,
    transfer: String,
    directory: String,
    child: String,
    household: String,
    relationship: String,
    document: String,
    names: Vec<String>,
}

impl Side {
    /// Ids of personal or area-bound records, which must not reach users outside the side.
    fn private_ids(&self) -> Vec<&str> {
        vec![
            &self.resident,
            &self.elder,
            &self.case,
            &self.application,
            &self.beneficiary,
            &self.cycle,
            &self.job,
            &self.user,
            &self.fund,
            &self.group,
            &self.loan,
            &self.disability,
            &self.contact,
            &self.voluntary,
            &self.patient,
            &self.stay,
            &self.supervision,
            &self.transfer,
            &self.directory,
            &self.household,
            &self.relationship,
            &self.document,
        ]
    }
}

fn years_ago(years: i64) -> String {
    (domain::time::dhaka_date(Utc::now()) - Duration::days(365 * years + years / 4 + 1)).to_string()
}

fn id(r: &Resp) -> String {
    r.json["id"].as_str().unwrap_or_else(|| panic!("no id in {}", r.text)).to_owned()
}

/// A side's partner organisation and safe home (user scopes name them, so they come first).
fn places(app: &TestApp, tag: &str, upazila: i32) -> (String, String) {
    let admin = app.admin();
    let partner = id(&app
        .post("/api/v1/partner-organisations")
        .bearer(&admin)
        .json(&json!({"name_en": format!("Partner {tag}"), "name_bn": format!("সহযোগী {tag}")}))
        .send()
        .expect(201));
    let facility = id(&app
        .post("/api/v1/facilities")
        .bearer(&admin)
        .json(&json!({"name_en": format!("Safe Home {tag}"), "name_bn": format!("নিরাপদ আবাসন {tag}"), "facility_type": "safe_home",
                      "upazila_id": upazila, "capacity_female": 20, "capacity_male": 0, "capacity_hijra": 0, "partner_ids": [partner]}))
        .send()
        .expect(201));
    (partner, facility)
}

/// Builds one side's records through the API, as its own staff would. `officer` runs the
/// side's allowances (for side A the matrix's own upazila officer, so that its payroll job,
/// which only the user who started it may follow, has someone in the matrix who may).
fn build_side(
    app: &TestApp,
    tag: &str,
    (upazila, union): (i32, i32),
    (partner, facility): (String, String),
    hq: &str,
    officer: Option<&str>,
) -> Side {
    let (_, staff) = app.user(&format!("setup.staff.{tag}"), "facility_staff", &format!("facility:{facility}"));
    let officer = match officer {
        Some(t) => t.to_owned(),
        None => app.user(&format!("setup.officer.{tag}"), "upazila_officer", &format!("upazila:{upazila}")).1,
    };
    let (_, committee) = app.user(&format!("setup.committee.{tag}"), "committee_member", &format!("upazila:{upazila}"));
    let resident_name = format!("Resident{tag} Matrixperson");
    let elder_name = format!("Elder{tag} Matrixperson");
    let resident = app
        .post("/api/v1/persons")
        .bearer(&staff)
        .json(&json!({"name_en": resident_name, "sex": "female", "date_of_birth": years_ago(25)}))
        .send()
        .expect(201)
        .json["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let elder = app
        .post("/api/v1/persons")
        .bearer(&officer)
        .json(&json!({"name_en": elder_name, "sex": "female", "date_of_birth": years_ago(70), "union_id": union}))
        .send()
        .expect(201)
        .json["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let case = id(&app
        .post("/api/v1/cases")
        .bearer(&staff)
        .json(&json!({"kind": "safe_home", "person_id": resident, "facility_id": facility,
                      "court_order": {"court": "Tribunal-1", "order_number": format!("1/{tag}"), "order_date": years_ago(0)}}))
        .send()
        .expect(201));
    let fiscal_year = domain::allowance::FiscalYear::of(domain::time::dhaka_date(Utc::now())).to_string();
    app.req("PUT", "/api/v1/quotas")
        .bearer(hq)
        .json(&json!({"programme": "old_age", "upazila_id": upazila, "fiscal_year": fiscal_year, "places": 5}))
        .send()
        .expect(200);
    let submitted = app
        .post("/api/v1/applications")
        .bearer(&committee)
        .json(&json!({"programme": "old_age", "person_id": elder, "facts": {"annual_income_taka": 5000, "landless": true}}))
        .send()
        .expect(201)
        .json;
    let application = submitted["id"].as_str().unwrap().to_owned();
    let versioned = |token: &str, path: String, version: &Value, body: Value| {
        app.post(&path).bearer(token).header("If-Match", &format!("\"{version}\"")).json(&body).send().expect(200).json
    };
    let verified = versioned(
        &committee,
        format!("/api/v1/applications/{application}/verification"),
        &submitted["version"],
        json!({"accept": true}),
    );
    versioned(&officer, format!("/api/v1/applications/{application}/decision"), &verified["version"], json!({"approve": true}));
    let beneficiary = app.get("/api/v1/beneficiaries?programme=old_age").bearer(&officer).send().expect(200).json["data"][0]
        ["id"]
        .as_str()
        .expect("the approved application made a beneficiary")
        .to_owned();
    let cycle = id(&app
        .post("/api/v1/payment-cycles")
        .bearer(&officer)
        .json(&json!({"programme": "old_age", "upazila_id": upazila, "period_start": "2025-07-01", "period_end": "2025-09-30"}))
        .send()
        .expect(201));
    let job = app.post(&format!("/api/v1/payment-cycles/{cycle}/generation")).bearer(&officer).send();
    assert!(job.status == 202 || job.status == 200, "payroll generation: {}", job.text);
    let job = job.json["job_id"].as_str().or(job.json["id"].as_str()).expect("a job id").to_owned();
    let (user, _) = app.user(&format!("subject.user.{tag}"), "caseworker", &format!("upazila:{upazila}"));
    // Microcredit: a fund, a work group led by the elder, and her loan application.
    let fund = id(&app
        .post("/api/v1/microcredit/funds")
        .bearer(&officer)
        .json(&json!({"programme": "rss", "source_en": format!("Fund {tag}"), "source_bn": format!("তহবিল {tag}"), "upazila_id": upazila}))
        .send()
        .expect(201));
    let group = id(&app
        .post("/api/v1/microcredit/work-groups")
        .bearer(&officer)
        .json(&json!({"name": format!("Group {tag}"), "programme": "rss", "upazila_id": upazila, "leader_person_id": elder,
                      "formed_on": years_ago(0)}))
        .send()
        .expect(201));
    let loan = id(&app
        .post("/api/v1/microcredit/loans")
        .bearer(&officer)
        .json(&json!({"group_id": group, "person_id": elder, "fund_id": fund, "principal_taka": 10000, "purpose": "a cow",
                      "applied_on": years_ago(0)}))
        .send()
        .expect(201));
    let disability = id(&app
        .post("/api/v1/disability-records")
        .bearer(&officer)
        .json(&json!({"person_id": elder, "disability_type": "visual", "severity": "mild", "assessed_by": "Survey team",
                      "assessed_on": years_ago(0), "upazila_id": upazila}))
        .send()
        .expect(201));
    let contact = id(&app
        .post("/api/v1/contacts")
        .bearer(&officer)
        .json(&json!({"channel": "outreach", "contacted_at": Utc::now().to_rfc3339(), "reporter_relation": "self",
                      "categories": ["abandoned"], "actions": ["referral"], "outcome": "referred", "upazila_id": upazila,
                      "union_id": union, "location_detail": format!("Station {tag}")}))
        .send()
        .expect(201));
    let voluntary = app
        .post("/api/v1/voluntary-organisations")
        .bearer(&officer)
        .json(&json!({"name_bn": format!("সমিতি {tag}"), "address": "Sadar", "upazila_id": upazila, "applied_on": years_ago(0),
                      "documents": ["constitution"],
                      "committee": [{"name": "A", "position": "president"}, {"name": "B", "position": "general_secretary"},
                                    {"name": "C", "position": "treasurer"}]}))
        .send()
        .expect(201)
        .json["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let hospital = id(&app
        .post("/api/v1/facilities")
        .bearer(&app.admin())
        .json(&json!({"name_en": format!("Hospital {tag}"), "name_bn": format!("হাসপাতাল {tag}"), "facility_type": "hospital_social_services",
                      "upazila_id": upazila, "capacity_female": 0, "capacity_male": 0, "capacity_hijra": 0}))
        .send()
        .expect(201));
    let patient = id(&app
        .post("/api/v1/hospital-patients")
        .bearer(&officer)
        .json(&json!({"facility_id": hospital, "person_id": elder, "requested_on": years_ago(0), "ailment": "Fever"}))
        .send()
        .expect(201));
    let paribar = id(&app
        .post("/api/v1/facilities")
        .bearer(&app.admin())
        .json(&json!({"name_en": format!("Shishu Paribar {tag}"), "name_bn": format!("শিশু পরিবার {tag}"), "facility_type": "shishu_paribar",
                      "upazila_id": upazila, "capacity_female": 5, "capacity_male": 5, "capacity_hijra": 0}))
        .send()
        .expect(201));
    let child = app
        .post("/api/v1/persons")
        .bearer(&officer)
        .json(&json!({"name_en": format!("Child{tag} Matrixperson"), "sex": "male", "date_of_birth": years_ago(7), "union_id": union}))
        .send()
        .expect(201)
        .json["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stay = id(&app
        .post("/api/v1/institution-stays")
        .bearer(hq)
        .json(&json!({"facility_id": paribar, "person_id": child, "admitted_on": years_ago(0)}))
        .send()
        .expect(201));
    let supervision = app
        .post("/api/v1/supervisions")
        .bearer(&officer)
        .json(&json!({"kind": "after_care", "person_id": elder, "upazila_id": upazila, "starts_on": years_ago(0), "term_months": 6}))
        .send()
        .expect(201)
        .json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A request to move the side's case to another safe home of the side's upazila.
    let second_home = id(&app
        .post("/api/v1/facilities")
        .bearer(&app.admin())
        .json(&json!({"name_en": format!("Second Safe Home {tag}"), "name_bn": format!("দ্বিতীয় নিরাপদ আবাসন {tag}"),
                      "facility_type": "safe_home", "upazila_id": upazila, "capacity_female": 5, "capacity_male": 0,
                      "capacity_hijra": 0}))
        .send()
        .expect(201));
    let transfer = id(&app
        .post(&format!("/api/v1/cases/{case}/transfers"))
        .bearer(&staff)
        .json(&json!({"to_facility_id": second_home, "reason": "Closer to the court",
                      "court_order": {"court": "Tribunal-1", "order_number": format!("2/{tag}"), "order_date": years_ago(0)}}))
        .send()
        .expect(201));
    let directory = id(&app
        .post("/api/v1/directory-entries")
        .bearer(hq)
        .json(&json!({"name_en": format!("Clinic {tag}"), "name_bn": "ক্লিনিক", "kind": "hospital", "services": ["health"],
                      "languages": ["bn"], "upazila_id": upazila, "address": "Main road"}))
        .send()
        .expect(201));
    let household = id(&app
        .post("/api/v1/households")
        .bearer(&officer)
        .json(
            &json!({"union_id": union, "address": format!("Village {tag}"), "head_person_id": elder, "joined_on": years_ago(1)}),
        )
        .send()
        .expect(201));
    let relationship = id(&app
        .post(&format!("/api/v1/persons/{child}/relationships"))
        .bearer(&officer)
        .json(&json!({"related_person_id": elder, "kind": "guardian"}))
        .send()
        .expect(201));
    // A photo on the case, by the home's staff.
    let document = id(&app
        .post("/api/v1/documents")
        .bearer(&staff)
        .header("Content-Type", &super::documents::content_type())
        .raw(document_form(&case))
        .send()
        .expect(201));
    Side {
        document,
        upazila,
        union,
        facility,
        partner,
        resident,
        elder,
        case,
        application,
        beneficiary,
        cycle,
        job,
        user,
        fund,
        group,
        loan,
        disability,
        contact,
        voluntary,
        patient,
        stay,
        supervision,
        transfer,
        directory,
        child,
        household,
        relationship,
        names: vec![resident_name, elder_name],
    }
}

/// An upload's form: a photo on `case`.
fn document_form(case: &str) -> Vec<u8> {
    let today = domain::time::dhaka_date(Utc::now()).to_string();
    super::documents::multipart(
        &[("owner_kind", "case"), ("owner_id", case), ("kind", "photo"), ("title", "Photo"), ("dated_on", &today)],
        Some(("photo.png", Some("image/png"), &super::documents::png(2, 2))),
    )
}

/// Puts a side's ids into an example body, wherever a field names such a record.
fn fill(value: &mut Value, side: &Side, unique: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match k.as_str() {
                    "person_id" | "guardian_person_id" | "leader_person_id" | "head_person_id" => *v = json!(side.elder),
                    "related_person_id" => *v = json!(side.child),
                    "fund_id" => *v = json!(side.fund),
                    "voluntary_organisation_id" => *v = json!(side.voluntary),
                    "beneficiary_id" => *v = json!(side.beneficiary),
                    "group_id" => *v = json!(side.group),
                    "loan_id" => *v = json!(side.loan),
                    "facility_id" => *v = json!(side.facility),
                    "upazila_id" => *v = json!(side.upazila),
                    "union_id" => *v = json!(side.union),
                    "partner_ids" => *v = json!([side.partner]),
                    "scope" => *v = json!(format!("upazila:{}", side.upazila)),
                    "username" => *v = json!(format!("made.{unique}")),
                    "birth_registration_number" | "nid" | "mobile" => *v = Value::Null,
                    _ => fill(v, side, unique),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| fill(v, side, unique)),
        _ => {}
    }
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => &spec["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    }
}

/// One request of the matrix.
struct Probe {
    method: &'static str,
    path: String,
    content_type: Option<String>,
    body: Option<Vec<u8>>,
}

struct Caller<'a> {
    role: &'a str,
    username: &'a str,
}

fn probe(spec: &Value, path: &str, method: &str, op: &Value, side: &Side, caller: &Caller, unique: &str) -> Probe {
    let (role, username) = (caller.role, caller.username);
    let mut concrete = String::new();
    for segment in path.split('/').skip(1) {
        concrete.push('/');
        concrete.push_str(&match segment {
            "{case_id}" => side.case.clone(),
            // Facility and partner staff know the residents of their homes; area offices the
            // people of their area.
            "{person_id}" if role == "facility_staff" || role == "partner_staff" => side.resident.clone(),
            "{person_id}" => side.elder.clone(),
            "{beneficiary_id}" => side.beneficiary.clone(),
            "{application_id}" => side.application.clone(),
            "{facility_id}" => side.facility.clone(),
            "{user_id}" => side.user.clone(),
            "{cycle_id}" => side.cycle.clone(),
            "{job_id}" => side.job.clone(),
            "{fund_id}" => side.fund.clone(),
            "{upazila_id}" => side.upazila.to_string(),
            "{union_id}" => side.union.to_string(),
            "{group_id}" => side.group.clone(),
            "{loan_id}" => side.loan.clone(),
            "{record_id}" => side.disability.clone(),
            "{contact_id}" => side.contact.clone(),
            "{organisation_id}" => side.voluntary.clone(),
            "{partner_id}" => side.partner.clone(),
            "{patient_id}" => side.patient.clone(),
            "{stay_id}" => side.stay.clone(),
            "{supervision_id}" => side.supervision.clone(),
            "{transfer_id}" => side.transfer.clone(),
            "{entry_id}" => side.directory.clone(),
            "{household_id}" => side.household.clone(),
            "{relationship_id}" => side.relationship.clone(),
            "{document_id}" => side.document.clone(),
            "{fiscal_year}" => domain::allowance::FiscalYear::of(domain::time::dhaka_date(Utc::now())).to_string(),
            "{served_on}" => (domain::time::dhaka_date(Utc::now()) - Duration::days(1)).to_string(),
            "{no}" => "1".into(),
            "{month}" => "2026-01-01".into(),
            "{report}" => "allowance_beneficiaries".into(),
            s if s.starts_with('{') => panic!("the matrix does not know the path parameter {s} of {path}"),
            s => s.into(),
        });
    }
    let mut query = vec![];
    for p in op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "query") {
        match p["name"].as_str().unwrap() {
            "upazila_id" => query.push(format!("upazila_id={}", side.upazila)),
            "programme" if path.starts_with("/api/v1/microcredit") => query.push("programme=rss".into()),
            "programme" => query.push("programme=old_age".into()),
            "provider" => query.push("provider=bkash".into()),
            "name" => query.push("name=Matrixperson".into()),
            "owner_kind" => query.push("owner_kind=case".into()),
            "owner_id" => query.push(format!("owner_id={}", side.case)),
            _ => {}
        }
    }
    if !query.is_empty() {
        concrete = format!("{concrete}?{}", query.join("&"));
    }
    let method = match method {
        "get" => "GET",
        "post" => "POST",
        "put" => "PUT",
        "patch" => "PATCH",
        "delete" => "DELETE",
        other => panic!("unexpected method {other}"),
    };
    let content = &op["requestBody"]["content"];
    let (content_type, body) = if content.get("application/json").is_some() {
        let schema = resolve(spec, &content["application/json"]["schema"]);
        let mut example = schema.get("example").cloned().unwrap_or(json!({}));
        fill(&mut example, side, unique);
        if op["operationId"] == "create_token" {
            example = json!({"grant_type": "password", "username": username, "password": PASSWORD});
        }
        (Some("application/json".to_owned()), Some(example.to_string().into_bytes()))
    } else if content.get("multipart/form-data").is_some() {
        (Some(super::documents::content_type()), Some(document_form(&side.case)))
    } else if op["operationId"] == "import_beneficiaries" {
        let csv = format!(
            "name_en,name_bn,sex,date_of_birth,nid,birth_registration_number,mobile,union_id,programme,start_month,payment_provider,account_number,education_level\n\
             Imported Person,,female,{},,,,{},old_age,,,,\n",
            years_ago(72),
            side.union
        );
        (Some("text/csv".to_owned()), Some(csv.into_bytes()))
    } else if content.get("text/csv").is_some() {
        (Some("text/csv".to_owned()), Some(b"payment_id,status,reason,reference\n".to_vec()))
    } else {
        (None, None)
    };
    Probe { method, path: concrete, content_type, body }
}

fn outcome(r: &Resp, what: &str) -> char {
    assert!(r.status < 500, "{what} answered {}: {}", r.status, r.text);
    match (r.status, r.json["code"].as_str()) {
        (401, _) => 'u',
        (403, Some("role_lacks_permission")) => 'r',
        (403, Some("out_of_scope")) => 's',
        (403, _) => panic!("{what}: a 403 without a known code: {}", r.text),
        (404, _) => 'n',
        (422, _) if r.text.contains("not one you may see") => 'n',
        _ => 'o',
    }
}

#[test]
fn every_operation_every_role_inside_and_outside_scope() {
    let app = TestApp::new();
    let (_, hq) = app.user("setup.hq", "hq_officer", "national");
    let (places_a, places_b) = (places(&app, "A", 1), places(&app, "B", 171));
    // One user per role, scoped to side A.
    let (division_a, district_a, upazila_a) = (1, 1, 1);
    let mut users = vec![];
    for (role, scope) in ROLES {
        let scope = match scope.split_once(':') {
            Some(("division", _)) => format!("division:{division_a}"),
            Some(("district", _)) => format!("district:{district_a}"),
            Some(("upazila", _)) => format!("upazila:{upazila_a}"),
            Some(("facility", _)) => format!("facility:{}", places_a.1),
            Some(("partner", _)) => format!("partner:{}", places_a.0),
            _ => scope.to_owned(),
        };
        let username = format!("matrix.{role}");
        let (_, token) = app.user(&username, role, &scope);
        users.push((role, username, token, scope == "national"));
    }
    let officer_a = &users.iter().find(|u| u.0 == "upazila_officer").unwrap().2;
    let a = build_side(&app, "A", (upazila_a, 1), places_a, &hq, Some(officer_a));
    let b = build_side(&app, "B", (171, 1513), places_b, &hq, None);
    let spec = app.get("/api-docs/openapi.json").send().expect(200).json;
    let mut observed: BTreeMap<String, String> = BTreeMap::new();
    let mut problems = vec![];
    let mut n = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let op_id = op["operationId"].as_str().unwrap().to_owned();
            let mut row = String::new();
            for (role, username, token, national) in &users {
                for (side, inside) in [(&a, true), (&b, false)] {
                    n += 1;
                    let unique = uuid::Uuid::now_v7().simple().to_string();
                    let p = probe(&spec, path, method, op, side, &Caller { role, username }, &unique);
                    let mut req = app
                        .req(p.method, &p.path)
                        .bearer(token)
                        .header("If-Match", "\"2147483647\"")
                        .header("Idempotency-Key", &unique);
                    if let Some(ct) = &p.content_type {
                        req = req.header("Content-Type", ct);
                    }
                    if let Some(body) = p.body {
                        req = req.raw(body);
                    }
                    let r = req.send();
                    let what = format!("{role} {} {} ({})", p.method, p.path, if inside { "inside" } else { "outside" });
                    row.push(outcome(&r, &what));
                    if std::env::var_os("MATRIX_DEBUG").is_some() {
                        eprintln!("{what} -> {} {}", r.status, r.text.chars().take(160).collect::<String>());
                    }
                    // Nothing of side B reaches a user scoped to side A through a request about A.
                    if inside && !national && (200..300).contains(&r.status) {
                        for leaked in b.private_ids().into_iter().filter(|id| r.text.contains(*id)) {
                            problems.push(format!("{what} leaked {leaked} from outside the user's scope"));
                        }
                    }
                    // Reports for integrators carry no personal data.
                    if *role == "integrator" {
                        for s in [&a, &b] {
                            for leaked in
                                [&s.resident, &s.elder].into_iter().chain(&s.names).filter(|x| r.text.contains(x.as_str()))
                            {
                                problems.push(format!("{what} gave the integrator personal data: {leaked}"));
                            }
                        }
                    }
                }
                row.push(' ');
            }
            observed.insert(op_id, row.trim_end().to_owned());
        }
    }
    let expected: BTreeMap<&str, &str> = MATRIX.iter().copied().collect();
    assert_eq!(expected.len(), MATRIX.len(), "an operation appears twice in the matrix");
    for (op, row) in &observed {
        match expected.get(op.as_str()) {
            None => {
                problems.push(format!("no row for {op}; observed:\n    (\"{op}\",{:pad$}\"{row}\"),", "", pad = 34 - op.len()))
            }
            Some(want) if *want != row => {
                problems.push(format!("{op}: expected {want}\n{:w$}observed {row}", "", w = op.len() + 2))
            }
            Some(_) => {}
        }
    }
    for op in expected.keys().filter(|op| !observed.contains_key(**op)) {
        problems.push(format!("the matrix has a row for {op}, which the contract no longer has"));
    }
    assert!(problems.is_empty(), "{n} requests; {} problems:\n{}", problems.len(), problems.join("\n"));
    // The table covers every role both ways for every operation.
    assert_eq!(n, observed.len() * ROLES.len() * 2);
}
