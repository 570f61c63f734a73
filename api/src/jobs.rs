//! The job runner: a bounded pool of workers per server, each on database connections of its
//! own, claiming jobs from the queue in PostgreSQL (`persistence::jobs`). A worker renews its
//! lease while it works; when its server dies the lease runs out and a worker of any server
//! takes the job again. A job's work commits together with its completion, so it takes effect
//! once, and a job that lost its lease rolls back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use domain::id::UserId;
use persistence::audit::AuditActor;
use persistence::db::PgPool;
use persistence::jobs::{self, JobRow};
use serde_json::Value;

use crate::auth::principal::Principal;

/// Job kinds.
pub const IMPORT_BENEFICIARIES: &str = "import_beneficiaries";
pub const GENERATE_PAYROLL: &str = "generate_payroll";
/// An import's follow-up: the names of the people it created, indexed for search.
pub const INDEX_PERSON_NAMES: &str = "index_person_names";

/// How often an idle worker looks for import transactions a dead server left prepared.
const RECOVERY_EVERY: Duration = Duration::from_secs(10);

/// How a worker's run of a job ended.
#[derive(Debug)]
pub enum Outcome {
    /// Done and committed with its result.
    Done,
    /// Refused or broken: the job fails with this message.
    Failed(String),
    /// The lease ran out and another worker took the job: nothing was committed.
    Lost,
    /// A passing problem (the database went away): the job stays claimed until its lease
    /// runs out, then it is run again.
    Retry(String),
}

/// Runs a job's work, a panic in it (a bug, perhaps on what a file held) failing the job: else
/// the worker's thread would end, and the heartbeat, never told the work is done, would keep
/// the job claimed for ever. Its connections are dropped while panicking, so the pool
/// discards them, and nothing of the work commits.
fn contained(id: domain::id::JobId, work: impl FnOnce() -> Outcome) -> Outcome {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|_| {
        log::error!("job {id} failed: its work panicked at {}", crate::panics::take_location());
        Outcome::Failed("the job stopped on a fault in the server; quote the job id when reporting it".into())
    })
}

/// Who asked for a job, as its payload keeps it (for the audit trail of the work).
#[derive(Debug, Clone)]
pub struct JobActor {
    pub user_id: UserId,
    pub username: String,
    pub request_id: String,
}

impl JobActor {
    pub fn of(who: &Principal) -> Self {
        JobActor { user_id: who.user_id, username: who.username.clone(), request_id: who.request_id.clone() }
    }

    /// The payload: `extra`'s fields and the actor's.
    pub fn payload(&self, extra: Value) -> Value {
        let mut v = extra;
        if let Some(map) = v.as_object_mut() {
            map.insert(
                "actor".into(),
                serde_json::json!({"user_id": self.user_id, "username": self.username, "request_id": self.request_id}),
            );
        }
        v
    }

    pub fn from_payload(payload: &Value) -> Option<Self> {
        let a = &payload["actor"];
        Some(JobActor {
            user_id: UserId(a["user_id"].as_str()?.parse().ok()?),
            username: a["username"].as_str()?.to_owned(),
            request_id: a["request_id"].as_str().unwrap_or_default().to_owned(),
        })
    }

    pub fn audit_actor(&self) -> AuditActor {
        AuditActor { id: Some(self.user_id), label: self.username.clone() }
    }
}

/// The workers of one server.
#[derive(Clone)]
pub struct JobRunner {
    pool: PgPool,
    workers: usize,
    lease_seconds: i32,
    /// This server's name among the workers (`host-pid-random`): worker names start with it.
    server: String,
    stopping: Arc<AtomicBool>,
}

