//! `sheba backup` and `sheba restore`: a `pg_dump` directory-format dump of the whole
//! database, the token signing key (unless left out), and a manifest with every table's row
//! count and checksum, all taken from one snapshot. A restore goes into an empty database
//! (the embedded default makes a fresh cluster when its data directory is gone), then checks
//! every table against the manifest: a restore that does not match says so and fails.
//!
//! A restore is all or nothing. It goes into a staging place (for the embedded default a
//! cluster of its own in `<data-dir>/restore-staging`; for `DATABASE_URL` a database named
//! `<name>__restoring` beside the target), is checked there, and only then switched in. While
//! it runs, and after it failed, `<data-dir>/restore-unfinished` (or the staging database)
//! says so, and every other command, `sheba serve` first, refuses the data directory with
//! what to do. A base backup (`sheba backup --base`) is checked with `pg_verifybackup` and
//! brought forward from the WAL archive (point-in-time recovery) the same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde::{Deserialize, Serialize};

use crate::config::DatabaseOpts;
use crate::database;
use persistence::cluster::{ClusterConfig, EmbeddedCluster};

/// What a backup holds, written beside the dump.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub sheba_version: String,
    /// The last migration applied.
    pub schema_version: String,
    /// Whether the token signing key is in the backup (tokens issued before survive a restore
    /// only if it is).
    pub signing_key: bool,
    /// Per table: rows and an order-independent checksum of their contents.
    pub tables: BTreeMap<String, TableSum>,
    /// How many documents' objects are in the backup (`documents/`, `documents.json`), and
    /// whether their key is (it is when the signing key is).
    #[serde(default)]
    pub documents: usize,
    #[serde(default)]
    pub document_key: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSum {
    pub rows: i64,
    pub checksum: String,
}

const SIGNING_KEY: &str = "jwt-signing-key";

fn pg_tool(opts: &DatabaseOpts, name: &str) -> anyhow::Result<PathBuf> {
    let bin = persistence::cluster::find_bin_dir(opts.pg_bin_dir.as_deref())?;
    let tool = bin.join(name);
    ensure!(tool.is_file(), "{} not found (install the PostgreSQL client programs)", tool.display());
    Ok(tool)
}

/// Every table's rows and checksum, read in the connection's current snapshot.
pub fn table_sums(conn: &mut PgConnection) -> anyhow::Result<BTreeMap<String, TableSum>> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    #[derive(QueryableByName)]
    struct Sum {
        #[diesel(sql_type = BigInt)]
        rows: i64,
        #[diesel(sql_type = Text)]
        checksum: String,
    }
    let names: Vec<Name> =
        diesel::sql_query("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").load(conn)?;
    let mut out = BTreeMap::new();
    for Name { name } in names {
        // The md5 of the sorted md5s of the rows' text: the same rows give the same sum in
        // any physical order.
        let sql = format!(
            "SELECT count(*)::bigint AS rows, coalesce(md5(string_agg(h, '' ORDER BY h)), '') AS checksum
               FROM (SELECT md5(t::text) AS h FROM public.\"{}\" t) x",
            name.replace('"', "\"\"")
        );
        let s: Sum = diesel::sql_query(sql).get_result(conn)?;
        out.insert(name, TableSum { rows: s.rows, checksum: s.checksum });
    }
    Ok(out)
}

