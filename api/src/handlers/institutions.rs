//! Residents of child-care and rehabilitation institutions (Shishu Paribar, Chotomoni Nibash,
//! training and rehabilitation centres, schools for visually impaired children): admission
//! by each institution's rules, transfer (a new stay naming the old one, so the child's
//! history follows her), and departure, ageing out with a rehabilitation plan. Reads of a
//! resident's stay are audited.

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::access::{Permission, Subject};
use domain::id::{FacilityId, InstitutionStayId, PersonId};
use domain::institution::{check_admission, check_leaving, leaves_on, rules_for, Admission, LeaveReason};
use domain::person::Sex;
use persistence::facilities::FacilityRow;
use persistence::institutions::{self as repo, NewStay, StayFilter, StayRow};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::handlers::facilities::facility_subject;
use crate::handlers::microcredit::today;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Answer, Outcome, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::transact;
use crate::views::LabelView;

/// A resident's stay at an institution.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000a501", "facility_id": "01936f5e-0000-7000-8000-0000000000bb",
    "person_id": "01936f5e-0000-7000-8000-0000000000a1", "sex": "female", "admitted_on": "2020-03-02", "leaves_on": "2024-03-01",
    "transferred_from": null, "left_on": null, "leave_reason": null, "leave_reason_label": null, "rehabilitation_plan": null,
    "leave_notes": null, "version": 1}))]
pub struct StayView {
    pub id: Uuid,
    pub facility_id: Uuid,
    pub person_id: Uuid,
    #[schema(value_type = crate::codes::SexCode)]
    pub sex: Sex,
    pub admitted_on: NaiveDate,
    /// The day the resident reaches the institution's age limit.
    pub leaves_on: NaiveDate,
    /// The stay at the institution the resident was transferred from.
    pub transferred_from: Option<Uuid>,
    pub left_on: Option<NaiveDate>,
    #[schema(value_type = Option<crate::codes::LeaveReasonCode>)]
    pub leave_reason: Option<LeaveReason>,
    pub leave_reason_label: Option<LabelView>,
    pub rehabilitation_plan: Option<String>,
    pub leave_notes: Option<String>,
    /// The `ETag` value.
    pub version: i32,
}

fn stay_view(s: &StayRow) -> StayView {
    StayView {
        id: s.id.0,
        facility_id: s.facility_id.0,
        person_id: s.person_id.0,
        sex: s.sex,
        admitted_on: s.admitted_on,
        leaves_on: s.leaves_on,
        transferred_from: s.transferred_from.map(Uuid::from),
        left_on: s.left_on,
        leave_reason: s.leave_reason,
        leave_reason_label: s.leave_reason.map(|r| r.label().into()),
        rehabilitation_plan: s.rehabilitation_plan.clone(),
        leave_notes: s.leave_notes.clone(),
        version: s.version,
    }
}

/// A stay with the resident's whole history across institutions.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"stay": {"id": "01936f5e-0000-7000-8000-00000000a501", "facility_id": "01936f5e-0000-7000-8000-0000000000bb",
    "person_id": "01936f5e-0000-7000-8000-0000000000a1", "sex": "female", "admitted_on": "2020-03-02", "leaves_on": "2024-03-01",
    "transferred_from": null, "left_on": null, "leave_reason": null, "leave_reason_label": null, "rehabilitation_plan": null,
    "leave_notes": null, "version": 1}, "history": []}))]
pub struct StayDetail {
    pub stay: StayView,
    /// Every stay of the resident, oldest first (this one included).
    pub history: Vec<StayView>,
}

fn facility(conn: &mut PgConnection, id: Uuid, field: &str) -> Result<(FacilityRow, Subject), ApiError> {
    let f = persistence::facilities::find(conn, FacilityId(id))?
        .ok_or_else(|| ApiError::field_coded(field, "not_found", "no such facility"))?;
    let subject = facility_subject(conn, &f)?;
    Ok((f, subject))
}

/// Checks an arrival (admission or transfer) at `f` and records the stay.
fn arrive(
    conn: &mut PgConnection,
    who: &Principal,
    f: &FacilityRow,
    person: &persistence::persons::PersonRow,
    on: NaiveDate,
    from: Option<InstitutionStayId>,
) -> Result<StayRow, ApiError> {
    let occupied = repo::occupancy(conn, f.id, person.sex)?;
    let elsewhere = from.is_none() && repo::open_stay_of(conn, person.id)?.is_some();
    check_admission(
        f.facility_type,
        &Admission {
            date_of_birth: person.date_of_birth,
            sex: person.sex,
            on,
            places: f.capacity_for(person.sex),
            occupied,
            resident_elsewhere: elsewhere,
        },
    )?;
    let limit_day =
        leaves_on(f.facility_type, person.date_of_birth).ok_or_else(|| ApiError::internal("an institution without rules"))?;
    Ok(repo::insert(
        conn,
        &NewStay {
            facility: f,
            person_id: person.id,
            sex: person.sex,
            admitted_on: on,
            leaves_on: limit_day,
            transferred_from: from,
            by: who.user_id,
        },
    )?)
}

