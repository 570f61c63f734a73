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
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
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
    /// Where the WAL is archived as each segment fills (gzip-compressed, never
    /// overwritten), for point-in-time recovery; `None`: not archived.
    pub wal_archive: Option<PathBuf>,
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
    #[error("{0}")]
    Settings(String),
    #[error("{0}")]
    Occupied(String),
    #[error("the base backup in {dir} does not match its manifest (pg_verifybackup):\n{output}")]
    BaseBackupDamaged { dir: PathBuf, output: String },
    #[error("recovery failed; the last lines of {log}:\n{tail}")]
    RecoveryFailed { log: PathBuf, tail: String },
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
    /// The server we started and do not supervise.
    child: Option<Child>,
    /// The server we started, watched and restarted by a thread of its own.
    supervisor: Option<Supervisor>,
    /// How to start it again.
    launch: Option<Launch>,
    pgdata: PathBuf,
}

/// How a server is started: everything `start_server` needs, kept to start it again.
#[derive(Debug, Clone)]
struct Launch {
    bin: PathBuf,
    data_dir: PathBuf,
    pgdata: PathBuf,
    port: u16,
    who: Option<RunAs>,
    password: String,
    /// Settings beyond the built-in ones, in order (a later one wins).
    settings: Vec<(String, String)>,
}

/// What the supervised cluster is doing, for readiness and the log.
#[derive(Debug, Default)]
pub struct ClusterHealth {
    /// 0 running, 1 restarting, 2 stopped.
    state: AtomicU8,
    /// The restart attempt under way (1 for the first).
    attempt: AtomicU32,
    restarts: AtomicU64,
}

/// What [`ClusterHealth::state`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterState {
    Running,
    /// The postmaster died; this is the attempt under way to start it again.
    Restarting {
        attempt: u32,
    },
    Stopped,
}

impl ClusterHealth {
    pub fn state(&self) -> ClusterState {
        match self.state.load(Ordering::SeqCst) {
            0 => ClusterState::Running,
            1 => ClusterState::Restarting { attempt: self.attempt.load(Ordering::SeqCst) },
            _ => ClusterState::Stopped,
        }
    }

    /// How many times the cluster was started again since this process started it.
    pub fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::SeqCst)
    }

    fn set(&self, state: ClusterState) {
        let (code, attempt) = match state {
            ClusterState::Running => (0, 0),
            ClusterState::Restarting { attempt } => (1, attempt),
            ClusterState::Stopped => (2, 0),
        };
        self.attempt.store(attempt, Ordering::SeqCst);
        self.state.store(code, Ordering::SeqCst);
    }
}

struct Supervisor {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
    health: Arc<ClusterHealth>,
}

/// The first pause before starting a dead cluster again; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long a (re)started server may take to accept connections: crash recovery replays the
/// WAL since the last checkpoint (up to `max_wal_size`), which takes minutes after a bulk load.
const RESTART_TIMEOUT: Duration = Duration::from_secs(3600);

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

/// Quotes `s` for `sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The settings that archive every filled WAL segment into `archive`: gzip-compressed, made
/// durable (`sync`) before it counts, never overwritten (a segment already there must be the
/// same, as after a crash between copying and PostgreSQL noting it), and a segment switch at
/// least once a minute while anything is written, so a lost disk loses a minute at most.
pub fn archive_settings(archive: &Path) -> Vec<(String, String)> {
    let dir = sh_quote(&archive.display().to_string()).replace('%', "%%");
    let archive_command = format!(
        "f={dir}/%f.gz; if [ -f \"$f\" ]; then gzip -dc \"$f\" | cmp -s - %p; \
         else gzip -1c %p > \"$f.part\" && sync \"$f.part\" && mv \"$f.part\" \"$f\"; fi"
    );
    vec![
        ("archive_mode".into(), "on".into()),
        ("archive_command".into(), archive_command),
        ("archive_timeout".into(), "60".into()),
    ]
}

/// The `restore_command` that reads back what [`archive_settings`] archived (or a segment
/// copied there uncompressed).
pub fn restore_command(archive: &Path) -> String {
    let dir = sh_quote(&archive.display().to_string()).replace('%', "%%");
    format!("f={dir}/%f; if [ -f \"$f.gz\" ]; then gzip -dc \"$f.gz\" > %p; else cp \"$f\" %p; fi")
}

/// Makes the archive directory, owned by the server's user.
fn prepare_archive(archive: &Path, who: Option<RunAs>) -> Result<(), ClusterError> {
    fs::create_dir_all(archive).map_err(io_err(format!("create the WAL archive {}", archive.display())))?;
    chown(archive, who)?;
    fs::set_permissions(archive, fs::Permissions::from_mode(0o700)).map_err(io_err("chmod the WAL archive"))
}