impl JobRunner {
    pub fn new(pool: PgPool, workers: usize, lease_seconds: i32) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "sheba".into());
        let server = format!("{host}-{}-{}", std::process::id(), &uuid::Uuid::now_v7().simple().to_string()[24..]);
        JobRunner { pool, workers, lease_seconds: lease_seconds.max(2), server, stopping: Arc::new(AtomicBool::new(false)) }
    }

    /// The workers' own pool (the metrics show its use).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Starts the workers (threads: the work is blocking database work).
    pub fn start(&self) {
        self.recover_prepared();
        for n in 0..self.workers {
            let runner = self.clone();
            let name = format!("{}:{n}", self.server);
            let spawned = std::thread::Builder::new().name(format!("job-worker-{n}")).spawn(move || runner.work(&name));
            if let Err(e) = spawned {
                log::error!("cannot start job worker {n}: {e}");
            }
        }
    }

    /// Stops claiming and hands this server's running jobs back to the queue (on SIGTERM),
    /// for another server to take; their uncommitted work rolls back when this one exits.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        match self.pool.get() {
            Ok(mut conn) => match jobs::hand_back(&mut conn, &self.server) {
                Ok(0) => {}
                Ok(n) => log::info!("handed {n} running job(s) back to the queue"),
                Err(e) => log::warn!("could not hand jobs back: {e}"),
            },
            Err(e) => log::warn!("could not hand jobs back: {e}"),
        }
    }

    fn work(&self, worker: &str) {
        let mut last_recovery = std::time::Instant::now();
        while !self.stopping.load(Ordering::SeqCst) {
            if last_recovery.elapsed() >= RECOVERY_EVERY {
                last_recovery = std::time::Instant::now();
                self.recover_prepared();
            }
            let claimed = self
                .pool
                .get()
                .map_err(|e| e.to_string())
                .and_then(|mut c| jobs::claim(&mut c, worker, self.lease_seconds).map_err(|e| e.to_string()));
            match claimed {
                Ok(Some(job)) => self.run(worker, &job),
                Ok(None) => std::thread::sleep(Duration::from_millis(200)),
                Err(e) => {
                    log::warn!("job worker {worker}: {e}");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
    }

    /// Decides import transactions left prepared by a server that died between preparing and
    /// deciding them (`persistence::imports::recover_prepared`).
    pub fn recover_prepared(&self) {
        match self
            .pool
            .get()
            .map_err(|e| e.to_string())
            .and_then(|mut c| persistence::imports::recover_prepared(&mut c).map_err(|e| e.to_string()))
        {
            Ok(0) => {}
            Ok(n) => log::warn!("decided {n} import transaction(s) a stopped server had left prepared"),
            Err(e) => log::warn!("could not look for prepared import transactions: {e}"),
        }
    }

    fn run(&self, worker: &str, job: &JobRow) {
        let done = Arc::new(AtomicBool::new(false));
        let beat = {
            let (pool, done, worker, id, lease) =
                (self.pool.clone(), done.clone(), worker.to_owned(), job.id, self.lease_seconds);
            std::thread::spawn(move || {
                let every = Duration::from_millis((lease as u64 * 1000 / 3).max(300));
                let mut waited = Duration::ZERO;
                while !done.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(100));
                    waited += Duration::from_millis(100);
                    if waited < every {
                        continue;
                    }
                    waited = Duration::ZERO;
                    match pool.get().map(|mut c| jobs::heartbeat(&mut c, id, &worker, lease)) {
                        Ok(Ok(true)) => {}
                        Ok(Ok(false)) => break,
                        Ok(Err(e)) => log::warn!("job {id}: heartbeat: {e}"),
                        Err(e) => log::warn!("job {id}: heartbeat: {e}"),
                    }
                }
            })
        };
        let outcome = contained(job.id, || match (self.pool.get(), self.pool.get()) {
            (Ok(mut work), Ok(mut progress)) => match job.kind.as_str() {
                IMPORT_BENEFICIARIES => {
                    // (Without a third connection the import writes its two tables one after the other.)
                    let mut helper = self.pool.get().ok();
                    crate::services::imports::run_import(&mut work, &mut progress, helper.as_deref_mut(), job, worker)
                }
                GENERATE_PAYROLL => crate::services::payroll::run_generation(&mut work, job, worker),
                INDEX_PERSON_NAMES => crate::services::imports::run_name_indexing(&mut work, job, worker),
                other => Outcome::Failed(format!("unknown job kind {other}")),
            },
            _ => Outcome::Retry("no database connection".into()),
        });
        done.store(true, Ordering::SeqCst);
        let _ = beat.join();
        match outcome {
            Outcome::Done => {}
            Outcome::Lost => log::warn!("job {}: the lease ran out and another worker took it", job.id),
            Outcome::Retry(e) => log::warn!("job {}: {e}; it runs again when its lease runs out", job.id),
            Outcome::Failed(message) => {
                if let Err(e) = self
                    .pool
                    .get()
                    .map_err(|e| e.to_string())
                    .and_then(|mut c| jobs::fail(&mut c, job.id, worker, &message).map_err(|e| e.to_string()))
                {
                    log::warn!("job {}: could not record its failure: {e}", job.id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_job_fails_and_its_worker_lives_on() {
        crate::panics::install_test_hook();
        let outcome = contained(domain::id::JobId(uuid::Uuid::nil()), || panic!("row {}", std::hint::black_box("01712345678é")));
        assert!(matches!(&outcome, Outcome::Failed(m) if !m.contains("0171")), "{outcome:?}");
        assert!(matches!(contained(domain::id::JobId(uuid::Uuid::nil()), || Outcome::Done), Outcome::Done));
    }
}
