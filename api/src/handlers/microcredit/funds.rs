//! Revolving funds: one per office, source and programme, with an append-only ledger.

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Permission;
use domain::id::LoanFundId;
use domain::microcredit::fund::{check_capital, FundEntryKind};
use domain::microcredit::programme::MicrocreditProgramme;
use persistence::microcredit::{self as repo, FundEntryRow, FundFilter, FundRow, NewEntry};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{office, upazila_area};
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Outcome, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::read;
use crate::views::LabelView;

/// A revolving fund with its position (the sums of its ledger).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000f001", "programme": "urban_community_development",
    "programme_label": {"en": "Urban community development", "bn": "শহর সমাজ উন্নয়ন কার্যক্রম"},
    "source_en": "UNICEF family development fund", "source_bn": "ইউনিসেফ পরিবার উন্নয়ন তহবিল", "division_id": 6, "district_id": 47, "upazila_id": 400,
    "capital_received_taka": 80000, "invested_taka": 80000, "reinvested_taka": 45000, "principal_recovered_taka": 60000,
    "charge_collected_taka": 6000, "written_off_taka": 0, "balance_taka": 15000, "outstanding_principal_taka": 65000, "recovery_permille": 480,
    "version": 12, "created_at": "2026-07-01T04:00:00Z"}))]
pub struct FundView {
    pub id: Uuid,
    #[schema(value_type = crate::codes::MicrocreditProgrammeCode)]
    pub programme: MicrocreditProgramme,
    pub programme_label: LabelView,
    pub source_en: String,
    pub source_bn: String,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub capital_received_taka: i64,
    /// Lent from capital.
    pub invested_taka: i64,
    /// Lent again from recovered principal.
    pub reinvested_taka: i64,
    pub principal_recovered_taka: i64,
    pub charge_collected_taka: i64,
    pub written_off_taka: i64,
    /// What a disbursement may draw on now.
    pub balance_taka: i64,
    /// Principal lent and neither recovered nor written off (the fund holds no charge owed).
    pub outstanding_principal_taka: i64,
    /// The share of principal lent that has come back, in tenths of a percent.
    pub recovery_permille: Option<i64>,
    /// The `ETag` value.
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

pub(crate) fn fund_view(f: &FundRow) -> FundView {
    let p = f.position();
    FundView {
        id: f.id.0,
        programme: f.programme,
        programme_label: f.programme.label().into(),
        source_en: f.source_en.clone(),
        source_bn: f.source_bn.clone(),
        division_id: f.division_id,
        district_id: f.district_id,
        upazila_id: f.upazila_id,
        capital_received_taka: p.capital_received,
        invested_taka: p.invested,
        reinvested_taka: p.reinvested,
        principal_recovered_taka: p.principal_recovered,
        charge_collected_taka: p.charge_collected,
        written_off_taka: p.written_off,
        balance_taka: p.balance(),
        outstanding_principal_taka: p.outstanding(),
        recovery_permille: p.recovery_permille(),
        version: f.version,
        created_at: f.created_at,
    }
}

fn fund_response(builder: StatusCode, f: &FundRow) -> HttpResponse {
    HttpResponse::build(builder).insert_header((ETAG, etag(f.version))).json(fund_view(f))
}

/// A new fund.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"programme": "urban_community_development", "source_en": "UNICEF family development fund",
    "source_bn": "ইউনিসেফ পরিবার উন্নয়ন তহবিল", "upazila_id": 1}))]
pub struct CreateFundRequest {
    #[schema(value_type = crate::codes::MicrocreditProgrammeCode)]
    pub programme: MicrocreditProgramme,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub source_en: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub source_bn: String,
    /// The office's upazila (or city thana).
    pub upazila_id: i32,
}

/// Open a revolving fund for an office, source and programme. Send `Idempotency-Key` to make
/// retries safe.
#[utoipa::path(operation_id = "create_loan_fund", tag = "microcredit", request_body = CreateFundRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Opened; `Location` and `ETag` set", body = FundView),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/microcredit/funds")]
pub async fn create_loan_fund(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateFundRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let fingerprint = idempotency::fingerprint(&["create_loan_fund", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let area = upazila_area(conn, b.upazila_id, "upazila_id")?;
        require(conn, &who, Permission::ManageMicrocredit, &super::area_subject(area))?;
        let id = LoanFundId(Uuid::now_v7());
        let row = repo::insert_fund(conn, id, b.programme, (b.source_en.trim(), b.source_bn.trim()), area, who.user_id)?;
        crate::pipeline::audit_created(
            conn,
            &who,
            "loan_fund.create",
            row.id,
            &row,
            serde_json::json!({"programme": b.programme.code()}),
        )?;
        Ok(Created {
            location: Some(format!("/api/v1/microcredit/funds/{}", row.id)),
            etag: Some(etag(row.version)),
            body: fund_view(&row),
        })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FundQuery {
    #[param(value_type = Option<crate::codes::MicrocreditProgrammeCode>)]
    pub programme: Option<String>,
    pub upazila_id: Option<i32>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// The funds within your scope.
#[utoipa::path(operation_id = "list_loan_funds", tag = "microcredit", params(FundQuery), security(("bearer" = [])),
    responses((status = 200, description = "A page of funds", body = ListPage<FundView>)))]
#[get("/microcredit/funds")]
pub async fn list_loan_funds(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<FundQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let filter = FundFilter {
        programme: crate::codes::check_filter("programme", &q.programme, MicrocreditProgramme::parse)?,
        upazila_id: q.upazila_id,
    };
    let page = read(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadMicrocredit, &own)?;
        Ok(repo::list_funds(conn, actor.scope, &filter, after, limit)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |f| fund_view(&f))))
}

