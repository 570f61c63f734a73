//! The disability identification register: assessments by the DSS survey and the identity
//! cards printed on them. The disability allowance and stipend read it (`programmes`).

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Permission;
use domain::disability::{check_assessment, check_card, parse_card_number, DisabilityType, Severity};
use domain::id::{DisabilityRecordId, PersonId};
use domain::person::Sex;
use persistence::disability::{self as repo, DisabilityFilter, DisabilityRow, NewAssessment};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::handlers::microcredit::{office, upazila_area};
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Outcome, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::{read, transact};
use crate::views::LabelView;

fn today() -> NaiveDate {
    domain::time::dhaka_date(Utc::now())
}

/// An assessment in the register, with its identity card.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000d101", "person_id": "01936f5e-0000-7000-8000-0000000000a1",
    "disability_type": "visual", "disability_type_label": {"en": "Visual disability", "bn": "দৃষ্টি প্রতিবন্ধিতা"},
    "severity": "severe", "severity_label": {"en": "Severe", "bn": "তীব্র"}, "assessed_by": "Dr. Rahman, Upazila Health Complex",
    "assessed_on": "2026-03-01", "upazila_id": 400, "sex": "female", "card_number": "1234567890", "card_printed_on": "2026-04-01",
    "card_issued_on": "2026-04-10", "superseded_by": null, "version": 2, "created_at": "2026-03-01T04:00:00Z"}))]
pub struct DisabilityView {
    pub id: Uuid,
    pub person_id: Uuid,
    #[schema(value_type = crate::codes::DisabilityTypeCode)]
    pub disability_type: DisabilityType,
    pub disability_type_label: LabelView,
    #[schema(value_type = crate::codes::SeverityCode)]
    pub severity: Severity,
    pub severity_label: LabelView,
    pub assessed_by: String,
    pub assessed_on: NaiveDate,
    pub upazila_id: i32,
    #[schema(value_type = crate::codes::SexCode)]
    pub sex: Sex,
    pub card_number: Option<String>,
    pub card_printed_on: Option<NaiveDate>,
    pub card_issued_on: Option<NaiveDate>,
    /// A later assessment of the same person, which is the one in force.
    pub superseded_by: Option<Uuid>,
    /// The `ETag` value.
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

pub(crate) fn disability_view(r: &DisabilityRow) -> DisabilityView {
    DisabilityView {
        id: r.id.0,
        person_id: r.person_id.0,
        disability_type: r.disability_type,
        disability_type_label: r.disability_type.label().into(),
        severity: r.severity,
        severity_label: r.severity.label().into(),
        assessed_by: r.assessed_by.clone(),
        assessed_on: r.assessed_on,
        upazila_id: r.upazila_id,
        sex: r.sex,
        card_number: r.card_number.clone(),
        card_printed_on: r.card_printed_on,
        card_issued_on: r.card_issued_on,
        superseded_by: r.superseded_by.map(Uuid::from),
        version: r.version,
        created_at: r.created_at,
    }
}

/// An assessment by the identification survey.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"person_id": "01936f5e-0000-7000-8000-0000000000a1", "disability_type": "visual", "severity": "severe",
    "assessed_by": "Dr. Rahman, Upazila Health Complex", "assessed_on": "2026-03-01", "upazila_id": 1}))]
pub struct AssessmentRequest {
    pub person_id: Uuid,
    #[schema(value_type = crate::codes::DisabilityTypeCode)]
    pub disability_type: DisabilityType,
    #[schema(value_type = crate::codes::SeverityCode)]
    pub severity: Severity,
    /// The assessing doctor or team.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub assessed_by: String,
    pub assessed_on: NaiveDate,
    /// Where the survey assessed the person.
    pub upazila_id: i32,
}

