//! Jobs: long operations that survive their server. A job is queued as a row; a worker of any
//! server claims it with a lease it renews while it works; a job whose lease ran out is
//! claimed again. The work and the job's completion commit together, and only while the
//! worker still holds the job ([`complete`]), so a job takes effect once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Uuid as SqlUuid};
use serde_json::Value;
use uuid::Uuid;

use domain::id::{JobId, UserId};

use crate::page::Page;
use crate::schema::{job_inputs, jobs};

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: JobId,
    pub kind: String,
    pub status: String,
    pub total: i64,
    pub done: i64,
    pub result: Option<Value>,
    pub error: Option<String>,
    #[diesel(deserialize_as = Uuid)]
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub payload: Value,
    pub worker: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub attempts: i32,
}

/// Queues a job.
pub fn create(conn: &mut PgConnection, kind: &str, total: i64, by: UserId, payload: &Value) -> QueryResult<JobRow> {
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(Uuid::now_v7()),
            jobs::kind.eq(kind),
            jobs::status.eq("queued"),
            jobs::total.eq(total),
            jobs::created_by.eq(by.0),
            jobs::payload.eq(payload),
        ))
        .returning(JobRow::as_returning())
        .get_result(conn)
}

/// Keeps a job's uploaded file with it, for whichever server runs it.
pub fn put_input(conn: &mut PgConnection, job: JobId, content: &[u8]) -> QueryResult<()> {
    diesel::insert_into(job_inputs::table)
        .values((job_inputs::job_id.eq(job.0), job_inputs::content.eq(content)))
        .execute(conn)
        .map(drop)
}

pub fn input_of(conn: &mut PgConnection, job: JobId) -> QueryResult<Option<Vec<u8>>> {
    job_inputs::table.find(job.0).select(job_inputs::content).first(conn).optional()
}

pub fn find(conn: &mut PgConnection, id: JobId) -> QueryResult<Option<JobRow>> {
    jobs::table.find(id.0).select(JobRow::as_select()).first(conn).optional()
}

/// Claims the oldest job that is queued or whose lease ran out (its worker died), for
/// `worker`, with a lease of `lease_seconds`. Other workers skip the row being claimed.
pub fn claim(conn: &mut PgConnection, worker: &str, lease_seconds: i32) -> QueryResult<Option<JobRow>> {
    claim_where(conn, worker, lease_seconds, None)
}

/// Claims the job `id` for `worker` when it is queued or its lease ran out (a process that
/// queued a job and runs it itself; `None` when a worker has it or it has ended).
pub fn claim_one(conn: &mut PgConnection, id: JobId, worker: &str, lease_seconds: i32) -> QueryResult<Option<JobRow>> {
    claim_where(conn, worker, lease_seconds, Some(id))
}

/// The claim: the oldest claimable job, or only `id` (two statements, each planned for its
/// own filter).
fn claim_where(conn: &mut PgConnection, worker: &str, lease_seconds: i32, id: Option<JobId>) -> QueryResult<Option<JobRow>> {
    let only = if id.is_some() { "id = $3 AND" } else { "" };
    let q = diesel::sql_query(format!(
        "UPDATE jobs SET status = 'running', worker = $1, lease_until = now() + make_interval(secs => $2),
                         attempts = attempts + 1, started_at = coalesce(started_at, now())
          WHERE id = (SELECT id FROM jobs
                       WHERE {only} (status = 'queued' OR (status = 'running' AND lease_until < now()))
                       ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
         RETURNING *"
    ))
    .bind::<Text, _>(worker)
    .bind::<Integer, _>(lease_seconds);
    match id {
        Some(id) => q.bind::<SqlUuid, _>(id.0).get_result(conn).optional(),
        None => q.get_result(conn).optional(),
    }
}

/// Renews the lease while the worker holds the job; `false` when it no longer does.
pub fn heartbeat(conn: &mut PgConnection, id: JobId, worker: &str, lease_seconds: i32) -> QueryResult<bool> {
    // (Never waits on the row: while the work's transaction completes the job it holds the row,
    // and the work is then finishing anyway.)
    let locked =
        diesel::sql_query("SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE SKIP LOCKED").bind::<SqlUuid, _>(id.0).execute(conn)? == 0;
    if locked {
        return Ok(true);
    }
    let n = diesel::sql_query(
        "UPDATE jobs SET lease_until = now() + make_interval(secs => $3) WHERE id = $1 AND worker = $2 AND status = 'running'",
    )
    .bind::<SqlUuid, _>(id.0)
    .bind::<Text, _>(worker)
    .bind::<Integer, _>(lease_seconds)
    .execute(conn)?;
    Ok(n == 1)
}

/// Records progress (on a connection of its own, so it shows while the work's transaction
/// runs); skipped when the row is locked (the work's transaction is completing the job).
pub fn progress(conn: &mut PgConnection, id: JobId, worker: &str, done: i64) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE jobs SET done = $3 WHERE id = (SELECT id FROM jobs WHERE id = $1 AND worker = $2 FOR UPDATE SKIP LOCKED)",
    )
    .bind::<SqlUuid, _>(id.0)
    .bind::<Text, _>(worker)
    .bind::<diesel::sql_types::BigInt, _>(done)
    .execute(conn)
    .map(drop)
}

