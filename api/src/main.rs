//! The `sheba` command: `serve`, `migrate`, `user create`, `openapi`.

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use actix_web::web;
use anyhow::Context;
use api::accounts::{self, AccountInput, NewAccount};
use api::auth::tokens::TokenService;
use api::config::{AuditCommand, Cli, Command, ImportCommand, ReplicaCommand, ServeArgs, UserCommand};
use api::database::{self, Database};
use api::AppState;
use clap::Parser;
use diesel::{Connection, PgConnection};
use domain::login_throttle::ThrottlePolicy;
use persistence::audit::AuditActor;

fn main() {
    let cli = Cli::parse();
    api::telemetry::init(cli.log_format);
    if let Err(e) = run(cli) {
        eprintln!("error: {e:#}");
        // (A trail that does not verify is told apart from a check that could not run.)
        std::process::exit(if e.is::<api::audit_chain::Broken>() { 2 } else { 1 });
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let db = cli.db;
    match cli.command {
        Command::Openapi => {
            print!("{}", api::openapi::document_json());
            Ok(())
        }
        Command::Migrate => {
            let applied = migrate(&database::open(&db)?.url)?;
            println!("applied {} migration(s)", applied.len());
            Ok(())
        }
        Command::User(UserCommand::Create { username, password_stdin: _, role, scope, display_name, kind }) => {
            create_user(&db, &AccountArgs { username, role, scope, display_name, kind })
        }
        Command::Serve(args) => serve(db, args),
        Command::SeedSynthetic { beneficiaries, cases, seed, jobs } => seed_synthetic(&db, beneficiaries, cases, seed, jobs),
        Command::Health { bind } => health(&bind),
        Command::Replica(ReplicaCommand::Create { to }) => {
            persistence::cluster::create_replica(&db.data_dir, &to, db.pg_bin_dir.as_deref())?;
            println!("made a hot standby in {}; run it with: SHEBA_DATA_DIR={} sheba replica run", to.display(), to.display());
            Ok(())
        }
        Command::Replica(ReplicaCommand::Run { port }) => run_replica(&db, port),
        Command::Backup { to: Some(to), base: None, without_signing_key, .. } => backup(&db, &to, !without_signing_key),
        Command::Backup { base: Some(base), without_signing_key, prune_archive, .. } => {
            let m = api::backup::base_backup(&db, &base, !without_signing_key, prune_archive)?;
            println!(
                "base backup in {} (from WAL {}; archive {}){}{}",
                base.display(),
                m.start_wal,
                m.wal_archive.display(),
                if m.signing_key { ", with the signing key" } else { ", without the signing key" },
                if prune_archive { "; older archived WAL deleted" } else { "" }
            );
            Ok(())
        }
        Command::Backup { .. } => anyhow::bail!("name a new directory: --to DIR (a dump) or --base DIR (a base backup)"),
        Command::Restore { from, until } if api::backup::is_base_backup(&from) => {
            let o = api::backup::restore_base(&db, &from, until.as_deref())?;
            println!(
                "restored the base backup of {} (checked against its manifest) brought forward from the WAL archive to {}",
                o.base.created_at,
                until.as_deref().unwrap_or("the end of the archive")
            );
            if let Some(last) = &o.summary.last_transaction {
                println!("  {last}");
            }
            if let Some(stopped) = &o.summary.stopped_before {
                println!("  {stopped}");
            }
            Ok(())
        }
        Command::Restore { from, until } => {
            anyhow::ensure!(until.is_none(), "--until needs a base backup (`sheba backup --base`); {} is a dump", from.display());
            let restored = api::backup::restore(&db, &from)?;
            let m = &restored.manifest;
            let rows: i64 = m.tables.values().map(|t| t.rows).sum();
            println!("restored {} tables ({rows} rows), every one identical to the backup of {}", m.tables.len(), m.created_at);
            if let Some(chains) = &restored.chains {
                println!("audit trail: {}", chains.summary());
            }
            if restored.documents_decrypted || restored.documents == 0 {
                println!("documents: {} restored, each decrypted and its SHA-256 checked", restored.documents);
            } else {
                println!(
                    "documents: {} restored, their stored objects checked, NOT decrypted: no document key (see the warning)",
                    restored.documents
                );
            }
            Ok(())
        }
        Command::Import(ImportCommand::Beneficiaries { file, username }) => import_beneficiaries(&db, &file, &username),
        Command::Audit(AuditCommand::Verify { day, anchors }) => audit_verify(&db, day, anchors.as_deref()),
        Command::Audit(AuditCommand::Anchor { day, open, out }) => {
            let which = match (day, open) {
                (Some(d), _) => api::audit_chain::Anchoring::Day(d),
                (None, true) => api::audit_chain::Anchoring::Open,
                (None, false) => api::audit_chain::Anchoring::Closed,
            };
            audit_anchor(&db, which, out.as_deref())
        }
    }
}

/// `sheba audit verify`: every chain (or one day's) recomputed; exit status 2 when broken.
fn audit_verify(
    db: &api::config::DatabaseOpts,
    day: Option<chrono::NaiveDate>,
    anchors: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let anchors = match anchors {
        Some(path) => api::audit_chain::read_anchors(path)?,
        None => vec![],
    };
    let database = database::open(db)?;
    let mut conn = PgConnection::establish(&database.url).context("connecting to the database")?;
    let report = api::audit_chain::verify(&mut conn, day.map(|d| (d, d)), &anchors)?;
    println!("{}", report.summary());
    if !report.ok() {
        return Err(api::audit_chain::Broken(report).into());
    }
    Ok(())
}

/// `sheba audit anchor`: each closed day's anchor (or a checkpoint of the open days) as a JSON
/// line, to standard output or appended to a file.
fn audit_anchor(
    db: &api::config::DatabaseOpts,
    which: api::audit_chain::Anchoring,
    out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let database = database::open(db)?;
    let mut conn = PgConnection::establish(&database.url).context("connecting to the database")?;
    let anchors = match api::audit_chain::anchor(&mut conn, which) {
        Err(e) => {
            if let Some(broken) = e.downcast_ref::<api::audit_chain::Broken>() {
                println!("{}", broken.0.summary());
            }
            return Err(e.context("not anchored"));
        }
        Ok(a) => a,
    };
    let mut text = String::new();
    for a in &anchors {
        text.push_str(&serde_json::to_string(a)?);
        text.push('\n');
    }
    match out {
        Some(path) => {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            eprintln!("anchored {} day(s) in {}", anchors.len(), path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// What `sheba user create` was given.
struct AccountArgs {
    username: String,
    role: String,
    scope: String,
    display_name: Option<String>,
    kind: Option<String>,
}

/// `sheba user create`: the first administrator (or any account), the password on standard input.
fn create_user(db: &api::config::DatabaseOpts, a: &AccountArgs) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("reading the password from standard input")?;
    let password = password.trim_end_matches(['\n', '\r']);
    let account = NewAccount::parse(&AccountInput {
        username: &a.username,
        display_name: a.display_name.as_deref(),
        kind: a.kind.as_deref(),
        role: &a.role,
        scope: &a.scope,
        password,
    })
    .map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  --{}: {}", e.field.replace('_', "-"), e.message)).collect();
        anyhow::anyhow!("invalid account:\n{}", lines.join("\n"))
    })?;
    let db = database::open(db)?;
    migrate(&db.url)?;
    let mut conn = PgConnection::establish(&db.url)?;
    let os_user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let actor = AuditActor { id: None, label: format!("cli:{os_user}") };
    let user = conn
        .transaction(|conn| {
            let placed = accounts::place_scope(conn, account.scope)?;
            accounts::create(conn, &actor, None, &account, &placed)
        })
        .map_err(|e| anyhow::anyhow!("{}", e.to_problem().detail))?;
    println!("created {} {} ({}, {}) id {}", user.kind.code(), user.username, user.role, user.scope, user.id);
    Ok(())
}

/// `sheba seed-synthetic`: a national-scale database for benchmarks, on `jobs` connections.
fn seed_synthetic(db: &api::config::DatabaseOpts, beneficiaries: i64, cases: i64, seed: u32, jobs: usize) -> anyhow::Result<()> {
    anyhow::ensure!((0..=50_000_000).contains(&beneficiaries) && (0..=5_000_000).contains(&cases), "counts out of range");
    anyhow::ensure!((1..=16).contains(&jobs), "--jobs must be 1 to 16");
    let db = database::open(db)?;
    migrate(&db.url)?;
    let chunks = persistence::synthetic::plan(&mut PgConnection::establish(&db.url)?, beneficiaries, cases, seed)?;
    let started = std::time::Instant::now();
    let bar = indicatif::ProgressBar::new(chunks.iter().map(|c| c.len() as u64).sum());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows, {elapsed} (eta {eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // Workers take chunks from a shared queue, each on its own connection.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let written = std::thread::scope(|s| -> anyhow::Result<(usize, usize)> {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                s.spawn(|| -> anyhow::Result<(usize, usize)> {
                    let mut conn = PgConnection::establish(&db.url)?;
                    let mut done = (0, 0);
                    while let Some(chunk) = chunks.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                        let n = persistence::synthetic::seed_chunk(&mut conn, chunk)?;
                        if chunk.cases {
                            done.1 += n;
                        } else {
                            done.0 += n;
                        }
                        bar.inc(chunk.len() as u64);
                    }
                    Ok(done)
                })
            })
            .collect();
        workers.into_iter().try_fold((0, 0), |acc, w| {
            let (b, c) = w.join().map_err(|_| anyhow::anyhow!("a seeding worker panicked"))??;
            Ok((acc.0 + b, acc.1 + c))
        })
    })?;
    bar.finish_and_clear();
    println!(
        "added {} beneficiaries and {} cases in {:.1?} (seed {seed}, {jobs} connections)",
        written.0,
        written.1,
        started.elapsed()
    );
    Ok(())
}

