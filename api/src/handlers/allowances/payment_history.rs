//! "I was not paid": one beneficiary's payments, newest first, and what falls due next. A
//! capitation orphanage's the same, by cycle (its bank account receives its orphans' payments).

use actix_web::get;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Permission;
use domain::allowance::history::{amount_due, mask_account, next_due, Due, DueFacts};
use domain::id::{BeneficiaryId, PaymentId};
use persistence::enrolment as repo;
use persistence::payments::{self, HistoryRow};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::area;
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::pagination::{decode_cursor, encode_cursor, limit};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::transact;
use crate::views::LabelView;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-0000-7000-8000-0000000000f1", "cycle_id": "01936f5e-0000-7000-8000-0000000000c1",
    "cycle_status": "reconciled", "cycle_status_label": {"en": "Reconciled", "bn": "সমন্বিত"}, "period_start": "2026-07-01", "period_end": "2026-09-30", "months": 3, "amount_taka": 1950,
    "status": "failed", "status_label": {"en": "Failed, to be carried into the next cycle", "bn": "ব্যর্থ, পরবর্তী চক্রে যুক্ত হবে"},
    "provider": "bkash", "account_masked": "••••••••678", "provider_reference": null, "failure_reason": "wallet closed",
    "settled_at": "2026-10-05T06:00:00Z", "carried_from": null, "carried_into": null
}))]
pub struct PaymentEntryView {
    pub id: Uuid,
    pub cycle_id: Uuid,
    #[schema(value_type = crate::codes::CycleStatusCode)]
    pub cycle_status: String,
    pub cycle_status_label: LabelView,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub months: i32,
    pub amount_taka: i64,
    #[schema(value_type = crate::codes::PaymentStatusCode)]
    pub status: String,
    pub status_label: LabelView,
    #[schema(value_type = crate::codes::PaymentProviderCode)]
    pub provider: String,
    /// The account paid into, all but its last three digits hidden.
    pub account_masked: String,
    /// The provider's transaction reference, once paid.
    pub provider_reference: Option<String>,
    /// Why the provider could not pay (a failed or carried payment).
    pub failure_reason: Option<String>,
    pub settled_at: Option<DateTime<Utc>>,
    /// The failed payment this one re-issues.
    pub carried_from: Option<Uuid>,
    /// The later payment that re-issued this failed one.
    pub carried_into: Option<Uuid>,
}

impl From<&HistoryRow> for PaymentEntryView {
    fn from(p: &HistoryRow) -> Self {
        PaymentEntryView {
            id: p.id.0,
            cycle_id: p.cycle_id.0,
            cycle_status: p.cycle_status.code().into(),
            cycle_status_label: p.cycle_status.label().into(),
            period_start: p.period_start,
            period_end: p.period_end,
            months: p.months,
            amount_taka: p.amount_taka,
            status: p.status.code().into(),
            status_label: p.status.label().into(),
            provider: p.provider.code().into(),
            account_masked: mask_account(&p.account_number),
            provider_reference: p.provider_reference.clone(),
            failure_reason: p.failure_reason.clone(),
            settled_at: p.settled_at,
            carried_from: p.carried_from.map(|c| c.0),
            carried_into: p.carried_into.map(|c| c.0),
        }
    }
}

