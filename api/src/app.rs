//! Routing and the middleware stack. Every operation is registered here once; its path and
//! method are written in one place, the handler's route attribute. Anything else under a
//! documented path is a 405 and under an unknown path a 404, both as problem documents.

use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, HttpRequest, HttpResponse};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::extract::{path_config, query_config, BodyLimit};
use crate::handlers::{audit_events, auth_token, geo, health, reference, users};
use crate::middleware::request_context;
use crate::state::AppState;

/// No route took the request. A documented path with another method is a 405 with the
/// `Allow` header RFC 9110 asks for; anything else a 404. The request-context middleware
/// renders both as problem documents.
async fn not_routed(req: HttpRequest) -> HttpResponse {
    match crate::openapi::methods_at(req.path()) {
        Some(allow) => HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, allow)).finish(),
        None => HttpResponse::NotFound().finish(),
    }
}

/// The case-management routes.
fn case_routes(cfg: &mut ServiceConfig) {
    use crate::handlers::cases::{actions as a, guardians, holding as h, open, read};
    cfg.service(read::list_cases)
        .service(open::open_case)
        .service(read::get_case)
        .service(read::list_case_events)
        .service(read::get_work_queue)
        .service(a::admit_resident)
        .service(a::place_child)
        .service(a::record_release_order)
        .service(a::record_risk_assessment)
        .service(a::record_detailed_assessment)
        .service(a::submit_case_plan)
        .service(a::request_emergency_placement)
        .service(a::record_service)
        .service(a::record_referral)
        .service(a::update_referral_status)
        .service(a::record_case_conference)
        .service(a::record_consent)
        .service(a::record_case_note)
        .service(a::record_alleged_perpetrator)
        .service(guardians::list_guardian_candidates)
        .service(a::start_reintegration)
        .service(a::record_guardian_assessment)
        .service(a::record_child_views)
        .service(a::record_repatriation_clearance)
        .service(a::complete_reintegration)
        .service(a::record_follow_up)
        .service(a::request_case_closure)
        .service(a::request_stay_extension)
        .service(a::decide_case_approval)
        .service(a::reopen_case)
        .service(a::exit_case)
        .service(h::reassign_case)
        .service(h::request_case_transfer)
        .service(h::list_case_transfers)
        .service(h::get_case_transfer)
        .service(h::accept_case_transfer)
        .service(h::decline_case_transfer)
        .service(h::withdraw_case_transfer);
}

/// The allowance enrolment and payment routes.
fn allowance_routes(cfg: &mut ServiceConfig) {
    use crate::handlers::allowances::{applications as a, beneficiaries as b, payroll as p, quotas as q};
    use crate::handlers::imports;
    cfg.service(q::list_quotas)
        .service(q::set_quota)
        .service(a::list_applications)
        .service(a::submit_application)
        .service(a::get_application)
        .service(a::verify_application)
        .service(a::decide_application)
        .service(a::get_waiting_list)
        .service(b::list_beneficiaries)
        .service(b::get_beneficiary)
        .service(crate::handlers::allowances::payment_history::get_beneficiary_payments)
        .service(b::set_beneficiary_account)
        .service(b::suspend_beneficiary)
        .service(b::resume_beneficiary)
        .service(b::exit_beneficiary)
        .service(b::record_compliance)
        .service(b::review_compliance_breach)
        .service(p::list_payment_cycles)
        .service(p::create_payment_cycle)
        .service(p::get_payment_cycle)
        .service(imports::import_beneficiaries)
        .service(imports::list_jobs)
        .service(imports::get_job)
        .service(imports::cancel_job)
        .service(p::generate_payroll)
        .service(p::approve_payroll)
        .service(p::export_payment_file)
        .service(p::import_payment_results);
}

/// The registry routes: partner organisations, facilities, persons.
fn registry_routes(cfg: &mut ServiceConfig) {
    use crate::handlers::{facilities as f, persons as p};
    cfg.service(f::list_partner_organisations)
        .service(f::create_partner_organisation)
        .service(f::list_facilities)
        .service(f::create_facility)
        .service(f::get_facility)
        .service(p::search_persons)
        .service(p::create_person)
        .service(p::get_person)
        .service(p::update_person);
}

/// The microcredit routes.
fn microcredit_routes(cfg: &mut ServiceConfig) {
    use crate::handlers::microcredit::{funds as f, groups as g, loans as l, repayments as r};
    cfg.service(f::create_loan_fund)
        .service(f::list_loan_funds)
        .service(f::get_loan_fund)
        .service(f::record_fund_capital)
        .service(f::list_fund_entries)
        .service(g::create_work_group)
        .service(g::list_work_groups)
        .service(g::get_work_group)
        .service(g::add_work_group_member)
        .service(l::apply_for_loan)
        .service(l::list_loans)
        .service(l::get_loan)
        .service(l::record_committee_meeting)
        .service(l::disburse_loan)
        .service(l::request_write_off)
        .service(l::decide_write_off)
        .service(r::record_repayment)
        .service(r::import_repayments);
}

