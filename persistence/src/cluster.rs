//! The embedded default: a private PostgreSQL cluster run from the machine's own server
//! binaries in a project-local data directory. It is initialised on first use, started on a
//! free (or configured) loopback port, run as the `postgres` user when we are root (PostgreSQL
//! refuses root), and kept across restarts. A second `sheba` process (a CLI command while the
//! server runs) finds the running cluster through `postmaster.pid` and connects to it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};
use rand::distributions::{Alphanumeric, DistString};

/// Where and how to run the cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// Sheba's data directory; the cluster lives in `<data_dir>/pg`.
    pub data_dir: PathBuf,
    /// A fixed port; `None` picks a free one at each start.
    pub port: Option<u16>,
    /// Directory with `initdb` and `postgres`; `None` searches the usual places.
    pub bin_dir: Option<PathBuf>,
    /// The database the application uses, created when missing.
    pub database: String,
}

/// Everything that can stop the cluster from coming up, each with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "PostgreSQL server binaries (initdb, postgres) were not found in /usr/lib/postgresql/*/bin or on PATH. \
         Install them with `apt-get install -y postgresql` (Debian/Ubuntu), set SHEBA_PG_BIN_DIR to their \
         directory, or set DATABASE_URL to use an existing server"
    )]
    BinariesMissing,
    #[error("we run as root but there is no `postgres` system user to run PostgreSQL as (PostgreSQL refuses root); install Debian's `postgresql` package, which creates it")]
    NoPostgresUser,
    #[error("{context}: {source}")]
    Io { context: String, source: io::Error },
    #[error("initdb failed ({status}); its output:\n{output}")]
    InitdbFailed { status: String, output: String },
    #[error("PostgreSQL did not become ready within {0:?}; see {1}")]
    StartTimeout(Duration, PathBuf),
    #[error("PostgreSQL exited while starting ({0}); see {1}")]
    StartFailed(String, PathBuf),
    #[error("could not create database: {0}")]
    CreateDatabase(String),
    #[error("no PostgreSQL cluster is running in {0} (start `sheba serve` on it first)")]
    NotRunning(PathBuf),
    #[error("{0} already holds a cluster: make the replica in a new directory")]
    ReplicaExists(PathBuf),
    #[error("pg_basebackup failed ({status}); its output:\n{output}")]
    BaseBackupFailed { status: String, output: String },
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> ClusterError {
    let context = context.into();
    move |source| ClusterError::Io { context, source }
}

/// A cluster this process uses. When this process started it (`owned`), dropping the handle
/// (or [`EmbeddedCluster::stop`]) shuts it down; otherwise it belongs to someone else.
pub struct EmbeddedCluster {
    database_url: String,
    admin_url: String,
    child: Option<Child>,
    pgdata: PathBuf,
}

/// The OS account that runs the server, when we must switch to one.
#[derive(Debug, Clone, Copy)]
struct RunAs {
    uid: libc::uid_t,
    gid: libc::gid_t,
}

fn run_as() -> Result<Option<RunAs>, ClusterError> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let name = c"postgres";
    // SAFETY: getpwnam returns a pointer into static storage or NULL; we copy out at once.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return Err(ClusterError::NoPostgresUser);
    }
    // SAFETY: pw is non-null and points to a valid passwd record.
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Ok(Some(RunAs { uid, gid }))
}

/// Finds the directory with `initdb` and `postgres`: the configured one, the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian keeps them off PATH), or PATH.
pub fn find_bin_dir(configured: Option<&Path>) -> Result<PathBuf, ClusterError> {
    let has_bins = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    if let Some(d) = configured {
        return if has_bins(d) { Ok(d.to_path_buf()) } else { Err(ClusterError::BinariesMissing) };
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            has_bins(&bin).then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH").iter().flat_map(std::env::split_paths).find(|d| has_bins(d)).ok_or(ClusterError::BinariesMissing)
}

/// Sets up a child to run as `who` in its own process group (so a Ctrl-C at the terminal
/// reaches only us, and we stop PostgreSQL after draining requests), and, for the server,
/// to receive SIGINT (fast shutdown) if this process dies without stopping it.
fn prepare_child(cmd: &mut Command, who: Option<RunAs>, die_with_parent: bool) {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setpgid(0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            if let Some(RunAs { uid, gid }) = who {
                if libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(gid) != 0 || libc::setuid(uid) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            // After setuid: changing credentials clears the parent-death signal.
            if die_with_parent {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT as libc::c_ulong, 0, 0, 0);
                if libc::getppid() == 1 {
                    return Err(io::Error::other("parent exited"));
                }
            }
            Ok(())
        });
    }
}

