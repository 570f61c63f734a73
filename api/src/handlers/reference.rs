//! Code lists a front end shows, with English and Bangla labels.

use actix_web::HttpResponse;
use domain::access::Role;
use serde::Serialize;
use utoipa::ToSchema;

use crate::views::LabelView;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "upazila_officer", "label": {"en": "Upazila officer", "bn": "উপজেলা কর্মকর্তা"}}))]
pub struct CodeView {
    pub code: String,
    pub label: LabelView,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"data": [{"code": "auditor", "label": {"en": "Auditor", "bn": "নিরীক্ষক"}}]}))]
pub struct CodeList {
    pub data: Vec<CodeView>,
}

/// The roles an account can have.
#[utoipa::path(get, path = "/api/v1/reference/roles", operation_id = "list_roles", tag = "reference",
    responses((status = 200, description = "Every role with its labels", body = CodeList)))]
pub async fn list_roles() -> HttpResponse {
    let data = Role::ALL
        .iter()
        .map(|r| CodeView {
            code: r.code().into(),
            label: r.label().into(),
        })
        .collect();
    HttpResponse::Ok().json(CodeList { data })
}
