//! Payment cycles: create, generate the payroll (set-based SQL, idempotent), approve (four
//! eyes), export per provider (CSV), apply the provider's result file, totals.

use actix_web::http::header::{self, ETAG, LOCATION};
use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Permission, Subject};
use domain::allowance::enrolment::PaymentProvider;
use domain::allowance::payroll::{self, CycleStatus};
use domain::geo::UpazilaId;
use domain::id::PaymentCycleId;
use domain::id::PaymentId;
use persistence::payments::{self as repo, CycleRow};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Outcome, Record, Step};
use crate::problem::{ApiError, FieldError, Problem};
use crate::services::payroll::CycleTotals;
use crate::state::AppState;
use crate::unit_of_work::{read, transact};
use crate::views::LabelView;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-0000-7000-8000-0000000000c1", "programme": "old_age", "upazila_id": 1, "period_start": "2025-07-01", "period_end": "2025-09-30",
    "status": "approved", "status_label": {"en": "Approved for payment", "bn": "পরিশোধের জন্য অনুমোদিত"}, "generated_at": "2025-10-01T04:00:00Z",
    "approved_at": "2025-10-02T04:00:00Z", "version": 3, "created_at": "2025-10-01T03:00:00Z",
    "totals": {"payments": 1200, "amount_taka": 2340000, "pending": 1200, "paid": 0, "paid_taka": 0, "failed": 0, "failed_taka": 0, "carried_in": 4, "missing_accounts": 3}
}))]
pub struct CycleView {
    pub id: Uuid,
    #[schema(value_type = crate::codes::ProgrammeCode)]
    pub programme: String,
    /// `null`: the whole country.
    pub upazila_id: Option<i32>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// `draft`, `generated`, `approved` or `reconciled`.
    #[schema(value_type = crate::codes::CycleStatusCode)]
    pub status: String,
    pub status_label: LabelView,
    pub generated_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub totals: CycleTotals,
}

fn cycle_view(conn: &mut PgConnection, c: &CycleRow) -> Result<CycleView, ApiError> {
    Ok(CycleView {
        id: c.id.0,
        programme: c.programme_code.clone(),
        upazila_id: c.upazila_id,
        period_start: c.period_start,
        period_end: c.period_end,
        status: c.status.into(),
        status_label: c.status.label().into(),
        generated_at: c.generated_at,
        approved_at: c.approved_at,
        version: c.version,
        created_at: c.created_at,
        totals: crate::services::payroll::cycle_totals(conn, c)?,
    })
}

fn cycle_subject(conn: &mut PgConnection, upazila: Option<i32>) -> Result<Subject, ApiError> {
    Ok(match upazila {
        None => Subject::National,
        Some(u) => Subject::Area(
            persistence::geo::upazila_path(conn, UpazilaId(u))?
                .ok_or_else(|| ApiError::field_coded("upazila_id", "not_found", "no such upazila"))?,
        ),
    })
}

crate::pipeline::record!(CycleRow {
    id: PaymentCycleId,
    kind: "payment_cycle",
    noun: "payment cycle",
    lock: repo::find_cycle_for_update,
    subject: |r, conn| cycle_subject(conn, r.upazila_id),
    summary: |r| serde_json::json!({"status": r.status.code(), "version": r.version}),
});

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"programme": "old_age", "upazila_id": 1, "period_start": "2025-07-01", "period_end": "2025-09-30"}))]
pub struct CreateCycleRequest {
    #[schema(value_type = crate::codes::ProgrammeCode)]
    pub programme: String,
    /// One upazila, or leave out for the whole country.
    pub upazila_id: Option<i32>,
    /// The first day of a month.
    pub period_start: NaiveDate,
    /// The last day of a month (at most twelve months in all).
    pub period_end: NaiveDate,
}

/// Create a payment cycle (a draft) for a programme and period. The cycles of a programme
/// follow one calendar: a new one has exactly the period of any cycle it overlaps (another
/// upazila's cycle for the same quarter) or overlaps none.
#[utoipa::path(operation_id = "create_payment_cycle", tag = "payments",
    request_body = CreateCycleRequest, params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CycleView),
        (status = 403, description = "Not permitted for that area", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Overlaps another cycle of the programme without being the same period (`payroll.one_calendar`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown programme or upazila, or not whole months", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/payment-cycles")]