fn chown(path: &Path, who: Option<RunAs>) -> Result<(), ClusterError> {
    if let Some(RunAs { uid, gid }) = who {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(io_err(format!("chown {}", path.display())))?;
    }
    Ok(())
}

/// Holds an exclusive lock on `<data_dir>/.cluster.lock` so two processes never initialise or
/// start the same cluster at once.
struct DirLock(File);

impl DirLock {
    fn acquire(data_dir: &Path) -> Result<Self, ClusterError> {
        let path = data_dir.join(".cluster.lock");
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err(format!("open {}", path.display())))?;
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a valid descriptor.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(io_err("lock the data directory")(io::Error::last_os_error()));
        }
        Ok(DirLock(f))
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: unlocking our own descriptor.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// The superuser password, generated once and kept (mode 0600) beside the cluster.
fn superuser_password(data_dir: &Path) -> Result<String, ClusterError> {
    let path = data_dir.join("pg-superuser-password");
    match fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(format!("read {}", path.display()))(e)),
    }
    let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 32);
    write_secret(&path, &password)?;
    Ok(password)
}

/// Writes a file only its owner can read.
pub fn write_secret(path: &Path, contents: &str) -> Result<(), ClusterError> {
    let mut f = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err(format!("write {}", path.display())))?;
    f.write_all(contents.as_bytes()).map_err(io_err(format!("write {}", path.display())))
}

/// The pid and port of a server running on `pgdata`, from its `postmaster.pid`.
fn running_postmaster(pgdata: &Path) -> Option<(i32, u16)> {
    let text = fs::read_to_string(pgdata.join("postmaster.pid")).ok()?;
    let mut lines = text.lines();
    let pid: i32 = lines.next()?.trim().parse().ok()?;
    let port: u16 = lines.nth(2)?.trim().parse().ok()?;
    // SAFETY: signal 0 only checks that the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    alive.then_some((pid, port))
}

fn free_port() -> Result<u16, ClusterError> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(io_err("find a free port"))?;
    Ok(l.local_addr().map_err(io_err("find a free port"))?.port())
}

