//! Cases: the domain aggregate stored whole as JSON, with the columns lists, access and the
//! work queue filter on kept beside it, and the timeline of accepted commands.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use domain::access::Scope;
use domain::case::holding::TransferStatus;
use domain::case::{CaseKind, CaseStatus};
use domain::id::{CaseEventId, CaseId, CaseTransferId, ContactId, FacilityId, PartnerId, PersonId, UserId};
use domain::person::Sex;

use crate::columns::{OptionalCode, OptionalId};
use crate::page::Page;
use crate::schema::{case_events, case_holdings, case_transfers, cases, facility_partners, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: CaseId,
    pub case_number: String,
    #[diesel(deserialize_as = String)]
    pub kind: CaseKind,
    #[diesel(deserialize_as = String)]
    pub status: CaseStatus,
    #[diesel(deserialize_as = Uuid)]
    pub person_id: PersonId,
    #[diesel(deserialize_as = OptionalId<FacilityId>)]
    pub managing_facility_id: Option<FacilityId>,
    #[diesel(deserialize_as = OptionalId<FacilityId>)]
    pub residence_facility_id: Option<FacilityId>,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[diesel(deserialize_as = String)]
    pub sex: Sex,
    pub date_of_birth: NaiveDate,
    pub risk_level: Option<String>,
    pub risk_categories: Vec<String>,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub next_follow_up_due: Option<NaiveDate>,
    pub stay_until: Option<NaiveDate>,
    pub ages_out_on: Option<NaiveDate>,
    pub pending_approvals: i32,
    pub state: Value,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The helpline or outreach contact the case was opened from.
    #[diesel(deserialize_as = OptionalId<ContactId>)]
    pub source_contact_id: Option<ContactId>,
    /// The worker holding the case (the one who opened it, until reassigned).
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub assigned_to: Option<UserId>,
}

/// The columns derived from the aggregate, written on every change.
#[derive(Debug, Clone)]
pub struct CaseProjection {
    pub status: CaseStatus,
    pub residence_facility_id: Option<FacilityId>,
    pub risk_level: Option<String>,
    pub risk_categories: Vec<String>,
    pub closed_on: Option<NaiveDate>,
    pub next_follow_up_due: Option<NaiveDate>,
    pub stay_until: Option<NaiveDate>,
    pub ages_out_on: Option<NaiveDate>,
    pub pending_approvals: i32,
    pub state: Value,
}

#[derive(Debug, Clone)]
pub struct NewCase {
    pub id: CaseId,
    pub kind: CaseKind,
    pub person_id: PersonId,
    pub managing_facility_id: Option<FacilityId>,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub sex: Sex,
    pub date_of_birth: NaiveDate,
    pub opened_on: NaiveDate,
    pub created_by: Option<UserId>,
    pub source_contact_id: Option<ContactId>,
    pub projection: CaseProjection,
}