/// Runs `pg_basebackup` from the cluster running in `primary_dir` into a new `<to>/pg`, and
/// copies the superuser password beside it (the copy's accounts are the primary's).
fn pg_basebackup(primary_dir: &Path, to: &Path, bin_dir: Option<&Path>, args: &[&str]) -> Result<PathBuf, ClusterError> {
    let primary_dir = fs::canonicalize(primary_dir).map_err(io_err(format!("resolve {}", primary_dir.display())))?;
    let (_, port) = running_postmaster(&primary_dir.join("pg")).ok_or_else(|| ClusterError::NotRunning(primary_dir.clone()))?;
    let password = superuser_password(&primary_dir)?;
    fs::create_dir_all(to).map_err(io_err(format!("create {}", to.display())))?;
    let to = fs::canonicalize(to).map_err(io_err(format!("resolve {}", to.display())))?;
    let _lock = DirLock::acquire(&to)?;
    let pgdata = to.join("pg");
    if pgdata.exists() {
        return Err(ClusterError::ReplicaExists(to));
    }
    write_secret(&to.join("pg-superuser-password"), &password)?;
    let bin = find_bin_dir(bin_dir)?;
    let who = run_as()?;
    fs::create_dir(&pgdata).map_err(io_err(format!("create {}", pgdata.display())))?;
    fs::set_permissions(&pgdata, fs::Permissions::from_mode(0o700)).map_err(io_err("chmod pgdata"))?;
    chown(&pgdata, who)?;
    let log_path = to.join("basebackup.log");
    let log = File::create(&log_path).map_err(io_err("create basebackup.log"))?;
    chown(&log_path, who)?;
    let mut cmd = Command::new(bin.join("pg_basebackup"));
    cmd.arg("-D")
        .arg(&pgdata)
        .args(["--wal-method=stream", "--checkpoint=fast", "--no-password"])
        .args(args)
        .arg(format!("--dbname=host=127.0.0.1 port={port} user=postgres"))
        .env("PGPASSWORD", &password)
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
    Ok(pgdata)
}

/// Makes `<replica_dir>/pg` a hot standby of the embedded cluster running in `primary_dir`:
/// a base backup streamed with `pg_basebackup`, with the standby settings written (`-R`, so
/// it follows the primary's WAL once started). The superuser password is copied: the
/// standby's accounts are the primary's. Start it like any embedded cluster
/// (`sheba replica run`).
pub fn create_replica(primary_dir: &Path, replica_dir: &Path, bin_dir: Option<&Path>) -> Result<(), ClusterError> {
    let pgdata = pg_basebackup(primary_dir, replica_dir, bin_dir, &["--write-recovery-conf"])?;
    log::info!("made a hot standby of {} in {}", primary_dir.display(), pgdata.display());
    Ok(())
}

/// A base backup of the embedded cluster running in `primary_dir` into a new `<to>/pg` (with
/// the WAL that makes it consistent, and `backup_manifest`, which `pg_verifybackup` checks):
/// the starting point of point-in-time recovery from the WAL archive. Returns the WAL
/// segment it starts at (older archived segments are not needed to recover from it).
pub fn base_backup(primary_dir: &Path, to: &Path, bin_dir: Option<&Path>) -> Result<String, ClusterError> {
    let pgdata = pg_basebackup(primary_dir, to, bin_dir, &["--manifest-checksums=SHA256"])?;
    let label = fs::read_to_string(pgdata.join("backup_label")).map_err(io_err("read the base backup's backup_label"))?;
    // START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
    let start = label
        .lines()
        .find_map(|l| l.strip_prefix("START WAL LOCATION:"))
        .and_then(|l| l.split("(file ").nth(1))
        .map(|f| f.trim_end_matches(')').trim().to_owned())
        .unwrap_or_default();
    log::info!("base backup of {} in {} (from WAL {start})", primary_dir.display(), pgdata.display());
    Ok(start)
}

/// Checks a base backup's files (and the WAL in it) against its `backup_manifest`.
pub fn verify_base_backup(base_pgdata: &Path, bin_dir: Option<&Path>) -> Result<(), ClusterError> {
    let bin = find_bin_dir(bin_dir)?;
    let out = Command::new(bin.join("pg_verifybackup"))
        .arg(base_pgdata)
        .stdin(Stdio::null())
        .output()
        .map_err(io_err("run pg_verifybackup"))?;
    if out.status.success() {
        return Ok(());
    }
    let mut output = String::from_utf8_lossy(&out.stderr).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stdout));
    Err(ClusterError::BaseBackupDamaged { dir: base_pgdata.to_path_buf(), output })
}

