//! Connection pools and migrations.

use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::sql_types::BigInt;
use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// The migrations in the top-level `migrations/` directory, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// An arbitrary constant naming the advisory lock that serialises migration runs, so two
/// servers starting at once do not both migrate.
const MIGRATION_LOCK_KEY: i64 = 0x5348_4542_415f_4d47; // "SHEBA_MG"

pub type PgPool = Pool<ConnectionManager<PgConnection>>;
pub type PooledPg = PooledConnection<ConnectionManager<PgConnection>>;

/// Builds a pool. Connections are made lazily, so a server can start (and report itself not
/// ready) while the database is down; a request waits at most `acquire_timeout` for one.
pub fn pool(database_url: &str, max_size: u32, acquire_timeout: Duration) -> PgPool {
    Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(acquire_timeout)
        .test_on_check_out(false)
        .build_unchecked(ConnectionManager::new(database_url))
}

/// Why migrations failed.
#[derive(Debug, thiserror::Error)]
#[error("migrations failed: {0}")]
pub struct MigrationError(pub String);

/// Applies pending migrations under a PostgreSQL advisory lock and returns the versions
/// applied.
pub fn run_migrations(conn: &mut PgConnection) -> Result<Vec<String>, MigrationError> {
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
        .execute(conn)
        .map_err(|e| MigrationError(e.to_string()))?;
    let result = refuse_unknown_history(conn).and_then(|()| {
        conn.run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(|v| v.to_string()).collect())
            .map_err(|e| MigrationError(e.to_string()))
    });
    let unlock = diesel::sql_query("SELECT pg_advisory_unlock($1)").bind::<BigInt, _>(MIGRATION_LOCK_KEY).execute(conn);
    let versions = result?;
    unlock.map_err(|e| MigrationError(e.to_string()))?;
    Ok(versions)
}

/// Refuses a database that has applied migrations this build does not ship: it was made by a
/// build with another schema history (the unreleased migrations were squashed into one
/// baseline per area on 2026-11-28), and migrating it would fail half-way.
fn refuse_unknown_history(conn: &mut PgConnection) -> Result<(), MigrationError> {
    use diesel::migration::MigrationSource;
    let shipped: Vec<String> = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .map_err(|e| MigrationError(e.to_string()))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let applied = conn.applied_migrations().map_err(|e| MigrationError(e.to_string()))?;
    let unknown: Vec<String> = applied.iter().map(|v| v.to_string()).filter(|v| !shipped.contains(v)).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(MigrationError(format!(
        "the database has applied migrations this build does not ship ({}); it was made by a development build \
         from before the schema baseline of 2026-11-28. Start from an empty database: for the embedded default, \
         stop sheba and move its data directory aside",
        unknown.join(", ")
    )))
}

/// Brings a database up to date: migrations, then the reference data the code ships
/// (programme versions). Returns the migrations applied.
pub fn prepare(conn: &mut PgConnection) -> Result<Vec<String>, MigrationError> {
    let applied = run_migrations(conn)?;
    let seeded =
        crate::programmes::seed(conn, &domain::allowance::seeds::programmes()).map_err(|e| MigrationError(e.to_string()))?;
    if seeded > 0 {
        log::info!("added {seeded} programme version(s)");
    }
    Ok(applied)
}

/// How many embedded migrations the database has not applied; readiness requires zero.
pub fn pending_migrations(conn: &mut PgConnection) -> Result<usize, MigrationError> {
    conn.pending_migrations(MIGRATIONS).map(|m| m.len()).map_err(|e| MigrationError(e.to_string()))
}

/// Reverts every migration, newest first (for the round-trip test).
pub fn revert_all_migrations(conn: &mut PgConnection) -> Result<usize, MigrationError> {
    conn.revert_all_migrations(MIGRATIONS).map(|v| v.len()).map_err(|e| MigrationError(e.to_string()))
}

/// Reverts the newest migration, returning its name (for a test of what a migration does to
/// rows already there).
pub fn revert_last_migration(conn: &mut PgConnection) -> Result<String, MigrationError> {
    conn.revert_last_migration(MIGRATIONS).map(|v| v.to_string()).map_err(|e| MigrationError(e.to_string()))
}

/// A cheap liveness query.
pub fn ping(conn: &mut PgConnection) -> Result<(), diesel::result::Error> {
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}
