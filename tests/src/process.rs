//! A real `sheba serve` process on a test database, for what an in-process server cannot
//! show: being killed (`SIGKILL`), several servers on one database, the log it writes.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `sheba` binary next to the test binary (`SHEBA_BIN` overrides).
pub fn sheba_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("SHEBA_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent().and_then(|p| p.parent()).expect("target/debug").join("sheba")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("its address").port()
}

/// A running `sheba serve`; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    base: String,
    agent: ureq::Agent,
    /// Where its standard error (the log) goes, when captured.
    pub log: Option<PathBuf>,
}

impl ServerProcess {
    /// Starts a server on `database_url` with a short job lease (2 s) and one job worker;
    /// `env` adds or overrides settings. The log is discarded unless `log` names a file.
    pub fn start(database_url: &str, env: &[(&str, &str)], log: Option<PathBuf>) -> ServerProcess {
        let mut cmd = Command::new(sheba_binary());
        cmd.env("DATABASE_URL", database_url).env("SHEBA_JWT_SECRET", crate::TEST_SIGNING_KEY_TEXT);
        Self::spawn(cmd, env, log)
    }

    /// A server on the embedded default in `data_dir` (its own cluster and signing key).
    pub fn start_embedded(data_dir: &std::path::Path, env: &[(&str, &str)]) -> ServerProcess {
        Self::start_embedded_logged(data_dir, env, None)
    }

    /// [`ServerProcess::start_embedded`], its log in `log` when given.
    pub fn start_embedded_logged(data_dir: &std::path::Path, env: &[(&str, &str)], log: Option<PathBuf>) -> ServerProcess {
        let mut cmd = Command::new(sheba_binary());
        cmd.env_remove("DATABASE_URL").env_remove("SHEBA_JWT_SECRET").env("SHEBA_DATA_DIR", data_dir);
        Self::spawn(cmd, env, log)
    }

    /// Whether the process is still running (it was never restarted by the test).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn spawn(mut cmd: Command, env: &[(&str, &str)], log: Option<PathBuf>) -> ServerProcess {
        let port = free_port();
        cmd.arg("serve")
            .env("SHEBA_BIND", format!("127.0.0.1:{port}"))
            .env("SHEBA_WORKERS", "1")
            .env("SHEBA_JOB_WORKERS", "1")
            .env("SHEBA_JOB_LEASE_SECONDS", "2")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        match &log {
            Some(path) => cmd.stderr(std::fs::File::create(path).expect("create the log file")),
            None => cmd.stderr(Stdio::null()),
        };
        let child = cmd.spawn().expect("start sheba");
        let base = format!("http://127.0.0.1:{port}");
        let server = ServerProcess { child, port, base, agent: ureq::AgentBuilder::new().build(), log };
        server.wait_ready();
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// A request to this server, as `TestApp::req` makes to the in-process one.
    pub fn req(&self, method: &'static str, path: &str) -> crate::Req<'_> {
        crate::Req::new(&self.agent, &self.base, method, path)
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while ureq::get(&self.url("/health/ready")).call().is_err() {
            assert!(Instant::now() < deadline, "the server did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `SIGKILL`: no drain, no hand-back, as when a machine dies.
    pub fn kill(mut self) {
        self.child.kill().expect("kill sheba");
        self.child.wait().expect("reap sheba");
    }

    /// `SIGTERM`, then waits for the process to exit (it drains and hands jobs back).
    pub fn terminate(mut self) -> std::process::ExitStatus {
        // SAFETY: sending a signal to our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.child.wait().expect("wait for sheba")
    }

    /// What it has logged so far.
    pub fn log_text(&self) -> String {
        self.log.as_ref().map(|p| std::fs::read_to_string(p).unwrap_or_default()).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