/// Marks the job succeeded, inside the work's own transaction: `false` (and the caller rolls
/// the work back) when the worker no longer holds it, because its lease ran out and another
/// worker took it.
pub fn complete(conn: &mut PgConnection, id: JobId, worker: &str, result: &Value) -> QueryResult<bool> {
    let n = diesel::update(jobs::table.find(id.0).filter(jobs::worker.eq(worker)).filter(jobs::status.eq("running")))
        .set((
            jobs::status.eq("succeeded"),
            jobs::result.eq(result),
            jobs::done.eq(jobs::total),
            // The clock, not `now()`: this runs at the end of the job's own transaction, and
            // `now()` is when that began (an import's minute would vanish from its rate).
            jobs::finished_at
                .eq(diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>>("clock_timestamp()")),
            jobs::lease_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    diesel::delete(job_inputs::table.find(id.0)).execute(conn)?;
    Ok(n == 1)
}

/// Marks the job failed with its error, when the worker still holds it.
pub fn fail(conn: &mut PgConnection, id: JobId, worker: &str, error: &str) -> QueryResult<()> {
    diesel::update(jobs::table.find(id.0).filter(jobs::worker.eq(worker)).filter(jobs::status.eq("running")))
        .set((
            jobs::status.eq("failed"),
            jobs::error.eq(error),
            jobs::finished_at.eq(diesel::dsl::now),
            jobs::lease_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    diesel::delete(job_inputs::table.find(id.0)).execute(conn).map(drop)
}

/// Hands a stopping server's running jobs back to the queue, for another server to take.
pub fn hand_back(conn: &mut PgConnection, worker_prefix: &str) -> QueryResult<usize> {
    // (A job whose work is committing holds its row and is finishing: skipped.)
    diesel::sql_query(
        "UPDATE jobs SET status = 'queued', worker = NULL, lease_until = NULL
          WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND worker LIKE $1 || '%' FOR UPDATE SKIP LOCKED)",
    )
    .bind::<Text, _>(worker_prefix)
    .execute(conn)
}

/// Cancels a job that has not started; `false` when it is not queued.
pub fn cancel(conn: &mut PgConnection, id: JobId) -> QueryResult<Option<JobRow>> {
    let row: Option<JobRow> = diesel::update(jobs::table.find(id.0).filter(jobs::status.eq("queued")))
        .set((jobs::status.eq("cancelled"), jobs::finished_at.eq(diesel::dsl::now)))
        .returning(JobRow::as_returning())
        .get_result(conn)
        .optional()?;
    if row.is_some() {
        diesel::delete(job_inputs::table.find(id.0)).execute(conn)?;
    }
    Ok(row)
}

#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub created_by: Option<UserId>,
}

pub fn list(conn: &mut PgConnection, f: &JobFilter, after: Option<JobId>, limit: i64) -> QueryResult<Page<JobRow, JobId>> {
    let mut q = jobs::table.into_boxed();
    if let Some(a) = after {
        q = q.filter(jobs::id.gt(a.0));
    }
    if let Some(s) = &f.status {
        q = q.filter(jobs::status.eq(s));
    }
    if let Some(k) = &f.kind {
        q = q.filter(jobs::kind.eq(k));
    }
    if let Some(u) = f.created_by {
        q = q.filter(jobs::created_by.eq(u.0));
    }
    let rows = q.order(jobs::id).limit(limit + 1).select(JobRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// What the metrics endpoint shows of the queue: jobs per status, and how long the oldest
/// queued job has waited (seconds; `None` when nothing waits).
pub struct QueueGauges {
    pub by_status: Vec<(String, i64)>,
    pub oldest_queued_seconds: Option<f64>,
}

pub fn queue_gauges(conn: &mut PgConnection) -> QueryResult<QueueGauges> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = Text)]
        status: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    #[derive(QueryableByName)]
    struct Oldest {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
        seconds: Option<f64>,
    }
    let by_status = diesel::sql_query("SELECT status, count(*) AS n FROM jobs GROUP BY status")
        .load::<Count>(conn)?
        .into_iter()
        .map(|c| (c.status, c.n))
        .collect();
    let oldest = diesel::sql_query(
        "SELECT extract(epoch FROM now() - min(created_at))::float8 AS seconds FROM jobs WHERE status = 'queued'",
    )
    .get_result::<Oldest>(conn)?;
    Ok(QueueGauges { by_status, oldest_queued_seconds: oldest.seconds })
}