/// Record an assessment; it supersedes the person's earlier one (which is kept). Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "record_disability_assessment", tag = "disability", request_body = AssessmentRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded; `Location` and `ETag` set", body = DisabilityView),
        (status = 422, description = "A person you may not see, an unknown upazila, or a date in the future", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/disability-records")]
pub async fn record_disability_assessment(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<AssessmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    check_assessment(b.assessed_on, today())?;
    let fingerprint =
        idempotency::fingerprint(&["record_disability_assessment", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let area = upazila_area(conn, b.upazila_id, "upazila_id")?;
        let actor = require(conn, &who, Permission::WriteDisabilityRegister, &crate::handlers::microcredit::area_subject(area))?;
        let person = persistence::persons::find_visible(conn, actor.scope, who.user_id, PersonId(b.person_id))?
            .ok_or_else(|| ApiError::field_coded("person_id", "not_found", "no such person (or not one you may see)"))?;
        domain::person::check_not_before_birth(domain::disability::ASSESSED_BEFORE_BIRTH, b.assessed_on, person.date_of_birth)?;
        let row = repo::insert(
            conn,
            &NewAssessment {
                person_id: person.id,
                disability_type: b.disability_type,
                severity: b.severity,
                assessed_by: b.assessed_by.trim(),
                assessed_on: b.assessed_on,
                area,
                sex: person.sex,
                by: who.user_id,
            },
        )?;
        crate::pipeline::audit_created(
            conn,
            &who,
            "disability.assess",
            row.id,
            &row,
            serde_json::json!({"person_id": row.person_id, "type": row.disability_type.code(), "severity": row.severity.code()}),
        )?;
        Ok(Created {
            location: Some(format!("/api/v1/disability-records/{}", row.id)),
            etag: Some(etag(row.version)),
            body: disability_view(&row),
        })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisabilityQuery {
    pub person_id: Option<Uuid>,
    #[param(value_type = Option<crate::codes::DisabilityTypeCode>)]
    pub disability_type: Option<String>,
    pub upazila_id: Option<i32>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// The register within your scope.
#[utoipa::path(operation_id = "list_disability_records", tag = "disability", params(DisabilityQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of records", body = ListPage<DisabilityView>),
        (status = 422, description = "An unknown type", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/disability-records")]
pub async fn list_disability_records(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<DisabilityQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    // (What was asked, for the audit row: a list of personal data is a read on record.)
    let asked = serde_json::to_value(&q).map_err(ApiError::internal)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let filter = DisabilityFilter {
        person_id: q.person_id.map(PersonId),
        disability_type: crate::codes::check_filter("disability_type", &q.disability_type, DisabilityType::parse)?,
        upazila_id: q.upazila_id,
    };
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadDisabilityRegister, &own)?;
        let page = repo::list(conn, actor.scope, &filter, after, limit)?;
        who.audit_list(conn, "disability_record", &asked, page.rows.iter().map(|r| r.id))?;
        Ok(page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| disability_view(&r))))
}

/// One record.
#[utoipa::path(operation_id = "get_disability_record", tag = "disability",
    params(("record_id" = Uuid, Path, description = "The record")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The record; `ETag` set", body = DisabilityView),
        (status = 404, description = "No such record", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/disability-records/{record_id}")]
pub async fn get_disability_record(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<DisabilityRecordId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let row = read(&state, move |conn| {
        let r = repo::find(conn, id)?.ok_or(ApiError::NotFound("disability record"))?;
        require(conn, &who, Permission::ReadDisabilityRegister, &office(r.division_id, r.district_id, r.upazila_id))?;
        Ok(r)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(row.version))).json(disability_view(&row)))
}

/// An identity card printed (and perhaps issued).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"card_number": "1234567890", "printed_on": "2026-04-01", "issued_on": "2026-04-10"}))]
pub struct CardRequest {
    /// 8 to 20 digits (Bangla digits accepted).
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40)]
    pub card_number: String,
    pub printed_on: NaiveDate,
    pub issued_on: Option<NaiveDate>,
}

/// Record the identity card printed on an assessment (once). Requires `If-Match`.
#[utoipa::path(operation_id = "record_disability_card", tag = "disability", request_body = CardRequest,
    params(("record_id" = Uuid, Path, description = "The record"), ("If-Match" = String, Header, description = "The record's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; new `ETag`", body = DisabilityView),
        (status = 404, description = "No such record", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The card is already printed, or its number is another record's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad number or dates out of order", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/disability-records/{record_id}/card")]
pub async fn record_disability_card(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<DisabilityRecordId>,
    body: ApiJson<CardRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    let number = parse_card_number(&b.card_number)?;
    let step = Step::new("disability.card", Permission::WriteDisabilityRegister);
    let done =
        pipeline::change(&req, &state, who, id, step, pipeline::shown(disability_view), move |conn, _, r: DisabilityRow| {
            check_card(r.assessed_on, r.card_printed_on.is_some(), b.printed_on, b.issued_on, today())?;
            let after =
                repo::record_card(conn, id, &number, b.printed_on, b.issued_on)?.ok_or(domain::disability::CARD_NUMBER_TAKEN)?;
            Outcome::with(after, serde_json::json!({"printed_on": b.printed_on}))
        })
        .await?;
    Ok(done.ok())
}

crate::pipeline::record!(DisabilityRow {
    id: DisabilityRecordId,
    kind: "disability_record",
    noun: "disability record",
    lock: repo::find_for_update,
    subject: |r, _| Ok(office(r.division_id, r.district_id, r.upazila_id)),
    summary: |r| serde_json::json!({"card_number": r.card_number, "superseded_by": r.superseded_by, "version": r.version}),
});
