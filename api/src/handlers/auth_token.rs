//! `POST /api/v1/auth/token`: the password, refresh-token and client-credentials grants, and
//! `POST /api/v1/auth/revoke` to sign out. Failed attempts are throttled per account name and
//! recorded (they commit even though the request fails); every token issued is audited.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use persistence::audit::{self, AuditActor, AuditEntry};
use persistence::refresh_tokens::{self, NewRefreshToken};
use persistence::users::UserRow;
use persistence::{login_failures, users, PgConnection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::password;
use crate::auth::tokens::{hash_refresh_token, new_refresh_token};
use crate::extract::ApiJson;
use crate::middleware::request_id;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::transact;

/// A token request; `grant_type` says which fields it carries.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
#[schema(example = json!({"grant_type": "password", "username": "rahima.upz400", "password": "correct horse battery"}))]
pub enum TokenRequest {
    /// A person signs in.
    Password { username: String, password: String },
    /// Exchange a refresh token for new tokens; the old refresh token stops working.
    RefreshToken { refresh_token: String },
    /// A service account (an integrator) signs in.
    ClientCredentials { client_id: String, client_secret: String },
}

impl Validate for TokenRequest {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        let mut errors = validator::ValidationErrors::new();
        let mut check = |field: &'static str, value: &str| {
            if value.is_empty() || value.len() > 1024 {
                errors.add(field, validator::ValidationError::new("length").with_message("must be 1 to 1024 bytes".into()));
            }
        };
        match self {
            TokenRequest::Password { username, password } => {
                check("username", username);
                check("password", password);
            }
            TokenRequest::RefreshToken { refresh_token } => check("refresh_token", refresh_token),
            TokenRequest::ClientCredentials { client_id, client_secret } => {
                check("client_id", client_id);
                check("client_secret", client_secret);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Tokens for the caller.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_token": "rt_Q2hhbmdlTWVJbkFub3RoZXJMaWZlVGltZQ"
}))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// For the password and refresh grants; use it once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// A refresh token to revoke.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"refresh_token": "rt_Q2hhbmdlTWVJbkFub3RoZXJMaWZlVGltZQ"}))]
pub struct RevokeRequest {
    #[validate(length(min = 1, max = 1024))]
    pub refresh_token: String,
}

/// What happened, decided inside the transaction. A failure is committed (its throttling
/// record and audit row must stay) and only then turned into an error response.
enum Outcome {
    Issued(TokenResponse),
    Refused(ApiError),
}

fn invalid_grant(detail: &str) -> ApiError {
    ApiError::InvalidGrant { code: "invalid_grant", detail: detail.to_owned() }
}

/// Get tokens: sign in with a password, refresh, or authenticate a service account.
#[utoipa::path(post, path = "/api/v1/auth/token", operation_id = "create_token", tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Tokens issued", body = TokenResponse),
        (status = 400, description = "Wrong username or password, refresh token invalid, used or revoked; malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong client credentials", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let request_id = request_id(&req);
    let st = state.clone();
    let outcome = transact(&state, move |conn| {
        let now = Utc::now();
        match body.0 {
            TokenRequest::Password { username, password } => sign_in(conn, &st, &username, &password, "person", now, &request_id),
            TokenRequest::ClientCredentials { client_id, client_secret } => {
                sign_in(conn, &st, &client_id, &client_secret, "service", now, &request_id)
            }
            TokenRequest::RefreshToken { refresh_token } => refresh(conn, &st, &refresh_token, now, &request_id),
        }
    })
    .await?;
    match outcome {
        Outcome::Issued(tokens) => Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(tokens)),
        Outcome::Refused(e) => Err(e),
    }
}

fn sign_in(
    conn: &mut PgConnection,
    state: &AppState,
    name: &str,
    secret: &str,
    kind: &str,
    now: DateTime<Utc>,
    request_id: &str,
) -> Result<Outcome, ApiError> {
    let name = name.trim().to_lowercase();
    let failures = login_failures::recent(conn, &name, now - state.throttle.window, i64::from(state.throttle.max_failures))?;
    if let Err(wait) = state.throttle.check(&failures, now) {
        return Ok(Outcome::Refused(ApiError::TooManyRequests { retry_after_secs: wait.num_seconds().max(1) }));
    }
    let user = users::find_by_username(conn, &name)?.filter(|u| u.kind == kind);
    let verified = match &user {
        Some(u) => password::verify(&u.password_hash, secret),
        None => {
            password::verify_dummy(secret);
            false
        }
    };
    let user_id = user.as_ref().map(|u| u.id);
    let refuse = |conn: &mut PgConnection, reason: &str| -> Result<Outcome, ApiError> {
        login_failures::record(conn, &name, now, now - state.throttle.window)?;
        audit::record(
            conn,
            AuditEntry {
                actor: &AuditActor { id: user_id, label: name.clone() },
                action: "auth.sign_in_failed",
                entity_type: "user",
                entity_id: user_id.map(|id| id.to_string()).unwrap_or_else(|| name.clone()),
                before: None,
                after: Some(serde_json::json!({"reason": reason, "grant": kind})),
                request_id: Some(request_id),
            },
        )?;
        Ok(Outcome::Refused(if kind == "service" {
            ApiError::InvalidClient
        } else {
            invalid_grant("the username or password is wrong")
        }))
    };
    let Some(user) = user.filter(|_| verified) else {
        return refuse(conn, "wrong_credentials");
    };
    if user.status != "active" {
        return Ok(Outcome::Refused(ApiError::InvalidGrant {
            code: "account_disabled",
            detail: "this account is disabled; ask your administrator".into(),
        }));
    }
    login_failures::clear(conn, &name)?;
    let refresh_family = (kind == "person").then(Uuid::now_v7);
    issue(conn, state, &user, refresh_family, now, request_id, "auth.sign_in")
}

