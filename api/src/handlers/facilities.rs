//! Facilities (safe homes, SRTRCCR centres, Shishu Paribar, ...) with their capacity by sex,
//! and the partner organisations that serve them.

use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::access::{Permission, PlacedScope, Scope, Subject};
use domain::facility::FacilityType;
use domain::geo::{AreaPath, UpazilaId};
use domain::id::FacilityId;
use domain::id::PartnerId;
use domain::person::Sex;
use persistence::facilities::{self, FacilityFilter, FacilityRow, NewFacilityRow, PartnerRow};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::extract::ApiJson;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::problem::{ApiError, FieldError, Problem};
use crate::state::AppState;
use crate::unit_of_work::read;
use crate::views::LabelView;

/// A new partner organisation.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"name_en": "Manusher Jonno Foundation", "name_bn": "মানুষের জন্য ফাউন্ডেশন"}))]
pub struct CreatePartnerRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name_bn: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-0000000000aa", "name_en": "Manusher Jonno Foundation", "name_bn": "মানুষের জন্য ফাউন্ডেশন",
    "voluntary_organisation_id": null, "version": 1, "created_at": "2026-11-23T06:00:00Z"}))]
pub struct PartnerView {
    pub id: Uuid,
    pub name_en: String,
    pub name_bn: String,
    /// Its registration as a voluntary social welfare organisation, where it has one.
    pub voluntary_organisation_id: Option<Uuid>,
    /// The `ETag` value.
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl From<PartnerRow> for PartnerView {
    fn from(r: PartnerRow) -> Self {
        PartnerView {
            id: r.id.0,
            name_en: r.name_en,
            name_bn: r.name_bn,
            voluntary_organisation_id: r.voluntary_organisation_id.map(uuid::Uuid::from),
            version: r.version,
            created_at: r.created_at,
        }
    }
}

/// Register a partner organisation (an NGO serving facilities).
#[utoipa::path(operation_id = "create_partner_organisation", tag = "facilities",
    request_body = CreatePartnerRequest, params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered", body = PartnerView),
        (status = 403, description = "Needs national facility management", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/partner-organisations")]
pub async fn create_partner_organisation(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreatePartnerRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let fingerprint = idempotency::fingerprint(&["create_partner_organisation", b.name_en.trim(), b.name_bn.trim()]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        require(conn, &who, Permission::ManageFacilities, &Subject::National)?;
        let row = facilities::insert_partner(conn, PartnerId(Uuid::now_v7()), b.name_en.trim(), b.name_bn.trim())?;
        crate::pipeline::audit_created(
            conn,
            &who,
            "partner_organisation.create",
            row.id,
            &row,
            serde_json::json!({"name_en": row.name_en}),
        )?;
        Ok(Created {
            location: Some(format!("/api/v1/partner-organisations/{}", row.id)),
            etag: None,
            body: PartnerView::from(row),
        })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Partner organisations, in registration order.
#[utoipa::path(operation_id = "list_partner_organisations", tag = "facilities",
    params(PageQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of partner organisations", body = ListPage<PartnerView>),
    ))]
#[get("/partner-organisations")]
pub async fn list_partner_organisations(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let page = read(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        require(conn, &who, Permission::ReadFacilities, &own)?;
        Ok(facilities::list_partners(conn, after, limit)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, PartnerView::from)))
}

/// A new facility.
#[derive(Debug, Serialize, Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "name_en": "Safe Home, Barishal", "name_bn": "নিরাপদ আবাসন কেন্দ্র, বরিশাল", "facility_type": "safe_home",
    "upazila_id": 140, "capacity_female": 50, "capacity_male": 0, "capacity_hijra": 0,
    "stay_limit_months": null, "partner_ids": ["01936f5e-0000-7000-8000-0000000000aa"]
}))]
pub struct CreateFacilityRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name_bn: String,
    /// `safe_home`, `srtrccr_centre`, `drop_in_centre`, `shishu_paribar`, `chotomoni_nibash`, `office`.
    #[schema(value_type = crate::codes::FacilityTypeCode)]
    pub facility_type: FacilityType,
    /// Where it is; its district and division follow.
    pub upazila_id: i32,
    #[validate(range(min = 0, max = 100000))]
    #[schema(minimum = 0, maximum = 100000)]
    pub capacity_female: i32,
    #[validate(range(min = 0, max = 100000))]
    #[schema(minimum = 0, maximum = 100000)]
    pub capacity_male: i32,
    #[validate(range(min = 0, max = 100000))]
    #[schema(minimum = 0, maximum = 100000)]
    pub capacity_hijra: i32,
    /// Longest stay without an approved extension (SRTRCCR centres: 6).
    #[validate(range(min = 1, max = 240))]
    #[schema(minimum = 1, maximum = 240)]
    pub stay_limit_months: Option<i32>,
    /// Partner organisations serving it.
    #[serde(default)]
    pub partner_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"female": 50, "male": 0, "hijra": 0}))]
