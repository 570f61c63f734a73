//! Repayments: one at a time at the office, or a collection sheet / mobile-money statement
//! as a CSV file, all or nothing with every bad line reported. Posting is idempotent on the
//! receipt or transaction reference: a file imported twice posts nothing twice.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::header::ETAG;
use actix_web::post;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::access::Permission;
use domain::id::{LoanFundId, LoanId};
use domain::microcredit::arrears::oldest_unpaid_due;
use domain::microcredit::fund::FundEntryKind;
use domain::microcredit::loan::{self as rules, RepaymentMethod};
use domain::microcredit::repayment::{allocate, apply, parse_file, InstalmentState, RepaymentLine};
use persistence::microcredit::{self as repo, Area, LoanAfter, LoanRow, NewEntry, Posting};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{office, today};
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::problem::{ApiError, FieldError, Problem};
use crate::state::AppState;
use crate::unit_of_work::{read, transact};

/// A repayment file can be large: a limit of its own.
const REPAYMENT_FILE_MAX_BYTES: usize = 64 * 1024 * 1024;

/// What happened to one repayment line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Posted,
    AlreadyPosted,
}

/// The postings of a batch, each loan's state after it, and what happened to each line.
type Allocated = (Vec<Posting>, Vec<LoanAfter>, Vec<Outcome>);

/// Allocates each line to its loan in order (several lines of one loan follow each other)
/// and builds the postings; a line whose reference was posted before with the same amount
/// and day is left out. Errors name the line (`key(i)`); with `earlier` (the lines that could
/// not be read), every bad line of the file is reported together, in line order.
fn allocate_lines(
    conn: &mut PgConnection,
    loans: &[LoanRow],
    lines: &[RepaymentLine],
    key: impl Fn(usize) -> String,
    earlier: Vec<(usize, FieldError)>,
) -> Result<Allocated, ApiError> {
    let ids: Vec<LoanId> = loans.iter().map(|l| l.id).collect();
    let mut states: HashMap<LoanId, Vec<InstalmentState>> = HashMap::new();
    for i in repo::instalments_of(conn, &ids)? {
        states.entry(i.loan_id).or_default().push(i.state());
    }
    let by_number: HashMap<&str, &LoanRow> = loans.iter().map(|l| (l.loan_number.as_str(), l)).collect();
    let keys: Vec<(LoanId, String)> =
        lines.iter().filter_map(|l| by_number.get(l.loan_number.as_str()).map(|loan| (loan.id, l.reference.clone()))).collect();
    let posted: HashMap<(LoanId, String), (i64, NaiveDate)> =
        repo::posted(conn, &keys)?.into_iter().map(|r| ((r.loan_id, r.reference), (r.amount, r.paid_on))).collect();
    let (mut postings, mut outcomes, mut errors) = (vec![], vec![], earlier);
    let today = today();
    for (i, line) in lines.iter().enumerate() {
        let Some(loan) = by_number.get(line.loan_number.as_str()) else {
            errors.push((line.line, FieldError::coded(key(i), "not_found", "no such loan at an office you may manage")));
            continue;
        };
        if let Some(&(amount, paid_on)) = posted.get(&(loan.id, line.reference.clone())) {
            if (amount, paid_on) == (line.amount, line.paid_on) {
                outcomes.push(Outcome::AlreadyPosted);
            } else {
                errors.push((
                    line.line,
                    FieldError::coded(key(i), "conflict", "this reference was posted before with another amount or day"),
                ));
            }
            continue;
        }
        let checked = rules::may_repay(loan.status)
            .and_then(|()| rules::check_day(line.paid_on, loan.disbursed_on.unwrap_or(NaiveDate::MAX), today));
        let state = states.entry(loan.id).or_default();
        match checked.and_then(|()| allocate(line.amount, state, loan.programme.terms().strategy)) {
            Ok(allocations) => {
                apply(state, &allocations);
                postings.push(Posting {
                    loan: loan.id,
                    reference: line.reference.clone(),
                    paid_on: line.paid_on,
                    method: line.method,
                    principal: allocations.iter().map(|a| a.principal).sum(),
                    charge: allocations.iter().map(|a| a.charge).sum(),
                    allocations: allocations.iter().map(|a| (a.no, a.principal, a.charge)).collect(),
                    programme: loan.programme,
                    area: Area { division_id: loan.division_id, district_id: loan.district_id, upazila_id: loan.upazila_id },
                });
                outcomes.push(Outcome::Posted);
            }
            Err(refusal) => {
                errors.push((line.line, FieldError::coded(key(i), "refused", format!("{}: {}", refusal.rule, refusal.label.en))))
            }
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|(line, _)| *line);
        return Err(ApiError::Validation(errors.into_iter().map(|(_, e)| e).collect()));
    }
    let mut after = vec![];
    for loan in loans {
        let mine: Vec<&Posting> = postings.iter().filter(|p| p.loan == loan.id).collect();
        if mine.is_empty() {
            continue;
        }
        let state = states.get(&loan.id).map(Vec::as_slice).unwrap_or_default();
        let oldest = oldest_unpaid_due(state);
        after.push(LoanAfter {
            loan: loan.id,
            principal_repaid: loan.principal_repaid + mine.iter().map(|p| p.principal).sum::<i64>(),
            charge_repaid: loan.charge_repaid + mine.iter().map(|p| p.charge).sum::<i64>(),
            oldest_due_on: oldest,
            closed_on: if oldest.is_none() { mine.iter().map(|p| p.paid_on).max() } else { None },
        });
    }
    Ok((postings, after, outcomes))
}

