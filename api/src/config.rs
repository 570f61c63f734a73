//! Configuration: environment variables with matching command-line flags. The README's
//! table lists them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "sheba", version, about = "Sheba (সেবা): case management, social allowances and reports for DSS")]
pub struct Cli {
    #[command(flatten)]
    pub db: DatabaseOpts,
    /// Log lines as `text` or as one JSON object per line (`json`). `RUST_LOG` filters them.
    #[arg(long, env = "SHEBA_LOG_FORMAT", default_value = "text", global = true)]
    pub log_format: crate::telemetry::LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DatabaseOpts {
    /// PostgreSQL URL. Unset: run the embedded cluster in `<data-dir>/pg`.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Sheba's data directory: the embedded cluster, its password, the token signing key.
    #[arg(long, env = "SHEBA_DATA_DIR", default_value = ".data", global = true)]
    pub data_dir: PathBuf,
    /// Port for the embedded cluster (default: a free port at each start).
    #[arg(long, env = "SHEBA_PG_PORT", global = true)]
    pub pg_port: Option<u16>,
    /// Directory with PostgreSQL's `initdb` and `postgres` (default: newest /usr/lib/postgresql/*/bin).
    #[arg(long, env = "SHEBA_PG_BIN_DIR", global = true)]
    pub pg_bin_dir: Option<PathBuf>,
    /// Where the embedded cluster archives its WAL, for point-in-time recovery (`sheba
    /// restore --from BASE --until TIME`); `off` archives none. Default: `<data-dir>-wal-archive`
    /// beside the data directory (put it on another disk).
    #[arg(long, env = "SHEBA_WAL_ARCHIVE", global = true)]
    pub wal_archive: Option<String>,
    /// Where documents' bytes are kept (encrypted): a directory, default `<data-dir>/documents`.
    #[arg(long, env = "SHEBA_DOCUMENT_DIR", global = true)]
    pub document_dir: Option<PathBuf>,
    /// Another document store, as a URL (`file:///srv/sheba-documents`); `s3://` is refused by
    /// this build (see the README).
    #[arg(long, env = "SHEBA_DOCUMENT_STORE", global = true)]
    pub document_store: Option<String>,
    /// The 32-byte key documents are encrypted with (32 bytes or 64 hex digits). Unset:
    /// generated once into `<data-dir>/document-key` (mode 0600).
    #[arg(long, env = "SHEBA_DOCUMENT_KEY_FILE", global = true)]
    pub document_key_file: Option<PathBuf>,
}

impl DatabaseOpts {
    /// The document store as configured (its directory made, its key read or made).
    pub fn document_store(&self, max_bytes: u64) -> anyhow::Result<crate::documents::DocumentStore> {
        crate::documents::DocumentStore::configured(
            self.document_store.as_deref(),
            self.document_dir.as_deref(),
            self.document_key_file.as_deref(),
            &self.data_dir,
            max_bytes,
        )
    }

    /// The WAL archive of the embedded cluster, unless archiving is off.
    pub fn wal_archive_dir(&self) -> Option<PathBuf> {
        match self.wal_archive.as_deref() {
            Some("off") => None,
            Some(dir) => Some(PathBuf::from(dir)),
            None => Some(default_wal_archive(&self.data_dir)),
        }
    }