pub struct BySex {
    pub female: i64,
    pub male: i64,
    pub hijra: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-0000-7000-8000-0000000000bb", "name_en": "Safe Home, Barishal", "name_bn": "নিরাপদ আবাসন কেন্দ্র, বরিশাল",
    "facility_type": "safe_home", "facility_type_label": {"en": "Safe home", "bn": "নিরাপদ আবাসন কেন্দ্র"},
    "division_id": 4, "district_id": 33, "upazila_id": 140,
    "capacity": {"female": 50, "male": 0, "hijra": 0}, "stay_limit_months": null,
    "partner_ids": ["01936f5e-0000-7000-8000-0000000000aa"], "version": 1, "created_at": "2026-11-23T06:00:00Z"
}))]
pub struct FacilityView {
    pub id: Uuid,
    pub name_en: String,
    pub name_bn: String,
    #[schema(value_type = crate::codes::FacilityTypeCode)]
    pub facility_type: String,
    pub facility_type_label: LabelView,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub capacity: BySex,
    pub stay_limit_months: Option<i32>,
    pub partner_ids: Vec<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

/// A facility with how many live there now.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "facility": {"id": "01936f5e-0000-7000-8000-0000000000bb", "name_en": "Safe Home, Barishal", "name_bn": "নিরাপদ আবাসন কেন্দ্র, বরিশাল",
        "facility_type": "safe_home", "facility_type_label": {"en": "Safe home", "bn": "নিরাপদ আবাসন কেন্দ্র"},
        "division_id": 4, "district_id": 33, "upazila_id": 140, "capacity": {"female": 50, "male": 0, "hijra": 0},
        "stay_limit_months": null, "partner_ids": [], "version": 1, "created_at": "2026-11-23T06:00:00Z"},
    "occupancy": {"female": 37, "male": 0, "hijra": 0}
}))]
pub struct FacilityDetail {
    pub facility: FacilityView,
    pub occupancy: BySex,
}

pub(crate) fn facility_view(r: FacilityRow, partner_ids: Vec<PartnerId>) -> FacilityView {
    FacilityView {
        id: r.id.0,
        facility_type_label: r.facility_type.label().into(),
        name_en: r.name_en,
        name_bn: r.name_bn,
        facility_type: r.facility_type.into(),
        division_id: r.division_id,
        district_id: r.district_id,
        upazila_id: r.upazila_id,
        capacity: BySex { female: r.capacity_female.into(), male: r.capacity_male.into(), hijra: r.capacity_hijra.into() },
        stay_limit_months: r.stay_limit_months,
        partner_ids: partner_ids.into_iter().map(Uuid::from).collect(),
        version: r.version,
        created_at: r.created_at,
    }
}

/// The access subject of a facility.
pub(crate) fn facility_subject(conn: &mut PgConnection, f: &FacilityRow) -> Result<Subject, ApiError> {
    Ok(Subject::Facility { id: f.id, area: facility_area(f), partners: facilities::partners_of(conn, f.id)? })
}

pub(crate) fn facility_area(f: &FacilityRow) -> AreaPath {
    use domain::geo::{DistrictId, DivisionId};
    AreaPath::upazila(DivisionId(f.division_id), DistrictId(f.district_id), UpazilaId(f.upazila_id))
}

/// Register a facility. A facility manager can register one only within their own area.
#[utoipa::path(operation_id = "create_facility", tag = "facilities",
    request_body = CreateFacilityRequest, params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered", body = FacilityView),
        (status = 403, description = "Not permitted, or outside your area", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown upazila or partner", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/facilities")]