/// Inserts a case with the next number (`SH-2026-000001`, `CP-2026-000002`).
pub fn insert(conn: &mut PgConnection, new: &NewCase) -> QueryResult<CaseRow> {
    let n: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("nextval('case_number_seq')")).get_result(conn)?;
    let prefix = match new.kind {
        CaseKind::SafeHome => "SH",
        CaseKind::ChildProtection => "CP",
    };
    let number = format!("{prefix}-{}-{n:06}", chrono::Datelike::year(&new.opened_on));
    let p = &new.projection;
    diesel::insert_into(cases::table)
        .values((
            cases::id.eq(new.id.0),
            cases::case_number.eq(number),
            cases::kind.eq(new.kind.code()),
            cases::status.eq(p.status.code()),
            cases::person_id.eq(new.person_id.0),
            cases::managing_facility_id.eq(new.managing_facility_id.map(Uuid::from)),
            cases::residence_facility_id.eq(p.residence_facility_id.map(Uuid::from)),
            cases::division_id.eq(new.division_id),
            cases::district_id.eq(new.district_id),
            cases::upazila_id.eq(new.upazila_id),
            cases::sex.eq(new.sex.code()),
            cases::date_of_birth.eq(new.date_of_birth),
            cases::risk_level.eq(&p.risk_level),
            cases::risk_categories.eq(&p.risk_categories),
            cases::opened_on.eq(new.opened_on),
            cases::closed_on.eq(p.closed_on),
            cases::next_follow_up_due.eq(p.next_follow_up_due),
            cases::stay_until.eq(p.stay_until),
            cases::ages_out_on.eq(p.ages_out_on),
            cases::pending_approvals.eq(p.pending_approvals),
            cases::state.eq(&p.state),
            cases::source_contact_id.eq(new.source_contact_id.map(Uuid::from)),
            cases::created_by.eq(new.created_by.map(Uuid::from)),
            cases::assigned_to.eq(new.created_by.map(Uuid::from)),
        ))
        .returning(CaseRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: CaseId) -> QueryResult<Option<CaseRow>> {
    cases::table.find(id.0).select(CaseRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: CaseId) -> QueryResult<Option<CaseRow>> {
    cases::table.find(id.0).select(CaseRow::as_select()).for_update().first(conn).optional()
}

/// Writes the new state and bumps the version.
pub fn update(conn: &mut PgConnection, id: CaseId, projection: &CaseProjection, now: DateTime<Utc>) -> QueryResult<CaseRow> {
    let p = projection;
    diesel::update(cases::table.find(id.0))
        .set((
            (
                cases::status.eq(p.status.code()),
                cases::residence_facility_id.eq(p.residence_facility_id.map(Uuid::from)),
                cases::risk_level.eq(&p.risk_level),
                cases::risk_categories.eq(&p.risk_categories),
                cases::closed_on.eq(p.closed_on),
                cases::next_follow_up_due.eq(p.next_follow_up_due),
                cases::stay_until.eq(p.stay_until),
                cases::ages_out_on.eq(p.ages_out_on),
                cases::pending_approvals.eq(p.pending_approvals),
                cases::state.eq(&p.state),
            ),
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(now),
        ))
        .returning(CaseRow::as_returning())
        .get_result(conn)
}

/// Partners serving a facility, for access to its cases.
pub fn partners_of_facility(conn: &mut PgConnection, facility_id: FacilityId) -> QueryResult<Vec<PartnerId>> {
    let ids: Vec<Uuid> = facility_partners::table
        .filter(facility_partners::facility_id.eq(facility_id.0))
        .select(facility_partners::partner_id)
        .load(conn)?;
    Ok(ids.into_iter().map(PartnerId).collect())
}

type BoxedCases<'a> = cases::BoxedQuery<'a, diesel::pg::Pg>;

/// The cases a scope reaches: its area, or the cases managed or housed at its facility, or at
/// the facilities its partner organisation serves.
fn within<'a>(scope: Scope) -> BoxedCases<'a> {
    let q = cases::table.into_boxed();
    match scope {
        Scope::National => q,
        Scope::Division(d) => q.filter(cases::division_id.eq(d.0)),
        Scope::District(d) => q.filter(cases::district_id.eq(d.0)),
        Scope::Upazila(u) => q.filter(cases::upazila_id.eq(u.0)),
        Scope::Facility(fac) => q.filter(cases::managing_facility_id.eq(fac.0).or(cases::residence_facility_id.eq(fac.0))),
        Scope::Partner(p) => q.filter(
            cases::managing_facility_id.eq_any(
                facility_partners::table
                    .filter(facility_partners::partner_id.eq(p.0))
                    .select(facility_partners::facility_id.nullable()),
            ),
        ),
    }
}

/// Filters for listing cases (all optional, combined with AND).
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    pub kind: Option<CaseKind>,
    pub facility_id: Option<FacilityId>,
    pub division_id: Option<i32>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
    pub risk_category: Option<String>,
    pub sex: Option<Sex>,
    /// Born on or after (age at most).
    pub born_on_or_after: Option<NaiveDate>,
    /// Born on or before (age at least).
    pub born_on_or_before: Option<NaiveDate>,
    /// Follow-ups due before this date are overdue.
    pub follow_up_overdue_on: Option<NaiveDate>,
    /// Held by this worker (a caseload).
    pub assigned_to: Option<UserId>,
}