    /// Whether a WAL archive was named (not the default).
    pub fn wal_archive_named(&self) -> bool {
        self.wal_archive.as_deref().is_some_and(|a| a != "off")
    }
}

/// `<data-dir>-wal-archive`, beside the data directory: outside it, so that losing the data
/// directory keeps the archive, and one per data directory, so two clusters never share one.
pub fn default_wal_archive(data_dir: &std::path::Path) -> PathBuf {
    let absolute = std::path::absolute(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let name = absolute.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "sheba".into());
    absolute.with_file_name(format!("{name}-wal-archive"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (migrations are applied first).
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage accounts from the command line (works whether or not the server runs).
    #[command(subcommand)]
    User(UserCommand),
    /// Print the OpenAPI document (this is how openapi/openapi.json is regenerated).
    Openapi,
    /// Add reproducible synthetic beneficiaries and cases over the real geography (benchmarks).
    SeedSynthetic {
        #[arg(long, default_value_t = 100_000)]
        beneficiaries: i64,
        #[arg(long, default_value_t = 10_000)]
        cases: i64,
        #[arg(long, default_value_t = 1)]
        seed: u32,
        /// Connections writing chunks at once (the data does not depend on it).
        #[arg(long, default_value_t = 2)]
        jobs: usize,
    },
    /// Back up the whole database (a `pg_dump` directory), the token signing key and a
    /// manifest of every table's rows and checksum, from one snapshot, into a new directory;
    /// with `--base`, a base backup of the embedded cluster for point-in-time recovery.
    Backup {
        /// The new directory for a dump.
        #[arg(long, required_unless_present = "base", conflicts_with = "base")]
        to: Option<PathBuf>,
        /// A base backup (`pg_basebackup`) of the embedded cluster into this new directory:
        /// with the WAL archive, `sheba restore --from DIR --until TIME` brings the database
        /// back to any moment since.
        #[arg(long)]
        base: Option<PathBuf>,
        /// Leave the signing key out: tokens issued before will not survive a restore.
        #[arg(long)]
        without_signing_key: bool,
        /// With `--base`: delete the archived WAL older than this base backup (the backups
        /// before it can then no longer be brought forward).
        #[arg(long, requires = "base")]
        prune_archive: bool,
    },
    /// Restore a backup into an empty database (the embedded default: a data directory
    /// without a cluster, or with an empty one): into a staging database, checked against
    /// the backup's manifest, then switched in. A base backup (`sheba backup --base`) is
    /// checked with `pg_verifybackup` and brought forward from the WAL archive to `--until`.
    Restore {
        #[arg(long)]
        from: PathBuf,
        /// For a base backup: the moment to bring the database back to (RFC 3339, e.g.
        /// `2026-11-28T16:00:00+06:00`): every transaction committed by then, none after.
        /// Without it, everything the WAL archive holds.
        #[arg(long)]
        until: Option<String>,
    },
    /// A streaming replica of the embedded cluster, for reports (`SHEBA_REPLICA_URL`).
    #[command(subcommand)]
    Replica(ReplicaCommand),
    /// Ask a running server whether it is ready (`GET /health/ready`); exit status 0 when it
    /// is. For container health checks: the image needs no HTTP client.
    Health {
        /// The server's address (`host:port`; `0.0.0.0` means this machine).
        #[arg(long, env = "SHEBA_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
    },
    /// Bulk imports, with a progress bar (works whether or not the server runs).
    #[command(subcommand)]
    Import(ImportCommand),
    /// The audit trail's hash chains: check them, export each closed day's anchor.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every chain of the audit trail (one per day and chain number) from its rows,
    /// and check each ends where its head (and its anchor, when given) says. Prints `ok: ...`,
    /// or the first broken link (day, chain, seq, event id) and the others, and exits with
    /// status 2.
    Verify {
        /// Only this day's chains (YYYY-MM-DD, UTC).
        #[arg(long)]
        day: Option<chrono::NaiveDate>,
        /// Anchors written by `sheba audit anchor` (JSON lines): each anchored day's chains
        /// must still end in the anchored hashes, and no chain may have been added to it.
        #[arg(long)]
        anchors: Option<PathBuf>,
    },
    /// Write each closed day's anchor, the last seq and hash of each of its chains, as one
    /// JSON line, after checking them; ship the lines to storage the database's administrator
    /// cannot write. A day closes at midnight UTC and can be anchored from 00:10.
    Anchor {
        /// Only this day (YYYY-MM-DD, UTC); default: every closed day.
        #[arg(long, conflicts_with = "open")]
        day: Option<chrono::NaiveDate>,
        /// A checkpoint of the days not closed yet (today): how far each chain has come, marked
        /// `"open": true`; the chains must still pass through it later. Run it as often as you
        /// like, to shorten the time during which the day's rows are not anchored.
        #[arg(long)]
        open: bool,
        /// Append the lines to this file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReplicaCommand {
    /// Make a hot standby of the embedded cluster in `SHEBA_DATA_DIR` (which must be
    /// running, e.g. under `sheba serve`) in a new directory, with `pg_basebackup`.
    Create {
        #[arg(long)]
        to: PathBuf,
    },
    /// Run the standby made by `create` in `SHEBA_DATA_DIR` until stopped; it prints the
    /// address to give the API servers as `SHEBA_REPLICA_URL`.
    Run {
        /// Port for the standby (default: a free one).
        #[arg(long)]
        port: Option<u16>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import beneficiaries from a CSV file (the columns of POST /api/v1/imports/beneficiaries).
    Beneficiaries {
        /// The CSV file.
        #[arg(long)]
        file: std::path::PathBuf,
        /// The account the import is made as: its scope bounds the rows, and it is recorded as their author.
        #[arg(long = "as")]
        username: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SHEBA_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// HMAC key for access tokens, at least 32 bytes. Unset: generated once into
    /// `<data-dir>/jwt-signing-key`.
    #[arg(long, env = "SHEBA_JWT_SECRET", hide_env_values = true, conflicts_with = "jwt_secret_file")]
    pub jwt_secret: Option<String>,
    /// A file holding the HMAC key for access tokens (e.g. a mounted secret), read at start.
    /// Every server on one database must have the same key.
    #[arg(long, env = "SHEBA_JWT_SECRET_FILE")]
    pub jwt_secret_file: Option<PathBuf>,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "SHEBA_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl: i64,
    /// Lifetime of refresh tokens, in days.
    #[arg(long, env = "SHEBA_REFRESH_TOKEN_TTL_DAYS", default_value_t = 14)]
    pub refresh_token_ttl_days: i64,
    /// Database connections in the pool.
    #[arg(long, env = "SHEBA_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: u32,
    /// Job workers on this server (imports, payroll), each on connections of its own.
    #[arg(long, env = "SHEBA_JOB_WORKERS", default_value_t = 2)]
    pub job_workers: usize,
    /// How long a job's lease lasts without a heartbeat: how soon another server takes the
    /// job of a server that died, in seconds.
    #[arg(long, env = "SHEBA_JOB_LEASE_SECONDS", default_value_t = 30)]
    pub job_lease_seconds: i32,
    /// How long a request waits for a database connection before answering 503, in milliseconds.
    #[arg(long, env = "SHEBA_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 5000)]
    pub db_acquire_timeout_ms: u64,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "SHEBA_MAX_BODY_BYTES", default_value_t = 262_144)]
    pub max_body_bytes: usize,
    /// Months after reintegration at which follow-ups fall due.
    #[arg(long, env = "SHEBA_FOLLOW_UP_MONTHS", value_delimiter = ',', default_value = "1,3,6,12")]
    pub follow_up_months: Vec<u32>,
    /// Days before a stay limit at which the work queue warns.
    #[arg(long, env = "SHEBA_STAY_WARNING_DAYS", default_value_t = 14)]
    pub stay_warning_days: u32,
    /// Origins whose browser front ends may call the API, comma-separated
    /// (`https://portal.example.gov.bd,http://localhost:5173`); none by default.
    #[arg(long, env = "SHEBA_CORS_ORIGINS", default_value = "", value_parser = crate::cors::AllowedOrigins::parse)]
    pub cors_origins: crate::cors::AllowedOrigins,
    /// A streaming replica of the database (`sheba replica create`) that answers reports;
    /// writes and everything else stay on the primary.
    #[arg(long, env = "SHEBA_REPLICA_URL", hide_env_values = true)]
    pub replica_url: Option<String>,
    /// Address for Prometheus metrics (`GET /metrics`), e.g. `127.0.0.1:9464`; off by
    /// default. Keep it off the public network: it needs no token.
    #[arg(long, env = "SHEBA_METRICS_BIND")]
    pub metrics_bind: Option<String>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "SHEBA_WORKERS")]
    pub workers: Option<usize>,
    /// Largest document accepted, in bytes (a larger upload is refused with 413 as soon as it
    /// passes this, and nothing of it is kept).
    #[arg(long, env = "SHEBA_DOCUMENT_MAX_BYTES", default_value_t = crate::documents::DEFAULT_MAX_BYTES)]
    pub document_max_bytes: u64,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        /// Read the password (or client secret) from standard input (required: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long)]
        role: String,
        /// national | division:ID | district:ID | upazila:ID | facility:UUID | partner:UUID
        #[arg(long)]
        scope: String,
        #[arg(long)]
        display_name: Option<String>,
        /// person (default) or service (client credentials)
        #[arg(long)]
        kind: Option<String>,
    },
}