pub async fn create_facility(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateFacilityRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let facility_type = b.facility_type;
    let fingerprint = idempotency::fingerprint(&["create_facility", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let area = persistence::geo::upazila_path(conn, UpazilaId(b.upazila_id))?
            .ok_or_else(|| ApiError::field_coded("upazila_id", "not_found", "no such upazila"))?;
        let placed = PlacedScope { scope: Scope::Upazila(UpazilaId(b.upazila_id)), area: Some(area) };
        require(conn, &who, Permission::ManageFacilities, &Subject::Scope(placed))?;
        let mut partners: Vec<PartnerId> = b.partner_ids.iter().copied().map(PartnerId).collect();
        partners.sort();
        partners.dedup();
        let known = facilities::existing_partners(conn, &partners)?;
        let unknown: Vec<FieldError> = partners
            .iter()
            .enumerate()
            .filter(|(_, p)| !known.contains(p))
            .map(|(i, p)| FieldError::coded(format!("partner_ids[{i}]"), "not_found", format!("no partner organisation {p}")))
            .collect();
        if !unknown.is_empty() {
            return Err(ApiError::Validation(unknown));
        }
        let row = facilities::insert(
            conn,
            NewFacilityRow {
                id: FacilityId(Uuid::now_v7()),
                name_en: b.name_en.trim(),
                name_bn: b.name_bn.trim(),
                facility_type,
                division_id: area.division.0,
                district_id: area.district.ok_or_else(|| ApiError::internal("an upazila path without a district"))?.0,
                upazila_id: b.upazila_id,
                capacity_female: b.capacity_female,
                capacity_male: b.capacity_male,
                capacity_hijra: b.capacity_hijra,
                stay_limit_months: b.stay_limit_months,
            },
            &partners,
        )?;
        who.audit(
            conn,
            "facility.create",
            "facility",
            row.id,
            None,
            Some(serde_json::json!({"name_en": row.name_en, "facility_type": row.facility_type.code(), "partner_ids": partners})),
        )?;
        Ok(Created { location: Some(format!("/api/v1/facilities/{}", row.id)), etag: None, body: facility_view(row, partners) })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FacilityQuery {
    /// Only this kind of facility.
    #[param(value_type = Option<crate::codes::FacilityTypeCode>)]
    pub facility_type: Option<String>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Facilities within your scope.
#[utoipa::path(operation_id = "list_facilities", tag = "facilities",
    params(FacilityQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of facilities", body = ListPage<FacilityView>),
    ))]
#[get("/facilities")]
pub async fn list_facilities(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<FacilityQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let facility_type = crate::codes::check_filter("facility_type", &q.facility_type, FacilityType::parse)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let filter = FacilityFilter { facility_type, district_id: q.district_id, upazila_id: q.upazila_id };
    let views = read(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadFacilities, &own)?;
        let page = facilities::list(conn, actor.scope, &filter, after, limit)?;
        let ids: Vec<FacilityId> = page.rows.iter().map(|r| r.id).collect();
        let links = facilities::partners_of_many(conn, &ids)?;
        Ok(ListPage::from_page(page, |row| {
            let partners = links.iter().filter(|(f, _)| *f == row.id).map(|(_, p)| *p).collect();
            facility_view(row, partners)
        }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// One facility with its occupancy by sex.
#[utoipa::path(operation_id = "get_facility", tag = "facilities",
    params(("facility_id" = Uuid, Path, description = "The facility id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The facility", body = FacilityDetail),
        (status = 403, description = "Outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such facility", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/facilities/{facility_id}")]
pub async fn get_facility(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<FacilityId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let detail = read(&state, move |conn| {
        let row = facilities::find(conn, id)?.ok_or(ApiError::NotFound("facility"))?;
        let subject = facility_subject(conn, &row)?;
        require(conn, &who, Permission::ReadFacilities, &subject)?;
        let occupancy = BySex {
            female: facilities::occupancy(conn, id, Sex::Female)?,
            male: facilities::occupancy(conn, id, Sex::Male)?,
            hijra: facilities::occupancy(conn, id, Sex::Hijra)?,
        };
        let partners = facilities::partners_of(conn, id)?;
        Ok(FacilityDetail { facility: facility_view(row, partners), occupancy })
    })
    .await?;
    Ok(HttpResponse::Ok().json(detail))
}

crate::pipeline::record!(persistence::facilities::PartnerRow {
    id: PartnerId,
    kind: "partner_organisation",
    noun: "partner organisation",
    lock: persistence::facilities::find_partner,
    subject: |r, _| Ok(Subject::National),
    summary: |r| serde_json::json!({"voluntary_organisation_id": r.voluntary_organisation_id, "version": r.version}),
});