pub fn list(
    conn: &mut PgConnection,
    scope: Scope,
    f: &CaseFilter,
    after: Option<CaseId>,
    limit: i64,
) -> QueryResult<Page<CaseRow, CaseId>> {
    let mut q = within(scope);
    if let Some(a) = after {
        q = q.filter(cases::id.gt(a.0));
    }
    if let Some(v) = f.status {
        q = q.filter(cases::status.eq(v.code()));
    }
    if let Some(v) = f.kind {
        q = q.filter(cases::kind.eq(v.code()));
    }
    if let Some(v) = f.facility_id {
        q = q.filter(cases::managing_facility_id.eq(v.0).or(cases::residence_facility_id.eq(v.0)));
    }
    if let Some(v) = f.division_id {
        q = q.filter(cases::division_id.eq(v));
    }
    if let Some(v) = f.district_id {
        q = q.filter(cases::district_id.eq(v));
    }
    if let Some(v) = f.upazila_id {
        q = q.filter(cases::upazila_id.eq(v));
    }
    if let Some(v) = &f.risk_category {
        q = q.filter(cases::risk_categories.contains(vec![v.clone()]));
    }
    if let Some(v) = f.sex {
        q = q.filter(cases::sex.eq(v.code()));
    }
    if let Some(v) = f.born_on_or_after {
        q = q.filter(cases::date_of_birth.ge(v));
    }
    if let Some(v) = f.born_on_or_before {
        q = q.filter(cases::date_of_birth.le(v));
    }
    if let Some(v) = f.follow_up_overdue_on {
        q = q.filter(cases::next_follow_up_due.lt(v));
    }
    if let Some(v) = f.assigned_to {
        q = q.filter(cases::assigned_to.eq(v.0));
    }
    let rows = q.order(cases::id).limit(limit + 1).select(CaseRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_events)]
pub struct CaseEventRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: CaseEventId,
    #[diesel(deserialize_as = Uuid)]
    pub case_id: CaseId,
    pub occurred_at: DateTime<Utc>,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub actor_id: Option<UserId>,
    pub actor_label: String,
    pub action: String,
    #[diesel(deserialize_as = OptionalCode<CaseStatus>)]
    pub status_before: Option<CaseStatus>,
    #[diesel(deserialize_as = String)]
    pub status_after: CaseStatus,
    pub data: Value,
    pub happenings: Value,
    pub district_id: i32,
}

pub struct NewCaseEvent<'a> {
    pub case_id: CaseId,
    pub actor_id: Option<UserId>,
    pub actor_label: &'a str,
    pub action: &'a str,
    pub status_before: Option<CaseStatus>,
    pub status_after: CaseStatus,
    pub data: Value,
    pub happenings: Value,
    pub district_id: i32,
}