/// What a point-in-time recovery reached, in PostgreSQL's own words (from its log).
#[derive(Debug, Clone, Default)]
pub struct RecoverySummary {
    /// `recovery stopping before commit of transaction 1234, time ...`: the first
    /// transaction left out.
    pub stopped_before: Option<String>,
    /// `last completed transaction was at log time ...`: the last transaction kept.
    pub last_transaction: Option<String>,
}

/// Where and to when [`recover`] brings a base backup.
pub struct Recovery<'a> {
    /// The base backup's cluster (`<base>/pg`).
    pub base_pgdata: &'a Path,
    /// Its superuser password.
    pub password: &'a str,
    /// A new directory to recover in: the cluster is made in `<staging>/pg`.
    pub staging_dir: &'a Path,
    pub bin_dir: Option<&'a Path>,
    /// The WAL archive to replay from (and to archive the new timeline into).
    pub wal_archive: &'a Path,
    /// Stop before the first transaction that committed after this (PostgreSQL's timestamp
    /// syntax); `None`: replay everything archived.
    pub until: Option<&'a str>,
    pub database: &'a str,
}

/// Copies a base backup into `<staging>/pg`, replays the archived WAL up to `until`, and
/// promotes it (a new timeline, archived from then on). PostgreSQL refuses a target before
/// the backup's end or beyond the archive's last transaction, and this fails then, with its
/// log. Returns the running cluster (the caller checks and stops it) and what it reached.
pub fn recover(r: &Recovery<'_>) -> Result<(EmbeddedCluster, RecoverySummary), ClusterError> {
    let bin = find_bin_dir(r.bin_dir)?;
    let who = run_as()?;
    fs::create_dir_all(r.staging_dir).map_err(io_err(format!("create {}", r.staging_dir.display())))?;
    let staging = fs::canonicalize(r.staging_dir).map_err(io_err("resolve the staging directory"))?;
    let _lock = DirLock::acquire(&staging)?;
    let pgdata = staging.join("pg");
    if pgdata.exists() {
        fs::remove_dir_all(&pgdata).map_err(io_err(format!("remove {}", pgdata.display())))?;
    }
    write_secret(&staging.join("pg-superuser-password"), r.password)?;
    let copied = Command::new("cp").arg("-a").arg(r.base_pgdata).arg(&pgdata).status().map_err(io_err("run cp"))?;
    if !copied.success() {
        return Err(io_err("copy the base backup")(io::Error::other(copied.to_string())));
    }
    if let Some(RunAs { uid, gid }) = who {
        let owned = Command::new("chown").arg("-R").arg(format!("{uid}:{gid}")).arg(&pgdata).status().map_err(io_err("chown"))?;
        if !owned.success() {
            return Err(io_err("chown the copied base backup")(io::Error::other(owned.to_string())));
        }
    }
    fs::set_permissions(&pgdata, fs::Permissions::from_mode(0o700)).map_err(io_err("chmod pgdata"))?;
    for leftover in ["standby.signal", "postmaster.pid"] {
        let _ = fs::remove_file(pgdata.join(leftover));
    }
    let signal = pgdata.join("recovery.signal");
    File::create(&signal).map_err(io_err("write recovery.signal"))?;
    chown(&signal, who)?;
    prepare_archive(r.wal_archive, who)?;
    let mut settings = archive_settings(r.wal_archive);
    settings.extend(crate::pg_settings::from_env().map_err(ClusterError::Settings)?);
    settings.push(("restore_command".into(), restore_command(r.wal_archive)));
    if let Some(until) = r.until {
        settings.push(("recovery_target_time".into(), until.to_owned()));
        settings.push(("recovery_target_action".into(), "promote".into()));
    }
    let log_path = staging.join("postgresql.log");
    let launch = Launch {
        bin,
        data_dir: staging.clone(),
        pgdata: pgdata.clone(),
        port: free_port()?,
        who,
        password: r.password.into(),
        settings,
    };
    let mut child = start_server(&launch, RESTART_TIMEOUT, None)?;
    let url = format!("postgres://postgres:{}@127.0.0.1:{}/postgres", r.password, launch.port);
    let probe = format!("{url}?connect_timeout=2");
    // Connections are taken while WAL is still replayed (hot standby); done once promoted.
    let deadline = Instant::now() + RESTART_TIMEOUT;
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return Err(ClusterError::RecoveryFailed { tail: log_tail(&log_path, 15), log: log_path });
        }
        #[derive(diesel::QueryableByName)]
        struct InRecovery {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            r: bool,
        }
        let in_recovery = PgConnection::establish(&probe)
            .ok()
            .and_then(|mut c| diesel::sql_query("SELECT pg_is_in_recovery() AS r").get_result::<InRecovery>(&mut c).ok());
        if let Some(InRecovery { r: false }) = in_recovery {
            break;
        }
        if Instant::now() > deadline {
            stop_child(&mut child, &pgdata);
            return Err(ClusterError::StartTimeout(RESTART_TIMEOUT, log_path));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let log_text = fs::read_to_string(&log_path).unwrap_or_default();
    let find =
        |needle: &str| log_text.lines().rev().find(|l| l.contains(needle)).map(|l| l[l.find(needle).unwrap_or(0)..].to_owned());
    let summary = RecoverySummary {
        stopped_before: find("recovery stopping before"),
        last_transaction: find("last completed transaction was at"),
    };
    let cluster = EmbeddedCluster {
        database_url: format!("postgres://postgres:{}@127.0.0.1:{}/{}", r.password, launch.port, r.database),
        admin_url: url,
        child: Some(child),
        supervisor: None,
        launch: Some(launch),
        pgdata,
    };
    Ok((cluster, summary))
}

