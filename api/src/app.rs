//! Routing and the middleware stack. Every route is registered here, next to the method it
//! answers; anything else under a known path is a 405 and under an unknown path a 404, both
//! as problem documents (see `middleware`).

use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, HttpResponse, Route};
use utoipa_swagger_ui::SwaggerUi;

use crate::extract::{path_config, query_config, BodyLimit};
use crate::handlers::{audit_events, auth_token, geo, health, reference, users};
use crate::middleware::request_context;
use crate::state::AppState;

/// A resource's answer to a method it does not support, with the `Allow` header RFC 9110 asks for.
fn not_allowed(allow: &'static str) -> Route {
    web::route().to(move || async move { HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, allow)).finish() })
}

/// No route matched; the request-context middleware renders the 404 problem.
async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().finish()
}

/// A resource answering only POST.
fn post<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path).route(web::post().to(handler)).default_service(not_allowed("POST"))
}

/// A resource answering only GET.
fn get<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path).route(web::get().to(handler)).default_service(not_allowed("GET"))
}

/// The case-management routes.
fn case_routes(cfg: &mut web::ServiceConfig) {
    use crate::handlers::cases::{actions as a, open, read};
    cfg.service(
        web::resource("/cases")
            .route(web::get().to(read::list_cases))
            .route(web::post().to(open::open_case))
            .default_service(not_allowed("GET, POST")),
    )
    .service(get("/cases/{case_id}", read::get_case))
    .service(get("/cases/{case_id}/events", read::list_case_events))
    .service(get("/work-queue", read::get_work_queue))
    .service(post("/cases/{case_id}/admission", a::admit_resident))
    .service(post("/cases/{case_id}/placement", a::place_child))
    .service(post("/cases/{case_id}/release-order", a::record_release_order))
    .service(post("/cases/{case_id}/risk-assessment", a::record_risk_assessment))
    .service(post("/cases/{case_id}/detailed-assessment", a::record_detailed_assessment))
    .service(post("/cases/{case_id}/case-plan", a::submit_case_plan))
    .service(post("/cases/{case_id}/emergency-placement", a::request_emergency_placement))
    .service(post("/cases/{case_id}/services", a::record_service))
    .service(post("/cases/{case_id}/referrals", a::record_referral))
    .service(post("/cases/{case_id}/referrals/{no}/status", a::update_referral_status))
    .service(post("/cases/{case_id}/conferences", a::record_case_conference))
    .service(post("/cases/{case_id}/consents", a::record_consent))
    .service(post("/cases/{case_id}/notes", a::record_case_note))
    .service(post("/cases/{case_id}/alleged-perpetrators", a::record_alleged_perpetrator))
    .service(post("/cases/{case_id}/reintegration", a::start_reintegration))
    .service(post("/cases/{case_id}/reintegration/guardian-assessment", a::record_guardian_assessment))
    .service(post("/cases/{case_id}/reintegration/child-views", a::record_child_views))
    .service(post("/cases/{case_id}/reintegration/repatriation-clearance", a::record_repatriation_clearance))
    .service(post("/cases/{case_id}/reintegration/completion", a::complete_reintegration))
    .service(post("/cases/{case_id}/follow-ups/{no}", a::record_follow_up))
    .service(post("/cases/{case_id}/closure-request", a::request_case_closure))
    .service(post("/cases/{case_id}/stay-extension-request", a::request_stay_extension))
    .service(post("/cases/{case_id}/approvals/{no}/decision", a::decide_case_approval))
    .service(post("/cases/{case_id}/reopening", a::reopen_case))
    .service(post("/cases/{case_id}/exit", a::exit_case));
}

