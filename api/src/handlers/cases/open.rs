use actix_web::http::StatusCode;
use actix_web::post;
use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, Utc};
use domain::access::{Permission, Subject};
use domain::case::{Case, CaseKind, CaseSubject, CourtOrder};
use domain::facility::FacilityType;
use domain::geo::UpazilaId;
use domain::id::{CaseId, ContactId, FacilityId, PersonId};
use persistence::cases::{self, NewCase};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{case_view, projection, record_event, visibility, CaseView};
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::handlers::facilities::{facility_area, facility_subject};
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A court order, as written on it.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"court": "Nari o Shishu Nirjatan Daman Tribunal-2, Dhaka", "order_number": "231/2026", "order_date": "2026-03-01"}))]
pub struct CourtOrderInput {
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub court: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub order_number: String,
    pub order_date: NaiveDate,
}

impl CourtOrderInput {
    pub fn to_domain(&self) -> CourtOrder {
        CourtOrder {
            court: self.court.trim().to_owned(),
            order_number: self.order_number.trim().to_owned(),
            order_date: self.order_date,
        }
    }
}

/// Open a case. A safe-home case names the home (`facility_id`) and the court order that
/// placed the person there; a child-protection case names the upazila handling it (or a
/// facility) and the intake date (default today).
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({
    "kind": "child_protection", "person_id": "01936f5e-0000-7000-8000-0000000000cc",
    "upazila_id": 400, "intake_on": "2026-06-01"
}))]
pub struct OpenCaseRequest {
    /// `safe_home` or `child_protection`.
    #[schema(value_type = crate::codes::CaseKindCode)]
    pub kind: CaseKind,
    pub person_id: Uuid,
    /// The safe home (required for `safe_home`), or a centre handling a child's case.
    pub facility_id: Option<Uuid>,
    /// The upazila handling a child-protection case (when no facility is given).
    pub upazila_id: Option<i32>,
    /// Required for `safe_home`.
    #[validate(nested)]
    pub court_order: Option<CourtOrderInput>,
    /// Child protection: the intake date (default today, Asia/Dhaka).
    pub intake_on: Option<NaiveDate>,
    /// The helpline or outreach contact this case comes from; the contact must be about the
    /// same person and must not have opened a case yet. It then shows the case.
    pub source_contact_id: Option<Uuid>,
}

/// Open a case. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(tag = "cases",
    request_body = OpenCaseRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Opened; `ETag` and `Location` set", body = CaseView),
        (status = 403, description = "Not permitted here", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key reused for another request", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or a rule refused (e.g. not a child at intake)", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/cases")]
pub async fn open_case(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<OpenCaseRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let kind = b.kind;
    match kind {
        CaseKind::SafeHome if b.facility_id.is_none() => {
            return Err(ApiError::field_coded("facility_id", "required", "a safe-home case names its safe home"))
        }
        CaseKind::SafeHome if b.court_order.is_none() => {
            return Err(ApiError::field_coded("court_order", "required", "a safe-home case begins with a court order"))
        }
        CaseKind::ChildProtection if b.facility_id.is_none() && b.upazila_id.is_none() => {
            return Err(ApiError::field_coded("upazila_id", "required", "give the upazila handling the case (or a facility)"))
        }
        _ => {}
    }
    let fingerprint = idempotency::fingerprint(&["open_case", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let (subject, area, managing) = match b.facility_id.map(FacilityId) {
            Some(fid) => {
                let f = persistence::facilities::find(conn, fid)?
                    .ok_or_else(|| ApiError::field_coded("facility_id", "not_found", "no such facility"))?;
                if kind == CaseKind::SafeHome && f.facility_type != FacilityType::SafeHome {
                    return Err(ApiError::field("facility_id", "is not a safe home"));
                }
                (facility_subject(conn, &f)?, facility_area(&f), Some(fid))
            }
            None => {
                let u = b.upazila_id.ok_or_else(|| {
                    ApiError::field_coded("upazila_id", "required", "give the upazila handling the case (or a facility)")
                })?;
                let area = persistence::geo::upazila_path(conn, UpazilaId(u))?
                    .ok_or_else(|| ApiError::field_coded("upazila_id", "not_found", "no such upazila"))?;
                (Subject::Area(area), area, None)
            }
        };
        let actor = require(conn, &who, Permission::WriteCases, &subject)?;
        let person = persistence::persons::find_visible(conn, actor.scope, who.user_id, PersonId(b.person_id))?
            .ok_or_else(|| ApiError::field_coded("person_id", "not_found", "no such person (or not one you may see)"))?;
        let case_subject = CaseSubject {
            person_id: person.id,
            sex: person.sex,
            date_of_birth: person.date_of_birth,
            foreign_national: person.nationality != "BD",
        };
        let source = match b.source_contact_id {
            Some(cid) => {
                let c = persistence::contacts::find_for_update(conn, ContactId(cid))?
                    .ok_or_else(|| ApiError::field_coded("source_contact_id", "not_found", "no such contact"))?;
                require(conn, &who, Permission::ReadContacts, &crate::handlers::contacts::contact_subject(&c))
                    .map_err(|_| ApiError::field_coded("source_contact_id", "not_found", "no such contact"))?;
                domain::contact::may_open_case(c.person_id, c.case_id.is_some(), person.id)?;
                Some(c.id)
            }
            None => None,
        };
        let today = domain::time::dhaka_date(Utc::now());
        let case = match kind {
            CaseKind::SafeHome => {
                let order = b.court_order.as_ref().ok_or_else(|| {
                    ApiError::field_coded("court_order", "required", "a safe-home case begins with a court order")
                })?;
                Case::open_safe_home(case_subject, order.to_domain(), today)
            }
            CaseKind::ChildProtection => Case::open_child_protection(case_subject, b.intake_on.unwrap_or(today), today),
        }
        .map_err(ApiError::from)?;
        let row = cases::insert(
            conn,
            &NewCase {
                id: CaseId(Uuid::now_v7()),
                kind,
                person_id: person.id,
                managing_facility_id: managing,
                division_id: area.division.0,
                district_id: area.district.ok_or_else(|| ApiError::internal("a case's area has no district"))?.0,
                upazila_id: area.upazila.ok_or_else(|| ApiError::internal("a case's area has no upazila"))?.0,
                sex: person.sex,
                date_of_birth: person.date_of_birth,
                opened_on: case.opened_on,
                created_by: Some(who.user_id),
                source_contact_id: source,
                projection: projection(&case)?,
            },
        )?;
        if let Some(cid) = source {
            persistence::contacts::link_case(conn, cid, row.id)?;
        }
        let command = serde_json::to_value(&b).map_err(ApiError::internal)?;
        record_event(conn, &who, &row, "open_case", None, command.clone(), serde_json::json!([]))?;
        // The audit rows last: each takes its chain's head until the transaction ends, so no
        // write that waits on another writer comes after them.
        if let Some(cid) = source {
            who.audit(conn, "contact.case_opened", "contact", cid, None, Some(serde_json::json!({"case_id": row.id})))?;
        }
        crate::pipeline::audit_created(conn, &who, "case.open_case", row.id, &row, serde_json::json!({"command": command}))?;
        let (_, vis) = visibility(conn, &who, &subject)?;
        let view = case_view(&row, vis)?;
        Ok(Created { location: Some(format!("/api/v1/cases/{}", row.id)), etag: Some(etag(view.version)), body: view })
    })
    .await
}