/// The last `n` lines of a log.
fn log_tail(path: &Path, n: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
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

        let (port, child, launch) = if let Some((pid, port)) = running_postmaster(&pgdata) {
            log::info!("using the PostgreSQL cluster already running in {} (pid {pid}, port {port})", pgdata.display());
            (port, None, None)
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
            let mut settings = vec![];
            if let Some(archive) = &cfg.wal_archive {
                prepare_archive(archive, who)?;
                settings.extend(archive_settings(archive));
            }
            settings.extend(crate::pg_settings::from_env().map_err(ClusterError::Settings)?);
            let launch = Launch {
                bin,
                data_dir: data_dir.clone(),
                pgdata: pgdata.clone(),
                port,
                who,
                password: password.clone(),
                settings,
            };
            let child = start_server(&launch, Duration::from_secs(60), None)?;
            (port, Some(child), Some(launch))
        };
        let admin_url = format!("postgres://postgres:{password}@127.0.0.1:{port}/postgres");
        let database_url = format!("postgres://postgres:{password}@127.0.0.1:{port}/{}", cfg.database);
        let cluster = EmbeddedCluster { database_url, admin_url, child, supervisor: None, launch, pgdata };
        cluster.create_database(&cfg.database)?;
        Ok(cluster)
    }

    /// Watches the server this process started from a thread of its own and, whenever it
    /// dies, starts it again on the same port (so the pools' URLs stay right), after 0.5 s,
    /// then 1, 2, 4 ... up to 30 s between attempts. `None` when another process runs the
    /// cluster (it is that process's to watch).
    pub fn supervise(&mut self) -> Option<Arc<ClusterHealth>> {
        if let Some(s) = &self.supervisor {
            return Some(s.health.clone());
        }
        let launch = self.launch.clone()?;
        let child = self.child.take()?;
        let health = Arc::new(ClusterHealth::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (h, st) = (health.clone(), stop.clone());
        // The thread forks every later server, which is told to stop when its parent thread
        // ends (PR_SET_PDEATHSIG): it ends only after stopping the server.
        let thread =
            std::thread::Builder::new().name("postgres-supervisor".into()).spawn(move || supervise_loop(child, &launch, &h, &st));
        match thread {
            Ok(thread) => {
                self.supervisor = Some(Supervisor { stop, thread, health: health.clone() });
                Some(health)
            }
            Err(e) => {
                log::error!("could not start the thread that watches PostgreSQL: {e}");
                None
            }
        }
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
        self.child.is_some() || self.supervisor.is_some()
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
        if let Some(s) = self.supervisor.take() {
            s.stop.store(true, Ordering::SeqCst);
            if s.thread.join().is_err() {
                log::error!("the thread that watches PostgreSQL panicked");
            }
            return;
        }
        if let Some(mut child) = self.child.take() {
            stop_child(&mut child, &self.pgdata);
        }
    }
}

impl Drop for EmbeddedCluster {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Fast shutdown of a server we started (SIGQUIT if it has not stopped in 30 s).
fn stop_child(child: &mut Child, pgdata: &Path) {
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
    log::info!("stopped the PostgreSQL cluster in {}", pgdata.display());
}

/// Sleeps `d`, waking early (true) when told to stop.
fn pause(d: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + d;
    while Instant::now() < until {
        if stop.load(Ordering::SeqCst) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50).min(until.saturating_duration_since(Instant::now())));
    }
    stop.load(Ordering::SeqCst)
}