pub fn insert_event(conn: &mut PgConnection, e: NewCaseEvent<'_>) -> QueryResult<CaseEventId> {
    let id = CaseEventId(Uuid::now_v7());
    diesel::insert_into(case_events::table)
        .values((
            case_events::id.eq(id.0),
            case_events::case_id.eq(e.case_id.0),
            case_events::actor_id.eq(e.actor_id.map(Uuid::from)),
            case_events::actor_label.eq(e.actor_label),
            case_events::action.eq(e.action),
            case_events::status_before.eq(e.status_before.map(CaseStatus::code)),
            case_events::status_after.eq(e.status_after.code()),
            case_events::data.eq(e.data),
            case_events::happenings.eq(e.happenings),
            case_events::district_id.eq(e.district_id),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The timeline, oldest first.
pub fn list_events(
    conn: &mut PgConnection,
    case_id: CaseId,
    after: Option<CaseEventId>,
    limit: i64,
) -> QueryResult<Page<CaseEventRow, CaseEventId>> {
    let mut q = case_events::table.filter(case_events::case_id.eq(case_id.0)).into_boxed();
    if let Some(a) = after {
        q = q.filter(case_events::id.gt(a.0));
    }
    let rows = q.order(case_events::id).limit(limit + 1).select(CaseEventRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Cases needing attention: a follow-up overdue, a stay limit near, an approval waiting (when
/// `supervisor`), or a child about to turn 18; for a supervisor also every open case held by
/// no one or by a disabled account (to reassign). Ended cases are left out. The cases `me`
/// holds come first, then the others, each in id order, `limit` in all.
#[allow(clippy::too_many_arguments)]
pub fn needing_attention(
    conn: &mut PgConnection,
    scope: Scope,
    me: UserId,
    today: NaiveDate,
    stay_warning_until: NaiveDate,
    ageing_out_until: NaiveDate,
    supervisor: bool,
    limit: i64,
) -> QueryResult<Vec<CaseRow>> {
    let query = |own: bool| {
        let ended: Vec<&str> = CaseStatus::ALL.iter().filter(|s| s.is_ended()).map(|s| s.code()).collect();
        let mut q = within(scope).filter(cases::status.ne_all(ended));
        q = if own { q.filter(cases::assigned_to.eq(me.0)) } else { q.filter(cases::assigned_to.is_distinct_from(me.0)) };
        let approvals_waiting = cases::pending_approvals.gt(if supervisor { 0 } else { i32::MAX });
        let attention = cases::next_follow_up_due
            .lt(today)
            .or(cases::stay_until.le(stay_warning_until))
            .or(cases::ages_out_on.le(ageing_out_until))
            .or(approvals_waiting.nullable());
        if supervisor && !own {
            let disabled = users::table.filter(users::status.eq("disabled")).select(users::id.nullable());
            q.filter(attention.or(cases::assigned_to.is_null().nullable()).or(cases::assigned_to.eq_any(disabled)))
        } else {
            q.filter(attention)
        }
    };
    let mut rows = query(true).order(cases::id).limit(limit).select(CaseRow::as_select()).load(conn)?;
    let left = limit - rows.len() as i64;
    if left > 0 {
        rows.extend(query(false).order(cases::id).limit(left).select(CaseRow::as_select()).load(conn)?);
    }
    Ok(rows)
}

/// Of these accounts, the ones that are disabled.
pub fn disabled_among(conn: &mut PgConnection, ids: &[UserId]) -> QueryResult<Vec<UserId>> {
    let ids: Vec<Uuid> = ids.iter().map(|u| u.0).collect();
    let found: Vec<Uuid> =
        users::table.filter(users::id.eq_any(ids)).filter(users::status.eq("disabled")).select(users::id).load(conn)?;
    Ok(found.into_iter().map(UserId).collect())
}

/// Hands the case to another worker (the row is locked by the caller) and bumps the version.
pub fn set_assignee(conn: &mut PgConnection, id: CaseId, to: UserId, now: DateTime<Utc>) -> QueryResult<CaseRow> {
    diesel::update(cases::table.find(id.0))
        .set((cases::assigned_to.eq(to.0), cases::version.eq(cases::version + 1), cases::updated_at.eq(now)))
        .returning(CaseRow::as_returning())
        .get_result(conn)
}

/// Where a case is held: its upazila (with district and division) and managing facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolderPlace {
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub managing_facility_id: Option<FacilityId>,
}

/// One office's holding of a case, `from_on` up to (not including) `until_on`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_holdings)]
pub struct HoldingRow {
    #[diesel(deserialize_as = Uuid)]
    pub case_id: CaseId,
    pub from_on: NaiveDate,
    pub until_on: Option<NaiveDate>,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    #[diesel(deserialize_as = OptionalId<FacilityId>)]
    pub managing_facility_id: Option<FacilityId>,
}

/// Every office that held the case before its current one, oldest first.
pub fn past_holdings(conn: &mut PgConnection, id: CaseId) -> QueryResult<Vec<HoldingRow>> {
    case_holdings::table
        .filter(case_holdings::case_id.eq(id.0))
        .filter(case_holdings::until_on.is_not_null())
        .order(case_holdings::from_on)
        .select(HoldingRow::as_select())
        .load(conn)
}

/// Moves the case (locked by the caller) to `to` from `on`: the current holding ends, the new
/// one begins (a holding begun the same day is replaced), the case's columns follow, and the
/// version is bumped.
pub fn move_holder(
    conn: &mut PgConnection,
    id: CaseId,
    to: HolderPlace,
    on: NaiveDate,
    now: DateTime<Utc>,
) -> QueryResult<CaseRow> {
    diesel::delete(
        case_holdings::table
            .filter(case_holdings::case_id.eq(id.0))
            .filter(case_holdings::until_on.is_null())
            .filter(case_holdings::from_on.eq(on)),
    )
    .execute(conn)?;
    diesel::update(case_holdings::table.filter(case_holdings::case_id.eq(id.0)).filter(case_holdings::until_on.is_null()))
        .set(case_holdings::until_on.eq(on))
        .execute(conn)?;
    // A holding ending on a later day than this one begins (none should) would overlap it.
    diesel::update(case_holdings::table.filter(case_holdings::case_id.eq(id.0)).filter(case_holdings::until_on.gt(on)))
        .set(case_holdings::until_on.eq(on))
        .execute(conn)?;
    diesel::insert_into(case_holdings::table)
        .values((
            case_holdings::case_id.eq(id.0),
            case_holdings::from_on.eq(on),
            case_holdings::division_id.eq(to.division_id),
            case_holdings::district_id.eq(to.district_id),
            case_holdings::upazila_id.eq(to.upazila_id),
            case_holdings::managing_facility_id.eq(to.managing_facility_id.map(Uuid::from)),
        ))
        .execute(conn)?;
    diesel::update(cases::table.find(id.0))
        .set((
            cases::division_id.eq(to.division_id),
            cases::district_id.eq(to.district_id),
            cases::upazila_id.eq(to.upazila_id),
            cases::managing_facility_id.eq(to.managing_facility_id.map(Uuid::from)),
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(now),
        ))
        .returning(CaseRow::as_returning())
        .get_result(conn)
}

/// A transfer request as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_transfers)]
pub struct TransferRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: CaseTransferId,
    #[diesel(deserialize_as = Uuid)]
    pub case_id: CaseId,
    #[diesel(deserialize_as = String)]
    pub status: TransferStatus,
    pub from_division_id: i32,
    pub from_district_id: i32,
    pub from_upazila_id: i32,
    #[diesel(deserialize_as = OptionalId<FacilityId>)]
    pub from_facility_id: Option<FacilityId>,
    pub to_division_id: i32,
    pub to_district_id: i32,
    pub to_upazila_id: i32,
    #[diesel(deserialize_as = OptionalId<FacilityId>)]
    pub to_facility_id: Option<FacilityId>,
    pub reason: String,
    pub court_order: Option<Value>,
    #[diesel(deserialize_as = Uuid)]
    pub requested_by: UserId,
    pub requested_on: NaiveDate,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub decided_by: Option<UserId>,
    pub decided_on: Option<NaiveDate>,
    pub decline_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new request, or the decision on one, in the stored shape.
#[derive(Debug, Clone)]
pub struct TransferValues {
    pub status: TransferStatus,
    pub from: HolderPlace,
    pub to: HolderPlace,
    pub reason: String,
    pub court_order: Option<Value>,
    pub requested_by: UserId,
    pub requested_on: NaiveDate,
    pub decided_by: Option<UserId>,
    pub decided_on: Option<NaiveDate>,
    pub decline_reason: Option<String>,
}

pub fn insert_transfer(
    conn: &mut PgConnection,
    id: CaseTransferId,
    case_id: CaseId,
    v: &TransferValues,
) -> QueryResult<TransferRow> {
    diesel::insert_into(case_transfers::table)
        .values((
            (
                case_transfers::id.eq(id.0),
                case_transfers::case_id.eq(case_id.0),
                case_transfers::status.eq(v.status.code()),
                case_transfers::from_division_id.eq(v.from.division_id),
                case_transfers::from_district_id.eq(v.from.district_id),
                case_transfers::from_upazila_id.eq(v.from.upazila_id),
                case_transfers::from_facility_id.eq(v.from.managing_facility_id.map(Uuid::from)),
                case_transfers::to_division_id.eq(v.to.division_id),
                case_transfers::to_district_id.eq(v.to.district_id),
                case_transfers::to_upazila_id.eq(v.to.upazila_id),
                case_transfers::to_facility_id.eq(v.to.managing_facility_id.map(Uuid::from)),
            ),
            (
                case_transfers::reason.eq(&v.reason),
                case_transfers::court_order.eq(&v.court_order),
                case_transfers::requested_by.eq(v.requested_by.0),
                case_transfers::requested_on.eq(v.requested_on),
            ),
        ))
        .returning(TransferRow::as_returning())
        .get_result(conn)
}

pub fn find_transfer(conn: &mut PgConnection, id: CaseTransferId) -> QueryResult<Option<TransferRow>> {
    case_transfers::table.find(id.0).select(TransferRow::as_select()).first(conn).optional()
}

pub fn find_transfer_for_update(conn: &mut PgConnection, id: CaseTransferId) -> QueryResult<Option<TransferRow>> {
    case_transfers::table.find(id.0).select(TransferRow::as_select()).for_update().first(conn).optional()
}

/// Whether a request for the case waits for a decision.
pub fn transfer_pending(conn: &mut PgConnection, case_id: CaseId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        case_transfers::table
            .filter(case_transfers::case_id.eq(case_id.0))
            .filter(case_transfers::status.eq(TransferStatus::Requested.code())),
    ))
    .get_result(conn)
}

/// Writes the decision (accepted, declined, withdrawn) and bumps the version.
pub fn decide_transfer(
    conn: &mut PgConnection,
    id: CaseTransferId,
    v: &TransferValues,
    now: DateTime<Utc>,
) -> QueryResult<TransferRow> {
    diesel::update(case_transfers::table.find(id.0))
        .set((
            case_transfers::status.eq(v.status.code()),
            case_transfers::decided_by.eq(v.decided_by.map(Uuid::from)),
            case_transfers::decided_on.eq(v.decided_on),
            case_transfers::decline_reason.eq(&v.decline_reason),
            case_transfers::version.eq(case_transfers::version + 1),
            case_transfers::updated_at.eq(now),
        ))
        .returning(TransferRow::as_returning())
        .get_result(conn)
}

/// Which side of a transfer a list asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferSide {
    /// To the scope (to accept or decline).
    Incoming,
    /// From the scope.
    Outgoing,
}

/// Transfers to (or from) the places a scope reaches, in id order.
pub fn list_transfers(
    conn: &mut PgConnection,
    scope: Scope,
    side: TransferSide,
    status: Option<TransferStatus>,
    after: Option<CaseTransferId>,
    limit: i64,
) -> QueryResult<Page<TransferRow, CaseTransferId>> {
    use case_transfers as t;
    let mut q = t::table.into_boxed();
    q = match (side, scope) {
        (_, Scope::National) => q,
        (TransferSide::Incoming, Scope::Division(d)) => q.filter(t::to_division_id.eq(d.0)),
        (TransferSide::Incoming, Scope::District(d)) => q.filter(t::to_district_id.eq(d.0)),
        (TransferSide::Incoming, Scope::Upazila(u)) => q.filter(t::to_upazila_id.eq(u.0)),
        (TransferSide::Incoming, Scope::Facility(f)) => q.filter(t::to_facility_id.eq(f.0)),
        (TransferSide::Outgoing, Scope::Division(d)) => q.filter(t::from_division_id.eq(d.0)),
        (TransferSide::Outgoing, Scope::District(d)) => q.filter(t::from_district_id.eq(d.0)),
        (TransferSide::Outgoing, Scope::Upazila(u)) => q.filter(t::from_upazila_id.eq(u.0)),
        (TransferSide::Outgoing, Scope::Facility(f)) => q.filter(t::from_facility_id.eq(f.0)),
        (_, Scope::Partner(_)) => q.filter(t::id.ne(t::id)),
    };
    if let Some(s) = status {
        q = q.filter(t::status.eq(s.code()));
    }
    if let Some(a) = after {
        q = q.filter(t::id.gt(a.0));
    }
    let rows = q.order(t::id).limit(limit + 1).select(TransferRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}