/// Makes `<replica_dir>/pg` a hot standby of the embedded cluster running in `primary_dir`:
/// a base backup streamed with `pg_basebackup`, with the standby settings written (`-R`, so
/// it follows the primary's WAL once started). The superuser password is copied: the
/// standby's accounts are the primary's. Start it like any embedded cluster
/// (`sheba replica run`).
pub fn create_replica(primary_dir: &Path, replica_dir: &Path, bin_dir: Option<&Path>) -> Result<(), ClusterError> {
    let primary_dir = fs::canonicalize(primary_dir).map_err(io_err(format!("resolve {}", primary_dir.display())))?;
    let (_, port) = running_postmaster(&primary_dir.join("pg")).ok_or_else(|| ClusterError::NotRunning(primary_dir.clone()))?;
    let password = superuser_password(&primary_dir)?;
    fs::create_dir_all(replica_dir).map_err(io_err(format!("create {}", replica_dir.display())))?;
    let replica_dir = fs::canonicalize(replica_dir).map_err(io_err("resolve the replica directory"))?;
    let _lock = DirLock::acquire(&replica_dir)?;
    let pgdata = replica_dir.join("pg");
    if pgdata.exists() {
        return Err(ClusterError::ReplicaExists(replica_dir));
    }
    write_secret(&replica_dir.join("pg-superuser-password"), &password)?;
    let bin = find_bin_dir(bin_dir)?;
    let who = run_as()?;
    fs::create_dir(&pgdata).map_err(io_err(format!("create {}", pgdata.display())))?;
    fs::set_permissions(&pgdata, fs::Permissions::from_mode(0o700)).map_err(io_err("chmod pgdata"))?;
    chown(&pgdata, who)?;
    let log_path = replica_dir.join("basebackup.log");
    let log = File::create(&log_path).map_err(io_err("create basebackup.log"))?;
    chown(&log_path, who)?;
    let mut cmd = Command::new(bin.join("pg_basebackup"));
    cmd.arg("-D")
        .arg(&pgdata)
        .args(["--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast", "--no-password"])
        .arg(format!("--dbname=host=127.0.0.1 port={port} user=postgres password={password}"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(io_err("basebackup log"))?)
        .stderr(log);
    prepare_child(&mut cmd, who, false);
    let status = cmd.status().map_err(io_err("run pg_basebackup"))?;
    if !status.success() {
        let mut output = String::new();
        let _ = File::open(&log_path).and_then(|mut f| f.read_to_string(&mut output));
        let _ = fs::remove_dir_all(&pgdata);
        return Err(ClusterError::BaseBackupFailed { status: status.to_string(), output });
    }
    log::info!("made a hot standby of {} in {}", primary_dir.display(), pgdata.display());
    Ok(())
}

impl EmbeddedCluster {
    /// Initialises the cluster if needed, starts it unless it is running, and makes sure the
    /// application database exists.
    pub fn ensure(cfg: &ClusterConfig) -> Result<Self, ClusterError> {
        fs::create_dir_all(&cfg.data_dir).map_err(io_err(format!("create {}", cfg.data_dir.display())))?;
        let data_dir = fs::canonicalize(&cfg.data_dir).map_err(io_err("resolve the data directory"))?;
        let _lock = DirLock::acquire(&data_dir)?;
        let pgdata = data_dir.join("pg");
        let password = superuser_password(&data_dir)?;

        let (port, child) = if let Some((pid, port)) = running_postmaster(&pgdata) {
            log::info!("using the PostgreSQL cluster already running in {} (pid {pid}, port {port})", pgdata.display());
            (port, None)
        } else {
            let bin = find_bin_dir(cfg.bin_dir.as_deref())?;
            let who = run_as()?;
            if !pgdata.join("PG_VERSION").is_file() {
                init_cluster(&bin, &data_dir, &pgdata, &password, who)?;
            }
            let port = match cfg.port {
                Some(p) => p,
                None => free_port()?,
            };
            let child = start_server(&bin, &data_dir, &pgdata, port, who, &password)?;
            (port, Some(child))
        };
        let admin_url = format!("postgres://postgres:{password}@127.0.0.1:{port}/postgres");
        let database_url = format!("postgres://postgres:{password}@127.0.0.1:{port}/{}", cfg.database);
        let cluster = EmbeddedCluster { database_url, admin_url, child, pgdata };
        cluster.create_database(&cfg.database)?;
        Ok(cluster)
    }

    /// The URL of the application database.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// The URL of the maintenance database, for creating and dropping databases.
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }

    /// The URL of another database on this cluster.
    pub fn url_for(&self, database: &str) -> String {
        // (The admin URL is made above, ending in `/postgres`.)
        let base = self.admin_url.strip_suffix("/postgres").unwrap_or(&self.admin_url);
        format!("{base}/{database}")
    }

    /// Whether this process started the cluster (and so stops it).
    pub fn is_owned(&self) -> bool {
        self.child.is_some()
    }

    fn create_database(&self, name: &str) -> Result<(), ClusterError> {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(ClusterError::CreateDatabase(format!("invalid database name {name:?}")));
        }
        let mut conn = PgConnection::establish(&self.admin_url).map_err(|e| ClusterError::CreateDatabase(e.to_string()))?;
        #[derive(diesel::QueryableByName)]
        struct Found {
            #[diesel(sql_type = diesel::sql_types::Int4)]
            #[allow(dead_code)]
            one: i32,
        }
        let found: Vec<Found> = diesel::sql_query("SELECT 1 AS one FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(name)
            .load(&mut conn)
            .map_err(|e| ClusterError::CreateDatabase(e.to_string()))?;
        if found.is_empty() {
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut conn)
                .map_err(|e| ClusterError::CreateDatabase(e.to_string()))?;
            log::info!("created database {name}");
        }
        Ok(())
    }

    /// Fast shutdown (SIGINT: open transactions roll back, nothing committed is lost) and wait.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = child.id() as i32;
        // SAFETY: signalling our own child.
        unsafe { libc::kill(pid, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
                _ => {
                    log::warn!("PostgreSQL did not stop in 30 s; sending SIGQUIT");
                    // SAFETY: as above.
                    unsafe { libc::kill(pid, libc::SIGQUIT) };
                    let _ = child.wait();
                    break;
                }
            }
        }
        log::info!("stopped the PostgreSQL cluster in {}", self.pgdata.display());
    }
}

