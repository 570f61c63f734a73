//! Who holds a case: a supervisor reassigns it to another worker, and an office transfers it
//! to another upazila, district or facility, which accepts or declines. Both go through the
//! write pipeline; the case's timeline and the audit trail record every step.

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Permission, Subject};
use domain::case::holding::{check_assignment, request_transfer, Assignee, Holder, TransferAsk, TransferRequest, TransferStatus};
use domain::case::{CourtOrder, Refusal};
use domain::geo::{AreaPath, DistrictId, DivisionId, UpazilaId};
use domain::id::{CaseId, CaseTransferId, FacilityId, UserId};
use persistence::cases::{self, CaseRow, HolderPlace, TransferRow, TransferSide, TransferValues};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, IntoResponses, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{answer_view, case_subject, record_event, CaseView};
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::handlers::cases::open::CourtOrderInput;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Ctx, Outcome, Record, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::transact;
use crate::views::LabelView;

fn today() -> NaiveDate {
    domain::time::dhaka_date(Utc::now())
}

fn to_json(v: &impl Serialize) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(ApiError::internal)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"assigned_to": "01936f5e-0000-7000-8000-000000000002", "reason": "Rahima is on leave until March"}))]
pub struct AssignmentRequest {
    /// The worker who will hold the case: an active account that works cases where the case is.
    pub assigned_to: Uuid,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// What a reassignment answers, besides what every operation may (`crate::contract`).
#[derive(IntoResponses)]
#[allow(dead_code)]
enum AssignmentResponses {
    #[response(status = 200, description = "Reassigned; the case with its new `ETag`")]
    Done(CaseView),
    #[response(status = 403, description = "Not a supervisor of this case", content_type = "application/problem+json")]
    Forbidden(Problem),
    #[response(status = 404, description = "No such case", content_type = "application/problem+json")]
    NotFound(Problem),
    #[response(status = 409, description = "The case already held by that worker", content_type = "application/problem+json")]
    Refused(Problem),
    #[response(status = 412, description = "The case changed since you read it", content_type = "application/problem+json")]
    Stale(Problem),
    #[response(
        status = 422,
        description = "No such user, a disabled account, or one who cannot work cases there (the problem names the rule)",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
}

/// A supervisor hands the case to another worker, with a reason. The worker must be active
/// and able to work cases where the case is held. Requires `If-Match`.
#[utoipa::path(tag = "cases", request_body = AssignmentRequest,
    params(("case_id" = Uuid, Path, description = "The case id"), ("If-Match" = String, Header, description = "The case's current ETag")),
    security(("bearer" = [])), responses(AssignmentResponses))]
#[post("/cases/{case_id}/assignment")]
pub async fn reassign_case(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
    body: ApiJson<AssignmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let step = move |conn: &mut PgConnection, cx: &Ctx<'_>, row: CaseRow| {
        let target = persistence::users::find(conn, UserId(b.assigned_to))?
            .ok_or_else(|| ApiError::field_coded("assigned_to", "not_found", "no such user"))?;
        let subject = case_subject(conn, &row)?;
        let to = Assignee {
            user_id: target.id,
            role: target.role,
            scope: target.scope,
            active: target.status == domain::user::UserStatus::Active,
        };
        check_assignment(row.assigned_to, &to, &subject, &b.reason)?;
        let updated = cases::set_assignee(conn, row.id, target.id, Utc::now())?;
        let detail = serde_json::json!({"from": row.assigned_to, "to": target.id});
        let data =
            serde_json::json!({"command": "reassign", "from": row.assigned_to, "to": target.id, "reason": b.reason.trim()});
        record_event(conn, cx.who, &updated, "reassign", Some(row.status), data, serde_json::json!([]))?;
        Outcome::with(updated, detail)
    };
    Ok(pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::new("case.reassign", Permission::ApproveCases),
        answer_view,
        step,
    )
    .await?
    .ok())
}

/// Where a transfer comes from or goes to.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"division_id": 6, "district_id": 47, "upazila_id": 401, "facility_id": null}))]
pub struct PlaceView {
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    /// The facility that manages the case there, if any.
    pub facility_id: Option<Uuid>,
}

