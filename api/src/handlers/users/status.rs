use actix_web::post;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use domain::access::Permission;
use domain::id::UserId;
use domain::user::UserStatus;
use persistence::audit::{self, AuditEntry};

use super::{subject_of, user_response};
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::transact;
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
    let expected = etag::if_match(&req)?;
    let user = transact(&state, move |conn| {
        let before = persistence::users::find_for_update(conn, id)?.ok_or(ApiError::NotFound("user"))?;
        let subject = subject_of(conn, &before)?;
        require(conn, &who, Permission::ManageUsers, &subject)?;
        if status == UserStatus::Disabled && id == who.user_id {
            return Err(ApiError::Conflict { code: "cannot_disable_self", detail: "you cannot disable your own account".into() });
        }
        etag::check(before.version, expected)?;
        if before.status == status {
            return Ok(before);
        }
        let now = Utc::now();
        let after = persistence::users::set_status(conn, id, status, now)?;
        if status == UserStatus::Disabled {
            persistence::refresh_tokens::revoke_for_user(conn, id, now)?;
        }
        audit::record(
            conn,
            AuditEntry {
                actor: &who.audit_actor(),
                action: if status == UserStatus::Disabled { "user.disable" } else { "user.enable" },
                entity_type: "user",
                entity_id: id.to_string(),
                before: Some(UserView::from(&before).to_json()),
                after: Some(UserView::from(&after).to_json()),
                request_id: Some(&who.request_id),
            },
        )?;
        Ok(after)
    })
    .await?;
    Ok(user_response(HttpResponse::Ok(), &user))
}