impl Drop for EmbeddedCluster {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn init_cluster(bin: &Path, data_dir: &Path, pgdata: &Path, password: &str, who: Option<RunAs>) -> Result<(), ClusterError> {
    log::info!("initialising a PostgreSQL cluster in {} (first start)", pgdata.display());
    // A half-made directory from an interrupted initdb would make initdb refuse.
    if pgdata.exists() {
        fs::remove_dir_all(pgdata).map_err(io_err(format!("remove incomplete {}", pgdata.display())))?;
    }
    fs::create_dir(pgdata).map_err(io_err(format!("create {}", pgdata.display())))?;
    fs::set_permissions(pgdata, fs::Permissions::from_mode(0o700)).map_err(io_err("chmod pgdata"))?;
    chown(pgdata, who)?;
    // initdb reads the password from a file the server's user can read; it lives only briefly.
    let pwfile = data_dir.join("initdb.pw");
    write_secret(&pwfile, password)?;
    chown(&pwfile, who)?;
    let log_path = data_dir.join("initdb.log");
    let log = File::create(&log_path).map_err(io_err("create initdb.log"))?;
    let mut cmd = Command::new(bin.join("initdb"));
    cmd.arg("-D")
        .arg(pgdata)
        .args(["-U", "postgres", "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-instructions"])
        .arg(format!("--pwfile={}", pwfile.display()))
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(io_err("initdb log"))?)
        .stderr(log);
    prepare_child(&mut cmd, who, false);
    let status = cmd.status().map_err(io_err("run initdb"))?;
    let _ = fs::remove_file(&pwfile);
    if !status.success() {
        let mut output = String::new();
        let _ = File::open(&log_path).and_then(|mut f| f.read_to_string(&mut output));
        let _ = fs::remove_dir_all(pgdata);
        return Err(ClusterError::InitdbFailed { status: status.to_string(), output });
    }
    Ok(())
}

fn start_server(
    bin: &Path,
    data_dir: &Path,
    pgdata: &Path,
    port: u16,
    who: Option<RunAs>,
    password: &str,
) -> Result<Child, ClusterError> {
    let log_path = data_dir.join("postgresql.log");
    let log =
        OpenOptions::new().create(true).append(true).open(&log_path).map_err(io_err(format!("open {}", log_path.display())))?;
    let mut cmd = Command::new(bin.join("postgres"));
    cmd.arg("-D")
        .arg(pgdata)
        .arg("-c")
        .arg(format!("port={port}"))
        .args(["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"])
        // Bulk writes (payroll, imports) would otherwise checkpoint every gigabyte of WAL.
        .args(["-c", "max_wal_size=4GB"])
        // The WAL's buffers default to 1/32 of shared_buffers (4 MB): a bulk import's two
        // connections filled them and waited on each other to write them out (WALWrite);
        // 64 MB took its two writers from 13 s to 11.5 s (BENCHMARKS.md).
        .args(["-c", "wal_buffers=64MB"])
        // A bulk import writes its persons and beneficiaries on two connections and commits
        // them as one with a prepared transaction (persistence::imports): one per running import.
        .args(["-c", "max_prepared_transactions=16"])
        // PostgreSQL's own log must not hold personal data either: no failing statement's
        // text, no DETAIL lines (a unique violation's DETAIL quotes the NID it refused).
        .args(["-c", "log_error_verbosity=terse", "-c", "log_min_error_statement=panic"]);
    // Extra server settings, e.g. for profiling: `SHEBA_PG_SETTINGS="shared_preload_libraries=auto_explain work_mem=64MB"`.
    for setting in std::env::var("SHEBA_PG_SETTINGS").unwrap_or_default().split_whitespace() {
        cmd.arg("-c").arg(setting);
    }
    cmd.stdin(Stdio::null()).stdout(log.try_clone().map_err(io_err("server log"))?).stderr(log);
    prepare_child(&mut cmd, who, true);
    let mut child = cmd.spawn().map_err(io_err("start postgres"))?;
    let url = format!("postgres://postgres:{password}@127.0.0.1:{port}/postgres");
    let timeout = Duration::from_secs(60);
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(ClusterError::StartFailed(status.to_string(), log_path));
        }
        if PgConnection::establish(&url).is_ok() {
            log::info!("PostgreSQL is running from {} on 127.0.0.1:{port} (pid {})", pgdata.display(), child.id());
            return Ok(child);
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ClusterError::StartTimeout(timeout, log_path));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