/// Posts the repayments and moves each fund's ledger by what its loans brought back: an
/// entry per repayment, on the day it was paid, with its loan and its receipt number or
/// mobile-money transaction id (what the office reconciles the statement against).
fn post(
    conn: &mut PgConnection,
    who: &Principal,
    loans: &[LoanRow],
    postings: &[Posting],
    after: &[LoanAfter],
) -> Result<(), ApiError> {
    repo::post_repayments(conn, postings, after, who.user_id)?;
    let fund_of: HashMap<LoanId, LoanFundId> = loans.iter().map(|l| (l.id, l.fund_id)).collect();
    let mut by_fund: BTreeMap<LoanFundId, Vec<NewEntry<'_>>> = BTreeMap::new();
    for p in postings {
        let Some(&fund) = fund_of.get(&p.loan) else { continue };
        let entries = by_fund.entry(fund).or_default();
        for (kind, amount) in [(FundEntryKind::PrincipalRecovered, p.principal), (FundEntryKind::ChargeCollected, p.charge)] {
            entries.push(NewEntry { kind, amount, on_date: p.paid_on, loan_id: Some(p.loan), reference: Some(&p.reference) });
        }
    }
    for (fund, entries) in by_fund {
        repo::find_fund_for_update(conn, fund)?.ok_or(ApiError::NotFound("loan fund"))?;
        repo::record_entries(conn, fund, &entries, who.user_id)?;
    }
    Ok(())
}

/// A repayment taken at the office or received by mobile money.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reference": "R-1042", "paid_on": "2026-09-01", "amount_taka": 1100, "method": "cash"}))]
pub struct RepaymentRequest {
    /// The receipt number, or the mobile-money transaction id: a repayment is posted once.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub reference: String,
    pub paid_on: chrono::NaiveDate,
    #[validate(range(min = 1, max = 10000000))]
    #[schema(minimum = 1, maximum = 10000000)]
    pub amount_taka: i64,
    #[schema(value_type = crate::codes::RepaymentMethodCode)]
    pub method: RepaymentMethod,
}

/// Take a repayment: partial, exact or early, allocated oldest instalment first by the
/// programme's strategy (service charge first). The same reference again with the same
/// amount and day posts nothing and answers 200 with the loan. The loan closes when nothing
/// is outstanding.
#[utoipa::path(operation_id = "record_repayment", tag = "microcredit", request_body = RepaymentRequest,
    params(("loan_id" = uuid::Uuid, Path, description = "The loan")), security(("bearer" = [])),
    responses(
        (status = 201, description = "Posted; the loan statement", body = super::loans::LoanView),
        (status = 200, description = "Already posted under this reference; nothing changed", body = super::loans::LoanView),
        (status = 404, description = "No such loan", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: more than is outstanding, a loan not being repaid, a date out of range, or the reference posted with another amount", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/microcredit/loans/{loan_id}/repayments")]
