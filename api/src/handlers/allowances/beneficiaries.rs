use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post, put};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::access::Permission;
use domain::allowance::enrolment::{change_beneficiary, BeneficiaryExit, BeneficiaryStatus, PaymentAccount, PaymentProvider};
use domain::id::BeneficiaryId;
use persistence::enrolment::{self as repo, BeneficiaryFilter, BeneficiaryRow};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::applications::admit;
use super::area;
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Outcome, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::{read, transact};
use crate::views::LabelView;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-0000-7000-8000-0000000000b1", "person_id": "01936f5e-0000-7000-8000-0000000000cc", "programme": "old_age",
    "application_id": "01936f5e-0000-7000-8000-0000000000a5", "upazila_id": 1, "sex": "female", "education_level": null,
    "status": "active", "status_label": {"en": "Active", "bn": "সক্রিয়"}, "exit_reason": null, "start_month": "2026-02-01", "end_month": null,
    "payment_provider": "bkash", "account_number": "01712345678", "monthly_rate_taka": 650, "transfer_for": null, "version": 2,
    "created_at": "2026-02-01T04:00:00Z"
}))]
pub struct BeneficiaryView {
    pub id: Uuid,
    pub person_id: Uuid,
    #[schema(value_type = crate::codes::ProgrammeCode)]
    pub programme: String,
    /// The application it was enrolled on; null for a beneficiary carried over by a bulk import
    /// from an earlier register, who was enrolled there.
    pub application_id: Option<Uuid>,
    pub upazila_id: i32,
    #[schema(value_type = crate::codes::SexCode)]
    pub sex: String,
    #[schema(value_type = Option<crate::codes::EducationLevelCode>)]
    pub education_level: Option<String>,
    /// `active`, `suspended` or `exited`.
    #[schema(value_type = crate::codes::BeneficiaryStatusCode)]
    pub status: String,
    pub status_label: LabelView,
    #[schema(value_type = Option<crate::codes::BeneficiaryExitCode>)]
    pub exit_reason: Option<String>,
    /// Paid from this month.
    pub start_month: NaiveDate,
    pub end_month: Option<NaiveDate>,
    /// `bkash`, `nagad`, `rocket`, `upay` or `bank`; payments need one.
    #[schema(value_type = Option<crate::codes::PaymentProviderCode>)]
    pub payment_provider: Option<String>,
    pub account_number: Option<String>,
    /// The monthly rate in force today.
    pub monthly_rate_taka: Option<i64>,
    /// For a conditional cash transfer: the child it is for, their household and carers.
    pub transfer_for: Option<crate::handlers::households::TransferForView>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

fn view(conn: &mut PgConnection, b: &BeneficiaryRow) -> Result<BeneficiaryView, ApiError> {
    let today = domain::time::dhaka_date(Utc::now());
    let programme = persistence::programmes::in_force(conn, today)?.into_iter().find(|p| p.code == b.programme_code);
    let rate = programme.as_ref().and_then(|p| p.monthly_rate(today, b.education_level).or_else(|| p.monthly_rate(today, None)));
    let transfer_for = match programme {
        Some(p) if p.conditional => Some(crate::handlers::households::transfer_for(conn, b.person_id, today)?),
        _ => None,
    };
    Ok(BeneficiaryView {
        id: b.id.0,
        person_id: b.person_id.0,
        programme: b.programme_code.clone(),
        application_id: b.application_id.map(|a| a.0),
        upazila_id: b.upazila_id,
        sex: b.sex.into(),
        education_level: b.education_level.map(String::from),
        status: b.status.into(),
        status_label: b.status.label().into(),
        exit_reason: b.exit_reason.map(String::from),
        start_month: b.start_month,
        end_month: b.end_month,
        payment_provider: b.payment_provider.map(String::from),
        account_number: b.account_number.clone(),
        monthly_rate_taka: rate,
        transfer_for,
        version: b.version,
        created_at: b.created_at,
    })
}

/// One beneficiary.
#[utoipa::path(operation_id = "get_beneficiary", tag = "allowances",
    params(("beneficiary_id" = Uuid, Path, description = "The beneficiary")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The beneficiary; `ETag` set", body = BeneficiaryView),
        (status = 403, description = "Outside your area", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such beneficiary", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/beneficiaries/{beneficiary_id}")]
pub async fn get_beneficiary(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<BeneficiaryId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let v = read(&state, move |conn| {
        let b = repo::find_beneficiary(conn, id)?.ok_or(ApiError::NotFound("beneficiary"))?;
        require(conn, &who, Permission::ReadAllowances, &area(b.division_id, b.district_id, b.upazila_id))?;
        view(conn, &b)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(v.version))).json(v))
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BeneficiaryQuery {
    #[param(value_type = Option<crate::codes::ProgrammeCode>)]
    pub programme: Option<String>,
    /// `active`, `suspended` or `exited`.
    #[param(value_type = Option<crate::codes::BeneficiaryStatusCode>)]
    pub status: Option<String>,
    pub upazila_id: Option<i32>,
    #[param(value_type = Option<crate::codes::SexCode>)]
    pub sex: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Beneficiaries within your area.
#[utoipa::path(operation_id = "list_beneficiaries", tag = "allowances",
    params(BeneficiaryQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of beneficiaries", body = ListPage<BeneficiaryView>),
        (status = 422, description = "Unknown status", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/beneficiaries")]
pub async fn list_beneficiaries(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<BeneficiaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    // (What was asked, for the audit row: a list of personal data is a read on record.)
    let asked = serde_json::to_value(&q).map_err(ApiError::internal)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    crate::codes::check_filter("programme", &q.programme, crate::codes::one_of(crate::codes::ProgrammeCode::codes()))?;
    let sex = crate::codes::check_filter("sex", &q.sex, domain::person::Sex::parse)?;
    let status = crate::codes::check_filter("status", &q.status, BeneficiaryStatus::parse)?;
    let filter = BeneficiaryFilter { programme_code: q.programme, status, upazila_id: q.upazila_id, sex };
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadAllowances, &own)?;
        let page = repo::list_beneficiaries(conn, actor.scope, &filter, after, limit)?;
        who.audit_list(conn, "beneficiary", &asked, page.rows.iter().map(|r| r.id))?;
        let next = page.next.as_ref().map(crate::pagination::encode_cursor);
        let data = page.rows.iter().map(|b| view(conn, b)).collect::<Result<Vec<_>, _>>()?;
        Ok(ListPage { data, next_cursor: next })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

crate::pipeline::record!(BeneficiaryRow {
    id: BeneficiaryId,
    kind: "beneficiary",
    noun: "beneficiary",
    lock: repo::find_beneficiary_for_update,
    subject: |r, _| Ok(area(r.division_id, r.district_id, r.upazila_id)),
    summary: |r| serde_json::json!({"status": r.status.code(), "version": r.version}),
});

/// The answer to every change: the beneficiary as listed.
fn answer(conn: &mut PgConnection, _: &Principal, b: &BeneficiaryRow) -> Result<BeneficiaryView, ApiError> {
    view(conn, b)
}

const MANAGE: Permission = Permission::ManageBeneficiaries;

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"provider": "bkash", "number": "+8801712345678"}))]
pub struct AccountRequest {
    /// `bkash`, `nagad`, `rocket`, `upay` or `bank`.
    #[schema(value_type = crate::codes::PaymentProviderCode)]
    pub provider: PaymentProvider,
    /// Wallet: the mobile number (Rocket: plus its check digit); bank: the account number.
    pub number: String,
}

