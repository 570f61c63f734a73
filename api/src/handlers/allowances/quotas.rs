use actix_web::{get, put};
use actix_web::{web, HttpResponse};
use domain::access::{Permission, Subject};
use domain::allowance::FiscalYear;
use domain::geo::UpazilaId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::{read, transact};

/// Places for a programme in an upazila for a fiscal year.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"programme": "old_age", "upazila_id": 1, "fiscal_year": "2025-26", "places": 1200}))]
pub struct QuotaInput {
    #[schema(value_type = crate::codes::ProgrammeCode)]
    pub programme: String,
    pub upazila_id: i32,
    /// `2025-26`.
    pub fiscal_year: String,
    #[validate(range(min = 0, max = 10000000))]
    #[schema(minimum = 0, maximum = 10000000)]
    pub places: i32,
}

/// Set the places for a programme in an upazila and fiscal year (district, division or HQ officers).
#[utoipa::path(operation_id = "set_quota", tag = "allowances",
    request_body = QuotaInput, security(("bearer" = [])),
    responses(
        (status = 200, description = "Set", body = QuotaInput),
        (status = 403, description = "Not permitted, or outside your area", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown programme, upazila or fiscal year", body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/quotas")]
pub async fn set_quota(state: web::Data<AppState>, who: Principal, body: ApiJson<QuotaInput>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let fy: FiscalYear = b.fiscal_year.parse().map_err(|e: String| ApiError::field_coded("fiscal_year", "invalid_format", e))?;
    let out = transact(&state, move |conn| {
        let path = persistence::geo::upazila_path(conn, UpazilaId(b.upazila_id))?
            .ok_or_else(|| ApiError::field_coded("upazila_id", "not_found", "no such upazila"))?;
        require(conn, &who, Permission::ManageQuotas, &Subject::Area(path))?;
        if !persistence::programmes::all(conn)?.iter().any(|p| p.code == b.programme) {
            return Err(ApiError::field_coded("programme", "not_found", "no such programme"));
        }
        persistence::enrolment::set_quota(conn, &b.programme, b.upazila_id, fy.0, b.places)?;
        who.audit(
            conn,
            "quota.set",
            "quota",
            format!("{}/{}/{}", b.programme, b.upazila_id, fy),
            None,
            Some(serde_json::json!({"places": b.places})),
        )?;
        Ok(QuotaInput { fiscal_year: fy.to_string(), ..b })
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuotaQuery {
    pub upazila_id: i32,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"data": [{"programme": "old_age", "upazila_id": 1, "fiscal_year": "2025-26", "places": 1200}]}))]
pub struct QuotaList {
    pub data: Vec<QuotaInput>,
}

/// The quotas of an upazila.
#[utoipa::path(operation_id = "list_quotas", tag = "allowances",
    params(QuotaQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "Quotas, newest fiscal year first", body = QuotaList),
        (status = 422, description = "No such upazila", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/quotas")]
pub async fn list_quotas(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<QuotaQuery>,
) -> Result<HttpResponse, ApiError> {
    let upazila = q.upazila_id;
    let list = read(&state, move |conn| {
        let path = persistence::geo::upazila_path(conn, UpazilaId(upazila))?
            .ok_or_else(|| ApiError::field_coded("upazila_id", "not_found", "no such upazila"))?;
        require(conn, &who, Permission::ReadAllowances, &Subject::Area(path))?;
        let data = persistence::enrolment::quotas_of(conn, upazila)?
            .into_iter()
            .map(|(programme, fy, places)| QuotaInput {
                programme,
                upazila_id: upazila,
                fiscal_year: FiscalYear(fy).to_string(),
                places,
            })
            .collect();
        Ok(QuotaList { data })
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}