/// A request to move a case to another office or facility.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-0000000000f1", "case_id": "01936f5e-0000-7000-8000-0000000000ee",
    "status": "requested", "status_label": {"en": "Requested", "bn": "অনুরোধ করা হয়েছে"},
    "from": {"division_id": 6, "district_id": 47, "upazila_id": 400, "facility_id": null},
    "to": {"division_id": 6, "district_id": 47, "upazila_id": 401, "facility_id": null},
    "reason": "The family moved to Tongi", "court_order": null, "requested_by": "01936f5e-0000-7000-8000-000000000001",
    "requested_on": "2026-12-01", "decided_by": null, "decided_on": null, "decline_reason": null, "version": 1,
    "created_at": "2026-12-01T04:00:00Z"}))]
pub struct TransferView {
    pub id: Uuid,
    pub case_id: Uuid,
    #[schema(value_type = crate::codes::TransferStatusCode)]
    pub status: String,
    pub status_label: LabelView,
    pub from: PlaceView,
    pub to: PlaceView,
    pub reason: String,
    /// The court's order for a safe-home resident's transfer.
    #[schema(value_type = Option<Object>)]
    pub court_order: Option<serde_json::Value>,
    pub requested_by: Uuid,
    pub requested_on: NaiveDate,
    pub decided_by: Option<Uuid>,
    pub decided_on: Option<NaiveDate>,
    pub decline_reason: Option<String>,
    /// The `ETag` value.
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

fn transfer_view(r: &TransferRow) -> TransferView {
    TransferView {
        id: r.id.0,
        case_id: r.case_id.0,
        status: r.status.code().to_owned(),
        status_label: r.status.label().into(),
        from: PlaceView {
            division_id: r.from_division_id,
            district_id: r.from_district_id,
            upazila_id: r.from_upazila_id,
            facility_id: r.from_facility_id.map(Uuid::from),
        },
        to: PlaceView {
            division_id: r.to_division_id,
            district_id: r.to_district_id,
            upazila_id: r.to_upazila_id,
            facility_id: r.to_facility_id.map(Uuid::from),
        },
        reason: r.reason.clone(),
        court_order: r.court_order.clone(),
        requested_by: r.requested_by.0,
        requested_on: r.requested_on,
        decided_by: r.decided_by.map(Uuid::from),
        decided_on: r.decided_on,
        decline_reason: r.decline_reason.clone(),
        version: r.version,
        created_at: r.created_at,
    }
}

fn holder(division: i32, district: i32, upazila: i32, facility: Option<FacilityId>) -> Holder {
    Holder { area: AreaPath::upazila(DivisionId(division), DistrictId(district), UpazilaId(upazila)), facility }
}

fn place(h: &Holder) -> Result<HolderPlace, ApiError> {
    let (Some(district), Some(upazila)) = (h.area.district, h.area.upazila) else {
        return Err(ApiError::internal("a holder without an upazila"));
    };
    Ok(HolderPlace {
        division_id: h.area.division.0,
        district_id: district.0,
        upazila_id: upazila.0,
        managing_facility_id: h.facility,
    })
}

fn holder_subject(conn: &mut PgConnection, h: &Holder) -> Result<Subject, ApiError> {
    let partners = match h.facility {
        Some(f) => cases::partners_of_facility(conn, f)?,
        None => vec![],
    };
    Ok(h.subject(partners))
}

fn from_of(r: &TransferRow) -> Holder {
    holder(r.from_division_id, r.from_district_id, r.from_upazila_id, r.from_facility_id)
}

fn to_of(r: &TransferRow) -> Holder {
    holder(r.to_division_id, r.to_district_id, r.to_upazila_id, r.to_facility_id)
}

/// The stored request as the domain's.
fn request_of(r: &TransferRow) -> Result<TransferRequest, ApiError> {
    let court_order: Option<CourtOrder> =
        r.court_order.clone().map(serde_json::from_value).transpose().map_err(ApiError::internal)?;
    Ok(TransferRequest {
        from: from_of(r),
        to: to_of(r),
        reason: r.reason.clone(),
        court_order,
        requested_by: r.requested_by,
        requested_on: r.requested_on,
        status: r.status,
        decided_by: r.decided_by,
        decided_on: r.decided_on,
        decline_reason: r.decline_reason.clone(),
    })
}

fn values_of(t: &TransferRequest) -> Result<TransferValues, ApiError> {
    Ok(TransferValues {
        status: t.status,
        from: place(&t.from)?,
        to: place(&t.to)?,
        reason: t.reason.clone(),
        court_order: t.court_order.as_ref().map(to_json).transpose()?,
        requested_by: t.requested_by,
        requested_on: t.requested_on,
        decided_by: t.decided_by,
        decided_on: t.decided_on,
        decline_reason: t.decline_reason.clone(),
    })
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"to_upazila_id": 401, "to_facility_id": null, "reason": "The family moved to Tongi",
    "court_order": {"court": "Nari o Shishu Nirjatan Daman Tribunal-2, Dhaka", "order_number": "231/2026", "order_date": "2026-03-01"}}))]
