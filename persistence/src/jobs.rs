//! Jobs: long operations reported by progress (done of total) and result.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use domain::id::{JobId, UserId};

use crate::schema::jobs;

#[derive(Debug, Clone, Queryable, Selectable)]
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
}

pub fn create(conn: &mut PgConnection, kind: &str, total: i64, by: UserId) -> QueryResult<JobRow> {
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(Uuid::now_v7()),
            jobs::kind.eq(kind),
            jobs::status.eq("queued"),
            jobs::total.eq(total),
            jobs::created_by.eq(by.0),
        ))
        .returning(JobRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: JobId) -> QueryResult<Option<JobRow>> {
    jobs::table.find(id.0).select(JobRow::as_select()).first(conn).optional()
}

pub fn start(conn: &mut PgConnection, id: JobId) -> QueryResult<()> {
    diesel::update(jobs::table.find(id.0))
        .set((jobs::status.eq("running"), jobs::started_at.eq(diesel::dsl::now)))
        .execute(conn)
        .map(|_| ())
}

/// Records progress (on its own connection, so it is visible while the work's transaction runs).
pub fn progress(conn: &mut PgConnection, id: JobId, done: i64) -> QueryResult<()> {
    diesel::update(jobs::table.find(id.0)).set(jobs::done.eq(done)).execute(conn).map(|_| ())
}

pub fn finish(conn: &mut PgConnection, id: JobId, result: Result<Value, String>) -> QueryResult<()> {
    let (status, result, error) = match result {
        Ok(v) => ("succeeded", Some(v), None),
        Err(e) => ("failed", None, Some(e)),
    };
    diesel::update(jobs::table.find(id.0))
        .set((jobs::status.eq(status), jobs::result.eq(result), jobs::error.eq(error), jobs::finished_at.eq(diesel::dsl::now)))
        .execute(conn)
        .map(|_| ())
}
