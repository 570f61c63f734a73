//! Loans: application, the committee's decisions, disbursement from a fund, and write-off.

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Permission;
use domain::id::{LoanFundId, LoanId, PersonId, WorkGroupId};
use domain::microcredit::arrears::{days_past_due, ArrearsBucket};
use domain::microcredit::loan::{self as rules, DisbursementMethod, LoanStatus};
use domain::microcredit::programme::MicrocreditProgramme;
use domain::microcredit::schedule::service_charge;
use domain::person::Sex;
use persistence::microcredit::{self as repo, Disbursement, LoanFilter, LoanRow, NewEntry, NewLoan};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{office, today};
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

/// One instalment of the schedule, with what has been paid.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"no": 1, "due_on": "2026-09-01", "principal_taka": 1000, "charge_taka": 100, "paid_principal_taka": 1000, "paid_charge_taka": 100}))]
pub struct InstalmentView {
    pub no: i32,
    pub due_on: NaiveDate,
    pub principal_taka: i64,
    pub charge_taka: i64,
    pub paid_principal_taka: i64,
    pub paid_charge_taka: i64,
}

/// One repayment.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000c001", "reference": "R-1042", "paid_on": "2026-09-01",
    "amount_taka": 1100, "principal_taka": 1000, "charge_taka": 100, "method": "cash"}))]
pub struct RepaymentView {
    pub id: Uuid,
    pub reference: String,
    pub paid_on: NaiveDate,
    pub amount_taka: i64,
    pub principal_taka: i64,
    pub charge_taka: i64,
    #[schema(value_type = crate::codes::RepaymentMethodCode)]
    pub method: domain::microcredit::loan::RepaymentMethod,
}

/// A write-off request and its decision.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000d001", "reason": "Borrower died; family cannot repay",
    "requested_by": "01936f5e-0000-7000-8000-000000000001", "requested_on": "2027-03-01", "decided_by": "01936f5e-0000-7000-8000-000000000002",
    "decided_on": "2027-03-04", "approved": true, "principal_written_off_taka": 7000, "charge_forgone_taka": 700}))]
pub struct WriteOffView {
    pub id: Uuid,
    pub reason: String,
    pub requested_by: Uuid,
    pub requested_on: NaiveDate,
    pub decided_by: Option<Uuid>,
    pub decided_on: Option<NaiveDate>,
    /// `null` while it awaits a decision.
    pub approved: Option<bool>,
    /// Once approved: the outstanding principal that left the fund as written off.
    pub principal_written_off_taka: Option<i64>,
    /// Once approved: the service charge still unpaid, which will never be collected.
    pub charge_forgone_taka: Option<i64>,
}

/// A loan: the application, its decision, the disbursement, what is repaid and outstanding,
/// and its arrears today. Reading one loan also gives its schedule, repayments and
/// write-offs.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000b001", "loan_number": "MC-2026-000042", "programme": "rss",
    "programme_label": {"en": "Rural social services (RSS)", "bn": "পল্লী সমাজসেবা কার্যক্রম (আরএসএস)"},
    "person_id": "01936f5e-0000-7000-8000-0000000000a1", "group_id": "01936f5e-0000-7000-8000-00000000a001", "fund_id": "01936f5e-0000-7000-8000-00000000f001",
    "division_id": 6, "district_id": 47, "upazila_id": 400, "sex": "female", "cycle": 1, "principal_taka": 10000, "charge_percent": 10,
    "charge_taka": 1000, "purpose": "Two goats", "status": "active", "status_label": {"en": "Disbursed, being repaid", "bn": "বিতরণকৃত, আদায় চলছে"},
    "applied_on": "2026-07-01", "meeting_id": "01936f5e-0000-7000-8000-00000000e101", "disbursed_on": "2026-07-10", "disbursement_method": "mobile_money",
    "disbursement_reference": "BKX8812", "from_capital_taka": 10000, "from_recoveries_taka": 0, "principal_repaid_taka": 1000, "charge_repaid_taka": 100,
    "written_off_taka": 0, "outstanding_principal_taka": 9000, "outstanding_charge_taka": 900, "outstanding_total_taka": 9900, "oldest_due_on": "2026-10-12", "days_past_due": 0, "arrears_bucket": "current",
    "closed_on": null, "version": 4, "created_at": "2026-07-01T04:00:00Z"}))]