fn schema_version(conn: &mut PgConnection) -> anyhow::Result<String> {
    #[derive(QueryableByName)]
    struct V {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let v: V = diesel::sql_query("SELECT max(version) AS version FROM __diesel_schema_migrations").get_result(conn)?;
    Ok(v.version)
}

/// `sheba backup --to DIR`.
pub fn backup(opts: &DatabaseOpts, to: &Path, with_key: bool) -> anyhow::Result<Manifest> {
    ensure!(
        !to.exists() || std::fs::read_dir(to)?.next().is_none(),
        "{} is not empty: back up into a new directory",
        to.display()
    );
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let db = database::open(opts)?;
    let mut conn = PgConnection::establish(&db.url).context("connecting to the database")?;
    // One snapshot for the sums and the dump: what the manifest says is what the dump holds,
    // whatever is written meanwhile.
    diesel::sql_query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut conn)?;
    #[derive(QueryableByName)]
    struct Snapshot {
        #[diesel(sql_type = Text)]
        id: String,
    }
    let snapshot: Snapshot = diesel::sql_query("SELECT pg_export_snapshot() AS id").get_result(&mut conn)?;
    let tables = table_sums(&mut conn)?;
    let schema_version = schema_version(&mut conn)?;
    // The documents of this snapshot: their objects were written before their rows committed.
    let inventory = persistence::documents::inventory(&mut conn)?;
    let status = Command::new(pg_tool(opts, "pg_dump")?)
        .args(["--format=directory", "--jobs=2", "--no-owner", "--no-privileges", "--compress=6"])
        .arg(format!("--snapshot={}", snapshot.id))
        .arg("--file")
        .arg(to.join("db"))
        .arg(format!("--dbname={}", db.url))
        .status()
        .context("running pg_dump")?;
    ensure!(status.success(), "pg_dump failed ({status})");
    diesel::sql_query("COMMIT").execute(&mut conn)?;
    let key = opts.data_dir.join(SIGNING_KEY);
    let signing_key = with_key && key.is_file();
    if signing_key {
        let text = std::fs::read_to_string(&key)?;
        persistence::cluster::write_secret(&to.join(SIGNING_KEY), &text)?;
    }
    let store = opts.document_store(crate::documents::DEFAULT_MAX_BYTES)?;
    let docs =
        crate::documents::backup_objects(&store, opts.document_key_file.as_deref(), &opts.data_dir, &inventory, to, signing_key)?;
    let manifest = Manifest {
        format: 1,
        created_at: chrono::Utc::now(),
        sheba_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version,
        signing_key,
        tables,
        documents: docs.documents.len(),
        document_key: docs.document_key,
    };
    std::fs::write(to.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    drop(conn);
    if let Some(c) = db.cluster {
        c.stop();
    }
    Ok(manifest)
}

/// The file that marks a data directory with a restore under way or failed.
pub const UNFINISHED: &str = "restore-unfinished";
const STAGING: &str = "restore-staging";
/// What a base backup holds beside its cluster.
const BASE_MANIFEST: &str = "sheba-base.json";

/// What `restore-unfinished` says.
#[derive(Debug, Serialize, Deserialize)]
pub struct Unfinished {
    pub from: PathBuf,
    pub until: Option<String>,
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Why it failed; `None` while it runs (or when it was killed).
    pub failed: Option<String>,
}

fn retry_command(u: &Unfinished) -> String {
    match &u.until {
        Some(t) => format!("sheba restore --from {} --until {t}", u.from.display()),
        None => format!("sheba restore --from {}", u.from.display()),
    }
}

/// Refuses a data directory that an unfinished or failed restore left, saying how to recover.
pub fn refuse_unfinished(data_dir: &Path) -> anyhow::Result<()> {
    let path = data_dir.join(UNFINISHED);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let u: Unfinished = serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
    let what = match &u.failed {
        Some(why) => format!("a restore from {} failed at {}: {why}", u.from.display(), u.started_at),
        None => format!(
            "a restore from {} started at {} did not finish (it was stopped or is still running)",
            u.from.display(),
            u.started_at
        ),
    };
    bail!(
        "{} is marked by {}: {what}.\nIts database was left as it was before the restore, not what the backup holds, so it is not \
         served. To recover: run `{}` again with a good backup (it starts over), or, to keep the data directory as it was \
         without the restore, delete {}",
        data_dir.display(),
        path.display(),
        retry_command(&u),
        path.display()
    )
}

fn write_unfinished(data_dir: &Path, u: &Unfinished) -> anyhow::Result<()> {
    let path = data_dir.join(UNFINISHED);
    let tmp = data_dir.join(format!("{UNFINISHED}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec_pretty(u)?).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The database name in a PostgreSQL URL, and the URL with another name in its place.
fn url_database(url: &str) -> Option<(String, impl Fn(&str) -> String + '_)> {
    let authority = url.find("://")? + 3;
    let slash = authority + url[authority..].find('/')?;
    let end = url[slash..].find('?').map_or(url.len(), |q| slash + q);
    let name = url[slash + 1..end].to_owned();
    (!name.is_empty()).then_some((name, move |other: &str| format!("{}/{other}{}", &url[..slash], &url[end..])))
}

/// Refuses a database whose restore (`DATABASE_URL`) did not finish: its staging database is
/// still there. A server that cannot reach the database yet is let through (it reports itself
/// not ready).
pub fn refuse_unfinished_external(url: &str) -> anyhow::Result<()> {
    let Some((name, _)) = url_database(url) else {
        return Ok(());
    };
    let Ok(mut conn) = PgConnection::establish(url) else {
        return Ok(());
    };
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let staging = format!("{name}__restoring");
    let found: N = diesel::sql_query("SELECT count(*)::bigint AS n FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(&staging)
        .get_result(&mut conn)?;
    ensure!(
        found.n == 0,
        "a restore into database {name} did not finish: its staging database {staging} is still there, and {name} is as it \
         was before the restore. To recover: run `sheba restore --from DIR` again (it starts over), or drop {staging} \
         (`DROP DATABASE \"{staging}\"`) to keep {name} without the restore"
    );
    Ok(())
}

fn count_tables(url: &str) -> anyhow::Result<i64> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = PgConnection::establish(url).context("connecting to the database")?;
    let c: Count =
        diesel::sql_query("SELECT count(*)::bigint AS n FROM pg_tables WHERE schemaname = 'public'").get_result(&mut conn)?;
    Ok(c.n)
}

/// Restores the dump in `from` into the database at `url` and checks every table.
fn restore_dump(
    opts: &DatabaseOpts,
    from: &Path,
    manifest: &Manifest,
    url: &str,
) -> anyhow::Result<Option<crate::audit_chain::Report>> {
    let status = Command::new(pg_tool(opts, "pg_restore")?)
        .args(["--no-owner", "--no-privileges", "--exit-on-error", "--jobs=2"])
        .arg(format!("--dbname={url}"))
        .arg(from.join("db"))
        .status()
        .context("running pg_restore")?;
    ensure!(status.success(), "pg_restore failed ({status})");
    let mut conn = PgConnection::establish(url).context("connecting to the restored database")?;
    let restored = table_sums(&mut conn)?;
    let mut wrong: Vec<String> = vec![];
    for (table, sum) in &manifest.tables {
        match restored.get(table) {
            Some(r) if r == sum => {}
            Some(r) => wrong
                .push(format!("{table}: {} rows (checksum {}) instead of {} ({})", r.rows, r.checksum, sum.rows, sum.checksum)),
            None => wrong.push(format!("{table}: missing")),
        }
    }
    for table in restored.keys().filter(|t| !manifest.tables.contains_key(*t)) {
        wrong.push(format!("{table}: not in the backup's manifest"));
    }
    if !wrong.is_empty() {
        bail!("the restored database differs from the backup's manifest:\n  {}", wrong.join("\n  "));
    }
    // The audit trail's chains, recomputed (a backup made before they existed has none: they
    // are made when the server migrates it).
    if !manifest.tables.contains_key("audit_chain_heads") {
        return Ok(None);
    }
    let report = crate::audit_chain::verify(&mut conn, None, &[])?;
    if !report.ok() {
        let summary = report.summary();
        return Err(anyhow::Error::new(crate::audit_chain::Broken(report))
            .context(format!("restored, but the audit trail does not verify:\n{summary}")));
    }
    Ok(Some(report))
}

/// The data directory's cluster, if it holds one: refused when it has tables (or a server
/// runs on it), else stopped, to be replaced by the restored one.
fn check_target(opts: &DatabaseOpts) -> anyhow::Result<()> {
    if !opts.data_dir.join("pg").join("PG_VERSION").is_file() {
        return Ok(());
    }
    let cluster = EmbeddedCluster::ensure(&ClusterConfig {
        data_dir: opts.data_dir.clone(),
        port: None,
        bin_dir: opts.pg_bin_dir.clone(),
        database: "sheba".into(),
        wal_archive: None,
    })?;
    let tables = count_tables(cluster.database_url())?;
    ensure!(
        tables == 0,
        "the database already has tables: restore into an empty one (a new DATABASE_URL or data directory, \
         e.g. SHEBA_DATA_DIR={}.restored)",
        opts.data_dir.display()
    );
    ensure!(
        cluster.is_owned(),
        "a server runs on {} (its cluster is up): stop it before restoring into it",
        opts.data_dir.display()
    );
    cluster.stop();
    Ok(())
}

/// Runs `work` with the data directory marked, and on success switches the cluster it made
/// in `<data-dir>/restore-staging/pg` in; on failure leaves the mark saying why.
fn staged<T>(
    opts: &DatabaseOpts,
    from: &Path,
    until: Option<&str>,
    work: impl FnOnce(&Path) -> anyhow::Result<(T, String)>,
) -> anyhow::Result<T> {
    let data_dir = &opts.data_dir;
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let from = std::path::absolute(from).unwrap_or_else(|_| from.to_path_buf());
    let mut mark = Unfinished { from, until: until.map(str::to_owned), started_at: chrono::Utc::now(), failed: None };
    write_unfinished(data_dir, &mark)?;
    let staging = data_dir.join(STAGING);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("removing the earlier attempt's {}", staging.display()))?;
    }
    let outcome = work(&staging).and_then(|(value, password)| switch_in(data_dir, &staging, &password).map(|()| value));
    match outcome {
        Ok(value) => {
            std::fs::remove_file(data_dir.join(UNFINISHED))?;
            Ok(value)
        }
        Err(e) => {
            mark.failed = Some(format!("{e:#}").lines().next().unwrap_or("").to_owned());
            let _ = std::fs::remove_dir_all(&staging);
            let _ = write_unfinished(data_dir, &mark);
            Err(e.context(format!(
                "the restore failed and {} is unchanged (marked by {}; `sheba serve` refuses it until a restore succeeds \
                 or the mark is deleted)",
                data_dir.display(),
                data_dir.join(UNFINISHED).display()
            )))
        }
    }
}

/// Puts the checked cluster of `staging` in the data directory's place.
fn switch_in(data_dir: &Path, staging: &Path, password: &str) -> anyhow::Result<()> {
    let pg = data_dir.join("pg");
    let replaced = data_dir.join("pg.replaced");
    if replaced.exists() {
        std::fs::remove_dir_all(&replaced)?;
    }
    if pg.exists() {
        std::fs::rename(&pg, &replaced).with_context(|| format!("moving {} aside", pg.display()))?;
    }
    std::fs::rename(staging.join("pg"), &pg).with_context(|| format!("moving the restored cluster to {}", pg.display()))?;
    let tmp = data_dir.join("pg-superuser-password.tmp");
    persistence::cluster::write_secret(&tmp, password)?;
    std::fs::rename(&tmp, data_dir.join("pg-superuser-password"))?;
    if replaced.exists() {
        std::fs::remove_dir_all(&replaced)?;
    }
    std::fs::remove_dir_all(staging)?;
    Ok(())
}

/// Puts a backup's signing key in the data directory, unless it holds another one.
fn restore_key(data_dir: &Path, from: &Path) -> anyhow::Result<()> {
    let key = data_dir.join(SIGNING_KEY);
    let kept = std::fs::read_to_string(from.join(SIGNING_KEY))?;
    match std::fs::read_to_string(&key) {
        Ok(current) if current.trim() != kept.trim() => {
            log::warn!(
                "{} holds another signing key; it is kept (tokens issued before the backup are not accepted)",
                key.display()
            )
        }
        Ok(_) => {}
        Err(_) => persistence::cluster::write_secret(&key, &kept)?,
    }
    Ok(())
}

/// `sheba restore --from DIR`: a dump, into a staging database, checked table by table
/// against the manifest, then switched in.
/// What a restore brought back.
pub struct Restored {
    pub manifest: Manifest,
    /// The audit trail's chains, verified (none in a backup from before they existed).
    pub chains: Option<crate::audit_chain::Report>,
    /// Documents brought back, each decrypted and its SHA-256 checked.
    pub documents: usize,
    /// Whether they were decrypted and checked (false: no key; only the stored objects were).
    pub documents_decrypted: bool,
}

pub fn restore(opts: &DatabaseOpts, from: &Path) -> anyhow::Result<Restored> {
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(from.join("manifest.json")).with_context(|| format!("reading {}/manifest.json", from.display()))?,
    )
    .context("reading the manifest")?;
    ensure!(manifest.format == 1, "a backup of format {} cannot be restored by this version", manifest.format);
    let chains = match &opts.database_url {
        Some(url) => restore_external(opts, from, &manifest, url)?,
        None => {
            check_target(opts)?;
            staged(opts, from, None, |staging| {
                let cluster = EmbeddedCluster::ensure(&ClusterConfig {
                    data_dir: staging.to_path_buf(),
                    port: None,
                    bin_dir: opts.pg_bin_dir.clone(),
                    database: "sheba".into(),
                    wal_archive: None,
                })?;
                let chains = restore_dump(opts, from, &manifest, cluster.database_url())?;
                cluster.stop();
                let password = std::fs::read_to_string(staging.join("pg-superuser-password"))?;
                Ok((chains, password.trim().to_owned()))
            })?
        }
    };
    if manifest.signing_key {
        restore_key(&opts.data_dir, from)?;
    }
    let (documents, decrypted) = crate::documents::restore_objects(opts, from)?;
    ensure!(
        documents == manifest.documents,
        "the backup's manifest names {} documents, its documents.json {documents}",
        manifest.documents
    );
    Ok(Restored { manifest, chains, documents, documents_decrypted: decrypted })
}

/// `DATABASE_URL`: into `<name>__restoring` on the same server, checked, then renamed into
/// the target's place (which must be empty and unused); a failure drops the staging database
/// and leaves the target as it was.
fn restore_external(
    opts: &DatabaseOpts,
    from: &Path,
    manifest: &Manifest,
    url: &str,
) -> anyhow::Result<Option<crate::audit_chain::Report>> {
    let (name, with_name) = url_database(url).ok_or_else(|| anyhow::anyhow!("DATABASE_URL names no database"))?;
    ensure!(
        count_tables(url)? == 0,
        "the database already has tables: restore into an empty one (a new DATABASE_URL or data directory)"
    );
    let staging = format!("{name}__restoring");
    let replaced = format!("{name}__replaced");
    ensure!(staging.len() <= 63, "the database name {name} is too long to stage a restore beside it");
    let admin_url = with_name("postgres");
    let mut admin = PgConnection::establish(&admin_url)
        .or_else(|_| PgConnection::establish(&with_name("template1")))
        .context("connecting to the server's maintenance database (postgres) to make the staging database")?;
    let q = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {}", q(&staging))).execute(&mut admin)?;
    diesel::sql_query(format!("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'", q(&staging)))
        .execute(&mut admin)
        .context("creating the staging database (the role needs CREATEDB)")?;
    let chains = match restore_dump(opts, from, manifest, &with_name(&staging)) {
        Ok(chains) => chains,
        Err(e) => {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {}", q(&staging))).execute(&mut admin);
            return Err(e.context(format!("the restore failed; {name} is unchanged and the staging database was dropped")));
        }
    };
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {}", q(&replaced))).execute(&mut admin)?;
    diesel::sql_query(format!("ALTER DATABASE {} RENAME TO {}", q(&name), q(&replaced)))
        .execute(&mut admin)
        .with_context(|| format!("the backup is restored and checked in {staging}, but {name} cannot be renamed aside: stop every server using it and run the restore again"))?;
    if let Err(e) = diesel::sql_query(format!("ALTER DATABASE {} RENAME TO {}", q(&staging), q(&name))).execute(&mut admin) {
        let _ = diesel::sql_query(format!("ALTER DATABASE {} RENAME TO {}", q(&replaced), q(&name))).execute(&mut admin);
        return Err(anyhow::Error::from(e).context(format!("switching {staging} in as {name}")));
    }
    diesel::sql_query(format!("DROP DATABASE {}", q(&replaced))).execute(&mut admin)?;
    Ok(chains)
}

/// What `sheba-base.json` says about a base backup.
#[derive(Debug, Serialize, Deserialize)]
pub struct BaseManifest {
    pub format: u32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub sheba_version: String,
    /// The WAL archive it was taken beside (read when restoring unless another is named).
    pub wal_archive: PathBuf,
    /// The first WAL segment recovery from it needs.
    pub start_wal: String,
    pub signing_key: bool,
}

/// `sheba backup --base DIR`: a base backup of the embedded cluster (`pg_basebackup`), its
/// superuser password, the signing key, and `sheba-base.json`.
pub fn base_backup(opts: &DatabaseOpts, to: &Path, with_key: bool, prune: bool) -> anyhow::Result<BaseManifest> {
    ensure!(
        opts.database_url.is_none(),
        "`sheba backup --base` backs up the embedded cluster; for your own PostgreSQL use its tools \
         (pg_basebackup with WAL archiving, or pgBackRest: see the README's operations section)"
    );
    let archive = opts.wal_archive_dir().ok_or_else(|| {
        anyhow::anyhow!("WAL archiving is off (SHEBA_WAL_ARCHIVE=off): a base backup cannot be brought forward without it")
    })?;
    ensure!(
        !to.exists() || std::fs::read_dir(to)?.next().is_none(),
        "{} is not empty: back up into a new directory",
        to.display()
    );
    let db = database::open(opts)?;
    let start_wal = persistence::cluster::base_backup(&opts.data_dir, to, opts.pg_bin_dir.as_deref())?;
    let key = opts.data_dir.join(SIGNING_KEY);
    let signing_key = with_key && key.is_file();
    if signing_key {
        persistence::cluster::write_secret(&to.join(SIGNING_KEY), &std::fs::read_to_string(&key)?)?;
    }
    let manifest = BaseManifest {
        format: 1,
        created_at: chrono::Utc::now(),
        sheba_version: env!("CARGO_PKG_VERSION").to_owned(),
        wal_archive: std::path::absolute(&archive)?,
        start_wal,
        signing_key,
    };
    std::fs::write(to.join(BASE_MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    if prune && !manifest.start_wal.is_empty() {
        let status = Command::new(pg_tool(opts, "pg_archivecleanup")?)
            .args(["-x", ".gz"])
            .arg(&archive)
            .arg(format!("{}.gz", manifest.start_wal))
            .status()
            .context("running pg_archivecleanup")?;
        ensure!(status.success(), "pg_archivecleanup failed ({status})");
    }
    if let Some(c) = db.cluster {
        c.stop();
    }
    Ok(manifest)
}

/// Whether `dir` holds a base backup (else a dump).
pub fn is_base_backup(dir: &Path) -> bool {
    dir.join(BASE_MANIFEST).is_file()
}

/// `--until` as PostgreSQL reads `recovery_target_time`.
pub fn recovery_target(until: &str) -> anyhow::Result<String> {
    let t = chrono::DateTime::parse_from_rfc3339(until)
        .or_else(|_| chrono::DateTime::parse_from_str(until, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .with_context(|| format!("--until {until:?} is not a time with its offset (RFC 3339, e.g. 2026-11-28T16:00:00+06:00)"))?;
    Ok(t.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M:%S%.6f+00").to_string())
}

/// What a point-in-time restore reached.
pub struct PitrOutcome {
    pub base: BaseManifest,
    pub summary: persistence::cluster::RecoverySummary,
}

/// `sheba restore --from BASE [--until TIME]`: the base backup checked against its manifest
/// (`pg_verifybackup`), copied into a staging directory, brought forward from the WAL archive
/// to `until` (PostgreSQL refuses a moment before the backup's end or past the archive's last
/// transaction), promoted, and switched in.
pub fn restore_base(opts: &DatabaseOpts, from: &Path, until: Option<&str>) -> anyhow::Result<PitrOutcome> {
    ensure!(
        opts.database_url.is_none(),
        "a base backup is restored into the embedded default (unset DATABASE_URL and name a new SHEBA_DATA_DIR)"
    );
    let base: BaseManifest =
        serde_json::from_slice(&std::fs::read(from.join(BASE_MANIFEST))?).context("reading sheba-base.json")?;
    ensure!(base.format == 1, "a base backup of format {} cannot be restored by this version", base.format);
    let target = until.map(recovery_target).transpose()?;
    let archive = if opts.wal_archive_named() { opts.wal_archive_dir().unwrap_or_default() } else { base.wal_archive.clone() };
    ensure!(archive.is_dir(), "the WAL archive {} is not there (name it with SHEBA_WAL_ARCHIVE)", archive.display());
    check_target(opts)?;
    let password = std::fs::read_to_string(from.join("pg-superuser-password"))
        .with_context(|| format!("reading {}/pg-superuser-password", from.display()))?
        .trim()
        .to_owned();
    let summary = staged(opts, from, until, |staging| {
        persistence::cluster::verify_base_backup(&from.join("pg"), opts.pg_bin_dir.as_deref())?;
        let (cluster, summary) = persistence::cluster::recover(&persistence::cluster::Recovery {
            base_pgdata: &from.join("pg"),
            password: &password,
            staging_dir: staging,
            bin_dir: opts.pg_bin_dir.as_deref(),
            wal_archive: &archive,
            until: target.as_deref(),
            database: "sheba",
        })?;
        let tables = count_tables(cluster.database_url())?;
        ensure!(tables > 0, "the recovered cluster has no sheba tables");
        cluster.stop();
        Ok((summary, password.clone()))
    })?;
    if base.signing_key {
        restore_key(&opts.data_dir, from)?;
    }
    Ok(PitrOutcome { base, summary })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_database() {
        let (name, with) = url_database("postgres://u:p@h:5432/sheba?sslmode=require").unwrap();
        assert_eq!(name, "sheba");
        assert_eq!(with("postgres"), "postgres://u:p@h:5432/postgres?sslmode=require");
        assert!(url_database("postgres://u:p@h:5432").is_none());
    }

    #[test]
    fn until_is_read_with_its_offset() {
        assert_eq!(recovery_target("2026-11-28T16:00:00+06:00").unwrap(), "2026-11-28 10:00:00.000000+00");
        assert_eq!(recovery_target("2026-11-28 16:00:00.25+06:00").unwrap(), "2026-11-28 10:00:00.250000+00");
        assert!(recovery_target("2026-11-28 16:00").is_err());
    }
}