/// An admission.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"facility_id": "01936f5e-0000-7000-8000-0000000000bb", "person_id": "01936f5e-0000-7000-8000-0000000000a1",
    "admitted_on": "2026-01-15"}))]
pub struct InstitutionAdmissionRequest {
    pub facility_id: Uuid,
    pub person_id: Uuid,
    pub admitted_on: NaiveDate,
}

/// Admit a child (or, at the girls' centres, a young woman) by the institution's rules. Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "admit_resident_to_institution", tag = "institutions", request_body = InstitutionAdmissionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Admitted; `Location` and `ETag` set", body = StayView),
        (status = 409, description = "No place free, or the child lives in another institution (transfer her)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an institution, an age or sex it does not take, a person you may not see, or a date in the future", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/institution-stays")]
pub async fn admit_resident_to_institution(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<InstitutionAdmissionRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    crate::handlers::step_day("admitted_on", b.admitted_on, None)?;
    let fingerprint =
        idempotency::fingerprint(&["admit_resident_to_institution", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let (f, subject) = facility(conn, b.facility_id, "facility_id")?;
        let actor = require(conn, &who, Permission::ManageResidents, &subject)?;
        let person = persistence::persons::find_visible(conn, actor.scope, who.user_id, PersonId(b.person_id))?
            .ok_or_else(|| ApiError::field_coded("person_id", "not_found", "no such person (or not one you may see)"))?;
        let row = arrive(conn, &who, &f, &person, b.admitted_on, None)?;
        crate::pipeline::audit_created(
            conn,
            &who,
            "institution.admit",
            row.id,
            &row,
            serde_json::json!({"facility_id": f.id, "admitted_on": row.admitted_on}),
        )?;
        Ok(Created {
            location: Some(format!("/api/v1/institution-stays/{}", row.id)),
            etag: Some(etag(row.version)),
            body: stay_view(&row),
        })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StayQuery {
    pub facility_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    /// `true`: residents now; `false`: stays that ended.
    pub current: Option<bool>,
    /// Residents now who reach their institution's age limit on or before this day.
    pub leaving_by: Option<NaiveDate>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Stays within your scope.
#[utoipa::path(operation_id = "list_institution_stays", tag = "institutions", params(StayQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of stays", body = ListPage<StayView>),
    ))]
#[get("/institution-stays")]
pub async fn list_institution_stays(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<StayQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    // (What was asked, for the audit row: a list of personal data is a read on record.)
    let asked = serde_json::to_value(&q).map_err(ApiError::internal)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let filter = StayFilter {
        facility_id: q.facility_id.map(FacilityId),
        person_id: q.person_id.map(PersonId),
        current: q.current,
        leaving_by: q.leaving_by,
    };
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadResidents, &own)?;
        let page = repo::list(conn, actor.scope, &filter, after, limit)?;
        who.audit_list(conn, "institution_stay", &asked, page.rows.iter().map(|r| r.id))?;
        Ok(page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| stay_view(&r))))
}

fn subject_of(conn: &mut PgConnection, s: &StayRow) -> Result<Subject, ApiError> {
    let f = persistence::facilities::find(conn, s.facility_id)?.ok_or(ApiError::NotFound("facility"))?;
    facility_subject(conn, &f)
}

/// One stay with the resident's history (the read is audited).
#[utoipa::path(operation_id = "get_institution_stay", tag = "institutions",
    params(("stay_id" = Uuid, Path, description = "The stay")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The stay; `ETag` set", body = StayDetail),
        (status = 404, description = "No such stay", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/institution-stays/{stay_id}")]
pub async fn get_institution_stay(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<InstitutionStayId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let d = transact(&state, move |conn| {
        let s = repo::find(conn, id)?.ok_or(ApiError::NotFound("stay"))?;
        let subject = subject_of(conn, &s)?;
        require(conn, &who, Permission::ReadResidents, &subject)?;
        persistence::audit::record_read(conn, &who.audit_actor(), "institution_stay", id.to_string(), Some(&who.request_id))?;
        let history = repo::history(conn, s.person_id)?.iter().map(stay_view).collect();
        Ok(StayDetail { stay: stay_view(&s), history })
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(d.stay.version))).json(d))
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"to_facility_id": "01936f5e-0000-7000-8000-0000000000bc", "on": "2026-03-01"}))]
pub struct TransferRequest {
    pub to_facility_id: Uuid,
    pub on: NaiveDate,
}