pub struct LoanView {
    pub id: Uuid,
    pub loan_number: String,
    #[schema(value_type = crate::codes::MicrocreditProgrammeCode)]
    pub programme: MicrocreditProgramme,
    pub programme_label: LabelView,
    pub person_id: Uuid,
    pub group_id: Uuid,
    pub fund_id: Uuid,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[schema(value_type = crate::codes::SexCode)]
    pub sex: Sex,
    /// 1 for a first loan in the programme, 2 for the next, ...
    pub cycle: i32,
    pub principal_taka: i64,
    pub charge_percent: i32,
    pub charge_taka: i64,
    pub purpose: String,
    #[schema(value_type = crate::codes::LoanStatusCode)]
    pub status: LoanStatus,
    pub status_label: LabelView,
    pub applied_on: NaiveDate,
    /// The committee meeting that decided the application.
    pub meeting_id: Option<Uuid>,
    pub disbursed_on: Option<NaiveDate>,
    #[schema(value_type = Option<crate::codes::DisbursementMethodCode>)]
    pub disbursement_method: Option<DisbursementMethod>,
    pub disbursement_reference: Option<String>,
    pub from_capital_taka: i64,
    pub from_recoveries_taka: i64,
    pub principal_repaid_taka: i64,
    pub charge_repaid_taka: i64,
    pub written_off_taka: i64,
    /// Principal still to pay (what the fund reports and portfolio at risk count).
    pub outstanding_principal_taka: i64,
    /// Service charge still to pay.
    pub outstanding_charge_taka: i64,
    /// Principal and service charge still to pay: what the borrower owes.
    pub outstanding_total_taka: i64,
    /// The due date of the oldest instalment with anything unpaid.
    pub oldest_due_on: Option<NaiveDate>,
    pub days_past_due: i64,
    #[schema(value_type = crate::codes::ArrearsBucketCode)]
    pub arrears_bucket: ArrearsBucket,
    pub closed_on: Option<NaiveDate>,
    /// The `ETag` value.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Vec<InstalmentView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repayments: Option<Vec<RepaymentView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_offs: Option<Vec<WriteOffView>>,
}

pub(crate) fn loan_view(l: &LoanRow) -> LoanView {
    let dpd = if l.status == LoanStatus::Active { days_past_due(l.oldest_due_on, today()) } else { 0 };
    // Nothing is owed before the money is paid out, nor after a write-off.
    let owed = if l.status == LoanStatus::Active { (l.outstanding_principal(), l.outstanding_charge()) } else { (0, 0) };
    LoanView {
        id: l.id.0,
        loan_number: l.loan_number.clone(),
        programme: l.programme,
        programme_label: l.programme.label().into(),
        person_id: l.person_id.0,
        group_id: l.group_id.0,
        fund_id: l.fund_id.0,
        division_id: l.division_id,
        district_id: l.district_id,
        upazila_id: l.upazila_id,
        sex: l.sex,
        cycle: l.cycle,
        principal_taka: l.principal,
        charge_percent: l.charge_percent,
        charge_taka: l.charge,
        purpose: l.purpose.clone(),
        status: l.status,
        status_label: l.status.label().into(),
        applied_on: l.applied_on,
        meeting_id: l.meeting_id.map(Uuid::from),
        disbursed_on: l.disbursed_on,
        disbursement_method: l.disbursement_method,
        disbursement_reference: l.disbursement_reference.clone(),
        from_capital_taka: l.from_capital,
        from_recoveries_taka: l.from_recoveries,
        principal_repaid_taka: l.principal_repaid,
        charge_repaid_taka: l.charge_repaid,
        written_off_taka: l.written_off,
        outstanding_principal_taka: owed.0,
        outstanding_charge_taka: owed.1,
        outstanding_total_taka: owed.0 + owed.1,
        oldest_due_on: l.oldest_due_on,
        days_past_due: dpd,
        arrears_bucket: ArrearsBucket::of(dpd),
        closed_on: l.closed_on,
        version: l.version,
        created_at: l.created_at,
        schedule: None,
        repayments: None,
        write_offs: None,
    }
}

