//! Sheba's HTTP API and command line. Handlers stay thin: parse, authorise
//! (`auth::policy`), call the domain, persist in one transaction (`unit_of_work`), answer.
//! `ARCHITECTURE.md` walks through a request.

pub mod accounts;
pub mod app;
pub mod audit_chain;
pub mod auth;
pub mod backup;
pub mod codes;
pub mod config;
pub mod contract;
pub mod cors;
pub mod csv_export;
pub mod database;
pub mod documents;
pub mod etag;
pub mod extract;
pub mod geo_cache;
pub mod handlers;
pub mod idempotency;
pub mod jobs;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod pagination;
pub mod panics;
pub mod pipeline;
pub mod problem;
pub mod scoping;
pub mod services;
pub mod state;
pub mod telemetry;
pub mod unit_of_work;
pub mod views;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{web, HttpServer};

pub use state::AppState;

/// An HTTP server on `listener` (graceful shutdown on SIGINT/SIGTERM, 30 s to drain), its job
/// workers, and the task that notices a change of the geography made through another server.
/// Call it within an actix runtime, once per process.
pub fn server(state: web::Data<AppState>, listener: TcpListener, workers: usize) -> std::io::Result<Server> {
    state.jobs.start();
    let poller = state.clone();
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(geo_cache::POLL);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = geo_cache::refresh_if_changed(&poller).await {
                log::warn!("geography refresh: {e}");
            }
        }
    });
    Ok(HttpServer::new(move || app::build(state.clone())).workers(workers.max(1)).shutdown_timeout(30).listen(listener)?.run())
}

/// The metrics listener (`SHEBA_METRICS_BIND`): one worker, `/metrics` only.
pub fn metrics_server(state: web::Data<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || actix_web::App::new().app_data(state.clone()).configure(metrics::configure))
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run())
}
