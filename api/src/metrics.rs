//! Prometheus metrics (OpenMetrics text), served on a listener of their own
//! (`SHEBA_METRICS_BIND`), never on the public API: a scraper carries no token, and request
//! counts per route are not for the public. Labels are route templates, so no value a caller
//! sent (a name, an ID number) can become a label, and the series stay few.

use std::sync::atomic::AtomicU64;
use std::sync::LazyLock;

use actix_web::{web, HttpResponse};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::problem::ApiError;
use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Pool {
    pool: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobStatus {
    status: String,
}

type LatencyFamily = Family<Request, Histogram, fn() -> Histogram>;

/// Panics, apart from the rest: the panic hook counts here, and must not be the one to set
/// up (and perhaps panic in) the registry.
static PANICS: LazyLock<Counter> = LazyLock::new(Counter::default);

struct Metrics {
    registry: Registry,
    requests: Family<Request, Counter>,
    latency: LatencyFamily,
    pool_size: Family<Pool, Gauge>,
    pool_in_use: Family<Pool, Gauge>,
    pool_waiting: Family<Pool, Gauge>,
    jobs: Family<JobStatus, Gauge>,
    oldest_queued: Gauge<f64, AtomicU64>,
    cluster_restarts: Gauge,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("sheba");
    let requests = Family::<Request, Counter>::default();
    let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
    let pool_size = Family::<Pool, Gauge>::default();
    let pool_in_use = Family::<Pool, Gauge>::default();
    let pool_waiting = Family::<Pool, Gauge>::default();
    let jobs = Family::<JobStatus, Gauge>::default();
    let oldest_queued = Gauge::<f64, AtomicU64>::default();
    let cluster_restarts = Gauge::default();
    registry.register("http_requests", "HTTP requests answered, by route template and status", requests.clone());
    registry.register("http_request_duration_seconds", "Time to answer, by route template and status", latency.clone());
    registry.register("db_pool_connections", "Connections the pool holds", pool_size.clone());
    registry.register("db_pool_in_use", "Connections lent out", pool_in_use.clone());
    registry.register("db_pool_waiting", "Requests waiting for a connection", pool_waiting.clone());
    registry.register("jobs", "Jobs by status (all servers: the queue is shared)", jobs.clone());
    registry.register("panics", "Panics (each a bug) in handlers, database work and job workers", PANICS.clone());
    registry.register(
        "jobs_oldest_queued_age_seconds",
        "How long the oldest queued job has waited (0 when none waits)",
        oldest_queued.clone(),
    );
    registry.register(
        "embedded_database_restarts",
        "Times the embedded PostgreSQL died and was started again since this server started",
        cluster_restarts.clone(),
    );
    Metrics { registry, requests, latency, pool_size, pool_in_use, pool_waiting, jobs, oldest_queued, cluster_restarts }
});

/// Counts one answered request. `route` must be a template (`/api/v1/persons/{person_id}`).
pub fn observe_request(method: &str, route: &str, status: u16, seconds: f64) {
    let labels = Request { method: method.to_owned(), route: route.to_owned(), status };
    METRICS.requests.get_or_create(&labels).inc();
    METRICS.latency.get_or_create(&labels).observe(seconds);
}

/// Counts a panic (the panic hook calls this).
pub fn count_panic() {
    PANICS.inc();
}

#[cfg(test)]
pub(crate) fn panics_counted() -> u64 {
    PANICS.get()
}

/// Held while a request waits for a database connection.
pub struct Waiting;

impl Waiting {
    pub fn start() -> Waiting {
        METRICS.pool_waiting.get_or_create(&Pool { pool: "requests" }).inc();
        Waiting
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        METRICS.pool_waiting.get_or_create(&Pool { pool: "requests" }).dec();
    }
}

const JOB_STATUSES: [&str; 5] = ["queued", "running", "succeeded", "failed", "cancelled"];

/// `GET /metrics`: the counters, plus gauges read now (pools, the job queue).
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    for (name, pool) in [("requests", &state.pool), ("jobs", state.jobs.pool())] {
        let s = pool.state();
        METRICS.pool_size.get_or_create(&Pool { pool: name }).set(i64::from(s.connections));
        METRICS.pool_in_use.get_or_create(&Pool { pool: name }).set(i64::from(s.connections - s.idle_connections));
    }
    if let Some(c) = &state.cluster {
        METRICS.cluster_restarts.set(i64::try_from(c.restarts()).unwrap_or(i64::MAX));
    }
    let pool = state.pool.clone();
    let queue = crate::unit_of_work::blocking(move || {
        let mut conn = pool.get().map_err(|e| ApiError::Unavailable(e.to_string()))?;
        persistence::jobs::queue_gauges(&mut conn).map_err(ApiError::from)
    })
    .await?;
    for status in JOB_STATUSES {
        let n = queue.by_status.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
        METRICS.jobs.get_or_create(&JobStatus { status: status.to_owned() }).set(n);
    }
    METRICS.oldest_queued.set(queue.oldest_queued_seconds.unwrap_or(0.0).max(0.0));
    let mut text = String::new();
    encode(&mut text, &METRICS.registry).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type("application/openmetrics-text; version=1.0.0; charset=utf-8").body(text))
}

/// The metrics listener's application: `/metrics` and nothing else.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_are_exported() {
        count_panic();
        let mut text = String::new();
        encode(&mut text, &METRICS.registry).unwrap();
        assert!(text.lines().any(|l| l.starts_with("sheba_panics_total ")), "{text}");
    }
}
