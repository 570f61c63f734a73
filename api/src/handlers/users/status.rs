use actix_web::post;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use domain::access::Permission;
use domain::id::UserId;
use domain::user::UserStatus;
use persistence::users::UserRow;

use super::answer;
use crate::auth::principal::Principal;
use crate::pipeline::{self, Outcome, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::views::UserView;

/// Disable an account: it can no longer sign in, its refresh tokens are revoked and its
/// access tokens stop working at once. Requires `If-Match`.
#[utoipa::path(operation_id = "disable_user", tag = "users",
    params(("user_id" = Uuid, Path, description = "The account id"),
           ("If-Match" = String, Header, description = "The account's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Disabled; new `ETag`", body = UserView),
        (status = 403, description = "Not permitted, outside your scope, or your own account", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Your own account (`cannot_disable_self`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The account changed since you read it", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/users/{user_id}/disable")]
pub async fn disable_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    set_status(req, state, who, path.into_inner(), UserStatus::Disabled).await
}

/// Re-enable a disabled account. Requires `If-Match`.
#[utoipa::path(operation_id = "enable_user", tag = "users",
    params(("user_id" = Uuid, Path, description = "The account id"),
           ("If-Match" = String, Header, description = "The account's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Enabled; new `ETag`", body = UserView),
        (status = 403, description = "Not permitted, or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The account changed since you read it", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/users/{user_id}/enable")]
pub async fn enable_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    set_status(req, state, who, path.into_inner(), UserStatus::Active).await
}

async fn set_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    id: UserId,
    status: UserStatus,
) -> Result<HttpResponse, ApiError> {
    let action = if status == UserStatus::Disabled { "user.disable" } else { "user.enable" };
    let done = pipeline::change(
        &req,
        &state,
        who,
        id,
        Step::new(action, Permission::ManageUsers),
        answer,
        move |conn, cx, before: UserRow| {
            if status == UserStatus::Disabled && id == cx.who.user_id {
                return Err(domain::user::CANNOT_DISABLE_SELF.into());
            }
            if before.status == status {
                return Ok(Outcome::unchanged(before));
            }
            let now = Utc::now();
            let after = persistence::users::set_status(conn, id, status, now)?;
            if status == UserStatus::Disabled {
                persistence::refresh_tokens::revoke_for_user(conn, id, now)?;
            }
            Ok(Outcome::new(after))
        },
    )
    .await?;
    Ok(done.ok())
}
