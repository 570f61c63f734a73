//! Payroll work that runs outside a request: a cycle's generation as a job (called by the job
//! worker), and the totals every view of a cycle shows.

use chrono::Utc;
use domain::allowance::payroll::{self, CycleStatus};
use domain::id::PaymentCycleId;
use persistence::payments::{self as repo, CycleRow};
use persistence::PgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::ApiError;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"payments": 1200, "amount_taka": 2340000, "pending": 0, "paid": 1190, "paid_taka": 2320500, "failed": 10, "failed_taka": 19500, "carried_in": 4, "missing_accounts": 3}))]
pub struct CycleTotals {
    pub payments: i64,
    pub amount_taka: i64,
    pub pending: i64,
    pub paid: i64,
    pub paid_taka: i64,
    /// Failed (including those already carried into a later cycle).
    pub failed: i64,
    pub failed_taka: i64,
    /// Failed payments of earlier cycles carried into this one.
    pub carried_in: i64,
    /// Active beneficiaries left out for want of a payment account.
    pub missing_accounts: i64,
}

/// A cycle's totals: payments by status and the beneficiaries left out for want of an account.
pub fn cycle_totals(conn: &mut PgConnection, c: &CycleRow) -> Result<CycleTotals, ApiError> {
    let t = repo::totals(conn, c.id)?;
    Ok(CycleTotals {
        payments: t.payments,
        amount_taka: t.amount_taka,
        pending: t.pending,
        paid: t.paid,
        paid_taka: t.paid_taka,
        failed: t.failed,
        failed_taka: t.failed_taka,
        carried_in: t.carried_in,
        missing_accounts: repo::missing_accounts(conn, c)?,
    })
}

/// Runs a payroll generation job: in one transaction that also marks the job done (and only
/// while this worker holds it). The cycle row lock serialises generations of one cycle, and
/// generation adds nobody twice, so a job run again after its server died is safe.
pub fn run_generation(
    conn: &mut persistence::PgConnection,
    job: &persistence::jobs::JobRow,
    worker: &str,
) -> crate::jobs::Outcome {
    use crate::jobs::Outcome;
    let Some(actor) = crate::jobs::JobActor::from_payload(&job.payload) else {
        return Outcome::Failed("the job has no actor".into());
    };
    let Some(id) = job.payload["cycle_id"].as_str().and_then(|s| s.parse::<PaymentCycleId>().ok()) else {
        return Outcome::Failed("the job has no cycle".into());
    };
    let owned = std::cell::Cell::new(true);
    let result = conn.build_transaction().run(|conn| -> Result<(), ApiError> {
        let c = repo::find_cycle_for_update(conn, id)?.ok_or(ApiError::NotFound("payment cycle"))?;
        payroll::may_generate(c.status)?;
        let (fresh, carried) = repo::generate(conn, &c)?;
        let c = repo::set_cycle_status(conn, id, CycleStatus::Generated, actor.user_id, Utc::now())?;
        persistence::audit::record(
            conn,
            persistence::audit::AuditEntry {
                actor: &actor.audit_actor(),
                action: "payment_cycle.generate",
                entity_type: "payment_cycle",
                entity_id: c.id.to_string(),
                before: None,
                after: Some(serde_json::json!({"status": c.status.code(), "version": c.version,
                    "detail": {"payments": fresh, "carried_in": carried, "job_id": job.id}})),
                request_id: Some(&actor.request_id),
            },
        )?;
        let totals = cycle_totals(conn, &c)?;
        let result = serde_json::json!({"cycle_id": id, "added": fresh, "carried_in": carried, "totals": totals});
        if !persistence::jobs::complete(conn, job.id, worker, &result)? {
            owned.set(false);
            return Err(ApiError::internal("the job was taken by another worker"));
        }
        Ok(())
    });
    match result {
        Ok(()) => Outcome::Done,
        Err(_) if !owned.get() => Outcome::Lost,
        Err(ApiError::Refused(r)) => Outcome::Failed(r.label.en.to_owned()),
        Err(other) => {
            log::error!("job {} failed: {other}", job.id);
            Outcome::Failed("payroll generation failed and changed nothing; quote the job id when reporting it".into())
        }
    }
}
