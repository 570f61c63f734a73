//! Bulk import of beneficiaries from CSV, run as a job: `202 Accepted` with a job to poll for
//! progress (done of total, rate, ETA) and the per-line result. A file that cannot be read
//! as a whole (encoding, header) is refused at once and changes nothing.

use actix_web::{get, post};
use domain::id::JobId;
use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};

use actix_web::http::header::LOCATION;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::access::Permission;
use persistence::jobs::{self, JobRow};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::extract::{declared_length, stream_body};
use crate::idempotency::{self, IdempotencyKey};
use crate::problem::{ApiError, Problem};
use crate::services::imports::{count_rows, is_utf8, MAX_ROWS, MAX_UPLOAD_BYTES};
use crate::state::AppState;
use crate::unit_of_work::{read, transact};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-0000-7000-8000-0000000000d1", "kind": "import_beneficiaries", "status": "running", "total": 1000000, "done": 500000,
    "percent": 50.0, "rate_per_second": 52000.0, "eta_seconds": 10, "result": null, "error": null,
    "created_at": "2026-11-23T06:00:00Z", "started_at": "2026-11-23T06:00:01Z", "finished_at": null
}))]
pub struct JobView {
    pub id: Uuid,
    pub kind: String,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    #[schema(value_type = crate::codes::JobStatusCode)]
    pub status: String,
    pub total: i64,
    pub done: i64,
    pub percent: f64,
    pub rate_per_second: Option<f64>,
    pub eta_seconds: Option<i64>,
    /// When finished: counts and the lines skipped with their reasons.
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

pub(crate) fn job_view(j: JobRow) -> JobView {
    let elapsed = j.started_at.map(|s| (j.finished_at.unwrap_or_else(Utc::now) - s).num_milliseconds().max(1) as f64 / 1000.0);
    let rate = elapsed.filter(|_| j.done > 0).map(|e| j.done as f64 / e);
    JobView {
        percent: if j.total > 0 { (j.done as f64 * 100.0 / j.total as f64).min(100.0) } else { 100.0 },
        eta_seconds: rate
            .filter(|r| *r > 0.0 && j.status == "running")
            .map(|r| ((j.total - j.done).max(0) as f64 / r).ceil() as i64),
        rate_per_second: rate,
        id: j.id.0,
        kind: j.kind,
        status: j.status,
        total: j.total,
        done: j.done,
        result: j.result,
        error: j.error,
        created_at: j.created_at,
        started_at: j.started_at,
        finished_at: j.finished_at,
    }
}

/// An office imports its own beneficiaries; the data migration officer imports anywhere in
/// the country (the old national MIS in one job).
fn import_permission(who: &Principal) -> Permission {
    if who.role.grants(Permission::MigrateBeneficiaries) {
        Permission::MigrateBeneficiaries
    } else {
        Permission::ManageBeneficiaries
    }
}

/// Import beneficiaries from a CSV file (columns: name_en, name_bn, sex, date_of_birth, nid,
/// birth_registration_number, mobile, union_id, programme, start_month, payment_provider,
/// account_number, education_level). People are matched by national ID or birth
/// registration number; rows breaking a rule (one person one allowance, an area outside
/// yours, ...) are skipped and reported by line. Runs as a job, whose result counts the
/// beneficiaries imported per upazila. An upazila office imports within its upazila; the
/// data migration officer (national) anywhere. A beneficiary carried over this way was
/// enrolled in the earlier register and has no application here (`application_id` null).
#[utoipa::path(operation_id = "import_beneficiaries", tag = "allowances",
    request_body(content = String, content_type = "text/csv", description = "The file, with a header line"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Accepted; poll the job (`Location`)", body = JobView),
        (status = 413, description = "File too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file cannot be read as a whole (nothing changed)", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/imports/beneficiaries")]
pub async fn import_beneficiaries(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    mut payload: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    crate::extract::require_csv(&req, "the file")?;
    // Authority first: nobody without it makes the server read a large file.
    let who1 = who.clone();
    read(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who1.scope)?;
        require(conn, &who1, import_permission(&who1), &own).map(drop)
    })
    .await?;
    // The upload goes to an unnamed temporary file (gone when closed), not to memory: an
    // import of a million rows keeps the server's memory where it is.
    let mut file = tempfile::tempfile().map_err(ApiError::internal)?;
    // The file's digest is the request's fingerprint under an Idempotency-Key.
    let mut digest = Sha256::new();
    stream_body(declared_length(&req), &mut payload, MAX_UPLOAD_BYTES, |chunk| {
        digest.update(chunk);
        file.write_all(chunk)
    })
    .await?;
    let fingerprint = idempotency::fingerprint(&["import_beneficiaries", &format!("{:x}", digest.finalize())]);
    // A first pass checks the encoding and the header and counts the rows (a fatal problem
    // refuses the file now); the job parses and checks them as it reads them.
    let (total, file) = web::block(move || -> Result<(i64, File), ApiError> {
        file.rewind().map_err(ApiError::internal)?;
        if !is_utf8(&mut file).map_err(ApiError::internal)? {
            return Err(ApiError::field_coded("file", "invalid_format", "the file is not UTF-8 text"));
        }
        file.rewind().map_err(ApiError::internal)?;
        let n = count_rows(BufReader::new(&file)).map_err(ApiError::Validation)?;
        if n > MAX_ROWS {
            return Err(ApiError::field_coded("file", "out_of_range", format!("a file holds at most {MAX_ROWS} rows")));
        }
        file.rewind().map_err(ApiError::internal)?;
        Ok((n as i64, file))
    })
    .await
    .map_err(ApiError::internal)??;
    // The file goes into the database with the job, so that any server can run it (and run it
    // again if the one running it dies).
    let content = web::block(move || -> Result<Vec<u8>, ApiError> {
        let mut content = Vec::new();
        let mut file = file;
        file.read_to_end(&mut content).map_err(ApiError::internal)?;
        Ok(content)
    })
    .await
    .map_err(ApiError::internal)??;
    let ttl = state.idempotency_ttl;
    let started = transact(&state, move |conn| {
        if let Some(replay) = idempotency::begin(conn, who.user_id.0, &key, &fingerprint, ttl)? {
            return Ok(Err(replay));
        }
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, import_permission(&who), &own)?;
        let payload = crate::jobs::JobActor::of(&who).payload(serde_json::json!({"scope": actor.scope.to_string()}));
        let job = jobs::create(conn, crate::jobs::IMPORT_BENEFICIARIES, total, who.user_id, &payload)?;
        jobs::put_input(conn, job.id, &content)?;
        let body = serde_json::to_value(job_view(job.clone())).map_err(ApiError::internal)?;
        idempotency::finish(conn, who.user_id.0, &key, 202, &body, Some(&format!("/api/v1/jobs/{}", job.id)))?;
        Ok(Ok(job))
    })
    .await?;
    let job = match started {
        Ok(job) => job,
        // A retry of an import already started: the first answer, and no second job.
        Err(replay) => return Ok(replay.into_response()),
    };
    Ok(HttpResponse::Accepted().insert_header((LOCATION, format!("/api/v1/jobs/{}", job.id))).json(job_view(job)))
}