/// Transfer a resident to another institution (a Chotomoni Nibash child turning 6 to a
/// Shishu Paribar): this stay ends and a new one begins there, naming this one. Needs the
/// permission at both institutions. Requires `If-Match`.
#[utoipa::path(operation_id = "transfer_resident", tag = "institutions", request_body = TransferRequest,
    params(("stay_id" = Uuid, Path, description = "The current stay"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Transferred; the new stay, with its `Location` and `ETag`", body = StayView),
        (status = 404, description = "No such stay", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The stay has ended, or no place is free there", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an institution, an age or sex it does not take, or a bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/institution-stays/{stay_id}/transfer")]
pub async fn transfer_resident(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<InstitutionStayId>,
    body: ApiJson<TransferRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    let step = Step::new("institution.transfer", Permission::ManageResidents);
    let done = pipeline::change(
        &req,
        &state,
        who,
        id,
        step,
        |_, _, new: &StayRow| Ok((new.id, stay_view(new))),
        move |conn, cx, s: StayRow| {
            if s.left_on.is_some() {
                return Err(domain::institution::STAY_ENDED.into());
            }
            crate::handlers::step_day("on", b.on, Some(s.admitted_on))?;
            let (to, there) = facility(conn, b.to_facility_id, "to_facility_id")?;
            require(conn, cx.who, Permission::ManageResidents, &there)?;
            if to.id == s.facility_id {
                return Err(ApiError::field_coded("to_facility_id", "invalid", "a transfer goes to another institution"));
            }
            // (A resident of an institution one manages is one's to move.)
            let person = persistence::persons::find(conn, s.person_id)?.ok_or(ApiError::NotFound("person"))?;
            repo::leave(conn, s.id, (b.on, LeaveReason::Transferred, None, None))?;
            let new = arrive(conn, cx.who, &to, &person, b.on, Some(s.id))?;
            Outcome::with(new, serde_json::json!({"from_stay_id": s.id, "on": b.on}))
        },
    )
    .await?;
    let location = format!("/api/v1/institution-stays/{}", done.view.0);
    Ok(Answer { version: done.version, view: done.view.1 }.ok_at(location))
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"on": "2026-03-01", "reason": "aged_out", "rehabilitation_plan": "Garment job in Gazipur, hostel arranged", "notes": null}))]
pub struct DepartureRequest {
    pub on: NaiveDate,
    #[schema(value_type = crate::codes::LeaveReasonCode)]
    pub reason: LeaveReason,
    /// Required to age out.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub rehabilitation_plan: Option<String>,
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub notes: Option<String>,
}

/// Record that a resident left (aged out with a rehabilitation plan, returned to family,
/// absconded, died). A move to another institution is a transfer. Requires `If-Match`.
#[utoipa::path(operation_id = "record_resident_departure", tag = "institutions", request_body = DepartureRequest,
    params(("stay_id" = Uuid, Path, description = "The stay"), ("If-Match" = String, Header, description = "Its current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; new `ETag`", body = StayView),
        (status = 404, description = "No such stay", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The stay has ended", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad date, ageing out early or without a plan, or a transfer", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/institution-stays/{stay_id}/departure")]
pub async fn record_resident_departure(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<InstitutionStayId>,
    body: ApiJson<DepartureRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    let step = Step::new("institution.departure", Permission::ManageResidents);
    let done = pipeline::change(&req, &state, who, id, step, pipeline::shown(stay_view), move |conn, _, s: StayRow| {
        if s.left_on.is_some() {
            return Err(domain::institution::STAY_ENDED.into());
        }
        let plan = b.rehabilitation_plan.as_deref().map(str::trim).filter(|p| !p.is_empty());
        check_leaving(b.reason, (s.admitted_on, b.on, today()), Some(s.leaves_on), plan)?;
        let notes = b.notes.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let after = repo::leave(conn, s.id, (b.on, b.reason, plan, notes))?;
        Outcome::with(after, serde_json::json!({"reason": b.reason.code(), "on": b.on}))
    })
    .await?;
    Ok(done.ok())
}

crate::pipeline::record!(StayRow {
    id: InstitutionStayId,
    kind: "institution_stay",
    noun: "stay",
    lock: repo::find_for_update,
    subject: |r, conn| subject_of(conn, r),
    summary: |r| serde_json::json!({"facility_id": r.facility_id, "left_on": r.left_on, "version": r.version}),
});

/// The work queue's institution items: residents reaching their institution's age limit
/// within `days`, when `who` may read residents.
pub(crate) fn leaving_soon(
    conn: &mut PgConnection,
    actor: &domain::access::Actor,
    own: &Subject,
    days: i64,
) -> Result<Vec<(StayRow, Option<domain::facility::FacilityType>)>, ApiError> {
    if domain::access::authorize(actor, Permission::ReadResidents, own).is_err() {
        return Ok(vec![]);
    }
    let by = today() + chrono::Duration::days(days);
    let rows = repo::leaving_soon(conn, actor.scope, by, 200)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let kind = persistence::facilities::find(conn, r.facility_id)?.map(|f| f.facility_type);
        out.push((r, kind.filter(|k| rules_for(*k).is_some())));
    }
    Ok(out)
}