/// Record the account the allowance is paid into (validated for its provider). Requires `If-Match`.
#[utoipa::path(operation_id = "set_beneficiary_account", tag = "allowances",
    request_body = AccountRequest,
    params(("beneficiary_id" = Uuid, Path, description = "The beneficiary"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded", body = BeneficiaryView),
        (status = 404, description = "No such beneficiary", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown provider or invalid number", body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/beneficiaries/{beneficiary_id}/account")]
pub async fn set_beneficiary_account(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<BeneficiaryId>,
    body: ApiJson<AccountRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let account =
        PaymentAccount::parse(b.provider, &b.number).map_err(|e| ApiError::field_coded("number", "invalid_format", e))?;
    let done = pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("beneficiary.set_account", MANAGE),
        answer,
        move |conn, _, before: BeneficiaryRow| {
            let after = repo::set_account(conn, before.id, account.provider, &account.number, Utc::now())?;
            Outcome::with(after, serde_json::json!({"provider": account.provider.code()}))
        },
    )
    .await?;
    Ok(done.ok())
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reason": "Did not collect three instalments; verification pending"}))]
pub struct ReasonRequest {
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub reason: String,
}

fn set_status(
    conn: &mut PgConnection,
    before: &BeneficiaryRow,
    to: BeneficiaryStatus,
    exit: Option<BeneficiaryExit>,
) -> Result<BeneficiaryRow, ApiError> {
    change_beneficiary(before.status, to).map_err(|r| ApiError::from(r.refusal()))?;
    let today = domain::time::dhaka_date(Utc::now());
    let end = exit.map(|_| domain::time::first_of_month(today));
    Ok(repo::set_beneficiary_status(conn, before.id, to, exit, end, Utc::now())?)
}

/// Suspend payments (e.g. pending re-verification). Requires `If-Match`.
#[utoipa::path(operation_id = "suspend_beneficiary", tag = "allowances",
    request_body = ReasonRequest,
    params(("beneficiary_id" = Uuid, Path, description = "The beneficiary"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Suspended", body = BeneficiaryView),
        (status = 404, description = "No such beneficiary", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not active", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/beneficiaries/{beneficiary_id}/suspension")]
pub async fn suspend_beneficiary(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<BeneficiaryId>,
    body: ApiJson<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.0.reason;
    let done = pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("beneficiary.suspend", MANAGE),
        answer,
        move |conn, _, before: BeneficiaryRow| {
            Outcome::with(set_status(conn, &before, BeneficiaryStatus::Suspended, None)?, serde_json::json!({"reason": reason}))
        },
    )
    .await?;
    Ok(done.ok())
}

/// Resume a suspended beneficiary. Requires `If-Match`.
#[utoipa::path(operation_id = "resume_beneficiary", tag = "allowances",
    request_body = ReasonRequest,
    params(("beneficiary_id" = Uuid, Path, description = "The beneficiary"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Active again", body = BeneficiaryView),
        (status = 404, description = "No such beneficiary", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not suspended", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/beneficiaries/{beneficiary_id}/resumption")]
pub async fn resume_beneficiary(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<BeneficiaryId>,
    body: ApiJson<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.0.reason;
    let done = pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("beneficiary.resume", MANAGE),
        answer,
        move |conn, _, before: BeneficiaryRow| {
            Outcome::with(set_status(conn, &before, BeneficiaryStatus::Active, None)?, serde_json::json!({"reason": reason}))
        },
    )
    .await?;
    Ok(done.ok())
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reason": "died", "note": "Death certificate from the union parishad"}))]
pub struct BeneficiaryExitRequest {
    /// `died`, `no_longer_eligible` or `moved`.
    #[schema(value_type = crate::codes::BeneficiaryExitCode)]
    pub reason: BeneficiaryExit,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub note: Option<String>,
}

/// Remove a beneficiary from the programme; the place goes to the top of the waiting list in
/// the same transaction. Requires `If-Match`.
#[utoipa::path(operation_id = "exit_beneficiary", tag = "allowances",
    request_body = BeneficiaryExitRequest,
    params(("beneficiary_id" = Uuid, Path, description = "The beneficiary"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Exited (the audit row names the replacement, if any)", body = BeneficiaryView),
        (status = 404, description = "No such beneficiary", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already exited", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown reason", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/beneficiaries/{beneficiary_id}/exit")]
pub async fn exit_beneficiary(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<BeneficiaryId>,
    body: ApiJson<BeneficiaryExitRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let reason = b.reason;
    let done = pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("beneficiary.exit", MANAGE),
        answer,
        move |conn, cx, before: BeneficiaryRow| {
            let after = set_status(conn, &before, BeneficiaryStatus::Exited, Some(reason))?;
            let today = domain::time::dhaka_date(Utc::now());
            // Replacement: the highest-priority waitlisted applicant who can still be enrolled.
            let mut replacement = None;
            for candidate in repo::waiting_list(conn, &before.programme_code, before.upazila_id, 20)? {
                let Some(locked) = repo::find_application_for_update(conn, candidate.id)?
                    .filter(|a| a.status == domain::allowance::enrolment::ApplicationStatus::Waitlisted)
                else {
                    continue;
                };
                match admit(conn, cx.who, &locked, Some(format!("replacement for beneficiary {}", before.id)), today) {
                    Ok((_, Some(b))) => {
                        replacement = Some(b.id);
                        break;
                    }
                    Ok((_, None)) => break,                // still no place
                    Err(ApiError::Refused(_)) => continue, // e.g. now receives another exclusive allowance
                    Err(e) => return Err(e),
                }
            }
            Outcome::with(
                after,
                serde_json::json!({"reason": reason.code(), "note": b.note, "replacement_beneficiary_id": replacement}),
            )
        },
    )
    .await?;
    Ok(done.ok())
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"month": "2026-01-01", "school_attendance": true, "no_child_marriage": true, "no_child_labour": false}))]
pub struct ComplianceRequest {
    /// The first day of the month recorded.
    pub month: NaiveDate,
    /// Attended school regularly.
    pub school_attendance: bool,
    pub no_child_marriage: bool,
    pub no_child_labour: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"month": "2026-01-01", "school_attendance": true, "no_child_marriage": true, "no_child_labour": false, "breach": true,
    "held": true, "reviewed_at": null, "review_note": null}))]
