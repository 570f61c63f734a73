use actix_web::post;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use domain::access::Permission;
use domain::id::UserId;
use domain::user::NewPassword;
use persistence::users::UserRow;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::answer;
use crate::auth::password;
use crate::auth::principal::Principal;
use crate::extract::ApiJson;
use crate::pipeline::{self, Outcome, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
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
    let new = NewPassword::parse(&body.0.password).map_err(|e| ApiError::field_coded("password", "invalid", e.0))?;
    let step = Step::new("user.reset_password", Permission::ManageUsers);
    let done = pipeline::change(&req, &state, who, id, step, answer, move |conn, _, _: UserRow| {
        let hash = password::hash(new.expose()).map_err(ApiError::internal)?;
        let now = Utc::now();
        let after = persistence::users::set_password_hash(conn, id, &hash, now)?;
        persistence::refresh_tokens::revoke_for_user(conn, id, now)?;
        Ok(Outcome::new(after))
    })
    .await?;
    Ok(done.ok())
}