pub async fn record_repayment(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<LoanId>,
    body: ApiJson<RepaymentRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    let (view, outcome) = transact(&state, move |conn| {
        let loan = repo::find_loan_for_update(conn, id)?.ok_or(ApiError::NotFound("loan"))?;
        require(conn, &who, Permission::ManageMicrocredit, &office(loan.division_id, loan.district_id, loan.upazila_id))?;
        let line = RepaymentLine {
            line: 1,
            loan_number: loan.loan_number.clone(),
            reference: b.reference.trim().to_owned(),
            paid_on: b.paid_on,
            amount: b.amount_taka,
            method: b.method,
        };
        let loans = [loan];
        let (postings, after, outcomes) =
            allocate_lines(conn, &loans, std::slice::from_ref(&line), |_| "amount_taka".to_owned(), vec![])?;
        if !postings.is_empty() {
            post(conn, &who, &loans, &postings, &after)?;
            who.audit(
                conn,
                "loan.repayment",
                "loan",
                id,
                None,
                Some(serde_json::json!({"reference": line.reference, "amount": line.amount})),
            )?;
        }
        let now = repo::find_loan(conn, id)?.ok_or(ApiError::NotFound("loan"))?;
        Ok((super::loans::loan_detail(conn, &now)?, outcomes.first().copied()))
    })
    .await?;
    let status = if outcome == Some(Outcome::AlreadyPosted) {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::CREATED
    };
    Ok(HttpResponse::build(status).insert_header((ETAG, etag(view.version))).json(view))
}

/// What a repayment file did.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"lines": 412, "posted": 410, "already_posted": 2, "principal_recovered_taka": 410000, "charge_collected_taka": 41000}))]
pub struct RepaymentFileResult {
    pub lines: usize,
    pub posted: usize,
    /// Lines whose reference was posted before (the same amount and day): left alone.
    pub already_posted: usize,
    pub principal_recovered_taka: i64,
    pub charge_collected_taka: i64,
}

/// Post a collection sheet or a mobile-money statement: CSV with the header
/// `loan_number,reference,paid_on,amount_taka,method`. All or nothing: a file with any bad
/// line posts nothing and every bad line is reported (`line:N`). Importing the same file
/// again posts nothing twice.
#[utoipa::path(operation_id = "import_repayments", tag = "microcredit",
    request_body(content = String, content_type = "text/csv", description = "loan_number,reference,paid_on,amount_taka,method"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Posted", body = RepaymentFileResult),
        (status = 413, description = "File too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad lines (each reported as `line:N`)", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/microcredit/repayment-files")]
pub async fn import_repayments(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    mut body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    crate::extract::require_csv(&req, "the repayment file")?;
    // Authority first: nobody without it makes the server read a large file.
    let who1 = who.clone();
    read(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who1.scope)?;
        require(conn, &who1, Permission::ManageMicrocredit, &own).map(drop)
    })
    .await?;
    let body = crate::extract::read_body(crate::extract::declared_length(&req), &mut body, REPAYMENT_FILE_MAX_BYTES).await?;
    let digest = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(&body))
    };
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::field_coded("body", "invalid_format", "the file is not UTF-8 text"))?;
    let line_error = |e: domain::allowance::payroll::LineError| {
        (e.line, FieldError::coded(format!("line:{}", e.line), "invalid_format", e.message))
    };
    let (lines, unreadable) =
        parse_file(text).map_err(|errors| ApiError::Validation(errors.into_iter().map(|e| line_error(e).1).collect()))?;
    let unreadable: Vec<(usize, FieldError)> = unreadable.into_iter().map(line_error).collect();
    let result = transact(&state, move |conn| {
        let mut numbers: Vec<String> = lines.iter().map(|l| l.loan_number.clone()).collect();
        numbers.sort();
        numbers.dedup();
        let locked = repo::loans_by_number_for_update(conn, &numbers)?;
        // Only loans of offices the caller manages are found; the rest are "no such loan".
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ManageMicrocredit, &own)?;
        let loans: Vec<LoanRow> = locked
            .into_iter()
            .filter(|l| {
                domain::access::authorize(
                    &actor,
                    Permission::ManageMicrocredit,
                    &office(l.division_id, l.district_id, l.upazila_id),
                )
                .is_ok()
            })
            .collect();
        let (postings, after, outcomes) =
            allocate_lines(conn, &loans, &lines, |i| format!("line:{}", lines[i].line), unreadable)?;
        let reference = format!("file:{}", &digest[..16]);
        if !postings.is_empty() {
            post(conn, &who, &loans, &postings, &after)?;
        }
        let result = RepaymentFileResult {
            lines: lines.len(),
            posted: outcomes.iter().filter(|o| **o == Outcome::Posted).count(),
            already_posted: outcomes.iter().filter(|o| **o == Outcome::AlreadyPosted).count(),
            principal_recovered_taka: postings.iter().map(|p| p.principal).sum(),
            charge_collected_taka: postings.iter().map(|p| p.charge).sum(),
        };
        who.audit(
            conn,
            "loan.repayment_file",
            "repayment_file",
            &reference,
            None,
            Some(serde_json::json!({"lines": result.lines, "posted": result.posted, "already_posted": result.already_posted})),
        )?;
        Ok(result)
    })
    .await?;
    Ok(HttpResponse::Ok().json(result))
}