pub struct ComplianceView {
    pub month: NaiveDate,
    pub school_attendance: bool,
    pub no_child_marriage: bool,
    pub no_child_labour: bool,
    pub breach: bool,
    /// A breach not yet reviewed: payment is held.
    pub held: bool,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"data": [{"month": "2026-01-01", "school_attendance": true, "no_child_marriage": true, "no_child_labour": true, "breach": false,
    "held": false, "reviewed_at": null, "review_note": null}]}))]
pub struct ComplianceList {
    pub data: Vec<ComplianceView>,
}

fn compliance_list(conn: &mut PgConnection, id: BeneficiaryId) -> Result<ComplianceList, ApiError> {
    Ok(ComplianceList {
        data: persistence::payments::compliance_of(conn, id)?
            .into_iter()
            .map(|k| ComplianceView {
                month: k.month,
                school_attendance: k.school_attendance,
                no_child_marriage: k.no_child_marriage,
                no_child_labour: k.no_child_labour,
                breach: k.breach,
                held: k.breach && k.reviewed_at.is_none(),
                reviewed_at: k.reviewed_at,
                review_note: k.review_note,
            })
            .collect(),
    })
}

/// Compliance is kept only for a conditional transfer's beneficiaries.
fn check_conditional(conn: &mut PgConnection, b: &BeneficiaryRow) -> Result<(), ApiError> {
    let conditional = persistence::programmes::all(conn)?.iter().any(|p| p.code == b.programme_code && p.conditional);
    if !conditional {
        return Err(ApiError::from(domain::rule::RuleRefusal {
            rule: "compliance.conditional_programme",
            class: domain::rule::RuleClass::Conflict,
            label: domain::Label::new(
                "Compliance is recorded only for conditional transfers",
                "শুধু শর্তযুক্ত নগদ সহায়তার জন্য শর্তপূরণ নথিভুক্ত হয়",
            ),
        }));
    }
    Ok(())
}

