//! `sheba backup` and `sheba restore`: a `pg_dump` directory-format dump of the whole
//! database, the token signing key (unless left out), and a manifest with every table's row
//! count and checksum, all taken from one snapshot. A restore goes into an empty database
//! (the embedded default makes a fresh cluster when its data directory is gone), then checks
//! every table against the manifest: a restore that does not match says so and fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde::{Deserialize, Serialize};

use crate::config::DatabaseOpts;
use crate::database;

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
    let manifest = Manifest {
        format: 1,
        created_at: chrono::Utc::now(),
        sheba_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version,
        signing_key,
        tables,
    };
    std::fs::write(to.join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    drop(conn);
    if let Some(c) = db.cluster {
        c.stop();
    }
    Ok(manifest)
}

/// What a restore brought back.
pub struct Restored {
    pub manifest: Manifest,
    /// The audit trail's chains, verified (none in a backup from before they existed).
    pub chains: Option<crate::audit_chain::Report>,
}

/// `sheba restore --from DIR`: into an empty database, then checked table by table, and the
/// audit trail's chains recomputed.
pub fn restore(opts: &DatabaseOpts, from: &Path) -> anyhow::Result<Restored> {
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(from.join("manifest.json")).with_context(|| format!("reading {}/manifest.json", from.display()))?,
    )
    .context("reading the manifest")?;
    ensure!(manifest.format == 1, "a backup of format {} cannot be restored by this version", manifest.format);
    let db = database::open(opts)?;
    let mut conn = PgConnection::establish(&db.url).context("connecting to the database")?;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let existing: Count =
        diesel::sql_query("SELECT count(*)::bigint AS n FROM pg_tables WHERE schemaname = 'public'").get_result(&mut conn)?;
    ensure!(existing.n == 0, "the database already has tables: restore into an empty one (a new DATABASE_URL or data directory)");
    let status = Command::new(pg_tool(opts, "pg_restore")?)
        .args(["--no-owner", "--no-privileges", "--exit-on-error", "--jobs=2"])
        .arg(format!("--dbname={}", db.url))
        .arg(from.join("db"))
        .status()
        .context("running pg_restore")?;
    ensure!(status.success(), "pg_restore failed ({status})");
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
    if !wrong.is_empty() {
        bail!("the restored database differs from the backup:\n  {}", wrong.join("\n  "));
    }
    // The audit trail's chains, recomputed (a backup made before they existed has none: they
    // are made when the server migrates it).
    let chains = if manifest.tables.contains_key("audit_chain_heads") {
        let report = crate::audit_chain::verify(&mut conn, None, &[])?;
        if !report.ok() {
            let summary = report.summary();
            return Err(anyhow::Error::new(crate::audit_chain::Broken(report))
                .context(format!("restored, but the audit trail does not verify:\n{summary}")));
        }
        Some(report)
    } else {
        None
    };
    if manifest.signing_key {
        let key = opts.data_dir.join(SIGNING_KEY);
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
    }
    drop(conn);
    if let Some(c) = db.cluster {
        c.stop();
    }
    Ok(Restored { manifest, chains })
}
