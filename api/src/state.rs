//! What every handler shares: the pool, the token service and the policies set by
//! configuration.

use std::time::Duration;

use domain::case::CaseSettings;
use domain::login_throttle::ThrottlePolicy;
use persistence::db::PgPool;

use crate::auth::tokens::TokenService;

pub struct AppState {
    pub pool: PgPool,
    /// A streaming replica for reports (`SHEBA_REPLICA_URL`); `None`: the primary answers.
    pub replica: Option<PgPool>,
    pub tokens: TokenService,
    pub throttle: ThrottlePolicy,
    pub body_limit: usize,
    /// How long an `Idempotency-Key` is remembered.
    pub idempotency_ttl: Duration,
    /// Follow-up schedule and work-queue warnings for cases.
    pub case_settings: CaseSettings,
    /// The reference geography, held in memory (`crate::geo_cache`).
    pub geography: crate::geo_cache::GeoCache,
    /// This server's job workers (started with the server).
    pub jobs: crate::jobs::JobRunner,
    /// Origins whose browser front ends may call the API (CORS); none by default.
    pub cors_origins: crate::cors::AllowedOrigins,
    /// The embedded cluster this server runs and restarts (readiness reports it); `None`
    /// for `DATABASE_URL` or a cluster another process runs.
    pub cluster: Option<std::sync::Arc<persistence::cluster::ClusterHealth>>,
    /// Where documents' bytes are kept, encrypted (`crate::documents`).
    pub documents: crate::documents::DocumentStore,
}
