//! Routing and the middleware stack. Every route is registered here, next to the method it
//! answers; anything else under a known path is a 405 and under an unknown path a 404, both
//! as problem documents (see `middleware`).

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{from_fn, DefaultHeaders, Logger};
use actix_web::{web, HttpResponse, Route};
use utoipa_swagger_ui::SwaggerUi;

use crate::extract::{path_config, query_config, BodyLimit};
use crate::handlers::{audit_events, auth_token, geo, health, reference, users};
use crate::middleware::request_context;
use crate::state::AppState;

/// A resource's answer to a method it does not support, with the `Allow` header RFC 9110 asks for.
fn not_allowed(allow: &'static str) -> Route {
    web::route().to(move || async move {
        HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, allow))
            .finish()
    })
}

/// No route matched; the request-context middleware renders the 404 problem.
async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().finish()
}

/// Registers every route and shared configuration on an app or scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(query_config())
        .app_data(path_config())
        .service(
            web::resource("/health/live")
                .route(web::get().to(health::live))
                .default_service(not_allowed("GET")),
        )
        .service(
            web::resource("/health/ready")
                .route(web::get().to(health::ready))
                .default_service(not_allowed("GET")),
        )
        .service(
            web::scope("/api/v1")
                .service(
                    web::resource("/auth/token")
                        .route(web::post().to(auth_token::create_token))
                        .default_service(not_allowed("POST")),
                )
                .service(
                    web::resource("/auth/revoke")
                        .route(web::post().to(auth_token::revoke_token))
                        .default_service(not_allowed("POST")),
                )
                .service(
                    web::resource("/me")
                        .route(web::get().to(users::me::get_current_user))
                        .default_service(not_allowed("GET")),
                )
                .service(
                    web::resource("/users")
                        .route(web::get().to(users::list::list_users))
                        .route(web::post().to(users::create::create_user))
                        .default_service(not_allowed("GET, POST")),
                )
                .service(
                    web::resource("/users/{user_id}")
                        .route(web::get().to(users::get::get_user))
                        .default_service(not_allowed("GET")),
                )
                .service(
                    web::resource("/users/{user_id}/disable")
                        .route(web::post().to(users::status::disable_user))
                        .default_service(not_allowed("POST")),
                )
                .service(
                    web::resource("/users/{user_id}/enable")
                        .route(web::post().to(users::status::enable_user))
                        .default_service(not_allowed("POST")),
                )
                .service(
                    web::resource("/users/{user_id}/password")
                        .route(web::post().to(users::password::reset_user_password))
                        .default_service(not_allowed("POST")),
                )
                .service(
                    web::resource("/audit-events")
                        .route(web::get().to(audit_events::list_audit_events))
                        .default_service(not_allowed("GET")),
                )
                .service(
                    web::resource("/geo/divisions")
                        .route(web::get().to(geo::list_divisions))
                        .default_service(not_allowed("GET")),
                )
                .service(
                    web::resource("/geo/districts")
                        .route(web::get().to(geo::list_districts))
                        .default_service(not_allowed("GET")),
                )
                .service(
                    web::resource("/geo/upazilas")
                        .route(web::get().to(geo::list_upazilas))
                        .default_service(not_allowed("GET")),
                )
                .service(
                    web::resource("/geo/unions")
                        .route(web::get().to(geo::list_unions))
                        .default_service(not_allowed("GET")),
                )
                .service(
                    web::resource("/reference/roles")
                        .route(web::get().to(reference::list_roles))
                        .default_service(not_allowed("GET")),
                ),
        )
        .service(
            SwaggerUi::new("/swagger-ui/{_:.*}")
                .url("/api-docs/openapi.json", crate::openapi::openapi()),
        );
}

/// The whole application: state, routes, and middleware (outermost last): request context
/// (id + problem documents), security headers, access log.
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
    actix_web::App::new()
        .app_data(state)
        .app_data(BodyLimit(limit))
        .app_data(web::PayloadConfig::new(limit))
        .configure(configure)
        .default_service(web::to(not_found))
        .wrap(from_fn(request_context))
        .wrap(
            DefaultHeaders::new()
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .add((header::X_FRAME_OPTIONS, "DENY"))
                .add((header::REFERRER_POLICY, "no-referrer"))
                .add((
                    HeaderName::from_static("cross-origin-resource-policy"),
                    HeaderValue::from_static("same-origin"),
                ))
                .add((header::CACHE_CONTROL, "no-store")),
        )
        .wrap(
            Logger::new("%a \"%r\" %s %b %Dms request_id=%{x-request-id}o").exclude("/health/live"),
        )
}
