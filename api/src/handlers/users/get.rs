use actix_web::get;
use actix_web::{web, HttpResponse};
use domain::access::Permission;
use domain::id::UserId;

use super::{subject_of, user_response};
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::read;
use crate::views::UserView;

/// One account, with its `ETag` for a later change.
#[utoipa::path(operation_id = "get_user", tag = "users",
    params(("user_id" = Uuid, Path, description = "The account id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account; `ETag` set", body = UserView),
        (status = 403, description = "Not permitted, or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/users/{user_id}")]
pub async fn get_user(state: web::Data<AppState>, who: Principal, path: web::Path<UserId>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let user = read(&state, move |conn| {
        let user = persistence::users::find(conn, id)?.ok_or(ApiError::NotFound("user"))?;
        let subject = subject_of(conn, &user)?;
        require(conn, &who, Permission::ReadUsers, &subject)?;
        Ok(user)
    })
    .await?;
    Ok(user_response(HttpResponse::Ok(), &user))
}
