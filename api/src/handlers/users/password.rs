use actix_web::post;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use domain::access::Permission;
use domain::id::UserId;
use domain::user::NewPassword;
use persistence::audit::{self, AuditEntry};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::{subject_of, user_response};
use crate::auth::password;
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::transact;
use crate::views::UserView;

/// A new password chosen by an administrator.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"password": "another long passphrase"}))]
pub struct ResetPasswordRequest {
    /// 12-256 characters.
    pub password: String,
}

/// Set a new password (or client secret). Every session of the account ends: refresh tokens
/// are revoked and access tokens issued before now are refused. Requires `If-Match`.
#[utoipa::path(operation_id = "reset_user_password", tag = "users",
    request_body = ResetPasswordRequest,
    params(("user_id" = Uuid, Path, description = "The account id"),
           ("If-Match" = String, Header, description = "The account's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Password replaced; new `ETag`", body = UserView),
        (status = 403, description = "Not permitted, or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The account changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Password too short or too long", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/users/{user_id}/password")]
pub async fn reset_user_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<UserId>,
    body: ApiJson<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let expected = etag::if_match(&req)?;
    let new = NewPassword::parse(&body.0.password).map_err(|e| ApiError::field_coded("password", "invalid", e.0))?;
    let user = transact(&state, move |conn| {
        let before = persistence::users::find_for_update(conn, id)?.ok_or(ApiError::NotFound("user"))?;
        let subject = subject_of(conn, &before)?;
        require(conn, &who, Permission::ManageUsers, &subject)?;
        etag::check(before.version, expected)?;
        let hash = password::hash(new.expose()).map_err(ApiError::internal)?;
        let now = Utc::now();
        let after = persistence::users::set_password_hash(conn, id, &hash, now)?;
        persistence::refresh_tokens::revoke_for_user(conn, id, now)?;
        audit::record(
            conn,
            AuditEntry {
                actor: &who.audit_actor(),
                action: "user.reset_password",
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