pub struct TransferRequestBody {
    /// The receiving upazila office (another district's upazila for a transfer between
    /// districts). With `to_facility_id`, the facility's own upazila.
    pub to_upazila_id: Option<i32>,
    /// The receiving facility (a safe home, a centre).
    pub to_facility_id: Option<Uuid>,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub reason: String,
    /// The court's order for the transfer: required for a safe-home resident.
    #[validate(nested)]
    pub court_order: Option<CourtOrderInput>,
}

/// The destination as the system knows it, or `None` when it names no place there is.
fn destination(conn: &mut PgConnection, b: &TransferRequestBody) -> Result<Option<Holder>, ApiError> {
    match (b.to_facility_id, b.to_upazila_id) {
        (Some(f), upazila) => {
            let Some(f) = persistence::facilities::find(conn, FacilityId(f))? else { return Ok(None) };
            if upazila.is_some_and(|u| u != f.upazila_id) {
                return Err(ApiError::field_coded("to_upazila_id", "mismatch", "is not the facility's upazila"));
            }
            Ok(Some(holder(f.division_id, f.district_id, f.upazila_id, Some(f.id))))
        }
        (None, Some(u)) => {
            let Some(path) = persistence::geo::upazila_path(conn, UpazilaId(u))? else { return Ok(None) };
            Ok(Some(Holder { area: path, facility: None }))
        }
        (None, None) => Err(ApiError::field_coded("to_upazila_id", "required", "give the receiving upazila or facility")),
    }
}

/// The sending office asks to move the case to another upazila, district or facility, with a
/// reason (a safe-home resident's with the court's order). One request waits at a time. Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(tag = "cases", request_body = TransferRequestBody,
    params(("case_id" = Uuid, Path, description = "The case id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Requested; `Location` and `ETag` set", body = TransferView),
        (status = 403, description = "The case is not one your office holds", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A transfer already waits, or the case has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A destination not in the system or the current one, no court order for a safe-home resident (the problem names the rule)", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/cases/{case_id}/transfers")]
pub async fn request_case_transfer(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    path: web::Path<CaseId>,
    body: ApiJson<TransferRequestBody>,
) -> Result<HttpResponse, ApiError> {
    let case_id = path.into_inner();
    let b = body.0;
    let fingerprint = idempotency::fingerprint(&[
        "request_case_transfer",
        &case_id.to_string(),
        &serde_json::to_string(&b).map_err(ApiError::internal)?,
    ]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let step = Step::new("case.request_transfer", Permission::WriteCases);
        let row = pipeline::under::<CaseRow, _, _>(conn, &who, case_id, step, |conn, cx, case| {
            if case.status.is_ended() {
                return Err(Refusal::CaseEnded.into());
            }
            let from = holder(case.division_id, case.district_id, case.upazila_id, case.managing_facility_id);
            let ask = TransferAsk {
                to: destination(conn, &b)?,
                reason: b.reason.trim().to_owned(),
                court_order: b.court_order.as_ref().map(CourtOrderInput::to_domain),
            };
            let pending = cases::transfer_pending(conn, case.id)?;
            let t = request_transfer(case.kind, case.opened_on, from, ask, pending, cx.who.user_id, today())?;
            let id = CaseTransferId(Uuid::now_v7());
            let row = cases::insert_transfer(conn, id, case.id, &values_of(&t)?)?;
            let data = serde_json::json!({"command": "request_transfer", "transfer_id": id, "to": place_json(&row, false)});
            record_event(conn, cx.who, case, "request_transfer", Some(case.status), data, serde_json::json!([]))?;
            let detail = serde_json::json!({"transfer_id": id, "status": row.status.code(), "to": place_json(&row, false)});
            Ok((row, detail))
        })?;
        Ok(Created {
            location: Some(format!("/api/v1/case-transfers/{}", row.id)),
            etag: Some(etag(row.version)),
            body: transfer_view(&row),
        })
    })
    .await
}