/// Every operation, registered once: each handler's route attribute gives both the actix
/// service and its path in the OpenAPI document (`utoipa-actix-web`).
pub fn routes(cfg: &mut ServiceConfig) {
    use crate::handlers::{programmes, reports};
    cfg.service(health::live).service(health::ready).service(
        scope("/api/v1")
            .service(auth_token::create_token)
            .service(auth_token::revoke_token)
            .service(users::me::get_current_user)
            .service(users::list::list_users)
            .service(users::create::create_user)
            .service(users::get::get_user)
            .service(users::status::disable_user)
            .service(users::status::enable_user)
            .service(users::password::reset_user_password)
            .service(audit_events::list_audit_events)
            .service(geo::list_divisions)
            .service(geo::list_districts)
            .service(geo::list_upazilas)
            .service(geo::list_unions)
            .service(geo::list_city_corporations)
            .service(crate::handlers::areas::create_upazila)
            .service(crate::handlers::areas::update_upazila)
            .service(crate::handlers::areas::retire_upazila)
            .service(crate::handlers::areas::create_union)
            .service(crate::handlers::areas::update_union)
            .service(crate::handlers::areas::retire_union)
            .service(reference::list_roles)
            .service(reference::list_code_lists)
            .service(programmes::list_programmes)
            .service(programmes::check_eligibility)
            .service(reports::list_reports)
            .service(reports::get_report)
            .configure(allowance_routes)
            .configure(registry_routes)
            .configure(case_routes)
            .configure(microcredit_routes)
            .service(crate::handlers::disability::record_disability_assessment)
            .service(crate::handlers::disability::list_disability_records)
            .service(crate::handlers::disability::get_disability_record)
            .service(crate::handlers::disability::record_disability_card)
            .service(crate::handlers::directory::create_directory_entry)
            .service(crate::handlers::directory::list_directory_entries)
            .service(crate::handlers::directory::get_directory_entry)
            .service(crate::handlers::directory::update_directory_entry)
            .service(crate::handlers::directory::retire_directory_entry)
            .service(crate::handlers::households::create_household)
            .service(crate::handlers::households::list_households)
            .service(crate::handlers::households::get_household)
            .service(crate::handlers::households::add_household_member)
            .service(crate::handlers::households::record_household_move_out)
            .service(crate::handlers::households::create_relationship)
            .service(crate::handlers::households::list_relationships)
            .service(crate::handlers::households::end_relationship)
            .service(crate::handlers::documents::upload_document)
            .service(crate::handlers::documents::list_documents)
            .service(crate::handlers::documents::get_document)
            .service(crate::handlers::documents::download_document)
            .service(crate::handlers::documents::withdraw_document)
            .service(crate::handlers::contacts::record_contact)
            .service(crate::handlers::contacts::list_contacts)
            .service(crate::handlers::contacts::get_contact)
            .service(crate::handlers::contacts::put_service_point_day)
            .service(crate::handlers::contacts::list_service_point_days)
            .service(crate::handlers::voluntary::apply_for_registration)
            .service(crate::handlers::voluntary::list_voluntary_organisations)
            .service(crate::handlers::voluntary::get_voluntary_organisation)
            .service(crate::handlers::voluntary::record_registration_inspection)
            .service(crate::handlers::voluntary::decide_registration)
            .service(crate::handlers::voluntary::change_registration_status)
            .service(crate::handlers::voluntary::change_committee)
            .service(crate::handlers::voluntary::file_annual_report)
            .service(crate::handlers::voluntary::record_council_grant)
            .service(crate::handlers::voluntary::link_partner_registration)
            .service(crate::handlers::capitation::put_capitation_allotment)
            .service(crate::handlers::capitation::list_orphan_at_orphanage)
            .service(crate::handlers::capitation::get_orphanage_listing)
            .service(crate::handlers::allowances::payment_history::get_orphanage_payments)
            .service(crate::handlers::capitation::record_capitation_inspection)
            .service(crate::handlers::hospital::take_patient_request)
            .service(crate::handlers::hospital::list_hospital_patients)
            .service(crate::handlers::hospital::get_hospital_patient)
            .service(crate::handlers::hospital::assess_patient)
            .service(crate::handlers::hospital::give_patient_aid)
            .service(crate::handlers::hospital::close_patient_request)
            .service(crate::handlers::hospital::refer_for_rehabilitation_loan)
            .service(crate::handlers::supervision::open_supervision)
            .service(crate::handlers::supervision::list_supervisions)
            .service(crate::handlers::supervision::get_supervision)
            .service(crate::handlers::supervision::record_supervision_visit)
            .service(crate::handlers::supervision::report_to_court)
            .service(crate::handlers::supervision::record_court_decision)
            .service(crate::handlers::supervision::complete_supervision)
            .service(crate::handlers::institutions::admit_resident_to_institution)
            .service(crate::handlers::institutions::list_institution_stays)
            .service(crate::handlers::institutions::get_institution_stay)
            .service(crate::handlers::institutions::transfer_resident)
            .service(crate::handlers::institutions::record_resident_departure),
    );
}

/// Registers every route, Swagger UI and the shared extractor configuration.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(query_config()).app_data(path_config());
    routes(&mut ServiceConfig::new(cfg));
    cfg.service(
        SwaggerUi::new("/swagger-ui/{_:.*}").external_url_unchecked("/api-docs/openapi.json", crate::openapi::document().clone()),
    );
}

/// The whole application: state, routes, and middleware (outermost last): CORS (preflights
/// answered before routing), the resource policy, request context (id + problem documents),
/// security headers, access log.
pub fn build(
    state: web::Data<AppState>,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = state.body_limit;
    let cors = crate::cors::cors(&state.cors_origins);
    actix_web::App::new()
        .app_data(state)
        .app_data(BodyLimit(limit))
        .app_data(web::PayloadConfig::new(limit))
        .configure(configure)
        .default_service(web::to(not_routed))
        .wrap(cors)
        .wrap(from_fn(crate::cors::resource_policy))
        .wrap(from_fn(request_context))
        .wrap(
            DefaultHeaders::new()
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .add((header::X_FRAME_OPTIONS, "DENY"))
                .add((header::REFERRER_POLICY, "no-referrer"))
                .add((header::CACHE_CONTROL, "no-store")),
        )
        .wrap(from_fn(crate::middleware::access_log))
}