/// The loan with its schedule, repayments and write-offs.
pub(crate) fn loan_detail(conn: &mut PgConnection, l: &LoanRow) -> Result<LoanView, ApiError> {
    let mut v = loan_view(l);
    v.schedule = Some(
        repo::instalments_of(conn, &[l.id])?
            .into_iter()
            .map(|i| InstalmentView {
                no: i.no,
                due_on: i.due_on,
                principal_taka: i.principal,
                charge_taka: i.charge,
                paid_principal_taka: i.paid_principal,
                paid_charge_taka: i.paid_charge,
            })
            .collect(),
    );
    v.repayments = Some(
        repo::repayments_of(conn, l.id)?
            .into_iter()
            .map(|r| RepaymentView {
                id: r.id.0,
                reference: r.reference,
                paid_on: r.paid_on,
                amount_taka: r.amount,
                principal_taka: r.principal,
                charge_taka: r.charge,
                method: r.method,
            })
            .collect(),
    );
    v.write_offs = Some(
        repo::write_offs_of(conn, l.id)?
            .into_iter()
            .map(|w| WriteOffView {
                id: w.id.0,
                reason: w.reason,
                requested_by: w.requested_by.0,
                requested_on: w.requested_on,
                decided_by: w.decided_by.map(Uuid::from),
                decided_on: w.decided_on,
                approved: w.approved,
                principal_written_off_taka: w.principal_written_off,
                charge_forgone_taka: w.charge_forgone,
            })
            .collect(),
    );
    Ok(v)
}

/// A loan application (the scheme form and agreement).
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"group_id": "01936f5e-0000-7000-8000-00000000a001", "person_id": "01936f5e-0000-7000-8000-0000000000a1",
    "fund_id": "01936f5e-0000-7000-8000-00000000f001", "principal_taka": 10000, "purpose": "Two goats", "applied_on": "2026-07-01"}))]
pub struct LoanApplicationRequest {
    pub group_id: Uuid,
    pub person_id: Uuid,
    /// The fund it would be lent from (of the group's office and programme).
    pub fund_id: Uuid,
    #[validate(range(min = 1, max = 10000000))]
    #[schema(minimum = 1, maximum = 10000000)]
    pub principal_taka: i64,
    /// The scheme: what the loan is for.
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub purpose: String,
    pub applied_on: NaiveDate,
}