pub async fn create_payment_cycle(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateCycleRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    payroll::check_period(b.period_start, b.period_end)?;
    let fingerprint = idempotency::fingerprint(&[
        "create_payment_cycle",
        &b.programme,
        &format!("{:?}", b.upazila_id),
        &b.period_start.to_string(),
        &b.period_end.to_string(),
    ]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let subject = cycle_subject(conn, b.upazila_id)?;
        require(conn, &who, Permission::PreparePayroll, &subject)?;
        if !persistence::programmes::all(conn)?.iter().any(|p| p.code == b.programme) {
            return Err(ApiError::field_coded("programme", "not_found", "no such programme"));
        }
        repo::lock_programme_calendar(conn, &b.programme)?;
        let others = repo::overlapping_periods(conn, &b.programme, b.period_start, b.period_end)?;
        payroll::fits_calendar(b.period_start, b.period_end, &others)?;
        let c = repo::insert_cycle(conn, &b.programme, b.upazila_id, b.period_start, b.period_end, who.user_id)?;
        let detail = serde_json::json!({"period_start": c.period_start, "period_end": c.period_end});
        pipeline::audit_created(conn, &who, "payment_cycle.create", c.id, &c, detail)?;
        let view = cycle_view(conn, &c)?;
        Ok(Created { location: Some(format!("/api/v1/payment-cycles/{}", view.id)), etag: Some(etag(view.version)), body: view })
    })
    .await
}

/// Generate the payroll, as a job: every active beneficiary with an account, for each month
/// of the period from their start month, at the rate in force that month; failed payments of
/// earlier cycles are carried in. Idempotent: running it again (even at the same moment)
/// pays nobody twice. Answers `202 Accepted` with the job; its result holds the totals.
#[utoipa::path(operation_id = "generate_payroll", tag = "payments",
    params(("cycle_id" = Uuid, Path, description = "The cycle")), security(("bearer" = [])),
    responses(
        (status = 202, description = "Accepted; poll the job (`Location`)", body = crate::handlers::imports::JobView),
        (status = 404, description = "No such cycle", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already approved", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/payment-cycles/{cycle_id}/generation")]
pub async fn generate_payroll(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<PaymentCycleId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    // Check now what can be checked, so a refusal is an immediate 4xx rather than a failed job.
    let job = transact(&state, move |conn| {
        let c = repo::find_cycle(conn, id)?.ok_or(ApiError::NotFound("payment cycle"))?;
        let subject = cycle_subject(conn, c.upazila_id)?;
        require(conn, &who, Permission::PreparePayroll, &subject)?;
        payroll::may_generate(c.status)?;
        let payload = crate::jobs::JobActor::of(&who).payload(serde_json::json!({"cycle_id": id}));
        Ok(persistence::jobs::create(conn, crate::jobs::GENERATE_PAYROLL, 1, who.user_id, &payload)?)
    })
    .await?;
    Ok(HttpResponse::Accepted()
        .insert_header((LOCATION, format!("/api/v1/jobs/{}", job.id)))
        .json(crate::handlers::imports::job_view(job)))
}

/// Approve a generated payroll for payment; not by the person who generated it. Requires `If-Match`.
#[utoipa::path(operation_id = "approve_payroll", tag = "payments",
    params(("cycle_id" = Uuid, Path, description = "The cycle"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved", body = CycleView),
        (status = 404, description = "No such cycle", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not generated, or you generated it", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/payment-cycles/{cycle_id}/approval")]
pub async fn approve_payroll(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<PaymentCycleId>,
) -> Result<HttpResponse, ApiError> {
    let step = Step::new("payment_cycle.approve", Permission::ApprovePayroll);
    let done = pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        step,
        pipeline::read_with(cycle_view),
        move |conn, cx, c: CycleRow| {
            payroll::may_approve(c.status, c.generated_by, cx.who.user_id)?;
            Ok(Outcome::new(repo::set_cycle_status(conn, c.id, CycleStatus::Approved, cx.who.user_id, Utc::now())?))
        },
    )
    .await?;
    Ok(done.ok())
}

