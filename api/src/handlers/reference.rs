//! Code lists a front end shows, with English and Bangla labels.

use actix_web::get;
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
#[utoipa::path(operation_id = "list_roles", tag = "reference",
    responses((status = 200, description = "Every role with its labels", body = CodeList)))]
#[get("/reference/roles")]
pub async fn list_roles() -> HttpResponse {
    let data = Role::ALL.iter().map(|r| CodeView { code: r.code().into(), label: r.label().into() }).collect();
    HttpResponse::Ok().json(CodeList { data })
}

/// All code lists a front end shows, by name, each code with its labels.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"lists": {"sex": [{"code": "female", "label": {"en": "Female", "bn": "নারী"}}]}}))]
pub struct CodeLists {
    pub lists: std::collections::BTreeMap<String, Vec<CodeView>>,
}

/// Every code list, with English and Bangla labels: the same lists, code for code, as the
/// contract's `enum` schemas (both are built from one registry of the domain's lists).
#[utoipa::path(operation_id = "list_code_lists", tag = "reference",
    responses((status = 200, description = "Every code list with English and Bangla labels", body = CodeLists)))]
#[get("/reference/code-lists")]
pub async fn list_code_lists() -> HttpResponse {
    let lists = crate::codes::labelled()
        .into_iter()
        .map(|(name, _, codes)| {
            (
                name.to_owned(),
                codes.into_iter().map(|(code, label)| CodeView { code: code.into(), label: label.into() }).collect(),
            )
        })
        .collect();
    HttpResponse::Ok().json(CodeLists { lists })
}