/// Take a loan application from a member of a work group. The amount must be within the
/// programme's limits (a first loan's ceiling is lower); a person may have one open loan
/// across the programmes, and a repeat loan follows a repaid one of any programme. The
/// application is dated on or after the group was formed and she joined it. The burn and
/// disability rehabilitation programme lends to those a hospital burn record or the
/// disability register shows (`microcredit-rehabilitation-eligibility`). Send `Idempotency-Key`.
#[utoipa::path(operation_id = "apply_for_loan", tag = "microcredit", request_body = LoanApplicationRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Applied; `Location` and `ETag` set", body = LoanView),
        (status = 409, description = "An open loan already (`microcredit-one-open-loan`) or an earlier loan written off", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a member of the group, another office's fund, an amount outside the limits, a date before the group or her joining, or no record for the rehabilitation programme", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/microcredit/loans")]
pub async fn apply_for_loan(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<LoanApplicationRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let fingerprint = idempotency::fingerprint(&["apply_for_loan", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let g = repo::find_group(conn, WorkGroupId(b.group_id))?
            .ok_or_else(|| ApiError::field_coded("group_id", "not_found", "no such work group"))?;
        let actor = require(conn, &who, Permission::ManageMicrocredit, &office(g.division_id, g.district_id, g.upazila_id))?;
        let person = persistence::persons::find_visible(conn, actor.scope, who.user_id, PersonId(b.person_id))?
            .ok_or_else(|| ApiError::field_coded("person_id", "not_found", "no such person (or not one you may see)"))?;
        let joined_on = repo::joined_on(conn, g.id, person.id)?
            .ok_or_else(|| ApiError::field("person_id", "is not a member of the work group"))?;
        let days = rules::MembershipDays { group_formed_on: g.formed_on, joined_on };
        rules::check_application_day(b.applied_on, days, today())?;
        let fund = repo::find_fund(conn, LoanFundId(b.fund_id))?
            .ok_or_else(|| ApiError::field_coded("fund_id", "not_found", "no such fund"))?;
        if fund.upazila_id != g.upazila_id || fund.programme != g.programme {
            return Err(ApiError::field("fund_id", "is not a fund of the group's office and programme"));
        }
        rules::check_rehabilitation(g.programme, repo::rehabilitation_evidence(conn, person.id)?)?;
        let history = repo::borrower_history(conn, person.id)?;
        let cycle = rules::check_application(g.programme, b.principal_taka, history)?;
        let terms = g.programme.terms();
        let new = NewLoan {
            id: LoanId(Uuid::now_v7()),
            programme: g.programme,
            person_id: person.id,
            group_id: g.id,
            fund_id: fund.id,
            area: repo::Area { division_id: g.division_id, district_id: g.district_id, upazila_id: g.upazila_id },
            sex: person.sex,
            cycle: cycle as i32,
            principal: b.principal_taka,
            charge_percent: terms.charge_percent as i32,
            charge: service_charge(b.principal_taka, terms.charge_percent),
            purpose: b.purpose.trim(),
            applied_on: b.applied_on,
            created_by: who.user_id,
        };
        // A concurrent application for the same person won the race: the same refusal as
        // had it been seen first.
        let open = rules::BorrowerHistory { open_loans: 1, ..history };
        let loan = match repo::insert_loan(conn, &new)? {
            Some(loan) => loan,
            None => {
                return Err(rules::check_application(g.programme, b.principal_taka, open)
                    .err()
                    .map_or_else(|| ApiError::internal("an open loan was not refused"), ApiError::from))
            }
        };
        pipeline::audit_created(
            conn,
            &who,
            "loan.apply",
            loan.id,
            &loan,
            serde_json::json!({"principal": loan.principal, "cycle": loan.cycle}),
        )?;
        Ok(Created {
            location: Some(format!("/api/v1/microcredit/loans/{}", loan.id)),
            etag: Some(etag(loan.version)),
            body: loan_view(&loan),
        })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoanQuery {
    #[param(value_type = Option<crate::codes::LoanStatusCode>)]
    pub status: Option<String>,
    #[param(value_type = Option<crate::codes::MicrocreditProgrammeCode>)]
    pub programme: Option<String>,
    pub person_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub fund_id: Option<Uuid>,
    pub upazila_id: Option<i32>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// The loans within your scope.
#[utoipa::path(operation_id = "list_loans", tag = "microcredit", params(LoanQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of loans", body = ListPage<LoanView>),
        (status = 422, description = "An unknown status or programme", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/microcredit/loans")]
pub async fn list_loans(state: web::Data<AppState>, who: Principal, q: web::Query<LoanQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    // (What was asked, for the audit row: a list of personal data is a read on record.)
    let asked = serde_json::to_value(&q).map_err(ApiError::internal)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let filter = LoanFilter {
        status: crate::codes::check_filter("status", &q.status, LoanStatus::parse)?,
        programme: crate::codes::check_filter("programme", &q.programme, MicrocreditProgramme::parse)?,
        person_id: q.person_id.map(PersonId),
        group_id: q.group_id.map(WorkGroupId),
        fund_id: q.fund_id.map(LoanFundId),
        upazila_id: q.upazila_id,
    };
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadMicrocredit, &own)?;
        let page = repo::list_loans(conn, actor.scope, &filter, after, limit)?;
        who.audit_list(conn, "loan", &asked, page.rows.iter().map(|r| r.id))?;
        Ok(page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |l| loan_view(&l))))
}

/// One loan with its schedule, repayments and write-offs: the loan statement.
#[utoipa::path(operation_id = "get_loan", tag = "microcredit",
    params(("loan_id" = Uuid, Path, description = "The loan")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The loan; `ETag` set", body = LoanView),
        (status = 404, description = "No such loan", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/microcredit/loans/{loan_id}")]
pub async fn get_loan(state: web::Data<AppState>, who: Principal, path: web::Path<LoanId>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = read(&state, move |conn| {
        let l = repo::find_loan(conn, id)?.ok_or(ApiError::NotFound("loan"))?;
        require(conn, &who, Permission::ReadMicrocredit, &office(l.division_id, l.district_id, l.upazila_id))?;
        loan_detail(conn, &l)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(view.version))).json(view))
}

/// One decision of a meeting.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"loan_id": "01936f5e-0000-7000-8000-00000000b001", "approve": true}))]
pub struct DecisionInput {
    pub loan_id: Uuid,
    pub approve: bool,
}

/// A meeting of the project implementation committee and its decisions.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"upazila_id": 1, "held_on": "2026-07-05", "minutes_reference": "PIC/2026/07", "note": "Chaired by the UNO",
    "decisions": [{"loan_id": "01936f5e-0000-7000-8000-00000000b001", "approve": true}]}))]