/// The allowance enrolment routes.
fn allowance_routes(cfg: &mut web::ServiceConfig) {
    use crate::handlers::allowances::{applications as a, beneficiaries as b, payroll as p, quotas as q};
    cfg.service(
        web::resource("/quotas")
            .route(web::get().to(q::list_quotas))
            .route(web::put().to(q::set_quota))
            .default_service(not_allowed("GET, PUT")),
    )
    .service(
        web::resource("/applications")
            .route(web::get().to(a::list_applications))
            .route(web::post().to(a::submit_application))
            .default_service(not_allowed("GET, POST")),
    )
    .service(get("/applications/{application_id}", a::get_application))
    .service(post("/applications/{application_id}/verification", a::verify_application))
    .service(post("/applications/{application_id}/decision", a::decide_application))
    .service(get("/waiting-list", a::get_waiting_list))
    .service(get("/beneficiaries", b::list_beneficiaries))
    .service(get("/beneficiaries/{beneficiary_id}", b::get_beneficiary))
    .service(
        web::resource("/beneficiaries/{beneficiary_id}/account")
            .route(web::put().to(b::set_beneficiary_account))
            .default_service(not_allowed("PUT")),
    )
    .service(post("/beneficiaries/{beneficiary_id}/suspension", b::suspend_beneficiary))
    .service(post("/beneficiaries/{beneficiary_id}/resumption", b::resume_beneficiary))
    .service(post("/beneficiaries/{beneficiary_id}/exit", b::exit_beneficiary))
    .service(post("/beneficiaries/{beneficiary_id}/compliance", b::record_compliance))
    .service(post("/beneficiaries/{beneficiary_id}/compliance/{month}/review", b::review_compliance_breach))
    .service(
        web::resource("/payment-cycles")
            .route(web::get().to(p::list_payment_cycles))
            .route(web::post().to(p::create_payment_cycle))
            .default_service(not_allowed("GET, POST")),
    )
    .service(get("/payment-cycles/{cycle_id}", p::get_payment_cycle))
    .service(
        // The import reads its upload as a stream into a temporary file, with its own limit.
        web::resource("/imports/beneficiaries")
            .route(web::post().to(crate::handlers::imports::import_beneficiaries))
            .default_service(not_allowed("POST")),
    )
    .service(get("/jobs/{job_id}", crate::handlers::imports::get_job))
    .service(post("/payment-cycles/{cycle_id}/generation", p::generate_payroll))
    .service(post("/payment-cycles/{cycle_id}/approval", p::approve_payroll))
    .service(get("/payment-cycles/{cycle_id}/export", p::export_payment_file))
    .service(
        // Result files can be large: a higher body limit on this resource only.
        web::resource("/payment-cycles/{cycle_id}/results")
            .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
            .route(web::post().to(p::import_payment_results))
            .default_service(not_allowed("POST")),
    );
}

/// The registry routes: partner organisations, facilities, persons.
fn registry_routes(cfg: &mut web::ServiceConfig) {
    use crate::handlers::{facilities as f, persons as p};
    cfg.service(
        web::resource("/partner-organisations")
            .route(web::get().to(f::list_partner_organisations))
            .route(web::post().to(f::create_partner_organisation))
            .default_service(not_allowed("GET, POST")),
    )
    .service(
        web::resource("/facilities")
            .route(web::get().to(f::list_facilities))
            .route(web::post().to(f::create_facility))
            .default_service(not_allowed("GET, POST")),
    )
    .service(get("/facilities/{facility_id}", f::get_facility))
    .service(
        web::resource("/persons")
            .route(web::get().to(p::search_persons))
            .route(web::post().to(p::create_person))
            .default_service(not_allowed("GET, POST")),
    )
    .service(
        web::resource("/persons/{person_id}")
            .route(web::get().to(p::get_person))
            .route(web::patch().to(p::update_person))
            .default_service(not_allowed("GET, PATCH")),
    );
}

/// Registers every route and shared configuration on an app or scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(query_config())
        .app_data(path_config())
        .service(get("/health/live", health::live))
        .service(get("/health/ready", health::ready))
        .service(
            web::scope("/api/v1")
                .service(post("/auth/token", auth_token::create_token))
                .service(post("/auth/revoke", auth_token::revoke_token))
                .service(get("/me", users::me::get_current_user))
                .service(
                    web::resource("/users")
                        .route(web::get().to(users::list::list_users))
                        .route(web::post().to(users::create::create_user))
                        .default_service(not_allowed("GET, POST")),
                )
                .service(get("/users/{user_id}", users::get::get_user))
                .service(post("/users/{user_id}/disable", users::status::disable_user))
                .service(post("/users/{user_id}/enable", users::status::enable_user))
                .service(post("/users/{user_id}/password", users::password::reset_user_password))
                .service(get("/audit-events", audit_events::list_audit_events))
                .service(get("/geo/divisions", geo::list_divisions))
                .service(get("/geo/districts", geo::list_districts))
                .service(get("/geo/upazilas", geo::list_upazilas))
                .service(get("/geo/unions", geo::list_unions))
                .service(get("/reference/roles", reference::list_roles))
                .service(get("/reference/code-lists", reference::list_code_lists))
                .service(get("/programmes", crate::handlers::programmes::list_programmes))
                .service(get("/reports", crate::handlers::reports::list_reports))
                .service(get("/reports/{report}", crate::handlers::reports::get_report))
                .service(post("/eligibility/check", crate::handlers::programmes::check_eligibility))
                .configure(allowance_routes)
                .configure(registry_routes)
                .configure(case_routes),
        )
        .service(
            SwaggerUi::new("/swagger-ui/{_:.*}")
                .external_url_unchecked("/api-docs/openapi.json", crate::openapi::document().clone()),
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
        .default_service(web::to(not_found))
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
