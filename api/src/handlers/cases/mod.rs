//! Cases: open, read (every read audited), list, timeline, and one action endpoint per
//! lifecycle command. Every action runs through [`act`]: lock the case, authorise, check the
//! `If-Match` version, let the domain decide, store the new state, its timeline entry and the
//! audit row in one transaction.

pub mod actions;
pub mod guardians;
pub mod holding;
pub mod open;
pub mod read;

use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{authorize, Actor, Permission, Role, Subject};
use domain::case::{Case, CaseKind, CaseStatus, Command};
use domain::geo::{AreaPath, DistrictId, DivisionId, UpazilaId};
use domain::id::{CaseId, PartnerId};
use persistence::cases::{self, CaseProjection, CaseRow, NewCaseEvent};
use persistence::PgConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::pipeline::{Ctx, Outcome};
use crate::problem::ApiError;
use crate::state::AppState;
use crate::views::LabelView;

/// The access subject of a case: its facility (managing, else where the person lives) with
/// the partners serving it, or its area.
pub(crate) fn case_subject(conn: &mut PgConnection, row: &CaseRow) -> Result<Subject, ApiError> {
    let area = AreaPath::upazila(DivisionId(row.division_id), DistrictId(row.district_id), UpazilaId(row.upazila_id));
    Ok(match row.managing_facility_id.or(row.residence_facility_id) {
        Some(f) => Subject::Facility { id: f, area, partners: cases::partners_of_facility(conn, f)? },
        None => Subject::Area(area),
    })
}

/// The columns kept beside the stored aggregate.
pub(crate) fn projection(case: &Case) -> Result<CaseProjection, ApiError> {
    Ok(CaseProjection {
        status: case.status,
        residence_facility_id: case.in_residence(),
        risk_level: case.risk.as_ref().map(|r| r.level.code().to_owned()),
        risk_categories: case
            .risk
            .as_ref()
            .map(|r| r.categories.iter().map(|c| c.code().to_owned()).collect())
            .unwrap_or_default(),
        closed_on: case.closed_on.or(case.exit.as_ref().map(|e| e.on)),
        next_follow_up_due: case.next_follow_up_due(),
        stay_until: case.placement.as_ref().filter(|p| p.left_on.is_none()).and_then(|p| p.stay_until),
        ages_out_on: case.ages_out_on(),
        pending_approvals: case.pending_approvals().count() as i32,
        state: serde_json::to_value(case).map_err(ApiError::internal)?,
    })
}

pub(crate) fn load(row: &CaseRow) -> Result<Case, ApiError> {
    serde_json::from_value(row.state.clone()).map_err(|e| ApiError::internal(format!("case {} does not load: {e}", row.id)))
}

pub(crate) use domain::case::sight::Sight as Visibility;

/// Decides what the caller may see of a case; denies when nothing.
pub(crate) fn visibility(conn: &mut PgConnection, who: &Principal, subject: &Subject) -> Result<(Actor, Visibility), ApiError> {
    match require(conn, who, Permission::ReadCases, subject) {
        Ok(actor) => {
            let sensitive = authorize(&actor, Permission::ReadSensitiveCaseDetails, subject).is_ok();
            Ok((actor, if sensitive { Visibility::Full } else { Visibility::WithoutSensitive }))
        }
        Err(ApiError::Forbidden(first)) => {
            let actor = require(conn, who, Permission::ReadOwnServices, subject).map_err(|_| ApiError::Forbidden(first))?;
            match actor.scope {
                domain::access::Scope::Partner(p) if actor.role == Role::PartnerStaff => {
                    Ok((actor, Visibility::PartnerServices(p)))
                }
                _ => Err(ApiError::Forbidden(first)),
            }
        }
        Err(e) => Err(e),
    }
}