/// One fund with its position.
#[utoipa::path(operation_id = "get_loan_fund", tag = "microcredit",
    params(("fund_id" = Uuid, Path, description = "The fund")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The fund; `ETag` set", body = FundView),
        (status = 404, description = "No such fund", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/microcredit/funds/{fund_id}")]
pub async fn get_loan_fund(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<LoanFundId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let f = read(&state, move |conn| {
        let f = repo::find_fund(conn, id)?.ok_or(ApiError::NotFound("loan fund"))?;
        require(conn, &who, Permission::ReadMicrocredit, &office(f.division_id, f.district_id, f.upazila_id))?;
        Ok(f)
    })
    .await?;
    Ok(fund_response(StatusCode::OK, &f))
}

/// Capital received into a fund.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"amount_taka": 80000, "received_on": "2026-07-01", "reference": "DSS/UCD/2026/114"}))]
pub struct CapitalRequest {
    #[validate(range(min = 1, max = 100000000000i64))]
    #[schema(minimum = 1, maximum = 100000000000i64)]
    pub amount_taka: i64,
    pub received_on: NaiveDate,
    /// The sanction or transfer reference.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub reference: String,
}

/// Record capital received into the fund. Requires `If-Match`.
#[utoipa::path(operation_id = "record_fund_capital", tag = "microcredit", request_body = CapitalRequest,
    params(("fund_id" = Uuid, Path, description = "The fund"), ("If-Match" = String, Header, description = "The fund's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; the fund with its new `ETag`", body = FundView),
        (status = 404, description = "No such fund", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid amount or date", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/microcredit/funds/{fund_id}/capital")]
pub async fn record_fund_capital(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<LoanFundId>,
    body: ApiJson<CapitalRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    check_capital(b.amount_taka)?;
    crate::handlers::step_day("received_on", b.received_on, None)?;
    let step = Step::new("loan_fund.capital", Permission::ManageMicrocredit);
    let done = pipeline::change(&req, &state, who, id, step, pipeline::shown(fund_view), move |conn, cx, _: FundRow| {
        let entry = NewEntry {
            kind: FundEntryKind::CapitalReceived,
            amount: b.amount_taka,
            on_date: b.received_on,
            loan_id: None,
            reference: Some(b.reference.trim()),
        };
        let after = repo::record_entries(conn, id, &[entry], cx.who.user_id)?;
        Outcome::with(after, serde_json::json!({"reference": b.reference}))
    })
    .await?;
    Ok(done.ok())
}

crate::pipeline::record!(FundRow {
    id: LoanFundId,
    kind: "loan_fund",
    noun: "loan fund",
    lock: repo::find_fund_for_update,
    subject: |r, _| Ok(office(r.division_id, r.district_id, r.upazila_id)),
    summary: |r| serde_json::json!({"capital_received": r.capital_received, "version": r.version}),
});

/// One ledger entry.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000e001", "kind": "capital_received",
    "kind_label": {"en": "Capital received", "bn": "প্রাপ্ত মূলধন"}, "amount_taka": 80000, "on_date": "2026-07-01",
    "loan_id": null, "reference": "DSS/UCD/2026/114", "created_at": "2026-07-01T04:00:00Z"}))]
pub struct FundEntryView {
    pub id: Uuid,
    #[schema(value_type = crate::codes::FundEntryKindCode)]
    pub kind: FundEntryKind,
    pub kind_label: LabelView,
    pub amount_taka: i64,
    pub on_date: NaiveDate,
    pub loan_id: Option<Uuid>,
    pub reference: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// The fund's ledger, oldest first.
#[utoipa::path(operation_id = "list_fund_entries", tag = "microcredit",
    params(("fund_id" = Uuid, Path, description = "The fund"), PageQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of entries", body = ListPage<FundEntryView>),
        (status = 404, description = "No such fund", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/microcredit/funds/{fund_id}/entries")]
pub async fn list_fund_entries(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<LoanFundId>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let q = q.into_inner();
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let page = read(&state, move |conn| {
        let f = repo::find_fund(conn, id)?.ok_or(ApiError::NotFound("loan fund"))?;
        require(conn, &who, Permission::ReadMicrocredit, &office(f.division_id, f.district_id, f.upazila_id))?;
        Ok(repo::list_entries(conn, id, after, limit)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |e: FundEntryRow| FundEntryView {
        id: e.id.0,
        kind: e.kind,
        kind_label: e.kind.label().into(),
        amount_taka: e.amount,
        on_date: e.on_date,
        loan_id: e.loan_id.map(Uuid::from),
        reference: e.reference,
        created_at: e.created_at,
    })))
}