/// A job you started: progress, rate, ETA, and the result when done.
#[utoipa::path(operation_id = "get_job", tag = "allowances",
    params(("job_id" = Uuid, Path, description = "The job")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 404, description = "No such job of yours", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/jobs/{job_id}")]
pub async fn get_job(state: web::Data<AppState>, who: Principal, path: web::Path<JobId>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let job = read(&state, move |conn| {
        crate::auth::policy::require_active(conn, &who)?;
        jobs::find(conn, id)?.filter(|j| j.created_by == who.user_id).ok_or(ApiError::NotFound("job"))
    })
    .await?;
    Ok(HttpResponse::Ok().json(job_view(job)))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    #[param(value_type = Option<crate::codes::JobStatusCode>)]
    pub status: Option<String>,
    #[param(value_type = Option<crate::codes::JobKindCode>)]
    pub kind: Option<String>,
    /// Whose jobs (administrators with national scope see everyone's; others see their own).
    pub created_by: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Jobs, oldest first: your own, or (administrators with national scope) everyone's.
#[utoipa::path(operation_id = "list_jobs", tag = "allowances", params(JobQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of jobs", body = crate::pagination::ListPage<JobView>),
        (status = 422, description = "An unknown status", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/jobs")]
pub async fn list_jobs(state: web::Data<AppState>, who: Principal, q: web::Query<JobQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let (limit, after) = (crate::pagination::limit(q.limit)?, crate::pagination::decode_cursor(q.cursor.as_deref())?);
    let status = crate::codes::check_filter("status", &q.status, crate::codes::one_of(crate::codes::JobStatusCode::codes()))?;
    let kind = crate::codes::check_filter("kind", &q.kind, crate::codes::one_of(crate::codes::JobKindCode::codes()))?;
    let page = read(&state, move |conn| {
        let actor = crate::auth::policy::require_active(conn, &who)?;
        let everyone = domain::access::authorize(&actor, Permission::ReadJobs, &domain::access::Subject::National).is_ok();
        let created_by = if everyone { q.created_by.map(domain::id::UserId) } else { Some(who.user_id) };
        let filter = jobs::JobFilter { status: status.map(str::to_owned), kind: kind.map(str::to_owned), created_by };
        Ok(jobs::list(conn, &filter, after, limit)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(crate::pagination::ListPage::from_page(page, job_view)))
}

/// Cancel a job you started that has not begun.
#[utoipa::path(operation_id = "cancel_job", tag = "allowances",
    params(("job_id" = Uuid, Path, description = "The job")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancelled", body = JobView),
        (status = 404, description = "No such job of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It has begun or ended", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/jobs/{job_id}/cancellation")]
pub async fn cancel_job(state: web::Data<AppState>, who: Principal, path: web::Path<JobId>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let job = crate::unit_of_work::transact(&state, move |conn| {
        crate::auth::policy::require_active(conn, &who)?;
        jobs::find(conn, id)?.filter(|j| j.created_by == who.user_id).ok_or(ApiError::NotFound("job"))?;
        let job = jobs::cancel(conn, id)?.ok_or(domain::job::NOT_QUEUED)?;
        who.audit(conn, "job.cancel", "job", id, None, None)?;
        Ok(job)
    })
    .await?;
    Ok(HttpResponse::Ok().json(job_view(job)))
}