/// One cycle with its totals.
#[utoipa::path(operation_id = "get_payment_cycle", tag = "payments",
    params(("cycle_id" = Uuid, Path, description = "The cycle")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The cycle; `ETag` set", body = CycleView),
        (status = 404, description = "No such cycle", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/payment-cycles/{cycle_id}")]
pub async fn get_payment_cycle(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<PaymentCycleId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = read(&state, move |conn| {
        let c = repo::find_cycle(conn, id)?.ok_or(ApiError::NotFound("payment cycle"))?;
        let subject = cycle_subject(conn, c.upazila_id)?;
        require(conn, &who, Permission::ReadAllowances, &subject)?;
        cycle_view(conn, &c)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(view.version))).json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CycleQuery {
    #[param(value_type = Option<crate::codes::ProgrammeCode>)]
    pub programme: Option<String>,
    pub upazila_id: Option<i32>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Payment cycles (national scope, or one upazila's within yours).
#[utoipa::path(operation_id = "list_payment_cycles", tag = "payments",
    params(CycleQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of cycles", body = ListPage<CycleView>),
    ))]
#[get("/payment-cycles")]
pub async fn list_payment_cycles(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<CycleQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    crate::codes::check_filter("programme", &q.programme, crate::codes::one_of(crate::codes::ProgrammeCode::codes()))?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let page = read(&state, move |conn| {
        let subject = cycle_subject(conn, q.upazila_id)?;
        require(conn, &who, Permission::ReadAllowances, &subject)?;
        let page = repo::list_cycles(conn, q.programme.as_deref(), q.upazila_id, after, limit)?;
        let next = page.next.as_ref().map(crate::pagination::encode_cursor);
        let data = page.rows.iter().map(|c| cycle_view(conn, c)).collect::<Result<Vec<_>, _>>()?;
        Ok(ListPage { data, next_cursor: next })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `bkash`, `nagad`, `rocket`, `upay` or `bank`.
    #[param(value_type = crate::codes::PaymentProviderCode)]
    pub provider: String,
    /// Begin with a byte-order mark (for Excel); providers' systems usually want none.
    pub bom: Option<bool>,
}

/// The payment file for one provider (CSV: `payment_id,account_number,amount_taka`), for an
/// approved cycle. Every export is audited.
#[utoipa::path(operation_id = "export_payment_file", tag = "payments",
    params(("cycle_id" = Uuid, Path, description = "The cycle"), ExportQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The pending payments for the provider", content_type = "text/csv", body = String),
        (status = 404, description = "No such cycle", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown provider", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/payment-cycles/{cycle_id}/export")]
pub async fn export_payment_file(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<PaymentCycleId>,
    q: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let bom = q.bom.unwrap_or(false);
    let provider = PaymentProvider::parse(&q.provider)
        .ok_or_else(|| ApiError::field_coded("provider", "unknown_code", "must be bkash, nagad, rocket, upay or bank"))?;
    let csv = transact(&state, move |conn| {
        let c = repo::find_cycle(conn, id)?.ok_or(ApiError::NotFound("payment cycle"))?;
        let subject = cycle_subject(conn, c.upazila_id)?;
        require(conn, &who, Permission::PreparePayroll, &subject)?;
        if c.status != CycleStatus::Approved {
            return Err(ApiError::from(domain::rule::RuleRefusal {
                rule: "payroll.approved_before_export",
                class: domain::rule::RuleClass::Conflict,
                label: domain::Label::new("Only an approved payroll can be exported", "কেবল অনুমোদিত বেতন তালিকা রপ্তানি করা যায়"),
            }));
        }
        let rows = repo::pending_for_provider(conn, id, provider)?;
        use crate::csv_export::Cell;
        let lines = rows
            .iter()
            .map(|r| vec![Cell::Value(r.id.to_string()), Cell::Text(&r.account_number), Cell::Value(r.amount_taka.to_string())]);
        let csv = crate::csv_export::write(&["payment_id", "account_number", "amount_taka"], lines, bom)?;
        let detail = serde_json::json!({"status": c.status.code(), "version": c.version,
            "detail": {"provider": provider.code(), "rows": rows.len()}});
        who.audit(conn, "payment_cycle.export", CycleRow::KIND, c.id, None, Some(detail))?;
        Ok(csv)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"payments-{id}-{}.csv\"", provider.code())))
        .body(csv))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"paid": 1190, "failed": 10, "cycle": {"id": "01936f5e-0000-7000-8000-0000000000c1", "programme": "old_age", "upazila_id": 1,
    "period_start": "2025-07-01", "period_end": "2025-09-30", "status": "reconciled", "status_label": {"en": "Reconciled", "bn": "সমন্বিত"},
    "generated_at": "2025-10-01T04:00:00Z", "approved_at": "2025-10-02T04:00:00Z", "version": 4, "created_at": "2025-10-01T03:00:00Z",
    "totals": {"payments": 1200, "amount_taka": 2340000, "pending": 0, "paid": 1190, "paid_taka": 2320500, "failed": 10, "failed_taka": 19500, "carried_in": 4, "missing_accounts": 3}}}))]
