//! Running a request's database work: the whole unit in one `web::block` (diesel is
//! synchronous and must not run on the async workers), on one pooled connection, in one
//! transaction. An error rolls everything back, so nothing is half-written.

use std::panic::AssertUnwindSafe;

use actix_web::web;
use persistence::PgConnection;

use crate::problem::ApiError;
use crate::state::AppState;

/// Runs `f` on the blocking pool. A panic in it (a bug) is a 500 whose logged cause says
/// where it happened; its message, which may quote input, is dropped.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    web::block(move || {
        // (A connection taken in `f` is dropped while panicking, so the pool discards it.)
        std::panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
            Err(ApiError::internal(format!("the database work panicked at {}", crate::panics::take_location())))
        })
    })
    .await
    .map_err(|_| ApiError::internal("the database work was cancelled"))?
}

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
    blocking(move || {
        let mut conn = connection(&pool)?;
        conn.build_transaction().run(f)
    })
    .await
}

/// Runs `f` in a read-only transaction (a consistent snapshot; writes are refused by the
/// database, so a read handler cannot write by mistake).
pub async fn read<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    blocking(move || {
        let mut conn = connection(&pool)?;
        conn.build_transaction().read_only().run(f)
    })
    .await
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
    blocking(move || {
        let mut conn = connection(&pool)?;
        conn.build_transaction().read_only().run(f)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_panic_in_blocking_work_is_an_internal_error_that_says_where() {
        crate::panics::install_test_hook();
        let r: Result<(), ApiError> = blocking(|| panic!("person {}", std::hint::black_box("রহিমা"))).await;
        match r {
            Err(ApiError::Internal(cause)) => {
                assert!(cause.contains("panicked at") && cause.contains(file!()), "{cause}");
                assert!(!cause.contains("রহিমা"), "{cause}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(blocking(|| Ok(7)).await.unwrap(), 7);
    }
}