fn place_json(r: &TransferRow, from: bool) -> serde_json::Value {
    let h = if from { from_of(r) } else { to_of(r) };
    serde_json::json!({"upazila_id": h.area.upazila.map(|u| u.0), "facility_id": h.facility})
}

/// A transfer seen from its receiving side: accepting and declining are authorised where the
/// case is going.
pub struct Incoming(TransferRow);
/// A transfer seen from its sending side: withdrawing is authorised where the case is.
pub struct Outgoing(TransferRow);

macro_rules! transfer_record {
    ($side:ident, $holder:ident) => {
        impl Record for $side {
            type Id = CaseTransferId;
            const KIND: &'static str = "case_transfer";
            const NOUN: &'static str = "case transfer";

            fn lock(conn: &mut PgConnection, id: CaseTransferId) -> Result<Option<Self>, ApiError> {
                Ok(cases::find_transfer_for_update(conn, id)?.map($side))
            }
            fn subject(&self, conn: &mut PgConnection) -> Result<Subject, ApiError> {
                holder_subject(conn, &$holder(&self.0))
            }
            fn version(&self) -> i32 {
                self.0.version
            }
            fn summary(&self) -> serde_json::Value {
                serde_json::json!({"status": self.0.status.code(), "case_id": self.0.case_id, "version": self.0.version})
            }
        }
    };
}
transfer_record!(Incoming, to_of);
transfer_record!(Outgoing, from_of);

/// What a transfer decision answers, besides what every operation may (`crate::contract`).
#[derive(IntoResponses)]
#[allow(dead_code)]
enum TransferDecisionResponses {
    #[response(status = 200, description = "Done; the transfer with its new `ETag`")]
    Done(TransferView),
    #[response(
        status = 403,
        description = "Not the receiving (or, to withdraw, the sending) office",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(status = 404, description = "No such transfer", content_type = "application/problem+json")]
    NotFound(Problem),
    #[response(
        status = 409,
        description = "Already decided or withdrawn, or decided by the user who asked (the problem names the rule)",
        content_type = "application/problem+json"
    )]
    Refused(Problem),
    #[response(status = 412, description = "The transfer changed since you read it", content_type = "application/problem+json")]
    Stale(Problem),
    #[response(status = 422, description = "Invalid fields", content_type = "application/problem+json")]
    Invalid(Problem),
}

fn shown_transfer<R: TransferSideRow>(_: &mut PgConnection, _: &Principal, r: &R) -> Result<TransferView, ApiError> {
    Ok(transfer_view(r.row()))
}

trait TransferSideRow {
    fn row(&self) -> &TransferRow;
}
impl TransferSideRow for Incoming {
    fn row(&self) -> &TransferRow {
        &self.0
    }
}
impl TransferSideRow for Outgoing {
    fn row(&self) -> &TransferRow {
        &self.0
    }
}

/// The receiving office accepts: from today the case is held there (its area and managing
/// facility move; its documents follow it; a resident moves to the receiving home, which must
/// have a place for her), the sending office keeps reading it, and both offices' reports count
/// it where it was on each day. A case that ended meanwhile is not moved (`case.ended`).
/// Requires `If-Match` (the transfer's).
#[utoipa::path(tag = "cases",
    params(("transfer_id" = Uuid, Path, description = "The transfer"), ("If-Match" = String, Header, description = "The transfer's current ETag")),
    security(("bearer" = [])), responses(TransferDecisionResponses))]