/// The next period of the programme's calendar that no payment covers yet.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"period_start": "2026-10-01", "period_end": "2026-12-31", "months": 3, "amount_taka": 1950}))]
pub struct DueView {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Months of the period this beneficiary is paid for.
    pub months: u32,
    /// At the rates in force month by month; null when a month has no rate yet.
    pub amount_taka: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "beneficiary_id": "01936f5e-0000-7000-8000-0000000000b1", "programme": "old_age",
    "next_due": {"period_start": "2026-10-01", "period_end": "2026-12-31", "months": 3, "amount_taka": 1950},
    "awaiting_carry_over_taka": 1950, "data": [], "next_cursor": null
}))]
pub struct PaymentHistory {
    pub beneficiary_id: Uuid,
    #[schema(value_type = crate::codes::ProgrammeCode)]
    pub programme: String,
    /// Null while the beneficiary is suspended or exited, or the enrolment has run out.
    pub next_due: Option<DueView>,
    /// Failed payments not yet re-issued: the programme's next cycle carries them.
    pub awaiting_carry_over_taka: i64,
    pub data: Vec<PaymentEntryView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

fn due(conn: &mut PgConnection, b: &persistence::enrolment::BeneficiaryRow) -> Result<(Option<DueView>, i64), ApiError> {
    let today = domain::time::dhaka_date(Utc::now());
    let covered = payments::coverage(conn, b.id, &b.programme_code)?;
    let Some(programme) = persistence::programmes::in_force(conn, today)?.into_iter().find(|p| p.code == b.programme_code) else {
        return Ok((None, covered.awaiting_carry_over_taka));
    };
    let pay_ends_on = match programme.pay_until_age {
        Some(_) => persistence::persons::find(conn, b.person_id)?.and_then(|p| programme.pay_ends_on(p.date_of_birth)),
        None => None,
    };
    let facts = DueFacts {
        status: b.status,
        start_month: b.start_month,
        end_month: b.end_month,
        frequency: programme.payment_frequency,
        duration_months: programme.duration_months,
        months_in_payments: u32::try_from(covered.months).unwrap_or(u32::MAX),
        covered_until: covered.covered_until,
        pay_ends_on,
        calendar_anchor: covered.calendar_anchor,
    };
    let view = next_due(&facts).map(|d: Due| DueView {
        period_start: d.period_start,
        period_end: d.period_end,
        months: d.months,
        amount_taka: amount_due(&programme, &d, b.education_level),
    });
    Ok((view, covered.awaiting_carry_over_taka))
}

/// A beneficiary's payments, newest period first: each with its cycle, amount, status, the
/// provider and the account (masked), the provider's reference or failure reason, and the
/// payment that re-issued it; and what falls due next. Read with the beneficiary's scope, and
/// on record in the audit trail.
#[utoipa::path(operation_id = "get_beneficiary_payments", tag = "allowances",
    params(("beneficiary_id" = Uuid, Path, description = "The beneficiary"), HistoryQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the beneficiary's payments", body = PaymentHistory),
        (status = 403, description = "Outside your area", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such beneficiary", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/beneficiaries/{beneficiary_id}/payments")]
pub async fn get_beneficiary_payments(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<BeneficiaryId>,
    q: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let q = q.into_inner();
    let (limit, after) = (limit(q.limit)?, decode_cursor::<(NaiveDate, PaymentId)>(q.cursor.as_deref())?);
    let answer = transact(&state, move |conn| {
        let b = repo::find_beneficiary(conn, id)?.ok_or(ApiError::NotFound("beneficiary"))?;
        require(conn, &who, Permission::ReadAllowances, &area(b.division_id, b.district_id, b.upazila_id))?;
        let page = payments::history(conn, b.id, &b.programme_code, after, limit)?;
        let asked = serde_json::json!({"beneficiary_id": b.id.0, "cursor": q.cursor});
        who.audit_list(conn, "payment", &asked, page.rows.iter().map(|p| p.id.0))?;
        let (next_due, awaiting_carry_over_taka) = due(conn, &b)?;
        Ok(PaymentHistory {
            beneficiary_id: b.id.0,
            programme: b.programme_code.clone(),
            next_due,
            awaiting_carry_over_taka,
            data: page.rows.iter().map(PaymentEntryView::from).collect(),
            next_cursor: page.next.as_ref().map(encode_cursor),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// One payment cycle of an orphanage's capitation grant: its orphans' payments.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"cycle_id": "01936f5e-0000-7000-8000-0000000000c1", "cycle_status": "reconciled",
    "cycle_status_label": {"en": "Reconciled", "bn": "সমন্বিত"},
    "period_start": "2026-07-01", "period_end": "2026-09-30", "payments": 50, "amount_taka": 300000,
    "paid": 49, "paid_taka": 294000, "pending": 0, "failed": 1, "failed_taka": 6000}))]
pub struct OrphanageCycleView {
    pub cycle_id: Uuid,
    #[schema(value_type = crate::codes::CycleStatusCode)]
    pub cycle_status: String,
    pub cycle_status_label: LabelView,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub payments: i64,
    pub amount_taka: i64,
    pub paid: i64,
    pub paid_taka: i64,
    pub pending: i64,
    /// Failed, whether or not re-issued since.
    pub failed: i64,
    pub failed_taka: i64,
}

/// The next capitation period and what it pays the orphanage.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"period_start": "2026-10-01", "period_end": "2026-12-31", "orphans": 48, "amount_taka": 288000}))]
pub struct OrphanageDueView {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Listed orphans paid for in it: active, present at the last inspection, under 18.
    pub orphans: usize,
    pub amount_taka: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"organisation_id": "01936f5e-0000-7000-8000-00000000e001",
    "next_due": {"period_start": "2026-10-01", "period_end": "2026-12-31", "orphans": 48, "amount_taka": 288000},
    "data": [], "next_cursor": null}))]
