//! Logging through `tracing`: text for people, or one JSON object per line for a log
//! collector (`SHEBA_LOG_FORMAT=json`). The `log` records of libraries and of our own code
//! pass through the same subscriber. `RUST_LOG` filters as usual (default `info`).
//!
//! What may be logged is decided where lines are written: the access log names route
//! templates and request ids only (`middleware::access_log`); nothing logs query strings,
//! bodies, tokens or client addresses.

use std::str::FromStr;

use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("log format must be text or json, not {other:?}")),
        }
    }
}

/// Installs the global subscriber, writing to standard error, and the panic hook that logs
/// where a panic happened but not its message (`crate::panics`). Call once, first thing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(false);
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).with_span_list(false).try_init(),
    };
    if let Err(e) = installed {
        eprintln!("logging not set up: {e}");
    }
    crate::panics::install_hook();
}