fn refresh(
    conn: &mut PgConnection,
    state: &AppState,
    token: &str,
    now: DateTime<Utc>,
    request_id: &str,
) -> Result<Outcome, ApiError> {
    let Some(stored) = refresh_tokens::find_for_update(conn, &hash_refresh_token(token))? else {
        return Ok(Outcome::Refused(invalid_grant("the refresh token is not valid")));
    };
    if stored.revoked_at.is_some() {
        return Ok(Outcome::Refused(invalid_grant("the refresh token was revoked; sign in again")));
    }
    if stored.used_at.is_some() {
        // A rotated token came back: someone holds a copy. Revoke the whole family.
        refresh_tokens::revoke_family(conn, stored.family_id, now)?;
        audit::record(
            conn,
            AuditEntry {
                actor: &AuditActor { id: Some(stored.user_id), label: format!("user:{}", stored.user_id) },
                action: "auth.refresh_token_replayed",
                entity_type: "user",
                entity_id: stored.user_id.to_string(),
                before: None,
                after: Some(serde_json::json!({"family_id": stored.family_id})),
                request_id: Some(request_id),
            },
        )?;
        return Ok(Outcome::Refused(invalid_grant(
            "the refresh token was already used; every session from it is revoked; sign in again",
        )));
    }
    if stored.expires_at <= now {
        return Ok(Outcome::Refused(invalid_grant("the refresh token has expired; sign in again")));
    }
    let user = users::find(conn, stored.user_id)?.ok_or_else(|| ApiError::internal("refresh token without user"))?;
    if user.status != "active" {
        return Ok(Outcome::Refused(ApiError::InvalidGrant {
            code: "account_disabled",
            detail: "this account is disabled; ask your administrator".into(),
        }));
    }
    refresh_tokens::mark_used(conn, stored.id, now)?;
    issue(conn, state, &user, Some(stored.family_id), now, request_id, "auth.refresh")
}

fn issue(
    conn: &mut PgConnection,
    state: &AppState,
    user: &UserRow,
    refresh_family: Option<Uuid>,
    now: DateTime<Utc>,
    request_id: &str,
    action: &str,
) -> Result<Outcome, ApiError> {
    let (access_token, expires_in) = state
        .tokens
        .issue_access(user.id, &user.username, &user.role, &user.scope, &user.kind, now)
        .map_err(ApiError::internal)?;
    let refresh_token = match refresh_family {
        None => None,
        Some(family_id) => {
            let (token, hash) = new_refresh_token();
            refresh_tokens::insert(
                conn,
                &NewRefreshToken {
                    id: Uuid::now_v7(),
                    user_id: user.id,
                    family_id,
                    token_hash: &hash,
                    issued_at: now,
                    expires_at: now + state.tokens.refresh_ttl,
                },
            )?;
            Some(token)
        }
    };
    audit::record(
        conn,
        AuditEntry {
            actor: &AuditActor { id: Some(user.id), label: user.username.clone() },
            action,
            entity_type: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: Some(serde_json::json!({"refresh_family": refresh_family})),
            request_id: Some(request_id),
        },
    )?;
    Ok(Outcome::Issued(TokenResponse { access_token, token_type: "Bearer".into(), expires_in, refresh_token }))
}

/// Sign out: revoke a refresh token and every token rotated from the same sign-in. Answers
/// 204 whether or not the token was known (RFC 7009), so it reveals nothing.
#[utoipa::path(post, path = "/api/v1/auth/revoke", operation_id = "revoke_token", tag = "auth",
    request_body = RevokeRequest,
    responses(
        (status = 204, description = "Revoked (or unknown)"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<RevokeRequest>,
) -> Result<HttpResponse, ApiError> {
    let request_id = request_id(&req);
    transact(&state, move |conn| {
        let now = Utc::now();
        if let Some(stored) = refresh_tokens::find_for_update(conn, &hash_refresh_token(&body.0.refresh_token))? {
            if refresh_tokens::revoke_family(conn, stored.family_id, now)? > 0 {
                audit::record(
                    conn,
                    AuditEntry {
                        actor: &AuditActor { id: Some(stored.user_id), label: format!("user:{}", stored.user_id) },
                        action: "auth.revoke",
                        entity_type: "user",
                        entity_id: stored.user_id.to_string(),
                        before: None,
                        after: Some(serde_json::json!({"family_id": stored.family_id})),
                        request_id: Some(&request_id),
                    },
                )?;
            }
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