pub struct OrphanagePaymentHistory {
    pub organisation_id: Uuid,
    pub next_due: Option<OrphanageDueView>,
    pub data: Vec<OrphanageCycleView>,
    pub next_cursor: Option<String>,
}

fn orphanage_due(
    conn: &mut PgConnection,
    org: domain::id::VoluntaryOrganisationId,
) -> Result<Option<OrphanageDueView>, ApiError> {
    let today = domain::time::dhaka_date(Utc::now());
    let Some(grant) = persistence::programmes::in_force(conn, today)?
        .into_iter()
        .find(|p| p.code == domain::allowance::seeds::ORPHANAGE_CAPITATION)
    else {
        return Ok(None);
    };
    let anchor = payments::calendar_anchor(conn, &grant.code)?;
    let mut dues: Vec<Due> = vec![];
    for o in payments::orphans_due(conn, org)? {
        if o.absent {
            continue;
        }
        let facts = DueFacts {
            status: o.status,
            start_month: o.start_month,
            end_month: o.end_month,
            frequency: grant.payment_frequency,
            duration_months: None,
            months_in_payments: 0,
            covered_until: o.covered_until,
            pay_ends_on: grant.pay_ends_on(o.date_of_birth),
            calendar_anchor: anchor,
        };
        dues.extend(next_due(&facts));
    }
    // The earliest period any orphan is due in is the orphanage's next payment.
    let Some(first) = dues.iter().map(|d| d.period_start).min() else { return Ok(None) };
    let due_then: Vec<&Due> = dues.iter().filter(|d| d.period_start == first).collect();
    let amount = due_then.iter().try_fold(0i64, |sum, d| amount_due(&grant, d, None).and_then(|a| sum.checked_add(a)));
    Ok(due_then.first().map(|d| OrphanageDueView {
        period_start: d.period_start,
        period_end: d.period_end,
        orphans: due_then.len(),
        amount_taka: amount,
    }))
}

/// A capitation orphanage's grant payments by cycle, newest period first (the payments of the
/// orphans listed there), and what falls due next. On record in the audit trail.
#[utoipa::path(operation_id = "get_orphanage_payments", tag = "voluntary_organisations",
    params(("organisation_id" = Uuid, Path, description = "The orphanage"), HistoryQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the orphanage's payment cycles", body = OrphanagePaymentHistory),
        (status = 403, description = "Outside your area", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/voluntary-organisations/{organisation_id}/capitation/payments")]
pub async fn get_orphanage_payments(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<domain::id::VoluntaryOrganisationId>,
    q: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let q = q.into_inner();
    let (limit, after) = (limit(q.limit)?, decode_cursor::<(NaiveDate, domain::id::PaymentCycleId)>(q.cursor.as_deref())?);
    let answer = transact(&state, move |conn| {
        let o = persistence::voluntary::find(conn, id)?.ok_or(ApiError::NotFound("voluntary organisation"))?;
        let subject = crate::handlers::microcredit::office(o.division_id, o.district_id, o.upazila_id);
        require(conn, &who, Permission::ReadVoluntaryOrganisations, &subject)?;
        let page = payments::orphanage_history(conn, id, after, limit)?;
        let asked = serde_json::json!({"organisation_id": id.0, "cursor": q.cursor});
        who.audit_list(conn, "payment_cycle", &asked, page.rows.iter().map(|c| c.cycle_id.0))?;
        Ok(OrphanagePaymentHistory {
            organisation_id: id.0,
            next_due: orphanage_due(conn, id)?,
            data: page
                .rows
                .iter()
                .map(|c| OrphanageCycleView {
                    cycle_id: c.cycle_id.0,
                    cycle_status: c.cycle_status.code().into(),
                    cycle_status_label: c.cycle_status.label().into(),
                    period_start: c.period_start,
                    period_end: c.period_end,
                    payments: c.payments,
                    amount_taka: c.amount_taka,
                    paid: c.paid,
                    paid_taka: c.paid_taka,
                    pending: c.pending,
                    failed: c.failed,
                    failed_taka: c.failed_taka,
                })
                .collect(),
            next_cursor: page.next.as_ref().map(encode_cursor),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(answer))
}
