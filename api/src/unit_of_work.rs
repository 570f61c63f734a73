//! Running a request's database work: the whole unit in one `web::block` (diesel is
//! synchronous and must not run on the async workers), on one pooled connection, in one
//! transaction. An error rolls everything back, so nothing is half-written.

use actix_web::web;
use persistence::PgConnection;

use crate::problem::ApiError;
use crate::state::AppState;

fn connection(pool: &persistence::db::PgPool) -> Result<persistence::db::PooledPg, ApiError> {
    let _waiting = crate::metrics::Waiting::start();
    pool.get().map_err(|e| ApiError::Unavailable(e.to_string()))
}

/// Runs `f` in a read-write transaction.
pub async fn transact<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    web::block(move || {
        let mut conn = connection(&pool)?;
        conn.build_transaction().run(f)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Runs `f` in a read-only transaction (a consistent snapshot; writes are refused by the
/// database, so a read handler cannot write by mistake).
pub async fn read<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    web::block(move || {
        let mut conn = connection(&pool)?;
        conn.build_transaction().read_only().run(f)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Runs `f` in a read-only transaction on the streaming replica when one is configured (for
/// reports: what they read may lag the primary by the replica's replay delay), else on the
/// primary.
pub async fn read_replica<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.replica.clone().unwrap_or_else(|| state.pool.clone());
    web::block(move || {
        let mut conn = connection(&pool)?;
        conn.build_transaction().read_only().run(f)
    })
    .await
    .map_err(ApiError::internal)?
}
