use actix_web::http::StatusCode;
use actix_web::post;
use actix_web::{web, HttpResponse};
use domain::access::{Permission, Subject};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::accounts::{self, AccountInput, NewAccount};
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

use crate::views::UserView;

/// A new account.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "username": "rahima.upz400",
    "display_name": "রহিমা খাতুন",
    "kind": "person",
    "role": "upazila_officer",
    "scope": "upazila:400",
    "password": "a long passphrase of words"
}))]
pub struct CreateUserRequest {
    /// 3-64 characters: a-z, 0-9, `.`, `_`, `-`; stored lowercased. For service accounts this
    /// is the `client_id`.
    pub username: String,
    /// Defaults to the username.
    pub display_name: Option<String>,
    /// `person` (default) or `service` (signs in with client credentials).
    #[schema(value_type = Option<crate::codes::AccountKindCode>)]
    pub kind: Option<String>,
    #[schema(value_type = crate::codes::RoleCode)]
    pub role: String,
    /// `national`, `division:ID`, `district:ID`, `upazila:ID`, `facility:UUID`, `partner:UUID`.
    pub scope: String,
    /// 12-256 characters; for service accounts, the `client_secret`.
    pub password: String,
}

/// Create an account. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "create_user", tag = "users",
    request_body = CreateUserRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat the key on a retry to get the first response back instead of a second account")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `ETag` and `Location` set", body = UserView),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator, or the scope is outside yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Username taken, or the Idempotency-Key was used for another request", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let account = NewAccount::parse(&AccountInput {
        username: &b.username,
        display_name: b.display_name.as_deref(),
        kind: b.kind.as_deref(),
        role: &b.role,
        scope: &b.scope,
        password: &b.password,
    })
    .map_err(ApiError::Validation)?;
    let fingerprint = idempotency::fingerprint(&[
        "create_user",
        account.username.as_str(),
        &account.display_name,
        account.kind.code(),
        account.role.code(),
        &account.scope.to_string(),
    ]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let placed = accounts::place_scope(conn, account.scope)?;
        require(conn, &who, Permission::ManageUsers, &Subject::Scope(placed))?;
        let user = accounts::create(conn, &who.audit_actor(), Some(&who.request_id), &account, &placed)?;
        Ok(Created {
            location: Some(format!("/api/v1/users/{}", user.id)),
            etag: Some(etag(user.version)),
            body: UserView::from(&user),
        })
    })
    .await
}
