//! What every handler shares: the pool, the token service and the policies set by
//! configuration.

use std::time::Duration;

use domain::case::CaseSettings;
use domain::login_throttle::ThrottlePolicy;
use persistence::db::PgPool;

use crate::auth::tokens::TokenService;

pub struct AppState {
    pub pool: PgPool,
    pub tokens: TokenService,
    pub throttle: ThrottlePolicy,
    pub body_limit: usize,
    /// How long an `Idempotency-Key` is remembered.
    pub idempotency_ttl: Duration,
    /// Follow-up schedule and work-queue warnings for cases.
    pub case_settings: CaseSettings,
    /// The reference geography, loaded once at start (it changes only with a migration).
    pub geography: std::sync::Arc<persistence::geo::Geography>,
    /// Origins whose browser front ends may call the API (CORS); none by default.
    pub cors_origins: crate::cors::AllowedOrigins,
}
