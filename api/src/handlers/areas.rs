//! Changing the geography: a national administrator adds an area (a new thana, ward or
//! pourashava), renames one, or retires one with a successor. Nothing is deleted: records keep
//! the area they were made in. Every change is audited, and every server reloads the
//! geography it holds in memory (`crate::geo_cache`).

use actix_web::http::StatusCode;
use actix_web::{patch, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::access::{Permission, Subject};
use domain::geo::{DistrictId, UnionKind, UpazilaKind};
use persistence::geo::{self, UnionRow, UpazilaRow};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::handlers::geo::{union_view, upazila_view, UnionView, UpazilaView};
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pipeline::{self, Answer, Outcome, Record, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A new area at the upazila level.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"district_id": 47, "kind": "city_thana", "city_corporation_id": 1, "name_en": "Bhashantek", "name_bn": "ভাষানটেক"}))]
pub struct NewUpazilaRequest {
    pub district_id: i32,
    #[schema(value_type = crate::codes::UpazilaKindCode)]
    pub kind: UpazilaKind,
    /// For a metropolitan thana: its city corporation (of the same district).
    pub city_corporation_id: Option<i32>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name_bn: String,
}

/// Add an upazila, a metropolitan thana or a pourashava (national administrators). Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "create_upazila", tag = "geography", request_body = NewUpazilaRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added; `Location` and `ETag` set", body = UpazilaView),
        (status = 422, description = "Unknown district or city corporation, or a thana without its city", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/geo/upazilas")]
pub async fn create_upazila(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<NewUpazilaRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    if (b.kind == UpazilaKind::CityThana) != b.city_corporation_id.is_some() {
        return Err(ApiError::field("city_corporation_id", "a metropolitan thana, and only a thana, names its city corporation"));
    }
    let fingerprint = idempotency::fingerprint(&["create_upazila", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    let st = state.clone();
    let response = idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        require(conn, &who, Permission::ManageGeography, &Subject::National)?;
        let path = persistence::geo::district_path(conn, DistrictId(b.district_id))?
            .ok_or_else(|| ApiError::field_coded("district_id", "not_found", "no such district"))?;
        if let Some(c) = b.city_corporation_id {
            let city = persistence::geo::find_city_corporation(conn, c)?
                .ok_or_else(|| ApiError::field_coded("city_corporation_id", "not_found", "no such city corporation"))?;
            if city.district_id != b.district_id {
                return Err(ApiError::field("city_corporation_id", "lies in another district"));
            }
        }
        let row =
            persistence::geo::insert_upazila(conn, path, b.kind, b.city_corporation_id, (b.name_en.trim(), b.name_bn.trim()))?;
        crate::pipeline::audit_created(
            conn,
            &who,
            "area.create",
            row.id,
            &row,
            serde_json::json!({"name_en": row.name_en, "kind": row.kind.code()}),
        )?;
        Ok(Created {
            location: Some(format!("/api/v1/geo/upazilas?district_id={}", row.district_id)),
            etag: Some(etag(row.version)),
            body: upazila_view(row),
        })
    })
    .await?;
    crate::geo_cache::reload(&st).await?;
    Ok(response)
}

/// A new area at the union level.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"upazila_id": 1001, "kind": "ward", "name_en": "Ward 1", "name_bn": "ওয়ার্ড ১"}))]
pub struct NewUnionRequest {
    pub upazila_id: i32,
    #[schema(value_type = crate::codes::UnionKindCode)]
    pub kind: UnionKind,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name_bn: String,
}

/// Add a union or an urban ward (national administrators). Send `Idempotency-Key`.
#[utoipa::path(operation_id = "create_union", tag = "geography", request_body = NewUnionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added; `Location` and `ETag` set", body = UnionView),
        (status = 422, description = "Unknown or retired upazila", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/geo/unions")]
pub async fn create_union(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<NewUnionRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let fingerprint = idempotency::fingerprint(&["create_union", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    let st = state.clone();
    let response = idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        require(conn, &who, Permission::ManageGeography, &Subject::National)?;
        let upazila = persistence::geo::find_upazila(conn, b.upazila_id)?
            .filter(|u| u.retired_on.is_none())
            .ok_or_else(|| ApiError::field_coded("upazila_id", "not_found", "no such upazila in service"))?;
        let row = persistence::geo::insert_union(conn, upazila.id, b.kind, (b.name_en.trim(), b.name_bn.trim()))?;
        crate::pipeline::audit_created(
            conn,
            &who,
            "area.create",
            row.id,
            &row,
            serde_json::json!({"name_en": row.name_en, "kind": row.kind.code()}),
        )?;
        Ok(Created {
            location: Some(format!("/api/v1/geo/unions?upazila_id={}", row.upazila_id)),
            etag: Some(etag(row.version)),
            body: union_view(row),
        })
    })
    .await?;
    crate::geo_cache::reload(&st).await?;
    Ok(response)
}

/// A new name (either or both).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"name_en": "Khilgaon", "name_bn": "খিলগাঁও"}))]
pub struct RenameRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name_bn: Option<String>,
}

/// A retirement.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"successor_id": 1002, "retired_on": "2026-07-01"}))]
pub struct RetireRequest {
    /// The area that takes its place (at the same level, in service).
    pub successor_id: i32,
    pub retired_on: NaiveDate,
}

/// Rename an area at the upazila level. Requires `If-Match`.
#[utoipa::path(operation_id = "update_upazila", tag = "geography", request_body = RenameRequest,
    params(("upazila_id" = i32, Path, description = "The area"), ("If-Match" = String, Header, description = "The area's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Renamed; new `ETag`", body = UpazilaView),
        (status = 404, description = "No such area", body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/geo/upazilas/{upazila_id}")]
pub async fn update_upazila(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<i32>,
    body: ApiJson<RenameRequest>,
) -> Result<HttpResponse, ApiError> {
    let done = rename::<UpazilaRow, _>(&req, &state, who, path.into_inner(), body.0, upazila_view).await?;
    Ok(done.ok())
}

/// Retire an area at the upazila level in favour of a successor (records keep it). Requires
/// `If-Match`.
#[utoipa::path(operation_id = "retire_upazila", tag = "geography", request_body = RetireRequest,
    params(("upazila_id" = i32, Path, description = "The area"), ("If-Match" = String, Header, description = "The area's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Retired; new `ETag`", body = UpazilaView),
        (status = 404, description = "No such area", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already retired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The successor is itself, retired, or missing", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/geo/upazilas/{upazila_id}/retirement")]
pub async fn retire_upazila(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<i32>,
    body: ApiJson<RetireRequest>,
) -> Result<HttpResponse, ApiError> {
    let done = retire::<UpazilaRow, _>(&req, &state, who, path.into_inner(), body.0, upazila_view).await?;
    Ok(done.ok())
}

/// Rename a union or ward. Requires `If-Match`.
#[utoipa::path(operation_id = "update_union", tag = "geography", request_body = RenameRequest,
    params(("union_id" = i32, Path, description = "The area"), ("If-Match" = String, Header, description = "The area's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Renamed; new `ETag`", body = UnionView),
        (status = 404, description = "No such area", body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/geo/unions/{union_id}")]
pub async fn update_union(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<i32>,
    body: ApiJson<RenameRequest>,
) -> Result<HttpResponse, ApiError> {
    let done = rename::<UnionRow, _>(&req, &state, who, path.into_inner(), body.0, union_view).await?;
    Ok(done.ok())
}

/// Retire a union or ward in favour of a successor. Requires `If-Match`.
#[utoipa::path(operation_id = "retire_union", tag = "geography", request_body = RetireRequest,
    params(("union_id" = i32, Path, description = "The area"), ("If-Match" = String, Header, description = "The area's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Retired; new `ETag`", body = UnionView),
        (status = 404, description = "No such area", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already retired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The successor is itself, retired, or missing", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/geo/unions/{union_id}/retirement")]
pub async fn retire_union(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<i32>,
    body: ApiJson<RetireRequest>,
) -> Result<HttpResponse, ApiError> {
    let done = retire::<UnionRow, _>(&req, &state, who, path.into_inner(), body.0, union_view).await?;
    Ok(done.ok())
}

/// An area that is renamed and retired the same way at every level.
trait Area: Record<Id = i32> + Clone {
    /// The refusal when the successor named does not exist.
    const NO_SUCH_SUCCESSOR: &'static str;
    fn id(&self) -> i32;
    fn retired_on(&self) -> Option<NaiveDate>;
    fn rename(conn: &mut PgConnection, id: i32, en: Option<&str>, bn: Option<&str>) -> Result<Self, ApiError>;
    fn retire(conn: &mut PgConnection, id: i32, on: NaiveDate, successor: i32) -> Result<Self, ApiError>;
}

macro_rules! area {
    ($row:ty, $kind:literal, $none:literal, $rename:path, $retire:path, $lock:path) => {
        impl Record for $row {
            type Id = i32;
            const KIND: &'static str = $kind;
            const NOUN: &'static str = $kind;

            fn lock(conn: &mut PgConnection, id: i32) -> Result<Option<Self>, ApiError> {
                Ok($lock(conn, id)?)
            }
            fn subject(&self, _: &mut PgConnection) -> Result<Subject, ApiError> {
                Ok(Subject::National)
            }
            fn version(&self) -> i32 {
                self.version
            }
            fn summary(&self) -> serde_json::Value {
                serde_json::json!({"name_en": self.name_en, "name_bn": self.name_bn, "retired_on": self.retired_on,
                    "successor_id": self.successor_id, "version": self.version})
            }
        }

        impl Area for $row {
            const NO_SUCH_SUCCESSOR: &'static str = $none;
            fn id(&self) -> i32 {
                self.id
            }
            fn retired_on(&self) -> Option<NaiveDate> {
                self.retired_on
            }
            fn rename(conn: &mut PgConnection, id: i32, en: Option<&str>, bn: Option<&str>) -> Result<Self, ApiError> {
                Ok($rename(conn, id, en, bn)?)
            }
            fn retire(conn: &mut PgConnection, id: i32, on: NaiveDate, successor: i32) -> Result<Self, ApiError> {
                Ok($retire(conn, id, on, successor)?)
            }
        }
    };
}

area!(UpazilaRow, "upazila", "no such upazila", geo::rename_upazila, geo::retire_upazila, geo::find_upazila);
area!(UnionRow, "union", "no such union or ward", geo::rename_union, geo::retire_union, geo::find_union);

/// Renames an area, then has every server reload the geography.
async fn rename<A: Area, V: Send + 'static>(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    who: Principal,
    id: i32,
    b: RenameRequest,
    view: fn(A) -> V,
) -> Result<Answer<V>, ApiError> {
    let step = Step::new("area.rename", Permission::ManageGeography);
    let done = pipeline::change(
        req,
        state,
        who,
        id,
        step,
        move |_, _, a: &A| Ok(view(a.clone())),
        move |conn, _, _: A| {
            Ok(Outcome::new(A::rename(conn, id, b.name_en.as_deref().map(str::trim), b.name_bn.as_deref().map(str::trim))?))
        },
    )
    .await?;
    crate::geo_cache::reload(state).await?;
    Ok(done)
}

/// Retires an area in favour of a successor at the same level, then has every server reload.
async fn retire<A: Area, V: Send + 'static>(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    who: Principal,
    id: i32,
    b: RetireRequest,
    view: fn(A) -> V,
) -> Result<Answer<V>, ApiError> {
    let step = Step::new("area.retire", Permission::ManageGeography);
    let done = pipeline::change(
        req,
        state,
        who,
        id,
        step,
        move |_, _, a: &A| Ok(view(a.clone())),
        move |conn, _, before: A| {
            let successor = A::lock(conn, b.successor_id)?
                .ok_or_else(|| ApiError::field_coded("successor_id", "not_found", A::NO_SUCH_SUCCESSOR))?;
            domain::geo::may_retire(before.retired_on().is_some(), successor.retired_on().is_some(), successor.id() == id)?;
            Ok(Outcome::new(A::retire(conn, id, b.retired_on, successor.id())?))
        },
    )
    .await?;
    crate::geo_cache::reload(state).await?;
    Ok(done)
}