#[post("/case-transfers/{transfer_id}/acceptance")]
pub async fn accept_case_transfer(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseTransferId>,
) -> Result<HttpResponse, ApiError> {
    let step = move |conn: &mut PgConnection, cx: &Ctx<'_>, Incoming(row): Incoming| {
        let mut t = request_of(&row)?;
        let on = today();
        let case = cases::find_for_update(conn, row.case_id)?.ok_or(ApiError::NotFound("case"))?;
        let to = t.accept(cx.who.user_id, case.status.is_ended(), on)?;
        let moved = cases::move_holder(conn, case.id, place(&to)?, on, Utc::now())?;
        let (moved, residence) = move_resident(conn, moved, to.facility, on)?;
        let decided = cases::decide_transfer(conn, row.id, &values_of(&t)?, Utc::now())?;
        let data = serde_json::json!({"command": "accept_transfer", "transfer_id": row.id, "from": place_json(&row, true),
                                      "to": place_json(&row, false)});
        let mut happenings = vec![
            serde_json::json!({"event": "transferred", "on": on, "from": place_json(&row, true), "to": place_json(&row, false)}),
        ];
        happenings.extend(residence.map(|h| serde_json::to_value(h).map_err(ApiError::internal)).transpose()?);
        let happenings = serde_json::Value::Array(happenings);
        record_event(conn, cx.who, &moved, "accept_transfer", Some(case.status), data, happenings)?;
        let detail = serde_json::json!({"transfer_id": row.id, "to": place_json(&row, false)});
        pipeline::audit_changed(conn, cx.who, "case.transfer_accepted", (&case, &moved), case.id, detail)?;
        Ok(Outcome::new(Incoming(decided)))
    };
    let step_name = Step::new("case_transfer.accept", Permission::WriteCases);
    Ok(pipeline::change(&req, &state, who, path.into_inner(), step_name, shown_transfer::<Incoming>, step).await?.ok())
}

/// A resident moves with her case when it goes to another home that can take her (a safe
/// home for a safe-home case, a centre for a child's); to an office or a facility where nobody
/// lives she stays where she lives.
fn move_resident(
    conn: &mut PgConnection,
    row: CaseRow,
    to: Option<FacilityId>,
    on: NaiveDate,
) -> Result<(CaseRow, Option<domain::case::Happening>), ApiError> {
    let mut case = super::load(&row)?;
    let Some(dest) = to.filter(|d| case.in_residence().is_some_and(|f| f != *d)) else {
        return Ok((row, None));
    };
    let kind = persistence::facilities::find(conn, dest)?.map(|f| f.facility_type);
    let types = super::actions::residential_types(row.kind);
    if !kind.is_some_and(|k| types.contains(&k)) {
        return Ok((row, None));
    }
    let facts = super::actions::facility_facts(conn, &case, dest, types)?;
    let happened = case.move_residence(&facts, on)?;
    let row = cases::update(conn, row.id, &super::projection(&case)?, Utc::now())?;
    Ok((row, happened))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reason": "No place in our centre until January"}))]
pub struct DeclineRequest {
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub reason: String,
}

/// The receiving office declines, with a reason; the case stays where it is. Requires `If-Match`.
#[utoipa::path(tag = "cases", request_body = DeclineRequest,
    params(("transfer_id" = Uuid, Path, description = "The transfer"), ("If-Match" = String, Header, description = "The transfer's current ETag")),
    security(("bearer" = [])), responses(TransferDecisionResponses))]
#[post("/case-transfers/{transfer_id}/decline")]
pub async fn decline_case_transfer(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseTransferId>,
    body: ApiJson<DeclineRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let step = move |conn: &mut PgConnection, cx: &Ctx<'_>, Incoming(row): Incoming| {
        let mut t = request_of(&row)?;
        t.decline(cx.who.user_id, b.reason.trim(), today())?;
        let decided = cases::decide_transfer(conn, row.id, &values_of(&t)?, Utc::now())?;
        let case = cases::find(conn, row.case_id)?.ok_or(ApiError::NotFound("case"))?;
        let data = serde_json::json!({"command": "decline_transfer", "transfer_id": row.id, "reason": b.reason.trim()});
        record_event(conn, cx.who, &case, "decline_transfer", Some(case.status), data, serde_json::json!([]))?;
        Ok(Outcome::new(Incoming(decided)))
    };
    let step_name = Step::new("case_transfer.decline", Permission::WriteCases);
    Ok(pipeline::change(&req, &state, who, path.into_inner(), step_name, shown_transfer::<Incoming>, step).await?.ok())
}

