use actix_web::get;
use actix_web::{web, HttpResponse};

use super::user_response;
use crate::auth::policy::require_active;
use crate::auth::principal::Principal;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::unit_of_work::read;
use crate::views::UserView;

/// The signed-in account: who the token belongs to, with role and scope as they are now.
#[utoipa::path(operation_id = "get_current_user", tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = UserView),
    ))]
#[get("/me")]
pub async fn get_current_user(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let user = read(&state, move |conn| {
        require_active(conn, &who)?;
        persistence::users::find(conn, who.user_id)?.ok_or(ApiError::NotFound("user"))
    })
    .await?;
    Ok(user_response(HttpResponse::Ok(), &user))
}