fn supervise_loop(mut child: Child, launch: &Launch, health: &ClusterHealth, stop: &AtomicBool) {
    loop {
        if stop.load(Ordering::SeqCst) {
            stop_child(&mut child, &launch.pgdata);
            health.set(ClusterState::Stopped);
            return;
        }
        match child.try_wait() {
            Ok(None) => {
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
            Ok(Some(status)) => log::error!("PostgreSQL (pid {}) exited unexpectedly ({status}); starting it again", child.id()),
            Err(e) => log::error!("PostgreSQL (pid {}) cannot be watched ({e}); starting it again", child.id()),
        }
        // Its backends notice the postmaster's death and exit; until they have, a new
        // postmaster refuses the data directory (shared memory still in use). Hurry them.
        // SAFETY: the dead server's process group (it was made its leader at start).
        unsafe { libc::kill(-(child.id() as i32), libc::SIGQUIT) };
        let mut delay = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            health.set(ClusterState::Restarting { attempt });
            if pause(delay, stop) {
                health.set(ClusterState::Stopped);
                return;
            }
            match restart(launch, stop) {
                Ok(c) => {
                    child = c;
                    health.restarts.fetch_add(1, Ordering::SeqCst);
                    health.set(ClusterState::Running);
                    log::warn!("PostgreSQL is running again (pid {}, attempt {attempt})", child.id());
                    break;
                }
                Err(e) => {
                    delay = (delay * 2).min(MAX_BACKOFF);
                    log::error!("starting PostgreSQL again failed (attempt {attempt}; next in {delay:?}): {e}");
                    attempt += 1;
                }
            }
        }
    }
}

fn restart(launch: &Launch, stop: &AtomicBool) -> Result<Child, ClusterError> {
    let _lock = DirLock::acquire(&launch.data_dir)?;
    if let Some((pid, port)) = running_postmaster(&launch.pgdata) {
        return Err(ClusterError::Occupied(format!(
            "another process started the cluster meanwhile (pid {pid}, port {port}); waiting for it to stop"
        )));
    }
    start_server(launch, RESTART_TIMEOUT, Some(stop))
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

/// Starts `postgres` and waits until it accepts connections (at most `timeout`; `abort`
/// stops it early).
fn start_server(launch: &Launch, timeout: Duration, abort: Option<&AtomicBool>) -> Result<Child, ClusterError> {
    let Launch { bin, data_dir, pgdata, port, who, password, settings } = launch;
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
    // The WAL archive's, then the operator's (`SHEBA_PG_SETTINGS`, `SHEBA_PG_SETTINGS_FILE`),
    // then recovery's: a later `-c` wins. Each is one argument, so a value may hold anything.
    for (name, value) in settings {
        cmd.arg("-c").arg(format!("{name}={value}"));
    }
    cmd.stdin(Stdio::null()).stdout(log.try_clone().map_err(io_err("server log"))?).stderr(log);
    prepare_child(&mut cmd, *who, true);
    let mut child = cmd.spawn().map_err(io_err("start postgres"))?;
    // A bounded connection attempt: something else holding the port (a server that accepts
    // and never answers) must not keep us waiting past the child's exit.
    let url = format!("postgres://postgres:{password}@127.0.0.1:{port}/postgres?connect_timeout=2");
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(ClusterError::StartFailed(status.to_string(), log_path));
        }
        if PgConnection::establish(&url).is_ok() {
            log::info!("PostgreSQL is running from {} on 127.0.0.1:{port} (pid {})", pgdata.display(), child.id());
            return Ok(child);
        }
        if started.elapsed() > timeout || abort.is_some_and(|a| a.load(Ordering::SeqCst)) {
            stop_child(&mut child, pgdata);
            return Err(ClusterError::StartTimeout(timeout, log_path));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_commands_quote_the_directory() {
        let s = archive_settings(Path::new("/mnt/wal it's 100%"));
        let cmd = &s.iter().find(|(n, _)| n == "archive_command").unwrap().1;
        assert!(cmd.starts_with(r"f='/mnt/wal it'\''s 100%%'/%f.gz;"), "{cmd}");
        assert!(restore_command(Path::new("/a")).starts_with("f='/a'/%f;"));
    }

    #[test]
    fn health_reports_restarts() {
        let h = ClusterHealth::default();
        assert_eq!(h.state(), ClusterState::Running);
        h.set(ClusterState::Restarting { attempt: 3 });
        assert_eq!(h.state(), ClusterState::Restarting { attempt: 3 });
        h.set(ClusterState::Stopped);
        assert_eq!(h.state(), ClusterState::Stopped);
    }
}
