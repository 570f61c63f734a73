//! Liveness and readiness for orchestrators and load balancers.

use actix_web::get;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "live"}))]
pub struct Liveness {
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ready", "database": "up", "pending_migrations": 0}))]
pub struct Readiness {
    pub status: String,
    pub database: String,
    pub pending_migrations: usize,
}

/// The process is up and serving.
#[utoipa::path(operation_id = "get_liveness", tag = "health",
    responses((status = 200, description = "The server is running", body = Liveness)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Liveness { status: "live".into() })
}

/// The database is reachable and every migration this build carries is applied.
#[utoipa::path(operation_id = "get_readiness", tag = "health",
    responses(
        (status = 200, description = "Ready to serve requests", body = Readiness),
        (status = 503, description = "Database unreachable or migrations pending", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    use persistence::cluster::ClusterState;
    // The embedded cluster died and is being started again: say so at once (the pool would
    // only time out).
    if let Some(ClusterState::Restarting { attempt }) = state.cluster.as_ref().map(|c| c.state()) {
        return Err(ApiError::DatabaseRestarting { attempt });
    }
    let pool = state.pool.clone();
    let pending = web::block(move || -> Result<usize, ApiError> {
        let mut conn = pool.get().map_err(|e| ApiError::Unavailable(e.to_string()))?;
        persistence::db::ping(&mut conn).map_err(|e| ApiError::Unavailable(e.to_string()))?;
        persistence::db::pending_migrations(&mut conn).map_err(|e| ApiError::Unavailable(e.to_string()))
    })
    .await
    .map_err(ApiError::internal)??;
    if pending > 0 {
        return Err(ApiError::Unavailable(format!("{pending} migrations pending")));
    }
    Ok(HttpResponse::Ok().json(Readiness { status: "ready".into(), database: "up".into(), pending_migrations: 0 }))
}