/// A case as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-0000-7000-8000-0000000000ee", "case_number": "CP-2026-000042", "kind": "child_protection",
    "kind_label": {"en": "Child protection", "bn": "শিশু সুরক্ষা"}, "status": "in_service",
    "status_label": {"en": "Receiving services", "bn": "সেবা প্রদান চলছে"}, "person_id": "01936f5e-0000-7000-8000-0000000000cc",
    "managing_facility_id": null, "residence_facility_id": "01936f5e-0000-7000-8000-0000000000bb",
    "division_id": 6, "district_id": 47, "upazila_id": 400, "sex": "male", "opened_on": "2026-06-01", "closed_on": null,
    "next_follow_up_due": null, "stay_until": "2026-11-30", "ages_out_on": "2032-01-10", "pending_approvals": 0,
    "assigned_to": "01936f5e-0000-7000-8000-000000000001", "visibility": "full", "version": 7, "created_at": "2026-06-01T04:00:00Z", "updated_at": "2026-07-01T04:00:00Z",
    "record": {"status": "in_service", "risk": {"level": "high", "categories": ["street_child"]}}
}))]
pub struct CaseView {
    pub id: Uuid,
    pub case_number: String,
    #[schema(value_type = crate::codes::CaseKindCode)]
    pub kind: String,
    pub kind_label: LabelView,
    #[schema(value_type = crate::codes::CaseStatusCode)]
    pub status: String,
    pub status_label: LabelView,
    /// Hidden from partner staff.
    pub person_id: Option<Uuid>,
    /// Hidden for a safe-home case unless you may see its location.
    pub managing_facility_id: Option<Uuid>,
    pub residence_facility_id: Option<Uuid>,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[schema(value_type = crate::codes::SexCode)]
    pub sex: String,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub next_follow_up_due: Option<NaiveDate>,
    pub stay_until: Option<NaiveDate>,
    pub ages_out_on: Option<NaiveDate>,
    pub pending_approvals: i32,
    /// The helpline or outreach contact the case was opened from (hidden from partner staff).
    pub source_contact_id: Option<Uuid>,
    /// The worker holding the case (hidden from partner staff).
    pub assigned_to: Option<Uuid>,
    /// `full`, `without_sensitive` or `partner_services`: how much of the record you see.
    pub visibility: String,
    /// The `ETag` value.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The case record (assessments, plan, services, referrals, conferences, consents,
    /// reintegration, follow-ups, approvals), with what you may not see left out.
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

/// Builds the view, leaving out what `vis` hides (the record through its typed projection).
pub(crate) fn case_view(row: &CaseRow, vis: Visibility) -> Result<CaseView, ApiError> {
    let safe_home = row.kind == CaseKind::SafeHome;
    let hide_location = safe_home && vis != Visibility::Full;
    let case = load(row)?;
    let record = serde_json::to_value(case.record_for(vis)).map_err(ApiError::internal)?;
    let vis_code = match vis {
        Visibility::Full => "full",
        Visibility::WithoutSensitive => "without_sensitive",
        Visibility::PartnerServices(_) => "partner_services",
    };
    let partner = matches!(vis, Visibility::PartnerServices(_));
    Ok(CaseView {
        id: row.id.0,
        case_number: row.case_number.clone(),
        kind: row.kind.into(),
        kind_label: row.kind.label().into(),
        status: row.status.into(),
        status_label: row.status.label().into(),
        person_id: (!partner).then_some(row.person_id.0),
        managing_facility_id: if hide_location { None } else { row.managing_facility_id.map(Uuid::from) },
        residence_facility_id: if hide_location { None } else { row.residence_facility_id.map(Uuid::from) },
        division_id: row.division_id,
        district_id: row.district_id,
        upazila_id: row.upazila_id,
        sex: row.sex.into(),
        opened_on: row.opened_on,
        closed_on: row.closed_on,
        next_follow_up_due: row.next_follow_up_due,
        stay_until: row.stay_until,
        ages_out_on: row.ages_out_on,
        pending_approvals: row.pending_approvals,
        source_contact_id: if partner { None } else { row.source_contact_id.map(Uuid::from) },
        assigned_to: if partner { None } else { row.assigned_to.map(Uuid::from) },
        visibility: vis_code.to_owned(),
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        record,
    })
}

/// Records a timeline entry for an accepted change (the audit row is the pipeline's, or the
/// caller's for an opening).
pub(crate) fn record_event(
    conn: &mut PgConnection,
    who: &Principal,
    row: &CaseRow,
    action: &str,
    status_before: Option<CaseStatus>,
    data: serde_json::Value,
    happenings: serde_json::Value,
) -> Result<(), ApiError> {
    cases::insert_event(
        conn,
        NewCaseEvent {
            case_id: row.id,
            actor_id: Some(who.user_id),
            actor_label: &who.username,
            action,
            status_before,
            status_after: row.status,
            data,
            happenings,
            district_id: row.district_id,
        },
    )?;
    Ok(())
}

crate::pipeline::record!(CaseRow {
    id: CaseId,
    kind: "case",
    noun: "case",
    lock: cases::find_for_update,
    subject: |r, conn| case_subject(conn, r),
    summary: |r| serde_json::json!({"status": r.status.code(), "version": r.version}),
});

/// The step of one lifecycle command on a case, for `pipeline::change`: `build` turns the
/// request into the domain command, looking up what it needs (a facility's free places, a
/// guardian's identifiers); the domain decides; the new state and its timeline entry are
/// stored, and the audit action is the command's.
pub(crate) fn command<F>(
    state: &AppState,
    build: F,
) -> impl FnOnce(&mut PgConnection, &Ctx<'_>, CaseRow) -> Result<Outcome<CaseRow>, ApiError> + Send + 'static
where
    F: FnOnce(&mut PgConnection, &CaseRow, &Case, &Actor) -> Result<Command, ApiError> + Send + 'static,
{
    let settings = state.case_settings.clone();
    move |conn: &mut PgConnection, cx: &Ctx<'_>, row: CaseRow| {
        let mut case = load(&row)?;
        let cmd = build(conn, &row, &case, cx.actor)?;
        let now = Utc::now();
        let before = case.status;
        let ctx = domain::case::Ctx { today: domain::time::dhaka_date(now), actor: cx.who.user_id, settings: &settings };
        let happenings = case.handle(&cmd, &ctx).map_err(ApiError::from)?;
        let updated = cases::update(conn, row.id, &projection(&case)?, now)?;
        let (data, happenings) = (to_json(&cmd)?, to_json(&happenings)?);
        record_event(conn, cx.who, &updated, cmd.name(), Some(before), data.clone(), happenings.clone())?;
        Ok(Outcome::with(updated, serde_json::json!({"command": data, "happenings": happenings}))?
            .named(format!("case.{}", cmd.name())))
    }
}

/// The case as the caller may now see it, to answer a change with (the subject may have
/// moved, e.g. on admission).
pub(crate) fn answer_view(conn: &mut PgConnection, who: &Principal, row: &CaseRow) -> Result<CaseView, ApiError> {
    let subject = case_subject(conn, row)?;
    let vis = visibility(conn, who, &subject).map(|(_, v)| v).unwrap_or(Visibility::PartnerServices(PartnerId(Uuid::nil())));
    case_view(row, vis)
}

/// What the caller may see of this case: as [`visibility`] decides where the case is held now,
/// or, for an office that held it before a transfer, where it held it (reading only: writes
/// are authorised where the case is now).
pub(crate) fn case_visibility(conn: &mut PgConnection, who: &Principal, row: &CaseRow) -> Result<(Actor, Visibility), ApiError> {
    let subject = case_subject(conn, row)?;
    match visibility(conn, who, &subject) {
        Err(ApiError::Forbidden(first)) => {
            for h in cases::past_holdings(conn, row.id)? {
                let area = AreaPath::upazila(DivisionId(h.division_id), DistrictId(h.district_id), UpazilaId(h.upazila_id));
                let past = match h.managing_facility_id {
                    Some(f) => Subject::Facility { id: f, area, partners: cases::partners_of_facility(conn, f)? },
                    None => Subject::Area(area),
                };
                if let Ok(found) = visibility(conn, who, &past) {
                    return Ok(found);
                }
            }
            Err(ApiError::Forbidden(first))
        }
        other => other,
    }
}

fn to_json(v: &impl Serialize) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(ApiError::internal)
}