pub struct MeetingRequest {
    pub upazila_id: i32,
    pub held_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub minutes_reference: String,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub note: Option<String>,
    #[validate(length(min = 1, max = 500), nested)]
    #[schema(min_items = 1, max_items = 500)]
    pub decisions: Vec<DecisionInput>,
}

/// A recorded meeting.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000e101", "upazila_id": 400, "held_on": "2026-07-05", "minutes_reference": "PIC/2026/07",
    "approved": 12, "rejected": 1}))]
pub struct MeetingView {
    pub id: Uuid,
    pub upazila_id: i32,
    pub held_on: NaiveDate,
    pub minutes_reference: String,
    pub approved: usize,
    pub rejected: usize,
}

/// Record a committee meeting and its decisions on the office's applications, all or
/// nothing: each application is decided once, after it was made. Send `Idempotency-Key`.
#[utoipa::path(operation_id = "record_committee_meeting", tag = "microcredit", request_body = MeetingRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = MeetingView),
        (status = 409, description = "An application was already decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An application of another office, or twice in the list", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/microcredit/committee-meetings")]
pub async fn record_committee_meeting(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<MeetingRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    rules::check_day(b.held_on, NaiveDate::MIN, today())?;
    let fingerprint =
        idempotency::fingerprint(&["record_committee_meeting", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let area = super::upazila_area(conn, b.upazila_id, "upazila_id")?;
        require(conn, &who, Permission::DecideMicrocredit, &super::area_subject(area))?;
        let ids: Vec<LoanId> = b.decisions.iter().map(|d| LoanId(d.loan_id)).collect();
        let locked = repo::loans_for_update(conn, &ids)?;
        let mut decisions = vec![];
        for (i, d) in b.decisions.iter().enumerate() {
            let field = format!("decisions[{i}].loan_id");
            if b.decisions[..i].iter().any(|e| e.loan_id == d.loan_id) {
                return Err(ApiError::field(&field, "appears twice"));
            }
            let loan = locked
                .iter()
                .find(|l| l.id.0 == d.loan_id && l.upazila_id == b.upazila_id)
                .ok_or_else(|| ApiError::field_coded(&field, "not_found", "no such application at this office"))?;
            rules::may_decide(loan.status)?;
            rules::check_day(b.held_on, loan.applied_on, today())?;
            decisions.push((loan.id, if d.approve { LoanStatus::Approved } else { LoanStatus::Rejected }));
        }
        let meeting = repo::record_meeting(conn, area, b.held_on, b.minutes_reference.trim(), b.note.as_deref(), &decisions, who.user_id)?;
        let approved = decisions.iter().filter(|(_, s)| *s == LoanStatus::Approved).count();
        who.audit(
            conn,
            "loan.committee_meeting",
            "committee_meeting",
            meeting.id,
            None,
            Some(serde_json::json!({"minutes_reference": meeting.minutes_reference,
                "decisions": decisions.iter().map(|(id, s)| serde_json::json!({"loan_id": id, "status": s.code()})).collect::<Vec<_>>()})),
        )?;
        Ok(Created {
            location: None,
            etag: None,
            body: MeetingView {
                id: meeting.id.0,
                upazila_id: meeting.upazila_id,
                held_on: meeting.held_on,
                minutes_reference: meeting.minutes_reference,
                approved,
                rejected: decisions.len() - approved,
            },
        })
    })
    .await
}

/// A disbursement.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"disbursed_on": "2026-07-10", "method": "mobile_money", "reference": "BKX8812"}))]
pub struct DisbursementRequest {
    pub disbursed_on: NaiveDate,
    #[schema(value_type = crate::codes::DisbursementMethodCode)]
    pub method: DisbursementMethod,
    /// The mobile-money transaction id, or the cash receipt number.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub reference: String,
}

/// Disburse an approved loan from its fund: recovered principal first, then capital; refused
/// when the fund's balance would go negative (`fund-balance`). The schedule is made now.
/// Requires `If-Match`.
#[utoipa::path(operation_id = "disburse_loan", tag = "microcredit", request_body = DisbursementRequest,
    params(("loan_id" = Uuid, Path, description = "The loan"), ("If-Match" = String, Header, description = "The loan's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Disbursed; the loan with its schedule and new `ETag`", body = LoanView),
        (status = 404, description = "No such loan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved, or the fund cannot cover it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Dated in the future or before the committee approved it (`microcredit-disbursed-before-approval`)", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/microcredit/loans/{loan_id}/disbursement")]
pub async fn disburse_loan(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<LoanId>,
    body: ApiJson<DisbursementRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    let step = Step::new("loan.disburse", Permission::ManageMicrocredit);
    let done = pipeline::change(&req, &state, who, id, step, answer, move |conn, cx, l: LoanRow| {
        let fund = repo::find_fund_for_update(conn, l.fund_id)?.ok_or(ApiError::NotFound("loan fund"))?;
        // The committee's meeting dates the approval (an application not yet decided has
        // none; the status refuses it first).
        let approved_on = match l.meeting_id {
            Some(m) => repo::find_meeting(conn, m)?.ok_or(ApiError::NotFound("committee meeting"))?.held_on,
            None => l.applied_on,
        };
        let facts =
            rules::LoanFacts { status: l.status, programme: l.programme, principal: l.principal, charge: l.charge, approved_on };
        let plan = rules::plan_disbursement(facts, fund.position(), b.disbursed_on, today())?;
        let reference = b.reference.trim();
        let entries: Vec<NewEntry> = plan
            .entries
            .iter()
            .map(|&(kind, amount)| NewEntry {
                kind,
                amount,
                on_date: b.disbursed_on,
                loan_id: Some(l.id),
                reference: Some(reference),
            })
            .collect();
        repo::record_entries(conn, fund.id, &entries, cx.who.user_id)?;
        let after = repo::disburse(
            conn,
            id,
            &Disbursement {
                on: b.disbursed_on,
                method: b.method,
                reference,
                from_capital: plan.from_capital,
                from_recoveries: plan.from_recoveries,
                schedule: &plan.schedule,
            },
        )?;
        Outcome::with(after, serde_json::json!({"from_capital": plan.from_capital, "from_recoveries": plan.from_recoveries}))
    })
    .await?;
    Ok(done.ok())
}

/// A write-off request.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reason": "Borrower died; the family cannot repay"}))]
pub struct WriteOffRequest {
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub reason: String,
}

/// Ask for the loan's outstanding principal to be written off, with a reason; another officer
/// decides. Requires `If-Match`.
#[utoipa::path(operation_id = "request_write_off", tag = "microcredit", request_body = WriteOffRequest,
    params(("loan_id" = Uuid, Path, description = "The loan"), ("If-Match" = String, Header, description = "The loan's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Requested; the loan with its new `ETag`", body = LoanView),
        (status = 404, description = "No such loan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not an active loan, or a request already waits", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/microcredit/loans/{loan_id}/write-off-request")]
pub async fn request_write_off(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<LoanId>,
    body: ApiJson<WriteOffRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    let step = Step::new("loan.request_write_off", Permission::ManageMicrocredit);
    let done = pipeline::change(&req, &state, who, id, step, answer, move |conn, cx, l: LoanRow| {
        let pending = repo::write_offs_of(conn, id)?.iter().any(|w| w.approved.is_none());
        rules::may_request_write_off(l.status, pending, &b.reason)?;
        let w = repo::request_write_off(conn, l.id, b.reason.trim(), today(), cx.who.user_id)?;
        let after = repo::bump(conn, l.id)?;
        Outcome::with(after, serde_json::json!({"write_off_id": w.id, "reason": w.reason}))
    })
    .await?;
    Ok(done.ok())
}

/// A decision on a write-off.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"approve": true}))]
pub struct WriteOffDecisionRequest {
    pub approve: bool,
}

/// Approve or decline the pending write-off: an officer other than the one who asked
/// (`microcredit-write-off-four-eyes`). Approval writes off the outstanding principal and
/// ends the loan; the unpaid service charge is forgone, and the write-off states both
/// (`principal_written_off_taka`, `charge_forgone_taka`). Requires `If-Match`.
#[utoipa::path(operation_id = "decide_write_off", tag = "microcredit", request_body = WriteOffDecisionRequest,
    params(("loan_id" = Uuid, Path, description = "The loan"), ("If-Match" = String, Header, description = "The loan's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decided; the loan with its new `ETag`", body = LoanView),
        (status = 404, description = "No such loan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing pending, or your own request", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/microcredit/loans/{loan_id}/write-off-decision")]
pub async fn decide_write_off(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<LoanId>,
    body: ApiJson<WriteOffDecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    let step = Step::new("loan.decide_write_off", Permission::ApproveWriteOffs);
    let done = pipeline::change(&req, &state, who, id, step, answer, move |conn, cx, l: LoanRow| {
        let pending = repo::write_offs_of(conn, l.id)?.into_iter().find(|w| w.approved.is_none());
        let plan = rules::plan_write_off(
            l.status,
            pending.as_ref().map(|w| w.requested_by),
            cx.who.user_id,
            b.approve,
            (l.outstanding_principal(), l.outstanding_charge()),
        )?;
        let request = pending.ok_or_else(|| ApiError::internal("a pending write-off vanished"))?;
        let on = today();
        if !plan.entries.is_empty() {
            let fund = repo::find_fund_for_update(conn, l.fund_id)?.ok_or(ApiError::NotFound("loan fund"))?;
            let entries: Vec<NewEntry> = plan
                .entries
                .iter()
                .map(|&(kind, amount)| NewEntry {
                    kind,
                    amount,
                    on_date: on,
                    loan_id: Some(l.id),
                    reference: Some(&l.loan_number),
                })
                .collect();
            repo::record_entries(conn, fund.id, &entries, cx.who.user_id)?;
        }
        let after = repo::decide_write_off(conn, &l, request.id, b.approve, &plan, on, cx.who.user_id)?;
        Outcome::with(
            after,
            serde_json::json!({"approved": b.approve, "principal_written_off": plan.principal_written_off,
                "charge_forgone": plan.charge_forgone}),
        )
    })
    .await?;
    Ok(done.ok())
}

crate::pipeline::record!(LoanRow {
    id: LoanId,
    kind: "loan",
    noun: "loan",
    lock: repo::find_loan_for_update,
    subject: |r, _| Ok(office(r.division_id, r.district_id, r.upazila_id)),
    summary: |r| serde_json::json!({"status": r.status.code(), "principal_repaid": r.principal_repaid,
            "charge_repaid": r.charge_repaid, "written_off": r.written_off, "version": r.version}),
});

/// The answer to every change: the loan with its schedule.
fn answer(conn: &mut PgConnection, _: &Principal, l: &LoanRow) -> Result<LoanView, ApiError> {
    loan_detail(conn, l)
}