/// `sheba replica run`: a hot standby of the embedded cluster, until this process stops.
fn run_replica(db: &api::config::DatabaseOpts, port: Option<u16>) -> anyhow::Result<()> {
    let cluster = persistence::cluster::EmbeddedCluster::ensure(&persistence::cluster::ClusterConfig {
        data_dir: db.data_dir.clone(),
        port: port.or(db.pg_port),
        bin_dir: db.pg_bin_dir.clone(),
        database: "sheba".into(),
        // A standby archives nothing (archive_mode=on archives on the primary only).
        wal_archive: None,
    })?;
    // The address without its password (that is in <data-dir>/pg-superuser-password).
    let url = cluster.database_url();
    let shown = match (url.find("://postgres:"), url.rfind('@')) {
        (Some(a), Some(b)) => format!("{}postgres:<password>{}", &url[..a + 3], &url[b..]),
        _ => "(see the data directory)".into(),
    };
    println!(
        "streaming replica running; set SHEBA_REPLICA_URL={shown} (the password is in {}/pg-superuser-password)",
        db.data_dir.display()
    );
    // Runs until this process is stopped; the standby stops with it.
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// `sheba backup`: a dump with its manifest of per-table sums.
fn backup(db: &api::config::DatabaseOpts, to: &std::path::Path, with_signing_key: bool) -> anyhow::Result<()> {
    let m = api::backup::backup(db, to, with_signing_key)?;
    let rows: i64 = m.tables.values().map(|t| t.rows).sum();
    println!(
        "backed up {} tables ({rows} rows, schema {}) into {}{}",
        m.tables.len(),
        m.schema_version,
        to.display(),
        if m.signing_key { ", with the signing key" } else { ", without the signing key" }
    );
    println!(
        "documents: {} objects{}",
        m.documents,
        if m.document_key { ", with the document key" } else { ", without the document key" }
    );
    Ok(())
}

/// Runs a beneficiary import in this process, showing a progress bar on standard error.
fn import_beneficiaries(db: &api::config::DatabaseOpts, file: &std::path::Path, username: &str) -> anyhow::Result<()> {
    use domain::access::Permission;
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let (rows, parse_errors) = api::services::imports::parse_file(&text).map_err(|errors| {
        anyhow::anyhow!(
            "the file cannot be imported:\n{}",
            errors.iter().map(|e| format!("  {}", e.message)).collect::<Vec<_>>().join("\n")
        )
    })?;
    let database = database::open(db)?;
    migrate(&database.url)?;
    let mut conn = PgConnection::establish(&database.url)?;
    let user = persistence::users::find_by_username(&mut conn, &username.to_lowercase())?
        .filter(|u| u.status == domain::user::UserStatus::Active)
        .ok_or_else(|| anyhow::anyhow!("no active account {username}"))?;
    let (role, scope) = (user.role, user.scope);
    anyhow::ensure!(role.grants(Permission::ManageBeneficiaries), "{username} ({role}) may not manage beneficiaries");
    let bar = indicatif::ProgressBar::new(rows.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} rows  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let actor = AuditActor { id: Some(user.id), label: format!("cli:{}", user.username) };
    let job_actor = api::jobs::JobActor {
        user_id: user.id,
        username: user.username.clone(),
        request_id: format!("cli-{}", std::process::id()),
    };
    let follow_up = std::cell::Cell::new(None);
    let skipped_while_reading = parse_errors.len();
    let total = rows.len() as i64;
    // A second connection writes the beneficiaries beside the persons (two-phase commit);
    // first, any import a dead process left prepared is decided (as a server does at start).
    persistence::imports::recover_prepared(&mut conn)?;
    let mut helper = PgConnection::establish(&database.url)?;
    let outcome = persistence::imports::load_beneficiaries(
        &mut conn,
        Some(&mut helper),
        &mut rows.into_iter(),
        total,
        persistence::imports::Importer { scope, user: user.id },
        &mut |done| bar.set_position(done as u64),
        &mut |conn, o| {
            persistence::audit::record(
                conn,
                persistence::audit::AuditEntry {
                    actor: &actor,
                    action: "import.beneficiaries",
                    entity_type: "file",
                    entity_id: file.display().to_string(),
                    before: None,
                    after: Some(serde_json::json!({"imported": o.imported, "skipped": o.errors.len() + skipped_while_reading})),
                    request_id: None,
                },
            )?;
            follow_up.set(api::services::imports::queue_name_indexing(conn, o, &job_actor)?);
            Ok(())
        },
    )?;
    bar.finish();
    // The new people's names, indexed for search by the follow-up job the import queued: run
    // here unless a server's worker took it first; if this process dies, a server runs it.
    if let Some(job) = follow_up.take() {
        let worker = format!("cli:{}", std::process::id());
        if let Some(job) = persistence::jobs::claim_one(&mut conn, job.id, &worker, 300)? {
            match api::services::imports::run_name_indexing(&mut conn, &job, &worker) {
                api::jobs::Outcome::Done | api::jobs::Outcome::Lost => {}
                api::jobs::Outcome::Failed(message) => persistence::jobs::fail(&mut conn, job.id, &worker, &message)?,
                api::jobs::Outcome::Retry(e) => {
                    eprintln!("the new people's names are not indexed yet ({e}); a server's job worker will retry")
                }
            }
        }
    }
    let mut errors = parse_errors;
    errors.extend(outcome.errors);
    errors.sort();
    for (line, message) in &errors {
        eprintln!("line {line}: {message}");
    }
    println!(
        "imported {} beneficiaries ({} people new, {} already on record); {} line(s) skipped",
        outcome.imported,
        outcome.persons_created,
        outcome.persons_matched,
        errors.len()
    );
    Ok(())
}

fn migrate(url: &str) -> anyhow::Result<Vec<String>> {
    let mut conn = PgConnection::establish(url).context("connecting to the database")?;
    let applied = persistence::db::prepare(&mut conn)?;
    for v in &applied {
        log::info!("applied migration {v}");
    }
    Ok(applied)
}

fn serve(db_opts: api::config::DatabaseOpts, args: ServeArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.access_token_ttl > 0 && args.refresh_token_ttl_days > 0, "token lifetimes must be positive");
    anyhow::ensure!(
        !args.follow_up_months.is_empty() && args.follow_up_months.iter().all(|m| (1..=120).contains(m)),
        "SHEBA_FOLLOW_UP_MONTHS must list months from 1 to 120, e.g. 1,3,6,12"
    );
    let Database { url, mut cluster } = database::open(&db_opts)?;
    // Started again whenever it dies, on the same port (so the pools' URLs stay right).
    let cluster_health = cluster.as_mut().and_then(|c| c.supervise());
    migrate(&url)?;
    if db_opts.database_url.is_some() && args.jwt_secret.is_none() && args.jwt_secret_file.is_none() {
        log::warn!(
            "no SHEBA_JWT_SECRET or SHEBA_JWT_SECRET_FILE: this server signs tokens with the key in {}; every server on \
             this database must have the same key, or a token from one is refused by the others",
            db_opts.data_dir.join("jwt-signing-key").display()
        );
    }
    let key = database::signing_key(args.jwt_secret.as_deref(), args.jwt_secret_file.as_deref(), &db_opts.data_dir)?;
    let geography = {
        use diesel::Connection;
        let mut conn = diesel::PgConnection::establish(&url).context("connecting to load the geography")?;
        api::geo_cache::GeoCache::new(persistence::geo::Geography::load(&mut conn).context("loading the geography")?)
    };
    let state = web::Data::new(AppState {
        pool: persistence::db::pool(&url, args.db_pool_size, Duration::from_millis(args.db_acquire_timeout_ms.max(1))),
        replica: args
            .replica_url
            .as_deref()
            .map(|r| persistence::db::pool(r, args.db_pool_size, Duration::from_millis(args.db_acquire_timeout_ms.max(1)))),
        tokens: TokenService::new(
            &key,
            chrono::Duration::seconds(args.access_token_ttl),
            chrono::Duration::days(args.refresh_token_ttl_days),
        ),
        throttle: ThrottlePolicy::default(),
        body_limit: args.max_body_bytes,
        idempotency_ttl: Duration::from_secs(24 * 3600),
        case_settings: domain::case::CaseSettings {
            follow_up_months: args.follow_up_months.clone(),
            stay_warning_days: args.stay_warning_days,
        },
        geography,
        jobs: api::jobs::JobRunner::new(
            persistence::db::pool(&url, (args.job_workers as u32) * 4 + 1, Duration::from_secs(30)),
            args.job_workers,
            args.job_lease_seconds,
        ),
        cors_origins: args.cors_origins.clone(),
        cluster: cluster_health,
        documents: db_opts.document_store(args.document_max_bytes)?,
    });
    if args.replica_url.is_some() {
        log::info!("reports are read from the streaming replica (SHEBA_REPLICA_URL)");
    }
    if !args.cors_origins.is_empty() {
        log::info!("browser front ends allowed from: {}", args.cors_origins.iter().collect::<Vec<_>>().join(", "));
    }
    let listener = TcpListener::bind(&args.bind).with_context(|| format!("binding {}", args.bind))?;
    let workers = args.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    log::info!(
        "Sheba listening on http://{}  (Swagger UI: http://{}/swagger-ui/)",
        listener.local_addr()?,
        listener.local_addr()?
    );
    let metrics_listener = match &args.metrics_bind {
        Some(bind) => {
            let l = TcpListener::bind(bind).with_context(|| format!("binding {bind} for metrics"))?;
            log::info!("metrics on http://{}/metrics", l.local_addr()?);
            Some(l)
        }
        None => None,
    };
    let jobs = state.jobs.clone();
    actix_web::rt::System::new().block_on(async move {
        let metrics = match metrics_listener {
            Some(l) => Some(api::metrics_server(state.clone(), l)?),
            None => None,
        };
        let handle = metrics.as_ref().map(|m| m.handle());
        if let Some(m) = metrics {
            actix_web::rt::spawn(m);
        }
        let served = api::server(state, listener, workers)?.await;
        if let Some(h) = handle {
            h.stop(true).await;
        }
        served
    })?;
    // Stopped (SIGTERM): no more jobs taken here; running ones go back to the queue.
    jobs.stop();
    log::info!("HTTP server stopped");
    if let Some(cluster) = cluster {
        cluster.stop();
    }
    Ok(())
}

/// `sheba health`: one plain HTTP/1.1 request to `/health/ready`.
fn health(bind: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let addr = bind.replacen("0.0.0.0:", "127.0.0.1:", 1).replacen("[::]:", "[::1]:", 1);
    let target: std::net::SocketAddr = addr.parse().with_context(|| format!("{addr} is not host:port"))?;
    let mut stream =
        std::net::TcpStream::connect_timeout(&target, Duration::from_secs(3)).with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "GET /health/ready HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer.split_whitespace().nth(1).unwrap_or("none");
    anyhow::ensure!(status == "200", "not ready: HTTP status {status}");
    println!("ready");
    Ok(())
}
