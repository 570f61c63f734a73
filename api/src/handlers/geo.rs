//! Reference geography. Public: names of places are not personal data, and a sign-in or
//! application form needs them before anyone is signed in.

use actix_web::get;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::pagination::{decode_cursor, limit, ListPage};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 6, "name_en": "Dhaka", "name_bn": "ঢাকা"}))]
pub struct DivisionView {
    pub id: i32,
    pub name_en: String,
    pub name_bn: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 47, "division_id": 6, "name_en": "Dhaka", "name_bn": "ঢাকা", "latitude": 23.7115253, "longitude": 90.4111451}))]
pub struct DistrictView {
    pub id: i32,
    pub division_id: i32,
    pub name_en: String,
    pub name_bn: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "district_id": 1, "name_en": "Debidwar", "name_bn": "দেবিদ্বার"}))]
pub struct UpazilaView {
    pub id: i32,
    pub district_id: i32,
    pub name_en: String,
    pub name_bn: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "upazila_id": 1, "name_en": "Subil", "name_bn": "সুবিল"}))]
pub struct UnionView {
    pub id: i32,
    pub upazila_id: i32,
    pub name_en: String,
    pub name_bn: String,
}

/// Paging parameters shared by the geography lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DistrictQuery {
    /// Only the districts of this division.
    pub division_id: Option<i32>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UpazilaQuery {
    /// Only the upazilas of this district.
    pub district_id: Option<i32>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnionQuery {
    /// Only the unions of this upazila.
    pub upazila_id: Option<i32>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The eight divisions, by id.
#[utoipa::path(operation_id = "list_divisions", tag = "geography",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of divisions", body = ListPage<DivisionView>),
        (status = 400, description = "Bad paging parameters", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Limit out of range", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/geo/divisions")]
pub async fn list_divisions(state: web::Data<AppState>, q: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let page = state.geography.list_divisions(after, limit);
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| DivisionView { id: r.id, name_en: r.name_en, name_bn: r.name_bn })))
}

/// Districts, optionally of one division, by id.
#[utoipa::path(operation_id = "list_districts", tag = "geography",
    params(DistrictQuery),
    responses(
        (status = 200, description = "A page of districts", body = ListPage<DistrictView>),
        (status = 400, description = "Bad paging parameters", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Limit out of range", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/geo/districts")]
pub async fn list_districts(state: web::Data<AppState>, q: web::Query<DistrictQuery>) -> Result<HttpResponse, ApiError> {
    let (limit, after, division) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?, q.division_id);
    let page = state.geography.list_districts(division, after, limit);
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| DistrictView {
        id: r.id,
        division_id: r.division_id,
        name_en: r.name_en,
        name_bn: r.name_bn,
        latitude: r.latitude,
        longitude: r.longitude,
    })))
}

/// Upazilas and city thanas, optionally of one district, by id.
#[utoipa::path(operation_id = "list_upazilas", tag = "geography",
    params(UpazilaQuery),
    responses(
        (status = 200, description = "A page of upazilas", body = ListPage<UpazilaView>),
        (status = 400, description = "Bad paging parameters", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Limit out of range", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/geo/upazilas")]
pub async fn list_upazilas(state: web::Data<AppState>, q: web::Query<UpazilaQuery>) -> Result<HttpResponse, ApiError> {
    let (limit, after, district) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?, q.district_id);
    let page = state.geography.list_upazilas(district, after, limit);
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| UpazilaView {
        id: r.id,
        district_id: r.district_id,
        name_en: r.name_en,
        name_bn: r.name_bn,
    })))
}

/// Unions and urban wards, optionally of one upazila, by id.
#[utoipa::path(operation_id = "list_unions", tag = "geography",
    params(UnionQuery),
    responses(
        (status = 200, description = "A page of unions", body = ListPage<UnionView>),
        (status = 400, description = "Bad paging parameters", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Limit out of range", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/geo/unions")]
pub async fn list_unions(state: web::Data<AppState>, q: web::Query<UnionQuery>) -> Result<HttpResponse, ApiError> {
    let (limit, after, upazila) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?, q.upazila_id);
    let page = state.geography.list_unions(upazila, after, limit);
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| UnionView {
        id: r.id,
        upazila_id: r.upazila_id,
        name_en: r.name_en,
        name_bn: r.name_bn,
    })))
}