pub struct ResultsApplied {
    pub paid: usize,
    pub failed: usize,
    pub cycle: CycleView,
}

/// Result files can be large: a limit of their own, above the JSON bodies' limit.
const RESULT_FILE_MAX_BYTES: usize = 64 * 1024 * 1024;

/// Apply the provider's result file (CSV with header `payment_id,status,reason,reference`;
/// status `paid` or `failed` with a reason). All or nothing: a file with any bad line changes
/// nothing and every bad line is reported. When no payment is left pending the cycle is reconciled.
#[utoipa::path(operation_id = "import_payment_results", tag = "payments",
    params(("cycle_id" = Uuid, Path, description = "The cycle")),
    request_body(content = String, content_type = "text/csv", description = "payment_id,status,reason,reference"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Applied", body = ResultsApplied),
        (status = 404, description = "No such cycle", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad lines (each reported as `line:N`)", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/payment-cycles/{cycle_id}/results")]
pub async fn import_payment_results(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<PaymentCycleId>,
    mut body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let id = path.into_inner();
    crate::extract::require_csv(&req, "the result file")?;
    // Authority first: nobody without it makes the server parse a large file.
    let who1 = who.clone();
    read(&state, move |conn| {
        let c = repo::find_cycle(conn, id)?.ok_or(ApiError::NotFound("payment cycle"))?;
        let subject = cycle_subject(conn, c.upazila_id)?;
        require(conn, &who1, Permission::PreparePayroll, &subject).map(drop)
    })
    .await?;
    let body = crate::extract::read_body(crate::extract::declared_length(&req), &mut body, RESULT_FILE_MAX_BYTES).await?;
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::field_coded("body", "invalid_format", "the file is not UTF-8 text"))?;
    let rows = payroll::parse_results(text).map_err(|errors| {
        ApiError::Validation(
            errors.into_iter().map(|e| FieldError::coded(format!("line:{}", e.line), "invalid_format", e.message)).collect(),
        )
    })?;
    let step = Step::new("payment_cycle.results", Permission::PreparePayroll);
    let applied = transact(&state, move |conn| {
        pipeline::under(conn, &who, id, step, |conn, cx, c: &CycleRow| {
            if c.status != CycleStatus::Approved {
                return Err(ApiError::from(domain::rule::RuleRefusal {
                    rule: "payroll.approved_before_results",
                    class: domain::rule::RuleClass::Conflict,
                    label: domain::Label::new(
                        "Results apply only to an approved payroll",
                        "কেবল অনুমোদিত বেতন তালিকায় ফলাফল প্রয়োগ করা যায়",
                    ),
                }));
            }
            let ids: Vec<PaymentId> = rows.iter().map(|r| r.payment_id).collect();
            let known: std::collections::HashMap<PaymentId, String> = repo::statuses_of(conn, c, &ids)?.into_iter().collect();
            let mut errors = Vec::new();
            for r in &rows {
                match known.get(&r.payment_id) {
                    None => {
                        errors.push(FieldError::coded(format!("line:{}", r.line), "not_found", "no such payment in this cycle"))
                    }
                    Some(status) if status != "pending" => {
                        errors.push(FieldError::new(format!("line:{}", r.line), format!("the payment is already {status}")))
                    }
                    Some(_) => {}
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            let now = Utc::now();
            // Every line was pending above, under the cycle's row lock (which every other writer
            // of its results takes): all of them are settled, or the whole file is undone.
            let settled = repo::settle(conn, c, &rows, now)?;
            if settled != rows.len() {
                return Err(ApiError::Internal(format!("{} of {} results settled", settled, rows.len())));
            }
            let paid = rows.iter().filter(|r| r.paid).count();
            let failed = rows.len() - paid;
            let mut c = c.clone();
            if repo::totals(conn, id)?.pending == 0 {
                c = repo::set_cycle_status(conn, id, CycleStatus::Reconciled, cx.who.user_id, now)?;
            }
            let detail =
                serde_json::json!({"status": c.status.code(), "version": c.version, "detail": {"paid": paid, "failed": failed}});
            Ok((ResultsApplied { paid, failed, cycle: cycle_view(conn, &c)? }, detail))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(applied))
}