/// Record a month's compliance with the CCT conditions (school attendance, no child marriage,
/// no child labour). A breach holds the next instalment until reviewed.
#[utoipa::path(operation_id = "record_compliance", tag = "allowances",
    request_body = ComplianceRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back"), ("beneficiary_id" = Uuid, Path, description = "The beneficiary")), security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded; the beneficiary's compliance so far", body = ComplianceList),
        (status = 404, description = "No such beneficiary", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a conditional transfer, or the month is already recorded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not the first of a month, or in the future", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/beneficiaries/{beneficiary_id}/compliance")]
pub async fn record_compliance(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    path: web::Path<BeneficiaryId>,
    body: ApiJson<ComplianceRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    let today = domain::time::dhaka_date(Utc::now());
    if b.month.day() != 1 || b.month > today {
        return Err(ApiError::field_coded("month", "out_of_range", "give the first day of a month that has begun"));
    }
    let fingerprint = idempotency::fingerprint(&[
        "record_compliance",
        &id.to_string(),
        &b.month.to_string(),
        &format!("{:?}", (b.school_attendance, b.no_child_marriage, b.no_child_labour)),
    ]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let step = Step::new("beneficiary.record_compliance", Permission::ManageBeneficiaries);
        pipeline::under(conn, &who, id, step, |conn, cx, ben: &BeneficiaryRow| {
            check_conditional(conn, ben)?;
            let (school, marriage, labour) = (b.school_attendance, b.no_child_marriage, b.no_child_labour);
            let k = persistence::payments::record_compliance(conn, id, b.month, school, marriage, labour, cx.who.user_id)?
                .ok_or(domain::allowance::programme::COMPLIANCE_RECORDED)?;
            Ok(((), serde_json::json!({"month": k.month, "breach": k.breach})))
        })?;
        Ok(Created { location: Some(format!("/api/v1/beneficiaries/{id}")), etag: None, body: compliance_list(conn, id)? })
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"note": "Home visit: the child is back in school; payment resumes"}))]
pub struct ReviewRequest {
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub note: String,
}

/// A supervisor reviews a breach; payment is no longer held for it.
#[utoipa::path(operation_id = "review_compliance_breach", tag = "allowances",
    request_body = ReviewRequest,
    params(("beneficiary_id" = Uuid, Path, description = "The beneficiary"), ("month" = NaiveDate, Path, description = "The month of the breach")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reviewed; the beneficiary's compliance", body = ComplianceList),
        (status = 404, description = "No such beneficiary", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No unreviewed breach that month", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/beneficiaries/{beneficiary_id}/compliance/{month}/review")]
pub async fn review_compliance_breach(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(BeneficiaryId, NaiveDate)>,
    body: ApiJson<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let ((id, month), note) = (path.into_inner(), body.0.note);
    let list = transact(&state, move |conn| {
        let step = Step::new("beneficiary.review_breach", Permission::ApproveApplications);
        pipeline::under(conn, &who, id, step, |conn, cx, ben: &BeneficiaryRow| {
            check_conditional(conn, ben)?;
            if persistence::payments::review_breach(conn, id, month, cx.who.user_id, &note, Utc::now())? == 0 {
                return Err(domain::allowance::programme::NO_BREACH_TO_REVIEW.into());
            }
            // (The note stays with the review, not in the audit trail: it is text about a child.)
            Ok(((), serde_json::json!({"month": month})))
        })?;
        compliance_list(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}