/// The sending office withdraws its request. Requires `If-Match`.
#[utoipa::path(tag = "cases",
    params(("transfer_id" = Uuid, Path, description = "The transfer"), ("If-Match" = String, Header, description = "The transfer's current ETag")),
    security(("bearer" = [])), responses(TransferDecisionResponses))]
#[post("/case-transfers/{transfer_id}/withdrawal")]
pub async fn withdraw_case_transfer(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseTransferId>,
) -> Result<HttpResponse, ApiError> {
    let step = move |conn: &mut PgConnection, cx: &Ctx<'_>, Outgoing(row): Outgoing| {
        let mut t = request_of(&row)?;
        t.withdraw(cx.who.user_id, today())?;
        let decided = cases::decide_transfer(conn, row.id, &values_of(&t)?, Utc::now())?;
        let case = cases::find(conn, row.case_id)?.ok_or(ApiError::NotFound("case"))?;
        let data = serde_json::json!({"command": "withdraw_transfer", "transfer_id": row.id});
        record_event(conn, cx.who, &case, "withdraw_transfer", Some(case.status), data, serde_json::json!([]))?;
        Ok(Outcome::new(Outgoing(decided)))
    };
    let step_name = Step::new("case_transfer.withdraw", Permission::WriteCases);
    Ok(pipeline::change(&req, &state, who, path.into_inner(), step_name, shown_transfer::<Outgoing>, step).await?.ok())
}

/// Whether the caller may read the transfer: case readers on either side.
fn may_read(conn: &mut PgConnection, who: &Principal, r: &TransferRow) -> Result<(), ApiError> {
    let to = holder_subject(conn, &to_of(r))?;
    match require(conn, who, Permission::ReadCases, &to) {
        Ok(_) => Ok(()),
        Err(ApiError::Forbidden(_)) => {
            let from = holder_subject(conn, &from_of(r))?;
            require(conn, who, Permission::ReadCases, &from).map(|_| ())
        }
        Err(e) => Err(e),
    }
}

/// One transfer, for the sending and the receiving office. Every read is recorded in the audit trail.
#[utoipa::path(tag = "cases",
    params(("transfer_id" = Uuid, Path, description = "The transfer")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The transfer; `ETag` set", body = TransferView),
        (status = 403, description = "Neither the sending nor the receiving office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such transfer", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/case-transfers/{transfer_id}")]
pub async fn get_case_transfer(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseTransferId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let row = transact(&state, move |conn| {
        let r = cases::find_transfer(conn, id)?.ok_or(ApiError::NotFound("case transfer"))?;
        may_read(conn, &who, &r)?;
        // (A transfer is about a person: its read is on record, like the case's.)
        persistence::audit::record_read(conn, &who.audit_actor(), "case_transfer", id.to_string(), Some(&who.request_id))?;
        Ok(r)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(row.version))).json(transfer_view(&row)))
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    /// `incoming` (default: to your office, to accept or decline) or `outgoing` (from it).
    #[param(value_type = Option<crate::codes::TransferSideCode>)]
    pub side: Option<String>,
    /// `requested`, `accepted`, `declined` or `withdrawn`.
    #[param(value_type = Option<crate::codes::TransferStatusCode>)]
    pub status: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Transfers to (or from) your office, oldest first. The list call is audited.
#[utoipa::path(tag = "cases", params(TransferQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of transfers", body = ListPage<TransferView>),
        (status = 400, description = "Bad cursor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown side or status", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/case-transfers")]
pub async fn list_case_transfers(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<TransferQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let asked = to_json(&q)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let side = match q.side.as_deref() {
        None | Some("incoming") => TransferSide::Incoming,
        Some("outgoing") => TransferSide::Outgoing,
        Some(_) => return Err(ApiError::field_coded("side", "unknown_code", "must be `incoming` or `outgoing`")),
    };
    let status = crate::codes::check_filter("status", &q.status, TransferStatus::parse)?;
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadCases, &own)?;
        let page = cases::list_transfers(conn, actor.scope, side, status, after, limit)?;
        who.audit_list(conn, "case_transfer", &asked, page.rows.iter().map(|r| r.id))?;
        Ok(page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| transfer_view(&r))))
}
